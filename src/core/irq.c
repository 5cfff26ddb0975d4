/* SPDX-License-Identifier: MIT */
/*
 * Adapter interruptions (reference §5): an MSI-X message from a function
 * sets its vector's bit in the AIBV and the function's summary bit in the
 * AISB, in guest memory, and makes an adapter interruption pending for the
 * ISC when the summary bit went 0 -> 1, unless AIS suppresses it.
 */
#include "arch/be.h"
#include "arch/codes.h"
#include "core.h"
#include "irq.h"
#include "state.h"

/* Atomically OR a bit into guest memory; returns whether it was set. The
 * byte is read once, by the atomic itself (QEMU's set_ind_atomic fix). */
static bool set_bit_atomic(uint8_t *byte, uint8_t mask)
{
	return (__atomic_fetch_or(byte, mask, __ATOMIC_SEQ_CST) & mask) != 0;
}

void irq_inject(struct zv_machine *m, uint8_t isc)
{
	if (m->fac & ZV_FAC_AIS) {
		if (m->ais[isc] == AIS_SUPPRESSED) {
			m->st.irqs_suppressed++;
			return;
		}
		if (m->ais[isc] == AIS_SINGLE)
			m->ais[isc] = AIS_SUPPRESSED;
	}
	m->st.irqs_injected++;
	if (m->hv && m->hv->inject_adapter)
		m->hv->inject_adapter(m->hv_opaque, isc);
}

void irq_msi(struct zv_function *f, uint64_t addr, uint32_t data, unsigned vec)
{
	struct fn_irq *ir = &f->irq;
	unsigned v = data & MSI_VEC_MASK;

	/* Error and blocked functions ignore interrupts (reference §6.1). */
	if (f->state != ZV_FS_ENABLED)
		return;
	/* an MSI with no registration, or one that is not a zPCI interrupt
	 * message: an error, never a write to guest address 0 (reference §11) */
	if (!ir->registered || addr != f->group->msia || v >= ir->noi) {
		struct zpci_event ev = {
			.kind = ZPCI_EVENT_ERROR, .fh = f->fh, .fid = f->fid, .mvn = (uint16_t)vec,
			.pec = ir->registered ? ZPCI_PEC_INVAL_MSI : ZPCI_PEC_NO_MSI,
			.faddr = ir->registered ? addr : 0,
		};

		fn_post_error(f, &ev);
		return;
	}
	uint64_t bit = (uint64_t)ir->aibvo + v;
	set_bit_atomic(ir->aibv_host + bit / 8, bitvec_mask(bit));
	f->m->st.irqs_forwarded++;
	if (ir->sum) {
		if (set_bit_atomic(ir->aisb_host + ir->aisbo / 8, bitvec_mask(ir->aisbo))) {
			/* summary already pending: the guest will scan this AIBV */
			f->m->st.irqs_suppressed++;
			return;
		}
	}
	irq_inject(f->m, ir->isc);
}

/* SIC: 0 = all interruptions, 1 = single (reference §5.4-5.5). */
int irq_sic(struct zv_machine *m, uint16_t mode, uint8_t isc)
{
	switch (mode) {
	case 0:
		m->ais[isc] = AIS_ALL;
		return 0;
	case 1:
		m->ais[isc] = AIS_SINGLE;
		return 0;
	default:
		return -1;
	}
}
