#!/usr/bin/env bash
# recognizer.altLanguages as jambonz maps them (transcription-utils.js
# sends them to google and microsoft only): the session's (config's)
# after the verb's, each once, in Azure's speech.context languageId; for
# deepgram, speechmatics, assemblyai and custom nothing of them reaches
# the vendor (each simulator's query or start message is checked), and
# Deepgram's multilingual model (language "multi") gives the language it
# detected as language_code, as jambonz's normalizeDeepgram.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/19-stt-lib.sh"

TEXT="good morning how are you"
start_sttsim "$(cat <<JSON
{"ms-ok": {"transcript": "$TEXT", "confidence": 0.9},
 "dg-multi": {"transcript": "$TEXT", "confidence": 0.9, "language": "de"},
 "dg-ok": {"transcript": "$TEXT", "confidence": 0.9},
 "sm-ok": {"transcript": "$TEXT", "confidence": 0.9},
 "aai-ok": {"transcript": "$TEXT", "confidence": 0.9},
 "cu-ok": {"transcript": "$TEXT", "confidence": 0.9}}
JSON
)"
cat >"$WORK/creds.json" <<JSON
[{"vendor":"microsoft","use_for_stt":1,"credential":{"api_key":"ms-ok","region":"westeurope","base_url":"$SIM"}},
 {"vendor":"deepgram","use_for_stt":1,"credential":{"api_key":"dg-ok","base_url":"$SIM"}},
 {"vendor":"deepgram","label":"multi","use_for_stt":1,"credential":{"api_key":"dg-multi","base_url":"$SIM"}},
 {"vendor":"speechmatics","use_for_stt":1,"credential":{"api_key":"sm-ok","speechmatics_stt_uri":"127.0.0.1:$SIMP","base_url":"$SIM"}},
 {"vendor":"assemblyai","use_for_stt":1,"credential":{"api_key":"aai-ok","base_url":"$SIM"}},
 {"vendor":"custom:acme","use_for_stt":1,"credential":{"auth_token":"cu-ok","custom_stt_url":"ws://127.0.0.1:$SIMP/custom-stt/acme"}}]
JSON
ALT='"altLanguages":["de-DE","fr-FR"]'
gather() { # NAME VENDOR LANGUAGE [RECOGNIZER_EXTRA]
	printf '{"verb":"gather","input":["speech"],"actionHook":"/result/%s","timeout":8,"recognizer":{"vendor":"%s","language":"%s",%s%s}}' \
		"$1" "$2" "$3" "$ALT" "${4:-}"
}
start_hooks '{
  "/call": {"seq": [
    [{"verb":"config","recognizer":{"vendor":"microsoft","language":"en-US","altLanguages":["es-ES","de-DE"]}},
     '"$(gather microsoft microsoft en-US ',"punctuation":false')"', {"verb":"hangup"}],
    ['"$(gather deepgram deepgram en-US)"', {"verb":"hangup"}],
    ['"$(gather multi deepgram multi ',"label":"multi"')"', {"verb":"hangup"}],
    ['"$(gather speechmatics speechmatics en-US)"', {"verb":"hangup"}],
    ['"$(gather assemblyai assemblyai en-US)"', {"verb":"hangup"}],
    ['"$(gather custom custom:acme en-US)"', {"verb":"hangup"}]
  ]}
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status" \
	SPEECH_CREDENTIALS_FILE="$WORK/creds.json"
speech_scen "$TEXT"
call_all 15551230185 microsoft deepgram multi speechmatics assemblyai custom
log=$(hooks_log)
sim=$(sim_log)
for n in microsoft deepgram multi speechmatics assemblyai custom; do
	assert_eq "$(json_get "$log" "$(result "$n").body.speech.alternatives[0].transcript")" "$TEXT" "$n: the transcript"
done
c() { echo "d.find(c => c.key===\"$1\")"; }
assert_eq "$(json_get "$sim" "$(c ms-ok).context.languageId.languages.join()")" "en-US,de-DE,fr-FR,es-ES" \
	"microsoft: the language, the verb's altLanguages, then the session's, each once"
assert_eq "$(json_get "$log" "$(result microsoft).body.speech.language_code")" "en-US" "microsoft: language_code"
for k in dg-ok dg-multi aai-ok; do
	assert_eq "$(json_get "$sim" "/de-DE|fr-FR|\\bde\\b|\\bfr\\b/.test(JSON.stringify($(c $k).query))")" "false" \
		"$k: altLanguages in the query $(json_get "$sim" "JSON.stringify($(c $k).query)")"
done
for k in sm-ok cu-ok; do
	assert_eq "$(json_get "$sim" "typeof $(c $k).start")" "object" "$k: a start message"
	assert_eq "$(json_get "$sim" "/de-DE|fr-FR|\"de\"|\"fr\"/.test(JSON.stringify($(c $k).start))")" "false" \
		"$k: altLanguages in the start message $(json_get "$sim" "JSON.stringify($(c $k).start)")"
done
assert_eq "$(json_get "$sim" "$(c dg-multi).query.language")" "multi" "deepgram: language multi"
assert_eq "$(json_get "$log" "$(result multi).body.speech.language_code")" "de" \
	"deepgram: the detected language as language_code"
assert_eq "$(json_get "$log" "$(result deepgram).body.speech.language_code")" "en-US" \
	"deepgram: the language asked for, without detection"
wait_idle
server_alive
echo OK
