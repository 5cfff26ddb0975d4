/* SPDX-License-Identifier: MIT */
/*
 * MPCIFC (prelude and every operation control), STPCIFC, SIC, the function
 * measurement block, and the interrupt path from an MSI-X vector to the
 * AIBV/AISB bits and the adapter interruption (with AIS), plus IOMMU-fault
 * error events. Expectations come from the reference: §1.3, §1.6, §3, §4.1,
 * §5, §6.6, §8, §11.
 */
#include <poll.h>
#include <string.h>
#include <sys/mman.h>

#include "arch/clp.h"
#include "arch/codes.h"
#include "arch/events.h"
#include "arch/fib.h"
#include "fakes.h"
#include "harness.h"

#define MSIA      0xfe00000000000000ULL	/* the default group's MSI address */
#define SDMA      0x100000000ULL		/* default start of the DMA window */
#define RT        0x100000ULL		/* a region-third table, 16 KiB aligned */
#define AIBV      0x30000ULL
#define AISB      0x31000ULL
#define FMB       0x40000ULL
#define FIB2      0x28000ULL		/* where STPCIFC stores */
#define PGM_PAGE_TRANSLATION 0x0011

/* ---- helpers ---------------------------------------------------------- */

static uint64_t rq(uint32_t fh, uint8_t dmaas, uint8_t oc)
{
	return (uint64_t)fh << 32 | (uint64_t)dmaas << 16 | oc;
}

/* MPCIFC with the request in r1 and the FIB at fiba (through base 5). */
static int mpcifc_raw(struct fx *x, unsigned r1, uint64_t req, uint64_t fiba)
{
	x->cpu.gpr[r1] = req;
	x->cpu.gpr[5] = fiba;
	return fx_rxy(x, 0xe3, 0xd0, r1, 0, 5, 0);
}

/* SIC: mode in R6, ISC in R7 bits 32-34 ((reg >> 27) & 7) */
static int sic(struct fx *x, uint64_t mode, uint8_t isc)
{
	x->cpu.gpr[6] = mode;
	x->cpu.gpr[7] = (uint64_t)isc << 27;
	return fx_rsy(x, 0xeb, 0xd1, 6, 7, 0, 0);
}

static void put_cc(struct fx *x, int cc)
{
	x->cpu.psw_mask = (x->cpu.psw_mask & ~ZV_PSW_MASK_CC) | (uint64_t)cc << ZV_PSW_CC_SHIFT;
}

static bool cpu_same(const struct zv_cpu *a, const struct zv_cpu *b)
{
	return !memcmp(a->gpr, b->gpr, sizeof(a->gpr)) && a->psw_mask == b->psw_mask &&
	       a->psw_addr == b->psw_addr;
}

static void clear_fib(struct fx *x)
{
	memset(x->ram + FX_FIB, 0, ZPCI_FIB_SIZE);
}

/* A FIB for the IOAT operations; the table at RT is made all-invalid. */
static int ioat_op(struct fx *x, uint32_t fh, uint8_t dmaas, uint8_t oc, uint64_t pba,
		   uint64_t pal, uint64_t iota)
{
	for (unsigned i = 0; i < 2048; i++)
		fx_w64(x, RT + 8 * i, 0x20);
	clear_fib(x);
	fx_w64(x, FX_FIB + 0x10, pba);
	fx_w64(x, FX_FIB + 0x18, pal);
	fx_w64(x, FX_FIB + 0x20, iota);
	return fx_mpcifc(x, fh, dmaas, oc);
}

static int set_measure(struct fx *x, uint32_t fh, uint64_t fmb)
{
	clear_fib(x);
	fx_w64(x, FX_FIB + 0x40, fmb);
	return fx_mpcifc(x, fh, 0, ZPCI_MOD_FC_SET_MEASURE);
}

/* STPCIFC into FIB2 (pre-filled with garbage); expects cc 0, returns FC. */
static uint8_t fc_of(struct fx *x, uint32_t fh)
{
	memset(x->ram + FIB2, 0xa5, ZPCI_FIB_SIZE);
	EXPECT_EQ(fx_stpcifc(x, fh, 0, FIB2), 0);
	EXPECT_EQ(fx_cc(x), 0);
	return fx_r8(x, FIB2 + 0x08);
}

static uint32_t intword(uint8_t isc, uint16_t noi, uint8_t aibvo, bool sum, uint8_t aisbo)
{
	return (uint32_t)isc << 28 | (uint32_t)noi << 16 | (uint32_t)aibvo << 8 |
	       (uint32_t)sum << 7 | aisbo;
}

/* CLP SET PCI FN disable; returns the new handle */
static uint32_t disable_fn(struct fx *x, uint32_t fh)
{
	memset(x->ram + FX_LPCB, 0, 8192);
	fx_w32(x, FX_LPCB + CLP_SFN_RQ_FH, fh);
	fx_w8(x, FX_LPCB + CLP_SFN_RQ_OC, CLP_SFN_OC_DISABLE);
	fx_w8(x, FX_LPCB + CLP_SFN_RQ_NDAS, 1);
	EXPECT_EQ(fx_clp(x, CLP_SET_PCI_FN, 4096 - 32, NULL), CLP_RC_OK);
	return fx_r32(x, FX_LPCB + 32 + CLP_SFN_RS_FH);
}

/* Put function i into the error state with a device IOMMU fault. */
static void make_error(struct fx *x, unsigned i)
{
	fake_fault(x->dev[i], 0x1000, false, false);
	EXPECT(zv_dispatch(x->m) >= 1);
}

static unsigned drain_events(struct fx *x)
{
	struct zpci_event ev;
	unsigned n = 0;

	while (fx_event(x, &ev))
		n++;
	return n;
}

/* ---- MSI-X as a guest programs it -------------------------------------- */

/* 4-byte little-endian PCI value v as the PCISTG register value */
static uint64_t le32_reg(uint32_t v)
{
	return __builtin_bswap32(v);
}

static void msix_entry(struct fx *x, uint32_t fh, unsigned v, uint64_t addr, uint32_t data,
		       uint32_t ctrl)
{
	uint64_t off = 16ULL * v;

	EXPECT_EQ(fx_pcistg(x, fh, 2, 4, off + 0, le32_reg((uint32_t)addr)), 0);
	EXPECT_EQ(fx_cc(x), 0);
	EXPECT_EQ(fx_pcistg(x, fh, 2, 4, off + 4, le32_reg((uint32_t)(addr >> 32))), 0);
	EXPECT_EQ(fx_cc(x), 0);
	EXPECT_EQ(fx_pcistg(x, fh, 2, 4, off + 8, le32_reg(data)), 0);
	EXPECT_EQ(fx_cc(x), 0);
	EXPECT_EQ(fx_pcistg(x, fh, 2, 4, off + 12, le32_reg(ctrl)), 0);
	EXPECT_EQ(fx_cc(x), 0);
}

static void msix_vctrl(struct fx *x, uint32_t fh, unsigned v, uint32_t ctrl)
{
	EXPECT_EQ(fx_pcistg(x, fh, 2, 4, 16ULL * v + 12, le32_reg(ctrl)), 0);
	EXPECT_EQ(fx_cc(x), 0);
}

/* MSI-X message control (config 0x42), a little-endian 16-bit value */
static void msix_ctrl(struct fx *x, uint32_t fh, uint16_t ctrl)
{
	EXPECT_EQ(fx_pcistg(x, fh, 15, 2, 0x42, __builtin_bswap16(ctrl)), 0);
	EXPECT_EQ(fx_cc(x), 0);
}

/* the PBA's first 8 bytes through PCILG BAR 2 offset 0x800 */
static uint64_t pba_read(struct fx *x, uint32_t fh)
{
	uint64_t v = ~0ULL;

	EXPECT_EQ(fx_pcilg(x, fh, 2, 8, 0x800, &v), 0);
	EXPECT_EQ(fx_cc(x), 0);
	return v;
}

/* register value of the 8-byte PBA read with only vector vec pending */
static uint64_t pba_bit(unsigned vec)
{
	return (uint64_t)(1u << (vec % 8)) << (56 - 8 * (vec / 8));
}

/* program every vector: address addr, data = vector, unmasked; enable */
static void msix_program(struct fx *x, uint32_t fh, uint64_t addr)
{
	for (unsigned v = 0; v < 8; v++)
		msix_entry(x, fh, v, addr, v, 0);
	msix_ctrl(x, fh, 0x8000);
}

static void raise_vec(struct fx *x, unsigned i, unsigned v)
{
	fake_raise(x->dev[i], v);
	zv_dispatch(x->m);
}

/* bit n of a MSB-first bit vector at a */
static bool bit_at(struct fx *x, uint64_t a, uint64_t n)
{
	return (fx_r8(x, a + n / 8) & (0x80u >> (n % 8))) != 0;
}

/* enable function i, register interrupts (isc 2, noi 8), program MSI-X */
static uint32_t irq_setup(struct fx *x, unsigned i, uint8_t aibvo, uint8_t aisbo, bool sum)
{
	uint32_t fh = fx_enable(x, i);

	EXPECT_EQ(fx_reg_int(x, fh, 2, 8, AIBV, aibvo, AISB, aisbo, sum), 0);
	EXPECT_EQ(fx_cc(x), 0);
	msix_program(x, fh, MSIA);
	return fh;
}

/* ---- a machine with a short measurement interval ------------------------ */

static void own_inject(void *hv, uint8_t isc)
{
	((struct fx *)hv)->injected[isc & 7]++;
}

static void own_crw(void *hv)
{
	((struct fx *)hv)->crws++;
}

static const struct zv_hv_ops own_hv = {
	.inject_adapter = own_inject,
	.crw_pending = own_crw,
};

