/* SPDX-License-Identifier: MIT */
/*
 * The engine's shared state: the machine, its function groups and
 * functions. Every module of the engine sees these; each declares its own
 * functions in its own header (guestmem.h, cpu.h, events.h, state.h,
 * irq.h, msi.h, msix.h, dma.h, fmb.h, function.h, pcicfg.h, clp.h) and
 * includes only the headers of the modules below it (docs/ARCHITECTURE.md,
 * checked by tests/layers.sh).
 */
#ifndef ZV_CORE_CORE_H
#define ZV_CORE_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/events.h"
#include "arch/insn.h"
#include "arch/pci.h"
#include "dev/dev.h"
#include "util/extmap.h"
#include "zvfio/zvfio.h"

/* function handle (reference §6.2) */
#define FH_ENABLED   0x80000000u
#define FH_INST_MASK 0x7f000000u
#define FH_INST_SHIFT 24
#define FH_SHM_EMU   0x00020000u	/* "emulated device" marker, as QEMU uses */
#define FH_IDX_MASK  0x0000ffffu

#define ZV_MAX_FUNCTIONS 4096		/* LIST's "max number of functions" */
#define ZV_DEFAULT_PFGID 0xff		/* QEMU's default group id */
#define ZV_RTR_PFGID 0xfe		/* the default group with relaxed translation */
#define ZV_DEFAULT_SDMA 0x100000000ULL	/* 4 GiB, as QEMU */
#define ZV_DEFAULT_EDMA 0x01ffffffffffffffULL
#define ZV_DEFAULT_MSIA 0xfe00000000000000ULL
#define ZV_MAXSTBL 128			/* PCISTB bytes; intercept mode (host-side A12) */

/* Function-group characteristics, answered by QUERY PCI FNGRP. */
struct zv_group {
	uint8_t id;
	bool used;
	bool simulated;		/* stands for host group host_gid (QEMU's rule) */
	uint8_t host_gid;
	uint16_t noi;		/* max MSI-X vectors */
	uint16_t maxstbl;
	uint16_t mui;
	uint8_t version, flags, dtsm;
	uint64_t dasm, msia;
};

/* The guest's view of the function's MSI-X (shadow table and PBA). */
struct fn_msix {
	uint16_t cap;		/* config offset of the capability; 0: none */
	uint16_t nvec;
	uint8_t table_bar, pba_bar;
	uint32_t table_off, pba_off;
	uint16_t ctrl;		/* message control: enable, function mask */
	uint8_t *table;		/* nvec * 16 bytes, PCI (little-endian) layout */
	uint64_t *pba;		/* pending bits, one per vector */
	int *fds;		/* trigger eventfd per vector */
	uint64_t *attached;	/* vectors whose fd the backend has */
	uint64_t *bypass;	/* vectors a binding delivers itself (irqfd) */
};

/* The guest's view of the function's MSI capability (used by functions
 * without MSI-X, such as QEMU's edu): the engine keeps the registers and
 * routes the vectors' eventfds when the guest enables MSI. */
struct fn_msi {
	uint16_t cap;		/* config offset of the capability; 0: none */
	uint8_t len;		/* bytes of the capability the engine owns */
	uint16_t caps;		/* the device's message-control bits: 64-bit, PVM, MMC */
	uint8_t regs[24];	/* the capability from offset 0, PCI layout */
	unsigned live;		/* vectors the backend has (0: disabled) */
	uint32_t pending;
	uint32_t bypass;	/* vectors a binding delivers itself (irqfd) */
	int fds[PCI_MSI_MAX_VECS];
};

/* Registered adapter interruptions (MPCIFC register interruptions). */
struct fn_irq {
	bool registered;
	uint8_t isc, sum, aibvo, aisbo;
	uint16_t noi;
	uint64_t aibv, aisb;	/* guest absolute addresses */
	uint8_t *aibv_host, *aisb_host;
};

