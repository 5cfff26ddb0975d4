/* SPDX-License-Identifier: MIT */
/*
 * What the host knows of a function (struct dev_zpci from the backend's
 * zpci_info op) in the guest's CLP answers, the DMA window and its
 * setters, and the two host notifications a backend raises through
 * eventfds: the request to give the device back (availability event
 * 0x0303) and a device error (error event 0x000b). The fake backend
 * stands in for VFIO; CLP block offsets and codes are spelled out from
 * the architecture reference (§2.4, §2.5, §6.5) and QEMU's rules for
 * intercepted functions (hw/s390x/s390-pci-vfio.c), not taken from the
 * library's headers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/fib.h"
#include "fakes.h"
#include "harness.h"

/* ---- constants from the reference ---- */
#define CMD_QUERY_FN  0x0003
#define CMD_QUERY_GRP 0x0004
#define RC_OK         0x0010

#define RS (FX_LPCB + 32)		/* the response after a 32-byte request */
#define OLD_RS 4064			/* Linux: a 4 KiB LPCB minus the request */

/* QUERY PCI FN response */
#define QFN_VFN   0x10		/* u16 */
#define QFN_FLAGS 0x12
#define QFN_PFGID 0x13
#define QFN_FID   0x14
#define QFN_PCHID 0x1e		/* u16 */
#define QFN_PFIP  0x38		/* 4 bytes */
#define QFN_PFT   0x3f
#define QFN_SDMA  0x40
#define QFN_EDMA  0x48
#define QFN_UID   0x7c
#define QFN_UTIL  0x80		/* 64 bytes EBCDIC */

/* QUERY PCI FNGRP response */
#define QGRP_NOI     0x10	/* u16, bits 4-15 */
#define QGRP_VERSION 0x12
#define QGRP_FLAGS   0x13	/* 0x01 refresh, 0x20 RTR */
#define QGRP_MAXSTBL 0x14	/* u16, bits 3-15 */
#define QGRP_MUI     0x16
#define QGRP_DTSM    0x18
#define QGRP_DASM    0x20
#define QGRP_MSIA    0x28

#define DEFAULT_PFGID 0xff
#define SIM_PFGID_MIN 0xf0	/* simulated groups (QEMU: one per host group) */
#define DEFAULT_SDMA  0x100000000ULL	/* 4 GiB */
#define DEFAULT_MSIA  0xfe00000000000000ULL
#define PG 4096ULL

#define PEC_SERR        0x000b
#define PEC_DECONF_REQ  0x0303
#define PEC_DECONFIGURED 0x0304

/* ---- helpers ---- */

static uint16_t query_fn(struct fx *x, uint32_t fh)
{
	return fx_clp_query(x, CMD_QUERY_FN, fh);
}

static uint16_t query_grp(struct fx *x, uint8_t pfgid)
{
	return fx_clp_query(x, CMD_QUERY_GRP, pfgid);
}

/* QUERY PCI FN of function i; the response stays at RS */
static void qfn_ok(struct fx *x, unsigned i)
{
	EXPECT_EQ(query_fn(x, zv_function_fh(x->fn[i])), RC_OK);
}

static uint8_t pfgid_of(struct fx *x, unsigned i)
{
	qfn_ok(x, i);
	return fx_r8(x, RS + QFN_PFGID);
}

/* "IBM NVMe" followed by bytes no ASCII-to-EBCDIC conversion would give:
 * the utility string must reach the guest byte for byte */
static const uint8_t host_util[12] = { 0xc9, 0xc2, 0xd4, 0x40, 0xd5, 0xe5, 0x94, 0x85,
				       0x00, 0xff, 0x01, 0x5b };

/* What a z host reports for an intercepted function of host group gid. */
static struct dev_zpci host_zpci(uint8_t gid)
{
	struct dev_zpci z = {
		.has_window = true,
		.start_dma = 0x200000000ULL,			/* 8 GiB: not the default */
		.end_dma = 0x200000000ULL + (64ULL << 20) - 1,	/* 64 MiB */
		.has_base = true,
		.pchid = 0x01c4, .vfn = 0x0012, .fmb_length = 0x20, .pft = 0x0a, .gid = gid,
		.has_fh = true, .fh = 0x80010a12,
		.has_group = true,
		.dasm = 0x00ffffffffffffffULL, .msi_addr = 0xfd00000000000000ULL,
		.flags = 0,				/* the host does not ask for refresh */
		.mui = 1000, .noi = 2040, .maxstbl = 4096, .version = 1,
		.util_len = sizeof(host_util), .pfip_len = 4,
		.pfip = { 0x11, 0x22, 0x33, 0x44 },
	};

	memcpy(z.util, host_util, sizeof(host_util));
	return z;
}

static struct fake_dev *dev_with(const struct dev_zpci *z)
{
	struct fake_dev *d = fake_dev_new(8);

	if (z) {
		d->has_zpci = true;
		d->zpci = *z;
	}
	return d;
}

/* add a fake function that reports z (NULL: nothing); returns its index */
static unsigned add_fn(struct fx *x, const struct dev_zpci *z)
{
	int i = fx_add(x, dev_with(z));

	if (i < 0) {
		th_fail(__FILE__, __LINE__, "zv_function_add failed: %s", strerror(errno));
		abort();
	}
	return (unsigned)i;
}

static uint64_t sdma_of(struct fx *x, unsigned i)
{
	qfn_ok(x, i);
	return fx_r64(x, RS + QFN_SDMA);
}

static uint64_t edma_of(struct fx *x, unsigned i)
{
	qfn_ok(x, i);
	return fx_r64(x, RS + QFN_EDMA);
}

