/* SPDX-License-Identifier: MIT */
/*
 * The KVM-on-s390 binding (include/zvfio/kvm_s390.h). Facts of the KVM
 * interface it relies on, from Linux (arch/s390/kvm/, virt/kvm/,
 * Documentation/virt/kvm/api.rst) and how QEMU uses it
 * (target/s390x/kvm/kvm.c, hw/s390x/s390-pci-*.c):
 *
 * - The kernel hands every zPCI instruction to user space as
 *   KVM_EXIT_S390_SIEIC with icptcode 4 (instruction): its handlers for
 *   0xb9, 0xe3 and 0xeb (priv.c) return -EOPNOTSUPP for these opcodes.
 *   ipa/ipb are the instruction text; the PSW in kvm_run already points
 *   past the instruction (kvm_s390_retry_instr() rewinds to re-execute).
 * - Registers travel in kvm_run's synced area: the gprs are read there and
 *   written back with KVM_SYNC_GPRS in kvm_dirty_regs; the PSW (and so the
 *   condition code, mask bits 18-19) is loaded from kvm_run on every
 *   KVM_RUN. The PSW is not advanced: it already is.
 * - A program interruption is injected with KVM_S390_IRQ
 *   (KVM_S390_PROGRAM_INT); without KVM_S390_PGM_FLAGS_ILC_VALID the
 *   kernel takes the length of the intercepted instruction, and it
 *   rewinds the PSW only for nullifying codes (__deliver_prog), so the old
 *   PSW is right for the suppressing exceptions the engine returns.
 * - KVM_S390_MEM_OP with CHECK_ONLY checks an access as the CPU would
 *   (keys, low-address and DAT protection, translation exceptions);
 *   INJECT_EXCEPTION makes the kernel inject what it found with its
 *   translation-exception identification. No ioctl returns the
 *   translated address (kvm_arch_vcpu_ioctl_translate is not implemented
 *   on s390), so the binding walks the guest's tables itself
 *   (src/arch/dat.c) over the memory the VMM described.
 * - Adapter interruptions: one FLIC adapter per ISC (swap on: bit numbers
 *   count from the most significant bit of each doubleword, as the guest's
 *   AIBV and AISB do), KVM_IRQ_ROUTING_S390_ADAPTER routes with the
 *   indicator and summary addresses and offsets, an irqfd per vector on
 *   its VFIO trigger eventfd. KVM_SET_GSI_ROUTING replaces the whole
 *   table; irqfd resampling means nothing on s390 (no ack notifiers).
 *   Adapter interruptions the engine raises itself go through the same
 *   adapter (KVM_DEV_FLIC_AIRQ_INJECT), so the kernel's adapter-
 *   interruption suppression (KVM_DEV_FLIC_AISM, set from SIC) covers both
 *   paths.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "arch/be.h"
#include "arch/dat.h"
#include "zvfio/kvm_s390.h"

#define ICPT_INSTRUCTION 4
/* Linux 6.6 renamed KVM-VFIO's group attributes to FILE (same values) when
 * it began to take device cdevs too: the newer names where the headers
 * have them */
#ifdef KVM_DEV_VFIO_FILE
#define VFIO_ATTR_GROUP KVM_DEV_VFIO_FILE
#define VFIO_ATTR_ADD   KVM_DEV_VFIO_FILE_ADD
#else
#define VFIO_ATTR_GROUP KVM_DEV_VFIO_GROUP
#define VFIO_ATTR_ADD   KVM_DEV_VFIO_GROUP_ADD
#endif
#define CR14_CHANNEL_REPORT (1u << 28)	/* CR14 bit 35: channel-report subclass */
/* The machine-check interruption code of a channel report: channel report
 * pending (bit 9) and the validity bits of the saved registers, as the
 * software machine presents it (softcpu.c: mcck_save) */
static const unsigned mcic_bits[] = { 9, 20, 21, 22, 23, 25, 27, 28, 29, 31, 33, 42, 43, 46, 47 };
#define IO_INT_WORD_AI   0x80000000u	/* adapter interruption */
#define MAX_ROUTES       4096		/* KVM_MAX_IRQ_ROUTES */
#define NO_GSI           UINT32_MAX

