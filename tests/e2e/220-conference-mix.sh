#!/usr/bin/env bash
# conference, the mixer: three callers in one room, each sending a tone
# of its own (600, 1000, 1400 Hz), two in PCMU and one in PCMA, on both
# SIP loops (Call-IDs picked for it); each hears the other two and not
# itself (a Goertzel measure per frequency of what each one's RTP sink
# gets). The statusHook gets start, join, start-talking, stop-talking,
# leave and end as jambonz sends them; each member's actionHook when it
# hangs up mid-tick. Nothing is left behind: no call, listener or room.
source "$(dirname "$0")/lib.sh"

start_hooks '{
  "/call": [{"verb":"conference","name":"room1","statusHook":"/status",
    "statusEvents":["start","end","join","leave","start-talking","stop-talking"],
    "actionHook":"/action"}]
}'
start_fs main SIP_LOOPS=2 DEFAULT_CALL_HOOK="$HOOK/call"

SDP_PCMA=$(printf '%s' "$E2E_SDP" | sed 's|RTP/AVP 0 8 101|RTP/AVP 8 101|; /rtpmap:0 /d')
freqs=(600 1000 1400)
laws=(pcmu pcma pcmu)
cids=(conf-a conf-c conf-b) # loops 0, 1, 0 (joaat of the Call-ID, mod 2)
declare -a sinks ports sipps scens
for i in 0 1 2; do
	python3 "$E2E_ROOT/tests/tools/mkpcap.py" "$WORK/tone$i.pcap" 7 "${laws[$i]}" "${freqs[$i]}"
	RTPSINK_TONES=600,1000,1400 start_rtpsink
	sinks[$i]=$RTP_STATS
	ports[$i]=$RTP_PORT
	sdp=$E2E_SDP
	[ "${laws[$i]}" = pcma ] && sdp=$SDP_PCMA
	scens[$i]=$(mkscen uac_bye SDP="$sdp" CSEQ=2 ACTIONS="<nop><action><exec play_pcap_audio=\"$WORK/tone$i.pcap\"/></action></nop>$(x_pause $((9000 - i * 500)))")
done
# the three together, one after the other in the room
for i in 0 1 2; do
	RTP_PORT=${ports[$i]} run_sipp "m$i" "${scens[$i]}" 15552200001 -cid_str "${cids[$i]}" &
	sipps[$i]=$!
	# in the room before the next one calls: the first starts it
	wait_for 10 bash -c "[ \$(grep -c 'conf:.*:room1 on loop' '$WORK/main.log') -gt $i ]" ||
		fail "caller $i did not get into the room"
done
for i in 0 1 2; do
	wait "${sipps[$i]}" || fail "caller $i failed"
done
for i in 0 1 2; do rtp_quiet "${sinks[$i]}"; done

log() { grep "conference: " "$WORK/main.log"; }
log | sed 's/^/  /' | cut -c1-200
assert_eq "$(log | grep -c 'conf:.*:room1 on loop 0')" "2" "members on loop 0"
assert_eq "$(log | grep -c 'conf:.*:room1 on loop 1')" "1" "members on loop 1"
grep -q -- "started conf:.*:room1 on loop 0 (1 members in)" "$WORK/main.log" || fail "the first caller did not start the room"

for i in 0 1 2; do
	s=${sinks[$i]}
	t=$(RTP_STATS=$s rtp_stat 'JSON.stringify(d.tones)')
	pts=$(RTP_STATS=$s rtp_stat 'JSON.stringify(d.pts)')
	echo "caller $i (${freqs[$i]} Hz, ${laws[$i]}) heard: $t, payload types $pts"
	for j in 0 1 2; do
		n=$(RTP_STATS=$s rtp_stat "d.tones[${freqs[$j]}]")
		if [ "$i" = "$j" ]; then
			[ "$n" -le 3 ] || fail "caller $i hears itself: $n packets of ${freqs[$j]} Hz"
		else
			# the 7 s tones overlap for at least 4 s for every pair
			[ "$n" -ge 170 ] || fail "caller $i hears caller $j only in $n packets"
		fi
	done
done
assert_eq "$(RTP_STATS=${sinks[1]} rtp_stat 'Object.keys(d.pts).join()')" "8" "the PCMA caller gets PCMA"
assert_eq "$(RTP_STATS=${sinks[0]} rtp_stat 'Object.keys(d.pts).join()')" "0" "a PCMU caller gets PCMU"
# the room's sum is clipped, never wrapped: two tones of 8000 peak each
for i in 0 1 2; do
	assert_eq "$(RTP_STATS=${sinks[$i]} rtp_stat d.ts_faults)" "0" "caller $i: RTP timestamps"
done

wait_hooks 'd.filter(r => r.path==="/action").length === 3'
ev() { json_get "$(hooks_log)" "d.filter(r => r.path===\"/status\").map(r => r.body.event + \":\" + r.body.members)$1"; }
echo "status events: $(ev '.join(" ")')"
hl=$(hooks_log)
for e in "start:0" "join:1" "join:2" "join:3" "leave:2" "leave:1" "leave:0" "end:0"; do
	json_get "$hl" "d.some(r => r.path===\"/status\" && r.body.event + \":\" + r.body.members === \"$e\")" |
		grep -q true || fail "no statusHook event $e"
done
assert_eq "$(json_get "$hl" 'd.filter(r => r.path==="/status" && r.body.event==="start-talking").length')" "3" "start-talking of each"
assert_eq "$(json_get "$hl" 'd.filter(r => r.path==="/status" && r.body.event==="stop-talking").length')" "3" "stop-talking of each (the tone ends before the hang-up)"
assert_eq "$(json_get "$hl" 'd.filter(r => r.path==="/status").every(r => r.body.conferenceSid.endsWith(":room1") && r.body.friendlyName==="room1" && r.body.call_sid && typeof r.body.duration==="number" && /Z$/.test(r.body.time))')" \
	"true" "statusHook payloads"
assert_eq "$(json_get "$hl" 'd.filter(r => r.path==="/action").every(r => r.body.call_sid && r.body.call_status)')" "true" "actionHook payloads"
grep -q -- "left conf:.*:room1: [0-9]* frames mixed, [0-9]* frames of others missing" "$WORK/main.log" || fail "no leave line with the figures"

wait_idle
server_alive
echo "PASS"
