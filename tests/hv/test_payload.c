/* SPDX-License-Identifier: MIT */
/*
 * A kernel's compressed payload decompressed on the host (src/hv/payload.c).
 *
 * payload_find() and payload_decode() on images written here: the payload
 * found only where a called function loads its address, every bad image
 * answered with a reason, never a crash (truncations, flipped bytes).
 *
 * Then the machine with guest/scenarios/kdecomp.c as a raw kernel image
 * (Linux's header, one BRASL to a function that decodes the payload and
 * returns where it put it) and an XZ stream or zstd frame of random bytes
 * written into it: by default the host decompresses and the guest's
 * decoder is cut short (it never finishes), the kernel's bytes are where
 * the guest's decoder put them, its registers are intact after the call;
 * with guest_decompress, a call through a register, or a decoder writing
 * its first page twice, the guest decodes everything itself and says why.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "harness.h"
#include "hv/payload.h"
#include "zvfio/softcpu.h"

#define RAW (512u << 10)	/* the guest's default raw= */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint8_t next_byte(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint8_t)(rng >> 32);
}

static uint8_t *random_bytes(size_t n)
{
	uint8_t *p = malloc(n);

	for (size_t i = 0; p && i < n; i++)
		p[i] = next_byte();
	return p;
}

/* An XZ stream (preset 0, CRC32) or zstd frame (level 1, with its
 * checksum: damage is then found in raw blocks too) of in. */
static uint8_t *compress(const char *format, const uint8_t *in, size_t n, size_t *len)
{
	size_t cap = n + n / 8 + 4096, pos = 0;
	uint8_t *out = malloc(cap);

	if (!out)
		return NULL;
	if (!strcmp(format, "xz")) {
		if (lzma_easy_buffer_encode(0, LZMA_CHECK_CRC32, NULL, in, n, out, &pos, cap) != LZMA_OK)
			pos = 0;
	} else {
		ZSTD_CCtx *z = ZSTD_createCCtx();

		pos = 0;
		if (z && !ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, 1)) &&
		    !ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1))) {
			pos = ZSTD_compress2(z, out, cap, in, n);
			if (ZSTD_isError(pos))
				pos = 0;
		}
		ZSTD_freeCCtx(z);
	}
	if (!pos) {
		free(out);
		return NULL;
	}
	*len = pos;
	return out;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

/* An RIL instruction at img + a: op, op2 (the R1 nibble ORed in), target. */
static void ril(uint8_t *img, uint64_t a, uint8_t op, uint8_t op2, uint64_t target)
{
	img[a] = op;
	img[a + 1] = op2;
	put32(img + a + 2, (uint32_t)(int32_t)(((int64_t)target - (int64_t)a) / 2));
}

#define IMG  0x30000u
#define F    0x10100u	/* the decompressing function */
#define P    0x20000u	/* the payload */
#define SLOT 0x10800u	/* a GOT slot */

/* An image: a BRASL to F at 0x10000, F loading P's address (LARL, or LGRL
 * of the GOT slot), the payload at P. */
static uint8_t *small_image(const char *format, bool got, size_t *plen)
{
	uint8_t *img = calloc(1, IMG), *raw = random_bytes(8192), *c;

	if (!img || !raw)
		goto fail;
	c = compress(format, raw, 8192, plen);
	if (!c || *plen > IMG - P)
		goto fail;
	memcpy(img + P, c, *plen);
	free(c);
	ril(img, 0x10000, 0xc0, 0xe5, F);			/* brasl %r14,F */
	memcpy(img + F, "\xeb\x6f\xf0\x48\x00\x24", 6);		/* stmg %r6,%r15,72(%r15) */
	if (got) {
		put64(img + SLOT, P);
		ril(img, F + 6, 0xc4, 0x18, SLOT);		/* lgrl %r1,SLOT */
	} else {
		ril(img, F + 6, 0xc0, 0x10, P);			/* larl %r1,P */
	}
	free(raw);
	return img;
fail:
	free(img);
	free(raw);
	return NULL;
}

TEST(the_payload_is_found_where_a_called_function_loads_it)
{
	static const char *const formats[] = { "xz", "zstd" };

	for (int f = 0; f < 2; f++) {
		for (int got = 0; got < 2; got++) {
			size_t plen;
			uint8_t *img = small_image(formats[f], got, &plen);
			struct payload_info pi;
			char why[200] = "";

			EXPECT(img != NULL);
			if (!img)
				continue;
			EXPECT_EQ(payload_find(img, IMG, &pi, why, sizeof(why)), 0);
			EXPECT(pi.format && !strcmp(pi.format, formats[f]));
			EXPECT_EQ(pi.at, P);
			EXPECT_EQ(pi.func, F);
			EXPECT_EQ(pi.len, IMG - P);
			free(img);
		}
	}
}

