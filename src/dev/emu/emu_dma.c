/* SPDX-License-Identifier: MIT */
/*
 * emu:dma. Commands run to completion inside the register write that starts
 * them (the library owns no threads); completion is signalled through the
 * MSI-X eventfds the engine attached, exactly as a VFIO device would.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/be.h"
#include "arch/pci.h"
#include "dev/dev.h"
#include "dev/spec.h"
#include "emu_base.h"
#include "emu_dma.h"

struct emu_dma {
	struct emu_base b;		/* rbytes, wbytes: since creation, for the host */
	uint8_t cfg[PCI_CFG_SPACE_EXP_SIZE];
	uint32_t bar_mask[6];		/* size masks for BAR sizing */
	uint8_t regs[EMU_DMA_BAR0_SIZE];
	uint8_t msix_bar[EMU_DMA_BAR2_SIZE];
	uint64_t rbytes_at_reset, wbytes_at_reset;	/* the registers count from reset */
	uint8_t *bounce;		/* COPY staging, EMU_DMA_BOUNCE bytes */
};

#define EMU_DMA_BOUNCE (1u << 20)

static struct emu_dma *to_emu(struct zv_device *d)
{
	return (struct emu_dma *)d;
}

static uint64_t reg64(struct emu_dma *e, unsigned off) { return le64_get(e->regs + off); }
static void set_reg64(struct emu_dma *e, unsigned off, uint64_t v) { le64_put(e->regs + off, v); }
static void set_reg32(struct emu_dma *e, unsigned off, uint32_t v) { le32_put(e->regs + off, v); }

static void build_config(struct emu_dma *e)
{
	uint8_t *c = e->cfg;
	uint8_t *cap = c + EMU_DMA_MSIX_CAP;

	le16_put(c + PCI_VENDOR_ID, EMU_DMA_VENDOR);
	le16_put(c + PCI_DEVICE_ID, EMU_DMA_DEVICE);
	le16_put(c + PCI_STATUS, PCI_STATUS_CAP_LIST);
	c[PCI_REVISION_ID] = 1;
	c[PCI_CLASS_PROG + 2] = 0xff;	/* class: unassigned (0xff) */
	le16_put(c + PCI_SUBSYS_VENDOR, EMU_DMA_VENDOR);
	le16_put(c + PCI_SUBSYS_ID, EMU_DMA_DEVICE);
	c[PCI_CAP_PTR] = EMU_DMA_MSIX_CAP;
	/* BAR 0 and BAR 2: 32-bit non-prefetchable memory */
	e->bar_mask[0] = ~(EMU_DMA_BAR0_SIZE - 1);
	e->bar_mask[2] = ~(EMU_DMA_BAR2_SIZE - 1);
	cap[0] = PCI_CAP_ID_MSIX;
	cap[1] = 0;
	le16_put(cap + PCI_MSIX_FLAGS, (uint16_t)(e->b.nvec - 1));
	le32_put(cap + PCI_MSIX_TABLE, EMU_DMA_MSIX_TABLE | EMU_DMA_MSIX_BAR);
	le32_put(cap + PCI_MSIX_PBA, EMU_DMA_MSIX_PBA | EMU_DMA_MSIX_BAR);
	set_reg32(e, EMU_DMA_REG_ID, EMU_DMA_ID_MAGIC);
	set_reg32(e, EMU_DMA_REG_VERSION, 1);
}

static int emu_region_info(struct zv_device *d, unsigned idx, struct dev_region_info *ri)
{
	(void)d;
	ri->flags = DEV_REGION_READ | DEV_REGION_WRITE;
	switch (idx) {
	case 0: ri->size = EMU_DMA_BAR0_SIZE; break;
	case EMU_DMA_MSIX_BAR: ri->size = EMU_DMA_BAR2_SIZE; break;
	case ZV_REGION_CONFIG: ri->size = PCI_CFG_SPACE_EXP_SIZE; break;
	default: ri->size = 0; ri->flags = 0; break;
	}
	return 0;
}

