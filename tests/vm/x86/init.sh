#!/bin/busybox sh
# /init of the x86 VM suite's initramfs (tests/vm/x86/run.sh): load the
# VFIO modules, bind edu and nvme to vfio-pci, run zvfio against them,
# print PASS/FAIL lines and "RESULT: N passed, M failed", power off.
# zvt.mode=full|limit on the kernel command line picks the checks;
# mod.param=value arguments go to insmod (busybox insmod does not read them).
/bin/busybox --install -s /bin
export PATH=/bin
mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# Unicorn reserves a large code buffer up front: let it, RAM is small here
echo 1 > /proc/sys/vm/overcommit_memory
P=0 F=0
pass() { echo "PASS: $*"; P=$((P + 1)); }
fail() { echo "FAIL: $*"; F=$((F + 1)); }
karg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p" | tail -1; }
MODE=$(karg zvt.mode)
SERIAL=$(karg zvt.serial)
echo "ZVT: init at uptime $(cut -d' ' -f1 /proc/uptime)s, kernel $(uname -r), mode $MODE"

for m in $(cat /lib/modules/order); do
    mu=$(echo $m | tr - _)
    params=$(tr ' ' '\n' < /proc/cmdline | grep "^$mu\." | sed 's/^[^.]*\.//' | tr '\n' ' ')
    [ -n "$params" ] && echo "ZVT: insmod $m $params"
    insmod /lib/modules/$m.ko $params || fail "insmod $m"
done

