/* SPDX-License-Identifier: MIT */
/*
 * An NVMe driver over zPCI, for an NVMe controller passed through with
 * vfio: (QEMU's nvme, 1b36:0010, in tests/vm/x86). Registers in BAR0 by
 * PCILG/PCISTG; queues and data in guest memory mapped through the zPCI
 * IOMMU (RPCIT). Disable, admin queues, enable, IDENTIFY controller and
 * namespace 1, an I/O queue pair, WRITE a pattern, READ it back into other
 * pages, compare; then delete the queues and shut the controller down.
 *   serial=S   the controller's serial number must be S (default: not checked)
 *   kib=N      KiB written and read back (default 1024, a multiple of 4)
 *   chunk=N    KiB per command (default 128, capped by MDTS)
 *   lba=N      first logical block (default 0)
 *   seed=N     varies the pattern between runs (default 1)
 *   irq=0|1    1 (default): completions by MSI-X -> adapter interruption;
 *              0: poll the completion queue
 *   msix=linux MSI-X set up as Linux's nvme driver and PCI core do: one
 *              vector, programmed masked and unmasked once the admin queue
 *              exists; before the I/O queues the vectors are freed
 *              (masked, MSI-X off, interrupts deregistered) and two
 *              allocated the same way (on a NORESIZE host: a new count)
 *   expect16=1 the run must have met "insufficient resources" (cc 1
 *              status 16) from RPCIT
 * Data buffers are scattered pages (every other page), mapped per command
 * and unmapped lazily, as Linux's dma-iommu does: each page is a host
 * mapping of its own, so a small host budget (vfio_iommu_type1.
 * dma_entry_limit) makes RPCIT run out and the library's global refresh
 * and retry recover. All device-visible structures are little-endian; the
 * guest is big-endian, so every field is converted explicitly.
 */
#include "guest.h"
#include "zpci_fn.h"

int guest_main(void);

/* controller registers (NVMe base specification) */
#define REG_CAP  0x00
#define REG_VS   0x08
#define REG_INTMS 0x0c
#define REG_CC   0x14
#define REG_CSTS 0x1c
#define REG_AQA  0x24
#define REG_ASQ  0x28
#define REG_ACQ  0x30
#define CC_EN       1u
#define CC_SHN_NORM (1u << 14)
#define CC_IOSQES   (6u << 16)	/* 64-byte submission entries */
#define CC_IOCQES   (4u << 20)	/* 16-byte completion entries */
#define CSTS_RDY  1u
#define CSTS_CFS  2u
#define CSTS_SHST 0xcu

#define OPC_DELETE_SQ 0x00
#define OPC_CREATE_SQ 0x01
#define OPC_DELETE_CQ 0x04
#define OPC_CREATE_CQ 0x05
#define OPC_IDENTIFY  0x06
#define OPC_WRITE     0x01
#define OPC_READ      0x02

#define PAGE 4096u
#define ADMIN_QSIZE 32u
#define IO_QSIZE 64u

struct queue {
	uint8_t *sq, *cq;
	uint16_t qid, size, tail, head;
	uint32_t phase;
};

static struct zdev *z;
static unsigned dstrd;
static bool use_irq, linux_msix;
static uint16_t next_cid;
static uint64_t commands;


static uint64_t reg_read64(unsigned off)
{
	/* two 4-byte reads: not every host path does 8-byte MMIO */
	return bar_read(z, 0, off, 4) | bar_read(z, 0, off + 4, 4) << 32;
}

static void reg_write64(unsigned off, uint64_t v)
{
	bar_write(z, 0, off, 4, (uint32_t)v);
	bar_write(z, 0, off + 4, 4, v >> 32);
}

static unsigned doorbell(unsigned qid, bool cq)
{
	return 0x1000 + (2 * qid + (cq ? 1 : 0)) * (4u << dstrd);
}

static bool wait_csts(uint32_t mask, uint32_t want, uint64_t ms)
{
	for (uint64_t t0 = zv_time_ns(); zv_time_ns() - t0 < ms * 1000000;) {
		uint32_t s = (uint32_t)bar_read(z, 0, REG_CSTS, 4);

		if ((s & mask) == want)
			return true;
		if (s & CSTS_CFS)
			panic("nvme: controller fatal status, CSTS %#x", s);
	}
	return false;
}

