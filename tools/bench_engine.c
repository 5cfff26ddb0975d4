/* SPDX-License-Identifier: MIT */
/* The engine benchmarks' common ground (bench_engine.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "bench_engine.h"

void bench_w16(struct bench *b, uint64_t a, uint16_t v) { b->ram[a] = v >> 8; b->ram[a + 1] = (uint8_t)v; }
void bench_w32(struct bench *b, uint64_t a, uint32_t v) { bench_w16(b, a, v >> 16); bench_w16(b, a + 2, (uint16_t)v); }
void bench_w64(struct bench *b, uint64_t a, uint64_t v) { bench_w32(b, a, v >> 32); bench_w32(b, a + 4, (uint32_t)v); }
uint64_t bench_r64(struct bench *b, uint64_t a)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | b->ram[a + i];
	return v;
}

double bench_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int bench_insn(struct bench *b, uint16_t ipa, uint32_t ipb)
{
	int rc = zv_intercept(b->m, &b->cpu, ipa, ipb);

	if (rc) {
		fprintf(stderr, "zvfio bench: intercept %04x failed: %d\n", ipa, rc);
		exit(1);
	}
	return (int)((b->cpu.psw_mask >> ZV_PSW_CC_SHIFT) & 3);
}

const char *bench_dev_spec;

/* A machine with one function, enabled, with tables registered over
 * [SDMA, SDMA + window). */
void bench_setup(struct bench *b, uint64_t ram, uint64_t window, unsigned maps, bool per_page)
{
	char spec[128], err[320];

	memset(b, 0, sizeof(*b));
	b->ram_size = ram;
	b->ram = mmap(NULL, ram, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		      -1, 0);
	if (b->ram == MAP_FAILED) {
		perror("zvfio bench: mmap");
		exit(1);
	}
	struct zv_mem_region mem = { 0, ram, b->ram };
	struct zv_machine_config cfg = { .mem = &mem, .n_mem = 1,
					 .flags = per_page ? ZV_MACHINE_DMA_PER_PAGE : 0 };
	b->m = zv_machine_create(&cfg);
	if (bench_dev_spec)
		snprintf(spec, sizeof(spec), "%s,rtr=1", bench_dev_spec);
	else
		snprintf(spec, sizeof(spec), "emu:dma,maps=%u,rtr=1", maps);
	b->f = b->m ? zv_function_add_spec(b->m, spec, err, sizeof(err)) : NULL;
	if (!b->f) {
		fprintf(stderr, "zvfio bench: %s\n", b->m ? err : strerror(errno));
		exit(1);
	}
	b->cpu.psw_mask = ZV_PSW_MASK_EA | ZV_PSW_MASK_BA;
	/* CLP SET PCI FN enable */
	bench_w16(b, LPCB, 32);
	bench_w16(b, LPCB + 2, 5);
	bench_w32(b, LPCB + 0x10, zv_function_fh(b->f));
	b->ram[LPCB + 0x17] = 1;
	bench_w16(b, LPCB + 32, 64);
	b->cpu.gpr[2] = LPCB;
	bench_insn(b, 0xb9a0, 0x02 << 24 | 2 << 16);
	b->fh = (uint32_t)(bench_r64(b, LPCB + 32 + 0x10) >> 32);
	/* region-third table, all invalid; MPCIFC register IOAT */
	for (int i = 0; i < 2048; i++)
		bench_w64(b, RT_ADDR + 8 * i, 0x20);
	memset(b->ram + FIB, 0, 80);
	bench_w64(b, FIB + 0x10, SDMA);
	bench_w64(b, FIB + 0x18, SDMA + window - 1);
	bench_w64(b, FIB + 0x20, RT_ADDR | 0x804);
	b->cpu.gpr[1] = (uint64_t)b->fh << 32 | 4;
	b->cpu.gpr[5] = FIB;
	if (bench_insn(b, 0xe310, 5u << 28 | 0xd0)) {
		fprintf(stderr, "zvfio bench: register IOAT failed\n");
		exit(1);
	}
	b->next_table = TABLES;
}

void bench_teardown(struct bench *b)
{
	zv_machine_destroy(b->m);
	munmap(b->ram, b->ram_size);
}

uint64_t bench_table(struct bench *b, uint64_t size, uint64_t align, uint64_t invalid)
{
	uint64_t t = (b->next_table + align - 1) & ~(align - 1);

	b->next_table = t + size;
	for (uint64_t i = 0; i < size / 8; i++)
		bench_w64(b, t + 8 * i, invalid);
	return t;
}

uint64_t bench_pte_addr(struct bench *b, uint64_t iova)
{
	uint64_t rtep = RT_ADDR + 8 * ((iova >> 31) & 0x7ff), rte = bench_r64(b, rtep), stp, ste;

	if (rte & 0x20) {
		rte = bench_table(b, 16384, 16384, 0x20) | 0x07;
		bench_w64(b, rtep, rte);
	}
	stp = (rte & ~0x3fffULL) + 8 * ((iova >> 20) & 0x7ff);
	ste = bench_r64(b, stp);
	if (ste & 0x20) {
		ste = bench_table(b, 2048, 2048, 0x400);
		bench_w64(b, stp, ste);
	}
	return (ste & ~0x7ffULL) + 8 * ((iova >> 12) & 0xff);
}

void bench_set_pte(struct bench *b, uint64_t iova, uint64_t frame, bool valid)
{
	bench_w64(b, bench_pte_addr(b, iova), valid ? frame : 0x400);
}

/* RPCIT(start, len), reissued while it answers cc 2 (busy: a bounded step
 * was done), as Linux's zpci_refresh_trans does; returns the final cc */
int bench_rpcit_cc(struct bench *b, uint64_t start, uint64_t len)
{
	int cc;

	do {
		b->cpu.gpr[1] = (uint64_t)b->fh << 32;
		b->cpu.gpr[2] = start;
		b->cpu.gpr[3] = len;
		cc = bench_insn(b, 0xb9d3, 0x12 << 16);
	} while (cc == 2);
	return cc;
}

