/* SPDX-License-Identifier: MIT */
/*
 * util/extmap: an ordered map of non-overlapping inclusive extents.
 * Boundaries (0, 2^64 - 1, single bytes, touching neighbours, every kind
 * of overlap), find/next/prev around every boundary, remove and clear,
 * memory that grows with the number of extents and not their size,
 * balance (bounded by time, since the tree's internals are private), and
 * a randomized differential test against a naive sorted array.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "util/extmap.h"

#define MAX64 UINT64_MAX

/* Sanitized builds run several times slower: scale the time budgets. */
#if defined(__SANITIZE_ADDRESS__)
#define XM_SLOW 10.0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define XM_SLOW 10.0
#endif
#endif
#ifndef XM_SLOW
#define XM_SLOW 1.0
#endif

/* valgrind and other slow runners scale the budgets further */
static double xm_slow(void)
{
	const char *s = getenv("ZV_TEST_TIME_SCALE");
	double k = s ? strtod(s, NULL) : 1.0;

	return XM_SLOW * (k >= 1.0 ? k : 1.0);
}

/* ---- helpers --------------------------------------------------------- */

static struct extent ext(uint64_t first, uint64_t last, uint64_t data, uint32_t flags)
{
	struct extent e;

	memset(&e, 0, sizeof(e));
	e.first = first;
	e.last = last;
	e.data = data;
	e.flags = flags;
	return e;
}

/* Insert [first, last]; returns 0 or the errno of the failure. */
static int ins(struct extmap *t, uint64_t first, uint64_t last, uint64_t data)
{
	struct extent e = ext(first, last, data, (uint32_t)data ^ 0x5a5a5a5au);
	int rc;

	errno = 0;
	rc = extmap_insert(t, &e);
	if (rc == 0)
		return 0;
	return rc == -1 && errno ? errno : -1000 - rc;	/* odd codes stand out */
}

static int rem(struct extmap *t, uint64_t first)
{
	int rc;

	errno = 0;
	rc = extmap_remove(t, first);
	if (rc == 0)
		return 0;
	return rc == -1 && errno ? errno : -1000 - rc;
}

static bool same_ext(const struct extent *a, const struct extent *b)
{
	return a->first == b->first && a->last == b->last && a->data == b->data &&
	       a->flags == b->flags;
}

/* find/next/prev at addr must report exactly [first, last], or nothing
 * when first > last (use NONE). */
#define NONE 1, 0
#define EXPECT_FIND(t, addr, ...) expect_q(__LINE__, "find", extmap_find, t, addr, __VA_ARGS__)
#define EXPECT_NEXT(t, addr, ...) expect_q(__LINE__, "next", extmap_next, t, addr, __VA_ARGS__)
#define EXPECT_PREV(t, addr, ...) expect_q(__LINE__, "prev", extmap_prev, t, addr, __VA_ARGS__)

typedef bool (*query_fn)(const struct extmap *, uint64_t, struct extent *);

static void expect_q(int line, const char *what, query_fn q, const struct extmap *t,
		     uint64_t addr, uint64_t first, uint64_t last)
{
	struct extent e = ext(0xdead, 0xbeef, 0, 0);
	bool want = first <= last, got = q(t, addr, &e);

	if (got != want) {
		th_fail(__FILE__, line, "%s(%#" PRIx64 "): found=%d, want %d (got [%#" PRIx64
			", %#" PRIx64 "])", what, addr, got, want, got ? e.first : 0,
			got ? e.last : 0);
		return;
	}
	if (want && (e.first != first || e.last != last))
		th_fail(__FILE__, line, "%s(%#" PRIx64 "): got [%#" PRIx64 ", %#" PRIx64
			"], want [%#" PRIx64 ", %#" PRIx64 "]", what, addr, e.first, e.last,
			first, last);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* xorshift64* with a fixed seed: the same run every time */
static uint64_t rng_state;

static void rng_seed(uint64_t s)
{
	rng_state = s ? s : 0x9e3779b97f4a7c15ULL;
}

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint64_t rng_below(uint64_t n)
{
	return n ? rng() % n : 0;
}

/* ---- the reference: a naive sorted array ------------------------------ */

struct ref {
	struct extent *v;
	size_t n, cap;
};

static int ref_insert(struct ref *r, const struct extent *e)
{
	size_t i;

	if (e->first > e->last)
		return EINVAL;
	for (i = 0; i < r->n; i++)
		if (!(r->v[i].last < e->first || e->last < r->v[i].first))
			return EEXIST;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->v = realloc(r->v, r->cap * sizeof(*r->v));
		if (!r->v)
			abort();
	}
	for (i = r->n; i > 0 && r->v[i - 1].first > e->first; i--)
		r->v[i] = r->v[i - 1];
	r->v[i] = *e;
	r->n++;
	return 0;
}

static int ref_remove(struct ref *r, uint64_t first)
{
	for (size_t i = 0; i < r->n; i++) {
		if (r->v[i].first == first) {
			memmove(&r->v[i], &r->v[i + 1], (r->n - i - 1) * sizeof(*r->v));
			r->n--;
			return 0;
		}
	}
	return ENOENT;
}

static const struct extent *ref_find(const struct ref *r, uint64_t a)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].first <= a && a <= r->v[i].last)
			return &r->v[i];
	return NULL;
}

static const struct extent *ref_next(const struct ref *r, uint64_t a)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].last >= a)
			return &r->v[i];
	return NULL;
}

static const struct extent *ref_prev(const struct ref *r, uint64_t a)
{
	for (size_t i = r->n; i > 0; i--)
		if (r->v[i - 1].first <= a)
			return &r->v[i - 1];
	return NULL;
}

/* Compare one query with the reference; false (and a failure) if they
 * differ. */
static bool check_q(const char *what, query_fn q, const struct extent *want,
		    const struct extmap *t, uint64_t addr, unsigned long op)
{
	struct extent e = ext(0xdead, 0xbeef, 0, 0);
	bool got = q(t, addr, &e);

	if (got == (want != NULL) && (!got || same_ext(&e, want)))
		return true;
	th_fail(__FILE__, __LINE__,
		"op %lu: %s(%#" PRIx64 "): got %s[%#" PRIx64 ", %#" PRIx64 "] data %#" PRIx64
		", want %s[%#" PRIx64 ", %#" PRIx64 "] data %#" PRIx64, op, what, addr,
		got ? "" : "nothing ", got ? e.first : 0, got ? e.last : 0, got ? e.data : 0,
		want ? "" : "nothing ", want ? want->first : 0, want ? want->last : 0,
		want ? want->data : 0);
	return false;
}

static bool check_addr(const struct extmap *t, const struct ref *r, uint64_t a, unsigned long op)
{
	return check_q("find", extmap_find, ref_find(r, a), t, a, op) &&
	       check_q("next", extmap_next, ref_next(r, a), t, a, op) &&
	       check_q("prev", extmap_prev, ref_prev(r, a), t, a, op);
}

