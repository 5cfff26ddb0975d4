/* SPDX-License-Identifier: MIT */
/*
 * The kernel VFIO backend's parsing of what the kernel answers, without a
 * kernel: the backend's files in src/dev/vfio/ (all but sysfs.c, which
 * makes no ioctl) are compiled into this test with ioctl() replaced by
 * fake_ioctl(), which answers as drivers/vfio/pci/vfio_pci_core.c and
 * vfio_iommu_type1.c do. All of them: one left out would come from the
 * library, with the real ioctl(). Covers capabilities cut short by the
 * info buffer (their fields must not be read past its end) and the
 * hot-reset info ioctl's ENOSPC protocol.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

static int fake_ioctl(int fd, unsigned long req, ...);
#define ioctl fake_ioctl
#include "dev/vfio/vfio.c"
#include "dev/vfio/caps.c"
#include "dev/vfio/container.c"
#include "dev/vfio/iommufd.c"
#include "dev/vfio/region.c"
#include "dev/vfio/irq.c"
#include "dev/vfio/reset.c"
#undef ioctl

#include "harness.h"

/* ---- the fake kernel ---- */

static unsigned hr_devices = 2;	/* devices a hot reset affects */
static unsigned hr_info_calls, hr_reset_calls;
static uint32_t hr_reset_count, hr_reset_argsz;
static unsigned si_max = 64, si_enabled, si_calls;	/* SET_IRQS, MSI-X index */
static size_t gi_len;			/* VFIO_IOMMU_GET_INFO: answer size */
static const void *gi_buf;

#define CONTAINER_FD 50	/* container and device ioctl numbers overlap */
#define IOMMUFD_FD 60
static unsigned ir_ranges = 3, ir_calls;	/* IOMMU_IOAS_IOVA_RANGES */

static int fake_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd != CONTAINER_FD && req == VFIO_DEVICE_GET_PCI_HOT_RESET_INFO) {
		struct vfio_pci_hot_reset_info *h = arg;

		hr_info_calls++;
		if (!hr_devices) {
			errno = ENODEV;	/* no slot or bus reset at all */
			return -1;
		}
		h->flags = 0;
		if (h->argsz < sizeof(*h) + hr_devices * sizeof(h->devices[0])) {
			h->count = hr_devices;	/* argsz is left alone */
			errno = ENOSPC;
			return -1;
		}
		h->count = hr_devices;
		for (unsigned i = 0; i < hr_devices; i++)
			h->devices[i] = (struct vfio_pci_dependent_device){ .group_id = 7 + i,
									   .devfn = i };
		return 0;
	}
	if (req == VFIO_DEVICE_PCI_HOT_RESET) {
		const struct vfio_pci_hot_reset *r = arg;

		hr_reset_calls++;
		hr_reset_count = r->count;
		hr_reset_argsz = r->argsz;
		return 0;
	}
	if (fd != CONTAINER_FD && req == VFIO_DEVICE_SET_IRQS) {
		/* MSI-X on a NORESIZE kernel: enable with a count, or disable */
		const struct vfio_irq_set *st = arg;

		si_calls++;
		if (st->index != VFIO_PCI_MSIX_IRQ_INDEX)
			return 0;
		if (!st->count) {
			si_enabled = 0;
			return 0;
		}
		if (si_enabled) {
			if (st->start + st->count > si_enabled) {
				errno = EINVAL;
				return -1;
			}
			return 0;
		}
		if (st->start + st->count > si_max) {
			errno = ENOSPC;	/* the host is out of vectors */
			return -1;
		}
		si_enabled = st->start + st->count;
		return 0;
	}
	if (fd == IOMMUFD_FD && req == ZV_IOMMU_IOAS_IOVA_RANGES) {
		/* iommufd: EMSGSIZE and the count when the array is short */
		struct zv_iommu_ioas_iova_ranges *q = arg;
		struct zv_iommu_iova_range *out = (void *)(uintptr_t)q->allowed_iovas;
		unsigned room = q->num_iovas;

		ir_calls++;
		q->num_iovas = ir_ranges;
		if (room < ir_ranges) {
			errno = EMSGSIZE;
			return -1;
		}
		for (unsigned i = 0; i < ir_ranges; i++)
			out[i] = (struct zv_iommu_iova_range){ 0x10000ULL * i, 0x10000ULL * i + 0xfff };
		return 0;
	}
	if (fd == CONTAINER_FD && req == VFIO_IOMMU_GET_INFO) {
		struct vfio_iommu_type1_info *i = arg;

		if (i->argsz < gi_len) {
			i->argsz = (uint32_t)gi_len;
			return 0;
		}
		memcpy(i, gi_buf, gi_len);
		return 0;
	}
	errno = ENOTTY;
	return -1;
}

static struct vdev *vdev_new(bool iommufd)
{
	struct vdev *v = calloc(1, sizeof(*v));

