#!/usr/bin/env bash
# dialMusic plays to the caller while the target rings and stops when it
# answers; a confirmHook's verbs run on the answered target alone (a
# play it hears and the caller does not, a gather of its digit whose
# actionHook gets the target's fields) before the bridge; a confirmHook
# answering hangup rejects the target (BYE), and the dial fails.
source "$(dirname "$0")/23x_lib.sh"

B=$(free_port) C=$(free_port) D=$(free_port)
start_hooks '{
  "/call": {"seq":[
    [{"verb":"dial","actionHook":"/action1","dialMusic":"@BASE@/music.wav",
      "target":[{"type":"sip","sipUri":"sip:bob@127.0.0.1:'"$B"'"}]}],
    [{"verb":"dial","actionHook":"/action2","confirmHook":"/confirm",
      "target":[{"type":"sip","sipUri":"sip:carol@127.0.0.1:'"$C"'"}]}],
    [{"verb":"dial","actionHook":"/action3",
      "target":[{"type":"sip","sipUri":"sip:dave@127.0.0.1:'"$D"'",
                 "confirmHook":"/reject"}]}]]},
  "/music.wav": {"wav":{"secs":6,"freq":440,"rate":8000}},
  "/beep.wav": {"wav":{"secs":1,"freq":600,"rate":8000}},
  "/confirm": [{"verb":"play","url":"@BASE@/beep.wav"},
               {"verb":"gather","input":["digits"],"numDigits":1,"timeout":5,
                "actionHook":"/confirmed"}],
  "/confirmed": [],
  "/reject": [{"verb":"hangup"}],
  "/action1": [{"verb":"hangup"}],
  "/action2": [{"verb":"hangup"}],
  "/action3": [{"verb":"hangup"}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status"

# 1. dialMusic: bob answers after 2.5 s and sends nothing; he hangs up
start_uas bob "$B" "$(ring_scen 2500 "$(x_pause 1500)
$(x_uas_bye)")"
start_rtpsink
A_STATS=$RTP_STATS
run_sipp alice uac_srv_bye 15551230231 || fail "caller 1 failed"
wait_uas bob
wait_hooks 'd.some(r => r.path==="/action1")'
rtp_quiet "$A_STATS"
ans=$(msg_time bob '^SIP/2.0 200')
inv=$(msg_time bob '^INVITE ')
loud_before=$(RTP_STATS=$A_STATS rtp_stat "d.log.filter(p => p[1] && p[0] > $inv && p[0] < $ans).length")
loud_after=$(RTP_STATS=$A_STATS rtp_stat "d.log.filter(p => p[1] && p[0] > $ans + 200).length")
[ "$loud_before" -ge 75 ] || fail "dialMusic: $loud_before loud packets while ringing"
assert_eq "$loud_after" "0" "dialMusic stopped on answer (loud packets after it)"
assert_eq "$(json_get "$(hooks_log)" 'd.find(r => r.path==="/action1").body.dial_call_status')" "completed" "dial 1 outcome"
unset RTP_PORT RTP_STATS

# 2. confirmHook: carol hears the beep, presses 1 (INFO), is bridged,
# hangs up 1.5 s later; the caller heard none of it
start_rtpsink
C_STATS=$RTP_STATS C_RTP=$RTP_PORT
UAS_RTP=$C_RTP start_uas carol "$C" "$(ring_scen 200 "$(x_pause 1800)
$(x_uas_info 1 1)
$(x_pause 1500)
$(x_uas_bye)")"
start_rtpsink
A2_STATS=$RTP_STATS
run_sipp alice2 uac_srv_bye 15551230232 || fail "caller 2 failed"
wait_uas carol
wait_hooks 'd.some(r => r.path==="/action2")'
rtp_quiet "$C_STATS"
rtp_quiet "$A2_STATS"
log=$(hooks_log)
act='d.find(r => r.path==="/action2").body'
psid=$(json_get "$log" "$act.call_sid")
csid=$(json_get "$log" "$act.dial_call_sid")
assert_eq "$(json_get "$log" "$act.dial_call_status")" "completed" "confirmed target bridged"
cf='d.find(r => r.path==="/confirm").body'
assert_eq "$(json_get "$log" "$cf.call_sid")" "$csid" "confirmHook: the target's call_sid"
assert_eq "$(json_get "$log" "$cf.parent_call_sid")" "$psid" "confirmHook: parent_call_sid"
assert_eq "$(json_get "$log" "$cf.call_status")" "in-progress" "confirmHook: answered"
g='d.find(r => r.path==="/confirmed").body'
assert_eq "$(json_get "$log" "$g.digits")" "1" "gather's digits"
assert_eq "$(json_get "$log" "$g.reason")" "dtmfDetected" "gather's reason"
assert_eq "$(json_get "$log" "$g.call_sid")" "$csid" "gather's actionHook: the target's fields"
[ "$(RTP_STATS=$C_STATS rtp_stat d.nonsilent)" -ge 40 ] || fail "carol did not hear the confirm prompt"
assert_eq "$(RTP_STATS=$A2_STATS rtp_stat d.nonsilent)" "0" "the caller heard the confirm prompt"
t_info=$(msg_time carol '^INFO ')
t_ack=$(msg_time carol '^ACK ')
[ $((t_info - t_ack)) -ge 1500 ] || fail "INFO too early"
unset RTP_PORT RTP_STATS

# 3. a confirmHook answering hangup: dave is hung up, the dial fails
start_uas dave "$D" "$(ring_scen 200)"
run_sipp alice3 uac_srv_bye 15551230233 || fail "caller 3 failed"
wait_uas dave
wait_hooks 'd.some(r => r.path==="/action3")'
assert_eq "$(msg_count dave '^BYE sip:')" "1" "dave got a BYE"
assert_eq "$(json_get "$(hooks_log)" 'd.some(r => r.path==="/reject" && r.body.parent_call_sid)')" "true" "dave's confirmHook"
st=$(json_get "$(hooks_log)" 'd.find(r => r.path==="/action3").body.dial_call_status')
[ "$st" != "completed" ] || fail "a rejected target was bridged"
assert_contains "$(cat "$WORK/main.log")" "declined: hung up by the confirmHook" "decline logged"
wait_idle 5
echo OK
