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

#include "cli.h"
#include "run_kvm.h"
#include "summary.h"
#include "zvfio/softcpu.h"
#include "zvfio/zvfio.h"

static const char *prog = "zvfio";

int bench_rpcit(int argc, char **argv);
int bench_steps(int argc, char **argv);
int bench_boot(int argc, char **argv);
int bench_linux_io(int argc, char **argv);
int bench_irq(int argc, char **argv, const char *guest);
int cmd_list(int argc, char **argv, const char *prog);

static void usage_main(FILE *f)
{
	fprintf(f,
"usage: %s COMMAND [OPTIONS]\n"
"\n"
"zvfio passes PCI functions through to s390x guests the VFIO way. It runs\n"
"s390x guest images -- freestanding ones or a Linux kernel -- on a software\n"
"s390x machine and answers every zPCI instruction (CLP, PCILG, PCISTG,\n"
"PCISTB, RPCIT, MPCIFC, STPCIFC, SIC) as the architecture defines it.\n"
"\n"
"Commands:\n"
"  run       boot a guest image or a Linux kernel with PCI functions passed\n"
"            through\n"
"  list      the host's PCI functions VFIO can pass through (`--json`)\n"
"  bench     benchmarks: `zvfio bench rpcit` (RPCIT strategies side by side),\n"
"            `zvfio bench irq` (interrupt latency against a raw eventfd),\n"
"            `zvfio bench steps` (the worst intercept, for N and 16 N mappings),\n"
"            `zvfio bench boot` (a Linux kernel to /init, against QEMU),\n"
"            `zvfio bench linux-io` (Linux's virtio_blk and dd, against QEMU)\n"
"  version   print the version (also `--version`)\n"
"  help      print this help, or a command's: `zvfio help COMMAND`\n"
"\n"
"Run `%s COMMAND --help` for a command's options. Numbers are decimal or\n"
"0x-hex, without sign, blank or leading zero.\n"
"\n"
"Exit status: 0 on success; 2 for a bad command line or an input that cannot\n"
"be used (an unknown command, a bad option or value, a device that cannot be\n"
"opened, a guest image that cannot be loaded); `run` also exits with the\n"
"guest's own status, 124 on timeout and 125 when the machine stopped; `list`\n"
"and the benchmarks 1 when they fail.\n", prog, prog);
}

