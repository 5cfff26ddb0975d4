#!/bin/sh
# The man pages: every man/*.[1-9] renders without a single warning (man-db's
# `man --warnings` and `groff -ww`), and zvfio(1) names every command, every
# option and every key=value key the tool's --help texts list.
#
#   tests/man/check.sh [BUILD]     BUILD: the build directory holding the
#                                  zvfio tool (default: build)
#
# Needs man-db (man) and groff-base (groff, troff, preconv). One line per
# check, "ok   WHAT" or "FAIL WHAT: WHY"; the last line is
# "man: N passed, M failed"; exit 1 if any check failed.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
if [ $# -ge 1 ]; then
	case $1 in
	/*) build=$1 ;;
	*) build=$(pwd)/$1 ;;
	esac
else
	build=$root/build
fi
zvfio=$build/zvfio
mandir=$root/man
page1=$mandir/zvfio.1

pass=0; fail=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# a locale that exists everywhere (glibc builds C.UTF-8 in), so that man
# cannot complain about the caller's
LC_ALL=C.UTF-8; export LC_ALL
unset MANOPT MANPAGER PAGER MANROFFOPT GROFF_TMAC_PATH 2>/dev/null

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1: $2"; }
# indent what a tool printed under the FAIL line
show() { sed 's/^/    | /' "$1"; }

# ---- 1. every page renders cleanly --------------------------------------
have_man=1; have_groff=1
command -v man >/dev/null 2>&1 || { have_man=0; bad "man" "not installed (apt-get install man-db)"; }
command -v groff >/dev/null 2>&1 || { have_groff=0; bad "groff" "not installed (apt-get install groff-base)"; }

npages=0
for page in "$mandir"/*.[1-9]; do
	[ -f "$page" ] || continue
	npages=$((npages + 1))
	name=man/${page##*/}
	if [ $have_man = 1 ]; then
		man --warnings -E UTF-8 -l "$page" >/dev/null 2>"$tmp/err"
		rc=$?
		if [ -s "$tmp/err" ]; then
			bad "$name renders with man --warnings" "it printed:"
			show "$tmp/err"
		elif [ $rc -ne 0 ]; then
			bad "$name renders with man --warnings" "exit status $rc"
		else
			ok "$name renders with man --warnings"
		fi
	fi
	if [ $have_groff = 1 ]; then
		groff -man -ww -z "$page" >/dev/null 2>"$tmp/err"
		rc=$?
		if [ -s "$tmp/err" ]; then
			bad "$name passes groff -man -ww" "it printed:"
			show "$tmp/err"
		elif [ $rc -ne 0 ]; then
			bad "$name passes groff -man -ww" "exit status $rc"
		else
			ok "$name passes groff -man -ww"
		fi
	fi
done
[ $npages -gt 0 ] || bad "man pages" "no man/*.[1-9] in $mandir"

# ---- 2. zvfio(1) against the tool's --help texts -----------------------
# The page's text as a reader sees it, near enough to search: comments
# dropped, \- as -, font and spacing escapes removed, leading macro names
# dropped, so that `.BI "\-g, \-\-guest " FILE` reads `"-g, --guest " FILE`.
normalise() {
	sed -e '/^[.'\'']\\"/d' -e 's/\\".*//' \
	    -e 's/\\-/-/g' -e 's/\\f\[[^]]*\]//g' -e 's/\\f([A-Za-z][A-Za-z]//g' \
	    -e 's/\\f[A-Za-z1-9]//g' -e 's/\\[&%:c|^]//g' -e 's/\\[~ 0]/ /g' \
	    -e "s/\\\\(aq/'/g" -e 's/\\([lr]q/"/g' -e 's/\\e/\\/g' \
	    -e 's/^[.'\''][A-Za-z][A-Za-z]*[ 	]*//' "$1"
}

