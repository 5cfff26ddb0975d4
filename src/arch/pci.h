/* SPDX-License-Identifier: MIT */
/* PCI configuration-space layout the engine virtualizes (PCI Local Bus 3.0,
 * PCI Express base spec: standard header and the MSI-X capability). */
#ifndef ZV_ARCH_PCI_H
#define ZV_ARCH_PCI_H

#define PCI_VENDOR_ID      0x00
#define PCI_DEVICE_ID      0x02
#define PCI_COMMAND        0x04
#define PCI_COMMAND_MEMORY 0x0002
#define PCI_COMMAND_MASTER 0x0004
#define PCI_STATUS         0x06
#define PCI_STATUS_CAP_LIST 0x0010
#define PCI_REVISION_ID    0x08
#define PCI_CLASS_PROG     0x09
#define PCI_HEADER_TYPE    0x0e
#define PCI_BAR0           0x10
#define PCI_BAR_MEM_64     0x04
#define PCI_BAR_PREFETCH   0x08
#define PCI_BAR_IO         0x01
#define PCI_SUBSYS_VENDOR  0x2c
#define PCI_SUBSYS_ID      0x2e
#define PCI_CAP_PTR        0x34
#define PCI_CFG_SPACE_SIZE 256
#define PCI_CFG_SPACE_EXP_SIZE 4096

#define PCI_CAP_ID_MSI     0x05
#define PCI_MSI_FLAGS      2	/* u16 message control */
#define PCI_MSI_FLAGS_ENABLE 0x0001
#define PCI_MSI_FLAGS_QMASK  0x000e	/* multiple message capable, log2 */
#define PCI_MSI_FLAGS_QSIZE  0x0070	/* multiple message enable, log2 */
#define PCI_MSI_FLAGS_64BIT  0x0080
#define PCI_MSI_FLAGS_MASKBIT 0x0100	/* per-vector masking */
#define PCI_MSI_ADDR_LO    4
#define PCI_MSI_MAX_VECS   32
#define PCI_CAP_ID_MSIX    0x11
#define PCI_MSIX_FLAGS     2	/* u16 message control */
#define PCI_MSIX_FLAGS_QSIZE  0x07ff
#define PCI_MSIX_FLAGS_MASKALL 0x4000
#define PCI_MSIX_FLAGS_ENABLE 0x8000
#define PCI_MSIX_TABLE     4	/* u32: offset | BIR */
#define PCI_MSIX_PBA       8
#define PCI_MSIX_BIR_MASK  0x7
#define PCI_MSIX_CAP_SIZE  12

#define PCI_MSIX_ENTRY_SIZE 16
#define PCI_MSIX_ENTRY_ADDR_LO 0
#define PCI_MSIX_ENTRY_ADDR_HI 4
#define PCI_MSIX_ENTRY_DATA    8
#define PCI_MSIX_ENTRY_CTRL    12
#define PCI_MSIX_ENTRY_CTRL_MASKBIT 1

/* VFIO region indexes (linux/vfio.h), shared by every backend */
#define ZV_REGION_BAR0   0
#define ZV_REGION_BAR5   5
#define ZV_REGION_CONFIG 7
#define ZV_REGION_COUNT  9

#endif
