/* SPDX-License-Identifier: MIT */
/*
 * The KVM binding (src/hv/kvm_s390.c) against a simulation of the kernel's
 * interface (tests/hv/kvm_sim.h: the binding compiled with ioctl()
 * replaced by a model of KVM's s390 interface with the kernel's argument
 * checks). No KVM runs here: what only a real kernel on IBM Z can show is
 * named in docs/ARCHITECTURE.md.
 *
 * The replay tests run the project's guest images on the software machine
 * with zPCI intercepts handed out (ZV_SOFTCPU_EXIT_ZPCI, as KVM_RUN hands
 * exits to a VMM): each one becomes a KVM_EXIT_S390_SIEIC exit for the
 * binding, the kernel's part (operand checks, program-interruption
 * injection, irqfd adapter routes, adapter-interruption suppression) is
 * the simulation's, and the guest must end exactly as it does on the
 * software machine alone.
 */
#include <poll.h>
#include <stdio.h>

#include "hv/kvm_sim.h"

#include "arch/codes.h"

#include "fakes.h"
#include "harness.h"
#include "zvfio/guest_env.h"
#include "zvfio/softcpu.h"

/* ---- helpers ---------------------------------------------------------------- */


static uint8_t *ram;
#define RAM_SIZE (64ULL << 20)

static unsigned vmm_crws;
static void vmm_crw(void *opaque)
{
	(void)opaque;
	vmm_crws++;
}

/* with_css: the VMM has a channel subsystem of its own (crw_pending) */
static struct zv_kvm *binding_css(uint32_t flags, bool with_css)
{
	struct zv_mem_region mem = { .gpa = 0, .size = RAM_SIZE, .host = ram };
	struct zv_kvm_config cfg = {
		.vm_fd = S.vm_fd, .flic_fd = -1, .mem = &mem, .n_mem = 1, .flags = flags,
		.crw_pending = with_css ? vmm_crw : NULL,
	};
	char err[256] = "";
	struct zv_kvm *k = zv_kvm_create(&cfg, err, sizeof(err));

	if (!k)
		th_fail(__FILE__, __LINE__, "zv_kvm_create: %s", err);
	return k;
}

static struct zv_kvm *binding(uint32_t flags)
{
	return binding_css(flags, false);
}

static void exit_for(struct kvm_run *run, uint16_t ipa, uint32_t ipb, const struct zv_cpu *cpu)
{
	memset(run, 0, sizeof(*run));
	run->exit_reason = KVM_EXIT_S390_SIEIC;
	run->s390_sieic.icptcode = ICPT_INSTRUCTION;
	run->s390_sieic.ipa = ipa;
	run->s390_sieic.ipb = ipb;
	run->psw_mask = cpu->psw_mask;
	run->psw_addr = cpu->psw_addr + zv_insn_length((uint8_t)(ipa >> 8));
	run->kvm_valid_regs = KVM_SYNC_GPRS | KVM_SYNC_ACRS | KVM_SYNC_CRS | KVM_SYNC_PREFIX;
	memcpy(run->s.regs.gprs, cpu->gpr, sizeof(cpu->gpr));
	S.run = run;
}

/* ---- life cycle ----------------------------------------------------------- */

TEST(create_makes_its_devices_and_says_its_mode)
{
	struct zv_kvm_config bad = { .vm_fd = -1 };
	const char *why;
	struct zv_kvm *k;
	char err[128];

	ram = calloc(1, RAM_SIZE);
	sim_init(ram, RAM_SIZE);
	EXPECT(zv_kvm_create(NULL, err, sizeof(err)) == NULL);
	EXPECT_EQ(errno, EINVAL);
	EXPECT(zv_kvm_create(&bad, err, sizeof(err)) == NULL);
	EXPECT_EQ(errno, EINVAL);
	bad.vm_fd = S.vm_fd;
	bad.gsi_base = MAX_ROUTES;
	EXPECT(zv_kvm_create(&bad, err, sizeof(err)) == NULL);
	EXPECT_EQ(errno, EINVAL);

	k = binding(0);
	EXPECT(S.flic_fd >= 0 && S.vfio_fd >= 0);
	EXPECT_EQ(zv_kvm_mode(k, &why), ZV_KVM_INTERCEPT);
	EXPECT(strstr(why, "KVM_CAP_S390_ZPCI_OP") != NULL);
	zv_kvm_destroy(k);
	/* a second binding on the same VM: KVM has one FLIC per VM (a closed
	 * descriptor does not end it), so the VMM passes its own in; the
	 * kernel offers interpretation now */
	S.has_zpci_op = true;
	S.vfio_fd = -1;
	S.flic_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	{
		struct zv_mem_region mem = { .gpa = 0, .size = RAM_SIZE, .host = ram };
		struct zv_kvm_config cfg = {
			.vm_fd = S.vm_fd, .flic_fd = S.flic_fd, .mem = &mem, .n_mem = 1,
		};

		k = zv_kvm_create(&cfg, err, sizeof(err));
		EXPECT(k != NULL);
		EXPECT_EQ(zv_kvm_mode(k, &why), ZV_KVM_INTERCEPT);
		EXPECT(strstr(why, "no function has a host function handle") != NULL);
		zv_kvm_destroy(k);
		/* the FLIC is the VMM's: still open */
		EXPECT(fcntl(S.flic_fd, F_GETFD) >= 0);
		cfg.flags = ZV_KVM_NO_INTERP;
		S.vfio_fd = -1;
		k = zv_kvm_create(&cfg, err, sizeof(err));
		EXPECT_EQ(zv_kvm_mode(k, &why), ZV_KVM_INTERCEPT);
		EXPECT(strstr(why, "ZV_KVM_NO_INTERP") != NULL);
		zv_kvm_destroy(k);
		/* a KVM-VFIO device already there: the kernel says EBUSY */
		k = zv_kvm_create(&cfg, err, sizeof(err));
		EXPECT(k == NULL);
		EXPECT_EQ(errno, EBUSY);
		EXPECT(strstr(err, "KVM-VFIO") != NULL);
	}
	close(S.flic_fd);
	sim_fini();
	free(ram);
}

