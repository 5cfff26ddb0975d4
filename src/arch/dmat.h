/* SPDX-License-Identifier: MIT */
/*
 * I/O address translation formats: the IOTA and the region-third, segment
 * and page table entries (reference §4.1, §4.2; Linux
 * arch/s390/include/asm/pci_dma.h, drivers/iommu/s390-iommu.c).
 */
#ifndef ZV_ARCH_DMAT_H
#define ZV_ARCH_DMAT_H

#include <stdbool.h>
#include <stdint.h>

#define ZPCI_PAGE_SHIFT 12
#define ZPCI_PAGE_SIZE  (1ULL << ZPCI_PAGE_SHIFT)
#define ZPCI_SEG_SHIFT  20	/* a segment-table entry spans 1 MiB */
#define ZPCI_RT_SHIFT   31	/* a region-third entry spans 2 GiB */
#define ZPCI_RT_REACH_SHIFT 42	/* an RT-rooted tree covers 4 TiB */

#define ZPCI_RT_ENTRIES 2048
#define ZPCI_ST_ENTRIES 2048
#define ZPCI_PT_ENTRIES 256

/* IOTA */
#define ZPCI_IOTA_T        0x800ULL	/* translation enabled */
#define ZPCI_IOTA_PROT     0x200ULL	/* QEMU: protection for the whole space */
#define ZPCI_IOTA_DT_MASK  0x1cULL
#define ZPCI_IOTA_DT_SHIFT 2
#define ZPCI_IOTA_DT_ST    0
#define ZPCI_IOTA_DT_RT    1
#define ZPCI_IOTA_DT_RS    2
#define ZPCI_IOTA_DT_RF    3
#define ZPCI_IOTA_ORIGIN   (~0x3fffULL)	/* tables are 16 KiB aligned */

/* table entries */
#define ZPCI_TE_INVALID    0x20ULL	/* region and segment entries */
#define ZPCI_TE_PROT       0x200ULL
#define ZPCI_TE_TYPE_MASK  0x0cULL
#define ZPCI_TE_TYPE_RT    0x04ULL
#define ZPCI_TE_TYPE_ST    0x00ULL
#define ZPCI_RTE_TL_MASK   0x03ULL	/* table length; Linux: always 3 */
#define ZPCI_RTE_TF_MASK   0xc0ULL	/* table offset; Linux: always 0 */
#define ZPCI_RTE_ORIGIN    (~0x3fffULL)
#define ZPCI_STE_FC        0x400ULL	/* entry maps a 1 MiB frame */
#define ZPCI_STE_ORIGIN    (~0x7ffULL)	/* page tables are 2 KiB aligned */
#define ZPCI_STE_FRAME     (~0xfffffULL)
#define ZPCI_PTE_INVALID   0x400ULL
#define ZPCI_PTE_FRAME     (~0xfffULL)

static inline unsigned zpci_rtx(uint64_t a) { return (a >> ZPCI_RT_SHIFT) & 0x7ff; }
static inline unsigned zpci_sx(uint64_t a) { return (a >> ZPCI_SEG_SHIFT) & 0x7ff; }
static inline unsigned zpci_px(uint64_t a) { return (a >> ZPCI_PAGE_SHIFT) & 0xff; }

struct zpci_iota {
	bool translate;		/* T bit */
	bool prot;
	uint8_t dt;		/* designation type */
	uint64_t origin;
};

static inline struct zpci_iota zpci_iota_decode(uint64_t iota)
{
	return (struct zpci_iota){
		.translate = (iota & ZPCI_IOTA_T) != 0,
		.prot = (iota & ZPCI_IOTA_PROT) != 0,
		.dt = (uint8_t)((iota & ZPCI_IOTA_DT_MASK) >> ZPCI_IOTA_DT_SHIFT),
		.origin = iota & ZPCI_IOTA_ORIGIN,
	};
}

/* Result of looking at one table entry. */
enum zpci_te_result {
	ZPCI_TE_OK,		/* valid: origin (or frame) and prot are set */
	ZPCI_TE_UNMAPPED,	/* invalid bit set: the entry's span is unmapped */
	ZPCI_TE_FAULT,		/* a translation error: pec says which */
};

struct zpci_te {
	uint64_t origin;	/* next table, or frame for a PTE / large STE */
	bool prot;
	bool large;		/* STE with FC: a 1 MiB frame */
	uint16_t pec;		/* error-event code when ZPCI_TE_FAULT */
};

enum zpci_te_result zpci_rte_decode(uint64_t e, struct zpci_te *t);
enum zpci_te_result zpci_ste_decode(uint64_t e, struct zpci_te *t);
enum zpci_te_result zpci_pte_decode(uint64_t e, struct zpci_te *t);

#endif
