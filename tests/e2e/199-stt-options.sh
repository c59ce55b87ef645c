#!/usr/bin/env bash
# Recognizer options against tests/tools/sttsim.js: transcribe's
# fallbackVendor (a primary whose key is refused, one that fails once
# the caller speaks: the fallback vendor recognises the call, once; a
# fallback that fails too ends the verb), and gather's
# fastRecognitionTimeout (the interim result taken as final when no
# other result follows in that time).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/19-stt-lib.sh"

TEXT="my account number is four two"
start_sttsim "$(cat <<JSON
{"dg-fb1": {"transcript": "$TEXT", "confidence": 0.9},
 "dg-fb2": {"transcript": "$TEXT", "confidence": 0.9},
 "dg-fast": {"transcript": "$TEXT", "confidence": 0.9},
 "sm-error": {"transcript": "x y", "mode": "error"},
 "dg-429": {"mode": "429"}}
JSON
)"
row() { # VENDOR LABEL KEY
	printf '{"vendor":"%s","label":"%s","use_for_stt":1,"credential":{"api_key":"%s","region":"westus","base_url":"%s"}}' \
		"$1" "$2" "$3" "$SIM"
}
echo "[$(row microsoft refused ms-nope), $(row deepgram fb1 dg-fb1), $(row speechmatics fails sm-error),
  $(row deepgram fb2 dg-fb2), $(row deepgram fast dg-fast), $(row deepgram r429 dg-429)]" >"$WORK/creds.json"
tr() { # HOOK VENDOR LABEL FALLBACK_LABEL
	printf '{"verb":"transcribe","transcriptionHook":"/tx/%s","recognizer":{"vendor":"%s","label":"%s","language":"en-US","fallbackVendor":"deepgram","fallbackLabel":"%s"}}' \
		"$1" "$2" "$3" "$4"
}
after='{"verb":"gather","input":["digits"],"timeout":1,"actionHook":"/after"}'
start_hooks '{
  "/call": {"seq": [
    ['"$(tr refused microsoft refused fb1)"'],
    ['"$(tr fails speechmatics fails fb2)"'],
    ['"$(tr twice speechmatics fails r429)"', '"$after"', '"$STT_BYE"'],
    [{"verb":"gather","input":["speech"],"actionHook":"/result/fast","timeout":10,"recognizer":{"vendor":"deepgram","label":"fast","fastRecognitionTimeout":0.4}}, {"verb":"hangup"}]
  ]}
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status" \
	SPEECH_CREDENTIALS_FILE="$WORK/creds.json"
speech_scen "$TEXT"
TX=$(mkscen uac_bye CSEQ=2 ACTIONS="<nop><action><exec play_pcap_audio=\"$WORK/speech.pcap\"/></action></nop>$(x_pause 5000)")
for n in refused fails; do
	run_sipp "$n" "$TX" 15551230199 || fail "$n: call failed"
done
run_sipp twice "$SCEN" 15551230199 || fail "twice: call failed"
run_sipp fast "$SCEN" 15551230199 || fail "fast: call failed"
wait_hooks 'd.filter(r => r.path==="/status" && r.body.call_status==="completed").length===4' 20
log=$(hooks_log)
sim=$(sim_log)

final() { json_get "$log" "d.filter(r => r.path===\"/tx/$1\" && r.body.speech.is_final).map(r => r.body.speech.vendor.name + ': ' + r.body.speech.alternatives[0].transcript).join()"; }
assert_eq "$(final refused)" "deepgram: $TEXT" "a refused primary: the fallback recognises"
assert_eq "$(json_get "$sim" 'd.find(c => c.key==="dg-fb1").ok')" "true" "refused: the fallback heard the caller"
assert_eq "$(final fails)" "deepgram: $TEXT" "a primary failing mid-call: the fallback recognises"
assert_eq "$(json_get "$sim" 'd.find(c => c.key==="sm-error").why')" \
	"quota_exceeded: Concurrent session limit reached" "fails: the primary failed"
assert_eq "$(grep -c 'transcribe: .*recognition failed: falling back to deepgram' "$WORK/main.log")" "3" \
	"one log line per fallback"
# the fallback fails too: the verb ends, the list goes on
assert_eq "$(json_get "$log" 'd.filter(r => r.path==="/after").length')" "1" "twice: the next verb ran"
assert_eq "$(json_get "$sim" 'd.filter(c => c.key==="dg-429").length')" "1" "twice: the fallback tried once"

r=$(result fast)
assert_eq "$(json_get "$log" "$r.body.reason")" "speechDetected" "fast: reason"
assert_eq "$(json_get "$log" "$r.body.speech.is_final")" "true" "fast: the interim made final"
assert_eq "$(json_get "$log" "$r.body.speech.alternatives[0].transcript")" "${TEXT%% *}" "fast: the interim's words"
grep -q 'fastRecognitionTimeout: the interim result taken as final' "$WORK/main.log" || fail "fast: no log line"
wait_idle
server_alive
echo OK
