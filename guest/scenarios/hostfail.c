/* SPDX-License-Identifier: MIT */
/*
 * What a guest sees when the host fails one operation of the device (the
 * fail= device options, src/dev/fault.c): run with
 *   --device emu:dma,fail=OP[,fail-errno=E] --args "op=OP [enospc=1]"
 * and the guest checks that it got the architected answer, reports what it
 * saw (cc, status, the error event's PEC, what recovery gave) and exits 0
 * when everything was as expected (docs/RELIABILITY.md has the table).
 *   map    RPCIT of a new mapping: ENOSPC -> cc 1 status 16 (and the
 *          guest's global refresh and retry); otherwise error state, SERR
 *   unmap  RPCIT invalidating a mapping: error state, SERR, the device
 *          fenced; recovery that cannot unmap -> permanent error (0x3b)
 *   read   PCILG, write PCISTG: cc 1 status 8, SERR; recovery works
 *   irqs   MSI-X switched on, which the host cannot do (the device goes
 *          into MSI-X mode when the guest enables it): error state, SERR
 *   reset  CLP disable: response 0x0106, permanent error (0x3b)
 * With every=N, N >= 3 (the device's fail-every=N): the host fails only
 * every Nth call, so N-1 calls work first, the Nth gets the answer above,
 * and after recovery the function works again -- for unmap, the retried
 * unmap (the next call) removes what the failed one left, and recovery
 * succeeds.
 */
#include "emu_dma_drv.h"
#include "guest.h"

int guest_main(void);

static struct zdev *z;

static bool is(const char *a, const char *b)
{
	return !strncmp(a, b, 16) && strlen(a) == strlen(b);
}

/* the function's state from STPCIFC: 0 enabled, 1 error, 2 permanent
 * error (cc 1 status 8), 3 not available (cc 3) */
static unsigned state(void)
{
	struct zpci_fib fib __attribute__((aligned(8)));
	uint8_t st;
	int cc = stpcifc(z->fh, 0, &fib, &st);

	if (cc == 3)
		return 3;
	if (cc == 1)
		return st == 8 ? 2 : 4;
	return (fib.fc & 0x20) ? 1 : 0;	/* FC bit 2: error */
}

static void saw(const char *key, uint64_t v)
{
	zv_report(key, v);
	printf("hostfail: %s = %#lx\n", key, (unsigned long)v);
}

/* Linux's recovery: unblock load/store, reset the error; its cc */
static int recover(void)
{
	struct zpci_fib fib __attribute__((aligned(8)));
	uint8_t st;

	memset(&fib, 0, sizeof(fib));
	mpcifc(z->fh, 0, 9, &fib, &st);
	return mpcifc(z->fh, 0, 7, &fib, &st);
}

/* One call of op; its cc (map: 0 when mapped, 1 when not). */
static int one_call(const char *op, uint8_t *page)
{
	uint64_t d, iova;
	uint8_t st;

	if (is(op, "read"))
		return pcilg(&d, z->fh, 0, 4, EMU_DMA_REG_ID, &st);
	if (is(op, "write"))
		return pcistg(0x1234, z->fh, 0, 8, EMU_DMA_REG_PATTERN, &st);
	iova = zpci_map(z, page, 4096, false);
	if (is(op, "map"))
		return iova ? 0 : 1;
	if (!iova)		/* unmap: map, then the strict unmap's refresh */
		return 3;
	zpci_unmap(z, iova, 4096, false);
	return rpcit(z->fh, iova, 4096, &st);
}

/* every=N (N >= 3): N-1 calls of op work, the Nth fails and is answered as
 * it should be, recovery brings the function back (for unmap, the retried
 * unmap is the next call, which works), and the function works again. */
static void intermittent(const char *op, unsigned n, uint8_t *pages)
{
	int cc;

	if (is(op, "reset")) {
		for (unsigned i = 1; i < n; i++) {	/* each disable resets the device */
			uint32_t fh = z->fh;

			CHECK_EQ(clp_set_fn(z, 1, 0, &fh), 0x10);
			z->fh = fh;
			CHECK_EQ(zpci_enable(z), 0x10);
		}
		CHECK_EQ(clp_set_fn(z, 1, 0, &z->fh), 0x0106);
		CHECK_EQ(z->last_pec, 0x003b);
		saw("failed_at", n);
		return;
	}
	for (unsigned i = 1; i <= n; i++) {
		cc = one_call(op, pages + (i - 1) * 4096);
		CHECK(i < n ? cc == 0 : cc == 1, "%s %u of %u: cc %d", op, i, n, cc);
	}
	CHECK_EQ(z->last_pec, 0x000b);
	CHECK_EQ(state(), 1);
	CHECK_EQ(recover(), 0);
	CHECK_EQ(state(), 0);
	cc = one_call(op, pages + n * 4096);
	CHECK(cc == 0, "%s after recovery: cc %d", op, cc);
	CHECK_EQ(state(), 0);
	saw("failed_every", n);
}

