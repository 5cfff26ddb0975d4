/* SPDX-License-Identifier: MIT */
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

struct th_test {
	const char *name;
	th_fn fn;
};

static struct th_test tests[1024];
static unsigned ntests, cur_failures;

void th_register(const char *name, th_fn fn)
{
	if (ntests == sizeof(tests) / sizeof(tests[0])) {
		fprintf(stderr, "too many tests\n");
		exit(2);
	}
	tests[ntests].name = name;
	tests[ntests++].fn = fn;
}

void th_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	cur_failures++;
	fprintf(stdout, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

int main(int argc, char **argv)
{
	unsigned passed = 0, failed = 0;

	for (unsigned i = 0; i < ntests; i++) {
		if (argc > 1 && !strstr(tests[i].name, argv[1]))
			continue;
		cur_failures = 0;
		tests[i].fn();
		printf("%s %s\n", cur_failures ? "FAIL" : "ok  ", tests[i].name);
		if (cur_failures)
			failed++;
		else
			passed++;
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}

const char *th_guest_image(const char *name)
{
	static char path[PATH_MAX + 64];
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return name;
	exe[n] = 0;
	snprintf(path, sizeof(path), "%s/../../guest/%s", dirname(exe), name);
	return path;
}
