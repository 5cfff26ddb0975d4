/* SPDX-License-Identifier: MIT */
/*
 * PCI functions: handles, enable/disable, the DMA window, host information
 * and groups (state changes and the error state: state.c).
 *
 * Handle format (reference §6.2): enable bit, 7-bit instance, the "SHM"
 * byte, 16-bit index. zvfio changes the instance on every enable and
 * disable, so a stale handle is answered with cc 3 (or CLP 0x0101) and the
 * guest must use the handle that SET PCI FN, LIST and events give it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/clp.h"
#include "arch/codes.h"
#include "arch/dmat.h"
#include "core.h"
#include "dma.h"
#include "events.h"
#include "function.h"
#include "msi.h"
#include "msix.h"
#include "state.h"

struct zv_function *fn_by_idx(const struct zv_machine *m, uint32_t idx)
{
	return idx < m->nfns ? m->fns[idx] : NULL;
}

struct zv_function *fn_by_fh(const struct zv_machine *m, uint32_t fh)
{
	struct zv_function *f = fn_by_idx(m, fh & FH_IDX_MASK);

	if (f && f->fh == fh)
		return f;
	/* an interpreted function's handle is the host's: any index */
	for (size_t i = 0; i < m->nfns; i++)
		if (m->fns[i] && m->fns[i]->interp && m->fns[i]->fh == fh)
			return m->fns[i];
	return NULL;
}

struct zv_function *fn_by_fh_index(const struct zv_machine *m, uint32_t fh)
{
	for (size_t i = 0; i < m->nfns; i++)
		if (m->fns[i] && m->fns[i]->interp &&
		    ((m->fns[i]->fh ^ fh) & ~(FH_ENABLED | FH_INST_MASK)) == 0)
			return m->fns[i];
	return fn_by_idx(m, fh & FH_IDX_MASK);
}

/* The host's current handle of an interpreted function (it can change
 * across a reset: QEMU reads it again on every enable). */
static uint32_t host_handle(struct zv_function *f)
{
	struct dev_zpci z;

	if (f->dev->ops->zpci_info && !f->dev->ops->zpci_info(f->dev, &z) && z.has_fh)
		f->host_fh = z.fh;
	return f->host_fh;
}

bool fn_configured(const struct zv_function *f)
{
	return f->state != ZV_FS_RESERVED && f->state != ZV_FS_STANDBY;
}

static void new_handle(struct zv_function *f, bool enabled)
{
	if (f->interp) {
		f->fh = enabled ? host_handle(f) : host_handle(f) & ~FH_ENABLED;
		return;
	}
	f->instance = (uint8_t)((f->instance + 1) & 0x7f);
	f->fh = (enabled ? FH_ENABLED : 0) | (uint32_t)f->instance << FH_INST_SHIFT | FH_SHM_EMU |
		f->idx;
}

int fn_enable(struct zv_function *f)
{
	/* interpreted: the host must have the function enabled (VFIO keeps
	 * it so while the device is open) -- QEMU refuses otherwise too */
	if (f->interp && !(host_handle(f) & FH_ENABLED))
		return -1;
	new_handle(f, true);
	fn_set_state(f, ZV_FS_ENABLED);
	return 0;
}

/* Disable: everything the guest registered is dropped and the device is
 * reset, so the next enable starts from a clean function. The mappings go
 * a step at a time: -EBUSY while more remain (the function stays enabled,
 * its DMA registration ended and fenced; the same disable continues).
 * When the host cannot do it (a mapping it cannot remove, a reset that
 * fails), the function is in permanent error instead: -1. */