TEST(exits_that_are_not_zpci_instructions_go_back_to_the_vmm)
{
	struct zv_cpu cpu = { .psw_mask = ZV_PSW_MASK_EA | ZV_PSW_MASK_BA, .psw_addr = 0x1000 };
	struct kvm_run run;
	struct zv_kvm *k;

	ram = calloc(1, RAM_SIZE);
	sim_init(ram, RAM_SIZE);
	k = binding_css(0, true);
	exit_for(&run, 0xb9d2, 0x00100000, &cpu);
	run.exit_reason = KVM_EXIT_S390_STSI;
	EXPECT_EQ(zv_kvm_handle_exit(k, S.vcpu_fd, &run), 0);
	exit_for(&run, 0xb9d2, 0x00100000, &cpu);
	run.s390_sieic.icptcode = 8;		/* a program interruption */
	EXPECT_EQ(zv_kvm_handle_exit(k, S.vcpu_fd, &run), 0);
	exit_for(&run, 0xb239, 0x00001000, &cpu);	/* STCRW: the VMM's CSS answers */
	EXPECT_EQ(zv_kvm_handle_exit(k, S.vcpu_fd, &run), 0);
	exit_for(&run, 0xb25f, 0x00100000, &cpu);	/* CHSC: likewise */
	EXPECT_EQ(zv_kvm_handle_exit(k, S.vcpu_fd, &run), 0);
	/* without synced registers the binding cannot work: it says so */
	exit_for(&run, 0xb9d2, 0x00100000, &cpu);
	run.kvm_valid_regs = KVM_SYNC_GPRS;
	EXPECT_EQ(zv_kvm_handle_exit(k, S.vcpu_fd, &run), -1);
	EXPECT_EQ(errno, ENOTSUP);
	EXPECT_EQ(zv_kvm_handle_exit(NULL, S.vcpu_fd, &run), -1);
	EXPECT_EQ(errno, EINVAL);
	zv_kvm_destroy(k);
	sim_fini();
	free(ram);
}

/* PCILG in problem state: the engine answers privileged operation, the
 * binding injects it (kernel: KVM_S390_IRQ) and leaves the registers; an
 * operand the kernel finds inaccessible is injected by KVM_S390_MEM_OP
 * itself, once. */
TEST(program_interruptions_are_injected_once)
{
	struct zv_cpu cpu = { .psw_mask = ZV_PSW_MASK_EA | ZV_PSW_MASK_BA | ZV_PSW_MASK_PSTATE,
			      .psw_addr = 0x2000 };
	struct kvm_run run;
	struct zv_kvm *k;

	ram = calloc(1, RAM_SIZE);
	sim_init(ram, RAM_SIZE);
	k = binding(0);
	cpu.gpr[1] = 0x1234;
	exit_for(&run, 0xb9d2, 0x00100000, &cpu);	/* PCILG r1, r0 */
	run.s.regs.gprs[1] = 0x1234;
	EXPECT_EQ(zv_kvm_handle_exit(k, S.vcpu_fd, &run), 1);
	EXPECT_EQ(S.pgm_injected, 1);
	EXPECT_EQ(S.last_pgm, ZV_PGM_PRIVILEGED);
	EXPECT_EQ(run.s.regs.gprs[1], 0x1234);
	EXPECT_EQ(run.kvm_dirty_regs & KVM_SYNC_GPRS, 0);
	/* CLP with its request block past the end of storage: the kernel's
	 * operand check finds an addressing exception and injects it */
	cpu.psw_mask &= ~ZV_PSW_MASK_PSTATE;
	cpu.gpr[2] = RAM_SIZE + 0x1000;
	exit_for(&run, 0xb9a0, 0x00220000, &cpu);	/* CLP r2, r2 */
	EXPECT_EQ(zv_kvm_handle_exit(k, S.vcpu_fd, &run), 1);
	EXPECT_EQ(S.pgm_injected, 2);
	EXPECT_EQ(S.last_pgm, ZV_PGM_ADDRESSING);
	EXPECT(S.memops >= 1);
	zv_kvm_destroy(k);
	sim_fini();
	free(ram);
}

/* Operands under DAT: the kernel judges the access (here: its own page
 * list), the binding walks the guest's segment and page tables for the
 * address -- both must agree, and an exception is the kernel's. */
