/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the architecture layer (src/arch) and of u64map.
 *
 * Expected values are built independently from the architecture reference
 * (docs: /work/shared/reference/zpci-architecture.md §0.1, §1.1, §1.2, §3.1,
 * §4.1, §4.2, §6.5, §6.6): instruction bytes are assembled by hand from the
 * instruction formats, block fields are laid out byte by byte, and MSB-0 bit
 * fields are placed with a helper that takes the reference's bit numbers.
 */
#include <stdlib.h>
#include <string.h>

#include "arch/be.h"
#include "arch/codes.h"
#include "arch/dmat.h"
#include "arch/events.h"
#include "arch/fib.h"
#include "arch/insn.h"
#include "arch/pci.h"
#include "harness.h"
#include "util/u64map.h"

/* ------------------------------------------------------------------------ */
/* helpers                                                                  */

/* Place v into MSB-0 bits first..last of a 32-bit word (§0.1). */
static uint32_t msb0_32(uint32_t v, unsigned first, unsigned last)
{
	unsigned width = last - first + 1;
	uint32_t mask = width >= 32 ? 0xffffffffu : ((1u << width) - 1);

	return (v & mask) << (31 - last);
}

/* KVM's intercept words: ipa = bytes 0-1, ipb = bytes 2-5 (§1.1). */
static uint16_t ipa_of(const uint8_t b[6])
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t ipb_of(const uint8_t b[6])
{
	return (uint32_t)b[2] << 24 | (uint32_t)b[3] << 16 | (uint32_t)b[4] << 8 | b[5];
}

/* RRE / RRF-c: op(16) M3(4) M4(4) R1(4) R2(4); bytes 4-5 belong to the
 * next instruction and are filled with junk. */
static bool decode_rr(uint16_t op, unsigned m3, unsigned m4, unsigned r1, unsigned r2,
		      struct zpci_insn *in)
{
	uint8_t b[6] = {
		(uint8_t)(op >> 8), (uint8_t)op,
		(uint8_t)(m3 << 4 | m4), (uint8_t)(r1 << 4 | r2),
		0xa5, 0x5a,
	};

	return zpci_insn_decode(ipa_of(b), ipb_of(b), in);
}

/* RXY-a / RSY-a: op1(8) R1(4) X2|R3(4) B2(4) DL2(12) DH2(8) op2(8). */
static bool decode_rs(uint8_t op1, uint8_t op2, unsigned r1, unsigned x2r3, unsigned b2,
		      unsigned dl, unsigned dh, struct zpci_insn *in)
{
	uint8_t b[6] = {
		op1, (uint8_t)(r1 << 4 | x2r3),
		(uint8_t)(b2 << 4 | (dl >> 8)), (uint8_t)dl,
		(uint8_t)dh, op2,
	};

	return zpci_insn_decode(ipa_of(b), ipb_of(b), in);
}

#define PSW_24 0ULL
#define PSW_31 0x80000000ULL
#define PSW_64 0x180000000ULL

/* ------------------------------------------------------------------------ */
/* 1. instruction decoding                                                  */

TEST(insn_clp_rrf)
{
	struct zpci_insn in;

	/* Linux: .insn rrf,0xb9a00000,r1,r2,m3,m4 — e.g. CLP r3,r4 with lps 2 */
	memset(&in, 0xee, sizeof(in));
	EXPECT(decode_rr(0xb9a0, 0, 2, 3, 4, &in));
	EXPECT_EQ(in.op, ZV_INSN_CLP);
	EXPECT_EQ(in.ilen, 4);
	EXPECT_EQ(in.m3, 0);
	EXPECT_EQ(in.m4, 2);
	EXPECT_EQ(in.r1, 3);
	EXPECT_EQ(in.r2, 4);
	EXPECT_EQ(in.r3, 0);
	EXPECT_EQ(in.b2, 0);
	EXPECT_EQ(in.x2, 0);
	EXPECT_EQ(in.d2, 0);

	/* immediate command: m3 = 8, m4 = 0 */
	EXPECT(decode_rr(0xb9a0, 8, 0, 15, 1, &in));
	EXPECT_EQ(in.op, ZV_INSN_CLP);
	EXPECT_EQ(in.m3, 8);
	EXPECT_EQ(in.m4, 0);
	EXPECT_EQ(in.r1, 15);
	EXPECT_EQ(in.r2, 1);

	/* all nibbles different, to catch swapped fields */
	EXPECT(decode_rr(0xb9a0, 0x6, 0xb, 0x9, 0xe, &in));
	EXPECT_EQ(in.m3, 0x6);
	EXPECT_EQ(in.m4, 0xb);
	EXPECT_EQ(in.r1, 0x9);
	EXPECT_EQ(in.r2, 0xe);

	/* raw words: CLP with ipb = 0x80120000 -> m3 8, m4 0, r1 1, r2 2 */
	EXPECT(zpci_insn_decode(0xb9a0, 0x80120000u, &in));
	EXPECT_EQ(in.m3, 8);
	EXPECT_EQ(in.m4, 0);
	EXPECT_EQ(in.r1, 1);
	EXPECT_EQ(in.r2, 2);
}

TEST(insn_rre_pcistg_pcilg_rpcit)
{
	static const struct {
		uint16_t op;
		enum zv_insn want;
	} t[] = {
		{ 0xb9d0, ZV_INSN_PCISTG },
		{ 0xb9d2, ZV_INSN_PCILG },
		{ 0xb9d3, ZV_INSN_RPCIT },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		for (unsigned r1 = 0; r1 < 16; r1 += 5) {
			for (unsigned r2 = 0; r2 < 16; r2 += 2) {
				struct zpci_insn in;

				memset(&in, 0xee, sizeof(in));
				EXPECT(decode_rr(t[i].op, 0, 0, r1, r2, &in));
				EXPECT_EQ(in.op, t[i].want);
				EXPECT_EQ(in.ilen, 4);
				EXPECT_EQ(in.r1, r1);
				EXPECT_EQ(in.r2, r2);
				EXPECT_EQ(in.r3, 0);
				EXPECT_EQ(in.m3, 0);
				EXPECT_EQ(in.m4, 0);
				EXPECT_EQ(in.b2, 0);
				EXPECT_EQ(in.x2, 0);
				EXPECT_EQ(in.d2, 0);
			}
		}
	}
	/* PCILG r6,r8: B9D2 0068 */
	{
		struct zpci_insn in;

		EXPECT(zpci_insn_decode(0xb9d2, 0x00680000u, &in));
		EXPECT_EQ(in.op, ZV_INSN_PCILG);
		EXPECT_EQ(in.r1, 6);
		EXPECT_EQ(in.r2, 8);
	}
}

TEST(insn_rxy_mpcifc_stpcifc)
{
	struct zpci_insn in;

	/* MPCIFC r1=2, x2=3, b2=4, d2=0x123 */
	memset(&in, 0xee, sizeof(in));
	EXPECT(decode_rs(0xe3, 0xd0, 2, 3, 4, 0x123, 0x00, &in));
	EXPECT_EQ(in.op, ZV_INSN_MPCIFC);
	EXPECT_EQ(in.ilen, 6);
	EXPECT_EQ(in.r1, 2);
	EXPECT_EQ(in.x2, 3);
	EXPECT_EQ(in.b2, 4);
	EXPECT_EQ(in.d2, 0x123);
	EXPECT_EQ(in.r2, 0);
	EXPECT_EQ(in.r3, 0);
	EXPECT_EQ(in.m3, 0);
	EXPECT_EQ(in.m4, 0);

	/* STPCIFC r1=15, x2=14, b2=13, DH=0x12 DL=0xabc -> d2 = 0x12abc */
	memset(&in, 0xee, sizeof(in));
	EXPECT(decode_rs(0xe3, 0xd4, 15, 14, 13, 0xabc, 0x12, &in));
	EXPECT_EQ(in.op, ZV_INSN_STPCIFC);
	EXPECT_EQ(in.ilen, 6);
	EXPECT_EQ(in.r1, 15);
	EXPECT_EQ(in.x2, 14);
	EXPECT_EQ(in.b2, 13);
	EXPECT_EQ(in.d2, 0x12abc);
	EXPECT_EQ(in.r3, 0);

	/* raw words: E3 51 7f ff 00 d4 -> r1 5, x2 1, b2 7, d2 0xfff */
	EXPECT(zpci_insn_decode(0xe351, 0x7fff00d4u, &in));
	EXPECT_EQ(in.op, ZV_INSN_STPCIFC);
	EXPECT_EQ(in.r1, 5);
	EXPECT_EQ(in.x2, 1);
	EXPECT_EQ(in.b2, 7);
	EXPECT_EQ(in.d2, 0xfff);
}

TEST(insn_rsy_pcistb_sic)
{
	struct zpci_insn in;

	/* PCISTB r1=6, r3=7, b2=8, d2=0x010 */
	memset(&in, 0xee, sizeof(in));
	EXPECT(decode_rs(0xeb, 0xd0, 6, 7, 8, 0x010, 0x00, &in));
	EXPECT_EQ(in.op, ZV_INSN_PCISTB);
	EXPECT_EQ(in.ilen, 6);
	EXPECT_EQ(in.r1, 6);
	EXPECT_EQ(in.r3, 7);
	EXPECT_EQ(in.b2, 8);
	EXPECT_EQ(in.d2, 0x10);
	EXPECT_EQ(in.x2, 0);	/* RSY has no index register */
	EXPECT_EQ(in.r2, 0);

	/* SIC r1=1, r3=2, b2=0, d2=0 */
	memset(&in, 0xee, sizeof(in));
	EXPECT(decode_rs(0xeb, 0xd1, 1, 2, 0, 0, 0, &in));
	EXPECT_EQ(in.op, ZV_INSN_SIC);
	EXPECT_EQ(in.ilen, 6);
	EXPECT_EQ(in.r1, 1);
	EXPECT_EQ(in.r3, 2);
	EXPECT_EQ(in.b2, 0);
	EXPECT_EQ(in.d2, 0);
	EXPECT_EQ(in.x2, 0);

	/* raw words: EB 9a c0 01 02 d1 -> r1 9, r3 10, b2 12, d2 0x02001 */
	EXPECT(zpci_insn_decode(0xeb9a, 0xc00102d1u, &in));
	EXPECT_EQ(in.op, ZV_INSN_SIC);
	EXPECT_EQ(in.r1, 9);
	EXPECT_EQ(in.r3, 10);
	EXPECT_EQ(in.b2, 12);
	EXPECT_EQ(in.d2, 0x2001);
	EXPECT_EQ(in.x2, 0);
}

