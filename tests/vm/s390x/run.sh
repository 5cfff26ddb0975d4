#!/bin/bash
# tests/vm/s390x/run.sh - zvfio on a real s390x kernel, under QEMU TCG (no KVM).
#
# Boots Debian's bookworm-backports s390x kernel (bookworm's own 6.1 s390x
# kernel has no VFIO) under qemu-system-s390x with two zPCI virtio functions
# (virtio-rng and virtio-blk, iommu_platform=on so their DMA goes through the
# zPCI IOMMU, disable-legacy=on so they have no I/O BAR), binds them to
# vfio-pci, and runs zvfio built for s390x inside: `zvfio list`, the software
# machine with an emulated device, and guest/scenarios/virtio.c driving both
# real functions through `--device vfio:BDF` with MSI-X as adapter interrupts.
# Before booting, the unit tests and a few guest scenarios run under
# qemu-user (qemu-s390x): the same code on a big-endian host.
#
# Exit 0 when every test passed; non-zero on any failure. Skips (exit 0, a
# loud "SKIPPED: why" line) only when not root or when packages cannot be
# installed or downloaded.
#
# Usage: run.sh [all|build|boot|shell]      (default: all)
#   build  host packages, s390x packages, cross build, initramfs
#   boot   boot and run the tests in the VM only (after a build)
#   shell  boot to an interactive shell after the tests (Ctrl-a x quits)
# Environment:
#   ZV_VM_WORK=/tmp/zv-vm-s390x  work dir: downloads (cached), build, initramfs, logs
#   ZV_VM_REFRESH=1     download the s390x packages again (newest kernel)
#   ZV_VM_KERNEL_PKG=   exact kernel package (default: newest 6.x from bookworm-backports)
#   ZV_VM_MIRROR=       Debian mirror (default: the one the host's apt uses)
#   ZV_VM_BE_UNIT=0     skip the qemu-user (big-endian host) stage
#   ZV_VM_TIMEOUT=480   seconds before QEMU is killed
#   ZV_VM_SMP=1 ZV_VM_MEM=1024   VM vCPUs / MiB
#
# The host's apt configuration is not changed: s390x packages come through a
# private apt state directory in the work dir (apt-get download only), and
# the host gets only its own architecture's packages.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
W=${ZV_VM_WORK:-/tmp/zv-vm-s390x}
B=$W/build
TIMEOUT=${ZV_VM_TIMEOUT:-480}
T0=$EPOCHREALTIME
pass=0
fail=0

