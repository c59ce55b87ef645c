#!/usr/bin/env bash
# REST createCall: an outbound call to a sipp UAS runs its call_hook's
# verbs once answered (session:new with direction outbound, signed with
# DEFAULT_WEBHOOK_SECRET; say then hangup: the UAS hears speech and gets
# BYE), or app_json's without any webhook; the status hook sees
# trying, ringing, in-progress, completed; a busy UAS ends busy; bad
# bodies get 400 with a reason; HTTP_API_KEY guards the API.
source "$(dirname "$0")/lib_dial.sh"

start_hooks '{
  "/out": [{"verb":"say","text":"This is an outbound call. Goodbye."},
           {"verb":"hangup"}]
}' s3cret
start_fs main DEFAULT_WEBHOOK_SECRET=s3cret


# 1. call_hook: verbs from the webhook
B=$(free_port)
start_rtpsink
UAS_RTP=$RTP_PORT start_uas bob "$B" "$(ring_scen 300)"
r=$(post /v1/createCall '{"from":"+15550009999","callerName":"Feature Server",
  "to":{"type":"sip","sipUri":"sip:bob@127.0.0.1:'"$B"'"},
  "call_hook":"'"$HOOK"'/out","call_status_hook":"'"$HOOK"'/status",
  "tag":{"campaign":"c1"}}')
assert_eq "${r%% *}" "201" "createCall status"
sid=$(json_get "${r#* }" d.sid)
callid=$(json_get "${r#* }" d.callId)
wait_uas bob
wait_hooks 'd.some(r => r.path==="/status" && r.body.call_status==="completed")'
log=$(hooks_log)
new='d.find(r => r.path==="/out")'
assert_eq "$(json_get "$log" "$new.body.direction")" "outbound" "direction"
assert_eq "$(json_get "$log" "$new.body.call_sid")" "$sid" "call_sid"
assert_eq "$(json_get "$log" "$new.body.call_id")" "$callid" "call_id"
assert_eq "$(json_get "$log" "$new.body.from")" "+15550009999" "from"
assert_eq "$(json_get "$log" "$new.body.customerData.campaign")" "c1" "customerData from tag"
assert_eq "$(json_get "$log" "$new.sig")" "ok" "session:new signature"
assert_eq "$(json_get "$log" 'd.filter(r => r.path==="/status").every(r => r.sig==="ok")')" "true" "status signatures"
assert_eq "$(status_seq)" "trying,ringing,in-progress,completed" "status sequence"
inv=$(msg_first bob '^INVITE ')
assert_contains "$inv" "Call-ID: $callid" "INVITE Call-ID"
assert_contains "$inv" '"Feature Server" <sip:+15550009999@' "INVITE From"
assert_eq "$(msg_count bob '^BYE sip:')" "1" "BYE to the called party"
rtp_quiet
[ "$(rtp_stat d.nonsilent)" -ge 25 ] || fail "speech not heard ($(rtp_stat d.nonsilent) loud packets)"
assert_eq "$(rtp_stat 'Object.keys(d.pts).join()')" "0" "payload type"

# 2. app_json: no webhook at all
B=$(free_port)
start_uas carol "$B" "$(ring_scen 100)"
n0=$(json_get "$(hooks_log)" d.length)
r=$(post /v1/createCall '{"to":{"type":"sip","sipUri":"sip:carol@127.0.0.1:'"$B"'"},
  "app_json":[{"verb":"pause","length":0.5},{"verb":"hangup"}]}')
assert_eq "${r%% *}" "201" "createCall (app_json) status"
wait_uas carol
assert_eq "$(msg_count carol '^BYE sip:')" "1" "BYE after app_json's hangup"
held=$(($(msg_time carol '^BYE ') - $(msg_time carol '^SIP/2.0 200 OK')))
[ "$held" -ge 450 ] && [ "$held" -le 1500 ] || fail "app_json call lasted $held ms"
assert_eq "$(json_get "$(hooks_log)" d.length)" "$n0" "webhooks for app_json"

# 3. busy
B=$(free_port)
start_uas busy "$B" uas_busy
r=$(post /v1/createCall '{"to":{"type":"sip","sipUri":"sip:busy@127.0.0.1:'"$B"'"},
  "call_hook":"'"$HOOK"'/out","call_status_hook":"'"$HOOK"'/bstatus"}')
assert_eq "${r%% *}" "201" "createCall (busy) status"
wait_uas busy
wait_hooks 'd.some(r => r.path==="/bstatus" && r.body.call_status==="busy")'
last=$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/bstatus").pop().body')
assert_eq "$(json_get "$last" d.sip_status)" "486" "busy sip_status"
assert_eq "$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/out").length')" "1" "no session:new for the busy call"

# 4. bad bodies: 400 and why
bad() {
	local want=$1 body=$2 r
	r=$(post /v1/createCall "$body")
	assert_eq "${r%% *}" "400" "status for $body"
	assert_contains "$(json_get "${r#* }" d.msg)" "$want" "reason for $body"
}
bad "JSON" 'not json'
bad "JSON" '{"to":'
bad "missing 'to'" '{"call_hook":"http://127.0.0.1:1/x"}'
bad "not supported" '{"to":{"type":"fax","number":"1"},"call_hook":"http://127.0.0.1:1/x"}'
bad "type" '{"to":{"number":"1"},"call_hook":"http://127.0.0.1:1/x"}'
bad "sipUri" '{"to":{"type":"sip","sipUri":"bob@x"},"call_hook":"http://127.0.0.1:1/x"}'
bad "call_hook or app_json" '{"to":{"type":"sip","sipUri":"sip:a@127.0.0.1"}}'
bad "app_json" '{"to":{"type":"sip","sipUri":"sip:a@127.0.0.1"},"app_json":{"verb":"hangup"}}'
bad "SIP_OUTBOUND_PROXY" '{"to":{"type":"phone","number":"15551112222"},"call_hook":"http://127.0.0.1:1/x"}'
bad "nosuchverb" '{"to":{"type":"sip","sipUri":"sip:a@127.0.0.1"},"app_json":[{"verb":"nosuchverb"}]}'
wait_idle 5

# 5. HTTP_API_KEY: 401 without or with a wrong bearer, 201 with it
start_fs keyed HTTP_API_KEY=k3y-abc
B=$(free_port)
start_uas keyed "$B" uas_busy
body='{"to":{"type":"sip","sipUri":"sip:busy@127.0.0.1:'"$B"'"},"app_json":[{"verb":"hangup"}]}'
assert_eq "$(post /v1/createCall "$body" | cut -d' ' -f1)" "401" "no bearer"
assert_eq "$(post /v1/createCall "$body" -H 'Authorization: Bearer k3y-abd' | cut -d' ' -f1)" "401" "wrong bearer"
assert_eq "$(post /v1/createCall "$body" -H 'Authorization: Bearer k3y-ab' | cut -d' ' -f1)" "401" "short bearer"
assert_eq "$(post /v1/updateCall/x '{}' | cut -d' ' -f1)" "401" "updateCall without bearer"
assert_eq "$(post /v1/createCall "$body" -H 'Authorization: Bearer k3y-abc' | cut -d' ' -f1)" "201" "right bearer"
wait_uas keyed
assert_eq "$(msg_count keyed '^INVITE sip:busy@')" "1" "INVITEs placed"
wait_idle 5
echo OK