int fn_disable(struct zv_function *f)
{
	int rc;

	f->dma.registered = false;
	rc = dma_unmap_all(f);
	if (rc == -EBUSY)
		return -EBUSY;
	if (f->interp && f->irq.registered && f->m->hv && f->m->hv->aen)
		f->m->hv->aen(f->m->hv_opaque, f, NULL);
	f->irq = (struct fn_irq){0};
	fn_irq_changed(f);
	f->fmb.addr = 0;
	msix_reset(f);
	msi_reset(f);
	if (f->dev->ops->reset && f->dev->ops->reset(f->dev) < 0) {
		f->m->st.reset_failures++;
		rc = -1;
	}
	f->dev_error = false;
	new_handle(f, false);
	if (rc) {
		fn_set_permanent_error(f);
		return -1;
	}
	fn_set_state(f, ZV_FS_DISABLED);
	return 0;
}

void fn_set_window(struct zv_function *f)
{
	uint64_t pages = (f->win_hi - f->sdma) / ZPCI_PAGE_SIZE + 1, avail;

	/* Without relaxed translation QEMU shrinks the window to what the
	 * backend can map page by page (reference §4.7). */
	if (!(f->group->flags & CLP_QGRP_FLAG_RTR) && f->dev->ops->dma_avail) {
		avail = f->dev->ops->dma_avail(f->dev);
		if (avail < pages)
			pages = avail ? avail : 1;
	}
	f->edma = f->sdma + pages * ZPCI_PAGE_SIZE - 1;
}

/*
 * Take what the host knows of the function (dev_zpci) into its CLP
 * answers, by QEMU's rules (hw/s390x/s390-pci-vfio.c): the DMA window,
 * PCHID, VFN, utility string and path from the base capabilities; the
 * response's PFT stays 0 and its FMB length is the engine's own (the
 * engine keeps the measurement block, not the host);
 * an intercepted function gets a simulated group, one per host group,
 * numbered from 0xF0, so a guest-visible group never mixes semantics,
 * with the host's group characteristics except maxstbl (128 through
 * intercepts) and dtsm. Nothing to do when the backend knows nothing
 * (z NULL).
 */
#define ZV_SIM_PFGID_FIRST 0xf0

/* The simulated group standing for host group z->gid, made from the
 * host's characteristics if there is none yet; NULL when all are taken. */
static struct zv_group *host_group(struct zv_machine *m, const struct dev_zpci *z)
{
	for (unsigned id = ZV_SIM_PFGID_FIRST; id < ZV_RTR_PFGID; id++)
		if (m->groups[id].used && m->groups[id].simulated && m->groups[id].host_gid == z->gid)
			return &m->groups[id];
	for (unsigned id = ZV_SIM_PFGID_FIRST; id < ZV_RTR_PFGID; id++)
		if (!m->groups[id].used) {
			m->groups[id] = (struct zv_group){
				.id = (uint8_t)id, .used = true, .simulated = true,
				.host_gid = z->gid, .noi = z->noi, .maxstbl = ZV_MAXSTBL,
				.mui = z->mui ? z->mui : m->mui, .version = z->version,
				/* refresh always: zvfio shadows the guest's tables,
				 * so new entries need an RPCIT */
				.flags = CLP_QGRP_FLAG_REFRESH,
				.dtsm = CLP_DTSM_RTTO, .dasm = z->dasm,
				.msia = z->msi_addr ? z->msi_addr : ZV_DEFAULT_MSIA,
			};
			return &m->groups[id];
		}
	return NULL;
}

