/* SPDX-License-Identifier: MIT */
/* Functions through the public API: adding, naming, standby/configure
 * with availability events, and what a standby function answers. */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "arch/clp.h"
#include "arch/codes.h"
#include "fakes.h"
#include "harness.h"

TEST(add_assigns_lowest_free_uid_and_fid)
{
	struct fx x;
	struct zv_function *f;

	fx_init(&x, 2, 0);
	EXPECT_EQ(zv_function_uid(x.fn[0]), 1);
	EXPECT_EQ(zv_function_uid(x.fn[1]), 2);
	EXPECT_EQ(zv_function_fid(x.fn[0]), 0);
	EXPECT_EQ(zv_function_fid(x.fn[1]), 1);
	f = zv_function_add(x.m, &fake_dev_new(8)->dev, 9, 77);
	EXPECT(f != NULL);
	EXPECT_EQ(zv_function_uid(f), 9);
	EXPECT_EQ(zv_function_fid(f), 77);
	EXPECT_EQ(zv_function_state(f), ZV_FS_DISABLED);
	EXPECT_EQ(zv_function_fh(f) & 0x80000000u, 0);
	EXPECT_EQ(zv_function_fh(f) & 0xffff, 2);	/* the third index */
	fx_fini(&x);
}

TEST(add_rejects_duplicate_and_out_of_range_ids)
{
	struct fx x;
	struct fake_dev *d = fake_dev_new(8);

	fx_init(&x, 1, 0);
	errno = 0;
	EXPECT(zv_function_add(x.m, &d->dev, 1, ZV_FID_AUTO) == NULL);
	EXPECT_EQ(errno, EEXIST);
	errno = 0;
	EXPECT(zv_function_add(x.m, &d->dev, ZV_UID_AUTO, 0) == NULL);
	EXPECT_EQ(errno, EEXIST);
	errno = 0;
	EXPECT(zv_function_add(x.m, &d->dev, 0x10000, ZV_FID_AUTO) == NULL);
	EXPECT_EQ(errno, EINVAL);
	zv_device_close(&d->dev);	/* not owned by the machine after a failed add */
	fx_fini(&x);
}

TEST(add_spec_splits_function_and_device_options)
{
	struct fx x;
	struct zv_function *f;
	char err[160] = "";

	fx_init(&x, 0, 0);
	f = zv_function_add_spec(x.m, "emu:dma,uid=12,vectors=16,fid=5", err, sizeof(err));
	EXPECT(f != NULL);
	EXPECT_EQ(zv_function_uid(f), 12);
	EXPECT_EQ(zv_function_fid(f), 5);
	EXPECT(strstr(zv_function_name(f), "emu:dma") != NULL);
	EXPECT(zv_function_add_spec(x.m, "emu:dma,uid=12", err, sizeof(err)) == NULL);
	EXPECT(strstr(err, "already in use") != NULL);
	EXPECT(zv_function_add_spec(x.m, "emu:nope", err, sizeof(err)) == NULL);
	EXPECT(strstr(err, "emu:nope") != NULL);
	EXPECT(zv_function_add_spec(x.m, "emu:dma,uid=x", err, sizeof(err)) == NULL);
	EXPECT(strstr(err, "uid") != NULL);
	EXPECT(zv_function_add_spec(x.m, "emu:dma,fid=4294967295", err, sizeof(err)) == NULL);
	EXPECT(strstr(err, "fid") != NULL);
	fx_fini(&x);
}

static uint32_t list_config_word(struct fx *x, unsigned i)
{
	memset(x->ram + FX_LPCB, 0, 4096);
	EXPECT_EQ(fx_clp(x, CLP_LIST_PCI, 4096 - 32, NULL), CLP_RC_OK);
	return fx_r32(x, FX_LPCB + 32 + 0x20 + 16 * i + 4);
}

