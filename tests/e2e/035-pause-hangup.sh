#!/usr/bin/env bash
# pause holds the answered call for its length (from the end of the
# speech before it to the BYE); hangup with headers: the caller's BYE
# carries them. Status hook: trying, in-progress, completed
# with call_termination_by jambonz and the duration.
source "$(dirname "$0")/lib.sh"

start_hooks '{
  "/call": [{"verb":"say","text":"Hi."},{"verb":"pause","length":2},
            {"verb":"hangup","headers":{"X-Hangup-Cause":"e2e done","X-Code":"17"}}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status"
start_rtpsink
run_sipp pause uac_srv_bye 15551230021 || fail "call failed"
wait_hooks 'd.some(r => r.path==="/status" && r.body.call_status==="completed")'

# the BYE the caller got
bye=$(awk '/^BYE /,/^$/' "$WORK/pause.msg")
assert_contains "$bye" "^X-Hangup-Cause: e2e done" "BYE"
assert_contains "$bye" "^X-Code: 17" "BYE"

log=$(hooks_log)
assert_eq "$(status_seq)" "trying,in-progress,completed" "status sequence"
st='d.filter(r => r.path==="/status")'
rtp_quiet
spoke=$(rtp_stat 'd.log.filter(p => p[1]).pop()[0]')
took=$(($(json_get "$log" "$st[2].at") - spoke))
echo "last speech to the end of the call: $took ms"
[ "$took" -ge 1900 ] && [ "$took" -le 2700 ] || fail "pause 2 s lasted $took ms"
took=$(msg_span pause)
[ "$took" -le 5000 ] || fail "the call took $took ms"
assert_eq "$(json_get "$log" "$st[2].body.call_termination_by")" "jambonz" "termination by"
# whole seconds of the answered call: the speech plus the pause
want=$(json_get "$log" "Math.round(($st[2].at - $st[1].at) / 1000)")
assert_eq "$(json_get "$log" "$st[2].body.duration")" "$want" "duration"
[ "$want" -ge 2 ] || fail "answered call lasted $want s"
assert_eq "$(json_get "$log" "$st[2].body.sip_status")" "200" "sip_status"
assert_eq "$(json_get "$log" "$st[1].body.sip_status")" "200" "in-progress sip_status"
# silence flows while paused, nothing loud
p=$(rtp_stat "d.log.filter(p => p[0] > $spoke).length")
[ "$p" -ge 80 ] || fail "only $p RTP packets during a 2 s pause"
assert_eq "$(rtp_stat "d.log.filter(p => p[1] && p[0] > $spoke).length")" "0" "loud packets during pause"
wait_idle
echo OK
