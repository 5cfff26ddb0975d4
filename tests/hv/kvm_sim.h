/* SPDX-License-Identifier: MIT */
/*
 * A simulation of the part of KVM's s390 interface the KVM binding uses
 * (src/hv/kvm_s390.c), for its test and its fuzz target: including this
 * header compiles the binding with ioctl() replaced by sim_ioctl(), which
 * makes the kernel's argument checks (Linux's
 * Documentation/virt/kvm/api.rst, virt/kvm/kvm_main.c, eventfd.c,
 * irqchip.c, vfio.c, arch/s390/kvm/kvm-s390.c and interrupt.c), answers
 * as the kernel does, performs the kernel's part of interrupt delivery
 * (adapter routes, adapter-interruption suppression) and counts what
 * happened. One VM with one vCPU; guest storage is one range at 0.
 */
#ifndef ZV_TEST_KVM_SIM_H
#define ZV_TEST_KVM_SIM_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int sim_ioctl(int fd, unsigned long req, ...);
#define ioctl sim_ioctl
#include "hv/kvm_s390.c"
#include "hv/kvm_guest.c"
#undef ioctl

#include "arch/fib.h"
#include "core/core.h"

/* ---- the simulated kernel -------------------------------------------------- */

#define SIM_ADAPTERS 64		/* MAX_S390_IO_ADAPTERS: (MAX_ISC + 1) * 8 */
#define SIM_IRQFDS 256
#define SIM_PAGES 16

static struct sim {
	int vm_fd, vcpu_fd, flic_fd, vfio_fd;
	bool has_zpci_op, has_ais;	/* KVM_CAP_S390_ZPCI_OP; facility 72 + KVM_CAP_S390_AIS */
	bool no_irqchip, irqchip;	/* KVM_CAP_S390_IRQCHIP: absent; enabled */
	struct kvm_run *run;
	uint8_t *mem;
	uint64_t mem_size;
	struct { bool used; struct kvm_s390_io_adapter a; } adapters[SIM_ADAPTERS];
	uint8_t simm, nimm;		/* AIS: single mode, no-interruptions mode, per ISC */
	struct kvm_irq_routing_entry *routes;
	unsigned nroutes;
	struct { bool used; int fd; uint32_t gsi; } irqfds[SIM_IRQFDS];
	struct { uint64_t va, abs; bool prot; } pages[SIM_PAGES];	/* DAT on */
	unsigned npages;
	int vfio_files[4];		/* what KVM-VFIO accepts (VFIO group fds) */
	unsigned nvfio_files;
	unsigned vfio_added;		/* ... and has taken (bit per file) */
	uint32_t zpci_fhs[4];		/* host handles of devices registered with the VM */
	unsigned nzpci_fhs;
	struct kvm_s390_zpci_op aen;	/* the last REG_AEN */
	unsigned aen_regs, aen_deregs;
	/* what happened */
	unsigned calls, memops, set_routing, irqfd_assign, irqfd_deassign, airq_injects;
	unsigned route_deliveries, suppressed, floating_io;
	unsigned pgm_injected;		/* KVM_S390_IRQ and MEM_OP's INJECT_EXCEPTION */
	uint16_t last_pgm;
	uint8_t pending_io;		/* ISCs with an I/O interruption injected */
	unsigned mchecks;		/* floating machine checks */
	uint64_t last_mcic;
	uint32_t last_cr14;
	int fail_req_errno;		/* > 0: the next call of fail_req fails so */
	unsigned long fail_req;
	/* every call, in order (the last SIM_LOG) */
	struct { unsigned long req; int fd; uint32_t flags; } log[256];
	unsigned nlog;
} S;
#define SIM_LOG 256

static void sim_init(uint8_t *mem, uint64_t size)
{
	free(S.routes);
	memset(&S, 0, sizeof(S));
	S.vm_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	S.vcpu_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	S.flic_fd = S.vfio_fd = -1;
	S.mem = mem;
	S.mem_size = size;
}

static void sim_fini(void)
{
	close(S.vm_fd);
	close(S.vcpu_fd);
	free(S.routes);
	S.routes = NULL;
}

static bool in_mem(uint64_t a, uint64_t len)
{
	return a < S.mem_size && len <= S.mem_size - a;
}