/* One vector routed through an irqfd. */
struct route {
	struct zv_function *f;
	unsigned fi, vec;		/* k->fns[fi] */
	bool live;			/* its irqfd is attached already */
	int efd;
	uint32_t gsi;
	uint8_t isc;
	struct kvm_irq_routing_s390_adapter a;
};

struct zv_kvm {
	int vm_fd, flic_fd, vfio_fd;
	bool own_flic;
	uint32_t flags, adapter_base, gsi_base;
	void (*crw_pending)(void *opaque);
	void *opaque;
	struct zv_machine *m;
	struct zv_mem_region *mem;
	unsigned n_mem;
	uint8_t adapters;		/* ISCs whose FLIC adapter is registered */
	struct zv_function **fns;
	unsigned nfns;
	struct route *routes;		/* attached, in (k->fns index, vector) order */
	unsigned nroutes;
	uint8_t *gsi_used;		/* MAX_ROUTES slots from gsi_base */
	uint64_t seen_gen;		/* zv_irq_generation() the routes follow */
	bool routes_valid;
	const char *why, *irq_why;
	bool interp_cap;		/* KVM_CAP_S390_ZPCI_OP, not turned off */
	unsigned ninterp;		/* functions interpreted */
	/* the exit being handled */
	int vcpu_fd;
	struct kvm_run *run;
	bool pgm_done;			/* KVM_S390_MEM_OP injected the exception */
	int failed;			/* errno of an ioctl that failed, or 0 */
	struct zv_kvm_stats st;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- guest memory ---------------------------------------------------------- */

static uint8_t *host_of(struct zv_kvm *k, uint64_t abs, uint64_t len)
{
	for (unsigned i = 0; i < k->n_mem; i++) {
		const struct zv_mem_region *r = &k->mem[i];

		if (abs >= r->gpa && abs - r->gpa < r->size && len <= r->size - (abs - r->gpa))
			return (uint8_t *)r->host + (abs - r->gpa);
	}
	return NULL;
}

static bool read_abs(void *opaque, uint64_t abs, uint64_t *e)
{
	const uint8_t *p = host_of(opaque, abs, 8);

	if (!p)
		return false;
	*e = be64_get(p);
	return true;
}

/* ---- the engine's callbacks ------------------------------------------------ */

/*
 * Logical to absolute for an operand of the intercepted instruction. KVM
 * judges the access first and injects its exception itself, with the
 * translation-exception identification the guest's handler reads; the
 * address then comes from the same walk the CPU made.
 */
static int kvm_translate(void *hv, const struct zv_cpu *cpu, uint64_t logical, uint8_t ar,
			 bool write, uint64_t *absolute)
{
	struct zv_kvm *k = hv;
	struct kvm_run *run = k->run;
	struct kvm_s390_mem_op op = {
		.gaddr = logical,
		.flags = KVM_S390_MEMOP_F_CHECK_ONLY | KVM_S390_MEMOP_F_INJECT_EXCEPTION,
		.size = 1,
		.op = write ? KVM_S390_MEMOP_LOGICAL_WRITE : KVM_S390_MEMOP_LOGICAL_READ,
		.ar = ar,
	};
	uint64_t real = logical;
	int rc;

	if (!run)	/* only an intercept has operands */
		return ZV_PGM_ADDRESSING;
	rc = ioctl(k->vcpu_fd, KVM_S390_MEM_OP, &op);
	if (rc > 0) {
		k->pgm_done = true;
		return rc;
	}
	if (rc < 0) {
		k->failed = errno;
		return ZV_PGM_ADDRESSING;
	}
	if (cpu->psw_mask & ZV_PSW_MASK_DAT) {
		unsigned space, cr;
		bool prot;

		rc = dat_space(cpu->psw_mask, ar, ar < 16 ? run->s.regs.acrs[ar] : 0, false, &space,
			       &cr);
		if (!rc)
			rc = dat_walk(run->s.regs.crs[cr], logical, &real, &prot, read_abs, k);
		if (rc)
			return rc;	/* KVM found none: the tables changed under us */
	}
	*absolute = dat_real_to_abs(run->s.regs.prefix & 0x7fffe000ULL, real);
	return host_of(k, *absolute, 1) ? 0 : ZV_PGM_ADDRESSING;
}

static int set_attr(int fd, uint32_t group, uint64_t attr, const void *addr)
{
	struct kvm_device_attr a = {
		.group = group, .attr = attr, .addr = (uint64_t)(uintptr_t)addr,
	};

	return ioctl(fd, KVM_SET_DEVICE_ATTR, &a);
}

/* The FLIC adapter for isc: what routes name and software injections use. */
static int adapter(struct zv_kvm *k, uint8_t isc)
{
	struct kvm_s390_io_adapter a = {
		.id = k->adapter_base + isc,
		.isc = isc,
		.maskable = 0,
		.swap = 1,
		.flags = KVM_S390_ADAPTER_SUPPRESSIBLE,
	};

	if (k->adapters & (1u << isc))
		return 0;
	if (set_attr(k->flic_fd, KVM_DEV_FLIC_ADAPTER_REGISTER, 0, &a))
		return -1;
	k->adapters |= (uint8_t)(1u << isc);
	return 0;
}

static void kvm_inject_adapter(void *hv, uint8_t isc)
{
	struct zv_kvm *k = hv;

	k->st.software_injections++;
	if (adapter(k, isc) == 0 &&
	    set_attr(k->flic_fd, KVM_DEV_FLIC_AIRQ_INJECT, k->adapter_base + isc, NULL) == 0)
		return;
	/* no adapter: a floating I/O interruption with the AI bit */
	struct kvm_s390_interrupt in = {
		.type = KVM_S390_INT_IO(1, 0, 0, 0),
		.parm64 = IO_INT_WORD_AI | (uint32_t)isc << 27,
	};

	if (ioctl(k->vm_fd, KVM_S390_INTERRUPT, &in))
		k->failed = errno;
}

/* A channel report is pending: the VMM's channel subsystem hears of it,
 * or (none) the binding floats a channel-report machine check itself. */
static void kvm_crw_pending(void *hv)
{
	struct zv_kvm *k = hv;
	struct kvm_s390_interrupt mc = { .type = KVM_S390_MCHK, .parm = CR14_CHANNEL_REPORT };

	if (k->crw_pending) {
		k->crw_pending(k->opaque);
		return;
	}
	for (unsigned i = 0; i < sizeof(mcic_bits) / sizeof(mcic_bits[0]); i++)
		mc.parm64 |= 1ULL << (63 - mcic_bits[i]);
	if (ioctl(k->vm_fd, KVM_S390_INTERRUPT, &mc))
		k->failed = errno;
}

/* An interpreted function's adapter interruptions: the kernel has the
 * firmware deliver them to the guest's AIBV and AISB (adapter event
 * notification, with the forwarding assist), with the host's handle.
 * KVM_S390_ZPCI_OP (arch/s390/kvm/pci.c): ENODEV when the device was not
 * registered with the VM at open, EPERM when another VM has it. */
static int kvm_aen(void *hv, struct zv_function *f, const struct zv_aen *aen)
{
	struct zv_kvm *k = hv;
	struct kvm_s390_zpci_op op = {
		.fh = aen ? aen->host_fh : zv_function_fh(f),
		.op = aen ? KVM_S390_ZPCIOP_REG_AEN : KVM_S390_ZPCIOP_DEREG_AEN,
	};

	if (aen) {
		op.u.reg_aen.ibv = aen->aibv;
		op.u.reg_aen.sb = aen->sum ? aen->aisb : 0;
		op.u.reg_aen.noi = aen->noi;
		op.u.reg_aen.isc = aen->isc;
		op.u.reg_aen.sbo = aen->aisbo;
	}
	if (ioctl(k->vm_fd, KVM_S390_ZPCI_OP, &op))
		return -1;
	k->st.aen_ops++;
	return 0;
}

/* ---- irqfd routes ---------------------------------------------------------- */

/* Does route a come before vector vec of k->fns[fi]? */
static bool route_before(const struct route *a, unsigned fi, unsigned vec)
{
	return a->fi < fi || (a->fi == fi && a->vec < vec);
}

static uint32_t gsi_alloc(struct zv_kvm *k)
{
	for (uint32_t i = 0; i < MAX_ROUTES - k->gsi_base; i++)
		if (!k->gsi_used[i]) {
			k->gsi_used[i] = 1;
			return k->gsi_base + i;
		}
	return NO_GSI;
}

static int irqfd(struct zv_kvm *k, int efd, uint32_t gsi, bool assign)
{
	struct kvm_irqfd req = {
		.fd = (uint32_t)efd, .gsi = gsi, .flags = assign ? 0 : KVM_IRQFD_FLAG_DEASSIGN,
	};

	return ioctl(k->vm_fd, KVM_IRQFD, &req);
}

static void route_drop(struct zv_kvm *k, struct route *r)
{
	/* the irqfd first, then the engine takes the vector back: a signal in
	 * between waits in the machine's epoll for the next dispatch */
	if (irqfd(k, r->efd, r->gsi, false))
		k->failed = errno;
	zv_function_irq_bypass(r->f, r->vec, false);
	k->gsi_used[r->gsi - k->gsi_base] = 0;
}

static int set_routing(struct zv_kvm *k, const struct route *want, unsigned n)
{
	struct kvm_irq_routing *t = calloc(1, sizeof(*t) + n * sizeof(t->entries[0]));
	int rc;

	if (!t)
		return -1;
	t->nr = n;
	for (unsigned i = 0; i < n; i++) {
		t->entries[i].gsi = want[i].gsi;
		t->entries[i].type = KVM_IRQ_ROUTING_S390_ADAPTER;
		t->entries[i].u.adapter = want[i].a;
	}
	rc = ioctl(k->vm_fd, KVM_SET_GSI_ROUTING, t);
	free(t);
	if (rc == 0)
		k->st.routing_updates++;
	return rc;
}

/*
 * Bring the irqfd routes in line with what the guest set up: a vector of
 * an enabled function with a registration and an unmasked zPCI message is
 * routed; anything else goes (back) to the engine, which holds masked
 * vectors in the PBA and ignores interrupts of functions in the error
 * state. Runs only when zv_irq_generation() moved; one KVM_SET_GSI_ROUTING
 * for every change.
 */
static int routes_sync(struct zv_kvm *k)
{
	struct route *want = NULL;
	unsigned nwant = 0, cap = 0, o = 0;
	bool changed = false;
	int rc = 0;

	if ((k->flags & ZV_KVM_NO_IRQFD) ||
	    (k->routes_valid && zv_irq_generation(k->m) == k->seen_gen))
		return 0;
	/* what should be routed, built in the order of k->routes, so one walk
	 * over the old list finds each vector's route and the ones gone */
	for (unsigned i = 0; i < k->nfns; i++) {
		struct zv_function *f = k->fns[i];
		/* interpreted functions' interrupts need no route: the
		 * firmware delivers them */
		unsigned n = zv_function_state(f) == ZV_FS_ENABLED && !zv_function_interpreted(f) ?
				     zv_function_irq_vectors(f) : 0;

		for (unsigned v = 0; v < n; v++) {
			struct zv_irq_route r;
			const struct route *old = NULL;

			/* no summary bit: the kernel's route would set one at
			 * address 0; the engine delivers such a vector */
			if (zv_function_irq_route(f, v, &r) || r.masked || !r.summary)
				continue;
			if (nwant == cap) {
				struct route *p;

				cap = cap ? 2 * cap : 16;
				p = realloc(want, cap * sizeof(*p));
				if (!p) {
					free(want);
					return -1;
				}
				want = p;
			}
			/* gone: detached before the table loses their entries */
			for (; o < k->nroutes && route_before(&k->routes[o], i, v); o++) {
				route_drop(k, &k->routes[o]);
				changed = true;
			}
			if (o < k->nroutes && k->routes[o].fi == i && k->routes[o].vec == v)
				old = &k->routes[o++];
			want[nwant] = (struct route){
				.f = f, .fi = i, .vec = v, .efd = r.eventfd, .isc = r.isc,
				.gsi = old ? old->gsi : NO_GSI, .live = old != NULL,
				.a = {
					.ind_addr = r.ind_addr,
					.summary_addr = r.summary_addr,
					.ind_offset = r.ind_offset,
					.summary_offset = r.summary_offset,
					.adapter_id = k->adapter_base + r.isc,
				},
			};
			if (!old || memcmp(&old->a, &want[nwant].a, sizeof(old->a)))
				changed = true;
			nwant++;
		}
	}
	for (; o < k->nroutes; o++) {
		route_drop(k, &k->routes[o]);
		changed = true;
	}
	for (unsigned j = 0; j < nwant; j++) {
		if (want[j].gsi == NO_GSI)
			want[j].gsi = gsi_alloc(k);
		if (want[j].gsi == NO_GSI || adapter(k, want[j].isc)) {
			/* no GSI left, or no adapter: this vector stays with
			 * the engine (zv_dispatch() delivers it) */
			if (want[j].live)
				route_drop(k, &want[j]);	/* frees its GSI too */
			else if (want[j].gsi != NO_GSI)
				k->gsi_used[want[j].gsi - k->gsi_base] = 0;
			changed = true;
			memmove(&want[j], &want[j + 1], (nwant - j - 1) * sizeof(*want));
			nwant--;
			j--;
		}
	}
	if (changed && set_routing(k, want, nwant)) {
		rc = -1;
		k->failed = errno;
		/* the table is unknown now: route nothing, the engine
		 * delivers everything */
		for (unsigned j = 0; j < nwant; j++) {
			if (want[j].live)
				route_drop(k, &want[j]);
			else
				k->gsi_used[want[j].gsi - k->gsi_base] = 0;
		}
		nwant = 0;
	}
	for (unsigned j = 0; j < nwant; j++) {
		if (want[j].live)
			continue;	/* attached already */
		if (irqfd(k, want[j].efd, want[j].gsi, true)) {
			k->failed = errno;
			k->gsi_used[want[j].gsi - k->gsi_base] = 0;
			memmove(&want[j], &want[j + 1], (nwant - j - 1) * sizeof(*want));
			nwant--;
			j--;
			rc = -1;
			continue;
		}
		want[j].live = true;
		zv_function_irq_bypass(want[j].f, want[j].vec, true);
	}
	free(k->routes);
	k->routes = want;
	k->nroutes = nwant;
	k->seen_gen = zv_irq_generation(k->m);
	k->routes_valid = rc == 0;
	return rc;
}

/* ---- life cycle ------------------------------------------------------------ */

static const struct zv_hv_ops kvm_hv_ops = {
	.translate = kvm_translate,
	.inject_adapter = kvm_inject_adapter,
	.crw_pending = kvm_crw_pending,
	.aen = kvm_aen,
};

static int create_device(int vm_fd, uint32_t type)
{
	struct kvm_create_device cd = { .type = type };

	if (ioctl(vm_fd, KVM_CREATE_DEVICE, &cd))
		return -1;
	return (int)cd.fd;
}

ZV_API struct zv_kvm *zv_kvm_create(const struct zv_kvm_config *cfg, char *err, size_t errlen)
{
	struct zv_machine_config mc;
	struct zv_kvm *k;
	int e;

	if (!cfg || cfg->vm_fd < 0 || (cfg->n_mem && !cfg->mem) ||
	    cfg->gsi_base >= MAX_ROUTES) {
		set_err(err, errlen, "kvm: a VM descriptor, its memory and a GSI base below %u",
			MAX_ROUTES);
		errno = EINVAL;
		return NULL;
	}
	k = calloc(1, sizeof(*k));
	if (!k)
		goto nomem;
	k->vm_fd = cfg->vm_fd;
	k->flic_fd = cfg->flic_fd;
	k->vfio_fd = -1;
	k->flags = cfg->flags;
	k->adapter_base = cfg->adapter_id_base ? cfg->adapter_id_base : 8;
	k->gsi_base = cfg->gsi_base;
	k->crw_pending = cfg->crw_pending;
	k->opaque = cfg->opaque;
	k->gsi_used = calloc(MAX_ROUTES, 1);
	k->mem = calloc(cfg->n_mem ? cfg->n_mem : 1, sizeof(*k->mem));
	if (!k->gsi_used || !k->mem)
		goto nomem;
	memcpy(k->mem, cfg->mem, cfg->n_mem * sizeof(*k->mem));
	k->n_mem = cfg->n_mem;
	mc = (struct zv_machine_config){
		.mem = cfg->mem, .n_mem = cfg->n_mem, .hv = &kvm_hv_ops, .hv_opaque = k,
		.facilities = cfg->facilities, .mui_ms = cfg->mui_ms,
	};
	k->m = zv_machine_create(&mc);
	if (!k->m) {
		e = errno;
		set_err(err, errlen, "kvm: the machine: %s", strerror(e));
		goto fail;
	}
	if (k->flic_fd < 0) {
		k->flic_fd = create_device(k->vm_fd, KVM_DEV_TYPE_FLIC);
		if (k->flic_fd < 0) {
			e = errno;
			set_err(err, errlen, "kvm: cannot create a FLIC: %s", strerror(e));
			goto fail;
		}
		k->own_flic = true;
	}
	/* irqfds and routes need the in-kernel interrupt controller (QEMU
	 * enables it at VM creation: kvm_arch_init) */
	if (k->flags & ZV_KVM_NO_IRQFD) {
		k->irq_why = "software path: irqfd routes turned off (ZV_KVM_NO_IRQFD)";
	} else {
		struct kvm_enable_cap cap = { .cap = KVM_CAP_S390_IRQCHIP };

		if (ioctl(k->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_S390_IRQCHIP) <= 0 ||
		    ioctl(k->vm_fd, KVM_ENABLE_CAP, &cap)) {
			k->flags |= ZV_KVM_NO_IRQFD;
			k->irq_why = "software path: the kernel has no in-kernel irqchip "
				     "(KVM_CAP_S390_IRQCHIP)";
		} else {
			k->irq_why = "irqfd adapter routes (KVM_IRQ_ROUTING_S390_ADAPTER) where a "
				     "vector can have one, zv_kvm_dispatch() for the rest";
		}
	}
	k->vfio_fd = create_device(k->vm_fd, KVM_DEV_TYPE_VFIO);
	if (k->vfio_fd < 0) {
		e = errno;
		set_err(err, errlen, "kvm: cannot create a KVM-VFIO device: %s", strerror(e));
		goto fail;
	}
	/* zPCI interpretation: the functions that can have it get it as
	 * they are added (zv_kvm_add) */
	if (k->flags & ZV_KVM_NO_INTERP)
		k->why = "intercept mode: interpretation turned off (ZV_KVM_NO_INTERP)";
	else if (ioctl(k->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_S390_ZPCI_OP) <= 0)
		k->why = "intercept mode: the kernel has no zPCI interpretation (KVM_CAP_S390_ZPCI_OP)";
	else
		k->interp_cap = true;
	return k;
nomem:
	e = ENOMEM;
	set_err(err, errlen, "kvm: out of memory");
fail:
	zv_kvm_destroy(k);
	errno = e;
	return NULL;
}

ZV_API void zv_kvm_destroy(struct zv_kvm *k)
{
	if (!k)
		return;
	for (unsigned i = 0; i < k->nroutes; i++)
		route_drop(k, &k->routes[i]);
	free(k->routes);
	zv_machine_destroy(k->m);
	if (k->vfio_fd >= 0)
		close(k->vfio_fd);
	if (k->own_flic && k->flic_fd >= 0)
		close(k->flic_fd);
	free(k->fns);
	free(k->gsi_used);
	free(k->mem);
	free(k);
}

ZV_API struct zv_machine *zv_kvm_machine(struct zv_kvm *k)
{
	return k ? k->m : NULL;
}

/* The open hook: a VFIO device's group or cdev goes to the KVM-VFIO device
 * before the device is taken from it, so that the kernel's open of the
 * device knows the VM (on s390 it then registers the function for zPCI
 * interpretation: kvm_s390_pci_register_kvm). EEXIST: the group is in
 * already, for another function of it (kvm_vfio_file_add takes a file
 * once). */
static int kvm_vfio_add(void *opaque, int fd)
{
	struct zv_kvm *k = opaque;
	int32_t arg = fd;

	if (set_attr(k->vfio_fd, VFIO_ATTR_GROUP, VFIO_ATTR_ADD, &arg) && errno != EEXIST)
		return -1;
	return 0;
}

ZV_API struct zv_function *zv_kvm_add(struct zv_kvm *k, const char *spec, char *err,
				      size_t errlen)
{
	struct zv_open_hook hook = { .vfio_file = kvm_vfio_add };
	struct zv_function *f, **p;

	if (!k) {
		set_err(err, errlen, "kvm: no binding");
		errno = EINVAL;
		return NULL;
	}
	p = realloc(k->fns, (k->nfns + 1) * sizeof(*p));
	if (!p) {
		set_err(err, errlen, "kvm: out of memory");
		errno = ENOMEM;
		return NULL;
	}
	k->fns = p;
	hook.opaque = k;
	f = zv_function_add_spec_hooked(k->m, spec, &hook, err, errlen);
	if (!f)
		return NULL;
	/* interpretation where the kernel offers it and the function has a
	 * host handle (a VFIO function on s390); the others are intercepted */
	if (k->interp_cap && zv_function_set_interpreted(f, true) == 0)
		k->ninterp++;
	k->fns[k->nfns++] = f;
	return f;
}

/* ---- exits ----------------------------------------------------------------- */

/* SIC's interruption mode goes to the kernel too, whose adapter-interruption
 * suppression covers the irqfd routes (KVM_DEV_FLIC_AISM; the modes are
 * SIC's: 0 all, 1 single). A VM without AIS enabled answers EOPNOTSUPP:
 * then only the engine suppresses. */
static void forward_sic(struct zv_kvm *k, const struct zv_cpu *cpu, uint16_t ipa)
{
	struct kvm_s390_ais_req req = {
		.isc = (uint8_t)((cpu->gpr[ipa & 0xf] >> 27) & 7),
		.mode = (uint16_t)(cpu->gpr[(ipa >> 4) & 0xf] & 0xffff),
	};

	if (set_attr(k->flic_fd, KVM_DEV_FLIC_AISM, 0, &req) && errno != EOPNOTSUPP)
		k->failed = errno;
}

/* ---- the channel subsystem's part, for a VMM without one ------------------ */

/* The absolute address of a logical operand, or the program code. */
static int operand(struct zv_kvm *k, const struct zv_cpu *cpu, uint64_t a, unsigned ar,
		   bool write, uint64_t len, uint8_t **p)
{
	uint64_t abs;
	int rc;

	if (!(cpu->psw_mask & ZV_PSW_MASK_EA))
		a &= cpu->psw_mask & ZV_PSW_MASK_BA ? 0x7fffffff : 0xffffff;
	rc = kvm_translate(k, cpu, a, (uint8_t)ar, write, &abs);
	if (rc)
		return rc;
	*p = host_of(k, abs, len);
	return *p ? 0 : ZV_PGM_ADDRESSING;
}

static void set_cc(struct zv_cpu *cpu, unsigned cc)
{
	cpu->psw_mask = (cpu->psw_mask & ~ZV_PSW_MASK_CC) | (uint64_t)cc << ZV_PSW_CC_SHIFT;
}

/*
 * STCRW (S format): the pending channel report word at the operand, cc 0;
 * zeros and cc 1 when none (Principles of Operation, "STORE CHANNEL REPORT
 * WORD"). CHSC (RRE, the block's address in R1): zv_chsc(). Returns 0 or
 * a program code.
 */
static int css_insn(struct zv_kvm *k, struct zv_cpu *cpu, uint16_t ipa, uint32_t ipb)
{
	uint8_t *p;
	int rc;

	if (cpu->psw_mask & ZV_PSW_MASK_PSTATE)
		return ZV_PGM_PRIVILEGED;
	if (ipa == 0xb239) {
		unsigned b2 = (ipb >> 28) & 0xf;
		uint64_t a = ((ipb >> 16) & 0xfff) + (b2 ? cpu->gpr[b2] : 0);
		uint32_t crw = 0;
		bool have;

		if (a & 3)
			return ZV_PGM_SPECIFICATION;
		rc = operand(k, cpu, a, b2, true, 4, &p);
		if (rc)
			return rc;
		have = zv_crw_take(k->m, &crw);
		be32_put(p, have ? crw : 0);
		set_cc(cpu, have ? 0 : 1);
		return 0;
	}
	/* CHSC: the block's address in R1 (a page) */
	unsigned r1 = (ipb >> 20) & 0xf;

	if (cpu->gpr[r1] & 0xfff)
		return ZV_PGM_SPECIFICATION;
	rc = operand(k, cpu, cpu->gpr[r1], r1, true, 4096, &p);
	if (rc)
		return rc;
	rc = zv_chsc(k->m, p);
	if (rc)
		return rc;
	set_cc(cpu, 0);
	return 0;
}

ZV_API int zv_kvm_handle_exit(struct zv_kvm *k, int vcpu_fd, struct kvm_run *run)
{
	const uint64_t need = KVM_SYNC_GPRS | KVM_SYNC_ACRS | KVM_SYNC_CRS | KVM_SYNC_PREFIX;
	struct zv_cpu cpu;
	uint16_t ipa;
	uint32_t ipb;
	int rc;

	if (!k || !run) {
		errno = EINVAL;
		return -1;
	}
	k->st.exits++;
	if (run->exit_reason != KVM_EXIT_S390_SIEIC || run->s390_sieic.icptcode != ICPT_INSTRUCTION)
		return 0;
	if ((run->kvm_valid_regs & need) != need) {
		errno = ENOTSUP;	/* a kernel without synced registers */
		return -1;
	}
	ipa = run->s390_sieic.ipa;
	ipb = run->s390_sieic.ipb;
	memcpy(cpu.gpr, run->s.regs.gprs, sizeof(cpu.gpr));
	cpu.psw_mask = run->psw_mask;
	cpu.psw_addr = run->psw_addr - zv_insn_length((uint8_t)(ipa >> 8));
	cpu.opaque = k;
	k->vcpu_fd = vcpu_fd;
	k->run = run;
	k->pgm_done = false;
	k->failed = 0;
	if (!k->crw_pending && (ipa == 0xb239 || (ipa == 0xb25f)))
		rc = css_insn(k, &cpu, ipa, ipb);
	else
		rc = zv_intercept(k->m, &cpu, ipa, ipb);
	if (rc < 0)
		return errno == ENOSYS ? 0 : -1;
	k->st.intercepts++;
	if (rc == 0) {
		memcpy(run->s.regs.gprs, cpu.gpr, sizeof(cpu.gpr));
		run->kvm_dirty_regs |= KVM_SYNC_GPRS;
		run->psw_mask = cpu.psw_mask;
		if ((ipa >> 8) == 0xeb && (ipb & 0xff) == 0xd1)
			forward_sic(k, &cpu, ipa);
	} else if (!k->failed) {
		struct kvm_s390_irq irq = { .type = KVM_S390_PROGRAM_INT };

		k->st.program_interruptions++;
		irq.u.pgm.code = (uint16_t)rc;
		if (!k->pgm_done && ioctl(vcpu_fd, KVM_S390_IRQ, &irq))
			k->failed = errno;
	}
	if (routes_sync(k) && !k->failed)
		k->failed = errno;
	if (k->failed) {
		errno = k->failed;
		return -1;
	}
	return 1;
}

ZV_API int zv_kvm_dispatch(struct zv_kvm *k)
{
	int n;

	if (!k) {
		errno = EINVAL;
		return -1;
	}
	k->failed = 0;
	n = zv_dispatch(k->m);
	if (n < 0)
		return -1;
	if (routes_sync(k) || k->failed) {
		errno = k->failed ? k->failed : errno;
		return -1;
	}
	return n;
}

ZV_API enum zv_kvm_mode zv_kvm_mode(const struct zv_kvm *k, const char **why)
{
	const char *w = k->why;

	if (k->interp_cap)
		w = !k->ninterp ? "intercept mode: the kernel offers zPCI interpretation, but no "
				  "function has a host function handle (a VFIO function on s390)"
		    : k->ninterp < k->nfns ? "zPCI interpretation (KVM_S390_ZPCI_OP) for the VFIO "
					     "functions, intercept mode for the others"
		    : "zPCI interpretation (KVM_S390_ZPCI_OP) for every function";
	if (why)
		*why = w;
	return k->ninterp ? ZV_KVM_INTERPRET : ZV_KVM_INTERCEPT;
}

ZV_API const char *zv_kvm_irq_path(const struct zv_kvm *k)
{
	return k->irq_why;
}

ZV_API void zv_kvm_stats_get(const struct zv_kvm *k, struct zv_kvm_stats *st)
{
	*st = k->st;
	st->routes = k->nroutes;
}
