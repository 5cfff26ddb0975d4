/* SPDX-License-Identifier: MIT */
/* I/O address translation: registration and RPCIT, the shadow of host mappings. */
#ifndef ZV_CORE_DMA_H
#define ZV_CORE_DMA_H

#include <stdint.h>

#include "zvfio/zvfio.h"

int dma_rpcit(struct zv_function *f, uint64_t start, uint64_t len, uint16_t *pec,
	      uint64_t *faddr);
void dma_unmap_all(struct zv_function *f);
/* validate and register: 0, a program code, or -ENOSPC when relaxed
 * translation cannot map guest RAM */
int dma_register(struct zv_function *f, uint64_t pba, uint64_t pal, uint64_t iota);

#endif
