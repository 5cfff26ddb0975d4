# shellcheck shell=bash
# tests/linux/driver.sh - sourced by tests/linux/run.sh: the test driver
# (tests/linux/zvtest) built for each kernel against Debian's own headers,
# and the checks of what it and Linux's function measurement blocks report.
#
# Needs from run.sh: W, ROOT, ok, bad, log, and s390x-apt.sh sourced.
#
# driver_fetch K DEB: download linux-headers-ABI-s390x of kernel package DEB
# (a linux-image-*.deb) with its -common package (s390x) and the matching
# linux-kbuild-* (the host's architecture, exact version) into W/debs.
# driver_build K DEB: unpack them into W/h-K and build zvtest.ko; prints the
# module's path. Both return non-zero with a reason on standard error.
# driver_check K CONSOLE-LOG HOST-LOG FIDS: the checks.

DRIVER_SRC=$ROOT/tests/linux/zvtest

# the headers' package name and version for a linux-image deb
driver_pkg() {
	local pkg ver
	pkg=$(dpkg-deb -f "$1" Package) && ver=$(dpkg-deb -f "$1" Version) || return 1
	echo "${pkg/linux-image-/linux-headers-} $ver"
}

# driver_apt_update DIR ARCH: apt-get update of the private state in DIR
# (APTOPTS point at it), once, or again with ZV_LINUX_REFRESH; log W/apt-ARCH.log
driver_apt_update() {
	[ -e "$1/updated" ] && [ -z "${ZV_LINUX_REFRESH:-}" ] && return 0
	apt-get "${APTOPTS[@]}" update -q --error-on=any >>"$W/apt-$2.log" 2>&1 ||
		{ echo "apt-get update ($2) failed (log: $W/apt-$2.log)" >&2; return 1; }
	touch "$1/updated"
}

driver_fetch() {
	local k=$1 deb=$2 hdr ver dep common kbuild harch
	read -r hdr ver < <(driver_pkg "$deb") || { echo "cannot read $deb" >&2; return 1; }
	# all three there already ($hdr.kbuild names the kbuild package)
	[ -z "${ZV_LINUX_REFRESH:-}" ] && [ -s "$W/debs/$hdr.kbuild" ] &&
		ls "$W/debs/${hdr}_$ver"_*.deb "$W/debs/${hdr%-s390x}-common_$ver"_*.deb \
			"$W/debs/$(cat "$W/debs/$hdr.kbuild")_$ver"_*.deb >/dev/null 2>&1 && return 0
	s390x_apt_init "$W" "${ZV_LINUX_MIRROR:-}" || return 1
	driver_apt_update "$W/apt" s390x || return 1
	(cd "$W/debs" && apt-get "${APTOPTS[@]}" download -q "$hdr=$ver") >>"$W/apt-s390x.log" 2>&1 ||
		{ echo "cannot download $hdr $ver (log: $W/apt-s390x.log; ZV_LINUX_REFRESH=1 fetches the newest kernels and their headers)" >&2; return 1; }
	# its Depends name the -common headers and the kbuild tools
	dep=$(dpkg-deb -f "$(ls "$W/debs/${hdr}_"*.deb | head -1)" Depends)
	common=$(grep -o 'linux-headers-[^ ,]*-common' <<<"$dep" | head -1)
	kbuild=$(grep -o 'linux-kbuild-[^ ,]*' <<<"$dep" | head -1)
	[ -n "$common" ] && [ -n "$kbuild" ] || { echo "$hdr depends on no -common or kbuild package: $dep" >&2; return 1; }
	(cd "$W/debs" && apt-get "${APTOPTS[@]}" download -q "$common=$ver") >>"$W/apt-s390x.log" 2>&1 ||
		{ echo "cannot download $common $ver (log: $W/apt-s390x.log)" >&2; return 1; }
	# the kbuild tools run on this machine: the same source version for its
	# architecture, from a second private apt state
	harch=$(dpkg --print-architecture)
	debian_apt_init "$W/apt-$harch" "$harch" "${ZV_LINUX_MIRROR:-}" || return 1
	driver_apt_update "$W/apt-$harch" "$harch" || return 1
	(cd "$W/debs" && apt-get "${APTOPTS[@]}" download -q "$kbuild=$ver") >>"$W/apt-$harch.log" 2>&1 ||
		{ echo "cannot download $kbuild $ver for $harch (log: $W/apt-$harch.log)" >&2; return 1; }
	echo "$kbuild" >"$W/debs/$hdr.kbuild"
	log "$k: downloaded $hdr, $common ($ver) and $kbuild ($harch)"
}

