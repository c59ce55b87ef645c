#!/usr/bin/env bash
# Runs every tests/e2e/NNN-*.sh case; each starts what it needs on
# loopback and exits non-zero on failure. Set E2E_ONLY=pattern to filter.
#
# The cases mostly wait on timers, so they run in E2E_LANES lanes at once
# (2 by default; 1 when the caller chose its own RTP band). Each lane has
# its own servers' RTP band, and every port free_port hands out is noted
# in one file for the whole run, so cases in different lanes never meet.
# A case marked "# e2e: solo" (a fixed RTP band, a build in the tree, a
# load it measures) runs alone after the lanes are done.
set -u
here=$(cd "$(dirname "$0")" && pwd)
logdir=${FS_BUILD:-build}
run=$(mktemp -d /tmp/fs-e2e-run.XXXXXX)
trap 'rm -rf "$run"' EXIT
export E2E_PORTS=$run/ports

if [ -n "${E2E_RTP_MIN:-}" ]; then
	lanes=${E2E_LANES:-1}
	bands=("$E2E_RTP_MIN:${E2E_RTP_MAX:-$((E2E_RTP_MIN + 999))}")
else
	lanes=${E2E_LANES:-2}
	# 43000-44999 is the cluster cases' (solo), 42000-42999 the default
	bands=(42000:42999 45000:45999)
fi
[ "$lanes" -ge 1 ] 2>/dev/null || lanes=1
[ "$lanes" -le "${#bands[@]}" ] || lanes=${#bands[@]}

shared=()
solo=()
for t in "$here"/[0-9][0-9][0-9]-*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	case "$name" in *${E2E_ONLY:-}*) ;; *) continue ;; esac
	if grep -q '^# e2e: solo' "$t"; then
		solo+=("$t")
	else
		shared+=("$t")
	fi
done

# one_case FILE: runs it, prints its line, leaves its result in $run
one_case() {
	local t=$1 name start rc
	name=$(basename "$t" .sh)
	start=$(date +%s)
	timeout 300 bash "$t" >"$logdir/e2e-$name.log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "  PASS    $name ($(($(date +%s) - start))s)"
		: >"$run/$name.pass"
	else
		echo "  FAIL    $name ($(($(date +%s) - start))s)"
		: >"$run/$name.fail"
	fi
}

# lane K: takes the next case of the shared list until none is left
lane() {
	local k=$1 i
	export E2E_RTP_MIN=${bands[$k]%:*} E2E_RTP_MAX=${bands[$k]#*:}
	while :; do
		i=$(flock "$run/next" bash -c \
			'n=$(cat "$1" 2>/dev/null || echo 0); echo $((n + 1)) >"$1"; echo "$n"' \
			_ "$run/next.n")
		[ "$i" -lt "${#shared[@]}" ] || break
		one_case "${shared[$i]}"
	done
}

if [ "${#shared[@]}" -gt 0 ]; then
	for ((k = 0; k < lanes; k++)); do
		lane "$k" &
	done
	wait
fi
if [ "${#solo[@]}" -gt 0 ]; then
	export E2E_RTP_MIN=${bands[0]%:*} E2E_RTP_MAX=${bands[0]#*:}
	for t in "${solo[@]}"; do
		one_case "$t"
	done
fi

# the failures, in file order, each reason first: the logs fail() dumps
# after it are long
pass=0
fail=0
failed=()
for t in "${shared[@]}" "${solo[@]}"; do
	name=$(basename "$t" .sh)
	if [ -e "$run/$name.pass" ]; then
		pass=$((pass + 1))
		continue
	fi
	fail=$((fail + 1))
	failed+=("$name")
	echo "--- FAIL $name"
	grep -m 3 '^FAIL: ' "$logdir/e2e-$name.log" | sed 's/^/    > /'
	tail -n 60 "$logdir/e2e-$name.log" | sed 's/^/    | /'
done
echo "e2e: $pass passed, $fail failed${failed:+: ${failed[*]}}"
[ "$fail" -eq 0 ]
