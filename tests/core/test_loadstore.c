/* SPDX-License-Identifier: MIT */
/*
 * PCI Load (PCILG), PCI Store (PCISTG) and PCI Store Block (PCISTB):
 * exceptions, condition codes and status codes in the reference's check
 * order (zpci-architecture.md §1.2-§1.6, §11), data placement (§1.4), and
 * the MSI-X table, PBA and message-control virtualization behind them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/clp.h"
#include "arch/codes.h"
#include "arch/fib.h"
#include "arch/pci.h"
#include "fakes.h"
#include "harness.h"

#define OP_PCISTG 0xb9d0
#define OP_PCILG  0xb9d2
#define PCIAS_CFG 15
#define STB_DATA  0x30000ULL	/* where PCISTB source data is built */
#define FX_CC_MASK ZV_PSW_MASK_CC

/* ---- helpers ---------------------------------------------------------- */

static uint64_t ls_req(uint32_t fh, unsigned pcias, unsigned len)
{
	return (uint64_t)fh << 32 | (uint64_t)(pcias & 0xf) << 16 | len;
}

static uint64_t stb_req(uint32_t fh, unsigned pcias, unsigned len)
{
	return (uint64_t)fh << 32 | (uint64_t)(pcias & 0xf) << 16 | (len & 0x1fff);
}

/* PCISTB R1=4 (request), R3=5 (offset), D2(B2) = 0(6) (data address). */
static int stb_raw(struct fx *x, uint64_t req, uint64_t off, uint64_t addr)
{
	x->cpu.gpr[4] = req;
	x->cpu.gpr[5] = off;
	x->cpu.gpr[6] = addr;
	return fx_rsy(x, 0xeb, 0xd0, 4, 5, 6, 0);
}

static int fx_pcistb(struct fx *x, uint32_t fh, unsigned pcias, unsigned len, uint64_t off,
		     uint64_t addr)
{
	return stb_raw(x, stb_req(fh, pcias, len), off, addr);
}

/* PCILG / PCISTG with a fully specified request register R2=2, R2+1=3. */
static int lg_raw(struct fx *x, uint64_t req, uint64_t off)
{
	x->cpu.gpr[2] = req;
	x->cpu.gpr[3] = off;
	return fx_rre(x, OP_PCILG, 1, 2);
}

static int stg_raw(struct fx *x, uint64_t req, uint64_t off, uint64_t data)
{
	x->cpu.gpr[1] = data;
	x->cpu.gpr[2] = req;
	x->cpu.gpr[3] = off;
	return fx_rre(x, OP_PCISTG, 1, 2);
}

/* CLP SET PCI FN disable; returns the new (disabled) handle. */
static uint32_t fx_disable(struct fx *x, uint32_t fh)
{
	memset(x->ram + FX_LPCB, 0, 8192);
	fx_w32(x, FX_LPCB + CLP_SFN_RQ_FH, fh);
	fx_w8(x, FX_LPCB + CLP_SFN_RQ_OC, CLP_SFN_OC_DISABLE);
	fx_w8(x, FX_LPCB + CLP_SFN_RQ_NDAS, 0);
	EXPECT_EQ(fx_clp(x, CLP_SET_PCI_FN, 4096 - 32, NULL), CLP_RC_OK);
	return fx_r32(x, FX_LPCB + 32 + CLP_SFN_RS_FH);
}

/* Put function i into the error state through an IOMMU fault (§6.1). */
static void fx_to_error(struct fx *x, unsigned i)
{
	fake_fault(x->dev[i], 0x100000000ULL, true, false);
	EXPECT(zv_dispatch(x->m) >= 1);
	EXPECT_EQ(zv_function_state(x->fn[i]), ZV_FS_ERROR);
}

static bool cpu_same(const struct zv_cpu *a, const struct zv_cpu *b)
{
	return !memcmp(a->gpr, b->gpr, sizeof(a->gpr)) && a->psw_mask == b->psw_mask &&
	       a->psw_addr == b->psw_addr;
}

