#!/bin/bash
# tests/linux/run.sh - Debian's unmodified s390x Linux on zvfio's software
# machine, with two emu:dma functions, checked from inside the guest.
#
# For each kernel (bookworm's 6.1 and bookworm-backports' 6.12, the newest
# of each, fetched once into the work dir through a private apt state), boots
# `zvfio run --kernel` with a busybox initramfs whose /init (init.sh) reports
# every PCI function's sysfs attributes, a line it reads from the console
# (zvfio's standard input), its IOMMU group, a slot's power cycle (SCLP
# deconfigure and configure) and the kernel log; then checks that
# each function zvfio created is there with the uid,
# function_id, function_handle and vendor/device zvfio gave it, in an IOMMU
# group of its own, that the kernel logged no zPCI error, no warning and no
# oops, that user space was reached and the guest powered off (exit 0).
#
# The initramfs also holds the test driver for emu:dma (tests/linux/zvtest),
# built for each kernel against Debian's linux-headers packages (fetched the
# same way, with the matching linux-kbuild for this machine; driver.sh): /init
# loads it and runs its self-test (MSI-X, DMA through the s390 IOMMU, PCISTB)
# on each function between two samples of Linux's function measurement block
# (debugfs), makes each function fault on an unmapped I/O address and
# recovers one through sysfs "recover", the other through Linux's automatic
# recovery, and tests both again; driver.sh compares the driver's counts,
# the measurement blocks and zvfio's summary. No headers or no module: FAIL.
#
# Then, per kernel, the I/O check (io.sh, io-init.sh): a second boot with two
# emu:virtio-blk functions that Debian's own virtio_pci and virtio_blk
# modules bind; dd writes 64 MiB and reads it back with O_DIRECT and through
# the page cache, checksummed in the guest and in the host's file; an ext2
# file system on the second disk.
#
# Exit 0 when every check passed. Skips (exit 0, a loud "SKIPPED: why" line)
# only when not root or when the packages cannot be downloaded.
# Environment:
#   ZV_LINUX_WORK=/tmp/zv-linux   downloads (cached), initramfs, logs
#   ZV_LINUX_KERNELS="6.1 6.12"   which kernels
#   ZV_LINUX_REFRESH=1            download again (newest packages)
#   ZV_LINUX_MIRROR=              Debian mirror (default: the host apt's)
#   ZV_LINUX_TIMEOUT=300          seconds a boot may take
#   ZV_LINUX_IO_MIB=64            MiB the I/O check writes each way
#   ZV_LINUX_APPEND=              more kernel command line, e.g.
#                                 zvtest.break=msix to see a check fail
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
W=${ZV_LINUX_WORK:-/tmp/zv-linux}
ZVFIO=${ZVFIO:-$ROOT/build/zvfio}
TIMEOUT=${ZV_LINUX_TIMEOUT:-300}
ZV_LINUX_MUI=100	# the measurement blocks' update interval, ms (zvfio --mui)
IO_MIB=${ZV_LINUX_IO_MIB:-64}	# MiB the I/O check writes each way (io.sh)
pass=0
fail=0

log() { echo "[linux] $*" >&2; }
skip() { echo "SKIPPED: tests/linux: $*"; echo "linux: $pass passed, $fail failed"; exit 0; }
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

[ "$(id -u)" -eq 0 ] || skip "not root (needs apt-get for its packages)"
[ -x "$ZVFIO" ] || { bad "no $ZVFIO (make tool first)"; echo "linux: $pass passed, $fail failed"; exit 1; }
mkdir -p "$W" || exit 1
exec 9>"$W/lock"
flock -w 900 9 || { echo "linux: $W is locked by another run"; exit 1; }

"$ROOT/scripts/install-deps.sh" cpio gzip xz-utils kmod debian-archive-keyring >"$W/apt-host.log" 2>&1 ||
	skip "cannot install host packages (log: $W/apt-host.log)"
# the test driver's build: Debian's s390x cross compiler and what kbuild needs
drv_deps=ok
"$ROOT/scripts/install-deps.sh" make gcc-s390x-linux-gnu binutils-s390x-linux-gnu libelf1 libssl3 \
	>>"$W/apt-host.log" 2>&1 || drv_deps="cannot install the cross compiler (log: $W/apt-host.log)"

# ---- s390x packages through a private apt state (the host's apt untouched) --
# shellcheck source=../lib/s390x-apt.sh
. "$ROOT/tests/lib/s390x-apt.sh"
# shellcheck source=driver.sh
. "$HERE/driver.sh"
# shellcheck source=kernels.sh
. "$HERE/kernels.sh"
# shellcheck source=io.sh
. "$HERE/io.sh"

