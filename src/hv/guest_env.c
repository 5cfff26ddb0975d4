/* SPDX-License-Identifier: MIT */
/*
 * The host side of the guest ABI (docs/GUEST-ABI.md): a static big-endian
 * s390x ELF executable loaded into guest storage, and the DIAG X'500'
 * hypercalls answered -- for the software machine and for a KVM VMM
 * alike. Every program header is checked before a byte is copied;
 * every address a hypercall names is checked against the storage.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arch/be.h"
#include "zvfio/guest_env.h"

#define EM_S390 22
#define MAX_PHDRS 64
#define PREFIX_AREA 0x2000	/* the lowcore: the machine's, never an image's */
#define PGM_ADDRESSING    0x05
#define PGM_SPECIFICATION 0x06

struct zv_guest_env {
	struct zv_mem_region *mem;
	unsigned n_mem;
	FILE *console;
	char *args;
	struct {
		char key[ZV_GUEST_REPORT_KEY_MAX + 1];
		uint64_t val;
	} reports[ZV_GUEST_REPORTS_MAX];
	unsigned nreports;
};

struct seg {
	uint64_t off, dst, filesz, memsz;
	unsigned idx;
};

static int fail(char *err, size_t errlen, int e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int e, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	errno = e;
	return -1;
}

/* The host address of guest bytes [a, a+n), n >= 1, when one region holds
 * them all; NULL otherwise. */
static uint8_t *at(const struct zv_guest_env *e, uint64_t a, uint64_t n)
{
	for (unsigned i = 0; i < e->n_mem; i++) {
		const struct zv_mem_region *r = &e->mem[i];

		if (a >= r->gpa && a - r->gpa < r->size && n <= r->size - (a - r->gpa))
			return (uint8_t *)r->host + (a - r->gpa);
	}
	return NULL;
}

ZV_API struct zv_guest_env *zv_guest_env_create(const struct zv_guest_env_config *cfg, char *err,
						size_t errlen)
{
	struct zv_guest_env *e;

	if (!cfg || !cfg->mem || !cfg->n_mem) {
		fail(err, errlen, EINVAL, "guest environment: no guest storage");
		return NULL;
	}
	for (unsigned i = 0; i < cfg->n_mem; i++) {
		const struct zv_mem_region *r = &cfg->mem[i];

		if (!r->host || !r->size || r->gpa + r->size - 1 < r->gpa) {
			fail(err, errlen, EINVAL, "guest environment: region %u is empty, wraps or "
			     "has no host memory", i);
			return NULL;
		}
		for (unsigned j = 0; j < i; j++)
			if (r->gpa <= cfg->mem[j].gpa + cfg->mem[j].size - 1 &&
			    cfg->mem[j].gpa <= r->gpa + r->size - 1) {
				fail(err, errlen, EINVAL, "guest environment: regions %u and %u "
				     "overlap", j, i);
				return NULL;
			}
	}
	e = calloc(1, sizeof(*e));
	if (e) {
		e->mem = malloc(cfg->n_mem * sizeof(*e->mem));
		e->args = strdup(cfg->args ? cfg->args : "");
	}
	if (!e || !e->mem || !e->args) {
		zv_guest_env_destroy(e);
		fail(err, errlen, ENOMEM, "guest environment: out of memory");
		return NULL;
	}
	memcpy(e->mem, cfg->mem, cfg->n_mem * sizeof(*e->mem));
	e->n_mem = cfg->n_mem;
	e->console = cfg->console ? cfg->console : stdout;
	return e;
}

ZV_API void zv_guest_env_destroy(struct zv_guest_env *e)
{
	if (!e)
		return;
	free(e->mem);
	free(e->args);
	free(e);
}

/* ---- the image ---------------------------------------------------------- */

/* Read the PT_LOAD headers into segs and check them; returns how many. */
static int read_segments(const struct zv_guest_env *e, FILE *f, const char *path,
			 const uint8_t *eh, struct seg *segs, char *err, size_t errlen)
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
		if (s->filesz > s->memsz || s->dst < PREFIX_AREA ||
		    !at(e, s->dst, s->memsz ? s->memsz : 1))
			return fail(err, errlen, EINVAL, "%s: segment %u at %#llx+%#llx lies outside "
				    "guest storage (or below 0x2000, the prefix area)", path, i,
				    (unsigned long long)s->dst, (unsigned long long)s->memsz);
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

