/* SPDX-License-Identifier: MIT */
/*
 * zvfio bench steps: how long one intercept takes at worst, whatever the
 * guest built up before it (docs/RELIABILITY.md). Each workload is run for
 * N held mappings and for 16 N side by side: the engine answers cc 2 (or
 * CLP "function busy") and continues, so the worst intercept stays the
 * same while the total grows with the work. The engine is driven directly
 * through zv_intercept() on emu:dma with no mapping limit.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_engine.h"
#include "cli.h"

#define FRAMES (256ULL << 20)	/* DMA frames from 256 MiB (tables below): 16384 */

struct steps {
	unsigned n;		/* intercepts */
	double total, worst;	/* seconds */
	int end;		/* the final cc or CLP response code */
};

/* The thread's CPU time: a step preempted on a shared machine is not a
 * long step. */
static double cpu_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void step_time(struct steps *s, double t0)
{
	double d = cpu_now() - t0;

	s->n++;
	s->total += d;
	if (d > s->worst)
		s->worst = d;
}

/* RPCIT over [start, start + len) until it answers other than cc 2 */
static void rpcit_steps(struct bench *b, uint64_t start, uint64_t len, struct steps *s)
{
	memset(s, 0, sizeof(*s));
	do {
		double t0 = cpu_now();

		b->cpu.gpr[1] = (uint64_t)b->fh << 32;
		b->cpu.gpr[2] = start;
		b->cpu.gpr[3] = len;
		s->end = bench_insn(b, 0xb9d3, 0x12 << 16);
		step_time(s, t0);
	} while (s->end == 2);
}

/* MPCIFC oc with the FIB at FIB until it answers other than cc 2 */
static void mpcifc_steps(struct bench *b, uint8_t oc, struct steps *s)
{
	memset(s, 0, sizeof(*s));
	do {
		double t0 = cpu_now();

		b->cpu.gpr[1] = (uint64_t)b->fh << 32 | oc;
		b->cpu.gpr[5] = FIB;
		s->end = bench_insn(b, 0xe310, 5u << 28 | 0xd0);
		step_time(s, t0);
	} while (s->end == 2);
}

/* CLP SET PCI FUNCTION disable until the answer is not 0x0108 (busy) */
static void disable_steps(struct bench *b, struct steps *s)
{
	memset(s, 0, sizeof(*s));
	do {
		double t0 = cpu_now();

		memset(b->ram + LPCB, 0, 128);
		bench_w16(b, LPCB, 32);
		bench_w16(b, LPCB + 2, 5);
		bench_w32(b, LPCB + 0x10, b->fh);
		b->ram[LPCB + 0x16] = 1;
		bench_w16(b, LPCB + 32, 64);
		b->cpu.gpr[2] = LPCB;
		bench_insn(b, 0xb9a0, 0x02 << 24 | 2 << 16);
		s->end = (int)(bench_r64(b, LPCB + 32) >> 32 & 0xffff);
		step_time(s, t0);
	} while (s->end == 0x0108);
}

/* n single-page mappings, every other page (so none coalesce) */
static void scatter(struct bench *b, uint64_t n, bool valid)
{
	for (uint64_t i = 0; i < n; i++)
		bench_set_pte(b, SDMA + 2 * i * PAGE, FRAMES + (i % 16384) * PAGE, valid);
}

static void row(const char *what, uint64_t n, const struct steps *s)
{
	printf("%-24s %9" PRIu64 " %11u %11.2f ms %10.3f ms %9.1f us   %#x\n", what, n, s->n,
	       s->total * 1e3, s->worst * 1e3, s->total * 1e6 / s->n, s->end);
}

/* Map, invalidate, deregister and disable with n scattered mappings:
 * rows printed, the worst intercept of all returned. */
static double scattered(uint64_t n)
{
	struct bench b;
	struct steps s;
	uint64_t window = 2 * n * PAGE;
	double w = 0;

	bench_setup(&b, FRAMES + (64ULL << 20), window, UINT32_MAX, false);
	scatter(&b, n, true);
	rpcit_steps(&b, SDMA, window, &s);
	row("map (RPCIT)", n, &s);
	w = s.worst > w ? s.worst : w;
	scatter(&b, n, false);
	rpcit_steps(&b, SDMA, window, &s);
	row("invalidate (RPCIT)", n, &s);
	w = s.worst > w ? s.worst : w;
	scatter(&b, n, true);
	rpcit_steps(&b, SDMA, window, &s);
	mpcifc_steps(&b, 5, &s);	/* deregister IOAT */
	row("deregister (MPCIFC)", n, &s);
	w = s.worst > w ? s.worst : w;
	/* the FIB still names the same window and tables: register again */
	mpcifc_steps(&b, 4, &s);
	rpcit_steps(&b, SDMA, window, &s);
	disable_steps(&b, &s);
	row("disable (CLP)", n, &s);
	w = s.worst > w ? s.worst : w;
	bench_teardown(&b);
	return w;
}

