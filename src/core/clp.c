/* SPDX-License-Identifier: MIT */
/*
 * CLP (Call Logical Processor) with the PCI commands LIST PCI, QUERY PCI
 * FN, QUERY PCI FNGRP and SET PCI FN (reference §1.5, §2).
 */
#include <errno.h>
#include <string.h>

#include "arch/be.h"
#include "arch/clp.h"
#include "arch/codes.h"
#include "arch/pci.h"
#include "clp.h"
#include "core.h"
#include "cpu.h"
#include "function.h"
#include "guestmem.h"

/* Request and response of one call, in a local copy of the LPCB. */
struct clp_call {
	struct zv_machine *m;
	uint8_t *rq;		/* request block */
	uint8_t *rs;		/* response block */
	uint16_t rq_len, rs_len;
	int cc;
};

static void rsp_code(struct clp_call *c, uint16_t code)
{
	be16_put(c->rs + CLP_HDR_CMD, code);
}

/* Format nibble and reserved header fields of the request; then that the
 * response area can hold need bytes. */
static bool check_common(struct clp_call *c, unsigned need)
{
	uint32_t w = be32_get(c->rq + CLP_HDR_FMT);

	if (w >> 28) {
		rsp_code(c, CLP_RC_FMT);
		return false;
	}
	if ((w & 0x0fffffffu) || be64_get(c->rq + CLP_HDR_RSVD)) {
		rsp_code(c, CLP_RC_RESNOT0);
		return false;
	}
	if (c->rs_len < need) {
		rsp_code(c, CLP_RC_8K);
		return false;
	}
	return true;
}

/*
 * LIST PCI. The resume token is the index of the next function plus one,
 * so it is never 0 for a real continuation (QEMU's index-0 ambiguity).
 */
static void clp_list(struct clp_call *c)
{
	struct zv_machine *m = c->m;
	uint64_t token = be64_get(c->rq + CLP_LIST_RQ_TOKEN);
	size_t idx = 0, n = 0, cap;

	/* QEMU's order: format, reserved, token, response size, granule */
	if (!check_common(c, 0))
		return;
	if (be64_get(c->rq + CLP_LIST_RQ_RSVD)) {
		rsp_code(c, CLP_RC_RESNOT0);
		return;
	}
	if (token) {
		if (token > m->nfns) {
			rsp_code(c, CLP_RC_LISTPCI_BADRT);
			return;
		}
		idx = (size_t)token - 1;
	}
	if (c->rs_len < CLP_LIST_HDR_LEN + CLP_LIST_ENTRY_SIZE) {
		rsp_code(c, CLP_RC_8K);
		return;
	}
	if ((c->rs_len - CLP_LIST_HDR_LEN) % CLP_LIST_ENTRY_SIZE) {
		/* the one CLP path that also sets cc 3 (reference §2.3) */
		rsp_code(c, CLP_RC_LEN);
		c->cc = ZPCI_CC_NOT_AVAIL;
		return;
	}
	cap = (c->rs_len - CLP_LIST_HDR_LEN) / CLP_LIST_ENTRY_SIZE;
	memset(c->rs + CLP_HDR_SIZE, 0, c->rs_len - CLP_HDR_SIZE);
	for (; idx < m->nfns; idx++) {
		struct zv_function *f = m->fns[idx];
		uint8_t *e;

		if (!f || f->state == ZV_FS_RESERVED)
			continue;
		if (n == cap)
			break;
		e = c->rs + CLP_LIST_RS_ENTRY + n * CLP_LIST_ENTRY_SIZE;
		be16_put(e + CLP_LIST_E_DEVICE, f->device);
		be16_put(e + CLP_LIST_E_VENDOR, f->vendor);
		be32_put(e + CLP_LIST_E_CONFIG, fn_configured(f) ? CLP_LIST_E_CONFIGURED : 0);
		be32_put(e + CLP_LIST_E_FID, f->fid);
		be32_put(e + CLP_LIST_E_FH, f->fh);
		n++;
	}
	/* skip trailing holes so "more" is only reported for real functions */
	while (idx < m->nfns && (!m->fns[idx] || m->fns[idx]->state == ZV_FS_RESERVED))
		idx++;
	be64_put(c->rs + CLP_LIST_RS_TOKEN, idx < m->nfns ? idx + 1 : 0);
	be16_put(c->rs + CLP_LIST_RS_MAX_FN, ZV_MAX_FUNCTIONS);
	c->rs[CLP_LIST_RS_FLAGS] = CLP_LIST_FLAG_UID_CHECKING;
	c->rs[CLP_LIST_RS_ENTSZ] = CLP_LIST_ENTRY_SIZE;
	be16_put(c->rs + CLP_HDR_LEN, (uint16_t)(CLP_LIST_HDR_LEN + n * CLP_LIST_ENTRY_SIZE));
	rsp_code(c, CLP_RC_OK);
}