/* Walk the whole map forwards with next and backwards with prev and
 * compare it with the reference, extent by extent. */
static bool check_walk(const struct extmap *t, const struct ref *r, unsigned long op)
{
	struct extent e;
	size_t i = 0;
	uint64_t a = 0;

	if (extmap_count(t) != r->n) {
		th_fail(__FILE__, __LINE__, "op %lu: count %u, want %zu", op, extmap_count(t), r->n);
		return false;
	}
	while (extmap_next(t, a, &e)) {
		if (i >= r->n || !same_ext(&e, &r->v[i])) {
			th_fail(__FILE__, __LINE__, "op %lu: forward walk #%zu: got [%#" PRIx64
				", %#" PRIx64 "]", op, i, e.first, e.last);
			return false;
		}
		i++;
		if (e.last == MAX64)
			break;
		a = e.last + 1;
	}
	if (i != r->n) {
		th_fail(__FILE__, __LINE__, "op %lu: forward walk saw %zu extents, want %zu", op, i, r->n);
		return false;
	}
	a = MAX64;
	while (extmap_prev(t, a, &e)) {
		if (i == 0 || !same_ext(&e, &r->v[i - 1])) {
			th_fail(__FILE__, __LINE__, "op %lu: backward walk: got [%#" PRIx64
				", %#" PRIx64 "]", op, e.first, e.last);
			return false;
		}
		i--;
		if (e.first == 0)
			break;
		a = e.first - 1;
	}
	if (i != 0) {
		th_fail(__FILE__, __LINE__, "op %lu: backward walk missed %zu extents", op, i);
		return false;
	}
	return true;
}

/* ---- empty map, argument errors --------------------------------------- */

TEST(extmap_empty_map_finds_nothing)
{
	struct extmap t;
	uint64_t probes[] = { 0, 1, 0x1000, 1ULL << 63, MAX64 - 1, MAX64 };

	extmap_init(&t);
	EXPECT_EQ(extmap_count(&t), 0);
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		EXPECT_FIND(&t, probes[i], NONE);
		EXPECT_NEXT(&t, probes[i], NONE);
		EXPECT_PREV(&t, probes[i], NONE);
	}
	EXPECT_EQ(rem(&t, 0), ENOENT);
	EXPECT_EQ(rem(&t, MAX64), ENOENT);
	EXPECT_EQ(extmap_count(&t), 0);
	extmap_clear(&t);	/* clear of a never-used map */
	EXPECT_EQ(extmap_count(&t), 0);
	EXPECT_EQ(ins(&t, 0, 0, 1), 0);
	EXPECT_EQ(extmap_count(&t), 1);
	extmap_fini(&t);
}

TEST(extmap_insert_first_after_last_is_einval)
{
	struct extmap t;

	extmap_init(&t);
	EXPECT_EQ(ins(&t, 1, 0, 0), EINVAL);
	EXPECT_EQ(ins(&t, MAX64, 0, 0), EINVAL);
	EXPECT_EQ(ins(&t, MAX64, MAX64 - 1, 0), EINVAL);
	EXPECT_EQ(ins(&t, 100, 99, 0), EINVAL);
	EXPECT_EQ(extmap_count(&t), 0);
	EXPECT_FIND(&t, 0, NONE);
	EXPECT_FIND(&t, 99, NONE);
	EXPECT_FIND(&t, MAX64, NONE);
	/* also EINVAL (not EEXIST) where it would lie over an extent */
	EXPECT_EQ(ins(&t, 50, 150, 0), 0);
	EXPECT_EQ(ins(&t, 120, 80, 0), EINVAL);
	EXPECT_EQ(extmap_count(&t), 1);
	EXPECT_FIND(&t, 100, 50, 150);
	extmap_fini(&t);
}

TEST(extmap_payload_round_trips)
{
	struct extmap t;
	struct extent in = ext(0x1000, 0x1fff, 0xfeedfacecafebeefULL, 0xa5a5a5a5u), out;
	struct extent in2 = ext(MAX64, MAX64, MAX64, 0xffffffffu);

	extmap_init(&t);
	EXPECT_EQ(extmap_insert(&t, &in), 0);
	EXPECT_EQ(extmap_insert(&t, &in2), 0);
	memset(&out, 0, sizeof(out));
	EXPECT(extmap_find(&t, 0x1800, &out));
	EXPECT(same_ext(&out, &in));
	memset(&out, 0, sizeof(out));
	EXPECT(extmap_next(&t, 0, &out));
	EXPECT(same_ext(&out, &in));
	memset(&out, 0, sizeof(out));
	EXPECT(extmap_prev(&t, MAX64 - 1, &out));
	EXPECT(same_ext(&out, &in));
	memset(&out, 0, sizeof(out));
	EXPECT(extmap_find(&t, MAX64, &out));
	EXPECT(same_ext(&out, &in2));
	extmap_fini(&t);
}

/* ---- boundaries ------------------------------------------------------- */

TEST(extmap_extent_ending_at_max)
{
	struct extmap t;

	extmap_init(&t);
	EXPECT_EQ(ins(&t, MAX64 - 9, MAX64, 7), 0);
	EXPECT_EQ(extmap_count(&t), 1);
	EXPECT_FIND(&t, MAX64, MAX64 - 9, MAX64);
	EXPECT_FIND(&t, MAX64 - 1, MAX64 - 9, MAX64);
	EXPECT_FIND(&t, MAX64 - 9, MAX64 - 9, MAX64);
	EXPECT_FIND(&t, MAX64 - 8, MAX64 - 9, MAX64);
	EXPECT_FIND(&t, MAX64 - 10, NONE);
	EXPECT_FIND(&t, 0, NONE);
	EXPECT_NEXT(&t, MAX64, MAX64 - 9, MAX64);
	EXPECT_NEXT(&t, MAX64 - 9, MAX64 - 9, MAX64);
	EXPECT_NEXT(&t, MAX64 - 10, MAX64 - 9, MAX64);
	EXPECT_NEXT(&t, 0, MAX64 - 9, MAX64);
	EXPECT_PREV(&t, MAX64, MAX64 - 9, MAX64);
	EXPECT_PREV(&t, MAX64 - 9, MAX64 - 9, MAX64);
	EXPECT_PREV(&t, MAX64 - 10, NONE);
	EXPECT_PREV(&t, 0, NONE);

	/* the very last byte is taken; its left neighbour is free */
	EXPECT_EQ(ins(&t, MAX64, MAX64, 0), EEXIST);
	EXPECT_EQ(ins(&t, MAX64 - 9, MAX64 - 9, 0), EEXIST);
	EXPECT_EQ(ins(&t, MAX64 - 10, MAX64 - 9, 0), EEXIST);
	EXPECT_EQ(ins(&t, 0, MAX64, 0), EEXIST);
	EXPECT_EQ(ins(&t, MAX64 - 10, MAX64 - 10, 0), 0);
	EXPECT_FIND(&t, MAX64 - 10, MAX64 - 10, MAX64 - 10);
	EXPECT_NEXT(&t, MAX64 - 10, MAX64 - 10, MAX64 - 10);
	EXPECT_NEXT(&t, MAX64 - 11, MAX64 - 10, MAX64 - 10);
	EXPECT_PREV(&t, MAX64 - 10, MAX64 - 10, MAX64 - 10);
	EXPECT_PREV(&t, MAX64 - 9, MAX64 - 9, MAX64);
	EXPECT_EQ(extmap_count(&t), 2);

	EXPECT_EQ(rem(&t, MAX64), ENOENT);	/* inside, not the start */
	EXPECT_EQ(rem(&t, MAX64 - 9), 0);
	EXPECT_FIND(&t, MAX64, NONE);
	EXPECT_NEXT(&t, MAX64, NONE);
	EXPECT_NEXT(&t, MAX64 - 9, NONE);
	EXPECT_PREV(&t, MAX64, MAX64 - 10, MAX64 - 10);

	/* a single byte at 2^64 - 1 */
	EXPECT_EQ(ins(&t, MAX64, MAX64, 9), 0);
	EXPECT_FIND(&t, MAX64, MAX64, MAX64);
	EXPECT_FIND(&t, MAX64 - 1, NONE);
	EXPECT_NEXT(&t, MAX64 - 1, MAX64, MAX64);
	EXPECT_PREV(&t, MAX64 - 1, MAX64 - 10, MAX64 - 10);
	EXPECT_EQ(rem(&t, MAX64), 0);
	EXPECT_EQ(rem(&t, MAX64), ENOENT);
	EXPECT_EQ(extmap_count(&t), 1);
	extmap_fini(&t);
}

