/* SPDX-License-Identifier: MIT */
/* Option lists of specifications: "key=value,key=value". */
#ifndef ZV_DEV_SPEC_H
#define ZV_DEV_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One option: its key, the range its value must lie in, and (set by
 * dev_parse_opts) the value and whether the list gave it. */
struct dev_opt {
	const char *key;
	uint64_t val;
	bool set;
	uint64_t min, max;
};
/* Parse s into opts[0..n): 0, or -1 with errno EINVAL and err set. An
 * empty or NULL list is 0 with nothing set. */
int dev_parse_opts(const char *s, struct dev_opt *opts, unsigned n, char *err, size_t errlen);

#endif
