/* SPDX-License-Identifier: MIT */
/* Opening devices by specification string (their options: spec.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dev.h"
#include "fault.h"

#define SPEC_MAX 256

/* The options of a specification: the fault wrapper's to fopts, the rest
 * to opts (both at most 255 bytes). An error message when one is empty or
 * they do not fit. */
static const char *split_fault_options(const char *s, char *opts, char *fopts)
{
	size_t ol = 0, fl = 0, len;

	for (const char *t = s; t; t = strchr(t, ',') ? strchr(t, ',') + 1 : NULL) {
		bool f = fault_is_option(t);
		char *dst = f ? fopts : opts;
		size_t *l = f ? &fl : &ol;

		len = strcspn(t, ",");
		if (!len)
			return "an empty option (two commas, or one at the end)";
		if (*l + len + 2 > SPEC_MAX)
			return "device specification too long";
		if (*l)
			dst[(*l)++] = ',';
		memcpy(dst + *l, t, len);
		*l += len;
		dst[*l] = '\0';
	}
	return NULL;
}

ZV_API struct zv_device *zv_device_open(const char *spec, char *err, size_t errlen)
{
	return zv_device_open_hooked(spec, NULL, err, errlen);
}

/* "kind:model,opts" */
ZV_API struct zv_device *zv_device_open_hooked(const char *spec, const struct zv_open_hook *hook,
					       char *err, size_t errlen)
{
	char opts[SPEC_MAX] = "", fopts[SPEC_MAX] = "";
	struct zv_device *d;
	const char *comma, *why;
	size_t n;

	if (!err)
		errlen = 0;	/* snprintf(NULL, 0, ...) writes nothing */
	if (!spec) {
		snprintf(err, errlen, "no device specification");
		errno = EINVAL;
		return NULL;
	}
	comma = strchr(spec, ',');
	n = comma ? (size_t)(comma - spec) : strlen(spec);
	if (comma && (why = split_fault_options(comma + 1, opts, fopts))) {
		snprintf(err, errlen, "%s", why);
		errno = EINVAL;
		return NULL;
	}
	if (n == 7 && !strncmp(spec, "emu:dma", 7)) {
		d = emu_dma_open(opts, err, errlen);
	} else if (n == 14 && !strncmp(spec, "emu:virtio-blk", 14)) {
		d = emu_virtio_blk_open(opts, err, errlen);
	} else if (n > 5 && !strncmp(spec, "vfio:", 5)) {
		char addr[32];

		snprintf(addr, sizeof(addr), "%.*s", (int)(n - 5 < 31 ? n - 5 : 31), spec + 5);
		d = vfio_dev_open(addr, opts, hook, err, errlen);
	} else {
		snprintf(err, errlen, "unknown device '%.*s' (known: emu:dma, emu:virtio-blk, "
			 "vfio:DDDD:BB:DD.F)",
			 (int)n, spec);
		errno = ENODEV;
		return NULL;
	}
	/* fail=...: the fault-injecting wrapper around it (fault.c) */
	return d && *fopts ? fault_wrap(d, fopts, err, errlen) : d;
}

ZV_API void zv_device_close(struct zv_device *d)
{
	if (d)
		d->ops->destroy(d);
}
