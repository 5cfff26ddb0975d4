/* SPDX-License-Identifier: MIT */
/*
 * The software machine's exits (zv_softcpu_config.exits): zPCI
 * instructions and waits handed to the caller, as KVM_RUN hands exits to
 * a VMM. The guest images are the build's own (the .elf files in <build>/guest, found
 * from this binary's path).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "zvfio/softcpu.h"
#include "zvfio/zvfio.h"


struct outcome {
	enum zv_run_end end;
	int status;
	unsigned zpci_exits, wait_exits;
	struct zv_stats st;
	uint64_t pgm;
};

static struct zv_softcpu *machine(const char *elf, const char *args, const char *spec,
				  uint32_t exits, unsigned timeout)
{
	static FILE *quiet;
	struct zv_softcpu_config cfg = {
		.mem_size = 64 << 20, .args = args, .timeout_s = timeout, .exits = exits,
	};
	char err[256];
	struct zv_softcpu *sc;

	if (!quiet)
		quiet = fopen("/dev/null", "w");	/* the guests' console */
	cfg.console = quiet;
	sc = zv_softcpu_create(&cfg, err, sizeof(err));
	if (!sc) {
		th_fail(__FILE__, __LINE__, "zv_softcpu_create: %s", err);
		return NULL;
	}
	if ((spec && !zv_function_add_spec(zv_softcpu_machine(sc), spec, err, sizeof(err))) ||
	    zv_softcpu_load_elf(sc, th_guest_image(elf), err, sizeof(err))) {
		th_fail(__FILE__, __LINE__, "%s: %s", elf, err);
		zv_softcpu_destroy(sc);
		return NULL;
	}
	return sc;
}

/* Run to the end, answering exits as a VMM would. */
static void run_all(struct zv_softcpu *sc, struct outcome *o)
{
	struct zv_machine *m = zv_softcpu_machine(sc);
	struct zv_softcpu_stats ss;

	memset(o, 0, sizeof(*o));
	for (;;) {
		o->end = zv_softcpu_run(sc, &o->status);
		if (o->end == ZV_RUN_INTERCEPT) {
			struct zv_cpu cpu;
			uint16_t ipa;
			uint32_t ipb;

			o->zpci_exits++;
			if (zv_softcpu_intercept_get(sc, &cpu, &ipa, &ipb)) {
				th_fail(__FILE__, __LINE__, "no intercept after ZV_RUN_INTERCEPT");
				return;
			}
			zv_softcpu_intercept_done(sc, &cpu, zv_intercept(m, &cpu, ipa, ipb));
		} else if (o->end == ZV_RUN_WAIT || o->end == ZV_RUN_EVENTS) {
			struct pollfd p = { .fd = zv_poll_fd(m), .events = POLLIN };

			if (o->end == ZV_RUN_WAIT) {
				o->wait_exits++;
				poll(&p, 1, 50);
			}
			zv_dispatch(m);
		} else {
			break;
		}
	}
	zv_stats_get(m, &o->st);
	zv_softcpu_stats_get(sc, &ss);
	o->pgm = ss.program_interrupts;
}

static void compare(const char *elf, const char *args, const char *spec)
{
	struct outcome inside, outside;
	struct zv_softcpu *sc;

	sc = machine(elf, args, spec, 0, 60);
	if (!sc)
		return;
	run_all(sc, &inside);
	zv_softcpu_destroy(sc);
	sc = machine(elf, args, spec, ZV_SOFTCPU_EXIT_ZPCI | ZV_SOFTCPU_EXIT_WAIT, 60);
	if (!sc)
		return;
	run_all(sc, &outside);
	zv_softcpu_destroy(sc);

	EXPECT_EQ(inside.end, ZV_RUN_EXIT);
	EXPECT_EQ(inside.status, 0);
	EXPECT_EQ(inside.zpci_exits, 0);
	EXPECT_EQ(outside.end, ZV_RUN_EXIT);
	EXPECT_EQ(outside.status, 0);
	/* every zPCI instruction went through the caller, and the guest saw
	 * the same answers: the same instructions, exceptions and DMA */
	uint64_t n = 0;
	for (int i = 0; i < ZV_INSN_COUNT; i++) {
		EXPECT_EQ(outside.st.intercepts[i], inside.st.intercepts[i]);
		n += outside.st.intercepts[i];
	}
	EXPECT(n > 0);
	EXPECT_EQ(outside.zpci_exits, n);
	EXPECT_EQ(outside.st.program_exceptions, inside.st.program_exceptions);
	EXPECT_EQ(outside.pgm, inside.pgm);
	EXPECT_EQ(outside.st.pages_mapped, inside.st.pages_mapped);
	EXPECT_EQ(outside.st.irqs_forwarded, inside.st.irqs_forwarded);
	EXPECT_EQ(outside.st.error_events, inside.st.error_events);
}

