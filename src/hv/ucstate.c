/* SPDX-License-Identifier: MIT */
/*
 * The CPU state Unicorn 2.0.1 has no API for. Its s390x register API
 * covers the GPRs, the PSW mask and address -- not the control registers
 * the machine must read to know which interruptions are enabled (CR0, CR6,
 * CR14; ../shared/rigs/unicorn-s390x). The state lives in QEMU's
 * CPUS390XState inside the S390CPU that libunicorn exports a way to reach
 * (qemu_get_cpu_s390x()). Its layout is QEMU 5.0's as Unicorn 2.0.1
 * builds it (qemu/target/s390x/cpu.h):
 *   regs[16] at 0, psw {mask, addr} at 784, psa (prefix) at 840,
 *   int_pgm_code at 848, cregs[16] at 880.
 * Nothing here is assumed: at start-up every one of these is found by
 * probing -- the GPRs through the API, the PSW through the API, the
 * control registers by executing LCTLG -- and a libunicorn whose layout
 * differs is refused with a clear message, never used blindly.
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "arch/be.h"
#include "softcpu_int.h"

/* exported by libunicorn (QEMU's qemu_get_cpu, renamed per target) */
void *qemu_get_cpu_s390x(uc_engine *uc, int index);

#define OFF_PSW    UC_OFF_PSW
#define OFF_CREGS  UC_OFF_CREGS

uint32_t uc_env32(struct zv_softcpu *sc, unsigned off)
{
	uint32_t v;

	memcpy(&v, sc->env + off, 4);
	return v;
}

uint64_t uc_env64(struct zv_softcpu *sc, unsigned off)
{
	uint64_t v;

	memcpy(&v, sc->env + off, 8);
	return v;
}

/* The mapping of /proc/self/maps that holds p: [*lo, *hi), readable. */
static bool mapping_of(const void *p, uintptr_t *lo, uintptr_t *hi)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long a, b;
		char perm[8];

		if (sscanf(line, "%lx-%lx %7s", &a, &b, perm) == 3 && perm[0] == 'r' &&
		    (uintptr_t)p >= a && (uintptr_t)p < b) {
			*lo = a;
			*hi = b;
			found = true;
		}
	}
	fclose(f);
	return found;
}

static uint64_t magic(unsigned i)
{
	return 0x7a76c0de00000000ULL + 0x1111ULL * (i + 1);
}

int ucstate_find(struct zv_softcpu *sc, char *err, size_t errlen)
{
	uint8_t *cpu = qemu_get_cpu_s390x(sc->uc, 0), *env = NULL;
	uintptr_t lo, hi;
	uint64_t v[16], save_mask, save_pc;

	if (!cpu || !mapping_of(cpu, &lo, &hi)) {
		snprintf(err, errlen, "unicorn: cannot find the CPU object");
		return -1;
	}
	/* the GPRs, written through the API with values nothing else holds */
	for (int i = 0; i < 16; i++)
		sc_set_gpr(sc, i, magic((unsigned)i));
	for (uint8_t *p = cpu; p + sizeof(v) <= (uint8_t *)hi && p < cpu + (1u << 20); p += 8) {
		memcpy(v, p, sizeof(v));
		if (v[0] == magic(0) && v[15] == magic(15) && !memcmp(v, p, sizeof(v))) {
			bool all = true;

			for (unsigned i = 0; i < 16 && all; i++)
				all = v[i] == magic(i);
			if (all) {
				env = p;
				break;
			}
		}
	}
	for (int i = 0; i < 16; i++)
		sc_set_gpr(sc, i, 0);
	if (!env || (uintptr_t)(env + OFF_CREGS + 16 * 8) > hi) {
		snprintf(err, errlen, "unicorn: the CPU state is not where Unicorn 2.0.1 keeps it "
			 "(a different libunicorn? zvfio needs 2.0.1's layout)");
		return -1;
	}
	/* the PSW, through the API */
	save_mask = sc_pswm(sc);
	uc_reg_read(sc->uc, UC_S390X_REG_PC, &save_pc);
	sc_set_psw(sc, 0x0000000180000000ULL, 0x7a7600);
	memcpy(v, env + OFF_PSW, 16);
	sc_set_psw(sc, save_mask, save_pc);
	if (v[0] != 0x0000000180000000ULL || v[1] != 0x7a7600) {
		snprintf(err, errlen, "unicorn: the PSW is not at offset %d of the CPU state "
			 "(a different libunicorn? zvfio needs 2.0.1's layout)", OFF_PSW);
		return -1;
	}
	sc->cpu = cpu;
	sc->env = env;
	sc->cr = (volatile uint64_t *)(env + OFF_CREGS);
	return 0;
}

