/* SPDX-License-Identifier: MIT */
/*
 * Lowcore (prefix area) fields the interruption mechanism uses,
 * z/Architecture offsets. Shared by the software machine and guest code
 * (C and assembler).
 */
#ifndef ZV_ARCH_LOWCORE_H
#define ZV_ARCH_LOWCORE_H

#define LC_EXT_PARAMS     0x080	/* u32: external-interruption parameter */
#define LC_EXT_CPU_ADDR   0x084	/* u16 */
#define LC_EXT_INT_CODE   0x086	/* u16 */
#define LC_SVC_ILC        0x088	/* u16 */
#define LC_SVC_CODE       0x08a	/* u16 */
#define LC_PGM_ILC        0x08c	/* u16: instruction length, bits 13-14 */
#define LC_PGM_CODE       0x08e	/* u16: program-interruption code */
#define LC_SUBCHANNEL_ID  0x0b8	/* u32: 0 for adapter interruptions */
#define LC_IO_INT_PARM    0x0bc	/* u32 */
#define LC_IO_INT_WORD    0x0c0	/* u32: 0x80000000 adapter | ISC << 27 */
#define LC_MCCK_CODE      0x0e8	/* u64: machine-check interruption code */
#define LC_EXT_OLD_PSW    0x130
#define LC_SVC_OLD_PSW    0x140
#define LC_PGM_OLD_PSW    0x150
#define LC_MCCK_OLD_PSW   0x160
#define LC_IO_OLD_PSW     0x170
#define LC_EXT_NEW_PSW    0x1b0
#define LC_SVC_NEW_PSW    0x1c0
#define LC_PGM_NEW_PSW    0x1d0
#define LC_MCCK_NEW_PSW   0x1e0
#define LC_IO_NEW_PSW     0x1f0
#define LC_SIZE           0x2000	/* the 8 KiB prefix area */

#ifndef __ASSEMBLER__
#define MCIC_CHANNEL_REPORT (1ULL << 54)	/* MSB-0 bit 9: channel report pending */
#define CR0_LAP             (1ULL << 28)	/* MSB-0 bit 35: low-address protection */
#define CR0_SSM_SUPPRESS    (1ULL << 30)	/* MSB-0 bit 33: SSM suppression */
#define CR14_CRW_MASK       (1ULL << 28)	/* MSB-0 bit 35: channel-report subclass */
#define IO_INT_WORD_AI      0x80000000u	/* adapter-interruption indicator */
#endif

#endif
