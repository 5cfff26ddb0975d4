/* SPDX-License-Identifier: MIT */
/*
 * Fuzzing what a guest driver controls of emu:virtio-blk
 * (src/dev/emu/virtio_blk.c, virtq.c): the input is the first 4 KiB of the
 * driver's memory -- descriptor table at 0, available ring at 0x400, used
 * ring at 0x800, headers, indirect tables and data anywhere, addresses
 * anywhere (most outside the mapping) -- behind a device whose queue of 16
 * entries a driver set up as the specification says; then the queue is
 * notified three times.
 *
 * Invariants: no crash (ASan, UBSan); an IOMMU fault is reported only for
 * an address outside the mapping; a reset afterwards works; the disk file
 * keeps its size. (The used ring is the driver's memory: requests may
 * overwrite it, so its index proves nothing.)
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/be.h"
#include "arch/pci.h"
#include "dev/dev.h"
#include "fuzz_common.h"
#include "zvfio/zvfio.h"

#define PG 4096u
#define PAGES 8
#define IOVA 0x10000ULL
#define DISK (64u << 10)

static char path[64];
static uint8_t *mem;

static void bw(struct zv_device *d, uint32_t off, uint64_t v, unsigned len)
{
	uint8_t b[8];

	le64_put(b, v);
	d->ops->region_write(d, 0, off, b, len);
}

static uint64_t br(struct zv_device *d, uint32_t off, unsigned len)
{
	uint8_t b[8] = { 0 };

	d->ops->region_read(d, 0, off, b, len);
	return len == 1 ? b[0] : le16_get(b);
}

static void cleanup(void)
{
	unlink(path);
	free(mem);
}

static void run_input(const uint8_t *data, size_t size)
{
	char spec[128], err[256];
	struct zv_device *d;
	struct dev_fault f;
	struct stat st;
	uint8_t cmd[2] = { PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 0 };

	if (!path[0]) {
		int fd;

		snprintf(path, sizeof(path), "/tmp/zvfio-fuzz-vblk-XXXXXX");
		fd = mkstemp(path);
		if (fd < 0 || ftruncate(fd, DISK)) {
			fz_fail("cannot make the disk file");
			return;
		}
		close(fd);
		mem = aligned_alloc(PG, PAGES * PG);
		if (!mem)
			abort();
		atexit(cleanup);
	}
	snprintf(spec, sizeof(spec), "emu:virtio-blk,file=%s", path);
	d = zv_device_open(spec, err, sizeof(err));
	if (!d) {
		fz_fail("open: %s", err);
		return;
	}
	memset(mem, 0, PAGES * PG);
	memcpy(mem, data, size < PG ? size : PG);
	d->ops->dma_map(d, IOVA, PAGES * PG, mem, true);
	d->ops->region_write(d, ZV_REGION_CONFIG, PCI_COMMAND, cmd, 2);
	/* the driver's setup: VERSION_1, ACCESS_PLATFORM, INDIRECT, FLUSH, DISCARD */
	bw(d, 0x14, 3, 1);
	bw(d, 0x08, 0, 4);
	bw(d, 0x0c, 1u << 28 | 1u << 9 | 1u << 13, 4);
	bw(d, 0x08, 1, 4);
	bw(d, 0x0c, 3, 4);
	bw(d, 0x14, 11, 1);
	bw(d, 0x16, 0, 2);
	bw(d, 0x18, 16, 2);
	bw(d, 0x20, IOVA, 8);
	bw(d, 0x28, IOVA + 0x400, 8);
	bw(d, 0x30, IOVA + 0x800, 8);
	bw(d, 0x1c, 1, 2);
	bw(d, 0x14, 15, 1);
	for (int i = 0; i < 3; i++)
		bw(d, 0x3000, 0, 2);
	if (d->ops->take_fault(d, &f) == 1 && f.iova >= IOVA && f.iova < IOVA + PAGES * PG)
		fz_fail("an IOMMU fault at %#llx, inside the mapping", (unsigned long long)f.iova);
	/* whatever happened, a reset brings the device back */
	bw(d, 0x14, 0, 1);
	if (br(d, 0x14, 1) != 0 || br(d, 0x18, 2) != 256)
		fz_fail("the device does not reset");
	zv_device_close(d);
	if (stat(path, &st) || st.st_size != DISK)
		fz_fail("the disk file changed its size");
}

/* A read, a write through an indirect table, a flush: as Linux builds them. */
static void make_seeds(fz_emit_fn emit)
{
	static struct out o;
	uint64_t hdr = IOVA + 0xc00, st = IOVA + 0xc80, data = IOVA + PG, table = IOVA + 0xd00;

	memset(&o, 0, sizeof(o));
	/* descriptors (little-endian): read at 0-2, indirect write at 3, flush at 4-5 */
	uint8_t *dt = o.b;
	struct { uint64_t a; uint32_t l; uint16_t f, n; } ds[] = {
		{ hdr, 16, 1, 1 }, { data, 1024, 3, 2 }, { st, 1, 2, 0 },
		{ table, 48, 4, 0 },
		{ hdr + 16, 16, 1, 5 }, { st + 1, 1, 2, 0 },
	};
	for (unsigned i = 0; i < 6; i++) {
		le64_put(dt + 16 * i, ds[i].a);
		le32_put(dt + 16 * i + 8, ds[i].l);
		le16_put(dt + 16 * i + 12, ds[i].f);
		le16_put(dt + 16 * i + 14, ds[i].n);
	}
	/* available ring: 3 heads */
	le16_put(o.b + 0x402, 3);
	le16_put(o.b + 0x404, 0);
	le16_put(o.b + 0x406, 3);
	le16_put(o.b + 0x408, 4);
	/* headers: read sector 2; flush; the indirect write's header at 0x20 */
	le32_put(o.b + 0xc00, 0);
	le64_put(o.b + 0xc08, 2);
	le32_put(o.b + 0xc10, 4);
	le32_put(o.b + 0xc20, 1);
	le64_put(o.b + 0xc28, 4);
	/* the indirect table: header, data, status */
	struct { uint64_t a; uint32_t l; uint16_t f, n; } it[] = {
		{ hdr + 0x20, 16, 1, 1 }, { data, 512, 1, 2 }, { st + 2, 1, 2, 0 },
	};
	for (unsigned i = 0; i < 3; i++) {
		le64_put(o.b + 0xd00 + 16 * i, it[i].a);
		le32_put(o.b + 0xd00 + 16 * i + 8, it[i].l);
		le16_put(o.b + 0xd00 + 16 * i + 12, it[i].f);
		le16_put(o.b + 0xd00 + 16 * i + 14, it[i].n);
	}
	emit("linux", o.b, PG);
	/* a loop */
	le16_put(o.b + 14, 0);
	le16_put(o.b + 12, 1);
	emit("loop", o.b, PG);
}

FUZZ_MAIN(virtio, 5000, 4096, 500)
