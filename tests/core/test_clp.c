/* SPDX-License-Identifier: MIT */
/*
 * CLP (Call Logical Processor): program exceptions, condition codes and
 * every response code of LIST PCI, QUERY PCI FN, QUERY PCI FNGRP and SET
 * PCI FN. Expected values are taken from the architecture reference
 * (/work/shared/reference/zpci-architecture.md §1.5, §2, §6, §11), so the
 * block offsets and codes are spelled out here rather than taken from the
 * library's headers.
 */
#include <stdlib.h>
#include <string.h>

#include "fakes.h"
#include "harness.h"

/* ---- constants from the reference ---- */

/* program-interruption codes */
#define PGM_OPERATION  0x0001
#define PGM_PRIVILEGED 0x0002
#define PGM_ADDRESSING 0x0005
#define PGM_PAGE_TRANS 0x0011
#define PGM_PROTECTION 0x0004
#define PGM_OPERAND    0x0015

/* commands (§2.2) */
#define CMD_SLPC      0x0001
#define CMD_LIST      0x0002
#define CMD_QUERY_FN  0x0003
#define CMD_QUERY_GRP 0x0004
#define CMD_SET_FN    0x0005

/* response codes (§2.2) */
#define RC_OK        0x0010
#define RC_CMD       0x0020
#define RC_FMT       0x0040
#define RC_LEN       0x0050
#define RC_8K        0x0060
#define RC_RESNOT0   0x0070
#define RC_FH        0x0101
#define RC_FHOP      0x0102
#define RC_DMAAS     0x0103
#define RC_RES       0x0104
#define RC_ALRDY     0x0105
#define RC_BADRT     0x010a
#define RC_PFGID     0x010b

/* where the blocks live: request at RQ, response after a 32-byte request */
#define RQ FX_LPCB
#define RS (FX_LPCB + 32)
#define SNAP_LEN 0x4000		/* the LPCB area compared across exceptions */

#define FH_ENABLE 0x80000000u
#define OLD_RS 4064		/* Linux: 4 KiB LPCB minus the 32-byte request */

/* ---- helpers ---- */

static uint8_t snap_mem[SNAP_LEN];

static void chk(int line, const char *what, uint64_t got, uint64_t want)
{
	if (got != want)
		th_fail(__FILE__, line, "%s: got %#" PRIx64 ", want %#" PRIx64, what, got, want);
}

static void lpcb_clear(struct fx *x)
{
	memset(x->ram + FX_LPCB, 0, SNAP_LEN);
}

static void set_psw_cc(struct fx *x, int cc)
{
	x->cpu.psw_mask = (x->cpu.psw_mask & ~ZV_PSW_MASK_CC) | (uint64_t)(cc & 3) << ZV_PSW_CC_SHIFT;
}

/* Request header length/command at RQ, response header length at RQ+rq_len. */
static void hdrs(struct fx *x, uint16_t rq_len, uint16_t cmd, uint16_t rs_len)
{
	fx_w16(x, RQ, rq_len);
	fx_w16(x, RQ + 2, cmd);
	fx_w16(x, RQ + rq_len, rs_len);
}

/* CLP with R2 = r2 pointing at RQ, the cc preset to `pre` so that the cc the
 * handler sets is visible; returns zv_intercept's result. */
static int run_clp(struct fx *x, unsigned r2, int pre)
{
	x->cpu.gpr[r2] = RQ;
	set_psw_cc(x, pre);
	return fx_clp_insn(x, r2);
}

/* A completed CLP of a request of rq_len bytes: checks rc 0 and the
 * condition code; returns the response code. */
static uint16_t clp_len(struct fx *x, uint16_t rq_len, uint16_t cmd, uint16_t rs_len, int want_cc,
			int line)
{
	hdrs(x, rq_len, cmd, rs_len);
	chk(line, "zv_intercept", (uint64_t)(int64_t)run_clp(x, 2, (want_cc + 2) & 3), 0);
	chk(line, "condition code", (uint64_t)fx_cc(x), (uint64_t)want_cc);
	return fx_r16(x, RQ + rq_len + 2);
}

#define EXPECT_RC(x, cmd, rs_len, want) \
	chk(__LINE__, "response code", clp_len((x), 32, (cmd), (rs_len), 0, __LINE__), (want))
#define EXPECT_RC_LEN(x, rq_len, cmd, rs_len, want) \
	chk(__LINE__, "response code", clp_len((x), (rq_len), (cmd), (rs_len), 0, __LINE__), (want))

/* A program exception: the code, the cpu and guest storage unchanged. */
static void expect_pgm(struct fx *x, unsigned r2, int code, int line)
{
	struct zv_cpu before;
	int rc;

	x->cpu.gpr[r2] = RQ;
	set_psw_cc(x, 2);
	for (unsigned i = 0; i < 16; i++)
		if (i != r2)
			x->cpu.gpr[i] = 0x1111111111111111ULL * i;
	x->cpu.psw_addr = 0x4000;
	before = x->cpu;
	memcpy(snap_mem, x->ram + FX_LPCB, SNAP_LEN);
	rc = fx_clp_insn(x, r2);
	chk(line, "program-interruption code", (uint64_t)(int64_t)rc, (uint64_t)code);
	for (unsigned i = 0; i < 16; i++)
		chk(line, "gpr unchanged", x->cpu.gpr[i], before.gpr[i]);
	chk(line, "psw mask unchanged", x->cpu.psw_mask, before.psw_mask);
	chk(line, "psw addr unchanged", x->cpu.psw_addr, before.psw_addr);
	if (memcmp(snap_mem, x->ram + FX_LPCB, SNAP_LEN))
		th_fail(__FILE__, line, "guest storage modified by a suppressed CLP");
}

#define EXPECT_PGM(x, code) expect_pgm((x), 2, (code), __LINE__)

/* A valid 32-byte LIST PCI request with response length rs_len. */
static void build_list(struct fx *x, uint16_t rs_len, uint64_t token)
{
	lpcb_clear(x);
	hdrs(x, 32, CMD_LIST, rs_len);
	fx_w64(x, RQ + 0x10, token);
}

static uint16_t do_list(struct fx *x, uint64_t token, uint16_t rs_len, int line)
{
	build_list(x, rs_len, token);
	return clp_len(x, 32, CMD_LIST, rs_len, 0, line);
}

static uint16_t do_query_fn(struct fx *x, uint32_t fh, int line)
{
	lpcb_clear(x);
	fx_w32(x, RQ + 0x10, fh);
	return clp_len(x, 32, CMD_QUERY_FN, OLD_RS, 0, line);
}

static uint16_t do_query_grp(struct fx *x, uint32_t word, int line)
{
	lpcb_clear(x);
	fx_w32(x, RQ + 0x10, word);
	return clp_len(x, 32, CMD_QUERY_GRP, OLD_RS, 0, line);
}

static uint16_t do_set_fn(struct fx *x, uint32_t fh, uint8_t oc, uint8_t ndas, uint32_t *new_fh,
			  int line)
{
	uint16_t rc;

	lpcb_clear(x);
	fx_w32(x, RQ + 0x10, fh);
	fx_w8(x, RQ + 0x16, oc);
	fx_w8(x, RQ + 0x17, ndas);
	rc = clp_len(x, 32, CMD_SET_FN, OLD_RS, 0, line);
	if (new_fh)
		*new_fh = fx_r32(x, RS + 0x10);
	return rc;
}

