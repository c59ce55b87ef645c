#!/usr/bin/env bash
# conference enterHook, as jambonz's _joinConference: the starter's
# "start", then the hook's say, play and pause run on the member alone
# (it neither hears the room nor is heard, the others already in), then
# it is in and says "join". A waiting member's enterHook is asked once
# the room started. Another verb there is refused with a clear line and
# the member joins all the same (jambonz logs the error and joins).
source "$(dirname "$0")/lib.sh"

conf() { printf '{"verb":"conference","name":"%s"%s}' "$1" "${2:+,$2}"; }
st='"statusHook":"/st","statusEvents":["start","join","leave"]'
start_hooks '{
  "/call": {"to": {
    "15552221001": ['"$(conf e1 '"enterHook":"/enter",'"$st")"'],
    "15552221002": ['"$(conf e1)"'],
    "15552221003": ['"$(conf e2 '"startConferenceOnEnter":false,"enterHook":"/enter-bad",'"$st")"'],
    "15552221004": ['"$(conf e2 '"endConferenceOnExit":true,'"$st")"']
  }},
  "/enter": [{"verb":"play","url":"@BASE@/tone440.wav"}],
  "/enter-bad": [{"verb":"hangup"}],
  "/tone440.wav": {"wav":{"secs":5,"freq":440,"rate":8000}}
}'
start_fs main SIP_LOOPS=2 DEFAULT_CALL_HOOK="$HOOK/call"

called() { [ "$(json_get "$(hooks_log)" "d.some(r => r.path===\"/call\" && r.body.to===\"$1\")")" = true ]; }
wait_calls() { wait_for 10 called "$1" || fail "the call to $1 did not reach the hook"; }
sid_of() { json_get "$(hooks_log)" "d.find(r => r.path===\"/call\" && r.body.to===\"$1\").body.call_sid"; }
tone() { # NAME SECS LAW FREQ: a pcap, and the play action of it
	python3 "$E2E_ROOT/tests/tools/mkpcap.py" "$WORK/$1.pcap" "$2" "$3" "$4"
	echo "<nop><action><exec play_pcap_audio=\"$WORK/$1.pcap\"/></action></nop>"
}
count() { RTP_STATS=$1 rtp_stat "d.tones[$2]"; }
events() { # SID: its statusHook events
	json_get "$(hooks_log)" "d.filter(r => r.path===\"/st\" && r.body.call_sid===\"$1\").map(r => r.body.event + \":\" + r.body.members).join()"
}

# --- e1: m starts the room, its enterHook plays 5 s of 440 Hz -----------
RTPSINK_TONES=440,600,1000 start_rtpsink
SM=$RTP_STATS PM=$RTP_PORT
RTPSINK_TONES=440,600,1000 start_rtpsink
SN=$RTP_STATS PN=$RTP_PORT
RTP_PORT=$PM run_sipp m "$(mkscen uac_bye CSEQ=2 ACTIONS="$(tone m 11 pcmu 1000)$(x_pause 11500)")" 15552221001 &
M=$!
wait_hooks 'd.some(r => r.path==="/enter")'
RTP_PORT=$PN run_sipp n "$(mkscen uac_bye CSEQ=2 ACTIONS="$(tone n 12 pcmu 600)$(x_pause 12500)")" 15552221002 &
N=$!
wait_rtp 'd.tones[440] >= 25' 10 "$SM"
wait "$M" || fail "m failed"
wait "$N" || fail "n failed"
RTP_PORT=
rtp_quiet "$SM"
rtp_quiet "$SN"
m440=$(count "$SM" 440) m600=$(count "$SM" 600) n1000=$(count "$SN" 1000)
echo "m heard the enterHook in $m440 packets, n in $m600; n heard m in $n1000"
[ "$m440" -ge 200 ] || fail "m did not hear its enterHook ($m440)"
[ "$m600" -ge 100 ] || fail "m did not hear n once in ($m600)"
[ "$n1000" -ge 100 ] || fail "n did not hear m once in ($n1000)"
assert_eq "$(RTP_STATS=$SM rtp_stat 'd.tonelog.filter(p => p[1].includes(440) && p[1].includes(600)).length')" "0" "m heard the room during its enterHook"
MSID=$(sid_of 15552221001)
assert_eq "$(events "$MSID")" "start:0,join:2,leave:1" "m's statusHook events"
enter_at=$(json_get "$(hooks_log)" 'd.find(r => r.path==="/enter").at')
start_at=$(json_get "$(hooks_log)" "d.find(r => r.path===\"/st\" && r.body.event===\"start\").at")
join_at=$(json_get "$(hooks_log)" "d.find(r => r.path===\"/st\" && r.body.call_sid===\"$MSID\" && r.body.event===\"join\").at")
echo "start at +0, enterHook asked at +$((enter_at - start_at)) ms, join at +$((join_at - start_at)) ms"
[ "$start_at" -le "$enter_at" ] || fail "start came after the enterHook"
[ $((join_at - enter_at)) -ge 4800 ] || fail "join before the enterHook's play ended ($((join_at - enter_at)) ms)"
# n was in (and heard) while m's enterHook played, and did not hear m
n_before=$(RTP_STATS=$SN rtp_stat "d.tonelog.filter(p => p[0] < $join_at - 100 && p[1].includes(1000)).length")
n_in=$(grep -n -- "joined conf:.*:e1 on loop . (2 members in)" "$WORK/main.log" | head -1 | cut -d: -f1)
m_in=$(grep -n -- "$MSID: e1: enterHook done, in" "$WORK/main.log" | head -1 | cut -d: -f1)
echo "n heard m in $n_before packets before m's join"
[ -n "$n_in" ] && [ -n "$m_in" ] && [ "$n_in" -lt "$m_in" ] || fail "n was not in during m's enterHook"
[ "$n_before" -le 3 ] || fail "n heard m while its enterHook ran ($n_before)"
grep -q -- "$MSID: e1: enterHook done, in" "$WORK/main.log" || fail "no log line of the enterHook's end"

# --- e2: a waiting member's enterHook, asked once the room started -------
run_sipp w "$(mkscen uac_answer)" 15552221003 &
W=$!
wait_calls 15552221003
sleep 1
assert_eq "$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/enter-bad").length')" "0" "enterHook asked while waiting"
run_sipp s "$(mkscen uac_bye CSEQ=2 ACTIONS="$(x_pause 2500)")" 15552221004 || fail "s failed"
wait "$W" || fail "w was not hung up when the room ended"
WSID=$(sid_of 15552221003)
s_call=$(json_get "$(hooks_log)" 'd.find(r => r.path==="/call" && r.body.to==="15552221004").at')
bad_at=$(json_get "$(hooks_log)" 'd.find(r => r.path==="/enter-bad").at')
[ "$bad_at" -ge "$s_call" ] || fail "the waiting member's enterHook was asked before the room started"
grep -q -- "$WSID: e2: unsupported verb in conference enterHook: 'hangup' (only say, play, pause)" "$WORK/main.log" ||
	fail "no log line for the enterHook's hangup"
assert_eq "$(events "$WSID")" "join:2,leave:0" "w joined after its enterHook's refused verb"
wait_idle
server_alive
echo PASS
