// SPDX-License-Identifier: GPL-2.0
/*
 * zvtest - a Linux test driver for zvfio's emu:dma device (1234:7a76).
 *
 * Licence: zvfio is MIT, but this file is GPL-2.0: a kernel module must be
 * GPL-compatible to use the GPL-only exports it needs (pci_alloc_irq_vectors,
 * the DMA API, the PCI error-recovery hooks). It is built out of tree against
 * Debian's linux-headers packages by tests/linux/driver.sh and loaded by the
 * initramfs of tests/linux (init.sh); nothing else in zvfio links with it.
 *
 * What it does (docs/DEVICES.md has the device, docs/TESTING.md the test):
 *   probe     enables the function (Linux then also starts its function
 *             measurement block), maps BAR 0, allocates every MSI-X vector
 *             with pci_alloc_irq_vectors() and counts the interrupts of each.
 *   selftest  (write "selftest" to the device's zvtest_cmd attribute) runs,
 *             in the writer's context:
 *             - the ID and VERSION registers;
 *             - MSI-X: vector v is signalled v + 1 times, one at a time
 *               (each waited for), then all at once with IRQ_SET: every
 *               vector's count must be exactly v + 2;
 *             - DMA through the DMA API, so that the s390 IOMMU code
 *               builds the translation tables and issues RPCIT: FILL of a
 *               coherent buffer (dma_alloc_coherent) completed by an
 *               interrupt; CSUM and COPY from a streaming DMA_TO_DEVICE
 *               buffer (dma_map_single, odd offset and length across
 *               pages); COPY into a streaming DMA_FROM_DEVICE buffer; every
 *               byte is compared with what the CPU computed, guard bytes
 *               around each range must be untouched;
 *             - PCISTB: memcpy_toio() of 16 and then 40 bytes to BAR 0
 *               (s390's zpci_memcpy_toio() turns each into one store-block
 *               instruction); the second writes SRC..CMD, so the block
 *               itself starts a FILL; registers read back, data checked;
 *             - the device's DONE, RBYTES and WBYTES counters must have
 *               grown by what this test asked of it.
 *             It counts every load, store and store block it issues and
 *             every DMA mapping, so the caller can compare them with the
 *             function measurement block (debugfs statistics).
 *   fault     (write "fault") starts a FILL to an I/O address in the middle
 *             of the DMA window that nothing maps: the device reports an
 *             IOMMU fault, zvfio puts the function into the error state and
 *             sends an error event; the driver waits for Linux's
 *             error_detected() call.
 *   recovery  (attribute zvtest_recovery, "none" or "auto"): what
 *             error_detected() answers -- "none" disconnects (the operator
 *             then writes 1 to the device's sysfs "recover"), "auto" asks
 *             for a reset (Linux's automatic recovery: slot_reset, resume).
 * Results are read from the zvtest_report attribute: lines "check NAME ok
 * DETAIL" or "check NAME FAIL DETAIL", and "count NAME VALUE" lines.
 *
 * Module parameter break_check=NAME deliberately breaks one check (msix,
 * fill, csum, copyin, copyout, pcistb, counters, fault, fmb) to show that
 * the test notices: an expectation or an action is altered (one interrupt
 * fewer, a wrong pattern expected, a byte more asked for, no faulting DMA,
 * one load more reported), never a verdict.
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <asm/pci.h>

#define ZVT_VENDOR 0x1234
#define ZVT_DEVICE 0x7a76

/* emu:dma BAR 0 (docs/DEVICES.md) */
#define R_ID		0x00
#define R_VERSION	0x04
#define R_SRC		0x08
#define R_DST		0x10
#define R_LEN		0x18
#define R_PATTERN	0x20
#define R_CMD		0x28
#define R_STATUS	0x2c
#define R_RESULT	0x30
#define R_FAULT		0x38
#define R_DONE		0x40
#define R_RBYTES	0x48
#define R_WBYTES	0x50
#define ID_MAGIC	0x7a76646d
#define OP_COPY		1
#define OP_FILL		2
#define OP_CSUM		3
#define OP_IRQ		4
#define OP_IRQ_SET	5
#define CMD_VEC(v)	((u32)(v) << 8)
#define CMD_IRQ		0x80000000u
#define ST_OK		0
#define ST_FAULT	2

