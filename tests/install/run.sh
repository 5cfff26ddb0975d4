#!/bin/sh
# The library as a VMM author gets it: `make install` into a temporary
# DESTDIR with its own PREFIX and LIBDIR, then, using only the installed
# copy: pkg-config, examples/minimal-vmm.c built against the shared and the
# static library and run, the SONAME, only zv_ symbols exported (and every
# ZV_API declaration exported), each public header compiling alone as C11
# and C++ (guest_abi.h also freestanding for s390x), docs/API.md's excerpts
# being code the example compiles, and `make uninstall` leaving nothing.
# usage: run.sh [BUILD_DIR]
set -u
cd "$(dirname "$0")/../.."
B=${1:-build}
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2-}" ] && printf '%s\n' "$2" | tail -n 15 | sed 's/^/    /'; }
check() {	# check NAME COMMAND...: pass when COMMAND succeeds
	name=$1; shift
	if out=$("$@" 2>&1); then ok "$name"; else bad "$name" "$out"; fi
}

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
D=$tmp/dest PREFIX=/opt/zvfio-test LIBDIR=/opt/zvfio-test/lib64
L=$D$LIBDIR
V=$(sed -n 's/^#define ZV_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\).*/\2/p' include/zvfio/zvfio.h | paste -sd.)
MAJOR=${V%%.*}

if ! out=$(make --no-print-directory BUILD="$B" DESTDIR="$D" PREFIX=$PREFIX LIBDIR=$LIBDIR install 2>&1); then
	bad "make install" "$out"; echo "install: $pass passed, $fail failed"; exit 1
fi
ok "make install DESTDIR=... PREFIX=$PREFIX LIBDIR=$LIBDIR"
# a second install with another PREFIX: nothing of the first may stay in it
if out=$(make --no-print-directory BUILD="$B" DESTDIR="$tmp/dest2" PREFIX=/usr/local install 2>&1) &&
	grep -qx 'prefix=/usr/local' "$tmp/dest2/usr/local/lib/pkgconfig/libzvfio.pc" &&
	! grep -q zvfio-test "$tmp/dest2/usr/local/lib/pkgconfig/libzvfio.pc"; then
	ok "make install again with PREFIX=/usr/local: libzvfio.pc says /usr/local"
else
	bad "make install again with PREFIX=/usr/local" "$out"
fi
for f in bin/zvfio lib64/libzvfio.so.$V lib64/libzvfio.a lib64/pkgconfig/libzvfio.pc \
	include/zvfio/zvfio.h include/zvfio/softcpu.h include/zvfio/guest_abi.h \
	share/man/man1/zvfio.1 share/man/man3/zvfio.3; do
	check "installed $f" test -f "$D$PREFIX/$f"
done
check "libzvfio.so.$MAJOR -> libzvfio.so.$V" test "$(readlink "$L/libzvfio.so.$MAJOR")" = "libzvfio.so.$V"
check "libzvfio.so -> libzvfio.so.$MAJOR" test "$(readlink "$L/libzvfio.so")" = "libzvfio.so.$MAJOR"
check "SONAME libzvfio.so.$MAJOR" sh -c "readelf -d '$L/libzvfio.so.$V' | grep -q 'SONAME.*\\[libzvfio.so.$MAJOR\\]'"

# exports: exactly the functions the headers declare with ZV_API, nothing
# else (libunicorn's TLB functions are redirected at run time, not exported:
# src/hv/ucstore.c)
nm -D --defined-only "$L/libzvfio.so.$V" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sort -u > "$tmp/exported"
cat include/zvfio/*.h | tr '\n' ' ' | sed 's/;/;\n/g' | grep 'ZV_API' |
	sed -n 's/.*[ *]\(zv_[a-z0-9_]*\)(.*/\1/p' | sort -u > "$tmp/declared"
check "only zv_ symbols exported ($(wc -l < "$tmp/exported") symbols)" sh -c "! grep -v '^zv_' '$tmp/exported'"
check "every ZV_API declaration exported ($(wc -l < "$tmp/declared") declared)" \
	diff "$tmp/declared" "$tmp/exported"

# pkg-config against the installed copy
export PKG_CONFIG_PATH="$L/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$D"
check "pkg-config --modversion libzvfio = $V" test "$(pkg-config --modversion libzvfio)" = "$V"
CF=$(pkg-config --cflags libzvfio) LIBS=$(pkg-config --libs libzvfio)
check "pkg-config --cflags/--libs name the installed copy" \
	sh -c "echo '$CF $LIBS' | grep -q -- '-I$D$PREFIX/include' && echo '$LIBS' | grep -q -- '-L$L'"
W="-std=c11 -Wall -Wextra -Werror -pedantic"
# shellcheck disable=SC2086
check "examples/minimal-vmm.c builds with pkg-config (shared)" \
	cc $W -o "$tmp/mvmm" examples/minimal-vmm.c $CF $LIBS
