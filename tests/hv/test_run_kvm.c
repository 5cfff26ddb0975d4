/* SPDX-License-Identifier: MIT */
/*
 * `zvfio run --kvm` (tools/run_kvm.c) end to end against the simulation of
 * KVM (kvm_sim.h). The VMM's system calls to KVM go to the simulation,
 * whose KVM_RUN runs the guest on the software machine over the VMM's own
 * memory and hands out what KVM hands a VMM -- zPCI instructions, DIAG
 * X'500', a disabled wait -- and delivers adapter interruptions as the
 * kernel would (irqfd routes, FLIC injections) while the VMM's event
 * thread dispatches. The guest must end with the reports and the exit
 * status it has on the software machine, and the summary must say which
 * mode the binding chose and how interrupts went.
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>

#include "hv/kvm_sim.h"

#include "harness.h"
#include "zvfio/softcpu.h"

#define ICPT_INSN 0x04
#define RUN_SIZE 4096

/* ---- KVM_RUN and the VMM's other entries into KVM, simulated ---------------- */

static struct {
	int kvm_fd;
	struct kvm_run *run;
	struct zv_softcpu *sc;
	bool started, exit_open;
	unsigned pgm_before;
	unsigned runs, waits, hypercalls;
	bool abi_start;			/* the VMM started the guest as GUEST-ABI.md says */
	char why[512];			/* what the simulation refused, for the test's message */
} V;

static int refuse(int e, const char *what)
{
	snprintf(V.why, sizeof(V.why), "%s", what);
	errno = e;
	return -1;
}

/* Interruptions the kernel made pending (S.pending_io: routes, FLIC
 * injections) go to the CPU. */
static void present_pending(void)
{
	uint8_t io;

	pthread_mutex_lock(&sim_lock);
	sim_poll_irqfds();
	io = S.pending_io;
	S.pending_io = 0;
	pthread_mutex_unlock(&sim_lock);
	for (unsigned isc = 0; isc < 8; isc++)
		if (io & (0x80u >> isc))
			zv_softcpu_inject_adapter(V.sc, (uint8_t)isc);
}

/* The guest's first run: the state the VMM put into kvm_run. */
static int first_run(struct kvm_run *run)
{
	uint64_t size = S.mem_size;

	V.abi_start = run->psw_mask == 0x0000000180000000ULL && run->s.regs.gprs[2] == size &&
		      run->s.regs.gprs[15] == size - 160 && run->s.regs.prefix == 0 &&
		      (run->kvm_dirty_regs & (KVM_SYNC_GPRS | KVM_SYNC_PREFIX)) ==
		      (KVM_SYNC_GPRS | KVM_SYNC_PREFIX);
	if (zv_softcpu_set_entry(V.sc, run->psw_addr))
		return refuse(EINVAL, "the start PSW is not in guest memory");
	V.started = true;
	return 0;
}

/* Complete the exit the VMM handled: its registers (as far as it marked
 * them dirty) and condition code, or the program interruption it
 * injected. */
static void complete_exit(struct kvm_run *run)
{
	struct zv_cpu cpu;
	uint16_t ipa;
	uint32_t ipb;

	zv_softcpu_intercept_get(V.sc, &cpu, &ipa, &ipb);
	if (S.pgm_injected != V.pgm_before) {
		zv_softcpu_intercept_done(V.sc, &cpu, S.last_pgm);
		return;
	}
	if (run->kvm_dirty_regs & KVM_SYNC_GPRS)
		memcpy(cpu.gpr, run->s.regs.gprs, sizeof(cpu.gpr));
	cpu.psw_mask = run->psw_mask;
	zv_softcpu_intercept_done(V.sc, &cpu, 0);
}

