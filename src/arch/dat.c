/* SPDX-License-Identifier: MIT */
/*
 * The DAT walk (dat.h). Sources: Principles of Operation SA22-7832,
 * chapter 3; the entry formats as Linux builds them
 * (arch/s390/include/asm/pgtable.h) and as QEMU reads them
 * (target/s390x/mmu_helper.c: table entries at absolute addresses).
 */
#include "arch/dat.h"

#define ASCE_ORIGIN   (~0xfffULL)
#define ASCE_REAL     0x20	/* real-space control */
#define ENTRY_INVALID 0x20	/* region and segment entries */
#define ENTRY_PROT    0x200
#define ENTRY_FC      0x400	/* format control: a large frame (EDAT) */
#define PTE_INVALID   0x400
#define PTE_ZERO_BIT  0x800	/* must be 0 */

int dat_walk(uint64_t asce, uint64_t va, uint64_t *real, bool *prot, dat_read_fn read,
	     void *opaque)
{
	static const int level_pgm[4] = { DAT_PGM_SEGMENT, DAT_PGM_REGION3, DAT_PGM_REGION2,
					  DAT_PGM_REGION1 };
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
		return DAT_PGM_ASCE_TYPE;
	for (;;) {
		unsigned shift = 20 + 11 * level;
		uint64_t idx = (va >> shift) & 0x7ff;

		if ((idx >> 9) < tf || (idx >> 9) > tl)
			return level_pgm[level];
		if (!read(opaque, origin + idx * 8, &e))
			return DAT_PGM_ADDRESSING;
		if (e & ENTRY_INVALID)
			return level_pgm[level];
		if (((e >> 2) & 3) != level)		/* table type */
			return DAT_PGM_TRANS_SPEC;
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
	if (!read(opaque, (e & ~0x7ffULL) + ((va >> 12) & 0xff) * 8, &e))
		return DAT_PGM_ADDRESSING;
	if (e & PTE_INVALID)
		return DAT_PGM_PAGE;
	if (e & PTE_ZERO_BIT)
		return DAT_PGM_TRANS_SPEC;
	if (e & ENTRY_PROT)
		*prot = true;
	*real = (e & ~0xfffULL) | (va & 0xfff);
	return 0;
}

int dat_space(uint64_t psw_mask, unsigned ar, uint32_t alet, bool fetch, unsigned *space,
	      unsigned *cr)
{
	switch ((unsigned)(psw_mask >> 46) & 3) {
	case 0:		/* primary */
		*space = DAT_SPACE_PRIMARY;
		break;
	case 2:		/* secondary: instructions still from the primary space */
		*space = fetch ? DAT_SPACE_PRIMARY : DAT_SPACE_SECONDARY;
		break;
	case 1:		/* access register */
		*space = DAT_SPACE_PRIMARY;
		if (!fetch && ar) {
			if (alet > 1)
				return DAT_PGM_ALEN;
			*space = alet ? DAT_SPACE_SECONDARY : DAT_SPACE_PRIMARY;
		}
		break;
	default:	/* home */
		*space = DAT_SPACE_HOME;
		break;
	}
	*cr = *space == DAT_SPACE_PRIMARY ? 1 : *space == DAT_SPACE_SECONDARY ? 7 : 13;
	return 0;
}
