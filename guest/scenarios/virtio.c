/* SPDX-License-Identifier: MIT */
/*
 * A virtio 1.x driver over zPCI: the modern PCI transport (vendor
 * capabilities in config space, COMMON/NOTIFY/ISR/DEVICE structures in the
 * BARs), one split virtqueue in guest memory mapped through the zPCI IOMMU
 * (zpci_map, RPCIT), and MSI-X completions delivered as adapter
 * interruptions. Drives every virtio function it finds:
 *   virtio-rng  posts buffers poisoned beforehand until `bytes` arrived and
 *               checks the device overwrote them;
 *   virtio-blk  writes a text pattern to sector `sector`, reads it back
 *               into a poisoned buffer and compares.
 * Every completion must come with its queue interrupt (vector 0).
 * args: fns=N (virtio functions expected, default 1); virtio-rng: bytes=N
 * (default 65536), chunk=N (bytes per buffer, default 4096), batch=N
 * (buffers per notification, default 4); virtio-blk: sector=N (default 8),
 * blkbytes=N (default 4096), capacity=N (sectors expected, 0: any).
 * Facts from the Virtio 1.1 specification (OASIS), sections 2.6 (split
 * virtqueues), 4.1.4 (PCI capabilities), 5.2 (block), 5.4 (entropy).
 * Exits 1 on any failure.
 */
#include "guest.h"
#include "zpci.h"

int guest_main(void);

#define VIRTIO_VENDOR 0x1af4
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_RNG 4

/* vendor capability (PCI cap id 0x09): cfg_type, bar, offset, length */
#define PCI_CAP_ID_VNDR 0x09
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4

/* common configuration structure */
#define VC_DFSELECT 0x00
#define VC_DF 0x04
#define VC_GFSELECT 0x08
#define VC_GF 0x0c
#define VC_MSIX 0x10
#define VC_NUMQ 0x12
#define VC_STATUS 0x14
#define VC_Q_SELECT 0x16
#define VC_Q_SIZE 0x18
#define VC_Q_MSIX 0x1a
#define VC_Q_ENABLE 0x1c
#define VC_Q_NOFF 0x1e
#define VC_Q_DESC 0x20
#define VC_Q_AVAIL 0x28
#define VC_Q_USED 0x30

#define ST_ACKNOWLEDGE 1
#define ST_DRIVER 2
#define ST_DRIVER_OK 4
#define ST_FEATURES_OK 8
#define ST_NEEDS_RESET 0x40
#define ST_FAILED 0x80

#define F_VERSION_1 (1ULL << 32)
#define F_ACCESS_PLATFORM (1ULL << 33)	/* DMA goes through the platform IOMMU */
#define NO_VECTOR 0xffff

#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2

#define QMAX 16			/* descriptors we use at most */
#define POISON 0xa5

