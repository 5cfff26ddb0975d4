/* SPDX-License-Identifier: MIT */
/*
 * The software machine's API answers to bad arguments and bad images: a
 * defined errno and message, no crash, nothing half done. The images are
 * written by the test (big-endian ELF headers built by hand), except the
 * build's own guest images for the runs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dev/dev.h"
#include "harness.h"
#include "zvfio/softcpu.h"
#include "zvfio/zvfio.h"


static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)(v >> 32)); put32(p + 4, (uint32_t)v); }

struct seg { uint64_t paddr, filesz, memsz; };

/* A static s390x ELF executable with the given PT_LOAD segments (each
 * filled with 0x07: BCR 0,7 no-ops), written to a temporary file. */
/* Write n bytes of buf to a new file /tmp/zvfio-test-WHAT.XXXXXX named in path. */
static char *temp_file(char *path, const char *what, const void *buf, size_t n)
{
	int fd;

	snprintf(path, 64, "/tmp/zvfio-test-%s.XXXXXX", what);
	fd = mkstemp(path);
	if (fd < 0 || write(fd, buf, n) != (ssize_t)n) {
		th_fail(__FILE__, __LINE__, "cannot write %s", path);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	close(fd);
	return path;
}

static char *write_elf(uint64_t entry, const struct seg *s, unsigned n)
{
	static char path[64];
	uint8_t buf[8192] = { 0 };
	uint64_t off = 64 + 56ULL * n;

	memcpy(buf, "\177ELF", 4);
	buf[4] = 2;			/* ELFCLASS64 */
	buf[5] = 2;			/* big-endian */
	buf[6] = 1;
	put16(buf + 16, 2);		/* ET_EXEC */
	put16(buf + 18, 22);		/* EM_S390 */
	put32(buf + 20, 1);
	put64(buf + 24, entry);
	put64(buf + 32, 64);		/* phoff */
	put16(buf + 52, 64);
	put16(buf + 54, 56);
	put16(buf + 56, (uint16_t)n);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *ph = buf + 64 + 56 * i;

		put32(ph, 1);		/* PT_LOAD */
		put32(ph + 4, 7);
		put64(ph + 8, off);
		put64(ph + 16, s[i].paddr);
		put64(ph + 24, s[i].paddr);
		put64(ph + 32, s[i].filesz);
		put64(ph + 40, s[i].memsz);
		memset(buf + off, 0x07, s[i].filesz);
		off += s[i].filesz;
	}
	return temp_file(path, "elf", buf, off);
}

static struct zv_softcpu *machine(void)
{
	static FILE *quiet;
	struct zv_softcpu_config cfg = { .mem_size = 16 << 20, .timeout_s = 60 };

	if (!quiet)
		quiet = fopen("/dev/null", "w");
	cfg.console = quiet;
	return zv_softcpu_create(&cfg, NULL, 0);
}

TEST(create_refuses_bad_configurations)
{
	struct zv_softcpu_config cfg = { .mem_size = (1 << 20) + 4096 };
	char err[128] = "";

	errno = 0;
	EXPECT(zv_softcpu_create(NULL, err, sizeof(err)) == NULL);
	EXPECT_EQ(errno, EINVAL);
	errno = 0;
	EXPECT(zv_softcpu_create(&cfg, err, sizeof(err)) == NULL);
	EXPECT_EQ(errno, EINVAL);
	EXPECT(strstr(err, "1 MiB") != NULL);
	errno = 0;
	EXPECT(zv_softcpu_create(&cfg, NULL, 128) == NULL);	/* no buffer: no crash */
	EXPECT_EQ(errno, EINVAL);
}

