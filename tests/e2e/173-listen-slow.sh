#!/usr/bin/env bash
# e2e: solo (it checks that no media tick is late: a neighbour's load would make some)
# A listen server that stops reading for 20 s (64 kHz stereo, 256 KB/s;
# the kernel's buffers on loopback take the first 4 MB or so): the
# socket's send queue then grows to its bound, then frames are dropped and
# counted, never waited for. The media tick is never late (no late tick
# in /metrics), the caller's RTP keeps its 20 ms pace through it, and the
# stream goes on once the server reads again.
source "$(dirname "$0")/lib.sh"

node "$E2E_ROOT/tests/tools/listensrv.js" >"$WORK/ls.out" 2>"$WORK/ls.log" &
PIDS+=("$!")
wait_for 5 grep -q '^PORT ' "$WORK/ls.out" || fail "listen server did not start"
LS="ws://127.0.0.1:$(sed -n 's/^PORT //p' "$WORK/ls.out")"
lslog() { curl -fsS "http://${LS#ws://}/_log"; }
conn() { echo "d.find(c => c.name===\"$1\")"; }

start_hooks '{
  "/call": [{"verb":"listen","url":"'"$LS"'/slow?stall=20000","maxLength":23,
             "mixType":"stereo","sampleRate":64000}, {"verb":"hangup"}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call"

start_rtpsink
run_sipp slow uac_srv_bye 15551260001 || fail "call failed"
rtp_quiet
log=$(lslog)
c=$(conn slow)
line=$(grep "listen: .*ended (maxLength)" "$WORK/main.log") || fail "no end line"
echo "$line"
sent=$(sed -n 's/.*: \([0-9]*\) frames sent, \([0-9]*\) dropped.*/\1/p' <<<"$line")
dropped=$(sed -n 's/.*: \([0-9]*\) frames sent, \([0-9]*\) dropped.*/\2/p' <<<"$line")
echo "slow: $sent sent, $dropped dropped; server got $(json_get "$log" "$c.frames")"
[ "$dropped" -ge 100 ] || fail "a stalled server: only $dropped frames dropped"
[ "$((sent + dropped))" -ge 1120 ] || fail "frames went missing from the count: $sent + $dropped"
grep -q "reads slower than audio comes: dropping frames" "$WORK/main.log" || fail "no warning for the drops"
# the frames sent all arrived, and some after the stall
assert_eq "$(json_get "$log" "$c.frames")" "$sent" "frames the server got"
[ "$(json_get "$log" "$c.last_bin - $c.at")" -ge 21000 ] || fail "no audio after the stall"
m=$(curl -fsS "$FS_HTTP/metrics")
late=$(json_get "$m" 'JSON.stringify(d).match(/"late_ticks":(\d+)/g).map(s => +s.split(":")[1]).reduce((a, b) => a + b, 0)')
assert_eq "$late" "0" "late media ticks"
# the caller's stream kept its pace: about 50 packets a second, in order
pk=$(rtp_stat d.packets)
[ "$pk" -ge 1100 ] || fail "the caller got $pk RTP packets in 23 s"
assert_eq "$(rtp_stat d.seq_faults)" "0" "RTP sequence"
assert_eq "$(rtp_stat d.ts_faults)" "0" "RTP timestamps"

wait_idle
server_alive
echo "PASS"
