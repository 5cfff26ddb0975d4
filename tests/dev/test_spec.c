/* SPDX-License-Identifier: MIT */
/* Specification strings: what a user may write, and the one-line error for
 * everything else. One row per string. */
#include <errno.h>
#include <string.h>

#include "dev/spec.h"
#include "fakes.h"
#include "harness.h"

static const struct {
	const char *spec;
	const char *err;	/* NULL: accepted; else a part of the message */
} cases[] = {
	{ "emu:dma", NULL },
	{ "emu:dma,uid=5,fid=3,vectors=16,maps=100", NULL },
	{ "emu:dma,uid=0x10", NULL },
	{ "emu:dma,sdma=0x200000000,edma=0x200ffffff", NULL },
	{ "emu:dma,uid=010", "leading zero" },
	{ "emu:dma,uid=+5", "not a number" },
	{ "emu:dma,uid= 5", "not a number" },
	{ "emu:dma,uid=5 ", "not a number" },
	{ "emu:dma,uid=-1", "not a number" },
	{ "emu:dma,uid=", "missing" },
	{ "emu:dma,uid=0", "out of range" },
	{ "emu:dma,uid=65536", "out of range" },
	{ "emu:dma,uid=99999999999999999999", "too large" },
	{ "emu:dma,uid=5,uid=6", "'uid' given twice" },
	{ "emu:dma,uid=5,uid=5", "'uid' given twice" },
	{ "emu:dma,vectors=4,vectors=8", "'vectors' given twice" },
	{ "emu:dma,maps=1,maps=0x1", "'maps' given twice" },
	{ "emu:dma,,uid=5", "empty option" },
	{ "emu:dma,uid=5,", "empty option" },
	{ "emu:dma,", "empty option" },
	{ "emu:dma,uid", "needs a value" },
	{ "emu:dma,colour=red", "unknown option 'colour'" },
	{ "emu:dma,vectors=129", "out of range" },
	{ "emu:dma,rtr=2", "out of range" },
	{ "emu:dma,rtr=yes", "not a number" },
	{ "emu:nothing", "unknown device" },
	{ "vfio:0000:00:01.0,iommu=foo", "not one of auto|type1|iommufd" },
	{ "vfio:0000:00:01.0,iommu=type1,iommu=type1", "'iommu' given twice" },
	{ "vfio:0000:00:01.0,iommu=type1,bar=1", "unknown option 'bar'" },
};

TEST(specifications_are_strict)
{
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fx x;
		char err[256] = "";
		struct zv_function *f;

		fx_init(&x, 0, 0);
		errno = 0;
		f = zv_function_add_spec(x.m, cases[i].spec, err, sizeof(err));
		if (!cases[i].err && !f)
			th_fail(__FILE__, __LINE__, "'%s' refused: %s", cases[i].spec, err);
		if (cases[i].err && (f || !strstr(err, cases[i].err) || !errno))
			th_fail(__FILE__, __LINE__, "'%s': got '%s' (errno %d), want '%s'",
				cases[i].spec, f ? "accepted" : err, errno, cases[i].err);
		fx_fini(&x);
	}
}

TEST(option_lists_alone)
{
	static const char *const words[] = { "a", "bb", NULL };
	struct dev_opt o[] = {
		{ .key = "n", .min = 2, .max = 9 },
		{ .key = "w", .choices = words },
	};
	char err[128];

	EXPECT_EQ(dev_parse_opts("", o, 2, err, sizeof(err)), 0);
	EXPECT(!o[0].set && !o[1].set);
	EXPECT_EQ(dev_parse_opts("n=9,w=bb", o, 2, err, sizeof(err)), 0);
	EXPECT_EQ(o[0].val, 9);
	EXPECT_EQ(o[1].val, 1);
	o[0].set = o[1].set = false;
	errno = 0;
	EXPECT_EQ(dev_parse_opts("w=b", o, 2, err, sizeof(err)), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT(strstr(err, "a|bb") != NULL);
	o[0].set = o[1].set = false;
	EXPECT_EQ(dev_parse_opts("n=1", o, 2, NULL, 0), -1);	/* no buffer: no crash */
}

/* The fault wrapper (dev/fault.c): the chosen operation fails every Nth
 * time with the chosen errno; the rest passes through. */
TEST(fault_wrapper_fails_every_nth_call)
{
	char err[128] = "";
	struct zv_device *d = zv_device_open("emu:dma,fail=unmap,fail-errno=einval,fail-every=3",
					      err, sizeof(err));
	static uint8_t page[4096] __attribute__((aligned(4096)));
	int fails = 0, calls = 0;

	EXPECT(d != NULL);
	if (!d)
		return;
	EXPECT(strstr(d->name, "fail") != NULL);
	for (int i = 1; i <= 9; i++) {
		EXPECT_EQ(d->ops->dma_map(d, 0x100000000ULL + 0x1000ULL * (uint64_t)i, 4096, page, true), 0);
		errno = 0;
		calls++;
		if (d->ops->dma_unmap(d, 0x100000000ULL + 0x1000ULL * (uint64_t)i, 4096)) {
			EXPECT_EQ(errno, EINVAL);
			EXPECT_EQ(calls % 3, 0);
			fails++;
			/* still mapped: unmapping again (the next call) works */
			calls++;
			EXPECT_EQ(d->ops->dma_unmap(d, 0x100000000ULL + 0x1000ULL * (uint64_t)i, 4096), 0);
		}
	}
	EXPECT_EQ(fails, calls / 3);
	EXPECT(fails >= 3);
	/* an operation the wrapped device lacks stays absent */
	EXPECT(d->ops->set_msi == NULL);
	zv_device_close(d);
}
