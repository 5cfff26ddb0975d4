/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "u64map.h"

static size_t slot_of(uint64_t key, size_t cap)
{
	/* Fibonacci hashing: page numbers are dense, so spread them. */
	return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 17) & (cap - 1);
}

void u64map_init(struct u64map *m)
{
	memset(m, 0, sizeof(*m));
}

void u64map_free(struct u64map *m)
{
	free(m->keys);
	free(m->vals);
	free(m->used);
	u64map_init(m);
}

void u64map_clear(struct u64map *m)
{
	if (m->cap)
		memset(m->used, 0, m->cap);
	m->len = 0;
}

static int grow(struct u64map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	struct u64map n = {
		.keys = malloc(ncap * sizeof(uint64_t)),
		.vals = malloc(ncap * sizeof(uint64_t)),
		.used = calloc(ncap, 1),
		.cap = ncap,
	};

	if (!n.keys || !n.vals || !n.used) {
		u64map_free(&n);
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->used[i])
			u64map_put(&n, m->keys[i], m->vals[i]);
	u64map_free(m);
	*m = n;
	return 0;
}

int u64map_put(struct u64map *m, uint64_t key, uint64_t val)
{
	size_t i;

	if ((m->len + 1) * 4 > m->cap * 3 && grow(m))
		return -1;
	for (i = slot_of(key, m->cap); m->used[i]; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == key) {
			m->vals[i] = val;
			return 0;
		}
	}
	m->used[i] = 1;
	m->keys[i] = key;
	m->vals[i] = val;
	m->len++;
	return 0;
}

static bool find(const struct u64map *m, uint64_t key, size_t *slot)
{
	if (!m->cap)
		return false;
	for (size_t i = slot_of(key, m->cap); m->used[i]; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == key) {
			*slot = i;
			return true;
		}
	}
	return false;
}

bool u64map_get(const struct u64map *m, uint64_t key, uint64_t *val)
{
	size_t i;

	if (!find(m, key, &i))
		return false;
	if (val)
		*val = m->vals[i];
	return true;
}

bool u64map_del(struct u64map *m, uint64_t key, uint64_t *val)
{
	size_t i, j, mask = m->cap - 1;

	if (!find(m, key, &i))
		return false;
	if (val)
		*val = m->vals[i];
	/* Backward-shift: move later entries of the probe run into the hole
	 * when their home slot does not lie cyclically in (hole, j]. */
	for (j = (i + 1) & mask; m->used[j]; j = (j + 1) & mask) {
		size_t home = slot_of(m->keys[j], m->cap);

		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->used[i] = 0;
	m->len--;
	return true;
}

bool u64map_next(const struct u64map *m, size_t *iter, uint64_t *key, uint64_t *val)
{
	for (size_t i = *iter; i < m->cap; i++) {
		if (m->used[i]) {
			*key = m->keys[i];
			if (val)
				*val = m->vals[i];
			*iter = i + 1;
			return true;
		}
	}
	*iter = m->cap;
	return false;
}
