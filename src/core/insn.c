/* SPDX-License-Identifier: MIT */
/*
 * One handler per intercepted zPCI instruction, each checking in QEMU's
 * order (reference §1.5, §3.2, §3.3, §4.6, §5.5), with the deviations the
 * reference recommends noted where they occur.
 */
#include <errno.h>
#include <string.h>

#include "arch/be.h"
#include "arch/codes.h"
#include "arch/fib.h"
#include "arch/pci.h"
#include "clp.h"
#include "core.h"
#include "cpu.h"
#include "dma.h"
#include "events.h"
#include "fmb.h"
#include "function.h"
#include "guestmem.h"
#include "irq.h"
#include "msix.h"
#include "pcicfg.h"
#include "state.h"

#define PCIAS_CFG 15

static int cc1(struct zv_cpu *cpu, int r, uint8_t status)
{
	set_status(cpu, r, status);
	set_cc(cpu, ZPCI_CC_ERROR);
	return 0;
}

static int cc3(struct zv_cpu *cpu)
{
	set_cc(cpu, ZPCI_CC_NOT_AVAIL);
	return 0;
}

static bool pstate(const struct zv_cpu *cpu)
{
	return (cpu->psw_mask & ZV_PSW_MASK_PSTATE) != 0;
}

/* Function for a load/store/RPCIT/MPCIFC handle: exact match, enabled. */
static struct zv_function *fn_enabled_by_fh(struct zv_machine *m, uint32_t fh)
{
	if (!(fh & FH_ENABLED))
		return NULL;
	return fn_by_fh(m, fh);
}

/*
 * The function a load/store instruction addresses, and the answer when it
 * cannot be used: cc 3 unless the handle is current and enabled; cc 1
 * status 12 in the error states (load/store blocked). Returns NULL when
 * the answer has been set in cpu (status to register r).
 */
static struct zv_function *ls_function(struct zv_machine *m, struct zv_cpu *cpu, uint64_t req,
				       int r)
{
	struct zv_function *f = fn_enabled_by_fh(m, (uint32_t)(req >> 32));

	if (!f || (f->state != ZV_FS_ENABLED && f->state != ZV_FS_BLOCKED &&
		   f->state != ZV_FS_ERROR && f->state != ZV_FS_PERMANENT_ERROR)) {
		cc3(cpu);
		return NULL;
	}
	if (f->state == ZV_FS_ERROR || f->state == ZV_FS_PERMANENT_ERROR) {
		cc1(cpu, r, ZPCI_ST_BLOCKED);
		return NULL;
	}
	return f;
}

/* Length and alignment rules of PCILG/PCISTG; 0 or a program code. */
static int check_ls(struct zv_function *f, unsigned pcias, uint64_t off, unsigned len, bool *cfg)
{
	*cfg = pcias == PCIAS_CFG;
	if (*cfg) {
		if ((len != 1 && len != 2 && len != 4) || (off & 3) + len > 4 ||
		    off > f->cfg_size - len)
			return ZV_PGM_OPERAND;
		return 0;
	}
	/* lengths 3, 5, 6, 7 are not PCI transactions (QEMU accepts them) */
	if ((len != 1 && len != 2 && len != 4 && len != 8) || (off & 7) + len > 8 ||
	    off >= f->bar_size[pcias] || len > f->bar_size[pcias] - off)
		return ZV_PGM_OPERAND;
	return 0;
}

/* PCIAS 0-5 with an implemented BAR, or 15; else cc 1 status 20. */
static bool pcias_valid(const struct zv_function *f, unsigned pcias, bool cfg_ok)
{
	if (pcias == PCIAS_CFG)
		return cfg_ok;
	return pcias <= 5 && f->bar_size[pcias] != 0;
}

/* The host could not reach the device (the backend's region access
 * failed): the guest's operands were valid, so no exception; the function
 * is in error, as when the bus reports one -- cc 1 status 8 and an error
 * event (SERR), after which Linux runs its error recovery. */
