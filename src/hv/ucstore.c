/* SPDX-License-Identifier: MIT */
/*
 * Guest stores at TCG's full speed.
 *
 * QEMU's TCG keeps a flag, TLB_NOTDIRTY, on the TLB entry of every RAM
 * page that holds translated code: a store there goes to the slow path,
 * which throws away the translations it overwrites (self-modifying code).
 * QEMU knows which pages hold code from its dirty-memory bitmap; Unicorn
 * 2.0.1 took that bitmap out (qemu/include/exec/ram_addr.h: every page is
 * "clean" forever), so every writable RAM page gets the flag and every
 * guest store takes the slow path: notdirty_write() -> page_collection_lock()
 * (a GLib tree, malloc and free) -> tb_invalidate_phys_page_fast(), about
 * 90 ns a store and half of a Linux boot (docs/BENCHMARKS.md).
 *
 * This file puts QEMU's rule back from outside, with three functions
 * libunicorn calls through its PLT (so a definition in the program comes
 * first; they are exported with default visibility):
 *
 * - tlb_protect_code_s390x(uc, ram_addr): TCG made the first translated
 *   block on a page. The page is marked in sc->code_pages and every TLB
 *   entry that maps it gets TLB_NOTDIRTY back (Unicorn's own
 *   tlb_reset_dirty(), which compares host addresses -- aliases included).
 * - tlb_unprotect_code_s390x(uc, ram_addr): the page's last block is gone;
 *   the mark goes (entries keep the flag until refilled: slower, correct).
 * - tlb_set_page_with_attrs_s390x(): every TLB fill. After Unicorn's own
 *   fill, the entry of a writable RAM page without code loses TLB_NOTDIRTY,
 *   so stores there take the inline fast path as in QEMU.
 *
 * Pages are marked from the moment the CPU exists, before any code runs,
 * so the marks are complete. The TLB's fast descriptors (CPUTLBDescFast
 * f[NB_MMU_MODES], just before the CPU state: QEMU 5.0's
 * CPUNegativeOffsetState, include/exec/cpu-defs.h) are found by their
 * shape and checked at start-up by a store: the data page's entry must be
 * fast, the code page's slow, the self-modified code re-translated.
 * Anything unexpected (another libunicorn, a program that links libunicorn
 * statically, a program whose definitions do not come first) leaves
 * Unicorn as it is -- correct, slower -- and says so in
 * zv_softcpu_stats.fast_stores; ZV_SLOW_STORES=1 asks for that on purpose
 * (bench boot compares both).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "softcpu_int.h"

/* QEMU 5.0 as Unicorn 2.0.1 builds it for s390x: 4 KiB pages
 * (include/exec/cpu-all.h: TLB_NOTDIRTY is 1 << (TARGET_PAGE_BITS - 2)),
 * 4 MMU indexes (target/s390x/cpu-param.h), 32-byte TLB entries
 * {addr_read, addr_write, addr_code, addend} (include/exec/cpu-defs.h) */
#define PAGE_BITS	12
#define PAGE_MASK	(~(uint64_t)0xfff)
#define TLB_NOTDIRTY	(1u << (PAGE_BITS - 2))
#define TLB_ENTRY_BITS	5
#define NB_MMU		4
#define QEMU_PAGE_WRITE	0x2	/* include/exec/cpu-all.h */

struct tlb_entry { uint64_t addr_read, addr_write, addr_code; uintptr_t addend; };
struct uc_tlb_fast { uintptr_t mask; struct tlb_entry *table; };
/* MemTxAttrs: 23 bits of unsigned bit-fields, passed as one 32-bit word */
struct memtxattrs { uint32_t bits; };

/* seen by libunicorn: exported from libzvfio.so, and from a program that
 * links libzvfio.a with ZV_EXPORT_LDFLAGS (Makefile, libzvfio.pc) */
#define ZV_INTERPOSE __attribute__((visibility("default")))

typedef void fill_fn(void *cpu, uint64_t vaddr, uint64_t paddr, struct memtxattrs attrs,
		     int prot, int mmu_idx, uint64_t size);
typedef void code_fn(void *uc, uint64_t ram_addr);
/* libunicorn's own, called directly */
void tlb_reset_dirty_s390x(void *cpu, uint64_t host_start, uint64_t length);
void tlb_flush_s390x(void *cpu);

static struct {
	fill_fn *fill;
	code_fn *protect, *unprotect;
	bool found;
} real;
static pthread_once_t real_once = PTHREAD_ONCE_INIT;

