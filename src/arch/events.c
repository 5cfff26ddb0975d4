/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "be.h"
#include "events.h"

enum {
	CCDF_FH = 0x04, CCDF_FID = 0x08, CCDF_ERRWORD = 0x0c, CCDF_FADDR = 0x10,
	CCDF_PEC = 0x1e,
};

/* error word: MSB-0 bits 0-3 ETT, 4-15 MVN, 16-23 DMAAS, 30 Q, 31 R/W */
void zpci_ccdf_encode(const struct zpci_event *ev, uint8_t b[ZPCI_CCDF_SIZE])
{
	memset(b, 0, ZPCI_CCDF_SIZE);
	be32_put(b + CCDF_FH, ev->fh);
	be32_put(b + CCDF_FID, ev->fid);
	be16_put(b + CCDF_PEC, ev->pec);
	if (ev->kind == ZPCI_EVENT_ERROR) {
		uint32_t w = (uint32_t)(ev->ett & 0xf) << 28 | (uint32_t)(ev->mvn & 0xfff) << 16 |
			     (uint32_t)ev->dmaas << 8 | (uint32_t)(ev->q & 1) << 1 | (ev->rw & 1);

		be32_put(b + CCDF_ERRWORD, w);
		be64_put(b + CCDF_FADDR, ev->faddr);
	}
}

void zpci_ccdf_decode(const uint8_t b[ZPCI_CCDF_SIZE], enum zpci_event_kind kind,
		      struct zpci_event *ev)
{
	uint32_t w = be32_get(b + CCDF_ERRWORD);

	*ev = (struct zpci_event){
		.kind = kind,
		.fh = be32_get(b + CCDF_FH),
		.fid = be32_get(b + CCDF_FID),
		.pec = be16_get(b + CCDF_PEC),
	};
	if (kind == ZPCI_EVENT_ERROR) {
		ev->ett = w >> 28;
		ev->mvn = (w >> 16) & 0xfff;
		ev->dmaas = (w >> 8) & 0xff;
		ev->q = (w >> 1) & 1;
		ev->rw = w & 1;
		ev->faddr = be64_get(b + CCDF_FADDR);
	}
}

void chsc_sei_nt2_encode(uint8_t *rsp, size_t len, const struct zpci_event *ev, int more)
{
	memset(rsp, 0, len < CHSC_SEI_NT2_SIZE ? len : CHSC_SEI_NT2_SIZE);
	if (!ev) {
		be16_put(rsp + CHSC_SEI_RS_LEN, 8);
		be16_put(rsp + CHSC_SEI_RS_CODE, CHSC_SEI_CODE_NONE);
		return;
	}
	be16_put(rsp + CHSC_SEI_RS_LEN, CHSC_SEI_NT2_SIZE);
	be16_put(rsp + CHSC_SEI_RS_CODE, CHSC_SEI_CODE_STORED);
	rsp[CHSC_SEI_RS_NT] = 2;
	rsp[CHSC_SEI_RS_FLAGS] = more ? CHSC_SEI_FLAG_MORE : 0;
	rsp[CHSC_SEI_RS_CC] = (uint8_t)ev->kind;
	zpci_ccdf_encode(ev, rsp + CHSC_SEI_RS_CCDF);
}
