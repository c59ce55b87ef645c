#!/usr/bin/env bash
# updateCall's child_call_hook, as jambonz's doAdulting: the bridged leg
# becomes a call of its own (the same call_sid, session:redirect to the
# hook with its fields, direction outbound), runs the hook's verbs (a
# play bob hears, then hangup: BYE to bob) and posts its own
# call:status; the caller's dial ends completed and its list goes on
# (the actionHook's play, heard by the caller, then hangup).
source "$(dirname "$0")/23x_lib.sh"

B=$(free_port)
start_hooks '{
  "/call": [{"verb":"dial","actionHook":"/action",
             "target":[{"type":"sip","sipUri":"sip:bob@127.0.0.1:'"$B"'"}]}],
  "/child": [{"verb":"play","url":"@BASE@/beep.wav"},{"verb":"hangup"}],
  "/action": [{"verb":"play","url":"@BASE@/tone.wav"},{"verb":"hangup"}],
  "/beep.wav": {"wav":{"secs":1,"freq":600,"rate":8000}},
  "/tone.wav": {"wav":{"secs":1,"freq":450,"rate":8000}}
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status"

start_rtpsink
B_STATS=$RTP_STATS
UAS_RTP=$RTP_PORT start_uas bob "$B" "$(ring_scen 300)"
start_rtpsink
A_STATS=$RTP_STATS
run_sipp alice uac_srv_bye 15551230237 &
AP=$!
wait_hooks 'd.some(r => r.path==="/status" && r.body.parent_call_sid && r.body.call_status==="in-progress")'
log=$(hooks_log)
psid=$(json_get "$log" 'd.find(r => r.path==="/call").body.call_sid')
csid=$(json_get "$log" 'd.find(r => r.path==="/status" && r.body.parent_call_sid).body.call_sid')
sleep 0.5 # fixed delay: bridged a while
r=$(upd "$psid" '{"child_call_hook":"'"$HOOK"'/child"}')
assert_eq "${r%% *}" 202 "child_call_hook"
wait "$AP" || fail "the caller did not get its BYE"
wait_uas bob
wait_hooks "d.some(r => r.path===\"/status\" && r.body.call_sid===\"$csid\" && r.body.call_status===\"completed\")"
rtp_quiet "$A_STATS"
rtp_quiet "$B_STATS"
log=$(hooks_log)
ch='d.find(r => r.path==="/child").body'
assert_eq "$(json_get "$log" "$ch.call_sid")" "$csid" "the child keeps its call_sid"
assert_eq "$(json_get "$log" "$ch.direction")" "outbound" "the child's direction"
assert_eq "$(json_get "$log" "$ch.to")" "sip:bob@127.0.0.1:$B" "the child's to"
act='d.find(r => r.path==="/action").body'
assert_eq "$(json_get "$log" "$act.dial_call_status")" "completed" "the caller's dial ended"
assert_eq "$(json_get "$log" "$act.dial_call_sid")" "$csid" "dial_call_sid"
assert_eq "$(msg_count bob '^BYE sip:')" "1" "bob hung up by the child's hangup verb"
[ "$(RTP_STATS=$B_STATS rtp_stat d.nonsilent)" -ge 35 ] || fail "bob did not hear the child's play"
[ "$(RTP_STATS=$A_STATS rtp_stat d.nonsilent)" -ge 35 ] || fail "the caller did not hear the actionHook's play"
assert_contains "$(cat "$WORK/main.log")" "$csid: the dial leg of $psid runs an application of its own" "handover logged"
wait_idle 5
echo OK
