#!/usr/bin/env bash
# say with earlyMedia before any answer: 183 with SDP, speech as RTP, the
# early-media status; then sip:decline: the caller gets the status,
# reason and headers asked for, and the status hook says failed. A bare
# sip:decline never sends media. Early media followed by a say that
# answers: 183, then 200 on the same dialog, statuses early-media then
# in-progress.
source "$(dirname "$0")/lib.sh"

start_hooks '{
  "/call": {"seq": [
    [{"verb":"say","text":"Please hold while we check.","earlyMedia":true},
     {"verb":"sip:decline","status":486,"reason":"Busy Right Now",
      "headers":{"X-Decline-Why":"e2e busy","X-Count":"2"}}],
    [{"sip:decline":{"status":603,"reason":"Go Away"}}],
    [{"verb":"sip:decline","status":486}],
    [{"verb":"say","text":"Ringing, sort of.","earlyMedia":true},
     {"verb":"say","text":"Now answered."},{"verb":"hangup"}]
  ]}
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status"

# 1: early media, then declined
early='<recv response="183"><action><ereg regexp="m=audio [0-9]+ RTP/AVP 0" search_in="body" check_it="true" assign_to="sdp"/></action></recv><Reference variables="sdp"/>'
start_rtpsink
scen=$(mkscen uac_reject CODE=486 EARLY="$early")
run_sipp early "$scen" 15551230001 || fail "early media call failed"
rtp_quiet
msgs=$(cat "$WORK/early.msg")
assert_contains "$msgs" "SIP/2.0 183 Session Progress" "183"
assert_contains "$msgs" "SIP/2.0 486 Busy Right Now" "final status line"
assert_contains "$msgs" "X-Decline-Why: e2e busy" "decline header"
assert_contains "$msgs" "X-Count: 2" "decline header 2"
# the final answer ends as SIP says: a Content-Length and the blank line
# (a parser that insists on it, libre's own among them, drops it else)
fin=$(awk '/^SIP\/2.0 486 /,/^\r?$/' "$WORK/early.msg")
assert_contains "$fin" "^Content-Length: 0" "486 Content-Length"
grep -q "SIP/2.0 200 OK" "$WORK/early.msg" && fail "the call was answered"
loud=$(rtp_stat d.nonsilent)
[ "$loud" -ge 25 ] || fail "early media speech not heard: $loud loud packets"

wait_hooks 'd.filter(r => r.path==="/status" && r.body.call_status==="failed").length===1'
sid=$(json_get "$(hooks_log)" 'd.find(r => r.path==="/call").body.call_sid')
assert_eq "$(status_seq "r.body.call_sid===\"$sid\"")" "trying,early-media,failed" "early statuses"
log=$(hooks_log)
em="d.find(r => r.path===\"/status\" && r.body.call_status===\"early-media\").body"
assert_eq "$(json_get "$log" "$em.sip_status")" "183" "early-media sip_status"
fl="d.find(r => r.path===\"/status\" && r.body.call_status===\"failed\").body"
assert_eq "$(json_get "$log" "$fl.sip_status")" "486" "failed sip_status"
assert_eq "$(json_get "$log" "$fl.sip_reason")" "Busy Right Now" "failed sip_reason"
assert_eq "$(json_get "$log" "$fl.duration === undefined || $fl.duration === 0")" "true" "no duration when never answered"

# 2: a bare decline
start_rtpsink
scen=$(mkscen uac_reject CODE=603)
run_sipp decline "$scen" 15551230002 || fail "decline call failed"
assert_contains "$(cat "$WORK/decline.msg")" "SIP/2.0 603 Go Away" "603 status line"
grep -q "SIP/2.0 183" "$WORK/decline.msg" && fail "183 sent for a bare decline"
rtp_quiet
assert_eq "$(rtp_stat 'd.packets')" "0" "RTP for a declined call"
wait_hooks 'd.filter(r => r.path==="/status" && r.body.call_status==="failed").length===2'
sid=$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/call")[1].body.call_sid')
assert_eq "$(status_seq "r.body.call_sid===\"$sid\"")" "trying,failed" "decline statuses"

# 3: no reason given: the standard phrase of the status
scen=$(mkscen uac_reject CODE=486)
run_sipp phrase "$scen" 15551230003 || fail "decline without reason failed"
assert_contains "$(cat "$WORK/phrase.msg")" "SIP/2.0 486 Busy Here" "486 reason phrase"

# 4: early media, then answered by the next say
start_rtpsink
scen=$(mkscen uac_answer)
run_sipp answered "$scen" 15551230004 || fail "early media then answer failed"
assert_contains "$(cat "$WORK/answered.msg")" "SIP/2.0 183 Session Progress" "183 before answer"
tags=$(grep -E "^To: .*tag=" "$WORK/answered.msg" | grep -v SIPpTag | sed 's/.*tag=//' | tr -d '\r' | sort -u | wc -l)
assert_eq "$tags" "1" "183 and 200 in one dialog (To tags)"
wait_hooks 'd.filter(r => r.path==="/status" && r.body.call_status==="completed").length===1'
sid=$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/call")[3].body.call_sid')
assert_eq "$(status_seq "r.body.call_sid===\"$sid\"")" "trying,early-media,in-progress,completed" "early then answered statuses"
rtp_quiet
assert_eq "$(rtp_stat d.ssrcs.length)" "1" "one SSRC across 183 and 200"
assert_eq "$(rtp_stat d.seq_faults)" "0" "sequence faults across 183 and 200"
[ "$(rtp_stat d.nonsilent)" -ge 40 ] || fail "both says not heard"
wait_idle
server_alive
echo OK
