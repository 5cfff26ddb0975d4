/* SPDX-License-Identifier: MIT */
/*
 * `zvfio run --kvm`: the guest runs under KVM on an IBM Z host instead of
 * on the software machine. A VM with one vCPU and the guest's memory in
 * one slot; the image and the guest ABI's hypercalls through the
 * library's guest environment (zvfio/guest_env.h); the functions through
 * the KVM binding (zvfio/kvm_s390.h), which takes the zPCI instruction
 * exits, routes MSI-X vectors as irqfds where it can, and says whether it
 * uses zPCI interpretation -- the summary shows that choice and why. A
 * second thread dispatches the machine's events while the vCPU runs, and
 * ends the run at its timeout (immediate_exit and a signal take the vCPU
 * out of KVM_RUN).
 *
 * Only on an s390x host with /dev/kvm. It is built (and its refusal
 * elsewhere tested) on every host; the run itself has not been seen here
 * (no IBM Z): docs/TESTING.md.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "cli.h"
#include "run_kvm.h"
#include "summary.h"
#include "zvfio/guest_env.h"
#include "zvfio/kvm_s390.h"

#define ICPT_WAIT        0x1c	/* a wait KVM did not take itself: a disabled one */
#define SLOT_ALIGN       (1ULL << 20)	/* s390 memory slots are 1 MiB aligned */

struct vm {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *map, *mem;
	size_t map_size;
	uint64_t mem_size;
	struct zv_kvm *zk;
	struct zv_guest_env *env;
	struct zv_function *fns[64];
	unsigned nfns;
	pthread_mutex_t lock;		/* one thread at a time in the binding */
	pthread_t vcpu_thread;
	atomic_bool done, timed_out;
	double deadline;		/* monotonic seconds; 0: none */
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void on_kick(int sig)
{
	(void)sig;	/* only to make KVM_RUN return EINTR */
}

/* A failed system call, on stderr; returns EXIT_MACHINE. */
static int vm_error(const char *what)
{
	cli_error("%s: %s: %s", cli_cmd, what, strerror(errno));
	return EXIT_MACHINE;
}

/* The VM: memory (one slot at absolute 0) and one vCPU after its initial
 * reset. 0, or the exit status: no /dev/kvm is an input that cannot be
 * used, a KVM that refuses is a machine that failed. */
static int vm_setup(struct vm *v, const struct run_kvm_opts *o)
{
	struct kvm_userspace_memory_region slot;
	int sz;

	v->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (v->kvm < 0) {
		vm_error("/dev/kvm (KVM must be loaded, and the user allowed)");
		return EXIT_USAGE;
	}
	v->vm = ioctl(v->kvm, KVM_CREATE_VM, 0);
	if (v->vm < 0)
		return vm_error("KVM_CREATE_VM");
	v->mem_size = o->mem_size;
	v->map_size = (size_t)(v->mem_size + SLOT_ALIGN);
	v->map = mmap(NULL, v->map_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (v->map == MAP_FAILED) {
		v->map = NULL;
		return vm_error("guest memory");
	}
	v->mem = (uint8_t *)(((uintptr_t)v->map + SLOT_ALIGN - 1) & ~(uintptr_t)(SLOT_ALIGN - 1));
	slot = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = 0, .memory_size = v->mem_size,
		.userspace_addr = (uint64_t)(uintptr_t)v->mem,
	};
	if (ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &slot))
		return vm_error("KVM_SET_USER_MEMORY_REGION");
	v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0);
	if (v->vcpu < 0)
		return vm_error("KVM_CREATE_VCPU");
	sz = ioctl(v->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz <= 0)
		return vm_error("KVM_GET_VCPU_MMAP_SIZE");
	v->run_size = (size_t)sz;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return vm_error("the vCPU's kvm_run");
	}
	if (ioctl(v->vcpu, KVM_S390_INITIAL_RESET, 0))
		return vm_error("KVM_S390_INITIAL_RESET");
	return 0;
}

static void vm_teardown(struct vm *v)
{
	zv_kvm_destroy(v->zk);
	zv_guest_env_destroy(v->env);
	if (v->run)
		munmap(v->run, v->run_size);
	if (v->map)
		munmap(v->map, v->map_size);
	if (v->vcpu >= 0)
		close(v->vcpu);
	if (v->vm >= 0)
		close(v->vm);
	if (v->kvm >= 0)
		close(v->kvm);
}

