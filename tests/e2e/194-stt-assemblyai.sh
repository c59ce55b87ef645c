#!/usr/bin/env bash
# gather with AssemblyAI's Universal Streaming API (v3) against
# tests/tools/sttsim.js, which checks what that API checks: the key as
# the Authorization header itself, sample_rate and encoding pcm_s16le in
# the query, every audio message between 50 and 1000 ms long (the API
# closes the stream with 3007 otherwise), Terminate at the end. A Turn
# with end_of_turn is the final result (the first, unformatted one, as
# jambonz takes it); an error message and a refused key end the verb
# with reason error.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/19-stt-lib.sh"

TEXT="cancel my reservation please"
start_sttsim "$(cat <<JSON
{"aai-ok": {"transcript": "$TEXT", "confidence": 0.87},
 "aai-error": {"transcript": "x", "mode": "error"}}
JSON
)"
row() { # LABEL KEY
	printf '{"vendor":"assemblyai","label":"%s","use_for_stt":1,"credential":{"api_key":"%s","base_url":"%s"}}' \
		"$1" "$2" "$SIM"
}
echo "[$(row "" aai-ok), $(row error aai-error), $(row bad aai-nope)]" >"$WORK/creds.json"
gather() { # NAME [LABEL]
	printf '{"verb":"gather","input":["speech"],"actionHook":"/result/%s","timeout":8,"recognizer":{"vendor":"assemblyai","language":"en-US","hints":["reservation","table"],"assemblyAiOptions":{"maxTurnSilence":900}%s}}' \
		"$1" "${2:+,\"label\":\"$2\"}"
}
start_hooks '{
  "/call": {"seq": [
    ['"$(gather ok)"', {"verb":"hangup"}],
    ['"$(gather error error)"', '"$STT_BYE"'],
    ['"$(gather bad bad)"', '"$STT_BYE"']
  ]}
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status" \
	SPEECH_CREDENTIALS_FILE="$WORK/creds.json"
speech_scen "$TEXT"
call_all 15551230194 ok error bad
log=$(hooks_log)
sim=$(sim_log)

r=$(result ok)
assert_eq "$(json_get "$log" "$r.body.reason")" "speechDetected" "ok: reason"
assert_eq "$(json_get "$log" "$r.body.speech.alternatives[0].transcript")" "$TEXT" "ok: transcript"
assert_eq "$(json_get "$log" "$r.body.speech.alternatives[0].confidence")" "0.87" "ok: end_of_turn_confidence"
assert_eq "$(json_get "$log" "$r.body.speech.vendor.name")" "assemblyai" "ok: vendor.name"
assert_eq "$(json_get "$log" "$r.body.speech.vendor.evt.type")" "Turn" "ok: vendor.evt"
c='d.find(c => c.key==="aai-ok")'
assert_eq "$(json_get "$sim" "$c.ok")" "true" "recognised: $(json_get "$sim" "String($c.why)")"
assert_eq "$(json_get "$sim" "$c.authorization")" "aai-ok" "the key as Authorization"
assert_eq "$(json_get "$sim" "$c.query.sample_rate")" "8000" "sample_rate"
assert_eq "$(json_get "$sim" "$c.query.encoding")" "pcm_s16le" "encoding"
assert_eq "$(json_get "$sim" "$c.query.max_turn_silence")" "900" "assemblyAiOptions"
assert_eq "$(json_get "$sim" "$c.query.keyterms_prompt")" '["reservation","table"]' "hints as keyterms_prompt"
[ "$(json_get "$sim" "$c.min_ms >= 50 && $c.max_ms <= 1000")" = "true" ] ||
	fail "audio messages of $(json_get "$sim" "$c.min_ms")..$(json_get "$sim" "$c.max_ms") ms"
assert_eq "$(json_get "$sim" "$c.terminate")" "true" "Terminate at the end"
assert_eq "$(json_get "$sim" "$c.close_code")" "1000" "closed normally"
for n in error bad; do
	assert_eq "$(json_get "$log" "$(result "$n").body.reason")" "error" "$n: reason"
done
assert_eq "$(json_get "$log" "$(result error).body.details")" "Too many concurrent sessions" "the vendor's error"
assert_eq "$(grep -c 'assemblyai recognition failed' "$WORK/main.log")" "2" "one log line per failure"
wait_idle
server_alive
echo OK