TEST(operands_under_dat_are_walked_and_checked)
{
	struct zv_cpu cpu = { .psw_mask = ZV_PSW_MASK_EA | ZV_PSW_MASK_BA | ZV_PSW_MASK_DAT };
	struct kvm_run run;
	struct zv_kvm *k;
	uint64_t abs = 0;

	ram = calloc(1, RAM_SIZE);
	sim_init(ram, RAM_SIZE);
	k = binding(0);
	/* a segment table at 0x10000 (2048 entries, type 0, length 3), the
	 * page table of segment 1 at 0x20000, page 0 of it -> 0x300000 */
	be64_put(ram + 0x10000 + 1 * 8, 0x20000);
	be64_put(ram + 0x20000, 0x300000);
	be64_put(ram + 0x20000 + 8, 0x301000 | 0x200);	/* page 1: protected */
	for (unsigned i = 2; i < 256; i++)
		be64_put(ram + 0x20000 + i * 8, 0x400);	/* invalid */
	exit_for(&run, 0xb9d2, 0x00100000, &cpu);
	run.s.regs.crs[1] = 0x10000 | 3;
	S.pages[0].va = 0x100000;
	S.pages[0].abs = 0x300000;
	S.pages[1].va = 0x101000;
	S.pages[1].abs = 0x301000;
	S.pages[1].prot = true;
	S.npages = 2;
	k->vcpu_fd = S.vcpu_fd;
	k->run = &run;
	EXPECT_EQ(kvm_translate(k, &cpu, 0x100123, 0, false, &abs), 0);
	EXPECT_EQ(abs, 0x300123);
	EXPECT_EQ(kvm_translate(k, &cpu, 0x101008, 0, false, &abs), 0);
	EXPECT_EQ(abs, 0x301008);
	EXPECT(!k->pgm_done);
	EXPECT_EQ(kvm_translate(k, &cpu, 0x101008, 0, true, &abs), ZV_PGM_PROTECTION);
	EXPECT(k->pgm_done);
	k->pgm_done = false;
	EXPECT_EQ(kvm_translate(k, &cpu, 0x102000, 0, false, &abs), DAT_PGM_PAGE);
	EXPECT(k->pgm_done);
	EXPECT_EQ(S.pgm_injected, 2);
	/* DAT off: real, then prefixed (the lowcore swaps with the prefix) */
	cpu.psw_mask &= ~ZV_PSW_MASK_DAT;
	run.psw_mask = cpu.psw_mask;
	run.s.regs.prefix = 0x40000;
	EXPECT_EQ(kvm_translate(k, &cpu, 0x100, 0, false, &abs), 0);
	EXPECT_EQ(abs, 0x40100);
	EXPECT_EQ(kvm_translate(k, &cpu, 0x40100, 0, false, &abs), 0);
	EXPECT_EQ(abs, 0x100);
	zv_kvm_destroy(k);
	sim_fini();
	free(ram);
}

/* A VMM without a channel subsystem: a zPCI event becomes a floating
 * channel-report machine check (CR14 subclass, "channel report pending"),
 * the guest's STCRW gets the CRW, then cc 1; CHSC Store Event Information
 * gets the event (here: the function went to standby, PEC 0x0304). With a
 * channel subsystem of its own, the VMM is told instead. */
TEST(zpci_events_reach_the_guest_through_the_binding_or_the_vmm)
{
	struct zv_cpu cpu = { .psw_mask = ZV_PSW_MASK_EA | ZV_PSW_MASK_BA };
	struct zv_function *f;
	struct kvm_run run;
	struct zv_kvm *k;
	char err[128];

	ram = calloc(1, RAM_SIZE);
	sim_init(ram, RAM_SIZE);
	k = binding(0);
	f = zv_kvm_add(k, "emu:dma", err, sizeof(err));
	EXPECT(f != NULL);
	EXPECT_EQ(zv_function_set_standby(f, true), 0);
	EXPECT_EQ(S.mchecks, 1);
	EXPECT_EQ(S.last_cr14, 1u << 28);
	EXPECT(S.last_mcic & (1ULL << (63 - 9)));	/* channel report pending */
	cpu.gpr[5] = 0x3000;
	exit_for(&run, 0xb239, 0x50000000, &cpu);	/* STCRW 0(%r5) */
	EXPECT_EQ(zv_kvm_handle_exit(k, S.vcpu_fd, &run), 1);
	EXPECT_EQ(be32_get(ram + 0x3000), 0x0b000000);
	EXPECT_EQ((run.psw_mask >> ZV_PSW_CC_SHIFT) & 3, 0);
	exit_for(&run, 0xb239, 0x50000000, &cpu);
	EXPECT_EQ(zv_kvm_handle_exit(k, S.vcpu_fd, &run), 1);
	EXPECT_EQ(be32_get(ram + 0x3000), 0);
	EXPECT_EQ((run.psw_mask >> ZV_PSW_CC_SHIFT) & 3, 1);
	/* CHSC Store Event Information at 0x4000 */
	be16_put(ram + 0x4000, 16);
	be16_put(ram + 0x4002, 0x000e);
	cpu.gpr[6] = 0x4000;
	exit_for(&run, 0xb25f, 0x00600000, &cpu);
	EXPECT_EQ(zv_kvm_handle_exit(k, S.vcpu_fd, &run), 1);
	EXPECT_EQ(be16_get(ram + 0x4000 + 16 + 2), 0x0001);	/* response: OK */
	EXPECT_EQ(ram[0x4000 + 16 + 7], 2);			/* NT 2: PCI */
	EXPECT_EQ(be16_get(ram + 0x4000 + 16 + 0x40 + 0x1e), 0x0304);
	/* STCRW misaligned: specification; problem state: privileged */
	exit_for(&run, 0xb239, 0x50020000, &cpu);	/* 2(%r5) */
	EXPECT_EQ(zv_kvm_handle_exit(k, S.vcpu_fd, &run), 1);
	EXPECT_EQ(S.last_pgm, ZV_PGM_SPECIFICATION);
	zv_kvm_destroy(k);

	sim_fini();
	sim_init(ram, RAM_SIZE);	/* a new VM: the old one had its FLIC */
	vmm_crws = 0;
	k = binding_css(0, true);
	f = zv_kvm_add(k, "emu:dma", err, sizeof(err));
	EXPECT_EQ(zv_function_set_standby(f, true), 0);
	EXPECT_EQ(vmm_crws, 1);
	EXPECT_EQ(S.mchecks, 0);	/* none from the binding */
	zv_kvm_destroy(k);
	sim_fini();
	free(ram);
}

