#!/usr/bin/env bash
# dial with timeout 2 to a called party that only rings: after about two
# seconds the server CANCELs it (the called party answers the CANCEL with
# 200 and the INVITE with 487, which is ACKed) and the actionHook gets
# no-answer; the caller, answered at once (answerOnBridge false), then
# hears the next verbs and is hung up.
source "$(dirname "$0")/lib_dial.sh"

B=$(free_port)
start_hooks '{
  "/call": [{"verb":"dial","actionHook":"/action","timeout":2,
             "target":[{"type":"sip","sipUri":"sip:bob@127.0.0.1:'"$B"'"}]}],
  "/action": [{"verb":"hangup"}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status"
start_uas bob "$B" "$(ring_scen 20000)"
run_sipp alice uac_srv_bye 15551234567 || fail "caller did not get the BYE"
wait_uas bob

assert_eq "$(msg_count bob '^CANCEL sip:bob@')" "1" "CANCEL to the called party"
assert_eq "$(msg_count bob '^ACK sip:bob@')" "1" "ACK of the 487"
assert_eq "$(msg_count bob '^SIP/2.0 200 OK')" "1" "called party never answered"
t_inv=$(msg_time bob '^INVITE ')
t_can=$(msg_time bob '^CANCEL ')
rang=$((t_can - t_inv))
[ "$rang" -ge 1800 ] && [ "$rang" -le 3500 ] || fail "CANCEL after ${rang} ms, expected about 2000"

wait_hooks 'd.some(r => r.path==="/action")'
log=$(hooks_log)
act='d.find(r => r.path==="/action").body'
assert_eq "$(json_get "$log" "$act.dial_call_status")" "no-answer" "dial_call_status"
assert_eq "$(json_get "$log" "$act.dial_sip_status")" "487" "dial_sip_status"
assert_eq "$(json_get "$log" "$act.dial_call_sid === undefined")" "true" "no winner sid"
wait_idle 5
echo OK
