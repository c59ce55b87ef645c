#!/usr/bin/env bash
# updateCall on a createCall (outbound) call: sip_request (an INFO with
# its Content-Type, headers and body) and dtmf (INFO application/dtmf,
# X-Reason: Dtmf, as jambonz's _lccDtmf) go into the leg's dialog; the
# called party's own INFO digit reaches the call's gather. call_status
# no-answer on an inbound call not yet answered rejects it 503, as
# jambonz answers it (an outbound one is CANCELled: e2e 089);
# call_status_hook without call_hook is refused (400).
source "$(dirname "$0")/23x_lib.sh"

start_hooks '{
  "/slow": {"delay":8000, "body":[{"verb":"hangup"}]},
  "/gathered": [{"verb":"hangup"}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/slow" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status"

# 1. bob answers, takes two INFOs, then sends one with the digit 4
B=$(free_port)
start_uas bob "$B" "$(ring_scen 300 "<recv request=\"INFO\"/>
$(x_ok200)
<recv request=\"INFO\"/>
$(x_ok200)
$(x_uas_info 4 1)")"
r=$(post /v1/createCall '{"from":"+15550002330",
  "to":{"type":"sip","sipUri":"sip:bob@127.0.0.1:'"$B"'"},
  "call_status_hook":"'"$HOOK"'/status",
  "app_json":[{"verb":"gather","input":["digits"],"numDigits":1,"timeout":15,
               "actionHook":"'"$HOOK"'/gathered"}]}')
assert_eq "${r%% *}" "201" "createCall"
sid=$(json_get "${r#* }" d.sid)
wait_hooks "d.some(r => r.path===\"/status\" && r.body.call_sid===\"$sid\" && r.body.call_status===\"in-progress\")"
r=$(upd "$sid" '{"call_status_hook":"'"$HOOK"'/other"}')
assert_eq "${r%% *}" 400 "call_status_hook alone"
assert_contains "$r" "only when call_hook" "call_status_hook alone: why"
r=$(upd "$sid" '{"sip_request":{"method":"PUBLISH"}}')
assert_eq "${r%% *}" 400 "sip_request of another method"
r=$(upd "$sid" '{"sip_request":{"method":"info","content_type":"text/plain","content":"hello bob","headers":{"X-Test":"one"}}}')
assert_eq "${r%% *}" 200 "sip_request on an outbound call: the far end's answer"
sleep 0.5 # fixed delay: the two INFOs in order
r=$(upd "$sid" '{"dtmf":{"digit":"7","duration":300}}')
assert_eq "${r%% *}" 202 "dtmf on an outbound call"
wait_uas bob
wait_hooks 'd.some(r => r.path==="/gathered")'
assert_eq "$(json_get "$(hooks_log)" 'd.find(r => r.path==="/gathered").body.digits')" "4" "the callee's INFO digit"
i1=$(msg_first bob '^INFO sip:.* SIP/2.0')
assert_contains "$i1" "Content-Type: text/plain" "sip_request Content-Type"
assert_contains "$i1" "X-Test: one" "sip_request header"
assert_contains "$i1" "hello bob" "sip_request body"
i2=$(awk '/^INFO sip:/{n++} n==2' "$WORK/bob.msg" | sed -n '1,/^Signal/p')
assert_contains "$i2" "Content-Type: application/dtmf" "dtmf Content-Type"
assert_contains "$i2" "X-Reason: Dtmf" "dtmf X-Reason"
assert_contains "$i2" "Signal=7" "dtmf digit"
assert_contains "$(cat "$WORK/bob.msg")" "Duration=300" "dtmf duration"

# 2. an inbound call whose webhook is slow: no-answer rejects it 503
run_sipp slow "$(mkscen uac_reject CODE=503)" 15551230233 &
SP=$!
wait_hooks 'd.some(r => r.path==="/slow")'
isid=$(json_get "$(hooks_log)" 'd.find(r => r.path==="/slow").body.call_sid')
r=$(upd "$isid" '{"call_status":"no-answer"}')
assert_eq "${r%% *}" 202 "no-answer on a ringing inbound call"
wait "$SP" || fail "the caller did not get 503"
wait_hooks "d.some(r => r.path===\"/status\" && r.body.call_sid===\"$isid\" && r.body.call_status!==\"trying\")"
assert_eq "$(json_get "$(hooks_log)" "d.filter(r => r.path===\"/status\" && r.body.call_sid===\"$isid\").pop().body.sip_status")" "503" "final sip_status"
wait_idle 10
echo OK
