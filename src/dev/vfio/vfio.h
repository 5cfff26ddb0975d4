/* SPDX-License-Identifier: MIT */
/* The kernel VFIO backend's internals, shared by its files and tests. */
#ifndef ZV_DEV_VFIO_VFIO_H
#define ZV_DEV_VFIO_VFIO_H

#include <stddef.h>

#include "dev/dev.h"

/* sysfs.c; root is "/sys" except in tests */
int vfio_parse_addr(const char *s, char out[ZV_PCI_ADDR_LEN]);
/* A number attribute of the function (decimal or 0x hex); 0 or -1. */
int vfio_sysfs_num(const char *root, const char *addr, const char *name, unsigned long long *v);
int vfio_group_of(const char *root, const char *addr);
/* 0 if every device of the group is on vfio-pci (or pci-stub, pcieport,
 * or no driver); else -1, errno EBUSY, err naming the device in the way
 * and, if blocker is not NULL, its address there. */
int vfio_group_check(const char *root, int group, char *err, size_t errlen,
		     char blocker[ZV_PCI_ADDR_LEN]);
int vfio_host_fn_read(const char *root, const char *addr, struct zv_host_fn *h);
int vfio_host_list(const char *root, struct zv_host_fn **out, size_t *count, char *err,
		   size_t errlen);

#endif
