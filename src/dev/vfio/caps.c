/* SPDX-License-Identifier: MIT */
/*
 * VFIO's *_INFO ioctls, whose answers grow for capabilities, and the walk
 * of their capability chains: what vfio.c (device info), container.c
 * (type1 info) and region.c (region info) all read. Below them, so that
 * none of them calls another for it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vfio_int.h"

/*
 * Capabilities are read by copying them out: the kernel places the first
 * one at sizeof(the info struct), which for struct vfio_device_info before
 * Linux 6.8 is 20 bytes (no padding), so a capability's 64-bit fields are
 * misaligned in the buffer, and reading them in place is undefined
 * behaviour (found by fuzz_vfio under UBSan).
 */

/* The offset of capability id inside an info buffer, or 0. Offsets are
 * from the buffer start; the walk is bounded so a bad chain cannot loop. */
uint32_t vfio_find_cap(const void *buf, size_t len, uint32_t first, uint16_t id)
{
	uint32_t off = first;

	for (unsigned guard = 0; off && guard < 64; guard++) {
		struct vfio_info_cap_header h;

		if (off < sizeof(uint32_t) || off > len || sizeof(h) > len - off)
			return 0;
		memcpy(&h, (const uint8_t *)buf + off, sizeof(h));
		if (h.id == id)
			return off;
		off = h.next;
	}
	return 0;
}

/* Copy the capability at off (from vfio_find_cap) into dst, size bytes,
 * zero-filled past the buffer's end: how many bytes came from the buffer.
 * A capability's fields (counts, sizes) are only good when the bytes that
 * hold them were copied. */
size_t vfio_cap_get(const void *buf, size_t len, uint32_t off, void *dst, size_t size)
{
	size_t n = off < len ? len - off : 0;

	if (n > size)
		n = size;
	memset(dst, 0, size);
	memcpy(dst, (const uint8_t *)buf + off, n);
	return n;
}

/* Call an *_INFO ioctl whose argsz may grow for capabilities: returns a
 * malloc'ed buffer of *len bytes holding the full answer, or NULL. */
void *vfio_info_ioctl(int fd, unsigned long req, const void *in, size_t in_len, size_t *len)
{
	size_t sz = in_len;
	void *buf = NULL;

	for (int tries = 0; tries < 3; tries++) {
		void *nb = realloc(buf, sz);

		if (!nb) {
			free(buf);
			errno = ENOMEM;
			return NULL;
		}
		buf = nb;
		memset(buf, 0, sz);
		memcpy(buf, in, in_len);
		*(uint32_t *)buf = (uint32_t)sz;	/* argsz is the first field */
		if (ioctl(fd, req, buf)) {
			free(buf);
			return NULL;
		}
		uint32_t want = *(uint32_t *)buf;
		if (want <= sz) {
			*len = sz;
			return buf;
		}
		sz = want;
	}
	free(buf);
	errno = EOVERFLOW;
	return NULL;
}
