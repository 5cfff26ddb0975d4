/* SPDX-License-Identifier: MIT */
/*
 * MSI (not MSI-X) for functions that have only that, such as QEMU's edu.
 * The engine owns the capability's registers past the header, as VFIO
 * expects of its users (the kernel only virtualizes them): message
 * control, address, data, and the mask and pending bits with per-vector
 * masking. Enabling routes 2^MME eventfds to the backend (VFIO's MSI
 * index); an event is the message {address, data | vector} to the zPCI
 * interrupt logic, exactly as an MSI-X entry's would be. Layout: PCI
 * Local Bus Specification 3.0, 6.8.1.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "arch/be.h"
#include "arch/codes.h"
#include "arch/pci.h"
#include "core.h"
#include "irq.h"
#include "msi.h"
#include "state.h"

static bool is64(const struct fn_msi *x)
{
	return x->caps & PCI_MSI_FLAGS_64BIT;
}

static unsigned off_data(const struct fn_msi *x)
{
	return is64(x) ? 0x0c : 0x08;
}

static unsigned off_mask(const struct fn_msi *x)
{
	return is64(x) ? 0x10 : 0x0c;
}

static unsigned vectors_capable(const struct fn_msi *x)
{
	unsigned mmc = (x->caps & PCI_MSI_FLAGS_QMASK) >> 1;	/* log2; 6 and 7 reserved */

	return 1u << (mmc > 5 ? 5 : mmc);
}

static uint16_t ctrl(const struct fn_msi *x)
{
	return le16_get(x->regs + PCI_MSI_FLAGS);
}

/* Vectors the guest enabled: 2^MME, at most what the device can. */
static unsigned vectors_enabled(const struct fn_msi *x)
{
	unsigned n = 1u << ((ctrl(x) & PCI_MSI_FLAGS_QSIZE) >> 4);

	return ctrl(x) & PCI_MSI_FLAGS_ENABLE ? (n < vectors_capable(x) ? n : vectors_capable(x)) : 0;
}

static uint32_t mask_bits(const struct fn_msi *x)
{
	return x->caps & PCI_MSI_FLAGS_MASKBIT ? le32_get(x->regs + off_mask(x)) : 0;
}

int msi_init(struct zv_function *f)
{
	struct fn_msi *x = &f->msi;
	uint8_t hdr[4];

	for (unsigned v = 0; v < PCI_MSI_MAX_VECS; v++)
		x->fds[v] = -1;
	if (!x->cap)
		return 0;
	if (f->dev->ops->region_read(f->dev, ZV_REGION_CONFIG, x->cap, hdr, sizeof(hdr)))
		return -1;
	x->caps = le16_get(hdr + PCI_MSI_FLAGS) &
		  (PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT | PCI_MSI_FLAGS_QMASK);
	x->len = (uint8_t)(off_data(x) + 2);
	if (x->caps & PCI_MSI_FLAGS_MASKBIT)
		x->len = (uint8_t)(off_mask(x) + 8);
	if (x->cap + x->len > PCI_CFG_SPACE_SIZE) {
		x->cap = 0;	/* a capability that runs off the header: ignore it */
		return 0;
	}
	memset(x->regs, 0, sizeof(x->regs));
	memcpy(x->regs, hdr, 2);
	le16_put(x->regs + PCI_MSI_FLAGS, x->caps);
	for (unsigned v = 0; v < vectors_capable(x); v++) {
		struct epoll_event ee = { .events = EPOLLIN | EPOLLET,	/* as MSI-X: msix.c */
					  .data.u64 = ep_tag(EP_MSI, f->idx, (uint16_t)v) };

		x->fds[v] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (x->fds[v] < 0 || epoll_ctl(f->m->epfd, EPOLL_CTL_ADD, x->fds[v], &ee)) {
			int e = errno;	/* EMFILE, ENOMEM, ... */

			msi_fini(f);
			errno = e;
			return -1;
		}
	}
	return 0;
}

void msi_fini(struct zv_function *f)
{
	struct fn_msi *x = &f->msi;

	if (x->live && f->dev->ops->set_msi)
		f->dev->ops->set_msi(f->dev, 0, NULL);
	x->live = 0;
	for (unsigned v = 0; v < PCI_MSI_MAX_VECS; v++)
		if (x->fds[v] >= 0) {
			epoll_ctl(f->m->epfd, EPOLL_CTL_DEL, x->fds[v], NULL);
			close(x->fds[v]);
			x->fds[v] = -1;
		}
}

bool msi_enabled(const struct zv_function *f)
{
	return f->msi.cap && vectors_enabled(&f->msi);
}

unsigned msi_vectors(const struct zv_function *f)
{
	return f->msi.cap ? vectors_enabled(&f->msi) : 0;
}

/* The message vector vec sends, its eventfd and mask, for irqfd routes. */
int msi_message(const struct zv_function *f, unsigned vec, uint64_t *addr, uint32_t *data,
		int *fd, bool *masked)
{
	const struct fn_msi *x = &f->msi;
	unsigned n = vectors_enabled(x);

	if (vec >= n) {
		errno = EINVAL;
		return -1;
	}
	*addr = le32_get(x->regs + PCI_MSI_ADDR_LO) & ~3u;
	if (is64(x))
		*addr |= (uint64_t)le32_get(x->regs + PCI_MSI_ADDR_LO + 4) << 32;
	/* with several vectors the function sets the data's low bits */
	*data = (le16_get(x->regs + off_data(x)) & ~(n - 1)) | vec;
	*fd = x->fds[vec];
	*masked = (mask_bits(x) >> vec) & 1;
	return 0;
}

