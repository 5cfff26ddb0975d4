/* SPDX-License-Identifier: MIT */
/*
 * The guest ABI's hypercalls (zvfio/guest_env.h) under KVM: a DIAG X'500'
 * instruction exit answered from a guest environment, for a KVM VMM that
 * runs the project's guest images (`zvfio run --kvm`, examples/kvm-vmm.c).
 * KVM hands DIAG X'500' to user space when no virtio-ccw notification is
 * registered for it; the PSW already points past the instruction, and a
 * program interruption injected with KVM_S390_IRQ takes its ILC from the
 * intercept (docs/ARCHITECTURE.md, "The KVM binding").
 */
#include <errno.h>
#include <sys/ioctl.h>

#include <linux/kvm.h>

#include "zvfio/guest_env.h"
#include "zvfio/kvm_s390.h"

#define ICPT_INSTRUCTION 4
#define OP_DIAG 0x83

ZV_API int zv_kvm_guest_hypercall(struct zv_guest_env *e, int vcpu_fd, struct kvm_run *run,
				  int *status)
{
	struct kvm_s390_irq pgm = { .type = KVM_S390_PROGRAM_INT };
	uint64_t r[4], code;
	unsigned b2;
	int value;

	if (!e || !run) {
		errno = EINVAL;
		return -1;
	}
	if (run->exit_reason != KVM_EXIT_S390_SIEIC ||
	    run->s390_sieic.icptcode != ICPT_INSTRUCTION || (run->s390_sieic.ipa >> 8) != OP_DIAG)
		return 0;
	/* the code: the second-operand address B2 + D2, its low 16 bits */
	b2 = run->s390_sieic.ipb >> 28;
	code = ((run->s390_sieic.ipb >> 16) & 0xfff) + (b2 ? run->s.regs.gprs[b2] : 0);
	if ((code & 0xffff) != ZV_HC_DIAG_CODE)
		return 0;
	if (!(run->kvm_valid_regs & KVM_SYNC_GPRS)) {	/* no registers to answer in */
		errno = ENOTSUP;
		return -1;
	}
	for (int i = 0; i < 4; i++)	/* __u64 is not uint64_t everywhere */
		r[i] = run->s.regs.gprs[i];
	switch (zv_guest_hypercall(e, r, &value)) {
	case ZV_GUEST_HC_DONE:
		run->s.regs.gprs[2] = r[2];
		run->kvm_dirty_regs |= KVM_SYNC_GPRS;
		return 1;
	case ZV_GUEST_HC_EXITED:
		if (status)
			*status = value;
		return 2;
	default:
		pgm.u.pgm.code = (__u16)value;
		return ioctl(vcpu_fd, KVM_S390_IRQ, &pgm) ? -1 : 1;
	}
}
