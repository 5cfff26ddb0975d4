/* SPDX-License-Identifier: MIT */
/*
 * Fuzzing the KVM binding with what a guest controls under KVM: the exits
 * its instructions cause (the zPCI opcodes, STCRW, CHSC, others; any ipb,
 * any registers, PSW bits -- DAT, problem state, addressing mode --, CR1,
 * prefix), the contents of its storage (CLP blocks, FIBs, DAT tables,
 * CHSC blocks), and its devices' interrupts, against the simulated kernel
 * interface (tests/hv/kvm_sim.h). Two emu:dma functions.
 *
 * With the capability, a third function has a host handle and is
 * interpreted (adapter event notification through KVM_S390_ZPCI_OP).
 *
 * Invariants: zv_kvm_handle_exit() answers 1 (done) or 0 (not the
 * binding's) -- never -1: every ioctl the binding makes passes the
 * kernel's checks; at most one program interruption per exit, with a
 * code in the architected range, and the registers untouched then; the
 * kernel's irqfds are exactly the binding's routes, and a routed vector
 * belongs to an enabled function that is not interpreted, is unmasked and
 * has a summary bit;
 * nothing leaks (LeakSanitizer, valgrind).
 */
#include "hv/kvm_sim.h"

#include "fakes.h"
#include "fuzz_common.h"
#include "zvfio/guest_env.h"

#define FZ_RAM (1u << 20)

static uint8_t fz_ram[FZ_RAM] __attribute__((aligned(4096)));

static const uint16_t ipas[] = {
	0xb9a0, 0xb9d0, 0xb9d2, 0xb9d3, 0xe300, 0xeb00, 0xb239, 0xb25f, 0xb220, 0x8300, 0xb2b0,
};

/* An address that is often inside storage, sometimes at its end or far */
static uint64_t addr(struct in *in)
{
	uint8_t k = u8(in);

	if (k < 160)
		return (uint64_t)u16(in) << 4;		/* below 1 MiB */
	if (k < 200)
		return FZ_RAM - (u8(in) & 0xf);
	return u64(in);
}

static uint64_t reg(struct in *in, struct zv_kvm *k)
{
	uint8_t c = u8(in);

	switch (c % 6) {
	case 0: return addr(in);
	case 1: return (uint64_t)zv_function_fh(k->fns[u8(in) % k->nfns]) << 32 | u32(in);
	case 2: return zv_function_fh(k->fns[u8(in) % k->nfns]);
	case 3: return u8(in);
	case 4: return 0;
	default: return u64(in);
	}
}

static void check_routes(struct zv_kvm *k)
{
	unsigned irqfds = 0;

	for (unsigned i = 0; i < SIM_IRQFDS; i++)
		irqfds += S.irqfds[i].used;
	if (irqfds != k->nroutes)
		fz_fail("%u irqfds in the kernel, %u routes in the binding", irqfds, k->nroutes);
	for (unsigned i = 0; i < k->nroutes; i++) {
		const struct route *r = &k->routes[i];
		struct zv_irq_route ir;

		if (zv_function_interpreted(r->f))
			fz_fail("vector %u of an interpreted function is routed", r->vec);
		else if (zv_function_state(r->f) != ZV_FS_ENABLED)
			fz_fail("vector %u of a function in state %s is routed", r->vec,
				zv_fn_state_name(zv_function_state(r->f)));
		else if (zv_function_irq_route(r->f, r->vec, &ir) || ir.masked || !ir.summary ||
			 ir.eventfd != r->efd)
			fz_fail("vector %u is routed but should not be", r->vec);
	}
}

/* The guest ABI's environment over the fuzzer's storage (its console
 * thrown away), for exits that are DIAG X'500' */
static struct zv_guest_env *fz_env(void)
{
	static struct zv_guest_env *e;

