#!/usr/bin/env bash
# Two consumers of one caller's audio at once: config's background
# listen and a listen verb. Each hears every frame of the caller's tone
# (taps of one stream share the frame the tick takes from its ring; each
# used to take its own, so the second got what was left: mostly
# silence).
source "$(dirname "$0")/lib.sh"

node "$E2E_ROOT/tests/tools/listensrv.js" >"$WORK/ls.out" 2>"$WORK/ls.log" &
PIDS+=("$!")
wait_for 5 grep -q '^PORT ' "$WORK/ls.out" || fail "listen server did not start"
LS="ws://127.0.0.1:$(sed -n 's/^PORT //p' "$WORK/ls.out")"

start_hooks '{
  "/call": [{"verb":"config","listen":{"enable":true,"url":"'"$LS"'/bg"}},
            {"verb":"listen","url":"'"$LS"'/fg","maxLength":3},
            {"verb":"hangup"}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call"

python3 "$E2E_ROOT/tests/tools/mkpcap.py" "$WORK/tone.pcap" 8 pcmu 600
scen=$(mkscen uac_answer ACTIONS="<nop><action><exec play_pcap_audio=\"$WORK/tone.pcap\"/></action></nop>")
run_sipp two "$scen" 15551230176 || fail "call failed"

wait_for 5 bash -c "curl -fsS http://${LS#ws://}/_log | grep -q '\"closed\":true.*\"closed\":true'" || true
log=$(curl -fsS "http://${LS#ws://}/_log")
assert_eq "$(json_get "$log" 'd.length')" "2" "connections"
for n in bg fg; do
	c="d.find(c => c.name===\"$n\")"
	frames=$(json_get "$log" "$c.frames") loud=$(json_get "$log" "$c.loud")
	echo "$n: $frames frames, $loud loud"
	[ "$frames" -ge 100 ] || fail "$n: $frames frames"
	# the tone plays the whole call: a frame of silence is one the other
	# consumer took
	[ $((loud * 100)) -ge $((frames * 85)) ] ||
		fail "$n: only $loud of $frames frames carried the caller's tone"
done
wait_idle
server_alive
echo OK