#define FNV_INIT	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

#define MAX_VEC		64
#define COH_SIZE	(64 * 1024)
#define GUARD		0x5a
#define REPORT_SIZE	PAGE_SIZE

static char *break_check = "";
module_param(break_check, charp, 0444);
MODULE_PARM_DESC(break_check, "break one check on purpose (test the test)");

/* What survives a remove and probe (sysfs recover): per PCI domain. */
struct zvt_fn {
	bool used;
	int domain;
	unsigned int probes, detected, slot_resets, resumes, runs;
	int last_state;
	bool auto_recover;
};
#define MAX_FNS 16
static struct zvt_fn zvt_fns[MAX_FNS];
static DEFINE_SPINLOCK(zvt_fns_lock);
static DECLARE_WAIT_QUEUE_HEAD(zvt_err_wq);

struct zvt;
struct zvt_vec {
	struct zvt *z;
	unsigned int v;
};

struct zvt {
	struct pci_dev *pdev;
	struct zvt_fn *fn;
	void __iomem *regs;
	unsigned int nvec;
	struct zvt_vec vecs[MAX_VEC];
	atomic_t irqs[MAX_VEC];
	wait_queue_head_t wq;
	struct mutex lock;		/* one command at a time; the report */
	/* what the current command did */
	u64 ld, st, stb, maps, unmaps, rbytes, wbytes, cmds;
	unsigned int fails;
	char *report;
	size_t rlen;
};

static bool broken(const char *name)
{
	return !strcmp(break_check, name);
}

static struct zvt_fn *zvt_fn_get(int domain)
{
	struct zvt_fn *f = NULL;
	int i;

	spin_lock(&zvt_fns_lock);
	for (i = 0; i < MAX_FNS; i++) {
		if (zvt_fns[i].used && zvt_fns[i].domain == domain) {
			f = &zvt_fns[i];
			break;
		}
		if (!f && !zvt_fns[i].used)
			f = &zvt_fns[i];
	}
	if (f && !f->used) {
		f->used = true;
		f->domain = domain;
	}
	spin_unlock(&zvt_fns_lock);
	return f;
}

/* ---- the report ---------------------------------------------------------- */

static __printf(2, 3) void rep(struct zvt *z, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	z->rlen += vscnprintf(z->report + z->rlen, REPORT_SIZE - z->rlen, fmt, ap);
	va_end(ap);
}

/* A check: "check NAME ok|FAIL DETAIL", in the report and the kernel log. */
static __printf(4, 5) void check(struct zvt *z, const char *name, bool ok, const char *fmt, ...)
{
	char detail[200];
	va_list ap;

	va_start(ap, fmt);
	vscnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (!ok)
		z->fails++;
	rep(z, "check %s %s %s\n", name, ok ? "ok" : "FAIL", detail);
	dev_info(&z->pdev->dev, "zvtest: check %s %s %s\n", name, ok ? "ok" : "FAIL", detail);
}

static void begin(struct zvt *z, const char *what)
{
	z->rlen = 0;
	z->report[0] = 0;
	z->ld = z->st = z->stb = z->maps = z->unmaps = 0;
	z->rbytes = z->wbytes = z->cmds = 0;
	z->fails = 0;
	rep(z, "command %s\n", what);
}

/* ---- counted register access: one PCILG or PCISTG each ------------------- */

static u32 rd32(struct zvt *z, unsigned int off)
{
	z->ld++;
	return readl(z->regs + off);
}

static u64 rd64(struct zvt *z, unsigned int off)
{
	z->ld++;
	return readq(z->regs + off);
}

static void wr32(struct zvt *z, unsigned int off, u32 v)
{
	z->st++;
	writel(v, z->regs + off);
}

static void wr64(struct zvt *z, unsigned int off, u64 v)
{
	z->st++;
	writeq(v, z->regs + off);
}