TEST(exits_give_the_same_answers_bad_operands)
{
	/* program exceptions from the engine, presented after the caller's
	 * answer; cc and registers from zv_intercept */
	compare("badops.elf", "", "emu:dma");
}

TEST(exits_give_the_same_answers_lifecycle)
{
	compare("lifecycle.elf", "", "emu:dma");
}

TEST(exits_give_the_same_answers_fault_recovery)
{
	compare("fault.elf", "", "emu:dma");
}

TEST(exits_give_the_same_answers_dma_and_interrupts)
{
	compare("dma.elf", "mib=2 irqs=300 buf=256", "emu:dma");
}

TEST(wait_exits_until_timeout)
{
	struct timespec t0, t1;
	struct zv_softcpu_stats ss;
	struct outcome o;
	struct zv_softcpu *sc = machine("machine.elf", "mode=1", NULL, ZV_SOFTCPU_EXIT_WAIT, 1);

	if (!sc)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run_all(sc, &o);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	zv_softcpu_stats_get(sc, &ss);
	/* the guest waits for an interruption nothing sends: the caller gets
	 * the wait back each time it asks, until the timeout ends the run */
	EXPECT_EQ(o.end, ZV_RUN_TIMEOUT);
	EXPECT(o.wait_exits >= 2);
	EXPECT_EQ(ss.waits, 1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
	EXPECT(s >= 1.0 && s < 30.0);
	/* the end is final */
	EXPECT_EQ(zv_softcpu_run(sc, NULL), ZV_RUN_TIMEOUT);
	zv_softcpu_destroy(sc);
}

TEST(intercept_must_be_completed)
{
	struct zv_softcpu *sc = machine("bringup.elf", "fns=1", "emu:dma", ZV_SOFTCPU_EXIT_ZPCI, 60);
	struct zv_cpu cpu;
	uint16_t ipa = 0;
	uint32_t ipb = 0;
	struct outcome o;

	if (!sc)
		return;
	errno = 0;
	EXPECT_EQ(zv_softcpu_intercept_get(sc, &cpu, &ipa, &ipb), -1);
	EXPECT_EQ(errno, ENOENT);
	EXPECT_EQ(zv_softcpu_intercept_done(sc, &cpu, 0), -1);
	EXPECT_EQ(zv_softcpu_run(sc, NULL), ZV_RUN_INTERCEPT);
	EXPECT_EQ(zv_softcpu_intercept_get(sc, &cpu, &ipa, &ipb), 0);
	EXPECT_EQ(ipa, 0xb9a0);		/* the guest's first zPCI instruction: CLP */
	/* running on without an answer is refused, the intercept stays */
	errno = 0;
	EXPECT_EQ(zv_softcpu_run(sc, NULL), ZV_RUN_FAULT);
	EXPECT_EQ(errno, EBUSY);
	EXPECT_EQ(zv_softcpu_intercept_get(sc, &cpu, &ipa, &ipb), 0);
	EXPECT_EQ(zv_softcpu_intercept_done(sc, &cpu, zv_intercept(zv_softcpu_machine(sc), &cpu, ipa, ipb)), 0);
	run_all(sc, &o);
	EXPECT_EQ(o.end, ZV_RUN_EXIT);
	EXPECT_EQ(o.status, 0);
	EXPECT(o.zpci_exits > 0);
	zv_softcpu_destroy(sc);
}

TEST(a_negative_answer_stops_the_machine)
{
	struct zv_softcpu *sc = machine("bringup.elf", "fns=1", "emu:dma", ZV_SOFTCPU_EXIT_ZPCI, 60);
	struct zv_cpu cpu;
	uint16_t ipa;
	uint32_t ipb;

	if (!sc)
		return;
	EXPECT_EQ(zv_softcpu_run(sc, NULL), ZV_RUN_INTERCEPT);
	EXPECT_EQ(zv_softcpu_intercept_get(sc, &cpu, &ipa, &ipb), 0);
	errno = ENOSYS;
	EXPECT_EQ(zv_softcpu_intercept_done(sc, &cpu, -1), 0);
	EXPECT_EQ(zv_softcpu_run(sc, NULL), ZV_RUN_FAULT);
	EXPECT(strstr(zv_softcpu_message(sc), "zv_intercept") != NULL);
	zv_softcpu_destroy(sc);
}
