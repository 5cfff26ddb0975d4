/* SPDX-License-Identifier: MIT */
/*
 * RPCIT (Refresh PCI Translations, B9D3): instruction checks, the walk of
 * the guest's region-third / segment / page tables over the refreshed range
 * and the shadow of host mappings it keeps in the backend's IOMMU.
 * Expectations come from the architecture reference: §4.1-§4.7 (IOTA, table
 * formats, aperture, RPCIT semantics, DMA limit), §6.6 (error events) and
 * §11 (QEMU walk bugs that must not be repeated).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/clp.h"
#include "arch/codes.h"
#include "arch/events.h"
#include "dma_env.h"
#include "fakes.h"
#include "harness.h"

#define RPCIT_OP 0xb9d3

static void setup(struct env *e, uint64_t pba, uint64_t pal)
{
	fx_init(&e->x, 1, 0);
	e->fh = fx_enable(&e->x, 0);
	e->d = e->x.dev[0];
	e->fn = e->x.fn[0];
	e->next = TABLES;
	EXPECT_EQ(fx_reg_ioat(&e->x, e->fh, RT, pba, pal), 0);
	EXPECT_EQ(fx_cc(&e->x), 0);
}

/* the page at iova is mapped to frame with the given write permission */
static void check_map(struct env *e, uint64_t iova, uint64_t frame, bool write, int line)
{
	void *host = NULL;
	bool w = !write;

	if (!fake_lookup(e->d, iova, &host, &w)) {
		th_fail(__FILE__, line, "iova %#" PRIx64 " not mapped", iova);
		return;
	}
	if (host != (void *)(e->x.ram + frame))
		th_fail(__FILE__, line, "iova %#" PRIx64 " mapped to ram+%#tx, want ram+%#" PRIx64,
			iova, (uint8_t *)host - e->x.ram, frame);
	if (w != write)
		th_fail(__FILE__, line, "iova %#" PRIx64 " write=%d, want %d", iova, w, write);
}
#define EXPECT_MAP(e, iova, frame, write) check_map((e), (iova), (frame), (write), __LINE__)

/* Host mappings are coalesced: one backend mapping per run of pages
 * contiguous in IOVA and in host memory with one permission. This checks
 * that exactly one live backend mapping is [iova, iova + npages pages) ->
 * ram + frame with the given permission. */
static void check_hostmap(struct env *e, uint64_t iova, uint64_t npages, uint64_t frame,
			  bool write, int line)
{
	for (unsigned i = 0; i < e->d->nmaps; i++) {
		const struct fake_map *mp = &e->d->maps[i];

		if (mp->iova != iova)
			continue;
		if (mp->size != npages * PG || mp->host != (void *)(e->x.ram + frame) ||
		    mp->write != write)
			th_fail(__FILE__, line,
				"mapping at iova %#" PRIx64 ": %#" PRIx64 " bytes -> ram+%#tx w%d;"
				" want %#" PRIx64 " bytes -> ram+%#" PRIx64 " w%d", iova, mp->size,
				(uint8_t *)mp->host - e->x.ram, mp->write, (uint64_t)(npages * PG), frame,
				write);
		return;
	}
	th_fail(__FILE__, line, "no backend mapping starts at iova %#" PRIx64, iova);
}
#define EXPECT_HOSTMAP(e, iova, npages, frame, write) \
	check_hostmap((e), (iova), (npages), (frame), (write), __LINE__)

/* cc 1 status 8, function in error, exactly one error event (pec, faddr,
 * current handle and FID) */
static void check_err(struct env *e, uint64_t start, uint64_t len, uint16_t pec, uint64_t faddr,
		      int line)
{
	struct zpci_event ev;
	int rc = fx_rpcit(&e->x, e->fh, start, len);

	if (rc != 0) {
		th_fail(__FILE__, line, "RPCIT raised program exception %d", rc);
		return;
	}
	if (fx_cc(&e->x) != 1 || fx_status(&e->x, 1) != ZPCI_ST_ERROR)
		th_fail(__FILE__, line, "cc %d status %u, want cc 1 status 8", fx_cc(&e->x),
			fx_status(&e->x, 1));
	if ((uint32_t)(e->x.cpu.gpr[1] >> 32) != e->fh)
		th_fail(__FILE__, line, "R1 handle clobbered");
	if (zv_function_state(e->x.fn[0]) != ZV_FS_ERROR)
		th_fail(__FILE__, line, "state %d, want ZV_FS_ERROR",
			(int)zv_function_state(e->x.fn[0]));
	if (!fx_event(&e->x, &ev)) {
		th_fail(__FILE__, line, "no error event");
		return;
	}
	if (ev.kind != ZPCI_EVENT_ERROR || ev.pec != pec || ev.faddr != faddr ||
	    ev.fh != zv_function_fh(e->x.fn[0]) || ev.fid != zv_function_fid(e->x.fn[0]))
		th_fail(__FILE__, line,
			"event kind %d pec %#x faddr %#" PRIx64 " fh %#x fid %#x; want pec %#x faddr %#" PRIx64
			" fh %#x fid %#x", (int)ev.kind, ev.pec, ev.faddr, ev.fh, ev.fid, pec, faddr,
			zv_function_fh(e->x.fn[0]), zv_function_fid(e->x.fn[0]));
	if (fx_event(&e->x, &ev))
		th_fail(__FILE__, line, "more than one event (second pec %#x)", ev.pec);
}
#define EXPECT_RPCIT_ERR(e, start, len, pec, faddr) \
	check_err((e), (start), (len), (pec), (faddr), __LINE__)

static uint32_t clp_disable(struct fx *x, uint32_t fh)
{
	memset(x->ram + FX_LPCB, 0, 8192);
	fx_w32(x, FX_LPCB + CLP_SFN_RQ_FH, fh);
	fx_w8(x, FX_LPCB + CLP_SFN_RQ_OC, CLP_SFN_OC_DISABLE);
	EXPECT_EQ(fx_clp(x, CLP_SET_PCI_FN, 4096 - 32, NULL), CLP_RC_OK);
	return fx_r32(x, FX_LPCB + 32 + CLP_SFN_RS_FH);
}

/* A walk that runs away (e.g. an unsaturated or unclipped range) must fail
 * the binary, not hang it: a watchdog for the whole run. Output is line
 * buffered so the last "ok" line names the test before the one that hung. */
static void on_alarm(int sig)
{
	static const char msg[] = "test_rpcit: timed out (RPCIT hang?)\n0 passed, 1 failed\n";

	(void)sig;
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(2);
}

__attribute__((constructor)) static void watchdog(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, on_alarm);
	alarm(120);
}

/* ---- instruction checks ---------------------------------------------- */

TEST(rpcit_problem_state_is_privileged_operation)
{
	struct env e;

	setup(&e, PBA, PAL);
	map(&e, PBA, FRAMES, false);
	e.x.cpu.psw_mask |= ZV_PSW_MASK_PSTATE;
	EXPECT_EQ(fx_rpcit(&e.x, e.fh, PBA, PG), ZV_PGM_PRIVILEGED);
	EXPECT_EQ(e.d->nmaps, 0);
	EXPECT_EQ(e.d->map_calls, 0);
	fx_fini(&e.x);
}

TEST(rpcit_odd_r2_is_specification)
{
	struct env e;

	setup(&e, PBA, PAL);
	map(&e, PBA, FRAMES, false);
	e.x.cpu.gpr[1] = (uint64_t)e.fh << 32;
	e.x.cpu.gpr[3] = PBA;
	e.x.cpu.gpr[4] = PG;
	EXPECT_EQ(fx_rre(&e.x, RPCIT_OP, 1, 3), ZV_PGM_SPECIFICATION);
	EXPECT_EQ(e.d->nmaps, 0);
	fx_fini(&e.x);
}

TEST(rpcit_handle_without_enable_bit_is_cc3)
{
	struct env e;

	setup(&e, PBA, PAL);
	map(&e, PBA, FRAMES, false);
	EXPECT_EQ(fx_rpcit(&e.x, e.fh & ~0x80000000u, PBA, PG), 0);
	EXPECT_EQ(fx_cc(&e.x), 3);
	EXPECT_EQ(e.d->nmaps, 0);
	fx_fini(&e.x);
}

TEST(rpcit_unknown_handle_is_cc3)
{
	struct env e;

	setup(&e, PBA, PAL);
	map(&e, PBA, FRAMES, false);
	EXPECT_EQ(fx_rpcit(&e.x, (e.fh & ~0xffffu) | 0x77, PBA, PG), 0);
	EXPECT_EQ(fx_cc(&e.x), 3);
	EXPECT_EQ(fx_rpcit(&e.x, e.fh ^ 0x01000000u, PBA, PG), 0);	/* other instance */
	EXPECT_EQ(fx_cc(&e.x), 3);
	EXPECT_EQ(e.d->nmaps, 0);
	fx_fini(&e.x);
}

TEST(rpcit_stale_handle_is_cc3)
{
	struct env e;
	uint32_t old, now;

	setup(&e, PBA, PAL);
	old = e.fh;
	clp_disable(&e.x, e.fh);
	now = fx_enable(&e.x, 0);
	EXPECT(now != old);
	EXPECT_EQ(fx_reg_ioat(&e.x, now, RT, PBA, PAL), 0);
	map(&e, PBA, FRAMES, false);
	EXPECT_EQ(fx_rpcit(&e.x, old, PBA, PG), 0);
	EXPECT_EQ(fx_cc(&e.x), 3);
	EXPECT_EQ(e.d->nmaps, 0);
	EXPECT_EQ(fx_rpcit(&e.x, now, PBA, PG), 0);
	EXPECT_EQ(fx_cc(&e.x), 0);
	EXPECT_MAP(&e, PBA, FRAMES, true);
	fx_fini(&e.x);
}

