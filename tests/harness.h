/* SPDX-License-Identifier: MIT */
/*
 * A minimal unit-test harness: TEST() registers a test; EXPECT*() record
 * failures without stopping the test; the binary prints one line per test
 * and ends with "N passed, N failed". `tests/run-unit.sh` adds them up.
 */
#ifndef ZV_TEST_HARNESS_H
#define ZV_TEST_HARNESS_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef void (*th_fn)(void);
void th_register(const char *name, th_fn fn);
void th_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The path of the build's guest image name (<build>/guest/NAME), from the
 * test binary's own place, <build>/tests/DIR/; a static buffer. */
const char *th_guest_image(const char *name);

#define TEST(name)                                                              \
	static void name(void);                                                 \
	__attribute__((constructor)) static void th_reg_##name(void)            \
	{                                                                       \
		th_register(#name, name);                                       \
	}                                                                       \
	static void name(void)

#define EXPECT(cond)                                                            \
	do {                                                                    \
		if (!(cond))                                                    \
			th_fail(__FILE__, __LINE__, "%s", #cond);               \
	} while (0)

#define EXPECT_EQ(a, b)                                                         \
	do {                                                                    \
		uint64_t th_a = (uint64_t)(a), th_b = (uint64_t)(b);            \
		if (th_a != th_b)                                               \
			th_fail(__FILE__, __LINE__, "%s == %s: got %#" PRIx64   \
				", want %#" PRIx64, #a, #b, th_a, th_b);        \
	} while (0)

#endif
