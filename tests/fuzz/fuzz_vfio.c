/* SPDX-License-Identifier: MIT */
/*
 * Fuzzing the VFIO backend's handling of what the kernel answers, without
 * a kernel: as tests/dev/test_vfio_caps.c does, the backend's files
 * (every .c in src/dev/vfio but sysfs.c, which makes no ioctl) are compiled into
 * this target with ioctl() replaced by fake_ioctl(), which answers from the
 * input. Structure-aware: the answers are well-formed replies whose
 * fields come from the input -- capability chains in VFIO_DEVICE_GET_INFO,
 * VFIO_DEVICE_GET_REGION_INFO and VFIO_IOMMU_GET_INFO (ids, versions,
 * sizes, next offsets forward, backward, into themselves or past the end;
 * the argsz protocol, also an answer that keeps growing), IOVA range
 * counts (type1 and iommufd with its EMSGSIZE protocol), IRQ counts and
 * flags, MSI-X routing that the kernel refuses, the hot reset's ENOSPC
 * protocol. The device's file descriptor is a memfd holding config space
 * from the input, so the mmap and pread paths run for real.
 *
 * Invariants: no read past a buffer (ASan), no endless loop (libFuzzer's
 * timeout), and what the backend keeps stays inside its own arrays: at most
 * 16 IOVA ranges, MAX_AREAS mmap areas per region each inside the region,
 * the utility string and path no longer than their fields.
 *
 * The kernel aligns every capability to 8 bytes (vfio_info_cap_add) from
 * the chain's start, which is sizeof(struct vfio_device_info): 20 bytes
 * before Linux 6.8, so 64-bit fields are misaligned, as here (the backend
 * copies capabilities out; reading them in place was undefined behaviour,
 * found by this target under UBSan). A cap_offset may also be anything.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

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

#include "fuzz_common.h"

#define CONTAINER_FD 1000	/* never a real descriptor: only the fake sees it */
#define IOMMUFD_FD   1001
#define ANSWER_MAX   4096	/* an info answer's bytes at most */

static struct in K;		/* what the kernel says next */
static int dev_fd = -1;		/* the device: a memfd */

/* ---- building answers ---------------------------------------------------- */

static uint8_t ans[ANSWER_MAX];	/* the info answer being given out */
static size_t ans_len;
static bool ans_grows;		/* answer a larger argsz every time */

static void put(size_t at, const void *p, size_t n)
{
	if (at < ANSWER_MAX)
		memcpy(ans + at, p, n < ANSWER_MAX - at ? n : ANSWER_MAX - at);
}

static void put32_le(size_t at, uint32_t v) { put(at, &v, 4); }

/* A capability's size in the chain: as its struct says, or a little off. */
static size_t cap_size(size_t size, uint8_t v)
{
	switch (v >> 4 & 3) {
	case 1: size += 8ULL * (v >> 6); break;
	case 2: size = size > 8 ? size - 8 : size; break;
	default: break;
	}
	return (size + 7) & ~(size_t)7;
}

/* Capabilities after the fixed part (at base): a chain of n, each with an
 * id from ids[] (or any), a version, a payload from the input, sized as
 * its struct says or a little off; the nexts normally forward, sometimes
 * anywhere. Returns the chain's first offset (0: none). */
