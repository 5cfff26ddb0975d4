/* SPDX-License-Identifier: MIT */
/* The function measurement block. */
#ifndef ZV_CORE_FMB_H
#define ZV_CORE_FMB_H

#include <stdint.h>

#include "zvfio/zvfio.h"

/* MPCIFC set measurement: 0, or -1 when the block is not in guest RAM. */
int fmb_set(struct zv_function *f, uint64_t addr);
void fmb_update_all(struct zv_machine *m);
/* With hv->tod: update the blocks when an interval of guest time passed
 * (from zv_dispatch()). */
void fmb_tick(struct zv_machine *m);

#endif
