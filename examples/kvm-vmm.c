/* SPDX-License-Identifier: MIT */
/*
 * kvm-vmm: a minimal KVM VMM for IBM Z that passes PCI functions through
 * with zvfio -- the way to embed the library under KVM (docs/API.md).
 *
 *   kvm-vmm [--mem MIB] [--device SPEC]... [--args STRING] GUEST.elf
 *
 * It creates a VM with one vCPU and MIB of memory (default 256), loads a
 * freestanding s390x ELF image (the project's guest images: GUEST-ABI.md),
 * binds zvfio to the VM (zv_kvm_create) with every --device (vfio:BDF for
 * a host function bound to vfio-pci, or emu:dma), and runs the vCPU. zPCI
 * instruction exits go to the binding (which also answers STCRW and CHSC
 * Store Event Information: this VMM has no channel subsystem of its own,
 * so zPCI events reach the guest through the binding); the guest ABI's DIAG X'500'
 * hypercalls (console, exit, arguments, reports, time) are answered by
 * the library (zv_kvm_guest_hypercall() from a zv_guest_env, which also
 * loads the image);
 * a second thread waits on the machine's events and dispatches them, so
 * interrupts that cannot take an irqfd route reach the guest while the
 * vCPU runs. Exit status: the guest's, or 1 when the VMM failed.
 *
 * Needs an IBM Z host with KVM (/dev/kvm); built for s390x by
 * `make cross-s390x`:
 *   s390x-linux-gnu-gcc -o kvm-vmm kvm-vmm.c $(pkg-config --cflags --libs libzvfio)
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

#include <zvfio/guest_env.h>
#include <zvfio/kvm_s390.h>
#include <zvfio/zvfio.h>

#define MAX_DEVICES 16

struct vmm {
	int kvm, vm, vcpu;
	struct kvm_run *run;
	uint8_t *mem;
	uint64_t mem_size;
	struct zv_kvm *zk;
	pthread_mutex_t lock;	/* one thread at a time in the binding */
	volatile int done;
	struct zv_guest_env *env;	/* the guest ABI: its image and hypercalls */
};

static int die(const char *what)
{
	fprintf(stderr, "kvm-vmm: %s: %s\n", what, strerror(errno));
	return -1;
}

/* The event thread: device interrupts that have no irqfd route, errors
 * and unplug requests reach the guest while the vCPU runs. */
static void *events(void *arg)
{
	struct vmm *v = arg;
	struct pollfd p = { .fd = zv_poll_fd(zv_kvm_machine(v->zk)), .events = POLLIN };

	while (!v->done) {
		if (poll(&p, 1, 100) <= 0)
			continue;
		pthread_mutex_lock(&v->lock);
		if (zv_kvm_dispatch(v->zk) < 0)
			perror("kvm-vmm: zv_kvm_dispatch");
		pthread_mutex_unlock(&v->lock);
	}
	return NULL;
}

static int setup_vm(struct vmm *v)
{
	struct kvm_userspace_memory_region slot;
	int sz;

	v->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (v->kvm < 0)
		return die("/dev/kvm");
	v->vm = ioctl(v->kvm, KVM_CREATE_VM, 0);
	if (v->vm < 0)
		return die("KVM_CREATE_VM");
	/* s390 memory slots are 1 MiB aligned: mmap gives page alignment, so
	 * take a MiB more and align */
	v->mem = mmap(NULL, v->mem_size + (1 << 20), PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (v->mem == MAP_FAILED)
		return die("guest memory");
	v->mem = (uint8_t *)(((uintptr_t)v->mem + (1 << 20) - 1) & ~(uintptr_t)((1 << 20) - 1));
	slot = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = 0, .memory_size = v->mem_size,
		.userspace_addr = (uint64_t)(uintptr_t)v->mem,
	};
	if (ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &slot))
		return die("KVM_SET_USER_MEMORY_REGION");
	v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0);
	if (v->vcpu < 0)
		return die("KVM_CREATE_VCPU");
	sz = ioctl(v->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz <= 0)
		return die("KVM_GET_VCPU_MMAP_SIZE");
	v->run = mmap(NULL, (size_t)sz, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu, 0);
	if (v->run == MAP_FAILED)
		return die("kvm_run");
	if (ioctl(v->vcpu, KVM_S390_INITIAL_RESET, 0))
		return die("KVM_S390_INITIAL_RESET");
	return 0;
}

/* Start as GUEST-ABI.md says: supervisor state, DAT off, interruptions
 * off, 64-bit; GPR 2 = RAM size, GPR 15 = a stack at the top of RAM. */
static void start_cpu(struct vmm *v, uint64_t entry)
{
	v->run->psw_mask = 0x0000000180000000ULL;
	v->run->psw_addr = entry;
	memset(v->run->s.regs.gprs, 0, sizeof(v->run->s.regs.gprs));
	v->run->s.regs.gprs[2] = v->mem_size;
	v->run->s.regs.gprs[15] = v->mem_size - 160;
	v->run->s.regs.prefix = 0;
	v->run->kvm_dirty_regs |= KVM_SYNC_GPRS | KVM_SYNC_PREFIX;
}

