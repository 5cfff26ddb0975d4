#!/bin/sh
# Install the Debian 12 packages zvfio needs to build and test, if any is
# missing (or, given package names, those: the VM suites use it for
# theirs). Needs root (or sudo) only when something must be installed;
# exits non-zero when it cannot.
set -eu
PKGS="${*:-make gcc g++ clang libclang-rt-14-dev llvm-14 valgrind libunicorn-dev liblzma-dev libzstd-dev gcc-s390x-linux-gnu binutils-s390x-linux-gnu linux-libc-dev-s390x-cross pkg-config man-db groff-base}"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "zvfio: installing Debian packages:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null; then
		SUDO=sudo
	else
		echo "zvfio: need root to install:$missing (run: apt-get install$missing)" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq -o DPkg::Lock::Timeout=600
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 $missing >/dev/null