#define LIST(x, token, rs_len) do_list((x), (token), (rs_len), __LINE__)
#define QUERY_FN(x, fh) do_query_fn((x), (fh), __LINE__)
#define QUERY_GRP(x, w) do_query_grp((x), (w), __LINE__)
#define SET_FN(x, fh, oc, ndas, nfh) do_set_fn((x), (fh), (oc), (ndas), (nfh), __LINE__)

/* Enable / disable through SET PCI FN, expecting success. */
static uint32_t enable_fh(struct fx *x, uint32_t fh, int line)
{
	uint32_t n = 0;

	chk(line, "enable", do_set_fn(x, fh, 0, 1, &n, line), RC_OK);
	return n;
}

static uint32_t disable_fh(struct fx *x, uint32_t fh, int line)
{
	uint32_t n = 0;

	chk(line, "disable", do_set_fn(x, fh, 1, 0, &n, line), RC_OK);
	return n;
}

#define ENABLE(x, fh) enable_fh((x), (fh), __LINE__)
#define DISABLE(x, fh) disable_fh((x), (fh), __LINE__)

/* ======================================================================
 * Program exceptions (§1.5 steps 1-4, §1.6)
 * ====================================================================== */

TEST(clp_privileged_operation_in_problem_state)
{
	struct fx x;

	fx_init(&x, 2, 0);
	build_list(&x, OLD_RS, 0);
	x.cpu.psw_mask |= ZV_PSW_MASK_PSTATE;
	EXPECT_PGM(&x, PGM_PRIVILEGED);
	/* checked before anything else: also before the access and length checks */
	x.translate_fault = PGM_PAGE_TRANS;
	x.translate_fault_at = RQ;
	EXPECT_PGM(&x, PGM_PRIVILEGED);
	x.translate_fault = 0;
	fx_w16(&x, RQ, 12);
	EXPECT_PGM(&x, PGM_PRIVILEGED);
	/* nothing changed state: back in supervisor state the list still works */
	x.cpu.psw_mask &= ~ZV_PSW_MASK_PSTATE;
	EXPECT_EQ(LIST(&x, 0, OLD_RS), RC_OK);
	fx_fini(&x);
}

TEST(clp_operation_exception_without_zpci_facility)
{
	struct fx x;

	/* facility 69 missing (§1.1): an operation exception, also in
	 * problem state (the facility is checked before the privilege) */
	fx_init(&x, 1, ZV_FAC_AEN | ZV_FAC_AIS);
	build_list(&x, OLD_RS, 0);
	EXPECT_PGM(&x, PGM_OPERATION);
	x.cpu.psw_mask |= ZV_PSW_MASK_PSTATE;
	EXPECT_PGM(&x, PGM_OPERATION);
	fx_fini(&x);
}

TEST(clp_operand_exception_request_length_below_16)
{
	struct fx x;
	static const uint16_t bad[] = { 0, 8 };

	fx_init(&x, 1, 0);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* a good response header wherever L1 would put it */
		build_list(&x, OLD_RS, 0);
		fx_w16(&x, RQ + 8, OLD_RS - 24);
		fx_w16(&x, RQ + 16, OLD_RS - 16);
		fx_w16(&x, RQ, bad[i]);
		EXPECT_PGM(&x, PGM_OPERAND);
	}
	fx_fini(&x);
}

TEST(clp_operand_exception_request_length_above_8184)
{
	struct fx x;
	static const uint16_t bad[] = { 8192, 8200, 0xfff8 };

	fx_init(&x, 1, 0);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		lpcb_clear(&x);
		fx_w16(&x, RQ, bad[i]);
		fx_w16(&x, RQ + 2, CMD_LIST);
		EXPECT_PGM(&x, PGM_OPERAND);
	}
	fx_fini(&x);
}

TEST(clp_operand_exception_request_length_not_multiple_of_8)
{
	struct fx x;
	static const uint16_t bad[] = { 17, 20, 33, 36, 4092 };

	fx_init(&x, 1, 0);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		lpcb_clear(&x);
		hdrs(&x, bad[i], CMD_LIST, OLD_RS - 8);
		EXPECT_PGM(&x, PGM_OPERAND);
	}
	fx_fini(&x);
}

TEST(clp_operand_exception_response_length_below_8)
{
	struct fx x;
	static const uint16_t bad[] = { 0 };

	fx_init(&x, 1, 0);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		build_list(&x, bad[i], 0);
		EXPECT_PGM(&x, PGM_OPERAND);
	}
	fx_fini(&x);
}

TEST(clp_operand_exception_response_length_above_8176)
{
	struct fx x;

	fx_init(&x, 1, 0);
	/* the smallest request (16) with 8184 would still exceed 8192 in
	 * total; both rules apply, either way an operand exception */
	lpcb_clear(&x);
	hdrs(&x, 16, CMD_LIST, 8184);
	EXPECT_PGM(&x, PGM_OPERAND);
	build_list(&x, 0xfff8, 0);
	EXPECT_PGM(&x, PGM_OPERAND);
	fx_fini(&x);
}

TEST(clp_operand_exception_response_length_not_multiple_of_8)
{
	struct fx x;
	static const uint16_t bad[] = { 4, 12, 49, 4092, 4068 };

	fx_init(&x, 1, 0);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		build_list(&x, bad[i], 0);
		EXPECT_PGM(&x, PGM_OPERAND);
	}
	fx_fini(&x);
}

TEST(clp_operand_exception_total_length_above_8192)
{
	struct fx x;

	fx_init(&x, 1, 0);
	build_list(&x, 8168, 0);	/* 32 + 8168 = 8200 */
	EXPECT_PGM(&x, PGM_OPERAND);
	lpcb_clear(&x);
	hdrs(&x, 4096, CMD_LIST, 4104);	/* both within limits, sum 8200 */
	EXPECT_PGM(&x, PGM_OPERAND);
	lpcb_clear(&x);
	hdrs(&x, 8184, CMD_LIST, 16);	/* 8200 */
	EXPECT_PGM(&x, PGM_OPERAND);
	fx_fini(&x);
}

TEST(clp_length_limits_inclusive)
{
	struct fx x;

	fx_init(&x, 2, 0);
	/* L1 = 32, L2 = 8160: exactly 8 KiB, a valid LIST */
	build_list(&x, 8160, 0);
	EXPECT_EQ(clp_len(&x, 32, CMD_LIST, 8160, 0, __LINE__), RC_OK);
	EXPECT_EQ(fx_r16(&x, RS), 32 + 2 * 16);
	/* L1 = 8184 (max), L2 = 8 (min): no exception, but not 32 -> 0x0050 */
	lpcb_clear(&x);
	EXPECT_RC_LEN(&x, 8184, CMD_LIST, 8, RC_LEN);
	/* L1 = 16 (min), L2 = 8176 (max) */
	lpcb_clear(&x);
	EXPECT_RC_LEN(&x, 16, CMD_LIST, 8176, RC_LEN);
	fx_fini(&x);
}

TEST(clp_request_length_checked_before_response_header_is_read)
{
	struct fx x;

	fx_init(&x, 1, 0);
	lpcb_clear(&x);
	hdrs(&x, 36, CMD_LIST, OLD_RS);
	/* the response header (at +36) would fault; the bad L1 comes first */
	x.translate_fault = PGM_PAGE_TRANS;
	x.translate_fault_at = RQ + 16;
	EXPECT_PGM(&x, PGM_OPERAND);
	fx_fini(&x);
}

/* ---- access exceptions: the hypervisor's code, nothing stored ---- */

