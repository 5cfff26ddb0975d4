/* SPDX-License-Identifier: MIT */
/*
 * MSI-X as the guest sees it: the engine keeps the vector table and PBA
 * itself (VFIO's kernel ignores guest writes to the real table) and gives
 * the backend one trigger eventfd per vector in use, incrementally: a
 * vector is attached the first time the guest unmasks it with MSI-X
 * enabled (runs of vectors in one call), and stays attached until MSI-X is
 * disabled; vector 0 is attached when MSI-X is enabled, so the device is
 * in MSI-X mode whenever the guest's view says so. Masking never touches
 * the backend — an event on a masked vector is held in the PBA and
 * delivered on unmask (kvmtool's reasoning: no SET_IRQS per mask change,
 * so no interrupt lost in a trigger swap).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "arch/be.h"
#include "arch/codes.h"
#include "arch/pci.h"
#include "core.h"
#include "irq.h"
#include "msix.h"
#include "state.h"

int msix_init(struct zv_function *f)
{
	struct fn_msix *x = &f->msix;

	if (!x->nvec)
		return 0;
	x->table = calloc(x->nvec, PCI_MSIX_ENTRY_SIZE);
	x->pba = calloc((x->nvec + 63) / 64, sizeof(uint64_t));
	x->attached = calloc((x->nvec + 63) / 64, sizeof(uint64_t));
	x->bypass = calloc((x->nvec + 63) / 64, sizeof(uint64_t));
	x->fds = malloc(x->nvec * sizeof(int));
	if (!x->table || !x->pba || !x->attached || !x->bypass || !x->fds)
		goto err;
	for (unsigned v = 0; v < x->nvec; v++)
		x->fds[v] = -1;
	/*
	 * Edge-triggered, and the dispatcher never reads these counters:
	 * every signal (eventfd_signal in the kernel, write(2) from a user
	 * space device) wakes the epoll entry anew, so an edge is exactly
	 * "signalled since the last report" -- what an MSI needs -- and the
	 * read(2) a level-triggered entry would need costs a system call per
	 * interrupt. The counter only grows (2^64 - 2 signals to saturate);
	 * drain() still empties it when MSI-X is switched off.
	 */
	for (unsigned v = 0; v < x->nvec; v++) {
		struct epoll_event ee = { .events = EPOLLIN | EPOLLET,
					  .data.u64 = ep_tag(EP_MSIX, f->idx, (uint16_t)v) };

		x->fds[v] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (x->fds[v] < 0 || epoll_ctl(f->m->epfd, EPOLL_CTL_ADD, x->fds[v], &ee))
			goto err;
		/* vectors come out of reset masked (PCI spec) */
		x->table[v * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_CTRL] = PCI_MSIX_ENTRY_CTRL_MASKBIT;
	}
	return 0;
err:
	{
		int e = errno ? errno : ENOMEM;	/* EMFILE from eventfd says more */

		msix_fini(f);
		errno = e;
	}
	return -1;
}

void msix_fini(struct zv_function *f)
{
	struct fn_msix *x = &f->msix;

	if (x->attached && (x->ctrl & PCI_MSIX_FLAGS_ENABLE))
		f->dev->ops->set_msix(f->dev, 0, 0, NULL);
	for (unsigned v = 0; x->fds && v < x->nvec; v++) {
		if (x->fds[v] >= 0) {
			epoll_ctl(f->m->epfd, EPOLL_CTL_DEL, x->fds[v], NULL);
			close(x->fds[v]);
		}
	}
	free(x->table);
	free(x->pba);
	free(x->attached);
	free(x->bypass);
	free(x->fds);
	x->table = NULL;
	x->pba = NULL;
	x->attached = NULL;
	x->bypass = NULL;
	x->fds = NULL;
}