/* One RPCIT over gib GiB: every region entry points at one segment table
 * whose entries all point at one page table of 256 valid pages -- a
 * hostile guest's billions of valid entries from a few KiB of tables. */
static double huge(uint64_t gib)
{
	struct bench b;
	struct steps s;
	uint64_t window = gib << 30, st, pt;

	bench_setup(&b, FRAMES + (16ULL << 20), window, UINT32_MAX, false);
	pt = bench_table(&b, 2048, 2048, 0x400);
	for (unsigned i = 0; i < 256; i++)
		bench_w64(&b, pt + 8 * i, FRAMES + i * PAGE);
	st = bench_table(&b, 16384, 16384, 0x20);
	for (unsigned i = 0; i < 2048; i++)
		bench_w64(&b, st + 8 * i, pt);
	for (uint64_t r = 0; r < (window + (2ULL << 30) - 1) >> 31; r++)
		bench_w64(&b, RT_ADDR + 8 * (((SDMA >> 31) + r) & 0x7ff), st | 0x07);
	rpcit_steps(&b, SDMA, window, &s);
	row("huge refresh (RPCIT)", window / PAGE, &s);
	bench_teardown(&b);
	return s.worst;
}

int bench_steps(int argc, char **argv);
int bench_steps(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mappings", required_argument, NULL, 'n' },
		{ "gib", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	uint64_t n = 65536, gib = 64;
	bool seen_n = false, seen_g = false;
	double w1, w16;
	int c;

	cli_cmd = "zvfio bench steps";
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			if (!cli_no_operands(argc, argv, optind))
				return EXIT_USAGE;
			printf("usage: zvfio bench steps [--mappings N] [--gib N]\n\n"
			       "The worst time of one intercept, side by side for N and 16 N held\n"
			       "mappings (1..131072, default 65536) of one page each, on emu:dma with\n"
			       "no mapping limit: mapping them with one RPCIT, invalidating them with\n"
			       "one, deregistering (MPCIFC) and disabling (CLP SET PCI FUNCTION); then\n"
			       "one RPCIT over N GiB (1..4096, default 64) of valid entries that share\n"
			       "one page table. The engine answers cc 2 (CLP: 0x0108, function busy)\n"
			       "after a bounded step, and the benchmark reissues the instruction as\n"
			       "Linux does. Columns: mappings or pages, intercepts, their total, worst\n"
			       "and mean time (the thread's CPU time: preemption on a shared machine is\n"
			       "not counted), final cc or CLP response. The last line:\n"
			       "  steps worst-ms=X worst-ratio-16x=Y\n"
			       "(the worst intercept of all, and the worst with 16 N over the worst\n"
			       "with N: about 1 when the work per intercept is bounded).\n"
			       "Exit status: 0, 1 when the engine fails, 2 for a bad command line.\n");
			return 0;
		}
		if (c != 'n' && c != 'g')
			return cli_bad_option(c, argv, optind);
		if ((c == 'n' && seen_n) || (c == 'g' && seen_g))
			return cli_usage_error("%s given twice", c == 'n' ? "--mappings" : "--gib");
		if (c == 'n' && (seen_n = true) && !cli_number("--mappings", optarg, 1, 131072, &n))
			return EXIT_USAGE;
		if (c == 'g' && (seen_g = true) && !cli_number("--gib", optarg, 1, 4096, &gib))
			return EXIT_USAGE;
	}
	if (!cli_no_operands(argc, argv, optind))
		return EXIT_USAGE;
	printf("%-24s %9s %11s %14s %13s %12s   %s\n", "workload", "mappings", "intercepts",
	       "total", "worst", "mean", "end");
	w1 = scattered(n);
	w16 = scattered(16 * n);
	double wh = huge(gib);
	double worst = w1 > w16 ? w1 : w16;

	worst = wh > worst ? wh : worst;
	printf("steps worst-ms=%.3f worst-ratio-16x=%.2f\n", worst * 1e3, w16 / w1);
	return 0;
}
