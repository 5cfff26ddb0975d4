/* SPDX-License-Identifier: MIT */
/*
 * An open-addressing hash map from u64 keys to u64 values: linear probing,
 * backward-shift deletion (no tombstones), power-of-two capacity. Used for
 * page-granular lookups (IOVA page -> mapping) where a node per entry
 * would cost more than the entry.
 */
#ifndef ZV_UTIL_U64MAP_H
#define ZV_UTIL_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct u64map {
	uint64_t *keys;
	uint64_t *vals;
	uint8_t *used;
	size_t cap;		/* power of two, or 0 */
	size_t len;
};

void u64map_init(struct u64map *m);
void u64map_free(struct u64map *m);
/* Insert or replace. Returns 0, or -1 (ENOMEM). */
int u64map_put(struct u64map *m, uint64_t key, uint64_t val);
bool u64map_get(const struct u64map *m, uint64_t key, uint64_t *val);
bool u64map_del(struct u64map *m, uint64_t key, uint64_t *val);
void u64map_clear(struct u64map *m);

/* Iterate: for (size_t i = 0; u64map_next(m, &i, &k, &v); ) ... */
bool u64map_next(const struct u64map *m, size_t *iter, uint64_t *key, uint64_t *val);

#endif
