/* SPDX-License-Identifier: MIT */
/*
 * Test fixtures for the engine: synthetic guest memory (big-endian, written
 * through the helpers below), a fake device backend that records what the
 * engine asks of it, a fake hypervisor that records injections, and
 * encoders that build intercepts the way KVM reports them (ipa/ipb).
 */
#ifndef ZV_TEST_FAKES_H
#define ZV_TEST_FAKES_H

#include <stdbool.h>
#include <stdint.h>

#include "core/core.h"
#include "dev/dev.h"
#include "zvfio/zvfio.h"

#define FX_RAM_SIZE (64ULL << 20)	/* guest RAM at absolute 0 */
#define FX_MAX_LOG 4096	/* a soft bound some tests keep their mapping count under */
#define FX_DEFAULT_LIMIT (1u << 20)	/* live mappings: a 4 GiB DMA window */

/* ---- the fake backend ---- */
struct fake_map {
	uint64_t iova, size;
	void *host;
	bool write;
};

struct fake_dev {
	struct zv_device dev;
	uint8_t cfg[4096];
	uint8_t bar0[4096];		/* scratch registers */
	uint8_t bar2[4096];		/* MSI-X table/PBA as the device has them */
	unsigned nvec;
	int fds[64];
	unsigned set_msix_calls;
	/* IOMMU: a list of live mappings and counters */
	struct fake_map *maps;
	unsigned nmaps, maps_cap;
	uint64_t map_calls, unmap_calls, limit;
	uint64_t map_nospace;		/* maps refused with ENOSPC (the limit or map_errno) */
	int fail_region_io;		/* make region reads/writes fail */
	int map_errno, unmap_errno;	/* make maps/unmaps fail with this errno */
	int reset_errno;		/* make resets fail with this errno */
	bool no_reset;			/* resets answer 1: no reset mechanism */
	bool dma_blocked;		/* what set_dma_blocked last said */
	unsigned resets;
	unsigned bar0_writes;		/* region_write calls on BAR 0 */
	int err_fd;
	struct dev_fault fault;
	bool fault_pending;
	/* zPCI information for the zpci_info op: returned only when has_zpci
	 * (set before the device is added; default off: "knows nothing") */
	bool has_zpci;
	struct dev_zpci zpci;
	unsigned zpci_calls;
	/* the request eventfd (req_fd op): -1 unless fake_req_enable() */
	int req_fd;
};

struct fake_dev *fake_dev_new(unsigned nvec);
/* Signal MSI-X vector vec as the device would. */
void fake_raise(struct fake_dev *d, unsigned vec);
/* Report an IOMMU fault as the device would. */
void fake_fault(struct fake_dev *d, uint64_t iova, bool write, bool prot);
/* Report a device error (no address) as the device would. */
void fake_device_error(struct fake_dev *d);
/* Give the device a request eventfd (before it is added to a machine). */
void fake_req_enable(struct fake_dev *d);
/* The host asks for the device back: signal the request eventfd. */
void fake_req(struct fake_dev *d);
/* Is iova mapped, and to which host address / permission? */
bool fake_lookup(struct fake_dev *d, uint64_t iova, void **host, bool *write);

/* ---- the fixture ---- */
struct fx {
	uint8_t *ram;
	struct zv_machine *m;
	struct zv_cpu cpu;
	struct fake_dev *dev[4];
	struct zv_function *fn[4];
	unsigned injected[8];		/* adapter interruptions per ISC */
	unsigned crws;
	unsigned rpcit_steps;		/* intercepts the last fx_rpcit_cc took */
	int translate_fault;		/* hv translate returns this code when set */
	uint64_t translate_fault_at;	/* ... for logical addresses at/above this */
	uint8_t last_ar;		/* operand register of the last translation */
};

/* Machine with nfns fake functions (8 vectors each), facilities fac (0:
 * default), CPU in supervisor state, 64-bit addressing. */
void fx_init(struct fx *x, unsigned nfns, uint32_t fac);
void fx_fini(struct fx *x);
/* Add a function for fake device d (configured beforehand) as the next
 * x->dev[i] / x->fn[i]; returns i, or -1 (errno) if zv_function_add failed
 * (the device is then freed). */
int fx_add(struct fx *x, struct fake_dev *d);

/* big-endian guest memory helpers */
void fx_w8(struct fx *x, uint64_t a, uint8_t v);
void fx_w16(struct fx *x, uint64_t a, uint16_t v);
void fx_w32(struct fx *x, uint64_t a, uint32_t v);
void fx_w64(struct fx *x, uint64_t a, uint64_t v);
uint8_t fx_r8(struct fx *x, uint64_t a);
uint16_t fx_r16(struct fx *x, uint64_t a);
uint32_t fx_r32(struct fx *x, uint64_t a);
uint64_t fx_r64(struct fx *x, uint64_t a);