TEST(rpcit_disabled_function_is_cc3)
{
	struct fx x;
	uint32_t fh, dfh;

	fx_init(&x, 1, 0);
	/* never enabled: neither the handle nor the handle with the enable bit */
	fh = zv_function_fh(x.fn[0]);
	EXPECT_EQ(fx_rpcit(&x, fh, PBA, PG), 0);
	EXPECT_EQ(fx_cc(&x), 3);
	EXPECT_EQ(fx_rpcit(&x, fh | 0x80000000u, PBA, PG), 0);
	EXPECT_EQ(fx_cc(&x), 3);
	/* enabled, then disabled */
	fh = fx_enable(&x, 0);
	dfh = clp_disable(&x, fh);
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_DISABLED);
	EXPECT_EQ(fx_rpcit(&x, fh, PBA, PG), 0);
	EXPECT_EQ(fx_cc(&x), 3);
	EXPECT_EQ(fx_rpcit(&x, dfh, PBA, PG), 0);
	EXPECT_EQ(fx_cc(&x), 3);
	EXPECT_EQ(fx_rpcit(&x, dfh | 0x80000000u, PBA, PG), 0);
	EXPECT_EQ(fx_cc(&x), 3);
	fx_fini(&x);
}

TEST(rpcit_function_in_error_is_cc1_status40)
{
	struct env e;
	struct zpci_event ev;

	setup(&e, PBA, PAL);
	map(&e, PBA, FRAMES, false);
	/* put the function in error: an out-of-range refresh */
	EXPECT_RPCIT_ERR(&e, PAL + 1, PG, ZPCI_PEC_OUT_OF_RANGE, PAL + 1);
	e.x.cpu.gpr[1] = 0;
	EXPECT_EQ(fx_rpcit(&e.x, e.fh, PBA, PG), 0);
	EXPECT_EQ(fx_cc(&e.x), 1);
	EXPECT_EQ(fx_status(&e.x, 1), 40);
	EXPECT_EQ((e.x.cpu.gpr[1] >> 24) & 0xff, 40);	/* bits 32-39 */
	EXPECT_EQ(e.x.cpu.gpr[1] >> 32, e.fh);
	EXPECT_EQ(e.x.cpu.gpr[1] & 0xffffffULL, 0);
	EXPECT_EQ(e.d->nmaps, 0);
	EXPECT(!fx_event(&e.x, &ev));		/* no second event */
	EXPECT_EQ(zv_function_state(e.x.fn[0]), ZV_FS_ERROR);
	fx_fini(&e.x);
}

TEST(rpcit_without_ioat_is_pec1)
{
	struct env e;
	struct zpci_event ev;

	fx_init(&e.x, 1, 0);
	e.fh = fx_enable(&e.x, 0);
	e.d = e.x.dev[0];
	EXPECT_RPCIT_ERR(&e, PBA + 0x1234, PG, ZPCI_PEC_INVAL_AS, PBA + 0x1234);
	/* the event of check_err already compared fh and fid; once more by hand */
	EXPECT(!fx_event(&e.x, &ev));
	EXPECT_EQ(zv_function_state(e.x.fn[0]), ZV_FS_ERROR);
	fx_fini(&e.x);
}

TEST(rpcit_without_ioat_event_carries_current_handle)
{
	struct fx x;
	struct zpci_event ev;
	uint32_t fh;

	fx_init(&x, 2, 0);
	fh = fx_enable(&x, 1);
	fh = clp_disable(&x, fh);
	fh = fx_enable(&x, 1);			/* a handle that changed twice */
	EXPECT_EQ(fx_rpcit(&x, fh, 0x123456789000ULL, 0x10), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 1), ZPCI_ST_ERROR);
	EXPECT_EQ(zv_function_state(x.fn[1]), ZV_FS_ERROR);
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_DISABLED);
	EXPECT(fx_event(&x, &ev));
	EXPECT_EQ(ev.kind, ZPCI_EVENT_ERROR);
	EXPECT_EQ(ev.pec, ZPCI_PEC_INVAL_AS);
	EXPECT_EQ(ev.fh, fh);
	EXPECT_EQ(ev.fh, zv_function_fh(x.fn[1]));
	EXPECT_EQ(ev.fid, zv_function_fid(x.fn[1]));
	EXPECT_EQ(ev.faddr, 0x123456789000ULL);
	EXPECT(!fx_event(&x, &ev));
	fx_fini(&x);
}

/* ---- the DMA window ---------------------------------------------------- */

TEST(rpcit_range_below_window_is_pec2)
{
	struct env e;

	setup(&e, PBA, PAL);
	map(&e, PBA, FRAMES, false);
	/* ends exactly one byte below PBA (QEMU's end < pba check is off by one) */
	EXPECT_RPCIT_ERR(&e, PBA - 0x10000, 0x10000, ZPCI_PEC_OUT_OF_RANGE, PBA - 0x10000);
	EXPECT_EQ(e.d->nmaps, 0);
	fx_fini(&e.x);
}

TEST(rpcit_range_far_below_window_is_pec2)
{
	struct env e;

	setup(&e, PBA, PAL);
	EXPECT_RPCIT_ERR(&e, 0x2000, PG, ZPCI_PEC_OUT_OF_RANGE, 0x2000);
	fx_fini(&e.x);
}

TEST(rpcit_range_above_window_is_pec2)
{
	struct env e;

	setup(&e, PBA, PAL);
	map(&e, PAL + 1 - PG, FRAMES, false);
	EXPECT_RPCIT_ERR(&e, PAL + 1, 0x10000, ZPCI_PEC_OUT_OF_RANGE, PAL + 1);
	EXPECT_EQ(e.d->nmaps, 0);
	fx_fini(&e.x);
}

TEST(rpcit_range_far_above_window_is_pec2)
{
	struct env e;

	setup(&e, PBA, PAL);
	EXPECT_RPCIT_ERR(&e, PAL + 0x40000001ULL, 5, ZPCI_PEC_OUT_OF_RANGE, PAL + 0x40000001ULL);
	fx_fini(&e.x);
}

TEST(rpcit_range_overlapping_window_start_is_clipped)
{
	struct env e;
	struct zpci_event ev;

	setup(&e, PBA, PAL);
	/* valid entries below PBA, in the region entry before the window */
	map(&e, PBA - PG, FRAMES + 0x10000, false);
	map(&e, PBA - 2 * PG, FRAMES + 0x11000, false);
	map(&e, PBA, FRAMES, false);
	map(&e, PBA + PG, FRAMES + 0x5000, false);
	map(&e, PBA + 2 * PG, FRAMES + 0x7000, false);
	EXPECT_EQ(rpcit_cc(&e, PBA - 2 * PG, 4 * PG), 0);
	EXPECT_MAP(&e, PBA, FRAMES, true);
	EXPECT_MAP(&e, PBA + PG, FRAMES + 0x5000, true);
	EXPECT_UNMAPPED(&e, PBA + 2 * PG);
	EXPECT_UNMAPPED(&e, PBA - PG);
	EXPECT_UNMAPPED(&e, PBA - 2 * PG);
	EXPECT_EQ(e.d->nmaps, 2);
	/* the region entry below the window may even be garbage: not walked */
	fx_w64(&e.x, rte_addr(PBA - PG), 0);
	EXPECT_EQ(rpcit_cc(&e, PBA - 0x100000, 0x100000 + 3 * PG), 0);
	EXPECT_MAP(&e, PBA + 2 * PG, FRAMES + 0x7000, true);
	EXPECT(!fx_event(&e.x, &ev));
	EXPECT_EQ(zv_function_state(e.x.fn[0]), ZV_FS_ENABLED);
	fx_fini(&e.x);
}

TEST(rpcit_range_overlapping_window_end_is_clipped)
{
	struct env e;
	struct zpci_event ev;

	setup(&e, PBA, PAL);
	map(&e, PAL + 1 - PG, FRAMES, false);
	map(&e, PAL + 1 - 2 * PG, FRAMES + 0x3000, false);
	map(&e, PAL + 1, FRAMES + 0x1000, false);	/* beyond PAL, same tables */
	map(&e, PAL + 1 + PG, FRAMES + 0x2000, false);
	EXPECT_EQ(rpcit_cc(&e, PAL + 1 - PG, 0x10000), 0);
	EXPECT_MAP(&e, PAL + 1 - PG, FRAMES, true);
	EXPECT_UNMAPPED(&e, PAL + 1 - 2 * PG);
	EXPECT_UNMAPPED(&e, PAL + 1);
	EXPECT_UNMAPPED(&e, PAL + 1 + PG);
	EXPECT_EQ(e.d->nmaps, 1);
	/* a garbage segment entry beyond PAL is not walked */
	fx_w64(&e.x, ste_addr(&e, PAL + 1), 0);
	EXPECT_EQ(rpcit_cc(&e, PAL + 1 - 2 * PG, 0x200000), 0);
	EXPECT_MAP(&e, PAL + 1 - 2 * PG, FRAMES + 0x3000, true);
	EXPECT_EQ(e.d->nmaps, 2);
	EXPECT(!fx_event(&e.x, &ev));
	fx_fini(&e.x);
}

TEST(rpcit_window_covering_range_is_clipped_both_ends)
{
	struct env e;
	uint64_t pba = PBA + 0x10000, pal = PBA + 0x1ffff;

	setup(&e, pba, pal);
	for (uint64_t a = PBA; a < PBA + 0x30000; a += PG)
		map(&e, a, FRAMES + (a - PBA), false);
	EXPECT_EQ(rpcit_cc(&e, PBA, 0x30000), 0);
	/* the 16 pages inside the window are contiguous: one mapping */
	EXPECT_EQ(e.d->nmaps, 1);
	EXPECT_HOSTMAP(&e, pba, 16, FRAMES + (pba - PBA), true);
	for (uint64_t a = PBA; a < PBA + 0x30000; a += PG) {
		if (a >= pba && a <= pal)
			EXPECT_MAP(&e, a, FRAMES + (a - PBA), true);
		else
			EXPECT_UNMAPPED(&e, a);
	}
	fx_fini(&e.x);
}

