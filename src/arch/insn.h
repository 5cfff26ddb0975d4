/* SPDX-License-Identifier: MIT */
/*
 * Decoding of the intercepted zPCI instructions from their text, given as
 * KVM reports it: ipa = bytes 0-1, ipb = bytes 2-5 (reference §1.1).
 */
#ifndef ZV_ARCH_INSN_H
#define ZV_ARCH_INSN_H

#include <stdbool.h>
#include <stdint.h>

#include "zvfio/zvfio.h"

/* Operands of one decoded instruction. Unused fields are zero. */
struct zpci_insn {
	enum zv_insn op;
	uint8_t ilen;		/* 4 (RRE/RRF) or 6 (RSY/RXY) */
	uint8_t r1, r2, r3;	/* register numbers */
	uint8_t m3, m4;		/* CLP: M3 (bit 0x8 = immediate), M4 = LPS */
	uint8_t b2, x2;		/* base and index register of the storage operand */
	int32_t d2;		/* signed 20-bit (RSY/RXY) displacement */
};

/*
 * Decode; returns false for an instruction that is not one of CLP B9A0,
 * PCISTG B9D0, PCILG B9D2, RPCIT B9D3, MPCIFC E3xxD0, STPCIFC E3xxD4,
 * PCISTB EBxxD0, SIC EBxxD1.
 */
bool zpci_insn_decode(uint16_t ipa, uint32_t ipb, struct zpci_insn *in);

/* The second-operand address D2(X2,B2) in the addressing mode of psw_mask
 * (24, 31 or 64 bits). */
uint64_t zpci_insn_addr(const struct zpci_insn *in, const uint64_t gpr[16], uint64_t psw_mask);

/* Wrap an address to the addressing mode of psw_mask. */
uint64_t zpci_amode_wrap(uint64_t addr, uint64_t psw_mask);

#endif
