/* SPDX-License-Identifier: MIT */
/*
 * The software s390x CPU: Unicorn (QEMU 5.0 TCG inside) plus what Unicorn
 * 2.0.1 leaves out (../shared/rigs/unicorn-s390x/README.md):
 *
 * - Intercepts, found when code is translated. Unicorn executes the zPCI
 *   instructions, DIAG, STCRW, CHSC and a wait PSW as silent no-ops in
 *   supervisor state, and its code hooks cost time in proportion to how
 *   many there are (each hooked instruction walks the whole list, and so
 *   does the translation of every instruction). So guest RAM is mapped
 *   without execute permission: then Unicorn calls UC_HOOK_MEM_FETCH_PROT
 *   before each code read of its translator (and of EXECUTE), never while
 *   translated code runs. When the first read of an instruction finds one
 *   the machine intercepts, hook_fetch() puts an unassigned opcode of the
 *   same length in its first byte and puts the byte back at the
 *   translator's next read -- of the same instruction, before any guest
 *   code runs, so the guest never sees it. The translated code raises an
 *   operation exception there, which reaches UC_HOOK_INTR with the PSW at
 *   the instruction: the intercept. Other code runs as Unicorn translates
 *   it, with no callback; finding an intercept costs a hash-free check per
 *   translated instruction; an intercept costs the same however many
 *   sites the guest has. EXECUTE of an intercepted instruction traps the
 *   same way (its target is read through the same hook), at the EXECUTE.
 * - Interruptions. Unicorn never swaps PSWs through the lowcore; this file
 *   does, at block boundaries and on intercept return (never by stopping
 *   the emulator from another thread: it re-executes or skips
 *   instructions), and at enabled waits, where it blocks in
 *   zv_dispatch_wait().
 * - Control registers. Unicorn has no API for them; ucstate.c finds them
 *   in its CPU state (a layout checked at start-up), so LCTL and LCTLG run
 *   natively and the machine reads CR6 and CR14 when it delivers.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "arch/be.h"
#include "softcpu_int.h"

enum op {
	OP_NONE, OP_ZPCI, OP_DIAG, OP_LPSWE, OP_STCRW, OP_CHSC,
	/* the rest of the machine an OS uses, which Unicorn executes as
	 * no-ops or gets wrong (rigs/linux-on-unicorn/NOTES.md, defects 3
	 * and 6): timing, SERVC, SIGP, STSI, STFLE/STFL, MC, channel I/O */
	OP_CLOCK, OP_CLOCK_USER, OP_SERVC, OP_SIGP, OP_STSI, OP_STFLE, OP_STFL, OP_MC, OP_CHANNEL,
	/* what can enable a pending interruption: the machine presents it
	 * right after (STNSM only masks and runs as Unicorn translates it) */
	OP_STOSM, OP_SSM, OP_LPSW, OP_LCTL, OP_LCTLG,
	/* Unicorn 2.0.1 kills the host process translating these (found by
	 * fuzz_softcpu; each opcode scanned in a child process): SCK (an
	 * OP_CLOCK above; SIGSEGV in tcg_optimize: QEMU's TOD device is not
	 * there), CKSM
	 * with R2 = 15 (SIGSEGV; any odd R2 is a specification exception),
	 * LDER (assertion in get_field1) and CSST (assertion in extract32).
	 * They are taken out of the guest code at translation like the
	 * intercepted ones. */
	OP_CKSM_ODD, OP_LDER, OP_CSST,
};

