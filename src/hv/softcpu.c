/* SPDX-License-Identifier: MIT */
/*
 * The software s390x CPU: Unicorn (QEMU 5.0 TCG inside) plus what Unicorn
 * 2.0.1 leaves out (../shared/rigs/unicorn-s390x/README.md):
 *
 * - Intercepts. Unicorn executes the zPCI instructions (and DIAG, STCRW,
 *   CHSC) as silent no-ops in supervisor state. A block hook scans every
 *   executed block for the instructions the machine intercepts; on the
 *   first sighting of one it adds a code hook for exactly that address,
 *   drops the block from the translation cache and restarts it, so the
 *   instruction runs through the hook from then on. Other code pays only
 *   the block scan, in whatever state the guest runs (an unmodified kernel
 *   runs in supervisor state). In problem state the same instructions
 *   raise privileged-operation exceptions, which reach UC_HOOK_INTR.
 * - Interruptions. Unicorn never swaps PSWs through the lowcore; this file
 *   does, at block boundaries and on intercept return (never by stopping
 *   the emulator from another thread: it re-executes or skips
 *   instructions), and at enabled waits, where it blocks in
 *   zv_dispatch_wait().
 * - Control registers. Unicorn has no API for them, so LCTL/LCTLG are
 *   intercepted too and mirrored before they execute (CR6: I/O subclass
 *   mask, CR14: machine-check subclass mask).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "arch/be.h"
#include "softcpu_int.h"

enum op {
	OP_NONE, OP_ZPCI, OP_DIAG, OP_LPSWE, OP_LCTL, OP_LCTLG, OP_STCRW, OP_CHSC,
	OP_DATSET,	/* STOSM, SSM, LPSW: watched only for turning DAT on */
};

/* Which intercepted instruction starts at b (6 readable bytes). hook_every()
 * filters on the same first bytes: keep the two in step. */
static enum op classify(const uint8_t *b)
{
	switch (b[0]) {
	case 0x83:
		return OP_DIAG;
	case 0x80:	/* SSM */
	case 0x82:	/* LPSW */
	case 0xad:	/* STOSM */
		return OP_DATSET;
	case 0xb7:
		return OP_LCTL;
	case 0xb2:
		return b[1] == 0xb2 ? OP_LPSWE : b[1] == 0x39 ? OP_STCRW : b[1] == 0x5f ? OP_CHSC : OP_NONE;
	case 0xb9:
		return b[1] == 0xa0 || b[1] == 0xd0 || b[1] == 0xd2 || b[1] == 0xd3 ? OP_ZPCI : OP_NONE;
	case 0xe3:
		return b[5] == 0xd0 || b[5] == 0xd4 ? OP_ZPCI : OP_NONE;
	case 0xeb:
		return b[5] == 0xd0 || b[5] == 0xd1 ? OP_ZPCI : b[5] == 0x2f ? OP_LCTLG : OP_NONE;
	default:
		return OP_NONE;
	}
}

static unsigned ilen_of(uint8_t op0)
{
	return zv_insn_length(op0);
}

double sc_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

uint64_t sc_gpr(struct zv_softcpu *sc, int r)
{
	uint64_t v = 0;

	uc_reg_read(sc->uc, UC_S390X_REG_R0 + r, &v);
	return v;
}

void sc_set_gpr(struct zv_softcpu *sc, int r, uint64_t v)
{
	uc_reg_write(sc->uc, UC_S390X_REG_R0 + r, &v);
}

uint64_t sc_pswm(struct zv_softcpu *sc)
{
	uint64_t v = 0;

	uc_reg_read(sc->uc, UC_S390X_REG_PSWM, &v);	/* computes the CC too */
	return v;
}

/* Writing the PSW address from a hook makes Unicorn leave the block and
 * resume there; writing the mask also sets the CC. */
void sc_set_psw(struct zv_softcpu *sc, uint64_t mask, uint64_t addr)
{
	uc_reg_write(sc->uc, UC_S390X_REG_PSWM, &mask);
	uc_reg_write(sc->uc, UC_S390X_REG_PC, &addr);
}

