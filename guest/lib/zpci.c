/* SPDX-License-Identifier: MIT */
#include "guest.h"
#include "zpci.h"

struct zdev zdevs[ZPCI_MAX_FNS];
unsigned nzdevs;
volatile uint64_t adapter_interrupts;
volatile uint64_t events_seen;

/* the adapter-interruption summary vector: bit i belongs to zdevs[i] */
static uint64_t aisb_vec[1] __attribute__((aligned(8)));

/* ---- instructions ------------------------------------------------------ */

int clp_insn(void *lpcb)
{
	uint64_t ign = 0;
	int cc;

	asm volatile(".insn rrf,0xb9a00000,%[ign],%[req],0,2\n"
		     "ipm %[cc]\n srl %[cc],28\n"
		     : [cc] "=d"(cc), [ign] "=d"(ign)
		     : [req] "a"(lpcb)
		     : "cc", "memory");
	return cc;
}

int pcilg_raw(uint64_t *r1, uint64_t reqv, uint64_t off, uint64_t *req_out)
{
	register uint64_t req asm("2") = reqv;
	register uint64_t offset asm("3") = off;
	uint64_t d = *r1;
	int cc;

	asm volatile(".insn rre,0xb9d20000,%[d],%[req]\n"
		     "ipm %[cc]\n srl %[cc],28\n"
		     : [cc] "=d"(cc), [d] "+d"(d), [req] "+d"(req)
		     : "d"(offset)
		     : "cc");
	*r1 = d;
	if (req_out)
		*req_out = req;
	return cc;
}

int pcilg(uint64_t *data, uint32_t fh, uint8_t pcias, uint8_t len, uint64_t off, uint8_t *st)
{
	uint64_t req = (uint64_t)fh << 32 | (uint64_t)pcias << 16 | len;
	int cc;

	*data = 0;
	cc = pcilg_raw(data, req, off, &req);
	*st = (uint8_t)(req >> 24);
	return cc;
}

int pcistg(uint64_t data, uint32_t fh, uint8_t pcias, uint8_t len, uint64_t off, uint8_t *st)
{
	register uint64_t req asm("2") = (uint64_t)fh << 32 | (uint64_t)pcias << 16 | len;
	register uint64_t offset asm("3") = off;
	int cc;

	asm volatile(".insn rre,0xb9d00000,%[d],%[req]\n"
		     "ipm %[cc]\n srl %[cc],28\n"
		     : [cc] "=d"(cc), [req] "+d"(req)
		     : [d] "d"(data), "d"(offset)
		     : "cc");
	*st = (uint8_t)(req >> 24);
	return cc;
}

int pcistb(const void *data, uint32_t fh, uint8_t pcias, uint16_t len, uint64_t off, uint8_t *st)
{
	uint64_t req = (uint64_t)fh << 32 | (uint64_t)pcias << 16 | len;
	int cc;

	asm volatile(".insn rsy,0xeb00000000d0,%[req],%[off],%[data]\n"
		     "ipm %[cc]\n srl %[cc],28\n"
		     : [cc] "=d"(cc), [req] "+d"(req)
		     : [off] "d"(off), [data] "Q"(*(const uint8_t(*)[len])data)
		     : "cc");
	*st = (uint8_t)(req >> 24);
	return cc;
}

int rpcit_once(uint32_t fh, uint64_t addr, uint64_t range, uint8_t *st)
{
	register uint64_t a asm("2") = addr;
	register uint64_t r asm("3") = range;
	uint64_t f = (uint64_t)fh << 32;
	int cc;

	asm volatile(".insn rre,0xb9d30000,%[f],%[a]\n"
		     "ipm %[cc]\n srl %[cc],28\n"
		     : [cc] "=d"(cc), [f] "+d"(f)
		     : [a] "d"(a), "d"(r)
		     : "cc");
	*st = (uint8_t)(f >> 24);
	return cc;
}

/* As Linux's zpci_refresh_trans(): cc 2 (busy) means "issue it again" */
int rpcit(uint32_t fh, uint64_t addr, uint64_t range, uint8_t *st)
{
	int cc;

	while ((cc = rpcit_once(fh, addr, range, st)) == 2)
		;
	return cc;
}

