/* SPDX-License-Identifier: MIT */
/*
 * The software s390x machine: one CPU on Unicorn (Debian libunicorn2) that
 * runs a static s390x ELF guest image, turns its zPCI instructions into
 * zv_intercept() calls and delivers adapter interruptions, machine checks
 * (channel reports) and program interruptions through the lowcore as the
 * CPU does. docs/GUEST-ABI.md is the contract with the guest.
 *
 * Threads: a software machine, and the machine inside it, belong to one
 * thread, the one that calls zv_softcpu_run(); the progress callback and
 * the engine's callbacks run on it, inside zv_softcpu_run() or the zvfio.h
 * call that caused them. Separate software machines may run on separate
 * threads. Errors as in zvfio.h, except where a comment says otherwise.
 */
#ifndef ZVFIO_SOFTCPU_H
#define ZVFIO_SOFTCPU_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "zvfio/guest_abi.h"	/* hypercall numbers (ZV_HC_*) */
#include "zvfio/zvfio.h"

#ifdef __cplusplus
extern "C" {
#endif

struct zv_softcpu;

struct zv_softcpu_config {
	uint64_t mem_size;	/* bytes of RAM at absolute 0; 0: 256 MiB */
	const char *args;	/* string the guest can fetch (ZV_HC_GETARGS) */
	FILE *console;		/* guest console output; NULL: stdout */
	unsigned timeout_s;	/* wall-clock limit; 0: none */
	uint32_t facilities;	/* ZV_FAC_*; 0: ZV_FAC_DEFAULT */
	uint16_t mui_ms;	/* measurement interval; 0: 4000 */
	/* How intercepted instructions are found: 0 (default) scans each
	 * executed block and hooks exactly the sites it finds; 1 runs a code
	 * hook on every instruction (the slower way, kept for comparison). */
	int hook_all;
	/* called about once a second while the guest runs or waits */
	void (*progress)(void *opaque, struct zv_softcpu *sc);
	void *progress_opaque;
	/* console input (SCLP VT220 events: Linux's ttysclp0): with
	 * has_console_in, the machine reads the file descriptor console_in
	 * whenever it is readable and offers what it read to the guest; it
	 * never closes it */
	bool has_console_in;
	int console_in;
	/* ZV_SOFTCPU_EXIT_*: what zv_softcpu_run() hands back to the caller
	 * instead of handling itself, as KVM_RUN hands exits to a VMM; 0:
	 * the machine handles everything (the fast way) */
	uint32_t exits;
	/* 1: a hook on every translated block counts the blocks and
	 * instructions executed exactly (zv_softcpu_stats.counted); the run
	 * is then slower (a Linux boot takes 1.8 to 2.6 times as long). 0:
	 * no such hook, nothing counted */
	int count_instructions;
	/* A kernel's compressed payload (XZ, zstd): 0 (default) decompresses
	 * it on the host, beside the guest, and skips the guest's own
	 * decompressor once that has shown where the kernel goes
	 * (docs/GUEST-ABI.md, "OS guests"); 1: the guest decompresses it. */
	int guest_decompress;
	/* ZV_MACHINE_* flags of the machine it creates (zv_machine_config's
	 * flags): ZV_MACHINE_DMA_PER_PAGE for QEMU's way of RPCIT, the
	 * baseline of `zvfio bench linux-io` */
	uint32_t machine_flags;
	/* RAM the caller owns (mem_size bytes, page-aligned; used until
	 * zv_softcpu_destroy(), never unmapped), for a caller that already
	 * holds guest memory (a simulation of KVM does). The machine's
	 * start-up checks run code in it (0x1000-0x11ff and 0x3000-0x5fff,
	 * zeroed after), so put the guest's image there after
	 * zv_softcpu_create(). NULL: the machine maps its own */
	void *ram;
};

/* zPCI instructions: run returns ZV_RUN_INTERCEPT; the caller fetches the
 * instruction with zv_softcpu_intercept_get(), answers it (zv_intercept())
 * and hands the answer back with zv_softcpu_intercept_done(). */
#define ZV_SOFTCPU_EXIT_ZPCI 0x1u
/* Enabled waits with no interruption deliverable: run returns ZV_RUN_WAIT;
 * the caller waits for device events (zv_poll_fd(), zv_dispatch()) and
 * calls zv_softcpu_run() again, which presents what became pending. The
 * device events are then the caller's alone, as a KVM VMM's: the machine
 * never calls zv_dispatch() itself; when a device signals while the guest
 * runs, the run returns ZV_RUN_EVENTS (between two instructions) so that
 * the caller dispatches -- an interruption reaches the guest as soon as
 * the caller has dispatched it, as from a VMM's event loop. */
#define ZV_SOFTCPU_EXIT_WAIT 0x2u
/* The guest ABI's hypercalls (DIAG X'500'): run returns ZV_RUN_INTERCEPT
 * as for a zPCI instruction (zv_softcpu_intercept_get() gives the DIAG)
 * and the caller answers them (zv_guest_hypercall()), as KVM hands
 * DIAG X'500' to a VMM. A guest that exits leaves the intercept open. */
#define ZV_SOFTCPU_EXIT_HYPERCALL 0x4u


/* How a run ended. */
enum zv_run_end {
	ZV_RUN_EXIT,		/* the guest called ZV_HC_EXIT */
	ZV_RUN_TIMEOUT,		/* timeout_s elapsed */
	ZV_RUN_DISABLED_WAIT,	/* the guest loaded a disabled wait PSW */
	ZV_RUN_FAULT,		/* the machine could not continue; see message */
	ZV_RUN_INTERCEPT,	/* ZV_SOFTCPU_EXIT_ZPCI: a zPCI instruction */
	ZV_RUN_WAIT,		/* ZV_SOFTCPU_EXIT_WAIT: an enabled wait */
	ZV_RUN_STOPPED,		/* the guest stopped its only CPU (SIGP stop, as
				 * Linux's poweroff does) or asked for a re-IPL */
	ZV_RUN_EVENTS,		/* ZV_SOFTCPU_EXIT_WAIT: the devices signalled
				 * while the guest ran; dispatch and run again */
};

struct zv_softcpu_stats {
	uint64_t blocks;	/* translated-block executions seen */
	uint64_t intercepts;	/* all instruction intercepts */
	uint64_t hypercalls;
	uint64_t io_interrupts;	/* adapter interruptions presented */
	uint64_t mchecks;	/* channel-report machine checks presented */
	uint64_t program_interrupts;
	uint64_t waits;		/* enabled waits */
	uint64_t translated_sites;	/* intercepted instructions translated (a site
					 * translated again counts again) */
	double seconds;
	uint64_t external_interrupts;	/* clock comparator, CPU timer, service
					 * signal, external call, emergency signal */
	uint64_t svc_interrupts;
	double user_seconds;	/* from the first run to the first problem-state
				 * PSW (an OS's first user-space instruction); 0:
				 * none yet */
	uint64_t instructions;	/* executed, counted per translated block (a
				 * block cut short by an exception counts whole) */
	uint64_t blocks_estimated;	/* blocks whose instructions were not known
					 * (4 bytes an instruction assumed) */
	uint64_t code_pages_marked;	/* RAM pages found holding translated code
					 * (a page translated again counts again) */
	/* guest stores to RAM without translated code take TCG's inline fast
	 * path (zvfio restores the rule Unicorn 2.0.1 dropped); false: every
	 * store takes Unicorn's slow path, and slow_stores_why says why */
	bool fast_stores;
	const char *slow_stores_why;	/* a constant string; NULL when fast */
	/* blocks and instructions are counted (a hook on every block:
	 * cfg.count_instructions, hook_all, or a libunicorn the machine cannot
	 * run without one -- block_hook_why says which) */
	bool counted;
	const char *block_hook_why;	/* a constant string; NULL: no block hook */
	/* A kernel's compressed payload (cfg.guest_decompress): its format
	 * ("xz", "zstd"; NULL: none found), and when the host decompressed it
	 * and the guest's decompressor was skipped, the bytes placed, where
	 * (absolute), the host's time for them (a thread beside the guest) and
	 * the time the guest's decompressor ran until the skip. payload_bytes
	 * 0: the guest decompressed it, and payload_why says why (a string
	 * owned by sc; NULL for an ELF guest and until the outcome is known). */
	const char *payload_format;
	uint64_t payload_bytes, payload_addr;
	double payload_host_seconds, payload_guest_seconds;
	const char *payload_why;
	/* hooks the machine holds in Unicorn: a fixed few, however many
	 * intercepted instructions the guest has (each Unicorn hook is
	 * looked at on every call of its kind) */
	uint64_t unicorn_hooks;
};

/*
 * Create a software machine: RAM (an anonymous mapping), the CPU, and a
 * zv_machine over the RAM with no functions, and the machine's helper
 * threads (the kicker; a kernel's decoder later), which never call the
 * caller's code. cfg is copied, cfg->args too; cfg->console,
 * cfg->progress_opaque and cfg->ram are kept and must stay valid until
 * zv_softcpu_destroy() (the console is never closed). NULL with a message
 * in err (err may be NULL) and errno: EINVAL (cfg NULL, a RAM size that is
 * not a multiple of 1 MiB, cfg->ram not page-aligned), ENOMEM (memory or the RAM mapping), EIO (Unicorn
 * refused), ENOTSUP (libunicorn's CPU state is not laid out as the
 * machine knows it from Unicorn 2.0.1: another build of the library), the
 * errno of eventfd(2) or pthread_create(3) (EAGAIN) when a helper thread
 * cannot start, or an error of zv_machine_create().
 */
ZV_API struct zv_softcpu *zv_softcpu_create(const struct zv_softcpu_config *cfg, char *err,
					    size_t errlen);
/* Free sc with its RAM and its machine (zv_machine_destroy(): its functions
 * and devices too). NULL is a no-op. Not from inside zv_softcpu_run(). */
ZV_API void zv_softcpu_destroy(struct zv_softcpu *sc);
/* The machine, to add functions to before zv_softcpu_run(). It belongs to
 * sc: never zv_machine_destroy() it. */
ZV_API struct zv_machine *zv_softcpu_machine(struct zv_softcpu *sc);
/*
 * Load a static big-endian s390x ELF executable (ET_EXEC, EM_S390) into
 * RAM, before the first zv_softcpu_run(): every PT_LOAD segment at its
 * physical address (its virtual one when that is 0), above the 8 KiB
 * lowcore and inside RAM; the entry point must be in RAM too; segments
 * must not overlap (zv_guest_load_elf() does the loading). Every header is checked
 * before a byte is copied. -1 with a message in err (err may be NULL) and
 * errno: that of fopen(3) (ENOENT, EACCES, ...), ENOEXEC (not a 64-bit
 * big-endian s390x executable, a bad program header table), EINVAL (a
 * segment outside RAM or over the lowcore, one whose file size exceeds
 * its memory size, overlapping segments, no loadable segment, an entry
 * point outside RAM or in the lowcore, sc or path NULL), EIO (the file is shorter than its
 * headers say), EBUSY (the machine has already run). After an EIO, RAM
 * holds part of the image and no image counts as loaded: zv_softcpu_run()
 * refuses until a load succeeds.
 */
ZV_API int zv_softcpu_load_elf(struct zv_softcpu *sc, const char *path, char *err, size_t errlen);
/*
 * Start at entry as a freestanding image starts (GUEST-ABI.md: 64-bit
 * supervisor state, DAT off, GPR 2 the RAM size, GPR 15 a stack), over an
 * image the caller put into RAM itself (cfg->ram, zv_guest_load_elf()).
 * Before the first run. -1 with EINVAL (sc NULL, entry in the prefix area
 * or outside RAM) or EBUSY (the machine has already run).
 */
ZV_API int zv_softcpu_set_entry(struct zv_softcpu *sc, uint64_t entry);
/*
 * Load an s390x Linux kernel image (the raw image Debian installs as
 * /boot/vmlinuz-*-s390x) the way QEMU's -kernel does, with an initial RAM
 * disk (initrd may be NULL) and a command line (may be NULL), before the
 * first zv_softcpu_run(). The machine then starts it in 64-bit mode with
 * DAT off, as an IPL does, and models what an OS needs beside the CPU
 * (docs/GUEST-ABI.md, "OS guests"); the zvfio hypercalls stay available.
 * -1 with a message in err (err may be NULL) and errno: that of fopen(3)
 * or fstat(2), EINVAL (a kernel or initrd that is no regular file or does not
 * fit in RAM, a command line longer than the kernel takes, a command-line
 * area the image puts outside RAM, sc or kernel NULL), ENOEXEC (no s390x
 * Linux image), EIO (a short read),
 * EBUSY (the machine has already run). After a failure no image counts as
 * loaded.
 */
ZV_API int zv_softcpu_load_kernel(struct zv_softcpu *sc, const char *kernel, const char *initrd,
				  const char *cmdline, char *err, size_t errlen);
/*
 * Run the loaded image (the first call starts it at its entry point) until
 * the run ends or, for the exits cfg->exits asks for, until such an exit.
 * Returns how; *status (if status is not NULL) gets the guest's exit status
 * for ZV_RUN_EXIT. zv_softcpu_message() says why for the other ends. An
 * ended run stays ended: later calls return the same end again (and the same
 * exit status). Without an image, ZV_RUN_FAULT with errno ENOEXEC; with
 * an intercept not completed, ZV_RUN_FAULT with errno EBUSY (the run can
 * continue once it is).
 */
ZV_API enum zv_run_end zv_softcpu_run(struct zv_softcpu *sc, int *status);
/* Ask the run to end: zv_softcpu_run() returns ZV_RUN_STOPPED ("stopped by
 * the caller") before the guest executes another instruction. From the
 * machine's thread only, inside a callback of the run (the progress
 * callback, a write to cfg->console); later calls do nothing. */
ZV_API void zv_softcpu_stop(struct zv_softcpu *sc);
/* Why the run ended, or why a zv_softcpu_run() call failed; "" until one
 * did. The string belongs to sc; a later zv_softcpu_run() may rewrite it. */
ZV_API const char *zv_softcpu_message(const struct zv_softcpu *sc);
/*
 * After ZV_RUN_INTERCEPT: the instruction (ipa, ipb as zv_intercept() takes
 * them) and the registers of the CPU that executed it. -1 with ENOENT when
 * no intercept is outstanding.
 */
ZV_API int zv_softcpu_intercept_get(const struct zv_softcpu *sc, struct zv_cpu *cpu,
				    uint16_t *ipa, uint32_t *ipb);
/*
 * Complete the outstanding intercept with what zv_intercept() returned:
 * rc 0 takes cpu's registers and condition code and continues after the
 * instruction; a positive rc presents that program interruption instead;
 * a negative rc stops the machine (ZV_RUN_FAULT). -1 with ENOENT when no
 * intercept is outstanding. zv_softcpu_run() refuses to continue (EBUSY,
 * ZV_RUN_FAULT) until the intercept is completed.
 */
ZV_API int zv_softcpu_intercept_done(struct zv_softcpu *sc, const struct zv_cpu *cpu, int rc);
/* Copy the counters into *st; seconds: since the first zv_softcpu_run()
 * (while it runs), or its length (after it ended); 0 before. */
ZV_API void zv_softcpu_stats_get(const struct zv_softcpu *sc, struct zv_softcpu_stats *st);
/* Guest RAM (absolute 0, cfg->mem_size bytes) as the host sees it; it
 * belongs to sc and stays at this address until zv_softcpu_destroy(). */
ZV_API uint8_t *zv_softcpu_ram(struct zv_softcpu *sc);
/* Make an adapter interruption pending for isc, as a device of another
 * machine would (a binding under test, such as the KVM binding on a
 * simulated kernel, whose machine is not this one). From the machine's
 * thread, between runs or in a callback. */
ZV_API void zv_softcpu_inject_adapter(struct zv_softcpu *sc, uint8_t isc);
/* Values the guest reported with ZV_HC_REPORT, by index in the order of the
 * keys' first reports: returns the key (owned by sc) and stores its total
 * in *value; NULL past the end (*value untouched). */
ZV_API const char *zv_softcpu_report(const struct zv_softcpu *sc, unsigned i, uint64_t *value);

#ifdef __cplusplus
}
#endif
#endif