linux_fetch
linux_unpack || exit 1
# the test driver for each kernel, then one initramfs each: busybox, /init
# and its zvtest.ko
declare -A drv_ko drv_why
for k in ${ZV_LINUX_KERNELS:-6.1 6.12}; do
	case $k in
	6.1) deb=$(ls "$W"/debs/linux-image-6.1.0-*.deb 2>/dev/null | head -1) ;;
	*) deb=$(ls "$W"/debs/linux-image-"$k".*.deb 2>/dev/null | head -1) ;;
	esac
	if [ "$drv_deps" != ok ]; then
		drv_why[$k]=$drv_deps
	elif [ -z "$deb" ]; then
		drv_why[$k]="no kernel package"
	elif ! driver_fetch "$k" "$deb" 2>"$W/zvtest-$k.err"; then
		drv_why[$k]="cannot fetch the headers: $(cat "$W/zvtest-$k.err")"
	elif ! drv_ko[$k]=$(driver_build "$k" "$deb" 2>>"$W/zvtest-$k.err"); then
		drv_why[$k]="cannot build the module: $(cat "$W/zvtest-$k.err")"
	fi
	cat "$W/zvtest-$k.err" >&2
done
rd=$W/initramfs
for k in ${ZV_LINUX_KERNELS:-6.1 6.12}; do
	rm -rf "$rd" && mkdir -p "$rd"/{bin,proc,sys,dev} || exit 1
	cp "$W/bb/bin/busybox" "$rd/bin/" && install -m 755 "$HERE/init.sh" "$rd/init" &&
		{ [ -z "${drv_ko[$k]:-}" ] || cp "${drv_ko[$k]}" "$rd/zvtest.ko"; } &&
		(cd "$rd" && find . | cpio -o -H newc --quiet | gzip -1 >"$W/initrd-$k.gz") ||
		{ bad "initramfs"; exit 1; }
done

# ---- boot and check -----------------------------------------------------------
# check_boot NAME CONSOLE-LOG HOST-LOG: what the guest saw against what zvfio made
check_boot() {
	local k=$1 out=$2 err=$3 line bdf uid fid fh n=0 groups
	grep -q '^ZVT user space' "$out" && ok "$k: user space reached" || bad "$k: user space not reached"
	grep -q '^ZVT done' "$out" && ok "$k: /init completed" || bad "$k: /init did not complete"
	grep -q "^ZVT read zvfio-console-input-$k\$" "$out" && ok "$k: a line of standard input read on the console" ||
		bad "$k: console input: $(grep '^ZVT read' "$out")"
	# "  0001:emu:dma  uid 1  fid 0  fh 81020000  enabled" from the summary
	while read -r name _ uid _ fid _ fh _; do
		n=$((n + 1))
		bdf=$(printf '%04x:00:00.0' "$uid")
		line=$(grep "^ZVT fn $bdf " "$out")
		if [ -z "$line" ]; then
			bad "$k: function uid $uid ($name) not in /sys/bus/pci/devices"
			continue
		fi
		[[ $line == *" uid=$(printf '0x%x' "$uid") "* ]] && [[ $line == *" function_id=$(printf '0x%08x' "$fid") "* ]] &&
			[[ $line == *" function_handle=0x$fh "* ]] && [[ $line == *" id=0x1234:0x7a76 "* ]] &&
			ok "$k: $bdf uid, function_id, function_handle and vendor/device as zvfio gave them" ||
			bad "$k: $bdf: guest sees '$line', zvfio made uid $uid fid $fid fh $fh"
	done < <(grep -E '^  [0-9a-f]{4}:emu:dma ' "$err")
	[ "$n" -eq 2 ] || bad "$k: the summary names $n functions, not 2"
	# Debian compresses 6.1 with XZ, 6.12 with zstd: the host decompressed
	# it and the guest's decompressor was skipped (src/hv/payload.c)
	local fmt=xz
	[ "$k" = 6.1 ] || fmt=zstd
	grep -qE "^kernel: $fmt payload decompressed on the host \([0-9]+ bytes at 0x[0-9a-f]+," "$err" &&
		ok "$k: its $fmt payload decompressed on the host, the guest's decompressor skipped" ||
		bad "$k: payload: $(grep '^kernel:' "$err")"
	# at boot, the same functions (the handle then had another enable count)
	[ "$(grep -c '^ZVT boot 000[12]:00:00.0 uid=0x[12] .* id=0x1234:0x7a76 ' "$out")" -eq 2 ] &&
		ok "$k: both functions enumerated at boot" || bad "$k: at boot: $(grep '^ZVT boot' "$out")"
	groups=$(grep '^ZVT fn ' "$out" | sed -n 's/.* group=\([0-9]*\).*/\1/p')
	[ "$(echo "$groups" | sort -u | grep -c .)" -eq 2 ] && ok "$k: each function in an IOMMU group of its own" ||
		bad "$k: IOMMU groups: $(echo $groups)"
	# slot 00000000 (fid 0, uid 1): off, then on again
	grep -q '^ZVT slot 00000000 off power=0 devices=0002:00:00.0 $' "$out" &&
		ok "$k: slot power 0 takes the function to standby (SCLP deconfigure)" ||
		bad "$k: slot off: $(grep '^ZVT slot .* off' "$out")"
	grep -q '^ZVT slot 00000000 on power=1 devices=0001:00:00.0 0002:00:00.0 $' "$out" &&
		ok "$k: slot power 1 brings it back (SCLP configure)" ||
		bad "$k: slot on: $(grep '^ZVT slot .* on' "$out")"
	# the driver's faults make these, on purpose (driver.sh checks them)
	expected='zpci: 000[12]:00:00.0: (Event 0x7 reports an error for PCI function 0x[07]|Automatic recovery failed after initial reporting)$'
	if grep -E '^ZVT log ' "$out" | grep -vE "$expected" | grep -qiE 'zpci.*(error|fail)|WARNING|Oops|Call Trace|BUG|\[#[0-9]+\]'; then
		bad "$k: the kernel logged:"
		grep -E '^ZVT log ' "$out" | grep -vE "$expected" |
			grep -iE 'zpci.*(error|fail)|WARNING|Oops|Call Trace|BUG|\[#[0-9]+\]|^ZVT log \[ *[0-9.]+\]  \[<' | head -12
	else
		ok "$k: no zPCI error (but the faults made on purpose), warning or oops in the kernel log"
	fi
}

