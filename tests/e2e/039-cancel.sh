#!/usr/bin/env bash
# CANCEL while the first webhook is still thinking: 200 for the CANCEL,
# 487 for the INVITE, status no-answer with sip_status 487; the webhook's
# late answer does nothing (no answer, no RTP, no further status), and
# the next call is served. Then a CANCEL during early media: 487, status
# early-media then no-answer, and the speech stops at once.
source "$(dirname "$0")/lib.sh"

start_hooks '{
  "/call": {"seq": [
    {"delay":3000,"body":[{"verb":"say","text":"Too late."},{"verb":"hangup"}]},
    [{"verb":"sip:decline","status":486}],
    [{"verb":"say","earlyMedia":true,"text":"This early announcement goes on and on for many seconds before it ends."},
     {"verb":"redirect","actionHook":"/after"}]
  ]}
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status"
start_rtpsink
scen=$(mkscen uac_cancel WAIT=500)
run_sipp cancel "$scen" 15551230041 || fail "cancel call failed"
# timed from sipp's own trace: its start-up under load is not ours
c=$(msg_at cancel '^CANCEL ')
r=$(msg_at cancel '^SIP/2.0 487')
[ -n "$c" ] && [ -n "$r" ] || fail "no CANCEL or 487 in sipp's trace"
[ $((r - c)) -le 1000 ] ||
	fail "the CANCEL took $((r - c)) ms to settle (the webhook answers after 3 s)"
assert_contains "$(cat "$WORK/cancel.msg")" "SIP/2.0 487 Request Terminated" "487"

wait_hooks 'd.filter(r => r.path==="/status").length >= 2'
log=$(hooks_log)
assert_eq "$(status_seq)" "trying,no-answer" "status sequence"
na='d.find(r => r.path==="/status" && r.body.call_status==="no-answer").body'
assert_eq "$(json_get "$log" "$na.sip_status")" "487" "sip_status"
assert_eq "$(json_get "$log" "$na.sip_reason")" "Request Terminated" "sip_reason"
assert_eq "$(json_get "$log" "$na.call_termination_by")" "caller" "termination by"
wait_idle 2

# the webhook answers 2.5 s later: nothing may happen (a fixed delay,
# past that answer)
sleep 3
assert_eq "$(status_seq)" "trying,no-answer" "statuses after the late answer"
assert_eq "$(rtp_stat d.packets)" "0" "RTP after the late answer"
grep -q "answered" "$WORK/main.log" && fail "the cancelled call was answered"
wait_idle 1

scen=$(mkscen uac_reject CODE=486)
run_sipp next "$scen" 15551230042 || fail "next call not served"
server_alive

# CANCEL while early media plays
start_rtpsink
scen=$(mkscen uac_cancel WAIT=1200 EARLY='<recv response="183"/>')
run_sipp early "$scen" 15551230043 || fail "CANCEL during early media failed"
assert_contains "$(cat "$WORK/early.msg")" "SIP/2.0 487 Request Terminated" "487 after 183"
wait_hooks 'd.filter(r => r.path==="/status" && r.body.call_status==="no-answer").length===2'
log=$(hooks_log)
sid=$(json_get "$log" 'd.filter(r => r.path==="/call")[2].body.call_sid')
assert_eq "$(status_seq "r.body.call_sid===\"$sid\"")" "trying,early-media,no-answer" "early CANCEL statuses"
na="d.find(r => r.path===\"/status\" && r.body.call_sid===\"$sid\" && r.body.call_status===\"no-answer\")"
assert_eq "$(json_get "$log" "$na.body.sip_status")" "487" "early CANCEL sip_status"
assert_eq "$(json_get "$log" "$na.body.call_termination_by")" "caller" "early CANCEL termination by"
endat=$(json_get "$log" "$na.at")
rtp_quiet
[ "$(rtp_stat d.nonsilent)" -ge 20 ] || fail "early media not heard"
assert_eq "$(rtp_stat "d.log.filter(p => p[0] > $endat + 20).length")" "0" "RTP after the CANCEL"
assert_eq "$(json_get "$log" 'd.some(r => r.path==="/after")')" "false" "verbs ran after the CANCEL"
wait_idle 2
echo OK
