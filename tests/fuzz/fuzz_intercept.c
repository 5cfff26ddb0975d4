/* SPDX-License-Identifier: MIT */
/*
 * Fuzzing everything a guest controls through zv_intercept(): instruction
 * text and registers, CLP blocks, FIBs, translation tables, MSI-X tables,
 * the MSI capability, device programming and device signals, all
 * interleaved. One input is a program of operations read from the bytes
 * (the layout is below, at "The input").
 *
 * Structure-aware operations do what a guest driver does, with operands
 * from the input: register a translation table with a valid window, build
 * valid tables for a handful of pages (fx_map_page), change their entries
 * (invalid bit, protection, frame, large-page, type and length bits,
 * zeroing), refresh plausible ranges (RPCIT again while cc 2, a bounded
 * number of times, as Linux does), register interruptions with a valid
 * AIBV and AISB, program the MSI-X table through PCISTG and PCISTB,
 * (un)mask vectors and the function, and signal vectors from the device so
 * that MSI-X delivery runs. Unstructured ones throw random instructions,
 * memory writes and device events in between.
 *
 * Invariants checked after every operation (any broken one is a failure,
 * an abort under libFuzzer):
 *  - zv_intercept() answers every zPCI instruction: 0 or a known program
 *    code; a program exception leaves the CPU unchanged; cc 0..3;
 *  - (a) every host mapping lies inside guest RAM;
 *  - (b) inside the function's registered window [pba, pal], and none
 *    exists while nothing is registered -- except mappings the backend
 *    refused to remove (zombies) and those of a teardown under way a step
 *    at a time, and then the device's DMA is blocked;
 *  - (c) inside the backend's IOVA ranges when the device reports them;
 *  - (d) every mapped page says what a naive walk of the guest's tables
 *    said at the last refresh that covered it: the harness keeps that
 *    model per page, updated after every RPCIT step (its range from the
 *    engine's resume point; on a translation error only the pages before
 *    the first faulting one; old or new where an unmap failed). After a
 *    step without backend failures every page the walk found valid is
 *    mapped, exactly; a refresh that ran out of host mappings in a step
 *    ends in status 16. With relaxed translation, a mapping is guest RAM
 *    at IOVA = SDMA + address;
 *  - the engine's shadow is the exact record of the backend's mappings;
 *  - (e) one intercept reads at most DMA_WORK_MAX + 1024 table entries and
 *    makes at most DMA_WORK_MAX + 1024 backend map and unmap calls; an
 *    RPCIT answered cc 2 has made progress.
 * ASan and UBSan catch the rest. Bugs it found: a status 16 lost across
 * the steps of a refresh, an RPCIT during relaxed translation's unfinished
 * direct map (tests/core/test_dma_limits.c has a test for each).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/be.h"
#include "arch/clp.h"
#include "arch/codes.h"
#include "arch/fib.h"
#include "arch/pci.h"
#include "core/dma.h"
#include "fakes.h"
#include "fuzz_common.h"
#include "util/u64map.h"

/* ---- guest memory layout ---------------------------------------------------- */

#define NFN      2
#define PG       0x1000ULL
#define SEG      (1ULL << 20)
#define REG      (1ULL << 31)
#define RAM      FX_RAM_SIZE
#define STB_BUF  0x28000ULL			/* PCISTB data (below translate_fault_at) */
#define RT_OF(i) (0x40000ULL + (uint64_t)(i) * 0x4000)	/* region-third tables */
#define AIBV_OF(i) (0x50000ULL + (uint64_t)(i) * 0x1000)
#define AISB_OF(i) (0x52000ULL + (uint64_t)(i) * 0x100)
#define FMB_AT   0x53000ULL
#define ARENA_LO(i) (0x100000ULL + (uint64_t)(i) * 0x700000)	/* fx_map_page's tables */
#define ARENA_HI(i) (ARENA_LO(i) + 0x700000)
#define FRAMES   0x1000000ULL			/* DMA frames: 16 MiB .. RAM end */
#define NFRAMES  ((RAM - FRAMES) / PG)

/* the engine's extent flags (src/core/dma.c) */
#define FZ_EXT_RO     1u
#define FZ_EXT_ZOMBIE 2u

#define WORK_BOUND (DMA_WORK_MAX + 1024ULL)

/* ---- state ------------------------------------------------------------------ */

/* A page the harness put in the tables, and where its entries are. */
struct tpage {
	uint64_t iova, rte_a, ste_a, pte_a, rte0, ste0, pte0;
};

#define MAXTP 64
#define MV 6	/* values a page may hold after uncertain refreshes */

/* The model of one page: the encoded mappings (gpa | 1 | write << 1) the
 * guest's tables said at the refreshes that may have left it mapped. */
struct mval {
	uint64_t v[MV];
	uint8_t n;
	bool any;	/* too many: anything goes (the page is not checked) */
	uint32_t gen;
};

struct pv {
	uint64_t iova, val;
};

struct fnst {
	uint64_t next;			/* table allocator in the arena */
	struct tpage tp[MAXTP];
	unsigned ntp;
	bool direct_seen;		/* relaxed translation since the backend was empty */
	struct u64map model;		/* page number -> index into pool */
	struct mval *pool;
	size_t npool, cappool;
	uint32_t gen;
	bool model_lost;		/* too big to follow: (d) off until the backend is empty */
	bool seq_nospace;		/* the current refresh ran out of host mappings */
};

struct fz {
	struct fx x;
	struct fnst s[NFN];
	uint64_t loads0, calls0;	/* stats before the current intercept */
	uint64_t dev_maps0[NFN];	/* each backend's map calls before it */
	bool in_rpcit;			/* the current intercept is an RPCIT */
	struct pv *scan;		/* a walk's valid pages */
	size_t nscan, capscan;
	struct fake_map *sorted;	/* a device's mappings by IOVA */
	size_t capsorted;
};

static struct fz Z;	/* one at a time; its buffers are reused */

/* ---- per-intercept work (e) ------------------------------------------------- */

static void wpre(struct fz *z)
{
	z->loads0 = z->x.m->st.table_loads;
	z->calls0 = z->x.m->st.map_calls + z->x.m->st.unmap_calls;
	for (unsigned i = 0; i < NFN; i++)
		z->dev_maps0[i] = z->x.dev[i]->map_calls;
}

static int wpost(struct fz *z, int rc)
{
	uint64_t loads = z->x.m->st.table_loads - z->loads0;
	uint64_t calls = z->x.m->st.map_calls + z->x.m->st.unmap_calls - z->calls0;

	if (loads > WORK_BOUND)
		fz_fail("one intercept read %llu table entries", (unsigned long long)loads);
	if (calls > WORK_BOUND)
		fz_fail("one intercept made %llu backend map/unmap calls", (unsigned long long)calls);
	/* only RPCIT maps what the tables say; anything else that maps is
	 * relaxed translation's direct map (MPCIFC) */
	for (unsigned i = 0; i < NFN; i++)
		if (!z->in_rpcit && z->x.dev[i]->map_calls != z->dev_maps0[i])
			z->s[i].direct_seen = true;
	if (rc < 0)
		fz_fail("zv_intercept refused a zPCI instruction (errno %d)", errno);
	if (rc > 0 && rc != ZV_PGM_OPERATION && rc != ZV_PGM_PRIVILEGED &&
	    rc != ZV_PGM_SPECIFICATION && rc != ZV_PGM_OPERAND && rc != ZV_PGM_ADDRESSING &&
	    rc != ZV_PGM_PROTECTION)
		fz_fail("unexpected program code %#x", rc);
	return rc;
}

/* one intercept, with its work checked */
#define W(z, call) (wpre(z), wpost((z), (call)))

static void supervisor(struct fz *z)
{
	z->x.cpu.psw_mask = ZV_PSW_MASK_EA | ZV_PSW_MASK_BA;
}

/* ---- the model (d) ------------------------------------------------------------ */

static uint64_t enc(uint64_t gpa, bool write)
{
	return gpa | 1 | (write ? 2 : 0);
}

static bool in_ram(uint64_t a, uint64_t n)
{
	return a < RAM && n <= RAM - a;
}

static struct mval *model_get(struct fnst *s, uint64_t page, bool create)
{
	uint64_t idx;

	if (u64map_get(&s->model, page, &idx))
		return &s->pool[idx];
	if (!create)
		return NULL;
	if (s->npool == s->cappool) {
		size_t cap = s->cappool ? s->cappool * 2 : 1024;
		struct mval *p = realloc(s->pool, cap * sizeof(*p));

		if (!p)
			abort();
		s->pool = p;
		s->cappool = cap;
	}
	if (u64map_put(&s->model, page, s->npool))
		abort();
	s->pool[s->npool] = (struct mval){ .n = 0 };
	return &s->pool[s->npool++];
}

static void model_clear(struct fnst *s)
{
	u64map_clear(&s->model);
	s->npool = 0;
	s->model_lost = false;
}

static void mval_add(struct mval *v, uint64_t val)
{
	for (unsigned i = 0; i < v->n; i++)
		if (v->v[i] == val)
			return;
	if (v->n == MV)
		v->any = true;
	else
		v->v[v->n++] = val;
}

