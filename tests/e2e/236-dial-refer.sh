#!/usr/bin/env bash
# dial's referHook: a REFER from the bridged target is posted with the
# target's fields and jambonz's refer_details (sip_refer_to,
# refer_to_user, sip_referred_by, referred_by_user, sip_user_agent, the
# X- headers, referring_call_sid the child's, referred_call_sid the
# caller's) and answered 202 once the hook answered; without a
# referHook the REFER gets 501, as jambonz answers it.
source "$(dirname "$0")/23x_lib.sh"

B=$(free_port) C=$(free_port)
start_hooks '{
  "/call": {"seq":[
    [{"verb":"dial","actionHook":"/action","referHook":"/refer",
      "target":[{"type":"sip","sipUri":"sip:bob@127.0.0.1:'"$B"'"}]}],
    [{"verb":"dial","actionHook":"/action",
      "target":[{"type":"sip","sipUri":"sip:carol@127.0.0.1:'"$C"'"}]}]]},
  "/refer": {"delay":300, "body":[]},
  "/action": [{"verb":"hangup"}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status"

bye3() { x_uas_bye | sed 's/CSeq: 2 BYE/CSeq: 3 BYE/'; }

# 1. bob refers the caller elsewhere: 202 after the hook's answer
start_uas bob "$B" "$(ring_scen 300 "$(x_pause 800)
$(x_uas_refer 2 202)
$(x_pause 500)
$(bye3)")"
run_sipp alice uac_srv_bye 15551230236 || fail "caller 1 failed"
wait_uas bob
wait_hooks 'd.some(r => r.path==="/refer")'
log=$(hooks_log)
act=$(json_get "$log" 'JSON.stringify(d.find(r => r.path==="/action").body)')
psid=$(json_get "$act" d.call_sid)
csid=$(json_get "$act" d.dial_call_sid)
rf='d.find(r => r.path==="/refer").body'
assert_eq "$(json_get "$log" "$rf.call_sid")" "$csid" "referHook: the target's fields"
assert_eq "$(json_get "$log" "$rf.parent_call_sid")" "$psid" "referHook: parent_call_sid"
rd="$rf.refer_details"
assert_eq "$(json_get "$log" "$rd.sip_refer_to")" "<sip:+15557778888@example.com>" "sip_refer_to"
assert_eq "$(json_get "$log" "$rd.refer_to_user")" "+15557778888" "refer_to_user"
assert_eq "$(json_get "$log" "$rd.sip_referred_by")" "<sip:bob@127.0.0.1>" "sip_referred_by"
assert_eq "$(json_get "$log" "$rd.referred_by_user")" "bob" "referred_by_user"
assert_eq "$(json_get "$log" "$rd.sip_user_agent")" "sipp-bob" "sip_user_agent"
assert_eq "$(json_get "$log" "$rd[\"X-Transfer-Reason\"]")" "busy line" "X- header"
assert_eq "$(json_get "$log" "$rd.referring_call_sid")" "$csid" "referring_call_sid: the child"
assert_eq "$(json_get "$log" "$rd.referred_call_sid")" "$psid" "referred_call_sid: the caller"
t_ref=$(msg_time bob '^REFER ')
t_202=$(msg_time bob '^SIP/2.0 202')
[ $((t_202 - t_ref)) -ge 250 ] || fail "202 before the referHook answered ($((t_202 - t_ref)) ms)"

# 2. no referHook: 501, as jambonz
start_uas carol "$C" "$(ring_scen 300 "$(x_pause 500)
$(x_uas_refer 2 501)
$(x_pause 300)
$(bye3)")"
run_sipp alice2 uac_srv_bye 15551230237 || fail "caller 2 failed"
wait_uas carol
wait_idle 5
echo OK