/* Submit one command (64 bytes, CID filled in here) and wait for its
 * completion: returns the status field (0: success), *dw0 the result. */
static uint32_t submit(struct queue *q, uint8_t *cmd, uint32_t *dw0)
{
	uint16_t cid = ++next_cid;
	const volatile uint8_t *cqe;
	uint32_t dw3;
	uint64_t t0 = zv_time_ns();

	cmd[2] = (uint8_t)cid;
	cmd[3] = (uint8_t)(cid >> 8);
	memcpy(q->sq + 64u * q->tail, cmd, 64);
	q->tail = (uint16_t)((q->tail + 1) % q->size);
	bar_write(z, 0, doorbell(q->qid, false), 4, q->tail);
	cqe = q->cq + 16u * q->head;
	/* the phase tag flips on every pass through the queue */
	while (((ld_le32(cqe + 12) >> 16) & 1) != q->phase) {
		if (use_irq)
			wait_for_interrupt();
		else if (zv_time_ns() - t0 > 30000000000ULL)
			panic("nvme: command opcode %#x on queue %u timed out", cmd[0], q->qid);
	}
	dw3 = ld_le32(cqe + 12);
	if (dw0)
		*dw0 = ld_le32(cqe);
	CHECK_EQ(dw3 & 0xffff, cid);
	CHECK_EQ(ld_le32(cqe + 8) >> 16, q->qid);	/* SQ identifier */
	if (++q->head == q->size) {
		q->head = 0;
		q->phase ^= 1;
	}
	bar_write(z, 0, doorbell(q->qid, true), 4, q->head);
	commands++;
	return dw3 >> 17;
}

static void cmd_init(uint8_t *c, uint8_t opc, uint32_t nsid, uint64_t prp1, uint64_t prp2)
{
	memset(c, 0, 64);
	c[0] = opc;
	st_le32(c + 4, nsid);
	st_le64(c + 24, prp1);
	st_le64(c + 32, prp2);
}

static void *queue_mem(unsigned bytes, uint64_t *iova)
{
	void *p = galloc(bytes < PAGE ? PAGE : bytes, PAGE);

	*iova = zpci_map(z, p, bytes, false);
	if (!*iova)
		panic("nvme: cannot map a queue");
	return p;
}

/* ASCII field of an identify structure, trailing spaces dropped */
static void id_string(char *out, const uint8_t *f, unsigned n)
{
	memcpy(out, f, n);
	out[n] = 0;
	while (n && (out[n - 1] == ' ' || out[n - 1] == 0))
		out[--n] = 0;
}

static uint64_t pattern(uint64_t seed, uint64_t page, unsigned word)
{
	return (seed << 56 | page << 12 | word) * 0x9e3779b97f4a7c15ULL + seed;
}