/* instruction encoders: return zv_intercept()'s result */
int fx_rre(struct fx *x, uint16_t op, unsigned r1, unsigned r2);
int fx_clp_insn(struct fx *x, unsigned r2);	/* CLP with M4 = 2 */
int fx_rxy(struct fx *x, uint8_t op0, uint8_t op2, unsigned r1, unsigned x2, unsigned b2, int32_t d2);
int fx_rsy(struct fx *x, uint8_t op0, uint8_t op2, unsigned r1, unsigned r3, unsigned b2, int32_t d2);
int fx_cc(struct fx *x);			/* condition code in cpu.psw_mask */
uint8_t fx_status(struct fx *x, unsigned r);	/* bits 32-39 of a register */

/* high-level helpers built on the encoders (they EXPECT success) */
#define FX_LPCB 0x10000ULL		/* where CLP blocks are built */
#define FX_FIB  0x20000ULL		/* where FIBs are built */
/* CLP with a 32-byte request of cmd at FX_LPCB, response length rsp_len;
 * returns the response code; *cc gets the condition code. */
uint16_t fx_clp(struct fx *x, uint16_t cmd, uint16_t rsp_len, int *cc);
/* QUERY PCI FN (word: FH) or QUERY PCI FNGRP (word: PFGID) from a cleared
 * LPCB, response length 4096 - 32; EXPECTs cc 0, returns the response
 * code. The response stays at FX_LPCB + 32. */
uint16_t fx_clp_query(struct fx *x, uint16_t cmd, uint32_t word);
/* enable function i through CLP; returns the new handle */
uint32_t fx_enable(struct fx *x, unsigned i);
/* CLP SET PCI FN (oc 0 enable, 1 disable) for handle fh: the response code;
 * the new handle is at FX_LPCB + 32 + 0x10. */
uint16_t fx_clp_set_fn(struct fx *x, uint32_t fh, uint8_t oc);
/* PCILG / PCISTG with request built from fh, pcias, len; returns rc */
int fx_pcilg(struct fx *x, uint32_t fh, unsigned pcias, unsigned len, uint64_t off, uint64_t *data);
int fx_pcistg(struct fx *x, uint32_t fh, unsigned pcias, unsigned len, uint64_t off, uint64_t data);
/* MPCIFC with the FIB at FX_FIB (caller fills it); returns rc */
int fx_mpcifc(struct fx *x, uint32_t fh, uint8_t dmaas, uint8_t oc);
int fx_stpcifc(struct fx *x, uint32_t fh, uint8_t dmaas, uint64_t fib_addr);
/* RPCIT(fh, start, len) */
int fx_rpcit(struct fx *x, uint32_t fh, uint64_t start, uint64_t len);
/* register IOAT with a fresh region-third table at rt (16K aligned),
 * window [pba, pal]; returns rc */
int fx_reg_ioat(struct fx *x, uint32_t fh, uint64_t rt, uint64_t pba, uint64_t pal);
/* write table entries so that iova maps to frame (allocating segment and
 * page tables from *next_table, which advances) */
void fx_map_page(struct fx *x, uint64_t rt, uint64_t iova, uint64_t frame, bool prot,
		 uint64_t *next_table);
/* addresses of the entries that translate iova under the region-third
 * table rt (the tables must exist) */
uint64_t fx_rte_addr(uint64_t rt, uint64_t iova);
uint64_t fx_ste_addr(struct fx *x, uint64_t rt, uint64_t iova);
uint64_t fx_pte_addr(struct fx *x, uint64_t rt, uint64_t iova);
/* RPCIT that EXPECTs completion (no program exception); returns the cc */
int fx_rpcit_cc(struct fx *x, uint32_t fh, uint64_t start, uint64_t len);
/* MPCIFC, again while cc is 2 (zpci_mod_fc); returns rc. */
int fx_mpcifc_retry(struct fx *x, uint32_t fh, uint8_t dmaas, uint8_t oc);
/* register adapter interruptions: isc, noi, aibv, aibvo, aisb, aisbo, sum */
int fx_reg_int(struct fx *x, uint32_t fh, uint8_t isc, uint16_t noi, uint64_t aibv,
	       uint8_t aibvo, uint64_t aisb, uint8_t aisbo, bool sum);
/* pop one PCI event through CHSC SEI; false if none */
bool fx_event(struct fx *x, struct zpci_event *ev);

#endif