	v->fd = v->err_efd = v->req_efd = -1;
	v->own.fd = -1;
	v->own.iommufd = iommufd;
	v->io = &v->own;
	return v;
}

/* ---- hot reset ---- */

TEST(vfio_hot_reset_sizes_its_info_from_the_enospc_answer_cdev)
{
	struct vdev *v = vdev_new(true);

	strcpy(v->addr, "0000:00:00.0");	/* devfn 0: the fake's first device */
	hr_info_calls = hr_reset_calls = 0;
	hr_devices = 1;
	/* no VFIO_DEVICE_FLAGS_RESET: the hot-reset path */
	EXPECT_EQ(vf_reset(&v->pub), 0);
	EXPECT_EQ(hr_info_calls, 2);	/* ENOSPC with the count, then the list */
	EXPECT_EQ(hr_reset_calls, 1);
	EXPECT_EQ(hr_reset_count, 0);	/* cdev: no group fds */
	free(v);
}

TEST(vfio_hot_reset_passes_its_group_type1_and_never_takes_others_down)
{
	struct vdev *v = vdev_new(false);
	struct vfio_group g8 = { .id = 8, .fd = 108 }, g7 = { .id = 7, .fd = 107, .next = &g8 };

	strcpy(v->addr, "0000:00:00.0");
	groups = &g7;
	hr_info_calls = hr_reset_calls = 0;
	hr_devices = 1;
	EXPECT_EQ(vf_reset(&v->pub), 0);
	EXPECT_EQ(hr_reset_calls, 1);
	EXPECT_EQ(hr_reset_count, 1);
	EXPECT_EQ(hr_reset_argsz, sizeof(struct vfio_pci_hot_reset) + 1 * sizeof(int32_t));
	/* the reset would also reset 0000:00:00.1 (group 8, ours or not):
	 * not used, nothing reset, 1: no reset the function may have */
	hr_devices = 2;
	hr_reset_calls = 0;
	EXPECT_EQ(vf_reset(&v->pub), 1);
	EXPECT_EQ(hr_reset_calls, 0);
	/* the kernel has no slot or bus reset for it (ENODEV): 1 too */
	hr_devices = 0;
	EXPECT_EQ(vf_reset(&v->pub), 1);
	EXPECT_EQ(hr_reset_calls, 0);
	/* a group we do not hold: no reset, EPERM */
	hr_devices = 1;
	groups = &g8;
	EXPECT_EQ(vf_reset(&v->pub), -1);
	EXPECT_EQ(errno, EPERM);
	EXPECT_EQ(hr_reset_calls, 0);
	groups = NULL;
	free(v);
}

/* ---- capabilities cut short by the buffer ---- */

/* A VFIO_DEVICE_GET_INFO answer whose only capability, id, has its header
 * as the buffer's last 8 bytes: len ends there, but the bytes after it
 * (inside the allocation, so the old over-read was silent) hold a
 * plausible size and string that must not be taken. */
static uint8_t *cut_device_info(uint16_t id, size_t *len)
{
	size_t at = sizeof(struct vfio_device_info);
	uint8_t *b = calloc(1, 256);
	struct vfio_device_info *di = (void *)b;
	struct vfio_info_cap_header *h = (void *)(b + at);

	di->argsz = (uint32_t)(at + sizeof(*h));
	di->flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_CAPS;
	di->cap_offset = (uint32_t)at;
	h->id = id;
	h->version = 1;
	le32_put(b + at + 8, 8);	/* size, past len */
	memcpy(b + at + 12, "ABCDEFGH", 8);
	*len = at + sizeof(*h);
	return b;
}

TEST(vfio_zpci_util_and_pfip_cut_short_are_ignored)
{
	struct vdev *v = vdev_new(false);
	size_t len;
	uint8_t *b = cut_device_info(VFIO_DEVICE_INFO_CAP_ZPCI_UTIL, &len);

	read_zpci(v, b, len);
	EXPECT_EQ(v->z.util_len, 0);
	free(b);
	b = cut_device_info(VFIO_DEVICE_INFO_CAP_ZPCI_PFIP, &len);
	read_zpci(v, b, len);
	EXPECT_EQ(v->z.pfip_len, 0);
	free(b);
	/* whole: taken */
	b = cut_device_info(VFIO_DEVICE_INFO_CAP_ZPCI_UTIL, &len);
	read_zpci(v, b, len + 12);
	EXPECT_EQ(v->z.util_len, 8);
	EXPECT(memcmp(v->z.util, "ABCDEFGH", 8) == 0);
	free(b);
	free(v);
}

