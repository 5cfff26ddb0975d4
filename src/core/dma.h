/* SPDX-License-Identifier: MIT */
/* I/O address translation: registration and RPCIT, the shadow of host mappings. */
#ifndef ZV_CORE_DMA_H
#define ZV_CORE_DMA_H

#include <stdbool.h>
#include <stdint.h>

#include "zvfio/zvfio.h"

/*
 * The most work one intercept does (dma.c): a guest table entry read is
 * one unit; a run gathered and a held mapping looked at are
 * DMA_CALL_UNITS each, since each may cost a backend call and a change of
 * the shadow (about 100 table entries' time on emu:dma). A step may
 * finish the segment it is in (at most 256 runs more). 32768 units are
 * a quarter of a millisecond on the development machine, half of one at
 * worst (docs/RELIABILITY.md). A
 * backend whose maps cost time per page (zv_device.map_step_pages: VFIO
 * pins pages) also bounds the pages one step maps, RPCIT and relaxed
 * translation's direct map alike. Teardown (deregistration, disable) drops
 * at most DMA_DROP_MAX held mappings a step.
 */
#define DMA_WORK_MAX 32768
#define DMA_CALL_UNITS 128
/* an extent of the shadow looked at while searching (a tree lookup) */
#define DMA_VISIT_UNITS 8
/* Teardown drops at most DMA_DROP_MAX held mappings a step (each a
 * backend unmap: about 0.7 ms a step at worst here). Linux's CLP disable
 * retries "function busy" 100 times (arch/s390/pci/pci_clp.c,
 * clp_set_pci_fn()) and its recovery disables without deregistering
 * first (zpci_hot_reset_device()), so 100 steps must remove type1's
 * default limit of 65,535 mappings: 700 a step take 94. */
#define DMA_DROP_MAX 700

/*
 * RPCIT over [start, start + len): 0 (done), -EBUSY (a step: the same
 * RPCIT continues), -EIO (a translation error: pec, faddr), -ENOSPC (out of
 * host mappings), -EREMOTEIO (the backend failed otherwise; mappings it
 * could not remove stay as fenced zombies).
 */
int dma_rpcit(struct zv_function *f, uint64_t start, uint64_t len, uint16_t *pec,
	      uint64_t *faddr);
/*
 * Remove the host mappings a step at a time, from the lowest up: 0 when
 * none is left, -EBUSY when more remain (call again: the function stays
 * fenced meanwhile), -1 when the backend failed to remove some (zombies,
 * fenced). The caller has ended the registration first.
 */
int dma_unmap_all(struct zv_function *f);
/* ... to the end, however long it takes: for the host's own calls
 * (standby, function removal), never for a guest's instruction. */
int dma_unmap_all_now(struct zv_function *f);
/* Try again to unmap the zombies, a bounded step at a time (a pass over
 * the shadow, resumed where the last step stopped): 0 when none is left,
 * -EBUSY when the pass goes on (call again), -1 when a whole pass left
 * some. */
int dma_retry_zombies(struct zv_function *f);
/*
 * Validate and register: 0, a program code, -EBUSY (the previous
 * registration's mappings are dropped, or relaxed translation maps guest
 * RAM, a step at a time; the same REG_IOAT continues),
 * -ENOSPC (RAM does not fit the backend's mappings), -EREMOTEIO (the
 * backend failed otherwise).
 */
int dma_register(struct zv_function *f, uint64_t pba, uint64_t pal, uint64_t iota);
/* Is this REG_IOAT the one whose direct map is under way? */
bool dma_register_pending(const struct zv_function *f, uint64_t pba, uint64_t pal, uint64_t iota);

#endif
