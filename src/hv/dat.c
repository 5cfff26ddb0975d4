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
#include "arch/dat.h"
#include "softcpu_int.h"

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

static bool read_cb(void *opaque, uint64_t abs, uint64_t *e)
{
	return read_entry(opaque, abs, e);
}

int sc_translate(struct zv_softcpu *sc, uint64_t mask, uint64_t va, unsigned ar, enum sc_access acc,
		 uint64_t *abs)
{
	unsigned space;
	uint64_t real = va, asce;
	bool prot = false;
	int code;

	if (mask & ZV_PSW_MASK_DAT) {
		uint32_t alet = 0;
		unsigned cr;

		if (ar)
			memcpy(&alet, sc->env + UC_OFF_AREGS + 4 * ar, 4);
		code = dat_space(mask, ar, alet, acc == SC_FETCH || acc == SC_PROBE, &space, &cr);
		if (code)
			return code;
		asce = sc->cr[cr];
		code = dat_walk(asce, va, &real, &prot, read_cb, sc);
		/* DAT exceptions identify the page; addressing and
		 * translation-specification exceptions do not */
		if (code && code != DAT_PGM_ADDRESSING && code != DAT_PGM_TRANS_SPEC && acc != SC_PROBE)
			store_teid(sc, va, acc, space, 0);
		if (code)
			return code;
		if (prot && acc == SC_WRITE) {
			store_teid(sc, va, acc, space, TEID_DAT_PROT);
			return DAT_PGM_PROTECTION;
		}
	}
	*abs = sc_real_to_abs(sc, real);
	if (*abs >= sc->ram_size)
		return DAT_PGM_ADDRESSING;
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
			return DAT_PGM_ADDRESSING;	/* callers copy at most 8 KiB */
		code = sc_translate(sc, mask, a, ar, acc, &abs[np]);
		if (code)
			return code;
		if (chunk > sc->ram_size - abs[np])
			return DAT_PGM_ADDRESSING;
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
