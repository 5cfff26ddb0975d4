/* SPDX-License-Identifier: MIT */
/*
 * Fuzzing the search for a kernel's compressed payload and its decoding on
 * the host (src/hv/payload.c): the input is a kernel image from 0x10000 on
 * (below it: zeros), as zv_softcpu_load_kernel() hands it over.
 *
 * Invariants: no crash (ASan, UBSan); a refusal says why; a payload found
 * starts with its format's magic, above 0x10000, with its decompressing
 * function below it at an even address; decoding it (at most 1 MiB) gives
 * that many bytes or NULL with a message.
 */
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "fuzz_common.h"
#include "hv/payload.h"

#define BASE 0x10000u

static uint8_t img[BASE + 8192];

static void run_input(const uint8_t *data, size_t size)
{
	struct payload_info pi;
	char why[200] = "";
	size_t n;

	if (size > sizeof(img) - BASE)
		size = sizeof(img) - BASE;
	memcpy(img + BASE, data, size);
	n = BASE + size;
	if (payload_find(img, n, &pi, why, sizeof(why))) {
		if (!why[0])
			fz_fail("no payload and no reason");
		return;
	}
	if (pi.at < BASE || pi.at + 16 > n || pi.len != n - pi.at || pi.func >= pi.at || (pi.func & 1))
		fz_fail("found at %#llx, %llu bytes, function %#llx", (unsigned long long)pi.at,
			(unsigned long long)pi.len, (unsigned long long)pi.func);
	else if (strcmp(pi.format, "xz") ? memcmp(img + pi.at, "\x28\xb5\x2f\xfd", 4) :
		 memcmp(img + pi.at, "\xfd" "7zXZ", 6))
		fz_fail("a %s payload without its magic", pi.format);
	else {
		uint8_t *out = NULL;
		size_t on = 0;
		char err[160] = "";

		if (!payload_decode(pi.format, img + pi.at, (size_t)pi.len, 1 << 20, &out, &on, NULL,
				    err, sizeof(err))) {
			if (on > 1 << 20 || (on && !out))
				fz_fail("decoded %zu bytes", on);
		} else if (out || !err[0]) {
			fz_fail("a failed decoding left %p, \"%s\"", (void *)out, err);
		}
		free(out);
	}
}

static void ril(struct out *o, uint8_t op, uint8_t op2, int32_t halfwords)
{
	o8(o, op);
	o8(o, op2);
	o32(o, (uint32_t)halfwords);
}

/* A BRASL at 0x10000 to 0x10100, which loads 0x10400 (LARL, or LGRL of a
 * slot at 0x10200), where the payload is. */
static size_t seed(struct out *o, const char *format, bool got)
{
	static uint8_t raw[600];
	size_t clen = 0;

	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(i * 131 + (i >> 4));
	ril(o, 0xc0, 0xe5, 0x80);
	o->n = 0x100;
	obytes(o, "\xeb\x6f\xf0\x48\x00\x24", 6);
	if (got) {
		ril(o, 0xc4, 0x18, (0x200 - 0x106) / 2);
		o->n = 0x200;
		o64(o, BASE + 0x400);
	} else {
		ril(o, 0xc0, 0x10, (0x400 - 0x106) / 2);
	}
	if (!strcmp(format, "xz")) {
		if (lzma_easy_buffer_encode(0, LZMA_CHECK_CRC32, NULL, raw, sizeof(raw), o->b + 0x400,
					    &clen, OUT_MAX - 0x400) != LZMA_OK)
			clen = 0;
	} else {
		clen = ZSTD_compress(o->b + 0x400, OUT_MAX - 0x400, raw, sizeof(raw), 3);
		if (ZSTD_isError(clen))
			clen = 0;
	}
	return 0x400 + clen;
}

static void make_seeds(fz_emit_fn emit)
{
	static struct out o;

	emit("xz-larl", o.b, seed(&o, "xz", false));
	emit("xz-got", o.b, seed(&o, "xz", true));
	emit("zstd-larl", o.b, seed(&o, "zstd", false));
	emit("zstd-got", o.b, seed(&o, "zstd", true));
}

FUZZ_MAIN(payload, 20000, 4096, 1000)
