#!/usr/bin/env bash
# Hook rounds: a hook that answers a redirect to itself loops for ever
# at network speed. MAX_HOOK_ROUNDS (50 here) ends the call: before an
# answer it is rejected with JAMBONES_WEBHOOK_ERROR_RETURN and X-Reason,
# once answered it is hung up (our BYE); the hook saw exactly 50
# requests. A redirect whose hook fails gives up the verbs after it, as
# jambonz's redirect task does (the call ends), while an empty answer
# lets the list go on. Resources are back at their baseline.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_hostile.sh"

start_hostile '{
  "/call": {"seq": [
    [{"verb":"say","text":"Warm."},{"verb":"play","url":"@BASE@/after.wav"}],
    [{"verb":"redirect","actionHook":"/loop"}],
    [{"verb":"say","text":"Looping."},{"verb":"redirect","actionHook":"/aloop"}],
    [{"verb":"say","text":"Failing."},{"verb":"redirect","actionHook":"/fail"},
     {"verb":"play","url":"@BASE@/never.wav"}],
    [{"verb":"say","text":"Empty."},{"verb":"redirect","actionHook":"/empty"},
     {"verb":"play","url":"@BASE@/after2.wav"}]
  ]},
  "/loop": [{"verb":"redirect","actionHook":"/loop"}],
  "/aloop": [{"verb":"redirect","actionHook":"/aloop"}],
  "/fail": {"status":500},
  "/empty": [],
  "/after.wav": {"wav":{"secs":0.2}},
  "/after2.wav": {"wav":{"secs":0.2}}
}'
start_fs main DEFAULT_CALL_HOOK="$HX/call" MAX_HOOK_ROUNDS=50 \
	JAMBONES_CONNECTION_POOL_CLEANUP_INTERVAL=500
timers_fresh

# the first call warms up what stays (speech and decoder threads)
run_sipp warm uac_srv_bye 15551420000 -key rtpport 9 || fail "warm-up call"
baseline_take

reject_call loop 480 'MAX_HOOK_ROUNDS' 15551420001
run_sipp answered uac_srv_bye 15551420002 -key rtpport 9 ||
	fail "answered redirect loop: no BYE"
run_sipp fail uac_srv_bye 15551420003 -key rtpport 9 ||
	fail "failed redirect: no BYE"
run_sipp empty uac_srv_bye 15551420004 -key rtpport 9 ||
	fail "empty redirect answer: no BYE"

log=$(hx_log)
assert_eq "$(json_get "$log" 'd.filter(r => r.path==="/loop").length')" "50" \
	"requests of the unanswered loop"
assert_eq "$(json_get "$log" 'd.filter(r => r.path==="/aloop").length')" "50" \
	"requests of the answered loop"
assert_eq "$(json_get "$log" 'd.some(r => r.path==="/never.wav")')" "false" \
	"the verb after a failed redirect ran"
assert_eq "$(json_get "$log" 'd.filter(r => r.path==="/empty").length')" "1" "empty redirect"
assert_eq "$(json_get "$log" 'd.some(r => r.path==="/after2.wav")')" "true" \
	"the verb after an empty redirect answer"
assert_eq "$(grep -c "actionHook refused, call ends: 50 hook requests: MAX_HOOK_ROUNDS reached" "$WORK/main.log")" \
	"2" "log lines of the limit"
grep -q "hanging up: 50 hook requests" "$WORK/main.log" ||
	fail "no log line for hanging up the answered loop"
baseline_check 40
server_alive
echo OK
