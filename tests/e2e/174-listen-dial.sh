#!/usr/bin/env bash
# listen nested in dial: the bridged call streams to a WebSocket server
# from the answer to the bridge's end, in stereo the caller on the left
# (a 600 Hz tone from sipp) and the answered target on the right (a
# 1400 Hz tone from the called party's sipp), each channel carrying its
# own tone; the metadata is the dialled leg's (its callSid, outbound,
# the caller's sid as parentCallSid), as jambonz gives a nested listen;
# the socket closes with the bridge; the listen's actionHook gets
# dialCallDuration and the dial's its own outcome; the verb list goes on.
source "$(dirname "$0")/lib_dial.sh"

node "$E2E_ROOT/tests/tools/listensrv.js" >"$WORK/ls.out" 2>"$WORK/ls.log" &
PIDS+=("$!")
wait_for 5 grep -q '^PORT ' "$WORK/ls.out" || fail "listen server did not start"
LS="ws://127.0.0.1:$(sed -n 's/^PORT //p' "$WORK/ls.out")"
lslog() { curl -fsS "http://${LS#ws://}/_log"; }
c='d.find(c => c.name==="bridged")'

B=$(free_port)
start_hooks '{
  "/call": [{"verb":"dial","actionHook":"/action",
             "target":[{"type":"sip","sipUri":"sip:bob@127.0.0.1:'"$B"'"}],
             "listen":{"url":"'"$LS"'/bridged","mixType":"stereo",
                       "actionHook":"/ldone","metadata":{"leg":"b"}}},
            {"verb":"pause","length":1}, {"verb":"hangup"}],
  "/action": [],
  "/ldone": []
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call"

python3 "$E2E_ROOT/tests/tools/mkpcap.py" "$WORK/bob.pcap" 3 pcmu 1400
python3 "$E2E_ROOT/tests/tools/mkpcap.py" "$WORK/alice.pcap" 5 pcmu 600
start_uas bob "$B" "$(ring_scen 200 "$(x_play "$WORK/bob.pcap")
$(x_pause 3500)
$(x_uas_bye)")"
caller=$(mkscen uac_answer ACTIONS="$(x_play "$WORK/alice.pcap")")
run_sipp alice "$caller" 15551274001 || fail "caller failed"
wait_uas bob

wait_hooks 'd.some(r => r.path==="/action") && d.some(r => r.path==="/ldone")'
wait_for 5 bash -c "curl -fsS http://${LS#ws://}/_log | grep -q '\"closed\":true'" ||
	fail "the stream did not close with the bridge"
log=$(lslog)
hk=$(hooks_log)
act='d.find(r => r.path==="/action").body'
ld='d.find(r => r.path==="/ldone").body'
bsid=$(json_get "$hk" "$act.dial_call_sid")
asid=$(json_get "$hk" "$act.call_sid")
assert_eq "$(json_get "$hk" "$act.dial_call_status")" "completed" "dial_call_status"
assert_eq "$(json_get "$log" "$c.meta.mixType")" "stereo" "mixType"
assert_eq "$(json_get "$log" "$c.meta.callSid")" "$bsid" "metadata callSid: the dialled leg's"
assert_eq "$(json_get "$log" "$c.meta.parentCallSid")" "$asid" "metadata parentCallSid"
assert_eq "$(json_get "$log" "$c.meta.direction")" "outbound" "metadata direction"
assert_eq "$(json_get "$log" "$c.meta.leg")" "b" "the listen's metadata"
assert_eq "$(json_get "$log" "$c.close_code")" "1000" "closed normally"
assert_eq "$(json_get "$hk" "$ld.call_sid")" "$asid" "the listen's actionHook: the call's sid"
dur=$(json_get "$hk" "$ld.dialCallDuration")
[ "$dur" -ge 2 ] && [ "$dur" -le 6 ] || fail "dialCallDuration $dur"

l=$(json_get "$log" "$c.loud_l") r=$(json_get "$log" "$c.loud_r")
hl=$(json_get "$log" "$c.hz_l") hr=$(json_get "$log" "$c.hz_r")
echo "bridged: $(json_get "$log" "$c.frames") frames; left loud $l at $hl Hz, right loud $r at $hr Hz"
[ "$l" -ge 100 ] || fail "left channel: $l loud frames"
[ "$r" -ge 100 ] || fail "right channel: $r loud frames"
[ "$hl" -ge 540 ] && [ "$hl" -le 660 ] || fail "left channel at $hl Hz: not the caller's 600 Hz"
[ "$hr" -ge 1300 ] && [ "$hr" -le 1500 ] || fail "right channel at $hr Hz: not the callee's 1400 Hz"
# the stream is the bridge's: it ends when the called party hangs up
bye=$(msg_time bob '^BYE ')
closed=$(json_get "$log" "$c.closed_at")
[ $((closed - bye)) -ge -200 ] && [ $((closed - bye)) -le 1500 ] ||
	fail "stream closed $((closed - bye)) ms after the callee's BYE"
grep -q "listen: [0-9a-f-]*: ws://127.0.0.1:[0-9]*/bridged ended" "$WORK/main.log" ||
	fail "no log line for the nested listen's end"

wait_idle
server_alive
echo "PASS"
