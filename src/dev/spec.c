/* SPDX-License-Identifier: MIT */
/*
 * Option lists of device and function specifications, "key=value,...":
 * below the backends (emu:dma's vectors= and maps=) and the device opener,
 * and used by the engine for a function's own options (uid=, fid=, ...).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

static void set_err(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
	if (err && errlen)
		snprintf(err, errlen, fmt, a, b);
}

int dev_parse_opts(const char *s, struct dev_opt *opts, unsigned n, char *err, size_t errlen)
{
	char buf[256], *save = NULL, *tok;

	if (!s || !*s)
		return 0;
	if (strlen(s) >= sizeof(buf)) {
		set_err(err, errlen, "option list too long: '%s'%s", s, "");
		errno = EINVAL;
		return -1;
	}
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '='), *end;
		unsigned i;

		if (!eq) {
			set_err(err, errlen, "option '%s' needs a value (key=value)%s", tok, "");
			errno = EINVAL;
			return -1;
		}
		*eq = '\0';
		for (i = 0; i < n && strcmp(opts[i].key, tok); i++)
			;
		if (i == n) {
			set_err(err, errlen, "unknown option '%s'%s", tok, "");
			errno = EINVAL;
			return -1;
		}
		errno = 0;
		unsigned long long v = strtoull(eq + 1, &end, 0);
		if (errno || end == eq + 1 || *end || eq[1] == '-' || v < opts[i].min ||
		    v > opts[i].max) {
			char range[64];

			snprintf(range, sizeof(range), "%" PRIu64 "..%" PRIu64, opts[i].min,
				 opts[i].max);
			if (err && errlen)
				snprintf(err, errlen, "option '%s': '%s' is not a number in %s", tok,
					 eq + 1, range);
			errno = EINVAL;
			return -1;
		}
		opts[i].val = v;
		opts[i].set = true;
	}
	return 0;
}