/* like fx_init(x, 1, 0) but with mui_ms = mui (translate: logical = absolute) */
static void init_with_mui(struct fx *x, uint16_t mui)
{
	memset(x, 0, sizeof(*x));
	x->ram = mmap(NULL, FX_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT(x->ram != MAP_FAILED);
	struct zv_mem_region mem = { .gpa = 0, .size = FX_RAM_SIZE, .host = x->ram };
	struct zv_machine_config cfg = {
		.mem = &mem, .n_mem = 1, .hv = &own_hv, .hv_opaque = x, .mui_ms = mui,
	};
	x->m = zv_machine_create(&cfg);
	EXPECT(x->m != NULL);
	x->dev[0] = fake_dev_new(8);
	x->fn[0] = zv_function_add(x->m, &x->dev[0]->dev, ZV_UID_AUTO, ZV_FID_AUTO);
	EXPECT(x->fn[0] != NULL);
	x->cpu.psw_mask = ZV_PSW_MASK_EA | ZV_PSW_MASK_BA;
}

/* dispatch for up to ms milliseconds or until the FMB sample count >= want */
static uint32_t wait_samples(struct fx *x, uint64_t fmb, uint32_t want, int ms)
{
	for (int t = 0; t < ms; t += 10) {
		struct pollfd p = { .fd = zv_poll_fd(x->m), .events = POLLIN };

		(void)poll(&p, 1, 10);
		zv_dispatch(x->m);
		if (want && fx_r32(x, fmb + 4) >= want)
			break;
	}
	return fx_r32(x, fmb + 4);
}

/* ======================================================================== */
/* MPCIFC prelude (§3.2 common prelude, §1.6)                               */
/* ======================================================================== */

TEST(mpcifc_problem_state_is_privileged_operation)
{
	struct fx x;
	struct zv_cpu before;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	fx_reg_int(&x, fh, 2, 8, AIBV, 0, AISB, 0, true);	/* fill a FIB */
	x.cpu.psw_mask |= ZV_PSW_MASK_PSTATE;
	put_cc(&x, 2);
	x.cpu.gpr[1] = rq(fh, 0, ZPCI_MOD_FC_DEREG_INT);
	x.cpu.gpr[5] = FX_FIB;
	before = x.cpu;
	EXPECT_EQ(fx_rxy(&x, 0xe3, 0xd0, 1, 0, 5, 0), ZV_PGM_PRIVILEGED);
	EXPECT(cpu_same(&x.cpu, &before));
	/* privileged has priority over specification and the handle */
	x.cpu.gpr[5] = FX_FIB + 4;
	x.cpu.gpr[1] = rq(0x12345678, 0, 77);
	before = x.cpu;
	EXPECT_EQ(fx_rxy(&x, 0xe3, 0xd0, 1, 0, 5, 0), ZV_PGM_PRIVILEGED);
	EXPECT(cpu_same(&x.cpu, &before));
	/* nothing happened: the registration is still there */
	x.cpu.psw_mask &= ~ZV_PSW_MASK_PSTATE;
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_DEREG_INT), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	fx_fini(&x);
}

TEST(mpcifc_misaligned_fib_is_specification)
{
	struct fx x;
	struct zv_cpu before;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	for (unsigned off = 1; off < 8; off++) {
		put_cc(&x, 3);
		x.cpu.gpr[1] = rq(fh, 0, ZPCI_MOD_FC_DEREG_INT);
		x.cpu.gpr[5] = FX_FIB + off;
		before = x.cpu;
		EXPECT_EQ(fx_rxy(&x, 0xe3, 0xd0, 1, 0, 5, 0), ZV_PGM_SPECIFICATION);
		EXPECT(cpu_same(&x.cpu, &before));
	}
	/* misalignment through the displacement alone */
	x.cpu.gpr[1] = rq(fh, 0, ZPCI_MOD_FC_DEREG_INT);
	x.cpu.gpr[5] = FX_FIB;
	EXPECT_EQ(fx_rxy(&x, 0xe3, 0xd0, 1, 0, 5, 4), ZV_PGM_SPECIFICATION);
	/* checked before the handle: a bad handle still gets specification */
	x.cpu.gpr[1] = rq(0x80000007, 0, ZPCI_MOD_FC_DEREG_INT);
	x.cpu.gpr[5] = FX_FIB + 2;
	EXPECT_EQ(fx_rxy(&x, 0xe3, 0xd0, 1, 0, 5, 0), ZV_PGM_SPECIFICATION);
	fx_fini(&x);
}

TEST(mpcifc_unknown_stale_or_not_enabled_handle_is_cc3)
{
	struct fx x;
	uint32_t fh, bad[4];

	fx_init(&x, 2, 0);
	fh = fx_enable(&x, 0);
	bad[0] = 0x80000000u | 0x00020000u | 7;	/* no function with index 7 */
	bad[1] = fh ^ 0x01000000u;		/* stale: other instance */
	bad[2] = fh & ~0x80000000u;		/* enable bit clear */
	bad[3] = zv_function_fh(x.fn[1]) | 0x80000000u;	/* function 1 is disabled */
	for (unsigned i = 0; i < 4; i++) {
		clear_fib(&x);
		fx_w32(&x, FX_FIB + 0x28, intword(2, 8, 0, true, 0));
		fx_w64(&x, FX_FIB + 0x30, AIBV);
		fx_w64(&x, FX_FIB + 0x38, AISB);
		put_cc(&x, 0);
		EXPECT_EQ(mpcifc_raw(&x, 1, rq(bad[i], 0, ZPCI_MOD_FC_REG_INT), FX_FIB), 0);
		EXPECT_EQ(fx_cc(&x), 3);
		EXPECT_EQ(x.cpu.gpr[1], rq(bad[i], 0, ZPCI_MOD_FC_REG_INT));	/* no status */
	}
	/* none of those reached function 0 */
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_DEREG_INT), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 1), ZPCI_MOD_ST_SEQUENCE);
	fx_fini(&x);
}

TEST(mpcifc_disabled_function_is_cc3)
{
	struct fx x;
	uint32_t fh, dfh;

	fx_init(&x, 1, 0);
	/* never enabled: its handle */
	EXPECT_EQ(fx_reg_int(&x, zv_function_fh(x.fn[0]), 2, 8, AIBV, 0, AISB, 0, true), 0);
	EXPECT_EQ(fx_cc(&x), 3);
	/* enabled, then disabled: old handle and new handle */
	fh = fx_enable(&x, 0);
	dfh = disable_fn(&x, fh);
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_DISABLED);
	EXPECT_EQ(fx_reg_int(&x, fh, 2, 8, AIBV, 0, AISB, 0, true), 0);
	EXPECT_EQ(fx_cc(&x), 3);
	EXPECT_EQ(fx_reg_int(&x, dfh, 2, 8, AIBV, 0, AISB, 0, true), 0);
	EXPECT_EQ(fx_cc(&x), 3);
	EXPECT_EQ(fx_reg_int(&x, dfh | 0x80000000u, 2, 8, AIBV, 0, AISB, 0, true), 0);
	EXPECT_EQ(fx_cc(&x), 3);
	EXPECT_EQ(fx_reg_ioat(&x, dfh, RT, SDMA, SDMA + 0xfffff), 0);
	EXPECT_EQ(fx_cc(&x), 3);
	fx_fini(&x);
}

TEST(permanent_error_mpcifc_cc3_stpcifc_status_8)
{
	struct fx x;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	/* no guest-visible way leads there; set the state directly */
	x.fn[0]->state = ZV_FS_PERMANENT_ERROR;
	EXPECT_EQ(fx_reg_int(&x, fh, 2, 8, AIBV, 0, AISB, 0, true), 0);
	EXPECT_EQ(fx_cc(&x), 3);
	EXPECT_EQ(fx_status(&x, 1), 0);
	EXPECT_EQ(fx_stpcifc(&x, fh, 0, FIB2), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 1), ZPCI_STPCIFC_ST_PERM_ERROR);
	fx_fini(&x);
}

TEST(mpcifc_fib_format_nonzero_is_operand)
{
	struct fx x;
	struct zv_cpu before;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	for (unsigned fmt = 1; fmt < 256; fmt *= 2) {
		clear_fib(&x);
		fx_w8(&x, FX_FIB, (uint8_t)fmt);
		fx_w32(&x, FX_FIB + 0x28, intword(2, 8, 0, true, 0));
		fx_w64(&x, FX_FIB + 0x30, AIBV);
		fx_w64(&x, FX_FIB + 0x38, AISB);
		put_cc(&x, 2);
		x.cpu.gpr[1] = rq(fh, 0, ZPCI_MOD_FC_REG_INT);
		x.cpu.gpr[5] = FX_FIB;
		before = x.cpu;
		EXPECT_EQ(fx_rxy(&x, 0xe3, 0xd0, 1, 0, 5, 0), ZV_PGM_OPERAND);
		EXPECT(cpu_same(&x.cpu, &before));
	}
	/* nothing registered */
	clear_fib(&x);
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_DEREG_INT), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 1), ZPCI_MOD_ST_SEQUENCE);
	fx_fini(&x);
}

TEST(mpcifc_unknown_and_directed_oc_are_operand)
{
	static const uint8_t ocs[] = { 0, 1, 8, 11, 12, 15, 16, 17, 18, 0x80, 0xff };
	struct fx x;
	struct zv_cpu before;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	for (unsigned i = 0; i < sizeof(ocs); i++) {
		clear_fib(&x);
		put_cc(&x, 2);
		x.cpu.gpr[1] = rq(fh, 0, ocs[i]);
		x.cpu.gpr[5] = FX_FIB;
		before = x.cpu;
		EXPECT_EQ(fx_rxy(&x, 0xe3, 0xd0, 1, 0, 5, 0), ZV_PGM_OPERAND);
		EXPECT(cpu_same(&x.cpu, &before));
	}
	EXPECT_EQ(fc_of(&x, fh), 0x80);
	fx_fini(&x);
}

