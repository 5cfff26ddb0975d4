/* SPDX-License-Identifier: MIT */
/*
 * Option lists of device and function specifications, "key=value,...":
 * below the backends (emu:dma's vectors= and maps=, vfio's iommu=) and the
 * device opener, and used by the engine for a function's own options
 * (uid=, fid=, ...). Strict: every mistake is an error naming it, never a
 * silent choice (a repeated key does not "win last", "010" is not octal).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "spec.h"
#include "util/num.h"

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	errno = EINVAL;
	return -1;
}

static int parse_value(struct dev_opt *o, const char *v, char *err, size_t errlen)
{
	uint64_t x;
	enum num_err e;

	if (o->str) {
		if (!*v || strlen(v) >= o->str_size)
			return fail(err, errlen, "option '%s': %s", o->key,
				    *v ? "too long" : "an empty value");
		strcpy(o->str, v);
		return 0;
	}
	if (o->choices) {
		for (unsigned i = 0; o->choices[i]; i++) {
			if (!strcmp(o->choices[i], v)) {
				o->val = i;
				return 0;
			}
		}
		char list[128] = "";
		size_t l = 0;

		for (unsigned i = 0; o->choices[i] && l < sizeof(list); i++)
			l += (size_t)snprintf(list + l, sizeof(list) - l, "%s%s", i ? "|" : "", o->choices[i]);
		return fail(err, errlen, "option '%s': '%s' is not one of %s", o->key, v, list);
	}
	e = num_parse_u64(v, &x);
	if (e != NUM_OK || x < o->min || x > o->max)
		return fail(err, errlen, "option '%s': '%s': %s; want %" PRIu64 "..%" PRIu64, o->key, v,
			    e != NUM_OK ? num_strerror(e) : "out of range", o->min, o->max);
	o->val = x;
	return 0;
}

int dev_parse_opts(const char *s, struct dev_opt *opts, unsigned n, char *err, size_t errlen)
{
	char buf[256];
	char *tok, *next;

	for (unsigned i = 0; i < n; i++)
		opts[i].set = false;	/* set: given in this list */
	if (!s || !*s)
		return 0;
	if (strlen(s) >= sizeof(buf))
		return fail(err, errlen, "option list too long (over %zu bytes)", sizeof(buf) - 1);
	strcpy(buf, s);
	for (tok = buf; tok; tok = next) {
		char *eq;
		unsigned i;

		next = strchr(tok, ',');
		if (next)
			*next++ = '\0';
		if (!*tok)
			return fail(err, errlen, "an empty option (two commas, or one at the end)");
		eq = strchr(tok, '=');
		if (!eq)
			return fail(err, errlen, "option '%s' needs a value (key=value)", tok);
		*eq = '\0';
		for (i = 0; i < n && strcmp(opts[i].key, tok); i++)
			;
		if (i == n)
			return fail(err, errlen, "unknown option '%s'", tok);
		if (opts[i].set)
			return fail(err, errlen, "option '%s' given twice", tok);
		if (parse_value(&opts[i], eq + 1, err, errlen))
			return -1;
		opts[i].set = true;
	}
	return 0;
}