static uint32_t caps(size_t base, const uint16_t *ids, unsigned nids, const size_t *sizes)
{
	uint8_t n = u8(&K) % 7;
	size_t at = base, first = 0, prev = 0;

	for (unsigned i = 0; i < n && at + 16 <= ANSWER_MAX; i++) {
		uint8_t sel = u8(&K), v = u8(&K);
		unsigned k = sel % (nids + 1);
		uint16_t id = k < nids ? ids[k] : u16(&K);
		size_t size = k < nids ? sizes[k] : 8 + (size_t)(u8(&K) & 0x78);
		struct vfio_info_cap_header h = { .id = id, .version = (uint16_t)(v % 4) };

		size = cap_size(size, v);
		if (at + size > ANSWER_MAX)
			break;
		put(at, &h, sizeof(h));
		for (size_t b = sizeof(h); b < size; b++)
			ans[at + b] = u8(&K);
		if (prev)
			put32_le(prev + 4, (uint32_t)at);	/* the previous one's next */
		else
			first = at;
		prev = at;
		at += size;
	}
	if (prev) {
		uint8_t how = u8(&K);
		uint32_t next = 0;

		switch (how % 8) {
		case 5: next = (uint32_t)prev; break;		/* to itself */
		case 6: next = (uint32_t)first; break;		/* back: a cycle */
		case 7: next = (uint32_t)(at + 8 * (how >> 3)); break;	/* past the end */
		default: break;
		}
		put32_le(prev + 4, next);
	}
	ans_len = at;
	return (uint32_t)first;
}

/* Give out the answer for an *_INFO ioctl whose caller allowed argsz
 * bytes: the whole of it if it fits, else the fixed part with argsz
 * saying how much there is (the kernel's protocol). */
static int give(void *arg, size_t fixed)
{
	uint32_t argsz = *(uint32_t *)arg;
	uint32_t want = (uint32_t)ans_len + (ans_grows ? argsz + 8 : 0);

	if (argsz < want) {
		memcpy(arg, ans, fixed);
		((uint32_t *)arg)[0] = want;
		return 0;
	}
	memcpy(arg, ans, ans_len);
	((uint32_t *)arg)[0] = (uint32_t)ans_len;
	return 0;
}

/* Does the kernel fail this call? Then with which errno. */
static bool fails(void)
{
	uint8_t f = u8(&K);
	static const int errs[] = { EINVAL, ENOTTY, EFAULT, EIO };

	if (f < 240)
		return false;
	errno = errs[f & 3];
	return true;
}

/* ---- the fake kernel ------------------------------------------------------ */

/* the capabilities each answer has, and their sizes */
static const uint16_t di_ids[] = { VFIO_DEVICE_INFO_CAP_ZPCI_BASE, VFIO_DEVICE_INFO_CAP_ZPCI_GROUP,
				   VFIO_DEVICE_INFO_CAP_ZPCI_UTIL, VFIO_DEVICE_INFO_CAP_ZPCI_PFIP };
static const size_t di_sizes[] = { sizeof(struct vfio_device_info_cap_zpci_base),
				   sizeof(struct vfio_device_info_cap_zpci_group),
				   sizeof(struct vfio_device_info_cap_zpci_util) + 64,
				   sizeof(struct vfio_device_info_cap_zpci_pfip) + 32 };
static const uint16_t ri_ids[] = { VFIO_REGION_INFO_CAP_SPARSE_MMAP, VFIO_REGION_INFO_CAP_MSIX_MAPPABLE,
				   VFIO_REGION_INFO_CAP_TYPE };
static const size_t ri_sizes[] = { sizeof(struct vfio_region_info_cap_sparse_mmap) +
				   4 * sizeof(struct vfio_region_sparse_mmap_area),
				   sizeof(struct vfio_info_cap_header),
				   sizeof(struct vfio_region_info_cap_type) };
static const uint16_t ti_ids[] = { VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL,
				   VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION };
static const size_t ti_sizes[] = { sizeof(struct vfio_iommu_type1_info_cap_iova_range) +
				   3 * sizeof(struct vfio_iova_range),
				   sizeof(struct vfio_iommu_type1_info_dma_avail),
				   sizeof(struct vfio_iommu_type1_info_cap_migration) };

