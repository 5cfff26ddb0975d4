/* SPDX-License-Identifier: MIT */
/*
 * Fuzzing the software machine's own instruction handling: guest code runs
 * on a new machine per input (Unicorn, 2 MiB of RAM, one emu:dma function)
 * and exercises what softcpu.c and softcpu_sys.c do themselves -- finding
 * intercepted instructions at translation (UC_HOOK_MEM_FETCH_PROT), the
 * hypercalls (DIAG X'500'), STCRW and CHSC, EXECUTE (EX, EXRL) of
 * intercepted instructions with the R1 byte ORed into their second byte,
 * LPSWE with wait and non-wait PSWs, the control registers (LCTLG), the
 * system mask (SSM, STNSM, STOSM), interruptions through the lowcore --
 * and through them the engine.
 *
 * The input is a program of statements, each from a table of templates
 * with operands from the input: register loads, zPCI instructions (CLP,
 * PCISTG, PCILG, RPCIT, MPCIFC, STPCIFC, PCISTB, SIC), DIAG with various
 * function codes, STCRW, CHSC, LPSWE, EX and EXRL of any of those,
 * LCTLG, SSM/STNSM/STOSM, stores, a driver's bring-up of the function
 * (enable, interruptions, MSI-X, the device signalling vectors). The
 * harness turns it into straight-line s390x code (no branches back, so no
 * loop) ending with the exit hypercall, loads it as a static ELF written
 * to a memfd, and puts data, PSWs and EXECUTE targets into RAM; the
 * program, machine-check and I/O new PSWs lead to a handler that returns
 * to the old PSW (the 65th interruption ends the run). The machine runs
 * with cfg.exits = ZV_SOFTCPU_EXIT_WAIT and a 1 s timeout: an enabled wait
 * returns to the harness, which lets the device's signals in (zv_dispatch)
 * and runs on, at most three times, then stops.
 *
 * Invariant: the run ends as ZV_RUN_EXIT, FAULT, TIMEOUT, DISABLED_WAIT or
 * WAIT, never crashes (ASan, UBSan). It found an EXECUTE that ran again for
 * ever (an exception of a target in an intercepted family) and four
 * instructions Unicorn 2.0.1 crashes translating (SCK, CKSM with R2 15,
 * LDER, CSST), which the machine now takes out of the guest code itself
 * (tests/guest/run.sh and badops.c test both).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch/lowcore.h"
#include "fuzz_common.h"
#include "zvfio/softcpu.h"
#include "zvfio/zvfio.h"

#define RAM_SIZE   (2ULL << 20)
#define CODE       0x20000ULL		/* the program; up to CODE_MAX bytes */
#define CODE_MAX   0x10000ULL
#define HANDLER    0x2000ULL		/* interruption handlers */
#define COUNTER    0x800ULL		/* interruptions taken (u32) */
#define MASK_SAVE  0x900ULL		/* STNSM/STOSM store the old mask here */
#define PSWS       0x4000ULL		/* PSWs for LPSWE, 16 bytes each */
#define NPSW       64
#define TARGETS    0x5000ULL		/* EXECUTE targets, 8 bytes each */
#define NTARGET    64
#define CRS        0x6000ULL		/* control register values */
#define SMASKS     0x6100ULL		/* system-mask bytes for SSM */
#define STRS       0x7000ULL		/* console text, args buffer, report keys */
#define SCRATCH    0x7800ULL
#define CHSC_BLK   0x8000ULL		/* CHSC SEI request, 4 KiB aligned */
#define CHSC_BAD   0x9000ULL		/* another command */
#define LPCB_LIST  0xa000ULL		/* CLP blocks, 8 KiB each */
#define LPCB_ENA   0xc000ULL
#define LPCB_QFN   0xe000ULL
#define LPCB_QGRP  0x10000ULL
#define LPCB_DIS   0x12000ULL
#define FIB_INT    0x14000ULL
#define FIB_IOAT   0x14100ULL
#define FIB_FMB    0x14200ULL
#define AIBV       0x15000ULL
#define AISB       0x15100ULL
#define FMB        0x15200ULL
#define STB        0x16000ULL		/* PCISTB data */
#define SCCB       0x17000ULL		/* an SCLP control block, 4 KiB */
#define RT         0x18000ULL		/* an empty region-third table */

#define PSW_EA  0x0000000100000000ULL
#define PSW_BA  0x0000000080000000ULL
#define PSW_64  (PSW_EA | PSW_BA)

/* ---- code -------------------------------------------------------------------- */

struct code {
	uint8_t b[CODE_MAX];
	size_t n;
	uint8_t psw[NPSW][16];
	unsigned npsw;
	uint8_t tgt[NTARGET][8];
	unsigned ntgt;
};

static void c8(struct code *c, uint8_t v)
{
	if (c->n < CODE_MAX)
		c->b[c->n++] = v;
}

static void c16(struct code *c, uint16_t v)
{
	c8(c, (uint8_t)(v >> 8));
	c8(c, (uint8_t)v);
}

static void c32(struct code *c, uint32_t v)
{
	c16(c, (uint16_t)(v >> 16));
	c16(c, (uint16_t)v);
}

