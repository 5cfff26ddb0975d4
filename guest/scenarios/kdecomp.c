/* SPDX-License-Identifier: MIT */
/*
 * A kernel image in miniature, for the host-side decompression of a
 * kernel's payload (src/hv/payload.c; tests/hv/test_payload.c). Built as
 * an ELF like every guest; the test turns it into a raw image loaded at
 * absolute 0, with Linux's header at 0x10000 ("S390EP" at 0x10008, the
 * parameter area up to 0x11000), and writes an XZ stream or zstd frame into
 * payload_area. Like Linux's boot code (arch/s390/boot/decompressor.c), one
 * BRASL calls the function that loads the payload's address and decodes it
 * -- here only what an encoder writes for random data (XZ: LZMA2
 * uncompressed chunks; zstd: raw and RLE blocks), slowly on purpose (spin
 * loop turns a byte), to ALIGN(_end, 4 KiB) + 64 KiB, and returns that
 * address as 6.1's decompress_kernel() does.
 *
 * Arguments: raw=N (bytes the payload decodes to), spin=N, call=basr (call
 * it through a register: no BRASL), twice=1 (the decoder writes every
 * byte 2 MiB further first, then where it returns). Reports: out (where the kernel is), hash (FNV-1a
 * of raw bytes there), own (1: the guest's decoder finished), bad (a
 * decoding error, 0: none).
 */
#include "guest.h"

int guest_main(void);
uint8_t *kdecompress(void);

/* Linux's layout around its entry: a branch, the magic, the parameter
 * area the loader fills (command line at 0x10480, at most 896 bytes) */
asm(".pushsection .text.start,\"ax\"\n"
    "	j	1f\n"
    "	.org	8\n"
    "	.ascii	\"S390EP\"\n"
    "	.org	0x1000\n"
    "1:	llilh	%r15,0x400\n"		/* the stack at the top of 64 MiB */
    "	lgr	%r2,%r15\n"		/* _start's "RAM size" */
    "	jg	_start\n"
    ".popsection\n");

#define PAYLOAD_MAX (600u << 10)
extern char _end[];

/* the payload, after a marker the test finds it by (not const: its
 * bytes are not known here) */
__attribute__((aligned(16))) uint8_t payload_area[16 + PAYLOAD_MAX] = "zvfio payload:  ";

static uint64_t raw, spin, twice;
volatile uint64_t own, bad;

static void put(uint8_t *out, uint64_t *n, uint8_t b)
{
	if (*n >= raw) {
		bad = 1;
		return;
	}
	if (twice)
		out[(2u << 20) + *n] = b;
	out[(*n)++] = b;
	for (uint64_t i = 0; i < spin; i++)
		asm volatile("" ::: "memory");
}

static uint64_t unxz(const uint8_t *in, uint8_t *out)
{
	uint64_t n = 0, p = 12 + ((uint64_t)in[12] + 1) * 4;	/* stream and block headers */

	for (;;) {
		uint8_t c = in[p++];
		uint64_t len;

		if (!c)
			return n;
		if (c != 1 && c != 2) {
			bad = 2;	/* an LZMA chunk: not for this decoder */
			return n;
		}
		len = ((uint64_t)in[p] << 8 | in[p + 1]) + 1;
		p += 2;
		while (len-- && !bad)
			put(out, &n, in[p++]);
	}
}

static uint64_t unzstd(const uint8_t *in, uint8_t *out)
{
	static const uint8_t did[4] = { 0, 1, 2, 4 };
	uint8_t fhd = in[4];
	uint64_t n = 0, p = 5 + !(fhd & 0x20) + did[fhd & 3];
	unsigned fcs = fhd >> 6;

	p += fcs == 0 ? (fhd & 0x20 ? 1 : 0) : fcs == 1 ? 2 : fcs == 2 ? 4 : 8;
	for (;;) {
		uint32_t h = in[p] | (uint32_t)in[p + 1] << 8 | (uint32_t)in[p + 2] << 16;
		uint32_t size = h >> 3, type = h >> 1 & 3;

		p += 3;
		if (type == 0) {
			while (size-- && !bad)
				put(out, &n, in[p++]);
		} else if (type == 1) {
			while (size-- && !bad)
				put(out, &n, in[p]);
			p++;
		} else {
			bad = 3;	/* a compressed block */
			return n;
		}
		if ((h & 1) || bad)
			return n;
	}
}

__attribute__((noinline, noclone)) uint8_t *kdecompress(void)
{
	const uint8_t *in = payload_area + 16;
	uint8_t *out = (uint8_t *)((((uintptr_t)_end + 0xfff) & ~(uintptr_t)0xfff) + 0x10000);
	uint64_t n;

	n = in[0] == 0xfd ? unxz(in, out) : in[0] == 0x28 ? unzstd(in, out) : 0;
	if (n == raw && !bad)
		own = 1;
	else if (!bad)
		bad = 4;
	return out;
}

static uint8_t *(*volatile through_register)(void) = kdecompress;

int guest_main(void)
{
	char how[8] = "";
	uint64_t h = 0xcbf29ce484222325ULL;
	uint8_t *out;

	raw = arg_u64("raw", 512u << 10);
	spin = arg_u64("spin", 100);
	twice = arg_u64("twice", 0);
	arg_str("call", how, sizeof(how));
	out = !strncmp(how, "basr", 5) ? through_register() : kdecompress();
	for (uint64_t i = 0; i < raw; i++)
		h = (h ^ out[i]) * 0x100000001b3ULL;
	zv_report("out", (uintptr_t)out);
	zv_report("hash", h);
	zv_report("own", own);
	zv_report("bad", bad);
	return 0;
}
