#!/usr/bin/env bash
# gather's digit timers, as jambonz's gather.js: `timeout` runs from the
# start and no digit restarts it; interDigitTimeout starts only once
# minDigits digits are in (and then `timeout` stops); without minDigits
# an expired `timeout` reports reason timeout and no digits, with
# minDigits reached it reports the digits (dtmfDetected).
source "$(dirname "$0")/25x_lib.sh"

start_hooks '{
  "/call": {"seq": [
    [{"verb":"gather","actionHook":"/t1","minDigits":3,"interDigitTimeout":1,
      "timeout":5},{"verb":"hangup"}],
    [{"verb":"gather","actionHook":"/t2","numDigits":5,"timeout":3},
     {"verb":"hangup"}],
    [{"verb":"gather","actionHook":"/t3","minDigits":1,"numDigits":5,
      "timeout":3},{"verb":"hangup"}],
    [{"verb":"gather","actionHook":"/t4","minDigits":2,"interDigitTimeout":1,
      "timeout":8},{"verb":"hangup"}],
    [{"verb":"gather","actionHook":"/t5","finishOnKey":"##","minDigits":1,
      "timeout":3},{"verb":"hangup"}]
  ]}
}' t1m3r
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status" DEFAULT_WEBHOOK_SECRET=t1m3r

# 1. two digits of minDigits 3: no inter-digit timer yet, the 5 s
#    timeout ends it (not 1 s after the last digit), without digits
call below-min 15551250001 "$(x_pause 600; x_dtmf 12 300)"
wait_hooks 'd.some(r => r.path==="/t1")' 10
assert_eq "$(hook /t1 r.body.reason)" "timeout" "t1 reason"
assert_eq "$(hook /t1 'r.body.digits === undefined')" "true" "t1 no digits"
within "timeout under minDigits" "$(took /t1)" 4700 6000

# 2. digits do not restart `timeout`: 4 digits up to ~2 s, the 3 s
#    timeout ends it at ~3 s; no minDigits: reason timeout, no digits
call no-restart 15551250002 "$(x_pause 1100; x_dtmf 1234 300)"
wait_hooks 'd.some(r => r.path==="/t2")' 10
assert_eq "$(hook /t2 r.body.reason)" "timeout" "t2 reason"
assert_eq "$(hook /t2 'r.body.digits === undefined')" "true" "t2 no digits"
within "timeout with digits" "$(took /t2)" 2700 3800

# 3. minDigits reached when `timeout` expires: the digits, dtmfDetected,
#    still at ~3 s from the start
call min-reached 15551250003 "$(x_pause 1500; x_dtmf 12 300)"
wait_hooks 'd.some(r => r.path==="/t3")' 10
assert_eq "$(hook /t3 r.body.reason)" "dtmfDetected" "t3 reason"
assert_eq "$(hook /t3 r.body.digits)" "12" "t3 digits"
within "timeout with minDigits" "$(took /t3)" 2700 3900

# 4. the inter-digit timer once minDigits are in: 1 s after the third
call inter 15551250004 "$(x_pause 600; x_dtmf 123 300)"
wait_hooks 'd.some(r => r.path==="/t4")' 10
assert_eq "$(hook /t4 r.body.reason)" "dtmfDetected" "t4 reason"
assert_eq "$(hook /t4 r.body.digits)" "123" "t4 digits"
within "inter-digit" "$(took /t4)" 1900 3300

# 5. a finishOnKey of two keys never matches (jambonz compares the key
#    pressed with the whole string): '#' is a digit like any other, and
#    the 3 s timeout with minDigits 1 reports them
call two-keys 15551250005 "$(x_pause 600; x_dtmf '1#2' 300)"
wait_hooks 'd.some(r => r.path==="/t5")' 10
assert_eq "$(hook /t5 r.body.digits)" "1#2" "t5 digits"
assert_eq "$(hook /t5 r.body.reason)" "dtmfDetected" "t5 reason"

wait_hooks 'd.filter(r => r.path==="/status" && r.body.call_status==="completed").length===5'
wait_idle
echo OK
