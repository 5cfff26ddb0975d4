/* SPDX-License-Identifier: MIT */
/*
 * The host side of the guest ABI (zvfio/guest_env.h) on its own: storage
 * made of several regions, as a KVM VMM's memory slots may be; images
 * crafted here; every hypercall with good and bad operands.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "zvfio/guest_env.h"

#define MIB (1ULL << 20)

static uint8_t lo[MIB], hi[MIB];	/* absolute 0..1 MiB and 4..5 MiB */
static const struct zv_mem_region two[] = {
	{ .gpa = 0, .size = MIB, .host = lo },
	{ .gpa = 4 * MIB, .size = MIB, .host = hi },
};

static void put16(uint8_t *p, uint64_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint64_t v) { put16(p, v >> 16); put16(p + 2, v); }
static void put64(uint8_t *p, uint64_t v) { put32(p, v >> 32); put32(p + 4, v); }

struct seg { uint64_t pa, filesz, memsz; uint8_t fill; };

/* An s390x ET_EXEC with the given PT_LOAD segments (file bytes = fill),
 * written to a temporary file whose path is returned (static buffer). */
static const char *image(uint64_t entry, const struct seg *s, unsigned n)
{
	static char path[64];
	uint8_t f[4096] = { 0 };
	uint64_t off = 64 + 56 * (uint64_t)n;
	int fd;

	memcpy(f, "\177ELF\2\2\1", 7);
	put16(f + 16, 2);		/* ET_EXEC */
	put16(f + 18, 22);		/* EM_S390 */
	put64(f + 24, entry);
	put64(f + 32, 64);		/* e_phoff */
	put16(f + 54, 56);
	put16(f + 56, n);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *ph = f + 64 + 56 * i;

		put32(ph, 1);		/* PT_LOAD */
		put64(ph + 8, off);
		put64(ph + 24, s[i].pa);
		put64(ph + 32, s[i].filesz);
		put64(ph + 40, s[i].memsz);
		memset(f + off, s[i].fill, s[i].filesz);
		off += s[i].filesz;
	}
	snprintf(path, sizeof(path), "/tmp/zv-genv-%d.elf", (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	EXPECT(fd >= 0 && write(fd, f, off) == (ssize_t)off);
	close(fd);
	return path;
}

/* the images image() wrote go with the test */
__attribute__((destructor)) static void remove_image(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/tmp/zv-genv-%d.elf", (int)getpid());
	unlink(path);
}

static struct zv_guest_env *env(const char *args, FILE *console)
{
	struct zv_guest_env_config c = { .mem = two, .n_mem = 2, .console = console, .args = args };
	char err[128];
	struct zv_guest_env *e = zv_guest_env_create(&c, err, sizeof(err));

	EXPECT(e != NULL);
	return e;
}

TEST(guest_env_refuses_bad_storage)
{
	struct zv_mem_region r[2] = { { 0, MIB, lo }, { MIB / 2, MIB, hi } };
	struct zv_guest_env_config c = { .mem = r, .n_mem = 2 };
	char err[128] = "";

	errno = 0;
	EXPECT(!zv_guest_env_create(&c, err, sizeof(err)) && errno == EINVAL);
	EXPECT(strstr(err, "overlap") != NULL);
	r[1] = (struct zv_mem_region){ 2 * MIB, 0, hi };
	EXPECT(!zv_guest_env_create(&c, err, sizeof(err)) && errno == EINVAL);
	r[1] = (struct zv_mem_region){ 2 * MIB, MIB, NULL };
	EXPECT(!zv_guest_env_create(&c, NULL, 0) && errno == EINVAL);
	r[1] = (struct zv_mem_region){ UINT64_MAX - 10, MIB, hi };	/* wraps */
	EXPECT(!zv_guest_env_create(&c, err, sizeof(err)) && errno == EINVAL);
	c.n_mem = 0;
	EXPECT(!zv_guest_env_create(&c, err, sizeof(err)) && errno == EINVAL);
	EXPECT(!zv_guest_env_create(NULL, err, sizeof(err)) && errno == EINVAL);
	zv_guest_env_destroy(NULL);
}

TEST(guest_env_loads_segments_into_any_region)
{
	struct zv_guest_env *e = env(NULL, NULL);
	struct seg s[] = { { 0x3000, 100, 200, 0xaa }, { 4 * MIB + 0x10, 50, 50, 0xbb } };
	uint64_t entry = 0;
	char err[160];

	memset(lo, 0x55, sizeof(lo));
	EXPECT_EQ(zv_guest_load_elf(e, image(4 * MIB + 0x10, s, 2), &entry, err, sizeof(err)), 0);
	EXPECT_EQ(entry, 4 * MIB + 0x10);
	EXPECT(lo[0x3000] == 0xaa && lo[0x3000 + 99] == 0xaa);
	EXPECT(lo[0x3000 + 100] == 0 && lo[0x3000 + 199] == 0 && lo[0x3000 + 200] == 0x55);
	EXPECT(hi[0x10] == 0xbb && hi[0x10 + 49] == 0xbb);
	zv_guest_env_destroy(e);
}

TEST(guest_env_refuses_bad_layouts_before_writing)
{
	struct zv_guest_env *e = env(NULL, NULL);
	/* the second segment is good, so a write before the checks would show */
	struct seg across[] = { { 0x4000, 16, 16, 0x11 }, { MIB - 8, 16, 16, 0x22 } };
	struct seg gap[] = { { 0x4000, 16, 16, 0x11 }, { 2 * MIB, 16, 16, 0x22 } };
	struct seg prefix[] = { { 0x4000, 16, 16, 0x11 }, { 0x1ff0, 16, 16, 0x22 } };
	struct seg overlap[] = { { 0x4000, 16, 16, 0x11 }, { 0x400f, 16, 16, 0x22 } };
	struct seg good[] = { { 0x4000, 16, 16, 0x11 } };
	char err[160];

	memset(lo, 0, sizeof(lo));
	errno = 0;
	EXPECT(zv_guest_load_elf(e, image(0x4000, across, 2), NULL, err, sizeof(err)) && errno == EINVAL);
	EXPECT(zv_guest_load_elf(e, image(0x4000, gap, 2), NULL, err, sizeof(err)) && errno == EINVAL);
	EXPECT(zv_guest_load_elf(e, image(0x4000, prefix, 2), NULL, err, sizeof(err)) && errno == EINVAL);
	EXPECT(zv_guest_load_elf(e, image(0x4000, overlap, 2), NULL, err, sizeof(err)) && errno == EINVAL);
	EXPECT(strstr(err, "overlap") != NULL);
	EXPECT(zv_guest_load_elf(e, image(3 * MIB, good, 1), NULL, err, sizeof(err)) && errno == EINVAL);
	EXPECT_EQ(lo[0x4000], 0);
	EXPECT(zv_guest_load_elf(e, "/nonexistent/guest.elf", NULL, err, sizeof(err)) &&
	       errno == ENOENT);
	{	/* the same image for another machine (EM_X86_64), and no ELF at all */
		const char *path = image(0x4000, good, 1);
		int fd = open(path, O_WRONLY);
		static const uint8_t em_x86_64[2] = { 0, 62 };

		EXPECT(fd >= 0 && pwrite(fd, em_x86_64, 2, 18) == 2);
		close(fd);
		EXPECT(zv_guest_load_elf(e, path, NULL, err, sizeof(err)) && errno == ENOEXEC);
		fd = open(path, O_WRONLY);
		EXPECT(fd >= 0 && pwrite(fd, "#!", 2, 0) == 2);
		close(fd);
		EXPECT(zv_guest_load_elf(e, path, NULL, err, sizeof(err)) && errno == ENOEXEC);
		unlink(path);
	}
	EXPECT(zv_guest_load_elf(NULL, "x", NULL, NULL, 0) && errno == EINVAL);
	EXPECT_EQ(lo[0x4000], 0);
	zv_guest_env_destroy(e);
}

TEST(guest_env_answers_hypercalls)
{
	char out[64] = "";
	FILE *con = fmemopen(out, sizeof(out), "w");
	struct zv_guest_env *e = env("mib=4 irqs=9", con);
	uint64_t r[4], v;
	int value = -1;

	memcpy(hi + 0x100, "hello\n", 6);
	r[1] = ZV_HC_WRITE, r[2] = 4 * MIB + 0x100, r[3] = 6;
	EXPECT_EQ(zv_guest_hypercall(e, r, &value), ZV_GUEST_HC_DONE);
	EXPECT_EQ(r[2], 6);
	EXPECT(!strcmp(out, "hello\n"));	/* flushed at the newline */

	r[1] = ZV_HC_GETARGS, r[2] = 0x5000, r[3] = 5;		/* truncated, NUL-ended */
	EXPECT_EQ(zv_guest_hypercall(e, r, &value), ZV_GUEST_HC_DONE);
	EXPECT_EQ(r[2], 12);
	EXPECT(!memcmp(lo + 0x5000, "mib=", 5));
	r[1] = ZV_HC_GETARGS, r[2] = 0, r[3] = 0;		/* the length only */
	EXPECT_EQ(zv_guest_hypercall(e, r, &value), ZV_GUEST_HC_DONE);
	EXPECT_EQ(r[2], 12);

	strcpy((char *)lo + 0x6000, "dma.ok");
	r[1] = ZV_HC_REPORT, r[2] = 0x6000, r[3] = 3;
	EXPECT_EQ(zv_guest_hypercall(e, r, &value), ZV_GUEST_HC_DONE);
	r[3] = 4;
	EXPECT_EQ(zv_guest_hypercall(e, r, &value), ZV_GUEST_HC_DONE);
	EXPECT(!strcmp(zv_guest_report(e, 0, &v), "dma.ok"));
	EXPECT_EQ(v, 7);
	EXPECT(zv_guest_report(e, 1, &v) == NULL);

	r[1] = ZV_HC_TIME;
	EXPECT_EQ(zv_guest_hypercall(e, r, &value), ZV_GUEST_HC_DONE);
	EXPECT(r[2] > 0);
	r[1] = 0xffffffff00000000ULL | ZV_HC_EXIT, r[2] = 0x1234;	/* high half ignored */
	EXPECT_EQ(zv_guest_hypercall(e, r, &value), ZV_GUEST_HC_EXITED);
	EXPECT_EQ(value, 0x34);
	zv_guest_env_destroy(e);
	fclose(con);
}

TEST(guest_env_bad_operands_are_program_interruptions)
{
	FILE *con = fopen("/dev/null", "w");
	struct zv_guest_env *e = env("", con);
	uint64_t r[4];
	int value = 0;
	char key[8];

	r[1] = ZV_HC_WRITE, r[2] = MIB - 2, r[3] = 4;	/* runs past the region */
	EXPECT_EQ(zv_guest_hypercall(e, r, &value), ZV_GUEST_HC_PROGRAM);
	EXPECT_EQ(value, 0x05);
	r[1] = ZV_HC_WRITE, r[2] = 2 * MIB, r[3] = 0;	/* no storage there at all */
	EXPECT_EQ(zv_guest_hypercall(e, r, &value), ZV_GUEST_HC_PROGRAM);
	r[1] = ZV_HC_GETARGS, r[2] = 5 * MIB - 1, r[3] = 2;
	EXPECT_EQ(zv_guest_hypercall(e, r, &value), ZV_GUEST_HC_PROGRAM);
	EXPECT_EQ(value, 0x05);
	lo[0x7000] = 0;					/* an empty key */
	r[1] = ZV_HC_REPORT, r[2] = 0x7000, r[3] = 1;
	EXPECT_EQ(zv_guest_hypercall(e, r, &value), ZV_GUEST_HC_PROGRAM);
	EXPECT_EQ(value, 0x06);
	memset(lo + 0x7000, 'k', 32);			/* 32 bytes: one too many */
	lo[0x7020] = 0;
	EXPECT_EQ(zv_guest_hypercall(e, r, &value), ZV_GUEST_HC_PROGRAM);
	EXPECT_EQ(value, 0x06);
	lo[0x701f] = 0;					/* 31 bytes: fine */
	EXPECT_EQ(zv_guest_hypercall(e, r, &value), ZV_GUEST_HC_DONE);
	memset(hi + MIB - 3, 'x', 3);			/* a key running off storage */
	r[2] = 5 * MIB - 3;
	EXPECT_EQ(zv_guest_hypercall(e, r, &value), ZV_GUEST_HC_PROGRAM);
	EXPECT_EQ(value, 0x05);
	for (unsigned i = 1; i < ZV_GUEST_REPORTS_MAX; i++) {	/* the table fills up */
		snprintf(key, sizeof(key), "k%u", i);
		memcpy(lo + 0x7100, key, strlen(key) + 1);
		r[1] = ZV_HC_REPORT, r[2] = 0x7100;
		EXPECT_EQ(zv_guest_hypercall(e, r, &value), ZV_GUEST_HC_DONE);
	}
	memcpy(lo + 0x7100, "one-more", 9);
	EXPECT_EQ(zv_guest_hypercall(e, r, &value), ZV_GUEST_HC_PROGRAM);
	EXPECT_EQ(value, 0x06);
	memcpy(lo + 0x7100, "k5", 3);			/* a known key still adds */
	EXPECT_EQ(zv_guest_hypercall(e, r, &value), ZV_GUEST_HC_DONE);
	r[1] = 0x7a760099;
	EXPECT_EQ(zv_guest_hypercall(e, r, &value), ZV_GUEST_HC_PROGRAM);
	EXPECT_EQ(value, 0x06);
	zv_guest_env_destroy(e);
	fclose(con);
}