EDU= NVME=
for d in /sys/bus/pci/devices/*; do
    case "$(cat $d/vendor):$(cat $d/device)" in
        0x1234:0x11e8) EDU=${d##*/} ;;
        0x1b36:0x0010) NVME=${d##*/} ;;
    esac
done
for b in $EDU $NVME; do
    d=/sys/bus/pci/devices/$b
    echo vfio-pci > $d/driver_override
    [ -e $d/driver ] && echo $b > $d/driver/unbind
    echo $b > /sys/bus/pci/drivers_probe
done
drv() { d=$(readlink /sys/bus/pci/devices/$1/driver); echo ${d##*/}; }
[ -n "$EDU" ] && [ "$(drv $EDU)" = vfio-pci ] && pass "edu $EDU bound to vfio-pci" ||
    fail "edu (1234:11e8) bound to vfio-pci: '$EDU' '$(drv $EDU)'"
[ -n "$NVME" ] && [ "$(drv $NVME)" = vfio-pci ] && pass "nvme $NVME bound to vfio-pci" ||
    fail "nvme (1b36:0010) bound to vfio-pci: '$NVME' '$(drv $NVME)'"
[ -r /sys/module/vfio_iommu_type1/parameters/dma_entry_limit ] &&
    echo "ZVT: vfio_iommu_type1.dma_entry_limit=$(cat /sys/module/vfio_iommu_type1/parameters/dma_entry_limit)"

# zv NAME WANT_RC ARGS...: one zvfio command, its output indented
zv() {
    name=$1 want=$2; shift 2
    echo "ZVT: zvfio $*"
    t0=$(cut -d' ' -f1 /proc/uptime)
    timeout "${ZV_TIMEOUT:-120}" /bin/zvfio "$@" > /tmp/out 2>&1
    rc=$?
    t1=$(cut -d' ' -f1 /proc/uptime)
    sed 's/^/ZVT:   /' /tmp/out
    secs=$(awk -v a=$t1 -v b=$t0 'BEGIN{printf "%.1f", a-b}')
    if [ $rc -eq $want ]; then pass "$name (exit $rc, ${secs}s)"; return 0; fi
    fail "$name (exit $rc, want $want, ${secs}s)"
    return 1
}
# got PATTERN NAME: the last command's output has a line matching PATTERN
got() {
    if grep -qiE "$1" /tmp/out; then pass "$2"; else fail "$2 (no line matching '$1')"; fi
}

# edu's DMA mask is 28 bits: its window must lie below 256 MiB
EDU_SPEC=vfio:$EDU,sdma=0x1000000,edma=0xfffffff
case $MODE in
full)
    # the machine itself, with an emulated device: tells a VM problem from a vfio one
    zv "zvfio runs in the VM (emu:dma)" 0 run --guest /dma.elf --device emu:dma --args "mib=1 irqs=10 buf=256"
    if zv "zvfio list" 0 list; then
        got "^$EDU .*vfio-pci .* yes" "zvfio list shows edu $EDU on vfio-pci, viable"
        got "^$NVME .*vfio-pci .* yes" "zvfio list shows nvme $NVME on vfio-pci, viable"
    fi
    if zv "zvfio list --json" 0 list --json; then
        got "\"address\": \"$EDU\".*\"driver\": \"vfio-pci\".*\"viable\": true" "zvfio list --json: edu viable"
        got "\"address\": \"$NVME\".*\"driver\": \"vfio-pci\".*\"viable\": true" "zvfio list --json: nvme viable"
    fi
    zv "edu DMA both ways, polled" 0 run --guest /edu.elf --device $EDU_SPEC --args "irq=0" &&
        got "guest report: edu_verified_bytes" "edu reports verified bytes"
    # edu has MSI, one vector, no MSI-X: the engine's MSI path
    zv "edu DMA both ways, MSI interrupts" 0 run --guest /edu.elf --device $EDU_SPEC --args "irq=1" &&
        got "guest report: edu_interrupts = [1-9]" "edu completions came as interrupts"
    zv "nvme identify, write + read back 1 MiB" 0 run --guest /nvme.elf --device vfio:$NVME \
        --args "serial=$SERIAL kib=1024 seed=1" &&
        got "guest report: nvme_verified_bytes = 1048576" "nvme verified 1 MiB" &&
        got "device regions \(VFIO\): [1-9][0-9]* accesses through mappings" "nvme's BAR accessed through the mmap VFIO allows"
    # Linux's MSI-X order: vectors programmed masked, the admin vector
    # unmasked only after the controller is enabled; freed and allocated
    # again with a new count (on a NORESIZE kernel the engine disables and
    # re-enables the index). QEMU's NVMe uses a queue's vector only if
    # MSI-X was on when the queue was made, so the device must be in MSI-X
    # mode as soon as the guest enables it (src/core/msix.c)
    zv "nvme with MSI-X set up in Linux's order, 512 KiB" 0 run --timeout 60 --guest /nvme.elf --device vfio:$NVME \
        --args "serial=$SERIAL kib=512 seed=4 msix=linux" &&
        got "guest report: nvme_verified_bytes = 524288" "nvme verified 512 KiB with Linux's MSI-X order"
    zv "nvme polled, no interrupts, 256 KiB" 0 run --guest /nvme.elf --device vfio:$NVME \
        --args "serial=$SERIAL kib=256 seed=3 irq=0"
    # the host fails one operation (fail=, src/dev/fault.c) of a real VFIO
    # function: the guest gets the architected answer (hostfail.c), and
    # the fence and resets go to the real device. irqs on nvme: edu has
    # no MSI-X
    for op in map unmap read write reset; do
        zv "vfio edu: the host fails $op, the guest is told" 0 run --guest /hostfail.elf \
            --device "$EDU_SPEC,fail=$op" --args "op=$op"
    done
    zv "vfio edu: the host runs out of mappings (ENOSPC), status 16" 0 run --guest /hostfail.elf \
        --device "$EDU_SPEC,fail=map,fail-errno=enospc" --args "op=map enospc=1"
    zv "vfio nvme: the host cannot switch MSI-X on, the guest is told" 0 run \
        --guest /hostfail.elf --device "vfio:$NVME,fail=irqs" --args "op=irqs"
    if /bin/zvfio bench rpcit --help 2>&1 | grep -q -- '--device'; then
        # 320 MiB = 81,920 pages: past type1's 65,535 mappings, so the
        # per-page baseline runs out (cc 1 after 65,535 map calls) where
        # zvfio maps the window in 20 calls, one per bounded step of 4,096
        # pinned pages; small enough to pin in 1 GiB
        zv "zvfio bench rpcit on vfio:$NVME" 0 bench rpcit --device vfio:$NVME --mib 320 --pages 1024 --rounds 10 && {
            got "^ *contiguous +per-page .* cc 1" "type1: per-page RPCIT runs out of mappings (cc 1)"
            got "^ *contiguous +zvfio +[0-9.]+ ms +20 +0 .* cc 0" "type1: zvfio maps 320 MiB in 20 steps of 4,096 pages"
        }
    else
        echo "ZVT: zvfio bench rpcit has no --device option: not run on vfio"
    fi
    # last: the host takes edu back. Unbinding it from vfio-pci makes the
    # kernel signal VFIO's request eventfd; zvfio turns that into event
    # 0x0303 for the guest, which disables the function and exits, and the
    # unbind completes once zvfio has let the device go.
    echo "ZVT: zvfio run --guest /unplug.elf --device vfio:$EDU; then unbind $EDU"
    /bin/zvfio run -q --timeout 120 --guest /unplug.elf --device vfio:$EDU >/tmp/unplug.out 2>&1 &
    zpid=$!
    for i in $(seq 1 600); do
        grep -q "unplug: waiting" /tmp/unplug.out && break
        kill -0 $zpid 2>/dev/null || break
        sleep 0.1
    done
    echo $EDU > /sys/bus/pci/devices/$EDU/driver/unbind &
    upid=$!
    wait $zpid; zrc=$?
    wait $upid
    sed 's/^/ZVT:   /' /tmp/unplug.out
    cp /tmp/unplug.out /tmp/out
    if [ $zrc -eq 0 ]; then pass "host unplug request: the guest got event 0x0303 and released edu"
    else fail "host unplug request (zvfio exit $zrc, want 0)"; fi
    got "deconfiguration requested" "the guest saw the deconfiguration request"
    if [ -e /sys/bus/pci/devices/$EDU/driver ]; then fail "edu still bound after the unplug"
    else pass "edu unbound from vfio-pci after zvfio released it"; fi
    echo $EDU > /sys/bus/pci/drivers_probe	# driver_override: back to vfio-pci
    ;;
linux)
    # Debian's s390x Linux on the software machine, nested in this VM: its
    # own nvme driver on QEMU's NVMe through VFIO (linux-init.sh)
    ZV_TIMEOUT=$(($(karg zvt.linux_timeout) + 60))
    zv "s390x Linux on zvfio drives nvme $NVME through vfio" 0 run --kernel /s390x/vmlinuz \
        --initrd /s390x/initrd.gz --mem 512M --timeout "$(karg zvt.linux_timeout)" \
        --append "console=ttysclp0 nosmp quiet zvn.mib=$(karg zvt.mib)" --device vfio:$NVME && {
        got "^first user-space instruction after" "s390x user space reached"
        got "^ZVN nvme serial=$SERIAL .* pci=0001:00:00.0" "Linux's nvme driver bound it as zPCI function 0001:00:00.0, serial $SERIAL"
        got "^ZVN write rc=0" "dd wrote $(karg zvt.mib) MiB with O_DIRECT"
        got "^ZVN read rc=0" "dd read them back"
        pat=$(sed -n 's/^ZVN pattern .* md5=//p' /tmp/out)
        if [ -n "$pat" ] && grep -q "^ZVN back md5=$pat" /tmp/out; then pass "the read-back checksums to the pattern"
        else fail "the read-back differs from the pattern"; fi
        if grep '^ZVN log ' /tmp/out | grep -qiE 'I/O error|WARNING|Oops|BUG|timeout'; then
            fail "the s390x kernel logged an error"
        else pass "no I/O error, timeout, warning or oops in the s390x kernel log"; fi
    }
    ;;
limit)
    # rtr=1 keeps the window wider than the 64 mappings type1 allows (else
    # it shrinks to them, as QEMU's): RPCIT answers cc 1 status 16 and the
    # guest recovers with a global refresh and a retry
    zv "nvme under dma_entry_limit=64" 0 run --guest /nvme.elf --device vfio:$NVME,rtr=1 \
        --args "serial=$SERIAL kib=1024 seed=2 expect16=1" &&
        got "guest report: dma_insufficient = [1-9]" "nvme went through insufficient resources"
    ;;
*)
    fail "unknown zvt.mode '$MODE'" ;;
esac

echo "ZVT: kernel log (dmar/vfio):"
dmesg | grep -iE 'dmar.*fault|vfio' | tail -n 20 | sed 's/^/ZVT:   /'
echo "RESULT: $P passed, $F failed"
echo "ZVT-DONE"
poweroff -f
