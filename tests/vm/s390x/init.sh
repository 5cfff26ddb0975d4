#!/bin/busybox sh
# /init of the tests/vm/s390x initramfs (PID 1, busybox sh, s390x).
# Loads vfio-pci, moves the zPCI virtio functions to it and runs zvfio.
# Every result is one line "ZVT: ok NAME" or "ZVT: FAIL NAME: why"; the
# host counts them, and "ZVT: done" says the run was complete.
# Kernel command line: zvt.shell=1 drops to a shell at the end.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp
# Unicorn reserves a 1 GiB translation buffer up front; in a 1 GiB VM the
# default heuristic refuses it ("Could not allocate dynamic translator buffer")
echo 1 >/proc/sys/vm/overcommit_memory

up() { cut -d' ' -f1 /proc/uptime; }
say() { echo "ZVT: $*"; }
ok() { say "ok $*"; }
fail() { say "FAIL $*"; }
# shellcheck disable=SC2013 # words, not lines
arg() { for w in $(cat /proc/cmdline); do case "$w" in "$1="*) echo "${w#*=}" ;; esac; done; }

# run NAME CMD...: CMD must exit 0; its output is shown, indented
run() {
	name=$1
	shift
	t0=$(up)
	"$@" >/tmp/out 2>&1
	rc=$?
	sed 's/^/ZVT:   /' /tmp/out
	if [ $rc -eq 0 ]; then ok "$name ($(awk -v a="$t0" -v b="$(up)" 'BEGIN { printf "%.1f s", b - a }'))"
	else fail "$name: exit $rc"; fi
	return $rc
}

say "kernel $(uname -r), init at uptime $(up) s"
for m in irqbypass vfio vfio_iommu_type1 vfio-pci-core vfio-pci; do
	[ -f /lib/modules/$m.ko ] || continue
	insmod /lib/modules/$m.ko 2>/tmp/err || fail "insmod $m: $(cat /tmp/err)"
done

# ---- the zPCI functions: virtio-rng (1af4:1044) and virtio-blk (1af4:1042),
# modern-only, so their device ids are 0x1040 + the virtio device id
# (uid 1 and 2), and a virtio-rng without iommu_platform (uid 3)
RNG='' BLK='' RNG_NOIOMMU=''
for d in /sys/bus/pci/devices/*; do
	[ -e "$d" ] || continue
	b=${d##*/}
	case "$(cat "$d"/vendor):$(cat "$d"/device):$(cat "$d"/uid)" in
	0x1af4:0x1044:0x1) RNG=$b ;;
	0x1af4:0x1042:0x2) BLK=$b ;;
	0x1af4:0x1044:0x3) RNG_NOIOMMU=$b ;;
	esac
	say "  $b $(cat "$d"/vendor):$(cat "$d"/device) uid=$(cat "$d"/uid 2>/dev/null) fid=$(cat "$d"/function_id 2>/dev/null) fh=$(cat "$d"/function_handle 2>/dev/null) pchid=$(cat "$d"/pchid 2>/dev/null) pfgid=$(cat "$d"/pfgid 2>/dev/null)"
done
if [ -n "$RNG" ] && [ -n "$BLK" ]; then ok "zpci-functions (virtio-rng $RNG, virtio-blk $BLK)"
else fail "zpci-functions: virtio-rng '${RNG}' virtio-blk '${BLK}'"; fi

