/* SPDX-License-Identifier: MIT */
/*
 * DMA under a small host mapping budget, the way Linux drives it: buffers
 * made of scattered pages (one host mapping per page: nothing coalesces),
 * mapped with a refresh each, unmapped lazily, the IOVA space recycled by
 * global refreshes. With a budget smaller than the window, an RPCIT hits
 * "insufficient resources" (cc 1 status 16) and the guest answers with a
 * global refresh and a retry; the I/O completes and is verified.
 *   rounds=N (default 64)  expect16=1: require status 16 to have happened
 */
#include "emu_dma_drv.h"
#include "guest.h"

int guest_main(void);

int guest_main(void)
{
	uint64_t rounds = arg_u64("rounds", 64), verified = 0;
	uint8_t *pool = galloc(64 * 8192, 4096);
	void *src[8], *dst[8];
	struct zdev *z;

	CHECK_EQ(zpci_bringup_all(8, NULL), 1);
	z = &zdevs[0];
	printf("budget: window %lu pages\n", (unsigned long)((z->pal - z->pba + 1) / 4096));
	irq_disable();
	for (uint64_t r = 0; r < rounds; r++) {
		/* 8 + 8 pages, every other page of the pool: no two adjacent */
		for (unsigned k = 0; k < 8; k++) {
			src[k] = pool + ((r * 16 + k) % 32) * 8192;
			dst[k] = pool + ((r * 16 + 8 + k) % 32) * 8192;
			for (unsigned i = 0; i < 4096; i += 8)
				*(uint64_t *)((uint8_t *)src[k] + i) = r << 32 | k << 16 | i;
			memset(dst[k], 0, 4096);
		}
		uint64_t is = zpci_map_pages(z, src, 8, true), id = zpci_map_pages(z, dst, 8, false);

		if (!is || !id)
			panic("round %lu: cannot map", (unsigned long)r);
		uint64_t c = z->irq_count[0];
		CHECK_EQ(emu_dma_run(z, EMU_DMA_OP_COPY, is, id, 8 * 4096, 0, 0, true), EMU_DMA_ST_OK);
		while (z->irq_count[0] == c)
			wait_for_interrupt();
		for (unsigned k = 0; k < 8; k++)
			CHECK_EQ(memcmp(src[k], dst[k], 4096), 0);
		verified += 8 * 4096;
		zpci_unmap(z, is, 8 * 4096, true);	/* lazily, as Linux's flush queue */
		zpci_unmap(z, id, 8 * 4096, true);
	}
	printf("budget: %lu rounds, %lu global refreshes, %lu insufficient-resources answers, "
	       "%u failures\n", (unsigned long)rounds, (unsigned long)dma_flushes,
	       (unsigned long)dma_insufficient, test_failures);
	if (arg_u64("expect16", 0))
		CHECK(dma_insufficient > 0, "the budget never ran out");
	zv_report("verified_bytes", verified);
	return test_failures ? 1 : 0;
}
