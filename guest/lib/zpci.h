/* SPDX-License-Identifier: MIT */
/*
 * A small zPCI driver library for guests, bringing functions up the way
 * Linux does (arch/s390/pci): CLP LIST -> QUERY PCI FN -> QUERY PCI FNGRP
 * -> SET PCI FN enable -> MPCIFC register I/O address translation with
 * region-third/segment/page tables -> RPCIT -> MPCIFC register adapter
 * interruptions (AIBV/AISB/ISC) -> MSI-X through PCISTG -> I/O.
 */
#ifndef GUEST_ZPCI_H
#define GUEST_ZPCI_H

#include <stdbool.h>
#include <stdint.h>

#define ZPCI_MAX_FNS 16
#define ZPCI_MAX_VECS 64
#define PCI_ISC 2		/* the ISC Linux uses for PCI */
#define PCIAS_CFG 15

/* ---- the instructions: cc, with the status byte in *st ---- */
int clp_insn(void *lpcb);
int pcilg(uint64_t *data, uint32_t fh, uint8_t pcias, uint8_t len, uint64_t off, uint8_t *st);
int pcistg(uint64_t data, uint32_t fh, uint8_t pcias, uint8_t len, uint64_t off, uint8_t *st);
int pcistb(const void *data, uint32_t fh, uint8_t pcias, uint16_t len, uint64_t off, uint8_t *st);
/* RPCIT and MPCIFC issued again while they answer cc 2 (busy), as Linux's
 * zpci_refresh_trans() and zpci_mod_fc() do; the _once forms return it. */
int rpcit(uint32_t fh, uint64_t addr, uint64_t range, uint8_t *st);
int rpcit_once(uint32_t fh, uint64_t addr, uint64_t range, uint8_t *st);
int mpcifc(uint32_t fh, uint8_t dmaas, uint8_t oc, void *fib, uint8_t *st);
int mpcifc_once(uint32_t fh, uint8_t dmaas, uint8_t oc, void *fib, uint8_t *st);
int stpcifc(uint32_t fh, uint8_t dmaas, void *fib, uint8_t *st);
void sic(uint16_t mode, uint8_t isc);
/* raw forms for bad-operand tests: registers exactly as given */
int pcilg_raw(uint64_t *r1, uint64_t req, uint64_t off, uint64_t *req_out);

/* Function Information Block, as the guest builds it (80 bytes, BE) */
struct zpci_fib {
	uint8_t fmt;
	uint8_t rsvd0[7];
	uint8_t fc;
	uint8_t rsvd1[7];
	uint64_t pba;
	uint64_t pal;
	uint64_t iota;
	uint32_t intword;	/* ISC, NOI, AIBVO, SUM, AISBO */
	uint32_t rsvd2;
	uint64_t aibv;
	uint64_t aisb;
	uint64_t fmb_addr;
	uint32_t rsvd3;
	uint32_t gd;
} __attribute__((packed, aligned(8)));

static inline uint32_t fib_intword(unsigned isc, unsigned noi, unsigned aibvo, unsigned sum,
				   unsigned aisbo)
{
	return (isc & 7) << 28 | (noi & 0xfff) << 16 | (aibvo & 0x3f) << 8 | (sum & 1) << 7 |
	       (aisbo & 0x3f);
}

/* ---- functions ---- */
struct zdev;
typedef void (*zdev_irq_fn)(struct zdev *z, unsigned vec);

struct zdev {
	unsigned index;		/* our summary bit */
	uint32_t fid, fh, uid;
	bool configured;
	uint16_t vendor, device;
	uint8_t pfgid, bar_size[6];
	uint64_t sdma, edma;
	/* group */
	uint16_t noi, maxstbl, mui;
	uint8_t grp_flags, dtsm;
	uint64_t msia;
	/* DMA */
	uint64_t *rt;		/* region-third table */
	uint64_t pba, pal;
	bool ioat;
	uint8_t *iova_used;	/* one bit per window page */
	uint8_t *iova_lazy;	/* unmapped lazily, not yet flushed */
	uint64_t iova_pages, iova_hint;
	/* interrupts */
	unsigned nvec;
	uint64_t *aibv;
	bool irqs;
	zdev_irq_fn handler;
	volatile uint64_t irq_count[ZPCI_MAX_VECS];
	/* MSI-X */
	uint16_t msix_cap;
	uint8_t msix_bar;
	uint32_t msix_table;
	/* events */
	volatile unsigned errors;
	volatile uint16_t last_pec;
	volatile uint64_t last_faddr;
	volatile uint32_t last_event_fh;
};

