/* SPDX-License-Identifier: MIT */
/*
 * An ordered map of non-overlapping extents [first, last] (inclusive, so
 * an extent may end at 2^64 - 1) with a payload: an AVL tree whose nodes
 * live in chunks of EXTMAP_CHUNK (one node per extent, no allocation per
 * insert in the steady state). Growing adds a chunk and never moves the
 * nodes, so no insert costs more than O(log n + EXTMAP_CHUNK) -- a
 * doubling array's copy would make one insert in a million cost tens of
 * milliseconds. Used for host DMA mappings: the engine's shadow and the
 * emulated IOMMU.
 */
#ifndef ZV_UTIL_EXTMAP_H
#define ZV_UTIL_EXTMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct extent {
	uint64_t first, last;	/* inclusive bounds */
	uint64_t data;		/* e.g. guest address or host pointer of `first` */
	uint32_t flags;
};

struct extmap_node;

#define EXTMAP_CHUNK_SHIFT 8
#define EXTMAP_CHUNK (1u << EXTMAP_CHUNK_SHIFT)	/* nodes per chunk */

struct extmap {
	struct extmap_node **chunks;
	uint32_t nchunks, chunks_cap;
	uint32_t cap;		/* nodes in the chunks */
	uint32_t unused;	/* nodes from here on were never handed out */
	uint32_t root, free_head, count;
};

void extmap_init(struct extmap *t);
void extmap_fini(struct extmap *t);
/* Insert; -1 with errno EEXIST if it overlaps an extent, ENOMEM, EINVAL
 * (first > last). */
int extmap_insert(struct extmap *t, const struct extent *e);
/* Remove the extent that starts at first; -1 (ENOENT) if none. */
int extmap_remove(struct extmap *t, uint64_t first);
/* The extent containing addr. */
bool extmap_find(const struct extmap *t, uint64_t addr, struct extent *out);
/* The first extent whose last >= addr (containing addr or after it). */
bool extmap_next(const struct extmap *t, uint64_t addr, struct extent *out);
/* The last extent whose first <= addr. */
bool extmap_prev(const struct extmap *t, uint64_t addr, struct extent *out);
static inline uint32_t extmap_count(const struct extmap *t) { return t->count; }
/* Bytes of memory the map holds. */
size_t extmap_bytes(const struct extmap *t);
/* Forget every extent, keep the memory: O(1). */
void extmap_clear(struct extmap *t);

#endif