TEST(mpcifc_fib_access_exception_from_translation)
{
	struct fx x;
	struct zv_cpu before;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	clear_fib(&x);
	fx_w32(&x, FX_FIB + 0x28, intword(2, 8, 0, true, 0));
	fx_w64(&x, FX_FIB + 0x30, AIBV);
	fx_w64(&x, FX_FIB + 0x38, AISB);
	x.translate_fault = PGM_PAGE_TRANSLATION;
	x.translate_fault_at = FX_FIB;
	put_cc(&x, 2);
	x.cpu.gpr[1] = rq(fh, 0, ZPCI_MOD_FC_REG_INT);
	x.cpu.gpr[5] = FX_FIB;
	before = x.cpu;
	EXPECT_EQ(fx_rxy(&x, 0xe3, 0xd0, 1, 0, 5, 0), PGM_PAGE_TRANSLATION);
	EXPECT(cpu_same(&x.cpu, &before));
	x.translate_fault = ZV_PGM_PROTECTION;
	EXPECT_EQ(fx_rxy(&x, 0xe3, 0xd0, 1, 0, 5, 0), ZV_PGM_PROTECTION);
	EXPECT(cpu_same(&x.cpu, &before));
	/* a FIB whose second half is on a page that does not translate */
	x.translate_fault = PGM_PAGE_TRANSLATION;
	x.translate_fault_at = 0x21000;
	memcpy(x.ram + 0x20ff8 - 0x28, x.ram + FX_FIB, ZPCI_FIB_SIZE);	/* int word at 0x20ff8 */
	x.cpu.gpr[5] = 0x20ff8 - 0x28;
	before = x.cpu;
	EXPECT_EQ(fx_rxy(&x, 0xe3, 0xd0, 1, 0, 5, 0), PGM_PAGE_TRANSLATION);
	EXPECT(cpu_same(&x.cpu, &before));
	/* a FIB outside guest RAM: addressing exception */
	x.translate_fault = 0;
	x.cpu.gpr[5] = FX_RAM_SIZE;
	before = x.cpu;
	EXPECT_EQ(fx_rxy(&x, 0xe3, 0xd0, 1, 0, 5, 0), ZV_PGM_ADDRESSING);
	EXPECT(cpu_same(&x.cpu, &before));
	/* nothing registered */
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_DEREG_INT), 0);
	EXPECT_EQ(fx_status(&x, 1), ZPCI_MOD_ST_SEQUENCE);
	fx_fini(&x);
}

TEST(mpcifc_status_goes_to_r1_bits_32_39)
{
	struct fx x;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	clear_fib(&x);
	for (unsigned r = 0; r < 16; r++)
		x.cpu.gpr[r] = 0x1111111111111111ULL * r;
	/* R1 = 6, with stale bits in the status field */
	EXPECT_EQ(mpcifc_raw(&x, 6, rq(fh, 0, ZPCI_MOD_FC_DEREG_INT) | 0xaa000000ULL, FX_FIB), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(x.cpu.gpr[6], rq(fh, 0, ZPCI_MOD_FC_DEREG_INT) | (uint64_t)ZPCI_MOD_ST_SEQUENCE << 24);
	for (unsigned r = 0; r < 16; r++)
		if (r != 6 && r != 5)
			EXPECT_EQ(x.cpu.gpr[r], 0x1111111111111111ULL * r);
	EXPECT_EQ(x.cpu.gpr[5], FX_FIB);
	fx_fini(&x);
}

/* ======================================================================== */
/* REG_INT / DEREG_INT (§3.2, §8)                                           */
/* ======================================================================== */

TEST(reg_int_stores_fields)
{
	struct fx x;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	put_cc(&x, 3);
	EXPECT_EQ(fx_reg_int(&x, fh, 5, 100, AIBV + 8, 17, AISB + 16, 42, true), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fc_of(&x, fh), 0x80);
	EXPECT_EQ(fx_r32(&x, FIB2 + 0x28), intword(5, 100, 17, true, 42));
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x30), AIBV + 8);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x38), AISB + 16);
	/* the maximum NOI of the group is accepted */
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_DEREG_INT), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fx_reg_int(&x, fh, 7, 128, AIBV, 63, AISB, 63, false), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	fc_of(&x, fh);
	EXPECT_EQ(fx_r32(&x, FIB2 + 0x28), intword(7, 128, 63, false, 63));
	fx_fini(&x);
}

TEST(reg_int_twice_is_sequence_error)
{
	struct fx x;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	EXPECT_EQ(fx_reg_int(&x, fh, 2, 8, AIBV, 0, AISB, 3, true), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fx_reg_int(&x, fh, 3, 16, AIBV + 64, 8, AISB + 8, 5, true), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 1), ZPCI_MOD_ST_SEQUENCE);
	/* the first registration stands */
	fc_of(&x, fh);
	EXPECT_EQ(fx_r32(&x, FIB2 + 0x28), intword(2, 8, 0, true, 3));
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x30), AIBV);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x38), AISB);
	fx_fini(&x);
}

TEST(reg_int_bad_noi_is_insufficient_resources)
{
	static const uint16_t nois[] = { 0, 129, 256, 0xfff };
	struct fx x;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	for (unsigned i = 0; i < 4; i++) {
		EXPECT_EQ(fx_reg_int(&x, fh, 2, nois[i], AIBV, 0, AISB, 0, true), 0);
		EXPECT_EQ(fx_cc(&x), 1);
		EXPECT_EQ(fx_status(&x, 1), ZPCI_MOD_ST_INSUF_RES);
	}
	/* nothing registered */
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_DEREG_INT), 0);
	EXPECT_EQ(fx_status(&x, 1), ZPCI_MOD_ST_SEQUENCE);
	fx_fini(&x);
}

TEST(reg_int_vectors_outside_ram_are_resource_not_available)
{
	struct fx x;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	/* AIBV at the end of RAM */
	EXPECT_EQ(fx_reg_int(&x, fh, 2, 8, FX_RAM_SIZE, 0, AISB, 0, true), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 1), ZPCI_MOD_ST_RES_NOT_AVAIL);
	/* the AIBV's last byte (AIBVO + NOI bits) past the end */
	EXPECT_EQ(fx_reg_int(&x, fh, 2, 8, FX_RAM_SIZE - 1, 1, AISB, 0, true), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 1), ZPCI_MOD_ST_RES_NOT_AVAIL);
	/* AISB at the end of RAM, and straddling it (8 bytes) */
	EXPECT_EQ(fx_reg_int(&x, fh, 2, 8, AIBV, 0, FX_RAM_SIZE, 0, true), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 1), ZPCI_MOD_ST_RES_NOT_AVAIL);
	EXPECT_EQ(fx_reg_int(&x, fh, 2, 8, AIBV, 0, FX_RAM_SIZE - 4, 0, true), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 1), ZPCI_MOD_ST_RES_NOT_AVAIL);
	/* far away */
	EXPECT_EQ(fx_reg_int(&x, fh, 2, 8, 0xffffffffffff0000ULL, 0, AISB, 0, true), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 1), ZPCI_MOD_ST_RES_NOT_AVAIL);
	/* nothing was registered by the failures */
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_DEREG_INT), 0);
	EXPECT_EQ(fx_status(&x, 1), ZPCI_MOD_ST_SEQUENCE);
	/* exactly at the end is fine */
	EXPECT_EQ(fx_reg_int(&x, fh, 2, 8, FX_RAM_SIZE - 1, 0, FX_RAM_SIZE - 8, 0, true), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	fx_fini(&x);
}

TEST(dereg_int_without_registration_is_sequence_error)
{
	struct fx x;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	clear_fib(&x);
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_DEREG_INT), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 1), ZPCI_MOD_ST_SEQUENCE);
	/* register, deregister (fields cleared), deregister again */
	EXPECT_EQ(fx_reg_int(&x, fh, 2, 8, AIBV, 4, AISB, 9, true), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	clear_fib(&x);
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_DEREG_INT), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	fc_of(&x, fh);
	EXPECT_EQ(fx_r32(&x, FIB2 + 0x28), 0);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x30), 0);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x38), 0);
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_DEREG_INT), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 1), ZPCI_MOD_ST_SEQUENCE);
	/* and it can register again */
	EXPECT_EQ(fx_reg_int(&x, fh, 2, 8, AIBV, 0, AISB, 0, true), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	fx_fini(&x);
}

/* ======================================================================== */
/* REG_IOAT / DEREG_IOAT / REREG_IOAT (§3.2, §4.1)                          */
/* ======================================================================== */

TEST(ioat_dmaas_nonzero_is_status_28)
{
	static const uint8_t ocs[] = { ZPCI_MOD_FC_REG_IOAT, ZPCI_MOD_FC_DEREG_IOAT,
				       ZPCI_MOD_FC_REREG_IOAT };
	struct fx x;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	for (unsigned i = 0; i < 3; i++) {
		EXPECT_EQ(ioat_op(&x, fh, 1, ocs[i], SDMA, SDMA + 0xfffff, RT | 0x804), 0);
		EXPECT_EQ(fx_cc(&x), 1);
		EXPECT_EQ(fx_status(&x, 1), ZPCI_MOD_ST_DMAAS_INVAL);
	}
	EXPECT_EQ(fc_of(&x, fh), 0x80);	/* nothing registered */
	/* also when registered, and DMAAS 0xff */
	EXPECT_EQ(fx_reg_ioat(&x, fh, RT, SDMA, SDMA + 0xfffff), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	for (unsigned i = 0; i < 3; i++) {
		EXPECT_EQ(ioat_op(&x, fh, 0xff, ocs[i], SDMA, SDMA + 0xfffff, RT | 0x804), 0);
		EXPECT_EQ(fx_cc(&x), 1);
		EXPECT_EQ(fx_status(&x, 1), ZPCI_MOD_ST_DMAAS_INVAL);
	}
	EXPECT_EQ(fc_of(&x, fh), 0x90);
	fx_fini(&x);
}

TEST(ioat_sequence_errors)
{
	struct fx x;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	/* dereg and rereg without registration */
	EXPECT_EQ(ioat_op(&x, fh, 0, ZPCI_MOD_FC_DEREG_IOAT, 0, 0, 0), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 1), ZPCI_MOD_ST_SEQUENCE);
	EXPECT_EQ(ioat_op(&x, fh, 0, ZPCI_MOD_FC_REREG_IOAT, SDMA, SDMA + 0xfffff, RT | 0x804), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 1), ZPCI_MOD_ST_SEQUENCE);
	EXPECT_EQ(fc_of(&x, fh), 0x80);
	/* register, then register again */
	EXPECT_EQ(fx_reg_ioat(&x, fh, RT, SDMA, SDMA + 0xfffff), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(ioat_op(&x, fh, 0, ZPCI_MOD_FC_REG_IOAT, SDMA, SDMA + 0x1fffff, RT | 0x804), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 1), ZPCI_MOD_ST_SEQUENCE);
	EXPECT_EQ(fc_of(&x, fh), 0x90);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x18), SDMA + 0xfffff);	/* unchanged */
	/* rereg changes the window */
	EXPECT_EQ(ioat_op(&x, fh, 0, ZPCI_MOD_FC_REREG_IOAT, SDMA + 0x10000, SDMA + 0x3fffff,
			  RT | 0x804), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fc_of(&x, fh), 0x90);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x10), SDMA + 0x10000);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x18), SDMA + 0x3fffff);
	/* dereg, then dereg again */
	EXPECT_EQ(ioat_op(&x, fh, 0, ZPCI_MOD_FC_DEREG_IOAT, 0, 0, 0), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fc_of(&x, fh), 0x80);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x10), 0);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x18), 0);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x20), 0);
	EXPECT_EQ(ioat_op(&x, fh, 0, ZPCI_MOD_FC_DEREG_IOAT, 0, 0, 0), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 1), ZPCI_MOD_ST_SEQUENCE);
	fx_fini(&x);
}

