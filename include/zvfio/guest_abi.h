/* SPDX-License-Identifier: MIT */
/*
 * The guest ABI of zvfio's software s390x machine: what guest code and the
 * machine share (docs/GUEST-ABI.md is the contract in prose). Guest images
 * are freestanding s390x code built with -nostdinc, so this header needs
 * nothing -- not even <stdint.h> -- and may be included from C and from
 * assembler. The host API headers (zvfio.h, softcpu.h) stay host-only.
 */
#ifndef ZVFIO_GUEST_ABI_H
#define ZVFIO_GUEST_ABI_H

/* Hypercalls: DIAG X'500' (`.insn rs,0x83000000,%r0,%r0,0x500`) with the
 * function code in GPR 1, arguments in GPRs 2 and 3, the result in GPR 2. */
#define ZV_HC_DIAG_CODE 0x500
#define ZV_HC_WRITE   0x7a760001	/* r2 = address, r3 = length: console */
#define ZV_HC_EXIT    0x7a760002	/* r2 = exit status 0..255 */
#define ZV_HC_GETARGS 0x7a760003	/* r2 = buffer, r3 = size; r2 <- length */
#define ZV_HC_REPORT  0x7a760004	/* r2 = key string, r3 = value (added) */
#define ZV_HC_TIME    0x7a760005	/* r2 <- the host's monotonic clock, ns */

#define ZV_GUEST_REPORT_KEY_MAX 31	/* bytes in a report key, without its NUL */
#define ZV_GUEST_REPORTS_MAX    32	/* distinct report keys per run */

#endif
