/* SPDX-License-Identifier: MIT */
/*
 * Dynamic address translation of the CPU (Principles of Operation
 * SA22-7832, chapter 3, "Dynamic Address Translation" and "Prefixing"):
 * the walk of an address-space-control element's tables for one virtual
 * address, and the choice of the address space. Table entries are read
 * through a callback at absolute addresses, so the software machine and
 * the KVM binding share one walk over their own guest memory.
 */
#ifndef ZV_ARCH_DAT_H
#define ZV_ARCH_DAT_H

#include <stdbool.h>
#include <stdint.h>

#define DAT_PGM_PROTECTION  0x04
#define DAT_PGM_ADDRESSING  0x05
#define DAT_PGM_SEGMENT     0x10
#define DAT_PGM_PAGE        0x11
#define DAT_PGM_TRANS_SPEC  0x12
#define DAT_PGM_ALEN        0x29
#define DAT_PGM_ASCE_TYPE   0x38
#define DAT_PGM_REGION1     0x39
#define DAT_PGM_REGION2     0x3a
#define DAT_PGM_REGION3     0x3b

/* The address spaces, numbered as the translation-exception identification
 * names them (its bits 62-63): primary 0, secondary 2, home 3. */
#define DAT_SPACE_PRIMARY   0
#define DAT_SPACE_SECONDARY 2
#define DAT_SPACE_HOME      3

/* Read the big-endian doubleword at guest absolute address abs into *e;
 * false when abs is not guest storage. */
typedef bool (*dat_read_fn)(void *opaque, uint64_t abs, uint64_t *e);

/*
 * Walk asce's tables for va: 0 with *real (and *prot when a table entry on
 * the way is DAT-protected), or the program-interruption code: a
 * translation exception of the level that failed, ASCE-type, translation
 * specification, or addressing (a table outside guest storage). The
 * four region/segment levels with table offset and length, EDAT-1 1 MiB
 * and EDAT-2 2 GiB frames, and the real-space designation.
 */
int dat_walk(uint64_t asce, uint64_t va, uint64_t *real, bool *prot, dat_read_fn read,
	     void *opaque);

/*
 * The address space an operand access uses under PSW mask (its ASC bits):
 * primary, secondary, home, or in access-register mode the space of the
 * access register's ALET (only ALETs 0 and 1, which need no access list;
 * others: DAT_PGM_ALEN). Instruction fetches and probes (fetch) use the
 * primary space in secondary and AR mode. Returns 0 and *space, or a
 * program-interruption code; *cr is the control register holding the
 * space's ASCE (1, 7 or 13).
 */
int dat_space(uint64_t psw_mask, unsigned ar, uint32_t alet, bool fetch, unsigned *space,
	      unsigned *cr);

/* Real to absolute (prefixing): the 8 KiB at 0 and at prefix swap. */
static inline uint64_t dat_real_to_abs(uint64_t prefix, uint64_t r)
{
	if (r < 0x2000)
		return r + prefix;
	if (r >= prefix && r < prefix + 0x2000)
		return r - prefix;
	return r;
}

#endif
