/* SPDX-License-Identifier: MIT */
/*
 * Bad operands from a real guest: each zPCI instruction answers with the
 * architected program exception, condition code or status, and the machine
 * presents exceptions through the lowcore with the right code, ILC and old
 * PSW (suppression: the next instruction). And the PSW and control-register
 * instructions the machine emulates (STOSM, SSM, LPSW, LCTL, LCTLG) do
 * what the Principles of Operation say, and refuse what it refuses.
 */
#include "emu_dma_drv.h"
#include "guest.h"

int guest_main(void);

static struct zdev *z;
static volatile int pstate_step;

/* zPCI instructions in problem state: privileged-operation (0x0002) each */
static void in_problem_state(void)
{
	struct zpci_fib fib __attribute__((aligned(8))) = {0};
	uint64_t d;
	uint8_t st, blk[32] __attribute__((aligned(8))) = {0};
	uint16_t rsp;

	pgm_expect(); pcilg(&d, z->fh, 0, 4, 0, &st); pstate_step |= pgm_code() == 2 ? 0x01 : 0;
	pgm_expect(); pcistg(0, z->fh, 0, 4, 0x08, &st); pstate_step |= pgm_code() == 2 ? 0x02 : 0;
	pgm_expect(); pcistb(blk, z->fh, 0, 32, 0x08, &st); pstate_step |= pgm_code() == 2 ? 0x04 : 0;
	pgm_expect(); rpcit_once(z->fh, z->pba, 4096, &st); pstate_step |= pgm_code() == 2 ? 0x08 : 0;
	pgm_expect(); mpcifc_once(z->fh, 0, 7, &fib, &st); pstate_step |= pgm_code() == 2 ? 0x10 : 0;
	pgm_expect(); stpcifc(z->fh, 0, &fib, &st); pstate_step |= pgm_code() == 2 ? 0x20 : 0;
	pgm_expect(); sic(1, 2); pstate_step |= pgm_code() == 2 ? 0x40 : 0;
	*(uint16_t *)blk = 32;
	*(uint16_t *)(blk + 2) = 2;	/* LIST PCI */
	pgm_expect(); clp_raw(blk, 32, 64, NULL, &rsp); pstate_step |= pgm_code() == 2 ? 0x80 : 0;
}

/* PCILG with an odd R2 (R2 = 3): specification exception */
static void pcilg_odd_r2(void)
{
	register uint64_t r3 asm("3") = (uint64_t)z->fh << 32 | 4;
	register uint64_t r4 asm("4") = 0;

	asm volatile(".insn rre,0xb9d20000,%%r1,%%r3" : "+d"(r3), "+d"(r4) : : "1", "cc");
}

/* SCK in problem state: privileged operation */
static volatile int sck_pstate;

static void sck_in_problem_state(void)
{
	static const uint64_t tod __attribute__((aligned(8))) = 0x1234;

	pgm_expect();
	asm volatile("sck %0" : : "Q"(tod) : "cc", "memory");
	sck_pstate = pgm_code();
}

/*
 * Instructions Unicorn 2.0.1 crashes the host translating (the machine
 * takes them out of the guest code at translation): each gets its
 * architected answer. SCK: cc 0, specification when misaligned,
 * privileged in problem state; CKSM with an odd R2: specification; CSST
 * (facilities 32 and 33, which Linux's z10 level requires): emulated.
 */
static uint32_t csst_op1 __attribute__((aligned(8)));
static uint64_t csst_op2;
/* the swap value left-aligned in the first 16 bytes, the store value in
 * the next 16 */
static const uint64_t csst_parm[4] __attribute__((aligned(16))) = {
	0x0000000900000000ULL, 0, 0x1122334455667788ULL, 0,
};

/* CSST fc 0 (4 bytes), sc 3 (store 8 bytes) with compare value cmp: cc */
static int csst_run(uint64_t fc_sc, uint64_t *cmp)
{
	register uint64_t r0 asm("0") = fc_sc;
	register uint64_t r1 asm("1") = (uint64_t)csst_parm;
	register uint64_t r3 asm("3") = *cmp;
	int cc;

	asm volatile(".insn ssf,0xc80200000000,%[o1],%[o2],%[r3]\n ipm %[cc]\n srl %[cc],28"
		     : [cc] "=d"(cc), [r3] "+d"(r3), [o1] "+Q"(csst_op1), [o2] "+Q"(csst_op2)
		     : "d"(r0), "d"(r1) : "cc", "memory");
	*cmp = r3;
	return cc;
}

