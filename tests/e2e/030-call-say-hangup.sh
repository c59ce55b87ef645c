#!/usr/bin/env bash
# A call whose webhook says a phrase and hangs up: the session:new payload
# and its signature (checked by @jambonz/node-client), the status hook
# sequence, and speech actually arriving as RTP.
source "$(dirname "$0")/lib.sh"

start_hooks '{
  "/call": [{"verb":"say","text":"Hello from the feature server."},
            {"verb":"hangup"}]
}' s3cret
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status" DEFAULT_WEBHOOK_SECRET=s3cret
start_rtpsink
run_sipp say uac_srv_bye 15551234567 || fail "call failed"
wait_hooks 'd.some(r => r.path==="/status" && r.body.call_status==="completed")'

log=$(hooks_log)
first='d.find(r => r.path==="/call")'
assert_eq "$(json_get "$log" "$first.method")" "POST" "session:new method"
assert_eq "$(json_get "$log" "$first.sig")" "ok" "session:new signature"
assert_eq "$(json_get "$log" "$first.headers[\"user-agent\"]")" "jambonz" "user agent"
assert_eq "$(json_get "$log" "$first.headers[\"content-type\"]")" "application/json" "content type"
for k in call_sid direction from to call_id sip_status sip_reason call_status \
	account_sid application_sid trace_id fs_sip_address api_base_url sip \
	defaults env_vars; do
	assert_eq "$(json_get "$log" "$first.body.$k !== undefined")" "true" "session:new has $k"
done
assert_eq "$(json_get "$log" "$first.body.direction")" "inbound" "direction"
assert_eq "$(json_get "$log" "$first.body.to")" "15551234567" "to"
assert_eq "$(json_get "$log" "$first.body.from")" "15550001111" "from"
assert_eq "$(json_get "$log" "$first.body.call_status")" "trying" "status in session:new"
assert_eq "$(json_get "$log" "$first.body.sip.method")" "INVITE" "sip.method"
assert_contains "$(json_get "$log" "$first.body.sip.body")" "m=audio" "sip.body"
assert_eq "$(json_get "$log" "$first.body.sip.headers[\"call-id\"] === $first.body.call_id")" "true" "call-id header"

# the status hook: trying, in-progress, completed; all signed
seq=$(json_get "$log" 'd.filter(r => r.path==="/status").map(r => r.body.call_status).join(",")')
assert_eq "$seq" "trying,in-progress,completed" "status sequence"
assert_eq "$(json_get "$log" 'd.filter(r => r.path==="/status").every(r => r.sig==="ok")')" "true" "status signatures"
last='d.filter(r => r.path==="/status").pop().body'
assert_eq "$(json_get "$log" "$last.call_termination_by")" "jambonz" "termination by"
assert_eq "$(json_get "$log" "typeof $last.duration")" "number" "duration"
assert_eq "$(json_get "$log" "$last.sip_status")" "200" "final sip_status"

# speech arrived: PCMU, one SSRC, in order, and not silence
rtp_quiet
packets=$(rtp_stat d.packets)
[ "$packets" -ge 50 ] || fail "only $packets RTP packets"
assert_eq "$(rtp_stat 'Object.keys(d.pts).join()')" "0" "payload type"
assert_eq "$(rtp_stat d.ssrcs.length)" "1" "one SSRC"
assert_eq "$(rtp_stat d.seq_faults)" "0" "sequence faults"
assert_eq "$(rtp_stat d.ts_faults)" "0" "timestamp faults"
nonsilent=$(rtp_stat d.nonsilent)
[ "$nonsilent" -ge 25 ] || fail "speech not heard: $nonsilent loud packets of $packets"

# nothing is left behind
m=$(curl -fsS "$FS_HTTP/metrics")
assert_eq "$(json_get "$m" d.calls.active)" "0" "active calls"
assert_eq "$(json_get "$m" d.listeners.live)" "0" "live listeners"
echo OK
