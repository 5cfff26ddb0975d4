/* SPDX-License-Identifier: MIT */
/* Internal state of the software s390x machine, shared by its files. */
#ifndef ZV_HV_SOFTCPU_INT_H
#define ZV_HV_SOFTCPU_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <unicorn/unicorn.h>

#include "arch/lowcore.h"
#include "zvfio/guest_env.h"
#include "zvfio/softcpu.h"

#define TBINFO (1u << 16)

/* kicker.c: the thread that stops the CPU for what comes from outside */
struct sc_kicker {
	pthread_t thread;
	bool started;
	int efd;			/* wakes the thread: new state, quit */
	int dev_fd, console_fd;		/* the machine's epoll set; console input */
	atomic_bool quit, watch_console;
	atomic_bool dev_ready;		/* it stopped the CPU for a device event */
	atomic_int in_run;		/* the CPU runs (uc_emu_start, not waiting) */
	atomic_int kick;		/* a stop is wanted and not yet taken */
	_Atomic uint64_t timer_at;	/* CLOCK_MONOTONIC ns of the next timer */
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

	void *cpu;			/* Unicorn's S390CPU (ucstate.c) */
	uint8_t *env;			/* its CPU state */
	volatile uint64_t *cr;		/* its control registers */
	uint8_t io_pending;		/* adapter interruptions, one bit per ISC (0x80 >> isc) */
	bool mchk_pending;		/* channel report pending */

	uc_hook h_block, h_intr;
	/* translation-time interception (softcpu.c): the byte hook_fetch
	 * replaced (at patch_at, UINT64_MAX: none), and the address of the
	 * second halfword EXECUTE reads of a 4-byte target */
	uint64_t patch_at, fetch_cont;
	uint64_t ex_pass;		/* an EXECUTE to run as it is (run_execute) */
	uint64_t ex_passed;		/* ... and running so: an exception there is
					 * its target's own, not a trap */
	uint8_t patch_byte;
	bool intercepting;		/* hook_fetch traps (after the start-up probes) */

	/* the run without a block hook (softcpu.c, kicker.c); hooked_why:
	 * why there is one (counting, --hook-all, a Unicorn that fails the
	 * probe) */
	bool hookless;
	const char *hooked_why;
	struct sc_kicker kick;
	uint8_t *no_exit;		/* Unicorn's no_exit_request (ucstate.c) */
	bool probe_stop;		/* mmio_write stops the run (that probe) */
	uint64_t probe_fetch_stop;	/* hook_fetch stops the run reading here */
	uint64_t pause_pc;		/* where a paused run goes on */

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

	struct {			/* clock.c */
		uint64_t host0, tod0;	/* host ns and TOD value at start */
		uint64_t skipped_ns;	/* virtual time fast-forwarded in waits */
		uint64_t tod_offset;	/* SCK: guest TOD minus the virtual one */
		uint64_t last_tod;	/* the last value stored (uniqueness) */
		uint64_t ckc;		/* clock comparator (virtual TOD) */
		uint64_t cpt_base, cpt_at;	/* CPU timer value set, and when */
		bool ckc_pending, cpt_pending;
	} clk;
	/* external interruption conditions other than the timers */
	bool ext_call, emergency, service_signal;
	uint32_t service_parm;
	uint64_t sclp_guest_receive;	/* event types the guest takes (SCLP) */
	uint8_t con_in[1024];		/* console input not yet read by the guest */
	size_t con_in_len;
	bool con_in_eof;
	bool os;			/* an OS image (kernel loaded) */
	uint64_t kernel_size;		/* its image's bytes, at absolute 0 */
	bool debug_pgm;			/* ZV_DEBUG_PGM: trace program interruptions */
	double user_at;			/* first problem-state PSW, s after start */

	/* instructions of each translated block by its address, from
	 * UC_HOOK_EDGE_GENERATED: a direct-mapped table of TBINFO entries */
	struct sc_tbinfo { uint64_t pc; uint32_t icount; } *tbinfo;

