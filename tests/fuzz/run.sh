#!/usr/bin/env bash
# Runs every libFuzzer target of a build: first the kept crash inputs of
# tests/fuzz/regress/<name>/ (each must pass), then FUZZ_SECS seconds of
# fuzzing from the seed corpus. The working corpus lives in the build
# folder so runs never modify tests/fuzz/corpus/. A crash is copied to
# tests/fuzz/regress/<name>/ (to fix, then commit) and fails the run.
#
#   tests/fuzz/run.sh BUILD_DIR [name...]
#   FUZZ_SECS (60), FUZZ_RSS_MB (2048), FUZZ_TIMEOUT (10 s per input)
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${1:?usage: run.sh BUILD_DIR [name...]}
shift
secs=${FUZZ_SECS:-60}
rss=${FUZZ_RSS_MB:-2048}
tmo=${FUZZ_TIMEOUT:-10}
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for f in tests/fuzz/fuzz_*.c; do
		n=${f#tests/fuzz/fuzz_}
		names+=("${n%.c}")
	done
fi

# libFuzzer stops at the first error; UBSan reports are errors too
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fail=0
summary=()
for n in "${names[@]}"; do
	bin=$build/fuzz_$n
	work=$build/corpus/$n
	art=$build/artifacts/$n
	log=$build/logs/$n.log
	rm -rf "$art"
	mkdir -p "$work" "$art" "$(dirname "$log")"
	if [ ! -x "$bin" ]; then
		echo "fuzz: $bin missing" >&2
		fail=1
		continue
	fi
	# The server targets keep SIP transactions alive across runs (as a
	# server does), so every run ends with more allocations than frees
	# and libFuzzer would scan the heap for leaks after each: ten times
	# slower. Their leaks are still reported, by LeakSanitizer at exit.
	extra=()
	case $n in
	sip | sipfwd | sdp | outcall) extra=(-detect_leaks=0) ;;
	esac
	reg=()
	if [ -d "tests/fuzz/regress/$n" ]; then
		while IFS= read -r f; do reg+=("$f"); done < <(
			find "tests/fuzz/regress/$n" -type f | sort)
	fi
	if [ ${#reg[@]} -gt 0 ] &&
		! "$bin" -rss_limit_mb="$rss" -timeout="$tmo" "${extra[@]}" \
			-close_fd_mask=2 "${reg[@]}" \
			>"$log.regress" 2>&1; then
		echo "fuzz: $n: a kept regression input fails:" >&2
		grep -E 'ERROR|SUMMARY|runtime error|Running:' "$log.regress" |
			tail -n 8 >&2
		fail=1
		summary+=("$n: REGRESSION FAILS (${#reg[@]} kept inputs)")
		continue
	fi
	"$bin" -max_total_time="$secs" -rss_limit_mb="$rss" -timeout="$tmo" \
		-print_final_stats=1 -artifact_prefix="$art/" "${extra[@]}" \
		-close_fd_mask=2 \
		"$work" "tests/fuzz/corpus/$n" >"$log" 2>&1
	rc=$?
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
		tail -n 1)
	cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -n 1)
	if [ $rc -ne 0 ]; then
		fail=1
		mkdir -p "tests/fuzz/regress/$n"
		for a in "$art"/*; do
			[ -f "$a" ] && cp "$a" "tests/fuzz/regress/$n/"
		done
		echo "fuzz: $n FAILED (log $log), input kept in" \
			"tests/fuzz/regress/$n/:" >&2
		grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -n 5 >&2
		summary+=("$n: FAILED after ${runs:-?} runs")
	else
		summary+=("$n: ${secs}s, ${runs:-?} runs, ${eps:-?} exec/s, ${cov:-cov: ?}, ${#reg[@]} kept inputs pass")
	fi
done
printf 'fuzz: %s\n' "${summary[@]}"
exit $fail