static int region_failed(struct zv_function *f, struct zv_cpu *cpu, int r, uint64_t off,
			 bool store)
{
	f->m->st.region_failures++;
	fn_set_error(f, ZPCI_PEC_SERR, off, store);
	return cc1(cpu, r, ZPCI_ST_ERROR);
}

static int pci_load_store(struct zv_machine *m, struct zv_cpu *cpu, const struct zpci_insn *in,
			  bool store)
{
	struct zv_function *f;
	uint64_t req, off;
	unsigned pcias, len;
	uint8_t data[8];
	bool cfg;
	int code, rc;

	if (pstate(cpu))
		return ZV_PGM_PRIVILEGED;
	if (in->r2 & 1)
		return ZV_PGM_SPECIFICATION;
	req = cpu->gpr[in->r2];
	off = cpu->gpr[in->r2 + 1];
	f = ls_function(m, cpu, req, in->r2);
	if (!f)
		return 0;
	pcias = (req >> 16) & 0xf;
	len = req & 0xf;
	if (!pcias_valid(f, pcias, true))
		return cc1(cpu, in->r2, ZPCI_ST_INVAL_AS);
	code = check_ls(f, pcias, off, len, &cfg);
	if (code)
		return code;
	if (store)
		be_n_put(data, len, cpu->gpr[in->r1]);
	/* a device signals a masked vector before the guest reads its
	 * pending bit, as on a PCI bus: take what the devices signalled and
	 * nobody dispatched yet (under KVM the VMM's event thread may not
	 * have run) */
	if (!store && !cfg && msix_hits_pba(f, pcias, off, len))
		zv_dispatch(m);
	rc = cfg ? fn_cfg_access(f, off, data, len, store)
		 : fn_bar_access(f, pcias, off, data, len, store);
	if (rc)	/* the host could not reach the device */
		return region_failed(f, cpu, in->r2, off, store);
	if (store) {
		f->fmb.st++;
	} else {
		cpu->gpr[in->r1] = be_n_get(data, len);
		f->fmb.ld++;
	}
	set_cc(cpu, ZPCI_CC_OK);
	return 0;
}

static int pcistb(struct zv_machine *m, struct zv_cpu *cpu, const struct zpci_insn *in)
{
	uint8_t data[ZV_MAXSTBL];
	struct zv_function *f;
	uint64_t req, off, la;
	unsigned pcias, len;
	int code;

	if (pstate(cpu))
		return ZV_PGM_PRIVILEGED;
	req = cpu->gpr[in->r1];
	off = cpu->gpr[in->r3];
	la = zpci_insn_addr(in, cpu->gpr, cpu->psw_mask);
	f = ls_function(m, cpu, req, in->r1);
	if (!f)
		return 0;
	pcias = (req >> 16) & 0xf;
	len = req & 0x1fff;	/* 13 bits (QEMU once read 8) */
	if (!pcias_valid(f, pcias, false))
		return cc1(cpu, in->r1, ZPCI_ST_INVAL_AS);
	if ((off & 7) || len <= 8 || (len & 7) || len > f->group->maxstbl ||
	    (off & 0xfff) + len > 4096 || (la & 7))
		return ZV_PGM_SPECIFICATION;
	/* every 8-byte piece must be inside the BAR */
	if (off >= f->bar_size[pcias] || len > f->bar_size[pcias] - off)
		return ZV_PGM_OPERAND;
	code = gm_read_logical(m, cpu, la, in->b2, data, len);
	if (code)
		return code;
	/* one backend write per block (QEMU: one per doubleword) */
	if (fn_bar_access(f, pcias, off, data, len, true))
		return region_failed(f, cpu, in->r1, off, true);
	f->fmb.stb++;
	set_cc(cpu, ZPCI_CC_OK);
	return 0;
}

