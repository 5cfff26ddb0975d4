/* SPDX-License-Identifier: MIT */
/*
 * I/O address translation: registration (MPCIFC) and RPCIT, which walks the
 * guest's region-third / segment / page tables over the refreshed range,
 * clipped to [PBA, PAL], and makes the backend's IOMMU mappings equal the
 * valid entries: valid pages are mapped (read-only when any level has the
 * protection bit), invalid ones unmapped. The shadow records every host
 * mapping (IOVA page -> guest address | read-only) so that unmaps and
 * unchanged pages need no host call.
 *
 * This is the correct walk (reference §4.2, §4.6, and §11 for the QEMU walk
 * bugs it avoids: no stepping by a level's span from an unaligned start, no
 * skipping the next segment after an invalid entry, exact clipping).
 */
#include <errno.h>
#include <stdlib.h>

#include "arch/be.h"
#include "arch/codes.h"
#include "arch/dmat.h"
#include "core.h"

#define PAGE ZPCI_PAGE_SIZE

static uint64_t mk_shadow(uint64_t gpa, bool ro)
{
	return gpa | (ro ? SHADOW_RO : 0);
}

static void shadow_drop(struct zv_function *f, uint64_t iova)
{
	if (u64map_del(&f->dma.shadow, iova / PAGE, NULL)) {
		f->dev->ops->dma_unmap(f->dev, iova, PAGE);
		f->m->st.unmap_calls++;
		f->m->st.pages_unmapped++;
	}
}

/* Unmap every shadowed page in [first, last] (inclusive bounds). */
static void unmap_span(struct zv_function *f, uint64_t first, uint64_t last, bool *freed)
{
	uint64_t npages = (last - first) / PAGE + 1;

	if (!f->dma.shadow.len)
		return;
	if (npages <= f->dma.shadow.len) {
		for (uint64_t a = first;; a += PAGE) {
			size_t before = f->dma.shadow.len;

			shadow_drop(f, a);
			*freed |= f->dma.shadow.len != before;
			if (a >= last - (PAGE - 1))
				break;
		}
		return;
	}
	/* a wide span (an invalid region entry): walk the shadow instead,
	 * collecting first because deletion moves entries */
	uint64_t *keys = malloc(f->dma.shadow.len * sizeof(*keys)), key;
	size_t n = 0;

	if (!keys) {	/* fall back to a slow but allocation-free sweep */
		for (size_t it = 0; u64map_next(&f->dma.shadow, &it, &key, NULL);) {
			if (key * PAGE >= first && key * PAGE <= last) {
				shadow_drop(f, key * PAGE);
				*freed = true;
				it = 0;
			}
		}
		return;
	}
	for (size_t it = 0; u64map_next(&f->dma.shadow, &it, &key, NULL);)
		if (key * PAGE >= first && key * PAGE <= last)
			keys[n++] = key;
	for (size_t i = 0; i < n; i++)
		shadow_drop(f, keys[i] * PAGE);
	*freed |= n != 0;
	free(keys);
}

void dma_unmap_all(struct zv_function *f)
{
	bool freed = false;

	unmap_span(f, 0, UINT64_MAX, &freed);
}

int dma_register(struct zv_function *f, uint64_t pba, uint64_t pal, uint64_t iota)
{
	struct zpci_iota io = zpci_iota_decode(iota);

	pba &= ~(PAGE - 1);
	pal |= PAGE - 1;
	if (pba > pal || pba < f->sdma || pal > f->edma)
		return ZV_PGM_OPERAND;
	if (!io.translate) {
		/* no translation needs relaxed translation, which zvfio does
		 * not offer yet (no RTR flag in the group) */
		if (!(f->group->flags & 0x20))
			return ZV_PGM_OPERAND;
	} else if (io.dt != ZPCI_IOTA_DT_RT || pal >> ZPCI_RT_REACH_SHIFT) {
		/* only region-third-rooted tables (DTSM 0x40), which reach 4 TiB */
		return ZV_PGM_OPERAND;
	}
	dma_unmap_all(f);
	f->dma.pba = pba;
	f->dma.pal = pal;
	f->dma.iota = iota;
	f->dma.registered = true;
	return 0;
}

/* Read one 8-byte table entry from guest storage. */
static bool read_entry(struct zv_function *f, uint64_t addr, uint64_t *e)
{
	const uint8_t *p = gm_ptr(f->m, addr, 8);

	if (!p)
		return false;
	*e = be64_get(p);
	return true;
}

struct walk {
	struct zv_function *f;
	bool nospace;		/* a map failed for lack of host mappings */
	bool freed;		/* an unmap made room */
	uint16_t pec;
	uint64_t faddr;
};

static int fault(struct walk *w, uint16_t pec, uint64_t a)
{
	w->pec = pec;
	w->faddr = a;
	return -EIO;
}

