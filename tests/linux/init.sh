#!/bin/busybox sh
# /init of tests/linux: report what Linux made of zvfio's PCI functions, in
# lines starting "ZVT " that tests/linux/run.sh reads: the functions after
# boot, a slot's power cycle, the functions after it, the kernel log; then
# power off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "ZVT user space $(cut -d' ' -f1 /proc/uptime)"
# fns TAG: one line per PCI function
fns() {
	for d in /sys/bus/pci/devices/*; do
		[ -e "$d" ] || continue
		g=$(readlink "$d/iommu_group")
		echo "ZVT $1 ${d##*/} uid=$(cat "$d/uid") function_id=$(cat "$d/function_id")" \
			"function_handle=$(cat "$d/function_handle") id=$(cat "$d/vendor"):$(cat "$d/device")" \
			"group=${g##*/}"
	done
}
fns boot
# a line from the console: what tests/linux/run.sh gave zvfio's standard input
if read -t 10 line; then echo "ZVT read $line"; else echo "ZVT read nothing"; fi
# the first slot to standby (SCLP deconfigure) and back (configure)
for s in /sys/bus/pci/slots/*; do
	[ -e "$s/power" ] || continue
	echo 0 >"$s/power"
	echo "ZVT slot ${s##*/} off power=$(cat "$s/power") devices=$(ls /sys/bus/pci/devices | tr '\n' ' ')"
	echo 1 >"$s/power"
	sleep 1
	echo "ZVT slot ${s##*/} on power=$(cat "$s/power") devices=$(ls /sys/bus/pci/devices | tr '\n' ' ')"
	break
done
fns fn
dmesg | sed 's/^/ZVT log /'
echo "ZVT done"
poweroff -f
