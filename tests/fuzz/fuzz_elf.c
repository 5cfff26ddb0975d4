/* SPDX-License-Identifier: MIT */
/*
 * Fuzzing the software machine's ELF loader (src/hv/elf.c): the input is
 * the image file for zv_softcpu_load_elf(), written to a memfd; one
 * machine (1 MiB of RAM) takes every load, and never runs.
 *
 * Invariants: no crash (ASan, UBSan); a refused image gets a one-line
 * message and ENOEXEC, EINVAL or EIO; a loaded one passes the harness's own
 * reading of the rules (a 64-bit big-endian s390x ET_EXEC, the entry point
 * in RAM above the lowcore, every PT_LOAD segment at its physical address
 * -- the virtual one when that is 0 -- above 0x2000 and inside RAM, no two
 * overlapping) and RAM holds what the file says: each segment's file bytes,
 * then zeros to its memory size.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "zvfio/softcpu.h"

#define RAM_SIZE (1ULL << 20)
#define LOWCORE  0x2000ULL

static uint64_t be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static struct zv_softcpu *sc;
static int memfd = -1;

/* The harness's reading of a loaded image: every check, and RAM. */
static void check_loaded(const uint8_t *d, size_t size, const uint8_t *ram)
{
	uint64_t entry, phoff;
	unsigned phentsize, phnum, loads = 0;
	struct {
		uint64_t dst, memsz;
	} seen[64];

	if (size < 64 || memcmp(d, "\177ELF", 4) || d[4] != 2 || d[5] != 2 || be(d + 16, 2) != 2 ||
	    be(d + 18, 2) != 22) {
		fz_fail("loaded an image that is not a 64-bit big-endian s390x executable");
		return;
	}
	entry = be(d + 24, 8);
	phoff = be(d + 32, 8);
	phentsize = (unsigned)be(d + 54, 2);
	phnum = (unsigned)be(d + 56, 2);
	if (entry < LOWCORE || entry >= RAM_SIZE)
		fz_fail("loaded with the entry point at %#llx", (unsigned long long)entry);
	if (phentsize < 56 || !phnum || phnum > 64) {
		fz_fail("loaded with %u program headers of %u bytes", phnum, phentsize);
		return;
	}
	for (unsigned i = 0; i < phnum; i++) {
		uint64_t at = phoff + (uint64_t)i * phentsize, off, dst, filesz, memsz;
		const uint8_t *ph;

		if (phoff > size || (uint64_t)i * phentsize > size || at > size || 56 > size - at) {
			fz_fail("loaded, but program header %u lies past the file's end", i);
			return;
		}
		ph = d + at;
		if (be(ph, 4) != 1)
			continue;
		off = be(ph + 8, 8);
		dst = be(ph + 24, 8) ? be(ph + 24, 8) : be(ph + 16, 8);
		filesz = be(ph + 32, 8);
		memsz = be(ph + 40, 8);
		if (filesz > memsz || dst < LOWCORE || dst >= RAM_SIZE || memsz > RAM_SIZE - dst) {
			fz_fail("loaded segment %u at %#llx+%#llx (file %#llx) outside RAM above 0x2000", i,
				(unsigned long long)dst, (unsigned long long)memsz, (unsigned long long)filesz);
			return;
		}
		if (filesz && (off > size || filesz > size - off)) {
			fz_fail("loaded segment %u whose bytes lie past the file's end", i);
			return;
		}
		for (unsigned k = 0; k < loads; k++)
			if (memsz && seen[k].memsz && dst < seen[k].dst + seen[k].memsz &&
			    seen[k].dst < dst + memsz)
				fz_fail("loaded overlapping segments at %#llx", (unsigned long long)dst);
		seen[loads].dst = dst;
		seen[loads++].memsz = memsz;
		/* by content: the file's bytes, then zeros */
		if (filesz && memcmp(ram + dst, d + off, filesz))
			fz_fail("segment %u: RAM at %#llx differs from the file", i, (unsigned long long)dst);
		for (uint64_t b = filesz; b < memsz; b++)
			if (ram[dst + b]) {
				fz_fail("segment %u: byte %#llx of its zero fill is %#x", i,
					(unsigned long long)(dst + b), ram[dst + b]);
				break;
			}
	}
	if (!loads)
		fz_fail("loaded an image with no PT_LOAD segment");
}