static void usage_run(FILE *f)
{
	fprintf(f,
"usage: %s run --guest FILE [--device SPEC]... [OPTIONS]\n"
"       %s run --kernel FILE [--initrd FILE] [--append STRING] [--device SPEC]...\n"
"              [OPTIONS]\n"
"       %s run --kvm --guest FILE [--device SPEC]... [OPTIONS]\n"
"\n"
"Boot the static s390x ELF image FILE, or an s390x Linux kernel image, on the\n"
"software s390x machine (one CPU, RAM at absolute 0; see docs/GUEST-ABI.md),\n"
"with each --device added as a configured, disabled zPCI function. The guest's\n"
"console goes to standard output (for a kernel: the SCLP console, ttysclp0,\n"
"which also reads standard input); progress and the final summary go to\n"
"standard error.\n"
"\n"
"Options:\n"
"  -g, --guest FILE      freestanding guest image (static s390x ELF)\n"
"  -k, --kernel FILE     s390x Linux kernel image (Debian's vmlinuz), loaded as\n"
"                        QEMU's -kernel loads it; one of --guest and --kernel is\n"
"                        required\n"
"  -i, --initrd FILE     initial RAM disk for --kernel\n"
"      --append STRING   kernel command line for --kernel (e.g.\n"
"                        'console=ttysclp0 nosmp')\n"
"      --guest-decompress\n"
"                        let the kernel's boot code decompress the kernel. By\n"
"                        default an XZ or zstd payload is decompressed on the\n"
"                        host, beside the guest, and the guest's decompressor\n"
"                        is skipped once it has begun to write the kernel (the\n"
"                        summary says which happened, and why)\n"
"  -d, --device SPEC     add a PCI function; repeatable, at most 64. SPEC is one of\n"
"                          emu:dma[,vectors=N][,maps=N][,FUNCTION OPTIONS]\n"
"                          emu:virtio-blk,file=PATH[,ro=0|1][,maps=N][,FUNCTION OPTIONS]\n"
"                          vfio:DDDD:BB:DD.F[,iommu=auto|type1|iommufd][,FUNCTION OPTIONS]\n"
"                        emu:dma is the in-process test device: vectors: MSI-X\n"
"                        vectors 1..128 (default 8), maps: host IOMMU mappings it\n"
"                        holds, 1..4294967295 (default 65535). emu:virtio-blk is a\n"
"                        virtio block device (Linux's virtio_pci and virtio_blk\n"
"                        bind it) on the host file PATH (a regular file of at\n"
"                        least 512 bytes; no comma in it); ro=1: read-only.\n"
"                        vfio: passes the host\n"
"                        function at that address through VFIO (see `%s list`; its\n"
"                        IOMMU group must be viable; needs /dev/vfio access); iommu:\n"
"                        the VFIO cdev with iommufd, or the type1 container\n"
"                        (default auto: the cdev when the kernel has one).\n"
"                        FUNCTION OPTIONS: uid=N: 1..65535 (default: lowest free),\n"
"                        fid=N: 0..4294967294 (default: lowest free), rtr=1: offer\n"
"                        relaxed translation, sdma=ADDR,edma=ADDR: the guest's DMA\n"
"                        window, its first and last byte (sdma page-aligned, edma\n"
"                        ending in fff; within what the device reaches). A key may\n"
"                        appear once; numbers are decimal or 0x-hex.\n"
"  -m, --mem SIZE        guest RAM, a multiple of 1 MiB from 1M to 64G; a number of\n"
"                        bytes or with suffix K, M or G (default 256M)\n"
"  -a, --args STRING     argument string the guest can read (GUEST-ABI.md)\n"
"  -t, --timeout SEC     stop the guest after SEC seconds, 0..86400 (default 600;\n"
"                        0: never)\n"
"      --mui MS          measurement-block update interval in milliseconds,\n"
"                        1..65535 (default 4000)\n"
"      --no-ais          without facility 72: SIC is an operation exception\n"
"      --hook-all        find intercepts with a hook on every instruction instead\n"
"                        of at translation (slower; for comparisons)\n"
"      --count           count the blocks and instructions executed, for the\n"
"                        summary (a hook on every block: a Linux boot takes 1.8\n"
"                        to 2.6 times as long)\n"
"      --kvm             run the --guest image under KVM on an IBM Z host (s390x,\n"
"                        /dev/kvm) with zvfio's KVM binding instead of on the\n"
"                        software machine: zPCI interpretation where the kernel\n"
"                        offers it for a vfio: function, else intercepts and\n"
"                        irqfd routes; the summary says which, and why. Not with\n"
"                        --kernel, --hook-all or --count; an error elsewhere\n"
"  -q, --quiet           no progress line and no summary\n"
"  -h, --help            this help\n"
"\n"
"Exit status: the guest's exit status (0..255) when it exits through the exit\n"
"hypercall; 0 when the guest stops its CPU (SIGP stop: Linux's poweroff) or\n"
"asks for a re-IPL (reboot); 2 for a bad command line, a device that cannot\n"
"be opened or an image that cannot be loaded; 124 on timeout; 125 when the\n"
"machine stopped otherwise (disabled wait -- Linux's panic --, an unsupported\n"
"guest action, a host error).\n"
"\n"
"Example:\n"
"  %s run --guest build/guest/dma.elf --device emu:dma,uid=1 \\\n"
"        --device emu:dma,uid=2 --args 'mib=64'\n"
"  %s run --kernel vmlinuz --initrd initrd.gz --device emu:dma \\\n"
"        --append 'console=ttysclp0 nosmp'\n", prog, prog, prog, prog, prog, prog);
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
	const char *key;
	uint64_t val;

	zv_softcpu_stats_get(sc, &ss);
	fprintf(stderr, "\n== zvfio summary (%.2f s)\n", ss.seconds);
	fprintf(stderr, "hypervisor: the software s390x machine (Unicorn): every zPCI instruction "
		"intercepted, adapter interruptions presented by the machine\n");
	summary_functions(m, fns, nfns);
	fprintf(stderr, "  program interruptions presented %" PRIu64 ", hypercalls %" PRIu64
		", intercept sites translated %" PRIu64 " (Unicorn hooks: %" PRIu64 ")\n",
		ss.program_interrupts, ss.hypercalls, ss.translated_sites, ss.unicorn_hooks);
	if (ss.counted)
		fprintf(stderr, "machine: %" PRIu64 " instructions in %" PRIu64 " blocks (%.0f M/s), %"
			PRIu64 " instruction intercepts (one per %.0f instructions)",
			ss.instructions, ss.blocks,
			ss.seconds > 0 ? (double)ss.instructions / ss.seconds / 1e6 : 0, ss.intercepts,
			ss.intercepts ? (double)ss.instructions / (double)ss.intercepts : 0);
	else
		fprintf(stderr, "machine: %" PRIu64 " instruction intercepts (instructions not "
			"counted: --count counts them)", ss.intercepts);
	fprintf(stderr, ", %" PRIu64 " external interruptions, %" PRIu64 " SVCs, %" PRIu64
		" enabled waits\n", ss.external_interrupts, ss.svc_interrupts, ss.waits);
	if (ss.counted)
		fprintf(stderr, "  a hook on every block: %s\n",
			ss.block_hook_why ? ss.block_hook_why : "unknown");
	if (ss.blocks_estimated)
		fprintf(stderr, "  (%" PRIu64 " blocks counted by their size: their translation was not "
			"seen)\n", ss.blocks_estimated);
	if (ss.fast_stores)
		fprintf(stderr, "  stores: fast path except on the %" PRIu64 " pages found holding "
			"translated code\n", ss.code_pages_marked);
	else
		fprintf(stderr, "  stores: all on Unicorn's slow path (%s)\n",
			ss.slow_stores_why ? ss.slow_stores_why : "unknown");
	if (ss.payload_bytes)
		fprintf(stderr, "kernel: %s payload decompressed on the host (%" PRIu64 " bytes at %#"
			PRIx64 ", %.2f s beside the guest); the guest's decompressor skipped after "
			"%.3f s\n", ss.payload_format, ss.payload_bytes, ss.payload_addr,
			ss.payload_host_seconds, ss.payload_guest_seconds);
	else if (ss.payload_why)
		fprintf(stderr, "kernel: decompressed by the guest (%s)\n", ss.payload_why);
	if (ss.user_seconds)
		fprintf(stderr, "first user-space instruction after %.2f s\n", ss.user_seconds);
	summary_engine(m, nfns, &ss.io_interrupts, &ss.mchecks);
	for (unsigned i = 0; (key = zv_softcpu_report(sc, i, &val)); i++)
		fprintf(stderr, "guest report: %s = %" PRIu64 "\n", key, val);
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "guest", required_argument, NULL, 'g' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "append", required_argument, NULL, 'P' },
		{ "device", required_argument, NULL, 'd' },
		{ "mem", required_argument, NULL, 'm' },
		{ "args", required_argument, NULL, 'a' },
		{ "timeout", required_argument, NULL, 't' },
		{ "mui", required_argument, NULL, 'M' },
		{ "no-ais", no_argument, NULL, 'A' },
		{ "hook-all", no_argument, NULL, 'H' },
		{ "count", no_argument, NULL, 'C' },
		{ "guest-decompress", no_argument, NULL, 'G' },
		{ "kvm", no_argument, NULL, 'K' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct zv_softcpu_config cfg = { .timeout_s = 600 };
	const char *guest = NULL, *kernel = NULL, *initrd = NULL, *append = NULL, *devs[64];
	unsigned ndevs = 0;
	bool quiet = false, have_guest = false, have_timeout = false, have_mui = false, kvm = false;
	uint64_t v;
	int c;

	cli_cmd = "zvfio run";
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":g:k:i:d:m:a:t:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'g':
			if (have_guest)
				return cli_usage_error("--guest given twice");
			guest = optarg;
			have_guest = true;
			break;
		case 'k':
			if (cli_once("--kernel", &kernel, optarg))
				return EXIT_USAGE;
			break;
		case 'i':
			if (cli_once("--initrd", &initrd, optarg))
				return EXIT_USAGE;
			break;
		case 'P':
			if (cli_once("--append", &append, optarg))
				return EXIT_USAGE;
			break;
		case 'd':
			if (ndevs == 64)
				return cli_usage_error("too many --device options (at most 64)");
			devs[ndevs++] = optarg;
			break;
		case 'm':
			if (cfg.mem_size)
				return cli_usage_error("--mem given twice");
			if (!cli_ram_size("--mem", optarg, 1ULL << 20, &cfg.mem_size))
				return EXIT_USAGE;
			break;
		case 'a':
			if (cli_once("--args", &cfg.args, optarg))
				return EXIT_USAGE;
			break;
		case 't':
			if (have_timeout)
				return cli_usage_error("--timeout given twice");
			if (!cli_number("--timeout", optarg, 0, 86400, &v))
				return EXIT_USAGE;
			cfg.timeout_s = (unsigned)v;
			have_timeout = true;
			break;
		case 'M':
			if (have_mui)
				return cli_usage_error("--mui given twice");
			if (!cli_number("--mui", optarg, 1, 65535, &v))
				return EXIT_USAGE;
			cfg.mui_ms = (uint16_t)v;
			have_mui = true;
			break;
		case 'A': cfg.facilities = ZV_FAC_ZPCI | ZV_FAC_AEN; break;
		case 'H': cfg.hook_all = 1; break;
		case 'C': cfg.count_instructions = 1; break;
		case 'G': cfg.guest_decompress = 1; break;
		case 'K': kvm = true; break;
		case 'q': quiet = true; break;
		case 'h': usage_run(stdout); return 0;
		default: return cli_bad_option(c, argv, optind);
		}
	}
	if (!cli_no_operands(argc, argv, optind))
		return EXIT_USAGE;
	if (guest && kernel)
		return cli_usage_error("--guest and --kernel exclude each other");
	if (!guest && !kernel)
		return cli_usage_error("--guest FILE or --kernel FILE is required");
	if (!kernel && (initrd || append || cfg.guest_decompress))
		return cli_usage_error("%s needs --kernel", initrd ? "--initrd" : append ? "--append" :
				       "--guest-decompress");
	if (kvm && (kernel || cfg.hook_all || cfg.count_instructions))
		return cli_usage_error("--kvm runs a --guest image, without %s", kernel ? "--kernel" :
				       cfg.hook_all ? "--hook-all" : "--count");
	if (kvm) {
		struct run_kvm_opts ko = {
			.guest = guest, .devs = devs, .ndevs = ndevs,
			.mem_size = cfg.mem_size ? cfg.mem_size : 256ULL << 20, .args = cfg.args,
			.timeout_s = cfg.timeout_s, .mui_ms = cfg.mui_ms, .facilities = cfg.facilities,
			.quiet = quiet,
		};

		return run_kvm(&ko);
	}

	struct progress prog_state = { .tty = !quiet && isatty(STDERR_FILENO) };
	char err[256];
	struct zv_function *fns[64];
	struct zv_softcpu *sc;
	int status = 0, rc;

	cfg.progress = show_progress;
	cfg.progress_opaque = &prog_state;
	if (kernel) {		/* the kernel's console reads standard input */
		cfg.has_console_in = true;
		cfg.console_in = STDIN_FILENO;
	}
	sc = zv_softcpu_create(&cfg, err, sizeof(err));
	if (!sc) {
		cli_error("%s: %s", prog, err);
		return EXIT_MACHINE;
	}
	prog_state.m = zv_softcpu_machine(sc);
	for (unsigned i = 0; i < ndevs; i++) {
		fns[i] = zv_function_add_spec(prog_state.m, devs[i], err, sizeof(err));
		if (!fns[i]) {
			cli_error("%s: --device '%s': %s", prog, devs[i], err);
			zv_softcpu_destroy(sc);
			return EXIT_USAGE;
		}
	}
	if (guest ? zv_softcpu_load_elf(sc, guest, err, sizeof(err)) :
		    zv_softcpu_load_kernel(sc, kernel, initrd, append, err, sizeof(err))) {
		cli_error("%s: %s: %s", prog, guest ? "--guest" : "--kernel", err);
		zv_softcpu_destroy(sc);
		return EXIT_USAGE;
	}
	if (!quiet)
		fprintf(stderr, "zvfio %s: %s, %u function(s), %llu MiB RAM\n", zv_version(),
			guest ? guest : kernel,
			ndevs, (unsigned long long)((cfg.mem_size ? cfg.mem_size : 256ULL << 20) >> 20));
	switch (zv_softcpu_run(sc, &status)) {
	case ZV_RUN_EXIT:
		rc = status;
		break;
	case ZV_RUN_STOPPED:
		if (!quiet)
			fprintf(stderr, "%s: %s\n", prog, zv_softcpu_message(sc));
		rc = 0;
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

static void usage_bench(FILE *f)
{
	fprintf(f,
"usage: %s bench NAME [OPTIONS]\n"
"\n"
"Benchmarks that measure zvfio side by side with a baseline in one run and\n"
"print ratios (docs/BENCHMARKS.md has figures and how they were made):\n"
"  rpcit     RPCIT strategies: zvfio's coalesced walk against QEMU's per-page one\n"
"  irq       interrupt latency: device MSI-X to the guest's handler, against a\n"
"            raw eventfd wake-up\n"
"  steps     the worst time of one intercept with N and with 16 N mappings held:\n"
"            bounded work per intercept\n"
"  boot      seconds to a Linux kernel's /init on zvfio's software machine\n"
"            against qemu-system-s390x (TCG)\n"
"  linux-io  Linux's virtio_blk driver and dd on emu:virtio-blk against QEMU's\n"
"            virtio-blk-pci on its zPCI bus: MiB/s, RPCITs and map calls per MiB\n"
"\n"
"Run `%s bench NAME --help` for a benchmark's options.\n", prog, prog);
}

/* The guest image a benchmark runs by default: guest/NAME next to the
 * binary (build/zvfio -> build/guest/NAME), else in the current directory. */
static void default_guest(char *buf, size_t len, const char *argv0, const char *name)
{
	const char *slash = strrchr(argv0, '/');

	snprintf(buf, len, "%.*sguest/%s", slash ? (int)(slash - argv0 + 1) : 0, argv0, name);
}

static int cmd_bench(int argc, char **argv, const char *argv0)
{
	char guest[4096];

	cli_cmd = "zvfio bench";
	if (argc < 2)
		return cli_usage_error("which benchmark? (rpcit, irq, steps, boot, linux-io)");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		if (argc > 2)
			return cli_usage_error("unexpected argument '%s'", argv[2]);
		usage_bench(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "rpcit"))
		return bench_rpcit(argc - 1, argv + 1);
	if (!strcmp(argv[1], "steps"))
		return bench_steps(argc - 1, argv + 1);
	if (!strcmp(argv[1], "boot"))
		return bench_boot(argc - 1, argv + 1);
	if (!strcmp(argv[1], "linux-io"))
		return bench_linux_io(argc - 1, argv + 1);
	if (!strcmp(argv[1], "irq")) {
		default_guest(guest, sizeof(guest), argv0, "irqlat.elf");
		return bench_irq(argc - 1, argv + 1, guest);
	}
	return cli_usage_error("unknown benchmark '%s' (known: rpcit, irq, steps, boot, linux-io)", argv[1]);
}