void sc_set_cc(struct zv_softcpu *sc, int cc)
{
	uint64_t m = (sc_pswm(sc) & ~ZV_PSW_MASK_CC) | (uint64_t)(cc & 3) << ZV_PSW_CC_SHIFT;

	uc_reg_write(sc->uc, UC_S390X_REG_PSWM, &m);
}

bool sc_read(struct zv_softcpu *sc, uint64_t a, void *buf, size_t n)
{
	if (a >= sc->ram_size || n > sc->ram_size - a)
		return false;
	memcpy(buf, sc->ram + a, n);
	return true;
}

bool sc_write(struct zv_softcpu *sc, uint64_t a, const void *buf, size_t n)
{
	if (a >= sc->ram_size || n > sc->ram_size - a)
		return false;
	memcpy(sc->ram + a, buf, n);
	return true;
}

void sc_fault(struct zv_softcpu *sc, enum zv_run_end end, const char *fmt, ...)
{
	va_list ap;

	if (sc->stop)
		return;
	va_start(ap, fmt);
	vsnprintf(sc->msg, sizeof(sc->msg), fmt, ap);
	va_end(ap);
	sc->end = end;
	sc->stop = true;
	uc_emu_stop(sc->uc);
}

static void put_psw(struct zv_softcpu *sc, uint64_t lc, uint64_t mask, uint64_t addr)
{
	be64_put(sc->ram + lc, mask);
	be64_put(sc->ram + lc + 8, addr);
}

/* Swap PSWs for a program interruption. old_addr: the next instruction for
 * suppressing exceptions, the instruction itself for nullifying ones. */
static void inject_pgm(struct zv_softcpu *sc, uint64_t mask, uint16_t code, unsigned ilen,
		       uint64_t old_addr)
{
	put_psw(sc, LC_PGM_OLD_PSW, mask, old_addr);
	be16_put(sc->ram + LC_PGM_ILC, (uint16_t)ilen);	/* ILC in bits 13-14 = length */
	be16_put(sc->ram + LC_PGM_CODE, code);
	sc_set_psw(sc, be64_get(sc->ram + LC_PGM_NEW_PSW), be64_get(sc->ram + LC_PGM_NEW_PSW + 8));
	sc->st.program_interrupts++;
}

/*
 * Present the highest-priority pending interruption that the PSW mask and
 * control registers enable: machine check (channel report) before I/O,
 * and among I/O the lowest ISC first. Returns true if one was presented.
 */
static bool deliver(struct zv_softcpu *sc, uint64_t mask, uint64_t addr)
{
	if (sc->mchk_pending && (mask & ZV_PSW_MASK_MCHECK) && (sc->cr[14] & CR14_CRW_MASK)) {
		sc->mchk_pending = false;
		be64_put(sc->ram + LC_MCCK_CODE, MCIC_CHANNEL_REPORT);
		put_psw(sc, LC_MCCK_OLD_PSW, mask, addr);
		sc_set_psw(sc, be64_get(sc->ram + LC_MCCK_NEW_PSW),
			   be64_get(sc->ram + LC_MCCK_NEW_PSW + 8));
		sc->st.mchecks++;
		return true;
	}
	if (sc->io_pending && (mask & ZV_PSW_MASK_IO)) {
		for (unsigned isc = 0; isc < 8; isc++) {
			uint8_t bit = (uint8_t)(0x80u >> isc);

			if (!(sc->io_pending & bit) || !(sc->cr[6] & (0x80000000ULL >> isc)))
				continue;
			sc->io_pending &= (uint8_t)~bit;
			/* adapter interruption: no subchannel, AI bit + ISC */
			be32_put(sc->ram + LC_SUBCHANNEL_ID, 0);
			be32_put(sc->ram + LC_IO_INT_PARM, 0);
			be32_put(sc->ram + LC_IO_INT_WORD, IO_INT_WORD_AI | isc << 27);
			put_psw(sc, LC_IO_OLD_PSW, mask, addr);
			sc_set_psw(sc, be64_get(sc->ram + LC_IO_NEW_PSW),
				   be64_get(sc->ram + LC_IO_NEW_PSW + 8));
			sc->st.io_interrupts++;
			return true;
		}
	}
	return false;
}

static bool pending(const struct zv_softcpu *sc)
{
	return sc->io_pending || sc->mchk_pending;
}

