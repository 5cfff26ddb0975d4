/* SPDX-License-Identifier: MIT */
/*
 * EXECUTE of intercepted instructions: EX and EXRL run their target through
 * the machine as the CPU would -- the target's second byte ORed with R1's
 * low byte, the PSW continuing after the EXECUTE, a program interruption
 * reporting the EXECUTE's length. (Unicorn 2.0.1 runs them as silent
 * no-ops: EXRL of PCILG loaded nothing, EX of the exit hypercall returned.)
 * Every intercepted instruction -- CLP, PCILG, PCISTG, PCISTB, RPCIT,
 * MPCIFC, STPCIFC, SIC, the DIAG hypercall, STCRW -- by EX and by EXRL,
 * each doing its work and leaving its condition code (SIC none).
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
    /* one of each with fixed registers, for EX and EXRL alike (xrun) */
    "x_clp: .insn rrf,0xb9a00000,%r0,%r8,0,2\n"	/* CLP r0,r8 (LPCB in r8) */
    "x_pcilg: .insn rre,0xb9d20000,%r6,%r2\n"		/* PCILG r6,r2 (offset r3) */
    "x_pcistg: .insn rre,0xb9d00000,%r6,%r2\n"	/* PCISTG r6,r2 (offset r3) */
    "x_pcistb: .insn rsy,0xeb00000000d0,%r2,%r3,0(%r5)\n"	/* PCISTB r2,r3,0(r5) */
    "x_rpcit: .insn rre,0xb9d30000,%r6,%r2\n"		/* RPCIT r6,r2 (range r3) */
    "x_mpcifc: .insn rxy,0xe300000000d0,%r6,0(%r5)\n"	/* MPCIFC r6,0(r5) */
    "x_stpcifc: .insn rxy,0xe300000000d4,%r6,0(%r5)\n"	/* STPCIFC r6,0(r5) */
    "x_sic: .insn rsy,0xeb00000000d1,%r7,%r3,0\n"	/* SIC r7,r3 */
    "x_diag: .insn rs,0x83000000,%r0,%r0,0x500\n"	/* the hypercall (r1, r2) */
    "x_stcrw: .insn s,0xb2390000,0(%r3)\n"		/* STCRW 0(r3) */
    ".popsection\n");

/* The registers the x_ targets use */
struct xregs {
	uint64_t r1, r2, r3, r5, r6, r7, r8;
};

/*
 * Run target x_NAME by EX (ex) or EXRL, with the registers of *x (updated
 * from the target's results) and the condition code set to 3 before, so
 * that one the target leaves alone shows; returns the cc after.
 */
#define XRUN(name)									\
static int xrun_##name(bool ex, struct xregs *x)					\
{											\
	register uint64_t r1 asm("1") = x->r1, r2 asm("2") = x->r2, r3 asm("3") = x->r3;	\
	register uint64_t r5 asm("5") = x->r5, r6 asm("6") = x->r6, r7 asm("7") = x->r7;	\
	register uint64_t r8 asm("8") = x->r8;						\
	uint64_t three = 3ULL << 28;							\
	int cc;										\
											\
	if (ex)										\
		asm volatile("spm %[t]\n larl %%r4,x_" #name "\n ex %%r0,0(%%r4)\n"	\
			     " ipm %[cc]\n srl %[cc],28"					\
			     : [cc] "=&d"(cc), "+d"(r1), "+d"(r2), "+d"(r3), "+d"(r5), "+d"(r6),	\
			       "+d"(r7), "+d"(r8) : [t] "d"(three) : "r4", "cc", "memory");	\
	else										\
		asm volatile("spm %[t]\n exrl %%r0,x_" #name "\n"			\
			     " ipm %[cc]\n srl %[cc],28"					\
			     : [cc] "=&d"(cc), "+d"(r1), "+d"(r2), "+d"(r3), "+d"(r5), "+d"(r6),	\
			       "+d"(r7), "+d"(r8) : [t] "d"(three) : "cc", "memory");		\
	x->r1 = r1, x->r2 = r2, x->r3 = r3, x->r5 = r5, x->r6 = r6, x->r7 = r7, x->r8 = r8;	\
	return cc;									\
}
XRUN(clp) XRUN(pcilg) XRUN(pcistg) XRUN(pcistb) XRUN(rpcit) XRUN(mpcifc) XRUN(stpcifc)
XRUN(sic) XRUN(diag) XRUN(stcrw)

static uint8_t x_lpcb[4096] __attribute__((aligned(4096)));
static uint8_t x_fmb[4096] __attribute__((aligned(4096)));

static uint64_t req(uint32_t fh, uint8_t as, uint16_t len)
{
	return (uint64_t)fh << 32 | (uint64_t)as << 16 | len;
}

/* Every intercepted instruction by EX and by EXRL, each doing its work
 * and setting its condition code as it does when run itself. */
