#!/usr/bin/env bash
# transcribe: what the caller says, recognised by Deepgram (the
# simulator of tests/tools/sttsim.js) while the call goes on, posted to
# the transcriptionHook as {speech} with the call's fields: interim
# results with recognizer.interim, then the final transcript; the stream
# ended with CloseStream when the caller hangs up. updateCall
# transcribe_status pause stops the audio (KeepAlive keeps the stream
# open, nothing is recognised meanwhile) and resume starts it again. No
# credential, or a vendor that refuses (429), ends the verb and the list
# goes on.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/19-stt-lib.sh"

TEXT="the quick brown fox jumps over the lazy dog"
start_sttsim "$(cat <<JSON
{"dg-ok": {"transcript": "$TEXT", "confidence": 0.93},
 "dg-pause": {"transcript": "should not be heard", "confidence": 0.9},
 "dg-429": {"mode": "429"}}
JSON
)"
row() { # LABEL KEY
	printf '{"vendor":"deepgram","label":"%s","use_for_stt":1,"credential":{"api_key":"%s","base_url":"%s"}}' \
		"$1" "$2" "$SIM"
}
echo "[$(row "" dg-ok), $(row pause dg-pause), $(row r429 dg-429)]" >"$WORK/creds.json"

tr() { # LABEL [RECOGNIZER_EXTRA]
	printf '{"verb":"transcribe","transcriptionHook":"/tx/%s","recognizer":{"vendor":"deepgram"%s%s}}' \
		"${1:-live}" "${1:+,\"label\":\"$1\"}" "${2:-}"
}
after='{"verb":"gather","input":["digits"],"timeout":1,"actionHook":"/after"}'
start_hooks '{
  "/call": {"seq": [
    ['"$(tr '' ',"interim":true')"'],
    ['"$(tr pause)"'],
    ['"$(tr nocred)"', '"$after"', '"$STT_BYE"'],
    ['"$(tr r429)"', '"$after"', '"$STT_BYE"']
  ]}
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status" \
	SPEECH_CREDENTIALS_FILE="$WORK/creds.json"
upd() { # SID JSON: prints the HTTP status
	curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		--data-binary "$2" "$FS_HTTP/v1/updateCall/$1"
}
caller() { # SECS_BEFORE_BYE
	mkscen uac_bye CSEQ=2 ACTIONS="<nop><action><exec play_pcap_audio=\"$WORK/speech.pcap\"/></action></nop>$(x_pause "$1")"
}
tx() { echo "d.filter(r => r.path===\"/tx/$1\")"; }

# --- live: interim and final results while the call goes on -----------
speech_scen "$TEXT" 0.5 1.5
run_sipp live "$(caller 6000)" 15551230192 || fail "live: call failed"
wait_hooks "$(tx live).some(r => r.body.speech.is_final)"
log=$(hooks_log)
assert_eq "$(json_get "$log" "$(tx live).filter(r => r.body.speech.is_final).length")" "1" "final results"
assert_eq "$(json_get "$log" "$(tx live).find(r => r.body.speech.is_final).body.speech.alternatives[0].transcript")" \
	"$TEXT" "the transcript"
[ "$(json_get "$log" "$(tx live).filter(r => !r.body.speech.is_final).length")" -ge 1 ] || fail "no interim result"
assert_eq "$(json_get "$log" "$(tx live)[0].body.call_sid.length")" "36" "the call's fields"
assert_eq "$(json_get "$log" "$(tx live)[0].body.speech.vendor.name")" "deepgram" "vendor.name"
sim=$(sim_log)
c='d.find(c => c.key==="dg-ok")'
assert_eq "$(json_get "$sim" "$c.ok")" "true" "the simulator recognised real audio"
wait_for 5 bash -c "curl -fsS $SIM/_log | grep -q '\"close_code\":1000'" || fail "the stream did not close"
assert_eq "$(json_get "$(sim_log)" "$c.close_stream")" "true" "CloseStream at the end"

# --- paused: no audio, KeepAlive, then resumed --------------------------
speech_scen "should not be heard" 2.5 0.5
run_sipp paused "$(caller 10000)" 15551230192 &
CP=$!
wait_hooks 'd.filter(r => r.path==="/call").length===2'
sid=$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/call")[1].body.call_sid')
sleep 0.5
assert_eq "$(upd "$sid" '{"transcribe_status":"pause"}')" "202" "pause"
sleep 5
assert_eq "$(upd "$sid" '{"transcribe_status":"resume"}')" "202" "resume"
wait $CP || fail "paused: call failed"
sim=$(sim_log)
c='d.find(c => c.key==="dg-pause")'
[ "$(json_get "$sim" "$c.loud_ms")" -lt 200 ] || fail "audio reached the vendor during the pause"
[ "$(json_get "$sim" "$c.bytes")" -gt 16000 ] || fail "no audio after the resume"
assert_contains "$(json_get "$sim" "$c.texts.join()")" '"KeepAlive"' "KeepAlive while paused"
assert_eq "$(json_get "$(hooks_log)" "$(tx pause).length")" "0" "nothing recognised during the pause"
grep -q "transcribe: $sid: paused" "$WORK/main.log" || fail "pause not logged"
grep -q "transcribe: $sid: resumed" "$WORK/main.log" || fail "resume not logged"

# --- no credential, a refusing vendor: the list goes on -----------------
scen=$(mkscen uac_answer ACTIONS="")
run_sipp nocred "$scen" 15551230192 || fail "nocred: call failed"
run_sipp r429 "$scen" 15551230192 || fail "r429: call failed"
wait_hooks 'd.filter(r => r.path==="/after").length===2'
grep -q "no credential for vendor 'deepgram' (label 'nocred') for recognition" "$WORK/main.log" ||
	fail "no log line for the missing credential"
assert_eq "$(grep -c 'deepgram recognition failed' "$WORK/main.log")" "1" "the 429 logged once"
wait_hooks 'd.filter(r => r.path==="/status" && r.body.call_status==="completed").length===4'
wait_idle
server_alive
echo OK