TEST(clp_access_exception_on_request_header)
{
	struct fx x;

	fx_init(&x, 1, 0);
	build_list(&x, OLD_RS, 0);
	x.translate_fault = PGM_PAGE_TRANS;
	x.translate_fault_at = RQ;
	EXPECT_PGM(&x, PGM_PAGE_TRANS);
	x.translate_fault = PGM_PROTECTION;
	EXPECT_PGM(&x, PGM_PROTECTION);
	fx_fini(&x);
}

TEST(clp_access_exception_on_response_header)
{
	struct fx x;

	fx_init(&x, 1, 0);
	build_list(&x, OLD_RS, 0);
	x.translate_fault = PGM_PAGE_TRANS;
	x.translate_fault_at = RS;
	EXPECT_PGM(&x, PGM_PAGE_TRANS);
	/* the response header read decides: even a bad L2 is not seen */
	fx_w16(&x, RS, 4);
	EXPECT_PGM(&x, PGM_PAGE_TRANS);
	fx_fini(&x);
}

TEST(clp_access_exception_in_block_tail_stores_nothing)
{
	struct fx x;

	fx_init(&x, 4, 0);
	/* 32 + 8160 bytes span two pages; the second one faults */
	build_list(&x, 8160, 0);
	fx_w64(&x, RS + 0x10, 0xa5a5a5a5a5a5a5a5ULL);	/* would be the token */
	x.translate_fault = PGM_PAGE_TRANS;
	x.translate_fault_at = RQ + 0x1000;
	EXPECT_PGM(&x, PGM_PAGE_TRANS);
	EXPECT_EQ(fx_r16(&x, RS + 2), 0);
	EXPECT_EQ(fx_r64(&x, RS + 0x10), 0xa5a5a5a5a5a5a5a5ULL);
	/* a SET PCI FN suppressed this way must not change the function */
	{
		uint32_t fh = zv_function_fh(x.fn[1]);
		unsigned resets = x.dev[1]->resets;

		lpcb_clear(&x);
		hdrs(&x, 32, CMD_SET_FN, 8160);
		fx_w32(&x, RQ + 0x10, fh);
		fx_w8(&x, RQ + 0x17, 1);
		EXPECT_PGM(&x, PGM_PAGE_TRANS);
		EXPECT_EQ(zv_function_fh(x.fn[1]), fh);
		EXPECT_EQ(zv_function_state(x.fn[1]), ZV_FS_DISABLED);
		EXPECT_EQ(x.dev[1]->resets, resets);
	}
	fx_fini(&x);
}

TEST(clp_block_spanning_three_pages)
{
	struct fx x;
	uint64_t at = RQ + 0x800;	/* 8 KiB from here touches three pages */

	fx_init(&x, 3, 0);
	lpcb_clear(&x);
	fx_w16(&x, at, 32);
	fx_w16(&x, at + 2, CMD_LIST);
	fx_w16(&x, at + 32, 8160);
	x.cpu.gpr[6] = at;
	set_psw_cc(&x, 3);
	EXPECT_EQ(fx_clp_insn(&x, 6), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fx_r16(&x, at + 32 + 2), RC_OK);
	EXPECT_EQ(fx_r16(&x, at + 32), 32 + 3 * 16);
	EXPECT_EQ(fx_r32(&x, at + 32 + 0x20 + 0x28), zv_function_fid(x.fn[2]));
	/* the third page faults: nothing is stored */
	fx_w16(&x, at + 32, 8160);
	fx_w16(&x, at + 32 + 2, 0);
	x.translate_fault = PGM_PAGE_TRANS;
	x.translate_fault_at = RQ + 0x2000;
	memcpy(snap_mem, x.ram + FX_LPCB, SNAP_LEN);
	EXPECT_EQ(fx_clp_insn(&x, 6), PGM_PAGE_TRANS);
	EXPECT(memcmp(snap_mem, x.ram + FX_LPCB, SNAP_LEN) == 0);
	fx_fini(&x);
}

TEST(clp_addressing_exception_outside_guest_ram)
{
	struct fx x;
	uint64_t at = FX_RAM_SIZE - 32;

	fx_init(&x, 1, 0);
	/* request in the last 32 bytes of RAM: the response header is not RAM */
	fx_w16(&x, at, 32);
	fx_w16(&x, at + 2, CMD_LIST);
	x.cpu.gpr[2] = at;
	set_psw_cc(&x, 1);
	{
		struct zv_cpu before = x.cpu;

		EXPECT_EQ(fx_clp_insn(&x, 2), PGM_ADDRESSING);
		EXPECT_EQ(x.cpu.psw_mask, before.psw_mask);
	}
	fx_fini(&x);
}

TEST(clp_uses_register_r2_and_amode)
{
	struct fx x;

	fx_init(&x, 2, 0);
	for (unsigned r2 = 0; r2 < 16; r2 += 5) {
		build_list(&x, OLD_RS, 0);
		memset(x.cpu.gpr, 0, sizeof(x.cpu.gpr));
		EXPECT_EQ(run_clp(&x, r2, 3), 0);
		EXPECT_EQ(fx_cc(&x), 0);
		EXPECT_EQ(fx_r16(&x, RS + 2), RC_OK);
		EXPECT_EQ(fx_r16(&x, RS), 32 + 2 * 16);
	}
	/* 31-bit mode: bits 0-32 of R2 are not part of the address */
	build_list(&x, OLD_RS, 0);
	x.cpu.psw_mask &= ~ZV_PSW_MASK_EA;
	x.cpu.gpr[4] = 0xffffffff80000000ULL | RQ;
	set_psw_cc(&x, 3);
	EXPECT_EQ(fx_clp_insn(&x, 4), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fx_r16(&x, RS + 2), RC_OK);
	fx_fini(&x);
}

/* ======================================================================
 * Generic response codes (§1.5 steps 5-7, §2.1, §2.2)
 * ====================================================================== */

TEST(clp_rc_0050_request_length_16_slpc)
{
	struct fx x;

	fx_init(&x, 1, 0);
	lpcb_clear(&x);
	/* the 16-byte "store logical-processor characteristics" request */
	EXPECT_RC_LEN(&x, 16, CMD_SLPC, OLD_RS, RC_LEN);
	/* the response header is at R2 + 16, its length field kept */
	EXPECT_EQ(fx_r16(&x, RQ + 16), OLD_RS);
	/* a 16-byte request of a PCI command too */
	lpcb_clear(&x);
	EXPECT_RC_LEN(&x, 16, CMD_LIST, OLD_RS, RC_LEN);
	fx_fini(&x);
}

TEST(clp_rc_0050_request_length_40)
{
	struct fx x;

	fx_init(&x, 2, 0);
	static const uint16_t cmds[] = { CMD_LIST, CMD_QUERY_FN, CMD_QUERY_GRP, CMD_SET_FN };

	for (unsigned i = 0; i < 4; i++) {
		lpcb_clear(&x);
		fx_w32(&x, RQ + 0x10, zv_function_fh(x.fn[0]));
		fx_w8(&x, RQ + 0x17, 1);
		EXPECT_RC_LEN(&x, 40, cmds[i], OLD_RS - 8, RC_LEN);
		/* the response is at R2 + 40; R2 + 32 (part of the request) is
		 * not a response header */
		EXPECT_EQ(fx_r16(&x, RQ + 32 + 2), 0);
	}
	/* nothing was enabled by the SET PCI FN */
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_DISABLED);
	lpcb_clear(&x);
	EXPECT_RC_LEN(&x, 24, CMD_LIST, OLD_RS, RC_LEN);
	lpcb_clear(&x);
	EXPECT_RC_LEN(&x, 48, CMD_LIST, OLD_RS - 16, RC_LEN);
	fx_fini(&x);
}