static void csst(void)
{
	uint64_t cmp = 5;

	csst_op1 = 5;
	csst_op2 = 0;
	CHECK_EQ(csst_run(0x300, &cmp), 0);		/* equal: swap and store */
	CHECK_EQ(csst_op1, 9);
	CHECK_EQ(csst_op2, 0x1122334455667788ULL);
	csst_op2 = 0;
	CHECK_EQ(csst_run(0x300, &cmp), 1);		/* unequal: R3 gets op1 */
	CHECK_EQ(cmp, 9);
	CHECK_EQ(csst_op2, 0);
	pgm_expect();
	csst_run(0x003, &cmp);				/* function code 3 */
	CHECK_EQ(pgm_code(), 0x0006);
	CHECK_EQ(pgm_seen.ilc, 6);
	pgm_expect();
	csst_run(0x0bc, &cmp);		/* function code 0xbc (found by fuzz_softcpu) */
	CHECK_EQ(pgm_code(), 0x0006);
	pgm_expect();
	csst_run(0x900, &cmp);		/* store characteristic 9 */
	CHECK_EQ(pgm_code(), 0x0006);
}

/* STOSM in problem state: privileged operation */
static volatile int stosm_pstate;

static void stosm_in_problem_state(void)
{
	static uint8_t m;

	pgm_expect();
	asm volatile("stosm %0,0x00" : "=Q"(m) : : "memory");
	stosm_pstate = pgm_code();
}

static uint8_t system_mask(void)
{
	uint8_t m;

	asm volatile("stnsm %0,0xff" : "=Q"(m) : : "memory");	/* AND 0xff: no change */
	return m;
}

static void psw_control(void)
{
	static uint8_t m, set __attribute__((aligned(8)));
	static uint64_t crbuf[2] __attribute__((aligned(8)));
	static uint32_t esa[2] __attribute__((aligned(8)));
	uint64_t cr10 = 0, hi = 0, lo = 0, saved;
	uint8_t orig = system_mask();

	/* STOSM stores the mask it found, then ORs I2 in */
	asm volatile("stosm %0,0x00" : "=Q"(m) : : "memory");
	CHECK_EQ(m, orig);
	asm volatile("stnsm %0,0xfc" : "=Q"(m) : : "memory");		/* I/O, external off */
	asm volatile("stosm %0,0x01" : "=Q"(m) : : "memory");		/* external on */
	CHECK_EQ(m, orig & 0xfc);
	CHECK_EQ(system_mask(), (orig & 0xfc) | 0x01);
	/* SSM loads the whole mask */
	set = orig;
	asm volatile("ssm %0" : : "Q"(set) : "memory");
	CHECK_EQ(system_mask(), orig);
	run_in_problem_state(stosm_in_problem_state);
	CHECK_EQ(stosm_pstate, 0x0002);

	/* LCTLG loads whole registers, LCTL low halves only (CR10: a PER
	 * address, unused while PER is off) */
	asm volatile("stctg %%c10,%%c10,%0" : "=Q"(saved) : : "memory");
	crbuf[0] = 0x1122334455667788ULL;
	asm volatile("lctlg %%c10,%%c10,%0" : : "Q"(crbuf[0]) : "memory");
	crbuf[1] = 0xaabbccdd00000000ULL;	/* the word at crbuf[1] */
	asm volatile("lctl %%c10,%%c10,%0" : : "Q"(crbuf[1]) : "memory");
	asm volatile("stctg %%c10,%%c10,%0" : "=Q"(cr10) : : "memory");
	CHECK_EQ(cr10, 0x11223344aabbccddULL);
	pgm_expect();
	asm volatile("lctl %%c10,%%c10,2(%0)" : : "a"(crbuf) : "memory");	/* not a word */
	CHECK_EQ(pgm_code(), 0x0006);
	CHECK_EQ(pgm_seen.ilc, 4);
	pgm_expect();
	asm volatile("lctlg %%c10,%%c10,4(%0)" : : "a"(crbuf) : "memory");	/* nor a doubleword */
	CHECK_EQ(pgm_code(), 0x0006);
	CHECK_EQ(pgm_seen.ilc, 6);
	asm volatile("lctlg %%c10,%%c10,%0" : : "Q"(saved) : "memory");

	/* LPSW: an ESA/390 PSW (bit 12 one, bit 32 the 31-bit mode) lands in
	 * the 31-bit mode at its address; SAM64 goes back */
	asm volatile("epsw %0,%1" : "=d"(hi), "=d"(lo));
	esa[0] = (uint32_t)hi | 0x00080000u;
	asm volatile("larl %%r1,1f\n"
		     " oilh %%r1,0x8000\n"
		     " st %%r1,4(%2)\n"
		     " lpsw 0(%2)\n"
		     "1: epsw %0,%1\n"
		     " sam64"
		     : "=&d"(hi), "=&d"(lo) : "a"(esa) : "1", "memory");
	CHECK_EQ(lo & 0xffffffffULL, 0x80000000ULL);	/* BA on, EA off */
	esa[0] &= ~0x00080000u;				/* bit 12 zero */
	pgm_expect();
	asm volatile("lpsw 0(%0)" : : "a"(esa) : "memory");
	CHECK_EQ(pgm_code(), 0x0006);
}

