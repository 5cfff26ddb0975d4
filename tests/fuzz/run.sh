#!/bin/sh
# The fuzzing campaign `make fuzz` runs (the Makefile builds the targets
# first): for each target, write its seeds into BUILD/corpus-NAME, fuzz
# FUZZ_SECONDS there (libFuzzer), then run the coverage build once over the
# corpus; print the per-file coverage of src/, one line per target, and the
# goal (line coverage of FUZZ_GOAL_FILES >= FUZZ_GOAL %).
# usage: run.sh BUILD fuzz_NAME...   (BUILD: build-fuzz)
# Exits 1 when a target crashed or broke an invariant, or the goal is missed.
set -u
B=$1
shift
SECS=${FUZZ_SECONDS:-60}
GOAL=${FUZZ_GOAL:-80}
GOAL_FILES=${FUZZ_GOAL_FILES:-src/core/dma.c src/arch/dmat.c src/core/msix.c}
PROFDATA=$(command -v llvm-profdata-14 || command -v llvm-profdata)
COV=$(command -v llvm-cov-14 || command -v llvm-cov)
fail=0
summary=""
# a leak inside Unicorn, not zvfio's (tests/sanitizers/lsan.supp)
LSAN_OPTIONS="suppressions=$(cd "$(dirname "$0")/.." && pwd)/sanitizers/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS

# the longest input each target takes
max_len() {
	case $1 in
	fuzz_elf) echo 8192 ;;
	fuzz_spec) echo 1024 ;;
	fuzz_softcpu) echo 2048 ;;
	*) echo 4096 ;;
	esac
}

rm -rf "$B/cov/profraw"
mkdir -p "$B/cov/profraw"
for t in "$@"; do
	name=${t#fuzz_}
	corpus=$B/corpus-$name
	art=$B/artifacts-$name
	log=$B/log-$name.txt
	mkdir -p "$corpus" "$art"
	rm -f "$art"/*
	echo "== fuzz $name: seeds, then $SECS s of libFuzzer (log: $log)"
	"$B/$t" --write-seeds "$corpus" || { echo "   $t: cannot write its seeds"; fail=1; }
	# -timeout: one input (a softcpu run ends by itself within 1 s)
	"$B/$t" -max_total_time="$SECS" -max_len="$(max_len "$t")" -timeout=20 \
		-rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$art/" "$corpus" \
		>"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	crashes=$(find "$art" -type f | wc -l)
	[ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ] && crashes=1
	if [ "$crashes" -ne 0 ]; then
		fail=1
		echo "   CRASH (exit $rc): inputs in $art/; the report:"
		grep -E -A30 '^==[0-9]+==ERROR|runtime error|invariant broken|fixture check|deadly signal|Test unit written' \
			"$log" | head -n 60 | sed 's/^/   | /'
	fi
	files=$(find "$corpus" -type f | wc -l)
	summary="${summary}fuzz $name: ${execs:-0} executions, $crashes crashes, corpus $files files
"
	# the coverage build, once over the corpus
	LLVM_PROFILE_FILE="$B/cov/profraw/$name-%p.profraw" \
		"$B/cov/$t" -runs=0 -max_len="$(max_len "$t")" -timeout=20 "$corpus" \
		>"$B/cov/run-$name.txt" 2>&1 ||
		echo "   coverage run of $t failed (see $B/cov/run-$name.txt)"
done

objs=""
for t in "$@"; do
	objs="$objs -object $B/cov/$t"
done
objs=${objs# -object }
echo
if ! "$PROFDATA" merge -sparse "$B"/cov/profraw/*.profraw -o "$B/cov/fuzz.profdata"; then
	echo "fuzz: no coverage data"
	printf '%s' "$summary"
	exit 1
fi
# shellcheck disable=SC2086
"$COV" report -instr-profile="$B/cov/fuzz.profdata" $objs src >"$B/cov/report.txt" 2>&1
echo "coverage of src/ by the corpora (llvm-cov report: regions, functions, lines, branches):"
cat "$B/cov/report.txt"
echo
printf '%s' "$summary"

# the goal: the Lines "Cover" column of each file's row (llvm-cov shows
# paths without the prefix all of them share: src/core/dma.c as core/dma.c)
verdict="met"
goal_line=""
for f in $GOAL_FILES; do
	pct=$(awk -v f="$f" 'NF >= 10 && ($1 == f || substr(f, length(f) - length($1)) == "/" $1) \
		{ print $10; exit }' "$B/cov/report.txt" | tr -d '%')
	[ -z "$pct" ] && pct=0
	goal_line="$goal_line $f $pct%,"
	awk -v p="$pct" -v g="$GOAL" 'BEGIN { exit !(p + 0 >= g + 0) }' || verdict="MISSED"
done
echo "fuzz goal: line coverage >= $GOAL% of${goal_line%,}: $verdict"
[ "$verdict" = met ] || fail=1
exit $fail
