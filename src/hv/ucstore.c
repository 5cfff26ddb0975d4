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
 * This file puts QEMU's rule back from outside, in three functions
 * libunicorn calls through its PLT: their slots in libunicorn's global
 * offset table are pointed at this file's versions (which call the
 * originals first), so nothing of libunicorn's is exported from zvfio and
 * a program needs no special link flags:
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
 * statically, a libunicorn that calls them directly or has no such slots) leaves
 * Unicorn as it is -- correct, slower -- and says so in
 * zv_softcpu_stats.fast_stores; ZV_SLOW_STORES=1 asks for that on purpose
 * (bench boot compares both).
 */
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <sys/mman.h>
#include <unistd.h>
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

/* The machines whose CPUs this file knows, for the hooks
 * (called with a Unicorn CPU or engine only). A thread caches its last
 * answer until a machine goes away (gen). */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct zv_softcpu *reg_head;
static atomic_uint reg_gen;

#ifndef ZV_UNICORN_STATIC
static fill_fn fill_hook;
static code_fn protect_hook, unprotect_hook;

/* The PLT relocations that name a function: a jump slot or, for code
 * built without a PLT, a GOT entry (<elf.h>). */
#if defined(__x86_64__)
#define SLOT_RELOC(t) ((t) == R_X86_64_JUMP_SLOT || (t) == R_X86_64_GLOB_DAT)
#elif defined(__s390x__)
#define SLOT_RELOC(t) ((t) == R_390_JMP_SLOT || (t) == R_390_GLOB_DAT)
#elif defined(__aarch64__)
#define SLOT_RELOC(t) ((t) == R_AARCH64_JUMP_SLOT || (t) == R_AARCH64_GLOB_DAT)
#else
#define SLOT_RELOC(t) ((void)(t), 0)	/* not known here: stores stay slow */
#endif

struct lib { uintptr_t base; const ElfW(Dyn) *dyn; uintptr_t relro, relro_end; };

/* dl_iterate_phdr: the loaded object whose base is want->base */
static int find_lib(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct lib *l = arg;

	(void)size;
	if (info->dlpi_addr != l->base)
		return 0;
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_DYNAMIC)
			l->dyn = (const ElfW(Dyn) *)(info->dlpi_addr + ph->p_vaddr);
		else if (ph->p_type == PT_GNU_RELRO) {
			l->relro = info->dlpi_addr + ph->p_vaddr;
			l->relro_end = l->relro + ph->p_memsz;
		}
	}
	return 1;
}

/* Point one slot at fn: its page made writable for the store, and read-only
 * again when the loader had made it so -- a page wholly inside the RELRO
 * part (the loader protects up to the RELRO end rounded down to a page;
 * the page that holds the end stays writable, shared with .data). */
static bool patch(const struct lib *l, void **slot, void *fn)
{
	long pg = sysconf(_SC_PAGESIZE);
	uintptr_t page = (uintptr_t)slot & ~(uintptr_t)(pg - 1);

	if (pg <= 0 || mprotect((void *)page, (size_t)pg, PROT_READ | PROT_WRITE))
		return false;
	__atomic_store_n(slot, fn, __ATOMIC_RELEASE);
	if (page >= l->relro && page + (uintptr_t)pg <= (l->relro_end & ~(uintptr_t)(pg - 1)))
		mprotect((void *)page, (size_t)pg, PROT_READ);	/* as it was: failing, it stays RW */
	return true;
}

/*
 * Find libunicorn's three functions and point libunicorn's own calls to
 * them (the relocations of its PLT and GOT that name them) at the hooks.
 * real.found only when all three were found and at least one call slot of
 * each was redirected.
 */
