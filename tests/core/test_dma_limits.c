/* SPDX-License-Identifier: MIT */
/*
 * DMA translation at the limit: coalesced host mappings (one backend
 * mapping per run of pages contiguous in IOVA and in host memory with one
 * permission), partial invalidation, the backend's mapping budget (cc 1
 * status 16), relaxed translation (direct map of guest RAM at SDMA + gpa),
 * the DMA window QUERY PCI FN reports, a sparse 1 TiB window, and a long
 * randomized differential test against a naive per-page walk.
 * Facts: reference §4 (§4.4 relaxed translation, §4.6 RPCIT, §4.7 the
 * DMA limit) and §11.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "arch/clp.h"
#include "arch/codes.h"
#include "arch/events.h"
#include "arch/fib.h"
#include "core/dma.h"
#include "core/core.h"
#include "core/guestmem.h"
#include "dma_env.h"
#include "fakes.h"
#include "harness.h"
#include "util/extmap.h"

#define RAM_PAGES (FX_RAM_SIZE / PG)
#define IOTA_RT 0x804ULL		/* T bit, region-third designation */

/* Frames a page apart never coalesce: one backend mapping per page. */
#define SPREAD(i) (FRAMES + 2 * (uint64_t)(i) * PG)

/* ---- a machine with a chosen configuration -------------------------------
 * Like fx_init, but with machine flags, extra RAM regions and the fake's
 * mapping budget set before the function is added (QUERY PCI FN's EDMA
 * is computed from it then). fx_fini() tears it down. */

struct lx_cfg {
	uint32_t flags;			/* zv_machine_config.flags */
	uint64_t limit;			/* fake live-mapping budget; 0: default */
	bool relaxed;			/* offer relaxed translation */
	const struct zv_mem_region *extra;	/* RAM regions after x->ram at 0 */
	unsigned nextra;
};

static int lx_translate(void *hv, const struct zv_cpu *cpu, uint64_t la, uint8_t ar, bool w,
			uint64_t *abs)
{
	(void)hv;
	(void)cpu;
	(void)ar;
	(void)w;
	*abs = la;
	return 0;
}

static const struct zv_hv_ops lx_hv = { .translate = lx_translate };