/* kvm_s390_inject_airq(): adapter-interruption suppression, then a
 * floating I/O interruption with the AI bit and the ISC */
static void sim_airq(const struct kvm_s390_io_adapter *a)
{
	uint8_t bit = (uint8_t)(0x80u >> a->isc);

	if (S.has_ais && (a->flags & KVM_S390_ADAPTER_SUPPRESSIBLE)) {
		if (S.nimm & bit) {
			S.suppressed++;
			return;
		}
		if (S.simm & bit)
			S.nimm |= bit;
	}
	S.pending_io |= bit;
}

static struct kvm_s390_io_adapter *sim_adapter(uint32_t id)
{
	for (unsigned i = 0; i < SIM_ADAPTERS; i++)
		if (S.adapters[i].used && S.adapters[i].a.id == id)
			return &S.adapters[i].a;
	return NULL;
}

/* set_adapter_int(): the indicator bit, then the summary bit; an
 * interruption only when the summary bit went 0 -> 1. Bit numbers count
 * from the most significant bit (swap: the kernel's bit ^ 63 on a
 * doubleword) from the address. */
static void sim_route(const struct kvm_irq_routing_s390_adapter *r)
{
	struct kvm_s390_io_adapter *a = sim_adapter(r->adapter_id);
	uint64_t ib = r->ind_offset, sb = r->summary_offset;
	bool was;

	if (!a || !in_mem(r->ind_addr + ib / 8, 1) || !in_mem(r->summary_addr + sb / 8, 1))
		return;
	S.mem[r->ind_addr + ib / 8] |= (uint8_t)(0x80u >> (ib % 8));
	was = S.mem[r->summary_addr + sb / 8] & (0x80u >> (sb % 8));
	S.mem[r->summary_addr + sb / 8] |= (uint8_t)(0x80u >> (sb % 8));
	S.route_deliveries++;
	if (!was)
		sim_airq(a);
}

/* The kernel's irqfd work: an eventfd signalled, its counter read, the
 * route of its GSI delivered. */
static void sim_poll_irqfds(void)
{
	for (unsigned i = 0; i < SIM_IRQFDS; i++) {
		uint64_t n;

		if (!S.irqfds[i].used || read(S.irqfds[i].fd, &n, sizeof(n)) != sizeof(n) || !n)
			continue;
		for (unsigned j = 0; j < S.nroutes; j++)
			if (S.routes[j].gsi == S.irqfds[i].gsi)
				sim_route(&S.routes[j].u.adapter);
	}
}

static int fail(int e)
{
	errno = e;
	return -1;
}

static int sim_memop(struct kvm_s390_mem_op *op)
{
	const uint64_t known = KVM_S390_MEMOP_F_CHECK_ONLY | KVM_S390_MEMOP_F_INJECT_EXCEPTION |
			       KVM_S390_MEMOP_F_SKEY_PROTECTION;
	uint64_t abs = op->gaddr, prefix = S.run->s.regs.prefix;
	int code = 0;

	S.memops++;
	if (op->flags & ~known || !op->size || op->ar >= 16)
		return fail(EINVAL);
	if (op->size > 65536)				/* MEM_OP_MAX_SIZE */
		return fail(E2BIG);
	if (op->op != KVM_S390_MEMOP_LOGICAL_READ && op->op != KVM_S390_MEMOP_LOGICAL_WRITE)
		return fail(EINVAL);
	if (S.run->psw_mask & ZV_PSW_MASK_DAT) {
		unsigned i;

		for (i = 0; i < S.npages; i++)
			if (S.pages[i].va == (op->gaddr & ~0xfffULL))
				break;
		if (i == S.npages)
			code = DAT_PGM_PAGE;
		else if (S.pages[i].prot && op->op == KVM_S390_MEMOP_LOGICAL_WRITE)
			code = DAT_PGM_PROTECTION;
		else
			abs = S.pages[i].abs | (op->gaddr & 0xfff);
	} else {
		abs = dat_real_to_abs(prefix, op->gaddr);
	}
	if (!code && !in_mem(abs, op->size))
		code = DAT_PGM_ADDRESSING;
	if (code) {
		if (op->flags & KVM_S390_MEMOP_F_INJECT_EXCEPTION) {
			S.pgm_injected++;
			S.last_pgm = (uint16_t)code;
		}
		return code;
	}
	if (!(op->flags & KVM_S390_MEMOP_F_CHECK_ONLY)) {
		void *buf = (void *)(uintptr_t)op->buf;

		if (op->op == KVM_S390_MEMOP_LOGICAL_READ)
			memcpy(buf, S.mem + abs, op->size);
		else
			memcpy(S.mem + abs, buf, op->size);
	}
	return 0;
}