int mpcifc_once(uint32_t fh, uint8_t dmaas, uint8_t oc, void *fib, uint8_t *st)
{
	uint64_t req = (uint64_t)fh << 32 | (uint64_t)dmaas << 16 | oc;
	int cc;

	asm volatile(".insn rxy,0xe300000000d0,%[req],%[fib]\n"
		     "ipm %[cc]\n srl %[cc],28\n"
		     : [cc] "=d"(cc), [req] "+d"(req)
		     : [fib] "Q"(*(struct zpci_fib *)fib)
		     : "cc", "memory");
	*st = (uint8_t)(req >> 24);
	return cc;
}

/* As Linux's zpci_mod_fc(): again while cc 2 */
int mpcifc(uint32_t fh, uint8_t dmaas, uint8_t oc, void *fib, uint8_t *st)
{
	int cc;

	while ((cc = mpcifc_once(fh, dmaas, oc, fib, st)) == 2)
		;
	return cc;
}

int stpcifc(uint32_t fh, uint8_t dmaas, void *fib, uint8_t *st)
{
	uint64_t req = (uint64_t)fh << 32 | (uint64_t)dmaas << 16;
	int cc;

	asm volatile(".insn rxy,0xe300000000d4,%[req],%[fib]\n"
		     "ipm %[cc]\n srl %[cc],28\n"
		     : [cc] "=d"(cc), [req] "+d"(req), [fib] "=Q"(*(struct zpci_fib *)fib)
		     :
		     : "cc", "memory");
	*st = (uint8_t)(req >> 24);
	return cc;
}

void sic(uint16_t mode, uint8_t isc)
{
	uint64_t ctl = mode, r3 = (uint64_t)isc << 27;

	/* SIC sets no condition code */
	asm volatile(".insn rsy,0xeb00000000d1,%[ctl],%[isc],0\n"
		     : : [ctl] "d"(ctl), [isc] "d"(r3) : "memory");
}

static int stcrw(uint32_t *crw)
{
	int cc;

	asm volatile(".insn s,0xb2390000,%[crw]\n"
		     "ipm %[cc]\n srl %[cc],28\n"
		     : [cc] "=d"(cc), [crw] "=Q"(*crw)
		     :
		     : "cc");
	return cc;
}

static int chsc(void *area)
{
	int cc;

	asm volatile(".insn rre,0xb25f0000,%[a],0\n"
		     "ipm %[cc]\n srl %[cc],28\n"
		     : [cc] "=d"(cc)
		     : [a] "d"(area)
		     : "cc", "memory");
	return cc;
}

static uint64_t stctg(int cr)
{
	uint64_t v[16] __attribute__((aligned(8)));

	asm volatile("stctg %%c0,%%c15,%[v]" : [v] "=Q"(v));
	return v[cr];
}

void cr_set_bits(int cr, uint64_t bits)
{
	uint64_t v[16] __attribute__((aligned(8)));

	asm volatile("stctg %%c0,%%c15,%[v]" : [v] "=Q"(v));
	v[cr] |= bits;
	asm volatile("lctlg %%c0,%%c15,%[v]" : : [v] "Q"(v) : "memory");
}

/* ---- CLP --------------------------------------------------------------- */

static uint8_t lpcb[8192] __attribute__((aligned(4096)));

static void put16(uint8_t *p, uint16_t v) { *(uint16_t *)p = v; }
static void put32(uint8_t *p, uint32_t v) { *(uint32_t *)p = v; }
static void put64(uint8_t *p, uint64_t v) { *(uint64_t *)p = v; }
static uint16_t get16(const uint8_t *p) { return *(const uint16_t *)p; }
static uint32_t get32(const uint8_t *p) { return *(const uint32_t *)p; }
static uint64_t get64(const uint8_t *p) { return *(const uint64_t *)p; }

/* A 32-byte PCI request, response right after it, 4 KiB LPCB as Linux. */
static uint8_t *clp_prep(uint16_t cmd)
{
	memset(lpcb, 0, 4096);
	put16(lpcb, 32);
	put16(lpcb + 2, cmd);
	put16(lpcb + 32, 4096 - 32);
	return lpcb;
}

