/* SPDX-License-Identifier: MIT */
/*
 * The guest's address translation, for the accesses the machine makes on
 * the guest's behalf: the operands of the instructions it emulates, the
 * engine's logical addresses (zPCI operands), and the code hook_fetch
 * patches. Unicorn translates the guest's own accesses itself (QEMU 5.0's
 * mmu_translate); this walk gives the same answers for the formats it
 * implements, so an operand faults here exactly where a native access
 * would. Sources: Principles of Operation SA22-7832, chapter 3 ("Dynamic
 * Address Translation", "Prefixing"); the entry formats as Linux builds them
 * (arch/s390/include/asm/pgtable.h) and as QEMU reads them
 * (target/s390x/mmu_helper.c: table entries are read at absolute addresses,
 * the translation-exception identification goes to lowcore 168).
 *
 * What it covers: the four region/segment levels with table offset and
 * length, EDAT-1 1 MiB segments and EDAT-2 2 GiB region-third frames (the
 * "max" CPU model Unicorn runs has both), DAT protection, the real-space
 * designation, primary/secondary/home spaces and access-register mode with
 * ALETs 0 and 1 (the only ones without an access list; Linux never uses
 * others). No translation cache is kept: the walk runs only when code is
 * translated and for emulated instructions, never per executed instruction.
 */
#include <string.h>

#include "arch/be.h"
#include "softcpu_int.h"

#define PGM_PROTECTION  0x04
#define PGM_ADDRESSING  0x05
#define PGM_SEGMENT     0x10
#define PGM_PAGE        0x11
#define PGM_TRANS_SPEC  0x12
#define PGM_ALEN        0x29
#define PGM_ASCE_TYPE   0x38
#define PGM_REGION1     0x39
#define PGM_REGION2     0x3a
#define PGM_REGION3     0x3b

#define ASCE_ORIGIN   (~0xfffULL)
#define ASCE_REAL     0x20	/* real-space control */
#define ENTRY_INVALID 0x20	/* region and segment entries */
#define ENTRY_PROT    0x200
#define ENTRY_FC      0x400	/* format control: a large frame (EDAT) */
#define PTE_INVALID   0x400
#define PTE_ZERO_BIT  0x800	/* must be 0 */

/* Translation-exception identification (lowcore 168): the page, fetch or
 * store, and which space (QEMU's FS_READ/FS_WRITE and ASCE id values) */
#define TEID_FETCH    0x800
#define TEID_STORE    0x400
#define TEID_DAT_PROT 0x4

/* Unicorn keeps its CPU state in the host's byte order */
uint64_t sc_prefix(struct zv_softcpu *sc)
{
	uint64_t p;

	memcpy(&p, sc->env + UC_OFF_PSA, 8);
	return p & 0x7fffe000;	/* bits 33-50 */
}

uint64_t sc_real_to_abs(struct zv_softcpu *sc, uint64_t r)
{
	uint64_t p = sc_prefix(sc);

	if (r < LC_SIZE)
		return r + p;
	if (r >= p && r < p + LC_SIZE)
		return r - p;
	return r;
}

static bool read_entry(struct zv_softcpu *sc, uint64_t abs, uint64_t *e)
{
	uint8_t b[8];

	if (!sc_read(sc, abs, b, 8))
		return false;
	*e = be64_get(b);
	return true;
}

static void store_teid(struct zv_softcpu *sc, uint64_t va, enum sc_access acc, unsigned space,
		       uint64_t extra)
{
	uint64_t teid = (va & ~0xfffULL) | (acc == SC_WRITE ? TEID_STORE : TEID_FETCH) | extra |
			space;
	uint8_t b[8];

	be64_put(b, teid);
	sc_write(sc, sc_real_to_abs(sc, 168), b, 8);
}

