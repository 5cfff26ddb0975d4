/* SPDX-License-Identifier: MIT */
/*
 * The machine's clocks on a virtual time base (Principles of Operation,
 * "Timing": TOD clock, clock comparator, CPU timer). Unicorn 2.0.1 has no
 * timing facility of its own: its STCK family stores 0 and SCKC/SPT do
 * nothing (../shared/rigs/linux-on-unicorn/NOTES.md, defect 6), so every
 * timing instruction is intercepted and answered here.
 *
 * Virtual time runs with the host's monotonic clock while the guest runs
 * and jumps ahead while it waits for a timer with nothing else to do (idle
 * fast-forward: a guest that sleeps for a second costs no second; not with
 * a device that works in host time, see wait_body()). The TOD
 * clock starts at the host's time of day (bit 51 = 1 microsecond, epoch
 * 1900-01-01), so a guest's date is right. The engine's measurement timer
 * (FMB updates) reads the same virtual time, through clock_ns().
 */
#include <string.h>
#include <time.h>

#include "arch/be.h"
#include "softcpu_int.h"

#define PGM_SPECIFICATION 0x06
/* seconds from 1900-01-01 (the TOD epoch) to 1970-01-01 */
#define TOD_UNIX_EPOCH 2208988800ULL

static uint64_t host_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* 4096 TOD units a microsecond: ns * 4.096 */
static uint64_t ns_to_tod(uint64_t ns)
{
	return ns / 1000 * 4096 + ns % 1000 * 4096 / 1000;
}

static uint64_t tod_to_ns(uint64_t tod)
{
	return tod / 4096 * 1000 + tod % 4096 * 1000 / 4096;
}

void clock_init(struct zv_softcpu *sc)
{
	struct timespec rt;

	clock_gettime(CLOCK_REALTIME, &rt);
	sc->clk.host0 = host_ns();
	sc->clk.tod0 = ((uint64_t)rt.tv_sec + TOD_UNIX_EPOCH) * 4096000000ULL +
		       ns_to_tod((uint64_t)rt.tv_nsec);
	sc->clk.ckc = 0;		/* the reset values */
	sc->clk.cpt_base = 0;
	sc->clk.cpt_at = 0;
}

uint64_t clock_ns(struct zv_softcpu *sc)
{
	return host_ns() - sc->clk.host0 + sc->clk.skipped_ns;
}

uint64_t clock_tod(struct zv_softcpu *sc)
{
	return sc->clk.tod0 + ns_to_tod(clock_ns(sc));
}

/* The CPU timer decrements with virtual time (one CPU, never stopped). */
static int64_t cpu_timer(struct zv_softcpu *sc, uint64_t tod)
{
	return (int64_t)(sc->clk.cpt_base - (tod - sc->clk.cpt_at));
}

uint64_t clock_guest_tod(struct zv_softcpu *sc)
{
	return clock_tod(sc) + sc->clk.tod_offset;
}

uint64_t clock_guest_ckc(struct zv_softcpu *sc)
{
	return sc->clk.ckc + sc->clk.tod_offset;
}

uint64_t clock_cpu_timer(struct zv_softcpu *sc)
{
	return (uint64_t)cpu_timer(sc, clock_tod(sc));
}

void clock_update(struct zv_softcpu *sc)
{
	uint64_t tod = clock_tod(sc);

	sc->clk.ckc_pending = tod >= sc->clk.ckc;
	sc->clk.cpt_pending = cpu_timer(sc, tod) < 0;
}

/* Virtual nanoseconds until the earliest enabled timer fires; UINT64_MAX: none. */
uint64_t clock_next_ns(struct zv_softcpu *sc, bool ckc_on, bool cpt_on)
{
	uint64_t tod = clock_tod(sc), best = UINT64_MAX;

	if (ckc_on)
		best = sc->clk.ckc > tod ? tod_to_ns(sc->clk.ckc - tod) : 0;
	if (cpt_on) {
		int64_t t = cpu_timer(sc, tod);
		uint64_t d = t < 0 ? 0 : tod_to_ns((uint64_t)t) + 1;

		if (d < best)
			best = d;
	}
	return best;
}

void clock_skip(struct zv_softcpu *sc, uint64_t ns)
{
	sc->clk.skipped_ns += ns;
}

static int store_tod(struct zv_softcpu *sc, uint64_t mask, uint64_t addr, unsigned ar,
		     bool extended)
{
	uint64_t tod = clock_guest_tod(sc);
	uint8_t b[16] = { 0 };
	int rc;

	/* successive values are unique and increasing, as a CPU's are */
	if (tod <= sc->clk.last_tod)
		tod = sc->clk.last_tod + 1;
	if (!extended) {
		be64_put(b, tod);
		rc = sc_vcopy(sc, mask, addr, ar, b, 8, SC_WRITE);
	} else {
		/* STCKE: epoch index 0, the 64 clock bits, zeros, programmable
		 * field 0 */
		be64_put(b + 1, tod);
		rc = sc_vcopy(sc, mask, addr, ar, b, 16, SC_WRITE);
	}
	if (!rc)
		sc->clk.last_tod = tod;
	return rc;
}

/*
 * The timing instructions (S format; op2 is the second byte of the
 * opcode, addr the operand's logical address, ar its base register).
 * 0, or a program-interruption code.
 */
int clock_insn(struct zv_softcpu *sc, uint8_t op2, uint64_t mask, uint64_t addr, unsigned ar)
{
	uint8_t b[8];
	int rc;

	if (op2 == 0x05 || op2 == 0x7c || op2 == 0x78) {	/* STCK STCKF STCKE */
		rc = store_tod(sc, mask, addr, ar, op2 == 0x78);
		if (!rc)
			sc_set_cc(sc, 0);
		return rc;
	}
	/* the others take a doubleword operand */
	if (addr & 7)
		return PGM_SPECIFICATION;
	switch (op2) {
	case 0x04:	/* SCK: the clock takes the operand's value */
		rc = sc_vcopy(sc, mask, addr, ar, b, 8, SC_READ);
		if (rc)
			return rc;
		sc->clk.tod_offset = be64_get(b) - clock_tod(sc);
		sc->clk.last_tod = 0;
		sc_set_cc(sc, 0);
		return 0;
	case 0x06:	/* SCKC */
		rc = sc_vcopy(sc, mask, addr, ar, b, 8, SC_READ);
		if (rc)
			return rc;
		/* the comparator compares with the clock as the guest sees it */
		sc->clk.ckc = be64_get(b) - sc->clk.tod_offset;
		clock_update(sc);
		return 0;
	case 0x07:	/* STCKC */
		be64_put(b, clock_guest_ckc(sc));
		return sc_vcopy(sc, mask, addr, ar, b, 8, SC_WRITE);
	case 0x08:	/* SPT */
		rc = sc_vcopy(sc, mask, addr, ar, b, 8, SC_READ);
		if (rc)
			return rc;
		sc->clk.cpt_base = be64_get(b);
		sc->clk.cpt_at = clock_tod(sc);
		clock_update(sc);
		return 0;
	case 0x09:	/* STPT */
		be64_put(b, clock_cpu_timer(sc));
		return sc_vcopy(sc, mask, addr, ar, b, 8, SC_WRITE);
	default:
		return 0x01;
	}
}
