#!/usr/bin/env bash
# gather and transcribe with Azure Speech's WebSocket protocol against
# tests/tools/sttsim.js, which checks what the service checks: the
# subscription key, the language in the query, every message's text
# headers (Path, a 32-hex X-RequestId, X-Timestamp), speech.config once
# and first, speech.context before each turn's audio, the binary audio
# messages' 2-byte header length, the turn's first audio a PCM WAV header
# (its rate measured against the audio's), an empty audio message ending
# the turn. speech.hypothesis is interim, speech.phrase (NBest of the
# detailed format) final. A close with an error, a message without
# headers and a refused key end the verb with reason error.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/19-stt-lib.sh"

TEXT="I would like to pay my bill"
start_sttsim "$(cat <<JSON
{"ms-ok": {"transcript": "$TEXT", "confidence": 0.88, "language": "es-ES"},
 "ms-tx": {"transcript": "$TEXT", "confidence": 0.8, "turns": true},
 "ms-error": {"transcript": "x", "mode": "error"},
 "ms-garbage": {"transcript": "x y", "mode": "garbage"}}
JSON
)"
row() { # LABEL KEY
	printf '{"vendor":"microsoft","label":"%s","use_for_stt":1,"credential":{"api_key":"%s","region":"westeurope","base_url":"%s"}}' \
		"$1" "$2" "$SIM"
}
echo "[$(row "" ms-ok), $(row tx ms-tx), $(row error ms-error), $(row garbage ms-garbage), $(row bad ms-nope)]" \
	>"$WORK/creds.json"

gather() { # NAME [LABEL]
	printf '{"verb":"gather","input":["speech"],"actionHook":"/result/%s","timeout":8,"recognizer":{"vendor":"microsoft","language":"en-US","hints":["bill",{"phrase":"invoice"}],"profanityOption":"removed","altLanguages":["es-ES"],"azureOptions":{"speechSegmentationSilenceTimeoutMs":600}%s}}' \
		"$1" "${2:+,\"label\":\"$2\"}"
}
vendor_run 15551230195 '{"vendor":"microsoft","label":"tx","interim":true,"punctuation":false}'

r=$(result ok)
assert_eq "$(json_get "$log" "$r.body.reason")" "speechDetected" "ok: reason"
assert_eq "$(json_get "$log" "$r.body.speech.alternatives[0].transcript")" "$TEXT." "ok: NBest[0].Display"
assert_eq "$(json_get "$log" "$r.body.speech.alternatives[0].confidence")" "0.88" "ok: NBest[0].Confidence"
assert_eq "$(json_get "$log" "$r.body.speech.language_code")" "es-ES" "ok: the language identified"
assert_eq "$(json_get "$log" "$r.body.speech.vendor.name")" "microsoft" "ok: vendor.name"
assert_eq "$(json_get "$log" "$r.body.speech.vendor.evt.RecognitionStatus")" "Success" "ok: vendor.evt"
c='d.find(c => c.key==="ms-ok")'
assert_eq "$(json_get "$sim" "$c.ok")" "true" "recognised: $(json_get "$sim" "String($c.why)")"
assert_eq "$(json_get "$sim" "$c.query.language")" "en-US" "language"
assert_eq "$(json_get "$sim" "$c.query.format")" "detailed" "format detailed"
assert_eq "$(json_get "$sim" "$c.query.profanity")" "removed" "profanityOption"
assert_eq "$(json_get "$sim" "$c.query.segmentationSilenceTimeoutMs")" "600" "azureOptions"
assert_eq "$(json_get "$sim" "/^[0-9a-f]{32}\$/.test($c.connection_id)")" "true" "X-ConnectionId"
assert_eq "$(json_get "$sim" "$c.paths.slice(0,2).join()")" "speech.config,speech.context" "speech.config, then speech.context"
assert_eq "$(json_get "$sim" "$c.context.dgi.Groups[0].Items.map(i => i.Text).join()")" "bill,invoice" "hints as the phrase list"
assert_eq "$(json_get "$sim" "$c.context.languageId.languages.join()")" "en-US,es-ES" "altLanguages"
assert_eq "$(json_get "$sim" "$c.wav_rate")" "16000" "a WAV header at 16 kHz"
assert_eq "$(json_get "$sim" "$c.end_of_audio")" "true" "the empty audio message at the end"
assert_eq "$(json_get "$sim" "$c.close_code")" "1000" "closed normally"

# transcribe: interim then the final transcript, punctuation taken out
tx_results "$TEXT"
assert_eq "$(json_get "$sim" 'd.find(c => c.key==="ms-tx").end_of_audio')" "true" \
	"transcribe: the end of the audio at the caller's hang-up"
assert_eq "$(json_get "$sim" 'd.find(c => c.key==="ms-tx").turns')" "2" \
	"transcribe: a new turn (speech.context, a new X-RequestId, the WAV header) after the service ended one"

assert_eq "$(json_get "$log" "$(result garbage).body.details")" "a message that is not Azure Speech's (no headers)" \
	"garbage: the details"
failed microsoft error garbage bad
wait_idle
server_alive
echo OK
