/* SPDX-License-Identifier: MIT */
/*
 * The kernel's compressed payload, decompressed on the host.
 *
 * Debian's s390x vmlinuz is a small boot program with the real kernel
 * inside it, compressed (XZ in 6.1, zstd in 6.12). The boot program
 * (arch/s390/boot/) decompresses it with one call from startup_kernel()
 * in startup.c to a function in decompressor.c -- decompress_kernel(void),
 * which returns where it put the kernel (up to 6.1), or
 * deploy_kernel(void *output) (later) -- whose body is the library
 * decoder, inlined. Under TCG that decoder is most of a 6.1 boot; the host
 * does the same work in a fraction of the time. So:
 *
 * 1. At load: find the payload (a valid XZ stream header or zstd frame)
 *    whose address the boot code loads -- LARL of it, or LGRL of a GOT
 *    slot holding it -- and the function that does that: the nearest
 *    BRASL target below the load. A copy of the payload is decompressed
 *    by a thread beside the guest.
 * 2. A breakpoint at that function: its first instruction is read by the
 *    translator as an unassigned opcode (as intercepts are, softcpu.c).
 *    When it traps, GPR14 must hold the address after a BRASL to it --
 *    proof that this is a call of it. The registers the s390x ELF ABI has
 *    a callee keep (GPR6-15, FPR8-15) and the return address are kept.
 * 3. The guest's decoder runs meanwhile. Once the host is done, guest RAM
 *    is searched for the page where the guest has begun to write the same
 *    bytes (16 KiB of them; a second place holding the first page is an
 *    answer nobody can trust: then nothing is skipped): that is where the
 *    kernel goes -- the guest's own decoder says so, nothing is guessed.
 * 4. The skip: the whole kernel there, GPR2 = that address (6.1's return
 *    value; 6.12 returns nothing), the kept registers back, the PSW at the
 *    return address. A breakpoint there first tells when the guest's
 *    decoder finished on its own (then nothing is skipped).
 *
 * Whatever does not fit -- no payload found, a format the host cannot
 * decompress, a call that is no call, a decoder that writes elsewhere --
 * leaves the guest's decompressor to run, and zv_softcpu_stats.payload_why
 * says why. Everything else about the boot is the guest's own.
 */
#include <errno.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>

#include "arch/be.h"
#include "payload.h"
#include "softcpu_int.h"

#define PAGE		4096u
#define CHUNK		(1u << 20)	/* output between two looks at quit */
#define POLL_NS		1000000ULL	/* how often the search is made */
#define EVIDENCE	(16u << 10)	/* what the guest must have written */
#define MEMLIMIT	(256u << 20)	/* liblzma's, for an XZ dictionary */
#define GIVE_UP_S	60		/* seconds searching: then something else runs there */
#define STR_(x)		#x
#define STR(x)		STR_(x)

/* ---- finding the payload and its decompressor ---- */

static const uint8_t xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };
static const uint8_t zstd_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The XZ file format 1.0.4, 2.1.1: the magic, the stream flags (a zero
 * byte, then the check type 0-15) and their CRC32, little-endian. */
static bool xz_stream_at(const uint8_t *p, size_t avail)
{
	return avail >= 32 && !memcmp(p, xz_magic, 6) && !p[6] && p[7] <= 0x0f &&
	       lzma_crc32(p + 6, 2, 0) == le32(p + 8);
}