static void set_cc_bits(struct fx *x, int cc)
{
	x->cpu.psw_mask = (x->cpu.psw_mask & ~FX_CC_MASK) | (uint64_t)cc << ZV_PSW_CC_SHIFT;
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* Enabled single-function fixture; returns the handle. */
static uint32_t setup(struct fx *x)
{
	fx_init(x, 1, 0);
	return fx_enable(x, 0);
}

/* ---- program exceptions ------------------------------------------------ */

TEST(privileged_operation_in_problem_state)
{
	struct fx x;
	struct zv_cpu before;
	uint32_t fh = setup(&x);

	memset(x.dev[0]->bar0, 0x5a, sizeof(x.dev[0]->bar0));
	x.cpu.psw_mask |= ZV_PSW_MASK_PSTATE;
	set_cc_bits(&x, 2);

	x.cpu.gpr[1] = 0x1111;
	x.cpu.gpr[2] = ls_req(fh, 0, 4);
	x.cpu.gpr[3] = 0;
	before = x.cpu;
	EXPECT_EQ(fx_rre(&x, OP_PCILG, 1, 2), ZV_PGM_PRIVILEGED);
	EXPECT(cpu_same(&before, &x.cpu));

	EXPECT_EQ(fx_rre(&x, OP_PCISTG, 1, 2), ZV_PGM_PRIVILEGED);
	EXPECT(cpu_same(&before, &x.cpu));

	/* privileged check comes before the odd-R2 specification check */
	EXPECT_EQ(fx_rre(&x, OP_PCILG, 1, 3), ZV_PGM_PRIVILEGED);
	EXPECT_EQ(fx_rre(&x, OP_PCISTG, 1, 3), ZV_PGM_PRIVILEGED);
	EXPECT(cpu_same(&before, &x.cpu));

	fx_w64(&x, STB_DATA, 0x0102030405060708ULL);
	x.cpu.gpr[4] = stb_req(fh, 0, 16);
	x.cpu.gpr[5] = 0;
	x.cpu.gpr[6] = STB_DATA;
	before = x.cpu;
	EXPECT_EQ(fx_rsy(&x, 0xeb, 0xd0, 4, 5, 6, 0), ZV_PGM_PRIVILEGED);
	EXPECT(cpu_same(&before, &x.cpu));

	EXPECT(all_bytes(x.dev[0]->bar0, 4096, 0x5a));
	EXPECT_EQ(x.dev[0]->bar0_writes, 0);
	fx_fini(&x);
}

TEST(specification_exception_for_odd_r2)
{
	struct fx x;
	struct zv_cpu before;
	uint32_t fh = setup(&x);

	for (unsigned r2 = 1; r2 < 16; r2 += 2) {
		unsigned r1 = r2 == 1 ? 0 : 1;

		x.cpu.gpr[r1] = 0xdeadbeefcafef00dULL;
		x.cpu.gpr[r2] = ls_req(fh, 0, 8);
		x.cpu.gpr[(r2 + 1) & 15] = 0;
		set_cc_bits(&x, 1);
		before = x.cpu;
		EXPECT_EQ(fx_rre(&x, OP_PCILG, r1, r2), ZV_PGM_SPECIFICATION);
		EXPECT(cpu_same(&before, &x.cpu));
		EXPECT_EQ(fx_rre(&x, OP_PCISTG, r1, r2), ZV_PGM_SPECIFICATION);
		EXPECT(cpu_same(&before, &x.cpu));
	}
	/* the specification check precedes the handle checks (§1.5 step 1) */
	x.cpu.gpr[3] = ls_req(0x8000ffffu, 0, 4);
	before = x.cpu;
	EXPECT_EQ(fx_rre(&x, OP_PCILG, 1, 3), ZV_PGM_SPECIFICATION);
	EXPECT_EQ(fx_rre(&x, OP_PCISTG, 1, 3), ZV_PGM_SPECIFICATION);
	EXPECT(cpu_same(&before, &x.cpu));
	EXPECT_EQ(x.dev[0]->bar0_writes, 0);
	EXPECT(all_bytes(x.dev[0]->bar0, 4096, 0));
	fx_fini(&x);
}

/* ---- condition code 3 -------------------------------------------------- */

TEST(cc3_handle_without_enable_bit)
{
	struct fx x;
	uint32_t fh_dis, fh;
	uint64_t v;

	fx_init(&x, 1, 0);
	fh_dis = zv_function_fh(x.fn[0]);
	EXPECT_EQ(fh_dis & 0x80000000u, 0);

	/* the (valid) handle of a disabled function */
	x.cpu.gpr[1] = 0x1234;
	EXPECT_EQ(fx_pcilg(&x, fh_dis, PCIAS_CFG, 2, 0, &v), 0);
	EXPECT_EQ(fx_cc(&x), 3);
	EXPECT_EQ(v, 0x1234);			/* R1 not written */
	EXPECT_EQ(x.cpu.gpr[2], ls_req(fh_dis, PCIAS_CFG, 2));	/* no status */
	EXPECT_EQ(fx_pcistg(&x, fh_dis, 0, 4, 0, 0x11223344), 0);
	EXPECT_EQ(fx_cc(&x), 3);
	EXPECT_EQ(fx_pcistb(&x, fh_dis, 0, 16, 0, STB_DATA), 0);
	EXPECT_EQ(fx_cc(&x), 3);
	EXPECT_EQ(x.cpu.gpr[4], stb_req(fh_dis, 0, 16));

	/* an enabled function addressed without the enable bit */
	fh = fx_enable(&x, 0);
	EXPECT(fh & 0x80000000u);
	EXPECT_EQ(fx_pcilg(&x, fh & ~0x80000000u, 0, 4, 0, NULL), 0);
	EXPECT_EQ(fx_cc(&x), 3);
	EXPECT_EQ(fx_pcistg(&x, fh & ~0x80000000u, 0, 4, 0, 0x11223344), 0);
	EXPECT_EQ(fx_cc(&x), 3);
	EXPECT_EQ(fx_pcistb(&x, fh & ~0x80000000u, 0, 16, 0, STB_DATA), 0);
	EXPECT_EQ(fx_cc(&x), 3);

	EXPECT_EQ(x.dev[0]->bar0_writes, 0);
	EXPECT(all_bytes(x.dev[0]->bar0, 4096, 0));
	fx_fini(&x);
}

TEST(cc3_unknown_handle)
{
	struct fx x;
	uint32_t fh, bad[4];

	fx_init(&x, 2, 0);
	fh = fx_enable(&x, 0);
	bad[0] = 0x80000000u | 0x00020000u | 77;	/* no function at index 77 */
	bad[1] = fh ^ 0x01000000u;			/* right index, wrong instance */
	bad[2] = fh ^ 0x00010000u;			/* wrong "SHM" byte */
	bad[3] = zv_function_fh(x.fn[1]) | 0x80000000u;	/* disabled function + enable bit */
	for (unsigned i = 0; i < 4; i++) {
		x.cpu.gpr[1] = 0x55;
		EXPECT_EQ(fx_pcilg(&x, bad[i], 0, 8, 0, NULL), 0);
		EXPECT_EQ(fx_cc(&x), 3);
		EXPECT_EQ(x.cpu.gpr[1], 0x55);
		EXPECT_EQ(fx_status(&x, 2), 0);
		EXPECT_EQ(fx_pcistg(&x, bad[i], 0, 8, 0, 0x0102030405060708ULL), 0);
		EXPECT_EQ(fx_cc(&x), 3);
		EXPECT_EQ(fx_pcistb(&x, bad[i], 0, 16, 0, STB_DATA), 0);
		EXPECT_EQ(fx_cc(&x), 3);
		EXPECT_EQ(fx_status(&x, 4), 0);
	}
	EXPECT_EQ(x.dev[0]->bar0_writes, 0);
	EXPECT_EQ(x.dev[1]->bar0_writes, 0);
	fx_fini(&x);
}

TEST(cc3_stale_handle_after_disable_enable)
{
	struct fx x;
	uint32_t fh1, fh2, fh3;
	uint64_t v;

	fx_init(&x, 1, 0);
	fh1 = fx_enable(&x, 0);
	EXPECT_EQ(fx_pcistg(&x, fh1, 0, 4, 0x10, 0xa1b2c3d4), 0);
	EXPECT_EQ(fx_cc(&x), 0);

	fh2 = fx_disable(&x, fh1);
	EXPECT_EQ(fh2 & 0x80000000u, 0);
	EXPECT_EQ(fx_pcilg(&x, fh1, 0, 4, 0x10, NULL), 0);
	EXPECT_EQ(fx_cc(&x), 3);		/* disabled: the old handle is dead */
	EXPECT_EQ(fx_pcilg(&x, fh2, 0, 4, 0x10, NULL), 0);
	EXPECT_EQ(fx_cc(&x), 3);		/* no enable bit */

	fh3 = fx_enable(&x, 0);
	EXPECT(fh3 & 0x80000000u);
	EXPECT(fh3 != fh1);
	unsigned w = x.dev[0]->bar0_writes;
	EXPECT_EQ(fx_pcilg(&x, fh1, 0, 4, 0x10, NULL), 0);
	EXPECT_EQ(fx_cc(&x), 3);
	EXPECT_EQ(fx_pcistg(&x, fh1, 0, 4, 0x10, 0), 0);
	EXPECT_EQ(fx_cc(&x), 3);
	EXPECT_EQ(fx_pcistb(&x, fh1, 0, 16, 0x10, STB_DATA), 0);
	EXPECT_EQ(fx_cc(&x), 3);
	EXPECT_EQ(x.dev[0]->bar0_writes, w);

	/* the current handle works and the device kept the register */
	EXPECT_EQ(fx_pcilg(&x, fh3, 0, 4, 0x10, &v), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(v, 0xa1b2c3d4);
	fx_fini(&x);
}

/* ---- cc 1 status 12: function in the error state ------------------------ */

TEST(error_state_pcilg_cc1_status12_in_r2)
{
	struct fx x;
	uint32_t fh = setup(&x);
	uint64_t req = ls_req(fh, 0, 4) | 0xaa000000ULL;	/* junk in the status byte */

	fx_to_error(&x, 0);
	x.cpu.gpr[1] = 0x0123456789abcdefULL;
	EXPECT_EQ(lg_raw(&x, req, 0x20), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 2), ZPCI_ST_BLOCKED);
	EXPECT_EQ(x.cpu.gpr[2], (req & ~0xff000000ULL) | (uint64_t)12 << 24);
	EXPECT_EQ(x.cpu.gpr[3], 0x20);
	EXPECT_EQ(x.cpu.gpr[1], 0x0123456789abcdefULL);

	/* config space is blocked too */
	req = ls_req(fh, PCIAS_CFG, 2);
	EXPECT_EQ(lg_raw(&x, req, 0), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(x.cpu.gpr[2], req | (uint64_t)12 << 24);
	fx_fini(&x);
}

TEST(error_state_pcistg_cc1_status12_in_r2)
{
	struct fx x;
	uint32_t fh = setup(&x);
	uint64_t req = ls_req(fh, 0, 8) | 0x11000000ULL;

	fx_to_error(&x, 0);
	EXPECT_EQ(stg_raw(&x, req, 0x40, 0x0102030405060708ULL), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(x.cpu.gpr[2], (req & ~0xff000000ULL) | (uint64_t)12 << 24);
	EXPECT_EQ(x.cpu.gpr[1], 0x0102030405060708ULL);
	EXPECT_EQ(x.cpu.gpr[3], 0x40);
	EXPECT_EQ(x.dev[0]->bar0_writes, 0);
	EXPECT(all_bytes(x.dev[0]->bar0, 4096, 0));
	fx_fini(&x);
}

TEST(error_state_pcistb_cc1_status12_in_r1)
{
	struct fx x;
	uint32_t fh = setup(&x);
	uint64_t req = stb_req(fh, 0, 32) | 0xff000000ULL;

	fx_to_error(&x, 0);
	for (unsigned i = 0; i < 32; i++)
		fx_w8(&x, STB_DATA + i, (uint8_t)(i + 1));
	EXPECT_EQ(stb_raw(&x, req, 0x80, STB_DATA), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 4), ZPCI_ST_BLOCKED);
	EXPECT_EQ(x.cpu.gpr[4], (req & ~0xff000000ULL) | (uint64_t)12 << 24);
	EXPECT_EQ(x.cpu.gpr[5], 0x80);
	EXPECT_EQ(x.cpu.gpr[6], STB_DATA);
	EXPECT_EQ(x.dev[0]->bar0_writes, 0);
	EXPECT(all_bytes(x.dev[0]->bar0, 4096, 0));
	fx_fini(&x);
}

TEST(error_state_after_rpcit_without_ioat_blocks_load_store)
{
	struct fx x;
	uint32_t fh = setup(&x);

	/* RPCIT with no IOAT registered: PEC 1, state ERROR, cc 1 status 8 (§4.6) */
	EXPECT_EQ(fx_rpcit(&x, fh, 0x100000000ULL, 0x1000), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 1), ZPCI_ST_ERROR);
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_ERROR);

	EXPECT_EQ(fx_pcilg(&x, fh, 0, 2, 0, NULL), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 2), ZPCI_ST_BLOCKED);
	EXPECT_EQ(fx_pcistg(&x, fh, 0, 2, 0, 0xffff), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 2), ZPCI_ST_BLOCKED);
	EXPECT_EQ(fx_pcistb(&x, fh, 0, 16, 0, STB_DATA), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 4), ZPCI_ST_BLOCKED);
	EXPECT_EQ(x.dev[0]->bar0_writes, 0);
	fx_fini(&x);
}

