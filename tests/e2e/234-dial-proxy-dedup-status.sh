#!/usr/bin/env bash
# dial's proxy: the B-leg's INVITE goes to it (Route ;lr, the
# Request-URI still the target's) unless the target names a proxy of
# its own; a target repeating an earlier one rings once; every child leg
# posts call:status with its own call_sid and parent_call_sid (trying,
# ringing, in-progress, completed with a duration; busy for a 486), as
# jambonz's SingleDialer, while the caller's own sequence is unchanged.
source "$(dirname "$0")/lib_dial.sh"

P=$(free_port) C=$(free_port) NOBODY=$(free_port)
start_hooks '{
  "/call": [{"verb":"dial","actionHook":"/action","proxy":"127.0.0.1:'"$P"'",
             "target":[
               {"type":"sip","sipUri":"sip:bob@127.0.0.1:'"$NOBODY"'"},
               {"type":"sip","sipUri":"sip:bob@127.0.0.1:'"$NOBODY"'"},
               {"type":"sip","sipUri":"sip:carol@127.0.0.1:'"$NOBODY"'",
                "proxy":"sip:127.0.0.1:'"$C"'"}]}],
  "/action": [{"verb":"hangup"}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status"

# the proxy plays bob: rings, answers after 1 s, hangs up 1 s later
start_uas proxy "$P" "$(ring_scen 1000 "$(x_pause 1000)
$(x_uas_bye)")"
start_uas carol "$C" uas_busy
run_sipp alice uac_srv_bye 15551230234 || fail "caller failed"
wait_uas proxy
wait_uas carol

inv=$(msg_first proxy '^INVITE ')
assert_contains "$inv" "INVITE sip:bob@127.0.0.1:$NOBODY SIP/2.0" "Request-URI is the target's"
assert_contains "$inv" "Route: <sip:127.0.0.1:$P;lr>" "Route to the dial's proxy"
assert_eq "$(msg_count proxy '^INVITE ')" "1" "the repeated target rang once"
assert_contains "$(cat "$WORK/main.log")" "target 1 repeats an earlier one" "duplicate logged"
cinv=$(msg_first carol '^INVITE ')
assert_contains "$cinv" "INVITE sip:carol@127.0.0.1:$NOBODY SIP/2.0" "carol's Request-URI"
assert_contains "$cinv" "Route: <sip:127.0.0.1:$C;lr>" "the target's own proxy wins"

wait_hooks 'd.filter(r => r.path==="/status" && r.body.parent_call_sid && ["completed","busy"].includes(r.body.call_status)).length===2'
wait_hooks 'd.some(r => r.path==="/status" && !r.body.parent_call_sid && r.body.call_status==="completed")'
log=$(hooks_log)
act='d.find(r => r.path==="/action").body'
psid=$(json_get "$log" "$act.call_sid")
bsid=$(json_get "$log" "$act.dial_call_sid")
assert_eq "$(status_seq '!r.body.parent_call_sid')" "trying,in-progress,completed" "the caller's own sequence"
assert_eq "$(status_seq "r.body.call_sid===\"$bsid\"")" "trying,ringing,in-progress,completed" "bob's leg"
st="d.filter(r => r.path===\"/status\" && r.body.call_sid===\"$bsid\").map(r => r.body)"
assert_eq "$(json_get "$log" "$st.every(b => b.parent_call_sid===\"$psid\" && b.direction===\"outbound\")")" "true" "bob's posts name the parent, outbound"
assert_eq "$(json_get "$log" "$st.map(b => b.sip_status).join(\",\")")" "100,180,200,200" "bob's sip_status"
assert_eq "$(json_get "$log" "$st[3].duration >= 1 && $st[3].duration <= 3")" "true" "completed carries the duration"
assert_eq "$(json_get "$log" "$st[0].to")" "sip:bob@127.0.0.1:$NOBODY" "to is the target"
bcid=$(sed -n 's/^Call-ID: *//p' <<<"$inv" | tr -d '\r')
assert_eq "$(json_get "$log" "$st[0].call_id")" "$bcid" "call_id is the leg's"
csid=$(json_get "$log" "d.find(r => r.path===\"/status\" && r.body.parent_call_sid && r.body.call_status===\"busy\").body.call_sid")
[ -n "$csid" ] && [ "$csid" != "$bsid" ] && [ "$csid" != "$psid" ] || fail "carol's leg has no sid of its own"
assert_eq "$(status_seq "r.body.call_sid===\"$csid\"")" "trying,busy" "carol's leg"
assert_eq "$(json_get "$log" "d.filter(r => r.path===\"/status\" && r.body.call_sid===\"$csid\").pop().body.sip_status")" "486" "carol's 486"
wait_idle 5
echo OK
