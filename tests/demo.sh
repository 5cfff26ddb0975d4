#!/bin/sh
# `make demo`: a software s390x guest gets two emulated DMA engines passed
# through, moves 64 MiB each way by DMA with checksums verified in the
# guest, and handles over 10,000 interrupts. Exits non-zero on a mismatch.
set -u
B=$1; G=$2
echo "zvfio demo: $G/dma.elf on the software s390x machine, two emu:dma functions"
"$B/zvfio" run --timeout 600 --guest "$G/dma.elf" \
	--device emu:dma,uid=1,fid=1 --device emu:dma,uid=2,fid=2 \
	--args "mib=64 irqs=10000"
rc=$?
if [ $rc -eq 0 ]; then echo "demo: PASS"; else echo "demo: FAIL (exit status $rc)"; fi
exit $rc
