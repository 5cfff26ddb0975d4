/* SPDX-License-Identifier: MIT */
/*
 * Function measurement block (reference §3.4): format 0, updated every MUI
 * milliseconds from zv_dispatch() -- of the guest's TOD clock when the
 * binding provides it (hv->tod), else of host time through a timerfd --
 * with the update-in-progress flag in the low bit of the time field.
 */
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "arch/be.h"
#include "arch/codes.h"
#include "core.h"
#include "fmb.h"
#include "guestmem.h"
#include "state.h"

enum {
	FMB_FMT = 0x00, FMB_SAMPLES = 0x04, FMB_LAST = 0x08, FMB_LD = 0x10, FMB_ST = 0x18,
	FMB_STB = 0x20, FMB_RPCIT = 0x28, FMB_DMA_R = 0x30, FMB_DMA_W = 0x38, FMB_SIZE = 0x40,
};
#define FMB_DMA_VALID 0x00800000u	/* in the format word: DMA counters valid */

#define TOD_PER_MS 4096000ULL	/* bit 51 = 1 microsecond */

/* The guest's TOD clock, or one from the host's real time (bit 51 = 1
 * microsecond, epoch 1900). */
static uint64_t tod_now(const struct zv_machine *m)
{
	struct timespec ts;

	if (m->hv && m->hv->tod)
		return m->hv->tod(m->hv_opaque);

	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	return (us + 2208988800ULL * 1000000u) << 12;
}

static int timer_arm(struct zv_machine *m)
{
	struct itimerspec its = {
		.it_interval = { m->mui / 1000, (long)(m->mui % 1000) * 1000000L },
		.it_value = { m->mui / 1000, (long)(m->mui % 1000) * 1000000L },
	};

	if (m->hv && m->hv->tod) {
		if (!m->fmb_armed) {
			m->fmb_armed = true;
			m->fmb_next = tod_now(m) + m->mui * TOD_PER_MS;
		}
		return 0;
	}
	if (m->timerfd < 0) {
		struct epoll_event ee = { .events = EPOLLIN, .data.u64 = ep_tag(EP_TIMER, 0, 0) };

		m->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (m->timerfd < 0)
			return -1;
		if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->timerfd, &ee)) {
			close(m->timerfd);
			m->timerfd = -1;
			return -1;
		}
		return timerfd_settime(m->timerfd, 0, &its, NULL);
	}
	return 0;
}

static void fmb_store(struct zv_function *f)
{
	uint8_t *p = gm_ptr(f->m, f->fmb.addr, FMB_SIZE);
	uint64_t r = 0, w = 0;

	if (!p) {
		/* the block left guest storage: measurement stops with an event */
		f->fmb.addr = 0;
		fn_set_error(f, ZPCI_PEC_FMBA, 0, true);
		return;
	}
	if (f->dev->ops->dma_counters)
		f->dev->ops->dma_counters(f->dev, &r, &w);
	be64_put(p + FMB_LAST, be64_get(p + FMB_LAST) | 1);	/* update in progress */
	be32_put(p + FMB_FMT, f->dev->ops->dma_counters ? FMB_DMA_VALID : 0);
	be32_put(p + FMB_SAMPLES, ++f->fmb.samples);
	be64_put(p + FMB_LD, f->fmb.ld);
	be64_put(p + FMB_ST, f->fmb.st);
	be64_put(p + FMB_STB, f->fmb.stb);
	be64_put(p + FMB_RPCIT, f->fmb.rpcit);
	be64_put(p + FMB_DMA_R, r);
	be64_put(p + FMB_DMA_W, w);
	be64_put(p + FMB_LAST, tod_now(f->m) & ~1ULL);
}

/* MPCIFC set measurement: 0 stops; otherwise start with a first sample. */
int fmb_set(struct zv_function *f, uint64_t addr)
{
	if (!addr) {
		f->fmb.addr = 0;
		return 0;
	}
	if (!gm_in_ram(f->m, addr, FMB_SIZE))
		return -1;
	f->fmb = (struct fn_fmb){ .addr = addr };
	memset(gm_ptr(f->m, addr, FMB_SIZE), 0, FMB_SIZE);
	fmb_store(f);
	return timer_arm(f->m);
}

void fmb_update_all(struct zv_machine *m)
{
	for (size_t i = 0; i < m->nfns; i++) {
		struct zv_function *f = m->fns[i];

		if (f && f->fmb.addr && f->state != ZV_FS_DISABLED)
			fmb_store(f);
	}
}

/* hv->tod: the updates that are due by the guest's clock. */
void fmb_tick(struct zv_machine *m)
{
	uint64_t now;

	if (!m->fmb_armed)
		return;
	now = tod_now(m);
	if (now < m->fmb_next)
		return;
	fmb_update_all(m);
	m->fmb_next = now + m->mui * TOD_PER_MS;
}
