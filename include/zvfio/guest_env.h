/* SPDX-License-Identifier: MIT */
/*
 * The host side of the guest ABI (zvfio/guest_abi.h, docs/GUEST-ABI.md) for
 * any machine that runs the project's freestanding guest images: loading
 * an image into guest storage and answering its DIAG X'500' hypercalls
 * (console, exit, arguments, reports, time). The software machine uses it
 * (zvfio/softcpu.h); a KVM VMM uses it the same way (examples/kvm-vmm.c,
 * `zvfio run --kvm`).
 *
 * The guest runs with DAT off and prefix 0 as the ABI says, so every
 * address a hypercall names is absolute, checked against the storage the
 * environment was given.
 *
 * Threads: one thread at a time per environment; environments are
 * independent.
 */
#ifndef ZVFIO_GUEST_ENV_H
#define ZVFIO_GUEST_ENV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "zvfio/guest_abi.h"
#include "zvfio/zvfio.h"

#ifdef __cplusplus
extern "C" {
#endif

struct zv_guest_env;

struct zv_guest_env_config {
	/* guest absolute storage (copied; the memory stays the caller's and
	 * must outlive the environment); regions must not overlap */
	const struct zv_mem_region *mem;
	unsigned n_mem;
	FILE *console;		/* ZV_HC_WRITE's output; NULL: stdout. Not closed */
	const char *args;	/* ZV_HC_GETARGS's string (copied); NULL: "" */
};

/*
 * An environment over cfg's storage. NULL with errno and a message in err
 * (err may be NULL): EINVAL (cfg NULL, no region, a region without host
 * memory, empty, wrapping or overlapping another), ENOMEM.
 */
ZV_API struct zv_guest_env *zv_guest_env_create(const struct zv_guest_env_config *cfg, char *err,
						size_t errlen);
/* Free it (not the guest's storage). NULL is a no-op. */
ZV_API void zv_guest_env_destroy(struct zv_guest_env *e);

/*
 * Load the static big-endian s390x ELF executable at path: every PT_LOAD
 * segment to its physical address (its virtual one when that is 0), the
 * rest of its memory size zeroed. Each segment must lie inside one
 * region and above the prefix area (0x2000), no two may overlap, and the
 * entry point must be in storage; all of that is checked before a byte
 * is written. On success *entry is the entry point and 0 is returned.
 * -1 with errno and a message in err: ENOENT and the like (the file),
 * ENOEXEC (not a 64-bit big-endian s390x ET_EXEC, a bad program header
 * table), EINVAL (a segment outside storage or overlapping another, no
 * loadable segment, the entry point outside storage; e or path NULL),
 * EIO (truncated). A failure while copying (EIO) may leave segments
 * partly written. EINVAL covers a segment whose file size exceeds its
 * memory size and an entry point in the prefix area too; entry may be
 * NULL.
 */
ZV_API int zv_guest_load_elf(struct zv_guest_env *e, const char *path, uint64_t *entry, char *err,
			     size_t errlen);

enum zv_guest_hc {
	ZV_GUEST_HC_DONE,	/* answered: the result is in gpr[2] */
	ZV_GUEST_HC_EXITED,	/* ZV_HC_EXIT: *value is the exit status, 0..255 */
	ZV_GUEST_HC_PROGRAM,	/* present program interruption *value: 0x05
				 * addressing (an operand outside storage),
				 * 0x06 specification (an unknown function, a
				 * bad report key, too many keys) */
};

/*
 * Answer the hypercall whose registers are gpr[0..3] (the function code in
 * GPR 1, arguments in GPRs 2 and 3; only gpr[2] is written). The caller
 * has found DIAG X'500' (ZV_HC_DIAG_CODE) and moves the PSW past it
 * unless a program interruption is presented (which nullifies it, as a
 * specification or addressing exception does on DIAG). ZV_HC_WRITE
 * flushes the console at each newline.
 */
ZV_API enum zv_guest_hc zv_guest_hypercall(struct zv_guest_env *e, uint64_t *gpr, int *value);

/* The i-th distinct report key the guest made (ZV_HC_REPORT, in order of
 * first report) and, in *value (value may be NULL), the sum of its values;
 * NULL past the last or for e NULL. The key is e's, valid until
 * zv_guest_env_destroy(). */
ZV_API const char *zv_guest_report(const struct zv_guest_env *e, unsigned i, uint64_t *value);

#ifdef __cplusplus
}
#endif

#endif
