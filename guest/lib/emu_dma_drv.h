/* SPDX-License-Identifier: MIT */
/* Guest driver for zvfio's emu:dma test device (docs/DEVICES.md). */
#ifndef GUEST_EMU_DMA_DRV_H
#define GUEST_EMU_DMA_DRV_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/emu/emu_dma.h"
#include "zpci.h"

/* Load SRC, DST, LEN, PATTERN with one PCISTB and start op with CMD.
 * irq: interrupt on completion on vector vec. Returns the STATUS register. */
uint32_t emu_dma_run(struct zdev *z, unsigned op, uint64_t src, uint64_t dst, uint64_t len,
		     uint64_t pattern, unsigned vec, bool irq);
uint64_t emu_dma_result(struct zdev *z);
/* The device's checksum, computed by the guest CPU. */
uint64_t emu_csum(const void *p, uint64_t len);

#endif
