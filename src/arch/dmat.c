/* SPDX-License-Identifier: MIT */
#include "codes.h"
#include "dmat.h"

/*
 * Entry checks, in this order: an all-zero entry is never valid (Linux
 * initialises tables to "invalid" entries, QEMU reports 0x7 for zero
 * entries); then the invalid bit; then the table type (0x9) and, for
 * region entries, the table length and offset (0x8) — reference §4.2.
 */
enum zpci_te_result zpci_rte_decode(uint64_t e, struct zpci_te *t)
{
	*t = (struct zpci_te){0};
	if (e == 0) {
		t->pec = ZPCI_PEC_INVAL_TE;
		return ZPCI_TE_FAULT;
	}
	if (e & ZPCI_TE_INVALID)
		return ZPCI_TE_UNMAPPED;
	if ((e & ZPCI_TE_TYPE_MASK) != ZPCI_TE_TYPE_RT) {
		t->pec = ZPCI_PEC_TABLE_TYPE;
		return ZPCI_TE_FAULT;
	}
	if ((e & ZPCI_RTE_TL_MASK) != ZPCI_RTE_TL_MASK || (e & ZPCI_RTE_TF_MASK)) {
		t->pec = ZPCI_PEC_INVAL_TL;
		return ZPCI_TE_FAULT;
	}
	t->origin = e & ZPCI_RTE_ORIGIN;
	t->prot = (e & ZPCI_TE_PROT) != 0;
	return ZPCI_TE_OK;
}

enum zpci_te_result zpci_ste_decode(uint64_t e, struct zpci_te *t)
{
	*t = (struct zpci_te){0};
	if (e == 0) {
		t->pec = ZPCI_PEC_INVAL_TE;
		return ZPCI_TE_FAULT;
	}
	if (e & ZPCI_TE_INVALID)
		return ZPCI_TE_UNMAPPED;
	if ((e & ZPCI_TE_TYPE_MASK) != ZPCI_TE_TYPE_ST) {
		t->pec = ZPCI_PEC_TABLE_TYPE;
		return ZPCI_TE_FAULT;
	}
	t->prot = (e & ZPCI_TE_PROT) != 0;
	if (e & ZPCI_STE_FC) {
		t->large = true;
		t->origin = e & ZPCI_STE_FRAME;
	} else {
		t->origin = e & ZPCI_STE_ORIGIN;
	}
	return ZPCI_TE_OK;
}

enum zpci_te_result zpci_pte_decode(uint64_t e, struct zpci_te *t)
{
	*t = (struct zpci_te){0};
	if (e == 0) {
		t->pec = ZPCI_PEC_INVAL_TE;
		return ZPCI_TE_FAULT;
	}
	if (e & ZPCI_PTE_INVALID)
		return ZPCI_TE_UNMAPPED;
	t->origin = e & ZPCI_PTE_FRAME;
	t->prot = (e & ZPCI_TE_PROT) != 0;
	return ZPCI_TE_OK;
}