static unsigned drain(struct fx *x)
{
	struct zpci_event ev;
	unsigned n = 0;

	while (fx_event(x, &ev))
		n++;
	return n;
}

static struct zv_stats stats(struct fx *x)
{
	struct zv_stats st;

	zv_stats_get(x->m, &st);
	return st;
}

/* ======================================================================
 * (a) the host's zPCI identity in QUERY PCI FN / FNGRP
 * ====================================================================== */

TEST(host_base_fields_in_query_pci_fn)
{
	struct fx x;
	struct dev_zpci z = host_zpci(0x42);
	const uint8_t *r;
	unsigned i;

	fx_init(&x, 0, 0);
	i = add_fn(&x, &z);
	EXPECT(x.dev[i]->zpci_calls >= 1);
	qfn_ok(&x, i);
	r = x.ram + RS;
	EXPECT_EQ(fx_r16(&x, RS + QFN_VFN), 0x0012);
	EXPECT_EQ(fx_r16(&x, RS + QFN_PCHID), 0x01c4);
	EXPECT_EQ(r[QFN_PFIP + 0], 0x11);
	EXPECT_EQ(r[QFN_PFIP + 1], 0x22);
	EXPECT_EQ(r[QFN_PFIP + 2], 0x33);
	EXPECT_EQ(r[QFN_PFIP + 3], 0x44);
	/* QEMU reports PFT 0 for intercepted functions */
	EXPECT_EQ(r[QFN_PFT], 0);
	EXPECT_EQ(r[QFN_FLAGS] & 0x01, 0x01);	/* utility string valid */
	/* the host's utility string, EBCDIC already: as is, then blanks */
	EXPECT(memcmp(r + QFN_UTIL, host_util, sizeof(host_util)) == 0);
	for (unsigned k = sizeof(host_util); k < 64; k++)
		EXPECT_EQ(r[QFN_UTIL + k], 0x40);
	/* the window is the host's: 64 MiB fits the default budget */
	EXPECT_EQ(fx_r64(&x, RS + QFN_SDMA), 0x200000000ULL);
	EXPECT_EQ(fx_r64(&x, RS + QFN_EDMA), 0x200000000ULL + (64ULL << 20) - 1);
	/* a simulated group, never the host's own id */
	EXPECT(r[QFN_PFGID] >= SIM_PFGID_MIN && r[QFN_PFGID] < 0xfe);
	/* the guest's identity stays the engine's */
	EXPECT_EQ(fx_r32(&x, RS + QFN_FID), zv_function_fid(x.fn[i]));
	EXPECT_EQ(fx_r32(&x, RS + QFN_UID), zv_function_uid(x.fn[i]));
	fx_fini(&x);
}

TEST(host_util_string_longer_than_64_bytes_is_cut_at_64)
{
	struct fx x;
	struct dev_zpci z = host_zpci(1);
	unsigned i;

	for (unsigned k = 0; k < 64; k++)
		z.util[k] = (uint8_t)(0x81 + (k % 9));
	z.util_len = 64;
	fx_init(&x, 0, 0);
	i = add_fn(&x, &z);
	qfn_ok(&x, i);
	EXPECT(memcmp(x.ram + RS + QFN_UTIL, z.util, 64) == 0);
	/* nothing outside the field: the UID before it, reserved bytes after */
	EXPECT_EQ(fx_r32(&x, RS + QFN_UID), zv_function_uid(x.fn[i]));
	for (unsigned k = QFN_UTIL + 64; k < 0x100; k++)
		EXPECT_EQ(fx_r8(&x, RS + k), 0);
	fx_fini(&x);
}

TEST(host_short_pfip_leaves_the_rest_zero)
{
	struct fx x;
	struct dev_zpci z = host_zpci(1);
	unsigned i;

	z.pfip_len = 2;
	z.pfip[2] = z.pfip[3] = 0x99;	/* beyond pfip_len: not the host's */
	fx_init(&x, 0, 0);
	i = add_fn(&x, &z);
	qfn_ok(&x, i);
	EXPECT_EQ(fx_r8(&x, RS + QFN_PFIP + 0), 0x11);
	EXPECT_EQ(fx_r8(&x, RS + QFN_PFIP + 1), 0x22);
	EXPECT_EQ(fx_r8(&x, RS + QFN_PFIP + 2), 0);
	EXPECT_EQ(fx_r8(&x, RS + QFN_PFIP + 3), 0);
	fx_fini(&x);
}

TEST(host_window_edma_shrunk_to_mapping_budget)
{
	struct fx x;
	struct dev_zpci z = host_zpci(1);
	struct fake_dev *d;
	int i;

	/* a 1 TiB host window; the backend maps 1000 pages at most */
	z.end_dma = z.start_dma + (1ULL << 40) - 1;
	fx_init(&x, 0, 0);
	d = dev_with(&z);
	d->limit = 1000;
	i = fx_add(&x, d);
	EXPECT(i >= 0);
	EXPECT_EQ(sdma_of(&x, (unsigned)i), 0x200000000ULL);
	EXPECT_EQ(edma_of(&x, (unsigned)i), 0x200000000ULL + 1000 * PG - 1);
	fx_fini(&x);
}

TEST(host_window_rounded_to_pages)
{
	struct fx x;
	struct dev_zpci z = host_zpci(1);
	unsigned i;

	z.start_dma = 0x200000800ULL;		/* first whole page: 0x200001000 */
	z.end_dma = 0x200100800ULL;		/* last byte of its page: 0x200100fff */
	fx_init(&x, 0, 0);
	i = add_fn(&x, &z);
	EXPECT_EQ(sdma_of(&x, i), 0x200001000ULL);
	EXPECT_EQ(edma_of(&x, i), 0x200100fffULL);
	fx_fini(&x);
}

