#!/bin/sh
# The layering of src/ (docs/ARCHITECTURE.md), checked on the #include
# lines and, given a build directory, on the calls between the objects:
#
#   util < arch < dev < core: a module sees only its own layer and those
#   below it, and the public API (include/zvfio, which sees only itself);
#   hv sees arch, util and the public API, and calls core and dev only
#   through exported (ZV_API) symbols; the backends under dev/ (emu/,
#   vfio/) do not reach into each other; no cycle between modules, in the
#   includes or in the calls.
#
# A module is a .c and its own .h (src/core/msix.c and msix.h: core/msix);
# a header without a .c is a module of its own (core/core, dev/dev). Files
# that include a private NAME_int.h of their directory are one module NAME
# split over several files (hv/softcpu, dev/vfio/vfio): calls inside it are
# its own business, and a cycle among its files is a note, not a failure.
#
# usage: tests/layers.sh [-v] [BUILD_DIR]
#   BUILD_DIR (say build): also check the calls, from the symbols its
#   objects define and use (readelf -s); the objects must be up to date.
#   -v: print the checks that pass too.
# One check per source file (its includes), one per object (its calls),
# one for each graph (no cycle). Last line: "layers: N passed, M failed";
# exit status 1 when any check failed.
set -u
cd "$(dirname "$0")/.." || exit 1
verbose=0
[ "${1-}" = -v ] && verbose=1 && shift
B=${1-}
READELF=${READELF:-readelf}
if [ -n "$B" ] && [ ! -d "$B/src" ]; then
	echo "layers: $B/src is not a build directory"
	echo "layers: 0 passed, 1 failed"
	exit 1
fi
if [ -n "$B" ] && ! command -v "$READELF" >/dev/null; then
	echo "layers: $READELF is needed to read $B's objects"
	echo "layers: 0 passed, 1 failed"
	exit 1
fi

files=$(find src include -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort)