static int sim_kvm_run(struct kvm_run *run)
{
	enum zv_run_end end;
	int status;

	V.runs++;
	if (__atomic_load_n(&run->immediate_exit, __ATOMIC_ACQUIRE))
		return refuse(EINTR, "");
	if (!V.started && first_run(run))
		return -1;
	if (V.exit_open) {
		complete_exit(run);
		V.exit_open = false;
	}
	run->kvm_dirty_regs = 0;
	for (;;) {
		present_pending();
		end = zv_softcpu_run(V.sc, &status);
		if (end == ZV_RUN_EVENTS)	/* the machine's own devices: it has none */
			continue;
		if (end == ZV_RUN_WAIT) {	/* the kernel waits for an interruption */
			bool io = false;

			V.waits++;
			while (!io && !__atomic_load_n(&run->immediate_exit, __ATOMIC_ACQUIRE)) {
				struct timespec t = { 0, 200000 };

				pthread_mutex_lock(&sim_lock);
				sim_poll_irqfds();
				io = S.pending_io != 0;
				pthread_mutex_unlock(&sim_lock);
				if (!io)
					nanosleep(&t, NULL);
			}
			if (!io)
				return refuse(EINTR, "");
			continue;
		}
		break;
	}
	run->exit_reason = KVM_EXIT_S390_SIEIC;
	memset(&run->s390_sieic, 0, sizeof(run->s390_sieic));
	if (end == ZV_RUN_INTERCEPT) {
		struct zv_cpu cpu;
		uint16_t ipa;
		uint32_t ipb;

		zv_softcpu_intercept_get(V.sc, &cpu, &ipa, &ipb);
		V.hypercalls += (ipa >> 8) == 0x83;
		run->s390_sieic.icptcode = ICPT_INSN;
		run->s390_sieic.ipa = ipa;
		run->s390_sieic.ipb = ipb;
		run->psw_mask = cpu.psw_mask;
		run->psw_addr = cpu.psw_addr + zv_insn_length((uint8_t)(ipa >> 8));
		run->kvm_valid_regs = KVM_SYNC_GPRS | KVM_SYNC_ACRS | KVM_SYNC_CRS | KVM_SYNC_PREFIX;
		memcpy(run->s.regs.gprs, cpu.gpr, sizeof(cpu.gpr));
		V.pgm_before = S.pgm_injected;
		V.exit_open = true;
		S.run = run;
		return 0;
	}
	if (end == ZV_RUN_DISABLED_WAIT) {
		run->s390_sieic.icptcode = 0x1c;
		return 0;
	}
	snprintf(V.why, sizeof(V.why), "the guest ended otherwise: %s", zv_softcpu_message(V.sc));
	errno = EFAULT;
	return -1;
}

static int vmm_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd == V.kvm_fd) {
		switch (req) {
		case KVM_CREATE_VM:
			return (uintptr_t)arg ? refuse(EINVAL, "machine type") : S.vm_fd;
		case KVM_GET_VCPU_MMAP_SIZE:
			return RUN_SIZE;
		}
		return refuse(ENOTTY, "a /dev/kvm ioctl");
	}
	if (fd == S.vm_fd && req == KVM_SET_USER_MEMORY_REGION) {
		const struct kvm_userspace_memory_region *r = arg;
		struct zv_softcpu_config cfg = {
			.mem_size = r->memory_size, .ram = (void *)(uintptr_t)r->userspace_addr,
			.timeout_s = 120,
			.exits = ZV_SOFTCPU_EXIT_ZPCI | ZV_SOFTCPU_EXIT_WAIT | ZV_SOFTCPU_EXIT_HYPERCALL,
		};
		char err[256];

		/* kvm_arch_prepare_memory_region(): s390 slots are 1 MiB
		 * aligned in both address spaces; one slot here */
		if (r->slot || r->flags || r->guest_phys_addr || (r->memory_size & 0xfffff) ||
		    (r->userspace_addr & 0xfffff) || V.sc)
			return refuse(EINVAL, "the memory slot");
		V.sc = zv_softcpu_create(&cfg, err, sizeof(err));
		if (!V.sc)
			return refuse(ENOMEM, err);
		S.mem = (uint8_t *)(uintptr_t)r->userspace_addr;
		S.mem_size = r->memory_size;
		return 0;
	}
	if (fd == S.vm_fd && req == KVM_CREATE_VCPU)
		return (uintptr_t)arg ? refuse(EINVAL, "vCPU id") : S.vcpu_fd;
	if (fd == S.vcpu_fd && req == KVM_S390_INITIAL_RESET)
		return 0;
	if (fd == S.vcpu_fd && req == KVM_RUN)
		return arg ? refuse(EINVAL, "KVM_RUN's argument") : sim_kvm_run(V.run);
	return sim_ioctl(fd, req, arg);
}

static int vmm_open(const char *path, int flags, ...)
{
	if (strcmp(path, "/dev/kvm"))
		return refuse(ENOENT, path);
	(void)flags;
	V.kvm_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	return V.kvm_fd;
}

static void *vmm_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (fd >= 0 && fd == S.vcpu_fd)
		return len == RUN_SIZE && !off ? (void *)V.run : MAP_FAILED;
	return mmap(addr, len, prot, flags, fd, off);
}

static int vmm_munmap(void *addr, size_t len)
{
	return addr == (void *)V.run ? 0 : munmap(addr, len);
}

static int vmm_uname(struct utsname *u)
{
	memset(u, 0, sizeof(*u));
	strcpy(u->machine, "s390x");
	return 0;
}

/* the tool's KVM runner, its KVM the simulation's */
#define ioctl vmm_ioctl
#define open vmm_open
#define mmap vmm_mmap
#define munmap vmm_munmap
#define uname vmm_uname
#include "../../tools/run_kvm.c"
#undef ioctl
#undef open
#undef mmap
#undef munmap
#undef uname
#include "../../tools/cli.c"
#include "../../tools/summary.c"