/* ---- mapping valid entries -------------------------------------------- */

TEST(rpcit_maps_valid_pages_in_range)
{
	struct env e;
	static const unsigned pages[] = { 0, 1, 2, 7, 255, 256, 300, 1000 };
	const unsigned n = sizeof(pages) / sizeof(pages[0]);

	setup(&e, PBA, PAL);
	for (unsigned i = 0; i < n; i++)
		map(&e, PBA + pages[i] * PG, FRAMES + (uint64_t)(n - i) * 0x3000, false);
	map(&e, PBA + 1001 * PG, FRAMES + 0x100000, false);	/* outside the range */
	EXPECT_EQ(rpcit_cc(&e, PBA, 1001 * PG), 0);
	for (unsigned i = 0; i < n; i++)
		EXPECT_MAP(&e, PBA + pages[i] * PG, FRAMES + (uint64_t)(n - i) * 0x3000, true);
	EXPECT_EQ(e.d->nmaps, n);
	EXPECT_UNMAPPED(&e, PBA + 3 * PG);
	EXPECT_UNMAPPED(&e, PBA + 1001 * PG);
	EXPECT(maps_inside_ram(&e));
	EXPECT_EQ(zv_function_state(e.x.fn[0]), ZV_FS_ENABLED);
	fx_fini(&e.x);
}

TEST(rpcit_pages_outside_range_untouched)
{
	struct env e;

	setup(&e, PBA, PAL);
	for (unsigned i = 0; i < 16; i++)
		map(&e, PBA + i * PG, FRAMES + i * PG, false);
	EXPECT_EQ(rpcit_cc(&e, PBA + 4 * PG, 4 * PG), 0);
	EXPECT_EQ(e.d->nmaps, 1);		/* pages 4..7, contiguous */
	EXPECT_HOSTMAP(&e, PBA + 4 * PG, 4, FRAMES + 4 * PG, true);
	for (unsigned i = 0; i < 16; i++) {
		if (i >= 4 && i < 8)
			EXPECT_MAP(&e, PBA + i * PG, FRAMES + i * PG, true);
		else
			EXPECT_UNMAPPED(&e, PBA + i * PG);
	}
	/* now invalidate everything; refresh pages 6..9 only */
	for (unsigned i = 0; i < 16; i++)
		fx_w64(&e.x, pte_addr(&e, PBA + i * PG), 0x400);
	EXPECT_EQ(rpcit_cc(&e, PBA + 6 * PG, 4 * PG), 0);
	EXPECT_MAP(&e, PBA + 4 * PG, FRAMES + 4 * PG, true);
	EXPECT_MAP(&e, PBA + 5 * PG, FRAMES + 5 * PG, true);
	EXPECT_UNMAPPED(&e, PBA + 6 * PG);
	EXPECT_UNMAPPED(&e, PBA + 7 * PG);
	EXPECT_UNMAPPED(&e, PBA + 8 * PG);
	EXPECT_UNMAPPED(&e, PBA + 3 * PG);
	/* the mapping of 4..7 was unmapped whole; its part outside the range
	 * (pages 4, 5) survives as one mapping */
	EXPECT_EQ(e.d->nmaps, 1);
	EXPECT_HOSTMAP(&e, PBA + 4 * PG, 2, FRAMES + 4 * PG, true);
	fx_fini(&e.x);
}

TEST(rpcit_length_zero_changes_nothing)
{
	struct env e;
	struct zpci_event ev;
	uint64_t mc, uc;

	setup(&e, PBA, PAL);
	map(&e, PBA, FRAMES, false);
	map(&e, PBA + PG, FRAMES + PG, false);
	EXPECT_EQ(rpcit_cc(&e, PBA, 0), 0);
	EXPECT_EQ(e.d->nmaps, 0);
	EXPECT_EQ(e.d->map_calls, 0);
	EXPECT_EQ(rpcit_cc(&e, PBA, PG), 0);
	EXPECT_EQ(e.d->nmaps, 1);
	fx_w64(&e.x, pte_addr(&e, PBA), 0x400);
	mc = e.d->map_calls;
	uc = e.d->unmap_calls;
	EXPECT_EQ(rpcit_cc(&e, PBA, 0), 0);
	EXPECT_EQ(rpcit_cc(&e, PBA + PG, 0), 0);
	EXPECT_MAP(&e, PBA, FRAMES, true);
	EXPECT_UNMAPPED(&e, PBA + PG);
	EXPECT_EQ(e.d->map_calls, mc);
	EXPECT_EQ(e.d->unmap_calls, uc);
	EXPECT(!fx_event(&e.x, &ev));
	EXPECT_EQ(zv_function_state(e.x.fn[0]), ZV_FS_ENABLED);
	fx_fini(&e.x);
}

/* ---- protection --------------------------------------------------------- */

TEST(rpcit_pte_protection_maps_read_only)
{
	struct env e;

	setup(&e, PBA, PAL);
	map(&e, PBA, FRAMES, true);
	map(&e, PBA + PG, FRAMES + PG, false);
	EXPECT_EQ(rpcit_cc(&e, PBA, 2 * PG), 0);
	EXPECT_MAP(&e, PBA, FRAMES, false);
	EXPECT_MAP(&e, PBA + PG, FRAMES + PG, true);
	/* protection dropped: writable again */
	fx_w64(&e.x, pte_addr(&e, PBA), FRAMES);
	fx_w64(&e.x, pte_addr(&e, PBA + PG), (FRAMES + PG) | 0x200);
	EXPECT_EQ(rpcit_cc(&e, PBA, 2 * PG), 0);
	EXPECT_MAP(&e, PBA, FRAMES, true);
	EXPECT_MAP(&e, PBA + PG, FRAMES + PG, false);
	EXPECT_EQ(e.d->nmaps, 2);
	fx_fini(&e.x);
}

TEST(rpcit_ste_protection_maps_read_only)
{
	struct env e;

	setup(&e, PBA, PAL);
	map(&e, PBA, FRAMES, false);
	map(&e, PBA + 5 * PG, FRAMES + 0x9000, false);
	map(&e, PBA + SEG, FRAMES + 0x20000, false);	/* next segment: writable */
	fx_w64(&e.x, ste_addr(&e, PBA), fx_r64(&e.x, ste_addr(&e, PBA)) | 0x200);
	EXPECT_EQ(rpcit_cc(&e, PBA, 2 * SEG), 0);
	EXPECT_MAP(&e, PBA, FRAMES, false);
	EXPECT_MAP(&e, PBA + 5 * PG, FRAMES + 0x9000, false);
	EXPECT_MAP(&e, PBA + SEG, FRAMES + 0x20000, true);
	fx_fini(&e.x);
}

TEST(rpcit_rte_protection_maps_read_only)
{
	struct env e;

	setup(&e, PBA, PAL4G);
	map(&e, PBA, FRAMES, false);
	map(&e, PBA + 3 * SEG + 7 * PG, FRAMES + 0x4000, false);
	map(&e, PBA + REG, FRAMES + 0x8000, false);	/* next region entry */
	fx_w64(&e.x, rte_addr(PBA), fx_r64(&e.x, rte_addr(PBA)) | 0x200);
	EXPECT_EQ(rpcit_cc(&e, PBA, REG + PG), 0);
	EXPECT_MAP(&e, PBA, FRAMES, false);
	EXPECT_MAP(&e, PBA + 3 * SEG + 7 * PG, FRAMES + 0x4000, false);
	EXPECT_MAP(&e, PBA + REG, FRAMES + 0x8000, true);
	EXPECT_EQ(e.d->nmaps, 3);
	fx_fini(&e.x);
}

/* ---- invalidation and change -------------------------------------------- */

TEST(rpcit_invalid_pte_unmaps_exactly_that_page)
{
	struct env e;

	setup(&e, PBA, PAL);
	for (unsigned i = 0; i < 8; i++)
		map(&e, PBA + i * PG, FRAMES + i * PG, false);
	EXPECT_EQ(rpcit_cc(&e, PBA, 8 * PG), 0);
	EXPECT_EQ(e.d->nmaps, 1);		/* 8 contiguous pages */
	EXPECT_HOSTMAP(&e, PBA, 8, FRAMES, true);
	fx_w64(&e.x, pte_addr(&e, PBA + 3 * PG), 0x400);
	EXPECT_EQ(rpcit_cc(&e, PBA, 8 * PG), 0);
	EXPECT_EQ(e.d->nmaps, 2);		/* pages 0..2 and 4..7 */
	EXPECT_HOSTMAP(&e, PBA, 3, FRAMES, true);
	EXPECT_HOSTMAP(&e, PBA + 4 * PG, 4, FRAMES + 4 * PG, true);
	for (unsigned i = 0; i < 8; i++) {
		if (i == 3)
			EXPECT_UNMAPPED(&e, PBA + i * PG);
		else
			EXPECT_MAP(&e, PBA + i * PG, FRAMES + i * PG, true);
	}
	/* an invalid PTE that keeps its old frame bits is still invalid */
	fx_w64(&e.x, pte_addr(&e, PBA + 5 * PG), (FRAMES + 5 * PG) | 0x400);
	EXPECT_EQ(rpcit_cc(&e, PBA + 5 * PG, PG), 0);
	for (unsigned i = 0; i < 8; i++) {
		if (i == 3 || i == 5)
			EXPECT_UNMAPPED(&e, PBA + i * PG);
		else
			EXPECT_MAP(&e, PBA + i * PG, FRAMES + i * PG, true);
	}
	/* 4..7 split around page 5: survivors 4 and 6..7 */
	EXPECT_EQ(e.d->nmaps, 3);
	EXPECT_HOSTMAP(&e, PBA, 3, FRAMES, true);
	EXPECT_HOSTMAP(&e, PBA + 4 * PG, 1, FRAMES + 4 * PG, true);
	EXPECT_HOSTMAP(&e, PBA + 6 * PG, 2, FRAMES + 6 * PG, true);
	fx_fini(&e.x);
}

