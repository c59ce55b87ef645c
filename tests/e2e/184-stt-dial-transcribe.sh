#!/usr/bin/env bash
# transcribe nested in dial: both parties of the bridge recognised, each
# on its own stream to the vendor (Deepgram's simulator,
# tests/tools/sttsim.js), as jambonz's nested transcribe: the caller's
# results with channel_tag 1, the callee's with channel_tag 2, both posted
# to the transcriptionHook with the caller's call fields; the caller
# speaks at once, the callee 3 s later, so each stream hears its own
# party. `channel: 2` transcribes the callee alone. updateCall
# transcribe_status pauses both streams (KeepAlive, nothing recognised,
# no speech reaches the vendor) and resumes them. The streams end with
# the bridge (CloseStream).
source "$(dirname "$0")/lib_dial.sh"
source "$(dirname "$0")/19-stt-lib.sh"

TEXT="please transfer me to the sales team"
start_sttsim "{\"dg-ok\": {\"transcript\": \"$TEXT\", \"confidence\": 0.94},
 \"dg-pause\": {\"transcript\": \"should not be heard\", \"confidence\": 0.9},
 \"dg-one\": {\"transcript\": \"only the callee\", \"confidence\": 0.9}}"
row() { # LABEL KEY
	printf '{"vendor":"deepgram","label":"%s","use_for_stt":1,"credential":{"api_key":"%s","base_url":"%s"}}' \
		"$1" "$2" "$SIM"
}
echo "[$(row "" dg-ok), $(row pause dg-pause), $(row one dg-one)]" >"$WORK/creds.json"

B=$(free_port)
dial() { # NAME TRANSCRIBE_EXTRA RECOGNIZER_EXTRA
	printf '[{"verb":"dial","actionHook":"/action/%s","target":[{"type":"sip","sipUri":"sip:bob@127.0.0.1:%s"}],"transcribe":{"transcriptionHook":"/tx/%s"%s,"recognizer":{"vendor":"deepgram","language":"en-US"%s}}},{"verb":"hangup"}]' \
		"$1" "$B" "$1" "$2" "$3"
}
start_hooks "{\"/call\": {\"seq\": [$(dial both '' ',"interim":true'), $(dial pause '' ',"label":"pause"'), $(dial one ',"channel":2' ',"label":"one"')]}, \"/action/both\": [], \"/action/pause\": [], \"/action/one\": []}"
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status" \
	SPEECH_CREDENTIALS_FILE="$WORK/creds.json"
tx() { echo "d.filter(r => r.path===\"/tx/$1\")"; }
conns() { echo "d.filter(c => c.key===\"$1\")"; }

# bridge NAME CALLER_TEXT CALLER_LEAD CALLEE_TEXT CALLEE_LEAD SECS: a
# bridged call of SECS seconds, each party saying its text after its
# lead, the callee hanging up; the caller runs in the background (CP)
bridge() {
	python3 "$E2E_ROOT/tests/tools/sttpcap.py" "$WORK/a-$1.pcap" "$2" "$3" 1 >/dev/null ||
		fail "could not record the caller"
	python3 "$E2E_ROOT/tests/tools/sttpcap.py" "$WORK/b-$1.pcap" "$4" "$5" 1 >/dev/null ||
		fail "could not record the callee"
	start_uas "bob-$1" "$B" "$(ring_scen 200 "$(x_play "$WORK/b-$1.pcap")
$(x_pause "$6")
$(x_uas_bye)")"
	run_sipp "alice-$1" "$(mkscen uac_answer ACTIONS="$(x_play "$WORK/a-$1.pcap")")" 15551230184 &
	CP=$!
}

# --- both parties, each its own channel --------------------------------
bridge both "$TEXT" 0.3 "$TEXT" 3.5 8000
wait_for 20 hooks_true "$(tx both).filter(r => r.body.speech.is_final).length===2" ||
	fail "both: two final results expected: $(json_get "$(hooks_log)" "$(tx both).map(r => r.body.speech)") (vendor: $(sim_log))"
wait $CP || fail "both: call failed"
wait_uas bob-both
wait_hooks 'd.some(r => r.path==="/action/both")'
hl=$(hooks_log)
asid=$(json_get "$hl" 'd.find(r => r.path==="/action/both").body.call_sid')
fin="$(tx both).filter(r => r.body.speech.is_final)"
assert_eq "$(json_get "$hl" "$fin.map(r => r.body.speech.channel_tag).join()")" "1,2" \
	"channel_tag of the finals: the caller (who spoke first), then the callee"