static bool mval_has(const struct mval *v, uint64_t val)
{
	if (v->any)
		return true;
	for (unsigned i = 0; i < v->n; i++)
		if (v->v[i] == val)
			return true;
	return false;
}

static void scan_push(struct fz *z, uint64_t iova, uint64_t val)
{
	if (z->nscan == z->capscan) {
		size_t cap = z->capscan ? z->capscan * 2 : 4096;
		struct pv *p = realloc(z->scan, cap * sizeof(*p));

		if (!p)
			abort();
		z->scan = p;
		z->capscan = cap;
	}
	z->scan[z->nscan++] = (struct pv){ iova, val };
}

#define SCAN_MAX (1u << 20)	/* pages one naive walk may find */

/*
 * The naive walk: what the guest's tables say for the pages of [a, last]
 * (whole pages, inside the window) under f's registration, read entry by
 * entry as the architecture describes them. The valid pages go to z->scan.
 * Returns false at the first page that cannot be translated (*fault), or
 * when the walk finds more than SCAN_MAX pages (*fault = UINT64_MAX).
 */
static bool naive_walk(struct fz *z, const struct zv_function *f, uint64_t a, uint64_t last,
		       uint64_t *fault)
{
	uint64_t iota = f->dma.iota, rt = iota & ~0x3fffULL;
	bool io_ro = iota & 0x200;

	z->nscan = 0;
	if (!(iota & 0x800))
		return true;	/* no translation registered: no table to say anything */
	for (;;) {
		uint64_t rlast = last < (a | (REG - 1)) ? last : a | (REG - 1);
		uint64_t rte_a = rt + 8 * ((a >> 31) & 0x7ff), rte;

		*fault = a;
		if (!in_ram(rte_a, 8))
			return false;
		rte = be64_get(z->x.ram + rte_a);
		if (!rte)
			return false;
		if (!(rte & 0x20)) {
			if ((rte & 0x0c) != 0x04 || (rte & 0x03) != 0x03 || (rte & 0xc0))
				return false;
			for (;;) {	/* the segments of this region entry */
				uint64_t slast = rlast < (a | (SEG - 1)) ? rlast : a | (SEG - 1);
				uint64_t ste_a = (rte & ~0x3fffULL) + 8 * ((a >> 20) & 0x7ff), ste;
				bool ro = io_ro || (rte & 0x200);

				*fault = a;
				if (!in_ram(ste_a, 8))
					return false;
				ste = be64_get(z->x.ram + ste_a);
				if (!ste)
					return false;
				if (!(ste & 0x20)) {
					if (ste & 0x0c)
						return false;
					ro = ro || (ste & 0x200);
					if (ste & 0x400) {	/* a 1 MiB frame */
						uint64_t fr = (ste & ~0xfffffULL) + (a & (SEG - 1));

						if (!in_ram(fr, slast - a + 1))
							return false;
						for (uint64_t p = a; p <= slast; p += PG)
							scan_push(z, p, enc(fr + (p - a), !ro));
					} else {
						uint64_t pt = ste & ~0x7ffULL;

						for (uint64_t p = a; p <= slast; p += PG) {
							uint64_t pte_a = pt + 8 * ((p >> 12) & 0xff), pte;

							*fault = p;
							if (!in_ram(pte_a, 8))
								return false;
							pte = be64_get(z->x.ram + pte_a);
							if (!pte)
								return false;
							if (pte & 0x400)
								continue;
							if (!in_ram(pte & ~0xfffULL, PG))
								return false;
							scan_push(z, p, enc(pte & ~0xfffULL,
									    !(ro || (pte & 0x200))));
						}
					}
					if (z->nscan > SCAN_MAX) {
						*fault = UINT64_MAX;
						return false;
					}
				}
				if (slast >= rlast)
					break;
				a = slast + 1;
			}
		}
		if (rlast >= last)
			return true;
		a = rlast + 1;
	}
}

static int map_cmp(const void *a, const void *b)
{
	const struct fake_map *x = a, *y = b;

	return x->iova < y->iova ? -1 : x->iova > y->iova;
}

/* The device's mappings sorted by IOVA into z->sorted; their number. */
static size_t sort_maps(struct fz *z, const struct fake_dev *d)
{
	if (d->nmaps > z->capsorted) {
		struct fake_map *p = realloc(z->sorted, d->nmaps * sizeof(*p));

		if (!p)
			abort();
		z->sorted = p;
		z->capsorted = d->nmaps;
	}
	if (d->nmaps)
		memcpy(z->sorted, d->maps, d->nmaps * sizeof(*z->sorted));
	qsort(z->sorted, d->nmaps, sizeof(*z->sorted), map_cmp);
	return d->nmaps;
}

/* What the device maps at page iova, encoded; 0 when nothing. */
static uint64_t sorted_lookup(struct fz *z, size_t n, uint64_t iova)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct fake_map *mp = &z->sorted[mid];

		if (iova < mp->iova)
			hi = mid;
		else if (iova - mp->iova >= mp->size)
			lo = mid + 1;
		else
			return enc((uint64_t)((uint8_t *)mp->host - z->x.ram) + (iova - mp->iova), mp->write);
	}
	return 0;
}

enum upd { REPLACE, UNION };

/*
 * A refresh step covered [first, last]: each page there may now say what
 * the naive walk says (REPLACE: only that; UNION: that or what it said).
 * exact: also check every valid page is mapped as the walk says. Stops at
 * the walk's first fault; returns whether there was one (*fault).
 */
static bool model_update(struct fz *z, unsigned fi, uint64_t first, uint64_t last, enum upd how,
			 bool exact, uint64_t *fault)
{
	struct fnst *s = &z->s[fi];
	const struct zv_function *f = z->x.fn[fi];
	bool ok = naive_walk(z, f, first, last, fault);
	uint64_t key, idx;
	size_t nsorted = 0;

	if (!ok && *fault == UINT64_MAX) {
		s->model_lost = true;
		return false;
	}
	if (!ok)
		last = *fault - 1;	/* the pages before the fault are refreshed */
	if (!ok && *fault <= first)
		return true;
	s->gen++;
	for (size_t i = 0; i < z->nscan; i++) {
		struct mval *v = model_get(s, z->scan[i].iova >> 12, true);

		if (how == REPLACE) {
			v->n = 0;
			v->any = false;
		}
		mval_add(v, z->scan[i].val);
		v->gen = s->gen;
	}
	if (how == REPLACE) {
		/* the pages the walk found invalid: nothing may be mapped there */
		for (size_t it = 0; u64map_next(&s->model, &it, &key, &idx);) {
			struct mval *v = &s->pool[idx];

			if (v->gen != s->gen && key << 12 >= first && key << 12 <= last) {
				v->n = 0;
				v->any = false;
			}
		}
	}
	if (exact) {
		nsorted = sort_maps(z, z->x.dev[fi]);
		for (size_t i = 0; i < z->nscan; i++) {
			uint64_t have = sorted_lookup(z, nsorted, z->scan[i].iova);

			if (have != z->scan[i].val) {
				fz_fail("fn %u: after a completed refresh of [%#llx, %#llx] page %#llx "
					"maps %#llx, the tables say %#llx (gpa|1|write<<1)", fi,
					(unsigned long long)first, (unsigned long long)last,
					(unsigned long long)z->scan[i].iova, (unsigned long long)have,
					(unsigned long long)z->scan[i].val);
				break;
			}
		}
	}
	return !ok;
}

/* After model_update() walked a range (z->scan): whether the backend maps
 * every valid page there as the tables say. */
static bool mapped_exactly(struct fz *z, unsigned fi)
{
	size_t nsorted = sort_maps(z, z->x.dev[fi]);

	for (size_t i = 0; i < z->nscan; i++)
		if (sorted_lookup(z, nsorted, z->scan[i].iova) != z->scan[i].val)
			return false;
	return true;
}

/* ---- RPCIT, however it is issued ---------------------------------------------- */

struct rpre {
	int fi;			/* our function with that handle, or -1 */
	bool walk;		/* the engine may walk and change mappings */
	bool resumed;		/* the same RPCIT again after cc 2 */
	uint64_t start, len, first, lastc, mapf, unmapf, nospace;
};

static void rpcit_pre(struct fz *z, uint64_t r1v, uint64_t start, uint64_t len, struct rpre *p)
{
	uint32_t fh = (uint32_t)(r1v >> 32);
	const struct fn_dma *d;
	uint64_t last;

	p->fi = -1;
	for (unsigned i = 0; i < NFN; i++)
		if (zv_function_fh(z->x.fn[i]) == fh)
			p->fi = (int)i;
	if (p->fi < 0)
		return;
	d = &z->x.fn[p->fi]->dma;
	last = start + len - 1 < start ? UINT64_MAX : start + len - 1;
	p->start = start;
	p->len = len;
	p->walk = d->registered && !d->direct && len && start <= d->pal && last >= d->pba;
	p->resumed = d->resume && d->resume_fh == fh && d->resume_start == start && d->resume_len == len;
	if (p->resumed)
		p->first = d->resume_next;
	else
		p->first = (start > d->pba ? start : d->pba) & ~(PG - 1);
	p->lastc = (last < d->pal ? last : d->pal) | (PG - 1);
	p->mapf = z->x.m->st.map_failures;
	p->unmapf = z->x.m->st.unmap_failures;
	p->nospace = z->x.dev[p->fi]->map_nospace;
}

