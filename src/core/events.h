/* SPDX-License-Identifier: MIT */
/* The machine's PCI event queue and its channel report word. */
#ifndef ZV_CORE_EVENTS_H
#define ZV_CORE_EVENTS_H

#include "arch/events.h"
#include "zvfio/zvfio.h"

void event_post(struct zv_machine *m, const struct zpci_event *ev);
void events_free(struct zv_machine *m);

#endif
