#!/usr/bin/env bash
# Runs every tests/e2e/NNN-*.sh case; each starts what it needs on
# loopback and exits non-zero on failure. Set E2E_ONLY=pattern to filter.
set -u
here=$(cd "$(dirname "$0")" && pwd)
pass=0
fail=0
failed=()
for t in "$here"/[0-9][0-9][0-9]-*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	case "$name" in *${E2E_ONLY:-}*) ;; *) continue ;; esac
	start=$(date +%s)
	if timeout 300 bash "$t" >"${FS_BUILD:-build}/e2e-$name.log" 2>&1; then
		pass=$((pass + 1))
		echo "  PASS    $name ($(($(date +%s) - start))s)"
	else
		fail=$((fail + 1))
		failed+=("$name")
		echo "  FAIL    $name ($(($(date +%s) - start))s)"
		# the reason first: the logs fail() dumps after it are long
		grep -m 3 '^FAIL: ' "${FS_BUILD:-build}/e2e-$name.log" | sed 's/^/    > /'
		tail -n 60 "${FS_BUILD:-build}/e2e-$name.log" | sed 's/^/    | /'
	fi
done
echo "e2e: $pass passed, $fail failed${failed:+: ${failed[*]}}"
[ "$fail" -eq 0 ]
