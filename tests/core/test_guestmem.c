/* SPDX-License-Identifier: MIT */
/* Guest storage as the engine reaches it: logical accesses through the
 * binding's translation (with the operand's register for AR mode),
 * absolute accesses and their RAM checks. */
#include <string.h>

#include "arch/clp.h"
#include "arch/codes.h"
#include "core/guestmem.h"
#include "fakes.h"
#include "harness.h"

TEST(translate_gets_the_operand_register)
{
	struct fx x;
	uint32_t fh;

	fx_init(&x, 1, 0);
	/* CLP: the LPCB address is in R2's register */
	fx_w16(&x, FX_LPCB, 32);
	fx_w16(&x, FX_LPCB + 2, CLP_LIST_PCI);
	fx_w16(&x, FX_LPCB + 32, 64);
	x.cpu.gpr[7] = FX_LPCB;
	EXPECT_EQ(fx_clp_insn(&x, 7), 0);
	EXPECT_EQ(x.last_ar, 7);
	/* MPCIFC: the FIB is D2(X2,B2): B2's access register */
	fh = fx_enable(&x, 0);
	x.cpu.gpr[1] = (uint64_t)fh << 32 | 7;	/* reset error: cc 1, fine */
	x.cpu.gpr[9] = FX_FIB;
	EXPECT_EQ(fx_rxy(&x, 0xe3, 0xd0, 1, 0, 9, 0), 0);
	EXPECT_EQ(x.last_ar, 9);
	fx_fini(&x);
}

TEST(logical_block_across_pages_translates_each_page)
{
	struct fx x;
	uint64_t a = 0x30000 - 8;	/* the response area starts on the next page */

	fx_init(&x, 1, 0);
	fx_w16(&x, a - 24, 32);
	fx_w16(&x, a - 22, CLP_LIST_PCI);
	fx_w16(&x, a + 8, 64);
	x.cpu.gpr[2] = a - 24;
	x.translate_fault = ZV_PGM_PROTECTION;
	x.translate_fault_at = 0x30000;
	EXPECT_EQ(fx_clp_insn(&x, 2), ZV_PGM_PROTECTION);
	EXPECT_EQ(fx_r16(&x, a + 10), 0);	/* nothing stored */
	x.translate_fault = 0;
	EXPECT_EQ(fx_clp_insn(&x, 2), 0);
	EXPECT_EQ(fx_r16(&x, a + 10), CLP_RC_OK);
	fx_fini(&x);
}

TEST(amode_wraps_operand_addresses)
{
	struct fx x;

	fx_init(&x, 1, 0);
	/* 31-bit mode: the high bits of the register are ignored */
	x.cpu.psw_mask = ZV_PSW_MASK_BA;
	fx_w16(&x, FX_LPCB, 32);
	fx_w16(&x, FX_LPCB + 2, CLP_LIST_PCI);
	fx_w16(&x, FX_LPCB + 32, 64);
	x.cpu.gpr[2] = 0xffffffff80000000ULL | FX_LPCB;
	EXPECT_EQ(fx_clp_insn(&x, 2), 0);
	EXPECT_EQ(fx_r16(&x, FX_LPCB + 34), CLP_RC_OK);
	/* 64-bit mode: the same register is far outside RAM */
	x.cpu.psw_mask = ZV_PSW_MASK_EA | ZV_PSW_MASK_BA;
	EXPECT_EQ(fx_clp_insn(&x, 2), ZV_PGM_ADDRESSING);
	fx_fini(&x);
}

TEST(absolute_ram_checks)
{
	struct fx x;
	uint8_t b[16];

	fx_init(&x, 0, 0);
	EXPECT(gm_in_ram(x.m, 0, FX_RAM_SIZE));
	EXPECT(!gm_in_ram(x.m, 0, FX_RAM_SIZE + 1));
	EXPECT(!gm_in_ram(x.m, FX_RAM_SIZE - 8, 16));
	EXPECT(!gm_in_ram(x.m, UINT64_MAX - 4, 8));	/* wraps */
	EXPECT(gm_ptr(x.m, FX_RAM_SIZE - 16, 16) == x.ram + FX_RAM_SIZE - 16);
	EXPECT(gm_ptr(x.m, FX_RAM_SIZE - 15, 16) == NULL);
	EXPECT_EQ(gm_read(x.m, FX_RAM_SIZE - 8, b, 16), -1);
	fx_w64(&x, 64, 0x1122334455667788ULL);
	EXPECT_EQ(gm_read(x.m, 64, b, 8), 0);
	EXPECT_EQ(b[0], 0x11);
	EXPECT_EQ(b[7], 0x88);
	fx_fini(&x);
}