/* A zstd frame (RFC 8878) whose block headers lead to its end in the image. */
static bool zstd_frame_at(const uint8_t *p, size_t avail)
{
	size_t n;

	if (avail < 16 || memcmp(p, zstd_magic, 4))
		return false;
	n = ZSTD_findFrameCompressedSize(p, avail);
	return !ZSTD_isError(n) && n >= 16;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The 32-bit signed halfword offset of an RIL instruction at p. */
static uint64_t ril_target(const uint8_t *img, uint64_t a)
{
	return a + (uint64_t)(int64_t)(int32_t)be32_get(img + a + 2) * 2;
}

/*
 * The function of the code in img[0, end) that loads the address p: 0 and
 * *func, or -1 with why. Instructions are read at every halfword; a
 * pattern in data that looks like a load only matters if it lands in a
 * function the boot really calls, and the call is checked when it comes.
 */
static int decompressor_of(const uint8_t *img, uint64_t end, uint64_t p, uint64_t *func,
			   char *why, size_t whylen)
{
	uint64_t *calls = NULL, *slots = NULL, f = 0;
	size_t ncalls = 0, nslots = 0, cap = 0, scap = 0;
	bool found = false, ambiguous = false;
	int rc = -1;

	/* GOT slots: doublewords holding p */
	for (uint64_t a = 0; a + 8 <= end; a += 8) {
		if (be64_get(img + a) != p)
			continue;
		if (nslots == scap) {
			uint64_t *n = realloc(slots, (scap = scap ? scap * 2 : 8) * sizeof(*n));

			if (!n)
				goto oom;
			slots = n;
		}
		slots[nslots++] = a;
	}
	/* call targets: BRASL %r14 (C0E5) */
	for (uint64_t a = 0; a + 6 <= end; a += 2) {
		uint64_t t;

		if (img[a] != 0xc0 || img[a + 1] != 0xe5)
			continue;
		t = ril_target(img, a);
		if (t >= end || (t & 1))
			continue;
		if (ncalls == cap) {
			uint64_t *n = realloc(calls, (cap = cap ? cap * 2 : 256) * sizeof(*n));

			if (!n)
				goto oom;
			calls = n;
		}
		calls[ncalls++] = t;
	}
	if (ncalls)
		qsort(calls, ncalls, sizeof(*calls), cmp_u64);
	/* the loads of p: LARL Rx,p (C0x0) or LGRL Rx,slot (C4x8) */
	for (uint64_t a = 0; a + 6 <= end; a += 2) {
		bool load = false;
		size_t lo = 0, hi = ncalls;

		if (img[a] == 0xc0 && (img[a + 1] & 0xf) == 0) {
			load = ril_target(img, a) == p;
		} else if (img[a] == 0xc4 && (img[a + 1] & 0xf) == 8) {
			uint64_t t = ril_target(img, a);

			for (size_t i = 0; i < nslots && !load; i++)
				load = slots[i] == t;
		}
		if (!load)
			continue;
		/* the last call target at or below a */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (calls[mid] <= a)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!lo)
			continue;
		if (found && calls[lo - 1] != f)
			ambiguous = true;
		f = calls[lo - 1];
		found = true;
	}
	if (ambiguous)
		snprintf(why, whylen, "the payload's address is loaded in more than one function");
	else if (!found)
		snprintf(why, whylen, "no called function loads the payload's address");
	else {
		*func = f;
		rc = 0;
	}
	free(calls);
	free(slots);
	return rc;
oom:
	snprintf(why, whylen, "out of memory");
	free(calls);
	free(slots);
	return -1;
}

int payload_find(const uint8_t *img, size_t n, struct payload_info *pi, char *why, size_t whylen)
{
	snprintf(why, whylen, "no XZ stream or zstd frame in the image");
	/* the boot code lies below its payload (arch/s390/boot/vmlinux.lds.S) */
	for (size_t a = 0x10000; a + 16 <= n; a++) {
		const char *format;
		uint64_t func;
		char w[128];

		if (img[a] == 0xfd && xz_stream_at(img + a, n - a))
			format = "xz";
		else if (img[a] == 0x28 && zstd_frame_at(img + a, n - a))
			format = "zstd";
		else
			continue;
		if (decompressor_of(img, a, a, &func, w, sizeof(w))) {
			snprintf(why, whylen, "%s payload at %#zx: %s", format, a, w);
			continue;
		}
		*pi = (struct payload_info){ .format = format, .at = a, .len = n - a, .func = func };
		return 0;
	}
	return -1;
}

/* ---- decompressing it ---- */

/* Make room for CHUNK more bytes of output (at most max bytes in all). */
static int grow(uint8_t **buf, size_t *cap, size_t used, uint64_t max, char *err, size_t errlen)
{
	size_t want;
	uint8_t *n;

	if (*cap - used >= CHUNK || *cap >= max)
		return 0;
	want = *cap ? *cap * 2 : CHUNK;
	if (want > max)
		want = (size_t)max;
	n = realloc(*buf, want);
	if (!n) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*buf = n;
	*cap = want;
	return 0;
}

