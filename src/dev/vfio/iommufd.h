/* SPDX-License-Identifier: MIT */
/*
 * The parts of the iommufd and VFIO cdev uapi (Linux 6.6+) zvfio uses,
 * for building against older kernel headers (Debian 12 ships 6.1's).
 * Layouts and numbers: include/uapi/linux/iommufd.h and
 * include/uapi/linux/vfio.h ("VFIO_DEVICE_BIND_IOMMUFD" and the two
 * after it).
 */
#ifndef ZV_DEV_VFIO_IOMMUFD_H
#define ZV_DEV_VFIO_IOMMUFD_H

#include <linux/ioctl.h>
#include <linux/types.h>
#include <linux/vfio.h>

#define ZV_IOMMUFD_TYPE ';'
#define ZV_IOMMUFD_CMD_IOAS_ALLOC 0x81
#define ZV_IOMMUFD_CMD_IOAS_IOVA_RANGES 0x84
#define ZV_IOMMUFD_CMD_IOAS_MAP 0x85
#define ZV_IOMMUFD_CMD_IOAS_UNMAP 0x86

struct zv_iommu_ioas_alloc {
	__u32 size, flags, out_ioas_id;
};
#define ZV_IOMMU_IOAS_ALLOC _IO(ZV_IOMMUFD_TYPE, ZV_IOMMUFD_CMD_IOAS_ALLOC)

struct zv_iommu_iova_range {
	__aligned_u64 start, last;	/* last is inclusive */
};

struct zv_iommu_ioas_iova_ranges {
	__u32 size, ioas_id, num_iovas, reserved;
	__aligned_u64 allowed_iovas, out_iova_alignment;
};
#define ZV_IOMMU_IOAS_IOVA_RANGES _IO(ZV_IOMMUFD_TYPE, ZV_IOMMUFD_CMD_IOAS_IOVA_RANGES)

#define ZV_IOMMU_IOAS_MAP_FIXED_IOVA (1u << 0)
#define ZV_IOMMU_IOAS_MAP_WRITEABLE (1u << 1)
#define ZV_IOMMU_IOAS_MAP_READABLE (1u << 2)
struct zv_iommu_ioas_map {
	__u32 size, flags, ioas_id, reserved;
	__aligned_u64 user_va, length, iova;
};
#define ZV_IOMMU_IOAS_MAP _IO(ZV_IOMMUFD_TYPE, ZV_IOMMUFD_CMD_IOAS_MAP)

struct zv_iommu_ioas_unmap {
	__u32 size, ioas_id;
	__aligned_u64 iova, length;
};
#define ZV_IOMMU_IOAS_UNMAP _IO(ZV_IOMMUFD_TYPE, ZV_IOMMUFD_CMD_IOAS_UNMAP)

struct zv_vfio_device_bind_iommufd {
	__u32 argsz, flags;
	__s32 iommufd;
	__u32 out_devid;
};
#define ZV_VFIO_DEVICE_BIND_IOMMUFD _IO(VFIO_TYPE, VFIO_BASE + 18)

struct zv_vfio_device_attach_iommufd_pt {
	__u32 argsz, flags, pt_id;
};
#define ZV_VFIO_DEVICE_ATTACH_IOMMUFD_PT _IO(VFIO_TYPE, VFIO_BASE + 19)

#endif