static bool vec_masked(const struct fn_msix *x, unsigned v)
{
	return (x->ctrl & PCI_MSIX_FLAGS_MASKALL) ||
	       (x->table[v * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_CTRL] & PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

static bool is_attached(const struct fn_msix *x, unsigned v)
{
	return (x->attached[v / 64] >> (v % 64)) & 1;
}

/* Hand the backend the fds of vectors [v, v+n). */
static void attach(struct zv_function *f, unsigned v, unsigned n)
{
	struct fn_msix *x = &f->msix;

	if (f->dev->ops->set_msix(f->dev, v, n, x->fds + v) == 0) {
		for (unsigned k = v; k < v + n; k++)
			x->attached[k / 64] |= 1ULL << (k % 64);
	} else {
		/* the host gave no vectors: the guest must know, or it waits
		 * for interrupts that never come -- the error state with an
		 * event; tried again on the next unmask */
		f->m->st.irq_route_failures++;
		fn_set_error(f, ZPCI_PEC_SERR, v, true);
	}
}

/* Hand the backend the fds of every unmasked vector it does not have yet,
 * runs of consecutive vectors in one call. */
static void attach_unmasked(struct zv_function *f)
{
	struct fn_msix *x = &f->msix;

	if (!(x->ctrl & PCI_MSIX_FLAGS_ENABLE))
		return;
	for (unsigned v = 0; v < x->nvec;) {
		unsigned n = 0;

		while (v + n < x->nvec && !is_attached(x, v + n) &&
		       !(x->table[(v + n) * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_CTRL] &
			 PCI_MSIX_ENTRY_CTRL_MASKBIT))
			n++;
		if (!n) {
			v++;
			continue;
		}
		attach(f, v, n);
		v += n;
	}
}

static bool any_attached(const struct fn_msix *x)
{
	for (unsigned w = 0; w < (unsigned)(x->nvec + 63) / 64; w++)
		if (x->attached[w])
			return true;
	return false;
}

static bool pba_test_clear(struct fn_msix *x, unsigned v)
{
	uint64_t bit = 1ULL << (v % 64);
	bool was = (x->pba[v / 64] & bit) != 0;

	x->pba[v / 64] &= ~bit;
	return was;
}

/* The message in table entry v. */
static void entry_message(const struct fn_msix *x, unsigned v, uint64_t *addr, uint32_t *data)
{
	const uint8_t *e = x->table + v * PCI_MSIX_ENTRY_SIZE;

	*addr = le32_get(e + PCI_MSIX_ENTRY_ADDR_LO) |
		(uint64_t)le32_get(e + PCI_MSIX_ENTRY_ADDR_HI) << 32;
	*data = le32_get(e + PCI_MSIX_ENTRY_DATA);
}

int msix_message(const struct zv_function *f, unsigned vec, uint64_t *addr, uint32_t *data,
		 int *fd, bool *masked)
{
	const struct fn_msix *x = &f->msix;

	if (vec >= x->nvec) {
		errno = EINVAL;
		return -1;
	}
	entry_message(x, vec, addr, data);
	*fd = x->fds[vec];
	*masked = vec_masked(x, vec);
	return 0;
}

/* MSI-X delivery of vector v: the message goes to the zPCI interrupt logic. */
static void deliver(struct zv_function *f, unsigned v)
{
	uint64_t addr;
	uint32_t data;

	entry_message(&f->msix, v, &addr, &data);
	irq_msi(f, addr, data, v);
}

static void flush_pending(struct zv_function *f)
{
	struct fn_msix *x = &f->msix;

	if (!(x->ctrl & PCI_MSIX_FLAGS_ENABLE))
		return;
	for (unsigned v = 0; v < x->nvec; v++)
		if (!vec_masked(x, v) && pba_test_clear(x, v))
			deliver(f, v);
}

void msix_event(struct zv_function *f, unsigned v)
{
	struct fn_msix *x = &f->msix;

	if (v >= x->nvec || !(x->ctrl & PCI_MSIX_FLAGS_ENABLE))
		return;
	/* the binding's irqfd took it (the kernel read the eventfd; the
	 * edge still woke the machine's epoll) */
	if ((x->bypass[v / 64] >> (v % 64)) & 1)
		return;
	if (vec_masked(x, v)) {
		x->pba[v / 64] |= 1ULL << (v % 64);
		f->m->st.irqs_pending_pba++;
		return;
	}
	deliver(f, v);
}

static void drain(struct fn_msix *x)
{
	uint64_t c;

	for (unsigned v = 0; v < x->nvec; v++)
		while (read(x->fds[v], &c, sizeof(c)) == sizeof(c))
			;
}

void msix_ctrl_write(struct zv_function *f, uint16_t ctrl)
{
	struct fn_msix *x = &f->msix;
	bool was = x->ctrl & PCI_MSIX_FLAGS_ENABLE, now = ctrl & PCI_MSIX_FLAGS_ENABLE;

	if (!x->nvec)
		return;
	x->ctrl = ctrl;
	fn_irq_changed(f);
	if (was && !now) {
		f->dev->ops->set_msix(f->dev, 0, 0, NULL);
		memset(x->attached, 0, (x->nvec + 63) / 64 * sizeof(uint64_t));
		drain(x);
		memset(x->pba, 0, (x->nvec + 63) / 64 * sizeof(uint64_t));
	}
	attach_unmasked(f);
	/*
	 * MSI-X switched on with every vector masked (Linux's
	 * pci_alloc_irq_vectors(); request_irq() unmasks later): the device
	 * itself must be in MSI-X mode now, as the guest sees it, not at the
	 * first unmask -- a device may decide at that moment how it will
	 * interrupt (QEMU's NVMe marks a completion queue's vector usable
	 * only if MSI-X is on when the queue is made, and the admin queue is
	 * made before Linux's driver unmasks its vector). So vector 0 goes to
	 * the backend at once, as QEMU's vfio_msix_enable() does; its events
	 * wait in the PBA while it is masked.
	 */
	if (!was && now && !any_attached(x))
		attach(f, 0, 1);
	flush_pending(f);
}

void msix_reset(struct zv_function *f)
{
	struct fn_msix *x = &f->msix;

	if (!x->nvec)
		return;
	msix_ctrl_write(f, 0);
	fn_irq_changed(f);
	memset(x->table, 0, x->nvec * PCI_MSIX_ENTRY_SIZE);
	for (unsigned v = 0; v < x->nvec; v++)
		x->table[v * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_CTRL] = PCI_MSIX_ENTRY_CTRL_MASKBIT;
}

/* Byte ranges of the table and the PBA inside their BARs. */
static bool in_range(unsigned bar, uint64_t off, unsigned rbar, uint64_t start, uint64_t len)
{
	return bar == rbar && off >= start && off - start < len;
}

bool msix_hits_pba(const struct zv_function *f, unsigned bar, uint64_t off, size_t len)
{
	const struct fn_msix *x = &f->msix;
	uint64_t plen = (x->nvec + 63) / 64 * 8;

	return x->nvec && bar == x->pba_bar && off < x->pba_off + plen && off + len > x->pba_off;
}

/*
 * Serve the part of a BAR access that falls in the table or PBA; returns
 * true when the whole access was served here. Accesses that straddle the
 * table and ordinary registers are served byte-run by byte-run.
 */
bool msix_table_access(struct zv_function *f, unsigned bar, uint64_t off, uint8_t *buf, size_t len,
		       bool write)
{
	struct fn_msix *x = &f->msix;
	uint64_t tlen = (uint64_t)x->nvec * PCI_MSIX_ENTRY_SIZE, plen = (x->nvec + 63) / 64 * 8;
	bool any = false;

	if (!x->nvec || (bar != x->table_bar && bar != x->pba_bar))
		return false;
	for (size_t i = 0; i < len && !any; i++)
		any = in_range(bar, off + i, x->table_bar, x->table_off, tlen) ||
		      in_range(bar, off + i, x->pba_bar, x->pba_off, plen);
	if (!any)
		return false;

	size_t i = 0;
	while (i < len) {
		uint64_t o = off + i;
		size_t j = i;

		if (in_range(bar, o, x->table_bar, x->table_off, tlen)) {
			while (j < len && in_range(bar, off + j, x->table_bar, x->table_off, tlen))
				j++;
			uint64_t t = o - x->table_off;
			if (write) {
				unsigned first = (unsigned)(t / PCI_MSIX_ENTRY_SIZE);
				unsigned last = (unsigned)((t + (j - i) - 1) / PCI_MSIX_ENTRY_SIZE);

				memcpy(x->table + t, buf + i, j - i);
				fn_irq_changed(f);
				attach_unmasked(f);
				for (unsigned v = first; v <= last; v++)
					if ((x->ctrl & PCI_MSIX_FLAGS_ENABLE) && !vec_masked(x, v) &&
					    pba_test_clear(x, v))
						deliver(f, v);
			} else {
				memcpy(buf + i, x->table + t, j - i);
			}
		} else if (in_range(bar, o, x->pba_bar, x->pba_off, plen)) {
			while (j < len && in_range(bar, off + j, x->pba_bar, x->pba_off, plen))
				j++;
			if (!write) {	/* the PBA is read-only */
				for (size_t k = i; k < j; k++) {
					uint64_t p = off + k - x->pba_off;

					buf[k] = (uint8_t)(x->pba[p / 8] >> (8 * (p % 8)));
				}
			}
		} else {
			while (j < len && !in_range(bar, off + j, x->table_bar, x->table_off, tlen) &&
			       !in_range(bar, off + j, x->pba_bar, x->pba_off, plen))
				j++;
			int rc = write ? f->dev->ops->region_write(f->dev, bar, o, buf + i, j - i)
				       : f->dev->ops->region_read(f->dev, bar, o, buf + i, j - i);
			if (rc)
				memset(buf + i, 0xff, write ? 0 : j - i);
		}
		i = j;
	}
	return true;
}
