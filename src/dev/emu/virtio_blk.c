/* SPDX-License-Identifier: MIT */
/*
 * emu:virtio-blk: a block device Linux's stock virtio_pci and virtio_blk
 * drivers bind, behind the same ops table as a VFIO device. Modern virtio
 * over PCI only (VIRTIO 1.2, 4.1): the common, notification, ISR and
 * device-specific structures in BAR 0, found through vendor capabilities,
 * MSI-X for configuration changes and the one request queue, and
 * VIRTIO_F_ACCESS_PLATFORM, so the driver maps its buffers through the
 * platform's IOMMU -- on s390 the zPCI DMA tables the guest refreshes with
 * RPCIT. The device reaches guest memory only through its IOMMU
 * (iommu.c): an unmapped address is an IOMMU fault (the engine turns it
 * into an error event), a chain built against the rules puts the device
 * into DEVICE_NEEDS_RESET (VIRTIO 1.2, 2.1.2) with a configuration
 * interrupt. Requests run to completion inside the notification's register
 * write, as emu:dma's commands do: one preadv/pwritev of the host file per
 * request (per 1,024 host runs), straight from and to guest memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "arch/be.h"
#include "arch/pci.h"
#include "dev/dev.h"
#include "dev/spec.h"
#include "emu_base.h"
#include "virtio.h"
#include "virtio_blk.h"
#include "virtq.h"

#define SECTOR		512u
#define IOV_BATCH	1024	/* IOV_MAX on Linux */
#define MAX_DISCARD	(1u << 22)	/* sectors per discard segment: 2 GiB */

struct vblk {
	struct emu_base b;
	uint8_t cfg[PCI_CFG_SPACE_EXP_SIZE];
	uint32_t bar_mask[6];
	uint8_t msix_bar[VBLK_BAR2_SIZE];
	uint8_t devcfg[VBLK_DEVCFG_LEN];

	int fd;
	bool ro;
	uint64_t sectors;
	char serial[VIRTIO_BLK_ID_BYTES + 1];
	uint64_t features;		/* offered */

	/* the virtio state a reset clears */
	uint32_t dfselect, gfselect;
	uint64_t driver_features;
	uint16_t config_msix, qsel;
	uint8_t status, isr;
	struct virtq q;

	struct virtq_chain chain;
	struct iovec iov[IOV_BATCH];
};

static struct vblk *to_vblk(struct zv_device *d)
{
	return (struct vblk *)d;
}

static void vcap(uint8_t *c, unsigned at, unsigned next, unsigned len, uint8_t type, uint8_t bar,
		 uint32_t off, uint32_t length)
{
	c[at] = PCI_CAP_ID_VNDR;
	c[at + 1] = (uint8_t)next;
	c[at + 2] = (uint8_t)len;
	c[at + VIRTIO_CAP_CFG_TYPE] = type;
	c[at + VIRTIO_CAP_BAR] = bar;
	le32_put(c + at + VIRTIO_CAP_OFFSET, off);
	le32_put(c + at + VIRTIO_CAP_LENGTH, length);
}