/* The status check precedes the address-space and length checks (§1.5). */
TEST(error_state_status12_precedes_pcias_and_length_checks)
{
	struct fx x;
	uint32_t fh = setup(&x);

	fx_to_error(&x, 0);
	EXPECT_EQ(fx_pcilg(&x, fh, 9, 4, 0, NULL), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 2), 12);
	EXPECT_EQ(fx_pcistg(&x, fh, 0, 3, 0, 0), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 2), 12);
	EXPECT_EQ(fx_pcistb(&x, fh, 0, 12, 4, STB_DATA + 1), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 4), 12);
	fx_fini(&x);
}

/* ---- cc 1 status 20: invalid address space ------------------------------ */

TEST(status20_pcias_6_to_14)
{
	struct fx x;
	uint32_t fh = setup(&x);

	for (unsigned as = 6; as <= 14; as++) {
		uint64_t req = ls_req(fh, as, 4);

		x.cpu.gpr[1] = 0x77;
		EXPECT_EQ(lg_raw(&x, req, 0), 0);
		EXPECT_EQ(fx_cc(&x), 1);
		EXPECT_EQ(x.cpu.gpr[2], req | (uint64_t)ZPCI_ST_INVAL_AS << 24);
		EXPECT_EQ(x.cpu.gpr[1], 0x77);

		EXPECT_EQ(stg_raw(&x, req, 0, 0x12345678), 0);
		EXPECT_EQ(fx_cc(&x), 1);
		EXPECT_EQ(x.cpu.gpr[2], req | (uint64_t)ZPCI_ST_INVAL_AS << 24);

		EXPECT_EQ(fx_pcistb(&x, fh, as, 16, 0, STB_DATA), 0);
		EXPECT_EQ(fx_cc(&x), 1);
		EXPECT_EQ(x.cpu.gpr[4], stb_req(fh, as, 16) | (uint64_t)ZPCI_ST_INVAL_AS << 24);
	}
	EXPECT_EQ(x.dev[0]->bar0_writes, 0);
	fx_fini(&x);
}

TEST(status20_unimplemented_bar)
{
	static const unsigned bars[] = { 1, 3, 4, 5 };
	struct fx x;
	uint32_t fh = setup(&x);

	for (unsigned i = 0; i < 4; i++) {
		uint64_t req = ls_req(fh, bars[i], 4);

		EXPECT_EQ(lg_raw(&x, req, 0), 0);
		EXPECT_EQ(fx_cc(&x), 1);
		EXPECT_EQ(x.cpu.gpr[2], req | (uint64_t)20 << 24);
		EXPECT_EQ(stg_raw(&x, req, 0, 1), 0);
		EXPECT_EQ(fx_cc(&x), 1);
		EXPECT_EQ(x.cpu.gpr[2], req | (uint64_t)20 << 24);
		EXPECT_EQ(fx_pcistb(&x, fh, bars[i], 16, 0, STB_DATA), 0);
		EXPECT_EQ(fx_cc(&x), 1);
		EXPECT_EQ(fx_status(&x, 4), 20);
	}
	/* the implemented BARs 0 and 2 are fine */
	EXPECT_EQ(fx_pcilg(&x, fh, 0, 4, 0x100, NULL), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fx_pcilg(&x, fh, 2, 4, 0x100, NULL), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	fx_fini(&x);
}

TEST(pcistb_config_space_status20_in_r1)
{
	struct fx x;
	uint32_t fh = setup(&x);
	uint8_t cfg[4096];

	memcpy(cfg, x.dev[0]->cfg, sizeof(cfg));
	EXPECT_EQ(fx_pcistb(&x, fh, PCIAS_CFG, 16, 0, STB_DATA), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(x.cpu.gpr[4], stb_req(fh, PCIAS_CFG, 16) | (uint64_t)20 << 24);
	EXPECT_EQ(x.cpu.gpr[5], 0);
	/* status 20 comes before the specification checks (§1.5 PCISTB 3-4) */
	EXPECT_EQ(fx_pcistb(&x, fh, PCIAS_CFG, 12, 3, STB_DATA + 1), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 4), 20);
	EXPECT(!memcmp(cfg, x.dev[0]->cfg, sizeof(cfg)));
	fx_fini(&x);
}

/* ---- operand exceptions -------------------------------------------------- */

static void expect_ls_operand(struct fx *x, uint32_t fh, unsigned pcias, unsigned len, uint64_t off)
{
	struct zv_cpu before;
	unsigned w = x->dev[0]->bar0_writes;

	x->cpu.gpr[1] = 0xfedcba9876543210ULL;
	x->cpu.gpr[2] = ls_req(fh, pcias, len);
	x->cpu.gpr[3] = off;
	set_cc_bits(x, 2);
	before = x->cpu;
	EXPECT_EQ(fx_rre(x, OP_PCILG, 1, 2), ZV_PGM_OPERAND);
	EXPECT(cpu_same(&before, &x->cpu));
	EXPECT_EQ(fx_rre(x, OP_PCISTG, 1, 2), ZV_PGM_OPERAND);
	EXPECT(cpu_same(&before, &x->cpu));
	EXPECT_EQ(x->dev[0]->bar0_writes, w);
}

TEST(operand_bar_lengths)
{
	static const unsigned bad[] = { 0, 3, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15 };
	struct fx x;
	uint32_t fh = setup(&x);

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		expect_ls_operand(&x, fh, 0, bad[i], 0);
		expect_ls_operand(&x, fh, 2, bad[i], 0x100);
	}
	EXPECT(all_bytes(x.dev[0]->bar0, 4096, 0));
	EXPECT(all_bytes(x.dev[0]->bar2, 4096, 0));
	fx_fini(&x);
}

