#!/usr/bin/env bash
# Numbers no JSON encoder should send, but json-c parses: NaN, Infinity,
# 1e300, negatives, in play timeoutSecs/seekOffset, pause length, gather
# timeout, dial timeout/timeLimit and createCall timeout/timeLimit. Each
# converts to a bounded value (no undefined behaviour: the ASan build
# traps float-to-integer overflow), the verbs run, and the calls end.
source "$(dirname "$0")/lib_dial.sh"

B=$(free_port)
start_hooks '{
  "/call": {"raw":"[{\"verb\":\"play\",\"url\":\"@BASE@/tone.wav\",\"timeoutSecs\":1e300,\"seekOffset\":-Infinity},{\"verb\":\"play\",\"url\":\"@BASE@/tone.wav\",\"timeoutSecs\":NaN,\"seekOffset\":1e300},{\"verb\":\"pause\",\"length\":NaN},{\"verb\":\"pause\",\"length\":-Infinity},{\"verb\":\"gather\",\"input\":[\"digits\"],\"timeout\":1,\"minDigits\":NaN,\"numDigits\":1e300,\"actionHook\":\"/g\"},{\"verb\":\"say\",\"text\":\"done\"},{\"verb\":\"hangup\"}]"},
  "/g": [],
  "/dial": {"raw":"[{\"verb\":\"dial\",\"timeout\":1e300,\"timeLimit\":NaN,\"target\":[{\"type\":\"sip\",\"sipUri\":\"sip:bob@127.0.0.1:'"$B"'\"}]},{\"verb\":\"hangup\"}]"},
  "/tone.wav": {"wav":{"secs":0.5,"freq":440,"rate":8000}}
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call"

# 1. play, pause, gather with hostile numbers: the call runs to its end
start_rtpsink
run_sipp plays uac_srv_bye 15551239001 || fail "call with hostile numbers failed"
grep -q "ended: completed" "$WORK/main.log" || fail "call did not complete"
assert_eq "$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/g").length')" "1" "gather actionHook"
server_alive

# 2. dial with timeout 1e300 and timeLimit NaN: bridged, then the called
# party hangs up
start_fs dialer DEFAULT_CALL_HOOK="$HOOK/dial"
start_uas bob "$B" uas_answer_bye -d 500
run_sipp dial uac_srv_bye 15551239002 || fail "dial call failed"
wait_uas bob
server_alive

# 3. createCall with NaN, -Infinity and 1e300 timeouts
for t in 'NaN' '-Infinity' '1e300' 'Infinity'; do
	B2=$(free_port)
	start_uas "far$t" "$B2" uas_answer_bye -d 300
	r=$(post /v1/createCall '{"to":{"type":"sip","sipUri":"sip:far@127.0.0.1:'"$B2"'"},
	  "timeout":'"$t"',"timeLimit":'"$t"',
	  "app_json":[{"verb":"pause","length":5}]}')
	assert_eq "${r%% *}" "201" "createCall with $t"
	wait_uas "far$t"
done
wait_idle 5
server_alive
echo OK