static uint64_t pc(const struct code *c)
{
	return CODE + c->n;
}

/* instruction formats */
static void ri(struct code *c, uint8_t op, uint8_t op2, unsigned r, uint16_t i)	/* A7x9 ... */
{
	c8(c, op);
	c8(c, (uint8_t)(r << 4 | op2));
	c16(c, i);
}

static void ril(struct code *c, uint8_t op, uint8_t op2, unsigned r, uint32_t i)	/* C0xF ... */
{
	c8(c, op);
	c8(c, (uint8_t)(r << 4 | op2));
	c32(c, i);
}

static void rxy(struct code *c, uint8_t op, uint8_t op2, unsigned r1, unsigned x2, unsigned b2,
		int32_t d2)
{
	uint32_t d = (uint32_t)d2 & 0xfffff;

	c8(c, op);
	c8(c, (uint8_t)(r1 << 4 | x2));
	c8(c, (uint8_t)(b2 << 4 | (d & 0xfff) >> 8));
	c8(c, (uint8_t)d);
	c8(c, (uint8_t)(d >> 12));
	c8(c, op2);
}

static void rs(struct code *c, uint8_t op, unsigned r1, unsigned r3, unsigned b2, uint16_t d2)
{
	c8(c, op);
	c8(c, (uint8_t)(r1 << 4 | r3));
	c8(c, (uint8_t)(b2 << 4 | (d2 & 0xfff) >> 8));
	c8(c, (uint8_t)d2);
}

static void s_fmt(struct code *c, uint16_t op, unsigned b2, uint16_t d2)	/* B2xx */
{
	c16(c, op);
	c8(c, (uint8_t)(b2 << 4 | (d2 & 0xfff) >> 8));
	c8(c, (uint8_t)d2);
}

static void rre(struct code *c, uint16_t op, unsigned r1, unsigned r2)
{
	c16(c, op);
	c8(c, 0);
	c8(c, (uint8_t)(r1 << 4 | r2));
}

static void lghi(struct code *c, unsigned r, uint16_t i) { ri(c, 0xa7, 0x9, r, i); }
static void llilf(struct code *c, unsigned r, uint32_t i) { ril(c, 0xc0, 0xf, r, i); }
static void llihf(struct code *c, unsigned r, uint32_t i) { ril(c, 0xc0, 0xe, r, i); }
static void oilf(struct code *c, unsigned r, uint32_t i) { ril(c, 0xc0, 0xd, r, i); }
static void diag500(struct code *c) { rs(c, 0x83, 0, 0, 0, 0x500); }

/* r = the function handle CLP SET PCI FN answered, << 32 | low */
static void load_fh(struct code *c, unsigned r, uint64_t lpcb, uint32_t low)
{
	rxy(c, 0xe3, 0x16, r, 0, 0, (int32_t)(lpcb + 32 + 0x10));	/* LLGF */
	rxy(c, 0xeb, 0x0d, r, r, 0, 32);				/* SLLG r,r,32 */
	oilf(c, r, low);
}

static void hc_exit(struct code *c, uint16_t status)
{
	lghi(c, 2, status);
	llilf(c, 1, ZV_HC_EXIT);
	diag500(c);
}

/* PCISTG of data to (pcias, off, len) of the function whose enabled handle
 * is in LPCB_ENA's answer: r2 request, r3 offset, r4 data */
static void pcistg(struct code *c, unsigned pcias, unsigned len, uint32_t off, uint64_t data)
{
	load_fh(c, 2, LPCB_ENA, pcias << 16 | len);
	llilf(c, 3, off);
	llihf(c, 4, (uint32_t)(data >> 32));
	oilf(c, 4, (uint32_t)data);
	rre(c, 0xb9d0, 4, 2);
}

/* ---- templates --------------------------------------------------------------- */

static const uint32_t addrs[] = {
	LPCB_LIST, LPCB_ENA, LPCB_QFN, LPCB_QGRP, LPCB_DIS, FIB_INT, FIB_IOAT, FIB_FMB,
	STB, SCRATCH, CHSC_BLK, AIBV, 0x1fff000, 0x200000, 0x7fffffff, 0,
};
static const uint32_t handles[] = { 0x00020000, 0x81020000, 0x02020000, 0x83020000 };
static const uint32_t hcs[] = { ZV_HC_WRITE, ZV_HC_GETARGS, ZV_HC_REPORT, ZV_HC_TIME, ZV_HC_WRITE,
				ZV_HC_REPORT, 0x7a760000, 0 };

/* Put a PSW of the input's kind in the next slot; its address. The
 * continuing kinds go on at `next`, never back: no loop. */
