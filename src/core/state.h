/* SPDX-License-Identifier: MIT */
/*
 * A function's state changes and its error state: what the interrupt
 * logic, the measurement block, the handlers and the dispatcher share, so
 * it sits below all of them.
 */
#ifndef ZV_CORE_STATE_H
#define ZV_CORE_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/events.h"
#include "zvfio/zvfio.h"

/* Every state change goes through here: it keeps the device's DMA blocked
 * in the error and blocked states. */
void fn_set_state(struct zv_function *f, enum zv_fn_state s);
/* Tell the device whether to block DMA, from the state and the zombies. */
void fn_update_dma_block(struct zv_function *f);
/* The permanent error state, with its event (PEC 0x3b). */
void fn_set_permanent_error(struct zv_function *f);
/* The error state with the event ev, or with an error event built from
 * pec, faddr and write. */
void fn_post_error(struct zv_function *f, const struct zpci_event *ev);
void fn_set_error(struct zv_function *f, uint16_t pec, uint64_t faddr, bool write);

#endif
