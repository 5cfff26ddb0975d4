/* SPDX-License-Identifier: MIT */
/* Guest storage: absolute accesses in RAM, logical ones through the binding. */
#ifndef ZV_CORE_GUESTMEM_H
#define ZV_CORE_GUESTMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zvfio/zvfio.h"

/* Host pointer for [gpa, gpa+len) if it lies inside one RAM region. */
uint8_t *gm_ptr(const struct zv_machine *m, uint64_t gpa, uint64_t len);
uint64_t gm_region_last(const struct zv_machine *m, uint64_t gpa);
bool gm_in_ram(const struct zv_machine *m, uint64_t gpa, uint64_t len);
int gm_read(const struct zv_machine *m, uint64_t gpa, void *buf, size_t len);
int gm_write(const struct zv_machine *m, uint64_t gpa, const void *buf, size_t len);
/* Logical accesses by the intercepted instruction: 0 or a program code. */
int gm_read_logical(const struct zv_machine *m, const struct zv_cpu *cpu, uint64_t la,
		    uint8_t ar, void *buf, size_t len);
int gm_write_logical(const struct zv_machine *m, const struct zv_cpu *cpu, uint64_t la,
		     uint8_t ar, const void *buf, size_t len);

#endif
