/* SPDX-License-Identifier: MIT */
/*
 * The kernel VFIO backend: a host PCI function through the legacy
 * container/group interface with the type1v2 IOMMU (facts from
 * linux/vfio.h, linux/vfio_zdev.h and Documentation/driver-api/vfio.rst).
 *
 * Containers: zPCI gives every function its own DMA address space (the
 * guest's IOVAs of two functions may overlap), so a container, whose
 * mappings all its groups share, is opened per IOMMU group; functions of
 * one group share it because the kernel cannot split a group. Groups and
 * containers are kept in a process-wide list and reference-counted.
 *
 * Regions are mmapped where VFIO allows it (the MMAP flag; sparse areas;
 * the MSI-X table only with MSIX_MAPPABLE) and accessed with exact-width
 * loads and stores there; pread/pwrite elsewhere (s390 has no BAR mmap).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/vfio.h>
#include <linux/vfio_zdev.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch/be.h"
#include "arch/pci.h"
#include "iommufd.h"
#include "vfio.h"

#define NREGIONS (ZV_REGION_CONFIG + 1)
#define MAX_AREAS 8

/* Where a device's DMA mappings live: a type1 container, or an iommufd
 * IO address space (IOAS) when the device was opened through its cdev. */
struct vfio_iommu {
	bool iommufd;
	int fd;			/* the container, or the iommufd */
	uint32_t ioas;
	uint64_t avail;		/* DMA_AVAIL, when the kernel reports it */
	bool has_avail, avail_stale;
	struct vfio_iova_range ranges[16];
	unsigned nranges;
};

struct vfio_group {
	int id, fd, refs;
	struct vfio_iommu c;
	struct vfio_group *next;
};

struct area {
	uint64_t off, len;
	uint8_t *p;
};

struct region {
	uint64_t size, offset;
	uint32_t flags;
	struct area areas[MAX_AREAS];
	unsigned nareas;
};

struct vdev {
	struct zv_device pub;
	char addr[ZV_PCI_ADDR_LEN];
	struct vfio_group *g;	/* type1: the group and its container */
	struct vfio_iommu own;	/* iommufd: the device's own IOAS */
	struct vfio_iommu *io;	/* &g->c or &own */
	int fd;
	struct vfio_device_info info;
	struct region r[NREGIONS];
	unsigned msix_count, msix_live;	/* vectors; how many the kernel has */
	bool msix_noresize;
	int *msix_fds;
	unsigned msi_count;
	int err_efd, req_efd;
	struct dev_zpci z;
	bool has_z;
	uint64_t acc_mapped, acc_syscalls;	/* region accesses, by path */
};

static pthread_mutex_t groups_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vfio_group *groups;

static struct vdev *V(struct zv_device *d)
{
	return (struct vdev *)d;
}

static void fail(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
	int e = errno;

	snprintf(err, errlen, fmt, a, b);
	errno = e;
}

/* ---- capability chains -------------------------------------------------- */

/* The header of capability id inside an info buffer, or NULL. Offsets are
 * from the buffer start; the walk is bounded so a bad chain cannot loop. */
static const struct vfio_info_cap_header *find_cap(const void *buf, size_t len, uint32_t first,
						   uint16_t id)
{
	uint32_t off = first;

	for (unsigned guard = 0; off && guard < 64; guard++) {
		const struct vfio_info_cap_header *h;

		if (off < sizeof(uint32_t) || off + sizeof(*h) > len)
			return NULL;
		h = (const void *)((const uint8_t *)buf + off);
		if (h->id == id)
			return h;
		off = h->next;
	}
	return NULL;
}

/* Whether need bytes from cap h lie inside the info buffer. find_cap()
 * checks only the 8-byte header: a capability's own fields (counts, sizes,
 * arrays) must be checked with this before they are read. */
static bool cap_fits(const void *buf, size_t len, const void *h, size_t need)
{
	size_t at = (size_t)((const uint8_t *)h - (const uint8_t *)buf);

	return at <= len && need <= len - at;
}

/* Call an *_INFO ioctl whose argsz may grow for capabilities: returns a
 * malloc'ed buffer of *len bytes holding the full answer, or NULL. */
static void *info_ioctl(int fd, unsigned long req, const void *in, size_t in_len, size_t *len)
{
	size_t sz = in_len;
	void *buf = NULL;

	for (int tries = 0; tries < 3; tries++) {
		void *nb = realloc(buf, sz);

		if (!nb) {
			free(buf);
			errno = ENOMEM;
			return NULL;
		}
		buf = nb;
		memset(buf, 0, sz);
		memcpy(buf, in, in_len);
		*(uint32_t *)buf = (uint32_t)sz;	/* argsz is the first field */
		if (ioctl(fd, req, buf)) {
			free(buf);
			return NULL;
		}
		uint32_t want = *(uint32_t *)buf;
		if (want <= sz) {
			*len = sz;
			return buf;
		}
		sz = want;
	}
	free(buf);
	errno = EOVERFLOW;
	return NULL;
}

