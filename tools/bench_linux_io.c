/* SPDX-License-Identifier: MIT */
/*
 * zvfio bench linux-io: Linux's own virtio_blk driver doing I/O on zvfio's
 * software machine (two emu:virtio-blk functions) and on qemu-system-s390x
 * (TCG; two virtio-blk-pci functions on its zPCI bus, iommu_platform=on so
 * their DMA goes through the zPCI IOMMU too), with the same kernel,
 * initramfs, command line and scratch files, one after the other in one
 * run. The initramfs is the I/O check's (tests/linux/io-init.sh: `make
 * demo-linux` leaves one in /tmp/zv-linux/demo-linux/initrd.gz): dd writes
 * and reads MIB MiB with O_DIRECT, then through the page cache, timed by the
 * guest and checksummed. zvfio also runs with QEMU's way of RPCIT (a
 * mapping per page, ZV_MACHINE_DMA_PER_PAGE) and with the guest's IOMMU
 * driver strict and lazy (iommu.strict=), for RPCITs and backend map calls
 * per MiB. The last line is "linux-io zvfio-mibs=X qemu-mibs=Y ratio=Z"
 * (X, Y: the four transfers' MiB over their seconds; Z = X / Y).
 */
#include <errno.h>
#include <fcntl.h>
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
#include "zvfio/zvfio.h"

#define APPEND "console=ttysclp0 nosmp quiet"
#define CON_MAX (1u << 20)

static const char *const phases[4] = { "direct-write", "direct-read", "buffered-write",
				       "buffered-read" };

