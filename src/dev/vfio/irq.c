/* SPDX-License-Identifier: MIT */
/*
 * A device's interrupts through VFIO_DEVICE_SET_IRQS: MSI-X vectors as
 * the engine attaches them (with the NORESIZE kernels' disable and
 * re-enable), MSI, and the one-vector error and request indexes whose
 * eventfds the engine watches. Apart from the regions: the engine
 * virtualizes the MSI-X table and PBA itself, so interrupts reach the
 * backend only as eventfds, a run of vectors at a time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vfio_int.h"

/* Trigger eventfds for count vectors of index from start; count 0
 * disables the index. */
int vfio_set_irqs(struct vdev *v, unsigned index, unsigned start, unsigned count, const int *fds)
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
int vf_set_msix(struct zv_device *d, unsigned start, unsigned count, const int *fds)
{
	struct vdev *v = V(d);
	unsigned need = 0;

	if (!count) {
		for (unsigned i = 0; i < v->msix_count; i++)
			v->msix_fds[i] = -1;
		if (!v->msix_live)
			return 0;
		v->msix_live = 0;
		return vfio_set_irqs(v, VFIO_PCI_MSIX_IRQ_INDEX, 0, 0, NULL);
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
		return vfio_set_irqs(v, VFIO_PCI_MSIX_IRQ_INDEX, start, count, fds);
	unsigned old = v->msix_live;

	if (v->msix_live && vfio_set_irqs(v, VFIO_PCI_MSIX_IRQ_INDEX, 0, 0, NULL))
		goto undo;
	v->msix_live = 0;
	if (vfio_set_irqs(v, VFIO_PCI_MSIX_IRQ_INDEX, 0, need, v->msix_fds)) {
		int e = errno;

		/* The grow failed (say ENOSPC: the host has no more vectors)
		 * after the old vectors were disabled. The engine still counts
		 * those as attached and never hands them over again, so give
		 * the kernel back what it had, without the new ones. */
		for (unsigned i = start; i < start + count; i++)
			v->msix_fds[i] = -1;
		if (old && vfio_set_irqs(v, VFIO_PCI_MSIX_IRQ_INDEX, 0, old, v->msix_fds) == 0)
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

int vf_set_msi(struct zv_device *d, unsigned count, const int *fds)
{
	struct vdev *v = V(d);

	if (count > v->msi_count) {
		errno = EINVAL;
		return -1;
	}
	return vfio_set_irqs(v, VFIO_PCI_MSI_IRQ_INDEX, 0, count, fds);
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
	if (fd >= 0 && vfio_set_irqs(v, index, 0, 1, &fd)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int vf_err_fd(struct zv_device *d)
{
	return V(d)->err_efd;
}

int vf_req_fd(struct zv_device *d)
{
	return V(d)->req_efd;
}

int vf_take_fault(struct zv_device *d, struct dev_fault *f)
{
	struct vdev *v = V(d);
	uint64_t n;

	if (v->err_efd < 0 || read(v->err_efd, &n, sizeof(n)) != sizeof(n) || !n)
		return 0;
	*f = (struct dev_fault){ .device_error = true };
	return 1;
}

/* What the device offers (vector counts, NORESIZE), no vector attached,
 * and the error and request eventfds, at open. */
int vfio_irqs_init(struct vdev *v)
{
	uint32_t fl = 0;

	v->msix_count = irq_count(v, VFIO_PCI_MSIX_IRQ_INDEX, &fl);
	v->msix_noresize = fl & VFIO_IRQ_INFO_NORESIZE;
	v->msi_count = irq_count(v, VFIO_PCI_MSI_IRQ_INDEX, NULL);
	v->msix_fds = malloc((v->msix_count ? v->msix_count : 1) * sizeof(int));
	if (!v->msix_fds) {
		errno = ENOMEM;
		return -1;
	}
	for (unsigned i = 0; i < v->msix_count; i++)
		v->msix_fds[i] = -1;
	v->err_efd = notifier(v, VFIO_PCI_ERR_IRQ_INDEX);
	v->req_efd = notifier(v, VFIO_PCI_REQ_IRQ_INDEX);
	return 0;
}