/* The machines whose CPUs this file knows, for the interposed functions
 * (called with a Unicorn CPU or engine only). A thread caches its last
 * answer until a machine goes away (gen). */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct zv_softcpu *reg_head;
static atomic_uint reg_gen;

static void find_real(void)
{
#ifndef ZV_UNICORN_STATIC
	real.fill = (fill_fn *)dlsym(RTLD_NEXT, "tlb_set_page_with_attrs_s390x");
	real.protect = (code_fn *)dlsym(RTLD_NEXT, "tlb_protect_code_s390x");
	real.unprotect = (code_fn *)dlsym(RTLD_NEXT, "tlb_unprotect_code_s390x");
	real.found = real.fill && real.protect && real.unprotect;
#endif
}

static bool is_code(const struct zv_softcpu *sc, uint64_t page)
{
	return page >= sc->ram_size >> PAGE_BITS ||
	       (sc->code_pages[page / 64] >> (page % 64) & 1);
}

#ifndef ZV_UNICORN_STATIC
static _Thread_local struct {
	const void *key;
	struct zv_softcpu *sc;
	unsigned gen;
} tl;

/* The machine whose Unicorn CPU (by_cpu) or engine is key; NULL: none. */
static struct zv_softcpu *lookup(const void *key, bool by_cpu)
{
	unsigned gen = atomic_load_explicit(&reg_gen, memory_order_acquire);
	struct zv_softcpu *sc;

	if (tl.key == key && tl.gen == gen)
		return tl.sc;
	pthread_mutex_lock(&reg_lock);
	for (sc = reg_head; sc; sc = sc->st_next)
		if ((by_cpu ? sc->cpu : (void *)sc->uc) == key)
			break;
	gen = atomic_load_explicit(&reg_gen, memory_order_acquire);
	pthread_mutex_unlock(&reg_lock);
	tl.key = key;
	tl.sc = sc;
	tl.gen = gen;
	return sc;
}


/* ---- the functions libunicorn calls ---- */

void tlb_set_page_with_attrs_s390x(void *cpu, uint64_t vaddr, uint64_t paddr,
				   struct memtxattrs attrs, int prot, int mmu_idx, uint64_t size);
ZV_INTERPOSE void tlb_set_page_with_attrs_s390x(void *cpu, uint64_t vaddr, uint64_t paddr,
				   struct memtxattrs attrs, int prot, int mmu_idx, uint64_t size)
{
	struct zv_softcpu *sc;
	struct uc_tlb_fast *f;
	struct tlb_entry *e;
	uint64_t page = vaddr & PAGE_MASK;

	pthread_once(&real_once, find_real);
	if (!real.fill)
		abort();	/* nothing to forward to: libunicorn is not there */
	real.fill(cpu, vaddr, paddr, attrs, prot, mmu_idx, size);
	if (!(prot & QEMU_PAGE_WRITE) || (unsigned)mmu_idx >= NB_MMU)
		return;
	sc = lookup(cpu, true);
	if (!sc || !sc->store_fast || is_code(sc, paddr >> PAGE_BITS))
		return;
	f = sc->tlb_fast + mmu_idx;
	e = f->table + ((vaddr >> PAGE_BITS) & (f->mask >> TLB_ENTRY_BITS));
	/* exactly "RAM, not dirty": an entry with other flags (MMIO, invalid,
	 * a page smaller than the TLB's) stays as Unicorn made it */
	if (e->addr_write == (page | TLB_NOTDIRTY))
		e->addr_write = page;
}

/* libunicorn's tlb_protect_code (protect) or tlb_unprotect_code, then the
 * machine whose RAM page ram_addr is; NULL when none is. */
static struct zv_softcpu *code_call(void *uc, uint64_t ram_addr, bool protect)
{
	struct zv_softcpu *sc;
	code_fn *fn;

	pthread_once(&real_once, find_real);
	fn = protect ? real.protect : real.unprotect;
	if (!fn)
		abort();	/* nothing to forward to: libunicorn is not there */
	fn(uc, ram_addr);
	sc = lookup(uc, false);
	if (!sc || !sc->code_pages || ram_addr >> PAGE_BITS >= sc->ram_size >> PAGE_BITS)
		return NULL;
	return sc;
}

