/* SPDX-License-Identifier: MIT */
/*
 * PCI event queue (reference §6.5-6.6). Events are announced with one
 * channel report word; the guest fetches them with CHSC Store Event
 * Information until the "more" flag is clear, after which the next event
 * raises a new CRW (Linux's chsc_process_event_information loop).
 *
 * The queue is bounded (ZV_EVENT_QUEUE_MAX). QEMU's is not
 * (s390_pci_generate_event allocates one container per event), so a guest
 * that never fetches while it keeps causing errors grows QEMU's memory
 * without limit. Nor does the architecture give NT2 events an overflow
 * report Linux would act on: the CRW overflow bit makes Linux skip Store
 * Event Information altogether (chsc_process_crw re-evaluates subchannels
 * instead), which would strand the queued PCI events. So zvfio
 *   - does not queue an event equal to one already queued and not yet
 *     fetched (a repeated error says nothing new: zv_stats.events_coalesced);
 *   - when the queue is full, drops the new error event
 *     (zv_stats.events_dropped): the function's state change it reports has
 *     happened anyway, and the guest sees it in the answers to its next
 *     instruction (cc 1 status 8);
 *   - never drops an availability event (plug, unplug, unplug request):
 *     the host waits for the guest to act on those; it takes the place of
 *     the oldest error event instead.
 */
#include <errno.h>
#include <string.h>

#include "arch/be.h"
#include "core.h"
#include "events.h"

static struct zpci_event *slot(struct zv_machine *m, unsigned i)
{
	return &m->ev_ring[(m->ev_head + i) % ZV_EVENT_QUEUE_MAX];
}

static bool same_event(const struct zpci_event *a, const struct zpci_event *b)
{
	return a->kind == b->kind && a->fh == b->fh && a->fid == b->fid && a->pec == b->pec &&
	       a->ett == b->ett && a->mvn == b->mvn && a->dmaas == b->dmaas && a->q == b->q &&
	       a->rw == b->rw && a->faddr == b->faddr;
}

/* Make room by dropping the oldest error event; false if there is none. */
static bool drop_oldest_error(struct zv_machine *m)
{
	for (unsigned i = 0; i < m->ev_count; i++) {
		if (slot(m, i)->kind != ZPCI_EVENT_ERROR)
			continue;
		for (unsigned j = i; j + 1 < m->ev_count; j++)
			*slot(m, j) = *slot(m, j + 1);
		m->ev_count--;
		return true;
	}
	return false;
}

void event_post(struct zv_machine *m, const struct zpci_event *ev)
{
	for (unsigned i = 0; i < m->ev_count; i++) {
		if (same_event(slot(m, i), ev)) {
			m->st.events_coalesced++;
			return;
		}
	}
	if (m->ev_count == ZV_EVENT_QUEUE_MAX) {
		m->st.events_dropped++;	/* this one, or the error event that makes room */
		if (ev->kind == ZPCI_EVENT_ERROR || !drop_oldest_error(m))
			return;
	}
	*slot(m, m->ev_count++) = *ev;
	if (m->crw_armed) {
		m->crw_armed = false;
		m->crw_pending = true;
		if (m->hv && m->hv->crw_pending)
			m->hv->crw_pending(m->hv_opaque);
	}
}

void events_free(struct zv_machine *m)
{
	m->ev_head = m->ev_count = 0;
}

ZV_API bool zv_crw_take(struct zv_machine *m, uint32_t *crw)
{
	if (!m->crw_pending)
		return false;
	m->crw_pending = false;
	*crw = CRW_CSS_EVENT_PENDING;
	return true;
}

/*
 * CHSC for a binding without a channel subsystem of its own (QEMU's
 * ioinst_handle_chsc: the block is a page, its request header's length
 * a multiple of 8 in 16-4088): Store Event Information (0x000e) with
 * notification types 0 or 2 selected, or none (all), answered from the
 * PCI events; other types "no event" (0x0005); other commands "not
 * provided" (0x0004).
 */
ZV_API int zv_chsc(struct zv_machine *m, uint8_t *blk)
{
	uint16_t len, cmd;
	uint8_t *rsp;

	if (!m || !blk) {
		errno = EINVAL;
		return -1;
	}
	len = be16_get(blk);
	cmd = be16_get(blk + 2);
	if (len < 16 || len > 4088 || (len & 7))
		return ZV_PGM_OPERAND;
	rsp = blk + len;
	if (cmd == 0x000e && len == 16) {
		uint64_t ntsm = be64_get(blk + 8);

		if (ntsm == 0 || (ntsm & (1ULL << 61))) {	/* NT2: PCI */
			zv_chsc_sei_nt2(m, rsp, 4096 - len);
			return 0;
		}
		memset(rsp, 0, 8);
		be16_put(rsp, 8);
		be16_put(rsp + 2, 0x0005);	/* no event of these types */
		return 0;
	}
	memset(rsp, 0, 8);
	be16_put(rsp, 8);
	be16_put(rsp + 2, 0x0004);		/* command not provided */
	return 0;
}

ZV_API int zv_chsc_sei_nt2(struct zv_machine *m, uint8_t *rsp, size_t len)
{
	struct zpci_event ev;

	if (!m || !rsp || len < CHSC_SEI_NT2_SIZE) {
		errno = EINVAL;
		return -1;
	}
	if (!m->ev_count) {
		chsc_sei_nt2_encode(rsp, len, NULL, 0);
		m->crw_armed = true;
		return 0;
	}
	ev = *slot(m, 0);
	m->ev_head = (m->ev_head + 1) % ZV_EVENT_QUEUE_MAX;
	m->ev_count--;
	chsc_sei_nt2_encode(rsp, len, &ev, m->ev_count != 0);
	if (!m->ev_count)
		m->crw_armed = true;
	return 1;
}