# The module, cached by kernel release and a hash of the driver's source,
# the header packages and the compiler.
driver_build() {
	local k=$1 deb=$2 hdr ver root hdir debs key ko b n
	read -r hdr ver < <(driver_pkg "$deb") || return 1
	debs="$(ls "$W/debs/${hdr}_"*.deb "$W/debs/${hdr%-s390x}-common_"*.deb \
		"$W/debs/$(cat "$W/debs/$hdr.kbuild" 2>/dev/null)_"*.deb 2>/dev/null)"
	[ "$(grep -c . <<<"$debs")" -eq 3 ] || { echo "the header packages of $hdr are not all there" >&2; return 1; }
	key=$( { cat "$DRIVER_SRC/zvtest.c" "$DRIVER_SRC/Kbuild"; echo "$debs"; s390x-linux-gnu-gcc-12 --version; } |
		sha256sum | cut -c1-16)
	ko=$W/zvtest-${hdr#linux-headers-}-$key.ko
	[ -s "$ko" ] && { echo "$ko"; return 0; }
	root=$W/h-$k
	rm -rf "$root" && mkdir -p "$root" || return 1
	while read -r n; do
		dpkg-deb -x "$n" "$root" || { echo "cannot unpack $n" >&2; return 1; }
	done <<<"$debs"
	hdir=$root/usr/src/${hdr}
	# the headers include their -common half by its installed path
	sed -i "s#^include /usr/src/#include $root/usr/src/#" "$hdir/Makefile" || return 1
	b=$W/zvtest-build-$k
	rm -rf "$b" && mkdir -p "$b" && cp "$DRIVER_SRC/zvtest.c" "$DRIVER_SRC/Kbuild" "$b/" || return 1
	# Debian's s390x kernels are built with gcc-12 (a cross compiler for
	# 6.12); BTF for the module would need pahole and is not wanted
	if ! timeout 600 make -C "$hdir" M="$b" ARCH=s390 CROSS_COMPILE=s390x-linux-gnu- \
		CONFIG_DEBUG_INFO_BTF_MODULES= modules >"$b/build.log" 2>&1; then
		echo "make failed (log: $b/build.log):" >&2
		grep -E 'error|Error' "$b/build.log" | head -5 >&2
		return 1
	fi
	if grep -q 'warning:' "$b/build.log"; then
		echo "the module builds with warnings (log: $b/build.log):" >&2
		grep 'warning:' "$b/build.log" | head -5 >&2
		return 1
	fi
	rm -f "$W/zvtest-${hdr#linux-headers-}"-*.ko	# other sources' modules
	s390x-linux-gnu-strip --strip-debug -o "$ko.tmp" "$b/zvtest.ko" && mv "$ko.tmp" "$ko" || return 1
	log "$k: built $(basename "$ko")"
	echo "$ko"
}

# ---- the checks --------------------------------------------------------------

# value of KEY in the "ZVT fmb DEV TAG" line ("" when there is none)
fmbv() {
	sed -n "s/^ZVT fmb $2 $3 .* $4=\([0-9a-f]*\) .*/\1/p" "$1" | tail -1
}
# the driver's "count NAME VALUE" for DEV TAG
cntv() {
	sed -n "s/^ZVT drv $2 $3 count $4 \([0-9]*\)$/\1/p" "$1" | tail -1
}
# KEY's growth from "DEV TAG-before" to "DEV TAG-after", or ? when missing
fmbd() {
	local a b
	a=$(fmbv "$1" "$2" "$3-after" "$4")
	b=$(fmbv "$1" "$2" "$3-before" "$4")
	[ -n "$a" ] && [ -n "$b" ] && echo $((a - b)) || echo "?"
}
# sum_add VAR VALUE: VAR += VALUE; ? from then on if either is not a number
sum_add() {
	local -n acc=$1
	if [[ $acc =~ ^-?[0-9]+$ && ${2:-} =~ ^-?[0-9]+$ ]]; then
		acc=$((acc + $2))
	else
		acc="?"
	fi
}
# Linux's own count of the RPCITs it issued (6.12's software counters), or ""
swrpcit() {
	local g s m
	g=$(fmbv "$1" "$2" "$3" Global_RPCITs)
	m=$(fmbv "$1" "$2" "$3" Sync_Map_RPCITs)
	s=$(fmbv "$1" "$2" "$3" Sync_RPCITs)
	[ -n "$g" ] && [ -n "$m" ] && [ -n "$s" ] && echo $((g + m + s))
}

# window K OUT DEV TAG: the self-test between two measurement samples.
# Sets w_stb w_rpcit w_irqs w_rb w_wb for the run's totals.
driver_window() {
	local k=$1 out=$2 dev=$3 tag=$4 c name lines want got key d tagw detail fails
	w_stb="?" w_rpcit="?" w_irqs="?" w_rb="?" w_wb="?"
	lines=$(grep "^ZVT drv $dev $tag " "$out")
	if ! grep -q "^ZVT drv $dev $tag cmd selftest ok$" <<<"$lines"; then
		bad "$k: $dev $tag: the self-test did not run: $(grep " cmd " <<<"$lines")"
		return
	fi
	# the driver's own checks, by group ("dma" appears only when it failed
	# to allocate or map its buffers)
	for c in "msix:MSI-X vectors signalled and counted one by one" \
		"fill csum copyin copyout dma:DMA through the s390 IOMMU (coherent and streaming, both directions), every byte verified" \
		"pcistb16 pcistb40:PCISTB (memcpy_toio of 16 and 40 bytes; the 40-byte block starts a DMA)" \
		"id counters:ID register; the device's DONE, RBYTES, WBYTES grew by what was asked"; do
		fails=""
		for name in ${c%%:*}; do
			d=$(grep "^ZVT drv $dev $tag check $name " <<<"$lines" | head -1)
			if [ -z "$d" ]; then
				[ "$name" = dma ] || fails="$fails $name: not run;"
			elif [ "$(cut -d' ' -f7 <<<"$d")" != ok ]; then
				fails="$fails $(cut -d' ' -f6- <<<"$d");"
			fi
		done
		detail=""
		[ "${c%%:*}" = msix ] &&
			detail=" ($(sed -n "s/^ZVT drv $dev $tag check msix ok \(vectors=[0-9]*\) got=\([0-9,]*\) .*/\1, per vector \2/p" <<<"$lines"))"
		[ -z "$fails" ] && ok "$k: $dev $tag: ${c#*:}$detail" || bad "$k: $dev $tag: ${c#*:}:$fails"
	done
	grep -q "^ZVT drv $dev $tag result ok fails=0$" <<<"$lines" ||
		bad "$k: $dev $tag: driver result: $(grep " result " <<<"$lines")"
	# the measurement block around it against what the driver did
	fails=""
	for tagw in before after; do
		d=$(sed -n "s/^ZVT fmb $dev $tag-$tagw waited=\([0-9]*\) .*/\1/p" "$out")
		[ -n "$d" ] && [ "$d" -lt 100 ] || fails="$fails no new FMB sample $tagw the test (waited=${d:-none});"
	done
	for c in Load_operations:loads Store_operations:stores Store_block_operations:storeblocks \
		DMA_read_bytes:rbytes DMA_write_bytes:wbytes; do
		key=${c%%:*}
		want=$(cntv "$out" "$dev" "$tag" "${c#*:}")
		got=$(fmbd "$out" "$dev" "$tag" "$key")
		[ -n "$want" ] && [ "$got" = "$want" ] || fails="$fails $key +$got, the driver did ${want:-?};"
	done
	# refreshes: what Linux says it issued (6.12 counts them), else one per
	# mapping (6.1 refreshes each new mapping and unmaps lazily)
	got=$(fmbd "$out" "$dev" "$tag" Refresh_operations)
	if [ -n "$(swrpcit "$out" "$dev" "$tag-after")" ]; then
		want="?"
		[ -n "$(swrpcit "$out" "$dev" "$tag-before")" ] &&
			want=$(($(swrpcit "$out" "$dev" "$tag-after") - $(swrpcit "$out" "$dev" "$tag-before")))
		key="Linux's RPCIT counters"
	else
		want=$(cntv "$out" "$dev" "$tag" maps)
		key="the driver's mappings"
	fi
	[ -n "$want" ] && [ "$got" = "$want" ] || fails="$fails Refresh_operations +$got, $key +${want:-?};"
	if [ -z "$fails" ]; then
		ok "$k: $dev $tag: FMB (debugfs) counted exactly the driver's $(cntv "$out" "$dev" "$tag" loads) loads, $(cntv "$out" "$dev" "$tag" stores) stores, $(cntv "$out" "$dev" "$tag" storeblocks) store blocks, $(cntv "$out" "$dev" "$tag" rbytes)/$(cntv "$out" "$dev" "$tag" wbytes) DMA bytes read/written, $got refreshes ($key)"
	else
		bad "$k: $dev $tag: FMB against the driver:$fails"
	fi
	w_stb=$(fmbd "$out" "$dev" "$tag" Store_block_operations)
	w_rpcit=$got
	w_irqs=$(cntv "$out" "$dev" "$tag" irqs)
	w_rb=$(cntv "$out" "$dev" "$tag" rbytes)
	w_wb=$(cntv "$out" "$dev" "$tag" wbytes)
}

# the error event Linux logged for a function: "fh fid rw faddr pec" from the
# CCDF in its s390dbf pci_error area
ccdf_of() {
	awk -v fid="$2" '
		/^ZVT dbf pci_error / && /error CCDF:/ { n = 2; hex = ""; next }
		/^ZVT dbf pci_error / && n > 0 {
			for (i = 10; i <= 25; i++) hex = hex $i
			if (--n == 0 && substr(hex, 17, 8) == sprintf("%08x", fid))
				print substr(hex, 9, 8), substr(hex, 17, 8), substr(hex, 31, 2), substr(hex, 33, 16), substr(hex, 61, 4)
		}' "$1" | tail -1
}

# driver_check K OUT ERR DEV1:FID1 DEV2:FID2: the first function is recovered
# through sysfs, the second automatically (init.sh)
driver_check() {
	local k=$1 out=$2 err=$3 dev fid how iova c n t d v sw stb=0 rpcit=0 irqs=0 rb=0 wb=0 fmbrb=0 fmbwb=0
	local dev1=${4%:*} fid1=${4##*:} dev2=${5%:*} fid2=${5##*:} fwd pres pcf msi nmi errev faults mchk
	if grep -q '^ZVT drv none' "$out"; then
		bad "$k: no test driver in the initramfs"
		return
	fi
	grep -q '^ZVT drv insmod ok' "$out" && ok "$k: insmod zvtest.ko (built against Debian's headers)" ||
		{ bad "$k: insmod zvtest.ko: $(grep '^ZVT drv insmod' "$out")"; return; }
	[ "$(grep -c -E "^ZVT drv ($dev1|$dev2) bound driver=zvtest " "$out")" -ge 3 ] &&
		ok "$k: zvtest bound to both functions (and to the first again after recover)" ||
		bad "$k: binding: $(grep -E "^ZVT drv [0-9a-f:.]+ bound " "$out" | tr '\n' ' ')"
	# the four self-tests between measurement samples
	for t in "$dev1 run1" "$dev2 run1" "$dev1 run2" "$dev2 run2"; do
		driver_window "$k" "$out" "${t%% *}" "${t#* }"
		sum_add stb "$w_stb"
		sum_add rpcit "$w_rpcit"
		sum_add irqs "$w_irqs"
		sum_add rb "$w_rb"
		sum_add wb "$w_wb"
	done
	[ "$(fmbv "$out" "$dev1" run1-before Update_interval)" = "$ZV_LINUX_MUI" ] &&
		ok "$k: FMB update interval $ZV_LINUX_MUI ms, as zvfio --mui gave it" ||
		bad "$k: FMB update interval $(fmbv "$out" "$dev1" run1-before Update_interval), zvfio gave $ZV_LINUX_MUI"

	# IOMMU fault -> error event -> recovery, on both functions
	for c in "$dev1 $fid1 sysfs" "$dev2 $fid2 auto"; do
		read -r dev fid how <<<"$c"
		iova=$(sed -n "s/^ZVT drv $dev fault fault_iova 0x\([0-9a-f]*\)$/\1/p" "$out")
		n=$(grep -c "^ZVT log .* zpci: $dev: Event 0x7 reports an error for PCI function $(printf '0x%x' "$fid")\$" "$out")
		v=$(ccdf_of "$out" "$fid")
		if grep -q "^ZVT drv $dev fault check fault ok " "$out" && [ "$n" -eq 1 ] &&
			[ "$v" = "$(printf '%s %08x 01 %016x 0007' "${v%% *}" "$fid" "0x$iova")" ]; then
			ok "$k: $dev: DMA to unmapped IOVA 0x$iova -> error event 0x7 (fh ${v%% *}, fid $fid, write, that address) -> Linux called error_detected"
		else
			bad "$k: $dev: fault: $(grep "^ZVT drv $dev fault check" "$out"); kernel log 'Event 0x7' lines: $n; CCDF (fh fid rw faddr pec): '${v:-none}' for IOVA 0x${iova:-?}"
		fi
		fails=""
		if [ "$how" = sysfs ]; then
			# error_detected twice: frozen, then (declined) permanent failure
			grep -q "^ZVT drv $dev fault fn probes=1 detected=2 .* state=3$" "$out" ||
				fails="$fails after the fault: $(grep "^ZVT drv $dev fault fn" "$out");"
			grep -q "zpci: $dev: Automatic recovery failed after initial reporting" "$out" ||
				fails="$fails no 'Automatic recovery failed' in the kernel log;"
			grep -q "^ZVT drv $dev recover ok$" "$out" || fails="$fails writing recover failed;"
			grep -q "^ZVT drv $dev run2 fn probes=2 .* state=1$" "$out" ||
				fails="$fails after recover: $(grep "^ZVT drv $dev run2 fn" "$out");"
			[ -z "$fails" ] &&
				ok "$k: $dev: the driver declined automatic recovery; sysfs recover -> bound again (probe 2), self-test run2 above" ||
				bad "$k: $dev: sysfs recover:$fails"
		else
			grep -q "^ZVT drv $dev run2 fn probes=1 detected=1 slot_resets=1 resumes=1 state=1$" "$out" ||
				fails="$fails driver: $(grep "^ZVT drv $dev run2 fn" "$out");"
			grep -q "zpci: $dev: Initiating reset" "$out" || fails="$fails no 'Initiating reset' in the kernel log;"
			grep -q "zpci: $dev: The device is ready to resume operations" "$out" ||
				fails="$fails no 'ready to resume operations' in the kernel log;"
			[ -z "$fails" ] &&
				ok "$k: $dev: automatic recovery: error_detected -> reset -> slot_reset -> resume, self-test run2 above" ||
				bad "$k: $dev: automatic recovery:$fails"
			d=$(sed -n "s/^ZVT fmb $dev recovered waited=\([0-9]*\) .*/\1/p" "$out")
			[ "${d:-0}" -ge 100 ] &&
				echo "     ($k: Linux did not register the measurement block again after its reset: no new sample in 5 s; restarted through debugfs)"
		fi
	done

	# what zvfio's summary says the machine did, against the guest's counts
	n=$(sed -n 's/^intercepts: .* PCISTB \([0-9]*\) .*/\1/p' "$err")
	[ "$n" = "$stb" ] && ok "$k: zvfio counted $n PCISTB = the FMBs' store blocks = the driver's" ||
		bad "$k: zvfio counted ${n:-?} PCISTB, the FMBs $stb"
	# all DMA happens inside the measured windows: the blocks' growth there
	for t in "$dev1 run1" "$dev2 run1" "$dev1 run2" "$dev2 run2"; do
		sum_add fmbrb "$(fmbd "$out" "${t%% *}" "${t#* }" DMA_read_bytes)"
		sum_add fmbwb "$(fmbd "$out" "${t%% *}" "${t#* }" DMA_write_bytes)"
	done
	v=$(sed -n 's/^bytes moved by DMA: \([0-9]*\) read from guest, \([0-9]*\) written to guest.*/\1 \2/p' "$err")
	[ "$v" = "$fmbrb $fmbwb" ] && [ "$v" = "$rb $wb" ] &&
		ok "$k: zvfio moved $fmbrb/$fmbwb DMA bytes read/written = the FMBs' (their growth in the windows) = what the driver asked" ||
		bad "$k: DMA bytes read/written: zvfio '${v:-?}', FMBs $fmbrb $fmbwb, the driver $rb $wb"
	# refreshes: those in the windows, those Linux counted itself after them
	# (6.12: the IOTLB flush of a function in error) up to the end of each
	# measurement session (the sample after the fault, the one after the
	# reset), and at most one per recovery that neither sees: Linux 6.12
	# refreshes when it registers the translations again, before the
	# measurement block runs again
	sw=0
	for t in "$dev1 faulted" "$dev2 recovered"; do
		v=$(swrpcit "$out" "${t%% *}" "${t#* }")
		[ -n "$v" ] || continue	# 6.1 does not count them
		sum_add sw "$v"
		sum_add sw "-$(swrpcit "$out" "${t%% *}" run1-after)"
	done
	n=$(sed -n 's/^intercepts: .* RPCIT \([0-9]*\) .*/\1/p' "$err")
	if [ -n "$n" ] && [ "$rpcit" != "?" ] && [ "$sw" != "?" ] && [ "$n" -ge $((rpcit + sw)) ] &&
		[ "$n" -le $((rpcit + sw + 2)) ]; then
		ok "$k: zvfio counted $n RPCIT = $rpcit refreshes in the FMBs + $sw Linux counted outside the windows + $((n - rpcit - sw)) (of at most 2) on re-registration after recovery"
	else
		bad "$k: zvfio counted ${n:-?} RPCIT; the FMBs $rpcit, Linux outside the windows $sw, + at most 2 on recovery"
	fi
	read -r fwd pres < <(sed -n 's/^interrupts: \([0-9]*\) MSI-X forwarded, [0-9]* adapter interruptions requested, \([0-9]*\) presented.*/\1 \2/p' "$err")
	read -r pcf msi nmi < <(sed -n 's/^ZVT irqstat PCF:\([0-9]*\) MSI:\([0-9]*\) NMI:\([0-9]*\) *$/\1 \2 \3/p' "$out")
	[ -n "$fwd" ] && [ "$fwd" = "$irqs" ] && [ "$msi" = "$irqs" ] && [ "$pres" = "$pcf" ] &&
		ok "$k: zvfio forwarded $fwd MSI-X = Linux's MSI count = the driver's; it presented $pres adapter interruptions = Linux's PCF count" ||
		bad "$k: interrupts: zvfio forwarded ${fwd:-?} and presented ${pres:-?}; Linux counted MSI ${msi:-?} PCF ${pcf:-?}; the driver $irqs"
	read -r errev faults mchk < <(sed -n 's/^events: \([0-9]*\) error events, \([0-9]*\) IOMMU faults, \([0-9]*\) machine checks$/\1 \2 \3/p' "$err")
	[ "${errev:-}" = 2 ] && [ "${faults:-}" = 2 ] && [ "${mchk:-}" = 2 ] && [ "$nmi" = 2 ] &&
		ok "$k: zvfio reported the 2 IOMMU faults as 2 error events in 2 machine checks = Linux's NMI count" ||
		bad "$k: events: zvfio ${errev:-?} error events, ${faults:-?} IOMMU faults, ${mchk:-?} machine checks; Linux's NMI count ${nmi:-?}; 2 faults made"
	grep -q '^ZVT drv rmmod ok' "$out" && ok "$k: rmmod zvtest" || bad "$k: rmmod: $(grep '^ZVT drv rmmod' "$out")"
}
