#!/usr/bin/env bash
# Who hangs up when: the caller gives up while the called party rings
# (the called party gets CANCEL), the caller hangs up during the bridge
# (the called party gets BYE), the called party hangs up first (dial
# completes and the verb list goes on: the caller hears the next say).
source "$(dirname "$0")/lib_dial.sh"

B1=$(free_port) B2=$(free_port) B3=$(free_port)
tgt() { echo '[{"type":"sip","sipUri":"sip:bob@127.0.0.1:'"$1"'"}]'; }
start_hooks '{
  "/call": {"seq": [
    [{"verb":"dial","answerOnBridge":true,"actionHook":"/action1","target":'"$(tgt "$B1")"'}],
    [{"verb":"dial","actionHook":"/action2","target":'"$(tgt "$B2")"'}],
    [{"verb":"dial","target":'"$(tgt "$B3")"'},
     {"verb":"say","text":"The other party hung up. Goodbye."},
     {"verb":"hangup"}]
  ]}
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status"

# 1. the caller CANCELs while the called party rings
start_uas ring "$B1" "$(ring_scen 20000)"
caller=$(mkscen uac_cancel EARLY='<recv response="180"/>' WAIT=800)
run_sipp cancel "$caller" 15551230001 || fail "caller CANCEL failed"
wait_uas ring
assert_eq "$(msg_count ring '^CANCEL sip:bob@')" "1" "CANCEL to the called party"
assert_eq "$(msg_count ring '^SIP/2.0 200 OK')" "1" "called party never answered"
wait_hooks 'd.filter(r => r.path==="/status" && !r.body.parent_call_sid && r.body.call_status==="no-answer").length===1'
assert_eq "$(status_seq 'r.body.to==="15551230001" && !r.body.parent_call_sid')" "trying,ringing,no-answer" "cancelled caller status"

# 2. the caller hangs up during the bridge: BYE to the called party
start_uas bridged "$B2" "$(ring_scen 100)"
caller=$(mkscen uac_bye ACTIONS="$(x_pause 1000)" CSEQ=2)
run_sipp bye "$caller" 15551230002 || fail "caller BYE failed"
wait_uas bridged
assert_eq "$(msg_count bridged '^BYE sip:')" "1" "BYE to the called party"
t_bye_a=$(msg_time bye '^BYE ')
t_bye_b=$(msg_time bridged '^BYE ')
[ $((t_bye_b - t_bye_a)) -le 500 ] || fail "BYE reached the called party $((t_bye_b - t_bye_a)) ms after the caller's"
wait_hooks 'd.filter(r => r.path==="/status" && r.body.to==="15551230002" && r.body.call_status==="completed").length===1'
last=$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/status" && r.body.to==="15551230002").pop().body.call_termination_by')
assert_eq "$last" "caller" "termination by"

# 3. the called party hangs up first: dial ends, the list continues
start_uas hangs "$B3" "$(ring_scen 100 "$(x_pause 800)
$(x_uas_bye)")"
start_rtpsink
run_sipp rest uac_srv_bye 15551230003 || fail "caller did not get the BYE"
wait_uas hangs
rtp_quiet
[ "$(rtp_stat d.nonsilent)" -ge 25 ] || fail "say after dial not heard ($(rtp_stat d.nonsilent) loud packets)"
grep -q "dial completed (200)" "$WORK/main.log" || fail "dial did not complete"
wait_idle 5
echo OK
