/* SPDX-License-Identifier: MIT */
/*
 * Guest storage. Absolute accesses (translation tables, bit vectors, FMB)
 * must lie in RAM; logical accesses (CLP blocks, FIB, PCISTB data) go
 * through the binding's DAT translation page by page and present an
 * addressing exception when the absolute address is not in RAM.
 */
#include <string.h>

#include "arch/insn.h"
#include "core.h"
#include "guestmem.h"

#define PAGE 4096ULL

uint8_t *gm_ptr(const struct zv_machine *m, uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < m->n_mem; i++) {
		const struct zv_mem_region *r = &m->mem[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size && len <= r->size - (gpa - r->gpa))
			return (uint8_t *)r->host + (gpa - r->gpa);
	}
	return NULL;
}

/* The last address of the RAM region holding gpa; 0 when gpa is not RAM. */
uint64_t gm_region_last(const struct zv_machine *m, uint64_t gpa)
{
	for (unsigned i = 0; i < m->n_mem; i++) {
		const struct zv_mem_region *r = &m->mem[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size)
			return r->gpa + r->size - 1;
	}
	return 0;
}

/* Copy across adjacent regions if need be; -1 when any byte is not RAM. */
static int gm_copy(const struct zv_machine *m, uint64_t gpa, void *buf, size_t len, bool write)
{
	uint8_t *b = buf;

	while (len) {
		size_t n = len;
		uint8_t *p = NULL;

		for (unsigned i = 0; i < m->n_mem && !p; i++) {
			const struct zv_mem_region *r = &m->mem[i];

			if (gpa >= r->gpa && gpa - r->gpa < r->size) {
				uint64_t left = r->size - (gpa - r->gpa);

				p = (uint8_t *)r->host + (gpa - r->gpa);
				if (n > left)
					n = (size_t)left;
			}
		}
		if (!p)
			return -1;
		if (write)
			memcpy(p, b, n);
		else
			memcpy(b, p, n);
		b += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

bool gm_in_ram(const struct zv_machine *m, uint64_t gpa, uint64_t len)
{
	uint64_t end = gpa + len;

	if (end < gpa)
		return false;
	while (gpa < end) {
		bool found = false;

		for (unsigned i = 0; i < m->n_mem; i++) {
			const struct zv_mem_region *r = &m->mem[i];

			if (gpa >= r->gpa && gpa - r->gpa < r->size) {
				gpa = r->gpa + r->size;
				found = true;
				break;
			}
		}
		if (!found)
			return false;
	}
	return true;
}

int gm_read(const struct zv_machine *m, uint64_t gpa, void *buf, size_t len)
{
	return gm_copy(m, gpa, buf, len, false);
}

int gm_write(const struct zv_machine *m, uint64_t gpa, const void *buf, size_t len)
{
	return gm_copy(m, gpa, (void *)buf, len, true);
}

static int gm_logical(const struct zv_machine *m, const struct zv_cpu *cpu, uint64_t la,
		      uint8_t ar, uint8_t *buf, size_t len, bool write)
{
	/* Translate every page first so that an access exception leaves guest
	 * storage untouched (the instruction is suppressed). */
	uint64_t abs[3];

	if (len > 2 * PAGE)	/* callers pass at most 8 KiB (CLP) */
		return ZV_PGM_SPECIFICATION;
	size_t done = 0;
	unsigned npages = 0;

	while (done < len) {
		uint64_t a = zpci_amode_wrap(la + done, cpu->psw_mask);
		size_t n = (size_t)(PAGE - (a & (PAGE - 1)));
		uint64_t ab = a;

		if (n > len - done)
			n = len - done;
		if (m->hv && m->hv->translate) {
			int code = m->hv->translate(m->hv_opaque, cpu, a, ar, write, &ab);

			/* a positive program-interruption code; anything else
			 * that is not 0 is the binding's failure, which the
			 * guest sees as an addressing exception rather than as
			 * a completed instruction */
			if (code)
				return code > 0 && code <= 0xffff ? code : ZV_PGM_ADDRESSING;
		}
		if (!gm_in_ram(m, ab, n))
			return ZV_PGM_ADDRESSING;
		if (npages < 3)
			abs[npages++] = ab;
		done += n;
	}
	/* Blocks here are at most 8 KiB, so they span at most three pages. */
	done = 0;
	for (unsigned i = 0; i < npages; i++) {
		size_t n = (size_t)(PAGE - (abs[i] & (PAGE - 1)));

		if (n > len - done)
			n = len - done;
		gm_copy(m, abs[i], buf + done, n, write);
		done += n;
	}
	return 0;
}

int gm_read_logical(const struct zv_machine *m, const struct zv_cpu *cpu, uint64_t la,
		    uint8_t ar, void *buf, size_t len)
{
	return gm_logical(m, cpu, la, ar, buf, len, false);
}

int gm_write_logical(const struct zv_machine *m, const struct zv_cpu *cpu, uint64_t la,
		     uint8_t ar, const void *buf, size_t len)
{
	return gm_logical(m, cpu, la, ar, (void *)buf, len, true);
}