/* ---- interrupts ----------------------------------------------------------- */

static irqreturn_t zvt_irq(int irq, void *data)
{
	struct zvt_vec *vec = data;

	atomic_inc(&vec->z->irqs[vec->v]);
	wake_up(&vec->z->wq);
	return IRQ_HANDLED;
}

static bool wait_irq(struct zvt *z, unsigned int v, int want)
{
	return wait_event_timeout(z->wq, atomic_read(&z->irqs[v]) >= want, HZ) > 0;
}

/* ---- DMA commands ----------------------------------------------------------- */

/* Run a DMA command; with irq_vec >= 0 it signals that vector on completion
 * and the interrupt is waited for. Returns STATUS (or -ETIMEDOUT when the
 * completion interrupt did not come). The bytes it should move are added
 * to the expectations when it succeeds. */
static int dma_cmd(struct zvt *z, u32 op, u64 src, u64 dst, u64 len, u64 pattern, int irq_vec)
{
	u32 cmd = op, st;
	int before = 0;

	if (op != OP_FILL)
		wr64(z, R_SRC, src);
	if (op != OP_CSUM)
		wr64(z, R_DST, dst);
	wr64(z, R_LEN, len);
	if (op == OP_FILL)
		wr64(z, R_PATTERN, pattern);
	if (irq_vec >= 0) {
		cmd |= CMD_IRQ | CMD_VEC(irq_vec);
		before = atomic_read(&z->irqs[irq_vec]);
	}
	wr32(z, R_CMD, cmd);
	z->cmds++;
	st = rd32(z, R_STATUS);
	if (st == ST_OK) {
		if (op != OP_FILL)
			z->rbytes += len;
		if (op != OP_CSUM)
			z->wbytes += len;
	}
	if (irq_vec >= 0 && !wait_irq(z, irq_vec, before + 1))
		return -ETIMEDOUT;
	return st;
}

static u8 pattern_byte(u64 pattern, size_t k)
{
	return (u8)(pattern >> (8 * (k & 7)));	/* the register is little-endian */
}

static u64 fnv(const u8 *p, size_t n)
{
	u64 h = FNV_INIT;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		u64 w = 0;
		int j;

		for (j = 0; j < 8; j++)
			w = w << 8 | p[i + j];	/* a big-endian word, any alignment */
		h = (h ^ w) * FNV_PRIME;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * FNV_PRIME;
	return h;
}

static void fill_random(u8 *p, size_t n, u64 seed)
{
	u64 x = seed | 1;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (u8)(x >> 24);
	}
}

/* index of the first byte in p[0..n) not equal to want, or n */
static size_t first_not(const u8 *p, size_t n, u8 want)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != want)
			break;
	return i;
}

static size_t first_diff(const u8 *a, const u8 *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			break;
	return i;
}

/* ---- the self-test ---------------------------------------------------------- */

static void test_msix(struct zvt *z)
{
	int want[MAX_VEC], got[MAX_VEC], base[MAX_VEC];
	char gs[MAX_VEC * 5], ws[MAX_VEC * 5];
	size_t gl = 0, wl = 0;
	unsigned int v, k;
	bool ok = true, waited = true;
	u64 mask = 0;

	for (v = 0; v < z->nvec; v++)
		base[v] = atomic_read(&z->irqs[v]);
	for (v = 0; v < z->nvec; v++) {
		unsigned int times = v + 1 - (broken("msix") && v == 3);

		for (k = 0; k < times; k++) {
			wr64(z, R_LEN, 1);
			wr32(z, R_CMD, OP_IRQ | CMD_VEC(v));
			z->cmds++;
			waited &= wait_irq(z, v, base[v] + k + 1);
		}
		if (v < 64)
			mask |= 1ULL << v;
	}
	/* every vector once more, all raised by one command */
	wr64(z, R_LEN, mask);
	wr32(z, R_CMD, OP_IRQ_SET);
	z->cmds++;
	for (v = 0; v < z->nvec; v++) {
		waited &= wait_irq(z, v, base[v] + v + 2);
		want[v] = v + 2;
	}
	msleep(20);	/* anything extra would show now */
	for (v = 0; v < z->nvec; v++) {
		got[v] = atomic_read(&z->irqs[v]) - base[v];
		ok &= got[v] == want[v];
		gl += scnprintf(gs + gl, sizeof(gs) - gl, "%s%d", v ? "," : "", got[v]);
		wl += scnprintf(ws + wl, sizeof(ws) - wl, "%s%d", v ? "," : "", want[v]);
	}
	check(z, "msix", ok && waited, "vectors=%u got=%s want=%s%s", z->nvec, gs, ws,
	      waited ? "" : " (an interrupt did not come within 1 s)");
}

