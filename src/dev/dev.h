/* SPDX-License-Identifier: MIT */
/*
 * Device backends behind one ops table, with VFIO's vocabulary: regions
 * (BARs 0-5, config space 7), MSI-X trigger eventfds, DMA map/unmap into
 * the device's IOMMU, reset, and an error eventfd. A backend knows nothing
 * of zPCI.
 */
#ifndef ZV_DEV_DEV_H
#define ZV_DEV_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zvfio/zvfio.h"

#define DEV_REGION_READ  0x1u
#define DEV_REGION_WRITE 0x2u

struct dev_region_info {
	uint64_t size;		/* 0: not implemented */
	uint32_t flags;
};

/* An IOMMU fault the device hit while doing DMA, or (device_error) an
 * uncorrectable error the host reported for the device (VFIO's error
 * interrupt, AER), which carries no address. */
struct dev_fault {
	uint64_t iova;
	bool write;
	bool prot;		/* write through a read-only mapping (else unmapped) */
	bool device_error;
};

/*
 * What the host knows of the function's zPCI identity and its DMA window.
 * On s390 VFIO reports it in the device-info capabilities (ids 1-4,
 * linux/vfio_zdev.h); elsewhere only the DMA window (from the IOMMU's
 * valid IOVA ranges) is known. Fields a backend cannot tell stay 0.
 */
struct dev_zpci {
	bool has_window;	/* [start_dma, end_dma] the device may use */
	uint64_t start_dma, end_dma;
	/* where else a window may lie (the IOMMU's valid IOVA ranges, when
	 * the backend knows them); the default window is one of them */
	unsigned nranges;
	struct { uint64_t lo, hi; } ranges[8];
	bool has_base;		/* ZPCI_BASE */
	uint16_t pchid, vfn, fmb_length;
	uint8_t pft, gid;
	bool has_fh;		/* ZPCI_BASE version 2 */
	uint32_t fh;
	bool has_uid;		/* the host's UID (s390 sysfs), when unique */
	uint16_t uid;
	bool has_group;		/* ZPCI_GROUP */
	uint64_t dasm, msi_addr, flags;
	uint16_t mui, noi, maxstbl;
	uint8_t version;
	uint8_t util_len, pfip_len;	/* ZPCI_UTIL, ZPCI_PFIP */
	uint8_t util[64], pfip[32];
};

struct dev_ops {
	const char *kind;
	int (*region_info)(struct zv_device *d, unsigned idx, struct dev_region_info *ri);
	/* Read or write len bytes of a region; -1 and errno on failure. */
	int (*region_read)(struct zv_device *d, unsigned idx, uint64_t off, void *buf, size_t len);
	int (*region_write)(struct zv_device *d, unsigned idx, uint64_t off, const void *buf,
			    size_t len);
	/* Route MSI-X vectors [start, start+count) to eventfds (-1: detach);
	 * count 0 disables MSI-X (VFIO_DEVICE_SET_IRQS semantics). */
	int (*set_msix)(struct zv_device *d, unsigned start, unsigned count, const int *fds);
	/* Map [iova, iova+size) to host memory; type1 semantics: each call is
	 * one mapping, ENOSPC past the backend's limit, EEXIST on overlap. */
	int (*dma_map)(struct zv_device *d, uint64_t iova, uint64_t size, void *vaddr, bool write);
	/* Unmap every mapping inside [iova, iova+size); EINVAL if the range
	 * would split one. */
	int (*dma_unmap)(struct zv_device *d, uint64_t iova, uint64_t size);
	/* How many more mappings the backend accepts now. */
	uint64_t (*dma_avail)(struct zv_device *d);
	/* Reset the device: 0 done; 1 when it offers no reset the backend may
	 * use (nothing done -- as QEMU, the function carries on without); -1
	 * with errno when a reset was tried and failed. */
	int (*reset)(struct zv_device *d);
	/* Stop or resume the device's DMA (the function's error state: the
	 * host bridge discards DMA until the guest resets the error). */
	void (*set_dma_blocked)(struct zv_device *d, bool blocked);
	/* eventfd signalled when take_fault() has something, or -1. */
	int (*err_fd)(struct zv_device *d);
	/* 1 and *f filled when a fault was pending, 0 when none. */
	int (*take_fault)(struct zv_device *d, struct dev_fault *f);
	/* eventfd signalled when the host wants the device back (VFIO's
	 * request interrupt: an unplug), or -1. */
	int (*req_fd)(struct zv_device *d);
	/* Fill *z; 0, or -1 when the backend knows nothing of zPCI or the
	 * DMA window. Each call reports the current host function handle
	 * (it can change across a reset). */
	int (*zpci_info)(struct zv_device *d, struct dev_zpci *z);
	/* Route MSI vectors [0, count) to eventfds; count 0 disables MSI. */
	int (*set_msi)(struct zv_device *d, unsigned count, const int *fds);
	/* Bytes the device read from / wrote to host memory by DMA. */
	void (*dma_counters)(struct zv_device *d, uint64_t *read, uint64_t *written);
	/* Region accesses served through a mapping and through system calls
	 * (a backend that maps regions; NULL otherwise). */
	void (*region_counters)(struct zv_device *d, uint64_t *mapped, uint64_t *syscalls);
	void (*destroy)(struct zv_device *d);
};

struct zv_device {
	const struct dev_ops *ops;
	char name[48];
	/* Set to 1 by in-process backends after they signal an eventfd, so
	 * the binding can skip polling; points into the owning machine. */
	volatile int *hint;
	/* The most pages the engine maps in one intercept, for a backend whose
	 * map costs time per page (VFIO pins them); 0: a map costs the same
	 * whatever its size (emu:dma). */
	uint64_t map_step_pages;
	/* The device works on its own in host time (vfio: a real device, or
	 * one emulated by another program): its completions come whenever it
	 * finishes, not inside the intercept that started the work. */
	bool host_time;
	/* The device's DMA mappings are its own and go with destroy() (an
	 * emulated IOMMU): a function that goes away then forgets its shadow
	 * instead of unmapping extent by extent. Not VFIO: another device of
	 * the group, or a KVM-VFIO device holding the group or cdev, can
	 * keep the container or IOAS -- and the pinned pages -- alive after
	 * the device closes. */
	bool dma_private;
};

static inline void dev_hint(struct zv_device *d)
{
	if (d->hint)
		*d->hint = 1;
}

/* The backends' constructors, for device.c: opts is the option list of
 * the specification (spec.h). */
struct zv_device *emu_dma_open(const char *opts, char *err, size_t errlen);
struct zv_device *emu_virtio_blk_open(const char *opts, char *err, size_t errlen);
struct zv_device *vfio_dev_open(const char *addr, const char *opts, const struct zv_open_hook *hook,
				char *err, size_t errlen);

#endif
