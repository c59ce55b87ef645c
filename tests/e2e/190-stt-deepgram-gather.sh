#!/usr/bin/env bash
# gather with speech, recognised by Deepgram's live streaming API as a
# simulator checks it (tests/tools/sttsim.js: Authorization: Token, the
# query, linear16 at 8 kHz arriving in real time and loud
# enough, CloseStream or a close 1000 at the end) while sipp sends
# speech espeak-ng recorded (tests/tools/sttpcap.py): the transcript, in
# the jambonz shape, reaching the actionHook, interim results on the
# partialResultHook, a speech barge-in stopping the prompt; and every
# way it fails: no credential (the verb ends quietly, the list goes
# on), fallbackVendor, continuous ASR ended by its digit, a refused key, 429, garbage, a stream that never finalises
# (timeout), a vendor down, one that never answers the handshake, one
# that drops the stream, a transcript below minConfidence.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/19-stt-lib.sh"

TEXT="i would like to book a table for two"
start_sttsim "$(cat <<JSON
{"dg-ok": {"transcript": "$TEXT", "confidence": 0.96},
 "dg-low": {"transcript": "maybe", "confidence": 0.41},
 "dg-429": {"mode": "429"}, "dg-garbage": {"transcript": "x y", "mode": "garbage"},
 "dg-nofinal": {"transcript": "never ending story", "mode": "nofinal"},
 "dg-slow": {"mode": "slow"}, "dg-drop": {"transcript": "a b", "mode": "drop"}}
JSON
)"
DOWN="ws://127.0.0.1:$(free_port)"

row() { # LABEL KEY [BASE]
	printf '{"vendor":"deepgram","label":"%s","use_for_tts":0,"use_for_stt":1,"credential":{"api_key":"%s","base_url":"%s"}}' \
		"$1" "$2" "${3:-$SIM}"
}
cat >"$WORK/creds.json" <<JSON
[$(row "" dg-ok), $(row low dg-low), $(row bad dg-revoked), $(row r429 dg-429),
 $(row garbage dg-garbage), $(row nofinal dg-nofinal), $(row down dg-ok "$DOWN"),
 $(row slow dg-slow), $(row drop dg-drop),
 {"vendor":"deepgram","label":"ttsonly","use_for_tts":1,"use_for_stt":0,"credential":{"api_key":"dg-ok","base_url":"$SIM"}}]
JSON

gather() { # NAME [LABEL] [RECOGNIZER_EXTRA] [VERB_EXTRA] [TIMEOUT]
	printf '{"verb":"gather","input":["speech"],"actionHook":"/result/%s","timeout":%s,"recognizer":{"vendor":"deepgram","language":"en-US"%s%s}%s}' \
		"$1" "${5:-8}" "${2:+,\"label\":\"$2\"}" "${3:-}" "${4:-}"
}
after='{"verb":"gather","input":["digits"],"timeout":1,"actionHook":"/after"}'
start_hooks '{
  "/call": {"seq": [
    ['"$(gather ok '' ',"hints":["table","book"],"hintsBoost":20,"punctuation":true' ",\"partialResultHook\":\"/partial\"")"', {"verb":"hangup"}],
    ['"$(gather bargein '' '' ',"bargein":true,"say":{"text":"Welcome to the restaurant. Please tell us what you would like to do today, after the tone, and we will do our very best to help you with it.","synthesizer":{"vendor":"flite"}}')"', {"verb":"hangup"}],
    ['"$(gather low low ',"minConfidence":0.8')"', {"verb":"hangup"}],
    ['"$(gather nocred ttsonly)"', '"$after"', {"verb":"hangup"}],
    ['"$(gather bad bad)"', '"$STT_BYE"'],
    ['"$(gather r429 r429)"', '"$STT_BYE"'],
    ['"$(gather garbage garbage)"', '"$STT_BYE"'],
    ['"$(gather nofinal nofinal '' '' 3)"', {"verb":"hangup"}],
    ['"$(gather down down)"', '"$STT_BYE"'],
    ['"$(gather slow slow)"', '"$STT_BYE"'],
    ['"$(gather drop drop)"', '"$STT_BYE"'],
    [{"verb":"config","recognizer":{"vendor":"deepgram","language":"en-AU","hints":["menu"]}},
     {"verb":"gather","input":["speech"],"actionHook":"/result/config","timeout":8}, {"verb":"hangup"}],
    ['"$(gather fbrefused bad ',"fallbackVendor":"deepgram","fallbackLanguage":"en-IE"')"', {"verb":"hangup"}],
    ['"$(gather fbnocred ttsonly ',"fallbackVendor":"deepgram"')"', {"verb":"hangup"}],
    [{"verb":"gather","input":["digits","speech"],"numDigits":2,"actionHook":"/result/dtmf","timeout":8,
      "recognizer":{"vendor":"deepgram"}}, '"$STT_BYE"'],
    [{"verb":"gather","input":["speech"],"actionHook":"/result/asr","timeout":20,
      "recognizer":{"vendor":"deepgram","asrTimeout":10,"asrDtmfTerminationDigit":"#"}}, '"$STT_BYE"']
  ]},
  "/result": [], "/after": [], "/partial": []
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status" \
	SPEECH_CREDENTIALS_FILE="$WORK/creds.json"

