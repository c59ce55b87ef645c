#!/usr/bin/env bash
# The built-in demo (no DEFAULT_CALL_HOOK, no DIRECTORY_FILE): the caller
# hears the welcome, keys 1 2 # during the prompt, hears the digits read
# back and is hung up by the server, well before the gather's 10 s
# timeout path could have ended the call.
source "$(dirname "$0")/lib.sh"

start_fs main
start_rtpsink
scen=$(mkscen uac_answer ACTIONS="$(x_pause 4000; x_dtmf '12#' 300)")
run_sipp demo "$scen" 15551230111 || fail "demo call failed"
# times from sipp's own trace: its start-up under load is not ours
took=$(msg_span demo)
echo "demo call: $took ms"
[ "$took" -ge 6000 ] && [ "$took" -le 11000 ] ||
	fail "demo call lasted $took ms: digits not acted on"
grep -q "^BYE " "$WORK/demo.msg" || fail "the server did not hang up"

rtp_quiet
dtmf_at=$(($(msg_at demo '^ACK ') + 4000))
early=$(rtp_stat "d.log.filter(p => p[1] && p[0] < $dtmf_at).length")
late=$(rtp_stat "d.log.filter(p => p[1] && p[0] > $dtmf_at + 900).length")
echo "loud packets: $early before the digits, $late after"
[ "$early" -ge 100 ] || fail "welcome not heard: $early loud packets"
[ "$late" -ge 50 ] || fail "digits not read back: $late loud packets"
assert_eq "$(rtp_stat d.ssrcs.length)" "1" "one SSRC"
wait_idle
echo OK
