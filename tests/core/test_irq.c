/* SPDX-License-Identifier: MIT */
/* The irqfd route a KVM binding gets for a vector, checked against the
 * bits zvfio itself sets for the same event. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "arch/be.h"
#include "fakes.h"
#include "harness.h"

#define AIBV 0x50000ULL
#define AISB 0x51000ULL
#define MSIA 0xfe00000000000000ULL

static uint32_t swap32(uint32_t v) { return __builtin_bswap32(v); }

/* table entry vec: address, data (vector number), vector control */
static void program(struct fx *x, uint32_t fh, unsigned vec, uint64_t addr, uint32_t data, bool masked)
{
	EXPECT_EQ(fx_pcistg(x, fh, 2, 4, 16 * vec + 0, swap32((uint32_t)addr)), 0);
	EXPECT_EQ(fx_pcistg(x, fh, 2, 4, 16 * vec + 4, swap32((uint32_t)(addr >> 32))), 0);
	EXPECT_EQ(fx_pcistg(x, fh, 2, 4, 16 * vec + 8, swap32(data)), 0);
	EXPECT_EQ(fx_pcistg(x, fh, 2, 4, 16 * vec + 12, swap32(masked)), 0);
}

static void msix_enable(struct fx *x, uint32_t fh, bool on)
{
	EXPECT_EQ(fx_pcistg(x, fh, 15, 2, 0x42, on ? 0x0080 : 0), 0);	/* LE 0x8000 */
}