static int clp_go(void)
{
	if (clp_insn(lpcb))
		return -1;
	return get16(lpcb + 32 + 2);
}

int clp_raw(const void *req, unsigned req_len, unsigned rsp_len, void *rsp_out, uint16_t *rsp_code)
{
	int cc;

	memset(lpcb, 0, sizeof(lpcb));
	memcpy(lpcb, req, req_len);
	put16(lpcb + req_len, (uint16_t)rsp_len);
	cc = clp_insn(lpcb);
	*rsp_code = get16(lpcb + req_len + 2);
	if (rsp_out)
		memcpy(rsp_out, lpcb + req_len, rsp_len < 4096 ? rsp_len : 4096);
	return cc;
}

int clp_list(void)
{
	uint64_t token = 0;
	int rc;

	nzdevs = 0;
	do {
		uint8_t *b = clp_prep(2);
		unsigned n;

		put64(b + 0x10, token);
		rc = clp_go();
		if (rc != 0x10)
			return rc;
		if (b[32 + 0x1f] != 16)
			panic("LIST PCI: entry size %u", b[32 + 0x1f]);
		n = (get16(b + 32) - 32) / 16;
		for (unsigned i = 0; i < n && nzdevs < ZPCI_MAX_FNS; i++) {
			const uint8_t *e = b + 32 + 0x20 + 16 * i;
			struct zdev *z = &zdevs[nzdevs];

			if (!get16(e + 2))	/* Linux skips vendor 0 */
				continue;
			memset(z, 0, sizeof(*z));
			z->index = nzdevs++;
			z->device = get16(e);
			z->vendor = get16(e + 2);
			z->configured = get32(e + 4) >> 31;
			z->fid = get32(e + 8);
			z->fh = get32(e + 12);
		}
		token = get64(b + 32 + 0x10);
	} while (token);
	return 0x10;
}

int clp_query_fn(struct zdev *z)
{
	uint8_t *b = clp_prep(3), *r = b + 32;
	int rc;

	put32(b + 0x10, z->fh);
	rc = clp_go();
	if (rc != 0x10)
		return rc;
	z->pfgid = r[0x13];
	for (int i = 0; i < 6; i++)
		z->bar_size[i] = r[0x18 + i];
	z->sdma = get64(r + 0x40);
	z->edma = get64(r + 0x48);
	z->uid = get32(r + 0x7c);
	return rc;
}

int clp_query_grp(struct zdev *z)
{
	uint8_t *b = clp_prep(4), *r = b + 32;
	int rc;

	b[0x13] = z->pfgid;
	rc = clp_go();
	if (rc != 0x10)
		return rc;
	z->noi = get16(r + 0x10) & 0xfff;
	z->grp_flags = r[0x13];
	z->maxstbl = get16(r + 0x14) & 0x1fff;
	z->mui = get16(r + 0x16);
	z->dtsm = r[0x18];
	z->msia = get64(r + 0x28);
	return rc;
}

/* SET PCI FUNCTION, reissued while the answer is 0x0108 (function busy:
 * a step of a large teardown), at most 100 times as Linux's
 * clp_set_pci_fn() (which sleeps 20 ms between) */
int clp_set_fn(struct zdev *z, uint8_t oc, uint8_t ndas, uint32_t *new_fh)
{
	uint8_t *b, *r;
	int rc, retries = 100;

	do {
		b = clp_prep(5);
		r = b + 32;
		put32(b + 0x10, z->fh);
		b[0x16] = oc;
		b[0x17] = ndas;
		rc = clp_go();
	} while (rc == 0x0108 && retries-- > 0);
	if (rc == 0x10 && new_fh)
		*new_fh = get32(r + 0x10);
	return rc;
}

int zpci_enable(struct zdev *z)
{
	uint32_t fh;
	int rc = clp_set_fn(z, 0, 1, &fh);

	if (rc == 0x10)
		z->fh = fh;
	return rc;
}

int zpci_disable(struct zdev *z)
{
	uint32_t fh;
	int rc = clp_set_fn(z, 1, 0, &fh);

	if (rc == 0x10) {
		z->fh = fh;
		z->ioat = z->irqs = false;
	}
	return rc;
}

