/* SPDX-License-Identifier: MIT */
/*
 * The freestanding runtime of zvfio guest images: hypercalls (console,
 * exit, arguments, reports, time), a small printf, memory helpers, a bump
 * allocator, interruption plumbing and test assertions.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zvfio/guest_abi.h"	/* hypercall numbers: the ABI's one source */

extern uint64_t guest_ram_size;
extern volatile uint8_t lowcore[8192];

/* ---- hypercalls (DIAG X'500', function code in GPR 1) ---- */
static inline uint64_t hcall(uint32_t fn, uint64_t a, uint64_t b)
{
	register uint64_t r1 asm("1") = fn;
	register uint64_t r2 asm("2") = a;
	register uint64_t r3 asm("3") = b;

	asm volatile(".insn rs,0x83000000,%%r0,%%r0,0x500"
		     : "+d"(r2) : "d"(r1), "d"(r3) : "memory", "cc");
	return r2;
}

static inline void zv_write(const char *s, size_t n) { hcall(ZV_HC_WRITE, (uintptr_t)s, n); }
__attribute__((noreturn)) void zv_exit(int status);
static inline void zv_report(const char *key, uint64_t v) { hcall(ZV_HC_REPORT, (uintptr_t)key, v); }
static inline uint64_t zv_time_ns(void) { return hcall(ZV_HC_TIME, 0, 0); }
/* STORE CLOCK: the TOD clock (bit 51 = 1 microsecond) */
static inline uint64_t stck(void)
{
	uint64_t t;

	__asm__ volatile("stck %0" : "=Q"(t) : : "cc");
	return t;
}
size_t zv_getargs(char *buf, size_t size);
/* Argument "key=value" from the argument string (pairs separated by blanks
 * or commas): the value NUL-terminated into out; false if absent. */
bool arg_str(const char *key, char *out, size_t size);
/* Its decimal value, or def when absent. */
uint64_t arg_u64(const char *key, uint64_t def);

/* ---- output ---- */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- memory ---- */
void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);
/* Zeroed memory from the top of the image upward, aligned to align. */
void *galloc(size_t size, size_t align);

/* ---- tests ---- */
extern unsigned test_failures;
#define CHECK(cond, ...) do { if (!(cond)) { test_failures++; \
	printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); printf(__VA_ARGS__); printf("\n"); } } while (0)
#define CHECK_EQ(a, b) do { uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b); if (a_ != b_) { \
	test_failures++; printf("FAIL %s:%d: %s == %s: got %#llx, want %#llx\n", __FILE__, \
	__LINE__, #a, #b, (unsigned long long)a_, (unsigned long long)b_); } } while (0)
__attribute__((noreturn)) void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- PSW and interruptions ---- */
#define PSW_IO     0x0200000000000000ULL
#define PSW_EXT    0x0100000000000000ULL
#define PSW_MCHECK 0x0004000000000000ULL
#define PSW_WAIT   0x0002000000000000ULL
#define PSW_PSTATE 0x0001000000000000ULL
#define PSW_64     0x0000000180000000ULL

void cr_set_bits(int cr, uint64_t bits);
/* Enable I/O and machine-check interruptions in the PSW. */
void irq_enable(void);
void irq_disable(void);
/* Wait for any interruption (enabled wait), with I/O and machine checks on. */
void wait_for_interrupt(void);
/* Run fn in problem state; returns when a program interruption (which the
 * handler turns back into supervisor state) or fn's end takes us back. */
void run_in_problem_state(void (*fn)(void));

/* Program interruptions: a test arms an expectation, runs the instruction,
 * and reads what the handler saw. Unexpected ones fail the run. */
struct pgm_seen {
	unsigned count;
	uint16_t code, ilc;
	uint64_t addr;		/* old PSW address */
	uint64_t teid;		/* translation-exception identification (168) */
};
/* An expected DAT exception (0x10, 0x11, 0x38-0x3b) is skipped: the handler
 * moves the old PSW past the instruction, which would fault again. */
extern volatile struct pgm_seen pgm_seen;
void pgm_expect(void);
/* 0 if no program interruption happened since pgm_expect(). */
uint16_t pgm_code(void);

static inline uint64_t bswap64(uint64_t v) { return __builtin_bswap64(v); }
static inline uint32_t bswap32(uint32_t v) { return __builtin_bswap32(v); }

/* Little-endian values (PCI, NVMe, virtio structures) in memory a device
 * reads or writes by DMA; this guest is big-endian. Volatile: the device
 * changes them behind the compiler's back. */
static inline void st_le16(volatile void *p, uint16_t v) { *(volatile uint16_t *)p = __builtin_bswap16(v); }
static inline void st_le32(volatile void *p, uint32_t v) { *(volatile uint32_t *)p = bswap32(v); }
static inline void st_le64(volatile void *p, uint64_t v) { *(volatile uint64_t *)p = bswap64(v); }
static inline uint16_t ld_le16(const volatile void *p) { return __builtin_bswap16(*(const volatile uint16_t *)p); }
static inline uint32_t ld_le32(const volatile void *p) { return bswap32(*(const volatile uint32_t *)p); }
static inline uint64_t ld_le64(const volatile void *p) { return bswap64(*(const volatile uint64_t *)p); }

#endif
