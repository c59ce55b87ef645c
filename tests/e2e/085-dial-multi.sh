#!/usr/bin/env bash
# dial rings three targets at once: the one that answers first (after
# 600 ms) wins and is bridged, the others (answering after 3 s, or
# never) get CANCEL; dial_call_sid and dial_sbc_callid name the winner.
source "$(dirname "$0")/lib_dial.sh"

B1=$(free_port) B2=$(free_port) B3=$(free_port)
start_hooks '{
  "/call": [{"verb":"dial","actionHook":"/action","target":[
    {"type":"sip","sipUri":"sip:slow@127.0.0.1:'"$B1"'"},
    {"type":"sip","sipUri":"sip:fast@127.0.0.1:'"$B2"'"},
    {"type":"sip","sipUri":"sip:never@127.0.0.1:'"$B3"'"}]}],
  "/action": [{"verb":"hangup"}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status"
start_uas slow "$B1" "$(ring_scen 3000)"
start_uas fast "$B2" "$(ring_scen 600 "$(x_pause 1000)
$(x_uas_bye)")"
start_uas never "$B3" "$(ring_scen 20000)"
run_sipp alice uac_srv_bye 15551234567 || fail "caller failed"
for u in slow fast never; do wait_uas $u; done

assert_eq "$(msg_count fast '^CANCEL ')" "0" "CANCEL to the winner"
assert_eq "$(msg_count fast '^SIP/2.0 200 OK')" "2" "winner's 200 to INVITE and BYE"
for u in slow never; do
	assert_eq "$(msg_count $u '^INVITE sip:')" "1" "INVITE to $u"
	assert_eq "$(msg_count $u '^CANCEL sip:')" "1" "CANCEL to $u"
	assert_eq "$(msg_count $u '^SIP/2.0 200 OK')" "1" "$u answered only the CANCEL"
	t=$(($(msg_time $u '^CANCEL ') - $(msg_time fast '^SIP/2.0 200')))
	[ "$t" -le 300 ] || fail "$u cancelled $t ms after the winner answered"
done

wait_hooks 'd.some(r => r.path==="/action")'
log=$(hooks_log)
act='d.find(r => r.path==="/action").body'
assert_eq "$(json_get "$log" "$act.dial_call_status")" "completed" "dial_call_status"
fcid=$(msg_first fast '^INVITE ' | sed -n 's/^Call-ID: *//p' | tr -d '\r')
assert_eq "$(json_get "$log" "$act.dial_sbc_callid")" "$fcid" "dial_sbc_callid is the winner's"
wsid=$(json_get "$log" "$act.dial_call_sid")
grep -q "leg: $wsid: INVITE sip:fast@" "$WORK/main.log" || fail "dial_call_sid $wsid is not the leg to fast"
wait_idle 5
echo OK