/* ---- config space and BARs: PCI data is little-endian ---------------- */

uint32_t cfg_read(struct zdev *z, unsigned off, unsigned len)
{
	uint64_t d;
	uint8_t st;

	if (pcilg(&d, z->fh, PCIAS_CFG, (uint8_t)len, off, &st))
		panic("config read %#x/%u: status %u", off, len, st);
	return len == 4 ? bswap32((uint32_t)d) : len == 2 ? (uint16_t)__builtin_bswap16((uint16_t)d) : (uint32_t)d;
}

void cfg_write(struct zdev *z, unsigned off, unsigned len, uint32_t v)
{
	uint64_t d = len == 4 ? bswap32(v) : len == 2 ? __builtin_bswap16((uint16_t)v) : v;
	uint8_t st;

	if (pcistg(d, z->fh, PCIAS_CFG, (uint8_t)len, off, &st))
		panic("config write %#x/%u: status %u", off, len, st);
}

static uint64_t swap_n(uint64_t v, unsigned len)
{
	return len == 8 ? bswap64(v) : len == 4 ? bswap32((uint32_t)v) :
	       len == 2 ? __builtin_bswap16((uint16_t)v) : v;
}

uint64_t bar_read(struct zdev *z, unsigned bar, uint64_t off, unsigned len)
{
	uint64_t d;
	uint8_t st;
	int cc = pcilg(&d, z->fh, (uint8_t)bar, (uint8_t)len, off, &st);

	if (cc)
		panic("BAR%u read %#lx/%u: cc %d status %u", bar, (unsigned long)off, len, cc, st);
	return swap_n(d, len);
}

void bar_write(struct zdev *z, unsigned bar, uint64_t off, unsigned len, uint64_t v)
{
	uint8_t st;
	int cc = pcistg(swap_n(v, len), z->fh, (uint8_t)bar, (uint8_t)len, off, &st);

	if (cc)
		panic("BAR%u write %#lx/%u: cc %d status %u", bar, (unsigned long)off, len, cc, st);
}

/* ---- DMA translation ------------------------------------------------------ */

#define RTE_INVALID 0x20ULL
#define PTE_INVALID 0x400ULL
#define PTE_PROT    0x200ULL

static uint64_t *new_table(unsigned entries, size_t align, uint64_t invalid)
{
	uint64_t *t = galloc(entries * 8, align);

	for (unsigned i = 0; i < entries; i++)
		t[i] = invalid;
	return t;
}

int zpci_dma_init(struct zdev *z)
{
	struct zpci_fib fib __attribute__((aligned(8)));
	uint8_t st;
	int cc;

	if (!z->rt)
		z->rt = new_table(2048, 16384, RTE_INVALID);
	z->pba = z->sdma;
	z->pal = z->sdma + guest_ram_size - 1;
	if (z->pal > z->edma)
		z->pal = z->edma;
	memset(&fib, 0, sizeof(fib));
	fib.pba = z->pba;
	fib.pal = z->pal;
	fib.iota = (uint64_t)(uintptr_t)z->rt | 0x800 | 0x04;	/* T, region-third */
	cc = mpcifc(z->fh, 0, 4, &fib, &st);
	if (cc == 0)
		z->ioat = true;
	z->iova_pages = (z->pal - z->pba + 1) / 4096;
	z->iova_used = galloc((z->iova_pages + 7) / 8, 8);
	z->iova_lazy = galloc((z->iova_pages + 7) / 8, 8);
	z->iova_hint = 0;
	/* IOVA 0 is zpci_map's failure value: a window that starts there
	 * (an x86 IOMMU's first valid range does) never hands it out */
	if (z->pba == 0 && z->iova_pages)
		z->iova_used[0] |= 0x80;
	return cc ? -(int)st - 1 : 0;
}