TEST(clp_rc_0020_unknown_command)
{
	struct fx x;
	static const uint16_t cmds[] = { 0x0000, 0x0006, 0x0010, 0x0102, 0x8002, 0xffff };

	fx_init(&x, 1, 0);
	for (unsigned i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		lpcb_clear(&x);
		EXPECT_RC(&x, cmds[i], OLD_RS, RC_CMD);
	}
	fx_fini(&x);
}

TEST(clp_rc_0040_format_nibble_not_zero)
{
	struct fx x;
	static const uint16_t cmds[] = { CMD_LIST, CMD_QUERY_FN, CMD_QUERY_GRP, CMD_SET_FN };
	static const uint32_t fmt[] = { 0x10000000, 0x80000000, 0xf0000000 };

	fx_init(&x, 1, 0);
	for (unsigned i = 0; i < 4; i++) {
		for (unsigned j = 0; j < 3; j++) {
			lpcb_clear(&x);
			fx_w32(&x, RQ + 0x10, zv_function_fh(x.fn[0]));
			fx_w8(&x, RQ + 0x17, 1);
			fx_w32(&x, RQ + 4, fmt[j]);
			EXPECT_RC(&x, cmds[i], OLD_RS, RC_FMT);
		}
	}
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_DISABLED);
	/* format before reserved (QEMU's order, §2.3) */
	lpcb_clear(&x);
	fx_w32(&x, RQ + 4, 0x10000001);
	fx_w64(&x, RQ + 8, 1);
	EXPECT_RC(&x, CMD_LIST, OLD_RS, RC_FMT);
	fx_fini(&x);
}

TEST(clp_rc_0070_reserved_header_bits_not_zero)
{
	struct fx x;
	static const uint16_t cmds[] = { CMD_LIST, CMD_QUERY_FN, CMD_QUERY_GRP, CMD_SET_FN };
	static const uint32_t w4[] = { 0x08000000, 0x00000001, 0x00ff0000 };
	static const uint64_t w8[] = { 1, 0x8000000000000000ULL, 0x0000000100000000ULL };

	fx_init(&x, 1, 0);
	for (unsigned i = 0; i < 4; i++) {
		for (unsigned j = 0; j < 3; j++) {
			lpcb_clear(&x);
			fx_w32(&x, RQ + 0x10, zv_function_fh(x.fn[0]));
			fx_w8(&x, RQ + 0x17, 1);
			fx_w32(&x, RQ + 4, w4[j]);
			EXPECT_RC(&x, cmds[i], OLD_RS, RC_RESNOT0);
			lpcb_clear(&x);
			fx_w32(&x, RQ + 0x10, zv_function_fh(x.fn[0]));
			fx_w8(&x, RQ + 0x17, 1);
			fx_w64(&x, RQ + 8, w8[j]);
			EXPECT_RC(&x, cmds[i], OLD_RS, RC_RESNOT0);
		}
	}
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_DISABLED);
	fx_fini(&x);
}

TEST(clp_rc_0070_reserved_command_fields_not_zero)
{
	struct fx x;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = zv_function_fh(x.fn[0]);
	/* LIST: u64 at 0x18 */
	build_list(&x, OLD_RS, 0);
	fx_w64(&x, RQ + 0x18, 1);
	EXPECT_RC(&x, CMD_LIST, OLD_RS, RC_RESNOT0);
	/* QUERY PCI FN: u32 at 0x14, u64 at 0x18 */
	lpcb_clear(&x);
	fx_w32(&x, RQ + 0x10, fh);
	fx_w32(&x, RQ + 0x14, 0x80);
	EXPECT_RC(&x, CMD_QUERY_FN, OLD_RS, RC_RESNOT0);
	lpcb_clear(&x);
	fx_w32(&x, RQ + 0x10, fh);
	fx_w64(&x, RQ + 0x18, 0x0100000000000000ULL);
	EXPECT_RC(&x, CMD_QUERY_FN, OLD_RS, RC_RESNOT0);
	/* QUERY PCI FNGRP: u32 at 0x14, u64 at 0x18 */
	lpcb_clear(&x);
	fx_w32(&x, RQ + 0x10, 0xff);
	fx_w32(&x, RQ + 0x14, 1);
	EXPECT_RC(&x, CMD_QUERY_GRP, OLD_RS, RC_RESNOT0);
	lpcb_clear(&x);
	fx_w32(&x, RQ + 0x10, 0xff);
	fx_w64(&x, RQ + 0x18, 1);
	EXPECT_RC(&x, CMD_QUERY_GRP, OLD_RS, RC_RESNOT0);
	/* SET PCI FN: u16 at 0x14, u32 at 0x18 */
	lpcb_clear(&x);
	fx_w32(&x, RQ + 0x10, fh);
	fx_w8(&x, RQ + 0x17, 1);
	fx_w16(&x, RQ + 0x14, 0x0100);
	EXPECT_RC(&x, CMD_SET_FN, OLD_RS, RC_RESNOT0);
	lpcb_clear(&x);
	fx_w32(&x, RQ + 0x10, fh);
	fx_w8(&x, RQ + 0x17, 1);
	fx_w32(&x, RQ + 0x18, 0x00000001);
	EXPECT_RC(&x, CMD_SET_FN, OLD_RS, RC_RESNOT0);
	EXPECT_EQ(zv_function_fh(x.fn[0]), fh);
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_DISABLED);
	fx_fini(&x);
}

/* ======================================================================
 * LIST PCI (§2.3)
 * ====================================================================== */

static void check_entry(struct fx *x, uint64_t e, unsigned i, int line)
{
	chk(line, "entry device id", fx_r16(x, e + 0x0), 0x1234);
	chk(line, "entry vendor id", fx_r16(x, e + 0x2), 0x1af4);
	chk(line, "entry configured word", fx_r32(x, e + 0x4), 0x80000000u);
	chk(line, "entry fid", fx_r32(x, e + 0x8), zv_function_fid(x->fn[i]));
	chk(line, "entry fh", fx_r32(x, e + 0xc), zv_function_fh(x->fn[i]));
}

TEST(list_pci_entries_for_all_functions)
{
	struct fx x;
	uint32_t fh1;

	fx_init(&x, 4, 0);
	fh1 = fx_enable(&x, 1);
	EXPECT(fh1 & FH_ENABLE);
	EXPECT_EQ(LIST(&x, 0, OLD_RS), RC_OK);
	EXPECT_EQ(fx_r16(&x, RS), 32 + 4 * 16);		/* length used */
	EXPECT_EQ(fx_r64(&x, RS + 0x10), 0);		/* list complete */
	EXPECT_EQ(fx_r8(&x, RS + 0x1e) & 0x01, 0x01);	/* UID checking */
	EXPECT_EQ(fx_r8(&x, RS + 0x1f), 16);		/* entry size */
	for (unsigned i = 0; i < 4; i++)
		check_entry(&x, RS + 0x20 + 16 * i, i, __LINE__);
	/* the enabled function is listed with its current (enabled) handle */
	EXPECT_EQ(fx_r32(&x, RS + 0x20 + 16 + 0xc), fh1);
	for (unsigned i = 0; i < 4; i++)
		EXPECT_EQ(fx_r32(&x, RS + 0x20 + 16 * i + 0xc) & FH_ENABLE, i == 1 ? FH_ENABLE : 0);
	/* FIDs and handles are distinct */
	for (unsigned i = 0; i < 4; i++)
		for (unsigned j = i + 1; j < 4; j++) {
			EXPECT(fx_r32(&x, RS + 0x28 + 16 * i) != fx_r32(&x, RS + 0x28 + 16 * j));
			EXPECT(fx_r32(&x, RS + 0x2c + 16 * i) != fx_r32(&x, RS + 0x2c + 16 * j));
		}
	fx_fini(&x);
}

