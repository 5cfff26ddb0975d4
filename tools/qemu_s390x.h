/* SPDX-License-Identifier: MIT */
/*
 * qemu-system-s390x as the benchmarks run it beside zvfio's machine (bench
 * boot, bench linux-io): TCG, one CPU, no network, the console on standard
 * output, a kernel, an initramfs and a command line, devices as the caller
 * adds them.
 */
#ifndef ZV_TOOLS_QEMU_S390X_H
#define ZV_TOOLS_QEMU_S390X_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct qemu_s390x {
	const char *qemu;		/* the binary, found in PATH */
	const char *kernel, *initrd;	/* initrd may be NULL */
	const char *append;
	uint64_t mem;			/* bytes */
	const char *const *extra;	/* more arguments, NULL-terminated; may be NULL */
	unsigned timeout;		/* seconds */
};

/*
 * Run it, handing its console output to feed(ctx, buf, n) until feed
 * returns true, QEMU ends or the timeout passes; then QEMU is killed.
 * Returns 0 with *secs the seconds from the start to then, or 1 after
 * printing why (prefixed with who) when it could not be started.
 */
int qemu_s390x_run(const char *who, const struct qemu_s390x *q,
		   bool (*feed)(void *ctx, const char *buf, size_t n), void *ctx, double *secs);

#endif
