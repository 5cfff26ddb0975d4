/* SPDX-License-Identifier: MIT */
/* The intercepted CPU's condition code and status byte. */
#include "cpu.h"

void set_cc(struct zv_cpu *cpu, int cc)
{
	cpu->psw_mask = (cpu->psw_mask & ~ZV_PSW_MASK_CC) | (uint64_t)(cc & 3) << ZV_PSW_CC_SHIFT;
}

void set_status(struct zv_cpu *cpu, int r, uint8_t status)
{
	cpu->gpr[r] = (cpu->gpr[r] & ~0xff000000ULL) | (uint64_t)status << 24;
}