static uint64_t *pte_of(struct zdev *z, uint64_t iova, bool alloc)
{
	uint64_t *rte = &z->rt[(iova >> 31) & 0x7ff], *st, *ste, *pt;

	if (*rte & RTE_INVALID) {
		if (!alloc)
			return NULL;
		st = new_table(2048, 16384, RTE_INVALID);
		*rte = (uint64_t)(uintptr_t)st | 0x04 | 0x03;	/* type RT, full length */
	}
	st = (uint64_t *)(uintptr_t)(*rte & ~0x3fffULL);
	ste = &st[(iova >> 20) & 0x7ff];
	if (*ste & RTE_INVALID) {
		if (!alloc)
			return NULL;
		pt = new_table(256, 2048, PTE_INVALID);
		*ste = (uint64_t)(uintptr_t)pt;			/* type segment */
	}
	pt = (uint64_t *)(uintptr_t)(*ste & ~0x7ffULL);
	return &pt[(iova >> 12) & 0xff];
}

volatile uint64_t dma_insufficient, dma_flushes;

static bool bit(const uint8_t *v, uint64_t n) { return v[n / 8] & (0x80 >> (n % 8)); }
static void bit_set(uint8_t *v, uint64_t n) { v[n / 8] |= (uint8_t)(0x80 >> (n % 8)); }
static void bit_clr(uint8_t *v, uint64_t n) { v[n / 8] &= (uint8_t)~(0x80 >> (n % 8)); }

int zpci_flush(struct zdev *z)
{
	uint8_t st;
	int cc = rpcit(z->fh, z->pba, z->pal - z->pba + 1, &st);

	dma_flushes++;
	/* what was unmapped lazily is gone from the IOTLB now: reusable */
	for (uint64_t i = 0; i < (z->iova_pages + 7) / 8; i++) {
		z->iova_used[i] &= (uint8_t)~z->iova_lazy[i];
		z->iova_lazy[i] = 0;
	}
	return cc;
}

int zpci_refresh(struct zdev *z, uint64_t iova, uint64_t len)
{
	uint8_t st;
	int cc = rpcit(z->fh, iova, len, &st);

	/* Linux (s390-iommu): "insufficient resources" -> global refresh so
	 * the hypervisor can drop stale mappings, then one more try */
	if (cc == 1 && (st == 16 || st == 4)) {
		dma_insufficient++;
		zpci_flush(z);
		cc = rpcit(z->fh, iova, len, &st);
	}
	return cc;
}

/* First fit of n free window pages, from a rotating hint; ~0 if none. */
static uint64_t iova_find(struct zdev *z, uint64_t n)
{
	for (uint64_t tries = 0, p = z->iova_hint; tries < z->iova_pages; tries++, p++) {
		uint64_t k = 0;

		if (p + n > z->iova_pages)
			p = 0;
		while (k < n && !bit(z->iova_used, p + k))
			k++;
		if (k == n) {
			z->iova_hint = p + n;
			return p;
		}
		p += k;
	}
	return ~0ULL;
}

static uint64_t iova_alloc(struct zdev *z, uint64_t n)
{
	uint64_t p = iova_find(z, n);

	if (p == ~0ULL) {	/* the window is full of lazily unmapped IOVAs */
		zpci_flush(z);
		p = iova_find(z, n);
	}
	if (p == ~0ULL)
		return 0;
	for (uint64_t k = 0; k < n; k++)
		bit_set(z->iova_used, p + k);
	return z->pba + p * 4096;
}

static void iova_release(struct zdev *z, uint64_t iova, uint64_t n)
{
	for (uint64_t k = 0, p = (iova - z->pba) / 4096; k < n; k++)
		bit_clr(z->iova_used, p + k);
}

/* Map n pages at fresh IOVAs: pages[k], or first + k pages when pages is
 * NULL; 0 when they cannot be mapped. */
static uint64_t map_n(struct zdev *z, uint64_t n, uintptr_t first, void *const *pages, bool ro)
{
	uint64_t iova = iova_alloc(z, n);

	if (!iova)
		return 0;
	for (uint64_t k = 0; k < n; k++)
		*pte_of(z, iova + 4096 * k, true) =
			(pages ? (uintptr_t)pages[k] : first + 4096 * k) | (ro ? PTE_PROT : 0);
	if (zpci_refresh(z, iova, 4096 * n)) {
		zpci_unmap(z, iova, 4096 * n, false);
		return 0;
	}
	return iova;
}