TEST(an_image_without_a_usable_payload_says_why)
{
	size_t plen;
	uint8_t *img = small_image("xz", false, &plen);
	struct payload_info pi;
	char why[200] = "";

	EXPECT(img != NULL);
	if (!img)
		return;
	/* a second function loading it: which one decompresses is not known */
	ril(img, 0x10006, 0xc0, 0xe5, 0x10300);
	ril(img, 0x10306, 0xc0, 0x10, P);
	EXPECT_EQ(payload_find(img, IMG, &pi, why, sizeof(why)), -1);
	EXPECT(strstr(why, "more than one function") != NULL);
	/* no load of it at all */
	memset(img + 0x10000, 0, 0x1000);
	EXPECT_EQ(payload_find(img, IMG, &pi, why, sizeof(why)), -1);
	EXPECT(strstr(why, "xz payload at 0x20000: no called function loads") != NULL);
	/* a load, but no call before it */
	ril(img, F + 6, 0xc0, 0x10, P);
	EXPECT_EQ(payload_find(img, IMG, &pi, why, sizeof(why)), -1);
	EXPECT(strstr(why, "no called function") != NULL);
	/* an XZ header whose CRC does not match is no stream */
	ril(img, 0x10000, 0xc0, 0xe5, F);
	img[P + 8] ^= 1;
	EXPECT_EQ(payload_find(img, IMG, &pi, why, sizeof(why)), -1);
	EXPECT(strstr(why, "no XZ stream or zstd frame") != NULL);
	free(img);
}

TEST(decoding_matches_the_encoder_and_refuses_bad_data)
{
	static const char *const formats[] = { "xz", "zstd" };
	uint8_t *raw = random_bytes(RAW), *text = malloc(RAW);

	EXPECT(raw && text);
	if (!raw || !text)
		goto out;
	for (size_t i = 0; i < RAW; i++)	/* compressible too: real LZMA, real zstd blocks */
		text[i] = "zvfio s390 zPCI "[(i / 3) % 16];
	for (int f = 0; f < 2; f++) {
		for (int which = 0; which < 2; which++) {
			const uint8_t *in = which ? text : raw;
			size_t len = 0, n = 0;
			uint8_t *c = compress(formats[f], in, RAW, &len), *out = NULL;
			char err[160] = "";
			atomic_bool quit = true;

			EXPECT(c != NULL);
			if (!c)
				continue;
			EXPECT_EQ(payload_decode(formats[f], c, len, 64 << 20, &out, &n, NULL, err,
						 sizeof(err)), 0);
			EXPECT_EQ(n, RAW);
			EXPECT(out && !memcmp(out, in, RAW));
			free(out);
			/* trailing bytes after the stream are not read */
			EXPECT_EQ(payload_decode(formats[f], c, len, 64 << 20, &out, &n, NULL, err,
						 sizeof(err)), 0);
			free(out);
			/* more than the limit */
			EXPECT_EQ(payload_decode(formats[f], c, len, RAW - 1, &out, &n, NULL, err,
						 sizeof(err)), -1);
			EXPECT(out == NULL && strstr(err, "larger than RAM"));
			/* cancelled */
			EXPECT_EQ(payload_decode(formats[f], c, len, 64 << 20, &out, &n, &quit, err,
						 sizeof(err)), -1);
			EXPECT(out == NULL && !strcmp(err, "cancelled"));
			/* truncated, corrupt */
			EXPECT_EQ(payload_decode(formats[f], c, len / 2, 64 << 20, &out, &n, NULL, err,
						 sizeof(err)), -1);
			EXPECT(out == NULL && err[0]);
			c[len / 2] ^= 0x55;
			c[len - 2] ^= 0x55;
			EXPECT_EQ(payload_decode(formats[f], c, len, 64 << 20, &out, &n, NULL, err,
						 sizeof(err)), -1);
			EXPECT(out == NULL && strstr(err, f ? "libzstd" : "liblzma"));
			free(c);
		}
	}
	{
		uint8_t *out = (uint8_t *)1;
		size_t n = 1;
		char err[160] = "";

		EXPECT_EQ(payload_decode("gzip", raw, 16, 1 << 20, &out, &n, NULL, err, sizeof(err)), -1);
		EXPECT(out == NULL && n == 0 && strstr(err, "not known"));
	}
out:
	free(raw);
	free(text);
}

/* Every prefix of an image and random damage to it: an answer, no crash
 * (ASan and valgrind watch the reads). */
