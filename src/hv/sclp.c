/* SPDX-License-Identifier: MIT */
/*
 * The service-call logical processor (SERVICE CALL, SERVC R1,R2): what an
 * operating system asks the machine about itself -- its memory and CPUs --
 * and its console. The command word is in R1, the SCCB's real address in
 * R2; the answer goes into the SCCB and a service-signal external
 * interruption (code 0x2401, parameter = the SCCB address) says it is
 * there. Formats: Linux's drivers/s390/char/sclp.h and sclp_early.c
 * (struct read_info_sccb, read_cpu_info_sccb, init_sccb, evbuf_header),
 * command words and response codes as QEMU's hw/s390x/sclp.c and
 * event-facility.c use them. Freestanding guests may use it the same way.
 *
 * PCI functions: Configure / Deconfigure PCI Function go to the engine
 * (zv_sclp_pci_configure()): the power attribute of Linux's PCI slots.
 *
 * Events: VT220 data (type 0x1a, ASCII: the guest's ttysclp0 console) both
 * ways. Console input (cfg.console_in) is offered with a service signal
 * whose parameter says "event buffer pending" (bit 31) and handed over by
 * read event data; with none pending, read event data answers "no event
 * buffers stored".
 */
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "arch/be.h"
#include "softcpu_int.h"

#define PGM_SPECIFICATION 0x06
#define PGM_ADDRESSING    0x05

#define CMD_READ_CPU_INFO     0x00010001u
#define CMD_READ_SCP_INFO     0x00020001u
#define CMD_READ_SCP_INFO_F   0x00120001u
#define CMD_WRITE_EVENT_MASK  0x00780005u
#define CMD_WRITE_EVENT_DATA  0x00760005u
#define CMD_READ_EVENT_DATA   0x00770005u
#define CMD_CONFIGURE_PCI     0x001a0001u
#define CMD_DECONFIGURE_PCI   0x001b0001u
#define ATYPE_PCI             2
/* read SCP info facility: PCI functions can be (de)configured */
#define FAC_PCI_RECONFIG      0x0000000040000000ULL

#define RC_NORMAL_READ        0x0010
#define RC_NORMAL             0x0020
#define RC_BOUNDARY           0x0100
#define RC_INVALID_COMMAND    0x01f0
#define RC_SHORT_SCCB         0x0300
#define RC_NO_EVENTS          0x60f0
#define RC_BAD_EVENT_LENGTH   0x62f0	/* an event buffer that does not fit */
#define RC_BAD_MASK_LENGTH    0x74f0
#define RC_BAD_ADAPTER_TYPE   0x07f0

#define EVTYP_VT220           0x1a
/* event type t as a mask bit: type 1 is the leftmost bit */
#define EVMASK(t)             (1ULL << (64 - (t)))
#define RECEIVE_MASK          EVMASK(EVTYP_VT220)	/* what the machine takes */
#define SEND_MASK             EVMASK(EVTYP_VT220)	/* what it offers: console input */

static void put_mask(uint8_t *p, unsigned len, uint64_t mask)
{
	for (unsigned i = 0; i < len; i++)
		p[i] = i < 8 ? (uint8_t)(mask >> (56 - 8 * i)) : 0;
}

static uint64_t get_mask(const uint8_t *p, unsigned len)
{
	uint64_t m = 0;

	for (unsigned i = 0; i < len && i < 8; i++)
		m |= (uint64_t)p[i] << (56 - 8 * i);
	return m;
}

static uint16_t read_scp_info(struct zv_softcpu *sc, uint8_t *s, unsigned len)
{
	uint64_t mb = sc->ram_size >> 20;

	if (len < 128 + 16)
		return RC_SHORT_SCCB;
	memset(s + 8, 0, len - 8);
	/* memory: rnmax increments of rnsize MiB (rnmax2 beyond 64 Ki) */
	s[10] = 1;
	if (mb <= 0xffff)
		be16_put(s + 8, (uint16_t)mb);
	else
		be64_put(s + 104, mb);
	be64_put(s + 48, FAC_PCI_RECONFIG);
	/* one CPU entry (address 0, a general CPU) at offset 128 */
	be16_put(s + 16, 1);
	be16_put(s + 18, 128);
	return RC_NORMAL_READ;
}

static uint16_t read_cpu_info(uint8_t *s, unsigned len)
{
	if (len < 16 + 16)
		return RC_SHORT_SCCB;
	memset(s + 8, 0, len - 8);
	be16_put(s + 8, 1);	/* configured: one, at offset 16 */
	be16_put(s + 10, 16);
	be16_put(s + 14, 32);	/* standby: none */
	return RC_NORMAL_READ;
}

static uint16_t write_event_mask(struct zv_softcpu *sc, uint8_t *s, unsigned len)
{
	unsigned ml;

	if (len < 12)
		return RC_SHORT_SCCB;
	ml = be16_get(s + 10);
	if (!ml || ml > 1021)
		return RC_BAD_MASK_LENGTH;
	if (12 + 4 * ml > len)
		return RC_SHORT_SCCB;
	sc->sclp_guest_receive = get_mask(s + 12, ml);
	(void)get_mask(s + 12 + ml, ml);	/* what the guest sends: any */
	put_mask(s + 12 + 2 * ml, ml, RECEIVE_MASK);
	put_mask(s + 12 + 3 * ml, ml, SEND_MASK);
	return RC_NORMAL;
}