TEST(list_pci_response_length_is_32_plus_16n)
{
	for (unsigned n = 0; n <= 4; n++) {
		struct fx x;

		fx_init(&x, n, 0);
		fx_w64(&x, RS + 0x10, 0x5555);	/* stale token in the response area */
		EXPECT_EQ(LIST(&x, 0, OLD_RS), RC_OK);
		EXPECT_EQ(fx_r16(&x, RS), 32 + 16 * n);
		EXPECT_EQ(fx_r64(&x, RS + 0x10), 0);
		EXPECT_EQ(fx_r8(&x, RS + 0x1f), 16);
		fx_fini(&x);
	}
}

TEST(list_pci_resume_token_one_entry_per_call)
{
	struct fx x;
	uint64_t token = 0;
	unsigned calls = 0;
	uint32_t fids[4];
	bool seen[4] = { false, false, false, false };

	fx_init(&x, 4, 0);
	for (unsigned i = 0; i < 4; i++)
		fids[i] = zv_function_fid(x.fn[i]);
	do {
		EXPECT_EQ(LIST(&x, token, 48), RC_OK);
		EXPECT_EQ(fx_r16(&x, RS), 48);
		EXPECT_EQ(fx_r8(&x, RS + 0x1f), 16);
		EXPECT_EQ(fx_r8(&x, RS + 0x1e) & 0x01, 0x01);
		if (calls < 4) {
			uint32_t fid = fx_r32(&x, RS + 0x28);

			for (unsigned i = 0; i < 4; i++)
				if (fids[i] == fid) {
					EXPECT(!seen[i]);
					seen[i] = true;
					EXPECT_EQ(fx_r32(&x, RS + 0x2c), zv_function_fh(x.fn[i]));
				}
		}
		token = fx_r64(&x, RS + 0x10);
		calls++;
		/* a continuation is never token 0: 4 functions need 4 calls */
		if (calls < 4)
			EXPECT(token != 0);
	} while (token && calls < 8);
	EXPECT_EQ(calls, 4);
	EXPECT_EQ(token, 0);
	for (unsigned i = 0; i < 4; i++)
		EXPECT(seen[i]);
	fx_fini(&x);
}

TEST(list_pci_resume_token_partial_pages)
{
	struct fx x;
	uint64_t token;

	fx_init(&x, 4, 0);
	/* room for three: three entries and a continuation */
	EXPECT_EQ(LIST(&x, 0, 32 + 3 * 16), RC_OK);
	EXPECT_EQ(fx_r16(&x, RS), 32 + 3 * 16);
	for (unsigned i = 0; i < 3; i++)
		check_entry(&x, RS + 0x20 + 16 * i, i, __LINE__);
	token = fx_r64(&x, RS + 0x10);
	EXPECT(token != 0);
	EXPECT_EQ(LIST(&x, token, 32 + 3 * 16), RC_OK);
	EXPECT_EQ(fx_r16(&x, RS), 32 + 16);
	check_entry(&x, RS + 0x20, 3, __LINE__);
	EXPECT_EQ(fx_r64(&x, RS + 0x10), 0);
	/* room for exactly all four: complete in one call */
	EXPECT_EQ(LIST(&x, 0, 32 + 4 * 16), RC_OK);
	EXPECT_EQ(fx_r16(&x, RS), 32 + 4 * 16);
	EXPECT_EQ(fx_r64(&x, RS + 0x10), 0);
	/* a token may be reused (the list is not consumed) */
	EXPECT_EQ(LIST(&x, token, OLD_RS), RC_OK);
	EXPECT_EQ(fx_r16(&x, RS), 32 + 16);
	check_entry(&x, RS + 0x20, 3, __LINE__);
	fx_fini(&x);
}

TEST(list_pci_rc_010a_unknown_resume_token)
{
	struct fx x;
	static const uint64_t bad[] = { 0xdeadbeef, 0x10000, 0x100000001ULL,
					0x8000000000000000ULL, 0xffffffffffffffffULL };

	fx_init(&x, 4, 0);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_EQ(LIST(&x, bad[i], OLD_RS), RC_BADRT);
	fx_fini(&x);
}

TEST(list_pci_rc_0060_response_below_48)
{
	struct fx x;
	static const uint16_t lens[] = { 8, 16, 24, 32, 40 };

	fx_init(&x, 2, 0);
	for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		EXPECT_EQ(LIST(&x, 0, lens[i]), RC_8K);
	fx_fini(&x);
}

TEST(list_pci_rc_0050_entry_granule_sets_cc3)
{
	struct fx x;
	static const uint16_t lens[] = { 56, 72, 4072, 8152 };

	fx_init(&x, 2, 0);
	for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		build_list(&x, lens[i], 0);
		EXPECT_EQ(clp_len(&x, 32, CMD_LIST, lens[i], 3, __LINE__), RC_LEN);
	}
	fx_fini(&x);
}

TEST(list_pci_standby_not_configured_reserved_skipped)
{
	struct fx x;

	fx_init(&x, 4, 0);
	/* white box: put functions into states there is no public API for */
	EXPECT_EQ(zv_function_set_standby(x.fn[1], true), 0);
	x.fn[3]->state = ZV_FS_RESERVED;
	EXPECT_EQ(LIST(&x, 0, OLD_RS), RC_OK);
	EXPECT_EQ(fx_r16(&x, RS), 32 + 3 * 16);
	EXPECT_EQ(fx_r32(&x, RS + 0x20 + 0x04), 0x80000000u);
	EXPECT_EQ(fx_r32(&x, RS + 0x20 + 0x08), zv_function_fid(x.fn[0]));
	EXPECT_EQ(fx_r32(&x, RS + 0x30 + 0x04), 0);		/* standby */
	EXPECT_EQ(fx_r32(&x, RS + 0x30 + 0x08), zv_function_fid(x.fn[1]));
	EXPECT_EQ(fx_r32(&x, RS + 0x40 + 0x04), 0x80000000u);
	EXPECT_EQ(fx_r32(&x, RS + 0x40 + 0x08), zv_function_fid(x.fn[2]));
	EXPECT_EQ(fx_r64(&x, RS + 0x10), 0);
	fx_fini(&x);
}

/* ======================================================================
 * QUERY PCI FN (§2.4)
 * ====================================================================== */

static const uint8_t ebcdic_fake[4] = { 0x86, 0x81, 0x92, 0x85 };	/* "fake" */