TEST(standby_disables_an_enabled_function_and_posts_0304)
{
	struct fx x;
	struct zpci_event ev;
	uint32_t fh, sfh;
	uint64_t d;

	fx_init(&x, 1, 0);
	fh = fx_enable(&x, 0);
	EXPECT_EQ(fx_reg_ioat(&x, fh, 0x100000, 0x100000000ULL, 0x10fffffffULL), 0);
	EXPECT_EQ(zv_function_set_standby(x.fn[0], true), 0);
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_STANDBY);
	sfh = zv_function_fh(x.fn[0]);
	EXPECT_EQ(sfh & 0x80000000u, 0);	/* never an enabled handle in standby */
	EXPECT(sfh != (fh & 0x7fffffffu));
	EXPECT_EQ(x.dev[0]->resets, 1);
	EXPECT_EQ(x.crws, 1);
	EXPECT(fx_event(&x, &ev));
	EXPECT_EQ(ev.kind, ZPCI_EVENT_AVAIL);
	EXPECT_EQ(ev.pec, 0x0304);
	EXPECT_EQ(ev.fh, sfh);
	EXPECT_EQ(ev.fid, zv_function_fid(x.fn[0]));
	/* what a standby function answers */
	EXPECT_EQ(list_config_word(&x, 0), 0);
	EXPECT_EQ(fx_pcilg(&x, fh, 0, 4, 0, &d), 0);
	EXPECT_EQ(fx_cc(&x), 3);
	EXPECT_EQ(fx_stpcifc(&x, sfh, 0, FX_FIB), 0);
	EXPECT_EQ(fx_cc(&x), 3);
	/* QUERY PCI FN still answers (Linux queries standby functions) */
	memset(x.ram + FX_LPCB, 0, 4096);
	fx_w32(&x, FX_LPCB + 0x10, sfh);
	EXPECT_EQ(fx_clp(&x, CLP_QUERY_PCI_FN, 4096 - 32, NULL), CLP_RC_OK);
	EXPECT_EQ(fx_r32(&x, FX_LPCB + 32 + 0x14), zv_function_fid(x.fn[0]));
	/* and it cannot be enabled */
	memset(x.ram + FX_LPCB, 0, 4096);
	fx_w32(&x, FX_LPCB + 0x10, sfh);
	fx_w8(&x, FX_LPCB + 0x17, 1);
	EXPECT_EQ(fx_clp(&x, CLP_SET_PCI_FN, 4096 - 32, NULL), CLP_RC_SETPCIFN_FHOP);
	EXPECT_EQ(x.dev[0]->nmaps, 0);
	fx_fini(&x);
}

TEST(configure_from_standby_posts_0301_and_allows_enable)
{
	struct fx x;
	struct zpci_event ev;

	fx_init(&x, 1, 0);
	EXPECT_EQ(zv_function_set_standby(x.fn[0], true), 0);
	EXPECT(fx_event(&x, &ev));
	errno = 0;
	EXPECT_EQ(zv_function_set_standby(x.fn[0], true), -1);
	EXPECT_EQ(errno, EALREADY);
	EXPECT_EQ(zv_function_set_standby(x.fn[0], false), 0);
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_DISABLED);
	/* the queue was drained, so the new event raises a new CRW */
	EXPECT_EQ(x.crws, 2);
	EXPECT(fx_event(&x, &ev));
	EXPECT_EQ(ev.pec, 0x0301);
	EXPECT_EQ(ev.fh, zv_function_fh(x.fn[0]));
	EXPECT_EQ(list_config_word(&x, 0), 0x80000000u);
	EXPECT(fx_enable(&x, 0) & 0x80000000u);
	errno = 0;
	EXPECT_EQ(zv_function_set_standby(x.fn[0], false), -1);
	EXPECT_EQ(errno, EALREADY);
	fx_fini(&x);
}

TEST(sclp_deconfigure_and_configure_post_no_event)
{
	struct fx x;
	struct zpci_event ev;
	uint32_t fh, fid;

	fx_init(&x, 2, 0);
	fid = zv_function_fid(x.fn[0]);
	fh = fx_enable(&x, 0);
	EXPECT_EQ(fx_reg_ioat(&x, fh, 0x100000, 0x100000000ULL, 0x10fffffffULL), 0);
	/* deconfigure an enabled function: disabled, reset, standby, done */
	EXPECT_EQ(zv_sclp_pci_configure(x.m, fid, false), 0x0020);
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_STANDBY);
	EXPECT_EQ(zv_function_fh(x.fn[0]) & 0x80000000u, 0);
	EXPECT_EQ(x.dev[0]->resets, 1);
	EXPECT_EQ(x.dev[0]->nmaps, 0);
	EXPECT_EQ(zv_function_state(x.fn[1]), ZV_FS_DISABLED);	/* the other untouched */
	/* the guest asked: no availability event, no CRW */
	EXPECT(!fx_event(&x, &ev));
	EXPECT_EQ(x.crws, 0);
	EXPECT_EQ(list_config_word(&x, 0), 0);
	/* again: no action required */
	EXPECT_EQ(zv_sclp_pci_configure(x.m, fid, false), 0x0120);
	EXPECT_EQ(zv_sclp_pci_configure(x.m, fid, true), 0x0020);
	EXPECT_EQ(zv_function_state(x.fn[0]), ZV_FS_DISABLED);
	EXPECT_EQ(zv_sclp_pci_configure(x.m, fid, true), 0x0120);
	EXPECT(!fx_event(&x, &ev));
	/* it can be enabled again */
	EXPECT(fx_enable(&x, 0) & 0x80000000u);
	/* an unknown FID, or no machine: not recognized */
	EXPECT_EQ(zv_sclp_pci_configure(x.m, 0x7a76, true), 0x09f0);
	EXPECT_EQ(zv_sclp_pci_configure(NULL, fid, true), 0x09f0);
	fx_fini(&x);
}

