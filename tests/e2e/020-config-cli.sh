#!/usr/bin/env bash
# Command line and configuration: --version, --help, --check-config on
# good and bad files, environment overriding the file, preload on/off.
source "$(dirname "$0")/lib.sh"

out=$("$FS_BIN" --version)
assert_contains "$out" "feature-server " "--version"
out=$("$FS_BIN" --help)
assert_contains "$out" "JAMBONES_HTTP_TIMEOUT" "--help"
assert_contains "$out" "PRELOAD_TASKS" "--help"

# the shipped file is valid
out=$("$FS_BIN" -c "$E2E_ROOT/etc/feature-server.conf" --check-config)
assert_contains "$out" "configuration OK" "--check-config"

# a bad file: non-zero exit with file:line and the reason
printf 'HTTP_PORT=3000\nHTTP_POOLSIZE=lots\n' >"$WORK/bad.conf"
if out=$("$FS_BIN" -c "$WORK/bad.conf" --check-config 2>&1); then
	fail "bad config accepted"
fi
assert_contains "$out" "bad.conf:2: HTTP_POOLSIZE: 'lots' is not a number" \
	"bad config message"

printf 'NOT_A_SETTING=1\n' >"$WORK/bad2.conf"
if out=$("$FS_BIN" -c "$WORK/bad2.conf" --check-config 2>&1); then
	fail "unknown setting accepted"
fi
assert_contains "$out" "bad2.conf:1: unknown setting 'NOT_A_SETTING'" \
	"unknown setting"

if out=$("$FS_BIN" -c "$WORK/missing.conf" 2>&1); then
	fail "missing config accepted"
fi
assert_contains "$out" "missing.conf: cannot open" "missing file"

# a bad environment value is refused the same way
if out=$(HTTP_PORT=99999 "$FS_BIN" --check-config 2>&1); then
	fail "bad env accepted"
fi
assert_contains "$out" "environment HTTP_PORT: 99999 is out of range" "env"

# the environment wins over the file
printf 'HTTP_POOLSIZE=7\n' >"$WORK/pool.conf"
out=$(HTTP_POOLSIZE=9 "$FS_BIN" -c "$WORK/pool.conf" --print-config)
assert_contains "$out" "HTTP_POOLSIZE=9" "env override"

# preloading on (default) and off, seen in /metrics
start_fs on
loaded=$(json_get "$(curl -fsS "$FS_HTTP/metrics")" 'd.tasks.loaded.sort().join(",")')
assert_eq "$loaded" "dial,gather,hangup,play,say" "preloaded verbs"

start_fs off JAMBONES_PRELOAD_COMMON_TASKS=false
loaded=$(json_get "$(curl -fsS "$FS_HTTP/metrics")" 'd.tasks.loaded.length')
assert_eq "$loaded" "0" "nothing preloaded"

start_fs custom PRELOAD_TASKS=pause,tag,sip:decline,no_such_verb
m=$(curl -fsS "$FS_HTTP/metrics")
loaded=$(json_get "$m" 'd.tasks.loaded.sort().join(",")')
assert_eq "$loaded" "pause,sip:decline,tag" "custom preload"
assert_eq "$(json_get "$m" 'd.tasks.failures')" "0" "unknown verb is not a load failure"
grep -q "unknown verb 'no_such_verb'" "$WORK/custom.log" ||
	fail "unknown preload verb not logged"
echo OK
