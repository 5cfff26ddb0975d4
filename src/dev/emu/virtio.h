/* SPDX-License-Identifier: MIT */
/*
 * What an emulated virtio device over PCI needs of the Virtual I/O Device
 * (VIRTIO) Version 1.2 specification (OASIS, 2022): device status and
 * feature bits (sections 2.1, 2.2, 6), the PCI transport's capabilities
 * and common configuration (4.1), split virtqueues (2.7) and the block
 * device (5.2). All multi-byte fields are little-endian.
 */
#ifndef ZV_DEV_EMU_VIRTIO_H
#define ZV_DEV_EMU_VIRTIO_H

/* 2.1 device status */
#define VIRTIO_ST_ACKNOWLEDGE	0x01
#define VIRTIO_ST_DRIVER	0x02
#define VIRTIO_ST_DRIVER_OK	0x04
#define VIRTIO_ST_FEATURES_OK	0x08
#define VIRTIO_ST_NEEDS_RESET	0x40
#define VIRTIO_ST_FAILED	0x80

/* 6 reserved feature bits */
#define VIRTIO_F_INDIRECT_DESC	28
#define VIRTIO_F_EVENT_IDX	29
#define VIRTIO_F_VERSION_1	32
#define VIRTIO_F_ACCESS_PLATFORM 33

/* 4.1.2 PCI device ids: 0x1040 + device type (5: block device is 2) */
#define VIRTIO_PCI_VENDOR	0x1af4
#define VIRTIO_PCI_DEVICE_BASE	0x1040
#define VIRTIO_ID_BLOCK		2

/* 4.1.4 the vendor-specific capabilities (PCI capability id 0x09) */
#define PCI_CAP_ID_VNDR		0x09
#define VIRTIO_PCI_CAP_COMMON	1
#define VIRTIO_PCI_CAP_NOTIFY	2
#define VIRTIO_PCI_CAP_ISR	3
#define VIRTIO_PCI_CAP_DEVICE	4
#define VIRTIO_PCI_CAP_PCI_CFG	5
/* struct virtio_pci_cap: vndr, next, len, cfg_type, bar, id, 2 padding,
 * offset le32, length le32; NOTIFY adds notify_off_multiplier le32,
 * PCI_CFG adds pci_cfg_data[4] */
#define VIRTIO_CAP_CFG_TYPE	3
#define VIRTIO_CAP_BAR		4
#define VIRTIO_CAP_OFFSET	8
#define VIRTIO_CAP_LENGTH	12
#define VIRTIO_CAP_MULT		16
#define VIRTIO_CAP_DATA		16
#define VIRTIO_CAP_SIZE		16
#define VIRTIO_CAP_EXT_SIZE	20

/* 4.1.4.3 common configuration */
#define VIRTIO_CC_DFSELECT	0x00	/* le32 device_feature_select */
#define VIRTIO_CC_DF		0x04	/* le32 device_feature (RO) */
#define VIRTIO_CC_GFSELECT	0x08	/* le32 driver_feature_select */
#define VIRTIO_CC_GF		0x0c	/* le32 driver_feature */
#define VIRTIO_CC_MSIX		0x10	/* le16 config_msix_vector */
#define VIRTIO_CC_NUMQ		0x12	/* le16 num_queues (RO) */
#define VIRTIO_CC_STATUS	0x14	/* u8 device_status */
#define VIRTIO_CC_CFGGEN	0x15	/* u8 config_generation (RO) */
#define VIRTIO_CC_Q_SELECT	0x16	/* le16 */
#define VIRTIO_CC_Q_SIZE	0x18	/* le16 */
#define VIRTIO_CC_Q_MSIX	0x1a	/* le16 */
#define VIRTIO_CC_Q_ENABLE	0x1c	/* le16 */
#define VIRTIO_CC_Q_NOFF	0x1e	/* le16 queue_notify_off (RO) */
#define VIRTIO_CC_Q_DESC	0x20	/* le64 */
#define VIRTIO_CC_Q_AVAIL	0x28	/* le64 queue_driver */
#define VIRTIO_CC_Q_USED	0x30	/* le64 queue_device */
#define VIRTIO_CC_Q_NDATA	0x38	/* le16 queue_notify_data (RO) */
#define VIRTIO_CC_Q_RESET	0x3a	/* le16 queue_reset */
#define VIRTIO_CC_SIZE		0x3c
#define VIRTIO_MSI_NO_VECTOR	0xffff

/* 2.7.5 split virtqueue descriptors: addr le64, len le32, flags le16,
 * next le16; 2.7.6 available ring: flags, idx, ring[]; 2.7.8 used
 * ring: flags, idx, ring[] of {id le32, len le32} */
#define VIRTQ_DESC_SIZE		16
#define VIRTQ_DESC_F_NEXT	1
#define VIRTQ_DESC_F_WRITE	2
#define VIRTQ_DESC_F_INDIRECT	4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

/* 5.2.3 block device features */
#define VIRTIO_BLK_F_SEG_MAX	2
#define VIRTIO_BLK_F_RO		5
#define VIRTIO_BLK_F_BLK_SIZE	6
#define VIRTIO_BLK_F_FLUSH	9
#define VIRTIO_BLK_F_DISCARD	13

/* 5.2.4 struct virtio_blk_config */
#define VIRTIO_BLK_CFG_CAPACITY		0	/* le64, 512-byte sectors */
#define VIRTIO_BLK_CFG_SEG_MAX		12	/* le32 */
#define VIRTIO_BLK_CFG_BLK_SIZE		20	/* le32 */
#define VIRTIO_BLK_CFG_NUM_QUEUES	34	/* le16 */
#define VIRTIO_BLK_CFG_MAX_DISCARD	36	/* le32 max_discard_sectors */
#define VIRTIO_BLK_CFG_DISCARD_SEG	40	/* le32 max_discard_seg */
#define VIRTIO_BLK_CFG_DISCARD_ALIGN	44	/* le32 discard_sector_alignment */
#define VIRTIO_BLK_CFG_SIZE		64

/* 5.2.6 requests: type le32, reserved le32, sector le64; data; status u8 */
#define VIRTIO_BLK_T_IN		0
#define VIRTIO_BLK_T_OUT	1
#define VIRTIO_BLK_T_FLUSH	4
#define VIRTIO_BLK_T_GET_ID	8
#define VIRTIO_BLK_T_DISCARD	11
#define VIRTIO_BLK_HDR_SIZE	16
#define VIRTIO_BLK_ID_BYTES	20
#define VIRTIO_BLK_S_OK		0
#define VIRTIO_BLK_S_IOERR	1
#define VIRTIO_BLK_S_UNSUPP	2
/* a discard segment: sector le64, num_sectors le32, flags le32 */
#define VIRTIO_BLK_DISCARD_SEG_SIZE 16

#endif