	if (!e) {
		struct zv_mem_region mem = { .gpa = 0, .size = FZ_RAM, .host = fz_ram };
		struct zv_guest_env_config c = { .mem = &mem, .n_mem = 1, .args = "fuzz=1",
						  .console = fopen("/dev/null", "w") };

		e = zv_guest_env_create(&c, NULL, 0);
		if (!e)
			fz_fail("zv_guest_env_create: %s", strerror(errno));
	}
	return e;
}

/* One exit through the binding, checked (the invariants above). */
static void exit_once(struct zv_kvm *k, struct kvm_run *run)
{
	uint16_t ipa = run->s390_sieic.ipa;
	uint32_t ipb = run->s390_sieic.ipb;
	unsigned before = S.pgm_injected;
	__u64 gprs[16];
	int rc;

	memcpy(gprs, run->s.regs.gprs, sizeof(gprs));
	S.run = run;
	S.npages = 0;	/* the kernel's view of DAT: nothing mapped */
	errno = 0;
	rc = zv_kvm_handle_exit(k, S.vcpu_fd, run);
	if (rc != 0 && rc != 1)
		fz_fail("exit %#x/%#x: %d (%s)", ipa, ipb, rc, strerror(errno));
	if (rc == 0) {		/* not the binding's: maybe the guest ABI's hypercall */
		int status = -1;

		rc = zv_kvm_guest_hypercall(fz_env(), S.vcpu_fd, run, &status);
		if (rc < 0 || rc > 2)
			fz_fail("hypercall exit %#x/%#x: %d (%s)", ipa, ipb, rc, strerror(errno));
		if (rc == 2 && (status < 0 || status > 255))
			fz_fail("hypercall exit status %d", status);
		if (rc == 0 && memcmp(gprs, run->s.regs.gprs, sizeof(gprs)))
			fz_fail("exit %#x: registers changed by no one's exit", ipa);
	}
	if (S.pgm_injected > before + 1)
		fz_fail("exit %#x: %u program interruptions", ipa, S.pgm_injected - before);
	if (S.pgm_injected != before) {
		if (!S.last_pgm || S.last_pgm > 0x40)
			fz_fail("exit %#x: program interruption code %#x", ipa, S.last_pgm);
		if (memcmp(gprs, run->s.regs.gprs, sizeof(gprs)))
			fz_fail("exit %#x: registers changed with a program interruption", ipa);
	}
}

/*
 * What Linux's zPCI code does to a function, as exits, with parameters
 * from the input: enable (CLP SET PCI FN), register or deregister adapter
 * interruptions (MPCIFC), MSI-X on or off and the function mask, the
 * table's messages and masks -- the state where routes exist -- and
 * disable.
 */
static void bringup(struct zv_kvm *k, struct in *in)
{
	struct zv_function *f = k->fns[u8(in) % k->nfns];
	uint8_t what = u8(in), isc = u8(in) & 7, noi = (uint8_t)(1 + (u8(in) & 3));
	bool sum = (u8(in) & 7) != 0;

	if (what & 1)
		sim_fn_set(k, f, true);
	if (what & 2)
		sim_fn_irqs(k, f, !(what & 0x80), isc, noi, sum);
	if (what & 4)
		sim_fn_msix(k, f, !(what & 0x40), what & 0x20);
	if (what & 8)
		sim_fn_table(k, f, u8(in));
	if (what & 16)
		sim_fn_set(k, f, false);
}

