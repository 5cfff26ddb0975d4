#!/bin/sh
# Guest scenarios on the software machine, and the zvfio tool's command
# line. usage: run.sh BUILD_DIR GUEST_DIR [VALGRIND_PREFIX...]
set -u
B=$1; G=$2; shift 2
Z="$* $B/zvfio"
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2-}" ] && printf '%s\n' "$2" | tail -n 20 | sed 's/^/    /'; }

# expect NAME RC ARGS...: run zvfio with ARGS, expect exit status RC
expect() {
	name=$1 want=$2; shift 2
	out=$($Z "$@" 2>&1); rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$name"; else bad "$name (exit $rc, want $want)" "$out"; fi
}

# expect_err NAME PATTERN ARGS...: exit 2 and exactly one line on stderr
# that matches PATTERN (the bad argument is named)
expect_err() {
	name=$1 pat=$2; shift 2
	err=$($Z "$@" 2>&1 >/dev/null); rc=$?
	lines=$(printf '%s\n' "$err" | grep -c .)
	if [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ] && printf '%s' "$err" | grep -q -- "$pat"; then
		ok "$name"
	else
		bad "$name (exit $rc, $lines lines)" "$err"
	fi
}

R="run -q --timeout 120"
D=emu:dma
# ---- scenarios ----
expect bringup-1fn 0 $R --guest $G/bringup.elf --device $D --args fns=1
expect bringup-3fns 0 $R --guest $G/bringup.elf --device $D,uid=7,fid=3 --device $D --device $D,vectors=16 --args fns=3
expect bringup-detects-missing-fn 1 $R --guest $G/bringup.elf --device $D --args fns=2
expect dma-2fns 0 $R --guest $G/dma.elf --device $D --device $D --args "mib=16 irqs=2000 buf=1024"
expect interrupts-2fns 0 $R --guest $G/irq.elf --device $D --device $D
expect interrupt-storm-1M 0 $R --guest $G/storm.elf --device $D --device $D --args events=1000000
expect lifecycle 0 $R --guest $G/lifecycle.elf --device $D
expect hypercall-results 0 $R --guest $G/machine.elf --args "mode=8 hypercall-results"
expect fault-recovery 0 $R --guest $G/fault.elf --device $D
expect bad-operands 0 $R --guest $G/badops.elf --device $D
expect bad-operands-hook-all 0 $R --hook-all --guest $G/badops.elf --device $D
expect dat-on 0 $R --guest $G/dat.elf --device $D
expect dat-on-hook-all 0 $R --hook-all --guest $G/dat.elf --device $D
# clock-comparator interruptions into a loop with no intercept: with no
# block hook (the kicker stops the CPU) and with one (--count)
expect timer-into-compute-loop 0 $R --guest $G/tick.elf
expect timer-into-compute-loop-counted 0 $R --count --guest $G/tick.elf
expect execute-of-intercepted 0 $R --guest $G/execute.elf --device $D
expect execute-of-intercepted-hook-all 0 $R --hook-all --guest $G/execute.elf --device $D
expect dma-budget-600-maps 0 $R --guest $G/dma.elf --device $D,maps=600 --args "mib=4 irqs=100 buf=1024"
expect dma-window-at-iova-0 0 $R --guest $G/dma.elf --device $D,sdma=0,edma=0x3ffffff --args "mib=4 irqs=10"
expect relaxed-translation 0 $R --guest $G/relaxed.elf --device $D,rtr=1
expect relaxed-not-offered 3 $R --guest $G/relaxed.elf --device $D
expect budget-64-small-window 0 $R --guest $G/budget.elf --device $D,maps=64
expect budget-64-status16 0 $R --guest $G/budget.elf --device $D,maps=64,rtr=1 --args expect16=1
expect budget-status16-detected 1 $R --guest $G/budget.elf --device $D --args "rounds=4 expect16=1"
# ---- the host fails: every operation x every errno (fault.c's fail= options);
# the guest checks it got the architected answer (hostfail.c)
for op in map unmap read write irqs reset; do
	for e in enospc efault eio einval; do
		a="op=$op"
		[ $op = map ] && [ $e = enospc ] && a="$a enospc=1"
		expect "host-fails-$op-$e" 0 $R --guest $G/hostfail.elf --device "$D,fail=$op,fail-errno=$e" --args "$a"
	done