TEST(damaged_images_are_answered)
{
	static const char *const formats[] = { "xz", "zstd" };
	const char *s = getenv("ZV_FUZZ_ITERATIONS");
	unsigned iters = s ? (unsigned)strtoul(s, NULL, 0) : 2000;

	for (int f = 0; f < 2; f++) {
		size_t plen;
		uint8_t *img = small_image(formats[f], f, &plen), *copy = malloc(IMG);
		struct payload_info pi;
		char why[200];

		EXPECT(img && copy);
		if (!img || !copy) {
			free(img);
			free(copy);
			continue;
		}
		for (size_t n = P; n <= P + plen; n += 7)
			if (!payload_find(img, n, &pi, why, sizeof(why))) {
				uint8_t *out = NULL;
				size_t on;
				char err[160];

				EXPECT_EQ(pi.at, P);
				if (!payload_decode(pi.format, img + pi.at, (size_t)pi.len, 1 << 20, &out, &on,
						    NULL, err, sizeof(err)))
					EXPECT_EQ(on, 8192);
				free(out);
			}
		for (unsigned i = 0; i < iters; i++) {
			memcpy(copy, img, IMG);
			for (int k = 0; k < 4; k++)
				copy[P + next_byte() * (plen / 256 + 1) % plen] = next_byte();
			if (!payload_find(copy, IMG, &pi, why, sizeof(why))) {
				uint8_t *out = NULL;
				size_t on;
				char err[160];

				if (!payload_decode(pi.format, copy + pi.at, (size_t)pi.len, 1 << 20, &out, &on,
						    NULL, err, sizeof(err)))
					EXPECT(on <= 1 << 20);
				free(out);
			} else {
				EXPECT(why[0] != 0);
			}
		}
		free(img);
		free(copy);
	}
}

/* ---- the machine, with kdecomp.elf as a raw kernel image ---- */

static const char *guest_image(void)
{
	static char path[PATH_MAX + 64];
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return "kdecomp.elf";
	exe[n] = 0;
	snprintf(path, sizeof(path), "%s/../../guest/kdecomp.elf", dirname(exe));
	return path;
}

static uint64_t be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* kdecomp.elf's loadable bytes at their addresses from absolute 0, the
 * payload written after its marker; the file's path in path. */
static const char *raw_image(char *path, size_t pathlen, const char *format, size_t raw)
{
	FILE *f = fopen(guest_image(), "rb");
	uint8_t *elf = NULL, *img = NULL, *data = NULL, *c = NULL, *mark;
	long n;
	size_t size = 0, clen;
	const char *ok = NULL;
	int fd;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 64 || fseek(f, 0, SEEK_SET))
		goto out;
	elf = malloc((size_t)n);
	if (!elf || fread(elf, 1, (size_t)n, f) != (size_t)n)
		goto out;
	img = calloc(1, 4 << 20);
	if (!img)
		goto out;
	for (unsigned i = 0; i < be(elf + 56, 2); i++) {
		const uint8_t *ph = elf + be(elf + 32, 8) + 56 * i;
		uint64_t off = be(ph + 8, 8), pa = be(ph + 24, 8), fsz = be(ph + 32, 8);

		if (be(ph, 4) != 1 || !fsz)
			continue;
		if (off + fsz > (uint64_t)n || pa + fsz > 4 << 20)
			goto out;
		memcpy(img + pa, elf + off, fsz);
		if (pa + fsz > size)
			size = pa + fsz;
	}
	mark = memmem(img, size, "zvfio payload:  ", 16);
	data = random_bytes(raw);
	c = data ? compress(format, data, raw, &clen) : NULL;
	if (!mark || !c || clen > (600u << 10))
		goto out;
	memcpy(mark + 16, c, clen);
	snprintf(path, pathlen, "/tmp/zvfio-kdecomp-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		goto out;
	if (write(fd, img, size) == (ssize_t)size)
		ok = path;
	close(fd);
	if (!ok)
		unlink(path);
out:
	if (f)
		fclose(f);
	free(elf);
	free(img);
	free(c);
	free(data);
	return ok;
}

static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static uint64_t report(struct zv_softcpu *sc, const char *key)
{
	uint64_t v;
	const char *k;

	for (unsigned i = 0; (k = zv_softcpu_report(sc, i, &v)); i++)
		if (!strcmp(k, key))
			return v;
	return UINT64_MAX;
}

struct outcome {
	int end, status;
	uint64_t out, hash, own, bad, want_hash;
	struct zv_softcpu_stats st;
	char why[200];
};