# The facts, one a line: F file; I file "included"; O source state (the
# object's: ok, missing, stale); S source D|U visibility symbol.
facts() {
	for f in $files; do
		echo "F $f"
	done
	# shellcheck disable=SC2086
	awk '/^[ \t]*#[ \t]*include[ \t]*"/ {
		s = $0; sub(/^[^"]*"/, "", s); sub(/".*/, "", s); print "I", FILENAME, s
	}' $files
	[ -n "$B" ] || return 0
	for c in $files; do
		case $c in src/*.c) ;; *) continue ;; esac
		o=$B/${c%.c}.o
		if [ ! -f "$o" ]; then
			echo "O $c missing"
		elif [ -n "$(find "$c" -newer "$o")" ]; then
			echo "O $c stale"
		else
			echo "O $c ok"
			"$READELF" -sW "$o" | awk -v c="$c" '
				$5 != "GLOBAL" && $5 != "WEAK" { next }
				$7 == "UND" { print "S", c, "U", $6, $8; next }
				$4 != "SECTION" && $4 != "FILE" { print "S", c, "D", $6, $8 }'
		fi
	done
}

# shellcheck disable=SC2016
check='
function dirname(p) { if (p !~ /\//) return "."; sub(/\/[^\/]*$/, "", p); return p }
function norm(p,   n, a, st, k, i, out) {
	n = split(p, a, "/"); k = 0
	for (i = 1; i <= n; i++) {
		if (a[i] == "." || a[i] == "") continue
		if (a[i] == ".." && k > 0 && st[k] != "..") { k--; continue }
		st[++k] = a[i]
	}
	out = st[1]
	for (i = 2; i <= k; i++) out = out "/" st[i]
	return out
}
# as the compiler: the including file'"'"'s directory, then -Iinclude -Isrc
function resolve(from, inc,   c) {
	c = norm(dirname(from) "/" inc); if (c in exists) return c
	c = norm("include/" inc); if (c in exists) return c
	c = norm("src/" inc); if (c in exists) return c
	return ""
}
function basemod(p) { sub(/\.[ch]$/, "", p); sub(/^src\//, "", p); return p }
function mod(p,   b) { b = basemod(p); return (b in grp) ? grp[b] : b }
function layer(m) { if (m ~ /^include\//) return "api"; sub(/\/.*/, "", m); return m }
function backend(m,   x) { if (m !~ /^dev\/[^\/]+\//) return ""; split(m, x, "/"); return x[2] }
# why module a may not reach module b (called: through symbol vis), or ""
function forbidden(a, b, vis, called,   la, lb) {
	la = layer(a); lb = layer(b)
	if (!(la in allow)) return la " is no known layer"
	if (index(allow[la], " " lb " ") == 0 &&
	    !(called && la == "hv" && vis == "DEFAULT" && (lb == "core" || lb == "dev")))
		return la == "hv" && called ? "not exported: hv uses only the public API of " lb : \
		       lb " is not below " la
	if (la == "dev" && lb == "dev" && backend(a) != "" && backend(b) != "" &&
	    backend(a) != backend(b))
		return "a backend reaches into another (" backend(a) " -> " backend(b) ")"
	return ""
}
function node(g, name) {
	if (!((g, name) in nid)) { nid[g, name] = ++nn[g]; nname[g, nn[g]] = name }
	return nid[g, name]
}
# edge of graph g, a -> b, with what makes it (an include, the symbols)
function edge(g, a, b, why,   i, j) {
	i = node(g, a); j = node(g, b)
	if (!((g, i, j) in elabel)) { aj[g, i, ++na[g, i]] = j; elabel[g, i, j] = why; return }
	if (index(" " elabel[g, i, j] " ", " " why " ") == 0) elabel[g, i, j] = elabel[g, i, j] " " why
}
# Tarjan: strongly connected components of graph g into comp[]
function strong(g, v,   k, w, x) {
	tidx[v] = tlow[v] = ++tcount; stk[++sp] = v; onst[v] = 1
	for (k = 1; k <= na[g, v]; k++) {
		w = aj[g, v, k]
		if (!tidx[w]) { strong(g, w); if (tlow[w] < tlow[v]) tlow[v] = tlow[w] }
		else if (onst[w] && tidx[w] < tlow[v]) tlow[v] = tidx[w]
	}
	if (tlow[v] != tidx[v]) return
	ncomp++; csize[ncomp] = 0
	do { x = stk[sp--]; onst[x] = 0; comp[x] = ncomp; csize[ncomp]++ } while (x != v)
}
# Each set of modules of graph g that reach each other, with one cycle
# through it: "    a, b, c: a -> b -> ... -> a", then "      a -> b: why"
# for each step.
function cycles(g,   v, c, s, u, w, k, head, tail, q, par, seen, path, n, out, i, done, line) {
	split("", tidx); split("", tlow); split("", onst); split("", comp); split("", csize)
	tcount = sp = ncomp = 0; out = ""
	for (v = 1; v <= nn[g]; v++) if (!tidx[v]) strong(g, v)
	for (c = 1; c <= ncomp; c++) {
		if (csize[c] < 2) continue
		for (s = 1; comp[s] != c; s++) ;
		split("", par); split("", seen); head = tail = 0; q[++tail] = s; seen[s] = 1; u = 0
		for (done = 0; head < tail && !done; ) {
			u = q[++head]
			for (k = 1; k <= na[g, u] && !done; k++) {
				w = aj[g, u, k]
				if (comp[w] != c) continue
				if (w == s) done = 1
				else if (!seen[w]) { seen[w] = 1; par[w] = u; q[++tail] = w }
			}
		}
		n = 0; for (v = u; v != s; v = par[v]) path[++n] = v
		path[++n] = s
		line = ""
		for (v = 1; v <= nn[g]; v++)
			if (comp[v] == c) line = line (line == "" ? "    " : ", ") nname[g, v]
		line = line ": " nname[g, s]
		for (i = n - 1; i >= 1; i--) line = line " -> " nname[g, path[i]]
		line = line " -> " nname[g, s]
		for (i = n; i >= 1; i--) {
			v = path[i]; w = i > 1 ? path[i - 1] : s
			line = line "\n      " nname[g, v] " -> " nname[g, w] ": " elabel[g, v, w]
		}
		out = out line "\n"
	}
	return out
}
function result(ok, what, why) {
	if (ok) { pass++; if (verbose) print "ok   " what }
	else { fail++; printf "FAIL %s\n%s", what, why }
}
BEGIN {
	allow["util"] = " util "
	allow["api"] = " api "
	allow["arch"] = " arch api "
	allow["dev"] = " dev arch util api "
	allow["core"] = " core dev arch util api "
	allow["hv"] = " hv arch util api "
}
$1 == "F" { exists[$2] = 1; file[++nf] = $2; next }
$1 == "I" { ifrom[++ni] = $2; iinc[ni] = $3; ito[ni] = resolve($2, $3); next }
$1 == "O" { obj[++no] = $2; ostate[$2] = $3; next }
$1 == "S" && $3 == "D" { if (!($5 in def)) { def[$5] = $2; dvis[$5] = $4 }; next }
$1 == "S" && $3 == "U" { usrc[++nu] = $2; usym[nu] = $5; next }
END {
	# files that include a private NAME_int.h of their directory: module NAME
	for (i = 1; i <= ni; i++)
		if (ito[i] ~ /_int\.h$/ && dirname(ito[i]) == dirname(ifrom[i])) {
			g = basemod(ito[i]); sub(/_int$/, "", g)
			grp[basemod(ifrom[i])] = grp[basemod(ito[i])] = g
			if (index(" " members[g] " ", " " ifrom[i] " ") == 0 && ifrom[i] ~ /\.c$/)
				members[g] = members[g] " " ifrom[i]
			via[g] = ito[i]
		}
	for (g in members)
		print "note: " g " is one module in" members[g] " (they share " via[g] ")"

	# the includes of each file
	for (i = 1; i <= ni; i++) {
		a = mod(ifrom[i]); b = mod(ito[i])
		if (ito[i] == "")
			bad[ifrom[i]] = bad[ifrom[i]] "    #include \"" iinc[i] "\": in neither src/ nor include/\n"
		else if ((why = forbidden(a, b, "", 0)) != "")
			bad[ifrom[i]] = bad[ifrom[i]] "    #include \"" iinc[i] "\": " ito[i] " (" why ")\n"
		else if (a != b)
			edge("include", a, b, ifrom[i])
	}
	for (i = 1; i <= nf; i++)
		result(!(file[i] in bad), "includes " file[i], bad[file[i]])
	c = cycles("include")
	result(c == "", "no include cycle", c)

	if (build == "") {
		print "note: no build directory given: calls not checked"
	} else {
		for (i = 1; i <= nu; i++) {
			if (!(usym[i] in def) || def[usym[i]] == usrc[i]) continue
			a = mod(usrc[i]); b = mod(def[usym[i]])
			if ((why = forbidden(a, b, dvis[usym[i]], 1)) != "")
				cbad[usrc[i]] = cbad[usrc[i]] "    calls " usym[i] " of " def[usym[i]] " (" why ")\n"
			else if (a != b)
				edge("call", a, b, usym[i])
			else if (basemod(usrc[i]) != basemod(def[usym[i]]))
				edge("inside", basemod(usrc[i]), basemod(def[usym[i]]), usym[i])
		}
		for (i = 1; i <= no; i++) {
			o = obj[i]
			if (ostate[o] == "missing")
				cbad[o] = "    no object in " build ": run make first\n"
			else if (ostate[o] == "stale")
				cbad[o] = "    its object in " build " is older than the source: run make first\n"
			result(!(o in cbad), "calls of " o, cbad[o])
		}
		c = cycles("call")
		result(c == "", "no call cycle", c)
		c = cycles("inside")
		if (c != "")
			printf "note: calls go both ways between files of one module:\n%s", c
	}
	print "layers: " (pass + 0) " passed, " (fail + 0) " failed"
	exit (fail > 0)
}'

facts | awk -v build="$B" -v verbose="$verbose" "$check"
