/* SPDX-License-Identifier: MIT */
/*
 * Fuzzing device specifications: zv_function_add_spec() and
 * zv_device_open() with strings made from the input -- either the bytes as
 * they are, or built from a grammar: a kind (emu:dma, vfio: with PCI
 * addresses good and bad, others) and key=value options from the keys the
 * parsers know (the function's uid, fid, rtr, sdma, edma; emu:dma's
 * vectors, maps; vfio's iommu; the fault wrapper's fail, fail-errno,
 * fail-every) and some they do not, with values in every form a number
 * takes, and the choices' words. vfio: forms look at this host's /sys.
 *
 * Invariants: an accepted specification gives a function (a UID, a
 * name); a refused one an errno and a message terminated within errlen,
 * on one line (unless the specification, which it quotes, has a newline);
 * nothing leaks (LeakSanitizer, valgrind). Two specifications per input go
 * into one machine, so that a UID or FID can collide.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "zvfio/zvfio.h"

static const char *const kinds[] = {
	"emu:dma", "emu:dma", "emu:dma", "vfio:0000:ff:1f.7", "vfio:ff:1f.7", "vfio:0000:00:00.0",
	"vfio:zz", "emu:", "emu:dmax", "", "vfio:", "vfio:0000:00:1f.7,", ":", "emu:dma,", "EMU:DMA",
	"vfio:10000:00:00.0",
};
static const char *const keys[] = {
	"uid", "fid", "rtr", "sdma", "edma", "vectors", "maps", "iommu", "fail", "fail-errno",
	"fail-every", "", "x", "uid ", "=", "vectors=1=2",
};
static const char *const values[] = {
	"0", "1", "5", "8", "65535", "65536", "0x10", "0X10", "010", "-1", "", "18446744073709551615",
	"18446744073709551616", "0x1000000", "0xfffffff", "0x100000000", "map", "unmap", "read", "write",
	"irqs", "reset", "enospc", "efault", "eio", "einval", "auto", "type1", "iommufd", "1 ", " 1",
	"0x", "128", "129", "0xfffffffe", "4294967295",
};

#define NK (sizeof(kinds) / sizeof(kinds[0]))
#define NKEY (sizeof(keys) / sizeof(keys[0]))
#define NVAL (sizeof(values) / sizeof(values[0]))

/* s made printable, for messages */
static const char *shown(const char *s)
{
	static char b[700];
	size_t n = 0;

	for (; *s && n + 5 < sizeof(b); s++)
		n += (size_t)snprintf(b + n, sizeof(b) - n, *s >= 0x20 && *s < 0x7f ? "%c" : "\\x%02x",
				      (unsigned char)*s);
	b[n] = 0;
	return b;
}

static void cat(char *s, size_t cap, const char *t)
{
	size_t l = strlen(s);

	snprintf(s + l, cap - l, "%s", t);
}

/* One specification from the input into s (cap bytes). */
static void spec(struct in *in, char *s, size_t cap)
{
	uint8_t mode = u8(in);

	s[0] = 0;
	if (mode < 48) {	/* the bytes as they are, up to a NUL */
		size_t n = 0, len = u8(in) + (mode & 1 ? 256 : 0);

		while (n < len && n + 1 < cap && in->n) {
			char c = (char)u8(in);

			if (!c)
				break;
			s[n++] = c;
		}
		s[n] = 0;
		return;
	}
	cat(s, cap, kinds[u8(in) % NK]);
	for (unsigned i = 0, n = u8(in) % 8; i < n; i++) {
		uint8_t k = u8(in), v = u8(in);
		char num[32];

		cat(s, cap, k & 0x80 ? ",," : ",");
		cat(s, cap, keys[k % NKEY]);
		if (!(v & 0x80))
			cat(s, cap, "=");
		if ((v & 0x7f) < NVAL) {
			cat(s, cap, values[v & 0x7f]);
		} else {
			snprintf(num, sizeof(num), v & 1 ? "%llu" : "0x%llx", (unsigned long long)u64(in));
			cat(s, cap, num);
		}
	}
	if (mode & 1)
		cat(s, cap, ",");
}