/* ASCII to EBCDIC (code page 037) for the utility string's characters. */
static uint8_t ebcdic(char ch)
{
	static const char *const a = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 :.-,_";
	static const uint8_t e[] = {
		0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x91, 0x92, 0x93, 0x94,
		0x95, 0x96, 0x97, 0x98, 0x99, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9,
		0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xd1, 0xd2, 0xd3, 0xd4,
		0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9,
		0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0x40, 0x7a, 0x4b,
		0x60, 0x6b, 0x6d,
	};
	const char *p = strchr(a, ch);

	return p && ch ? e[p - a] : 0x6f;	/* '?' */
}

static unsigned log2_size(uint64_t size)
{
	unsigned n = 0;

	while (n < 63 && (1ULL << n) < size)
		n++;
	return size ? n : 0;
}

static void clp_query_fn(struct clp_call *c)
{
	struct zv_function *f;
	uint8_t *r = c->rs;

	if (!check_common(c, CLP_QFN_RS_LEN))
		return;
	if (be32_get(c->rq + CLP_QFN_RQ_RSVD1) || be64_get(c->rq + CLP_QFN_RQ_RSVD2)) {
		rsp_code(c, CLP_RC_RESNOT0);
		return;
	}
	/* standby functions answer too: Linux queries every listed function,
	 * configured or not (arch/s390/pci/pci_clp.c, __clp_add) */
	f = fn_by_fh(c->m, be32_get(c->rq + CLP_QFN_RQ_FH));
	if (!f || f->state == ZV_FS_RESERVED) {
		rsp_code(c, CLP_RC_SETPCIFN_FH);
		return;
	}
	memset(r + CLP_HDR_SIZE, 0, CLP_QFN_RS_LEN - CLP_HDR_SIZE);
	be16_put(r + CLP_QFN_RS_VFN, f->vfn);
	be16_put(r + CLP_QFN_RS_PCHID, f->pchid);
	memcpy(r + CLP_QFN_RS_PFIP, f->pfip, sizeof(f->pfip));
	r[CLP_QFN_RS_FLAGS] = CLP_QFN_FLAG_UTIL;
	r[CLP_QFN_RS_PFGID] = f->group->id;
	be32_put(r + CLP_QFN_RS_FID, f->fid);
	for (unsigned i = 0; i < 6; i++) {
		r[CLP_QFN_RS_BAR_SIZE + i] = (uint8_t)log2_size(f->bar_size[i]);
		/* little-endian, as Linux reads it (reference §2.4 DISCREPANCY) */
		le32_put(r + CLP_QFN_RS_BAR + 4 * i, f->bar_size[i] ? f->bar_val[i] : 0);
	}
	r[CLP_QFN_RS_FMB_LEN] = 0x40 / 4;
	be64_put(r + CLP_QFN_RS_SDMA, f->sdma);
	be64_put(r + CLP_QFN_RS_EDMA, f->edma);
	be32_put(r + CLP_QFN_RS_UID, f->uid);
	memset(r + CLP_QFN_RS_UTIL, 0x40, CLP_QFN_UTIL_LEN);	/* EBCDIC blanks */
	if (f->util_len)	/* the host's own utility string (EBCDIC already) */
		memcpy(r + CLP_QFN_RS_UTIL, f->util,
		       f->util_len < CLP_QFN_UTIL_LEN ? f->util_len : CLP_QFN_UTIL_LEN);
	else
		for (unsigned i = 0; f->dev->name[i] && i < CLP_QFN_UTIL_LEN; i++)
			r[CLP_QFN_RS_UTIL + i] = ebcdic(f->dev->name[i]);
	rsp_code(c, CLP_RC_OK);
}