static void test_dma(struct zvt *z, u64 seed)
{
	struct device *dev = &z->pdev->dev;
	const size_t slen = 3 * PAGE_SIZE + 13, soff = 1;	/* odd: bytes, not words */
	u64 p1 = 0x0123456789abcdefULL ^ seed, h_cpu, h_dev;
	u8 *coh = NULL, *in = NULL, *out = NULL, *src;
	dma_addr_t coh_iova, in_iova = 0, out_iova = 0;
	size_t bad, k;
	int st;

	coh = dma_alloc_coherent(dev, COH_SIZE, &coh_iova, GFP_KERNEL);
	in = kmalloc(slen + 2 * soff + 64, GFP_KERNEL);
	out = kmalloc(slen + 2 * soff + 64, GFP_KERNEL);
	if (!coh || !in || !out) {
		check(z, "dma", false, "allocation failed");
		goto free;
	}
	z->maps++;
	rep(z, "iova coherent 0x%llx\n", (u64)coh_iova);

	/* 1. device writes: FILL the whole coherent buffer, completion IRQ */
	memset(coh, GUARD, COH_SIZE);
	st = dma_cmd(z, OP_FILL, 0, coh_iova, COH_SIZE, p1, 0);
	for (bad = 0; bad < COH_SIZE; bad++)
		if (coh[bad] != pattern_byte(broken("fill") ? ~p1 : p1, bad))
			break;
	check(z, "fill", st == ST_OK && bad == COH_SIZE,
	      "coherent iova=0x%llx len=%u status=%d first_bad=%zu", (u64)coh_iova, COH_SIZE, st, bad);

	/* 2. device reads a streaming TO_DEVICE buffer: CSUM */
	src = in + soff;
	fill_random(src, slen, seed);
	h_cpu = fnv(src, slen) ^ (broken("csum") ? 1 : 0);
	in_iova = dma_map_single(dev, src, slen, DMA_TO_DEVICE);
	if (dma_mapping_error(dev, in_iova)) {
		check(z, "csum", false, "dma_map_single failed");
		goto free;
	}
	z->maps++;
	st = dma_cmd(z, OP_CSUM, in_iova, 0, slen, 0, -1);
	h_dev = rd64(z, R_RESULT);
	check(z, "csum", st == ST_OK && h_dev == h_cpu,
	      "to_device iova=0x%llx len=%zu status=%d device=0x%llx cpu=0x%llx", (u64)in_iova, slen,
	      st, h_dev, h_cpu);

	/* 3. COPY streaming (TO_DEVICE) -> coherent, guard bytes after it */
	memset(coh, GUARD, COH_SIZE);
	st = dma_cmd(z, OP_COPY, in_iova, coh_iova + 8, slen - (broken("copyin") ? 1 : 0), 0, 1);
	bad = first_diff(coh + 8, src, slen);
	k = first_not(coh, 8, GUARD) + first_not(coh + 8 + slen, 64, GUARD);
	check(z, "copyin", st == ST_OK && bad == slen && k == 8 + 64,
	      "to_device->coherent len=%zu status=%d first_bad=%zu guard_kept=%zu/72", slen, st, bad, k);
	dma_unmap_single(dev, in_iova, slen, DMA_TO_DEVICE);
	z->unmaps++;

	/* 4. COPY coherent -> streaming FROM_DEVICE, guard bytes around it */
	memset(out, GUARD, slen + 2 * soff + 64);
	out_iova = dma_map_single(dev, out + soff, slen, DMA_FROM_DEVICE);
	if (dma_mapping_error(dev, out_iova)) {
		check(z, "copyout", false, "dma_map_single failed");
		goto free_coh;
	}
	z->maps++;
	st = dma_cmd(z, OP_COPY, coh_iova + 8, out_iova, slen, 0, 2);
	dma_unmap_single(dev, out_iova, slen, DMA_FROM_DEVICE);
	z->unmaps++;
	if (broken("copyout"))
		src[slen / 2] ^= 0xff;
	bad = first_diff(out + soff, src, slen);
	k = first_not(out, soff, GUARD) + first_not(out + soff + slen, 64, GUARD);
	check(z, "copyout", st == ST_OK && bad == slen && k == soff + 64,
	      "coherent->from_device iova=0x%llx len=%zu status=%d first_bad=%zu guard_kept=%zu/%zu",
	      (u64)out_iova, slen, st, bad, k, soff + 64);

	/* 5. PCISTB: a 16-byte block (DST, LEN) read back, then a 40-byte block
	 * SRC..CMD+STATUS whose CMD starts a FILL of [0x100, 0x200) of the
	 * coherent buffer with a completion interrupt on vector 1. */
	{
		u64 p3 = 0xfedcba9876543210ULL ^ (seed << 8), blk[5];
		u64 d, l, s2, d2, l2, p2;
		u32 cmd = OP_FILL | CMD_IRQ | CMD_VEC(1);
		int before = atomic_read(&z->irqs[1]);
		bool irq, data_ok, regs_ok;

		blk[0] = cpu_to_le64(coh_iova + 0x4000);
		blk[1] = cpu_to_le64(0x1234 + seed);
		memcpy_toio(z->regs + R_DST, blk, 16);
		z->stb++;
		d = rd64(z, R_DST);
		l = rd64(z, R_LEN);
		check(z, "pcistb16", d == coh_iova + 0x4000 && l == 0x1234 + seed,
		      "dst=0x%llx len=0x%llx read back", d, l);

		memset(coh, GUARD, COH_SIZE);
		blk[0] = cpu_to_le64(0x5eed);			/* SRC (unused by FILL) */
		blk[1] = cpu_to_le64(coh_iova + 0x100);		/* DST */
		blk[2] = cpu_to_le64(broken("pcistb") ? 0x101 : 0x100);	/* LEN */
		blk[3] = cpu_to_le64(p3);			/* PATTERN */
		blk[4] = cpu_to_le64(cmd);			/* CMD, STATUS (read-only) */
		memcpy_toio(z->regs + R_SRC, blk, 40);
		z->stb++;
		z->cmds++;
		z->wbytes += 0x100;
		irq = wait_irq(z, 1, before + 1);
		st = rd32(z, R_STATUS);
		s2 = rd64(z, R_SRC);
		d2 = rd64(z, R_DST);
		l2 = rd64(z, R_LEN);
		p2 = rd64(z, R_PATTERN);
		for (bad = 0; bad < 0x100; bad++)
			if (coh[0x100 + bad] != pattern_byte(p3, bad))
				break;
		data_ok = bad == 0x100 && first_not(coh + 0xf8, 8, GUARD) == 8 &&
			  first_not(coh + 0x200, 8, GUARD) == 8;
		regs_ok = s2 == 0x5eed && d2 == coh_iova + 0x100 && l2 == 0x100 && p2 == p3;
		check(z, "pcistb40", irq && st == ST_OK && data_ok && regs_ok,
		      "fill by the block: irq=%d status=%d registers=%s first_bad=%zu guards=%s", irq,
		      st, regs_ok ? "read-back" : "wrong", bad, data_ok ? "kept" : "hit");
	}
free_coh:
	dma_free_coherent(dev, COH_SIZE, coh, coh_iova);
	z->unmaps++;
	coh = NULL;
free:
	if (coh)
		dma_free_coherent(dev, COH_SIZE, coh, coh_iova);
	kfree(in);
	kfree(out);
}