/*
 * After a step of RPCIT: the model of the pages it covered. Unmaps come
 * before maps, so where the backend ran out of mappings or failed a map,
 * a page the step covered is mapped as the walk says or not at all
 * (REPLACE); only where an unmap failed may it still say what it said
 * (UNION). A step that completed without either maps every valid page
 * (exact). A refresh whose step ran out of mappings ends in status 16.
 */
static void rpcit_post(struct fz *z, const struct rpre *p, int rc, unsigned r1)
{
	const struct zv_function *f;
	struct fnst *s;
	bool unmapfail, shortfall, step_nospace, walk_fault = false;
	enum upd how;
	uint64_t fault;
	int cc;

	if (p->fi < 0 || rc || !p->walk)
		return;
	f = z->x.fn[p->fi];
	s = &z->s[p->fi];
	cc = fx_cc(&z->x);
	unmapfail = z->x.m->st.unmap_failures != p->unmapf;
	shortfall = z->x.m->st.map_failures != p->mapf || z->x.dev[p->fi]->map_nospace != p->nospace;
	how = unmapfail ? UNION : REPLACE;
	step_nospace = z->x.dev[p->fi]->map_nospace != p->nospace;
	if (!p->resumed)
		s->seq_nospace = false;
	if (cc == 0 || cc == 2) {
		uint64_t end = p->lastc;

		if (cc == 2) {
			if (!f->dma.resume || f->dma.resume_next <= p->first) {
				fz_fail("RPCIT answered cc 2 without progress (from %#llx)",
					(unsigned long long)p->first);
				return;
			}
			end = f->dma.resume_next - 1;
		}
		if (model_update(z, (unsigned)p->fi, p->first, end, how, !unmapfail && !shortfall &&
				 !f->dma.zombies, &fault) && !s->model_lost) {
			walk_fault = true;
			fz_fail("RPCIT refreshed [%#llx, %#llx] with cc %d over a table entry that "
				"cannot be translated at %#llx", (unsigned long long)p->first,
				(unsigned long long)end, cc, (unsigned long long)fault);
		}
		/* out of mappings, the engine compacts and applies the step
		 * again: when that maps the step's every valid page, the
		 * shortage is over; otherwise the refresh must end in status
		 * 16, however many steps follow */
		if (step_nospace && (unmapfail || z->x.m->st.map_failures != p->mapf || walk_fault ||
				     s->model_lost || !mapped_exactly(z, (unsigned)p->fi)))
			s->seq_nospace = true;
		if (cc == 0 && s->seq_nospace)
			fz_fail("RPCIT(%#llx, %#llx) ran out of host mappings in a step, and answered cc 0",
				(unsigned long long)p->start, (unsigned long long)p->len);
		return;
	}
	if (cc != 1)
		return;
	switch (fx_status(&z->x, r1)) {
	case ZPCI_ST_INSUF_RES:	/* the last step of the refresh */
		model_update(z, (unsigned)p->fi, p->first, p->lastc, how, false, &fault);
		break;
	case ZPCI_ST_ERROR:
		if (unmapfail || shortfall) {	/* the step's end is not known */
			model_update(z, (unsigned)p->fi, p->first, p->lastc, UNION, false, &fault);
			break;
		}
		if (!model_update(z, (unsigned)p->fi, p->first, p->lastc, REPLACE, false, &fault) &&
		    !s->model_lost)
			fz_fail("RPCIT(%#llx, %#llx) answered a translation error where the tables "
				"hold none (refresh from %#llx)", (unsigned long long)p->start,
				(unsigned long long)p->len, (unsigned long long)p->first);
		break;
	default:
		break;
	}
}

/* RPCIT with the operands in registers r1 and r2, r2 + 1. */
static int rpcit_regs(struct fz *z, unsigned r1, unsigned r2)
{
	struct rpre p = { .fi = -1 };
	int rc;

	rpcit_pre(z, z->x.cpu.gpr[r1], z->x.cpu.gpr[r2], z->x.cpu.gpr[(r2 + 1) & 15], &p);
	z->in_rpcit = true;
	rc = W(z, fx_rre(&z->x, 0xb9d3, r1, r2));
	z->in_rpcit = false;
	rpcit_post(z, &p, rc, r1);
	return rc;
}

/* ---- the invariants after every operation --------------------------------------- */

static void check_all(struct fz *z)
{
	for (unsigned i = 0; i < NFN; i++) {
		struct zv_function *f = z->x.fn[i];
		struct fake_dev *d = z->x.dev[i];
		struct fnst *s = &z->s[i];
		const struct fn_dma *dm = &f->dma;

		if (extmap_count(&dm->shadow) != d->nmaps)
			fz_fail("fn %u: the shadow holds %u extents, the backend %u mappings", i,
				extmap_count(&dm->shadow), d->nmaps);
		if (dm->zombies && !d->dma_blocked)
			fz_fail("fn %u: %llu mappings the backend would not remove, DMA not blocked", i,
				(unsigned long long)dm->zombies);
		if (dm->dropping && !d->dma_blocked)
			fz_fail("fn %u: mappings dropped a step at a time, DMA not blocked", i);
		for (unsigned k = 0; k < d->nmaps; k++) {
			const struct fake_map *mp = &d->maps[k];
			const uint8_t *h = mp->host;
			uint64_t gpa = (uint64_t)(h - z->x.ram), last = mp->iova + mp->size - 1;
			struct extent e;
			bool zombie, ok;

			/* (a) */
			if (h < z->x.ram || h > z->x.ram + RAM || !mp->size || mp->size > RAM - gpa) {
				fz_fail("fn %u: mapping %#llx+%#llx outside guest RAM", i,
					(unsigned long long)mp->iova, (unsigned long long)mp->size);
				return;
			}
			if ((mp->iova | mp->size) & (PG - 1) || last < mp->iova)
				fz_fail("fn %u: mapping %#llx+%#llx is not whole pages", i,
					(unsigned long long)mp->iova, (unsigned long long)mp->size);
			/* the shadow's record of it */
			if (!extmap_find(&dm->shadow, mp->iova, &e) || e.first != mp->iova || e.last != last ||
			    e.data != gpa || !(e.flags & FZ_EXT_RO) != mp->write) {
				fz_fail("fn %u: mapping %#llx+%#llx (gpa %#llx) is not in the shadow as it is",
					i, (unsigned long long)mp->iova, (unsigned long long)mp->size,
					(unsigned long long)gpa);
				continue;
			}
			zombie = e.flags & FZ_EXT_ZOMBIE;
			/* (b): a teardown under way (dropping) keeps old ones, fenced */
			if (!zombie && !dm->dropping && (!dm->registered || mp->iova < dm->pba || last > dm->pal))
				fz_fail("fn %u: mapping %#llx+%#llx outside the registered window "
					"[%#llx, %#llx]%s", i, (unsigned long long)mp->iova,
					(unsigned long long)mp->size, (unsigned long long)dm->pba,
					(unsigned long long)dm->pal, dm->registered ? "" : " (none registered)");
			/* (c) */
			if (d->has_zpci) {
				ok = !d->zpci.nranges && d->zpci.has_window && mp->iova >= d->zpci.start_dma &&
				     last <= d->zpci.end_dma;
				for (unsigned r = 0; r < d->zpci.nranges && !ok; r++)
					ok = mp->iova >= d->zpci.ranges[r].lo && last <= d->zpci.ranges[r].hi;
				if (!ok)
					fz_fail("fn %u: mapping %#llx+%#llx outside the IOMMU's ranges", i,
						(unsigned long long)mp->iova, (unsigned long long)mp->size);
			}
			/* (d) */
			if (s->direct_seen && mp->write && mp->iova - f->sdma == gpa && mp->iova >= f->sdma)
				continue;	/* relaxed translation: RAM at SDMA + address */
			if (s->model_lost)
				continue;
			for (uint64_t o = 0; o < mp->size; o += PG) {
				const struct mval *v = model_get(s, (mp->iova + o) >> 12, false);
				uint64_t have = enc(gpa + o, mp->write);

				if (!v || !mval_has(v, have)) {
					fz_fail("fn %u: page %#llx maps %#llx (gpa|1|write<<1), which the "
						"tables never said at a refresh (%s)", i,
						(unsigned long long)(mp->iova + o), (unsigned long long)have,
						!v ? "never refreshed" : v->n ? "they said otherwise" :
						"they said nothing");
					break;
				}
			}
		}
		if (!d->nmaps) {
			model_clear(s);
			s->direct_seen = false;
		}
	}
}

/* ---- operations ---------------------------------------------------------------- */

