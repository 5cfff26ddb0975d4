/* SPDX-License-Identifier: MIT */
/*
 * zvfio — s390 zPCI pass-through, the VFIO way.
 *
 * The public API. A hypervisor binding (KVM, or the built-in software s390x
 * machine) creates a zv_machine over guest memory, adds PCI functions backed
 * by devices, forwards every intercepted zPCI instruction to zv_intercept()
 * and runs zv_dispatch() when zv_poll_fd() is readable. The library owns no
 * threads.
 *
 * Errors: functions returning int return -1 and set errno (or, where stated,
 * a positive program-interruption code); functions returning pointers return
 * NULL and set errno.
 */
#ifndef ZVFIO_H
#define ZVFIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ZV_API __attribute__((visibility("default")))

/*
 * The version of these headers. The shared library's SONAME carries the
 * major number (libzvfio.so.0); before 1.0 a minor release may change the
 * API, and docs/API.md says what changed. zv_version() tells the version
 * of the library actually linked, which may be newer than the headers.
 */
#define ZV_VERSION_MAJOR 0
#define ZV_VERSION_MINOR 2
#define ZV_VERSION_PATCH 0
/* One number for compile-time comparisons: 0x00MMmmpp. */
#define ZV_VERSION_NUMBER (ZV_VERSION_MAJOR << 16 | ZV_VERSION_MINOR << 8 | ZV_VERSION_PATCH)

struct zv_machine;
struct zv_function;
struct zv_device;

/* ---- vCPU state at an intercept ---------------------------------------- */

/* PSW mask bits the engine reads or writes (z/Architecture, MSB-0 bit n is
 * 1ULL << (63 - n)). */
#define ZV_PSW_MASK_PER    0x4000000000000000ULL /* bit 1 */
#define ZV_PSW_MASK_DAT    0x0400000000000000ULL /* bit 5 */
#define ZV_PSW_MASK_IO     0x0200000000000000ULL /* bit 6 */
#define ZV_PSW_MASK_EXT    0x0100000000000000ULL /* bit 7 */
#define ZV_PSW_MASK_MCHECK 0x0004000000000000ULL /* bit 13 */
#define ZV_PSW_MASK_WAIT   0x0002000000000000ULL /* bit 14 */
#define ZV_PSW_MASK_PSTATE 0x0001000000000000ULL /* bit 15: problem state */
#define ZV_PSW_MASK_ASC    0x0000C00000000000ULL /* bits 16-17 */
#define ZV_PSW_MASK_CC     0x0000300000000000ULL /* bits 18-19 */
#define ZV_PSW_MASK_EA     0x0000000100000000ULL /* bit 31 */
#define ZV_PSW_MASK_BA     0x0000000080000000ULL /* bit 32 */
#define ZV_PSW_CC_SHIFT    44

/*
 * The registers of the vCPU that executed the intercepted instruction. The
 * binding fills it before zv_intercept() and writes back gpr[] and psw_mask
 * (which carries the new condition code) when zv_intercept() returns 0.
 */
struct zv_cpu {
	uint64_t gpr[16];
	uint64_t psw_mask;
	uint64_t psw_addr;	/* address of the intercepted instruction */
	void *opaque;		/* the binding's vCPU, passed to its callbacks */
};

/* ---- machine ----------------------------------------------------------- */

/* One range of guest absolute storage, backed by host memory. */
struct zv_mem_region {
	uint64_t gpa;
	uint64_t size;
	void *host;
};

/* Facilities of the guest CPU model the engine honours. */
#define ZV_FAC_ZPCI 0x1u	/* 69: z/PCI; without it zPCI insns are operation exceptions */
#define ZV_FAC_AEN  0x2u	/* 71: adapter event notification (Linux needs it) */
#define ZV_FAC_AIS  0x4u	/* 72: adapter-interruption suppression, SIC */
#define ZV_FAC_DEFAULT (ZV_FAC_ZPCI | ZV_FAC_AEN | ZV_FAC_AIS)

/* Machine flags. */
#define ZV_MACHINE_DMA_PER_PAGE 0x1u	/* RPCIT the way QEMU does it: a walk from
					 * the root and a host mapping per page
					 * (a baseline for benchmarks) */