int guest_main(void)
{
	uint64_t kib = arg_u64("kib", 1024), seed = arg_u64("seed", 1), slba = arg_u64("lba", 0);
	uint64_t chunk_kib = arg_u64("chunk", 128), verified = 0, written = 0, readb = 0;
	uint64_t cap, asq_iova, acq_iova, sq_iova, cq_iova, id_iova, prpl_iova, t0 = zv_time_ns();
	struct queue aq = { 0 }, ioq = { 0 };
	uint8_t cmd[64] __attribute__((aligned(8))), *id, *pool;
	uint64_t *prpl;
	char serial[32], want_serial[32], model[48], msix_arg[16] = "";
	unsigned to_ms, mdts_pages, lba_shift, npages, chunk;
	uint32_t st, vs, nn;
	int rc;

	use_irq = arg_u64("irq", 1) != 0;
	linux_msix = arg_str("msix", msix_arg, sizeof(msix_arg)) &&
		     !strncmp(msix_arg, "linux", sizeof(msix_arg));
	if (kib == 0 || kib % 4)
		panic("nvme: kib must be a positive multiple of 4");
	z = zpci_find(0x1b36, 0x0010);
	if (!z)
		panic("no NVMe function (1b36:0010): pass one with --device vfio:BDF");
	if ((rc = zpci_bringup_fn(z)))
		panic("nvme bring-up failed at step %d", rc);
	if (use_irq) {
		/* vector 0: admin completions, vector 1: I/O completions */
		if ((rc = zpci_irq_register(z, linux_msix ? 1 : 2, NULL)))
			panic("nvme: MPCIFC register interrupts: %d", rc);
		if (linux_msix ? zpci_msix_enable_masked(z, 1) : zpci_msix_enable(z, 2))
			panic("nvme: MSI-X enable failed");
		irq_disable();	/* interrupts come in wait_for_interrupt() */
	}
	cap = reg_read64(REG_CAP);
	vs = (uint32_t)bar_read(z, 0, REG_VS, 4);
	dstrd = (unsigned)(cap >> 32) & 0xf;
	to_ms = (unsigned)((cap >> 24) & 0xff) * 500;
	printf("nvme: fid %u, window %#lx-%#lx, CAP %#lx (MQES %u, DSTRD %u, TO %u ms), "
	       "version %u.%u, %s\n", z->fid, (unsigned long)z->pba, (unsigned long)z->pal,
	       (unsigned long)cap, (unsigned)(cap & 0xffff) + 1, dstrd, to_ms, vs >> 16,
	       (vs >> 8) & 0xff, use_irq ? "MSI-X" : "polling");
	CHECK((cap >> 37) & 1, "the controller lacks the NVM command set");
	if ((cap >> 48) & 0xf)
		panic("nvme: minimum page size %u, this driver uses 4 KiB",
		      1u << (12 + ((cap >> 48) & 0xf)));

	/* disable, wait for not-ready, then admin queues and enable */
	bar_write(z, 0, REG_CC, 4, 0);
	if (!wait_csts(CSTS_RDY, 0, to_ms))
		panic("nvme: controller did not become disabled");
	aq.sq = queue_mem(ADMIN_QSIZE * 64, &asq_iova);
	aq.cq = queue_mem(ADMIN_QSIZE * 16, &acq_iova);
	aq.size = ADMIN_QSIZE;
	aq.phase = 1;
	bar_write(z, 0, REG_AQA, 4, (ADMIN_QSIZE - 1) << 16 | (ADMIN_QSIZE - 1));
	reg_write64(REG_ASQ, asq_iova);
	reg_write64(REG_ACQ, acq_iova);
	bar_write(z, 0, REG_CC, 4, CC_IOCQES | CC_IOSQES | CC_EN);
	if (!wait_csts(CSTS_RDY, CSTS_RDY, to_ms))
		panic("nvme: controller did not become ready");
	if (!use_irq)	/* polling: no pin interrupt nobody would handle */
		bar_write(z, 0, REG_INTMS, 4, 0xffffffff);
	else if (linux_msix)	/* request_irq() for the admin queue */
		zpci_msix_unmask(z, 0);

	/* IDENTIFY controller */
	id = queue_mem(PAGE, &id_iova);
	cmd_init(cmd, OPC_IDENTIFY, 0, id_iova, 0);
	st_le32(cmd + 40, 1);			/* CNS 1: controller */
	CHECK_EQ(submit(&aq, cmd, NULL), 0);
	id_string(serial, id + 4, 20);
	id_string(model, id + 24, 40);
	mdts_pages = id[77] ? 1u << id[77] : 1u << 16;
	nn = ld_le32(id + 516);
	printf("nvme: identify controller: VID %#x, serial '%s', model '%s', MDTS %u pages, "
	       "%u namespace(s)\n", ld_le16(id), serial, model, mdts_pages, nn);
	CHECK_EQ(ld_le16(id), 0x1b36);
	if (arg_str("serial", want_serial, sizeof(want_serial)))
		CHECK(!strncmp(serial, want_serial, sizeof(serial)) && strlen(serial) == strlen(want_serial),
		      "serial '%s', want '%s'", serial, want_serial);
	CHECK((id[512] & 0xf) <= 6 && (id[513] & 0xf) <= 4, "entry sizes SQES %#x CQES %#x",
	      id[512], id[513]);
	CHECK(nn >= 1, "no namespaces");

	/* IDENTIFY namespace 1: size and block size */
	memset(id, 0, PAGE);
	cmd_init(cmd, OPC_IDENTIFY, 1, id_iova, 0);	/* CNS 0: namespace */
	CHECK_EQ(submit(&aq, cmd, NULL), 0);
	uint64_t nsze = ld_le64(id);
	lba_shift = id[128 + 4 * (id[26] & 0xf) + 2];
	printf("nvme: namespace 1: %lu blocks of %u bytes\n", (unsigned long)nsze, 1u << lba_shift);
	if (lba_shift < 9 || lba_shift > 12)
		panic("nvme: block size 2^%u not handled", lba_shift);
	if (slba + (kib << 10 >> lba_shift) > nsze)
		panic("nvme: %lu KiB from block %lu do not fit the namespace", (unsigned long)kib,
		      (unsigned long)slba);

	if (use_irq && linux_msix) {
		/* nvme_setup_io_queues(): free the one vector, allocate two */
		bar_write(z, z->msix_bar, z->msix_table + 12, 4, 1);
		zpci_msix_disable(z);
		if ((rc = zpci_irq_deregister(z)) || (rc = zpci_irq_register(z, 2, NULL)))
			panic("nvme: MPCIFC interrupts again: %d", rc);
		if (zpci_msix_enable_masked(z, 2))
			panic("nvme: MSI-X enable (2 vectors) failed");
		zpci_msix_unmask(z, 0);
		zpci_msix_unmask(z, 1);
	}

	/* an I/O completion queue (vector 1) and its submission queue */
	ioq.qid = 1;
	ioq.size = (uint16_t)((cap & 0xffff) + 1 < IO_QSIZE ? (cap & 0xffff) + 1 : IO_QSIZE);
	ioq.phase = 1;
	ioq.sq = queue_mem(ioq.size * 64u, &sq_iova);
	ioq.cq = queue_mem(ioq.size * 16u, &cq_iova);
	cmd_init(cmd, OPC_CREATE_CQ, 0, cq_iova, 0);
	st_le32(cmd + 40, (uint32_t)(ioq.size - 1) << 16 | ioq.qid);
	/* vector 1 with IEN; polling: no vector (QEMU rejects one without MSI-X) */
	st_le32(cmd + 44, (use_irq ? 1u << 16 | 2 : 0) | 1);	/* contiguous */
	CHECK_EQ(submit(&aq, cmd, NULL), 0);
	cmd_init(cmd, OPC_CREATE_SQ, 0, sq_iova, 0);
	st_le32(cmd + 40, (uint32_t)(ioq.size - 1) << 16 | ioq.qid);
	st_le32(cmd + 44, (uint32_t)ioq.qid << 16 | 1);		/* CQ 1, contiguous */
	CHECK_EQ(submit(&aq, cmd, NULL), 0);
	if (test_failures)
		panic("nvme: admin setup failed (%u failures)", test_failures);

	/* the data: page k of the write buffer and of the read buffer are
	 * every other page of one pool, so no two are adjacent */
	npages = (unsigned)(kib / 4);
	chunk = (unsigned)(chunk_kib / 4);
	if (chunk == 0 || chunk > mdts_pages)
		chunk = mdts_pages;
	if (chunk > 512)	/* one PRP list page */
		chunk = 512;
	pool = galloc(2ull * npages * PAGE, PAGE);
	prpl = galloc(PAGE, PAGE);
	prpl_iova = zpci_map(z, prpl, PAGE, true);
	void **wp = galloc(npages * sizeof(void *), 8), **rp = galloc(npages * sizeof(void *), 8);
	if (!prpl_iova)
		panic("nvme: cannot map the PRP list");
	for (unsigned k = 0; k < npages; k++) {
		uint64_t *w = (uint64_t *)(pool + (2ull * k) * PAGE);

		wp[k] = w;
		rp[k] = pool + (2ull * k + 1) * PAGE;
		for (unsigned i = 0; i < PAGE / 8; i++)
			w[i] = pattern(seed, k, i);
	}

	for (int pass = 0; pass < 2; pass++) {
		bool wr = pass == 0;

		for (unsigned k = 0; k < npages; k += chunk) {
			unsigned n = npages - k < chunk ? npages - k : chunk;
			/* the device reads what is written, writes what is read */
			uint64_t iova = zpci_map_pages(z, (wr ? wp : rp) + k, n, wr), prp2 = 0;
			uint64_t lba = slba + ((uint64_t)k * PAGE >> lba_shift);
			uint32_t nlb = (uint32_t)((uint64_t)n * PAGE >> lba_shift);

			if (!iova)
				panic("nvme: cannot map %u data pages", n);
			if (n == 2)
				prp2 = iova + PAGE;
			else if (n > 2) {
				for (unsigned i = 1; i < n; i++)
					st_le64((uint8_t *)&prpl[i - 1], iova + (uint64_t)i * PAGE);
				prp2 = prpl_iova;
			}
			cmd_init(cmd, wr ? OPC_WRITE : OPC_READ, 1, iova, prp2);
			st_le64(cmd + 40, lba);
			st_le32(cmd + 48, nlb - 1);
			st = submit(&ioq, cmd, NULL);
			CHECK(st == 0, "%s of %u blocks at %lu: status %#x", wr ? "WRITE" : "READ", nlb,
			      (unsigned long)lba, st);
			zpci_unmap(z, iova, (uint64_t)n * PAGE, true);	/* lazily */
			if (wr)
				written += (uint64_t)n * PAGE;
			else
				readb += (uint64_t)n * PAGE;
		}
		printf("nvme: %s %lu KiB in %u-page commands\n", wr ? "wrote" : "read back",
		       (unsigned long)kib, chunk);
	}
	for (unsigned k = 0; k < npages; k++) {
		if (memcmp(wp[k], rp[k], PAGE)) {
			CHECK(0, "page %u read back differs: %#lx, want %#lx", k,
			      (unsigned long)*(uint64_t *)rp[k], (unsigned long)*(uint64_t *)wp[k]);
			continue;
		}
		verified += PAGE;
	}

	/* orderly end: I/O queues deleted, normal shutdown, disabled */
	cmd_init(cmd, OPC_DELETE_SQ, 0, 0, 0);
	st_le32(cmd + 40, ioq.qid);
	CHECK_EQ(submit(&aq, cmd, NULL), 0);
	cmd_init(cmd, OPC_DELETE_CQ, 0, 0, 0);
	st_le32(cmd + 40, ioq.qid);
	CHECK_EQ(submit(&aq, cmd, NULL), 0);
	bar_write(z, 0, REG_CC, 4, CC_IOCQES | CC_IOSQES | CC_SHN_NORM | CC_EN);
	CHECK(wait_csts(CSTS_SHST, 8, to_ms), "shutdown did not complete");
	bar_write(z, 0, REG_CC, 4, 0);
	CHECK(wait_csts(CSTS_RDY, 0, to_ms), "controller did not become disabled");

	uint64_t irqs = z->irq_count[0] + z->irq_count[1];
	printf("nvme: %lu KiB written, %lu KiB read, %lu KiB verified, %lu commands, "
	       "%lu interrupts, %lu global refreshes, %lu insufficient-resources answers "
	       "in %lu ms: %s\n", (unsigned long)(written >> 10), (unsigned long)(readb >> 10),
	       (unsigned long)(verified >> 10), (unsigned long)commands, (unsigned long)irqs,
	       (unsigned long)dma_flushes, (unsigned long)dma_insufficient,
	       (unsigned long)((zv_time_ns() - t0) / 1000000), test_failures ? "FAILED" : "all verified");
	if (arg_u64("expect16", 0))
		CHECK(dma_insufficient > 0, "RPCIT never answered insufficient resources");
	CHECK_EQ(verified, kib << 10);
	zv_report("nvme_bytes_written", written);
	zv_report("nvme_bytes_read", readb);
	zv_report("nvme_verified_bytes", verified);
	zv_report("nvme_commands", commands);
	zv_report("nvme_interrupts", irqs);
	zv_report("dma_insufficient", dma_insufficient);
	zv_report("dma_flushes", dma_flushes);
	return test_failures ? 1 : 0;
}
