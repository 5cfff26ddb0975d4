# tests/linux/io.sh - sourced by tests/linux/run.sh and tests/demo-linux.sh:
# the Linux I/O check. Debian's kernel boots on zvfio's software machine with
# two emu:virtio-blk functions on scratch files; its own virtio_pci and
# virtio_blk modules bind them and /init (io-init.sh) moves data with dd
# (O_DIRECT and buffered), checksums what it reads back, and puts an ext2
# file system on the second disk; the host then checksums its files.
#
# The caller defines ok WHAT, bad WHAT and log MSG, and sets W (work dir with
# the unpacked kernels and busybox: kernels.sh), HERE (tests/linux), ZVFIO
# and TIMEOUT.

# the modules the I/O check needs (with what they depend on; those a
# kernel has built in, as 6.12 has virtio_pci, are simply not there)
IO_MODULES="virtio_pci virtio_blk ext4 crc32c_generic"

# io_modules K DIR NAME...: kernel K's modules NAME and their dependencies
# (modinfo), decompressed (busybox's insmod takes plain ones), into DIR, and
# their load order into DIR/order
io_modules() {
	local k=$1 dir=$2 m
	local -A seen=()
	shift 2
	: >"$dir/order"
	_io_resolve() {
		local m=$1 f dep
		[ -n "${seen[$m]:-}" ] && return 0
		seen[$m]=1
		f=$(find "$W/k$k"/lib/modules/*/kernel -name "${m//[-_]/[-_]}.ko*" | head -1)
		[ -n "$f" ] || return 0
		for dep in $(modinfo -F depends "$f" | tr ',' ' '); do _io_resolve "$dep" || return 1; done
		case $f in
		*.xz) xz -dc "$f" >"$dir/$m.ko" ;;
		*.zst) zstd -dcq "$f" >"$dir/$m.ko" ;;
		*) cp "$f" "$dir/$m.ko" ;;
		esac || return 1
		echo "$m" >>"$dir/order"
	}
	for m in "$@"; do _io_resolve "$m" || return 1; done
}

# io_initrd K OUT [INIT [MODULE...]]: busybox, INIT (default io-init.sh) as
# /init and kernel K's MODULEs (default IO_MODULES) in /lib, into the gzip'd
# cpio OUT
io_initrd() {
	local k=$1 out=$2 init=${3:-$HERE/io-init.sh} rd=$W/io-initramfs
	shift 3 2>/dev/null || shift $#
	rm -rf "$rd" && mkdir -p "$rd"/{bin,lib,proc,sys,dev,tmp,mnt} || return 1
	cp "$W/bb/bin/busybox" "$rd/bin/" && install -m 755 "$init" "$rd/init" || return 1
	# shellcheck disable=SC2086
	io_modules "$k" "$rd/lib" ${*:-$IO_MODULES} || return 1
	(cd "$rd" && find . | cpio -o -H newc --quiet | gzip -1 >"$out")
}

# io_boot K INITRD DIR MIB: boot kernel K with disks DIR/vda.img (2 * MIB +
# 16 MiB) and DIR/vdb.img (32 MiB), the console into DIR/console.log and
# zvfio's output into DIR/host.log; zvfio's exit status
io_boot() {
	local k=$1 initrd=$2 dir=$3 mib=$4
	rm -f "$dir/vda.img" "$dir/vdb.img"
	truncate -s $((2 * mib + 16))M "$dir/vda.img" && truncate -s 32M "$dir/vdb.img" || return 99
	timeout $((TIMEOUT + 30)) "$ZVFIO" run --kernel "$(linux_image "$k")" --initrd "$initrd" \
		--mem 512M --append "console=ttysclp0 nosmp quiet zvio.mib=$mib" --timeout "$TIMEOUT" \
		--device "emu:virtio-blk,file=$dir/vda.img" --device "emu:virtio-blk,file=$dir/vdb.img" \
		</dev/null >"$dir/console.log" 2>"$dir/host.log"
}

# io_field LINE KEY: the value of KEY=value in LINE
io_field() {
	sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"
}

# io_rate NAME MIB CONSOLE: "X.X MiB/s" of a timed dd (guest time)
io_rate() {
	local line
	line=$(grep "^ZVIO $1 " "$3" | tr -d '\r')
	awk -v a="$(io_field "$line" t0)" -v b="$(io_field "$line" t1)" -v m="$2" \
		'BEGIN { d = b - a; if (d <= 0) d = 0.01; printf "%.1f MiB/s", m / d }'
}

# io_check K DIR MIB RC: the checks, as ok/bad lines
io_check() {
	local k=$1 dir=$2 mib=$3 rc=$4 c=$2/console.log h=$2/host.log pat line want n
	tr -d '\r' <"$dir/console.log" >"$dir/console.txt" && c=$dir/console.txt
	[ "$rc" -eq 0 ] && ok "$k io: booted, ran the I/O and powered off (exit 0)" ||
		{ bad "$k io: exit $rc (logs: $c, $h)"; tail -5 "$h"; }
	grep -q '^ZVIO module .* failed' "$c" && bad "$k io: $(grep '^ZVIO module .* failed' "$c")"
	for b in vda vdb; do
		line=$(grep "^ZVIO disk $b " "$c")
		want=$(($(stat -c %s "$dir/$b.img") / 512))
		[[ $line == *" sectors=$want "* && $line == *" driver=virtio_blk"* ]] &&
			ok "$k io: /dev/$b: Linux's virtio_blk bound it, $want sectors as the file has" ||
			bad "$k io: /dev/$b: '$line', want $want sectors and virtio_blk"
	done
	pat=$(sed -n 's/^ZVIO pattern .* md5=\([0-9a-f]*\).*/\1/p' "$c")
	[ -n "$pat" ] || bad "$k io: no pattern written"
	for t in direct buffered; do
		n=$(grep -c "^ZVIO $t-\(write\|read\) rc=0 " "$c")
		[ "$n" -eq 2 ] && [ "$(sed -n "s/^ZVIO $t-back md5=//p" "$c")" = "$pat" ] &&
			ok "$k io: $mib MiB written and read back $t, the same in the guest ($(io_rate "$t-write" "$mib" "$c") write, $(io_rate "$t-read" "$mib" "$c") read)" ||
			bad "$k io: $t: $(grep "^ZVIO $t-" "$c" | tr '\n' ' ')"
	done
	[ -n "$pat" ] &&
		[ "$(dd if="$dir/vda.img" bs=1M count="$mib" 2>/dev/null | md5sum | cut -d' ' -f1)" = "$pat" ] &&
		[ "$(dd if="$dir/vda.img" bs=1M skip="$mib" count="$mib" 2>/dev/null | md5sum | cut -d' ' -f1)" = "$pat" ] &&
		ok "$k io: the host file holds what the guest wrote, both times" ||
		bad "$k io: the host file differs from what the guest wrote"
	line=$(grep '^ZVIO fs ' "$c" | head -1)
	[ -n "$line" ] && [ "$(io_field "$line" md5)" = "$(io_field "$line" want)" ] &&
		grep -q '^ZVIO fs umount ok' "$c" &&
		ok "$k io: mke2fs, mount, a file copied in, mounted again, read back, unmounted" ||
		bad "$k io: file system: $line"
	if grep '^ZVIO log ' "$c" | grep -qiE 'I/O error|blk_update|WARNING|Oops|BUG|EXT[24]-fs error'; then
		bad "$k io: the kernel logged:"
		grep '^ZVIO log ' "$c" | grep -iE 'I/O error|blk_update|WARNING|Oops|BUG|EXT[24]-fs error' | head -8
	else
		ok "$k io: no I/O error, warning or oops in the kernel log"
	fi
}

# io_summary MIB DIR: what zvfio's summary says of the run, per MiB moved
io_summary() {
	local mib=$1 h=$2/host.log rpcit maps rd wr irq boot
	rpcit=$(sed -n 's/^intercepts:.* RPCIT \([0-9]*\).*/\1/p' "$h")
	maps=$(sed -n 's/.*(backend map calls \([0-9]*\),.*/\1/p' "$h")
	rd=$(sed -n 's/^bytes moved by DMA: \([0-9]*\) read.*/\1/p' "$h")
	wr=$(sed -n 's/^bytes moved by DMA: [0-9]* read from guest, \([0-9]*\) written.*/\1/p' "$h")
	irq=$(sed -n 's/^interrupts: .*, \([0-9]*\) presented.*/\1/p' "$h")
	boot=$(sed -n 's/^first user-space instruction after \(.*\) s$/\1/p' "$h")
	awk -v r="${rd:-0}" -v w="${wr:-0}" -v rp="${rpcit:-0}" -v mc="${maps:-0}" -v i="${irq:-0}" \
		-v b="${boot:-?}" 'BEGIN {
		m = (r + w) / 1048576; if (m <= 0) m = 1
		printf "boot to user space %s s; %.0f MiB moved by DMA (%.0f read from the guest, %.0f written to it); ", b, (r + w) / 1048576, r / 1048576, w / 1048576
		printf "%.1f RPCITs and %.1f backend map calls per MiB; %d interrupts presented\n", rp / m, mc / m, i }'
}
