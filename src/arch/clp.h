/* SPDX-License-Identifier: MIT */
/*
 * CLP (Call Logical Processor) blocks: the request block at the LPCB
 * address, immediately followed by the response block. Offsets are from the
 * start of the request or response block (reference §2; Linux
 * arch/s390/include/asm/clp.h and pci_clp.h).
 */
#ifndef ZV_ARCH_CLP_H
#define ZV_ARCH_CLP_H

#include <stdint.h>

#define CLP_LPCB_MAX      8192	/* request + response */
#define CLP_REQ_LEN_MIN   16
#define CLP_REQ_LEN_MAX   8184
#define CLP_RSP_LEN_MIN   8
#define CLP_RSP_LEN_MAX   8176
#define CLP_PCI_REQ_LEN   32	/* every PCI command's request */

/* common header (request and response) */
#define CLP_HDR_LEN       0x00	/* u16 */
#define CLP_HDR_CMD       0x02	/* u16 request: command code; response: response code */
#define CLP_HDR_FMT       0x04	/* u32: bits 0-3 format, rest reserved */
#define CLP_HDR_RSVD      0x08	/* u64 reserved */
#define CLP_HDR_SIZE      0x10

/* command codes */
#define CLP_SLPC          0x0001
#define CLP_LIST_PCI      0x0002
#define CLP_QUERY_PCI_FN  0x0003
#define CLP_QUERY_PCI_FNGRP 0x0004
#define CLP_SET_PCI_FN    0x0005

/* LIST PCI */
#define CLP_LIST_RQ_TOKEN  0x10	/* u64 resume token, 0 = start */
#define CLP_LIST_RQ_RSVD   0x18	/* u64 */
#define CLP_LIST_RS_TOKEN  0x10	/* u64, 0 = list complete */
#define CLP_LIST_RS_MDD    0x18	/* u32 reserved */
#define CLP_LIST_RS_MAX_FN 0x1c	/* u16 */
#define CLP_LIST_RS_FLAGS  0x1e	/* u8: 0x01 UID checking */
#define CLP_LIST_RS_ENTSZ  0x1f	/* u8 entry size */
#define CLP_LIST_RS_ENTRY  0x20
#define CLP_LIST_HDR_LEN   0x20
#define CLP_LIST_ENTRY_SIZE 16
#define CLP_LIST_FLAG_UID_CHECKING 0x01
/* entry */
#define CLP_LIST_E_DEVICE  0x0	/* u16 */
#define CLP_LIST_E_VENDOR  0x2	/* u16 */
#define CLP_LIST_E_CONFIG  0x4	/* u32: 0x80000000 configured */
#define CLP_LIST_E_FID     0x8
#define CLP_LIST_E_FH      0xc
#define CLP_LIST_E_CONFIGURED 0x80000000u

/* QUERY PCI FN */
#define CLP_QFN_RQ_FH      0x10	/* u32 */
#define CLP_QFN_RQ_RSVD1   0x14	/* u32 */
#define CLP_QFN_RQ_RSVD2   0x18	/* u64 */
#define CLP_QFN_RS_VFN     0x10	/* u16 */
#define CLP_QFN_RS_FLAGS   0x12	/* u8: 0x01 utility string valid */
#define CLP_QFN_RS_PFGID   0x13
#define CLP_QFN_RS_FID     0x14
#define CLP_QFN_RS_BAR_SIZE 0x18	/* 6 x u8, log2 */
#define CLP_QFN_RS_PCHID   0x1e	/* u16 */
#define CLP_QFN_RS_BAR     0x20	/* 6 x u32, little-endian (as Linux reads it) */
#define CLP_QFN_RS_PFIP    0x38
#define CLP_QFN_RS_FMB_LEN 0x3e	/* u8, in 4-byte units */
#define CLP_QFN_RS_PFT     0x3f
#define CLP_QFN_RS_SDMA    0x40
#define CLP_QFN_RS_EDMA    0x48
#define CLP_QFN_RS_UID     0x7c
#define CLP_QFN_RS_UTIL    0x80	/* 64 bytes EBCDIC */
#define CLP_QFN_RS_LEN     0x100
#define CLP_QFN_UTIL_LEN   64
#define CLP_QFN_FLAG_UTIL  0x01

/* QUERY PCI FNGRP */
#define CLP_QGRP_RQ_PFGID  0x10	/* u32, group id in the low byte (0x13) */
#define CLP_QGRP_RQ_RSVD1  0x14
#define CLP_QGRP_RQ_RSVD2  0x18
#define CLP_QGRP_RS_NOI    0x10	/* u16: bits 4-15 */
#define CLP_QGRP_RS_VERSION 0x12
#define CLP_QGRP_RS_FLAGS  0x13	/* 0x20 RTR, 0x02 frame, 0x01 refresh */
#define CLP_QGRP_RS_MAXSTBL 0x14	/* u16: bits 3-15 */
#define CLP_QGRP_RS_MUI    0x16
#define CLP_QGRP_RS_DTSM   0x18
#define CLP_QGRP_RS_DASM   0x20
#define CLP_QGRP_RS_MSIA   0x28
#define CLP_QGRP_RS_LEN    0x40
#define CLP_QGRP_FLAG_REFRESH 0x01
#define CLP_QGRP_FLAG_FRAME   0x02
#define CLP_QGRP_FLAG_RTR     0x20
#define CLP_DTSM_RTTO      0x40	/* only region-third-rooted tables */

/* SET PCI FN */
#define CLP_SFN_RQ_FH      0x10	/* u32 */
#define CLP_SFN_RQ_RSVD1   0x14	/* u16 */
#define CLP_SFN_RQ_OC      0x16	/* u8 */
#define CLP_SFN_RQ_NDAS    0x17	/* u8 */
#define CLP_SFN_RQ_RSVD2   0x18	/* u32 */
#define CLP_SFN_RQ_GISA    0x1c	/* u32, host use only */
#define CLP_SFN_RS_FH      0x10
#define CLP_SFN_RS_LEN     0x20
#define CLP_SFN_OC_ENABLE  0
#define CLP_SFN_OC_DISABLE 1
#define CLP_SFN_OC_ENABLE_MIO 2
#define CLP_SFN_OC_DISABLE_MIO 3

#endif
