/* SPDX-License-Identifier: MIT */
/*
 * What a binding's irqfd adapter route needs for one vector
 * (zv_function_irq_route): the vector's eventfd and message, from the
 * MSI-X table or, for a function without MSI-X or with it off, from the
 * MSI capability, and where the interrupt logic (irq.c) sets the bits for
 * that message; and the vectors a binding delivers itself
 * (zv_function_irq_bypass), which msix.c and msi.c then leave alone. Above
 * msix.c and msi.c, which deliver into irq.c.
 */
#include <errno.h>

#include "arch/pci.h"
#include "core.h"
#include "irq.h"
#include "msi.h"
#include "msix.h"

ZV_API int zv_function_irq_route(const struct zv_function *f, unsigned vec,
				 struct zv_irq_route *route)
{
	const struct fn_irq *ir = &f->irq;
	bool msix_on = f->msix.nvec && (f->msix.ctrl & PCI_MSIX_FLAGS_ENABLE), masked;
	uint64_t addr;
	uint32_t data;
	int fd;

	if (msix_on || !msi_enabled(f)) {
		if (msix_message(f, vec, &addr, &data, &fd, &masked))
			return -1;
		if (!ir->registered || !msix_on) {
			errno = ENOENT;
			return -1;
		}
	} else {
		/* MSI (a function without MSI-X, or with it off) */
		if (msi_message(f, vec, &addr, &data, &fd, &masked))
			return -1;
		if (!ir->registered) {
			errno = ENOENT;
			return -1;
		}
	}
	unsigned v = data & MSI_VEC_MASK;

	if (addr != f->group->msia || v >= ir->noi) {
		errno = EINVAL;
		return -1;
	}
	*route = (struct zv_irq_route){
		.eventfd = fd,
		.ind_addr = ir->aibv,
		.ind_offset = (uint64_t)ir->aibvo + v,
		.summary_addr = ir->aisb,
		.summary_offset = ir->aisbo,
		.adapter_id = ir->isc,
		.isc = ir->isc,
		.summary = ir->sum,
		.masked = masked,
	};
	return 0;
}

ZV_API int zv_function_irq_bypass(struct zv_function *f, unsigned vec, bool on)
{
	bool any = false;

	if (!f) {
		errno = EINVAL;
		return -1;
	}
	if (vec < f->msix.nvec) {
		uint64_t bit = 1ULL << (vec % 64);

		f->msix.bypass[vec / 64] = on ? f->msix.bypass[vec / 64] | bit
					      : f->msix.bypass[vec / 64] & ~bit;
		any = true;
	}
	if (f->msi.cap && vec < PCI_MSI_MAX_VECS) {
		f->msi.bypass = on ? f->msi.bypass | 1u << vec : f->msi.bypass & ~(1u << vec);
		any = true;
	}
	if (!any) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

ZV_API uint64_t zv_irq_generation(const struct zv_machine *m)
{
	return m->irq_gen;
}

ZV_API unsigned zv_function_irq_vectors(const struct zv_function *f)
{
	if (f->msix.nvec && (f->msix.ctrl & PCI_MSIX_FLAGS_ENABLE))
		return f->msix.nvec;
	return msi_vectors(f);
}
