/* SPDX-License-Identifier: MIT */
/*
 * An interrupt storm over 8 vectors of 2 functions with exact per-vector
 * counts: each batch makes every vector of both functions fire once (one
 * IRQ_SET command per function), the guest handles them all, and every
 * count must be exactly what was sent — none lost, none spurious — while
 * vectors are masked and unmasked under load and, at the end, while
 * interrupts are pending across a deregistration.
 *   events=N (default 1,000,000)
 */
#include "emu_dma_drv.h"
#include "guest.h"

int guest_main(void);

static uint64_t want[2][8];

static void fire(struct zdev *z, uint32_t vectors)
{
	if (emu_dma_run(z, EMU_DMA_OP_IRQ_SET, 0, 0, vectors, 0, 0, false) != EMU_DMA_ST_OK)
		panic("IRQ_SET failed");
}

static bool all_arrived(void)
{
	for (unsigned f = 0; f < 2; f++)
		for (unsigned v = 0; v < 8; v++)
			if (zdevs[f].irq_count[v] < want[f][v])
				return false;
	return true;
}

static bool exact(void)
{
	for (unsigned f = 0; f < 2; f++)
		for (unsigned v = 0; v < 8; v++)
			if (zdevs[f].irq_count[v] != want[f][v]) {
				printf("fid %u vector %u: %lu handled, %lu sent\n", zdevs[f].fid, v,
				       (unsigned long)zdevs[f].irq_count[v], (unsigned long)want[f][v]);
				return false;
			}
	return true;
}

static void set_mask(struct zdev *z, unsigned v, bool masked)
{
	bar_write(z, 2, 16 * v + 12, 4, masked);
}

int guest_main(void)
{
	uint64_t events = arg_u64("events", 1000000), sent = 0, batches = 0, masked_ok = 0;
	uint64_t t0 = zv_time_ns();

	CHECK_EQ(zpci_bringup_all(8, NULL), 2);
	irq_disable();
	while (sent < events) {
		bool masking = batches % 64 == 63;
		struct zdev *mz = &zdevs[batches / 64 % 2];
		unsigned mv = (unsigned)(batches / 128 % 8);

		if (masking)
			set_mask(mz, mv, true);
		for (unsigned f = 0; f < 2; f++) {
			fire(&zdevs[f], 0xff);
			for (unsigned v = 0; v < 8; v++)
				want[f][v]++;
		}
		sent += 16;
		if (masking) {
			/* held in the PBA, not delivered, until unmasked */
			uint64_t pba = bar_read(mz, 2, 0x800, 8);

			want[mz->index][mv]--;
			while (!all_arrived())
				wait_for_interrupt();
			CHECK_EQ(pba, 1ULL << mv);
			want[mz->index][mv]++;
			CHECK_EQ(mz->irq_count[mv], want[mz->index][mv] - 1);
			set_mask(mz, mv, false);
			masked_ok++;
		}
		while (!all_arrived())
			wait_for_interrupt();
		if (!exact()) {
			CHECK(0, "counts diverged in batch %lu", (unsigned long)batches);
			break;
		}
		batches++;
		if (batches % 8192 == 0)
			printf("  storm: %lu events\n", (unsigned long)sent);
	}
	uint64_t ms = (zv_time_ns() - t0) / 1000000;

	/* pending across a deregistration, as Linux tears down: function
	 * masked, events pending in the PBA, MSI-X off, deregistered; after
	 * registering again nothing old comes back */
	struct zdev *z = &zdevs[0];
	cfg_write(z, z->msix_cap + 2, 2, 0xc000);
	fire(z, 0xff);
	CHECK_EQ(bar_read(z, 2, 0x800, 8), 0xff);
	cfg_write(z, z->msix_cap + 2, 2, 0);
	CHECK_EQ(zpci_irq_deregister(z), 0);
	CHECK_EQ(zpci_irq_register(z, 8, NULL), 0);
	CHECK_EQ(zpci_msix_enable(z, 8), 0);
	CHECK_EQ(bar_read(z, 2, 0x800, 8), 0);
	fire(z, 1u << 5);
	want[0][5]++;
	while (!all_arrived())
		wait_for_interrupt();
	CHECK(exact(), "after re-registration");

	printf("storm: %lu events in %lu batches, %lu masked rounds, %lu adapter interruptions, "
	       "%lu ms, %u failures\n", (unsigned long)sent, (unsigned long)batches,
	       (unsigned long)masked_ok, (unsigned long)adapter_interrupts, (unsigned long)ms,
	       test_failures);
	zv_report("interrupts_handled", sent + 1);
	return test_failures ? 1 : 0;
}