uint64_t zpci_map_pages(struct zdev *z, void *const *pages, unsigned n, bool ro)
{
	return map_n(z, n, 0, pages, ro);
}

uint64_t zpci_map(struct zdev *z, const void *p, uint64_t len, bool ro)
{
	uintptr_t first = (uintptr_t)p & ~0xfffUL, end = ((uintptr_t)p + len + 4095) & ~0xfffUL;
	uint64_t iova = map_n(z, (end - first) / 4096, first, NULL, ro);

	return iova ? iova + ((uintptr_t)p & 0xfff) : 0;
}

void zpci_unmap(struct zdev *z, uint64_t iova, uint64_t len, bool lazy)
{
	uint64_t first = iova & ~0xfffULL, n = ((iova + len + 4095) & ~0xfffULL) / 4096 - first / 4096;

	for (uint64_t k = 0; k < n; k++) {
		uint64_t *pte = pte_of(z, first + 4096 * k, false);

		if (pte)
			*pte = PTE_INVALID;
		if (lazy)
			bit_set(z->iova_lazy, (first - z->pba) / 4096 + k);
	}
	if (!lazy) {
		zpci_refresh(z, first, 4096 * n);
		iova_release(z, first, n);
	}
}

/* ---- interrupts ------------------------------------------------------------ */

int zpci_irq_register(struct zdev *z, unsigned nvec, zdev_irq_fn handler)
{
	struct zpci_fib fib __attribute__((aligned(8)));
	static bool cr_done;
	uint8_t st;
	int cc;

	if (nvec > ZPCI_MAX_VECS || z->index >= 64)
		panic("irq_register: %u vectors, index %u", nvec, z->index);
	if (!cr_done) {
		/* ISC 2 I/O interruptions (CR6) and channel reports (CR14),
		 * then single-interruption mode, as Linux does at init */
		cr_set_bits(6, 0x80000000ULL >> PCI_ISC);
		cr_set_bits(14, 1ULL << 28);
		sic(1, PCI_ISC);
		cr_done = true;
	}
	if (!z->aibv)
		z->aibv = galloc(8 * ((ZPCI_MAX_VECS + 63) / 64), 8);
	z->nvec = nvec;
	z->handler = handler;
	memset(&fib, 0, sizeof(fib));
	fib.intword = fib_intword(PCI_ISC, nvec, 0, 1, z->index);
	fib.aibv = (uintptr_t)z->aibv;
	fib.aisb = (uintptr_t)aisb_vec;
	cc = mpcifc(z->fh, 0, 2, &fib, &st);
	if (cc == 0)
		z->irqs = true;
	return cc ? -(int)st - 1 : 0;
}

int zpci_irq_deregister(struct zdev *z)
{
	struct zpci_fib fib __attribute__((aligned(8)));
	uint8_t st;
	int cc;

	memset(&fib, 0, sizeof(fib));
	cc = mpcifc(z->fh, 0, 3, &fib, &st);
	z->irqs = false;
	return cc ? -(int)st - 1 : 0;
}

unsigned zpci_cap(struct zdev *z, uint8_t id)
{
	unsigned pos = cfg_read(z, 0x34, 1) & ~3u;

	/* a bounded walk: a broken list must not loop forever */
	for (int guard = 0; pos >= 0x40 && guard < 48; guard++) {
		if (cfg_read(z, pos, 1) == id)
			return pos;
		pos = cfg_read(z, pos + 1, 1) & ~3u;
	}
	return 0;
}

/* Linux's order: enable MSI-X with the function masked, program the
 * entries (address = MSIA, data = vector number), then unmask. */
/* The MSI-X capability and table of z, for nvec vectors: its message
 * control, or -1 when there is none or it is too small. */
static int msix_find(struct zdev *z, unsigned nvec)
{
	uint32_t tbl;
	uint16_t ctl;

	z->msix_cap = (uint16_t)zpci_cap(z, 0x11);
	if (!z->msix_cap)
		return -1;
	ctl = (uint16_t)cfg_read(z, z->msix_cap + 2, 2);
	if ((ctl & 0x7ffu) + 1 < nvec)
		return -1;
	tbl = cfg_read(z, z->msix_cap + 4, 4);
	z->msix_bar = tbl & 7;
	z->msix_table = tbl & ~7u;
	return ctl;
}

