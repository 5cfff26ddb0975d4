/* SPDX-License-Identifier: MIT */
/* Adapter interruptions: AIBV and AISB bits, injection, AIS (SIC). */
#ifndef ZV_CORE_IRQ_H
#define ZV_CORE_IRQ_H

#include <stdint.h>

#include "zvfio/zvfio.h"

#define MSI_VEC_MASK 0x7ff	/* data bits naming the vector (QEMU ZPCI_MSI_VEC_MASK) */

/* An MSI message {addr, data} from vector vec of f: bits and injection, or
 * an error event when it is not a zPCI interrupt message. */
void irq_msi(struct zv_function *f, uint64_t addr, uint32_t data, unsigned vec);
void irq_inject(struct zv_machine *m, uint8_t isc);
/* SIC: 0, or -1 for a mode that does not exist. */
int irq_sic(struct zv_machine *m, uint16_t mode, uint8_t isc);

#endif