/* Values a guest is likely to use, so the fuzzer reaches deep paths. */
static uint64_t value(struct fx *x, struct in *in)
{
	uint8_t sel = u8(in);
	unsigned f = sel & 1;
	uint32_t fh = zv_function_fh(x->fn[f]);

	switch (sel >> 1 & 7) {
	case 0: return u64(in);
	case 1: return u8(in);
	case 2: return (uint64_t)fh << 32 | (uint64_t)(u8(in) & 0xf) << 16 | (u8(in) & 0x1f);
	case 3: return (uint64_t)(fh ^ (u8(in) & 0x80 ? 0x80000000u : 0)) << 32 | u8(in);
	case 4: return FX_LPCB + (u8(in) & 0x18);
	case 5: return FX_FIB + (u8(in) & 0x7);
	case 6: return 0x100000000ULL + ((uint64_t)u8(in) << 12) + ((uint64_t)u8(in) << 20);
	default: return 0x40000 + ((uint64_t)u8(in) << 8);
	}
}

/* Function 1 also has an MSI capability (64-bit, per-vector masking, 8
 * vectors) after its MSI-X one: the engine owns those registers too. */
static int msi_fds[8];
static struct dev_ops msi_ops;

static int fz_set_msi(struct zv_device *d, unsigned count, const int *fds)
{
	(void)d;
	for (unsigned i = 0; i < 8; i++)
		msi_fds[i] = i < count ? fds[i] : -1;
	return 0;
}

static void add_msi_function(struct fx *x, uint64_t limit)
{
	struct fake_dev *d = fake_dev_new(8);

	d->limit = limit;
	msi_ops = *d->dev.ops;
	msi_ops.set_msi = fz_set_msi;
	d->dev.ops = &msi_ops;
	d->cfg[0x41] = 0x50;	/* MSI-X's next: MSI */
	d->cfg[0x50] = PCI_CAP_ID_MSI;
	le16_put(d->cfg + 0x52, PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT | (3 << 1));
	for (unsigned i = 0; i < 8; i++)
		msi_fds[i] = -1;
	if (fx_add(x, d) != 1)	/* function 1 */
		abort();
}

static void raise_msi(unsigned v)
{
	uint64_t one = 1;

	if (msi_fds[v % 8] >= 0 && write(msi_fds[v % 8], &one, sizeof(one)) != sizeof(one))
		abort();
}

static const uint16_t rre_ops[] = { 0xb9a0, 0xb9d0, 0xb9d2, 0xb9d3 };
static const uint8_t long_ops[][2] = { { 0xe3, 0xd0 }, { 0xe3, 0xd4 }, { 0xeb, 0xd0 }, { 0xeb, 0xd1 } };

/* A random instruction with random or plausible registers. */
static void one_insn(struct fz *z, struct in *in)
{
	struct fx *x = &z->x;
	struct zv_cpu before;
	uint8_t kind = u8(in);
	int rc;

	for (int r = 0; r < 16; r++)
		if (u8(in) & 1)
			x->cpu.gpr[r] = value(x, in);
	supervisor(z);
	if ((kind & 0xf0) == 0xf0)
		x->cpu.psw_mask |= ZV_PSW_MASK_PSTATE;
	before = x->cpu;
	if (kind & 8) {
		const uint8_t *op = long_ops[kind & 3];
		uint8_t r = u8(in), b = u8(in);
		int32_t d = (int32_t)(u64(in) & 0xfffff);

		d = (d ^ 0x80000) - 0x80000;
		rc = op[0] == 0xe3 ? W(z, fx_rxy(x, op[0], op[1], r >> 4, r & 0xf, b & 0xf, d))
				   : W(z, fx_rsy(x, op[0], op[1], r >> 4, r & 0xf, b & 0xf, d));
	} else {
		uint8_t r = u8(in);

		if ((kind & 3) == 0)
			rc = W(z, zv_intercept(x->m, &x->cpu, 0xb9a0, (uint32_t)u8(in) << 24 | (uint32_t)r << 16));
		else if ((kind & 3) == 3)
			rc = rpcit_regs(z, r >> 4, r & 0xf);
		else
			rc = W(z, fx_rre(x, rre_ops[kind & 3], r >> 4, r & 0xf));
	}
	if (rc > 0 && memcmp(&before, &x->cpu, sizeof(before)))
		fz_fail("program exception %#x changed the CPU", rc);
	if (!rc && fx_cc(x) > 3)
		fz_fail("condition code %d", fx_cc(x));
}

/* MPCIFC with the FIB at FX_FIB, again while cc 2 at most `tries` times. */
static int mpcifc(struct fz *z, unsigned fi, uint8_t oc, unsigned tries)
{
	int rc;

	supervisor(z);
	do
		rc = W(z, fx_mpcifc(&z->x, zv_function_fh(z->x.fn[fi]), 0, oc));
	while (rc == 0 && fx_cc(&z->x) == 2 && tries--);
	return rc;
}

/* T_REG: register a translation table (deregistering first). */
static void op_reg(struct fz *z, struct in *in)
{
	unsigned fi = u8(in) & 1;
	uint8_t wsel = u8(in), isel = u8(in), a = u8(in);
	uint16_t b = u16(in);
	struct zv_function *f = z->x.fn[fi];
	struct fnst *s = &z->s[fi];
	uint64_t pba = f->sdma, pal = f->edma, rt = RT_OF(fi), iota;

	switch (wsel & 7) {
	case 4: pal = f->sdma + ((uint64_t)a + 1) * SEG - 1; break;
	case 5: pba = f->sdma + (uint64_t)a * SEG; break;
	case 6: pba = f->sdma + (uint64_t)a * PG + 0x123; pal = pba + (uint64_t)b * PG; break;
	case 7: pba = (uint64_t)a << 32 | (uint64_t)b << 12; pal = pba + ((uint64_t)b << 20); break;
	default: break;
	}
	switch (isel & 7) {
	case 5: iota = rt | 0x004; break;		/* no translation: relaxed */
	case 6: iota = rt | 0x800 | (isel & 0x1c); break;	/* any table type */
	case 7: iota = rt | 0xa04; break;		/* protection for the whole space */
	default: iota = rt | 0x804; break;		/* region-third table */
	}
	if ((f->dma.registered || f->dma.dropping) && !(wsel & 0x80))
		mpcifc(z, fi, ZPCI_MOD_FC_DEREG_IOAT, wsel & 0x10 ? 0 : 64);
	/* a new, empty region-third table */
	for (unsigned i = 0; i < 2048; i++)
		fx_w64(&z->x, rt + 8 * i, 0x20);
	s->next = ARENA_LO(fi);
	s->ntp = 0;
	memset(z->x.ram + FX_FIB, 0, ZPCI_FIB_SIZE);
	fx_w64(&z->x, FX_FIB + 0x10, pba);
	fx_w64(&z->x, FX_FIB + 0x18, pal);
	fx_w64(&z->x, FX_FIB + 0x20, iota);
	mpcifc(z, fi, wsel & 0x40 ? ZPCI_MOD_FC_REREG_IOAT : ZPCI_MOD_FC_REG_IOAT,
	       wsel & 0x20 ? 1 : 64);
}

/* The entries of page iova exist in our arena (or are invalid): else the
 * guest puts invalid ones there, so that fx_map_page only follows tables
 * it made. */
static void sane_path(struct fz *z, unsigned fi, uint64_t iova)
{
	struct fnst *s = &z->s[fi];
	uint64_t rte_a = fx_rte_addr(RT_OF(fi), iova), rte = fx_r64(&z->x, rte_a), st, ste_a, ste, pt;

	if (rte & 0x20)
		return;
	st = rte & ~0x3fffULL;
	if ((rte & 0x3fff) != 0x07 || st < ARENA_LO(fi) || st + 0x4000 > s->next) {
		fx_w64(&z->x, rte_a, 0x20);
		return;
	}
	ste_a = st + 8 * ((iova >> 20) & 0x7ff);
	ste = fx_r64(&z->x, ste_a);
	if (ste & 0x20)
		return;
	pt = ste & ~0x7ffULL;
	if ((ste & 0x7ff) || pt < ARENA_LO(fi) || pt + 0x800 > s->next)
		fx_w64(&z->x, ste_a, 0x20);
}