TEST(rpcit_invalid_ste_unmaps_covered_part_of_segment)
{
	struct env e;

	setup(&e, PBA, PAL);
	for (unsigned i = 0; i < 256; i++)
		map(&e, PBA + SEG + i * PG, FRAMES + i * PG, false);
	map(&e, PBA + 2 * SEG, FRAMES + 0x200000, false);
	map(&e, PBA + SEG - PG, FRAMES + 0x300000, false);
	EXPECT_EQ(rpcit_cc(&e, PBA, 3 * SEG), 0);
	/* segment 1 is one contiguous run; the two single pages do not touch
	 * it in host memory */
	EXPECT_EQ(e.d->nmaps, 3);
	EXPECT_HOSTMAP(&e, PBA + SEG, 256, FRAMES, true);
	EXPECT_HOSTMAP(&e, PBA + SEG - PG, 1, FRAMES + 0x300000, true);
	EXPECT_HOSTMAP(&e, PBA + 2 * SEG, 1, FRAMES + 0x200000, true);
	fx_w64(&e.x, ste_addr(&e, PBA + SEG), 0x20);
	/* refresh the second half of segment 1 and the head of segment 2 */
	EXPECT_EQ(rpcit_cc(&e, PBA + SEG + 0x80000, 0x80000 + PG), 0);
	for (unsigned i = 0; i < 256; i++) {
		if (i < 128)
			EXPECT_MAP(&e, PBA + SEG + i * PG, FRAMES + i * PG, true);
		else
			EXPECT_UNMAPPED(&e, PBA + SEG + i * PG);
	}
	EXPECT_MAP(&e, PBA + 2 * SEG, FRAMES + 0x200000, true);
	EXPECT_MAP(&e, PBA + SEG - PG, FRAMES + 0x300000, true);
	/* the first half of segment 1 survives as one mapping */
	EXPECT_EQ(e.d->nmaps, 3);
	EXPECT_HOSTMAP(&e, PBA + SEG, 128, FRAMES, true);
	/* the whole segment */
	EXPECT_EQ(rpcit_cc(&e, PBA, 3 * SEG), 0);
	for (unsigned i = 0; i < 256; i++)
		EXPECT_UNMAPPED(&e, PBA + SEG + i * PG);
	EXPECT_EQ(e.d->nmaps, 2);
	fx_fini(&e.x);
}

TEST(rpcit_invalid_rte_unmaps_its_span_within_range)
{
	struct env e;
	static const uint64_t off[] = { 0, PG, 0x40000000ULL, 0x40000000ULL + 37 * PG,
					REG - PG };
	const unsigned n = sizeof(off) / sizeof(off[0]);

	setup(&e, PBA, PAL4G);
	for (unsigned i = 0; i < n; i++)
		map(&e, PBA + off[i], FRAMES + i * PG, false);
	map(&e, PBA + REG, FRAMES + 0x100000, false);
	EXPECT_EQ(rpcit_cc(&e, PBA, PAL4G - PBA + 1), 0);
	for (unsigned i = 0; i < n; i++)
		EXPECT_MAP(&e, PBA + off[i], FRAMES + i * PG, true);
	/* pages 0 and 1 are contiguous (frames FRAMES, FRAMES + PG): n + 1
	 * pages in n mappings */
	EXPECT_EQ(e.d->nmaps, n);
	EXPECT_HOSTMAP(&e, PBA, 2, FRAMES, true);
	fx_w64(&e.x, rte_addr(PBA), 0x20);
	/* from the second page of the region entry into the next one */
	EXPECT_EQ(rpcit_cc(&e, PBA + PG, REG), 0);
	EXPECT_MAP(&e, PBA, FRAMES, true);	/* before the range */
	for (unsigned i = 1; i < n; i++)
		EXPECT_UNMAPPED(&e, PBA + off[i]);
	EXPECT_MAP(&e, PBA + REG, FRAMES + 0x100000, true);
	EXPECT_EQ(e.d->nmaps, 2);
	EXPECT_HOSTMAP(&e, PBA, 1, FRAMES, true);	/* survivor of pages 0..1 */
	fx_fini(&e.x);
}

TEST(rpcit_changed_frame_is_remapped)
{
	struct env e;

	setup(&e, PBA, PAL);
	map(&e, PBA, FRAMES, false);
	map(&e, PBA + PG, FRAMES + PG, false);
	EXPECT_EQ(rpcit_cc(&e, PBA, 2 * PG), 0);
	EXPECT_MAP(&e, PBA, FRAMES, true);
	fx_w64(&e.x, pte_addr(&e, PBA), FRAMES + 0x123000);
	EXPECT_EQ(rpcit_cc(&e, PBA, 2 * PG), 0);
	EXPECT_MAP(&e, PBA, FRAMES + 0x123000, true);
	EXPECT_MAP(&e, PBA + PG, FRAMES + PG, true);
	EXPECT_EQ(e.d->nmaps, 2);
	EXPECT(maps_inside_ram(&e));
	fx_fini(&e.x);
}

TEST(rpcit_unchanged_page_no_new_map_call)
{
	struct env e;
	uint64_t mc, uc;

	setup(&e, PBA, PAL);
	/* contiguous frames, page 2 read-only: runs 0..1 | 2 | 3 */
	for (unsigned i = 0; i < 4; i++)
		map(&e, PBA + i * PG, FRAMES + i * PG, i == 2);
	EXPECT_EQ(rpcit_cc(&e, PBA, 4 * PG), 0);
	mc = e.d->map_calls;
	uc = e.d->unmap_calls;
	EXPECT_EQ(mc, 3);
	EXPECT_EQ(e.d->nmaps, 3);
	EXPECT_HOSTMAP(&e, PBA, 2, FRAMES, true);
	EXPECT_HOSTMAP(&e, PBA + 2 * PG, 1, FRAMES + 2 * PG, false);
	EXPECT_HOSTMAP(&e, PBA + 3 * PG, 1, FRAMES + 3 * PG, true);
	EXPECT_EQ(rpcit_cc(&e, PBA, 4 * PG), 0);
	EXPECT_EQ(rpcit_cc(&e, PBA + PG, PG), 0);		/* inside a mapping */
	EXPECT_EQ(rpcit_cc(&e, PBA - 0x10000, PAL4G), 0);	/* a larger refresh */
	EXPECT_EQ(e.d->map_calls, mc);
	EXPECT_EQ(e.d->unmap_calls, uc);
	EXPECT_EQ(e.d->nmaps, 3);
	/* one changed page that has a mapping of its own: exactly one unmap
	 * and one map call, the other pages untouched */
	fx_w64(&e.x, pte_addr(&e, PBA + 3 * PG), FRAMES + 0x50000);
	EXPECT_EQ(rpcit_cc(&e, PBA, 4 * PG), 0);
	EXPECT_EQ(e.d->map_calls, mc + 1);
	EXPECT_EQ(e.d->unmap_calls, uc + 1);
	EXPECT_MAP(&e, PBA + 3 * PG, FRAMES + 0x50000, true);
	EXPECT_HOSTMAP(&e, PBA, 2, FRAMES, true);
	EXPECT_HOSTMAP(&e, PBA + 2 * PG, 1, FRAMES + 2 * PG, false);
	EXPECT_EQ(e.d->nmaps, 3);
	/* a changed page inside a two-page mapping: that mapping is unmapped
	 * (one call) and its unchanged page is mapped again next to the new
	 * one (they no longer touch in host memory: two map calls) */
	mc = e.d->map_calls;
	uc = e.d->unmap_calls;
	fx_w64(&e.x, pte_addr(&e, PBA + PG), FRAMES + 0x60000);
	EXPECT_EQ(rpcit_cc(&e, PBA, 4 * PG), 0);
	EXPECT_EQ(e.d->unmap_calls, uc + 1);
	EXPECT_EQ(e.d->map_calls, mc + 2);
	EXPECT_MAP(&e, PBA, FRAMES, true);
	EXPECT_MAP(&e, PBA + PG, FRAMES + 0x60000, true);
	EXPECT_MAP(&e, PBA + 2 * PG, FRAMES + 2 * PG, false);
	EXPECT_MAP(&e, PBA + 3 * PG, FRAMES + 0x50000, true);
	EXPECT_EQ(e.d->nmaps, 4);
	fx_fini(&e.x);
}

/* ---- format control ----------------------------------------------------- */