/*
 * Check the control registers by executing LCTLG c0,c15 from a buffer of
 * known values, then load the architected reset values the same way
 * (CR0 0xe0, CR14 0xc2000000, the rest 0). Uses RAM below 0x2000 (the
 * lowcore, before any guest is loaded) and leaves it zeroed.
 */
int ucstate_check_cregs(struct zv_softcpu *sc, char *err, size_t errlen)
{
	static const uint8_t code[] = {
		0xeb, 0x0f, 0x11, 0x00, 0x00, 0x2f,	/* lctlg %c0,%c15,0x100(%r1) */
		0x07, 0x07,				/* where the run stops */
	};
	uint64_t a = 0x1000, ok = 1;
	uint8_t *ram = sc->ram;

	memcpy(ram + a, code, sizeof(code));
	for (unsigned pass = 0; pass < 2 && ok; pass++) {
		uint64_t want[16] = { 0 };

		for (unsigned i = 0; i < 16; i++)
			want[i] = pass ? 0 : magic(i + 16);
		if (pass) {
			want[0] = 0xe0;
			want[14] = 0xc2000000;
		}
		for (unsigned i = 0; i < 16; i++)
			be64_put(ram + a + 0x100 + 8 * i, want[i]);
		sc_set_gpr(sc, 1, a);
		sc_set_psw(sc, 0x0000000180000000ULL, a);
		if (uc_emu_start(sc->uc, a, a + 6, 0, 0) != UC_ERR_OK)
			ok = 0;
		for (unsigned i = 0; i < 16 && ok; i++)
			ok = sc->cr[i] == want[i];
	}
	memset(ram + a, 0, 0x200);
	sc_set_gpr(sc, 1, 0);
	if (!ok) {
		snprintf(err, errlen, "unicorn: the control registers are not at offset %d of the "
			 "CPU state (a different libunicorn? zvfio needs 2.0.1's layout)", OFF_CREGS);
		return -1;
	}
	return 0;
}

/* Run code (at most 8 bytes) at 0x3000 with GPR 1 = r1 until it ends or
 * raises an exception (no interruption hook is installed yet). */
static void probe_run(struct zv_softcpu *sc, const uint8_t *code, size_t len, uint64_t r1)
{
	uint64_t a = 0x3000;

	memcpy(sc->ram + a, code, len);
	sc_set_gpr(sc, 1, r1);
	sc_set_psw(sc, 0x0000000180000000ULL, a);
	uc_emu_start(sc->uc, a, a + len, 0, 0);
}

/*
 * The rest of the state the machine reads or writes outside the API, each
 * found where the layout says by executing an instruction that sets it:
 * the prefix (SPX), the program- and SVC-interruption codes and lengths
 * (an invalid opcode, SVC), the access registers (SAR), the floating-point
 * control register (SFPC) and the floating-point registers (LDGR). RAM at
 * 0x3000 is used and left zeroed.
 */
