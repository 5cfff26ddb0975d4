#!/bin/bash
# The x86_64 VM suite: real kernel VFIO (type1 on an emulated Intel VT-d
# with interrupt remapping) under qemu-system-x86_64 with TCG, Debian's own
# amd64 kernel, and QEMU's edu and nvme devices. Inside, `zvfio run` passes
# them through to s390x guests on the software machine:
#   boot 1: zvfio list, edu DMA both ways (guest/scenarios/edu.c), NVMe
#           identify + >= 1 MiB write/read-back (guest/scenarios/nvme.c),
#           zvfio bench rpcit on the real device when it takes --device
#   boot 2: vfio_iommu_type1.dma_entry_limit=64: the NVMe run again; it must
#           go through "insufficient resources" (cc 1 status 16) and finish
#   boot "linux" (only when asked: BOOTS=linux, `make check-vm-linux`):
#           Debian's s390x Linux 6.1 on the software machine inside the VM,
#           its own nvme driver on QEMU's NVMe through VFIO: dd writes and
#           reads back ZV_VM_LINUX_MIB (16) MiB, checked in the guest and in
#           the host's image (tests/vm/x86/linux-init.sh); nested under TCG
# Single entry point: bash tests/vm/x86/run.sh. Exit 0 when every check
# passed (or with a loud "SKIPPED: <why>" when not root or packages cannot be
# installed), non-zero otherwise.
#
#   ZV_VM_WORK=/dir      work dir (default /tmp/zvfio-vm-x86); the kernel
#                        extracted from Debian's .deb is cached there
#   KPKG=linux-image-6.1.0-56-amd64   pin the kernel package
#   BOOTS="full limit"   which boots to run (also: linux)
#   TIMEOUT=600          seconds per boot
#   KAPPEND=... QEMU_EXTRA=...        extra kernel / qemu arguments
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
W=${ZV_VM_WORK:-/tmp/zvfio-vm-x86}
B=${ZV_VM_BUILD:-$ROOT/build-vmx86dyn}	# our own build: zvfio, guest images
SERIAL=zvfio-x86-0001			# the NVMe serial the guest must read back
log() { echo "[vm-x86] $*" >&2; }
skip() { echo "SKIPPED: tests/vm/x86: $*"; exit 0; }

[ "$(id -u)" -eq 0 ] || skip "not root (needs apt-get and a VM image build)"
mkdir -p "$W"
T_START=$EPOCHREALTIME
el() { awk -v a="$EPOCHREALTIME" -v b="$1" 'BEGIN{printf "%.1f", a-b}'; }

# ---------------------------------------------------------------- packages
PKGS=(qemu-system-x86 busybox-static cpio kmod xz-utils zstd make gcc libc6-dev
      libunicorn-dev liblzma-dev libzstd-dev gcc-s390x-linux-gnu binutils-s390x-linux-gnu)
"$ROOT/scripts/install-deps.sh" "${PKGS[@]}" >"$W/apt.log" 2>&1 ||
    skip "cannot install the packages it needs (see $W/apt.log)"

# ---------------------------------------------------------------- kernel
# Debian's amd64 kernel, from linux-image-amd64's dependency; only boot/
# and the VFIO/IOMMU modules are taken out of the .deb, once.
if [ -z "${KPKG:-}" ]; then
    KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    if [ -z "$KPKG" ]; then
        apt-get update -q >>"$W/apt.log" 2>&1 || true
        KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    fi