extern struct zdev zdevs[ZPCI_MAX_FNS];
extern unsigned nzdevs;

/* CLP: returns the response code (0x0010 OK), or -1 if the instruction
 * failed (cc != 0). */
int clp_list(void);				/* fills zdevs[] */
int clp_query_fn(struct zdev *z);
int clp_query_grp(struct zdev *z);
int clp_set_fn(struct zdev *z, uint8_t oc, uint8_t ndas, uint32_t *new_fh);
/* Raw CLP with a caller-built request: returns cc, *rsp_code filled. */
int clp_raw(const void *req, unsigned req_len, unsigned rsp_len, void *rsp_out, uint16_t *rsp_code);

/* Everything from LIST to MSI-X for all listed functions; returns the
 * number brought up, or panics. nvec vectors each. */
unsigned zpci_bringup_all(unsigned nvec, zdev_irq_fn handler);
int zpci_enable(struct zdev *z);
int zpci_disable(struct zdev *z);

/* DMA: the window [SDMA, min(EDMA, SDMA + RAM)], translation tables, an
 * IOVA allocator with Linux's lazy unmapping (s390-iommu + dma-iommu's
 * flush queue): unmapped IOVAs are reused only after a global refresh. */
int zpci_dma_init(struct zdev *z);
/* Map len bytes at p (any alignment): returns the IOVA of p, or 0 when the
 * window or the hypervisor's mappings are exhausted even after a global
 * refresh (the allocator never hands out IOVA 0). */
uint64_t zpci_map(struct zdev *z, const void *p, uint64_t len, bool ro);
/* Offset of capability id in the config space's list, 0 if absent. */
unsigned zpci_cap(struct zdev *z, uint8_t id);
/* Map n guest pages, not necessarily contiguous, at consecutive IOVAs. */
uint64_t zpci_map_pages(struct zdev *z, void *const *pages, unsigned n, bool ro);
/* Unmap: strict refreshes now; lazy only invalidates the entries and lets
 * the next global refresh (zpci_flush) make the IOVAs reusable. */
void zpci_unmap(struct zdev *z, uint64_t iova, uint64_t len, bool lazy);
/* Global refresh over the window; returns cc. */
int zpci_flush(struct zdev *z);
/* RPCIT with Linux's answer to "insufficient resources": a global refresh
 * and one retry. Returns cc. */
int zpci_refresh(struct zdev *z, uint64_t iova, uint64_t len);
/* Linux-style counters of the DMA path */
extern volatile uint64_t dma_insufficient, dma_flushes;

/* Interrupts */
int zpci_irq_register(struct zdev *z, unsigned nvec, zdev_irq_fn handler);
int zpci_irq_deregister(struct zdev *z);
int zpci_msix_enable(struct zdev *z, unsigned nvec);
/* Linux's order: enabled, every vector programmed and left masked */
int zpci_msix_enable_masked(struct zdev *z, unsigned nvec);
void zpci_msix_unmask(struct zdev *z, unsigned v);
void zpci_msix_disable(struct zdev *z);
void zpci_adapter_interrupt(unsigned isc);	/* called by the I/O handler */
extern volatile uint64_t adapter_interrupts;

/* Events (machine check -> STCRW -> CHSC SEI) */
void zpci_process_crws(void);
extern volatile uint64_t events_seen;

/* config space and BARs (PCI little-endian values) */
uint32_t cfg_read(struct zdev *z, unsigned off, unsigned len);
void cfg_write(struct zdev *z, unsigned off, unsigned len, uint32_t v);
uint64_t bar_read(struct zdev *z, unsigned bar, uint64_t off, unsigned len);
void bar_write(struct zdev *z, unsigned bar, uint64_t off, unsigned len, uint64_t v);

#endif