TEST(operand_bar_crossing_8_byte_boundary)
{
	struct fx x;
	uint32_t fh = setup(&x);

	expect_ls_operand(&x, fh, 0, 8, 4);
	expect_ls_operand(&x, fh, 0, 8, 1);
	expect_ls_operand(&x, fh, 0, 4, 6);
	expect_ls_operand(&x, fh, 0, 2, 7);
	expect_ls_operand(&x, fh, 0, 4, 0x7fd);
	EXPECT(all_bytes(x.dev[0]->bar0, 4096, 0));
	/* inside one doubleword is fine */
	EXPECT_EQ(fx_pcistg(&x, fh, 0, 4, 4, 0x01020304), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fx_pcistg(&x, fh, 0, 2, 6, 0x0506), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fx_pcistg(&x, fh, 0, 1, 7, 0x07), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(x.dev[0]->bar0[4], 0x01);
	EXPECT_EQ(x.dev[0]->bar0[7], 0x07);
	fx_fini(&x);
}

TEST(operand_bar_offset_beyond_end)
{
	struct fx x;
	uint32_t fh = setup(&x);
	uint64_t v;

	expect_ls_operand(&x, fh, 0, 1, 4096);
	expect_ls_operand(&x, fh, 0, 8, 4096);
	expect_ls_operand(&x, fh, 0, 8, 4092);
	expect_ls_operand(&x, fh, 0, 4, 0x100000000ULL);	/* would be 0 if truncated */
	expect_ls_operand(&x, fh, 0, 8, 0xfffffffffffffff8ULL);	/* wraps if added */
	expect_ls_operand(&x, fh, 2, 4, 4096);
	/* the last doubleword of the BAR is accessible */
	EXPECT_EQ(fx_pcistg(&x, fh, 0, 8, 4088, 0x1122334455667788ULL), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fx_pcilg(&x, fh, 0, 8, 4088, &v), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(v, 0x1122334455667788ULL);
	EXPECT_EQ(x.dev[0]->bar0[4095], 0x88);
	fx_fini(&x);
}

TEST(operand_config_lengths)
{
	static const unsigned bad[] = { 0, 3, 5, 6, 7, 8, 9, 15 };
	struct fx x;
	uint32_t fh = setup(&x);
	uint8_t cfg[4096];

	memcpy(cfg, x.dev[0]->cfg, sizeof(cfg));
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_ls_operand(&x, fh, PCIAS_CFG, bad[i], 0);
	EXPECT(!memcmp(cfg, x.dev[0]->cfg, sizeof(cfg)));
	fx_fini(&x);
}

TEST(operand_config_crossing_4_byte_boundary)
{
	struct fx x;
	uint32_t fh = setup(&x);
	uint8_t cfg[4096];

	memcpy(cfg, x.dev[0]->cfg, sizeof(cfg));
	expect_ls_operand(&x, fh, PCIAS_CFG, 4, 2);
	expect_ls_operand(&x, fh, PCIAS_CFG, 4, 1);
	expect_ls_operand(&x, fh, PCIAS_CFG, 2, 3);
	expect_ls_operand(&x, fh, PCIAS_CFG, 4, 0x41);
	expect_ls_operand(&x, fh, PCIAS_CFG, 2, 0x43);	/* over the MSI-X control word */
	EXPECT(!memcmp(cfg, x.dev[0]->cfg, sizeof(cfg)));
	EXPECT_EQ(x.dev[0]->set_msix_calls, 0);
	fx_fini(&x);
}

TEST(operand_config_offset_out_of_range)
{
	struct fx x;
	uint32_t fh = setup(&x);
	uint64_t v;

	expect_ls_operand(&x, fh, PCIAS_CFG, 1, 4096);
	expect_ls_operand(&x, fh, PCIAS_CFG, 4, 4096);
	expect_ls_operand(&x, fh, PCIAS_CFG, 2, 8192);
	/* truncated to 32 bits these would address the vendor id (§11) */
	expect_ls_operand(&x, fh, PCIAS_CFG, 2, 0x100000000ULL);
	expect_ls_operand(&x, fh, PCIAS_CFG, 4, 0x100000000ULL);
	expect_ls_operand(&x, fh, PCIAS_CFG, 1, 0x8000000000000000ULL);
	expect_ls_operand(&x, fh, PCIAS_CFG, 4, 0xfffffffffffffffcULL);
	/* the last dword of the 4 KiB extended config space is accessible */
	x.dev[0]->cfg[4092] = 0xde;
	x.dev[0]->cfg[4095] = 0xad;
	EXPECT_EQ(fx_pcilg(&x, fh, PCIAS_CFG, 4, 4092, &v), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(v, 0xde0000adULL);
	fx_fini(&x);
}

/* ---- data placement (§1.4) ----------------------------------------------- */

TEST(pcistg_places_low_order_bytes_in_address_order)
{
	struct fx x;
	uint32_t fh = setup(&x);
	const uint64_t r1 = 0x0123456789abcdefULL;
	uint8_t *b = x.dev[0]->bar0;

	memset(b, 0xa5, 4096);
	EXPECT_EQ(fx_pcistg(&x, fh, 0, 1, 0x101, r1), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(b[0x101], 0xef);
	EXPECT_EQ(b[0x100], 0xa5);
	EXPECT_EQ(b[0x102], 0xa5);

	EXPECT_EQ(fx_pcistg(&x, fh, 0, 2, 0x202, r1), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(b[0x201], 0xa5);
	EXPECT_EQ(b[0x202], 0xcd);
	EXPECT_EQ(b[0x203], 0xef);
	EXPECT_EQ(b[0x204], 0xa5);

	EXPECT_EQ(fx_pcistg(&x, fh, 0, 4, 0x304, r1), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(b[0x303], 0xa5);
	EXPECT_EQ(b[0x304], 0x89);
	EXPECT_EQ(b[0x305], 0xab);
	EXPECT_EQ(b[0x306], 0xcd);
	EXPECT_EQ(b[0x307], 0xef);
	EXPECT_EQ(b[0x308], 0xa5);

	EXPECT_EQ(fx_pcistg(&x, fh, 0, 8, 0x408, r1), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(b[0x407], 0xa5);
	for (unsigned i = 0; i < 8; i++)
		EXPECT_EQ(b[0x408 + i], (uint8_t)(r1 >> (56 - 8 * i)));
	EXPECT_EQ(b[0x410], 0xa5);
	EXPECT_EQ(x.dev[0]->bar0_writes, 4);
	/* the store leaves R1 as it was */
	EXPECT_EQ(x.cpu.gpr[1], r1);
	fx_fini(&x);
}

TEST(pcilg_right_justified_other_bits_zero)
{
	struct fx x;
	uint32_t fh = setup(&x);
	uint8_t *b = x.dev[0]->bar0;
	uint64_t v;

	for (unsigned i = 0; i < 16; i++)
		b[0x500 + i] = (uint8_t)(0xf0 + i);	/* f0 f1 ... ff */

	x.cpu.gpr[1] = ~0ULL;
	EXPECT_EQ(fx_pcilg(&x, fh, 0, 1, 0x503, &v), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(v, 0xf3);
	x.cpu.gpr[1] = ~0ULL;
	EXPECT_EQ(fx_pcilg(&x, fh, 0, 2, 0x506, &v), 0);
	EXPECT_EQ(v, 0xf6f7);
	x.cpu.gpr[1] = ~0ULL;
	EXPECT_EQ(fx_pcilg(&x, fh, 0, 4, 0x50c, &v), 0);
	EXPECT_EQ(v, 0xfcfdfeffULL);
	x.cpu.gpr[1] = ~0ULL;
	EXPECT_EQ(fx_pcilg(&x, fh, 0, 8, 0x500, &v), 0);
	EXPECT_EQ(v, 0xf0f1f2f3f4f5f6f7ULL);

	/* round trip of each length through the device */
	static const unsigned lens[] = { 1, 2, 4, 8 };
	for (unsigned i = 0; i < 4; i++) {
		uint64_t val = 0x8877665544332211ULL, mask = lens[i] == 8 ? ~0ULL :
						(1ULL << (8 * lens[i])) - 1;

		EXPECT_EQ(fx_pcistg(&x, fh, 0, lens[i], 0x600 + 8 * i, val), 0);
		x.cpu.gpr[1] = 0x5555555555555555ULL;
		EXPECT_EQ(fx_pcilg(&x, fh, 0, lens[i], 0x600 + 8 * i, &v), 0);
		EXPECT_EQ(fx_cc(&x), 0);
		EXPECT_EQ(v, val & mask);
	}
	fx_fini(&x);
}

TEST(pcilg_config_vendor_and_device_id)
{
	struct fx x;
	uint32_t fh = setup(&x);
	uint64_t v;

	/* vendor 0x1af4, device 0x1234, little-endian in config space */
	x.cpu.gpr[1] = ~0ULL;
	EXPECT_EQ(fx_pcilg(&x, fh, PCIAS_CFG, 2, 0, &v), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(v, 0xf41a);
	EXPECT_EQ(fx_pcilg(&x, fh, PCIAS_CFG, 1, 0, &v), 0);
	EXPECT_EQ(v, 0xf4);
	EXPECT_EQ(fx_pcilg(&x, fh, PCIAS_CFG, 1, 1, &v), 0);
	EXPECT_EQ(v, 0x1a);
	EXPECT_EQ(fx_pcilg(&x, fh, PCIAS_CFG, 2, 2, &v), 0);
	EXPECT_EQ(v, 0x3412);
	x.cpu.gpr[1] = ~0ULL;
	EXPECT_EQ(fx_pcilg(&x, fh, PCIAS_CFG, 4, 0, &v), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(v, 0xf41a3412ULL);
	fx_fini(&x);
}

TEST(pcistg_config_reaches_device_in_address_order)
{
	struct fx x;
	uint32_t fh = setup(&x);
	uint64_t v;

	/* command register: PCI value 0x0006 is bytes 06 00 -> register 0x0600 */
	EXPECT_EQ(fx_pcistg(&x, fh, PCIAS_CFG, 2, PCI_COMMAND, 0xffff0600ULL), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(x.dev[0]->cfg[PCI_COMMAND], 0x06);
	EXPECT_EQ(x.dev[0]->cfg[PCI_COMMAND + 1], 0x00);
	EXPECT_EQ(fx_pcistg(&x, fh, PCIAS_CFG, 1, 0x3c, 0x0b), 0);
	EXPECT_EQ(x.dev[0]->cfg[0x3c], 0x0b);
	EXPECT_EQ(fx_pcilg(&x, fh, PCIAS_CFG, 4, 0x3c, &v), 0);
	EXPECT_EQ(v >> 24, 0x0b);
	fx_fini(&x);
}

/* ---- backend failure ------------------------------------------------------ */

TEST(backend_failure_cc1_status8)
{
	struct fx x;
	uint32_t fh = setup(&x);

	/* each of the three instructions, on a function the host cannot
	 * reach: cc 1 status 8, the error state, an SERR event; after
	 * Linux-style recovery the function works again */
	static const int kinds[] = { 0, 1, 2, 3, 4 };	/* lg, stg, cfg lg, cfg stg, stb */
	struct zpci_event ev;

	for (unsigned k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		uint64_t r = k < 2 ? ls_req(fh, 0, 4) : ls_req(fh, PCIAS_CFG, 2);
		int reg = k == 4 ? 4 : 2;

		x.dev[0]->fail_region_io = 1;
		x.cpu.gpr[1] = 0x42;
		if (k == 0 || k == 2)
			EXPECT_EQ(lg_raw(&x, r, k == 0 ? 0x10 : 0), 0);
		else if (k == 1 || k == 3)
			EXPECT_EQ(stg_raw(&x, r, k == 1 ? 0x10 : PCI_COMMAND, k == 1 ? 0x11223344 : 0x0600), 0);
		else
			EXPECT_EQ(fx_pcistb(&x, fh, 0, 16, 0x20, STB_DATA), 0);
		EXPECT_EQ(fx_cc(&x), 1);
		EXPECT_EQ(fx_status(&x, reg), ZPCI_ST_ERROR);
		if (k == 0)
			EXPECT_EQ(x.cpu.gpr[1], 0x42);	/* nothing loaded */
		EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_ERROR);
		EXPECT(fx_event(&x, &ev));
		EXPECT_EQ(ev.pec, ZPCI_PEC_SERR);
		/* in error, the function answers "blocked" and the device is
		 * not asked again */
		EXPECT_EQ(lg_raw(&x, ls_req(fh, 0, 4), 0x10), 0);
		EXPECT_EQ(fx_status(&x, 2), ZPCI_ST_BLOCKED);
		x.dev[0]->fail_region_io = 0;
		EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_RESET_BLOCK), 0);
		EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_RESET_ERROR), 0);
		EXPECT_EQ(fx_cc(&x), 0);
	}
	EXPECT(all_bytes(x.dev[0]->bar0, 4096, 0));
	EXPECT_EQ(fx_pcistg(&x, fh, 0, 4, 0x10, 0x11223344), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	fx_fini(&x);
}

/* ---- PCISTB -------------------------------------------------------------- */

static void expect_stb_exc(struct fx *x, uint32_t fh, unsigned len, uint64_t off, uint64_t addr,
			   int code)
{
	struct zv_cpu before;
	unsigned w = x->dev[0]->bar0_writes;

	x->cpu.gpr[4] = stb_req(fh, 0, len);
	x->cpu.gpr[5] = off;
	x->cpu.gpr[6] = addr;
	set_cc_bits(x, 3);
	before = x->cpu;
	EXPECT_EQ(fx_rsy(x, 0xeb, 0xd0, 4, 5, 6, 0), code);
	EXPECT(cpu_same(&before, &x->cpu));
	EXPECT_EQ(x->dev[0]->bar0_writes, w);
}

static void fill_stb_data(struct fx *x, uint64_t addr, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		fx_w8(x, addr + i, (uint8_t)(0x30 + i * 7));
}

TEST(pcistb_spec_offset_not_multiple_of_8)
{
	struct fx x;
	uint32_t fh = setup(&x);

	fill_stb_data(&x, STB_DATA, 128);
	for (unsigned o = 1; o < 8; o++)
		expect_stb_exc(&x, fh, 16, 0x100 + o, STB_DATA, ZV_PGM_SPECIFICATION);
	EXPECT(all_bytes(x.dev[0]->bar0, 4096, 0));
	fx_fini(&x);
}

TEST(pcistb_spec_length_not_above_8)
{
	struct fx x;
	uint32_t fh = setup(&x);

	fill_stb_data(&x, STB_DATA, 128);
	expect_stb_exc(&x, fh, 8, 0x100, STB_DATA, ZV_PGM_SPECIFICATION);
	expect_stb_exc(&x, fh, 0, 0x100, STB_DATA, ZV_PGM_SPECIFICATION);
	expect_stb_exc(&x, fh, 4, 0x100, STB_DATA, ZV_PGM_SPECIFICATION);
	EXPECT(all_bytes(x.dev[0]->bar0, 4096, 0));
	fx_fini(&x);
}

TEST(pcistb_spec_length_not_multiple_of_8)
{
	struct fx x;
	uint32_t fh = setup(&x);

	fill_stb_data(&x, STB_DATA, 128);
	expect_stb_exc(&x, fh, 20, 0x100, STB_DATA, ZV_PGM_SPECIFICATION);
	expect_stb_exc(&x, fh, 33, 0x100, STB_DATA, ZV_PGM_SPECIFICATION);
	expect_stb_exc(&x, fh, 127, 0x100, STB_DATA, ZV_PGM_SPECIFICATION);
	EXPECT(all_bytes(x.dev[0]->bar0, 4096, 0));
	fx_fini(&x);
}

TEST(pcistb_spec_length_above_maxstbl)
{
	struct fx x;
	uint32_t fh = setup(&x);
	uint16_t maxstbl;

	/* maxstbl as QUERY PCI FNGRP advertises it (13-bit field, §1.5) */
	memset(x.ram + FX_LPCB, 0, 8192);
	fx_w32(&x, FX_LPCB + CLP_QGRP_RQ_PFGID, 0xff);
	EXPECT_EQ(fx_clp(&x, CLP_QUERY_PCI_FNGRP, 4096 - 32, NULL), CLP_RC_OK);
	maxstbl = fx_r16(&x, FX_LPCB + 32 + CLP_QGRP_RS_MAXSTBL) & 0x1fff;
	EXPECT_EQ(maxstbl, 128);

	fill_stb_data(&x, STB_DATA, 256);
	expect_stb_exc(&x, fh, 136, 0x100, STB_DATA, ZV_PGM_SPECIFICATION);
	expect_stb_exc(&x, fh, 256, 0x100, STB_DATA, ZV_PGM_SPECIFICATION);
	expect_stb_exc(&x, fh, 4096, 0, STB_DATA, ZV_PGM_SPECIFICATION);
	EXPECT(all_bytes(x.dev[0]->bar0, 4096, 0));
	fx_fini(&x);
}

TEST(pcistb_spec_crossing_4k_boundary)
{
	struct fx x;
	uint32_t fh = setup(&x);

	fill_stb_data(&x, STB_DATA, 128);
	/* specification before the BAR-range operand check (§1.5 PCISTB 4-5) */
	expect_stb_exc(&x, fh, 128, 0xfc0, STB_DATA, ZV_PGM_SPECIFICATION);
	expect_stb_exc(&x, fh, 16, 0xff8, STB_DATA, ZV_PGM_SPECIFICATION);
	expect_stb_exc(&x, fh, 16, 0x1ff8, STB_DATA, ZV_PGM_SPECIFICATION);
	EXPECT(all_bytes(x.dev[0]->bar0, 4096, 0));
	/* ending exactly at the boundary is fine */
	EXPECT_EQ(fx_pcistb(&x, fh, 0, 128, 0xf80, STB_DATA), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT(!memcmp(x.dev[0]->bar0 + 0xf80, x.ram + STB_DATA, 128));
	fx_fini(&x);
}

TEST(pcistb_spec_data_address_not_doubleword_aligned)
{
	struct fx x;
	uint32_t fh = setup(&x);

	fill_stb_data(&x, STB_DATA, 256);
	for (unsigned a = 1; a < 8; a++)
		expect_stb_exc(&x, fh, 16, 0x100, STB_DATA + a, ZV_PGM_SPECIFICATION);
	EXPECT(all_bytes(x.dev[0]->bar0, 4096, 0));
	/* the displacement counts in the address too */
	x.cpu.gpr[4] = stb_req(fh, 0, 16);
	x.cpu.gpr[5] = 0x100;
	x.cpu.gpr[6] = STB_DATA;
	EXPECT_EQ(fx_rsy(&x, 0xeb, 0xd0, 4, 5, 6, 4), ZV_PGM_SPECIFICATION);
	EXPECT_EQ(fx_rsy(&x, 0xeb, 0xd0, 4, 5, 6, 8), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT(!memcmp(x.dev[0]->bar0 + 0x100, x.ram + STB_DATA + 8, 16));
	fx_fini(&x);
}

TEST(pcistb_operand_block_past_bar_end)
{
	struct fx x;
	uint32_t fh = setup(&x);

	fill_stb_data(&x, STB_DATA, 128);
	expect_stb_exc(&x, fh, 16, 4096, STB_DATA, ZV_PGM_OPERAND);
	expect_stb_exc(&x, fh, 128, 0x2000, STB_DATA, ZV_PGM_OPERAND);
	expect_stb_exc(&x, fh, 16, 0x100000000ULL, STB_DATA, ZV_PGM_OPERAND);
	expect_stb_exc(&x, fh, 16, 0xfffffffffffff000ULL, STB_DATA, ZV_PGM_OPERAND);
	EXPECT(all_bytes(x.dev[0]->bar0, 4096, 0));
	fx_fini(&x);
}

TEST(pcistb_128_bytes_one_backend_write_in_memory_order)
{
	struct fx x;
	uint32_t fh = setup(&x);
	unsigned w;

	memset(x.dev[0]->bar0, 0xee, 4096);
	fill_stb_data(&x, STB_DATA, 128);
	w = x.dev[0]->bar0_writes;
	set_cc_bits(&x, 3);
	EXPECT_EQ(fx_pcistb(&x, fh, 0, 128, 0x200, STB_DATA), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(x.dev[0]->bar0_writes, w + 1);
	for (unsigned i = 0; i < 128; i++)
		EXPECT_EQ(x.dev[0]->bar0[0x200 + i], (uint8_t)(0x30 + i * 7));
	EXPECT_EQ(x.dev[0]->bar0[0x1ff], 0xee);
	EXPECT_EQ(x.dev[0]->bar0[0x280], 0xee);
	/* registers other than the condition code are left alone */
	EXPECT_EQ(x.cpu.gpr[4], stb_req(fh, 0, 128));
	EXPECT_EQ(x.cpu.gpr[5], 0x200);
	EXPECT_EQ(x.cpu.gpr[6], STB_DATA);

	/* the smallest block, 16 bytes */
	EXPECT_EQ(fx_pcistb(&x, fh, 0, 16, 0x400, STB_DATA + 64), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(x.dev[0]->bar0_writes, w + 2);
	EXPECT(!memcmp(x.dev[0]->bar0 + 0x400, x.ram + STB_DATA + 64, 16));
	EXPECT_EQ(x.dev[0]->bar0[0x410], 0xee);
	fx_fini(&x);
}

TEST(pcistb_length_field_is_13_bits)
{
	struct fx x;
	uint32_t fh = setup(&x);

	fill_stb_data(&x, STB_DATA, 128);
	/* 0x1080 read as 8 bits would be a valid 128-byte store */
	expect_stb_exc(&x, fh, 0x1080, 0x200, STB_DATA, ZV_PGM_SPECIFICATION);
	/* 0x0110 read as 8 bits would be a valid 16-byte store */
	expect_stb_exc(&x, fh, 0x0110, 0x200, STB_DATA, ZV_PGM_SPECIFICATION);
	expect_stb_exc(&x, fh, 0x1ff8, 0x0, STB_DATA, ZV_PGM_SPECIFICATION);
	EXPECT(all_bytes(x.dev[0]->bar0, 4096, 0));
	fx_fini(&x);
}

TEST(pcistb_access_exception_leaves_bar_untouched)
{
	struct fx x;
	uint32_t fh = setup(&x);
	const uint64_t la = STB_DATA + 0xfc0;	/* 64 bytes each side of a page boundary */

	fill_stb_data(&x, la, 128);
	x.translate_fault = 0x0011;		/* page-translation exception */
	x.translate_fault_at = STB_DATA + 0x1000;
	expect_stb_exc(&x, fh, 128, 0x100, la, 0x0011);
	x.translate_fault = ZV_PGM_PROTECTION;
	x.translate_fault_at = la;
	expect_stb_exc(&x, fh, 16, 0x100, la, ZV_PGM_PROTECTION);
	EXPECT(all_bytes(x.dev[0]->bar0, 4096, 0));

	/* the data address is translated, not used as absolute: outside RAM */
	x.translate_fault = 0;
	expect_stb_exc(&x, fh, 16, 0x100, FX_RAM_SIZE, ZV_PGM_ADDRESSING);
	EXPECT(all_bytes(x.dev[0]->bar0, 4096, 0));

	/* without the fault the same block goes through */
	EXPECT_EQ(fx_pcistb(&x, fh, 0, 128, 0x100, la), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT(!memcmp(x.dev[0]->bar0 + 0x100, x.ram + la, 128));
	fx_fini(&x);
}

/* ---- MSI-X virtualization ----------------------------------------------- */

TEST(msix_table_writes_kept_by_engine_not_device)
{
	struct fx x;
	uint32_t fh = setup(&x);
	uint64_t v;

	for (unsigned vec = 0; vec < 8; vec++) {
		uint64_t base = 16 * vec;

		EXPECT_EQ(fx_pcistg(&x, fh, 2, 4, base + 0, 0x00f0001bu + vec), 0);
		EXPECT_EQ(fx_cc(&x), 0);
		EXPECT_EQ(fx_pcistg(&x, fh, 2, 4, base + 4, 0x000000feu), 0);
		EXPECT_EQ(fx_cc(&x), 0);
		EXPECT_EQ(fx_pcistg(&x, fh, 2, 4, base + 8, (uint64_t)vec << 24), 0);
		EXPECT_EQ(fx_cc(&x), 0);
		EXPECT_EQ(fx_pcistg(&x, fh, 2, 4, base + 12, 0), 0);
		EXPECT_EQ(fx_cc(&x), 0);
	}
	for (unsigned vec = 0; vec < 8; vec++) {
		uint64_t base = 16 * vec;

		EXPECT_EQ(fx_pcilg(&x, fh, 2, 4, base + 0, &v), 0);
		EXPECT_EQ(fx_cc(&x), 0);
		EXPECT_EQ(v, 0x00f0001bu + vec);
		EXPECT_EQ(fx_pcilg(&x, fh, 2, 4, base + 4, &v), 0);
		EXPECT_EQ(v, 0xfe);
		EXPECT_EQ(fx_pcilg(&x, fh, 2, 4, base + 8, &v), 0);
		EXPECT_EQ(v, (uint64_t)vec << 24);
		EXPECT_EQ(fx_pcilg(&x, fh, 2, 4, base + 12, &v), 0);
		EXPECT_EQ(v, 0);
		/* one doubleword covering address low and high */
		EXPECT_EQ(fx_pcilg(&x, fh, 2, 8, base, &v), 0);
		EXPECT_EQ(v, (uint64_t)(0x00f0001bu + vec) << 32 | 0xfe);
	}
	/* 8-byte and 1-byte stores into the table */
	EXPECT_EQ(fx_pcistg(&x, fh, 2, 8, 16 * 3 + 8, 0x0102030405060708ULL), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fx_pcilg(&x, fh, 2, 4, 16 * 3 + 8, &v), 0);
	EXPECT_EQ(v, 0x01020304);
	EXPECT_EQ(fx_pcilg(&x, fh, 2, 4, 16 * 3 + 12, &v), 0);
	EXPECT_EQ(v, 0x05060708);
	EXPECT_EQ(fx_pcistg(&x, fh, 2, 1, 16 * 3 + 13, 0xaa), 0);
	EXPECT_EQ(fx_pcilg(&x, fh, 2, 2, 16 * 3 + 12, &v), 0);
	EXPECT_EQ(v, 0x05aa);

	EXPECT(all_bytes(x.dev[0]->bar2, 4096, 0));
	fx_fini(&x);
}

TEST(msix_vector_control_masked_after_reset)
{
	struct fx x;
	uint32_t fh = setup(&x);
	uint64_t v;

	/* vector control dword 0x00000001 (little-endian PCI) in address order */
	for (unsigned vec = 0; vec < 8; vec++) {
		EXPECT_EQ(fx_pcilg(&x, fh, 2, 4, 16 * vec + 12, &v), 0);
		EXPECT_EQ(fx_cc(&x), 0);
		EXPECT_EQ(v, 0x01000000);
		EXPECT_EQ(fx_pcilg(&x, fh, 2, 1, 16 * vec + 12, &v), 0);
		EXPECT_EQ(v, 0x01);
		/* the rest of the entry is zero */
		EXPECT_EQ(fx_pcilg(&x, fh, 2, 8, 16 * vec, &v), 0);
		EXPECT_EQ(v, 0);
		EXPECT_EQ(fx_pcistg(&x, fh, 2, 4, 16 * vec + 12, 0), 0);
		EXPECT_EQ(fx_pcistg(&x, fh, 2, 4, 16 * vec + 8, 0x12345678), 0);
	}
	/* a function reset (disable + enable) masks them again */
	fh = fx_disable(&x, fh);
	fh = fx_enable(&x, 0);
	for (unsigned vec = 0; vec < 8; vec++) {
		EXPECT_EQ(fx_pcilg(&x, fh, 2, 4, 16 * vec + 12, &v), 0);
		EXPECT_EQ(fx_cc(&x), 0);
		EXPECT_EQ(v, 0x01000000);
		EXPECT_EQ(fx_pcilg(&x, fh, 2, 4, 16 * vec + 8, &v), 0);
		EXPECT_EQ(v, 0);
	}
	fx_fini(&x);
}

TEST(msix_pba_reads_zero_initially)
{
	struct fx x;
	uint32_t fh = setup(&x);
	uint64_t v;

	memset(x.dev[0]->bar2 + 0x800, 0xff, 16);	/* the device's own PBA is not shown */
	x.cpu.gpr[1] = ~0ULL;
	EXPECT_EQ(fx_pcilg(&x, fh, 2, 8, 0x800, &v), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(v, 0);
	EXPECT_EQ(fx_pcilg(&x, fh, 2, 4, 0x804, &v), 0);
	EXPECT_EQ(v, 0);
	EXPECT_EQ(fx_pcilg(&x, fh, 2, 1, 0x800, &v), 0);
	EXPECT_EQ(v, 0);
	/* the PBA is read-only */
	EXPECT_EQ(fx_pcistg(&x, fh, 2, 8, 0x800, ~0ULL), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fx_pcilg(&x, fh, 2, 8, 0x800, &v), 0);
	EXPECT_EQ(v, 0);
	fx_fini(&x);
}

TEST(msix_message_control_virtualized)
{
	struct fx x;
	uint32_t fh = setup(&x);
	uint64_t v;

	/* table size 8 -> QSIZE 7; enable and function mask clear: 0x0007 */
	EXPECT_EQ(fx_pcilg(&x, fh, PCIAS_CFG, 2, 0x42, &v), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(v, 0x0700);

	/* enable (0x8000): bytes 00 80 */
	EXPECT_EQ(fx_pcistg(&x, fh, PCIAS_CFG, 2, 0x42, 0x0080), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fx_pcilg(&x, fh, PCIAS_CFG, 2, 0x42, &v), 0);
	EXPECT_EQ(v, 0x0780);

	/* enable + function mask (0xc000) */
	EXPECT_EQ(fx_pcistg(&x, fh, PCIAS_CFG, 2, 0x42, 0x00c0), 0);
	EXPECT_EQ(fx_pcilg(&x, fh, PCIAS_CFG, 2, 0x42, &v), 0);
	EXPECT_EQ(v, 0x07c0);

	/* the whole capability dword: id 0x11, next 0, control */
	EXPECT_EQ(fx_pcilg(&x, fh, PCIAS_CFG, 4, 0x40, &v), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(v, 0x110007c0ULL);
	/* the high byte alone */
	EXPECT_EQ(fx_pcilg(&x, fh, PCIAS_CFG, 1, 0x43, &v), 0);
	EXPECT_EQ(v, 0xc0);

	/* the table size is the device's, whatever the guest writes */
	EXPECT_EQ(fx_pcistg(&x, fh, PCIAS_CFG, 2, 0x42, 0xffff), 0);
	EXPECT_EQ(fx_pcilg(&x, fh, PCIAS_CFG, 2, 0x42, &v), 0);
	EXPECT_EQ(v, 0x07c0);	/* QSIZE 7, enable, mask; reserved bits 0 */

	/* a 1-byte store to the high byte clears the mask, keeps enable */
	EXPECT_EQ(fx_pcistg(&x, fh, PCIAS_CFG, 1, 0x43, 0x80), 0);
	EXPECT_EQ(fx_pcilg(&x, fh, PCIAS_CFG, 2, 0x42, &v), 0);
	EXPECT_EQ(v, 0x0780);

	/* everything off */
	EXPECT_EQ(fx_pcistg(&x, fh, PCIAS_CFG, 4, 0x40, 0x11000000), 0);
	EXPECT_EQ(fx_pcilg(&x, fh, PCIAS_CFG, 2, 0x42, &v), 0);
	EXPECT_EQ(v, 0x0700);
	fx_fini(&x);
}

TEST(msix_enable_hands_eventfds_to_device)
{
	struct fx x;
	uint32_t fh = setup(&x);
	unsigned calls = x.dev[0]->set_msix_calls;

	for (unsigned v = 0; v < 8; v++)
		EXPECT(x.dev[0]->fds[v] < 0);
	/* enabled with every vector masked (their reset state, and Linux's
	 * pci_alloc_irq_vectors()): the device goes into MSI-X mode at once,
	 * with vector 0 alone attached -- a device may decide then how it
	 * interrupts, long before the driver unmasks a vector */
	EXPECT_EQ(fx_pcistg(&x, fh, PCIAS_CFG, 2, 0x42, 0x0080), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(x.dev[0]->set_msix_calls, calls + 1);
	for (unsigned v = 0; v < 8; v++)
		EXPECT((x.dev[0]->fds[v] >= 0) == (v == 0));
	/* unmasking vector 3 attaches exactly vector 3, in one call */
	EXPECT_EQ(fx_pcistg(&x, fh, 2, 4, 16 * 3 + 12, 0), 0);
	EXPECT_EQ(x.dev[0]->set_msix_calls, calls + 2);
	for (unsigned v = 0; v < 8; v++)
		EXPECT((x.dev[0]->fds[v] >= 0) == (v == 0 || v == 3));
	/* masking it again does not detach it (an event goes to the PBA) */
	EXPECT_EQ(fx_pcistg(&x, fh, 2, 4, 16 * 3 + 12, 0x01000000), 0);
	EXPECT_EQ(x.dev[0]->set_msix_calls, calls + 2);
	EXPECT(x.dev[0]->fds[3] >= 0);
	/* vectors 0-7 unmasked while the function is masked: attached when
	 * the function mask goes, the ones not yet attached in runs */
	EXPECT_EQ(fx_pcistg(&x, fh, PCIAS_CFG, 2, 0x42, 0x00c0), 0);
	for (unsigned v = 0; v < 8; v++)
		EXPECT_EQ(fx_pcistg(&x, fh, 2, 4, 16 * v + 12, 0), 0);
	/* the function mask does not stop attaching: vectors are in use */
	for (unsigned v = 0; v < 8; v++) {
		EXPECT(x.dev[0]->fds[v] >= 0);
		for (unsigned u = 0; u < v; u++)
			EXPECT(x.dev[0]->fds[u] != x.dev[0]->fds[v]);
	}
	unsigned after = x.dev[0]->set_msix_calls;
	EXPECT(after > calls + 2);
	/* writing enable again is not a new attach */
	EXPECT_EQ(fx_pcistg(&x, fh, PCIAS_CFG, 2, 0x42, 0x0080), 0);
	EXPECT_EQ(x.dev[0]->set_msix_calls, after);
	/* disabling MSI-X takes them back */
	EXPECT_EQ(fx_pcistg(&x, fh, PCIAS_CFG, 2, 0x42, 0x0000), 0);
	EXPECT_EQ(x.dev[0]->set_msix_calls, after + 1);
	for (unsigned v = 0; v < 8; v++)
		EXPECT(x.dev[0]->fds[v] < 0);
	fx_fini(&x);
}

/* Linux's order: MSI-X enabled with every vector masked; the device is in
 * MSI-X mode from then on (vector 0 attached), an event on the masked
 * vector waits in the PBA, and disabling takes the vector back and
 * forgets the pending bit. */
TEST(msix_enable_masked_puts_device_in_msix_mode)
{
	struct fx x;
	uint32_t fh = setup(&x);
	unsigned calls = x.dev[0]->set_msix_calls;
	uint64_t one = 1, pba;
	struct zv_stats st;

	EXPECT_EQ(fx_pcistg(&x, fh, PCIAS_CFG, 2, 0x42, 0x00c0), 0);	/* enable + mask all */
	EXPECT_EQ(x.dev[0]->set_msix_calls, calls + 1);
	for (unsigned v = 0; v < 8; v++)
		EXPECT((x.dev[0]->fds[v] >= 0) == (v == 0));
	EXPECT_EQ(write(x.dev[0]->fds[0], &one, sizeof(one)), (ssize_t)sizeof(one));
	zv_dispatch(x.m);
	EXPECT_EQ(fx_pcilg(&x, fh, 2, 8, 0x800, &pba), 0);
	EXPECT_EQ(pba, 1ULL << 56);	/* bit 0: byte 0 of the little-endian PBA */
	zv_stats_get(x.m, &st);
	EXPECT_EQ(st.irqs_forwarded, 0);
	EXPECT_EQ(st.irqs_pending_pba, 1);
	/* the function mask off, vector 0 still masked: still pending */
	EXPECT_EQ(fx_pcistg(&x, fh, PCIAS_CFG, 2, 0x42, 0x0080), 0);
	EXPECT_EQ(x.dev[0]->set_msix_calls, calls + 1);
	EXPECT_EQ(fx_pcilg(&x, fh, 2, 8, 0x800, &pba), 0);
	EXPECT_EQ(pba, 1ULL << 56);
	/* off: the backend lets go, the pending bit is forgotten */
	EXPECT_EQ(fx_pcistg(&x, fh, PCIAS_CFG, 2, 0x42, 0x0000), 0);
	EXPECT_EQ(x.dev[0]->set_msix_calls, calls + 2);
	EXPECT(x.dev[0]->fds[0] < 0);
	EXPECT_EQ(fx_pcilg(&x, fh, 2, 8, 0x800, &pba), 0);
	EXPECT_EQ(pba, 0);
	fx_fini(&x);
}

/* An MSI-X vector the binding delivers itself (irqfd): zv_dispatch()
 * leaves it alone, not even a PBA bit, until the bypass is off. */
TEST(msix_vector_bypassed_for_an_irqfd_is_left_to_the_binding)
{
	struct fx x;
	uint32_t fh = setup(&x);
	uint64_t one = 1, pba;
	struct zv_stats st;

	EXPECT_EQ(fx_pcistg(&x, fh, PCIAS_CFG, 2, 0x42, 0x00c0), 0);	/* enable + mask all */
	EXPECT_EQ(zv_function_irq_bypass(x.fn[0], 0, true), 0);
	EXPECT_EQ(write(x.dev[0]->fds[0], &one, sizeof(one)), (ssize_t)sizeof(one));
	zv_dispatch(x.m);
	EXPECT_EQ(fx_pcilg(&x, fh, 2, 8, 0x800, &pba), 0);
	EXPECT_EQ(pba, 0);
	zv_stats_get(x.m, &st);
	EXPECT_EQ(st.irqs_pending_pba, 0);
	EXPECT_EQ(zv_function_irq_bypass(x.fn[0], 0, false), 0);
	EXPECT_EQ(write(x.dev[0]->fds[0], &one, sizeof(one)), (ssize_t)sizeof(one));
	zv_dispatch(x.m);
	EXPECT_EQ(fx_pcilg(&x, fh, 2, 8, 0x800, &pba), 0);
	EXPECT_EQ(pba, 1ULL << 56);
	/* vector 8 is beyond the table of 8 (and the function has no MSI) */
	EXPECT_EQ(zv_function_irq_bypass(x.fn[0], 8, true), -1);
	EXPECT_EQ(errno, EINVAL);
	fx_fini(&x);
}

/* ---- condition code 0 without an FMB ------------------------------------ */

TEST(cc0_success_without_fmb)
{
	struct fx x;
	uint32_t fh = setup(&x);
	const size_t snap_len = 1u << 20;
	uint8_t *snap = malloc(snap_len);
	struct zpci_event ev;
	uint64_t v, req;

	fill_stb_data(&x, STB_DATA, 128);
	memcpy(snap, x.ram, snap_len);

	req = ls_req(fh, 0, 8);
	set_cc_bits(&x, 3);
	EXPECT_EQ(stg_raw(&x, req, 0x18, 0xcafebabe00c0ffeeULL), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(x.cpu.gpr[2], req);	/* no status written on cc 0 */
	EXPECT_EQ(x.cpu.gpr[3], 0x18);

	set_cc_bits(&x, 2);
	EXPECT_EQ(lg_raw(&x, req, 0x18), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(x.cpu.gpr[1], 0xcafebabe00c0ffeeULL);
	EXPECT_EQ(x.cpu.gpr[2], req);

	set_cc_bits(&x, 1);
	EXPECT_EQ(fx_pcilg(&x, fh, PCIAS_CFG, 2, 2, &v), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(v, 0x3412);

	set_cc_bits(&x, 1);
	EXPECT_EQ(fx_pcistb(&x, fh, 0, 64, 0x800, STB_DATA), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(x.cpu.gpr[4], stb_req(fh, 0, 64));

	/* no measurement block: guest storage untouched, no events */
	EXPECT(!memcmp(snap, x.ram, snap_len));
	EXPECT(!fx_event(&x, &ev));
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_ENABLED);
	free(snap);
	fx_fini(&x);
}

TEST(blocked_state_allows_load_store)
{
	struct fx x;
	uint32_t fh = setup(&x);
	uint64_t v;

	fx_to_error(&x, 0);
	memset(x.ram + FX_FIB, 0, ZPCI_FIB_SIZE);
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_RESET_BLOCK), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_BLOCKED);
	/* BLOCKED: load/store allowed (§6.1) */
	EXPECT_EQ(fx_pcistg(&x, fh, 0, 4, 0x30, 0x0badf00d), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fx_pcilg(&x, fh, 0, 4, 0x30, &v), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(v, 0x0badf00d);
	EXPECT_EQ(fx_pcistb(&x, fh, 0, 16, 0x40, STB_DATA), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	fx_fini(&x);
}

TEST(pcistb_data_address_follows_addressing_mode)
{
	struct fx x;
	uint32_t fh = setup(&x);

	fill_stb_data(&x, STB_DATA, 128);
	/* 31-bit mode: bits 0-32 of the base register are ignored */
	x.cpu.psw_mask &= ~ZV_PSW_MASK_EA;
	EXPECT_EQ(fx_pcistb(&x, fh, 0, 32, 0x100, 0xffffffff80000000ULL | STB_DATA), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT(!memcmp(x.dev[0]->bar0 + 0x100, x.ram + STB_DATA, 32));
	/* 24-bit mode */
	x.cpu.psw_mask &= ~ZV_PSW_MASK_BA;
	EXPECT_EQ(fx_pcistb(&x, fh, 0, 32, 0x200, 0x7f000000ULL | (STB_DATA + 32)), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT(!memcmp(x.dev[0]->bar0 + 0x200, x.ram + STB_DATA + 32, 32));
	fx_fini(&x);
}