log() { printf '[vm-s390x %6.1fs] %s\n' "$(elapsed)" "$*" >&2; }
elapsed() { awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
skip() {
	echo "SKIPPED: tests/vm/s390x: $*"
	exit 0
}
die() {
	echo "vm-s390x: ERROR: $*" >&2
	echo "vm-s390x: $pass passed, $((fail + 1)) failed"
	exit 1
}
ok() { pass=$((pass + 1)); echo "ok   $1"; }
first() { echo "$1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

[ "$(id -u)" -eq 0 ] || skip "not root (needs apt-get for its packages)"
mkdir -p "$W" || die "cannot create $W"
# one run per work dir at a time
exec 9>"$W/lock"
flock -w 900 9 || die "$W is locked by another run"

# ---- host packages ---------------------------------------------------------
stage_deps() {
	if ! "$ROOT/scripts/install-deps.sh" qemu-system-misc qemu-user gcc-s390x-linux-gnu \
		libc6-dev-s390x-cross cpio xz-utils make debian-archive-keyring >"$W/apt-host.log" 2>&1; then
		tail -5 "$W/apt-host.log"
		skip "cannot install host packages (log: $W/apt-host.log)"
	fi
}

# ---- s390x packages, through a private apt state ---------------------------
# shellcheck source=../../lib/s390x-apt.sh
. "$ROOT/tests/lib/s390x-apt.sh"

have_debs() {
	ls "$W"/debs/linux-image-*.deb "$W"/debs/busybox-static_*.deb \
		"$W"/debs/libunicorn-dev_*.deb "$W"/debs/liblzma-dev_*.deb "$W"/debs/libzstd-dev_*.deb \
		>/dev/null 2>&1
}

stage_fetch() {
	if have_debs && [ -z "${ZV_VM_REFRESH:-}" ]; then
		log "s390x packages: cached in $W/debs"
	else
		mkdir -p "$W/debs"
		s390x_apt_init "$W" "${ZV_VM_MIRROR:-}" || skip "cannot set up the apt state in $W/apt"
		log "private apt update (s390x; bookworm, bookworm-backports; $APT_MIRROR)"
		apt-get "${APTOPTS[@]}" update -q --error-on=any >"$W/apt-s390x.log" 2>&1 ||
			skip "cannot reach the Debian archive for s390x packages (log: $W/apt-s390x.log)"
		local kpkg=${ZV_VM_KERNEL_PKG:-}
		if [ -z "$kpkg" ]; then
			# newest 6.x image built for bookworm (deb12): bookworm-backports
			# has CONFIG_VFIO=m, bookworm's 6.1 does not
			kpkg=$(apt-cache "${APTOPTS[@]}" search --names-only '^linux-image-[0-9].*-s390x$' |
				awk '{ print $1 }' | grep -v -- '-dbg$' | grep 'deb12' | sort -V | tail -1)
		fi
		[ -n "$kpkg" ] || skip "no bookworm-backports s390x kernel package found"
		log "downloading $kpkg busybox-static libunicorn-dev libunicorn2 liblzma-dev libzstd-dev (s390x)"
		rm -f "$W"/debs/*.deb
		(cd "$W/debs" && apt-get "${APTOPTS[@]}" download -q "$kpkg" busybox-static \
			libunicorn-dev libunicorn2 liblzma-dev libzstd-dev) >>"$W/apt-s390x.log" 2>&1 ||
			skip "cannot download the s390x packages (log: $W/apt-s390x.log)"
	fi
	have_debs || skip "s390x packages missing in $W/debs"
	local d stamp
	stamp=$(cd "$W/debs" && stat -c '%n %s %Y' ./*.deb | md5sum)
	if [ "$(cat "$W/extracted.stamp" 2>/dev/null)" != "$stamp" ]; then
		rm -rf "$W/kroot" "$W/bb" "$W/sysroot" "$W/extracted.stamp"
		mkdir -p "$W/kroot" "$W/bb" "$W/sysroot"
		for d in "$W"/debs/*.deb; do
			case ${d##*/} in
			linux-image-*) dpkg-deb -x "$d" "$W/kroot" ;;
			busybox-static_*) dpkg-deb -x "$d" "$W/bb" ;;
			libunicorn* | liblzma-dev* | libzstd-dev*) dpkg-deb -x "$d" "$W/sysroot" ;;
			esac || die "dpkg-deb -x $d failed"
		done
		echo "$stamp" >"$W/extracted.stamp"
	fi
	local cfg
	cfg=$(first "$W"/kroot/boot/config-*)
	grep -qE '^CONFIG_VFIO=(m|y)' "$cfg" || die "kernel $(basename "$cfg") has no VFIO"
	grep -qE '^CONFIG_S390_IOMMU=y' "$cfg" || die "kernel $(basename "$cfg") has no s390 IOMMU"
}

# ---- cross build -----------------------------------------------------------
# cross_make TARGET...: static (the initramfs then needs no shared
# libraries), against the s390x libunicorn unpacked in the sysroot
cross_make() {
	local sr=$W/sysroot
	make -C "$ROOT" -j"$(nproc)" BUILD="$B" CC=s390x-linux-gnu-gcc \
		CFLAGS="-I$sr/usr/include" LDFLAGS="-static -L$sr/usr/lib/s390x-linux-gnu" LDLIBS=-lm "$@"
}

stage_build() {
	log "building zvfio for s390x and the guest images into $B"
	cross_make tool guest >"$W/build.log" 2>&1 ||
		{ tail -30 "$W/build.log"; die "cross build failed (log: $W/build.log)"; }
	if ! s390x-linux-gnu-readelf -h "$B/zvfio" 2>/dev/null | grep -q 'IBM S/390' ||
		s390x-linux-gnu-readelf -l "$B/zvfio" | grep -q INTERP; then
		die "$B/zvfio is not a static s390x executable"
	fi
	[ -f "$B/guest/virtio.elf" ] || die "guest/scenarios/virtio.c did not build"
}