static void every_instruction(bool ex)
{
	const char *how = ex ? "EX" : "EXRL";
	struct zpci_fib fib __attribute__((aligned(8)));
	uint64_t blk[4] __attribute__((aligned(8))) = {
		0x0102030405060708ULL, 0x1112131415161718ULL, 0x2122232425262728ULL,
		0x3132333435363738ULL,
	};
	uint32_t crw __attribute__((aligned(4))) = 0xffffffff;
	struct xregs x;
	uint64_t d;
	uint8_t st;

	/* CLP QUERY PCI FN: response 0x0010, the function's UID */
	memset(x_lpcb, 0, sizeof(x_lpcb));
	*(uint16_t *)x_lpcb = 32;
	*(uint16_t *)(x_lpcb + 2) = 3;
	*(uint32_t *)(x_lpcb + 0x10) = z->fh;
	*(uint16_t *)(x_lpcb + 32) = 4096 - 32;
	x = (struct xregs){ .r8 = (uintptr_t)x_lpcb };
	CHECK(xrun_clp(ex, &x) == 0, "%s CLP: cc", how);
	CHECK(*(uint16_t *)(x_lpcb + 34) == 0x0010 && *(uint32_t *)(x_lpcb + 32 + 0x7c) == z->uid,
	      "%s CLP: response %#x, uid %u", how, *(uint16_t *)(x_lpcb + 34),
	      *(uint32_t *)(x_lpcb + 32 + 0x7c));
	/* PCISTG of the pattern register, PCILG of it back */
	x = (struct xregs){ .r2 = req(z->fh, 0, 8), .r3 = EMU_DMA_REG_PATTERN,
			    .r6 = ex ? 0x5a5a0000aaaa1111ULL : 0x1234567890abcdefULL };
	CHECK(xrun_pcistg(ex, &x) == 0, "%s PCISTG: cc", how);
	x = (struct xregs){ .r2 = req(z->fh, 0, 8), .r3 = EMU_DMA_REG_PATTERN };
	CHECK(xrun_pcilg(ex, &x) == 0, "%s PCILG: cc", how);
	CHECK(x.r6 == (ex ? 0x5a5a0000aaaa1111ULL : 0x1234567890abcdefULL), "%s PCILG: %#lx", how,
	      (unsigned long)x.r6);
	/* PCISTB of four registers, read back one by one */
	blk[0] ^= ex;
	x = (struct xregs){ .r2 = req(z->fh, 0, sizeof(blk)), .r3 = EMU_DMA_REG_SRC,
			    .r5 = (uintptr_t)blk };
	CHECK(xrun_pcistb(ex, &x) == 0, "%s PCISTB: cc", how);
	for (unsigned i = 0; i < 4; i++) {
		d = 0;
		CHECK_EQ(pcilg(&d, z->fh, 0, 8, EMU_DMA_REG_SRC + 8 * i, &st), 0);
		CHECK(d == blk[i], "%s PCISTB: register %u is %#lx", how, i, (unsigned long)d);
	}
	/* RPCIT of a page of the window: nothing valid there, cc 0 */
	x = (struct xregs){ .r6 = (uint64_t)z->fh << 32, .r2 = z->pba, .r3 = 4096 };
	CHECK(xrun_rpcit(ex, &x) == 0, "%s RPCIT: cc", how);
	/* MPCIFC set measurement, STPCIFC shows the FMB, MPCIFC turns it off */
	memset(&fib, 0, sizeof(fib));
	fib.fmb_addr = (uintptr_t)x_fmb;
	x = (struct xregs){ .r6 = req(z->fh, 0, 10), .r5 = (uintptr_t)&fib };
	CHECK(xrun_mpcifc(ex, &x) == 0, "%s MPCIFC set measurement: cc", how);
	memset(&fib, 0xa5, sizeof(fib));
	x = (struct xregs){ .r6 = (uint64_t)z->fh << 32, .r5 = (uintptr_t)&fib };
	CHECK(xrun_stpcifc(ex, &x) == 0, "%s STPCIFC: cc", how);
	CHECK(fib.fmb_addr == (uintptr_t)x_fmb && fib.pba == z->pba, "%s STPCIFC: fmb %#lx", how,
	      (unsigned long)fib.fmb_addr);
	memset(&fib, 0, sizeof(fib));
	CHECK_EQ(mpcifc(z->fh, 0, 10, &fib, &st), 0);
	/* SIC sets no condition code: the 3 set before stays */
	x = (struct xregs){ .r7 = 1, .r3 = 0 };
	CHECK(xrun_sic(ex, &x) == 3, "%s SIC: the condition code changed", how);
	/* the time hypercall: r2 <- the clock */
	x = (struct xregs){ .r1 = ZV_HC_TIME, .r2 = 0 };
	xrun_diag(ex, &x);
	CHECK(x.r2 != 0, "%s DIAG X'500': no time", how);
	/* STCRW with no report pending: cc 1, zeros */
	x = (struct xregs){ .r3 = (uintptr_t)&crw };
	CHECK(xrun_stcrw(ex, &x) == 1 && crw == 0, "%s STCRW: crw %#x", how, crw);
	/* an invalid SIC mode: operand exception, with the EXECUTE's length */
	pgm_expect();
	x = (struct xregs){ .r7 = 0x77, .r3 = 0 };
	xrun_sic(ex, &x);
	CHECK(pgm_code() == 0x0015 && pgm_seen.ilc == (ex ? 4 : 6), "%s SIC mode 0x77: code %#x ilc %u",
	      how, pgm_code(), pgm_seen.ilc);
}

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
	every_instruction(true);
	every_instruction(false);
	printf("execute: %u failures\n", test_failures);
	return test_failures ? 1 : 0;
}
