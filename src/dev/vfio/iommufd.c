/* SPDX-License-Identifier: MIT */
/*
 * The cdev and iommufd path (Linux 6.6+, CONFIG_VFIO_DEVICE_CDEV): the
 * device opened through /dev/vfio/devices/vfioN, bound to an iommufd of
 * its own and attached to its own IO address space (IOAS), and the DMA
 * mappings there. Separate from container.c because it is the other way
 * to the same end, with its own uapi (iommufd.h) and no groups; vfio.c
 * picks one of the two when it opens a device.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "iommufd.h"
#include "vfio_int.h"

/* /dev/vfio/devices/vfioN of the function, if the kernel made one. */
bool vfio_cdev_node(const char *addr, char *out, size_t len)
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

/* Open the device through its cdev, bind it to a new iommufd and attach
 * it to an IOAS of its own (each zPCI function has its own DMA space). */
int vfio_cdev_open(struct vdev *v, const char *node, const struct zv_open_hook *hook, char *msg,
		   size_t len)
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
	/* KVM-VFIO takes the cdev before it is bound (Linux 6.6's
	 * KVM_DEV_VFIO_FILE_ADD) */
	step = "the binding refused the cdev";
	if (hook && hook->vfio_file && hook->vfio_file(hook->opaque, v->fd))
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

/* vf_dma_map() for a device on an IOAS: type1's semantics (a fixed IOVA,
 * read always, write when asked). */
int vfio_ioas_map(struct vfio_iommu *io, uint64_t iova, uint64_t size, void *vaddr, bool write)
{
	struct zv_iommu_ioas_map im = {
		.size = sizeof(im), .ioas_id = io->ioas, .user_va = (uintptr_t)vaddr,
		.length = size, .iova = iova,
		.flags = ZV_IOMMU_IOAS_MAP_FIXED_IOVA | ZV_IOMMU_IOAS_MAP_READABLE |
			 (write ? ZV_IOMMU_IOAS_MAP_WRITEABLE : 0),
	};

	return ioctl(io->fd, ZV_IOMMU_IOAS_MAP, &im) ? -1 : 0;
}

int vfio_ioas_unmap(struct vfio_iommu *io, uint64_t iova, uint64_t size)
{
	/* like type1v2, the range must cover whole mappings */
	struct zv_iommu_ioas_unmap iu = { .size = sizeof(iu), .ioas_id = io->ioas,
					  .iova = iova, .length = size };

	return ioctl(io->fd, ZV_IOMMU_IOAS_UNMAP, &iu) ? -1 : 0;
}