TEST(host_window_without_a_page_fails_the_add)
{
	struct fx x;
	struct dev_zpci z = host_zpci(1);

	z.start_dma = 0x200000000ULL;
	z.end_dma = 0x1ffffffffULL;		/* ends before it starts */
	fx_init(&x, 0, 0);
	errno = 0;
	EXPECT_EQ(fx_add(&x, dev_with(&z)), -1);
	EXPECT_EQ(errno, ERANGE);
	/* nothing half-added: the machine lists no function */
	z = host_zpci(1);
	EXPECT_EQ(fx_add(&x, dev_with(&z)), 0);
	fx_fini(&x);
}

TEST(simulated_groups_one_per_host_group)
{
	struct fx x;
	struct dev_zpci a = host_zpci(0x42), b = host_zpci(0x42), c = host_zpci(0x07);
	uint8_t ga, gb, gc, gd;
	unsigned d;

	fx_init(&x, 0, 0);
	add_fn(&x, &a);
	add_fn(&x, &b);
	add_fn(&x, &c);
	d = add_fn(&x, NULL);			/* no zPCI information at all */
	ga = pfgid_of(&x, 0);
	gb = pfgid_of(&x, 1);
	gc = pfgid_of(&x, 2);
	gd = pfgid_of(&x, d);
	EXPECT(ga >= SIM_PFGID_MIN && ga < 0xfe);
	EXPECT_EQ(gb, ga);			/* same host group: same simulated group */
	EXPECT_EQ(gc, ga + 1);			/* the next simulated id */
	EXPECT_EQ(gd, DEFAULT_PFGID);
	/* the host's group ids themselves are not groups of the guest */
	EXPECT(query_grp(&x, 0x42) != RC_OK);
	EXPECT(query_grp(&x, 0x07) != RC_OK);
	fx_fini(&x);
}

TEST(simulated_group_characteristics_from_the_host)
{
	struct fx x;
	struct dev_zpci a = host_zpci(0x42), c = host_zpci(0x07);
	uint8_t ga, gc;

	c.noi = 32;
	c.mui = 250;
	c.version = 2;
	c.dasm = 0x0000ffffffffffffULL;
	c.msi_addr = 0xfc00000000000000ULL;
	c.flags = 0x01;
	fx_init(&x, 0, 0);
	add_fn(&x, &a);
	add_fn(&x, &c);
	ga = pfgid_of(&x, 0);
	gc = pfgid_of(&x, 1);
	EXPECT(ga != gc);

	EXPECT_EQ(query_grp(&x, ga), RC_OK);
	EXPECT_EQ(fx_r16(&x, RS + QGRP_NOI) & 0x0fff, 2040);
	EXPECT_EQ(fx_r8(&x, RS + QGRP_VERSION), 1);
	EXPECT_EQ(fx_r8(&x, RS + QGRP_FLAGS) & 0x01, 0x01);	/* refresh although the host
								   did not set it */
	EXPECT_EQ(fx_r8(&x, RS + QGRP_FLAGS) & 0x20, 0);	/* no relaxed translation */
	/* maxstbl: 128 through intercepts, not the host's 4096 */
	EXPECT_EQ(fx_r16(&x, RS + QGRP_MAXSTBL) & 0x1fff, 128);
	EXPECT_EQ(fx_r16(&x, RS + QGRP_MUI), 1000);
	EXPECT_EQ(fx_r8(&x, RS + QGRP_DTSM), 0x40);
	EXPECT_EQ(fx_r64(&x, RS + QGRP_DASM), 0x00ffffffffffffffULL);
	EXPECT_EQ(fx_r64(&x, RS + QGRP_MSIA), 0xfd00000000000000ULL);

	/* the second group answers its own host group's values */
	EXPECT_EQ(query_grp(&x, gc), RC_OK);
	EXPECT_EQ(fx_r16(&x, RS + QGRP_NOI) & 0x0fff, 32);
	EXPECT_EQ(fx_r8(&x, RS + QGRP_VERSION), 2);
	EXPECT_EQ(fx_r8(&x, RS + QGRP_FLAGS) & 0x01, 0x01);
	EXPECT_EQ(fx_r16(&x, RS + QGRP_MAXSTBL) & 0x1fff, 128);
	EXPECT_EQ(fx_r16(&x, RS + QGRP_MUI), 250);
	EXPECT_EQ(fx_r64(&x, RS + QGRP_DASM), 0x0000ffffffffffffULL);
	EXPECT_EQ(fx_r64(&x, RS + QGRP_MSIA), 0xfc00000000000000ULL);

	/* the default group is untouched */
	EXPECT_EQ(query_grp(&x, DEFAULT_PFGID), RC_OK);
	EXPECT_EQ(fx_r16(&x, RS + QGRP_NOI) & 0x0fff, 128);
	EXPECT_EQ(fx_r64(&x, RS + QGRP_MSIA), DEFAULT_MSIA);
	/* no third simulated group */
	EXPECT(query_grp(&x, (uint8_t)(gc + 1)) != RC_OK);
	fx_fini(&x);
}

TEST(simulated_group_defaults_for_mui_and_msia_the_host_left_0)
{
	struct fx x;
	struct dev_zpci a = host_zpci(3);

	a.mui = 0;
	a.msi_addr = 0;
	fx_init(&x, 0, 0);
	add_fn(&x, &a);
	EXPECT_EQ(query_grp(&x, pfgid_of(&x, 0)), RC_OK);
	EXPECT_EQ(fx_r16(&x, RS + QGRP_MUI), 4000);		/* the machine's default */
	EXPECT_EQ(fx_r64(&x, RS + QGRP_MSIA), DEFAULT_MSIA);
	fx_fini(&x);
}