speech_scen "$TEXT"

names=(ok bargein low nocred bad r429 garbage nofinal down slow drop config fbrefused fbnocred)
for n in "${names[@]}"; do
	run_sipp "$n" "$SCEN" 15551230190 || fail "$n: call failed"
done
# digits and speech: the digits come first
run_sipp dtmf "$(mkscen uac_answer ACTIONS="$(x_pause 500)$(x_dtmf 12)")" 15551230190 ||
	fail "dtmf: call failed"
# continuous ASR: the transcript kept until the termination digit
run_sipp asr "$(mkscen uac_answer ACTIONS="<nop><action><exec play_pcap_audio=\"$WORK/speech.pcap\"/></action></nop>$(x_pause 5000)$(x_dtmf '#')")" \
	15551230190 || fail "asr: call failed"
wait_hooks 'd.filter(r => r.path==="/status" && r.body.call_status==="completed").length===16' 20
log=$(hooks_log)
sim=$(sim_log)
printf "%s" "$sim" >"$WORK/sim.json"

# --- recognised: the transcript in the jambonz shape -------------------
r=$(result ok)
assert_eq "$(json_get "$log" "$r.body.reason")" "speechDetected" "ok: reason"
assert_eq "$(json_get "$log" "$r.body.speech.alternatives[0].transcript")" "$TEXT" "ok: transcript"
assert_eq "$(json_get "$log" "$r.body.speech.alternatives[0].confidence")" "0.96" "ok: confidence"
assert_eq "$(json_get "$log" "$r.body.speech.is_final")" "true" "ok: is_final"
assert_eq "$(json_get "$log" "$r.body.speech.language_code")" "en-US" "ok: language_code"
assert_eq "$(json_get "$log" "$r.body.speech.vendor.name")" "deepgram" "ok: vendor.name"
assert_eq "$(json_get "$log" "$r.body.speech.vendor.evt.type")" "Results" "ok: vendor.evt"
assert_eq "$(json_get "$log" "$r.body.call_sid.length")" "36" "ok: the call's fields"
# interim results reached the partialResultHook, not final
[ "$(json_get "$log" 'd.filter(r => r.path==="/partial").length')" -ge 1 ] || fail "no partial result"
assert_eq "$(json_get "$log" 'd.filter(r => r.path==="/partial").every(r => r.body.speech.is_final===false && r.body.speech.alternatives[0].transcript.length>0)')" \
	"true" "partial results are interim"

# what the simulator checked on the way
c='d.find(c => c.key==="dg-ok" && c.ok)'
assert_eq "$(json_get "$sim" "!!$c")" "true" "a recognised stream: $(json_get "$sim" 'd.filter(c=>c.key==="dg-ok").map(c=>c.why)')"
assert_eq "$(json_get "$sim" "$c.authorization")" "Token dg-ok" "Authorization: Token"
for kv in encoding=linear16 sample_rate=8000 channels=1 interim_results=true model=nova-2 \
	language=en-US punctuate=true; do
	assert_eq "$(json_get "$sim" "$c.query.${kv%%=*}")" "${kv#*=}" "query ${kv%%=*}"
done
assert_eq "$(json_get "$sim" "$c.keywords.join()")" "table:20,book:20" "hints as keywords, boosted"
rate=$(json_get "$sim" "$c.rate")
[ "$rate" -ge 7200 ] && [ "$rate" -le 8800 ] || fail "audio at $rate samples/s"
[ "$(json_get "$sim" "$c.loud_ms")" -ge 1000 ] || fail "little speech reached the vendor"
assert_eq "$(json_get "$sim" "$c.close_code")" "1000" "the stream closed normally"