stage_initramfs() {
	local kdir kver rd=$W/initramfs m f
	kdir=$(first "$W"/kroot/lib/modules/*)
	kver=${kdir##*/}
	log "initramfs for $kver"
	rm -rf "$rd"
	mkdir -p "$rd"/{bin,sbin,proc,sys,dev,tmp,lib/modules}
	cp "$W/bb/bin/busybox" "$rd/bin/"
	install -m 755 "$HERE/init.sh" "$rd/init"
	s390x-linux-gnu-strip -o "$rd/bin/zvfio" "$B/zvfio" || die "strip failed"
	cp "$B/guest/virtio.elf" "$B/guest/bringup.elf" "$rd/"
	# vfio-pci and what it needs, decompressed (busybox insmod), in load order
	for m in virt/lib/irqbypass drivers/vfio/vfio drivers/vfio/vfio_iommu_type1 \
		drivers/vfio/pci/vfio-pci-core drivers/vfio/pci/vfio-pci; do
		f=$kdir/kernel/$m.ko
		if [ -f "$f.xz" ]; then xz -dc "$f.xz" >"$rd/lib/modules/${m##*/}.ko"
		elif [ -f "$f" ]; then cp "$f" "$rd/lib/modules/"
		elif ! grep -q "/${m##*/}.ko" "$kdir/modules.builtin" 2>/dev/null; then
			die "module $m not found in $kver"
		fi
	done
	(cd "$rd" && find . | cpio -o -H newc --quiet | gzip -1 >"$W/initrd.gz") || die "cpio failed"
	cp "$(first "$W"/kroot/boot/vmlinuz-*)" "$W/vmlinuz" || die "no kernel image"
}