/* T_MAP: valid entries for a handful of pages. */
static void op_map(struct fz *z, struct in *in)
{
	unsigned fi = u8(in) & 1, n = 1 + u8(in) % 8;
	struct zv_function *f = z->x.fn[fi];
	struct fnst *s = &z->s[fi];
	uint64_t base = (f->dma.registered ? f->dma.pba : f->sdma) & ~(SEG - 1);
	uint64_t iova = base, frame = FRAMES;
	static const unsigned segs[] = { 0, 1, 2, 3, 4, 2046, 2047, 1024 };

	for (unsigned k = 0; k < n; k++) {
		uint8_t a = u8(in), pg = u8(in), fk = u8(in);
		uint16_t fr = u16(in);
		struct tpage *t;

		if (!(a & 0x80) || !k)	/* else: the page after the last one */
			iova = base + (uint64_t)(a & 3) * REG + (uint64_t)segs[a >> 2 & 7] * SEG +
			       (uint64_t)pg * PG;
		else
			iova += PG;
		switch (fk & 7) {
		case 5: frame += PG; break;			/* contiguous with the last */
		case 6: break;					/* the same frame again */
		case 7: frame = RAM + (uint64_t)fr * PG; break;	/* outside guest RAM */
		default: frame = FRAMES + (uint64_t)(fr % NFRAMES) * PG; break;
		}
		if (s->next + 0x4000 + 0x4000 + 0x800 > ARENA_HI(fi))
			return;	/* the arena is full */
		sane_path(z, fi, iova);
		fx_map_page(&z->x, RT_OF(fi), iova, frame, fk & 8, &s->next);
		if (s->ntp == MAXTP)
			continue;
		t = &s->tp[s->ntp++];
		t->iova = iova;
		t->rte_a = fx_rte_addr(RT_OF(fi), iova);
		t->ste_a = fx_ste_addr(&z->x, RT_OF(fi), iova);
		t->pte_a = fx_pte_addr(&z->x, RT_OF(fi), iova);
		t->rte0 = fx_r64(&z->x, t->rte_a);
		t->ste0 = fx_r64(&z->x, t->ste_a);
		t->pte0 = fx_r64(&z->x, t->pte_a);
	}
}

/* T_MUT: change one entry on a tracked page's path. */
static void op_mut(struct fz *z, struct in *in)
{
	unsigned fi = u8(in) & 1;
	uint8_t which = u8(in), level = u8(in), kind = u8(in);
	uint64_t v = u64(in);
	struct fnst *s = &z->s[fi];
	const struct tpage *t;
	uint64_t a, e, orig, inval;

	if (!s->ntp)
		return;
	t = &s->tp[which % s->ntp];
	switch (level % 3) {
	case 0: a = t->pte_a; orig = t->pte0; inval = 0x400; break;
	case 1: a = t->ste_a; orig = t->ste0; inval = 0x20; break;
	default: a = t->rte_a; orig = t->rte0; inval = 0x20; break;
	}
	e = fx_r64(&z->x, a);
	switch (kind % 12) {
	case 0: e |= inval; break;
	case 1: e &= ~inval; break;
	case 2: e ^= 0x200; break;			/* protection */
	case 3:						/* another frame or table in RAM */
		e = (e & 0xfff) | (level % 3 == 0 ? FRAMES + (v % NFRAMES) * PG
						  : (ARENA_LO(fi) + (v % 0x700) * 0x1000) & ~0x3fffULL);
		break;
	case 4: e = (e & 0xfff) | ((RAM + (v & 0xffff) * PG) << (v >> 60)); break;	/* outside RAM */
	case 5: e = (e | 0x400) & ~0x20ULL; break;	/* STE: a 1 MiB frame */
	case 6: e ^= (v & 3) << 2; break;		/* table type */
	case 7: e = (e & ~0xc3ULL) | (v & 0xc3); break;	/* table length and offset */
	case 8: e = 0; break;
	case 9: e = orig; break;
	case 10: e = v; break;
	default: e ^= 1ULL << (v % 64); break;
	}
	fx_w64(&z->x, a, e);
}

/* T_RPCIT: a plausible range, again while cc 2 (a bounded number of times). */
static void op_rpcit(struct fz *z, struct in *in)
{
	unsigned fi = u8(in) & 1;
	uint8_t mode = u8(in), a = u8(in), tsel = u8(in);
	uint16_t b = u16(in);
	uint64_t r = u64(in);
	struct zv_function *f = z->x.fn[fi];
	struct fnst *s = &z->s[fi];
	uint64_t pba = f->dma.registered ? f->dma.pba : f->sdma;
	uint64_t pal = f->dma.registered ? f->dma.pal : f->edma, start, len;
	unsigned tries = tsel < 192 ? 64 : tsel % 4;
	const struct tpage *t = s->ntp ? &s->tp[a % s->ntp] : NULL;

	switch (mode % 10) {
	case 0: case 1: start = pba; len = pal - pba + 1; break;	/* global */
	case 2: start = f->sdma; len = f->edma - f->sdma + 1; break;	/* Linux's aperture */
	case 3: case 4:							/* one page */
		start = t ? t->iova : pba + (uint64_t)b * PG;
		len = PG;
		break;
	case 5:								/* pages around one */
		start = (t ? t->iova : pba) - (uint64_t)(a & 7) * PG;
		len = ((uint64_t)(b % 2048) + 1) * PG;
		break;
	case 6: start = pba + (r % (pal - pba + 1)); len = (r >> 32) + 1; break;
	case 7: start = r; len = (uint64_t)b << (a % 48); break;	/* anything */
	case 8: start = pal - (uint64_t)b * PG; len = UINT64_MAX - a; break;	/* wraps */
	default: start = pba + (uint64_t)b * SEG; len = (uint64_t)a * SEG; break;
	}
	supervisor(z);
	z->x.cpu.gpr[1] = (uint64_t)zv_function_fh(f) << 32;
	for (unsigned k = 0;; k++) {
		z->x.cpu.gpr[2] = start;
		z->x.cpu.gpr[3] = len;
		if (rpcit_regs(z, 1, 2) || fx_cc(&z->x) != 2 || k >= tries)
			break;
	}
}

/* I_REGINT: register (or deregister) adapter interruptions. */
static void op_regint(struct fz *z, struct in *in)
{
	unsigned fi = u8(in) & 1;
	uint8_t sel = u8(in), isc = u8(in), noi = u8(in), aibvo = u8(in), aisbo = u8(in);
	uint32_t fh = zv_function_fh(z->x.fn[fi]);
	uint16_t n = noi < 240 ? 1 + noi % 8 : noi < 250 ? noi : noi == 250 ? 0 : 129;
	uint64_t aibv = AIBV_OF(fi), aisb = AISB_OF(fi);

	supervisor(z);
	if ((sel & 7) == 6 || (z->x.fn[fi]->irq.registered && !(sel & 0x80))) {
		memset(z->x.ram + FX_FIB, 0, ZPCI_FIB_SIZE);
		W(z, fx_mpcifc(&z->x, fh, 0, ZPCI_MOD_FC_DEREG_INT));
		if ((sel & 7) == 6)
			return;
	}
	if ((sel & 7) == 7) {		/* outside RAM */
		aibv = RAM - (aibvo & 7);
		aisb = (uint64_t)isc << 40;
	}
	W(z, fx_reg_int(&z->x, fh, isc & 7, n, aibv, aibvo & 0x3f, aisb, aisbo & 0x3f, sel & 8));
}

static uint32_t bswap32(uint32_t v) { return __builtin_bswap32(v); }
static uint64_t bswap64(uint64_t v) { return __builtin_bswap64(v); }

/* I_VEC: program one MSI-X table entry as a driver does. */
static void op_vec(struct fz *z, struct in *in)
{
	unsigned fi = u8(in) & 1;
	uint8_t v = u8(in), how = u8(in), data = u8(in);
	struct zv_function *f = z->x.fn[fi];
	uint32_t fh = zv_function_fh(f);
	uint64_t addr = f->group->msia, off = 16ULL * (v % 9);
	uint32_t ctrl = how & 1;

	switch (how >> 1 & 7) {
	case 5: addr += 4; break;
	case 6: addr = 0; break;
	case 7: addr = (uint64_t)data << 56 | AIBV_OF(fi); break;
	default: break;
	}
	supervisor(z);
	switch (how >> 4 & 3) {
	case 0: case 1:		/* four words, as Linux's pci_msix_write_vector_ctrl */
		W(z, fx_pcistg(&z->x, fh, 2, 4, off + 0, bswap32((uint32_t)addr)));
		W(z, fx_pcistg(&z->x, fh, 2, 4, off + 4, bswap32((uint32_t)(addr >> 32))));
		W(z, fx_pcistg(&z->x, fh, 2, 4, off + 8, bswap32(data)));
		W(z, fx_pcistg(&z->x, fh, 2, 4, off + 12, bswap32(ctrl)));
		break;
	case 2:			/* two doublewords */
		W(z, fx_pcistg(&z->x, fh, 2, 8, off, bswap64(addr)));
		W(z, fx_pcistg(&z->x, fh, 2, 8, off + 8, bswap64((uint64_t)ctrl << 32 | data)));
		break;
	default:		/* one PCISTB block */
		le64_put(z->x.ram + STB_BUF, addr);
		le32_put(z->x.ram + STB_BUF + 8, data);
		le32_put(z->x.ram + STB_BUF + 12, ctrl);
		z->x.cpu.gpr[4] = (uint64_t)fh << 32 | 2ULL << 16 | 16;
		z->x.cpu.gpr[5] = off;
		z->x.cpu.gpr[6] = STB_BUF;
		W(z, fx_rsy(&z->x, 0xeb, 0xd0, 4, 5, 6, 0));
		break;
	}
}

/* I_CTRL: MSI-X message control (enable, function mask), or a look at the
 * table and the PBA. */