static int sim_flic_attr(const struct kvm_device_attr *at)
{
	void *p = (void *)(uintptr_t)at->addr;

	switch (at->group) {
	case KVM_DEV_FLIC_ADAPTER_REGISTER: {	/* register_io_adapter() */
		struct kvm_s390_io_adapter a;

		memcpy(&a, p, sizeof(a));
		if (a.id >= SIM_ADAPTERS || a.isc > 7 || sim_adapter(a.id))
			return fail(EINVAL);
		for (unsigned i = 0; i < SIM_ADAPTERS; i++)
			if (!S.adapters[i].used) {
				S.adapters[i].used = true;
				S.adapters[i].a = a;
				return 0;
			}
		return fail(EINVAL);
	}
	case KVM_DEV_FLIC_AIRQ_INJECT: {	/* flic_inject_airq() */
		struct kvm_s390_io_adapter *a = sim_adapter((uint32_t)at->attr);

		if (!a)
			return fail(EINVAL);
		S.airq_injects++;
		sim_airq(a);
		return 0;
	}
	case KVM_DEV_FLIC_AISM: {		/* modify_ais_mode() */
		struct kvm_s390_ais_req req;
		uint8_t bit;

		if (!S.has_ais)
			return fail(EOPNOTSUPP);
		memcpy(&req, p, sizeof(req));
		if (req.isc > 7)
			return fail(EINVAL);
		bit = (uint8_t)(0x80u >> req.isc);
		if (req.mode == 0) {
			S.simm &= (uint8_t)~bit;
			S.nimm &= (uint8_t)~bit;
		} else if (req.mode == 1) {
			S.simm |= bit;
			S.nimm &= (uint8_t)~bit;
		} else {
			return fail(EINVAL);
		}
		return 0;
	}
	default:
		return fail(ENXIO);
	}
}

static int sim_vfio_attr(const struct kvm_device_attr *at)
{
	int32_t fd;

	if (at->group != KVM_DEV_VFIO_GROUP ||
	    (at->attr != KVM_DEV_VFIO_GROUP_ADD && at->attr != KVM_DEV_VFIO_GROUP_DEL))
		return fail(ENXIO);
	memcpy(&fd, (void *)(uintptr_t)at->addr, sizeof(fd));
	for (unsigned i = 0; i < S.nvfio_files; i++) {
		if (S.vfio_files[i] != fd)
			continue;
		if (at->attr == KVM_DEV_VFIO_GROUP_DEL) {
			S.vfio_added &= ~(1u << i);
			return 0;
		}
		if (S.vfio_added & (1u << i))
			return fail(EEXIST);	/* kvm_vfio_file_add: once */
		S.vfio_added |= 1u << i;
		return 0;
	}
	return fail(EBADF);		/* not a VFIO file (kvm_vfio_file_add) */
}

static int sim_routing(const struct kvm_irq_routing *t)
{
	if (!S.irqchip)		/* routes need the in-kernel irqchip */
		return fail(EINVAL);
	if (t->nr > MAX_ROUTES || t->flags)		/* kvm_vm_ioctl */
		return fail(EINVAL);
	for (unsigned i = 0; i < t->nr; i++) {
		const struct kvm_irq_routing_entry *e = &t->entries[i];

		if (e->gsi >= MAX_ROUTES || e->flags || e->type != KVM_IRQ_ROUTING_S390_ADAPTER)
			return fail(EINVAL);
		for (unsigned j = 0; j < i; j++)	/* one entry per non-irqchip GSI */
			if (t->entries[j].gsi == e->gsi)
				return fail(EINVAL);
		if (!in_mem(e->u.adapter.ind_addr, 1) || !in_mem(e->u.adapter.summary_addr, 1))
			return fail(EFAULT);		/* gmap_translate() */
	}
	free(S.routes);
	S.routes = calloc(t->nr ? t->nr : 1, sizeof(*S.routes));
	memcpy(S.routes, t->entries, t->nr * sizeof(*S.routes));
	S.nroutes = t->nr;
	S.set_routing++;
	return 0;
}

