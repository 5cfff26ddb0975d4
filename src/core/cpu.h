/* SPDX-License-Identifier: MIT */
/*
 * The intercepted CPU's answer registers: the condition code in the PSW
 * and the status byte of a general register. The handlers (clp.c,
 * insn.c) set them on their copy of the CPU.
 */
#ifndef ZV_CORE_CPU_H
#define ZV_CORE_CPU_H

#include <stdint.h>

#include "zvfio/zvfio.h"

void set_cc(struct zv_cpu *cpu, int cc);
/* Status byte: bits 32-39 of register r (reference §1.2). */
void set_status(struct zv_cpu *cpu, int r, uint8_t status);

#endif