static int device_get_info(struct vfio_device_info *di)
{
	struct vfio_device_info h = { 0 };

	if (di->argsz == sizeof(*di)) {	/* a new question */
		uint8_t f = u8(&K);

		memset(ans, 0, sizeof(ans));
		ans_grows = f == 255;
		h.flags = VFIO_DEVICE_FLAGS_PCI | (f & 1 ? VFIO_DEVICE_FLAGS_RESET : 0) |
			  (f & 2 ? 0 : VFIO_DEVICE_FLAGS_CAPS);
		h.num_regions = u8(&K) % 12;
		h.num_irqs = u8(&K) % 8;
		h.cap_offset = caps(sizeof(h), di_ids, 4, di_sizes);
		if (f & 4)	/* anywhere, past the end too */
			h.cap_offset = f & 8 ? (uint32_t)(ans_len + 8 * (u8(&K) & 7)) : (uint32_t)u8(&K);
		if (ans_len < sizeof(h))
			ans_len = sizeof(h);
		memcpy(ans, &h, sizeof(h));
	}
	return give(di, sizeof(h));
}

static int region_get_info(struct vfio_region_info *ri)
{
	static const uint64_t rsizes[] = { 0, 0x1000, 0x4000, 0x100, 0x10000, 0x3000, 1ULL << 40, 0x2000 };
	struct vfio_region_info h = { .index = ri->index };

	if (ri->argsz == sizeof(*ri)) {
		uint8_t f = u8(&K);

		memset(ans, 0, sizeof(ans));
		ans_grows = f == 255;
		h.flags = (f & 7) | (f & 8 ? 0 : VFIO_REGION_INFO_FLAG_CAPS);
		h.size = ri->index == VFIO_PCI_CONFIG_REGION_INDEX ? 256 : rsizes[f >> 4 & 7];
		h.offset = (uint64_t)ri->index << 16;
		h.cap_offset = caps(sizeof(h), ri_ids, 3, ri_sizes);
		if (ans_len < sizeof(h))
			ans_len = sizeof(h);
		memcpy(ans, &h, sizeof(h));
	}
	return give(ri, sizeof(h));
}

static int iommu_get_info(struct vfio_iommu_type1_info *ti)
{
	struct vfio_iommu_type1_info h = { 0 };

	if (ti->argsz == sizeof(*ti)) {
		uint8_t f = u8(&K);

		memset(ans, 0, sizeof(ans));
		ans_grows = f == 255;
		h.flags = f & 1 ? 0 : VFIO_IOMMU_INFO_CAPS;
		h.iova_pgsizes = 0x1000;
		h.cap_offset = caps(sizeof(h), ti_ids, 3, ti_sizes);
		if (ans_len < sizeof(h))
			ans_len = sizeof(h);
		memcpy(ans, &h, sizeof(h));
	}
	return give(ti, sizeof(h));
}

static int fake_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fails())
		return -1;
	if (fd == CONTAINER_FD) {
		if (req == VFIO_IOMMU_GET_INFO)
			return iommu_get_info(arg);
		errno = ENOTTY;
		return -1;
	}
	if (fd == IOMMUFD_FD) {
		if (req == ZV_IOMMU_IOAS_IOVA_RANGES) {
			struct zv_iommu_ioas_iova_ranges *q = arg;
			struct zv_iommu_iova_range *out = (void *)(uintptr_t)q->allowed_iovas;
			uint16_t n = u16(&K) % 64;
			unsigned room = q->num_iovas;

			q->num_iovas = n;
			if (room < n) {
				errno = EMSGSIZE;
				return -1;
			}
			for (unsigned i = 0; i < n; i++)
				out[i] = (struct zv_iommu_iova_range){ u64(&K), u64(&K) };
			return 0;
		}
		errno = ENOTTY;
		return -1;
	}
	if (fd != dev_fd) {
		errno = EBADF;
		return -1;
	}
	switch (req) {
	case VFIO_DEVICE_GET_INFO:
		return device_get_info(arg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return region_get_info(arg);
	case VFIO_DEVICE_GET_IRQ_INFO: {
		struct vfio_irq_info *ii = arg;
		uint8_t f = u8(&K);

		ii->flags = VFIO_IRQ_INFO_EVENTFD | (f & 1 ? VFIO_IRQ_INFO_NORESIZE : 0);
		ii->count = f & 2 ? u8(&K) : ii->index == VFIO_PCI_MSIX_IRQ_INDEX ? 8 : 1;
		return 0;
	}
	case VFIO_DEVICE_SET_IRQS:
		return 0;	/* fails() above decides */
	case VFIO_DEVICE_RESET:
		return 0;
	case VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: {
		struct vfio_pci_hot_reset_info *h = arg;
		uint8_t f = u8(&K);
		uint32_t n = f & 0x80 ? u16(&K) % 1024 : f & 3;	/* a kernel's count */

		h->flags = 0;
		if (h->argsz < sizeof(*h) + n * sizeof(h->devices[0]) || (f & 0x40)) {
			h->count = f & 0x40 ? u16(&K) % 1024 : n;	/* argsz left alone */
			errno = ENOSPC;
			return -1;
		}
		h->count = n;
		for (uint32_t i = 0; i < n; i++)
			h->devices[i] = (struct vfio_pci_dependent_device){
				.group_id = u8(&K), .segment = 0, .bus = 0, .devfn = u8(&K) & 1,
			};
		return 0;
	}
	case VFIO_DEVICE_PCI_HOT_RESET:
		return 0;
	default:
		errno = ENOTTY;
		return -1;
	}
}