/* ---- runs ----------------------------------------------------------------- */

struct result {
	int rc;
	char log[16384];	/* what the VMM printed on stderr */
	char reports[1024];	/* "key=value " ..., from the summary */
	double seconds;
};

static void reports_from_log(struct result *r)
{
	size_t n = 0;

	r->reports[0] = 0;
	for (const char *p = r->log; (p = strstr(p, "guest report: ")); p++) {
		char key[64];
		unsigned long long v;

		if (sscanf(p, "guest report: %63s = %llu", key, &v) == 2 && n < sizeof(r->reports))
			n += (size_t)snprintf(r->reports + n, sizeof(r->reports) - n, "%s=%llu ", key, v);
	}
}

/* `zvfio run --kvm --guest IMG --args ARGS --device SPEC...` on the
 * simulated KVM; the kernel's features as the caller set S's. */
static struct result run_tool(const char *img, const char *args, const char *const *devs,
			      unsigned ndevs, unsigned timeout_s, bool no_irqchip, bool ais)
{
	static struct result r;
	struct run_kvm_opts o = {
		.guest = th_guest_image(img), .devs = devs, .ndevs = ndevs, .mem_size = 64ULL << 20,
		.args = args, .timeout_s = timeout_s,
	};
	FILE *log = tmpfile();
	int saved = dup(STDERR_FILENO), out = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY);
	struct timespec t0, t1;
	size_t n;

	memset(&r, 0, sizeof(r));
	memset(&V, 0, sizeof(V));
	V.kvm_fd = -1;
	V.run = aligned_alloc(4096, RUN_SIZE);
	memset(V.run, 0, RUN_SIZE);
	sim_init(NULL, 0);
	S.no_irqchip = no_irqchip;
	S.has_ais = ais;
	fflush(stderr);
	fflush(stdout);
	dup2(fileno(log), STDERR_FILENO);
	dup2(fileno(log), STDOUT_FILENO);	/* the guest's console, in the log too */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r.rc = run_kvm(&o);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fflush(stderr);
	fflush(stdout);
	dup2(saved, STDERR_FILENO);
	dup2(out, STDOUT_FILENO);
	close(saved);
	close(out);
	close(null);
	r.seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	rewind(log);
	n = fread(r.log, 1, sizeof(r.log) - 1, log);
	r.log[n] = 0;
	fclose(log);
	reports_from_log(&r);
	zv_softcpu_destroy(V.sc);
	V.sc = NULL;
	/* the VMM closed its VM and vCPU descriptors */
	S.vm_fd = S.vcpu_fd = -1;
	sim_fini();
	free(V.run);
	if (V.why[0] && r.rc)
		fprintf(stderr, "    (the simulation: %s)\n", V.why);
	return r;
}

/* The same guest on the software machine: its reports. */
static void software_reports(const char *img, const char *args, const char *spec, unsigned nfns,
			     char *out, size_t len)
{
	struct zv_softcpu_config cfg = { .mem_size = 64ULL << 20, .args = args, .timeout_s = 120 };
	struct zv_softcpu *sc;
	const char *key;
	uint64_t v;
	size_t n = 0;
	char err[256];
	int status = -1;

	cfg.console = fopen("/dev/null", "w");
	sc = zv_softcpu_create(&cfg, err, sizeof(err));
	EXPECT(sc != NULL);
	for (unsigned i = 0; i < nfns; i++)
		EXPECT(zv_function_add_spec(zv_softcpu_machine(sc), spec, err, sizeof(err)) != NULL);
	EXPECT_EQ(zv_softcpu_load_elf(sc, th_guest_image(img), err, sizeof(err)), 0);
	EXPECT_EQ(zv_softcpu_run(sc, &status), ZV_RUN_EXIT);
	EXPECT_EQ(status, 0);
	out[0] = 0;
	for (unsigned i = 0; (key = zv_softcpu_report(sc, i, &v)) && n < len; i++)
		n += (size_t)snprintf(out + n, len - n, "%s=%llu ", key, (unsigned long long)v);
	zv_softcpu_destroy(sc);
	fclose(cfg.console);
}

#define EXPECT_IN(hay, needle)                                                          \
	do {                                                                            \
		if (!strstr((hay), (needle)))                                           \
			th_fail(__FILE__, __LINE__, "no \"%s\" in:\n%s", (needle), (hay)); \
	} while (0)

static void same_as_software(const struct result *r, const char *img, const char *args,
			     unsigned nfns)
{
	char want[1024];

	software_reports(img, args, "emu:dma", nfns, want, sizeof(want));
	EXPECT_EQ(r->rc, 0);
	if (r->rc)
		fprintf(stderr, "%s\n", r->log);
	if (strcmp(want, r->reports))
		th_fail(__FILE__, __LINE__, "%s: software machine '%s', zvfio run --kvm '%s'", img, want,
			r->reports);
	EXPECT(V.abi_start);
}

