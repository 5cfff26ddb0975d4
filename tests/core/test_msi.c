/* SPDX-License-Identifier: MIT */
/* MSI (not MSI-X): the engine's view of the capability, the backend's
 * vector routing, delivery as adapter interrupts, masking and pending. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "arch/be.h"
#include "arch/clp.h"
#include "arch/codes.h"
#include "arch/fib.h"
#include "fakes.h"
#include "harness.h"

#define AIBV 0x50000ULL
#define AISB 0x51000ULL
#define MSIA 0xfe00000000000000ULL
#define CAP 0x50		/* our MSI capability, after the MSI-X one */

static int msi_fds[32];
static unsigned msi_count, msi_calls;
static struct dev_ops msi_ops;

static bool msi_refuse;	/* the backend refuses to route (say, MSI-X is on) */

static int f_set_msi(struct zv_device *d, unsigned count, const int *fds)
{
	(void)d;
	msi_calls++;
	if (msi_refuse && count) {
		errno = EBUSY;
		return -1;
	}
	msi_count = count;
	for (unsigned i = 0; i < 32; i++)
		msi_fds[i] = i < count ? fds[i] : -1;
	return 0;
}

/* A fake function whose only interrupt capability is MSI: 64-bit address,
 * per-vector masking, 4 vectors capable (MMC 2). */
static uint32_t setup(struct fx *x, uint16_t caps)
{
	struct fake_dev *d;

	fx_init(x, 0, 0);
	d = fake_dev_new(8);
	msi_ops = *d->dev.ops;
	msi_ops.set_msi = f_set_msi;
	d->dev.ops = &msi_ops;
	d->cfg[PCI_CAP_PTR] = CAP;
	memset(d->cfg + 0x40, 0, 16);		/* no MSI-X */
	d->cfg[CAP] = PCI_CAP_ID_MSI;
	d->cfg[CAP + 1] = 0;
	le16_put(d->cfg + CAP + PCI_MSI_FLAGS, caps);
	x->dev[0] = d;
	x->fn[0] = zv_function_add(x->m, &d->dev, ZV_UID_AUTO, ZV_FID_AUTO);
	EXPECT(x->fn[0] != NULL);
	msi_count = msi_calls = 0;
	uint32_t fh = fx_enable(x, 0);
	EXPECT_EQ(fx_reg_int(x, fh, 3, 8, AIBV, 0, AISB, 0, true), 0);
	return fh;
}

/* config space accesses: PCI little-endian bytes, the guest's PCISTG data
 * is the register value (the instruction swaps) */
static uint64_t cfg_rd(struct fx *x, uint32_t fh, unsigned off, unsigned len)
{
	uint64_t v = 0;

	EXPECT_EQ(fx_pcilg(x, fh, 15, len, off, &v), 0);
	return v;
}

static void cfg_wr(struct fx *x, uint32_t fh, unsigned off, unsigned len, uint64_t v)
{
	EXPECT_EQ(fx_pcistg(x, fh, 15, len, off, v), 0);
}

static uint16_t swap16(uint16_t v) { return __builtin_bswap16(v); }
static uint32_t swap32(uint32_t v) { return __builtin_bswap32(v); }

static void raise_vec(unsigned v)
{
	uint64_t one = 1;

	EXPECT(msi_fds[v] >= 0);
	EXPECT_EQ(write(msi_fds[v], &one, sizeof(one)), sizeof(one));
}

