/* SPDX-License-Identifier: MIT */
/*
 * The parts of an s390 machine the guests use beside the CPU: the zvfio
 * hypercalls (DIAG X'500') and the DIAG codes Linux issues, the
 * channel-subsystem instructions that fetch PCI events (STCRW, CHSC Store
 * Event Information; the PCI content comes from the engine) and the rest
 * of the channel subsystem (no subchannels), SIGP for the one CPU, STSI,
 * STFLE/STFL, MONITOR CALL. Sources: Principles of Operation SA22-7832
 * (each instruction's definition); what Linux expects where it matters
 * (arch/s390: smp.c, sysinfo.c, early.c).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arch/be.h"
#include "softcpu_int.h"

#define PGM_SPECIFICATION 0x0006
#define PGM_OPERAND       0x0015
#define PGM_ADDRESSING    0x0005

/*
 * DIAG 0x308, IPL functions (R1: an address, R1+1 the return code; R3 the
 * subcode; Linux's arch/s390/kernel/ipl.c, QEMU's handle_diag_308): a
 * reset or load ends the run (Linux's reboot); set is accepted, and store
 * finds no IPL parameter block (the machine was not IPLed from a device).
 */
static int diag308(struct zv_softcpu *sc, const uint8_t *b)
{
	unsigned r1 = b[1] >> 4, r3 = b[1] & 0xf;
	uint64_t subcode = sc_gpr(sc, (int)r3);

	switch (subcode) {
	case 0: case 1: case 3: case 4:
		sc_fault(sc, ZV_RUN_STOPPED, "the guest asked for a re-IPL (DIAG 0x308 subcode %llu)",
			 (unsigned long long)subcode);
		return 0;
	case 5:
		if (r1 & 1)
			return PGM_SPECIFICATION;
		sc_set_gpr(sc, (int)r1 + 1, 0x0001);	/* done */
		return 0;
	case 6:
		if (r1 & 1)
			return PGM_SPECIFICATION;
		sc_set_gpr(sc, (int)r1 + 1, 0x0102);	/* no configuration */
		return 0;
	default:
		return PGM_SPECIFICATION;
	}
}

/* DIAG's code: its second-operand address (B2 + D2), the low 16 bits */
unsigned sys_diag_code(struct zv_softcpu *sc, const uint8_t *b)
{
	unsigned b2 = b[2] >> 4;

	return (unsigned)(((b2 ? sc_gpr(sc, (int)b2) : 0) + (uint64_t)((b[2] & 0xf) << 8 | b[3])) & 0xffff);
}

int sys_diag(struct zv_softcpu *sc, const uint8_t *b)
{
	unsigned code = sys_diag_code(sc, b);
	uint64_t r[4] = { 0 };
	int value;

	switch (code) {
	case ZV_HC_DIAG_CODE:
		break;
	case 0x44:	/* voluntary time-slice end: nothing else runs here */
	case 0x9c:	/* directed yield: there is no other CPU */
		return 0;
	case 0x308:
		return diag308(sc, b);
	default:	/* as QEMU: the machine does not provide it */
		return PGM_SPECIFICATION;
	}
	sc->st.hypercalls++;
	for (int i = 1; i <= 3; i++)
		r[i] = sc_gpr(sc, i);
	switch (zv_guest_hypercall(sc->genv, r, &value)) {
	case ZV_GUEST_HC_DONE:
		sc_set_gpr(sc, 2, r[2]);
		return 0;
	case ZV_GUEST_HC_EXITED:
		sc->status = value;
		sc->end = ZV_RUN_EXIT;
		sc->stop = true;
		uc_emu_stop(sc->uc);
		return 0;
	default:
		return value;	/* the program interruption's code */
	}
}

/* STCRW: store a pending channel report word; cc 1 and zeros if none. The
 * operand is a logical address (Linux keeps the word on its stack); it is
 * translated before the report is taken, so an access exception keeps it
 * pending. */