static void dma_fault(struct emu_dma *e, uint64_t iova, bool is_write, bool prot)
{
	struct dev_fault f = { .iova = iova, .write = is_write, .prot = prot };

	set_reg32(e, EMU_DMA_REG_STATUS, EMU_DMA_ST_FAULT);
	set_reg64(e, EMU_DMA_REG_FAULT, iova);
	emu_report_fault(&e->b, &f);
}

/* Walk [iova, iova+len) through the IOMMU, calling fn on each contiguous
 * host run. Returns false after reporting a fault. */
typedef void (*run_fn)(struct emu_dma *e, uint8_t *p, uint64_t n, uint64_t done, void *ctx);

static bool dma_walk(struct emu_dma *e, uint64_t iova, uint64_t len, bool is_write, run_fn fn,
		     void *ctx)
{
	uint64_t done = 0;

	while (done < len) {
		uint64_t run;
		bool prot;
		uint8_t *p = emu_iommu_translate(&e->b.iommu, iova + done, len - done, is_write, &run,
						 &prot);

		if (!p) {
			dma_fault(e, iova + done, is_write, prot);
			return false;
		}
		fn(e, p, run, done, ctx);
		done += run;
		if (is_write)
			e->b.wbytes += run;
		else
			e->b.rbytes += run;
	}
	return true;
}

struct csum_ctx {
	uint64_t h;
	uint8_t carry[8];
	unsigned ncarry;
};

static void csum_run(struct emu_dma *e, uint8_t *p, uint64_t n, uint64_t done, void *ctx)
{
	struct csum_ctx *c = ctx;
	uint64_t i = 0;

	(void)e;
	(void)done;
	while (c->ncarry && i < n) {	/* finish a word split across runs */
		c->carry[c->ncarry++] = p[i++];
		if (c->ncarry == 8) {
			c->h = (c->h ^ be64_get(c->carry)) * EMU_CSUM_PRIME;
			c->ncarry = 0;
		}
	}
	for (; i + 8 <= n; i += 8)
		c->h = (c->h ^ be64_get(p + i)) * EMU_CSUM_PRIME;
	while (i < n)
		c->carry[c->ncarry++] = p[i++];
}

static void fill_run(struct emu_dma *e, uint8_t *p, uint64_t n, uint64_t done, void *ctx)
{
	uint8_t pat[8];

	(void)ctx;
	le64_put(pat, reg64(e, EMU_DMA_REG_PATTERN));
	for (uint64_t i = 0; i < n; i++)
		p[i] = pat[(done + i) & 7];
}

/* COPY reads the source in bounded chunks into a bounce buffer and writes
 * each to the destination, so overlapping or faulting ranges behave like a
 * device that streams data (partial writes before a fault are kept). */
struct copy_ctx {
	uint8_t *buf;
};

static void copy_in(struct emu_dma *e, uint8_t *p, uint64_t n, uint64_t done, void *ctx)
{
	(void)e;
	memcpy(((struct copy_ctx *)ctx)->buf + done, p, n);
}

static void copy_out(struct emu_dma *e, uint8_t *p, uint64_t n, uint64_t done, void *ctx)
{
	(void)e;
	memcpy(p, ((struct copy_ctx *)ctx)->buf + done, n);
}

