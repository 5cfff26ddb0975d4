/* SPDX-License-Identifier: MIT */
/*
 * The guest half of `zvfio bench irq`: waits for interrupts a host thread
 * raises on vector 0, one at a time, and measures each from the host's
 * timestamp in the mailbox to its handler. Reports p50, p99 and the rate.
 * Mailbox at absolute 0x3000 (see tools/bench_irq.c): ready, t0, ack.
 */
#include "emu_dma_drv.h"
#include "guest.h"

int guest_main(void);

struct mailbox {
	volatile uint64_t ready, t0, ack, n;
};
#define MB ((struct mailbox *)0x3000)

static uint64_t *lat;

static void handler(struct zdev *z, unsigned vec)
{
	uint64_t t1 = zv_time_ns(), i = MB->ack;

	(void)z;
	(void)vec;
	if (i < MB->n)
		lat[i] = t1 - MB->t0;
	MB->ack = i + 1;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void sort(uint64_t *v, uint64_t n)	/* shell sort, no libc here */
{
	for (uint64_t gap = n / 2; gap; gap /= 2)
		for (uint64_t i = gap; i < n; i++)
			for (uint64_t j = i; j >= gap && cmp(&v[j - gap], &v[j]) > 0; j -= gap) {
				uint64_t t = v[j];

				v[j] = v[j - gap];
				v[j - gap] = t;
			}
}

int guest_main(void)
{
	uint64_t n = arg_u64("n", 20000), t0;

	lat = galloc(n * 8, 8);
	if (zpci_bringup_all(1, handler) < 1)
		panic("irqlat needs one function");
	MB->n = n;
	MB->ack = 0;
	irq_disable();
	MB->ready = 1;
	while (MB->ack == 0)
		wait_for_interrupt();
	t0 = zv_time_ns();
	while (MB->ack < n)
		wait_for_interrupt();
	uint64_t ns = zv_time_ns() - t0;
	sort(lat + 1, n - 1);		/* the first one waited for the host thread */
	zv_report("irq_p50_ns", lat[1 + (n - 1) / 2]);
	zv_report("irq_p99_ns", lat[1 + (n - 1) * 99 / 100]);
	zv_report("irq_per_s", (n - 1) * 1000000000ULL / (ns ? ns : 1));
	return 0;
}