/* What the engine asks of the hypervisor binding. */
struct zv_hv_ops {
	/*
	 * Translate a logical address used by the instruction on cpu into a
	 * guest absolute address for an access of the given direction; ar is
	 * the number of the register that designated the operand (its access
	 * register counts in access-register mode). Return 0, or the
	 * program-interruption code of the access exception to present. NULL
	 * means: DAT off, prefix 0, logical = absolute.
	 */
	int (*translate)(void *hv, const struct zv_cpu *cpu, uint64_t logical, uint8_t ar,
			 bool write, uint64_t *absolute);
	/* Make an adapter (I/O) interruption pending for this ISC. */
	void (*inject_adapter)(void *hv, uint8_t isc);
	/* Channel-subsystem event information (CRW) became pending. */
	void (*crw_pending)(void *hv);
};

struct zv_machine_config {
	const struct zv_mem_region *mem;
	unsigned n_mem;
	const struct zv_hv_ops *hv;
	void *hv_opaque;
	uint32_t facilities;		/* ZV_FAC_*; 0 means ZV_FAC_DEFAULT */
	uint32_t flags;			/* ZV_MACHINE_* */
	uint16_t mui_ms;		/* measurement update interval; 0: 4000 */
};

ZV_API struct zv_machine *zv_machine_create(const struct zv_machine_config *cfg);
/* Destroys the machine and every function and device added to it. */
ZV_API void zv_machine_destroy(struct zv_machine *m);

/* ---- devices and functions -------------------------------------------- */

/*
 * Open a device from a specification string:
 *   emu:dma[,vectors=N][,maps=N]   the in-process DMA test engine
 *   vfio:DDDD:BB:DD.F              a host PCI function through Linux VFIO
 *                                  (type1 container/group; the function's
 *                                  IOMMU group must be viable)
 * (docs/DEVICES.md). Function options (uid=, fid=, rtr=, sdma=, edma=)
 * belong to zv_function_add_spec(). On error returns NULL and, if err is
 * not NULL, writes a one-line message naming the bad part.
 */
ZV_API struct zv_device *zv_device_open(const char *spec, char *err, size_t errlen);
ZV_API void zv_device_close(struct zv_device *dev);

/* ---- host PCI functions ------------------------------------------------ */

#define ZV_PCI_ADDR_LEN 16

/* A host PCI function as sysfs describes it. */
struct zv_host_fn {
	char addr[ZV_PCI_ADDR_LEN];	/* DDDD:BB:DD.F */
	uint16_t vendor, device;
	uint32_t class_code;
	char driver[32];		/* "" when no driver is bound */
	int iommu_group;		/* -1: no IOMMU group (no IOMMU) */
	bool viable;			/* every group member on vfio-pci or unbound */
	char blocker[ZV_PCI_ADDR_LEN];	/* when not viable: the member in the way */
	bool zpci;			/* s390: the attributes below are valid */
	uint32_t fid, fh, uid;
	uint16_t pchid, vfn;
	uint8_t pfgid, pft;
};

/* Every host PCI function, sorted by address, in *fns (free() it). An empty
 * list when the host has no PCI. -1 with errno and err on failure. */
ZV_API int zv_host_list(struct zv_host_fn **fns, size_t *count, char *err, size_t errlen);

#define ZV_UID_AUTO 0u
#define ZV_FID_AUTO 0xffffffffu

/*
 * Add a configured (disabled) PCI function to the machine, backed by dev,
 * which the function then owns. uid 0 picks the lowest free UID (1..65535);
 * fid ZV_FID_AUTO picks the lowest free FID. Fails with EEXIST for a UID or
 * FID already in use, EINVAL for a UID above 65535.
 */
ZV_API struct zv_function *zv_function_add(struct zv_machine *m, struct zv_device *dev,
					   uint32_t uid, uint32_t fid);
/* Parse "emu:dma,uid=5,fid=3,..." and add the function. */
ZV_API struct zv_function *zv_function_add_spec(struct zv_machine *m, const char *spec,
						char *err, size_t errlen);