static void build_config(struct vblk *v)
{
	uint8_t *c = v->cfg, *m = c + VBLK_CAP_MSIX;

	memset(c, 0, sizeof(v->cfg));
	le16_put(c + PCI_VENDOR_ID, VIRTIO_PCI_VENDOR);
	le16_put(c + PCI_DEVICE_ID, VIRTIO_PCI_DEVICE_BASE + VIRTIO_ID_BLOCK);
	le16_put(c + PCI_STATUS, PCI_STATUS_CAP_LIST);
	c[PCI_REVISION_ID] = 1;			/* 4.1.2.1: modern devices 1 or more */
	c[PCI_CLASS_PROG + 2] = 0x01;		/* mass storage, SCSI (QEMU's) */
	le16_put(c + PCI_SUBSYS_VENDOR, VIRTIO_PCI_VENDOR);
	le16_put(c + PCI_SUBSYS_ID, 0x1100);
	c[PCI_CAP_PTR] = VBLK_CAP_MSIX;
	v->bar_mask[0] = ~(uint32_t)(VBLK_BAR0_SIZE - 1);
	v->bar_mask[VBLK_MSIX_BAR] = ~(uint32_t)(VBLK_BAR2_SIZE - 1);
	m[0] = PCI_CAP_ID_MSIX;
	m[1] = VBLK_CAP_COMMON;
	le16_put(m + PCI_MSIX_FLAGS, VBLK_VECTORS - 1);
	le32_put(m + PCI_MSIX_TABLE, VBLK_MSIX_TABLE | VBLK_MSIX_BAR);
	le32_put(m + PCI_MSIX_PBA, VBLK_MSIX_PBA | VBLK_MSIX_BAR);
	vcap(c, VBLK_CAP_COMMON, VBLK_CAP_NOTIFY, VIRTIO_CAP_SIZE, VIRTIO_PCI_CAP_COMMON, 0,
	     VBLK_COMMON_OFF, VBLK_COMMON_LEN);
	vcap(c, VBLK_CAP_NOTIFY, VBLK_CAP_ISR, VIRTIO_CAP_EXT_SIZE, VIRTIO_PCI_CAP_NOTIFY, 0,
	     VBLK_NOTIFY_OFF, VBLK_NOTIFY_LEN);
	le32_put(c + VBLK_CAP_NOTIFY + VIRTIO_CAP_MULT, VBLK_NOTIFY_MULT);
	vcap(c, VBLK_CAP_ISR, VBLK_CAP_DEVICE, VIRTIO_CAP_SIZE, VIRTIO_PCI_CAP_ISR, 0, VBLK_ISR_OFF,
	     VBLK_ISR_LEN);
	vcap(c, VBLK_CAP_DEVICE, VBLK_CAP_PCI_CFG, VIRTIO_CAP_SIZE, VIRTIO_PCI_CAP_DEVICE, 0,
	     VBLK_DEVCFG_OFF, VBLK_DEVCFG_LEN);
	/* 4.1.4.9: the window into the BARs through configuration space */
	vcap(c, VBLK_CAP_PCI_CFG, 0, VIRTIO_CAP_EXT_SIZE, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, 0);
}

static void virtio_reset(struct vblk *v)
{
	v->dfselect = v->gfselect = 0;
	v->driver_features = 0;
	v->config_msix = VIRTIO_MSI_NO_VECTOR;
	v->qsel = 0;
	v->status = v->isr = 0;
	v->q = (struct virtq){ .size = VBLK_QUEUE_SIZE, .msix = VIRTIO_MSI_NO_VECTOR };
}

static int vblk_region_info(struct zv_device *d, unsigned idx, struct dev_region_info *ri)
{
	(void)d;
	ri->flags = DEV_REGION_READ | DEV_REGION_WRITE;
	switch (idx) {
	case 0: ri->size = VBLK_BAR0_SIZE; break;
	case VBLK_MSIX_BAR: ri->size = VBLK_BAR2_SIZE; break;
	case ZV_REGION_CONFIG: ri->size = PCI_CFG_SPACE_EXP_SIZE; break;
	default: ri->size = 0; ri->flags = 0; break;
	}
	return 0;
}

static void raise_vector(struct vblk *v, uint16_t vec)
{
	emu_raise(&v->b, vec, 1);
}

/* An IOMMU fault: the device stops, the engine hears of it. */
static void dma_fault(struct vblk *v, const struct dev_fault *f)
{
	emu_report_fault(&v->b, f);
}

/* The driver broke the rules: VIRTIO 1.2, 2.1.2 -- DEVICE_NEEDS_RESET and
 * a configuration change interrupt; nothing more is processed until the
 * driver resets the device. */
static void needs_reset(struct vblk *v)
{
	if (v->status & VIRTIO_ST_NEEDS_RESET)
		return;
	v->status |= VIRTIO_ST_NEEDS_RESET;
	v->isr |= 2;
	if (v->status & VIRTIO_ST_DRIVER_OK)
		raise_vector(v, v->config_msix);
}

/* ---- requests ---- */

enum xfer_res { XF_OK, XF_FAULT, XF_IOERR };