/* ---- the device ------------------------------------------------------------- */

static void check_device(const struct vdev *v)
{
	if (v->z.util_len > sizeof(v->z.util) || v->z.pfip_len > sizeof(v->z.pfip))
		fz_fail("utility string %u or path %u bytes long", v->z.util_len, v->z.pfip_len);
	if (v->z.nranges > 8)
		fz_fail("%u zPCI ranges", v->z.nranges);
	for (unsigned i = 0; i < NREGIONS; i++) {
		const struct region *r = &v->r[i];

		if (r->nareas > MAX_AREAS)
			fz_fail("region %u: %u mmap areas", i, r->nareas);
		for (unsigned k = 0; k < r->nareas && k < MAX_AREAS; k++)
			if (r->areas[k].off > r->size || r->areas[k].len > r->size - r->areas[k].off)
				fz_fail("region %u: area %#llx+%#llx outside its %#llx bytes", i,
					(unsigned long long)r->areas[k].off, (unsigned long long)r->areas[k].len,
					(unsigned long long)r->size);
	}
	if (v->msix_live > v->msix_count)
		fz_fail("%u MSI-X vectors live of %u", v->msix_live, v->msix_count);
}

static void check_iommu(const struct vfio_iommu *io)
{
	if (io->nranges > 16)
		fz_fail("%u IOVA ranges kept", io->nranges);
}

/* Config space for the memfd: a capability list with an MSI-X capability
 * somewhere, from the input. */
static void config_space(void)
{
	uint8_t cfg[256] = { 0 };
	uint8_t f = u8(&K), pos = 0x40 + (u8(&K) & 0x3c);

	cfg[0x06] = f & 1 ? 0x10 : 0;	/* PCI_STATUS_CAP_LIST */
	cfg[0x34] = f & 2 ? u8(&K) : 0x40;
	cfg[0x40] = PCI_CAP_ID_MSI;
	cfg[0x41] = pos;
	cfg[pos] = PCI_CAP_ID_MSIX;
	cfg[pos + 1] = f & 4 ? u8(&K) : 0;	/* next: anywhere, or itself */
	cfg[pos + 2] = u8(&K);
	cfg[pos + 3] = u8(&K) & 7;
	cfg[pos + 4] = u8(&K) & 7;		/* table BIR */
	cfg[pos + 5] = u8(&K) & 0xf0;
	if (ftruncate(dev_fd, 0) || ftruncate(dev_fd, 1 << 20) ||
	    pwrite(dev_fd, cfg, sizeof(cfg), (off_t)VFIO_PCI_CONFIG_REGION_INDEX << 16) != sizeof(cfg))
		abort();
}

