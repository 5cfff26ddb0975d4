/* SPDX-License-Identifier: MIT */
/*
 * Split virtqueues (VIRTIO 1.2, 2.7) as a device sees them: every access
 * to the rings and descriptors goes through the device's IOMMU, and a
 * chain the driver built wrongly is an answer (VQ_BROKEN with a reason),
 * never a host fault.
 */
#ifndef ZV_DEV_EMU_VIRTQ_H
#define ZV_DEV_EMU_VIRTQ_H

#include <stdbool.h>
#include <stdint.h>

#include "dev/dev.h"
#include "iommu.h"

#define VIRTQ_MAX_SIZE 256	/* the queue size the devices offer */

struct virtq {
	uint16_t size;		/* entries: the device's maximum, or what the driver set */
	bool enabled;
	uint16_t msix;		/* its MSI-X vector, or VIRTIO_MSI_NO_VECTOR */
	uint64_t desc, avail, used;	/* IOVAs of the three parts */
	uint16_t last_avail;	/* the next available entry to take */
	uint16_t used_idx;	/* the device's used index */
};

/* One descriptor of a chain, in order: device-readable ones first. */
struct virtq_buf {
	uint64_t iova;
	uint32_t len;
	bool write;
};

struct virtq_chain {
	uint16_t head;
	unsigned n;
	uint64_t rlen, wlen;	/* device-readable and device-writable bytes */
	struct virtq_buf buf[VIRTQ_MAX_SIZE];
};

enum virtq_res {
	VQ_OK,		/* a chain in *c */
	VQ_EMPTY,	/* nothing available */
	VQ_FAULT,	/* an IOMMU fault on the rings or descriptors: in *f */
	VQ_BROKEN,	/* the driver broke the rules: *why */
};

/* Take the next available chain. */
enum virtq_res virtq_pop(const struct emu_iommu *io, struct virtq *q, struct virtq_chain *c,
			 struct dev_fault *f, const char **why);
/* Return a chain to the driver with len bytes written: 0, or -1 with *f. */
int virtq_push(const struct emu_iommu *io, struct virtq *q, uint16_t head, uint32_t len,
	       struct dev_fault *f);
/* Whether the driver wants an interrupt now (its avail ring's flags). */
bool virtq_notify_wanted(const struct emu_iommu *io, const struct virtq *q);
/* Copy n bytes at iova to or from buf through the IOMMU: 0, or -1 with *f
 * (what was copied before the fault stays). */
int virtq_dma_read(const struct emu_iommu *io, uint64_t iova, void *buf, uint64_t n,
		   struct dev_fault *f);
int virtq_dma_write(const struct emu_iommu *io, uint64_t iova, const void *buf, uint64_t n,
		    struct dev_fault *f);

#endif