/* expect an operand exception, the cpu unchanged and nothing registered */
static void expect_ioat_rejected(struct fx *x, uint32_t fh, uint8_t oc, uint64_t pba,
				 uint64_t pal, uint64_t iota, uint8_t fc_after)
{
	struct zv_cpu before;

	for (unsigned i = 0; i < 2048; i++)
		fx_w64(x, RT + 8 * i, 0x20);
	clear_fib(x);
	fx_w64(x, FX_FIB + 0x10, pba);
	fx_w64(x, FX_FIB + 0x18, pal);
	fx_w64(x, FX_FIB + 0x20, iota);
	put_cc(x, 2);
	x->cpu.gpr[1] = rq(fh, 0, oc);
	x->cpu.gpr[5] = FX_FIB;
	before = x->cpu;
	EXPECT_EQ(fx_rxy(x, 0xe3, 0xd0, 1, 0, 5, 0), ZV_PGM_OPERAND);
	EXPECT(cpu_same(&x->cpu, &before));
	EXPECT_EQ(fc_of(x, fh), fc_after);
}

TEST(reg_ioat_validation_is_operand_exception)
{
	struct fx x;
	uint32_t fh;
	const uint64_t ok_pal = SDMA + 0xfffff, rtto = RT | 0x804;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	/* PBA < SDMA (also after rounding down) */
	expect_ioat_rejected(&x, fh, ZPCI_MOD_FC_REG_IOAT, 0, ok_pal, rtto, 0x80);
	expect_ioat_rejected(&x, fh, ZPCI_MOD_FC_REG_IOAT, SDMA - 1, ok_pal, rtto, 0x80);
	/* PAL > EDMA (default EDMA 0x01ff...ff; also beyond an RT table) */
	expect_ioat_rejected(&x, fh, ZPCI_MOD_FC_REG_IOAT, SDMA, 0x0200000000000000ULL, rtto, 0x80);
	/* PBA > PAL */
	expect_ioat_rejected(&x, fh, ZPCI_MOD_FC_REG_IOAT, SDMA + 0x200000, SDMA + 0x100fff, rtto,
			     0x80);
	/* T set with DT other than region-third */
	expect_ioat_rejected(&x, fh, ZPCI_MOD_FC_REG_IOAT, SDMA, ok_pal, RT | 0x800, 0x80);
	expect_ioat_rejected(&x, fh, ZPCI_MOD_FC_REG_IOAT, SDMA, ok_pal, RT | 0x808, 0x80);
	expect_ioat_rejected(&x, fh, ZPCI_MOD_FC_REG_IOAT, SDMA, ok_pal, RT | 0x80c, 0x80);
	expect_ioat_rejected(&x, fh, ZPCI_MOD_FC_REG_IOAT, SDMA, ok_pal, RT | 0x810, 0x80);
	expect_ioat_rejected(&x, fh, ZPCI_MOD_FC_REG_IOAT, SDMA, ok_pal, RT | 0x81c, 0x80);
	/* T clear: relaxed translation is not offered */
	expect_ioat_rejected(&x, fh, ZPCI_MOD_FC_REG_IOAT, SDMA, ok_pal, RT | 0x004, 0x80);
	expect_ioat_rejected(&x, fh, ZPCI_MOD_FC_REG_IOAT, SDMA, ok_pal, 0, 0x80);
	/* PAL at or beyond 4 TiB with a region-third table */
	expect_ioat_rejected(&x, fh, ZPCI_MOD_FC_REG_IOAT, SDMA, 1ULL << 42, rtto, 0x80);
	expect_ioat_rejected(&x, fh, ZPCI_MOD_FC_REG_IOAT, SDMA, (1ULL << 43) - 1, rtto, 0x80);
	/* after all that, a valid registration is not a sequence error */
	EXPECT_EQ(ioat_op(&x, fh, 0, ZPCI_MOD_FC_REG_IOAT, SDMA, ok_pal, rtto), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fc_of(&x, fh), 0x90);
	fx_fini(&x);
}

TEST(reg_ioat_pal_above_edma_is_operand_exception)
{
	struct fx x;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	/* a function with a smaller aperture (as a host may report), so that
	 * only the EDMA check can reject the window */
	x.fn[0]->edma = SDMA + 0xffffffffULL;
	expect_ioat_rejected(&x, fh, ZPCI_MOD_FC_REG_IOAT, SDMA, SDMA + 0x100000000ULL, RT | 0x804,
			     0x80);
	EXPECT_EQ(ioat_op(&x, fh, 0, ZPCI_MOD_FC_REG_IOAT, SDMA, SDMA + 0xffffffffULL, RT | 0x804), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	fx_fini(&x);
}

TEST(rereg_ioat_validation_keeps_old_registration)
{
	struct fx x;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	EXPECT_EQ(fx_reg_ioat(&x, fh, RT, SDMA, SDMA + 0xfffff), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	expect_ioat_rejected(&x, fh, ZPCI_MOD_FC_REREG_IOAT, 0, SDMA + 0xfffff, RT | 0x804, 0x90);
	expect_ioat_rejected(&x, fh, ZPCI_MOD_FC_REREG_IOAT, SDMA, SDMA + 0xfffff, RT | 0x808, 0x90);
	expect_ioat_rejected(&x, fh, ZPCI_MOD_FC_REREG_IOAT, SDMA, SDMA + 0xfffff, 0, 0x90);
	fc_of(&x, fh);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x10), SDMA);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x18), SDMA + 0xfffff);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x20), RT | 0x804);
	fx_fini(&x);
}

TEST(reg_ioat_rounds_pba_down_and_pal_up)
{
	struct fx x;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	EXPECT_EQ(ioat_op(&x, fh, 0, ZPCI_MOD_FC_REG_IOAT, SDMA + 0x1234, SDMA + 0x7f001, RT | 0x804),
		  0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fc_of(&x, fh), 0x90);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x10), SDMA + 0x1000);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x18), SDMA + 0x7ffff);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x20), RT | 0x804);
	/* SDMA + 1 rounds down to SDMA, which is allowed; PBA > PAL within
	 * one page is fine after rounding */
	EXPECT_EQ(ioat_op(&x, fh, 0, ZPCI_MOD_FC_REREG_IOAT, SDMA + 0x800, SDMA + 0x100, RT | 0x804),
		  0);
	EXPECT_EQ(fx_cc(&x), 0);
	fc_of(&x, fh);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x10), SDMA);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x18), SDMA + 0xfff);
	fx_fini(&x);
}

TEST(dereg_and_rereg_ioat_drop_host_mappings)
{
	struct fx x;
	uint32_t fh;
	uint64_t next = 0x200000;
	const uint64_t iova = SDMA + 0x5000;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	EXPECT_EQ(fx_reg_ioat(&x, fh, RT, SDMA, SDMA + 0xffffff), 0);
	fx_map_page(&x, RT, iova, 0x400000, false, &next);
	EXPECT_EQ(fx_rpcit(&x, fh, iova, 4096), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT(fake_lookup(x.dev[0], iova, NULL, NULL));
	/* rereg: deregister + register, the old mappings go */
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_REREG_IOAT), 0);	/* same FIB */
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT(!fake_lookup(x.dev[0], iova, NULL, NULL));
	EXPECT_EQ(fx_rpcit(&x, fh, iova, 4096), 0);
	EXPECT(fake_lookup(x.dev[0], iova, NULL, NULL));
	/* dereg */
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_DEREG_IOAT), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT(!fake_lookup(x.dev[0], iova, NULL, NULL));
	EXPECT_EQ(x.dev[0]->nmaps, 0);
	fx_fini(&x);
}

/* ======================================================================== */
/* RESET_ERROR / RESET_BLOCK (§3.2, §3.3, §6.1)                             */
/* ======================================================================== */

TEST(reset_error_and_block_from_enabled_are_sequence_errors)
{
	struct fx x;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	clear_fib(&x);
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_RESET_ERROR), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 1), ZPCI_MOD_ST_SEQUENCE);
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_RESET_BLOCK), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 1), ZPCI_MOD_ST_SEQUENCE);
	EXPECT_EQ(fc_of(&x, fh), 0x80);
	fx_fini(&x);
}

TEST(reset_block_from_error_then_reset_error)
{
	struct fx x;
	uint32_t fh;
	uint64_t v;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	EXPECT_EQ(fx_reg_ioat(&x, fh, RT, SDMA, SDMA + 0xfffff), 0);
	make_error(&x, 0);
	EXPECT_EQ(fc_of(&x, fh), 0xf0);
	EXPECT_EQ(fx_pcilg(&x, fh, 15, 2, 0, &v), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 2), ZPCI_ST_BLOCKED);
	/* error -> blocked */
	clear_fib(&x);
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_RESET_BLOCK), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fc_of(&x, fh), 0xd0);
	EXPECT_EQ(fx_pcilg(&x, fh, 15, 2, 0, &v), 0);	/* load/store work again */
	EXPECT_EQ(fx_cc(&x), 0);
	/* blocked -> blocked: sequence error */
	clear_fib(&x);
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_RESET_BLOCK), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 1), ZPCI_MOD_ST_SEQUENCE);
	EXPECT_EQ(fc_of(&x, fh), 0xd0);
	/* blocked -> enabled */
	clear_fib(&x);
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_RESET_ERROR), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fc_of(&x, fh), 0x90);
	fx_fini(&x);
}