/* Resume at next, presenting an interruption first if one is deliverable. */
static void resume(struct zv_softcpu *sc, uint64_t mask, uint64_t next)
{
	if (zv_events_hinted(sc->m))
		zv_dispatch(sc->m);
	if (!pending(sc) || !deliver(sc, mask, next))
		sc_set_psw(sc, mask, next);
}

/*
 * Hand the run back to the caller (cfg.exits) before anything after this
 * instruction runs. Unicorn 2.0.1 forgets a stop request made in the same
 * hook as a PC write (its CPU loop clears stop_request when a PC write
 * made it quit the block), and a stop alone would let the rest of the
 * block run; so leave the block here by the PC write, and stop in the
 * block hook of pc, before its first instruction.
 */
static void sc_pause(struct zv_softcpu *sc, enum zv_run_end why, uint64_t pc)
{
	sc->pause = true;
	sc->pause_why = why;
	uc_reg_write(sc->uc, UC_S390X_REG_PC, &pc);
}

static const int gpr_ids[16] = {
	UC_S390X_REG_R0, UC_S390X_REG_R1, UC_S390X_REG_R2, UC_S390X_REG_R3,
	UC_S390X_REG_R4, UC_S390X_REG_R5, UC_S390X_REG_R6, UC_S390X_REG_R7,
	UC_S390X_REG_R8, UC_S390X_REG_R9, UC_S390X_REG_R10, UC_S390X_REG_R11,
	UC_S390X_REG_R12, UC_S390X_REG_R13, UC_S390X_REG_R14, UC_S390X_REG_R15,
};

/* Apply zv_intercept()'s answer rc for the instruction b at cpu->psw_addr;
 * before: the registers as they were, so only changed ones are written. */
static void zpci_answer(struct zv_softcpu *sc, const struct zv_cpu *cpu, const uint64_t before[16],
			const uint8_t *b, int rc)
{
	uint64_t addr = cpu->psw_addr;
	unsigned ilen = ilen_of(b[0]);

	if (rc > 0) {
		inject_pgm(sc, cpu->psw_mask, (uint16_t)rc, ilen, addr + ilen);
		return;
	}
	if (rc < 0) {
		sc_fault(sc, ZV_RUN_FAULT, "zv_intercept at %#llx: %s", (unsigned long long)addr,
			 strerror(errno));
		return;
	}
	for (int i = 0; i < 16; i++)
		if (cpu->gpr[i] != before[i])
			sc_set_gpr(sc, i, cpu->gpr[i]);
	resume(sc, cpu->psw_mask, addr + ilen);
}

static void do_zpci(struct zv_softcpu *sc, uint64_t addr, const uint8_t *b)
{
	struct zv_cpu cpu = { .psw_addr = addr, .opaque = sc };
	uint64_t before[16];
	void *ptrs[16];
	int rc;

	for (int i = 0; i < 16; i++)
		ptrs[i] = &cpu.gpr[i];
	uc_reg_read_batch(sc->uc, (int *)gpr_ids, ptrs, 16);
	cpu.psw_mask = sc_pswm(sc);
	if (sc->cfg.exits & ZV_SOFTCPU_EXIT_ZPCI) {
		sc->icpt_cpu = cpu;
		memcpy(sc->icpt_insn, b, sizeof(sc->icpt_insn));
		sc->icpt_pending = true;
		sc_pause(sc, ZV_RUN_INTERCEPT, addr + ilen_of(b[0]));
		return;
	}
	memcpy(before, cpu.gpr, sizeof(before));
	rc = zv_intercept(sc->m, &cpu, (uint16_t)(b[0] << 8 | b[1]),
			  (uint32_t)b[2] << 24 | (uint32_t)b[3] << 16 | (uint32_t)b[4] << 8 | b[5]);
	zpci_answer(sc, &cpu, before, b, rc);
}

/* Second-operand address of an S/RS-format instruction (12-bit D2). */
static uint64_t addr_s(struct zv_softcpu *sc, const uint8_t *b, uint64_t mask)
{
	unsigned b2 = b[2] >> 4;
	uint64_t a = (uint64_t)((b[2] & 0xf) << 8 | b[3]) + (b2 ? sc_gpr(sc, (int)b2) : 0);

	return mask & ZV_PSW_MASK_EA ? a : mask & ZV_PSW_MASK_BA ? a & 0x7fffffff : a & 0xffffff;
}

