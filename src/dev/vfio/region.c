/* SPDX-License-Identifier: MIT */
/*
 * A device's regions (BARs 0-5, config space 7): their info, the mappings
 * of what VFIO lets be mmapped, and reads and writes -- PCILG, PCISTG and
 * PCISTB blocks alike, a PCISTB block being one write. Separate from the
 * device's life cycle: this is the data path, which kvmtool keeps in
 * vfio/pci.c with config space and the BARs.
 *
 * Regions are mmapped where VFIO allows it (the MMAP flag; sparse areas;
 * the MSI-X table only with MSIX_MAPPABLE) and accessed with exact-width
 * loads and stores there; pread/pwrite elsewhere (s390 has no BAR mmap).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#include "arch/be.h"
#include "vfio_int.h"

static bool msix_table_in(struct vdev *v, unsigned bar, uint64_t *lo, uint64_t *hi);

static void region_map(struct vdev *v, unsigned idx, const void *info, size_t len,
		       const struct vfio_region_info *ri)
{
	struct region *r = &v->r[idx];
	uint32_t sp = 0;
	uint64_t tlo, thi;
	bool msix_mappable = false;

	if (!(ri->flags & VFIO_REGION_INFO_FLAG_MMAP) || idx > 5 || !r->size)
		return;
	if (ri->flags & VFIO_REGION_INFO_FLAG_CAPS) {
		sp = vfio_find_cap(info, len, ri->cap_offset, VFIO_REGION_INFO_CAP_SPARSE_MMAP);
		msix_mappable = vfio_find_cap(info, len, ri->cap_offset,
					      VFIO_REGION_INFO_CAP_MSIX_MAPPABLE) != 0;
	}
	if (sp) {
		/* a sparse capability cut short by the buffer maps nothing
		 * (nr_areas and the areas would be read past its end) */
		struct vfio_region_info_cap_sparse_mmap s;
		bool fits = vfio_cap_get(info, len, sp, &s, sizeof(s)) == sizeof(s);
		size_t at = sp + sizeof(s), room = fits ? len - at : 0;

		for (unsigned i = 0; fits && i < s.nr_areas && i < MAX_AREAS &&
				     (i + 1) * sizeof(s.areas[0]) <= room; i++) {
			struct vfio_region_sparse_mmap_area a;

			memcpy(&a, (const uint8_t *)info + at + i * sizeof(a), sizeof(a));
			if (!a.size || a.offset > r->size || a.size > r->size - a.offset)
				continue;
			r->areas[r->nareas++] = (struct area){ a.offset, a.size, NULL };
		}
	} else if (!msix_mappable && msix_table_in(v, idx, &tlo, &thi)) {
		/* keep the table's pages out of the mapping (older kernels
		 * refuse them): map what lies before and after */
		uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE);	/* mmap's granule */
		uint64_t plo = tlo & ~(pg - 1), phi = (thi + pg - 1) & ~(pg - 1);

		if (plo)	/* a table past the BAR (config space says so) */
			r->areas[r->nareas++] = (struct area){ 0, plo < r->size ? plo : r->size, NULL };
		if (phi < r->size)
			r->areas[r->nareas++] = (struct area){ phi, r->size - phi, NULL };
	} else {
		r->areas[r->nareas++] = (struct area){ 0, r->size, NULL };
	}
	for (unsigned i = 0; i < r->nareas; i++) {
		void *p = mmap(NULL, r->areas[i].len, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd,
			       (off_t)(r->offset + r->areas[i].off));

		r->areas[i].p = p == MAP_FAILED ? NULL : p;	/* pread/pwrite then */
	}
}

/* Where the MSI-X table lies in bar, from config space (before the engine
 * parses it). */