static void op_ctrl(struct fz *z, struct in *in)
{
	unsigned fi = u8(in) & 1;
	uint8_t sel = u8(in);
	uint32_t fh = zv_function_fh(z->x.fn[fi]);
	static const uint16_t vals[] = { 0x8000, 0x8000, 0xc000, 0x0000, 0x4000, 0x8000 | 7, 0xffff, 0x8000 };
	uint16_t v = vals[sel & 7];
	uint64_t got;

	supervisor(z);
	switch (sel >> 3 & 3) {
	case 0: case 1:
		W(z, fx_pcistg(&z->x, fh, 15, 2, 0x42, (uint16_t)(v >> 8 | v << 8)));
		break;
	case 2:		/* the capability's first dword: ID, next, control */
		W(z, fx_pcistg(&z->x, fh, 15, 4, 0x40, bswap32((uint32_t)v << 16 | 0x11)));
		break;
	default:
		W(z, fx_pcilg(&z->x, fh, 2, 8, 0x800, &got));	/* the PBA */
		W(z, fx_pcilg(&z->x, fh, 2, 8, 16ULL * (sel >> 5), &got));
		W(z, fx_pcilg(&z->x, fh, 15, 4, 0x40, &got));
		break;
	}
}

/* I_RAISE: the device signals vectors; the machine dispatches. */
static void op_raise(struct fz *z, struct in *in)
{
	unsigned fi = u8(in) & 1;
	uint8_t mask = u8(in), how = u8(in);

	for (unsigned v = 0; v < 8; v++)
		if (mask & (1u << v))
			fake_raise(z->x.dev[fi], v);
	if (how & 1)
		zv_dispatch(z->x.m);
	if (how & 2) {	/* again: signals between dispatches coalesce */
		fake_raise(z->x.dev[fi], how >> 5);
		zv_dispatch(z->x.m);
	}
}

static void op_sic(struct fz *z, struct in *in)
{
	uint8_t mode = u8(in), isc = u8(in);

	supervisor(z);
	z->x.cpu.gpr[1] = mode < 200 ? mode & 1 : mode;
	z->x.cpu.gpr[3] = (uint64_t)(isc & 7) << 27;
	W(z, fx_rsy(&z->x, 0xeb, 0xd1, 1, 3, 0, 0));
}

/* CLP SET PCI FN: enable or disable, with the current handle or a stale one. */
static void op_setfn(struct fz *z, struct in *in)
{
	unsigned fi = u8(in) & 1;
	uint8_t sel = u8(in);
	uint32_t fh = zv_function_fh(z->x.fn[fi]);

	if (sel & 0x80)
		fh ^= 0x01000000;	/* another instance */
	supervisor(z);
	memset(z->x.ram + FX_LPCB, 0, 8192);
	fx_w16(&z->x, FX_LPCB, 32);
	fx_w16(&z->x, FX_LPCB + 2, CLP_SET_PCI_FN);
	fx_w32(&z->x, FX_LPCB + 0x10, fh);
	fx_w8(&z->x, FX_LPCB + 0x16, sel & 1);	/* 0 enable, 1 disable */
	fx_w8(&z->x, FX_LPCB + 0x17, sel & 0x40 ? 2 : 1);	/* DMA address spaces */
	fx_w16(&z->x, FX_LPCB + 32, 4096 - 32);
	z->x.cpu.gpr[2] = FX_LPCB;
	/* "function busy" (a teardown a step at a time): again, as Linux's
	 * clp_set_pci_fn() does, up to 100 times */
	for (unsigned k = 0; k < (sel & 0x20 ? 1u : 100u); k++) {
		if (W(z, fx_clp_insn(&z->x, 2)) || fx_r16(&z->x, FX_LPCB + 32 + 2) != CLP_RC_SETPCIFN_BUSY)
			break;
		fx_w16(&z->x, FX_LPCB + 32 + 2, 0);
	}
}

/* The host fails: maps, unmaps, region accesses, resets; the budget. */
static void op_fail(struct fz *z, struct in *in)
{
	struct fake_dev *d = z->x.dev[u8(in) & 1];
	uint8_t sel = u8(in), n = u8(in);

	switch (sel % 10) {
	case 0: case 1: case 2:
		d->map_errno = d->unmap_errno = d->fail_region_io = d->reset_errno = 0;
		break;
	case 3: d->map_errno = ENOSPC; break;
	case 4: d->map_errno = EIO; break;
	case 5: d->unmap_errno = EIO; break;
	case 6: d->limit = d->nmaps + n % 8; break;	/* tight */
	case 7: d->limit = FX_DEFAULT_LIMIT; break;
	case 8: d->fail_region_io = !d->fail_region_io; break;
	default: d->reset_errno = d->reset_errno ? 0 : EIO; break;
	}
}

/* MPCIFC recovery and measurement, STPCIFC. */
static void op_recover(struct fz *z, struct in *in)
{
	unsigned fi = u8(in) & 1;
	uint8_t sel = u8(in);
	uint32_t fh = zv_function_fh(z->x.fn[fi]);

	memset(z->x.ram + FX_FIB, 0, ZPCI_FIB_SIZE);
	switch (sel % 5) {
	case 0: case 1: mpcifc(z, fi, ZPCI_MOD_FC_RESET_ERROR, 0); break;
	case 2: mpcifc(z, fi, ZPCI_MOD_FC_RESET_BLOCK, 0); break;
	case 3:
		fx_w64(&z->x, FX_FIB + 0x40, sel & 0x80 ? FMB_AT + (sel & 0xf) : 0);
		mpcifc(z, fi, ZPCI_MOD_FC_SET_MEASURE, 0);
		break;
	default:
		supervisor(z);
		W(z, fx_stpcifc(&z->x, fh, 0, FX_FIB));
		break;
	}
}

/* Take the CRW and every queued event, as Linux's handler does. */
static void op_events(struct fz *z)
{
	uint8_t rsp[4096];
	uint32_t crw;

	zv_crw_take(z->x.m, &crw);
	for (unsigned i = 0; i < 300 && zv_chsc_sei_nt2(z->x.m, rsp, sizeof(rsp)) == 1; i++)
		;
}

/* ---- The input ------------------------------------------------------------------
 * A header, then operations to the end:
 *   h0 & 7: 7 = no zPCI facility (operation exceptions), else the default
 *   h1 & 1: translations of logical addresses >= 0x30000 fault
 *   h2: function 0's mapping budget after it was added (0: the default)
 *   h3: bit 0 start with both functions disabled; bits 1-2 function 0's
 *       host information (0 none, 1 IOMMU ranges as on x86, 2 an s390 zPCI
 *       window and group, 3 as 1 with a window below 4 GiB); bit 3 relaxed
 *       translation for function 0; bit 4 QEMU's per-page RPCIT; bits 5-7
 *       map_step_pages of function 0 (0, else 1 << n)
 *   h4: function 0's budget when it is added (0: the default; else h4 * 16
 *       mappings, which shrinks its DMA window; with per-page RPCIT 4096:
 *       a 4 GiB window walked page by page is a million walks)
 * Each operation is a byte (mod OPS) and its operands (the op_* functions;
 * the s_* ones write them for the seeds). */
enum {
	OP_INSN0, OP_INSN1, OP_INSN2, OP_INSN3, OP_MEM, OP_CLPRQ, OP_DEVSIG, OP_DISPATCH,
	OP_MSICFG, OP_REG, OP_MAP, OP_MUT, OP_RPCIT, OP_RPCIT2, OP_REGINT, OP_VEC, OP_CTRL,
	OP_RAISE, OP_SIC, OP_SETFN, OP_FAIL, OP_RECOVER, OP_EVENTS, OPS
};

static void setup(struct fz *z, struct in *in)
{
	uint8_t h0 = u8(in), h1 = u8(in), h2 = u8(in), h3 = u8(in), h4 = u8(in);
	struct fake_dev *d;

	fx_init(&z->x, 0, (h0 & 7) == 7 ? ZV_FAC_AEN : 0);
	if (h3 & 0x10)
		z->x.m->flags |= ZV_MACHINE_DMA_PER_PAGE;
	d = fake_dev_new(8);
	if (h4)
		d->limit = (uint64_t)h4 * 16;
	else if (h3 & 0x10)
		d->limit = 4096;	/* per page, a 4 GiB window is a million walks */
	switch (h3 >> 1 & 3) {
	case 1: case 3:		/* x86: the IOMMU's valid ranges around the MSI window */
		d->has_zpci = true;
		d->zpci.has_window = true;
		d->zpci.start_dma = 0xfef00000;
		d->zpci.end_dma = 0xffffffffffffULL;
		d->zpci.nranges = 2;
		d->zpci.ranges[0].lo = 0;
		d->zpci.ranges[0].hi = 0xfedfffff;
		d->zpci.ranges[1].lo = 0xfef00000;
		d->zpci.ranges[1].hi = 0xffffffffffffULL;
		break;
	case 2:			/* s390: the function's zPCI window and group */
		d->has_zpci = true;
		d->zpci.has_window = d->zpci.has_base = d->zpci.has_group = true;
		d->zpci.start_dma = 0x100000000ULL;
		d->zpci.end_dma = 0x100000000ULL + (1ULL << 36) - 1;
		d->zpci.gid = 3;
		d->zpci.noi = 16;
		d->zpci.mui = 100;
		d->zpci.version = 1;
		break;
	default:
		break;
	}
	d->dev.map_step_pages = h3 >> 5 ? 1ULL << (h3 >> 5) : 0;
	if (fx_add(&z->x, d) != 0)
		abort();
	add_msi_function(&z->x, h3 & 0x10 ? 4096 : FX_DEFAULT_LIMIT);
	if ((h3 >> 1 & 3) == 3 && zv_function_set_dma_window(z->x.fn[0], 0x1000000, 0xfffffff))
		abort();
	if (h3 & 8)
		zv_function_set_relaxed(z->x.fn[0], true);
	z->x.translate_fault = h1 & 1 ? ZV_PGM_ADDRESSING : 0;
	z->x.translate_fault_at = 0x30000;
	if (h2)
		z->x.dev[0]->limit = h2;
	for (unsigned i = 0; i < NFN; i++) {
		z->s[i].next = ARENA_LO(i);
		z->s[i].ntp = 0;
		z->s[i].direct_seen = false;
		z->s[i].gen = 0;
		z->s[i].seq_nospace = false;
		model_clear(&z->s[i]);
	}
	if (!(h3 & 1) && (h0 & 7) != 7) {
		fx_enable(&z->x, 0);
		fx_enable(&z->x, 1);
	}
}

