/* SPDX-License-Identifier: MIT */
/*
 * zvfio — the command-line tool.
 *
 *   zvfio run --guest FILE [--device SPEC]... [options]
 *
 * Exit status: the guest's exit status after a normal guest exit; 2 for a
 * bad command line; 124 on timeout; 125 when the machine stopped for any
 * other reason (disabled wait, an unsupported guest action, a host error).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zvfio/softcpu.h"
#include "zvfio/zvfio.h"

#define EXIT_USAGE 2
#define EXIT_TIMEOUT 124
#define EXIT_MACHINE 125

static const char *prog = "zvfio";

int bench_rpcit(int argc, char **argv);
int bench_irq(int argc, char **argv, const char *guest);
int cmd_list(int argc, char **argv, const char *prog);

static void usage_main(FILE *f)
{
	fprintf(f,
"usage: %s COMMAND [OPTIONS]\n"
"\n"
"zvfio passes PCI functions through to s390x guests the VFIO way. It runs\n"
"s390x guest images on a software s390x machine and answers every zPCI\n"
"instruction (CLP, PCILG, PCISTG, PCISTB, RPCIT, MPCIFC, STPCIFC, SIC) as the\n"
"architecture defines it.\n"
"\n"
"Commands:\n"
"  run       boot a guest image with PCI functions passed through\n"
"  list      the host's PCI functions VFIO can pass through (`--json`)\n"
"  bench     benchmarks: `zvfio bench rpcit` (RPCIT strategies side by side),\n"
"            `zvfio bench irq` (interrupt latency against a raw eventfd)\n"
"  version   print the version\n"
"  help      print this help, or `zvfio help COMMAND` for a command's\n"
"\n"
"Run `%s run --help` for the options of run.\n", prog, prog);
}

static void usage_run(FILE *f)
{
	fprintf(f,
"usage: %s run --guest FILE [--device SPEC]... [OPTIONS]\n"
"\n"
"Boot the static s390x ELF image FILE on the software s390x machine (one CPU,\n"
"DAT off, RAM at absolute 0; see docs/GUEST-ABI.md), with each --device added\n"
"as a configured, disabled zPCI function. The guest's console output goes to\n"
"standard output; progress and the final summary go to standard error.\n"
"\n"
"Options:\n"
"  -g, --guest FILE      guest image (required)\n"
"  -d, --device SPEC     add a PCI function; repeatable. SPEC is one of\n"
"                          emu:dma[,vectors=N][,maps=N][,FUNCTION OPTIONS]\n"
"                          vfio:DDDD:BB:DD.F[,iommu=auto|type1|iommufd][,FUNCTION OPTIONS]\n"
"                        emu:dma is the in-process test device: vectors: MSI-X\n"
"                        vectors 1..128 (default 8), maps: host IOMMU mappings it\n"
"                        holds (default 65535). vfio: passes the host function at\n"
"                        that address through VFIO (see `%s list`; its IOMMU group\n"
"                        must be viable; needs /dev/vfio access); iommu: the VFIO\n"
"                        cdev with iommufd, or the type1 container (default auto:\n"
"                        the cdev when the kernel has one, see docs/DEVICES.md).\n"
"                        FUNCTION OPTIONS: uid=N: 1..65535 (default: lowest free),\n"
"                        fid=N: 0..4294967294 (default: lowest free), rtr=1: offer\n"
"                        relaxed translation, sdma=ADDR,edma=ADDR: the guest's DMA\n"
"                        window (page-aligned; within what the device reaches)\n"
"  -m, --mem SIZE        guest RAM, a multiple of 1 MiB, with suffix K, M or G\n"
"                        (default 256M)\n"
"  -a, --args STRING     argument string the guest can read (GUEST-ABI.md)\n"
"  -t, --timeout SEC     stop the guest after SEC seconds (default 600; 0: never)\n"
"      --mui MS          measurement-block update interval (default 4000)\n"
"      --no-ais          without facility 72: SIC is an operation exception\n"
"      --hook-all        find intercepts with a hook on every instruction instead\n"
"                        of scanning blocks (slower; for comparisons)\n"
"  -q, --quiet           no progress line and no summary\n"
"  -h, --help            this help\n"
"\n"
"Exit status: the guest's exit status (0..255) when it exits through the exit\n"
"hypercall; 2 for a bad command line; 124 on timeout; 125 when the machine\n"
"stopped otherwise (disabled wait, an unsupported guest action, a host error).\n"
"\n"
"Example:\n"
"  %s run --guest build/guest/dma.elf --device emu:dma,uid=1 \\\n"
"        --device emu:dma,uid=2 --args 'mib=64'\n", prog, prog, prog);
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see `%s run --help`)\n", prog);
	return EXIT_USAGE;
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 0: break;
	case 'k': case 'K': mul = 1ULL << 10; end++; break;
	case 'm': case 'M': mul = 1ULL << 20; end++; break;
	case 'g': case 'G': mul = 1ULL << 30; end++; break;
	default: return -1;
	}
	if (*end || v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || *end || *out > max ? -1 : 0;
}

struct progress {
	bool tty;
	struct zv_machine *m;
};

static void show_progress(void *opaque, struct zv_softcpu *sc)
{
	struct progress *p = opaque;
	struct zv_softcpu_stats ss;
	struct zv_stats st;
	uint64_t n = 0;

	if (!p->tty)
		return;
	zv_softcpu_stats_get(sc, &ss);
	zv_stats_get(p->m, &st);
	for (int i = 0; i < ZV_INSN_COUNT; i++)
		n += st.intercepts[i];
	fprintf(stderr, "\r[zvfio %5.1fs] intercepts %" PRIu64 ", interrupts %" PRIu64
		", DMA %.1f MiB   ", ss.seconds, n, ss.io_interrupts,
		(double)(st.dma_read_bytes + st.dma_write_bytes) / (1 << 20));
	fflush(stderr);
}

static void summary(struct zv_softcpu *sc, struct zv_machine *m, struct zv_function **fns,
		    unsigned nfns)
{
	struct zv_softcpu_stats ss;
	struct zv_stats st;
	const char *key;
	uint64_t val;

	zv_softcpu_stats_get(sc, &ss);
	zv_stats_get(m, &st);
	fprintf(stderr, "\n== zvfio summary (%.2f s)\n", ss.seconds);
	fprintf(stderr, "functions: %u\n", nfns);
	for (unsigned i = 0; i < nfns; i++)
		fprintf(stderr, "  %-24s uid %-5u fid %-5u fh %08x  %s\n", zv_function_name(fns[i]),
			zv_function_uid(fns[i]), zv_function_fid(fns[i]), zv_function_fh(fns[i]),
			zv_fn_state_name(zv_function_state(fns[i])));
	fprintf(stderr, "intercepts:");
	for (int i = 0; i < ZV_INSN_COUNT; i++)
		fprintf(stderr, " %s %" PRIu64, zv_insn_name(i), st.intercepts[i]);
	fprintf(stderr, "\n  program interruptions presented %" PRIu64 ", hypercalls %" PRIu64
		", intercepted sites %" PRIu64 "\n", ss.program_interrupts, ss.hypercalls,
		ss.hooked_sites);
	fprintf(stderr, "DMA: pages mapped %" PRIu64 ", unmapped %" PRIu64 " (backend map calls %"
		PRIu64 ", unmap calls %" PRIu64 ")\n", st.pages_mapped, st.pages_unmapped,
		st.map_calls, st.unmap_calls);
	if (st.dma_counting_fns)
		fprintf(stderr, "bytes moved by DMA: %" PRIu64 " read from guest, %" PRIu64
			" written to guest%s\n", st.dma_read_bytes, st.dma_write_bytes,
			st.dma_counting_fns < nfns ? " (by the emulated devices; VFIO ones cannot tell)" : "");
	else
		fprintf(stderr, "bytes moved by DMA: not known (VFIO devices do not report it)\n");
	if (st.irq_route_failures)
		fprintf(stderr, "interrupt vectors the host refused to route: %" PRIu64 "\n",
			st.irq_route_failures);
	if (st.region_mapped || st.region_syscalls)
		fprintf(stderr, "device regions (VFIO): %" PRIu64 " accesses through mappings, %" PRIu64
			" through system calls\n", st.region_mapped, st.region_syscalls);
	fprintf(stderr, "interrupts: %" PRIu64 " MSI-X forwarded, %" PRIu64
		" adapter interruptions requested, %" PRIu64 " presented to the guest\n",
		st.irqs_forwarded, st.irqs_injected, ss.io_interrupts);
	fprintf(stderr, "events: %" PRIu64 " error events, %" PRIu64 " IOMMU faults, %" PRIu64
		" machine checks\n", st.error_events, st.iommu_faults, ss.mchecks);
	for (unsigned i = 0; (key = zv_softcpu_report(sc, i, &val)); i++)
		fprintf(stderr, "guest report: %s = %" PRIu64 "\n", key, val);
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "guest", required_argument, NULL, 'g' },
		{ "device", required_argument, NULL, 'd' },
		{ "mem", required_argument, NULL, 'm' },
		{ "args", required_argument, NULL, 'a' },
		{ "timeout", required_argument, NULL, 't' },
		{ "mui", required_argument, NULL, 'M' },
		{ "no-ais", no_argument, NULL, 'A' },
		{ "hook-all", no_argument, NULL, 'H' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct zv_softcpu_config cfg = { .timeout_s = 600 };
	const char *guest = NULL, *devs[64];
	unsigned ndevs = 0;
	bool quiet = false;
	unsigned long v;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":g:d:m:a:t:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'g': guest = optarg; break;
		case 'd':
			if (ndevs == 64)
				return usage_error("too many --device options (at most %s)", "64");
			devs[ndevs++] = optarg;
			break;
		case 'm':
			if (parse_size(optarg, &cfg.mem_size) || cfg.mem_size < (1u << 20) ||
			    cfg.mem_size % (1u << 20) || cfg.mem_size > (64ULL << 30))
				return usage_error("--mem '%s': need a multiple of 1 MiB from 1M to 64G",
						   optarg);
			break;
		case 'a': cfg.args = optarg; break;
		case 't':
			if (parse_uint(optarg, 86400, &v))
				return usage_error("--timeout '%s': need seconds, 0..86400", optarg);
			cfg.timeout_s = (unsigned)v;
			break;
		case 'M':
			if (parse_uint(optarg, 65535, &v) || v == 0)
				return usage_error("--mui '%s': need milliseconds, 1..65535", optarg);
			cfg.mui_ms = (uint16_t)v;
			break;
		case 'A': cfg.facilities = ZV_FAC_ZPCI | ZV_FAC_AEN; break;
		case 'H': cfg.hook_all = 1; break;
		case 'q': quiet = true; break;
		case 'h': usage_run(stdout); return 0;
		case ':': return usage_error("option '%s' needs an argument", argv[optind - 1]);
		default: return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!guest)
		return usage_error("%s", "--guest FILE is required");

	struct progress prog_state = { .tty = !quiet && isatty(STDERR_FILENO) };
	char err[256];
	struct zv_function *fns[64];
	struct zv_softcpu *sc;
	int status = 0, rc;

	cfg.progress = show_progress;
	cfg.progress_opaque = &prog_state;
	sc = zv_softcpu_create(&cfg, err, sizeof(err));
	if (!sc) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return EXIT_MACHINE;
	}
	prog_state.m = zv_softcpu_machine(sc);
	for (unsigned i = 0; i < ndevs; i++) {
		fns[i] = zv_function_add_spec(prog_state.m, devs[i], err, sizeof(err));
		if (!fns[i]) {
			fprintf(stderr, "%s: --device '%s': %s\n", prog, devs[i], err);
			zv_softcpu_destroy(sc);
			return EXIT_USAGE;
		}
	}
	if (zv_softcpu_load_elf(sc, guest, err, sizeof(err))) {
		fprintf(stderr, "%s: --guest: %s\n", prog, err);
		zv_softcpu_destroy(sc);
		return EXIT_USAGE;
	}
	if (!quiet)
		fprintf(stderr, "zvfio %s: %s, %u function(s), %llu MiB RAM\n", zv_version(), guest,
			ndevs, (unsigned long long)((cfg.mem_size ? cfg.mem_size : 256ULL << 20) >> 20));
	switch (zv_softcpu_run(sc, &status)) {
	case ZV_RUN_EXIT:
		rc = status;
		break;
	case ZV_RUN_TIMEOUT:
		fprintf(stderr, "%s: %s\n", prog, zv_softcpu_message(sc));
		rc = EXIT_TIMEOUT;
		break;
	default:
		fprintf(stderr, "%s: machine stopped: %s\n", prog, zv_softcpu_message(sc));
		rc = EXIT_MACHINE;
		break;
	}
	if (!quiet) {
		summary(sc, prog_state.m, fns, ndevs);
		fprintf(stderr, "exit status: %d\n", rc);
	}
	zv_softcpu_destroy(sc);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage_main(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "list"))
		return cmd_list(argc - 1, argv + 1, prog);
	if (!strcmp(argv[1], "bench")) {
		if (argc > 2 && !strcmp(argv[2], "rpcit"))
			return bench_rpcit(argc - 2, argv + 2);
		if (argc > 2 && !strcmp(argv[2], "irq")) {
			/* the guest image lives in guest/ next to the binary */
			char guest[4096];
			const char *slash = strrchr(argv[0], '/');

			snprintf(guest, sizeof(guest), "%.*sguest/irqlat.elf",
				 slash ? (int)(slash - argv[0] + 1) : 0, argv[0]);
			return bench_irq(argc - 2, argv + 2, guest);
		}
		fprintf(stderr, "%s: bench: unknown benchmark '%s' (known: rpcit, irq)\n", prog,
			argc > 2 ? argv[2] : "");
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("zvfio %s\n", zv_version());
		return 0;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		if (argc > 2 && !strcmp(argv[2], "run"))
			usage_run(stdout);
		else if (argc > 2 && !strcmp(argv[2], "list"))
			return cmd_list(2, (char *[]){ argv[2], (char *)"--help", NULL }, prog);
		else
			usage_main(stdout);
		return 0;
	}
	fprintf(stderr, "%s: unknown command '%s' (see `%s help`)\n", prog, argv[1], prog);
	return EXIT_USAGE;
}