TEST(route_names_the_bits_zvfio_sets)
{
	struct fx x;
	struct zv_irq_route r;
	uint32_t fh;
	uint64_t one = 1;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	EXPECT_EQ(fx_reg_int(&x, fh, 2, 8, AIBV, 3, AISB, 5, true), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	program(&x, fh, 4, MSIA, 6, false);
	msix_enable(&x, fh, true);
	EXPECT_EQ(zv_function_irq_route(x.fn[0], 4, &r), 0);
	EXPECT_EQ(r.eventfd, x.dev[0]->fds[4]);
	EXPECT(r.eventfd >= 0);
	EXPECT_EQ(r.ind_addr, AIBV);
	EXPECT_EQ(r.ind_offset, 3 + 6);
	EXPECT_EQ(r.summary_addr, AISB);
	EXPECT_EQ(r.summary_offset, 5);
	EXPECT_EQ(r.isc, 2);
	EXPECT_EQ(r.adapter_id, 2);
	EXPECT(r.summary);
	EXPECT(!r.masked);
	/* the device signals the route's eventfd: zvfio sets exactly the
	 * bits the route names (MSB-first) */
	EXPECT_EQ(write(r.eventfd, &one, sizeof(one)), sizeof(one));
	zv_dispatch(x.m);
	EXPECT_EQ(fx_r8(&x, AIBV + r.ind_offset / 8), 0x80 >> (r.ind_offset % 8));
	EXPECT_EQ(fx_r8(&x, AISB + r.summary_offset / 8), 0x80 >> (r.summary_offset % 8));
	EXPECT_EQ(x.injected[2], 1);
	fx_fini(&x);
}

TEST(route_errors_and_masked_flag)
{
	struct fx x;
	struct zv_irq_route r;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	program(&x, fh, 1, MSIA, 1, false);
	msix_enable(&x, fh, true);
	errno = 0;
	EXPECT_EQ(zv_function_irq_route(x.fn[0], 1, &r), -1);	/* not registered */
	EXPECT_EQ(errno, ENOENT);
	EXPECT_EQ(fx_reg_int(&x, fh, 2, 4, AIBV, 0, AISB, 0, true), 0);
	EXPECT_EQ(zv_function_irq_route(x.fn[0], 1, &r), 0);
	errno = 0;
	EXPECT_EQ(zv_function_irq_route(x.fn[0], 8, &r), -1);	/* no such vector */
	EXPECT_EQ(errno, EINVAL);
	program(&x, fh, 2, 0x1000, 2, false);			/* not the MSIA */
	errno = 0;
	EXPECT_EQ(zv_function_irq_route(x.fn[0], 2, &r), -1);
	EXPECT_EQ(errno, EINVAL);
	program(&x, fh, 3, MSIA, 4, false);			/* vector 4 >= NOI 4 */
	errno = 0;
	EXPECT_EQ(zv_function_irq_route(x.fn[0], 3, &r), -1);
	EXPECT_EQ(errno, EINVAL);
	program(&x, fh, 1, MSIA, 1, true);			/* masked */
	EXPECT_EQ(zv_function_irq_route(x.fn[0], 1, &r), 0);
	EXPECT(r.masked);
	msix_enable(&x, fh, false);
	errno = 0;
	EXPECT_EQ(zv_function_irq_route(x.fn[0], 1, &r), -1);
	EXPECT_EQ(errno, ENOENT);
	fx_fini(&x);
}

/* One function, interrupts registered for ISC 2 with the AIBV and AISB at
 * their first bits, vector 0 programmed and MSI-X on; *r is its route. */
static void vector0(struct fx *x, struct zv_irq_route *r)
{
	uint32_t fh;

	fx_init(x, 1, 0);
	fh = fx_enable(x, 0);
	EXPECT_EQ(fx_reg_int(x, fh, 2, 8, AIBV, 0, AISB, 0, true), 0);
	program(x, fh, 0, MSIA, 0, false);
	msix_enable(x, fh, true);
	EXPECT_EQ(zv_function_irq_route(x->fn[0], 0, r), 0);
}

TEST(dispatch_wait_returns_on_an_event_or_the_timeout)
{
	struct fx x;
	struct zv_irq_route r;
	uint64_t one = 1;

	vector0(&x, &r);
	EXPECT_EQ(zv_dispatch_wait(x.m, 10), 0);	/* nothing: the timeout */
	EXPECT_EQ(write(r.eventfd, &one, sizeof(one)), sizeof(one));
	EXPECT_EQ(zv_dispatch_wait(x.m, 10000), 1);	/* the event, at once */
	EXPECT_EQ(x.injected[2], 1);
	EXPECT_EQ(fx_r8(&x, AIBV), 0x80);
	fx_fini(&x);
}

/* The vectors' eventfds are edge-triggered and never read on the hot
 * path: signals between two dispatches coalesce into one interrupt (MSI
 * semantics), every signal after a dispatch is seen again, and a dispatch
 * with no new signal presents nothing, though the counter is not zero. */
TEST(signals_coalesce_and_none_is_lost_or_spurious)
{
	struct fx x;
	struct zv_irq_route r;
	uint64_t one = 1;

	vector0(&x, &r);
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(write(r.eventfd, &one, sizeof(one)), sizeof(one));
	EXPECT_EQ(zv_dispatch(x.m), 1);
	EXPECT_EQ(x.injected[2], 1);
	EXPECT_EQ(fx_r8(&x, AIBV), 0x80);
	for (unsigned round = 2; round <= 50; round++) {
		fx_w8(&x, AIBV, 0);			/* the guest takes the bits */
		fx_w8(&x, AISB, 0);
		EXPECT_EQ(zv_dispatch(x.m), 0);		/* nothing new: nothing */
		EXPECT_EQ(fx_r8(&x, AIBV), 0);
		EXPECT_EQ(write(r.eventfd, &one, sizeof(one)), sizeof(one));
		EXPECT_EQ(zv_dispatch(x.m), 1);
		EXPECT_EQ(fx_r8(&x, AIBV), 0x80);
		EXPECT_EQ(fx_r8(&x, AISB), 0x80);
	}
	fx_fini(&x);
}

/* A device signals a masked vector, and the guest reads the PBA at once,
 * with no dispatch in between (under KVM the VMM's event thread may not
 * have run yet): the pending bit is there, as on a PCI bus. Before, the
 * read answered 0 until the next dispatch. */
TEST(pba_read_sees_a_signal_not_yet_dispatched)
{
	struct fx x;
	uint64_t one = 1, pba = 0;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	EXPECT_EQ(fx_reg_int(&x, fh, 2, 8, AIBV, 3, AISB, 5, true), 0);
	program(&x, fh, 0, MSIA, 0, true);		/* masked; the device has it
							 * from MSI-X on (Linux's order) */
	msix_enable(&x, fh, true);
	zv_dispatch(x.m);
	EXPECT(x.dev[0]->fds[0] >= 0);
	EXPECT_EQ(write(x.dev[0]->fds[0], &one, sizeof(one)), sizeof(one));
	EXPECT_EQ(fx_pcilg(&x, fh, 2, 8, 0x800, &pba), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(pba, 0x01ULL << 56);	/* bit 0, little-endian on the bus */
	EXPECT_EQ(x.injected[2], 0);	/* held, not delivered */
	fx_fini(&x);
}