static void cmd_selftest(struct zvt *z)
{
	u64 done0, r0, w0, done1, r1, w1, seed;
	u32 id, ver;
	u64 cmds, rb, wb;
	bool ok;
	unsigned int v;
	u64 irqs0 = 0, irqs1 = 0;

	seed = ++z->fn->runs;
	rep(z, "run %u probe %u\n", z->fn->runs, z->fn->probes);
	for (v = 0; v < z->nvec; v++)
		irqs0 += atomic_read(&z->irqs[v]);
	done0 = rd64(z, R_DONE);
	r0 = rd64(z, R_RBYTES);
	w0 = rd64(z, R_WBYTES);
	id = rd32(z, R_ID);
	ver = rd32(z, R_VERSION);
	check(z, "id", id == ID_MAGIC && ver == 1, "id=0x%08x version=%u", id, ver);

	test_msix(z);
	test_dma(z, seed);

	/* the device's own counters against what this test asked of it */
	done1 = rd64(z, R_DONE);
	r1 = rd64(z, R_RBYTES);
	w1 = rd64(z, R_WBYTES);
	cmds = z->cmds + (broken("counters") ? 1 : 0);
	rb = z->rbytes;
	wb = z->wbytes;
	ok = done1 - done0 == cmds && r1 - r0 == rb && w1 - w0 == wb;
	check(z, "counters", ok, "device/expected done=%llu/%llu rbytes=%llu/%llu wbytes=%llu/%llu",
	      done1 - done0, cmds, r1 - r0, rb, w1 - w0, wb);
	for (v = 0; v < z->nvec; v++)
		irqs1 += atomic_read(&z->irqs[v]);
	rep(z, "count loads %llu\ncount stores %llu\ncount storeblocks %llu\n",
	    z->ld + (broken("fmb") ? 1 : 0), z->st, z->stb);
	rep(z, "count maps %llu\ncount unmaps %llu\n", z->maps, z->unmaps);
	rep(z, "count rbytes %llu\ncount wbytes %llu\ncount commands %llu\n", z->rbytes, z->wbytes, z->cmds);
	rep(z, "count irqs %llu\n", irqs1 - irqs0);
	rep(z, "result %s fails=%u\n", z->fails ? "FAIL" : "ok", z->fails);
}