static uint64_t add_psw(struct code *c, uint8_t kind, uint64_t next, uint64_t r)
{
	uint64_t mask = PSW_64, addr = next;
	uint8_t *p;

	switch (kind % 14) {
	case 0: case 1: break;
	case 2: mask |= ZV_PSW_MASK_IO | ZV_PSW_MASK_MCHECK; break;
	case 3: mask |= ZV_PSW_MASK_IO | ZV_PSW_MASK_MCHECK | ZV_PSW_MASK_WAIT; break;	/* enabled wait */
	case 4: mask |= ZV_PSW_MASK_WAIT; break;					/* disabled wait */
	case 5: mask |= ZV_PSW_MASK_PSTATE; break;
	case 6: mask |= ZV_PSW_MASK_DAT; break;
	case 7: mask = PSW_BA; break;							/* 31-bit */
	case 8: mask = 0; break;							/* 24-bit */
	case 9: mask = PSW_EA; break;							/* invalid */
	case 10: mask |= r & 0xb80800fe7fffffffULL; break;				/* invalid bits */
	case 11: addr = r % 2 ? RAM_SIZE + (r >> 8 & 0xffff) : next + 1; break;	/* outside, odd */
	case 12: mask |= ZV_PSW_MASK_EXT | ZV_PSW_MASK_WAIT; break;
	default: mask = r; break;					/* any mask */
	}
	if (c->npsw == NPSW)
		return PSWS;
	p = c->psw[c->npsw];
	for (int i = 0; i < 8; i++) {
		p[i] = (uint8_t)(mask >> (56 - 8 * i));
		p[8 + i] = (uint8_t)(addr >> (56 - 8 * i));
	}
	return PSWS + 16ULL * c->npsw++;
}

static bool family(uint8_t op0)
{
	return op0 == 0x83 || op0 == 0xb2 || op0 == 0xb3 || op0 == 0xb9 || op0 == 0xc8 ||
	       op0 == 0xe3 || op0 == 0xeb;
}

/* An EXECUTE target: an intercepted instruction, or one that is not;
 * *orv is the byte R1 will OR into its second byte (0: R1 = 0). */
static uint64_t add_target(struct code *c, uint8_t kind, uint8_t regs, uint8_t *orv)
{
	uint8_t *t, x[6];
	static const uint8_t tpl[][6] = {
		{ 0xb9, 0xa0, 0x02, 0x02, 0, 0 },	/* CLP r2 */
		{ 0xb9, 0xd2, 0x00, 0x12, 0, 0 },	/* PCILG r1,r2 */
		{ 0xb9, 0xd0, 0x00, 0x42, 0, 0 },	/* PCISTG r4,r2 */
		{ 0xb9, 0xd3, 0x00, 0x12, 0, 0 },	/* RPCIT r1,r2 */
		{ 0xe3, 0x10, 0xd0, 0x00, 0x00, 0xd0 },	/* MPCIFC r1,0(r13) */
		{ 0xe3, 0x10, 0xd0, 0x00, 0x00, 0xd4 },	/* STPCIFC r1,0(r13) */
		{ 0xeb, 0x45, 0xd0, 0x00, 0x00, 0xd0 },	/* PCISTB r4,r5,0(r13) */
		{ 0xeb, 0x13, 0x00, 0x00, 0x00, 0xd1 },	/* SIC r1,r3 */
		{ 0x83, 0x00, 0x05, 0x00, 0, 0 },	/* DIAG 0x500 */
		{ 0xb2, 0x39, 0xd0, 0x00, 0, 0 },	/* STCRW 0(r13) */
		{ 0xb2, 0x5f, 0x00, 0xd0, 0, 0 },	/* CHSC r13 */
		{ 0xb2, 0xb2, 0xd0, 0x00, 0, 0 },	/* LPSWE 0(r13) */
		{ 0xa7, 0x09, 0x00, 0x07, 0, 0 },	/* LGHI r0,7: not intercepted */
		{ 0x07, 0x00, 0, 0, 0, 0 },		/* BCR 0,0 */
		{ 0x44, 0x00, 0x00, 0x00, 0, 0 },	/* EX: execute of execute */
		{ 0xb2, 0x00, 0x00, 0x00, 0, 0 },	/* an unassigned B2xx */
	};

	if (c->ntgt == NTARGET)
		return TARGETS;
	t = c->tgt[c->ntgt];
	memcpy(t, tpl[kind % 16], 6);
	if ((kind & 0x10) && family(t[0]))	/* other registers (elsewhere: a branch) */
		t[t[0] == 0xb9 ? 3 : 1] = regs;
	t[6] = t[7] = 0;
	memcpy(x, t, 6);
	if (!family(t[0]) && t[0] != 0x44)
		*orv = 0;	/* ORed into LGHI or BCR it may make a branch: a loop */
	x[1] |= *orv;
	return TARGETS + 8ULL * c->ntgt++;
}

/* The address an EXECUTE target's operand 0(r13) needs: a PSW going on
 * at next for LPSWE, else one of the data areas. */
static uint64_t tg_operand(struct code *c, uint8_t kind, uint8_t pk, uint64_t next)
{
	static const uint32_t data[] = { FIB_INT, FIB_IOAT, STB, SCRATCH, CHSC_BLK, CHSC_BAD, LPCB_QFN, 0x1fffff0 };

	if (kind % 16 == 11)
		return add_psw(c, pk, next, (uint64_t)pk << 40);
	return data[pk & 7];
}

/* The driver's bring-up: enable, interruptions, MSI-X vectors, interrupt
 * classes, then the device signals. */