TEST(load_refuses_what_is_not_an_s390x_executable)
{
	struct zv_softcpu *sc = machine();
	struct seg s[1] = { { 0x10000, 0x100, 0x100 } };
	char err[256] = "", *p;
	FILE *f;

	errno = 0;
	EXPECT_EQ(zv_softcpu_load_elf(sc, "/nonexistent/x.elf", err, sizeof(err)), -1);
	EXPECT_EQ(errno, ENOENT);
	/* an ELF executable for another machine (x86-64, 62) */
	p = write_elf(0x10000, s, 1);
	if (!p)
		return;
	f = fopen(p, "r+");
	fseek(f, 18, SEEK_SET);
	fputc(0, f);
	fputc(62, f);
	fclose(f);
	errno = 0;
	EXPECT_EQ(zv_softcpu_load_elf(sc, p, err, sizeof(err)), -1);
	EXPECT_EQ(errno, ENOEXEC);
	EXPECT(strstr(err, "s390x") != NULL);
	errno = 0;
	EXPECT_EQ(zv_softcpu_load_elf(sc, p, NULL, 99), -1);
	EXPECT_EQ(errno, ENOEXEC);
	unlink(p);
	/* not an ELF file at all */
	errno = 0;
	EXPECT_EQ(zv_softcpu_load_elf(sc, "/dev/null", err, sizeof(err)), -1);
	EXPECT_EQ(errno, ENOEXEC);
	EXPECT_EQ(zv_softcpu_run(sc, NULL), ZV_RUN_FAULT);	/* nothing loaded */
	zv_softcpu_destroy(sc);
}

