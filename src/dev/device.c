/* SPDX-License-Identifier: MIT */
/* Opening devices by specification string (their options: spec.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dev.h"

/* Split "kind:model,opts": returns the option part (after the first comma). */
ZV_API struct zv_device *zv_device_open(const char *spec, char *err, size_t errlen)
{
	const char *comma;
	size_t n;

	if (!err)
		errlen = 0;	/* snprintf(NULL, 0, ...) writes nothing */
	if (!spec) {
		errno = EINVAL;
		return NULL;
	}
	comma = strchr(spec, ',');
	n = comma ? (size_t)(comma - spec) : strlen(spec);
	if (n == 7 && !strncmp(spec, "emu:dma", 7))
		return emu_dma_open(comma ? comma + 1 : "", err, errlen);
	if (n > 5 && !strncmp(spec, "vfio:", 5)) {
		char addr[32];

		snprintf(addr, sizeof(addr), "%.*s", (int)(n - 5 < 31 ? n - 5 : 31), spec + 5);
		return vfio_dev_open(addr, comma ? comma + 1 : "", err, errlen);
	}
	if (err && errlen)
		snprintf(err, errlen, "unknown device '%.*s' (known: emu:dma, vfio:DDDD:BB:DD.F)",
			 (int)n, spec);
	errno = ENODEV;
	return NULL;
}

ZV_API void zv_device_close(struct zv_device *d)
{
	if (d)
		d->ops->destroy(d);
}
