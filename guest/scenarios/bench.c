/* SPDX-License-Identifier: MIT */
/*
 * Micro-benchmarks from inside a guest, all measured in the same run:
 * plain guest code (no intercepts), a hypercall round trip, PCILG, PCISTG,
 * PCISTB against the same bytes as 16 PCISTGs, RPCIT of one page, and an
 * interrupt round trip (device event -> adapter interruption -> handler).
 * args: n=N iterations (default 200000). Prints "bench NAME ns=X" lines.
 */
#include "emu_dma_drv.h"
#include "guest.h"

int guest_main(void);

static uint64_t now(void) { return zv_time_ns(); }

static void line(const char *name, uint64_t ns_total, uint64_t n)
{
	/* fixed point with 3 decimals, the guest has no floating point */
	uint64_t milli = ns_total * 1000 / n;

	printf("bench %-22s ns=%lu.%03lu  (%lu iterations)\n", name, (unsigned long)(milli / 1000),
	       (unsigned long)(milli % 1000), (unsigned long)n);
}

int guest_main(void)
{
	uint64_t n = arg_u64("n", 200000), t, d, acc = 1;
	uint64_t blk[16] __attribute__((aligned(8)));
	uint8_t *page = galloc(4096, 4096), st;
	struct zdev *z;

	if (zpci_bringup_all(8, NULL) < 1)
		panic("bench needs one emu:dma function");
	z = &zdevs[0];
	for (unsigned i = 0; i < 16; i++)
		blk[i] = i;

	/* plain code: a dependent multiply-add chain in a loop */
	t = now();
	for (uint64_t i = 0; i < n * 20; i++)
		acc = acc * 6364136223846793005ULL + i;
	line("guest-loop-iteration", now() - t, n * 20);
	zv_report("bench_sink", acc & 1);

	t = now();
	for (uint64_t i = 0; i < n; i++)
		hcall(ZV_HC_TIME, 0, 0);
	line("hypercall", now() - t, n);

	t = now();
	for (uint64_t i = 0; i < n; i++)
		pcilg(&d, z->fh, 0, 4, EMU_DMA_REG_ID, &st);
	line("pcilg-4", now() - t, n);

	t = now();
	for (uint64_t i = 0; i < n; i++)
		pcistg(i, z->fh, 0, 8, EMU_DMA_REG_PATTERN, &st);
	line("pcistg-8", now() - t, n);

	t = now();
	for (uint64_t i = 0; i < n / 16; i++)
		for (unsigned k = 0; k < 16; k++)
			pcistg(blk[k], z->fh, 0, 8, 0x100 + 8 * k, &st);
	line("128B-as-16-pcistg", now() - t, n / 16);

	t = now();
	for (uint64_t i = 0; i < n / 16; i++)
		pcistb(blk, z->fh, 0, 128, 0x100, &st);
	line("128B-as-1-pcistb", now() - t, n / 16);

	uint64_t iova = zpci_map(z, page, 4096, false);
	t = now();
	for (uint64_t i = 0; i < n; i++)
		rpcit(z->fh, iova, 4096, &st);
	line("rpcit-1-page-unchanged", now() - t, n);

	/* interrupt round trip: the device signals, the guest waits for it */
	irq_disable();
	uint64_t m = n / 10 ? n / 10 : 1;
	t = now();
	for (uint64_t i = 0; i < m; i++) {
		uint64_t c = z->irq_count[3];

		emu_dma_run(z, EMU_DMA_OP_IRQ, 0, 0, 1, 0, 3, false);
		while (z->irq_count[3] == c)
			wait_for_interrupt();
	}
	line("interrupt-round-trip", now() - t, m);
	return 0;
}