TEST(insn_disp20_sign_extension)
{
	static const struct {
		unsigned dh, dl;
		int32_t want;
	} t[] = {
		{ 0x00, 0x000, 0 },
		{ 0x00, 0x001, 1 },
		{ 0x00, 0xfff, 4095 },
		{ 0x01, 0x000, 4096 },
		{ 0x7f, 0xfff, 524287 },
		{ 0x80, 0x000, -524288 },
		{ 0x80, 0x001, -524287 },
		{ 0xff, 0xfff, -1 },
		{ 0xff, 0x000, -4096 },
		{ 0xfe, 0xfff, -4097 },
		{ 0xc0, 0x800, -(0x40000 - 0x800) },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct zpci_insn in;

		EXPECT(decode_rs(0xe3, 0xd0, 1, 0, 2, t[i].dl, t[i].dh, &in));
		EXPECT_EQ((int64_t)in.d2, (int64_t)t[i].want);
		EXPECT(decode_rs(0xeb, 0xd0, 1, 3, 2, t[i].dl, t[i].dh, &in));
		EXPECT_EQ((int64_t)in.d2, (int64_t)t[i].want);
		EXPECT_EQ(in.b2, 2);	/* the DL high nibble shares byte 2 with B2 */
	}
}

TEST(insn_rejects_other_opcodes)
{
	struct zpci_insn in;
	static const uint16_t rr_bad[] = {
		0xb9d1, 0xb9a1, 0xb99f, 0xb9d4, 0xb9d5, 0xb9d6, 0xb9d7, 0xb9e0, 0xb900,
		0xb2d1, 0xb2d0, 0xb2a0, 0xb8d0, 0xbad0, 0xa9d0, 0x0000, 0xffff,
	};

	for (size_t i = 0; i < sizeof(rr_bad) / sizeof(rr_bad[0]); i++)
		EXPECT(!decode_rr(rr_bad[i], 0, 0, 1, 2, &in));
	/* RXY/RSY: second opcode byte is byte 5 */
	EXPECT(!decode_rs(0xe3, 0xd1, 1, 2, 3, 4, 5, &in));
	EXPECT(!decode_rs(0xe3, 0xd2, 1, 2, 3, 4, 5, &in));
	EXPECT(!decode_rs(0xe3, 0xd3, 1, 2, 3, 4, 5, &in));
	EXPECT(!decode_rs(0xe3, 0xd5, 1, 2, 3, 4, 5, &in));
	EXPECT(!decode_rs(0xe3, 0x04, 1, 2, 3, 4, 5, &in));	/* LG */
	EXPECT(!decode_rs(0xeb, 0xd2, 1, 2, 3, 4, 5, &in));
	EXPECT(!decode_rs(0xeb, 0xd4, 1, 2, 3, 4, 5, &in));
	EXPECT(!decode_rs(0xeb, 0x04, 1, 2, 3, 4, 5, &in));	/* LMG */
	EXPECT(!decode_rs(0xe4, 0xd0, 1, 2, 3, 4, 5, &in));
	EXPECT(!decode_rs(0xec, 0xd0, 1, 2, 3, 4, 5, &in));
	EXPECT(!decode_rs(0xea, 0xd1, 1, 2, 3, 4, 5, &in));
	/* DIAGNOSE (0x83, RS) and the opcode byte 0xd0 in the wrong place */
	EXPECT(!zpci_insn_decode(0x8312, 0x00440000u, &in));
	EXPECT(!zpci_insn_decode(0x83d0, 0x000000d0u, &in));
	EXPECT(!zpci_insn_decode(0xd0e3, 0x000000d0u, &in));
	/* B9 second byte must be matched exactly, not just its low nibble */
	EXPECT(!zpci_insn_decode(0xb9c0, 0, &in));
	EXPECT(!zpci_insn_decode(0xb9f2, 0, &in));
	/* opcode byte of E3/EB must not be taken from byte 4 (DH) */
	EXPECT(!zpci_insn_decode(0xe300, 0x0000d000u, &in));
	EXPECT(!zpci_insn_decode(0xeb00, 0x0000d100u, &in));
}

/* ------------------------------------------------------------------------ */
/* 2. operand address and addressing modes                                  */

TEST(amode_wrap_modes)
{
	uint64_t a = 0xfedcba9876543210ULL;

	EXPECT_EQ(zpci_amode_wrap(a, PSW_64), 0xfedcba9876543210ULL);
	EXPECT_EQ(zpci_amode_wrap(a, PSW_31), 0x76543210ULL);
	EXPECT_EQ(zpci_amode_wrap(a, PSW_24), 0x543210ULL);
	EXPECT_EQ(zpci_amode_wrap(0xffffffffffffffffULL, PSW_31), 0x7fffffffULL);
	EXPECT_EQ(zpci_amode_wrap(0xffffffffffffffffULL, PSW_24), 0xffffffULL);
	EXPECT_EQ(zpci_amode_wrap(0x80000000ULL, PSW_31), 0);
	EXPECT_EQ(zpci_amode_wrap(0x1000000ULL, PSW_24), 0);
	EXPECT_EQ(zpci_amode_wrap(0x1000000ULL, PSW_31), 0x1000000ULL);
	/* other PSW bits do not change the mode */
	EXPECT_EQ(zpci_amode_wrap(a, PSW_64 | ZV_PSW_MASK_DAT | ZV_PSW_MASK_IO | ZV_PSW_MASK_CC),
		  0xfedcba9876543210ULL);
	EXPECT_EQ(zpci_amode_wrap(a, PSW_31 | ZV_PSW_MASK_PSTATE), 0x76543210ULL);
	EXPECT_EQ(zpci_amode_wrap(a, ZV_PSW_MASK_EXT | ZV_PSW_MASK_ASC), 0x543210ULL);
	/* the constants are the architected PSW bits 31 and 32 */
	EXPECT_EQ(ZV_PSW_MASK_EA, 1ULL << (63 - 31));
	EXPECT_EQ(ZV_PSW_MASK_BA, 1ULL << (63 - 32));
}

TEST(insn_addr_base_index_disp)
{
	uint64_t gpr[16];
	struct zpci_insn in;

	for (unsigned i = 0; i < 16; i++)
		gpr[i] = 0x1111111111111111ULL * i + 0x0100;
	gpr[0] = 0xdeadbeefcafef00dULL;	/* never used as base or index */

	/* MPCIFC x2=3, b2=4, d2=0x123 */
	EXPECT(decode_rs(0xe3, 0xd0, 2, 3, 4, 0x123, 0, &in));
	gpr[3] = 0x0000000100000000ULL;
	gpr[4] = 0x0000000000002000ULL;
	EXPECT_EQ(zpci_insn_addr(&in, gpr, PSW_64), 0x100002123ULL);
	EXPECT_EQ(zpci_insn_addr(&in, gpr, PSW_31), 0x2123ULL);
	EXPECT_EQ(zpci_insn_addr(&in, gpr, PSW_24), 0x2123ULL);

	/* base 0 and index 0 mean "no register": only d2 */
	EXPECT(decode_rs(0xe3, 0xd4, 1, 0, 0, 0x800, 0, &in));
	EXPECT_EQ(zpci_insn_addr(&in, gpr, PSW_64), 0x800);
	/* index 0, base 5 */
	EXPECT(decode_rs(0xe3, 0xd4, 1, 0, 5, 0x008, 0, &in));
	gpr[5] = 0x00000000abcd0000ULL;
	EXPECT_EQ(zpci_insn_addr(&in, gpr, PSW_64), 0xabcd0008ULL);
	/* base 0, index 6 */
	EXPECT(decode_rs(0xe3, 0xd4, 1, 6, 0, 0x008, 0, &in));
	gpr[6] = 0x0000000012340000ULL;
	EXPECT_EQ(zpci_insn_addr(&in, gpr, PSW_64), 0x12340008ULL);

	/* negative displacement */
	EXPECT(decode_rs(0xe3, 0xd0, 1, 0, 7, 0xfff, 0xff, &in));	/* d2 = -1 */
	gpr[7] = 0x1000;
	EXPECT_EQ(zpci_insn_addr(&in, gpr, PSW_64), 0xfff);
	gpr[7] = 0;
	EXPECT_EQ(zpci_insn_addr(&in, gpr, PSW_64), 0xffffffffffffffffULL);
	EXPECT_EQ(zpci_insn_addr(&in, gpr, PSW_31), 0x7fffffffULL);
	EXPECT_EQ(zpci_insn_addr(&in, gpr, PSW_24), 0xffffffULL);
	EXPECT(decode_rs(0xe3, 0xd0, 1, 0, 0, 0x000, 0x80, &in));	/* d2 = -524288 */
	EXPECT_EQ(zpci_insn_addr(&in, gpr, PSW_64), (uint64_t)-524288);
	EXPECT_EQ(zpci_insn_addr(&in, gpr, PSW_31), 0x80000000ULL - 524288);
	EXPECT_EQ(zpci_insn_addr(&in, gpr, PSW_24), 0x1000000ULL - 524288);

	/* wrap: base + index + d2 overflowing each mode */
	EXPECT(decode_rs(0xe3, 0xd0, 1, 8, 9, 0x010, 0, &in));
	gpr[8] = 0xfffffffffffffff8ULL;
	gpr[9] = 0x0000000080ffff00ULL;
	/* sum = 0x80ffff00 - 8 + 0x10 = 0x80ffff08 */
	EXPECT_EQ(zpci_insn_addr(&in, gpr, PSW_64), 0x80ffff08ULL);
	EXPECT_EQ(zpci_insn_addr(&in, gpr, PSW_31), 0x00ffff08ULL);
	EXPECT_EQ(zpci_insn_addr(&in, gpr, PSW_24), 0xffff08ULL);
	gpr[9] = 0x7fffffffffffffffULL;
	/* 0x7fff...ff - 8 + 0x10 = 0x8000000000000007 */
	EXPECT_EQ(zpci_insn_addr(&in, gpr, PSW_64), 0x8000000000000007ULL);
	EXPECT_EQ(zpci_insn_addr(&in, gpr, PSW_31), 7);
	EXPECT_EQ(zpci_insn_addr(&in, gpr, PSW_24), 7);

	/* the same register as base and index counts twice */
	EXPECT(decode_rs(0xe3, 0xd0, 1, 10, 10, 0x001, 0, &in));
	gpr[10] = 0x100;
	EXPECT_EQ(zpci_insn_addr(&in, gpr, PSW_64), 0x201);
}

TEST(insn_addr_rsy_ignores_r3)
{
	uint64_t gpr[16] = {0};
	struct zpci_insn in;

	/* PCISTB r1=1, r3=2, b2=3, d2=0x40: R3 is not an index register */
	gpr[0] = 0x5555;
	gpr[2] = 0x100000;
	gpr[3] = 0x7000;
	EXPECT(decode_rs(0xeb, 0xd0, 1, 2, 3, 0x040, 0, &in));
	EXPECT_EQ(zpci_insn_addr(&in, gpr, PSW_64), 0x7040);
	/* SIC with b2=0, r3=2: address is d2 alone */
	EXPECT(decode_rs(0xeb, 0xd1, 1, 2, 0, 0x123, 0x01, &in));
	EXPECT_EQ(zpci_insn_addr(&in, gpr, PSW_64), 0x1123);
	EXPECT_EQ(zpci_insn_addr(&in, gpr, PSW_31), 0x1123);
}

