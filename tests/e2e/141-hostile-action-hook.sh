#!/usr/bin/env bash
# Hostile actionHooks on an answered call: a play's actionHook that
# drip-feeds, answers after the timeout, sends 100 MB, JSON nested
# 10,000 deep or 100,000 verbs (hangups) is logged and refused, and the
# list goes on with the next verb (jambonz's play swallows its actionHook's
# failure); none of the refused verbs runs; the call ends with the
# list (BYE), and resources are back at their baseline.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_hostile.sh"

start_hostile '{
  "/call": [
    {"verb":"play","url":"@BASE@/tone.wav","actionHook":"/drip"},
    {"verb":"play","url":"@BASE@/tone.wav","actionHook":"/late"},
    {"verb":"play","url":"@BASE@/tone.wav","actionHook":"/flood"},
    {"verb":"play","url":"@BASE@/tone.wav","actionHook":"/deep"},
    {"verb":"play","url":"@BASE@/tone.wav","actionHook":"/many"},
    {"verb":"play","url":"@BASE@/tone.wav","actionHook":"/ok"},
    {"verb":"hangup"}],
  "/tone.wav": {"wav":{"secs":0.2,"freq":440,"rate":8000}},
  "/drip": {"drip":{"text":"[{\"verb\":\"play\",\"url\":\"@BASE@/never.wav\"}]","ms":1000}},
  "/late": {"delay":2500,"body":[{"verb":"play","url":"@BASE@/never.wav"}]},
  "/flood": {"flood":{"bytes":100000000}},
  "/deep": {"deep":10000},
  "/many": {"many":{"n":100000,"verb":{"verb":"hangup"}}},
  "/ok": []
}'
start_fs main DEFAULT_CALL_HOOK="$HX/call" JAMBONES_HTTP_TIMEOUT=1500 \
	HTTP_MAX_BODY=4194304 JAMBONES_CONNECTION_POOL_CLEANUP_INTERVAL=500
timers_fresh

# the first call warms up what stays (plugins, the cached tone)
run_sipp warm uac_srv_bye 15551410001 -key rtpport 9 ||
	fail "call with hostile actionHooks did not end with our BYE"
baseline_take
t0=$(date +%s%3N)
run_sipp hostile uac_srv_bye 15551410002 -key rtpport 9 ||
	fail "call with hostile actionHooks did not end with our BYE"
echo "hostile call took $(($(date +%s%3N) - t0)) ms"

log=$(hx_log)
for p in /drip /late /flood /deep /many /ok; do
	assert_eq "$(json_get "$log" "d.filter(r => r.path===\"$p\").length")" "2" \
		"actionHook $p sent (once per call)"
done
assert_eq "$(json_get "$log" 'd.some(r => r.path==="/never.wav")')" "false" \
	"a verb of a refused answer ran"
sent=$(json_get "$log" 'd.filter(r => r.path==="/flood").map(r => r.sent).reduce((a, b) => Math.max(a, b), 0)')
echo "flood: the hostile server wrote at most $sent of 100000000 bytes"
[ "$sent" -lt 20000000 ] || fail "100 MB actionHook answer read to $sent bytes"

for w in "actionHook failed: timed out (JAMBONES_HTTP_TIMEOUT)" \
	"actionHook failed: answer larger than HTTP_MAX_BODY" \
	"actionHook failed: answer refused: webhook JSON nested deeper than 64" \
	"actionHook failed: answer refused: webhook answer has 100000 verbs"; do
	grep -q "$w" "$WORK/main.log" || fail "no log line '$w'"
done
assert_eq "$(grep -c "actionHook failed: timed out (JAMBONES_HTTP_TIMEOUT)" "$WORK/main.log")" "4" \
	"drip and late timed out on both calls"
baseline_check 40
server_alive
echo OK
