/* SPDX-License-Identifier: MIT */
/*
 * I/O address translation: registration (MPCIFC) and RPCIT.
 *
 * The shadow is the exact record of the host mappings this function holds:
 * one extent per backend mapping (IOVA range -> guest address, read-only
 * flag) in an ordered tree, so its size follows the mappings, not the DMA
 * window. An RPCIT
 *   1. walks the guest's region-third / segment / page tables over the
 *      refreshed range, clipped to [PBA, PAL]: one region entry per 2 GiB,
 *      one segment entry per 1 MiB, then a tight scan of the 256-entry page
 *      table, and gathers the valid pages into runs contiguous in IOVA and
 *      in host memory with one permission;
 *   2. keeps every shadow extent the runs still describe exactly, and drops
 *      the others: type1 and iommufd cannot split a mapping, so a partly
 *      invalidated extent is unmapped whole and its parts outside the range
 *      ("survivors") are mapped again; adjacent dropped extents go to the
 *      backend as one unmap;
 *   3. maps what is left, each run (merged with an adjacent survivor) as
 *      one backend mapping. Unmaps always come first, so a backend that is
 *      out of mappings gets every freed one. If it still runs out, the
 *      refresh is applied again compacting: extents that hold only part of
 *      their run, and contiguous neighbours just outside the range, are
 *      replaced by one mapping per run; then cc 1 status 16 (insufficient
 *      resources), as QEMU answers after its retry.
 *
 * The walk is correct where QEMU's is not (reference §11): no stepping by
 * a level's span from an unaligned start, no skipping the head of the next
 * segment after an invalid entry, exact clipping, start + len saturated.
 *
 * Bounded work. One RPCIT intercept does at most DMA_WORK_MAX units of
 * work (a guest table entry read; a run gathered or a held mapping looked
 * at, DMA_CALL_UNITS each), whatever the range, the window or the
 * history: when the range needs
 * more, the refresh is applied up to where the walk got (a segment
 * boundary), the rest is remembered, and the answer is cc 2 (busy). The
 * guest issues the same RPCIT again -- Linux's zpci_refresh_trans() loops
 * on cc 2 after udelay(ZPCI_INSN_BUSY_DELAY), in every version -- and the
 * refresh continues where it stopped. Any other RPCIT for the function
 * starts afresh. Teardown (deregistration, disable) drops the held
 * mappings a step at a time too, the function fenced meanwhile. Memory
 * follows the work: the runs of one step, and the shadow, which holds one
 * extent per host mapping.
 *
 * Failures of the backend are never forgotten. A failed map is cc 1
 * status 16 when the backend is out of mappings (ENOSPC) and an error
 * (SERR event, error state) otherwise. A failed unmap leaves the extent in
 * the shadow, marked EXT_ZOMBIE: the device can still reach that memory,
 * so the function is fenced (its DMA blocked) until a later unmap -- tried
 * again on every refresh, deregistration, recovery and disable --
 * succeeds.
 *
 * With relaxed translation (RTR in the group, IOTA without the T bit) all
 * guest RAM is mapped once at IOVA = SDMA + guest address and RPCIT does
 * nothing. A per-page strategy with a walk from the root for every page is
 * kept as QEMU's baseline for benchmarks (ZV_MACHINE_DMA_PER_PAGE).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/be.h"
#include "arch/clp.h"
#include "arch/codes.h"
#include "arch/dmat.h"
#include "core.h"
#include "dma.h"
#include "guestmem.h"
#include "state.h"

#define PAGE ZPCI_PAGE_SIZE
#define SEG_MASK ((1ULL << ZPCI_SEG_SHIFT) - 1)
#define RT_MASK ((1ULL << ZPCI_RT_SHIFT) - 1)

/* Extent flags: the guest's permission, and a mapping the backend refused
 * to remove. */
#define EXT_RO     1u
#define EXT_ZOMBIE 2u

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }
static uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* A mapping wanted or held: [iova, iova + len) -> guest address gpa. */
struct run {
	uint64_t iova, gpa, len;
	bool ro;
};

/* A growable list with room for a few runs inside, so that the common
 * small refresh allocates nothing. */
#define RUNS_INLINE 8
struct runs {
	struct run *v;
	size_t n, cap;
	struct run in[RUNS_INLINE];
};

static void runs_init(struct runs *r)
{
	r->v = r->in;
	r->n = 0;
	r->cap = RUNS_INLINE;
}

static void runs_free(struct runs *r)
{
	if (r->v != r->in)
		free(r->v);
	runs_init(r);
}