/* Registered I/O address translation and its shadow of host mappings. */
struct fn_dma {
	bool registered;
	bool direct;		/* relaxed translation: all RAM mapped once */
	bool direct_pending;	/* ... not yet all: REG_IOAT answered cc 2 */
	uint64_t direct_next;	/* the guest address the direct map goes on at */
	uint64_t pba, pal, iota;
	struct extmap shadow;	/* one extent per host mapping: data = guest
				 * address of the first byte, flags EXT_* (dma.c) */
	uint64_t zombies;	/* extents the backend failed to unmap */
	/* their retry, a bounded pass over the shadow (dma.c): under way
	 * (goes on at zombie_next), and zombies made since it began */
	bool zombie_pass;
	uint64_t zombie_next, zombie_made, zombie_pass_made;
	/* a teardown (deregistration, disable) under way a step at a time:
	 * extents below drop_next are done; the function is fenced */
	bool dropping;
	uint64_t drop_next;
	/* an RPCIT answered cc 2 (busy) after DMA_WORK_MAX work: the same
	 * RPCIT (handle, start, length) continues at resume_next */
	bool resume;
	bool resume_nospace;	/* an earlier step ran out of host mappings */
	uint32_t resume_fh;
	uint64_t resume_start, resume_len, resume_next;
};

struct fn_fmb {
	uint64_t addr;		/* 0: measurement off */
	uint64_t ld, st, stb, rpcit;
	uint32_t samples;
	uint64_t last_update_ms;
};

struct zv_function {
	struct zv_machine *m;
	struct zv_device *dev;
	char name[64];
	uint32_t fid, uid, fh;
	uint16_t idx;
	uint8_t instance;
	enum zv_fn_state state;
	struct zv_group *group;
	uint16_t vendor, device;
	uint64_t bar_size[6];
	uint32_t bar_val[6];
	uint64_t sdma, edma;
	uint64_t win_hi;	/* the window's end before the mapping limit */
	uint64_t win_lo, dev_hi;	/* what the device can reach */
	unsigned nranges;		/* ... or any of these (dev_zpci) */
	struct { uint64_t lo, hi; } ranges[8];
	uint16_t cfg_size;
	/* from the host's zPCI capabilities (dev_zpci), else 0 */
	uint16_t pchid, vfn;
	uint8_t pft;
	uint8_t util_len;
	uint8_t util[64];	/* EBCDIC */
	uint8_t pfip[4];
	uint32_t host_fh;
	bool interp;		/* zPCI interpretation: the guest uses host_fh */
	bool dev_error;		/* the device reported an error: reset on recovery */
	bool dma_blocked;	/* what the device was last told (set_dma_blocked) */
	struct fn_msix msix;
	struct fn_msi msi;
	struct fn_irq irq;
	struct fn_dma dma;
	struct fn_fmb fmb;
};

/*
 * The PCI event queue: a ring of fixed size, allocated with the machine, so
 * that posting never allocates and a guest that never fetches events cannot
 * grow host memory (events.c says what happens when it is full).
 */
#define ZV_EVENT_QUEUE_MAX 256

/* Something an irqfd route depends on changed: a registration, an MSI-X
 * table entry or control, the MSI capability, the function's state. */
#define fn_irq_changed(f) ((f)->m->irq_gen++)

/* AIS (facility 72) per-ISC suppression state, reference §5.4 */
enum ais_mode { AIS_ALL, AIS_SINGLE, AIS_SUPPRESSED };

struct zv_machine {
	struct zv_mem_region *mem;
	unsigned n_mem;
	const struct zv_hv_ops *hv;
	void *hv_opaque;
	uint32_t fac;
	uint32_t flags;		/* ZV_MACHINE_* */
	uint16_t mui;
	/* grows whenever a zv_function_irq_route() answer may change */
	uint64_t irq_gen;
	struct zv_function **fns;	/* indexed by fh index */
	size_t nfns;
	struct zv_group groups[256];
	int epfd;
	int timerfd;
	bool fmb_armed;		/* hv->tod: measurement blocks are due at fmb_next */
	uint64_t fmb_next;
	volatile int hint;
	enum ais_mode ais[8];
	struct zpci_event ev_ring[ZV_EVENT_QUEUE_MAX];
	unsigned ev_head, ev_count;	/* oldest queued event, how many */
	bool crw_armed;		/* a new event may raise a CRW */
	bool crw_pending;	/* a CRW waits for STCRW */
	struct zv_stats st;
};

/* epoll tags: what became readable */
enum ep_kind { EP_MSIX = 1, EP_ERR = 2, EP_TIMER = 3, EP_REQ = 4, EP_MSI = 5 };
static inline uint64_t ep_tag(enum ep_kind k, uint16_t idx, uint16_t vec)
{
	return (uint64_t)k << 32 | (uint64_t)idx << 16 | vec;
}

#endif
