/* SPDX-License-Identifier: MIT */
/* Strict numbers (util/num.c): one row per input. */
#include <string.h>

#include "harness.h"
#include "util/num.h"

static const struct {
	const char *in;
	enum num_err want;
	uint64_t val;
} cases[] = {
	{ "0", NUM_OK, 0 },
	{ "5", NUM_OK, 5 },
	{ "65535", NUM_OK, 65535 },
	{ "18446744073709551615", NUM_OK, UINT64_MAX },
	{ "18446744073709551616", NUM_TOO_LARGE, 0 },
	{ "99999999999999999999", NUM_TOO_LARGE, 0 },
	{ "0x0", NUM_OK, 0 },
	{ "0x10", NUM_OK, 16 },
	{ "0X1f", NUM_OK, 31 },
	{ "0x0fff", NUM_OK, 0xfff },			/* hex may have leading zeros */
	{ "0xffffffffffffffff", NUM_OK, UINT64_MAX },
	{ "0x10000000000000000", NUM_TOO_LARGE, 0 },
	{ "010", NUM_LEADING_ZERO, 0 },			/* octal to strtoul(…, 0) */
	{ "00", NUM_LEADING_ZERO, 0 },
	{ "", NUM_EMPTY, 0 },
	{ "0x", NUM_SYNTAX, 0 },
	{ "+5", NUM_SYNTAX, 0 },
	{ "-5", NUM_SYNTAX, 0 },
	{ " 5", NUM_SYNTAX, 0 },
	{ "5 ", NUM_SYNTAX, 0 },
	{ "5k", NUM_SYNTAX, 0 },
	{ "0b1", NUM_SYNTAX, 0 },
	{ "0o7", NUM_SYNTAX, 0 },
	{ "1e3", NUM_SYNTAX, 0 },
	{ "0xg", NUM_SYNTAX, 0 },
	{ "12a", NUM_SYNTAX, 0 },
};

TEST(numbers_are_decimal_or_hex_and_nothing_else)
{
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 0xdead;
		enum num_err e = num_parse_u64(cases[i].in, &v);

		if (e != cases[i].want)
			th_fail(__FILE__, __LINE__, "'%s': got %d, want %d", cases[i].in, e, cases[i].want);
		else if (e == NUM_OK && v != cases[i].val)
			th_fail(__FILE__, __LINE__, "'%s': got %llu", cases[i].in, (unsigned long long)v);
		else if (e != NUM_OK && v != 0xdead)
			th_fail(__FILE__, __LINE__, "'%s': the output changed on an error", cases[i].in);
		EXPECT(strlen(num_strerror(e)) > 0);
	}
	EXPECT_EQ(num_parse_u64(NULL, &(uint64_t){ 0 }), NUM_EMPTY);
}
