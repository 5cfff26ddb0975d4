/* SPDX-License-Identifier: MIT */
/*
 * The emulated device layer: the type1 IOMMU of in-process devices
 * (src/dev/emu/iommu.c) and the emu:dma device (src/dev/emu/emu_dma.c)
 * driven through its ops table, as docs/DEVICES.md describes them. Host
 * buffers from aligned_alloc() stand in for guest memory; every expected
 * value is computed here from the documentation (the checksum from its
 * definition, anchored on published FNV-1a test vectors).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "arch/pci.h"
#include "dev/dev.h"
#include "dev/emu/emu_dma.h"
#include "dev/emu/iommu.h"
#include "dev/spec.h"
#include "harness.h"

#define PG 4096ULL
#define TOP_PAGE 0xfffffffffffff000ULL		/* the last page of the IOVA space */

/* ---- helpers -------------------------------------------------------------- */

/* n zeroed pages of "guest memory" */
static uint8_t *pages(size_t n)
{
	uint8_t *p = aligned_alloc(PG, n * PG);

	if (!p) {
		th_fail(__FILE__, __LINE__, "aligned_alloc(%zu pages) failed", n);
		abort();
	}
	memset(p, 0, n * PG);
	return p;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint8_t rnd8(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint8_t)(rng_state >> 24);
}

static void randomize(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = rnd8();
}

/* The checksum of docs/DEVICES.md: FNV-1a over 64-bit big-endian words,
 * then per byte for a tail shorter than 8. */
