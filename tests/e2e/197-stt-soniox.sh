#!/usr/bin/env bash
# gather and transcribe with Soniox's real-time WebSocket API against
# tests/tools/sttsim.js, which checks what the API checks: the key as
# Authorization: Bearer, the configuration first (model, pcm_s16le at a
# sample_rate, one channel), binary audio, the empty message that ends
# the audio (answered by finished). Final tokens are kept until the
# "<end>" token and make one final result, the tokens' mean confidence;
# the rest are interim. Its error message, garbage and a refused key end
# the verb with reason error.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/19-stt-lib.sh"

TEXT="I need a new appointment"
start_sttsim "$(cat <<JSON
{"sx-ok": {"transcript": "$TEXT", "confidence": 0.84},
 "sx-tx": {"transcript": "$TEXT", "confidence": 0.8},
 "sx-error": {"transcript": "x", "mode": "error"},
 "sx-garbage": {"transcript": "x y", "mode": "garbage"}}
JSON
)"
row() { # LABEL KEY
	printf '{"vendor":"soniox","label":"%s","use_for_stt":1,"credential":{"api_key":"%s","base_url":"%s"}}' \
		"$1" "$2" "$SIM"
}
echo "[$(row "" sx-ok), $(row tx sx-tx), $(row error sx-error), $(row garbage sx-garbage), $(row bad sx-nope)]" \
	>"$WORK/creds.json"

gather() { # NAME [LABEL]
	printf '{"verb":"gather","input":["speech"],"actionHook":"/result/%s","timeout":8,"recognizer":{"vendor":"soniox","language":"en-US","altLanguages":["es-MX"],"hints":["appointment"],"sonioxOptions":{"model":"stt-rt-v3"}%s}}' \
		"$1" "${2:+,\"label\":\"$2\"}"
}
vendor_run 15551230197 '{"vendor":"soniox","label":"tx","interim":true}'

r=$(result ok)
assert_eq "$(json_get "$log" "$r.body.reason")" "speechDetected" "ok: reason"
assert_eq "$(json_get "$log" "$r.body.speech.alternatives[0].transcript")" "$TEXT" "ok: the final tokens joined"
assert_eq "$(json_get "$log" "Math.abs($r.body.speech.alternatives[0].confidence - 0.84) < 1e-9")" "true" \
	"ok: the tokens' mean ($(json_get "$log" "$r.body.speech.alternatives[0].confidence"))"
assert_eq "$(json_get "$log" "$r.body.speech.vendor.name")" "soniox" "ok: vendor.name"
assert_eq "$(json_get "$log" "$r.body.speech.vendor.evt.tokens.slice(-1)[0].text")" "<end>" "ok: vendor.evt"
c='d.find(c => c.key==="sx-ok")'
assert_eq "$(json_get "$sim" "$c.ok")" "true" "recognised: $(json_get "$sim" "String($c.why)")"
assert_eq "$(json_get "$sim" "$c.path")" "/transcribe-websocket" "the path"
assert_eq "$(json_get "$sim" "$c.authorization")" "Bearer sx-ok" "Authorization: Bearer"
assert_eq "$(json_get "$sim" "$c.config.model")" "stt-rt-v3" "sonioxOptions.model"
assert_eq "$(json_get "$sim" "$c.config.sample_rate")" "8000" "sample_rate"
assert_eq "$(json_get "$sim" "$c.config.language_hints.join()")" "en,es" "language and altLanguages as hints"
assert_eq "$(json_get "$sim" "$c.config.context.terms.join()")" "appointment" "hints as context terms"
assert_eq "$(json_get "$sim" "$c.config.enable_endpoint_detection")" "true" "endpoint detection"
assert_eq "$(json_get "$sim" "$c.end_of_audio")" "true" "the empty message at the end"
assert_eq "$(json_get "$sim" "$c.close_code")" "1000" "closed normally"

tx_results "$TEXT"
assert_eq "$(json_get "$sim" 'd.find(c => c.key==="sx-tx").end_of_audio')" "true" \
	"transcribe: the end of the audio at the caller's hang-up"

assert_eq "$(json_get "$log" "$(result error).body.details")" "503: Service is temporarily unavailable." \
	"the vendor's error"
assert_eq "$(json_get "$log" "$(result garbage).body.details")" "a message that is not Soniox's JSON" "garbage"
failed soniox error garbage bad
wait_idle
server_alive
echo OK
