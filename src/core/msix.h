/* SPDX-License-Identifier: MIT */
/* MSI-X as the guest sees it: the engine's vector table and PBA. */
#ifndef ZV_CORE_MSIX_H
#define ZV_CORE_MSIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zvfio/zvfio.h"

int msix_init(struct zv_function *f);
void msix_fini(struct zv_function *f);
void msix_reset(struct zv_function *f);
bool msix_table_access(struct zv_function *f, unsigned bar, uint64_t off, uint8_t *buf,
		       size_t len, bool write);
void msix_ctrl_write(struct zv_function *f, uint16_t ctrl);
void msix_event(struct zv_function *f, unsigned vec);
/* Does a BAR access of [off, off+len) touch the PBA? */
bool msix_hits_pba(const struct zv_function *f, unsigned bar, uint64_t off, size_t len);
/* The message table entry vec holds, its eventfd and whether it is masked
 * (the entry's mask bit or the function mask); -1 with EINVAL for a vector
 * beyond the table. */
int msix_message(const struct zv_function *f, unsigned vec, uint64_t *addr, uint32_t *data,
		 int *fd, bool *masked);

#endif