TEST(host_base_without_group_capability_stays_in_default_group)
{
	struct fx x;
	struct dev_zpci a = host_zpci(3);

	a.has_group = false;
	fx_init(&x, 0, 0);
	add_fn(&x, &a);
	qfn_ok(&x, 0);
	EXPECT_EQ(fx_r8(&x, RS + QFN_PFGID), DEFAULT_PFGID);
	EXPECT_EQ(fx_r16(&x, RS + QFN_PCHID), 0x01c4);		/* the base still applies */
	fx_fini(&x);
}

TEST(relaxed_off_returns_to_the_simulated_group)
{
	struct fx x;
	struct dev_zpci a = host_zpci(0x42);
	uint8_t g;

	fx_init(&x, 0, 0);
	add_fn(&x, &a);
	g = pfgid_of(&x, 0);
	EXPECT(g >= SIM_PFGID_MIN && g < 0xfe);
	EXPECT_EQ(zv_function_set_relaxed(x.fn[0], true), 0);
	EXPECT_EQ(pfgid_of(&x, 0), 0xfe);
	/* back without relaxed translation: the host's group again, not
	 * the default group with its 128 vectors and default MSIA */
	EXPECT_EQ(zv_function_set_relaxed(x.fn[0], false), 0);
	EXPECT_EQ(pfgid_of(&x, 0), g);
	EXPECT_EQ(edma_of(&x, 0), 0x200000000ULL + (64ULL << 20) - 1);
	/* turning it off when it was never on changes nothing */
	EXPECT_EQ(zv_function_set_relaxed(x.fn[0], false), 0);
	EXPECT_EQ(pfgid_of(&x, 0), g);
	fx_fini(&x);
}

/* A function that alone used its simulated group frees it when it goes to
 * relaxed translation (the id answers "unrecognized PFGID" again), and
 * gets one with the host's characteristics back when it leaves it. */
TEST(relaxed_on_frees_a_sole_simulated_group_and_off_makes_it_again)
{
	struct fx x;
	struct dev_zpci a = host_zpci(0x42);
	uint8_t g;

	fx_init(&x, 0, 0);
	add_fn(&x, &a);
	g = pfgid_of(&x, 0);
	EXPECT_EQ(query_grp(&x, g), RC_OK);
	EXPECT_EQ(zv_function_set_relaxed(x.fn[0], true), 0);
	EXPECT_EQ(query_grp(&x, g), 0x010b);
	EXPECT_EQ(zv_function_set_relaxed(x.fn[0], false), 0);
	g = pfgid_of(&x, 0);
	EXPECT(g >= SIM_PFGID_MIN && g < 0xfe);
	EXPECT_EQ(query_grp(&x, g), RC_OK);
	EXPECT_EQ(fx_r64(&x, RS + QGRP_MSIA), a.msi_addr);	/* the host's MSIA */
	fx_fini(&x);
}

TEST(simulated_groups_run_out_after_14)
{
	struct fx x;
	struct dev_zpci z;
	uint8_t first = 0;

	/* 0xf0..0xfd: 14 ids below the RTR (0xfe) and default (0xff) groups */
	fx_init(&x, 0, 0);
	for (unsigned g = 0; g < 14; g++) {
		struct fake_dev *d;
		struct zv_function *f;

		z = host_zpci((uint8_t)(0x10 + g));
		d = dev_with(&z);
		f = zv_function_add(x.m, &d->dev, ZV_UID_AUTO, ZV_FID_AUTO);
		EXPECT(f != NULL);
		if (!f) {
			d->dev.ops->destroy(&d->dev);
			continue;
		}
		/* read its group through CLP */
		EXPECT_EQ(query_fn(&x, zv_function_fh(f)), RC_OK);
		if (g == 0)
			first = fx_r8(&x, RS + QFN_PFGID);
		EXPECT_EQ(fx_r8(&x, RS + QFN_PFGID), first + g);
		EXPECT(fx_r8(&x, RS + QFN_PFGID) < 0xfe);
	}
	z = host_zpci(0x80);
	errno = 0;
	EXPECT_EQ(fx_add(&x, dev_with(&z)), -1);
	EXPECT_EQ(errno, ENOSPC);
	/* a function of a host group that has its simulated group still fits */
	z = host_zpci(0x10);
	EXPECT(fx_add(&x, dev_with(&z)) >= 0);
	fx_fini(&x);
}

/* ======================================================================
 * (b) a backend without zPCI information: the defaults
 * ====================================================================== */

static void expect_defaults(struct fx *x, unsigned i)
{
	qfn_ok(x, i);
	EXPECT_EQ(fx_r8(x, RS + QFN_PFGID), DEFAULT_PFGID);
	EXPECT_EQ(fx_r16(x, RS + QFN_VFN), 0);
	EXPECT_EQ(fx_r16(x, RS + QFN_PCHID), 0);
	EXPECT_EQ(fx_r32(x, RS + QFN_PFIP), 0);
	EXPECT_EQ(fx_r64(x, RS + QFN_SDMA), DEFAULT_SDMA);
}

TEST(no_zpci_info_keeps_defaults)
{
	struct fx x;
	static const uint8_t ebcdic_fake[4] = { 0x86, 0x81, 0x92, 0x85 };	/* "fake" */

	fx_init(&x, 1, 0);
	EXPECT(x.dev[0]->zpci_calls >= 1);	/* asked, and it knew nothing */
	expect_defaults(&x, 0);
	EXPECT_EQ(fx_r64(&x, RS + QFN_EDMA), DEFAULT_SDMA + (uint64_t)FX_DEFAULT_LIMIT * PG - 1);
	/* the utility string names the device, in EBCDIC */
	EXPECT(memcmp(x.ram + RS + QFN_UTIL, ebcdic_fake, 4) == 0);
	EXPECT_EQ(query_grp(&x, DEFAULT_PFGID), RC_OK);
	EXPECT_EQ(fx_r16(&x, RS + QGRP_NOI) & 0x0fff, 128);
	fx_fini(&x);
}

