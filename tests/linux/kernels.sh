# tests/linux/kernels.sh - sourced by tests/linux/run.sh and tests/demo-linux.sh:
# Debian's s390x kernels (bookworm's 6.1 and bookworm-backports' 6.12, the
# newest of each) and busybox-static, downloaded once into $W/debs through a
# private apt state (tests/lib/s390x-apt.sh; the host's apt untouched) and
# unpacked into $W/k6.1, $W/k6.12 and $W/bb.
#
# The caller defines log MSG, skip WHY (ends the run: no network, no
# packages) and bad WHAT, and sets W (the work directory; ZV_LINUX_REFRESH=1
# downloads again, ZV_LINUX_MIRROR= picks the mirror).

linux_fetch() {
	local k61 k612
	if ls "$W"/debs/linux-image-6.1.0-*.deb "$W"/debs/linux-image-6.12.*.deb \
		"$W"/debs/busybox-static_*.deb >/dev/null 2>&1 && [ -z "${ZV_LINUX_REFRESH:-}" ]; then
		return 0
	fi
	mkdir -p "$W/debs"
	s390x_apt_init "$W" "${ZV_LINUX_MIRROR:-}" || skip "cannot set up the apt state in $W/apt"
	log "private apt update (s390x; $APT_MIRROR)"
	apt-get "${APTOPTS[@]}" update -q --error-on=any >"$W/apt-s390x.log" 2>&1 ||
		skip "cannot reach the Debian archive (log: $W/apt-s390x.log)"
	k61=$(apt-cache "${APTOPTS[@]}" search --names-only '^linux-image-6\.1\.0-[0-9]+-s390x$' |
		awk '{ print $1 }' | sort -V | tail -1)
	k612=$(apt-cache "${APTOPTS[@]}" search --names-only '^linux-image-6\.12\.[0-9]+.*-s390x$' |
		awk '{ print $1 }' | grep -v -- '-dbg$' | sort -V | tail -1)
	[ -n "$k61" ] && [ -n "$k612" ] || skip "no 6.1 or 6.12 s390x kernel package found"
	log "downloading $k61 $k612 busybox-static (s390x)"
	rm -f "$W"/debs/*.deb
	(cd "$W/debs" && apt-get "${APTOPTS[@]}" download -q "$k61" "$k612" busybox-static) \
		>>"$W/apt-s390x.log" 2>&1 || skip "cannot download the packages (log: $W/apt-s390x.log)"
}

# Unpack what changed; 1 after a failure (reported with bad).
linux_unpack() {
	local d n t
	for d in "$W"/debs/*.deb; do
		n=${d##*/}
		case $n in
		linux-image-6.1.0-*) t=$W/k6.1 ;;
		linux-image-6.12.*) t=$W/k6.12 ;;
		busybox-static_*) t=$W/bb ;;
		*) continue ;;
		esac
		if [ "$(cat "$t.stamp" 2>/dev/null)" != "$n" ]; then
			rm -rf "$t" && mkdir -p "$t" && dpkg-deb -x "$d" "$t" && echo "$n" >"$t.stamp" ||
				{ bad "unpack $n"; return 1; }
		fi
	done
}

# linux_image K: the vmlinuz of kernel K (6.1, 6.12), or nothing
linux_image() {
	ls "$W/k$1"/boot/vmlinuz-* 2>/dev/null | head -1
}