static int runs_push(struct runs *r, const struct run *x)
{
	if (r->n == r->cap) {
		size_t cap = r->cap * 2;
		struct run *v = r->v == r->in ? malloc(cap * sizeof(*v)) : realloc(r->v, cap * sizeof(*v));

		if (!v)
			return -1;
		if (r->v == r->in)
			memcpy(v, r->in, sizeof(r->in));
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = *x;
	return 0;
}

/* Would appending extend the last run (no new memory)? Host contiguity is
 * checked by runs_add itself. */
static bool runs_extends(const struct runs *r, uint64_t iova, uint64_t gpa, uint64_t len, bool ro)
{
	const struct run *l = r->n ? &r->v[r->n - 1] : NULL;

	(void)len;
	return l && l->ro == ro && l->iova + l->len == iova && l->gpa + l->len == gpa;
}

/* Append len bytes at iova -> gpa, merging with the last run when both
 * stay contiguous in IOVA and in host memory with the same permission. */
static int runs_add(const struct zv_machine *m, struct runs *r, uint64_t iova, uint64_t gpa,
		    uint64_t len, bool ro)
{
	struct run *l = r->n ? &r->v[r->n - 1] : NULL;

	if (l && l->ro == ro && l->iova + l->len == iova && l->gpa + l->len == gpa &&
	    gm_ptr(m, l->gpa, l->len + len)) {
		l->len += len;
		return 0;
	}
	return runs_push(r, &(struct run){ iova, gpa, len, ro });
}

/* ---- the backend and the shadow, always changed together ---- */

/*
 * 0, or an errno negated: the backend's (-ENOSPC: out of mappings), or
 * -ENOMEM when the shadow cannot grow. The extent is recorded first, so
 * that no mapping ever exists the shadow does not know of.
 */
static int host_map(struct zv_function *f, const struct run *r)
{
	struct extent e = { r->iova, r->iova + r->len - 1, r->gpa, r->ro ? EXT_RO : 0 };
	uint8_t *host = gm_ptr(f->m, r->gpa, r->len);
	int err;

	if (!host)
		return -EFAULT;
	if (extmap_insert(&f->dma.shadow, &e))
		return -ENOMEM;
	f->m->st.map_calls++;
	errno = 0;
	if (f->dev->ops->dma_map(f->dev, r->iova, r->len, host, !r->ro)) {
		err = errno ? errno : EIO;
		extmap_remove(&f->dma.shadow, e.first);
		f->m->st.map_failures += err != ENOSPC;
		return -err;
	}
	f->m->st.pages_mapped += r->len / PAGE;
	return 0;
}

/* Mark every extent in [first, last] a zombie: still mapped in the backend. */
static void mark_zombies(struct zv_function *f, uint64_t first, uint64_t last)
{
	struct extent e;
	uint64_t a = first;

	while (extmap_next(&f->dma.shadow, a, &e) && e.first <= last) {
		if (!(e.flags & EXT_ZOMBIE)) {
			extmap_remove(&f->dma.shadow, e.first);
			e.flags |= EXT_ZOMBIE;
			extmap_insert(&f->dma.shadow, &e);	/* same node count: cannot fail */
			f->dma.zombies++;
			f->dma.zombie_made++;
		}
		if (e.last >= last)
			break;
		a = e.last + 1;
	}
}

/*
 * One backend unmap for [first, last], which covers whole mappings: on
 * success their extents go, on failure they stay as zombies. 0 or -1.
 */
static int host_unmap(struct zv_function *f, uint64_t first, uint64_t last)
{
	struct extent e;
	uint64_t a = first;

	f->m->st.unmap_calls++;
	if (f->dev->ops->dma_unmap(f->dev, first, last - first + 1)) {
		f->m->st.unmap_failures++;
		mark_zombies(f, first, last);
		return -1;
	}
	while (extmap_next(&f->dma.shadow, a, &e) && e.first <= last) {
		f->m->st.pages_unmapped += (e.last - e.first + 1) / PAGE;
		if ((e.flags & EXT_ZOMBIE) && !--f->dma.zombies)
			f->dma.zombie_pass = false;	/* nothing left to retry */
		extmap_remove(&f->dma.shadow, e.first);
		if (e.last >= last)
			break;
		a = e.last + 1;
	}
	return 0;
}

/* Drop the shadow extents in [first, last] (whole ones only), adjacent
 * ones with one backend call each. 0, or -1 when some stay as zombies. */
static int drop_extents(struct zv_function *f, uint64_t first, uint64_t last)
{
	struct extent e;
	uint64_t a = first, run_first = 0, run_last = 0;
	bool open = false;
	int rc = 0;

	while (extmap_next(&f->dma.shadow, a, &e) && e.first <= last) {
		if (open && e.first != run_last + 1) {
			rc |= host_unmap(f, run_first, run_last);
			open = false;
		}
		if (!open)
			run_first = e.first;
		run_last = e.last;
		open = true;
		if (e.last == UINT64_MAX)
			break;
		a = e.last + 1;
	}
	if (open)
		rc |= host_unmap(f, run_first, run_last);
	return rc;
}

/*
 * The fence: while the backend holds mappings the guest dropped, the
 * device must not use them. Called whenever the zombie count may have
 * changed; the error state's own block (state.c) is independent of it.
 */
static void dma_fence(struct zv_function *f)
{
	fn_update_dma_block(f);
}

int dma_unmap_all(struct zv_function *f)
{
	struct extent e;
	uint64_t a = f->dma.dropping ? f->dma.drop_next : 0, run_first = 0, run_last = 0;
	unsigned budget = DMA_DROP_MAX;
	bool open = false, more = false;

	f->dma.direct = false;
	f->dma.direct_next = 0;
	f->dma.direct_pending = false;
	f->dma.resume = false;
	/* adjacent extents go as one backend call (drop_extents); a step
	 * ends after budget extents, at an extent boundary */
	while (extmap_next(&f->dma.shadow, a, &e)) {
		if (!budget--) {
			more = true;
			break;
		}
		if (open && e.first != run_last + 1) {
			host_unmap(f, run_first, run_last);
			open = false;
		}
		if (!open)
			run_first = e.first;
		run_last = e.last;
		open = true;
		if (e.last == UINT64_MAX)
			break;
		a = e.last + 1;
	}
	if (open)
		host_unmap(f, run_first, run_last);
	f->dma.dropping = more;
	f->dma.drop_next = more ? a : 0;
	dma_fence(f);
	if (more)
		return -EBUSY;
	return f->dma.zombies ? -1 : 0;
}

int dma_unmap_all_now(struct zv_function *f)
{
	int rc;

	while ((rc = dma_unmap_all(f)) == -EBUSY)
		;
	return rc;
}

int dma_retry_zombies(struct zv_function *f)
{
	struct fn_dma *d = &f->dma;
	struct extent e;
	uint64_t a;
	unsigned work = 0;
	int rc = 0;

	/* a pass over the whole shadow, bounded as any step (the zombies lie
	 * among the held mappings): from the start, or from where the last
	 * step stopped */
	if (!d->zombie_pass) {
		d->zombie_pass = true;
		d->zombie_next = 0;
		d->zombie_pass_made = d->zombie_made;
	}
	a = d->zombie_next;
	while (d->zombies && extmap_next(&d->shadow, a, &e)) {
		if (work >= DMA_WORK_MAX) {
			d->zombie_next = a;
			dma_fence(f);
			return -EBUSY;
		}
		work += DMA_VISIT_UNITS;
		if (e.flags & EXT_ZOMBIE) {
			rc |= host_unmap(f, e.first, e.last);
			work += DMA_CALL_UNITS;
		}
		if (e.last == UINT64_MAX)
			break;
		a = e.last + 1;
	}
	d->zombie_pass = false;
	dma_fence(f);
	if (d->zombies && d->zombie_made != d->zombie_pass_made)
		return -EBUSY;	/* some came after the pass began: a new one */
	if (d->zombies)		/* every one tried in this pass, and some stay */
		return -1;
	return rc;
}

/* ---- registration ---- */

/*
 * Relaxed translation: all guest RAM inside the window, one backend
 * mapping per intercept -- of at most map_step_pages for a backend that
 * pins pages (VFIO), so that the whole of a large RAM is never one
 * instruction's work. 0 when done, -EBUSY when more remains, or
 * host_map's error.
 */
/* The lowest piece of RAM ∩ window at or above direct_next (the regions
 * need not be sorted), at most one step long. */
static bool direct_piece(const struct zv_function *f, struct run *run)
{
	const struct zv_machine *m = f->m;
	bool found = false;

	for (unsigned i = 0; i < m->n_mem; i++) {
		const struct zv_mem_region *r = &m->mem[i];
		uint64_t lo = f->sdma + r->gpa, hi = lo + r->size - 1;

		if (lo < f->sdma || hi < lo)	/* past 2^64 */
			continue;
		lo = max_u64(max_u64(lo, f->dma.pba), f->sdma + f->dma.direct_next);
		hi = min_u64(hi, f->dma.pal);
		if (lo > hi || (found && lo >= run->iova))
			continue;
		if (f->dev->map_step_pages)
			hi = min_u64(hi, lo + f->dev->map_step_pages * PAGE - 1);
		*run = (struct run){ lo, lo - f->sdma, hi - lo + 1, false };
		found = true;
	}
	return found;
}

static int direct_map(struct zv_function *f)
{
	struct run run;
	int rc;

	/* a backend that pins: one step per intercept; else every piece
	 * (one per memory region of the VMM's) at once */
	while (direct_piece(f, &run)) {
		rc = host_map(f, &run);
		if (rc)
			return rc;
		f->dma.direct_next = run.gpa + run.len;
		if (f->dev->map_step_pages && direct_piece(f, &run))
			return -EBUSY;	/* the guest asks again for the next step */
	}
	f->dma.direct = true;
	f->dma.direct_pending = false;
	return 0;
}

bool dma_register_pending(const struct zv_function *f, uint64_t pba, uint64_t pal, uint64_t iota)
{
	return f->dma.registered && f->dma.direct_pending && f->dma.pba == (pba & ~(PAGE - 1)) &&
	       f->dma.pal == (pal | (PAGE - 1)) && f->dma.iota == iota;
}

int dma_register(struct zv_function *f, uint64_t pba, uint64_t pal, uint64_t iota)
{
	struct zpci_iota io = zpci_iota_decode(iota);
	int rc;

	if (dma_register_pending(f, pba, pal, iota))
		goto more;	/* the same registration again: its next step */
	pba &= ~(PAGE - 1);
	pal |= PAGE - 1;
	if (pba > pal || pba < f->sdma || pal > f->edma)
		return ZV_PGM_OPERAND;
	if (!io.translate) {
		/* no translation: only with relaxed translation offered */
		if (!(f->group->flags & CLP_QGRP_FLAG_RTR))
			return ZV_PGM_OPERAND;
	} else if (io.dt != ZPCI_IOTA_DT_RT || pal >> ZPCI_RT_REACH_SHIFT) {
		/* only region-third-rooted tables (DTSM 0x40), which reach 4 TiB */
		return ZV_PGM_OPERAND;
	}
	/* the old registration ends here; its mappings go first, a step at
	 * a time (a REG or REREG answered cc 2 meanwhile continues them) */
	f->dma.registered = false;
	rc = dma_unmap_all(f);
	if (rc == -EBUSY)
		return -EBUSY;
	if (rc)
		return -EREMOTEIO;	/* the old mappings stay: fenced */
	f->dma.pba = pba;
	f->dma.pal = pal;
	f->dma.iota = iota;
	f->dma.registered = true;
	if (io.translate)
		return 0;
	f->dma.direct_pending = true;
	f->dma.direct_next = 0;
more:
	rc = direct_map(f);
	if (rc && rc != -EBUSY) {
		/* undone: what was mapped goes, now or (fenced meanwhile) by
		 * the steps of the next registration, deregistration or
		 * disable */
		f->dma.registered = false;
		f->dma.direct_pending = false;
		if (dma_unmap_all(f) == -1)
			return -EREMOTEIO;
		return rc == -ENOSPC ? -ENOSPC : -EREMOTEIO;
	}
	return rc;
}

/* ---- the walk ---- */

struct walk {
	struct zv_function *f;
	struct runs runs;
	uint16_t pec;
	uint64_t faddr;		/* first address not walked, on a fault */
	uint64_t work;		/* units done this intercept (DMA_WORK_MAX) */
	uint64_t pages;		/* pages gathered (zv_device.map_step_pages) */
	uint64_t first;		/* where this step began */
	uint64_t ext_next;	/* held mappings before this are counted */
	uint64_t stop;		/* first address not walked, when the work ran out */
};

#define WALK_STOPPED 1	/* walk_range: out of work before the end */

static bool read_entry(struct walk *w, uint64_t addr, uint64_t *e)
{
	const uint8_t *p = gm_ptr(w->f->m, addr, 8);

	if (!p)
		return false;
	w->f->m->st.table_loads++;
	w->work++;
	*e = be64_get(p);
	return true;
}

static int fault(struct walk *w, uint16_t pec, uint64_t a)
{
	w->pec = pec;
	w->faddr = a;
	return -EIO;
}

/* Out of work before a? Then the step ends there -- never at its start. */
static bool out_of_work(struct walk *w, uint64_t a)
{
	uint64_t cap = w->f->dev->map_step_pages;

	if (a == w->first || (w->work < DMA_WORK_MAX && (!cap || w->pages < cap)))
		return false;
	w->stop = a;
	return true;
}

/*
 * Count the held mappings in [a, upto] as work, each once (each may have
 * to be unmapped): true when all are counted. With limited, counting ends
 * when the work has run out, after at least one mapping: false, and *stop
 * is the first address not covered (the start of the next mapping, so that
 * [a, *stop) is complete). A segment has at most 256 mappings: counted
 * whole; an invalid region entry may stand over half a million.
 */
static bool count_held(struct walk *w, uint64_t a, uint64_t upto, bool limited, uint64_t *stop)
{
	struct extent e;
	bool counted = false;

	uint64_t next = upto == UINT64_MAX ? UINT64_MAX : upto + 1;

	a = max_u64(a, w->ext_next);
	while (a <= upto && extmap_next(&w->f->dma.shadow, a, &e) && e.first <= upto) {
		if (limited && counted && w->work >= DMA_WORK_MAX) {
			*stop = e.first;
			w->ext_next = e.first;
			return false;
		}
		counted = true;
		w->work += DMA_CALL_UNITS;
		if (e.last >= upto) {	/* counted for all of it */
			next = e.last == UINT64_MAX ? UINT64_MAX : e.last + 1;
			break;
		}
		a = e.last + 1;
	}
	w->ext_next = max_u64(w->ext_next, next);
	return true;
}

static int add(struct walk *w, uint64_t iova, uint64_t gpa, uint64_t len, bool ro)
{
	/* a frame outside guest RAM can never be mapped */
	if (!gm_ptr(w->f->m, gpa, len))
		return fault(w, ZPCI_PEC_INVAL_TE, iova);
	w->f->m->st.pages_walked += len / PAGE;
	w->pages += len / PAGE;
	w->work += runs_extends(&w->runs, iova, gpa, len, ro) ? 0 : DMA_CALL_UNITS;
	return runs_add(w->f->m, &w->runs, iova, gpa, len, ro) ? fault(w, ZPCI_PEC_INVAL_TE, iova) : 0;
}

/* The valid pages of one segment's page table in [a, slast], handed to
 * add() as runs of pages contiguous in guest memory with one permission
 * (the common case: one call per segment, not per page). */
static int walk_pt(struct walk *w, uint64_t pto, uint64_t a, uint64_t slast, bool ro)
{
	unsigned px = zpci_px(a), end = zpci_px(slast);
	const uint8_t *pt = gm_ptr(w->f->m, pto + 8ULL * px, 8ULL * (end - px + 1));
	uint64_t run_a = 0, run_g = 0, run_len = 0, run_max = 0;
	bool run_ro = false;

	if (!pt)
		return fault(w, ZPCI_PEC_INVAL_TE, a);
	w->f->m->st.table_loads += end - px + 1;
	w->work += end - px + 1;
	for (unsigned i = px; i <= end; i++, a += PAGE) {
		struct zpci_te pte;
		enum zpci_te_result r = zpci_pte_decode(be64_get(pt + 8ULL * (i - px)), &pte);
		bool pro = ro || pte.prot;

		/* a run never spans two RAM regions: their host memory need not be adjacent */
		if (r == ZPCI_TE_OK && run_len && pte.origin == run_g + run_len && pro == run_ro &&
		    pte.origin + (PAGE - 1) <= run_max) {
			run_len += PAGE;
			continue;
		}
		if (run_len && add(w, run_a, run_g, run_len, run_ro))
			return -EIO;
		run_len = 0;
		if (r == ZPCI_TE_FAULT)
			return fault(w, pte.pec, a);
		if (r == ZPCI_TE_OK) {
			run_a = a;
			run_g = pte.origin;
			run_len = PAGE;
			run_ro = pro;
			run_max = gm_region_last(w->f->m, run_g);
		}
	}
	return run_len ? add(w, run_a, run_g, run_len, run_ro) : 0;
}

/*
 * Walk [first, last] (whole pages) of an RT-rooted tree: 0, -EIO on a
 * fault (pec, faddr), or WALK_STOPPED when the work ran out at w->stop
 * (a segment boundary after at least one segment's work).
 */
static int walk_range(struct walk *w, uint64_t first, uint64_t last)
{
	struct zpci_iota io = zpci_iota_decode(w->f->dma.iota);
	uint64_t a = first;

	for (;;) {
		uint64_t rlast = min_u64(last, a | RT_MASK), rte;
		struct zpci_te rt;

		if (out_of_work(w, a))
			return WALK_STOPPED;
		if (!read_entry(w, io.origin + 8ULL * zpci_rtx(a), &rte))
			return fault(w, ZPCI_PEC_INVAL_TE, a);
		switch (zpci_rte_decode(rte, &rt)) {
		case ZPCI_TE_FAULT:
			return fault(w, rt.pec, a);
		case ZPCI_TE_UNMAPPED:
			/* nothing valid up to rlast: what is held there goes,
			 * as much of it as the work allows */
			if (!count_held(w, a, rlast, true, &w->stop))
				return WALK_STOPPED;
			break;
		case ZPCI_TE_OK:
			for (;;) {	/* the segments of this region entry */
				uint64_t slast = min_u64(rlast, a | SEG_MASK), ste;
				struct zpci_te st;
				bool ro;

				if (out_of_work(w, a))
					return WALK_STOPPED;
				count_held(w, a, slast, false, NULL);
				if (!read_entry(w, rt.origin + 8ULL * zpci_sx(a), &ste))
					return fault(w, ZPCI_PEC_INVAL_TE, a);
				switch (zpci_ste_decode(ste, &st)) {
				case ZPCI_TE_FAULT:
					return fault(w, st.pec, a);
				case ZPCI_TE_UNMAPPED:
					break;
				case ZPCI_TE_OK:
					ro = io.prot || rt.prot || st.prot;
					if (st.large ? add(w, a, st.origin + (a & SEG_MASK), slast - a + 1, ro)
						     : walk_pt(w, st.origin, a, slast, ro))
						return -EIO;
					break;
				}
				if (slast >= rlast)
					break;
				a = slast + 1;
			}
			break;
		}
		if (rlast >= last)
			return 0;
		a = rlast + 1;
	}
}

/* ---- reconcile the shadow with the walked runs over [first, last] ---- */

/* Does extent e still say exactly what run r says over [lo, hi]? */
static bool extent_matches(const struct extent *e, const struct run *r, uint64_t lo, uint64_t hi)
{
	return !(e->flags & EXT_ZOMBIE) && r->iova <= lo && hi <= r->iova + r->len - 1 &&
	       r->ro == ((e->flags & EXT_RO) != 0) && r->gpa + (lo - r->iova) == e->data + (lo - e->first);
}

/* Unmap the extents listed in gone (sorted): each group of adjacent ones
 * covers a range that holds nothing else, which drop_extents unmaps in
 * one call. 0, or -1 when some could not be unmapped (zombies). */
static int unmap_gone(struct zv_function *f, const struct runs *gone)
{
	int rc = 0;

	for (size_t i = 0, j; i < gone->n; i = j) {
		uint64_t hi = gone->v[i].iova + gone->v[i].len - 1;

		for (j = i + 1; j < gone->n && gone->v[j].iova == hi + 1; j++)
			hi = gone->v[j].iova + gone->v[j].len - 1;
		rc |= drop_extents(f, gone->v[i].iova, hi);
	}
	return rc;
}

/*
 * Make the shadow (and the backend) say what want says over [first,
 * last]. Normally an extent that still matches is kept even when its run
 * is now longer, so that growing a buffer page by page costs one map per
 * page. compact: keep only extents that hold their whole run — fewer,
 * larger mappings, for when the backend is out of them.
 */
static int apply(struct zv_function *f, const struct runs *want, uint64_t first, uint64_t last,
		 bool compact, struct runs *lost)
{
	struct runs keep, gone, surv, todo;
	struct extent e;
	size_t ri = 0;
	int rc = 0;

	runs_init(&keep);
	runs_init(&gone);
	runs_init(&surv);
	runs_init(&todo);

	/* 1. which held mappings stay; which go, and what of them survives
	 * outside the range */
	for (uint64_t a = first; !rc && extmap_next(&f->dma.shadow, a, &e) && e.first <= last;) {
		uint64_t lo = max_u64(e.first, first), hi = min_u64(e.last, last);
		bool ro = (e.flags & EXT_RO) != 0;

		while (ri < want->n && want->v[ri].iova + want->v[ri].len - 1 < lo)
			ri++;
		if (ri < want->n && extent_matches(&e, &want->v[ri], lo, hi) &&
		    (!compact || (e.first <= max_u64(want->v[ri].iova, first) &&
				  e.last >= min_u64(want->v[ri].iova + want->v[ri].len - 1, last)))) {
			rc = runs_push(&keep, &(struct run){ lo, 0, hi - lo + 1, false });
		} else {
			rc = runs_push(&gone, &(struct run){ e.first, 0, e.last - e.first + 1, false });
			if (!rc && e.first < first)
				rc = runs_push(&surv, &(struct run){ e.first, e.data, first - e.first, ro });
			if (!rc && e.last > last)
				rc = runs_push(&surv, &(struct run){ last + 1, e.data + (last + 1 - e.first),
								     e.last - last, ro });
		}
		if (e.last >= last)
			break;
		a = e.last + 1;
	}
	/* 2. the wanted runs minus what is kept */
	for (size_t i = 0, ki = 0; !rc && i < want->n; i++) {
		struct run r = want->v[i];

		while (!rc && r.len && ki < keep.n && keep.v[ki].iova <= r.iova + r.len - 1) {
			const struct run *k = &keep.v[ki++];
			uint64_t skip = k->iova + k->len - r.iova;

			if (k->iova > r.iova)
				rc = runs_add(f->m, &todo, r.iova, r.gpa, k->iova - r.iova, r.ro);
			r.iova += skip;
			r.gpa += skip;
			r.len -= skip;
		}
		if (!rc && r.len)
			rc = runs_add(f->m, &todo, r.iova, r.gpa, r.len, r.ro);
	}
	if (rc) {
		rc = -ENOMEM;
		goto out;
	}
	/* 3. survivors join the runs they touch (at most one lies left of the
	 * range, one right of it); unmap first, so every freed mapping is
	 * there for the maps */
	{
		struct runs fin;

		runs_init(&fin);

		for (size_t i = 0; !rc && i < surv.n; i++)
			if (surv.v[i].iova < first)
				rc = runs_add(f->m, &fin, surv.v[i].iova, surv.v[i].gpa, surv.v[i].len, surv.v[i].ro);
		for (size_t i = 0; !rc && i < todo.n; i++)
			rc = runs_add(f->m, &fin, todo.v[i].iova, todo.v[i].gpa, todo.v[i].len, todo.v[i].ro);
		for (size_t i = 0; !rc && i < surv.n; i++)
			if (surv.v[i].iova > last)
				rc = runs_add(f->m, &fin, surv.v[i].iova, surv.v[i].gpa, surv.v[i].len, surv.v[i].ro);
		runs_free(&todo);
		todo = fin;
		if (todo.v == fin.in)	/* the copy holds its inline runs itself */
			todo.v = todo.in;
		if (rc) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (unmap_gone(f, &gone)) {
		/* what could not be unmapped is still there: nothing may be
		 * mapped over it; the caller fences the function */
		rc = -EREMOTEIO;
		goto out;
	}
	for (size_t i = 0; i < todo.n && !rc; i++) {
		rc = host_map(f, &todo.v[i]);
		if (rc && rc != -ENOSPC && rc != -ENOMEM)
			rc = -EREMOTEIO;	/* the backend failed otherwise */
	}
	/* the caller's retry must put the survivors back: hand them out */
	for (size_t i = 0; rc == -ENOSPC && lost && i < surv.n; i++)
		if (runs_push(lost, &surv.v[i]))
			rc = -ENOMEM;
out:
	runs_free(&keep);
	runs_free(&gone);
	runs_free(&surv);
	runs_free(&todo);
	return rc;
}

/* ---- QEMU's strategy, kept as the benchmark baseline ---- */

/* Translate one page from the root: 0 valid, 1 invalid, -EIO fault. */
static int translate_page(struct walk *w, uint64_t a, uint64_t *gpa, bool *ro)
{
	struct zpci_iota io = zpci_iota_decode(w->f->dma.iota);
	struct zpci_te rt, st, pt;
	uint64_t e;

	if (!read_entry(w, io.origin + 8ULL * zpci_rtx(a), &e))
		return fault(w, ZPCI_PEC_INVAL_TE, a);
	switch (zpci_rte_decode(e, &rt)) {
	case ZPCI_TE_FAULT: return fault(w, rt.pec, a);
	case ZPCI_TE_UNMAPPED: return 1;
	default: break;
	}
	if (!read_entry(w, rt.origin + 8ULL * zpci_sx(a), &e))
		return fault(w, ZPCI_PEC_INVAL_TE, a);
	switch (zpci_ste_decode(e, &st)) {
	case ZPCI_TE_FAULT: return fault(w, st.pec, a);
	case ZPCI_TE_UNMAPPED: return 1;
	default: break;
	}
	*ro = io.prot || rt.prot || st.prot;
	if (st.large) {
		*gpa = st.origin + (a & SEG_MASK);
	} else {
		if (!read_entry(w, st.origin + 8ULL * zpci_px(a), &e))
			return fault(w, ZPCI_PEC_INVAL_TE, a);
		switch (zpci_pte_decode(e, &pt)) {
		case ZPCI_TE_FAULT: return fault(w, pt.pec, a);
		case ZPCI_TE_UNMAPPED: return 1;
		default: break;
		}
		*gpa = pt.origin;
		*ro = *ro || pt.prot;
	}
	if (!gm_ptr(w->f->m, *gpa, PAGE))
		return fault(w, ZPCI_PEC_INVAL_TE, a);
	w->f->m->st.pages_walked++;
	return 0;
}

#define DMA_PER_PAGE_UNITS 8

/* ... *nospace set when a map found the backend out of mappings, whether
 * the step ran to the end or not */
static int rpcit_per_page(struct walk *w, uint64_t first, uint64_t last, bool *nospace_out)
{
	struct zv_function *f = w->f;
	uint64_t unmap_first = 0, unmap_last = 0;
	bool unmap_open = false, nospace = false, broken = false;
	int rc = 0;

	for (uint64_t a = first;; a += PAGE) {
		struct extent have;
		bool held = extmap_find(&f->dma.shadow, a, &have), ro = false;
		uint64_t gpa = 0;

		if (out_of_work(w, a)) {
			rc = WALK_STOPPED;
			break;
		}
		/* two lookups in the shadow per page, each dearer than a table
		 * entry: the walk from the root is not all this page costs */
		w->work += DMA_PER_PAGE_UNITS;
		count_held(w, a, a + PAGE - 1, false, NULL);
		rc = translate_page(w, a, &gpa, &ro);
		if (rc < 0)
			break;
		bool same = held && rc == 0 && have.data == gpa && !(have.flags & EXT_ZOMBIE) &&
			    ((have.flags & EXT_RO) != 0) == ro;
		if (held && !same) {	/* runs of page unmaps go out together */
			if (unmap_open && a != unmap_last + 1) {
				broken |= drop_extents(f, unmap_first, unmap_last) != 0;
				unmap_open = false;
			}
			if (!unmap_open)
				unmap_first = a;
			unmap_last = a + PAGE - 1;
			unmap_open = true;
		}
		if (rc == 0 && !same) {
			if (unmap_open) {
				broken |= drop_extents(f, unmap_first, unmap_last) != 0;
				unmap_open = false;
			}
			if (!broken) {
				int m = host_map(f, &(struct run){ a, gpa, PAGE, ro });

				w->work += DMA_CALL_UNITS;
				nospace |= m == -ENOSPC || m == -ENOMEM;
				broken |= m && m != -ENOSPC && m != -ENOMEM;
			}
		}
		rc = 0;
		if (a >= last - (PAGE - 1))
			break;
	}
	if (unmap_open)
		broken |= drop_extents(f, unmap_first, unmap_last) != 0;
	*nospace_out = nospace;
	return broken ? -EREMOTEIO : rc;
}

/* Does host mapping e continue run r (contiguous, same permission)? */
static bool continues(const struct extent *e, const struct run *r)
{
	return !(e->flags & EXT_ZOMBIE) && ((e->flags & EXT_RO) != 0) == r->ro &&
	       ((e->last + 1 == r->iova && e->data + (e->last - e->first + 1) == r->gpa) ||
		(r->iova + r->len == e->first && r->gpa + r->len == e->data));
}

/*
 * For the compacting retry: the refresh's runs with the survivors of the
 * mappings it split (outside [first, last]) and the held mappings just
 * beyond that continue them, all as they were; and the range they span.
 */
static int join_survivors(struct zv_function *f, const struct runs *surv, const struct runs *r,
			  uint64_t first, uint64_t last, struct runs *out, uint64_t *xf, uint64_t *xl)
{
	const struct zv_machine *m = f->m;
	struct runs mid;
	struct extent e;
	int rc = 0;

	runs_init(&mid);
	*xf = first;
	*xl = last;
	for (size_t i = 0; i < surv->n && !rc; i++)
		if (surv->v[i].iova < first) {
			rc = runs_add(m, &mid, surv->v[i].iova, surv->v[i].gpa, surv->v[i].len, surv->v[i].ro);
			*xf = surv->v[i].iova;
		}
	for (size_t i = 0; i < r->n && !rc; i++)
		rc = runs_add(m, &mid, r->v[i].iova, r->v[i].gpa, r->v[i].len, r->v[i].ro);
	for (size_t i = 0; i < surv->n && !rc; i++)
		if (surv->v[i].iova > last) {
			rc = runs_add(m, &mid, surv->v[i].iova, surv->v[i].gpa, surv->v[i].len, surv->v[i].ro);
			*xl = surv->v[i].iova + surv->v[i].len - 1;
		}
	if (!rc && mid.n && *xf && extmap_find(&f->dma.shadow, *xf - 1, &e) && continues(&e, &mid.v[0])) {
		rc = runs_add(m, out, e.first, e.data, e.last - e.first + 1, (e.flags & EXT_RO) != 0);
		*xf = e.first;
	}
	for (size_t i = 0; i < mid.n && !rc; i++)
		rc = runs_add(m, out, mid.v[i].iova, mid.v[i].gpa, mid.v[i].len, mid.v[i].ro);
	if (!rc && mid.n && *xl != UINT64_MAX && extmap_find(&f->dma.shadow, *xl + 1, &e) &&
	    continues(&e, &mid.v[mid.n - 1])) {
		rc = runs_add(m, out, e.first, e.data, e.last - e.first + 1, (e.flags & EXT_RO) != 0);
		*xl = e.last;
	}
	runs_free(&mid);
	return rc ? -ENOMEM : 0;
}

/*
 * RPCIT over [start, start + len): 0 (done), -EBUSY (the work ran out: the
 * same RPCIT continues), -EIO (a translation error: pec, faddr), -ENOSPC
 * (the backend is out of mappings), -EREMOTEIO (the backend failed
 * otherwise; mappings it could not remove are fenced zombies).
 */
/* A step of the RPCIT (handle, start, len) is done: the same RPCIT issued
 * again goes on at next, remembering whether a step ran out of mappings. */
static void step_taken(struct zv_function *f, uint64_t start, uint64_t len, uint64_t next,
		       bool nospace)
{
	struct fn_dma *d = &f->dma;

	d->resume = true;
	d->resume_nospace = nospace;
	d->resume_fh = f->fh;
	d->resume_start = start;
	d->resume_len = len;
	d->resume_next = next;
}

int dma_rpcit(struct zv_function *f, uint64_t start, uint64_t len, uint16_t *pec, uint64_t *faddr)
{
	struct walk w = { .f = f };
	struct fn_dma *d = &f->dma;
	uint64_t last, first, end;
	bool resumed, nospace;
	int rc;

	runs_init(&w.runs);
	if (!d->registered) {
		*pec = ZPCI_PEC_INVAL_AS;
		*faddr = start;
		return -EIO;
	}
	/* the same RPCIT issued again after cc 2 continues where it stopped */
	resumed = d->resume && d->resume_fh == f->fh && d->resume_start == start &&
		  d->resume_len == len;
	nospace = resumed && d->resume_nospace;
	d->resume = false;
	d->resume_nospace = false;
	if (!resumed)
		f->fmb.rpcit++;		/* one refresh, however many steps it takes */
	if (d->zombies) {
		rc = dma_retry_zombies(f);
		if (rc == -EBUSY) {	/* the retry is this step: the refresh waits */
			step_taken(f, start, len, resumed ? d->resume_next :
				   max_u64(start, d->pba) & ~(PAGE - 1), nospace);
			return -EBUSY;
		}
		if (rc)
			return -EREMOTEIO;
	}
	if (!len)
		return 0;
	/* start + len may wrap: saturate (QEMU does not check) */
	last = start + len - 1 < start ? UINT64_MAX : start + len - 1;
	if (start > d->pal || last < d->pba) {
		*pec = ZPCI_PEC_OUT_OF_RANGE;
		*faddr = start;
		return -EIO;
	}
	/* relaxed translation: everything is (or is being) mapped, and the
	 * IOTA names no table to walk */
	if (d->direct || d->direct_pending)
		return 0;
	/* whole pages: every bound below ends in 0xfff */
	first = resumed ? d->resume_next : max_u64(start, d->pba) & ~(PAGE - 1);
	last = min_u64(last, d->pal) | (PAGE - 1);
	end = last;
	w.first = w.ext_next = first;
	if (f->m->flags & ZV_MACHINE_DMA_PER_PAGE) {
		bool full = false;

		rc = rpcit_per_page(&w, first, end, &full);
		nospace |= full;
	} else {
		struct runs lost;

		runs_init(&lost);
		rc = walk_range(&w, first, end);
		if (rc == WALK_STOPPED) {	/* a step: apply what was walked */
			end = w.stop - 1;
			rc = 0;
		}
		/* on a fault the pages walked before it are still refreshed */
		if (rc == 0)
			rc = apply(f, &w.runs, first, end, false, &lost);
		else if (w.faddr > first)
			apply(f, &w.runs, first, (w.faddr & ~(PAGE - 1)) - 1, false, NULL);
		if (rc == -ENOSPC) {
			/* Out of host mappings: apply again, compacting, over
			 * the range widened to the survivors of the mappings it
			 * split, which must say what they said before. */
			struct runs all;
			uint64_t xf, xl;

			runs_init(&all);
			rc = join_survivors(f, &lost, &w.runs, first, end, &all, &xf, &xl);
			if (!rc)
				rc = apply(f, &all, xf, xl, true, NULL);
			runs_free(&all);
		}
		runs_free(&lost);
		runs_free(&w.runs);
	}
	if (rc == WALK_STOPPED) {
		end = w.stop - 1;	/* per page: the pages before stop are done */
		rc = 0;
	}
	/* Out of host mappings in a step: the steps go on all the same, so
	 * that every invalidation in the range reaches the backend (a page
	 * the guest dropped must never stay reachable), and the last one
	 * answers status 16 -- remembered across every step in between. */
	if (rc == -ENOSPC && end < last) {
		nospace = true;
		rc = 0;
	}
	if (rc == 0 && end < last) {
		step_taken(f, start, len, end + 1, nospace);
		rc = -EBUSY;
	}
	if (rc == 0 && nospace)
		rc = -ENOSPC;
	if (rc == -EIO) {
		*pec = w.pec;
		*faddr = w.faddr;
	}
	dma_fence(f);
	return rc == -ENOMEM ? -ENOSPC : rc;
}