/* Mirror LCTL/LCTLG into cr[] before Unicorn executes them natively. */
static void mirror_lctl(struct zv_softcpu *sc, const uint8_t *b, bool g, uint64_t mask)
{
	unsigned r1 = b[1] >> 4, r3 = b[1] & 0xf, n = ((r3 - r1) & 15) + 1;
	uint64_t a;

	if (g) {
		unsigned b2 = b[2] >> 4;
		int32_t d = (int32_t)((uint32_t)b[4] << 12 | (uint32_t)(b[2] & 0xf) << 8 | b[3]);

		d = (d ^ 0x80000) - 0x80000;
		a = (b2 ? sc_gpr(sc, (int)b2) : 0) + (uint64_t)(int64_t)d;
	} else {
		a = addr_s(sc, b, mask);
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned r = (r1 + i) & 15;
		uint8_t v[8];

		if (g && sc_read(sc, a + 8 * i, v, 8))
			sc->cr[r] = be64_get(v);
		else if (!g && sc_read(sc, a + 4 * i, v, 4))
			sc->cr[r] = (sc->cr[r] & ~0xffffffffULL) | be32_get(v);
	}
}

static void wait_for_interrupt(struct zv_softcpu *sc, uint64_t mask, uint64_t addr)
{
	sc->st.waits++;
	for (;;) {
		if (pending(sc) && deliver(sc, mask, addr))
			return;
		if (sc->deadline && sc_now() > sc->deadline) {
			sc_fault(sc, ZV_RUN_TIMEOUT, "timeout: the guest waited for an interrupt that never came");
			return;
		}
		zv_dispatch_wait(sc->m, zv_events_hinted(sc->m) ? 0 : 50);
		if (sc->cfg.progress && sc_now() >= sc->next_progress) {
			sc->next_progress = sc_now() + 1.0;
			sc->cfg.progress(sc->cfg.progress_opaque, sc);
		}
	}
}

static void do_lpswe(struct zv_softcpu *sc, uint64_t addr, const uint8_t *b, uint64_t mask)
{
	uint64_t a = addr_s(sc, b, mask);
	uint8_t psw[16];

	if (a & 7) {
		inject_pgm(sc, mask, ZV_PGM_SPECIFICATION, 4, addr + 4);
		return;
	}
	if (!sc_read(sc, a, psw, 16))
		return;	/* Unicorn presents the access exception itself */
	uint64_t nmask = be64_get(psw), naddr = be64_get(psw + 8);
	if (nmask & ZV_PSW_MASK_DAT) {
		sc_fault(sc, ZV_RUN_FAULT, "the guest turns DAT on at %#llx: not supported yet",
			 (unsigned long long)addr);
		return;
	}
	if (!(nmask & ZV_PSW_MASK_WAIT))
		return;	/* an ordinary LPSWE: let it execute */
	if (!(nmask & (ZV_PSW_MASK_IO | ZV_PSW_MASK_EXT | ZV_PSW_MASK_MCHECK))) {
		sc_fault(sc, ZV_RUN_DISABLED_WAIT, "disabled wait PSW %016llx %016llx",
			 (unsigned long long)nmask, (unsigned long long)naddr);
		return;
	}
	if (sc->cfg.exits & ZV_SOFTCPU_EXIT_WAIT) {
		if (pending(sc) && deliver(sc, nmask, naddr))
			return;
		sc->st.waits++;
		sc->waiting = true;
		sc->wait_mask = nmask;
		sc->wait_addr = naddr;
		sc_pause(sc, ZV_RUN_WAIT, naddr);
		return;
	}
	wait_for_interrupt(sc, nmask, naddr);
}

