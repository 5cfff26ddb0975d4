/* SPDX-License-Identifier: MIT */
/* Command-line helpers shared by the zvfio commands (cli.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "util/num.h"

const char *cli_cmd = "zvfio";

/* An error is one line: control characters from the user's arguments
 * (a newline inside a --device value) are written as \xNN. */
static void put_line(const char *msg)
{
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			fprintf(stderr, "\\x%02x", *p);
		else
			fputc(*p, stderr);
	}
	fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	put_line(msg);
}

int cli_usage_error(const char *fmt, ...)
{
	char msg[1024], line[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "%s: %s (see `%s --help`)", cli_cmd, msg, cli_cmd);
	put_line(line);
	return EXIT_USAGE;
}

static bool in_range(const char *opt, const char *arg, uint64_t v, uint64_t min, uint64_t max)
{
	if (v >= min && v <= max)
		return true;
	cli_usage_error("%s '%s': out of range, want %llu..%llu", opt, arg, (unsigned long long)min,
			(unsigned long long)max);
	return false;
}

bool cli_number(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
	enum num_err e = num_parse_u64(arg, out);

	if (e != NUM_OK) {
		cli_usage_error("%s '%s': %s", opt, arg, num_strerror(e));
		return false;
	}
	return in_range(opt, arg, *out, min, max);
}

bool cli_size(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
	char num[32];
	size_t n = strlen(arg);
	unsigned shift = 0;
	uint64_t v;
	enum num_err e;

	if (n && strchr("kKmMgG", arg[n - 1])) {
		shift = strchr("kK", arg[n - 1]) ? 10 : strchr("mM", arg[n - 1]) ? 20 : 30;
		n--;
	}
	if (n >= sizeof(num)) {
		cli_usage_error("%s '%s': not a size", opt, arg);
		return false;
	}
	memcpy(num, arg, n);
	num[n] = '\0';
	e = num_parse_u64(num, &v);
	if (e != NUM_OK) {
		cli_usage_error("%s '%s': %s", opt, arg, n ? num_strerror(e) : "a number is missing");
		return false;
	}
	if (v > (UINT64_MAX >> shift)) {
		cli_usage_error("%s '%s': too large", opt, arg);
		return false;
	}
	*out = v << shift;
	return in_range(opt, arg, *out, min, max);
}

bool cli_no_operands(int argc, char **argv, int next)
{
	if (next >= argc)
		return true;
	cli_usage_error("unexpected argument '%s'", argv[next]);
	return false;
}

int cli_bad_option(int c, char **argv, int next)
{
	if (c == ':')
		return cli_usage_error("option '%s' needs an argument", argv[next - 1]);
	return cli_usage_error("unknown option '%s'", argv[next - 1]);
}

int cli_once(const char *opt, const char **slot, const char *arg)
{
	if (*slot)
		return cli_usage_error("%s given twice", opt);
	*slot = arg;
	return 0;
}

bool cli_ram_size(const char *opt, const char *arg, uint64_t min, uint64_t *out)
{
	if (!cli_size(opt, arg, min, 64ULL << 30, out))
		return false;
	if (*out % (1u << 20)) {
		cli_usage_error("%s '%s': not a multiple of 1 MiB", opt, arg);
		return false;
	}
	return true;
}