/* A VFIO device's group goes to the KVM-VFIO device (which takes only
 * VFIO files); an emulated device has none to give. */
TEST(vfio_devices_are_registered_with_kvm_vfio)
{
	struct zv_kvm *k;
	char err[128] = "";
	int group = open("/dev/null", O_RDONLY | O_CLOEXEC);
	unsigned calls;

	ram = calloc(1, RAM_SIZE);
	sim_init(ram, RAM_SIZE);
	k = binding(0);
	calls = S.calls;
	EXPECT(zv_kvm_add(k, "emu:dma", err, sizeof(err)) != NULL);
	EXPECT_EQ(S.calls, calls);		/* no ioctl at all */
	/* the open hook, as the VFIO backend calls it with the group */
	EXPECT_EQ(kvm_vfio_add(k, group), -1);		/* not a VFIO file */
	EXPECT_EQ(errno, EBADF);
	S.vfio_files[S.nvfio_files++] = group;
	EXPECT_EQ(kvm_vfio_add(k, group), 0);
	EXPECT_EQ(S.vfio_added, 1);
	/* a second function of the same group: KVM has the group already */
	EXPECT_EQ(kvm_vfio_add(k, group), 0);
	zv_kvm_destroy(k);
	close(group);
	sim_fini();
	free(ram);
}

/* Routes follow the guest: a vector is routed once its function is
 * enabled and registered, MSI-X is on and the vector unmasked; four
 * vectors coming at once cost one KVM_SET_GSI_ROUTING; a mask detaches the
 * irqfd before the table loses the entry, an unmask attaches it after the
 * table has it; deregistration and disable take every route away. */
TEST(routes_follow_the_guests_registrations_and_masks)
{
	struct zv_function *f;
	struct zv_kvm *k;
	char err[128];
	unsigned mark;

	ram = calloc(1, RAM_SIZE);
	sim_init(ram, RAM_SIZE);
	k = binding(0);
	f = zv_kvm_add(k, "emu:dma,vectors=4", err, sizeof(err));
	sim_fn_set(k, f, true);
	sim_fn_irqs(k, f, true, 3, 4, true);
	sim_fn_table(k, f, 0x0f);		/* programmed, all masked */
	EXPECT_EQ(k->nroutes, 0);
	sim_fn_msix(k, f, true, false);
	EXPECT_EQ(k->nroutes, 0);		/* masked vectors stay with zvfio */
	mark = S.nlog;
	sim_fn_table(k, f, 0x00);		/* all four unmasked */
	EXPECT_EQ(k->nroutes, 4);
	EXPECT_EQ(sim_logged(mark, KVM_SET_GSI_ROUTING, 0, 0), 4);	/* one per unmask */
	EXPECT_EQ(sim_logged(mark, KVM_IRQFD, KVM_IRQFD_FLAG_DEASSIGN, 0), 4);
	EXPECT_EQ(S.adapters[0].a.id, 8 + 3);	/* QEMU's PCI adapter ids: 8 + ISC */
	EXPECT_EQ(S.adapters[0].a.swap, 1);
	/* each table entry's routing before its irqfd */
	for (unsigned i = mark, routed = 0; i < S.nlog; i++) {
		if (S.log[i % SIM_LOG].req == KVM_SET_GSI_ROUTING)
			routed++;
		else if (S.log[i % SIM_LOG].req == KVM_IRQFD)
			EXPECT(routed > 0);
	}
	/* the function mask: every vector back to zvfio in one update, each
	 * irqfd detached before it */
	mark = S.nlog;
	sim_fn_msix(k, f, true, true);
	EXPECT_EQ(k->nroutes, 0);
	EXPECT_EQ(sim_logged(mark, KVM_IRQFD, KVM_IRQFD_FLAG_DEASSIGN, KVM_IRQFD_FLAG_DEASSIGN), 4);
	EXPECT_EQ(sim_logged(mark, KVM_SET_GSI_ROUTING, 0, 0), 1);
	EXPECT_EQ(S.log[(S.nlog - 1) % SIM_LOG].req, KVM_SET_GSI_ROUTING);
	/* unmasked again: four routes in one update (one intercept) */
	mark = S.nlog;
	sim_fn_msix(k, f, true, false);
	EXPECT_EQ(k->nroutes, 4);
	EXPECT_EQ(sim_logged(mark, KVM_SET_GSI_ROUTING, 0, 0), 1);
	/* an interrupt on a routed vector: the kernel's route sets AIBV bit
	 * 2 and the summary bit, and injects for ISC 3 */
	{
		struct zv_irq_route r;
		uint64_t one = 1;

		EXPECT_EQ(zv_function_irq_route(f, 2, &r), 0);
		EXPECT_EQ(write(r.eventfd, &one, sizeof(one)), (ssize_t)sizeof(one));
		sim_poll_irqfds();
		EXPECT_EQ(ram[0xa000], 0x80 >> 2);
		EXPECT_EQ(ram[0xa800], 0x80);
		EXPECT_EQ(S.pending_io, 0x80 >> 3);
	}
	/* deregistration: nothing left to route */
	sim_fn_irqs(k, f, false, 0, 0, false);
	EXPECT_EQ(k->nroutes, 0);
	EXPECT_EQ(sim_logged(0, KVM_IRQFD, KVM_IRQFD_FLAG_DEASSIGN, KVM_IRQFD_FLAG_DEASSIGN),
		  sim_logged(0, KVM_IRQFD, KVM_IRQFD_FLAG_DEASSIGN, 0));
	zv_kvm_destroy(k);
	sim_fini();
	free(ram);
}

