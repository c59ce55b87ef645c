#!/usr/bin/env bash
# dial timeLimit 2: the bridge is cut about two seconds after the called
# party answers (it gets BYE from the server), the actionHook gets
# completed, and the caller, left alone, is hung up by the list's end.
source "$(dirname "$0")/lib_dial.sh"

B=$(free_port)
start_hooks '{
  "/call": [{"verb":"dial","actionHook":"/action","timeLimit":2,
             "target":[{"type":"sip","sipUri":"sip:bob@127.0.0.1:'"$B"'"}]}],
  "/action": [{"verb":"hangup"}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status"
start_uas bob "$B" "$(ring_scen 200)"
run_sipp alice uac_srv_bye 15551234567 || fail "caller did not get the BYE"
wait_uas bob

assert_eq "$(msg_count bob '^BYE sip:')" "1" "BYE to the called party"
held=$(($(msg_time bob '^BYE ') - $(msg_time bob '^SIP/2.0 200 OK')))
[ "$held" -ge 1900 ] && [ "$held" -le 2600 ] || fail "bridge lasted $held ms, expected about 2000"
# the caller's BYE follows the called party's
t=$(($(msg_time alice '^BYE ') - $(msg_time bob '^BYE ')))
[ "$t" -ge 0 ] && [ "$t" -le 1000 ] || fail "caller hung up $t ms after the called party"

wait_hooks 'd.some(r => r.path==="/action")'
log=$(hooks_log)
act='d.find(r => r.path==="/action").body'
assert_eq "$(json_get "$log" "$act.dial_call_status")" "completed" "dial_call_status"
assert_eq "$(json_get "$log" "$act.dial_sip_status")" "200" "dial_sip_status"
wait_idle 5
echo OK