static int usage(void)
{
	fprintf(stderr, "usage: kvm-vmm [--mem MIB] [--device SPEC]... [--args STRING] GUEST.elf\n");
	return 1;
}

int main(int argc, char **argv)
{
	struct vmm v = { .kvm = -1, .vm = -1, .vcpu = -1, .mem_size = 256ULL << 20,
			 .lock = PTHREAD_MUTEX_INITIALIZER };
	const char *devs[MAX_DEVICES], *image = NULL, *why, *args = "";
	unsigned ndevs = 0;
	int status = 1, rc;
	uint64_t entry;
	pthread_t thr;
	char err[256];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mem") && i + 1 < argc)
			v.mem_size = strtoull(argv[++i], NULL, 10) << 20;
		else if (!strcmp(argv[i], "--device") && i + 1 < argc && ndevs < MAX_DEVICES)
			devs[ndevs++] = argv[++i];
		else if (!strcmp(argv[i], "--args") && i + 1 < argc)
			args = argv[++i];
		else if (argv[i][0] != '-' && !image)
			image = argv[i];
		else
			return usage();
	}
	if (!image || v.mem_size < (16ULL << 20))
		return usage();
	if (setup_vm(&v))
		return 1;

	struct zv_mem_region mem = { .gpa = 0, .size = v.mem_size, .host = v.mem };
	struct zv_guest_env_config ec = { .mem = &mem, .n_mem = 1, .args = args };

	v.env = zv_guest_env_create(&ec, err, sizeof(err));
	if (!v.env || zv_guest_load_elf(v.env, image, &entry, err, sizeof(err))) {
		fprintf(stderr, "kvm-vmm: %s\n", err);
		return 1;
	}
	struct zv_kvm_config cfg = { .vm_fd = v.vm, .flic_fd = -1, .mem = &mem, .n_mem = 1 };

	v.zk = zv_kvm_create(&cfg, err, sizeof(err));
	if (!v.zk) {
		fprintf(stderr, "kvm-vmm: %s\n", err);
		return 1;
	}
	for (unsigned i = 0; i < ndevs; i++)
		if (!zv_kvm_add(v.zk, devs[i], err, sizeof(err))) {
			fprintf(stderr, "kvm-vmm: %s\n", err);
			return 1;
		}
	zv_kvm_mode(v.zk, &why);
	fprintf(stderr, "kvm-vmm: %s, %u function(s), %llu MiB; %s; interrupts: %s\n", image,
		ndevs, (unsigned long long)(v.mem_size >> 20), why, zv_kvm_irq_path(v.zk));
	start_cpu(&v, entry);
	if (pthread_create(&thr, NULL, events, &v))
		return die("event thread");

	for (;;) {
		if (ioctl(v.vcpu, KVM_RUN, 0)) {
			if (errno == EINTR)
				continue;
			die("KVM_RUN");
			break;
		}
		pthread_mutex_lock(&v.lock);
		rc = zv_kvm_handle_exit(v.zk, v.vcpu, v.run);
		pthread_mutex_unlock(&v.lock);
		if (rc < 0) {
			perror("kvm-vmm: zv_kvm_handle_exit");
			break;
		}
		if (rc == 1)
			continue;	/* a zPCI instruction, done */
		/* the guest ABI's hypercalls: console, exit, arguments, ... */
		rc = zv_kvm_guest_hypercall(v.env, v.vcpu, v.run, &status);
		if (rc == 1)
			continue;
		if (rc == 2)
			break;		/* the guest exited with status */
		if (rc < 0) {
			die("KVM_S390_IRQ");
			status = 1;
			break;
		}
		fprintf(stderr, "kvm-vmm: exit reason %u (icptcode %u, ipa %#x) not handled\n",
			v.run->exit_reason, v.run->s390_sieic.icptcode, v.run->s390_sieic.ipa);
		status = 1;
		break;
	}
	v.done = 1;
	pthread_join(thr, NULL);
	{
		struct zv_kvm_stats st;

		zv_kvm_stats_get(v.zk, &st);
		fprintf(stderr, "kvm-vmm: %s\n  %llu exits, %llu zPCI intercepts, %llu program "
			"interruptions; %llu vectors routed through irqfds at the end, %llu routing "
			"updates, %llu adapter interruptions injected by zvfio\n", why,
			(unsigned long long)st.exits, (unsigned long long)st.intercepts,
			(unsigned long long)st.program_interruptions, (unsigned long long)st.routes,
			(unsigned long long)st.routing_updates,
			(unsigned long long)st.software_injections);
	}
	{
		const char *key;
		uint64_t val;

		for (unsigned i = 0; (key = zv_guest_report(v.env, i, &val)); i++)
			fprintf(stderr, "guest report: %s = %llu\n", key, (unsigned long long)val);
	}
	zv_kvm_destroy(v.zk);
	zv_guest_env_destroy(v.env);
	return status;
}
