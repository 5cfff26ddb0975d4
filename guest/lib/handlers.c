/* SPDX-License-Identifier: MIT */
/* The C halves of the interruption handlers. */
#include "arch/lowcore.h"
#include "guest.h"
#include "zpci.h"

volatile struct pgm_seen pgm_seen;
static volatile bool pgm_armed;
extern char pstate_return_point[];

static uint64_t lc64(unsigned off) { return *(volatile uint64_t *)(lowcore + off); }
static uint32_t lc32(unsigned off) { return *(volatile uint32_t *)(lowcore + off); }
static uint16_t lc16(unsigned off) { return *(volatile uint16_t *)(lowcore + off); }

void pgm_expect(void)
{
	pgm_seen.count = 0;
	pgm_seen.code = 0;
	pgm_armed = true;
}

uint16_t pgm_code(void)
{
	pgm_armed = false;
	return pgm_seen.count ? pgm_seen.code : 0;
}

void guest_pgm_entry(void);
void guest_pgm_entry(void)
{
	uint64_t mask = lc64(LC_PGM_OLD_PSW), addr = lc64(LC_PGM_OLD_PSW + 8);
	uint16_t code = lc16(LC_PGM_CODE);

	if ((mask & PSW_PSTATE) && code == 2 && addr == (uintptr_t)pstate_return_point) {
		/* back from run_in_problem_state(): resume in supervisor state */
		*(volatile uint64_t *)(lowcore + LC_PGM_OLD_PSW) = mask & ~PSW_PSTATE;
		return;
	}
	if (!pgm_armed)
		panic("unexpected program interruption code %#x at %#lx (ilc %u)", code,
		      (unsigned long)addr, lc16(LC_PGM_ILC));
	pgm_seen.count++;
	pgm_seen.code = code;
	pgm_seen.ilc = lc16(LC_PGM_ILC);
	pgm_seen.addr = addr;
	pgm_seen.teid = lc64(168);
	/* a DAT exception nullifies: the old PSW is at the instruction, which
	 * would fault again; an expected one is skipped */
	if (code == 0x10 || code == 0x11 || (code >= 0x38 && code <= 0x3b))
		*(volatile uint64_t *)(lowcore + LC_PGM_OLD_PSW + 8) = addr + lc16(LC_PGM_ILC);
}

/* noipa: GCC must not learn that this never returns, or it would give
 * guest_io_entry a stack frame instead of two tail calls */
static void __attribute__((noinline, noipa)) io_not_adapter(uint32_t word)
{
	panic("I/O interruption without the adapter bit: %#x", word);
}

void guest_io_entry(void);
void guest_io_entry(void)
{
	uint32_t word = lc32(LC_IO_INT_WORD);

	/* resume after an enabled wait: clear the wait bit of the old PSW */
	lowcore[LC_IO_OLD_PSW + 1] &= (uint8_t)~0x02;
	if (!(word & IO_INT_WORD_AI)) {
		io_not_adapter(word);
		return;
	}
	zpci_adapter_interrupt((word >> 27) & 7);
}

void guest_mchk_entry(void);
void guest_mchk_entry(void)
{
	uint64_t mcic = lc64(LC_MCCK_CODE);

	lowcore[LC_MCCK_OLD_PSW + 1] &= (uint8_t)~0x02;
	if (!(mcic & MCIC_CHANNEL_REPORT))
		panic("machine check without channel report: %#llx", (unsigned long long)mcic);
	zpci_process_crws();
}