int guest_main(void)
{
	char op[16] = "";
	uint8_t *buf = galloc(4096, 4096), st = 0;
	uint64_t d, iova, enospc = arg_u64("enospc", 0), every = arg_u64("every", 1);
	uint32_t fh;
	int cc;

	arg_str("op", op, sizeof(op));
	CHECK_EQ(clp_list(), 0x10);
	CHECK_EQ(nzdevs, 1);
	z = &zdevs[0];
	CHECK_EQ(clp_query_fn(z), 0x10);
	CHECK_EQ(clp_query_grp(z), 0x10);
	/* error events come as channel-report machine checks, right after
	 * the instruction that caused them */
	cr_set_bits(14, 1ULL << 28);
	irq_enable();
	CHECK_EQ(zpci_enable(z), 0x10);
	if (every > 1 && !is(op, "irqs")) {
		uint8_t *pages = galloc(4096 * ((size_t)every + 1), 4096);

		if (!is(op, "reset"))
			CHECK_EQ(zpci_dma_init(z), 0);
		intermittent(op, (unsigned)every, pages);
		return test_failures ? 1 : 0;
	}
	if (is(op, "reset")) {
		fh = z->fh;
		cc = clp_set_fn(z, 1, 0, &fh);	/* disable: the device reset fails */
		saw("clp_rc", (uint64_t)cc);
		saw("pec", z->last_pec);
		CHECK_EQ(cc, 0x0106);		/* permanent error */
		CHECK_EQ(z->last_pec, 0x003b);
		return test_failures ? 1 : 0;
	}
	CHECK_EQ(zpci_dma_init(z), 0);
	if (is(op, "irqs")) {
		/* a vector the host cannot route: the guest is told, it does not
		 * wait for interrupts that never come */
		unsigned cap = zpci_cap(z, 0x11);

		CHECK_EQ(zpci_irq_register(z, 1, NULL), 0);
		CHECK(cap != 0, "MSI-X capability");
		/* MSI-X on, every vector masked (Linux's order): the device
		 * must go into MSI-X mode now, and the host cannot do it */
		cc = pcistg(0x0080, z->fh, PCIAS_CFG, 2, cap + 2, &st);	/* LE 0x8000 */
		saw("cc", (uint64_t)cc);
		saw("pec", z->last_pec);
		saw("state", state());
		CHECK_EQ(z->last_pec, 0x000b);
		CHECK_EQ(state(), 1);
		return test_failures ? 1 : 0;
	}
	if (is(op, "read") || is(op, "write")) {
		cc = is(op, "read") ? pcilg(&d, z->fh, 0, 4, EMU_DMA_REG_ID, &st)
				    : pcistg(0x1234, z->fh, 0, 8, EMU_DMA_REG_PATTERN, &st);
		saw("cc", (uint64_t)cc);
		saw("status", st);
		saw("pec", z->last_pec);
		CHECK_EQ(cc, 1);
		CHECK_EQ(st, 8);
		CHECK_EQ(z->last_pec, 0x000b);
		CHECK_EQ(state(), 1);
		/* recovery works; the next access fails again (every call does) */
		saw("recovery_cc", (uint64_t)recover());
		CHECK_EQ(state(), 0);
		return test_failures ? 1 : 0;
	}
	if (is(op, "map")) {
		iova = zpci_map(z, buf, 4096, false);
		saw("mapped", iova != 0);
		saw("insufficient", dma_insufficient);
		saw("pec", z->last_pec);
		saw("state", state());
		CHECK_EQ(iova, 0);
		if (enospc) {	/* out of mappings: status 16, the global refresh, no error */
			CHECK(dma_insufficient >= 1, "status 16 seen");
			CHECK_EQ(z->errors, 0);
			CHECK_EQ(state(), 0);
		} else {
			CHECK_EQ(z->last_pec, 0x000b);
			CHECK_EQ(state(), 1);
		}
		return test_failures ? 1 : 0;
	}
	if (is(op, "unmap")) {
		/* the map works; the strict unmap's RPCIT cannot remove it */
		iova = zpci_map(z, buf, 4096, false);
		CHECK(iova != 0, "mapped");
		zpci_unmap(z, iova, 4096, false);
		cc = rpcit(z->fh, iova, 4096, &st);	/* what the unmap's refresh left */
		saw("pec", z->last_pec);
		saw("state", state());
		CHECK_EQ(z->last_pec, 0x000b);
		CHECK_EQ(cc, 1);
		/* recovery while the host still cannot unmap: permanent error */
		cc = recover();
		saw("recovery_cc", (uint64_t)cc);
		saw("pec_after_recovery", z->last_pec);
		CHECK_EQ(cc, 3);
		CHECK_EQ(z->last_pec, 0x003b);
		CHECK_EQ(state(), 2);
		return test_failures ? 1 : 0;
	}
	panic("hostfail: unknown op '%s' (map, unmap, read, write, irqs, reset)", op);
}