/* Run the intercepted instruction at addr. */
static void intercept(struct zv_softcpu *sc, uint64_t addr)
{
	uint8_t b[6] = {0};
	uint64_t mask;
	enum op op;
	int rc = 0;

	if (!sc_read(sc, addr, b, 6) && !sc_read(sc, addr, b, 4))
		return;
	op = classify(b);
	if (op == OP_NONE)
		return;	/* not ours (hook-all mode), or the code here changed */
	sc->st.intercepts++;
	mask = sc_pswm(sc);
	if (op == OP_ZPCI) {
		do_zpci(sc, addr, b);
		return;
	}
	if (mask & ZV_PSW_MASK_PSTATE) {
		inject_pgm(sc, mask, ZV_PGM_PRIVILEGED, ilen_of(b[0]), addr + ilen_of(b[0]));
		return;
	}
	switch (op) {
	case OP_DATSET: {
		/* the block scan reads code at absolute addresses: DAT on
		 * would make it read the wrong bytes */
		uint8_t psw0 = b[1];

		if (b[0] != 0xad && !sc_read(sc, addr_s(sc, b, mask), &psw0, 1))
			return;
		if (psw0 & 0x04)
			sc_fault(sc, ZV_RUN_FAULT, "the guest turns DAT on at %#llx: not supported yet",
				 (unsigned long long)addr);
		return;	/* executes natively */
	}
	case OP_LCTL:
	case OP_LCTLG:
		mirror_lctl(sc, b, op == OP_LCTLG, mask);
		return;	/* executes natively */
	case OP_LPSWE:
		do_lpswe(sc, addr, b, mask);
		return;
	case OP_DIAG:
		rc = sys_diag(sc, b);
		break;
	case OP_STCRW:
		rc = sys_stcrw(sc, b, addr_s(sc, b, mask));
		break;
	case OP_CHSC:
		rc = sys_chsc(sc, b);
		break;
	default:
		return;
	}
	if (sc->stop)
		return;
	if (rc) {
		inject_pgm(sc, sc_pswm(sc), (uint16_t)rc, ilen_of(b[0]), addr + ilen_of(b[0]));
		return;
	}
	resume(sc, sc_pswm(sc), addr + ilen_of(b[0]));
}

static void hook_code(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
	(void)uc;
	(void)size;
	intercept(opaque, addr);
}

/* First bytes that can start an instruction classify() knows, derived
 * from classify() itself: it decides on byte 0 and then on byte 1 or
 * byte 5, so trying every value of each settles it. */
static bool first_byte_ours[256];
static pthread_once_t first_bytes_once = PTHREAD_ONCE_INIT;

static void first_bytes_init(void)
{
	for (unsigned op0 = 0; op0 < 256; op0++)
		for (unsigned v = 0; v < 256 && !first_byte_ours[op0]; v++) {
			uint8_t b1[6] = { (uint8_t)op0, (uint8_t)v }, b5[6] = { (uint8_t)op0, 0, 0, 0, 0, (uint8_t)v };

			first_byte_ours[op0] = classify(b1) != OP_NONE || classify(b5) != OP_NONE;
		}
}

/* The comparison mode: a hook on every instruction with the cheapest
 * filter, the first byte, in front of intercept(), which classifies. */
static void hook_every(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
	struct zv_softcpu *sc = opaque;

	(void)uc;
	(void)size;
	if (addr < sc->ram_size && first_byte_ours[sc->ram[addr]])
		intercept(sc, addr);
}

/* Give an intercepted instruction its own code hook; true if new. */
static bool hook_site(struct zv_softcpu *sc, uint64_t addr)
{
	uc_hook h;

	if (u64map_get(&sc->hooked, addr, NULL))
		return false;
	if (uc_hook_add(sc->uc, &h, UC_HOOK_CODE, (void *)hook_code, sc, addr, addr) != UC_ERR_OK ||
	    u64map_put(&sc->hooked, addr, h)) {
		sc_fault(sc, ZV_RUN_FAULT, "cannot hook the instruction at %#llx", (unsigned long long)addr);
		return false;
	}
	sc->st.hooked_sites++;
	return true;
}

static void periodic(struct zv_softcpu *sc)
{
	double now = sc_now();

	zv_dispatch(sc->m);
	if (sc->deadline && now > sc->deadline)
		sc_fault(sc, ZV_RUN_TIMEOUT, "timeout after %u s", sc->cfg.timeout_s);
	if (sc->cfg.progress && now >= sc->next_progress) {
		sc->next_progress = now + 1.0;
		sc->cfg.progress(sc->cfg.progress_opaque, sc);
	}
}

