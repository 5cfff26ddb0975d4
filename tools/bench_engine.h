/* SPDX-License-Identifier: MIT */
/*
 * What the engine benchmarks share (bench_rpcit.c, bench_steps.c): a
 * machine with one function driven directly through zv_intercept() over
 * synthetic guest memory, and guest translation tables built in it.
 */
#ifndef ZV_TOOLS_BENCH_ENGINE_H
#define ZV_TOOLS_BENCH_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "zvfio/zvfio.h"

#define PAGE 4096ULL
#define SDMA 0x100000000ULL
#define RT_ADDR 0x10000ULL		/* region-third table */
#define LPCB 0x4000ULL
#define FIB 0x8000ULL
#define TABLES 0x100000ULL		/* segment and page tables from here */

struct bench {
	uint8_t *ram;
	uint64_t ram_size, next_table;
	struct zv_machine *m;
	struct zv_function *f;
	uint32_t fh;
	struct zv_cpu cpu;
};

/* The device under test: NULL for emu:dma with the given mapping limit,
 * else a spec such as "vfio:0000:00:03.0" (the host's own limit). */
extern const char *bench_dev_spec;

void bench_w16(struct bench *b, uint64_t a, uint16_t v);
void bench_w32(struct bench *b, uint64_t a, uint32_t v);
void bench_w64(struct bench *b, uint64_t a, uint64_t v);
uint64_t bench_r64(struct bench *b, uint64_t a);
double bench_now(void);
/* One intercept; exits on an engine failure. The condition code. */
int bench_insn(struct bench *b, uint16_t ipa, uint32_t ipb);
/* A machine with one function, enabled, with tables registered over
 * [SDMA, SDMA + window); exits on failure. */
void bench_setup(struct bench *b, uint64_t ram, uint64_t window, unsigned maps, bool per_page);
void bench_teardown(struct bench *b);
/* A table of size bytes, aligned, every entry the invalid value. */
uint64_t bench_table(struct bench *b, uint64_t size, uint64_t align, uint64_t invalid);
/* The page-table entry for iova (tables made as needed). */
uint64_t bench_pte_addr(struct bench *b, uint64_t iova);
void bench_set_pte(struct bench *b, uint64_t iova, uint64_t frame, bool valid);
/* RPCIT reissued while cc 2, as Linux does; the final cc. */
int bench_rpcit_cc(struct bench *b, uint64_t start, uint64_t len);

#endif