int fn_apply_host_info(struct zv_function *f, const struct dev_zpci *z)
{
	struct zv_machine *m = f->m;

	if (!z)
		return 0;
	if (z->has_window) {
		if (z->start_dma > UINT64_MAX - (ZPCI_PAGE_SIZE - 1)) {
			errno = ERANGE;	/* no whole page left above the start */
			return -1;
		}
		uint64_t lo = (z->start_dma + ZPCI_PAGE_SIZE - 1) & ~(uint64_t)(ZPCI_PAGE_SIZE - 1);
		uint64_t hi = z->end_dma | (ZPCI_PAGE_SIZE - 1);

		if (z->end_dma < lo || hi - lo < ZPCI_PAGE_SIZE - 1) {
			errno = ERANGE;
			return -1;
		}
		/* s390: the host's window as is; elsewhere from 4 GiB where
		 * the range allows, as QEMU's default window */
		f->sdma = !z->has_base && lo <= ZV_DEFAULT_SDMA && hi > ZV_DEFAULT_SDMA ? ZV_DEFAULT_SDMA : lo;
		f->win_hi = hi < ZV_DEFAULT_EDMA ? hi : ZV_DEFAULT_EDMA;
		f->win_lo = lo;
		f->dev_hi = hi;
		f->nranges = z->nranges < 8 ? z->nranges : 8;
		memcpy(f->ranges, z->ranges, f->nranges * sizeof(f->ranges[0]));
	}
	if (z->has_base) {
		f->pchid = z->pchid;
		f->vfn = z->vfn;
		f->pft = z->pft;
		memcpy(f->pfip, z->pfip, z->pfip_len < sizeof(f->pfip) ? z->pfip_len : sizeof(f->pfip));
		f->util_len = z->util_len;
		memcpy(f->util, z->util, z->util_len);
		if (z->has_fh)
			f->host_fh = z->fh;
	}
	if (z->has_base && z->has_group) {
		struct zv_group *g = host_group(m, z);

		if (!g) {
			errno = ENOSPC;	/* 14 simulated groups in use */
			return -1;
		}
		f->group = g;
	}
	return 0;
}

/* A simulated group no function uses any more is free again. */
void fn_put_group(struct zv_function *f)
{
	struct zv_group *g = f->group;

	if (!g || !g->simulated)
		return;
	for (size_t i = 0; i < f->m->nfns; i++)
		if (f->m->fns[i] && f->m->fns[i] != f && f->m->fns[i]->group == g)
			return;
	g->used = false;
}

ZV_API int zv_function_set_dma_window(struct zv_function *f, uint64_t start, uint64_t end)
{
	if (!f) {
		errno = EINVAL;
		return -1;
	}
	if (f->fh & FH_ENABLED) {
		errno = EBUSY;
		return -1;
	}
	if ((start & (ZPCI_PAGE_SIZE - 1)) || ((end + 1) & (ZPCI_PAGE_SIZE - 1)) || end <= start) {
		errno = EINVAL;
		return -1;
	}
	bool inside = start >= f->win_lo && end <= f->dev_hi;

	for (unsigned i = 0; i < f->nranges && !inside; i++)
		inside = start >= f->ranges[i].lo && end <= f->ranges[i].hi;
	if (!inside) {
		errno = ERANGE;
		return -1;
	}
	f->sdma = start;
	f->win_hi = end;
	fn_set_window(f);
	return 0;
}

ZV_API int zv_function_set_relaxed(struct zv_function *f, bool on)
{
	if (!f) {
		errno = EINVAL;
		return -1;
	}
	if (f->fh & FH_ENABLED) {
		errno = EBUSY;
		return -1;
	}
	/* leaving a simulated group frees it when no one else uses it */
	fn_put_group(f);
	f->group = &f->m->groups[on ? ZV_RTR_PFGID : ZV_DEFAULT_PFGID];
	if (!on) {
		/* back to (or again) the simulated group of its host group */
		struct dev_zpci z;
		struct zv_group *g;

		if (f->dev->ops->zpci_info && !f->dev->ops->zpci_info(f->dev, &z) && z.has_base &&
		    z.has_group && (g = host_group(f->m, &z)))
			f->group = g;
	}
	fn_set_window(f);
	return 0;
}

/* Standby (deconfigured) or back (configured, disabled): 0, -EALREADY,
 * or -EIO when the teardown failed (a permanent error, its event queued). */
