#!/usr/bin/env bash
# DTMF by SIP INFO (application/dtmf-relay, Signal=N) during a gather is
# collected like RFC 4733 digits: INFO answered 200, digits in the
# actionHook.
source "$(dirname "$0")/lib.sh"

start_hooks '{
  "/call": [{"verb":"gather","actionHook":"/digits","numDigits":3,"timeout":5},
            {"verb":"hangup"}],
  "/digits": [{"verb":"pause","length":0.5},{"verb":"hangup"}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status"
acts="$(x_pause 500; x_info 5 2; x_pause 100; x_info '#' 3; x_pause 100; x_info 9 4)"
scen=$(mkscen uac_answer ACTIONS="$acts")
run_sipp info "$scen" 15551230081 || fail "INFO call failed"
wait_hooks 'd.some(r => r.path==="/digits")'
log=$(hooks_log)
assert_eq "$(json_get "$log" 'd.find(r => r.path==="/digits").body.digits')" "5#9" "digits"
assert_eq "$(json_get "$log" 'd.find(r => r.path==="/digits").body.reason')" "dtmfDetected" "reason"
# received: 200 for the INVITE and each INFO; sent: 200 for the BYE
assert_eq "$(grep -c "SIP/2.0 200 OK" "$WORK/info.msg")" "5" "200s (INVITE + 3 INFO + BYE)"
wait_hooks 'd.some(r => r.path==="/status" && r.body.call_status==="completed")'
wait_idle
echo OK