/* zPCI interpretation where the kernel offers it: a function with a host
 * handle is listed and enabled under that handle, its adapter
 * interruptions go to KVM_S390_ZPCI_OP (with the host handle: the
 * kernel knows the device from its open), nothing is routed; a device
 * the kernel does not know (ENODEV) leaves the guest with cc 1, status
 * "sequence" (QEMU's answer); emulated functions stay intercepted. */
TEST(zpci_interpretation_registers_aen_with_the_host_handle)
{
	struct fake_dev *d = fake_dev_new(8);
	struct zv_cpu cpu = { .psw_mask = ZV_PSW_MASK_EA | ZV_PSW_MASK_BA };
	struct zv_function *f;
	struct kvm_run run;
	struct zv_kvm *k;
	const char *why;

	ram = calloc(1, RAM_SIZE);
	sim_init(ram, RAM_SIZE);
	S.has_zpci_op = true;
	k = binding(0);
	d->has_zpci = true;
	d->zpci.has_base = true;
	d->zpci.has_fh = true;
	d->zpci.fh = 0x80c0ffeeu;	/* the host keeps it enabled */
	f = zv_function_add(k->m, &d->dev, 1, 0);
	EXPECT(f != NULL);
	k->fns = realloc(k->fns, sizeof(*k->fns));
	k->fns[k->nfns++] = f;
	EXPECT_EQ(zv_function_set_interpreted(f, true), 0);
	k->ninterp++;
	EXPECT(zv_function_interpreted(f));
	EXPECT_EQ(zv_kvm_mode(k, &why), ZV_KVM_INTERPRET);
	EXPECT(strstr(why, "every function") != NULL);
	EXPECT_EQ(zv_function_fh(f), 0x00c0ffee);	/* the host's, disabled */
	/* the host's function off: the enable is refused (CLP "error") */
	d->zpci.fh = 0x00c0ffee;
	sim_fn_set(k, f, true);
	EXPECT_EQ(be16_get(ram + 0x8020 + 2), CLP_RC_SETPCIFN_FH);
	EXPECT_EQ(zv_function_state(f), ZV_FS_DISABLED);
	d->zpci.fh = 0x80c0ffee;
	sim_fn_set(k, f, true);
	EXPECT_EQ(zv_function_fh(f), 0x80c0ffee);
	EXPECT_EQ(zv_function_state(f), ZV_FS_ENABLED);
	EXPECT_EQ(zv_function_set_interpreted(f, false), -1);	/* enabled */
	EXPECT_EQ(errno, EBUSY);
	/* the kernel knows the device (registered at its open) */
	S.zpci_fhs[S.nzpci_fhs++] = 0x80c0ffee;
	sim_fn_irqs(k, f, true, 3, 8, true);
	EXPECT_EQ(S.aen_regs, 1);
	EXPECT_EQ(S.aen.fh, 0x80c0ffee);
	EXPECT_EQ(S.aen.u.reg_aen.ibv, 0xa000);
	EXPECT_EQ(S.aen.u.reg_aen.sb, 0xa800);
	EXPECT_EQ(S.aen.u.reg_aen.noi, 8);
	EXPECT_EQ(S.aen.u.reg_aen.isc, 3);
	EXPECT_EQ(S.aen.u.reg_aen.flags, 0);		/* with the forwarding assist */
	sim_fn_msix(k, f, true, false);
	sim_fn_table(k, f, 0);
	EXPECT_EQ(k->nroutes, 0);			/* the firmware delivers */
	/* STPCIFC finds it by its handle's index */
	cpu.gpr[1] = (uint64_t)0x80c0ffee << 32;
	cpu.gpr[5] = 0x9100;
	exit_for(&run, 0xe310, 0x500000d4, &cpu);
	EXPECT_EQ(zv_kvm_handle_exit(k, S.vcpu_fd, &run), 1);
	EXPECT_EQ((run.psw_mask >> ZV_PSW_CC_SHIFT) & 3, 0);
	{
		struct zpci_fib fib;

		zpci_fib_decode(ram + 0x9100, &fib);
		EXPECT_EQ(fib.fc & ZPCI_FIB_FC_ENABLED, ZPCI_FIB_FC_ENABLED);
		EXPECT_EQ(fib.aibv, 0xa000);		/* the registration, as the guest gave it */
		EXPECT_EQ(fib.noi, 8);
	}
	sim_fn_irqs(k, f, false, 0, 0, false);
	EXPECT_EQ(S.aen_deregs, 1);
	/* a device the kernel does not know: insufficient resources */
	S.nzpci_fhs = 0;
	{
		struct zpci_fib fib = { .isc = 3, .noi = 8, .sum = 1, .aibv = 0xa000, .aisb = 0xa800 };

		zpci_fib_encode(&fib, ram + 0x9000);
	}
	cpu.gpr[1] = (uint64_t)0x80c0ffee << 32 | ZPCI_MOD_FC_REG_INT;
	cpu.gpr[5] = 0x9000;
	exit_for(&run, 0xe310, 0x500000d0, &cpu);
	EXPECT_EQ(zv_kvm_handle_exit(k, S.vcpu_fd, &run), 1);
	EXPECT_EQ((run.psw_mask >> ZV_PSW_CC_SHIFT) & 3, 1);
	EXPECT_EQ((run.s.regs.gprs[1] >> 24) & 0xff, 24);	/* "sequence", as QEMU */
	/* disabled: the handle loses its enable bit, nothing left registered */
	sim_fn_set(k, f, false);
	EXPECT_EQ(zv_function_fh(f), 0x00c0ffee);
	/* an emulated device has no host handle: intercepted */
	EXPECT(zv_kvm_add(k, "emu:dma", NULL, 0) != NULL);
	EXPECT_EQ(k->ninterp, 1);
	EXPECT(!zv_function_interpreted(k->fns[1]));
	EXPECT_EQ(zv_function_set_interpreted(k->fns[1], true), -1);
	EXPECT_EQ(errno, ENODEV);
	/* a machine whose binding cannot register AEN never interprets */
	{
		struct zv_mem_region mem = { .gpa = 0, .size = 1 << 20, .host = ram };
		struct zv_machine_config mc = { .mem = &mem, .n_mem = 1 };
		struct zv_machine *m = zv_machine_create(&mc);
		struct fake_dev *d2 = fake_dev_new(8);
		struct zv_function *f2;

		d2->has_zpci = true;
		d2->zpci.has_base = d2->zpci.has_fh = true;
		d2->zpci.fh = 0x80000001u;
		f2 = zv_function_add(m, &d2->dev, 1, 0);
		EXPECT_EQ(zv_function_set_interpreted(f2, true), -1);
		EXPECT_EQ(errno, EINVAL);
		EXPECT_EQ(zv_function_set_interpreted(NULL, false), -1);
		zv_machine_destroy(m);
	}
	EXPECT(strstr((zv_kvm_mode(k, &why), why), "for the others") != NULL);
	zv_kvm_destroy(k);
	sim_fini();
	free(ram);
}