/* The event thread: the machine's events while the vCPU runs, and the
 * timeout. */
static void *events(void *arg)
{
	struct vm *v = arg;
	struct pollfd p = { .fd = zv_poll_fd(zv_kvm_machine(v->zk)), .events = POLLIN };

	while (!atomic_load(&v->done)) {
		if (v->deadline && now() >= v->deadline) {
			atomic_store(&v->timed_out, true);
			v->run->immediate_exit = 1;
			pthread_kill(v->vcpu_thread, SIGUSR1);
			break;
		}
		if (poll(&p, 1, 50) <= 0)
			continue;
		pthread_mutex_lock(&v->lock);
		if (zv_kvm_dispatch(v->zk) < 0)
			cli_error("%s: zv_kvm_dispatch: %s", cli_cmd, strerror(errno));
		pthread_mutex_unlock(&v->lock);
	}
	return NULL;
}

/* The vCPU until the guest exits, the timeout, or an exit nobody takes. */
static int vcpu_loop(struct vm *v)
{
	struct kvm_run *run = v->run;
	int status = EXIT_MACHINE, rc;

	for (;;) {
		if (ioctl(v->vcpu, KVM_RUN, 0)) {
			if (errno != EINTR)
				return vm_error("KVM_RUN");
			if (atomic_load(&v->timed_out)) {
				cli_error("%s: timeout: the guest ran longer than --timeout", cli_cmd);
				return EXIT_TIMEOUT;
			}
			continue;
		}
		pthread_mutex_lock(&v->lock);
		rc = zv_kvm_handle_exit(v->zk, v->vcpu, run);
		pthread_mutex_unlock(&v->lock);
		if (rc < 0)
			return vm_error("zv_kvm_handle_exit");
		if (rc == 1)
			continue;	/* a zPCI instruction, done */
		rc = zv_kvm_guest_hypercall(v->env, v->vcpu, run, &status);
		if (rc == 1)
			continue;	/* the guest ABI's hypercall, answered */
		if (rc == 2)
			return status;	/* the guest exited */
		if (rc < 0)
			return vm_error("KVM_S390_IRQ");
		if (run->exit_reason == KVM_EXIT_S390_SIEIC && run->s390_sieic.icptcode == ICPT_WAIT)
			cli_error("%s: machine stopped: disabled wait PSW %016llx %016llx", cli_cmd,
				  (unsigned long long)run->psw_mask, (unsigned long long)run->psw_addr);
		else
			cli_error("%s: machine stopped: KVM exit %u (icptcode %#x, ipa %#x, ipb %#x) "
				  "not handled", cli_cmd, run->exit_reason, run->s390_sieic.icptcode,
				  run->s390_sieic.ipa, run->s390_sieic.ipb);
		return EXIT_MACHINE;
	}
}

static void summary(struct vm *v, double seconds)
{
	struct zv_kvm_stats ks;
	const char *why, *key;
	uint64_t val;

	zv_kvm_stats_get(v->zk, &ks);
	zv_kvm_mode(v->zk, &why);
	fprintf(stderr, "\n== zvfio summary (%.2f s)\n", seconds);
	fprintf(stderr, "hypervisor: KVM on IBM Z: %s\n  interrupts: %s\n", why,
		zv_kvm_irq_path(v->zk));
	summary_functions(zv_kvm_machine(v->zk), v->fns, v->nfns);
	fprintf(stderr, "  KVM exits %" PRIu64 ", zPCI intercepts %" PRIu64 ", program interruptions "
		"%" PRIu64 "; %" PRIu64 " vectors routed through irqfds at the end, %" PRIu64
		" routing updates, %" PRIu64 " adapter interruptions injected by zvfio, %" PRIu64
		" AEN registrations and deregistrations\n", ks.exits, ks.intercepts,
		ks.program_interruptions, ks.routes, ks.routing_updates, ks.software_injections,
		ks.aen_ops);
	summary_engine(zv_kvm_machine(v->zk), v->nfns, NULL, NULL);
	for (unsigned i = 0; (key = zv_guest_report(v->env, i, &val)); i++)
		fprintf(stderr, "guest report: %s = %" PRIu64 "\n", key, val);
}