void tlb_protect_code_s390x(void *uc, uint64_t ram_addr);
ZV_INTERPOSE void tlb_protect_code_s390x(void *uc, uint64_t ram_addr)
{
	uint64_t page = ram_addr >> PAGE_BITS;
	struct zv_softcpu *sc = code_call(uc, ram_addr, true);

	if (!sc)
		return;
	sc->code_pages[page / 64] |= 1ULL << (page % 64);
	sc->st.code_pages_marked++;
	if (sc->store_fast)
		tlb_reset_dirty_s390x(sc->cpu, (uintptr_t)(sc->ram + (page << PAGE_BITS)),
				 1u << PAGE_BITS);
}

void tlb_unprotect_code_s390x(void *uc, uint64_t ram_addr);
ZV_INTERPOSE void tlb_unprotect_code_s390x(void *uc, uint64_t ram_addr)
{
	uint64_t page = ram_addr >> PAGE_BITS;
	struct zv_softcpu *sc = code_call(uc, ram_addr, false);

	if (sc)
		sc->code_pages[page / 64] &= ~(1ULL << (page % 64));
}

#endif /* ZV_UNICORN_STATIC */

void ucstore_tlb_flush(struct zv_softcpu *sc)
{
	tlb_flush_s390x(sc->cpu);
}

/* ---- set-up ---- */

int ucstore_attach(struct zv_softcpu *sc)
{
	size_t words = (size_t)((sc->ram_size >> PAGE_BITS) + 63) / 64;

	pthread_once(&real_once, find_real);
	sc->code_pages = calloc(words, sizeof(uint64_t));
	if (!sc->code_pages)
		return -1;
	pthread_mutex_lock(&reg_lock);
	sc->st_next = reg_head;
	reg_head = sc;
	atomic_fetch_add_explicit(&reg_gen, 1, memory_order_release);
	pthread_mutex_unlock(&reg_lock);
	return 0;
}

void ucstore_detach(struct zv_softcpu *sc)
{
	struct zv_softcpu **pp;

	pthread_mutex_lock(&reg_lock);
	for (pp = &reg_head; *pp; pp = &(*pp)->st_next)
		if (*pp == sc) {
			*pp = sc->st_next;
			break;
		}
	atomic_fetch_add_explicit(&reg_gen, 1, memory_order_release);
	pthread_mutex_unlock(&reg_lock);
	free(sc->code_pages);
	sc->code_pages = NULL;
	sc->store_fast = false;
}

/* A TLB fast descriptor as QEMU makes them: (n - 1) << 5 for n a power of
 * two between 2^6 and 2^22 entries (CPU_TLB_DYN_MIN/MAX_BITS), a table. */
static bool fast_desc_ok(const struct uc_tlb_fast *f)
{
	uintptr_t n = (f->mask >> TLB_ENTRY_BITS) + 1;

	return f->table && !(f->mask & ((1u << TLB_ENTRY_BITS) - 1)) && n >= 64 &&
	       n <= (1u << 22) && !(n & (n - 1));
}

/* The entry of mmu_idx for vaddr, when it maps host */
static const struct tlb_entry *entry_for(struct zv_softcpu *sc, unsigned mmu_idx, uint64_t vaddr,
					 const uint8_t *host)
{
	const struct uc_tlb_fast *f = sc->tlb_fast + mmu_idx;
	const struct tlb_entry *e = f->table + ((vaddr >> PAGE_BITS) & (f->mask >> TLB_ENTRY_BITS));

	if ((e->addr_read & PAGE_MASK) != vaddr || e->addr_read & 0xfff ||
	    (uintptr_t)(vaddr + e->addend) != (uintptr_t)host)
		return NULL;
	return e;
}

/*
 * Run at 0x3000 (DAT off): store into the data page 0x5000, then store a
 * new opcode over an instruction already translated (at 0x3010, run once
 * before) and run it again: it must be the new one. RAM 0x3000-0x5fff is
 * left zeroed.
 */