TEST(vfio_sparse_mmap_cut_short_maps_nothing)
{
	struct vdev *v = vdev_new(false);
	size_t at = sizeof(struct vfio_region_info);
	uint8_t *b = calloc(1, 256);
	struct vfio_region_info *ri = (void *)b;
	struct vfio_region_info_cap_sparse_mmap *s = (void *)(b + at);

	ri->argsz = (uint32_t)(at + sizeof(s->header));
	ri->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_MMAP |
		    VFIO_REGION_INFO_FLAG_CAPS;
	ri->cap_offset = (uint32_t)at;
	ri->size = 0x4000;
	s->header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
	s->header.version = 1;
	s->nr_areas = 1;		/* past the buffer's end */
	s->areas[0].offset = 0;
	s->areas[0].size = 0x1000;
	v->r[0].size = ri->size;
	region_map(v, 0, b, at + sizeof(s->header), ri);
	EXPECT_EQ(v->r[0].nareas, 0);
	free(b);
	free(v);
}

TEST(vfio_iova_range_cut_short_is_ignored)
{
	/* type1 GET_INFO whose IOVA-range capability header ends the answer */
	size_t at = sizeof(struct vfio_iommu_type1_info);
	uint8_t *b = calloc(1, 256);
	struct vfio_iommu_type1_info *info = (void *)b;
	struct vfio_iommu_type1_info_cap_iova_range *r = (void *)(b + at);
	struct vfio_iommu c = { .fd = CONTAINER_FD };

	info->flags = VFIO_IOMMU_INFO_CAPS;
	info->cap_offset = (uint32_t)at;
	r->header.id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE;
	r->header.version = 1;
	r->nr_iovas = 1;
	r->iova_ranges[0] = (struct vfio_iova_range){ 0, 0xffffffff };
	gi_buf = b;
	gi_len = at + sizeof(r->header);
	info->argsz = (uint32_t)gi_len;
	EXPECT_EQ(container_refresh(&c), 0);
	EXPECT_EQ(c.nranges, 0);
	/* whole: taken */
	gi_len = at + sizeof(*r) + sizeof(r->iova_ranges[0]);
	info->argsz = (uint32_t)gi_len;
	EXPECT_EQ(container_refresh(&c), 0);
	EXPECT_EQ(c.nranges, 1);
	EXPECT_EQ(c.ranges[0].end, 0xffffffff);
	free(b);
}

/* ---- MSI-X on a NORESIZE kernel ---- */

TEST(vfio_msix_failed_grow_gives_the_kernel_back_its_vectors)
{
	struct vdev *v = vdev_new(false);
	int fds[8] = { 10, 11, 12, 13, 14, 15, 16, 17 };

	v->msix_count = 8;
	v->msix_noresize = true;
	v->msix_fds = malloc(8 * sizeof(int));
	for (unsigned i = 0; i < 8; i++)
		v->msix_fds[i] = -1;
	si_enabled = si_calls = 0;
	si_max = 4;			/* the host can give 4 vectors */
	EXPECT_EQ(vf_set_msix(&v->pub, 0, 2, fds), 0);
	EXPECT_EQ(si_enabled, 2);
	EXPECT_EQ(vf_set_msix(&v->pub, 3, 1, fds + 3), 0);	/* grow to 4 */
	EXPECT_EQ(si_enabled, 4);
	EXPECT_EQ(v->msix_live, 4);
	/* vector 6: disable, enable 7 fails -- vectors 0, 1, 3 stay routed */
	EXPECT_EQ(vf_set_msix(&v->pub, 6, 1, fds + 6), -1);
	EXPECT_EQ(errno, ENOSPC);
	EXPECT_EQ(si_enabled, 4);
	EXPECT_EQ(v->msix_live, 4);
	EXPECT_EQ(v->msix_fds[6], -1);
	EXPECT_EQ(v->msix_fds[3], 13);
	/* a vector inside the live count still goes straight in */
	EXPECT_EQ(vf_set_msix(&v->pub, 2, 1, fds + 2), 0);
	EXPECT_EQ(si_enabled, 4);
	free(v->msix_fds);
	free(v);
}

/* ---- iommufd IOVA ranges ---- */

TEST(vfio_iommufd_ranges_more_than_16_are_asked_for_again)
{
	struct vfio_iommu io = { .iommufd = true, .fd = IOMMUFD_FD, .ioas = 1 };

	ir_ranges = 3;
	ir_calls = 0;
	ioas_ranges(&io);
	EXPECT_EQ(ir_calls, 1);
	EXPECT_EQ(io.nranges, 3);
	EXPECT_EQ(io.ranges[2].start, 0x20000);
	EXPECT_EQ(io.ranges[2].end, 0x20fff);		/* "last" is inclusive, as end */
	ir_ranges = 40;
	ir_calls = 0;
	ioas_ranges(&io);
	EXPECT_EQ(ir_calls, 2);				/* EMSGSIZE, then with room */
	EXPECT_EQ(io.nranges, 16);
	EXPECT_EQ(io.ranges[15].start, 0xf0000);
	/* any other failure: no ranges, not stale ones */
	io.fd = -1;
	ioas_ranges(&io);
	EXPECT_EQ(io.nranges, 0);
}