static void clp_query_grp(struct clp_call *c)
{
	uint32_t w = be32_get(c->rq + CLP_QGRP_RQ_PFGID);
	const struct zv_group *g;
	uint8_t *r = c->rs;

	if (!check_common(c, CLP_QGRP_RS_LEN))
		return;
	if ((w & 0xffffff00u) || be32_get(c->rq + CLP_QGRP_RQ_RSVD1) ||
	    be64_get(c->rq + CLP_QGRP_RQ_RSVD2)) {
		rsp_code(c, CLP_RC_RESNOT0);
		return;
	}
	g = &c->m->groups[w & 0xff];
	if (!g->used) {
		rsp_code(c, CLP_RC_QUERYPCIFG_PFGID);
		return;
	}
	memset(r + CLP_HDR_SIZE, 0, CLP_QGRP_RS_LEN - CLP_HDR_SIZE);
	be16_put(r + CLP_QGRP_RS_NOI, g->noi & 0xfff);
	r[CLP_QGRP_RS_VERSION] = g->version;
	r[CLP_QGRP_RS_FLAGS] = g->flags;
	be16_put(r + CLP_QGRP_RS_MAXSTBL, g->maxstbl & 0x1fff);
	be16_put(r + CLP_QGRP_RS_MUI, g->mui);
	r[CLP_QGRP_RS_DTSM] = g->dtsm;
	be64_put(r + CLP_QGRP_RS_DASM, g->dasm);
	be64_put(r + CLP_QGRP_RS_MSIA, g->msia);
	rsp_code(c, CLP_RC_OK);
}

static void clp_set_fn(struct clp_call *c)
{
	struct zv_function *f;
	uint8_t oc = c->rq[CLP_SFN_RQ_OC], ndas = c->rq[CLP_SFN_RQ_NDAS];

	if (!check_common(c, CLP_SFN_RS_LEN))
		return;
	if (be16_get(c->rq + CLP_SFN_RQ_RSVD1) || be32_get(c->rq + CLP_SFN_RQ_RSVD2)) {
		rsp_code(c, CLP_RC_RESNOT0);
		return;
	}
	memset(c->rs + CLP_HDR_SIZE, 0, CLP_SFN_RS_LEN - CLP_HDR_SIZE);
	f = fn_by_fh(c->m, be32_get(c->rq + CLP_SFN_RQ_FH));
	if (!f) {
		rsp_code(c, CLP_RC_SETPCIFN_FH);
		return;
	}
	/* a standby or reserved function cannot be enabled (QEMU allows it:
	 * reference §11) */
	if (!fn_configured(f)) {
		rsp_code(c, CLP_RC_SETPCIFN_FHOP);
		return;
	}
	if (f->state == ZV_FS_PERMANENT_ERROR) {
		rsp_code(c, CLP_RC_SETPCIFN_ERR);
		return;
	}
	switch (oc) {
	case CLP_SFN_OC_ENABLE:
		/* QEMU's order: the DMA address-space count, then the state */
		if (ndas == 0) {
			rsp_code(c, CLP_RC_SETPCIFN_DMAAS);
			return;
		}
		if (ndas > 1) {
			rsp_code(c, CLP_RC_SETPCIFN_RES);
			return;
		}
		if (f->fh & FH_ENABLED) {
			/* firmware's answer; Linux then refreshes the handle by LIST */
			rsp_code(c, CLP_RC_SETPCIFN_ALRDY);
			return;
		}
		if (fn_enable(f)) {
			/* interpreted, and the host's function is off: QEMU's
			 * answer (s390-pci-inst.c, clp_service_call) */
			rsp_code(c, CLP_RC_SETPCIFN_FH);
			return;
		}
		break;
	case CLP_SFN_OC_DISABLE:
		if (!(f->fh & FH_ENABLED)) {
			rsp_code(c, CLP_RC_SETPCIFN_ALRDY);
			return;
		}
		switch (fn_disable(f)) {
		case 0:
			break;
		case -EBUSY:
			/* a step of a large teardown: "function busy", which
			 * Linux's clp_set_pci_fn() retries (100 times, 20 ms
			 * apart); the same disable continues */
			rsp_code(c, CLP_RC_SETPCIFN_BUSY);
			return;
		default:	/* permanent error, with its event */
			rsp_code(c, CLP_RC_SETPCIFN_ERR);
			return;
		}
		break;
	default:	/* MIO enable/disable: MIO is never offered */
		rsp_code(c, CLP_RC_SETPCIFN_FHOP);
		return;
	}
	be32_put(c->rs + CLP_SFN_RS_FH, f->fh);
	rsp_code(c, CLP_RC_OK);
}