TEST(extmap_extent_starting_at_zero)
{
	struct extmap t;

	extmap_init(&t);
	EXPECT_EQ(ins(&t, 0, 0, 1), 0);
	EXPECT_FIND(&t, 0, 0, 0);
	EXPECT_FIND(&t, 1, NONE);
	EXPECT_NEXT(&t, 0, 0, 0);
	EXPECT_NEXT(&t, 1, NONE);
	EXPECT_PREV(&t, 0, 0, 0);
	EXPECT_PREV(&t, 1, 0, 0);
	EXPECT_PREV(&t, MAX64, 0, 0);
	EXPECT_EQ(ins(&t, 0, 0, 0), EEXIST);
	EXPECT_EQ(ins(&t, 0, 5, 0), EEXIST);
	EXPECT_EQ(ins(&t, 1, 1, 2), 0);
	EXPECT_EQ(ins(&t, 3, 3, 3), 0);
	EXPECT_FIND(&t, 1, 1, 1);
	EXPECT_FIND(&t, 2, NONE);
	EXPECT_NEXT(&t, 2, 3, 3);
	EXPECT_PREV(&t, 2, 1, 1);
	EXPECT_EQ(rem(&t, 0), 0);
	EXPECT_FIND(&t, 0, NONE);
	EXPECT_NEXT(&t, 0, 1, 1);
	EXPECT_PREV(&t, 0, NONE);
	EXPECT_EQ(ins(&t, 0, 0, 4), 0);
	EXPECT_EQ(extmap_count(&t), 3);
	extmap_fini(&t);

	extmap_init(&t);
	EXPECT_EQ(ins(&t, 0, 0xfff, 1), 0);
	EXPECT_FIND(&t, 0, 0, 0xfff);
	EXPECT_FIND(&t, 0xfff, 0, 0xfff);
	EXPECT_FIND(&t, 0x1000, NONE);
	EXPECT_NEXT(&t, 0x1000, NONE);
	EXPECT_PREV(&t, 0x1000, 0, 0xfff);
	extmap_fini(&t);
}

TEST(extmap_whole_address_space)
{
	struct extmap t;

	extmap_init(&t);
	EXPECT_EQ(ins(&t, 0, MAX64, 1), 0);
	EXPECT_EQ(extmap_count(&t), 1);
	EXPECT_FIND(&t, 0, 0, MAX64);
	EXPECT_FIND(&t, 1ULL << 63, 0, MAX64);
	EXPECT_FIND(&t, MAX64, 0, MAX64);
	EXPECT_NEXT(&t, MAX64, 0, MAX64);
	EXPECT_PREV(&t, 0, 0, MAX64);
	EXPECT_EQ(ins(&t, 0, 0, 0), EEXIST);
	EXPECT_EQ(ins(&t, MAX64, MAX64, 0), EEXIST);
	EXPECT_EQ(ins(&t, 5, 6, 0), EEXIST);
	EXPECT_EQ(ins(&t, 0, MAX64, 0), EEXIST);
	EXPECT_EQ(rem(&t, 1), ENOENT);
	EXPECT_EQ(rem(&t, MAX64), ENOENT);
	EXPECT_EQ(rem(&t, 0), 0);
	EXPECT_EQ(extmap_count(&t), 0);
	EXPECT_FIND(&t, 0, NONE);
	EXPECT_FIND(&t, MAX64, NONE);
	/* two halves that meet at 2^63 */
	EXPECT_EQ(ins(&t, 1ULL << 63, MAX64, 2), 0);
	EXPECT_EQ(ins(&t, 0, (1ULL << 63) - 1, 3), 0);
	EXPECT_FIND(&t, (1ULL << 63) - 1, 0, (1ULL << 63) - 1);
	EXPECT_FIND(&t, 1ULL << 63, 1ULL << 63, MAX64);
	EXPECT_EQ(ins(&t, (1ULL << 63) - 1, 1ULL << 63, 0), EEXIST);
	extmap_fini(&t);
}

TEST(extmap_touching_extents_do_not_overlap)
{
	struct extmap t;

	extmap_init(&t);
	EXPECT_EQ(ins(&t, 0, 9, 1), 0);
	EXPECT_EQ(ins(&t, 10, 19, 2), 0);
	EXPECT_EQ(extmap_count(&t), 2);
	EXPECT_FIND(&t, 9, 0, 9);
	EXPECT_FIND(&t, 10, 10, 19);
	EXPECT_NEXT(&t, 9, 0, 9);
	EXPECT_NEXT(&t, 10, 10, 19);
	EXPECT_PREV(&t, 9, 0, 9);
	EXPECT_PREV(&t, 10, 10, 19);
	extmap_fini(&t);

	/* the other order, and filling a gap exactly from both sides */
	extmap_init(&t);
	EXPECT_EQ(ins(&t, 10, 19, 2), 0);
	EXPECT_EQ(ins(&t, 0, 9, 1), 0);
	EXPECT_EQ(ins(&t, 30, 39, 4), 0);
	EXPECT_EQ(ins(&t, 20, 29, 3), 0);
	EXPECT_EQ(ins(&t, 40, 40, 5), 0);
	EXPECT_EQ(extmap_count(&t), 5);
	for (uint64_t a = 0; a <= 40; a++) {
		uint64_t f = a / 10 * 10, l = a == 40 ? 40 : f + 9;

		EXPECT_FIND(&t, a, f, l);
		EXPECT_NEXT(&t, a, f, l);
		EXPECT_PREV(&t, a, f, l);
	}
	EXPECT_FIND(&t, 41, NONE);
	EXPECT_NEXT(&t, 41, NONE);
	EXPECT_PREV(&t, 41, 40, 40);
	/* one-byte extents side by side */
	EXPECT_EQ(ins(&t, 41, 41, 6), 0);
	EXPECT_EQ(ins(&t, 42, 42, 7), 0);
	EXPECT_FIND(&t, 41, 41, 41);
	EXPECT_FIND(&t, 42, 42, 42);
	EXPECT_EQ(extmap_count(&t), 7);
	extmap_fini(&t);
}

