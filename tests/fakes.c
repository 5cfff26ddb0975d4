/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch/be.h"
#include "arch/clp.h"
#include "arch/codes.h"
#include "arch/fib.h"
#include "arch/pci.h"
#include "fakes.h"
#include "harness.h"

/* ---- fake backend ---- */

static struct fake_dev *fd_of(struct zv_device *d)
{
	return (struct fake_dev *)d;
}

static int f_region_info(struct zv_device *d, unsigned idx, struct dev_region_info *ri)
{
	(void)d;
	ri->flags = DEV_REGION_READ | DEV_REGION_WRITE;
	ri->size = idx == 0 || idx == 2 ? 4096 : idx == ZV_REGION_CONFIG ? 4096 : 0;
	return 0;
}

static uint8_t *region(struct fake_dev *f, unsigned idx)
{
	return idx == 0 ? f->bar0 : idx == 2 ? f->bar2 : idx == ZV_REGION_CONFIG ? f->cfg : NULL;
}

static int f_read(struct zv_device *d, unsigned idx, uint64_t off, void *buf, size_t len)
{
	struct fake_dev *f = fd_of(d);
	uint8_t *r = region(f, idx);

	if (f->fail_region_io || !r || off >= 4096 || len > 4096 - off) {
		errno = EIO;
		return -1;
	}
	memcpy(buf, r + off, len);
	return 0;
}

static int f_write(struct zv_device *d, unsigned idx, uint64_t off, const void *buf, size_t len)
{
	struct fake_dev *f = fd_of(d);
	uint8_t *r = region(f, idx);

	if (f->fail_region_io || !r || off >= 4096 || len > 4096 - off) {
		errno = EIO;
		return -1;
	}
	if (idx == 0)
		f->bar0_writes++;
	memcpy(r + off, buf, len);
	return 0;
}

static int f_set_msix(struct zv_device *d, unsigned start, unsigned count, const int *fds)
{
	struct fake_dev *f = fd_of(d);

	f->set_msix_calls++;
	if (!count) {
		for (unsigned i = 0; i < f->nvec; i++)
			f->fds[i] = -1;
		return 0;
	}
	for (unsigned i = 0; i < count; i++)
		f->fds[start + i] = fds[i];
	return 0;
}

static int f_map(struct zv_device *d, uint64_t iova, uint64_t size, void *host, bool write)
{
	struct fake_dev *f = fd_of(d);

	f->map_calls++;
	if (f->map_errno) {
		f->map_nospace += f->map_errno == ENOSPC;
		errno = f->map_errno;
		return -1;
	}
	if (f->nmaps >= f->limit) {
		f->map_nospace++;
		errno = ENOSPC;
		return -1;
	}
	if (f->nmaps == f->maps_cap) {
		unsigned cap = f->maps_cap ? f->maps_cap * 2 : 256;
		struct fake_map *m = realloc(f->maps, cap * sizeof(*m));

		if (!m)
			abort();
		f->maps = m;
		f->maps_cap = cap;
	}
	for (unsigned i = 0; i < f->nmaps; i++) {
		if (iova < f->maps[i].iova + f->maps[i].size && f->maps[i].iova < iova + size) {
			errno = EEXIST;
			return -1;
		}
	}
	f->maps[f->nmaps++] = (struct fake_map){ iova, size, host, write };
	return 0;
}

static int f_unmap(struct zv_device *d, uint64_t iova, uint64_t size)
{
	struct fake_dev *f = fd_of(d);

	f->unmap_calls++;
	if (f->unmap_errno) {
		errno = f->unmap_errno;
		return -1;
	}
	for (unsigned i = 0; i < f->nmaps;) {
		struct fake_map *mp = &f->maps[i];

		if (mp->iova >= iova && mp->iova + mp->size <= iova + size)
			*mp = f->maps[--f->nmaps];
		else
			i++;
	}
	return 0;
}

static uint64_t f_avail(struct zv_device *d)
{
	struct fake_dev *f = fd_of(d);

	return f->limit > f->nmaps ? f->limit - f->nmaps : 0;
}

static int f_reset(struct zv_device *d)
{
	fd_of(d)->resets++;
	if (fd_of(d)->no_reset)
		return 1;
	if (fd_of(d)->reset_errno) {
		errno = fd_of(d)->reset_errno;
		return -1;
	}
	return 0;
}

static void f_set_dma_blocked(struct zv_device *d, bool blocked)
{
	fd_of(d)->dma_blocked = blocked;
}

static int f_err_fd(struct zv_device *d)
{
	return fd_of(d)->err_fd;
}