/* virtio structures are little-endian: st_le* and ld_le* (guest.h) */
static inline void mb(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

struct vloc {
	unsigned bar;
	uint32_t off, len;
};

struct vdev {
	struct zdev *z;
	struct vloc common, notify, isr, device;
	uint32_t notify_mult;
	/* the queue: one page holding descriptors, avail and used rings */
	uint8_t *ring;
	uint64_t ring_iova;
	uint16_t qsz, notify_off, last_used, next_avail;
};

#define DESC(v, i) ((v)->ring + 16 * (i))
#define AVAIL(v) ((v)->ring + 16 * QMAX)
#define USED(v) ((v)->ring + 1024)

static uint64_t cread(struct vdev *v, unsigned off, unsigned len)
{
	return bar_read(v->z, v->common.bar, v->common.off + off, len);
}

static void cwrite(struct vdev *v, unsigned off, unsigned len, uint64_t val)
{
	bar_write(v->z, v->common.bar, v->common.off + off, len, val);
}

/* 64-bit fields as two 32-bit halves, low first (spec 4.1.3.1) */
static void cwrite64(struct vdev *v, unsigned off, uint64_t val)
{
	cwrite(v, off, 4, (uint32_t)val);
	cwrite(v, off + 4, 4, val >> 32);
}

static uint8_t status(struct vdev *v)
{
	return (uint8_t)cread(v, VC_STATUS, 1);
}

/* Walk the capability list for the virtio structures; 0 when all needed
 * ones are there. */
static int find_caps(struct vdev *v)
{
	struct zdev *z = v->z;
	unsigned pos = cfg_read(z, 0x34, 1) & ~3u, found = 0;

	for (int guard = 0; pos >= 0x40 && guard < 48; guard++) {
		if (cfg_read(z, pos, 1) == PCI_CAP_ID_VNDR) {
			unsigned type = cfg_read(z, pos + 3, 1);
			struct vloc l = { cfg_read(z, pos + 4, 1), cfg_read(z, pos + 8, 4),
					  cfg_read(z, pos + 12, 4) };
			struct vloc *dst = type == VIRTIO_PCI_CAP_COMMON_CFG ? &v->common :
					   type == VIRTIO_PCI_CAP_NOTIFY_CFG ? &v->notify :
					   type == VIRTIO_PCI_CAP_ISR_CFG ? &v->isr :
					   type == VIRTIO_PCI_CAP_DEVICE_CFG ? &v->device : NULL;

			/* the first of each type is the preferred one */
			if (dst && !(found & 1u << type) && l.bar < 6) {
				*dst = l;
				found |= 1u << type;
				if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
					v->notify_mult = cfg_read(z, pos + 16, 4);
				printf("  cap@%#x type %u: BAR%u +%#x len %#x\n", pos, type, l.bar,
				       l.off, l.len);
			}
		}
		pos = cfg_read(z, pos + 1, 1) & ~3u;
	}
	return (found & 0x1e) == 0x1e ? 0 : -1;
}

static void reset(struct vdev *v)
{
	cwrite(v, VC_STATUS, 1, 0);
	for (int i = 0; i < 1000 && status(v); i++)	/* reads 0 once reset is done */
		;
	CHECK_EQ(status(v), 0);
}

/* Reset, negotiate VERSION_1 + ACCESS_PLATFORM, one queue on vector 0,
 * DRIVER_OK. 0 on success. */
static int vdev_init(struct vdev *v)
{
	uint64_t df;
	uint16_t qmax;

	if (find_caps(v)) {
		printf("  not a modern virtio function (missing capabilities)\n");
		return -1;
	}
	reset(v);
	cwrite(v, VC_STATUS, 1, ST_ACKNOWLEDGE);
	cwrite(v, VC_STATUS, 1, ST_ACKNOWLEDGE | ST_DRIVER);
	cwrite(v, VC_DFSELECT, 4, 0);
	df = cread(v, VC_DF, 4);
	cwrite(v, VC_DFSELECT, 4, 1);
	df |= cread(v, VC_DF, 4) << 32;
	printf("  device features %#lx, %u queue(s)\n", (unsigned long)df,
	       (unsigned)cread(v, VC_NUMQ, 2));
	if ((df & (F_VERSION_1 | F_ACCESS_PLATFORM)) != (F_VERSION_1 | F_ACCESS_PLATFORM)) {
		printf("  device lacks VERSION_1 or ACCESS_PLATFORM (iommu_platform=on?)\n");
		cwrite(v, VC_STATUS, 1, ST_FAILED);
		return -1;
	}
	/* nothing device-specific: every device must work without it */
	cwrite(v, VC_GFSELECT, 4, 0);
	cwrite(v, VC_GF, 4, 0);
	cwrite(v, VC_GFSELECT, 4, 1);
	cwrite(v, VC_GF, 4, (F_VERSION_1 | F_ACCESS_PLATFORM) >> 32);
	cwrite(v, VC_STATUS, 1, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK);
	if (!(status(v) & ST_FEATURES_OK)) {
		printf("  FEATURES_OK not accepted: status %#x\n", status(v));
		return -1;
	}

	/* config changes on vector 1, queue 0 on vector 0; the device
	 * answers NO_VECTOR when it cannot use one */
	cwrite(v, VC_MSIX, 2, 1);
	CHECK_EQ(cread(v, VC_MSIX, 2), 1);
	cwrite(v, VC_Q_SELECT, 2, 0);
	qmax = (uint16_t)cread(v, VC_Q_SIZE, 2);
	if (!qmax) {
		printf("  queue 0 not available\n");
		return -1;
	}
	/* queue sizes are powers of 2 (split ring); a smaller one is allowed */
	v->qsz = qmax < QMAX ? qmax : QMAX;
	cwrite(v, VC_Q_SIZE, 2, v->qsz);
	cwrite(v, VC_Q_MSIX, 2, 0);
	CHECK_EQ(cread(v, VC_Q_MSIX, 2), 0);
	v->notify_off = (uint16_t)cread(v, VC_Q_NOFF, 2);

	/* descriptors at 0 (16-byte aligned), avail at 256 (2), used at
	 * 1024 (4): one page, which the device writes (the used ring) */
	v->ring = galloc(4096, 4096);
	v->ring_iova = zpci_map(v->z, v->ring, 4096, false);
	if (!v->ring_iova) {
		printf("  cannot map the ring\n");
		return -1;
	}
	cwrite64(v, VC_Q_DESC, v->ring_iova);
	cwrite64(v, VC_Q_AVAIL, v->ring_iova + (uint64_t)(AVAIL(v) - v->ring));
	cwrite64(v, VC_Q_USED, v->ring_iova + (uint64_t)(USED(v) - v->ring));
	cwrite(v, VC_Q_ENABLE, 2, 1);
	cwrite(v, VC_STATUS, 1, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
	uint8_t st = status(v);
	printf("  queue 0: size %u of %u, notify_off %u x %u, ring IOVA %#lx, status %#x\n",
	       v->qsz, qmax, v->notify_off, v->notify_mult, (unsigned long)v->ring_iova, st);
	if (st & (ST_NEEDS_RESET | ST_FAILED) || !(st & ST_DRIVER_OK)) {
		printf("  device refused DRIVER_OK: status %#x\n", st);
		return -1;
	}
	return 0;
}

static void set_desc(struct vdev *v, unsigned i, uint64_t iova, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	uint8_t *d = DESC(v, i);

	st_le64(d, iova);
	st_le32(d + 8, len);
	st_le16(d + 12, flags);
	st_le16(d + 14, next);
}

static void post(struct vdev *v, uint16_t head)
{
	uint8_t *a = AVAIL(v);

	st_le16(a + 4 + 2 * (v->next_avail % v->qsz), head);
	mb();			/* the entry before the index */
	st_le16(a + 2, ++v->next_avail);
}

/* Notify queue 0 and wait until n more buffers are used and the queue's
 * interrupt came after the notification. */
static void kick_and_wait(struct vdev *v, unsigned n)
{
	struct zdev *z = v->z;
	uint64_t c0 = z->irq_count[0];
	uint16_t want = (uint16_t)(v->last_used + n);

	mb();
	bar_write(z, v->notify.bar, v->notify.off + (uint64_t)v->notify_off * v->notify_mult, 2, 0);
	while (ld_le16(USED(v) + 2) != want || z->irq_count[0] == c0)
		wait_for_interrupt();
	mb();
}

/* The used element for the k-th completion since last_used. */
static void used_elem(struct vdev *v, unsigned k, uint32_t *id, uint32_t *len)
{
	const uint8_t *e = USED(v) + 4 + 8 * ((uint16_t)(v->last_used + k) % v->qsz);

	*id = ld_le32(e);
	*len = ld_le32(e + 4);
}

static void drive_rng(struct vdev *v)
{
	uint64_t want = arg_u64("bytes", 65536), chunk = arg_u64("chunk", 4096);
	uint64_t b = arg_u64("batch", 4);
	unsigned batch = (unsigned)(b < 1 ? 1 : b > v->qsz ? v->qsz : b);
	uint8_t *buf = galloc(chunk * batch, 4096);
	uint64_t iova = zpci_map(v->z, buf, chunk * batch, false);
	uint64_t got = 0, changed = 0, reqs = 0, rounds = 0, c0 = v->z->irq_count[0];

	if (!iova) {
		CHECK(0, "cannot map %lu bytes", (unsigned long)(chunk * batch));
		return;
	}
	while (got < want && rounds < 4 * (want / (chunk * batch) + 1)) {
		memset(buf, POISON, chunk * batch);
		for (unsigned i = 0; i < batch; i++) {
			set_desc(v, i, iova + i * chunk, (uint32_t)chunk, VRING_DESC_F_WRITE, 0);
			post(v, (uint16_t)i);
		}
		kick_and_wait(v, batch);
		for (unsigned k = 0; k < batch; k++) {
			uint32_t id, len;
			uint64_t c = 0;

			used_elem(v, k, &id, &len);
			if (id >= batch || len > chunk) {
				CHECK(0, "used element id %u len %u", id, len);
				continue;
			}
			for (uint32_t j = 0; j < len; j++)
				c += buf[id * chunk + j] != POISON;
			/* random bytes equal the poison 1 time in 256 */
			CHECK(len > 0 && c * 100 >= (uint64_t)len * 95,
			      "request %u: %lu of %u bytes written", id, (unsigned long)c, len);
			got += len;
			changed += c;
			reqs++;
		}
		v->last_used = (uint16_t)(v->last_used + batch);
		rounds++;
	}
	uint64_t irqs = v->z->irq_count[0] - c0;

	printf("virtio-rng: %lu bytes in %lu requests (%lu rounds), %lu bytes changed, "
	       "%lu queue interrupts\n", (unsigned long)got, (unsigned long)reqs,
	       (unsigned long)rounds, (unsigned long)changed, (unsigned long)irqs);
	CHECK(got >= want, "only %lu of %lu bytes", (unsigned long)got, (unsigned long)want);
	CHECK(irqs >= rounds, "%lu interrupts for %lu rounds", (unsigned long)irqs,
	      (unsigned long)rounds);
	zv_report("virtio_rng_bytes", got);
	zv_report("virtio_rng_requests", reqs);
	zv_report("virtio_queue_interrupts", irqs);
}

/* One block request: header, data, status (spec 5.2.6). Returns the
 * status byte, or 0xff when the device did not complete it. */
static uint8_t blk_rw(struct vdev *v, uint8_t *req, uint64_t req_iova, bool write, uint64_t sector,
		      uint64_t data_iova, uint32_t len)
{
	uint32_t id, ulen;

	st_le32(req, write ? 1 : 0);	/* VIRTIO_BLK_T_OUT / T_IN */
	st_le32(req + 4, 0);
	st_le64(req + 8, sector);
	req[16] = 0xff;
	set_desc(v, 0, req_iova, 16, VRING_DESC_F_NEXT, 1);
	set_desc(v, 1, data_iova, len, VRING_DESC_F_NEXT | (write ? 0 : VRING_DESC_F_WRITE), 2);
	set_desc(v, 2, req_iova + 16, 1, VRING_DESC_F_WRITE, 0);
	post(v, 0);
	kick_and_wait(v, 1);
	used_elem(v, 0, &id, &ulen);
	v->last_used++;
	CHECK_EQ(id, 0);
	return req[16];
}

static void drive_blk(struct vdev *v)
{
	uint64_t sector = arg_u64("sector", 8), len = arg_u64("blkbytes", 4096);
	uint64_t cap = bar_read(v->z, v->device.bar, v->device.off, 4) |
		       bar_read(v->z, v->device.bar, v->device.off + 4, 4) << 32;
	uint8_t *req = galloc(4096, 4096), *out = galloc(len, 4096), *in = galloc(len, 4096);
	uint64_t req_iova = zpci_map(v->z, req, 4096, false);
	uint64_t out_iova = zpci_map(v->z, out, len, true);	/* the device only reads it */
	uint64_t in_iova = zpci_map(v->z, in, len, false);
	uint64_t c0 = v->z->irq_count[0];

	uint64_t want_cap = arg_u64("capacity", 0);

	printf("virtio-blk: capacity %lu sectors\n", (unsigned long)cap);
	CHECK(!want_cap || cap == want_cap, "capacity %lu sectors, want %lu", (unsigned long)cap,
	      (unsigned long)want_cap);
	if (!req_iova || !out_iova || !in_iova || sector + len / 512 > cap || len % 512) {
		CHECK(0, "cannot set up a %lu-byte transfer at sector %lu", (unsigned long)len,
		      (unsigned long)sector);
		return;
	}
	/* text lines, so the host can find them in the disk image */
	for (uint64_t i = 0; i < len; i += 64) {
		char line[80];

		snprintf(line, sizeof(line), "zvfio virtio-blk pattern: sector %06lu line %lu"
			 "                 \n", (unsigned long)(sector + i / 512),
			 (unsigned long)(i % 512 / 64));
		memcpy(out + i, line, 64);
		out[i + 63] = '\n';
	}
	memset(in, POISON, len);
	CHECK_EQ(blk_rw(v, req, req_iova, true, sector, out_iova, (uint32_t)len), 0);
	CHECK_EQ(blk_rw(v, req, req_iova, false, sector, in_iova, (uint32_t)len), 0);
	bool same = memcmp(in, out, len) == 0;
	uint64_t irqs = v->z->irq_count[0] - c0;

	CHECK(same, "read back differs from what was written");
	CHECK(irqs >= 2, "%lu interrupts for 2 requests", (unsigned long)irqs);
	printf("virtio-blk: wrote and read back %lu bytes at sector %lu: %s, %lu queue interrupts\n",
	       (unsigned long)len, (unsigned long)sector, same ? "identical" : "DIFFERENT",
	       (unsigned long)irqs);
	zv_report("virtio_blk_bytes_verified", same ? len : 0);
	zv_report("virtio_queue_interrupts", irqs);
}

int guest_main(void)
{
	unsigned want = (unsigned)arg_u64("fns", 1), n, found = 0;
	static struct vdev vd[ZPCI_MAX_FNS];

	n = zpci_bringup_all(2, NULL);
	irq_disable();
	for (unsigned i = 0; i < n; i++) {
		struct zdev *z = &zdevs[i];
		struct vdev *v = &vd[i];
		unsigned id = 0;

		/* modern devices are 0x1040 + the virtio device id; transitional
		 * ones 0x1000-0x103f with the id in the subsystem device id */
		if (z->device >= 0x1040 && z->device <= 0x107f)
			id = z->device - 0x1040u;
		else if (z->device >= 0x1000 && z->device <= 0x103f && z->vendor == VIRTIO_VENDOR)
			id = cfg_read(z, 0x2e, 2);

		/* what CLP answered: on s390 the window and the group's
		 * characteristics come from the host's zPCI capabilities */
		printf("fid %u uid %u: %04x:%04x, group %#x (noi %u, mui %u, msia %#lx), "
		       "DMA window %#lx-%#lx\n", z->fid, z->uid, z->vendor, z->device, z->pfgid,
		       z->noi, z->mui, (unsigned long)z->msia, (unsigned long)z->pba,
		       (unsigned long)z->pal);
		if (z->vendor != VIRTIO_VENDOR || (id != VIRTIO_ID_RNG && id != VIRTIO_ID_BLOCK)) {
			printf("  not a virtio-rng or virtio-blk function, skipped\n");
			continue;
		}
		found++;
		v->z = z;
		if (vdev_init(v)) {
			CHECK(0, "fid %u: virtio initialization failed", z->fid);
			continue;
		}
		if (id == VIRTIO_ID_RNG)
			drive_rng(v);
		else
			drive_blk(v);
		reset(v);
	}
	CHECK_EQ(found, want);
	printf("virtio: %u function(s), %lu adapter interruptions: %s\n", found,
	       (unsigned long)adapter_interrupts, test_failures ? "FAILED" : "all verified");
	return test_failures ? 1 : 0;
}
