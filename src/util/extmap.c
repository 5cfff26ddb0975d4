/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "extmap.h"

/* Node 0 is the empty tree (height 0); real nodes start at 1. */
struct extmap_node {
	struct extent e;
	uint32_t left, right;
	int32_t height;
};

#define N(t, i) ((t)->chunks[(i) >> EXTMAP_CHUNK_SHIFT][(i) & (EXTMAP_CHUNK - 1)])

void extmap_init(struct extmap *t)
{
	memset(t, 0, sizeof(*t));
	t->unused = 1;
}

void extmap_fini(struct extmap *t)
{
	for (uint32_t i = 0; i < t->nchunks; i++)
		free(t->chunks[i]);
	free(t->chunks);
	extmap_init(t);
}

void extmap_clear(struct extmap *t)
{
	t->root = t->free_head = t->count = 0;
	t->unused = 1;
}

size_t extmap_bytes(const struct extmap *t)
{
	return (size_t)t->cap * sizeof(struct extmap_node) +
	       (size_t)t->chunks_cap * sizeof(*t->chunks);
}

static int32_t height(const struct extmap *t, uint32_t n)
{
	return n ? N(t, n).height : 0;
}

static void fix_height(struct extmap *t, uint32_t n)
{
	int32_t l = height(t, N(t, n).left), r = height(t, N(t, n).right);

	N(t, n).height = (l > r ? l : r) + 1;
}

static uint32_t rotate_right(struct extmap *t, uint32_t n)
{
	uint32_t l = N(t, n).left;

	N(t, n).left = N(t, l).right;
	N(t, l).right = n;
	fix_height(t, n);
	fix_height(t, l);
	return l;
}

static uint32_t rotate_left(struct extmap *t, uint32_t n)
{
	uint32_t r = N(t, n).right;

	N(t, n).right = N(t, r).left;
	N(t, r).left = n;
	fix_height(t, n);
	fix_height(t, r);
	return r;
}

static uint32_t balance(struct extmap *t, uint32_t n)
{
	int32_t bf;

	fix_height(t, n);
	bf = height(t, N(t, n).left) - height(t, N(t, n).right);
	if (bf > 1) {
		if (height(t, N(t, N(t, n).left).left) < height(t, N(t, N(t, n).left).right))
			N(t, n).left = rotate_left(t, N(t, n).left);
		return rotate_right(t, n);
	}
	if (bf < -1) {
		if (height(t, N(t, N(t, n).right).right) < height(t, N(t, N(t, n).right).left))
			N(t, n).right = rotate_right(t, N(t, n).right);
		return rotate_left(t, n);
	}
	return n;
}

/* A node from the free list, else one never used, else from a new chunk
 * (the chunk table doubles: pointers only, one per 256 nodes). */
static uint32_t alloc_node(struct extmap *t)
{
	uint32_t n = t->free_head;

	if (n) {
		t->free_head = N(t, n).left;
		return n;
	}
	if (t->unused >= t->cap) {
		struct extmap_node *c;

		if (t->nchunks == UINT32_MAX >> EXTMAP_CHUNK_SHIFT)
			return 0;
		if (t->nchunks == t->chunks_cap) {
			uint32_t ncap = t->chunks_cap ? t->chunks_cap * 2 : 4;
			struct extmap_node **p = realloc(t->chunks, (size_t)ncap * sizeof(*p));

			if (!p)
				return 0;
			t->chunks = p;
			t->chunks_cap = ncap;
		}
		c = malloc(EXTMAP_CHUNK * sizeof(*c));
		if (!c)
			return 0;
		t->chunks[t->nchunks++] = c;
		t->cap += EXTMAP_CHUNK;
	}
	return t->unused++;
}

static uint32_t insert_at(struct extmap *t, uint32_t n, uint32_t nn)
{
	if (!n)
		return nn;
	if (N(t, nn).e.first < N(t, n).e.first)
		N(t, n).left = insert_at(t, N(t, n).left, nn);
	else
		N(t, n).right = insert_at(t, N(t, n).right, nn);
	return balance(t, n);
}

int extmap_insert(struct extmap *t, const struct extent *e)
{
	struct extent prev;
	uint32_t nn;

	if (e->first > e->last) {
		errno = EINVAL;
		return -1;
	}
	if (extmap_prev(t, e->last, &prev) && prev.last >= e->first) {
		errno = EEXIST;
		return -1;
	}
	nn = alloc_node(t);
	if (!nn) {
		errno = ENOMEM;
		return -1;
	}
	N(t, nn).e = *e;
	N(t, nn).left = N(t, nn).right = 0;
	N(t, nn).height = 1;
	t->root = insert_at(t, t->root, nn);
	t->count++;
	return 0;
}

static void free_node(struct extmap *t, uint32_t n)
{
	N(t, n).left = t->free_head;
	t->free_head = n;
	t->count--;
}

/* Detach the minimum of subtree n into *min; returns the new subtree. */
static uint32_t detach_min(struct extmap *t, uint32_t n, uint32_t *min)
{
	if (!N(t, n).left) {
		*min = n;
		return N(t, n).right;
	}
	N(t, n).left = detach_min(t, N(t, n).left, min);
	return balance(t, n);
}

static uint32_t remove_at(struct extmap *t, uint32_t n, uint64_t first, bool *found)
{
	if (!n)
		return 0;
	if (first < N(t, n).e.first) {
		N(t, n).left = remove_at(t, N(t, n).left, first, found);
	} else if (first > N(t, n).e.first) {
		N(t, n).right = remove_at(t, N(t, n).right, first, found);
	} else {
		uint32_t l = N(t, n).left, r = N(t, n).right, m;

		*found = true;
		free_node(t, n);
		if (!l || !r)
			return l ? l : r;
		r = detach_min(t, r, &m);
		N(t, m).left = l;
		N(t, m).right = r;
		return balance(t, m);
	}
	return balance(t, n);
}

int extmap_remove(struct extmap *t, uint64_t first)
{
	bool found = false;

	t->root = remove_at(t, t->root, first, &found);
	if (!found) {
		errno = ENOENT;
		return -1;
	}
	return 0;
}

bool extmap_prev(const struct extmap *t, uint64_t addr, struct extent *out)
{
	uint32_t n = t->root, best = 0;

	while (n) {
		if (N(t, n).e.first <= addr) {
			best = n;
			n = N(t, n).right;
		} else {
			n = N(t, n).left;
		}
	}
	if (best && out)
		*out = N(t, best).e;
	return best != 0;
}

bool extmap_find(const struct extmap *t, uint64_t addr, struct extent *out)
{
	struct extent e;

	if (!extmap_prev(t, addr, &e) || e.last < addr)
		return false;
	if (out)
		*out = e;
	return true;
}

bool extmap_next(const struct extmap *t, uint64_t addr, struct extent *out)
{
	uint32_t n = t->root, le = 0, gt = 0;

	/* one descent: the last extent starting at or before addr, and the
	 * first starting after it */
	while (n) {
		if (N(t, n).e.first <= addr) {
			le = n;
			n = N(t, n).right;
		} else {
			gt = n;
			n = N(t, n).left;
		}
	}
	n = le && N(t, le).e.last >= addr ? le : gt;
	if (n && out)
		*out = N(t, n).e;
	return n != 0;
}
