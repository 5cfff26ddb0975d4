/* SPDX-License-Identifier: MIT */
/*
 * emu:virtio-blk (src/dev/emu/virtio_blk.c, virtq.c) driven through its ops
 * table by a minimal driver written here from the VIRTIO 1.2 specification:
 * the capabilities found by walking configuration space, features
 * negotiated, the queue set up in "guest memory" (host pages mapped 1:1
 * into the device's IOMMU), requests built as Linux's virtio_blk builds
 * them (header, data, status; and through an indirect table), completions
 * and MSI-X interrupts observed. Then what a hostile driver does: loops,
 * indexes outside the table, nested indirect tables, too many buffers,
 * readable after writable, unmapped addresses, requests past the disk's
 * end, writes to a read-only disk -- each a defined answer (a status, the
 * NEEDS_RESET state, or an IOMMU fault on the error eventfd), never a host
 * fault, and the host file changed only by valid writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "arch/be.h"
#include "arch/pci.h"
#include "dev/dev.h"
#include "harness.h"
#include "zvfio/zvfio.h"

#define PG 4096u
#define MEM_PAGES 64
#define IOVA 0x100000ULL	/* guest memory's IOVA */
#define DISK (1u << 20)

/* the spec's numbers, written again here (not the device's header) */
#define ST_ACK 1
#define ST_DRIVER 2
#define ST_DRIVER_OK 4
#define ST_FEATURES_OK 8
#define ST_NEEDS_RESET 0x40
#define F_NEXT 1
#define F_WRITE 2
#define F_INDIRECT 4

struct drv {
	struct zv_device *d;
	uint8_t *mem;			/* MEM_PAGES pages at IOVA */
	int fds[2];
	uint32_t common, notify, isr, devcfg, mult;	/* BAR 0 offsets */
	uint16_t qsize, avail_idx, used_seen;
	uint64_t desc, avail, used;	/* IOVAs */
	char path[64];
};

static uint64_t iova_of(struct drv *v, const void *p)
{
	return IOVA + (uint64_t)((const uint8_t *)p - v->mem);
}

static uint8_t *at(struct drv *v, uint64_t iova)
{
	return v->mem + (iova - IOVA);
}

static uint32_t cfg_read(struct drv *v, unsigned off, unsigned len)
{
	uint8_t b[4] = { 0 };

	EXPECT_EQ(v->d->ops->region_read(v->d, ZV_REGION_CONFIG, off, b, len), 0);
	return len == 1 ? b[0] : len == 2 ? le16_get(b) : le32_get(b);
}

static uint64_t bar_read(struct drv *v, uint32_t off, unsigned len)
{
	uint8_t b[8] = { 0 };

	EXPECT_EQ(v->d->ops->region_read(v->d, 0, off, b, len), 0);
	return len == 1 ? b[0] : len == 2 ? le16_get(b) : len == 4 ? le32_get(b) : le64_get(b);
}

static void bar_write(struct drv *v, uint32_t off, uint64_t val, unsigned len)
{
	uint8_t b[8];

	le64_put(b, val);
	EXPECT_EQ(v->d->ops->region_write(v->d, 0, off, b, len), 0);
}

static char disk_path[64];

/* A disk file of DISK bytes: byte i holds i * 7 + (i >> 9). */
static const char *make_disk(void)
{
	uint8_t *b = malloc(DISK);
	int fd;

	snprintf(disk_path, sizeof(disk_path), "/tmp/zvfio-vblk-XXXXXX");
	fd = mkstemp(disk_path);
	for (uint32_t i = 0; b && i < DISK; i++)
		b[i] = (uint8_t)(i * 7 + (i >> 9));
	EXPECT(fd >= 0 && b && write(fd, b, DISK) == DISK);
	if (fd >= 0)
		close(fd);
	free(b);
	return disk_path;
}