TEST(emu_dma_without_zpci_info_op_keeps_defaults)
{
	struct fx x;
	struct zv_function *f;
	char err[256] = "";

	fx_init(&x, 0, 0);
	f = zv_function_add_spec(x.m, "emu:dma", err, sizeof(err));
	EXPECT(f != NULL);
	if (f) {
		x.fn[0] = f;
		expect_defaults(&x, 0);
		/* shrunk to emu:dma's 65535 mappings */
		EXPECT_EQ(fx_r64(&x, RS + QFN_EDMA), DEFAULT_SDMA + 65535 * PG - 1);
		x.fn[0] = NULL;
	}
	fx_fini(&x);
}

/* ======================================================================
 * (c) a window only (a non-s390 host: the IOMMU's valid IOVA range)
 * ====================================================================== */

static struct dev_zpci window_only(uint64_t start, uint64_t end)
{
	return (struct dev_zpci){ .has_window = true, .start_dma = start, .end_dma = end };
}

TEST(window_only_starts_at_4g_and_stays_inside_the_range)
{
	struct fx x;
	struct dev_zpci z = window_only(0, 0x7fffffffffULL);	/* 39-bit IOVA */
	struct fake_dev *d;
	int i;

	fx_init(&x, 0, 0);
	add_fn(&x, &z);
	expect_defaults(&x, 0);
	EXPECT(fx_r64(&x, RS + QFN_EDMA) <= 0x7fffffffffULL);
	EXPECT_EQ(fx_r64(&x, RS + QFN_EDMA), DEFAULT_SDMA + (uint64_t)FX_DEFAULT_LIMIT * PG - 1);
	/* with a budget beyond the range the range's end is the limit */
	d = dev_with(&z);
	d->limit = 1ULL << 40;
	i = fx_add(&x, d);
	EXPECT(i >= 0);
	EXPECT_EQ(sdma_of(&x, (unsigned)i), DEFAULT_SDMA);
	EXPECT_EQ(edma_of(&x, (unsigned)i), 0x7fffffffffULL);
	fx_fini(&x);
}

TEST(window_only_below_or_above_4g)
{
	struct fx x;
	struct dev_zpci lo = window_only(0, 0xffffffffULL);	/* 32-bit IOMMU */
	struct dev_zpci hi = window_only(0x10000000000ULL, 0x1ffffffffffULL);

	fx_init(&x, 0, 0);
	add_fn(&x, &lo);
	add_fn(&x, &hi);
	/* the default 4 GiB start is outside: the range's start instead */
	EXPECT_EQ(sdma_of(&x, 0), 0);
	EXPECT_EQ(edma_of(&x, 0), 0xffffffffULL);
	EXPECT_EQ(sdma_of(&x, 1), 0x10000000000ULL);
	EXPECT_EQ(edma_of(&x, 1), 0x10000000000ULL + (uint64_t)FX_DEFAULT_LIMIT * PG - 1);
	EXPECT_EQ(pfgid_of(&x, 1), DEFAULT_PFGID);
	fx_fini(&x);
}

/* ======================================================================
 * (d) zv_function_set_dma_window and the sdma= / edma= options
 * ====================================================================== */

static int set_win(struct zv_function *f, uint64_t s, uint64_t e)
{
	errno = 0;
	return zv_function_set_dma_window(f, s, e);
}