TEST(extmap_every_kind_of_overlap_is_eexist)
{
	struct extmap t;
	static const uint64_t bad[][2] = {
		{ 100, 199 },			/* equal */
		{ 50, 250 }, { 99, 200 },	/* containing */
		{ 100, 200 }, { 99, 199 }, { 0, MAX64 }, { 0, 199 }, { 100, MAX64 },
		{ 120, 130 }, { 100, 100 },	/* contained */
		{ 199, 199 }, { 150, 150 }, { 101, 198 }, { 100, 198 }, { 101, 199 },
		{ 50, 100 }, { 50, 150 },	/* left partial */
		{ 99, 100 }, { 0, 100 }, { 99, 198 },
		{ 199, 300 }, { 150, 250 },	/* right partial */
		{ 199, 200 }, { 101, MAX64 }, { 199, MAX64 },
	};
	struct extent e;

	extmap_init(&t);
	EXPECT_EQ(ins(&t, 100, 199, 42), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = ins(&t, bad[i][0], bad[i][1], 1);

		if (rc != EEXIST)
			th_fail(__FILE__, __LINE__, "insert [%" PRIu64 ", %" PRIu64
				"] over [100, 199]: got %d, want EEXIST", bad[i][0], bad[i][1], rc);
	}
	/* nothing changed */
	EXPECT_EQ(extmap_count(&t), 1);
	EXPECT_FIND(&t, 99, NONE);
	EXPECT_FIND(&t, 200, NONE);
	EXPECT(extmap_find(&t, 150, &e));
	EXPECT_EQ(e.data, 42);
	EXPECT_NEXT(&t, 0, 100, 199);
	EXPECT_PREV(&t, MAX64, 100, 199);
	/* just missing on either side is fine */
	EXPECT_EQ(ins(&t, 0, 99, 1), 0);
	EXPECT_EQ(ins(&t, 200, 299, 2), 0);
	EXPECT_EQ(extmap_count(&t), 3);
	extmap_fini(&t);

	/* a new extent across a gap between two, and over several */
	extmap_init(&t);
	EXPECT_EQ(ins(&t, 100, 199, 1), 0);
	EXPECT_EQ(ins(&t, 300, 399, 2), 0);
	EXPECT_EQ(ins(&t, 500, 599, 3), 0);
	EXPECT_EQ(ins(&t, 150, 350, 0), EEXIST);
	EXPECT_EQ(ins(&t, 200, 300, 0), EEXIST);
	EXPECT_EQ(ins(&t, 199, 299, 0), EEXIST);
	EXPECT_EQ(ins(&t, 0, 1000, 0), EEXIST);	/* contains all three */
	EXPECT_EQ(ins(&t, 250, 650, 0), EEXIST);	/* contains two, one more partial */
	EXPECT_EQ(ins(&t, 200, 499, 0), EEXIST);	/* contains the middle one */
	EXPECT_EQ(ins(&t, 0, 450, 0), EEXIST);
	EXPECT_EQ(ins(&t, 450, MAX64, 0), EEXIST);
	EXPECT_EQ(extmap_count(&t), 3);
	EXPECT_EQ(ins(&t, 200, 299, 4), 0);	/* exact fit */
	EXPECT_EQ(ins(&t, 400, 499, 5), 0);
	EXPECT_EQ(ins(&t, 600, MAX64, 6), 0);
	EXPECT_EQ(ins(&t, 0, 99, 7), 0);
	EXPECT_EQ(extmap_count(&t), 7);
	EXPECT_EQ(ins(&t, 0, 0, 0), EEXIST);
	EXPECT_EQ(ins(&t, MAX64, MAX64, 0), EEXIST);
	extmap_fini(&t);
}

/* find/next/prev at, before and after every boundary, against a naive
 * scan, in a map with extents at 0 and 2^64 - 1, one-byte gaps, one-byte
 * extents and touching extents. */
TEST(extmap_queries_around_every_boundary)
{
	static const uint64_t ex[][2] = {
		{ 0, 0 }, { 2, 2 }, { 3, 9 }, { 11, 20 }, { 21, 21 }, { 1000, 1999 },
		{ 1ULL << 32, (1ULL << 33) - 1 }, { 1ULL << 63, 1ULL << 63 },
		{ (1ULL << 63) + 2, MAX64 - 3 }, { MAX64 - 1, MAX64 },
	};
	const size_t n = sizeof(ex) / sizeof(ex[0]);
	struct extmap t;
	struct ref r = { 0 };
	bool ok = true;

	extmap_init(&t);
	/* insert in a scrambled order */
	for (size_t k = 0; k < n; k++) {
		size_t i = (k * 7) % n;
		struct extent e = ext(ex[i][0], ex[i][1], i, (uint32_t)i);

		EXPECT_EQ(extmap_insert(&t, &e), 0);
		EXPECT_EQ(ref_insert(&r, &e), 0);
	}
	EXPECT_EQ(extmap_count(&t), n);
	for (size_t i = 0; i < n && ok; i++) {
		for (int side = 0; side < 2; side++) {
			uint64_t b = ex[i][side];

			for (int d = -2; d <= 2 && ok; d++) {
				uint64_t a = b + (uint64_t)(int64_t)d;	/* wraps at the ends on purpose */

				ok = check_addr(&t, &r, a, 0);
			}
		}
	}
	EXPECT(ok);
	EXPECT(check_walk(&t, &r, 0));
	/* some hand-written ones, to not only trust the reference */
	EXPECT_FIND(&t, 1, NONE);
	EXPECT_NEXT(&t, 1, 2, 2);
	EXPECT_PREV(&t, 1, 0, 0);
	EXPECT_FIND(&t, 10, NONE);
	EXPECT_NEXT(&t, 10, 11, 20);
	EXPECT_PREV(&t, 10, 3, 9);
	EXPECT_FIND(&t, 2000, NONE);
	EXPECT_NEXT(&t, 2000, 1ULL << 32, (1ULL << 33) - 1);
	EXPECT_PREV(&t, 2000, 1000, 1999);
	EXPECT_NEXT(&t, (1ULL << 63) + 1, (1ULL << 63) + 2, MAX64 - 3);
	EXPECT_PREV(&t, (1ULL << 63) + 1, 1ULL << 63, 1ULL << 63);
	EXPECT_FIND(&t, MAX64 - 2, NONE);
	EXPECT_NEXT(&t, MAX64 - 2, MAX64 - 1, MAX64);
	EXPECT_PREV(&t, MAX64 - 2, (1ULL << 63) + 2, MAX64 - 3);
	extmap_fini(&t);
	free(r.v);
}

