#!/usr/bin/env bash
# Recognizer options against tests/tools/sttsim.js: transcribe's
# fallbackVendor (a primary whose key is refused, one that fails once
# the caller speaks: the fallback vendor recognises the call, once; a
# fallback that fails too ends the verb), and gather's
# fastRecognitionTimeout (the interim result taken as final when no
# other result follows in that time). A paused transcribe with Azure or
# Transcribe (services that end a stream without audio) sends 100 ms of
# silence every 5 s, with Soniox its keepalive message, and goes on
# after the resume.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/19-stt-lib.sh"

TEXT="my account number is four two"
start_sttsim "$(cat <<JSON
{"dg-fb1": {"transcript": "$TEXT", "confidence": 0.9},
 "dg-fb2": {"transcript": "$TEXT", "confidence": 0.9},
 "dg-fast": {"transcript": "$TEXT", "confidence": 0.9},
 "sm-error": {"transcript": "x y", "mode": "error"},
 "ms-pause": {"transcript": "should not be heard"},
 "AKIDPAUSE": {"secret": "p", "transcript": "should not be heard"},
 "sx-pause": {"transcript": "should not be heard"},
 "dg-429": {"mode": "429"}}
JSON
)"
row() { # VENDOR LABEL KEY
	printf '{"vendor":"%s","label":"%s","use_for_stt":1,"credential":{"api_key":"%s","region":"westus","base_url":"%s"}}' \
		"$1" "$2" "$3" "$SIM"
}
echo "[$(row microsoft refused ms-nope), $(row deepgram fb1 dg-fb1), $(row speechmatics fails sm-error),
  $(row deepgram fb2 dg-fb2), $(row deepgram fast dg-fast), $(row deepgram r429 dg-429), $(row microsoft pause ms-pause), $(row soniox pause sx-pause),
  {\"vendor\":\"aws\",\"label\":\"pause\",\"credential\":{\"access_key_id\":\"AKIDPAUSE\",\"secret_access_key\":\"p\",\"aws_region\":\"us-east-1\",\"base_url\":\"$SIM\"}}]" \
	>"$WORK/creds.json"
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
    [{"verb":"gather","input":["speech"],"actionHook":"/result/fast","timeout":10,"recognizer":{"vendor":"deepgram","label":"fast","fastRecognitionTimeout":0.4}}, {"verb":"hangup"}],
    [{"verb":"transcribe","transcriptionHook":"/tx/mspause","recognizer":{"vendor":"microsoft","label":"pause"}}],
    [{"verb":"transcribe","transcriptionHook":"/tx/awspause","recognizer":{"vendor":"aws","label":"pause"}}],
    [{"verb":"transcribe","transcriptionHook":"/tx/sxpause","recognizer":{"vendor":"soniox","label":"pause"}}]
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

# paused for 6.5 s: the audio stops, the keepalive comes after 5 s
upd() { # SID JSON: prints the HTTP status
	curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		--data-binary "$2" "$FS_HTTP/v1/updateCall/$1"
}
speech_scen "should not be heard" 2.5 0.5
for n in 5 6 7; do
	run_sipp "pause$n" "$(mkscen uac_bye CSEQ=2 ACTIONS="<nop><action><exec play_pcap_audio=\"$WORK/speech.pcap\"/></action></nop>$(x_pause 12000)")" \
		15551230199 &
	CP=$!
	wait_hooks "d.filter(r => r.path===\"/call\").length===$n"
	sid=$(json_get "$(hooks_log)" "d.filter(r => r.path===\"/call\")[$((n - 1))].body.call_sid")
	sids="${sids:-}$sid "
	sleep 0.5
	assert_eq "$(upd "$sid" '{"transcribe_status":"pause"}')" "202" "pause$n: pause"
	sleep 6.5
	assert_eq "$(upd "$sid" '{"transcribe_status":"resume"}')" "202" "pause$n: resume"
	wait $CP || fail "pause$n: call failed"
done
log=$(hooks_log)
sim=$(sim_log)
for k in ms-pause AKIDPAUSE; do
	c="d.find(c => c.key===\"$k\")"
	[ "$(json_get "$sim" "$c.loud_ms")" -lt 200 ] || fail "$k: audio reached the vendor during the pause"
	gap=$(json_get "$sim" "$c.max_gap_ms")
	[ "$gap" -ge 4500 ] && [ "$gap" -le 5800 ] ||
		fail "$k: the longest time without audio was $gap ms (the pause 6.5 s, a keepalive every 5 s)"
	[ "$(json_get "$sim" "$c.bytes")" -gt 32000 ] || fail "$k: no audio after the resume"
done
c='d.find(c => c.key==="sx-pause")'
[ "$(json_get "$sim" "$c.loud_ms")" -lt 200 ] || fail "sx-pause: audio reached the vendor during the pause"
[ "$(json_get "$sim" "$c.keepalives")" -ge 1 ] || fail "sx-pause: no keepalive message while paused"
[ "$(json_get "$sim" "$c.bytes")" -gt 32000 ] || fail "sx-pause: no audio after the resume"
for sid in $sids; do
	assert_eq "$(grep -c "stt: $sid: .*recognition failed" "$WORK/main.log")" "0" "$sid: the paused stream was kept"
done

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
