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

#define OFF_PSW    784
#define OFF_CREGS  880

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