TEST(msi_enable_routes_the_vectors_and_delivers_adapter_interrupts)
{
	struct fx x;
	uint32_t fh = setup(&x, PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT | (2 << 1));

	/* the capability reads back as the device offers it, disabled */
	EXPECT_EQ(swap16((uint16_t)cfg_rd(&x, fh, CAP + 2, 2)),
		  PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT | (2 << 1));
	/* address (the group's MSIA), data 4: the AIBV bits of vectors 4.. */
	cfg_wr(&x, fh, CAP + 4, 4, swap32((uint32_t)MSIA));
	cfg_wr(&x, fh, CAP + 8, 4, swap32((uint32_t)(MSIA >> 32)));
	cfg_wr(&x, fh, CAP + 0xc, 2, swap16(4));
	cfg_wr(&x, fh, CAP + 0xe, 2, swap16(0xffff));	/* reserved (PVM layout): reads 0 */
	EXPECT_EQ(cfg_rd(&x, fh, CAP + 0xe, 2), 0);
	EXPECT_EQ(msi_calls, 0);
	/* enable with MME 2 (4 vectors): the backend gets 4 eventfds */
	cfg_wr(&x, fh, CAP + 2, 2, swap16(PCI_MSI_FLAGS_ENABLE | (2 << 4)));
	EXPECT_EQ(msi_calls, 1);
	EXPECT_EQ(msi_count, 4);
	EXPECT_EQ(swap16((uint16_t)cfg_rd(&x, fh, CAP + 2, 2)),
		  PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT | (2 << 1) | PCI_MSI_FLAGS_ENABLE | (2 << 4));
	EXPECT_EQ(swap32((uint32_t)cfg_rd(&x, fh, CAP + 4, 4)), (uint32_t)MSIA);
	/* vector 2: data 4 | 2 -> AIBV bit 6 (MSB first), summary, injection */
	raise_vec(2);
	zv_dispatch(x.m);
	EXPECT_EQ(fx_r8(&x, AIBV), 0x80 >> 6);
	EXPECT_EQ(fx_r8(&x, AISB), 0x80);
	EXPECT_EQ(x.injected[3], 1);
	/* mask vector 1, raise it: pending, nothing delivered */
	fx_w8(&x, AIBV, 0);
	fx_w8(&x, AISB, 0);
	cfg_wr(&x, fh, CAP + 0x10, 4, swap32(1u << 1));
	raise_vec(1);
	zv_dispatch(x.m);
	EXPECT_EQ(fx_r8(&x, AIBV), 0);
	EXPECT_EQ(swap32((uint32_t)cfg_rd(&x, fh, CAP + 0x14, 4)), 1u << 1);
	/* the pending bits are read-only */
	cfg_wr(&x, fh, CAP + 0x14, 4, 0);
	EXPECT_EQ(swap32((uint32_t)cfg_rd(&x, fh, CAP + 0x14, 4)), 1u << 1);
	/* unmask: the held message arrives (bit 5 = data 4 | 1) */
	cfg_wr(&x, fh, CAP + 0x10, 4, 0);
	EXPECT_EQ(fx_r8(&x, AIBV), 0x80 >> 5);
	EXPECT_EQ(swap32((uint32_t)cfg_rd(&x, fh, CAP + 0x14, 4)), 0);
	/* disable: the backend's vectors go away */
	cfg_wr(&x, fh, CAP + 2, 2, 0);
	EXPECT_EQ(msi_count, 0);
	EXPECT_EQ(msi_calls, 2);
	fx_fini(&x);
}

TEST(msi_mme_is_clamped_to_the_capable_count_and_capability_bits_are_read_only)
{
	struct fx x;
	uint32_t fh = setup(&x, 0);	/* 32-bit, no masking, 1 vector */

	cfg_wr(&x, fh, CAP + 4, 4, swap32(0xfee00003u));	/* low 2 bits read 0 */
	EXPECT_EQ(swap32((uint32_t)cfg_rd(&x, fh, CAP + 4, 4)), 0xfee00000u);
	cfg_wr(&x, fh, CAP + 2, 2, swap16(PCI_MSI_FLAGS_ENABLE | (5 << 4) | PCI_MSI_FLAGS_64BIT));
	EXPECT_EQ(msi_count, 1);			/* 32 asked, 1 capable */
	EXPECT_EQ(swap16((uint16_t)cfg_rd(&x, fh, CAP + 2, 2)) & PCI_MSI_FLAGS_64BIT, 0);
	/* data of a 32-bit capability lives at +8; an address that is not the
	 * MSIA is an error event, not a write into the guest */
	cfg_wr(&x, fh, CAP + 8, 2, swap16(0));
	raise_vec(0);
	zv_dispatch(x.m);
	struct zpci_event ev;
	EXPECT(fx_event(&x, &ev));
	EXPECT_EQ(ev.pec, ZPCI_PEC_INVAL_MSI);
	EXPECT_EQ(fx_r8(&x, AIBV), 0);
	fx_fini(&x);
}

