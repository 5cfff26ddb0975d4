#!/bin/bash
# `make demo-linux`: Debian's unmodified s390x Linux boots on zvfio's software
# machine with emu:virtio-blk functions on scratch files, binds them with its
# own virtio_pci and virtio_blk modules and moves data through them (the I/O
# check of tests/linux: dd with O_DIRECT and through the page cache,
# checksummed in the guest and in the host's files; ext2 on the second
# disk). Prints the guest's console, the checks and a summary: boot time,
# MiB moved, the guest's throughput, RPCITs and backend map calls per MiB,
# interrupts. Needs root (it installs what it needs and downloads the
# kernel package through a private apt state, tests/linux/kernels.sh).
#   tests/demo-linux.sh BUILD     ZV_DEMO_KERNEL=6.1|6.12 (default 6.1),
#                                 ZV_DEMO_MIB=64, ZV_LINUX_WORK=/tmp/zv-linux
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE=$ROOT/tests/linux
B=${1:-build}
ZVFIO=$B/zvfio
W=${ZV_LINUX_WORK:-/tmp/zv-linux}
K=${ZV_DEMO_KERNEL:-6.1}
MIB=${ZV_DEMO_MIB:-64}
TIMEOUT=300
pass=0
fail=0
log() { echo "[demo-linux] $*" >&2; }
skip() { echo "demo-linux: cannot run: $*"; exit 1; }
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

[ "$(id -u)" -eq 0 ] || skip "needs root (apt-get for the kernel package)"
case $K in 6.1 | 6.12) ;; *) skip "ZV_DEMO_KERNEL=$K: 6.1 or 6.12" ;; esac
mkdir -p "$W" || exit 1
exec 9>"$W/lock"
flock -w 900 9 || skip "$W is locked by another run"
"$ROOT/scripts/install-deps.sh" cpio gzip xz-utils kmod debian-archive-keyring >"$W/apt-host.log" 2>&1 ||
	skip "cannot install cpio, gzip, xz-utils, kmod (log: $W/apt-host.log)"
# shellcheck source=lib/s390x-apt.sh
. "$ROOT/tests/lib/s390x-apt.sh"
# shellcheck source=linux/kernels.sh
. "$HERE/kernels.sh"
# shellcheck source=linux/io.sh
. "$HERE/io.sh"
linux_fetch
linux_unpack || exit 1
img=$(linux_image "$K")
[ -n "$img" ] || skip "no $K kernel image in $W/k$K"
D=$W/demo-linux
mkdir -p "$D"
io_initrd "$K" "$D/initrd.gz" || skip "cannot build the initramfs"
echo "zvfio demo-linux: ${img##*/} on the software s390x machine, two emu:virtio-blk functions"
echo "  zvfio run --kernel ${img##*/} --initrd initrd.gz --mem 512M \\"
echo "    --device emu:virtio-blk,file=vda.img --device emu:virtio-blk,file=vdb.img"
io_boot "$K" "$D/initrd.gz" "$D" "$MIB"
rc=$?
echo "---- the guest's console"
tr -d '\r' <"$D/console.log"
echo "---- zvfio"
sed -n '/^== zvfio summary/,$p' "$D/host.log"
echo "---- checks"
io_check "$K" "$D" "$MIB" "$rc"
echo "---- summary"
echo "guest throughput: O_DIRECT $(io_rate direct-write "$MIB" "$D/console.txt") write," \
	"$(io_rate direct-read "$MIB" "$D/console.txt") read; page cache" \
	"$(io_rate buffered-write "$MIB" "$D/console.txt") write, $(io_rate buffered-read "$MIB" "$D/console.txt") read"
io_summary "$MIB" "$D"
rm -f "$D"/vd?.img
if [ $fail -eq 0 ]; then echo "demo-linux: PASS ($pass checks)"; else echo "demo-linux: FAIL ($fail of $((pass + fail)) checks)"; fi
[ $fail -eq 0 ]
