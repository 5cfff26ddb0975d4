/* SPDX-License-Identifier: MIT */
/*
 * Device reset: VFIO_DEVICE_RESET, else a PCI hot reset, whose info ioctl
 * has a protocol of its own (ENOSPC and a count, not argsz) and which is
 * refused when it would take down anything but this function. Separate
 * because it is the one place that reaches across devices: the hot reset
 * names groups, which it looks up in container.c's list.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vfio_int.h"

/* VFIO_DEVICE_RESET when offered (a function-level, PM or bus reset the
 * kernel picks; zPCI functions reset by CLP disable/enable); else a hot
 * reset of the slot or bus when it affects this function alone (with its
 * group fd as proof of ownership on the type1 path). 1 when neither is
 * possible: the kernel offers no slot or bus reset (ENODEV from the info
 * ioctl, vfio_pci_ioctl_get_pci_hot_reset_info) or the reset would reach
 * other functions -- QEMU then warns and goes on without a reset
 * (vfio_pci_reset), and so does the engine. */
int vf_reset(struct zv_device *d)
{
	struct vdev *v = V(d);
	struct vfio_pci_hot_reset_info *hi = NULL;
	struct vfio_pci_hot_reset *hr;
	size_t len = sizeof(*hi);
	int rc = -1;

	if (v->info.flags & VFIO_DEVICE_FLAGS_RESET)
		return ioctl(v->fd, VFIO_DEVICE_RESET) ? -1 : 0;
	/* Not vfio_info_ioctl(): when argsz is too small for the devices this
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
		if (errno == ENODEV) {
			free(hi);
			return 1;
		}
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
			return 1;
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
			struct vfio_group *g = vfio_group_find((int)hi->devices[i].group_id);

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