TEST(rpcit_ste_format_control_maps_1m_frame)
{
	struct env e;
	const uint64_t frame = 0x2000000;	/* 32 MiB, 1 MiB aligned */

	setup(&e, PBA, PAL);
	map(&e, PBA + 2 * SEG, FRAMES, false);		/* create the segment table */
	fx_w64(&e.x, ste_addr(&e, PBA + SEG), frame | 0x400);
	EXPECT_EQ(rpcit_cc(&e, PBA, 3 * SEG), 0);
	for (unsigned i = 0; i < 256; i++)
		EXPECT_MAP(&e, PBA + SEG + i * PG, frame + i * PG, true);
	EXPECT_MAP(&e, PBA + 2 * SEG, FRAMES, true);
	EXPECT_UNMAPPED(&e, PBA + SEG - PG);
	/* the 1 MiB frame is one mapping, the page after it another */
	EXPECT_EQ(e.d->nmaps, 2);
	EXPECT_HOSTMAP(&e, PBA + SEG, 256, frame, true);
	EXPECT_HOSTMAP(&e, PBA + 2 * SEG, 1, FRAMES, true);
	EXPECT(maps_inside_ram(&e));
	/* protected large frame */
	fx_w64(&e.x, ste_addr(&e, PBA + SEG), frame | 0x400 | 0x200);
	EXPECT_EQ(rpcit_cc(&e, PBA + SEG, SEG), 0);
	for (unsigned i = 0; i < 256; i++)
		EXPECT_MAP(&e, PBA + SEG + i * PG, frame + i * PG, false);
	EXPECT_EQ(e.d->nmaps, 2);
	EXPECT_HOSTMAP(&e, PBA + SEG, 256, frame, false);
	/* unaligned start inside a large frame */
	fx_w64(&e.x, ste_addr(&e, PBA + SEG), (frame + SEG) | 0x400);
	EXPECT_EQ(rpcit_cc(&e, PBA + SEG + 0x1800, 0x2000), 0);
	EXPECT_MAP(&e, PBA + SEG, frame, false);		/* not refreshed */
	for (unsigned i = 1; i <= 3; i++)
		EXPECT_MAP(&e, PBA + SEG + i * PG, frame + SEG + i * PG, true);
	for (unsigned i = 4; i < 256; i++)			/* not refreshed */
		EXPECT_MAP(&e, PBA + SEG + i * PG, frame + i * PG, false);
	/* the 1 MiB mapping was split: survivor, refreshed pages, survivor */
	EXPECT_EQ(e.d->nmaps, 4);
	EXPECT_HOSTMAP(&e, PBA + SEG, 1, frame, false);
	EXPECT_HOSTMAP(&e, PBA + SEG + PG, 3, frame + SEG + PG, true);
	EXPECT_HOSTMAP(&e, PBA + SEG + 4 * PG, 252, frame + 4 * PG, false);
	EXPECT(maps_inside_ram(&e));
	fx_fini(&e.x);
}

/* ---- QEMU walk bugs (reference §11) -------------------------------------- */

static const uint64_t scattered[] = { 0x3a000, 0x11000, 0x7f000, 0x25000, 0x02000, 0x63000 };

TEST(rpcit_unaligned_start_maps_each_page_own_frame)
{
	struct env e;

	setup(&e, PBA, PAL);
	for (unsigned i = 0; i < 6; i++)
		map(&e, PBA + i * PG, FRAMES + scattered[i], false);
	EXPECT_EQ(rpcit_cc(&e, PBA + 0x1800, 0x2000), 0);
	EXPECT_UNMAPPED(&e, PBA);
	for (unsigned i = 1; i <= 3; i++)
		EXPECT_MAP(&e, PBA + i * PG, FRAMES + scattered[i], true);
	EXPECT_UNMAPPED(&e, PBA + 4 * PG);
	EXPECT_UNMAPPED(&e, PBA + 5 * PG);
	EXPECT_EQ(e.d->nmaps, 3);
	fx_fini(&e.x);
}

TEST(rpcit_unaligned_start_across_segment_boundary)
{
	struct env e;
	const uint64_t base = PBA + SEG - 2 * PG;	/* pages 254, 255 | 0, 1, 2, 3 */

	setup(&e, PBA, PAL);
	for (unsigned i = 0; i < 6; i++)
		map(&e, base + i * PG, FRAMES + scattered[i], false);
	EXPECT_EQ(rpcit_cc(&e, base + PG + 0x10, 3 * PG), 0);	/* pages 1..4 */
	EXPECT_UNMAPPED(&e, base);
	for (unsigned i = 1; i <= 4; i++)
		EXPECT_MAP(&e, base + i * PG, FRAMES + scattered[i], true);
	EXPECT_UNMAPPED(&e, base + 5 * PG);
	EXPECT_EQ(e.d->nmaps, 4);
	fx_fini(&e.x);
}

TEST(rpcit_after_invalid_ste_next_segment_head_mapped)
{
	struct env e;

	setup(&e, PBA, PAL);
	map(&e, PBA + 0x80000, FRAMES, false);
	map(&e, PBA + 0x81000, FRAMES + 0x9000, false);
	map(&e, PBA + SEG, FRAMES + 0x1000, false);	/* segment 1: then invalidated */
	map(&e, PBA + 2 * SEG, FRAMES + 0x5000, false);
	map(&e, PBA + 2 * SEG + PG, FRAMES + 0x3000, false);
	map(&e, PBA + 2 * SEG + 0x80000, FRAMES + 0x7000, false);
	EXPECT_EQ(rpcit_cc(&e, PBA, 3 * SEG), 0);
	EXPECT_EQ(e.d->nmaps, 6);
	fx_w64(&e.x, ste_addr(&e, PBA + SEG), 0x20);
	/* move segment 2's frames so that the refresh must re-map them */
	fx_w64(&e.x, pte_addr(&e, PBA + 2 * SEG), FRAMES + 0x15000);
	fx_w64(&e.x, pte_addr(&e, PBA + 2 * SEG + PG), FRAMES + 0x13000);
	fx_w64(&e.x, pte_addr(&e, PBA + 2 * SEG + 0x80000), FRAMES + 0x17000);
	EXPECT_EQ(rpcit_cc(&e, PBA + 0x80800, 2 * SEG + 0x1000), 0);
	EXPECT_MAP(&e, PBA + 0x80000, FRAMES, true);
	EXPECT_MAP(&e, PBA + 0x81000, FRAMES + 0x9000, true);
	EXPECT_UNMAPPED(&e, PBA + SEG);
	EXPECT_MAP(&e, PBA + 2 * SEG, FRAMES + 0x15000, true);
	EXPECT_MAP(&e, PBA + 2 * SEG + PG, FRAMES + 0x13000, true);
	EXPECT_MAP(&e, PBA + 2 * SEG + 0x80000, FRAMES + 0x17000, true);
	EXPECT_EQ(e.d->nmaps, 5);
	fx_fini(&e.x);
}

TEST(rpcit_after_invalid_rte_next_region_head_mapped)
{
	struct env e;

	setup(&e, PBA, PAL4G);
	map(&e, PBA + 0x12000, FRAMES, false);
	map(&e, PBA + REG, FRAMES + 0x5000, false);
	map(&e, PBA + REG + PG, FRAMES + 0x3000, false);
	fx_w64(&e.x, rte_addr(PBA), 0x20);
	EXPECT_EQ(rpcit_cc(&e, PBA + 0x12345, REG), 0);
	EXPECT_UNMAPPED(&e, PBA + 0x12000);
	EXPECT_MAP(&e, PBA + REG, FRAMES + 0x5000, true);
	EXPECT_MAP(&e, PBA + REG + PG, FRAMES + 0x3000, true);
	EXPECT_EQ(e.d->nmaps, 2);
	fx_fini(&e.x);
}

/* ---- translation errors ----------------------------------------------- */

TEST(rpcit_zero_rte_is_pec7)
{
	struct env e;

	setup(&e, PBA, PAL4G);
	map(&e, PBA + REG - 2 * PG, FRAMES, false);
	map(&e, PBA + REG - PG, FRAMES + PG, false);
	fx_w64(&e.x, rte_addr(PBA + REG), 0);
	EXPECT_RPCIT_ERR(&e, PBA + REG - 2 * PG, 4 * PG, ZPCI_PEC_INVAL_TE, PBA + REG);
	fx_fini(&e.x);
}

TEST(rpcit_zero_ste_is_pec7)
{
	struct env e;

	setup(&e, PBA, PAL);
	map(&e, PBA, FRAMES, false);
	fx_w64(&e.x, ste_addr(&e, PBA + SEG), 0);
	EXPECT_RPCIT_ERR(&e, PBA, 2 * SEG, ZPCI_PEC_INVAL_TE, PBA + SEG);
	fx_fini(&e.x);
}

TEST(rpcit_zero_pte_is_pec7)
{
	struct env e;

	setup(&e, PBA, PAL);
	for (unsigned i = 0; i < 8; i++)
		map(&e, PBA + i * PG, FRAMES + i * PG, false);
	fx_w64(&e.x, pte_addr(&e, PBA + 5 * PG), 0);
	EXPECT_RPCIT_ERR(&e, PBA, 8 * PG, ZPCI_PEC_INVAL_TE, PBA + 5 * PG);
	fx_fini(&e.x);
}

TEST(rpcit_rte_table_length_not_3_is_pec8)
{
	struct env e;
	uint64_t rte;

	setup(&e, PBA, PAL);
	map(&e, PBA, FRAMES, false);
	rte = fx_r64(&e.x, rte_addr(PBA));
	for (uint64_t tl = 0; tl < 3; tl++) {
		fx_w64(&e.x, rte_addr(PBA), (rte & ~3ULL) | tl);
		EXPECT_RPCIT_ERR(&e, PBA + 0x3000, PG, ZPCI_PEC_INVAL_TL, PBA + 0x3000);
		EXPECT_EQ(fx_mpcifc(&e.x, e.fh, 0, 7), 0);	/* reset error */
		EXPECT_EQ(fx_cc(&e.x), 0);
	}
	fx_fini(&e.x);
}

TEST(rpcit_rte_table_offset_nonzero_is_pec8)
{
	struct env e;
	uint64_t rte;

	setup(&e, PBA, PAL);
	map(&e, PBA, FRAMES, false);
	rte = fx_r64(&e.x, rte_addr(PBA));
	for (uint64_t tf = 0x40; tf <= 0xc0; tf += 0x40) {
		fx_w64(&e.x, rte_addr(PBA), rte | tf);
		EXPECT_RPCIT_ERR(&e, PBA, PG, ZPCI_PEC_INVAL_TL, PBA);
		EXPECT_EQ(fx_mpcifc(&e.x, e.fh, 0, 7), 0);
		EXPECT_EQ(fx_cc(&e.x), 0);
	}
	fx_fini(&e.x);
}

