/* SPDX-License-Identifier: MIT */
/*
 * Loading a static big-endian s390x ELF executable into guest RAM. Every
 * program header is checked before a byte is copied: segments inside RAM
 * above the prefix area, not overlapping one another, an entry point in
 * RAM. Errors: ENOENT and the like from fopen, ENOEXEC (not an s390x
 * executable), EINVAL (a layout the machine refuses), EIO (truncated).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "arch/be.h"
#include "softcpu_int.h"

#define EM_S390 22
#define MAX_PHDRS 64

struct seg {
	uint64_t off, dst, filesz, memsz;
	unsigned idx;
};

static int fail(char *err, size_t errlen, int e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	errno = e;
	return -1;
}

/* Read the PT_LOAD headers into segs and check them; returns how many. */
static int read_segments(struct zv_softcpu *sc, FILE *f, const char *path, const uint8_t *eh,
			 struct seg *segs, char *err, size_t errlen)
{
	uint64_t phoff = be64_get(eh + 32);
	unsigned phentsize = be16_get(eh + 54), phnum = be16_get(eh + 56), n = 0;

	if (phentsize < 56 || phnum == 0 || phnum > MAX_PHDRS)
		return fail(err, errlen, ENOEXEC, "%s: bad program header table", path);
	for (unsigned i = 0; i < phnum; i++) {
		uint8_t ph[56];
		struct seg *s = &segs[n];

		if (phoff > (uint64_t)LONG_MAX - (uint64_t)i * phentsize ||
		    fseek(f, (long)(phoff + (uint64_t)i * phentsize), SEEK_SET) ||
		    fread(ph, 1, sizeof(ph), f) != sizeof(ph))
			return fail(err, errlen, EIO, "%s: truncated program header %u", path, i);
		if (be32_get(ph) != 1)	/* PT_LOAD */
			continue;
		s->off = be64_get(ph + 8);
		s->dst = be64_get(ph + 24) ? be64_get(ph + 24) : be64_get(ph + 16);
		s->filesz = be64_get(ph + 32);
		s->memsz = be64_get(ph + 40);
		s->idx = i;
		/* the 8 KiB lowcore belongs to the machine */
		if (s->filesz > s->memsz || s->dst < LC_SIZE || s->dst >= sc->ram_size ||
		    s->memsz > sc->ram_size - s->dst)
			return fail(err, errlen, EINVAL, "%s: segment %u at %#llx+%#llx lies outside "
				    "guest RAM (above 0x2000 and below %#llx)", path, i,
				    (unsigned long long)s->dst, (unsigned long long)s->memsz,
				    (unsigned long long)sc->ram_size);
		if (s->off > (uint64_t)LONG_MAX)
			return fail(err, errlen, EIO, "%s: truncated segment %u", path, i);
		for (unsigned j = 0; j < n; j++) {
			const struct seg *o = &segs[j];

			if (s->memsz && o->memsz && s->dst < o->dst + o->memsz && o->dst < s->dst + s->memsz)
				return fail(err, errlen, EINVAL, "%s: segments %u and %u overlap at %#llx",
					    path, o->idx, i, (unsigned long long)(s->dst > o->dst ? s->dst : o->dst));
		}
		n++;
	}
	return (int)n;
}

int elf_load(struct zv_softcpu *sc, const char *path, char *err, size_t errlen)
{
	struct seg segs[MAX_PHDRS];
	FILE *f = fopen(path, "rb");
	uint8_t eh[64];
	uint64_t entry;
	int n, rc = -1;

	if (!f)
		return fail(err, errlen, errno, "%s: %s", path, strerror(errno));
	if (fread(eh, 1, sizeof(eh), f) != sizeof(eh) || memcmp(eh, "\177ELF", 4)) {
		fail(err, errlen, ENOEXEC, "%s: not an ELF file", path);
		goto out;
	}
	if (eh[4] != 2 || eh[5] != 2 || be16_get(eh + 18) != EM_S390 || be16_get(eh + 16) != 2) {
		fail(err, errlen, ENOEXEC, "%s: not a 64-bit big-endian s390x executable (ET_EXEC)", path);
		goto out;
	}
	entry = be64_get(eh + 24);
	n = read_segments(sc, f, path, eh, segs, err, errlen);
	if (n < 0)
		goto out;
	if (!n || entry < LC_SIZE || entry >= sc->ram_size) {
		fail(err, errlen, EINVAL, "%s: no loadable segment or entry point outside RAM", path);
		goto out;
	}
	/* guest RAM changes from here: a failure leaves no image loaded */
	sc->loaded = false;
	for (int i = 0; i < n; i++) {
		const struct seg *s = &segs[i];

		if (fseek(f, (long)s->off, SEEK_SET) ||
		    fread(sc->ram + s->dst, 1, (size_t)s->filesz, f) != s->filesz) {
			fail(err, errlen, EIO, "%s: truncated segment %u", path, s->idx);
			goto out;
		}
		memset(sc->ram + s->dst + s->filesz, 0, (size_t)(s->memsz - s->filesz));
	}
	sc->entry = entry;
	rc = 0;
out:
	n = errno;	/* fclose must not change what the caller sees */
	fclose(f);
	errno = n;
	return rc;
}
