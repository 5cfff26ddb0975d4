/* SPDX-License-Identifier: MIT */
/* The parts every emulated device shares (emu_base.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "emu_base.h"

static struct emu_base *to_base(struct zv_device *d)
{
	return (struct emu_base *)d;
}

int emu_base_init(struct emu_base *b, const struct dev_ops *ops, const char *name, unsigned nvec,
		  uint64_t maps)
{
	b->dev.ops = ops;
	b->dev.dma_private = true;	/* its IOMMU is emu_iommu, its own */
	snprintf(b->dev.name, sizeof(b->dev.name), "%s", name);
	emu_iommu_init(&b->iommu, maps);
	b->nvec = nvec;
	b->err_fd = -1;
	b->irq_fds = malloc(nvec * sizeof(int));
	if (!b->irq_fds)
		return -1;
	for (unsigned i = 0; i < nvec; i++)
		b->irq_fds[i] = -1;
	b->err_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	return b->err_fd < 0 ? -1 : 0;
}

void emu_base_fini(struct emu_base *b)
{
	emu_iommu_fini(&b->iommu);
	if (b->err_fd >= 0)
		close(b->err_fd);
	free(b->irq_fds);
}

void emu_raise(struct emu_base *b, unsigned vec, uint64_t times)
{
	if (vec >= b->nvec || b->irq_fds[vec] < 0 || !times)
		return;
	if (write(b->irq_fds[vec], &times, sizeof(times)) == sizeof(times))
		dev_hint(&b->dev);
}

void emu_report_fault(struct emu_base *b, const struct dev_fault *f)
{
	uint64_t one = 1;

	if (b->fault_pending)
		return;
	b->fault = *f;
	b->fault_pending = true;
	if (write(b->err_fd, &one, sizeof(one)) == sizeof(one))
		dev_hint(&b->dev);
}

int emu_check_range(struct zv_device *d, unsigned idx, uint64_t off, size_t len)
{
	struct dev_region_info ri;
	uint64_t size;

	d->ops->region_info(d, idx, &ri);
	size = ri.size;
	if (!size || off >= size || len > size - off) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int emu_op_set_msix(struct zv_device *d, unsigned start, unsigned count, const int *fds)
{
	struct emu_base *b = to_base(d);

	if (count == 0) {
		for (unsigned i = 0; i < b->nvec; i++)
			b->irq_fds[i] = -1;
		return 0;
	}
	if (start >= b->nvec || count > b->nvec - start) {
		errno = EINVAL;
		return -1;
	}
	for (unsigned i = 0; i < count; i++)
		b->irq_fds[start + i] = fds[i];
	return 0;
}

int emu_op_dma_map(struct zv_device *d, uint64_t iova, uint64_t size, void *vaddr, bool write)
{
	return emu_iommu_map(&to_base(d)->iommu, iova, size, vaddr, write);
}

int emu_op_dma_unmap(struct zv_device *d, uint64_t iova, uint64_t size)
{
	return emu_iommu_unmap(&to_base(d)->iommu, iova, size);
}

uint64_t emu_op_dma_avail(struct zv_device *d)
{
	return emu_iommu_avail(&to_base(d)->iommu);
}

void emu_op_set_dma_blocked(struct zv_device *d, bool blocked)
{
	to_base(d)->dma_blocked = blocked;
}

int emu_op_err_fd(struct zv_device *d)
{
	return to_base(d)->err_fd;
}

int emu_op_take_fault(struct zv_device *d, struct dev_fault *f)
{
	struct emu_base *b = to_base(d);
	uint64_t n;

	if (read(b->err_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return -1;
	if (!b->fault_pending)
		return 0;
	*f = b->fault;
	b->fault_pending = false;
	return 1;
}

void emu_op_dma_counters(struct zv_device *d, uint64_t *read_bytes, uint64_t *written)
{
	*read_bytes = to_base(d)->rbytes;
	*written = to_base(d)->wbytes;
}
