/*
 * Guest entry and interruption handlers. The machine starts us in
 * supervisor state, DAT off, interruptions disabled, 64-bit addressing,
 * with GPR2 = RAM size and GPR15 = a stack at the top of RAM.
 */
#include "arch/lowcore.h"

	.section .text.start,"ax"
	.globl _start
_start:
	larl	%r1,guest_ram_size
	stg	%r2,0(%r1)
	/* clear .bss */
	larl	%r1,__bss_start
	larl	%r3,__bss_end
1:	clgr	%r1,%r3
	jhe	2f
	mvi	0(%r1),0
	la	%r1,1(%r1)
	j	1b
2:	/* CR0: AFP and vector enablement, for code built with -march=z13 */
	larl	%r1,cr0val
	lctlg	%c0,%c0,0(%r1)
	/* new PSWs: supervisor, everything masked, 64-bit */
	larl	%r1,psw_kernel
	lg	%r1,0(%r1)
	stg	%r1,LC_IO_NEW_PSW
	stg	%r1,LC_PGM_NEW_PSW
	stg	%r1,LC_MCCK_NEW_PSW
	larl	%r1,io_entry
	stg	%r1,LC_IO_NEW_PSW+8
	larl	%r1,pgm_entry
	stg	%r1,LC_PGM_NEW_PSW+8
	larl	%r1,mchk_entry
	stg	%r1,LC_MCCK_NEW_PSW+8
	aghi	%r15,-160
	brasl	%r14,guest_main
	/* exit hypercall with main's return value */
	lgr	%r2,%r2
	llilh	%r1,0x7a76
	oill	%r1,0x0002
	diag	%r0,%r0,0x500
3:	j	3b

/* Save the GPRs the C handler may change (the call-clobbered r0-r5 and
 * r14, and r15, which we point at the handler's own stack; the ABI makes
 * it preserve r6-r13) in a per-class area, run it, restore and return to
 * the old PSW. Eight stores, not sixteen: guest stores are what the
 * software machine's interrupt path pays for most. */
	.macro	HANDLER name, save, stack, cfunc, oldpsw
	.globl	\name
\name:
	stmg	%r0,%r5,\save
	stmg	%r14,%r15,\save+48
	larl	%r15,\stack
	aghi	%r15,-160
	brasl	%r14,\cfunc
	lmg	%r0,%r5,\save
	lmg	%r14,%r15,\save+48
	lpswe	\oldpsw
	.endm

	/* save areas in the lowcore's free space at 0x1000+ */
	HANDLER	io_entry, 0x1000, io_stack_top, guest_io_entry, LC_IO_OLD_PSW
	HANDLER	pgm_entry, 0x1080, pgm_stack_top, guest_pgm_entry, LC_PGM_OLD_PSW
	HANDLER	mchk_entry, 0x1100, mchk_stack_top, guest_mchk_entry, LC_MCCK_OLD_PSW

	.section .data
	.balign 8
	.globl	guest_ram_size
guest_ram_size:	.quad 0
cr0val:		.quad 0x0000000000060000
psw_kernel:	.quad 0x0000000180000000

	.section .bss
	.balign 4096
	.space	16384
io_stack_top:
	.space	16384
pgm_stack_top:
	.space	16384
mchk_stack_top:
	.section .note.GNU-stack,"",@progbits
