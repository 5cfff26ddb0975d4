/* SPDX-License-Identifier: MIT */
/*
 * emu:virtio-blk: a virtio 1.2 block device over PCI (modern only: no
 * legacy interface), backed by a host file. Layout (docs/DEVICES.md):
 * BAR 0 holds the virtio structures, BAR 2 the MSI-X table and PBA.
 */
#ifndef ZV_DEV_EMU_VIRTIO_BLK_H
#define ZV_DEV_EMU_VIRTIO_BLK_H

#define VBLK_BAR0_SIZE		0x4000
#define VBLK_COMMON_OFF		0x0000
#define VBLK_COMMON_LEN		0x0040
#define VBLK_ISR_OFF		0x1000
#define VBLK_ISR_LEN		0x0004
#define VBLK_DEVCFG_OFF		0x2000
#define VBLK_DEVCFG_LEN		0x0040
#define VBLK_NOTIFY_OFF		0x3000
#define VBLK_NOTIFY_LEN		0x0004
#define VBLK_NOTIFY_MULT	4

#define VBLK_MSIX_BAR		2
#define VBLK_BAR2_SIZE		0x1000
#define VBLK_MSIX_TABLE		0x000
#define VBLK_MSIX_PBA		0x800
#define VBLK_VECTORS		2	/* configuration changes, the request queue */

/* configuration space: the capability list */
#define VBLK_CAP_MSIX		0x40
#define VBLK_CAP_COMMON		0x4c
#define VBLK_CAP_NOTIFY		0x5c
#define VBLK_CAP_ISR		0x70
#define VBLK_CAP_DEVICE		0x80
#define VBLK_CAP_PCI_CFG	0x90

#define VBLK_QUEUE_SIZE		256
#define VBLK_SEG_MAX		(VBLK_QUEUE_SIZE - 2)	/* header and status take two */

#endif