TEST(load_refuses_overlapping_segments)
{
	struct zv_softcpu *sc = machine();
	struct seg s[2] = { { 0x10000, 0x1000, 0x1000 }, { 0x10800, 0x100, 0x1000 } };
	char err[256] = "", *p = write_elf(0x10000, s, 2);

	if (!p)
		return;
	errno = 0;
	EXPECT_EQ(zv_softcpu_load_elf(sc, p, err, sizeof(err)), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT(strstr(err, "overlap") != NULL);
	/* the check comes before a byte is copied */
	EXPECT_EQ(zv_softcpu_ram(sc)[0x10000], 0);
	unlink(p);
	/* touching is not overlapping; bss-only segments count by memsz */
	s[1] = (struct seg){ 0x11000, 0, 0x1000 };
	p = write_elf(0x10000, s, 2);
	EXPECT_EQ(zv_softcpu_load_elf(sc, p, err, sizeof(err)), 0);
	unlink(p);
	s[1] = (struct seg){ 0x10fff, 0, 0x10 };
	p = write_elf(0x10000, s, 2);
	EXPECT_EQ(zv_softcpu_load_elf(sc, p, err, sizeof(err)), -1);
	unlink(p);
	zv_softcpu_destroy(sc);
}

TEST(a_failed_load_leaves_no_image)
{
	struct zv_softcpu *sc = machine();
	struct seg s[1] = { { 0x10000, 0x1000, 0x1000 } };
	char err[256] = "", *p;

	EXPECT_EQ(zv_softcpu_load_elf(sc, th_guest_image("machine.elf"), err, sizeof(err)), 0);
	/* a truncated image: the header says more than the file holds */
	p = write_elf(0x10000, s, 1);
	if (!p)
		return;
	EXPECT_EQ(truncate(p, 64 + 56 + 100), 0);
	errno = 0;
	EXPECT_EQ(zv_softcpu_load_elf(sc, p, err, sizeof(err)), -1);
	EXPECT_EQ(errno, EIO);
	unlink(p);
	/* guest RAM was overwritten in part: the machine must not run it */
	EXPECT_EQ(zv_softcpu_run(sc, NULL), ZV_RUN_FAULT);
	EXPECT(strstr(zv_softcpu_message(sc), "no guest image") != NULL);
	zv_softcpu_destroy(sc);
}

TEST(a_run_that_ended_stays_ended)
{
	struct zv_softcpu_config cfg = { .mem_size = 16 << 20, .timeout_s = 60,
					 .args = "mode=0 code=7" };
	struct zv_softcpu_stats a, b;
	struct zv_softcpu *sc;
	char err[256] = "";
	int status = -1;

	cfg.console = fopen("/dev/null", "w");
	sc = zv_softcpu_create(&cfg, err, sizeof(err));
	EXPECT_EQ(zv_softcpu_load_elf(sc, th_guest_image("machine.elf"), err, sizeof(err)), 0);
	EXPECT_EQ(zv_softcpu_run(sc, &status), ZV_RUN_EXIT);
	EXPECT_EQ(status, 7);
	zv_softcpu_stats_get(sc, &a);
	usleep(20000);
	status = -1;
	EXPECT_EQ(zv_softcpu_run(sc, &status), ZV_RUN_EXIT);
	EXPECT_EQ(status, 7);
	zv_softcpu_stats_get(sc, &b);
	EXPECT(a.seconds == b.seconds);		/* the run's time, not the time since */
	/* loading into a machine that has run is refused */
	errno = 0;
	EXPECT_EQ(zv_softcpu_load_elf(sc, th_guest_image("machine.elf"), err, sizeof(err)), -1);
	EXPECT_EQ(errno, EBUSY);
	zv_softcpu_destroy(sc);
	fclose(cfg.console);
}

/* Guest stores take TCG's fast path on pages without code (src/hv/ucstore.c
 * found Unicorn's TLB and its functions are called); ZV_SLOW_STORES=1 turns
 * that off and says so; both run the same guest to the same end. A fully
 * static build (the big-endian host suite) says why it has no fast path. */
TEST(stores_are_fast_unless_asked_not_to_be)
{
	struct zv_softcpu_config cfg = { .mem_size = 16 << 20, .timeout_s = 60,
					 .args = "mode=0 code=5" };
	struct zv_softcpu_stats st;
	struct zv_softcpu *sc;
	char err[256] = "";
	int status;

	cfg.console = fopen("/dev/null", "w");
	for (int slow = 0; slow < 2; slow++) {
		if (slow)
			setenv("ZV_SLOW_STORES", "1", 1);
		sc = zv_softcpu_create(&cfg, err, sizeof(err));
		EXPECT(sc != NULL);
		if (!sc)
			break;
		zv_softcpu_stats_get(sc, &st);
#ifdef ZV_UNICORN_STATIC	/* libunicorn.a: zvfio defines none of its functions */
		EXPECT_EQ(st.fast_stores, false);
		EXPECT(st.slow_stores_why && strstr(st.slow_stores_why,
						    slow ? "ZV_SLOW_STORES" : "statically"));
#else
		EXPECT_EQ(st.fast_stores, !slow);
		EXPECT(slow ? st.slow_stores_why && strstr(st.slow_stores_why, "ZV_SLOW_STORES")
			    : st.slow_stores_why == NULL);
#endif
		EXPECT_EQ(zv_softcpu_load_elf(sc, th_guest_image("machine.elf"), err, sizeof(err)), 0);
		status = -1;
		EXPECT_EQ(zv_softcpu_run(sc, &status), ZV_RUN_EXIT);
		EXPECT_EQ(status, 5);
#ifndef ZV_UNICORN_STATIC
		zv_softcpu_stats_get(sc, &st);
		EXPECT(st.code_pages_marked > 0);	/* the guest's code pages */
#endif
		zv_softcpu_destroy(sc);
	}
	unsetenv("ZV_SLOW_STORES");
	fclose(cfg.console);
}

/* No hook on every block unless asked (counting, ZV_BLOCK_HOOK): the
 * start-up probes of Unicorn's exit-check flag and EXECUTE state pass, and
 * the guest runs to the same end either way; only a counted run knows its
 * instructions. */
TEST(blocks_are_hooked_only_when_counted)
{
	struct zv_softcpu_config cfg = { .mem_size = 16 << 20, .timeout_s = 60,
					 .args = "mode=0 code=3" };
	static const char *const want_why[] = { NULL, "counting instructions", "ZV_BLOCK_HOOK" };
	struct zv_softcpu_stats st;
	struct zv_softcpu *sc;
	char err[256] = "";
	int status;

	cfg.console = fopen("/dev/null", "w");
	for (int mode = 0; mode < 3; mode++) {
		cfg.count_instructions = mode == 1;
		if (mode == 2)
			setenv("ZV_BLOCK_HOOK", "1", 1);
		sc = zv_softcpu_create(&cfg, err, sizeof(err));
		EXPECT(sc != NULL);
		if (!sc)
			break;
		zv_softcpu_stats_get(sc, &st);
		EXPECT_EQ(st.counted, mode != 0);
		EXPECT(mode ? st.block_hook_why && strstr(st.block_hook_why, want_why[mode])
			    : st.block_hook_why == NULL);
		EXPECT_EQ(zv_softcpu_load_elf(sc, th_guest_image("machine.elf"), err, sizeof(err)), 0);
		status = -1;
		EXPECT_EQ(zv_softcpu_run(sc, &status), ZV_RUN_EXIT);
		EXPECT_EQ(status, 3);
		zv_softcpu_stats_get(sc, &st);
		EXPECT(mode ? st.instructions > 1000 && st.blocks > 100
			    : st.instructions == 0 && st.blocks == 0);
		EXPECT(st.intercepts > 0);
		zv_softcpu_destroy(sc);
	}
	unsetenv("ZV_BLOCK_HOOK");
	fclose(cfg.console);
}

/* A file of n bytes with "S390EP" at 0x10008 (when linux) and the command
 * line size maxcl at 0x10430 (when it is that long): the layout of an s390x
 * Linux image's head. */
static const char *fake_kernel(char *path, size_t n, bool linux, uint64_t maxcl)
{
	uint8_t *buf = calloc(1, n);
	const char *p;

	if (!buf)
		return NULL;
	if (linux && n > 0x10010)
		memcpy(buf + 0x10008, "S390EP", 6);
	if (n > 0x10438)
		put64(buf + 0x10430, maxcl);
	p = temp_file(path, "kernel", buf, n);
	free(buf);
	return p;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

TEST(load_kernel_places_image_command_line_and_initrd)
{
	struct zv_softcpu *sc = machine();
	char kpath[64], ipath[64], err[256];
	const char *k = fake_kernel(kpath, 9 << 20, true, 4096);	/* 9 MiB: above 8 MiB */
	const char *i = fake_kernel(ipath, 4096, false, 0);
	uint8_t *ram;

	EXPECT(sc && k && i);
	EXPECT_EQ(zv_softcpu_load_kernel(sc, k, i, "console=ttysclp0 nosmp", err, sizeof(err)), 0);
	ram = zv_softcpu_ram(sc);
	EXPECT(!memcmp(ram + 0x10008, "S390EP", 6));
	EXPECT(!strcmp((const char *)ram + 0x10480, "console=ttysclp0 nosmp"));
	/* the initrd 1 MiB above the image, at a MiB boundary: 10 MiB */
	EXPECT_EQ(get64(ram + 0x10408), 10ULL << 20);
	EXPECT_EQ(get64(ram + 0x10410), 4096);
	zv_softcpu_destroy(sc);
	unlink(k);
	unlink(i);
}

TEST(load_kernel_refuses_what_it_cannot_boot)
{
	struct zv_softcpu *sc = machine();
	char kpath[64], lpath[64], spath[64], err[256], cl[1000];
	const char *k = fake_kernel(kpath, 1 << 20, true, 0);	/* legacy: 896 bytes */
	const char *nl = fake_kernel(lpath, 1 << 20, false, 0);
	const char *small = fake_kernel(spath, 4096, false, 0);

	EXPECT(sc && k && nl && small);
	memset(cl, 'x', sizeof(cl) - 1);
	cl[sizeof(cl) - 1] = 0;
	errno = 0;
	EXPECT_EQ(zv_softcpu_load_kernel(sc, k, NULL, cl, err, sizeof(err)), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT(strstr(err, "at most 895") != NULL);
	errno = 0;
	EXPECT_EQ(zv_softcpu_load_kernel(sc, nl, NULL, NULL, err, sizeof(err)), -1);
	EXPECT_EQ(errno, ENOEXEC);
	errno = 0;
	EXPECT_EQ(zv_softcpu_load_kernel(sc, small, NULL, NULL, err, sizeof(err)), -1);
	EXPECT_EQ(errno, ENOEXEC);
	errno = 0;
	EXPECT_EQ(zv_softcpu_load_kernel(sc, "/nonexistent/vmlinuz", NULL, NULL, err, sizeof(err)), -1);
	EXPECT_EQ(errno, ENOENT);
	errno = 0;
	EXPECT_EQ(zv_softcpu_load_kernel(NULL, k, NULL, NULL, err, sizeof(err)), -1);
	EXPECT_EQ(errno, EINVAL);
	/* no image counts as loaded after a failure */
	errno = 0;
	EXPECT_EQ(zv_softcpu_run(sc, NULL), ZV_RUN_FAULT);
	EXPECT_EQ(errno, ENOEXEC);
	zv_softcpu_destroy(sc);
	{	/* a command-line area (the image's own length, 1 MiB) past a 1 MiB
		 * RAM: refused, nothing written outside RAM (it was) */
		struct zv_softcpu_config c1 = { .mem_size = 1 << 20, .timeout_s = 10 };
		char bpath[64];
		const char *big = fake_kernel(bpath, 0x10480 + 4096, true, 1 << 20);

		sc = zv_softcpu_create(&c1, err, sizeof(err));
		EXPECT(sc && big);
		errno = 0;
		EXPECT_EQ(zv_softcpu_load_kernel(sc, big, NULL, NULL, err, sizeof(err)), -1);
		EXPECT_EQ(errno, EINVAL);
		EXPECT(strstr(err, "outside guest RAM") != NULL);
		zv_softcpu_destroy(sc);
		unlink(big);
	}
	unlink(k);
	unlink(nl);
	unlink(small);
}

/* The clock fast-forwards an idle guest to its next timer -- unless a
 * function's device works in host time (vfio:), whose work the guest's
 * timeouts must measure in host time: then a sleep of the guest's lasts
 * as long on the host. machine.elf mode 7 sleeps on the clock comparator
 * in an enabled wait; the device is an emu:dma marked as a vfio: one is. */
static double sleep_run(uint64_t ms, bool host_time, unsigned *count)
{
	struct zv_softcpu_config cfg = { .mem_size = 16 << 20, .timeout_s = 60 };
	struct zv_softcpu_stats st;
	struct zv_softcpu *sc;
	struct zv_device *d;
	char err[256] = "", args[64];
	int status = -1;

	snprintf(args, sizeof(args), "mode=7 ms=%lu", (unsigned long)ms);
	cfg.args = args;
	cfg.console = fopen("/dev/null", "w");
	sc = zv_softcpu_create(&cfg, err, sizeof(err));
	d = zv_device_open("emu:dma", err, sizeof(err));
	EXPECT(sc && d);
	d->host_time = host_time;
	EXPECT(zv_function_add(zv_softcpu_machine(sc), d, 1, 0) != NULL);
	*count = zv_host_time_devices(zv_softcpu_machine(sc));
	EXPECT_EQ(zv_softcpu_load_elf(sc, th_guest_image("machine.elf"), err, sizeof(err)), 0);
	EXPECT_EQ(zv_softcpu_run(sc, &status), ZV_RUN_EXIT);
	EXPECT_EQ(status, 0);
	zv_softcpu_stats_get(sc, &st);
	zv_softcpu_destroy(sc);
	fclose(cfg.console);
	return st.seconds;
}

TEST(idle_guest_fast_forwarded_unless_a_device_works_in_host_time)
{
	unsigned n;
	double s;

	/* 5 s of guest sleep with emu: devices only: far less on the host
	 * (a slow machine, valgrind included, starts in well under that) */
	s = sleep_run(5000, false, &n);
	EXPECT_EQ(n, 0);
	EXPECT(s < 4.0);
	/* 300 ms with a host-time device: at least 300 ms on the host */
	s = sleep_run(300, true, &n);
	EXPECT_EQ(n, 1);
	EXPECT(s >= 0.3);
}

/* Intercepted instructions cost no Unicorn hook each: the guest meets 1
 * and 100,000 distinct SIC sites, and the machine holds the same few
 * hooks either way (Unicorn looks at every hook of a kind on each of its
 * calls: the old per-site code hooks made an intercept cost grow with the
 * guest's code, 77.7 us with 10,000 sites). Under valgrind fewer sites. */
TEST(intercept_sites_take_no_hook_each)
{
	const char *scale = getenv("ZV_TEST_TIME_SCALE");
	unsigned many = scale && atoi(scale) > 1 ? 5000 : 100000;
	uint64_t hooks[2] = { 0, 0 }, sites[2] = { 0, 0 };

	for (int i = 0; i < 2; i++) {
		struct zv_softcpu_config cfg = { .mem_size = 64 << 20, .timeout_s = 120 };
		struct zv_softcpu_stats st;
		struct zv_softcpu *sc;
		char args[64], err[256] = "";
		int status = -1;

		snprintf(args, sizeof(args), "n=%u loops=100", i ? many : 1);
		cfg.args = args;
		cfg.console = fopen("/dev/null", "w");
		sc = zv_softcpu_create(&cfg, err, sizeof(err));
		EXPECT(sc != NULL);
		if (!sc)
			return;
		EXPECT_EQ(zv_softcpu_load_elf(sc, th_guest_image("sites.elf"), err, sizeof(err)), 0);
		EXPECT_EQ(zv_softcpu_run(sc, &status), ZV_RUN_EXIT);
		EXPECT_EQ(status, 0);
		zv_softcpu_stats_get(sc, &st);
		hooks[i] = st.unicorn_hooks;
		sites[i] = st.translated_sites;
		zv_softcpu_destroy(sc);
		fclose(cfg.console);
	}
	EXPECT(sites[1] >= many);
	EXPECT(sites[1] > sites[0] + many - 2);
	EXPECT_EQ(hooks[1], hooks[0]);
	EXPECT(hooks[0] >= 1 && hooks[0] <= 5);
}