int sys_stcrw(struct zv_softcpu *sc, const uint8_t *b, uint64_t mask, uint64_t addr)
{
	uint32_t crw = 0;
	uint64_t abs;
	uint8_t v[4];
	bool have;
	int rc;

	if (addr & 3)
		return PGM_SPECIFICATION;
	rc = sc_translate(sc, mask, addr, b[2] >> 4, SC_WRITE, &abs);
	if (rc)
		return rc;
	have = zv_crw_take(sc->m, &crw);
	be32_put(v, have ? crw : 0);
	if (!sc_write(sc, abs, v, 4))
		return PGM_ADDRESSING;
	sc_set_cc(sc, have ? 0 : 1);
	return 0;
}

/* CHSC: only Store Event Information (0x000e) is provided. The block's
 * address in R1 is logical (QEMU's ioinst_handle_chsc reads it through
 * DAT); the block is a page, so one translation covers it. */
int sys_chsc(struct zv_softcpu *sc, const uint8_t *b, uint64_t mask)
{
	uint64_t a = sc_gpr(sc, b[3] >> 4), abs;	/* CHSC: the block address is in R1 */
	int rc;

	if (!(mask & ZV_PSW_MASK_EA))
		a &= mask & ZV_PSW_MASK_BA ? 0x7fffffff : 0xffffff;
	if (a & 0xfff)
		return PGM_SPECIFICATION;
	rc = sc_translate(sc, mask, a, b[3] >> 4, SC_WRITE, &abs);
	if (rc)
		return rc;
	if (abs + 4096 > sc->ram_size)
		return PGM_ADDRESSING;
	rc = zv_chsc(sc->m, sc->ram + abs);
	if (rc)
		return rc;
	sc_set_cc(sc, 0);
	return 0;
}

/* ---- SIGNAL PROCESSOR ---- */

#define SIGP_SENSE          0x01
#define SIGP_EXTERNAL_CALL  0x02
#define SIGP_EMERGENCY      0x03
#define SIGP_STOP           0x05
#define SIGP_STOP_STORE     0x09
#define SIGP_SET_ARCH       0x12
#define SIGP_STAT_INVALID_ORDER 0x00000002u
#define SIGP_STAT_INVALID_PARM  0x00000100u

/* The status for cc 1 goes into bits 32-63 of R1. */
static void sigp_status(struct zv_softcpu *sc, unsigned r1, uint32_t status)
{
	sc_set_gpr(sc, (int)r1, (sc_gpr(sc, (int)r1) & 0xffffffff00000000ULL) | status);
	sc_set_cc(sc, 1);
}

/* SIGP R1,R3,D2(B2): order in the address bits 56-63, CPU address in R3,
 * parameter in R1+1 (R1 odd: R1). One CPU, address 0: any other is not
 * operational (cc 3). */
int sys_sigp(struct zv_softcpu *sc, const uint8_t *b, uint64_t order)
{
	unsigned r1 = b[1] >> 4, r3 = b[1] & 0xf;
	uint64_t parm = sc_gpr(sc, (int)(r1 | 1));

	if ((sc_gpr(sc, (int)r3) & 0xffff) != 0) {
		sc_set_cc(sc, 3);
		return 0;
	}
	switch (order & 0xff) {
	case SIGP_SENSE:		/* operating, no status to report */
		sc_set_cc(sc, 0);
		return 0;
	case SIGP_EXTERNAL_CALL:
		sc->ext_call = true;
		sc_set_cc(sc, 0);
		return 0;
	case SIGP_EMERGENCY:
		sc->emergency = true;
		sc_set_cc(sc, 0);
		return 0;
	case SIGP_STOP:
	case SIGP_STOP_STORE:		/* the only CPU stops: the machine is done */
		sc_set_cc(sc, 0);
		sc_fault(sc, ZV_RUN_STOPPED, "the guest stopped its CPU (SIGP stop)");
		return 0;
	case SIGP_SET_ARCH:		/* already z/Architecture; 0 would leave it */
		if ((parm & 0xff) == 1 || (parm & 0xff) == 2)
			sc_set_cc(sc, 0);
		else
			sigp_status(sc, r1, SIGP_STAT_INVALID_PARM);
		return 0;
	default:
		sigp_status(sc, r1, SIGP_STAT_INVALID_ORDER);
		return 0;
	}
}