static int decode_xz(const uint8_t *in, size_t len, uint64_t max, uint8_t **out, size_t *out_len,
		     atomic_bool *quit, char *err, size_t errlen)
{
	lzma_stream s = LZMA_STREAM_INIT;
	uint8_t *buf = NULL;
	size_t cap = 0;
	lzma_ret r;

	/* one stream; its dictionary at most MEMLIMIT (Linux's own
	 * decoder takes any, but the host is not the place to find out) */
	if (lzma_stream_decoder(&s, MEMLIMIT, 0) != LZMA_OK) {
		snprintf(err, errlen, "liblzma cannot start a decoder");
		return -1;
	}
	s.next_in = in;
	s.avail_in = len;
	do {
		size_t room;

		if (quit && atomic_load(quit)) {
			snprintf(err, errlen, "cancelled");
			goto fail;
		}
		if (grow(&buf, &cap, s.total_out, max, err, errlen))
			goto fail;
		room = cap - s.total_out;
		if (!room) {
			snprintf(err, errlen, "more than %llu bytes: larger than RAM",
				 (unsigned long long)max);
			goto fail;
		}
		s.next_out = buf + s.total_out;
		s.avail_out = room < CHUNK ? room : CHUNK;
		r = lzma_code(&s, LZMA_FINISH);
	} while (r == LZMA_OK);
	if (r != LZMA_STREAM_END) {
		snprintf(err, errlen, "liblzma: %s",
			 r == LZMA_DATA_ERROR ? "corrupt data" : r == LZMA_FORMAT_ERROR ? "not XZ" :
			 r == LZMA_OPTIONS_ERROR ? "unsupported options" :
			 r == LZMA_BUF_ERROR ? "truncated stream" : r == LZMA_MEM_ERROR ? "out of memory" :
			 r == LZMA_MEMLIMIT_ERROR ? "its dictionary needs more than 256 MiB" :
			 "decoding failed");
		goto fail;
	}
	*out = buf;
	*out_len = (size_t)s.total_out;
	lzma_end(&s);
	return 0;
fail:
	lzma_end(&s);
	free(buf);
	return -1;
}

static int decode_zstd(const uint8_t *in, size_t len, uint64_t max, uint8_t **out, size_t *out_len,
		       atomic_bool *quit, char *err, size_t errlen)
{
	size_t flen = ZSTD_findFrameCompressedSize(in, len), cap = 0, r = 1;
	ZSTD_DCtx *d;
	ZSTD_inBuffer ib;
	ZSTD_outBuffer ob = { 0 };
	uint8_t *buf = NULL;

	if (ZSTD_isError(flen)) {
		snprintf(err, errlen, "libzstd: %s", ZSTD_getErrorName(flen));
		return -1;
	}
	d = ZSTD_createDCtx();
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ib = (ZSTD_inBuffer){ in, flen, 0 };
	while (r) {
		if (quit && atomic_load(quit)) {
			snprintf(err, errlen, "cancelled");
			goto fail;
		}
		if (grow(&buf, &cap, ob.pos, max, err, errlen))
			goto fail;
		if (cap == ob.pos) {
			snprintf(err, errlen, "more than %llu bytes: larger than RAM",
				 (unsigned long long)max);
			goto fail;
		}
		ob.dst = buf;
		ob.size = cap - ob.pos < CHUNK ? cap : ob.pos + CHUNK;
		r = ZSTD_decompressStream(d, &ob, &ib);
		if (ZSTD_isError(r)) {
			snprintf(err, errlen, "libzstd: %s", ZSTD_getErrorName(r));
			goto fail;
		}
		if (r && ib.pos == ib.size && ob.pos < ob.size) {
			snprintf(err, errlen, "libzstd: truncated frame");
			goto fail;
		}
	}
	ZSTD_freeDCtx(d);
	*out = buf;
	*out_len = ob.pos;
	return 0;
fail:
	ZSTD_freeDCtx(d);
	free(buf);
	return -1;
}

int payload_decode(const char *format, const uint8_t *in, size_t len, uint64_t max_out,
		   uint8_t **out, size_t *out_len, atomic_bool *quit, char *err, size_t errlen)
{
	*out = NULL;
	*out_len = 0;
	if (!strcmp(format, "xz"))
		return decode_xz(in, len, max_out, out, out_len, quit, err, errlen);
	if (!strcmp(format, "zstd"))
		return decode_zstd(in, len, max_out, out, out_len, quit, err, errlen);
	snprintf(err, errlen, "format %s: not known", format);
	return -1;
}