static uint32_t run_command(struct emu_dma *e, uint32_t cmd)
{
	uint64_t src = reg64(e, EMU_DMA_REG_SRC), dst = reg64(e, EMU_DMA_REG_DST);
	uint64_t len = reg64(e, EMU_DMA_REG_LEN);
	uint16_t command = le16_get(e->cfg + PCI_COMMAND);

	switch (cmd & 0xff) {
	case EMU_DMA_OP_IRQ:
		emu_raise(&e->b, (cmd >> EMU_DMA_CMD_VEC_SHIFT) & EMU_DMA_CMD_VEC_MASK, len);
		return EMU_DMA_ST_OK;
	case EMU_DMA_OP_IRQ_SET:
		for (unsigned v = 0; v < 64 && v < e->b.nvec; v++)
			if (len >> v & 1)
				emu_raise(&e->b, v, 1);
		return EMU_DMA_ST_OK;
	case EMU_DMA_OP_COPY:
	case EMU_DMA_OP_FILL:
	case EMU_DMA_OP_CSUM:
		break;
	default:
		return EMU_DMA_ST_BADCMD;
	}
	if (!(command & PCI_COMMAND_MASTER))
		return EMU_DMA_ST_NOMASTER;
	if (e->b.dma_blocked)
		return EMU_DMA_ST_BLOCKED;
	if ((cmd & 0xff) == EMU_DMA_OP_FILL)
		return dma_walk(e, dst, len, true, fill_run, NULL) ? EMU_DMA_ST_OK : EMU_DMA_ST_FAULT;
	if ((cmd & 0xff) == EMU_DMA_OP_CSUM) {
		struct csum_ctx c = { .h = EMU_CSUM_INIT };

		if (!dma_walk(e, src, len, false, csum_run, &c))
			return EMU_DMA_ST_FAULT;
		for (unsigned i = 0; i < c.ncarry; i++)
			c.h = (c.h ^ c.carry[i]) * EMU_CSUM_PRIME;
		set_reg64(e, EMU_DMA_REG_RESULT, c.h);
		return EMU_DMA_ST_OK;
	}
	struct copy_ctx cc = { e->bounce };
	for (uint64_t off = 0; off < len; off += EMU_DMA_BOUNCE) {
		uint64_t n = len - off < EMU_DMA_BOUNCE ? len - off : EMU_DMA_BOUNCE;

		if (!dma_walk(e, src + off, n, false, copy_in, &cc) ||
		    !dma_walk(e, dst + off, n, true, copy_out, &cc))
			return EMU_DMA_ST_FAULT;
	}
	return EMU_DMA_ST_OK;
}

static int emu_region_read(struct zv_device *d, unsigned idx, uint64_t off, void *buf, size_t len)
{
	struct emu_dma *e = to_emu(d);

	if (emu_check_range(d, idx, off, len))
		return -1;
	switch (idx) {
	case 0: memcpy(buf, e->regs + off, len); break;
	case EMU_DMA_MSIX_BAR: memcpy(buf, e->msix_bar + off, len); break;
	default: memcpy(buf, e->cfg + off, len); break;
	}
	return 0;
}

static void config_write(struct emu_dma *e, uint64_t off, const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint64_t o = off + i;

		if (o >= PCI_COMMAND && o < PCI_COMMAND + 2) {
			/* memory space and bus master are the writable command bits */
			uint16_t mask = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
			uint8_t m = (uint8_t)(o == PCI_COMMAND ? mask : mask >> 8);

			e->cfg[o] = (uint8_t)((e->cfg[o] & ~m) | (buf[i] & m));
		} else if (o >= PCI_BAR0 && o < PCI_BAR0 + 24) {
			unsigned bar = (unsigned)(o - PCI_BAR0) / 4, byte = (unsigned)(o - PCI_BAR0) % 4;
			uint8_t m = (uint8_t)(e->bar_mask[bar] >> (8 * byte));

			e->cfg[o] = buf[i] & m;	/* BAR sizing: read back the mask */
		} else if (o == EMU_DMA_MSIX_CAP + PCI_MSIX_FLAGS + 1) {
			e->cfg[o] = (uint8_t)((e->cfg[o] & 0x3f) | (buf[i] & 0xc0));
		}
		/* everything else is read-only */
	}
}