/* Move n bytes between the file at file_off and the chain's readable
 * (!to_guest) or writable (to_guest) buffers from byte off on: host runs
 * of the IOMMU gathered into preadv/pwritev calls. */
static enum xfer_res xfer(struct vblk *v, const struct virtq_chain *c, bool to_guest, uint64_t off,
			  uint64_t n, uint64_t file_off)
{
	unsigned niov = 0;
	uint64_t batch = 0;

	for (unsigned i = 0; i < c->n && n; i++) {
		const struct virtq_buf *b = &c->buf[i];
		uint64_t iova, left;

		if (b->write != to_guest)
			continue;
		if (off >= b->len) {
			off -= b->len;
			continue;
		}
		iova = b->iova + off;
		left = b->len - off < n ? b->len - off : n;
		off = 0;
		while (left) {
			uint64_t run;
			bool prot;
			uint8_t *p = emu_iommu_translate(&v->b.iommu, iova, left, to_guest, &run, &prot);

			if (!p) {
				struct dev_fault f = { .iova = iova, .write = to_guest, .prot = prot };

				dma_fault(v, &f);
				return XF_FAULT;
			}
			v->iov[niov++] = (struct iovec){ .iov_base = p, .iov_len = (size_t)run };
			batch += run;
			iova += run;
			left -= run;
			n -= run;
			if (niov == IOV_BATCH || !n) {
				ssize_t r = to_guest ? preadv(v->fd, v->iov, (int)niov, (off_t)file_off)
						     : pwritev(v->fd, v->iov, (int)niov, (off_t)file_off);

				if (r < 0 || (uint64_t)r != batch)
					return XF_IOERR;
				if (to_guest)
					v->b.wbytes += batch;
				else
					v->b.rbytes += batch;
				file_off += batch;
				batch = 0;
				niov = 0;
			}
		}
	}
	return n ? XF_IOERR : XF_OK;
}

/* Copy n bytes of the chain's readable or writable stream from byte off. */
static int stream_copy(struct vblk *v, const struct virtq_chain *c, bool writable, uint64_t off,
		       uint8_t *buf, uint64_t n)
{
	struct dev_fault f;

	for (unsigned i = 0; i < c->n && n; i++) {
		const struct virtq_buf *b = &c->buf[i];
		uint64_t k;

		if (b->write != writable)
			continue;
		if (off >= b->len) {
			off -= b->len;
			continue;
		}
		k = b->len - off < n ? b->len - off : n;
		if (writable ? virtq_dma_write(&v->b.iommu, b->iova + off, buf, k, &f)
			     : virtq_dma_read(&v->b.iommu, b->iova + off, buf, k, &f)) {
			dma_fault(v, &f);
			return -1;
		}
		buf += k;
		n -= k;
		off = 0;
	}
	return 0;
}

static bool in_disk(struct vblk *v, uint64_t sector, uint64_t bytes)
{
	return sector <= v->sectors && bytes / SECTOR <= v->sectors - sector && !(bytes % SECTOR);
}

