/* SPDX-License-Identifier: MIT */
/*
 * What every zvfio command shares: strict numbers (util/num.h: decimal or
 * 0x-hex, no sign, blank, suffix or leading zero), one-line usage errors
 * that name the bad part and exit 2, and the exit statuses.
 */
#ifndef ZV_TOOLS_CLI_H
#define ZV_TOOLS_CLI_H

#include <stdbool.h>
#include <stdint.h>

#define EXIT_FAILED  1		/* the command ran and failed */
#define EXIT_USAGE   2		/* a bad command line, or an input that cannot be used */
#define EXIT_TIMEOUT 124
#define EXIT_MACHINE 125

/* "zvfio run", "zvfio bench irq": the command, for messages */
extern const char *cli_cmd;

/* Print MESSAGE on stderr as one line (control characters as \xNN). */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "CMD: MESSAGE (see `CMD --help`)" on stderr, one line as
 * cli_error; returns EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The argument of option opt as a number in [min, max]; false after
 * printing the error. */
bool cli_number(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *out);
/* A size: a number with an optional K, M or G suffix (binary units). */
bool cli_size(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *out);
/* Guest RAM: a size in [min, 64 GiB], a multiple of 1 MiB; false after
 * printing the error. */
bool cli_ram_size(const char *opt, const char *arg, uint64_t min, uint64_t *out);
/* A string option that may be given once: stores arg in *slot and returns
 * 0, or prints "OPT given twice" and returns EXIT_USAGE. */
int cli_once(const char *opt, const char **slot, const char *arg);
/* getopt_long's leftovers: an error for the first one, if any. */
bool cli_no_operands(int argc, char **argv, int next);
/* getopt_long returned '?' or ':' for argv[next - 1] (next: getopt's optind): the error. */
int cli_bad_option(int c, char **argv, int next);

#endif