/* ---- STORE SYSTEM INFORMATION ---- */

/* EBCDIC for the letters, digits and blank the SYSIBs use */
static void ebcdic(uint8_t *dst, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = *s ? *s++ : ' ';

		if (c >= '0' && c <= '9')
			dst[i] = (uint8_t)(0xf0 + (c - '0'));
		else if (c >= 'A' && c <= 'I')
			dst[i] = (uint8_t)(0xc1 + (c - 'A'));
		else if (c >= 'J' && c <= 'R')
			dst[i] = (uint8_t)(0xd1 + (c - 'J'));
		else if (c >= 'S' && c <= 'Z')
			dst[i] = (uint8_t)(0xe2 + (c - 'S'));
		else
			dst[i] = 0x40;
	}
}

/*
 * STSI: the machine is an LPAR (configuration level 2) with one CPU.
 * Function code in GR0 bits 32-35, selector 1 in bits 56-63, selector 2
 * in GR1 bits 48-63; the other bits of 32-63 must be 0. SYSIB layouts:
 * Linux's arch/s390/include/asm/sysinfo.h.
 */
int sys_stsi(struct zv_softcpu *sc, uint64_t mask, uint64_t addr, unsigned ar)
{
	uint64_t r0 = sc_gpr(sc, 0), r1 = sc_gpr(sc, 1);
	unsigned fc = (unsigned)(r0 >> 28) & 0xf, s1 = (unsigned)r0 & 0xff, s2 = (unsigned)r1 & 0xffff;
	uint8_t sysib[4096];
	int rc;

	if ((r0 & 0x0fffff00) || (r1 & 0xffff0000))
		return PGM_SPECIFICATION;
	if (fc == 0) {		/* the current level */
		sc_set_gpr(sc, 0, (r0 & 0xffffffff00000000ULL) | 2u << 28);
		sc_set_cc(sc, 0);
		return 0;
	}
	if (addr & 0xfff)
		return PGM_SPECIFICATION;
	memset(sysib, 0, sizeof(sysib));
	if (fc == 1 && s1 == 1 && s2 == 1) {		/* 1.1.1: the machine */
		ebcdic(sysib + 32, "ZVFIO", 16);	/* manufacturer */
		ebcdic(sysib + 48, "2964", 4);		/* type */
		ebcdic(sysib + 64, "SOFTCPU", 16);	/* model capacity id */
		ebcdic(sysib + 80, "0000000000000001", 16);	/* sequence */
		ebcdic(sysib + 96, "ZV", 4);		/* plant */
		ebcdic(sysib + 100, "SOFTCPU", 16);	/* model */
	} else if (fc == 1 && s1 == 2 && s2 == 1) {	/* 1.2.1: this CPU */
		ebcdic(sysib + 80, "0000000000000001", 16);
		ebcdic(sysib + 96, "ZV", 4);
	} else if (fc == 1 && s1 == 2 && s2 == 2) {	/* 1.2.2: the machine's CPUs */
		be32_put(sysib + 8, 1000);		/* capability */
		be16_put(sysib + 28, 1);		/* total */
		be16_put(sysib + 30, 1);		/* configured */
		be16_put(sysib + 36, 1);		/* MP factors follow: none differ */
	} else if (fc == 2 && s1 == 2 && s2 == 1) {	/* 2.2.1: this CPU in the LPAR */
		ebcdic(sysib + 80, "0000000000000001", 16);
		ebcdic(sysib + 96, "ZV", 4);
	} else if (fc == 2 && s1 == 2 && s2 == 2) {	/* 2.2.2: the LPAR */
		be16_put(sysib + 32, 1);		/* LPAR number */
		ebcdic(sysib + 40, "ZVFIO", 8);		/* name */
		be16_put(sysib + 36, 1);		/* total CPUs */
		be16_put(sysib + 38, 1);		/* configured */
		be32_put(sysib + 48, 1000);		/* capability */
	} else {
		sc_set_cc(sc, 3);	/* not available at this level */
		return 0;
	}
	rc = sc_vcopy(sc, mask, addr, ar, sysib, 4096, SC_WRITE);
	if (rc)
		return rc;
	sc_set_cc(sc, 0);
	return 0;
}