TEST(rpcit_rte_wrong_type_is_pec9)
{
	struct env e;
	uint64_t rte;

	setup(&e, PBA, PAL);
	map(&e, PBA, FRAMES, false);
	rte = fx_r64(&e.x, rte_addr(PBA));
	fx_w64(&e.x, rte_addr(PBA), (rte & ~0xcULL) | 0x8);	/* region-second type */
	EXPECT_RPCIT_ERR(&e, PBA, PG, ZPCI_PEC_TABLE_TYPE, PBA);
	EXPECT_EQ(e.d->nmaps, 0);
	fx_fini(&e.x);
}

TEST(rpcit_rte_segment_type_is_pec9)
{
	struct env e;
	uint64_t rte;

	setup(&e, PBA, PAL);
	map(&e, PBA, FRAMES, false);
	rte = fx_r64(&e.x, rte_addr(PBA));
	fx_w64(&e.x, rte_addr(PBA), rte & ~0xcULL);	/* type 0 */
	EXPECT_RPCIT_ERR(&e, PBA, PG, ZPCI_PEC_TABLE_TYPE, PBA);
	fx_fini(&e.x);
}

TEST(rpcit_ste_wrong_type_is_pec9)
{
	struct env e;
	uint64_t ste;

	setup(&e, PBA, PAL);
	map(&e, PBA, FRAMES, false);
	map(&e, PBA + SEG, FRAMES + PG, false);
	ste = fx_r64(&e.x, ste_addr(&e, PBA + SEG));
	fx_w64(&e.x, ste_addr(&e, PBA + SEG), ste | 0x4);	/* region-third type */
	EXPECT_RPCIT_ERR(&e, PBA, 2 * SEG, ZPCI_PEC_TABLE_TYPE, PBA + SEG);
	fx_fini(&e.x);
}

TEST(rpcit_rte_origin_outside_ram_is_pec7)
{
	struct env e;

	setup(&e, PBA, PAL);
	fx_w64(&e.x, rte_addr(PBA), 0x80000000ULL | 0x07);
	EXPECT_RPCIT_ERR(&e, PBA + 0x5000, PG, ZPCI_PEC_INVAL_TE, PBA + 0x5000);
	fx_w64(&e.x, rte_addr(PBA), FX_RAM_SIZE | 0x07);	/* just past the end */
	EXPECT_EQ(fx_mpcifc(&e.x, e.fh, 0, 7), 0);
	EXPECT_RPCIT_ERR(&e, PBA, PG, ZPCI_PEC_INVAL_TE, PBA);
	fx_w64(&e.x, rte_addr(PBA), 0xffffffffffffc000ULL | 0x07);
	EXPECT_EQ(fx_mpcifc(&e.x, e.fh, 0, 7), 0);
	EXPECT_RPCIT_ERR(&e, PBA, PG, ZPCI_PEC_INVAL_TE, PBA);
	EXPECT_EQ(e.d->nmaps, 0);
	fx_fini(&e.x);
}

TEST(rpcit_ste_origin_outside_ram_is_pec7)
{
	struct env e;

	setup(&e, PBA, PAL);
	map(&e, PBA, FRAMES, false);
	fx_w64(&e.x, ste_addr(&e, PBA), 0x40000000ULL);
	EXPECT_RPCIT_ERR(&e, PBA + 0x7000, PG, ZPCI_PEC_INVAL_TE, PBA + 0x7000);
	fx_w64(&e.x, ste_addr(&e, PBA), 0xfffffffffffff800ULL);
	EXPECT_EQ(fx_mpcifc(&e.x, e.fh, 0, 7), 0);
	EXPECT_RPCIT_ERR(&e, PBA + 0xff000, PG, ZPCI_PEC_INVAL_TE, PBA + 0xff000);
	EXPECT_EQ(e.d->nmaps, 0);
	fx_fini(&e.x);
}

TEST(rpcit_iota_origin_outside_ram_is_pec7)
{
	struct env e;

	fx_init(&e.x, 1, 0);
	e.fh = fx_enable(&e.x, 0);
	e.d = e.x.dev[0];
	memset(e.x.ram + FX_FIB, 0, 80);
	fx_w64(&e.x, FX_FIB + 0x10, PBA);
	fx_w64(&e.x, FX_FIB + 0x18, PAL);
	fx_w64(&e.x, FX_FIB + 0x20, 0x7fffc000ULL | 0x804);
	EXPECT_EQ(fx_mpcifc(&e.x, e.fh, 0, 4), 0);
	EXPECT_EQ(fx_cc(&e.x), 0);
	EXPECT_RPCIT_ERR(&e, PBA + 0x2000, PG, ZPCI_PEC_INVAL_TE, PBA + 0x2000);
	EXPECT_EQ(e.d->nmaps, 0);
	fx_fini(&e.x);
}

TEST(rpcit_pte_frame_outside_ram_is_pec7_no_mapping)
{
	struct env e;

	setup(&e, PBA, PAL);
	map(&e, PBA, FRAMES, false);
	map(&e, PBA + PG, FX_RAM_SIZE - PG, false);	/* last RAM page: fine */
	map(&e, PBA + 2 * PG, 0x40000000ULL, false);	/* 1 GiB */
	map(&e, PBA + 3 * PG, FRAMES + PG, false);
	EXPECT_RPCIT_ERR(&e, PBA, 4 * PG, ZPCI_PEC_INVAL_TE, PBA + 2 * PG);
	EXPECT_UNMAPPED(&e, PBA + 2 * PG);
	EXPECT(maps_inside_ram(&e));
	/* just past the end of RAM */
	EXPECT_EQ(fx_mpcifc(&e.x, e.fh, 0, 7), 0);
	fx_w64(&e.x, pte_addr(&e, PBA + 2 * PG), FX_RAM_SIZE);
	EXPECT_RPCIT_ERR(&e, PBA + 2 * PG, PG, ZPCI_PEC_INVAL_TE, PBA + 2 * PG);
	EXPECT_UNMAPPED(&e, PBA + 2 * PG);
	/* far away (a host-address-sized frame) */
	EXPECT_EQ(fx_mpcifc(&e.x, e.fh, 0, 7), 0);
	fx_w64(&e.x, pte_addr(&e, PBA + 2 * PG), 0xfffffffffffff000ULL);
	EXPECT_RPCIT_ERR(&e, PBA + 2 * PG, PG, ZPCI_PEC_INVAL_TE, PBA + 2 * PG);
	EXPECT_UNMAPPED(&e, PBA + 2 * PG);
	EXPECT(maps_inside_ram(&e));
	fx_fini(&e.x);
}

TEST(rpcit_large_frame_outside_ram_is_pec7_no_mapping)
{
	struct env e;

	setup(&e, PBA, PAL);
	map(&e, PBA, FRAMES, false);
	fx_w64(&e.x, ste_addr(&e, PBA + SEG), 0x40000000ULL | 0x400);
	EXPECT_RPCIT_ERR(&e, PBA + SEG + 0x3000, PG, ZPCI_PEC_INVAL_TE, PBA + SEG + 0x3000);
	EXPECT_EQ(e.d->nmaps, 0);
	EXPECT(maps_inside_ram(&e));
	fx_fini(&e.x);
}

/* ---- wrap-around ---------------------------------------------------------- */

TEST(rpcit_start_plus_len_wrapping_is_saturated)
{
	struct env e;
	struct zpci_event ev;

	setup(&e, PBA, PAL);
	map(&e, PBA, FRAMES, false);
	map(&e, PBA + 0x5000, FRAMES + 0x1000, false);
	map(&e, PAL + 1 - PG, FRAMES + 0x2000, false);
	/* from inside the window, length up to and beyond 2^64 */
	EXPECT_EQ(rpcit_cc(&e, PAL + 1 - PG, UINT64_MAX), 0);
	EXPECT_MAP(&e, PAL + 1 - PG, FRAMES + 0x2000, true);
	EXPECT_EQ(e.d->nmaps, 1);
	EXPECT_EQ(rpcit_cc(&e, PBA + 0x5000, 0 - (PBA + 0x5000)), 0);	/* exactly to 2^64 */
	EXPECT_MAP(&e, PBA + 0x5000, FRAMES + 0x1000, true);
	EXPECT_EQ(e.d->nmaps, 2);
	/* from below the window, wrapping to an end below the start: saturated,
	 * the range covers the whole window */
	EXPECT_EQ(rpcit_cc(&e, PBA - PG, UINT64_MAX - 0x100), 0);
	EXPECT_MAP(&e, PBA, FRAMES, true);
	EXPECT_EQ(e.d->nmaps, 3);
	EXPECT_EQ(rpcit_cc(&e, 0x10, UINT64_MAX), 0);
	EXPECT_EQ(e.d->nmaps, 3);
	EXPECT(!fx_event(&e.x, &ev));
	/* from above the window: still entirely outside */
	EXPECT_RPCIT_ERR(&e, 0xfffffffffffff000ULL, 0x2000, ZPCI_PEC_OUT_OF_RANGE,
			 0xfffffffffffff000ULL);
	EXPECT_EQ(e.d->nmaps, 3);
	fx_fini(&e.x);
}

/* ---- mapping budget (reference §4.6 step 5, §4.7) ----------------------- */

/* Frames with a page of gap between them never coalesce: one backend
 * mapping per page, so a budget counted in mappings bites per page. */
#define SPREAD(i) (FRAMES + 2 * (uint64_t)(i) * PG)