TEST(set_dma_window_rejects_misaligned_and_empty)
{
	struct fx x;

	fx_init(&x, 1, 0);
	EXPECT_EQ(set_win(x.fn[0], 0x200000800ULL, 0x2ffffffffULL), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(set_win(x.fn[0], 0x200000000ULL, 0x2fffff7ffULL), -1);	/* end + 1 */
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(set_win(x.fn[0], 0x200000000ULL, 0x200000000ULL), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(set_win(x.fn[0], 0x200000000ULL, 0x1ffffffffULL), -1);	/* empty */
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(set_win(x.fn[0], 0x300000000ULL, 0x1ffffffffULL), -1);	/* reversed */
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(set_win(NULL, 0, 0xfff), -1);
	EXPECT_EQ(errno, EINVAL);
	/* nothing changed */
	EXPECT_EQ(sdma_of(&x, 0), DEFAULT_SDMA);
	EXPECT_EQ(edma_of(&x, 0), DEFAULT_SDMA + (uint64_t)FX_DEFAULT_LIMIT * PG - 1);
	fx_fini(&x);
}

TEST(set_dma_window_outside_the_device_reach_is_erange)
{
	struct fx x;
	struct dev_zpci z = host_zpci(1);	/* [8 GiB, 8 GiB + 64 MiB) */
	const uint64_t s = 0x200000000ULL, e = s + (64ULL << 20) - 1;

	fx_init(&x, 1, 0);
	add_fn(&x, &z);
	EXPECT_EQ(set_win(x.fn[1], s - PG, e), -1);
	EXPECT_EQ(errno, ERANGE);
	EXPECT_EQ(set_win(x.fn[1], s, e + PG), -1);
	EXPECT_EQ(errno, ERANGE);
	EXPECT_EQ(set_win(x.fn[1], DEFAULT_SDMA, 0x2ffffffffULL), -1);
	EXPECT_EQ(errno, ERANGE);
	EXPECT_EQ(sdma_of(&x, 1), s);
	EXPECT_EQ(edma_of(&x, 1), e);
	/* the whole reach, and a part of it */
	EXPECT_EQ(set_win(x.fn[1], s, e), 0);
	EXPECT_EQ(set_win(x.fn[1], s + (16ULL << 20), s + (32ULL << 20) - 1), 0);
	EXPECT_EQ(sdma_of(&x, 1), s + (16ULL << 20));
	EXPECT_EQ(edma_of(&x, 1), s + (32ULL << 20) - 1);
	/* a device without a window: up to the architecture's default end */
	EXPECT_EQ(set_win(x.fn[0], 0, 0x01ffffffffffffffULL), 0);
	EXPECT_EQ(set_win(x.fn[0], 0x1000, 0x0200000000000fffULL), -1);
	EXPECT_EQ(errno, ERANGE);
	fx_fini(&x);
}

TEST(set_dma_window_changes_query_pci_fn)
{
	struct fx x;

	fx_init(&x, 2, 0);
	EXPECT_EQ(set_win(x.fn[1], 0x80000000ULL, 0x8fffffffULL), 0);
	EXPECT_EQ(sdma_of(&x, 1), 0x80000000ULL);
	EXPECT_EQ(edma_of(&x, 1), 0x8fffffffULL);
	/* a window beyond the mapping budget: EDMA shrunk to the budget */
	EXPECT_EQ(set_win(x.fn[1], 0x400000000ULL, 0xffffffffffULL), 0);
	EXPECT_EQ(sdma_of(&x, 1), 0x400000000ULL);
	EXPECT_EQ(edma_of(&x, 1), 0x400000000ULL + (uint64_t)FX_DEFAULT_LIMIT * PG - 1);
	/* ... but not for a relaxed-translation function */
	EXPECT_EQ(zv_function_set_relaxed(x.fn[1], true), 0);
	EXPECT_EQ(edma_of(&x, 1), 0xffffffffffULL);
	/* the other function is untouched */
	EXPECT_EQ(sdma_of(&x, 0), DEFAULT_SDMA);
	fx_fini(&x);
}

TEST(set_dma_window_ebusy_while_enabled)
{
	struct fx x;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	EXPECT(fh & 0x80000000u);
	EXPECT_EQ(set_win(x.fn[0], 0x200000000ULL, 0x2ffffffffULL), -1);
	EXPECT_EQ(errno, EBUSY);
	EXPECT_EQ(query_fn(&x, fh), RC_OK);
	EXPECT_EQ(fx_r64(&x, RS + QFN_SDMA), DEFAULT_SDMA);
	fx_fini(&x);
}

TEST(add_spec_sdma_edma_options)
{
	struct fx x;
	struct zv_function *f;
	char err[256] = "";

	fx_init(&x, 0, 0);
	f = zv_function_add_spec(x.m, "emu:dma,sdma=0x200000000,uid=7,edma=0x200ffffff", err,
				 sizeof(err));
	EXPECT(f != NULL);
	x.fn[0] = f;
	if (f) {
		EXPECT_EQ(zv_function_uid(f), 7);
		EXPECT_EQ(sdma_of(&x, 0), 0x200000000ULL);
		EXPECT_EQ(edma_of(&x, 0), 0x200ffffffULL);
	}
	/* sdma alone: the end is the budget's */
	f = zv_function_add_spec(x.m, "emu:dma,sdma=0x40000000", err, sizeof(err));
	EXPECT(f != NULL);
	x.fn[1] = f;
	if (f) {
		EXPECT_EQ(sdma_of(&x, 1), 0x40000000ULL);
		EXPECT_EQ(edma_of(&x, 1), 0x40000000ULL + 65535 * PG - 1);
	}
	/* edma alone: from the default start */
	f = zv_function_add_spec(x.m, "emu:dma,edma=0x100ffffff", err, sizeof(err));
	EXPECT(f != NULL);
	x.fn[2] = f;
	if (f) {
		EXPECT_EQ(sdma_of(&x, 2), DEFAULT_SDMA);
		EXPECT_EQ(edma_of(&x, 2), 0x100ffffffULL);
	}
	x.fn[0] = x.fn[1] = x.fn[2] = NULL;
	fx_fini(&x);
}

static void expect_bad_spec(struct fx *x, const char *spec, int want_errno, const char *must1,
			    const char *must2, int line)
{
	char err[256] = "";
	struct zv_function *f;

	errno = 0;
	f = zv_function_add_spec(x->m, spec, err, sizeof(err));
	if (f)
		th_fail(__FILE__, line, "%s: accepted", spec);
	if (errno != want_errno)
		th_fail(__FILE__, line, "%s: errno %d, want %d", spec, errno, want_errno);
	if (!strstr(err, must1) || (must2 && !strstr(err, must2)))
		th_fail(__FILE__, line, "%s: message '%s' lacks '%s'/'%s'", spec, err, must1,
			must2 ? must2 : "");
	if (strchr(err, '\n'))
		th_fail(__FILE__, line, "%s: message is not one line", spec);
}

#define EXPECT_BAD_SPEC(x, spec, e, m1, m2) expect_bad_spec((x), (spec), (e), (m1), (m2), __LINE__)

TEST(add_spec_bad_window_options_name_the_window)
{
	struct fx x;
	struct zv_function *f;
	char err[256];

	fx_init(&x, 0, 0);
	EXPECT_BAD_SPEC(&x, "emu:dma,sdma=0x200000800", EINVAL, "DMA window", "0x200000800");
	EXPECT_BAD_SPEC(&x, "emu:dma,sdma=0x200000000,edma=0x200000000", EINVAL, "DMA window",
			"page-aligned");
	EXPECT_BAD_SPEC(&x, "emu:dma,edma=0x0fff", EINVAL, "DMA window", "0xfff");
	EXPECT_BAD_SPEC(&x, "emu:dma,edma=0x0200000000000fff", ERANGE, "DMA window",
			"0x200000000000fff");
	EXPECT_BAD_SPEC(&x, "emu:dma,edma=0x0200000000000fff", ERANGE, "outside", NULL);
	/* not numbers: the option parser names the option */
	EXPECT_BAD_SPEC(&x, "emu:dma,sdma=lots", EINVAL, "sdma", "lots");
	EXPECT_BAD_SPEC(&x, "emu:dma,edma=-1", EINVAL, "edma", NULL);
	/* a failed add leaves no function behind: the machine still takes
	 * one with the same uid, and CLP lists exactly one */
	f = zv_function_add_spec(x.m, "emu:dma,uid=9,sdma=0x200000000", err, sizeof(err));
	EXPECT(f != NULL);
	EXPECT_BAD_SPEC(&x, "emu:dma,uid=10,sdma=1", EINVAL, "DMA window", NULL);
	f = zv_function_add_spec(x.m, "emu:dma,uid=10", err, sizeof(err));
	EXPECT(f != NULL);
	memset(x.ram + FX_LPCB, 0, 8192);
	EXPECT_EQ(fx_clp(&x, 0x0002, OLD_RS, NULL), RC_OK);
	EXPECT_EQ(fx_r16(&x, RS), 32 + 2 * 16);		/* two entries */
	fx_fini(&x);
}

/* ======================================================================
 * (e) the host's request for the device: availability event 0x0303
 * ====================================================================== */

static unsigned add_req_fn(struct fx *x)
{
	struct fake_dev *d = fake_dev_new(8);
	int i;

	fake_req_enable(d);
	i = fx_add(x, d);
	if (i < 0)
		abort();
	return (unsigned)i;
}

TEST(request_eventfd_posts_availability_event_0303)
{
	struct fx x;
	struct zpci_event ev;
	unsigned i;
	uint32_t fh;

	fx_init(&x, 1, 0);
	i = add_req_fn(&x);
	fh = fx_enable(&x, i);
	EXPECT_EQ(stats(&x).unplug_requests, 0);
	EXPECT(!fx_event(&x, &ev));
	fake_req(x.dev[i]);
	EXPECT(zv_dispatch(x.m) >= 1);
	EXPECT(fx_event(&x, &ev));
	EXPECT_EQ(ev.kind, ZPCI_EVENT_AVAIL);
	EXPECT_EQ(ev.pec, PEC_DECONF_REQ);
	EXPECT_EQ(ev.fh, fh);				/* the current, enabled handle */
	EXPECT_EQ(ev.fid, zv_function_fid(x.fn[i]));
	EXPECT(!fx_event(&x, &ev));
	EXPECT_EQ(stats(&x).unplug_requests, 1);
	EXPECT(x.crws >= 1);
	/* the function is not taken away by the request itself */
	EXPECT_EQ(zv_function_state(x.fn[i]), ZV_FS_ENABLED);
	/* consumed: another dispatch posts nothing */
	zv_dispatch(x.m);
	EXPECT(!fx_event(&x, &ev));
	EXPECT_EQ(stats(&x).unplug_requests, 1);
	/* a second request is a second event */
	fake_req(x.dev[i]);
	zv_dispatch(x.m);
	EXPECT(fx_event(&x, &ev));
	EXPECT_EQ(ev.pec, PEC_DECONF_REQ);
	EXPECT_EQ(stats(&x).unplug_requests, 2);
	fx_fini(&x);
}

TEST(request_for_a_disabled_function_carries_its_handle)
{
	struct fx x;
	struct zpci_event ev;
	unsigned i;

	fx_init(&x, 0, 0);
	i = add_req_fn(&x);
	fake_req(x.dev[i]);
	zv_dispatch(x.m);
	EXPECT(fx_event(&x, &ev));
	EXPECT_EQ(ev.kind, ZPCI_EVENT_AVAIL);
	EXPECT_EQ(ev.pec, PEC_DECONF_REQ);
	EXPECT_EQ(ev.fh, zv_function_fh(x.fn[i]));
	EXPECT_EQ(ev.fh & 0x80000000u, 0);
	fx_fini(&x);
}

TEST(request_for_a_standby_function_posts_nothing)
{
	struct fx x;
	struct zpci_event ev;
	unsigned i;

	fx_init(&x, 0, 0);
	i = add_req_fn(&x);
	fx_enable(&x, i);
	EXPECT_EQ(zv_function_set_standby(x.fn[i], true), 0);
	EXPECT(fx_event(&x, &ev));
	EXPECT_EQ(ev.pec, PEC_DECONFIGURED);
	EXPECT(!fx_event(&x, &ev));
	fake_req(x.dev[i]);
	zv_dispatch(x.m);
	EXPECT(!fx_event(&x, &ev));
	EXPECT_EQ(stats(&x).unplug_requests, 0);
	/* the request was consumed, not left for after configure */
	EXPECT_EQ(zv_function_set_standby(x.fn[i], false), 0);
	EXPECT_EQ(drain(&x), 1);			/* 0x0301 only */
	zv_dispatch(x.m);
	EXPECT(!fx_event(&x, &ev));
	EXPECT_EQ(stats(&x).unplug_requests, 0);
	fx_fini(&x);
}

TEST(request_reaches_only_its_function)
{
	struct fx x;
	struct zpci_event ev;
	unsigned a, b;

	fx_init(&x, 1, 0);			/* fn 0 has no request eventfd */
	a = add_req_fn(&x);
	b = add_req_fn(&x);
	fake_req(x.dev[b]);
	zv_dispatch(x.m);
	EXPECT(fx_event(&x, &ev));
	EXPECT_EQ(ev.fid, zv_function_fid(x.fn[b]));
	EXPECT(ev.fid != zv_function_fid(x.fn[a]));
	EXPECT(!fx_event(&x, &ev));
	fx_fini(&x);
}

/* ======================================================================
 * (f) a device error from the backend: error event 0x000b
 * ====================================================================== */

TEST(device_error_posts_pec_000b_and_enters_error_state)
{
	struct fx x;
	struct zpci_event ev;
	struct zv_stats before, after;
	uint32_t fh;

	fx_init(&x, 2, 0);
	fh = fx_enable(&x, 1);
	before = stats(&x);
	fake_device_error(x.dev[1]);
	EXPECT(zv_dispatch(x.m) >= 1);
	EXPECT(fx_event(&x, &ev));
	EXPECT_EQ(ev.kind, ZPCI_EVENT_ERROR);
	EXPECT_EQ(ev.pec, PEC_SERR);
	EXPECT_EQ(ev.fh, fh);
	EXPECT_EQ(ev.fid, zv_function_fid(x.fn[1]));
	EXPECT_EQ(ev.faddr, 0);				/* no address */
	EXPECT(!fx_event(&x, &ev));
	EXPECT_EQ(zv_function_state(x.fn[1]), ZV_FS_ERROR);
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_DISABLED);
	after = stats(&x);
	EXPECT_EQ(after.error_events, before.error_events + 1);
	EXPECT_EQ(after.iommu_faults, before.iommu_faults);	/* not an IOMMU fault */
	/* load/store is blocked in the error state: PCILG cc 1 */
	EXPECT_EQ(fx_pcilg(&x, fh, 0, 4, 0, NULL), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	fx_fini(&x);
}

TEST(device_error_on_a_disabled_function_keeps_its_state)
{
	struct fx x;
	struct zpci_event ev;

	fx_init(&x, 1, 0);
	fake_device_error(x.dev[0]);
	zv_dispatch(x.m);
	EXPECT(fx_event(&x, &ev));
	EXPECT_EQ(ev.kind, ZPCI_EVENT_ERROR);
	EXPECT_EQ(ev.pec, PEC_SERR);
	EXPECT_EQ(ev.fh, zv_function_fh(x.fn[0]));
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_DISABLED);
	fx_fini(&x);
}

TEST(iommu_fault_is_still_an_iommu_fault)
{
	struct fx x;
	struct zpci_event ev;

	/* the device_error flag defaults off: fake_fault is the old path */
	fx_init(&x, 1, 0);
	fx_enable(&x, 0);
	fake_fault(x.dev[0], 0x123000, true, false);
	zv_dispatch(x.m);
	EXPECT(fx_event(&x, &ev));
	EXPECT(ev.pec != PEC_SERR);
	EXPECT_EQ(ev.faddr, 0x123000);
	EXPECT_EQ(stats(&x).iommu_faults, 1);
	fx_fini(&x);
}

/* Recovery resets the device after an error the device reported itself,
 * and only then: an IOMMU fault (the guest's own tables) needs no reset. */
TEST(recovery_resets_the_device_after_a_device_error_only)
{
	struct fx x;
	struct zpci_event ev;
	uint32_t fh;
	unsigned r0;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	r0 = x.dev[0]->resets;
	fake_fault(x.dev[0], 0x123000, true, false);
	zv_dispatch(x.m);
	EXPECT(fx_event(&x, &ev));
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_RESET_ERROR), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(x.dev[0]->resets, r0);		/* IOMMU fault: no reset */
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_ENABLED);
	fake_device_error(x.dev[0]);
	zv_dispatch(x.m);
	EXPECT(fx_event(&x, &ev));
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_ERROR);
	EXPECT_EQ(x.dev[0]->resets, r0);		/* not before the recovery */
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_RESET_ERROR), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(x.dev[0]->resets, r0 + 1);
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_ENABLED);
	/* once: a later recovery from an IOMMU fault does not reset again */
	fake_fault(x.dev[0], 0x124000, true, false);
	zv_dispatch(x.m);
	EXPECT(fx_event(&x, &ev));
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_RESET_ERROR), 0);
	EXPECT_EQ(x.dev[0]->resets, r0 + 1);
	fx_fini(&x);
}