/* ------------------------------------------------------------------------ */
/* 3. FIB                                                                   */

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

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t intword(unsigned isc, unsigned noi, unsigned aibvo, unsigned sum, unsigned aisbo)
{
	return msb0_32(isc, 1, 3) | msb0_32(noi, 4, 15) | msb0_32(aibvo, 18, 23) |
	       msb0_32(sum, 24, 24) | msb0_32(aisbo, 26, 31);
}

TEST(fib_decode_fields)
{
	uint8_t b[ZPCI_FIB_SIZE];
	struct zpci_fib f;

	memset(b, 0, sizeof(b));
	b[0x00] = 0x00;
	b[0x08] = 0x90;
	put64(b + 0x10, 0x0000000100000000ULL);
	put64(b + 0x18, 0x000001ffffffffffULL);
	put64(b + 0x20, 0x0000000012344804ULL);
	put32(b + 0x28, intword(5, 0x123, 0x2a, 1, 0x15));
	put64(b + 0x30, 0x1122334455667788ULL);
	put64(b + 0x38, 0x99aabbccddeeff00ULL);
	put64(b + 0x40, 0x0000000076543000ULL);
	put32(b + 0x4c, 0xa1b2c3d4u);

	memset(&f, 0xee, sizeof(f));
	zpci_fib_decode(b, &f);
	EXPECT_EQ(f.fmt, 0);
	EXPECT_EQ(f.fc, 0x90);
	EXPECT_EQ(f.pba, 0x0000000100000000ULL);
	EXPECT_EQ(f.pal, 0x000001ffffffffffULL);
	EXPECT_EQ(f.iota, 0x0000000012344804ULL);
	EXPECT_EQ(f.isc, 5);
	EXPECT_EQ(f.noi, 0x123);
	EXPECT_EQ(f.aibvo, 0x2a);
	EXPECT_EQ(f.sum, 1);
	EXPECT_EQ(f.aisbo, 0x15);
	EXPECT_EQ(f.aibv, 0x1122334455667788ULL);
	EXPECT_EQ(f.aisb, 0x99aabbccddeeff00ULL);
	EXPECT_EQ(f.fmb_addr, 0x0000000076543000ULL);
	EXPECT_EQ(f.gd, 0xa1b2c3d4u);

	/* format byte 1 at offset 0 */
	b[0] = 1;
	zpci_fib_decode(b, &f);
	EXPECT_EQ(f.fmt, 1);
}

TEST(fib_intword_each_field_alone)
{
	uint8_t b[ZPCI_FIB_SIZE];
	struct zpci_fib f;

	/* one field at a time at its maximum, others zero */
	memset(b, 0, sizeof(b));
	put32(b + 0x28, msb0_32(7, 1, 3));
	zpci_fib_decode(b, &f);
	EXPECT_EQ(f.isc, 7);
	EXPECT_EQ(f.noi, 0);
	EXPECT_EQ(f.aibvo, 0);
	EXPECT_EQ(f.sum, 0);
	EXPECT_EQ(f.aisbo, 0);

	put32(b + 0x28, msb0_32(0xfff, 4, 15));
	zpci_fib_decode(b, &f);
	EXPECT_EQ(f.isc, 0);
	EXPECT_EQ(f.noi, 0xfff);
	EXPECT_EQ(f.aibvo, 0);

	put32(b + 0x28, msb0_32(0x3f, 18, 23));
	zpci_fib_decode(b, &f);
	EXPECT_EQ(f.noi, 0);
	EXPECT_EQ(f.aibvo, 0x3f);
	EXPECT_EQ(f.sum, 0);

	put32(b + 0x28, msb0_32(1, 24, 24));
	zpci_fib_decode(b, &f);
	EXPECT_EQ(f.aibvo, 0);
	EXPECT_EQ(f.sum, 1);
	EXPECT_EQ(f.aisbo, 0);

	put32(b + 0x28, msb0_32(0x3f, 26, 31));
	zpci_fib_decode(b, &f);
	EXPECT_EQ(f.sum, 0);
	EXPECT_EQ(f.aisbo, 0x3f);

	/* only reserved bits (0, 16-17, 25) set: every field decodes as 0 */
	put32(b + 0x28, msb0_32(1, 0, 0) | msb0_32(3, 16, 17) | msb0_32(1, 25, 25));
	EXPECT_EQ(get32(b + 0x28), 0x8000c040u);
	zpci_fib_decode(b, &f);
	EXPECT_EQ(f.isc, 0);
	EXPECT_EQ(f.noi, 0);
	EXPECT_EQ(f.aibvo, 0);
	EXPECT_EQ(f.sum, 0);
	EXPECT_EQ(f.aisbo, 0);

	/* all bits set: fields at maximum, reserved bits ignored */
	memset(b, 0xff, sizeof(b));
	zpci_fib_decode(b, &f);
	EXPECT_EQ(f.fmt, 0xff);
	EXPECT_EQ(f.fc, 0xff);
	EXPECT_EQ(f.isc, 7);
	EXPECT_EQ(f.noi, 0xfff);
	EXPECT_EQ(f.aibvo, 0x3f);
	EXPECT_EQ(f.sum, 1);
	EXPECT_EQ(f.aisbo, 0x3f);
	EXPECT_EQ(f.gd, 0xffffffffu);
}

TEST(fib_decode_ignores_reserved_bytes)
{
	uint8_t a[ZPCI_FIB_SIZE], b[ZPCI_FIB_SIZE];
	struct zpci_fib fa, fb;
	static const unsigned rsv[][2] = {
		{ 0x01, 0x08 }, { 0x09, 0x10 }, { 0x2c, 0x30 }, { 0x48, 0x4c },
	};

	for (unsigned i = 0; i < ZPCI_FIB_SIZE; i++)
		a[i] = (uint8_t)(i * 37 + 11);
	memcpy(b, a, sizeof(a));
	for (size_t r = 0; r < sizeof(rsv) / sizeof(rsv[0]); r++)
		for (unsigned i = rsv[r][0]; i < rsv[r][1]; i++)
			b[i] ^= 0xff;
	zpci_fib_decode(a, &fa);
	zpci_fib_decode(b, &fb);
	EXPECT_EQ(fa.fmt, fb.fmt);
	EXPECT_EQ(fa.fc, fb.fc);
	EXPECT_EQ(fa.pba, fb.pba);
	EXPECT_EQ(fa.pal, fb.pal);
	EXPECT_EQ(fa.iota, fb.iota);
	EXPECT_EQ(fa.isc, fb.isc);
	EXPECT_EQ(fa.noi, fb.noi);
	EXPECT_EQ(fa.aibvo, fb.aibvo);
	EXPECT_EQ(fa.sum, fb.sum);
	EXPECT_EQ(fa.aisbo, fb.aisbo);
	EXPECT_EQ(fa.aibv, fb.aibv);
	EXPECT_EQ(fa.aisb, fb.aisb);
	EXPECT_EQ(fa.fmb_addr, fb.fmb_addr);
	EXPECT_EQ(fa.gd, fb.gd);
	/* and the pattern decodes to the bytes at the documented offsets */
	EXPECT_EQ(fa.fmt, a[0x00]);
	EXPECT_EQ(fa.fc, a[0x08]);
	EXPECT_EQ(fa.pba, get64(a + 0x10));
	EXPECT_EQ(fa.pal, get64(a + 0x18));
	EXPECT_EQ(fa.iota, get64(a + 0x20));
	EXPECT_EQ(fa.aibv, get64(a + 0x30));
	EXPECT_EQ(fa.aisb, get64(a + 0x38));
	EXPECT_EQ(fa.fmb_addr, get64(a + 0x40));
	EXPECT_EQ(fa.gd, get32(a + 0x4c));
}

TEST(fib_encode_layout_and_reserved_zero)
{
	uint8_t b[ZPCI_FIB_SIZE];
	struct zpci_fib f = {
		.fmt = 0, .fc = ZPCI_FIB_FC_ENABLED | ZPCI_FIB_FC_DMAAS_REG,
		.pba = 0x0000000080000000ULL, .pal = 0x00000000ffffefffULL,
		.iota = 0x0000000001234804ULL,
		.isc = 2, .noi = 33, .aibvo = 0, .sum = 1, .aisbo = 17,
		.aibv = 0x0000000000a0b000ULL, .aisb = 0x0000000000c0d008ULL,
		.fmb_addr = 0x00000000000e0000ULL, .gd = 0x12345678u,
	};

	memset(b, 0xaa, sizeof(b));
	zpci_fib_encode(&f, b);
	EXPECT_EQ(b[0x00], 0);
	EXPECT_EQ(b[0x08], 0x90);
	EXPECT_EQ(get64(b + 0x10), 0x0000000080000000ULL);
	EXPECT_EQ(get64(b + 0x18), 0x00000000ffffefffULL);
	EXPECT_EQ(get64(b + 0x20), 0x0000000001234804ULL);
	EXPECT_EQ(get32(b + 0x28), intword(2, 33, 0, 1, 17));
	EXPECT_EQ(get32(b + 0x28), 0x20210091u);	/* computed by hand */
	EXPECT_EQ(get64(b + 0x30), 0x0000000000a0b000ULL);
	EXPECT_EQ(get64(b + 0x38), 0x0000000000c0d008ULL);
	EXPECT_EQ(get64(b + 0x40), 0x00000000000e0000ULL);
	EXPECT_EQ(get32(b + 0x4c), 0x12345678u);
	for (unsigned i = 0x01; i < 0x08; i++)
		EXPECT_EQ(b[i], 0);
	for (unsigned i = 0x09; i < 0x10; i++)
		EXPECT_EQ(b[i], 0);
	for (unsigned i = 0x2c; i < 0x30; i++)
		EXPECT_EQ(b[i], 0);
	for (unsigned i = 0x48; i < 0x4c; i++)
		EXPECT_EQ(b[i], 0);

	/* out-of-range field values must not spill into reserved bits or
	 * neighbouring fields */
	f.isc = 0xff;
	f.noi = 0xffff;
	f.aibvo = 0xff;
	f.sum = 0xff;
	f.aisbo = 0xff;
	zpci_fib_encode(&f, b);
	EXPECT_EQ(get32(b + 0x28), intword(7, 0xfff, 0x3f, 1, 0x3f));
	EXPECT_EQ(get32(b + 0x28), 0x7fff3fbfu);
	f.isc = 0x08;	/* only bit above ISC's 3 bits: must vanish */
	f.noi = 0x1000;
	f.aibvo = 0x40;
	f.sum = 2;
	f.aisbo = 0x40;
	zpci_fib_encode(&f, b);
	EXPECT_EQ(get32(b + 0x28), 0);
}