for k in ${ZV_LINUX_KERNELS:-6.1 6.12}; do
	img=$(ls "$W/k$k"/boot/vmlinuz-* 2>/dev/null | head -1)
	[ -n "$img" ] || { bad "$k: no kernel image"; continue; }
	log "booting ${img##*/}"
	t0=$EPOCHREALTIME
	rm -f "$W/boot-$k.log" "$W/boot-$k.host.log"
	# standard input is the console's: a line, typed once /init runs (or
	# not at all when the run ends first)
	{
		for _ in $(seq $((TIMEOUT * 2 + 60))); do
			grep -q '^ZVT user space' "$W/boot-$k.log" 2>/dev/null && break
			grep -q '^exit status:' "$W/boot-$k.host.log" 2>/dev/null && exit 0
			sleep 0.5
		done
		echo "zvfio-console-input-$k"
	} | timeout $((TIMEOUT + 30)) "$ZVFIO" run --kernel "$img" --initrd "$W/initrd-$k.gz" \
		--append "console=ttysclp0 nosmp quiet ${ZV_LINUX_APPEND:-}" --timeout "$TIMEOUT" --mui "$ZV_LINUX_MUI" \
		--device emu:dma,uid=1 --device emu:dma,uid=2,fid=7 >"$W/boot-$k.log" 2>"$W/boot-$k.host.log"
	rc=${PIPESTATUS[1]}
	tr -d '\r' <"$W/boot-$k.log" >"$W/boot-$k.txt"	# the console's line ends
	secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	[ $rc -eq 0 ] && ok "$k: booted and powered off in $secs s (exit 0)" ||
		{ bad "$k: exit $rc after $secs s (logs: $W/boot-$k.log, $W/boot-$k.host.log)"; tail -5 "$W/boot-$k.host.log"; }
	grep -E 'first user-space instruction' "$W/boot-$k.host.log" | sed "s/^/    $k: /"
	check_boot "$k" "$W/boot-$k.txt" "$W/boot-$k.host.log"
	if [ -n "${drv_why[$k]:-}" ]; then
		bad "$k: test driver: ${drv_why[$k]}"
	else
		driver_check "$k" "$W/boot-$k.txt" "$W/boot-$k.host.log" 0001:00:00.0:0 0002:00:00.0:7
	fi
	# stock drivers: virtio_blk on two emu:virtio-blk functions (io.sh)
	mkdir -p "$W/io-$k"
	if io_initrd "$k" "$W/io-$k/initrd.gz"; then
		log "booting ${img##*/} for the I/O check ($IO_MIB MiB each way)"
		io_boot "$k" "$W/io-$k/initrd.gz" "$W/io-$k" "$IO_MIB"
		io_check "$k" "$W/io-$k" "$IO_MIB" $?
		echo "    $k io: $(io_summary "$IO_MIB" "$W/io-$k")"
		rm -f "$W/io-$k"/vd?.img
	else
		bad "$k io: cannot build the initramfs"
	fi
done
echo "linux: $pass passed, $fail failed"
[ $fail -eq 0 ]