int ucstate_probe(struct zv_softcpu *sc, char *err, size_t errlen)
{
	static const uint8_t spx[] = { 0xb2, 0x10, 0x10, 0x00 };	/* spx 0(%r1) */
	static const uint8_t inval[] = { 0x00, 0x00 };
	static const uint8_t svc[] = { 0x0a, 0x42 };			/* svc 0x42 */
	static const uint8_t sar[] = { 0xb2, 0x4e, 0x00, 0x51 };	/* sar %a5,%r1 */
	static const uint8_t sfpc[] = { 0xb3, 0x84, 0x00, 0x10 };	/* sfpc %r1 */
	static const uint8_t ldgr[] = { 0xb3, 0xc1, 0x00, 0x31 };	/* ldgr %f3,%r1 */
	const char *what = NULL;
	unsigned off = 0;

	uint64_t cr0 = sc->cr[0];

	/* SFPC and registers other than 0, 2, 4, 6 need AFP control (CR0 bit 45) */
	sc->cr[0] = cr0 | 0x40000;
	be32_put(sc->ram + 0x3100, 0x10000);
	probe_run(sc, spx, sizeof(spx), 0x3100);
	if (uc_env64(sc, UC_OFF_PSA) != 0x10000)
		what = "prefix", off = UC_OFF_PSA;
	be32_put(sc->ram + 0x3100, 0);
	probe_run(sc, spx, sizeof(spx), 0x3100);
	probe_run(sc, inval, sizeof(inval), 0);
	if (!what && (uc_env32(sc, UC_OFF_PGM_CODE) != 1 || uc_env32(sc, UC_OFF_PGM_CODE + 4) != 2))
		what = "program-interruption code", off = UC_OFF_PGM_CODE;
	probe_run(sc, svc, sizeof(svc), 0);
	if (!what && (uc_env32(sc, UC_OFF_SVC_CODE) != 0x42 || uc_env32(sc, UC_OFF_SVC_CODE + 4) != 2))
		what = "SVC-interruption code", off = UC_OFF_SVC_CODE;
	probe_run(sc, sar, sizeof(sar), 0x7a76a5a5);
	if (!what && uc_env32(sc, UC_OFF_AREGS + 4 * 5) != 0x7a76a5a5)
		what = "access registers", off = UC_OFF_AREGS;
	probe_run(sc, sar, sizeof(sar), 0);
	probe_run(sc, sfpc, sizeof(sfpc), 0xf8000001);
	if (!what && uc_env32(sc, UC_OFF_FPC) != 0xf8000001)
		what = "floating-point control register", off = UC_OFF_FPC;
	probe_run(sc, sfpc, sizeof(sfpc), 0);
	probe_run(sc, ldgr, sizeof(ldgr), 0x7a76f3f3f3f3f3f3ULL);
	if (!what && uc_env64(sc, UC_OFF_VREGS + 16 * 3) != 0x7a76f3f3f3f3f3f3ULL)
		what = "floating-point registers", off = UC_OFF_VREGS;
	probe_run(sc, ldgr, sizeof(ldgr), 0);
	memset(sc->ram + 0x3000, 0, 0x200);
	sc_set_gpr(sc, 1, 0);
	sc->cr[0] = cr0;
	if (what) {
		snprintf(err, errlen, "unicorn: the %s is not at offset %u of the CPU state "
			 "(a different libunicorn? zvfio needs 2.0.1's layout)", what, off);
		return -1;
	}
	return 0;
}

/*
 * Unicorn's no_exit_request (uc_priv.h, struct uc_struct): on, Unicorn
 * 2.0.1 leaves out the exit check it puts after every guest load and
 * store. That check is what makes a uc_emu_stop() from another thread leave
 * a block in its middle -- and then Unicorn resumes at the block's start,
 * running its first instructions twice (rigs/unicorn-s390x/README.md). Off,
 * a stop lands where QEMU's own TCG checks, at the start of the next block:
 * exact. The flag has no API; it sits after fields whose values are known,
 * in this order: target_page_size (4096) and target_page_align (4095),
 * qemu_host_page_size and qemu_real_host_page_size (the host's page size),
 * qemu_icache_linesize, cpu_context_size (uc_context_size() less its
 * 16-byte header), next_pc, then the bools hook_insert, first_tb,
 * no_exit_request and init_done (true once Unicorn is set up). Exactly one
 * place in the engine's allocation (its first 64 KiB) must match; ucstate_check_no_exit()
 * then proves the flag does what it should before the machine relies on it.
 */
uint8_t *ucstate_find_no_exit(struct zv_softcpu *sc, const char **why)
{
	uint8_t *u = (uint8_t *)sc->uc, *found = NULL;
	uint64_t host_page = (uint64_t)sysconf(_SC_PAGESIZE), ctx = uc_context_size(sc->uc);
	uintptr_t lo, hi;
	unsigned n = 0;
	size_t size;

	if (!mapping_of(u, &lo, &hi)) {
		*why = "the Unicorn engine is not in readable memory";
		return NULL;
	}
	/* uc_open() callocs the engine: only its own bytes are looked at */
	size = malloc_usable_size(u);
	if (size > 65536)
		size = 65536;
	for (uint8_t *p = u; p + 48 <= (uint8_t *)hi && p + 48 <= u + size; p += 4) {
		uint32_t ps, pa;
		uint64_t hp, rhp;
		int32_t ctxs;

		memcpy(&ps, p, 4);
		memcpy(&pa, p + 4, 4);
		memcpy(&hp, p + 8, 8);
		memcpy(&rhp, p + 16, 8);
		memcpy(&ctxs, p + 28, 4);
		if (ps == 4096 && pa == 4095 && hp == host_page && rhp == host_page &&
		    ctx > 16 && (uint64_t)ctxs == ctx - 16 && p[40] <= 1 && p[41] <= 1 &&
		    p[42] <= 1 && p[43] == 1) {
			found = p + 42;
			n++;
		}
	}
	if (n != 1) {
		*why = n ? "Unicorn's exit-check flag is not one place in its state"
			 : "Unicorn's exit-check flag is not where Unicorn 2.0.1 keeps it";
		return NULL;
	}
	return found;
}