static void run_input(const uint8_t *d, size_t size)
{
	char err[256], path[64];
	struct zv_softcpu_config cfg = { .mem_size = RAM_SIZE };

	if (!sc) {
		sc = zv_softcpu_create(&cfg, err, sizeof(err));
		memfd = memfd_create("fuzz_elf", MFD_CLOEXEC);
		if (!sc || memfd < 0)
			abort();
	}
	if (ftruncate(memfd, 0) || (size && pwrite(memfd, d, size, 0) != (ssize_t)size))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	err[0] = 0;
	errno = 0;
	if (zv_softcpu_load_elf(sc, path, err, sizeof(err)) == 0) {
		check_loaded(d, size, zv_softcpu_ram(sc));
		return;
	}
	if (errno != ENOEXEC && errno != EINVAL && errno != EIO)
		fz_fail("refused with errno %d (%s)", errno, err);
	if (!err[0] || strchr(err, '\n'))
		fz_fail("refused with the message \"%s\"", err);
}

/* ---- seeds ------------------------------------------------------------------- */

static void put(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

struct seg {
	uint32_t type;
	uint64_t off, vaddr, paddr, filesz, memsz;
};

static size_t image(uint8_t *out, uint64_t entry, const struct seg *s, unsigned n, size_t datalen)
{
	size_t len = 64 + 56ULL * n + datalen;

	memset(out, 0, len);
	memcpy(out, "\177ELF", 4);
	out[4] = 2;
	out[5] = 2;
	out[6] = 1;
	put(out + 16, 2, 2);
	put(out + 18, 22, 2);
	put(out + 20, 1, 4);
	put(out + 24, entry, 8);
	put(out + 32, 64, 8);
	put(out + 52, 64, 2);
	put(out + 54, 56, 2);
	put(out + 56, n, 2);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *ph = out + 64 + 56 * i;

		put(ph, s[i].type, 4);
		put(ph + 4, 7, 4);
		put(ph + 8, s[i].off, 8);
		put(ph + 16, s[i].vaddr, 8);
		put(ph + 24, s[i].paddr, 8);
		put(ph + 32, s[i].filesz, 8);
		put(ph + 40, s[i].memsz, 8);
		put(ph + 48, 8, 8);
	}
	for (size_t i = 64 + 56ULL * n; i < len; i++)
		out[i] = (uint8_t)(i * 7);
	return len;
}

static void make_seeds(fz_emit_fn emit)
{
	static uint8_t b[4096];
	size_t n;

	n = image(b, 0x10000, (struct seg[]){ { 1, 120, 0x10000, 0x10000, 256, 256 } }, 1, 256);
	emit("one", b, n);
	n = image(b, 0x10000, (struct seg[]){ { 1, 176, 0x10000, 0, 200, 0x2000 },	/* vaddr, bss */
					      { 1, 376, 0x20000, 0x20000, 100, 100 } }, 2, 300);
	emit("two", b, n);
	n = image(b, 0x2000, (struct seg[]){ { 4, 0, 0, 0, 0, 0 },			/* PT_NOTE */
					     { 1, 176, 0xff000, 0xff000, 0x100, 0x1000 } }, 2, 256);
	emit("ramend", b, n);
	n = image(b, 0x3000, (struct seg[]){ { 1, 232, 0x3000, 0x3000, 16, 16 },
					     { 1, 232, 0x3008, 0x3008, 0, 0 },		/* empty */
					     { 1, 232, 0x3010, 0x3010, 16, 32 } }, 3, 64);
	emit("three", b, n);
	n = image(b, 0x10000, (struct seg[]){ { 1, 120, 0x1000, 0x1000, 16, 16 } }, 1, 16);
	emit("lowcore", b, n);					/* refused: over the lowcore */
	n = image(b, 0x10000, (struct seg[]){ { 1, 176, 0x10000, 0x10000, 64, 64 },
					      { 1, 176, 0x10020, 0x10020, 64, 64 } }, 2, 64);
	emit("overlap", b, n);					/* refused */
	n = image(b, 0x10000, (struct seg[]){ { 1, 120, 0x10000, 0x10000, 4096, 4096 } }, 1, 64);
	emit("truncated", b, n);				/* refused: EIO */
}

FUZZ_MAIN(elf, 20000, 1024, 1000)