/* ---- containers and groups ---------------------------------------------- */

static int container_refresh(struct vfio_iommu *c)
{
	struct vfio_iommu_type1_info in = { .argsz = sizeof(in) };
	size_t len;
	struct vfio_iommu_type1_info *info = info_ioctl(c->fd, VFIO_IOMMU_GET_INFO, &in, sizeof(in),
							&len);
	const struct vfio_info_cap_header *h;

	if (!info)
		return -1;
	c->avail_stale = false;
	if (info->flags & VFIO_IOMMU_INFO_CAPS) {
		h = find_cap(info, len, info->cap_offset, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
		if (h && cap_fits(info, len, h, sizeof(struct vfio_iommu_type1_info_dma_avail))) {
			c->has_avail = true;
			c->avail = ((const struct vfio_iommu_type1_info_dma_avail *)h)->avail;
		}
		h = find_cap(info, len, info->cap_offset, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
		/* nr_iovas lies past the header: only read it when the fixed
		 * part of the capability is inside the buffer */
		if (h && cap_fits(info, len, h, sizeof(struct vfio_iommu_type1_info_cap_iova_range))) {
			const struct vfio_iommu_type1_info_cap_iova_range *r = (const void *)h;
			size_t room = len - (size_t)((const uint8_t *)r->iova_ranges - (const uint8_t *)info);
			unsigned n = r->nr_iovas;

			if (n > room / sizeof(r->iova_ranges[0]))
				n = (unsigned)(room / sizeof(r->iova_ranges[0]));
			if (n > 16)
				n = 16;
			memcpy(c->ranges, r->iova_ranges, n * sizeof(c->ranges[0]));
			c->nranges = n;
		}
	}
	free(info);
	return 0;
}

static void group_put(struct vfio_group *g)
{
	pthread_mutex_lock(&groups_lock);
	if (--g->refs == 0) {
		for (struct vfio_group **pp = &groups; *pp; pp = &(*pp)->next)
			if (*pp == g) {
				*pp = g->next;
				break;
			}
		close(g->fd);		/* the group leaves the container */
		close(g->c.fd);
		free(g);
	}
	pthread_mutex_unlock(&groups_lock);
}

static struct vfio_group *group_get(int id, char *err, size_t errlen)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[32], gid[16];
	struct vfio_group *g;

	pthread_mutex_lock(&groups_lock);
	for (g = groups; g; g = g->next)
		if (g->id == id) {
			g->refs++;
			pthread_mutex_unlock(&groups_lock);
			return g;
		}
	g = calloc(1, sizeof(*g));
	if (!g) {
		pthread_mutex_unlock(&groups_lock);
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	g->id = id;
	g->refs = 1;
	g->c.fd = -1;
	snprintf(path, sizeof(path), "/dev/vfio/%d", id);
	snprintf(gid, sizeof(gid), "%d", id);
	g->fd = open(path, O_RDWR | O_CLOEXEC);
	if (g->fd < 0) {
		fail(err, errlen,
		     errno == ENOENT ? "%s: no such file (is vfio-pci loaded and the device bound "
				       "to it?)%s"
		     : errno == EBUSY ? "%s: busy (another process holds the group)%s"
				      : "%s: cannot open%s",
		     path, "");
		goto out;
	}
	if (ioctl(g->fd, VFIO_GROUP_GET_STATUS, &st)) {
		fail(err, errlen, "%s: VFIO_GROUP_GET_STATUS failed%s", path, "");
		goto out;
	}
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		errno = EBUSY;
		fail(err, errlen, "IOMMU group %s is not viable (some member is bound to a host "
				  "driver)%s", gid, "");
		goto out;
	}
	g->c.fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (g->c.fd < 0) {
		fail(err, errlen, "/dev/vfio/vfio: cannot open%s%s", "", "");
		goto out;
	}
	if (ioctl(g->c.fd, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    ioctl(g->c.fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0) {
		errno = ENOTSUP;
		fail(err, errlen, "the kernel's VFIO has no type1v2 IOMMU%s%s", "", "");
		goto out;
	}
	if (ioctl(g->fd, VFIO_GROUP_SET_CONTAINER, &g->c.fd) ||
	    ioctl(g->c.fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
		fail(err, errlen, "IOMMU group %s: cannot set up a type1v2 container%s", gid, "");
		goto out;
	}
	if (container_refresh(&g->c)) {
		fail(err, errlen, "IOMMU group %s: VFIO_IOMMU_GET_INFO failed%s", gid, "");
		goto out;
	}
	g->next = groups;
	groups = g;
	pthread_mutex_unlock(&groups_lock);
	return g;
out:
	if (g->fd >= 0)
		close(g->fd);
	if (g->c.fd >= 0)
		close(g->c.fd);
	free(g);
	pthread_mutex_unlock(&groups_lock);
	return NULL;
}

/* ---- regions ------------------------------------------------------------ */

static bool msix_table_in(struct vdev *v, unsigned bar, uint64_t *lo, uint64_t *hi);

static void region_map(struct vdev *v, unsigned idx, const void *info, size_t len,
		       const struct vfio_region_info *ri)
{
	struct region *r = &v->r[idx];
	const struct vfio_info_cap_header *sp = NULL;
	uint64_t tlo, thi;
	bool msix_mappable = false;

	if (!(ri->flags & VFIO_REGION_INFO_FLAG_MMAP) || idx > 5 || !r->size)
		return;
	if (ri->flags & VFIO_REGION_INFO_FLAG_CAPS) {
		sp = find_cap(info, len, ri->cap_offset, VFIO_REGION_INFO_CAP_SPARSE_MMAP);
		msix_mappable = find_cap(info, len, ri->cap_offset,
					 VFIO_REGION_INFO_CAP_MSIX_MAPPABLE) != NULL;
	}
	if (sp) {
		/* a sparse capability cut short by the buffer maps nothing
		 * (nr_areas and the areas would be read past its end) */
		const struct vfio_region_info_cap_sparse_mmap *s = (const void *)sp;
		bool fits = cap_fits(info, len, sp, sizeof(*s));
		size_t room = fits ? len - (size_t)((const uint8_t *)s->areas - (const uint8_t *)info) : 0;

		for (unsigned i = 0; fits && i < s->nr_areas && i < MAX_AREAS &&
				     (i + 1) * sizeof(s->areas[0]) <= room; i++) {
			if (!s->areas[i].size || s->areas[i].offset > r->size ||
			    s->areas[i].size > r->size - s->areas[i].offset)
				continue;
			r->areas[r->nareas++] = (struct area){ s->areas[i].offset, s->areas[i].size, NULL };
		}
	} else if (!msix_mappable && msix_table_in(v, idx, &tlo, &thi)) {
		/* keep the table's pages out of the mapping (older kernels
		 * refuse them): map what lies before and after */
		uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE);	/* mmap's granule */
		uint64_t plo = tlo & ~(pg - 1), phi = (thi + pg - 1) & ~(pg - 1);

		if (plo)
			r->areas[r->nareas++] = (struct area){ 0, plo, NULL };
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

static int regions_init(struct vdev *v)
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
			ri = info_ioctl(v->fd, VFIO_DEVICE_GET_REGION_INFO, &in, sizeof(in), &len);
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

static int vf_region_info(struct zv_device *d, unsigned idx, struct dev_region_info *ri)
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

static int vf_region_read(struct zv_device *d, unsigned idx, uint64_t off, void *buf, size_t len)
{
	return region_rw(V(d), idx, off, buf, len, false);
}

static int vf_region_write(struct zv_device *d, unsigned idx, uint64_t off, const void *buf,
			   size_t len)
{
	return region_rw(V(d), idx, off, (void *)buf, len, true);
}

/* ---- interrupts --------------------------------------------------------- */

static int set_irqs(struct vdev *v, unsigned index, unsigned start, unsigned count, const int *fds)
{
	size_t sz = sizeof(struct vfio_irq_set) + (size_t)count * sizeof(int32_t);
	struct vfio_irq_set *s = calloc(1, sz);
	int rc;

	if (!s) {
		errno = ENOMEM;
		return -1;
	}
	s->argsz = (uint32_t)sz;
	s->index = index;
	s->start = start;
	s->count = count;
	s->flags = VFIO_IRQ_SET_ACTION_TRIGGER |
		   (count ? VFIO_IRQ_SET_DATA_EVENTFD : VFIO_IRQ_SET_DATA_NONE);
	for (unsigned i = 0; i < count; i++)
		((int32_t *)s->data)[i] = fds[i];
	rc = ioctl(v->fd, VFIO_DEVICE_SET_IRQS, s);
	free(s);
	return rc ? -1 : 0;
}

/*
 * The engine attaches vectors incrementally. A kernel that reports
 * NORESIZE (before Linux 6.5's dynamic MSI-X) fixes the vector count when
 * MSI-X is enabled, so growing it means disable and enable with the new
 * count -- what QEMU does too (vfio_msix_vector_do_use).
 */
static int vf_set_msix(struct zv_device *d, unsigned start, unsigned count, const int *fds)
{
	struct vdev *v = V(d);
	unsigned need = 0;

	if (!count) {
		for (unsigned i = 0; i < v->msix_count; i++)
			v->msix_fds[i] = -1;
		if (!v->msix_live)
			return 0;
		v->msix_live = 0;
		return set_irqs(v, VFIO_PCI_MSIX_IRQ_INDEX, 0, 0, NULL);
	}
	if (start > v->msix_count || count > v->msix_count - start) {
		errno = EINVAL;
		return -1;
	}
	memcpy(v->msix_fds + start, fds, count * sizeof(int));
	for (unsigned i = 0; i < v->msix_count; i++)
		if (v->msix_fds[i] >= 0)
			need = i + 1;
	if (v->msix_live && (need <= v->msix_live || !v->msix_noresize))
		return set_irqs(v, VFIO_PCI_MSIX_IRQ_INDEX, start, count, fds);
	unsigned old = v->msix_live;

	if (v->msix_live && set_irqs(v, VFIO_PCI_MSIX_IRQ_INDEX, 0, 0, NULL))
		goto undo;
	v->msix_live = 0;
	if (set_irqs(v, VFIO_PCI_MSIX_IRQ_INDEX, 0, need, v->msix_fds)) {
		int e = errno;

		/* The grow failed (say ENOSPC: the host has no more vectors)
		 * after the old vectors were disabled. The engine still counts
		 * those as attached and never hands them over again, so give
		 * the kernel back what it had, without the new ones. */
		for (unsigned i = start; i < start + count; i++)
			v->msix_fds[i] = -1;
		if (old && set_irqs(v, VFIO_PCI_MSIX_IRQ_INDEX, 0, old, v->msix_fds) == 0)
			v->msix_live = old;
		errno = e;
		return -1;
	}
	v->msix_live = need;
	return 0;
undo:
	for (unsigned i = start; i < start + count; i++)
		v->msix_fds[i] = -1;
	return -1;
}

static int vf_set_msi(struct zv_device *d, unsigned count, const int *fds)
{
	struct vdev *v = V(d);

	if (count > v->msi_count) {
		errno = EINVAL;
		return -1;
	}
	return set_irqs(v, VFIO_PCI_MSI_IRQ_INDEX, 0, count, fds);
}

static unsigned irq_count(struct vdev *v, unsigned index, uint32_t *flags)
{
	struct vfio_irq_info ii = { .argsz = sizeof(ii), .index = index };

	if (index >= v->info.num_irqs || ioctl(v->fd, VFIO_DEVICE_GET_IRQ_INFO, &ii))
		return 0;
	if (flags)
		*flags = ii.flags;
	return ii.count;
}

/* An eventfd the kernel signals for a one-vector index (ERR, REQ), or -1
 * when the device does not offer it. */
static int notifier(struct vdev *v, unsigned index)
{
	int fd;

	if (irq_count(v, index, NULL) < 1)
		return -1;
	fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (fd >= 0 && set_irqs(v, index, 0, 1, &fd)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static int vf_err_fd(struct zv_device *d)
{
	return V(d)->err_efd;
}

static int vf_req_fd(struct zv_device *d)
{
	return V(d)->req_efd;
}

static int vf_take_fault(struct zv_device *d, struct dev_fault *f)
{
	struct vdev *v = V(d);
	uint64_t n;

	if (v->err_efd < 0 || read(v->err_efd, &n, sizeof(n)) != sizeof(n) || !n)
		return 0;
	*f = (struct dev_fault){ .device_error = true };
	return 1;
}

/* ---- DMA ---------------------------------------------------------------- */

static int vf_dma_map(struct zv_device *d, uint64_t iova, uint64_t size, void *vaddr, bool write)
{
	struct vfio_iommu *c = V(d)->io;
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | (write ? VFIO_DMA_MAP_FLAG_WRITE : 0),
		.vaddr = (uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};

	if (c->iommufd) {
		struct zv_iommu_ioas_map im = {
			.size = sizeof(im), .ioas_id = c->ioas, .user_va = (uintptr_t)vaddr,
			.length = size, .iova = iova,
			.flags = ZV_IOMMU_IOAS_MAP_FIXED_IOVA | ZV_IOMMU_IOAS_MAP_READABLE |
				 (write ? ZV_IOMMU_IOAS_MAP_WRITEABLE : 0),
		};

		return ioctl(c->fd, ZV_IOMMU_IOAS_MAP, &im) ? -1 : 0;
	}
	if (ioctl(c->fd, VFIO_IOMMU_MAP_DMA, &m))
		return -1;	/* ENOSPC past dma_entry_limit, EEXIST on overlap */
	if (c->has_avail && c->avail)
		c->avail--;
	return 0;
}

static int vf_dma_unmap(struct zv_device *d, uint64_t iova, uint64_t size)
{
	struct vfio_iommu *c = V(d)->io;
	struct vfio_iommu_type1_dma_unmap u = { .argsz = sizeof(u), .iova = iova, .size = size };

	if (c->iommufd) {
		/* like type1v2, the range must cover whole mappings */
		struct zv_iommu_ioas_unmap iu = { .size = sizeof(iu), .ioas_id = c->ioas,
						  .iova = iova, .length = size };

		return ioctl(c->fd, ZV_IOMMU_IOAS_UNMAP, &iu) ? -1 : 0;
	}
	if (ioctl(c->fd, VFIO_IOMMU_UNMAP_DMA, &u))
		return -1;
	c->avail_stale = true;	/* one call may have removed several mappings */
	return 0;
}

static uint64_t vf_dma_avail(struct zv_device *d)
{
	struct vfio_iommu *c = V(d)->io;

	if (c->avail_stale)
		container_refresh(c);
	return c->has_avail ? c->avail : UINT64_MAX;
}

/* ---- reset, zPCI, life cycle -------------------------------------------- */

/* VFIO_DEVICE_RESET when offered (a function-level, PM or bus reset the
 * kernel picks; zPCI functions reset by CLP disable/enable); else a hot
 * reset of the slot or bus when it affects this function alone (with its
 * group fd as proof of ownership on the type1 path). */
static int vf_reset(struct zv_device *d)
{
	struct vdev *v = V(d);
	struct vfio_pci_hot_reset_info *hi = NULL;
	struct vfio_pci_hot_reset *hr;
	size_t len = sizeof(*hi);
	int rc = -1;

	if (v->info.flags & VFIO_DEVICE_FLAGS_RESET)
		return ioctl(v->fd, VFIO_DEVICE_RESET) ? -1 : 0;
	/* Not info_ioctl(): when argsz is too small for the devices this
	 * ioctl fails with ENOSPC and reports their number in count, leaving
	 * argsz alone (vfio_pci_ioctl_get_pci_hot_reset_info). */
	for (int tries = 0;; tries++) {
		struct vfio_pci_hot_reset_info *nh = realloc(hi, len);

		if (!nh) {
			free(hi);
			errno = ENOMEM;
			return -1;
		}
		hi = nh;
		memset(hi, 0, len);
		hi->argsz = (uint32_t)len;
		if (ioctl(v->fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, hi) == 0)
			break;
		if (errno != ENOSPC || tries == 2 ||
		    len >= sizeof(*hi) + (size_t)hi->count * sizeof(hi->devices[0])) {
			free(hi);
			return -1;
		}
		len = sizeof(*hi) + (size_t)hi->count * sizeof(hi->devices[0]);
	}
	if (hi->count > (len - sizeof(*hi)) / sizeof(hi->devices[0])) {
		free(hi);
		errno = EINVAL;
		return -1;
	}
	/* Only a reset that takes nothing else down: a slot or bus reset
	 * would also reset functions the guest (or another) is using -- QEMU
	 * refuses those for a single device too (vfio_pci_hot_reset_one). */
	unsigned dom = 0, bus = 0, dev = 0, fn = 0;

	sscanf(v->addr, "%x:%x:%x.%x", &dom, &bus, &dev, &fn);
	for (uint32_t i = 0; i < hi->count; i++)
		if (hi->devices[i].segment != dom || hi->devices[i].bus != bus ||
		    hi->devices[i].devfn != (dev << 3 | fn)) {
			free(hi);
			errno = EBUSY;
			return -1;
		}
	hr = calloc(1, sizeof(*hr) + hi->count * sizeof(int32_t));
	if (hr && v->io->iommufd) {
		/* cdev: ownership comes from the iommufd, no group fds */
		hr->argsz = sizeof(*hr);
		rc = ioctl(v->fd, VFIO_DEVICE_PCI_HOT_RESET, hr) ? -1 : 0;
	} else if (hr) {
		hr->argsz = (uint32_t)(sizeof(*hr) + hi->count * sizeof(int32_t));
		rc = 0;
		for (uint32_t i = 0; i < hi->count && !rc; i++) {
			struct vfio_group *g;

			pthread_mutex_lock(&groups_lock);
			for (g = groups; g && g->id != (int)hi->devices[i].group_id; g = g->next)
				;
			pthread_mutex_unlock(&groups_lock);
			if (!g) {
				errno = EPERM;	/* a group we do not own */
				rc = -1;
				break;
			}
			((int32_t *)hr->group_fds)[hr->count++] = g->fd;
		}
		if (!rc)
			rc = ioctl(v->fd, VFIO_DEVICE_PCI_HOT_RESET, hr) ? -1 : 0;
	}
	free(hr);
	free(hi);
	return rc;
}

static void read_zpci(struct vdev *v, const void *info, size_t len)
{
	const struct vfio_device_info *di = info;
	const struct vfio_info_cap_header *h;
	struct dev_zpci *z = &v->z;
	struct vfio_iommu *c = v->io;

	memset(z, 0, sizeof(*z));
	if (di->flags & VFIO_DEVICE_FLAGS_CAPS) {
		h = find_cap(info, len, di->cap_offset, VFIO_DEVICE_INFO_CAP_ZPCI_BASE);
		/* version 1 ends before fh */
		if (h && cap_fits(info, len, h, offsetof(struct vfio_device_info_cap_zpci_base, fh))) {
			const struct vfio_device_info_cap_zpci_base *b = (const void *)h;

			z->has_base = z->has_window = true;
			z->start_dma = b->start_dma;
			z->end_dma = b->end_dma;
			z->pchid = b->pchid;
			z->vfn = b->vfn;
			z->fmb_length = b->fmb_length;
			z->pft = b->pft;
			z->gid = b->gid;
			if (h->version >= 2 && cap_fits(info, len, h, sizeof(*b))) {
				z->has_fh = true;
				z->fh = b->fh;
			}
		}
		h = find_cap(info, len, di->cap_offset, VFIO_DEVICE_INFO_CAP_ZPCI_GROUP);
		/* version 1 ends after version */
		if (h && cap_fits(info, len, h,
				  offsetof(struct vfio_device_info_cap_zpci_group, version) + 1)) {
			const struct vfio_device_info_cap_zpci_group *g = (const void *)h;

			z->has_group = true;
			z->dasm = g->dasm;
			z->msi_addr = g->msi_addr;
			z->flags = g->flags;
			z->mui = g->mui;
			z->noi = g->noi;
			z->maxstbl = g->maxstbl;
			z->version = g->version;
		}
		/* UTIL and PFIP: size lies past the header, and util_str and
		 * pfip after it -- only when the fixed part is in the buffer */
		h = find_cap(info, len, di->cap_offset, VFIO_DEVICE_INFO_CAP_ZPCI_UTIL);
		if (h && cap_fits(info, len, h, sizeof(struct vfio_device_info_cap_zpci_util))) {
			const struct vfio_device_info_cap_zpci_util *u = (const void *)h;
			size_t room = len - (size_t)((const uint8_t *)u->util_str - (const uint8_t *)info);
			size_t n = u->size < room ? u->size : room;

			z->util_len = (uint8_t)(n < sizeof(z->util) ? n : sizeof(z->util));
			memcpy(z->util, u->util_str, z->util_len);
		}
		h = find_cap(info, len, di->cap_offset, VFIO_DEVICE_INFO_CAP_ZPCI_PFIP);
		if (h && cap_fits(info, len, h, sizeof(struct vfio_device_info_cap_zpci_pfip))) {
			const struct vfio_device_info_cap_zpci_pfip *p = (const void *)h;
			size_t room = len - (size_t)((const uint8_t *)p->pfip - (const uint8_t *)info);
			size_t n = p->size < room ? p->size : room;

			z->pfip_len = (uint8_t)(n < sizeof(z->pfip) ? n : sizeof(z->pfip));
			memcpy(z->pfip, p->pfip, z->pfip_len);
		}
	}
	/* elsewhere the window is the valid IOVA range that holds 4 GiB (where
	 * zPCI windows start), else the largest one */
	if (!z->has_window && c->nranges) {
		const struct vfio_iova_range *best = NULL;

		for (unsigned i = 0; i < c->nranges; i++) {
			const struct vfio_iova_range *r = &c->ranges[i];

			if (r->start <= 0x100000000ULL && r->end >= 0x100000000ULL) {
				best = r;
				break;
			}
			if (!best || r->end - r->start > best->end - best->start)
				best = r;
		}
		z->has_window = true;
		z->start_dma = best->start;
		z->end_dma = best->end;
	}
	/* the host's UID, when the platform checks UIDs for uniqueness
	 * (arch/s390/pci/pci_sysfs.c: uid, uid_is_unique) */
	unsigned long long uniq = 0, uid = 0;

	if (vfio_sysfs_num("/sys", v->addr, "uid_is_unique", &uniq) == 0 && uniq == 1 &&
	    vfio_sysfs_num("/sys", v->addr, "uid", &uid) == 0 && uid && uid <= 0xffff) {
		z->has_uid = true;
		z->uid = (uint16_t)uid;
	}
	/* a window elsewhere (a device that reaches only low addresses, such
	 * as edu's 28 bits) may lie in any valid range */
	z->nranges = 0;
	for (unsigned i = 0; i < c->nranges && z->nranges < 8; i++) {
		z->ranges[z->nranges].lo = c->ranges[i].start;
		z->ranges[z->nranges++].hi = c->ranges[i].end;
	}
	v->has_z = z->has_window || z->has_base;
}

static int device_info(struct vdev *v)
{
	struct vfio_device_info in = { .argsz = sizeof(in) };
	size_t len;
	struct vfio_device_info *di = info_ioctl(v->fd, VFIO_DEVICE_GET_INFO, &in, sizeof(in), &len);

	if (!di)
		return -1;
	v->info = *di;
	read_zpci(v, di, len);
	free(di);
	return 0;
}

static int vf_zpci_info(struct zv_device *d, struct dev_zpci *z)
{
	struct vdev *v = V(d);

	/* the host fh can change across a reset: ask again */
	if (v->z.has_fh)
		device_info(v);
	if (!v->has_z) {
		errno = ENODATA;
		return -1;
	}
	*z = v->z;
	return 0;
}

static void vf_destroy(struct zv_device *d)
{
	struct vdev *v = V(d);

	for (unsigned i = 0; i < NREGIONS; i++)
		for (unsigned j = 0; j < v->r[i].nareas; j++)
			if (v->r[i].areas[j].p)
				munmap(v->r[i].areas[j].p, v->r[i].areas[j].len);
	if (v->fd >= 0) {
		if (v->msix_live)
			set_irqs(v, VFIO_PCI_MSIX_IRQ_INDEX, 0, 0, NULL);
		close(v->fd);
	}
	if (v->err_efd >= 0)
		close(v->err_efd);
	if (v->req_efd >= 0)
		close(v->req_efd);
	if (v->g)
		group_put(v->g);
	if (v->own.iommufd && v->own.fd >= 0)
		close(v->own.fd);	/* destroys the IOAS and its mappings */
	free(v->msix_fds);
	free(v);
}

/* ---- the cdev and iommufd path (Linux 6.6+, CONFIG_VFIO_DEVICE_CDEV) ---- */

/* /dev/vfio/devices/vfioN of the function, if the kernel made one. */
static bool cdev_node(const char *addr, char *out, size_t len)
{
	char dir[96];
	struct dirent *de;
	DIR *d;
	bool found = false;

	snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s/vfio-dev", addr);
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (de = readdir(d)))
		if (!strncmp(de->d_name, "vfio", 4) && strlen(de->d_name) < 24) {
			snprintf(out, len, "/dev/vfio/devices/%s", de->d_name);
			found = access(out, F_OK) == 0;
		}
	closedir(d);
	return found && access("/dev/iommu", F_OK) == 0;
}

/* The IOAS's valid IOVA ranges (the first 16). With more than 16 the
 * kernel answers EMSGSIZE and the count: ask again with room for all. */
static void ioas_ranges(struct vfio_iommu *io)
{
	struct zv_iommu_iova_range r[16], *all = NULL;
	struct zv_iommu_ioas_iova_ranges rq = { .size = sizeof(rq), .ioas_id = io->ioas,
						.num_iovas = 16, .allowed_iovas = (uintptr_t)r };
	bool ok = ioctl(io->fd, ZV_IOMMU_IOAS_IOVA_RANGES, &rq) == 0;

	if (!ok && errno == EMSGSIZE && rq.num_iovas > 16 && rq.num_iovas < 4096 &&
	    (all = calloc(rq.num_iovas, sizeof(*all)))) {
		rq.allowed_iovas = (uintptr_t)all;
		ok = ioctl(io->fd, ZV_IOMMU_IOAS_IOVA_RANGES, &rq) == 0;
		if (ok)
			memcpy(r, all, sizeof(r));
	}
	io->nranges = !ok ? 0 : rq.num_iovas < 16 ? rq.num_iovas : 16;
	for (unsigned i = 0; i < io->nranges; i++)
		io->ranges[i] = (struct vfio_iova_range){ r[i].start, r[i].last };
	free(all);
}

/* Opening failed: err says what, with errno e; v goes. */
static struct zv_device *open_failed(struct vdev *v, char *err, size_t errlen, const char *what,
				     int e)
{
	snprintf(err, errlen, "vfio:%s: %s: %s", v->addr, what, strerror(e));
	vf_destroy(&v->pub);
	errno = e;
	return NULL;
}

/* Open the device through its cdev, bind it to a new iommufd and attach
 * it to an IOAS of its own (each zPCI function has its own DMA space). */
static int cdev_open(struct vdev *v, const char *node, char *msg, size_t len)
{
	struct zv_iommu_ioas_alloc al = { .size = sizeof(al) };
	struct vfio_iommu *io = &v->own;
	const char *step;

	io->iommufd = true;
	io->fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	step = "cannot open /dev/iommu";
	if (io->fd < 0)
		goto fail;
	v->fd = open(node, O_RDWR | O_CLOEXEC);
	step = "cannot open the device's cdev";
	if (v->fd < 0)
		goto fail;
	struct zv_vfio_device_bind_iommufd bind = { .argsz = sizeof(bind), .iommufd = io->fd };
	step = "VFIO_DEVICE_BIND_IOMMUFD failed";
	if (ioctl(v->fd, ZV_VFIO_DEVICE_BIND_IOMMUFD, &bind))
		goto fail;
	step = "IOMMU_IOAS_ALLOC failed";
	if (ioctl(io->fd, ZV_IOMMU_IOAS_ALLOC, &al))
		goto fail;
	io->ioas = al.out_ioas_id;
	struct zv_vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at), .pt_id = io->ioas };
	step = "VFIO_DEVICE_ATTACH_IOMMUFD_PT failed";
	if (ioctl(v->fd, ZV_VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at))
		goto fail;
	/* the valid ranges narrow with the attached device: ask now */
	ioas_ranges(io);
	v->io = io;
	return 0;
fail: {
		int e = errno;

		/* leave nothing open: the caller may try the group path */
		snprintf(msg, len, "%s (%s)", step, node);
		if (v->fd >= 0)
			close(v->fd);
		if (io->fd >= 0)
			close(io->fd);
		v->fd = io->fd = -1;
		io->iommufd = false;
		errno = e;
		return -1;
	}
}

static void vf_region_counters(struct zv_device *d, uint64_t *mapped_n, uint64_t *syscalls)
{
	*mapped_n = V(d)->acc_mapped;
	*syscalls = V(d)->acc_syscalls;
}

static const struct dev_ops vfio_ops = {
	.kind = "vfio",
	.region_info = vf_region_info,
	.region_read = vf_region_read,
	.region_write = vf_region_write,
	.set_msix = vf_set_msix,
	.dma_map = vf_dma_map,
	.dma_unmap = vf_dma_unmap,
	.dma_avail = vf_dma_avail,
	.reset = vf_reset,
	.err_fd = vf_err_fd,
	.take_fault = vf_take_fault,
	.req_fd = vf_req_fd,
	.zpci_info = vf_zpci_info,
	.set_msi = vf_set_msi,
	.region_counters = vf_region_counters,
	.destroy = vf_destroy,
};

struct zv_device *vfio_dev_open(const char *spec_addr, const char *opts, char *err, size_t errlen)
{
	char addr[ZV_PCI_ADDR_LEN], msg[320];
	struct vdev *v;
	int group;
	uint32_t fl = 0;

	/* iommu=auto (default): iommufd through the cdev when the kernel has
	 * one, else type1; iommu=type1 or iommu=iommufd force a path */
	enum { IO_AUTO, IO_TYPE1, IO_IOMMUFD } mode = IO_AUTO;
	char node[64];

	if (opts && *opts) {
		if (!strcmp(opts, "iommu=type1"))
			mode = IO_TYPE1;
		else if (!strcmp(opts, "iommu=iommufd"))
			mode = IO_IOMMUFD;
		else if (strcmp(opts, "iommu=auto")) {
			snprintf(err, errlen, "vfio:%s: unknown option '%s' (the device takes "
				 "iommu=auto|type1|iommufd; function options are uid, fid, rtr, "
				 "sdma, edma)", spec_addr, opts);
			errno = EINVAL;
			return NULL;
		}
	}
	if (vfio_parse_addr(spec_addr, addr)) {
		snprintf(err, errlen, "vfio:%s: not a PCI address (DDDD:BB:DD.F)", spec_addr);
		errno = EINVAL;
		return NULL;
	}
	group = vfio_group_of("/sys", addr);
	if (group < 0) {
		char path[64];

		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", addr);
		if (access(path, F_OK))
			snprintf(err, errlen, "vfio:%s: no such PCI function on this host", addr);
		else
			snprintf(err, errlen, "vfio:%s: the function has no IOMMU group (no IOMMU, "
				 "or it is off: intel_iommu=on?)", addr);
		errno = ENODEV;
		return NULL;
	}
	if (vfio_group_check("/sys", group, msg, sizeof(msg), NULL)) {
		snprintf(err, errlen, "vfio:%s: %s", addr, msg);
		return NULL;
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	v->pub.ops = &vfio_ops;
	v->fd = v->err_efd = v->req_efd = -1;
	snprintf(v->addr, sizeof(v->addr), "%s", addr);
	snprintf(v->pub.name, sizeof(v->pub.name), "vfio %s", addr);
	v->own.fd = -1;
	bool cdev = mode != IO_TYPE1 && cdev_node(addr, node, sizeof(node));

	if (cdev && cdev_open(v, node, msg, sizeof(msg))) {
		if (mode == IO_IOMMUFD)
			return open_failed(v, err, errlen, msg, errno);
		/* auto: the group path may still work (/dev/iommu is root's by
		 * default, a group node can be given to a user) */
		cdev = false;
	}
	if (!cdev && mode == IO_IOMMUFD) {
		snprintf(err, errlen, "vfio:%s: iommu=iommufd, but the kernel offers no VFIO cdev "
			 "for it (no /sys/bus/pci/devices/%s/vfio-dev, or no /dev/iommu)", addr, addr);
		vf_destroy(&v->pub);
		errno = ENODEV;
		return NULL;
	}
	if (!cdev) {
		v->g = group_get(group, msg, sizeof(msg));
		if (!v->g)
			return open_failed(v, err, errlen, msg, errno);
		v->io = &v->g->c;
		v->fd = ioctl(v->g->fd, VFIO_GROUP_GET_DEVICE_FD, v->addr);
	}
	if (v->fd < 0 || device_info(v) || !(v->info.flags & VFIO_DEVICE_FLAGS_PCI) ||
	    regions_init(v))
		return open_failed(v, err, errlen,
				   v->fd < 0 ? "cannot get the device from its group"
					     : "cannot read the device's info",
				   errno ? errno : EIO);
	v->msix_count = irq_count(v, VFIO_PCI_MSIX_IRQ_INDEX, &fl);
	v->msix_noresize = fl & VFIO_IRQ_INFO_NORESIZE;
	v->msi_count = irq_count(v, VFIO_PCI_MSI_IRQ_INDEX, NULL);
	v->msix_fds = malloc((v->msix_count ? v->msix_count : 1) * sizeof(int));
	if (!v->msix_fds)
		return open_failed(v, err, errlen, "no memory for the vectors", ENOMEM);
	for (unsigned i = 0; i < v->msix_count; i++)
		v->msix_fds[i] = -1;
	v->err_efd = notifier(v, VFIO_PCI_ERR_IRQ_INDEX);
	v->req_efd = notifier(v, VFIO_PCI_REQ_IRQ_INDEX);
	return &v->pub;
}
