/* SPDX-License-Identifier: MIT */
#include "insn.h"

/* Sign-extend the 20-bit long displacement DH:DL (RSY/RXY formats). */
static int32_t disp20(uint32_t ipb)
{
	uint32_t dl = (ipb >> 16) & 0xfff, dh = (ipb >> 8) & 0xff;
	uint32_t d = dh << 12 | dl;

	return (int32_t)(d ^ 0x80000u) - 0x80000;
}

bool zpci_insn_decode(uint16_t ipa, uint32_t ipb, struct zpci_insn *in)
{
	uint8_t op0 = ipa >> 8;

	*in = (struct zpci_insn){0};
	if (op0 == 0xb9) {
		switch (ipa & 0xff) {
		case 0xa0: in->op = ZV_INSN_CLP; break;
		case 0xd0: in->op = ZV_INSN_PCISTG; break;
		case 0xd2: in->op = ZV_INSN_PCILG; break;
		case 0xd3: in->op = ZV_INSN_RPCIT; break;
		default: return false;
		}
		/* RRE / RRF-c: byte 2 = M3:M4 (CLP only), byte 3 = R1:R2 */
		in->ilen = 4;
		in->m3 = (ipb >> 28) & 0xf;
		in->m4 = (ipb >> 24) & 0xf;
		in->r1 = (ipb >> 20) & 0xf;
		in->r2 = (ipb >> 16) & 0xf;
		return true;
	}
	if (op0 == 0xe3 || op0 == 0xeb) {
		uint8_t op2 = ipb & 0xff;

		if (op0 == 0xe3 && op2 == 0xd0)
			in->op = ZV_INSN_MPCIFC;
		else if (op0 == 0xe3 && op2 == 0xd4)
			in->op = ZV_INSN_STPCIFC;
		else if (op0 == 0xeb && op2 == 0xd0)
			in->op = ZV_INSN_PCISTB;
		else if (op0 == 0xeb && op2 == 0xd1)
			in->op = ZV_INSN_SIC;
		else
			return false;
		/* RXY-a: byte 1 = R1:X2; RSY-a: byte 1 = R1:R3; then B2, DL, DH */
		in->ilen = 6;
		in->r1 = (ipa >> 4) & 0xf;
		if (op0 == 0xe3)
			in->x2 = ipa & 0xf;
		else
			in->r3 = ipa & 0xf;
		in->b2 = (ipb >> 28) & 0xf;
		in->d2 = disp20(ipb);
		return true;
	}
	return false;
}

uint64_t zpci_amode_wrap(uint64_t addr, uint64_t psw_mask)
{
	if (psw_mask & ZV_PSW_MASK_EA)
		return addr;
	if (psw_mask & ZV_PSW_MASK_BA)
		return addr & 0x7fffffffULL;
	return addr & 0xffffffULL;
}

uint64_t zpci_insn_addr(const struct zpci_insn *in, const uint64_t gpr[16], uint64_t psw_mask)
{
	uint64_t a = (uint64_t)(int64_t)in->d2;

	if (in->b2)
		a += gpr[in->b2];
	if (in->x2)
		a += gpr[in->x2];
	return zpci_amode_wrap(a, psw_mask);
}