static void find_real(void)
{
	static const char *const names[3] = {
		"tlb_set_page_with_attrs_s390x", "tlb_protect_code_s390x", "tlb_unprotect_code_s390x",
	};
	void *hooks[3] = { (void *)fill_hook, (void *)protect_hook, (void *)unprotect_hook };
	unsigned done[3] = { 0 };
	struct lib l = { 0 };
	const ElfW(Sym) *symtab = NULL;
	const char *strtab = NULL;
	const ElfW(Rela) *tabs[2] = { NULL, NULL };
	size_t sizes[2] = { 0, 0 };
	Dl_info info;

	real.fill = (fill_fn *)dlsym(RTLD_DEFAULT, names[0]);
	real.protect = (code_fn *)dlsym(RTLD_DEFAULT, names[1]);
	real.unprotect = (code_fn *)dlsym(RTLD_DEFAULT, names[2]);
	if (!real.fill || !real.protect || !real.unprotect ||
	    !dladdr((void *)real.fill, &info) || !info.dli_fbase)
		return;
	l.base = (uintptr_t)info.dli_fbase;
	if (!dl_iterate_phdr(find_lib, &l) || !l.dyn)
		return;
	/* glibc has relocated these entries in place on most architectures,
	 * not on all: an address below the base is still an offset */
#define DYN_PTR(d) ((d)->d_un.d_ptr < l.base ? l.base + (d)->d_un.d_ptr : (d)->d_un.d_ptr)
	for (const ElfW(Dyn) *d = l.dyn; d->d_tag != DT_NULL; d++) {
		switch (d->d_tag) {
		case DT_SYMTAB: symtab = (const ElfW(Sym) *)DYN_PTR(d); break;
		case DT_STRTAB: strtab = (const char *)DYN_PTR(d); break;
		case DT_JMPREL: tabs[0] = (const ElfW(Rela) *)DYN_PTR(d); break;
		case DT_PLTRELSZ: sizes[0] = d->d_un.d_val; break;
		case DT_RELA: tabs[1] = (const ElfW(Rela) *)DYN_PTR(d); break;
		case DT_RELASZ: sizes[1] = d->d_un.d_val; break;
		case DT_PLTREL: if (d->d_un.d_val != DT_RELA) return; break;
		}
	}
#undef DYN_PTR
	if (!symtab || !strtab)
		return;
	for (int t = 0; t < 2; t++) {
		for (size_t i = 0; tabs[t] && i < sizes[t] / sizeof(ElfW(Rela)); i++) {
			const ElfW(Rela) *r = &tabs[t][i];
			const char *name;

			if (!SLOT_RELOC(ELF64_R_TYPE(r->r_info)) || !ELF64_R_SYM(r->r_info))
				continue;
			name = strtab + symtab[ELF64_R_SYM(r->r_info)].st_name;
			for (int f = 0; f < 3; f++)
				if (!strcmp(name, names[f]) &&
				    patch(&l, (void **)(l.base + r->r_offset), hooks[f]))
					done[f]++;
		}
	}
	real.found = done[0] && done[1] && done[2];
}
#else
static void find_real(void)
{
}
#endif

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

static void fill_hook(void *cpu, uint64_t vaddr, uint64_t paddr, struct memtxattrs attrs,
		      int prot, int mmu_idx, uint64_t size)
{
	struct zv_softcpu *sc;
	struct uc_tlb_fast *f;
	struct tlb_entry *e;
	uint64_t page = vaddr & PAGE_MASK;

	/* called through a slot find_real() redirected, after it set real */
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

	fn = protect ? real.protect : real.unprotect;
	fn(uc, ram_addr);
	sc = lookup(uc, false);
	if (!sc || !sc->code_pages || ram_addr >> PAGE_BITS >= sc->ram_size >> PAGE_BITS)
		return NULL;
	return sc;
}

static void protect_hook(void *uc, uint64_t ram_addr)
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

static void unprotect_hook(void *uc, uint64_t ram_addr)
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
		sc->store_why = "libunicorn's calls to its TLB functions could not be redirected "
				"(not 2.0.1's, or no PLT slots for them)";
		return;
	}
	if (!sc->st.code_pages_marked) {
		/* the probes before ran code: the first block's page was not
		 * reported, so libunicorn does not call these definitions */
		sc->store_why = "libunicorn does not call zvfio's TLB functions";
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