TEST(reset_error_from_error_enables)
{
	struct fx x;
	uint32_t fh;
	uint64_t v;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	make_error(&x, 0);
	EXPECT_EQ(fc_of(&x, fh), 0xe0);
	clear_fib(&x);
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_RESET_ERROR), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fc_of(&x, fh), 0x80);
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_ENABLED);
	EXPECT_EQ(fx_pcilg(&x, fh, 15, 2, 0, &v), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	/* and from enabled again: sequence error */
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_RESET_ERROR), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 1), ZPCI_MOD_ST_SEQUENCE);
	fx_fini(&x);
}

/* ======================================================================== */
/* SET_MEASURE and the FMB (§3.2, §3.4, §6.6)                               */
/* ======================================================================== */

TEST(set_measure_low_bits_is_cc1_with_fmb_protection_event)
{
	struct fx x;
	struct zpci_event ev;
	uint32_t fh;

	fx_init(&x, 2, 0);
	fh = fx_enable(&x, 1);
	for (uint64_t low = 1; low < 16; low <<= 1) {
		EXPECT_EQ(set_measure(&x, fh, FMB | low), 0);
		EXPECT_EQ(fx_cc(&x), 1);
		EXPECT(fx_event(&x, &ev));
		EXPECT_EQ(ev.kind, ZPCI_EVENT_ERROR);
		EXPECT_EQ(ev.pec, ZPCI_PEC_FMBPRO);
		EXPECT_EQ(ev.fh, fh);
		EXPECT_EQ(ev.fid, zv_function_fid(x.fn[1]));
		EXPECT(!fx_event(&x, &ev));
	}
	EXPECT_EQ(fx_r32(&x, FMB + 4), 0);	/* nothing written */
	fc_of(&x, fh);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x40), 0);
	EXPECT_EQ(fx_r8(&x, FIB2 + 0x08), 0x80);	/* informational: still enabled */
	fx_fini(&x);
}

TEST(set_measure_outside_ram_is_cc1_with_event)
{
	static const uint64_t bad[] = { FX_RAM_SIZE, FX_RAM_SIZE - 0x30, 0x7ffffffffff00000ULL };
	struct fx x;
	struct zpci_event ev;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	for (unsigned i = 0; i < 3; i++) {
		EXPECT_EQ(set_measure(&x, fh, bad[i]), 0);
		EXPECT_EQ(fx_cc(&x), 1);
		EXPECT(fx_event(&x, &ev));
		EXPECT_EQ(ev.pec, ZPCI_PEC_FMBA);
		EXPECT_EQ(ev.fh, fh);
		EXPECT_EQ(ev.fid, zv_function_fid(x.fn[0]));
	}
	fc_of(&x, fh);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x40), 0);
	fx_fini(&x);
}

TEST(set_measure_writes_first_sample)
{
	struct fx x;
	uint32_t fh;
	uint64_t v;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	EXPECT_EQ(fx_pcilg(&x, fh, 15, 2, 0, &v), 0);
	memset(x.ram + FMB, 0xee, 0x80);
	EXPECT_EQ(set_measure(&x, fh, FMB), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fx_r32(&x, FMB + 0x00), 0);	/* format 0, no DMA counters */
	EXPECT_EQ(fx_r32(&x, FMB + 0x04), 1);	/* samples */
	EXPECT(fx_r64(&x, FMB + 0x08) != 0);	/* time of the update ... */
	EXPECT_EQ(fx_r64(&x, FMB + 0x08) & 1, 0);	/* ... no update in progress */
	for (unsigned off = 0x10; off < 0x40; off += 8)
		EXPECT_EQ(fx_r64(&x, FMB + off), 0);
	EXPECT_EQ(fx_r8(&x, FMB + 0x40), 0xee);	/* the block is 64 bytes */
	fc_of(&x, fh);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x40), FMB);
	fx_fini(&x);
}

TEST(fmb_counters_advance_on_update_and_address_zero_stops)
{
	struct fx x;
	uint32_t fh, s;
	uint64_t v;

	init_with_mui(&x, 20);
	fh = fx_enable(&x, 0);
	EXPECT_EQ(set_measure(&x, fh, FMB), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fx_r32(&x, FMB + 4), 1);
	for (unsigned i = 0; i < 3; i++)
		EXPECT_EQ(fx_pcilg(&x, fh, 0, 8, 0, &v), 0);
	for (unsigned i = 0; i < 2; i++)
		EXPECT_EQ(fx_pcistg(&x, fh, 0, 8, 8, 0x1122334455667788ULL), 0);
	s = wait_samples(&x, FMB, 2, 3000);
	EXPECT(s >= 2);
	EXPECT_EQ(fx_r64(&x, FMB + 0x10), 3);	/* loads, big-endian */
	EXPECT_EQ(fx_r8(&x, FMB + 0x17), 3);
	EXPECT_EQ(fx_r64(&x, FMB + 0x18), 2);	/* stores */
	EXPECT_EQ(fx_r8(&x, FMB + 0x1f), 2);
	EXPECT_EQ(fx_r64(&x, FMB + 0x20), 0);
	EXPECT_EQ(fx_r64(&x, FMB + 0x28), 0);
	EXPECT_EQ(fx_r64(&x, FMB + 0x08) & 1, 0);
	/* address 0 stops */
	EXPECT_EQ(set_measure(&x, fh, 0), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	s = fx_r32(&x, FMB + 4);
	EXPECT_EQ(fx_pcilg(&x, fh, 0, 8, 0, &v), 0);
	EXPECT_EQ(wait_samples(&x, FMB, 0, 200), s);
	EXPECT_EQ(fx_r64(&x, FMB + 0x10), 3);
	fc_of(&x, fh);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x40), 0);
	fx_fini(&x);
}

/* ---- measurement on the guest's clock (hv->tod) ---------------------------- */

static uint64_t guest_tod;

static uint64_t own_tod(void *hv)
{
	(void)hv;
	return guest_tod;
}

static const struct zv_hv_ops tod_hv = {
	.inject_adapter = own_inject,
	.crw_pending = own_crw,
	.tod = own_tod,
};

TEST(fmb_runs_on_the_guest_clock_when_the_binding_gives_one)
{
	struct fx x;
	uint32_t fh;
	uint64_t v;

	init_with_mui(&x, 20);
	zv_machine_destroy(x.m);	/* the same machine, with a guest clock */
	struct zv_mem_region mem = { .gpa = 0, .size = FX_RAM_SIZE, .host = x.ram };
	struct zv_machine_config cfg = {
		.mem = &mem, .n_mem = 1, .hv = &tod_hv, .hv_opaque = &x, .mui_ms = 20,
	};
	x.m = zv_machine_create(&cfg);
	EXPECT(x.m != NULL);
	x.dev[0] = fake_dev_new(8);
	x.fn[0] = zv_function_add(x.m, &x.dev[0]->dev, ZV_UID_AUTO, ZV_FID_AUTO);
	guest_tod = 0x1000000000000ULL;
	fh = fx_enable(&x, 0);
	EXPECT_EQ(set_measure(&x, fh, FMB), 0);
	EXPECT_EQ(fx_r32(&x, FMB + 4), 1);
	EXPECT_EQ(fx_r64(&x, FMB + 0x08), guest_tod);	/* stamped with the guest's clock */
	EXPECT_EQ(fx_pcilg(&x, fh, 0, 8, 0, &v), 0);
	/* host time passes, the guest's does not: no update */
	EXPECT_EQ(wait_samples(&x, FMB, 0, 100), 1);
	/* 19 ms of guest time: still none; 20 ms: one, at once */
	guest_tod += 19 * 4096000ULL;
	zv_dispatch(x.m);
	EXPECT_EQ(fx_r32(&x, FMB + 4), 1);
	guest_tod += 4096000ULL;
	zv_dispatch(x.m);
	EXPECT_EQ(fx_r32(&x, FMB + 4), 2);
	EXPECT_EQ(fx_r64(&x, FMB + 0x08), guest_tod);
	EXPECT_EQ(fx_r64(&x, FMB + 0x10), 1);		/* the load counted */
	/* a second of guest time at once (an idle guest fast-forwarded): one
	 * update, not fifty */
	guest_tod += 1000 * 4096000ULL;
	zv_dispatch(x.m);
	EXPECT_EQ(fx_r32(&x, FMB + 4), 3);
	fx_fini(&x);
}

/* ======================================================================== */
/* STPCIFC (§3.3)                                                            */
/* ======================================================================== */

TEST(stpcifc_dmaas_checked_before_alignment)
{
	struct fx x;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	memset(x.ram + FIB2, 0xa5, 0x60);
	EXPECT_EQ(fx_stpcifc(&x, fh, 1, FIB2 + 4), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 1), ZPCI_STPCIFC_ST_INVAL_DMAAS);
	EXPECT_EQ(x.cpu.gpr[1], (uint64_t)fh << 32 | 0x01000000ULL * ZPCI_STPCIFC_ST_INVAL_DMAAS |
				    0x10000);
	EXPECT_EQ(fx_stpcifc(&x, fh, 0x80, FIB2), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 1), ZPCI_STPCIFC_ST_INVAL_DMAAS);
	EXPECT_EQ(fx_r8(&x, FIB2 + 4), 0xa5);	/* nothing stored */
	EXPECT_EQ(fx_r8(&x, FIB2 + 8), 0xa5);
	fx_fini(&x);
}

