/* SPDX-License-Identifier: MIT */
/*
 * An IOMMU fault: the device DMAs to an IOVA the guest never mapped. The
 * function enters the error state, the guest gets a channel report and an
 * error event through CHSC, load/store is blocked, then Linux's recovery
 * (reset load/store blocking, reset error) brings it back.
 */
#include "emu_dma_drv.h"
#include "guest.h"

int guest_main(void);

int guest_main(void)
{
	struct zpci_fib fib __attribute__((aligned(8)));
	uint8_t *a = galloc(4096, 4096), st;
	struct zdev *z;
	uint64_t d, bad;

	CHECK_EQ(zpci_bringup_all(4, NULL), 1);
	z = &zdevs[0];
	uint64_t ia = zpci_map(z, a, 4096, false);

	CHECK(ia != 0, "map");
	bad = ia + 0x100000;	/* inside the window, never mapped */

	/* start the faulting FILL by hand: once the fault is reported the
	 * function is in error and the STATUS register cannot be read */
	uint64_t regs[4] __attribute__((aligned(8))) = { 0, bswap64(bad), bswap64(4096), 0 };
	CHECK_EQ(pcistb(regs, z->fh, 0, sizeof(regs), EMU_DMA_REG_SRC, &st), 0);
	irq_enable();	/* the machine check arrives as soon as the event is queued */
	bar_write(z, 0, EMU_DMA_REG_CMD, 4, EMU_DMA_OP_FILL);
	for (int i = 0; i < 100 && !z->errors; i++)
		wait_for_interrupt();
	irq_disable();
	CHECK_EQ(z->errors, 1);
	CHECK_EQ(z->last_pec, 0x0007);		/* invalid translation */
	CHECK_EQ(z->last_faddr, bad);
	CHECK_EQ(z->last_event_fh, z->fh);	/* events carry the current handle */

	/* error state: load/store blocked, RPCIT refused, FC shows it */
	CHECK_EQ(pcilg(&d, z->fh, 0, 4, EMU_DMA_REG_STATUS, &st), 1);
	CHECK_EQ(pcilg(&d, z->fh, 0, 4, EMU_DMA_REG_ID, &st), 1);
	CHECK_EQ(st, 12);
	CHECK_EQ(rpcit(z->fh, z->pba, 4096, &st), 1);
	CHECK_EQ(st, 40);
	CHECK_EQ(stpcifc(z->fh, 0, &fib, &st), 0);
	CHECK_EQ(fib.fc, 0x80 | 0x40 | 0x20 | 0x10);

	/* Linux's recovery: unblock load/store, then reset the error */
	memset(&fib, 0, sizeof(fib));
	CHECK_EQ(mpcifc(z->fh, 0, 9, &fib, &st), 0);	/* reset load/store blocked */
	CHECK_EQ(bar_read(z, 0, EMU_DMA_REG_STATUS, 4), EMU_DMA_ST_FAULT);
	CHECK_EQ(bar_read(z, 0, EMU_DMA_REG_FAULT, 8), bad);
	CHECK_EQ(stpcifc(z->fh, 0, &fib, &st), 0);
	CHECK_EQ(fib.fc, 0x80 | 0x40 | 0x10);
	/* blocked: DMA still refused by the host */
	CHECK_EQ(emu_dma_run(z, EMU_DMA_OP_FILL, 0, ia, 4096, 0x2222, 0, false),
		 EMU_DMA_ST_BLOCKED);
	CHECK_EQ(*(volatile uint64_t *)a, 0);
	memset(&fib, 0, sizeof(fib));
	CHECK_EQ(mpcifc(z->fh, 0, 7, &fib, &st), 0);	/* reset error */
	CHECK_EQ(mpcifc(z->fh, 0, 7, &fib, &st), 1);	/* not in error any more */
	CHECK_EQ(st, 24);

	/* working again, with interrupts */
	uint64_t c = z->irq_count[1];
	CHECK_EQ(emu_dma_run(z, EMU_DMA_OP_FILL, 0, ia, 4096,
			     0x0102030405060708ULL, 1, true), EMU_DMA_ST_OK);
	while (z->irq_count[1] == c)
		wait_for_interrupt();
	CHECK_EQ(*(volatile uint64_t *)a, 0x0807060504030201ULL);
	CHECK_EQ(events_seen, 1);

	printf("fault: error event PEC %#x at %#lx, recovered, %u failures\n", z->last_pec,
	       (unsigned long)z->last_faddr, test_failures);
	return test_failures ? 1 : 0;
}
