/* SPDX-License-Identifier: MIT */
/*
 * A driver for QEMU's edu device (1234:11e8), passed through with vfio:.
 * MMIO checks (identification, liveness inversion, factorial), then DMA
 * both ways through the zPCI IOMMU: guest A -> edu buffer -> guest B, with
 * unaligned and page-crossing transfers, verified byte for byte with the
 * bytes around each target untouched.
 *   rounds=N  DMA round trips (default 3)
 *   irq=0|1   1: complete through MSI -> adapter interruption; 0 (default):
 *             poll the DMA command register's start bit
 * edu facts: BAR0 registers 0x00 ident, 0x04 liveness, 0x08 factorial,
 * 0x20 status, 0x24 irq status, 0x60 raise, 0x64 ack, 0x80/0x88/0x90 DMA
 * source/destination/count, 0x98 DMA command (1 start, 2 edu->RAM,
 * 4 interrupt). Its buffer is at device address 0x40000, 4 KiB. Its DMA
 * mask is 28 bits, so the window must lie below 256 MiB; QEMU 7.2 aborts
 * on a DMA that ends exactly at the buffer's end, so count <= 4095.
 */
#include "guest.h"
#include "zpci_fn.h"

int guest_main(void);

#define EDU_BUF   0x40000u
#define EDU_DMA_START 1u
#define EDU_DMA_TO_RAM 2u
#define EDU_DMA_IRQ 4u
#define EDU_IRQ_DMA 0x100u

static struct zdev *z;
static bool use_irq;
static uint64_t dmas, irqs_seen;

static void mmio_checks(void)
{
	uint32_t id = (uint32_t)bar_read(z, 0, 0x00, 4), v;
	uint64_t t;

	printf("edu: identification %#x (version %u.%u)\n", id, id >> 24, (id >> 16) & 0xff);
	CHECK_EQ(id & 0xffff, 0x00ed);
	bar_write(z, 0, 0x04, 4, 0x12345678);
	CHECK_EQ(bar_read(z, 0, 0x04, 4), 0xedcba987);
	bar_write(z, 0, 0x04, 4, 0xdeadbeef);
	CHECK_EQ(bar_read(z, 0, 0x04, 4), 0x21524110);
	/* the factorial runs in a device thread: status bit 0 while busy */
	bar_write(z, 0, 0x08, 4, 10);
	for (t = zv_time_ns(); (bar_read(z, 0, 0x20, 4) & 1) && zv_time_ns() - t < 2000000000ULL;)
		;
	v = (uint32_t)bar_read(z, 0, 0x08, 4);
	CHECK_EQ(v, 3628800);
	printf("edu: liveness inverts, factorial(10) = %u\n", v);
}

/* One DMA; completion by interrupt or by polling the start bit, each
 * within a deadline (edu completes after 100 ms of virtual time). */
static bool edu_dma(uint64_t src, uint64_t dst, uint32_t cnt, uint32_t dir)
{
	uint64_t t0 = zv_time_ns(), c = z->irq_count[0];
	bool done = false;

	/* 4-byte stores: the registers are 64-bit, but every address here is
	 * below 4 GiB and the upper halves stay zero */
	bar_write(z, 0, 0x80, 4, src);
	bar_write(z, 0, 0x88, 4, dst);
	bar_write(z, 0, 0x90, 4, cnt);
	bar_write(z, 0, 0x98, 4, EDU_DMA_START | dir | (use_irq ? EDU_DMA_IRQ : 0));
	while (zv_time_ns() - t0 < 5000000000ULL) {
		if (use_irq ? z->irq_count[0] != c : !(bar_read(z, 0, 0x98, 4) & EDU_DMA_START)) {
			done = true;
			break;
		}
		if (!use_irq)	/* do not flood the device with reads */
			for (uint64_t t = zv_time_ns(); zv_time_ns() - t < 1000000;)
				;
	}
	dmas++;
	if (!done) {
		CHECK(done, "edu DMA %#lx -> %#lx (%u bytes) did not complete", (unsigned long)src,
		      (unsigned long)dst, cnt);
		return false;
	}
	if (use_irq) {
		uint32_t st = (uint32_t)bar_read(z, 0, 0x24, 4);

		CHECK(st & EDU_IRQ_DMA, "irq status %#x after a DMA interrupt", st);
		bar_write(z, 0, 0x64, 4, st);	/* acknowledge */
		irqs_seen++;
		CHECK_EQ(bar_read(z, 0, 0x98, 4) & EDU_DMA_START, 0);
	}
	return true;
}

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint8_t next_byte(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint8_t)(rng >> 32);
}

