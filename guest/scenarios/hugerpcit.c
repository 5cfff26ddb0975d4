/* SPDX-License-Identifier: MIT */
/*
 * The hostile refresh: a function with a window of terabytes (emu:dma with
 * a large maps=), every region entry valid, one shared page table behind
 * every segment -- billions of valid entries -- and RPCIT over all of it,
 * again and again. Each intercept does bounded work and answers cc 2; the
 * machine's --timeout must still end the run on time. Never exits by
 * itself (rounds=0) or after rounds=N refreshes.
 */
#include "guest.h"
#include "zpci.h"

int guest_main(void);

int guest_main(void)
{
	uint64_t rounds = arg_u64("rounds", 0);
	uint64_t *st = galloc(2048 * 8, 16384), *pt = galloc(256 * 8, 2048);
	uint8_t *frames = galloc(1 << 20, 4096);
	struct zpci_fib fib __attribute__((aligned(8)));
	struct zdev *z;
	uint8_t s;
	int cc;

	CHECK_EQ(clp_list(), 0x10);
	CHECK_EQ(nzdevs, 1);
	z = &zdevs[0];
	CHECK_EQ(clp_query_fn(z), 0x10);
	CHECK_EQ(clp_query_grp(z), 0x10);
	CHECK_EQ(zpci_enable(z), 0x10);
	z->rt = galloc(2048 * 8, 16384);
	for (unsigned i = 0; i < 256; i++)
		pt[i] = (uintptr_t)frames + 4096 * i;
	for (unsigned i = 0; i < 2048; i++) {
		st[i] = (uintptr_t)pt;
		z->rt[i] = (uintptr_t)st | 0x04 | 0x03;
	}
	/* the whole window the function offers, up to the 4 TiB a
	 * region-third table reaches */
	memset(&fib, 0, sizeof(fib));
	fib.pba = z->sdma;
	fib.pal = z->edma < (4ULL << 40) - 1 ? z->edma : (4ULL << 40) - 1;
	fib.iota = (uint64_t)(uintptr_t)z->rt | 0x800 | 0x04;
	CHECK_EQ(mpcifc(z->fh, 0, 4, &fib, &s), 0);
	printf("hugerpcit: window %#lx-%#lx (%lu GiB), refreshing it all\n", (unsigned long)fib.pba,
	       (unsigned long)fib.pal, (unsigned long)((fib.pal - fib.pba + 1) >> 30));
	for (uint64_t r = 0; !rounds || r < rounds; r++) {
		cc = rpcit(z->fh, fib.pba, fib.pal - fib.pba + 1, &s);
		if (cc)
			panic("RPCIT: cc %d status %u", cc, s);
	}
	return test_failures ? 1 : 0;
}
