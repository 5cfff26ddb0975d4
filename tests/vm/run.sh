#!/bin/bash
# `make check-vm`: the VM suites (tests/vm/*/run.sh) -- zvfio on real
# kernels under QEMU. Sums their "RESULT: N passed, M failed" lines into
# one "vm: N passed, M failed". A suite that cannot run here (not root,
# packages missing) prints a loud "SKIPPED: <why>" line and counts nothing;
# a suite that fails without a result line counts as one failure.
set -u
cd "$(dirname "$0")/../.."
p=0; f=0
base_work=${ZV_VM_WORK:-}
unset ZV_VM_WORK
# ZV_VM_SUITES="x86 s390x" picks suites (default: every tests/vm/*/run.sh)
suites=$(ls tests/vm/*/run.sh)
if [ -n "${ZV_VM_SUITES:-}" ]; then
	suites=
	for s in $ZV_VM_SUITES; do suites="$suites tests/vm/$s/run.sh"; done
fi
for suite in $suites; do
	name=${suite%/run.sh}; name=${name##*/}
	if [ ! -f "$suite" ]; then
		echo "!! vm $name: no such suite"; f=$((f + 1)); continue
	fi
	log=$(mktemp)
	echo "== vm $name"
	# one ZV_VM_WORK for all: a subdirectory per suite
	ZV_VM_WORK=${base_work:+$base_work/$name} bash "$suite" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	if grep -q '^SKIPPED:' "$log"; then
		echo "vm $name: $(grep '^SKIPPED:' "$log" | head -n 1)"
		rm -f "$log"
		continue
	fi
	# the suite's own total ("vm-NAME: N passed, M failed"), else the sum
	# of its boots' "RESULT: N passed, M failed" lines
	sum=$(grep -E "^vm-$name: [0-9]+ passed, [0-9]+ failed" "$log" | tail -n 1)
	if [ -n "$sum" ]; then
		sp=$(echo "$sum" | awk '{print $2}'); sf=$(echo "$sum" | awk '{print $4}')
	else
		sp=$(awk '/^RESULT: [0-9]+ passed, [0-9]+ failed/ {s += $2} END {print s + 0}' "$log")
		sf=$(awk '/^RESULT: [0-9]+ passed, [0-9]+ failed/ {s += $4} END {print s + 0}' "$log")
	fi
	if [ "$rc" -ne 0 ] && [ "$sf" -eq 0 ]; then
		echo "!! vm $name: exit status $rc without a failed check"
		sf=1
	fi
	p=$((p + sp)); f=$((f + sf))
	rm -f "$log"
done
echo "vm: $p passed, $f failed"
[ "$f" -eq 0 ]
