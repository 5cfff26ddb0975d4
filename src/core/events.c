/* SPDX-License-Identifier: MIT */
/*
 * PCI event queue (reference §6.5-6.6). Events are announced with one
 * channel report word; the guest fetches them with CHSC Store Event
 * Information until the "more" flag is clear, after which the next event
 * raises a new CRW (Linux's chsc_process_event_information loop).
 */
#include <errno.h>
#include <stdlib.h>

#include "core.h"
#include "events.h"

void event_post(struct zv_machine *m, const struct zpci_event *ev)
{
	struct event_node *n = malloc(sizeof(*n));

	if (!n)
		return;	/* out of memory: the event is lost, the state change is not */
	n->ev = *ev;
	n->next = NULL;
	if (m->ev_tail)
		m->ev_tail->next = n;
	else
		m->ev_head = n;
	m->ev_tail = n;
	m->ev_count++;
	if (m->crw_armed) {
		m->crw_armed = false;
		m->crw_pending = true;
		if (m->hv && m->hv->crw_pending)
			m->hv->crw_pending(m->hv_opaque);
	}
}

void events_free(struct zv_machine *m)
{
	while (m->ev_head) {
		struct event_node *n = m->ev_head;

		m->ev_head = n->next;
		free(n);
	}
	m->ev_tail = NULL;
	m->ev_count = 0;
}

ZV_API bool zv_crw_take(struct zv_machine *m, uint32_t *crw)
{
	if (!m->crw_pending)
		return false;
	m->crw_pending = false;
	*crw = CRW_CSS_EVENT_PENDING;
	return true;
}

ZV_API int zv_chsc_sei_nt2(struct zv_machine *m, uint8_t *rsp, size_t len)
{
	struct event_node *n = m->ev_head;

	if (!m || !rsp || len < CHSC_SEI_NT2_SIZE) {
		errno = EINVAL;
		return -1;
	}
	if (!n) {
		chsc_sei_nt2_encode(rsp, len, NULL, 0);
		m->crw_armed = true;
		return 0;
	}
	m->ev_head = n->next;
	if (!m->ev_head)
		m->ev_tail = NULL;
	m->ev_count--;
	chsc_sei_nt2_encode(rsp, len, &n->ev, m->ev_head != NULL);
	if (!m->ev_head)
		m->crw_armed = true;
	free(n);
	return 1;
}