/* The walk of asce for va: 0 and the real address, or a program code. */
static int walk(struct zv_softcpu *sc, uint64_t asce, uint64_t va, uint64_t *real, bool *prot)
{
	static const int level_pgm[4] = { PGM_SEGMENT, PGM_REGION3, PGM_REGION2, PGM_REGION1 };
	unsigned level = (unsigned)(asce >> 2) & 3;	/* 3: region-first ... 0: segment */
	uint64_t origin = asce & ASCE_ORIGIN, e = 0;
	unsigned tf = 0, tl = (unsigned)asce & 3;

	*prot = false;
	if (asce & ASCE_REAL) {
		*real = va;
		return 0;
	}
	/* bits above what the top table reaches must be 0 */
	if (level < 3 && (va >> (31 + 11 * level)))
		return PGM_ASCE_TYPE;
	for (;;) {
		unsigned shift = 20 + 11 * level;
		uint64_t idx = (va >> shift) & 0x7ff;

		if ((idx >> 9) < tf || (idx >> 9) > tl)
			return level_pgm[level];
		if (!read_entry(sc, origin + idx * 8, &e))
			return PGM_ADDRESSING;
		if (e & ENTRY_INVALID)
			return level_pgm[level];
		if (((e >> 2) & 3) != level)		/* table type */
			return PGM_TRANS_SPEC;
		if (e & ENTRY_PROT)
			*prot = true;
		if (level == 0)
			break;
		if (level == 1 && (e & ENTRY_FC)) {	/* EDAT-2: a 2 GiB frame */
			*real = (e & ~0x7fffffffULL) | (va & 0x7fffffff);
			return 0;
		}
		origin = e & ASCE_ORIGIN;
		tf = (unsigned)(e >> 6) & 3;
		tl = (unsigned)e & 3;
		level--;
	}
	if (e & ENTRY_FC) {				/* EDAT-1: a 1 MiB frame */
		*real = (e & ~0xfffffULL) | (va & 0xfffff);
		return 0;
	}
	/* the page table: 256 entries at the segment entry's origin */
	if (!read_entry(sc, (e & ~0x7ffULL) + ((va >> 12) & 0xff) * 8, &e))
		return PGM_ADDRESSING;
	if (e & PTE_INVALID)
		return PGM_PAGE;
	if (e & PTE_ZERO_BIT)
		return PGM_TRANS_SPEC;
	if (e & ENTRY_PROT)
		*prot = true;
	*real = (e & ~0xfffULL) | (va & 0xfff);
	return 0;
}

int sc_translate(struct zv_softcpu *sc, uint64_t mask, uint64_t va, unsigned ar, enum sc_access acc,
		 uint64_t *abs)
{
	unsigned asc = (unsigned)(mask >> 46) & 3, space;
	uint64_t real = va, asce;
	bool prot = false;
	int code;

	if (mask & ZV_PSW_MASK_DAT) {
		/* which space: instructions come from the primary space in
		 * secondary and AR mode, from the home space in home mode */
		switch (asc) {
		case 0:
			space = 0;
			break;
		case 2:
			space = acc == SC_FETCH || acc == SC_PROBE ? 0 : 2;
			break;
		case 1:
			space = 0;
			if (acc != SC_FETCH && acc != SC_PROBE && ar) {
				uint32_t alet;

				memcpy(&alet, sc->env + UC_OFF_AREGS + 4 * ar, 4);
				if (alet > 1)
					return PGM_ALEN;
				space = alet ? 2 : 0;
			}
			break;
		default:
			space = 3;
			break;
		}
		asce = sc->cr[space == 0 ? 1 : space == 2 ? 7 : 13];
		code = walk(sc, asce, va, &real, &prot);
		/* DAT exceptions identify the page; addressing and
		 * translation-specification exceptions do not */
		if (code && code != PGM_ADDRESSING && code != PGM_TRANS_SPEC && acc != SC_PROBE)
			store_teid(sc, va, acc, space, 0);
		if (code)
			return code;
		if (prot && acc == SC_WRITE) {
			store_teid(sc, va, acc, space, TEID_DAT_PROT);
			return PGM_PROTECTION;
		}
	}
	*abs = sc_real_to_abs(sc, real);
	if (*abs >= sc->ram_size)
		return PGM_ADDRESSING;
	return 0;
}

int sc_vcopy(struct zv_softcpu *sc, uint64_t mask, uint64_t va, unsigned ar, void *buf, size_t n,
	     enum sc_access acc)
{
	uint64_t abs[3];
	size_t done = 0;
	unsigned np = 0;
	int code;

	/* translate every page first: an exception leaves storage untouched */
	while (done < n) {
		uint64_t a = va + done;
		size_t chunk = 4096 - (size_t)(a & 0xfff);

		if (!(mask & ZV_PSW_MASK_EA))
			a &= mask & ZV_PSW_MASK_BA ? 0x7fffffff : 0xffffff;
		if (chunk > n - done)
			chunk = n - done;
		if (np == 3)
			return PGM_ADDRESSING;	/* callers copy at most 8 KiB */
		code = sc_translate(sc, mask, a, ar, acc, &abs[np]);
		if (code)
			return code;
		if (chunk > sc->ram_size - abs[np])
			return PGM_ADDRESSING;
		np++;
		done += chunk;
	}
	done = 0;
	for (unsigned i = 0; i < np; i++) {
		size_t chunk = 4096 - (size_t)(abs[i] & 0xfff);

		if (chunk > n - done)
			chunk = n - done;
		if (acc == SC_WRITE)
			memcpy(sc->ram + abs[i], (const uint8_t *)buf + done, chunk);
		else
			memcpy((uint8_t *)buf + done, sc->ram + abs[i], chunk);
		done += chunk;
	}
	return 0;
}