/* SIC reaches the kernel's suppression state too (KVM_DEV_FLIC_AISM);
 * a VM without AIS enabled refuses, which is not an error. */
TEST(sic_sets_the_kernels_suppression_mode)
{
	struct zv_cpu cpu = { .psw_mask = ZV_PSW_MASK_EA | ZV_PSW_MASK_BA };
	struct kvm_run run;
	struct zv_kvm *k;

	ram = calloc(1, RAM_SIZE);
	sim_init(ram, RAM_SIZE);
	S.has_ais = true;
	k = binding(0);
	cpu.gpr[1] = 1;			/* single */
	cpu.gpr[3] = 3ULL << 27;	/* ISC 3 */
	exit_for(&run, 0xeb13, 0x000000d1, &cpu);	/* SIC r1, r3 */
	EXPECT_EQ(zv_kvm_handle_exit(k, S.vcpu_fd, &run), 1);
	EXPECT_EQ(S.simm, 0x80 >> 3);
	cpu.gpr[1] = 0;
	exit_for(&run, 0xeb13, 0x000000d1, &cpu);
	EXPECT_EQ(zv_kvm_handle_exit(k, S.vcpu_fd, &run), 1);
	EXPECT_EQ(S.simm, 0);
	S.has_ais = false;
	exit_for(&run, 0xeb13, 0x000000d1, &cpu);
	EXPECT_EQ(zv_kvm_handle_exit(k, S.vcpu_fd, &run), 1);
	zv_kvm_destroy(k);
	sim_fini();
	free(ram);
}

/* ---- replay of guest runs ---------------------------------------------------- */

struct outcome {
	enum zv_run_end end;
	int status;
	char reports[1024];
	struct zv_kvm_stats kst;
	unsigned route_deliveries, airq_injects;
	uint64_t engine_forwarded;	/* MSI-X the engine delivered itself */
};

static void reports_of(struct zv_softcpu *sc, char *out, size_t len)
{
	const char *key;
	uint64_t v;
	size_t n = 0;

	out[0] = 0;
	for (unsigned i = 0; (key = zv_softcpu_report(sc, i, &v)) && n < len; i++)
		n += (size_t)snprintf(out + n, len - n, "%s=%llu ", key, (unsigned long long)v);
}

static void deliver(struct zv_kvm *k, struct zv_softcpu *sc)
{
	sim_poll_irqfds();
	EXPECT(zv_kvm_dispatch(k) >= 0);
	for (unsigned isc = 0; isc < 8; isc++)
		if (S.pending_io & (0x80u >> isc))
			zv_softcpu_inject_adapter(sc, (uint8_t)isc);
	S.pending_io = 0;
}

