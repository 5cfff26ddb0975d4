/* SPDX-License-Identifier: MIT */
/* I/O address translation: registration and RPCIT, the shadow of host mappings. */
#ifndef ZV_CORE_DMA_H
#define ZV_CORE_DMA_H

#include <stdbool.h>
#include <stdint.h>

#include "zvfio/zvfio.h"

/*
 * The most work one intercept does (dma.c): guest table entries read and
 * runs gathered, each one unit, and held mappings looked at; a step may
 * finish the segment it is in (at most 512 units more). 131072 units are
 * about 0.8 ms on the development machine (docs/BENCHMARKS.md). A backend
 * whose maps cost time per page (zv_device.map_step_pages: VFIO pins
 * pages) also bounds the pages one step maps, RPCIT and relaxed
 * translation's direct map alike.
 */
#define DMA_WORK_MAX 131072

/*
 * RPCIT over [start, start + len): 0 (done), -EBUSY (a step: the same
 * RPCIT continues), -EIO (a translation error: pec, faddr), -ENOSPC (out of
 * host mappings), -EREMOTEIO (the backend failed otherwise; mappings it
 * could not remove stay as fenced zombies).
 */
int dma_rpcit(struct zv_function *f, uint64_t start, uint64_t len, uint16_t *pec,
	      uint64_t *faddr);
/* Remove every host mapping: 0, or -1 when some stay (zombies, fenced). */
int dma_unmap_all(struct zv_function *f);
/* Try again to unmap the zombies: 0 when none is left. */
int dma_retry_zombies(struct zv_function *f);
/*
 * Validate and register: 0, a program code, -EBUSY (relaxed translation:
 * guest RAM is mapped a step at a time; the same REG_IOAT continues),
 * -ENOSPC (RAM does not fit the backend's mappings), -EREMOTEIO (the
 * backend failed otherwise).
 */
int dma_register(struct zv_function *f, uint64_t pba, uint64_t pal, uint64_t iota);
/* Is this REG_IOAT the one whose direct map is under way? */
bool dma_register_pending(const struct zv_function *f, uint64_t pba, uint64_t pal, uint64_t iota);

#endif