static int rpcit(struct zv_machine *m, struct zv_cpu *cpu, const struct zpci_insn *in)
{
	struct zv_function *f;
	uint64_t start, len, faddr = 0;
	uint16_t pec = 0;
	int rc;

	if (pstate(cpu))
		return ZV_PGM_PRIVILEGED;
	if (in->r2 & 1)
		return ZV_PGM_SPECIFICATION;
	f = fn_enabled_by_fh(m, (uint32_t)(cpu->gpr[in->r1] >> 32));
	if (!f || !fn_configured(f) || f->state == ZV_FS_DISABLED ||
	    f->state == ZV_FS_PERMANENT_ERROR)
		return cc3(cpu);
	if (f->state == ZV_FS_ERROR)
		return cc1(cpu, in->r1, ZPCI_RPCIT_ST_ERROR_RECOVERY);
	start = cpu->gpr[in->r2];
	len = cpu->gpr[in->r2 + 1];
	rc = dma_rpcit(f, start, len, &pec, &faddr);
	if (rc == -EBUSY) {
		/* a step of a long refresh: the guest issues it again (dma.c) */
		set_cc(cpu, ZPCI_CC_BUSY);
		return 0;
	}
	if (rc == -ENOSPC)
		return cc1(cpu, in->r1, ZPCI_ST_INSUF_RES);
	if (rc == -EREMOTEIO) {
		/* the host failed the device's IOMMU: fenced, in error */
		fn_set_error(f, ZPCI_PEC_SERR, start, false);
		return cc1(cpu, in->r1, ZPCI_ST_ERROR);
	}
	if (rc) {
		fn_set_error(f, pec, faddr, false);
		return cc1(cpu, in->r1, ZPCI_ST_ERROR);
	}
	set_cc(cpu, ZPCI_CC_OK);
	return 0;
}

static int reg_int(struct zv_function *f, struct zv_cpu *cpu, int r1, const struct zpci_fib *fib)
{
	struct fn_irq *ir = &f->irq;
	uint64_t vbytes;

	if (ir->registered)
		return cc1(cpu, r1, ZPCI_MOD_ST_SEQUENCE);
	/* QEMU sizes the vector from NOI alone and never checks NOI against
	 * the group (reference §8); zvfio checks both. */
	if (fib->noi == 0 || fib->noi > f->group->noi)
		return cc1(cpu, r1, ZPCI_MOD_ST_INSUF_RES);
	vbytes = ((uint64_t)fib->aibvo + fib->noi + 7) / 8;
	ir->aibv_host = gm_ptr(f->m, fib->aibv, vbytes);
	ir->aisb_host = gm_ptr(f->m, fib->aisb, 8);
	if (!ir->aibv_host || (fib->sum && !ir->aisb_host)) {
		ir->aibv_host = ir->aisb_host = NULL;
		return cc1(cpu, r1, ZPCI_MOD_ST_RES_NOT_AVAIL);
	}
	if (f->interp) {
		/* the host delivers (adapter event notification): the kernel
		 * takes no indicator offset, so one must be 0 (QEMU passes
		 * none either) */
		struct zv_aen aen = {
			.host_fh = f->fh, .aibv = fib->aibv, .aisb = fib->sum ? fib->aisb : 0,
			.noi = fib->noi, .isc = fib->isc, .aibvo = fib->aibvo, .aisbo = fib->aisbo,
			.sum = fib->sum,
		};

		if (fib->aibvo) {
			ir->aibv_host = ir->aisb_host = NULL;
			return cc1(cpu, r1, ZPCI_MOD_ST_INSUF_RES);
		}
		/* refused by the host: QEMU's answer, "sequence"
		 * (s390-pci-inst.c, mpcifc_reg_int_interp) */
		if (f->m->hv->aen(f->m->hv_opaque, f, &aen)) {
			ir->aibv_host = ir->aisb_host = NULL;
			return cc1(cpu, r1, ZPCI_MOD_ST_SEQUENCE);
		}
	}
	ir->isc = fib->isc;
	ir->noi = fib->noi;
	ir->aibvo = fib->aibvo;
	ir->sum = fib->sum;
	ir->aisbo = fib->aisbo;
	ir->aibv = fib->aibv;
	ir->aisb = fib->aisb;
	ir->registered = true;
	fn_irq_changed(f);
	set_cc(cpu, ZPCI_CC_OK);
	return 0;
}

