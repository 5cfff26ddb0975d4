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
#include <stdio.h>
#include <string.h>

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
