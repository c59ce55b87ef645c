#!/usr/bin/env bash
# answer and alert. answer on a new call sends 200 with SDP (before any
# other verb), then a pause keeps it up and the server's BYE ends it;
# answer again on the answered call sends nothing more (one 200). alert
# raises an application alert as jambonz does, nothing on the wire: an
# alert before any answer leaves the call unanswered (the sip:decline
# after it gets its 486 with jambonz's X-Reason: SIP Decline Verb, no
# 180 or 183 before), and an alert on an answered call changes nothing.
# The alert text is logged escaped. A sip:decline with an X-Reason of
# its own sends that one alone; its header with a line break is left
# out and logged escaped.
source "$(dirname "$0")/lib.sh"

start_hooks '{
  "/call": {"seq": [
    [{"verb":"answer"},{"verb":"alert","message":"answered \u001b[31m\r\nX-Evil: 1"},
     {"answer":{}},{"verb":"pause","length":0.5},{"verb":"hangup"}],
    [{"verb":"alert","message":"before answer"},
     {"verb":"sip:decline","status":486}],
    [{"verb":"sip:decline","status":603,
      "headers":{"X-Reason":"app reason","X-Evil":"a\r\nContact: <sip:evil@10.6.6.6>"}}]
  ]}
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status"

# 1: answer, alert, answer again, pause, hangup
start_rtpsink
run_sipp answer uac_srv_bye 15551232001 || fail "answer call failed"
msgs=$(cat "$WORK/answer.msg")
# the INVITE's answers: status lines of responses whose CSeq is INVITE
inv=$(awk '/^SIP\/2.0 /{st=$0} /^CSeq: [0-9]+ INVITE/{if (st) print st; st=""} /^[A-Z]+ sip:/{st=""}' "$WORK/answer.msg" | tr -d '\r')
assert_eq "$(grep -c '^SIP/2.0 200' <<<"$inv")" "1" "one 200 for the INVITE (answer twice)"
grep -q "^SIP/2.0 18[03]" <<<"$inv" && fail "a provisional answer before the 200"
# the 200 of the INVITE, up to the next message of the trace
ok=$(awk '/^--------------------/{if (f) {printf "%s", b; exit} b=""; next} {b=b $0 "\n"} /^CSeq: 1 INVITE/ && b ~ /SIP\/2.0 200 OK/{f=1} END{if (f) printf "%s", b}' "$WORK/answer.msg")
assert_contains "$ok" "^Content-Type: application/sdp" "200 with SDP"
assert_contains "$ok" "^m=audio [0-9]* RTP/AVP 0" "200's SDP: PCMU"
assert_contains "$ok" "^a=rtpmap:101 telephone-event" "200's SDP: telephone-event"
assert_contains "$msgs" "^BYE sip:" "the server's BYE after the pause"
grep -q "X-Evil" <<<"$msgs" && fail "alert text reached SIP"
log=$(cat "$WORK/main.log")
assert_contains "$log" "alert: .*application alert (Application SID .*): 'answered \\\\x1b\[31m\\\\r\\\\nX-Evil: 1'" "alert logged escaped"
rtp_quiet
[ "$(rtp_stat d.packets)" -ge 20 ] || fail "no media after answer: $(rtp_stat d.packets) packets"
wait_hooks 'd.filter(r => r.path==="/status" && r.body.call_status==="completed").length===1'
sid=$(json_get "$(hooks_log)" 'd.find(r => r.path==="/call").body.call_sid')
assert_eq "$(status_seq "r.body.call_sid===\"$sid\"")" "trying,in-progress,completed" "answer statuses"

# 2: alert before answer: nothing sent, the call still unanswered for
# the decline, with the default X-Reason
run_sipp alert "$(mkscen uac_reject CODE=486)" 15551232002 || fail "alert then decline failed"
msgs=$(cat "$WORK/alert.msg")
assert_contains "$msgs" "^SIP/2.0 486 Busy Here" "486 after the alert"
grep -q "^SIP/2.0 18[03]" <<<"$msgs" && fail "alert sent a provisional answer"
fin=$(awk '/^SIP\/2.0 486 /,/^\r?$/' "$WORK/alert.msg")
assert_contains "$fin" "^X-Reason: SIP Decline Verb" "sip:decline X-Reason"
assert_contains "$(cat "$WORK/main.log")" "application alert (Application SID .*): 'before answer'" "alert logged"

# 3: the application's own X-Reason replaces the default
run_sipp xreason "$(mkscen uac_reject CODE=603)" 15551232003 || fail "decline with X-Reason failed"
fin=$(awk '/^SIP\/2.0 603 /,/^\r?$/' "$WORK/xreason.msg")
assert_contains "$fin" "^X-Reason: app reason" "the application's X-Reason"
assert_eq "$(grep -ci '^X-Reason:' <<<"$fin")" "1" "one X-Reason"
grep -q "evil" <<<"$fin" && fail "a header with a line break went out"
assert_contains "$(cat "$WORK/main.log")" "header 'X-Evil' refused: value has control characters: 'a\\\\r\\\\nContact: <sip:evil@10.6.6.6>'" "refused header logged escaped"
wait_idle
server_alive
echo OK