fi
[ -n "$KPKG" ] || skip "cannot find Debian's amd64 kernel package (apt-cache depends linux-image-amd64)"
KVER=${KPKG#linux-image-}
KD=$W/kernel-$KVER
if [ ! -f "$KD/.extracted" ]; then
    log "downloading $KPKG"
    rm -rf "$KD" && mkdir -p "$KD"
    (cd "$KD" && apt-get download "$KPKG") >>"$W/apt.log" 2>&1 ||
        skip "cannot download $KPKG (see $W/apt.log)"
    deb=$(ls "$KD"/"${KPKG}"_*.deb)
    dpkg-deb --fsys-tarfile "$deb" | tar -t |
        grep -E '^\./boot/(vmlinuz|config)-|/kernel/(drivers/(vfio|iommu)|virt)/.*\.ko' > "$KD/extract.list"
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$KD" -T "$KD/extract.list"
    rm -f "$deb"
    # PVH boot of the uncompressed vmlinux (CONFIG_PVH): no SeaBIOS, no
    # in-guest decompression, seconds faster under TCG
    bz=$KD/boot/vmlinuz-$KVER
    off=$(LC_ALL=C grep -aboP '\xfd7zXZ\x00' "$bz" | head -1 | cut -d: -f1 || true)
    if [ -n "$off" ]; then
        tail -c +$((off + 1)) "$bz" | xz -dc --single-stream > "$KD/vmlinux" 2>/dev/null || true
    else
        off=$(LC_ALL=C grep -aboP '\x28\xb5\x2f\xfd' "$bz" | head -1 | cut -d: -f1 || true)
        [ -n "$off" ] && { tail -c +$((off + 1)) "$bz" | zstd -dcq > "$KD/vmlinux" 2>/dev/null || true; }
    fi
    head -c 4 "$KD/vmlinux" 2>/dev/null | grep -q ELF || rm -f "$KD/vmlinux"
    touch "$KD/.extracted"
fi
CFG=$KD/boot/config-$KVER
for opt in CONFIG_INTEL_IOMMU=y CONFIG_IRQ_REMAP=y CONFIG_VFIO=m CONFIG_VFIO_IOMMU_TYPE1=m \
           CONFIG_VFIO_PCI=m CONFIG_DEVTMPFS=y; do
    grep -qx "$opt" "$CFG" || { echo "FAIL: kernel $KVER lacks $opt"; exit 1; }
done
if [ -s "$KD/vmlinux" ] && grep -qx CONFIG_PVH=y "$CFG"; then KERNEL=$KD/vmlinux
else KERNEL=$KD/boot/vmlinuz-$KVER; fi

# ---------------------------------------------------------------- zvfio
# zvfio linked dynamically, as a user builds it, in our own build directory
# (the default build is untouched); its shared libraries go into the
# initramfs at the paths the loader looks in. Dynamic, not static: only
# then do guest stores take Unicorn's fast path (src/hv/ucstore.c): a
# Linux boot reaches /init five times sooner (docs/BENCHMARKS.md), which
# decides whether the nested Linux boot takes minutes or most of an hour.
log "building zvfio and the guest images in $B"
make -s -C "$ROOT" -j"$(nproc)" BUILD="$B" \
    "$B/zvfio" "$B/guest/edu.elf" "$B/guest/nvme.elf" "$B/guest/dma.elf" "$B/guest/unplug.elf" "$B/guest/hostfail.elf" >"$W/build.log" 2>&1 ||
    { cat "$W/build.log"; echo "FAIL: build of zvfio"; exit 1; }

# ---------------------------------------------------------------- initramfs
MODDIR=$KD/lib/modules/$KVER
I=$W/initrd
rm -rf "$I" && mkdir -p "$I/bin" "$I/lib/modules"
cp /bin/busybox "$I/bin/busybox"
declare -A seen=()
resolve() {   # module $1 and its dependencies, in load order
    local m=$1 f dep
    [ -n "${seen[$m]:-}" ] && return
    seen[$m]=1
    f=$(find "$MODDIR/kernel" -name "${m//[-_]/[-_]}.ko*" | head -1)
    [ -z "$f" ] && return		# built in
    for dep in $(modinfo -F depends "$f" | tr ',' ' '); do resolve "$dep"; done
    case "$f" in
        *.ko.xz)  xz -dc "$f" > "$I/lib/modules/$m.ko" ;;
        *.ko.zst) zstd -dcq "$f" > "$I/lib/modules/$m.ko" ;;
        *.ko.gz)  gzip -dc "$f" > "$I/lib/modules/$m.ko" ;;
        *)        cp "$f" "$I/lib/modules/$m.ko" ;;
    esac
    echo "$m" >> "$I/lib/modules/order"
}
for m in vfio vfio_iommu_type1 vfio-pci; do resolve "$m"; done
strip -o "$I/bin/zvfio" "$B/zvfio"
# the loader and every library ldd names, symlinks resolved
for lib in $(ldd "$B/zvfio" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do
    mkdir -p "$I$(dirname "$lib")" && cp -L "$lib" "$I$lib"
done
[ -e "$I/lib64/ld-linux-x86-64.so.2" ] || { echo "FAIL: no dynamic loader for zvfio in the initramfs"; exit 1; }
# the "linux" boot: Debian's s390x kernel and an initramfs with its nvme
# driver (tests/linux/kernels.sh and io.sh fetch and build them)
LINUX_MIB=${ZV_VM_LINUX_MIB:-16}
LINUX_TIMEOUT=${ZV_VM_LINUX_TIMEOUT:-1200}	# the whole boot: about 160 s
if [[ " ${BOOTS:-full limit} " == *" linux "* ]]; then
    mkdir -p "$I/s390x"
    (
        set +e +u
        W=${ZV_LINUX_WORK:-/tmp/zv-linux} HERE=$ROOT/tests/linux
        bad() { echo "FAIL: $*"; }
        skip() { echo "FAIL: $*"; exit 1; }
        mkdir -p "$W"
        # shellcheck source=../../lib/s390x-apt.sh
        . "$ROOT/tests/lib/s390x-apt.sh"
        # shellcheck source=../../linux/kernels.sh
        . "$ROOT/tests/linux/kernels.sh"
        # shellcheck source=../../linux/io.sh
        . "$ROOT/tests/linux/io.sh"
        linux_fetch && linux_unpack && cp "$(linux_image 6.1)" "$I/s390x/vmlinuz" &&
            io_initrd 6.1 "$I/s390x/initrd.gz" "$ROOT/tests/vm/x86/linux-init.sh" \
                crct10dif_generic crc64_rocksoft_generic nvme
    ) || { echo "FAIL: the s390x kernel and initramfs for the linux boot"; exit 1; }
fi
cp "$B/guest/edu.elf" "$B/guest/nvme.elf" "$B/guest/dma.elf" "$B/guest/unplug.elf" \
    "$B/guest/hostfail.elf" "$I/"
install -m 755 "$HERE/init.sh" "$I/init"
(cd "$I" && find . | cpio -o -H newc --quiet) > "$W/initrd.cpio"

# ---------------------------------------------------------------- boots
# intel-iommu before the devices it translates; edu and nvme as vfio-pci
# devices inside; the NVMe disk is fresh for every boot.
boot() {   # boot NAME KAPPEND...
    local name=$1 rc t0 glog; shift
    glog=$W/$name.log
    rm -f "$W/nvme.img" && truncate -s "${NVME_SIZE:-16M}" "$W/nvme.img"
    local q=(qemu-system-x86_64 -accel tcg -M q35 -cpu max -smp 1 -m "${VM_MEM:-1G}"
             -device intel-iommu,intremap=on
             -kernel "$KERNEL" -initrd "$W/initrd.cpio"
             -append "console=ttyS0 intel_iommu=on panic=-1 quiet zvt.mode=$name zvt.serial=$SERIAL $* ${KAPPEND:-}"
             -device edu
             -drive "file=$W/nvme.img,if=none,id=nvm,format=raw" -device "nvme,serial=$SERIAL,drive=nvm"
             -nographic -nodefaults -no-reboot -serial stdio ${QEMU_EXTRA:-})
    log "boot $name: ${q[*]}"
    t0=$EPOCHREALTIME
    set +e
    timeout "${TIMEOUT:-600}" "${q[@]}" </dev/null 2>&1 | tr -d '\r' | tee "$glog" |
        grep --line-buffered -E '^(ZVT|PASS|FAIL|SKIP|RESULT)|qemu-system|Kernel panic'
    rc=${PIPESTATUS[0]}
    set -e
    echo "[vm-x86] boot $name: qemu exit $rc after $(el "$t0") s (serial log: $glog)"
    grep -q '^ZVT-DONE' "$glog" || { echo "FAIL: boot $name did not reach the end of its init"; return 1; }
    grep -qE '^RESULT: [0-9]+ passed, 0 failed' "$glog" || return 1
}

fails=0
for b in ${BOOTS:-full limit}; do
    case $b in
        full)  boot full || fails=$((fails + 1)) ;;
        limit) boot limit vfio_iommu_type1.dma_entry_limit=64 || fails=$((fails + 1)) ;;
        linux)
            # the guest's RAM (512 MiB) beside the VM's own; the pattern
            # written must be in the host's image afterwards
            if VM_MEM=2G NVME_SIZE=$((LINUX_MIB + 16))M TIMEOUT=$((LINUX_TIMEOUT + 300)) \
                boot linux "zvt.mib=$LINUX_MIB zvt.linux_timeout=$LINUX_TIMEOUT"; then
                pat=$(sed -n 's/^ZVT: *ZVN pattern .* md5=//p' "$W/linux.log")
                if [ -n "$pat" ] && [ "$(dd if="$W/nvme.img" bs=1M count="$LINUX_MIB" 2>/dev/null |
                    md5sum | cut -d' ' -f1)" = "$pat" ]; then
                    echo "PASS: the host's NVMe image holds what the s390x guest wrote"
                else
                    echo "FAIL: the host's NVMe image differs from what the s390x guest wrote"
                    fails=$((fails + 1))
                fi
            else
                fails=$((fails + 1))
            fi ;;
        *) echo "FAIL: unknown boot $b"; fails=$((fails + 1)) ;;
    esac
done
echo "[vm-x86] total wall $(el "$T_START") s"
if ((fails)); then echo "vm-x86: FAILED ($fails boot(s))"; exit 1; fi
echo "vm-x86: OK"
