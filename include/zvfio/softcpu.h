/* SPDX-License-Identifier: MIT */
/*
 * The software s390x machine: one CPU on Unicorn (Debian libunicorn2) that
 * runs a static s390x ELF guest image, turns its zPCI instructions into
 * zv_intercept() calls and delivers adapter interruptions, machine checks
 * (channel reports) and program interruptions through the lowcore as the
 * CPU does. docs/GUEST-ABI.md is the contract with the guest.
 */
#ifndef ZVFIO_SOFTCPU_H
#define ZVFIO_SOFTCPU_H

#include <stdint.h>
#include <stdio.h>

#include "zvfio/guest_abi.h"	/* hypercall numbers (ZV_HC_*) */
#include "zvfio/zvfio.h"

#ifdef __cplusplus
extern "C" {
#endif

struct zv_softcpu;

struct zv_softcpu_config {
	uint64_t mem_size;	/* bytes of RAM at absolute 0; 0: 256 MiB */
	const char *args;	/* string the guest can fetch (ZV_HC_GETARGS) */
	FILE *console;		/* guest console output; NULL: stdout */
	unsigned timeout_s;	/* wall-clock limit; 0: none */
	uint32_t facilities;	/* ZV_FAC_*; 0: ZV_FAC_DEFAULT */
	uint16_t mui_ms;	/* measurement interval; 0: 4000 */
	/* How intercepted instructions are found: 0 (default) scans each
	 * executed block and hooks exactly the sites it finds; 1 runs a code
	 * hook on every instruction (the slower way, kept for comparison). */
	int hook_all;
	/* called about once a second while the guest runs or waits */
	void (*progress)(void *opaque, struct zv_softcpu *sc);
	void *progress_opaque;
};


/* How a run ended. */
enum zv_run_end {
	ZV_RUN_EXIT,		/* the guest called ZV_HC_EXIT */
	ZV_RUN_TIMEOUT,		/* timeout_s elapsed */
	ZV_RUN_DISABLED_WAIT,	/* the guest loaded a disabled wait PSW */
	ZV_RUN_FAULT,		/* the machine could not continue; see message */
};

struct zv_softcpu_stats {
	uint64_t blocks;	/* translated-block executions seen */
	uint64_t intercepts;	/* all instruction intercepts */
	uint64_t hypercalls;
	uint64_t io_interrupts;	/* adapter interruptions presented */
	uint64_t mchecks;	/* channel-report machine checks presented */
	uint64_t program_interrupts;
	uint64_t waits;		/* enabled waits */
	uint64_t hooked_sites;	/* distinct intercepted instruction addresses */
	double seconds;
};

ZV_API struct zv_softcpu *zv_softcpu_create(const struct zv_softcpu_config *cfg, char *err,
					    size_t errlen);
ZV_API void zv_softcpu_destroy(struct zv_softcpu *sc);
/* The machine, to add functions before zv_softcpu_run(). */
ZV_API struct zv_machine *zv_softcpu_machine(struct zv_softcpu *sc);
/* Load a static big-endian s390x ELF executable. */
ZV_API int zv_softcpu_load_elf(struct zv_softcpu *sc, const char *path, char *err, size_t errlen);
/*
 * Run until the guest exits or the run ends otherwise. Returns how it
 * ended; *status gets the guest's exit status for ZV_RUN_EXIT. For other
 * ends, zv_softcpu_message() says why.
 */
ZV_API enum zv_run_end zv_softcpu_run(struct zv_softcpu *sc, int *status);
ZV_API const char *zv_softcpu_message(const struct zv_softcpu *sc);
ZV_API void zv_softcpu_stats_get(const struct zv_softcpu *sc, struct zv_softcpu_stats *st);
/* Guest RAM (absolute 0) as the host sees it. */
ZV_API uint8_t *zv_softcpu_ram(struct zv_softcpu *sc);
/* Values the guest reported with ZV_HC_REPORT, by index; NULL past the end. */
ZV_API const char *zv_softcpu_report(const struct zv_softcpu *sc, unsigned i, uint64_t *value);

#ifdef __cplusplus
}
#endif
#endif