static void boot(const char *format, const char *args, bool guest_decompress, bool count,
		 size_t raw, struct outcome *o)
{
	struct zv_softcpu_config cfg = { .mem_size = 64 << 20, .timeout_s = 120, .args = args,
					 .guest_decompress = guest_decompress,
					 .count_instructions = count };
	char path[64], err[256] = "";
	struct zv_softcpu *sc;
	const char *img;
	uint64_t saved = rng;
	uint8_t *data;

	memset(o, 0, sizeof(*o));
	o->end = -1;
	img = raw_image(path, sizeof(path), format, raw);
	/* the same bytes again, for the hash the guest must get */
	rng = saved;
	data = random_bytes(raw);
	o->want_hash = data ? fnv(data, raw) : 0;
	free(data);
	cfg.console = fopen("/dev/null", "w");
	sc = zv_softcpu_create(&cfg, err, sizeof(err));
	EXPECT(img && sc);
	if (img && sc && !zv_softcpu_load_kernel(sc, img, NULL, NULL, err, sizeof(err))) {
		o->end = zv_softcpu_run(sc, &o->status);
		o->out = report(sc, "out");
		o->hash = report(sc, "hash");
		o->own = report(sc, "own");
		o->bad = report(sc, "bad");
		zv_softcpu_stats_get(sc, &o->st);
		snprintf(o->why, sizeof(o->why), "%s", o->st.payload_why ? o->st.payload_why : "");
		o->st.payload_why = NULL;	/* sc's string */
	}
	if (!o->end && o->status)
		fprintf(stderr, "  kdecomp: %s\n", zv_softcpu_message(sc));
	zv_softcpu_destroy(sc);
	if (cfg.console)
		fclose(cfg.console);
	if (img)
		unlink(img);
}

/* Under valgrind (ZV_TEST_TIME_SCALE > 1) the machine's threads take turns:
 * the guest's decoder may finish before the host's search runs -- an
 * outcome the machine must then say, with the guest's bytes right. */
static bool slow_run(void)
{
	const char *s = getenv("ZV_TEST_TIME_SCALE");

	return s && atoi(s) > 1;
}

static bool finished_first(const struct outcome *o)
{
	return slow_run() && o->st.payload_bytes == 0 && o->own == 1 &&
	       strstr(o->why, "finished first") != NULL;
}

TEST(the_host_decompresses_and_the_guest_decoder_is_cut_short)
{
	static const char *const formats[] = { "xz", "zstd" };

	for (int f = 0; f < 2; f++) {
		for (int count = 0; count < 2; count++) {
			struct outcome o;

			boot(formats[f], NULL, false, count, RAW, &o);
			EXPECT_EQ(o.end, ZV_RUN_EXIT);
			EXPECT_EQ(o.status, 0);
			EXPECT_EQ(o.bad, 0);
			EXPECT_EQ(o.hash, o.want_hash);	/* the bytes are all there */
			if (finished_first(&o))
				continue;
			EXPECT_EQ(o.own, 0);		/* yet its decoder never finished */
			EXPECT_EQ(o.st.payload_bytes, RAW);
			EXPECT_EQ(o.st.payload_addr, o.out);
			EXPECT(o.st.payload_format && !strcmp(o.st.payload_format, formats[f]));
			EXPECT(o.why[0] == 0);
		}
	}
}

TEST(the_guest_decompresses_when_asked_or_when_the_call_is_not_plain)
{
	static const struct {
		const char *args;
		bool guest_decompress;
		const char *why;
	} cases[] = {
		{ NULL, true, "guest_decompress" },
		{ "call=basr", false, "not after a BRASL" },
		{ "twice=1", false, "more than one page" },
	};
	/* the guest's decoder runs to the end: smaller under valgrind */
	size_t raw = slow_run() ? 64u << 10 : RAW;
	char args[64];

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct outcome o;

		snprintf(args, sizeof(args), "raw=%zu %s", raw, cases[i].args ? cases[i].args : "");
		boot("xz", args, cases[i].guest_decompress, false, raw, &o);
		EXPECT_EQ(o.end, ZV_RUN_EXIT);
		EXPECT_EQ(o.status, 0);
		EXPECT_EQ(o.bad, 0);
		EXPECT_EQ(o.own, 1);
		EXPECT_EQ(o.hash, o.want_hash);
		EXPECT_EQ(o.st.payload_bytes, 0);
		if (finished_first(&o))
			continue;
		EXPECT(strstr(o.why, cases[i].why) != NULL);
		if (!strstr(o.why, cases[i].why))
			fprintf(stderr, "  case %u: why \"%s\"\n", i, o.why);
	}
}