int clp_service_call(struct zv_machine *m, struct zv_cpu *cpu, const struct zpci_insn *in)
{
	uint8_t blk[CLP_LPCB_MAX];
	uint64_t la = zpci_amode_wrap(cpu->gpr[in->r2], cpu->psw_mask);
	struct clp_call c = { .m = m, .rq = blk };
	int code;

	if (cpu->psw_mask & ZV_PSW_MASK_PSTATE)
		return ZV_PGM_PRIVILEGED;
	code = gm_read_logical(m, cpu, la, in->r2, blk, 4);
	if (code)
		return code;
	c.rq_len = be16_get(blk + CLP_HDR_LEN);
	if (c.rq_len < CLP_REQ_LEN_MIN || c.rq_len > CLP_REQ_LEN_MAX || c.rq_len % 8)
		return ZV_PGM_OPERAND;
	code = gm_read_logical(m, cpu, la + c.rq_len, in->r2, blk + c.rq_len, 4);
	if (code)
		return code;
	c.rs_len = be16_get(blk + c.rq_len + CLP_HDR_LEN);
	if (c.rs_len < CLP_RSP_LEN_MIN || c.rs_len > CLP_RSP_LEN_MAX || c.rs_len % 8 ||
	    c.rq_len + c.rs_len > CLP_LPCB_MAX)
		return ZV_PGM_OPERAND;
	/* one copy of the whole block: no double fetch of guest fields */
	code = gm_read_logical(m, cpu, la, in->r2, blk, (size_t)c.rq_len + c.rs_len);
	if (code)
		return code;
	c.rs = blk + c.rq_len;
	/* the store must be possible before anything changes state */
	code = gm_write_logical(m, cpu, la + c.rq_len, in->r2, c.rs, c.rs_len);
	if (code)
		return code;

	if (c.rq_len != CLP_PCI_REQ_LEN) {
		rsp_code(&c, CLP_RC_LEN);
	} else {
		switch (be16_get(c.rq + CLP_HDR_CMD)) {
		case CLP_LIST_PCI: clp_list(&c); break;
		case CLP_QUERY_PCI_FN: clp_query_fn(&c); break;
		case CLP_QUERY_PCI_FNGRP: clp_query_grp(&c); break;
		case CLP_SET_PCI_FN: clp_set_fn(&c); break;
		default: rsp_code(&c, CLP_RC_CMD); break;
		}
	}
	gm_write_logical(m, cpu, la + c.rq_len, in->r2, c.rs, c.rs_len);
	set_cc(cpu, c.cc);
	return 0;
}
