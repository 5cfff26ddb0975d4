/* SPDX-License-Identifier: MIT */
/* Internal state of the software s390x machine, shared by its files. */
#ifndef ZV_HV_SOFTCPU_INT_H
#define ZV_HV_SOFTCPU_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <unicorn/unicorn.h>

#include "arch/lowcore.h"
#include "zvfio/softcpu.h"

#define MAX_REPORTS ZV_GUEST_REPORTS_MAX

struct sc_report {
	char key[ZV_GUEST_REPORT_KEY_MAX + 1];
	uint64_t val;
};

struct zv_softcpu {
	uc_engine *uc;
	uint8_t *ram;
	uint64_t ram_size;
	struct zv_machine *m;
	struct zv_softcpu_config cfg;
	FILE *console;
	uint64_t entry;
	bool loaded;

	uint8_t *env;			/* Unicorn's CPU state (ucstate.c) */
	volatile uint64_t *cr;		/* its control registers */
	uint8_t io_pending;		/* adapter interruptions, one bit per ISC (0x80 >> isc) */
	bool mchk_pending;		/* channel report pending */
	bool irq_check;			/* something may be deliverable */

	uc_hook h_block, h_intr;
	/* translation-time interception (softcpu.c): the byte hook_fetch
	 * replaced (at patch_at, UINT64_MAX: none), and the address of the
	 * second halfword EXECUTE reads of a 4-byte target */
	uint64_t patch_at, fetch_cont;
	uint64_t ex_pass;		/* an EXECUTE to run as it is (run_execute) */
	uint64_t ex_passed;		/* ... and running so: an exception there is
					 * its target's own, not a trap */
	uint64_t tod_set;		/* the TOD clock value SCK set last */
	uint8_t patch_byte;

	bool stop;			/* the run is over */
	bool pause;			/* back to the caller: an exit (cfg.exits) */
	enum zv_run_end pause_why;
	bool started;
	/* cfg.exits: the outstanding zPCI intercept, or the enabled wait */
	bool icpt_pending;
	struct zv_cpu icpt_cpu;
	uint8_t icpt_insn[6];
	unsigned icpt_ilen;
	bool waiting;
	uint64_t wait_mask, wait_addr;
	enum zv_run_end end;
	int status;
	char msg[256];
	double t_start, deadline, next_progress;
	uint64_t blocks_since_poll;

	struct sc_report reports[MAX_REPORTS];
	unsigned nreports;
	struct zv_softcpu_stats st;
};

/* softcpu.c */
uint64_t sc_gpr(struct zv_softcpu *sc, int r);
void sc_set_gpr(struct zv_softcpu *sc, int r, uint64_t v);
uint64_t sc_pswm(struct zv_softcpu *sc);
void sc_set_psw(struct zv_softcpu *sc, uint64_t mask, uint64_t addr);
void sc_set_cc(struct zv_softcpu *sc, int cc);
void sc_fault(struct zv_softcpu *sc, enum zv_run_end end, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
double sc_now(void);
/* absolute storage; false when outside RAM */
bool sc_read(struct zv_softcpu *sc, uint64_t a, void *buf, size_t n);
bool sc_write(struct zv_softcpu *sc, uint64_t a, const void *buf, size_t n);

/* softcpu_sys.c: the rest of the machine the guests use */
/* Returns 0 (done, resume after the instruction), or a program code. */
int sys_diag(struct zv_softcpu *sc, const uint8_t *insn);
int sys_stcrw(struct zv_softcpu *sc, const uint8_t *insn, uint64_t addr);
int sys_chsc(struct zv_softcpu *sc, const uint8_t *insn);
int sys_sck(struct zv_softcpu *sc, uint64_t addr);

/* ucstate.c: Unicorn's CPU state the API does not reach */
int ucstate_find(struct zv_softcpu *sc, char *err, size_t errlen);
int ucstate_check_cregs(struct zv_softcpu *sc, char *err, size_t errlen);

/* elf.c */
int elf_load(struct zv_softcpu *sc, const char *path, char *err, size_t errlen);

#endif
