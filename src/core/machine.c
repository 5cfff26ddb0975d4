/* SPDX-License-Identifier: MIT */
/* The machine: guest memory, functions, groups, the event loop and stats. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "arch/clp.h"
#include "arch/codes.h"
#include "core.h"
#include "dev/spec.h"
#include "dma.h"
#include "events.h"
#include "fmb.h"
#include "function.h"
#include "msi.h"
#include "msix.h"
#include "pcicfg.h"
#include "state.h"

#define ZV_STR_(x) #x
#define ZV_STR(x) ZV_STR_(x)

ZV_API const char *zv_version(void)
{
	return ZV_STR(ZV_VERSION_MAJOR) "." ZV_STR(ZV_VERSION_MINOR) "." ZV_STR(ZV_VERSION_PATCH);
}

static void init_default_group(struct zv_machine *m)
{
	/* QEMU's default group (reference §2.5), with a refresh flag because
	 * zvfio shadows the guest tables and needs an RPCIT for new entries. */
	struct zv_group *g = &m->groups[ZV_DEFAULT_PFGID];

	*g = (struct zv_group){
		.id = ZV_DEFAULT_PFGID, .used = true, .noi = 128, .maxstbl = ZV_MAXSTBL,
		.mui = m->mui, .version = 0, .flags = CLP_QGRP_FLAG_REFRESH,
		.dtsm = CLP_DTSM_RTTO, .dasm = 0, .msia = ZV_DEFAULT_MSIA,
	};
}

ZV_API struct zv_machine *zv_machine_create(const struct zv_machine_config *cfg)
{
	struct zv_machine *m;

	if (!cfg || (cfg->n_mem && !cfg->mem)) {
		errno = EINVAL;
		return NULL;
	}
	for (unsigned i = 0; i < cfg->n_mem; i++) {
		const struct zv_mem_region *r = &cfg->mem[i];

		if (!r->host || !r->size || r->gpa + r->size - 1 < r->gpa) {
			errno = EINVAL;
			return NULL;
		}
		/* guest absolute storage is one address space: no overlaps */
		for (unsigned j = 0; j < i; j++) {
			const struct zv_mem_region *o = &cfg->mem[j];

			if (r->gpa <= o->gpa + (o->size - 1) && o->gpa <= r->gpa + (r->size - 1)) {
				errno = EINVAL;
				return NULL;
			}
		}
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->timerfd = -1;
	m->mem = calloc(cfg->n_mem ? cfg->n_mem : 1, sizeof(*m->mem));
	if (!m->mem)
		goto err;
	memcpy(m->mem, cfg->mem, cfg->n_mem * sizeof(*m->mem));
	m->n_mem = cfg->n_mem;
	m->hv = cfg->hv;
	m->hv_opaque = cfg->hv_opaque;
	m->fac = cfg->facilities ? cfg->facilities : ZV_FAC_DEFAULT;
	m->flags = cfg->flags;
	m->mui = cfg->mui_ms ? cfg->mui_ms : 4000;
	m->crw_armed = true;
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (m->epfd < 0)
		goto err;
	init_default_group(m);
	m->groups[ZV_RTR_PFGID] = m->groups[ZV_DEFAULT_PFGID];
	m->groups[ZV_RTR_PFGID].id = ZV_RTR_PFGID;
	m->groups[ZV_RTR_PFGID].flags |= CLP_QGRP_FLAG_RTR;
	return m;
err:
	{
		int e = errno;

		free(m->mem);
		free(m);
		errno = e;
	}
	return NULL;
}

static void function_free(struct zv_function *f)
{
	int efd = f->dev->ops->err_fd ? f->dev->ops->err_fd(f->dev) : -1;
	int rfd = f->dev->ops->req_fd ? f->dev->ops->req_fd(f->dev) : -1;

	if (efd >= 0)
		epoll_ctl(f->m->epfd, EPOLL_CTL_DEL, efd, NULL);
	if (rfd >= 0)
		epoll_ctl(f->m->epfd, EPOLL_CTL_DEL, rfd, NULL);
	/* mappings that go with the device (emulated ones) need no unmap
	 * each: teardown stays quick however many the guest made (a
	 * --timeout ends a run holding a million) */
	if (!f->dev->dma_private)
		dma_unmap_all_now(f);
	extmap_fini(&f->dma.shadow);
	msix_fini(f);
	msi_fini(f);
	fn_put_group(f);
	zv_device_close(f->dev);
	free(f);
}

ZV_API void zv_machine_destroy(struct zv_machine *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nfns; i++) {
		struct zv_function *f = m->fns[i];

		m->fns[i] = NULL;	/* function_free looks at the others */
		if (f)
			function_free(f);
	}
	free(m->fns);
	events_free(m);
	if (m->timerfd >= 0)
		close(m->timerfd);
	close(m->epfd);
	free(m->mem);
	free(m);
}

