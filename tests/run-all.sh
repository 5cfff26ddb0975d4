#!/bin/sh
# `make check`: every test, in every build the project promises.
#   1. gcc build: unit tests, fuzz campaign, guest scenarios and CLI tests;
#      make install into a temporary DESTDIR and the example built against
#      it; the man pages rendered without a warning; the layering
#      (tests/layers.sh: includes, and the calls between build's objects)
#   2. the same under ASan+UBSan
#   3. valgrind (memcheck): unit tests and two guest scenarios
#   4. clang build with -Werror: unit tests and the guest scenarios
#   5. Debian's s390x Linux 6.1 and 6.12 booted on the software machine
#      (tests/linux), checked from inside the guest
#   6. the VM suites (tests/vm/*): real kernels under QEMU
# Ends with "N passed, N failed" over all of them; exit 1 if any failed.
set -u
cd "$(dirname "$0")/.."
J=${JOBS:-$(nproc)}
total_p=0; total_f=0; log=$(mktemp); trap 'rm -f "$log"' EXIT

count() {	# add the "label: N passed, N failed" line of the last step
	line=$(grep -E '^[a-z-]+: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	p=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.*passed, \([0-9]*\) failed/\1/p')
	if [ -z "$p" ]; then
		echo "!! $1: no result line (build or runner failure)"; total_f=$((total_f + 1))
	else
		total_p=$((total_p + p)); total_f=$((total_f + f))
	fi
}

step() {	# step LABEL COMMAND...: run, show output, count
	label=$1; shift
	echo; echo "######## $label"
	"$@" >"$log" 2>&1; rc=$?
	cat "$log"
	count "$label"
	[ $rc -ne 0 ] && ! grep -qE ' [1-9][0-9]* failed$' "$log" && total_f=$((total_f + 1)) &&
		echo "!! $label: exit status $rc"
	return 0
}

build() {	# build VARIANT-ARGS...: a failed build counts as a failure
	echo; echo "######## build $*"
	if ! make -j"$J" --no-print-directory "$@" all unit-bins; then
		total_f=$((total_f + 1)); echo "!! build $* failed"; return 1
	fi
}

vg_unit() {
	p=0; f=0
	for t in build/tests/*/test_* build/tests/fuzz/fuzz_*; do
		case $t in *.d) continue;; esac
		if ZV_FUZZ_ITERATIONS=200 ZV_TEST_TIME_SCALE=100 valgrind -q --error-exitcode=9 --suppressions=tests/sanitizers/valgrind.supp --leak-check=full \
			--errors-for-leak-kinds=definite "$t" >/dev/null 2>&1; then
			p=$((p + 1)); echo "ok   valgrind $t"
		else
			f=$((f + 1)); echo "FAIL valgrind $t"
		fi
	done
	for s in "bringup.elf --device emu:dma --args fns=1" "fault.elf --device emu:dma"; do
		# shellcheck disable=SC2086
		if valgrind -q --error-exitcode=9 --suppressions=tests/sanitizers/valgrind.supp --leak-check=full --errors-for-leak-kinds=definite \
			build/zvfio run -q --timeout 300 --guest build/guest/$s >/dev/null 2>&1; then
			p=$((p + 1)); echo "ok   valgrind zvfio run $s"
		else
			f=$((f + 1)); echo "FAIL valgrind zvfio run $s"
		fi
	done
	echo "valgrind: $p passed, $f failed"
	[ $f -eq 0 ]
}

UNIT() { tests/run-unit.sh "$1" $(ls "$1"/tests/*/test_* "$1"/tests/fuzz/fuzz_* 2>/dev/null | grep -v '\.d$'); }

if build; then
	step unit UNIT build
	step guest tests/guest/run.sh build build/guest
	step layers tests/layers.sh build
	step install tests/install/run.sh build
	step man tests/man/check.sh build
fi
if build SAN=1; then
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
	step unit-san UNIT build-san
	step guest-san tests/guest/run.sh build-san build-san/guest
	unset ASAN_OPTIONS UBSAN_OPTIONS
fi
if command -v valgrind >/dev/null; then
	step valgrind vg_unit
else
	echo "SKIPPED: valgrind is not installed"; total_f=$((total_f + 1))
fi
if command -v clang >/dev/null && build BUILD=build-clang CC=clang; then
	step unit-clang UNIT build-clang
	step guest-clang tests/guest/run.sh build-clang build-clang/guest
fi

# Debian's unmodified s390x Linux (6.1 and 6.12) on the software machine
step linux tests/linux/run.sh
# the VM suites: the kernel VFIO backend on real x86_64 and s390x kernels
step vm tests/vm/run.sh

echo
echo "######## total"
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