/* ---- remove, clear ----------------------------------------------------- */

TEST(extmap_remove_absent_key_is_enoent)
{
	struct extmap t;

	extmap_init(&t);
	EXPECT_EQ(ins(&t, 10, 19, 1), 0);
	EXPECT_EQ(ins(&t, 30, 39, 2), 0);
	EXPECT_EQ(rem(&t, 11), ENOENT);		/* inside an extent */
	EXPECT_EQ(rem(&t, 19), ENOENT);		/* its last byte */
	EXPECT_EQ(rem(&t, 9), ENOENT);
	EXPECT_EQ(rem(&t, 20), ENOENT);		/* in the gap */
	EXPECT_EQ(rem(&t, 29), ENOENT);
	EXPECT_EQ(rem(&t, 0), ENOENT);
	EXPECT_EQ(rem(&t, MAX64), ENOENT);
	EXPECT_EQ(extmap_count(&t), 2);
	EXPECT_FIND(&t, 10, 10, 19);
	EXPECT_FIND(&t, 39, 30, 39);
	EXPECT_EQ(rem(&t, 10), 0);
	EXPECT_EQ(rem(&t, 10), ENOENT);		/* twice */
	EXPECT_EQ(extmap_count(&t), 1);
	EXPECT_FIND(&t, 10, NONE);
	EXPECT_NEXT(&t, 0, 30, 39);
	EXPECT_EQ(rem(&t, 30), 0);
	EXPECT_EQ(rem(&t, 30), ENOENT);
	EXPECT_EQ(extmap_count(&t), 0);
	EXPECT_NEXT(&t, 0, NONE);
	extmap_fini(&t);
}

/* Removing nodes with two children, one child, none, and the root,
 * checking the whole map after each. */
TEST(extmap_remove_every_position)
{
	for (size_t n = 1; n <= 40; n++) {
		for (size_t victim = 0; victim < n; victim++) {
			struct extmap t;
			struct ref r = { 0 };

			extmap_init(&t);
			for (size_t i = 0; i < n; i++) {
				struct extent e = ext(i * 10, i * 10 + 4, i, 0);

				extmap_insert(&t, &e);
				ref_insert(&r, &e);
			}
			EXPECT_EQ(rem(&t, victim * 10), 0);
			ref_remove(&r, victim * 10);
			if (!check_walk(&t, &r, n * 1000 + victim)) {
				extmap_fini(&t);
				free(r.v);
				return;
			}
			/* and the rest, in a scrambled order */
			for (size_t k = 0, step = n % 13 ? 13 : 7; k < n; k++) {
				size_t i = (k * step + victim) % n;
				int want = ref_remove(&r, i * 10);

				EXPECT_EQ(rem(&t, i * 10), want);
			}
			EXPECT_EQ(extmap_count(&t), 0);
			EXPECT_NEXT(&t, 0, NONE);
			extmap_fini(&t);
			free(r.v);
		}
	}
}

TEST(extmap_clear_then_reuse)
{
	struct extmap t;
	size_t b1, b2;

	extmap_init(&t);
	for (uint64_t i = 0; i < 1000; i++)
		EXPECT_EQ(ins(&t, i * 100, i * 100 + 49, i), 0);
	EXPECT_EQ(extmap_count(&t), 1000);
	b1 = extmap_bytes(&t);
	extmap_clear(&t);
	EXPECT_EQ(extmap_count(&t), 0);
	EXPECT(extmap_bytes(&t) <= b1);
	EXPECT_FIND(&t, 0, NONE);
	EXPECT_FIND(&t, 50 * 100 + 10, NONE);
	EXPECT_NEXT(&t, 0, NONE);
	EXPECT_PREV(&t, MAX64, NONE);
	EXPECT_EQ(rem(&t, 0), ENOENT);
	EXPECT_EQ(rem(&t, 500), ENOENT);
	/* the old extents are gone: overlapping ones go in */
	for (uint64_t i = 0; i < 1000; i++)
		EXPECT_EQ(ins(&t, i * 100 + 25, i * 100 + 74, i + 7), 0);
	EXPECT_EQ(extmap_count(&t), 1000);
	b2 = extmap_bytes(&t);
	EXPECT_EQ(b2, b1);	/* the same number of extents again: no growth */
	EXPECT_FIND(&t, 24, NONE);
	EXPECT_FIND(&t, 25, 25, 74);
	EXPECT_FIND(&t, 999 * 100 + 74, 999 * 100 + 25, 999 * 100 + 74);
	EXPECT_NEXT(&t, 75, 125, 174);
	EXPECT_PREV(&t, 124, 25, 74);
	for (uint64_t i = 0; i < 1000; i += 2)
		EXPECT_EQ(rem(&t, i * 100 + 25), 0);
	EXPECT_EQ(extmap_count(&t), 500);
	/* clear twice, then once more with a few */
	extmap_clear(&t);
	extmap_clear(&t);
	EXPECT_EQ(extmap_count(&t), 0);
	EXPECT_EQ(ins(&t, 0, MAX64, 1), 0);
	EXPECT_FIND(&t, 12345, 0, MAX64);
	EXPECT_EQ(extmap_count(&t), 1);
	extmap_fini(&t);
	/* a map is usable after fini + init */
	extmap_init(&t);
	EXPECT_EQ(ins(&t, 5, 5, 0), 0);
	EXPECT_FIND(&t, 5, 5, 5);
	extmap_fini(&t);
}

/* ---- memory ------------------------------------------------------------ */

