/* SPDX-License-Identifier: MIT */
/*
 * The demo: every function moves data both ways by DMA, verified in the
 * guest, and completes many small transfers with interrupts.
 *   mib=N    MiB per direction over all functions (default 64)
 *   irqs=N   small interrupt-signalled transfers over all functions (10000)
 *   buf=N    buffer size in KiB (default 4096)
 * Exits 1 on any mismatch.
 */
#include "emu_dma_drv.h"
#include "guest.h"

int guest_main(void);

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void fill_random(void *p, uint64_t len)
{
	uint64_t *w = p;

	for (uint64_t i = 0; i < len / 8; i++)
		w[i] = next_rand();
}

static void wait_vec(struct zdev *z, unsigned vec, uint64_t want)
{
	while (z->irq_count[vec] < want)
		wait_for_interrupt();
}

int guest_main(void)
{
	uint64_t mib = arg_u64("mib", 64), nirq = arg_u64("irqs", 10000);
	uint64_t buf = arg_u64("buf", 4096) * 1024;
	unsigned n = zpci_bringup_all(8, NULL);
	uint8_t *a[ZPCI_MAX_FNS], *b[ZPCI_MAX_FNS];
	uint64_t ia[ZPCI_MAX_FNS], ib[ZPCI_MAX_FNS];
	uint64_t to_dev = 0, from_dev = 0, verified = 0, small = 0, t0 = zv_time_ns();

	if (!n)
		panic("no PCI functions: pass some with --device emu:dma");
	printf("dma: %u function(s), %lu MiB each way, %lu KiB buffers, %lu interrupt transfers\n",
	       n, (unsigned long)mib, (unsigned long)(buf / 1024), (unsigned long)nirq);
	for (unsigned i = 0; i < n; i++) {
		a[i] = galloc(buf, 4096);
		b[i] = galloc(buf, 4096);
		/* the source is read-only for the device, the target writable */
		ia[i] = zpci_map(&zdevs[i], a[i], buf, true);
		ib[i] = zpci_map(&zdevs[i], b[i], buf, false);
		if (!ia[i] || !ib[i])
			panic("cannot map the buffers");
	}
	irq_disable();

	/* bulk: guest -> device (COPY reads A, CSUM reads B) and device -> guest
	 * (COPY writes B); the guest checks both sides with the checksum */
	for (uint64_t done = 0, round = 0; done < mib << 20; round++) {
		unsigned i = (unsigned)(round % n);
		struct zdev *z = &zdevs[i];
		uint64_t want, c0 = z->irq_count[0], c1 = z->irq_count[1];

		fill_random(a[i], buf);
		want = emu_csum(a[i], buf);
		if (emu_dma_run(z, EMU_DMA_OP_COPY, ia[i], ib[i], buf, 0, 0, true) != EMU_DMA_ST_OK)
			panic("COPY failed on fid %u", z->fid);
		wait_vec(z, 0, c0 + 1);
		if (emu_dma_run(z, EMU_DMA_OP_CSUM, ib[i], 0, buf, 0, 1, true) != EMU_DMA_ST_OK)
			panic("CSUM failed on fid %u", z->fid);
		wait_vec(z, 1, c1 + 1);
		CHECK_EQ(emu_dma_result(z), want);	/* what the device read */
		CHECK_EQ(emu_csum(b[i], buf), want);	/* what the device wrote */
		to_dev += 2 * buf;
		from_dev += buf;
		verified += 2 * buf;
		done += buf;
		if (round % 8 == 7)
			printf("  bulk: %lu MiB of %lu\n", (unsigned long)(done >> 20), (unsigned long)mib);
	}

	/* many small transfers, each with its completion interrupt, spread
	 * over all vectors; every target page is checked */
	for (uint64_t k = 0; k < nirq; k++) {
		unsigned i = (unsigned)(k % n), vec = (unsigned)((k / n) % 8);
		struct zdev *z = &zdevs[i];
		uint64_t off = (k * 4096) % buf, c = z->irq_count[vec];
		uint64_t pat = next_rand();

		if (emu_dma_run(z, EMU_DMA_OP_FILL, 0, ib[i] + off, 4096, pat,
				vec, true) != EMU_DMA_ST_OK)
			panic("FILL failed on fid %u", z->fid);
		wait_vec(z, vec, c + 1);
		const uint64_t *w = (const uint64_t *)(b[i] + off);
		for (unsigned j = 0; j < 512; j++) {
			if (w[j] != bswap64(pat)) {
				CHECK_EQ(w[j], bswap64(pat));
				break;
			}
		}
		from_dev += 4096;
		verified += 4096;
		small++;
	}

	uint64_t irqs = 0;
	for (unsigned i = 0; i < n; i++)
		for (unsigned v = 0; v < 8; v++)
			irqs += zdevs[i].irq_count[v];
	uint64_t ms = (zv_time_ns() - t0) / 1000000;
	printf("dma: %lu MiB to devices, %lu MiB from devices, %lu MiB verified, "
	       "%lu interrupts (%lu adapter interruptions) in %lu ms: %s\n",
	       (unsigned long)(to_dev >> 20), (unsigned long)(from_dev >> 20),
	       (unsigned long)(verified >> 20), (unsigned long)irqs,
	       (unsigned long)adapter_interrupts, (unsigned long)ms,
	       test_failures ? "MISMATCH" : "all verified");
	zv_report("dma_bytes_to_device", to_dev);
	zv_report("dma_bytes_from_device", from_dev);
	zv_report("verified_bytes", verified);
	zv_report("interrupts_handled", irqs);
	/* every transfer must have produced exactly one handled interrupt */
	CHECK_EQ(irqs, 2 * (mib << 20) / buf + small);
	return test_failures ? 1 : 0;
}