static uint64_t ref_csum(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w = 0;

		for (unsigned k = 0; k < 8; k++)
			w = w << 8 | p[i + k];
		h = (h ^ w) * 0x100000001b3ULL;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/* The host address a read of iova translates to, or NULL. */
static uint8_t *xlate(const struct emu_iommu *io, uint64_t iova)
{
	uint64_t run = 0;
	bool prot = false;

	return emu_iommu_translate(io, iova, 1, false, &run, &prot);
}

static bool mapped(const struct emu_iommu *io, uint64_t iova)
{
	return xlate(io, iova) != NULL;
}

static struct zv_device *dev_open(const char *opts)
{
	char err[256] = "";
	struct zv_device *d = emu_dma_open(opts, err, sizeof(err));

	if (!d) {
		th_fail(__FILE__, __LINE__, "emu_dma_open(\"%s\") failed: %s", opts, err);
		abort();
	}
	return d;
}

/* little-endian n-byte access to a region */
static uint64_t rd(struct zv_device *d, unsigned idx, uint64_t off, unsigned n)
{
	uint8_t b[8] = { 0 };
	uint64_t v = 0;

	if (d->ops->region_read(d, idx, off, b, n))
		th_fail(__FILE__, __LINE__, "region_read(%u, %#" PRIx64 ", %u) failed", idx, off,
			n);
	for (unsigned i = n; i-- > 0;)
		v = v << 8 | b[i];
	return v;
}

static void wr(struct zv_device *d, unsigned idx, uint64_t off, uint64_t v, unsigned n)
{
	uint8_t b[8];

	for (unsigned i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	if (d->ops->region_write(d, idx, off, b, n))
		th_fail(__FILE__, __LINE__, "region_write(%u, %#" PRIx64 ", %u) failed", idx, off,
			n);
}

static uint64_t reg(struct zv_device *d, unsigned off)
{
	return rd(d, 0, off, off == EMU_DMA_REG_ID || off == EMU_DMA_REG_VERSION ||
				    off == EMU_DMA_REG_CMD || off == EMU_DMA_REG_STATUS ? 4 : 8);
}

static void set_reg(struct zv_device *d, unsigned off, uint64_t v)
{
	wr(d, 0, off, v, off == EMU_DMA_REG_CMD ? 4 : 8);
}

static uint64_t cfg(struct zv_device *d, unsigned off, unsigned n)
{
	return rd(d, ZV_REGION_CONFIG, off, n);
}

static void set_cfg(struct zv_device *d, unsigned off, uint64_t v, unsigned n)
{
	wr(d, ZV_REGION_CONFIG, off, v, n);
}

static void set_command(struct zv_device *d, uint16_t bits)
{
	set_cfg(d, PCI_COMMAND, bits, 2);
}

/* Program SRC/DST/LEN, write CMD, return STATUS. */
static uint32_t run(struct zv_device *d, uint64_t src, uint64_t dst, uint64_t len, uint32_t cmd)
{
	set_reg(d, EMU_DMA_REG_SRC, src);
	set_reg(d, EMU_DMA_REG_DST, dst);
	set_reg(d, EMU_DMA_REG_LEN, len);
	set_reg(d, EMU_DMA_REG_CMD, cmd);
	return (uint32_t)reg(d, EMU_DMA_REG_STATUS);
}

static int new_efd(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	if (fd < 0) {
		th_fail(__FILE__, __LINE__, "eventfd failed");
		abort();
	}
	return fd;
}

/* Read and reset an eventfd counter; 0 when nothing was signalled. */
static uint64_t efd_take(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static uint64_t csum_cmd(struct zv_device *d, uint64_t src, uint64_t len, uint32_t *st)
{
	*st = run(d, src, 0, len, EMU_DMA_OP_CSUM);
	return reg(d, EMU_DMA_REG_RESULT);
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* ---- IOMMU: map ----------------------------------------------------------- */

TEST(iommu_map_rejects_bad_arguments)
{
	struct emu_iommu io;
	uint8_t *h = pages(4);

	emu_iommu_init(&io, 16);
	errno = 0;
	EXPECT_EQ(emu_iommu_map(&io, 0x10000, 0, h, true), -1);		/* zero size */
	EXPECT_EQ(errno, EINVAL);
	errno = 0;
	EXPECT_EQ(emu_iommu_map(&io, 0x10800, 0x1000, h, true), -1);	/* iova */
	EXPECT_EQ(errno, EINVAL);
	errno = 0;
	EXPECT_EQ(emu_iommu_map(&io, 0x10000, 0x1800, h, true), -1);	/* size */
	EXPECT_EQ(errno, EINVAL);
	errno = 0;
	EXPECT_EQ(emu_iommu_map(&io, 0x10000, 0x1000, h + 16, true), -1);	/* host */
	EXPECT_EQ(errno, EINVAL);
	/* wrapping past 2^64 */
	errno = 0;
	EXPECT_EQ(emu_iommu_map(&io, TOP_PAGE, 0x2000, h, true), -1);
	EXPECT_EQ(errno, EINVAL);
	errno = 0;
	EXPECT_EQ(emu_iommu_map(&io, TOP_PAGE - 0x1000, 0x4000, h, true), -1);
	EXPECT_EQ(errno, EINVAL);
	errno = 0;
	EXPECT_EQ(emu_iommu_map(&io, 0x2000, 0 - 0x1000ULL, h, true), -1);	/* ends at 0x1000 */
	EXPECT_EQ(errno, EINVAL);
	/* nothing was mapped by the failures */
	EXPECT_EQ(emu_iommu_avail(&io), 16);
	EXPECT(!mapped(&io, 0x10000));
	EXPECT(!mapped(&io, TOP_PAGE));
	EXPECT(!mapped(&io, 0));
	EXPECT(!mapped(&io, 0x1000));
	/* and a valid map still works */
	EXPECT_EQ(emu_iommu_map(&io, 0x10000, 0x4000, h, true), 0);
	EXPECT(xlate(&io, 0x13000) == h + 0x3000);
	EXPECT_EQ(emu_iommu_avail(&io), 15);
	emu_iommu_fini(&io);
	free(h);
}

/* type1 refuses only a range that wraps (iova + size - 1 < iova); a mapping
 * of the last pages, ending exactly at 2^64, is valid (and the IOMMU's own
 * unmap accepts an end of 2^64). */
TEST(iommu_map_may_end_at_2_64)
{
	struct emu_iommu io;
	uint8_t *h = pages(2);

	emu_iommu_init(&io, 4);
	EXPECT_EQ(emu_iommu_map(&io, TOP_PAGE - 0x1000, 0x2000, h, true), 0);
	EXPECT(xlate(&io, TOP_PAGE) == h + 0x1000);
	EXPECT(xlate(&io, TOP_PAGE - 0x1000) == h);
	EXPECT(!mapped(&io, 0));
	EXPECT_EQ(emu_iommu_avail(&io), 3);
	EXPECT_EQ(emu_iommu_unmap(&io, TOP_PAGE - 0x1000, 0x2000), 0);
	EXPECT(!mapped(&io, TOP_PAGE));
	emu_iommu_fini(&io);
	free(h);
}

TEST(iommu_map_overlap_is_eexist)
{
	struct emu_iommu io;
	uint8_t *h = pages(32);

	emu_iommu_init(&io, 16);
	EXPECT_EQ(emu_iommu_map(&io, 0x10000, 0x4000, h, true), 0);	/* [0x10000, 0x14000) */
	struct {
		uint64_t iova, size;
	} bad[] = {
		{ 0x10000, 0x4000 },	/* identical */
		{ 0x10000, 0x1000 },	/* same start, smaller */
		{ 0x10000, 0x8000 },	/* same start, larger */
		{ 0x12000, 0x1000 },	/* inside */
		{ 0xf000, 0x2000 },	/* over the start */
		{ 0x13000, 0x2000 },	/* over the end */
		{ 0x8000, 0x10000 },	/* enclosing */
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		EXPECT_EQ(emu_iommu_map(&io, bad[i].iova, bad[i].size, h + 0x8000, true), -1);
		EXPECT_EQ(errno, EEXIST);
	}
	/* the refused maps left nothing behind, and the original is intact */
	EXPECT(!mapped(&io, 0x8000));
	EXPECT(!mapped(&io, 0xf000));
	EXPECT(!mapped(&io, 0x14000));
	EXPECT(!mapped(&io, 0x17000));
	EXPECT(xlate(&io, 0x10000) == h);
	EXPECT(xlate(&io, 0x13000) == h + 0x3000);
	EXPECT_EQ(emu_iommu_avail(&io), 15);
	/* adjacent on both sides is fine */
	EXPECT_EQ(emu_iommu_map(&io, 0xf000, 0x1000, h + 0x10000, false), 0);
	EXPECT_EQ(emu_iommu_map(&io, 0x14000, 0x1000, h + 0x11000, false), 0);
	EXPECT(xlate(&io, 0xf000) == h + 0x10000);
	EXPECT(xlate(&io, 0x14000) == h + 0x11000);
	EXPECT_EQ(emu_iommu_avail(&io), 13);
	emu_iommu_fini(&io);
	free(h);
}

TEST(iommu_limit_enospc_then_freed)
{
	struct emu_iommu io;
	uint8_t *h = pages(16);

	emu_iommu_init(&io, 3);
	EXPECT_EQ(emu_iommu_avail(&io), 3);
	EXPECT_EQ(emu_iommu_map(&io, 0x10000, 0x4000, h, true), 0);	/* 4 pages, 1 mapping */
	EXPECT_EQ(emu_iommu_avail(&io), 2);
	/* failed maps do not count */
	EXPECT_EQ(emu_iommu_map(&io, 0x11000, 0x1000, h, true), -1);
	EXPECT_EQ(emu_iommu_map(&io, 0x20800, 0x1000, h, true), -1);
	EXPECT_EQ(emu_iommu_avail(&io), 2);
	EXPECT_EQ(emu_iommu_map(&io, 0x20000, 0x1000, h + 0x4000, true), 0);
	EXPECT_EQ(emu_iommu_map(&io, 0x30000, 0x1000, h + 0x5000, true), 0);
	EXPECT_EQ(emu_iommu_avail(&io), 0);
	errno = 0;
	EXPECT_EQ(emu_iommu_map(&io, 0x40000, 0x1000, h + 0x6000, true), -1);
	EXPECT_EQ(errno, ENOSPC);
	EXPECT(!mapped(&io, 0x40000));
	EXPECT_EQ(emu_iommu_avail(&io), 0);
	/* free one: one more map fits, and only one */
	EXPECT_EQ(emu_iommu_unmap(&io, 0x20000, 0x1000), 0);
	EXPECT_EQ(emu_iommu_avail(&io), 1);
	EXPECT_EQ(emu_iommu_map(&io, 0x40000, 0x1000, h + 0x6000, true), 0);
	EXPECT(xlate(&io, 0x40000) == h + 0x6000);
	errno = 0;
	EXPECT_EQ(emu_iommu_map(&io, 0x50000, 0x1000, h + 0x7000, true), -1);
	EXPECT_EQ(errno, ENOSPC);
	/* freeing the 4-page mapping gives back exactly one */
	EXPECT_EQ(emu_iommu_unmap(&io, 0x10000, 0x4000), 0);
	EXPECT_EQ(emu_iommu_avail(&io), 1);
	emu_iommu_unmap_all(&io);
	EXPECT_EQ(emu_iommu_avail(&io), 3);
	emu_iommu_fini(&io);
	free(h);
}

TEST(iommu_mappings_grow_and_slots_are_reused)
{
	struct emu_iommu io;
	uint8_t *h = pages(400);
	unsigned i;

	emu_iommu_init(&io, 1000);
	for (i = 0; i < 200; i++)
		EXPECT_EQ(emu_iommu_map(&io, 0x1000000 + i * 0x2000ULL, PG, h + i * PG, i & 1), 0);
	EXPECT_EQ(emu_iommu_avail(&io), 800);
	for (i = 1; i < 200; i += 2)
		EXPECT_EQ(emu_iommu_unmap(&io, 0x1000000 + i * 0x2000ULL, PG), 0);
	EXPECT_EQ(emu_iommu_avail(&io), 900);
	for (i = 0; i < 150; i++)
		EXPECT_EQ(emu_iommu_map(&io, 0x8000000 + i * PG, PG, h + (200 + i) * PG, true), 0);
	EXPECT_EQ(emu_iommu_avail(&io), 750);
	for (i = 0; i < 200; i++) {
		uint8_t *p = xlate(&io, 0x1000000 + i * 0x2000ULL + 0x10);

		EXPECT(p == ((i & 1) ? NULL : h + i * PG + 0x10));
	}
	for (i = 0; i < 150; i++)
		EXPECT(xlate(&io, 0x8000000 + i * PG) == h + (200 + i) * PG);
	emu_iommu_fini(&io);
	free(h);
}

/* ---- IOMMU: unmap --------------------------------------------------------- */

TEST(iommu_unmap_rejects_bad_arguments)
{
	struct emu_iommu io;
	uint8_t *h = pages(1);

	emu_iommu_init(&io, 8);
	EXPECT_EQ(emu_iommu_map(&io, 0x10000, PG, h, true), 0);
	errno = 0;
	EXPECT_EQ(emu_iommu_unmap(&io, 0x10000, 0), -1);
	EXPECT_EQ(errno, EINVAL);
	errno = 0;
	EXPECT_EQ(emu_iommu_unmap(&io, 0x10800, PG), -1);
	EXPECT_EQ(errno, EINVAL);
	errno = 0;
	EXPECT_EQ(emu_iommu_unmap(&io, 0x10000, 0x800), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT(xlate(&io, 0x10000) == h);
	/* a range with no mapping in it is not an error (type1 v2) */
	EXPECT_EQ(emu_iommu_unmap(&io, 0x20000, PG), 0);
	EXPECT_EQ(emu_iommu_unmap(&io, 0x11000, 1ULL << 40), 0);
	EXPECT(xlate(&io, 0x10000) == h);
	EXPECT_EQ(emu_iommu_avail(&io), 7);
	emu_iommu_fini(&io);
	free(h);
}

static void map5(struct emu_iommu *io, uint8_t *h)
{
	EXPECT_EQ(emu_iommu_map(io, 0x10000, 0x1000, h, true), 0);		/* A */
	EXPECT_EQ(emu_iommu_map(io, 0x12000, 0x2000, h + 0x1000, true), 0);	/* B */
	EXPECT_EQ(emu_iommu_map(io, 0x15000, 0x1000, h + 0x3000, true), 0);	/* C */
	EXPECT_EQ(emu_iommu_map(io, 0x18000, 0x1000, h + 0x4000, true), 0);	/* D */
	EXPECT_EQ(emu_iommu_map(io, 0x1a000, 0x1000, h + 0x5000, true), 0);	/* E */
}

TEST(iommu_unmap_range_with_several_whole_mappings)
{
	struct emu_iommu io;
	uint8_t *h = pages(8);

	/* a short range (6 pages) */
	emu_iommu_init(&io, 10);
	map5(&io, h);
	EXPECT_EQ(emu_iommu_unmap(&io, 0x11000, 0x6000), 0);	/* B and C, and gaps */
	EXPECT(xlate(&io, 0x10000) == h);
	EXPECT(!mapped(&io, 0x12000));
	EXPECT(!mapped(&io, 0x13000));
	EXPECT(!mapped(&io, 0x15000));
	EXPECT(xlate(&io, 0x18000) == h + 0x4000);
	EXPECT(xlate(&io, 0x1a000) == h + 0x5000);
	EXPECT_EQ(emu_iommu_avail(&io), 7);
	/* a huge range: D and E */
	EXPECT_EQ(emu_iommu_unmap(&io, 0x16000, 1ULL << 44), 0);
	EXPECT(!mapped(&io, 0x18000));
	EXPECT(!mapped(&io, 0x1a000));
	EXPECT(xlate(&io, 0x10000) == h);
	EXPECT_EQ(emu_iommu_avail(&io), 9);
	/* the freed IOVAs can be mapped again */
	EXPECT_EQ(emu_iommu_map(&io, 0x12000, 0x4000, h + 0x6000, true), 0);
	EXPECT(xlate(&io, 0x15000) == h + 0x9000);
	emu_iommu_fini(&io);

	/* exactly the union of B..D, range boundaries on mapping boundaries */
	emu_iommu_init(&io, 10);
	map5(&io, h);
	EXPECT_EQ(emu_iommu_unmap(&io, 0x12000, 0x7000), 0);
	EXPECT(mapped(&io, 0x10000));
	EXPECT(!mapped(&io, 0x12000) && !mapped(&io, 0x15000) && !mapped(&io, 0x18000));
	EXPECT(mapped(&io, 0x1a000));
	EXPECT_EQ(emu_iommu_avail(&io), 8);
	emu_iommu_fini(&io);
	free(h);
}

/* An unmap that would split a mapping fails with EINVAL and removes nothing,
 * not even the whole mappings inside the range. Short ranges and huge ranges
 * (the implementation may walk either pages or mappings). */
TEST(iommu_unmap_never_splits_a_mapping)
{
	struct emu_iommu io;
	uint8_t *h = pages(8);
	struct {
		uint64_t iova, size;
	} bad[] = {
		{ 0x22000, 0x2000 },		/* starts inside M, ends at its end */
		{ 0x22000, 1ULL << 40 },	/* starts inside M; N whole inside */
		{ 0x1e000, 0x4000 },		/* W2 whole, ends inside M */
		{ 0x1f000, 0x3000 },		/* ends inside M */
		{ 0, 0x22000 },			/* W, W2 whole, ends inside M */
		{ 0x21000, 0x1000 },		/* a middle page of M */
		{ 0x21000, 0x2000 },		/* both ends inside M */
		{ 0x10000, 1ULL << 40 },	/* last: every mapping whole, must succeed */
	};

	emu_iommu_init(&io, 16);
	EXPECT_EQ(emu_iommu_map(&io, 0x10000, 0x1000, h, true), 0);		/* W */
	EXPECT_EQ(emu_iommu_map(&io, 0x1e000, 0x1000, h + 0x1000, true), 0);	/* W2 */
	EXPECT_EQ(emu_iommu_map(&io, 0x20000, 0x4000, h + 0x2000, true), 0);	/* M */
	EXPECT_EQ(emu_iommu_map(&io, 0x30000, 0x1000, h + 0x6000, true), 0);	/* N */
	for (unsigned i = 0; i + 1 < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		EXPECT_EQ(emu_iommu_unmap(&io, bad[i].iova, bad[i].size), -1);
		EXPECT_EQ(errno, EINVAL);
		EXPECT(xlate(&io, 0x10000) == h);
		EXPECT(xlate(&io, 0x1e000) == h + 0x1000);
		EXPECT(xlate(&io, 0x20000) == h + 0x2000);
		EXPECT(xlate(&io, 0x23000) == h + 0x5000);
		EXPECT(xlate(&io, 0x30000) == h + 0x6000);
		EXPECT_EQ(emu_iommu_avail(&io), 12);
	}
	EXPECT_EQ(emu_iommu_unmap(&io, bad[7].iova, bad[7].size), 0);
	EXPECT(!mapped(&io, 0x10000) && !mapped(&io, 0x1e000) && !mapped(&io, 0x20000) &&
	       !mapped(&io, 0x30000));
	EXPECT_EQ(emu_iommu_avail(&io), 16);
	emu_iommu_fini(&io);
	free(h);
}

/* [iova, 2^64): iova + size == 0 */
TEST(iommu_unmap_to_the_top_of_the_space)
{
	struct emu_iommu io;
	uint8_t *h = pages(4);

	emu_iommu_init(&io, 8);
	EXPECT_EQ(emu_iommu_map(&io, 0, 0x1000, h, true), 0);			/* Z */
	EXPECT_EQ(emu_iommu_map(&io, 0x10000, 0x1000, h + 0x1000, true), 0);	/* L */
	EXPECT_EQ(emu_iommu_map(&io, TOP_PAGE - 0x1000, 0x1000, h + 0x2000, true), 0); /* T */
	/* short range: the last two pages */
	EXPECT_EQ(emu_iommu_unmap(&io, TOP_PAGE - 0x1000, 0x2000), 0);
	EXPECT(!mapped(&io, TOP_PAGE - 0x1000));
	EXPECT(xlate(&io, 0) == h);
	EXPECT(xlate(&io, 0x10000) == h + 0x1000);
	EXPECT_EQ(emu_iommu_avail(&io), 6);
	/* huge range: everything from 0x1000 up */
	EXPECT_EQ(emu_iommu_map(&io, TOP_PAGE - 0x1000, 0x1000, h + 0x2000, true), 0);
	EXPECT_EQ(emu_iommu_unmap(&io, 0x1000, 0 - 0x1000ULL), 0);
	EXPECT(!mapped(&io, TOP_PAGE - 0x1000));
	EXPECT(!mapped(&io, 0x10000));
	EXPECT(xlate(&io, 0) == h);
	EXPECT_EQ(emu_iommu_avail(&io), 7);
	emu_iommu_fini(&io);
	free(h);
}

/* A range that wraps past 2^64 is invalid for type1 (EINVAL; newer kernels
 * EOVERFLOW), and nothing may be removed. */
TEST(iommu_unmap_wrapping_range_is_refused)
{
	struct emu_iommu io;
	uint8_t *h = pages(4);
	int rc;

	emu_iommu_init(&io, 8);
	EXPECT_EQ(emu_iommu_map(&io, TOP_PAGE - 0x1000, 0x1000, h, true), 0);	/* T */
	/* 3 pages from TOP_PAGE - 0x1000: wraps to 0x1000 */
	errno = 0;
	rc = emu_iommu_unmap(&io, TOP_PAGE - 0x1000, 0x3000);
	EXPECT_EQ(rc, -1);
	EXPECT(errno == EINVAL || errno == EOVERFLOW);
	EXPECT(xlate(&io, TOP_PAGE - 0x1000) == h);
	EXPECT_EQ(emu_iommu_avail(&io), 7);

	/* a huge range from 0x10000 wrapping to 0x2000, over M and page 0:
	 * success would have to mean M and Z are gone */
	if (!mapped(&io, TOP_PAGE - 0x1000))
		EXPECT_EQ(emu_iommu_map(&io, TOP_PAGE - 0x1000, 0x1000, h, true), 0);
	EXPECT_EQ(emu_iommu_map(&io, 0, 0x1000, h + 0x1000, true), 0);		/* Z */
	EXPECT_EQ(emu_iommu_map(&io, 0x20000, 0x1000, h + 0x2000, true), 0);	/* M */
	errno = 0;
	rc = emu_iommu_unmap(&io, 0x10000, 0 - 0x10000ULL + 0x2000);
	EXPECT_EQ(rc, -1);
	EXPECT(errno == EINVAL || errno == EOVERFLOW);
	EXPECT(xlate(&io, 0) == h + 0x1000);
	EXPECT(xlate(&io, 0x20000) == h + 0x2000);
	EXPECT(xlate(&io, TOP_PAGE - 0x1000) == h);
	EXPECT_EQ(emu_iommu_avail(&io), 5);
	emu_iommu_fini(&io);

	/* a short wrapping range with no mapping in it is still invalid */
	emu_iommu_init(&io, 8);
	EXPECT_EQ(emu_iommu_map(&io, 0x10000, 0x1000, h, true), 0);
	errno = 0;
	EXPECT_EQ(emu_iommu_unmap(&io, TOP_PAGE, 0x2000), -1);
	EXPECT(errno == EINVAL || errno == EOVERFLOW);
	emu_iommu_fini(&io);
	free(h);
}

TEST(iommu_unmap_all_frees_everything)
{
	struct emu_iommu io;
	uint8_t *h = pages(8);

	emu_iommu_init(&io, 5);
	map5(&io, h);
	EXPECT_EQ(emu_iommu_avail(&io), 0);
	emu_iommu_unmap_all(&io);
	EXPECT_EQ(emu_iommu_avail(&io), 5);
	EXPECT(!mapped(&io, 0x10000) && !mapped(&io, 0x12000) && !mapped(&io, 0x13000) &&
	       !mapped(&io, 0x15000) && !mapped(&io, 0x18000) && !mapped(&io, 0x1a000));
	/* the same IOVAs map again, to other memory */
	EXPECT_EQ(emu_iommu_map(&io, 0x12000, 0x2000, h + 0x6000, true), 0);
	EXPECT(xlate(&io, 0x13000) == h + 0x7000);
	EXPECT_EQ(emu_iommu_avail(&io), 4);
	emu_iommu_unmap_all(&io);
	emu_iommu_unmap_all(&io);	/* idempotent */
	EXPECT_EQ(emu_iommu_avail(&io), 5);
	emu_iommu_fini(&io);
	free(h);
}

/* ---- IOMMU: translate ----------------------------------------------------- */

TEST(iommu_translate_runs_and_faults)
{
	struct emu_iommu io;
	uint8_t *a = pages(2), *b = pages(1), *r = pages(1);
	uint64_t run;
	bool prot;
	uint8_t *p;

	emu_iommu_init(&io, 8);
	EXPECT_EQ(emu_iommu_map(&io, 0x10000, 0x2000, a, true), 0);
	EXPECT_EQ(emu_iommu_map(&io, 0x12000, 0x1000, b, true), 0);	/* adjacent IOVA */
	EXPECT_EQ(emu_iommu_map(&io, 0x20000, 0x1000, r, false), 0);	/* read-only */

	/* across the two adjacent mappings: the run of the first only */
	run = 0;
	p = emu_iommu_translate(&io, 0x11800, 0x2000, false, &run, &prot);
	EXPECT(p == a + 0x1800);
	EXPECT_EQ(run, 0x800);
	EXPECT(!prot);
	p = emu_iommu_translate(&io, 0x11800, 0x2000, true, &run, &prot);
	EXPECT(p == a + 0x1800);
	EXPECT_EQ(run, 0x800);
	/* the continuation */
	p = emu_iommu_translate(&io, 0x12000, 0x1800, false, &run, &prot);
	EXPECT(p == b);
	EXPECT_EQ(run, 0x1000);
	/* shorter than the mapping: run == len, across a page inside a mapping */
	p = emu_iommu_translate(&io, 0x10ffe, 5, false, &run, &prot);
	EXPECT(p == a + 0xffe);
	EXPECT_EQ(run, 5);
	p = emu_iommu_translate(&io, 0x12fff, 1, true, &run, &prot);
	EXPECT(p == b + 0xfff);
	EXPECT_EQ(run, 1);

	/* unmapped: NULL, prot false */
	prot = true;
	EXPECT(emu_iommu_translate(&io, 0x13000, 1, false, &run, &prot) == NULL);
	EXPECT(!prot);
	prot = true;
	EXPECT(emu_iommu_translate(&io, 0xf000, 0x10, true, &run, &prot) == NULL);
	EXPECT(!prot);
	prot = true;
	EXPECT(emu_iommu_translate(&io, TOP_PAGE + 0xff8, 8, false, &run, &prot) == NULL);
	EXPECT(!prot);

	/* read-only: reads fine, writes are protection faults */
	p = emu_iommu_translate(&io, 0x20010, 0x100, false, &run, &prot);
	EXPECT(p == r + 0x10);
	EXPECT_EQ(run, 0x100);
	EXPECT(!prot);
	prot = false;
	EXPECT(emu_iommu_translate(&io, 0x20010, 0x100, true, &run, &prot) == NULL);
	EXPECT(prot);
	emu_iommu_fini(&io);
	free(a);
	free(b);
	free(r);
}

/* ---- emu:dma: configuration space, regions ------------------------------- */

TEST(emu_config_identity_and_msix_capability)
{
	struct zv_device *d = dev_open("");

	EXPECT(strcmp(d->ops->kind, "emu:dma") == 0);
	EXPECT_EQ(cfg(d, PCI_VENDOR_ID, 2), 0x1234);
	EXPECT_EQ(cfg(d, PCI_DEVICE_ID, 2), 0x7a76);
	EXPECT_EQ(cfg(d, 0x0b, 1), 0xff);			/* base class */
	EXPECT(cfg(d, PCI_STATUS, 2) & 0x0010);		/* capability list */
	EXPECT_EQ(cfg(d, PCI_COMMAND, 2), 0);
	EXPECT_EQ(cfg(d, PCI_CAP_PTR, 1), 0x40);
	EXPECT_EQ(cfg(d, 0x40, 1), 0x11);			/* MSI-X */
	EXPECT_EQ(cfg(d, 0x42, 2), 8 - 1);			/* default 8 vectors */
	EXPECT_EQ(cfg(d, 0x44, 4), 0x000 | 2);			/* table: BAR 2 + 0 */
	EXPECT_EQ(cfg(d, 0x48, 4), 0x800 | 2);			/* PBA: BAR 2 + 0x800 */
	/* BAR 0 ID and VERSION */
	EXPECT_EQ(reg(d, EMU_DMA_REG_ID), 0x7a76646d);
	EXPECT_EQ(rd(d, 0, 0, 1), 0x6d);			/* little-endian */
	EXPECT_EQ(reg(d, EMU_DMA_REG_VERSION), 1);
	EXPECT_EQ(reg(d, EMU_DMA_REG_STATUS), 0);
	EXPECT_EQ(reg(d, EMU_DMA_REG_DONE), 0);
	zv_device_close(d);
}

TEST(emu_config_writable_bits_and_bar_sizing)
{
	struct zv_device *d = dev_open("");

	/* command: only memory (bit 1) and bus master (bit 2) stick */
	set_cfg(d, PCI_COMMAND, 0xffff, 2);
	EXPECT_EQ(cfg(d, PCI_COMMAND, 2), 0x0006);
	set_cfg(d, PCI_COMMAND, 0x0002, 2);
	EXPECT_EQ(cfg(d, PCI_COMMAND, 2), 0x0002);
	set_cfg(d, PCI_COMMAND, 0, 2);
	EXPECT_EQ(cfg(d, PCI_COMMAND, 2), 0);
	/* identity is read-only */
	set_cfg(d, PCI_VENDOR_ID, 0xffffffff, 4);
	EXPECT_EQ(cfg(d, PCI_VENDOR_ID, 2), 0x1234);
	EXPECT_EQ(cfg(d, PCI_DEVICE_ID, 2), 0x7a76);
	set_cfg(d, 0x44, 0xffffffff, 4);
	EXPECT_EQ(cfg(d, 0x44, 4), 2);
	/* BAR sizing: write all-ones, read back the size mask */
	for (unsigned bar = 0; bar < 6; bar++)
		set_cfg(d, PCI_BAR0 + 4 * bar, 0xffffffff, 4);
	EXPECT_EQ(cfg(d, PCI_BAR0, 4), 0xfffff000);		/* 4 KiB, 32-bit mem */
	EXPECT_EQ(cfg(d, PCI_BAR0 + 4, 4), 0);
	EXPECT_EQ(cfg(d, PCI_BAR0 + 8, 4), 0xfffff000);
	EXPECT_EQ(cfg(d, PCI_BAR0 + 12, 4), 0);
	EXPECT_EQ(cfg(d, PCI_BAR0 + 16, 4), 0);
	EXPECT_EQ(cfg(d, PCI_BAR0 + 20, 4), 0);
	set_cfg(d, PCI_BAR0, 0x12345678, 4);
	EXPECT_EQ(cfg(d, PCI_BAR0, 4), 0x12345000);
	/* MSI-X control: enable and mask-all are writable, the size is not */
	set_cfg(d, 0x42, 0xffff, 2);
	EXPECT_EQ(cfg(d, 0x42, 2), 0xc000 | 7);
	set_cfg(d, 0x42, 0x8000, 2);
	EXPECT_EQ(cfg(d, 0x42, 2), 0x8000 | 7);
	zv_device_close(d);
}

TEST(emu_region_info_and_bounds)
{
	struct zv_device *d = dev_open("");
	struct dev_region_info ri;
	uint8_t b[16] = { 0 };

	EXPECT_EQ(d->ops->region_info(d, 0, &ri), 0);
	EXPECT_EQ(ri.size, 4096);
	EXPECT(ri.flags & DEV_REGION_READ);
	EXPECT(ri.flags & DEV_REGION_WRITE);
	EXPECT_EQ(d->ops->region_info(d, 2, &ri), 0);
	EXPECT_EQ(ri.size, 4096);
	EXPECT_EQ(d->ops->region_info(d, ZV_REGION_CONFIG, &ri), 0);
	EXPECT_EQ(ri.size, 4096);
	for (unsigned idx = 1; idx < ZV_REGION_COUNT; idx++) {
		if (idx == 2 || idx == ZV_REGION_CONFIG)
			continue;
		ri.size = 99;
		EXPECT_EQ(d->ops->region_info(d, idx, &ri), 0);
		EXPECT_EQ(ri.size, 0);
		errno = 0;
		EXPECT_EQ(d->ops->region_read(d, idx, 0, b, 4), -1);
		EXPECT_EQ(errno, EINVAL);
		errno = 0;
		EXPECT_EQ(d->ops->region_write(d, idx, 0, b, 4), -1);
		EXPECT_EQ(errno, EINVAL);
	}
	unsigned idxs[] = { 0, 2, ZV_REGION_CONFIG };
	for (unsigned i = 0; i < 3; i++) {
		unsigned idx = idxs[i];

		EXPECT_EQ(d->ops->region_read(d, idx, 4092, b, 4), 0);
		EXPECT_EQ(d->ops->region_read(d, idx, 4095, b, 1), 0);
		errno = 0;
		EXPECT_EQ(d->ops->region_read(d, idx, 4096, b, 1), -1);
		EXPECT_EQ(errno, EINVAL);
		errno = 0;
		EXPECT_EQ(d->ops->region_read(d, idx, 4093, b, 4), -1);
		EXPECT_EQ(errno, EINVAL);
		errno = 0;
		EXPECT_EQ(d->ops->region_read(d, idx, UINT64_MAX - 3, b, 8), -1);
		EXPECT_EQ(errno, EINVAL);
		errno = 0;
		EXPECT_EQ(d->ops->region_write(d, idx, 4096, b, 1), -1);
		EXPECT_EQ(errno, EINVAL);
		errno = 0;
		EXPECT_EQ(d->ops->region_write(d, idx, 4090, b, 8), -1);
		EXPECT_EQ(errno, EINVAL);
		errno = 0;
		EXPECT_EQ(d->ops->region_write(d, idx, UINT64_MAX, b, 1), -1);
		EXPECT_EQ(errno, EINVAL);
	}
	/* BAR 2 (MSI-X table, PBA) is plain memory to the engine */
	wr(d, 2, 0x10, 0x1122334455667788ULL, 8);
	EXPECT_EQ(rd(d, 2, 0x10, 8), 0x1122334455667788ULL);
	zv_device_close(d);
}

/* ---- emu:dma: options ----------------------------------------------------- */

static void expect_open_fails(const char *opts, const char *name, int line)
{
	char err[256] = "";
	struct zv_device *d = emu_dma_open(opts, err, sizeof(err));

	if (d) {
		th_fail(__FILE__, line, "emu_dma_open(\"%s\") succeeded", opts);
		zv_device_close(d);
		return;
	}
	if (!strstr(err, name))
		th_fail(__FILE__, line, "emu_dma_open(\"%s\"): message '%s' does not name '%s'",
			opts, err, name);
}

TEST(emu_options_rejected_with_message)
{
	expect_open_fails("vectors=0", "vectors", __LINE__);
	expect_open_fails("vectors=129", "vectors", __LINE__);
	expect_open_fails("vectors=abc", "vectors", __LINE__);
	expect_open_fails("vectors=-1", "vectors", __LINE__);
	expect_open_fails("vectors=-18446744073709551615", "vectors", __LINE__);	/* wraps to 1 */
	expect_open_fails("vectors=18446744073709551617", "vectors", __LINE__);	/* overflows */
	expect_open_fails("vectors=", "vectors", __LINE__);
	expect_open_fails("vectors=8x", "vectors", __LINE__);
	expect_open_fails("vectors", "vectors", __LINE__);
	expect_open_fails("maps=0", "maps", __LINE__);
	expect_open_fails("maps=4294967296", "maps", __LINE__);
	expect_open_fails("frobs=1", "frobs", __LINE__);
	expect_open_fails("vectors=4,colour=3", "colour", __LINE__);
	expect_open_fails("maps=3,vectors=200", "vectors", __LINE__);

	char err[256] = "";
	errno = 0;
	EXPECT(zv_device_open("emu:dma,vectors=0", err, sizeof(err)) == NULL);
	EXPECT(strstr(err, "vectors") != NULL);
	err[0] = '\0';
	EXPECT(zv_device_open("emu:dmax", err, sizeof(err)) == NULL);
	EXPECT(strstr(err, "emu:dmax") != NULL);
	err[0] = '\0';
	EXPECT(zv_device_open("emu:dma,bogus=1", err, sizeof(err)) == NULL);
	EXPECT(strstr(err, "bogus") != NULL);
	/* no error buffer: still fails, no crash */
	EXPECT(emu_dma_open("vectors=0", NULL, 0) == NULL);
}

TEST(emu_options_parsed)
{
	struct dev_opt o[] = {
		{ .key = "a", .val = 7, .min = 1, .max = 10 },
		{ .key = "bb", .val = 5, .min = 0, .max = 100 },
	};
	char err[128] = "";

	EXPECT_EQ(dev_parse_opts("bb=42", o, 2, err, sizeof(err)), 0);
	EXPECT_EQ(o[0].val, 7);
	EXPECT(!o[0].set);
	EXPECT_EQ(o[1].val, 42);
	EXPECT(o[1].set);
	EXPECT_EQ(dev_parse_opts("a=0x9,bb=0", o, 2, err, sizeof(err)), 0);
	EXPECT_EQ(o[0].val, 9);
	EXPECT_EQ(o[1].val, 0);
	EXPECT_EQ(dev_parse_opts("", o, 2, err, sizeof(err)), 0);
	EXPECT_EQ(dev_parse_opts(NULL, o, 2, err, sizeof(err)), 0);
	errno = 0;
	EXPECT_EQ(dev_parse_opts("a=11", o, 2, err, sizeof(err)), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT(strstr(err, "'a'") != NULL);
	EXPECT_EQ(o[0].val, 9);		/* unchanged */
	EXPECT_EQ(dev_parse_opts("b=1", o, 2, err, sizeof(err)), -1);
	EXPECT(strstr(err, "'b'") != NULL);
}

TEST(emu_options_vectors_and_maps)
{
	struct zv_device *d = dev_open("vectors=16");

	EXPECT_EQ(cfg(d, 0x42, 2) & 0x7ff, 15);
	EXPECT_EQ(d->ops->dma_avail(d), 65535);		/* default maps */
	zv_device_close(d);

	d = dev_open("vectors=1");
	EXPECT_EQ(cfg(d, 0x42, 2) & 0x7ff, 0);
	zv_device_close(d);

	d = dev_open("vectors=128");
	EXPECT_EQ(cfg(d, 0x42, 2) & 0x7ff, 127);
	zv_device_close(d);

	char err[256] = "";
	d = zv_device_open("emu:dma,maps=2,vectors=3", err, sizeof(err));
	EXPECT(d != NULL);
	if (!d)
		return;
	uint8_t *h = pages(4);

	EXPECT_EQ(cfg(d, 0x42, 2) & 0x7ff, 2);
	EXPECT_EQ(d->ops->dma_avail(d), 2);
	EXPECT_EQ(d->ops->dma_map(d, 0x10000, PG, h, true), 0);
	EXPECT_EQ(d->ops->dma_map(d, 0x11000, PG, h + PG, true), 0);
	EXPECT_EQ(d->ops->dma_avail(d), 0);
	errno = 0;
	EXPECT_EQ(d->ops->dma_map(d, 0x12000, PG, h + 2 * PG, true), -1);
	EXPECT_EQ(errno, ENOSPC);
	errno = 0;
	EXPECT_EQ(d->ops->dma_map(d, 0x10000, PG, h + 2 * PG, true), -1);
	EXPECT(errno == ENOSPC || errno == EEXIST);
	EXPECT_EQ(d->ops->dma_unmap(d, 0x10000, 0x2000), 0);
	EXPECT_EQ(d->ops->dma_avail(d), 2);
	/* vectors=3: vector 3 does not exist */
	int fd = new_efd();
	errno = 0;
	EXPECT_EQ(d->ops->set_msix(d, 3, 1, &fd), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(d->ops->set_msix(d, 2, 1, &fd), 0);
	zv_device_close(d);
	close(fd);
	free(h);
	d = zv_device_open("emu:dma", err, sizeof(err));
	EXPECT(d != NULL);
	zv_device_close(d);
}

/* ---- emu:dma: COPY -------------------------------------------------------- */

TEST(emu_copy_between_buffers)
{
	struct zv_device *d = dev_open("");
	uint8_t *src = pages(2), *dst = pages(2);
	uint64_t r = 1, w = 1;

	randomize(src, 2 * PG);
	memset(dst, 0xee, 2 * PG);
	EXPECT_EQ(d->ops->dma_map(d, 0x100000, 2 * PG, src, false), 0);	/* source RO */
	EXPECT_EQ(d->ops->dma_map(d, 0x200000, 2 * PG, dst, true), 0);
	set_command(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	EXPECT_EQ(run(d, 0x100005, 0x200009, 3000, EMU_DMA_OP_COPY), 0);
	EXPECT(memcmp(dst + 9, src + 5, 3000) == 0);
	EXPECT(all_bytes(dst, 9, 0xee));
	EXPECT(all_bytes(dst + 9 + 3000, 2 * PG - 9 - 3000, 0xee));
	EXPECT_EQ(reg(d, EMU_DMA_REG_DONE), 1);
	EXPECT_EQ(reg(d, EMU_DMA_REG_RBYTES), 3000);
	EXPECT_EQ(reg(d, EMU_DMA_REG_WBYTES), 3000);
	d->ops->dma_counters(d, &r, &w);
	EXPECT_EQ(r, 3000);
	EXPECT_EQ(w, 3000);
	EXPECT(!readable(d->ops->err_fd(d)));
	/* zero length: ok, nothing moves */
	EXPECT_EQ(run(d, 0x100000, 0x200000, 0, EMU_DMA_OP_COPY), 0);
	EXPECT_EQ(dst[0], 0xee);
	EXPECT_EQ(reg(d, EMU_DMA_REG_DONE), 2);
	EXPECT_EQ(reg(d, EMU_DMA_REG_WBYTES), 3000);
	zv_device_close(d);
	free(src);
	free(dst);
}

/* Longer than the 1 MiB bounce buffer, the source in two mappings whose host
 * memory is not contiguous, the crossing not on a bounce-chunk boundary. */
TEST(emu_copy_large_across_mappings)
{
	struct zv_device *d = dev_open("");
	const size_t s1n = 0x100000, s2n = 0x90000, dn = 0x190000;
	const uint64_t soff = 0x345, doff = 0x11, len = 0x180000 + 0x123;
	uint8_t *s1 = pages(s1n / PG), *s2 = pages(s2n / PG), *dst = pages(dn / PG);
	uint8_t *want = malloc(s1n + s2n);

	randomize(s1, s1n);
	randomize(s2, s2n);
	memcpy(want, s1, s1n);
	memcpy(want + s1n, s2, s2n);
	memset(dst, 0xee, dn);
	EXPECT_EQ(d->ops->dma_map(d, 0x1000000, s1n, s1, true), 0);
	EXPECT_EQ(d->ops->dma_map(d, 0x1000000 + s1n, s2n, s2, true), 0);
	EXPECT_EQ(d->ops->dma_map(d, 0x4000000, dn, dst, true), 0);
	set_command(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	EXPECT_EQ(run(d, 0x1000000 + soff, 0x4000000 + doff, len, EMU_DMA_OP_COPY), 0);
	EXPECT(memcmp(dst + doff, want + soff, len) == 0);
	EXPECT(all_bytes(dst, doff, 0xee));
	EXPECT(all_bytes(dst + doff + len, dn - doff - len, 0xee));
	EXPECT_EQ(reg(d, EMU_DMA_REG_RBYTES), len);
	EXPECT_EQ(reg(d, EMU_DMA_REG_WBYTES), len);
	/* and the other way round: into the two mappings */
	randomize(dst, dn);
	EXPECT_EQ(run(d, 0x4000000, 0x1000000 + 0x7, s1n + s2n - 0x7, EMU_DMA_OP_COPY), 0);
	EXPECT(memcmp(s1 + 7, dst, s1n - 7) == 0);
	EXPECT(memcmp(s2, dst + s1n - 7, s2n) == 0);
	EXPECT(memcmp(s1, want, 7) == 0);
	EXPECT_EQ(reg(d, EMU_DMA_REG_WBYTES), len + s1n + s2n - 7);
	zv_device_close(d);
	free(s1);
	free(s2);
	free(dst);
	free(want);
}

TEST(emu_copy_faults_at_first_unmapped_page)
{
	struct zv_device *d = dev_open("");
	uint8_t *src = pages(5), *dst = pages(5);
	struct dev_fault f = { 0 };
	int efd = d->ops->err_fd(d);

	randomize(src, 5 * PG);
	memset(dst, 0xee, 5 * PG);
	EXPECT(efd >= 0);
	EXPECT_EQ(d->ops->dma_map(d, 0x100000, 5 * PG, src, false), 0);
	EXPECT_EQ(d->ops->dma_map(d, 0x300000, 3 * PG, dst, true), 0);	/* 3 of 5 pages */
	set_command(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	EXPECT(!readable(efd));
	EXPECT_EQ(d->ops->take_fault(d, &f), 0);
	EXPECT_EQ(run(d, 0x100000, 0x300100, 0x4000, EMU_DMA_OP_COPY), EMU_DMA_ST_FAULT);
	EXPECT_EQ(reg(d, EMU_DMA_REG_FAULT), 0x303000);
	/* the bytes before the fault were written, none after */
	EXPECT(memcmp(dst + 0x100, src, 0x3000 - 0x100) == 0);
	EXPECT(all_bytes(dst, 0x100, 0xee));
	EXPECT(all_bytes(dst + 0x3000, 2 * PG, 0xee));
	EXPECT_EQ(reg(d, EMU_DMA_REG_WBYTES), 0x3000 - 0x100);
	EXPECT(readable(efd));
	EXPECT_EQ(d->ops->take_fault(d, &f), 1);
	EXPECT_EQ(f.iova, 0x303000);
	EXPECT(f.write);
	EXPECT(!f.prot);
	memset(&f, 0x5a, sizeof(f));
	EXPECT_EQ(d->ops->take_fault(d, &f), 0);
	EXPECT(!readable(efd));
	/* the device still works afterwards */
	EXPECT_EQ(run(d, 0x100000, 0x300000, 0x3000, EMU_DMA_OP_COPY), 0);
	EXPECT(memcmp(dst, src, 0x3000) == 0);
	zv_device_close(d);
	free(src);
	free(dst);
}

TEST(emu_copy_faults_on_unmapped_source)
{
	struct zv_device *d = dev_open("");
	uint8_t *src = pages(1), *dst = pages(2);
	struct dev_fault f = { 0 };

	memset(dst, 0xee, 2 * PG);
	EXPECT_EQ(d->ops->dma_map(d, 0x100000, PG, src, true), 0);
	EXPECT_EQ(d->ops->dma_map(d, 0x200000, 2 * PG, dst, true), 0);
	set_command(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	EXPECT_EQ(run(d, 0x100800, 0x200000, 0x1000, EMU_DMA_OP_COPY), EMU_DMA_ST_FAULT);
	EXPECT_EQ(reg(d, EMU_DMA_REG_FAULT), 0x101000);
	EXPECT(readable(d->ops->err_fd(d)));
	EXPECT_EQ(d->ops->take_fault(d, &f), 1);
	EXPECT_EQ(f.iova, 0x101000);
	EXPECT(!f.write);
	EXPECT(!f.prot);
	EXPECT_EQ(d->ops->take_fault(d, &f), 0);
	zv_device_close(d);
	free(src);
	free(dst);
}

TEST(emu_write_to_read_only_mapping_is_prot_fault)
{
	struct zv_device *d = dev_open("");
	uint8_t *buf = pages(1);
	struct dev_fault f = { 0 };
	uint64_t r, w;

	memset(buf, 0xee, PG);
	EXPECT_EQ(d->ops->dma_map(d, 0x500000, PG, buf, false), 0);
	set_command(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	set_reg(d, EMU_DMA_REG_PATTERN, 0);
	EXPECT_EQ(run(d, 0, 0x500010, 64, EMU_DMA_OP_FILL), EMU_DMA_ST_FAULT);
	EXPECT_EQ(reg(d, EMU_DMA_REG_FAULT), 0x500010);
	EXPECT(all_bytes(buf, PG, 0xee));
	EXPECT_EQ(reg(d, EMU_DMA_REG_WBYTES), 0);
	d->ops->dma_counters(d, &r, &w);
	EXPECT_EQ(w, 0);
	EXPECT(readable(d->ops->err_fd(d)));
	EXPECT_EQ(d->ops->take_fault(d, &f), 1);
	EXPECT_EQ(f.iova, 0x500010);
	EXPECT(f.write);
	EXPECT(f.prot);
	EXPECT_EQ(d->ops->take_fault(d, &f), 0);
	/* reading it is fine */
	EXPECT_EQ(run(d, 0x500000, 0, 16, EMU_DMA_OP_CSUM), 0);
	zv_device_close(d);
	free(buf);
}

/* ---- emu:dma: FILL -------------------------------------------------------- */

TEST(emu_fill_pattern_little_endian_unaligned_length)
{
	struct zv_device *d = dev_open("");
	uint8_t *a = pages(1), *b = pages(1);
	const uint64_t pat = 0x0123456789abcdefULL;

	memset(a, 0xee, PG);
	memset(b, 0xee, PG);
	EXPECT_EQ(d->ops->dma_map(d, 0x500000, PG, a, true), 0);
	EXPECT_EQ(d->ops->dma_map(d, 0x501000, PG, b, true), 0);
	set_command(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	set_reg(d, EMU_DMA_REG_PATTERN, pat);
	EXPECT_EQ(reg(d, EMU_DMA_REG_PATTERN), pat);

	/* within one mapping: 13 bytes, byte k = pattern byte k % 8 (LE) */
	EXPECT_EQ(run(d, 0, 0x500100, 13, EMU_DMA_OP_FILL), 0);
	static const uint8_t le[8] = { 0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01 };
	for (unsigned k = 0; k < 13; k++)
		EXPECT_EQ(a[0x100 + k], le[k % 8]);
	EXPECT_EQ(a[0xff], 0xee);
	EXPECT_EQ(a[0x100 + 13], 0xee);
	EXPECT_EQ(reg(d, EMU_DMA_REG_WBYTES), 13);

	/* across two mappings, 5 bytes before the boundary, 45 bytes */
	EXPECT_EQ(run(d, 0, 0x500ffb, 45, EMU_DMA_OP_FILL), 0);
	for (unsigned k = 0; k < 45; k++) {
		uint8_t got = k < 5 ? a[0xffb + k] : b[k - 5];

		EXPECT_EQ(got, (uint8_t)(pat >> (8 * (k % 8))));
	}
	EXPECT_EQ(a[0xffa], 0xee);
	EXPECT_EQ(b[40], 0xee);
	EXPECT_EQ(reg(d, EMU_DMA_REG_WBYTES), 13 + 45);
	EXPECT_EQ(reg(d, EMU_DMA_REG_RBYTES), 0);
	EXPECT_EQ(reg(d, EMU_DMA_REG_DONE), 2);
	zv_device_close(d);
	free(a);
	free(b);
}

/* ---- emu:dma: CSUM -------------------------------------------------------- */

TEST(emu_csum_matches_definition)
{
	struct zv_device *d = dev_open("");
	uint8_t *s = pages(2), *a = pages(1), *b = pages(1);
	uint8_t cat[2 * 4096];
	uint32_t st = 99;

	randomize(s, 2 * PG);
	randomize(a, PG);
	randomize(b, PG);
	memcpy(cat, a, PG);
	memcpy(cat + PG, b, PG);
	EXPECT_EQ(d->ops->dma_map(d, 0x100000, 2 * PG, s, false), 0);
	EXPECT_EQ(d->ops->dma_map(d, 0x600000, PG, a, false), 0);
	EXPECT_EQ(d->ops->dma_map(d, 0x601000, PG, b, false), 0);
	set_command(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);

	/* anchor the reference on published FNV-1a 64 vectors (< 8 bytes are
	 * per-byte, i.e. plain FNV-1a) */
	EXPECT_EQ(ref_csum((const uint8_t *)"", 0), 0xcbf29ce484222325ULL);
	EXPECT_EQ(ref_csum((const uint8_t *)"a", 1), 0xaf63dc4c8601ec8cULL);
	EXPECT_EQ(ref_csum((const uint8_t *)"foobar", 6), 0x85944171f73967e8ULL);

	EXPECT_EQ(csum_cmd(d, 0x100000, 0, &st), 0xcbf29ce484222325ULL);
	EXPECT_EQ(st, 0);
	memcpy(s + 0x200, "foobar", 6);
	EXPECT_EQ(csum_cmd(d, 0x100200, 6, &st), 0x85944171f73967e8ULL);
	s[0x210] = 'a';
	EXPECT_EQ(csum_cmd(d, 0x100210, 1, &st), 0xaf63dc4c8601ec8cULL);
	/* whole words, a multiple of 8 */
	EXPECT_EQ(csum_cmd(d, 0x100000, 64, &st), ref_csum(s, 64));
	EXPECT_EQ(st, 0);
	/* big-endian words: the per-word order matters */
	uint8_t x[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	memcpy(s + 0x300, x, 8);
	uint64_t h = (0xcbf29ce484222325ULL ^ 0x0102030405060708ULL) * 0x100000001b3ULL;
	EXPECT_EQ(csum_cmd(d, 0x100300, 8, &st), h);
	/* not a multiple of 8, unaligned start */
	EXPECT_EQ(csum_cmd(d, 0x100003, 61, &st), ref_csum(s + 3, 61));
	EXPECT_EQ(csum_cmd(d, 0x100001, 7, &st), ref_csum(s + 1, 7));
	/* across the page boundary inside one mapping */
	EXPECT_EQ(csum_cmd(d, 0x100f00, 0x1000 - 3, &st), ref_csum(s + 0xf00, 0x1000 - 3));
	/* a source spanning two mappings, a word split across them */
	EXPECT_EQ(csum_cmd(d, 0x600ffd, 40, &st), ref_csum(cat + 0xffd, 40));
	EXPECT_EQ(st, 0);
	EXPECT_EQ(csum_cmd(d, 0x600ffd, 43, &st), ref_csum(cat + 0xffd, 43));
	EXPECT_EQ(csum_cmd(d, 0x600ff9, 4, &st), ref_csum(cat + 0xff9, 4));
	EXPECT_EQ(csum_cmd(d, 0x600ffe, 5, &st), ref_csum(cat + 0xffe, 5));
	EXPECT_EQ(csum_cmd(d, 0x600800, 0x1000, &st), ref_csum(cat + 0x800, 0x1000));
	EXPECT_EQ(reg(d, EMU_DMA_REG_WBYTES), 0);
	zv_device_close(d);
	free(s);
	free(a);
	free(b);
}

TEST(emu_csum_faults_on_unmapped_source)
{
	struct zv_device *d = dev_open("");
	uint8_t *s = pages(1);
	struct dev_fault f = { 0 };
	uint32_t st = 0;

	EXPECT_EQ(d->ops->dma_map(d, 0x100000, PG, s, false), 0);
	set_command(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	csum_cmd(d, 0x100ff0, 0x20, &st);
	EXPECT_EQ(st, EMU_DMA_ST_FAULT);
	EXPECT_EQ(reg(d, EMU_DMA_REG_FAULT), 0x101000);
	EXPECT_EQ(d->ops->take_fault(d, &f), 1);
	EXPECT_EQ(f.iova, 0x101000);
	EXPECT(!f.write);
	EXPECT(!f.prot);
	zv_device_close(d);
	free(s);
}

/* ---- emu:dma: interrupts -------------------------------------------------- */

TEST(emu_irq_set_signals_each_vector_of_the_mask_once)
{
	struct zv_device *d = dev_open("");
	int fds[8];

	for (unsigned v = 0; v < 8; v++)
		fds[v] = new_efd();
	EXPECT_EQ(d->ops->set_msix(d, 0, 8, fds), 0);
	set_command(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	/* bits 1, 4, 7, and 40 (no such vector: ignored) */
	EXPECT_EQ(run(d, 0, 0, (1u << 1) | (1u << 4) | (1u << 7) | (1ULL << 40), EMU_DMA_OP_IRQ_SET), 0);
	for (unsigned v = 0; v < 8; v++)
		EXPECT_EQ(efd_take(fds[v]), v == 1 || v == 4 || v == 7);
	EXPECT_EQ(run(d, 0, 0, 0xff, EMU_DMA_OP_IRQ_SET), 0);
	for (unsigned v = 0; v < 8; v++)
		EXPECT_EQ(efd_take(fds[v]), 1);
	zv_device_close(d);
	for (unsigned v = 0; v < 8; v++)
		close(fds[v]);
}

TEST(emu_irq_command_signals_len_times)
{
	struct zv_device *d = dev_open("");
	int fd = new_efd(), other = new_efd();

	EXPECT_EQ(d->ops->set_msix(d, 3, 1, &fd), 0);
	EXPECT_EQ(d->ops->set_msix(d, 4, 1, &other), 0);
	set_command(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	EXPECT_EQ(run(d, 0, 0, 5, EMU_DMA_OP_IRQ | 3u << 8), 0);
	EXPECT_EQ(efd_take(fd), 5);
	EXPECT_EQ(efd_take(other), 0);
	EXPECT_EQ(run(d, 0, 0, 1, EMU_DMA_OP_IRQ | 3u << 8), 0);
	EXPECT_EQ(efd_take(fd), 1);
	EXPECT_EQ(run(d, 0, 0, 1000, EMU_DMA_OP_IRQ | 4u << 8), 0);
	EXPECT_EQ(efd_take(other), 1000);
	EXPECT_EQ(efd_take(fd), 0);
	EXPECT_EQ(run(d, 0, 0, 0, EMU_DMA_OP_IRQ | 3u << 8), 0);
	EXPECT_EQ(efd_take(fd), 0);
	EXPECT_EQ(reg(d, EMU_DMA_REG_DONE), 4);
	EXPECT_EQ(reg(d, EMU_DMA_REG_RBYTES), 0);
	EXPECT_EQ(reg(d, EMU_DMA_REG_WBYTES), 0);
	zv_device_close(d);
	close(fd);
	close(other);
}

TEST(emu_completion_interrupt_with_bit_31)
{
	struct zv_device *d = dev_open("");
	uint8_t *buf = pages(2);
	int fds[2] = { new_efd(), new_efd() };

	EXPECT_EQ(d->ops->dma_map(d, 0x100000, 2 * PG, buf, true), 0);
	EXPECT_EQ(d->ops->set_msix(d, 0, 2, fds), 0);
	set_command(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	EXPECT_EQ(run(d, 0x100000, 0x101000, 64, EMU_DMA_OP_COPY | 1u << 8 | EMU_DMA_CMD_IRQ), 0);
	EXPECT_EQ(efd_take(fds[1]), 1);
	EXPECT_EQ(efd_take(fds[0]), 0);
	EXPECT_EQ(run(d, 0x100000, 0x101000, 64, EMU_DMA_OP_COPY | 1u << 8), 0);	/* no bit 31 */
	EXPECT_EQ(efd_take(fds[1]), 0);
	EXPECT_EQ(run(d, 0, 0x101000, 64, EMU_DMA_OP_FILL | EMU_DMA_CMD_IRQ), 0);	/* vector 0 */
	EXPECT_EQ(efd_take(fds[0]), 1);
	EXPECT_EQ(efd_take(fds[1]), 0);
	EXPECT_EQ(run(d, 0x100000, 0, 64, EMU_DMA_OP_CSUM | 1u << 8 | EMU_DMA_CMD_IRQ), 0);
	EXPECT_EQ(efd_take(fds[1]), 1);
	/* the interrupt is pending when the register write returns: 3 commands, 3 signals */
	for (int i = 0; i < 3; i++)
		run(d, 0x100000, 0x101000, 8, EMU_DMA_OP_COPY | EMU_DMA_CMD_IRQ);
	EXPECT_EQ(efd_take(fds[0]), 3);
	zv_device_close(d);
	close(fds[0]);
	close(fds[1]);
	free(buf);
}

TEST(emu_vector_without_fd_is_dropped)
{
	struct zv_device *d = dev_open("");
	int fd = new_efd(), none = -1;

	set_command(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	EXPECT_EQ(d->ops->set_msix(d, 0, 1, &fd), 0);
	/* range checks */
	errno = 0;
	EXPECT_EQ(d->ops->set_msix(d, 8, 1, &fd), -1);
	EXPECT_EQ(errno, EINVAL);
	errno = 0;
	int three[3] = { fd, fd, fd };
	EXPECT_EQ(d->ops->set_msix(d, 6, 3, three), -1);
	EXPECT_EQ(errno, EINVAL);
	/* vector 2 has no fd: dropped, the command still succeeds */
	EXPECT_EQ(run(d, 0, 0, 3, EMU_DMA_OP_IRQ | 2u << 8), 0);
	EXPECT_EQ(efd_take(fd), 0);
	/* a vector past the table */
	EXPECT_EQ(run(d, 0, 0, 3, EMU_DMA_OP_IRQ | 0xfffu << 8), 0);
	EXPECT_EQ(efd_take(fd), 0);
	EXPECT_EQ(run(d, 0, 0, 0, EMU_DMA_OP_CSUM | 8u << 8 | EMU_DMA_CMD_IRQ), 0);
	EXPECT_EQ(efd_take(fd), 0);
	/* vector 0 works */
	EXPECT_EQ(run(d, 0, 0, 2, EMU_DMA_OP_IRQ), 0);
	EXPECT_EQ(efd_take(fd), 2);
	/* detach vector 0 with -1 */
	EXPECT_EQ(d->ops->set_msix(d, 0, 1, &none), 0);
	EXPECT_EQ(run(d, 0, 0, 2, EMU_DMA_OP_IRQ), 0);
	EXPECT_EQ(efd_take(fd), 0);
	/* attach again, then disable MSI-X (count 0) */
	EXPECT_EQ(d->ops->set_msix(d, 0, 1, &fd), 0);
	EXPECT_EQ(d->ops->set_msix(d, 0, 0, NULL), 0);
	EXPECT_EQ(run(d, 0, 0, 2, EMU_DMA_OP_IRQ), 0);
	EXPECT_EQ(efd_take(fd), 0);
	zv_device_close(d);
	close(fd);
}

/* ---- emu:dma: command register, blocking, bad commands ------------------- */

TEST(emu_memory_space_off_commands_do_not_run)
{
	struct zv_device *d = dev_open("");
	uint8_t *buf = pages(1);
	int fd = new_efd();

	memset(buf, 0xee, PG);
	EXPECT_EQ(d->ops->dma_map(d, 0x100000, PG, buf, true), 0);
	EXPECT_EQ(d->ops->set_msix(d, 0, 1, &fd), 0);
	set_command(d, PCI_COMMAND_MASTER);	/* memory space off */
	set_reg(d, EMU_DMA_REG_PATTERN, 0);
	set_reg(d, EMU_DMA_REG_DST, 0x100000);
	set_reg(d, EMU_DMA_REG_LEN, 64);
	set_reg(d, EMU_DMA_REG_CMD, EMU_DMA_OP_FILL | EMU_DMA_CMD_IRQ);
	EXPECT(all_bytes(buf, PG, 0xee));
	EXPECT_EQ(reg(d, EMU_DMA_REG_DONE), 0);
	EXPECT_EQ(reg(d, EMU_DMA_REG_STATUS), 0);
	EXPECT_EQ(reg(d, EMU_DMA_REG_WBYTES), 0);
	EXPECT_EQ(efd_take(fd), 0);
	set_reg(d, EMU_DMA_REG_LEN, 3);
	set_reg(d, EMU_DMA_REG_CMD, EMU_DMA_OP_IRQ);
	EXPECT_EQ(efd_take(fd), 0);
	EXPECT_EQ(reg(d, EMU_DMA_REG_DONE), 0);
	/* reads still work */
	EXPECT_EQ(reg(d, EMU_DMA_REG_ID), 0x7a76646d);
	zv_device_close(d);
	close(fd);
	free(buf);
}

/* "with memory space off, register writes are dropped": none of them may
 * change a register, so they cannot take effect later either. */
TEST(emu_memory_space_off_register_writes_dropped)
{
	struct zv_device *d = dev_open("");
	uint8_t *buf = pages(1);

	memset(buf, 0xee, PG);
	EXPECT_EQ(d->ops->dma_map(d, 0x100000, PG, buf, true), 0);
	set_command(d, PCI_COMMAND_MASTER);	/* memory space off */
	set_reg(d, EMU_DMA_REG_SRC, 0x1234000);
	set_reg(d, EMU_DMA_REG_DST, 0x100000);
	set_reg(d, EMU_DMA_REG_LEN, 16);
	set_reg(d, EMU_DMA_REG_PATTERN, 0x4141414141414141ULL);
	EXPECT_EQ(reg(d, EMU_DMA_REG_SRC), 0);
	EXPECT_EQ(reg(d, EMU_DMA_REG_DST), 0);
	EXPECT_EQ(reg(d, EMU_DMA_REG_LEN), 0);
	EXPECT_EQ(reg(d, EMU_DMA_REG_PATTERN), 0);
	/* memory on: a CMD write alone runs on the registers as they were (LEN 0) */
	set_command(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	set_reg(d, EMU_DMA_REG_CMD, EMU_DMA_OP_FILL);
	EXPECT_EQ(reg(d, EMU_DMA_REG_STATUS), 0);
	EXPECT_EQ(reg(d, EMU_DMA_REG_WBYTES), 0);
	EXPECT(all_bytes(buf, PG, 0xee));
	zv_device_close(d);
	free(buf);
}

TEST(emu_bus_master_off_is_status_4)
{
	struct zv_device *d = dev_open("");
	uint8_t *buf = pages(2);
	uint64_t r, w;

	randomize(buf, PG);
	memset(buf + PG, 0xee, PG);
	EXPECT_EQ(d->ops->dma_map(d, 0x100000, 2 * PG, buf, true), 0);
	set_command(d, PCI_COMMAND_MEMORY);
	EXPECT_EQ(run(d, 0x100000, 0x101000, 64, EMU_DMA_OP_COPY), EMU_DMA_ST_NOMASTER);
	EXPECT_EQ(run(d, 0x100000, 0x101000, 64, EMU_DMA_OP_FILL), EMU_DMA_ST_NOMASTER);
	EXPECT_EQ(run(d, 0x100000, 0x101000, 64, EMU_DMA_OP_CSUM), EMU_DMA_ST_NOMASTER);
	EXPECT_EQ(reg(d, EMU_DMA_REG_RESULT), 0);
	EXPECT(all_bytes(buf + PG, PG, 0xee));
	EXPECT_EQ(reg(d, EMU_DMA_REG_RBYTES), 0);
	EXPECT_EQ(reg(d, EMU_DMA_REG_WBYTES), 0);
	d->ops->dma_counters(d, &r, &w);
	EXPECT_EQ(r, 0);
	EXPECT_EQ(w, 0);
	/* bus master on: it runs */
	set_command(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	EXPECT_EQ(run(d, 0x100000, 0x101000, 64, EMU_DMA_OP_COPY), 0);
	EXPECT(memcmp(buf + PG, buf, 64) == 0);
	zv_device_close(d);
	free(buf);
}

TEST(emu_dma_blocked_is_status_5)
{
	struct zv_device *d = dev_open("");
	uint8_t *buf = pages(2);
	uint64_t r, w;

	randomize(buf, PG);
	memset(buf + PG, 0xee, PG);
	EXPECT_EQ(d->ops->dma_map(d, 0x100000, 2 * PG, buf, true), 0);
	set_command(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	d->ops->set_dma_blocked(d, true);
	EXPECT_EQ(run(d, 0x100000, 0x101000, 64, EMU_DMA_OP_COPY), EMU_DMA_ST_BLOCKED);
	EXPECT_EQ(run(d, 0x100000, 0x101000, 64, EMU_DMA_OP_FILL), EMU_DMA_ST_BLOCKED);
	EXPECT_EQ(run(d, 0x100000, 0x101000, 64, EMU_DMA_OP_CSUM), EMU_DMA_ST_BLOCKED);
	/* an unmapped address while blocked: blocked, no fault */
	EXPECT_EQ(run(d, 0x900000, 0x901000, 64, EMU_DMA_OP_COPY), EMU_DMA_ST_BLOCKED);
	EXPECT(!readable(d->ops->err_fd(d)));
	EXPECT(all_bytes(buf + PG, PG, 0xee));
	EXPECT_EQ(reg(d, EMU_DMA_REG_RBYTES), 0);
	EXPECT_EQ(reg(d, EMU_DMA_REG_WBYTES), 0);
	d->ops->dma_counters(d, &r, &w);
	EXPECT_EQ(r, 0);
	EXPECT_EQ(w, 0);
	d->ops->set_dma_blocked(d, false);
	EXPECT_EQ(run(d, 0x100000, 0x101000, 64, EMU_DMA_OP_COPY), 0);
	EXPECT(memcmp(buf + PG, buf, 64) == 0);
	zv_device_close(d);
	free(buf);
}

TEST(emu_bad_opcode_is_status_3)
{
	struct zv_device *d = dev_open("");
	uint8_t *buf = pages(2);
	static const uint32_t ops[] = { 0, 6, 7, 0x7f, 0xff, 0x100 };

	memset(buf, 0xee, 2 * PG);
	EXPECT_EQ(d->ops->dma_map(d, 0x100000, 2 * PG, buf, true), 0);
	set_command(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		EXPECT_EQ(run(d, 0x100000, 0x101000, 64, ops[i]), EMU_DMA_ST_BADCMD);
	EXPECT(all_bytes(buf, 2 * PG, 0xee));
	EXPECT_EQ(reg(d, EMU_DMA_REG_RBYTES), 0);
	EXPECT_EQ(reg(d, EMU_DMA_REG_WBYTES), 0);
	EXPECT(!readable(d->ops->err_fd(d)));
	/* a good command clears the status */
	EXPECT_EQ(run(d, 0x100000, 0x101000, 64, EMU_DMA_OP_COPY), 0);
	zv_device_close(d);
	free(buf);
}

TEST(emu_read_only_registers_ignore_writes)
{
	struct zv_device *d = dev_open("");
	uint8_t *buf = pages(2);

	randomize(buf, 2 * PG);
	EXPECT_EQ(d->ops->dma_map(d, 0x100000, PG, buf, true), 0);
	set_command(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	EXPECT_EQ(run(d, 0x100000, 0x100800, 0x100, EMU_DMA_OP_COPY), 0);
	EXPECT_EQ(run(d, 0x100000, 0, 0x100, EMU_DMA_OP_CSUM), 0);
	EXPECT_EQ(run(d, 0x100ff8, 0, 0x10, EMU_DMA_OP_CSUM), EMU_DMA_ST_FAULT);

	uint64_t result = reg(d, EMU_DMA_REG_RESULT), fault = reg(d, EMU_DMA_REG_FAULT);
	uint64_t done = reg(d, EMU_DMA_REG_DONE), rb = reg(d, EMU_DMA_REG_RBYTES);
	uint64_t wb = reg(d, EMU_DMA_REG_WBYTES);

	EXPECT_EQ(done, 3);
	EXPECT_EQ(fault, 0x101000);
	EXPECT_EQ(wb, 0x100);
	EXPECT_EQ(result, ref_csum(buf, 0x100));
	set_reg(d, EMU_DMA_REG_ID, 0);
	wr(d, 0, EMU_DMA_REG_ID, 0xffffffffffffffffULL, 8);		/* ID + VERSION */
	wr(d, 0, EMU_DMA_REG_STATUS, 0x77, 4);
	set_reg(d, EMU_DMA_REG_RESULT, 0x1111);
	set_reg(d, EMU_DMA_REG_FAULT, 0x2222);
	set_reg(d, EMU_DMA_REG_DONE, 0x3333);
	set_reg(d, EMU_DMA_REG_RBYTES, 0x4444);
	set_reg(d, EMU_DMA_REG_WBYTES, 0x5555);
	wr(d, 0, 0x58, 0x6666, 8);					/* past the last */
	EXPECT_EQ(reg(d, EMU_DMA_REG_ID), 0x7a76646d);
	EXPECT_EQ(reg(d, EMU_DMA_REG_VERSION), 1);
	EXPECT_EQ(reg(d, EMU_DMA_REG_STATUS), EMU_DMA_ST_FAULT);
	EXPECT_EQ(reg(d, EMU_DMA_REG_RESULT), result);
	EXPECT_EQ(reg(d, EMU_DMA_REG_FAULT), fault);
	EXPECT_EQ(reg(d, EMU_DMA_REG_DONE), done);
	EXPECT_EQ(reg(d, EMU_DMA_REG_RBYTES), rb);
	EXPECT_EQ(reg(d, EMU_DMA_REG_WBYTES), wb);
	EXPECT_EQ(rd(d, 0, 0x58, 8), 0);
	/* the parameter registers are writable, byte by byte too */
	set_reg(d, EMU_DMA_REG_SRC, 0x1122334455667788ULL);
	set_reg(d, EMU_DMA_REG_DST, 0x99aabbccddeeff00ULL);
	set_reg(d, EMU_DMA_REG_LEN, 0x0102030405060708ULL);
	wr(d, 0, EMU_DMA_REG_PATTERN + 1, 0xab, 1);
	EXPECT_EQ(reg(d, EMU_DMA_REG_SRC), 0x1122334455667788ULL);
	EXPECT_EQ(reg(d, EMU_DMA_REG_DST), 0x99aabbccddeeff00ULL);
	EXPECT_EQ(reg(d, EMU_DMA_REG_LEN), 0x0102030405060708ULL);
	EXPECT_EQ(reg(d, EMU_DMA_REG_PATTERN), 0xab00);
	EXPECT_EQ(reg(d, EMU_DMA_REG_DONE), done);	/* none of these ran a command */
	zv_device_close(d);
	free(buf);
}

TEST(emu_done_and_byte_counters)
{
	struct zv_device *d = dev_open("");
	uint8_t *buf = pages(4);
	uint64_t r = 0, w = 0;

	randomize(buf, 4 * PG);
	EXPECT_EQ(d->ops->dma_map(d, 0x100000, 4 * PG, buf, true), 0);
	set_command(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	EXPECT_EQ(run(d, 0x100000, 0x102000, 1000, EMU_DMA_OP_COPY), 0);	/* r 1000, w 1000 */
	EXPECT_EQ(reg(d, EMU_DMA_REG_DONE), 1);
	EXPECT_EQ(run(d, 0, 0x101000, 333, EMU_DMA_OP_FILL), 0);		/* w 333 */
	EXPECT_EQ(reg(d, EMU_DMA_REG_DONE), 2);
	EXPECT_EQ(run(d, 0x100001, 0, 4097, EMU_DMA_OP_CSUM), 0);		/* r 4097 */
	EXPECT_EQ(reg(d, EMU_DMA_REG_DONE), 3);
	EXPECT_EQ(run(d, 0, 0, 7, EMU_DMA_OP_IRQ), 0);				/* none */
	EXPECT_EQ(reg(d, EMU_DMA_REG_DONE), 4);
	EXPECT_EQ(reg(d, EMU_DMA_REG_RBYTES), 1000 + 4097);
	EXPECT_EQ(reg(d, EMU_DMA_REG_WBYTES), 1000 + 333);
	d->ops->dma_counters(d, &r, &w);
	EXPECT_EQ(r, 1000 + 4097);
	EXPECT_EQ(w, 1000 + 333);
	zv_device_close(d);
	free(buf);
}

/* ---- emu:dma: reset ------------------------------------------------------- */

TEST(emu_reset_clears_registers_keeps_mappings)
{
	struct zv_device *d = dev_open("vectors=4");
	uint8_t *buf = pages(2);
	struct dev_fault f;

	randomize(buf, 2 * PG);
	EXPECT_EQ(d->ops->dma_map(d, 0x100000, 2 * PG, buf, true), 0);
	uint64_t avail = d->ops->dma_avail(d);
	set_command(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	set_cfg(d, 0x42, 0xc000, 2);
	set_cfg(d, PCI_BAR0, 0xfffff000, 4);
	set_reg(d, EMU_DMA_REG_PATTERN, 0x55);
	EXPECT_EQ(run(d, 0x100000, 0x101000, 64, EMU_DMA_OP_CSUM), 0);
	EXPECT_EQ(run(d, 0x101ff0, 0x102000, 64, EMU_DMA_OP_COPY), EMU_DMA_ST_FAULT);
	EXPECT(reg(d, EMU_DMA_REG_RESULT) != 0);

	EXPECT_EQ(d->ops->reset(d), 0);
	for (unsigned off = EMU_DMA_REG_SRC; off < 0x58; off += 8)
		EXPECT_EQ(rd(d, 0, off, 8), 0);		/* SRC .. WBYTES, CMD+STATUS */
	EXPECT_EQ(reg(d, EMU_DMA_REG_ID), 0x7a76646d);
	EXPECT_EQ(reg(d, EMU_DMA_REG_VERSION), 1);
	EXPECT_EQ(cfg(d, PCI_COMMAND, 2), 0);
	EXPECT_EQ(cfg(d, 0x42, 2), 3);			/* MSI-X control cleared, size kept */
	EXPECT_EQ(cfg(d, PCI_BAR0, 4), 0);
	EXPECT_EQ(cfg(d, PCI_VENDOR_ID, 2), 0x1234);
	EXPECT_EQ(d->ops->take_fault(d, &f), 0);	/* the pending fault is gone */
	/* the IOMMU mappings survive */
	EXPECT_EQ(d->ops->dma_avail(d), avail);
	set_command(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	EXPECT_EQ(run(d, 0x100000, 0x101000, 64, EMU_DMA_OP_COPY), 0);
	EXPECT(memcmp(buf + PG, buf, 64) == 0);
	EXPECT_EQ(reg(d, EMU_DMA_REG_DONE), 1);
	zv_device_close(d);
	free(buf);
}

/* DONE, RBYTES and WBYTES are device registers: after a reset all three
 * count from zero again. */
TEST(emu_reset_restarts_byte_registers)
{
	struct zv_device *d = dev_open("");
	uint8_t *buf = pages(2);

	EXPECT_EQ(d->ops->dma_map(d, 0x100000, 2 * PG, buf, true), 0);
	set_command(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	EXPECT_EQ(run(d, 0x100000, 0x101000, 1000, EMU_DMA_OP_COPY), 0);
	EXPECT_EQ(d->ops->reset(d), 0);
	EXPECT_EQ(reg(d, EMU_DMA_REG_RBYTES), 0);
	set_command(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	EXPECT_EQ(run(d, 0x100000, 0x101000, 64, EMU_DMA_OP_COPY), 0);
	EXPECT_EQ(reg(d, EMU_DMA_REG_DONE), 1);
	EXPECT_EQ(reg(d, EMU_DMA_REG_RBYTES), 64);
	EXPECT_EQ(reg(d, EMU_DMA_REG_WBYTES), 64);
	zv_device_close(d);
	free(buf);
}

/* ---- emu:dma: IOMMU through the ops --------------------------------------- */

TEST(emu_ops_map_unmap_type1)
{
	struct zv_device *d = dev_open("maps=4");
	uint8_t *buf = pages(8);
	int efd = d->ops->err_fd(d);

	randomize(buf, 8 * PG);
	EXPECT_EQ(d->ops->dma_map(d, 0x100000, 2 * PG, buf, true), 0);
	EXPECT_EQ(d->ops->dma_map(d, 0x102000, 2 * PG, buf + 2 * PG, true), 0);
	errno = 0;
	EXPECT_EQ(d->ops->dma_map(d, 0x101000, 2 * PG, buf, true), -1);
	EXPECT_EQ(errno, EEXIST);
	errno = 0;
	EXPECT_EQ(d->ops->dma_unmap(d, 0x101000, 2 * PG), -1);	/* splits both */
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(d->ops->dma_avail(d), 2);
	set_command(d, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	/* a CSUM across both still works: nothing was removed */
	uint32_t st;
	EXPECT_EQ(csum_cmd(d, 0x100000, 4 * PG, &st), ref_csum(buf, 4 * PG));
	EXPECT_EQ(st, 0);
	EXPECT_EQ(d->ops->dma_unmap(d, 0x102000, 2 * PG), 0);
	csum_cmd(d, 0x100000, 4 * PG, &st);
	EXPECT_EQ(st, EMU_DMA_ST_FAULT);
	EXPECT_EQ(reg(d, EMU_DMA_REG_FAULT), 0x102000);
	EXPECT(readable(efd));
	zv_device_close(d);
	free(buf);
}