TEST(stpcifc_misaligned_is_specification_and_privileged)
{
	struct fx x;
	struct zv_cpu before;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	for (unsigned off = 1; off < 8; off++) {
		put_cc(&x, 2);
		x.cpu.gpr[1] = rq(fh, 0, 0);
		x.cpu.gpr[5] = FIB2 + off;
		before = x.cpu;
		EXPECT_EQ(fx_rxy(&x, 0xe3, 0xd4, 1, 0, 5, 0), ZV_PGM_SPECIFICATION);
		EXPECT(cpu_same(&x.cpu, &before));
	}
	x.cpu.psw_mask |= ZV_PSW_MASK_PSTATE;
	x.cpu.gpr[5] = FIB2;
	x.cpu.gpr[1] = rq(fh, 1, 0);	/* even with a bad DMAAS */
	before = x.cpu;
	EXPECT_EQ(fx_rxy(&x, 0xe3, 0xd4, 1, 0, 5, 0), ZV_PGM_PRIVILEGED);
	EXPECT(cpu_same(&x.cpu, &before));
	/* store access exception: nothing stored, cpu unchanged */
	x.cpu.psw_mask &= ~ZV_PSW_MASK_PSTATE;
	x.translate_fault = ZV_PGM_PROTECTION;
	x.translate_fault_at = FIB2;
	memset(x.ram + FIB2, 0xa5, ZPCI_FIB_SIZE);
	x.cpu.gpr[1] = rq(fh, 0, 0);
	before = x.cpu;
	EXPECT_EQ(fx_rxy(&x, 0xe3, 0xd4, 1, 0, 5, 0), ZV_PGM_PROTECTION);
	EXPECT(cpu_same(&x.cpu, &before));
	EXPECT_EQ(fx_r8(&x, FIB2 + 8), 0xa5);
	fx_fini(&x);
}

TEST(stpcifc_looks_up_by_index_only)
{
	struct fx x;
	uint32_t fh;

	fx_init(&x, 2, 0);
	fh = fx_enable(&x, 1);
	EXPECT_EQ(fc_of(&x, fh), 0x80);
	EXPECT_EQ(fc_of(&x, fh ^ 0x01000000u), 0x80);	/* other instance */
	EXPECT_EQ(fc_of(&x, fh & ~0x80000000u), 0x80);	/* no enable bit */
	EXPECT_EQ(fc_of(&x, (fh & 0xffffu) | 0x80000000u), 0x80);	/* index only */
	/* an index with no function */
	EXPECT_EQ(fx_stpcifc(&x, 0x80020005u, 0, FIB2), 0);
	EXPECT_EQ(fx_cc(&x), 3);
	EXPECT_EQ(fx_stpcifc(&x, 0x00020002u, 0, FIB2), 0);
	EXPECT_EQ(fx_cc(&x), 3);
	fx_fini(&x);
}

TEST(stpcifc_disabled_function)
{
	struct fx x;
	uint32_t fh, dfh;

	fx_init(&x, 1, 0);
	dfh = zv_function_fh(x.fn[0]);
	EXPECT_EQ(fx_stpcifc(&x, dfh | 0x80000000u, 0, FIB2), 0);
	EXPECT_EQ(fx_cc(&x), 3);
	memset(x.ram + FIB2, 0xa5, ZPCI_FIB_SIZE + 8);
	EXPECT_EQ(fx_stpcifc(&x, dfh, 0, FIB2), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	for (unsigned i = 0; i < ZPCI_FIB_SIZE; i++)
		EXPECT_EQ(fx_r8(&x, FIB2 + i), 0);
	EXPECT_EQ(fx_r8(&x, FIB2 + ZPCI_FIB_SIZE), 0xa5);
	/* after enable + registrations + disable: all zero again */
	fh = fx_enable(&x, 0);
	EXPECT_EQ(fx_reg_ioat(&x, fh, RT, SDMA, SDMA + 0xfffff), 0);
	EXPECT_EQ(fx_reg_int(&x, fh, 2, 8, AIBV, 0, AISB, 0, true), 0);
	EXPECT_EQ(set_measure(&x, fh, FMB), 0);
	dfh = disable_fn(&x, fh);
	EXPECT_EQ(fx_stpcifc(&x, fh, 0, FIB2), 0);	/* old handle has the enable bit */
	EXPECT_EQ(fx_cc(&x), 3);
	memset(x.ram + FIB2, 0xa5, ZPCI_FIB_SIZE);
	EXPECT_EQ(fx_stpcifc(&x, dfh, 0, FIB2), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	for (unsigned i = 0; i < ZPCI_FIB_SIZE; i++)
		EXPECT_EQ(fx_r8(&x, FIB2 + i), 0);
	fx_fini(&x);
}

TEST(stpcifc_function_controls_per_state)
{
	struct fx x;
	uint32_t fh0, fh1;

	fx_init(&x, 2, 0);
	fh0 = fx_enable(&x, 0);
	fh1 = fx_enable(&x, 1);
	EXPECT_EQ(fx_reg_ioat(&x, fh1, RT, SDMA, SDMA + 0xfffff), 0);
	EXPECT_EQ(fc_of(&x, fh0), 0x80);
	EXPECT_EQ(fc_of(&x, fh1), 0x90);
	make_error(&x, 0);
	make_error(&x, 1);
	EXPECT_EQ(fc_of(&x, fh0), 0xe0);
	EXPECT_EQ(fc_of(&x, fh1), 0xf0);
	clear_fib(&x);
	EXPECT_EQ(fx_mpcifc(&x, fh0, 0, ZPCI_MOD_FC_RESET_BLOCK), 0);
	EXPECT_EQ(fx_mpcifc(&x, fh1, 0, ZPCI_MOD_FC_RESET_BLOCK), 0);
	EXPECT_EQ(fc_of(&x, fh0), 0xc0);
	EXPECT_EQ(fc_of(&x, fh1), 0xd0);
	fx_fini(&x);
}

TEST(stpcifc_stores_every_registered_field)
{
	struct fx x;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	EXPECT_EQ(fx_reg_ioat(&x, fh, RT, SDMA + 0x200000, SDMA + 0x12345fff), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fx_reg_int(&x, fh, 6, 77, AIBV + 24, 33, AISB + 40, 61, true), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(set_measure(&x, fh, FMB + 0x100), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	memset(x.ram + FIB2, 0xa5, ZPCI_FIB_SIZE);
	EXPECT_EQ(fx_stpcifc(&x, fh, 0, FIB2), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fx_r8(&x, FIB2 + 0x00), 0);		/* format 0 */
	for (unsigned i = 1; i < 8; i++)
		EXPECT_EQ(fx_r8(&x, FIB2 + i), 0);
	EXPECT_EQ(fx_r8(&x, FIB2 + 0x08), 0x90);
	for (unsigned i = 9; i < 16; i++)
		EXPECT_EQ(fx_r8(&x, FIB2 + i), 0);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x10), SDMA + 0x200000);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x18), SDMA + 0x12345fff);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x20), RT | 0x804);
	EXPECT_EQ(fx_r32(&x, FIB2 + 0x28), intword(6, 77, 33, true, 61));
	EXPECT_EQ(fx_r32(&x, FIB2 + 0x2c), 0);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x30), AIBV + 24);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x38), AISB + 40);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x40), FMB + 0x100);
	EXPECT_EQ(fx_r64(&x, FIB2 + 0x48), 0);
	fx_fini(&x);
}

/* ======================================================================== */
/* SIC and facility gating (§1.1, §1.6, §5.5, §7)                           */
/* ======================================================================== */

TEST(sic_modes)
{
	struct fx x;
	struct zv_cpu before;

	fx_init(&x, 1, 0);
	/* SIC sets no condition code: whatever the PSW held stays */
	for (uint64_t mode = 0; mode < 2; mode++) {
		for (int cc = 0; cc < 4; cc++) {
			put_cc(&x, cc);
			EXPECT_EQ(sic(&x, mode, 2), 0);
			EXPECT_EQ(fx_cc(&x), cc);
		}
	}
	static const uint16_t bad[] = { 2, 3, 4, 16, 17, 18, 0xffff };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put_cc(&x, 3);
		x.cpu.gpr[6] = bad[i];
		x.cpu.gpr[7] = 2ULL << 27;
		before = x.cpu;
		EXPECT_EQ(fx_rsy(&x, 0xeb, 0xd1, 6, 7, 0, 0), ZV_PGM_OPERAND);
		EXPECT(cpu_same(&x.cpu, &before));
	}
	/* only the low 16 bits of R1 are the mode */
	put_cc(&x, 2);
	EXPECT_EQ(sic(&x, 0xffffffff00010000ULL | 1, 2), 0);
	EXPECT_EQ(fx_cc(&x), 2);
	fx_fini(&x);
}

TEST(sic_problem_state_is_privileged)
{
	struct fx x;
	struct zv_cpu before;

	fx_init(&x, 1, 0);
	x.cpu.psw_mask |= ZV_PSW_MASK_PSTATE;
	x.cpu.gpr[6] = 1;
	x.cpu.gpr[7] = 2ULL << 27;
	before = x.cpu;
	EXPECT_EQ(fx_rsy(&x, 0xeb, 0xd1, 6, 7, 0, 0), ZV_PGM_PRIVILEGED);
	EXPECT(cpu_same(&x.cpu, &before));
	fx_fini(&x);
}

