/* SPDX-License-Identifier: MIT */
/*
 * minimal-vmm: the smallest program that embeds libzvfio.
 *
 * It is a VMM in the shape of a KVM one: a CPU (zvfio's software s390x
 * machine) runs the guest until it exits to us; we answer every zPCI
 * instruction with the engine (zv_intercept), and while the guest waits
 * for an interruption we wait for the device (zv_poll_fd, zv_dispatch),
 * which turns the device's MSI-X into an adapter interruption.
 *
 *   minimal-vmm [GUEST.elf [DEVICE-SPEC [GUEST-ARGS]]]
 *
 * Without arguments it runs build/guest/dma.elf (run it from the source
 * tree's root after `make`) with one emulated DMA engine, emu:dma,uid=1:
 * the guest brings the function up as Linux does, moves 4 MiB each way by
 * DMA through its IOMMU translation tables, checks every byte and takes
 * 1,000 completion interrupts. Exit status: the guest's, or 1 when the
 * machine failed.
 *
 * Build it against an installed library:
 *   cc -o minimal-vmm minimal-vmm.c $(pkg-config --cflags --libs libzvfio)
 * docs/API.md walks through it.
 */
#define _POSIX_C_SOURCE 200809L	/* poll() */

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include <zvfio/softcpu.h>
#include <zvfio/zvfio.h>

#define DEFAULT_GUEST  "build/guest/dma.elf"
#define DEFAULT_DEVICE "emu:dma,uid=1"
#define DEFAULT_ARGS   "mib=4 irqs=1000"

struct vmm {
	struct zv_softcpu *cpu;
	struct zv_machine *m;
	uint64_t exits_zpci, exits_wait, exits_events, dispatched;
};

/* A zPCI instruction exited to us: let the engine answer it. */
static int handle_zpci(struct vmm *v)
{
	struct zv_cpu cpu;
	uint16_t ipa;
	uint32_t ipb;
	int rc;

	if (zv_softcpu_intercept_get(v->cpu, &cpu, &ipa, &ipb))
		return -1;
	v->exits_zpci++;
	/* 0: done, registers and condition code updated in cpu;
	 * > 0: a program interruption for the guest; -1: not a zPCI insn */
	rc = zv_intercept(v->m, &cpu, ipa, ipb);
	return zv_softcpu_intercept_done(v->cpu, &cpu, rc);
}

/* The guest waits for an interruption (wait): wait for the devices; or
 * they signalled while it ran (ZV_RUN_EVENTS): just take what they said. */
static int handle_events(struct vmm *v, bool wait)
{
	struct pollfd pfd = { .fd = zv_poll_fd(v->m), .events = POLLIN };
	int n;

	if (wait)
		v->exits_wait++;
	else
		v->exits_events++;
	if (wait && poll(&pfd, 1, 1000) < 0 && errno != EINTR)
		return -1;
	/* deliver what the devices signalled: MSI-X -> AIBV/AISB bits and
	 * an adapter interruption the CPU presents on the next run */
	n = zv_dispatch(v->m);
	if (n < 0)
		return -1;
	v->dispatched += (uint64_t)n;
	return 0;
}

/* Run the guest to its end; returns its exit status, or -1. */
static int run(struct vmm *v)
{
	for (;;) {
		int status = 0;
		enum zv_run_end end = zv_softcpu_run(v->cpu, &status);

		switch (end) {
		case ZV_RUN_INTERCEPT:
			if (handle_zpci(v))
				return -1;
			break;
		case ZV_RUN_WAIT:
		case ZV_RUN_EVENTS:
			if (handle_events(v, end == ZV_RUN_WAIT))
				return -1;
			break;
		case ZV_RUN_EXIT:
			return status;
		default:	/* timeout, disabled wait, a fault */
			fprintf(stderr, "minimal-vmm: the machine stopped: %s\n",
				zv_softcpu_message(v->cpu));
			return -1;
		}
	}
}

static void report(const struct vmm *v, struct zv_function *f)
{
	struct zv_stats st;

	zv_stats_get(v->m, &st);
	printf("minimal-vmm: zvfio %s, function %s uid %" PRIu32 " fid %" PRIu32 " (%s)\n",
	       zv_version(), zv_function_name(f), zv_function_uid(f), zv_function_fid(f),
	       zv_fn_state_name(zv_function_state(f)));
	printf("minimal-vmm: %" PRIu64 " zPCI exits, %" PRIu64 " wait exits, %" PRIu64 " event exits, %"
	       PRIu64 " device events dispatched\n", v->exits_zpci, v->exits_wait, v->exits_events,
	       v->dispatched);
	printf("minimal-vmm: RPCIT %" PRIu64 ", %" PRIu64 " pages mapped in %" PRIu64
	       " host mappings, %" PRIu64 " interrupts forwarded, DMA %" PRIu64 " bytes in, %"
	       PRIu64 " out\n", st.intercepts[ZV_INSN_RPCIT], st.pages_mapped, st.map_calls,
	       st.irqs_forwarded, st.dma_write_bytes, st.dma_read_bytes);
}

int main(int argc, char **argv)
{
	const char *guest = argc > 1 ? argv[1] : DEFAULT_GUEST;
	const char *spec = argc > 2 ? argv[2] : DEFAULT_DEVICE;
	const char *args = argc > 3 ? argv[3] : argc > 1 ? "" : DEFAULT_ARGS;
	struct zv_softcpu_config cfg = {
		.mem_size = 64 << 20,
		.args = args,
		.timeout_s = 300,
		/* hand zPCI instructions and waits to us, as KVM_RUN would */
		.exits = ZV_SOFTCPU_EXIT_ZPCI | ZV_SOFTCPU_EXIT_WAIT,
	};
	struct vmm v = { 0 };
	struct zv_function *f;
	char err[256];
	int status;

	if (argc > 4 || (argc > 1 && !strcmp(argv[1], "--help"))) {
		fprintf(stderr, "usage: minimal-vmm [GUEST.elf [DEVICE-SPEC [GUEST-ARGS]]]\n");
		return 2;
	}
	/* the machine: CPU, guest RAM and the zPCI engine over it */
	v.cpu = zv_softcpu_create(&cfg, err, sizeof(err));
	if (!v.cpu) {
		fprintf(stderr, "minimal-vmm: %s\n", err);
		return 1;
	}
	v.m = zv_softcpu_machine(v.cpu);
	/* one PCI function, backed by a device the machine then owns */
	f = zv_function_add_spec(v.m, spec, err, sizeof(err));
	if (!f || zv_softcpu_load_elf(v.cpu, guest, err, sizeof(err))) {
		fprintf(stderr, "minimal-vmm: %s\n", err);
		zv_softcpu_destroy(v.cpu);
		return 1;
	}
	status = run(&v);
	report(&v, f);
	/* destroys the machine, its functions and their devices */
	zv_softcpu_destroy(v.cpu);
	if (status < 0)
		return 1;
	printf("minimal-vmm: guest exit status %d\n", status);
	return status;
}
