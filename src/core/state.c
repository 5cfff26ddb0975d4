/* SPDX-License-Identifier: MIT */
/*
 * A function's state changes and its error state. Below the interrupt
 * logic, the measurement block and the handlers, which all put a function
 * into the error state, and above only the event queue.
 */
#include "core.h"
#include "events.h"
#include "state.h"

void fn_set_state(struct zv_function *f, enum zv_fn_state s)
{
	bool was = f->state == ZV_FS_ERROR || f->state == ZV_FS_BLOCKED;
	bool now = s == ZV_FS_ERROR || s == ZV_FS_BLOCKED;

	f->state = s;
	if (was != now && f->dev->ops->set_dma_blocked)
		f->dev->ops->set_dma_blocked(f->dev, now);
}

/* A DMA or interrupt error: the function enters the error state (load/store
 * blocked, DMA blocked) and the guest gets an error event with the current
 * handle (Linux ignores events whose handle is not current). */
void fn_post_error(struct zv_function *f, const struct zpci_event *ev)
{
	if (f->state == ZV_FS_ENABLED || f->state == ZV_FS_BLOCKED)
		fn_set_state(f, ZV_FS_ERROR);
	f->m->st.error_events++;
	event_post(f->m, ev);
}

void fn_set_error(struct zv_function *f, uint16_t pec, uint64_t faddr, bool write)
{
	struct zpci_event ev = {
		.kind = ZPCI_EVENT_ERROR,
		.fh = f->fh,
		.fid = f->fid,
		.pec = pec,
		.faddr = faddr,
		.rw = write,
	};

	fn_post_error(f, &ev);
}