TEST(fib_round_trip)
{
	uint64_t s = 0x243f6a8885a308d3ULL;

	for (int n = 0; n < 1000; n++) {
		struct zpci_fib f, g;
		uint8_t b[ZPCI_FIB_SIZE], c[ZPCI_FIB_SIZE];

#define NEXT() (s ^= s << 13, s ^= s >> 7, s ^= s << 17, s)
		f.fmt = (uint8_t)NEXT();
		f.fc = (uint8_t)NEXT();
		f.pba = NEXT();
		f.pal = NEXT();
		f.iota = NEXT();
		f.isc = NEXT() & 7;
		f.noi = NEXT() & 0xfff;
		f.aibvo = NEXT() & 0x3f;
		f.sum = NEXT() & 1;
		f.aisbo = NEXT() & 0x3f;
		f.aibv = NEXT();
		f.aisb = NEXT();
		f.fmb_addr = NEXT();
		f.gd = (uint32_t)NEXT();
#undef NEXT
		zpci_fib_encode(&f, b);
		zpci_fib_decode(b, &g);
		EXPECT_EQ(g.fmt, f.fmt);
		EXPECT_EQ(g.fc, f.fc);
		EXPECT_EQ(g.pba, f.pba);
		EXPECT_EQ(g.pal, f.pal);
		EXPECT_EQ(g.iota, f.iota);
		EXPECT_EQ(g.isc, f.isc);
		EXPECT_EQ(g.noi, f.noi);
		EXPECT_EQ(g.aibvo, f.aibvo);
		EXPECT_EQ(g.sum, f.sum);
		EXPECT_EQ(g.aisbo, f.aisbo);
		EXPECT_EQ(g.aibv, f.aibv);
		EXPECT_EQ(g.aisb, f.aisb);
		EXPECT_EQ(g.fmb_addr, f.fmb_addr);
		EXPECT_EQ(g.gd, f.gd);
		zpci_fib_encode(&g, c);
		EXPECT(memcmp(b, c, sizeof(b)) == 0);
	}
}

/* ------------------------------------------------------------------------ */
/* 4. I/O translation formats                                               */

TEST(iota_decode)
{
	struct zpci_iota io;

	/* Linux RTTO: origin | 0x804 */
	io = zpci_iota_decode(0x0000000123458000ULL | 0x804);
	EXPECT(io.translate);
	EXPECT(!io.prot);
	EXPECT_EQ(io.dt, 1);
	EXPECT_EQ(io.origin, 0x0000000123458000ULL);
	/* RSTO 0x808, RFTO 0x80c, segment 0x800 */
	EXPECT_EQ(zpci_iota_decode(0x4000 | 0x808).dt, 2);
	EXPECT_EQ(zpci_iota_decode(0x4000 | 0x80c).dt, 3);
	EXPECT_EQ(zpci_iota_decode(0x4000 | 0x800).dt, 0);
	EXPECT_EQ(zpci_iota_decode(0x1c).dt, 7);
	EXPECT_EQ(zpci_iota_decode(0x10).dt, 4);
	/* frame-size bits 0x3 are not part of DT */
	EXPECT_EQ(zpci_iota_decode(0x807).dt, 1);
	/* T clear */
	io = zpci_iota_decode(0x0000000123458004ULL);
	EXPECT(!io.translate);
	EXPECT_EQ(io.dt, 1);
	/* protection 0x200 */
	io = zpci_iota_decode(0x0000000123458a04ULL);
	EXPECT(io.translate);
	EXPECT(io.prot);
	/* origin masked to 16 KiB: low bits 0x3fff are dropped */
	io = zpci_iota_decode(0x0000000123457fffULL);
	EXPECT_EQ(io.origin, 0x0000000123454000ULL);
	EXPECT(io.translate);
	EXPECT(io.prot);
	EXPECT_EQ(io.dt, 7);
	io = zpci_iota_decode(0xffffffffffffc000ULL);
	EXPECT_EQ(io.origin, 0xffffffffffffc000ULL);
	EXPECT(!io.translate);
	EXPECT(!io.prot);
	EXPECT_EQ(io.dt, 0);
	io = zpci_iota_decode(0);
	EXPECT(!io.translate);
	EXPECT_EQ(io.origin, 0);
}

TEST(rte_decode_results)
{
	struct zpci_te t;
	const uint64_t org = 0x00000012345ac000ULL;	/* 16 KiB aligned */

	/* valid: type RT (0x04), TL 0b11 */
	memset(&t, 0xee, sizeof(t));
	EXPECT_EQ(zpci_rte_decode(org | 0x04 | 0x03, &t), ZPCI_TE_OK);
	EXPECT_EQ(t.origin, org);
	EXPECT(!t.prot);
	EXPECT(!t.large);
	/* protection */
	EXPECT_EQ(zpci_rte_decode(org | 0x200 | 0x07, &t), ZPCI_TE_OK);
	EXPECT_EQ(t.origin, org);
	EXPECT(t.prot);
	/* origin masked: bits below 0x4000 that are not flags are dropped */
	EXPECT_EQ(zpci_rte_decode(org | 0x3000 | 0x100 | 0x10 | 0x07, &t), ZPCI_TE_OK);
	EXPECT_EQ(t.origin, org);
	EXPECT(!t.prot);
	EXPECT_EQ(zpci_rte_decode(0xffffffffffffc007ULL, &t), ZPCI_TE_OK);
	EXPECT_EQ(t.origin, 0xffffffffffffc000ULL);

	/* all-zero entry: PEC 0x7 */
	memset(&t, 0xee, sizeof(t));
	EXPECT_EQ(zpci_rte_decode(0, &t), ZPCI_TE_FAULT);
	EXPECT_EQ(t.pec, 0x7);
	/* invalid bit: unmapped (Linux's fresh entry is 0x20) */
	EXPECT_EQ(zpci_rte_decode(0x20, &t), ZPCI_TE_UNMAPPED);
	EXPECT_EQ(zpci_rte_decode(org | 0x20 | 0x07, &t), ZPCI_TE_UNMAPPED);
	EXPECT_EQ(zpci_rte_decode(org | 0x20 | 0x200 | 0x07, &t), ZPCI_TE_UNMAPPED);
	/* wrong table type: PEC 0x9 (ST 0x00, RS 0x08, RF 0x0c) */
	memset(&t, 0xee, sizeof(t));
	EXPECT_EQ(zpci_rte_decode(org | 0x00 | 0x03, &t), ZPCI_TE_FAULT);
	EXPECT_EQ(t.pec, 0x9);
	EXPECT_EQ(zpci_rte_decode(org | 0x08 | 0x03, &t), ZPCI_TE_FAULT);
	EXPECT_EQ(t.pec, 0x9);
	EXPECT_EQ(zpci_rte_decode(org | 0x0c | 0x03, &t), ZPCI_TE_FAULT);
	EXPECT_EQ(t.pec, 0x9);
	/* table length != 0b11: PEC 0x8 */
	for (uint64_t tl = 0; tl < 3; tl++) {
		memset(&t, 0xee, sizeof(t));
		EXPECT_EQ(zpci_rte_decode(org | 0x04 | tl, &t), ZPCI_TE_FAULT);
		EXPECT_EQ(t.pec, 0x8);
	}
	/* non-zero table offset (0xc0): PEC 0x8 */
	EXPECT_EQ(zpci_rte_decode(org | 0x40 | 0x07, &t), ZPCI_TE_FAULT);
	EXPECT_EQ(t.pec, 0x8);
	EXPECT_EQ(zpci_rte_decode(org | 0x80 | 0x07, &t), ZPCI_TE_FAULT);
	EXPECT_EQ(t.pec, 0x8);
	EXPECT_EQ(zpci_rte_decode(org | 0xc0 | 0x07, &t), ZPCI_TE_FAULT);
	EXPECT_EQ(t.pec, 0x8);
	/* the PEC constants are the reference's values */
	EXPECT_EQ(ZPCI_PEC_INVAL_TE, 0x7);
	EXPECT_EQ(ZPCI_PEC_INVAL_TL, 0x8);
	EXPECT_EQ(ZPCI_PEC_TABLE_TYPE, 0x9);
}

TEST(ste_decode_results)
{
	struct zpci_te t;
	const uint64_t pto = 0x0000000abcdef800ULL;	/* 2 KiB aligned */

	/* page-table origin */
	memset(&t, 0xee, sizeof(t));
	EXPECT_EQ(zpci_ste_decode(pto, &t), ZPCI_TE_OK);
	EXPECT_EQ(t.origin, pto);
	EXPECT(!t.prot);
	EXPECT(!t.large);
	EXPECT_EQ(zpci_ste_decode(pto | 0x200, &t), ZPCI_TE_OK);
	EXPECT_EQ(t.origin, pto);
	EXPECT(t.prot);
	EXPECT(!t.large);
	/* origin masked to 2 KiB: non-flag low bits dropped */
	EXPECT_EQ(zpci_ste_decode(pto | 0x100 | 0x10 | 0x1, &t), ZPCI_TE_OK);
	EXPECT_EQ(t.origin, pto);
	EXPECT_EQ(zpci_ste_decode(0x800, &t), ZPCI_TE_OK);
	EXPECT_EQ(t.origin, 0x800);

	/* format control: a 1 MiB frame at bits above 0xfffff */
	memset(&t, 0xee, sizeof(t));
	EXPECT_EQ(zpci_ste_decode(0x0000000abcd00000ULL | 0x400, &t), ZPCI_TE_OK);
	EXPECT(t.large);
	EXPECT(!t.prot);
	EXPECT_EQ(t.origin, 0x0000000abcd00000ULL);
	EXPECT_EQ(zpci_ste_decode(0x0000000abcdef800ULL | 0x400 | 0x200, &t), ZPCI_TE_OK);
	EXPECT(t.large);
	EXPECT(t.prot);
	EXPECT_EQ(t.origin, 0x0000000abcd00000ULL);

	/* zero entry: PEC 0x7; invalid: unmapped */
	memset(&t, 0xee, sizeof(t));
	EXPECT_EQ(zpci_ste_decode(0, &t), ZPCI_TE_FAULT);
	EXPECT_EQ(t.pec, 0x7);
	EXPECT_EQ(zpci_ste_decode(0x20, &t), ZPCI_TE_UNMAPPED);
	EXPECT_EQ(zpci_ste_decode(pto | 0x20, &t), ZPCI_TE_UNMAPPED);
	EXPECT_EQ(zpci_ste_decode(pto | 0x20 | 0x400, &t), ZPCI_TE_UNMAPPED);
	/* a region-type entry where a segment entry belongs: PEC 0x9 */
	for (uint64_t ty = 0x04; ty <= 0x0c; ty += 4) {
		memset(&t, 0xee, sizeof(t));
		EXPECT_EQ(zpci_ste_decode(pto | ty, &t), ZPCI_TE_FAULT);
		EXPECT_EQ(t.pec, 0x9);
		EXPECT_EQ(zpci_ste_decode(pto | ty | 0x3, &t), ZPCI_TE_FAULT);
		EXPECT_EQ(t.pec, 0x9);
	}
}