static void run_input(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	struct fz *z = &Z;

	for (unsigned i = 0; i < NFN; i++)
		if (!z->s[i].model.cap)
			u64map_init(&z->s[i].model);
	setup(z, &in);
	while (in.n) {
		uint8_t op = u8(&in);

		switch (op % OPS) {
		case OP_INSN0: case OP_INSN1: case OP_INSN2: case OP_INSN3:
			one_insn(z, &in);
			break;
		case OP_MEM: {	/* guest writes memory: blocks, tables, vectors */
			uint64_t a = value(&z->x, &in) & (RAM - 1);
			unsigned len = u8(&in) % 64;

			for (unsigned i = 0; i < len && a + i < RAM; i++)
				z->x.ram[a + i] = u8(&in);
			break;
		}
		case OP_CLPRQ: {	/* a well-formed CLP request of a random command */
			memset(z->x.ram + FX_LPCB, 0, 64);
			be16_put(z->x.ram + FX_LPCB, 32);
			be16_put(z->x.ram + FX_LPCB + 2, u8(&in) % 7);
			be64_put(z->x.ram + FX_LPCB + 16, value(&z->x, &in));
			be16_put(z->x.ram + FX_LPCB + 32, (uint16_t)((u8(&in) % 8) * 16 + 32));
			break;
		}
		case OP_DEVSIG: {	/* the device signals (MSI-X or MSI) or faults */
			uint8_t how = u8(&in);

			if (how & 1)
				fake_raise(z->x.dev[u8(&in) & 1], u8(&in) % 8);
			else if (how & 2)
				raise_msi(u8(&in));
			else if (how & 4)
				fake_device_error(z->x.dev[u8(&in) & 1]);
			else
				fake_fault(z->x.dev[u8(&in) & 1], value(&z->x, &in), u8(&in) & 1, u8(&in) & 1);
			break;
		}
		case OP_MSICFG: {	/* config space around function 1's MSI capability */
			static const unsigned lens[] = { 1, 2, 4, 8 };
			uint8_t k = u8(&in);
			unsigned len = lens[k & 3];
			uint64_t off = 0x48 + u8(&in) % 0x28, v = value(&z->x, &in);

			supervisor(z);
			if (k & 4)
				W(z, fx_pcistg(&z->x, zv_function_fh(z->x.fn[1]), 15, len, off, v));
			else
				W(z, fx_pcilg(&z->x, zv_function_fh(z->x.fn[1]), 15, len, off, NULL));
			break;
		}
		case OP_REG: op_reg(z, &in); break;
		case OP_MAP: op_map(z, &in); break;
		case OP_MUT: op_mut(z, &in); break;
		case OP_RPCIT: case OP_RPCIT2: op_rpcit(z, &in); break;
		case OP_REGINT: op_regint(z, &in); break;
		case OP_VEC: op_vec(z, &in); break;
		case OP_CTRL: op_ctrl(z, &in); break;
		case OP_RAISE: op_raise(z, &in); break;
		case OP_SIC: op_sic(z, &in); break;
		case OP_SETFN: op_setfn(z, &in); break;
		case OP_FAIL: op_fail(z, &in); break;
		case OP_RECOVER: op_recover(z, &in); break;
		case OP_EVENTS: op_events(z); break;
		default:
			zv_dispatch(z->x.m);
			break;
		}
		check_all(z);
	}
	zv_dispatch(z->x.m);
	op_events(z);
	fx_fini(&z->x);
}

/* ---- seeds --------------------------------------------------------------------- */

static void s_hdr(struct out *o, uint8_t h2, uint8_t h3, uint8_t h4)
{
	o->n = 0;
	o8(o, 0);
	o8(o, 0);
	o8(o, h2);
	o8(o, h3);
	o8(o, h4);
}

static void s_reg(struct out *o, unsigned fi, uint8_t wsel, uint8_t isel)
{
	o8(o, OP_REG); o8(o, (uint8_t)fi); o8(o, wsel); o8(o, isel); o8(o, 63); o16(o, 0);
}

/* n pages from (region, segment index, page), consecutive or scattered */
static void s_map(struct out *o, unsigned fi, unsigned n, uint8_t a, uint8_t pg, uint8_t fk, uint16_t fr,
		  bool consecutive)
{
	o8(o, OP_MAP); o8(o, (uint8_t)fi); o8(o, (uint8_t)(n - 1));
	for (unsigned k = 0; k < n; k++) {
		o8(o, consecutive && k ? 0x80 : (uint8_t)(a + 4 * k));
		o8(o, (uint8_t)(pg + k));
		o8(o, fk);
		o16(o, (uint16_t)(fr + 7 * k));
	}
}

static void s_mut(struct out *o, unsigned fi, uint8_t which, uint8_t level, uint8_t kind, uint64_t v)
{
	o8(o, OP_MUT); o8(o, (uint8_t)fi); o8(o, which); o8(o, level); o8(o, kind); o64(o, v);
}

static void s_rpcit(struct out *o, unsigned fi, uint8_t mode, uint8_t a, uint8_t tsel, uint16_t b,
		    uint64_t r)
{
	o8(o, OP_RPCIT); o8(o, (uint8_t)fi); o8(o, mode); o8(o, a); o8(o, tsel); o16(o, b); o64(o, r);
}

static void s_regint(struct out *o, unsigned fi, uint8_t sel, uint8_t isc, uint8_t noi)
{
	o8(o, OP_REGINT); o8(o, (uint8_t)fi); o8(o, sel); o8(o, isc); o8(o, noi); o8(o, 3); o8(o, 5);
}

static void s_vec(struct out *o, unsigned fi, uint8_t v, uint8_t how, uint8_t data)
{
	o8(o, OP_VEC); o8(o, (uint8_t)fi); o8(o, v); o8(o, how); o8(o, data);
}

static void s_ctrl(struct out *o, unsigned fi, uint8_t sel)
{
	o8(o, OP_CTRL); o8(o, (uint8_t)fi); o8(o, sel);
}

static void s_raise(struct out *o, unsigned fi, uint8_t mask, uint8_t how)
{
	o8(o, OP_RAISE); o8(o, (uint8_t)fi); o8(o, mask); o8(o, how);
}

static void s_op2(struct out *o, uint8_t op, uint8_t a, uint8_t b)
{
	o8(o, op); o8(o, a); o8(o, b);
}

static void s_fail(struct out *o, unsigned dev, uint8_t sel)
{
	o8(o, OP_FAIL); o8(o, (uint8_t)dev); o8(o, sel); o8(o, 0);
}

static void s_dma(struct out *o, unsigned fi)
{
	s_reg(o, fi, 0, 0);
	s_map(o, fi, 8, 0, 0, 0, 10, true);		/* a run of 8 pages */
	s_map(o, fi, 8, 0x08, 16, 1, 500, false);	/* scattered */
	s_map(o, fi, 4, 0x19, 250, 5, 900, true);	/* across a region boundary */
	s_map(o, fi, 3, 0x1d, 254, 8, 77, true);	/* protected, across a segment */
	s_rpcit(o, fi, 0, 0, 0, 0, 0);			/* global refresh */
	s_rpcit(o, fi, 3, 2, 0, 0, 0);			/* one page */
	s_mut(o, fi, 1, 0, 0, 0);			/* invalidate a page */
	s_mut(o, fi, 9, 0, 3, 1234);			/* another frame */
	s_mut(o, fi, 3, 0, 2, 0);			/* protection */
	s_rpcit(o, fi, 5, 9, 0, 40, 0);			/* a range */
	s_mut(o, fi, 17, 1, 5, 0);			/* a 1 MiB frame */
	s_rpcit(o, fi, 0, 0, 0, 0, 0);
	s_mut(o, fi, 17, 1, 9, 0);			/* back */
	s_mut(o, fi, 20, 2, 6, 2);			/* table type */
	s_rpcit(o, fi, 1, 0, 0, 0, 0);
	s_op2(o, OP_RECOVER, (uint8_t)fi, 0);		/* reset error */
	s_mut(o, fi, 20, 2, 9, 0);
	s_mut(o, fi, 5, 0, 8, 0);			/* a zero entry */
	s_rpcit(o, fi, 0, 0, 0, 0, 0);
	o8(o, OP_EVENTS);
	s_op2(o, OP_RECOVER, (uint8_t)fi, 0);
	s_mut(o, fi, 5, 0, 9, 0);
	s_rpcit(o, fi, 2, 0, 0, 0, 0);
	s_rpcit(o, fi, 8, 0, 0, 3, 0);			/* wraps */
	s_rpcit(o, fi, 9, 0, 0, 1, 0);
}