/*
 * The guest's DMA window [start, end] for a disabled function: both ends
 * page-aligned (end + 1), inside what the device can reach (its zPCI
 * window on s390, its IOMMU's valid IOVA range elsewhere). Without it the
 * window starts at 4 GiB (QEMU's default) and ends where the device's
 * range or the backend's mapping limit ends. -1 with EBUSY (enabled),
 * EINVAL (misaligned, empty) or ERANGE (outside the device's range).
 */
ZV_API int zv_function_set_dma_window(struct zv_function *f, uint64_t start, uint64_t end);

ZV_API uint32_t zv_function_fid(const struct zv_function *f);
ZV_API uint32_t zv_function_uid(const struct zv_function *f);
ZV_API uint32_t zv_function_fh(const struct zv_function *f);
ZV_API const char *zv_function_name(const struct zv_function *f);

/* Function states (as QEMU names them). */
enum zv_fn_state {
	ZV_FS_RESERVED,
	ZV_FS_STANDBY,
	ZV_FS_DISABLED,
	ZV_FS_ENABLED,
	ZV_FS_BLOCKED,
	ZV_FS_ERROR,
	ZV_FS_PERMANENT_ERROR,
};
ZV_API enum zv_fn_state zv_function_state(const struct zv_function *f);

/*
 * The host takes the function out of the guest's configuration (standby)
 * or gives it back (configured and disabled), as an SCLP deconfigure or
 * configure would. An enabled function is disabled first (its
 * registrations dropped, the device reset): a standby function never keeps
 * an enabled handle. The guest gets an availability event (PEC 0x0304
 * configured -> standby, 0x0301 standby -> configured). Fails with
 * EALREADY when the function is already in that state.
 */
ZV_API int zv_function_set_standby(struct zv_function *f, bool standby);

/*
 * Offer relaxed translation (the RTR group flag): the guest may register
 * its DMA address space without translation, and zvfio then maps all guest
 * RAM once at IOVA = SDMA + guest address. Without it, QUERY PCI FN shrinks
 * the DMA window to what the backend's mapping budget can hold page by page
 * (as QEMU does). Only while the function is disabled; EBUSY otherwise.
 */
ZV_API int zv_function_set_relaxed(struct zv_function *f, bool on);
ZV_API const char *zv_fn_state_name(enum zv_fn_state s);

/*
 * What a KVM binding needs to route one MSI-X vector (or, for a function
 * whose MSI-X is off, one MSI vector) with an irqfd
 * (KVM_IRQ_ROUTING_S390_ADAPTER) instead of zv_dispatch(): when the
 * device signals `eventfd`, set bit `ind_offset` (MSB-first) of the
 * vector at `ind_addr`, then bit `summary_offset` at `summary_addr` if
 * `summary`, and inject for the adapter (one per ISC; its id is the ISC).
 * Valid while the guest keeps its registration and its MSI-X table entry
 * or MSI capability.
 */
struct zv_irq_route {
	int eventfd;
	uint64_t ind_addr;		/* guest address of the AIBV */
	uint64_t ind_offset;		/* AIBVO + the vector the message names */
	uint64_t summary_addr;		/* guest address of the AISB doubleword */
	uint32_t summary_offset;	/* AISBO */
	uint32_t adapter_id;
	uint8_t isc;
	bool summary;
	bool masked;			/* vector or function masked: keep it in zvfio */
};
/* -1 with ENOENT when interrupts are not registered or MSI-X (and MSI) is
 * off, EINVAL for a vector the function does not have (or the guest did
 * not enable, for MSI) or whose message is not a zPCI interrupt message
 * (address other than the group's MSIA, or a vector beyond NOI). */
ZV_API int zv_function_irq_route(const struct zv_function *f, unsigned vec,
				 struct zv_irq_route *route);

/* ---- intercepts -------------------------------------------------------- */

/*
 * Handle one intercepted instruction: ipa holds the first two bytes of the
 * instruction text, ipb the next four (as KVM's SIE block reports them).
 * Returns 0 when the instruction completed (cpu->gpr and the condition code
 * in cpu->psw_mask are updated), a positive program-interruption code when
 * the binding must present that program exception instead (cpu is then
 * unchanged), or -1 with errno ENOSYS when the instruction is not one zvfio
 * handles.
 */
ZV_API int zv_intercept(struct zv_machine *m, struct zv_cpu *cpu, uint16_t ipa, uint32_t ipb);

