/* SPDX-License-Identifier: MIT */
/* Smoke test of the fixture: list, enable, load a config register. */
#include "arch/clp.h"
#include "arch/codes.h"
#include "fakes.h"
#include "harness.h"

TEST(fixture_lists_enables_and_loads)
{
	struct fx x;
	uint64_t v;
	uint32_t fh;
	int cc;

	fx_init(&x, 2, 0);
	EXPECT_EQ(fx_clp(&x, CLP_LIST_PCI, 4096 - 32, &cc), CLP_RC_OK);
	EXPECT_EQ(cc, 0);
	EXPECT_EQ(fx_r16(&x, FX_LPCB + 32), 32 + 2 * 16);
	EXPECT_EQ(fx_r16(&x, FX_LPCB + 32 + 0x20 + 2), 0x1af4);
	fh = fx_enable(&x, 1);
	EXPECT(fh & 0x80000000u);
	EXPECT_EQ(fx_pcilg(&x, fh, 15, 2, 0, &v), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(v, 0xf41a);	/* vendor 0x1af4, bytes in address order */
	fx_fini(&x);
}
