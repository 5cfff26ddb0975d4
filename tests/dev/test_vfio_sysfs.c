/* SPDX-License-Identifier: MIT */
/*
 * Host PCI functions from sysfs (src/dev/vfio/sysfs.c), against a fake
 * sysfs tree built in a temporary directory the way Linux lays it out:
 * bus/pci/devices/<addr>/{vendor,device,class} with `driver` and
 * `iommu_group` symlinks (to bus/pci/drivers/<name> and
 * kernel/iommu_groups/<n>), kernel/iommu_groups/<n>/devices/<addr> links,
 * and on s390 the zPCI attributes of arch/s390/pci/pci_sysfs.c
 * (function_id, function_handle, uid, pchid, pfgid, vfn, pft). No kernel
 * and no VFIO are needed.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dev/vfio/vfio.h"
#include "harness.h"

/* ---- building the tree ---- */

static char root[64];		/* /tmp/zv-sysfs-XXXXXX */

static void die(const char *what, const char *path)
{
	fprintf(stderr, "fake sysfs: %s %s: %s\n", what, path, strerror(errno));
	abort();
}

static void mkdirs(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void mkdirs(const char *fmt, ...)
{
	char rel[1024], path[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			die("mkdir", path);
		*p = '/';
	}
	if (mkdir(path, 0755) && errno != EEXIST)
		die("mkdir", path);
}

static void put(const char *addr, const char *attr, const char *text)
{
	char path[PATH_MAX];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/%s", root, addr, attr);
	fp = fopen(path, "w");
	if (!fp)
		die("create", path);
	fputs(text, fp);
	fclose(fp);
}

static void link_at(const char *target, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void link_at(const char *target, const char *fmt, ...)
{
	char rel[1024], path[PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (symlink(target, path))
		die("symlink", path);
}

/* A PCI function: identity files, a driver (NULL: none) and an IOMMU group
 * (-1: none), linked both ways as sysfs does (relative links). */
static void add_dev(const char *addr, const char *vendor, const char *device, const char *cls,
		    const char *driver, int group)
{
	char t[PATH_MAX];

	mkdirs("bus/pci/devices/%s", addr);
	if (vendor)
		put(addr, "vendor", vendor);
	if (device)
		put(addr, "device", device);
	if (cls)
		put(addr, "class", cls);
	if (driver) {
		mkdirs("bus/pci/drivers/%s", driver);
		snprintf(t, sizeof(t), "../../../../bus/pci/drivers/%s", driver);
		link_at(t, "bus/pci/devices/%s/driver", addr);
	}
	if (group >= 0) {
		mkdirs("kernel/iommu_groups/%d/devices", group);
		snprintf(t, sizeof(t), "../../../../kernel/iommu_groups/%d", group);
		link_at(t, "bus/pci/devices/%s/iommu_group", addr);
		snprintf(t, sizeof(t), "../../../../bus/pci/devices/%s", addr);
		link_at(t, "kernel/iommu_groups/%d/devices/%s", group, addr);
	}
}

/* the s390 function's zPCI attributes, as the kernel prints them ("0x%08x"
 * and so on), with uid and vfn in decimal to check both bases */
static void add_zpci_attrs(const char *addr)
{
	put(addr, "function_id", "0x00000012\n");
	put(addr, "function_handle", "0x0a012803\n");
	put(addr, "uid", "4660\n");		/* 0x1234 */
	put(addr, "pchid", "0x01c4\n");
	put(addr, "pfgid", "0x42\n");
	put(addr, "vfn", "7\n");
	put(addr, "pft", "0x0a\n");
	put(addr, "port", "1\n");
}

/*
 * The tree:
 *   group 5 (viable):      0000:00:02.0 vfio-pci, 0000:00:02.1 no driver,
 *                          0000:00:01.0 pcieport
 *   group 7 (not viable):  0000:03:00.0 vfio-pci, 0000:03:00.1 e1000e
 *   group 9 (viable):      0001:00:00.0 vfio-pci, the s390 function
 *   group 11 (viable):     0000:05:00.0 pci-stub
 *   no group:              0000:00:1f.0 lpc_ich
 *   not functions:         0000:00:1f (incomplete), README (a file),
 *                          "not-a-device" (a directory), 0000:06:00.0
 *                          without a vendor file (skipped by the list)
 */
static void build_tree(void)
{
	snprintf(root, sizeof(root), "/tmp/zv-sysfs-XXXXXX");
	if (!mkdtemp(root))
		die("mkdtemp", root);
	mkdirs("bus/pci/devices");
	/* created out of order: the list must sort */
	add_dev("0001:00:00.0", "0x1014\n", "0x04ed\n", "0x010802\n", "vfio-pci", 9);
	add_zpci_attrs("0001:00:00.0");
	add_dev("0000:03:00.1", "0x8086\n", "0x10d3\n", "0x020000\n", "e1000e", 7);
	add_dev("0000:00:02.0", "0x8086\n", "0x10d3\n", "0x020000\n", "vfio-pci", 5);
	add_dev("0000:03:00.0", "0x8086\n", "0x10d3\n", "0x020000\n", "vfio-pci", 7);
	add_dev("0000:00:02.1", "0x8086\n", "0x10d4\n", "0x020000\n", NULL, 5);
	add_dev("0000:00:01.0", "0x8086\n", "0x1901\n", "0x060400\n", "pcieport", 5);
	add_dev("0000:05:00.0", "0x1af4\n", "0x1000\n", "0x020000\n", "pci-stub", 11);
	add_dev("0000:00:1f.0", "0x8086\n", "0xa304\n", "0x060100\n", "lpc_ich", -1);
	add_dev("0000:06:00.0", NULL, "0x0001\n", NULL, NULL, -1);
	mkdirs("bus/pci/devices/0000:00:1f");
	mkdirs("bus/pci/devices/not-a-device");
	{
		char p[PATH_MAX];
		FILE *fp;

		snprintf(p, sizeof(p), "%s/bus/pci/devices/README", root);
		fp = fopen(p, "w");
		if (!fp)
			die("create", p);
		fclose(fp);
	}
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_tree(void)
{
	struct stat st;

	if (nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS))
		th_fail(__FILE__, __LINE__, "removing %s: %s", root, strerror(errno));
	EXPECT(lstat(root, &st) != 0);
}

/* ---- vfio_parse_addr ---- */

static void expect_addr(const char *in, const char *want, int line)
{
	char out[ZV_PCI_ADDR_LEN];
	int rc;

	memset(out, 'X', sizeof(out));
	rc = vfio_parse_addr(in, out);
	if (rc != 0)
		th_fail(__FILE__, line, "'%s' rejected, want %s", in, want);
	else if (strcmp(out, want))
		th_fail(__FILE__, line, "'%s' -> '%.16s', want %s", in, out, want);
}

static void expect_bad_addr(const char *in, int line)
{
	char out[ZV_PCI_ADDR_LEN] = "";

	if (vfio_parse_addr(in, out) != -1)
		th_fail(__FILE__, line, "'%s' accepted as '%s'", in ? in : "(null)", out);
}

#define EXPECT_ADDR(in, want) expect_addr((in), (want), __LINE__)
#define EXPECT_BAD_ADDR(in) expect_bad_addr((in), __LINE__)

TEST(parse_addr_full_form)
{
	EXPECT_ADDR("0000:00:02.0", "0000:00:02.0");
	EXPECT_ADDR("0001:3a:1f.7", "0001:3a:1f.7");
	EXPECT_ADDR("ffff:ff:1f.7", "ffff:ff:1f.7");		/* every field at its maximum */
	EXPECT_ADDR("ABCD:EF:1F.6", "abcd:ef:1f.6");		/* upper case, normalized */
	EXPECT_ADDR("0:3:4.1", "0000:03:04.1");			/* short fields padded */
}

TEST(parse_addr_short_form_is_domain_0)
{
	EXPECT_ADDR("00:02.0", "0000:00:02.0");
	EXPECT_ADDR("3a:1f.7", "0000:3a:1f.7");
	EXPECT_ADDR("ff:00.1", "0000:ff:00.1");
}

TEST(parse_addr_rejects_out_of_range_fields)
{
	EXPECT_BAD_ADDR("0000:00:20.0");	/* device > 0x1f */
	EXPECT_BAD_ADDR("0000:00:ff.0");
	EXPECT_BAD_ADDR("0000:00:02.8");	/* function > 7 */
	EXPECT_BAD_ADDR("0000:00:02.f");
	EXPECT_BAD_ADDR("00:20.0");
	EXPECT_BAD_ADDR("00:02.8");
	EXPECT_BAD_ADDR("0000:100:02.0");	/* bus > 0xff */
	EXPECT_BAD_ADDR("10000:00:02.0");	/* domain > 0xffff */
}

TEST(parse_addr_rejects_fields_that_wrap_around)
{
	/* 2^32 + n must not be taken for n: none of these is 0000:00:02.0 */
	EXPECT_BAD_ADDR("100000000:00:02.0");
	EXPECT_BAD_ADDR("0000:100000000:02.0");
	EXPECT_BAD_ADDR("0000:00:100000002.0");
	EXPECT_BAD_ADDR("0000:00:02.100000000");
	EXPECT_BAD_ADDR("00:100000002.0");
	EXPECT_BAD_ADDR("ffffffffffffffff0000:00:02.0");
}

TEST(parse_addr_rejects_bad_hex_and_junk)
{
	EXPECT_BAD_ADDR("0000:0g:02.0");
	EXPECT_BAD_ADDR("000z:00:02.0");
	EXPECT_BAD_ADDR("0000:00:0x.0");
	EXPECT_BAD_ADDR("0000:00:02.0x");	/* trailing junk */
	EXPECT_BAD_ADDR("0000:00:02.0 ");
	EXPECT_BAD_ADDR("0000:00:02.0\n");
	EXPECT_BAD_ADDR("0000:00:02.0.0");
	EXPECT_BAD_ADDR("0000:00:00:02.0");	/* one field too many */
	EXPECT_BAD_ADDR("0000:00:02");		/* no function */
	EXPECT_BAD_ADDR("0000:00.02.0");
	EXPECT_BAD_ADDR("0000:00:.0");		/* empty field */
	EXPECT_BAD_ADDR(":00:02.0");
	EXPECT_BAD_ADDR("0000:00:02.");
	EXPECT_BAD_ADDR("02.0");
	EXPECT_BAD_ADDR("");
	EXPECT_BAD_ADDR(NULL);
}

TEST(parse_addr_rejects_signs_spaces_and_prefixes)
{
	/* sysfs names are bare hex digits: a sign, blank or 0x anywhere is
	 * a typo, not another spelling of an address */
	EXPECT_BAD_ADDR("-0000:00:02.0");
	EXPECT_BAD_ADDR("+0000:00:02.0");
	EXPECT_BAD_ADDR("0000:-0:02.0");
	EXPECT_BAD_ADDR("0000:00:+2.0");
	EXPECT_BAD_ADDR("0000:00:02.-0");
	EXPECT_BAD_ADDR(" 0000:00:02.0");
	EXPECT_BAD_ADDR("\t00:02.0");
	EXPECT_BAD_ADDR("0000: 00:02.0");
	EXPECT_BAD_ADDR("0000:00: 2.0");
	EXPECT_BAD_ADDR("0x0000:00:02.0");
	EXPECT_BAD_ADDR("0000:0x0:02.0");
}

/* ---- groups ---- */

TEST(group_of_reads_the_iommu_group_link)
{
	build_tree();
	EXPECT_EQ(vfio_group_of(root, "0000:00:02.0"), 5);
	EXPECT_EQ(vfio_group_of(root, "0000:03:00.1"), 7);
	EXPECT_EQ(vfio_group_of(root, "0001:00:00.0"), 9);
	EXPECT_EQ(vfio_group_of(root, "0000:00:1f.0"), -1);	/* no IOMMU */
	EXPECT_EQ(vfio_group_of(root, "0000:09:00.0"), -1);	/* no such device */
	/* a link whose last component is not a number */
	mkdirs("bus/pci/devices/0000:07:00.0");
	link_at("../../../../kernel/iommu_groups/7x", "bus/pci/devices/0000:07:00.0/iommu_group");
	EXPECT_EQ(vfio_group_of(root, "0000:07:00.0"), -1);
	remove_tree();
}

TEST(group_check_viable_members)
{
	char err[256] = "";

	build_tree();
	/* vfio-pci, no driver and pcieport together */
	EXPECT_EQ(vfio_group_check(root, 5, err, sizeof(err), NULL), 0);
	EXPECT_EQ(vfio_group_check(root, 9, err, sizeof(err), NULL), 0);
	EXPECT_EQ(vfio_group_check(root, 11, err, sizeof(err), NULL), 0);	/* pci-stub */
	remove_tree();
}

TEST(group_check_names_the_member_in_the_way)
{
	char err[256] = "";

	build_tree();
	errno = 0;
	EXPECT_EQ(vfio_group_check(root, 7, err, sizeof(err), NULL), -1);
	EXPECT_EQ(errno, EBUSY);
	EXPECT(strstr(err, "0000:03:00.1") != NULL);
	EXPECT(strstr(err, "e1000e") != NULL);
	EXPECT(strstr(err, "7") != NULL);
	EXPECT(strstr(err, "0000:03:00.0") == NULL);	/* not the vfio-pci member */
	EXPECT(strchr(err, '\n') == NULL);
	/* bind it to vfio-pci: the group becomes viable */
	{
		char p[PATH_MAX];

		snprintf(p, sizeof(p), "%s/bus/pci/devices/0000:03:00.1/driver", root);
		EXPECT_EQ(unlink(p), 0);
		link_at("../../../../bus/pci/drivers/vfio-pci", "bus/pci/devices/0000:03:00.1/driver");
	}
	EXPECT_EQ(vfio_group_check(root, 7, err, sizeof(err), NULL), 0);
	remove_tree();
}

TEST(group_check_unknown_group_fails_naming_it)
{
	char err[256] = "";

	build_tree();
	EXPECT_EQ(vfio_group_check(root, 99, err, sizeof(err), NULL), -1);
	EXPECT(strstr(err, "99") != NULL);
	remove_tree();
}

/* ---- one function ---- */

TEST(host_fn_read_identity_driver_group)
{
	struct zv_host_fn h;

	build_tree();
	memset(&h, 0xa5, sizeof(h));
	EXPECT_EQ(vfio_host_fn_read(root, "0000:00:02.0", &h), 0);
	EXPECT(strcmp(h.addr, "0000:00:02.0") == 0);
	EXPECT_EQ(h.vendor, 0x8086);
	EXPECT_EQ(h.device, 0x10d3);
	EXPECT_EQ(h.class_code, 0x020000);
	EXPECT(strcmp(h.driver, "vfio-pci") == 0);
	EXPECT_EQ(h.iommu_group, 5);
	EXPECT(h.viable);
	EXPECT_EQ(h.blocker[0], 0);
	EXPECT(!h.zpci);				/* no zPCI attributes */
	EXPECT_EQ(h.fid, 0);
	EXPECT_EQ(h.fh, 0);
	EXPECT_EQ(h.uid, 0);
	EXPECT_EQ(h.pchid, 0);

	EXPECT_EQ(vfio_host_fn_read(root, "0000:00:02.1", &h), 0);
	EXPECT_EQ(h.driver[0], 0);			/* unbound */
	EXPECT_EQ(h.device, 0x10d4);
	EXPECT(h.viable);

	EXPECT_EQ(vfio_host_fn_read(root, "0000:00:1f.0", &h), 0);
	EXPECT(strcmp(h.driver, "lpc_ich") == 0);
	EXPECT_EQ(h.iommu_group, -1);
	EXPECT(!h.viable);				/* nothing VFIO could use */
	EXPECT_EQ(h.blocker[0], 0);
	remove_tree();
}

TEST(host_fn_read_blocker)
{
	struct zv_host_fn h;

	build_tree();
	EXPECT_EQ(vfio_host_fn_read(root, "0000:03:00.0", &h), 0);
	EXPECT(strcmp(h.driver, "vfio-pci") == 0);
	EXPECT_EQ(h.iommu_group, 7);
	EXPECT(!h.viable);
	EXPECT(strcmp(h.blocker, "0000:03:00.1") == 0);
	/* the blocker itself */
	EXPECT_EQ(vfio_host_fn_read(root, "0000:03:00.1", &h), 0);
	EXPECT(strcmp(h.driver, "e1000e") == 0);
	EXPECT(!h.viable);
	EXPECT(strcmp(h.blocker, "0000:03:00.1") == 0);
	remove_tree();
}

TEST(host_fn_read_zpci_attributes)
{
	struct zv_host_fn h;

	build_tree();
	EXPECT_EQ(vfio_host_fn_read(root, "0001:00:00.0", &h), 0);
	EXPECT_EQ(h.vendor, 0x1014);
	EXPECT_EQ(h.device, 0x04ed);
	EXPECT_EQ(h.class_code, 0x010802);
	EXPECT_EQ(h.iommu_group, 9);
	EXPECT(h.viable);
	EXPECT(h.zpci);
	EXPECT_EQ(h.fid, 0x12);
	EXPECT_EQ(h.fh, 0x0a012803);
	EXPECT_EQ(h.uid, 0x1234);			/* from decimal */
	EXPECT_EQ(h.pchid, 0x01c4);
	EXPECT_EQ(h.pfgid, 0x42);
	EXPECT_EQ(h.vfn, 7);				/* from decimal */
	EXPECT_EQ(h.pft, 0x0a);
	remove_tree();
}

TEST(host_fn_read_bad_or_missing_attributes)
{
	struct zv_host_fn h;

	build_tree();
	/* no vendor: not a function this code can describe */
	EXPECT_EQ(vfio_host_fn_read(root, "0000:06:00.0", &h), -1);
	EXPECT_EQ(vfio_host_fn_read(root, "0000:09:00.0", &h), -1);	/* no such device */
	/* unparsable optional attributes read as 0 */
	put("0001:00:00.0", "function_handle", "0xzz\n");
	put("0001:00:00.0", "pchid", "\n");
	put("0000:00:02.0", "device", "junk\n");
	EXPECT_EQ(vfio_host_fn_read(root, "0001:00:00.0", &h), 0);
	EXPECT(h.zpci);
	EXPECT_EQ(h.fid, 0x12);
	EXPECT_EQ(h.fh, 0);
	EXPECT_EQ(h.pchid, 0);
	EXPECT_EQ(h.uid, 0x1234);
	EXPECT_EQ(vfio_host_fn_read(root, "0000:00:02.0", &h), 0);
	EXPECT_EQ(h.device, 0);
	EXPECT_EQ(h.vendor, 0x8086);
	remove_tree();
}

TEST(host_fn_read_long_driver_name_is_not_no_driver)
{
	/* 40 characters: longer than zv_host_fn.driver holds */
	static const char *const drv = "a_driver_with_a_name_of_forty_characters";
	struct zv_host_fn h;
	char err[256] = "";

	build_tree();
	add_dev("0000:08:00.0", "0x1af4\n", "0x1000\n", "0x020000\n", drv, 13);
	add_dev("0000:08:00.1", "0x1af4\n", "0x1000\n", "0x020000\n", "vfio-pci", 13);
	EXPECT_EQ(vfio_host_fn_read(root, "0000:08:00.0", &h), 0);
	EXPECT(h.driver[0] != 0);			/* bound: not shown as unbound */
	EXPECT(strncmp(h.driver, drv, sizeof(h.driver) - 1) == 0);
	EXPECT(!h.viable);
	EXPECT_EQ(vfio_group_check(root, 13, err, sizeof(err), NULL), -1);
	EXPECT(strstr(err, drv) != NULL);
	EXPECT_EQ(vfio_host_fn_read(root, "0000:08:00.1", &h), 0);
	EXPECT(!h.viable);
	EXPECT(strcmp(h.blocker, "0000:08:00.0") == 0);
	/* 70 characters: longer than any buffer of the group check */
	add_dev("0000:09:00.0", "0x1af4\n", "0x1000\n", "0x020000\n",
		"a_driver_with_a_name_of_seventy_characters_which_no_buffer_here_holds", 15);
	errno = 0;
	EXPECT_EQ(vfio_group_check(root, 15, err, sizeof(err), NULL), -1);
	EXPECT_EQ(errno, EBUSY);
	EXPECT(strstr(err, "0000:09:00.0") != NULL);
	remove_tree();
}

/* ---- the list ---- */

TEST(host_list_sorted_and_only_functions)
{
	static const char *const want[] = {
		"0000:00:01.0", "0000:00:02.0", "0000:00:02.1", "0000:00:1f.0",
		"0000:03:00.0", "0000:03:00.1", "0000:05:00.0", "0001:00:00.0",
	};
	const size_t nwant = sizeof(want) / sizeof(want[0]);
	struct zv_host_fn *v = NULL;
	size_t n = 0;
	char err[256] = "";

	build_tree();
	EXPECT_EQ(vfio_host_list(root, &v, &n, err, sizeof(err)), 0);
	EXPECT_EQ(n, nwant);
	for (size_t i = 0; v && i < n && i < nwant; i++)
		if (strcmp(v[i].addr, want[i]))
			th_fail(__FILE__, __LINE__, "entry %zu: %s, want %s", i, v[i].addr, want[i]);
	for (size_t i = 1; v && i < n; i++)
		EXPECT(strcmp(v[i - 1].addr, v[i].addr) < 0);
	/* each entry is what vfio_host_fn_read says of it */
	for (size_t i = 0; v && i < n; i++) {
		struct zv_host_fn h;

		EXPECT_EQ(vfio_host_fn_read(root, v[i].addr, &h), 0);
		EXPECT(memcmp(&h, &v[i], sizeof(h)) == 0);
	}
	if (v && n == nwant) {
		EXPECT(v[7].zpci);
		EXPECT_EQ(v[7].fid, 0x12);
		EXPECT(!v[4].viable);
		EXPECT(strcmp(v[4].blocker, "0000:03:00.1") == 0);
	}
	free(v);
	remove_tree();
}

TEST(host_list_more_functions_than_the_first_allocation)
{
	struct zv_host_fn *v = NULL;
	size_t n = 0;
	char err[256] = "", addr[ZV_PCI_ADDR_LEN];

	snprintf(root, sizeof(root), "/tmp/zv-sysfs-XXXXXX");
	if (!mkdtemp(root))
		die("mkdtemp", root);
	for (unsigned i = 40; i-- > 0;) {
		snprintf(addr, sizeof(addr), "0000:%02x:%02x.%x", i / 8, (i % 8) * 3, i % 8);
		add_dev(addr, "0x1af4\n", "0x1041\n", "0x020000\n", NULL, -1);
	}
	EXPECT_EQ(vfio_host_list(root, &v, &n, err, sizeof(err)), 0);
	EXPECT_EQ(n, 40);
	for (size_t i = 1; v && i < n; i++)
		EXPECT(strcmp(v[i - 1].addr, v[i].addr) < 0);
	free(v);
	remove_tree();
}

TEST(host_list_empty_without_pci)
{
	struct zv_host_fn *v = (struct zv_host_fn *)&v;	/* must be overwritten */
	size_t n = 99;
	char err[256] = "", p[PATH_MAX];

	snprintf(root, sizeof(root), "/tmp/zv-sysfs-XXXXXX");
	if (!mkdtemp(root))
		die("mkdtemp", root);
	mkdirs("kernel");
	EXPECT_EQ(vfio_host_list(root, &v, &n, err, sizeof(err)), 0);
	EXPECT_EQ(n, 0);
	EXPECT(v == NULL);
	free(v);
	/* an empty bus/pci/devices: also empty */
	mkdirs("bus/pci/devices");
	n = 99;
	EXPECT_EQ(vfio_host_list(root, &v, &n, err, sizeof(err)), 0);
	EXPECT_EQ(n, 0);
	free(v);
	/* a root that cannot be listed is an error, not an empty list */
	snprintf(p, sizeof(p), "%s/file", root);
	{
		FILE *fp = fopen(p, "w");

		if (!fp)
			die("create", p);
		fclose(fp);
	}
	v = NULL;
	EXPECT_EQ(vfio_host_list(p, &v, &n, err, sizeof(err)), -1);
	EXPECT(strstr(err, "bus/pci/devices") != NULL);
	EXPECT_EQ(n, 0);
	remove_tree();
}
