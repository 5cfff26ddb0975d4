/* SPDX-License-Identifier: MIT */
/*
 * `zvfio run --kvm`: a freestanding guest image under KVM on IBM Z, its
 * functions passed through by the KVM binding (zvfio/kvm_s390.h).
 */
#ifndef ZV_TOOLS_RUN_KVM_H
#define ZV_TOOLS_RUN_KVM_H

#include <stdbool.h>
#include <stdint.h>

struct run_kvm_opts {
	const char *guest;		/* the image (GUEST-ABI.md) */
	const char *const *devs;	/* device specifications */
	unsigned ndevs;
	uint64_t mem_size;		/* bytes, a multiple of 1 MiB */
	const char *args;		/* ZV_HC_GETARGS's string, or NULL */
	unsigned timeout_s;		/* 0: none */
	uint16_t mui_ms;		/* 0: the default */
	uint32_t facilities;		/* ZV_FAC_*; 0: the default */
	bool quiet;			/* no banner, no summary */
};

/* Run it; returns the exit status `zvfio run` documents (the guest's, 2
 * for an input that cannot be used -- no KVM here among them --, 124 on
 * timeout, 125 when the VM failed). */
int run_kvm(const struct run_kvm_opts *o);

#endif