# shellcheck disable=SC2086
check "examples/minimal-vmm.c builds with pkg-config --static" \
	cc $W -static-libgcc -o "$tmp/mvmm-static" examples/minimal-vmm.c $CF \
	-Wl,-Bstatic -lzvfio -Wl,-Bdynamic $(pkg-config --static --libs-only-L --libs-only-other libzvfio) \
	$(pkg-config --static --libs-only-l libzvfio | sed 's/-lzvfio//')
check "the shared build loads the installed libzvfio.so.$MAJOR" \
	sh -c "LD_LIBRARY_PATH='$L' ldd '$tmp/mvmm' | grep -q '$L/libzvfio.so.$MAJOR'"
check "the static build needs no libzvfio.so" sh -c "! ldd '$tmp/mvmm-static' | grep -q libzvfio"
if [ -f "$B/guest/dma.elf" ]; then
	for bin in mvmm mvmm-static; do
		out=$(cd "$tmp" && mkdir -p build && ln -sfn "$OLDPWD/$B/guest" build/guest &&
			LD_LIBRARY_PATH="$L" "./$bin" 2>&1); rc=$?
		if [ $rc -eq 0 ] && echo "$out" | grep -q "guest exit status 0" &&
			echo "$out" | grep -q "all verified" &&
			echo "$out" | grep -Eq "wait exits, [0-9]+ event exits, [1-9][0-9]* device events dispatched"; then
			ok "$bin runs its default guest: DMA verified, its waits and device events handled, exit 0"
		else
			bad "$bin runs its default guest (exit $rc)" "$out"
		fi
	done
else
	bad "no $B/guest/dma.elf to run the example with (build the guest images first)"
fi

# each public header alone, as C11 and as C++ (pedantic), from the installed copy
for h in "$D$PREFIX"/include/zvfio/*.h; do
	n=zvfio/$(basename "$h")
	printf '#include <%s>\nint main(void) { return 0; }\n' "$n" > "$tmp/h.c"
	check "$n compiles alone as C11" cc $W -I"$D$PREFIX/include" -c -o /dev/null "$tmp/h.c"
	check "$n compiles alone as C++11" c++ -std=c++11 -Wall -Wextra -Werror -pedantic -x c++ \
		-I"$D$PREFIX/include" -c -o /dev/null "$tmp/h.c"
done
if command -v s390x-linux-gnu-gcc >/dev/null; then
	printf '#include <zvfio/guest_abi.h>\nint x = ZV_HC_EXIT;\n' > "$tmp/g.c"
	check "zvfio/guest_abi.h compiles freestanding for s390x (-nostdinc)" \
		s390x-linux-gnu-gcc -std=c11 -Wall -Wextra -Werror -ffreestanding -nostdinc \
		-isystem "$(s390x-linux-gnu-gcc -print-file-name=include)" -I"$D$PREFIX/include" \
		-c -o /dev/null "$tmp/g.c"
fi

# docs/API.md: every ```c excerpt is code of examples/minimal-vmm.c, verbatim
# (the example is what the steps above compile and run)
n=0; miss=""
awk -v dir="$tmp" '/^```c$/ { n++; f = dir "/apiex." n; inblk = 1; next }
	/^```/ && inblk { inblk = 0; next } inblk { print > f }' docs/API.md
for ex in "$tmp"/apiex.*; do
	[ -f "$ex" ] || continue
	n=$((n + 1))
	# compare without leading whitespace; ".." lines elide code
	sed 's/^[[:space:]]*//' examples/minimal-vmm.c > "$tmp/src.flat"
	sed 's/^[[:space:]]*//' "$ex" | awk -v src="$tmp/src.flat" '
		BEGIN { while ((getline l < src) > 0) s[++ns] = l; at = 1 }
		/^\.\.\.$/ || /^$/ { next }
		{ while (at <= ns && s[at] != $0) at++
		  if (at > ns) { print "not in the example (in this order): " $0; bad = 1; exit 1 }
		  at++ }' > "$tmp/why" || miss="$miss $(basename "$ex"): $(cat "$tmp/why");"
done
if [ $n -gt 0 ] && [ -z "$miss" ]; then
	ok "docs/API.md: its $n code excerpts are the example's code, in order"
else
	bad "docs/API.md excerpts ($n found)" "$miss"
fi

if out=$(make --no-print-directory BUILD="$B" DESTDIR="$D" PREFIX=$PREFIX LIBDIR=$LIBDIR uninstall 2>&1); then
	left=$(find "$D" -type f -o -type l)
	if [ -z "$left" ]; then ok "make uninstall removes every installed file"
	else bad "make uninstall left files behind" "$left"; fi
else
	bad "make uninstall" "$out"
fi
echo "install: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