struct io_run {
	char con[CON_MAX];
	size_t len;
	double secs[4];
	bool ok;
	char why[160];
	struct zv_stats st;
	double wall;
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void feed(struct io_run *r, const char *buf, size_t n)
{
	if (n > sizeof(r->con) - 1 - r->len)
		n = sizeof(r->con) - 1 - r->len;
	memcpy(r->con + r->len, buf, n);
	r->len += n;
	r->con[r->len] = 0;
}

static ssize_t console_write(void *cookie, const char *buf, size_t n)
{
	feed(cookie, buf, n);
	return (ssize_t)n;
}

/* The value after "key=" on the console's line that starts with "ZVIO name ". */
static bool field(const struct io_run *r, const char *name, const char *key, char *out, size_t n)
{
	char start[64], k[32];
	const char *l = r->con, *e, *v;

	snprintf(start, sizeof(start), "ZVIO %s ", name);
	snprintf(k, sizeof(k), " %s=", key);
	while ((l = strstr(l, start))) {
		if (l == r->con || l[-1] == '\n' || l[-1] == '\r')
			break;
		l++;
	}
	if (!l)
		return false;
	e = strchr(l, '\n');
	v = strstr(l, k);
	if (!v || (e && v > e))
		return false;
	v += strlen(k);
	snprintf(out, n, "%.*s", (int)strcspn(v, " \r\n"), v);
	return true;
}

/* The transfers' times and checksums from the console. */
static void parse(struct io_run *r)
{
	char pat[40], back[40], a[32], b[32];

	r->ok = false;
	if (!field(r, "pattern", "md5", pat, sizeof(pat))) {
		snprintf(r->why, sizeof(r->why), "no pattern written");
		return;
	}
	for (int i = 0; i < 4; i++) {
		if (!field(r, phases[i], "rc", a, sizeof(a)) || strcmp(a, "0")) {
			snprintf(r->why, sizeof(r->why), "%s failed", phases[i]);
			return;
		}
		if (!field(r, phases[i], "t0", a, sizeof(a)) || !field(r, phases[i], "t1", b, sizeof(b)))
			return;
		r->secs[i] = strtod(b, NULL) - strtod(a, NULL);
		if (r->secs[i] < 1e-3)
			r->secs[i] = 1e-3;	/* no faster than that */
	}
	if (!field(r, "direct-back", "md5", back, sizeof(back)) || strcmp(back, pat) ||
	    !field(r, "buffered-back", "md5", back, sizeof(back)) || strcmp(back, pat)) {
		snprintf(r->why, sizeof(r->why), "what was read back differs from what was written");
		return;
	}
	r->ok = true;
}

static double total_rate(const struct io_run *r, unsigned mib)
{
	return 4.0 * mib / (r->secs[0] + r->secs[1] + r->secs[2] + r->secs[3]);
}

static int make_disks(char *dir, unsigned mib, char disk[2][64])
{
	static const char *const names[2] = { "vda.img", "vdb.img" };
	uint64_t sizes[2] = { (2ULL * mib + 16) << 20, 32ULL << 20 };

	for (int i = 0; i < 2; i++) {
		int fd;

		snprintf(disk[i], 64, "%s/%s", dir, names[i]);
		unlink(disk[i]);
		fd = open(disk[i], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || ftruncate(fd, (off_t)sizes[i])) {
			fprintf(stderr, "zvfio bench linux-io: %s: %s\n", disk[i], strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

static int run_zvfio(const char *kernel, const char *initrd, const char *append, uint64_t mem,
		     unsigned timeout, uint32_t flags, char disk[2][64], struct io_run *r)
{
	static const cookie_io_functions_t io = { .write = console_write };
	struct zv_softcpu_config cfg = { .mem_size = mem, .timeout_s = timeout,
					 .machine_flags = flags };
	struct zv_softcpu *sc;
	char err[256], spec[192];
	FILE *con = fopencookie(r, "w", io);
	enum zv_run_end end;
	double t0;
	int rc = 1;

	if (!con) {
		fprintf(stderr, "zvfio bench linux-io: fopencookie: %s\n", strerror(errno));
		return 1;
	}
	setvbuf(con, NULL, _IONBF, 0);
	cfg.console = con;
	sc = zv_softcpu_create(&cfg, err, sizeof(err));
	if (!sc) {
		fprintf(stderr, "zvfio bench linux-io: %s\n", err);
		fclose(con);
		return 1;
	}
	for (int i = 0; i < 2; i++) {
		snprintf(spec, sizeof(spec), "emu:virtio-blk,file=%s", disk[i]);
		if (!zv_function_add_spec(zv_softcpu_machine(sc), spec, err, sizeof(err))) {
			fprintf(stderr, "zvfio bench linux-io: %s: %s\n", spec, err);
			goto out;
		}
	}
	if (zv_softcpu_load_kernel(sc, kernel, initrd, append, err, sizeof(err))) {
		cli_error("zvfio bench linux-io: %s", err);
		rc = EXIT_USAGE;
		goto out;
	}
	t0 = now();
	end = zv_softcpu_run(sc, NULL);
	r->wall = now() - t0;
	zv_stats_get(zv_softcpu_machine(sc), &r->st);
	parse(r);
	if (end != ZV_RUN_STOPPED && r->ok) {
		r->ok = false;
		snprintf(r->why, sizeof(r->why), "the run ended: %s", zv_softcpu_message(sc));
	}
	rc = 0;
out:
	zv_softcpu_destroy(sc);
	fclose(con);
	return rc;
}

static bool qemu_feed(void *ctx, const char *buf, size_t n)
{
	struct io_run *r = ctx;

	feed(r, buf, n);
	return strstr(r->con, "ZVIO done") != NULL;
}

static int run_qemu(const char *qemu, const char *kernel, const char *initrd, const char *append,
		    uint64_t mem, unsigned timeout, char disk[2][64], struct io_run *r)
{
	char drv[2][200];
	const char *extra[16];
	struct qemu_s390x q = { .qemu = qemu, .kernel = kernel, .initrd = initrd, .append = append,
				.mem = mem, .extra = extra, .timeout = timeout };
	int n = 0;

	for (int i = 0; i < 2; i++) {
		/* the same files, raw; on the zPCI bus (uid i+1), modern only
		 * (zPCI cannot size an I/O BAR), DMA through the zPCI IOMMU */
		snprintf(drv[i], sizeof(drv[i]), "if=none,id=d%d,file=%s,format=raw", i, disk[i]);
		extra[n++] = "-drive";
		extra[n++] = drv[i];
		extra[n++] = "-device";
		extra[n++] = i ? "zpci,uid=2,fid=2,target=blk1" : "zpci,uid=1,fid=1,target=blk0";
		extra[n++] = "-device";
		extra[n++] = i ? "virtio-blk-pci,id=blk1,drive=d1,disable-legacy=on,iommu_platform=on"
			       : "virtio-blk-pci,id=blk0,drive=d0,disable-legacy=on,iommu_platform=on";
	}
	extra[n] = NULL;
	if (qemu_s390x_run("zvfio bench linux-io", &q, qemu_feed, r, &r->wall))
		return 1;
	parse(r);
	return 0;
}

static void report(const char *who, const struct io_run *r, unsigned mib, bool zvfio)
{
	double moved = (double)(r->st.dma_read_bytes + r->st.dma_write_bytes) / (1 << 20);

	if (!r->ok) {
		const char *t = r->len > 400 ? r->con + r->len - 400 : r->con;

		printf("%-28s failed: %s; the console ended with:\n%s\n", who, r->why, t);
		return;
	}
	printf("%-28s %6.1f MiB/s (O_DIRECT %.1f write, %.1f read; page cache %.1f write, %.1f read)",
	       who, total_rate(r, mib), mib / r->secs[0], mib / r->secs[1], mib / r->secs[2],
	       mib / r->secs[3]);
	if (zvfio && moved > 0)
		printf("; %.1f RPCIT/MiB, %.1f map calls/MiB", (double)r->st.intercepts[ZV_INSN_RPCIT] / moved,
		       (double)r->st.map_calls / moved);
	printf("\n");
}

int bench_linux_io(int argc, char **argv);	/* zvfio.c dispatches to it */

int bench_linux_io(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "mib", required_argument, NULL, 'n' },
		{ "qemu", required_argument, NULL, 'Q' },
		{ "mem", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' },
		{ "quick", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static struct io_run runs[6];
	static const struct { const char *name; uint32_t flags; const char *strict; } variants[5] = {
		{ "zvfio", 0, "" },
		{ "zvfio, iommu.strict=1", 0, " iommu.strict=1" },
		{ "zvfio, iommu.strict=0", 0, " iommu.strict=0" },
		{ "zvfio per-page, strict=1", ZV_MACHINE_DMA_PER_PAGE, " iommu.strict=1" },
		{ "zvfio per-page, strict=0", ZV_MACHINE_DMA_PER_PAGE, " iommu.strict=0" },
	};
	const char *kernel = NULL, *initrd = NULL, *qemu = NULL;
	uint64_t mem = 0, v, timeout = 0, mib = 0;
	char dir[] = "/tmp/zvfio-linux-io-XXXXXX", disk[2][64] = { "", "" }, append[160];
	bool quick = false;
	int c, rc = 0;

	cli_cmd = "zvfio bench linux-io";
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":k:i:m:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			if (!cli_no_operands(argc, argv, optind))
				return EXIT_USAGE;
			printf("usage: zvfio bench linux-io --kernel FILE --initrd FILE [--mib N] [--quick]\n"
			       "                            [--qemu PATH] [--mem SIZE] [--timeout SEC]\n\n"
			       "Boot the s390x Linux kernel FILE with the I/O check's initramfs on zvfio's\n"
			       "software machine (two emu:virtio-blk functions) and on qemu-system-s390x (TCG;\n"
			       "two virtio-blk-pci functions on its zPCI bus, DMA through the zPCI IOMMU),\n"
			       "the same scratch files for both, one after the other. In the guest, Linux's\n"
			       "virtio_blk driver and dd write and read N MiB with O_DIRECT, then through the\n"
			       "page cache; the guest times each transfer and checksums what it reads back.\n"
			       "zvfio runs again with the guest's IOMMU driver strict and lazy, and with\n"
			       "QEMU's way of RPCIT (a mapping per page), for RPCITs and backend map calls\n"
			       "per MiB moved. The last line is\n"
			       "  linux-io zvfio-mibs=X qemu-mibs=Y ratio=Z   (Z = X / Y: above 1, zvfio is faster)\n"
			       "with X and Y the four transfers' MiB over their seconds.\n\n"
			       "Options:\n"
			       "  -k, --kernel FILE   the kernel image (Debian's vmlinuz; required)\n"
			       "  -i, --initrd FILE   the I/O check's initramfs (tests/linux/io-init.sh as\n"
			       "                      /init, busybox, the kernel's virtio modules; `make\n"
			       "                      demo-linux` leaves one in\n"
			       "                      /tmp/zv-linux/demo-linux/initrd.gz; required)\n"
			       "      --mib N         MiB each transfer moves, 1..1024 (default 64)\n"
			       "      --quick         only zvfio and QEMU, no strict/lazy/per-page variants\n"
			       "      --qemu PATH     the QEMU binary (default qemu-system-s390x)\n"
			       "  -m, --mem SIZE      guest RAM for both, 256M to 64G (default 512M; the\n"
			       "                      guest holds 2 x N MiB in its RAM disk)\n"
			       "  -t, --timeout SEC   give up on a boot after SEC seconds, 1..3600 (default\n"
			       "                      600)\n"
			       "  -h, --help          this help\n\n"
			       "Exit status: 0, 1 when a run fails or reads back other data, 2 for a bad\n"
			       "command line.\n");
			return 0;
		case 'k':
			if (cli_once("--kernel", &kernel, optarg))
				return EXIT_USAGE;
			break;
		case 'i':
			if (cli_once("--initrd", &initrd, optarg))
				return EXIT_USAGE;
			break;
		case 'Q':
			if (cli_once("--qemu", &qemu, optarg))
				return EXIT_USAGE;
			break;
		case 'n':
			if (mib)
				return cli_usage_error("--mib given twice");
			if (!cli_number("--mib", optarg, 1, 1024, &mib))
				return EXIT_USAGE;
			break;
		case 'q':
			quick = true;
			break;
		case 'm':
			if (mem)
				return cli_usage_error("--mem given twice");
			if (!cli_ram_size("--mem", optarg, 256ULL << 20, &mem))
				return EXIT_USAGE;
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
	if (!kernel || !initrd)
		return cli_usage_error("--kernel FILE and --initrd FILE are required");
	if (!mib)
		mib = 64;
	if (!qemu)
		qemu = "qemu-system-s390x";
	if (!mem)
		mem = 512ULL << 20;
	if (!timeout)
		timeout = 600;
	if (!mkdtemp(dir)) {
		fprintf(stderr, "zvfio bench linux-io: mkdtemp: %s\n", strerror(errno));
		return EXIT_FAILED;
	}
	for (int i = 0; i < (quick ? 1 : 5) && !rc; i++) {
		snprintf(append, sizeof(append), APPEND " zvio.mib=%u%s", (unsigned)mib,
			 variants[i].strict);
		rc = make_disks(dir, (unsigned)mib, disk) ? EXIT_FAILED :
		     run_zvfio(kernel, initrd, append, mem, (unsigned)timeout, variants[i].flags, disk,
			       &runs[i]);
		if (!rc)
			report(variants[i].name, &runs[i], (unsigned)mib, true);
	}
	if (!rc) {
		snprintf(append, sizeof(append), APPEND " zvio.mib=%u", (unsigned)mib);
		rc = make_disks(dir, (unsigned)mib, disk) ? EXIT_FAILED :
		     run_qemu(qemu, kernel, initrd, append, mem, (unsigned)timeout, disk, &runs[5]);
		if (!rc)
			report("qemu (TCG)", &runs[5], (unsigned)mib, false);
	}
	for (int i = 0; i < 2; i++)
		if (disk[i][0])
			unlink(disk[i]);
	rmdir(dir);
	if (rc)
		return rc;
	for (int i = 0; i < (quick ? 1 : 5); i++)
		if (!runs[i].ok)
			return EXIT_FAILED;
	if (!runs[5].ok)
		return EXIT_FAILED;
	printf("linux-io zvfio-mibs=%.1f qemu-mibs=%.1f ratio=%.2f\n", total_rate(&runs[0], (unsigned)mib),
	       total_rate(&runs[5], (unsigned)mib),
	       total_rate(&runs[0], (unsigned)mib) / total_rate(&runs[5], (unsigned)mib));
	return 0;
}
