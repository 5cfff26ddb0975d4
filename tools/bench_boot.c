/* SPDX-License-Identifier: MIT */
/*
 * zvfio bench boot: seconds from start to a Linux kernel's "Run /init as
 * init process" line, on zvfio's software machine and on qemu-system-s390x
 * (TCG: QEMU's own code generator, which Unicorn embeds) with the same
 * kernel, initramfs and command line, one after the other in one run. The
 * console of each is scanned for the line; the run is then ended. The last
 * line is "boot zvfio-s=X qemu-s=Y ratio=Z" with Z = Y / X (above 1: zvfio
 * is faster).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "qemu_s390x.h"
#include "zvfio/softcpu.h"

#define MARKER " as init process"
#define DEFAULT_APPEND "console=ttysclp0 nosmp loglevel=7"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* A console that looks for the marker across writes and keeps a tail for
 * the message when it never comes. */
struct watch {
	char tail[4096];
	size_t len;
	bool seen;
	double t0, at;
	struct zv_softcpu *sc;
};

static void watch_feed(struct watch *w, const char *buf, size_t n)
{
	for (size_t i = 0; i < n && !w->seen; i++) {
		if (w->len == sizeof(w->tail) - 1) {
			memmove(w->tail, w->tail + 2048, w->len - 2048);
			w->len -= 2048;
		}
		w->tail[w->len++] = buf[i];
		w->tail[w->len] = 0;
		if (w->len >= strlen(MARKER) && !memcmp(w->tail + w->len - strlen(MARKER), MARKER,
							   strlen(MARKER))) {
			w->seen = true;
			w->at = now() - w->t0;
		}
	}
}

static ssize_t console_write(void *cookie, const char *buf, size_t n)
{
	struct watch *w = cookie;

	watch_feed(w, buf, n);
	if (w->seen && w->sc)
		zv_softcpu_stop(w->sc);
	return (ssize_t)n;
}

static void show_tail(const char *who, const struct watch *w)
{
	const char *t = w->len > 600 ? w->tail + w->len - 600 : w->tail;

	fprintf(stderr, "zvfio bench boot: %s: no \"Run ...%s\" line; the console ended with:\n%s\n",
		who, MARKER, t);
}

static int boot_zvfio(const char *kernel, const char *initrd, const char *append, uint64_t mem,
		      unsigned timeout, bool count, bool guest_decompress, double *secs)
{
	static const cookie_io_functions_t io = { .write = console_write };
	struct zv_softcpu_config cfg = { .mem_size = mem, .timeout_s = timeout,
					 .count_instructions = count,
					 .guest_decompress = guest_decompress };
	struct zv_softcpu_stats st;
	struct watch w = { .len = 0 };
	char err[256];
	FILE *con = fopencookie(&w, "w", io);
	int rc = 1;

	if (!con) {
		fprintf(stderr, "zvfio bench boot: fopencookie: %s\n", strerror(errno));
		return 1;
	}
	setvbuf(con, NULL, _IONBF, 0);
	cfg.console = con;
	w.sc = zv_softcpu_create(&cfg, err, sizeof(err));
	if (!w.sc) {
		fprintf(stderr, "zvfio bench boot: %s\n", err);
		fclose(con);
		return 1;
	}
	if (zv_softcpu_load_kernel(w.sc, kernel, initrd, append, err, sizeof(err))) {
		cli_error("zvfio bench boot: --kernel: %s", err);
		rc = EXIT_USAGE;
		goto out;
	}
	w.t0 = now();
	zv_softcpu_run(w.sc, NULL);
	zv_softcpu_stats_get(w.sc, &st);
	if (!w.seen) {
		fprintf(stderr, "zvfio bench boot: zvfio: the run ended: %s\n", zv_softcpu_message(w.sc));
		show_tail("zvfio", &w);
		goto out;
	}
	*secs = w.at;
	if (st.counted)
		printf("zvfio (counting): %.2f s to /init (%" PRIu64 " instructions, %.0f M/s, %" PRIu64
		       " blocks; ", w.at, st.instructions,
		       w.at > 0 ? (double)st.instructions / w.at / 1e6 : 0, st.blocks);
	else if (guest_decompress)
		printf("zvfio (the guest decompresses): %.2f s to /init (", w.at);
	else
		printf("zvfio: %.2f s to /init (", w.at);
	if (st.payload_bytes)
		printf("%s payload decompressed on the host in %.2f s, the guest's decompressor "
		       "skipped after %.2f s; ", st.payload_format, st.payload_host_seconds,
		       st.payload_guest_seconds);
	else if (!guest_decompress && st.payload_why)
		printf("decompressed by the guest: %s; ", st.payload_why);
	printf("%" PRIu64 " instruction intercepts, %" PRIu64 " external interruptions, %" PRIu64
	       " program interruptions)\n", st.intercepts, st.external_interrupts,
	       st.program_interrupts);
	rc = 0;
out:
	zv_softcpu_destroy(w.sc);
	fclose(con);
	return rc;
}

static bool qemu_feed(void *ctx, const char *buf, size_t n)
{
	struct watch *w = ctx;

	watch_feed(w, buf, n);
	return w->seen;
}

