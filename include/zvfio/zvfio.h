/* SPDX-License-Identifier: MIT */
/*
 * zvfio — s390 zPCI pass-through, the VFIO way.
 *
 * The public API. A hypervisor binding (KVM, or the built-in software s390x
 * machine) creates a zv_machine over guest memory, adds PCI functions backed
 * by devices, forwards every intercepted zPCI instruction to zv_intercept()
 * and runs zv_dispatch() when zv_poll_fd() is readable. The engine owns no
 * threads (the software machine of softcpu.h runs helpers of its own).
 *
 * Threads: the engine starts no threads (the software machine, softcpu.h,
 * runs helper threads of its own, which never call the caller's code), and
 * nothing inside a machine is locked. A machine, its functions and their
 * devices are one unit: calls that take any of them must not overlap. Make them from one thread (the
 * binding's vCPU thread), or under one lock of the caller's. The zv_hv_ops
 * callbacks run on the calling thread, inside zv_intercept(),
 * zv_dispatch(), zv_dispatch_wait(), zv_function_set_standby() and
 * zv_sclp_pci_configure().
 * Separate machines are independent and may run on separate threads, with
 * one exception: functions of one IOMMU group opened through the group
 * (iommu=type1) share its container, so keep them in one machine or
 * serialize their machines. Safe from any thread at any time:
 * zv_version(), zv_insn_name(), zv_fn_state_name(), zv_host_list(),
 * zv_device_open(), zv_device_open_hooked() (its hook runs on the calling
 * thread), zv_device_close() of a device no function owns, waiting
 * on the descriptor from zv_poll_fd(), and signalling an eventfd from
 * zv_function_irq_route().
 *
 * Errors: functions returning int return -1 and set errno; zv_intercept()
 * and zv_chsc() may instead return a positive program-interruption code. Functions
 * returning pointers return NULL and set errno. Each function lists the
 * errno values of its own checks; "errno of open(2)" and the like mean
 * values passed on from the system. errno is unspecified after success.
 * Functions taking err and errlen also write a one-line, NUL-terminated
 * message there on failure, cut to errlen bytes; pass NULL and 0 for none.
 * Pointer arguments must not be NULL unless the comment says so.
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
#define ZV_VERSION_MINOR 4
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

/* An adapter-interruption registration of an interpreted function, as the
 * guest's MPCIFC gave it, for the host: its function handle, the
 * indicator vector and summary bit (guest absolute addresses). */
struct zv_aen {
	uint32_t host_fh;
	uint64_t aibv, aisb;
	uint16_t noi;
	uint8_t isc, aibvo, aisbo;
	bool sum;
};