static int f_take_fault(struct zv_device *d, struct dev_fault *fl)
{
	struct fake_dev *f = fd_of(d);
	uint64_t v;

	if (read(f->err_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -1;
	if (!f->fault_pending)
		return 0;
	*fl = f->fault;
	f->fault_pending = false;
	return 1;
}

static int f_req_fd(struct zv_device *d)
{
	return fd_of(d)->req_fd;
}

static int f_zpci_info(struct zv_device *d, struct dev_zpci *z)
{
	struct fake_dev *f = fd_of(d);

	f->zpci_calls++;
	if (!f->has_zpci) {
		errno = ENODATA;
		return -1;
	}
	*z = f->zpci;
	return 0;
}

static void f_destroy(struct zv_device *d)
{
	close(fd_of(d)->err_fd);
	if (fd_of(d)->req_fd >= 0)
		close(fd_of(d)->req_fd);
	free(fd_of(d)->maps);
	free(d);
}

static const struct dev_ops fake_ops = {
	.kind = "fake",
	.region_info = f_region_info,
	.region_read = f_read,
	.region_write = f_write,
	.set_msix = f_set_msix,
	.dma_map = f_map,
	.dma_unmap = f_unmap,
	.dma_avail = f_avail,
	.reset = f_reset,
	.set_dma_blocked = f_set_dma_blocked,
	.err_fd = f_err_fd,
	.take_fault = f_take_fault,
	.req_fd = f_req_fd,
	.zpci_info = f_zpci_info,
	.destroy = f_destroy,
};

struct fake_dev *fake_dev_new(unsigned nvec)
{
	struct fake_dev *f = calloc(1, sizeof(*f));
	uint8_t *cap;

	f->dev.ops = &fake_ops;
	strcpy(f->dev.name, "fake");
	f->nvec = nvec;
	f->limit = FX_DEFAULT_LIMIT;
	f->err_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	f->req_fd = -1;
	for (unsigned i = 0; i < 64; i++)
		f->fds[i] = -1;
	le16_put(f->cfg + PCI_VENDOR_ID, 0x1af4);
	le16_put(f->cfg + PCI_DEVICE_ID, 0x1234);
	le16_put(f->cfg + PCI_STATUS, PCI_STATUS_CAP_LIST);
	le32_put(f->cfg + PCI_BAR0, 0xfe000000);
	le32_put(f->cfg + PCI_BAR0 + 8, 0xfe001000);
	f->cfg[PCI_CAP_PTR] = 0x40;
	cap = f->cfg + 0x40;
	cap[0] = PCI_CAP_ID_MSIX;
	le16_put(cap + PCI_MSIX_FLAGS, (uint16_t)(nvec - 1));
	le32_put(cap + PCI_MSIX_TABLE, 0x000 | 2);
	le32_put(cap + PCI_MSIX_PBA, 0x800 | 2);
	return f;
}

void fake_raise(struct fake_dev *f, unsigned vec)
{
	uint64_t one = 1;

	if (vec < f->nvec && f->fds[vec] >= 0 && write(f->fds[vec], &one, sizeof(one)) == sizeof(one))
		dev_hint(&f->dev);
}

void fake_fault(struct fake_dev *f, uint64_t iova, bool write_, bool prot)
{
	uint64_t one = 1;

	f->fault = (struct dev_fault){ .iova = iova, .write = write_, .prot = prot };
	f->fault_pending = true;
	if (write(f->err_fd, &one, sizeof(one)) != sizeof(one))
		abort();
}

void fake_device_error(struct fake_dev *f)
{
	uint64_t one = 1;

	f->fault = (struct dev_fault){ .device_error = true };
	f->fault_pending = true;
	if (write(f->err_fd, &one, sizeof(one)) != sizeof(one))
		abort();
}

void fake_req_enable(struct fake_dev *f)
{
	if (f->req_fd < 0)
		f->req_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (f->req_fd < 0)
		abort();
}

void fake_req(struct fake_dev *f)
{
	uint64_t one = 1;

	if (f->req_fd < 0 || write(f->req_fd, &one, sizeof(one)) != sizeof(one))
		abort();
	dev_hint(&f->dev);
}

bool fake_lookup(struct fake_dev *f, uint64_t iova, void **host, bool *write_)
{
	for (unsigned i = 0; i < f->nmaps; i++) {
		struct fake_map *mp = &f->maps[i];

		if (iova >= mp->iova && iova < mp->iova + mp->size) {
			if (host)
				*host = (uint8_t *)mp->host + (iova - mp->iova);
			if (write_)
				*write_ = mp->write;
			return true;
		}
	}
	return false;
}

/* ---- fake hypervisor ---- */

static int fx_translate(void *hv, const struct zv_cpu *cpu, uint64_t la, uint8_t ar, bool w,
			uint64_t *abs)
{
	struct fx *x = hv;

	(void)cpu;
	(void)w;
	x->last_ar = ar;
	if (x->translate_fault && la >= x->translate_fault_at)
		return x->translate_fault;
	*abs = la;
	return 0;
}

static void fx_inject(void *hv, uint8_t isc)
{
	((struct fx *)hv)->injected[isc & 7]++;
}

static void fx_crw(void *hv)
{
	((struct fx *)hv)->crws++;
}

static const struct zv_hv_ops fx_hv = {
	.translate = fx_translate,
	.inject_adapter = fx_inject,
	.crw_pending = fx_crw,
};

void fx_init(struct fx *x, unsigned nfns, uint32_t fac)
{
	memset(x, 0, sizeof(*x));
	x->ram = mmap(NULL, FX_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (x->ram == MAP_FAILED)
		abort();
	struct zv_mem_region mem = { .gpa = 0, .size = FX_RAM_SIZE, .host = x->ram };
	struct zv_machine_config cfg = {
		.mem = &mem, .n_mem = 1, .hv = &fx_hv, .hv_opaque = x, .facilities = fac,
	};
	x->m = zv_machine_create(&cfg);
	if (!x->m)
		abort();
	for (unsigned i = 0; i < nfns; i++) {
		x->dev[i] = fake_dev_new(8);
		x->fn[i] = zv_function_add(x->m, &x->dev[i]->dev, ZV_UID_AUTO, ZV_FID_AUTO);
		if (!x->fn[i])
			abort();
	}
	x->cpu.psw_mask = ZV_PSW_MASK_EA | ZV_PSW_MASK_BA;
}

int fx_add(struct fx *x, struct fake_dev *d)
{
	unsigned i;

	for (i = 0; i < 4 && x->fn[i]; i++)
		;
	if (i == 4)
		abort();
	x->fn[i] = zv_function_add(x->m, &d->dev, ZV_UID_AUTO, ZV_FID_AUTO);
	if (!x->fn[i]) {
		int e = errno;

		d->dev.ops->destroy(&d->dev);
		errno = e;
		return -1;
	}
	x->dev[i] = d;
	return (int)i;
}

void fx_fini(struct fx *x)
{
	zv_machine_destroy(x->m);
	munmap(x->ram, FX_RAM_SIZE);
}

void fx_w8(struct fx *x, uint64_t a, uint8_t v) { x->ram[a] = v; }
void fx_w16(struct fx *x, uint64_t a, uint16_t v) { be16_put(x->ram + a, v); }
void fx_w32(struct fx *x, uint64_t a, uint32_t v) { be32_put(x->ram + a, v); }
void fx_w64(struct fx *x, uint64_t a, uint64_t v) { be64_put(x->ram + a, v); }
uint8_t fx_r8(struct fx *x, uint64_t a) { return x->ram[a]; }
uint16_t fx_r16(struct fx *x, uint64_t a) { return be16_get(x->ram + a); }
uint32_t fx_r32(struct fx *x, uint64_t a) { return be32_get(x->ram + a); }
uint64_t fx_r64(struct fx *x, uint64_t a) { return be64_get(x->ram + a); }

int fx_rre(struct fx *x, uint16_t op, unsigned r1, unsigned r2)
{
	return zv_intercept(x->m, &x->cpu, op, (uint32_t)(r1 << 4 | r2) << 16);
}

int fx_clp_insn(struct fx *x, unsigned r2)
{
	/* RRF-c: M3 = 0, M4 = 2 (PCI), R1 = 0 */
	return zv_intercept(x->m, &x->cpu, 0xb9a0, (uint32_t)0x02 << 24 | (uint32_t)r2 << 16);
}

static uint32_t ipb_long(unsigned b2, int32_t d2, uint8_t op2)
{
	uint32_t d = (uint32_t)d2 & 0xfffff;

	return (uint32_t)b2 << 28 | (d & 0xfff) << 16 | (d >> 12) << 8 | op2;
}

int fx_rxy(struct fx *x, uint8_t op0, uint8_t op2, unsigned r1, unsigned x2, unsigned b2, int32_t d2)
{
	return zv_intercept(x->m, &x->cpu, (uint16_t)(op0 << 8 | r1 << 4 | x2), ipb_long(b2, d2, op2));
}

int fx_rsy(struct fx *x, uint8_t op0, uint8_t op2, unsigned r1, unsigned r3, unsigned b2, int32_t d2)
{
	return zv_intercept(x->m, &x->cpu, (uint16_t)(op0 << 8 | r1 << 4 | r3), ipb_long(b2, d2, op2));
}

int fx_cc(struct fx *x)
{
	return (int)((x->cpu.psw_mask >> ZV_PSW_CC_SHIFT) & 3);
}

uint8_t fx_status(struct fx *x, unsigned r)
{
	return (uint8_t)(x->cpu.gpr[r] >> 24);
}

uint16_t fx_clp(struct fx *x, uint16_t cmd, uint16_t rsp_len, int *cc)
{
	int rc;

	fx_w16(x, FX_LPCB, 32);
	fx_w16(x, FX_LPCB + 2, cmd);
	fx_w16(x, FX_LPCB + 32, rsp_len);
	x->cpu.gpr[2] = FX_LPCB;
	rc = fx_clp_insn(x, 2);
	EXPECT_EQ(rc, 0);
	if (cc)
		*cc = fx_cc(x);
	return fx_r16(x, FX_LPCB + 32 + 2);
}

uint16_t fx_clp_query(struct fx *x, uint16_t cmd, uint32_t word)
{
	int cc = -1;
	uint16_t rc;

	memset(x->ram + FX_LPCB, 0, 8192);
	fx_w32(x, FX_LPCB + 0x10, word);
	rc = fx_clp(x, cmd, 4096 - 32, &cc);
	EXPECT_EQ(cc, 0);
	return rc;
}

uint32_t fx_enable(struct fx *x, unsigned i)
{
	EXPECT_EQ(fx_clp_set_fn(x, zv_function_fh(x->fn[i]), 0), CLP_RC_OK);
	return fx_r32(x, FX_LPCB + 32 + 0x10);
}

uint16_t fx_clp_set_fn(struct fx *x, uint32_t fh, uint8_t oc)
{
	memset(x->ram + FX_LPCB, 0, 8192);
	fx_w32(x, FX_LPCB + 0x10, fh);
	fx_w8(x, FX_LPCB + 0x16, oc);
	fx_w8(x, FX_LPCB + 0x17, 1);
	return (uint16_t)fx_clp(x, CLP_SET_PCI_FN, 4096 - 32, NULL);
}

int fx_pcilg(struct fx *x, uint32_t fh, unsigned pcias, unsigned len, uint64_t off, uint64_t *data)
{
	int rc;

	x->cpu.gpr[2] = (uint64_t)fh << 32 | (uint64_t)pcias << 16 | len;
	x->cpu.gpr[3] = off;
	rc = fx_rre(x, 0xb9d2, 1, 2);
	if (data)
		*data = x->cpu.gpr[1];
	return rc;
}

int fx_pcistg(struct fx *x, uint32_t fh, unsigned pcias, unsigned len, uint64_t off, uint64_t data)
{
	x->cpu.gpr[1] = data;
	x->cpu.gpr[2] = (uint64_t)fh << 32 | (uint64_t)pcias << 16 | len;
	x->cpu.gpr[3] = off;
	return fx_rre(x, 0xb9d0, 1, 2);
}

int fx_mpcifc(struct fx *x, uint32_t fh, uint8_t dmaas, uint8_t oc)
{
	x->cpu.gpr[1] = (uint64_t)fh << 32 | (uint64_t)dmaas << 16 | oc;
	x->cpu.gpr[5] = FX_FIB;
	return fx_rxy(x, 0xe3, 0xd0, 1, 0, 5, 0);
}

int fx_stpcifc(struct fx *x, uint32_t fh, uint8_t dmaas, uint64_t fib_addr)
{
	x->cpu.gpr[1] = (uint64_t)fh << 32 | (uint64_t)dmaas << 16;
	x->cpu.gpr[5] = fib_addr;
	return fx_rxy(x, 0xe3, 0xd4, 1, 0, 5, 0);
}

int fx_rpcit(struct fx *x, uint32_t fh, uint64_t start, uint64_t len)
{
	x->cpu.gpr[1] = (uint64_t)fh << 32;
	x->cpu.gpr[2] = start;
	x->cpu.gpr[3] = len;
	return fx_rre(x, 0xb9d3, 1, 2);
}

int fx_reg_ioat(struct fx *x, uint32_t fh, uint64_t rt, uint64_t pba, uint64_t pal)
{
	for (unsigned i = 0; i < 2048; i++)
		fx_w64(x, rt + 8 * i, 0x20);
	memset(x->ram + FX_FIB, 0, ZPCI_FIB_SIZE);
	fx_w64(x, FX_FIB + 0x10, pba);
	fx_w64(x, FX_FIB + 0x18, pal);
	fx_w64(x, FX_FIB + 0x20, rt | 0x804);
	return fx_mpcifc_retry(x, fh, 0, ZPCI_MOD_FC_REG_IOAT);
}

/* As Linux's zpci_mod_fc(): the same MPCIFC again while cc is 2. */
int fx_mpcifc_retry(struct fx *x, uint32_t fh, uint8_t dmaas, uint8_t oc)
{
	int rc;

	do
		rc = fx_mpcifc(x, fh, dmaas, oc);
	while (rc == 0 && fx_cc(x) == 2);
	return rc;
}

void fx_map_page(struct fx *x, uint64_t rt, uint64_t iova, uint64_t frame, bool prot,
		 uint64_t *next_table)
{
	uint64_t rtep = rt + 8 * ((iova >> 31) & 0x7ff), rte = fx_r64(x, rtep), st, stp, ste, pt;

	if (rte & 0x20) {
		st = (*next_table + 0x3fff) & ~0x3fffULL;
		*next_table = st + 0x4000;
		for (unsigned i = 0; i < 2048; i++)
			fx_w64(x, st + 8 * i, 0x20);
		fx_w64(x, rtep, st | 0x07);
		rte = st | 0x07;
	}
	st = rte & ~0x3fffULL;
	stp = st + 8 * ((iova >> 20) & 0x7ff);
	ste = fx_r64(x, stp);
	if (ste & 0x20) {
		pt = (*next_table + 0x7ff) & ~0x7ffULL;
		*next_table = pt + 0x800;
		for (unsigned i = 0; i < 256; i++)
			fx_w64(x, pt + 8 * i, 0x400);
		fx_w64(x, stp, pt);
		ste = pt;
	}
	pt = ste & ~0x7ffULL;
	fx_w64(x, pt + 8 * ((iova >> 12) & 0xff), frame | (prot ? 0x200 : 0));
}

uint64_t fx_rte_addr(uint64_t rt, uint64_t iova)
{
	return rt + 8 * ((iova >> 31) & 0x7ff);
}

uint64_t fx_ste_addr(struct fx *x, uint64_t rt, uint64_t iova)
{
	return (fx_r64(x, fx_rte_addr(rt, iova)) & ~0x3fffULL) + 8 * ((iova >> 20) & 0x7ff);
}

uint64_t fx_pte_addr(struct fx *x, uint64_t rt, uint64_t iova)
{
	return (fx_r64(x, fx_ste_addr(x, rt, iova)) & ~0x7ffULL) + 8 * ((iova >> 12) & 0xff);
}

/* As Linux's zpci_refresh_trans(): the same RPCIT again while cc is 2. */
int fx_rpcit_cc(struct fx *x, uint32_t fh, uint64_t start, uint64_t len)
{
	int cc;

	x->rpcit_steps = 0;
	do {
		EXPECT_EQ(fx_rpcit(x, fh, start, len), 0);
		cc = fx_cc(x);
		x->rpcit_steps++;
	} while (cc == 2 && x->rpcit_steps < 100000000);
	return cc;
}

int fx_reg_int(struct fx *x, uint32_t fh, uint8_t isc, uint16_t noi, uint64_t aibv,
	       uint8_t aibvo, uint64_t aisb, uint8_t aisbo, bool sum)
{
	memset(x->ram + FX_FIB, 0, ZPCI_FIB_SIZE);
	fx_w32(x, FX_FIB + 0x28, (uint32_t)(isc & 7) << 28 | (uint32_t)(noi & 0xfff) << 16 |
				 (uint32_t)(aibvo & 0x3f) << 8 | (uint32_t)sum << 7 | (aisbo & 0x3f));
	fx_w64(x, FX_FIB + 0x30, aibv);
	fx_w64(x, FX_FIB + 0x38, aisb);
	return fx_mpcifc(x, fh, 0, ZPCI_MOD_FC_REG_INT);
}

bool fx_event(struct fx *x, struct zpci_event *ev)
{
	uint8_t rsp[4096];

	if (zv_chsc_sei_nt2(x->m, rsp, sizeof(rsp)) != 1)
		return false;
	zpci_ccdf_decode(rsp + CHSC_SEI_RS_CCDF, (enum zpci_event_kind)rsp[CHSC_SEI_RS_CC], ev);
	return true;
}