static void bringup(struct code *c, uint8_t a, uint8_t b)
{
	unsigned nvec = 1 + (b & 3);

	llilf(c, 2, LPCB_ENA);
	c16(c, 0xb9a0); c8(c, 0x02); c8(c, 0x02);		/* CLP r2: enable */
	pcistg(c, 15, 2, 0x04, 0x0600);				/* memory space, bus master */
	if (!(a & 1)) {					/* register interruptions */
		load_fh(c, 1, LPCB_ENA, 2);
		llilf(c, 13, FIB_INT);
		rxy(c, 0xe3, 0xd0, 1, 0, 13, 0);		/* MPCIFC r1,0(r13) */
	}
	for (unsigned v = 0; v < nvec; v++) {
		pcistg(c, 2, 4, 16 * v + 0, 0);
		pcistg(c, 2, 4, 16 * v + 4, a & 2 ? 0 : 0x000000fe);	/* MSIA high, LE */
		pcistg(c, 2, 4, 16 * v + 8, (uint64_t)v << 24);		/* data: vector */
		pcistg(c, 2, 4, 16 * v + 12, 0);			/* unmasked */
	}
	pcistg(c, 15, 2, 0x42, a & 4 ? 0x00c0 : 0x0080);	/* MSI-X on (function mask) */
	llilf(c, 13, CRS);
	rxy(c, 0xeb, 0x2f, 6, 6, 13, 8 * 6);			/* LCTLG c6,c6: ISC mask */
	rxy(c, 0xeb, 0x2f, 14, 14, 13, 8 * 14);			/* LCTLG c14,c14: CRW */
	if (a & 8) {
		c8(c, 0xad); c8(c, 0x02); c16(c, MASK_SAVE);	/* STOSM: I/O on */
	} else {
		llilf(c, 13, (uint32_t)add_psw(c, 2, pc(c) + 10, 0));
		s_fmt(c, 0xb2b2, 13, 0);			/* LPSWE: I/O and machine checks on */
	}
	/* the device signals a vector 3 times: LEN, then CMD = IRQ | vector << 8
	 * (registers little-endian: PCISTG stores the register big-endian) */
	pcistg(c, 0, 8, 0x18, __builtin_bswap64(3));
	pcistg(c, 0, 4, 0x28, __builtin_bswap32(4u | (uint32_t)(b >> 2) % nvec << 8));
}

