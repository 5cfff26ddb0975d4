/* SPDX-License-Identifier: MIT */
/*
 * A Linux kernel image's compressed payload (payload.c): found in the
 * image, decompressed on the host, and the guest's own decompressor
 * skipped. The parts that only look at bytes are here, for the tests.
 */
#ifndef ZV_HV_PAYLOAD_H
#define ZV_HV_PAYLOAD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct payload_info {
	const char *format;	/* "xz", "zstd" */
	uint64_t at, len;	/* in the image (the image is loaded at absolute 0) */
	uint64_t func;		/* the boot code's function that decompresses it */
};

/*
 * Find the compressed kernel in img (n bytes, loaded at absolute 0): an XZ
 * stream or a zstd frame whose address the boot code loads (LARL of it, or
 * LGRL of a GOT slot holding it), and the function doing that -- the
 * nearest BRASL target at or below the load. 0, or -1 with why.
 */
int payload_find(const uint8_t *img, size_t n, struct payload_info *pi, char *why, size_t whylen);

/*
 * Decompress one XZ stream or zstd frame of len bytes at in into a new
 * buffer (*out, *out_len; free() it) of at most max_out bytes. quit, when
 * not NULL, is looked at between chunks: set, it ends the work (-1, "cancelled").
 * 0, or -1 with err.
 */
int payload_decode(const char *format, const uint8_t *in, size_t len, uint64_t max_out,
		   uint8_t **out, size_t *out_len, atomic_bool *quit, char *err, size_t errlen);

#endif
