#!/bin/sh
# `make check-fresh`: the README's first command on a machine that has never
# seen zvfio. mmdebstrap makes a minimal Debian 12 chroot (variant minbase)
# from this machine's own apt sources, adds only make and git, copies the
# source tree in and runs `make demo` there (FRESH_FULL=1: `make check` too),
# printing each command's exit status and time. Nothing is cached: the
# chroot is made anew and thrown away (mmdebstrap's null target), so a
# missing install step fails here as it would for a newcomer.
set -eu
cd "$(dirname "$0")/../.."
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
pass=0; fail=0

if [ "$(id -u)" -ne 0 ]; then
	# not a pass: nothing was proven
	echo "FAIL check-fresh needs root (mmdebstrap's root mode and chroot); nothing was run"
	exit 1
fi
scripts/install-deps.sh mmdebstrap

work=$(mktemp -d /var/tmp/zvfio-fresh.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM

# The machine's Debian 12 apt sources, one-line style, read now: entries
# for bookworm and its -updates/-security suites from sources.list, *.list
# and deb822 *.sources files; other repositories (vendors' tools) are left
# out, and so are options such as signed-by (mmdebstrap brings Debian's
# keyring).
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	case $f in
	*.sources)
		awk 'function flush() {
			if (types ~ /(^| )deb( |$)/ && uris != "")
				for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++)
					if (s[j] ~ /^bookworm(-updates|-security)?$/)
						print "deb " u[i] " " s[j] " " comps
			types = uris = comps = ""; nu = ns = 0 }
		/^[ \t]*$/ { flush(); next }
		/^#/ { next }
		tolower($1) == "types:" { $1 = ""; types = $0 }
		tolower($1) == "uris:" { $1 = ""; uris = $0; nu = split(uris, u, " ") }
		tolower($1) == "suites:" { $1 = ""; ns = split($0, s, " ") }
		tolower($1) == "components:" { $1 = ""; sub(/^ +/, ""); comps = $0 }
		END { flush() }' "$f" ;;
	*)
		awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) while ($i !~ /\]$/) i++; if ($2 ~ /^\[/) i++
			if ($(i + 1) ~ /^bookworm(-updates|-security)?$/) {
				line = "deb"; for (k = i; k <= NF; k++) line = line " " $k; print line } }' "$f" ;;
	esac
done | sort -u > "$work/sources.list"
if [ ! -s "$work/sources.list" ]; then
	echo "FAIL no Debian 12 (bookworm) entries in this machine's apt sources"
	echo "fresh: 0 passed, 1 failed"
	exit 1
fi
echo "apt sources (from this machine):"; sed 's/^/    /' "$work/sources.list"

# the tree as it is now: tracked files and new ones, not build output
mkdir "$work/tree"
git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - | tar -C "$work/tree" -xf -

# each command inside: its exit status and time, one line
cat > "$work/tree/.fresh-steps.sh" <<'STEPS'
#!/bin/sh
cd /zvfio
rc=0
step() {
	t0=$(date +%s)
	"$@" > /zvfio/.fresh-log 2>&1; r=$?
	echo "  \`$*\` in the fresh chroot: exit status $r, $(( $(date +%s) - t0 )) s"
	if [ $r -ne 0 ]; then tail -n 40 /zvfio/.fresh-log | sed 's/^/    | /'; rc=1; fi
	grep -E '^(demo: |[0-9]+ passed, [0-9]+ failed$)' /zvfio/.fresh-log | sed 's/^/    /'
	return $r
}
step make demo || exit 1
if [ "${FRESH_FULL:-0}" = 1 ]; then step make check || exit 1; fi
exit $rc
STEPS
chmod +x "$work/tree/.fresh-steps.sh"

t0=$(date +%s)
# Unicorn reserves a 1 GiB code buffer: let small hosts overcommit as the
# VM suites do
[ -w /proc/sys/vm/overcommit_memory ] && [ "$(cat /proc/sys/vm/overcommit_memory)" = 2 ] &&
	echo 1 > /proc/sys/vm/overcommit_memory
if mmdebstrap --mode=root --variant=minbase --include=make,git \
	--customize-hook='mkdir "$1/zvfio"' \
	--customize-hook="tar -C '$work/tree' -cf - . | tar -C \"\$1/zvfio\" -xf -" \
	--customize-hook="chroot \"\$1\" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		FRESH_FULL=${FRESH_FULL:-0} /zvfio/.fresh-steps.sh" \
	bookworm /dev/null - < "$work/sources.list" > "$work/mmdebstrap.log" 2>&1; then
	grep -E '^  `|^    ' "$work/mmdebstrap.log" || true
	what="make demo"; [ "${FRESH_FULL:-0}" = 1 ] && what="make demo, make check"
	ok "fresh Debian 12 chroot (minbase + make, git): $what ($(( $(date +%s) - t0 )) s in all)"
else
	grep -E '^  `|^    ' "$work/mmdebstrap.log" || tail -n 30 "$work/mmdebstrap.log"
	bad "fresh Debian 12 chroot: see the lines above ($(( $(date +%s) - t0 )) s)"
fi
echo "fresh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