TEST(extmap_bytes_depend_on_count_not_size)
{
	struct extmap big, tiny;
	const uint64_t h = 1ULL << 59, q = 1ULL << 58;

	extmap_init(&big);
	extmap_init(&tiny);
	/* three extents covering 2^60 bytes, and three of one byte */
	EXPECT_EQ(ins(&big, 0, h - 1, 0), 0);
	EXPECT_EQ(ins(&big, h, h + q - 1, 0), 0);
	EXPECT_EQ(ins(&big, h + q, (1ULL << 60) - 1, 0), 0);
	EXPECT_EQ(ins(&tiny, 0, 0, 0), 0);
	EXPECT_EQ(ins(&tiny, 2, 2, 0), 0);
	EXPECT_EQ(ins(&tiny, 4, 4, 0), 0);
	EXPECT_EQ(extmap_bytes(&big), extmap_bytes(&tiny));
	EXPECT(extmap_bytes(&big) < 64 * 1024);
	EXPECT_FIND(&big, (1ULL << 60) - 1, h + q, (1ULL << 60) - 1);
	/* the whole space in one extent is no dearer than a byte */
	extmap_clear(&big);
	extmap_clear(&tiny);
	extmap_fini(&big);
	extmap_fini(&tiny);
	extmap_init(&big);
	extmap_init(&tiny);
	EXPECT_EQ(ins(&big, 0, MAX64, 0), 0);
	EXPECT_EQ(ins(&tiny, 7, 7, 0), 0);
	EXPECT_EQ(extmap_bytes(&big), extmap_bytes(&tiny));

	/* 100,000 extents of 2^40 bytes each cost what 100,000 one-byte ones
	 * do; both grow with the count, roughly linearly */
	{
		const uint64_t n = 100000;
		size_t b3 = extmap_bytes(&tiny);

		extmap_clear(&big);
		for (uint64_t i = 0; i < n; i++) {
			if (ins(&big, i << 40, (i << 40) + (1ULL << 40) - 1, i) ||
			    ins(&tiny, (i + 8) * 2, (i + 8) * 2, i)) {
				th_fail(__FILE__, __LINE__, "insert #%" PRIu64 " failed", i);
				break;
			}
		}
		EXPECT_EQ(extmap_count(&big), n);
		EXPECT_EQ(extmap_count(&tiny), n + 1);
		EXPECT(extmap_bytes(&big) > b3);
		EXPECT(extmap_bytes(&big) >= n * 3 * sizeof(uint64_t));	/* first, last, data */
		EXPECT(extmap_bytes(&big) <= n * 256 + 65536);
		/* same count (within one) => within one allocation step */
		EXPECT(extmap_bytes(&tiny) >= extmap_bytes(&big));
		EXPECT(extmap_bytes(&tiny) <= 2 * extmap_bytes(&big));
	}
	extmap_fini(&big);
	extmap_fini(&tiny);
	/* exactly equal counts, wildly different sizes */
	extmap_init(&big);
	extmap_init(&tiny);
	for (uint64_t i = 0; i < 5000; i++) {
		ins(&big, i << 50, (i << 50) + (1ULL << 50) - 1, i);
		ins(&tiny, i, i, i);
	}
	EXPECT_EQ(extmap_count(&big), 5000);
	EXPECT_EQ(extmap_count(&tiny), 5000);
	EXPECT_EQ(extmap_bytes(&big), extmap_bytes(&tiny));
	extmap_fini(&big);
	extmap_fini(&tiny);
}

/* Insert/remove cycles must reuse the freed slots: memory stays put. */
TEST(extmap_remove_recycles_memory)
{
	struct extmap t;
	size_t b0 = 0;

	extmap_init(&t);
	for (unsigned round = 0; round < 300; round++) {
		for (uint64_t i = 0; i < 1000; i++) {
			uint64_t k = (i * 389 + round) % 1000;	/* a different order each round */

			if (ins(&t, k * 8, k * 8 + 3, round)) {
				th_fail(__FILE__, __LINE__, "round %u: insert %" PRIu64 " failed", round, k);
				goto out;
			}
		}
		if (extmap_count(&t) != 1000) {
			th_fail(__FILE__, __LINE__, "round %u: count %u", round, extmap_count(&t));
			goto out;
		}
		if (round == 0)
			b0 = extmap_bytes(&t);
		else if (extmap_bytes(&t) != b0) {
			th_fail(__FILE__, __LINE__, "round %u: bytes %zu, after round 0 %zu",
				round, extmap_bytes(&t), b0);
			goto out;
		}
		for (uint64_t i = 0; i < 1000; i++) {
			uint64_t k = (i * 601 + round * 7) % 1000;

			if (rem(&t, k * 8)) {
				th_fail(__FILE__, __LINE__, "round %u: remove %" PRIu64 " failed", round, k);
				goto out;
			}
		}
		if (extmap_count(&t) != 0) {
			th_fail(__FILE__, __LINE__, "round %u: count %u after removing all",
				round, extmap_count(&t));
			goto out;
		}
	}
	/* a single extent in and out many times */
	for (unsigned i = 0; i < 100000; i++) {
		if (ins(&t, 5, 5, i) || rem(&t, 5)) {
			th_fail(__FILE__, __LINE__, "single in/out #%u failed", i);
			break;
		}
	}
	EXPECT_EQ(extmap_bytes(&t), b0);
	EXPECT_EQ(extmap_count(&t), 0);
out:
	extmap_fini(&t);
}

/* Fill the map to the largest count its memory holds (the count just
 * before bytes grows); after clear, or after removing everything, the
 * same count must fit in the same memory again. Catches a slot lost by
 * remove or by clear. */
TEST(extmap_reuse_fills_exactly_to_capacity)
{
	struct extmap t;
	uint64_t full = 0;
	size_t b, b_full = 0;

	extmap_init(&t);
	EXPECT_EQ(ins(&t, 0, 0, 0), 0);
	for (int growths = 0; growths < 4;) {
		size_t before = extmap_bytes(&t);

		full = extmap_count(&t);
		if (ins(&t, full * 4, full * 4 + 1, full)) {
			th_fail(__FILE__, __LINE__, "insert #%" PRIu64 " failed", full);
			goto out;
		}
		if (extmap_bytes(&t) != before) {
			growths++;
			b_full = before;
		}
	}
	/* a fresh map with `full` extents has exactly as much memory as the
	 * first had before its last growth: it is full */
	extmap_fini(&t);
	extmap_init(&t);
	for (uint64_t k = 0; k < full; k++)
		EXPECT_EQ(ins(&t, k * 4, k * 4 + 1, k), 0);
	EXPECT_EQ(extmap_count(&t), full);
	b = extmap_bytes(&t);
	EXPECT_EQ(b, b_full);
	for (int round = 0; round < 3; round++) {
		if (round == 1) {
			extmap_clear(&t);
		} else {
			for (uint64_t k = 0; k < full; k++)
				EXPECT_EQ(rem(&t, k * 4), 0);
		}
		EXPECT_EQ(extmap_count(&t), 0);
		for (uint64_t k = full; k-- > 0;)
			EXPECT_EQ(ins(&t, k * 4 + 1, k * 4 + 2, k), 0);
		EXPECT_EQ(extmap_count(&t), full);
		EXPECT_EQ(extmap_bytes(&t), b);
		/* and they are all there */
		for (uint64_t k = 0; k < full; k += 7)
			EXPECT_FIND(&t, k * 4 + 2, k * 4 + 1, k * 4 + 2);
		for (uint64_t k = 0; k < full; k++)
			EXPECT_EQ(rem(&t, k * 4 + 1), 0);
		for (uint64_t k = 0; k < full; k++)
			EXPECT_EQ(ins(&t, k * 4, k * 4 + 1, k), 0);
		EXPECT_EQ(extmap_bytes(&t), b);
	}
out:
	extmap_fini(&t);
}

