/* SPDX-License-Identifier: MIT */
/*
 * What every in-process emulated device has, and the ops they share: its
 * IOMMU (iommu.c), the MSI-X trigger eventfds the engine attaches, the
 * error eventfd with the one IOMMU fault it reports, the host's DMA block,
 * and the bytes moved by DMA. A device embeds struct emu_base first.
 */
#ifndef ZV_DEV_EMU_BASE_H
#define ZV_DEV_EMU_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dev/dev.h"
#include "iommu.h"

struct emu_base {
	struct zv_device dev;
	struct emu_iommu iommu;
	int err_fd;
	struct dev_fault fault;
	bool fault_pending;
	bool dma_blocked;		/* the host blocks DMA (the function's error state) */
	unsigned nvec;
	int *irq_fds;			/* per MSI-X vector, -1: none attached */
	uint64_t rbytes, wbytes;	/* read from / written to guest memory */
};

/* 0, or -1 with errno (then emu_base_fini() frees what was made). */
int emu_base_init(struct emu_base *b, const struct dev_ops *ops, const char *name, unsigned nvec,
		  uint64_t maps);
void emu_base_fini(struct emu_base *b);
/* Signal vector vec times times (no eventfd attached: dropped, as by VFIO). */
void emu_raise(struct emu_base *b, unsigned vec, uint64_t times);
/* Report an IOMMU fault on the error eventfd (the first until taken). */
void emu_report_fault(struct emu_base *b, const struct dev_fault *f);
/* -1 and EINVAL unless [off, off + len) lies in region idx of d (as its
 * region_info op sizes it). */
int emu_check_range(struct zv_device *d, unsigned idx, uint64_t off, size_t len);

/* the dev_ops every emulated device shares */
int emu_op_set_msix(struct zv_device *d, unsigned start, unsigned count, const int *fds);
int emu_op_dma_map(struct zv_device *d, uint64_t iova, uint64_t size, void *vaddr, bool write);
int emu_op_dma_unmap(struct zv_device *d, uint64_t iova, uint64_t size);
uint64_t emu_op_dma_avail(struct zv_device *d);
void emu_op_set_dma_blocked(struct zv_device *d, bool blocked);
int emu_op_err_fd(struct zv_device *d);
int emu_op_take_fault(struct zv_device *d, struct dev_fault *f);
void emu_op_dma_counters(struct zv_device *d, uint64_t *read, uint64_t *written);

#endif
