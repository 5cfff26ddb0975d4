/* SPDX-License-Identifier: MIT */
#include "zpci_fn.h"

#include "guest.h"

struct zdev *zpci_find(uint16_t vendor, uint16_t device)
{
	if (!nzdevs && clp_list() != 0x10)
		return NULL;
	for (unsigned i = 0; i < nzdevs; i++)
		if (zdevs[i].configured && zdevs[i].vendor == vendor && zdevs[i].device == device)
			return &zdevs[i];
	return NULL;
}

int zpci_bringup_fn(struct zdev *z)
{
	if (clp_query_fn(z) != 0x10)
		return -1;
	if (clp_query_grp(z) != 0x10)
		return -2;
	if (zpci_enable(z) != 0x10)
		return -3;
	if (zpci_dma_init(z))
		return -4;
	cfg_write(z, 4, 2, cfg_read(z, 4, 2) | 0x6);	/* memory space, bus master */
	return 0;
}

int zpci_msi_enable(struct zdev *z)
{
	unsigned cap = zpci_cap(z, 0x05);
	uint16_t ctl;

	if (!cap)
		return -1;
	ctl = (uint16_t)cfg_read(z, cap + 2, 2);
	cfg_write(z, cap + 4, 4, (uint32_t)z->msia);
	if (ctl & 0x80) {			/* 64-bit message address */
		cfg_write(z, cap + 8, 4, (uint32_t)(z->msia >> 32));
		cfg_write(z, cap + 12, 2, 0);
	} else {
		cfg_write(z, cap + 8, 2, 0);
	}
	/* one vector (multiple message enable 0), MSI enable */
	cfg_write(z, cap + 2, 2, (uint16_t)((ctl & ~0x70u) | 1));
	return 0;
}
