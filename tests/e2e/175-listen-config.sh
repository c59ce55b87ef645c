#!/usr/bin/env bash
# The background listen of config (a WebSocket application,
# tests/tools/listenapp.js): config {listen: {enable: true}} starts a
# stream that runs across the verbs after it; a second enable while it
# runs is skipped (one connection only), as jambonz; the app's
# listen:status pause stops the audio (a gap as long as the pause) and
# stream:status resume brings it back on the same socket in the next
# verb; a bad listen:status gets jambonz:error; config {listen: {enable:
# false}} closes the stream (1000) before the call ends.
source "$(dirname "$0")/lib.sh"

node "$E2E_ROOT/tests/tools/listensrv.js" >"$WORK/ls.out" 2>"$WORK/ls.log" &
PIDS+=("$!")
wait_for 5 grep -q '^PORT ' "$WORK/ls.out" || fail "listen server did not start"
LS="ws://127.0.0.1:$(sed -n 's/^PORT //p' "$WORK/ls.out")"
lslog() { curl -fsS "http://${LS#ws://}/_log"; }
node "$E2E_ROOT/tests/tools/listenapp.js" >"$WORK/app.out" 2>"$WORK/app.log" &
PIDS+=("$!")
wait_for 5 grep -q '^PORT ' "$WORK/app.out" || fail "ws app did not start"
WSPORT=$(sed -n 's/^PORT //p' "$WORK/app.out")
applog() { curl -fsS "http://127.0.0.1:$WSPORT/_log"; }

A=11111111-aaaa-4aaa-8aaa-000000000001
cat >"$WORK/directory.json" <<J
{
  "accounts": [{"account_sid": "$A", "name": "a", "is_active": true}],
  "applications": [{"application_sid": "22222222-bbbb-4bbb-8bbb-000000000001", "account_sid": "$A",
     "call_hook": {"url": "ws://127.0.0.1:$WSPORT/bg?ls=$LS/bg"}}],
  "phone_numbers": [{"number": "15557750001", "account_sid": "$A",
     "application_sid": "22222222-bbbb-4bbb-8bbb-000000000001"}]
}
J
start_fs main DIRECTORY_FILE="$WORK/directory.json"

python3 "$E2E_ROOT/tests/tools/mkpcap.py" "$WORK/tone.pcap" 7 pcmu 600
scen=$(mkscen uac_answer ACTIONS="<nop><action><exec play_pcap_audio=\"$WORK/tone.pcap\"/></action></nop>")
t0=$(date +%s%3N)
run_sipp bg "$scen" 15557750001 || fail "call failed"
t1=$(date +%s%3N)

log=$(lslog)
c='d.find(c => c.name==="bg")'
assert_eq "$(json_get "$log" "d.length")" "1" "connections (the second enable is skipped)"
sid=$(json_get "$(applog)" 'd.find(m => m.msg.type==="session:new").msg.call_sid')
assert_eq "$(json_get "$log" "$c.meta.callSid")" "$sid" "metadata callSid"
assert_eq "$(json_get "$log" "$c.meta.bg")" "1" "the listen's metadata"
frames=$(json_get "$log" "$c.frames") gap=$(json_get "$log" "$c.max_gap")
span=$(json_get "$log" "$c.last_bin - $c.first_bin")
echo "bg: $frames frames over $span ms, longest gap $gap ms, closed $(json_get "$log" "$c.close_code")"
[ "$gap" -ge 1100 ] && [ "$gap" -le 2100 ] || fail "the pause left a gap of $gap ms"
# the stream runs from the first config to the third: about 4 s
[ "$span" -ge 3200 ] && [ "$span" -le 4800 ] || fail "audio over $span ms, not the two pauses'"
[ "$frames" -ge 100 ] || fail "$frames frames"
[ "$(json_get "$log" "$c.loud")" -ge 80 ] || fail "the caller's tone not in the stream"
assert_eq "$(json_get "$log" "$c.close_code")" "1000" "closed by config"
closed=$(json_get "$log" "$c.closed_at")
[ $((t1 - closed)) -ge 600 ] || fail "the stream closed $((t1 - closed)) ms before the call's end"

al=$(applog)
json_get "$al" 'd.some(m => m.msg.type==="jambonz:error")' | grep -q true ||
	fail "no jambonz:error for the bad listen:status"
grep -q "$sid: listen:status pause applied" "$WORK/main.log" || fail "pause command not logged"
grep -q "$sid: listen:status resume applied" "$WORK/main.log" || fail "resume command not logged"
grep -q "listen: $sid: .*paused" "$WORK/main.log" || fail "pause not logged"
grep -q "listen: $sid: .*resumed" "$WORK/main.log" || fail "resume not logged"
grep -q "$sid: a background listen runs: skipped" "$WORK/main.log" || fail "second enable not skipped"

wait_idle
server_alive
echo "PASS"
