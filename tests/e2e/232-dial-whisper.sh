#!/usr/bin/env bash
# whisper, as jambonz's _lccWhisper: a REST updateCall on the caller's
# call_sid plays to the caller while the callee hears only silence, then
# the bridge is back (the callee's tone reaches the caller again); a
# WebSocket application's whisper command naming the child leg's callSid
# plays to the callee and not to the caller. No dial bridged yet: 422;
# another verb than say or play: 400; a child_call_hook that is no hook:
# 400 (the bridge stays: e2e 237 hands the leg over). The application's dtmf
# command naming the child leg goes into the leg's dialog, as jambonz
# sends it to its currentTask.dlg; one naming no leg is an error.
source "$(dirname "$0")/23x_lib.sh"

node "$E2E_ROOT/tests/tools/wsappsrv.js" >"$WORK/wsapp.out" 2>"$WORK/wsapp.log" &
PIDS+=("$!")
wait_for 5 grep -q '^PORT ' "$WORK/wsapp.out" || fail "ws app server did not start"
WS="ws://127.0.0.1:$(sed -n 's/^PORT //p' "$WORK/wsapp.out")"

B=$(free_port) C=$(free_port)
start_hooks '{
  "/call": [{"verb":"dial","actionHook":"/action",
             "target":[{"type":"sip","sipUri":"sip:bob@127.0.0.1:'"$B"'"}]}],
  "/beep.wav": {"wav":{"secs":1,"freq":600,"rate":8000}},
  "/action": [{"verb":"hangup"}]
}'
A=11111111-aaaa-4aaa-8aaa-000000000232
cat >"$WORK/directory.json" <<J
{
  "accounts": [{"account_sid": "$A", "name": "a", "is_active": true}],
  "applications": [{"application_sid": "22222222-bbbb-4bbb-8bbb-000000000232", "account_sid": "$A",
     "call_hook": {"url": "$WS/whisper?dial=sip:carol@127.0.0.1:$C&beep=$HOOK/beep.wav"}},
    {"application_sid": "22222222-bbbb-4bbb-8bbb-000000000233", "account_sid": "$A",
     "call_hook": {"url": "$HOOK/call"}, "call_status_hook": {"url": "$HOOK/status"}}],
  "phone_numbers": [{"number": "15556660232", "account_sid": "$A",
     "application_sid": "22222222-bbbb-4bbb-8bbb-000000000232"},
    {"number": "15556660233", "account_sid": "$A",
     "application_sid": "22222222-bbbb-4bbb-8bbb-000000000233"}]
}
J
start_fs main DIRECTORY_FILE="$WORK/directory.json"
python3 "$E2E_ROOT/tests/tools/mkpcap.py" "$WORK/tone.pcap" 1 pcmu 450

# 1. REST: bob answers after 1.5 s, is silent 3 s, then sends a tone
start_rtpsink
B_STATS=$RTP_STATS
UAS_RTP=$RTP_PORT start_uas bob "$B" "$(ring_scen 1500 "$(x_pause 3000)
$(x_play "$WORK/tone.pcap")
$(x_pause 1500)
$(x_uas_bye)")"
start_rtpsink
A_STATS=$RTP_STATS
run_sipp alice uac_srv_bye 15556660233 &
AP=$!
wait_hooks 'd.some(r => r.path==="/call")'
psid=$(json_get "$(hooks_log)" 'd.find(r => r.path==="/call").body.call_sid')
r=$(upd "$psid" '{"whisper":{"verb":"play","url":"'"$HOOK"'/beep.wav"}}')
assert_eq "${r%% *}" 422 "whisper while ringing"
assert_contains "$r" "no dial verb is bridged" "whisper while ringing: why"
wait_hooks 'd.some(r => r.path==="/status" && r.body.parent_call_sid && r.body.call_status==="in-progress")'
r=$(upd "$psid" '{"whisper":[{"verb":"hangup"}]}')
assert_eq "${r%% *}" 400 "whisper of a hangup verb"
r=$(upd "$psid" '{"child_call_hook":5}')
assert_eq "${r%% *}" 400 "child_call_hook not a hook"
assert_contains "$r" "give a URL" "child_call_hook: why"
t0=$(date +%s%3N)
r=$(upd "$psid" '{"whisper":{"verb":"play","url":"'"$HOOK"'/beep.wav"}}')
assert_eq "${r%% *}" 202 "whisper to the caller"
wait "$AP" || fail "caller 1 failed"
wait_uas bob
rtp_quiet "$A_STATS"
rtp_quiet "$B_STATS"
tone=$(msg_time bob '^ACK ')
tone=$((tone + 3000))
heard=$(RTP_STATS=$A_STATS rtp_stat "d.log.filter(p => p[1] && p[0] >= $t0 && p[0] < $t0 + 1500).length")
[ "$heard" -ge 35 ] || fail "the caller heard $heard loud packets of the whisper"
assert_eq "$(RTP_STATS=$B_STATS rtp_stat d.nonsilent)" "0" "bob heard the whisper"
back=$(RTP_STATS=$A_STATS rtp_stat "d.log.filter(p => p[1] && p[0] > $tone + 100).length")
[ "$back" -ge 20 ] || fail "bridge not back after the whisper: $back loud packets of bob's tone"
assert_contains "$(cat "$WORK/main.log")" "whisper done, bridged again" "bridge restored"
assert_eq "$(json_get "$(hooks_log)" 'd.find(r => r.path==="/action").body.dial_call_status')" "completed" "dial 1 outcome"
unset RTP_PORT RTP_STATS

# 2. WebSocket: the whisper command names carol's leg: she hears it
start_rtpsink
C_STATS=$RTP_STATS
UAS_RTP=$RTP_PORT start_uas carol "$C" "$(ring_scen 300 "<recv request=\"INFO\" timeout=\"10000\"/>
$(x_ok200)
$(x_pause 1000)
$(x_uas_bye)")"
start_rtpsink
A2_STATS=$RTP_STATS
run_sipp alice2 uac_srv_bye 15556660232 || fail "caller 2 failed"
wait_uas carol
rtp_quiet "$C_STATS"
rtp_quiet "$A2_STATS"
[ "$(RTP_STATS=$C_STATS rtp_stat d.nonsilent)" -ge 35 ] || fail "carol did not hear the whisper"
assert_eq "$(RTP_STATS=$A2_STATS rtp_stat d.nonsilent)" "0" "the caller heard carol's whisper"
assert_contains "$(cat "$WORK/main.log")" "whisper to the callee" "whisper to the callee logged"
# the dtmf command naming the child leg went into its dialog
info=$(msg_first carol '^INFO ')
assert_contains "$info" "Content-Type: application/dtmf" "dtmf to the child leg"
assert_contains "$info" "Signal=3" "dtmf digit to the child leg"
assert_contains "$info" "X-Reason: Dtmf" "dtmf X-Reason"
errs=$(curl -fsS "${WS/ws:/http:}/_log" | node -e 'const d=JSON.parse(require("fs").readFileSync(0,"utf8"));process.stdout.write(d.filter(m => m.msg && m.msg.type==="jambonz:error").map(m => m.msg.data.details).join("|"))')
assert_contains "$errs" "no bridged leg has call_sid no-such-leg" "dtmf to an unknown callSid"
wait_idle 5
echo OK