/* Run image on the software machine; through the binding when kvm. */
static struct outcome run_guest(const char *img, const char *args, const char *spec, bool kvm,
				uint32_t flags, unsigned nfns)
{
	struct zv_softcpu_config cfg = {
		.mem_size = RAM_SIZE, .args = args, .timeout_s = 120,
		.exits = kvm ? ZV_SOFTCPU_EXIT_ZPCI | ZV_SOFTCPU_EXIT_WAIT : 0,
	};
	struct outcome o = { .status = -1 };
	struct zv_softcpu *sc;
	struct zv_kvm *k = NULL;
	char err[256] = "";

	cfg.console = fopen("/dev/null", "w");
	sc = zv_softcpu_create(&cfg, err, sizeof(err));
	EXPECT(sc != NULL);
	if (!sc)
		return o;
	if (kvm) {
		ram = zv_softcpu_ram(sc);
		sim_init(ram, RAM_SIZE);
		S.has_ais = true;
		k = binding(flags);
		for (unsigned i = 0; i < nfns; i++)
			EXPECT(zv_kvm_add(k, spec, err, sizeof(err)) != NULL);
	} else {
		for (unsigned i = 0; i < nfns; i++)
			EXPECT(zv_function_add_spec(zv_softcpu_machine(sc), spec, err, sizeof(err)) !=
			       NULL);
	}
	EXPECT_EQ(zv_softcpu_load_elf(sc, th_guest_image(img), err, sizeof(err)), 0);
	for (;;) {
		o.end = zv_softcpu_run(sc, &o.status);
		if (o.end == ZV_RUN_INTERCEPT) {
			struct zv_cpu cpu;
			struct kvm_run run;
			uint16_t ipa;
			uint32_t ipb;
			unsigned before = S.pgm_injected;

			EXPECT_EQ(zv_softcpu_intercept_get(sc, &cpu, &ipa, &ipb), 0);
			exit_for(&run, ipa, ipb, &cpu);
			EXPECT_EQ(zv_kvm_handle_exit(k, S.vcpu_fd, &run), 1);
			if (S.pgm_injected != before) {
				zv_softcpu_intercept_done(sc, &cpu, S.last_pgm);
			} else {
				memcpy(cpu.gpr, run.s.regs.gprs, sizeof(cpu.gpr));
				cpu.psw_mask = run.psw_mask;
				zv_softcpu_intercept_done(sc, &cpu, 0);
			}
			deliver(k, sc);
		} else if (o.end == ZV_RUN_WAIT || o.end == ZV_RUN_EVENTS) {
			struct pollfd p = { .fd = zv_poll_fd(zv_kvm_machine(k)), .events = POLLIN };

			/* the irqfds' eventfds are the kernel's business:
			 * look at them now and then, as its wakeups would */
			poll(&p, 1, 1);
			deliver(k, sc);
		} else {
			break;
		}
	}
	reports_of(sc, o.reports, sizeof(o.reports));
	if (k) {
		zv_kvm_stats_get(k, &o.kst);
		o.route_deliveries = S.route_deliveries;
		o.airq_injects = S.airq_injects;
		{
			struct zv_stats st;

			zv_stats_get(zv_kvm_machine(k), &st);
			o.engine_forwarded = st.irqs_forwarded;
		}
		zv_kvm_destroy(k);
		sim_fini();
	}
	zv_softcpu_destroy(sc);
	fclose(cfg.console);
	return o;
}

static struct outcome same_outcome(const char *img, const char *args, const char *spec,
				   uint32_t flags, unsigned nfns)
{
	struct outcome a = run_guest(img, args, spec, false, 0, nfns);
	struct outcome b = run_guest(img, args, spec, true, flags, nfns);

	EXPECT_EQ(a.end, ZV_RUN_EXIT);
	EXPECT_EQ(b.end, ZV_RUN_EXIT);
	EXPECT_EQ(a.status, 0);
	EXPECT_EQ(b.status, a.status);
	if (strcmp(a.reports, b.reports))
		th_fail(__FILE__, __LINE__, "%s: software machine '%s', through KVM '%s'", img,
			a.reports, b.reports);
	EXPECT(b.kst.intercepts > 10);
	return b;
}

/* DMA both ways and interrupt-signalled transfers: vectors routed through
 * irqfds with adapter routes; the kernel (simulated) sets the bits and
 * injects, nothing goes through the binding's software path */
TEST(replay_dma_guest_through_irqfd_routes)
{
	struct outcome b = same_outcome("dma.elf", "mib=1 irqs=300 buf=256", "emu:dma", 0, 1);

	EXPECT(b.kst.routing_updates >= 1);
	EXPECT_EQ(b.kst.software_injections, 0);
	EXPECT(b.route_deliveries >= 300);
	EXPECT_EQ(b.airq_injects, 0);
	EXPECT_EQ(b.engine_forwarded, 0);	/* bypassed while routed: never twice */
}

/* a kernel without the in-kernel irqchip: the binding says so and takes
 * the software path */
TEST(without_an_irqchip_interrupts_take_the_software_path)
{
	struct zv_kvm *k;

	ram = calloc(1, RAM_SIZE);
	sim_init(ram, RAM_SIZE);
	S.no_irqchip = true;
	k = binding(0);
	EXPECT(strstr(zv_kvm_irq_path(k), "KVM_CAP_S390_IRQCHIP") != NULL);
	EXPECT(k->flags & ZV_KVM_NO_IRQFD);
	zv_kvm_destroy(k);
	sim_fini();
	S.no_irqchip = false;
	sim_init(ram, RAM_SIZE);
	k = binding(0);
	EXPECT(S.irqchip);
	EXPECT(strstr(zv_kvm_irq_path(k), "irqfd") != NULL);
	zv_kvm_destroy(k);
	sim_fini();
	free(ram);
}