TEST(pte_decode_results)
{
	struct zpci_te t;
	const uint64_t frame = 0x000000abcdef1000ULL;

	memset(&t, 0xee, sizeof(t));
	EXPECT_EQ(zpci_pte_decode(frame, &t), ZPCI_TE_OK);
	EXPECT_EQ(t.origin, frame);
	EXPECT(!t.prot);
	EXPECT(!t.large);
	EXPECT_EQ(zpci_pte_decode(frame | 0x200, &t), ZPCI_TE_OK);
	EXPECT_EQ(t.origin, frame);
	EXPECT(t.prot);
	/* low bits other than 0x400/0x200 are dropped from the frame, and
	 * 0x20 is not an invalid bit for a page-table entry */
	EXPECT_EQ(zpci_pte_decode(frame | 0x0ff, &t), ZPCI_TE_OK);
	EXPECT_EQ(t.origin, frame);
	EXPECT(!t.prot);
	EXPECT_EQ(zpci_pte_decode(frame | 0x20, &t), ZPCI_TE_OK);
	EXPECT_EQ(t.origin, frame);
	EXPECT_EQ(zpci_pte_decode(frame | 0x800, &t), ZPCI_TE_OK);
	EXPECT_EQ(t.origin, frame);
	EXPECT_EQ(zpci_pte_decode(0xfffffffffffff000ULL, &t), ZPCI_TE_OK);
	EXPECT_EQ(t.origin, 0xfffffffffffff000ULL);

	/* zero: PEC 0x7; invalid 0x400: unmapped (Linux's fresh entry) */
	memset(&t, 0xee, sizeof(t));
	EXPECT_EQ(zpci_pte_decode(0, &t), ZPCI_TE_FAULT);
	EXPECT_EQ(t.pec, 0x7);
	EXPECT_EQ(zpci_pte_decode(0x400, &t), ZPCI_TE_UNMAPPED);
	EXPECT_EQ(zpci_pte_decode(frame | 0x400, &t), ZPCI_TE_UNMAPPED);
	EXPECT_EQ(zpci_pte_decode(frame | 0x400 | 0x200, &t), ZPCI_TE_UNMAPPED);
}

