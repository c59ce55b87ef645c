#!/usr/bin/env bash
# gather's digits and its prompt, as jambonz's gather.js: with
# dtmfBargein false the prompt plays on and the digits pressed during it
# count; with listenDuringPrompt false no digit is heard until the prompt
# ends (one pressed during it neither counts nor stops it); with
# dtmfBargein (the default) the first digit stops the prompt, and
# `timeout` runs again from there.
source "$(dirname "$0")/25x_lib.sh"

start_hooks '{
  "/call": {"seq": [
    [{"verb":"gather","actionHook":"/b1","numDigits":2,"dtmfBargein":false,
      "timeout":5,"play":{"url":"@BASE@/long.wav"}},{"verb":"hangup"}],
    [{"verb":"gather","actionHook":"/b2","numDigits":2,
      "listenDuringPrompt":false,"timeout":5,
      "play":{"url":"@BASE@/short.wav"}},{"verb":"hangup"}],
    [{"verb":"gather","actionHook":"/b3","numDigits":3,"timeout":2,
      "play":{"url":"@BASE@/long.wav"}},{"verb":"hangup"}]
  ]},
  "/long.wav": {"wav":{"secs":6,"freq":440,"rate":8000}},
  "/short.wav": {"wav":{"secs":2,"freq":440,"rate":8000}},
  "/b1": [{"verb":"pause","length":1},{"verb":"hangup"}],
  "/b2": [{"verb":"pause","length":1},{"verb":"hangup"}]
}' b4rg3
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status" DEFAULT_WEBHOOK_SECRET=b4rg3

loud() { # FROM_MS TO_MS: loud packets the sink got between the two
	rtp_stat "d.log.filter(p => p[1] && p[0] > $1 && p[0] < $2).length"
}

# 1. dtmfBargein false: '1' at ~1 s and '2' at ~2.5 s, both during the
#    6 s prompt, which plays on between them; the second ends the gather
start_rtpsink
call no-bargein 15551251001 "$(x_pause 1000; x_dtmf 1 1500; x_dtmf 2 300)"
wait_hooks 'd.some(r => r.path==="/b1")'
assert_eq "$(hook /b1 r.body.digits)" "12" "b1 digits"
assert_eq "$(hook /b1 r.body.reason)" "dtmfDetected" "b1 reason"
within "dtmfBargein false" "$(took /b1)" 2000 4000
at=$(hook /b1 r.at)
rtp_quiet
between=$(loud $((at - 1200)) $((at - 200)))
after=$(loud $((at + 300)) $((at + 5000)))
echo "prompt: $between loud packets between the digits, $after after the gather"
[ "$between" -ge 35 ] || fail "the prompt stopped at the first digit: $between loud packets after it"
[ "$after" -le 3 ] || fail "the prompt went on after the gather ended: $after loud packets"

# 2. listenDuringPrompt false: '1' at ~0.8 s during the 2 s prompt is not
#    heard and does not stop it; '2' and '3' after it are the digits
start_rtpsink
call not-during 15551251002 "$(x_pause 800; x_dtmf 1 2400; x_dtmf 23 300)"
wait_hooks 'd.some(r => r.path==="/b2")'
assert_eq "$(hook /b2 r.body.digits)" "23" "b2 digits"
assert_eq "$(hook /b2 r.body.reason)" "dtmfDetected" "b2 reason"
sid=$(hook /b2 r.body.call_sid)
ans=$(json_get "$(hooks_log)" "d.find(r => r.path===\"/status\" && r.body.call_sid===\"$sid\" && r.body.call_status===\"in-progress\").at")
rtp_quiet
during=$(loud $((ans + 1100)) $((ans + 1800)))
echo "prompt: $during loud packets after the digit pressed during it"
[ "$during" -ge 25 ] || fail "a digit stopped the prompt although nothing listened: $during loud packets"

# 3. dtmfBargein (default): '1' at ~1 s stops the 6 s prompt; no more
#    digits: the 2 s timeout runs from there, reason timeout at ~3 s
start_rtpsink
call bargein 15551251003 "$(x_pause 1000; x_dtmf 1 300)"
wait_hooks 'd.some(r => r.path==="/b3")'
assert_eq "$(hook /b3 r.body.reason)" "timeout" "b3 reason"
assert_eq "$(hook /b3 'r.body.digits === undefined')" "true" "b3 no digits"
within "timeout after barge-in" "$(took /b3)" 2700 4200
at=$(hook /b3 r.at)
rtp_quiet
after=$(loud $((at - 1500)) $((at + 5000)))
[ "$after" -le 3 ] || fail "the prompt went on after the digit: $after loud packets"

wait_hooks 'd.filter(r => r.path==="/status" && r.body.call_status==="completed").length===3'
wait_idle
echo OK