/* Length in bytes (2, 4 or 6) of the instruction whose first byte is op0. */
static inline unsigned zv_insn_length(uint8_t op0)
{
	return op0 < 0x40 ? 2 : op0 < 0xc0 ? 4 : 6;
}

/* Program-interruption codes the engine produces. */
#define ZV_PGM_OPERATION    0x0001
#define ZV_PGM_PRIVILEGED   0x0002
#define ZV_PGM_PROTECTION   0x0004
#define ZV_PGM_ADDRESSING   0x0005
#define ZV_PGM_SPECIFICATION 0x0006
#define ZV_PGM_OPERAND      0x0015

/* ---- events -------------------------------------------------------------- */

/* A file descriptor that becomes readable when zv_dispatch() has work. */
ZV_API int zv_poll_fd(const struct zv_machine *m);
/*
 * Process every ready device event (interrupts, IOMMU faults, measurement
 * updates) without blocking. Returns the number processed, or -1.
 */
ZV_API int zv_dispatch(struct zv_machine *m);
/* The same, but first wait up to timeout_ms (-1: forever) for work: one
 * system call less than poll() on zv_poll_fd() followed by zv_dispatch(),
 * for a binding whose vCPU idles. */
ZV_API int zv_dispatch_wait(struct zv_machine *m, int timeout_ms);
/* True when an in-process device signalled since the last zv_dispatch():
 * lets a binding skip the poll system call on its fast path. */
ZV_API bool zv_events_hinted(const struct zv_machine *m);

/*
 * CHSC Store Event Information, notification type 2 (PCI): fill the response
 * area rsp (at least 4096 - 16 bytes, the part of the CHSC block after the
 * request) with the oldest queued PCI event. Returns 1 if an event was
 * stored, 0 if none (response code 0x0005).
 */
ZV_API int zv_chsc_sei_nt2(struct zv_machine *m, uint8_t *rsp, size_t len);
/* Is a CRW for PCI events waiting to be stored (STCRW)? Clears it. */
ZV_API bool zv_crw_take(struct zv_machine *m, uint32_t *crw);

/* ---- statistics ---------------------------------------------------------- */

enum zv_insn {
	ZV_INSN_CLP, ZV_INSN_PCILG, ZV_INSN_PCISTG, ZV_INSN_PCISTB, ZV_INSN_RPCIT,
	ZV_INSN_MPCIFC, ZV_INSN_STPCIFC, ZV_INSN_SIC, ZV_INSN_COUNT
};
ZV_API const char *zv_insn_name(enum zv_insn i);

struct zv_stats {
	uint64_t intercepts[ZV_INSN_COUNT];
	uint64_t program_exceptions;
	uint64_t pages_mapped;		/* pages in host mappings created */
	uint64_t pages_unmapped;
	uint64_t map_calls;		/* backend map calls */
	uint64_t unmap_calls;
	uint64_t table_loads;		/* guest translation-table entries read */
	uint64_t pages_walked;		/* valid pages found by RPCIT walks */
	uint64_t irqs_forwarded;	/* device MSI-X events that set AIBV bits */
	uint64_t irqs_injected;		/* adapter interruptions requested */
	uint64_t irqs_suppressed;	/* not injected: summary already set or AIS */
	uint64_t irqs_pending_pba;	/* events held in the PBA while masked */
	uint64_t error_events;
	uint64_t dma_read_bytes;	/* by devices, from guest memory */
	uint64_t dma_write_bytes;	/* by devices, into guest memory */
	uint64_t dma_counting_fns;	/* functions whose device counts those bytes
					 * (emulated ones; a VFIO device cannot tell) */
	uint64_t iommu_faults;
	uint64_t unplug_requests;	/* host requests passed on as event 0x0303 */
	uint64_t irq_route_failures;	/* vectors the backend refused to route */
	uint64_t region_mapped;		/* device region accesses through a mapping */
	uint64_t region_syscalls;	/* ... and through system calls (VFIO) */
};
ZV_API void zv_stats_get(const struct zv_machine *m, struct zv_stats *st);

/* The linked library's version, "MAJOR.MINOR.PATCH" (a static string). Any
 * thread. */
ZV_API const char *zv_version(void);

#ifdef __cplusplus
}
#endif
#endif