# the words the page must contain: FILE holds one per line; KIND names them
check_words() {	# KIND FILE
	while IFS= read -r w; do
		[ -n "$w" ] || continue
		case $1 in
		key) re="(^|[^A-Za-z0-9_-])$w" ;;
		*) re="(^|[^A-Za-z0-9-])$w([^A-Za-z0-9-]|\$)" ;;
		esac
		if grep -Eq -e "$re" "$tmp/page"; then
			ok "zvfio.1 documents $1 $w"
		else
			bad "zvfio.1 documents $1 $w" "listed by the --help of: $(grep -lF -e "$w" "$tmp"/help.* |
				sed 's/.*help\.//; s/_/ /g' | tr '\n' ',' | sed 's/,$//; s/,/, /g'), missing in man/zvfio.1"
		fi
	done <"$2"
}

if [ ! -f "$page1" ]; then
	bad "man/zvfio.1" "missing"
elif [ ! -x "$zvfio" ]; then
	bad "$zvfio" "missing (build the tool first: make BUILD=DIR tool)"
else
	normalise "$page1" >"$tmp/page"
	# the general help and its command list
	"$zvfio" --help >"$tmp/help.zvfio" 2>&1 </dev/null
	rc=$?
	if [ $rc -ne 0 ] || [ ! -s "$tmp/help.zvfio" ]; then
		bad "zvfio --help" "exit status $rc"
	else
		ok "zvfio --help"
	fi
	cmds=$(sed -n '/^Commands:/,/^$/p' "$tmp/help.zvfio" | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p')
	[ -n "$cmds" ] || bad "zvfio --help lists its commands" "no 'Commands:' list found"
	: >"$tmp/cmds"
	for c in $cmds; do
		# a command with subcommands names them as `zvfio CMD SUB`
		subs=$(grep -o "\`zvfio $c [a-z][a-z-]*" "$tmp/help.zvfio" | sed 's/.* //' | sort -u)
		if [ -n "$subs" ]; then
			for s in $subs; do echo "$c $s"; done >>"$tmp/cmds"
		else
			echo "$c" >>"$tmp/cmds"
		fi
	done
	while IFS= read -r c; do
		f=$tmp/help.zvfio_$(echo "$c" | tr ' ' _)
		# shellcheck disable=SC2086
		"$zvfio" $c --help >"$f" 2>"$tmp/err" </dev/null
		rc=$?
		if [ $rc -ne 0 ] || [ ! -s "$f" ]; then
			bad "zvfio $c --help" "exit status $rc, $(wc -c <"$f") bytes: $(head -n 1 "$tmp/err")"
		else
			ok "zvfio $c --help"
		fi
		if grep -Eq "(^|[^A-Za-z0-9-])zvfio $c([^A-Za-z0-9-]|\$)" "$tmp/page"; then
			ok "zvfio.1 documents command zvfio $c"
		else
			bad "zvfio.1 documents command zvfio $c" "no 'zvfio $c' in man/zvfio.1"
		fi
	done <"$tmp/cmds"
	# every option: --long, and -x short forms (a single letter)
	cat "$tmp"/help.* | grep -oE '(^|[^A-Za-z0-9-])(--[A-Za-z][A-Za-z0-9-]*|-[A-Za-z])([^A-Za-z0-9-]|$)' |
		sed -E 's/^[^-]*//; s/[^A-Za-z0-9]$//' | grep -E '^-' | sort -u >"$tmp/opts"
	# every key of a key=value the helps mention (device specifications,
	# --args examples, benchmark result fields)
	cat "$tmp"/help.* | grep -oE '(^|[^A-Za-z0-9_-])[a-z][a-z0-9_-]*=' |
		sed -E 's/^[^a-z]//' | sort -u >"$tmp/keys"
	[ -s "$tmp/opts" ] || bad "options in the --help texts" "none found"
	check_words option "$tmp/opts"
	check_words key "$tmp/keys"
fi

echo "man: $pass passed, $fail failed"
[ $fail -eq 0 ]