bind_vfio() {
	D=/sys/bus/pci/devices/$1
	[ -e "$D" ] || { fail "vfio-bind $1: no such function"; return 1; }
	[ -e "$D/driver" ] && echo "$1" >"$D/driver/unbind"
	echo vfio-pci >"$D/driver_override"
	echo "$1" >/sys/bus/pci/drivers_probe
	drv=$(readlink "$D/driver"); drv=${drv##*/}
	grp=$(readlink "$D/iommu_group"); grp=${grp##*/}
	if [ "$drv" = vfio-pci ] && [ -c "/dev/vfio/$grp" ]; then ok "vfio-bind $1 (group $grp)"
	else fail "vfio-bind $1: driver '$drv', group '$grp'"; dmesg | tail -5; return 1; fi
}
for f in $RNG $BLK $RNG_NOIOMMU; do bind_vfio "$f"; done

if zvfio --help 2>&1 | grep -q '^usage: zvfio'; then ok zvfio-help; else fail "zvfio-help: no usage"; fi
# the software machine on a big-endian host kernel, with an emulated device:
# bring-up, CLP and STPCIFC answers, DMA with interrupts. Small: Unicorn
# nested in TCG takes 1-15 s for it, varying from run to run
run softcpu-emu-bringup zvfio run -q --timeout 200 --mem 64M --guest /bringup.elf \
	--device emu:dma --args fns=1

# the host's functions as zvfio sees them: zPCI attributes from sysfs
if run zvfio-list zvfio list; then
	for f in $RNG $BLK; do
		grep -q "$f" /tmp/out || fail "zvfio-list: $f not listed"
	done
fi
if run zvfio-list-json zvfio list --json; then
	grep -q '"uid"' /tmp/out || fail "zvfio-list-json: no uid field"
fi

# the driver refuses a device that would DMA past the IOMMU
if [ -n "$RNG_NOIOMMU" ]; then
	zvfio run -q --timeout 300 --mem 64M --device "vfio:$RNG_NOIOMMU" --guest /virtio.elf >/tmp/out 2>&1
	rc=$?
	if [ $rc = 1 ] && grep -q 'lacks VERSION_1 or ACCESS_PLATFORM' /tmp/out; then
		ok "virtio-detects-no-access-platform"
	else
		sed 's/^/ZVT:   /' /tmp/out
		fail "virtio-detects-no-access-platform: exit $rc"
	fi
else
	fail "virtio-detects-no-access-platform: no function with uid 3"
fi

# the virtio driver in a softcpu guest, both functions passed through
if [ -n "$RNG" ] && [ -n "$BLK" ]; then
	run virtio-vfio zvfio run --timeout 300 --mem 64M --device "vfio:$RNG" --device "vfio:$BLK" \
		--guest /virtio.elf --args "fns=2 bytes=65536 batch=2 capacity=8192"
	grep -q '^virtio-rng: [0-9]* bytes' /tmp/out || fail "virtio-vfio: no virtio-rng result"
	grep -q '^virtio-blk: wrote and read back .*identical' /tmp/out || fail "virtio-vfio: no virtio-blk result"
	# CLP answered from the host's zPCI capabilities: a simulated group
	# (0xf0 up) per host group, with the host group's noi, mui and MSI
	# address, and the host's DMA window start (QEMU's functions: noi 128,
	# mui 4000, msi_addr 0xfe00000000000000, start_dma 0x100000000)
	n=$(grep -c 'group 0xf[0-9a-d] (noi 128, mui 4000, msia 0xfe00000000000000), DMA window 0x100000000-' /tmp/out)
	[ "$n" = 2 ] || fail "virtio-vfio: CLP did not answer from the host's zPCI capabilities ($n of 2)"
	# s390 BARs cannot be mmapped: every access is a region read or write
	grep -q '^device regions (VFIO): 0 accesses through mappings, [1-9][0-9]* through system calls' \
		/tmp/out || fail "virtio-vfio: BAR accesses not all through system calls"
	for f in $RNG $BLK; do
		v=$(cat "/sys/bus/pci/devices/$f/vendor")
		[ "$v" = 0x1af4 ] || fail "function $f after the run: vendor $v (error state?)"
	done
	# again (the devices were reset and released), with an identity given
	run virtio-vfio-again zvfio run -q --timeout 300 --mem 64M --device "vfio:$RNG,iommu=type1,uid=7,fid=9" \
		--guest /virtio.elf --args "fns=1 bytes=16384" &&
		{ grep -q '^fid 9 uid 7: 1af4:1044' /tmp/out || fail "virtio-vfio-again: uid 7 fid 9 not seen"; }
	# with no uid= given, a function keeps the host's UID when the host
	# checks UIDs for uniqueness (Linux names it after the UID); else the
	# lowest free one. The blk function alone: host UID 2, lowest free 1.
	want=1
	[ "$(cat /sys/bus/pci/devices/$BLK/uid_is_unique 2>/dev/null)" = 1 ] &&
		want=$(($(cat /sys/bus/pci/devices/$BLK/uid)))
	run virtio-blk-host-uid zvfio run -q --timeout 300 --mem 64M --device "vfio:$BLK" \
		--guest /virtio.elf --args "fns=1 capacity=8192" &&
		{ grep -q "^fid 0 uid $want: 1af4:1042" /tmp/out ||
			fail "virtio-blk-host-uid: want uid $want (uid_is_unique $(cat /sys/bus/pci/devices/$BLK/uid_is_unique))"; }
	# this kernel has no IOMMUFD (no /dev/vfio/devices): a clear one-line error
	zvfio run -q --mem 64M --device "vfio:$RNG,iommu=iommufd" --guest /virtio.elf >/tmp/out 2>&1
	rc=$?
	if [ $rc = 2 ] && [ "$(grep -c . /tmp/out)" = 1 ] && grep -q iommufd /tmp/out; then
		ok "vfio-iommufd-absent-is-an-error ($(cat /tmp/out))"
	else
		sed 's/^/ZVT:   /' /tmp/out
		fail "vfio-iommufd-absent-is-an-error: exit $rc"
	fi
fi
dmesg | grep -iE 'zpci|vfio|iommu' | grep -ivE 'registered|initialized' | tail -8 | sed 's/^/ZVT:   dmesg: /'

say "done at uptime $(up) s"
sync
if [ "$(arg zvt.shell)" = 1 ]; then
	echo "zvt: shell (poweroff -f to stop)"
	setsid cttyhack sh
fi
poweroff -f