static int emu_region_write(struct zv_device *d, unsigned idx, uint64_t off, const void *buf,
			    size_t len)
{
	struct emu_dma *e = to_emu(d);

	if (emu_check_range(d, idx, off, len))
		return -1;
	if (idx == EMU_DMA_MSIX_BAR) {
		memcpy(e->msix_bar + off, buf, len);
		return 0;
	}
	if (idx == ZV_REGION_CONFIG) {
		config_write(e, off, buf, len);
		return 0;
	}
	/* with memory space off the device ignores the write entirely */
	if (!(le16_get(e->cfg + PCI_COMMAND) & PCI_COMMAND_MEMORY))
		return 0;
	/* BAR 0: only the parameter registers and CMD are writable */
	for (size_t i = 0; i < len; i++) {
		uint64_t o = off + i;

		if (o >= EMU_DMA_REG_SRC && o < EMU_DMA_REG_CMD + 4)
			e->regs[o] = ((const uint8_t *)buf)[i];
	}
	if (off <= EMU_DMA_REG_CMD && off + len >= EMU_DMA_REG_CMD + 4) {
		uint32_t cmd = le32_get(e->regs + EMU_DMA_REG_CMD);
		uint32_t st = run_command(e, cmd);

		set_reg32(e, EMU_DMA_REG_STATUS, st);
		set_reg64(e, EMU_DMA_REG_DONE, reg64(e, EMU_DMA_REG_DONE) + 1);
		set_reg64(e, EMU_DMA_REG_RBYTES, e->b.rbytes - e->rbytes_at_reset);
		set_reg64(e, EMU_DMA_REG_WBYTES, e->b.wbytes - e->wbytes_at_reset);
		if (cmd & EMU_DMA_CMD_IRQ && (cmd & 0xff) != EMU_DMA_OP_IRQ)
			emu_raise(&e->b, (cmd >> EMU_DMA_CMD_VEC_SHIFT) & EMU_DMA_CMD_VEC_MASK, 1);
	}
	return 0;
}

static int emu_reset(struct zv_device *d)
{
	struct emu_dma *e = to_emu(d);

	/* Function-level reset: registers, command, MSI-X control; the IOMMU
	 * belongs to the host and is left alone (as with VFIO). */
	memset(e->regs, 0, sizeof(e->regs));
	memset(e->msix_bar, 0, sizeof(e->msix_bar));
	memset(e->cfg, 0, sizeof(e->cfg));
	build_config(e);
	e->b.fault_pending = false;
	e->rbytes_at_reset = e->b.rbytes;
	e->wbytes_at_reset = e->b.wbytes;
	return 0;
}

static void emu_destroy(struct zv_device *d)
{
	struct emu_dma *e = to_emu(d);

	emu_base_fini(&e->b);
	free(e->bounce);
	free(e);
}

static const struct dev_ops emu_dma_ops = {
	.kind = "emu:dma",
	.region_info = emu_region_info,
	.region_read = emu_region_read,
	.region_write = emu_region_write,
	.set_msix = emu_op_set_msix,
	.dma_map = emu_op_dma_map,
	.dma_unmap = emu_op_dma_unmap,
	.dma_avail = emu_op_dma_avail,
	.reset = emu_reset,
	.set_dma_blocked = emu_op_set_dma_blocked,
	.err_fd = emu_op_err_fd,
	.take_fault = emu_op_take_fault,
	.dma_counters = emu_op_dma_counters,
	.destroy = emu_destroy,
};

struct zv_device *emu_dma_open(const char *opts, char *err, size_t errlen)
{
	struct dev_opt o[] = {
		{ .key = "vectors", .val = 8, .min = 1, .max = EMU_DMA_MAX_VECTORS },
		{ .key = "maps", .val = 65535, .min = 1, .max = UINT32_MAX },
	};
	struct emu_dma *e;

	if (dev_parse_opts(opts, o, 2, err, errlen))
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		goto err;
	if (emu_base_init(&e->b, &emu_dma_ops, "emu:dma", (unsigned)o[0].val, o[1].val) ||
	    !(e->bounce = malloc(EMU_DMA_BOUNCE))) {
		int en = errno;

		emu_destroy(&e->b.dev);
		errno = en;
		goto err;
	}
	build_config(e);
	return &e->b.dev;

err:
	if (err && errlen)
		snprintf(err, errlen, "emu:dma: cannot allocate the device: %s", strerror(errno));
	return NULL;
}