static void hook_block(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
	struct zv_softcpu *sc = opaque;
	bool fresh = false;

	if (sc->pause) {
		uc_emu_stop(uc);
		return;
	}
	sc->st.blocks++;
	if (++sc->blocks_since_poll >= 65536 || zv_events_hinted(sc->m)) {
		sc->blocks_since_poll = 0;
		periodic(sc);
		if (sc->stop)
			return;
	}
	if (pending(sc) && deliver(sc, sc_pswm(sc), addr))
		return;
	if (sc->cfg.hook_all || addr >= sc->ram_size || size > sc->ram_size - addr)
		return;
	/* DAT off: the block address is absolute (prefix 0) */
	for (uint64_t p = addr; p < addr + size;) {
		const uint8_t *b = sc->ram + p;
		uint8_t tail[6] = {0};

		if (p + 6 > sc->ram_size) {	/* the last bytes of RAM */
			memcpy(tail, b, sc->ram_size - p);
			b = tail;
		}
		if (classify(b) != OP_NONE)
			fresh |= hook_site(sc, p);
		p += ilen_of(b[0]);
	}
	if (fresh) {
		/* retranslate the block with the new hooks and run it again */
		uc_ctl_remove_cache(sc->uc, addr, addr + size);
		uc_reg_write(sc->uc, UC_S390X_REG_PC, &addr);
	}
}

/* Program interruptions Unicorn raised itself (intno 3): in problem state
 * that is how our privileged instructions arrive. Any other one (say an
 * addressing exception of an LCTL) Unicorn does not describe. */
static void hook_intr(uc_engine *uc, uint32_t intno, void *opaque)
{
	struct zv_softcpu *sc = opaque;
	uint64_t pc = 0;
	uint8_t b[6] = {0};

	uc_reg_read(uc, UC_S390X_REG_PC, &pc);
	if (!sc_read(sc, pc, b, 6))
		sc_read(sc, pc, b, 4);
	if (intno == 3 && (sc_pswm(sc) & ZV_PSW_MASK_PSTATE) && classify(b) != OP_NONE) {
		intercept(sc, pc);
		return;
	}
	/* Unicorn 2.0.1 does not report the interruption code, so the machine
	 * cannot present it to the guest. */
	sc_fault(sc, ZV_RUN_FAULT,
		 "program interruption (unicorn intno %u) at %#llx, instruction %02x%02x%02x%02x: "
		 "the software machine cannot present it",
		 intno, (unsigned long long)pc, b[0], b[1], b[2], b[3]);
}

/* ---- engine callbacks ---- */

static void cb_inject_adapter(void *opaque, uint8_t isc)
{
	struct zv_softcpu *sc = opaque;

	sc->io_pending |= (uint8_t)(0x80u >> (isc & 7));	/* one per ISC: they coalesce */
}

static void cb_crw_pending(void *opaque)
{
	((struct zv_softcpu *)opaque)->mchk_pending = true;
}

static const struct zv_hv_ops softcpu_hv_ops = {
	.translate = NULL,	/* DAT off: logical = real = absolute (prefix 0) */
	.inject_adapter = cb_inject_adapter,
	.crw_pending = cb_crw_pending,
};

