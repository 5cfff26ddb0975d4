/* SPDX-License-Identifier: MIT */
/*
 * zPCI condition codes, status codes, CLP response codes and error-event
 * codes (PECs). Values: reference §1.3, §2.2, §6.5, §6.6 (Linux
 * arch/s390/include/asm/pci_insn.h, clp.h, pci_clp.h; QEMU s390-pci-inst.h,
 * s390-pci-bus.h).
 */
#ifndef ZV_ARCH_CODES_H
#define ZV_ARCH_CODES_H

/* condition codes */
#define ZPCI_CC_OK        0
#define ZPCI_CC_ERROR     1	/* status in bits 32-39 of the status register */
#define ZPCI_CC_BUSY      2
#define ZPCI_CC_NOT_AVAIL 3	/* handle not valid / function not available */

/* load/store (PCILG, PCISTG, PCISTB) and RPCIT status codes */
#define ZPCI_ST_NOT_ENABLED      4
#define ZPCI_ST_ERROR            8
#define ZPCI_ST_BLOCKED          12
#define ZPCI_ST_INSUF_RES        16
#define ZPCI_ST_INVAL_AS         20
#define ZPCI_ST_FUNC_ALREADY_ENABLED 24
#define ZPCI_ST_DMA_AS_NOT_ENABLED 28
#define ZPCI_ST_2ND_OP_IN_INV_AS 36
#define ZPCI_ST_FUNC_NOT_AVAIL   40
#define ZPCI_ST_ALREADY_IN_RQ_STATE 44
#define ZPCI_RPCIT_ST_ERROR_RECOVERY 40	/* RPCIT on a function in error */

/* MPCIFC status codes */
#define ZPCI_MOD_ST_RES_NOT_AVAIL 4
#define ZPCI_MOD_ST_INSUF_RES     16
#define ZPCI_MOD_ST_SEQUENCE      24
#define ZPCI_MOD_ST_DMAAS_INVAL   28
#define ZPCI_MOD_ST_FRAME_INVAL   32
#define ZPCI_MOD_ST_ERROR_RECOVER 40

/* STPCIFC status codes */
#define ZPCI_STPCIFC_ST_PERM_ERROR    8
#define ZPCI_STPCIFC_ST_INVAL_DMAAS   28
#define ZPCI_STPCIFC_ST_ERROR_RECOVER 40

/* CLP response codes, generic and PCI-specific */
#define CLP_RC_OK              0x0010
#define CLP_RC_CMD             0x0020	/* command code not recognized */
#define CLP_RC_PERM            0x0030	/* command not authorized */
#define CLP_RC_FMT             0x0040	/* invalid request format */
#define CLP_RC_LEN             0x0050	/* invalid request length */
#define CLP_RC_8K              0x0060	/* command requires 8K LPCB */
#define CLP_RC_RESNOT0         0x0070	/* reserved field not zero */
#define CLP_RC_NODATA          0x0080
#define CLP_RC_FC_UNKNOWN      0x0100
#define CLP_RC_SETPCIFN_FH     0x0101	/* invalid PCI function handle */
#define CLP_RC_SETPCIFN_FHOP   0x0102	/* handle not valid for operation */
#define CLP_RC_SETPCIFN_DMAAS  0x0103	/* invalid DMA address space count */
#define CLP_RC_SETPCIFN_RES    0x0104	/* insufficient resources */
#define CLP_RC_SETPCIFN_ALRDY  0x0105	/* already in requested state */
#define CLP_RC_SETPCIFN_ERR    0x0106	/* permanent error */
#define CLP_RC_SETPCIFN_RECPND 0x0107	/* error recovery pending */
#define CLP_RC_SETPCIFN_BUSY   0x0108
#define CLP_RC_LISTPCI_BADRT   0x010a	/* resume token not recognized */
#define CLP_RC_QUERYPCIFG_PFGID 0x010b	/* unrecognized PFGID */

/* PCI error-event codes (error CCDF PEC) */
#define ZPCI_PEC_INVAL_AS       0x0001
#define ZPCI_PEC_OUT_OF_RANGE   0x0002
#define ZPCI_PEC_INVAL_TF       0x0003	/* invalid translation format */
#define ZPCI_PEC_TRANS_PROT     0x0004
#define ZPCI_PEC_ACCESS_PROT    0x0005
#define ZPCI_PEC_KEY            0x0006
#define ZPCI_PEC_INVAL_TE       0x0007	/* invalid table entry */
#define ZPCI_PEC_INVAL_TL       0x0008	/* invalid table length */
#define ZPCI_PEC_TABLE_TYPE     0x0009
#define ZPCI_PEC_INVAL_MSI      0x000a
#define ZPCI_PEC_SERR           0x000b
#define ZPCI_PEC_NO_MSI         0x0010
#define ZPCI_PEC_INVAL_BV       0x0011
#define ZPCI_PEC_AIBV           0x0012
#define ZPCI_PEC_AIRERR         0x0013
#define ZPCI_PEC_FMBA           0x002a
#define ZPCI_PEC_FMBUP          0x002b
#define ZPCI_PEC_FMBPRO         0x002c
#define ZPCI_PEC_CFG_ERR        0x0030
#define ZPCI_PEC_SERVICE_ACTION 0x003a
#define ZPCI_PEC_PERM_ERROR     0x003b

/* PCI availability-event codes (availability CCDF PEC) */
#define ZPCI_PEC_AVAIL_CONFIGURED  0x0301
#define ZPCI_PEC_AVAIL_STANDBY     0x0302
#define ZPCI_PEC_AVAIL_DECONF_REQ  0x0303
#define ZPCI_PEC_AVAIL_DECONFIGURED 0x0304
#define ZPCI_PEC_AVAIL_RESERVED    0x0308

#endif