/* Open the device, find its structures, negotiate, set up the queue. */
static bool drv_open(struct drv *v, const char *opts_extra, bool indirect)
{
	char spec[200], err[256] = "";
	uint64_t f;

	memset(v, 0, sizeof(*v));
	snprintf(spec, sizeof(spec), "emu:virtio-blk,file=%s%s", make_disk(), opts_extra);
	snprintf(v->path, sizeof(v->path), "%s", disk_path);
	v->d = zv_device_open(spec, err, sizeof(err));
	EXPECT(v->d != NULL);
	if (!v->d) {
		fprintf(stderr, "  %s\n", err);
		return false;
	}
	v->mem = aligned_alloc(PG, MEM_PAGES * PG);
	memset(v->mem, 0, MEM_PAGES * PG);
	EXPECT_EQ(v->d->ops->dma_map(v->d, IOVA, MEM_PAGES * PG, v->mem, true), 0);
	for (int i = 0; i < 2; i++)
		v->fds[i] = eventfd(0, EFD_NONBLOCK);
	EXPECT_EQ(v->d->ops->set_msix(v->d, 0, 2, v->fds), 0);
	/* 4.1.2: vendor 0x1af4, device 0x1040 + 2 */
	EXPECT_EQ(cfg_read(v, PCI_VENDOR_ID, 2), 0x1af4);
	EXPECT_EQ(cfg_read(v, PCI_DEVICE_ID, 2), 0x1042);
	EXPECT(cfg_read(v, PCI_REVISION_ID, 1) >= 1);
	/* 4.1.4: walk the capabilities */
	for (unsigned p = cfg_read(v, PCI_CAP_PTR, 1), n = 0; p && n < 48; p = cfg_read(v, p + 1, 1), n++) {
		unsigned type = cfg_read(v, p + 3, 1), len = cfg_read(v, p + 2, 1);
		uint32_t off = cfg_read(v, p + 8, 4);

		if (cfg_read(v, p, 1) != 0x09)
			continue;
		EXPECT_EQ(cfg_read(v, p + 4, 1), 0);	/* all in BAR 0 */
		if (type == 1)
			v->common = off;
		else if (type == 2 && len >= 20) {
			v->notify = off;
			v->mult = cfg_read(v, p + 16, 4);
		} else if (type == 3)
			v->isr = off;
		else if (type == 4)
			v->devcfg = off;
	}
	EXPECT(v->notify && v->isr && v->devcfg);
	/* memory space and bus master on */
	uint8_t cmd[2] = { PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 0 };
	EXPECT_EQ(v->d->ops->region_write(v->d, ZV_REGION_CONFIG, PCI_COMMAND, cmd, 2), 0);
	/* 3.1.1: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK */
	bar_write(v, v->common + 0x14, 0, 1);
	bar_write(v, v->common + 0x14, ST_ACK | ST_DRIVER, 1);
	bar_write(v, v->common + 0x00, 0, 4);
	f = bar_read(v, v->common + 0x04, 4);
	bar_write(v, v->common + 0x00, 1, 4);
	f |= bar_read(v, v->common + 0x04, 4) << 32;
	EXPECT(f >> 32 & 1);		/* VERSION_1 */
	EXPECT(f >> 33 & 1);		/* ACCESS_PLATFORM */
	f &= 1ULL << 32 | 1ULL << 33 | 1ULL << 9 | 1ULL << 13 | (indirect ? 1ULL << 28 : 0);
	bar_write(v, v->common + 0x08, 0, 4);
	bar_write(v, v->common + 0x0c, (uint32_t)f, 4);
	bar_write(v, v->common + 0x08, 1, 4);
	bar_write(v, v->common + 0x0c, f >> 32, 4);
	bar_write(v, v->common + 0x14, ST_ACK | ST_DRIVER | ST_FEATURES_OK, 1);
	EXPECT(bar_read(v, v->common + 0x14, 1) & ST_FEATURES_OK);
	/* the queue: 64 entries, MSI-X vector 1, config vector 0 */
	bar_write(v, v->common + 0x10, 0, 2);
	bar_write(v, v->common + 0x16, 0, 2);
	EXPECT_EQ(bar_read(v, v->common + 0x18, 2), 256);
	v->qsize = 64;
	bar_write(v, v->common + 0x18, v->qsize, 2);
	bar_write(v, v->common + 0x1a, 1, 2);
	EXPECT_EQ(bar_read(v, v->common + 0x1a, 2), 1);
	v->desc = IOVA;				/* page 0 */
	v->avail = IOVA + PG;			/* page 1 */
	v->used = IOVA + 2 * PG;		/* page 2 */
	bar_write(v, v->common + 0x20, v->desc, 8);
	bar_write(v, v->common + 0x28, v->avail, 8);
	bar_write(v, v->common + 0x30, v->used, 8);
	bar_write(v, v->common + 0x1c, 1, 2);
	bar_write(v, v->common + 0x14, ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK, 1);
	return true;
}