/* ---- STORE FACILITY LIST (EXTENDED) ---- */

/* The facility list: what Unicorn's "max" CPU model executes (the set
 * Debian's 6.1 and 6.12 kernels were booted with on it, rigs/linux-on-unicorn),
 * and the zPCI facilities the machine was configured with -- never MIO
 * (153): the engine does not provide it. */
static void facility_list(struct zv_softcpu *sc, uint64_t fl[2])
{
	static const unsigned base[] = { 0, 1, 2, 3, 4, 5, 7, 18, 21, 25, 27, 32, 33, 34, 35, 45 };
	uint32_t f = sc->cfg.facilities ? sc->cfg.facilities : ZV_FAC_DEFAULT;

	fl[0] = fl[1] = 0;
	for (unsigned i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		fl[0] |= 1ULL << (63 - base[i]);
	if (f & ZV_FAC_ZPCI)
		fl[1] |= 1ULL << (63 - (69 - 64));
	if (f & ZV_FAC_AEN)
		fl[1] |= 1ULL << (63 - (71 - 64));
	if (f & ZV_FAC_AIS)
		fl[1] |= 1ULL << (63 - (72 - 64));
}

/* STFLE D2(B2): GR0 bits 56-63 = doublewords provided - 1; stores what
 * fits, sets them to the number needed - 1; cc 3 if that is more. */
int sys_stfle(struct zv_softcpu *sc, uint64_t mask, uint64_t addr, unsigned ar)
{
	uint64_t fl[2], r0 = sc_gpr(sc, 0);
	unsigned n = (unsigned)(r0 & 0xff) + 1, need = 2;
	uint8_t b[16];
	int rc;

	if (addr & 7)
		return PGM_SPECIFICATION;
	facility_list(sc, fl);
	be64_put(b, fl[0]);
	be64_put(b + 8, fl[1]);
	rc = sc_vcopy(sc, mask, addr, ar, b, 8 * (n < need ? n : need), SC_WRITE);
	if (rc)
		return rc;
	sc_set_gpr(sc, 0, (r0 & ~0xffULL) | (need - 1));
	sc_set_cc(sc, n < need ? 3 : 0);
	return 0;
}

/* STFL: facility bits 0-31 to real location 200. */
void sys_stfl(struct zv_softcpu *sc)
{
	uint64_t fl[2];

	facility_list(sc, fl);
	be32_put(sc->ram + sc_real_to_abs(sc, 200), (uint32_t)(fl[0] >> 32));
}

/* ---- MONITOR CALL ---- */

/* MC D1(B1),I2: a monitor event (program interruption 0x40) when the
 * class in I2 bits 4-7 is enabled in CR8 bits 48-63; the monitor code (the
 * first-operand address) goes to real 176, the class to real 150. */
int sys_mc(struct zv_softcpu *sc, const uint8_t *b, uint64_t code)
{
	unsigned cls = b[1] & 0xf;
	uint64_t lc = sc_real_to_abs(sc, 0);

	if (b[1] & 0xf0)
		return PGM_SPECIFICATION;
	if (!(sc->cr[8] & (0x8000u >> cls)))
		return 0;
	be16_put(sc->ram + lc + 150, (uint16_t)cls);
	be64_put(sc->ram + lc + 176, code);
	return 0x40;
}

/* ---- the channel subsystem: no subchannels ---- */

/* Subchannel instructions take a subchannel id in GR1 (bit 47 one);
 * none exists: cc 3. TPI: no interruption pending, cc 0. Measurement and
 * channel-path instructions: nothing to measure or reset. */
int sys_channel_io(struct zv_softcpu *sc, const uint8_t *b)
{
	uint64_t sid = sc_gpr(sc, 1) & 0xffffffffu;

	switch (b[1]) {
	case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35: case 0x38:
	case 0x76:	/* CSCH HSCH MSCH SSCH STSCH TSCH RSCH XSCH */
		if (!(sid & 0x10000))
			return PGM_OPERAND;
		sc_set_cc(sc, 3);
		return 0;
	case 0x36:	/* TPI */
		sc_set_cc(sc, 0);
		return 0;
	case 0x3a:	/* STCPS: nothing to store */
		return 0;
	case 0x3b:	/* RCHP: no such channel path */
		sc_set_cc(sc, 3);
		return 0;
	case 0x37:	/* SAL */
	case 0x3c:	/* SCHM */
		return 0;
	default:
		return 0x01;
	}
}

/* ---- COMPARE AND SWAP AND STORE ---- */

/*
 * CSST D1(B1),D2(B2),R3 (facilities 32 and 33; Unicorn 2.0.1 cannot
 * translate it): function code fc in GR0 bits 56-63 (0: 4 bytes, 1: 8,
 * 2: 16 with R3 even), store characteristic sc in bits 48-55 (store 1 << sc
 * bytes, sc <= 4); GR1 holds the parameter list (16-byte aligned: the swap
 * value, left-aligned in its first 16 bytes, the store value in the next
 * 16). When the first operand equals the compare value in R3 (R3, R3+1 for
 * fc 2) it is replaced by the swap value and the second operand by the
 * store value, cc 0; else R3 gets the first operand, cc 1. One CPU: it is
 * atomic as it stands.
 */
int sys_csst(struct zv_softcpu *sc, const uint8_t *b, uint64_t mask, uint64_t a1, uint64_t a2)
{
	uint64_t r0 = sc_gpr(sc, 0), pl = sc_gpr(sc, 1);
	unsigned fc = (unsigned)r0 & 0xff, stc = (unsigned)(r0 >> 8) & 0xff, r3 = b[1] >> 4;
	unsigned n, sn;
	uint8_t parm[32], op1[16], cmp[16];
	uint64_t abs1, abs2;
	int rc;

	if (!(mask & ZV_PSW_MASK_EA))
		pl &= mask & ZV_PSW_MASK_BA ? 0x7fffffff : 0xffffff;
	if (fc > 2 || stc > 4)
		return PGM_SPECIFICATION;
	n = 4u << fc;
	sn = 1u << stc;
	if ((fc == 2 && (r3 & 1)) || (a1 & (n - 1)) || (a2 & (sn - 1)) || (pl & 15))
		return PGM_SPECIFICATION;
	rc = sc_vcopy(sc, mask, pl, 1, parm, 32, SC_READ);
	if (!rc)
		rc = sc_vcopy(sc, mask, a1, b[2] >> 4, op1, n, SC_READ);
	if (rc)
		return rc;
	if (fc == 0) {
		be32_put(cmp, (uint32_t)sc_gpr(sc, (int)r3));
	} else {
		be64_put(cmp, sc_gpr(sc, (int)r3));
		if (fc == 2)
			be64_put(cmp + 8, sc_gpr(sc, (int)r3 + 1));
	}
	if (memcmp(op1, cmp, n)) {
		if (fc == 0) {
			sc_set_gpr(sc, (int)r3, (sc_gpr(sc, (int)r3) & 0xffffffff00000000ULL) | be32_get(op1));
		} else {
			sc_set_gpr(sc, (int)r3, be64_get(op1));
			if (fc == 2)
				sc_set_gpr(sc, (int)r3 + 1, be64_get(op1 + 8));
		}
		sc_set_cc(sc, 1);
		return 0;
	}
	/* both stores are checked before either is made; each operand is
	 * aligned to its size, so it lies in one page */
	rc = sc_translate(sc, mask, a1, b[2] >> 4, SC_WRITE, &abs1);
	if (!rc)
		rc = sc_translate(sc, mask, a2, b[4] >> 4, SC_WRITE, &abs2);
	if (rc)
		return rc;
	memcpy(sc->ram + abs1, parm, n);
	memcpy(sc->ram + abs2, parm + 16, sn);
	sc_set_cc(sc, 0);
	return 0;
}
