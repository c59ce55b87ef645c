#!/usr/bin/env bash
# recognizer.vad: the vendor's stream opens only once the caller speaks
# (an energy detector with jambonz's voiceMs, silenceMs, mode and
# speechPadMs), with the audio of the detection sent first so no word is
# lost. The caller is quiet for 3 s before speaking: with vad the vendor
# (tests/tools/sttsim.js as Deepgram) gets almost none of that silence
# and still recognises all; without it, all of it. A voiceMs longer than
# what the caller says never opens a stream: the gather times out; a
# transcribe with vad recognises the same way.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/19-stt-lib.sh"

TEXT="I want to check my balance"
start_sttsim "$(cat <<JSON
{"dg-vad": {"transcript": "$TEXT", "confidence": 0.9},
 "dg-novad": {"transcript": "$TEXT", "confidence": 0.9},
 "dg-never": {"transcript": "$TEXT", "confidence": 0.9},
 "dg-tx": {"transcript": "$TEXT", "confidence": 0.9}}
JSON
)"
row() { # LABEL KEY
	printf '{"vendor":"deepgram","label":"%s","use_for_stt":1,"credential":{"api_key":"%s","base_url":"%s"}}' \
		"$1" "$2" "$SIM"
}
echo "[$(row vad dg-vad), $(row novad dg-novad), $(row never dg-never), $(row tx dg-tx)]" >"$WORK/creds.json"
gather() { # NAME LABEL [RECOGNIZER_EXTRA]
	printf '{"verb":"gather","input":["speech"],"actionHook":"/result/%s","timeout":%s,"recognizer":{"vendor":"deepgram","language":"en-US","label":"%s"%s}}' \
		"$1" "${4:-10}" "$2" "${3:-}"
}
start_hooks '{
  "/call": {"seq": [
    ['"$(gather vad vad ',"vad":{"enable":true,"voiceMs":200,"silenceMs":150,"mode":2}')"', {"verb":"hangup"}],
    ['"$(gather novad novad)"', {"verb":"hangup"}],
    ['"$(gather never never ',"vad":{"enable":true,"voiceMs":8000}' 6)"', {"verb":"hangup"}],
    [{"verb":"transcribe","transcriptionHook":"/tx","recognizer":{"vendor":"deepgram","label":"tx","vad":{"enable":true}}}]
  ]}
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status" \
	SPEECH_CREDENTIALS_FILE="$WORK/creds.json"
speech_scen "$TEXT" 3.0 2.5
for n in vad novad never; do
	run_sipp "$n" "$SCEN" 15551230198 || fail "$n: call failed"
done
run_sipp tx "$(mkscen uac_bye CSEQ=2 ACTIONS="<nop><action><exec play_pcap_audio=\"$WORK/speech.pcap\"/></action></nop>$(x_pause 7000)")" \
	15551230198 || fail "tx: call failed"
wait_hooks 'd.filter(r => r.path==="/status" && r.body.call_status==="completed").length===4' 30
log=$(hooks_log)
sim=$(sim_log)

for n in vad novad; do
	assert_eq "$(json_get "$log" "$(result $n).body.reason")" "speechDetected" "$n: reason"
	assert_eq "$(json_get "$log" "$(result $n).body.speech.alternatives[0].transcript")" "$TEXT" "$n: transcript"
	c="d.find(c => c.key===\"dg-$n\")"
	assert_eq "$(json_get "$sim" "$c.ok")" "true" "$n: recognised: $(json_get "$sim" "String($c.why)")"
done
lead=$(json_get "$sim" 'd.find(c => c.key==="dg-vad").quiet_lead_ms || 0')
[ "$lead" -lt 600 ] || fail "vad: $lead ms of the silence before the speech reached the vendor"
lead=$(json_get "$sim" 'd.find(c => c.key==="dg-novad").quiet_lead_ms || 0')
[ "$lead" -gt 2500 ] || fail "without vad only $lead ms of the leading silence reached the vendor"
grep -q 'deepgram: voice detected, the stream opens' "$WORK/main.log" || fail "no log line of the detection"

assert_eq "$(json_get "$log" "$(result never).body.reason")" "timeout" "never: the gather timed out"
assert_eq "$(json_get "$sim" 'd.filter(c => c.key==="dg-never").length')" "0" "never: no stream opened"

assert_eq "$(json_get "$log" 'd.filter(r => r.path==="/tx" && r.body.speech.is_final).map(r => r.body.speech.alternatives[0].transcript).join()')" \
	"$TEXT" "transcribe with vad: the final transcript"
lead=$(json_get "$sim" 'd.find(c => c.key==="dg-tx").quiet_lead_ms || 0')
[ "$lead" -lt 600 ] || fail "transcribe with vad: $lead ms of the leading silence reached the vendor"
wait_idle
server_alive
echo OK