/* One statement of the program. */
static void statement(struct code *c, struct in *in)
{
	uint8_t t = u8(in), a = u8(in), b = u8(in);
	unsigned r = a & 15, r2 = b & 15;

	switch (t % 23) {
	case 0:		/* small constant */
		lghi(c, r == 13 ? 12 : r, u16(in));
		break;
	case 1:		/* an address of the data area */
		llilf(c, r, addrs[b & 15] + (b >> 4 ? u8(in) : 0));
		break;
	case 2:		/* a function handle in the high word */
		llihf(c, r, b & 0x80 ? u32(in) : handles[b & 3]);
		oilf(c, r, u32(in));
		break;
	case 3:		/* the handle CLP answered, as a driver keeps it */
		load_fh(c, r, b & 1 ? LPCB_ENA : LPCB_DIS, u32(in));
		break;
	case 4: {	/* a zPCI instruction in RRE (CLP: RRF) format */
		static const uint16_t ops[] = { 0xb9a0, 0xb9d0, 0xb9d2, 0xb9d3 };
		uint16_t op = ops[b >> 4 & 3];

		c16(c, op);
		c8(c, op == 0xb9a0 ? (uint8_t)(b >> 6 | 0x02) : 0);
		c8(c, a);
		break;
	}
	case 5: {	/* a zPCI instruction in RXY/RSY format */
		static const uint8_t ops[][2] = { { 0xe3, 0xd0 }, { 0xe3, 0xd4 }, { 0xeb, 0xd0 }, { 0xeb, 0xd1 } };
		uint8_t d = u8(in);

		rxy(c, ops[b & 3][0], ops[b & 3][1], r, b >> 4 & 15, d >> 4, (int32_t)(d & 15) * 8);
		break;
	}
	case 6: {	/* a hypercall */
		uint8_t k = u8(in);

		llilf(c, 1, b & 0x80 ? u32(in) : hcs[b & 7]);
		llilf(c, 2, STRS + 0x20ULL * (k & 15));
		lghi(c, 3, (uint16_t)(k >> 4 == 15 ? 0xffff : (k >> 4) * 4));
		if (a & 0x80)
			rs(c, 0x83, 0, 0, a & 15, (uint16_t)(0x500 + (a & 0x70)));	/* other codes */
		else
			diag500(c);
		break;
	}
	case 7:		/* STCRW */
		llilf(c, 13, SCRATCH + (b & 7));
		s_fmt(c, 0xb239, 13, 0);
		break;
	case 8:		/* CHSC */
		llilf(c, 13, b & 1 ? CHSC_BLK : b & 2 ? CHSC_BAD : SCRATCH + b);
		rre(c, 0xb25f, 13, r2);
		break;
	case 9: {	/* LPSWE */
		uint64_t rnd = u64(in), slot;

		slot = add_psw(c, b, pc(c) + 10, rnd);
		llilf(c, 13, (uint32_t)(a & 0x80 ? slot + (a & 7) : slot));
		s_fmt(c, 0xb2b2, 13, 0);
		break;
	}
	case 10: case 11: {	/* EX, EXRL of a target, with R1's low byte ORed in */
		unsigned rx = r == 13 || r == 12 || !r ? 1 : r;
		uint8_t regs = u8(in), orv = u8(in), o = a & 0x80 ? 0 : orv, pk = u8(in);
		uint64_t tg = add_target(c, b, regs, &o), start = pc(c);
		/* r13: what the target's operand needs -- for LPSWE a PSW that
		 * goes on after the EXECUTE (never back: no loop) */
		uint64_t r13 = tg_operand(c, b, pk, start + (t % 23 == 10 ? 20 : 16));

		lghi(c, rx, orv);
		llilf(c, 13, (uint32_t)r13);
		if (t % 23 == 10) {
			llilf(c, 12, (uint32_t)tg);
			rs(c, 0x44, o ? rx : 0, 0, 12, 0);
		} else {
			ril(c, 0xc6, 0x0, o ? rx : 0, (uint32_t)((int64_t)(tg - pc(c)) / 2));
		}
		break;
	}
	case 12:	/* LCTLG */
		llilf(c, 13, CRS);
		rxy(c, 0xeb, 0x2f, r, r2, 13, (int32_t)(8 * r));
		break;
	case 13:	/* SSM */
		llilf(c, 13, SMASKS);
		s_fmt(c, 0x8000, 13, b & 7);
		break;
	case 14:	/* STNSM, STOSM */
		c8(c, b & 1 ? 0xad : 0xac);
		c8(c, a);
		c16(c, MASK_SAVE);
		break;
	case 15:	/* a store into the data area */
		llilf(c, 13, addrs[b & 15]);
		if (b & 0x10)
			rxy(c, 0xe3, 0x24, r, 0, 13, u8(in));	/* STG */
		else
			rs(c, 0x92, a >> 4, a & 15, 13, u8(in));	/* MVI */
		break;
	case 16:	/* the device: a register of BAR 0 */
		pcistg(c, 0, b & 1 ? 8 : 4, 8 * (a & 15), u32(in));
		break;
	case 17:
		bringup(c, a, b);
		break;
	case 18:	/* an MSI-X table entry or the control word */
		pcistg(c, a & 1 ? 2 : 15, 4, a & 1 ? (b & 0x7c) : 0x40, u32(in));
		break;
	case 19: {	/* an opcode of the intercepted families, any other bytes */
		static const uint8_t fam[] = { 0x83, 0xb2, 0xb9, 0xe3, 0xeb, 0xb2, 0xb3, 0xc8,
					       0xae, 0xaf, 0xb2, 0xb2 };
		uint8_t op = fam[b % sizeof(fam)];
		unsigned len = zv_insn_length(op);

		c8(c, op);
		c8(c, a);
		for (unsigned i = 2; i < len; i++)
			c8(c, u8(in));
		break;
	}
	case 20:
		c16(c, 0x0700);	/* BCR 0,0 */
		break;
	case 21: {	/* SERVC: an SCLP command on an SCCB of some length */
		static const uint32_t cmds[] = { 0x00020001, 0x00120001, 0x00010001, 0x00780005,
						 0x00760005, 0x00770005, 0x001a0001, 0x001b0001 };
		static const uint16_t lens[] = { 8, 16, 24, 144, 4096, 4104, 7, 0 };
		uint64_t at = (b & 3) == 0 ? SCCB : (b & 3) == 1 ? SCCB + 0x800 :
			      (b & 3) == 2 ? SCCB + 4 : SCCB + 0xff8;
		uint16_t len = b & 0x80 ? u16(in) : lens[b >> 4 & 7];

		llilf(c, 12, (uint32_t)at);
		c16(c, 0xe544);			/* MVHHI 0(12),len */
		c16(c, 12 << 12);
		c16(c, len);
		for (unsigned i = 0; i < (a & 3); i++) {	/* a few body bytes */
			uint8_t v = u8(in);

			rs(c, 0x92, v >> 4, v & 15, 12, (uint16_t)(8 + (u8(in) & 31)));	/* MVI */
		}
		llilf(c, 1, a & 0x80 ? u32(in) : cmds[a >> 2 & 7]);
		rre(c, 0xb220, 1, 12);
		break;
	}
	default:	/* wait for what the device signals */
		llilf(c, 13, (uint32_t)add_psw(c, 3, pc(c) + 10, 0));
		s_fmt(c, 0xb2b2, 13, 0);
		break;
	}
}

/* ---- the machine --------------------------------------------------------------- */

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The handler at HANDLER: one entry per interruption class, each counts
 * (ASI), ends the run after 64 (CLFHSI, BRC) and returns (LPSWE old PSW). */