static void run_input(const uint8_t *d, size_t size)
{
	static uint8_t ram[1 << 16];
	struct zv_mem_region mem = { .gpa = 0, .size = sizeof(ram), .host = ram };
	struct zv_machine_config cfg = { .mem = &mem, .n_mem = 1 };
	struct in in = { d, size };
	struct zv_machine *m = zv_machine_create(&cfg);
	char s[600], err[256];

	if (!m)
		abort();
	for (unsigned k = 0; k < 3; k++) {
		uint8_t e = u8(&in);
		size_t errlen = e < 200 ? sizeof(err) : e % 16;	/* sometimes a short buffer */
		struct zv_function *f;
		struct zv_device *dev;

		spec(&in, s, sizeof(s));
		memset(err, 0x55, sizeof(err));
		errno = 0;
		if (k == 2) {	/* the device alone */
			dev = zv_device_open(s, e & 1 ? NULL : err, errlen);
			if (!dev && (!errno || (!(e & 1) && errlen && !memchr(err, 0, errlen))))
				fz_fail("zv_device_open(\"%s\") refused without errno or message", shown(s));
			zv_device_close(dev);
			break;
		}
		f = zv_function_add_spec(m, s, e & 1 ? NULL : err, errlen);
		if (f) {
			if (!zv_function_name(f) || !zv_function_name(f)[0])
				fz_fail("zv_function_add_spec(\"%s\"): a function without a name", shown(s));
			if (zv_function_uid(f) < 1 || zv_function_uid(f) > 0xffff)
				fz_fail("zv_function_add_spec(\"%s\"): UID %u", shown(s), zv_function_uid(f));
			continue;
		}
		if (!errno)
			fz_fail("zv_function_add_spec(\"%s\") refused without errno", shown(s));
		if (!(e & 1) && errlen) {
			const char *nul = memchr(err, 0, errlen);

			if (!nul)
				fz_fail("zv_function_add_spec(\"%s\"): message not terminated within %zu bytes",
					shown(s), errlen);
			else if (errlen == sizeof(err) && (!err[0] || (strchr(err, '\n') && !strchr(s, '\n'))))
				fz_fail("zv_function_add_spec(\"%s\"): an empty or multi-line message", shown(s));
		}
	}
	zv_machine_destroy(m);
}

/* ---- seeds ------------------------------------------------------------------- */

static void s_spec(struct out *o, uint8_t kind, const uint8_t (*kv)[2], unsigned n)
{
	o8(o, 0);		/* a full error buffer */
	o8(o, 0x80);		/* from the grammar */
	o8(o, kind);
	o8(o, (uint8_t)n);
	for (unsigned i = 0; i < n; i++) {
		o8(o, kv[i][0]);
		o8(o, kv[i][1]);
	}
}

static void s_raw(struct out *o, const char *s)
{
	o8(o, 0);
	o8(o, 0);
	o8(o, (uint8_t)strlen(s));
	obytes(o, s, strlen(s));
}

static void make_seeds(fz_emit_fn emit)
{
	static struct out o;

	o.n = 0;
	s_raw(&o, "emu:dma");
	s_raw(&o, "emu:dma,uid=5,fid=3,vectors=8,maps=16");
	s_raw(&o, "vfio:0000:00:04.0,iommu=type1");
	emit("raw", o.b, o.n);
	o.n = 0;
	s_spec(&o, 0, (const uint8_t[][2]){ { 0, 2 }, { 1, 2 } }, 2);		/* uid=5,fid=5: taken */
	s_spec(&o, 0, (const uint8_t[][2]){ { 0, 2 }, { 5, 1 } }, 2);		/* uid=5 again */
	s_spec(&o, 0, (const uint8_t[][2]){ { 8, 16 }, { 9, 22 }, { 10, 3 } }, 3);	/* fail= */
	emit("collide", o.b, o.n);
	o.n = 0;
	s_spec(&o, 0, (const uint8_t[][2]){ { 2, 1 }, { 3, 13 }, { 4, 14 } }, 3);	/* rtr, window */
	s_spec(&o, 1, (const uint8_t[][2]){ { 3, 15 }, { 4, 12 } }, 2);	/* a window too big */
	s_spec(&o, 3, (const uint8_t[][2]){ { 7, 26 } }, 1);			/* vfio, iommu=auto */
	emit("window", o.b, o.n);
	o.n = 0;
	s_spec(&o, 0, (const uint8_t[][2]){ { 5, 32 }, { 6, 0 }, { 11, 0x81 } }, 3);	/* vectors=128, maps=0 */
	s_spec(&o, 0, (const uint8_t[][2]){ { 5, 33 }, { 0, 9 } }, 2);	/* vectors=129, uid=-1 */
	s_spec(&o, 4, (const uint8_t[][2]){ { 7, 28 }, { 8, 17 } }, 2);	/* iommufd, fail=unmap */
	emit("bad", o.b, o.n);
}

FUZZ_MAIN(spec, 10000, 512, 1000)