static void run_input(const uint8_t *d, size_t size)
{
	struct zv_mem_region mem = { .gpa = 0, .size = FZ_RAM, .host = fz_ram };
	struct zv_kvm_config cfg = { .flic_fd = -1, .mem = &mem, .n_mem = 1 };
	struct in in = { d, size };
	struct zv_kvm *k;
	char err[160];

	memset(fz_ram, 0, sizeof(fz_ram));
	sim_init(fz_ram, FZ_RAM);
	sim_exit_hook = exit_once;
	{
		uint8_t caps = u8(&in);

		S.has_ais = caps & 1;
		S.has_zpci_op = caps & 2;	/* a third function, interpreted */
		if (caps & 4)
			S.zpci_fhs[S.nzpci_fhs++] = 0x80000042u;	/* ... known to KVM */
	}
	cfg.vm_fd = S.vm_fd;
	cfg.flags = u8(&in) & ZV_KVM_NO_IRQFD;
	k = zv_kvm_create(&cfg, err, sizeof(err));
	if (!k) {
		fz_fail("zv_kvm_create: %s", err);
		sim_fini();
		return;
	}
	for (unsigned i = 0; i < 2; i++)
		if (!zv_kvm_add(k, "emu:dma,vectors=4", err, sizeof(err)))
			fz_fail("zv_kvm_add: %s", err);
	if (S.has_zpci_op) {
		/* a VFIO function on s390 as the engine sees it: a host handle */
		struct fake_dev *fd = fake_dev_new(4);
		struct zv_function *f, **p = realloc(k->fns, (k->nfns + 1) * sizeof(*p));

		if (!p)
			abort();
		k->fns = p;
		fd->has_zpci = fd->zpci.has_base = fd->zpci.has_fh = true;
		fd->zpci.fh = 0x80000042u;
		f = zv_function_add(k->m, &fd->dev, 3, 3);
		if (!f || zv_function_set_interpreted(f, true)) {
			fz_fail("an interpreted function: %s", strerror(errno));
		} else {
			k->fns[k->nfns++] = f;
			k->ninterp++;
		}
	}
	for (unsigned steps = 0; in.n && steps < 64 && !fz_failed; steps++) {
		uint8_t op = u8(&in);

		if (op < 150) {			/* an exit */
			struct kvm_run run;
			uint16_t ipa = ipas[u8(&in) % (sizeof(ipas) / sizeof(ipas[0]))];
			uint32_t ipb = u32(&in);

			memset(&run, 0, sizeof(run));
			run.exit_reason = u8(&in) < 250 ? KVM_EXIT_S390_SIEIC : KVM_EXIT_S390_STSI;
			run.s390_sieic.icptcode = u8(&in) < 240 ? ICPT_INSTRUCTION : 8;
			if ((ipa & 0xff) == 0)	/* E3, EB, 83: registers in the low byte */
				ipa |= u8(&in);
			if ((ipa >> 8) == 0xe3 || (ipa >> 8) == 0xeb)
				ipb = (ipb & ~0xffu) | (u8(&in) & 1 ? 0xd0 : (ipa >> 8) == 0xe3 ? 0xd4 : 0xd1);
			run.s390_sieic.ipa = ipa;
			run.s390_sieic.ipb = ipb;
			run.psw_mask = ZV_PSW_MASK_EA | ZV_PSW_MASK_BA;
			{
				uint8_t m = u8(&in);

				if (m & 1)
					run.psw_mask |= ZV_PSW_MASK_DAT;
				if (m & 2)
					run.psw_mask |= ZV_PSW_MASK_PSTATE;
				if (m & 4)
					run.psw_mask &= ~ZV_PSW_MASK_EA;
				if (m & 8)
					run.psw_mask &= ~ZV_PSW_MASK_BA;
				run.psw_mask |= (uint64_t)((m >> 4) & 3) << 46;	/* ASC */
			}
			run.psw_addr = 0x10004;
			run.kvm_valid_regs = KVM_SYNC_GPRS | KVM_SYNC_ACRS | KVM_SYNC_CRS |
					     KVM_SYNC_PREFIX;
			for (unsigned r = 0; r < 16; r++)
				run.s.regs.gprs[r] = reg(&in, k);
			run.s.regs.crs[1] = addr(&in) & ~0xfffULL;
			run.s.regs.crs[1] |= u8(&in) & 0x2f;
			run.s.regs.acrs[u8(&in) & 15] = u8(&in) & 3;
			run.s.regs.prefix = u8(&in) & 1 ? (uint64_t)(u8(&in) & 0x7f) << 13 : 0;
			exit_once(k, &run);
		} else if (op < 170) {		/* Linux's steps on a function */
			bringup(k, &in);
		} else if (op < 200) {		/* the guest writes its storage */
			uint64_t a = u16(&in) << 4;
			unsigned n = u8(&in);

			for (unsigned i = 0; i < n && a + i < FZ_RAM; i++)
				fz_ram[a + i] = u8(&in);
		} else if (op < 240) {		/* a device signals a vector */
			struct zv_function *f = k->fns[u8(&in) % k->nfns];
			struct zv_irq_route r;
			uint64_t one = 1;

			if (zv_function_irq_route(f, u8(&in) & 3, &r) == 0 &&
			    write(r.eventfd, &one, sizeof(one)) != sizeof(one))
				fz_fail("eventfd write: %s", strerror(errno));
			sim_poll_irqfds();
			if (zv_kvm_dispatch(k) < 0)
				fz_fail("zv_kvm_dispatch: %s", strerror(errno));
		} else {			/* the host takes a function or gives it back */
			zv_function_set_standby(k->fns[u8(&in) % k->nfns], u8(&in) & 1);
			if (zv_kvm_dispatch(k) < 0)
				fz_fail("zv_kvm_dispatch: %s", strerror(errno));
		}
		check_routes(k);
	}
	zv_kvm_destroy(k);
	sim_fini();
}