/* What the engine asks of the hypervisor binding. */
struct zv_hv_ops {
	/*
	 * Translate a logical address used by the instruction on cpu into a
	 * guest absolute address for an access of the given direction; ar is
	 * the number of the register that designated the operand (its access
	 * register counts in access-register mode). Return 0, or the
	 * program-interruption code (> 0) of the access exception to present;
	 * any other value (a negative one, or above 0xffff) is taken as an
	 * addressing exception. NULL means: DAT off, prefix 0, logical =
	 * absolute.
	 *
	 * The callbacks run synchronously on the thread that called into the
	 * library (see Threads above) and must not call it back for the same
	 * machine: record the request (set a flag, kick the vCPU) and return.
	 * A NULL inject_adapter or crw_pending drops that notification.
	 */
	int (*translate)(void *hv, const struct zv_cpu *cpu, uint64_t logical, uint8_t ar,
			 bool write, uint64_t *absolute);
	/* Make an adapter (I/O) interruption pending for this ISC. */
	void (*inject_adapter)(void *hv, uint8_t isc);
	/* Channel-subsystem event information (CRW) became pending. */
	void (*crw_pending)(void *hv);
	/*
	 * Interpreted functions only (zv_function_set_interpreted()): the
	 * guest registered (aen not NULL) or deregistered (NULL) its adapter
	 * interruptions; the binding asks the host to deliver the function's
	 * interrupts to them itself (KVM_S390_ZPCI_OP, adapter event
	 * notification). 0, or -1: the guest gets cc 1, "insufficient
	 * resources". NULL: interpretation is never offered.
	 */
	int (*aen)(void *hv, struct zv_function *f, const struct zv_aen *aen);
	/* The guest's TOD clock (bit 51 = 1 microsecond). When set, function
	 * measurement blocks are stamped with it and updated every MUI of it,
	 * from zv_dispatch() -- guest time, however fast it runs; NULL: host
	 * real time, through a timer of the machine's event loop. */
	uint64_t (*tod)(void *hv);
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

/*
 * Create a machine with no functions over the guest memory cfg describes.
 * cfg and its region array are copied; cfg->hv, cfg->hv_opaque and the
 * regions' host memory are kept and must stay valid until
 * zv_machine_destroy() (the engine and the devices' DMA write guest memory).
 * n_mem may be 0 (then no guest address is RAM).
 * NULL with EINVAL (cfg NULL, mem NULL with n_mem > 0, a region with host
 * NULL, size 0, gpa + size past 2^64, or two regions that overlap), ENOMEM,
 * or errno of
 * epoll_create1(2) (EMFILE, ENFILE).
 */
ZV_API struct zv_machine *zv_machine_create(const struct zv_machine_config *cfg);
/*
 * Destroy m and every function and device added to it: host DMA mappings
 * are removed, the devices closed, the eventfds and the zv_poll_fd()
 * descriptor closed, queued events dropped. No callback is called. NULL is
 * a no-op. Not from inside a callback.
 */
ZV_API void zv_machine_destroy(struct zv_machine *m);

/* ---- devices and functions -------------------------------------------- */

/*
 * Open a device from a specification string (docs/DEVICES.md):
 *   emu:dma[,vectors=N][,maps=N]   the in-process DMA test engine: N MSI-X
 *                                  vectors (1-128, default 8), N IOMMU
 *                                  mappings (default 65535)
 *   emu:virtio-blk,file=PATH[,ro=0|1][,maps=N]
 *                                  a virtio block device on a host file
 *   vfio:[DDDD:]BB:DD.F[,iommu=auto|type1|iommufd]
 *                                  a host PCI function through Linux VFIO:
 *                                  its cdev and an iommufd IOAS of its own
 *                                  when the kernel offers them (auto),
 *                                  else its IOMMU group, which must be
 *                                  viable, in a type1v2 container
 * and on any of them the fault-injection options fail=, fail-errno=,
 * fail-every= (docs/DEVICES.md has every option).
 * Function options (uid=, fid=, rtr=, sdma=, edma=) belong to
 * zv_function_add_spec(). The caller owns the device until zv_function_add()
 * takes it. NULL with EINVAL (spec NULL, a bad option or PCI address, a
 * virtio-blk file that is no regular file of at least 512 bytes), EIO (a
 * VFIO device that is no PCI device),
 * ENODEV (an unknown kind, no such host function, no IOMMU group, or
 * iommu=iommufd without a cdev), EBUSY (the group is not viable, or held
 * elsewhere), ENOTSUP (no type1v2 IOMMU), ENOMEM, or errno of the system
 * call that failed (open(2), ioctl(2), eventfd(2): EACCES, ENOENT ...),
 * with a message in err naming the bad part.
 */
ZV_API struct zv_device *zv_device_open(const char *spec, char *err, size_t errlen);
/*
 * What a binding needs done while a device opens: vfio_file is called with
 * a VFIO device's group (type1) or cdev (iommufd) descriptor after it is
 * open and before the device is taken from it or bound -- a KVM binding
 * gives it to its KVM-VFIO device there, so that the kernel's open of the
 * device knows the VM (s390: zPCI interpretation). Return 0, or -1 with
 * errno to fail the open. Called again for each function of a group.
 */
struct zv_open_hook {
	int (*vfio_file)(void *opaque, int fd);
	void *opaque;
};
/* zv_device_open() with hook (NULL: none); its errors, and the hook's
 * errno with a message when the hook failed. */
ZV_API struct zv_device *zv_device_open_hooked(const char *spec, const struct zv_open_hook *hook,
					       char *err, size_t errlen);
/* Close a device no function owns (never added, or zv_function_add()
 * failed); a function's device closes with its machine. NULL: no-op. */
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

/*
 * Every host PCI function in sysfs, sorted by address, in a malloc'ed array:
 * *fns of *count entries; free(*fns) after success (it may be NULL when
 * *count is 0). A host without PCI gives an empty list; functions whose
 * sysfs entry cannot be read are left out. -1 with EINVAL (fns or count
 * NULL), ENOMEM, or errno of opendir(2) (EACCES ...), with *fns NULL, *count
 * 0 (except for EINVAL) and a message in err (here NULL with any errlen).
 * Reads sysfs only; any thread.
 */
ZV_API int zv_host_list(struct zv_host_fn **fns, size_t *count, char *err, size_t errlen);

#define ZV_UID_AUTO 0u
#define ZV_FID_AUTO 0xffffffffu

/*
 * Add a configured, disabled PCI function backed by dev to m; it reads the
 * device's config space (identity, BARs, MSI, MSI-X) and what the host
 * knows of its zPCI identity and DMA window. On success the function owns
 * dev; on failure dev stays the caller's. dev must not belong to a function
 * yet. The function lives until zv_machine_destroy() (there is no removal).
 * uid ZV_UID_AUTO takes a host function's own UID when the host has a
 * unique one and it is free, else the lowest free UID (1-65535); fid
 * ZV_FID_AUTO takes the lowest free FID (from 0). NULL with EINVAL (m or
 * dev NULL, uid above 65535, an MSI-X table or PBA outside BARs 0-5),
 * EEXIST (uid or fid in use), ENOSPC (no free UID, 4096 functions, or all
 * 14 simulated function groups taken), ERANGE (the host's DMA window holds
 * no page), EIO (config space unreadable), ENOMEM, or errno of eventfd(2)
 * (EMFILE, ENFILE) or epoll_ctl(2) (ENOSPC, ENOMEM) when a vector's
 * eventfd or the device's event descriptors cannot be set up, or of a
 * config read.
 */
ZV_API struct zv_function *zv_function_add(struct zv_machine *m, struct zv_device *dev,
					   uint32_t uid, uint32_t fid);
/*
 * Open the device of spec (zv_device_open()) and add it (zv_function_add()):
 * "emu:dma,uid=5,fid=3,vectors=8". The function options may stand anywhere
 * in the list: uid=1-65535, fid=0-0xfffffffe, rtr=0|1
 * (zv_function_set_relaxed()), sdma= and edma= (zv_function_set_dma_window();
 * one alone keeps the other end). NULL with EINVAL (m or spec NULL, spec 256
 * bytes or longer, a bad function option), or an error of zv_device_open(),
 * zv_function_add() or zv_function_set_dma_window(), with a message in err;
 * nothing stays open then.
 */
ZV_API struct zv_function *zv_function_add_spec(struct zv_machine *m, const char *spec,
						char *err, size_t errlen);
/* zv_function_add_spec() opening the device with hook (zv_device_open_hooked()). */
ZV_API struct zv_function *zv_function_add_spec_hooked(struct zv_machine *m, const char *spec,
						       const struct zv_open_hook *hook, char *err,
						       size_t errlen);

/*
 * Set the guest's DMA window [start, end] of a function that is not enabled
 * (disabled or standby): both ends page-aligned (end + 1), inside what the
 * device can reach (its zPCI window on s390, one of its IOMMU's valid IOVA
 * ranges elsewhere, [0, 2^57 - 1] for emu:dma). Without relaxed translation
 * QUERY PCI FN may report a lower end: what the backend's mapping budget
 * holds. By default the window is the host's zPCI window on s390, and
 * elsewhere starts at 4 GiB (QEMU's default) and ends where the device's
 * range ends. -1 with EINVAL (f NULL, misaligned, empty), EBUSY (enabled,
 * also in the error and blocked states) or ERANGE (outside the device's
 * range).
 */
ZV_API int zv_function_set_dma_window(struct zv_function *f, uint64_t start, uint64_t end);

/*
 * zPCI interpretation (a KVM binding where the host offers it): the guest
 * sees the host's function handle (its enable bit off while the function
 * is disabled), so the CPU can run PCI LOAD, STORE and STORE BLOCK on the
 * device itself, and adapter-interruption registrations go to the
 * binding's aen callback instead of the engine's MSI-X delivery. CLP,
 * MPCIFC, STPCIFC and RPCIT stay intercepted and answered here. Only
 * while the function is not enabled. -1 with EINVAL (f NULL, or on with
 * a machine whose binding has no aen callback), EBUSY (enabled), ENODEV
 * (on, and the device reports no host function handle: not a VFIO
 * function on s390).
 */
ZV_API int zv_function_set_interpreted(struct zv_function *f, bool on);
/* Whether the function is interpreted (zv_function_set_interpreted());
 * false for f NULL. */
ZV_API bool zv_function_interpreted(const struct zv_function *f);

/* The function's FID, its UID, and its current function handle (the guest
 * gets a new one on every enable and disable). */
ZV_API uint32_t zv_function_fid(const struct zv_function *f);
ZV_API uint32_t zv_function_uid(const struct zv_function *f);
ZV_API uint32_t zv_function_fh(const struct zv_function *f);
/* "UUUU:device": the UID in hex, then the device's name ("emu:dma",
 * "vfio 0000:00:04.0"). The string belongs to the function. */
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
/* The function's state. The engine uses STANDBY, DISABLED, ENABLED, ERROR
 * and BLOCKED; RESERVED and PERMANENT_ERROR are never entered. */
ZV_API enum zv_fn_state zv_function_state(const struct zv_function *f);

/*
 * The host takes the function out of the guest's configuration (standby)
 * or gives it back (configured and disabled), as an SCLP deconfigure or
 * configure would. An enabled function (also in the error or blocked
 * state) is disabled first: its registrations dropped, its DMA mappings
 * removed, the device reset; a standby function never keeps an enabled
 * handle. The guest gets an availability event (PEC 0x0304 configured ->
 * standby, 0x0301 standby -> configured), which may call crw_pending. -1
 * with EALREADY when the function is already in that state, EINVAL for f
 * NULL (or a reserved function, which the engine never makes), EIO when
 * the disable failed on the host (a mapping that could not be removed,
 * a failed reset): the function is then in the permanent error state.
 */
ZV_API int zv_function_set_standby(struct zv_function *f, bool standby);
/*
 * The guest's SCLP Configure (configure true) or Deconfigure PCI Function
 * for the function with this FID (a binding that handles SERVC calls it
 * for commands 0x001a0001 / 0x001b0001 with adapter type 2): as
 * zv_function_set_standby(), but with no availability event. Returns the
 * SCLP response code for the SCCB: 0x0020 (done; also when the host could
 * not tear an enabled function down: it is then in the permanent error
 * state and an error event is queued), 0x0120 (already in that state),
 * 0x09f0 (no such function; also for m NULL).
 */
ZV_API uint16_t zv_sclp_pci_configure(struct zv_machine *m, uint32_t fid, bool configure);

/*
 * Offer relaxed translation (the RTR group flag): the guest may register
 * its DMA address space without translation, and zvfio then maps all guest
 * RAM once at IOVA = SDMA + guest address. Without it, QUERY PCI FN shrinks
 * the DMA window to what the backend's mapping budget can hold page by page
 * (as QEMU does). Turning it off puts a host function back in the
 * simulated group of its host group (the default group when all 14 are
 * taken). Only while the function is not enabled: -1 with EINVAL (f NULL)
 * or EBUSY (enabled, also in the error and blocked states).
 */
ZV_API int zv_function_set_relaxed(struct zv_function *f, bool on);
/* The state's name in lower case ("permanent-error"), "?" for a value
 * outside the enum; a static string, any thread. */
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
/*
 * Fill *route for vector vec: a snapshot, to ask again after the guest
 * changes its registration, table entry or capability. route->eventfd
 * belongs to the function: never close it; it stays the same until
 * zv_machine_destroy() and may be signalled from any thread or by the
 * kernel (irqfd). -1 with EINVAL for a vector the function does not have
 * (beyond its MSI-X table when MSI-X is on or MSI is off, beyond the MSI
 * vectors the guest enabled otherwise), ENOENT when interrupts are not
 * registered or MSI-X and MSI are both off, EINVAL when the vector's
 * message is not a zPCI interrupt message (address other than the group's
 * MSIA, or a vector beyond NOI).
 */
ZV_API int zv_function_irq_route(const struct zv_function *f, unsigned vec,
				 struct zv_irq_route *route);
/*
 * on: the binding delivers vector vec itself from now on (a KVM irqfd on
 * the route's eventfd); zv_dispatch() leaves the vector alone -- no AIBV
 * bit, no injection, no PBA bit. The kernel's irqfd reads the eventfd's
 * counter as it is signalled, so the machine's epoll normally reports
 * nothing; this makes sure a vector is never delivered twice however the
 * wakeups interleave. off: zv_dispatch() delivers it
 * again; turn it off after the irqfd is gone, before the next
 * zv_dispatch(), so a signal in between is still delivered (or held in
 * the PBA). Applies to the vector of MSI-X and of MSI alike; kept across
 * MSI-X or MSI being switched off and on. -1 with EINVAL for f NULL or a
 * vector beyond the MSI-X table and, for a function with an MSI
 * capability, beyond its 32.
 */
ZV_API int zv_function_irq_bypass(struct zv_function *f, unsigned vec, bool on);
/* How many vectors zv_function_irq_route() may name now: the MSI-X table's
 * size while MSI-X is on, else the MSI vectors the guest enabled, else 0. */
ZV_API unsigned zv_function_irq_vectors(const struct zv_function *f);
/* A number that changes whenever an answer of zv_function_irq_route() or
 * zv_function_irq_vectors() for any of the machine's functions, or a
 * function's state, may have changed (the guest's registrations, MSI-X
 * tables and control, MSI capabilities): a binding rebuilds its routes
 * only when it moved. */
ZV_API uint64_t zv_irq_generation(const struct zv_machine *m);

/* ---- intercepts -------------------------------------------------------- */

/*
 * Handle one intercepted instruction: ipa holds the first two bytes of the
 * instruction text, ipb the next four (as KVM's SIE block reports them).
 * Returns 0 when the instruction completed (cpu->gpr and the condition code
 * in cpu->psw_mask are updated; SIC sets no condition code), a positive
 * program-interruption code when the binding must present that program
 * exception instead (cpu is then unchanged): ZV_PGM_* below, or an access
 * exception code the translate callback returned. -1 with EINVAL (m or cpu
 * NULL) or ENOSYS (not an instruction zvfio handles), cpu unchanged.
 * Device accesses are synchronous (PCILG, PCISTG, PCISTB reach the device;
 * RPCIT maps and unmaps); callbacks may run before it returns. From the
 * vCPU's thread; a binding with several vCPUs serializes the calls.
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
#define ZV_PGM_SPECIAL_OP   0x0013
#define ZV_PGM_OPERAND      0x0015

/* ---- events -------------------------------------------------------------- */

/*
 * An epoll descriptor that becomes readable when zv_dispatch() has work:
 * device interrupts, errors and requests, the measurement timer. It belongs
 * to the machine (closed by zv_machine_destroy()): poll it or add it to an
 * epoll set, from any thread, but never read or close it.
 */
ZV_API int zv_poll_fd(const struct zv_machine *m);
/*
 * Process every ready device event without blocking: MSI-X and MSI signals
 * set AIBV and AISB bits and call inject_adapter; IOMMU faults, device
 * errors and host unplug requests queue events (crw_pending); measurement
 * blocks are updated. Clears the hint (zv_events_hinted()). Returns the
 * number of ready sources handled (a vector signalled many times counts
 * once), 0 when none, or -1 with errno of epoll_wait(2) or of reading the
 * measurement timer.
 */
ZV_API int zv_dispatch(struct zv_machine *m);
/* The same, but first wait up to timeout_ms (-1: forever) for work: one
 * system call less than poll() on zv_poll_fd() followed by zv_dispatch(),
 * for a binding whose vCPU idles. 0 after the timeout, and also when a
 * signal interrupts the wait (EINTR is not reported). */
ZV_API int zv_dispatch_wait(struct zv_machine *m, int timeout_ms);
/* True when an in-process (emu:) device signalled an eventfd since the last
 * zv_dispatch() or zv_dispatch_wait(): lets a binding skip the poll system
 * call on its fast path. vfio: devices never hint; poll zv_poll_fd() for
 * them. A plain flag, set inside zv_intercept(): ask from its thread. */
ZV_API bool zv_events_hinted(const struct zv_machine *m);
/* How many functions have a device that works on its own in host time
 * (vfio:): its completions arrive whenever the device finishes, not inside
 * the intercept that started the work, as emu: devices' do. A binding that
 * fast-forwards an idle guest's clock to its next timer must not while
 * this is nonzero -- the guest would see its device time out -- but wait
 * in host time (zv_dispatch_wait()). Any thread that owns the machine. */
ZV_API unsigned zv_host_time_devices(const struct zv_machine *m);

/*
 * CHSC Store Event Information, notification type 2 (PCI): take the oldest
 * queued PCI event off the queue and store it in the response area rsp of
 * len bytes (the part of the CHSC block after the 16-byte request, 4096 -
 * 16; the first 0x60 bytes are written), with the "more" flag when others
 * are queued. Returns 1 if an event was stored, 0 if none (response code
 * 0x0005), -1 with EINVAL when m or rsp is NULL or len is below 0x60. Once the queue is
 * empty, the next event raises a new CRW.
 */
ZV_API int zv_chsc_sei_nt2(struct zv_machine *m, uint8_t *rsp, size_t len);
/*
 * CHSC, for a binding without a channel subsystem of its own: answer the
 * command in the 4096-byte block at blk (the request header, then the
 * response after its length): Store Event Information (0x000e, a request
 * length of 16; other lengths get 0x0004) from the
 * PCI events (zv_chsc_sei_nt2()) when notification type 2 or none is
 * asked for, "no event" (0x0005) for other types, "command not
 * provided" (0x0004) for other commands. 0: the binding sets cc 0;
 * ZV_PGM_OPERAND: a request length that is not a multiple of 8 in
 * 16..4088; -1 with EINVAL for m or blk NULL.
 */
ZV_API int zv_chsc(struct zv_machine *m, uint8_t *blk);
/* STCRW: true, with *crw = 0x0b000000 (channel subsystem, event information
 * pending), when a CRW is waiting to be stored, which this clears; false
 * (*crw untouched) when none. One CRW stands for all events queued until
 * zv_chsc_sei_nt2() has emptied the queue. */
ZV_API bool zv_crw_take(struct zv_machine *m, uint32_t *crw);

/* ---- statistics ---------------------------------------------------------- */

enum zv_insn {
	ZV_INSN_CLP, ZV_INSN_PCILG, ZV_INSN_PCISTG, ZV_INSN_PCISTB, ZV_INSN_RPCIT,
	ZV_INSN_MPCIFC, ZV_INSN_STPCIFC, ZV_INSN_SIC, ZV_INSN_COUNT
};
/* The instruction's mnemonic ("CLP" ... "SIC"), "?" for a value outside the
 * enum; a static string, any thread. */
ZV_API const char *zv_insn_name(enum zv_insn i);

struct zv_stats {
	uint64_t intercepts[ZV_INSN_COUNT];
	uint64_t program_exceptions;
	uint64_t pages_mapped;		/* pages in host mappings created */
	uint64_t pages_unmapped;
	uint64_t map_calls;		/* backend map calls */
	uint64_t unmap_calls;
	uint64_t map_failures;		/* backend maps that failed other than ENOSPC */
	uint64_t unmap_failures;	/* backend unmaps that failed: fenced, retried */
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
	uint64_t reset_failures;	/* device resets that failed: permanent error */
	uint64_t region_failures;	/* BAR/config accesses the backend failed */
	uint64_t events_coalesced;	/* events equal to one still queued: not queued again */
	uint64_t events_dropped;	/* error events lost to a full queue (never
					 * availability events) */
	uint64_t region_mapped;		/* device region accesses through a mapping */
	uint64_t region_syscalls;	/* ... and through system calls (VFIO) */
};
/* Copy the machine's counters into *st: totals since zv_machine_create();
 * the dma_ and region_ counters are summed over the current functions'
 * devices. */
ZV_API void zv_stats_get(const struct zv_machine *m, struct zv_stats *st);

/* The linked library's version, "MAJOR.MINOR.PATCH" (a static string). Any
 * thread. */
ZV_API const char *zv_version(void);

#ifdef __cplusplus
}
#endif
#endif
