/* SPDX-License-Identifier: MIT */
/*
 * Disable and enable with a handle change: the old handle stops working,
 * LIST reports the new one, registrations are gone after disable, and the
 * function works again once the guest registers everything anew.
 */
#include "emu_dma_drv.h"
#include "guest.h"

int guest_main(void);

static void dma_roundtrip(struct zdev *z, uint8_t *a, uint8_t *b, uint8_t seed)
{
	uint64_t c = z->irq_count[2];

	for (unsigned k = 0; k < 8192; k++)
		a[k] = (uint8_t)(k ^ seed);
	uint64_t ia = zpci_map(z, a, 8192, true), ib = zpci_map(z, b, 8192, false);

	CHECK(ia && ib, "map");
	irq_disable();
	CHECK_EQ(emu_dma_run(z, EMU_DMA_OP_COPY, ia, ib, 8192, 0, 2, true), EMU_DMA_ST_OK);
	while (z->irq_count[2] == c)
		wait_for_interrupt();
	CHECK_EQ(memcmp(a, b, 8192), 0);
}

int guest_main(void)
{
	struct zpci_fib fib __attribute__((aligned(8)));
	uint8_t *a = galloc(8192, 4096), *b = galloc(8192, 4096), st;
	uint32_t fh_enabled, fh_disabled, fh_again;
	struct zdev *z;
	uint64_t d;

	CHECK_EQ(zpci_bringup_all(4, NULL), 1);
	z = &zdevs[0];
	dma_roundtrip(z, a, b, 1);
	fh_enabled = z->fh;

	/* disable: a new handle without the enable bit */
	CHECK_EQ(zpci_disable(z), 0x10);
	fh_disabled = z->fh;
	CHECK(!(fh_disabled & 0x80000000u), "disabled handle %#x has the enable bit", fh_disabled);
	CHECK(fh_disabled != (fh_enabled & 0x7fffffffu), "handle did not change: %#x", fh_disabled);
	/* the old handle is gone for load/store and RPCIT */
	CHECK_EQ(pcilg(&d, fh_enabled, 0, 4, 0, &st), 3);
	CHECK_EQ(rpcit(fh_enabled, z->pba, 4096, &st), 3);
	/* STPCIFC of a disabled function: zeros, or cc 3 with the enable bit */
	memset(&fib, 0xff, sizeof(fib));
	CHECK_EQ(stpcifc(fh_disabled, 0, &fib, &st), 0);
	CHECK_EQ(fib.fc, 0);
	CHECK_EQ(fib.pba, 0);
	CHECK_EQ(stpcifc(fh_enabled, 0, &fib, &st), 3);
	/* disabling twice: "already in the requested state" */
	CHECK_EQ(clp_set_fn(z, 1, 0, NULL), 0x105);

	/* LIST shows the current handle */
	CHECK_EQ(clp_list(), 0x10);
	CHECK_EQ(nzdevs, 1);
	CHECK_EQ(zdevs[0].fh, fh_disabled);

	/* enable again: a third handle; nothing registered any more (LIST
	 * rebuilt zdevs[], so query the function and its group again) */
	CHECK_EQ(clp_query_fn(z), 0x10);
	CHECK_EQ(clp_query_grp(z), 0x10);
	CHECK_EQ(zpci_enable(z), 0x10);
	fh_again = z->fh;
	CHECK(fh_again & 0x80000000u, "handle %#x not enabled", fh_again);
	CHECK(fh_again != fh_enabled, "handle reused: %#x", fh_again);
	CHECK_EQ(stpcifc(fh_again, 0, &fib, &st), 0);
	CHECK_EQ(fib.fc, 0x80);
	CHECK_EQ(clp_set_fn(z, 0, 1, NULL), 0x105);
	/* the device was reset: MSI-X off, bus mastering off */
	CHECK_EQ(cfg_read(z, 4, 2) & 0x4, 0);

	/* bring the function back to work with fresh registrations */
	z->rt = NULL;
	CHECK_EQ(zpci_dma_init(z), 0);
	CHECK_EQ(zpci_irq_register(z, 4, NULL), 0);
	cfg_write(z, 4, 2, cfg_read(z, 4, 2) | 0x6);
	CHECK_EQ(zpci_msix_enable(z, 4), 0);
	dma_roundtrip(z, a, b, 2);

	/* deregistering interrupts twice: sequence error (Linux expects 24) */
	CHECK_EQ(zpci_irq_deregister(z), 0);
	CHECK_EQ(zpci_irq_deregister(z), -25);

	printf("lifecycle: handles %#x -> %#x -> %#x, %u failures\n", fh_enabled, fh_disabled,
	       fh_again, test_failures);
	return test_failures ? 1 : 0;
}
