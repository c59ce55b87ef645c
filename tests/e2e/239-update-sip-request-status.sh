#!/usr/bin/env bash
# updateCall sip_request answers with the far end's answer, as jambonz's
# update-call.js: 200 {status, reason} once the called party answered
# the INFO (486 Busy Here, then 200 OK), the REST request waiting for
# it; a call that ended is 404; a bad method is still 400.
source "$(dirname "$0")/23x_lib.sh"

start_hooks '{}'
start_fs main DEFAULT_CALL_STATUS_HOOK="$HOOK/status"

# x_reply CODE REASON: answer the request sipp just received, after 1 s
# (the REST answer must wait for it)
x_reply() {
	echo '<pause milliseconds="1000"/>'
	x_ok200 | sed "s|^SIP/2.0 200 OK|SIP/2.0 $1 $2|"
}

B=$(free_port)
start_uas bob "$B" "$(ring_scen 300 "<recv request=\"INFO\"/>
$(x_reply 486 'Busy Here')
<recv request=\"NOTIFY\"/>
$(x_reply 200 OK)
$(x_uas_bye)")"
r=$(post /v1/createCall '{"from":"+15550002390",
  "to":{"type":"sip","sipUri":"sip:bob@127.0.0.1:'"$B"'"},
  "call_status_hook":"'"$HOOK"'/status",
  "app_json":[{"verb":"pause","length":20}]}')
assert_eq "${r%% *}" "201" "createCall"
sid=$(json_get "${r#* }" d.sid)
wait_hooks "d.some(r => r.path===\"/status\" && r.body.call_sid===\"$sid\" && r.body.call_status===\"in-progress\")"

r=$(upd "$sid" '{"sip_request":{"method":"PUBLISH"}}')
assert_eq "${r%% *}" 400 "sip_request of another method"

t0=$(date +%s%N)
r=$(post "/v1/updateCall/$sid" '{"sip_request":{"method":"INFO","content_type":"text/plain","content":"are you there"}}')
t1=$(date +%s%N)
assert_eq "${r%% *}" 200 "sip_request answered 200"
assert_eq "$(json_get "${r#* }" d.status)" 486 "the far end's status"
assert_eq "$(json_get "${r#* }" d.reason)" "Busy Here" "the far end's reason"
[ $(((t1 - t0) / 1000000)) -ge 900 ] ||
	fail "the REST answer came before the far end's ($(((t1 - t0) / 1000000)) ms)"

r=$(post "/v1/updateCall/$sid" '{"sip_request":{"method":"NOTIFY","headers":{"Event":"talk"}}}')
assert_eq "${r%% *}" 200 "second sip_request answered 200"
assert_eq "$(json_get "${r#* }" d.status)" 200 "the far end's 200"
assert_eq "$(json_get "${r#* }" d.reason)" "OK" "the far end's OK"
assert_contains "$(msg_first bob '^NOTIFY sip:')" "Event: talk" "NOTIFY's header"

wait_uas bob
wait_hooks "d.some(r => r.path===\"/status\" && r.body.call_sid===\"$sid\" && r.body.call_status===\"completed\")"
r=$(upd "$sid" '{"sip_request":{"method":"INFO"}}')
assert_eq "${r%% *}" 404 "sip_request on an ended call"
wait_idle 10
echo OK
