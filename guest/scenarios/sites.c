/* SPDX-License-Identifier: MIT */
/*
 * Does an intercept cost more when the guest has more intercepted
 * instructions (sites)? The guest writes n distinct SIC instructions into
 * memory and runs them once, so the machine has met all of them, then
 * times a loop around one more SIC (hot: what a site costs among n), and
 * a sweep through all n (every site again: Unicorn's own cost of n
 * translated blocks comes in here). Prints "bench sites-hot ns=X" and
 * "bench sites-sweep ns=Y".
 * args: n=N sites (default 1000), loops=M hot iterations (default 200000)
 */
#include "guest.h"

int guest_main(void);

static void line(const char *name, uint64_t ns_total, uint64_t n)
{
	uint64_t milli = ns_total * 1000 / n;

	printf("bench %-22s ns=%lu.%03lu  (%lu intercepts)\n", name, (unsigned long)(milli / 1000),
	       (unsigned long)(milli % 1000), (unsigned long)n);
}

/* SIC mode 1 (single), ISC 0: SIC %r1,%r2 */
static const uint8_t sic[6] = { 0xeb, 0x12, 0x00, 0x00, 0x00, 0xd1 };

/* Call generated code with R1 = 1 (SIC mode), R2 = 0 (ISC 0), R4 = count. */
static void call(void *code, uint64_t count)
{
	register uint64_t r1 asm("1") = 1;
	register uint64_t r2 asm("2") = 0;
	register uint64_t r4 asm("4") = count;

	asm volatile("basr %%r14,%[code]"
		     : "+d"(r4), "+d"(r1), "+d"(r2)
		     : [code] "a"(code)
		     : "r0", "r3", "r5", "r14", "memory", "cc");
}

int guest_main(void)
{
	uint64_t n = arg_u64("n", 1000), loops = arg_u64("loops", 200000), t;
	uint8_t *sweep = galloc(6 * n + 2, 8), *hot = galloc(16, 8);

	if (!n)
		panic("sites: n must be at least 1");
	/* n - 1 sites in a row, then BR %r14; the hot loop is the n-th:
	 * loop: SIC; BRCTG %r4,loop; BR %r14 */
	for (uint64_t i = 0; i + 1 < n; i++)
		memcpy(sweep + 6 * i, sic, 6);
	sweep[6 * (n - 1)] = 0x07;
	sweep[6 * (n - 1) + 1] = 0xfe;
	memcpy(hot, sic, 6);
	hot[6] = 0xa7; hot[7] = 0x47; hot[8] = 0xff; hot[9] = 0xfd;	/* brctg %r4,.-6 */
	hot[10] = 0x07; hot[11] = 0xfe;
	/* meet every site once */
	call(sweep, 0);
	call(hot, 1);
	t = zv_time_ns();
	call(hot, loops);
	line("sites-hot", zv_time_ns() - t, loops);
	if (n > 1) {
		uint64_t rounds = (loops / 4 + n - 2) / (n - 1);

		if (rounds < 3)
			rounds = 3;
		t = zv_time_ns();
		for (uint64_t r = 0; r < rounds; r++)
			call(sweep, 0);
		line("sites-sweep", zv_time_ns() - t, rounds * (n - 1));
	}
	return 0;
}
