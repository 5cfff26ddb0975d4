/* SPDX-License-Identifier: MIT */
/*
 * PCI event records: the 32-byte error and availability CCDFs and the CHSC
 * Store-Event-Information response for notification type 2 that carries
 * them (reference §6.5, §6.6; Linux arch/s390/pci/pci_event.c, QEMU
 * s390-pci-bus.h ChscSeiNt2Res).
 */
#ifndef ZV_ARCH_EVENTS_H
#define ZV_ARCH_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#define ZPCI_CCDF_SIZE 32

enum zpci_event_kind { ZPCI_EVENT_ERROR = 1, ZPCI_EVENT_AVAIL = 2 };	/* = content code */

struct zpci_event {
	enum zpci_event_kind kind;
	uint32_t fh, fid;
	uint16_t pec;
	/* error events only */
	uint8_t ett;		/* expected table type, 4 bits */
	uint16_t mvn;		/* MSI vector number, 12 bits */
	uint8_t dmaas;
	uint8_t q, rw;		/* qualifier, read(0)/write(1) */
	uint64_t faddr;		/* failing address */
};

void zpci_ccdf_encode(const struct zpci_event *ev, uint8_t b[ZPCI_CCDF_SIZE]);
void zpci_ccdf_decode(const uint8_t b[ZPCI_CCDF_SIZE], enum zpci_event_kind kind,
		      struct zpci_event *ev);

/* CHSC SEI response area (offsets from the response header) */
#define CHSC_SEI_NT2_SIZE    (0x40 + ZPCI_CCDF_SIZE)
#define CHSC_SEI_RS_LEN      0x00	/* u16 */
#define CHSC_SEI_RS_CODE     0x02	/* u16 */
#define CHSC_SEI_RS_NT       0x07
#define CHSC_SEI_RS_FLAGS    0x08	/* 0x80: more events pending */
#define CHSC_SEI_RS_CC       0x0b	/* content code */
#define CHSC_SEI_RS_CCDF     0x40
#define CHSC_SEI_CODE_STORED 0x0001
#define CHSC_SEI_CODE_NONE   0x0005
#define CHSC_SEI_FLAG_MORE   0x80
#define CHSC_SEI_NT2_BIT     (1ULL << 61)	/* in the request's selection mask */
#define CHSC_SEI_CMD         0x000e

/* Fill a response with ev (more = further events queued), or "no event"
 * when ev is NULL. len must be at least CHSC_SEI_NT2_SIZE. */
void chsc_sei_nt2_encode(uint8_t *rsp, size_t len, const struct zpci_event *ev, int more);

/* Channel report word for "event information pending" from the channel
 * subsystem: reporting-source code 0xB, error-recovery code 0. */
#define CRW_CSS_EVENT_PENDING 0x0b000000u

#endif