/* ---- the machine's side ---- */

enum pl_state { PL_ARMED, PL_INSIDE, PL_DONE };

struct sc_payload {
	struct payload_info pi;
	uint8_t *in;			/* a copy of the payload, the thread's */
	uint64_t max_out;		/* the thread's limit: RAM */
	uint64_t image_end;
	pthread_t thread;
	bool thread_started, joined;
	atomic_bool quit, done;
	int rc;
	char err[160];
	uint8_t *out;
	size_t out_len;
	double host_s;

	enum pl_state state;
	uint64_t ret;			/* the call's return address */
	uint64_t gpr[16], fpr[8];	/* at the call */
	double t_enter;
	uint64_t out_at;		/* found: the guest writes the kernel here */
	bool skip;			/* payload_step(): do it */
	uint64_t flush[2];		/* translations to drop before the CPU runs */
	unsigned nflush;
	/* a translation of the function's entry (func_trap) or of the return
	 * address (ret_trap) may hold the trap: an operation exception there
	 * is the machine's until that translation is dropped */
	bool func_trap, ret_trap;
	char why[200];
};

static void *decoder_thread(void *opaque)
{
	struct sc_payload *pl = opaque;
	double t = sc_now();

	pl->rc = payload_decode(pl->pi.format, pl->in, (size_t)pl->pi.len, pl->max_out, &pl->out,
				&pl->out_len, &pl->quit, pl->err, sizeof(pl->err));
	pl->host_s = sc_now() - t;
	atomic_store(&pl->done, true);
	return NULL;
}

static void join(struct sc_payload *pl)
{
	if (pl->thread_started && !pl->joined) {
		pthread_join(pl->thread, NULL);
		pl->joined = true;
	}
	free(pl->in);
	pl->in = NULL;
}

static void want_flush(struct sc_payload *pl, uint64_t a)
{
	for (unsigned i = 0; i < pl->nflush; i++)
		if (pl->flush[i] == a)
			return;
	if (pl->nflush < 2)
		pl->flush[pl->nflush++] = a;
}

static void give_up(struct zv_softcpu *sc, const char *fmt, const char *detail)
{
	struct sc_payload *pl = sc->pl;

	snprintf(pl->why, sizeof(pl->why), fmt, detail);
	if (pl->ret_trap)
		want_flush(pl, pl->ret);
	pl->state = PL_DONE;
	pl->skip = false;
	sc->st.payload_why = pl->why;
	/* the thread's work is not wanted any more; its buffer is the
	 * thread's until joined (payload_free() then frees it) */
	atomic_store(&pl->quit, true);
	if (pl->joined) {
		free(pl->out);
		pl->out = NULL;
	}
}

void payload_prepare(struct zv_softcpu *sc, uint64_t image_size)
{
	struct sc_payload *pl = calloc(1, sizeof(*pl));
	char why[sizeof(pl->why)];

	if (!pl) {
		sc->st.payload_why = "out of memory";
		return;
	}
	sc->pl = pl;
	sc->st.payload_why = pl->why;
	if (payload_find(sc->ram, (size_t)image_size, &pl->pi, why, sizeof(why))) {
		give_up(sc, "%s", why);
		return;
	}
	sc->st.payload_format = pl->pi.format;
	/* the decoded kernel must fit in RAM; the thread reads its own copy,
	 * never RAM the guest writes */
	pl->max_out = sc->ram_size;
	pl->image_end = image_size;
	pl->in = malloc((size_t)pl->pi.len);
	if (!pl->in) {
		give_up(sc, "%s", "out of memory");
		return;
	}
	memcpy(pl->in, sc->ram + pl->pi.at, (size_t)pl->pi.len);
	if (pthread_create(&pl->thread, NULL, decoder_thread, pl)) {
		give_up(sc, "cannot start a thread: %s", strerror(errno));
		return;
	}
	pl->thread_started = true;
	pl->state = PL_ARMED;
	pl->func_trap = true;
	pl->why[0] = 0;
	sc->st.payload_why = NULL;
}

void payload_free(struct zv_softcpu *sc)
{
	struct sc_payload *pl = sc->pl;

	if (!pl)
		return;
	atomic_store(&pl->quit, true);
	join(pl);
	free(pl->out);
	free(pl);
	sc->pl = NULL;
	sc->st.payload_why = NULL;
}

