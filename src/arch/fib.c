/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "be.h"
#include "fib.h"

/* Offsets within the FIB (reference §3.1). */
enum {
	FIB_FMT = 0x00, FIB_FC = 0x08, FIB_PBA = 0x10, FIB_PAL = 0x18,
	FIB_IOTA = 0x20, FIB_INTWORD = 0x28, FIB_AIBV = 0x30, FIB_AISB = 0x38,
	FIB_FMB = 0x40, FIB_GD = 0x4c,
};

void zpci_fib_decode(const uint8_t b[ZPCI_FIB_SIZE], struct zpci_fib *f)
{
	uint32_t w = be32_get(b + FIB_INTWORD);

	f->fmt = b[FIB_FMT];
	f->fc = b[FIB_FC];
	f->pba = be64_get(b + FIB_PBA);
	f->pal = be64_get(b + FIB_PAL);
	f->iota = be64_get(b + FIB_IOTA);
	/* MSB-0 bits 1-3 ISC, 4-15 NOI, 18-23 AIBVO, 24 SUM, 26-31 AISBO */
	f->isc = (w >> 28) & 7;
	f->noi = (w >> 16) & 0xfff;
	f->aibvo = (w >> 8) & 0x3f;
	f->sum = (w >> 7) & 1;
	f->aisbo = w & 0x3f;
	f->aibv = be64_get(b + FIB_AIBV);
	f->aisb = be64_get(b + FIB_AISB);
	f->fmb_addr = be64_get(b + FIB_FMB);
	f->gd = be32_get(b + FIB_GD);
}

void zpci_fib_encode(const struct zpci_fib *f, uint8_t b[ZPCI_FIB_SIZE])
{
	uint32_t w = (uint32_t)(f->isc & 7) << 28 | (uint32_t)(f->noi & 0xfff) << 16 |
		     (uint32_t)(f->aibvo & 0x3f) << 8 | (uint32_t)(f->sum & 1) << 7 |
		     (f->aisbo & 0x3f);

	memset(b, 0, ZPCI_FIB_SIZE);
	b[FIB_FMT] = f->fmt;
	b[FIB_FC] = f->fc;
	be64_put(b + FIB_PBA, f->pba);
	be64_put(b + FIB_PAL, f->pal);
	be64_put(b + FIB_IOTA, f->iota);
	be32_put(b + FIB_INTWORD, w);
	be64_put(b + FIB_AIBV, f->aibv);
	be64_put(b + FIB_AISB, f->aisb);
	be64_put(b + FIB_FMB, f->fmb_addr);
	be32_put(b + FIB_GD, f->gd);
}