/* Which intercepted instruction starts at b (6 readable bytes). */
static enum op classify(const uint8_t *b)
{
	switch (b[0]) {
	case 0x83:
		return OP_DIAG;
	case 0xad:
		return OP_STOSM;
	case 0x80:
		return OP_SSM;
	case 0x82:
		return OP_LPSW;
	case 0xb7:
		return OP_LCTL;
	case 0xae:
		return OP_SIGP;
	case 0xaf:
		return OP_MC;
	case 0xb2:
		switch (b[1]) {
		case 0xb2: return OP_LPSWE;
		case 0x39: return OP_STCRW;
		case 0x5f: return OP_CHSC;
		case 0x04: case 0x06: case 0x07: case 0x08: case 0x09:
			return OP_CLOCK;	/* SCK SCKC STCKC SPT STPT */
		case 0x05: case 0x7c: case 0x78:
			return OP_CLOCK_USER;	/* STCK STCKF STCKE */
		case 0x20: return OP_SERVC;
		case 0x7d: return OP_STSI;
		case 0xb0: return OP_STFLE;
		case 0xb1: return OP_STFL;
		case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35: case 0x36:
		case 0x37: case 0x38: case 0x3a: case 0x3b: case 0x3c: case 0x76:
			return OP_CHANNEL;
		case 0x41: return b[3] & 1 ? OP_CKSM_ODD : OP_NONE;	/* CKSM R1,R2 */
		default: return OP_NONE;
		}
	case 0xb3:
		return b[1] == 0x24 ? OP_LDER : OP_NONE;
	case 0xc8:
		return (b[1] & 0xf) == 2 ? OP_CSST : OP_NONE;
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

/* What Unicorn 2.0.1 cannot translate without crashing (see enum op). */
static bool untranslatable(const uint8_t *b)
{
	enum op op = classify(b);

	return op >= OP_CKSM_ODD || (op == OP_CLOCK && b[1] == 0x04);
}

/*
 * The opcodes put in place of an intercepted instruction's first byte
 * while the translator reads it: unassigned in z/Architecture and in
 * QEMU's decode table (insn-data.def has no 0xa1xx and no 0xc1xx), of the
 * same length, so the translator reads exactly the same bytes after it.
 */
#define TRAP_OP2 0x00
#define TRAP_OP4 0xa1
#define TRAP_OP6 0xc1

static unsigned ilen_of(uint8_t op0)
{
	return zv_insn_length(op0);
}

bool sc_env_flag(const char *name)
{
	const char *v = getenv(name);

	return v && strcmp(v, "0");
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
 * resume there; writing the mask also sets the CC. Once the run is over
 * nothing is written: Unicorn 2.0.1 drops a stop request when the same
 * uc_emu_start() pass also saw a PC write, and a guest looping through
 * interruptions would then never stop. */
void sc_set_psw(struct zv_softcpu *sc, uint64_t mask, uint64_t addr)
{
	if (sc->stop)
		return;
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

	if (sc->stop) {
		uc_emu_stop(sc->uc);	/* again: see sc_set_psw() */
		return;
	}
	va_start(ap, fmt);
	vsnprintf(sc->msg, sizeof(sc->msg), fmt, ap);
	va_end(ap);
	sc->end = end;
	sc->stop = true;
	uc_emu_stop(sc->uc);
	kicker_insist(sc);	/* lost when a hook wrote the PC in this pass */
}

/* The lowcore: the 8 KiB at the prefix (absolute). */
static uint8_t *lowcore(struct zv_softcpu *sc)
{
	return sc->ram + sc_prefix(sc);
}

static void put_psw(struct zv_softcpu *sc, unsigned off, uint64_t mask, uint64_t addr)
{
	be64_put(lowcore(sc) + off, mask);
	be64_put(lowcore(sc) + off + 8, addr);
}

static void wait_for_interrupt(struct zv_softcpu *sc, uint64_t mask, uint64_t addr);
static void check_deadline(struct zv_softcpu *sc);

/* Load an interruption's new PSW at lowcore offset off; a wait PSW there
 * waits (or ends the run, disabled) as LPSWE does. */
static void load_new_psw(struct zv_softcpu *sc, unsigned off)
{
	uint64_t mask = be64_get(lowcore(sc) + off), addr = be64_get(lowcore(sc) + off + 8);

	/* a wait PSW is not written first: a stop after a PC write in the
	 * same hook is one Unicorn forgets */
	if (!(mask & ZV_PSW_MASK_WAIT)) {
		sc_set_psw(sc, mask, addr);
		return;
	}
	if (!(mask & (ZV_PSW_MASK_IO | ZV_PSW_MASK_EXT | ZV_PSW_MASK_MCHECK)))
		sc_fault(sc, ZV_RUN_DISABLED_WAIT, "disabled wait PSW %016llx %016llx",
			 (unsigned long long)mask, (unsigned long long)addr);
	else
		wait_for_interrupt(sc, mask, addr);
}

/* Program-interruption codes whose instruction is nullified or suppressed
 * with the PSW left at it: the DAT exceptions (QEMU's do_program_interrupt
 * advances the PSW for every other code it raises). */
static bool rc_nullifies(int code)
{
	switch (code) {
	case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: case 0x06: case 0x07:
	case 0x08: case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0d: case 0x0e:
	case 0x0f: case 0x12: case 0x13: case 0x15: case 0x1d: case 0x1f: case 0x28:
	case 0x40:
		return false;
	default:
		return true;
	}
}

/* Swap PSWs for a program interruption. old_addr: the next instruction for
 * suppressing exceptions, the instruction itself for nullifying ones. */
static void inject_pgm(struct zv_softcpu *sc, uint64_t mask, uint16_t code, unsigned ilen,
		       uint64_t old_addr)
{
	/* a debugging aid: ZV_DEBUG_PGM=1 in the environment traces each
	 * program interruption and the instruction before the old PSW */
	if (sc->debug_pgm) {
		uint8_t ib[6] = { 0 };

		sc_vcopy(sc, mask, old_addr - ilen, 0, ib, 6, SC_PROBE);
		fprintf(stderr, "[zvfio pgm] code %#x ilen %u old PSW %016llx %016llx teid %016llx, "
			"before it %02x%02x%02x%02x%02x%02x\n", code, ilen, (unsigned long long)mask,
			(unsigned long long)old_addr, (unsigned long long)be64_get(lowcore(sc) + 168),
			ib[0], ib[1], ib[2], ib[3], ib[4], ib[5]);
	}
	put_psw(sc, LC_PGM_OLD_PSW, mask, old_addr);
	be16_put(lowcore(sc) + LC_PGM_ILC, (uint16_t)ilen);	/* ILC in bits 13-14 = length */
	be16_put(lowcore(sc) + LC_PGM_CODE, code);
	/* a new PSW whose first fetch faults again loops here without a block
	 * ever starting: the deadline is checked here too */
	if (!(++sc->st.program_interrupts & 15))
		check_deadline(sc);
	load_new_psw(sc, LC_PGM_NEW_PSW);
}

/* Program exception code of the instruction of length ilen at addr: the
 * old PSW at it when the exception nullifies, after it otherwise. */
static void inject_at(struct zv_softcpu *sc, uint64_t mask, int code, unsigned ilen, uint64_t addr)
{
	inject_pgm(sc, mask, (uint16_t)code, ilen, rc_nullifies(code) ? addr : addr + ilen);
}

/*
 * Present the highest-priority pending interruption that the PSW mask and
 * control registers enable: machine check (channel report) before I/O,
 * and among I/O the lowest ISC first. Returns true if one was presented.
 */
/*
 * A machine check stores the CPU's registers in the lowcore's save areas
 * and says in the interruption code which are valid; Linux's handler
 * reloads them from there (arch/s390/kernel/nmi.c: s390_validate_registers,
 * and 6.12 wants the vector-register bit even without the vector facility).
 * Offsets: Principles of Operation, "Machine-Check Interruption" (fixed
 * storage locations 4608-5119); bits: Linux's union mci.
 */
static uint64_t mcck_save(struct zv_softcpu *sc)
{
	static const unsigned valid[] = { 9, 20, 21, 22, 23, 25, 27, 28, 29, 31, 33, 42, 43, 46, 47 };
	uint8_t *lc = lowcore(sc);
	uint64_t mcic = 0;

	for (int i = 0; i < 16; i++) {
		be64_put(lc + 0x1200 + 8 * i, uc_env64(sc, UC_OFF_VREGS + 16 * (unsigned)i));
		be64_put(lc + 0x1280 + 8 * i, sc_gpr(sc, i));
		be32_put(lc + 0x1340 + 4 * i, uc_env32(sc, UC_OFF_AREGS + 4 * (unsigned)i));
		be64_put(lc + 0x1380 + 8 * i, sc->cr[i]);
	}
	be32_put(lc + 0x1318, (uint32_t)sc_prefix(sc));
	be32_put(lc + 0x131c, uc_env32(sc, UC_OFF_FPC));
	be32_put(lc + 0x1324, 0);					/* TOD programmable */
	be64_put(lc + 0x1328, clock_cpu_timer(sc));
	be64_put(lc + 0x1330, clock_guest_ckc(sc) >> 8);	/* bits 0-55 */
	for (unsigned i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
		mcic |= 1ULL << (63 - valid[i]);
	return mcic;
}

/* The external interruption to present next: the highest-priority
 * condition its CR0 subclass mask enables (Principles of Operation,
 * "External Interruption"); 0 when none. */
static uint16_t ext_next(const struct zv_softcpu *sc)
{
	uint64_t cr0 = sc->cr[0];

	if (sc->emergency && (cr0 & 0x4000))
		return 0x1201;
	if (sc->ext_call && (cr0 & 0x2000))
		return 0x1202;
	if (sc->clk.ckc_pending && (cr0 & 0x800))
		return 0x1004;		/* stays pending until the CKC moves */
	if (sc->clk.cpt_pending && (cr0 & 0x400))
		return 0x1005;		/* stays pending until SPT */
	if (sc->service_signal && (cr0 & 0x200))
		return 0x2401;
	return 0;
}

/* Only the conditions CR0 enables: a CPU timer left negative with its
 * subclass off must not cost every block a look at the PSW. */
static bool ext_pending(const struct zv_softcpu *sc)
{
	return ext_next(sc) != 0;
}

static bool deliver_ext(struct zv_softcpu *sc, uint64_t mask, uint64_t addr)
{
	uint16_t code = ext_next(sc);
	uint32_t parm = 0;

	switch (code) {
	case 0:
		return false;
	case 0x1201:
		sc->emergency = false;
		break;
	case 0x1202:
		sc->ext_call = false;
		break;
	case 0x2401:
		sc->service_signal = false;
		parm = sc->service_parm;
		break;
	default:
		break;
	}
	be32_put(lowcore(sc) + LC_EXT_PARAMS, parm);
	be16_put(lowcore(sc) + LC_EXT_CPU_ADDR, 0);
	be16_put(lowcore(sc) + LC_EXT_INT_CODE, code);
	put_psw(sc, LC_EXT_OLD_PSW, mask, addr);
	sc->st.external_interrupts++;
	load_new_psw(sc, LC_EXT_NEW_PSW);
	return true;
}

static bool deliver(struct zv_softcpu *sc, uint64_t mask, uint64_t addr)
{
	if (sc->mchk_pending && (mask & ZV_PSW_MASK_MCHECK) && (sc->cr[14] & CR14_CRW_MASK)) {
		sc->mchk_pending = false;
		be64_put(lowcore(sc) + LC_MCCK_CODE, mcck_save(sc));
		put_psw(sc, LC_MCCK_OLD_PSW, mask, addr);
		sc->st.mchecks++;
		load_new_psw(sc, LC_MCCK_NEW_PSW);
		return true;
	}
	if ((mask & ZV_PSW_MASK_EXT) && deliver_ext(sc, mask, addr))
		return true;
	if (sc->io_pending && (mask & ZV_PSW_MASK_IO)) {
		for (unsigned isc = 0; isc < 8; isc++) {
			uint8_t bit = (uint8_t)(0x80u >> isc);

			if (!(sc->io_pending & bit) || !(sc->cr[6] & (0x80000000ULL >> isc)))
				continue;
			sc->io_pending &= (uint8_t)~bit;
			/* adapter interruption: no subchannel, AI bit + ISC */
			be32_put(lowcore(sc) + LC_SUBCHANNEL_ID, 0);
			be32_put(lowcore(sc) + LC_IO_INT_PARM, 0);
			be32_put(lowcore(sc) + LC_IO_INT_WORD, IO_INT_WORD_AI | isc << 27);
			put_psw(sc, LC_IO_OLD_PSW, mask, addr);
			sc->st.io_interrupts++;
			load_new_psw(sc, LC_IO_NEW_PSW);
			return true;
		}
	}
	return false;
}

static bool pending(const struct zv_softcpu *sc)
{
	return sc->io_pending || sc->mchk_pending || ext_pending(sc);
}

/* Stopped between an EXECUTE and its target (ucstate_check_ex_value()):
 * no interruption until the target ran. */
static bool in_execute(struct zv_softcpu *sc)
{
	return sc->hookless && uc_env64(sc, UC_OFF_EX_VALUE) != 0;
}

/* Resume at next, presenting an interruption first if one is deliverable. */
static void resume(struct zv_softcpu *sc, uint64_t mask, uint64_t next)
{
	if (!(sc->cfg.exits & ZV_SOFTCPU_EXIT_WAIT) && zv_events_hinted(sc->m))
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
	if (sc->hookless) {
		/* no block hook to stop in: stop here (nothing wrote the PC
		 * in this hook) and let the run loop set it */
		sc->pause_pc = pc;
		uc_emu_stop(sc->uc);
		kicker_insist(sc);
		return;
	}
	uc_reg_write(sc->uc, UC_S390X_REG_PC, &pc);
}

static const int gpr_ids[16] = {
	UC_S390X_REG_R0, UC_S390X_REG_R1, UC_S390X_REG_R2, UC_S390X_REG_R3,
	UC_S390X_REG_R4, UC_S390X_REG_R5, UC_S390X_REG_R6, UC_S390X_REG_R7,
	UC_S390X_REG_R8, UC_S390X_REG_R9, UC_S390X_REG_R10, UC_S390X_REG_R11,
	UC_S390X_REG_R12, UC_S390X_REG_R13, UC_S390X_REG_R14, UC_S390X_REG_R15,
};

/* Apply zv_intercept()'s answer rc for an instruction of length ilen at
 * cpu->psw_addr; before: the registers as they were, so only changed ones
 * are written. */
static void zpci_answer(struct zv_softcpu *sc, const struct zv_cpu *cpu, const uint64_t before[16],
			unsigned ilen, int rc)
{
	uint64_t addr = cpu->psw_addr;

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

/* The CPU's state for an instruction at addr: the GPRs (one batch), the
 * PSW mask. */
static void cpu_at(struct zv_softcpu *sc, uint64_t addr, struct zv_cpu *cpu)
{
	void *ptrs[16];

	*cpu = (struct zv_cpu){ .psw_addr = addr, .opaque = sc };
	for (int i = 0; i < 16; i++)
		ptrs[i] = &cpu->gpr[i];
	uc_reg_read_batch(sc->uc, (int *)gpr_ids, ptrs, 16);
	cpu->psw_mask = sc_pswm(sc);
}

/* Give instruction b (cpu: the state it runs in) to the caller
 * (cfg.exits): the run returns ZV_RUN_INTERCEPT, and
 * zv_softcpu_intercept_done() completes it. ilen: the length the PSW
 * moves by -- the EXECUTE's when b is its target, which has its own. */
static void hand_out(struct zv_softcpu *sc, const struct zv_cpu *cpu, const uint8_t *b, unsigned ilen)
{
	unsigned own = ilen_of(b[0]);

	sc->icpt_cpu = *cpu;
	memset(sc->icpt_insn, 0, sizeof(sc->icpt_insn));
	memcpy(sc->icpt_insn, b, own < sizeof(sc->icpt_insn) ? own : sizeof(sc->icpt_insn));
	sc->icpt_ilen = ilen;
	sc->icpt_pending = true;
	sc_pause(sc, ZV_RUN_INTERCEPT, cpu->psw_addr + ilen);
}

/* A zPCI instruction b, executed at addr by an instruction of length ilen
 * (its own, or that of the EXECUTE that ran it). */
static void do_zpci(struct zv_softcpu *sc, uint64_t addr, const uint8_t *b, unsigned ilen)
{
	struct zv_cpu cpu;
	uint64_t before[16];
	int rc;

	cpu_at(sc, addr, &cpu);
	if (sc->cfg.exits & ZV_SOFTCPU_EXIT_ZPCI) {
		hand_out(sc, &cpu, b, ilen);
		return;
	}
	memcpy(before, cpu.gpr, sizeof(before));
	rc = zv_intercept(sc->m, &cpu, (uint16_t)(b[0] << 8 | b[1]),
			  (uint32_t)b[2] << 24 | (uint32_t)b[3] << 16 | (uint32_t)b[4] << 8 | b[5]);
	zpci_answer(sc, &cpu, before, ilen, rc);
}

/* The effective address of a base-displacement operand (12-bit D). */
static uint64_t addr_bd(struct zv_softcpu *sc, unsigned base, uint64_t d, uint64_t mask)
{
	uint64_t a = d + (base ? sc_gpr(sc, (int)base) : 0);

	return mask & ZV_PSW_MASK_EA ? a : mask & ZV_PSW_MASK_BA ? a & 0x7fffffff : a & 0xffffff;
}

/* Second-operand address of an S/RS-format instruction (12-bit D2). */
static uint64_t addr_s(struct zv_softcpu *sc, const uint8_t *b, uint64_t mask)
{
	return addr_bd(sc, b[2] >> 4, (uint64_t)((b[2] & 0xf) << 8 | b[3]), mask);
}

/*
 * An enabled wait: device events in host time, and the timers the wait
 * enables in virtual time, which jumps to the earliest of them when
 * nothing else is pending (idle fast-forward) -- unless a device works in
 * host time (vfio:), when the wait lasts until the timer in host time too.
 */
static void wait_body(struct zv_softcpu *sc, uint64_t mask, uint64_t addr);
static uint64_t next_timer(struct zv_softcpu *sc);

static void wait_for_interrupt(struct zv_softcpu *sc, uint64_t mask, uint64_t addr)
{
	/* the waiting thread watches the devices itself */
	if (sc->hookless)
		kicker_leave(sc, true);
	wait_body(sc, mask, addr);
	if (sc->hookless)	/* no system call between the event and its handler */
		kicker_enter(sc, next_timer(sc), sc->con_in_len == 0 && !sc->con_in_eof, false);
}

static void wait_body(struct zv_softcpu *sc, uint64_t mask, uint64_t addr)
{
	bool ext = mask & ZV_PSW_MASK_EXT;

	sc->st.waits++;
	for (;;) {
		uint64_t ns;

		clock_update(sc);
		sclp_poll_input(sc);
		if (pending(sc) && deliver(sc, mask, addr))
			return;
		if (sc->stop)
			return;
		if (sc->deadline && sc_now() > sc->deadline) {
			sc_fault(sc, ZV_RUN_TIMEOUT, "timeout: the guest waited for an interrupt that never came");
			return;
		}
		ns = ext ? clock_next_ns(sc, sc->cr[0] & 0x800, sc->cr[0] & 0x400) : UINT64_MAX;
		if (ns == UINT64_MAX) {
			zv_dispatch_wait(sc->m, zv_events_hinted(sc->m) ? 0 : 50);
		} else if (sc->cfg.has_console_in && !sc->con_in_eof) {
			/* with console input open someone may be typing: time
			 * then passes as it does for them, up to the timer */
			struct pollfd p[2] = {
				{ .fd = sc->cfg.console_in, .events = POLLIN },
				{ .fd = zv_poll_fd(sc->m), .events = POLLIN },
			};

			poll(p, 2, ns > 50000000 ? 50 : (int)(ns / 1000000));
			zv_dispatch_wait(sc->m, 0);
		} else if (zv_host_time_devices(sc->m)) {
			/* a device working in host time may be busy: the
			 * guest's clock must not run ahead of it (a skip to
			 * the next timer can be a skip to the driver's
			 * timeout for the command the device is doing) */
			uint64_t ms = (ns + 999999) / 1000000;

			zv_dispatch_wait(sc->m, ms > 50 ? 50 : (int)ms);
		} else if (zv_dispatch_wait(sc->m, 0) == 0) {
			clock_skip(sc, ns);	/* the devices are quiet: on to the timer */
		}
		if (sc->cfg.progress && sc_now() >= sc->next_progress) {
			sc->next_progress = sc_now() + 1.0;
			sc->cfg.progress(sc->cfg.progress_opaque, sc);
		}
	}
}

static void load_psw(struct zv_softcpu *sc, uint64_t nmask, uint64_t naddr);

/* LPSWE, emulated (it traps, as every intercepted instruction does):
 * load the PSW, or wait when it is an enabled wait PSW. */
static void do_lpswe(struct zv_softcpu *sc, uint64_t addr, const uint8_t *b, unsigned ilen,
		     uint64_t mask)
{
	uint64_t a = addr_s(sc, b, mask);
	uint8_t psw[16];
	int rc;

	if (mask & ZV_PSW_MASK_PSTATE) {
		inject_pgm(sc, mask, ZV_PGM_PRIVILEGED, ilen, addr + ilen);
		return;
	}
	if (a & 7) {
		inject_pgm(sc, mask, ZV_PGM_SPECIFICATION, ilen, addr + ilen);
		return;
	}
	rc = sc_vcopy(sc, mask, a, b[2] >> 4, psw, 16, SC_READ);
	if (rc) {
		inject_at(sc, mask, rc, ilen, addr);
		return;
	}
	load_psw(sc, be64_get(psw), be64_get(psw + 8));
}

/* Load the PSW nmask/naddr (LPSWE, LPSW), or wait when it is an enabled
 * wait PSW. */
static void load_psw(struct zv_softcpu *sc, uint64_t nmask, uint64_t naddr)
{
	/* an invalid PSW: bits 0, 2-4, 12, 24-30 and 33-63 must be 0, EA needs
	 * BA, and the address must fit the addressing mode (the exception is
	 * recognized after the PSW is loaded: the old PSW is the new one,
	 * ILC 0) */
	if ((nmask & 0xb80800fe00000000ULL) || (nmask & 0x7fffffffULL) ||
	    ((nmask & ZV_PSW_MASK_EA) && !(nmask & ZV_PSW_MASK_BA)) ||
	    (!(nmask & ZV_PSW_MASK_EA) && (naddr >> ((nmask & ZV_PSW_MASK_BA) ? 31 : 24)))) {
		inject_pgm(sc, nmask, ZV_PGM_SPECIFICATION, 0, naddr);
		return;
	}
	if ((nmask & ZV_PSW_MASK_PSTATE) && !sc->user_at)
		sc->user_at = sc_now() - sc->t_start;	/* the first user-space instruction */
	if (!(nmask & ZV_PSW_MASK_WAIT)) {
		resume(sc, nmask, naddr);
		return;
	}
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

/* The second-operand address of an RSY-format instruction (20-bit signed
 * displacement DH2:DL2). */
static uint64_t addr_rsy(struct zv_softcpu *sc, const uint8_t *b, uint64_t mask)
{
	/* DH2:DL2 in the top 20 bits, then shifted down with its sign */
	int32_t d = (int32_t)((uint32_t)b[4] << 24 | (uint32_t)(b[2] & 0xf) << 20 | (uint32_t)b[3] << 12) >> 12;

	return addr_bd(sc, b[2] >> 4, (uint64_t)(int64_t)d, mask);
}

/*
 * STOSM, SSM and LPSW (privileged; the caller checked): the instructions
 * that can open the PSW to a pending interruption, which is presented
 * right after them (resume()). Principles of Operation: STOSM stores PSW
 * bits 0-7 at D1(B1), then ORs I2 into them; SSM loads them from D2(B2)
 * (a special-operation exception when CR0's SSM-suppression bit is on);
 * LPSW loads an ESA/390-format PSW (bit 12 one; bit 32 the 31-bit mode,
 * bits 33-63 the address). Bits 0 and 2-4 of a system mask must be zero:
 * otherwise the new PSW is invalid, an early specification exception
 * (ILC 0, the old PSW the new one), as LPSWE's invalid PSWs are.
 */
static void do_system_mask(struct zv_softcpu *sc, enum op op, uint64_t addr, const uint8_t *b,
			   unsigned ilen, uint64_t mask)
{
	uint8_t v = (uint8_t)(mask >> 56), p[8];
	uint64_t a;
	int rc;

	switch (op) {
	case OP_STOSM:		/* SI: B1D1 where S has B2D2 */
		rc = sc_vcopy(sc, mask, addr_s(sc, b, mask), b[2] >> 4, &v, 1, SC_WRITE);
		v |= b[1];
		break;
	case OP_SSM:
		if (sc->cr[0] & CR0_SSM_SUPPRESS) {
			inject_pgm(sc, mask, ZV_PGM_SPECIAL_OP, ilen, addr + ilen);
			return;
		}
		rc = sc_vcopy(sc, mask, addr_s(sc, b, mask), b[2] >> 4, &v, 1, SC_READ);
		break;
	default:	/* OP_LPSW */
		a = addr_s(sc, b, mask);
		if (a & 7) {
			inject_pgm(sc, mask, ZV_PGM_SPECIFICATION, ilen, addr + ilen);
			return;
		}
		rc = sc_vcopy(sc, mask, a, b[2] >> 4, p, 8, SC_READ);
		if (rc)
			break;
		if (!(be32_get(p) & 0x00080000u)) {
			inject_pgm(sc, mask, ZV_PGM_SPECIFICATION, ilen, addr + ilen);
			return;
		}
		load_psw(sc, (uint64_t)(be32_get(p) & ~0x00080000u) << 32 |
			 (be32_get(p + 4) & 0x80000000u ? ZV_PSW_MASK_BA : 0),
			 be32_get(p + 4) & 0x7fffffff);
		return;
	}
	if (rc) {
		inject_at(sc, mask, rc, ilen, addr);
		return;
	}
	mask = (mask & ~(0xffULL << 56)) | (uint64_t)v << 56;
	if (v & 0xb8) {
		inject_pgm(sc, mask, ZV_PGM_SPECIFICATION, 0, addr + ilen);
		return;
	}
	resume(sc, mask, addr + ilen);
}

/*
 * LCTL and LCTLG (privileged): control registers r1 through r3 (wrapping
 * after 15) from the second operand, word (low halves) or doubleword
 * aligned. The TLB goes, as QEMU's helpers flush it (translation depends
 * on CR0, CR1, CR7 and CR13), and low-address protection stays off (see
 * hook_block()). A subclass or ISC mask they open presents a pending
 * interruption right after.
 */
static void do_lctl(struct zv_softcpu *sc, enum op op, uint64_t addr, const uint8_t *b,
		    unsigned ilen, uint64_t mask)
{
	unsigned r1 = b[1] >> 4, r3 = b[1] & 0xf, n = ((r3 - r1) & 15) + 1;
	unsigned w = op == OP_LCTLG ? 8 : 4;
	uint64_t a = op == OP_LCTLG ? addr_rsy(sc, b, mask) : addr_s(sc, b, mask);
	uint8_t buf[16 * 8];
	int rc;

	if (a & (w - 1)) {
		inject_pgm(sc, mask, ZV_PGM_SPECIFICATION, ilen, addr + ilen);
		return;
	}
	rc = sc_vcopy(sc, mask, a, b[2] >> 4, buf, n * w, SC_READ);
	if (rc) {
		inject_at(sc, mask, rc, ilen, addr);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned c = (r1 + i) & 15;

		sc->cr[c] = w == 8 ? be64_get(buf + 8 * i)
				   : (sc->cr[c] & ~0xffffffffULL) | be32_get(buf + 4 * i);
	}
	sc->cr[0] &= ~CR0_LAP;
	ucstore_tlb_flush(sc);
	resume(sc, mask, addr + ilen);
}

/* The deadline, checked where work is done: intercepts and block starts
 * (every 1024th: a clock read is cheap, but not free). */
static void check_deadline(struct zv_softcpu *sc)
{
	if (sc->deadline && sc_now() > sc->deadline)
		sc_fault(sc, ZV_RUN_TIMEOUT, "timeout after %u s", sc->cfg.timeout_s);
}

/*
 * Run the intercepted instruction b (bytes as executed) at addr; ilen is
 * the length of the instruction at addr -- b's own, or the EXECUTE's
 * whose target b is: the PSW then continues after the EXECUTE, and a
 * program interruption reports the EXECUTE's length.
 */
static void run_intercept(struct zv_softcpu *sc, uint64_t addr, const uint8_t *b, unsigned ilen)
{
	uint64_t mask;
	enum op op = classify(b);
	int rc = 0;

	if (op == OP_NONE)
		return;
	sc->st.intercepts++;
	/* an intercept does bounded work (at most a millisecond or so: an
	 * RPCIT step), so every 16th look at the clock keeps --timeout */
	if (!(sc->st.intercepts & 15))
		check_deadline(sc);
	if (sc->stop)
		return;
	if (op == OP_ZPCI) {
		do_zpci(sc, addr, b, ilen);
		return;
	}
	mask = sc_pswm(sc);
	switch (op) {	/* the unprivileged ones Unicorn cannot translate */
	case OP_CKSM_ODD:	/* R2 must be even (Principles of Operation, CKSM) */
		inject_pgm(sc, mask, ZV_PGM_SPECIFICATION, ilen, addr + ilen);
		return;
	case OP_CSST:	/* facilities 32 and 33, which Linux's z10 level requires */
		rc = sys_csst(sc, b, mask, addr_bd(sc, b[2] >> 4, (uint64_t)((b[2] & 0xf) << 8 | b[3]), mask),
			      addr_bd(sc, b[4] >> 4, (uint64_t)((b[4] & 0xf) << 8 | b[5]), mask));
		goto done;
	case OP_LDER:
		sc_fault(sc, ZV_RUN_FAULT,
			 "LDER (hexadecimal floating point) at %#llx: Unicorn 2.0.1 cannot translate it",
			 (unsigned long long)addr);
		return;
	case OP_CLOCK_USER:	/* STCK STCKF STCKE: any state */
		rc = clock_insn(sc, b[1], mask, addr_s(sc, b, mask), b[2] >> 4);
		goto done;
	case OP_STFLE:
		rc = sys_stfle(sc, mask, addr_s(sc, b, mask), b[2] >> 4);
		goto done;
	case OP_MC:
		rc = sys_mc(sc, b, addr_s(sc, b, mask));
		goto done;
	default:
		break;
	}
	if (mask & ZV_PSW_MASK_PSTATE) {
		inject_pgm(sc, mask, ZV_PGM_PRIVILEGED, ilen, addr + ilen);
		return;
	}
	switch (op) {
	case OP_LPSWE:
		do_lpswe(sc, addr, b, ilen, mask);
		return;
	case OP_STOSM: case OP_SSM: case OP_LPSW:
		do_system_mask(sc, op, addr, b, ilen, mask);
		return;
	case OP_LCTL: case OP_LCTLG:
		do_lctl(sc, op, addr, b, ilen, mask);
		return;
	case OP_DIAG:
		if ((sc->cfg.exits & ZV_SOFTCPU_EXIT_HYPERCALL) && sys_diag_code(sc, b) == ZV_HC_DIAG_CODE) {
			struct zv_cpu cpu;

			cpu_at(sc, addr, &cpu);
			sc->st.hypercalls++;
			hand_out(sc, &cpu, b, ilen);
			return;
		}
		rc = sys_diag(sc, b);
		break;
	case OP_STCRW:
		rc = sys_stcrw(sc, b, mask, addr_s(sc, b, mask));
		break;
	case OP_CHSC:
		rc = sys_chsc(sc, b, mask);
		break;
	case OP_CLOCK:
		rc = clock_insn(sc, b[1], mask, addr_s(sc, b, mask), b[2] >> 4);
		if (sc->hookless) {	/* a new clock comparator or CPU timer */
			clock_update(sc);
			kicker_rearm(sc, next_timer(sc));
		}
		break;
	case OP_SERVC:		/* SERVC R1,R2: command word, SCCB */
		rc = sclp_servc(sc, (uint32_t)sc_gpr(sc, b[3] >> 4), sc_gpr(sc, b[3] & 0xf));
		break;
	case OP_SIGP:
		rc = sys_sigp(sc, b, addr_s(sc, b, mask));
		break;
	case OP_STSI:
		rc = sys_stsi(sc, mask, addr_s(sc, b, mask), b[2] >> 4);
		break;
	case OP_STFL:
		sys_stfl(sc);
		break;
	case OP_CHANNEL:
		rc = sys_channel_io(sc, b);
		break;
	default:
		return;
	}
done:
	if (sc->stop)
		return;
	if (rc) {
		inject_at(sc, sc_pswm(sc), rc, ilen, addr);
		return;
	}
	resume(sc, sc_pswm(sc), addr + ilen);
}

/* The instruction at addr, an instruction address of the current PSW
 * (through DAT when it is on, prefixed); false when it cannot be fetched.
 * No side effect: a failed translation stores nothing. */
static bool fetch(struct zv_softcpu *sc, uint64_t addr, uint8_t b[6])
{
	uint64_t mask = sc_pswm(sc);

	memset(b, 0, 6);
	return !sc_vcopy(sc, mask, addr, 0, b, 6, SC_PROBE) ||
	       !sc_vcopy(sc, mask, addr, 0, b, 4, SC_PROBE) ||
	       !sc_vcopy(sc, mask, addr, 0, b, 2, SC_PROBE);
}

/* Opcodes whose first byte says "maybe intercepted": EXECUTE ORs bits into
 * the second byte, so for its target the first byte is all there is to go
 * by before the OR. */
static bool execute_family(uint8_t op0)
{
	return op0 == 0x83 || op0 == 0xae || op0 == 0xaf || op0 == 0xb2 || op0 == 0xb3 ||
	       op0 == 0xb9 || op0 == 0xc8 || op0 == 0xe3 || op0 == 0xeb || op0 == 0xad ||
	       op0 == 0x80 || op0 == 0x82 || op0 == 0xb7;
}

static bool is_execute(const uint8_t *b)
{
	return b[0] == 0x44 || (b[0] == 0xc6 && (b[1] & 0xf) == 0);
}

/* The instruction EXECUTE x at addr runs, in b (R1's low byte ORed into
 * its second byte), and the EXECUTE's length; false when the target is
 * none the machine might intercept. */
static bool execute_target(struct zv_softcpu *sc, uint64_t addr, const uint8_t *x, uint8_t b[6],
			   unsigned *ilen)
{
	uint64_t mask = sc_pswm(sc), t;
	unsigned r1 = x[1] >> 4;

	if (x[0] == 0x44) {		/* EX R1,D2(X2,B2) */
		unsigned xr = x[1] & 0xf;

		t = addr_bd(sc, x[2] >> 4, (uint64_t)((x[2] & 0xf) << 8 | x[3]) +
			    (xr ? sc_gpr(sc, (int)xr) : 0), mask);
		*ilen = 4;
	} else {			/* EXRL R1,RI2 */
		int32_t ri = (int32_t)((uint32_t)x[2] << 24 | (uint32_t)x[3] << 16 |
				       (uint32_t)x[4] << 8 | x[5]);

		t = addr + (uint64_t)(int64_t)ri * 2;
		if (!(mask & ZV_PSW_MASK_EA))
			t &= mask & ZV_PSW_MASK_BA ? 0x7fffffff : 0xffffff;
		*ilen = 6;
	}
	if ((t & 1) || !fetch(sc, t, b) || !execute_family(b[0]))
		return false;
	if (r1)
		b[1] |= (uint8_t)sc_gpr(sc, (int)r1);
	return true;
}

/*
 * EXECUTE (EX, EXRL) at addr that trapped (its target was read as a trap
 * by hook_fetch): run the target as the CPU would -- its second byte ORed
 * with R1's low byte -- with the EXECUTE's length. When the OR made it an
 * instruction the machine does not intercept, run the EXECUTE again with
 * its target read as it is. False when it was no such EXECUTE.
 */
static bool run_execute(struct zv_softcpu *sc, uint64_t addr, const uint8_t *x)
{
	unsigned ilen;
	uint8_t b[6];

	if (!execute_target(sc, addr, x, b, &ilen))
		return false;
	if (classify(b) == OP_NONE) {
		sc->ex_pass = addr;
		sc_set_psw(sc, sc_pswm(sc), addr);
		return true;
	}
	run_intercept(sc, addr, b, ilen);
	return true;
}

/* ---- finding intercepts at translation (see the top of this file) ---- */

static void unpatch(struct zv_softcpu *sc)
{
	if (sc->patch_at != UINT64_MAX) {
		sc->ram[sc->patch_at] = sc->patch_byte;
		sc->patch_at = UINT64_MAX;
	}
}

/*
 * Unicorn calls this before each code read of its translator and of
 * EXECUTE (RAM has no execute permission), never while code runs. The
 * first read of an instruction is 2 bytes at its address; the next is of
 * the same instruction (4 bytes at it or 2 past it) -- except after
 * EXECUTE read a 4-byte target's first halfword: then its next read is 2
 * bytes at target + 2, which is no instruction of its own.
 */
static bool hook_fetch(uc_engine *uc, uc_mem_type type, uint64_t addr, int size, int64_t value,
		       void *opaque)
{
	struct zv_softcpu *sc = opaque;
	bool cont = size == 2 && addr == sc->fetch_cont, ex_read;
	uint8_t b[6], x[6];
	uint64_t pc = 0, abs = 0;

	(void)uc;
	(void)type;
	(void)value;
	if (addr == sc->probe_fetch_stop) {	/* ucstate_check_ex_value() */
		uc_emu_stop(uc);
		return true;
	}
	unpatch(sc);
	sc->fetch_cont = UINT64_MAX;
	if (size != 2 || cont)
		return true;
	/* the address is logical: where it is in RAM, if anywhere (code
	 * outside RAM cannot run: the run stops there) */
	switch (sc_translate(sc, sc_pswm(sc), addr, 0, SC_PROBE, &abs)) {
	case 0:
		break;
	case ZV_PGM_ADDRESSING:
		sc_fault(sc, ZV_RUN_FAULT, "the guest executes at %#llx: outside its RAM",
			 (unsigned long long)addr);
		return false;
	default:
		return true;	/* Unicorn raises the DAT exception itself */
	}
	if (!fetch(sc, addr, b))
		return true;
	if (ilen_of(b[0]) == 4)
		sc->fetch_cont = addr + 2;
	/* EXECUTE reading its target: QEMU points the PSW at the EXECUTE
	 * before the read, and an EXECUTE ends its block, so a read elsewhere
	 * while the PSW is at one is the target's */
	uc_reg_read(sc->uc, UC_S390X_REG_PC, &pc);
	ex_read = pc != addr && fetch(sc, pc, x) && is_execute(x);
	if (ex_read && sc->ex_pass == pc) {
		sc->ex_pass = UINT64_MAX;	/* run_execute: run it as it is */
		sc->ex_passed = pc;
		return true;
	}
	/* a new translation: an EXECUTE run as it is before is over */
	sc->ex_passed = UINT64_MAX;
	/* a breakpoint (payload.c): the same trap, of the instruction's length */
	if (!ex_read && sc->pl && sc->intercepting && payload_is_break(sc, addr)) {
		sc->patch_at = abs;
		sc->patch_byte = b[0];
		sc->ram[abs] = ilen_of(b[0]) == 6 ? TRAP_OP6 : ilen_of(b[0]) == 4 ? TRAP_OP4 : TRAP_OP2;
		return true;
	}
	if (ex_read ? !execute_family(b[0]) : classify(b) == OP_NONE)
		return true;
	/* the start-up probes run LCTLG and the like as Unicorn does */
	if (!sc->intercepting)
		return true;
	/* --hook-all finds intercepts with its code hook, but what Unicorn
	 * cannot translate must not reach its translator either way */
	if (sc->cfg.hook_all && !ex_read && !untranslatable(b))
		return true;
	/* the translator sees an unassigned opcode of the same length here,
	 * and the real byte again at its next read */
	sc->patch_at = abs;
	sc->patch_byte = b[0];
	sc->ram[abs] = ilen_of(b[0]) == 6 ? TRAP_OP6 : TRAP_OP4;
	sc->st.translated_sites++;
	return true;
}

/* A block was translated: remember how many instructions it has. */
static void hook_edge(uc_engine *uc, uc_tb *cur, uc_tb *prev, void *opaque)
{
	struct zv_softcpu *sc = opaque;
	struct sc_tbinfo *t = &sc->tbinfo[(cur->pc >> 1) & (TBINFO - 1)];

	(void)uc;
	(void)prev;
	t->pc = cur->pc;
	t->icount = cur->icount;
}

/* The comparison mode (--hook-all): a hook on every instruction with the
 * cheapest filter, the first byte, in front of the intercept. */
static void hook_every(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
	struct zv_softcpu *sc = opaque;
	uint8_t b[6];

	(void)uc;
	(void)size;
	unsigned ilen;
	uint8_t t[6];

	/* the cheap filter where the address is absolute (DAT off, prefix 0);
	 * through DAT otherwise */
	if (addr < sc->ram_size && !(sc_pswm(sc) & ZV_PSW_MASK_DAT) && !sc_prefix(sc) &&
	    !(execute_family(sc->ram[addr]) || sc->ram[addr] == 0x44 || sc->ram[addr] == 0xc6))
		return;
	if (!fetch(sc, addr, b) || !(execute_family(b[0]) || b[0] == 0x44 || b[0] == 0xc6))
		return;
	if (classify(b) != OP_NONE)
		run_intercept(sc, addr, b, ilen_of(b[0]));
	else if (is_execute(b) && execute_target(sc, addr, b, t, &ilen) && classify(t) != OP_NONE)
		run_intercept(sc, addr, t, ilen);
}

/* With wait exits the devices' events are the caller's: a run that meets
 * them ends (ZV_RUN_EVENTS) at pc, the next instruction. */
static void events_exit(struct zv_softcpu *sc, uint64_t pc)
{
	bool ready = atomic_exchange(&sc->kick.dev_ready, false);

	if (!ready && !zv_events_hinted(sc->m))
		return;
	if (sc->hookless) {	/* between two runs of the CPU: it is at pc */
		sc->pause = true;
		sc->pause_why = ZV_RUN_EVENTS;
		return;
	}
	sc_pause(sc, ZV_RUN_EVENTS, pc);
}

static void periodic(struct zv_softcpu *sc, uint64_t pc)
{
	double now = sc_now();

	clock_update(sc);
	sclp_poll_input(sc);
	if (sc->cfg.exits & ZV_SOFTCPU_EXIT_WAIT)	/* the caller's */
		events_exit(sc, pc);
	else
		zv_dispatch(sc->m);
	if (sc->pl)
		payload_poll(sc);
	check_deadline(sc);
	if (sc->cfg.progress && now >= sc->next_progress) {
		sc->next_progress = now + 1.0;
		sc->cfg.progress(sc->cfg.progress_opaque, sc);
	}
}

/* The start of each block: where interruptions are presented, and where
 * the machine looks at the clock (every 1024 blocks: a block is at most a
 * few hundred instructions, so the deadline holds within milliseconds). */
static void hook_block(uc_engine *uc, uint64_t addr, uint32_t size, void *opaque)
{
	struct zv_softcpu *sc = opaque;

	if (sc->pause || sc->stop) {
		uc_emu_stop(uc);
		return;
	}
	unpatch(sc);	/* a translation can end without a second read */
	/* Unicorn 2.0.1 raises spurious protection exceptions for stores
	 * above lowcore offset 511 while CR0's low-address protection is on
	 * (rigs/linux-on-unicorn/NOTES.md, defect 2): the machine runs without
	 * it. LCTL ends its block, so this sees every load of CR0. */
	if (sc->cr[0] & CR0_LAP)
		sc->cr[0] &= ~CR0_LAP;
	/* the target of an EXECUTE is a block of its own at the EXECUTE's
	 * address; any other block means the EXECUTE is over */
	if (addr != sc->ex_passed)
		sc->ex_passed = UINT64_MAX;
	sc->st.blocks++;
	{
		const struct sc_tbinfo *t = &sc->tbinfo[(addr >> 1) & (TBINFO - 1)];

		if (t->pc == addr) {
			sc->st.instructions += t->icount;
		} else {
			sc->st.instructions += size > 4 ? size / 4 : 1;
			sc->st.blocks_estimated++;
		}
	}
	if (++sc->blocks_since_poll >= 1024 || zv_events_hinted(sc->m)) {
		sc->blocks_since_poll = 0;
		periodic(sc, addr);
		if (sc->stop || sc->pause)
			return;
	}
	if (pending(sc))
		deliver(sc, sc_pswm(sc), addr);
}

/* QEMU's exception numbers (target/s390x/cpu.h) as UC_HOOK_INTR gets them */
#define EXCP_SVC 2
#define EXCP_PGM 3

/*
 * Interruptions Unicorn raised itself. A program interruption at an
 * intercepted instruction (a trap left by hook_fetch, or a privileged one
 * in problem state), or at an EXECUTE of one, is the intercept; any other
 * is the guest's own and is presented through the lowcore with the code
 * and length Unicorn recorded in its CPU state, as is SUPERVISOR CALL.
 */
static void interruption(uc_engine *uc, uint32_t intno, struct zv_softcpu *sc);

/* A run that ended here stops (again: see sc_set_psw()). */
static void hook_intr(uc_engine *uc, uint32_t intno, void *opaque)
{
	struct zv_softcpu *sc = opaque;

	interruption(uc, intno, sc);
	/* with no block hook, what the PSW just loaded opens is presented
	 * now (a handler's new PSW usually keeps it closed) */
	for (int i = 0; sc->hookless && i < 4 && !sc->stop && !sc->pause && pending(sc); i++) {
		uint64_t pc = 0;

		uc_reg_read(uc, UC_S390X_REG_PC, &pc);
		if (!deliver(sc, sc_pswm(sc), pc))
			break;
	}
	if (sc->stop)
		uc_emu_stop(uc);
}

static void interruption(uc_engine *uc, uint32_t intno, struct zv_softcpu *sc)
{
	uint64_t pc = 0;
	uint32_t code, ilen;
	uint8_t b[6] = {0};

	unpatch(sc);
	uc_reg_read(uc, UC_S390X_REG_PC, &pc);
	if (intno == EXCP_SVC) {
		ilen = uc_env32(sc, UC_OFF_SVC_CODE + 4);

		sc->st.svc_interrupts++;
		be16_put(lowcore(sc) + LC_SVC_ILC, (uint16_t)ilen);
		be16_put(lowcore(sc) + LC_SVC_CODE, (uint16_t)uc_env32(sc, UC_OFF_SVC_CODE));
		put_psw(sc, LC_SVC_OLD_PSW, sc_pswm(sc), pc + ilen);
		load_new_psw(sc, LC_SVC_NEW_PSW);
		return;
	}
	if (intno != EXCP_PGM) {
		sc_fault(sc, ZV_RUN_FAULT, "unicorn raised interruption %u at %#llx: the software "
			 "machine does not know it", intno, (unsigned long long)pc);
		return;
	}
	code = uc_env32(sc, UC_OFF_PGM_CODE) & 0xffff;
	ilen = uc_env32(sc, UC_OFF_PGM_CODE + 4);
	fetch(sc, pc, b);
	if (code == ZV_PGM_OPERATION && sc->pl && payload_hit(sc, pc))
		return;
	/* a trap hook_fetch left (an operation exception), or, with
	 * --hook-all, an intercepted privileged instruction in problem state */
	if ((code == ZV_PGM_OPERATION || code == ZV_PGM_PRIVILEGED) && classify(b) != OP_NONE) {
		run_intercept(sc, pc, b, ilen_of(b[0]));
		return;
	}
	/* an exception of an EXECUTE whose target ran as it is comes from
	 * the target itself (an invalid opcode, say), not from a trap: it
	 * is not run again (that would never end) */
	if (code == ZV_PGM_OPERATION && is_execute(b) && sc->ex_passed != pc &&
	    run_execute(sc, pc, b))
		return;
	sc->ex_passed = UINT64_MAX;
	/* the guest's own exception, presented as QEMU presents it: the PSW
	 * after the instruction unless the exception nullifies */
	if (ilen != 2 && ilen != 4 && ilen != 6)
		ilen = ilen_of(b[0]);
	inject_at(sc, sc_pswm(sc), (int)code, ilen, pc);
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

/* An access to absolute storage beyond RAM (through a DAT table that
 * points there, say): Unicorn 2.0.1 cannot be made to present the
 * addressing exception from here, so the machine stops, and no host
 * memory is touched. */
static uint64_t mmio_read(uc_engine *uc, uint64_t off, unsigned size, void *opaque)
{
	struct zv_softcpu *sc = opaque;

	(void)uc;
	(void)size;
	sc_fault(sc, ZV_RUN_FAULT, "the guest reads absolute address %#llx, beyond its RAM",
		 (unsigned long long)(off + sc->ram_size));
	return 0;
}

static void mmio_write(uc_engine *uc, uint64_t off, unsigned size, uint64_t v, void *opaque)
{
	struct zv_softcpu *sc = opaque;

	(void)uc;
	(void)size;
	(void)v;
	if (sc->probe_stop) {	/* ucstate_check_no_exit() */
		uc_emu_stop(uc);
		return;
	}
	sc_fault(sc, ZV_RUN_FAULT, "the guest writes absolute address %#llx, beyond its RAM",
		 (unsigned long long)(off + sc->ram_size));
}

/* The engine's logical addresses (zPCI operands) go through the guest's DAT. */
static int cb_translate(void *opaque, const struct zv_cpu *cpu, uint64_t logical, uint8_t ar,
			bool write, uint64_t *absolute)
{
	return sc_translate(opaque, cpu->psw_mask, logical, ar, write ? SC_WRITE : SC_READ, absolute);
}

/* The guest's TOD clock, as STCK stores it: measurement blocks run on it. */
static uint64_t cb_tod(void *opaque)
{
	struct zv_softcpu *sc = opaque;

	return sc->started ? clock_guest_tod(sc) : 0;
}

static const struct zv_hv_ops softcpu_hv_ops = {
	.translate = cb_translate,
	.tod = cb_tod,
	.inject_adapter = cb_inject_adapter,
	.crw_pending = cb_crw_pending,
};

/* uc_hook_add(), counted (zv_softcpu_stats.unicorn_hooks) */
static uc_err add_hook(struct zv_softcpu *sc, uc_hook *h, int type, void *cb, void *data,
		       uint64_t begin, uint64_t end)
{
	uc_err ue = uc_hook_add(sc->uc, h, type, cb, data, begin, end);

	sc->st.unicorn_hooks += ue == UC_ERR_OK;
	return ue;
}

ZV_API struct zv_softcpu *zv_softcpu_create(const struct zv_softcpu_config *cfg, char *err,
					    size_t errlen)
{
	struct zv_softcpu *sc;
	struct zv_mem_region mem;
	uc_hook h;
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
	sc->debug_pgm = getenv("ZV_DEBUG_PGM") != NULL;
	sc->ram_size = cfg->mem_size ? cfg->mem_size : 256ULL << 20;
	sc->console = cfg->console ? cfg->console : stdout;
	if (sc->ram_size & 0xfffff || sc->ram_size < (1ULL << 20)) {
		snprintf(err, errlen, "memory size must be a multiple of 1 MiB, at least 1 MiB");
		errno = EINVAL;
		goto err;
	}
	if ((uintptr_t)cfg->ram & 0xfff) {
		snprintf(err, errlen, "the caller's RAM must be page-aligned");
		errno = EINVAL;
		goto err;
	}
	sc->ram = cfg->ram ? cfg->ram : mmap(NULL, sc->ram_size, PROT_READ | PROT_WRITE,
					     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (sc->ram == MAP_FAILED) {
		sc->ram = NULL;
		snprintf(err, errlen, "cannot allocate %llu bytes of guest memory: %s",
			 (unsigned long long)sc->ram_size, strerror(errno));
		goto err;
	}
	{
		struct zv_mem_region r = { .gpa = 0, .size = sc->ram_size, .host = sc->ram };
		struct zv_guest_env_config ec = { .mem = &r, .n_mem = 1, .console = sc->console,
						  .args = cfg->args };

		sc->genv = zv_guest_env_create(&ec, err, errlen);
		if (!sc->genv)
			goto err;
	}
	ue = uc_open(UC_ARCH_S390X, UC_MODE_BIG_ENDIAN, &sc->uc);
	if (ue == UC_ERR_OK)
		ue = uc_ctl_set_cpu_model(sc->uc, UC_CPU_S390X_MAX);
	/* no execute permission: Unicorn then asks hook_fetch before each
	 * code read of its translator -- where intercepts are found */
	if (ue == UC_ERR_OK)
		ue = uc_mem_map_ptr(sc->uc, 0, sc->ram_size, UC_PROT_READ | UC_PROT_WRITE, sc->ram);
	sc->patch_at = sc->fetch_cont = sc->ex_pass = sc->ex_passed = UINT64_MAX;
	sc->probe_fetch_stop = UINT64_MAX;
	if (ue == UC_ERR_OK)
		ue = add_hook(sc, &h, UC_HOOK_MEM_FETCH_PROT, (void *)hook_fetch, sc, 1, 0);
	if (ue != UC_ERR_OK) {
		snprintf(err, errlen, "unicorn: %s", uc_strerror(ue));
		errno = ue == UC_ERR_NOMEM ? ENOMEM : EIO;
		goto err;
	}
	/* the control registers, found in Unicorn's CPU state and set to their
	 * architected reset values (CR0 0xe0, CR14 0xc2000000) */
	if (ucstate_find(sc, err, errlen)) {
		errno = ENOTSUP;
		goto err;
	}
	/* pages with code are known from before the first block on */
	if (ucstore_attach(sc)) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		goto err;
	}
	if (ucstate_check_cregs(sc, err, errlen) || ucstate_probe(sc, err, errlen)) {
		errno = ENOTSUP;
		goto err;
	}
	ucstore_setup(sc);
	/* Every address above RAM is claimed by one region without memory:
	 * Unicorn 2.0.1 looks the guest's *logical* addresses up in its list
	 * of regions (rigs/linux-on-unicorn/NOTES.md, defect 1), so with DAT on
	 * it would refuse the kernel's high addresses; this region has no
	 * execute permission, so code there reaches hook_fetch like RAM's.
	 * What reaches its callbacks is an absolute address beyond RAM. */
	ue = uc_mmio_map(sc->uc, sc->ram_size, (size_t)(0ULL - sc->ram_size - 0x1000), mmio_read,
			 sc, mmio_write, sc);
	/* a hook on every block (exact counts; a Linux boot takes 1.8 to 2.6
	 * times as long: docs/BENCHMARKS.md), or
	 * none: the kicker (kicker.c) and the intercepts do its work */
	if (ue == UC_ERR_OK) {
		const char *why = NULL;

		if (cfg->hook_all)
			why = "--hook-all";
		else if (cfg->count_instructions)
			why = "counting instructions";
		else if (sc_env_flag("ZV_BLOCK_HOOK"))
			why = "ZV_BLOCK_HOOK is set";
		else if (!(sc->no_exit = ucstate_find_no_exit(sc, &why)))
			;
		else if (!ucstate_check_no_exit(sc, sc->no_exit))
			why = "Unicorn's exit-check flag did not do what 2.0.1's does";
		else if (!ucstate_check_ex_value(sc))
			why = "Unicorn's EXECUTE state is not where 2.0.1 keeps it";
		sc->hookless = !why;
		sc->hooked_why = why;
		/* Runs end where the machine says, never at an address: with
		 * no exit address set, Unicorn 2.0.1 still "invalidates" the
		 * code at until - 1 after every uc_emu_start(), translating
		 * that address through the guest's DAT -- which faults and
		 * writes the translation-exception identification into the
		 * lowcore (qemu/softmmu/cpus.c, resume_all_vcpus()), over the
		 * one of a program interruption the guest has yet to read.
		 * With exits on and none set, nothing is translated. (The
		 * start-up probes above stop at their "until".) */
		ue = uc_ctl_exits_enable(sc->uc);
	}
	if (ue == UC_ERR_OK && !sc->hookless)
		ue = add_hook(sc, &sc->h_block, UC_HOOK_BLOCK, (void *)hook_block, sc, 1, 0);
	if (ue == UC_ERR_OK)
		ue = add_hook(sc, &sc->h_intr, UC_HOOK_INTR, (void *)hook_intr, sc, 1, 0);
	sc->intercepting = true;
	if (ue == UC_ERR_OK && !sc->hookless) {
		/* the counts the block hook adds, by block address */
		sc->tbinfo = calloc(TBINFO, sizeof(*sc->tbinfo));
		if (!sc->tbinfo) {
			snprintf(err, errlen, "out of memory");
			errno = ENOMEM;
			goto err;
		}
		ue = add_hook(sc, &h, UC_HOOK_EDGE_GENERATED, (void *)hook_edge, sc, 1, 0);
	}
	if (ue == UC_ERR_OK && cfg->hook_all)
		ue = add_hook(sc, &h, UC_HOOK_CODE, (void *)hook_every, sc, 1, 0);
	if (ue != UC_ERR_OK) {
		snprintf(err, errlen, "unicorn: %s", uc_strerror(ue));
		errno = ue == UC_ERR_NOMEM ? ENOMEM : EIO;
		goto err;
	}
	mem = (struct zv_mem_region){ .gpa = 0, .size = sc->ram_size, .host = sc->ram };
	struct zv_machine_config mc = {
		.mem = &mem, .n_mem = 1, .hv = &softcpu_hv_ops, .hv_opaque = sc,
		.facilities = cfg->facilities, .mui_ms = cfg->mui_ms, .flags = cfg->machine_flags,
	};
	sc->m = zv_machine_create(&mc);
	if (!sc->m) {
		snprintf(err, errlen, "cannot create the machine: %s", strerror(errno));
		goto err;
	}
	if (sc->hookless && kicker_start(sc)) {
		snprintf(err, errlen, "cannot start the machine's kicker thread: %s", strerror(errno));
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
	kicker_stop(sc);
	payload_free(sc);
	zv_machine_destroy(sc->m);
	ucstore_detach(sc);
	/* Unicorn 2.0.1's uc_close() leaks the code bitmaps QEMU builds for
	 * pages a guest writes code into (translate-all.c); a TB flush would
	 * free them but costs ~170 ms a machine, so the leak is suppressed by
	 * name in the tests instead (tests/sanitizers/) */
	if (sc->uc)
		uc_close(sc->uc);
	if (sc->ram && !sc->cfg.ram)
		munmap(sc->ram, sc->ram_size);
	free(sc->tbinfo);
	zv_guest_env_destroy(sc->genv);
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

ZV_API void zv_softcpu_inject_adapter(struct zv_softcpu *sc, uint8_t isc)
{
	cb_inject_adapter(sc, isc);
}

/* What both loaders check first: 0, or -1 with the message and errno. */
static int load_allowed(struct zv_softcpu *sc, const char *path, const char *what, char *err,
			size_t errlen)
{
	if (!sc || !path) {
		snprintf(err, errlen, "no machine or no %s", what);
		errno = EINVAL;
		return -1;
	}
	if (sc->started) {
		snprintf(err, errlen, "the machine has already run: load before zv_softcpu_run()");
		errno = EBUSY;
		return -1;
	}
	return 0;
}

ZV_API int zv_softcpu_load_elf(struct zv_softcpu *sc, const char *path, char *err, size_t errlen)
{
	if (!err)
		errlen = 0;
	if (load_allowed(sc, path, "path", err, errlen))
		return -1;
	payload_free(sc);
	{
		uint64_t entry;

		/* every header is checked before RAM changes: only a failure
		 * while copying (EIO) leaves part of an image, and no image */
		if (zv_guest_load_elf(sc->genv, path, &entry, err, errlen)) {
			if (errno == EIO)
				sc->loaded = false;
			return -1;
		}
		sc->entry = entry;
	}
	sc->loaded = true;
	sc->os = false;
	return 0;
}

ZV_API int zv_softcpu_set_entry(struct zv_softcpu *sc, uint64_t entry)
{
	if (load_allowed(sc, "", "image", NULL, 0))
		return -1;
	if (entry < LC_SIZE || entry >= sc->ram_size) {
		errno = EINVAL;
		return -1;
	}
	payload_free(sc);
	sc->entry = entry;
	sc->loaded = true;
	sc->os = false;
	return 0;
}

ZV_API int zv_softcpu_load_kernel(struct zv_softcpu *sc, const char *kernel, const char *initrd,
				  const char *cmdline, char *err, size_t errlen)
{
	if (!err)
		errlen = 0;
	if (load_allowed(sc, kernel, "kernel", err, errlen))
		return -1;
	sc->loaded = false;
	payload_free(sc);
	if (kernel_load(sc, kernel, initrd, cmdline, err, errlen))
		return -1;
	sc->loaded = true;
	if (sc->cfg.guest_decompress)
		sc->st.payload_why = "the guest decompresses its kernel (guest_decompress)";
	else
		payload_prepare(sc, sc->kernel_size);
	return 0;
}

/* The first run: the initial PSW and registers, the clocks. */
static void start(struct zv_softcpu *sc)
{
	/* supervisor state, DAT off, interruptions disabled, 64-bit
	 * addressing; for an ELF guest GPR2 = RAM size, GPR15 = a stack at
	 * the top; a kernel starts with zeros, as after an IPL */
	sc_set_psw(sc, ZV_PSW_MASK_EA | ZV_PSW_MASK_BA, sc->entry);
	if (!sc->os) {
		sc_set_gpr(sc, 2, sc->ram_size);
		sc_set_gpr(sc, 15, sc->ram_size - 160);
	}
	sc->t_start = sc_now();
	clock_init(sc);
	sc->next_progress = sc->t_start + 1.0;
	sc->deadline = sc->cfg.timeout_s ? sc->t_start + sc->cfg.timeout_s : 0;
	sc->started = true;
}

/* CLOCK_MONOTONIC ns of the next timer the kicker stops the CPU for: a
 * clock comparator or CPU timer not yet pending, the progress report, the
 * deadline; UINT64_MAX: none. */
static uint64_t next_timer(struct zv_softcpu *sc)
{
	uint64_t now = kicker_now_ns(), at = UINT64_MAX;
	uint64_t ns = clock_next_ns(sc, !sc->clk.ckc_pending, !sc->clk.cpt_pending);

	if (ns != UINT64_MAX)
		at = now + ns;
	if (sc->cfg.progress && (uint64_t)(sc->next_progress * 1e9) < at)
		at = (uint64_t)(sc->next_progress * 1e9);
	if (sc->deadline && (uint64_t)(sc->deadline * 1e9) < at)
		at = (uint64_t)(sc->deadline * 1e9);
	if (sc->pl && payload_next_ns(sc) < at)
		at = payload_next_ns(sc);
	return at;
}

/*
 * Between two runs of the CPU with no block hook: what the kicker stopped
 * it for (devices, console, timers, progress, deadline), then the
 * interruption that is deliverable now, then the kicker armed for the
 * next. False when the run is over or paused.
 */
static bool run_between(struct zv_softcpu *sc)
{
	uint64_t pc = 0;

	kicker_take(sc);
	unpatch(sc);
	uc_reg_read(sc->uc, UC_S390X_REG_PC, &pc);
	periodic(sc, pc);
	if (!sc->stop && !sc->pause && pending(sc)) {
		if (in_execute(sc)) {
			kicker_insist(sc);	/* again once the target ran */
		} else {
			uc_reg_read(sc->uc, UC_S390X_REG_PC, &pc);
			deliver(sc, sc_pswm(sc), pc);
		}
	}
	if (sc->stop || sc->pause)
		return false;
	kicker_enter(sc, next_timer(sc), sc->con_in_len == 0 && !sc->con_in_eof, true);
	return true;
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

		if (sc->hookless && !run_between(sc))
			break;
		if (sc->pl)
			payload_step(sc);
		uc_reg_read(sc->uc, UC_S390X_REG_PC, &pc);
		e = uc_emu_start(sc->uc, pc, UINT64_MAX, 0, 0);
		if (sc->hookless) {
			kicker_leave(sc, false);
			if (sc->pause && !sc->stop)
				uc_reg_write(sc->uc, UC_S390X_REG_PC, &sc->pause_pc);
		}
		uc_reg_read(sc->uc, UC_S390X_REG_PC, &pc);
		if (e != UC_ERR_OK && !sc->stop) {
			sc_fault(sc, ZV_RUN_FAULT, "guest stopped at %#llx: %s", (unsigned long long)pc,
				 uc_strerror(e));
		}
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
	zpci_answer(sc, &answer, sc->icpt_cpu.gpr, sc->icpt_ilen, rc);
	return 0;
}

ZV_API void zv_softcpu_stop(struct zv_softcpu *sc)
{
	if (sc && sc->started)
		sc_fault(sc, ZV_RUN_STOPPED, "stopped by the caller");
}

ZV_API const char *zv_softcpu_message(const struct zv_softcpu *sc)
{
	return sc->msg;
}

ZV_API void zv_softcpu_stats_get(const struct zv_softcpu *sc, struct zv_softcpu_stats *st)
{
	*st = sc->st;
	st->user_seconds = sc->user_at;
	st->fast_stores = sc->store_fast;
	st->counted = !sc->hookless;
	st->block_hook_why = sc->hookless ? NULL : sc->hooked_why;
	st->slow_stores_why = sc->store_fast ? NULL : sc->store_why;
	if (!st->seconds && sc->t_start)
		st->seconds = sc_now() - sc->t_start;
}

ZV_API const char *zv_softcpu_report(const struct zv_softcpu *sc, unsigned i, uint64_t *value)
{
	return zv_guest_report(sc->genv, i, value);
}
