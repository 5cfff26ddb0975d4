/* SPDX-License-Identifier: MIT */
/* Numbers as users write them in specifications and on the command line. */
#ifndef ZV_UTIL_NUM_H
#define ZV_UTIL_NUM_H

#include <stdint.h>

enum num_err {
	NUM_OK = 0,
	NUM_EMPTY = -1,		/* nothing there */
	NUM_LEADING_ZERO = -2,	/* "010": octal to some readers, decimal to others */
	NUM_SYNTAX = -3,	/* a sign, a blank, a suffix, a bad digit */
	NUM_TOO_LARGE = -4,	/* does not fit in 64 bits */
};

/*
 * Parse the whole of s as an unsigned 64-bit number: decimal digits (no
 * leading zero unless the number is 0) or 0x/0X and hex digits. Returns
 * NUM_OK with *out set, or why not (*out untouched).
 */
enum num_err num_parse_u64(const char *s, uint64_t *out);
/* The reason as a phrase for messages. */
const char *num_strerror(enum num_err e);

#endif