/*
 * Turn the flag on and prove it: a store beyond RAM, whose callback stops
 * the run (sc->probe_stop), must not cut its block short -- the next
 * instruction runs -- and the run must stop at the start of the next block.
 * Otherwise the flag goes off again and the answer is false. Uses RAM at
 * 0x3000 and leaves it zeroed.
 */
bool ucstate_check_no_exit(struct zv_softcpu *sc, uint8_t *flag)
{
	static const uint8_t code[] = {
		0x92, 0x5a, 0x10, 0x00,		/* mvi 0(%r1),0x5a: beyond RAM */
		0xa7, 0x29, 0x00, 0x01,		/* lghi %r2,1 */
		0xa7, 0xf4, 0x00, 0x00,		/* j . */
	};
	const uint64_t a = 0x3000;
	uint64_t pc = 0;
	bool ok;

	*flag = 1;
	memcpy(sc->ram + a, code, sizeof(code));
	uc_ctl_remove_cache(sc->uc, a, a + sizeof(code));
	sc_set_gpr(sc, 1, sc->ram_size);
	sc_set_gpr(sc, 2, 0);
	sc_set_psw(sc, 0x0000000180000000ULL, a);
	sc->probe_stop = true;
	/* a second's timeout: should the stop never land, the loop ends */
	uc_emu_start(sc->uc, a, a + 0x100, 1000000, 0);
	sc->probe_stop = false;
	uc_reg_read(sc->uc, UC_S390X_REG_PC, &pc);
	ok = sc_gpr(sc, 2) == 1 && pc == a + 8;
	memset(sc->ram + a, 0, sizeof(code));
	uc_ctl_remove_cache(sc->uc, a, a + 0x1000);
	sc_set_gpr(sc, 1, 0);
	sc_set_gpr(sc, 2, 0);
	if (!ok)
		*flag = 0;
	return ok;
}

/*
 * Where QEMU keeps an EXECUTE's target between the EXECUTE and the target's
 * own block (ex_value: the target's bytes left-aligned, the EXECUTE's
 * length in the low 4 bits). A stop can land between the two; an interruption must not
 * be presented there (QEMU's s390_cpu_exec_interrupt() waits too), or the
 * target would run at the handler's address. Found by stopping the run
 * while EXRL reads its target (hook_fetch, sc->probe_fetch_stop): it stops
 * at the target's block, with ex_value set. Uses RAM at 0x3000 and leaves
 * it zeroed, and ex_value 0.
 */
bool ucstate_check_ex_value(struct zv_softcpu *sc)
{
	static const uint8_t code[] = {
		0xc6, 0x00, 0x00, 0x00, 0x00, 0x03,	/* exrl %r0,.+6 */
		0xa7, 0x29, 0x00, 0x07,			/* lghi %r2,7 (the target) */
		0xa7, 0xf4, 0x00, 0x00,			/* j . */
	};
	const uint64_t a = 0x3000;
	uint64_t v, pc = 0, zero = 0;

	memcpy(sc->ram + a, code, sizeof(code));
	uc_ctl_remove_cache(sc->uc, a, a + sizeof(code));
	sc_set_gpr(sc, 2, 0);
	sc_set_psw(sc, 0x0000000180000000ULL, a);
	sc->probe_fetch_stop = a + 6;
	uc_emu_start(sc->uc, a, a + 0x100, 1000000, 0);
	sc->probe_fetch_stop = UINT64_MAX;
	uc_reg_read(sc->uc, UC_S390X_REG_PC, &pc);
	v = uc_env64(sc, UC_OFF_EX_VALUE);
	memcpy(sc->env + UC_OFF_EX_VALUE, &zero, 8);
	memset(sc->ram + a, 0, sizeof(code));
	uc_ctl_remove_cache(sc->uc, a, a + 0x1000);
	return pc == a && sc_gpr(sc, 2) == 0 && (v & 0xf) == 6 && v >> 32 == 0xa7290007;
}
