#!/usr/bin/env bash
# gather and transcribe with Speechmatics' real-time API against
# tests/tools/sttsim.js, which checks what that API checks:
# Authorization: Bearer, StartRecognition first (raw pcm_s16le at a
# sample_rate, a language without region), no audio before
# RecognitionStarted, each audio message acknowledged (AudioAdded) and
# counted, EndOfStream with last_seq_no equal to that count at the end.
# AddPartialTranscript is interim, AddTranscript final, the words' mean
# confidence the result's. Its Error message, garbage and a refused key
# end the verb with reason error.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/19-stt-lib.sh"

TEXT="what time do you open tomorrow"
start_sttsim "$(cat <<JSON
{"sm-ok": {"transcript": "$TEXT", "confidence": 0.91},
 "sm-tx": {"transcript": "$TEXT", "confidence": 0.8},
 "sm-error": {"transcript": "x", "mode": "error"},
 "sm-garbage": {"transcript": "x y", "mode": "garbage"}}
JSON
)"
row() { # LABEL KEY
	printf '{"vendor":"speechmatics","label":"%s","use_for_stt":1,"credential":{"api_key":"%s","speechmatics_stt_uri":"127.0.0.1:%s","base_url":"%s"}}' \
		"$1" "$2" "$SIMP" "$SIM"
}
echo "[$(row "" sm-ok), $(row tx sm-tx), $(row error sm-error), $(row garbage sm-garbage), $(row bad sm-nope)]" \
	>"$WORK/creds.json"

gather() { # NAME [LABEL]
	printf '{"verb":"gather","input":["speech"],"actionHook":"/result/%s","timeout":8,"recognizer":{"vendor":"speechmatics","language":"en-US","hints":["tomorrow"]%s}}' \
		"$1" "${2:+,\"label\":\"$2\"}"
}
vendor_run 15551230193 '{"vendor":"speechmatics","label":"tx","interim":true}'

r=$(result ok)
assert_eq "$(json_get "$log" "$r.body.reason")" "speechDetected" "ok: reason"
assert_eq "$(json_get "$log" "$r.body.speech.alternatives[0].transcript")" "$TEXT" "ok: transcript"
assert_eq "$(json_get "$log" "$r.body.speech.alternatives[0].confidence")" "0.91" "ok: mean confidence"
assert_eq "$(json_get "$log" "$r.body.speech.vendor.name")" "speechmatics" "ok: vendor.name"
assert_eq "$(json_get "$log" "$r.body.speech.vendor.evt.message")" "AddTranscript" "ok: vendor.evt"
c='d.find(c => c.key==="sm-ok")'
assert_eq "$(json_get "$sim" "$c.ok")" "true" "recognised: $(json_get "$sim" "String($c.why)")"
assert_eq "$(json_get "$sim" "$c.path")" "/v2" "the path"
assert_eq "$(json_get "$sim" "$c.authorization")" "Bearer sm-ok" "Authorization: Bearer"
assert_eq "$(json_get "$sim" "$c.start.transcription_config.language")" "en" "language without region"
assert_eq "$(json_get "$sim" "$c.start.transcription_config.enable_partials")" "true" "enable_partials"
assert_eq "$(json_get "$sim" "$c.start.transcription_config.additional_vocab[0].content")" "tomorrow" "hints"
assert_eq "$(json_get "$sim" "$c.start.audio_format.sample_rate")" "8000" "sample_rate"
assert_eq "$(json_get "$sim" "$c.end_of_stream.last_seq_no === $c.seq && $c.seq > 50")" "true" \
	"EndOfStream counts the audio messages ($(json_get "$sim" "$c.seq") sent)"
assert_eq "$(json_get "$sim" "$c.close_code")" "1000" "closed normally"

# transcribe: interim then the final transcript
tx_results "$TEXT"
assert_eq "$(json_get "$sim" 'd.find(c => c.key==="sm-tx").end_of_stream.last_seq_no > 0')" "true" \
	"transcribe: EndOfStream at the caller's hang-up"

assert_eq "$(json_get "$log" "$(result error).body.details")" "quota_exceeded: Concurrent session limit reached" \
	"the vendor's error"
failed speechmatics error garbage bad
wait_idle
server_alive
echo OK
