/* SPDX-License-Identifier: MIT */
/*
 * Clock-comparator interruptions while the guest computes with no
 * intercept in its loop: the machine has no hook on every block, so only
 * its kicker thread (src/hv/kicker.c) can stop the CPU when the comparator
 * passes. Each external interruption sets the comparator period TOD units
 * ahead again. The loop increments a counter in storage and a register
 * sum; a block run twice (a stop in a block's middle, where Unicorn 2.0.1
 * would resume at the block's start) or an instruction skipped would show
 * in either. Checks: the counts are exact, ticks arrived (at least one per
 * 100 ms of the loop: room for a loaded machine), every old PSW the handler
 * saw was inside the loop (from its first instruction to the STNSM after
 * it), and the external-interruption code was 0x1004.
 *   n=N (default 100,000,000 iterations), us=P (period, default 100 us)
 */
#include "guest.h"

int guest_main(void);

volatile uint64_t ticks, bad_code, outside;
uint64_t period, loop_lo, loop_hi, tod_tmp;

/* The handler: count, check where it interrupted, set the comparator
 * period ahead, return. Registers 0-3 are saved in the lowcore's free
 * space at 0x1180. */
void ext_entry(void);
asm(".pushsection .text\n"
    ".globl ext_entry\n"
    "ext_entry:\n"
    "	stmg	%r0,%r3,0x1180\n"
    "	larl	%r1,ticks\n"
    "	lg	%r0,0(%r1)\n"
    "	aghi	%r0,1\n"
    "	stg	%r0,0(%r1)\n"
    "	llgh	%r0,0x86\n"			/* the interruption code */
    "	chi	%r0,0x1004\n"
    "	je	1f\n"
    "	larl	%r1,bad_code\n"
    "	stg	%r0,0(%r1)\n"
    "1:	lg	%r0,0x138\n"			/* the old PSW's address */
    "	larl	%r1,loop_lo\n"
    "	clg	%r0,0(%r1)\n"
    "	jl	2f\n"
    "	larl	%r1,loop_hi\n"
    "	clg	%r0,0(%r1)\n"
    "	jnh	3f\n"
    "2:	larl	%r1,outside\n"
    "	lg	%r2,0(%r1)\n"
    "	aghi	%r2,1\n"
    "	stg	%r2,0(%r1)\n"
    "3:	larl	%r3,tod_tmp\n"
    "	stck	0(%r3)\n"
    "	lg	%r0,0(%r3)\n"
    "	larl	%r1,period\n"
    "	ag	%r0,0(%r1)\n"
    "	stg	%r0,0(%r3)\n"
    "	sckc	0(%r3)\n"
    "	lmg	%r0,%r3,0x1180\n"
    "	lpswe	0x130\n"
    ".popsection\n");

int guest_main(void)
{
	uint64_t n = arg_u64("n", 100000000), us = arg_u64("us", 100), cr0, t0, t1, ms;
	static volatile uint64_t counter;
	uint64_t sum = 0, ckc, i = n, lo, hi;
	uint8_t m;

	period = us << 12;			/* TOD bit 51 is a microsecond */
	*(volatile uint64_t *)(lowcore + 0x1b0) = 0x0000000180000000ULL;
	*(volatile uint64_t *)(lowcore + 0x1b8) = (uintptr_t)ext_entry;
	asm volatile("stctg %%c0,%%c0,%0" : "=Q"(cr0));
	cr0 |= 0x800;				/* clock-comparator subclass */
	asm volatile("lctlg %%c0,%%c0,%0" : : "Q"(cr0) : "memory");
	ckc = stck() + period;
	asm volatile("sckc %0" : : "Q"(ckc));
	t0 = zv_time_ns();
	asm volatile("larl	%[lo],0f\n"
		     "	larl	%[hi],1f\n"
		     "	stg	%[lo],%[plo]\n"
		     "	stg	%[hi],%[phi]\n"
		     "	stosm	%[m],0x01\n"		/* external on */
		     "0:	lg	%%r0,%[cnt]\n"
		     "	aghi	%%r0,1\n"
		     "	stg	%%r0,%[cnt]\n"
		     "	agr	%[sum],%[i]\n"
		     "	brctg	%[i],0b\n"
		     "1:	stnsm	%[m],0xfe\n"		/* and off */
		     : [sum] "+d"(sum), [i] "+d"(i), [cnt] "+Q"(counter), [m] "=Q"(m),
		       [plo] "=Q"(loop_lo), [phi] "=Q"(loop_hi), [lo] "=&a"(lo), [hi] "=&a"(hi)
		     : : "0", "cc", "memory");
	t1 = zv_time_ns();
	ms = (t1 - t0) / 1000000;
	printf("tick: %llu iterations in %llu ms, %llu clock-comparator interruptions\n",
	       (unsigned long long)n, (unsigned long long)ms, (unsigned long long)ticks);
	CHECK(counter == n, "the counter in storage is %llu, not %llu",
	      (unsigned long long)counter, (unsigned long long)n);
	CHECK(sum == n * (n + 1) / 2, "the register sum is %llu, not %llu",
	      (unsigned long long)sum, (unsigned long long)(n * (n + 1) / 2));
	CHECK(ticks >= 1 && ticks >= ms / 100, "%llu ticks in %llu ms",
	      (unsigned long long)ticks, (unsigned long long)ms);
	CHECK(!bad_code, "external interruption code %#llx", (unsigned long long)bad_code);
	CHECK(!outside, "%llu interruptions outside the loop", (unsigned long long)outside);
	printf("tick: %u failures\n", test_failures);
	return test_failures ? 1 : 0;
}
