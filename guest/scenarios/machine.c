/* SPDX-License-Identifier: MIT */
/*
 * Exercises the software machine's ways of ending a run, for the tool's
 * exit-status tests: mode=0 code=N (exit N), 1 (wait forever), 2 (disabled
 * wait), 3 (unexpected program interruption), 4 (a load from outside RAM:
 * an access Unicorn makes itself, which the machine cannot present: it
 * stops), 5 (LDER: Unicorn cannot translate
 * it; the machine stops), 6 (EXRL of an invalid opcode in an intercepted
 * family: the target's operation exception, presented with the EXRL's
 * length and the PSW after it -- the machine used to run the EXECUTE
 * again for ever), 7 ms=N (sleep N ms of guest time on the clock
 * comparator in an enabled wait, then exit 0: whether host time passes
 * too depends on the machine's devices), 8 (the hypercalls' results, as
 * GUEST-ABI.md gives them: exit 0 when each is right)
 */
#include "guest.h"

int guest_main(void);

/* Mode 8: every hypercall that answers, checked against the guest ABI. */
static int abi_results(void)
{
	static char buf[512], small[4];
	static const char line[] = "machine: hypercall results\n";
	size_t len = zv_getargs(buf, sizeof(buf)), tiny = zv_getargs(small, sizeof(small));
	uint64_t t0 = zv_time_ns(), t1 = zv_time_ns(), wrote;
	int bad = 0;

	if (len != strlen(buf) || tiny != len || small[3] || strncmp(small, buf, 3)) {
		printf("machine: GETARGS gave %lu and %lu for '%s'\n", (unsigned long)len,
		       (unsigned long)tiny, buf);
		bad = 1;
	}
	if (!t0 || t1 < t0) {
		printf("machine: TIME went from %lu to %lu\n", (unsigned long)t0, (unsigned long)t1);
		bad = 1;
	}
	wrote = hcall(ZV_HC_WRITE, (uintptr_t)line, sizeof(line) - 1);
	if (wrote != sizeof(line) - 1) {
		printf("machine: WRITE of %lu bytes answered %lu\n", (unsigned long)(sizeof(line) - 1),
		       (unsigned long)wrote);
		bad = 1;
	}
	return bad;
}

/* mode 7's external-interruption handler: the comparator to "never", the
 * old PSW out of its wait state, back */
extern const uint64_t ckc_never;
const uint64_t ckc_never = ~0ULL;
void sleep_ext(void);
asm(".pushsection .text\n"
    ".globl sleep_ext\n"
    "sleep_ext:\n"
    "	stg	%r1,0x1180\n"
    "	larl	%r1,ckc_never\n"
    "	sckc	0(%r1)\n"
    "	ni	0x131,0xfd\n"			/* the old PSW's wait bit */
    "	lg	%r1,0x1180\n"
    "	lpswe	0x130\n"
    ".popsection\n");

static int sleep_ms(uint64_t ms)
{
	static uint64_t wpsw[2] __attribute__((aligned(8))) = { 0x0102000180000000ULL, 0 };
	uint64_t cr0, ckc, t0 = stck();

	*(volatile uint64_t *)(lowcore + 0x1b0) = 0x0000000180000000ULL;
	*(volatile uint64_t *)(lowcore + 0x1b8) = (uintptr_t)sleep_ext;
	asm volatile("stctg %%c0,%%c0,%0" : "=Q"(cr0));
	cr0 |= 0x800;				/* clock-comparator subclass */
	asm volatile("lctlg %%c0,%%c0,%0" : : "Q"(cr0) : "memory");
	ckc = t0 + (ms * 1000 << 12);		/* TOD bit 51 is a microsecond */
	asm volatile("sckc %0" : : "Q"(ckc));
	/* an enabled wait for external interruptions; resumes at 0: */
	asm volatile("larl %%r1,0f\n"
		     "	stg %%r1,8(%0)\n"
		     "	lpswe 0(%0)\n"
		     "0:" : : "a"(wpsw) : "r1", "memory", "cc");
	printf("machine: slept %lu ms of guest time\n", (unsigned long)((stck() - t0) >> 12) / 1000);
	return stck() - t0 >= ms * 1000 << 12 ? 0 : 1;
}

int guest_main(void)
{
	uint64_t mode = arg_u64("mode", 0), code = arg_u64("code", 0);
	static const uint64_t dwait[2] __attribute__((aligned(8))) = {
		0x0002000180000000ULL, 0x1234,		/* wait bit, nothing enabled */
	};

	switch (mode) {
	case 0:	/* exit with code */
		printf("machine: exit %lu\n", (unsigned long)code);
		return (int)code;
	case 1:	/* wait for an interruption no device will send */
		wait_for_interrupt();
		return 0;
	case 2:	/* disabled wait: the machine stops */
		asm volatile("lpswe %0" : : "Q"(dwait) : "memory");
		return 0;
	case 3:	/* an unexpected program interruption: the guest panics */
		pgm_expect();
		asm volatile(".insn rs,0x83000000,%%r0,%%r0,0x123" : : : "memory");
		pgm_code();
		panic("expected");
	case 4: {
		uint64_t far = guest_ram_size + (1ULL << 30);

		uint64_t v;

		asm volatile("lg %0,0(%1)" : "=d"(v) : "a"(far) : "memory");
		return (int)v;
	}
	case 5:
		asm volatile(".insn rre,0xb3240000,%%f0,%%f2" : : : "memory");
		return 0;
	case 6: {
		uint64_t after;
		uint16_t c;

		pgm_expect();
		asm volatile("larl %0,3f\n exrl %%r0,1f\n3: j 2f\n1: .long 0xb2000000\n2:"
			     : "=&a"(after) : : "memory");
		c = pgm_code();
		if (c != 1 || pgm_seen.ilc != 6 || pgm_seen.addr != after) {
			printf("machine: EXRL of an invalid opcode: code %#x ilc %u at %#lx, "
			       "want 0x1, 6, %#lx\n", c, pgm_seen.ilc, (unsigned long)pgm_seen.addr,
			       (unsigned long)after);
			return 1;
		}
		return 0;
	}
	case 7:
		return sleep_ms(arg_u64("ms", 100));
	case 8:
		return abi_results();
	}
	return 3;
}