assert_eq "$(json_get "$hl" "$fin.map(r => r.body.speech.alternatives[0].transcript).join('|')")" \
	"$TEXT|$TEXT" "the transcripts"
assert_eq "$(json_get "$hl" "$fin.every(r => r.body.call_sid===\"$asid\" && r.body.direction===\"inbound\")")" \
	"true" "both channels' payloads carry the caller's call fields"
assert_eq "$(json_get "$hl" "$(tx both).filter(r => !r.body.speech.is_final).every(r => r.body.speech.channel_tag===1 || r.body.speech.channel_tag===2)")" \
	"true" "interim results carry their channel"
[ "$(json_get "$hl" "$(tx both).filter(r => !r.body.speech.is_final).length")" -ge 2 ] ||
	fail "no interim results"
wait_for 5 bash -c "curl -fsS $SIM/_log | node -e 'const d=JSON.parse(require(\"fs\").readFileSync(0));process.exit(d.filter(c=>c.key===\"dg-ok\"&&c.close_code===1000).length===2?0:1)'" ||
	fail "the two streams did not close: $(sim_log)"
sim=$(sim_log)
assert_eq "$(json_get "$sim" "$(conns dg-ok).length")" "2" "streams to the vendor"
assert_eq "$(json_get "$sim" "$(conns dg-ok).every(c => c.ok && c.close_stream)")" "true" \
	"each stream heard real speech at the rate, then CloseStream"
leads=$(json_get "$sim" "$(conns dg-ok).map(c => c.quiet_lead_ms).sort((a, b) => a - b).join()")
echo "quiet before the first speech, per stream: $leads ms"
[ "${leads%%,*}" -lt 2000 ] && [ "${leads##*,}" -ge 2500 ] ||
	fail "the streams do not each hear one party (quiet leads $leads ms)"

# --- paused: neither party reaches the vendor, then resumed -------------
# the speech 4 s in: the pause goes before it even when the polls above
# are slow on a loaded machine
bridge pause "should not be heard" 4 "should not be heard" 4 11000
wait_hooks 'd.filter(r => r.path==="/call").length===2'
sid=$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/call")[1].body.call_sid')
# bridged: both streams are open
wait_for 10 bash -c "curl -fsS $SIM/_log | grep -o '\"key\":\"dg-pause\"' | wc -l | grep -qx 2" ||
	fail "pause: the streams did not open"
upd() { curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data-binary "$2" "$FS_HTTP/v1/updateCall/$1"; }
assert_eq "$(upd "$sid" '{"transcribe_status":"pause"}')" "202" "pause"
sleep 5
assert_eq "$(upd "$sid" '{"transcribe_status":"resume"}')" "202" "resume"
wait $CP || fail "pause: call failed"
wait_uas bob-pause
wait_hooks 'd.some(r => r.path==="/action/pause")'
sim=$(sim_log)
assert_eq "$(json_get "$sim" "$(conns dg-pause).length")" "2" "streams of the paused call"
assert_eq "$(json_get "$sim" "$(conns dg-pause).every(c => c.loud_ms < 200)")" "true" \
	"speech reached the vendor during the pause: $(json_get "$sim" "$(conns dg-pause).map(c => c.loud_ms).join()")"
assert_eq "$(json_get "$sim" "$(conns dg-pause).every(c => c.texts.join().includes('KeepAlive'))")" "true" \
	"KeepAlive on both streams while paused"
assert_eq "$(json_get "$sim" "$(conns dg-pause).every(c => c.bytes > 16000)")" "true" "audio after the resume"
assert_eq "$(json_get "$(hooks_log)" "$(tx pause).length")" "0" "nothing recognised during the pause"
grep -q "transcribe: $sid: paused" "$WORK/main.log" || fail "pause not logged"
grep -q "transcribe: $sid: resumed" "$WORK/main.log" || fail "resume not logged"

# --- channel 2: the callee alone ----------------------------------------
bridge one "a caller who is not transcribed" 0.3 "only the callee" 0.3 5000
wait $CP || fail "one: call failed"
wait_uas bob-one
wait_hooks "$(tx one).some(r => r.body.speech.is_final)"
hl=$(hooks_log)
assert_eq "$(json_get "$hl" "$(tx one).filter(r => r.body.speech.is_final).map(r => r.body.speech.channel_tag).join()")" \
	"2" "channel 2 alone"
assert_eq "$(json_get "$(sim_log)" "$(conns dg-one).length")" "1" "one stream"

wait_hooks 'd.filter(r => r.path==="/status" && r.body.direction==="inbound" && r.body.call_status==="completed").length===3'
wait_idle
server_alive
echo OK
