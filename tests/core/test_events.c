/* SPDX-License-Identifier: MIT */
/*
 * The PCI event queue is bounded: a guest that never fetches events while
 * it keeps causing errors cannot grow host memory (events.c). Equal events
 * are queued once; when full, error events are dropped and counted, and an
 * availability event takes the place of the oldest error event.
 */
#include <string.h>

#include "arch/codes.h"
#include "arch/fib.h"
#include "core/core.h"
#include "fakes.h"
#include "harness.h"

#define FMB 0x30000ULL

static int set_measure(struct fx *x, uint32_t fh, uint64_t fmb)
{
	memset(x->ram + FX_FIB, 0, ZPCI_FIB_SIZE);
	fx_w64(x, FX_FIB + 0x40, fmb);
	return fx_mpcifc(x, fh, 0, ZPCI_MOD_FC_SET_MEASURE);
}

TEST(repeating_an_error_queues_it_once)
{
	struct fx x;
	struct zv_stats st;
	struct zpci_event ev;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	/* the hostile loop of issue 10: a misaligned FMB, again and again */
	for (int i = 0; i < 100000; i++) {
		EXPECT_EQ(set_measure(&x, fh, FMB | 8), 0);
		EXPECT_EQ(fx_cc(&x), 1);
	}
	zv_stats_get(x.m, &st);
	EXPECT_EQ(st.events_coalesced, 99999);
	EXPECT_EQ(x.m->ev_count, 1);
	EXPECT(fx_event(&x, &ev));
	EXPECT_EQ(ev.pec, ZPCI_PEC_FMBPRO);
	EXPECT(!fx_event(&x, &ev));
	/* once fetched, the same error is news again */
	EXPECT_EQ(set_measure(&x, fh, FMB | 8), 0);
	EXPECT(fx_event(&x, &ev));
	fx_fini(&x);
}

TEST(a_full_queue_drops_error_events_and_counts_them)
{
	struct fx x;
	struct zv_stats st;
	struct zpci_event ev;
	uint32_t fh;
	unsigned n = 0;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	/* distinct errors: each FMB address its own event */
	for (unsigned i = 0; i < ZV_EVENT_QUEUE_MAX + 44; i++)
		EXPECT_EQ(set_measure(&x, fh, FMB + 0x1000ULL * i + 4), 0);
	zv_stats_get(x.m, &st);
	EXPECT_EQ(x.m->ev_count, ZV_EVENT_QUEUE_MAX);
	EXPECT_EQ(st.events_dropped, 44);
	EXPECT_EQ(st.error_events, ZV_EVENT_QUEUE_MAX + 44);
	/* the oldest ones are kept, in order */
	while (fx_event(&x, &ev)) {
		EXPECT_EQ(ev.faddr, FMB + 0x1000ULL * n + 4);
		n++;
	}
	EXPECT_EQ(n, ZV_EVENT_QUEUE_MAX);
	fx_fini(&x);
}

TEST(an_availability_event_is_never_dropped)
{
	struct fx x;
	struct zv_stats st;
	struct zpci_event ev;
	uint32_t fh;
	bool seen = false;

	fx_init(&x, 2, 0);
	fh = fx_enable(&x, 0);
	for (unsigned i = 0; i < ZV_EVENT_QUEUE_MAX; i++)
		EXPECT_EQ(set_measure(&x, fh, FMB + 0x1000ULL * i + 4), 0);
	/* the host takes function 1 away: its 0x0304 must reach the guest */
	EXPECT_EQ(zv_function_set_standby(x.fn[1], true), 0);
	zv_stats_get(x.m, &st);
	EXPECT_EQ(st.events_dropped, 1);	/* the oldest error made room */
	EXPECT_EQ(x.m->ev_count, ZV_EVENT_QUEUE_MAX);
	EXPECT(fx_event(&x, &ev));
	EXPECT_EQ(ev.faddr, FMB + 0x1000 + 4);	/* the first one went */
	while (fx_event(&x, &ev))
		seen |= ev.kind == ZPCI_EVENT_AVAIL && ev.pec == ZPCI_PEC_AVAIL_DECONFIGURED;
	EXPECT(seen);
	fx_fini(&x);
}
