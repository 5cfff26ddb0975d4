/* SPDX-License-Identifier: MIT */
/*
 * emu:dma — an in-process PCI function with a DMA engine, used by the tests
 * and the demo. Its register interface (BAR 0, little-endian registers) is
 * also what guest/ drivers program; docs/DEVICES.md describes it.
 */
#ifndef ZV_DEV_EMU_DMA_H
#define ZV_DEV_EMU_DMA_H

#define EMU_DMA_VENDOR 0x1234
#define EMU_DMA_DEVICE 0x7a76
#define EMU_DMA_ID_MAGIC 0x7a76646dU	/* "zvdm" */

/* BAR 0 registers */
#define EMU_DMA_REG_ID        0x00	/* u32 RO */
#define EMU_DMA_REG_VERSION   0x04	/* u32 RO */
#define EMU_DMA_REG_SRC       0x08	/* u64 IOVA */
#define EMU_DMA_REG_DST       0x10	/* u64 IOVA */
#define EMU_DMA_REG_LEN       0x18	/* u64 bytes (IRQ: count) */
#define EMU_DMA_REG_PATTERN   0x20	/* u64 fill pattern */
#define EMU_DMA_REG_CMD       0x28	/* u32: writing starts the command */
#define EMU_DMA_REG_STATUS    0x2c	/* u32 RO */
#define EMU_DMA_REG_RESULT    0x30	/* u64 RO checksum */
#define EMU_DMA_REG_FAULT     0x38	/* u64 RO faulting IOVA */
#define EMU_DMA_REG_DONE      0x40	/* u64 RO commands completed */
#define EMU_DMA_REG_RBYTES    0x48	/* u64 RO bytes read by DMA */
#define EMU_DMA_REG_WBYTES    0x50	/* u64 RO bytes written by DMA */
#define EMU_DMA_BAR0_SIZE     0x1000

/* CMD: bits 0-7 opcode, bits 8-19 MSI-X vector, bit 31 interrupt on completion */
#define EMU_DMA_OP_COPY  1	/* DST <- SRC, LEN bytes */
#define EMU_DMA_OP_FILL  2	/* DST <- PATTERN (8-byte, little-endian) repeated */
#define EMU_DMA_OP_CSUM  3	/* RESULT <- csum(SRC, LEN) */
#define EMU_DMA_OP_IRQ   4	/* raise the vector LEN times */
#define EMU_DMA_OP_IRQ_SET 5	/* raise once each vector whose bit is set in LEN */
#define EMU_DMA_CMD_VEC_SHIFT 8
#define EMU_DMA_CMD_VEC_MASK  0xfff
#define EMU_DMA_CMD_IRQ  0x80000000u

#define EMU_DMA_ST_OK        0
#define EMU_DMA_ST_FAULT     2	/* IOMMU fault: FAULT holds the IOVA */
#define EMU_DMA_ST_BADCMD    3
#define EMU_DMA_ST_NOMASTER  4	/* bus mastering disabled */
#define EMU_DMA_ST_BLOCKED   5	/* the host blocks DMA (function in error) */

/* BAR 2: MSI-X table at 0, PBA at 0x800 */
#define EMU_DMA_MSIX_BAR      2
#define EMU_DMA_MSIX_TABLE    0x000
#define EMU_DMA_MSIX_PBA      0x800
#define EMU_DMA_BAR2_SIZE     0x1000
#define EMU_DMA_MAX_VECTORS   128
#define EMU_DMA_MSIX_CAP      0x40

/* The checksum: FNV-1a over big-endian 64-bit words, then trailing bytes. */
#define EMU_CSUM_INIT  0xcbf29ce484222325ULL
#define EMU_CSUM_PRIME 0x100000001b3ULL

#endif