int run_kvm(const struct run_kvm_opts *o)
{
	struct vm v = { .kvm = -1, .vm = -1, .vcpu = -1, .lock = PTHREAD_MUTEX_INITIALIZER };
	/* SA_RESTART for the rest: KVM_RUN returns EINTR all the same */
	struct sigaction sa = { .sa_handler = on_kick, .sa_flags = SA_RESTART }, old;
	struct utsname u;
	pthread_t thr;
	uint64_t entry;
	double t0;
	int rc = EXIT_USAGE;
	char err[256];

	/* KVM's s390 interface exists on IBM Z only; the rest of the way
	 * (and this message) is the same everywhere */
	if (uname(&u) || strcmp(u.machine, "s390x")) {
		cli_error("%s: --kvm runs the guest under KVM on IBM Z; this host is %s (without "
			  "--kvm the software machine runs it here)", cli_cmd, u.machine);
		return EXIT_USAGE;
	}
	rc = vm_setup(&v, o);
	if (rc)
		goto out;
	rc = EXIT_USAGE;
	{
		struct zv_mem_region mem = { .gpa = 0, .size = v.mem_size, .host = v.mem };
		struct zv_guest_env_config ec = { .mem = &mem, .n_mem = 1, .args = o->args };
		struct zv_kvm_config kc = {
			.vm_fd = v.vm, .flic_fd = -1, .mem = &mem, .n_mem = 1,
			.facilities = o->facilities, .mui_ms = o->mui_ms,
		};

		v.env = zv_guest_env_create(&ec, err, sizeof(err));
		if (!v.env || zv_guest_load_elf(v.env, o->guest, &entry, err, sizeof(err))) {
			cli_error("%s: --guest: %s", cli_cmd, err);
			goto out;
		}
		v.zk = zv_kvm_create(&kc, err, sizeof(err));
		if (!v.zk) {
			cli_error("%s: KVM binding: %s", cli_cmd, err);
			rc = EXIT_MACHINE;
			goto out;
		}
	}
	for (unsigned i = 0; i < o->ndevs; i++) {
		v.fns[i] = zv_kvm_add(v.zk, o->devs[i], err, sizeof(err));
		if (!v.fns[i]) {
			cli_error("%s: --device '%s': %s", cli_cmd, o->devs[i], err);
			goto out;
		}
		v.nfns++;
	}
	if (!o->quiet) {
		const char *why;

		zv_kvm_mode(v.zk, &why);
		fprintf(stderr, "zvfio %s: %s under KVM, %u function(s), %llu MiB RAM; %s\n",
			zv_version(), o->guest, v.nfns, (unsigned long long)(v.mem_size >> 20), why);
	}
	/* as GUEST-ABI.md starts a guest: supervisor state, DAT and
	 * interruptions off, 64-bit; GPR 2 = RAM size, GPR 15 = a stack */
	v.run->psw_mask = 0x0000000180000000ULL;
	v.run->psw_addr = entry;
	memset(v.run->s.regs.gprs, 0, sizeof(v.run->s.regs.gprs));
	v.run->s.regs.gprs[2] = v.mem_size;
	v.run->s.regs.gprs[15] = v.mem_size - 160;
	v.run->s.regs.prefix = 0;
	v.run->kvm_dirty_regs |= KVM_SYNC_GPRS | KVM_SYNC_PREFIX;

	sigaction(SIGUSR1, &sa, &old);
	v.vcpu_thread = pthread_self();
	t0 = now();
	v.deadline = o->timeout_s ? t0 + o->timeout_s : 0;
	if (pthread_create(&thr, NULL, events, &v)) {
		cli_error("%s: cannot start the event thread", cli_cmd);
		rc = EXIT_MACHINE;
		goto out;
	}
	rc = vcpu_loop(&v);
	atomic_store(&v.done, true);
	pthread_join(thr, NULL);
	sigaction(SIGUSR1, &old, NULL);
	if (!o->quiet) {
		summary(&v, now() - t0);
		fprintf(stderr, "exit status: %d\n", rc);
	}
out:
	vm_teardown(&v);
	return rc;
}
