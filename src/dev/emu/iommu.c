/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iommu.h"

#define PAGE 4096ULL
#define NONE UINT32_MAX

void emu_iommu_init(struct emu_iommu *io, uint64_t limit)
{
	memset(io, 0, sizeof(*io));
	io->limit = limit;
	io->free_head = NONE;
	u64map_init(&io->pages);
}

void emu_iommu_fini(struct emu_iommu *io)
{
	free(io->maps);
	free(io->free_next);
	u64map_free(&io->pages);
	memset(io, 0, sizeof(*io));
}

uint64_t emu_iommu_avail(const struct emu_iommu *io)
{
	return io->limit > io->nmaps_used ? io->limit - io->nmaps_used : 0;
}

static int alloc_slot(struct emu_iommu *io, uint32_t *slot)
{
	if (io->free_head != NONE) {
		*slot = io->free_head;
		io->free_head = io->free_next[*slot];
		return 0;
	}
	if (io->nmaps_alloc == UINT32_MAX - 1)
		return -1;
	uint32_t n = io->nmaps_alloc ? io->nmaps_alloc * 2 : 64;
	struct emu_mapping *m = realloc(io->maps, n * sizeof(*m));
	if (!m)
		return -1;
	io->maps = m;
	uint32_t *f = realloc(io->free_next, n * sizeof(*f));
	if (!f)
		return -1;
	io->free_next = f;
	memset(io->maps + io->nmaps_alloc, 0, (n - io->nmaps_alloc) * sizeof(*m));
	/* chain the new slots (except the one we return) into the free list */
	for (uint32_t i = n - 1; i > io->nmaps_alloc; i--) {
		io->free_next[i] = io->free_head;
		io->free_head = i;
	}
	*slot = io->nmaps_alloc;
	io->nmaps_alloc = n;
	return 0;
}

static void free_slot(struct emu_iommu *io, uint32_t slot)
{
	io->maps[slot].used = false;
	io->free_next[slot] = io->free_head;
	io->free_head = slot;
	io->nmaps_used--;
}

int emu_iommu_map(struct emu_iommu *io, uint64_t iova, uint64_t size, void *host, bool write)
{
	uint32_t slot;

	if (!size || (iova | size) & (PAGE - 1) || iova + size < iova || ((uintptr_t)host & (PAGE - 1))) {
		errno = EINVAL;
		return -1;
	}
	if (io->nmaps_used >= io->limit) {
		errno = ENOSPC;
		return -1;
	}
	for (uint64_t a = iova; a < iova + size; a += PAGE) {
		if (u64map_get(&io->pages, a / PAGE, NULL)) {
			errno = EEXIST;
			return -1;
		}
	}
	if (alloc_slot(io, &slot)) {
		errno = ENOMEM;
		return -1;
	}
	for (uint64_t a = iova; a < iova + size; a += PAGE) {
		if (u64map_put(&io->pages, a / PAGE, slot)) {
			for (uint64_t b = iova; b < a; b += PAGE)
				u64map_del(&io->pages, b / PAGE, NULL);
			io->nmaps_used++;
			free_slot(io, slot);
			errno = ENOMEM;
			return -1;
		}
	}
	io->maps[slot] = (struct emu_mapping){ iova, size, host, write, true };
	io->nmaps_used++;
	return 0;
}

static void drop(struct emu_iommu *io, uint32_t slot)
{
	struct emu_mapping *mp = &io->maps[slot];

	for (uint64_t a = mp->iova; a < mp->iova + mp->size; a += PAGE)
		u64map_del(&io->pages, a / PAGE, NULL);
	free_slot(io, slot);
}

int emu_iommu_unmap(struct emu_iommu *io, uint64_t iova, uint64_t size)
{
	uint64_t end = iova + size;	/* exclusive; 0 means 2^64 */

	if (!size || (iova | size) & (PAGE - 1)) {
		errno = EINVAL;
		return -1;
	}
	/* First pass: refuse to split a mapping (type1 v2). Walk whichever is
	 * smaller: the pages of the range or the list of mappings. */
	uint64_t npages = size / PAGE;
	bool by_pages = npages <= 4ULL * io->nmaps_used;

	for (int pass = 0; pass < 2; pass++) {
		if (by_pages) {
			for (uint64_t a = iova; a != end; a += PAGE) {
				uint64_t s;

				if (!u64map_get(&io->pages, a / PAGE, &s))
					continue;
				struct emu_mapping *mp = &io->maps[s];
				if (mp->iova < iova || mp->iova + mp->size - 1 > end - 1) {
					errno = EINVAL;
					return -1;
				}
				if (pass)
					drop(io, (uint32_t)s);
			}
		} else {
			for (uint32_t s = 0; s < io->nmaps_alloc; s++) {
				struct emu_mapping *mp = &io->maps[s];
				uint64_t last = mp->iova + mp->size - 1;

				if (!mp->used || last < iova || mp->iova > end - 1)
					continue;
				if (mp->iova < iova || last > end - 1) {
					errno = EINVAL;
					return -1;
				}
				if (pass)
					drop(io, s);
			}
		}
	}
	return 0;
}

void emu_iommu_unmap_all(struct emu_iommu *io)
{
	for (uint32_t s = 0; s < io->nmaps_alloc; s++)
		if (io->maps[s].used)
			free_slot(io, s);
	u64map_clear(&io->pages);
}

uint8_t *emu_iommu_translate(const struct emu_iommu *io, uint64_t iova, uint64_t len,
			     bool write, uint64_t *run, bool *prot)
{
	uint64_t s;

	*prot = false;
	if (!u64map_get(&io->pages, iova / PAGE, &s))
		return NULL;
	const struct emu_mapping *mp = &io->maps[s];
	if (write && !mp->write) {
		*prot = true;
		return NULL;
	}
	uint64_t off = iova - mp->iova, left = mp->size - off;
	*run = left < len ? left : len;
	return mp->host + off;
}
