/* SPDX-License-Identifier: MIT */
/*
 * zvfio under KVM on IBM Z: the binding a KVM-based VMM calls.
 *
 * The VMM owns the VM, its vCPUs, their kvm_run areas and the memory
 * slots; it tells the binding where guest storage lives, hands it every
 * KVM_EXIT_S390_SIEIC exit, and calls zv_kvm_dispatch() when
 * zv_poll_fd(zv_kvm_machine(k)) is readable. The binding decodes the
 * zPCI instruction intercepts for the engine (zv_intercept()), writes the
 * result back into kvm_run (registers, the condition code in the PSW) or
 * injects the program interruption, translates the guest's operand
 * addresses (its DAT tables, and KVM_S390_MEM_OP for the access checks the
 * kernel makes), routes MSI-X vectors as KVM irqfds with adapter routes so
 * interrupts reach the guest without the VMM in the path, and registers
 * each VFIO device with a KVM-VFIO device as it opens. Where the kernel
 * offers zPCI interpretation (KVM_CAP_S390_ZPCI_OP), VFIO functions with a
 * host function handle are interpreted: the guest uses the host's handle,
 * the CPU accesses the device itself and adapter event notification
 * (KVM_S390_ZPCI_OP) delivers their interrupts.
 *
 * Built on s390x only where KVM exists; the library carries it everywhere,
 * and on other hosts it is tested against a simulation of the kernel's
 * interface (docs/ARCHITECTURE.md says what is verified only so).
 *
 * Threads: as the rest of the API (zvfio.h): one thread at a time per
 * binding and its machine; the VMM serializes vCPU threads around
 * zv_kvm_handle_exit() and zv_kvm_dispatch().
 */
#ifndef ZVFIO_KVM_S390_H
#define ZVFIO_KVM_S390_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zvfio/zvfio.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kvm_run;
struct zv_kvm;

/* Deliver every interrupt through zv_kvm_dispatch() (no irqfd routes):
 * for a VMM that keeps the VM's GSI routing table to itself. */
#define ZV_KVM_NO_IRQFD  0x1u
/* Never use zPCI interpretation, even where KVM offers it. */
#define ZV_KVM_NO_INTERP 0x2u

struct zv_kvm_config {
	int vm_fd;			/* KVM_CREATE_VM's descriptor; stays the VMM's */
	/* The FLIC the VMM created (KVM_CREATE_DEVICE, KVM_DEV_TYPE_FLIC; a
	 * VM has one), or -1: the binding creates it */
	int flic_fd;
	/* guest absolute storage as the VMM's memory slots map it */
	const struct zv_mem_region *mem;
	unsigned n_mem;
	uint32_t facilities;		/* ZV_FAC_*; 0: ZV_FAC_DEFAULT */
	uint32_t flags;			/* ZV_KVM_* */
	/* adapter ids the binding registers, one per ISC: base + ISC (0:
	 * 8, QEMU's ids for PCI adapters, so virtio-ccw's 0-7 stay free) */
	uint32_t adapter_id_base;
	/* the first GSI of the binding's routes (routes are numbered from it) */
	uint32_t gsi_base;
	uint16_t mui_ms;		/* as zv_machine_config */
	/*
	 * zPCI events (errors, availability) reach the guest as a channel
	 * report: the guest takes a channel-report machine check, then
	 * STCRW and CHSC Store Event Information. A VMM with a channel
	 * subsystem of its own sets crw_pending: it is called (with opaque)
	 * when the machine has a report, and the VMM merges zv_crw_take()
	 * and zv_chsc_sei_nt2() into its STCRW and CHSC answers. NULL: the
	 * binding is the channel subsystem for these -- it injects the
	 * machine check and zv_kvm_handle_exit() answers STCRW and CHSC
	 * Store Event Information (for a VMM without one, as the example's).
	 */
	void (*crw_pending)(void *opaque);
	void *opaque;
};

/*
 * Bind zvfio to the VM cfg names: a machine over its memory, the FLIC
 * (cfg->flic_fd, or one made here), a KVM-VFIO device, and the in-kernel
 * irqchip enabled (KVM_CAP_S390_IRQCHIP; without it, every interrupt goes
 * through zv_kvm_dispatch(): zv_kvm_irq_path() says so). The binding owns
 * the VM's GSI routing table while it routes vectors (KVM_SET_GSI_ROUTING
 * replaces the whole table); pass ZV_KVM_NO_IRQFD to leave it alone. cfg
 * and its region array are copied; the regions' host memory must stay
 * mapped, and vm_fd (and a flic_fd of the caller's) open, until
 * zv_kvm_destroy(); crw_pending and opaque are kept. NULL with errno and a
 * message in err: EINVAL (cfg NULL, vm_fd < 0, gsi_base 4096 or above, a
 * bad memory layout), ENOMEM, the errno of a KVM ioctl that failed, or an
 * error of zv_machine_create().
 */
