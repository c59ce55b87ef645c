#!/usr/bin/env bash
# updateCall listen_status (and stream_status) on a running listen:
# "pause" stops the audio (the server sees a gap as long as the pause),
# "resume" brings it back on the same socket; anything else is a 400; a
# call with no listen running takes it (202) and logs it, as jambonz
# does; listen_status with another command applies both.
source "$(dirname "$0")/lib.sh"

node "$E2E_ROOT/tests/tools/listensrv.js" >"$WORK/ls.out" 2>"$WORK/ls.log" &
PIDS+=("$!")
wait_for 5 grep -q '^PORT ' "$WORK/ls.out" || fail "listen server did not start"
LS="ws://127.0.0.1:$(sed -n 's/^PORT //p' "$WORK/ls.out")"
lslog() { curl -fsS "http://${LS#ws://}/_log"; }
conn() { echo "d.find(c => c.name===\"$1\")"; }

start_hooks '{
  "/call": {"seq": [
    [{"verb":"listen","url":"'"$LS"'/paused","maxLength":9}, {"verb":"hangup"}],
    [{"verb":"say","text":"hello"}, {"verb":"pause","length":3}, {"verb":"hangup"}]
  ]}
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call"

upd() { # SID JSON: prints "STATUS MSG"
	curl -sS -o "$WORK/resp" -w '%{http_code}' -X POST \
		-H 'Content-Type: application/json' --data-binary "$2" \
		"$FS_HTTP/v1/updateCall/$1"
	echo " $(json_get "$(cat "$WORK/resp")" 'd.msg' 2>/dev/null)"
}

python3 "$E2E_ROOT/tests/tools/mkpcap.py" "$WORK/tone.pcap" 9 pcmu 600
scen=$(mkscen uac_answer ACTIONS="<nop><action><exec play_pcap_audio=\"$WORK/tone.pcap\"/></action></nop>")
run_sipp paused "$scen" 15551250001 &
CP=$!
wait_hooks 'd.some(r => r.path==="/call")'
sid=$(json_get "$(hooks_log)" 'd.find(r => r.path==="/call").body.call_sid')
wait_for 5 bash -c "curl -fsS http://${LS#ws://}/_log | grep -q '\"frames\":[1-9]'" || fail "no audio"
sleep 1
r=$(upd "$sid" '{"listen_status":"sleep"}'); assert_eq "${r%% *}" 400 "bad listen_status"
assert_contains "$r" "listen_status must be pause or resume" "bad listen_status reason"
r=$(upd "$sid" '{"listen_status":"pause"}'); assert_eq "${r%% *}" 202 "pause"
f0=$(json_get "$(lslog)" "$(conn paused).frames")
sleep 1.5
f1=$(json_get "$(lslog)" "$(conn paused).frames")
[ $((f1 - f0)) -le 2 ] || fail "paused: $((f1 - f0)) frames came during the pause"
# stream_status is the same command; with a tag both apply
r=$(upd "$sid" '{"stream_status":"resume","tag":{"k":1}}'); assert_eq "${r%% *}" 202 "resume"
wait $CP || fail "call failed"
log=$(lslog)
c=$(conn paused)
echo "paused: $(json_get "$log" "$c.frames") frames, longest gap $(json_get "$log" "$c.max_gap") ms"
gap=$(json_get "$log" "$c.max_gap")
[ "$gap" -ge 1400 ] && [ "$gap" -le 2600 ] || fail "the pause left a gap of $gap ms"
[ "$(json_get "$log" "$c.frames")" -ge 150 ] || fail "the audio did not resume"
[ "$(json_get "$log" "$c.last_bin - $c.first_bin")" -ge 5000 ] || fail "no audio after the resume"
grep -q "listen: $sid: .*paused" "$WORK/main.log" || fail "pause not logged"
grep -q "listen: $sid: .*resumed" "$WORK/main.log" || fail "resume not logged"

# no listen running: taken and logged
run_sipp nolisten uac_srv_bye 15551250002 &
CP=$!
wait_hooks 'd.filter(r => r.path==="/call").length >= 2'
sid2=$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/call")[1].body.call_sid')
r=$(upd "$sid2" '{"listen_status":"pause"}'); assert_eq "${r%% *}" 202 "no listen"
grep -q "$sid2: listen_status pause: no listen is running" "$WORK/main.log" || fail "no log line without a listen"
wait $CP || fail "second call failed"
r=$(upd "$sid2" '{"listen_status":"pause"}'); assert_eq "${r%% *}" 404 "call gone"

wait_idle
server_alive
echo "PASS"