TEST(msi_disable_of_the_function_resets_the_capability)
{
	struct fx x;
	uint32_t fh = setup(&x, PCI_MSI_FLAGS_64BIT | (1 << 1));

	cfg_wr(&x, fh, CAP + 4, 4, swap32((uint32_t)MSIA));
	cfg_wr(&x, fh, CAP + 2, 2, swap16(PCI_MSI_FLAGS_ENABLE | (1 << 4)));
	EXPECT_EQ(msi_count, 2);
	/* CLP disable: the engine disables MSI and forgets the registers */
	memset(x.ram + FX_LPCB, 0, 8192);
	fx_w32(&x, FX_LPCB + CLP_SFN_RQ_FH, fh);
	fx_w8(&x, FX_LPCB + CLP_SFN_RQ_OC, CLP_SFN_OC_DISABLE);
	EXPECT_EQ(fx_clp(&x, CLP_SET_PCI_FN, 4096 - 32, NULL), CLP_RC_OK);
	EXPECT_EQ(msi_count, 0);
	fh = fx_enable(&x, 0);
	EXPECT_EQ(swap16((uint16_t)cfg_rd(&x, fh, CAP + 2, 2)), PCI_MSI_FLAGS_64BIT | (1 << 1));
	EXPECT_EQ(cfg_rd(&x, fh, CAP + 4, 4), 0);
	fx_fini(&x);
}

/* The irqfd route of an MSI vector names the bits zvfio itself sets for
 * it, its eventfd, and its mask; vectors the guest did not enable have
 * none. */
TEST(msi_irq_route_names_the_bits_zvfio_sets)
{
	struct fx x;
	struct zv_irq_route r;
	uint32_t fh = setup(&x, PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT | (2 << 1));
	uint64_t one = 1;

	EXPECT_EQ(zv_function_irq_route(x.fn[0], 0, &r), -1);	/* MSI off */
	EXPECT_EQ(errno, EINVAL);
	cfg_wr(&x, fh, CAP + 4, 4, swap32((uint32_t)MSIA));
	cfg_wr(&x, fh, CAP + 8, 4, swap32((uint32_t)(MSIA >> 32)));
	cfg_wr(&x, fh, CAP + 0xc, 2, swap16(4));
	cfg_wr(&x, fh, CAP + 2, 2, swap16(PCI_MSI_FLAGS_ENABLE | (1 << 4)));	/* 2 vectors */
	cfg_wr(&x, fh, CAP + 0x10, 4, swap32(1u << 1));				/* mask 1 */
	EXPECT_EQ(zv_function_irq_route(x.fn[0], 1, &r), 0);
	EXPECT_EQ(r.eventfd, msi_fds[1]);
	EXPECT_EQ(r.ind_addr, AIBV);
	EXPECT_EQ(r.ind_offset, 5);		/* data 4 | vector 1 */
	EXPECT_EQ(r.summary_addr, AISB);
	EXPECT_EQ(r.isc, 3);
	EXPECT(r.masked);
	EXPECT_EQ(zv_function_irq_route(x.fn[0], 0, &r), 0);
	EXPECT(!r.masked);
	EXPECT_EQ(r.ind_offset, 4);
	EXPECT_EQ(zv_function_irq_route(x.fn[0], 2, &r), -1);	/* not enabled */
	EXPECT_EQ(errno, EINVAL);
	/* the route is what zvfio itself does with the eventfd */
	EXPECT_EQ(zv_function_irq_route(x.fn[0], 0, &r), 0);
	EXPECT_EQ(write(r.eventfd, &one, sizeof(one)), sizeof(one));
	zv_dispatch(x.m);
	EXPECT_EQ(fx_r8(&x, AIBV), 0x80 >> 4);
	fx_fini(&x);
}