static int sim_irqfd(const struct kvm_irqfd *q)
{
	if (!S.irqchip)
		return fail(EINVAL);
	if (q->flags & ~(KVM_IRQFD_FLAG_DEASSIGN | KVM_IRQFD_FLAG_RESAMPLE))
		return fail(EINVAL);
	if (q->flags & KVM_IRQFD_FLAG_RESAMPLE)
		return fail(EINVAL);		/* s390 has no resampling irqchip */
	if (q->flags & KVM_IRQFD_FLAG_DEASSIGN) {
		S.irqfd_deassign++;
		for (unsigned i = 0; i < SIM_IRQFDS; i++)
			if (S.irqfds[i].used && S.irqfds[i].fd == (int)q->fd &&
			    S.irqfds[i].gsi == q->gsi)
				S.irqfds[i].used = false;
		return 0;
	}
	for (unsigned i = 0; i < SIM_IRQFDS; i++)
		if (S.irqfds[i].used && S.irqfds[i].fd == (int)q->fd)
			return fail(EBUSY);
	for (unsigned i = 0; i < SIM_IRQFDS; i++)
		if (!S.irqfds[i].used) {
			S.irqfds[i].used = true;
			S.irqfds[i].fd = (int)q->fd;
			S.irqfds[i].gsi = q->gsi;
			S.irqfd_assign++;
			return 0;
		}
	return fail(ENOSPC);
}

/* The kernel serializes its state; so does the simulation (a VMM calls
 * from a vCPU thread and an event thread). */
static pthread_mutex_t sim_lock = PTHREAD_MUTEX_INITIALIZER;

static int sim_ioctl_locked(int fd, unsigned long req, void *arg);

static int sim_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	int rc, e;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	pthread_mutex_lock(&sim_lock);
	rc = sim_ioctl_locked(fd, req, arg);
	e = errno;
	pthread_mutex_unlock(&sim_lock);
	errno = e;
	return rc;
}