ZV_API struct zv_softcpu *zv_softcpu_create(const struct zv_softcpu_config *cfg, char *err,
					    size_t errlen)
{
	struct zv_softcpu *sc;
	struct zv_mem_region mem;
	uc_err ue;

	if (!err)
		errlen = 0;	/* snprintf(NULL, 0, ...) writes nothing */
	if (!cfg) {
		snprintf(err, errlen, "no configuration");
		errno = EINVAL;
		return NULL;
	}
	sc = calloc(1, sizeof(*sc));
	if (!sc) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	sc->cfg = *cfg;
	sc->ram_size = cfg->mem_size ? cfg->mem_size : 256ULL << 20;
	sc->console = cfg->console ? cfg->console : stdout;
	if (sc->ram_size & 0xfffff || sc->ram_size < (1ULL << 20)) {
		snprintf(err, errlen, "memory size must be a multiple of 1 MiB, at least 1 MiB");
		errno = EINVAL;
		goto err;
	}
	sc->ram = mmap(NULL, sc->ram_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (sc->ram == MAP_FAILED) {
		sc->ram = NULL;
		snprintf(err, errlen, "cannot allocate %llu bytes of guest memory: %s",
			 (unsigned long long)sc->ram_size, strerror(errno));
		goto err;
	}
	ue = uc_open(UC_ARCH_S390X, UC_MODE_BIG_ENDIAN, &sc->uc);
	if (ue == UC_ERR_OK)
		ue = uc_ctl_set_cpu_model(sc->uc, UC_CPU_S390X_MAX);
	if (ue == UC_ERR_OK)
		ue = uc_mem_map_ptr(sc->uc, 0, sc->ram_size, UC_PROT_ALL, sc->ram);
	if (ue == UC_ERR_OK)
		ue = uc_hook_add(sc->uc, &sc->h_block, UC_HOOK_BLOCK, (void *)hook_block, sc, 1, 0);
	if (ue == UC_ERR_OK)
		ue = uc_hook_add(sc->uc, &sc->h_intr, UC_HOOK_INTR, (void *)hook_intr, sc, 1, 0);
	if (ue == UC_ERR_OK && cfg->hook_all) {
		uc_hook h;

		pthread_once(&first_bytes_once, first_bytes_init);

		ue = uc_hook_add(sc->uc, &h, UC_HOOK_CODE, (void *)hook_every, sc, 1, 0);
	}
	if (ue != UC_ERR_OK) {
		snprintf(err, errlen, "unicorn: %s", uc_strerror(ue));
		errno = ue == UC_ERR_NOMEM ? ENOMEM : EIO;
		goto err;
	}
	u64map_init(&sc->hooked);
	/* architected reset values: CR0 0xe0, CR14 0xc2000000 */
	sc->cr[0] = 0xe0;
	sc->cr[14] = 0xc2000000;
	mem = (struct zv_mem_region){ .gpa = 0, .size = sc->ram_size, .host = sc->ram };
	struct zv_machine_config mc = {
		.mem = &mem, .n_mem = 1, .hv = &softcpu_hv_ops, .hv_opaque = sc,
		.facilities = cfg->facilities, .mui_ms = cfg->mui_ms,
	};
	sc->m = zv_machine_create(&mc);
	if (!sc->m) {
		snprintf(err, errlen, "cannot create the machine: %s", strerror(errno));
		goto err;
	}
	return sc;
err:
	{
		int e = errno;

		zv_softcpu_destroy(sc);
		errno = e;
	}
	return NULL;
}

ZV_API void zv_softcpu_destroy(struct zv_softcpu *sc)
{
	if (!sc)
		return;
	zv_machine_destroy(sc->m);
	if (sc->uc)
		uc_close(sc->uc);
	if (sc->ram)
		munmap(sc->ram, sc->ram_size);
	u64map_free(&sc->hooked);
	free(sc);
}

ZV_API struct zv_machine *zv_softcpu_machine(struct zv_softcpu *sc)
{
	return sc->m;
}

ZV_API uint8_t *zv_softcpu_ram(struct zv_softcpu *sc)
{
	return sc->ram;
}

ZV_API int zv_softcpu_load_elf(struct zv_softcpu *sc, const char *path, char *err, size_t errlen)
{
	if (!err)
		errlen = 0;
	if (!sc || !path) {
		snprintf(err, errlen, "no machine or no path");
		errno = EINVAL;
		return -1;
	}
	if (sc->started) {
		snprintf(err, errlen, "the machine has already run: load before zv_softcpu_run()");
		errno = EBUSY;
		return -1;
	}
	if (elf_load(sc, path, err, errlen))
		return -1;
	sc->loaded = true;
	return 0;
}

/* The first run: the initial PSW and registers, the clocks. */
static void start(struct zv_softcpu *sc)
{
	/* supervisor state, DAT off, interruptions disabled, 64-bit
	 * addressing; GPR2 = RAM size, GPR15 = a stack at the top */
	sc_set_psw(sc, ZV_PSW_MASK_EA | ZV_PSW_MASK_BA, sc->entry);
	sc_set_gpr(sc, 2, sc->ram_size);
	sc_set_gpr(sc, 15, sc->ram_size - 160);
	sc->t_start = sc_now();
	sc->next_progress = sc->t_start + 1.0;
	sc->deadline = sc->cfg.timeout_s ? sc->t_start + sc->cfg.timeout_s : 0;
	sc->started = true;
}

ZV_API enum zv_run_end zv_softcpu_run(struct zv_softcpu *sc, int *status)
{
	uint64_t pc;

	if (!sc->loaded) {
		snprintf(sc->msg, sizeof(sc->msg), "no guest image loaded");
		errno = ENOEXEC;
		return ZV_RUN_FAULT;
	}
	if (sc->stop) {		/* the run is over; it stays over */
		if (sc->end == ZV_RUN_EXIT && status)
			*status = sc->status;
		return sc->end;
	}
	if (sc->icpt_pending) {
		snprintf(sc->msg, sizeof(sc->msg), "the intercept is not completed "
			 "(zv_softcpu_intercept_done)");
		errno = EBUSY;
		return ZV_RUN_FAULT;
	}
	if (!sc->started)
		start(sc);
	sc->pause = false;
	if (sc->waiting && !sc->stop) {
		if (!pending(sc) || !deliver(sc, sc->wait_mask, sc->wait_addr)) {
			if (!sc->deadline || sc_now() <= sc->deadline)
				return ZV_RUN_WAIT;
			sc_fault(sc, ZV_RUN_TIMEOUT, "timeout: the guest waited for an interrupt that never came");
		}
		sc->waiting = false;
	}
	while (!sc->stop && !sc->pause) {
		uc_err e;

		uc_reg_read(sc->uc, UC_S390X_REG_PC, &pc);
		e = uc_emu_start(sc->uc, pc, UINT64_MAX, 0, 0);
		uc_reg_read(sc->uc, UC_S390X_REG_PC, &pc);
		if (e != UC_ERR_OK && !sc->stop) {
			sc_fault(sc, ZV_RUN_FAULT, "guest stopped at %#llx: %s (DAT and storage "
				 "outside RAM are not supported)", (unsigned long long)pc, uc_strerror(e));
		}
		if (!sc->stop && (sc_pswm(sc) & ZV_PSW_MASK_DAT))
			sc_fault(sc, ZV_RUN_FAULT, "the guest turned DAT on: not supported yet");
	}
	if (!sc->stop)
		return sc->pause_why;
	sc->st.seconds = sc_now() - sc->t_start;
	if (sc->end == ZV_RUN_EXIT && status)
		*status = sc->status;
	return sc->end;
}

ZV_API int zv_softcpu_intercept_get(const struct zv_softcpu *sc, struct zv_cpu *cpu,
				    uint16_t *ipa, uint32_t *ipb)
{
	const uint8_t *b = sc->icpt_insn;

	if (!sc->icpt_pending) {
		errno = ENOENT;
		return -1;
	}
	*cpu = sc->icpt_cpu;
	*ipa = (uint16_t)(b[0] << 8 | b[1]);
	*ipb = (uint32_t)b[2] << 24 | (uint32_t)b[3] << 16 | (uint32_t)b[4] << 8 | b[5];
	return 0;
}

ZV_API int zv_softcpu_intercept_done(struct zv_softcpu *sc, const struct zv_cpu *cpu, int rc)
{
	struct zv_cpu answer;

	if (!sc->icpt_pending) {
		errno = ENOENT;
		return -1;
	}
	sc->icpt_pending = false;
	/* only the registers and the condition code are the caller's to change */
	answer = rc > 0 ? sc->icpt_cpu : *cpu;
	answer.psw_addr = sc->icpt_cpu.psw_addr;
	answer.psw_mask = (sc->icpt_cpu.psw_mask & ~ZV_PSW_MASK_CC) | (answer.psw_mask & ZV_PSW_MASK_CC);
	zpci_answer(sc, &answer, sc->icpt_cpu.gpr, sc->icpt_insn, rc);
	return 0;
}

ZV_API const char *zv_softcpu_message(const struct zv_softcpu *sc)
{
	return sc->msg;
}

ZV_API void zv_softcpu_stats_get(const struct zv_softcpu *sc, struct zv_softcpu_stats *st)
{
	*st = sc->st;
	if (!st->seconds && sc->t_start)
		st->seconds = sc_now() - sc->t_start;
}

ZV_API const char *zv_softcpu_report(const struct zv_softcpu *sc, unsigned i, uint64_t *value)
{
	if (i >= sc->nreports)
		return NULL;
	*value = sc->reports[i].val;
	return sc->reports[i].key;
}