TEST(dma_index_extraction)
{
	/* build addresses from chosen indexes: RTX bits 31-41, SX 20-30,
	 * PX 12-19 of the address (value bit numbers) */
	static const struct {
		unsigned rtx, sx, px;
		uint64_t off;
	} t[] = {
		{ 0, 0, 0, 0 }, { 1, 0, 0, 0 }, { 0, 1, 0, 0 }, { 0, 0, 1, 0 },
		{ 0x7ff, 0x7ff, 0xff, 0xfff }, { 0x123, 0x456, 0x78, 0x9ab },
		{ 0x400, 0x3ff, 0x80, 0x001 }, { 5, 0x7fe, 0x7f, 0x800 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint64_t a = (uint64_t)t[i].rtx * 0x80000000ULL + (uint64_t)t[i].sx * 0x100000ULL +
			     (uint64_t)t[i].px * 0x1000ULL + t[i].off;

		EXPECT_EQ(zpci_rtx(a), t[i].rtx);
		EXPECT_EQ(zpci_sx(a), t[i].sx);
		EXPECT_EQ(zpci_px(a), t[i].px);
		/* bits at and above 2^42 are outside an RT-rooted tree */
		EXPECT_EQ(zpci_rtx(a | 0xfffffc0000000000ULL), t[i].rtx);
		EXPECT_EQ(zpci_sx(a | 0xfffffc0000000000ULL), t[i].sx);
		EXPECT_EQ(zpci_px(a | 0xfffffc0000000000ULL), t[i].px);
	}
	/* literal addresses */
	EXPECT_EQ(zpci_rtx(0x80000000ULL), 1);
	EXPECT_EQ(zpci_sx(0x80000000ULL), 0);
	EXPECT_EQ(zpci_rtx(0x7fffffffULL), 0);
	EXPECT_EQ(zpci_sx(0x7fffffffULL), 0x7ff);
	EXPECT_EQ(zpci_px(0x7fffffffULL), 0xff);
	EXPECT_EQ(zpci_rtx(0x3ffffffffffULL), 0x7ff);
	EXPECT_EQ(zpci_rtx(0x40000000000ULL), 0);
	EXPECT_EQ(zpci_sx(0x00100000ULL), 1);
	EXPECT_EQ(zpci_px(0x00100000ULL), 0);
	EXPECT_EQ(zpci_px(0x000ff000ULL), 0xff);
	EXPECT_EQ(zpci_px(0x00000fffULL), 0);
	/* table geometry (§4.2) */
	EXPECT_EQ(ZPCI_RT_ENTRIES, 2048);
	EXPECT_EQ(ZPCI_ST_ENTRIES, 2048);
	EXPECT_EQ(ZPCI_PT_ENTRIES, 256);
	EXPECT_EQ(1ULL << ZPCI_RT_REACH_SHIFT, 4ULL << 40);
}

/* A three-level walk over a fake memory, using only the decoders. */
struct fakemem {
	uint64_t addr[8], val[8];
	int n;
};

static uint64_t fm_read(const struct fakemem *m, uint64_t a)
{
	for (int i = 0; i < m->n; i++)
		if (m->addr[i] == a)
			return m->val[i];
	return 0;
}

static void fm_set(struct fakemem *m, uint64_t a, uint64_t v)
{
	m->addr[m->n] = a;
	m->val[m->n++] = v;
}

TEST(dma_three_level_walk)
{
	struct fakemem m = { .n = 0 };
	const uint64_t rto = 0x100000, sto = 0x204000, pto = 0x300800;
	const uint64_t dma = 0x280345678ULL;	/* rtx 5, sx 0x003, px 0x45 */
	struct zpci_iota io;
	struct zpci_te t;
	uint64_t e;

	EXPECT_EQ(zpci_rtx(dma), 5);
	EXPECT_EQ(zpci_sx(dma), 3);
	EXPECT_EQ(zpci_px(dma), 0x45);
	fm_set(&m, rto + 5 * 8, sto | 0x07);
	fm_set(&m, sto + 3 * 8, pto | 0x200);
	fm_set(&m, pto + 0x45 * 8, 0x00000000abcde000ULL);

	io = zpci_iota_decode(rto | 0x804);
	EXPECT(io.translate);
	EXPECT_EQ(io.dt, 1);
	e = fm_read(&m, io.origin + 8ULL * zpci_rtx(dma));
	EXPECT_EQ(zpci_rte_decode(e, &t), ZPCI_TE_OK);
	EXPECT_EQ(t.origin, sto);
	e = fm_read(&m, t.origin + 8ULL * zpci_sx(dma));
	EXPECT_EQ(zpci_ste_decode(e, &t), ZPCI_TE_OK);
	EXPECT_EQ(t.origin, pto);
	EXPECT(t.prot);
	e = fm_read(&m, t.origin + 8ULL * zpci_px(dma));
	EXPECT_EQ(zpci_pte_decode(e, &t), ZPCI_TE_OK);
	EXPECT_EQ(t.origin | (dma & 0xfff), 0xabcde678ULL);
	/* the neighbouring region entry was never written: zero -> 0x7 */
	e = fm_read(&m, io.origin + 8ULL * zpci_rtx(dma + 0x80000000ULL));
	EXPECT_EQ(zpci_rte_decode(e, &t), ZPCI_TE_FAULT);
	EXPECT_EQ(t.pec, 0x7);
}

/* ------------------------------------------------------------------------ */
/* 5. event records                                                         */

TEST(ccdf_error_encode_layout)
{
	uint8_t b[ZPCI_CCDF_SIZE];
	struct zpci_event ev = {
		.kind = ZPCI_EVENT_ERROR, .fh = 0x80000123u, .fid = 0x00000042u,
		.pec = 0x0007, .ett = 0x4, .mvn = 0xabc, .dmaas = 0x5a, .q = 1, .rw = 1,
		.faddr = 0x0000000123456789ULL,
	};

	memset(b, 0xcc, sizeof(b));
	zpci_ccdf_encode(&ev, b);
	EXPECT_EQ(get32(b + 0x04), 0x80000123u);
	EXPECT_EQ(get32(b + 0x08), 0x00000042u);
	EXPECT_EQ(get32(b + 0x0c), msb0_32(0x4, 0, 3) | msb0_32(0xabc, 4, 15) |
				   msb0_32(0x5a, 16, 23) | msb0_32(1, 30, 30) | msb0_32(1, 31, 31));
	EXPECT_EQ(get32(b + 0x0c), 0x4abc5a03u);
	EXPECT_EQ(get64(b + 0x10), 0x0000000123456789ULL);
	EXPECT_EQ(b[0x1e], 0x00);
	EXPECT_EQ(b[0x1f], 0x07);
	/* reserved bytes 0x00-0x03, 0x18-0x1d are zero */
	for (unsigned i = 0; i < 4; i++)
		EXPECT_EQ(b[i], 0);
	for (unsigned i = 0x18; i < 0x1e; i++)
		EXPECT_EQ(b[i], 0);

	/* q and rw separately, in the right bit */
	ev.q = 1;
	ev.rw = 0;
	zpci_ccdf_encode(&ev, b);
	EXPECT_EQ(get32(b + 0x0c) & 3, 2);
	ev.q = 0;
	ev.rw = 1;
	zpci_ccdf_encode(&ev, b);
	EXPECT_EQ(get32(b + 0x0c) & 3, 1);
	/* each field alone */
	ev = (struct zpci_event){ .kind = ZPCI_EVENT_ERROR, .ett = 0xf };
	zpci_ccdf_encode(&ev, b);
	EXPECT_EQ(get32(b + 0x0c), 0xf0000000u);
	ev = (struct zpci_event){ .kind = ZPCI_EVENT_ERROR, .mvn = 0xfff };
	zpci_ccdf_encode(&ev, b);
	EXPECT_EQ(get32(b + 0x0c), 0x0fff0000u);
	ev = (struct zpci_event){ .kind = ZPCI_EVENT_ERROR, .dmaas = 0xff };
	zpci_ccdf_encode(&ev, b);
	EXPECT_EQ(get32(b + 0x0c), 0x0000ff00u);
	/* a 16-bit MVN beyond 12 bits must not reach ETT */
	ev = (struct zpci_event){ .kind = ZPCI_EVENT_ERROR, .mvn = 0xf123 };
	zpci_ccdf_encode(&ev, b);
	EXPECT_EQ(get32(b + 0x0c), 0x01230000u);
	/* out-of-range values do not spill (bits 24-29 reserved) */
	ev = (struct zpci_event){ .kind = ZPCI_EVENT_ERROR, .ett = 0xff, .mvn = 0xffff,
				  .dmaas = 0xff, .q = 0xff, .rw = 0xff, .pec = 0xffff };
	zpci_ccdf_encode(&ev, b);
	EXPECT_EQ(get32(b + 0x0c), 0xffffff03u);
	EXPECT_EQ(b[0x1e], 0xff);
	EXPECT_EQ(b[0x1f], 0xff);
	for (unsigned i = 0x18; i < 0x1e; i++)
		EXPECT_EQ(b[i], 0);
}

TEST(ccdf_error_decode_and_round_trip)
{
	uint8_t b[ZPCI_CCDF_SIZE];
	struct zpci_event ev, ev2;

	memset(b, 0, sizeof(b));
	put32(b + 0x04, 0x8001abcdu);
	put32(b + 0x08, 0x00001234u);
	put32(b + 0x0c, msb0_32(0x2, 0, 3) | msb0_32(0x155, 4, 15) | msb0_32(0x03, 16, 23) |
			msb0_32(0, 30, 30) | msb0_32(1, 31, 31));
	put64(b + 0x10, 0xfedcba9876543000ULL);
	b[0x1e] = 0x00;
	b[0x1f] = 0x04;
	memset(&ev, 0xee, sizeof(ev));
	zpci_ccdf_decode(b, ZPCI_EVENT_ERROR, &ev);
	EXPECT_EQ(ev.kind, ZPCI_EVENT_ERROR);
	EXPECT_EQ(ev.fh, 0x8001abcdu);
	EXPECT_EQ(ev.fid, 0x1234u);
	EXPECT_EQ(ev.ett, 2);
	EXPECT_EQ(ev.mvn, 0x155);
	EXPECT_EQ(ev.dmaas, 3);
	EXPECT_EQ(ev.q, 0);
	EXPECT_EQ(ev.rw, 1);
	EXPECT_EQ(ev.faddr, 0xfedcba9876543000ULL);
	EXPECT_EQ(ev.pec, 0x0004);
	/* reserved bits 24-29 of the error word are ignored */
	put32(b + 0x0c, get32(b + 0x0c) | msb0_32(0x3f, 24, 29));
	zpci_ccdf_decode(b, ZPCI_EVENT_ERROR, &ev);
	EXPECT_EQ(ev.dmaas, 3);
	EXPECT_EQ(ev.q, 0);
	EXPECT_EQ(ev.rw, 1);

	/* round trip */
	ev = (struct zpci_event){ .kind = ZPCI_EVENT_ERROR, .fh = 0x12345678u, .fid = 0x9abcdef0u,
				  .pec = 0x003b, .ett = 9, .mvn = 0x321, .dmaas = 0xa5, .q = 1,
				  .rw = 0, .faddr = 0x1122334455667788ULL };
	zpci_ccdf_encode(&ev, b);
	zpci_ccdf_decode(b, ZPCI_EVENT_ERROR, &ev2);
	EXPECT_EQ(ev2.kind, ev.kind);
	EXPECT_EQ(ev2.fh, ev.fh);
	EXPECT_EQ(ev2.fid, ev.fid);
	EXPECT_EQ(ev2.pec, ev.pec);
	EXPECT_EQ(ev2.ett, ev.ett);
	EXPECT_EQ(ev2.mvn, ev.mvn);
	EXPECT_EQ(ev2.dmaas, ev.dmaas);
	EXPECT_EQ(ev2.q, ev.q);
	EXPECT_EQ(ev2.rw, ev.rw);
	EXPECT_EQ(ev2.faddr, ev.faddr);
}

TEST(ccdf_avail_encode_decode)
{
	uint8_t b[ZPCI_CCDF_SIZE];
	struct zpci_event ev = {
		.kind = ZPCI_EVENT_AVAIL, .fh = 0x00000005u, .fid = 0x00000017u,
		.pec = 0x0301,
		/* error-only fields must not appear in an availability CCDF */
		.ett = 0xf, .mvn = 0xfff, .dmaas = 0xff, .q = 1, .rw = 1,
		.faddr = 0xffffffffffffffffULL,
	};
	struct zpci_event d;

	memset(b, 0xcc, sizeof(b));
	zpci_ccdf_encode(&ev, b);
	EXPECT_EQ(get32(b + 0x04), 0x5u);
	EXPECT_EQ(get32(b + 0x08), 0x17u);
	EXPECT_EQ(b[0x1e], 0x03);
	EXPECT_EQ(b[0x1f], 0x01);
	for (unsigned i = 0; i < ZPCI_CCDF_SIZE; i++) {
		if ((i >= 0x04 && i < 0x0c) || i >= 0x1e)
			continue;
		EXPECT_EQ(b[i], 0);
	}

	/* decoding as availability ignores the error word and address */
	memset(b, 0xff, sizeof(b));
	put32(b + 0x04, 0x80000009u);
	put32(b + 0x08, 0x00000100u);
	b[0x1e] = 0x03;
	b[0x1f] = 0x08;
	memset(&d, 0xee, sizeof(d));
	zpci_ccdf_decode(b, ZPCI_EVENT_AVAIL, &d);
	EXPECT_EQ(d.kind, ZPCI_EVENT_AVAIL);
	EXPECT_EQ(d.fh, 0x80000009u);
	EXPECT_EQ(d.fid, 0x100u);
	EXPECT_EQ(d.pec, 0x0308);
	EXPECT_EQ(d.ett, 0);
	EXPECT_EQ(d.mvn, 0);
	EXPECT_EQ(d.dmaas, 0);
	EXPECT_EQ(d.q, 0);
	EXPECT_EQ(d.rw, 0);
	EXPECT_EQ(d.faddr, 0);
	/* content codes per §6.5: 1 error, 2 availability */
	EXPECT_EQ(ZPCI_EVENT_ERROR, 1);
	EXPECT_EQ(ZPCI_EVENT_AVAIL, 2);
}

TEST(chsc_sei_nt2_with_event)
{
	uint8_t r[0x100];
	struct zpci_event ev = {
		.kind = ZPCI_EVENT_AVAIL, .fh = 0x80000003u, .fid = 0x2au, .pec = 0x0303,
	};

	memset(r, 0xcc, sizeof(r));
	chsc_sei_nt2_encode(r, sizeof(r), &ev, 1);
	EXPECT_EQ(r[0x00] << 8 | r[0x01], 0x40 + 32);	/* header + one CCDF */
	EXPECT_EQ(r[0x02] << 8 | r[0x03], 0x0001);
	EXPECT_EQ(r[0x07], 2);
	EXPECT_EQ(r[0x08], 0x80);
	EXPECT_EQ(r[0x0b], 2);
	for (unsigned i = 0x04; i < 0x40; i++) {
		if (i == 0x07 || i == 0x08 || i == 0x0b)
			continue;
		EXPECT_EQ(r[i], 0);
	}
	EXPECT_EQ(get32(r + 0x40 + 0x04), 0x80000003u);
	EXPECT_EQ(get32(r + 0x40 + 0x08), 0x2au);
	EXPECT_EQ(r[0x40 + 0x1e], 0x03);
	EXPECT_EQ(r[0x40 + 0x1f], 0x03);
	EXPECT_EQ(get32(r + 0x40 + 0x0c), 0);

	/* an error event, no more pending */
	ev = (struct zpci_event){ .kind = ZPCI_EVENT_ERROR, .fh = 0x80000004u, .fid = 7,
				  .pec = 0x0002, .dmaas = 0, .rw = 1, .faddr = 0x7000 };
	memset(r, 0xcc, sizeof(r));
	chsc_sei_nt2_encode(r, sizeof(r), &ev, 0);
	EXPECT_EQ(r[0x00] << 8 | r[0x01], 0x60);
	EXPECT_EQ(r[0x02] << 8 | r[0x03], 0x0001);
	EXPECT_EQ(r[0x07], 2);
	EXPECT_EQ(r[0x08], 0x00);
	EXPECT_EQ(r[0x0b], 1);
	EXPECT_EQ(get32(r + 0x40 + 0x04), 0x80000004u);
	EXPECT_EQ(get32(r + 0x40 + 0x08), 7);
	EXPECT_EQ(get32(r + 0x40 + 0x0c), 1);
	EXPECT_EQ(get64(r + 0x40 + 0x10), 0x7000);
	EXPECT_EQ(r[0x40 + 0x1f], 0x02);

	/* any non-zero "more" sets the flag */
	chsc_sei_nt2_encode(r, sizeof(r), &ev, 7);
	EXPECT_EQ(r[0x08], 0x80);
	/* the exact-size buffer is enough */
	{
		uint8_t s[0x60];

		memset(s, 0xcc, sizeof(s));
		chsc_sei_nt2_encode(s, sizeof(s), &ev, 0);
		EXPECT_EQ(s[0x0b], 1);
		EXPECT_EQ(s[0x5e], 0x00);	/* CCDF PEC at 0x40 + 0x1e */
		EXPECT_EQ(s[0x5f], 0x02);
	}
	/* selection-mask bit for NT2 and the CRW (§6.5) */
	EXPECT_EQ(CHSC_SEI_NT2_BIT, 1ULL << 61);
	EXPECT_EQ(CHSC_SEI_CMD, 0x000e);
	EXPECT_EQ((CRW_CSS_EVENT_PENDING >> 24) & 0x0f, 0xb);	/* RSC, bits 4-7 */
	EXPECT_EQ((CRW_CSS_EVENT_PENDING >> 16) & 0x3f, 0);	/* ERC, bits 10-15 */
}

TEST(chsc_sei_nt2_no_event)
{
	uint8_t r[0x80];

	memset(r, 0xcc, sizeof(r));
	chsc_sei_nt2_encode(r, sizeof(r), NULL, 1);
	EXPECT_EQ(r[0x00] << 8 | r[0x01], 8);
	EXPECT_EQ(r[0x02] << 8 | r[0x03], 0x0005);
	EXPECT_EQ(r[0x07], 0);
	EXPECT_EQ(r[0x08], 0);	/* no "more" flag without an event */
	EXPECT_EQ(r[0x0b], 0);
	for (unsigned i = 0x04; i < 0x60; i++)
		EXPECT_EQ(r[i], 0);
}

/* ------------------------------------------------------------------------ */
/* 6. byte-order helpers                                                    */

TEST(be_le_fixed_width)
{
	uint8_t b[16];
	static const uint8_t seq[8] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };

	EXPECT_EQ(be16_get(seq), 0x0123);
	EXPECT_EQ(be32_get(seq), 0x01234567u);
	EXPECT_EQ(be64_get(seq), 0x0123456789abcdefULL);
	EXPECT_EQ(le16_get(seq), 0x2301);
	EXPECT_EQ(le32_get(seq), 0x67452301u);
	EXPECT_EQ(le64_get(seq), 0xefcdab8967452301ULL);
	/* high bits set in every byte (no sign-extension of uint8_t promotion) */
	{
		static const uint8_t ff[8] = { 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0xf8 };

		EXPECT_EQ(be16_get(ff), 0xfffe);
		EXPECT_EQ(be32_get(ff), 0xfffefdfcu);
		EXPECT_EQ(be64_get(ff), 0xfffefdfcfbfaf9f8ULL);
		EXPECT_EQ(le16_get(ff), 0xfeff);
		EXPECT_EQ(le32_get(ff), 0xfcfdfeffu);
		EXPECT_EQ(le64_get(ff), 0xf8f9fafbfcfdfeffULL);
	}

	memset(b, 0x5a, sizeof(b));
	be16_put(b + 1, 0xa1b2);
	EXPECT_EQ(b[0], 0x5a);
	EXPECT_EQ(b[1], 0xa1);
	EXPECT_EQ(b[2], 0xb2);
	EXPECT_EQ(b[3], 0x5a);
	memset(b, 0x5a, sizeof(b));
	be32_put(b + 1, 0xa1b2c3d4u);
	EXPECT(b[0] == 0x5a && b[1] == 0xa1 && b[2] == 0xb2 && b[3] == 0xc3 && b[4] == 0xd4 &&
	       b[5] == 0x5a);
	memset(b, 0x5a, sizeof(b));
	be64_put(b + 1, 0x0102030405060708ULL);
	for (int i = 0; i < 8; i++)
		EXPECT_EQ(b[1 + i], i + 1);
	EXPECT_EQ(b[0], 0x5a);
	EXPECT_EQ(b[9], 0x5a);

	memset(b, 0x5a, sizeof(b));
	le16_put(b + 1, 0xa1b2);
	EXPECT(b[0] == 0x5a && b[1] == 0xb2 && b[2] == 0xa1 && b[3] == 0x5a);
	memset(b, 0x5a, sizeof(b));
	le32_put(b + 1, 0xa1b2c3d4u);
	EXPECT(b[0] == 0x5a && b[1] == 0xd4 && b[2] == 0xc3 && b[3] == 0xb2 && b[4] == 0xa1 &&
	       b[5] == 0x5a);
	memset(b, 0x5a, sizeof(b));
	le64_put(b + 1, 0x0102030405060708ULL);
	for (int i = 0; i < 8; i++)
		EXPECT_EQ(b[1 + i], 8 - i);
	EXPECT_EQ(b[0], 0x5a);
	EXPECT_EQ(b[9], 0x5a);
}

