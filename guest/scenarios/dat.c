/* SPDX-License-Identifier: MIT */
/*
 * DAT on, as an OS runs (docs/GUEST-ABI.md, "OS guests"): the guest builds
 * a region-third table that maps RAM at 0 and the image's first 16 MiB
 * again at 2 TiB, turns DAT on, and checks that
 * - hypercalls, the console and interruptions work with DAT on;
 * - a function run through its 2 TiB alias finds its intercepted
 *   instructions there (STCK, CLP LIST, PCILG), and the engine reads and
 *   writes the CLP block at its 2 TiB address through the guest's tables;
 * - a load from an unmapped segment is a segment-translation exception, from
 *   an invalid page a page-translation exception, a store to a protected
 *   page a protection exception, each with the page in the translation-
 *   exception identification;
 * - the machine's own operands go through DAT too: STCK to a protected page
 *   is a protection exception and stores nothing;
 * - code the guest writes runs as written after every store over it, by
 *   the address it runs at or through the alias, including a store through
 *   an alias whose translation the CPU cached before the page held code
 *   (the machine keeps stores fast on pages without code: src/hv/ucstore.c).
 * Exit 0 when all hold.
 */
#include "guest.h"
#include "zpci.h"

#define VA_HI    0x20000000000ULL	/* 2 TiB: region-third index 1024 */
#define ALIAS_MB 16ULL			/* the first 16 MiB, again at VA_HI */
#define VA_HOLE  (VA_HI + (ALIAS_MB << 20))	/* an invalid segment */
#define SEG_LAST (VA_HI + ((ALIAS_MB - 1) << 20))
#define VA_NOPG  (SEG_LAST + 5 * 4096)	/* an invalid page */
#define VA_RO    (SEG_LAST + 6 * 4096)	/* a protected page */

#define RTE_TT_R3 0x04ULL		/* region-third entry, table type 01 */
#define ENTRY_INV 0x20ULL
#define PTE_INV   0x400ULL
#define PTE_PROT  0x200ULL

static uint64_t *table(size_t entries, size_t align)
{
	return galloc(entries * 8, align);
}

/* The page table mapping the MiB at real address mb << 20. */
static uint64_t *page_table(uint64_t mb)
{
	uint64_t *pt = table(256, 2048);

	for (unsigned p = 0; p < 256; p++)
		pt[p] = (mb << 20) + ((uint64_t)p << 12);
	return pt;
}

static uint64_t build_tables(void)
{
	uint64_t *rtt = table(2048, 4096), *st0 = table(2048, 4096), *st1 = table(2048, 4096);
	uint64_t *pt;

	for (unsigned i = 0; i < 2048; i++) {
		rtt[i] = ENTRY_INV | RTE_TT_R3;
		st0[i] = st1[i] = ENTRY_INV;
	}
	for (uint64_t mb = 0; mb < guest_ram_size >> 20; mb++) {
		pt = page_table(mb);
		st0[mb] = (uintptr_t)pt;
		if (mb < ALIAS_MB - 1)
			st1[mb] = (uintptr_t)pt;
	}
	/* the alias's last MiB: its own page table, one page invalid, one
	 * protected */
	pt = page_table(ALIAS_MB - 1);
	pt[5] |= PTE_INV;
	pt[6] |= PTE_PROT;
	st1[ALIAS_MB - 1] = (uintptr_t)pt;
	rtt[0] = (uintptr_t)st0 | RTE_TT_R3 | 3;	/* TF 0, TL 3 */
	rtt[VA_HI >> 31] = (uintptr_t)st1 | RTE_TT_R3 | 3;
	return (uintptr_t)rtt | 0x04 | 3;		/* DT region-third, TL 3 */
}

/* Run through the 2 TiB alias: its own address, the clock, the functions
 * CLP lists, function 0's vendor and device IDs. */
struct alias_out {
	uint64_t here, tod;
	int fns;
	uint64_t id;
};

static void __attribute__((noinline)) alias_work(struct alias_out *o)
{
	uint64_t here;
	uint8_t st = 0;

	asm volatile("larl %0,." : "=a"(here));
	o->here = here;
	o->tod = stck();
	o->fns = clp_list() == 0x10 ? (int)nzdevs : -1;	/* response code 0x10: OK */
	o->id = 0;
	if (o->fns > 0 && zpci_enable(&zdevs[0]) == 0x10)
		pcilg(&o->id, zdevs[0].fh, 0xf, 4, 0, &st);	/* config space 0: IDs */
}

/* Write "lghi %r2,v; br %r14" at p (volatile: each store reaches RAM). */
static void put_code(volatile uint8_t *p, uint8_t v)
{
	static const uint8_t insn[6] = { 0xa7, 0x29, 0x00, 0x00, 0x07, 0xfe };

	for (unsigned i = 0; i < sizeof(insn); i++)
		p[i] = i == 3 ? v : insn[i];
}

static uint64_t call_code(uint64_t addr)
{
	register uint64_t r2 asm("2");
	register uint64_t r1 asm("1") = addr;

	asm volatile("basr %%r14,%%r1" : "=d"(r2) : "a"(r1) : "r14", "cc", "memory");
	return r2;
}

