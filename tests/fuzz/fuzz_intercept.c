/* SPDX-License-Identifier: MIT */
/*
 * Fuzzing everything a guest controls: instruction text and registers, CLP
 * blocks, FIBs, translation tables, MSI-X tables, the MSI capability, device
 * programming, all
 * interleaved. One input is a program of operations read from the bytes.
 *
 * Invariants checked after every operation: zv_intercept() answers every
 * zPCI instruction (0 or a known program-interruption code, never -1); a
 * program exception leaves the CPU unchanged; the condition code is 0..3;
 * every host mapping the engine made lies inside guest RAM. ASan/UBSan
 * catch the rest.
 *
 * Built two ways: with -fsanitize=fuzzer (make fuzz, clang) as a libFuzzer
 * target, or with the PRNG driver below (make check) that runs a bounded
 * random campaign: fuzz_intercept [ITERATIONS] [SEED].
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/be.h"
#include "fakes.h"
#include "harness.h"

struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t u8(struct in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static uint64_t u64(struct in *in)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | u8(in);
	return v;
}

/* Values a guest is likely to use, so the fuzzer reaches deep paths. */
static uint64_t value(struct fx *x, struct in *in)
{
	uint8_t sel = u8(in);
	unsigned f = sel & 1;
	uint32_t fh = zv_function_fh(x->fn[f]);

	switch (sel >> 1 & 7) {
	case 0: return u64(in);
	case 1: return u8(in);
	case 2: return (uint64_t)fh << 32 | (uint64_t)(u8(in) & 0xf) << 16 | (u8(in) & 0x1f);
	case 3: return (uint64_t)(fh ^ (u8(in) & 0x80 ? 0x80000000u : 0)) << 32 | u8(in);
	case 4: return FX_LPCB + (u8(in) & 0x18);
	case 5: return FX_FIB + (u8(in) & 0x7);
	case 6: return 0x100000000ULL + ((uint64_t)u8(in) << 12) + ((uint64_t)u8(in) << 20);
	default: return 0x40000 + ((uint64_t)u8(in) << 8);
	}
}

/* Function 1 also has an MSI capability (64-bit, per-vector masking, 8
 * vectors) after its MSI-X one: the engine owns those registers too. */
static int msi_fds[8];
static struct dev_ops msi_ops;

static int fz_set_msi(struct zv_device *d, unsigned count, const int *fds)
{
	(void)d;
	for (unsigned i = 0; i < 8; i++)
		msi_fds[i] = i < count ? fds[i] : -1;
	return 0;
}

static void add_msi_function(struct fx *x)
{
	struct fake_dev *d = fake_dev_new(8);

	msi_ops = *d->dev.ops;
	msi_ops.set_msi = fz_set_msi;
	d->dev.ops = &msi_ops;
	d->cfg[0x41] = 0x50;	/* MSI-X's next: MSI */
	d->cfg[0x50] = PCI_CAP_ID_MSI;
	le16_put(d->cfg + 0x52, PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT | (3 << 1));
	for (unsigned i = 0; i < 8; i++)
		msi_fds[i] = -1;
	if (fx_add(x, d) != 1)	/* function 1 */
		abort();
}

static void raise_msi(unsigned v)
{
	uint64_t one = 1;

	if (msi_fds[v % 8] >= 0 && write(msi_fds[v % 8], &one, sizeof(one)) != sizeof(one))
		abort();
}

static const uint16_t rre_ops[] = { 0xb9a0, 0xb9d0, 0xb9d2, 0xb9d3 };
static const uint8_t long_ops[][2] = { { 0xe3, 0xd0 }, { 0xe3, 0xd4 }, { 0xeb, 0xd0 }, { 0xeb, 0xd1 } };

static void check_mappings(struct fx *x)
{
	for (unsigned i = 0; i < 2; i++) {
		struct fake_dev *d = x->dev[i];

		for (unsigned k = 0; k < d->nmaps; k++) {
			uint8_t *h = d->maps[k].host;

			if (h < x->ram || h + d->maps[k].size > x->ram + FX_RAM_SIZE) {
				fprintf(stderr, "mapping outside guest RAM\n");
				abort();
			}
		}
	}
}