static void unicorn_crashers(void)
{
	static uint64_t tod[2] __attribute__((aligned(8))) = { 0x00d0000000000000ULL, 0 };
	int cc;

	asm volatile("sck %1\n ipm %0\n srl %0,28" : "=d"(cc) : "Q"(tod[0]) : "cc", "memory");
	CHECK_EQ(cc, 0);
	pgm_expect();
	asm volatile("sck 4(%0)" : : "a"(tod) : "cc", "memory");
	CHECK_EQ(pgm_code(), 0x0006);
	run_in_problem_state(sck_in_problem_state);
	CHECK_EQ(sck_pstate, 0x0002);
	pgm_expect();
	/* suppressed: nothing is changed */
	asm volatile(".insn rre,0xb2410000,%%r14,%%r15" : : : "cc", "memory");
	CHECK_EQ(pgm_code(), 0x0006);
	CHECK_EQ(pgm_seen.ilc, 4);
	csst();
	psw_control();
}

int guest_main(void)
{
	struct zpci_fib fib __attribute__((aligned(16))) = {0};
	uint8_t blk[256] __attribute__((aligned(8))) = {0}, st;
	uint64_t d, req;
	uint16_t rsp;
	extern char badops_marker[];

	CHECK_EQ(zpci_bringup_all(4, NULL), 1);
	z = &zdevs[0];

	run_in_problem_state(in_problem_state);
	CHECK_EQ(pstate_step, 0xff);

	/* specification: odd R2; the old PSW points past the 4-byte insn */
	pgm_expect();
	pcilg_odd_r2();
	CHECK_EQ(pgm_code(), 0x0006);
	CHECK_EQ(pgm_seen.ilc, 4);

	/* operand: PCILG length 3; config length 8 */
	pgm_expect(); pcilg(&d, z->fh, 0, 3, 0, &st); CHECK_EQ(pgm_code(), 0x0015);
	pgm_expect(); pcilg(&d, z->fh, PCIAS_CFG, 8, 0, &st); CHECK_EQ(pgm_code(), 0x0015);
	/* cc 1 status 20: address space 9, unimplemented BAR 1 */
	CHECK_EQ(pcilg(&d, z->fh, 9, 4, 0, &st), 1); CHECK_EQ(st, 20);
	CHECK_EQ(pcilg(&d, z->fh, 1, 4, 0, &st), 1); CHECK_EQ(st, 20);
	/* cc 3: a handle that does not exist, and one without the enable bit */
	CHECK_EQ(pcilg(&d, z->fh ^ 0x00000100u, 0, 4, 0, &st), 3);
	CHECK_EQ(pcilg(&d, z->fh & 0x7fffffffu, 0, 4, 0, &st), 3);
	/* the status byte lands in bits 32-39 of R2, the rest is kept */
	req = (uint64_t)z->fh << 32 | 9ULL << 16 | 4;
	d = 0;
	CHECK_EQ(pcilg_raw(&d, req, 0, &req), 1);
	CHECK_EQ(req, (uint64_t)z->fh << 32 | 20ULL << 24 | 9ULL << 16 | 4);

	/* PCISTB: 6-byte instruction, specification for a misaligned source */
	pgm_expect();
	pcistb(blk + 4, z->fh, 0, 16, 0x08, &st);
	CHECK_EQ(pgm_code(), 0x0006);
	CHECK_EQ(pgm_seen.ilc, 6);
	pgm_expect(); pcistb(blk, z->fh, 0, 8, 0x08, &st); CHECK_EQ(pgm_code(), 0x0006);
	pgm_expect(); pcistb(blk, z->fh, 0, 136, 0x08, &st); CHECK_EQ(pgm_code(), 0x0006);
	pgm_expect(); pcistb(blk, z->fh, 0, 32, 0xff0, &st); CHECK_EQ(pgm_code(), 0x0006);

	/* MPCIFC: misaligned FIB -> specification, unknown OC -> operand,
	 * format 1 -> operand, double deregistration -> cc 1 status 24 */
	pgm_expect(); mpcifc_once(z->fh, 0, 7, (uint8_t *)&fib + 4, &st); CHECK_EQ(pgm_code(), 0x0006);
	pgm_expect(); mpcifc_once(z->fh, 0, 1, &fib, &st); CHECK_EQ(pgm_code(), 0x0015);
	fib.fmt = 1;
	pgm_expect(); mpcifc_once(z->fh, 0, 3, &fib, &st); CHECK_EQ(pgm_code(), 0x0015);
	fib.fmt = 0;
	CHECK_EQ(mpcifc_once(z->fh, 0, 7, &fib, &st), 1); CHECK_EQ(st, 24);
	/* STPCIFC with a DMA address space other than 0: cc 1 status 28 */
	CHECK_EQ(stpcifc(z->fh, 1, &fib, &st), 1); CHECK_EQ(st, 28);
	/* SIC with an unknown mode: operand */
	pgm_expect(); sic(5, 2); CHECK_EQ(pgm_code(), 0x0015);

	/* CLP: request length 40 -> response 0x0050; unknown command 0x0020;
	 * request length 12 -> operand exception */
	memset(blk, 0, sizeof(blk));
	*(uint16_t *)blk = 32;
	*(uint16_t *)(blk + 2) = 0x77;
	CHECK_EQ(clp_raw(blk, 32, 64, NULL, &rsp), 0); CHECK_EQ(rsp, 0x0020);
	*(uint16_t *)blk = 40;
	*(uint16_t *)(blk + 2) = 2;
	CHECK_EQ(clp_raw(blk, 40, 64, NULL, &rsp), 0); CHECK_EQ(rsp, 0x0050);
	*(uint16_t *)blk = 12;
	pgm_expect(); clp_raw(blk, 12, 64, NULL, &rsp); CHECK_EQ(pgm_code(), 0x0015);

	/* RPCIT outside the window: cc 1 status 8 and an error event */
	irq_enable();
	CHECK_EQ(rpcit_once(z->fh, z->pal + 1, 4096, &st), 1); CHECK_EQ(st, 8);
	for (int i = 0; i < 100 && !z->errors; i++)
		wait_for_interrupt();
	irq_disable();
	CHECK_EQ(z->errors, 1);
	CHECK_EQ(z->last_pec, 0x0002);
	CHECK_EQ(mpcifc_once(z->fh, 0, 7, &fib, &st), 0);	/* reset error */

	/* the machine's own DIAG: an unknown function code is a specification
	 * exception with the old PSW after the 4-byte DIAG */
	pgm_expect();
	asm volatile("lgfi %%r1,0x7a7600ff\n .insn rs,0x83000000,%%r0,%%r0,0x500\n"
		     ".globl badops_marker\nbadops_marker:" : : : "1", "2", "memory");
	CHECK_EQ(pgm_code(), 0x0006);
	CHECK_EQ(pgm_seen.addr, (uintptr_t)badops_marker);

	unicorn_crashers();

	printf("badops: %u failures\n", test_failures);
	return test_failures ? 1 : 0;
}