static bool uid_used(const struct zv_machine *m, uint32_t uid)
{
	for (size_t i = 0; i < m->nfns; i++)
		if (m->fns[i] && m->fns[i]->uid == uid)
			return true;
	return false;
}

static bool fid_used(const struct zv_machine *m, uint32_t fid)
{
	for (size_t i = 0; i < m->nfns; i++)
		if (m->fns[i] && m->fns[i]->fid == fid)
			return true;
	return false;
}

ZV_API struct zv_function *zv_function_add(struct zv_machine *m, struct zv_device *dev,
					   uint32_t uid, uint32_t fid)
{
	struct zv_function *f;
	size_t idx;
	char err[128];

	if (!m || !dev || uid > 0xffff) {
		errno = EINVAL;
		return NULL;
	}
	if ((uid && uid_used(m, uid)) || (fid != ZV_FID_AUTO && fid_used(m, fid))) {
		errno = EEXIST;
		return NULL;
	}
	/* what the host knows of the function, asked once */
	struct dev_zpci z;
	bool have_z = dev->ops->zpci_info && dev->ops->zpci_info(dev, &z) == 0;

	if (!uid) {
		/* a host function keeps its host UID when that is free, so the
		 * guest's names for it (Linux derives them from the UID) are the
		 * host's; else the lowest free one */
		if (have_z && z.has_uid && z.uid && !uid_used(m, z.uid))
			uid = z.uid;
		for (uid = uid ? uid : 1; uid <= 0xffff && uid_used(m, uid); uid++)
			;
	}
	if (fid == ZV_FID_AUTO)
		for (fid = 0; fid_used(m, fid); fid++)
			;
	for (idx = 0; idx < m->nfns && m->fns[idx]; idx++)
		;
	if (uid > 0xffff || idx >= ZV_MAX_FUNCTIONS) {
		errno = ENOSPC;
		return NULL;
	}
	if (idx == m->nfns) {
		struct zv_function **n = realloc(m->fns, (m->nfns + 1) * sizeof(*n));

		if (!n)
			return NULL;
		m->fns = n;
		m->fns[m->nfns++] = NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	errno = 0;	/* each step below sets errno when it fails */
	f->m = m;
	f->dev = dev;
	f->uid = uid;
	f->fid = fid;
	f->idx = (uint16_t)idx;
	f->group = &m->groups[ZV_DEFAULT_PFGID];
	f->sdma = ZV_DEFAULT_SDMA;
	f->win_hi = f->dev_hi = ZV_DEFAULT_EDMA;
	extmap_init(&f->dma.shadow);
	snprintf(f->name, sizeof(f->name), "%04x:%s", uid, dev->name);
	if (fn_probe_device(f, err, sizeof(err)) || fn_apply_host_info(f, have_z ? &z : NULL) || msix_init(f) ||
	    msi_init(f)) {
		int e = errno ? errno : EIO;

		msix_fini(f);
		fn_put_group(f);
		extmap_fini(&f->dma.shadow);
		free(f);
		errno = e;
		return NULL;
	}
	fn_set_window(f);
	int efd = dev->ops->err_fd ? dev->ops->err_fd(dev) : -1;
	int rfd = dev->ops->req_fd ? dev->ops->req_fd(dev) : -1;
	struct epoll_event ee = { .events = EPOLLIN, .data.u64 = ep_tag(EP_ERR, f->idx, 0) };
	struct epoll_event er = { .events = EPOLLIN, .data.u64 = ep_tag(EP_REQ, f->idx, 0) };

	if ((efd >= 0 && epoll_ctl(m->epfd, EPOLL_CTL_ADD, efd, &ee)) ||
	    (rfd >= 0 && epoll_ctl(m->epfd, EPOLL_CTL_ADD, rfd, &er))) {
		int e = errno;	/* what failed, not what the cleanup says */

		if (efd >= 0)
			epoll_ctl(m->epfd, EPOLL_CTL_DEL, efd, NULL);
		msix_fini(f);
		msi_fini(f);
		fn_put_group(f);
		extmap_fini(&f->dma.shadow);
		free(f);
		errno = e;
		return NULL;
	}
	dev->hint = &m->hint;
	/* plugged and configured, not enabled (reference §6.1) */
	f->fh = FH_SHM_EMU | f->idx;
	f->state = ZV_FS_DISABLED;
	m->fns[idx] = f;
	return f;
}

/* "emu:dma,uid=5,fid=3,vectors=8": uid and fid belong to the function,
 * the rest to the device. */
ZV_API struct zv_function *zv_function_add_spec(struct zv_machine *m, const char *spec,
						char *err, size_t errlen)
{
	return zv_function_add_spec_hooked(m, spec, NULL, err, errlen);
}

ZV_API struct zv_function *zv_function_add_spec_hooked(struct zv_machine *m, const char *spec,
						       const struct zv_open_hook *hook, char *err,
						       size_t errlen)
{
	char dspec[256], fopts[256], buf[256], *tok, *next;
	struct dev_opt o[] = {
		{ .key = "uid", .min = 1, .max = 0xffff },
		{ .key = "fid", .min = 0, .max = 0xfffffffe },
		{ .key = "rtr", .min = 0, .max = 1 },
		{ .key = "sdma", .min = 0, .max = UINT64_MAX },
		{ .key = "edma", .min = 0, .max = UINT64_MAX },
	};
	struct zv_device *dev;
	struct zv_function *f;
	size_t dl = 0, fl = 0;

	if (!err)
		errlen = 0;
	if (!m || !spec || strlen(spec) >= sizeof(buf)) {
		snprintf(err, errlen, "device specification missing or too long");
		errno = EINVAL;
		return NULL;
	}
	strcpy(buf, spec);
	dspec[0] = fopts[0] = '\0';
	/* the device kind, then options: the function's own go to fopts */
	next = strchr(buf, ',');
	if (next)
		*next++ = '\0';
	dl = (size_t)snprintf(dspec, sizeof(dspec), "%s", buf);
	for (tok = next; tok; tok = next) {
		size_t klen = strcspn(tok, "=,");
		bool fn_opt = false;

		next = strchr(tok, ',');
		if (next)
			*next++ = '\0';
		if (!*tok) {
			snprintf(err, errlen, "an empty option (two commas, or one at the end)");
			errno = EINVAL;
			return NULL;
		}
		for (unsigned i = 0; i < sizeof(o) / sizeof(o[0]); i++)
			fn_opt |= strlen(o[i].key) == klen && !strncmp(tok, o[i].key, klen);
		if (fn_opt)
			fl += (size_t)snprintf(fopts + fl, sizeof(fopts) - fl, "%s%s", fl ? "," : "", tok);
		else
			dl += (size_t)snprintf(dspec + dl, sizeof(dspec) - dl, ",%s", tok);
	}
	if (dev_parse_opts(fopts, o, sizeof(o) / sizeof(o[0]), err, errlen))
		return NULL;
	dev = zv_device_open_hooked(dspec, hook, err, errlen);
	if (!dev)
		return NULL;
	f = zv_function_add(m, dev, o[0].set ? (uint32_t)o[0].val : ZV_UID_AUTO,
			    o[1].set ? (uint32_t)o[1].val : ZV_FID_AUTO);
	if (!f) {
		int e = errno;

		if (err && errlen)
			snprintf(err, errlen, "%s", e == EEXIST ? "uid or fid already in use" : strerror(e));
		zv_device_close(dev);
		errno = e;
		return NULL;
	}
	if (o[2].val)
		zv_function_set_relaxed(f, true);
	if (o[3].set || o[4].set) {
		uint64_t lo = o[3].set ? o[3].val : f->sdma;
		uint64_t hi = o[4].set ? o[4].val : f->win_hi;

		if (zv_function_set_dma_window(f, lo, hi)) {
			int e = errno;

			if (err && errlen)
				snprintf(err, errlen, "DMA window %#" PRIx64 "-%#" PRIx64 " %s "
					 "(the device reaches %#" PRIx64 "-%#" PRIx64 " and its IOMMU's other valid ranges)", lo, hi,
					 e == ERANGE ? "is outside what the device can reach"
						     : "must be page-aligned and not empty",
					 f->win_lo, f->dev_hi);
			m->fns[f->idx] = NULL;
			function_free(f);
			errno = e;
			return NULL;
		}
	}
	return f;
}

ZV_API int zv_poll_fd(const struct zv_machine *m)
{
	return m->epfd;
}

ZV_API bool zv_events_hinted(const struct zv_machine *m)
{
	return m->hint != 0;
}

ZV_API unsigned zv_host_time_devices(const struct zv_machine *m)
{
	unsigned n = 0;

	for (size_t i = 0; i < m->nfns; i++)
		n += m->fns[i] && m->fns[i]->dev->host_time;
	return n;
}

static void handle_err(struct zv_function *f)
{
	struct dev_fault fl;

	while (f->dev->ops->take_fault(f->dev, &fl) == 1) {
		if (fl.device_error) {
			/* no address: the device itself reported the error */
			f->dev_error = true;
			fn_set_error(f, ZPCI_PEC_SERR, 0, false);
			continue;
		}
		f->m->st.iommu_faults++;
		/* DMA outside the mappings: the address is either outside the
		 * registered window or not translated (reference §4.3). */
		uint16_t pec = fl.prot ? ZPCI_PEC_TRANS_PROT :
			       (!f->dma.registered || fl.iova < f->dma.pba || fl.iova > f->dma.pal) ?
			       ZPCI_PEC_OUT_OF_RANGE : ZPCI_PEC_INVAL_TE;
		fn_set_error(f, pec, fl.iova, fl.write);
	}
}

/* The host wants the device back (VFIO's request interrupt): ask the guest
 * to give the function up -- availability event 0x0303, after which the
 * guest disables it and the host deconfigures it (reference §6.5). */
static void handle_req(struct zv_function *f)
{
	uint64_t n;
	int fd = f->dev->ops->req_fd(f->dev);

	if (read(fd, &n, sizeof(n)) != sizeof(n) || !n || f->state == ZV_FS_STANDBY ||
	    f->state == ZV_FS_RESERVED)
		return;
	event_post(f->m, &(struct zpci_event){
		.kind = ZPCI_EVENT_AVAIL, .fh = f->fh, .fid = f->fid,
		.pec = ZPCI_PEC_AVAIL_DECONF_REQ,
	});
	f->m->st.unplug_requests++;
}

ZV_API int zv_dispatch(struct zv_machine *m)
{
	return zv_dispatch_wait(m, 0);
}

ZV_API int zv_dispatch_wait(struct zv_machine *m, int timeout_ms)
{
	struct epoll_event ev[32];
	int n, total = 0;

	m->hint = 0;
	fmb_tick(m);
	do {
		n = epoll_wait(m->epfd, ev, 32, total ? 0 : timeout_ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (int i = 0; i < n; i++) {
			uint64_t tag = ev[i].data.u64;
			enum ep_kind k = (enum ep_kind)(tag >> 32);
			struct zv_function *f = fn_by_idx(m, (tag >> 16) & 0xffff);
			unsigned vec = tag & 0xffff;
			uint64_t cnt;

			if (k == EP_TIMER) {
				if (read(m->timerfd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
					return -1;
				fmb_update_all(m);
			} else if (f && k == EP_MSIX) {
				msix_event(f, vec);	/* edge-triggered: see msix_init */
			} else if (f && k == EP_MSI) {
				msi_event(f, vec);
			} else if (f && k == EP_ERR) {
				handle_err(f);
			} else if (f && k == EP_REQ) {
				handle_req(f);
			}
			total++;
		}
	} while (n == 32);
	return total;
}

ZV_API void zv_stats_get(const struct zv_machine *m, struct zv_stats *st)
{
	*st = m->st;
	st->dma_read_bytes = st->dma_write_bytes = st->dma_counting_fns = 0;
	st->region_mapped = st->region_syscalls = 0;
	for (size_t i = 0; i < m->nfns; i++) {
		struct zv_function *f = m->fns[i];
		uint64_t r = 0, w = 0;

		if (f && f->dev->ops->region_counters) {
			uint64_t a, b;

			f->dev->ops->region_counters(f->dev, &a, &b);
			st->region_mapped += a;
			st->region_syscalls += b;
		}
		if (f && f->dev->ops->dma_counters) {
			st->dma_counting_fns++;
			f->dev->ops->dma_counters(f->dev, &r, &w);
			st->dma_read_bytes += r;
			st->dma_write_bytes += w;
		}
	}
}

ZV_API const char *zv_insn_name(enum zv_insn i)
{
	static const char *const names[ZV_INSN_COUNT] = {
		"CLP", "PCILG", "PCISTG", "PCISTB", "RPCIT", "MPCIFC", "STPCIFC", "SIC",
	};

	return (unsigned)i < ZV_INSN_COUNT ? names[i] : "?";
}
