/* SPDX-License-Identifier: MIT */
/* Option lists of specifications: "key=value,key=value". */
#ifndef ZV_DEV_SPEC_H
#define ZV_DEV_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One option: its key, what its value may be, and (set by dev_parse_opts)
 * the value and whether the list gave it. */
struct dev_opt {
	const char *key;
	uint64_t val;			/* the number, or the index into choices */
	bool set;
	uint64_t min, max;		/* for numbers */
	const char *const *choices;	/* NULL-terminated words, or NULL: a number */
	char *str;			/* not NULL: a string, copied here (a path; */
	size_t str_size;		/* it cannot hold a comma), at most str_size - 1 bytes */
};
/*
 * Parse s into opts[0..n): 0, or -1 with errno EINVAL and a message in err
 * naming the bad part: an empty option, one without "=", an unknown key, a
 * key given twice, a value that is not one of the choices, an empty string
 * or one longer than its buffer, or a number
 * that is not decimal/0x-hex (util/num.h) or lies outside [min, max]. Every
 * option's set flag is cleared first; an empty or NULL list is 0 with
 * nothing set.
 */
int dev_parse_opts(const char *s, struct dev_opt *opts, unsigned n, char *err, size_t errlen);

#endif