/* ---- seeds ------------------------------------------------------------------- */

/* an exit: ipa index, ipb, registers given as "raw" (kind 5) values */
static void s_exit(struct out *o, uint8_t ipa_idx, uint8_t low, uint32_t ipb, uint8_t op2,
		   uint8_t psw, const uint64_t *gpr)
{
	o8(o, 0);
	o8(o, ipa_idx);
	o32(o, ipb);
	o8(o, 0);		/* SIEIC */
	o8(o, 0);		/* instruction */
	if (ipa_idx == 4 || ipa_idx == 5 || ipa_idx == 9)
		o8(o, low);
	if (ipa_idx == 4 || ipa_idx == 5)
		o8(o, op2);
	o8(o, psw);
	for (unsigned r = 0; r < 16; r++) {
		o8(o, 5);
		o64(o, gpr[r]);
	}
	o8(o, 0);		/* CR1 */
	o16(o, 0);
	o8(o, 0);
	o8(o, 0);		/* AR */
	o8(o, 0);
	o8(o, 0);		/* prefix */
}

static void s_store(struct out *o, uint16_t a16, const uint8_t *b, uint8_t n)
{
	o8(o, 150);
	o16(o, a16);
	o8(o, n);
	obytes(o, b, n);
}

static void make_seeds(fz_emit_fn emit)
{
	static struct out o;
	uint64_t g[16] = { 0 };
	uint8_t clp_list[32] = { 0x00, 0x20, 0x00, 0x01 };	/* CLP LIST PCI, 32 bytes */

	/* CLP LIST at 0x8000 (r2), then a STCRW and a CHSC */
	o.n = 0;
	o8(&o, 1);
	o8(&o, 0);
	s_store(&o, 0x800, clp_list, sizeof(clp_list));
	g[2] = 0x8000;
	s_exit(&o, 0, 0, 0x00220000, 0, 0, g);
	g[5] = 0x3000;
	s_exit(&o, 6, 0, 0x50000000, 0, 0, g);
	g[1] = 0x4000;
	s_exit(&o, 7, 0, 0x00100000, 0, 0, g);
	emit("clp-css", o.b, o.n);
	/* the guest ABI's hypercalls as DIAG X'500' exits: write, report,
	 * arguments, an unknown function, exit */
	o.n = 0;
	o8(&o, 0);
	o8(&o, 0);
	s_store(&o, 0x300, (const uint8_t *)"key\0hello\n", 10);
	memset(g, 0, sizeof(g));
	g[1] = ZV_HC_WRITE, g[2] = 0x3004, g[3] = 6;
	s_exit(&o, 9, 0x00, 0x05000000, 0, 0, g);
	g[1] = ZV_HC_REPORT, g[2] = 0x3000, g[3] = 7;
	s_exit(&o, 9, 0x00, 0x05000000, 0, 0, g);
	g[1] = ZV_HC_GETARGS, g[2] = 0x5000, g[3] = 4;
	s_exit(&o, 9, 0x00, 0x05000000, 0, 0, g);
	g[1] = 0x7a7600ff;
	s_exit(&o, 9, 0x00, 0x05000000, 0, 0, g);
	g[1] = ZV_HC_EXIT, g[2] = 3;
	s_exit(&o, 9, 0x00, 0x05000000, 0, 0, g);
	emit("hypercalls", o.b, o.n);
	/* PCILG in problem state, SIC single mode, a DAT exit, a standby */
	o.n = 0;
	o8(&o, 1);
	o8(&o, 0);
	memset(g, 0, sizeof(g));
	s_exit(&o, 2, 0, 0x00100000, 0, 2, g);
	g[1] = 1;
	g[3] = 2ULL << 27;
	s_exit(&o, 5, 0x13, 0, 0xd1, 0, g);
	g[2] = 0x123456;
	s_exit(&o, 0, 0, 0x00220000, 0, 1, g);
	o8(&o, 250);
	o8(&o, 0);
	o8(&o, 1);
	emit("pgm-sic-dat", o.b, o.n);
	/* signals and dispatches with the irqfd path off */
	o.n = 0;
	o8(&o, 0);
	o8(&o, ZV_KVM_NO_IRQFD);
	for (unsigned i = 0; i < 4; i++) {
		o8(&o, 200);
		o8(&o, (uint8_t)i);
		o8(&o, (uint8_t)i);
	}
	emit("signals", o.b, o.n);
	/* both functions brought up (enable, register, MSI-X on, table with
	 * vector 1 masked), signals on every vector, a mask change, standby */
	o.n = 0;
	o8(&o, 1);
	o8(&o, 0);
	for (unsigned f = 0; f < 2; f++) {
		o8(&o, 150);
		o8(&o, (uint8_t)f);
		o8(&o, 0x0f);		/* enable, register, MSI-X on, table */
		o8(&o, (uint8_t)(2 + f));	/* ISC */
		o8(&o, 3);		/* noi 4 */
		o8(&o, 1);		/* summary */
		o8(&o, 0x02);		/* vector 1 masked */
	}
	for (unsigned i = 0; i < 8; i++) {
		o8(&o, 200);
		o8(&o, (uint8_t)(i >> 2));
		o8(&o, (uint8_t)i);
	}
	o8(&o, 150);
	o8(&o, 0);
	o8(&o, 0x08);		/* the table again: everything unmasked */
	o8(&o, 0);		/* ISC, noi, summary: not used */
	o8(&o, 0);
	o8(&o, 0);
	o8(&o, 0);		/* masks */
	o8(&o, 240);
	o8(&o, 1);
	o8(&o, 1);
	emit("bringup", o.b, o.n);
	/* an interpreted function brought up: AEN through KVM_S390_ZPCI_OP
	 * with its host handle, then deregistered and disabled */
	o.n = 0;
	o8(&o, 2 | 4);
	o8(&o, 0);
	o8(&o, 150);
	o8(&o, 2);		/* the third function */
	o8(&o, 0x0f);
	o8(&o, 5);
	o8(&o, 3);
	o8(&o, 1);
	o8(&o, 0);
	o8(&o, 150);
	o8(&o, 2);
	o8(&o, 0x80 | 0x02 | 0x10);	/* deregister, disable */
	o8(&o, 0);
	o8(&o, 0);
	o8(&o, 0);
	emit("interpreted", o.b, o.n);
}

FUZZ_MAIN(kvm, 3000, 2048, 300)
