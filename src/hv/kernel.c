/* SPDX-License-Identifier: MIT */
/*
 * Loading an s390x Linux kernel image (Debian's vmlinuz: the raw image
 * with its decompressor, not an ELF file) the way QEMU's -kernel does
 * (hw/s390x/ipl.c) and as the kernel's boot code expects it
 * (arch/s390/boot/head.S, include/asm/setup.h):
 *
 * - the image at absolute 0; its start PSW at 0x10000 in 64-bit mode when
 *   "S390EP" is at 0x10008, else the address of the IPL PSW at offset 0
 *   (ESA/390 format, bit 12 one);
 * - the command line at 0x10480, NUL-terminated, at most the size the
 *   image gives at 0x10430 (older images give 0: 896 bytes);
 * - the initial RAM disk at 8 MiB, or at the next MiB boundary 1 MiB past
 *   the image when that is larger, its address and size at 0x10408 and
 *   0x10410.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "arch/be.h"
#include "softcpu_int.h"

#define KERN_ENTRY        0x10000
#define KERN_MAGIC_AT     0x10008
#define KERN_INITRD_START 0x10408
#define KERN_INITRD_SIZE  0x10410
#define KERN_CMDLINE_MAX  0x10430
#define KERN_CMDLINE      0x10480
#define INITRD_DEFAULT    0x800000

/* Read the whole file into RAM at addr; its size in *size. */
static int load_file(struct zv_softcpu *sc, const char *what, const char *path, uint64_t addr,
		     uint64_t *size, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	size_t n;
	int e;

	if (!f) {
		e = errno;
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(e));
		errno = e;
		return -1;
	}
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s %s: not a regular file", what, path);
		fclose(f);
		errno = EINVAL;
		return -1;
	}
	if ((uint64_t)st.st_size > sc->ram_size || addr > sc->ram_size - (uint64_t)st.st_size) {
		snprintf(err, errlen, "%s %s: %lld bytes do not fit in RAM at %#llx (RAM is %llu MiB)",
			 what, path, (long long)st.st_size, (unsigned long long)addr,
			 (unsigned long long)(sc->ram_size >> 20));
		fclose(f);
		errno = EINVAL;
		return -1;
	}
	n = fread(sc->ram + addr, 1, (size_t)st.st_size, f);
	fclose(f);
	if (n != (size_t)st.st_size) {
		snprintf(err, errlen, "%s %s: short read", what, path);
		errno = EIO;
		return -1;
	}
	*size = n;
	return 0;
}

int kernel_load(struct zv_softcpu *sc, const char *kernel, const char *initrd, const char *cmdline,
		char *err, size_t errlen)
{
	uint64_t ksize, isize, iaddr = INITRD_DEFAULT, max;

	if (load_file(sc, "kernel", kernel, 0, &ksize, err, errlen))
		return -1;
	if (ksize < KERN_CMDLINE + 896) {
		snprintf(err, errlen, "kernel %s: %llu bytes, too small for an s390x Linux image",
			 kernel, (unsigned long long)ksize);
		errno = ENOEXEC;
		return -1;
	}
	if (!memcmp(sc->ram + KERN_MAGIC_AT, "S390EP", 6)) {
		sc->entry = KERN_ENTRY;
	} else {
		/* no Linux header: start where the image's IPL PSW says -- an
		 * ESA/390 PSW (bit 12 one) pointing into the image above the
		 * lowcore */
		sc->entry = be32_get(sc->ram + 4) & 0x7fffffff;
		if (!(be32_get(sc->ram) & 0x00080000) || sc->entry < 0x200 || sc->entry >= ksize) {
			snprintf(err, errlen, "kernel %s: no S390EP header and no IPL PSW into the image",
				 kernel);
			errno = ENOEXEC;
			return -1;
		}
	}
	max = be64_get(sc->ram + KERN_CMDLINE_MAX);
	if (!max || max > 1 << 20)
		max = 896;
	if (cmdline && strlen(cmdline) >= max) {
		snprintf(err, errlen, "the command line is %zu bytes; this kernel takes at most %llu",
			 strlen(cmdline), (unsigned long long)max - 1);
		errno = EINVAL;
		return -1;
	}
	if (KERN_CMDLINE + max > sc->ram_size) {	/* the image says how long: RAM may be short */
		snprintf(err, errlen, "the kernel's command line area (%#x + %llu bytes) lies outside "
			 "guest RAM", KERN_CMDLINE, (unsigned long long)max);
		errno = EINVAL;
		return -1;
	}
	memset(sc->ram + KERN_CMDLINE, 0, (size_t)max);
	if (cmdline)
		memcpy(sc->ram + KERN_CMDLINE, cmdline, strlen(cmdline));
	if (initrd) {
		while (ksize + (1 << 20) > iaddr)
			iaddr += 1 << 20;
		if (load_file(sc, "initrd", initrd, iaddr, &isize, err, errlen))
			return -1;
		be64_put(sc->ram + KERN_INITRD_START, iaddr);
		be64_put(sc->ram + KERN_INITRD_SIZE, isize);
	}
	sc->os = true;
	sc->kernel_size = ksize;
	return 0;
}
