#!/usr/bin/env bash
# gather with RFC 4733 digits from sipp's pcaps: numDigits with a nested
# say that a digit interrupts (barge-in), finishOnKey, maxDigits,
# minDigits with interDigitTimeout, the overall timeout, and speech input
# (no recognizer: reason error). The actionHook payload carries digits
# and reason; its verbs replace the rest of the list, [] carries on.
source "$(dirname "$0")/lib.sh"

long="This is a long prompt that keeps talking for a good while so that a \
caller has plenty of time to press keys before it would end on its own."
start_hooks '{
  "/call": {"seq": [
    [{"verb":"gather","actionHook":"/g1","numDigits":3,"timeout":5,
      "say":{"text":"'"$long"'"}},
     {"verb":"redirect","actionHook":"/notreached"}],
    [{"verb":"gather","actionHook":"/g2","finishOnKey":"#","minDigits":2,
      "maxDigits":6,"timeout":5},
     {"verb":"pause","length":1},{"verb":"hangup"}],
    [{"verb":"gather","actionHook":"/g3","maxDigits":2,"timeout":5},
     {"verb":"pause","length":1},{"verb":"hangup"}],
    [{"verb":"gather","actionHook":"/g4","timeout":1},{"verb":"hangup"}],
    [{"verb":"gather","actionHook":"/g5","minDigits":2,"interDigitTimeout":1,
      "timeout":6},
     {"verb":"pause","length":1},{"verb":"hangup"}],
    [{"verb":"gather","input":["speech"],"actionHook":"/g6","timeout":5},
     {"verb":"hangup"}]
  ]},
  "/g1": [{"verb":"pause","length":1},{"verb":"hangup"}]
}' g4th3r
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status" DEFAULT_WEBHOOK_SECRET=g4th3r

call() { # NAME NUMBER ACTIONS
	local scen
	scen=$(mkscen uac_answer ACTIONS="$3")
	run_sipp "$1" "$scen" "$2" || fail "$1: call failed"
}
hook() { # PATH EXPR (on the request r)
	json_get "$(hooks_log)" "(r => $2)(d.find(r => r.path===\"$1\"))"
}

# numDigits with barge-in: the prompt stops at the first digit
start_rtpsink
call numdigits 15551230011 "$(x_pause 1500; x_dtmf 123 300)"
wait_hooks 'd.some(r => r.path==="/g1")'
assert_eq "$(hook /g1 r.body.digits)" "123" "g1 digits"
assert_eq "$(hook /g1 r.body.reason)" "dtmfDetected" "g1 reason"
assert_eq "$(hook /g1 r.sig)" "ok" "g1 signature"
assert_eq "$(hook /g1 'r.body.call_status')" "in-progress" "g1 call_status"
g1at=$(hook /g1 r.at)
rtp_quiet
before=$(rtp_stat "d.log.filter(p => p[1] && p[0] < $g1at - 700).length")
after=$(rtp_stat "d.log.filter(p => p[1] && p[0] > $g1at - 450).length")
echo "prompt: $before loud before, $after after the digits"
[ "$before" -ge 40 ] || fail "prompt not heard before the digits: $before"
[ "$after" -le 3 ] || fail "prompt went on after the first digit: $after loud packets"
assert_eq "$(json_get "$(hooks_log)" 'd.some(r => r.path==="/notreached")')" "false" \
	"verbs after gather ran although the actionHook replaced them"

# finishOnKey: '#' ends it and is not part of the digits
start_rtpsink
call finish 15551230012 "$(x_pause 600; x_dtmf '45#' 300)"
wait_hooks 'd.some(r => r.path==="/g2")'
assert_eq "$(hook /g2 r.body.digits)" "45" "g2 digits"
assert_eq "$(hook /g2 r.body.reason)" "dtmfDetected" "g2 reason"

# maxDigits: collection ends at the second digit
call maxdigits 15551230013 "$(x_pause 600; x_dtmf 789 300)"
wait_hooks 'd.some(r => r.path==="/g3")'
assert_eq "$(hook /g3 r.body.digits)" "78" "g3 digits"
assert_eq "$(hook /g3 r.body.reason)" "dtmfDetected" "g3 reason"

# timeout with no digit, about 1 s after the answer
call timeout 15551230014 ""
wait_hooks 'd.some(r => r.path==="/g4")'
assert_eq "$(hook /g4 r.body.reason)" "timeout" "g4 reason"
assert_eq "$(hook /g4 'r.body.digits === undefined || r.body.digits === ""')" "true" "g4 no digits"
sid=$(hook /g4 r.body.call_sid)
ans=$(json_get "$(hooks_log)" "d.find(r => r.path===\"/status\" && r.body.call_sid===\"$sid\" && r.body.call_status===\"in-progress\").at")
took=$(($(hook /g4 r.at) - ans))
[ "$took" -ge 900 ] && [ "$took" -le 1700 ] || fail "timeout: 1 s gather answered after $took ms"

# minDigits reached, then the inter-digit timeout (1 s, not the 6 s one)
call interdigit 15551230015 "$(x_pause 600; x_dtmf 12 300)"
wait_hooks 'd.some(r => r.path==="/g5")'
assert_eq "$(hook /g5 r.body.digits)" "12" "g5 digits"
assert_eq "$(hook /g5 r.body.reason)" "dtmfDetected" "g5 reason"
sid=$(hook /g5 r.body.call_sid)
ans=$(json_get "$(hooks_log)" "d.find(r => r.path===\"/status\" && r.body.call_sid===\"$sid\" && r.body.call_status===\"in-progress\").at")
took=$(($(hook /g5 r.at) - ans))
echo "inter-digit: $took ms"
[ "$took" -ge 1700 ] && [ "$took" -le 3500 ] || fail "inter-digit timeout: answered after $took ms"

# speech input: no recognizer here, reported as an error
call speech 15551230016 ""
wait_hooks 'd.some(r => r.path==="/g6")'
assert_eq "$(hook /g6 r.body.reason)" "error" "g6 reason"

wait_hooks 'd.filter(r => r.path==="/status" && r.body.call_status==="completed").length===6'
wait_idle
echo OK
