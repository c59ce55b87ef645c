#!/usr/bin/env bash
# Outbound (createCall) calls whose far end hangs up while a say plays:
# the playback's end must not reach a freed object (the ASan build turns
# that into a failure), and every call gives back its leg: media streams,
# RTP ports and descriptors return to where they were before the calls.
source "$(dirname "$0")/lib_dial.sh"

start_fs main SIP_LOOPS=1

fds() { ls "/proc/$FS_PID/fd" | wc -l; }

long='This sentence is long enough that the called party hangs up while it is still being spoken to them, well before the end.'
fd0=$(fds)
ports0=$(metric d.media.ports_free)
for i in 1 2 3 4 5; do
	B=$(free_port)
	# answers, then hangs up 700 ms into the say
	start_uas "far$i" "$B" uas_answer_bye -d 700
	r=$(post /v1/createCall '{"to":{"type":"sip","sipUri":"sip:far@127.0.0.1:'"$B"'"},
	  "app_json":[{"verb":"say","text":"'"$long"'"},{"verb":"pause","length":5}]}')
	assert_eq "${r%% *}" "201" "createCall $i"
	wait_uas "far$i"
done
wait_idle 5
server_alive
assert_eq "$(metric d.media.streams)" "0" "media streams after the calls"
assert_eq "$(metric d.media.ports_free)" "$ports0" "free RTP port pairs"
# the requestor may keep a pooled connection or two; legs were 2 each
fd1=$(fds)
[ "$fd1" -le $((fd0 + 2)) ] || fail "descriptors: $fd0 before, $fd1 after 5 calls"
grep -q "ended: completed" "$WORK/main.log" || fail "no call completed"
echo OK
