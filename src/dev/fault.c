/* SPDX-License-Identifier: MIT */
/*
 * Fault injection: a device that wraps another and makes one of its
 * operations fail with a chosen errno every Nth call, so that tests can
 * check what a guest sees when the host fails (docs/RELIABILITY.md). Any
 * device specification takes it:
 *   fail=map|unmap|read|write|irqs|reset  the operation (irqs: MSI-X and MSI
 *                                         routing; read/write: BAR accesses --
 *                                         config space is read when the
 *                                         function is added, and must work)
 *   fail-errno=enospc|efault|eio|einval   the errno (default eio)
 *   fail-every=N                          every Nth call fails (default 1)
 * Everything else passes through to the wrapped device unchanged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev.h"
#include "fault.h"
#include "spec.h"

enum { F_MAP, F_UNMAP, F_READ, F_WRITE, F_IRQS, F_RESET };

static const char *const ops_names[] = { "map", "unmap", "read", "write", "irqs", "reset", NULL };
static const char *const errno_names[] = { "enospc", "efault", "eio", "einval", NULL };
static const int errnos[] = { ENOSPC, EFAULT, EIO, EINVAL };

struct fault_dev {
	struct zv_device pub;
	struct dev_ops ops;	/* fault_ops, less what the inner device lacks */
	struct zv_device *in;
	unsigned op;
	int err;
	uint64_t every, calls;
};

static struct fault_dev *fd_of(struct zv_device *d)
{
	return (struct fault_dev *)d;
}

/* The inner device: its hint follows the one the engine set on ours. */
static struct zv_device *inner(struct zv_device *d)
{
	struct fault_dev *f = fd_of(d);

	f->in->hint = f->pub.hint;
	return f->in;
}

/* Does this call of op fail? Then errno is set. */
static bool fails(struct zv_device *d, unsigned op)
{
	struct fault_dev *f = fd_of(d);

	if (f->op != op || ++f->calls % f->every)
		return false;
	errno = f->err;
	return true;
}

static int x_region_info(struct zv_device *d, unsigned idx, struct dev_region_info *ri)
{
	return inner(d)->ops->region_info(inner(d), idx, ri);
}

static int x_read(struct zv_device *d, unsigned idx, uint64_t off, void *buf, size_t len)
{
	if (idx <= 5 && fails(d, F_READ))
		return -1;
	return inner(d)->ops->region_read(inner(d), idx, off, buf, len);
}

static int x_write(struct zv_device *d, unsigned idx, uint64_t off, const void *buf, size_t len)
{
	if (idx <= 5 && fails(d, F_WRITE))
		return -1;
	return inner(d)->ops->region_write(inner(d), idx, off, buf, len);
}

static int x_set_msix(struct zv_device *d, unsigned start, unsigned count, const int *fds)
{
	/* switching vectors off always works: only a new route fails */
	if (count && fails(d, F_IRQS))
		return -1;
	return inner(d)->ops->set_msix(inner(d), start, count, fds);
}

static int x_set_msi(struct zv_device *d, unsigned count, const int *fds)
{
	if (count && fails(d, F_IRQS))
		return -1;
	return inner(d)->ops->set_msi(inner(d), count, fds);
}

static int x_map(struct zv_device *d, uint64_t iova, uint64_t size, void *vaddr, bool write)
{
	return fails(d, F_MAP) ? -1 : inner(d)->ops->dma_map(inner(d), iova, size, vaddr, write);
}

static int x_unmap(struct zv_device *d, uint64_t iova, uint64_t size)
{
	return fails(d, F_UNMAP) ? -1 : inner(d)->ops->dma_unmap(inner(d), iova, size);
}

static uint64_t x_avail(struct zv_device *d)
{
	return inner(d)->ops->dma_avail(inner(d));
}

static int x_reset(struct zv_device *d)
{
	return fails(d, F_RESET) ? -1 : inner(d)->ops->reset(inner(d));
}

