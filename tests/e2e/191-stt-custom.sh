#!/usr/bin/env bash
# gather with speech recognised by jambonz's custom speech-to-text API
# (a "custom:<name>" vendor) against tests/tools/sttsim.js, which checks
# what that API promises its servers: Authorization: Bearer with the
# credential's auth_token, the "start" message first (language, format
# raw, encoding LINEAR16, interimResults, sampleRateHz, options with the
# hints and the callSid), binary L16 at sampleRateHz in real time, then
# "stop"; its transcription messages reach the actionHook in the jambonz
# shape (vendor.name "custom:acme"). An error message, garbage and a
# refused token end the verb with reason error.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/19-stt-lib.sh"

TEXT="please transfer me to billing"
start_sttsim "$(cat <<JSON
{"cu-ok": {"transcript": "$TEXT", "confidence": 0.88},
 "cu-error": {"transcript": "x", "mode": "error"},
 "cu-garbage": {"transcript": "x y", "mode": "garbage"}}
JSON
)"

row() { # NAME TOKEN
	printf '{"vendor":"custom:%s","use_for_stt":1,"credential":{"auth_token":"%s","custom_stt_url":"ws://127.0.0.1:%s/custom-stt/%s"}}' \
		"$1" "$2" "$SIMP" "$1"
}
echo "[$(row acme cu-ok), $(row broken cu-error), $(row junk cu-garbage), $(row revoked cu-nope)]" \
	>"$WORK/creds.json"

gather() { # NAME VENDOR [RECOGNIZER_EXTRA]
	printf '{"verb":"gather","input":["speech"],"actionHook":"/result/%s","timeout":8,"recognizer":{"vendor":"%s","language":"en-GB"%s}}' \
		"$1" "$2" "${3:-}"
}
start_hooks '{
  "/call": {"seq": [
    ['"$(gather ok custom:acme ',"hints":["billing","sales"],"hintsBoost":15,"customOptions":{"sampleRate":16000,"options":{"model":"telephony"}}')"', {"verb":"hangup"}],
    ['"$(gather error custom:broken)"', '"$STT_BYE"'],
    ['"$(gather garbage custom:junk)"', '"$STT_BYE"'],
    ['"$(gather revoked custom:revoked)"', '"$STT_BYE"']
  ]}
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status" \
	SPEECH_CREDENTIALS_FILE="$WORK/creds.json"

speech_scen "$TEXT"
call_all 15551230191 ok error garbage revoked
log=$(hooks_log)
sim=$(sim_log)

r=$(result ok)
assert_eq "$(json_get "$log" "$r.body.reason")" "speechDetected" "ok: reason"
assert_eq "$(json_get "$log" "$r.body.speech.alternatives[0].transcript")" "$TEXT" "ok: transcript"
assert_eq "$(json_get "$log" "$r.body.speech.alternatives[0].confidence")" "0.88" "ok: confidence"
assert_eq "$(json_get "$log" "$r.body.speech.vendor.name")" "custom:acme" "ok: vendor.name"
assert_eq "$(json_get "$log" "$r.body.speech.language_code")" "en-GB" "ok: language_code"
assert_eq "$(json_get "$log" "$r.body.speech.vendor.evt.type")" "transcription" "ok: vendor.evt"

c='d.find(c => c.key==="cu-ok")'
assert_eq "$(json_get "$sim" "$c.ok")" "true" "the stream was recognised: $(json_get "$sim" "String($c.why)")"
assert_eq "$(json_get "$sim" "$c.path")" "/custom-stt/acme" "custom_stt_url's path"
assert_eq "$(json_get "$sim" "$c.authorization")" "Bearer cu-ok" "Authorization: Bearer"
assert_eq "$(json_get "$sim" "$c.start.language")" "en-GB" "start: language"
assert_eq "$(json_get "$sim" "$c.start.sampleRateHz")" "16000" "start: sampleRateHz"
assert_eq "$(json_get "$sim" "$c.start.interimResults")" "true" "start: interimResults"
assert_eq "$(json_get "$sim" "$c.start.options.model")" "telephony" "start: customOptions.options"
assert_eq "$(json_get "$sim" "$c.start.options.hints.join()")" "billing,sales" "start: hints"
assert_eq "$(json_get "$sim" "$c.start.options.hintsBoost")" "15" "start: hintsBoost"
assert_eq "$(json_get "$sim" "$c.start.options.callSid")" "$(json_get "$log" "$r.body.call_sid")" "start: callSid"
rate=$(json_get "$sim" "$c.rate")
[ "$rate" -ge 14400 ] && [ "$rate" -le 17600 ] || fail "audio at $rate samples/s, not 16000"
assert_eq "$(json_get "$sim" "$c.stop")" "true" "stop sent at the end"
assert_eq "$(json_get "$sim" "$c.close_code")" "1000" "closed normally"

for n in error garbage revoked; do
	assert_eq "$(json_get "$log" "$(result "$n").body.reason")" "error" "$n: reason"
done
assert_eq "$(json_get "$log" "$(result error).body.details")" 'upstream "vendor" unavailable' "the server's error"
assert_eq "$(grep -c 'recognition failed' "$WORK/main.log")" "3" "one log line per failure"
grep -q 'custom:broken recognition failed (Protocol error): upstream .*vendor.* unavailable' "$WORK/main.log" ||
	fail "no log line for the error"
assert_eq "$(json_get "$sim" 'd.filter(c => c.why==="bad key").length')" "1" "the refused token"
wait_idle
server_alive
echo OK
