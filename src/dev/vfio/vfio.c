/* SPDX-License-Identifier: MIT */
/*
 * The kernel VFIO backend: a host PCI function through the legacy
 * container/group interface with the type1v2 IOMMU, or through its cdev
 * and iommufd (facts from linux/vfio.h, linux/vfio_zdev.h and
 * Documentation/driver-api/vfio.rst), split by concern as kvmtool splits
 * its vfio/: container.c (groups, type1 containers, DMA), iommufd.c (the
 * cdev path), region.c, irq.c, reset.c; caps.c below them all (the info
 * ioctls and their capability chains); sysfs.c (host functions as sysfs
 * shows them). This file holds the device's life cycle -- opening it by
 * either path, its ops table, closing it -- and its device info with the
 * zPCI capabilities.
 */
#include <errno.h>
#include <linux/vfio_zdev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dev/spec.h"
#include "vfio_int.h"

static void read_zpci(struct vdev *v, const void *info, size_t len)
{
	const struct vfio_device_info *di = info;
	struct dev_zpci *z = &v->z;
	struct vfio_iommu *c = v->io;
	uint32_t off;

	memset(z, 0, sizeof(*z));
	if (di->flags & VFIO_DEVICE_FLAGS_CAPS) {
		struct vfio_device_info_cap_zpci_base b;
		struct vfio_device_info_cap_zpci_group g;
		struct vfio_device_info_cap_zpci_util u;
		struct vfio_device_info_cap_zpci_pfip pf;

		off = vfio_find_cap(info, len, di->cap_offset, VFIO_DEVICE_INFO_CAP_ZPCI_BASE);
		/* version 1 ends before fh */
		if (off && vfio_cap_get(info, len, off, &b, sizeof(b)) >=
			       offsetof(struct vfio_device_info_cap_zpci_base, fh)) {
			z->has_base = z->has_window = true;
			z->start_dma = b.start_dma;
			z->end_dma = b.end_dma;
			z->pchid = b.pchid;
			z->vfn = b.vfn;
			z->fmb_length = b.fmb_length;
			z->pft = b.pft;
			z->gid = b.gid;
			if (b.header.version >= 2 &&
			    vfio_cap_get(info, len, off, &b, sizeof(b)) == sizeof(b)) {
				z->has_fh = true;
				z->fh = b.fh;
			}
		}
		off = vfio_find_cap(info, len, di->cap_offset, VFIO_DEVICE_INFO_CAP_ZPCI_GROUP);
		/* version 1 ends after version */
		if (off && vfio_cap_get(info, len, off, &g, sizeof(g)) >=
			       offsetof(struct vfio_device_info_cap_zpci_group, version) + 1) {
			z->has_group = true;
			z->dasm = g.dasm;
			z->msi_addr = g.msi_addr;
			z->flags = g.flags;
			z->mui = g.mui;
			z->noi = g.noi;
			z->maxstbl = g.maxstbl;
			z->version = g.version;
		}
		/* UTIL and PFIP: size lies past the header, and util_str and
		 * pfip after it -- only when the fixed part is in the buffer */
		off = vfio_find_cap(info, len, di->cap_offset, VFIO_DEVICE_INFO_CAP_ZPCI_UTIL);
		if (off && vfio_cap_get(info, len, off, &u, sizeof(u)) == sizeof(u)) {
			size_t room = len - (off + sizeof(u));
			size_t n = u.size < room ? u.size : room;

			z->util_len = (uint8_t)(n < sizeof(z->util) ? n : sizeof(z->util));
			memcpy(z->util, (const uint8_t *)info + off + sizeof(u), z->util_len);
		}
		off = vfio_find_cap(info, len, di->cap_offset, VFIO_DEVICE_INFO_CAP_ZPCI_PFIP);
		if (off && vfio_cap_get(info, len, off, &pf, sizeof(pf)) == sizeof(pf)) {
			size_t room = len - (off + sizeof(pf));
			size_t n = pf.size < room ? pf.size : room;

			z->pfip_len = (uint8_t)(n < sizeof(z->pfip) ? n : sizeof(z->pfip));
			memcpy(z->pfip, (const uint8_t *)info + off + sizeof(pf), z->pfip_len);
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
	struct vfio_device_info *di = vfio_info_ioctl(v->fd, VFIO_DEVICE_GET_INFO, &in, sizeof(in),
						      &len);

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

	vfio_regions_unmap(v);
	if (v->fd >= 0) {
		if (v->msix_live)
			vfio_set_irqs(v, VFIO_PCI_MSIX_IRQ_INDEX, 0, 0, NULL);
		close(v->fd);
	}
	if (v->err_efd >= 0)
		close(v->err_efd);
	if (v->req_efd >= 0)
		close(v->req_efd);
	if (v->g)
		vfio_group_put(v->g);
	if (v->own.iommufd && v->own.fd >= 0)
		close(v->own.fd);	/* destroys the IOAS and its mappings */
	free(v->msix_fds);
	free(v);
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
	.set_dma_blocked = vf_set_dma_blocked,
	.err_fd = vf_err_fd,
	.take_fault = vf_take_fault,
	.req_fd = vf_req_fd,
	.zpci_info = vf_zpci_info,
	.set_msi = vf_set_msi,
	.region_counters = vf_region_counters,
	.destroy = vf_destroy,
};

/* The binding's hook on the group or cdev, before the device is taken. */
static int run_hook(const struct zv_open_hook *hook, int fd, const char *what, char *msg, size_t len)
{
	if (!hook || !hook->vfio_file || hook->vfio_file(hook->opaque, fd) == 0)
		return 0;
	snprintf(msg, len, "the binding refused the %s: %s", what, strerror(errno));
	return -1;
}

struct zv_device *vfio_dev_open(const char *spec_addr, const char *opts, const struct zv_open_hook *hook,
				char *err, size_t errlen)
{
	char addr[ZV_PCI_ADDR_LEN], msg[320];
	struct vdev *v;
	int group;

	/* iommu=auto (default): iommufd through the cdev when the kernel has
	 * one, else type1; iommu=type1 or iommu=iommufd force a path */
	static const char *const modes[] = { "auto", "type1", "iommufd", NULL };
	struct dev_opt o[] = { { .key = "iommu", .choices = modes } };
	enum { IO_AUTO, IO_TYPE1, IO_IOMMUFD } mode;
	char node[64];

	if (dev_parse_opts(opts, o, 1, msg, sizeof(msg))) {
		snprintf(err, errlen, "vfio:%s: %s (the device takes iommu=auto|type1|iommufd; "
			 "function options are uid, fid, rtr, sdma, edma)", spec_addr, msg);
		errno = EINVAL;
		return NULL;
	}
	mode = o[0].set ? (int)o[0].val : IO_AUTO;
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
	/* type1 and iommufd pin every page they map: at most 16 MiB of pins
	 * per intercept (well under a millisecond on a host; dma.c) */
	v->pub.map_step_pages = 4096;
	v->pub.host_time = true;
	v->fd = v->err_efd = v->req_efd = -1;
	snprintf(v->addr, sizeof(v->addr), "%s", addr);
	snprintf(v->pub.name, sizeof(v->pub.name), "vfio %s", addr);
	v->own.fd = -1;
	bool cdev = mode != IO_TYPE1 && vfio_cdev_node(addr, node, sizeof(node));

	if (cdev && vfio_cdev_open(v, node, hook, msg, sizeof(msg))) {
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
		v->g = vfio_group_get(group, msg, sizeof(msg));
		if (!v->g)
			return open_failed(v, err, errlen, msg, errno);
		v->io = &v->g->c;
		if (run_hook(hook, v->g->fd, "group", msg, sizeof(msg)))
			return open_failed(v, err, errlen, msg, errno);
		v->fd = ioctl(v->g->fd, VFIO_GROUP_GET_DEVICE_FD, v->addr);
	}
	if (v->fd < 0 || device_info(v) || !(v->info.flags & VFIO_DEVICE_FLAGS_PCI) ||
	    vfio_regions_init(v))
		return open_failed(v, err, errlen,
				   v->fd < 0 ? "cannot get the device from its group"
					     : "cannot read the device's info",
				   errno ? errno : EIO);
	if (vfio_irqs_init(v))
		return open_failed(v, err, errlen, "no memory for the vectors", ENOMEM);
	return &v->pub;
}