TEST(rpcit_mapping_budget_exhausted_is_status16)
{
	struct env e;
	struct zpci_event ev;
	unsigned n = 0;

	setup(&e, PBA, PAL);
	e.d->limit = 8;
	for (unsigned i = 0; i < 12; i++)
		map(&e, PBA + i * PG, SPREAD(i), false);
	EXPECT_EQ(fx_rpcit(&e.x, e.fh, PBA, 12 * PG), 0);
	EXPECT_EQ(fx_cc(&e.x), 1);
	EXPECT_EQ(fx_status(&e.x, 1), ZPCI_ST_INSUF_RES);
	EXPECT_EQ(e.x.cpu.gpr[1] >> 32, e.fh);
	EXPECT_EQ(e.d->nmaps, 8);
	for (unsigned i = 0; i < 12; i++) {
		void *h;
		bool w;

		if (fake_lookup(e.d, PBA + i * PG, &h, &w)) {
			n++;
			EXPECT(h == (void *)(e.x.ram + SPREAD(i)));
			EXPECT(w);
		}
	}
	EXPECT_EQ(n, 8);
	/* status 16 is not a function error: no event, function still usable */
	EXPECT(!fx_event(&e.x, &ev));
	EXPECT_EQ(zv_function_state(e.x.fn[0]), ZV_FS_ENABLED);

	/* Linux's answer: invalidate what it no longer needs, refresh the whole
	 * aperture (SDMA..EDMA), then retry */
	for (unsigned i = 0; i < 4; i++)
		fx_w64(&e.x, pte_addr(&e, PBA + i * PG), 0x400);
	EXPECT_EQ(rpcit_cc(&e, ZV_DEFAULT_SDMA, ZV_DEFAULT_EDMA - ZV_DEFAULT_SDMA + 1), 0);
	EXPECT_EQ(e.d->nmaps, 8);
	for (unsigned i = 0; i < 12; i++) {
		if (i < 4)
			EXPECT_UNMAPPED(&e, PBA + i * PG);
		else
			EXPECT_MAP(&e, PBA + i * PG, SPREAD(i), true);
	}
	EXPECT_EQ(rpcit_cc(&e, PBA, 12 * PG), 0);
	EXPECT_EQ(e.d->nmaps, 8);
	EXPECT(!fx_event(&e.x, &ev));
	fx_fini(&e.x);
}

TEST(rpcit_mapping_budget_unmaps_in_same_refresh_make_room)
{
	struct env e;

	setup(&e, PBA, PAL);
	e.d->limit = 8;
	for (unsigned i = 0; i < 8; i++)	/* old pages, in segment 1 */
		map(&e, PBA + SEG + i * PG, SPREAD(i), false);
	EXPECT_EQ(rpcit_cc(&e, PBA, 2 * SEG), 0);
	EXPECT_EQ(e.d->nmaps, 8);		/* one mapping per page */
	/* new pages at lower addresses (walked first), old ones invalidated;
	 * alternating permissions keep the new pages in 4 mappings */
	for (unsigned i = 0; i < 4; i++) {
		map(&e, PBA + i * PG, FRAMES + 0x100000 + i * PG, i & 1);
		fx_w64(&e.x, pte_addr(&e, PBA + SEG + i * PG), 0x400);
	}
	EXPECT_EQ(rpcit_cc(&e, PBA, 2 * SEG), 0);
	EXPECT_EQ(e.d->nmaps, 8);
	for (unsigned i = 0; i < 4; i++) {
		EXPECT_MAP(&e, PBA + i * PG, FRAMES + 0x100000 + i * PG, !(i & 1));
		EXPECT_HOSTMAP(&e, PBA + i * PG, 1, FRAMES + 0x100000 + i * PG, !(i & 1));
		EXPECT_UNMAPPED(&e, PBA + SEG + i * PG);
	}
	for (unsigned i = 4; i < 8; i++)
		EXPECT_MAP(&e, PBA + SEG + i * PG, SPREAD(i), true);
	EXPECT_EQ(zv_function_state(e.x.fn[0]), ZV_FS_ENABLED);
	fx_fini(&e.x);
}

TEST(rpcit_mapping_budget_changed_frames_at_limit)
{
	struct env e;

	setup(&e, PBA, PAL);
	e.d->limit = 4;
	for (unsigned i = 0; i < 4; i++)
		map(&e, PBA + i * PG, SPREAD(i), false);
	EXPECT_EQ(rpcit_cc(&e, PBA, 4 * PG), 0);
	EXPECT_EQ(e.d->nmaps, 4);
	/* every page moves to a new frame: re-mapping needs no extra room */
	for (unsigned i = 0; i < 4; i++)
		fx_w64(&e.x, pte_addr(&e, PBA + i * PG), SPREAD(0x40 + i));
	EXPECT_EQ(rpcit_cc(&e, PBA, 4 * PG), 0);
	for (unsigned i = 0; i < 4; i++)
		EXPECT_MAP(&e, PBA + i * PG, SPREAD(0x40 + i), true);
	EXPECT_EQ(e.d->nmaps, 4);
	/* and when the new frames are contiguous they take one mapping */
	for (unsigned i = 0; i < 4; i++)
		fx_w64(&e.x, pte_addr(&e, PBA + i * PG), FRAMES + 0x100000 + i * PG);
	EXPECT_EQ(rpcit_cc(&e, PBA, 4 * PG), 0);
	for (unsigned i = 0; i < 4; i++)
		EXPECT_MAP(&e, PBA + i * PG, FRAMES + 0x100000 + i * PG, true);
	EXPECT_EQ(e.d->nmaps, 1);
	EXPECT_HOSTMAP(&e, PBA, 4, FRAMES + 0x100000, true);
	fx_fini(&e.x);
}

/* ---- teardown ------------------------------------------------------------- */

TEST(rpcit_disable_removes_all_mappings)
{
	struct env e;
	uint32_t dfh;

	setup(&e, PBA, PAL4G);
	for (unsigned i = 0; i < 20; i++)
		map(&e, PBA + i * 0x9000000ULL, FRAMES + i * PG, i & 1);
	EXPECT_EQ(rpcit_cc(&e, PBA, PAL4G - PBA + 1), 0);
	EXPECT_EQ(e.d->nmaps, 20);
	dfh = clp_disable(&e.x, e.fh);
	EXPECT_EQ(e.d->nmaps, 0);
	EXPECT_EQ(zv_function_state(e.x.fn[0]), ZV_FS_DISABLED);
	EXPECT_EQ(fx_rpcit(&e.x, e.fh, PBA, PG), 0);
	EXPECT_EQ(fx_cc(&e.x), 3);
	EXPECT_EQ(e.d->nmaps, 0);
	/* enable again: no IOAT is registered any more */
	e.fh = fx_enable(&e.x, 0);
	EXPECT(e.fh != dfh);
	EXPECT_RPCIT_ERR(&e, PBA, PG, ZPCI_PEC_INVAL_AS, PBA);
	EXPECT_EQ(e.d->nmaps, 0);
	fx_fini(&e.x);
}

TEST(rpcit_deregister_ioat_removes_all_mappings)
{
	struct env e;

	setup(&e, PBA, PAL);
	for (unsigned i = 0; i < 300; i++)
		map(&e, PBA + i * 0x3000ULL, FRAMES + i * PG, i % 3 == 0);
	EXPECT_EQ(rpcit_cc(&e, PBA, PAL - PBA + 1), 0);
	EXPECT_EQ(e.d->nmaps, 300);
	/* more held mappings than a step drops: cc 2 (busy), and the guest
	 * issues it again, as Linux's zpci_mod_fc() does */
	for (unsigned n = 0; ; n++) {
		EXPECT_EQ(fx_mpcifc(&e.x, e.fh, 0, 5), 0);
		if (fx_cc(&e.x) != ZPCI_CC_BUSY || n == 10)
			break;
		EXPECT(e.d->nmaps > 0);
	}
	EXPECT_EQ(fx_cc(&e.x), 0);
	EXPECT_EQ(e.d->nmaps, 0);
	/* no translation registered any more */
	EXPECT_RPCIT_ERR(&e, PBA, PG, ZPCI_PEC_INVAL_AS, PBA);
	EXPECT_EQ(e.d->nmaps, 0);
	fx_fini(&e.x);
}

/* ---- randomized differential test ----------------------------------------- */

#define D_SEGS   64				/* 64 MiB window */
#define D_PAGES  (D_SEGS * 256)
#define D_ST     0x80000ULL			/* segment table */
#define D_PT     0x100000ULL			/* 64 page tables of 2 KiB */
#define D_CAP    2200				/* bound on valid pages */

struct dstate {			/* expected / actual host mapping of one page */
	bool mapped, write;
	uint64_t gpa;
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

/* The naive walk: read the guest tables for one page, nothing cached. */
static struct dstate naive(struct fx *x, uint64_t iova)
{
	struct dstate s = { false, false, 0 };
	uint64_t rte, ste, pte;
	bool ro;

