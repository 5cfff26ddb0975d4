/* SPDX-License-Identifier: MIT */
/*
 * The parts of an s390 machine the guests use beside the CPU: the zvfio
 * hypercalls (DIAG X'500'), and the channel-subsystem instructions that
 * fetch PCI events: STCRW (channel report words) and CHSC Store Event
 * Information. The PCI content comes from the engine.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arch/be.h"
#include "softcpu_int.h"

#define PGM_SPECIFICATION 0x0006
#define PGM_OPERAND       0x0015
#define PGM_ADDRESSING    0x0005

static int hc_write(struct zv_softcpu *sc)
{
	uint64_t a = sc_gpr(sc, 2), n = sc_gpr(sc, 3);

	if (a >= sc->ram_size || n > sc->ram_size - a)
		return PGM_ADDRESSING;
	fwrite(sc->ram + a, 1, (size_t)n, sc->console);
	if (memchr(sc->ram + a, '\n', (size_t)n))
		fflush(sc->console);
	sc_set_gpr(sc, 2, n);
	return 0;
}

static int hc_getargs(struct zv_softcpu *sc)
{
	const char *s = sc->cfg.args ? sc->cfg.args : "";
	uint64_t a = sc_gpr(sc, 2), size = sc_gpr(sc, 3), len = strlen(s);

	if (size) {
		uint64_t n = len < size - 1 ? len : size - 1;

		if (a >= sc->ram_size || size > sc->ram_size - a)
			return PGM_ADDRESSING;
		memcpy(sc->ram + a, s, (size_t)n);
		sc->ram[a + n] = 0;
	}
	sc_set_gpr(sc, 2, len);
	return 0;
}

static int hc_report(struct zv_softcpu *sc)
{
	uint64_t a = sc_gpr(sc, 2), v = sc_gpr(sc, 3);
	char key[sizeof(sc->reports[0].key)];
	unsigned i;

	if (a >= sc->ram_size)
		return PGM_ADDRESSING;
	for (i = 0; i < sizeof(key) - 1 && a + i < sc->ram_size && sc->ram[a + i]; i++)
		key[i] = (char)sc->ram[a + i];
	key[i] = 0;
	if (!i || (a + i < sc->ram_size && sc->ram[a + i]))
		return PGM_SPECIFICATION;	/* empty or longer than 31 bytes */
	for (i = 0; i < sc->nreports; i++) {
		if (!strcmp(sc->reports[i].key, key)) {
			sc->reports[i].val += v;
			return 0;
		}
	}
	if (sc->nreports == MAX_REPORTS)
		return PGM_SPECIFICATION;
	strcpy(sc->reports[sc->nreports].key, key);
	sc->reports[sc->nreports++].val = v;
	return 0;
}

int sys_diag(struct zv_softcpu *sc, const uint8_t *b)
{
	unsigned b2 = b[2] >> 4;
	uint64_t code = ((b2 ? sc_gpr(sc, (int)b2) : 0) + (uint64_t)((b[2] & 0xf) << 8 | b[3])) & 0xffff;
	uint64_t fn = sc_gpr(sc, 1) & 0xffffffffu;

	if (code != ZV_HC_DIAG_CODE)
		return PGM_SPECIFICATION;
	sc->st.hypercalls++;
	switch (fn) {
	case ZV_HC_WRITE:
		return hc_write(sc);
	case ZV_HC_EXIT:
		sc->status = (int)(sc_gpr(sc, 2) & 0xff);
		sc->end = ZV_RUN_EXIT;
		sc->stop = true;
		fflush(sc->console);
		uc_emu_stop(sc->uc);
		return 0;
	case ZV_HC_GETARGS:
		return hc_getargs(sc);
	case ZV_HC_REPORT:
		return hc_report(sc);
	case ZV_HC_TIME: {
		struct timespec t;

		clock_gettime(CLOCK_MONOTONIC, &t);
		sc_set_gpr(sc, 2, (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec);
		return 0;
	}
	default:
		return PGM_SPECIFICATION;
	}
}

/*
 * SCK (SET CLOCK): the doubleword at addr becomes the TOD clock's value;
 * cc 0 (Principles of Operation: the operand must be doubleword aligned,
 * a specification exception otherwise). The machine keeps the value for
 * its clock; Unicorn's own STCK does not read it (its TOD clock is not
 * emulated), and without this the translation of SCK crashes Unicorn.
 */
int sys_sck(struct zv_softcpu *sc, uint64_t addr)
{
	uint8_t v[8];

	if (addr & 7)
		return PGM_SPECIFICATION;
	if (!sc_read(sc, addr, v, sizeof(v)))
		return PGM_ADDRESSING;
	sc->tod_set = be64_get(v);
	sc_set_cc(sc, 0);
	return 0;
}

/* STCRW: store a pending channel report word; cc 1 and zeros if none. */
int sys_stcrw(struct zv_softcpu *sc, const uint8_t *b, uint64_t addr)
{
	uint32_t crw = 0;
	uint8_t v[4];
	bool have = zv_crw_take(sc->m, &crw);

	(void)b;
	if (addr & 3)
		return PGM_SPECIFICATION;
	be32_put(v, have ? crw : 0);
	if (!sc_write(sc, addr, v, 4))
		return PGM_ADDRESSING;
	sc_set_cc(sc, have ? 0 : 1);
	return 0;
}

/* CHSC: only Store Event Information (0x000e) is provided. */
int sys_chsc(struct zv_softcpu *sc, const uint8_t *b)
{
	uint64_t a = sc_gpr(sc, b[3] >> 4);	/* CHSC: the block address is in R1 */
	uint8_t *blk, rq[16];
	uint16_t len, cmd;

	if (a & 0xfff)
		return PGM_SPECIFICATION;
	if (!sc_read(sc, a, rq, sizeof(rq)) || a + 4096 > sc->ram_size)
		return PGM_ADDRESSING;
	len = be16_get(rq);
	cmd = be16_get(rq + 2);
	if (len < 16 || len > 4088 || (len & 7))
		return PGM_OPERAND;
	blk = sc->ram + a;
	if (cmd == 0x000e && len == 16) {
		uint64_t ntsm = be64_get(rq + 8);

		if (ntsm == 0 || (ntsm & (1ULL << 61))) {	/* NT2: PCI */
			zv_chsc_sei_nt2(sc->m, blk + len, 4096 - len);
		} else {
			memset(blk + len, 0, 8);
			be16_put(blk + len, 8);
			be16_put(blk + len + 2, 0x0005);	/* no event of these types */
		}
	} else {
		memset(blk + len, 0, 8);
		be16_put(blk + len, 8);
		be16_put(blk + len + 2, 0x0004);	/* command not provided */
	}
	sc_set_cc(sc, 0);
	return 0;
}
