/* SPDX-License-Identifier: MIT */
/*
 * Host PCI functions as sysfs describes them: identity, driver, IOMMU
 * group and whether the group can be handed to VFIO (every member bound
 * to vfio-pci or to no driver), plus the zPCI attributes s390 kernels
 * publish (arch/s390/pci/pci_sysfs.c: function_id, function_handle, pchid,
 * pfgid, vfn, pft, uid). The root is a parameter so tests can build a
 * fake tree.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vfio.h"

/* Read a one-line sysfs attribute into buf (newline stripped). */
static int read_attr(const char *root, const char *addr, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/%s", root, addr, name);
	fp = fopen(path, "re");
	if (!fp)
		return -1;
	n = fread(buf, 1, len - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

int vfio_sysfs_num(const char *root, const char *addr, const char *name, unsigned long long *v)
{
	char buf[64], *end;

	if (read_attr(root, addr, name, buf, sizeof(buf)) || !buf[0])
		return -1;
	errno = 0;
	*v = strtoull(buf, &end, 0);
	return errno || *end ? -1 : 0;
}

/* The last component of a symlink's target ("" when there is no link);
 * -1 when it did not fit (out holds its start: a driver name cut short
 * still says the device is bound). */
static int link_name(const char *root, const char *addr, const char *name, char *out, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;
	const char *slash;

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/%s", root, addr, name);
	n = readlink(path, target, sizeof(target) - 1);
	out[0] = '\0';
	if (n <= 0)
		return 0;
	target[n] = '\0';
	slash = strrchr(target, '/');
	slash = slash ? slash + 1 : target;
	if (strlen(slash) >= len) {
		memcpy(out, slash, len - 1);
		out[len - 1] = '\0';
		return -1;
	}
	memcpy(out, slash, strlen(slash) + 1);
	return 0;
}

/* One field of bare hex digits (no sign, blank or 0x: sscanf's %x takes
 * all three, and wraps values past 32 bits) up to max; the end, or NULL. */
static const char *hex_field(const char *p, unsigned max, unsigned *v)
{
	const char *start = p;
	unsigned n = 0;

	for (; isxdigit((unsigned char)*p); p++) {
		n = n * 16 + (unsigned)(isdigit((unsigned char)*p) ? *p - '0'
								: tolower((unsigned char)*p) - 'a' + 10);
		if (n > max)
			return NULL;
	}
	if (p == start)
		return NULL;
	*v = n;
	return p;
}

int vfio_parse_addr(const char *s, char out[ZV_PCI_ADDR_LEN])
{
	unsigned dom = 0, bus, dev, fn;
	const char *p = s;

	if (!s)
		return -1;
	/* DDDD:BB:DD.F, or BB:DD.F in domain 0 */
	if (strchr(s, ':') != strrchr(s, ':') && (!(p = hex_field(p, 0xffff, &dom)) || *p++ != ':'))
		return -1;
	if (!(p = hex_field(p, 0xff, &bus)) || *p++ != ':' || !(p = hex_field(p, 0x1f, &dev)) ||
	    *p++ != '.' || !(p = hex_field(p, 7, &fn)) || *p)
		return -1;
	snprintf(out, ZV_PCI_ADDR_LEN, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return 0;
}

int vfio_group_of(const char *root, const char *addr)
{
	char g[32], *end;
	long n;

	if (link_name(root, addr, "iommu_group", g, sizeof(g)) || !g[0])
		return -1;
	n = strtol(g, &end, 10);
	return *end || n < 0 || n > INT_MAX ? -1 : (int)n;
}

/* Drivers a group member may have for the group to be usable by VFIO: the
 * kernel's own rule is stricter only for bridges (vfio_dev_driver_allowed
 * in drivers/vfio/group.c also allows pci-stub and pcieport). */
static bool driver_ok(const char *drv)
{
	return !drv[0] || !strcmp(drv, "vfio-pci") || !strcmp(drv, "pci-stub") ||
	       !strcmp(drv, "pcieport");
}

int vfio_group_check(const char *root, int group, char *err, size_t errlen,
		     char blocker[ZV_PCI_ADDR_LEN])
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/kernel/iommu_groups/%d/devices", root, group);
	d = opendir(path);
	if (!d) {
		snprintf(err, errlen, "IOMMU group %d: cannot list %s: %s", group, path,
			 strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		char drv[64];

		if (de->d_name[0] == '.')
			continue;
		link_name(root, de->d_name, "driver", drv, sizeof(drv));
		if (!driver_ok(drv)) {
			snprintf(err, errlen,
				 "IOMMU group %d is not viable: %s is bound to %s (bind it to vfio-pci "
				 "or unbind it: every device of a group must be)",
				 group, de->d_name, drv);
			if (blocker)
				snprintf(blocker, ZV_PCI_ADDR_LEN, "%.*s", ZV_PCI_ADDR_LEN - 1,
					 de->d_name);
			errno = EBUSY;
			rc = -1;
			break;
		}
	}
	closedir(d);
	return rc;
}

int vfio_host_fn_read(const char *root, const char *addr, struct zv_host_fn *h)
{
	unsigned long long v;
	char err[256];

	memset(h, 0, sizeof(*h));
	snprintf(h->addr, sizeof(h->addr), "%s", addr);
	if (vfio_sysfs_num(root, addr, "vendor", &v))
		return -1;
	h->vendor = (uint16_t)v;
	h->device = vfio_sysfs_num(root, addr, "device", &v) ? 0 : (uint16_t)v;
	h->class_code = vfio_sysfs_num(root, addr, "class", &v) ? 0 : (uint32_t)v;
	link_name(root, addr, "driver", h->driver, sizeof(h->driver));
	h->iommu_group = vfio_group_of(root, addr);
	if (h->iommu_group >= 0) {
		h->viable = vfio_group_check(root, h->iommu_group, err, sizeof(err), h->blocker) == 0;
	}
	/* zPCI attributes exist only on s390 */
	if (vfio_sysfs_num(root, addr, "function_id", &v) == 0) {
		h->zpci = true;
		h->fid = (uint32_t)v;
		h->fh = vfio_sysfs_num(root, addr, "function_handle", &v) ? 0 : (uint32_t)v;
		h->uid = vfio_sysfs_num(root, addr, "uid", &v) ? 0 : (uint32_t)v;
		h->pchid = vfio_sysfs_num(root, addr, "pchid", &v) ? 0 : (uint16_t)v;
		h->vfn = vfio_sysfs_num(root, addr, "vfn", &v) ? 0 : (uint16_t)v;
		h->pfgid = vfio_sysfs_num(root, addr, "pfgid", &v) ? 0 : (uint8_t)v;
		h->pft = vfio_sysfs_num(root, addr, "pft", &v) ? 0 : (uint8_t)v;
	}
	return 0;
}

static int cmp_fn(const void *a, const void *b)
{
	return strcmp(((const struct zv_host_fn *)a)->addr, ((const struct zv_host_fn *)b)->addr);
}

int vfio_host_list(const char *root, struct zv_host_fn **out, size_t *count, char *err,
		   size_t errlen)
{
	char path[PATH_MAX];
	struct zv_host_fn *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	*out = NULL;
	*count = 0;
	snprintf(path, sizeof(path), "%s/bus/pci/devices", root);
	d = opendir(path);
	if (!d) {
		if (errno == ENOENT) /* no PCI at all: an empty list */
			return 0;
		snprintf(err, errlen, "cannot list %s: %s", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		char addr[ZV_PCI_ADDR_LEN];

		if (de->d_name[0] == '.' || vfio_parse_addr(de->d_name, addr))
			continue;
		if (n == cap) {
			struct zv_host_fn *nv = realloc(v, (cap ? cap * 2 : 16) * sizeof(*v));

			if (!nv) {
				snprintf(err, errlen, "out of memory");
				free(v);
				closedir(d);
				errno = ENOMEM;
				return -1;
			}
			v = nv;
			cap = cap ? cap * 2 : 16;
		}
		if (vfio_host_fn_read(root, de->d_name, &v[n]) == 0)
			n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_fn);
	*out = v;
	*count = n;
	return 0;
}

ZV_API int zv_host_list(struct zv_host_fn **fns, size_t *count, char *err, size_t errlen)
{
	char dummy[8];

	if (!fns || !count) {
		errno = EINVAL;
		return -1;
	}
	return vfio_host_list("/sys", fns, count, err ? err : dummy, err ? errlen : sizeof(dummy));
}