ZV_API struct zv_kvm *zv_kvm_create(const struct zv_kvm_config *cfg, char *err, size_t errlen);
/* Undo everything: irqfds, routes, the machine (its functions and devices),
 * the FLIC and KVM-VFIO devices the binding made. NULL is a no-op. */
ZV_API void zv_kvm_destroy(struct zv_kvm *k);
/* The engine's machine: for zv_poll_fd(), statistics and the function
 * calls of zvfio.h. Owned by the binding. */
ZV_API struct zv_machine *zv_kvm_machine(struct zv_kvm *k);

/*
 * Add a function from a device specification (zv_function_add_spec()); a
 * VFIO device's group or cdev goes to the KVM-VFIO device
 * (KVM_DEV_VFIO_GROUP_ADD, FILE_ADD since Linux 6.6) while the device
 * opens, before it is taken from it, so the kernel's open knows the VM. A
 * function with a host function handle is interpreted when the kernel
 * offers it (and ZV_KVM_NO_INTERP is not set). NULL with errno and a
 * message: those of zv_function_add_spec(), or of the KVM-VFIO
 * registration (the device is not opened then).
 */
ZV_API struct zv_function *zv_kvm_add(struct zv_kvm *k, const char *spec, char *err,
				      size_t errlen);

/*
 * Handle one exit of the vCPU vcpu_fd whose kvm_run is run. Returns 1 when
 * it was a zPCI instruction intercept -- or, without cfg->crw_pending,
 * STCRW or CHSC Store Event Information -- the binding completed (the vCPU can
 * run again: registers and PSW are in run, a program interruption is
 * injected), 0 when the exit is not the binding's (another reason, or
 * another instruction: the VMM handles it), -1 with errno: EINVAL (k or
 * run NULL), ENOTSUP (the kernel does not sync the GPRs, access and
 * control registers and prefix), ENOMEM, or a KVM ioctl's; when bringing
 * the interrupt routes up to date fails, the instruction has still been
 * completed.
 */
ZV_API int zv_kvm_handle_exit(struct zv_kvm *k, int vcpu_fd, struct kvm_run *run);

/*
 * Process the machine's events (zv_dispatch()) and bring the irqfd routes
 * up to date. Returns what zv_dispatch() returned, or -1 with errno.
 */
ZV_API int zv_kvm_dispatch(struct zv_kvm *k);

enum zv_kvm_mode {
	ZV_KVM_INTERCEPT,	/* every zPCI instruction intercepted */
	ZV_KVM_INTERPRET,	/* zPCI interpretation (KVM_S390_ZPCI_OP) for at least
				 * one function (zv_function_interpreted()) */
};
/* The mode the binding runs in and, in *why when why is not NULL, a static
 * sentence saying why: which capability is missing, or which functions
 * are interpreted. */
ZV_API enum zv_kvm_mode zv_kvm_mode(const struct zv_kvm *k, const char **why);

/* How interrupts reach the guest, as a static sentence: through irqfd
 * adapter routes (the VM's in-kernel irqchip, KVM_CAP_S390_IRQCHIP, which
 * the binding enables), or all through zv_kvm_dispatch() and why. */
ZV_API const char *zv_kvm_irq_path(const struct zv_kvm *k);

struct zv_guest_env;

/*
 * For a VMM that runs the project's guest images under KVM (no binding
 * needed): if run's exit is the guest ABI's DIAG X'500' hypercall, answer
 * it from e (zvfio/guest_env.h) -- GPR 2 written back with
 * KVM_SYNC_GPRS, or the program interruption it names injected with
 * KVM_S390_IRQ on vcpu_fd. Returns 1 when it was one and the vCPU can run
 * again, 2 when the guest exited (its status in *status when status is
 * not NULL), 0 when the exit is no such hypercall (run untouched), -1 with
 * errno: EINVAL (e or run NULL), ENOTSUP (the kernel does not sync the
 * GPRs), or KVM_S390_IRQ's. Threads: one per
 * environment at a time.
 */
ZV_API int zv_kvm_guest_hypercall(struct zv_guest_env *e, int vcpu_fd, struct kvm_run *run,
				  int *status);

struct zv_kvm_stats {
	uint64_t exits;			/* zv_kvm_handle_exit() calls */
	uint64_t intercepts;		/* ... that were zPCI instructions */
	uint64_t program_interruptions;	/* injected by the binding or by KVM_S390_MEM_OP */
	uint64_t routes;		/* vectors routed through an irqfd now */
	uint64_t routing_updates;	/* KVM_SET_GSI_ROUTING calls */
	uint64_t software_injections;	/* adapter interruptions injected by the binding */
	uint64_t aen_ops;		/* KVM_S390_ZPCI_OP registrations and deregistrations */
};
/* The binding's counters since zv_kvm_create(), copied into *st (the
 * engine's own are zv_stats_get() of zv_kvm_machine()). Both must not be
 * NULL. */
ZV_API void zv_kvm_stats_get(const struct zv_kvm *k, struct zv_kvm_stats *st);

#ifdef __cplusplus
}
#endif

#endif
