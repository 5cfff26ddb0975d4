/* SPDX-License-Identifier: MIT */
/*
 * What the fuzz targets in tests/fuzz/ share: reading operands from the
 * input, writing seed inputs, reporting a broken invariant, and the two
 * ways each target is built.
 *
 * - `make fuzz` (clang, -DZV_LIBFUZZER, -fsanitize=fuzzer): a libFuzzer
 *   target. `TARGET --write-seeds DIR` writes the target's seed corpus
 *   into DIR and exits (the Makefile does that before fuzzing). A broken
 *   invariant aborts: libFuzzer saves the input as a crash.
 * - `make unit-bins` (gcc or clang, no libFuzzer): a unit test with the
 *   harness's summary line. It runs the seeds, then a bounded random
 *   campaign from a fixed-seed PRNG -- half of the inputs random bytes,
 *   half seeds with a few random changes. ZV_FUZZ_ITERATIONS and
 *   ZV_FUZZ_SEED change the campaign; a failure names the input's number,
 *   and ZV_FUZZ_DUMP=FILE writes that input to FILE (a libFuzzer target
 *   runs it: build-fuzz/fuzz_NAME FILE; ZV_FUZZ_INPUT=FILE makes this
 *   binary run only that input).
 *
 * A target defines, before including this file's FUZZ_MAIN():
 *   static void run_input(const uint8_t *data, size_t size);
 *   static void make_seeds(void (*emit)(const char *name, const uint8_t *d, size_t n));
 * and then writes FUZZ_MAIN(name, iterations, max_input_len, permille): the
 * campaign runs `iterations` random inputs of at most max_input_len bytes,
 * or ZV_FUZZ_ITERATIONS * permille / 1000 of them when that is set (a
 * target whose inputs are slow runs fewer than fuzz_intercept's).
 */
#ifndef ZV_FUZZ_COMMON_H
#define ZV_FUZZ_COMMON_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"

/* ---- reading the input ---------------------------------------------------- */

struct in {
	const uint8_t *p;
	size_t n;
};

/* Past the end, every read gives 0. */
static inline uint8_t u8(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static inline uint16_t u16(struct in *in)
{
	uint16_t v = u8(in);

	return (uint16_t)(v << 8 | u8(in));
}

static inline uint32_t u32(struct in *in)
{
	uint32_t v = u16(in);

	return v << 16 | u16(in);
}

static inline uint64_t u64(struct in *in)
{
	uint64_t v = u32(in);

	return v << 32 | u32(in);
}

/* ---- writing seeds --------------------------------------------------------- */

#define OUT_MAX 8192
struct out {
	uint8_t b[OUT_MAX];
	size_t n;
};

static inline void o8(struct out *o, uint8_t v)
{
	if (o->n < OUT_MAX)
		o->b[o->n++] = v;
}

static inline void o16(struct out *o, uint16_t v)
{
	o8(o, (uint8_t)(v >> 8));
	o8(o, (uint8_t)v);
}

static inline void o32(struct out *o, uint32_t v)
{
	o16(o, (uint16_t)(v >> 16));
	o16(o, (uint16_t)v);
}

static inline void o64(struct out *o, uint64_t v)
{
	o32(o, (uint32_t)(v >> 32));
	o32(o, (uint32_t)v);
}

static inline void obytes(struct out *o, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		o8(o, ((const uint8_t *)p)[i]);
}

typedef void (*fz_emit_fn)(const char *name, const uint8_t *d, size_t n);

/* what each target defines */
static void run_input(const uint8_t *data, size_t size);
static void make_seeds(fz_emit_fn emit);

/* ---- broken invariants ------------------------------------------------------ */

static bool fz_failed;	/* this input broke an invariant (unit build) */

static void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static void fz_fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
#ifdef ZV_LIBFUZZER
	fprintf(stderr, "fuzz invariant broken: %s\n", msg);
	abort();
#else
	if (!fz_failed)
		th_fail(__FILE__, __LINE__, "invariant broken: %s", msg);
	fz_failed = true;
#endif
}

/* ---- the two builds ------------------------------------------------------- */

static inline uint64_t fz_xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

#ifdef ZV_LIBFUZZER

/* the fixture's helpers report through the harness: a failure is a crash */
void th_fail(const char *file, int line, const char *fmt, ...)
{
	fprintf(stderr, "%s:%d: fixture check failed (%s)\n", file, line, fmt);
	abort();
}

static const char *fz_seed_dir;

