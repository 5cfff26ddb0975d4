#!/bin/busybox sh
# /init of the s390x Linux guest that the x86 VM suite's "linux" boot runs
# (tests/vm/x86/run.sh BOOTS=linux, `make check-vm-linux`): Debian's s390x
# kernel on zvfio's software machine inside the x86_64 VM, QEMU's nvme
# passed through VFIO to it as a zPCI function. Debian's own nvme driver
# binds it; dd writes zvn.mib= MiB (default 16) of a random pattern with
# O_DIRECT and reads it back. Lines start with "ZVN "; then power off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp
echo "ZVN user space $(cut -d' ' -f1 /proc/uptime)"
MIB=$(sed -n 's/.*zvn\.mib=\([0-9]*\).*/\1/p' /proc/cmdline)
MIB=${MIB:-16}
# the driver as users run it: no module parameters, its own 60 s admin and
# 30 s I/O timeouts (the machine does not fast-forward the guest's clock
# while a VFIO device may be busy, so they measure the device's real time)
for m in $(cat /lib/order); do
	insmod "/lib/$m.ko" || echo "ZVN module $m failed"
done
i=0
while [ ! -b /dev/nvme0n1 ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
c=/sys/class/nvme/nvme0
echo "ZVN nvme serial=$(cat $c/serial 2>/dev/null | tr -d ' ') model=$(cat $c/model 2>/dev/null | tr -s ' ' | tr ' ' _)" \
	"sectors=$(cat /sys/block/nvme0n1/size 2>/dev/null) pci=$(basename "$(readlink $c/device 2>/dev/null)")"
dd if=/dev/urandom of=/tmp/chunk bs=1M count=1 2>/dev/null
for i in $(seq "$MIB"); do cat /tmp/chunk; done >/tmp/pat
echo "ZVN pattern mib=$MIB md5=$(md5sum </tmp/pat | cut -d' ' -f1)"
t0=$(cut -d' ' -f1 /proc/uptime)
dd if=/tmp/pat of=/dev/nvme0n1 bs=1M oflag=direct 2>/dev/null
echo "ZVN write rc=$? t0=$t0 t1=$(cut -d' ' -f1 /proc/uptime)"
t0=$(cut -d' ' -f1 /proc/uptime)
dd if=/dev/nvme0n1 of=/tmp/back bs=1M count="$MIB" iflag=direct 2>/dev/null
echo "ZVN read rc=$? t0=$t0 t1=$(cut -d' ' -f1 /proc/uptime)"
echo "ZVN back md5=$(md5sum </tmp/back | cut -d' ' -f1)"
dmesg | grep -iE 'nvme|zpci|I/O error|WARNING|Oops|BUG' | sed 's/^/ZVN log /'
echo "ZVN done $(cut -d' ' -f1 /proc/uptime)"
poweroff -f