static void handlers(uint8_t *ram)
{
	struct code *c = calloc(1, sizeof(*c));
	static const uint16_t old[] = { LC_PGM_OLD_PSW, LC_MCCK_OLD_PSW, LC_IO_OLD_PSW,
					LC_EXT_OLD_PSW, LC_SVC_OLD_PSW };
	static const uint16_t nw[] = { LC_PGM_NEW_PSW, LC_MCCK_NEW_PSW, LC_IO_NEW_PSW,
				       LC_EXT_NEW_PSW, LC_SVC_NEW_PSW };
	size_t exit_at = 5 * 22;

	if (!c)
		abort();
	for (unsigned i = 0; i < 5; i++) {
		size_t at = c->n;

		put64(ram + nw[i], PSW_64);
		put64(ram + nw[i] + 8, HANDLER + at);
		c8(c, 0xeb); c8(c, 0x01); c16(c, COUNTER); c8(c, 0); c8(c, 0x6a);	/* ASI 0x800,1 */
		c16(c, 0xe55d); c16(c, COUNTER); c16(c, 64);				/* CLFHSI 0x800,64 */
		ri(c, 0xa7, 0x4, 2, (uint16_t)((exit_at - c->n) / 2));		/* BRC 2 (high) */
		s_fmt(c, 0xb2b2, 0, old[i]);						/* LPSWE old */
		c16(c, 0x0700);
	}
	if (c->n != exit_at)
		abort();
	hc_exit(c, 0x7e);
	memcpy(ram + HANDLER, c->b, c->n);
	free(c);
}

static void clp_rq(uint8_t *ram, uint64_t at, uint16_t cmd, uint32_t word, uint8_t oc)
{
	put16(ram + at, 32);
	put16(ram + at + 2, cmd);
	put32(ram + at + 0x10, word);
	ram[at + 0x16] = oc;
	ram[at + 0x17] = 1;
	put16(ram + at + 32, 4096 - 32);
}

/* What the code uses besides itself. */
static void data(uint8_t *ram, const struct code *c, uint32_t fh)
{
	memset(ram + COUNTER, 0, 4);
	memcpy(ram + PSWS, c->psw, 16ULL * c->npsw);
	memcpy(ram + TARGETS, c->tgt, 8ULL * c->ntgt);
	/* CR6: every ISC; CR14: the reset value and channel reports */
	put64(ram + CRS + 8 * 6, 0xff000000);
	put64(ram + CRS + 8 * 14, 0xc2000000 | CR14_CRW_MASK);
	put64(ram + CRS + 8 * 0, 0xe0);
	ram[SMASKS + 0] = 0x00;
	ram[SMASKS + 1] = 0x02;		/* I/O */
	ram[SMASKS + 2] = 0x03;
	ram[SMASKS + 3] = 0x04;		/* DAT (CR1: garbage, or the empty table) */
	ram[SMASKS + 4] = 0x07;
	ram[SMASKS + 5] = 0x40;		/* PER */
	ram[SMASKS + 6] = 0x01;
	ram[SMASKS + 7] = 0xff;
	memcpy(ram + STRS, "hello from the fuzzer\n", 22);
	memcpy(ram + STRS + 0x40, "key", 4);
	memcpy(ram + STRS + 0x60, "another key", 12);
	memset(ram + STRS + 0x80, 'k', 40);	/* too long, no NUL */
	put16(ram + CHSC_BLK, 16);
	put16(ram + CHSC_BLK + 2, 0x000e);
	put16(ram + CHSC_BAD, 16);
	put16(ram + CHSC_BAD + 2, 0x0010);
	clp_rq(ram, LPCB_LIST, 0x0002, 0, 0);
	clp_rq(ram, LPCB_ENA, 0x0005, fh, 0);
	clp_rq(ram, LPCB_QFN, 0x0003, fh, 0);
	clp_rq(ram, LPCB_QGRP, 0x0004, 0xff, 0);
	clp_rq(ram, LPCB_DIS, 0x0005, fh | 0x81000000, 1);
	/* REG_INT: ISC 3, 8 vectors, summary bit; REG_IOAT; SET_MEASURE */
	put32(ram + FIB_INT + 0x28, 3u << 28 | 8u << 16 | 1u << 7);
	put64(ram + FIB_INT + 0x30, AIBV);
	put64(ram + FIB_INT + 0x38, AISB);
	put64(ram + FIB_IOAT + 0x10, 0x100000000ULL);
	put64(ram + FIB_IOAT + 0x18, 0x1000fffffULL);
	put64(ram + FIB_IOAT + 0x20, RT | 0x804);
	put64(ram + FIB_FMB + 0x40, FMB);
	for (unsigned i = 0; i < 2048; i++)
		put64(ram + RT + 8 * i, 0x20);
	for (unsigned i = 0; i < 128; i += 8)
		put64(ram + STB + i, 0xfe00000000000000ULL >> (i % 3));
}

/* A static ELF: one PT_LOAD of the code at CODE, entry there. */
static size_t elf(uint8_t *out, const struct code *c)
{
	uint8_t *e = out, *ph = out + 64;

	memset(out, 0, 120);
	memcpy(e, "\177ELF", 4);
	e[4] = 2;				/* 64-bit */
	e[5] = 2;				/* big-endian */
	e[6] = 1;
	put16(e + 16, 2);			/* ET_EXEC */
	put16(e + 18, 22);			/* EM_S390 */
	put32(e + 20, 1);
	put64(e + 24, CODE);			/* entry */
	put64(e + 32, 64);			/* phoff */
	put16(e + 52, 64);
	put16(e + 54, 56);
	put16(e + 56, 1);
	put32(ph, 1);				/* PT_LOAD */
	put32(ph + 4, 5);
	put64(ph + 8, 120);			/* offset */
	put64(ph + 16, CODE);
	put64(ph + 24, CODE);
	put64(ph + 32, c->n);
	put64(ph + 40, c->n);
	put64(ph + 48, 8);
	memcpy(out + 120, c->b, c->n);
	return 120 + c->n;
}