TEST(state_names)
{
	EXPECT(!strcmp(zv_fn_state_name(ZV_FS_STANDBY), "standby"));
	EXPECT(!strcmp(zv_fn_state_name(ZV_FS_ENABLED), "enabled"));
	EXPECT(!strcmp(zv_fn_state_name((enum zv_fn_state)99), "?"));
	EXPECT(!strcmp(zv_insn_name(ZV_INSN_RPCIT), "RPCIT"));
}

/* ---- the API's answers to bad arguments (each crashed or set no errno) ---- */

TEST(standby_of_null_is_einval)
{
	errno = 0;
	EXPECT_EQ(zv_function_set_standby(NULL, true), -1);
	EXPECT_EQ(errno, EINVAL);
}

TEST(chsc_sei_with_a_short_area_is_einval)
{
	struct fx x;
	uint8_t rsp[64];

	fx_init(&x, 1, 0);
	errno = 0;
	EXPECT_EQ(zv_chsc_sei_nt2(x.m, rsp, sizeof(rsp)), -1);
	EXPECT_EQ(errno, EINVAL);
	fx_fini(&x);
}

TEST(device_open_without_error_buffer)
{
	/* err NULL with a length: no message, no crash, errno set */
	errno = 0;
	EXPECT(zv_device_open("vfio:00:1g.0", NULL, 64) == NULL);
	EXPECT(errno != 0);
	errno = 0;
	EXPECT(zv_device_open("emu:dma,colour=red", NULL, 64) == NULL);
	EXPECT_EQ(errno, EINVAL);
	errno = 0;
	EXPECT(zv_device_open("emu:nothing", NULL, 64) == NULL);
	EXPECT_EQ(errno, ENODEV);
}

TEST(machine_refuses_overlapping_memory)
{
	static uint8_t a[8192], b[8192];
	struct zv_mem_region r[2] = {
		{ .gpa = 0, .size = 8192, .host = a },
		{ .gpa = 4096, .size = 8192, .host = b },
	};
	struct zv_machine_config cfg = { .mem = r, .n_mem = 2 };
	struct zv_machine *m;

	errno = 0;
	EXPECT(zv_machine_create(&cfg) == NULL);
	EXPECT_EQ(errno, EINVAL);
	r[1].gpa = 8192;	/* adjacent is fine */
	m = zv_machine_create(&cfg);
	EXPECT(m != NULL);
	zv_machine_destroy(m);
	r[1].gpa = UINT64_MAX - 8191;	/* the last bytes of the address space */
	m = zv_machine_create(&cfg);
	EXPECT(m != NULL);
	zv_machine_destroy(m);
	r[1].gpa = UINT64_MAX - 4095;	/* past 2^64 */
	errno = 0;
	EXPECT(zv_machine_create(&cfg) == NULL);
	EXPECT_EQ(errno, EINVAL);
}

TEST(a_binding_failure_in_translate_is_an_addressing_exception)
{
	struct fx x;
	struct zv_cpu before;

	fx_init(&x, 1, 0);
	x.translate_fault = -5;		/* not a program-interruption code */
	x.translate_fault_at = 0;
	memset(x.ram + FX_LPCB, 0, 64);
	fx_w16(&x, FX_LPCB, 32);
	fx_w16(&x, FX_LPCB + 2, CLP_LIST_PCI);
	fx_w16(&x, FX_LPCB + 32, 4096 - 32);
	x.cpu.gpr[2] = FX_LPCB;
	before = x.cpu;
	EXPECT_EQ(fx_clp_insn(&x, 2), ZV_PGM_ADDRESSING);
	EXPECT(!memcmp(&x.cpu, &before, sizeof(before)));
	x.translate_fault = 0x10000;	/* nor is this */
	EXPECT_EQ(fx_clp_insn(&x, 2), ZV_PGM_ADDRESSING);
	x.translate_fault = ZV_PGM_PROTECTION;
	EXPECT_EQ(fx_clp_insn(&x, 2), ZV_PGM_PROTECTION);
	fx_fini(&x);
}

TEST(add_reports_why_it_failed)
{
	struct fx x;
	struct rlimit old, low;
	struct zv_function *f;
	char err[160] = "";
	int fd;

	fx_init(&x, 0, 0);
	/* leave room for a few descriptors only: 128 vectors need 128 eventfds */
	getrlimit(RLIMIT_NOFILE, &old);
	fd = dup(0);
	low = old;
	low.rlim_cur = (rlim_t)fd + 8;
	close(fd);
	setrlimit(RLIMIT_NOFILE, &low);
	errno = 0;
	f = zv_function_add_spec(x.m, "emu:dma,vectors=128", err, sizeof(err));
	setrlimit(RLIMIT_NOFILE, &old);
	EXPECT(f == NULL);
	EXPECT_EQ(errno, EMFILE);
	fx_fini(&x);
}