/* DMA to an I/O address nothing maps: the middle of the DMA window. */
static void cmd_fault(struct zvt *z)
{
	struct zpci_dev *zdev = to_zpci(z->pdev);
	u64 iova = ((zdev->start_dma + zdev->end_dma) / 2 & PAGE_MASK) + 0x40;
	unsigned int det0 = READ_ONCE(z->fn->detected);
	long left;
	u32 st;
	u64 fault;

	rep(z, "window 0x%llx-0x%llx\nfault_iova 0x%llx\n", zdev->start_dma, zdev->end_dma, iova);
	wr64(z, R_DST, iova);
	wr64(z, R_LEN, PAGE_SIZE);
	wr64(z, R_PATTERN, 0xbad);
	if (!broken("fault")) {		/* broken: no DMA at all */
		wr32(z, R_CMD, OP_FILL);
		z->cmds++;
	}
	/* the status, if the function still answers loads */
	st = rd32(z, R_STATUS);
	fault = rd64(z, R_FAULT);
	rep(z, "status 0x%x\nfault 0x%llx\n", st, fault);
	left = wait_event_timeout(zvt_err_wq, READ_ONCE(z->fn->detected) != det0, 10 * HZ);
	rep(z, "error_detected %u state %d waited_ms %u\n", z->fn->detected - det0,
	    z->fn->last_state, jiffies_to_msecs(left ? 10 * HZ - left : 10 * HZ));
	check(z, "fault", left > 0, "error_detected=%u state=%d offline=%d", z->fn->detected - det0,
	      z->fn->last_state, pci_channel_offline(z->pdev));
}

/* ---- sysfs ---------------------------------------------------------------------- */