# ---- the same code on a big-endian host, under qemu-user --------------------
stage_be_unit() {
	[ "${ZV_VM_BE_UNIT:-1}" = 0 ] && { log "qemu-user stage skipped (ZV_VM_BE_UNIT=0)"; return; }
	log "big-endian host: unit tests and guest scenarios under qemu-s390x"
	local t out rc
	if ! cross_make unit-bins >"$W/build-unit.log" 2>&1; then
		bad "be-host build of the unit tests (log: $W/build-unit.log)"
		tail -10 "$W/build-unit.log" | sed 's/^/    /'
	fi
	for t in "$B"/tests/*/test_* "$B"/tests/fuzz/fuzz_*; do
		case $t in *.d) continue ;; esac
		# emulation is ~10x slower: time bounds scaled, fuzzing shortened
		out=$(ZV_TEST_TIME_SCALE=20 ZV_FUZZ_ITERATIONS=300 timeout 300 qemu-s390x "$t" 2>&1)
		rc=$?
		if [ $rc -eq 0 ] && printf '%s\n' "$out" | tail -1 | grep -q ' 0 failed$'; then
			ok "be-host ${t#"$B"/tests/} ($(printf '%s\n' "$out" | tail -1))"
		else
			bad "be-host ${t#"$B"/tests/} (exit $rc)"
			printf '%s\n' "$out" | grep -v '^ok ' | tail -20 | sed 's/^/    /'
		fi
	done
	local z="timeout 120 qemu-s390x $B/zvfio run -q --timeout 100"
	be_run() {
		local name=$1 want=$2
		shift 2
		out=$($z "$@" 2>&1)
		rc=$?
		if [ $rc -eq "$want" ]; then ok "be-host $name"; else
			bad "be-host $name (exit $rc, want $want)"
			printf '%s\n' "$out" | tail -15 | sed 's/^/    /'
		fi
	}
	be_run dma-2fns 0 --guest "$B/guest/dma.elf" --device emu:dma --device emu:dma --args "mib=4 irqs=200 buf=1024"
	be_run interrupts-2fns 0 --guest "$B/guest/irq.elf" --device emu:dma --device emu:dma
	be_run fault-recovery 0 --guest "$B/guest/fault.elf" --device emu:dma
	be_run budget-64 0 --guest "$B/guest/budget.elf" --device emu:dma,maps=64
	be_run bad-operands 0 --guest "$B/guest/badops.elf" --device emu:dma
	out=$(timeout 120 qemu-s390x "$B/zvfio" bench irq --events 200 --guest "$B/guest/irqlat.elf" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && printf '%s' "$out" | grep -q 'p50-ratio='; then ok "be-host bench-irq"; else
		bad "be-host bench-irq (exit $rc)"
		printf '%s\n' "$out" | tail -5 | sed 's/^/    /'
	fi
}

# ---- the VM ------------------------------------------------------------------
qemu_cmd() {
	# shellcheck disable=SC2054 # the commas are QEMU's
	QEMU=(qemu-system-s390x -M s390-ccw-virtio -accel tcg -cpu max
		-smp "${ZV_VM_SMP:-1}" -m "${ZV_VM_MEM:-1024}"
		-nographic -nic none -no-reboot
		-kernel "$W/vmlinuz" -initrd "$W/initrd.gz"
		-append "console=ttysclp0 quiet panic=-1 $*"
		# explicit uid/fid; iommu_platform=on: DMA through the zPCI IOMMU
		# (else QEMU DMAs to guest-physical addresses); disable-legacy=on:
		# no I/O BAR, which zPCI cannot size
		-device zpci,uid=1,fid=1,target=rng0
		-device virtio-rng-pci,id=rng0,disable-legacy=on,iommu_platform=on
		-drive if=none,id=d0,file="$W/disk.img",format=raw
		-device zpci,uid=2,fid=2,target=blk0
		-device virtio-blk-pci,id=blk0,drive=d0,disable-legacy=on,iommu_platform=on
		# without iommu_platform: the driver must refuse it (uid 3)
		-device zpci,uid=3,fid=3,target=rng1
		-device virtio-rng-pci,id=rng1,disable-legacy=on)
}

stage_boot() {
	local logf=$W/boot.log rc line
	rm -f "$W/disk.img"
	truncate -s 4M "$W/disk.img"	# 8192 sectors: init.sh checks the capacity
	qemu_cmd
	log "booting the s390x VM (log: $logf)"
	: >"$logf"
	timeout "$TIMEOUT" "${QEMU[@]}" </dev/null 2>&1 | tr -d '\r' | tee "$logf" |
		while IFS= read -r line; do
			case $line in
			"ZVT: ok "*) echo "ok   vm ${line#ZVT: ok }" ;;
			"ZVT: FAIL "*) echo "FAIL vm ${line#ZVT: FAIL }" ;;
			"ZVT: "*) printf '     %s\n' "${line#ZVT: }" ;;
			esac
		done
	rc=${PIPESTATUS[0]}
	log "QEMU exit status $rc"
	local p f
	p=$(grep -c '^ZVT: ok ' "$logf")
	f=$(grep -c '^ZVT: FAIL ' "$logf")
	pass=$((pass + p))
	fail=$((fail + f))
	if ! grep -q '^ZVT: done' "$logf"; then
		bad "vm run incomplete (QEMU exit $rc$([ "$rc" = 124 ] && echo ", timeout after ${TIMEOUT}s")); last lines:"
		tail -25 "$logf" | sed 's/^/    /'
	fi
	# what the guest wrote through vfio-pci reached the disk image
	if grep -q '^ZVT: ok virtio-vfio' "$logf"; then
		if dd if="$W/disk.img" bs=512 skip=8 count=8 2>/dev/null |
			grep -c 'zvfio virtio-blk pattern: sector 0000[01][0-9] line' | grep -qx 64; then
			ok "virtio-blk pattern on the host's disk image (sectors 8-15)"
		else
			bad "virtio-blk pattern missing from the host's disk image"
		fi
	fi
}

stage_shell() {
	qemu_cmd zvt.shell=1
	log "interactive: Ctrl-a x quits"
	exec "${QEMU[@]}"
}

summary() {
	log "done"
	echo "vm-s390x: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}

case "${1:-all}" in
build) stage_deps; stage_fetch; stage_build; stage_initramfs; summary ;;
boot) stage_boot; summary ;;
shell) stage_shell ;;
all) stage_deps; stage_fetch; stage_build; stage_initramfs; stage_be_unit; stage_boot; summary ;;
*) echo "usage: $0 [all|build|boot|shell]" >&2; exit 2 ;;
esac