TEST(query_pci_fn_fields)
{
	struct fx x;
	const uint8_t *r;

	fx_init(&x, 2, 0);
	x.cpu.gpr[2] = 0;
	EXPECT_EQ(QUERY_FN(&x, zv_function_fh(x.fn[1])), RC_OK);
	r = x.ram + RS;
	EXPECT_EQ(fx_r16(&x, RS + 0x10), 0);		/* VFN */
	EXPECT_EQ(r[0x12] & 0x01, 0x01);		/* utility string valid */
	EXPECT_EQ(r[0x12] & 0x02, 0);			/* no MIO (§1.1) */
	EXPECT_EQ(r[0x13], 0xff);			/* PFGID: default group */
	EXPECT_EQ(fx_r32(&x, RS + 0x14), zv_function_fid(x.fn[1]));
	/* BAR sizes, log2: BAR0 and BAR2 are 4 KiB */
	static const uint8_t sizes[6] = { 12, 0, 12, 0, 0, 0 };
	for (unsigned i = 0; i < 6; i++)
		EXPECT_EQ(r[0x18 + i], sizes[i]);
	/* BAR values little-endian (§2.4 DISCREPANCY: as Linux reads them) */
	static const uint8_t bar0[4] = { 0x00, 0x00, 0x00, 0xfe };
	static const uint8_t bar2[4] = { 0x00, 0x10, 0x00, 0xfe };
	EXPECT(memcmp(r + 0x20, bar0, 4) == 0);
	EXPECT(memcmp(r + 0x28, bar2, 4) == 0);
	EXPECT_EQ(fx_r32(&x, RS + 0x24), 0);
	for (unsigned i = 3; i < 6; i++)
		EXPECT_EQ(fx_r32(&x, RS + 0x20 + 4 * i), 0);
	EXPECT_EQ(r[0x3f], 0);				/* PFT as QEMU reports it */
	EXPECT_EQ(fx_r64(&x, RS + 0x40), 0x100000000ULL);	/* SDMA */
	/* EDMA, inclusive: without relaxed translation shrunk to SDMA +
	 * mapping budget x 4 KiB - 1 (§2.4, §4.7) */
	EXPECT_EQ(fx_r64(&x, RS + 0x48), 0x100000000ULL + (uint64_t)FX_DEFAULT_LIMIT * 4096 - 1);
	EXPECT_EQ(fx_r32(&x, RS + 0x7c), zv_function_uid(x.fn[1]));
	/* utility string: EBCDIC, naming the device; no ASCII NULs or letters */
	{
		bool found = false;

		for (unsigned i = 0; i + 4 <= 64; i++)
			if (!memcmp(r + 0x80 + i, ebcdic_fake, 4))
				found = true;
		EXPECT(found);
		for (unsigned i = 0; i < 64; i++)
			EXPECT(r[0x80 + i] >= 0x40);
	}
	fx_fini(&x);
}

TEST(query_pci_fn_each_function)
{
	struct fx x;

	fx_init(&x, 4, 0);
	for (unsigned i = 0; i < 4; i++) {
		EXPECT_EQ(QUERY_FN(&x, zv_function_fh(x.fn[i])), RC_OK);
		EXPECT_EQ(fx_r32(&x, RS + 0x14), zv_function_fid(x.fn[i]));
		EXPECT_EQ(fx_r32(&x, RS + 0x7c), zv_function_uid(x.fn[i]));
		/* QEMU-style auto UIDs: 1..0xffff, distinct (§6.3) */
		EXPECT(fx_r32(&x, RS + 0x7c) >= 1 && fx_r32(&x, RS + 0x7c) <= 0xffff);
		for (unsigned j = 0; j < i; j++)
			EXPECT(zv_function_uid(x.fn[j]) != zv_function_uid(x.fn[i]));
	}
	fx_fini(&x);
}

TEST(query_pci_fn_enabled_handle_and_old_handle)
{
	struct fx x;
	uint32_t old, fh;

	fx_init(&x, 2, 0);
	old = zv_function_fh(x.fn[0]);
	fh = ENABLE(&x, old);
	EXPECT_EQ(QUERY_FN(&x, fh), RC_OK);
	EXPECT_EQ(fx_r32(&x, RS + 0x14), zv_function_fid(x.fn[0]));
	EXPECT_EQ(QUERY_FN(&x, old), RC_FH);
	fx_fini(&x);
}

TEST(query_pci_fn_rc_0101_unknown_handle)
{
	struct fx x;
	uint32_t fh;

	fx_init(&x, 2, 0);
	fh = zv_function_fh(x.fn[1]);
	EXPECT(zv_function_fh(x.fn[0]) != 0);
	EXPECT_EQ(QUERY_FN(&x, 0), RC_FH);
	EXPECT_EQ(QUERY_FN(&x, (fh & 0xffff0000u) | 7), RC_FH);		/* no index 7 */
	EXPECT_EQ(QUERY_FN(&x, (fh & 0xffff0000u) | 0xffff), RC_FH);
	EXPECT_EQ(QUERY_FN(&x, fh | FH_ENABLE), RC_FH);			/* not enabled */
	EXPECT_EQ(QUERY_FN(&x, fh ^ 0x01000000u), RC_FH);		/* other instance */
	EXPECT_EQ(QUERY_FN(&x, 0xffffffffu), RC_FH);
	EXPECT_EQ(QUERY_FN(&x, fh), RC_OK);
	fx_fini(&x);
}

TEST(query_pci_fn_rc_0101_stale_handle)
{
	struct fx x;
	uint32_t h0, h1, h2;

	fx_init(&x, 1, 0);
	h0 = zv_function_fh(x.fn[0]);
	h1 = ENABLE(&x, h0);
	h2 = DISABLE(&x, h1);
	EXPECT_EQ(QUERY_FN(&x, h0), RC_FH);
	EXPECT_EQ(QUERY_FN(&x, h1), RC_FH);
	EXPECT_EQ(QUERY_FN(&x, h2), RC_OK);
	fx_fini(&x);
}

/* ======================================================================
 * QUERY PCI FNGRP (§2.5)
 * ====================================================================== */

TEST(query_pci_fngrp_default_group)
{
	struct fx x;
	uint8_t pfgid;

	fx_init(&x, 1, 0);
	EXPECT_EQ(QUERY_FN(&x, zv_function_fh(x.fn[0])), RC_OK);
	pfgid = fx_r8(&x, RS + 0x13);
	EXPECT_EQ(pfgid, 0xff);
	EXPECT_EQ(QUERY_GRP(&x, pfgid), RC_OK);
	EXPECT_EQ(fx_r16(&x, RS + 0x10) & 0x0fff, 128);	/* NOI */
	EXPECT_EQ(fx_r16(&x, RS + 0x10) & 0xf000, 0);
	EXPECT_EQ(fx_r8(&x, RS + 0x13) & 0x01, 0x01);		/* refresh */
	EXPECT_EQ(fx_r16(&x, RS + 0x14) & 0x1fff, 128);	/* MAXSTBL */
	EXPECT_EQ(fx_r16(&x, RS + 0x14) & 0xe000, 0);
	EXPECT_EQ(fx_r16(&x, RS + 0x16), 4000);			/* MUI (default) */
	EXPECT_EQ(fx_r8(&x, RS + 0x18), 0x40);			/* DTSM */
	EXPECT_EQ(fx_r64(&x, RS + 0x28), 0xfe00000000000000ULL);	/* MSIA */
	EXPECT_EQ(fx_r64(&x, RS + 0x20), 0);			/* DASM (default) */
	EXPECT_EQ(fx_r8(&x, RS + 0x12), 0);			/* version (default) */
	fx_fini(&x);
}