/* The host failed the function in a way the guest cannot fix by asking
 * again: the error state with an error event (SERR: Linux runs its error
 * recovery), and cc 1 with "error recovery" as the status. */
static int host_failed(struct zv_function *f, struct zv_cpu *cpu, int r1)
{
	fn_set_error(f, ZPCI_PEC_SERR, 0, false);
	return cc1(cpu, r1, ZPCI_MOD_ST_ERROR_RECOVER);
}

static int mpcifc(struct zv_machine *m, struct zv_cpu *cpu, const struct zpci_insn *in)
{
	uint8_t raw[ZPCI_FIB_SIZE];
	struct zpci_fib fib;
	struct zv_function *f;
	uint64_t req, fiba;
	uint8_t oc, dmaas;
	int code;

	if (pstate(cpu))
		return ZV_PGM_PRIVILEGED;
	req = cpu->gpr[in->r1];
	oc = req & 0xff;
	dmaas = (req >> 16) & 0xff;
	fiba = zpci_insn_addr(in, cpu->gpr, cpu->psw_mask);
	if (fiba & 7)
		return ZV_PGM_SPECIFICATION;
	f = fn_enabled_by_fh(m, (uint32_t)(req >> 32));
	if (!f || !fn_configured(f) || f->state == ZV_FS_DISABLED ||
	    f->state == ZV_FS_PERMANENT_ERROR)
		return cc3(cpu);
	code = gm_read_logical(m, cpu, fiba, in->b2, raw, sizeof(raw));
	if (code)
		return code;
	zpci_fib_decode(raw, &fib);
	if (fib.fmt != 0)
		return ZV_PGM_OPERAND;

	switch (oc) {
	case ZPCI_MOD_FC_REG_INT:
		return reg_int(f, cpu, in->r1, &fib);
	case ZPCI_MOD_FC_DEREG_INT:
		if (!f->irq.registered)
			return cc1(cpu, in->r1, ZPCI_MOD_ST_SEQUENCE);
		if (f->interp && f->m->hv->aen(f->m->hv_opaque, f, NULL))
			return cc1(cpu, in->r1, ZPCI_MOD_ST_SEQUENCE);	/* as QEMU */
		f->irq = (struct fn_irq){0};
		fn_irq_changed(f);
		break;
	case ZPCI_MOD_FC_REG_IOAT:
	case ZPCI_MOD_FC_DEREG_IOAT:
	case ZPCI_MOD_FC_REREG_IOAT:
		if (dmaas != 0)
			return cc1(cpu, in->r1, ZPCI_MOD_ST_DMAAS_INVAL);
		if (oc == ZPCI_MOD_FC_REG_IOAT && f->dma.registered &&
		    !dma_register_pending(f, fib.pba, fib.pal, fib.iota))
			return cc1(cpu, in->r1, ZPCI_MOD_ST_SEQUENCE);
		/* a DEREG or REREG answered cc 2 has ended the registration
		 * already: issued again, it continues its teardown */
		if (oc != ZPCI_MOD_FC_REG_IOAT && !f->dma.registered && !f->dma.dropping)
			return cc1(cpu, in->r1, ZPCI_MOD_ST_SEQUENCE);
		if (oc == ZPCI_MOD_FC_DEREG_IOAT) {
			f->dma.registered = false;
			code = dma_unmap_all(f);
			if (code == -EBUSY) {	/* a step of a large teardown */
				set_cc(cpu, ZPCI_CC_BUSY);
				return 0;
			}
			if (code)
				return host_failed(f, cpu, in->r1);
			break;
		}
		/* an exception, not an exception plus cc 1 as QEMU does: the
		 * exception suppresses the instruction */
		code = dma_register(f, fib.pba, fib.pal, fib.iota);
		if (code == -EBUSY) {	/* the old mappings go, or relaxed
					 * translation maps, a step at a time */
			set_cc(cpu, ZPCI_CC_BUSY);
			return 0;
		}
		if (code == -ENOSPC)	/* relaxed translation: RAM does not fit the budget */
			return cc1(cpu, in->r1, ZPCI_MOD_ST_INSUF_RES);
		if (code < 0)
			return host_failed(f, cpu, in->r1);
		if (code)
			return code;
		break;
	case ZPCI_MOD_FC_RESET_ERROR:
		if (f->state != ZV_FS_ERROR && f->state != ZV_FS_BLOCKED)
			return cc1(cpu, in->r1, ZPCI_MOD_ST_SEQUENCE);
		/* mappings the host failed to remove must go before DMA may
		 * resume; after an error the device itself reported, recovery
		 * resets it, as the platform resets the function (the guest's
		 * driver re-initializes it in its slot_reset step). If the host
		 * can do neither, nothing good is true of the function any
		 * more: permanent error. */
		if (f->dma.zombies) {
			code = dma_retry_zombies(f);
			if (code == -EBUSY) {	/* a step of the retry */
				set_cc(cpu, ZPCI_CC_BUSY);
				return 0;
			}
			if (code) {
				fn_set_permanent_error(f);
				return cc3(cpu);
			}
		}
		if (f->dev_error && f->dev->ops->reset && f->dev->ops->reset(f->dev) < 0) {
			m->st.reset_failures++;
			fn_set_permanent_error(f);
			return cc3(cpu);
		}
		f->dev_error = false;
		fn_set_state(f, ZV_FS_ENABLED);
		break;
	case ZPCI_MOD_FC_RESET_BLOCK:
		if (f->state != ZV_FS_ERROR)
			return cc1(cpu, in->r1, ZPCI_MOD_ST_SEQUENCE);
		fn_set_state(f, ZV_FS_BLOCKED);
		break;
	case ZPCI_MOD_FC_SET_MEASURE:
		if ((fib.fmb_addr & 0xf) || fmb_set(f, fib.fmb_addr)) {
			/* QEMU: error event and cc 1 without a status code */
			struct zpci_event ev = { .kind = ZPCI_EVENT_ERROR, .fh = f->fh, .fid = f->fid,
						 .pec = (fib.fmb_addr & 0xf) ? ZPCI_PEC_FMBPRO : ZPCI_PEC_FMBA,
						 .faddr = fib.fmb_addr };

			m->st.error_events++;
			event_post(m, &ev);
			set_cc(cpu, ZPCI_CC_ERROR);
			return 0;
		}
		break;
	default:	/* incl. directed interruptions (16, 17): not offered */
		return ZV_PGM_OPERAND;
	}
	set_cc(cpu, ZPCI_CC_OK);
	return 0;
}

