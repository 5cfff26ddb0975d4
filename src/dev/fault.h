/* SPDX-License-Identifier: MIT */
/* Fault injection: a wrapper device whose chosen operation fails (fault.c). */
#ifndef ZV_DEV_FAULT_H
#define ZV_DEV_FAULT_H

#include <stdbool.h>
#include <stddef.h>

#include "dev.h"

/* Is tok ("key=value") one of the wrapper's options? */
bool fault_is_option(const char *tok);
/* Wrap in according to opts (the wrapper's options only); the wrapper owns
 * in, and closes it on failure too. NULL with errno and err. */
struct zv_device *fault_wrap(struct zv_device *in, const char *opts, char *err, size_t errlen);

#endif
