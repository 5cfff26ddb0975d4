/* SPDX-License-Identifier: MIT */
/*
 * The function's PCI side as the guest sees it through PCILG/PCISTG/PCISTB:
 * BAR accesses go to the backend except the MSI-X table and PBA, which the
 * engine owns; config accesses go to the backend except the MSI-X message
 * control word, which the engine virtualizes (as QEMU and kvmtool do for
 * VFIO, whose kernel side ignores guest writes to the real table).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arch/be.h"
#include "arch/pci.h"
#include "core.h"
#include "msi.h"
#include "msix.h"
#include "pcicfg.h"

static int cfg_read_dev(struct zv_function *f, unsigned off, void *buf, size_t len)
{
	return f->dev->ops->region_read(f->dev, ZV_REGION_CONFIG, off, buf, len);
}

/* Read identity, BARs and the MSI-X capability from the device. */
int fn_probe_device(struct zv_function *f, char *err, size_t errlen)
{
	const struct dev_ops *ops = f->dev->ops;
	struct dev_region_info ri;
	uint8_t hdr[64];
	unsigned pos, guard;

	if (ops->region_info(f->dev, ZV_REGION_CONFIG, &ri) || ri.size < PCI_CFG_SPACE_SIZE ||
	    cfg_read_dev(f, 0, hdr, sizeof(hdr))) {
		snprintf(err, errlen, "%s: cannot read PCI config space", f->dev->name);
		errno = EIO;
		return -1;
	}
	f->cfg_size = ri.size >= PCI_CFG_SPACE_EXP_SIZE ? PCI_CFG_SPACE_EXP_SIZE : PCI_CFG_SPACE_SIZE;
	f->vendor = le16_get(hdr + PCI_VENDOR_ID);
	f->device = le16_get(hdr + PCI_DEVICE_ID);
	for (unsigned i = 0; i < 6; i++) {
		f->bar_val[i] = le32_get(hdr + PCI_BAR0 + 4 * i);
		f->bar_size[i] = 0;
		if (ops->region_info(f->dev, i, &ri) == 0)
			f->bar_size[i] = ri.size;
	}
	/* capability list: bounded walk, so a looping list cannot hang us */
	if (!(le16_get(hdr + PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	pos = hdr[PCI_CAP_PTR] & ~3u;
	for (guard = 0; pos >= 0x40 && pos < PCI_CFG_SPACE_SIZE && guard < 48; guard++) {
		uint8_t cap[PCI_MSIX_CAP_SIZE];

		if (cfg_read_dev(f, pos, cap, sizeof(cap)))
			break;
		if (cap[0] == PCI_CAP_ID_MSI && !f->msi.cap)
			f->msi.cap = (uint16_t)pos;
		if (cap[0] == PCI_CAP_ID_MSIX) {
			uint32_t t = le32_get(cap + PCI_MSIX_TABLE), p = le32_get(cap + PCI_MSIX_PBA);

			f->msix.cap = (uint16_t)pos;
			f->msix.nvec = (le16_get(cap + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_QSIZE) + 1;
			f->msix.table_bar = t & PCI_MSIX_BIR_MASK;
			f->msix.table_off = t & ~PCI_MSIX_BIR_MASK;
			f->msix.pba_bar = p & PCI_MSIX_BIR_MASK;
			f->msix.pba_off = p & ~PCI_MSIX_BIR_MASK;
			if (f->msix.table_bar > 5 || f->msix.pba_bar > 5) {
				snprintf(err, errlen, "%s: MSI-X table in a bad BAR", f->dev->name);
				errno = EINVAL;
				return -1;
			}
		}
		pos = cap[1] & ~3u;
	}
	return 0;
}

int fn_bar_access(struct zv_function *f, unsigned bar, uint64_t off, uint8_t *buf, size_t len,
		  bool write)
{
	if (msix_table_access(f, bar, off, buf, len, write))
		return 0;
	return write ? f->dev->ops->region_write(f->dev, bar, off, buf, len)
		     : f->dev->ops->region_read(f->dev, bar, off, buf, len);
}

int fn_cfg_access(struct zv_function *f, uint64_t off, uint8_t *buf, size_t len, bool write)
{
	if (msi_cfg_access(f, off, buf, len, write))
		return 0;
	unsigned ctl = f->msix.cap + PCI_MSIX_FLAGS;
	bool hits_ctl = f->msix.cap && off < ctl + 2 && off + len > ctl;

	if (!write) {
		if (f->dev->ops->region_read(f->dev, ZV_REGION_CONFIG, off, buf, len))
			return -1;
		if (hits_ctl) {
			uint8_t v[2];

			/* the engine's enable and mask bits, the device's table size */
			le16_put(v, (uint16_t)((f->msix.ctrl & ~PCI_MSIX_FLAGS_QSIZE) |
					       ((f->msix.nvec - 1) & PCI_MSIX_FLAGS_QSIZE)));
			for (size_t i = 0; i < len; i++)
				if (off + i >= ctl && off + i < ctl + 2)
					buf[i] = v[off + i - ctl];
		}
		return 0;
	}
	if (hits_ctl) {
		uint8_t v[2];

		le16_put(v, f->msix.ctrl);
		for (size_t i = 0; i < len; i++)
			if (off + i >= ctl && off + i < ctl + 2)
				v[off + i - ctl] = buf[i];
		msix_ctrl_write(f, le16_get(v) & (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL));
	}
	return f->dev->ops->region_write(f->dev, ZV_REGION_CONFIG, off, buf, len);
}