/* `zvfio help [COMMAND [NAME]]` */
static int cmd_help(int argc, char **argv)
{
	char *help[] = { NULL, (char *)"--help", NULL };

	cli_cmd = "zvfio help";
	if (argc == 1) {
		usage_main(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "run") && argc == 2) {
		usage_run(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "list") && argc == 2) {
		help[0] = argv[1];
		return cmd_list(2, help, prog);
	}
	if (!strcmp(argv[1], "bench") && argc == 2) {
		usage_bench(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "bench") && argc == 3 && !strcmp(argv[2], "rpcit")) {
		help[0] = argv[2];
		return bench_rpcit(2, help);
	}
	if (!strcmp(argv[1], "bench") && argc == 3 && !strcmp(argv[2], "steps")) {
		help[0] = argv[2];
		return bench_steps(2, help);
	}
	if (!strcmp(argv[1], "bench") && argc == 3 && !strcmp(argv[2], "boot")) {
		help[0] = argv[2];
		return bench_boot(2, help);
	}
	if (!strcmp(argv[1], "bench") && argc == 3 && !strcmp(argv[2], "linux-io")) {
		help[0] = argv[2];
		return bench_linux_io(2, help);
	}
	if (!strcmp(argv[1], "bench") && argc == 3 && !strcmp(argv[2], "irq")) {
		help[0] = argv[2];
		return bench_irq(2, help, "");
	}
	if ((!strcmp(argv[1], "help") || !strcmp(argv[1], "version") || !strcmp(argv[1], "--help") ||
	     !strcmp(argv[1], "-h")) && argc == 2) {
		usage_main(stdout);
		return 0;
	}
	return cli_usage_error("no help for '%s%s%s%s' (commands: run, list, bench, version, help)",
			       argv[1], argc > 2 ? " " : "", argc > 2 ? argv[2] : "",
			       argc > 3 ? " ..." : "");
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
	if (!strcmp(argv[1], "bench"))
		return cmd_bench(argc - 1, argv + 1, argv[0]);
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		cli_cmd = "zvfio version";
		if (argc == 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
			printf("usage: %s version\n\nPrint the version of zvfio.\n", prog);
			return 0;
		}
		if (!cli_no_operands(argc, argv, 2))
			return EXIT_USAGE;
		printf("zvfio %s\n", zv_version());
		return 0;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(argc - 1, argv + 1);
	cli_cmd = "zvfio";
	return cli_usage_error("unknown command '%s' (commands: run, list, bench, version, help)",
			       argv[1]);
}