# --- the session's recognizer (config) when the verb has none --------
r=$(result config)
assert_eq "$(json_get "$log" "$r.body.reason")" "speechDetected" "config: reason"
assert_eq "$(json_get "$log" "$r.body.speech.language_code")" "en-AU" "config: the session's language"
assert_eq "$(json_get "$sim" 'd.some(c => c.query.language==="en-AU" && c.keywords.join()==="menu")')" \
	"true" "config: the session's language and hints reached the vendor"

# --- fallbackVendor: after a refused stream, and for no credential -----
for n in fbrefused fbnocred; do
	r=$(result "$n")
	assert_eq "$(json_get "$log" "$r.body.reason")" "speechDetected" "$n: reason"
	assert_eq "$(json_get "$log" "$r.body.speech.alternatives[0].transcript")" "$TEXT" "$n: transcript"
done
assert_eq "$(json_get "$log" "$(result fbrefused).body.speech.language_code")" "en-IE" "fallbackLanguage"
assert_eq "$(grep -c 'recognition failed: falling back to deepgram' "$WORK/main.log")" "2" "fallback log lines"

# --- continuous ASR ended by asrDtmfTerminationDigit ---------------------
r=$(result asr)
assert_eq "$(json_get "$log" "$r.body.reason")" "speechDetected" "asr: reason"
assert_eq "$(json_get "$log" "$r.body.speech.alternatives[0].transcript")" "$TEXT" "asr: transcript"
grep -q "continuous ASR ended by '#'" "$WORK/main.log" || fail "asr: not ended by the digit"

# --- digits and speech together: DTMF ends it, the stream closes --------
r=$(result dtmf)
assert_eq "$(json_get "$log" "$r.body.reason")" "dtmfDetected" "dtmf: reason"
assert_eq "$(json_get "$log" "$r.body.digits")" "12" "dtmf: digits"
assert_eq "$(json_get "$sim" 'd.filter(c => c.key==="dg-ok" && c.close_stream && c.close_code===1000).length >= 3')" \
	"true" "every stream ended with CloseStream and a close 1000"

# --- barge-in: speech stopped the prompt, then was recognised ----------
r=$(result bargein)
assert_eq "$(json_get "$log" "$r.body.reason")" "speechDetected" "bargein: reason"
assert_eq "$(json_get "$log" "$r.body.speech.alternatives[0].transcript")" "$TEXT" "bargein: transcript"
grep -q 'speech barge-in' "$WORK/main.log" || fail "no barge-in"

# --- below minConfidence ------------------------------------------------
r=$(result low)
assert_eq "$(json_get "$log" "$r.body.reason")" "stt-low-confidence" "low: reason"
assert_eq "$(json_get "$log" "$r.body.speech.alternatives[0].transcript")" "maybe" "low: transcript"

# --- no credential for recognition: quietly over, the list goes on ------
assert_eq "$(json_get "$log" "!!$(result nocred)")" "false" "nocred: no actionHook"
assert_eq "$(json_get "$log" 'd.filter(r => r.path==="/after").length')" "1" "nocred: the next verb ran"
grep -q "no credential for vendor 'deepgram' (label 'ttsonly') for recognition" "$WORK/main.log" ||
	fail "no log line for the missing credential"

# --- the vendor failing: reason error, one log line each ----------------
for n in bad r429 garbage down slow drop; do
	r=$(result "$n")
	assert_eq "$(json_get "$log" "$r.body.reason")" "error" "$n: reason"
	[ -n "$(json_get "$log" "$r.body.details")" ] || fail "$n: no details"
done
assert_contains "$(json_get "$log" "$(result bad).body.details")" "refused" "bad key details"
assert_contains "$(json_get "$log" "$(result garbage).body.details")" "not Deepgram" "garbage details"
assert_eq "$(grep -c 'deepgram recognition failed' "$WORK/main.log")" "7" "failure log lines (one before a fallback)"
assert_eq "$(json_get "$sim" 'd.filter(c => c.why==="bad key").length')" "2" "the refused key reached the vendor"
assert_eq "$(json_get "$sim" 'd.filter(c => c.why==="rate limited").length')" "1" "429"
# a stream that never finalises: the gather's timeout
r=$(result nofinal)
assert_eq "$(json_get "$log" "$r.body.reason")" "timeout" "nofinal: reason"

m=$(curl -fsS "$FS_HTTP/metrics")
wait_idle
server_alive
echo OK
