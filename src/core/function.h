/* SPDX-License-Identifier: MIT */
/* PCI functions: lookup by handle, enable/disable, DMA window, host information, groups. */
#ifndef ZV_CORE_FUNCTION_H
#define ZV_CORE_FUNCTION_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/dev.h"
#include "zvfio/zvfio.h"

struct zv_function *fn_by_fh(const struct zv_machine *m, uint32_t fh);
/* By the handle's index alone (STPCIFC): an interpreted function by its
 * host handle without the enable bit and instance, else by index. */
struct zv_function *fn_by_fh_index(const struct zv_machine *m, uint32_t fh);
struct zv_function *fn_by_idx(const struct zv_machine *m, uint32_t idx);
bool fn_configured(const struct zv_function *f);
int fn_enable(struct zv_function *f);
/* 0, or -1 when the host could not clean up: then in permanent error. */
int fn_disable(struct zv_function *f);
/* The DMA window QUERY PCI FN reports, from the group and the backend. */
void fn_set_window(struct zv_function *f);
int fn_apply_host_info(struct zv_function *f, const struct dev_zpci *z);
void fn_put_group(struct zv_function *f);

#endif
