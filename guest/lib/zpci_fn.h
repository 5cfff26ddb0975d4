/* SPDX-License-Identifier: MIT */
/*
 * Single-function helpers for drivers of real devices (passed through with
 * vfio:, such as QEMU's edu and nvme): pick a function by its PCI ids and
 * bring only it up, interrupts left to the driver, since not every device
 * has the MSI-X that zpci_bringup_all() requires.
 */
#ifndef GUEST_ZPCI_FN_H
#define GUEST_ZPCI_FN_H

#include "zpci.h"

/* CLP LIST (once), then the first configured function with these ids;
 * NULL if there is none. */
struct zdev *zpci_find(uint16_t vendor, uint16_t device);
/* QUERY PCI FN and FNGRP, enable, register DMA translation, turn on
 * memory space and bus mastering. 0, or the failing step's negative
 * number (-1 query fn, -2 query group, -3 enable, -4 translation). */
int zpci_bringup_fn(struct zdev *z);
/* Program the MSI capability (id 5) the way Linux does on s390: message
 * address = the group's MSIA, data = vector 0, one vector, enabled.
 * Adapter interrupts must be registered first. -1 without MSI. */
int zpci_msi_enable(struct zdev *z);

#endif