static int stpcifc(struct zv_machine *m, struct zv_cpu *cpu, const struct zpci_insn *in)
{
	uint8_t raw[ZPCI_FIB_SIZE];
	struct zpci_fib fib = {0};
	struct zv_function *f;
	uint64_t req = cpu->gpr[in->r1], fiba;
	uint32_t fh = (uint32_t)(req >> 32);
	int code;

	if (pstate(cpu))
		return ZV_PGM_PRIVILEGED;
	/* QEMU checks the DMA address space before the alignment */
	if ((req >> 16) & 0xff)
		return cc1(cpu, in->r1, ZPCI_STPCIFC_ST_INVAL_DMAAS);
	fiba = zpci_insn_addr(in, cpu->gpr, cpu->psw_mask);
	if (fiba & 7)
		return ZV_PGM_SPECIFICATION;
	f = fn_by_fh_index(m, fh);	/* by index only (reference §3.3) */
	if (!f || !fn_configured(f))
		return cc3(cpu);
	switch (f->state) {
	case ZV_FS_DISABLED:
		if (fh & FH_ENABLED)
			return cc3(cpu);
		break;	/* an all-zero FIB */
	case ZV_FS_PERMANENT_ERROR:
		return cc1(cpu, in->r1, ZPCI_STPCIFC_ST_PERM_ERROR);
	default:
		fib.fc = ZPCI_FIB_FC_ENABLED;
		if (f->state == ZV_FS_BLOCKED)
			fib.fc |= ZPCI_FIB_FC_ERROR;
		else if (f->state == ZV_FS_ERROR)
			fib.fc |= ZPCI_FIB_FC_ERROR | ZPCI_FIB_FC_LS_BLOCKED;
		if (f->dma.registered) {
			fib.fc |= ZPCI_FIB_FC_DMAAS_REG;
			fib.pba = f->dma.pba;
			fib.pal = f->dma.pal;
			fib.iota = f->dma.iota;
		}
		if (f->irq.registered) {
			fib.isc = f->irq.isc;
			fib.noi = f->irq.noi;
			fib.aibvo = f->irq.aibvo;
			fib.sum = f->irq.sum;
			fib.aisbo = f->irq.aisbo;
			fib.aibv = f->irq.aibv;
			fib.aisb = f->irq.aisb;
		}
		fib.fmb_addr = f->fmb.addr;
		break;
	}
	zpci_fib_encode(&fib, raw);
	code = gm_write_logical(m, cpu, fiba, in->b2, raw, sizeof(raw));
	if (code)
		return code;
	set_cc(cpu, ZPCI_CC_OK);
	return 0;
}