static bool msix_table_in(struct vdev *v, unsigned bar, uint64_t *lo, uint64_t *hi)
{
	struct region *c = &v->r[ZV_REGION_CONFIG];
	uint8_t hdr[64];
	unsigned pos;

	if (!c->size || pread(v->fd, hdr, sizeof(hdr), (off_t)c->offset) != sizeof(hdr) ||
	    !(le16_get(hdr + PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return false;
	pos = hdr[PCI_CAP_PTR] & ~3u;
	for (unsigned guard = 0; pos >= 0x40 && pos < PCI_CFG_SPACE_SIZE && guard < 48; guard++) {
		uint8_t cap[PCI_MSIX_CAP_SIZE];

		if (pread(v->fd, cap, sizeof(cap), (off_t)(c->offset + pos)) != sizeof(cap))
			return false;
		if (cap[0] == PCI_CAP_ID_MSIX) {
			uint32_t t = le32_get(cap + PCI_MSIX_TABLE);
			unsigned n = (le16_get(cap + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_QSIZE) + 1u;

			if ((t & PCI_MSIX_BIR_MASK) != bar)
				return false;
			*lo = t & ~PCI_MSIX_BIR_MASK;
			*hi = *lo + 16ULL * n;
			return true;
		}
		pos = cap[1] & ~3u;
	}
	return false;
}

int vfio_regions_init(struct vdev *v)
{
	unsigned n = v->info.num_regions < NREGIONS ? v->info.num_regions : NREGIONS;

	/* config space first: mapping a BAR needs the MSI-X table's place */
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < n; i++) {
			struct vfio_region_info in = { .argsz = sizeof(in), .index = i };
			struct vfio_region_info *ri;
			size_t len;

			if ((i == ZV_REGION_CONFIG) != (pass == 0))
				continue;
			ri = vfio_info_ioctl(v->fd, VFIO_DEVICE_GET_REGION_INFO, &in, sizeof(in),
					     &len);
			if (!ri) {
				if (errno == EINVAL)	/* no such region */
					continue;
				return -1;
			}
			v->r[i].size = ri->size;
			v->r[i].offset = ri->offset;
			v->r[i].flags = ri->flags;
			region_map(v, i, ri, len, ri);
			free(ri);
		}
	return 0;
}

int vf_region_info(struct zv_device *d, unsigned idx, struct dev_region_info *ri)
{
	struct vdev *v = V(d);

	if (idx >= NREGIONS || !v->r[idx].size) {
		errno = EINVAL;
		return -1;
	}
	ri->size = v->r[idx].size;
	ri->flags = (v->r[idx].flags & VFIO_REGION_INFO_FLAG_READ ? DEV_REGION_READ : 0) |
		    (v->r[idx].flags & VFIO_REGION_INFO_FLAG_WRITE ? DEV_REGION_WRITE : 0);
	return 0;
}

static uint8_t *mapped(struct region *r, uint64_t off, size_t len)
{
	for (unsigned i = 0; i < r->nareas; i++) {
		struct area *a = &r->areas[i];

		if (a->p && off >= a->off && off - a->off <= a->len && len <= a->len - (off - a->off))
			return a->p + (off - a->off);
	}
	return NULL;
}

/* MMIO through a mapping: exact-width accesses for 1, 2, 4 and 8 bytes
 * (a device may act on the width), doublewords for longer aligned blocks. */
static bool mmio_access(uint8_t *p, void *buf, size_t len, bool write)
{
	uintptr_t a = (uintptr_t)p;

#define ACC(T)                                                           \
	do {                                                             \
		T x;                                                     \
		if (write) {                                             \
			memcpy(&x, buf, sizeof(T));                      \
			*(volatile T *)(void *)p = x;                    \
		} else {                                                 \
			x = *(volatile T *)(void *)p;                    \
			memcpy(buf, &x, sizeof(T));                      \
		}                                                        \
	} while (0)
	if (a % (len < 8 ? len : 8))
		return false;
	switch (len) {
	case 1: ACC(uint8_t); return true;
	case 2: ACC(uint16_t); return true;
	case 4: ACC(uint32_t); return true;
	case 8: ACC(uint64_t); return true;
	default:
		if (len % 8)
			return false;
		for (size_t i = 0; i < len; i += 8, p += 8, buf = (uint8_t *)buf + 8)
			ACC(uint64_t);
		return true;
	}
#undef ACC
}

static int region_rw(struct vdev *v, unsigned idx, uint64_t off, void *buf, size_t len, bool write)
{
	struct region *r;
	uint8_t *p;
	ssize_t n;

	if (idx >= NREGIONS || !v->r[idx].size || off > v->r[idx].size || len > v->r[idx].size - off) {
		errno = EINVAL;
		return -1;
	}
	r = &v->r[idx];
	p = mapped(r, off, len);
	if (p && mmio_access(p, buf, len, write)) {
		v->acc_mapped++;
		return 0;
	}
	v->acc_syscalls++;
	n = write ? pwrite(v->fd, buf, len, (off_t)(r->offset + off))
		  : pread(v->fd, buf, len, (off_t)(r->offset + off));
	if (n != (ssize_t)len) {
		if (n >= 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

int vf_region_read(struct zv_device *d, unsigned idx, uint64_t off, void *buf, size_t len)
{
	return region_rw(V(d), idx, off, buf, len, false);
}

int vf_region_write(struct zv_device *d, unsigned idx, uint64_t off, const void *buf,
		    size_t len)
{
	return region_rw(V(d), idx, off, (void *)buf, len, true);
}

/*
 * Block the device's DMA (the function's error state, or mappings the
 * IOMMU would not give back): VFIO has no switch for it, so bus mastering
 * goes off in the command register, through the config region, and comes
 * back as the guest had it. The kernel passes this bit through (vfio-pci's
 * config virtualization leaves PCI_COMMAND_MASTER writable).
 */
void vf_set_dma_blocked(struct zv_device *d, bool blocked)
{
	struct vdev *v = V(d);
	uint8_t cmd[2];

	if (region_rw(v, VFIO_PCI_CONFIG_REGION_INDEX, PCI_COMMAND_OFF, cmd, 2, false))
		return;
	if (blocked) {
		v->master_was_on = cmd[0] & PCI_COMMAND_MASTER_BIT;
		cmd[0] &= (uint8_t)~PCI_COMMAND_MASTER_BIT;
	} else if (v->master_was_on) {
		cmd[0] |= PCI_COMMAND_MASTER_BIT;
	}
	region_rw(v, VFIO_PCI_CONFIG_REGION_INDEX, PCI_COMMAND_OFF, cmd, 2, true);
}

void vf_region_counters(struct zv_device *d, uint64_t *mapped_n, uint64_t *syscalls)
{
	*mapped_n = V(d)->acc_mapped;
	*syscalls = V(d)->acc_syscalls;
}

/* Undo region_map() for every region, when the device goes. */
void vfio_regions_unmap(struct vdev *v)
{
	for (unsigned i = 0; i < NREGIONS; i++)
		for (unsigned j = 0; j < v->r[i].nareas; j++)
			if (v->r[i].areas[j].p)
				munmap(v->r[i].areas[j].p, v->r[i].areas[j].len);
}
