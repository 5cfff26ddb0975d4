#!/bin/busybox sh
# /init of tests/linux: report what Linux made of zvfio's PCI functions, in
# lines starting "ZVT " that tests/linux/run.sh reads, then power off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "ZVT user space $(cut -d' ' -f1 /proc/uptime)"
for d in /sys/bus/pci/devices/*; do
	[ -e "$d" ] || continue
	g=$(readlink "$d/iommu_group")
	echo "ZVT fn ${d##*/} uid=$(cat "$d/uid") function_id=$(cat "$d/function_id")" \
		"function_handle=$(cat "$d/function_handle") id=$(cat "$d/vendor"):$(cat "$d/device")" \
		"group=${g##*/}"
done
dmesg | sed 's/^/ZVT log /'
echo "ZVT done"
poweroff -f
