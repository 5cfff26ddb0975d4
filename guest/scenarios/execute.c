/* SPDX-License-Identifier: MIT */
/*
 * EXECUTE of intercepted instructions: EX and EXRL run their target through
 * the machine as the CPU would -- the target's second byte ORed with R1's
 * low byte, the PSW continuing after the EXECUTE, a program interruption
 * reporting the EXECUTE's length. (Unicorn 2.0.1 runs them as silent
 * no-ops: EXRL of PCILG loaded nothing, EX of the exit hypercall returned.)
 */
#include "emu_dma_drv.h"
#include "guest.h"

int guest_main(void);

static struct zdev *z;
static volatile int pstate_seen;

/* The targets, never run themselves: jumped over. */
asm(".pushsection .text\n"
    ".align 8\n"
    "t_pcilg: .insn rre,0xb9d20000,%r6,%r2\n"		/* PCILG r6,r2 */
    "t_stpcifc: .insn rxy,0xe300000000d4,%r0,0(%r5)\n"	/* STPCIFC r0: EX ORs R1 in */
    "t_locr: .byte 0xb9,0xd2,0xf0,0x02\n"	/* OR 0x20: B9F2 LOCR r0,r2,15 */
    "t_diag: .insn rs,0x83000000,%r0,%r0,0x500\n"	/* the hypercall */
    "t_stcrw: .insn s,0xb2390000,0(%r3)\n"		/* STCRW 0(r3) */
    "t_csch: .insn s,0xb2300000,0(%r3)\n"		/* OR 0x09: STCRW */
    ".popsection\n");

/* EXRL of PCILG r6,r2: r6 <- the ID register, cc 0 */
static int exrl_pcilg(uint32_t fh, uint64_t *out)
{
	register uint64_t r2 asm("2") = (uint64_t)fh << 32 | 4;	/* BAR 0, 4 bytes */
	register uint64_t r3 asm("3") = EMU_DMA_REG_ID;
	register uint64_t r6 asm("6") = 0xdead;
	int cc;

	asm volatile("exrl %%r0,t_pcilg\n ipm %[cc]\n srl %[cc],28"
		     : [cc] "=d"(cc), "+d"(r6) : "d"(r2), "d"(r3) : "cc", "memory");
	*out = r6;
	return cc;
}

/* EX with R1 = 0x60: STPCIFC r0 becomes STPCIFC r6 (the handle in r6) */
static int ex_stpcifc_or(uint32_t fh, struct zpci_fib *fib)
{
	register uint64_t r1 asm("1") = 0x60;
	register uint64_t r6 asm("6") = (uint64_t)fh << 32;
	register uint64_t r0 asm("0") = 0;	/* the unmodified target: no function */
	register uint64_t r5 asm("5") = (uintptr_t)fib;
	int cc;

	asm volatile("larl %%r4,t_stpcifc\n ex %%r1,0(%%r4)\n ipm %[cc]\n srl %[cc],28"
		     : [cc] "=d"(cc), "+d"(r6), "+d"(r0) : "d"(r1), "d"(r5) : "r4", "cc", "memory");
	return cc;
}

/* EX with R1 = 0x20 of B9D2 f002: the CPU runs B9F2, LOCR r0,r2,15 (not
 * intercepted): r0 <- r2 */
static uint64_t ex_locr(void)
{
	register uint64_t r1 asm("1") = 0x20;
	register uint64_t r2 asm("2") = 0x1234abcd;
	register uint64_t r0 asm("0") = 0;

	asm volatile("larl %%r4,t_locr\n ex %%r1,0(%%r4)" : "+d"(r0) : "d"(r1), "d"(r2)
		     : "r4", "cc", "memory");
	return r0;
}

/* EX with R1 = 0x09 of CSCH (B230, not intercepted): STCRW (B239) */
static int ex_csch_as_stcrw(uint32_t *crw)
{
	register uint64_t r1 asm("1") = 0x09;
	register uint64_t r3 asm("3") = (uintptr_t)crw;
	int cc;

	asm volatile("larl %%r4,t_csch\n ex %%r1,0(%%r4)\n ipm %[cc]\n srl %[cc],28"
		     : [cc] "=d"(cc) : "d"(r1), "d"(r3) : "r4", "cc", "memory");
	return cc;
}

/* EXRL of the time hypercall: DIAG with r1 = function, r2 <- result */
static uint64_t exrl_time(void)
{
	register uint64_t r1 asm("1") = ZV_HC_TIME;
	register uint64_t r2 asm("2") = 0;

	asm volatile("exrl %%r0,t_diag" : "+d"(r2) : "d"(r1) : "cc", "memory");
	return r2;
}

/* EX of STCRW: no report pending -> cc 1 and zeros stored */
static int ex_stcrw(uint32_t *crw)
{
	register uint64_t r3 asm("3") = (uintptr_t)crw;
	int cc;

	asm volatile("larl %%r4,t_stcrw\n ex %%r0,0(%%r4)\n ipm %[cc]\n srl %[cc],28"
		     : [cc] "=d"(cc) : "d"(r3) : "r4", "cc", "memory");
	return cc;
}

static void exrl_in_problem_state(void)
{
	uint64_t d;

	pgm_expect();
	exrl_pcilg(z->fh, &d);
	pstate_seen = pgm_code();
}

int guest_main(void)
{
	uint64_t d = 0, t0, t1;
	uint32_t crw __attribute__((aligned(4))) = 0xffffffff;
	struct zpci_fib fib __attribute__((aligned(8)));

	CHECK_EQ(zpci_bringup_all(4, NULL), 1);
	z = &zdevs[0];

	/* PCI data is little-endian: the register holds the bytes as loaded */
	CHECK_EQ(exrl_pcilg(z->fh, &d), 0);
	CHECK_EQ(d, bswap32(EMU_DMA_ID_MAGIC));
	memset(&fib, 0xa5, sizeof(fib));
	CHECK_EQ(ex_stpcifc_or(z->fh, &fib), 0);
	CHECK_EQ(fib.pba, z->pba);
	CHECK_EQ(ex_locr(), 0x1234abcd);
	crw = 0xffffffff;
	CHECK_EQ(ex_csch_as_stcrw(&crw), 1);
	CHECK_EQ(crw, 0);
	t0 = zv_time_ns();
	t1 = exrl_time();
	CHECK(t1 >= t0 && t1 - t0 < 1000000000ULL, "EXRL of the time hypercall: %lu", (unsigned long)t1);
	crw = 0xffffffff;
	CHECK_EQ(ex_stcrw(&crw), 1);
	CHECK_EQ(crw, 0);
	/* in problem state: privileged operation, with EXRL's length (6) and
	 * the old PSW after the EXRL */
	run_in_problem_state(exrl_in_problem_state);
	CHECK_EQ(pstate_seen, 0x0002);
	CHECK_EQ(pgm_seen.ilc, 6);
	printf("execute: %u failures\n", test_failures);
	return test_failures ? 1 : 0;
}