int zpci_msix_enable(struct zdev *z, unsigned nvec)
{
	if (msix_find(z, nvec) < 0)
		return -1;
	cfg_write(z, z->msix_cap + 2, 2, 0xc000);	/* enable + function mask */
	for (unsigned v = 0; v < nvec; v++) {
		uint64_t e = z->msix_table + 16 * v;

		bar_write(z, z->msix_bar, e + 0, 4, (uint32_t)z->msia);
		bar_write(z, z->msix_bar, e + 4, 4, (uint32_t)(z->msia >> 32));
		bar_write(z, z->msix_bar, e + 8, 4, v);
		bar_write(z, z->msix_bar, e + 12, 4, 0);	/* unmask the vector */
	}
	cfg_write(z, z->msix_cap + 2, 2, 0x8000);	/* enable, unmasked */
	return 0;
}

/*
 * MSI-X in the order Linux 6.1's msix_capability_init() and the irq core
 * use (drivers/pci/msi/msi.c): enable with the function mask set, every
 * entry masked and then programmed, the function mask cleared -- all
 * vectors still masked -- and each vector unmasked on its own later
 * (zpci_msix_unmask(), what request_irq() does). zpci_msix_disable() is
 * pci_free_irq_vectors()'s part: the enable bit cleared.
 */
int zpci_msix_enable_masked(struct zdev *z, unsigned nvec)
{
	int c = msix_find(z, nvec);
	uint16_t ctl;

	if (c < 0)
		return -1;
	ctl = (uint16_t)c;
	cfg_write(z, z->msix_cap + 2, 2, (ctl & 0x3fffu) | 0xc000);	/* enable + function mask */
	for (unsigned v = 0; v < nvec; v++) {
		uint64_t e = z->msix_table + 16 * v;

		bar_write(z, z->msix_bar, e + 12, 4, 1);	/* masked first */
		bar_write(z, z->msix_bar, e + 0, 4, (uint32_t)z->msia);
		bar_write(z, z->msix_bar, e + 4, 4, (uint32_t)(z->msia >> 32));
		bar_write(z, z->msix_bar, e + 8, 4, v);
		(void)bar_read(z, z->msix_bar, e + 8, 4);	/* flush, as Linux does */
	}
	ctl = (uint16_t)cfg_read(z, z->msix_cap + 2, 2);
	cfg_write(z, z->msix_cap + 2, 2, (ctl & ~0x4000u) & 0xffffu);	/* function mask off */
	return 0;
}

void zpci_msix_unmask(struct zdev *z, unsigned v)
{
	bar_write(z, z->msix_bar, z->msix_table + 16 * v + 12, 4, 0);
	(void)bar_read(z, z->msix_bar, z->msix_table + 16 * v + 12, 4);
}

void zpci_msix_disable(struct zdev *z)
{
	uint16_t ctl = (uint16_t)cfg_read(z, z->msix_cap + 2, 2);

	cfg_write(z, z->msix_cap + 2, 2, ctl & ~0x8000u & 0xffffu);
}

/*
 * The adapter-interruption handler. The summary bit i names zdevs[i]; its
 * AIBV word holds one bit per vector (ZPCI_MAX_VECS is 64). Summary and
 * vector words are fetched and cleared with interlocked exchanges, and
 * only when they hold bits. Under the software machine every guest store
 * costs a slow path in Unicorn 2.0.1 (docs/BENCHMARKS.md), so this path
 * keeps stores and stack frames small: few registers live across the
 * driver's handler.
 */