static int sim_ioctl_locked(int fd, unsigned long req, void *arg)
{
	S.log[S.nlog % SIM_LOG].req = req;
	S.log[S.nlog % SIM_LOG].fd = fd;
	S.log[S.nlog % SIM_LOG].flags = req == KVM_IRQFD ? ((const struct kvm_irqfd *)arg)->flags : 0;
	S.nlog++;
	S.calls++;
	if (S.fail_req == req && S.fail_req_errno) {
		int e = S.fail_req_errno;

		S.fail_req_errno = 0;
		return fail(e);
	}
	if (fd == S.vcpu_fd) {
		switch (req) {
		case KVM_S390_MEM_OP:
			return sim_memop(arg);
		case KVM_S390_IRQ: {
			const struct kvm_s390_irq *irq = arg;

			if (irq->type != KVM_S390_PROGRAM_INT)
				return fail(EINVAL);
			S.pgm_injected++;
			S.last_pgm = irq->u.pgm.code;
			return 0;
		}
		default:
			return fail(ENOTTY);
		}
	}
	if (fd == S.vm_fd) {
		switch (req) {
		case KVM_CHECK_EXTENSION:
			if ((uintptr_t)arg == KVM_CAP_S390_IRQCHIP)
				return !S.no_irqchip;
			return (uintptr_t)arg == KVM_CAP_S390_ZPCI_OP ? S.has_zpci_op : 0;
		case KVM_ENABLE_CAP: {		/* kvm_vm_ioctl_enable_cap() */
			const struct kvm_enable_cap *c = arg;

			if (c->flags || c->cap != KVM_CAP_S390_IRQCHIP || S.no_irqchip)
				return fail(EINVAL);
			S.irqchip = true;
			return 0;
		}
		case KVM_CREATE_DEVICE: {
			struct kvm_create_device *cd = arg;
			int *slot;

			if (cd->flags & ~KVM_CREATE_DEVICE_TEST)
				return fail(EINVAL);
			if (cd->type == KVM_DEV_TYPE_FLIC)
				slot = &S.flic_fd;
			else if (cd->type == KVM_DEV_TYPE_VFIO)
				slot = &S.vfio_fd;
			else
				return fail(ENODEV);
			if (*slot >= 0)		/* one per VM */
				return fail(cd->type == KVM_DEV_TYPE_FLIC ? EINVAL : EBUSY);
			*slot = open("/dev/null", O_RDONLY | O_CLOEXEC);
			cd->fd = (uint32_t)*slot;
			return 0;
		}
		case KVM_SET_GSI_ROUTING:
			return sim_routing(arg);
		case KVM_S390_ZPCI_OP: {	/* kvm_s390_pci_zpci_op() */
			const struct kvm_s390_zpci_op *z = arg;
			unsigned i;

			if (!S.has_zpci_op)
				return fail(EINVAL);
			for (i = 0; i < S.nzpci_fhs && S.zpci_fhs[i] != z->fh; i++)
				;
			if (i == S.nzpci_fhs)
				return fail(ENODEV);
			if (z->op == KVM_S390_ZPCIOP_REG_AEN) {
				if (z->u.reg_aen.flags & ~KVM_S390_ZPCIOP_REGAEN_HOST)
					return fail(EINVAL);
				S.aen = *z;
				S.aen_regs++;
				return 0;
			}
			if (z->op == KVM_S390_ZPCIOP_DEREG_AEN) {
				S.aen_deregs++;
				return 0;
			}
			return fail(EINVAL);
		}
		case KVM_IRQFD:
			return sim_irqfd(arg);
		case KVM_S390_INTERRUPT: {
			const struct kvm_s390_interrupt *in = arg;

			if (in->type == KVM_S390_MCHK) {
				S.mchecks++;
				S.last_mcic = in->parm64;
				S.last_cr14 = in->parm;
				return 0;
			}
			if ((in->type & ~0x0fffffffu) != 0 || !(in->type & (1u << 26)))
				return fail(EINVAL);	/* only adapter I/O here */
			S.floating_io++;
			S.pending_io |= (uint8_t)(0x80u >> ((in->parm64 >> 27) & 7));
			return 0;
		}
		default:
			return fail(ENOTTY);
		}
	}
	if (req == KVM_SET_DEVICE_ATTR && fd == S.flic_fd)
		return sim_flic_attr(arg);
	if (req == KVM_SET_DEVICE_ATTR && fd == S.vfio_fd)
		return sim_vfio_attr(arg);
	return fail(ENOTTY);
}

/* ---- exits, as a guest causes them ------------------------------------------ */

/* Each exit goes through this: zv_kvm_handle_exit() by default; a user
 * (the fuzz target) checks its invariants around it. */
static void sim_plain_exit(struct zv_kvm *k, struct kvm_run *run)
{
	S.run = run;
	zv_kvm_handle_exit(k, S.vcpu_fd, run);
}

static void (*sim_exit_hook)(struct zv_kvm *k, struct kvm_run *run) = sim_plain_exit;

/* A supervisor-state, DAT-off instruction exit with the given registers;
 * the kvm_run it leaves is *out when out is not NULL. */
static void sim_insn(struct zv_kvm *k, uint16_t ipa, uint32_t ipb, const uint64_t *gpr,
		     struct kvm_run *out)
{
	struct kvm_run run;

	memset(&run, 0, sizeof(run));
	run.exit_reason = KVM_EXIT_S390_SIEIC;
	run.s390_sieic.icptcode = ICPT_INSTRUCTION;
	run.s390_sieic.ipa = ipa;
	run.s390_sieic.ipb = ipb;
	run.psw_mask = ZV_PSW_MASK_EA | ZV_PSW_MASK_BA;
	run.psw_addr = 0x10004;
	run.kvm_valid_regs = KVM_SYNC_GPRS | KVM_SYNC_ACRS | KVM_SYNC_CRS | KVM_SYNC_PREFIX;
	memcpy(run.s.regs.gprs, gpr, sizeof(run.s.regs.gprs));
	sim_exit_hook(k, &run);
	if (out)
		*out = run;
}