static int boot_qemu(const char *qemu, const char *kernel, const char *initrd, const char *append,
		     uint64_t mem, unsigned timeout, double *secs)
{
	struct qemu_s390x q = { .qemu = qemu, .kernel = kernel, .initrd = initrd, .append = append,
				.mem = mem, .timeout = timeout };
	struct watch w = { .len = 0 };
	double wall;

	w.t0 = now();
	if (qemu_s390x_run("zvfio bench boot", &q, qemu_feed, &w, &wall))
		return 1;
	if (!w.seen) {
		show_tail("qemu", &w);
		return 1;
	}
	*secs = w.at;
	printf("qemu:  %.2f s to /init (%s, TCG)\n", w.at, qemu);
	return 0;
}

int bench_boot(int argc, char **argv);	/* zvfio.c dispatches to it */

int bench_boot(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "append", required_argument, NULL, 'P' },
		{ "qemu", required_argument, NULL, 'Q' },
		{ "mem", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' },
		{ "count", no_argument, NULL, 'C' },
		{ "guest-decompress", no_argument, NULL, 'G' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *kernel = NULL, *initrd = NULL, *append = NULL, *qemu = NULL;
	uint64_t mem = 0, v, timeout = 0;
	double zs = 0, qs = 0, cs = 0, gs = 0;
	bool count = false, guest_decomp = false;
	int c;

	cli_cmd = "zvfio bench boot";
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":k:i:m:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			if (!cli_no_operands(argc, argv, optind))
				return EXIT_USAGE;
			printf("usage: zvfio bench boot --kernel FILE [--initrd FILE] [--append STRING]\n"
			       "                        [--qemu PATH] [--mem SIZE] [--timeout SEC] [--count]\n"
			       "                        [--guest-decompress]\n\n"
			       "Boot the s390x Linux kernel FILE on zvfio's software machine and on\n"
			       "qemu-system-s390x (TCG) with the same initramfs, command line and memory, one\n"
			       "after the other, and print the seconds from start to the kernel's \"Run /init\n"
			       "as init process\" line for each. The last line is\n"
			       "  boot zvfio-s=X qemu-s=Y ratio=Z      (Z = Y / X: above 1, zvfio is faster)\n\n"
			       "Options:\n"
			       "  -k, --kernel FILE   the kernel image (Debian's vmlinuz; required)\n"
			       "  -i, --initrd FILE   the initramfs\n"
			       "      --append STRING the command line; it must let the kernel print\n"
			       "                      KERN_INFO lines on the console (default\n"
			       "                      '" DEFAULT_APPEND "')\n"
			       "      --qemu PATH     the QEMU binary (default qemu-system-s390x, from\n"
			       "                      Debian's qemu-system-misc)\n"
			       "  -m, --mem SIZE      guest RAM for both, 16M to 64G (default 256M)\n"
			       "  -t, --timeout SEC   give up on a boot after SEC seconds, 1..3600 (default\n"
			       "                      300)\n"
			       "      --count         boot on zvfio a second time, counting the instructions\n"
			       "                      executed (a hook on every block; slower, so that boot\n"
			       "                      is reported and not compared)\n"
			       "      --guest-decompress\n"
			       "                      boot on zvfio once more with the kernel's own\n"
			       "                      decompressor doing its work (by default the host\n"
			       "                      decompresses it: zvfio run --guest-decompress);\n"
			       "                      reported, not compared\n"
			       "  -h, --help          this help\n\n"
			       "Exit status: 0, 1 when a boot does not reach the line, 2 for a bad command\n"
			       "line.\n");
			return 0;
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
		case 'Q':
			if (cli_once("--qemu", &qemu, optarg))
				return EXIT_USAGE;
			break;
		case 'm':
			if (mem)
				return cli_usage_error("--mem given twice");
			if (!cli_ram_size("--mem", optarg, 16ULL << 20, &mem))
				return EXIT_USAGE;
			break;
		case 'C':
			if (count)
				return cli_usage_error("--count given twice");
			count = true;
			break;
		case 'G':
			if (guest_decomp)
				return cli_usage_error("--guest-decompress given twice");
			guest_decomp = true;
			break;
		case 't':
			if (timeout)
				return cli_usage_error("--timeout given twice");
			if (!cli_number("--timeout", optarg, 1, 3600, &v))
				return EXIT_USAGE;
			timeout = v;
			break;
		default:
			return cli_bad_option(c, argv, optind);
		}
	}
	if (!cli_no_operands(argc, argv, optind))
		return EXIT_USAGE;
	if (!kernel)
		return cli_usage_error("--kernel FILE is required");
	if (!append)
		append = DEFAULT_APPEND;
	if (!qemu)
		qemu = "qemu-system-s390x";
	if (!mem)
		mem = 256ULL << 20;
	if (!timeout)
		timeout = 300;
	c = boot_zvfio(kernel, initrd, append, mem, (unsigned)timeout, false, false, &zs);
	if (!c && count)
		c = boot_zvfio(kernel, initrd, append, mem, (unsigned)timeout, true, false, &cs);
	if (!c && guest_decomp)
		c = boot_zvfio(kernel, initrd, append, mem, (unsigned)timeout, false, true, &gs);
	if (c)
		return c;
	if (boot_qemu(qemu, kernel, initrd, append, mem, (unsigned)timeout, &qs))
		return EXIT_FAILED;
	printf("boot zvfio-s=%.2f qemu-s=%.2f ratio=%.2f\n", zs, qs, qs / zs);
	return 0;
}
