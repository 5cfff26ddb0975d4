#!/bin/busybox sh
# /init of tests/linux: report what Linux made of zvfio's PCI functions, in
# lines starting "ZVT " that tests/linux/run.sh reads: the functions after
# boot, a slot's power cycle, what the test driver (/zvtest.ko,
# tests/linux/zvtest) and the function measurement blocks report, the
# functions at the end, the kernel log; then power off.
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

# ---- the test driver (tests/linux/zvtest), when the initramfs has it -------
# fmb DEV TAG: Linux's view of the function measurement block (debugfs), on
# one line, once a sample newer than the call was stored
fmb() {
	local f="/sys/kernel/debug/pci/$1/statistics" s0 i=0
	s0=$(sed -n 's/^Samples: //p' "$f" 2>/dev/null)
	while [ $i -lt 100 ] && [ "$(sed -n 's/^Samples: //p' "$f" 2>/dev/null)" = "$s0" ]; do
		sleep 0.05
		i=$((i + 1))
	done
	echo "ZVT fmb $1 $2 waited=$i $(awk -F ':' '{ k = $1; gsub(/^[ \t]+/, "", k); gsub(/ /, "_", k);
		v = $2; gsub(/^[ \t]+/, "", v); sub(/ .*/, "", v); printf "%s=%s ", k, v }' "$f" 2>&1)"
}
# drv DEV TAG COMMAND: run a driver command, print its report
drv() {
	local p="/sys/bus/pci/devices/$1" rc=failed
	echo "$3" >"$p/zvtest_cmd" && rc=ok
	echo "ZVT drv $1 $2 cmd $3 $rc"
	sed "s/^/ZVT drv $1 $2 /" "$p/zvtest_report"
}
# window DEV TAG: the self-test between two measurement samples
window() {
	fmb "$1" "$2-before"
	drv "$1" "$2" selftest
	sleep 0.1	# deferred IOTLB flushes (6.12's flush queue) run
	fmb "$1" "$2-after"
}
# bound DEV: wait until the driver is bound to it (after recover)
bound() {
	local i=0
	while [ $i -lt 100 ] && ! [ -e "/sys/bus/pci/devices/$1/zvtest_cmd" ]; do
		sleep 0.05
		i=$((i + 1))
	done
	echo "ZVT drv $1 bound driver=$(basename "$(readlink "/sys/bus/pci/devices/$1/driver")") waited=$i"
}
if [ -e /zvtest.ko ]; then
	mount -t debugfs debugfs /sys/kernel/debug
	# zvtest.break=CHECK on the kernel command line: a check broken on purpose
	rc=failed
	# shellcheck disable=SC2046
	insmod /zvtest.ko $(sed -n 's/.*zvtest\.break=\([a-z0-9]*\).*/break_check=\1/p' /proc/cmdline) && rc=ok
	echo "ZVT drv insmod $rc"
	# shellcheck disable=SC2046
	set -- $(ls /sys/bus/pci/devices)
	for d; do bound "$d"; done
	for d; do window "$d" run1; done
	# an IOMMU fault on the first function; the operator recovers it
	# through sysfs, the driver binds again and works again
	drv "$1" fault fault
	fmb "$1" faulted
	rc=failed
	echo 1 >"/sys/bus/pci/devices/$1/recover" && rc=ok
	echo "ZVT drv $1 recover $rc"
	bound "$1"
	window "$1" run2
	# on the second, the driver asks Linux's automatic recovery for a reset
	if [ -n "${2:-}" ]; then
		echo auto >"/sys/bus/pci/devices/$2/zvtest_recovery"
		drv "$2" fault fault
		sleep 0.5
		# Linux does not register the measurement block again after its
		# reset: is it still updated? Restart it through debugfs.
		fmb "$2" recovered
		echo 0 >"/sys/kernel/debug/pci/$2/statistics"
		echo 1 >"/sys/kernel/debug/pci/$2/statistics"
		window "$2" run2
	fi
	sed 's/^/ZVT dbf pci_error /' /sys/kernel/debug/s390dbf/pci_error/hex_ascii
	echo "ZVT irqstat $(awk '$1 ~ /^(PCF|MSI|NMI):$/ { printf "%s%s ", $1, $2 }' /proc/interrupts)"
	rc=failed
	rmmod zvtest && rc=ok
	echo "ZVT drv rmmod $rc"
else
	echo "ZVT drv none"
fi
# the functions as they are at the end (recovery gave one a new handle)
fns fn
dmesg | sed 's/^/ZVT log /'
echo "ZVT done"
poweroff -f
