/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iommu.h"

#define PAGE 4096ULL

void emu_iommu_init(struct emu_iommu *io, uint64_t limit)
{
	extmap_init(&io->maps);
	io->limit = limit;
}

void emu_iommu_fini(struct emu_iommu *io)
{
	extmap_fini(&io->maps);
}

uint64_t emu_iommu_avail(const struct emu_iommu *io)
{
	uint64_t n = extmap_count(&io->maps);

	return io->limit > n ? io->limit - n : 0;
}

/* type1's range rule: page aligned, not empty, not wrapping past 2^64 */
static bool range_ok(uint64_t iova, uint64_t size)
{
	return size && !((iova | size) & (PAGE - 1)) && iova + size - 1 >= iova;
}

int emu_iommu_map(struct emu_iommu *io, uint64_t iova, uint64_t size, void *host, bool write)
{
	struct extent e = { iova, iova + size - 1, (uintptr_t)host, write };

	if (!range_ok(iova, size) || ((uintptr_t)host & (PAGE - 1))) {
		errno = EINVAL;
		return -1;
	}
	if (extmap_count(&io->maps) >= io->limit) {
		errno = ENOSPC;
		return -1;
	}
	return extmap_insert(&io->maps, &e);	/* EEXIST on overlap */
}

int emu_iommu_unmap(struct emu_iommu *io, uint64_t iova, uint64_t size)
{
	uint64_t last = iova + size - 1;
	struct extent e;

	if (!range_ok(iova, size)) {
		errno = EINVAL;
		return -1;
	}
	/* refuse to split a mapping (type1 v2) before removing anything */
	if ((extmap_find(&io->maps, iova, &e) && e.first < iova) ||
	    (extmap_find(&io->maps, last, &e) && e.last > last)) {
		errno = EINVAL;
		return -1;
	}
	while (extmap_next(&io->maps, iova, &e) && e.first <= last) {
		extmap_remove(&io->maps, e.first);
		if (e.last == UINT64_MAX)
			break;
	}
	return 0;
}

void emu_iommu_unmap_all(struct emu_iommu *io)
{
	extmap_clear(&io->maps);
}

uint8_t *emu_iommu_translate(const struct emu_iommu *io, uint64_t iova, uint64_t len,
			     bool write, uint64_t *run, bool *prot)
{
	struct extent e;
	uint64_t left;

	*prot = false;
	if (!extmap_find(&io->maps, iova, &e))
		return NULL;
	if (write && !e.flags) {
		*prot = true;
		return NULL;
	}
	left = e.last - iova + 1;	/* 0 only if the extent is all of 2^64 */
	*run = left && left < len ? left : len;
	return (uint8_t *)(uintptr_t)e.data + (iova - e.first);
}
