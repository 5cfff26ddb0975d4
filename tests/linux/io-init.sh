#!/bin/busybox sh
# /init of the Linux I/O check (tests/linux/io.sh): Debian's own virtio_pci
# and virtio_blk modules bind zvfio's emu:virtio-blk functions; dd moves
# zvio.mib= MiB (kernel command line, default 64) to /dev/vda and back with
# O_DIRECT, then the next as many through the page cache (synced, the cache
# dropped before reading back); each read is checksummed here and the host
# checksums its file after the run. On /dev/vdb: mke2fs, mount (ext4's
# driver), a file copied in, unmounted, mounted again and read back. Lines
# start with "ZVIO "; times are the guest's; then power off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp /mnt
echo "ZVIO user space $(cut -d' ' -f1 /proc/uptime)"
MIB=$(sed -n 's/.*zvio\.mib=\([0-9]*\).*/\1/p' /proc/cmdline)
MIB=${MIB:-64}
# the guest's monotonic clock in seconds: /proc/timer_list has nanoseconds,
# /proc/uptime only hundredths
up() {
	awk '/^now at / { printf "%.6f\n", $3 / 1e9; found = 1; exit } END { if (!found) exit 1 }' \
		/proc/timer_list 2>/dev/null || cut -d' ' -f1 /proc/uptime
}
# the modules the initramfs holds, in dependency order
for m in $(cat /lib/order); do
	if insmod "/lib/$m.ko"; then echo "ZVIO module $m"; else echo "ZVIO module $m failed"; fi
done
i=0
while { [ ! -b /dev/vda ] || [ ! -b /dev/vdb ]; } && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
for b in vda vdb; do
	echo "ZVIO disk $b sectors=$(cat /sys/block/$b/size 2>/dev/null)" \
		"serial=$(cat /sys/block/$b/serial 2>/dev/null)" \
		"driver=$(basename "$(readlink /sys/block/$b/device/driver 2>/dev/null)")"
done

# timed NAME dd-args...: one dd, its seconds and whether it succeeded
timed() {
	local name=$1 t0 t1 rc
	shift
	t0=$(up)
	dd "$@" 2>/tmp/dd.err
	rc=$?
	t1=$(up)
	echo "ZVIO $name rc=$rc t0=$t0 t1=$t1 $(tail -1 /tmp/dd.err)"
}
dd if=/dev/urandom of=/tmp/chunk bs=1M count=1 2>/dev/null
for i in $(seq "$MIB"); do cat /tmp/chunk; done >/tmp/pat
echo "ZVIO pattern mib=$MIB md5=$(md5sum </tmp/pat | cut -d' ' -f1)"
timed direct-write if=/tmp/pat of=/dev/vda bs=1M oflag=direct
timed direct-read if=/dev/vda of=/tmp/back bs=1M count="$MIB" iflag=direct
echo "ZVIO direct-back md5=$(md5sum </tmp/back | cut -d' ' -f1)"
rm -f /tmp/back
timed buffered-write if=/tmp/pat of=/dev/vda bs=1M seek="$MIB" conv=fsync
echo 3 >/proc/sys/vm/drop_caches
timed buffered-read if=/dev/vda of=/tmp/back bs=1M skip="$MIB" count="$MIB"
echo "ZVIO buffered-back md5=$(md5sum </tmp/back | cut -d' ' -f1)"
rm -f /tmp/back /tmp/pat

# a file system on the second disk
if mke2fs -q /dev/vdb >/tmp/fs.err 2>&1 && mount -t ext4 /dev/vdb /mnt 2>>/tmp/fs.err &&
	cp /tmp/chunk /mnt/chunk && umount /mnt && mount -t ext4 /dev/vdb /mnt 2>>/tmp/fs.err; then
	echo "ZVIO fs md5=$(md5sum </mnt/chunk | cut -d' ' -f1) want=$(md5sum </tmp/chunk | cut -d' ' -f1)"
	umount /mnt && echo "ZVIO fs umount ok"
else
	echo "ZVIO fs failed: $(tr '\n' ' ' </tmp/fs.err)"
fi
dmesg | grep -iE 'virtio|vd[ab]|blk_update|I/O error|WARNING|Oops|BUG|EXT[24]' | sed 's/^/ZVIO log /'
echo "ZVIO done $(up)"
poweroff -f