static void run_input(const uint8_t *data, size_t size)
{
	struct vdev *v = calloc(1, sizeof(*v));
	struct vfio_iommu c = { .fd = CONTAINER_FD }, io = { .iommufd = true, .fd = IOMMUFD_FD, .ioas = 1 };
	struct dev_zpci z;
	uint8_t sel;

	if (dev_fd < 0)
		dev_fd = memfd_create("fuzz_vfio", MFD_CLOEXEC);
	if (!v || dev_fd < 0)
		abort();
	K = (struct in){ data, size };
	config_space();
	sel = u8(&K);
	v->fd = dev_fd;
	v->err_efd = v->req_efd = -1;
	v->own.fd = -1;
	v->io = sel & 1 ? &io : &c;
	v->pub.ops = &vfio_ops;
	strcpy(v->addr, "0000:ff:1f.7");	/* no such host function */

	/* the container's and the IOAS's ranges first: the window comes from them */
	if (container_refresh(&c) == 0)
		check_iommu(&c);
	ioas_ranges(&io);
	check_iommu(&io);
	if (device_info(v) == 0) {
		check_device(v);
		if (vfio_regions_init(v) == 0)
			check_device(v);
		if (vfio_irqs_init(v) == 0) {
			int fds[64];

			for (unsigned i = 0; i < 64; i++)
				fds[i] = 100 + (int)i;
			/* the engine attaches vectors as the guest unmasks them */
			for (unsigned k = 0; k < 6 && K.n; k++) {
				uint8_t a = u8(&K), b = u8(&K);

				vf_set_msix(&v->pub, a % 70, b % 9, fds);
				check_device(v);
			}
			vf_set_msix(&v->pub, 0, 0, NULL);
		}
		vf_zpci_info(&v->pub, &z);
		vf_set_dma_blocked(&v->pub, true);
		vf_set_dma_blocked(&v->pub, false);
		vf_reset(&v->pub);
		vf_dma_avail(&v->pub);
		check_device(v);
	}
	vfio_regions_unmap(v);
	if (v->err_efd >= 0)
		close(v->err_efd);
	if (v->req_efd >= 0)
		close(v->req_efd);
	free(v->msix_fds);
	free(v);
}

/* ---- seeds ------------------------------------------------------------------- *
 * Each follows the order in which run_input() asks the fake kernel: a
 * "fails" byte before every ioctl, then that ioctl's answer. */

/* a capability of the answer's list ids (sel < nids), payload p */
static void s_cap(struct out *o, uint8_t sel, uint8_t v, const size_t *sizes, const void *p, size_t n)
{
	size_t payload = cap_size(sizes[sel], v) - 8;

	o8(o, sel);
	o8(o, v);
	for (size_t i = 0; i < payload; i++)
		o8(o, i < n ? ((const uint8_t *)p)[i] : 0);
}

static void s_ranges(struct out *o, uint16_t n)
{
	o8(o, 0);
	o16(o, n);
	if (n > 16) {	/* EMSGSIZE, then again with room */
		o8(o, 0);
		o16(o, n);
	}
	for (unsigned i = 0; i < n; i++) {
		o64(o, 0x100000000ULL * i);
		o64(o, 0x100000000ULL * i + 0xffffffff);
	}
}

