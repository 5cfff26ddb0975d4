#!/bin/sh
# Run unit-test binaries; print each one's output and a grand total.
# usage: run-unit.sh BUILD_DIR BIN...
set -u
shift
# a leak inside Unicorn, not zvfio's (tests/sanitizers/lsan.supp); used by
# the ASan builds only
LSAN_OPTIONS="suppressions=$(cd "$(dirname "$0")" && pwd)/sanitizers/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
pass=0; fail=0
for t in "$@"; do
	echo "== $t"
	out=$("$t" 2>&1); rc=$?
	printf '%s\n' "$out" | grep -v '^ok  ' || true
	line=$(printf '%s\n' "$out" | tail -n 1)
	p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
	f=$(echo "$line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
	if [ -z "$p" ]; then
		echo "   $t crashed or printed no summary (exit $rc)"
		fail=$((fail + 1))
		continue
	fi
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	pass=$((pass + p)); fail=$((fail + f))
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