static uint16_t write_event_data(struct zv_softcpu *sc, uint8_t *s, unsigned len)
{
	unsigned off = 8;
	bool any = false;

	while (off + 6 <= len) {
		unsigned el = be16_get(s + off);
		uint8_t type = s[off + 2];

		if (el < 6 || el > len - off)
			return RC_BAD_EVENT_LENGTH;
		if (type == EVTYP_VT220) {
			fwrite(s + off + 6, 1, el - 6, sc->console);
			fflush(sc->console);
			s[off + 3] |= 0x80;	/* processed */
			any = true;
		}
		off += el;
	}
	return any ? RC_NORMAL : RC_NO_EVENTS;
}

/* Console input waits and the guest takes VT220 events. */
static bool input_pending(const struct zv_softcpu *sc)
{
	return sc->con_in_len && (sc->sclp_guest_receive & EVMASK(EVTYP_VT220));
}

/* Read event data: the console input as one VT220 event buffer. */
static uint16_t read_event_data(struct zv_softcpu *sc, uint8_t *s, unsigned len)
{
	size_t n = sc->con_in_len;

	if (!input_pending(sc))
		return RC_NO_EVENTS;
	if (len < 8 + 6 + 2)
		return RC_SHORT_SCCB;
	if (n > len - 8 - 6 - 1)
		n = len - 8 - 6 - 1;
	/* an event buffer header, then a byte saying "session data" (0; Linux's
	 * sclp_vt220_receiver_fn, QEMU's sclpconsole), then the characters */
	memset(s + 8, 0, 7);
	be16_put(s + 8, (uint16_t)(6 + 1 + n));
	s[10] = EVTYP_VT220;
	memcpy(s + 15, sc->con_in, n);
	memmove(sc->con_in, sc->con_in + n, sc->con_in_len - n);
	sc->con_in_len -= n;
	return RC_NORMAL;
}

void sclp_poll_input(struct zv_softcpu *sc)
{
	struct pollfd p = { .fd = sc->cfg.console_in, .events = POLLIN };
	ssize_t r;

	if (!sc->cfg.has_console_in || sc->con_in_eof || sc->con_in_len == sizeof(sc->con_in))
		return;
	if (poll(&p, 1, 0) == 1) {
		r = read(sc->cfg.console_in, sc->con_in + sc->con_in_len,
			 sizeof(sc->con_in) - sc->con_in_len);
		if (r > 0)
			sc->con_in_len += (size_t)r;
		else
			sc->con_in_eof = true;	/* end of input, or an error: no more */
	}
	/* an event buffer is pending: a service signal with no SCCB */
	if (input_pending(sc) && !sc->service_signal) {
		sc->service_signal = true;
		sc->service_parm = 1;
	}
}

int sclp_servc(struct zv_softcpu *sc, uint32_t cmd, uint64_t sccb)
{
	uint64_t abs;
	uint8_t *s;
	unsigned len;
	uint16_t rc;

	/* the SCCB: a real address, doubleword aligned, below 2 GiB */
	if (sccb & ~0x7ffffff8ULL)
		return PGM_SPECIFICATION;
	abs = sc_real_to_abs(sc, sccb);
	if (abs + 8 > sc->ram_size)
		return PGM_ADDRESSING;
	s = sc->ram + abs;
	len = be16_get(s);
	if (len < 8 || len > 4096)
		return PGM_SPECIFICATION;
	if (abs + len > sc->ram_size)
		return PGM_ADDRESSING;
	if ((sccb & 0xfff) + len > 4096) {
		rc = RC_BOUNDARY;	/* it must not cross a page */
	} else {
		switch (cmd) {
		case CMD_READ_SCP_INFO:
		case CMD_READ_SCP_INFO_F:
			rc = read_scp_info(sc, s, len);
			break;
		case CMD_READ_CPU_INFO:
			rc = read_cpu_info(s, len);
			break;
		case CMD_WRITE_EVENT_MASK:
			rc = write_event_mask(sc, s, len);
			break;
		case CMD_WRITE_EVENT_DATA:
			rc = write_event_data(sc, s, len);
			break;
		case CMD_READ_EVENT_DATA:
			rc = read_event_data(sc, s, len);
			break;
		case CMD_CONFIGURE_PCI:
		case CMD_DECONFIGURE_PCI:
			/* header, adapter type, 3 reserved bytes, adapter id (FID) */
			if (len < 16)
				rc = RC_SHORT_SCCB;
			else if (s[8] != ATYPE_PCI)
				rc = RC_BAD_ADAPTER_TYPE;
			else
				rc = zv_sclp_pci_configure(sc->m, be32_get(s + 12),
							   cmd == CMD_CONFIGURE_PCI);
			break;
		default:
			rc = RC_INVALID_COMMAND;
			break;
		}
	}
	be16_put(s + 6, rc);
	/* done at once; the service signal tells the guest */
	sc->service_signal = true;
	sc->service_parm = (uint32_t)sccb | (input_pending(sc) ? 1 : 0);
	sc_set_cc(sc, 0);
	return 0;
}