done
# ... and failing only every third call: two calls work, the third gets the
# architected answer, recovery brings the function back, it works again
for op in map unmap read write reset; do
	expect "host-fails-$op-every-3" 0 $R --guest $G/hostfail.elf --device "$D,fail=$op,fail-every=3" --args "op=$op every=3"
done
# ---- how runs end ----
expect exit-status-passes 42 $R --guest $G/machine.elf --args "mode=0 code=42"
expect timeout-124 124 run -q --timeout 1 --guest $G/machine.elf --args mode=1
# a refresh of terabytes, again and again: --timeout still holds (each
# intercept's work is bounded); the machine's own count of the run's time
# hold_timeout NAME ARGS...: --timeout 1 ends the process (teardown
# included) within 1.1 s of wall-clock time, timed from outside
hold_timeout() {
	name=$1; shift
	t0=$(date +%s.%N)
	out=$($Z run --timeout 1 "$@" 2>&1); rc=$?
	secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
	if [ "$rc" -eq 124 ] && awk -v s="$secs" 'BEGIN { exit !(s < 1.1) }'; then
		ok "$name ($secs s, process)"
	else
		bad "$name (exit $rc, $secs s, want 124 within 1.1 s)" "$out"
	fi
}
hold_timeout timeout-holds-during-huge-rpcit --guest $G/hugerpcit.elf --device $D,maps=0xffffffff
expect disabled-wait-125 125 $R --guest $G/machine.elf --args mode=2
expect unexpected-pgm-panics 99 $R --guest $G/machine.elf --args mode=3
expect unicorn-exception-stops-125 125 $R --guest $G/machine.elf --args mode=4
expect lder-untranslatable-stops-125 125 $R --guest $G/machine.elf --args mode=5
expect exrl-of-invalid-is-presented 0 run -q --timeout 5 --guest $G/machine.elf --args mode=6
# ---- command line: one-line errors naming the bad part, exit 2 ----
expect_err no-guest "--guest" run
expect_err unknown-device "emu:foo" run --guest $G/machine.elf --device emu:foo
expect_err bad-uid "uid" run --guest $G/machine.elf --device $D,uid=0
expect_err big-uid "uid" run --guest $G/machine.elf --device $D,uid=70000
expect_err bad-vectors "vectors" run --guest $G/machine.elf --device $D,vectors=0
expect_err unknown-opt "colour" run --guest $G/machine.elf --device $D,colour=red
expect_err dup-uid "already in use" run --guest $G/machine.elf --device $D,uid=4 --device $D,uid=4
expect_err bad-mem "--mem" run --guest $G/machine.elf --mem 3
expect_err huge-mem "--mem" run --guest $G/machine.elf --mem 99999G
expect_err bad-timeout "--timeout" run --guest $G/machine.elf --timeout soon
expect_err missing-file "/nonexistent" run --guest /nonexistent/x.elf
expect_err not-elf "not an ELF" run --guest /etc/hostname
# machine.elf with its second program header made a copy of its first
# PT_LOAD: two segments at the same place
ovl=$(mktemp); cp "$G/machine.elf" "$ovl"
dd if="$G/machine.elf" of="$ovl" bs=1 skip=64 seek=120 count=56 conv=notrunc 2>/dev/null
expect_err elf-overlapping-segments "overlap" run --guest "$ovl"
rm -f "$ovl"
expect_err unknown-command "frobnicate" frobnicate
expect_err unknown-option "--bogus" run --bogus
expect help-exits-0 0 run --help
# strict: decimal or 0x-hex only, no sign or blank, a key once, no stray word
expect_err uid-leading-zero "leading zero" run --guest $G/machine.elf --device $D,uid=010
expect_err uid-plus-sign "uid" run --guest $G/machine.elf --device $D,uid=+5
expect_err uid-blank "uid" run --guest $G/machine.elf --device "$D,uid= 5"
expect_err key-twice "given twice" run --guest $G/machine.elf --device $D,uid=3,uid=4
expect_err empty-option "empty option" run --guest $G/machine.elf --device $D,,uid=3
expect_err spec-newline-one-line 'uid=3\\x0ax' run --guest $G/machine.elf --device "$(printf 'emu:dma,uid=3\nx')"
expect_err timeout-twice "--timeout given twice" run --guest $G/machine.elf --timeout 5 --timeout 6
expect_err timeout-sign "--timeout" run --guest $G/machine.elf --timeout +5
expect_err mem-octal "--mem" run --guest $G/machine.elf --mem 010M
expect_err guest-twice "--guest given twice" run --guest $G/machine.elf --guest $G/machine.elf
expect_err bench-stray-arg "extra" bench irq extra
expect_err bench-rpcit-stray-arg "extra" bench rpcit extra
expect_err bench-steps-stray-arg "extra" bench steps extra
expect_err bench-steps-mappings-range "--mappings" bench steps --mappings 0
expect_err bench-steps-gib-twice "--gib given twice" bench steps --gib 1 --gib 2
expect_err bench-without-name "which benchmark" bench
expect_err bench-unknown "frob" bench frob
expect_err help-unknown "foo" help foo
expect_err version-stray-arg "extra" version extra
expect help-bench-exits-0 0 help bench
expect bench-help-exits-0 0 bench --help
expect bench-irq-help-exits-0 0 bench irq --help
expect bench-boot-help-exits-0 0 bench boot --help
expect_err bench-boot-needs-kernel "--kernel FILE is required" bench boot
expect_err bench-boot-timeout-range "--timeout" bench boot --kernel x --timeout 0
expect_err bench-boot-no-such-kernel "--kernel" bench boot --kernel /nonexistent/vmlinuz
expect_err run-initrd-needs-kernel "--initrd needs --kernel" run --guest $G/machine.elf --initrd x
expect_err run-guest-and-kernel "exclude each other" run --guest $G/machine.elf --kernel x
expect_err run-kernel-twice "--kernel given twice" run --kernel a --kernel b
expect_err bench-boot-qemu-twice "--qemu given twice" bench boot --kernel a --qemu a --qemu b
expect_err run-no-such-kernel "--kernel" run --kernel /nonexistent/vmlinuz
expect_err run-kernel-not-linux "no S390EP header" run --kernel $G/machine.elf
expect_err run-kernel-not-a-file "not a regular file" run --kernel /dev/null
# --kvm needs KVM on IBM Z: elsewhere (or under qemu-user s390x, which has
# no /dev/kvm) a one-line error; its run is tested against a simulation of
# KVM (tests/hv/test_run_kvm.c)
expect_err run-kvm-needs-ibm-z "IBM Z\\|/dev/kvm" run --kvm --guest $G/machine.elf --device $D
expect_err run-kvm-with-kernel "--kvm runs a --guest image" run --kvm --kernel x
expect_err run-kvm-with-count "without --count" run --kvm --guest $G/machine.elf --count
# the vfio: device and zvfio list, as far as a host without VFIO can tell
expect_err vfio-bad-address "not a PCI address" run --guest $G/machine.elf --device vfio:00:1g.0
expect_err vfio-no-such-fn "no such PCI function" run --guest $G/machine.elf --device vfio:00fe:ff:1f.7
expect_err vfio-bad-iommu-opt "iommu=auto" run --guest $G/machine.elf --device vfio:0000:00:00.0,iommu=foo
expect_err window-misaligned "DMA window" run --guest $G/machine.elf --device $D,sdma=0x100000001
expect_err window-empty "DMA window" run --guest $G/machine.elf --device $D,sdma=0x200000000,edma=0x100000fff
expect list-exits-0 0 list
expect list-json-exits-0 0 list --json --all
expect list-help-exits-0 0 list --help
expect_err list-bad-option "--frob" list --frob
out=$($Z list --json --all 2>/dev/null)
n_sys=$(ls /sys/bus/pci/devices 2>/dev/null | wc -l)
n_json=$(printf '%s\n' "$out" | grep -c '"address":')
if [ "$n_sys" -eq "$n_json" ] && printf '%s' "$out" | head -c 1 | grep -q '\['; then
	ok "list-json-names-every-function ($n_json)"
else
	bad "list-json-names-every-function ($n_json of $n_sys)" "$out"
fi
echo "guest: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
