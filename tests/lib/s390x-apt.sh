# tests/lib/s390x-apt.sh - sourced by the suites that need Debian's s390x
# packages (tests/vm/s390x, tests/linux): a private apt state in DIR/apt for
# bookworm and bookworm-backports, s390x only, so the host's apt
# configuration is never changed (apt-get download only).
#
# s390x_apt_init DIR [MIRROR]: sets APTOPTS (an array for apt-get and
# apt-cache) and APT_MIRROR (MIRROR, else the Debian mirror the host's apt
# uses, else deb.debian.org), and writes the sources. Then:
#   apt-get "${APTOPTS[@]}" update; apt-get "${APTOPTS[@]}" download PKG...
#
# debian_apt_init DIR ARCH [MIRROR]: the same for another architecture, in
# DIR/apt-ARCH (tests/linux fetches the host's linux-kbuild-* with it).
debian_apt_init() {
	local dir=$1 arch=$2
	APT_MIRROR=${3:-$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null)}
	APT_MIRROR=${APT_MIRROR:-$(awk '/^deb / { print $2; exit }' /etc/apt/sources.list 2>/dev/null)}
	APT_MIRROR=${APT_MIRROR:-http://deb.debian.org/debian}
	APTOPTS=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$dir/sources"
		-o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts="$dir/prefs"
		-o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache"
		-o Dir::State::status="$dir/status" -o APT::Architecture="$arch"
		-o APT::Architectures="$arch" -o APT::Sandbox::User=root -o Debug::NoLocking=1)
	mkdir -p "$dir"/{sources,prefs,lists/partial,cache/archives/partial} || return 1
	touch "$dir/status"
	printf '%s\n' 'Types: deb' "URIs: $APT_MIRROR" 'Suites: bookworm bookworm-backports' \
		'Components: main' "Architectures: $arch" \
		'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' \
		>"$dir/sources/debian-$arch.sources"
}

s390x_apt_init() {
	debian_apt_init "$1/apt" s390x "${2:-}"
}