bool payload_is_break(const struct zv_softcpu *sc, uint64_t addr)
{
	const struct sc_payload *pl = sc->pl;

	return (pl->state == PL_ARMED && addr == pl->pi.func) ||
	       (pl->state == PL_INSIDE && addr == pl->ret);
}

/* The stop that lets payload_step() run before the next instruction; a
 * lost one is harmless: the trap comes again. */
static void stop_cpu(struct zv_softcpu *sc)
{
	uc_emu_stop(sc->uc);
	kicker_insist(sc);
}

/* The call has just trapped at the function's first instruction. */
static void entered(struct zv_softcpu *sc, uint64_t pc)
{
	struct sc_payload *pl = sc->pl;
	uint64_t mask = sc_pswm(sc), r14 = sc_gpr(sc, 14);
	uint8_t call[6];

	want_flush(pl, pc);
	/* supervisor state, DAT off, 64-bit: the boot program as an IPL leaves it */
	if ((mask & (ZV_PSW_MASK_DAT | ZV_PSW_MASK_PSTATE)) ||
	    (mask & (ZV_PSW_MASK_EA | ZV_PSW_MASK_BA)) != (ZV_PSW_MASK_EA | ZV_PSW_MASK_BA)) {
		give_up(sc, "%s", "the decompressor was called with DAT on or not in 64-bit mode");
		return;
	}
	if (r14 < 6 || !sc_read(sc, r14 - 6, call, sizeof(call)) || call[0] != 0xc0 ||
	    call[1] != 0xe5 || r14 - 6 + (uint64_t)(int64_t)(int32_t)be32_get(call + 2) * 2 != pc) {
		give_up(sc, "%s", "the decompressor's first instruction ran, but not after a BRASL to it");
		return;
	}
	for (int r = 0; r < 16; r++)
		pl->gpr[r] = sc_gpr(sc, r);
	for (int r = 0; r < 8; r++)
		uc_reg_read(sc->uc, UC_S390X_REG_F8 + r, &pl->fpr[r]);
	pl->ret = r14;
	pl->state = PL_INSIDE;
	pl->ret_trap = true;
	pl->t_enter = sc_now();
	want_flush(pl, r14);	/* translated before, it would not trap */
	/* counting runs are repeatable: the search starts with the host done */
	if (!sc->hookless)
		join(pl);
}

bool payload_hit(struct zv_softcpu *sc, uint64_t pc)
{
	struct sc_payload *pl = sc->pl;

	if (!(pc == pl->pi.func && pl->func_trap) && !(pc == pl->ret && pl->ret_trap))
		return false;
	if (pl->state == PL_ARMED && pc == pl->pi.func) {
		entered(sc, pc);
	} else if (pl->state == PL_INSIDE && pc == pl->ret) {
		/* the guest's decoder finished before the host's was found */
		want_flush(pl, pc);
		give_up(sc, "%s", "the guest's decompressor finished first");
	} else {
		/* a trap translated before the breakpoint went: drop it */
		want_flush(pl, pc);
	}
	stop_cpu(sc);
	return true;
}

/* Where in RAM the guest has begun to write the kernel: the one page-
 * aligned place above the image holding its first page, once one holds
 * its first EVIDENCE bytes. 0 when not (yet) found, 1 when more than one
 * place holds its first page (never page-aligned: no answer). */
static uint64_t search(struct zv_softcpu *sc)
{
	struct sc_payload *pl = sc->pl;
	uint64_t first = (pl->image_end + PAGE - 1) & ~(uint64_t)(PAGE - 1), found = 0;
	size_t npages = (size_t)(sc->ram_size / PAGE), evidence = EVIDENCE;
	unsigned char *res = malloc(npages);
	unsigned count = 0;
	bool enough = false;

	if (pl->out_len < PAGE || pl->out_len > sc->ram_size)
		goto out;
	if (evidence > pl->out_len)
		evidence = pl->out_len;
	/* pages the guest never touched are not resident: not looked at */
	if (res && mincore(sc->ram, sc->ram_size, res))
		memset(res, 1, npages);
	for (uint64_t a = first; a + pl->out_len <= sc->ram_size; a += PAGE) {
		if (res && !(res[a / PAGE] & 1))
			continue;
		if (memcmp(sc->ram + a, pl->out, 8) || memcmp(sc->ram + a, pl->out, PAGE))
			continue;
		count++;
		found = a;
		enough = enough || !memcmp(sc->ram + a, pl->out, evidence);
	}
out:
	free(res);
	return !enough ? 0 : count > 1 ? 1 : found;
}