int guest_main(void)
{
	uint64_t rounds = arg_u64("rounds", 3), verified = 0, to_dev = 0, from_dev = 0;
	uint8_t *a = galloc(2 * 4096, 4096), *b = galloc(2 * 4096, 4096);
	uint64_t ia, ib;
	int rc;

	use_irq = arg_u64("irq", 0) != 0;
	z = zpci_find(0x1234, 0x11e8);
	if (!z)
		panic("no edu function (1234:11e8): pass one with --device vfio:BDF");
	if ((rc = zpci_bringup_fn(z)))
		panic("edu bring-up failed at step %d", rc);
	printf("edu: fid %u, DMA window %#lx-%#lx, BAR0 2^%u bytes, %s\n", z->fid,
	       (unsigned long)z->pba, (unsigned long)z->pal, z->bar_size[0],
	       use_irq ? "interrupts" : "polling");
	if (z->pal >= 1ULL << 28)
		printf("edu: warning: the window reaches past edu's 28-bit DMA mask\n");
	if (use_irq) {
		if ((rc = zpci_irq_register(z, 1, NULL)))
			panic("edu: MPCIFC register interrupts: %d", rc);
		if (zpci_msi_enable(z))
			panic("edu: no MSI capability");
		irq_enable();
		/* the device's own interrupt-raise register, through MSI */
		uint64_t c = z->irq_count[0], t0 = zv_time_ns();
		bar_write(z, 0, 0x60, 4, 0x1234);
		while (z->irq_count[0] == c && zv_time_ns() - t0 < 2000000000ULL)
			;
		if (z->irq_count[0] == c)	/* every DMA would time out too */
			panic("edu: no interrupt from the raise register through MSI");
		CHECK_EQ(bar_read(z, 0, 0x24, 4), 0x1234);
		bar_write(z, 0, 0x64, 4, 0x1234);
	}
	mmio_checks();
	/* the source is read-only for the device, the target writable */
	ia = zpci_map(z, a, 2 * 4096, true);
	ib = zpci_map(z, b, 2 * 4096, false);
	if (!ia || !ib)
		panic("edu: cannot map the buffers");
	CHECK(ib + 2 * 4096 <= 1ULL << 28, "IOVA %#lx beyond edu's 28-bit DMA mask", (unsigned long)ib);

	for (uint64_t r = 0; r < rounds; r++) {
		/* round 0: a whole 4095-byte buffer; then unaligned, page-crossing */
		uint32_t soff = r ? (uint32_t)(3000 + 17 * r) % 4096 : 0;
		uint32_t doff = r ? (uint32_t)(4000 - 5 * r) : 0;
		uint32_t eoff = r ? (uint32_t)(64 * r) : 0;
		uint32_t cnt = r ? 2048 + (uint32_t)r : 4095;

		for (unsigned i = 0; i < 2 * 4096; i++) {
			a[i] = next_byte();
			b[i] = 0x5a;
		}
		if (!edu_dma(ia + soff, EDU_BUF + eoff, cnt, 0) ||
		    !edu_dma(EDU_BUF + eoff, ib + doff, cnt, EDU_DMA_TO_RAM))
			break;
		to_dev += cnt;
		from_dev += cnt;
		CHECK(memcmp(b + doff, a + soff, cnt) == 0, "round %lu: %u bytes differ",
		      (unsigned long)r, cnt);
		for (unsigned i = 0; i < 2 * 4096; i++)
			if ((i < doff || i >= doff + cnt) && b[i] != 0x5a) {
				CHECK(0, "round %lu: byte %u outside the target changed", (unsigned long)r, i);
				break;
			}
		if (!test_failures)
			verified += cnt;
		printf("edu: round %lu: %u bytes guest+%#x -> edu+%#x -> guest+%#x verified\n",
		       (unsigned long)r, cnt, soff, eoff, doff);
	}
	printf("edu: %lu DMAs, %lu bytes verified, %lu interrupts, %u failures\n",
	       (unsigned long)dmas, (unsigned long)verified, (unsigned long)irqs_seen, test_failures);
	zv_report("edu_dmas", dmas);
	zv_report("edu_bytes_to_device", to_dev);
	zv_report("edu_bytes_from_device", from_dev);
	zv_report("edu_verified_bytes", verified);
	zv_report("edu_interrupts", irqs_seen);
	return test_failures || verified == 0 ? 1 : 0;
}