ZV_API int zv_guest_load_elf(struct zv_guest_env *e, const char *path, uint64_t *entry, char *err,
			     size_t errlen)
{
	struct seg segs[MAX_PHDRS];
	uint8_t eh[64];
	uint64_t start;
	FILE *f;
	int n, rc = -1;

	if (!e || !path)
		return fail(err, errlen, EINVAL, "no environment or no path");
	f = fopen(path, "rb");
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
	start = be64_get(eh + 24);
	n = read_segments(e, f, path, eh, segs, err, errlen);
	if (n < 0)
		goto out;
	if (!n || start < PREFIX_AREA || !at(e, start, 1)) {
		fail(err, errlen, EINVAL, "%s: no loadable segment or entry point outside storage", path);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		const struct seg *s = &segs[i];
		uint8_t *dst = s->memsz ? at(e, s->dst, s->memsz) : NULL;

		if (!dst)
			continue;
		if (fseek(f, (long)s->off, SEEK_SET) ||
		    fread(dst, 1, (size_t)s->filesz, f) != s->filesz) {
			fail(err, errlen, EIO, "%s: truncated segment %u", path, s->idx);
			goto out;
		}
		memset(dst + s->filesz, 0, (size_t)(s->memsz - s->filesz));
	}
	if (entry)
		*entry = start;
	rc = 0;
out:
	n = errno;	/* fclose must not change what the caller sees */
	fclose(f);
	errno = n;
	return rc;
}

/* ---- the hypercalls ----------------------------------------------------- */

static enum zv_guest_hc program(int *value, int code)
{
	*value = code;
	return ZV_GUEST_HC_PROGRAM;
}

static enum zv_guest_hc hc_write(struct zv_guest_env *e, uint64_t *gpr, int *value)
{
	uint64_t a = gpr[2], n = gpr[3];
	uint8_t *p = at(e, a, n ? n : 1);

	if (!p)
		return program(value, PGM_ADDRESSING);
	if (n) {
		fwrite(p, 1, (size_t)n, e->console);
		if (memchr(p, '\n', (size_t)n))
			fflush(e->console);
	}
	gpr[2] = n;
	return ZV_GUEST_HC_DONE;
}

static enum zv_guest_hc hc_getargs(struct zv_guest_env *e, uint64_t *gpr, int *value)
{
	uint64_t size = gpr[3], len = strlen(e->args);

	if (size) {
		uint64_t n = len < size - 1 ? len : size - 1;
		uint8_t *p = at(e, gpr[2], size);

		if (!p)
			return program(value, PGM_ADDRESSING);
		memcpy(p, e->args, (size_t)n);
		p[n] = 0;
	}
	gpr[2] = len;
	return ZV_GUEST_HC_DONE;
}

/* The key is a NUL-terminated string of 1..31 bytes at gpr[2]. */
static enum zv_guest_hc hc_report(struct zv_guest_env *e, uint64_t *gpr, int *value)
{
	char key[ZV_GUEST_REPORT_KEY_MAX + 1];
	const uint8_t *p;
	unsigned i;

	if (!at(e, gpr[2], 1))
		return program(value, PGM_ADDRESSING);
	for (i = 0; i < sizeof(key) && (p = at(e, gpr[2] + i, 1)) && *p; i++)
		key[i] = (char)*p;
	if (!i || i == sizeof(key) || !p)	/* empty, too long, or running out of storage */
		return program(value, i && !p ? PGM_ADDRESSING : PGM_SPECIFICATION);
	key[i] = 0;
	for (i = 0; i < e->nreports; i++) {
		if (!strcmp(e->reports[i].key, key)) {
			e->reports[i].val += gpr[3];
			return ZV_GUEST_HC_DONE;
		}
	}
	if (e->nreports == ZV_GUEST_REPORTS_MAX)
		return program(value, PGM_SPECIFICATION);
	strcpy(e->reports[e->nreports].key, key);
	e->reports[e->nreports++].val = gpr[3];
	return ZV_GUEST_HC_DONE;
}

ZV_API enum zv_guest_hc zv_guest_hypercall(struct zv_guest_env *e, uint64_t *gpr, int *value)
{
	int dummy;

	if (!value)
		value = &dummy;
	switch (gpr[1] & 0xffffffffu) {
	case ZV_HC_WRITE:
		return hc_write(e, gpr, value);
	case ZV_HC_EXIT:
		*value = (int)(gpr[2] & 0xff);
		fflush(e->console);
		return ZV_GUEST_HC_EXITED;
	case ZV_HC_GETARGS:
		return hc_getargs(e, gpr, value);
	case ZV_HC_REPORT:
		return hc_report(e, gpr, value);
	case ZV_HC_TIME: {
		struct timespec t;

		clock_gettime(CLOCK_MONOTONIC, &t);
		gpr[2] = (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
		return ZV_GUEST_HC_DONE;
	}
	default:
		return program(value, PGM_SPECIFICATION);
	}
}

ZV_API const char *zv_guest_report(const struct zv_guest_env *e, unsigned i, uint64_t *value)
{
	if (!e || i >= e->nreports)
		return NULL;
	if (value)
		*value = e->reports[i].val;
	return e->reports[i].key;
}