static void lx_init(struct fx *x, const struct lx_cfg *c)
{
	struct zv_mem_region mem[8];

	memset(x, 0, sizeof(*x));
	x->ram = mmap(NULL, FX_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (x->ram == MAP_FAILED || c->nextra > 7)
		abort();
	mem[0] = (struct zv_mem_region){ .gpa = 0, .size = FX_RAM_SIZE, .host = x->ram };
	for (unsigned i = 0; i < c->nextra; i++)
		mem[1 + i] = c->extra[i];
	struct zv_machine_config cfg = {
		.mem = mem, .n_mem = 1 + c->nextra, .hv = &lx_hv, .hv_opaque = x,
		.flags = c->flags,
	};
	x->m = zv_machine_create(&cfg);
	if (!x->m)
		abort();
	x->dev[0] = fake_dev_new(8);
	if (c->limit)
		x->dev[0]->limit = c->limit;
	x->fn[0] = zv_function_add(x->m, &x->dev[0]->dev, ZV_UID_AUTO, ZV_FID_AUTO);
	if (!x->fn[0] || (c->relaxed && zv_function_set_relaxed(x->fn[0], true)))
		abort();
	x->cpu.psw_mask = ZV_PSW_MASK_EA | ZV_PSW_MASK_BA;
}

static void *region_alloc(uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		abort();
	return p;
}

static const struct lx_cfg plain;

/* enable; no IOAT */
static void start(struct env *e, const struct lx_cfg *c)
{
	lx_init(&e->x, c);
	e->fh = fx_enable(&e->x, 0);
	e->d = e->x.dev[0];
	e->fn = e->x.fn[0];
	e->next = TABLES;
}

/* enable and register a region-third table at RT for [pba, pal] */
static void setup(struct env *e, const struct lx_cfg *c, uint64_t pba, uint64_t pal)
{
	start(e, c);
	EXPECT_EQ(fx_reg_ioat(&e->x, e->fh, RT, pba, pal), 0);
	EXPECT_EQ(fx_cc(&e->x), 0);
}

/* MPCIFC oc (REG/DEREG/REREG IOAT) with a FIB of pba, pal, iota */
static int ioat(struct env *e, uint8_t oc, uint64_t pba, uint64_t pal, uint64_t iota)
{
	memset(e->x.ram + FX_FIB, 0, ZPCI_FIB_SIZE);
	fx_w64(&e->x, FX_FIB + 0x10, pba);
	fx_w64(&e->x, FX_FIB + 0x18, pal);
	fx_w64(&e->x, FX_FIB + 0x20, iota);
	return fx_mpcifc_retry(&e->x, e->fh, 0, oc);
}

static struct zv_stats stats(struct env *e)
{
	struct zv_stats s;

	zv_stats_get(e->x.m, &s);
	return s;
}

static void check_host(struct env *e, uint64_t iova, const void *want, bool write, int line)
{
	void *host = NULL;
	bool w = !write;

	if (!fake_lookup(e->d, iova, &host, &w)) {
		th_fail(__FILE__, line, "iova %#" PRIx64 " not mapped", iova);
		return;
	}
	if (host != want)
		th_fail(__FILE__, line, "iova %#" PRIx64 " mapped to %p, want %p", iova, host, want);
	if (w != write)
		th_fail(__FILE__, line, "iova %#" PRIx64 " write=%d, want %d", iova, w, write);
}
#define EXPECT_MAP(e, iova, frame, write) \
	check_host((e), (iova), (e)->x.ram + (frame), (write), __LINE__)
#define EXPECT_MAP_HOST(e, iova, host, write) check_host((e), (iova), (host), (write), __LINE__)

/* exactly one live backend mapping is [iova, iova + npages pages) -> host */
static void check_hostmap(struct env *e, uint64_t iova, uint64_t npages, const void *host,
			  bool write, int line)
{
	for (unsigned i = 0; i < e->d->nmaps; i++) {
		const struct fake_map *mp = &e->d->maps[i];

		if (mp->iova != iova)
			continue;
		if (mp->size != npages * PG || mp->host != host || mp->write != write)
			th_fail(__FILE__, line,
				"mapping at iova %#" PRIx64 ": %#" PRIx64 " bytes -> %p w%d;"
				" want %#" PRIx64 " bytes -> %p w%d", iova, mp->size, mp->host,
				mp->write, (uint64_t)(npages * PG), host, write);
		return;
	}
	th_fail(__FILE__, line, "no backend mapping starts at iova %#" PRIx64, iova);
}
#define EXPECT_HOSTMAP(e, iova, npages, frame, write) \
	check_hostmap((e), (iova), (npages), (e)->x.ram + (frame), (write), __LINE__)
#define EXPECT_HOSTMAP_HOST(e, iova, npages, host, write) \
	check_hostmap((e), (iova), (npages), (host), (write), __LINE__)

static int cmp_map(const void *a, const void *b)
{
	const struct fake_map *x = a, *y = b;

	return x->iova < y->iova ? -1 : x->iova > y->iova;
}

/* The engine's shadow says exactly what the fake IOMMU holds: one extent
 * per live mapping, same bounds, host address and permission. */
static bool shadow_consistent(struct env *e, char *why, size_t wl)
{
	const struct extmap *t = &e->fn->dma.shadow;
	unsigned n = e->d->nmaps, i = 0;
	struct fake_map *s = malloc((n ? n : 1) * sizeof(*s));
	struct extent x;
	uint64_t a = 0;
	bool ok = true;

	if (!s)
		abort();
	if (n)
		memcpy(s, e->d->maps, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_map);
	if (extmap_count(t) != n) {
		snprintf(why, wl, "shadow has %u extents, the backend %u mappings", extmap_count(t), n);
		ok = false;
	}
	while (ok && extmap_next(t, a, &x)) {
		uint64_t size = x.last - x.first + 1;
		const uint8_t *h = gm_ptr(e->x.m, x.data, size);

		if (i >= n || s[i].iova != x.first || s[i].size != size || s[i].host != h ||
		    s[i].write != !(x.flags & 1 /* EXT_RO */)) {
			snprintf(why, wl, "shadow extent [%#" PRIx64 ", %#" PRIx64 "] gpa %#" PRIx64
				 " ro %u has no identical backend mapping", x.first, x.last, x.data,
				 x.flags);
			ok = false;
		}
		i++;
		if (x.last == UINT64_MAX)
			break;
		a = x.last + 1;
	}
	free(s);
	return ok;
}

static void check_shadow(struct env *e, int line)
{
	char why[200];

	if (!shadow_consistent(e, why, sizeof(why)))
		th_fail(__FILE__, line, "%s", why);
}
#define EXPECT_SHADOW(e) check_shadow((e), __LINE__)

/* QUERY PCI FN */
static void query_fn(struct fx *x, struct zv_function *f, uint64_t *sdma, uint64_t *edma,
		     uint8_t *pfgid)
{
	EXPECT_EQ(fx_clp_query(x, CLP_QUERY_PCI_FN, zv_function_fh(f)), CLP_RC_OK);
	*sdma = fx_r64(x, FX_LPCB + 32 + CLP_QFN_RS_SDMA);
	*edma = fx_r64(x, FX_LPCB + 32 + CLP_QFN_RS_EDMA);
	*pfgid = fx_r8(x, FX_LPCB + 32 + CLP_QFN_RS_PFGID);
}

/* QUERY PCI FNGRP: the group's flags byte */
static uint8_t query_group_flags(struct fx *x, uint8_t pfgid)
{
	EXPECT_EQ(fx_clp_query(x, CLP_QUERY_PCI_FNGRP, pfgid), CLP_RC_OK);
	return fx_r8(x, FX_LPCB + 32 + CLP_QGRP_RS_FLAGS);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64* */
static uint64_t xs_state;

static uint64_t xs(void)
{
	xs_state ^= xs_state >> 12;
	xs_state ^= xs_state << 25;
	xs_state ^= xs_state >> 27;
	return xs_state * 0x2545f4914f6cdd1dULL;
}

static uint64_t xs_below(uint64_t n)
{
	return n ? xs() % n : 0;
}

static void on_alarm(int sig)
{
	static const char msg[] = "test_dma_limits: timed out\n0 passed, 1 failed\n";

	(void)sig;
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(2);
}

__attribute__((constructor)) static void watchdog(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, on_alarm);
	alarm(300);
}

/* ---- a. coalescing ----------------------------------------------------------
 * Tables mapping the whole 64 MiB of guest RAM, contiguously, at IOVA
 * [PBA, PBA + 64 MiB): segment 0 through a 1 MiB frame (an all-zero PTE
 * could not map frame 0), segments 1..63 through page tables. */

#define LIN_ST 0x80000ULL
#define LIN_PT 0x100000ULL

static void linear_tables(struct fx *x, uint64_t iova)
{
	uint64_t sx = (iova >> 20) & 0x7ff;

	for (unsigned i = 0; i < 2048; i++)
		fx_w64(x, LIN_ST + 8 * i, 0x20);
	fx_w64(x, rte_addr(iova), LIN_ST | 0x07);
	fx_w64(x, LIN_ST + 8 * sx, 0 | 0x400);		/* 1 MiB frame at 0 */
	for (unsigned s = 1; s < FX_RAM_SIZE / SEG; s++) {
		uint64_t pt = LIN_PT + (s - 1) * 0x800ULL;

		fx_w64(x, LIN_ST + 8 * (sx + s), pt);
		for (unsigned i = 0; i < 256; i++)
			fx_w64(x, pt + 8 * i, s * SEG + i * PG);
	}
}

TEST(dl_contiguous_ram_in_1g_refresh_is_one_map_call)
{
	struct env e;
	struct zv_stats s0, s1;
	const uint64_t win = 1ULL << 30;

	setup(&e, &plain, PBA, PBA + win - 1);
	linear_tables(&e.x, PBA);
	s0 = stats(&e);
	EXPECT_EQ(rpcit_cc(&e, PBA, win), 0);
	s1 = stats(&e);
	EXPECT_EQ(e.d->map_calls, 1);
	EXPECT_EQ(e.d->unmap_calls, 0);
	EXPECT_EQ(e.d->nmaps, 1);
	EXPECT_HOSTMAP(&e, PBA, RAM_PAGES, 0, true);
	EXPECT_EQ(s1.map_calls - s0.map_calls, 1);
	EXPECT_EQ(s1.pages_mapped - s0.pages_mapped, RAM_PAGES);
	EXPECT_EQ(s1.pages_walked - s0.pages_walked, RAM_PAGES);
	/* one region entry, 1024 segment entries, 63 page tables */
	EXPECT_EQ(s1.table_loads - s0.table_loads, 1 + 1024 + 63 * 256);
	EXPECT((s1.table_loads - s0.table_loads) * 10 <= 11 * (s1.pages_walked - s0.pages_walked));
	for (uint64_t p = 0; p < RAM_PAGES; p += 61)
		EXPECT_MAP(&e, PBA + p * PG, p * PG, true);
	EXPECT_MAP(&e, PBA + FX_RAM_SIZE - PG, FX_RAM_SIZE - PG, true);
	EXPECT_UNMAPPED(&e, PBA + FX_RAM_SIZE);
	EXPECT(maps_inside_ram(&e));
	EXPECT_SHADOW(&e);
	/* again, and as Linux's global refresh: nothing changes, no calls */
	EXPECT_EQ(rpcit_cc(&e, PBA, win), 0);
	EXPECT_EQ(rpcit_cc(&e, ZV_DEFAULT_SDMA, e.fn->edma - ZV_DEFAULT_SDMA + 1), 0);
	EXPECT_EQ(e.d->map_calls, 1);
	EXPECT_EQ(e.d->unmap_calls, 0);
	/* the page-table part alone: about one table load per page */
	s0 = stats(&e);
	EXPECT_EQ(rpcit_cc(&e, PBA + SEG, FX_RAM_SIZE - SEG), 0);
	s1 = stats(&e);
	EXPECT_EQ(s1.pages_walked - s0.pages_walked, RAM_PAGES - 256);
	EXPECT((s1.table_loads - s0.table_loads) * 10 <= 11 * (s1.pages_walked - s0.pages_walked));
	EXPECT_EQ(e.d->map_calls, 1);
	fx_fini(&e.x);
}

TEST(dl_contiguous_ram_in_1g_refresh_per_page_baseline)
{
	struct env e;
	struct zv_stats s0, s1;
	const uint64_t win = 1ULL << 30;
	uint64_t loads, walked, bad = 0;

	setup(&e, &(struct lx_cfg){ .flags = ZV_MACHINE_DMA_PER_PAGE }, PBA, PBA + win - 1);
	linear_tables(&e.x, PBA);
	s0 = stats(&e);
	EXPECT_EQ(rpcit_cc(&e, PBA, win), 0);
	s1 = stats(&e);
	/* QEMU's way: one host mapping per page */
	EXPECT_EQ(e.d->map_calls, RAM_PAGES);
	EXPECT_EQ(e.d->nmaps, RAM_PAGES);
	EXPECT_EQ(s1.map_calls - s0.map_calls, RAM_PAGES);
	EXPECT_EQ(s1.pages_mapped - s0.pages_mapped, RAM_PAGES);
	EXPECT_EQ(s1.pages_walked - s0.pages_walked, RAM_PAGES);
	for (unsigned i = 0; i < e.d->nmaps; i++) {
		const struct fake_map *mp = &e.d->maps[i];

		if (mp->size != PG || mp->iova < PBA || mp->iova - PBA >= FX_RAM_SIZE ||
		    mp->host != e.x.ram + (mp->iova - PBA) || !mp->write)
			bad++;
	}
	EXPECT_EQ(bad, 0);
	/* a walk from the root for every page of the 1 GiB */
	loads = s1.table_loads - s0.table_loads;
	walked = s1.pages_walked - s0.pages_walked;
	EXPECT(loads >= 3 * walked);
	EXPECT_EQ(loads, 256 * 2 + 63 * 256 * 3 + (1024 - 64) * 256 * 2);
	/* over valid pages only: three loads per page */
	s0 = stats(&e);
	EXPECT_EQ(rpcit_cc(&e, PBA + SEG, FX_RAM_SIZE - SEG), 0);
	s1 = stats(&e);
	loads = s1.table_loads - s0.table_loads;
	walked = s1.pages_walked - s0.pages_walked;
	EXPECT_EQ(walked, RAM_PAGES - 256);
	EXPECT(loads * 10 >= 29 * walked && loads * 10 <= 31 * walked);
	EXPECT_EQ(e.d->map_calls, RAM_PAGES);	/* unchanged pages: no calls */
	EXPECT_EQ(e.d->unmap_calls, 0);
	EXPECT_SHADOW(&e);
	fx_fini(&e.x);
}

/* each backend mapping is contiguous in host memory: a run contiguous in
 * guest addresses breaks where one RAM region ends and the next begins */
TEST(dl_runs_break_at_ram_region_boundary)
{
	struct env e;
	const uint64_t r1 = 16ULL << 20;
	uint8_t *b = region_alloc(r1);
	struct zv_mem_region extra = { .gpa = FX_RAM_SIZE, .size = r1, .host = b };

	setup(&e, &(struct lx_cfg){ .extra = &extra, .nextra = 1 }, PBA, PAL);
	for (unsigned i = 0; i < 32; i++)
		map(&e, PBA + i * PG, FX_RAM_SIZE - 16 * PG + i * PG, false);
	EXPECT_EQ(rpcit_cc(&e, PBA, 32 * PG), 0);
	for (unsigned i = 0; i < 32; i++)
		EXPECT_MAP_HOST(&e, PBA + i * PG,
				i < 16 ? e.x.ram + FX_RAM_SIZE - 16 * PG + i * PG : b + (i - 16) * PG,
				true);
	EXPECT_EQ(e.d->nmaps, 2);
	EXPECT_HOSTMAP(&e, PBA, 16, FX_RAM_SIZE - 16 * PG, true);
	EXPECT_HOSTMAP_HOST(&e, PBA + 16 * PG, 16, b, true);
	EXPECT_SHADOW(&e);
	fx_fini(&e.x);
	munmap(b, r1);
}

/* ---- b. partial invalidation --------------------------------------------- */

#define B (PBA + SEG)			/* a 16-page mapping at B -> FRAMES */

static void map16(struct env *e)
{
	for (unsigned i = 0; i < 16; i++)
		map(e, B + i * PG, FRAMES + i * PG, false);
	EXPECT_EQ(rpcit_cc(e, B, 16 * PG), 0);
	EXPECT_EQ(e->d->nmaps, 1);
	EXPECT_HOSTMAP(e, B, 16, FRAMES, true);
}

/* pages of the 16 other than the listed holes map FRAMES + i * PG */
static void check16(struct env *e, unsigned hole_lo, unsigned hole_hi, int line)
{
	for (unsigned i = 0; i < 16; i++) {
		if (i >= hole_lo && i <= hole_hi) {
			if (is_mapped(e, B + i * PG))
				th_fail(__FILE__, line, "page %u still mapped", i);
		} else {
			check_host(e, B + i * PG, e->x.ram + FRAMES + i * PG, true, line);
		}
	}
	check_shadow(e, line);
}
#define CHECK16(e, lo, hi) check16((e), (lo), (hi), __LINE__)

TEST(dl_partial_invalidation_middle_splits_mapping)
{
	struct env e;
	struct zv_stats s0, s1;
	uint64_t mc, uc;

	setup(&e, &plain, PBA, PAL);
	map16(&e);
	mc = e.d->map_calls;
	uc = e.d->unmap_calls;
	s0 = stats(&e);
	fx_w64(&e.x, pte_addr(&e, B + 7 * PG), 0x400);
	EXPECT_EQ(rpcit_cc(&e, B + 7 * PG, PG), 0);
	s1 = stats(&e);
	/* unmapped whole (type1 cannot split), both survivors mapped again */
	EXPECT_EQ(e.d->unmap_calls, uc + 1);
	EXPECT_EQ(e.d->map_calls, mc + 2);
	EXPECT_EQ(e.d->nmaps, 2);
	EXPECT_HOSTMAP(&e, B, 7, FRAMES, true);
	EXPECT_HOSTMAP(&e, B + 8 * PG, 8, FRAMES + 8 * PG, true);
	CHECK16(&e, 7, 7);
	EXPECT_EQ(s1.unmap_calls - s0.unmap_calls, 1);
	EXPECT_EQ(s1.map_calls - s0.map_calls, 2);
	EXPECT_EQ(s1.pages_unmapped - s0.pages_unmapped, 16);
	EXPECT_EQ(s1.pages_mapped - s0.pages_mapped, 15);
	fx_fini(&e.x);
}

TEST(dl_partial_invalidation_middle_whole_range_refresh)
{
	struct env e;

	setup(&e, &plain, PBA, PAL);
	map16(&e);
	fx_w64(&e.x, pte_addr(&e, B + 7 * PG), 0x400);
	EXPECT_EQ(rpcit_cc(&e, B - 3 * PG, 20 * PG), 0);
	EXPECT_EQ(e.d->nmaps, 2);
	EXPECT_HOSTMAP(&e, B, 7, FRAMES, true);
	EXPECT_HOSTMAP(&e, B + 8 * PG, 8, FRAMES + 8 * PG, true);
	CHECK16(&e, 7, 7);
	fx_fini(&e.x);
}

TEST(dl_partial_invalidation_at_start)
{
	struct env e;
	uint64_t mc, uc;

	setup(&e, &plain, PBA, PAL);
	map16(&e);
	mc = e.d->map_calls;
	uc = e.d->unmap_calls;
	fx_w64(&e.x, pte_addr(&e, B), 0x400);
	EXPECT_EQ(rpcit_cc(&e, B, PG), 0);
	EXPECT_EQ(e.d->unmap_calls, uc + 1);
	EXPECT_EQ(e.d->map_calls, mc + 1);
	EXPECT_EQ(e.d->nmaps, 1);
	EXPECT_HOSTMAP(&e, B + PG, 15, FRAMES + PG, true);
	CHECK16(&e, 0, 0);
	fx_fini(&e.x);
}

TEST(dl_partial_invalidation_at_end)
{
	struct env e;
	uint64_t mc, uc;

	setup(&e, &plain, PBA, PAL);
	map16(&e);
	mc = e.d->map_calls;
	uc = e.d->unmap_calls;
	fx_w64(&e.x, pte_addr(&e, B + 15 * PG), (FRAMES + 15 * PG) | 0x400);
	EXPECT_EQ(rpcit_cc(&e, B + 15 * PG + 0x800, 0x10), 0);	/* unaligned, inside the page */
	EXPECT_EQ(e.d->unmap_calls, uc + 1);
	EXPECT_EQ(e.d->map_calls, mc + 1);
	EXPECT_EQ(e.d->nmaps, 1);
	EXPECT_HOSTMAP(&e, B, 15, FRAMES, true);
	CHECK16(&e, 15, 15);
	fx_fini(&e.x);
}

/* a range wider than the change: the walked runs join the survivors */
TEST(dl_partial_invalidation_survivors_join_walked_runs)
{
	struct env e;
	uint64_t mc, uc;

	setup(&e, &plain, PBA, PAL);
	map16(&e);
	mc = e.d->map_calls;
	uc = e.d->unmap_calls;
	fx_w64(&e.x, pte_addr(&e, B + 6 * PG), 0x400);
	EXPECT_EQ(rpcit_cc(&e, B + 4 * PG, 4 * PG), 0);
	EXPECT_EQ(e.d->unmap_calls, uc + 1);
	EXPECT_EQ(e.d->map_calls, mc + 2);
	EXPECT_EQ(e.d->nmaps, 2);
	EXPECT_HOSTMAP(&e, B, 6, FRAMES, true);
	EXPECT_HOSTMAP(&e, B + 7 * PG, 9, FRAMES + 7 * PG, true);
	CHECK16(&e, 6, 6);
	fx_fini(&e.x);
}

/* A refresh that covers part of a mapping: outside the range the old
 * translations stay, even where the guest has changed the tables. */
TEST(dl_partial_refresh_keeps_translations_outside_range)
{
	struct env e;
	uint64_t mc, uc;
	const uint64_t nf = FRAMES + 0x100000;

	setup(&e, &plain, PBA, PAL);
	map16(&e);
	/* nothing changed, a refresh inside the mapping: no calls */
	mc = e.d->map_calls;
	uc = e.d->unmap_calls;
	EXPECT_EQ(rpcit_cc(&e, B + 5 * PG, 3 * PG), 0);
	EXPECT_EQ(e.d->map_calls, mc);
	EXPECT_EQ(e.d->unmap_calls, uc);
	/* every page moves; only pages 4..7 are refreshed */
	for (unsigned i = 0; i < 16; i++)
		fx_w64(&e.x, pte_addr(&e, B + i * PG), nf + i * PG);
	EXPECT_EQ(rpcit_cc(&e, B + 4 * PG, 4 * PG), 0);
	EXPECT_EQ(e.d->unmap_calls, uc + 1);
	EXPECT_EQ(e.d->map_calls, mc + 3);
	for (unsigned i = 0; i < 16; i++)
		EXPECT_MAP(&e, B + i * PG, (i >= 4 && i < 8 ? nf : FRAMES) + i * PG, true);
	EXPECT_EQ(e.d->nmaps, 3);
	EXPECT_HOSTMAP(&e, B, 4, FRAMES, true);
	EXPECT_HOSTMAP(&e, B + 4 * PG, 4, nf + 4 * PG, true);
	EXPECT_HOSTMAP(&e, B + 8 * PG, 8, FRAMES + 8 * PG, true);
	EXPECT_SHADOW(&e);
	/* now all of it */
	EXPECT_EQ(rpcit_cc(&e, B, 16 * PG), 0);
	for (unsigned i = 0; i < 16; i++)
		EXPECT_MAP(&e, B + i * PG, nf + i * PG, true);
	/* the part already right may stay a mapping of its own */
	EXPECT(e.d->nmaps >= 1 && e.d->nmaps <= 3);
	EXPECT_SHADOW(&e);
	fx_fini(&e.x);
}

TEST(dl_adjacent_unmaps_are_one_backend_call)
{
	struct env e;
	struct zv_stats s0, s1;
	uint64_t mc, uc;

	setup(&e, &plain, PBA, PAL);
	/* pages 0..3 and 6..7: one mapping each (frames apart) */
	for (unsigned i = 0; i < 8; i++)
		if (i < 4 || i >= 6)
			map(&e, B + i * PG, SPREAD(i), false);
	EXPECT_EQ(rpcit_cc(&e, B, 8 * PG), 0);
	EXPECT_EQ(e.d->nmaps, 6);
	uc = e.d->unmap_calls;
	s0 = stats(&e);
	for (unsigned i = 0; i < 8; i++)
		fx_w64(&e.x, pte_addr(&e, B + i * PG), 0x400);
	EXPECT_EQ(rpcit_cc(&e, B, 8 * PG), 0);
	s1 = stats(&e);
	EXPECT_EQ(e.d->nmaps, 0);
	EXPECT_EQ(e.d->unmap_calls, uc + 2);	/* 0..3 and 6..7 */
	EXPECT_EQ(s1.unmap_calls - s0.unmap_calls, 2);
	EXPECT_EQ(s1.pages_unmapped - s0.pages_unmapped, 6);
	EXPECT_SHADOW(&e);

	/* four adjacent mappings whose frames all change: one unmap, four maps */
	for (unsigned i = 0; i < 4; i++)
		fx_w64(&e.x, pte_addr(&e, B + i * PG), SPREAD(i));
	EXPECT_EQ(rpcit_cc(&e, B, 8 * PG), 0);
	EXPECT_EQ(e.d->nmaps, 4);
	mc = e.d->map_calls;
	uc = e.d->unmap_calls;
	for (unsigned i = 0; i < 4; i++)
		fx_w64(&e.x, pte_addr(&e, B + i * PG), SPREAD(0x100 + i));
	EXPECT_EQ(rpcit_cc(&e, B, 4 * PG), 0);
	EXPECT_EQ(e.d->unmap_calls, uc + 1);
	EXPECT_EQ(e.d->map_calls, mc + 4);
	for (unsigned i = 0; i < 4; i++)
		EXPECT_MAP(&e, B + i * PG, SPREAD(0x100 + i), true);
	EXPECT_SHADOW(&e);
	fx_fini(&e.x);
}

/* two adjacent multi-page mappings both cut by one RPCIT: one unmap call
 * for both, the two survivors mapped again */
TEST(dl_adjacent_partial_unmaps_are_one_backend_call)
{
	struct env e;
	uint64_t mc, uc;

	setup(&e, &plain, PBA, PAL);
	for (unsigned i = 0; i < 16; i++)
		map(&e, B + i * PG, FRAMES + i * PG, i >= 8);	/* 0..7 rw, 8..15 ro */
	EXPECT_EQ(rpcit_cc(&e, B, 16 * PG), 0);
	EXPECT_EQ(e.d->nmaps, 2);
	mc = e.d->map_calls;
	uc = e.d->unmap_calls;
	fx_w64(&e.x, pte_addr(&e, B + 7 * PG), 0x400);
	fx_w64(&e.x, pte_addr(&e, B + 8 * PG), 0x400);
	EXPECT_EQ(rpcit_cc(&e, B + 7 * PG, 2 * PG), 0);
	EXPECT_EQ(e.d->unmap_calls, uc + 1);
	EXPECT_EQ(e.d->map_calls, mc + 2);
	EXPECT_EQ(e.d->nmaps, 2);
	EXPECT_HOSTMAP(&e, B, 7, FRAMES, true);
	EXPECT_HOSTMAP(&e, B + 9 * PG, 7, FRAMES + 9 * PG, false);
	EXPECT_UNMAPPED(&e, B + 7 * PG);
	EXPECT_UNMAPPED(&e, B + 8 * PG);
	EXPECT_SHADOW(&e);
	fx_fini(&e.x);
}

/* ---- c. permissions split runs -------------------------------------------- */

TEST(dl_read_only_page_splits_run_in_three)
{
	struct env e;

	setup(&e, &plain, PBA, PAL);
	for (unsigned i = 0; i < 16; i++)
		map(&e, B + i * PG, FRAMES + i * PG, i == 8);
	EXPECT_EQ(rpcit_cc(&e, B, 16 * PG), 0);
	EXPECT_EQ(e.d->map_calls, 3);
	EXPECT_EQ(e.d->nmaps, 3);
	EXPECT_HOSTMAP(&e, B, 8, FRAMES, true);
	EXPECT_HOSTMAP(&e, B + 8 * PG, 1, FRAMES + 8 * PG, false);
	EXPECT_HOSTMAP(&e, B + 9 * PG, 7, FRAMES + 9 * PG, true);
	for (unsigned i = 0; i < 16; i++)
		EXPECT_MAP(&e, B + i * PG, FRAMES + i * PG, i != 8);
	EXPECT_SHADOW(&e);
	/* protection dropped: every page writable again */
	fx_w64(&e.x, pte_addr(&e, B + 8 * PG), FRAMES + 8 * PG);
	EXPECT_EQ(rpcit_cc(&e, B, 16 * PG), 0);
	for (unsigned i = 0; i < 16; i++)
		EXPECT_MAP(&e, B + i * PG, FRAMES + i * PG, true);
	EXPECT(e.d->nmaps >= 1 && e.d->nmaps <= 3);
	EXPECT_SHADOW(&e);
	fx_fini(&e.x);
}

TEST(dl_protected_segment_and_region_split_runs)
{
	struct env e;
	const uint64_t a = PBA + REG - SEG;	/* last segment of region 2, first of 3 */

	setup(&e, &plain, PBA, PAL4G);
	/* 3 MiB contiguous over segments s0 | s1 (protected) | s2 (next region) */
	for (unsigned i = 0; i < 256; i++)
		map(&e, a - SEG + i * PG, FRAMES + i * PG, false);
	for (unsigned i = 0; i < 512; i++)
		map(&e, a + i * PG, FRAMES + SEG + i * PG, false);
	EXPECT_EQ(rpcit_cc(&e, a - SEG, 3 * SEG), 0);
	EXPECT_EQ(e.d->nmaps, 1);	/* across segment and region entries */
	EXPECT_HOSTMAP(&e, a - SEG, 768, FRAMES, true);
	fx_w64(&e.x, ste_addr(&e, a), fx_r64(&e.x, ste_addr(&e, a)) | 0x200);
	EXPECT_EQ(rpcit_cc(&e, a - SEG, 3 * SEG), 0);
	EXPECT_EQ(e.d->nmaps, 3);
	EXPECT_HOSTMAP(&e, a - SEG, 256, FRAMES, true);
	EXPECT_HOSTMAP(&e, a, 256, FRAMES + SEG, false);
	EXPECT_HOSTMAP(&e, a + SEG, 256, FRAMES + 2 * SEG, true);
	/* protect the region entry of the third segment instead */
	fx_w64(&e.x, ste_addr(&e, a), fx_r64(&e.x, ste_addr(&e, a)) & ~0x200ULL);
	fx_w64(&e.x, rte_addr(a + SEG), fx_r64(&e.x, rte_addr(a + SEG)) | 0x200);
	EXPECT_EQ(rpcit_cc(&e, a - SEG, 3 * SEG), 0);
	for (unsigned i = 0; i < 768; i++)
		EXPECT_MAP(&e, a - SEG + i * PG, FRAMES + i * PG, i < 512);
	EXPECT_SHADOW(&e);
	fx_fini(&e.x);
}

/* ---- d. the mapping budget --------------------------------------------------- */

TEST(dl_budget_runs_beyond_limit_are_status16)
{
	struct env e;
	struct zpci_event ev;
	unsigned n = 0;

	setup(&e, &plain, PBA, PAL);
	e.d->limit = 4;
	/* six contiguous pages: one mapping, well within the budget */
	for (unsigned i = 0; i < 6; i++)
		map(&e, B + i * PG, FRAMES + i * PG, false);
	EXPECT_EQ(rpcit_cc(&e, B, 6 * PG), 0);
	EXPECT_EQ(e.d->nmaps, 1);
	/* six pages that cannot coalesce: six mappings, only 3 more fit */
	for (unsigned i = 0; i < 6; i++)
		map(&e, B + SEG + i * PG, SPREAD(i), false);
	EXPECT_EQ(fx_rpcit(&e.x, e.fh, B + SEG, 6 * PG), 0);
	EXPECT_EQ(fx_cc(&e.x), 1);
	EXPECT_EQ(fx_status(&e.x, 1), ZPCI_ST_INSUF_RES);
	EXPECT_EQ(e.x.cpu.gpr[1] >> 32, e.fh);
	EXPECT_EQ(e.d->nmaps, 4);
	for (unsigned i = 0; i < 6; i++) {
		void *h;
		bool w;

		if (fake_lookup(e.d, B + SEG + i * PG, &h, &w)) {
			n++;
			EXPECT(h == (void *)(e.x.ram + SPREAD(i)));
			EXPECT(w);
		}
	}
	EXPECT_EQ(n, 3);
	for (unsigned i = 0; i < 6; i++)	/* outside the range: untouched */
		EXPECT_MAP(&e, B + i * PG, FRAMES + i * PG, true);
	EXPECT(!fx_event(&e.x, &ev));
	EXPECT_EQ(zv_function_state(e.fn), ZV_FS_ENABLED);
	EXPECT_SHADOW(&e);
	fx_fini(&e.x);
}

/* Unmaps first: new pages at lower addresses than the old ones they
 * replace still fit when the budget is full. */
TEST(dl_budget_unmaps_come_before_maps)
{
	struct env e;

	setup(&e, &plain, PBA, PAL);
	e.d->limit = 3;
	for (unsigned i = 0; i < 3; i++)
		map(&e, B + SEG + i * PG, SPREAD(i), false);
	EXPECT_EQ(rpcit_cc(&e, B, 2 * SEG), 0);
	EXPECT_EQ(e.d->nmaps, 3);
	for (unsigned i = 0; i < 3; i++) {
		map(&e, B + i * PG, SPREAD(0x10 + i), false);
		fx_w64(&e.x, pte_addr(&e, B + SEG + i * PG), 0x400);
	}
	EXPECT_EQ(rpcit_cc(&e, B, 2 * SEG), 0);
	EXPECT_EQ(e.d->nmaps, 3);
	for (unsigned i = 0; i < 3; i++) {
		EXPECT_MAP(&e, B + i * PG, SPREAD(0x10 + i), true);
		EXPECT_UNMAPPED(&e, B + SEG + i * PG);
	}
	EXPECT_SHADOW(&e);
	/* one new page more than was freed: status 16, but every stale
	 * mapping is gone first and the budget is used to the full */
	for (unsigned i = 0; i < 3; i++)
		fx_w64(&e.x, pte_addr(&e, B + i * PG), 0x400);
	for (unsigned i = 0; i < 4; i++)
		map(&e, B + 0x10 * PG + i * PG, SPREAD(0x20 + i), false);
	EXPECT_EQ(fx_rpcit(&e.x, e.fh, B, 2 * SEG), 0);
	EXPECT_EQ(fx_cc(&e.x), 1);
	EXPECT_EQ(fx_status(&e.x, 1), ZPCI_ST_INSUF_RES);
	for (unsigned i = 0; i < 3; i++)
		EXPECT_UNMAPPED(&e, B + i * PG);
	EXPECT_EQ(e.d->nmaps, 3);
	for (unsigned i = 0; i < 4; i++)
		if (is_mapped(&e, B + 0x10 * PG + i * PG))
			EXPECT_MAP(&e, B + 0x10 * PG + i * PG, SPREAD(0x20 + i), true);
	EXPECT_SHADOW(&e);
	fx_fini(&e.x);
}

/* splitting a mapping needs one more: with no room that is status 16 */
TEST(dl_budget_split_needs_room)
{
	struct env e;

	setup(&e, &plain, PBA, PAL);
	e.d->limit = 1;
	map16(&e);
	fx_w64(&e.x, pte_addr(&e, B + 7 * PG), 0x400);
	EXPECT_EQ(fx_rpcit(&e.x, e.fh, B + 7 * PG, PG), 0);
	EXPECT_EQ(fx_cc(&e.x), 1);
	EXPECT_EQ(fx_status(&e.x, 1), ZPCI_ST_INSUF_RES);
	EXPECT_UNMAPPED(&e, B + 7 * PG);
	EXPECT_EQ(e.d->nmaps, 1);
	for (unsigned i = 0; i < 16; i++)
		if (i != 7 && is_mapped(&e, B + i * PG))
			EXPECT_MAP(&e, B + i * PG, FRAMES + i * PG, true);
	EXPECT_SHADOW(&e);
	EXPECT_EQ(zv_function_state(e.fn), ZV_FS_ENABLED);
	/* with room for both halves the guest's global refresh restores them */
	e.d->limit = 2;
	EXPECT_EQ(rpcit_cc(&e, PBA, PAL - PBA + 1), 0);
	EXPECT_EQ(e.d->nmaps, 2);
	CHECK16(&e, 7, 7);
	fx_fini(&e.x);
}

/* A page that joins its neighbours again makes one run, which needs one
 * mapping: with room for two the refresh must succeed, and if it did not,
 * Linux's answer (a global refresh) must. The pieces the run was held in
 * have to be unmapped and the run mapped whole. */
TEST(dl_budget_rejoined_run_fits_one_mapping)
{
	struct env e;

	setup(&e, &plain, PBA, PAL);
	e.d->limit = 2;
	map16(&e);
	fx_w64(&e.x, pte_addr(&e, B + 7 * PG), 0x400);
	EXPECT_EQ(rpcit_cc(&e, B + 7 * PG, PG), 0);
	EXPECT_EQ(e.d->nmaps, 2);
	/* page 7 back on its old frame: pages 0..15 are one run again */
	fx_w64(&e.x, pte_addr(&e, B + 7 * PG), FRAMES + 7 * PG);
	EXPECT_EQ(rpcit_cc(&e, B + 7 * PG, PG), 0);
	if (fx_cc(&e.x) != 0)		/* the guest's recovery */
		EXPECT_EQ(rpcit_cc(&e, PBA, PAL - PBA + 1), 0);
	CHECK16(&e, 16, 16);
	EXPECT_EQ(e.d->nmaps, 1);
	EXPECT_HOSTMAP(&e, B, 16, FRAMES, true);
	fx_fini(&e.x);
}

/* After status 16 Linux invalidates what it no longer needs and refreshes
 * the whole aperture: that must recover. */
TEST(dl_budget_linux_global_refresh_recovers)
{
	struct env e;
	struct zpci_event ev;

	setup(&e, &plain, PBA, PAL);
	e.d->limit = 8;
	for (unsigned i = 0; i < 12; i++)
		map(&e, B + i * 3 * PG, SPREAD(i), false);	/* not adjacent */
	EXPECT_EQ(fx_rpcit(&e.x, e.fh, B, 36 * PG), 0);
	EXPECT_EQ(fx_cc(&e.x), 1);
	EXPECT_EQ(fx_status(&e.x, 1), ZPCI_ST_INSUF_RES);
	EXPECT_EQ(e.d->nmaps, 8);
	/* invalidating too little is not enough: status 16 again */
	fx_w64(&e.x, pte_addr(&e, B), 0x400);
	EXPECT_EQ(fx_rpcit(&e.x, e.fh, PBA, PAL - PBA + 1), 0);
	EXPECT_EQ(fx_cc(&e.x), 1);
	EXPECT_EQ(fx_status(&e.x, 1), ZPCI_ST_INSUF_RES);
	EXPECT_EQ(e.d->nmaps, 8);
	EXPECT_UNMAPPED(&e, B);
	EXPECT_SHADOW(&e);
	/* enough */
	for (unsigned i = 1; i < 4; i++)
		fx_w64(&e.x, pte_addr(&e, B + i * 3 * PG), 0x400);
	EXPECT_EQ(rpcit_cc(&e, PBA, PAL - PBA + 1), 0);
	EXPECT_EQ(e.d->nmaps, 8);
	for (unsigned i = 0; i < 12; i++) {
		if (i < 4)
			EXPECT_UNMAPPED(&e, B + i * 3 * PG);
		else
			EXPECT_MAP(&e, B + i * 3 * PG, SPREAD(i), true);
	}
	EXPECT(!fx_event(&e.x, &ev));
	EXPECT_EQ(zv_function_state(e.fn), ZV_FS_ENABLED);
	EXPECT_SHADOW(&e);
	fx_fini(&e.x);
}

/* ---- e. relaxed translation ------------------------------------------------ */

TEST(dl_relaxed_direct_map_linux_style)
{
	struct env e;
	uint64_t sdma, edma, mc, uc;
	uint8_t pfgid;
	struct zv_stats s0, s1;
	static const uint64_t probe[] = { 0, PG, 0x123000, 0x1234567, FX_RAM_SIZE - PG };

	start(&e, &(struct lx_cfg){ .relaxed = true });
	query_fn(&e.x, e.fn, &sdma, &edma, &pfgid);
	EXPECT_EQ(pfgid, 0xfe);
	EXPECT_EQ(sdma, ZV_DEFAULT_SDMA);
	EXPECT_EQ(edma, ZV_DEFAULT_EDMA);	/* not shrunk */
	EXPECT(query_group_flags(&e.x, 0xfe) & CLP_QGRP_FLAG_RTR);
	EXPECT(!(query_group_flags(&e.x, 0xff) & CLP_QGRP_FLAG_RTR));
	/* Linux's identity domain: IOTA 0, window SDMA..EDMA */
	EXPECT_EQ(ioat(&e, ZPCI_MOD_FC_REG_IOAT, sdma, edma, 0), 0);
	EXPECT_EQ(fx_cc(&e.x), 0);
	EXPECT_EQ(e.d->map_calls, 1);
	EXPECT_EQ(e.d->nmaps, 1);
	EXPECT_HOSTMAP(&e, sdma, RAM_PAGES, 0, true);
	for (unsigned i = 0; i < sizeof(probe) / sizeof(probe[0]); i++)
		EXPECT_MAP(&e, sdma + probe[i], probe[i], true);	/* byte exact */
	EXPECT_UNMAPPED(&e, sdma + FX_RAM_SIZE);
	EXPECT_UNMAPPED(&e, sdma - PG);
	EXPECT_SHADOW(&e);
	/* RPCIT does nothing: no walk, no calls */
	mc = e.d->map_calls;
	uc = e.d->unmap_calls;
	s0 = stats(&e);
	EXPECT_EQ(rpcit_cc(&e, sdma, 16 * PG), 0);
	EXPECT_EQ(rpcit_cc(&e, sdma, edma - sdma + 1), 0);
	EXPECT_EQ(rpcit_cc(&e, sdma + 0x5000, UINT64_MAX), 0);
	s1 = stats(&e);
	EXPECT_EQ(e.d->map_calls, mc);
	EXPECT_EQ(e.d->unmap_calls, uc);
	EXPECT_EQ(s1.table_loads, s0.table_loads);
	EXPECT_EQ(e.d->nmaps, 1);
	/* DEREG removes the direct map */
	EXPECT_EQ(ioat(&e, ZPCI_MOD_FC_DEREG_IOAT, 0, 0, 0), 0);
	EXPECT_EQ(fx_cc(&e.x), 0);
	EXPECT_EQ(e.d->nmaps, 0);
	EXPECT_EQ(e.d->unmap_calls, uc + 1);
	EXPECT_UNMAPPED(&e, sdma);
	EXPECT_SHADOW(&e);
	/* and registering again maps it again */
	EXPECT_EQ(ioat(&e, ZPCI_MOD_FC_REG_IOAT, sdma, edma, 0), 0);
	EXPECT_EQ(fx_cc(&e.x), 0);
	EXPECT_EQ(e.d->nmaps, 1);
	EXPECT_MAP(&e, sdma + 0x42000, 0x42000, true);
	fx_fini(&e.x);
}

TEST(dl_relaxed_window_clips_direct_map)
{
	struct env e;

	start(&e, &(struct lx_cfg){ .relaxed = true });
	EXPECT_EQ(ioat(&e, ZPCI_MOD_FC_REG_IOAT, PBA + (16ULL << 20), PBA + (32ULL << 20) - 1, 0), 0);
	EXPECT_EQ(fx_cc(&e.x), 0);
	EXPECT_EQ(e.d->nmaps, 1);
	EXPECT_HOSTMAP(&e, PBA + (16ULL << 20), (16ULL << 20) / PG, 16ULL << 20, true);
	EXPECT_UNMAPPED(&e, PBA + (16ULL << 20) - PG);
	EXPECT_UNMAPPED(&e, PBA + (32ULL << 20));
	EXPECT_EQ(ioat(&e, ZPCI_MOD_FC_DEREG_IOAT, 0, 0, 0), 0);
	EXPECT_EQ(e.d->nmaps, 0);
	/* a window beyond guest RAM: nothing to map */
	EXPECT_EQ(ioat(&e, ZPCI_MOD_FC_REG_IOAT, PBA + (1ULL << 30), PBA + (2ULL << 30) - 1, 0), 0);
	EXPECT_EQ(fx_cc(&e.x), 0);
	EXPECT_EQ(e.d->nmaps, 0);
	fx_fini(&e.x);
}

/* REREG between a translated and an untranslated IOTA */
TEST(dl_relaxed_rereg_switches_between_direct_and_translated)
{
	struct env e;

	start(&e, &(struct lx_cfg){ .relaxed = true });
	EXPECT_EQ(ioat(&e, ZPCI_MOD_FC_REG_IOAT, PBA, PAL, 0), 0);
	EXPECT_EQ(fx_cc(&e.x), 0);
	EXPECT_EQ(e.d->nmaps, 1);
	/* a bad translated registration is an exception and changes nothing */
	EXPECT_EQ(ioat(&e, ZPCI_MOD_FC_REREG_IOAT, PBA, 1ULL << 42, RT | IOTA_RT), ZV_PGM_OPERAND);
	EXPECT_EQ(e.d->nmaps, 1);
	EXPECT_MAP(&e, PBA + 0x7000, 0x7000, true);
	/* to translation: the direct map goes, RPCIT maps what the tables say */
	for (unsigned i = 0; i < 2048; i++)
		fx_w64(&e.x, RT + 8 * i, 0x20);
	map(&e, PBA + 0x7000, FRAMES, false);
	EXPECT_EQ(ioat(&e, ZPCI_MOD_FC_REREG_IOAT, PBA, PAL, RT | IOTA_RT), 0);
	EXPECT_EQ(fx_cc(&e.x), 0);
	EXPECT_EQ(e.d->nmaps, 0);
	EXPECT_UNMAPPED(&e, PBA);
	EXPECT_EQ(rpcit_cc(&e, PBA, PAL - PBA + 1), 0);
	EXPECT_EQ(e.d->nmaps, 1);
	EXPECT_MAP(&e, PBA + 0x7000, FRAMES, true);
	EXPECT_UNMAPPED(&e, PBA + 0x8000);
	EXPECT_SHADOW(&e);
	/* and back: translated mappings go, the direct map comes */
	EXPECT_EQ(ioat(&e, ZPCI_MOD_FC_REREG_IOAT, PBA, PAL, 0), 0);
	EXPECT_EQ(fx_cc(&e.x), 0);
	EXPECT_EQ(e.d->nmaps, 1);
	EXPECT_MAP(&e, PBA + 0x7000, 0x7000, true);
	EXPECT_HOSTMAP(&e, PBA, RAM_PAGES, 0, true);
	EXPECT_SHADOW(&e);
	fx_fini(&e.x);
}

TEST(dl_relaxed_direct_map_over_budget_is_status16)
{
	struct env e;

	start(&e, &(struct lx_cfg){ .relaxed = true });
	e.d->limit = 0;
	EXPECT_EQ(ioat(&e, ZPCI_MOD_FC_REG_IOAT, PBA, PAL, 0), 0);
	EXPECT_EQ(fx_cc(&e.x), 1);
	EXPECT_EQ(fx_status(&e.x, 1), ZPCI_MOD_ST_INSUF_RES);
	EXPECT_EQ(e.d->nmaps, 0);
	EXPECT_EQ(zv_function_state(e.fn), ZV_FS_ENABLED);
	/* not registered: a new registration is allowed once there is room */
	e.d->limit = 1;
	EXPECT_EQ(ioat(&e, ZPCI_MOD_FC_REG_IOAT, PBA, PAL, 0), 0);
	EXPECT_EQ(fx_cc(&e.x), 0);
	EXPECT_EQ(e.d->nmaps, 1);
	fx_fini(&e.x);
}

/* Guest RAM in three regions: the direct map needs three mappings. */
TEST(dl_relaxed_direct_map_per_ram_region_budget)
{
	struct env e;
	const uint64_t rs = 4ULL << 20;
	uint64_t mc;
	uint8_t *b1 = region_alloc(rs), *b2 = region_alloc(rs);
	struct zv_mem_region extra[2] = {
		{ .gpa = 1ULL << 30, .size = rs, .host = b1 },
		{ .gpa = FX_RAM_SIZE, .size = rs, .host = b2 },	/* adjacent in gpa */
	};

	start(&e, &(struct lx_cfg){ .relaxed = true, .extra = extra, .nextra = 2 });
	e.d->limit = 2;
	EXPECT_EQ(ioat(&e, ZPCI_MOD_FC_REG_IOAT, e.fn->sdma, e.fn->edma, 0), 0);
	EXPECT_EQ(fx_cc(&e.x), 1);
	EXPECT_EQ(fx_status(&e.x, 1), ZPCI_MOD_ST_INSUF_RES);
	EXPECT_EQ(e.d->nmaps, 0);		/* a partial direct map is undone */
	EXPECT_SHADOW(&e);
	e.d->limit = 3;
	mc = e.d->map_calls;
	EXPECT_EQ(ioat(&e, ZPCI_MOD_FC_REG_IOAT, e.fn->sdma, e.fn->edma, 0), 0);
	EXPECT_EQ(fx_cc(&e.x), 0);
	EXPECT_EQ(e.d->nmaps, 3);
	EXPECT_HOSTMAP(&e, PBA, RAM_PAGES, 0, true);
	EXPECT_HOSTMAP_HOST(&e, PBA + FX_RAM_SIZE, rs / PG, b2, true);
	EXPECT_HOSTMAP_HOST(&e, PBA + (1ULL << 30), rs / PG, b1, true);
	EXPECT_MAP_HOST(&e, PBA + (1ULL << 30) + 0x3000, b1 + 0x3000, true);
	EXPECT_UNMAPPED(&e, PBA + FX_RAM_SIZE + rs);
	EXPECT_SHADOW(&e);
	EXPECT_EQ(e.d->map_calls, mc + 3);
	/* RPCIT still changes nothing */
	EXPECT_EQ(rpcit_cc(&e, PBA, 1ULL << 32), 0);
	EXPECT_EQ(e.d->map_calls, mc + 3);
	fx_fini(&e.x);
	munmap(b1, rs);
	munmap(b2, rs);
}

TEST(dl_untranslated_iota_needs_relaxed_translation)
{
	struct env e;

	start(&e, &plain);
	EXPECT_EQ(ioat(&e, ZPCI_MOD_FC_REG_IOAT, PBA, PAL, 0), ZV_PGM_OPERAND);
	EXPECT_EQ(ioat(&e, ZPCI_MOD_FC_REG_IOAT, PBA, PAL, RT | 0x004), ZV_PGM_OPERAND);	/* T clear */
	EXPECT_EQ(e.d->nmaps, 0);
	EXPECT_EQ(e.d->map_calls, 0);
	/* the exception suppressed the registration: a translated one works */
	EXPECT_EQ(fx_reg_ioat(&e.x, e.fh, RT, PBA, PAL), 0);
	EXPECT_EQ(fx_cc(&e.x), 0);
	EXPECT_EQ(e.d->nmaps, 0);
	fx_fini(&e.x);
}

TEST(dl_edma_follows_backend_budget_without_relaxed)
{
	struct env e;
	uint64_t sdma, edma;
	uint8_t pfgid;

	/* the default fake: FX_DEFAULT_LIMIT mappings */
	start(&e, &plain);
	query_fn(&e.x, e.fn, &sdma, &edma, &pfgid);
	EXPECT_EQ(pfgid, 0xff);
	EXPECT_EQ(sdma, ZV_DEFAULT_SDMA);
	EXPECT_EQ(edma, sdma + (uint64_t)FX_DEFAULT_LIMIT * PG - 1);
	fx_fini(&e.x);

	/* a budget of 1000 mappings: a window of 1000 pages */
	start(&e, &(struct lx_cfg){ .limit = 1000 });
	query_fn(&e.x, e.fn, &sdma, &edma, &pfgid);
	EXPECT_EQ(edma, sdma + 1000 * PG - 1);
	EXPECT_EQ(ioat(&e, ZPCI_MOD_FC_REG_IOAT, sdma, edma + 1, RT | IOTA_RT), ZV_PGM_OPERAND);
	EXPECT_EQ(ioat(&e, ZPCI_MOD_FC_REG_IOAT, sdma, edma + PG, RT | IOTA_RT), ZV_PGM_OPERAND);
	EXPECT_EQ(fx_reg_ioat(&e.x, e.fh, RT, sdma, edma), 0);
	EXPECT_EQ(fx_cc(&e.x), 0);
	fx_fini(&e.x);

	/* relaxed: the whole window, whatever the budget */
	start(&e, &(struct lx_cfg){ .limit = 1000, .relaxed = true });
	query_fn(&e.x, e.fn, &sdma, &edma, &pfgid);
	EXPECT_EQ(pfgid, 0xfe);
	EXPECT_EQ(edma, ZV_DEFAULT_EDMA);
	EXPECT_EQ(fx_reg_ioat(&e.x, e.fh, RT, sdma, sdma + 2000 * PG - 1), 0);
	EXPECT_EQ(fx_cc(&e.x), 0);
	fx_fini(&e.x);

	/* switching relaxed translation (while disabled) recomputes it */
	lx_init(&e.x, &(struct lx_cfg){ .limit = 1000 });
	e.fn = e.x.fn[0];
	EXPECT_EQ(zv_function_set_relaxed(e.fn, true), 0);
	query_fn(&e.x, e.fn, &sdma, &edma, &pfgid);
	EXPECT_EQ(edma, ZV_DEFAULT_EDMA);
	EXPECT_EQ(zv_function_set_relaxed(e.fn, false), 0);
	query_fn(&e.x, e.fn, &sdma, &edma, &pfgid);
	EXPECT_EQ(pfgid, 0xff);
	EXPECT_EQ(edma, sdma + 1000 * PG - 1);
	e.x.dev[0]->limit = 0;		/* nothing left: one page */
	EXPECT_EQ(zv_function_set_relaxed(e.fn, false), 0);
	query_fn(&e.x, e.fn, &sdma, &edma, &pfgid);
	EXPECT_EQ(edma, sdma + PG - 1);
	e.x.dev[0]->limit = 1000;
	EXPECT_EQ(zv_function_set_relaxed(e.fn, false), 0);
	fx_enable(&e.x, 0);
	EXPECT_EQ(zv_function_set_relaxed(e.fn, true), -1);	/* enabled: EBUSY */
	fx_fini(&e.x);
}

/* ---- f. scale: a sparse 1 TiB window ---------------------------------------- */

#define SC_WIN   (1ULL << 40)
#define SC_N     400

TEST(dl_sparse_1t_window_global_refresh)
{
	struct env e;
	static uint64_t iova[SC_N];
	static bool ro[SC_N];
	uint64_t sdma, edma, loads, t_regions = 0, t_segs = 0, cl;
	uint8_t pfgid;
	unsigned n = 0, bad = 0;
	struct zv_stats s0, s1;
	double t0, t;

	xs_state = 0x1f2e3d4c5b6a7988ULL;
	/* a budget of 2^28 mappings: EDMA = SDMA + 1 TiB - 1 */
	start(&e, &(struct lx_cfg){ .limit = 1ULL << 28 });
	query_fn(&e.x, e.fn, &sdma, &edma, &pfgid);
	EXPECT_EQ(edma, sdma + SC_WIN - 1);
	EXPECT_EQ(fx_reg_ioat(&e.x, e.fh, RT, sdma, edma), 0);
	EXPECT_EQ(fx_cc(&e.x), 0);
	/* a 16-page cluster somewhere, the first and last page, the rest random */
	cl = sdma + (xs_below(SC_WIN / PG - 64) + 16) * PG;
	for (unsigned i = 0; i < 16; i++)
		map(&e, cl + i * PG, 0x3000000 + i * PG, false);
	while (n < SC_N) {
		uint64_t a = n == 0 ? sdma : n == 1 ? edma + 1 - PG : sdma + xs_below(SC_WIN / PG) * PG;
		bool dup = a + PG > cl && a < cl + 16 * PG;

		for (unsigned j = 0; j < n && !dup; j++)
			dup = iova[j] == a;
		if (dup)
			continue;
		iova[n] = a;
		ro[n] = xs_below(7) == 0;
		map(&e, a, SPREAD(n), ro[n]);
		n++;
	}
	EXPECT(e.next < 0x2000000);		/* the tables stayed below the frames */
	/* what an exact walk needs: every region entry of the window, the
	 * segment tables of valid region entries, the page tables' entries */
	for (unsigned r = 0; r < 2048; r++)
		t_regions += !(fx_r64(&e.x, RT + 8 * r) & 0x20);
	t_segs = (e.next - TABLES) / 0x800;	/* upper bound on page tables */
	s0 = stats(&e);
	t0 = now_s();
	EXPECT_EQ(rpcit_cc(&e, sdma, edma - sdma + 1), 0);
	t = now_s() - t0;
	s1 = stats(&e);
	EXPECT(t < 1.0);
	loads = s1.table_loads - s0.table_loads;
	EXPECT(loads <= SC_WIN / REG + 2048 * t_regions + 256 * t_segs);
	EXPECT_EQ(s1.pages_walked - s0.pages_walked, SC_N + 16);
	EXPECT_EQ(e.d->nmaps, SC_N + 1);
	EXPECT_EQ(e.d->map_calls, SC_N + 1);
	for (unsigned i = 0; i < SC_N; i++) {
		void *h;
		bool w;

		if (!fake_lookup(e.d, iova[i], &h, &w) || h != e.x.ram + SPREAD(i) || w != !ro[i])
			bad++;
	}
	EXPECT_EQ(bad, 0);
	EXPECT_HOSTMAP(&e, cl, 16, 0x3000000, true);
	EXPECT(maps_inside_ram(&e));
	EXPECT_SHADOW(&e);
	/* the shadow follows the mappings, not the 2^28-page window */
	EXPECT(extmap_bytes(&e.fn->dma.shadow) < 64 * 1024);
	EXPECT_EQ(extmap_count(&e.fn->dma.shadow), SC_N + 1);
	/* the same again (and as Linux's global refresh up to EDMA): no calls */
	t0 = now_s();
	EXPECT_EQ(rpcit_cc(&e, sdma, edma - sdma + 1), 0);
	EXPECT_EQ(rpcit_cc(&e, 0, UINT64_MAX), 0);
	t = now_s() - t0;
	EXPECT(t < 2.0);
	EXPECT_EQ(e.d->map_calls, SC_N + 1);
	EXPECT_EQ(e.d->unmap_calls, 0);
	/* drop a quarter of the pages */
	for (unsigned i = 2; i < SC_N; i += 4)
		fx_w64(&e.x, pte_addr(&e, iova[i]), 0x400);
	EXPECT_EQ(rpcit_cc(&e, sdma, edma - sdma + 1), 0);
	EXPECT_EQ(e.d->nmaps, SC_N + 1 - (SC_N - 2 + 3) / 4);
	for (unsigned i = 0; i < SC_N; i++) {
		if (i >= 2 && i % 4 == 2)
			EXPECT_UNMAPPED(&e, iova[i]);
		else
			EXPECT_MAP(&e, iova[i], SPREAD(i), !ro[i]);
	}
	/* every region entry invalid: everything goes, quickly */
	for (unsigned r = 0; r < 2048; r++)
		fx_w64(&e.x, RT + 8 * r, fx_r64(&e.x, RT + 8 * r) | 0x20);
	t0 = now_s();
	EXPECT_EQ(rpcit_cc(&e, sdma, edma - sdma + 1), 0);
	EXPECT(now_s() - t0 < 1.0);
	EXPECT_EQ(e.d->nmaps, 0);
	EXPECT_EQ(extmap_count(&e.fn->dma.shadow), 0);
	EXPECT(extmap_bytes(&e.fn->dma.shadow) < 64 * 1024);
	fx_fini(&e.x);
}

/* a region-third-rooted table reaches 4 TiB, not further */
TEST(dl_region_third_table_reaches_4t)
{
	struct env e;
	const uint64_t top = 1ULL << 42;

	start(&e, &(struct lx_cfg){ .relaxed = true });	/* EDMA not shrunk */
	EXPECT_EQ(ioat(&e, ZPCI_MOD_FC_REG_IOAT, PBA, top, RT | IOTA_RT), ZV_PGM_OPERAND);
	EXPECT_EQ(fx_reg_ioat(&e.x, e.fh, RT, PBA, top - 1), 0);
	EXPECT_EQ(fx_cc(&e.x), 0);
	map(&e, top - PG, FRAMES, false);
	map(&e, PBA, FRAMES + 0x10000, true);
	EXPECT_EQ(rpcit_cc(&e, 0, UINT64_MAX), 0);
	EXPECT_EQ(e.d->nmaps, 2);
	EXPECT_MAP(&e, top - PG, FRAMES, true);
	EXPECT_MAP(&e, PBA, FRAMES + 0x10000, false);
	EXPECT(extmap_bytes(&e.fn->dma.shadow) < 64 * 1024);
	fx_fini(&e.x);
}

/* ---- g. randomized differential test ------------------------------------------
 * Three region entries from PBA; in each, 16 segments with page tables
 * (0..7 and 2040..2047, so runs cross segment and region boundaries), all
 * other segment entries invalid. The oracle is a naive per-page walk. */

#define G_NREG   3
#define G_SEGS   16
#define G_PAGES  (G_NREG * G_SEGS * 256)
#define G_PBA    PBA
#define G_PAL    (G_PBA + G_NREG * REG - 1)
#define G_ST(r)  (0x80000ULL + (uint64_t)(r) * 0x4000)
#define G_PT(s)  (0x100000ULL + (uint64_t)(s) * 0x800)
#define G_FLO    0x400000ULL		/* frames from 4 MiB */
#define G_CAP    4000			/* valid PTEs, about */

static unsigned g_sx(unsigned si)	/* segment index in its table */
{
	return si < 8 ? si : 2040 + (si - 8);
}

static uint64_t g_iova(unsigned p)
{
	unsigned seg = p / 256;

	return G_PBA + (uint64_t)(seg / G_SEGS) * REG + (uint64_t)g_sx(seg % G_SEGS) * SEG +
	       (uint64_t)(p % 256) * PG;
}

/* first active page with iova >= a (G_PAGES if none) */
static unsigned g_lower(uint64_t a)
{
	unsigned lo = 0, hi = G_PAGES;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (g_iova(mid) < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int g_page(uint64_t iova)
{
	uint64_t off, s;
	unsigned r, si;

	if (iova < G_PBA || iova > G_PAL)
		return -1;
	off = iova - G_PBA;
	r = (unsigned)(off / REG);
	s = off % REG / SEG;
	if (s < 8)
		si = (unsigned)s;
	else if (s >= 2040)
		si = (unsigned)(s - 2032);
	else
		return -1;
	return (int)((r * G_SEGS + si) * 256 + off % SEG / PG);
}

static uint64_t g_rte(unsigned r)
{
	return RT + 8 * (((G_PBA >> 31) & 0x7ff) + r);
}

static uint64_t g_ste(unsigned seg)
{
	return G_ST(seg / G_SEGS) + 8ULL * g_sx(seg % G_SEGS);
}

static uint64_t g_pte(unsigned p)
{
	return G_PT(p / 256) + 8ULL * (p % 256);
}

/* a page's host mapping, encoded: 0 none, else gpa | 1 | write << 1 */
static uint64_t enc(uint64_t gpa, bool write)
{
	return gpa | 1 | (write ? 2 : 0);
}

static uint64_t g_naive(struct fx *x, uint64_t iova)
{
	uint64_t rte, ste, pte, gpa;
	bool ro;

	rte = fx_r64(x, RT + 8 * ((iova >> 31) & 0x7ff));
	if (rte & 0x20)
		return 0;
	ro = rte & 0x200;
	ste = fx_r64(x, (rte & ~0x3fffULL) + 8 * ((iova >> 20) & 0x7ff));
	if (ste & 0x20)
		return 0;
	ro |= (ste & 0x200) != 0;
	if (ste & 0x400) {
		gpa = (ste & ~0xfffffULL) + (iova & 0xff000);
	} else {
		pte = fx_r64(x, (ste & ~0x7ffULL) + 8 * ((iova >> 12) & 0xff));
		if (pte & 0x400)
			return 0;
		ro |= (pte & 0x200) != 0;
		gpa = pte & ~0xfffULL;
	}
	return enc(gpa, !ro);
}

/* the fake IOMMU per active page; false (with why) if a mapping lies
 * outside guest RAM or the active pages, or two mappings overlap */
static bool g_snapshot(struct env *e, uint64_t *act, char *why, size_t wl)
{
	memset(act, 0, G_PAGES * sizeof(*act));
	for (unsigned i = 0; i < e->d->nmaps; i++) {
		const struct fake_map *mp = &e->d->maps[i];
		const uint8_t *h = mp->host;

		if (h < e->x.ram || mp->size > FX_RAM_SIZE || h + mp->size > e->x.ram + FX_RAM_SIZE ||
		    !mp->size) {
			snprintf(why, wl, "mapping iova %#" PRIx64 " size %#" PRIx64 " outside guest RAM",
				 mp->iova, mp->size);
			return false;
		}
		if ((mp->iova | mp->size) & (PG - 1)) {
			snprintf(why, wl, "mapping iova %#" PRIx64 " size %#" PRIx64 " not whole pages",
				 mp->iova, mp->size);
			return false;
		}
		for (uint64_t o = 0; o < mp->size; o += PG) {
			int p = g_page(mp->iova + o);

			if (p < 0) {
				snprintf(why, wl, "iova %#" PRIx64 " mapped, but no table can map it",
					 mp->iova + o);
				return false;
			}
			if (act[p]) {
				snprintf(why, wl, "iova %#" PRIx64 " mapped twice", mp->iova + o);
				return false;
			}
			act[p] = enc((uint64_t)(h - e->x.ram) + o, mp->write);
		}
	}
	return true;
}

struct gstate {
	struct env e;
	uint64_t *prev, *act, *want;	/* per active page */
	bool *pte_valid;
	unsigned nvalid;
	bool tight, failed;
	bool small;			/* no whole-window ranges (per-page strategy) */
	uint64_t last_start, last_len;
	unsigned op;
	/* counters */
	unsigned rpcits, globals, st16, recovered, maxmaps, shadow_checks;
	uint64_t ranged_pages;
};

static uint64_t g_frame(uint64_t npages)
{
	return G_FLO + xs_below((FX_RAM_SIZE - G_FLO) / PG - npages + 1) * PG;
}

static void g_set_pte(struct gstate *g, unsigned p, uint64_t v)
{
	bool valid = !(v & 0x400);

	fx_w64(&g->e.x, g_pte(p), v);
	if (valid != g->pte_valid[p]) {
		g->pte_valid[p] = valid;
		g->nvalid += valid ? 1 : (unsigned)-1;
	}
}

static void g_report(struct gstate *g, int line, const char *what, uint64_t start_, uint64_t len,
		     unsigned plo, unsigned phi)
{
	unsigned nbad = 0;

	for (unsigned p = 0; p < G_PAGES && nbad < 5; p++) {
		if (g->want[p] == g->act[p])
			continue;
		nbad++;
		th_fail(__FILE__, line,
			"op %u %s RPCIT(%#" PRIx64 ", %#" PRIx64 ") page %#" PRIx64 " (%s range):"
			" want %#" PRIx64 ", have %#" PRIx64 " (gpa|1|w<<1)", g->op, what, start_, len,
			g_iova(p), p >= plo && p <= phi ? "in" : "outside", g->want[p], g->act[p]);
	}
	g->failed = true;
}

/* RPCIT(start, len) and check the fake against the oracle. Returns the
 * condition code (or -1 on a program exception). */
static int g_rpcit(struct gstate *g, uint64_t start_, uint64_t len, int line)
{
	struct env *e = &g->e;
	uint64_t last = start_ + len - 1 < start_ ? UINT64_MAX : start_ + len - 1;
	uint64_t first = (start_ < G_PBA ? G_PBA : start_) & ~(PG - 1);
	unsigned plo, phi, status;
	char why[200];
	int rc, cc;

	if (last > G_PAL)
		last = G_PAL;
	plo = g_lower(first);
	phi = g_lower(last + 1);	/* one past: pages [plo, phi) */
	/* the same RPCIT again while it answers cc 2, as Linux does */
	do
		rc = fx_rpcit(&e->x, e->fh, start_, len);
	while (rc == 0 && fx_cc(&e->x) == 2);
	g->rpcits++;
	if (plo == 0 && phi == G_PAGES)
		g->globals++;
	g->ranged_pages += phi - plo;
	if (rc != 0) {
		th_fail(__FILE__, line, "op %u: RPCIT(%#" PRIx64 ", %#" PRIx64 ") program exception %d",
			g->op, start_, len, rc);
		g->failed = true;
		return -1;
	}
	cc = fx_cc(&e->x);
	status = fx_status(&e->x, 1);
	if (cc != 0 && !(cc == 1 && status == ZPCI_ST_INSUF_RES && g->tight)) {
		th_fail(__FILE__, line, "op %u: RPCIT(%#" PRIx64 ", %#" PRIx64 ") cc %d status %u%s",
			g->op, start_, len, cc, status, g->tight ? "" : " (budget not tight)");
		g->failed = true;
		return cc;
	}
	if (!g_snapshot(e, g->act, why, sizeof(why))) {
		th_fail(__FILE__, line, "op %u RPCIT(%#" PRIx64 ", %#" PRIx64 "): %s", g->op, start_,
			len, why);
		g->failed = true;
		return cc;
	}
	if (e->d->nmaps > e->d->limit) {
		th_fail(__FILE__, line, "op %u: %u mappings over a limit of %" PRIu64, g->op,
			e->d->nmaps, e->d->limit);
		g->failed = true;
	}
	if (e->d->nmaps > g->maxmaps)
		g->maxmaps = e->d->nmaps;
	memcpy(g->want, g->prev, G_PAGES * sizeof(*g->want));
	for (unsigned p = plo; p < phi; p++)
		g->want[p] = g_naive(&e->x, g_iova(p));
	if (cc == 0) {
		/* exactly the walk inside the range, the old state outside */
		if (memcmp(g->want, g->act, G_PAGES * sizeof(*g->act)))
			g_report(g, line, "cc0", start_, len, plo, phi - 1);
	} else {
		/* status 16: whatever is mapped is right (the walk inside the
		 * range, the old state outside); some may be missing */
		g->st16++;
		for (unsigned p = 0; p < G_PAGES; p++) {
			if (!g->act[p] || g->act[p] == g->want[p])
				continue;
			th_fail(__FILE__, line,
				"op %u status-16 RPCIT(%#" PRIx64 ", %#" PRIx64 ") page %#" PRIx64
				" (%s range): want nothing or %#" PRIx64 ", have %#" PRIx64, g->op,
				start_, len, g_iova(p), p >= plo && p < phi ? "in" : "outside",
				g->want[p], g->act[p]);
			g->failed = true;
			break;
		}
	}
	memcpy(g->prev, g->act, G_PAGES * sizeof(*g->prev));
	if (cc != 0 || g->rpcits % 64 == 0) {
		g->shadow_checks++;
		if (!shadow_consistent(e, why, sizeof(why))) {
			th_fail(__FILE__, line, "op %u RPCIT(%#" PRIx64 ", %#" PRIx64 "): %s", g->op,
				start_, len, why);
			g->failed = true;
		}
	}
	return cc;
}

/* Linux after status 16: drop what it no longer needs, refresh the whole
 * aperture SDMA..EDMA, until it works (eventually the host gives room). */
static void g_recover(struct gstate *g)
{
	struct env *e = &g->e;

	for (unsigned attempt = 0; !g->failed; attempt++) {
		if (attempt >= 4 || xs_below(3) == 0) {
			e->d->limit = FX_DEFAULT_LIMIT;
			g->tight = false;
		} else {
			for (unsigned k = 0; k < 48; k++) {
				unsigned p = (unsigned)xs_below(G_PAGES);

				if (g->pte_valid[p])
					g_set_pte(g, p, 0x400);
			}
			if (xs_below(2))
				fx_w64(&e->x, g_ste((unsigned)xs_below(G_NREG * G_SEGS)), 0x20);
		}
		if (g_rpcit(g, ZV_DEFAULT_SDMA, e->fn->edma - ZV_DEFAULT_SDMA + 1, __LINE__) == 0) {
			g->recovered++;
			return;
		}
	}
}

static void g_edit(struct gstate *g, unsigned r)
{
	struct fx *x = &g->e.x;
	unsigned p = (unsigned)xs_below(G_PAGES), seg = p / 256;

	if (r < 200 && g->nvalid > G_CAP)
		r = 200;			/* too many valid pages: invalidate */
	if (r < 200) {				/* validate a run of pages */
		unsigned len = 1 + (unsigned)xs_below(xs_below(4) ? 16 : 300);
		uint64_t prot = xs_below(5) ? 0 : 0x200, f;
		bool contiguous = xs_below(10) < 7;

		if (p + len > G_PAGES)
			len = G_PAGES - p;
		if (p && g->pte_valid[p - 1] && xs_below(2)) {	/* extend a run */
			uint64_t prev = fx_r64(x, g_pte(p - 1));

			f = (prev & ~0xfffULL) + PG;
			prot = prev & 0x200;
			if (f + (uint64_t)len * PG > FX_RAM_SIZE)
				f = g_frame(len);
		} else {
			f = g_frame(len);
		}
		for (unsigned i = 0; i < len; i++)
			g_set_pte(g, p + i, (contiguous ? f + i * PG : g_frame(1)) | prot);
	} else if (r < 350) {			/* invalidate a run of pages */
		unsigned len = 1 + (unsigned)xs_below(xs_below(4) ? 8 : 128);

		for (unsigned i = 0; i < len && p + i < G_PAGES; i++)
			g_set_pte(g, p + i, xs_below(2) ? 0x400 : fx_r64(x, g_pte(p + i)) | 0x400);
	} else if (r < 420) {			/* toggle a page's protection */
		fx_w64(x, g_pte(p), fx_r64(x, g_pte(p)) ^ 0x200);
	} else if (r < 480) {			/* move a valid page to another frame */
		if (g->pte_valid[p])
			g_set_pte(g, p, g_frame(1) | (fx_r64(x, g_pte(p)) & 0x200));
	} else if (r < 500) {			/* invalidate a segment entry */
		fx_w64(x, g_ste(seg), xs_below(2) ? 0x20 : fx_r64(x, g_ste(seg)) | 0x20);
	} else if (r < 522) {			/* restore it: its page table */
		fx_w64(x, g_ste(seg), G_PT(seg) | (xs_below(4) ? 0 : 0x200));
	} else if (r < 530) {			/* a 1 MiB frame */
		fx_w64(x, g_ste(seg), (G_FLO + xs_below((FX_RAM_SIZE - G_FLO) / SEG) * SEG) | 0x400 |
				      (xs_below(4) ? 0 : 0x200));
	} else if (r < 535) {			/* toggle a region entry's validity */
		fx_w64(x, g_rte(seg / G_SEGS), fx_r64(x, g_rte(seg / G_SEGS)) ^ 0x20);
	} else {				/* toggle a region entry's protection */
		fx_w64(x, g_rte(seg / G_SEGS), fx_r64(x, g_rte(seg / G_SEGS)) ^ 0x200);
	}
}

static void g_refresh(struct gstate *g)
{
	struct env *e = &g->e;
	unsigned k = (unsigned)xs_below(100);
	uint64_t s, len;

	if (g->small && k < 9)
		k = 50;
	if (k < 5) {				/* global over the window */
		s = G_PBA;
		len = G_PAL - G_PBA + 1;
	} else if (k < 8) {			/* Linux's global: SDMA..EDMA */
		s = ZV_DEFAULT_SDMA;
		len = e->fn->edma - ZV_DEFAULT_SDMA + 1;
	} else if (k < 9) {			/* start + len wraps */
		s = xs_below(G_PBA);
		len = UINT64_MAX - xs_below(0x10000);
	} else if (k < 19) {			/* the same range again */
		s = g->last_start;
		len = g->last_len;
	} else if (k < 29) {			/* across a region boundary */
		uint64_t b = G_PBA + (1 + xs_below(G_NREG - 1)) * REG;

		s = b - xs_below(300 * PG);
		len = 1 + xs_below(600 * PG);
	} else if (k < 34) {			/* from below the window */
		s = G_PBA - 1 - xs_below(8 * SEG);
		len = G_PBA - s + 1 + xs_below(300 * PG);
	} else {				/* somewhere, maybe unaligned */
		unsigned lk = (unsigned)xs_below(100);

		s = g_iova((unsigned)xs_below(G_PAGES)) + (xs_below(2) ? xs_below(PG) : 0);
		len = 1 + xs_below(lk < 50 ? 16 * PG : lk < 85 ? 256 * PG : 4096 * PG);
	}
	g->last_start = s;
	g->last_len = len;
	if (g_rpcit(g, s, len, __LINE__) == 1)
		g_recover(g);
}

static void g_run(struct gstate *g, const struct lx_cfg *cfg, uint64_t seed, unsigned nops,
		  bool budget, bool small)
{
	struct env *e = &g->e;

	memset(g, 0, sizeof(*g));
	g->small = small;
	g->prev = calloc(G_PAGES, sizeof(uint64_t));
	g->act = calloc(G_PAGES, sizeof(uint64_t));
	g->want = calloc(G_PAGES, sizeof(uint64_t));
	g->pte_valid = calloc(G_PAGES, sizeof(bool));
	if (!g->prev || !g->act || !g->want || !g->pte_valid)
		abort();
	xs_state = seed;
	setup(e, cfg, G_PBA, G_PAL);
	for (unsigned r = 0; r < G_NREG; r++) {
		for (unsigned i = 0; i < 2048; i++)
			fx_w64(&e->x, G_ST(r) + 8 * i, 0x20);
		fx_w64(&e->x, g_rte(r), G_ST(r) | 0x07);
	}
	for (unsigned s = 0; s < G_NREG * G_SEGS; s++)
		fx_w64(&e->x, g_ste(s), G_PT(s));
	for (unsigned p = 0; p < G_PAGES; p++)
		fx_w64(&e->x, g_pte(p), 0x400);
	g->last_start = G_PBA;
	g->last_len = G_PAL - G_PBA + 1;

	for (g->op = 0; g->op < nops && !g->failed; g->op++) {
		unsigned r = (unsigned)xs_below(1000);

		if (r < 540) {
			g_edit(g, r);
		} else if (r < 548) {
			if (!budget)
				continue;
			if (!g->tight && xs_below(2)) {	/* a small budget for a while */
				e->d->limit = e->d->nmaps + xs_below(24);
				g->tight = true;
			} else {
				e->d->limit = FX_DEFAULT_LIMIT;
				g->tight = false;
			}
		} else {
			g_refresh(g);
		}
	}
	/* the end: one global refresh with room, everything as the walk says */
	e->d->limit = FX_DEFAULT_LIMIT;
	g->tight = false;
	if (!g->failed && g_rpcit(g, G_PBA, G_PAL - G_PBA + 1, __LINE__) == 0) {
		char why[200];

		for (unsigned p = 0; p < G_PAGES; p++)
			if (g->act[p] != g_naive(&e->x, g_iova(p))) {
				th_fail(__FILE__, __LINE__, "final: page %#" PRIx64 " differs", g_iova(p));
				break;
			}
		if (!shadow_consistent(e, why, sizeof(why)))
			th_fail(__FILE__, __LINE__, "final: %s", why);
	}
	EXPECT_EQ(zv_function_state(e->fn), ZV_FS_ENABLED);
}

static void g_done(struct gstate *g)
{
	fx_fini(&g->e.x);
	free(g->prev);
	free(g->act);
	free(g->want);
	free(g->pte_valid);
}

TEST(dl_randomized_differential_coalesced)
{
	static struct gstate g;
	struct zv_stats st;
	double t0 = now_s();

	/* EDMA must cover the three region entries: a budget of 2^22 at add */
	g_run(&g, &(struct lx_cfg){ .limit = 1ULL << 22 }, 0x9e3779b97f4a7c15ULL, 120000, true,
	      false);
	zv_stats_get(g.e.x.m, &st);
	EXPECT(g.op >= 100000);
	EXPECT(g.rpcits > 30000);
	EXPECT(g.globals > 1000);
	EXPECT(g.st16 > 100);
	EXPECT(g.recovered > 50);
	EXPECT(g.maxmaps > 500);
	EXPECT(st.pages_mapped > 100000);
	if (getenv("DL_VERBOSE"))
		printf("    %u ops, %u RPCITs (%u global, %u status 16, %u recoveries), max %u"
		       " mappings, %" PRIu64 " map / %" PRIu64 " unmap calls, %" PRIu64
		       " pages mapped, %u shadow checks, %.2f s\n", g.op, g.rpcits, g.globals, g.st16,
		       g.recovered, g.maxmaps, st.map_calls, st.unmap_calls, st.pages_mapped,
		       g.shadow_checks, now_s() - t0);
	g_done(&g);
}

/* QEMU's baseline must satisfy the same oracle (ranges stay small: it
 * walks every page of a range from the root). */
TEST(dl_randomized_differential_per_page)
{
	static struct gstate g;
	double t0 = now_s();

	g_run(&g, &(struct lx_cfg){ .limit = 1ULL << 22, .flags = ZV_MACHINE_DMA_PER_PAGE },
	      0x0123456789abcdefULL, 6000, false, true);
	EXPECT(g.op >= 6000);
	EXPECT(g.rpcits > 1500);
	if (getenv("DL_VERBOSE"))
		printf("    per page: %u ops, %u RPCITs (%u global), max %u mappings, %.2f s\n", g.op,
		       g.rpcits, g.globals, g.maxmaps, now_s() - t0);
	g_done(&g);
}

/* ======================================================================== */
/* Bounded work per intercept, and backend failures (dma.c "Bounded work", */
/* "Failures of the backend are never forgotten")                          */
/* ======================================================================== */

#define HUGE_REGIONS 32			/* 64 GiB of IOVA */
#define HUGE_ST   0x80000ULL		/* one segment table, shared */
#define HUGE_PT   0x100000ULL		/* 32 page tables, PT k maps RAM [32 + k MiB, +1 MiB) */
#define HUGE_FRAME(iova) ((((iova) >> 20) % 32 + 32) << 20 | ((iova) & 0xff000))
#define HUGE_MAPS (HUGE_REGIONS * 2048 / 32)	/* a mapping per 32 MiB run */

/* 64 GiB of valid translations over 32 MiB of RAM: segment s of every
 * region maps RAM 32 + (s % 32) MiB, so a run breaks every 32 MiB. */
static void huge_tables(struct env *e)
{
	for (unsigned k = 0; k < 32; k++)
		for (unsigned p = 0; p < 256; p++)
			fx_w64(&e->x, HUGE_PT + 0x800ULL * k + 8 * p,
			       ((uint64_t)(32 + k) << 20) + ((uint64_t)p << 12));
	for (unsigned s = 0; s < 2048; s++)
		fx_w64(&e->x, HUGE_ST + 8 * s, HUGE_PT + 0x800ULL * (s % 32));
	for (unsigned r = 0; r < HUGE_REGIONS; r++)
		fx_w64(&e->x, rte_addr(e->fn->sdma) + 8 * r, HUGE_ST | 0x07);
}

TEST(dl_huge_refresh_is_done_in_bounded_steps)
{
	struct env e;
	uint64_t sdma, edma, len = (uint64_t)HUGE_REGIONS << 31, prev, worst = 0;
	uint8_t pfgid;
	unsigned steps = 0;
	struct zv_stats s;
	int cc;

	start(&e, &(struct lx_cfg){ .limit = 1ULL << 28 });	/* a 1 TiB window */
	query_fn(&e.x, e.fn, &sdma, &edma, &pfgid);
	EXPECT_EQ(fx_reg_ioat(&e.x, e.fh, RT, sdma, edma), 0);
	huge_tables(&e);
	/* one intercept does at most DMA_WORK_MAX units (+ one segment's) and
	 * answers cc 2 until the whole range is refreshed */
	prev = stats(&e).table_loads;
	do {
		EXPECT_EQ(fx_rpcit(&e.x, e.fh, sdma, len), 0);
		cc = fx_cc(&e.x);
		s = stats(&e);
		if (s.table_loads - prev > worst)
			worst = s.table_loads - prev;
		prev = s.table_loads;
		steps++;
		if (steps == 1) {
			EXPECT_EQ(cc, 2);	/* today's code did it all at once: cc 0 */
			if (cc == 1) {
				struct zpci_event ev = { 0 };

				fx_event(&e.x, &ev);
				th_fail(__FILE__, __LINE__, "status %u pec %#x at %#llx", fx_status(&e.x, 1),
					ev.pec, (unsigned long long)ev.faddr);
			}
		}
	} while (cc == 2 && steps < 10000);
	EXPECT_EQ(cc, 0);
	EXPECT(worst <= DMA_WORK_MAX + 512 + 2);
	/* 16 M page-table entries: about 128 steps */
	EXPECT(steps >= 16777216 / (DMA_WORK_MAX + 514) && steps <= 16777216 / (DMA_WORK_MAX / 2));
	/* a mapping per 32 MiB run, and one more where a step ends mid-run */
	EXPECT(e.d->nmaps >= HUGE_MAPS && e.d->nmaps <= HUGE_MAPS + steps);
	EXPECT_EQ(s.pages_mapped, 16777216);
	EXPECT_MAP(&e, sdma, HUGE_FRAME(0), true);
	EXPECT_MAP(&e, sdma + (5ULL << 30) + (70ULL << 20) + 0x3000,
		   HUGE_FRAME((5ULL << 30) + (70ULL << 20) + 0x3000), true);
	EXPECT_MAP(&e, sdma + len - PG, HUGE_FRAME(len - PG), true);
	EXPECT_UNMAPPED(&e, sdma + len);
	EXPECT_SHADOW(&e);
	/* the FMB counts one refresh, not one per step */
	EXPECT_EQ(e.fn->fmb.rpcit, 1);
	/* invalidating it all again: unmaps are bounded per step too */
	for (unsigned r = 0; r < HUGE_REGIONS; r++)
		fx_w64(&e.x, rte_addr(sdma) + 8 * r, 0x20);
	EXPECT_EQ(rpcit_cc(&e, sdma, len), 0);
	EXPECT_EQ(e.d->nmaps, 0);
	EXPECT_SHADOW(&e);
	fx_fini(&e.x);
}

/* SCATTER pages, each its own backend mapping (frames two pages apart),
 * over 32 MiB of IOVA: several steps' worth of backend calls */
#define SCATTER 8192
#define CALLS_PER_STEP (DMA_WORK_MAX / DMA_CALL_UNITS)
#define DROPS_PER_STEP DMA_DROP_MAX

static void scatter(struct env *e)
{
	setup(e, &(struct lx_cfg){ .limit = 1ULL << 20 }, PBA, PAL);
	for (unsigned i = 0; i < SCATTER; i++)
		map(e, PBA + (uint64_t)i * PG, FRAMES + 2ULL * (i % 2048) * PG, false);
}

/* A step's backend calls are bounded too, not only its table reads: each
 * costs a hundred table entries' time (DMA_CALL_UNITS). Today's code made
 * all 8192 map calls in one intercept. */
TEST(dl_backend_calls_per_step_are_bounded)
{
	struct env e;
	unsigned steps = 0;
	uint64_t prev = 0, worst = 0;
	int cc;

	scatter(&e);
	do {
		EXPECT_EQ(fx_rpcit(&e.x, e.fh, PBA, (uint64_t)SCATTER * PG), 0);
		cc = fx_cc(&e.x);
		worst = e.d->map_calls - prev > worst ? e.d->map_calls - prev : worst;
		prev = e.d->map_calls;
		steps++;
	} while (cc == 2 && steps < 1000);
	EXPECT_EQ(cc, 0);
	EXPECT_EQ(e.d->nmaps, SCATTER);
	EXPECT(worst <= CALLS_PER_STEP + 256);	/* a step finishes its segment */
	EXPECT(steps >= SCATTER / (CALLS_PER_STEP + 256));
	EXPECT_SHADOW(&e);
	fx_fini(&e.x);
}

/* Deregistration drops the mappings a step at a time: cc 2 until none is
 * left, the device fenced meanwhile. Today's code dropped all 8192 in one
 * intercept (28 ms for 65,535 on emu:dma). */
TEST(dl_deregistration_is_done_in_bounded_steps)
{
	struct env e;
	unsigned steps = 0;
	uint64_t prev, worst = 0;
	int cc;

	scatter(&e);
	EXPECT_EQ(rpcit_cc(&e, PBA, (uint64_t)SCATTER * PG), 0);
	prev = e.d->unmap_calls;
	memset(e.x.ram + FX_FIB, 0, ZPCI_FIB_SIZE);
	do {
		EXPECT_EQ(fx_mpcifc(&e.x, e.fh, 0, ZPCI_MOD_FC_DEREG_IOAT), 0);
		cc = fx_cc(&e.x);
		worst = e.d->unmap_calls - prev > worst ? e.d->unmap_calls - prev : worst;
		prev = e.d->unmap_calls;
		if (cc == 2)
			EXPECT(e.d->dma_blocked);	/* fenced while mappings remain */
		steps++;
	} while (cc == 2 && steps < 1000);
	EXPECT_EQ(cc, 0);
	EXPECT(steps >= SCATTER / DROPS_PER_STEP);
	EXPECT(worst <= DROPS_PER_STEP);
	EXPECT_EQ(e.d->nmaps, 0);
	EXPECT(!e.d->dma_blocked);
	EXPECT(!e.fn->dma.registered);
	/* done: a third DEREG is a sequence error again */
	EXPECT_EQ(fx_mpcifc(&e.x, e.fh, 0, ZPCI_MOD_FC_DEREG_IOAT), 0);
	EXPECT_EQ(fx_cc(&e.x), 1);
	EXPECT_EQ(fx_status(&e.x, 1), ZPCI_MOD_ST_SEQUENCE);
	fx_fini(&e.x);

	/* abandoned after one step: a new registration finishes the teardown
	 * first (cc 2 meanwhile), then holds nothing of the old one */
	scatter(&e);
	EXPECT_EQ(rpcit_cc(&e, PBA, (uint64_t)SCATTER * PG), 0);
	memset(e.x.ram + FX_FIB, 0, ZPCI_FIB_SIZE);
	EXPECT_EQ(fx_mpcifc(&e.x, e.fh, 0, ZPCI_MOD_FC_DEREG_IOAT), 0);
	EXPECT_EQ(fx_cc(&e.x), 2);
	fx_w64(&e.x, FX_FIB + 0x10, PBA);
	fx_w64(&e.x, FX_FIB + 0x18, PAL);
	fx_w64(&e.x, FX_FIB + 0x20, RT | IOTA_RT);
	EXPECT_EQ(fx_mpcifc(&e.x, e.fh, 0, ZPCI_MOD_FC_REG_IOAT), 0);
	EXPECT_EQ(fx_cc(&e.x), 2);
	EXPECT(e.d->nmaps > 0 && e.d->nmaps < SCATTER);
	EXPECT_EQ(ioat(&e, ZPCI_MOD_FC_REG_IOAT, PBA, PAL, RT | IOTA_RT), 0);
	EXPECT_EQ(fx_cc(&e.x), 0);
	EXPECT_EQ(e.d->nmaps, 0);
	EXPECT(e.fn->dma.registered);
	EXPECT(!e.d->dma_blocked);
	EXPECT_EQ(rpcit_cc(&e, PBA, (uint64_t)SCATTER * PG), 0);	/* and works */
	EXPECT_EQ(e.d->nmaps, SCATTER);
	EXPECT_SHADOW(&e);
	fx_fini(&e.x);
}

/* CLP disable the same way: "function busy" (0x0108, which Linux retries)
 * until the mappings are gone, then disabled with a new handle. */
TEST(dl_disable_is_done_in_bounded_steps)
{
	struct env e;
	unsigned steps = 0;
	uint64_t prev, worst = 0;
	uint32_t fh;
	int rsp;

	scatter(&e);
	EXPECT_EQ(rpcit_cc(&e, PBA, (uint64_t)SCATTER * PG), 0);
	fh = e.fh;
	prev = e.d->unmap_calls;
	do {
		rsp = fx_clp_set_fn(&e.x, fh, 1);
		worst = e.d->unmap_calls - prev > worst ? e.d->unmap_calls - prev : worst;
		prev = e.d->unmap_calls;
		if (rsp == CLP_RC_SETPCIFN_BUSY) {
			EXPECT_EQ(zv_function_state(e.fn), ZV_FS_ENABLED);
			EXPECT_EQ(e.fn->fh, fh);	/* same handle until done */
			EXPECT(e.d->dma_blocked);
			EXPECT_EQ(e.d->resets, 0);	/* the reset comes last */
		}
		steps++;
	} while (rsp == CLP_RC_SETPCIFN_BUSY && steps < 1000);
	EXPECT_EQ(rsp, CLP_RC_OK);
	EXPECT(steps >= SCATTER / DROPS_PER_STEP && steps <= 100);	/* Linux's retries */
	EXPECT(worst <= DROPS_PER_STEP);
	/* and type1's default limit fits Linux's 100 retries */
	EXPECT(65535 / DROPS_PER_STEP + 1 <= 100);
	EXPECT_EQ(e.d->nmaps, 0);
	EXPECT_EQ(e.d->resets, 1);
	EXPECT_EQ(zv_function_state(e.fn), ZV_FS_DISABLED);
	EXPECT(!e.d->dma_blocked);
	fx_fini(&e.x);
}

/* A step out of host mappings, then steps that find room: the refresh
 * still ends in status 16 (found by fuzz_intercept: the later steps
 * forgot it and answered cc 0 with half the pages unmapped). */
TEST(dl_status16_of_an_early_step_is_kept_to_the_end)
{
	struct env e;
	int cc, steps = 0;

	setup(&e, &plain, PBA, PAL4G);
	e.d->dev.map_step_pages = 1;		/* a step per segment */
	for (unsigned sg = 2; sg < 4; sg++)
		map(&e, PBA + ((uint64_t)sg << 20), FRAMES + 0x2000ULL * sg, false);
	EXPECT_EQ(rpcit_cc(&e, PBA, 1ULL << 30), 0);
	EXPECT_EQ(e.d->nmaps, 2);
	e.d->limit = 2;				/* no room for more */
	for (unsigned sg = 0; sg < 2; sg++)
		map(&e, PBA + ((uint64_t)sg << 20), FRAMES + 0x2000ULL * sg, false);
	do {
		EXPECT_EQ(fx_rpcit(&e.x, e.fh, PBA, 1ULL << 30), 0);
		cc = fx_cc(&e.x);
		steps++;
	} while (cc == 2 && steps < 10000);
	EXPECT(steps > 2);
	EXPECT_EQ(cc, 1);
	EXPECT_EQ(fx_status(&e.x, 1), ZPCI_ST_INSUF_RES);
	fx_fini(&e.x);
}

/* RPCIT while relaxed translation's direct map is still under way (REG
 * answered cc 2) is a no-op, as it is after: the IOTA names no table
 * (found by fuzz_intercept: it walked the IOTA's origin as a table,
 * mapped garbage and unmapped part of the direct map). */
TEST(dl_rpcit_during_an_unfinished_direct_map_does_nothing)
{
	struct env e;
	uint64_t pages = 0;
	int rc, cc;

	start(&e, &(struct lx_cfg){ .relaxed = true });
	e.d->dev.map_step_pages = 256;
	for (unsigned i = 0; i < 2048; i++)		/* a table the IOTA points at */
		fx_w64(&e.x, RT + 8 * i, 0x20);
	map(&e, PBA + 0x5000, 0x3000000, false);
	memset(e.x.ram + FX_FIB, 0, ZPCI_FIB_SIZE);
	fx_w64(&e.x, FX_FIB + 0x10, PBA);
	fx_w64(&e.x, FX_FIB + 0x18, PBA + (64ULL << 20) - 1);
	fx_w64(&e.x, FX_FIB + 0x20, RT | 0x004);		/* T bit clear: no translation */
	EXPECT_EQ(fx_mpcifc(&e.x, e.fh, 0, ZPCI_MOD_FC_REG_IOAT), 0);
	EXPECT_EQ(fx_cc(&e.x), 2);
	EXPECT_EQ(fx_rpcit(&e.x, e.fh, PBA, 64ULL << 20), 0);
	EXPECT_EQ(fx_cc(&e.x), 0);
	do {
		rc = fx_mpcifc(&e.x, e.fh, 0, ZPCI_MOD_FC_REG_IOAT);
		cc = fx_cc(&e.x);
	} while (rc == 0 && cc == 2);
	EXPECT_EQ(cc, 0);
	for (unsigned i = 0; i < e.d->nmaps; i++)
		pages += e.d->maps[i].size / PG;
	EXPECT_EQ(pages, 64ULL << 20 >> 12);		/* the whole window, RAM behind it */
	EXPECT_MAP(&e, PBA + 0x5000, 0x5000, true);	/* IOVA = SDMA + guest address */
	EXPECT_SHADOW(&e);
	fx_fini(&e.x);
}

TEST(dl_an_abandoned_step_starts_afresh)
{
	struct env e;
	uint64_t sdma, edma, len = (uint64_t)HUGE_REGIONS << 31;
	uint8_t pfgid;

	start(&e, &(struct lx_cfg){ .limit = 1ULL << 28 });
	query_fn(&e.x, e.fn, &sdma, &edma, &pfgid);
	EXPECT_EQ(fx_reg_ioat(&e.x, e.fh, RT, sdma, edma), 0);
	huge_tables(&e);
	EXPECT_EQ(fx_rpcit(&e.x, e.fh, sdma, len), 0);
	EXPECT_EQ(fx_cc(&e.x), 2);
	EXPECT(e.fn->dma.resume);
	/* another RPCIT in between: the big one is forgotten... */
	EXPECT_EQ(rpcit_cc(&e, sdma, PG), 0);
	EXPECT(!e.fn->dma.resume);
	/* ...a different length is another RPCIT too... */
	EXPECT_EQ(fx_rpcit(&e.x, e.fh, sdma, len), 0);
	EXPECT_EQ(fx_cc(&e.x), 2);
	EXPECT_EQ(fx_rpcit(&e.x, e.fh, sdma, len - PG), 0);
	EXPECT_EQ(fx_cc(&e.x), 2);
	EXPECT_EQ(e.fn->dma.resume_next - sdma <= (uint64_t)(DMA_WORK_MAX + 512) * PG, 1);
	/* ...and issued again it starts at its beginning and completes */
	EXPECT_EQ(rpcit_cc(&e, sdma, len), 0);
	EXPECT(e.d->nmaps >= HUGE_MAPS && e.d->nmaps <= HUGE_MAPS + e.x.rpcit_steps);
	EXPECT_SHADOW(&e);
	fx_fini(&e.x);
}

TEST(dl_a_failed_map_other_than_enospc_is_an_error)
{
	struct env e;
	struct zpci_event ev;
	struct zv_stats s;

	setup(&e, &plain, PBA, PAL);
	map(&e, PBA, FRAMES, false);
	e.d->map_errno = EIO;
	EXPECT_EQ(rpcit_cc(&e, PBA, PG), 1);
	EXPECT_EQ(fx_status(&e.x, 1), ZPCI_ST_ERROR);
	EXPECT_EQ(zv_function_state(e.fn), ZV_FS_ERROR);
	EXPECT(fx_event(&e.x, &ev));
	EXPECT_EQ(ev.pec, ZPCI_PEC_SERR);
	EXPECT(e.d->dma_blocked);
	s = stats(&e);
	EXPECT_EQ(s.map_failures, 1);
	EXPECT_EQ(e.d->nmaps, 0);
	EXPECT_SHADOW(&e);		/* nothing recorded that does not exist */
	/* ENOSPC stays what it was: status 16, no error state */
	fx_fini(&e.x);
	setup(&e, &plain, PBA, PAL);
	map(&e, PBA, FRAMES, false);
	e.d->map_errno = ENOSPC;
	EXPECT_EQ(rpcit_cc(&e, PBA, PG), 1);
	EXPECT_EQ(fx_status(&e.x, 1), ZPCI_ST_INSUF_RES);
	EXPECT_EQ(zv_function_state(e.fn), ZV_FS_ENABLED);
	fx_fini(&e.x);
}

TEST(dl_a_failed_unmap_is_remembered_and_fenced)
{
	struct env e;
	struct zpci_event ev;
	uint32_t fh;

	setup(&e, &plain, PBA, PAL);
	map16(&e);
	EXPECT_EQ(rpcit_cc(&e, B, 16 * PG), 0);
	EXPECT_EQ(e.d->nmaps, 1);
	/* the guest invalidates a page; the backend cannot unmap */
	fx_w64(&e.x, pte_addr(&e, B + 3 * PG), 0x400);
	e.d->unmap_errno = EIO;
	EXPECT_EQ(rpcit_cc(&e, B + 3 * PG, PG), 1);
	EXPECT_EQ(fx_status(&e.x, 1), ZPCI_ST_ERROR);	/* today's code: cc 0 */
	EXPECT_EQ(zv_function_state(e.fn), ZV_FS_ERROR);
	EXPECT(fx_event(&e.x, &ev));
	EXPECT_EQ(ev.pec, ZPCI_PEC_SERR);
	/* the mapping is still there, and still recorded; the device is fenced */
	EXPECT_EQ(e.d->nmaps, 1);
	EXPECT_EQ(e.fn->dma.zombies, 1);
	EXPECT(e.d->dma_blocked);
	EXPECT_EQ(stats(&e).unmap_failures, 1);
	/* recovery while the backend still fails: nothing good is true any
	 * more -- permanent error, 0x3b, cc 3 */
	EXPECT_EQ(fx_mpcifc(&e.x, e.fh, 0, ZPCI_MOD_FC_RESET_ERROR), 0);
	EXPECT_EQ(fx_cc(&e.x), 3);
	EXPECT_EQ(zv_function_state(e.fn), ZV_FS_PERMANENT_ERROR);
	EXPECT(fx_event(&e.x, &ev));
	EXPECT_EQ(ev.pec, ZPCI_PEC_PERM_ERROR);
	EXPECT(e.d->dma_blocked);
	fx_fini(&e.x);

	/* the same, but the backend recovers: the retried unmap succeeds, the
	 * fence goes, and the guest re-establishes what it wants mapped */
	setup(&e, &plain, PBA, PAL);
	map16(&e);
	EXPECT_EQ(rpcit_cc(&e, B, 16 * PG), 0);
	fx_w64(&e.x, pte_addr(&e, B + 3 * PG), 0x400);
	e.d->unmap_errno = EIO;
	EXPECT_EQ(rpcit_cc(&e, B + 3 * PG, PG), 1);
	e.d->unmap_errno = 0;
	EXPECT_EQ(fx_mpcifc(&e.x, e.fh, 0, ZPCI_MOD_FC_RESET_ERROR), 0);
	EXPECT_EQ(fx_cc(&e.x), 0);
	EXPECT_EQ(zv_function_state(e.fn), ZV_FS_ENABLED);
	EXPECT_EQ(e.fn->dma.zombies, 0);
	EXPECT(!e.d->dma_blocked);
	EXPECT_EQ(e.d->nmaps, 0);
	EXPECT_SHADOW(&e);
	EXPECT_EQ(rpcit_cc(&e, B, 16 * PG), 0);
	CHECK16(&e, 3, 3);
	/* a failed unmap at disable: the function ends in permanent error */
	e.d->unmap_errno = EIO;
	fh = e.fh;
	EXPECT_EQ(fx_clp_set_fn(&e.x, fh, 1 /* disable */), CLP_RC_SETPCIFN_ERR);
	EXPECT_EQ(zv_function_state(e.fn), ZV_FS_PERMANENT_ERROR);
	EXPECT(e.d->dma_blocked);
	fx_fini(&e.x);
}

/* The retry of mappings the host failed to remove is a bounded step too:
 * with 8192 mappings held and the zombie last among them, recovery
 * (MPCIFC reset-error) answers cc 2 while the pass goes on, then cc 0.
 * Before, one intercept walked every held mapping. */
TEST(dl_the_retry_of_a_failed_unmap_is_done_in_bounded_steps)
{
	const uint64_t last = PBA + (uint64_t)(SCATTER - 1) * PG;
	struct env e;
	unsigned busy = 0;
	int cc;

	scatter(&e);
	do
		EXPECT_EQ(fx_rpcit(&e.x, e.fh, PBA, (uint64_t)SCATTER * PG), 0);
	while ((cc = fx_cc(&e.x)) == 2);
	EXPECT_EQ(cc, 0);
	fx_w64(&e.x, pte_addr(&e, last), 0x400);	/* the last page goes */
	e.d->unmap_errno = EIO;
	EXPECT_EQ(rpcit_cc(&e, last, PG), 1);
	EXPECT_EQ(e.fn->dma.zombies, 1);
	e.d->unmap_errno = 0;
	for (;;) {
		EXPECT_EQ(fx_mpcifc(&e.x, e.fh, 0, ZPCI_MOD_FC_RESET_ERROR), 0);
		if ((cc = fx_cc(&e.x)) != 2 || busy == 100)
			break;
		EXPECT(e.d->dma_blocked);	/* fenced until it is gone */
		busy++;
	}
	EXPECT_EQ(cc, 0);
	EXPECT(busy >= SCATTER * DMA_VISIT_UNITS / DMA_WORK_MAX - 1);
	EXPECT(busy <= SCATTER * DMA_VISIT_UNITS / DMA_WORK_MAX + 1);
	EXPECT_EQ(e.fn->dma.zombies, 0);
	EXPECT_EQ(zv_function_state(e.fn), ZV_FS_ENABLED);
	EXPECT(!e.d->dma_blocked);
	EXPECT_EQ(e.d->nmaps, SCATTER - 1);
	EXPECT_SHADOW(&e);
	fx_fini(&e.x);
}

/* A retry pass the guest abandoned (cc 2, never issued again) does not
 * count as a whole pass later: after disable, enable and a new failed
 * unmap, recovery retries it and succeeds (a stale cursor used to skip
 * it and make the function a permanent error). */
TEST(dl_an_abandoned_retry_pass_is_not_a_whole_pass)
{
	const uint64_t last = PBA + (uint64_t)(SCATTER - 1) * PG;
	struct env e;
	uint16_t rc;
	int cc;

	scatter(&e);
	do
		EXPECT_EQ(fx_rpcit(&e.x, e.fh, PBA, (uint64_t)SCATTER * PG), 0);
	while ((cc = fx_cc(&e.x)) == 2);
	fx_w64(&e.x, pte_addr(&e, last), 0x400);
	e.d->unmap_errno = EIO;
	EXPECT_EQ(rpcit_cc(&e, last, PG), 1);
	e.d->unmap_errno = 0;
	EXPECT_EQ(fx_mpcifc(&e.x, e.fh, 0, ZPCI_MOD_FC_RESET_ERROR), 0);
	EXPECT_EQ(fx_cc(&e.x), 2);			/* a step; the guest goes away */
	do
		rc = fx_clp_set_fn(&e.x, e.fh, 1);	/* disable: everything goes */
	while (rc == CLP_RC_SETPCIFN_BUSY);
	EXPECT_EQ(rc, CLP_RC_OK);
	EXPECT_EQ(e.fn->dma.zombies, 0);
	e.fh = fx_enable(&e.x, 0);
	EXPECT_EQ(fx_reg_ioat(&e.x, e.fh, RT, PBA, PAL), 0);
	map(&e, PBA, FRAMES, false);
	EXPECT_EQ(rpcit_cc(&e, PBA, PG), 0);
	fx_w64(&e.x, pte_addr(&e, PBA), 0x400);
	e.d->unmap_errno = EIO;
	EXPECT_EQ(rpcit_cc(&e, PBA, PG), 1);
	EXPECT_EQ(e.fn->dma.zombies, 1);
	e.d->unmap_errno = 0;
	do
		EXPECT_EQ(fx_mpcifc(&e.x, e.fh, 0, ZPCI_MOD_FC_RESET_ERROR), 0);
	while ((cc = fx_cc(&e.x)) == 2);
	EXPECT_EQ(cc, 0);
	EXPECT_EQ(zv_function_state(e.fn), ZV_FS_ENABLED);
	EXPECT_EQ(e.fn->dma.zombies, 0);
	fx_fini(&e.x);
}

TEST(dl_a_failed_reset_is_a_permanent_error)
{
	struct env e;
	struct zpci_event ev;

	/* at disable */
	setup(&e, &plain, PBA, PAL);
	e.d->reset_errno = EIO;
	EXPECT_EQ(fx_clp_set_fn(&e.x, e.fh, 1), CLP_RC_SETPCIFN_ERR);
	EXPECT_EQ(zv_function_state(e.fn), ZV_FS_PERMANENT_ERROR);
	while (fx_event(&e.x, &ev))
		EXPECT_EQ(ev.pec, ZPCI_PEC_PERM_ERROR);
	EXPECT_EQ(stats(&e).reset_failures, 1);
	EXPECT_EQ(fx_clp_set_fn(&e.x, e.fn->fh, 0), CLP_RC_SETPCIFN_ERR);	/* no enable */
	fx_fini(&e.x);
	/* at recovery from an error the device reported */
	setup(&e, &plain, PBA, PAL);
	fake_device_error(e.d);
	zv_dispatch(e.x.m);
	EXPECT_EQ(zv_function_state(e.fn), ZV_FS_ERROR);
	e.d->reset_errno = EIO;
	EXPECT_EQ(fx_mpcifc(&e.x, e.fh, 0, ZPCI_MOD_FC_RESET_ERROR), 0);
	EXPECT_EQ(fx_cc(&e.x), 3);	/* today's code: cc 0, the device never reset */
	EXPECT_EQ(zv_function_state(e.fn), ZV_FS_PERMANENT_ERROR);
	fx_fini(&e.x);
}

/* A device with no reset mechanism (VFIO: no FLR and no slot or bus reset
 * of its own, QEMU's edu on q35) is not a failure: disable and recovery go
 * on without a reset, as QEMU's vfio_pci_reset does. */
TEST(dl_a_device_without_reset_is_disabled_and_recovered_normally)
{
	struct env e;

	setup(&e, &plain, PBA, PAL);
	e.d->no_reset = true;
	EXPECT_EQ(fx_clp_set_fn(&e.x, e.fh, 1), CLP_RC_OK);
	EXPECT_EQ(zv_function_state(e.fn), ZV_FS_DISABLED);
	EXPECT_EQ(e.d->resets, 1);
	EXPECT_EQ(stats(&e).reset_failures, 0);
	EXPECT_EQ(fx_clp_set_fn(&e.x, e.fn->fh, 0), CLP_RC_OK);	/* enabled again */
	EXPECT_EQ(zv_function_state(e.fn), ZV_FS_ENABLED);
	fx_fini(&e.x);
	/* recovery from an error the device reported */
	setup(&e, &plain, PBA, PAL);
	e.d->no_reset = true;
	fake_device_error(e.d);
	zv_dispatch(e.x.m);
	EXPECT_EQ(zv_function_state(e.fn), ZV_FS_ERROR);
	EXPECT_EQ(fx_mpcifc(&e.x, e.fh, 0, ZPCI_MOD_FC_RESET_ERROR), 0);
	EXPECT_EQ(fx_cc(&e.x), 0);
	EXPECT_EQ(zv_function_state(e.fn), ZV_FS_ENABLED);
	fx_fini(&e.x);
}

TEST(dl_relaxed_direct_map_steps_for_a_pinning_backend)
{
	struct env e;
	unsigned steps = 0;

	start(&e, &(struct lx_cfg){ .relaxed = true });
	e.d->dev.map_step_pages = 1024;		/* 4 MiB a step: 16 for the 64 MiB RAM */
	memset(e.x.ram + FX_FIB, 0, ZPCI_FIB_SIZE);
	fx_w64(&e.x, FX_FIB + 0x10, e.fn->sdma);
	fx_w64(&e.x, FX_FIB + 0x18, e.fn->edma);
	fx_w64(&e.x, FX_FIB + 0x20, 0);
	do {
		EXPECT_EQ(fx_mpcifc(&e.x, e.fh, 0, ZPCI_MOD_FC_REG_IOAT), 0);
		steps++;
	} while (fx_cc(&e.x) == 2 && steps < 100);
	EXPECT_EQ(fx_cc(&e.x), 0);
	EXPECT_EQ(steps, 16);
	EXPECT_EQ(e.d->nmaps, 16);
	EXPECT_MAP(&e, PBA + FX_RAM_SIZE - PG, FX_RAM_SIZE - PG, true);
	EXPECT_SHADOW(&e);
	/* a different request in between abandons it: REG again is a
	 * sequence error once registered */
	EXPECT_EQ(fx_mpcifc(&e.x, e.fh, 0, ZPCI_MOD_FC_REG_IOAT), 0);
	EXPECT_EQ(fx_cc(&e.x), 1);
	EXPECT_EQ(fx_status(&e.x, 1), ZPCI_MOD_ST_SEQUENCE);
	fx_fini(&e.x);
}
