/* SPDX-License-Identifier: MIT */
/*
 * The host takes a function back: the guest brings up the function with
 * the given ids, says "unplug: waiting", and waits for the availability
 * event 0x0303 (deconfiguration requested) the host's unplug request
 * becomes; then it gives the function up as Linux does -- disables it --
 * and exits 0. It waits in enabled waits only (an event taken before the
 * wait would leave it waiting for nothing); run it with zvfio's --timeout.
 *   vendor=0x1234 device=0x11e8   the function (default: QEMU's edu)
 */
#include "guest.h"
#include "zpci_fn.h"

int guest_main(void);

int guest_main(void)
{
	uint64_t vendor = arg_u64("vendor", 0x1234), device = arg_u64("device", 0x11e8);
	struct zdev *z = zpci_find((uint16_t)vendor, (uint16_t)device);
	int rc;

	if (!z)
		panic("unplug: no function %04lx:%04lx", (unsigned long)vendor, (unsigned long)device);
	if ((rc = zpci_bringup_fn(z)))
		panic("unplug: bring-up failed at step %d", rc);
	/* interrupt registration also enables channel reports (CR14) */
	if ((rc = zpci_irq_register(z, 1, NULL)))
		panic("unplug: MPCIFC register interrupts: %d", rc);
	z->last_pec = 0;
	printf("unplug: waiting for the host's request (fid %u, fh %#x)\n", z->fid, z->fh);
	while (z->last_pec != 0x0303)
		wait_for_interrupt();
	printf("unplug: deconfiguration requested (event fh %#x): disabling\n", z->last_event_fh);
	CHECK_EQ(z->last_event_fh, z->fh);
	CHECK_EQ(zpci_disable(z), 0x10);	/* CLP response code: OK */
	zv_report("unplug_requests_seen", 1);
	return test_failures ? 1 : 0;
}
