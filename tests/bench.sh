#!/bin/sh
# `make bench`: guest micro-benchmarks on the software machine, run twice in
# one go — intercepts found at translation (zvfio's way) and by a hook on
# every instruction (the simple way) — and their ratios; the cost of an
# intercept with 1, 1,000 and 100,000 distinct intercepted instructions;
# the worst intercept with N and 16 N mappings held (bench steps).
set -u
B=$1; G=$2; N=${BENCH_N:-200000}
echo "== zvfio bench rpcit"
"$B/zvfio" bench rpcit || exit 1
echo
echo "== zvfio bench irq"
"$B/zvfio" bench irq || exit 1
echo
echo "== zvfio bench steps"
"$B/zvfio" bench steps || exit 1
echo
run() {
	"$B/zvfio" run -q --timeout 600 --guest "$G/bench.elf" --device emu:dma --args "n=$N" "$@"
}
echo "== intercepts found at translation (default)"; scan=$(run) || exit 1; echo "$scan"
echo "== hook on every instruction (--hook-all)"; all=$(run --hook-all) || exit 1; echo "$all"
val() { printf '%s\n' "$1" | sed -n "s/^bench $2 *ns=\([0-9.]*\).*/\1/p"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo
echo "== ratios (same run)"
for k in guest-loop-iteration pcilg-4 interrupt-round-trip; do
	echo "$k: hook-all/scan time ratio $(ratio "$(val "$all" $k)" "$(val "$scan" $k)")"
done
echo "128-byte store: 16 x PCISTG / 1 x PCISTB time ratio $(ratio "$(val "$scan" 128B-as-16-pcistg)" "$(val "$scan" 128B-as-1-pcistb)")"
echo "softcpu scan-speedup=$(ratio "$(val "$all" guest-loop-iteration)" "$(val "$scan" guest-loop-iteration)") pcistb-speedup=$(ratio "$(val "$scan" 128B-as-16-pcistg)" "$(val "$scan" 128B-as-1-pcistb)")"

echo
echo "== intercept cost against the number of intercepted instructions (sites)"
for n in 1 1000 100000; do
	out=$("$B/zvfio" run -q --mem 64M --timeout 600 --guest "$G/sites.elf" --args "n=$n") || exit 1
	echo "sites=$n: $(printf '%s\n' "$out" | tr '\n' ' ')"
	eval "hot_$n=$(val "$out" sites-hot)"
	eval "sweep_$n=$(val "$out" sites-sweep)"
done
echo "sites hot-ratio=$(ratio "$hot_100000" "$hot_1") sweep-ratio=$(ratio "$sweep_100000" "$sweep_1000")"