static void sim_pcistg(struct zv_kvm *k, uint32_t fh, unsigned pcias, uint64_t off, unsigned len,
		       uint64_t data)
{
	uint64_t g[16] = { 0 };

	g[1] = data;
	g[2] = (uint64_t)fh << 32 | (uint64_t)pcias << 16 | len;
	g[3] = off;
	sim_insn(k, 0xb9d0, 0x00120000, g, NULL);	/* PCISTG r1, r2 */
}

/* Linux's steps on a function, as exits. CLP SET PCI FN (a block at
 * 0x8000): enable or disable. */
static __attribute__((unused)) void sim_fn_set(struct zv_kvm *k, struct zv_function *f, bool enable)
{
	uint64_t g[16] = { 0 };

	memset(S.mem + 0x8000, 0, 4096);
	be16_put(S.mem + 0x8000, 32);
	be16_put(S.mem + 0x8002, 0x0005);
	be32_put(S.mem + 0x8010, zv_function_fh(f));
	S.mem[0x8016] = enable ? 0 : 1;
	S.mem[0x8017] = 1;
	be16_put(S.mem + 0x8020, 4096 - 32);
	g[2] = 0x8000;
	sim_insn(k, 0xb9a0, (uint32_t)0x02 << 24 | 2u << 16, g, NULL);
}

/* MPCIFC register (a FIB at 0x9000: the AIBV at 0xa000 or 0xa010 by
 * function, the AISB at 0xa800, its bit by function) or deregister. */
static __attribute__((unused)) void sim_fn_irqs(struct zv_kvm *k, struct zv_function *f, bool reg, uint8_t isc,
			uint8_t noi, bool sum)
{
	bool first = f == k->fns[0];
	struct zpci_fib fib = {
		.isc = isc, .noi = noi, .sum = sum, .aisbo = first ? 0 : 1,
		.aibv = first ? 0xa000 : 0xa010, .aisb = 0xa800,
	};
	uint64_t g[16] = { 0 };

	zpci_fib_encode(&fib, S.mem + 0x9000);
	g[1] = (uint64_t)zv_function_fh(f) << 32 | (reg ? ZPCI_MOD_FC_REG_INT : ZPCI_MOD_FC_DEREG_INT);
	g[5] = 0x9000;
	sim_insn(k, 0xe310, 0x500000d0, g, NULL);	/* MPCIFC r1, 0(r5) */
}

/* MSI-X message control: enable, function mask. */
static __attribute__((unused)) void sim_fn_msix(struct zv_kvm *k, struct zv_function *f, bool on, bool maskall)
{
	uint16_t ctrl = (uint16_t)((on ? 0x8000 : 0) | (maskall ? 0x4000 : 0));

	if (f->msix.nvec)
		sim_pcistg(k, zv_function_fh(f), 15, f->msix.cap + 2, 2,
			   (uint16_t)(ctrl >> 8 | ctrl << 8));
}

/* The first four table entries: zPCI messages for vectors 0-3, masked as
 * the bits of masks say. */
static __attribute__((unused)) void sim_fn_table(struct zv_kvm *k, struct zv_function *f, uint8_t masks)
{
	uint32_t fh = zv_function_fh(f);
	uint64_t msia = f->group->msia;

	for (unsigned v = 0; v < f->msix.nvec && v < 4; v++) {
		uint64_t e = f->msix.table_off + 16 * v;

		sim_pcistg(k, fh, f->msix.table_bar, e, 4, __builtin_bswap32((uint32_t)msia));
		sim_pcistg(k, fh, f->msix.table_bar, e + 4, 4, __builtin_bswap32((uint32_t)(msia >> 32)));
		sim_pcistg(k, fh, f->msix.table_bar, e + 8, 4, __builtin_bswap32(v));
		sim_pcistg(k, fh, f->msix.table_bar, e + 12, 4, __builtin_bswap32((masks >> v) & 1));
	}
}

/* Calls of req logged since index from (by the flags when flags_mask) */
static __attribute__((unused)) unsigned sim_logged(unsigned from, unsigned long req, uint32_t flags_mask, uint32_t flags)
{
	unsigned n = 0;

	for (unsigned i = from; i < S.nlog; i++)
		n += S.log[i % SIM_LOG].req == req && (S.log[i % SIM_LOG].flags & flags_mask) == flags;
	return n;
}

#endif
