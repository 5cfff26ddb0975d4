#!/bin/bash
# make cross-s390x: the library (with the KVM binding), the zvfio tool and
# the examples built for s390x with s390x-linux-gnu-gcc, as a VMM author on
# IBM Z would use them. Static links: the s390x libunicorn, liblzma and
# libzstd come from Debian's s390x packages, fetched through a private apt
# state (tests/lib/s390x-apt.sh; the host's apt configuration is never
# changed) and unpacked into a sysroot; the KVM uAPI headers are the cross
# toolchain's (linux-libc-dev-s390x-cross).
#
#   ZV_CROSS_WORK=/dir   downloads and sysroot (default /tmp/zv-cross-s390x)
#   ZV_CROSS_BUILD=/dir  the build directory (default build-s390x)
# Exit 0 when every output is an s390x executable or archive.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=${ZV_CROSS_WORK:-/tmp/zv-cross-s390x}
B=${ZV_CROSS_BUILD:-$ROOT/build-s390x}
log() { echo "[cross-s390x] $*" >&2; }
die() { echo "cross-s390x: $*" >&2; exit 1; }

"$ROOT/scripts/install-deps.sh" make gcc-s390x-linux-gnu binutils-s390x-linux-gnu \
	libc6-dev-s390x-cross linux-libc-dev-s390x-cross debian-archive-keyring ||
	die "cannot install the cross toolchain"
mkdir -p "$W/debs"
# shellcheck source=../tests/lib/s390x-apt.sh
. "$ROOT/tests/lib/s390x-apt.sh"
if ! ls "$W"/debs/libunicorn-dev_*.deb "$W"/debs/liblzma-dev_*.deb "$W"/debs/libzstd-dev_*.deb \
	>/dev/null 2>&1; then
	s390x_apt_init "$W" "${ZV_CROSS_MIRROR:-}" || die "cannot set up the apt state in $W/apt"
	log "private apt update (s390x, $APT_MIRROR)"
	apt-get "${APTOPTS[@]}" update -q --error-on=any >"$W/apt.log" 2>&1 ||
		die "cannot reach the Debian archive (log: $W/apt.log)"
	log "downloading libunicorn-dev libunicorn2 liblzma-dev libzstd-dev (s390x)"
	(cd "$W/debs" && apt-get "${APTOPTS[@]}" download -q libunicorn-dev libunicorn2 \
		liblzma-dev libzstd-dev) >>"$W/apt.log" 2>&1 ||
		die "cannot download the s390x libraries (log: $W/apt.log)"
fi
rm -rf "$W/sysroot" && mkdir -p "$W/sysroot"
for d in "$W"/debs/*.deb; do
	dpkg-deb -x "$d" "$W/sysroot" || die "dpkg-deb -x $d failed"
done
sr=$W/sysroot
outs=("$B/libzvfio.a" "$B/zvfio" "$B/examples/minimal-vmm" "$B/examples/kvm-vmm")
log "building ${outs[*]#"$ROOT/"}"
make -s -C "$ROOT" -j"$(nproc)" BUILD="$B" CC=s390x-linux-gnu-gcc \
	CFLAGS="-I$sr/usr/include" LDFLAGS="-static -L$sr/usr/lib/s390x-linux-gnu" LDLIBS=-lm \
	"${outs[@]}" || die "the build failed"
for f in "${outs[@]}"; do
	# the first Machine: line (an archive has one per member); awk reads
	# to the end, so readelf never meets a closed pipe under pipefail
	m=$(s390x-linux-gnu-readelf -h "$f" | awk '/Machine:/ && !n++ { $1 = ""; print }')
	case $m in
	*S/390*) echo "ok   ${f#"$ROOT/"}: s390x ($(stat -c %s "$f") bytes)" ;;
	*) die "${f#"$ROOT/"} is not an s390x object: '$m'" ;;
	esac
done