static uint8_t discard(struct vblk *v, const struct virtq_chain *c)
{
	uint64_t segs = (c->rlen - VIRTIO_BLK_HDR_SIZE) / VIRTIO_BLK_DISCARD_SEG_SIZE;

	if (!segs || segs > 1 || (c->rlen - VIRTIO_BLK_HDR_SIZE) % VIRTIO_BLK_DISCARD_SEG_SIZE)
		return VIRTIO_BLK_S_UNSUPP;
	for (uint64_t i = 0; i < segs; i++) {
		uint8_t s[VIRTIO_BLK_DISCARD_SEG_SIZE];
		uint64_t sector;
		uint32_t num;

		if (stream_copy(v, c, false, VIRTIO_BLK_HDR_SIZE + i * sizeof(s), s, sizeof(s)))
			return 0xff;
		sector = le64_get(s);
		num = le32_get(s + 8);
		if (le32_get(s + 12) || num > MAX_DISCARD)	/* no flags for a discard */
			return VIRTIO_BLK_S_UNSUPP;
		if (!in_disk(v, sector, (uint64_t)num * SECTOR))
			return VIRTIO_BLK_S_IOERR;
		/* a hole reads as zeros; a file system that cannot punch
		 * keeps the data, which a discard allows */
		if (num && fallocate(v->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				     (off_t)(sector * SECTOR), (off_t)num * SECTOR) &&
		    errno != EOPNOTSUPP)
			return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

/* One request: its status written and the chain returned, or false after
 * a fault or a broken chain (then the queue stops). */
static bool request(struct vblk *v, const struct virtq_chain *c)
{
	uint8_t hdr[VIRTIO_BLK_HDR_SIZE], st = VIRTIO_BLK_S_OK;
	uint64_t sector, data = 0;
	uint32_t written = 0;
	enum xfer_res x;
	struct dev_fault f;

	/* 5.2.6: a header the device reads, a status byte it writes */
	if (c->rlen < VIRTIO_BLK_HDR_SIZE || !c->wlen) {
		needs_reset(v);
		return false;
	}
	if (stream_copy(v, c, false, 0, hdr, sizeof(hdr)))
		return false;
	sector = le64_get(hdr + 8);
	switch (le32_get(hdr)) {
	case VIRTIO_BLK_T_IN:
		data = c->wlen - 1;
		if (!in_disk(v, sector, data)) {
			st = VIRTIO_BLK_S_IOERR;
			break;
		}
		x = xfer(v, c, true, 0, data, sector * SECTOR);
		if (x == XF_FAULT)
			return false;
		st = x == XF_OK ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
		written = (uint32_t)data;
		break;
	case VIRTIO_BLK_T_OUT:
		data = c->rlen - VIRTIO_BLK_HDR_SIZE;
		if (v->ro || !in_disk(v, sector, data)) {
			st = VIRTIO_BLK_S_IOERR;
			break;
		}
		x = xfer(v, c, false, VIRTIO_BLK_HDR_SIZE, data, sector * SECTOR);
		if (x == XF_FAULT)
			return false;
		st = x == XF_OK ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
		break;
	case VIRTIO_BLK_T_FLUSH:
		st = !(v->driver_features >> VIRTIO_BLK_F_FLUSH & 1) ? VIRTIO_BLK_S_UNSUPP :
		     fdatasync(v->fd) ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_GET_ID: {
		uint64_t n = c->wlen - 1 < VIRTIO_BLK_ID_BYTES ? c->wlen - 1 : VIRTIO_BLK_ID_BYTES;
		uint8_t id[VIRTIO_BLK_ID_BYTES] = { 0 };

		memcpy(id, v->serial, strlen(v->serial));
		if (stream_copy(v, c, true, 0, id, n))
			return false;
		written = (uint32_t)n;
		break;
	}
	case VIRTIO_BLK_T_DISCARD:
		st = v->ro || !(v->driver_features >> VIRTIO_BLK_F_DISCARD & 1) ? VIRTIO_BLK_S_UNSUPP :
		     discard(v, c);
		if (st == 0xff)
			return false;
		break;
	default:
		st = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	/* the status: the last byte the device may write */
	if (stream_copy(v, c, true, c->wlen - 1, &st, 1))
		return false;
	if (virtq_push(&v->b.iommu, &v->q, c->head, written + 1, &f)) {
		dma_fault(v, &f);
		return false;
	}
	return true;
}

static void process(struct vblk *v)
{
	unsigned done = 0;

	if ((v->status & (VIRTIO_ST_DRIVER_OK | VIRTIO_ST_NEEDS_RESET)) != VIRTIO_ST_DRIVER_OK ||
	    !(le16_get(v->cfg + PCI_COMMAND) & PCI_COMMAND_MASTER) || v->b.dma_blocked ||
	    v->b.fault_pending)
		return;
	for (;;) {
		struct dev_fault f;
		const char *why = NULL;
		enum virtq_res r = virtq_pop(&v->b.iommu, &v->q, &v->chain, &f, &why);

		if (r == VQ_EMPTY)
			break;
		if (r == VQ_FAULT) {
			dma_fault(v, &f);
			break;
		}
		if (r == VQ_BROKEN) {
			needs_reset(v);
			break;
		}
		if (!request(v, &v->chain))
			break;
		done++;
	}
	if (done && virtq_notify_wanted(&v->b.iommu, &v->q)) {
		v->isr |= 1;
		raise_vector(v, v->q.msix);
	}
}

/* ---- the common configuration ---- */

static void common_snapshot(struct vblk *v, uint8_t *cc)
{
	bool q = v->qsel == 0;

	memset(cc, 0, VBLK_COMMON_LEN);
	le32_put(cc + VIRTIO_CC_DFSELECT, v->dfselect);
	le32_put(cc + VIRTIO_CC_DF, v->dfselect < 2 ? (uint32_t)(v->features >> (32 * v->dfselect)) : 0);
	le32_put(cc + VIRTIO_CC_GFSELECT, v->gfselect);
	le32_put(cc + VIRTIO_CC_GF,
		 v->gfselect < 2 ? (uint32_t)(v->driver_features >> (32 * v->gfselect)) : 0);
	le16_put(cc + VIRTIO_CC_MSIX, v->config_msix);
	le16_put(cc + VIRTIO_CC_NUMQ, 1);
	cc[VIRTIO_CC_STATUS] = v->status;
	le16_put(cc + VIRTIO_CC_Q_SELECT, v->qsel);
	le16_put(cc + VIRTIO_CC_Q_SIZE, q ? v->q.size : 0);
	le16_put(cc + VIRTIO_CC_Q_MSIX, q ? v->q.msix : VIRTIO_MSI_NO_VECTOR);
	le16_put(cc + VIRTIO_CC_Q_ENABLE, q && v->q.enabled);
	le64_put(cc + VIRTIO_CC_Q_DESC, q ? v->q.desc : 0);
	le64_put(cc + VIRTIO_CC_Q_AVAIL, q ? v->q.avail : 0);
	le64_put(cc + VIRTIO_CC_Q_USED, q ? v->q.used : 0);
}

static bool touches(uint64_t off, size_t len, unsigned field, unsigned size)
{
	return off < field + size && off + len > field;
}

static void set_status(struct vblk *v, uint8_t s)
{
	if (!s) {
		virtio_reset(v);
		return;
	}
	/* 2.2.2: FEATURES_OK only for features offered, and a modern
	 * driver (VERSION_1); otherwise it does not stick */
	if ((s & VIRTIO_ST_FEATURES_OK) && !(v->status & VIRTIO_ST_FEATURES_OK) &&
	    ((v->driver_features & ~v->features) ||
	     !(v->driver_features >> VIRTIO_F_VERSION_1 & 1)))
		s &= (uint8_t)~VIRTIO_ST_FEATURES_OK;
	/* NEEDS_RESET is the device's to set, and stays */
	v->status = (uint8_t)((s & ~VIRTIO_ST_NEEDS_RESET) | (v->status & VIRTIO_ST_NEEDS_RESET));
}

static uint16_t vector_or_none(uint16_t vec)
{
	return vec < VBLK_VECTORS ? vec : VIRTIO_MSI_NO_VECTOR;
}

static void common_write(struct vblk *v, uint64_t off, const uint8_t *buf, size_t len)
{
	uint8_t cc[VBLK_COMMON_LEN];
	bool q = v->qsel == 0, features_open = !(v->status & VIRTIO_ST_FEATURES_OK);

	common_snapshot(v, cc);
	memcpy(cc + off, buf, len);
	if (touches(off, len, VIRTIO_CC_DFSELECT, 4))
		v->dfselect = le32_get(cc + VIRTIO_CC_DFSELECT);
	if (touches(off, len, VIRTIO_CC_GFSELECT, 4))
		v->gfselect = le32_get(cc + VIRTIO_CC_GFSELECT);
	if (touches(off, len, VIRTIO_CC_GF, 4) && v->gfselect < 2 && features_open) {
		unsigned sh = 32 * v->gfselect;

		v->driver_features = (v->driver_features & ~(0xffffffffULL << sh)) |
				     (uint64_t)le32_get(cc + VIRTIO_CC_GF) << sh;
	}
	if (touches(off, len, VIRTIO_CC_MSIX, 2))
		v->config_msix = vector_or_none(le16_get(cc + VIRTIO_CC_MSIX));
	if (touches(off, len, VIRTIO_CC_Q_SELECT, 2))
		v->qsel = le16_get(cc + VIRTIO_CC_Q_SELECT);
	if (q && touches(off, len, VIRTIO_CC_Q_MSIX, 2))
		v->q.msix = vector_or_none(le16_get(cc + VIRTIO_CC_Q_MSIX));
	if (q && !v->q.enabled) {
		if (touches(off, len, VIRTIO_CC_Q_SIZE, 2)) {
			uint16_t n = le16_get(cc + VIRTIO_CC_Q_SIZE);

			/* 2.7: a split queue's size is a power of 2 */
			if (n && n <= VBLK_QUEUE_SIZE && !(n & (n - 1)))
				v->q.size = n;
		}
		if (touches(off, len, VIRTIO_CC_Q_DESC, 8))
			v->q.desc = le64_get(cc + VIRTIO_CC_Q_DESC);
		if (touches(off, len, VIRTIO_CC_Q_AVAIL, 8))
			v->q.avail = le64_get(cc + VIRTIO_CC_Q_AVAIL);
		if (touches(off, len, VIRTIO_CC_Q_USED, 8))
			v->q.used = le64_get(cc + VIRTIO_CC_Q_USED);
		/* 2.7: the three parts aligned to 16, 2 and 4 bytes */
		if (touches(off, len, VIRTIO_CC_Q_ENABLE, 2) && le16_get(cc + VIRTIO_CC_Q_ENABLE) == 1) {
			if ((v->q.desc & 15) || (v->q.avail & 1) || (v->q.used & 3)) {
				needs_reset(v);
			} else {
				v->q.enabled = true;
				v->q.last_avail = v->q.used_idx = 0;
			}
		}
	}
	if (touches(off, len, VIRTIO_CC_STATUS, 1))
		set_status(v, cc[VIRTIO_CC_STATUS]);
}

/* ---- regions ---- */

static int bar0_read(struct vblk *v, uint64_t off, uint8_t *buf, size_t len)
{
	uint8_t cc[VBLK_COMMON_LEN];

	memset(buf, 0, len);
	if (off + len <= VBLK_COMMON_OFF + VBLK_COMMON_LEN) {
		common_snapshot(v, cc);
		memcpy(buf, cc + off, len);
	} else if (off >= VBLK_ISR_OFF && off + len <= VBLK_ISR_OFF + VBLK_ISR_LEN) {
		if (off == VBLK_ISR_OFF) {	/* 4.1.4.5: reading clears it */
			buf[0] = v->isr;
			v->isr = 0;
		}
	} else if (off >= VBLK_DEVCFG_OFF && off + len <= VBLK_DEVCFG_OFF + VBLK_DEVCFG_LEN) {
		memcpy(buf, v->devcfg + off - VBLK_DEVCFG_OFF, len);
	}
	return 0;
}

static void bar0_write(struct vblk *v, uint64_t off, const uint8_t *buf, size_t len)
{
	if (!(le16_get(v->cfg + PCI_COMMAND) & PCI_COMMAND_MEMORY))
		return;		/* memory space off: the write goes nowhere */
	if (off + len <= VBLK_COMMON_OFF + VBLK_COMMON_LEN) {
		common_write(v, off, buf, len);
	} else if (off == VBLK_NOTIFY_OFF && len >= 2) {
		/* the queue's index (no notification data negotiated) */
		if (le16_get(buf) == 0)
			process(v);
	}
	/* the ISR status, the device configuration: read-only */
}

static int vblk_region_read(struct zv_device *d, unsigned idx, uint64_t off, void *buf, size_t len);
static int vblk_region_write(struct zv_device *d, unsigned idx, uint64_t off, const void *buf,
			     size_t len);

/* 4.1.4.9: the pci_cfg capability's window: bar, offset, length, data */
static void pci_cfg_access(struct vblk *v, bool write)
{
	uint8_t *cap = v->cfg + VBLK_CAP_PCI_CFG;
	uint32_t len = le32_get(cap + VIRTIO_CAP_LENGTH), off = le32_get(cap + VIRTIO_CAP_OFFSET);
	uint8_t bar = cap[VIRTIO_CAP_BAR];

	if ((len != 1 && len != 2 && len != 4) || off % len || (bar != 0 && bar != VBLK_MSIX_BAR))
		return;
	if (write)
		vblk_region_write(&v->b.dev, bar, off, cap + VIRTIO_CAP_DATA, len);
	else
		vblk_region_read(&v->b.dev, bar, off, cap + VIRTIO_CAP_DATA, len);
}

static void config_write(struct vblk *v, uint64_t off, const uint8_t *buf, size_t len)
{
	bool data = false;

	for (size_t i = 0; i < len; i++) {
		uint64_t o = off + i;

		if (o >= PCI_COMMAND && o < PCI_COMMAND + 2) {
			uint16_t mask = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
			uint8_t m = (uint8_t)(o == PCI_COMMAND ? mask : mask >> 8);

			v->cfg[o] = (uint8_t)((v->cfg[o] & ~m) | (buf[i] & m));
		} else if (o >= PCI_BAR0 && o < PCI_BAR0 + 24) {
			unsigned bar = (unsigned)(o - PCI_BAR0) / 4, byte = (unsigned)(o - PCI_BAR0) % 4;

			v->cfg[o] = buf[i] & (uint8_t)(v->bar_mask[bar] >> (8 * byte));
		} else if (o == VBLK_CAP_MSIX + PCI_MSIX_FLAGS + 1) {
			v->cfg[o] = (uint8_t)((v->cfg[o] & 0x3f) | (buf[i] & 0xc0));
		} else if (o == VBLK_CAP_PCI_CFG + VIRTIO_CAP_BAR ||
			   (o >= VBLK_CAP_PCI_CFG + VIRTIO_CAP_OFFSET &&
			    o < VBLK_CAP_PCI_CFG + VIRTIO_CAP_DATA + 4)) {
			v->cfg[o] = buf[i];
			data = data || o >= VBLK_CAP_PCI_CFG + VIRTIO_CAP_DATA;
		}
	}
	if (data)
		pci_cfg_access(v, true);
}

static int vblk_region_read(struct zv_device *d, unsigned idx, uint64_t off, void *buf, size_t len)
{
	struct vblk *v = to_vblk(d);

	if (emu_check_range(d, idx, off, len))
		return -1;
	if (idx == 0)
		return bar0_read(v, off, buf, len);
	if (idx == VBLK_MSIX_BAR) {
		memcpy(buf, v->msix_bar + off, len);
		return 0;
	}
	if (off < VBLK_CAP_PCI_CFG + VIRTIO_CAP_DATA + 4 && off + len > VBLK_CAP_PCI_CFG + VIRTIO_CAP_DATA)
		pci_cfg_access(v, false);
	memcpy(buf, v->cfg + off, len);
	return 0;
}

static int vblk_region_write(struct zv_device *d, unsigned idx, uint64_t off, const void *buf,
			     size_t len)
{
	struct vblk *v = to_vblk(d);

	if (emu_check_range(d, idx, off, len))
		return -1;
	if (idx == 0)
		bar0_write(v, off, buf, len);
	else if (idx == VBLK_MSIX_BAR)
		memcpy(v->msix_bar + off, buf, len);
	else
		config_write(v, off, buf, len);
	return 0;
}

/* ---- the rest of the ops ---- */

static int vblk_reset(struct zv_device *d)
{
	struct vblk *v = to_vblk(d);

	/* function-level reset: the virtio state, the configuration space,
	 * MSI-X; the IOMMU belongs to the host */
	virtio_reset(v);
	memset(v->msix_bar, 0, sizeof(v->msix_bar));
	build_config(v);
	v->b.fault_pending = false;
	return 0;
}

static void vblk_destroy(struct zv_device *d)
{
	struct vblk *v = to_vblk(d);

	emu_base_fini(&v->b);
	if (v->fd >= 0)
		close(v->fd);
	free(v);
}

static const struct dev_ops vblk_ops = {
	.kind = "emu:virtio-blk",
	.region_info = vblk_region_info,
	.region_read = vblk_region_read,
	.region_write = vblk_region_write,
	.set_msix = emu_op_set_msix,
	.dma_map = emu_op_dma_map,
	.dma_unmap = emu_op_dma_unmap,
	.dma_avail = emu_op_dma_avail,
	.reset = vblk_reset,
	.set_dma_blocked = emu_op_set_dma_blocked,
	.err_fd = emu_op_err_fd,
	.take_fault = emu_op_take_fault,
	.dma_counters = emu_op_dma_counters,
	.destroy = vblk_destroy,
};

struct zv_device *emu_virtio_blk_open(const char *opts, char *err, size_t errlen)
{
	char path[PATH_MAX > 240 ? 240 : PATH_MAX] = "";
	struct dev_opt o[] = {
		{ .key = "file", .str = path, .str_size = sizeof(path) },
		{ .key = "ro", .min = 0, .max = 1 },
		{ .key = "maps", .val = 65535, .min = 1, .max = UINT32_MAX },
	};
	struct vblk *v;
	struct stat st;
	const char *base;

	if (dev_parse_opts(opts, o, 3, err, errlen))
		return NULL;
	if (!o[0].set) {
		snprintf(err, errlen, "emu:virtio-blk needs file=PATH (the disk image)");
		errno = EINVAL;
		return NULL;
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		snprintf(err, errlen, "emu:virtio-blk: cannot allocate the device: %s", strerror(errno));
		return NULL;
	}
	v->fd = -1;
	if (emu_base_init(&v->b, &vblk_ops, "emu:virtio-blk", VBLK_VECTORS, o[2].val)) {
		int e = errno;

		snprintf(err, errlen, "emu:virtio-blk: cannot make the device: %s", strerror(e));
		vblk_destroy(&v->b.dev);
		errno = e;
		return NULL;
	}
	v->ro = o[1].set && o[1].val;
	v->fd = open(path, (v->ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (v->fd < 0 || fstat(v->fd, &st)) {
		int e = errno;

		snprintf(err, errlen, "emu:virtio-blk: %s: %s", path, strerror(e));
		vblk_destroy(&v->b.dev);
		errno = e;
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)SECTOR) {
		snprintf(err, errlen, "emu:virtio-blk: %s: %s", path,
			 S_ISREG(st.st_mode) ? "smaller than one 512-byte sector" : "not a regular file");
		vblk_destroy(&v->b.dev);
		errno = EINVAL;
		return NULL;
	}
	v->sectors = (uint64_t)st.st_size / SECTOR;
	/* the serial (GET_ID): the file's name, at most 20 bytes */
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	snprintf(v->serial, sizeof(v->serial), "%.20s", base);
	v->features = 1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_F_ACCESS_PLATFORM |
		      1ULL << VIRTIO_F_INDIRECT_DESC | 1ULL << VIRTIO_BLK_F_SEG_MAX |
		      1ULL << VIRTIO_BLK_F_BLK_SIZE | 1ULL << VIRTIO_BLK_F_FLUSH |
		      (v->ro ? 1ULL << VIRTIO_BLK_F_RO : 1ULL << VIRTIO_BLK_F_DISCARD);
	le64_put(v->devcfg + VIRTIO_BLK_CFG_CAPACITY, v->sectors);
	le32_put(v->devcfg + VIRTIO_BLK_CFG_SEG_MAX, VBLK_SEG_MAX);
	le32_put(v->devcfg + VIRTIO_BLK_CFG_BLK_SIZE, SECTOR);
	le16_put(v->devcfg + VIRTIO_BLK_CFG_NUM_QUEUES, 1);
	le32_put(v->devcfg + VIRTIO_BLK_CFG_MAX_DISCARD, MAX_DISCARD);
	le32_put(v->devcfg + VIRTIO_BLK_CFG_DISCARD_SEG, 1);
	le32_put(v->devcfg + VIRTIO_BLK_CFG_DISCARD_ALIGN, 8);	/* 4 KiB */
	virtio_reset(v);
	build_config(v);
	return &v->b.dev;
}