/* DMA both ways and interrupt-signalled transfers with two functions: the
 * vectors go through irqfds and adapter routes, and the summary says so */
TEST(run_kvm_dma_guest_through_irqfd_routes)
{
	static const char *const devs[] = { "emu:dma", "emu:dma" };
	const char *args = "mib=2 irqs=200 buf=256";
	struct result r = run_tool("dma.elf", args, devs, 2, 30, false, true);

	same_as_software(&r, "dma.elf", args, 2);
	if (getenv("ZV_TEST_SHOW"))
		fputs(r.log, stderr);
	EXPECT_IN(r.log, "under KVM, 2 function(s), 64 MiB RAM");
	EXPECT_IN(r.log, "hypervisor: KVM on IBM Z: intercept mode: the kernel has no zPCI "
		  "interpretation");
	EXPECT_IN(r.log, "interrupts: irqfd adapter routes");
	EXPECT_IN(r.log, "0 adapter interruptions injected by zvfio");
	EXPECT_IN(r.log, "exit status: 0");
	EXPECT(S.route_deliveries > 200);
	EXPECT(V.hypercalls > 3);	/* the guest's console, arguments, reports, exit */
}

/* Without an in-kernel irqchip every interruption goes through the event
 * thread's dispatch (FLIC injections), and still nothing is lost */
TEST(run_kvm_dma_guest_through_the_event_thread)
{
	static const char *const devs[] = { "emu:dma" };
	const char *args = "mib=1 irqs=300 buf=256";
	struct result r = run_tool("dma.elf", args, devs, 1, 30, true, true);

	same_as_software(&r, "dma.elf", args, 1);
	EXPECT_IN(r.log, "interrupts: software path: the kernel has no in-kernel irqchip");
	EXPECT_IN(r.log, "0 vectors routed through irqfds");
	EXPECT(S.airq_injects > 0);
	EXPECT_EQ(S.route_deliveries, 0);
}

/* Function bring-up, masking and re-registration as Linux does them */
TEST(run_kvm_bringup_and_interrupt_guests)
{
	static const char *const devs[] = { "emu:dma", "emu:dma" };
	struct result r = run_tool("bringup.elf", "fns=2", devs, 2, 30, false, true);

	same_as_software(&r, "bringup.elf", "fns=2", 2);
	r = run_tool("irq.elf", "", devs, 2, 30, false, true);
	same_as_software(&r, "irq.elf", "", 2);
	/* every intercepted instruction by EX and EXRL, handed out as exits:
	 * the target's whole instruction reaches the binding */
	r = run_tool("execute.elf", "", devs, 1, 30, false, true);
	EXPECT_EQ(r.rc, 0);
	if (r.rc)
		fputs(r.log, stderr);
}

/* A guest that waits for ever ends at the timeout: the event thread takes
 * the vCPU out of KVM_RUN (immediate_exit) */
TEST(run_kvm_timeout_ends_a_waiting_guest)
{
	const char *scale = getenv("ZV_TEST_TIME_SCALE");	/* valgrind: > 1 */
	struct result r = run_tool("machine.elf", "mode=1", NULL, 0, 1, false, true);

	EXPECT_EQ(r.rc, EXIT_TIMEOUT);
	EXPECT(r.seconds >= 0.95 && r.seconds < 0.5 + (scale ? atof(scale) : 1.0));
	EXPECT_IN(r.log, "timeout");
	EXPECT(V.waits >= 1);
}

/* The guest's exit status, a disabled wait, inputs that cannot be used */
TEST(run_kvm_exit_status_and_errors)
{
	static const char *const bad[] = { "emu:dma,colour=red" };
	struct result r = run_tool("machine.elf", "mode=0 code=7", NULL, 0, 60, false, true);

	EXPECT_EQ(r.rc, 7);
	r = run_tool("machine.elf", "mode=8 hypercall-results", NULL, 0, 60, false, true);
	EXPECT_EQ(r.rc, 0);		/* each hypercall's answer reached the guest */
	r = run_tool("machine.elf", "mode=2", NULL, 0, 60, false, true);
	EXPECT_EQ(r.rc, EXIT_MACHINE);
	EXPECT_IN(r.log, "disabled wait");
	r = run_tool("machine.elf", "", bad, 1, 60, false, true);
	EXPECT_EQ(r.rc, EXIT_USAGE);
	EXPECT_IN(r.log, "colour");
	r = run_tool("no-such-image.elf", "", NULL, 0, 60, false, true);
	EXPECT_EQ(r.rc, EXIT_USAGE);
	EXPECT_IN(r.log, "--guest");
}
