/* SPDX-License-Identifier: MIT */
/* MSI for functions without MSI-X: the capability's registers and vectors. */
#ifndef ZV_CORE_MSI_H
#define ZV_CORE_MSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zvfio/zvfio.h"

int msi_init(struct zv_function *f);
void msi_fini(struct zv_function *f);
void msi_reset(struct zv_function *f);
void msi_event(struct zv_function *f, unsigned vec);
bool msi_cfg_access(struct zv_function *f, uint64_t off, uint8_t *buf, size_t len, bool write);
bool msi_enabled(const struct zv_function *f);
/* Vectors the guest enabled (0: MSI off or no capability). */
unsigned msi_vectors(const struct zv_function *f);
/* The message vector vec sends, its eventfd and mask; -1 with EINVAL for a
 * vector the guest did not enable. */
int msi_message(const struct zv_function *f, unsigned vec, uint64_t *addr, uint32_t *data,
		int *fd, bool *masked);

#endif
