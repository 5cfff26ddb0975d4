/* SPDX-License-Identifier: MIT */
/* Device regions as the guest sees them: BARs, config space, the device probe. */
#ifndef ZV_CORE_PCICFG_H
#define ZV_CORE_PCICFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zvfio/zvfio.h"

int fn_bar_access(struct zv_function *f, unsigned bar, uint64_t off, uint8_t *buf,
		  size_t len, bool write);
int fn_cfg_access(struct zv_function *f, uint64_t off, uint8_t *buf, size_t len, bool write);
int fn_probe_device(struct zv_function *f, char *err, size_t errlen);

#endif
