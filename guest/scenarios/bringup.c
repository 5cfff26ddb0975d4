/* SPDX-License-Identifier: MIT */
/*
 * Bring every function up the way Linux does, check what CLP and STPCIFC
 * report, then one DMA copy, fill and checksum with their interrupts.
 * args: fns=N (functions expected)
 */
#include "emu_dma_drv.h"
#include "guest.h"

int guest_main(void);

static void wait_irq(struct zdev *z, unsigned vec, uint64_t want)
{
	while (z->irq_count[vec] < want)
		wait_for_interrupt();
}

int guest_main(void)
{
	unsigned want = (unsigned)arg_u64("fns", 1);
	unsigned up = zpci_bringup_all(8, NULL);
	uint8_t *a = galloc(65536, 4096), *b = galloc(65536, 4096);

	CHECK_EQ(up, want);
	for (unsigned i = 0; i < up; i++) {
		struct zdev *z = &zdevs[i];
		struct zpci_fib fib __attribute__((aligned(8)));
		uint8_t st;

		printf("fid %u uid %u fh %#x: %04x:%04x group %#x noi %u maxstbl %u msia %#lx\n",
		       z->fid, z->uid, z->fh, z->vendor, z->device, z->pfgid, z->noi, z->maxstbl,
		       (unsigned long)z->msia);
		CHECK_EQ(z->vendor, EMU_DMA_VENDOR);
		CHECK_EQ(z->device, EMU_DMA_DEVICE);
		CHECK(z->fh & 0x80000000u, "handle %#x not enabled", z->fh);
		CHECK_EQ(z->bar_size[0], 12);
		CHECK_EQ(z->bar_size[2], 12);
		CHECK_EQ(z->bar_size[1], 0);
		CHECK(z->grp_flags & 1, "refresh flag missing");
		CHECK_EQ(bar_read(z, 0, EMU_DMA_REG_ID, 4), EMU_DMA_ID_MAGIC);
		CHECK_EQ(stpcifc(z->fh, 0, &fib, &st), 0);
		CHECK_EQ(fib.fc, 0x90);
		CHECK_EQ(fib.pba, z->pba);
		CHECK_EQ(fib.pal, z->pal);
		CHECK_EQ(fib.iota, (uintptr_t)z->rt | 0x804);
		CHECK_EQ((fib.intword >> 16) & 0xfff, 8);
		CHECK_EQ(fib.intword & 0x3f, z->index);

		for (unsigned k = 0; k < 65536; k++)
			a[k] = (uint8_t)(k * 7 + i);
		uint64_t ia = zpci_map(z, a, 65536, true), ib = zpci_map(z, b, 65536, false);

		CHECK(ia && ib, "mapping failed");
		irq_disable();
		CHECK_EQ(emu_dma_run(z, EMU_DMA_OP_COPY, ia, ib, 65536, 0, 3, true), EMU_DMA_ST_OK);
		wait_irq(z, 3, 1);
		CHECK_EQ(memcmp(a, b, 65536), 0);
		CHECK_EQ(emu_dma_run(z, EMU_DMA_OP_CSUM, ib, 0, 65536, 0, 4, true), EMU_DMA_ST_OK);
		wait_irq(z, 4, 1);
		CHECK_EQ(emu_dma_result(z), emu_csum(a, 65536));
		CHECK_EQ(emu_dma_run(z, EMU_DMA_OP_FILL, 0, ib, 4096,
				     0x0807060504030201ULL, 5, true), EMU_DMA_ST_OK);
		wait_irq(z, 5, 1);
		CHECK_EQ(b[0], 1);
		CHECK_EQ(b[7], 8);
		CHECK_EQ(b[4095], 8);
		CHECK_EQ(b[4096], a[4096]);
		CHECK_EQ(z->irq_count[3] + z->irq_count[4] + z->irq_count[5], 3);
		zv_report("verified_bytes", 65536 * 2 + 4096);
		zpci_unmap(z, ia, 65536, false);
		zpci_unmap(z, ib, 65536, false);
	}
	printf("bringup: %u functions, %lu adapter interrupts, %u failures\n", up,
	       (unsigned long)adapter_interrupts, test_failures);
	return test_failures ? 1 : 0;
}