/* The message vector v sends goes to the zPCI interrupt logic. */
static void deliver(struct zv_function *f, unsigned v)
{
	uint64_t addr;
	uint32_t data;
	bool masked;
	int fd;

	if (msi_message(f, v, &addr, &data, &fd, &masked) == 0)
		irq_msi(f, addr, data, v);
}

static void drain(struct fn_msi *x)
{
	uint64_t c;

	for (unsigned v = 0; v < PCI_MSI_MAX_VECS; v++)
		while (x->fds[v] >= 0 && read(x->fds[v], &c, sizeof(c)) == sizeof(c))
			;
}

/* Route the enabled vectors to the backend after a control write. */
static void apply(struct zv_function *f)
{
	struct fn_msi *x = &f->msi;
	unsigned n = vectors_enabled(x);

	if (n == x->live || !f->dev->ops->set_msi)
		return;
	if (x->live)
		f->dev->ops->set_msi(f->dev, 0, NULL);
	x->live = 0;
	if (!n) {
		drain(x);
		x->pending = 0;
		return;
	}
	if (f->dev->ops->set_msi(f->dev, n, x->fds) == 0) {
		x->live = n;
	} else {
		/* the host gave no vectors: as for MSI-X (msix.c) */
		f->m->st.irq_route_failures++;
		fn_set_error(f, ZPCI_PEC_SERR, 0, true);
	}
}

void msi_event(struct zv_function *f, unsigned v)
{
	struct fn_msi *x = &f->msi;

	if (v >= vectors_enabled(x) || (x->bypass & (1u << v)))	/* irqfd: see msix_event */
		return;
	if (mask_bits(x) & (1u << v)) {
		x->pending |= 1u << v;	/* delivered on unmask */
		f->m->st.irqs_pending_pba++;
		return;
	}
	deliver(f, v);
}

void msi_reset(struct zv_function *f)
{
	struct fn_msi *x = &f->msi;

	if (!x->cap)
		return;
	memset(x->regs + PCI_MSI_FLAGS, 0, sizeof(x->regs) - PCI_MSI_FLAGS);
	le16_put(x->regs + PCI_MSI_FLAGS, x->caps);
	fn_irq_changed(f);
	apply(f);
	x->pending = 0;
}

/*
 * Serve the bytes of a config access that fall in the capability's
 * registers (past its ID and next pointer); the others go to the device.
 * Returns false when the access does not touch them.
 */
bool msi_cfg_access(struct zv_function *f, uint64_t off, uint8_t *buf, size_t len, bool write)
{
	struct fn_msi *x = &f->msi;
	uint64_t lo = x->cap + PCI_MSI_FLAGS, hi = x->cap + x->len;
	uint32_t old_mask;

	if (!x->cap || off >= hi || off + len <= lo)
		return false;
	if (!write) {
		if (f->dev->ops->region_read(f->dev, ZV_REGION_CONFIG, off, buf, len))
			return false;	/* the caller reports it */
		for (size_t i = 0; i < len; i++) {
			uint64_t o = off + i - x->cap;

			if (off + i < lo || off + i >= hi)
				continue;
			buf[i] = x->regs[o];
			if (x->caps & PCI_MSI_FLAGS_MASKBIT && o >= off_mask(x) + 4u)
				buf[i] = (uint8_t)(x->pending >> (8 * (o - off_mask(x) - 4)));
		}
		return true;
	}
	old_mask = mask_bits(x);
	fn_irq_changed(f);
	for (size_t i = 0; i < len; i++) {
		uint64_t o = off + i - x->cap;

		if (off + i < lo || off + i >= hi) {
			/* outside the registers: the device's own bytes */
			f->dev->ops->region_write(f->dev, ZV_REGION_CONFIG, off + i, buf + i, 1);
			continue;
		}
		if (o == PCI_MSI_FLAGS || o == PCI_MSI_FLAGS + 1)
			continue;		/* below */
		else if (o == PCI_MSI_ADDR_LO)
			x->regs[o] = buf[i] & 0xfc;	/* dword-aligned */
		else if (o == off_data(x) + 2 || o == off_data(x) + 3)
			continue;		/* reserved after the data */
		else if (x->caps & PCI_MSI_FLAGS_MASKBIT && o >= off_mask(x) + 4u)
			continue;		/* pending bits are read-only */
		else
			x->regs[o] = buf[i];
	}
	/* message control: enable and MME (bits 4-6) are writable, the
	 * capability bits and the high byte are not */
	if (off <= lo && off + len > lo) {
		uint8_t b = buf[lo - off];

		x->regs[PCI_MSI_FLAGS] = (uint8_t)((b & (PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE)) |
						   (x->caps & PCI_MSI_FLAGS_QMASK) |
						   (x->caps & PCI_MSI_FLAGS_64BIT));
	}
	apply(f);
	/* unmasked vectors with pending messages: deliver them now */
	for (unsigned v = 0; v < vectors_enabled(x); v++)
		if ((old_mask & ~mask_bits(x) & (1u << v)) && (x->pending & (1u << v))) {
			x->pending &= ~(1u << v);
			deliver(f, v);
		}
	return true;
}