static int memfd = -1;
static FILE *quiet;

static void run_input(const uint8_t *d, size_t size)
{
	static struct code c;
	static uint8_t img[CODE_MAX + 128];
	struct in in = { d, size };
	struct zv_softcpu_config cfg = {
		.mem_size = RAM_SIZE, .timeout_s = 1, .exits = ZV_SOFTCPU_EXIT_WAIT, .args = "fuzz",
	};
	struct zv_softcpu *sc;
	struct zv_function *f;
	char err[256], path[64];
	enum zv_run_end end;
	uint8_t h = u8(&in);
	size_t n;
	int status = 0;

	if (!quiet)
		quiet = fopen("/dev/null", "w");
	if (memfd < 0)
		memfd = memfd_create("fuzz_softcpu", MFD_CLOEXEC);
	if (!quiet || memfd < 0)
		abort();
	cfg.console = quiet;
	cfg.facilities = h & 1 ? ZV_FAC_ZPCI | ZV_FAC_AEN : 0;
	cfg.hook_all = (h & 6) == 6;	/* the comparison mode, sometimes */
	c.n = c.npsw = c.ntgt = 0;
	while (in.n && c.n < CODE_MAX - 256)
		statement(&c, &in);
	hc_exit(&c, 0);
	n = elf(img, &c);
	if (ftruncate(memfd, 0) || pwrite(memfd, img, n, 0) != (ssize_t)n)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);

	sc = zv_softcpu_create(&cfg, err, sizeof(err));
	if (!sc) {
		fz_fail("zv_softcpu_create: %s", err);
		return;
	}
	f = zv_function_add_spec(zv_softcpu_machine(sc), h & 8 ? "emu:dma,vectors=4,maps=16" : "emu:dma",
				 err, sizeof(err));
	if (!f || zv_softcpu_load_elf(sc, path, err, sizeof(err))) {
		fz_fail("setting up the machine: %s", err);
		zv_softcpu_destroy(sc);
		return;
	}
	handlers(zv_softcpu_ram(sc));
	data(zv_softcpu_ram(sc), &c, zv_function_fh(f));
	for (unsigned k = 0;;) {
		end = zv_softcpu_run(sc, &status);
		if (end == ZV_RUN_EVENTS) {	/* the device signalled: take it, go on */
			zv_dispatch(zv_softcpu_machine(sc));
			continue;
		}
		if (end != ZV_RUN_WAIT || k++ == 3)
			break;
		/* an enabled wait: let the device's signals in, then once more */
		zv_dispatch(zv_softcpu_machine(sc));
	}
	switch (end) {
	case ZV_RUN_TIMEOUT:	/* allowed: a generated program may wait */
		break;
	case ZV_RUN_EXIT: case ZV_RUN_FAULT: case ZV_RUN_DISABLED_WAIT: case ZV_RUN_WAIT:
		break;
	default:
		fz_fail("the run ended as %d (%s)", end, zv_softcpu_message(sc));
		break;
	}
	if (end == ZV_RUN_EXIT && (status < 0 || status > 255))
		fz_fail("exit status %d", status);
	zv_softcpu_destroy(sc);
}

/* ---- seeds ------------------------------------------------------------------- */

static void t(struct out *o, uint8_t tpl, uint8_t a, uint8_t b)
{
	o8(o, tpl); o8(o, a); o8(o, b);
}