void zpci_adapter_interrupt(unsigned isc)
{
	bool rearmed = false;

	for (;;) {
		uint64_t sum = __atomic_load_n(&aisb_vec[0], __ATOMIC_SEQ_CST);

		if (!sum) {
			if (rearmed)
				break;
			/* nothing pending: leave single mode armed, then look
			 * again to close the race with a device that just
			 * signalled */
			sic(1, (uint8_t)isc);
			rearmed = true;
			continue;
		}
		rearmed = false;
		sum = __atomic_exchange_n(&aisb_vec[0], 0, __ATOMIC_SEQ_CST);
		/* walk both words by shifting them: only sum, z, bits and the
		 * vector's counter stay live across the driver's handler */
		for (struct zdev *z = zdevs; sum; sum <<= 1, z++) {
			unsigned skip = (unsigned)__builtin_clzll(sum);
			volatile uint64_t *cnt;
			uint64_t bits;

			sum <<= skip;
			z += skip;
			if (z >= zdevs + nzdevs)
				break;
			if (!z->aibv || !*z->aibv)
				continue;
			bits = __atomic_exchange_n(z->aibv, 0, __ATOMIC_SEQ_CST);
			for (cnt = z->irq_count; bits; bits <<= 1, cnt++) {
				skip = (unsigned)__builtin_clzll(bits);
				bits <<= skip;
				cnt += skip;
				(*cnt)++;
				if (z->handler)
					z->handler(z, (unsigned)(cnt - z->irq_count));
			}
		}
	}
	adapter_interrupts++;
}

/* ---- bring-up ------------------------------------------------------------- */

unsigned zpci_bringup_all(unsigned nvec, zdev_irq_fn handler)
{
	unsigned up = 0;
	int rc;

	rc = clp_list();
	if (rc != 0x10)
		panic("CLP LIST PCI: response %#x", rc);
	for (unsigned i = 0; i < nzdevs; i++) {
		struct zdev *z = &zdevs[i];

		if (!z->configured)
			continue;
		if ((rc = clp_query_fn(z)) != 0x10)
			panic("QUERY PCI FN fid %u: %#x", z->fid, rc);
		if ((rc = clp_query_grp(z)) != 0x10)
			panic("QUERY PCI FNGRP %u: %#x", z->pfgid, rc);
		if ((rc = zpci_enable(z)) != 0x10)
			panic("SET PCI FN enable fid %u: %#x", z->fid, rc);
		if ((rc = zpci_dma_init(z)))
			panic("MPCIFC register IOAT fid %u: %d", z->fid, rc);
		if ((rc = zpci_irq_register(z, nvec, handler)))
			panic("MPCIFC register interrupts fid %u: %d", z->fid, rc);
		/* memory space and bus mastering */
		cfg_write(z, 4, 2, cfg_read(z, 4, 2) | 0x6);
		if (zpci_msix_enable(z, nvec))
			panic("MSI-X enable fid %u", z->fid);
		up++;
	}
	return up;
}

/* ---- events ---------------------------------------------------------------- */

static uint8_t sei_area[4096] __attribute__((aligned(4096)));

static void process_sei(void)
{
	for (;;) {
		uint8_t *r = sei_area + 16;

		memset(sei_area, 0, sizeof(sei_area));
		put16(sei_area, 16);
		put16(sei_area + 2, 0x000e);
		put64(sei_area + 8, (1ULL << 63) | (1ULL << 61));	/* NT0 | NT2 */
		if (chsc(sei_area) || get16(r + 2) != 0x0001)
			return;
		if (r[7] == 2) {
			const uint8_t *ccdf = r + 0x40;
			uint32_t fh = get32(ccdf + 4), fid = get32(ccdf + 8);

			events_seen++;
			for (unsigned i = 0; i < nzdevs; i++) {
				struct zdev *z = &zdevs[i];

				if (z->fid != fid)
					continue;
				z->last_event_fh = fh;
				z->last_pec = get16(ccdf + 0x1e);
				if (r[0x0b] == 1) {
					z->errors++;
					z->last_faddr = get64(ccdf + 0x10);
				}
			}
		}
		if (!(r[8] & 0x80))
			return;
	}
}

void zpci_process_crws(void)
{
	uint32_t crw;

	while (stcrw(&crw) == 0) {
		if (((crw >> 24) & 0xf) == 0xb)	/* channel subsystem: events */
			process_sei();
	}
}

uint64_t cr_value(int cr);
uint64_t cr_value(int cr)
{
	return stctg(cr);
}
