/* SPDX-License-Identifier: MIT */
/*
 * The engine's part of `zvfio run`'s summary, the same under either
 * hypervisor (the software machine, KVM): the functions, the intercepts,
 * DMA, interrupts and events, from zv_stats.
 */
#ifndef ZV_TOOLS_SUMMARY_H
#define ZV_TOOLS_SUMMARY_H

#include "zvfio/zvfio.h"

/* "functions:" (one line each: name, UID, FID, handle, state, and
 * "interpreted" when the CPU accesses it itself) and "intercepts:". */
void summary_functions(struct zv_machine *m, struct zv_function **fns, unsigned nfns);
/* DMA, host failures, device regions, interrupts and events. presented
 * and mchecks: the adapter interruptions and machine checks the
 * hypervisor presented to the guest, or NULL when it cannot tell (under
 * KVM the kernel presents them). */
void summary_engine(struct zv_machine *m, unsigned nfns, const uint64_t *presented,
		    const uint64_t *mchecks);

#endif