static int fn_configure(struct zv_function *f, bool standby)
{
	if (standby == (f->state == ZV_FS_STANDBY))
		return -EALREADY;
	if (standby) {
		int rc = 0;

		/* the whole teardown at once: the caller is the host, or an
		 * SCLP command, which completes before its answer */
		while ((f->fh & FH_ENABLED) && (rc = fn_disable(f)) == -EBUSY)
			;
		if (rc)
			return -EIO;
		fn_set_state(f, ZV_FS_STANDBY);
	} else {
		fn_set_state(f, ZV_FS_DISABLED);
	}
	return 0;
}

ZV_API int zv_function_set_standby(struct zv_function *f, bool standby)
{
	struct zpci_event ev = { .kind = ZPCI_EVENT_AVAIL };
	int rc;

	if (!f || f->state == ZV_FS_RESERVED) {
		errno = EINVAL;
		return -1;
	}
	rc = fn_configure(f, standby);
	if (rc) {
		errno = -rc;
		return -1;
	}
	ev.fid = f->fid;
	ev.pec = standby ? ZPCI_PEC_AVAIL_DECONFIGURED : ZPCI_PEC_AVAIL_CONFIGURED;
	ev.fh = f->fh;
	event_post(f->m, &ev);
	return 0;
}

/*
 * SCLP Configure / Deconfigure PCI Function, the guest's request (Linux's
 * drivers/s390/char/sclp_pci.c, the slot's power attribute): the function
 * with that FID leaves or rejoins the configuration with no availability
 * event -- the guest asked. Response codes as QEMU's s390_pci_sclp_*:
 * 0x0020 done, 0x0120 no action required (already so), 0x09f0 no such
 * adapter.
 */
ZV_API uint16_t zv_sclp_pci_configure(struct zv_machine *m, uint32_t fid, bool configure)
{
	struct zv_function *f = NULL;

	for (unsigned i = 0; m && i < m->nfns && !f; i++)
		if (m->fns[i] && m->fns[i]->fid == fid && m->fns[i]->state != ZV_FS_RESERVED)
			f = m->fns[i];
	if (!f)
		return 0x09f0;
	switch (fn_configure(f, !configure)) {
	case 0:
		return 0x0020;
	case -EALREADY:
		return 0x0120;
	default:		/* the teardown failed: its error event tells */
		return 0x0020;
	}
}

ZV_API uint32_t zv_function_fid(const struct zv_function *f) { return f->fid; }
ZV_API uint32_t zv_function_uid(const struct zv_function *f) { return f->uid; }
ZV_API uint32_t zv_function_fh(const struct zv_function *f) { return f->fh; }
ZV_API const char *zv_function_name(const struct zv_function *f) { return f->name; }
ZV_API enum zv_fn_state zv_function_state(const struct zv_function *f) { return f->state; }

ZV_API const char *zv_fn_state_name(enum zv_fn_state s)
{
	static const char *const names[] = {
		[ZV_FS_RESERVED] = "reserved", [ZV_FS_STANDBY] = "standby",
		[ZV_FS_DISABLED] = "disabled", [ZV_FS_ENABLED] = "enabled",
		[ZV_FS_BLOCKED] = "blocked", [ZV_FS_ERROR] = "error",
		[ZV_FS_PERMANENT_ERROR] = "permanent-error",
	};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

ZV_API int zv_function_set_interpreted(struct zv_function *f, bool on)
{
	struct dev_zpci z;

	if (!f || (on && (!f->m->hv || !f->m->hv->aen))) {
		errno = EINVAL;
		return -1;
	}
	if (f->fh & FH_ENABLED) {
		errno = EBUSY;
		return -1;
	}
	if (on && (!f->dev->ops->zpci_info || f->dev->ops->zpci_info(f->dev, &z) || !z.has_fh)) {
		errno = ENODEV;
		return -1;
	}
	if (on)
		f->host_fh = z.fh;
	f->interp = on;
	new_handle(f, false);
	fn_irq_changed(f);
	return 0;
}

ZV_API bool zv_function_interpreted(const struct zv_function *f)
{
	return f && f->interp;
}
