/* SPDX-License-Identifier: MIT */
/* CLP with the PCI commands (the block formats are in arch/clp.h). */
#ifndef ZV_CORE_CLP_H
#define ZV_CORE_CLP_H

#include "arch/insn.h"
#include "zvfio/zvfio.h"

/* 0 with the answer in cpu, or a program-interruption code. */
int clp_service_call(struct zv_machine *m, struct zv_cpu *cpu, const struct zpci_insn *in);

#endif