	rte = fx_r64(x, RT + 8 * ((iova >> 31) & 0x7ff));
	if (rte & 0x20)
		return s;
	ro = rte & 0x200;
	ste = fx_r64(x, (rte & ~0x3fffULL) + 8 * ((iova >> 20) & 0x7ff));
	if (ste & 0x20)
		return s;
	ro |= (ste & 0x200) != 0;
	if (ste & 0x400) {
		s.mapped = true;
		s.gpa = (ste & ~0xfffffULL) + (iova & 0xff000);
		s.write = !ro;
		return s;
	}
	pte = fx_r64(x, (ste & ~0x7ffULL) + 8 * ((iova >> 12) & 0xff));
	if (pte & 0x400)
		return s;
	ro |= (pte & 0x200) != 0;
	s.mapped = true;
	s.gpa = pte & ~0xfffULL;
	s.write = !ro;
	return s;
}

/* the fake IOMMU as a per-page array over the window; false if a mapping
 * lies outside the window or outside guest RAM */
static bool snapshot(struct env *e, uint64_t pba, struct dstate *act, char *why, size_t wl)
{
	memset(act, 0, D_PAGES * sizeof(*act));
	for (unsigned i = 0; i < e->d->nmaps; i++) {
		const struct fake_map *mp = &e->d->maps[i];
		const uint8_t *h = mp->host;

		if (h < e->x.ram || mp->size > FX_RAM_SIZE ||
		    h + mp->size > e->x.ram + FX_RAM_SIZE) {
			snprintf(why, wl, "mapping iova %#" PRIx64 " outside guest RAM", mp->iova);
			return false;
		}
		if (mp->iova < pba || mp->size > D_PAGES * PG ||
		    mp->iova - pba > D_PAGES * PG - mp->size || (mp->iova | mp->size) & (PG - 1)) {
			snprintf(why, wl, "mapping iova %#" PRIx64 " size %#" PRIx64 " outside window",
				 mp->iova, mp->size);
			return false;
		}
		for (uint64_t o = 0; o < mp->size; o += PG) {
			struct dstate *s = &act[(mp->iova + o - pba) / PG];

			if (s->mapped) {
				snprintf(why, wl, "iova %#" PRIx64 " mapped twice", mp->iova + o);
				return false;
			}
			s->mapped = true;
			s->write = mp->write;
			s->gpa = (uint64_t)(h - e->x.ram) + o;
		}
	}
	return true;
}

struct dmodel {			/* what the generator wrote, for its own bookkeeping */
	bool pte_valid[D_PAGES];
	bool large[D_SEGS];
	unsigned seg_valid[D_SEGS];
	unsigned budget;	/* upper bound on valid pages */
};

static uint64_t rnd_frame(void)
{
	return (1 + rnd_below(FX_RAM_SIZE / PG - 1)) * PG;	/* never frame 0 */
}

static void d_set_pte(struct env *e, struct dmodel *md, unsigned p, bool valid, uint64_t v)
{
	unsigned s = p / 256;

	fx_w64(&e->x, D_PT + 0x800ULL * s + 8 * (p % 256), v);
	if (valid != md->pte_valid[p]) {
		md->pte_valid[p] = valid;
		md->seg_valid[s] += valid ? 1 : (unsigned)-1;
		if (!md->large[s])
			md->budget += valid ? 1 : (unsigned)-1;
	}
}

TEST(rpcit_randomized_differential)
{
	struct env e;
	struct dmodel *md = calloc(1, sizeof(*md));
	struct dstate *exp = calloc(D_PAGES, sizeof(*exp)), *act = calloc(D_PAGES, sizeof(*act)),
		      *nxt = calloc(D_PAGES, sizeof(*nxt));
	const uint64_t pba = PBA, pal = PBA + D_PAGES * PG - 1;
	unsigned rpcits = 0, globals = 0, fallbacks = 0, maxmaps = 0;
	bool failed = false;
	char why[160];

	rng_state = 0x5eed2024cafef00dULL;
	setup(&e, pba, pal);
	/* RT entry 2 -> segment table; 64 page tables, all entries invalid */
	for (unsigned i = 0; i < 2048; i++)
		fx_w64(&e.x, D_ST + 8 * i, 0x20);
	for (unsigned i = 0; i < D_PAGES; i++)
		fx_w64(&e.x, D_PT + 8ULL * i, 0x400);
	fx_w64(&e.x, rte_addr(pba), D_ST | 0x07);

	for (unsigned op = 0; op < 20000 && !failed; op++) {
		unsigned r = (unsigned)rnd_below(1000), p = (unsigned)rnd_below(D_PAGES), s = p / 256;
		uint64_t stea = D_ST + 8 * (pba / SEG % 2048 + s), ste = fx_r64(&e.x, stea);

		if (r < 330) {			/* validate a page */
			if (md->budget >= D_CAP) {
				r = 400;	/* too many: invalidate instead */
			} else {
				d_set_pte(&e, md, p, true, rnd_frame() | (rnd_below(4) ? 0 : 0x200));
				if ((ste & 0x20) && rnd_below(4) == 0 && !md->large[s])
					fx_w64(&e.x, stea, D_PT + 0x800ULL * s);
				continue;
			}
		}
		if (r < 560) {			/* invalidate a page */
			uint64_t old = fx_r64(&e.x, D_PT + 0x800ULL * s + 8 * (p % 256));

			d_set_pte(&e, md, p, false, rnd_below(2) ? 0x400 : old | 0x400);
			continue;
		}
		if (r < 640) {			/* toggle protection of a page */
			uint64_t a = D_PT + 0x800ULL * s + 8 * (p % 256);

			fx_w64(&e.x, a, fx_r64(&e.x, a) ^ 0x200);
			continue;
		}
		if (r < 660) {			/* invalidate a segment entry */
			fx_w64(&e.x, stea, rnd_below(2) ? 0x20 : ste | 0x20);
			continue;
		}
		if (r < 690) {			/* (re)validate a segment -> its page table */
			if (md->large[s]) {
				md->large[s] = false;
				md->budget = md->budget - 256 + md->seg_valid[s];
			}
			fx_w64(&e.x, stea, (D_PT + 0x800ULL * s) | (rnd_below(3) ? 0 : 0x200));
			continue;
		}
		if (r < 697) {			/* a 1 MiB frame */
			if (!md->large[s] && md->budget - md->seg_valid[s] + 256 > D_CAP)
				continue;
			if (!md->large[s]) {
				md->large[s] = true;
				md->budget = md->budget - md->seg_valid[s] + 256;
			}
			fx_w64(&e.x, stea, (rnd_below(FX_RAM_SIZE / SEG - 1) + 1) * SEG | 0x400 |
					   (rnd_below(3) ? 0 : 0x200));
			continue;
		}
		if (r < 699) {			/* toggle protection of the region entry */
			fx_w64(&e.x, rte_addr(pba), fx_r64(&e.x, rte_addr(pba)) ^ 0x200);
			continue;
		}
		if (r < 700) {			/* toggle validity of the region entry */
			fx_w64(&e.x, rte_addr(pba), fx_r64(&e.x, rte_addr(pba)) ^ 0x20);
			continue;
		}

		/* RPCIT over a range that overlaps the window */
		uint64_t start, len, last, first_pg, last_pg, cnt = 0;
		unsigned kind = (unsigned)rnd_below(100);

		if (kind < 4) {
			start = pba;
			len = pal - pba + 1;
		} else if (kind < 7) {
			start = ZV_DEFAULT_SDMA;
			len = ZV_DEFAULT_EDMA - ZV_DEFAULT_SDMA + 1;
		} else if (kind < 8) {
			start = rnd_below(pba);
			len = UINT64_MAX - rnd_below(0x10000);	/* wraps */
		} else {
			uint64_t a = pba + rnd_below(D_PAGES * PG);
			unsigned lk = (unsigned)rnd_below(100);

			if (rnd_below(2))
				a &= ~(PG - 1);
			len = lk < 50 ? 1 + rnd_below(16 * PG) : lk < 85 ? 1 + rnd_below(256 * PG)
				       : 1 + rnd_below(4096 * PG);
			if (rnd_below(10) == 0) {	/* begin below the window */
				uint64_t below = 1 + rnd_below(8 * SEG);

				a = pba - below;
				len += below;
			}
			start = a;
		}
		last = start + len - 1 < start ? UINT64_MAX : start + len - 1;
		first_pg = ((start < pba ? pba : start) - pba) / PG;
		last_pg = ((last > pal ? pal : last) - pba) / PG;

		memcpy(nxt, exp, D_PAGES * sizeof(*nxt));
		for (uint64_t i = first_pg; i <= last_pg; i++)
			nxt[i] = naive(&e.x, pba + i * PG);
		for (unsigned i = 0; i < D_PAGES; i++)
			cnt += nxt[i].mapped;
		if (cnt > FX_MAX_LOG - 64) {
			/* would exceed the fake IOMMU: refresh everything instead */
			fallbacks++;
			start = pba;
			len = pal - pba + 1;
			first_pg = 0;
			last_pg = D_PAGES - 1;
			for (unsigned i = 0; i < D_PAGES; i++)
				nxt[i] = naive(&e.x, pba + i * PG);
		}
		if (first_pg == 0 && last_pg == D_PAGES - 1)
			globals++;
		rpcits++;
		/* reissued while cc 2 (a bounded step), as Linux does */
		if (fx_rpcit_cc(&e.x, e.fh, start, len) != 0) {
			th_fail(__FILE__, __LINE__, "op %u: RPCIT(%#" PRIx64 ", %#" PRIx64 ") cc %d status %u",
				op, start, len, fx_cc(&e.x), fx_status(&e.x, 1));
			failed = true;
			break;
		}
		memcpy(exp, nxt, D_PAGES * sizeof(*exp));
		if (!snapshot(&e, pba, act, why, sizeof(why))) {
			th_fail(__FILE__, __LINE__, "op %u: %s", op, why);
			failed = true;
			break;
		}
		if (e.d->nmaps > maxmaps)
			maxmaps = e.d->nmaps;
		for (unsigned i = 0, nbad = 0; i < D_PAGES; i++) {
			const struct dstate *x1 = &exp[i], *y = &act[i];

			if (x1->mapped == y->mapped &&
			    (!x1->mapped || (x1->gpa == y->gpa && x1->write == y->write)))
				continue;
			th_fail(__FILE__, __LINE__,
				"op %u RPCIT(%#" PRIx64 ", %#" PRIx64 ") page %#" PRIx64 " (%s range):"
				" want %s gpa %#" PRIx64 " w%d, have %s gpa %#" PRIx64 " w%d",
				op, start, len, (uint64_t)(pba + i * PG),
				i >= first_pg && i <= last_pg ? "in" : "outside",
				x1->mapped ? "mapped" : "unmapped", x1->gpa, x1->write,
				y->mapped ? "mapped" : "unmapped", y->gpa, y->write);
			failed = true;
			if (++nbad == 5)
				break;
		}
	}
	EXPECT(rpcits > 1000);
	EXPECT(globals > 50);
	EXPECT(maxmaps > 500);
	EXPECT_EQ(zv_function_state(e.x.fn[0]), ZV_FS_ENABLED);
	if (getenv("RPCIT_VERBOSE"))
		printf("    %u RPCITs, %u whole-window (%u fallbacks), max %u mappings\n", rpcits,
		       globals, fallbacks, maxmaps);
	free(md);
	free(exp);
	free(act);
	free(nxt);
	fx_fini(&e.x);
}