/* ---- balance, by time ------------------------------------------------- */

/*
 * Insert n extents [k*16, k*16+7] with keys in the given order, look up
 * n + n/16 addresses, remove every other extent and look up again.
 * Each phase has a time budget, checked every few thousand operations so
 * a degenerate (list-like) tree stops the test early instead of running
 * for hours. A balanced tree needs O(log n) per operation.
 */
enum order { INCREASING, DECREASING, RANDOM };

static void bulk(uint64_t n, enum order ord, double budget_s)
{
	struct extmap t;
	uint64_t *keys = malloc(n * sizeof(*keys));
	double t0, ti, tl;
	uint64_t hits = 0;
	struct extent e;
	bool ok = true;

	if (!keys) {
		th_fail(__FILE__, __LINE__, "out of memory");
		return;
	}
	budget_s *= xm_slow();
	for (uint64_t i = 0; i < n; i++)
		keys[i] = ord == DECREASING ? n - 1 - i : i;
	if (ord == RANDOM) {
		for (uint64_t i = n - 1; i > 0; i--) {
			uint64_t j = rng_below(i + 1), x = keys[i];

			keys[i] = keys[j];
			keys[j] = x;
		}
	}
	extmap_init(&t);

	t0 = now_s();
	for (uint64_t i = 0; i < n && ok; i++) {
		struct extent x = ext(keys[i] * 16, keys[i] * 16 + 7, keys[i], 0);

		if (extmap_insert(&t, &x)) {
			th_fail(__FILE__, __LINE__, "insert #%" PRIu64 " failed (errno %d)", i, errno);
			ok = false;
		}
		if ((i & 4095) == 4095 && now_s() - t0 > budget_s) {
			th_fail(__FILE__, __LINE__, "inserting: %" PRIu64 " of %" PRIu64
				" extents took over %.1f s: the tree is not balanced", i + 1, n, budget_s);
			ok = false;
		}
	}
	ti = now_s() - t0;
	if (ok && ti > budget_s) {
		th_fail(__FILE__, __LINE__, "inserts took %.2f s, budget %.1f s", ti, budget_s);
		ok = false;
	}
	if (!ok)
		goto out;
	EXPECT_EQ(extmap_count(&t), n);

	/* n lookups at increasing addresses, half in an extent and half in a
	 * gap, then n / 16 at random addresses (those miss the cache at every
	 * level, so they cost far more than their O(log n) steps) */
	t0 = now_s();
	for (uint64_t i = 0; i < n + n / 16 && ok; i++) {
		uint64_t a = i < n ? i * 16 + (i * 7 & 15) : rng_below(n * 16), k = a / 16;
		bool in = (a & 15) < 8, got = extmap_find(&t, a, &e);

		if (got != in || (got && (e.first != k * 16 || e.data != k))) {
			th_fail(__FILE__, __LINE__, "find(%#" PRIx64 ") wrong", a);
			ok = false;
		}
		hits += got;
		if ((i & 4095) == 4095 && now_s() - t0 > budget_s) {
			th_fail(__FILE__, __LINE__, "looking up: %" PRIu64 " lookups took over %.1f s",
				i + 1, budget_s);
			ok = false;
		}
	}
	tl = now_s() - t0;
	if (!ok)
		goto out;
	EXPECT(hits > n / 3 && hits < n * 2 / 3);
	EXPECT_NEXT(&t, 0, 0, 7);
	EXPECT_NEXT(&t, 8, 16, 23);
	EXPECT_PREV(&t, MAX64, (n - 1) * 16, (n - 1) * 16 + 7);
	EXPECT_NEXT(&t, (n - 1) * 16 + 8, NONE);

	/* remove every other key in insertion order, then look up again */
	t0 = now_s();
	for (uint64_t i = 0; i < n && ok; i += 2) {
		if (extmap_remove(&t, keys[i] * 16)) {
			th_fail(__FILE__, __LINE__, "remove %" PRIu64 " failed", keys[i]);
			ok = false;
		}
		if ((i & 8190) == 8190 && now_s() - t0 > budget_s) {
			th_fail(__FILE__, __LINE__, "removing: %" PRIu64 " removals took over %.1f s",
				i / 2 + 1, budget_s);
			ok = false;
		}
	}
	if (!ok)
		goto out;
	EXPECT_EQ(extmap_count(&t), n / 2);
	for (uint64_t i = 0; i < n / 16 && ok; i++) {
		uint64_t j = rng_below(n), k = keys[j];
		bool got = extmap_find(&t, k * 16 + 3, &e);

		if (got != (j & 1)) {
			th_fail(__FILE__, __LINE__, "after removal, find(key %" PRIu64 ") = %d",
				k, got);
			ok = false;
		}
		if ((i & 4095) == 4095 && now_s() - t0 > budget_s) {
			th_fail(__FILE__, __LINE__, "lookups after removal took over %.1f s", budget_s);
			ok = false;
		}
	}
	if (ok && now_s() - t0 > budget_s)
		th_fail(__FILE__, __LINE__, "removal + lookups took %.2f s, budget %.1f s",
			now_s() - t0, budget_s);
	if (getenv("XM_VERBOSE"))
		printf("    n %" PRIu64 ": inserts %.3f s, lookups %.3f s, removal + lookups %.3f s\n",
		       n, ti, tl, now_s() - t0);
	if (ok && tl > budget_s)
		th_fail(__FILE__, __LINE__, "lookups took %.2f s, budget %.1f s", tl, budget_s);
out:
	extmap_fini(&t);
	free(keys);
}

TEST(extmap_balance_1m_increasing)
{
	rng_seed(1);
	bulk(1000000, INCREASING, 1.0);
}

TEST(extmap_balance_200k_decreasing)
{
	rng_seed(2);
	bulk(200000, DECREASING, 0.5);
}

TEST(extmap_balance_200k_random)
{
	rng_seed(3);
	bulk(200000, RANDOM, 0.5);
}

/* A sawtooth: runs of increasing keys inside decreasing blocks, plus
 * removals from one end — the patterns that need double rotations. */