TEST(be_n_get_put_all_widths)
{
	static const uint8_t seq[8] = { 0x81, 0x92, 0xa3, 0xb4, 0xc5, 0xd6, 0xe7, 0xf8 };
	static const uint64_t want[9] = {
		0,
		0x81ULL,
		0x8192ULL,
		0x8192a3ULL,
		0x8192a3b4ULL,
		0x8192a3b4c5ULL,
		0x8192a3b4c5d6ULL,
		0x8192a3b4c5d6e7ULL,
		0x8192a3b4c5d6e7f8ULL,
	};

	for (unsigned n = 1; n <= 8; n++) {
		uint8_t b[10];

		/* bytes in address order, right-justified (§1.4) */
		EXPECT_EQ(be_n_get(seq, n), want[n]);

		/* put writes exactly n bytes: the low n bytes of v, MSB first */
		memset(b, 0x33, sizeof(b));
		be_n_put(b + 1, n, 0x1122334455667788ULL);
		EXPECT_EQ(b[0], 0x33);
		for (unsigned i = 0; i < n; i++)
			EXPECT_EQ(b[1 + i], (0x1122334455667788ULL >> (8 * (n - 1 - i))) & 0xff);
		EXPECT_EQ(b[1 + n], 0x33);

		/* round trip of the low n bytes */
		memset(b, 0, sizeof(b));
		be_n_put(b, n, want[n]);
		EXPECT(memcmp(b, seq, n) == 0);
		EXPECT_EQ(be_n_get(b, n), want[n]);
	}
	/* agrees with the fixed-width helpers */
	EXPECT_EQ(be_n_get(seq, 2), be16_get(seq));
	EXPECT_EQ(be_n_get(seq, 4), be32_get(seq));
	EXPECT_EQ(be_n_get(seq, 8), be64_get(seq));
	/* a PCI vendor ID 0x1af4 as stored little-endian in config space reads
	 * as 0xf41a with n = 2 (§1.4) */
	{
		static const uint8_t cfg[2] = { 0xf4, 0x1a };

		EXPECT_EQ(be_n_get(cfg, 2), 0xf41a);
	}
}

TEST(bitvec_mask_msb_first)
{
	uint8_t vec[8];

	EXPECT_EQ(bitvec_mask(0), 0x80);
	EXPECT_EQ(bitvec_mask(1), 0x40);
	EXPECT_EQ(bitvec_mask(7), 0x01);
	EXPECT_EQ(bitvec_mask(8), 0x80);
	EXPECT_EQ(bitvec_mask(13), 0x04);
	EXPECT_EQ(bitvec_mask(63), 0x01);
	EXPECT_EQ(bitvec_mask(0xffffffffffffffffULL), 0x01);
	EXPECT_EQ(bitvec_mask(0x100000002ULL), 0x20);
	/* setting bit n in byte n/8 gives the MSB-0 bit n of the vector read
	 * as a big-endian integer */
	for (unsigned n = 0; n < 64; n++) {
		memset(vec, 0, sizeof(vec));
		vec[n / 8] |= bitvec_mask(n);
		EXPECT_EQ(be64_get(vec), 1ULL << (63 - n));
	}
}

/* ------------------------------------------------------------------------ */
/* codes and PCI constants against the reference / PCI spec                 */

TEST(codes_and_pci_constants)
{
	/* §6.6 error PECs */
	EXPECT_EQ(ZPCI_PEC_INVAL_AS, 0x01);
	EXPECT_EQ(ZPCI_PEC_OUT_OF_RANGE, 0x02);
	EXPECT_EQ(ZPCI_PEC_INVAL_TF, 0x03);
	EXPECT_EQ(ZPCI_PEC_TRANS_PROT, 0x04);
	EXPECT_EQ(ZPCI_PEC_ACCESS_PROT, 0x05);
	EXPECT_EQ(ZPCI_PEC_KEY, 0x06);
	EXPECT_EQ(ZPCI_PEC_INVAL_MSI, 0x0a);
	EXPECT_EQ(ZPCI_PEC_SERR, 0x0b);
	EXPECT_EQ(ZPCI_PEC_NO_MSI, 0x10);
	EXPECT_EQ(ZPCI_PEC_INVAL_BV, 0x11);
	EXPECT_EQ(ZPCI_PEC_AIBV, 0x12);
	EXPECT_EQ(ZPCI_PEC_AIRERR, 0x13);
	EXPECT_EQ(ZPCI_PEC_FMBA, 0x2a);
	EXPECT_EQ(ZPCI_PEC_FMBUP, 0x2b);
	EXPECT_EQ(ZPCI_PEC_FMBPRO, 0x2c);
	EXPECT_EQ(ZPCI_PEC_CFG_ERR, 0x30);
	EXPECT_EQ(ZPCI_PEC_SERVICE_ACTION, 0x3a);
	EXPECT_EQ(ZPCI_PEC_PERM_ERROR, 0x3b);
	/* §6.5 availability PECs */
	EXPECT_EQ(ZPCI_PEC_AVAIL_CONFIGURED, 0x0301);
	EXPECT_EQ(ZPCI_PEC_AVAIL_STANDBY, 0x0302);
	EXPECT_EQ(ZPCI_PEC_AVAIL_DECONF_REQ, 0x0303);
	EXPECT_EQ(ZPCI_PEC_AVAIL_DECONFIGURED, 0x0304);
	EXPECT_EQ(ZPCI_PEC_AVAIL_RESERVED, 0x0308);
	/* §1.3 status codes */
	EXPECT_EQ(ZPCI_ST_NOT_ENABLED, 4);
	EXPECT_EQ(ZPCI_ST_ERROR, 8);
	EXPECT_EQ(ZPCI_ST_BLOCKED, 12);
	EXPECT_EQ(ZPCI_ST_INSUF_RES, 16);
	EXPECT_EQ(ZPCI_ST_INVAL_AS, 20);
	EXPECT_EQ(ZPCI_ST_DMA_AS_NOT_ENABLED, 28);
	EXPECT_EQ(ZPCI_MOD_ST_SEQUENCE, 24);
	EXPECT_EQ(ZPCI_MOD_ST_DMAAS_INVAL, 28);
	/* §3.1 function-controls byte */
	EXPECT_EQ(ZPCI_FIB_FC_ENABLED, 0x80);
	EXPECT_EQ(ZPCI_FIB_FC_ERROR, 0x40);
	EXPECT_EQ(ZPCI_FIB_FC_LS_BLOCKED, 0x20);
	EXPECT_EQ(ZPCI_FIB_FC_DMAAS_REG, 0x10);
	EXPECT_EQ(ZPCI_FIB_SIZE, 80);
	EXPECT_EQ(ZPCI_CCDF_SIZE, 32);
	/* PCI Local Bus 3.0 type-0 header and the MSI-X capability */
	EXPECT_EQ(PCI_VENDOR_ID, 0x00);
	EXPECT_EQ(PCI_DEVICE_ID, 0x02);
	EXPECT_EQ(PCI_COMMAND, 0x04);
	EXPECT_EQ(PCI_COMMAND_MEMORY, 0x2);
	EXPECT_EQ(PCI_COMMAND_MASTER, 0x4);
	EXPECT_EQ(PCI_STATUS, 0x06);
	EXPECT_EQ(PCI_STATUS_CAP_LIST, 0x10);
	EXPECT_EQ(PCI_REVISION_ID, 0x08);
	EXPECT_EQ(PCI_CLASS_PROG, 0x09);
	EXPECT_EQ(PCI_HEADER_TYPE, 0x0e);
	EXPECT_EQ(PCI_BAR0, 0x10);
	EXPECT_EQ(PCI_SUBSYS_VENDOR, 0x2c);
	EXPECT_EQ(PCI_SUBSYS_ID, 0x2e);
	EXPECT_EQ(PCI_CAP_PTR, 0x34);
	EXPECT_EQ(PCI_CAP_ID_MSIX, 0x11);
	EXPECT_EQ(PCI_MSIX_FLAGS, 2);
	EXPECT_EQ(PCI_MSIX_FLAGS_QSIZE, 0x7ff);
	EXPECT_EQ(PCI_MSIX_FLAGS_MASKALL, 0x4000);
	EXPECT_EQ(PCI_MSIX_FLAGS_ENABLE, 0x8000);
	EXPECT_EQ(PCI_MSIX_TABLE, 4);
	EXPECT_EQ(PCI_MSIX_PBA, 8);
	EXPECT_EQ(PCI_MSIX_ENTRY_SIZE, 16);
	EXPECT_EQ(PCI_MSIX_ENTRY_DATA, 8);
	EXPECT_EQ(PCI_MSIX_ENTRY_CTRL, 12);
	EXPECT_EQ(PCI_CFG_SPACE_SIZE, 256);
	EXPECT_EQ(PCI_CFG_SPACE_EXP_SIZE, 4096);
}

/* ------------------------------------------------------------------------ */
/* 7. u64map                                                                */

