/* PSW switching helpers for the guest runtime. */
	.text
	.balign	8
/* void irq_enable(void): I/O and machine checks on */
	.globl	irq_enable
irq_enable:
	larl	%r1,psw_on
	larl	%r0,1f
	stg	%r0,8(%r1)
	lpswe	0(%r1)
1:	br	%r14

/* void irq_disable(void) */
	.globl	irq_disable
irq_disable:
	larl	%r1,psw_off
	larl	%r0,1f
	stg	%r0,8(%r1)
	lpswe	0(%r1)
1:	br	%r14

/* void wait_for_interrupt(void): enabled wait; the handlers clear the wait
 * bit in the old PSW, so we resume at 1: with interruptions enabled, and
 * disable them again. */
	.globl	wait_for_interrupt
wait_for_interrupt:
	larl	%r1,psw_wait
	larl	%r0,1f
	stg	%r0,8(%r1)
	lpswe	0(%r1)
1:	j	irq_disable

/* void run_in_problem_state(void (*fn)(void)) */
	.globl	run_in_problem_state
	.globl	pstate_return_point
run_in_problem_state:
	stmg	%r6,%r15,48(%r15)
	aghi	%r15,-160
	larl	%r1,psw_problem
	larl	%r0,1f
	stg	%r0,8(%r1)
	lpswe	0(%r1)
1:	basr	%r14,%r2
	/* a privileged DIAG: the program-check handler sees the address
	 * below and returns in supervisor state */
	lghi	%r1,0
	.insn	rs,0x83000000,%r0,%r0,0x500
pstate_return_point:
	aghi	%r15,160
	lmg	%r6,%r15,48(%r15)
	br	%r14

	.section .data
	.balign	8
psw_on:		.quad 0x0204000180000000, 0	/* I/O + machine check */
psw_off:	.quad 0x0000000180000000, 0
psw_wait:	.quad 0x0206000180000000, 0	/* ... + wait */
psw_problem:	.quad 0x0001000180000000, 0
	.section .note.GNU-stack,"",@progbits
