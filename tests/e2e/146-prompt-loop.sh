#!/usr/bin/env bash
# `loop` of play and say, as jambonz reads it (`data.loop || 1`, or
# "forever"), bounded: 3 and "2" play so many times; 0 and a negative
# count play once (jambonz's `loop--` would never end on a negative);
# a count over 1000 is cut to 1000 (timeoutSecs stops it here);
# "forever" plays until timeoutSecs. Speech with no samples (" ", ".")
# is skipped without recursion, and a list with nothing to play ends at
# once even with loop "forever" instead of spinning the loop thread.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_hostile.sh"

t='"url":"@BASE@/tone.wav"'
start_hostile '{
  "/call": [
    {"verb":"play",'"$t"',"loop":3,"actionHook":"/h/three"},
    {"verb":"play",'"$t"',"loop":"2","actionHook":"/h/two"},
    {"verb":"play",'"$t"',"loop":0,"actionHook":"/h/zero"},
    {"verb":"play",'"$t"',"loop":-2,"actionHook":"/h/negative"},
    {"verb":"play",'"$t"',"loop":5000,"timeoutSecs":1,"actionHook":"/h/big"},
    {"verb":"play",'"$t"',"loop":"forever","timeoutSecs":0.6,"actionHook":"/h/forever"},
    {"verb":"say","text":[" ","."," "],"loop":"forever"},
    {"verb":"say","text":[" ","Hello."," ","."],"loop":2},
    {"verb":"play",'"$t"',"actionHook":"/h/end"}],
  "/tone.wav": {"wav":{"secs":0.2}}
}'
start_fs main DEFAULT_CALL_HOOK="$HX/call"
t0=$(date +%s%3N)
run_sipp loops uac_srv_bye 15551460001 -key rtpport 9 || fail "call with loops"
echo "call took $(($(date +%s%3N) - t0)) ms"

log=$(hx_log)
ms() { json_get "$log" "(d.find(r => r.path===\"/h/$1\") || {body:{}}).body.playback_milliseconds"; }
near() { # NAME WANT_MS
	local got
	got=$(ms "$1")
	echo "$1: $got ms"
	[ -n "$got" ] && [ "$got" -ge $(($2 - 60)) ] && [ "$got" -le $(($2 + 60)) ] ||
		fail "loop $1: played $got ms, want ~$2"
}
near three 600
near two 400
near zero 200
near negative 200
near big 1000
near forever 600
near end 200
grep -q "loop -2: played once" "$WORK/main.log" || fail "no line for a negative loop"
grep -q "loop 5000 cut to 1000" "$WORK/main.log" || fail "no line for a loop over 1000"
grep -q "say has no audio to play: ended" "$WORK/main.log" ||
	fail "no line for the empty forever say"
wait_idle 2
server_alive
echo OK
