#!/usr/bin/env bash
# A cloud vendor as the server's default (no MySQL): TTS_VENDOR=microsoft
# and TTS_VOICE send a say with no synthesizer to the vendor (the
# simulator of tests/tools/ttssim.js checks the key and the SSML, the
# caller hears its tone), a say naming a vendor the server does not
# speak goes there too with one warning, a say naming flite stays
# embedded; STT_VENDOR=deepgram and STT_LANGUAGE recognise a gather with
# no recognizer (tests/tools/sttsim.js checks the query).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/19-stt-lib.sh"

TEXT="a table for two please"
start_sttsim "{\"dg-ok\": {\"transcript\": \"$TEXT\", \"confidence\": 0.95}}"
start_ttssim '{"microsoft": "ms-key-1"}'

cat >"$WORK/creds.json" <<JSON
[{"vendor":"microsoft","use_for_tts":1,"use_for_stt":0,"credential":{"api_key":"ms-key-1","region":"westeurope","base_url":"$TSIM"}},
 {"vendor":"deepgram","use_for_tts":0,"use_for_stt":1,"credential":{"api_key":"dg-ok","base_url":"$SIM"}}]
JSON

start_hooks '{
  "/call": {"seq": [
    [{"verb":"say","text":"Hello from the default vendor."},{"verb":"hangup"}],
    [{"verb":"say","text":"An unknown vendor.","synthesizer":{"vendor":"nvidia","voice":"x"}},{"verb":"hangup"}],
    [{"verb":"say","text":"Embedded flite.","synthesizer":{"vendor":"flite"}},{"verb":"hangup"}],
    [{"verb":"gather","input":["speech"],"actionHook":"/result/stt","timeout":8},{"verb":"hangup"}]
  ]}
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status" \
	SPEECH_CREDENTIALS_FILE="$WORK/creds.json" TTS_VENDOR=microsoft \
	TTS_VOICE=en-GB-SoniaNeural TTS_LANGUAGE=en-GB STT_VENDOR=deepgram STT_LANGUAGE=en-AU

heard 15551230183 default unknown flite
log=$(tsim_log)
ms='d.filter(r => r.vendor==="microsoft")'
assert_eq "$(json_get "$log" "$ms.length")" "2" "requests to the default vendor (not flite's say)"
assert_eq "$(json_get "$log" "$ms.every(r => r.ok)")" "true" "the simulator's checks"
assert_eq "$(json_get "$log" "$ms.every(r => r.text.includes('<voice name=\"en-GB-SoniaNeural\">') && r.text.includes('xml:lang=\"en-GB\"'))")" \
	"true" "TTS_VOICE and TTS_LANGUAGE in the SSML"
assert_contains "$(json_get "$log" "$ms[0].text")" "Hello from the default vendor." "the first text"
assert_contains "$(json_get "$log" "$ms[1].text")" "An unknown vendor." "the unknown vendor's text"
grep -q "vendor 'nvidia' is not built in: using microsoft" "$WORK/main.log" ||
	fail "no warning for the unknown vendor"

speech_scen "$TEXT"
run_sipp stt "$SCEN" 15551230183 || fail "stt: call failed"
wait_hooks 'd.some(r => r.path==="/result/stt")'
hl=$(hooks_log)
assert_eq "$(json_get "$hl" "$(result stt).body.reason")" "speechDetected" "the gather's reason"
assert_eq "$(json_get "$hl" "$(result stt).body.speech.alternatives[0].transcript")" "$TEXT" "the transcript"
sim=$(sim_log)
assert_eq "$(json_get "$sim" 'd.find(c => c.key==="dg-ok").query.language')" "en-AU" "STT_LANGUAGE in the query"
# the first hook's defaults name them too (jambonz: the account's, here the server's)
calls='d.filter(r => r.path==="/call")'
assert_eq "$(json_get "$hl" "$calls.pop().body.defaults.recognizer.vendor")" "deepgram" "defaults: STT_VENDOR"
assert_eq "$(json_get "$hl" "$calls.pop().body.defaults.recognizer.language")" "en-AU" "defaults: STT_LANGUAGE"
wait_hooks 'd.filter(r => r.path==="/status" && r.body.call_status==="completed").length===4'
wait_idle
server_alive
echo OK
