/* SPDX-License-Identifier: MIT */
/*
 * The legacy VFIO path's DMA side: IOMMU groups, their type1v2 containers
 * (DMA_AVAIL and the valid IOVA ranges) and the DMA ops, which map into a
 * container or, for a cdev-opened device, hand over to iommufd.c. Apart
 * from the device (kvmtool's vfio/core.c holds the same): a container
 * outlives any one device and is shared by the functions of its group.
 *
 * Containers: zPCI gives every function its own DMA address space (the
 * guest's IOVAs of two functions may overlap), so a container, whose
 * mappings all its groups share, is opened per IOMMU group; functions of
 * one group share it because the kernel cannot split a group. Groups and
 * containers are kept in a process-wide list and reference-counted.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vfio_int.h"

static pthread_mutex_t groups_lock = PTHREAD_MUTEX_INITIALIZER;
static struct vfio_group *groups;

static void fail(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
	int e = errno;

	snprintf(err, errlen, fmt, a, b);
	errno = e;
}

/* ---- containers and groups ---------------------------------------------- */

static int container_refresh(struct vfio_iommu *c)
{
	struct vfio_iommu_type1_info in = { .argsz = sizeof(in) };
	size_t len;
	struct vfio_iommu_type1_info *info = vfio_info_ioctl(c->fd, VFIO_IOMMU_GET_INFO, &in,
							     sizeof(in), &len);
	uint32_t off;

	if (!info)
		return -1;
	c->avail_stale = false;
	if (info->flags & VFIO_IOMMU_INFO_CAPS) {
		struct vfio_iommu_type1_info_dma_avail a;
		struct vfio_iommu_type1_info_cap_iova_range r;

		off = vfio_find_cap(info, len, info->cap_offset, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
		if (off && vfio_cap_get(info, len, off, &a, sizeof(a)) == sizeof(a)) {
			c->has_avail = true;
			c->avail = a.avail;
		}
		off = vfio_find_cap(info, len, info->cap_offset,
				    VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
		/* nr_iovas lies past the header: only read it when the fixed
		 * part of the capability is inside the buffer; the ranges
		 * follow, as many as the buffer holds */
		if (off && vfio_cap_get(info, len, off, &r, sizeof(r)) == sizeof(r)) {
			size_t at = off + sizeof(r);
			unsigned n = r.nr_iovas;

			if (n > (len - at) / sizeof(c->ranges[0]))
				n = (unsigned)((len - at) / sizeof(c->ranges[0]));
			if (n > 16)
				n = 16;
			memcpy(c->ranges, (const uint8_t *)info + at, n * sizeof(c->ranges[0]));
			c->nranges = n;
		}
	}
	free(info);
	return 0;
}

/* The group with this id in the list, or NULL; the caller holds
 * groups_lock. */
static struct vfio_group *group_lookup(int id)
{
	struct vfio_group *g;

	for (g = groups; g && g->id != id; g = g->next)
		;
	return g;
}

/* The group with this id if this process holds it, else NULL. */
struct vfio_group *vfio_group_find(int id)
{
	struct vfio_group *g;

	pthread_mutex_lock(&groups_lock);
	g = group_lookup(id);
	pthread_mutex_unlock(&groups_lock);
	return g;
}

void vfio_group_put(struct vfio_group *g)
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

struct vfio_group *vfio_group_get(int id, char *err, size_t errlen)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[32], gid[16];
	struct vfio_group *g;

	pthread_mutex_lock(&groups_lock);
	g = group_lookup(id);
	if (g) {
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

/* ---- DMA ---------------------------------------------------------------- */

int vf_dma_map(struct zv_device *d, uint64_t iova, uint64_t size, void *vaddr, bool write)
{
	struct vfio_iommu *c = V(d)->io;
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | (write ? VFIO_DMA_MAP_FLAG_WRITE : 0),
		.vaddr = (uintptr_t)vaddr,
		.iova = iova,
		.size = size,
	};

	if (c->iommufd)
		return vfio_ioas_map(c, iova, size, vaddr, write);
	if (ioctl(c->fd, VFIO_IOMMU_MAP_DMA, &m))
		return -1;	/* ENOSPC past dma_entry_limit, EEXIST on overlap */
	if (c->has_avail && c->avail)
		c->avail--;
	return 0;
}

int vf_dma_unmap(struct zv_device *d, uint64_t iova, uint64_t size)
{
	struct vfio_iommu *c = V(d)->io;
	struct vfio_iommu_type1_dma_unmap u = { .argsz = sizeof(u), .iova = iova, .size = size };

	if (c->iommufd)
		return vfio_ioas_unmap(c, iova, size);
	if (ioctl(c->fd, VFIO_IOMMU_UNMAP_DMA, &u))
		return -1;
	c->avail_stale = true;	/* one call may have removed several mappings */
	return 0;
}

uint64_t vf_dma_avail(struct zv_device *d)
{
	struct vfio_iommu *c = V(d)->io;

	if (c->avail_stale)
		container_refresh(c);
	return c->has_avail ? c->avail : UINT64_MAX;
}