/* A vector the binding delivers itself (irqfd): zv_dispatch() leaves it
 * alone while bypassed -- no AIBV bit, no injection, nothing pending --
 * and delivers it again once the bypass is off. */
TEST(msi_vector_bypassed_for_an_irqfd_is_left_to_the_binding)
{
	struct fx x;
	struct zv_irq_route r;
	struct zv_stats st;
	uint32_t fh = setup(&x, PCI_MSI_FLAGS_64BIT | (1 << 1));
	uint64_t one = 1;

	cfg_wr(&x, fh, CAP + 4, 4, swap32((uint32_t)MSIA));
	cfg_wr(&x, fh, CAP + 8, 4, swap32((uint32_t)(MSIA >> 32)));
	cfg_wr(&x, fh, CAP + 0xc, 2, swap16(4));
	cfg_wr(&x, fh, CAP + 2, 2, swap16(PCI_MSI_FLAGS_ENABLE));
	EXPECT_EQ(zv_function_irq_route(x.fn[0], 0, &r), 0);
	EXPECT_EQ(zv_function_irq_bypass(x.fn[0], 0, true), 0);
	EXPECT_EQ(write(r.eventfd, &one, sizeof(one)), sizeof(one));
	zv_dispatch(x.m);
	zv_stats_get(x.m, &st);
	EXPECT_EQ(st.irqs_forwarded, 0);
	EXPECT_EQ(st.irqs_pending_pba, 0);
	EXPECT_EQ(fx_r8(&x, AIBV), 0);
	EXPECT_EQ(zv_function_irq_bypass(x.fn[0], 0, false), 0);
	EXPECT_EQ(write(r.eventfd, &one, sizeof(one)), sizeof(one));
	zv_dispatch(x.m);
	zv_stats_get(x.m, &st);
	EXPECT_EQ(st.irqs_forwarded, 1);
	EXPECT_EQ(fx_r8(&x, AIBV), 0x80 >> 4);
	/* beyond MSI's 32 vectors (this function has no MSI-X), NULL */
	EXPECT_EQ(zv_function_irq_bypass(x.fn[0], 32, true), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(zv_function_irq_bypass(NULL, 0, true), -1);
	EXPECT_EQ(errno, EINVAL);
	fx_fini(&x);
}

/* A backend that refuses to route the vectors: counted, MSI stays unrouted
 * (no eventfds), the guest learns it (error state, SERR event), and
 * enabling again after its recovery works. */
TEST(msi_refused_by_the_backend_is_counted_and_retried_on_the_next_enable)
{
	struct fx x;
	struct zv_stats st;
	struct zpci_event ev;
	uint32_t fh = setup(&x, PCI_MSI_FLAGS_64BIT | (1 << 1));

	msi_refuse = true;
	cfg_wr(&x, fh, CAP + 4, 4, swap32((uint32_t)MSIA));
	cfg_wr(&x, fh, CAP + 2, 2, swap16(PCI_MSI_FLAGS_ENABLE));
	zv_stats_get(x.m, &st);
	EXPECT_EQ(st.irq_route_failures, 1);
	EXPECT_EQ(msi_count, 0);
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_ERROR);
	EXPECT(fx_event(&x, &ev));
	EXPECT_EQ(ev.pec, ZPCI_PEC_SERR);
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_RESET_BLOCK), 0);
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_RESET_ERROR), 0);
	msi_refuse = false;
	cfg_wr(&x, fh, CAP + 2, 2, 0);
	cfg_wr(&x, fh, CAP + 2, 2, swap16(PCI_MSI_FLAGS_ENABLE));
	EXPECT_EQ(msi_count, 1);
	zv_stats_get(x.m, &st);
	EXPECT_EQ(st.irq_route_failures, 1);
	fx_fini(&x);
}