static void s_msix(struct out *o, unsigned fi)
{
	s_regint(o, fi, 8, 2, 7);			/* ISC 2, 8 vectors, summary bit */
	for (uint8_t v = 0; v < 8; v++)
		s_vec(o, fi, v, (uint8_t)((v % 3) << 4), v);	/* unmasked, vector v */
	s_ctrl(o, fi, 0);				/* enable */
	s_raise(o, fi, 0xff, 1);
	s_raise(o, fi, 0x0f, 3);
	s_vec(o, fi, 2, 1, 2);				/* mask vector 2 */
	s_raise(o, fi, 0x04, 1);			/* pending in the PBA */
	s_ctrl(o, fi, 0x18);				/* look at the PBA */
	s_vec(o, fi, 2, 0, 2);				/* unmask: delivered */
	s_ctrl(o, fi, 2);				/* function mask */
	s_raise(o, fi, 0x30, 1);
	s_ctrl(o, fi, 0);				/* unmask the function */
	s_op2(o, OP_SIC, 1, 2);				/* AIS: single */
	s_raise(o, fi, 0x01, 1);
	s_raise(o, fi, 0x01, 1);
	s_op2(o, OP_SIC, 0, 2);
	s_vec(o, fi, 5, 0x00, 40);			/* vector beyond NOI */
	s_vec(o, fi, 6, 0x0a, 6);			/* not the MSIA */
	s_raise(o, fi, 0x60, 1);
	o8(o, OP_EVENTS);
	s_regint(o, fi, 6, 0, 0);			/* deregister */
	s_raise(o, fi, 0x01, 1);
	s_ctrl(o, fi, 3);				/* disable MSI-X */
	s_raise(o, fi, 0xff, 1);
}

static void make_seeds(fz_emit_fn emit)
{
	static struct out o;

	s_hdr(&o, 0, 0, 0);				/* DMA on both functions */
	s_dma(&o, 0);
	s_dma(&o, 1);
	emit("dma", o.b, o.n);
	s_hdr(&o, 0, 0, 0);				/* MSI-X delivery */
	s_msix(&o, 0);
	s_msix(&o, 1);
	emit("msix", o.b, o.n);
	s_hdr(&o, 0, 0, 0);				/* both, interleaved */
	s_msix(&o, 0);
	s_dma(&o, 0);
	s_raise(&o, 0, 0xff, 1);
	s_op2(&o, OP_SETFN, 0, 1);			/* disable */
	s_op2(&o, OP_SETFN, 0, 0);			/* enable again */
	s_dma(&o, 0);
	emit("both", o.b, o.n);
	s_hdr(&o, 12, 0, 0);				/* a budget of 12: status 16, recovery */
	s_dma(&o, 0);
	s_map(&o, 0, 8, 0x41, 7, 0, 3000, false);
	s_rpcit(&o, 0, 0, 0, 0, 0, 0);
	s_map(&o, 0, 8, 0x21, 9, 6, 3000, false);
	s_rpcit(&o, 0, 5, 0, 0, 300, 0);
	s_fail(&o, 0, 7);			/* room again */
	s_rpcit(&o, 0, 0, 0, 0, 0, 0);
	emit("budget", o.b, o.n);
	s_hdr(&o, 0, 0x40, 0);				/* map_step_pages 4: RPCIT in steps */
	s_dma(&o, 0);
	s_rpcit(&o, 0, 0, 0, 0xc1, 0, 0);		/* give up after one step */
	s_mut(&o, 0, 2, 0, 0, 0);
	s_rpcit(&o, 0, 0, 0, 0, 0, 0);			/* the same RPCIT: it resumes */
	emit("steps", o.b, o.n);
	s_hdr(&o, 0, 0, 0);				/* every translation error */
	s_reg(&o, 0, 0, 0);
	s_map(&o, 0, 4, 0, 0, 0, 40, true);
	{
		static const uint8_t errs[][3] = {	/* level (0 PTE, 1 STE, 2 RTE), kind, value */
			{ 2, 8, 0 }, { 2, 7, 0x40 }, { 2, 7, 0x01 }, { 2, 6, 1 }, { 2, 4, 0 },
			{ 1, 8, 0 }, { 1, 6, 2 }, { 1, 4, 1 }, { 1, 5, 0 }, { 0, 8, 0 }, { 0, 4, 0 },
		};

		for (unsigned k = 0; k < sizeof(errs) / sizeof(errs[0]); k++) {
			s_mut(&o, 0, 1, errs[k][0], errs[k][1], errs[k][2]);
			s_rpcit(&o, 0, 0, 0, 0, 0, 0);
			o8(&o, OP_EVENTS);
			s_op2(&o, OP_RECOVER, 0, 0);	/* reset error */
			s_mut(&o, 0, 1, errs[k][0], 9, 0);	/* as it was */
		}
	}
	emit("errors", o.b, o.n);
	s_hdr(&o, 0, 0x20, 0);				/* steps, the budget runs out in one */
	s_reg(&o, 0, 0, 0);
	s_map(&o, 0, 2, 2 << 2, 0, 0, 100, false);	/* segments 2 and 3 */
	s_rpcit(&o, 0, 0, 0, 0, 0, 0);
	s_fail(&o, 0, 6);				/* no room for more */
	s_map(&o, 0, 2, 0, 0, 0, 200, false);		/* segments 0 and 1 */
	s_rpcit(&o, 0, 0, 0, 0, 0, 0);			/* status 16, in the end */
	emit("nospace-steps", o.b, o.n);
	s_hdr(&o, 0, 0x08 | 0xe0, 0);			/* relaxed translation, in steps */
	s_reg(&o, 0, 4, 5);				/* a 64 MiB window */
	s_map(&o, 0, 2, 0, 5, 0, 300, true);		/* old entries at the IOTA's origin */
	s_rpcit(&o, 0, 0, 0, 0, 0, 0);			/* while the direct map is under way */
	s_op2(&o, OP_SETFN, 0, 1);
	emit("relaxed", o.b, o.n);
	s_hdr(&o, 0, 0x08, 0);				/* relaxed translation at once */
	s_reg(&o, 0, 4, 5);
	s_rpcit(&o, 0, 0, 0, 0, 0, 0);
	s_reg(&o, 0, 0, 0);				/* translated again */
	s_dma(&o, 0);
	emit("relaxed2", o.b, o.n);
	s_hdr(&o, 0, 0x02, 0);				/* x86 ranges */
	s_dma(&o, 0);
	emit("ranges", o.b, o.n);
	s_hdr(&o, 0, 0x06, 0);				/* a window below 4 GiB */
	s_dma(&o, 0);
	s_msix(&o, 0);
	emit("lowwindow", o.b, o.n);
	s_hdr(&o, 0, 0x04, 0);				/* s390 window and group */
	s_dma(&o, 0);
	s_msix(&o, 0);
	emit("s390", o.b, o.n);
	s_hdr(&o, 0, 0x10, 0);				/* QEMU's per-page strategy */
	s_dma(&o, 0);
	s_dma(&o, 1);
	emit("perpage", o.b, o.n);
	s_hdr(&o, 0, 0, 0);				/* the host fails */
	s_dma(&o, 0);
	s_fail(&o, 0, 5);			/* unmaps fail: zombies */
	s_mut(&o, 0, 1, 0, 0, 0);
	s_rpcit(&o, 0, 0, 0, 0, 0, 0);
	s_rpcit(&o, 0, 0, 0, 0, 0, 0);
	s_fail(&o, 0, 0);
	s_op2(&o, OP_RECOVER, 0, 0);
	s_rpcit(&o, 0, 0, 0, 0, 0, 0);
	s_fail(&o, 0, 4);			/* maps fail */
	s_mut(&o, 0, 1, 0, 9, 0);
	s_rpcit(&o, 0, 0, 0, 0, 0, 0);
	s_fail(&o, 0, 0);
	s_op2(&o, OP_RECOVER, 0, 0);
	s_fail(&o, 0, 5);
	s_op2(&o, OP_SETFN, 0, 1);			/* disable with zombies */
	s_fail(&o, 0, 0);
	emit("hostfail", o.b, o.n);
}

FUZZ_MAIN(intercept, 3000, 1024, 1000)
