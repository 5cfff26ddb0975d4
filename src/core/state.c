/* SPDX-License-Identifier: MIT */
/*
 * A function's state changes and its error state. Below the interrupt
 * logic, the measurement block and the handlers, which all put a function
 * into the error state, and above only the event queue.
 */
#include "arch/codes.h"
#include "core.h"
#include "events.h"
#include "state.h"

/* The device's DMA is blocked in the error, blocked and permanent-error
 * states, and whenever it holds mappings the guest dropped and the backend
 * could not remove (dma.c's zombies). */
void fn_update_dma_block(struct zv_function *f)
{
	bool want = f->state == ZV_FS_ERROR || f->state == ZV_FS_BLOCKED ||
		    f->state == ZV_FS_PERMANENT_ERROR || f->dma.zombies || f->dma.dropping;

	if (want != f->dma_blocked && f->dev->ops->set_dma_blocked)
		f->dev->ops->set_dma_blocked(f->dev, want);
	f->dma_blocked = want;
}

void fn_set_state(struct zv_function *f, enum zv_fn_state s)
{
	f->state = s;
	fn_irq_changed(f);
	fn_update_dma_block(f);
}

/* Nothing else is true of the function any more: the host cannot bring
 * its device back to a known state. The guest gets PEC 0x3b (Linux gives
 * the function up); every instruction answers cc 3 from now on. */
void fn_set_permanent_error(struct zv_function *f)
{
	struct zpci_event ev = {
		.kind = ZPCI_EVENT_ERROR, .fh = f->fh, .fid = f->fid, .pec = ZPCI_PEC_PERM_ERROR,
	};

	fn_set_state(f, ZV_FS_PERMANENT_ERROR);
	f->m->st.error_events++;
	event_post(f->m, &ev);
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
