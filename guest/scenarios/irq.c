/* SPDX-License-Identifier: MIT */
/*
 * Interrupts as a guest sees them: exact counts over many vectors and two
 * functions, per-vector masking with the PBA, the function mask, bursts
 * collected by one adapter interruption, teardown and re-registration.
 * args: n=N single interrupts (default 2000)
 */
#include "emu_dma_drv.h"
#include "guest.h"

int guest_main(void);

static void raise_vec(struct zdev *z, unsigned vec)
{
	if (emu_dma_run(z, EMU_DMA_OP_IRQ, 0, 0, 1, 0, vec, false) != EMU_DMA_ST_OK)
		panic("IRQ command failed");
}

static uint64_t pba(struct zdev *z)
{
	return bar_read(z, 2, 0x800, 8);
}

static void set_vector_mask(struct zdev *z, unsigned vec, bool masked)
{
	bar_write(z, 2, 16 * vec + 12, 4, masked);
}

static uint64_t total(void)
{
	uint64_t t = 0;

	for (unsigned i = 0; i < nzdevs; i++)
		for (unsigned v = 0; v < 8; v++)
			t += zdevs[i].irq_count[v];
	return t;
}

int guest_main(void)
{
	uint64_t n = arg_u64("n", 2000), want[2][8] = {{0}};
	struct zdev *z;

	CHECK_EQ(zpci_bringup_all(8, NULL), 2);
	irq_disable();

	/* one at a time: every interrupt arrives, on its vector */
	for (uint64_t k = 0; k < n; k++) {
		unsigned f = (unsigned)(k & 1), v = (unsigned)((k >> 1) % 8);
		uint64_t c = zdevs[f].irq_count[v];

		raise_vec(&zdevs[f], v);
		want[f][v]++;
		while (zdevs[f].irq_count[v] == c)
			wait_for_interrupt();
	}
	for (unsigned f = 0; f < 2; f++)
		for (unsigned v = 0; v < 8; v++)
			CHECK_EQ(zdevs[f].irq_count[v], want[f][v]);

	/* a burst while interruptions are off: all vectors of both
	 * functions pending, collected by the handler's scan */
	uint64_t before = total(), ai = adapter_interrupts;
	for (unsigned f = 0; f < 2; f++)
		for (unsigned v = 0; v < 8; v++)
			raise_vec(&zdevs[f], v);
	while (total() < before + 16)
		wait_for_interrupt();
	CHECK_EQ(total(), before + 16);
	CHECK(adapter_interrupts - ai <= 2, "a burst took %lu adapter interruptions",
	      (unsigned long)(adapter_interrupts - ai));

	/* a masked vector: held in the PBA, delivered on unmask */
	z = &zdevs[0];
	uint64_t c5 = z->irq_count[5];
	set_vector_mask(z, 5, true);
	raise_vec(z, 5);
	CHECK_EQ(pba(z), 1ULL << 5);
	irq_enable();
	raise_vec(z, 1);	/* an unmasked one still gets through */
	irq_disable();
	CHECK_EQ(z->irq_count[5], c5);
	set_vector_mask(z, 5, false);
	while (z->irq_count[5] == c5)
		wait_for_interrupt();
	CHECK_EQ(z->irq_count[5], c5 + 1);
	CHECK_EQ(pba(z), 0);

	/* the function mask holds every vector */
	uint64_t c2 = z->irq_count[2], c3 = z->irq_count[3];
	cfg_write(z, z->msix_cap + 2, 2, 0xc000);
	raise_vec(z, 2);
	raise_vec(z, 3);
	CHECK_EQ(pba(z), (1ULL << 2) | (1ULL << 3));
	cfg_write(z, z->msix_cap + 2, 2, 0x8000);
	while (z->irq_count[2] == c2 || z->irq_count[3] == c3)
		wait_for_interrupt();
	CHECK_EQ(pba(z), 0);

	/* teardown as Linux does it: MSI-X off, then deregister; a device
	 * interrupt now goes nowhere and is no error */
	cfg_write(z, z->msix_cap + 2, 2, 0);
	CHECK_EQ(zpci_irq_deregister(z), 0);
	uint64_t all = total();
	raise_vec(z, 4);
	irq_enable();
	raise_vec(&zdevs[1], 0);	/* the other function still works */
	irq_disable();
	CHECK_EQ(z->errors, 0);
	CHECK_EQ(total(), all + 1);
	/* and back */
	CHECK_EQ(zpci_irq_register(z, 8, NULL), 0);
	CHECK_EQ(zpci_msix_enable(z, 8), 0);
	uint64_t c4 = z->irq_count[4];
	raise_vec(z, 4);
	while (z->irq_count[4] == c4)
		wait_for_interrupt();

	zv_report("interrupts_handled", total());
	printf("irq: %lu interrupts handled, %lu adapter interruptions, %u failures\n",
	       (unsigned long)total(), (unsigned long)adapter_interrupts, test_failures);
	return test_failures ? 1 : 0;
}