static void one_insn(struct fx *x, struct in *in)
{
	struct zv_cpu before;
	uint8_t kind = u8(in);
	int rc;

	for (int r = 0; r < 16; r++)
		if (u8(in) & 1)
			x->cpu.gpr[r] = value(x, in);
	x->cpu.psw_mask = ZV_PSW_MASK_EA | ZV_PSW_MASK_BA;
	if ((kind & 0xf0) == 0xf0)
		x->cpu.psw_mask |= ZV_PSW_MASK_PSTATE;
	before = x->cpu;
	if (kind & 8) {
		const uint8_t *op = long_ops[kind & 3];
		uint8_t r = u8(in), b = u8(in);
		int32_t d = (int32_t)(u64(in) & 0xfffff);

		d = (d ^ 0x80000) - 0x80000;
		rc = op[0] == 0xe3 ? fx_rxy(x, op[0], op[1], r >> 4, r & 0xf, b & 0xf, d)
				   : fx_rsy(x, op[0], op[1], r >> 4, r & 0xf, b & 0xf, d);
	} else {
		uint8_t r = u8(in);

		if ((kind & 3) == 0)
			rc = zv_intercept(x->m, &x->cpu, 0xb9a0, (uint32_t)u8(in) << 24 | (uint32_t)r << 16);
		else
			rc = fx_rre(x, rre_ops[kind & 3], r >> 4, r & 0xf);
	}
	if (rc < 0) {
		fprintf(stderr, "zv_intercept refused a zPCI instruction\n");
		abort();
	}
	if (rc > 0) {
		if (rc != ZV_PGM_OPERATION && rc != ZV_PGM_PRIVILEGED && rc != ZV_PGM_SPECIFICATION &&
		    rc != ZV_PGM_OPERAND && rc != ZV_PGM_ADDRESSING && rc != ZV_PGM_PROTECTION) {
			fprintf(stderr, "unexpected program code %#x\n", rc);
			abort();
		}
		if (memcmp(&before, &x->cpu, sizeof(before))) {
			fprintf(stderr, "program exception changed the CPU\n");
			abort();
		}
	}
}

static void run_input(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	struct fx x;
	uint8_t rsp[4096];

	fx_init(&x, 1, u8(&in) & 1 ? 0 : ZV_FAC_ZPCI | ZV_FAC_AEN);
	add_msi_function(&x);
	x.translate_fault = u8(&in) & 1 ? ZV_PGM_ADDRESSING : 0;
	x.translate_fault_at = 0x30000;
	x.dev[0]->limit = 1 + u8(&in);
	/* start from enabled functions, as most interesting paths need them */
	if (u8(&in) & 1) {
		fx_enable(&x, 0);
		fx_enable(&x, 1);
	}
	while (in.n) {
		uint8_t op = u8(&in);

		switch (op % 9) {
		case 0: case 1: case 2: case 3:
			one_insn(&x, &in);
			break;
		case 4: {	/* guest writes memory: blocks, tables, vectors */
			uint64_t a = value(&x, &in) & (FX_RAM_SIZE - 1);
			unsigned len = u8(&in) % 64;

			for (unsigned i = 0; i < len && a + i < FX_RAM_SIZE; i++)
				x.ram[a + i] = u8(&in);
			break;
		}
		case 5: {	/* a well-formed CLP request of a random command */
			memset(x.ram + FX_LPCB, 0, 64);
			be16_put(x.ram + FX_LPCB, 32);
			be16_put(x.ram + FX_LPCB + 2, u8(&in) % 7);
			be64_put(x.ram + FX_LPCB + 16, value(&x, &in));
			be16_put(x.ram + FX_LPCB + 32, (uint16_t)((u8(&in) % 8) * 16 + 32));
			break;
		}
		case 6: {	/* the device signals (MSI-X or MSI) or faults */
			uint8_t how = u8(&in);

			if (how & 1)
				fake_raise(x.dev[u8(&in) & 1], u8(&in) % 8);
			else if (how & 2)
				raise_msi(u8(&in));
			else
				fake_fault(x.dev[u8(&in) & 1], value(&x, &in), u8(&in) & 1, u8(&in) & 1);
			break;
		}
		case 8: {	/* config space around function 1's MSI capability */
			static const unsigned lens[] = { 1, 2, 4, 8 };
			uint8_t k = u8(&in);
			unsigned len = lens[k & 3];
			uint64_t off = 0x48 + u8(&in) % 0x28, v = value(&x, &in);

			if (k & 4)
				fx_pcistg(&x, zv_function_fh(x.fn[1]), 15, len, off, v);
			else
				fx_pcilg(&x, zv_function_fh(x.fn[1]), 15, len, off, NULL);
			break;
		}
		default:
			zv_dispatch(x.m);
			break;
		}
		check_mappings(&x);
	}
	zv_dispatch(x.m);
	while (zv_chsc_sei_nt2(x.m, rsp, sizeof(rsp)) == 1)
		;
	fx_fini(&x);
}

#ifdef ZV_LIBFUZZER
/* the fixture's helpers report through the harness: a failure is a crash */
void th_fail(const char *file, int line, const char *fmt, ...)
{
	fprintf(stderr, "%s:%d: fixture check failed (%s)\n", file, line, fmt);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run_input(data, size);
	return 0;
}
#else
/* A bounded random campaign for `make check`: inputs from a fixed-seed
 * PRNG; prints the harness's summary line. */
TEST(fuzz_random_programs)
{
	const char *it = getenv("ZV_FUZZ_ITERATIONS"), *sd = getenv("ZV_FUZZ_SEED");
	unsigned long n = it ? strtoul(it, NULL, 0) : 3000;
	uint64_t s = sd ? strtoull(sd, NULL, 0) : 0x5eed;
	uint8_t buf[1024];

	for (unsigned long i = 0; i < n; i++) {
		size_t len = 16 + (s % (sizeof(buf) - 16));

		for (size_t k = 0; k < len; k++) {
			s ^= s << 13;
			s ^= s >> 7;
			s ^= s << 17;
			buf[k] = (uint8_t)(s >> 24);
		}
		run_input(buf, len);
	}
}
#endif