TEST(sic_without_ais_is_operation_exception)
{
	struct fx x;
	struct zv_cpu before;
	uint32_t fh;

	fx_init(&x, 1, ZV_FAC_ZPCI | ZV_FAC_AEN);
	x.cpu.gpr[6] = 1;
	x.cpu.gpr[7] = 2ULL << 27;
	before = x.cpu;
	EXPECT_EQ(fx_rsy(&x, 0xeb, 0xd1, 6, 7, 0, 0), ZV_PGM_OPERATION);
	EXPECT(cpu_same(&x.cpu, &before));
	x.cpu.gpr[6] = 0;
	EXPECT_EQ(fx_rsy(&x, 0xeb, 0xd1, 6, 7, 0, 0), ZV_PGM_OPERATION);
	/* the zPCI instructions still work */
	fh = fx_enable(&x, 0);
	EXPECT_EQ(fx_reg_int(&x, fh, 2, 8, AIBV, 0, AISB, 0, true), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	EXPECT_EQ(fc_of(&x, fh), 0x80);
	fx_fini(&x);
}

TEST(zpci_insns_without_zpci_are_operation_exceptions)
{
	struct fx x;
	struct zv_cpu before;
	uint32_t fh;
	int rc[7];

	fx_init(&x, 1, ZV_FAC_AIS | ZV_FAC_AEN);
	fh = zv_function_fh(x.fn[0]) | 0x80000000u;
	for (int pstate = 0; pstate < 2; pstate++) {
		if (pstate)
			x.cpu.psw_mask |= ZV_PSW_MASK_PSTATE;
		memset(x.ram + FX_LPCB, 0, 64);
		fx_w16(&x, FX_LPCB, 32);
		fx_w16(&x, FX_LPCB + 2, CLP_LIST_PCI);
		fx_w16(&x, FX_LPCB + 32, 4096 - 32);
		x.cpu.gpr[2] = FX_LPCB;
		put_cc(&x, 2);
		before = x.cpu;
		rc[0] = fx_clp_insn(&x, 2);
		EXPECT(cpu_same(&x.cpu, &before));
		rc[1] = fx_pcilg(&x, fh, 15, 2, 0, NULL);
		rc[2] = fx_pcistg(&x, fh, 0, 8, 0, 0);
		x.cpu.gpr[1] = (uint64_t)fh << 32 | 16;
		x.cpu.gpr[3] = 0;
		x.cpu.gpr[5] = FIB2;
		rc[3] = fx_rsy(&x, 0xeb, 0xd0, 1, 3, 5, 0);	/* PCISTB */
		rc[4] = fx_rpcit(&x, fh, SDMA, 4096);
		rc[5] = fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_DEREG_INT);
		rc[6] = fx_stpcifc(&x, fh, 0, FIB2);
		for (unsigned i = 0; i < 7; i++)
			EXPECT_EQ(rc[i], ZV_PGM_OPERATION);
		EXPECT_EQ(fx_cc(&x), 2);
	}
	/* SIC needs only AIS */
	x.cpu.psw_mask &= ~ZV_PSW_MASK_PSTATE;
	EXPECT_EQ(sic(&x, 1, 2), 0);
	EXPECT_EQ(fx_cc(&x), 2);	/* and sets no condition code */
	fx_fini(&x);
}

/* ======================================================================== */
/* Interrupt forwarding (§5.1-5.4, §6.6, §8, §11)                           */
/* ======================================================================== */

TEST(msi_sets_aibv_and_aisb_bits_and_injects_once)
{
	struct fx x;
	uint8_t aibv_before[16], aisb_before[8];

	fx_init(&x, 1, 0);
	/* neighbours' bits: AIBV bits 0-4 (before AIBVO 5) and 13 onward
	 * (after our NOI 8 bits), AISB bits 12 and 14 around our summary bit 13 */
	fx_w8(&x, AIBV, 0xf8);		/* bits 0-4 */
	fx_w8(&x, AIBV + 1, 0x07);	/* bits 13-15 */
	fx_w8(&x, AIBV + 2, 0x81);	/* bits 16 and 23 */
	fx_w8(&x, AISB + 1, 0x0a);	/* bits 12 and 14 */
	fx_w8(&x, AISB + 7, 0x01);	/* bit 63 */
	memcpy(aibv_before, x.ram + AIBV, 16);
	memcpy(aisb_before, x.ram + AISB, 8);
	irq_setup(&x, 0, 5, 13, true);
	EXPECT_EQ(x.injected[2], 0);
	raise_vec(&x, 0, 6);	/* bit 5 + 6 = 11 */
	EXPECT(bit_at(&x, AIBV, 11));
	EXPECT(bit_at(&x, AISB, 13));
	EXPECT_EQ(x.injected[2], 1);
	for (unsigned i = 0; i < 8; i++)
		EXPECT_EQ(x.injected[i], i == 2 ? 1u : 0u);
	/* neighbour bits untouched */
	aibv_before[1] |= 0x10;
	aisb_before[1] |= 0x04;
	EXPECT(!memcmp(x.ram + AIBV, aibv_before, 16));
	EXPECT(!memcmp(x.ram + AISB, aisb_before, 8));
	/* a second event while the summary bit is still set: no injection */
	raise_vec(&x, 0, 0);	/* bit 5 */
	EXPECT(bit_at(&x, AIBV, 5));
	EXPECT_EQ(x.injected[2], 1);
	raise_vec(&x, 0, 6);
	EXPECT_EQ(x.injected[2], 1);
	/* the guest clears the summary bit: the next one injects */
	fx_w8(&x, AISB + 1, fx_r8(&x, AISB + 1) & ~0x04);
	raise_vec(&x, 0, 7);	/* bit 12 */
	EXPECT(bit_at(&x, AIBV, 12));
	EXPECT(bit_at(&x, AISB, 13));
	EXPECT_EQ(x.injected[2], 2);
	EXPECT_EQ(fx_r8(&x, AIBV), 0xfc);	/* bits 0-4 plus 5 */
	EXPECT_EQ(fx_r8(&x, AIBV + 1), 0x1f);	/* bits 11, 12 and 13-15 */
	EXPECT_EQ(fx_r8(&x, AIBV + 2), 0x81);
	EXPECT_EQ(fx_r8(&x, AISB + 1), 0x0e);
	/* no error events */
	struct zpci_event ev;
	EXPECT(!fx_event(&x, &ev));
	fx_fini(&x);
}

TEST(msi_without_summary_bit_injects_every_time)
{
	struct fx x;

	fx_init(&x, 1, 0);
	memset(x.ram + AISB, 0, 8);
	irq_setup(&x, 0, 0, 3, false);
	for (unsigned i = 0; i < 3; i++) {
		raise_vec(&x, 0, 1);
		EXPECT_EQ(x.injected[2], i + 1);
	}
	EXPECT(bit_at(&x, AIBV, 1));
	EXPECT_EQ(fx_r64(&x, AISB), 0);	/* no summary write */
	fx_fini(&x);
}

TEST(masked_vector_is_held_in_pba_until_unmasked)
{
	struct fx x;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = irq_setup(&x, 0, 0, 0, true);
	msix_vctrl(&x, fh, 3, 1);	/* mask vector 3 */
	EXPECT_EQ(pba_read(&x, fh), 0);
	raise_vec(&x, 0, 3);
	EXPECT_EQ(fx_r64(&x, AIBV), 0);
	EXPECT_EQ(fx_r64(&x, AISB), 0);
	EXPECT_EQ(x.injected[2], 0);
	EXPECT_EQ(pba_read(&x, fh), pba_bit(3));
	/* other vectors are not affected */
	raise_vec(&x, 0, 2);
	EXPECT(bit_at(&x, AIBV, 2));
	EXPECT_EQ(x.injected[2], 1);
	fx_w64(&x, AISB, 0);
	/* unmask: delivered, PBA clear */
	msix_vctrl(&x, fh, 3, 0);
	EXPECT(bit_at(&x, AIBV, 3));
	EXPECT(bit_at(&x, AISB, 0));
	EXPECT_EQ(x.injected[2], 2);
	EXPECT_EQ(pba_read(&x, fh), 0);
	fx_fini(&x);
}

TEST(function_mask_holds_vectors_until_cleared)
{
	struct fx x;
	uint32_t fh;
	uint64_t v;

	fx_init(&x, 1, 0);
	fh = irq_setup(&x, 0, 8, 1, true);
	msix_ctrl(&x, fh, 0xc000);	/* enable + function mask */
	EXPECT_EQ(fx_pcilg(&x, fh, 15, 2, 0x42, &v), 0);
	EXPECT_EQ(v & 0x00c0, 0x00c0);	/* reads back (LE 0xc0.. in the high byte) */
	raise_vec(&x, 0, 1);
	raise_vec(&x, 0, 4);
	EXPECT_EQ(fx_r64(&x, AIBV), 0);
	EXPECT_EQ(fx_r64(&x, AIBV + 8), 0);
	EXPECT_EQ(x.injected[2], 0);
	EXPECT_EQ(pba_read(&x, fh), pba_bit(1) | pba_bit(4));
	msix_ctrl(&x, fh, 0x8000);
	EXPECT(bit_at(&x, AIBV, 9));
	EXPECT(bit_at(&x, AIBV, 12));
	EXPECT(bit_at(&x, AISB, 1));
	EXPECT_EQ(x.injected[2], 1);	/* one summary transition */
	EXPECT_EQ(pba_read(&x, fh), 0);
	fx_fini(&x);
}

TEST(ais_single_mode_suppresses_until_next_sic)
{
	struct fx x;

	fx_init(&x, 1, 0);
	irq_setup(&x, 0, 0, 0, true);
	EXPECT_EQ(sic(&x, 1, 2), 0);
	raise_vec(&x, 0, 0);
	EXPECT_EQ(x.injected[2], 1);
	/* the guest handles it and clears the bits, as Linux does */
	fx_w64(&x, AISB, 0);
	fx_w64(&x, AIBV, 0);
	raise_vec(&x, 0, 1);
	EXPECT_EQ(x.injected[2], 1);	/* suppressed ... */
	EXPECT(bit_at(&x, AIBV, 1));	/* ... but the indicators are set */
	EXPECT(bit_at(&x, AISB, 0));
	fx_w64(&x, AISB, 0);
	raise_vec(&x, 0, 2);
	EXPECT_EQ(x.injected[2], 1);
	EXPECT(bit_at(&x, AIBV, 2));
	/* SIC single again: one more */
	EXPECT_EQ(sic(&x, 1, 2), 0);
	fx_w64(&x, AISB, 0);
	raise_vec(&x, 0, 3);
	EXPECT_EQ(x.injected[2], 2);
	fx_w64(&x, AISB, 0);
	raise_vec(&x, 0, 4);
	EXPECT_EQ(x.injected[2], 2);
	/* SIC for another ISC does not lift ours */
	EXPECT_EQ(sic(&x, 0, 3), 0);
	fx_w64(&x, AISB, 0);
	raise_vec(&x, 0, 5);
	EXPECT_EQ(x.injected[2], 2);
	/* SIC all: every one delivered */
	EXPECT_EQ(sic(&x, 0, 2), 0);
	for (unsigned i = 0; i < 3; i++) {
		fx_w64(&x, AISB, 0);
		raise_vec(&x, 0, 6);
		EXPECT_EQ(x.injected[2], 3 + i);
	}
	fx_fini(&x);
}