TEST(u64map_basic)
{
	struct u64map m;
	uint64_t v;

	u64map_init(&m);
	EXPECT_EQ(m.len, 0);
	EXPECT(!u64map_get(&m, 0, &v));
	EXPECT(!u64map_get(&m, 42, NULL));
	EXPECT(!u64map_del(&m, 42, &v));

	EXPECT_EQ(u64map_put(&m, 42, 4200), 0);
	EXPECT_EQ(u64map_put(&m, 0, 7), 0);	/* key 0 is an ordinary key */
	EXPECT_EQ(u64map_put(&m, UINT64_MAX, 9), 0);
	EXPECT_EQ(m.len, 3);
	v = 0;
	EXPECT(u64map_get(&m, 42, &v));
	EXPECT_EQ(v, 4200);
	EXPECT(u64map_get(&m, 0, &v));
	EXPECT_EQ(v, 7);
	EXPECT(u64map_get(&m, UINT64_MAX, &v));
	EXPECT_EQ(v, 9);
	EXPECT(u64map_get(&m, 42, NULL));
	EXPECT(!u64map_get(&m, 43, &v));

	/* replace keeps len */
	EXPECT_EQ(u64map_put(&m, 42, 1), 0);
	EXPECT_EQ(m.len, 3);
	EXPECT(u64map_get(&m, 42, &v));
	EXPECT_EQ(v, 1);

	/* delete returns the value */
	v = 0;
	EXPECT(u64map_del(&m, 42, &v));
	EXPECT_EQ(v, 1);
	EXPECT_EQ(m.len, 2);
	EXPECT(!u64map_get(&m, 42, &v));
	EXPECT(!u64map_del(&m, 42, &v));
	EXPECT(u64map_del(&m, 0, NULL));
	EXPECT_EQ(m.len, 1);
	EXPECT(u64map_get(&m, UINT64_MAX, &v));
	EXPECT_EQ(v, 9);

	u64map_free(&m);
	EXPECT_EQ(m.len, 0);
	EXPECT_EQ(m.cap, 0);
	EXPECT(!u64map_get(&m, UINT64_MAX, &v));
	/* usable again after free */
	EXPECT_EQ(u64map_put(&m, 5, 50), 0);
	EXPECT(u64map_get(&m, 5, &v));
	EXPECT_EQ(v, 50);
	u64map_free(&m);
}

TEST(u64map_grow_and_iterate)
{
	struct u64map m;
	enum { N = 5000 };
	static uint8_t seen[N];
	size_t count = 0;
	uint64_t k, v;

	u64map_init(&m);
	for (uint64_t i = 0; i < N; i++)
		EXPECT_EQ(u64map_put(&m, i * 4096, i ^ 0xabcdef), 0);
	EXPECT_EQ(m.len, N);
	EXPECT(m.cap >= N);
	EXPECT_EQ(m.cap & (m.cap - 1), 0);	/* power of two */
	for (uint64_t i = 0; i < N; i++) {
		EXPECT(u64map_get(&m, i * 4096, &v));
		EXPECT_EQ(v, i ^ 0xabcdef);
	}
	EXPECT(!u64map_get(&m, 4096 * N, &v));
	EXPECT(!u64map_get(&m, 1, &v));

	memset(seen, 0, sizeof(seen));
	for (size_t it = 0; u64map_next(&m, &it, &k, &v);) {
		EXPECT_EQ(k % 4096, 0);
		EXPECT(k / 4096 < N);
		if (k / 4096 < N) {
			EXPECT_EQ(seen[k / 4096], 0);
			seen[k / 4096]++;
			EXPECT_EQ(v, (k / 4096) ^ 0xabcdef);
		}
		count++;
	}
	EXPECT_EQ(count, N);
	for (size_t i = 0; i < N; i++)
		EXPECT_EQ(seen[i], 1);
	/* iteration with a NULL value pointer */
	count = 0;
	for (size_t it = 0; u64map_next(&m, &it, &k, NULL);)
		count++;
	EXPECT_EQ(count, N);

	/* delete the odd ones; iteration sees exactly the even ones */
	for (uint64_t i = 1; i < N; i += 2)
		EXPECT(u64map_del(&m, i * 4096, NULL));
	EXPECT_EQ(m.len, N / 2);
	memset(seen, 0, sizeof(seen));
	count = 0;
	for (size_t it = 0; u64map_next(&m, &it, &k, &v);) {
		EXPECT_EQ((k / 4096) % 2, 0);
		if (k / 4096 < N)
			seen[k / 4096]++;
		count++;
	}
	EXPECT_EQ(count, N / 2);
	for (size_t i = 0; i < N; i += 2)
		EXPECT_EQ(seen[i], 1);
	u64map_free(&m);
}

TEST(u64map_clear_then_reuse)
{
	struct u64map m;
	uint64_t k, v;
	size_t it = 0;

	u64map_init(&m);
	u64map_clear(&m);	/* on an empty map */
	EXPECT_EQ(m.len, 0);
	for (uint64_t i = 0; i < 300; i++)
		EXPECT_EQ(u64map_put(&m, i, i + 1), 0);
	u64map_clear(&m);
	EXPECT_EQ(m.len, 0);
	for (uint64_t i = 0; i < 300; i++)
		EXPECT(!u64map_get(&m, i, &v));
	EXPECT(!u64map_next(&m, &it, &k, &v));
	EXPECT(!u64map_del(&m, 5, &v));
	for (uint64_t i = 100; i < 200; i++)
		EXPECT_EQ(u64map_put(&m, i, i * 3), 0);
	EXPECT_EQ(m.len, 100);
	for (uint64_t i = 0; i < 300; i++) {
		bool in = i >= 100 && i < 200;

		EXPECT_EQ(u64map_get(&m, i, &v), in);
		if (in)
			EXPECT_EQ(v, i * 3);
	}
	u64map_free(&m);
}

/* Keys of the form k << 47 all hash to the same home slot with the
 * multiplicative hash; they make long probe runs that wrap around. These
 * tests do not rely on that — they only check behaviour — but it makes
 * the backward-shift deletion work hard. */
static uint64_t key_of(unsigned idx)
{
	if (idx & 1)
		return (uint64_t)((idx >> 1) + 1) << 47;
	return idx >> 1;
}

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static void u64map_check_all(const struct u64map *m, const bool *present, const uint64_t *val,
			     unsigned nkeys, size_t live)
{
	size_t count = 0;
	uint64_t k, v;
	static uint8_t seen[1024];

	EXPECT_EQ(m->len, live);
	for (unsigned i = 0; i < nkeys; i++) {
		bool got = u64map_get(m, key_of(i), &v);

		EXPECT_EQ(got, present[i]);
		if (got && present[i])
			EXPECT_EQ(v, val[i]);
	}
	memset(seen, 0, sizeof(seen));
	for (size_t it = 0; u64map_next(m, &it, &k, &v);) {
		unsigned idx = (k >> 47) ? (unsigned)(((k >> 47) - 1) << 1 | 1) : (unsigned)(k << 1);

		count++;
		EXPECT(idx < nkeys);
		if (idx < nkeys && key_of(idx) == k) {
			EXPECT(present[idx]);
			EXPECT_EQ(v, val[idx]);
			EXPECT_EQ(seen[idx], 0);
			seen[idx] = 1;
		} else {
			th_fail(__FILE__, __LINE__, "iteration returned unknown key %#" PRIx64, k);
		}
	}
	EXPECT_EQ(count, live);
}

TEST(u64map_randomized_against_reference)
{
	enum { NKEYS = 1024, OPS = 200000 };
	static bool present[NKEYS];
	static uint64_t val[NKEYS];
	struct u64map m;
	uint64_t s = 0x9e3779b97f4a7c15ULL, v;
	size_t live = 0;
	unsigned long bad = 0;

	/* key_of() must be injective on [0, NKEYS) */
	for (unsigned i = 0; i < NKEYS; i++)
		for (unsigned j = i + 1; j < NKEYS; j++)
			if (key_of(i) == key_of(j))
				bad++;
	EXPECT_EQ(bad, 0);

	memset(present, 0, sizeof(present));
	u64map_init(&m);
	for (unsigned op = 0; op < OPS; op++) {
		uint64_t r = xorshift64(&s);
		/* phases bias toward insert or delete so the size sweeps up and
		 * down through several capacities */
		unsigned phase = (op / 20000) % 2;
		unsigned range = (op / 40000) % 2 ? NKEYS : 96;
		unsigned idx = (unsigned)((r >> 8) % range);
		unsigned kind = (unsigned)(r & 0xff) % 10;
		uint64_t k = key_of(idx);

		if (kind < (phase ? 3u : 6u)) {
			uint64_t nv = xorshift64(&s);

			EXPECT_EQ(u64map_put(&m, k, nv), 0);
			if (!present[idx])
				live++;
			present[idx] = true;
			val[idx] = nv;
		} else if (kind < 9) {
			bool got = u64map_del(&m, k, &v);

			EXPECT_EQ(got, present[idx]);
			if (got && present[idx]) {
				EXPECT_EQ(v, val[idx]);
				live--;
			}
			present[idx] = false;
		} else {
			bool got = u64map_get(&m, k, &v);

			EXPECT_EQ(got, present[idx]);
			if (got && present[idx])
				EXPECT_EQ(v, val[idx]);
		}
		if (m.len != live) {
			EXPECT_EQ(m.len, live);
			break;
		}
		if (op % 5000 == 4999)
			u64map_check_all(&m, present, val, NKEYS, live);
		if (op == OPS / 2) {
			u64map_clear(&m);
			memset(present, 0, sizeof(present));
			live = 0;
			u64map_check_all(&m, present, val, NKEYS, live);
		}
	}
	u64map_check_all(&m, present, val, NKEYS, live);
	/* delete everything that remains, in index order */
	for (unsigned i = 0; i < NKEYS; i++) {
		EXPECT_EQ(u64map_del(&m, key_of(i), NULL), present[i]);
		present[i] = false;
	}
	EXPECT_EQ(m.len, 0);
	u64map_check_all(&m, present, val, NKEYS, 0);
	u64map_free(&m);
}

/* Deterministic collision test: every key has the same home slot, so a
 * single probe run; delete from the middle and the front. */
TEST(u64map_same_home_run)
{
	struct u64map m;
	uint64_t v;

	u64map_init(&m);
	for (uint64_t i = 1; i <= 40; i++)
		EXPECT_EQ(u64map_put(&m, i << 47, i), 0);
	EXPECT_EQ(m.len, 40);
	EXPECT(u64map_del(&m, 20ULL << 47, &v));
	EXPECT_EQ(v, 20);
	EXPECT(u64map_del(&m, 1ULL << 47, &v));
	EXPECT_EQ(v, 1);
	for (uint64_t i = 1; i <= 40; i++) {
		bool want = i != 20 && i != 1;

		EXPECT_EQ(u64map_get(&m, i << 47, &v), want);
		if (want)
			EXPECT_EQ(v, i);
	}
	/* small dense keys interleaved with the run */
	for (uint64_t i = 0; i < 40; i++)
		EXPECT_EQ(u64map_put(&m, i, 1000 + i), 0);
	for (uint64_t i = 2; i <= 39; i++)
		EXPECT_EQ(u64map_del(&m, i << 47, NULL), i != 20);
	for (uint64_t i = 0; i < 40; i++) {
		EXPECT(u64map_get(&m, i, &v));
		EXPECT_EQ(v, 1000 + i);
	}
	EXPECT(u64map_get(&m, 40ULL << 47, &v));
	EXPECT_EQ(v, 40);
	EXPECT_EQ(m.len, 41);
	u64map_free(&m);
}