static void fz_write_seed(const char *name, const uint8_t *d, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seed-%s", fz_seed_dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(d, 1, n, f) != n || fclose(f)) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

#define FUZZ_MAIN(NAME, ITERATIONS, MAXLEN, PERMILLE)                                    \
	int LLVMFuzzerInitialize(int *argc, char ***argv);                               \
	int LLVMFuzzerInitialize(int *argc, char ***argv)                                \
	{                                                                                \
		for (int i = 1; i + 1 < *argc; i++) {                                    \
			if (strcmp((*argv)[i], "--write-seeds"))                        \
				continue;                                                \
			fz_seed_dir = (*argv)[i + 1];                                    \
			mkdir(fz_seed_dir, 0777);                                        \
			make_seeds(fz_write_seed);                                       \
			exit(0);                                                         \
		}                                                                        \
		return 0;                                                                \
	}                                                                                \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                    \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                     \
	{                                                                                \
		run_input(data, size);                                                   \
		return 0;                                                                \
	}

#else	/* the unit build: seeds, then a PRNG campaign */

#define FZ_MAX_SEEDS 64
static struct {
	uint8_t *d;
	size_t n;
} fz_seeds[FZ_MAX_SEEDS];
static unsigned fz_nseeds;

static void fz_keep_seed(const char *name, const uint8_t *d, size_t n)
{
	(void)name;
	if (fz_nseeds == FZ_MAX_SEEDS)
		return;
	fz_seeds[fz_nseeds].d = malloc(n ? n : 1);
	if (!fz_seeds[fz_nseeds].d)
		abort();
	memcpy(fz_seeds[fz_nseeds].d, d, n);
	fz_seeds[fz_nseeds++].n = n;
}

static void fz_free_seeds(void)
{
	for (unsigned i = 0; i < fz_nseeds; i++)
		free(fz_seeds[i].d);
	fz_nseeds = 0;
}

/* Run one input; on a broken invariant say which, and dump it if asked. */
static void fz_run_one(const char *what, unsigned long i, const uint8_t *d, size_t n)
{
	const char *dump = getenv("ZV_FUZZ_DUMP");

	fz_failed = false;
	run_input(d, n);
	if (!fz_failed)
		return;
	printf("    (%s input %lu, %zu bytes)\n", what, i, n);
	if (dump) {
		FILE *f = fopen(dump, "wb");

		if (f) {
			fwrite(d, 1, n, f);
			fclose(f);
		}
	}
}

/* Seeds first; then ITERATIONS inputs (ZV_FUZZ_ITERATIONS * permille /
 * 1000 when set): random bytes, or a seed with a few changes. */
static void fz_campaign(unsigned long iterations, size_t maxlen, unsigned permille)
{
	const char *it = getenv("ZV_FUZZ_ITERATIONS"), *sd = getenv("ZV_FUZZ_SEED");
	unsigned long n = it ? strtoul(it, NULL, 0) * permille / 1000 : iterations;
	uint64_t s = sd ? strtoull(sd, NULL, 0) : 0x5eed;
	uint8_t *buf = malloc(maxlen);

	if (!buf)
		abort();
	if (getenv("ZV_FUZZ_INPUT")) {	/* just this one */
		FILE *f = fopen(getenv("ZV_FUZZ_INPUT"), "rb");
		size_t len = f ? fread(buf, 1, maxlen, f) : 0;

		if (f)
			fclose(f);
		fz_run_one("file", 0, buf, len);
		free(buf);
		return;
	}
	if (it && !n)
		n = 1;
	if (!s)
		s = 1;
	make_seeds(fz_keep_seed);
	for (unsigned i = 0; i < fz_nseeds; i++)
		fz_run_one("seed", i, fz_seeds[i].d, fz_seeds[i].n);
	for (unsigned long i = 0; i < n; i++) {
		size_t len;

		if ((i & 1) && fz_nseeds) {
			unsigned k = (unsigned)(fz_xorshift(&s) % fz_nseeds), changes;

			len = fz_seeds[k].n < maxlen ? fz_seeds[k].n : maxlen;
			memcpy(buf, fz_seeds[k].d, len);
			changes = 1 + (unsigned)(fz_xorshift(&s) % 6);
			for (unsigned c = 0; c < changes && len; c++) {
				uint64_t r = fz_xorshift(&s);

				switch (r % 4) {
				case 0:	/* a random byte */
					buf[(r >> 8) % len] = (uint8_t)(r >> 40);
					break;
				case 1:	/* a flipped bit */
					buf[(r >> 8) % len] ^= (uint8_t)(1u << ((r >> 40) % 8));
					break;
				case 2:	/* cut short */
					len = (size_t)((r >> 8) % len) + 1;
					break;
				default: {	/* random bytes appended */
					size_t add = (size_t)((r >> 8) % 64);

					for (size_t k2 = 0; k2 < add && len < maxlen; k2++)
						buf[len++] = (uint8_t)(fz_xorshift(&s) >> 24);
					break;
				}
				}
			}
		} else {
			len = 16 + (size_t)(fz_xorshift(&s) % (maxlen - 16));
			for (size_t k = 0; k < len; k++)
				buf[k] = (uint8_t)(fz_xorshift(&s) >> 24);
		}
		fz_run_one("random", i, buf, len);
	}
	free(buf);
	fz_free_seeds();
}

#define FUZZ_MAIN(NAME, ITERATIONS, MAXLEN, PERMILLE)                                    \
	TEST(fuzz_##NAME##_seeds_and_random_inputs)                                      \
	{                                                                                \
		fz_campaign(ITERATIONS, MAXLEN, PERMILLE);                               \
	}
#endif

#endif