static void drv_close(struct drv *v)
{
	if (v->d)
		zv_device_close(v->d);
	for (int i = 0; i < 2; i++)
		if (v->fds[i] > 0)
			close(v->fds[i]);
	free(v->mem);
	unlink(v->path);
}

static void set_desc(struct drv *v, uint64_t table, unsigned i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	uint8_t *d = at(v, table) + 16 * i;

	le64_put(d, addr);
	le32_put(d + 8, len);
	le16_put(d + 12, flags);
	le16_put(d + 14, next);
}

/* Make head available and notify. */
static void kick(struct drv *v, uint16_t head)
{
	uint8_t *a = at(v, v->avail);

	le16_put(a + 4 + 2 * (v->avail_idx % v->qsize), head);
	v->avail_idx++;
	le16_put(a + 2, v->avail_idx);
	bar_write(v, v->notify, 0, 2);
}

static uint16_t used_idx(struct drv *v)
{
	return le16_get(at(v, v->used) + 2);
}

static uint64_t take_irq(int fd)
{
	uint64_t n = 0;

	if (read(fd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

/* Pages of memory: 3 and on for headers, 8 and on for data. */
#define HDR(v)  (at(v, IOVA + 3 * PG))
#define DATA(v) (at(v, IOVA + 8 * PG))

/* A request as Linux builds it: header, data (len bytes at DATA), status. */
static uint8_t rw(struct drv *v, uint32_t type, uint64_t sector, uint32_t len, bool indirect)
{
	uint8_t *h = HDR(v), *st = HDR(v) + 64;
	uint16_t dflags = type == 0 || type == 8 ? F_WRITE : 0;
	uint64_t table = IOVA + 4 * PG;
	uint16_t before = used_idx(v);

	le32_put(h, type);
	le32_put(h + 4, 0);
	le64_put(h + 8, sector);
	*st = 0xee;
	if (indirect) {
		set_desc(v, table, 0, iova_of(v, h), 16, F_NEXT, 1);
		set_desc(v, table, 1, iova_of(v, DATA(v)), len, dflags | F_NEXT, 2);
		set_desc(v, table, 2, iova_of(v, st), 1, F_WRITE, 0);
		set_desc(v, v->desc, 0, table, 48, F_INDIRECT, 0);
	} else if (len) {
		set_desc(v, v->desc, 0, iova_of(v, h), 16, F_NEXT, 1);
		set_desc(v, v->desc, 1, iova_of(v, DATA(v)), len, dflags | F_NEXT, 2);
		set_desc(v, v->desc, 2, iova_of(v, st), 1, F_WRITE, 0);
	} else {
		set_desc(v, v->desc, 0, iova_of(v, h), 16, F_NEXT, 1);
		set_desc(v, v->desc, 1, iova_of(v, st), 1, F_WRITE, 0);
	}
	kick(v, 0);
	EXPECT_EQ((uint16_t)(used_idx(v) - before), 1);
	return *st;
}

static bool disk_holds(const char *path, uint64_t off, const uint8_t *want, size_t n)
{
	uint8_t *b = malloc(n);
	int fd = open(path, O_RDONLY);
	bool same = fd >= 0 && b && pread(fd, b, n, (off_t)off) == (ssize_t)n && !memcmp(b, want, n);

	if (fd >= 0)
		close(fd);
	free(b);
	return same;
}

TEST(stock_driver_sequence_reads_writes_flushes)
{
	struct drv v;
	uint8_t want[8 * PG];

	if (!drv_open(&v, "", true))
		return;
	/* the device configuration: capacity in sectors, the limits */
	EXPECT_EQ(bar_read(&v, v.devcfg + 0, 8), DISK / 512);
	EXPECT_EQ(bar_read(&v, v.devcfg + 12, 4), 254);		/* seg_max */
	EXPECT_EQ(bar_read(&v, v.devcfg + 20, 4), 512);		/* blk_size */
	/* read 8 pages at sector 16 */
	EXPECT_EQ(rw(&v, 0, 16, 8 * PG, false), 0);
	for (uint32_t i = 0; i < 8 * PG; i++)
		want[i] = (uint8_t)((16 * 512 + i) * 7 + ((16 * 512 + i) >> 9));
	EXPECT(!memcmp(DATA(&v), want, sizeof(want)));
	/* the used entry: head 0, data + status written */
	EXPECT_EQ(le32_get(at(&v, v.used) + 4), 0);
	EXPECT_EQ(le32_get(at(&v, v.used) + 8), 8 * PG + 1);
	EXPECT_EQ(take_irq(v.fds[1]), 1);	/* the queue's vector */
	EXPECT_EQ(bar_read(&v, v.isr, 1), 1);	/* and ISR bit 0, cleared by reading */
	EXPECT_EQ(bar_read(&v, v.isr, 1), 0);
	/* write 2 pages at sector 100 through an indirect table */
	for (uint32_t i = 0; i < 2 * PG; i++)
		DATA(&v)[i] = (uint8_t)(i ^ 0x5a);
	EXPECT_EQ(rw(&v, 1, 100, 2 * PG, true), 0);
	EXPECT(disk_holds(v.path, 100 * 512, DATA(&v), 2 * PG));
	/* flush, get id (the file's name, at most 20 bytes) */
	EXPECT_EQ(rw(&v, 4, 0, 0, false), 0);
	memset(DATA(&v), 0, 32);
	EXPECT_EQ(rw(&v, 0x8, 0, 20, false), 0);
	EXPECT(!strncmp((char *)DATA(&v), strrchr(v.path, '/') + 1, 20));
	/* an unknown type: UNSUPP; past the end and unaligned: IOERR */
	EXPECT_EQ(rw(&v, 77, 0, 0, false), 2);
	EXPECT_EQ(rw(&v, 0, DISK / 512 - 1, 2 * 512, false), 1);
	EXPECT_EQ(rw(&v, 1, 0, 100, false), 1);
	EXPECT_EQ(rw(&v, 0, UINT64_MAX / 2, 512, false), 1);
	/* the interrupt is suppressed when the driver says so */
	take_irq(v.fds[1]);
	le16_put(at(&v, v.avail), 1);		/* VIRTQ_AVAIL_F_NO_INTERRUPT */
	EXPECT_EQ(rw(&v, 4, 0, 0, false), 0);
	EXPECT_EQ(take_irq(v.fds[1]), 0);
	/* the status after all of it: no NEEDS_RESET */
	EXPECT_EQ(bar_read(&v, v.common + 0x14, 1), ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
	drv_close(&v);
}

TEST(discard_punches_and_read_only_refuses_writes)
{
	struct drv v;
	uint8_t zero[PG] = { 0 };

	if (!drv_open(&v, "", false))
		return;
	/* one discard segment: 8 sectors at sector 8 */
	uint8_t *h = HDR(&v), *seg = HDR(&v) + 128, *st = HDR(&v) + 64;

	le32_put(h, 11);
	le64_put(h + 8, 0);
	le64_put(seg, 8);
	le32_put(seg + 8, 8);
	le32_put(seg + 12, 0);
	set_desc(&v, v.desc, 0, iova_of(&v, h), 16, F_NEXT, 1);
	set_desc(&v, v.desc, 1, iova_of(&v, seg), 16, F_NEXT, 2);
	set_desc(&v, v.desc, 2, iova_of(&v, st), 1, F_WRITE, 0);
	kick(&v, 0);
	EXPECT_EQ(*st, 0);
	EXPECT(disk_holds(v.path, 8 * 512, zero, 8 * 512));
	drv_close(&v);

	if (!drv_open(&v, ",ro=1", false))
		return;
	memset(DATA(&v), 0xab, PG);
	EXPECT_EQ(rw(&v, 1, 0, PG, false), 1);		/* IOERR */
	EXPECT(!disk_holds(v.path, 0, DATA(&v), PG));
	EXPECT_EQ(rw(&v, 0, 0, PG, false), 0);		/* reads still work */
	drv_close(&v);
}

/* A broken chain: NEEDS_RESET, a configuration interrupt, no completion,
 * and nothing processed after it until a reset. */
static void expect_broken(struct drv *v)
{
	uint16_t before = used_idx(v);

	take_irq(v->fds[0]);
	kick(v, 0);
	EXPECT_EQ(used_idx(v), before);
	EXPECT(bar_read(v, v->common + 0x14, 1) & ST_NEEDS_RESET);
	EXPECT_EQ(take_irq(v->fds[0]), 1);
}

TEST(broken_chains_need_a_reset)
{
	struct drv v;
	uint8_t *h, *st;

	for (int c = 0; c < 7; c++) {
		if (!drv_open(&v, "", true))
			return;
		h = HDR(&v);
		st = HDR(&v) + 64;
		le32_put(h, 0);
		switch (c) {
		case 0:	/* a loop: 0 -> 1 -> 0 */
			set_desc(&v, v.desc, 0, iova_of(&v, h), 16, F_NEXT, 1);
			set_desc(&v, v.desc, 1, iova_of(&v, st), 1, F_NEXT, 0);
			break;
		case 1:	/* next outside the table */
			set_desc(&v, v.desc, 0, iova_of(&v, h), 16, F_NEXT, 64);
			break;
		case 2:	/* an indirect table inside an indirect table */
			set_desc(&v, IOVA + 4 * PG, 0, IOVA + 5 * PG, 16, F_INDIRECT, 0);
			set_desc(&v, v.desc, 0, IOVA + 4 * PG, 16, F_INDIRECT, 0);
			break;
		case 3:	/* readable after writable */
			set_desc(&v, v.desc, 0, iova_of(&v, st), 1, F_WRITE | F_NEXT, 1);
			set_desc(&v, v.desc, 1, iova_of(&v, h), 16, 0, 0);
			break;
		case 4:	/* no status byte */
			set_desc(&v, v.desc, 0, iova_of(&v, h), 16, 0, 0);
			break;
		case 5:	/* an indirect table of 15 bytes */
			set_desc(&v, v.desc, 0, IOVA + 4 * PG, 15, F_INDIRECT, 0);
			break;
		case 6:	/* more made available than the queue holds */
			le16_put(at(&v, v.avail) + 2, 65);
			bar_write(&v, v.notify, 0, 2);
			EXPECT(bar_read(&v, v.common + 0x14, 1) & ST_NEEDS_RESET);
			drv_close(&v);
			continue;
		}
		expect_broken(&v);
		/* a reset and the setup again: working */
		drv_close(&v);
	}
	/* after NEEDS_RESET, a reset brings the device back */
	if (!drv_open(&v, "", false))
		return;
	set_desc(&v, v.desc, 0, IOVA, 16, F_NEXT, 0);	/* loop on itself */
	expect_broken(&v);
	bar_write(&v, v.common + 0x14, 0, 1);
	EXPECT_EQ(bar_read(&v, v.common + 0x14, 1), 0);
	drv_close(&v);
}

TEST(unmapped_addresses_are_iommu_faults)
{
	struct drv v;
	struct dev_fault f;
	uint8_t *h, *st;

	if (!drv_open(&v, "", false))
		return;
	h = HDR(&v);
	st = HDR(&v) + 64;
	/* data outside every mapping: the device reports the IOVA and stops */
	le32_put(h, 1);
	le64_put(h + 8, 0);
	set_desc(&v, v.desc, 0, iova_of(&v, h), 16, F_NEXT, 1);
	set_desc(&v, v.desc, 1, 0x7000000000ULL, PG, F_NEXT, 2);
	set_desc(&v, v.desc, 2, iova_of(&v, st), 1, F_WRITE, 0);
	kick(&v, 0);
	EXPECT_EQ(used_idx(&v), 0);
	EXPECT_EQ(v.d->ops->take_fault(v.d, &f), 1);
	EXPECT_EQ(f.iova, 0x7000000000ULL);
	EXPECT_EQ(f.write, false);
	EXPECT(disk_holds(v.path, 0, (const uint8_t[]){ 0, 7, 14, 21 }, 4));	/* unchanged */
	/* a reset (the engine's recovery) and a ring outside the mappings */
	EXPECT_EQ(v.d->ops->reset(v.d), 0);
	drv_close(&v);
	if (!drv_open(&v, "", false))
		return;
	bar_write(&v, v.common + 0x14, 0, 1);
	bar_write(&v, v.common + 0x14, ST_ACK | ST_DRIVER, 1);
	bar_write(&v, v.common + 0x08, 1, 4);
	bar_write(&v, v.common + 0x0c, 1, 4);		/* VERSION_1 */
	bar_write(&v, v.common + 0x14, ST_ACK | ST_DRIVER | ST_FEATURES_OK, 1);
	bar_write(&v, v.common + 0x20, 0x9000000000ULL, 8);
	bar_write(&v, v.common + 0x28, 0x9000001000ULL, 8);
	bar_write(&v, v.common + 0x30, 0x9000002000ULL, 8);
	bar_write(&v, v.common + 0x1c, 1, 2);
	bar_write(&v, v.common + 0x14, ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK, 1);
	bar_write(&v, v.notify, 0, 2);
	EXPECT_EQ(v.d->ops->take_fault(v.d, &f), 1);
	EXPECT_EQ(f.iova, 0x9000001002ULL);		/* the avail ring's index */
	drv_close(&v);
}

TEST(features_outside_the_offer_do_not_stick)
{
	struct drv v;

	if (!drv_open(&v, "", false))
		return;
	bar_write(&v, v.common + 0x14, 0, 1);
	bar_write(&v, v.common + 0x14, ST_ACK | ST_DRIVER, 1);
	/* no VERSION_1: a legacy driver, which this device does not serve */
	bar_write(&v, v.common + 0x08, 0, 4);
	bar_write(&v, v.common + 0x0c, 1u << 9, 4);
	bar_write(&v, v.common + 0x14, ST_ACK | ST_DRIVER | ST_FEATURES_OK, 1);
	EXPECT(!(bar_read(&v, v.common + 0x14, 1) & ST_FEATURES_OK));
	/* a bit never offered (EVENT_IDX) */
	bar_write(&v, v.common + 0x14, 0, 1);
	bar_write(&v, v.common + 0x14, ST_ACK | ST_DRIVER, 1);
	bar_write(&v, v.common + 0x0c, 1u << 29, 4);
	bar_write(&v, v.common + 0x08, 1, 4);
	bar_write(&v, v.common + 0x0c, 1, 4);
	bar_write(&v, v.common + 0x14, ST_ACK | ST_DRIVER | ST_FEATURES_OK, 1);
	EXPECT(!(bar_read(&v, v.common + 0x14, 1) & ST_FEATURES_OK));
	/* MSI-X vectors beyond the table read back as NO_VECTOR */
	bar_write(&v, v.common + 0x10, 5, 2);
	EXPECT_EQ(bar_read(&v, v.common + 0x10, 2), 0xffff);
	drv_close(&v);
}

TEST(bad_specifications_are_refused)
{
	char err[256];
	struct zv_device *d;

	errno = 0;
	d = zv_device_open("emu:virtio-blk", err, sizeof(err));
	EXPECT(d == NULL && errno == EINVAL && strstr(err, "file=PATH"));
	d = zv_device_open("emu:virtio-blk,file=/nonexistent/disk", err, sizeof(err));
	EXPECT(d == NULL && errno == ENOENT && strstr(err, "/nonexistent/disk"));
	d = zv_device_open("emu:virtio-blk,file=/tmp", err, sizeof(err));
	EXPECT(d == NULL && strstr(err, "/tmp: Is a directory"));
	d = zv_device_open("emu:virtio-blk,file=/dev/null", err, sizeof(err));
	EXPECT(d == NULL && strstr(err, "not a regular file"));
	d = zv_device_open("emu:virtio-blk,file=", err, sizeof(err));
	EXPECT(d == NULL && strstr(err, "empty value"));
	d = zv_device_open("emu:virtio-blk,file=/tmp/x,ro=2", err, sizeof(err));
	EXPECT(d == NULL && strstr(err, "ro"));
}