static int sic(struct zv_machine *m, struct zv_cpu *cpu, const struct zpci_insn *in)
{
	if (pstate(cpu))
		return ZV_PGM_PRIVILEGED;
	if (irq_sic(m, cpu->gpr[in->r1] & 0xffff, (cpu->gpr[in->r3] >> 27) & 7))
		return ZV_PGM_OPERAND;
	/* SIC sets no condition code: QEMU's handler (css_do_sic) leaves it */
	return 0;
}

ZV_API int zv_intercept(struct zv_machine *m, struct zv_cpu *cpu, uint16_t ipa, uint32_t ipb)
{
	struct zpci_insn in;
	struct zv_cpu work;
	int rc;

	if (!m || !cpu) {
		errno = EINVAL;
		return -1;
	}
	if (!zpci_insn_decode(ipa, ipb, &in)) {
		errno = ENOSYS;
		return -1;
	}
	m->st.intercepts[in.op]++;
	/* facility gating: SIC needs AIS (72), the others z/PCI (69) */
	if (!(m->fac & (in.op == ZV_INSN_SIC ? ZV_FAC_AIS : ZV_FAC_ZPCI))) {
		m->st.program_exceptions++;
		return ZV_PGM_OPERATION;
	}
	/* handlers work on a copy: a program exception leaves cpu untouched */
	work = *cpu;
	switch (in.op) {
	case ZV_INSN_CLP: rc = clp_service_call(m, &work, &in); break;
	case ZV_INSN_PCILG: rc = pci_load_store(m, &work, &in, false); break;
	case ZV_INSN_PCISTG: rc = pci_load_store(m, &work, &in, true); break;
	case ZV_INSN_PCISTB: rc = pcistb(m, &work, &in); break;
	case ZV_INSN_RPCIT: rc = rpcit(m, &work, &in); break;
	case ZV_INSN_MPCIFC: rc = mpcifc(m, &work, &in); break;
	case ZV_INSN_STPCIFC: rc = stpcifc(m, &work, &in); break;
	case ZV_INSN_SIC: rc = sic(m, &work, &in); break;
	default: rc = ZV_PGM_OPERATION; break;
	}
	if (rc > 0) {
		m->st.program_exceptions++;
		return rc;
	}
	*cpu = work;
	return 0;
}
