/* SPDX-License-Identifier: MIT */
/*
 * The Function Information Block (80 bytes, big-endian, 8-byte aligned),
 * used by MPCIFC and STPCIFC (reference §3.1; Linux struct zpci_fib).
 */
#ifndef ZV_ARCH_FIB_H
#define ZV_ARCH_FIB_H

#include <stdint.h>

#define ZPCI_FIB_SIZE 80

/* function-controls byte (STPCIFC) */
#define ZPCI_FIB_FC_ENABLED    0x80
#define ZPCI_FIB_FC_ERROR      0x40
#define ZPCI_FIB_FC_LS_BLOCKED 0x20
#define ZPCI_FIB_FC_DMAAS_REG  0x10

/* MPCIFC operation controls */
#define ZPCI_MOD_FC_REG_INT      2
#define ZPCI_MOD_FC_DEREG_INT    3
#define ZPCI_MOD_FC_REG_IOAT     4
#define ZPCI_MOD_FC_DEREG_IOAT   5
#define ZPCI_MOD_FC_REREG_IOAT   6
#define ZPCI_MOD_FC_RESET_ERROR  7
#define ZPCI_MOD_FC_RESET_BLOCK  9
#define ZPCI_MOD_FC_SET_MEASURE  10
#define ZPCI_MOD_FC_REG_INT_D    16
#define ZPCI_MOD_FC_DEREG_INT_D  17

struct zpci_fib {
	uint8_t fmt;
	uint8_t fc;
	uint64_t pba, pal, iota;
	/* format-0 interrupt word */
	uint8_t isc;		/* 3 bits */
	uint16_t noi;		/* 12 bits */
	uint8_t aibvo;		/* 6 bits */
	uint8_t sum;		/* 1 bit */
	uint8_t aisbo;		/* 6 bits */
	uint64_t aibv, aisb, fmb_addr;
	uint32_t gd;
};

void zpci_fib_decode(const uint8_t b[ZPCI_FIB_SIZE], struct zpci_fib *f);
void zpci_fib_encode(const struct zpci_fib *f, uint8_t b[ZPCI_FIB_SIZE]);

#endif