/* Make the host mapping of one page equal a valid guest entry. */
static int map_page(struct walk *w, uint64_t iova, uint64_t gpa, bool ro)
{
	struct zv_function *f = w->f;
	uint64_t want = mk_shadow(gpa, ro), have;
	uint8_t *host = gm_ptr(f->m, gpa, PAGE);

	/* a frame outside guest RAM can never be mapped */
	if (!host)
		return fault(w, ZPCI_PEC_INVAL_TE, iova);
	if (u64map_get(&f->dma.shadow, iova / PAGE, &have)) {
		if (have == want)
			return 0;
		shadow_drop(f, iova);
		w->freed = true;
	}
	f->m->st.map_calls++;
	if (f->dev->ops->dma_map(f->dev, iova, PAGE, host, !ro)) {
		w->nospace = true;
		return 0;
	}
	if (u64map_put(&f->dma.shadow, iova / PAGE, want)) {
		f->dev->ops->dma_unmap(f->dev, iova, PAGE);
		w->nospace = true;
		return 0;
	}
	f->m->st.pages_mapped++;
	return 0;
}

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* Walk [first, last] (page aligned first, inclusive last), all inside one
 * RT-rooted tree. */
static int walk_range(struct walk *w, uint64_t first, uint64_t last)
{
	struct zv_function *f = w->f;
	struct zpci_iota io = zpci_iota_decode(f->dma.iota);
	uint64_t a = first;

	for (;;) {
		uint64_t rte, ste, pte, rlast, slast;
		struct zpci_te rt, st, pt;

		rlast = min_u64(last, (a | ((1ULL << ZPCI_RT_SHIFT) - 1)));
		if (!read_entry(f, io.origin + 8ULL * zpci_rtx(a), &rte))
			return fault(w, ZPCI_PEC_INVAL_TE, a);
		switch (zpci_rte_decode(rte, &rt)) {
		case ZPCI_TE_FAULT:
			return fault(w, rt.pec, a);
		case ZPCI_TE_UNMAPPED:
			unmap_span(f, a, rlast, &w->freed);
			goto next_region;
		case ZPCI_TE_OK:
			break;
		}
		for (;;) {	/* segments of this region entry */
			slast = min_u64(rlast, a | ((1ULL << ZPCI_SEG_SHIFT) - 1));
			if (!read_entry(f, rt.origin + 8ULL * zpci_sx(a), &ste))
				return fault(w, ZPCI_PEC_INVAL_TE, a);
			switch (zpci_ste_decode(ste, &st)) {
			case ZPCI_TE_FAULT:
				return fault(w, st.pec, a);
			case ZPCI_TE_UNMAPPED:
				unmap_span(f, a, slast, &w->freed);
				break;
			case ZPCI_TE_OK:
				for (;;) {	/* pages of this segment */
					bool ro = io.prot || rt.prot || st.prot;
					int rc;

					if (st.large) {
						rc = map_page(w, a, st.origin + (a & ((1ULL << ZPCI_SEG_SHIFT) - 1)), ro);
					} else {
						if (!read_entry(f, st.origin + 8ULL * zpci_px(a), &pte))
							return fault(w, ZPCI_PEC_INVAL_TE, a);
						switch (zpci_pte_decode(pte, &pt)) {
						case ZPCI_TE_FAULT:
							return fault(w, pt.pec, a);
						case ZPCI_TE_UNMAPPED:
							unmap_span(f, a, a + PAGE - 1, &w->freed);
							rc = 0;
							break;
						default:
							rc = map_page(w, a, pt.origin, ro || pt.prot);
							break;
						}
					}
					if (rc)
						return rc;
					if (a >= slast - (PAGE - 1))
						break;
					a += PAGE;
				}
				break;
			}
			if (slast >= rlast)
				break;
			a = slast + 1;
		}
next_region:
		if (rlast >= last)
			return 0;
		a = rlast + 1;
	}
}

int dma_rpcit(struct zv_function *f, uint64_t start, uint64_t len, uint16_t *pec, uint64_t *faddr)
{
	struct walk w = { .f = f };
	uint64_t last, first;
	int rc;

	if (!f->dma.registered) {
		*pec = ZPCI_PEC_INVAL_AS;
		*faddr = start;
		return -EIO;
	}
	if (!len)
		return 0;
	/* start + len may wrap: saturate (QEMU does not check) */
	last = start + len - 1 < start ? UINT64_MAX : start + len - 1;
	if (start > f->dma.pal || last < f->dma.pba) {
		*pec = ZPCI_PEC_OUT_OF_RANGE;
		*faddr = start;
		return -EIO;
	}
	/* whole pages: every bound below ends in 0xfff */
	first = (start < f->dma.pba ? f->dma.pba : start) & ~(PAGE - 1);
	last = min_u64(last, f->dma.pal) | (PAGE - 1);
	/* Translations that did not fit are retried once if unmaps in the
	 * same refresh made room, as QEMU does; then: insufficient resources. */
	for (int pass = 0; pass < 2; pass++) {
		w.nospace = w.freed = false;
		rc = walk_range(&w, first, last);
		if (rc) {
			*pec = w.pec;
			*faddr = w.faddr;
			return rc;
		}
		if (!w.nospace)
			return 0;
		if (!w.freed)
			break;
	}
	return -ENOSPC;
}