TEST(extmap_balance_zigzag)
{
	struct extmap t;
	const uint64_t blocks = 400, per = 256;
	double t0 = now_s(), budget = 0.5 * xm_slow();
	bool ok = true;

	extmap_init(&t);
	for (uint64_t b = blocks; b-- > 0 && ok;) {
		for (uint64_t i = 0; i < per; i++) {
			uint64_t k = b * per + (i & 1 ? per - 1 - i / 2 : i / 2);

			if (ins(&t, k * 4, k * 4 + 1, k)) {
				th_fail(__FILE__, __LINE__, "insert key %" PRIu64 " failed", k);
				ok = false;
				break;
			}
		}
		if (now_s() - t0 > budget) {
			th_fail(__FILE__, __LINE__, "zigzag inserts took over %.1f s", budget);
			ok = false;
		}
	}
	if (ok) {
		EXPECT_EQ(extmap_count(&t), blocks * per);
		for (uint64_t k = 0; k < blocks * per; k += 97) {
			EXPECT_FIND(&t, k * 4 + 1, k * 4, k * 4 + 1);
			EXPECT_FIND(&t, k * 4 + 2, NONE);
		}
		/* drain from the smallest key up */
		for (uint64_t k = 0; k < blocks * per && ok; k++) {
			if (rem(&t, k * 4)) {
				th_fail(__FILE__, __LINE__, "remove key %" PRIu64 " failed", k);
				ok = false;
			}
			if ((k & 4095) == 4095 && now_s() - t0 > 2 * budget) {
				th_fail(__FILE__, __LINE__, "zigzag removals took too long");
				ok = false;
			}
		}
		EXPECT_EQ(extmap_count(&t), 0);
	}
	extmap_fini(&t);
}

/* ---- randomized differential test -------------------------------------- */

/* Three small regions of the key space — at 0, around 2^63 and ending at
 * 2^64 - 1 — so extents collide often and the ends are exercised. */
#define REGION 1024ULL
static const uint64_t region_base[3] = { 0, (1ULL << 63) - REGION / 2, MAX64 - REGION + 1 };

static uint64_t rand_addr(const struct ref *r)
{
	uint64_t p = rng_below(100);

	if (p < 60)
		return region_base[rng_below(3)] + rng_below(REGION);
	if (p < 90 && r->n) {	/* around an existing boundary */
		const struct extent *e = &r->v[rng_below(r->n)];
		uint64_t b = rng_below(2) ? e->first : e->last;

		return b + (uint64_t)((int64_t)rng_below(5) - 2);
	}
	if (p < 95)
		return rng();
	switch (rng_below(6)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return MAX64;
	case 3: return MAX64 - 1;
	case 4: return region_base[1] - 1;
	default: return region_base[1] + REGION;
	}
}

static struct extent rand_extent(const struct ref *r)
{
	uint64_t p = rng_below(1000), reg = rng_below(3);
	uint64_t base = region_base[reg], end = base + REGION - 1;
	uint64_t first = base + rng_below(REGION);
	uint64_t len = 1 + rng_below(1ULL << rng_below(7));	/* 1..64, mostly short */
	uint64_t last;

	if (p < 10)	/* inverted */
		return ext(first + 1 + rng_below(16), first, rng(), (uint32_t)rng());
	if (p < 20) {	/* huge: to the end of the space, or from 0 */
		if (rng_below(2))
			return ext(first, MAX64, rng(), (uint32_t)rng());
		return ext(0, first, rng(), (uint32_t)rng());
	}
	if (p < 300 && r->n) {	/* touching an existing extent on one side */
		const struct extent *e = &r->v[rng_below(r->n)];

		if (rng_below(2) && e->last != MAX64) {
			first = e->last + 1;
		} else if (e->first != 0) {
			last = e->first - 1;
			first = last - (len - 1 > last ? last : len - 1);
			return ext(first, last, rng(), (uint32_t)rng());
		}
		end = MAX64;
	}
	last = first + (len - 1 > end - first ? end - first : len - 1);
	return ext(first, last, rng(), (uint32_t)rng());
}

TEST(extmap_differential_random)
{
	const unsigned long ops = 300000;
	struct extmap t;
	struct ref r = { 0 };
	unsigned long op, n_ins = 0, n_ins_ok = 0, n_rem_ok = 0, n_clear = 0;
	unsigned long n_eexist = 0, n_einval = 0, n_enoent = 0;
	size_t max_n = 0;
	bool ok = true;

	rng_seed(0x5eed0fe17e4a11ULL);
	extmap_init(&t);
	for (op = 0; op < ops && ok; op++) {
		uint64_t p = rng_below(1000);

		if (p < 420) {			/* insert */
			struct extent e = rand_extent(&r);
			int want = ref_insert(&r, &e), got;

			errno = 0;
			got = extmap_insert(&t, &e);
			got = got == 0 ? 0 : got == -1 && errno ? errno : -1000 - got;
			n_ins++;
			n_ins_ok += !want;
			n_eexist += want == EEXIST;
			n_einval += want == EINVAL;
			if (got != want) {
				th_fail(__FILE__, __LINE__, "op %lu: insert [%#" PRIx64 ", %#" PRIx64
					"]: got %d, want %d", op, e.first, e.last, got, want);
				ok = false;
			} else if (e.first <= e.last) {
				ok = check_addr(&t, &r, e.first, op) && check_addr(&t, &r, e.last, op) &&
				     check_addr(&t, &r, e.first - 1, op) &&
				     check_addr(&t, &r, e.last + 1, op);
			}
		} else if (p < 700) {		/* remove, mostly existing keys */
			uint64_t k;
			int want, got;

			if (r.n && rng_below(2))
				k = r.v[rng_below(r.n)].first + (rng_below(8) ? 0 : 1);
			else
				k = rand_addr(&r);
			want = ref_remove(&r, k);
			got = rem(&t, k);
			n_rem_ok += !want;
			n_enoent += want == ENOENT;
			if (got != want) {
				th_fail(__FILE__, __LINE__, "op %lu: remove %#" PRIx64 ": got %d, want %d",
					op, k, got, want);
				ok = false;
			} else {
				ok = check_addr(&t, &r, k, op);
			}
		} else if (p < 999) {		/* queries */
			for (int i = 0; i < 4 && ok; i++)
				ok = check_addr(&t, &r, rand_addr(&r), op);
		} else if (rng_below(5) == 0) {	/* ~1 in 5000: clear */
			extmap_clear(&t);
			r.n = 0;
			n_clear++;
		}
		if (r.n > max_n)
			max_n = r.n;
		if (ok && extmap_count(&t) != r.n) {
			th_fail(__FILE__, __LINE__, "op %lu: count %u, want %zu", op,
				extmap_count(&t), r.n);
			ok = false;
		}
		if (ok && (op % 16 == 0 || p >= 999))
			ok = check_walk(&t, &r, op);
	}
	if (ok)
		ok = check_walk(&t, &r, op);
	EXPECT(ok);
	/* the mix really did what it is meant to */
	EXPECT(n_ins_ok > 10000);
	EXPECT(n_rem_ok > 10000);
	EXPECT(n_eexist > 10000);
	EXPECT(n_einval > 50);
	EXPECT(n_enoent > 10000);
	EXPECT(n_clear > 20);
	EXPECT(max_n > 50);
	if (getenv("XM_VERBOSE"))
		printf("    inserts %lu (ok %lu, EEXIST %lu, EINVAL %lu), removes ok %lu, ENOENT %lu,"
		       " clears %lu, max extents %zu\n", n_ins, n_ins_ok, n_eexist, n_einval,
		       n_rem_ok, n_enoent, n_clear, max_n);
	extmap_fini(&t);
	free(r.v);
}