TEST(query_pci_fngrp_rc_010b_unknown_group)
{
	struct fx x;
	static const uint32_t ids[] = { 0x00, 0x01, 0x20, 0xf0, 0xfd };

	fx_init(&x, 1, 0);
	for (unsigned i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		EXPECT_EQ(QUERY_GRP(&x, ids[i]), RC_PFGID);
	fx_fini(&x);
}

TEST(relaxed_translation_group_and_full_window)
{
	struct fx x;

	fx_init(&x, 2, 0);
	EXPECT_EQ(zv_function_set_relaxed(x.fn[1], true), 0);
	EXPECT_EQ(QUERY_GRP(&x, 0xfe), RC_OK);
	EXPECT_EQ(fx_r8(&x, RS + 0x13), 0x20 | 0x01);	/* RTR + refresh */
	EXPECT_EQ(QUERY_GRP(&x, 0xff), RC_OK);
	EXPECT_EQ(fx_r8(&x, RS + 0x13), 0x01);
	/* the RTR function's window is not shrunk to the mapping budget */
	memset(x.ram + FX_LPCB, 0, 8192);
	fx_w32(&x, FX_LPCB + 0x10, zv_function_fh(x.fn[1]));
	EXPECT_EQ(fx_clp(&x, 3, 4096 - 32, NULL), RC_OK);
	EXPECT_EQ(fx_r8(&x, RS + 0x13), 0xfe);
	EXPECT_EQ(fx_r64(&x, RS + 0x48), 0x01ffffffffffffffULL);
	/* only while disabled */
	fx_enable(&x, 1);
	EXPECT_EQ(zv_function_set_relaxed(x.fn[1], false), -1);
	fx_fini(&x);
}

TEST(query_pci_fngrp_rc_0070_upper_bits_of_group_word)
{
	struct fx x;
	static const uint32_t words[] = { 0x000001ff, 0x0000ff00, 0x00ff00ff, 0x800000ff,
					  0xffffffff };

	fx_init(&x, 1, 0);
	for (unsigned i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		EXPECT_EQ(QUERY_GRP(&x, words[i]), RC_RESNOT0);
	/* the group id is the byte at 0x13 alone */
	EXPECT_EQ(QUERY_GRP(&x, 0x000000ff), RC_OK);
	fx_fini(&x);
}

/* ======================================================================
 * SET PCI FN (§2.6, §6.2, §6.7)
 * ====================================================================== */

TEST(set_pci_fn_enable_new_handle_old_fails)
{
	struct fx x;
	uint32_t old, fh;

	fx_init(&x, 2, 0);
	old = zv_function_fh(x.fn[0]);
	EXPECT_EQ(old & FH_ENABLE, 0);
	fh = ENABLE(&x, old);
	EXPECT_EQ(fh & FH_ENABLE, FH_ENABLE);
	EXPECT(fh != old);
	EXPECT_EQ(zv_function_fh(x.fn[0]), fh);
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_ENABLED);
	EXPECT_EQ(QUERY_FN(&x, old), RC_FH);
	EXPECT_EQ(SET_FN(&x, old, 1, 0, NULL), RC_FH);
	EXPECT_EQ(SET_FN(&x, old, 0, 1, NULL), RC_FH);
	/* the other function is untouched */
	EXPECT_EQ(zv_function_state(x.fn[1]), ZV_FS_DISABLED);
	/* and the new handle works for load/store */
	{
		uint64_t v = 0;

		EXPECT_EQ(fx_pcilg(&x, fh, 15, 2, 0, &v), 0);
		EXPECT_EQ(fx_cc(&x), 0);
		EXPECT_EQ(v, 0xf41a);
	}
	fx_fini(&x);
}

TEST(set_pci_fn_disable_new_handle)
{
	struct fx x;
	uint32_t h0, h1, h2;
	uint64_t v;

	fx_init(&x, 1, 0);
	h0 = zv_function_fh(x.fn[0]);
	h1 = ENABLE(&x, h0);
	h2 = DISABLE(&x, h1);
	EXPECT_EQ(h2 & FH_ENABLE, 0);
	EXPECT(h2 != h0);
	EXPECT(h2 != h1);
	EXPECT_EQ(zv_function_fh(x.fn[0]), h2);
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_DISABLED);
	/* the enabled handle is stale: load/store cc 3, SET 0x0101 */
	EXPECT_EQ(fx_pcilg(&x, h1, 15, 2, 0, &v), 0);
	EXPECT_EQ(fx_cc(&x), 3);
	EXPECT_EQ(SET_FN(&x, h1, 1, 0, NULL), RC_FH);
	/* enable again: yet another handle */
	{
		uint32_t h3 = ENABLE(&x, h2);

		EXPECT_EQ(h3 & FH_ENABLE, FH_ENABLE);
		EXPECT(h3 != h1 && h3 != h2 && h3 != h0);
	}
	fx_fini(&x);
}

TEST(set_pci_fn_handles_never_repeat_over_cycles)
{
	struct fx x;
	uint32_t h[17];

	fx_init(&x, 1, 0);
	h[0] = zv_function_fh(x.fn[0]);
	for (unsigned i = 1; i < 17; i++)
		h[i] = (i & 1) ? ENABLE(&x, h[i - 1]) : DISABLE(&x, h[i - 1]);
	for (unsigned i = 0; i < 17; i++) {
		for (unsigned j = 0; j < i; j++)
			EXPECT(h[i] != h[j]);
		EXPECT_EQ(QUERY_FN(&x, h[i]), i == 16 ? RC_OK : RC_FH);
	}
	fx_fini(&x);
}

TEST(set_pci_fn_rc_0103_ndas_zero)
{
	struct fx x;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = zv_function_fh(x.fn[0]);
	EXPECT_EQ(SET_FN(&x, fh, 0, 0, NULL), RC_DMAAS);
	EXPECT_EQ(zv_function_fh(x.fn[0]), fh);
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_DISABLED);
	fx_fini(&x);
}

TEST(set_pci_fn_rc_0104_ndas_above_one)
{
	struct fx x;
	uint32_t fh;
	static const uint8_t ndas[] = { 2, 3, 0x80, 0xff };

	fx_init(&x, 1, 0);
	fh = zv_function_fh(x.fn[0]);
	for (unsigned i = 0; i < sizeof(ndas) / sizeof(ndas[0]); i++)
		EXPECT_EQ(SET_FN(&x, fh, 0, ndas[i], NULL), RC_RES);
	EXPECT_EQ(zv_function_fh(x.fn[0]), fh);
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_DISABLED);
	/* NDAS 1 then works with the same handle */
	EXPECT(ENABLE(&x, fh) & FH_ENABLE);
	fx_fini(&x);
}

TEST(set_pci_fn_rc_0105_enable_enabled)
{
	struct fx x;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = ENABLE(&x, zv_function_fh(x.fn[0]));
	EXPECT_EQ(SET_FN(&x, fh, 0, 1, NULL), RC_ALRDY);
	EXPECT_EQ(zv_function_fh(x.fn[0]), fh);
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_ENABLED);
	EXPECT_EQ(QUERY_FN(&x, fh), RC_OK);
	fx_fini(&x);
}

TEST(set_pci_fn_rc_0105_disable_disabled)
{
	struct fx x;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = zv_function_fh(x.fn[0]);
	EXPECT_EQ(SET_FN(&x, fh, 1, 0, NULL), RC_ALRDY);
	EXPECT_EQ(zv_function_fh(x.fn[0]), fh);
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_DISABLED);
	EXPECT_EQ(x.dev[0]->resets, 0);
	/* and after an enable/disable cycle */
	fh = DISABLE(&x, ENABLE(&x, fh));
	EXPECT_EQ(SET_FN(&x, fh, 1, 0, NULL), RC_ALRDY);
	EXPECT_EQ(zv_function_fh(x.fn[0]), fh);
	fx_fini(&x);
}