void payload_poll(struct zv_softcpu *sc)
{
	struct sc_payload *pl = sc->pl;
	uint64_t at;

	if (pl->state != PL_INSIDE || pl->skip || !atomic_load(&pl->done))
		return;
	join(pl);
	if (pl->rc) {
		give_up(sc, "the host cannot decompress it: %s", pl->err);
		return;
	}
	if (pl->out_len >= PAGE) {
		static const uint8_t zero[PAGE];

		if (!memcmp(pl->out, zero, PAGE)) {
			give_up(sc, "%s", "the kernel begins with a zero page: where the guest "
				"puts it cannot be told");
			return;
		}
	}
	at = search(sc);
	if (!at && sc_now() - pl->t_enter > GIVE_UP_S) {
		give_up(sc, "%s", "the guest's decompressor did not write the kernel within "
			STR(GIVE_UP_S) " s");
		return;
	}
	if (at == 1) {
		give_up(sc, "%s", "more than one page holds the start of the kernel: where it goes "
			"cannot be told");
		return;
	}
	if (!at)
		return;		/* not written yet: next time */
	pl->out_at = at;
	pl->skip = true;
	stop_cpu(sc);
}

uint64_t payload_next_ns(const struct zv_softcpu *sc)
{
	return sc->pl->state == PL_INSIDE ? kicker_now_ns() + POLL_NS : UINT64_MAX;
}

/* The CPU is stopped: drop the translations asked for, make the skip. */
void payload_step(struct zv_softcpu *sc)
{
	struct sc_payload *pl = sc->pl;
	uint64_t mask, abs;

	/* before every run of the CPU: nothing to do, nothing read */
	if (!pl->nflush && !pl->skip)
		return;
	mask = sc_pswm(sc);
	for (unsigned i = 0; i < pl->nflush; i++) {
		uint64_t a = pl->flush[i];

		/* Unicorn translates the address through the guest's DAT, and a
		 * failed translation would store an exception's identification
		 * into the lowcore: only addresses that translate */
		if (!sc_translate(sc, mask, a, 0, SC_PROBE, &abs))
			uc_ctl_remove_cache(sc->uc, a, a + 1);
		/* once dropped, only a breakpoint still set traps there */
		if (a == pl->pi.func && pl->state != PL_ARMED)
			pl->func_trap = false;
		if (a == pl->ret && pl->state != PL_INSIDE)
			pl->ret_trap = false;
	}
	pl->nflush = 0;
	if (!pl->skip || pl->state != PL_INSIDE)
		return;
	pl->skip = false;
	if (mask & ZV_PSW_MASK_DAT) {
		give_up(sc, "%s", "DAT went on inside the decompressor");
		return;
	}
	/* the kernel where the guest's decoder writes it; code translated
	 * from there before (none, normally) goes */
	memcpy(sc->ram + pl->out_at, pl->out, pl->out_len);
	uc_ctl_remove_cache(sc->uc, pl->out_at, pl->out_at + pl->out_len);
	/* the return from the call, as the ABI has it: GPR6-15 and FPR8-15
	 * as they were, the result in GPR2 */
	for (int r = 6; r < 16; r++)
		sc_set_gpr(sc, r, pl->gpr[r]);
	for (int r = 0; r < 8; r++)
		uc_reg_write(sc->uc, UC_S390X_REG_F8 + r, &pl->fpr[r]);
	sc_set_gpr(sc, 2, pl->out_at);
	uc_reg_write(sc->uc, UC_S390X_REG_PC, &pl->ret);
	want_flush(pl, pl->ret);	/* done at the next step: nothing ran there yet */
	sc->st.payload_addr = pl->out_at;
	sc->st.payload_bytes = pl->out_len;
	sc->st.payload_host_seconds = pl->host_s;
	sc->st.payload_guest_seconds = sc_now() - pl->t_enter;
	pl->state = PL_DONE;
	free(pl->out);
	pl->out = NULL;
}
