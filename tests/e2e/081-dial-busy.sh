#!/usr/bin/env bash
# dial to a busy called party (486): the actionHook gets busy and the
# SIP status, nothing is bridged, and the verbs after dial run (say,
# heard by the caller, then hangup: the caller gets the server's BYE).
source "$(dirname "$0")/lib_dial.sh"

B=$(free_port)
start_hooks '{
  "/call": [{"verb":"dial","actionHook":"/action",
             "target":[{"type":"sip","sipUri":"sip:bob@127.0.0.1:'"$B"'"}]},
            {"verb":"say","text":"never reached: the action hook replaces the list"}],
  "/action": [{"verb":"say","text":"The line is busy. Goodbye."},
              {"verb":"hangup"}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status"
start_uas bob "$B" uas_busy
start_rtpsink
run_sipp alice uac_srv_bye 15551234567 || fail "caller did not get the BYE"
wait_uas bob

wait_hooks 'd.some(r => r.path==="/status" && r.body.call_status==="completed")'
log=$(hooks_log)
act='d.find(r => r.path==="/action").body'
assert_eq "$(json_get "$log" "$act.dial_call_status")" "busy" "dial_call_status"
assert_eq "$(json_get "$log" "$act.dial_sip_status")" "486" "dial_sip_status"
assert_eq "$(json_get "$log" "$act.call_status")" "in-progress" "caller answered"
assert_eq "$(json_get "$log" 'd.filter(r => r.path==="/action").length')" "1" "action hooks"
assert_eq "$(msg_count bob '^INVITE sip:bob@')" "1" "INVITEs to the called party"
assert_eq "$(msg_count bob '^ACK sip:')" "1" "ACK of the 486"

# the say after dial was heard
rtp_quiet
[ "$(rtp_stat d.nonsilent)" -ge 25 ] || fail "speech after dial not heard ($(rtp_stat d.nonsilent) loud packets)"
assert_eq "$(rtp_stat 'Object.keys(d.pts).join()')" "0" "payload type"
wait_idle 5
echo OK
