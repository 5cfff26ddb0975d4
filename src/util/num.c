/* SPDX-License-Identifier: MIT */
/*
 * Strict numbers: one syntax for every number a user gives zvfio, so that
 * "uid=010" cannot mean 8 to one parser and 10 to another (strtoul with
 * base 0 reads a leading 0 as octal, and skips blanks and takes a sign).
 */
#include "num.h"

static int digit(char c, unsigned base)
{
	int v = c >= '0' && c <= '9' ? c - '0' :
		c >= 'a' && c <= 'f' ? c - 'a' + 10 :
		c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;

	return v < (int)base ? v : -1;
}

enum num_err num_parse_u64(const char *s, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (!s || !*s)
		return NUM_EMPTY;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!*s)
			return NUM_SYNTAX;
	} else if (s[0] == '0' && s[1]) {
		return s[1] >= '0' && s[1] <= '9' ? NUM_LEADING_ZERO : NUM_SYNTAX;
	}
	for (; *s; s++) {
		int d = digit(*s, base);

		if (d < 0)
			return NUM_SYNTAX;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return NUM_TOO_LARGE;
		v = v * base + (uint64_t)d;
	}
	*out = v;
	return NUM_OK;
}

const char *num_strerror(enum num_err e)
{
	switch (e) {
	case NUM_OK: return "a number";
	case NUM_EMPTY: return "a number is missing";
	case NUM_LEADING_ZERO: return "no leading zeros (decimal, or 0x for hex)";
	case NUM_TOO_LARGE: return "too large";
	case NUM_SYNTAX: break;
	}
	return "not a number (decimal, or 0x for hex; no sign, blank or suffix)";
}