static void x_set_dma_blocked(struct zv_device *d, bool blocked)
{
	inner(d)->ops->set_dma_blocked(inner(d), blocked);
}

static int x_err_fd(struct zv_device *d)
{
	return inner(d)->ops->err_fd(inner(d));
}

static int x_take_fault(struct zv_device *d, struct dev_fault *fl)
{
	return inner(d)->ops->take_fault(inner(d), fl);
}

static int x_req_fd(struct zv_device *d)
{
	return inner(d)->ops->req_fd(inner(d));
}

static int x_zpci_info(struct zv_device *d, struct dev_zpci *z)
{
	return inner(d)->ops->zpci_info(inner(d), z);
}

static void x_dma_counters(struct zv_device *d, uint64_t *r, uint64_t *w)
{
	inner(d)->ops->dma_counters(inner(d), r, w);
}

static void x_region_counters(struct zv_device *d, uint64_t *mapped, uint64_t *syscalls)
{
	inner(d)->ops->region_counters(inner(d), mapped, syscalls);
}

static void x_destroy(struct zv_device *d)
{
	fd_of(d)->in->ops->destroy(fd_of(d)->in);
	free(d);
}

static const struct dev_ops fault_ops = {
	.kind = "fault",
	.region_info = x_region_info,
	.region_read = x_read,
	.region_write = x_write,
	.set_msix = x_set_msix,
	.dma_map = x_map,
	.dma_unmap = x_unmap,
	.dma_avail = x_avail,
	.reset = x_reset,
	.set_dma_blocked = x_set_dma_blocked,
	.err_fd = x_err_fd,
	.take_fault = x_take_fault,
	.req_fd = x_req_fd,
	.zpci_info = x_zpci_info,
	.set_msi = x_set_msi,
	.dma_counters = x_dma_counters,
	.region_counters = x_region_counters,
	.destroy = x_destroy,
};

bool fault_is_option(const char *tok)
{
	return !strncmp(tok, "fail=", 5) || !strncmp(tok, "fail-errno=", 11) ||
	       !strncmp(tok, "fail-every=", 11);
}

struct zv_device *fault_wrap(struct zv_device *in, const char *opts, char *err, size_t errlen)
{
	struct dev_opt o[] = {
		{ .key = "fail", .choices = ops_names },
		{ .key = "fail-errno", .choices = errno_names, .val = 2 },
		{ .key = "fail-every", .min = 1, .max = UINT32_MAX, .val = 1 },
	};
	struct fault_dev *f;

	if (dev_parse_opts(opts, o, 3, err, errlen))
		goto fail;
	if (!o[0].set) {
		if (err && errlen)
			snprintf(err, errlen, "fail-errno= and fail-every= need fail=OPERATION");
		errno = EINVAL;
		goto fail;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		goto fail;
	/* an operation the inner device lacks stays absent: the engine asks
	 * whether a device has it (MSI, resets, zPCI information...) */
	f->ops = fault_ops;
#define KEEP(op) do { if (!in->ops->op) f->ops.op = NULL; } while (0)
	KEEP(region_info); KEEP(region_read); KEEP(region_write); KEEP(set_msix);
	KEEP(dma_map); KEEP(dma_unmap); KEEP(dma_avail); KEEP(reset); KEEP(set_dma_blocked);
	KEEP(err_fd); KEEP(take_fault); KEEP(req_fd); KEEP(zpci_info); KEEP(set_msi);
	KEEP(dma_counters); KEEP(region_counters);
#undef KEEP
	f->pub.ops = &f->ops;
	f->pub.map_step_pages = in->map_step_pages;
	f->pub.host_time = in->host_time;
	f->pub.dma_private = in->dma_private;
	snprintf(f->pub.name, sizeof(f->pub.name), "%.36s+fail", in->name);
	f->in = in;
	f->op = (unsigned)o[0].val;
	f->err = errnos[o[1].val];
	f->every = o[2].val;
	return &f->pub;
fail:
	{
		int e = errno;

		in->ops->destroy(in);
		errno = e;
	}
	return NULL;
}
