/* SPDX-License-Identifier: MIT */
/*
 * zvfio bench irq: interrupt latency from a device event to the guest's
 * handler, side by side with a raw eventfd hop measured in the same run.
 *
 * raw:   a thread writes an eventfd that another thread waits on in poll();
 *        latency = write -> the waiter's return (one wake-up).
 * zvfio: a host thread, the "device", writes the MSI-X vector's trigger
 *        eventfd (the one VFIO would signal) while the guest idles in an
 *        enabled wait; latency = write -> the guest's handler, through
 *        zv_dispatch, the AIBV/AISB bits and the adapter interruption.
 * Both one event at a time (the next after the previous was seen).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "arch/be.h"
#include "cli.h"
#include "zvfio/softcpu.h"
#include "zvfio/zvfio.h"

#define MAILBOX 0x3000ULL	/* guest/scenarios/irqlat.c */

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* ---- raw eventfd hop ---- */

struct raw {
	int efd;
	unsigned n;
	uint64_t *lat;
	volatile uint64_t t0;
	volatile unsigned seen;
};

static void *raw_waiter(void *arg)
{
	struct raw *r = arg;
	struct pollfd p = { .fd = r->efd, .events = POLLIN };
	uint64_t v;

	for (unsigned i = 0; i < r->n; i++) {
		while (poll(&p, 1, -1) < 0 && errno == EINTR)
			;
		r->lat[i] = now_ns() - r->t0;
		if (read(r->efd, &v, sizeof(v)) != sizeof(v))
			break;
		__atomic_store_n(&r->seen, i + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void raw_run(unsigned n, uint64_t *lat)
{
	struct raw r = { .efd = eventfd(0, EFD_CLOEXEC), .n = n, .lat = lat };
	uint64_t one = 1;
	pthread_t t;

	pthread_create(&t, NULL, raw_waiter, &r);
	for (unsigned i = 0; i < n; i++) {
		while (__atomic_load_n(&r.seen, __ATOMIC_ACQUIRE) < i)
			;
		usleep(20);	/* let the waiter block, as the guest does */
		r.t0 = now_ns();
		if (write(r.efd, &one, sizeof(one)) != sizeof(one))
			break;
	}
	pthread_join(t, NULL);
	close(r.efd);
}

/* ---- the zvfio path ---- */

struct dev_thread {
	uint8_t *ram;
	unsigned n;
	volatile int fd;	/* the vector's eventfd, once the guest is ready */
	volatile int stop;
};

/* the mailbox is guest memory: big-endian whatever the host's order */
static uint64_t mb_get(uint8_t *ram, unsigned field)
{
	return be64_get(ram + MAILBOX + 8 * field);
}

static void mb_put(uint8_t *ram, unsigned field, uint64_t v)
{
	be64_put(ram + MAILBOX + 8 * field, v);
}

/* v as the guest stores it, for comparing whole words in place */
static uint64_t guest_u64(uint64_t v)
{
	uint8_t b[8];
	uint64_t w;

	be64_put(b, v);
	memcpy(&w, b, 8);
	return w;
}

static void *device_thread(void *arg)
{
	struct dev_thread *d = arg;
	uint64_t one = 1;

	while (d->fd < 0 && !d->stop)
		usleep(1000);
	for (unsigned i = 0; i < d->n && !d->stop; i++) {
		/* the guest's ack (field 2) says it handled the previous one */
		while (__atomic_load_n((volatile uint64_t *)(d->ram + MAILBOX + 16), __ATOMIC_ACQUIRE) !=
			       guest_u64(i) && !d->stop)
			;
		usleep(20);	/* let the guest reach its wait */
		mb_put(d->ram, 1, now_ns());
		__atomic_thread_fence(__ATOMIC_RELEASE);
		if (write(d->fd, &one, sizeof(one)) != sizeof(one))
			break;
	}
	return NULL;
}

struct prog {
	struct dev_thread *d;
	struct zv_function *f;
};

/* runs in the machine's thread: hand the device thread the vector's
 * eventfd once the guest has set everything up */
static void on_progress(void *opaque, struct zv_softcpu *sc)
{
	struct prog *p = opaque;
	struct zv_irq_route r;

	(void)sc;
	if (p->d->fd < 0 && mb_get(p->d->ram, 0) == 1 && zv_function_irq_route(p->f, 0, &r) == 0)
		p->d->fd = r.eventfd;
}

int bench_irq(int argc, char **argv, const char *guest);
int bench_irq(int argc, char **argv, const char *guest)
{
	static const struct option opts[] = {
		{ "events", required_argument, NULL, 'n' },
		{ "guest", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	uint64_t n = 20000;
	char err[256], args[64];
	bool have_n = false, have_guest = false;
	int c;

	cli_cmd = "zvfio bench irq";
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			if (!cli_no_operands(argc, argv, optind))
				return EXIT_USAGE;
			printf("usage: zvfio bench irq [--events N] [--guest FILE]\n\n"
			       "Latency from a device's MSI-X event to the guest's handler, side by\n"
			       "side with a raw eventfd wake-up measured in the same run, N events\n"
			       "each (100..10000000, default 20000). The guest image is irqlat.elf,\n"
			       "by default guest/irqlat.elf next to the zvfio binary (build/guest/ for\n"
			       "build/zvfio; ./guest/ when zvfio was found through PATH).\n"
			       "The last line: irq p50-ratio=X p99-ratio=Y (zvfio / raw).\n"
			       "Exit status: 0, 1 when the guest fails, 2 for a bad command line.\n");
			return 0;
		case 'g':
			if (have_guest)
				return cli_usage_error("--guest given twice");
			guest = optarg;
			have_guest = true;
			break;
		case 'n':
			if (have_n)
				return cli_usage_error("--events given twice");
			if (!cli_number("--events", optarg, 100, 10000000, &n))
				return EXIT_USAGE;
			have_n = true;
			break;
		default:
			return cli_bad_option(c, argv, optind);
		}
	}
	if (!cli_no_operands(argc, argv, optind))
		return EXIT_USAGE;
	uint64_t *raw = malloc(n * sizeof(*raw));
	if (!raw)
		return 1;
	raw_run((unsigned)n, raw);
	qsort(raw + 1, n - 1, sizeof(*raw), cmp_u64);
	uint64_t raw50 = raw[1 + (n - 1) / 2], raw99 = raw[1 + (n - 1) * 99 / 100];
	free(raw);

	snprintf(args, sizeof(args), "n=%llu", (unsigned long long)n);
	struct dev_thread d = { .n = (unsigned)n, .fd = -1 };
	struct prog p = { .d = &d };
	struct zv_softcpu_config cfg = { .timeout_s = 300, .args = args, .progress = on_progress,
					 .progress_opaque = &p };
	struct zv_softcpu *sc = zv_softcpu_create(&cfg, err, sizeof(err));
	int status = 1;
	pthread_t t;

	if (!sc || !(p.f = zv_function_add_spec(zv_softcpu_machine(sc), "emu:dma", err, sizeof(err))) ||
	    zv_softcpu_load_elf(sc, guest, err, sizeof(err))) {
		fprintf(stderr, "zvfio bench irq: %s\n", err);
		zv_softcpu_destroy(sc);
		return 1;
	}
	d.ram = zv_softcpu_ram(sc);
	pthread_create(&t, NULL, device_thread, &d);
	enum zv_run_end how = zv_softcpu_run(sc, &status);
	d.stop = 1;
	pthread_join(t, NULL);
	if (how != ZV_RUN_EXIT || status) {
		fprintf(stderr, "zvfio bench irq: guest failed: %s\n", zv_softcpu_message(sc));
		zv_softcpu_destroy(sc);
		return 1;
	}
	uint64_t z50 = 0, z99 = 0, rate = 0, v;
	const char *key;
	for (unsigned i = 0; (key = zv_softcpu_report(sc, i, &v)); i++) {
		if (!strcmp(key, "irq_p50_ns"))
			z50 = v;
		else if (!strcmp(key, "irq_p99_ns"))
			z99 = v;
		else if (!strcmp(key, "irq_per_s"))
			rate = v;
	}
	zv_softcpu_destroy(sc);
	printf("%-34s %10s %10s\n", "", "p50", "p99");
	printf("%-34s %8.2f us %8.2f us\n", "raw eventfd wake-up", raw50 / 1e3, raw99 / 1e3);
	printf("%-34s %8.2f us %8.2f us   %" PRIu64 " interrupts/s\n",
	       "device event -> guest handler", z50 / 1e3, z99 / 1e3, rate);
	printf("irq p50-ratio=%.2f p99-ratio=%.2f\n", (double)z50 / (double)raw50,
	       (double)z99 / (double)raw99);
	return 0;
}
