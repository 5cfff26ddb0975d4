/* SPDX-License-Identifier: MIT */
/*
 * The DMA tests' common ground (test_rpcit.c, test_dma_limits.c): one
 * enabled function whose guest translation tables the test builds with
 * fx_map_page under a region-third table at RT, and the questions they ask
 * of the fake backend's host mappings. Each file brings its own setup().
 */
#ifndef ZV_TEST_DMA_ENV_H
#define ZV_TEST_DMA_ENV_H

#include "fakes.h"

#define PG      0x1000ULL
#define SEG     (1ULL << 20)
#define REG     (1ULL << 31)
#define RT      0x40000ULL		/* region-third table (16 KiB aligned) */
#define TABLES  0x100000ULL		/* fx_map_page's tables from here */
#define FRAMES  0x1000000ULL		/* DMA frames from 16 MiB */
#define PBA     ZV_DEFAULT_SDMA
#define PAL     (PBA + (256ULL << 20) - 1)
#define PAL4G   (PBA + (4ULL << 30) - 1)	/* two region-third entries */

struct env {
	struct fx x;
	uint32_t fh;
	uint64_t next;			/* table allocator for fx_map_page */
	struct fake_dev *d;
	struct zv_function *fn;
};

static inline void map(struct env *e, uint64_t iova, uint64_t frame, bool prot)
{
	fx_map_page(&e->x, RT, iova, frame, prot, &e->next);
}

/* addresses of the entries that translate iova (tables must exist) */
static inline uint64_t rte_addr(uint64_t iova)
{
	return fx_rte_addr(RT, iova);
}

static inline uint64_t ste_addr(struct env *e, uint64_t iova)
{
	return fx_ste_addr(&e->x, RT, iova);
}

static inline uint64_t pte_addr(struct env *e, uint64_t iova)
{
	return fx_pte_addr(&e->x, RT, iova);
}

/* RPCIT; EXPECTs that the instruction completed (no program exception) */
static inline int rpcit_cc(struct env *e, uint64_t start, uint64_t len)
{
	return fx_rpcit_cc(&e->x, e->fh, start, len);
}

static inline bool is_mapped(struct env *e, uint64_t iova)
{
	return fake_lookup(e->d, iova, NULL, NULL);
}

/* every live mapping lies inside guest RAM */
static inline bool maps_inside_ram(struct env *e)
{
	for (unsigned i = 0; i < e->d->nmaps; i++) {
		const struct fake_map *mp = &e->d->maps[i];
		const uint8_t *h = mp->host;

		if (h < e->x.ram || mp->size > FX_RAM_SIZE || h + mp->size > e->x.ram + FX_RAM_SIZE)
			return false;
	}
	return true;
}

#define EXPECT_UNMAPPED(e, iova) EXPECT(!is_mapped((e), (iova)))

#endif
