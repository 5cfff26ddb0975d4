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

/* The header of capability id inside an info buffer, or NULL. Offsets are
 * from the buffer start; the walk is bounded so a bad chain cannot loop. */
const struct vfio_info_cap_header *vfio_find_cap(const void *buf, size_t len, uint32_t first,
						 uint16_t id)
{
	uint32_t off = first;

	for (unsigned guard = 0; off && guard < 64; guard++) {
		const struct vfio_info_cap_header *h;

		if (off < sizeof(uint32_t) || off + sizeof(*h) > len)
			return NULL;
		h = (const void *)((const uint8_t *)buf + off);
		if (h->id == id)
			return h;
		off = h->next;
	}
	return NULL;
}

/* Whether need bytes from cap h lie inside the info buffer. vfio_find_cap()
 * checks only the 8-byte header: a capability's own fields (counts, sizes,
 * arrays) must be checked with this before they are read. */
bool vfio_cap_fits(const void *buf, size_t len, const void *h, size_t need)
{
	size_t at = (size_t)((const uint8_t *)h - (const uint8_t *)buf);

	return at <= len && need <= len - at;
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