static void self_modifying_code(void)
{
	uint8_t *page = galloc(4096, 4096);
	uint64_t low = (uintptr_t)page, alias = low + VA_HI;

	/* the alias's translation is cached while the page holds only data */
	((volatile uint8_t *)alias)[64] = 1;
	put_code(page, 1);
	CHECK(call_code(low) == 1, "code written: %llu", (unsigned long long)call_code(low));
	put_code(page, 2);
	CHECK(call_code(low) == 2, "rewritten at its address: %llu",
	      (unsigned long long)call_code(low));
	((volatile uint8_t *)alias)[3] = 3;
	CHECK(call_code(low) == 3, "rewritten through the alias: %llu",
	      (unsigned long long)call_code(low));
	CHECK(call_code(alias) == 3, "run at the alias: %llu", (unsigned long long)call_code(alias));
	page[3] = 4;
	CHECK(call_code(alias) == 4, "rewritten at its address, run at the alias: %llu",
	      (unsigned long long)call_code(alias));
	for (unsigned i = 5; i < 40; i++) {	/* data stores between, then code again */
		((volatile uint8_t *)page)[128 + i] = (uint8_t)i;
		((volatile uint8_t *)alias)[3] = (uint8_t)i;
		if (call_code(i & 1 ? low : alias) != i) {
			CHECK(0, "rewrite %u ran %llu", i, (unsigned long long)call_code(low));
			break;
		}
	}
}

int guest_main(void);

int guest_main(void)
{
	uint64_t asce, cr[3], t0, t1, v = 0;
	uint8_t old_mask;
	struct alias_out o = { 0 };
	void (*alias)(struct alias_out *);

	if (guest_ram_size < (ALIAS_MB << 20)) {
		printf("dat: needs at least %llu MiB of RAM\n", (unsigned long long)ALIAS_MB);
		return 1;
	}
	asce = build_tables();
	cr[0] = cr[1] = cr[2] = asce;
	asm volatile("lctlg %%c1,%%c1,%0\n lctlg %%c7,%%c7,%1\n lctlg %%c13,%%c13,%2"
		     : : "Q"(cr[0]), "Q"(cr[1]), "Q"(cr[2]) : "memory");
	asm volatile("stosm %0,0x04" : "=Q"(old_mask) : : "memory");	/* DAT on */
	printf("dat: DAT on, ASCE %#llx\n", (unsigned long long)asce);

	t0 = stck();
	alias = (void (*)(struct alias_out *))((uintptr_t)alias_work + VA_HI);
	alias(&o);
	t1 = stck();
	CHECK(o.here >= VA_HI, "alias ran at %#llx", (unsigned long long)o.here);
	CHECK(o.tod >= t0 && o.tod <= t1, "STCK at the alias: %#llx not in [%#llx, %#llx]",
	      (unsigned long long)o.tod, (unsigned long long)t0, (unsigned long long)t1);
	CHECK(o.fns == 1, "CLP LIST at the alias found %d functions", o.fns);
	CHECK(o.id == 0x3412767a, "IDs %#llx",
	      (unsigned long long)o.id);

	pgm_expect();
	v = *(volatile uint64_t *)VA_HOLE;
	CHECK(pgm_code() == 0x10, "load from an invalid segment: code %#x", pgm_seen.code);
	CHECK((pgm_seen.teid & ~0xfffULL) == VA_HOLE, "TEID %#llx", (unsigned long long)pgm_seen.teid);

	pgm_expect();
	v = *(volatile uint64_t *)VA_NOPG;
	CHECK(pgm_code() == 0x11, "load from an invalid page: code %#x", pgm_seen.code);
	CHECK((pgm_seen.teid & ~0xfffULL) == VA_NOPG, "TEID %#llx", (unsigned long long)pgm_seen.teid);

	/* the protected page reads; a store is a protection exception */
	v = *(volatile uint64_t *)VA_RO;
	pgm_expect();
	*(volatile uint64_t *)VA_RO = 1;
	CHECK(pgm_code() == 0x04, "store to a protected page: code %#x", pgm_seen.code);

	/* an operand the machine stores for the guest: STCK through DAT */
	pgm_expect();
	asm volatile("stck 0(%0)" : : "a"(VA_RO + 8) : "cc", "memory");
	CHECK(pgm_code() == 0x04, "STCK to a protected page: code %#x", pgm_seen.code);
	CHECK((pgm_seen.teid & ~0xfffULL) == VA_RO, "STCK TEID %#llx",
	      (unsigned long long)pgm_seen.teid);
	CHECK(*(volatile uint64_t *)((uintptr_t)VA_RO - VA_HI + 8) == 0, "STCK stored anyway");
	pgm_expect();
	asm volatile("stck 0(%0)" : : "a"(VA_NOPG) : "cc", "memory");
	CHECK(pgm_code() == 0x11, "STCK to an invalid page: code %#x", pgm_seen.code);

	self_modifying_code();

	/* STCRW's operand goes through DAT too (Linux keeps the word on its
	 * stack): no report pending, cc 1 and a zero word, at the alias */
	{
		static volatile uint32_t crw __attribute__((aligned(4))) = 0xdeadbeef;
		int cc;

		asm volatile("stcrw 0(%1)\n ipm %0\n srl %0,28"
			     : "=d"(cc) : "a"((uintptr_t)&crw + VA_HI) : "cc", "memory");
		CHECK(cc == 1 && crw == 0, "STCRW at the alias: cc %d word %#x", cc, crw);
		pgm_expect();
		asm volatile("stcrw 0(%0)" : : "a"(VA_RO) : "cc", "memory");
		CHECK(pgm_code() == 0x04, "STCRW to a protected page: code %#x", pgm_seen.code);
	}

	asm volatile("stnsm %0,0xfb" : "=Q"(old_mask) : : "memory");	/* DAT off */
	(void)v;
	printf("dat: %u failures\n", test_failures);
	return test_failures ? 1 : 0;
}