static void make_seeds(fz_emit_fn emit)
{
	static struct out o;
	struct {
		uint32_t nr, rsvd;
		uint64_t r[6];
	} iova = { 3, 0, { 0, 0xfedfffff, 0xfef00000, 0xffffffffffffULL, 0x100000000ULL, 0x1ffffffffULL } };
	struct {
		uint64_t start, end;
		uint16_t pchid, vfn, fmb;
		uint8_t pft, gid;
		uint32_t fh;
	} base = { 0x100000000ULL, 0x1ffffffffffULL, 0x42, 1, 32, 2, 3, 0x80000001 };
	struct {
		uint64_t dasm, msi, flags;
		uint16_t mui, noi, maxstbl;
		uint8_t version;
	} grp = { 0xffffffffffffffffULL, 0xfe00000000000000ULL, 1, 100, 64, 0x800, 1 };
	struct {
		uint32_t size;
		uint8_t s[64];
	} util = { 8, "ABCDEFGHIJKLMNOPQRSTUVWXYZ" };
	struct {
		uint32_t nr, rsvd;
		uint64_t a[8];
	} sparse = { 2, 0, { 0, 0x1000, 0x2000, 0x1000, 0x3000, 0x800, 0, 0x100 } };
	uint32_t avail = 65535;

	for (unsigned k = 0; k < 6; k++) {
		o.n = 0;
		/* config space: a capability list, MSI-X at 0x48, table in BAR 2 */
		o8(&o, 1); o8(&o, 0x08); o8(&o, 7); o8(&o, 0); o8(&o, 2); o8(&o, 0);
		o8(&o, (uint8_t)k);				/* odd: the IOAS */
		/* VFIO_IOMMU_GET_INFO: IOVA ranges and DMA_AVAIL */
		o8(&o, 0); o8(&o, 0);
		o8(&o, 2);
		s_cap(&o, 0, 1, ti_sizes, &iova, sizeof(iova));
		s_cap(&o, 1, 1, ti_sizes, &avail, sizeof(avail));
		o8(&o, (uint8_t)(k == 4 ? 6 : 0));		/* the last next: 0, or a cycle */
		o8(&o, 0);					/* the second call */
		/* IOMMU_IOAS_IOVA_RANGES */
		s_ranges(&o, (uint16_t)(k * 5));
		/* VFIO_DEVICE_GET_INFO: 8 regions, 5 IRQ indexes, the zPCI caps */
		o8(&o, 0);
		o8(&o, (uint8_t)(k & 1));			/* VFIO_DEVICE_FLAGS_RESET */
		o8(&o, 8); o8(&o, 5);
		o8(&o, 4);
		s_cap(&o, 0, (uint8_t)(1 + (k & 1)), di_sizes, &base, sizeof(base));
		s_cap(&o, 1, 1, di_sizes, &grp, sizeof(grp));
		s_cap(&o, 2, (uint8_t)(k == 3 ? 0x21 : 1), di_sizes, &util, sizeof(util));
		s_cap(&o, 3, (uint8_t)(k == 2 ? 0x21 : 1), di_sizes, &util, sizeof(util));
		o8(&o, (uint8_t)(k == 5 ? 5 : 0));
		o8(&o, 0);
		/* regions 7 (config), then 0..6: mmappable, sparse areas */
		for (unsigned r = 0; r < 8; r++) {
			o8(&o, 0);
			o8(&o, (uint8_t)(0x07 | (r == 2 && k > 2 ? 0x30 : 0x10)));
			o8(&o, (uint8_t)(k == 1 ? 0 : r == 2 ? 2 : 1));
			if (k != 1)
				s_cap(&o, 0, 1, ri_sizes, &sparse, sizeof(sparse));
			if (k != 1 && r == 2)
				s_cap(&o, 1, 1, ri_sizes, NULL, 0);	/* MSIX_MAPPABLE */
			if (k != 1)
				o8(&o, 0);
			o8(&o, 0);
		}
		/* IRQ info: MSI-X (NORESIZE for odd k), MSI, error, request */
		o8(&o, 0); o8(&o, (uint8_t)(k & 1));
		o8(&o, 0); o8(&o, 0);
		o8(&o, 0); o8(&o, 0); o8(&o, 0);
		o8(&o, 0); o8(&o, 0); o8(&o, 0);
		/* vectors attached, as the engine does */
		for (unsigned i = 0; i < 6; i++) {
			o8(&o, (uint8_t)(i * 2)); o8(&o, (uint8_t)(1 + i % 3));
			o8(&o, i == 3 && k > 2 ? 250 : 0);	/* the kernel refuses once */
			o8(&o, 0);
		}
		{
			char name[2] = { (char)('a' + k), 0 };

			emit(name, o.b, o.n);
		}
	}
}

FUZZ_MAIN(vfio, 20000, 2048, 1000)