/* A host function keeps its host UID when that is free; a taken one, or no
 * host UID, gives the lowest free UID; an explicit uid= wins. */
TEST(host_uid_kept_when_free)
{
	struct fx x;
	struct dev_zpci z = { .has_uid = true, .uid = 42 };
	unsigned a, b, c;

	fx_init(&x, 0, 0);
	a = add_fn(&x, &z);
	EXPECT_EQ(zv_function_uid(x.fn[a]), 42);
	b = add_fn(&x, &z);			/* 42 is taken now */
	EXPECT_EQ(zv_function_uid(x.fn[b]), 1);
	z.has_uid = false;
	z.uid = 7;				/* not to be used without has_uid */
	c = add_fn(&x, &z);
	EXPECT_EQ(zv_function_uid(x.fn[c]), 2);
	struct fake_dev *d = fake_dev_new(8);
	d->has_zpci = true;
	d->zpci = (struct dev_zpci){ .has_uid = true, .uid = 100 };
	struct zv_function *f = zv_function_add(x.m, &d->dev, 9, ZV_FID_AUTO);
	EXPECT(f != NULL);
	if (f)
		EXPECT_EQ(zv_function_uid(f), 9);
	else
		d->dev.ops->destroy(&d->dev);
	fx_fini(&x);
}
