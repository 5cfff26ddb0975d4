/* SPDX-License-Identifier: MIT */
/*
 * The IOMMU of in-process emulated devices, with VFIO type1 semantics: each
 * map call is one mapping counted against a limit, mappings never overlap,
 * and an unmap may cover many mappings but never split one. Mappings are
 * extents in an ordered tree, so a map or an unmap costs the same whatever
 * its size. Devices reach host memory only through emu_iommu_translate().
 */
#ifndef ZV_DEV_EMU_IOMMU_H
#define ZV_DEV_EMU_IOMMU_H

#include <stdbool.h>
#include <stdint.h>

#include "util/extmap.h"

struct emu_iommu {
	struct extmap maps;	/* data: host address of `first`; flags: writable */
	uint64_t limit;		/* max mappings */
};

void emu_iommu_init(struct emu_iommu *io, uint64_t limit);
void emu_iommu_fini(struct emu_iommu *io);
int emu_iommu_map(struct emu_iommu *io, uint64_t iova, uint64_t size, void *host, bool write);
int emu_iommu_unmap(struct emu_iommu *io, uint64_t iova, uint64_t size);
void emu_iommu_unmap_all(struct emu_iommu *io);
uint64_t emu_iommu_avail(const struct emu_iommu *io);

/*
 * Translate [iova, iova+len) for an access: on success returns a host
 * pointer and sets *run to the bytes contiguous from there (≤ len, ≥ 1).
 * On a fault returns NULL and sets *prot (true: write to read-only page).
 */
uint8_t *emu_iommu_translate(const struct emu_iommu *io, uint64_t iova, uint64_t len,
			     bool write, uint64_t *run, bool *prot);

#endif