	/* ucstore.c: RAM pages holding translated code, one bit each; the
	 * TLB's fast descriptors; whether data pages' stores are fast */
	uint64_t *code_pages;
	struct uc_tlb_fast *tlb_fast;
	bool store_fast;
	const char *store_why;		/* why not */
	struct zv_softcpu *st_next;	/* ucstore.c's list of machines */

	struct sc_payload *pl;		/* payload.c: the kernel decompressed on the host */

	struct zv_guest_env *genv;	/* the guest ABI: image, hypercalls, reports */
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
/* an environment variable set to anything but 0 */
bool sc_env_flag(const char *name);
/* absolute storage; false when outside RAM */
bool sc_read(struct zv_softcpu *sc, uint64_t a, void *buf, size_t n);
bool sc_write(struct zv_softcpu *sc, uint64_t a, const void *buf, size_t n);

/* softcpu_sys.c: the rest of the machine the guests use */
/* Returns 0 (done, resume after the instruction), or a program code. */
int sys_diag(struct zv_softcpu *sc, const uint8_t *insn);
unsigned sys_diag_code(struct zv_softcpu *sc, const uint8_t *insn);
int sys_stcrw(struct zv_softcpu *sc, const uint8_t *insn, uint64_t mask, uint64_t addr);
int sys_chsc(struct zv_softcpu *sc, const uint8_t *insn, uint64_t mask);
int sys_sigp(struct zv_softcpu *sc, const uint8_t *insn, uint64_t order);
int sys_stsi(struct zv_softcpu *sc, uint64_t mask, uint64_t addr, unsigned ar);
int sys_stfle(struct zv_softcpu *sc, uint64_t mask, uint64_t addr, unsigned ar);
void sys_stfl(struct zv_softcpu *sc);
int sys_mc(struct zv_softcpu *sc, const uint8_t *insn, uint64_t code);
int sys_channel_io(struct zv_softcpu *sc, const uint8_t *insn);
int sys_csst(struct zv_softcpu *sc, const uint8_t *insn, uint64_t mask, uint64_t a1, uint64_t a2);

/* ucstate.c: Unicorn's CPU state the API does not reach -- QEMU 5.0's
 * CPUS390XState as Unicorn 2.0.1 builds it (qemu/target/s390x/cpu.h), in
 * the host's byte order; every offset is probed at start-up */
#define UC_OFF_VREGS    128	/* vregs[32][2]: FPR n is vregs[n][0] */
#define UC_OFF_AREGS    640	/* uint32_t aregs[16] */
#define UC_OFF_FPC      756	/* uint32_t */
#define UC_OFF_PSW      784	/* mask, addr */
#define UC_OFF_EX_VALUE 824	/* an EXECUTE's target, between the two */
#define UC_OFF_PSA      840	/* the prefix */
#define UC_OFF_PGM_CODE 848	/* uint32_t int_pgm_code, then int_pgm_ilen */
#define UC_OFF_SVC_CODE 856	/* uint32_t int_svc_code, then int_svc_ilen */
#define UC_OFF_CREGS    880
uint32_t uc_env32(struct zv_softcpu *sc, unsigned off);
uint64_t uc_env64(struct zv_softcpu *sc, unsigned off);
int ucstate_probe(struct zv_softcpu *sc, char *err, size_t errlen);
int ucstate_find(struct zv_softcpu *sc, char *err, size_t errlen);
int ucstate_check_cregs(struct zv_softcpu *sc, char *err, size_t errlen);
uint8_t *ucstate_find_no_exit(struct zv_softcpu *sc, const char **why);
bool ucstate_check_no_exit(struct zv_softcpu *sc, uint8_t *flag);
bool ucstate_check_ex_value(struct zv_softcpu *sc);

/* kicker.c */
int kicker_start(struct zv_softcpu *sc);
void kicker_stop(struct zv_softcpu *sc);
void kicker_enter(struct zv_softcpu *sc, uint64_t timer_at, bool watch_console, bool wake);
void kicker_rearm(struct zv_softcpu *sc, uint64_t timer_at);
void kicker_leave(struct zv_softcpu *sc, bool wake);
bool kicker_take(struct zv_softcpu *sc);
void kicker_insist(struct zv_softcpu *sc);
uint64_t kicker_now_ns(void);

/* ucstore.c: guest stores at TCG's full speed on pages without code */
int ucstore_attach(struct zv_softcpu *sc);
void ucstore_setup(struct zv_softcpu *sc);
void ucstore_detach(struct zv_softcpu *sc);
/* Unicorn's TLB flush: after the machine changed what translation uses */
void ucstore_tlb_flush(struct zv_softcpu *sc);

/* dat.c: the guest's address translation for the machine's own accesses */
/* SC_PROBE: an instruction fetch that stores nothing when it fails */
enum sc_access { SC_FETCH, SC_READ, SC_WRITE, SC_PROBE };
uint64_t sc_prefix(struct zv_softcpu *sc);
uint64_t sc_real_to_abs(struct zv_softcpu *sc, uint64_t real);
/* Logical address va of an access under PSW mask (ar: the register that
 * designated it, for AR mode) to absolute: 0, or the program-interruption
 * code of the access exception (its TEID stored in the lowcore). */
int sc_translate(struct zv_softcpu *sc, uint64_t mask, uint64_t va, unsigned ar,
		 enum sc_access acc, uint64_t *abs);
/* Copy n <= 8 KiB bytes at logical va to (SC_READ, SC_FETCH) or from
 * (SC_WRITE) buf: 0 or the access exception, storage untouched then. */
int sc_vcopy(struct zv_softcpu *sc, uint64_t mask, uint64_t va, unsigned ar, void *buf, size_t n,
	     enum sc_access acc);

/* clock.c */
void clock_init(struct zv_softcpu *sc);
uint64_t clock_ns(struct zv_softcpu *sc);
uint64_t clock_tod(struct zv_softcpu *sc);
/* What the guest sees: its TOD clock (after SCK), clock comparator and CPU timer */
uint64_t clock_guest_tod(struct zv_softcpu *sc);
uint64_t clock_guest_ckc(struct zv_softcpu *sc);
uint64_t clock_cpu_timer(struct zv_softcpu *sc);
void clock_update(struct zv_softcpu *sc);
uint64_t clock_next_ns(struct zv_softcpu *sc, bool ckc_on, bool cpt_on);
void clock_skip(struct zv_softcpu *sc, uint64_t ns);
int clock_insn(struct zv_softcpu *sc, uint8_t op2, uint64_t mask, uint64_t addr, unsigned ar);

/* sclp.c: the service-call logical processor (SERVC) */
int sclp_servc(struct zv_softcpu *sc, uint32_t cmd, uint64_t sccb);
/* Read what console input there is; signal the guest when it has some. */
void sclp_poll_input(struct zv_softcpu *sc);

/* kernel.c */
int kernel_load(struct zv_softcpu *sc, const char *kernel, const char *initrd, const char *cmdline,
		char *err, size_t errlen);

/* payload.c: a kernel's compressed payload decompressed on the host, the
 * guest's decompressor skipped (NULL sc->pl: nothing of it) */
void payload_prepare(struct zv_softcpu *sc, uint64_t image_size);
void payload_free(struct zv_softcpu *sc);
/* hook_fetch: a breakpoint's address, to translate as a trap */
bool payload_is_break(const struct zv_softcpu *sc, uint64_t addr);
/* an operation exception at pc: true when it is a breakpoint's trap */
bool payload_hit(struct zv_softcpu *sc, uint64_t pc);
/* periodic(): has the guest begun to write the kernel? */
void payload_poll(struct zv_softcpu *sc);
/* CLOCK_MONOTONIC ns of the next poll the kicker stops the CPU for */
uint64_t payload_next_ns(const struct zv_softcpu *sc);
/* before the CPU runs again: translations to drop, the skip */
void payload_step(struct zv_softcpu *sc);

#endif