static void make_seeds(fz_emit_fn emit)
{
	static struct out o;

	/* a driver: bring-up, the device signals, waits */
	o.n = 0;
	o8(&o, 1);
	t(&o, 17, 0, 0);				/* bring-up: vector 0 */
	t(&o, 21, 0, 0);				/* wait */
	t(&o, 17, 8, 7);				/* again, STOSM, 4 vectors, vector 1 */
	t(&o, 7, 0, 0);					/* STCRW */
	t(&o, 8, 0, 1);					/* CHSC SEI */
	t(&o, 21, 0, 0);
	emit("driver", o.b, o.n);

	/* no interruption registration: MSIs are errors, CRW, machine check */
	o.n = 0;
	o8(&o, 1);
	t(&o, 17, 1, 0);
	t(&o, 7, 0, 0);
	t(&o, 8, 0, 1);
	t(&o, 8, 0, 1);
	t(&o, 8, 0, 2);					/* another command */
	t(&o, 8, 0, 4);					/* misaligned */
	t(&o, 9, 0, 2);					/* LPSWE: I/O and machine checks */
	t(&o, 7, 0, 3); o64(&o, 0);			/* misaligned STCRW */
	t(&o, 21, 0, 0);
	emit("errors", o.b, o.n);

	/* every zPCI instruction */
	o.n = 0;
	o8(&o, 1);
	t(&o, 1, 2, 1);					/* r2 = LPCB_ENA */
	t(&o, 4, 0x02, 0x00);				/* CLP r2 */
	for (uint8_t i = 0; i < 16; i++) {
		t(&o, 3, 2, 1); o32(&o, (uint32_t)(i & 3) << 16 | 4);	/* r2 = fh | pcias | len */
		t(&o, 0, 3, 0); o16(&o, (uint16_t)(i * 8));		/* r3 = offset */
		t(&o, 4, 0x12, (uint8_t)((i & 3) << 4));		/* CLP/PCISTG/PCILG/RPCIT r1,r2 */
	}
	t(&o, 3, 1, 1); o32(&o, 4);			/* r1 = fh | REG_IOAT */
	t(&o, 1, 13, 6);				/* r13 = FIB_IOAT */
	t(&o, 5, 1, 0xd0); o8(&o, 0xd0);		/* MPCIFC r1,0(r13) */
	t(&o, 2, 2, 0); o32(&o, 0);			/* r2: RPCIT range */
	t(&o, 0, 3, 0); o16(&o, 0x7fff);
	t(&o, 3, 1, 1); o32(&o, 0);
	t(&o, 4, 0x12, 0x30);				/* RPCIT r1,r2 */
	t(&o, 5, 1, 0xd1); o8(&o, 0xd0);		/* STPCIFC */
	t(&o, 3, 4, 1); o32(&o, 0x00000010);		/* r4: PCISTB BAR 0, 16 bytes */
	t(&o, 0, 5, 0); o16(&o, 0x8);
	t(&o, 1, 13, 8);				/* r13 = STB */
	t(&o, 5, 4, 0x52); o8(&o, 0xd0);		/* PCISTB r4,r5,0(r13) */
	t(&o, 0, 1, 0); o16(&o, 1);
	t(&o, 5, 1, 0x33); o8(&o, 0);			/* SIC r1,r3 */
	t(&o, 1, 2, 4);					/* r2 = LPCB_DIS */
	t(&o, 4, 0x02, 0x00);				/* CLP: disable */
	emit("zpci", o.b, o.n);

	/* hypercalls */
	o.n = 0;
	o8(&o, 1);
	for (uint8_t i = 0; i < 8; i++) {
		t(&o, 6, 0, i); o8(&o, (uint8_t)(0x52 + i));
	}
	t(&o, 6, 0, 2); o8(&o, 0x53);			/* REPORT "key" */
	t(&o, 6, 0, 2); o8(&o, 0x54);			/* too long a key */
	t(&o, 6, 0, 0); o8(&o, 0xf0);			/* WRITE, too long */
	t(&o, 6, 0x83, 0); o8(&o, 0x10);		/* another DIAG code */
	emit("hypercalls", o.b, o.n);

	/* EXECUTE of everything, with R1 bytes */
	o.n = 0;
	o8(&o, 1);
	t(&o, 17, 0, 0);
	for (uint8_t k = 0; k < 16; k++) {
		t(&o, 1, 13, 11);				/* r13 = SCRATCH */
		t(&o, 10, (uint8_t)(k & 1 ? 0x83 : 0x03), k); o8(&o, 0x12); o8(&o, k & 2 ? 0x10 : 0);
		t(&o, 11, 0x04, k); o8(&o, 0x34); o8(&o, k & 4 ? 0x01 : 0);
	}
	emit("execute", o.b, o.n);

	/* PSWs, control registers, the system mask */
	o.n = 0;
	o8(&o, 1);
	for (uint8_t k = 0; k < 14; k++) {
		if (k == 3 || k == 4 || k == 5 || k == 6 || k == 12)
			continue;	/* waits, problem state and DAT end the run */
		t(&o, 9, 0, k); o64(&o, 0x0123456789abcdefULL * k);
		t(&o, 12, 6, 6);
		t(&o, 14, 0x02, 1);
		t(&o, 13, 0, k);
	}
	t(&o, 9, 0, 4); o64(&o, 0);			/* disabled wait */
	emit("psw", o.b, o.n);
	o.n = 0;
	o8(&o, 1);
	t(&o, 9, 0, 6); o64(&o, 0);			/* DAT on */
	emit("dat", o.b, o.n);

	/* problem state: intercepted instructions are privileged */
	o.n = 0;
	o8(&o, 1);
	t(&o, 9, 0, 5); o64(&o, 0);
	t(&o, 4, 0x12, 0x30);
	t(&o, 6, 0, 0); o8(&o, 0);
	t(&o, 7, 0, 0);
	t(&o, 10, 0x01, 11); o8(&o, 0); o8(&o, 0);
	emit("pstate", o.b, o.n);

	/* the comparison mode (hook_all) */
	o.n = 0;
	o8(&o, 7);
	t(&o, 17, 0, 0);
	t(&o, 10, 0x01, 8); o8(&o, 0); o8(&o, 0);
	t(&o, 11, 0x01, 3); o8(&o, 0); o8(&o, 0);
	t(&o, 21, 0, 0);
	emit("hookall", o.b, o.n);
}

FUZZ_MAIN(softcpu, 1000, 512, 100)
