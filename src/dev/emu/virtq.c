/* SPDX-License-Identifier: MIT */
/*
 * Split virtqueues (VIRTIO 1.2, 2.7): the device's side. The checks follow
 * the spec's "driver requirements" (2.7.5.3.1, 2.7.13): a chain no longer
 * than the queue (which also ends a loop), indexes inside the table, no
 * indirect table inside another or with NEXT set beside it, a table of
 * whole descriptors, device-writable descriptors after device-readable
 * ones, and no more entries made available than the queue holds.
 */
#include <string.h>

#include "arch/be.h"
#include "virtio.h"
#include "virtq.h"

static int dma_copy(const struct emu_iommu *io, uint64_t iova, uint8_t *buf, uint64_t n,
		    bool write, struct dev_fault *f)
{
	uint64_t done = 0;

	while (done < n) {
		uint64_t run;
		bool prot;
		uint8_t *p = emu_iommu_translate(io, iova + done, n - done, write, &run, &prot);

		if (!p) {
			*f = (struct dev_fault){ .iova = iova + done, .write = write, .prot = prot };
			return -1;
		}
		if (write)
			memcpy(p, buf + done, run);
		else
			memcpy(buf + done, p, run);
		done += run;
	}
	return 0;
}

int virtq_dma_read(const struct emu_iommu *io, uint64_t iova, void *buf, uint64_t n,
		   struct dev_fault *f)
{
	return dma_copy(io, iova, buf, n, false, f);
}

int virtq_dma_write(const struct emu_iommu *io, uint64_t iova, const void *buf, uint64_t n,
		    struct dev_fault *f)
{
	return dma_copy(io, iova, (uint8_t *)buf, n, true, f);
}

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static int read_desc(const struct emu_iommu *io, uint64_t table, uint32_t i, struct desc *d,
		     struct dev_fault *f)
{
	uint8_t b[VIRTQ_DESC_SIZE];

	if (virtq_dma_read(io, table + (uint64_t)i * VIRTQ_DESC_SIZE, b, sizeof(b), f))
		return -1;
	d->addr = le64_get(b);
	d->len = le32_get(b + 8);
	d->flags = le16_get(b + 12);
	d->next = le16_get(b + 14);
	return 0;
}

/* Add one descriptor's buffer to the chain. */
static enum virtq_res add(struct virtq_chain *c, const struct desc *d, unsigned limit,
			  const char **why)
{
	bool w = d->flags & VIRTQ_DESC_F_WRITE;

	if (c->n >= limit) {
		*why = "a descriptor chain longer than the queue (or a loop)";
		return VQ_BROKEN;
	}
	if (!w && c->wlen) {
		*why = "a device-readable descriptor after a device-writable one";
		return VQ_BROKEN;
	}
	c->buf[c->n++] = (struct virtq_buf){ .iova = d->addr, .len = d->len, .write = w };
	if (w)
		c->wlen += d->len;
	else
		c->rlen += d->len;
	return VQ_OK;
}

enum virtq_res virtq_pop(const struct emu_iommu *io, struct virtq *q, struct virtq_chain *c,
			 struct dev_fault *f, const char **why)
{
	uint8_t b[2];
	uint16_t avail_idx, head, i;
	struct desc d;
	enum virtq_res r;

	if (!q->enabled || !q->size)
		return VQ_EMPTY;
	if (virtq_dma_read(io, q->avail + 2, b, 2, f))
		return VQ_FAULT;
	avail_idx = le16_get(b);
	if (avail_idx == q->last_avail)
		return VQ_EMPTY;
	if ((uint16_t)(avail_idx - q->last_avail) > q->size) {
		*why = "more buffers made available than the queue holds";
		return VQ_BROKEN;
	}
	if (virtq_dma_read(io, q->avail + 4 + 2ULL * (q->last_avail % q->size), b, 2, f))
		return VQ_FAULT;
	head = le16_get(b);
	if (head >= q->size) {
		*why = "an available entry names a descriptor outside the table";
		return VQ_BROKEN;
	}
	c->head = head;
	c->n = 0;
	c->rlen = c->wlen = 0;
	for (i = head;;) {
		if (read_desc(io, q->desc, i, &d, f))
			return VQ_FAULT;
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			uint32_t n = d.len / VIRTQ_DESC_SIZE;
			uint64_t table = d.addr;

			if ((d.flags & VIRTQ_DESC_F_NEXT) || !d.len || d.len % VIRTQ_DESC_SIZE) {
				*why = "an indirect descriptor with NEXT, or not of whole descriptors";
				return VQ_BROKEN;
			}
			for (uint32_t j = 0;;) {
				if (read_desc(io, table, j, &d, f))
					return VQ_FAULT;
				if (d.flags & VIRTQ_DESC_F_INDIRECT) {
					*why = "an indirect descriptor inside an indirect table";
					return VQ_BROKEN;
				}
				if ((r = add(c, &d, q->size, why)) != VQ_OK)
					return r;
				if (!(d.flags & VIRTQ_DESC_F_NEXT))
					break;
				if (d.next >= n) {
					*why = "an indirect descriptor's next outside its table";
					return VQ_BROKEN;
				}
				j = d.next;
			}
			break;
		}
		if ((r = add(c, &d, q->size, why)) != VQ_OK)
			return r;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		if (d.next >= q->size) {
			*why = "a descriptor's next outside the table";
			return VQ_BROKEN;
		}
		i = d.next;
	}
	q->last_avail++;
	return VQ_OK;
}

int virtq_push(const struct emu_iommu *io, struct virtq *q, uint16_t head, uint32_t len,
	       struct dev_fault *f)
{
	uint8_t e[8], idx[2];

	le32_put(e, head);
	le32_put(e + 4, len);
	if (virtq_dma_write(io, q->used + 4 + 8ULL * (q->used_idx % q->size), e, sizeof(e), f))
		return -1;
	q->used_idx++;
	le16_put(idx, q->used_idx);
	return virtq_dma_write(io, q->used + 2, idx, 2, f);
}

bool virtq_notify_wanted(const struct emu_iommu *io, const struct virtq *q)
{
	struct dev_fault f;
	uint8_t b[2];

	/* an unreadable ring: interrupt, and let the driver find out */
	if (virtq_dma_read(io, q->avail, b, 2, &f))
		return true;
	return !(le16_get(b) & VIRTQ_AVAIL_F_NO_INTERRUPT);
}