static const char *check(struct zv_softcpu *sc)
{
	static const uint8_t code[] = {
		0x92, 0x5a, 0x10, 0x00,			/* 3000 mvi 0(%r1),0x5a */
		0xa7, 0xf4, 0x00, 0x06,			/* 3004 j 3010 */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0xa7, 0x28, 0x00, 0x01,			/* 3010 lhi %r2,1 (becomes lhi %r2,2) */
		0x92, 0x02, 0x30, 0x13,			/* 3014 mvi 0x13(%r3),2 */
		0xa7, 0x38, 0x00, 0x00,			/* 3018 lhi %r3,0 */
		0xa7, 0x29, 0x00, 0x00,			/* 301c lghi... placeholder, never run */
	};
	const uint64_t a = 0x3000, data = 0x5000;
	const struct tlb_entry *e;
	const char *why = NULL;
	unsigned idx;

	memcpy(sc->ram + a, code, sizeof(code));
	uc_ctl_remove_cache(sc->uc, a, a + sizeof(code));
	/* pass 1: r3 = 0x3000 -> patches 0x3013 then clears r3; r2 = 1 */
	sc_set_gpr(sc, 1, data);
	sc_set_gpr(sc, 3, a);
	sc_set_psw(sc, 0x0000000180000000ULL, a);
	uc_emu_start(sc->uc, a, a + 0x1c, 0, 0);
	if (sc_gpr(sc, 2) != 1 || sc->ram[data] != 0x5a)
		why = "the check program did not run";
	/* pass 2: the patched instruction must run as patched */
	sc_set_gpr(sc, 3, a);
	sc_set_psw(sc, 0x0000000180000000ULL, a + 0x10);
	if (!why)
		uc_emu_start(sc->uc, a + 0x10, a + 0x1c, 0, 0);
	if (!why && sc_gpr(sc, 2) != 2)
		why = "a store over translated code was not seen";
	/* the real-mode MMU index (3) maps both pages, data fast, code slow */
	idx = 3;
	if (!why && !(e = entry_for(sc, idx, data, sc->ram + data)))
		why = "the data page's TLB entry is not where QEMU 5.0 keeps it";
	else if (!why && e->addr_write != data)
		why = "the data page's TLB entry stayed on the slow path";
	if (!why && !(e = entry_for(sc, idx, a, sc->ram + a)))
		why = "the code page's TLB entry is not where QEMU 5.0 keeps it";
	else if (!why && e->addr_write != (a | TLB_NOTDIRTY))
		why = "the code page's TLB entry lost its store check";
	if (!why && !is_code(sc, a >> PAGE_BITS))
		why = "the code page was not marked";
	memset(sc->ram + a, 0, 0x3000);
	for (int r = 1; r <= 3; r++)
		sc_set_gpr(sc, r, 0);
	return why;
}

void ucstore_setup(struct zv_softcpu *sc)
{
	uintptr_t lo = (uintptr_t)sc->cpu;
	const char *why = NULL;

	sc->store_fast = false;
	if (sc_env_flag("ZV_SLOW_STORES")) {
		sc->store_why = "ZV_SLOW_STORES is set";
		return;
	}
#ifdef ZV_UNICORN_STATIC
	sc->store_why = "built with libunicorn linked statically";
	return;
#endif
	if (!real.found) {
		sc->store_why = "libunicorn lacks the TLB functions of 2.0.1";
		return;
	}
	if (!sc->st.code_pages_marked) {
		/* the probes before ran code: the first block's page was not
		 * reported, so libunicorn does not call these definitions */
		sc->store_why = "libunicorn does not call zvfio's TLB functions (linked statically?)";
		return;
	}
	/* f[NB_MMU] ends just before the CPU state, at most 64 bytes before
	 * it (IcountDecr and alignment): the nearest four good descriptors */
	sc->tlb_fast = NULL;
	for (uintptr_t p = (uintptr_t)sc->env - 16; p >= lo + sizeof(struct uc_tlb_fast) * NB_MMU &&
	     p + 64 >= (uintptr_t)sc->env; p -= 16) {
		struct uc_tlb_fast f[NB_MMU];
		bool ok = true;

		memcpy(f, (void *)(p - sizeof(f)), sizeof(f));
		for (unsigned i = 0; i < NB_MMU && ok; i++)
			ok = fast_desc_ok(&f[i]);
		if (ok) {
			sc->tlb_fast = (struct uc_tlb_fast *)(p - sizeof(f));
			break;
		}
	}
	if (!sc->tlb_fast) {
		sc->store_why = "the TLB is not where QEMU 5.0 keeps it";
		return;
	}
	sc->store_fast = true;
	why = check(sc);
	if (why) {
		sc->store_fast = false;
		sc->store_why = why;
	}
	/* every entry made during the check is refilled under the final rule;
	 * the blocks the start-up probes translated (ucstate.c, here) go, as
	 * the host rewrote their code */
	tlb_flush_s390x(sc->cpu);
	uc_ctl_remove_cache(sc->uc, 0x1000, 0x6000);
}