static ssize_t zvtest_cmd_store(struct device *dev, struct device_attribute *attr,
				const char *buf, size_t count)
{
	struct zvt *z = dev_get_drvdata(dev);

	if (!z)
		return -ENODEV;
	mutex_lock(&z->lock);
	if (sysfs_streq(buf, "selftest")) {
		begin(z, "selftest");
		cmd_selftest(z);
	} else if (sysfs_streq(buf, "fault")) {
		begin(z, "fault");
		cmd_fault(z);
	} else {
		mutex_unlock(&z->lock);
		return -EINVAL;
	}
	mutex_unlock(&z->lock);
	return count;
}
static DEVICE_ATTR_WO(zvtest_cmd);

static ssize_t zvtest_report_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct zvt *z = dev_get_drvdata(dev);
	ssize_t n;

	if (!z)
		return -ENODEV;
	mutex_lock(&z->lock);
	n = sysfs_emit(buf, "%sfn probes=%u detected=%u slot_resets=%u resumes=%u state=%d\n",
		       z->report, z->fn->probes, z->fn->detected, z->fn->slot_resets,
		       z->fn->resumes, (__force int)z->pdev->error_state);
	mutex_unlock(&z->lock);
	return n;
}
static DEVICE_ATTR_RO(zvtest_report);

static ssize_t zvtest_recovery_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct zvt *z = dev_get_drvdata(dev);

	return z ? sysfs_emit(buf, "%s\n", z->fn->auto_recover ? "auto" : "none") : -ENODEV;
}

static ssize_t zvtest_recovery_store(struct device *dev, struct device_attribute *attr,
				     const char *buf, size_t count)
{
	struct zvt *z = dev_get_drvdata(dev);

	if (!z)
		return -ENODEV;
	if (sysfs_streq(buf, "auto"))
		z->fn->auto_recover = true;
	else if (sysfs_streq(buf, "none"))
		z->fn->auto_recover = false;
	else
		return -EINVAL;
	return count;
}
static DEVICE_ATTR_RW(zvtest_recovery);

static struct attribute *zvt_attrs[] = {
	&dev_attr_zvtest_cmd.attr,
	&dev_attr_zvtest_report.attr,
	&dev_attr_zvtest_recovery.attr,
	NULL,
};
ATTRIBUTE_GROUPS(zvt);

/* ---- error recovery --------------------------------------------------------------- */

/* Linux calls these for a bound function only: its driver data is there. */
static pci_ers_result_t zvt_error_detected(struct pci_dev *pdev, pci_channel_state_t state)
{
	struct zvt *z = pci_get_drvdata(pdev);
	struct zvt_fn *f;

	if (!z)
		return PCI_ERS_RESULT_DISCONNECT;
	f = z->fn;
	dev_info(&pdev->dev, "zvtest: error_detected state %d (%s)\n", (__force int)state,
		 f->auto_recover ? "asking for a reset" : "disconnecting: recover through sysfs");
	f->last_state = (__force int)state;
	WRITE_ONCE(f->detected, f->detected + 1);
	wake_up(&zvt_err_wq);
	if (state == pci_channel_io_perm_failure || !f->auto_recover)
		return PCI_ERS_RESULT_DISCONNECT;
	return PCI_ERS_RESULT_NEED_RESET;
}

/* After Linux's reset of the function: its configuration (command
 * register, MSI-X) back as probe left it. */
static pci_ers_result_t zvt_slot_reset(struct pci_dev *pdev)
{
	struct zvt *z = pci_get_drvdata(pdev);

	if (!z)
		return PCI_ERS_RESULT_DISCONNECT;
	z->fn->slot_resets++;
	dev_info(&pdev->dev, "zvtest: slot_reset\n");
	pci_restore_state(pdev);
	pci_save_state(pdev);
	return PCI_ERS_RESULT_RECOVERED;
}

static void zvt_resume(struct pci_dev *pdev)
{
	struct zvt *z = pci_get_drvdata(pdev);

	if (!z)
		return;
	z->fn->resumes++;
	dev_info(&pdev->dev, "zvtest: resume\n");
}