/* the same with irqfds off: every interrupt through zv_kvm_dispatch() and
 * KVM_DEV_FLIC_AIRQ_INJECT */
TEST(replay_dma_guest_through_the_software_path)
{
	struct outcome b = same_outcome("dma.elf", "mib=1 irqs=300 buf=256", "emu:dma",
					ZV_KVM_NO_IRQFD, 1);

	EXPECT_EQ(b.kst.routing_updates, 0);
	EXPECT(b.kst.software_injections > 0);
	EXPECT_EQ(b.route_deliveries, 0);
	EXPECT_EQ(b.airq_injects, b.kst.software_injections);
}

/* bring-up: CLP list, query, enable, config and BAR access, disable */
TEST(replay_bringup_guest)
{
	same_outcome("bringup.elf", "", "emu:dma", 0, 1);
}

/* exact interrupt counts over 8 vectors of two functions, per-vector and
 * function masking with the PBA, teardown and re-registration: routes
 * follow the guest -- a masked vector goes back to the engine (its PBA),
 * an unmasked one to its irqfd -- and nothing is lost or doubled */
TEST(replay_interrupt_guest_with_masking_and_reregistration)
{
	struct outcome b = same_outcome("irq.elf", "n=500", "emu:dma", 0, 2);

	EXPECT(b.route_deliveries > 0);
	EXPECT(b.kst.routing_updates >= 2);
}

/* The guest ABI's hypercalls under KVM (zv_kvm_guest_hypercall()): only
 * DIAG X'500' instruction exits are its, answered from the environment;
 * a bad call becomes the program interruption the environment names */
TEST(guest_abi_hypercalls_under_kvm)
{
	static uint8_t mem[1 << 20];
	struct zv_mem_region r = { .gpa = 0, .size = sizeof(mem), .host = mem };
	char out[32] = "";
	FILE *con = fmemopen(out, sizeof(out), "w");
	struct zv_guest_env_config ec = { .mem = &r, .n_mem = 1, .console = con, .args = "a=1" };
	struct zv_guest_env *e = zv_guest_env_create(&ec, NULL, 0);
	struct kvm_run run;
	int status = -1;

	sim_init(mem, sizeof(mem));
	EXPECT(e != NULL);
	memcpy(mem + 0x3000, "hi\n", 3);
	exit_for(&run, 0x8300, 0x05000000, &(struct zv_cpu){ .gpr = { [1] = ZV_HC_WRITE, [2] = 0x3000,
							       [3] = 3 } });
	EXPECT_EQ(zv_kvm_guest_hypercall(e, S.vcpu_fd, &run, &status), 1);
	EXPECT_EQ(run.s.regs.gprs[2], 3);
	EXPECT(run.kvm_dirty_regs & KVM_SYNC_GPRS);
	EXPECT(!strcmp(out, "hi\n"));
	/* the code from B2 + D2: r4 + 0x400 = 0x500 */
	exit_for(&run, 0x8300, 0x44000000, &(struct zv_cpu){ .gpr = { [1] = ZV_HC_EXIT, [2] = 0x107,
							       [4] = 0x100 } });
	EXPECT_EQ(zv_kvm_guest_hypercall(e, S.vcpu_fd, &run, &status), 2);
	EXPECT_EQ(status, 7);
	/* an unknown function: specification exception, injected */
	exit_for(&run, 0x8300, 0x05000000, &(struct zv_cpu){ .gpr = { [1] = 0x7a7600ff } });
	EXPECT_EQ(zv_kvm_guest_hypercall(e, S.vcpu_fd, &run, &status), 1);
	EXPECT_EQ(S.pgm_injected, 1);
	EXPECT_EQ(S.last_pgm, 0x0006);
	EXPECT(!(run.kvm_dirty_regs & KVM_SYNC_GPRS));
	/* KVM refuses the injection: -1 */
	S.fail_req = KVM_S390_IRQ;
	S.fail_req_errno = EBUSY;
	errno = 0;
	EXPECT_EQ(zv_kvm_guest_hypercall(e, S.vcpu_fd, &run, &status), -1);
	EXPECT_EQ(errno, EBUSY);
	/* not ours: another DIAG code, another instruction, another exit */
	exit_for(&run, 0x8300, 0x04400000, &(struct zv_cpu){ .gpr = { [1] = ZV_HC_EXIT } });
	EXPECT_EQ(zv_kvm_guest_hypercall(e, S.vcpu_fd, &run, &status), 0);
	exit_for(&run, 0xb9d2, 0x00100000, &(struct zv_cpu){ .gpr = { [1] = ZV_HC_EXIT } });
	EXPECT_EQ(zv_kvm_guest_hypercall(e, S.vcpu_fd, &run, &status), 0);
	run.exit_reason = KVM_EXIT_S390_STSI;
	EXPECT_EQ(zv_kvm_guest_hypercall(e, S.vcpu_fd, &run, &status), 0);
	EXPECT_EQ(zv_kvm_guest_hypercall(NULL, S.vcpu_fd, &run, &status), -1);
	EXPECT_EQ(errno, EINVAL);
	zv_guest_env_destroy(e);
	fclose(con);
	sim_fini();
}
