/* SPDX-License-Identifier: MIT */
/*
 * Relaxed translation, as Linux's identity domain uses it: the group
 * offers RTR, the guest registers its DMA address space without
 * translation (IOTA 0, PBA..PAL = SDMA..EDMA) and the device reaches guest
 * memory at SDMA + guest address with no RPCIT at all. Exits 3 when the
 * group does not offer it and the engine refuses the untranslated IOTA.
 */
#include "emu_dma_drv.h"
#include "guest.h"

int guest_main(void);

int guest_main(void)
{
	struct zpci_fib fib __attribute__((aligned(8)));
	uint8_t *a = galloc(1 << 20, 4096), *b = galloc(1 << 20, 4096), st;
	struct zdev *z;
	uint64_t c;

	CHECK_EQ(zpci_bringup_all(8, NULL), 1);
	z = &zdevs[0];
	if (!(z->grp_flags & 0x20)) {
		/* then an IOTA without translation is an operand exception */
		memset(&fib, 0, sizeof(fib));
		CHECK_EQ(mpcifc(z->fh, 0, 5, &fib, &st), 0);
		fib.pba = z->sdma;
		fib.pal = z->pal;
		pgm_expect();
		mpcifc(z->fh, 0, 4, &fib, &st);
		CHECK_EQ(pgm_code(), 0x0015);
		printf("relaxed: not offered by group %#x, %u failures\n", z->pfgid, test_failures);
		return test_failures ? 1 : 3;	/* 3: correctly refused */
	}
	CHECK_EQ(z->pfgid, 0xfe);
	/* switch from the translated address space to the direct one */
	memset(&fib, 0, sizeof(fib));
	CHECK_EQ(mpcifc(z->fh, 0, 5, &fib, &st), 0);		/* deregister IOAT */
	fib.pba = z->sdma;
	fib.pal = z->edma;
	fib.iota = 0;
	CHECK_EQ(mpcifc(z->fh, 0, 4, &fib, &st), 0);		/* register, no translation */
	CHECK_EQ(stpcifc(z->fh, 0, &fib, &st), 0);
	CHECK_EQ(fib.fc, 0x90);
	CHECK_EQ(fib.iota, 0);
	CHECK_EQ(rpcit(z->fh, z->sdma, 1 << 20, &st), 0);	/* nothing to do */

	for (unsigned i = 0; i < (1 << 20); i++)
		a[i] = (uint8_t)(i * 13 + 5);
	irq_disable();
	c = z->irq_count[0];
	CHECK_EQ(emu_dma_run(z, EMU_DMA_OP_COPY, z->sdma + (uintptr_t)a, z->sdma + (uintptr_t)b,
			     1 << 20, 0, 0, true), EMU_DMA_ST_OK);
	while (z->irq_count[0] == c)
		wait_for_interrupt();
	CHECK_EQ(memcmp(a, b, 1 << 20), 0);
	zv_report("verified_bytes", 1 << 20);

	/* deregistering takes the direct map away again */
	memset(&fib, 0, sizeof(fib));
	CHECK_EQ(mpcifc(z->fh, 0, 5, &fib, &st), 0);
	irq_enable();
	uint64_t regs[4] __attribute__((aligned(8))) = {
		bswap64(z->sdma + (uintptr_t)a), bswap64(z->sdma + (uintptr_t)b), bswap64(4096), 0,
	};
	CHECK_EQ(pcistb(regs, z->fh, 0, sizeof(regs), EMU_DMA_REG_SRC, &st), 0);
	bar_write(z, 0, EMU_DMA_REG_CMD, 4, EMU_DMA_OP_COPY);
	for (int i = 0; i < 100 && !z->errors; i++)
		wait_for_interrupt();
	irq_disable();
	CHECK_EQ(z->errors, 1);
	CHECK_EQ(z->last_pec, 0x0002);	/* no address space registered: out of range */

	printf("relaxed: %u failures\n", test_failures);
	return test_failures ? 1 : 0;
}
