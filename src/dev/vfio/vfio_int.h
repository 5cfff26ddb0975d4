/* SPDX-License-Identifier: MIT */
/*
 * The kernel VFIO backend's device state and what its files call of each
 * other: vfio.c (open, close, device info, the ops table), caps.c (info
 * ioctls, capability chains), container.c (type1 containers, groups,
 * DMA), iommufd.c (the cdev path), region.c, irq.c and reset.c. vfio.h is
 * the smaller surface sysfs.c offers.
 */
#ifndef ZV_DEV_VFIO_VFIO_INT_H
#define ZV_DEV_VFIO_VFIO_INT_H

#include <linux/vfio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/pci.h"
#include "dev/dev.h"
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
	bool master_was_on;	/* bus mastering before vf_set_dma_blocked */
};

#define PCI_COMMAND_OFF        0x04	/* little-endian u16 in config space */
#define PCI_COMMAND_MASTER_BIT 0x04

static inline struct vdev *V(struct zv_device *d)
{
	return (struct vdev *)d;
}

/* caps.c */
uint32_t vfio_find_cap(const void *buf, size_t len, uint32_t first, uint16_t id);
size_t vfio_cap_get(const void *buf, size_t len, uint32_t off, void *dst, size_t size);
void *vfio_info_ioctl(int fd, unsigned long req, const void *in, size_t in_len, size_t *len);

/* container.c */
struct vfio_group *vfio_group_get(int id, char *err, size_t errlen);
void vfio_group_put(struct vfio_group *g);
struct vfio_group *vfio_group_find(int id);
int vf_dma_map(struct zv_device *d, uint64_t iova, uint64_t size, void *vaddr, bool write);
int vf_dma_unmap(struct zv_device *d, uint64_t iova, uint64_t size);
uint64_t vf_dma_avail(struct zv_device *d);

/* iommufd.c */
bool vfio_cdev_node(const char *addr, char *out, size_t len);
int vfio_cdev_open(struct vdev *v, const char *node, const struct zv_open_hook *hook, char *msg,
		   size_t len);
int vfio_ioas_map(struct vfio_iommu *io, uint64_t iova, uint64_t size, void *vaddr, bool write);
int vfio_ioas_unmap(struct vfio_iommu *io, uint64_t iova, uint64_t size);

/* region.c */
void vf_set_dma_blocked(struct zv_device *d, bool blocked);
int vfio_regions_init(struct vdev *v);
void vfio_regions_unmap(struct vdev *v);
int vf_region_info(struct zv_device *d, unsigned idx, struct dev_region_info *ri);
int vf_region_read(struct zv_device *d, unsigned idx, uint64_t off, void *buf, size_t len);
int vf_region_write(struct zv_device *d, unsigned idx, uint64_t off, const void *buf,
		    size_t len);
void vf_region_counters(struct zv_device *d, uint64_t *mapped_n, uint64_t *syscalls);

/* irq.c */
int vfio_set_irqs(struct vdev *v, unsigned index, unsigned start, unsigned count,
		  const int *fds);
int vfio_irqs_init(struct vdev *v);
int vf_set_msix(struct zv_device *d, unsigned start, unsigned count, const int *fds);
int vf_set_msi(struct zv_device *d, unsigned count, const int *fds);
int vf_err_fd(struct zv_device *d);
int vf_req_fd(struct zv_device *d);
int vf_take_fault(struct zv_device *d, struct dev_fault *f);

/* reset.c */
int vf_reset(struct zv_device *d);

#endif