TEST(interrupts_ignored_in_error_and_blocked_state)
{
	struct fx x;
	struct zpci_event ev;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = irq_setup(&x, 0, 0, 0, true);
	make_error(&x, 0);
	EXPECT(fx_event(&x, &ev));
	raise_vec(&x, 0, 1);
	EXPECT_EQ(fx_r64(&x, AIBV), 0);
	EXPECT_EQ(fx_r64(&x, AISB), 0);
	EXPECT_EQ(x.injected[2], 0);
	EXPECT(!fx_event(&x, &ev));
	/* blocked: still ignored */
	clear_fib(&x);
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_RESET_BLOCK), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	raise_vec(&x, 0, 2);
	EXPECT_EQ(fx_r64(&x, AIBV), 0);
	EXPECT_EQ(fx_r64(&x, AISB), 0);
	EXPECT_EQ(x.injected[2], 0);
	EXPECT(!fx_event(&x, &ev));
	/* enabled again: delivered */
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_RESET_ERROR), 0);
	EXPECT_EQ(fx_cc(&x), 0);
	raise_vec(&x, 0, 3);
	EXPECT(bit_at(&x, AIBV, 3));
	EXPECT_EQ(x.injected[2], 1);
	fx_fini(&x);
}

TEST(msi_without_registration_is_no_msi_event)
{
	struct fx x;
	struct zpci_event ev;
	uint8_t low[64];
	uint32_t fh;

	fx_init(&x, 2, 0);
	fh = fx_enable(&x, 1);
	msix_program(&x, fh, MSIA);
	memcpy(low, x.ram, sizeof(low));
	raise_vec(&x, 1, 4);
	EXPECT_EQ(x.crws, 1);
	EXPECT(fx_event(&x, &ev));
	EXPECT_EQ(ev.kind, ZPCI_EVENT_ERROR);
	EXPECT_EQ(ev.pec, ZPCI_PEC_NO_MSI);
	EXPECT_EQ(ev.mvn, 4);
	EXPECT_EQ(ev.fh, fh);
	EXPECT_EQ(ev.fid, zv_function_fid(x.fn[1]));
	EXPECT(!fx_event(&x, &ev));
	EXPECT_EQ(x.injected[2], 0);
	EXPECT(!memcmp(x.ram, low, sizeof(low)));	/* nothing at guest address 0 */
	fx_fini(&x);
}

TEST(msi_with_wrong_address_is_invalid_msi_event)
{
	struct fx x;
	struct zpci_event ev;
	uint32_t fh;

	fx_init(&x, 2, 0);
	fh = fx_enable(&x, 1);
	EXPECT_EQ(fx_reg_int(&x, fh, 2, 8, AIBV, 0, AISB, 0, true), 0);
	msix_program(&x, fh, MSIA);
	msix_entry(&x, fh, 5, 0xfee00000ULL, 5, 0);	/* an x86-style address */
	raise_vec(&x, 1, 5);
	EXPECT(fx_event(&x, &ev));
	EXPECT_EQ(ev.kind, ZPCI_EVENT_ERROR);
	EXPECT_EQ(ev.pec, ZPCI_PEC_INVAL_MSI);
	EXPECT_EQ(ev.fh, fh);
	EXPECT_EQ(ev.fid, zv_function_fid(x.fn[1]));
	EXPECT_EQ(fx_r64(&x, AIBV), 0);
	EXPECT_EQ(fx_r64(&x, AISB), 0);
	EXPECT_EQ(x.injected[2], 0);
	EXPECT_EQ(x.crws, 1);
	EXPECT_EQ(drain_events(&x), 0);
	fx_fini(&x);

	/* MSIA with a bit flipped */
	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	EXPECT_EQ(fx_reg_int(&x, fh, 2, 8, AIBV, 0, AISB, 0, true), 0);
	msix_program(&x, fh, MSIA | 0x1000);
	raise_vec(&x, 0, 0);
	EXPECT(fx_event(&x, &ev));
	EXPECT_EQ(ev.pec, ZPCI_PEC_INVAL_MSI);
	EXPECT_EQ(ev.fh, fh);
	EXPECT_EQ(fx_r64(&x, AIBV), 0);
	EXPECT_EQ(x.injected[2], 0);
	fx_fini(&x);
}

TEST(events_raise_one_crw_until_drained)
{
	struct fx x;
	struct zpci_event ev;
	uint32_t fh0, fh1, crw;

	fx_init(&x, 2, 0);
	fh0 = fx_enable(&x, 0);
	fh1 = fx_enable(&x, 1);
	msix_program(&x, fh0, MSIA);
	msix_program(&x, fh1, MSIA);
	raise_vec(&x, 0, 0);
	raise_vec(&x, 1, 0);
	EXPECT_EQ(x.crws, 1);	/* two events, one CRW */
	EXPECT(zv_crw_take(x.m, &crw));
	EXPECT_EQ(crw, CRW_CSS_EVENT_PENDING);
	EXPECT(!zv_crw_take(x.m, &crw));
	EXPECT(fx_event(&x, &ev));
	EXPECT_EQ(ev.fh, fh0);
	EXPECT_EQ(ev.fid, zv_function_fid(x.fn[0]));
	EXPECT(fx_event(&x, &ev));
	EXPECT_EQ(ev.fh, fh1);
	EXPECT_EQ(ev.fid, zv_function_fid(x.fn[1]));
	EXPECT(!fx_event(&x, &ev));
	EXPECT_EQ(x.crws, 1);
	/* drained: the next event raises a new CRW */
	fake_fault(x.dev[0], 0x2000, true, false);
	zv_dispatch(x.m);
	EXPECT_EQ(x.crws, 2);
	EXPECT(fx_event(&x, &ev));
	EXPECT_EQ(ev.fh, fh0);
	fx_fini(&x);
}

TEST(events_carry_the_current_handle)
{
	struct fx x;
	struct zpci_event ev;
	uint32_t fh, fh2;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	EXPECT((disable_fn(&x, fh) & 0x80000000u) == 0);
	fh2 = fx_enable(&x, 0);
	EXPECT(fh2 != fh);
	make_error(&x, 0);
	EXPECT(fx_event(&x, &ev));
	EXPECT_EQ(ev.fh, fh2);
	EXPECT_EQ(ev.fid, zv_function_fid(x.fn[0]));
	fx_fini(&x);
}

/* ======================================================================== */
/* IOMMU faults (§4.3, §6.6)                                                 */
/* ======================================================================== */

TEST(iommu_fault_inside_window_is_invalid_table_entry)
{
	struct fx x;
	struct zpci_event ev;
	uint32_t fh;
	uint64_t v;

	fx_init(&x, 2, 0);
	fh = fx_enable(&x, 1);
	EXPECT_EQ(fx_reg_ioat(&x, fh, RT, SDMA, SDMA + 0xffffff), 0);
	fake_fault(x.dev[1], SDMA + 0x12345, true, false);
	EXPECT(zv_dispatch(x.m) >= 1);
	EXPECT_EQ(zv_function_state(x.fn[1]), ZV_FS_ERROR);
	EXPECT_EQ(fc_of(&x, fh), 0xf0);
	EXPECT_EQ(fx_pcilg(&x, fh, 15, 2, 0, &v), 0);
	EXPECT_EQ(fx_cc(&x), 1);
	EXPECT_EQ(fx_status(&x, 2), ZPCI_ST_BLOCKED);
	EXPECT_EQ(x.crws, 1);
	EXPECT(fx_event(&x, &ev));
	EXPECT_EQ(ev.kind, ZPCI_EVENT_ERROR);
	EXPECT_EQ(ev.pec, ZPCI_PEC_INVAL_TE);
	EXPECT_EQ(ev.faddr, SDMA + 0x12345);
	EXPECT_EQ(ev.rw, 1);
	EXPECT_EQ(ev.fh, fh);
	EXPECT_EQ(ev.fid, zv_function_fid(x.fn[1]));
	EXPECT(!fx_event(&x, &ev));
	/* the window's last byte is inside */
	clear_fib(&x);
	EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_RESET_ERROR), 0);
	fake_fault(x.dev[1], SDMA + 0xffffff, false, false);
	zv_dispatch(x.m);
	EXPECT(fx_event(&x, &ev));
	EXPECT_EQ(ev.pec, ZPCI_PEC_INVAL_TE);
	EXPECT_EQ(ev.rw, 0);
	fx_fini(&x);
}

TEST(iommu_protection_fault_is_translation_protection)
{
	struct fx x;
	struct zpci_event ev;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	EXPECT_EQ(fx_reg_ioat(&x, fh, RT, SDMA, SDMA + 0xffffff), 0);
	fake_fault(x.dev[0], SDMA + 0x5000, true, true);
	zv_dispatch(x.m);
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_ERROR);
	EXPECT(fx_event(&x, &ev));
	EXPECT_EQ(ev.pec, ZPCI_PEC_TRANS_PROT);
	EXPECT_EQ(ev.faddr, SDMA + 0x5000);
	EXPECT_EQ(ev.fh, fh);
	fx_fini(&x);
}

TEST(iommu_fault_outside_window_is_out_of_range)
{
	static const uint64_t outside[] = { 0x1000, SDMA - 1, SDMA + 0x1000000, 1ULL << 42 };
	struct fx x;
	struct zpci_event ev;
	uint32_t fh;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	EXPECT_EQ(fx_reg_ioat(&x, fh, RT, SDMA, SDMA + 0xffffff), 0);
	for (unsigned i = 0; i < 4; i++) {
		fake_fault(x.dev[0], outside[i], false, false);
		zv_dispatch(x.m);
		EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_ERROR);
		EXPECT(fx_event(&x, &ev));
		EXPECT_EQ(ev.pec, ZPCI_PEC_OUT_OF_RANGE);
		EXPECT_EQ(ev.faddr, outside[i]);
		EXPECT_EQ(ev.fh, fh);
		clear_fib(&x);
		EXPECT_EQ(fx_mpcifc(&x, fh, 0, ZPCI_MOD_FC_RESET_ERROR), 0);
		EXPECT_EQ(fx_cc(&x), 0);
	}
	fx_fini(&x);
}