static const struct pci_error_handlers zvt_err_handlers = {
	.error_detected = zvt_error_detected,
	.slot_reset = zvt_slot_reset,
	.resume = zvt_resume,
};

/* ---- probe and remove ----------------------------------------------------------------- */

static void zvt_free_irqs(struct zvt *z)
{
	unsigned int v;

	for (v = 0; v < z->nvec; v++)
		free_irq(pci_irq_vector(z->pdev, v), &z->vecs[v]);
	pci_free_irq_vectors(z->pdev);
}

static int zvt_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct zvt *z;
	int rc, n;
	unsigned int v;

	z = kzalloc(sizeof(*z), GFP_KERNEL);
	if (!z)
		return -ENOMEM;
	z->report = kzalloc(REPORT_SIZE, GFP_KERNEL);
	if (!z->report) {
		rc = -ENOMEM;
		goto free;
	}
	z->pdev = pdev;
	z->fn = zvt_fn_get(pci_domain_nr(pdev->bus));
	if (!z->fn) {
		rc = -ENOSPC;
		goto free;
	}
	init_waitqueue_head(&z->wq);
	mutex_init(&z->lock);
	rc = pci_enable_device(pdev);
	if (rc)
		goto free;
	rc = pci_request_regions(pdev, "zvtest");
	if (rc)
		goto disable;
	z->regs = pci_iomap(pdev, 0, 0);
	if (!z->regs) {
		rc = -ENOMEM;
		goto release;
	}
	pci_set_master(pdev);
	rc = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (rc)
		goto unmap;
	n = pci_alloc_irq_vectors(pdev, 1, MAX_VEC, PCI_IRQ_MSIX);
	if (n < 0) {
		rc = n;
		goto unmap;
	}
	z->nvec = n;
	for (v = 0; v < z->nvec; v++) {
		z->vecs[v] = (struct zvt_vec){ .z = z, .v = v };
		rc = request_irq(pci_irq_vector(pdev, v), zvt_irq, 0, "zvtest", &z->vecs[v]);
		if (rc) {
			while (v--)
				free_irq(pci_irq_vector(pdev, v), &z->vecs[v]);
			pci_free_irq_vectors(pdev);
			goto unmap;
		}
	}
	pci_save_state(pdev);
	pci_set_drvdata(pdev, z);
	z->fn->probes++;
	dev_info(&pdev->dev, "zvtest: bound (probe %u), %u MSI-X vectors, BAR 0 id 0x%08x\n",
		 z->fn->probes, z->nvec, readl(z->regs + R_ID));
	return 0;
unmap:
	pci_iounmap(pdev, z->regs);
release:
	pci_release_regions(pdev);
disable:
	pci_disable_device(pdev);
free:
	kfree(z->report);
	kfree(z);
	return rc;
}

static void zvt_remove(struct pci_dev *pdev)
{
	struct zvt *z = pci_get_drvdata(pdev);

	mutex_lock(&z->lock);
	pci_set_drvdata(pdev, NULL);
	mutex_unlock(&z->lock);
	zvt_free_irqs(z);
	pci_clear_master(pdev);
	pci_iounmap(pdev, z->regs);
	pci_release_regions(pdev);
	pci_disable_device(pdev);
	dev_info(&pdev->dev, "zvtest: unbound\n");
	kfree(z->report);
	kfree(z);
}

static const struct pci_device_id zvt_ids[] = {
	{ PCI_DEVICE(ZVT_VENDOR, ZVT_DEVICE) },
	{ 0 }
};
MODULE_DEVICE_TABLE(pci, zvt_ids);

static struct pci_driver zvt_driver = {
	.name = "zvtest",
	.id_table = zvt_ids,
	.probe = zvt_probe,
	.remove = zvt_remove,
	.err_handler = &zvt_err_handlers,
	.dev_groups = zvt_groups,
};
module_pci_driver(zvt_driver);

MODULE_DESCRIPTION("zvfio emu:dma test driver: MSI-X, DMA through the s390 IOMMU, PCISTB, error recovery");
MODULE_LICENSE("GPL");
