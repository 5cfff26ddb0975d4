/* SPDX-License-Identifier: MIT */
#include "emu_dma_drv.h"
#include "guest.h"

uint32_t emu_dma_run(struct zdev *z, unsigned op, uint64_t src, uint64_t dst, uint64_t len,
		     uint64_t pattern, unsigned vec, bool irq)
{
	/* registers 0x08..0x27 in PCI (little-endian) order, one store block */
	uint64_t regs[4] __attribute__((aligned(8))) = {
		bswap64(src), bswap64(dst), bswap64(len), bswap64(pattern),
	};
	uint8_t st;
	int cc = pcistb(regs, z->fh, 0, sizeof(regs), EMU_DMA_REG_SRC, &st);

	if (cc)
		panic("PCISTB to emu:dma: cc %d status %u", cc, st);
	bar_write(z, 0, EMU_DMA_REG_CMD, 4,
		  op | (uint32_t)vec << EMU_DMA_CMD_VEC_SHIFT | (irq ? EMU_DMA_CMD_IRQ : 0));
	return (uint32_t)bar_read(z, 0, EMU_DMA_REG_STATUS, 4);
}

uint64_t emu_dma_result(struct zdev *z)
{
	return bar_read(z, 0, EMU_DMA_REG_RESULT, 8);
}

uint64_t emu_csum(const void *p, uint64_t len)
{
	const uint64_t *w = p;
	const uint8_t *b;
	uint64_t h = EMU_CSUM_INIT, i;

	for (i = 0; i + 8 <= len; i += 8)
		h = (h ^ *w++) * EMU_CSUM_PRIME;	/* big-endian words: native here */
	for (b = (const uint8_t *)p + i; i < len; i++)
		h = (h ^ *b++) * EMU_CSUM_PRIME;
	return h;
}