TEST(set_pci_fn_rc_0102_mio_and_other_ocs)
{
	struct fx x;
	uint32_t fh0, fh1;
	static const uint8_t ocs[] = { 2, 3, 4, 5, 0x10, 0x80, 0xff };

	fx_init(&x, 2, 0);
	fh0 = zv_function_fh(x.fn[0]);
	fh1 = ENABLE(&x, zv_function_fh(x.fn[1]));
	for (unsigned i = 0; i < sizeof(ocs) / sizeof(ocs[0]); i++) {
		EXPECT_EQ(SET_FN(&x, fh0, ocs[i], 1, NULL), RC_FHOP);
		EXPECT_EQ(SET_FN(&x, fh0, ocs[i], 0, NULL), RC_FHOP);
		EXPECT_EQ(SET_FN(&x, fh1, ocs[i], 1, NULL), RC_FHOP);
		EXPECT_EQ(SET_FN(&x, fh1, ocs[i], 0, NULL), RC_FHOP);
	}
	EXPECT_EQ(zv_function_fh(x.fn[0]), fh0);
	EXPECT_EQ(zv_function_fh(x.fn[1]), fh1);
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_DISABLED);
	EXPECT_EQ(zv_function_state(x.fn[1]), ZV_FS_ENABLED);
	EXPECT_EQ(x.dev[1]->resets, 0);
	fx_fini(&x);
}

TEST(set_pci_fn_rc_0101_unknown_handle)
{
	struct fx x;
	uint32_t fh;

	fx_init(&x, 2, 0);
	fh = zv_function_fh(x.fn[0]);
	EXPECT_EQ(SET_FN(&x, (fh & 0xffff0000u) | 9, 0, 1, NULL), RC_FH);
	EXPECT_EQ(SET_FN(&x, fh ^ 0x01000000u, 0, 1, NULL), RC_FH);
	EXPECT_EQ(SET_FN(&x, fh | FH_ENABLE, 1, 0, NULL), RC_FH);
	EXPECT_EQ(SET_FN(&x, 0xffffffffu, 0, 1, NULL), RC_FH);
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_DISABLED);
	EXPECT_EQ(zv_function_state(x.fn[1]), ZV_FS_DISABLED);
	fx_fini(&x);
}

TEST(set_pci_fn_gisa_field_ignored)
{
	struct fx x;
	uint32_t fh;

	fx_init(&x, 1, 0);
	lpcb_clear(&x);
	fx_w32(&x, RQ + 0x10, zv_function_fh(x.fn[0]));
	fx_w8(&x, RQ + 0x17, 1);
	fx_w32(&x, RQ + 0x1c, 0x12345678);	/* GISA designation: host use only */
	EXPECT_RC(&x, CMD_SET_FN, OLD_RS, RC_OK);
	fh = fx_r32(&x, RS + 0x10);
	EXPECT_EQ(fh & FH_ENABLE, FH_ENABLE);
	fx_fini(&x);
}

TEST(set_pci_fn_disable_clears_registrations_and_resets)
{
	struct fx x;
	uint32_t fh;
	uint64_t rt = 0x100000, next = 0x110000, iova = 0x100000000ULL, v = 0;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	/* register IOAT and interrupts, map one page */
	EXPECT_EQ(fx_reg_ioat(&x, fh, rt, iova, iova + 0xfffff), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fx_reg_int(&x, fh, 3, 4, 0x30000, 0, 0x31000, 5, true), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	fx_map_page(&x, rt, iova, 0x200000, false, &next);
	EXPECT_EQ(fx_rpcit(&x, fh, iova, 0x1000), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT(fake_lookup(x.dev[0], iova, NULL, NULL));
	/* measurement on, MSI-X enabled (control word at cap 0x40 + 2,
	 * little-endian in config space, bytes in address order in R1) */
	memset(x.ram + FX_FIB, 0, 80);
	fx_w64(&x, FX_FIB + 0x40, 0x40000);
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, 10), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fx_pcistg(&x, fh, 15, 2, 0x42, 0x0080), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fx_pcilg(&x, fh, 15, 2, 0x42, &v), 0);
	EXPECT_EQ(v & 0x0080, 0x0080);
	/* vector 0 unmasked (vector control, BAR 2 offset 12): attached */
	EXPECT_EQ(fx_pcistg(&x, fh, 2, 4, 12, 0), 0);
	EXPECT(x.dev[0]->fds[0] >= 0);
	EXPECT_EQ(fx_stpcifc(&x, fh, 0, FX_FIB), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fx_r8(&x, FX_FIB + 8), 0x90);
	EXPECT_EQ(fx_r64(&x, FX_FIB + 0x40), 0x40000);
	EXPECT_EQ(x.dev[0]->resets, 0);

	fh = DISABLE(&x, fh);
	EXPECT_EQ(x.dev[0]->resets, 1);			/* the device was reset */
	EXPECT(!fake_lookup(x.dev[0], iova, NULL, NULL));	/* mappings gone */
	EXPECT_EQ(x.dev[0]->nmaps, 0);

	fh = ENABLE(&x, fh);
	EXPECT_EQ(x.dev[0]->resets, 1);
	memset(x.ram + FX_FIB, 0xee, 80);
	EXPECT_EQ(fx_stpcifc(&x, fh, 0, FX_FIB), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fx_r8(&x, FX_FIB + 8), 0x80);		/* enabled, no DMA AS */
	EXPECT_EQ(fx_r64(&x, FX_FIB + 0x20), 0);		/* IOTA */
	EXPECT_EQ(fx_r32(&x, FX_FIB + 0x28), 0);		/* interrupt word */
	EXPECT_EQ(fx_r64(&x, FX_FIB + 0x30), 0);		/* AIBV */
	EXPECT_EQ(fx_r64(&x, FX_FIB + 0x38), 0);		/* AISB */
	EXPECT_EQ(fx_r64(&x, FX_FIB + 0x40), 0);		/* measurement off */
	EXPECT_EQ(fx_pcilg(&x, fh, 15, 2, 0x42, &v), 0);	/* MSI-X disabled */
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(v & 0x00c0, 0);
	EXPECT_EQ(x.dev[0]->fds[0], -1);
	/* both can be registered again (not a sequence error) */
	EXPECT_EQ(fx_reg_ioat(&x, fh, rt, iova, iova + 0xfffff), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fx_reg_int(&x, fh, 3, 4, 0x30000, 0, 0x31000, 5, true), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	fx_fini(&x);
}

TEST(set_pci_fn_disable_from_error_state)
{
	struct fx x;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	x.fn[0]->state = ZV_FS_ERROR;	/* white box: as after a DMA error */
	fh = DISABLE(&x, fh);
	EXPECT_EQ(fh & FH_ENABLE, 0);
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_DISABLED);
	EXPECT_EQ(x.dev[0]->resets, 1);
	fh = ENABLE(&x, fh);
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_ENABLED);
	fx_fini(&x);
}

TEST(set_pci_fn_standby_function_cannot_be_enabled)
{
	struct fx x;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = zv_function_fh(x.fn[0]);
	EXPECT_EQ(zv_function_set_standby(x.fn[0], true), 0);	/* as after SCLP deconfigure */
	/* §11: QEMU enables a STANDBY function; that must not be possible */
	EXPECT(SET_FN(&x, fh, 0, 1, NULL) != RC_OK);
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_STANDBY);
	EXPECT_EQ(zv_function_fh(x.fn[0]) & FH_ENABLE, 0);
	fx_fini(&x);
}
