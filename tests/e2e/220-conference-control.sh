#!/usr/bin/env bash
# conference, the room's life and its controls: startConferenceOnEnter
# false waits hearing the waitHook (a 440 Hz play) until a moderator
# joins, then hears it; endConferenceOnExit ends the room for the other
# member, whose actionHook runs and whose next verb hangs up; a full
# room (maxParticipants) refuses the next one, which goes on with its
# next verb; joinMuted, updateCall conf_mute_status (every member that is
# not a moderator), conf_hold_status with a wait_hook and a
# conferenceParticipantAction; a `leave` in the waitHook (no statusHook
# event from a member that only waited); distributeDtmf; the starter's
# statusHook serving the room; POST /v1/conference/{callSid} (another
# instance's refused); bad input (no name, a bad status value, a call in
# no conference).
source "$(dirname "$0")/lib.sh"

conf() { printf '{"verb":"conference","name":"%s"%s}' "$1" "${2:+,$2}"; }
start_hooks '{
  "/call": {"to": {
    "15552201001": ['"$(conf room2 '"startConferenceOnEnter":false,"waitHook":"/wait","actionHook":"/action-w"')"',{"verb":"hangup"}],
    "15552201002": ['"$(conf room2 '"startConferenceOnEnter":true,"endConferenceOnExit":true')"'],
    "15552201003": ['"$(conf room3 '"maxParticipants":2')"',{"verb":"hangup"}],
    "15552201004": ['"$(conf room3 '"maxParticipants":2')"',{"verb":"hangup"}],
    "15552201005": ['"$(conf room3 '"maxParticipants":2,"actionHook":"/action-z"')"',{"verb":"say","text":"full"},{"verb":"hangup"}],
    "15552201006": ['"$(conf room4 '"startConferenceOnEnter":true')"'],
    "15552201007": ['"$(conf room4 '"joinMuted":true')"'],
    "15552201008": ['"$(conf room5 '"startConferenceOnEnter":false,"waitHook":"/leave","actionHook":"/action-l","statusHook":"/status5","statusEvents":["join","leave"]')"',{"verb":"hangup"}],
    "15552201009": [{"verb":"answer"},{"verb":"pause","length":4}],
    "15552201011": ['"$(conf room6 '"distributeDtmf":true,"statusHook":"/status6","statusEvents":["join","leave"]')"'],
    "15552201012": ['"$(conf room6)"'],
    "15552201010": [{"verb":"conference"}]
  }},
  "/wait": [{"verb":"play","url":"@BASE@/tone440.wav"}],
  "/hold": [{"verb":"play","url":"@BASE@/tone440.wav"}],
  "/tone440.wav": {"wav":{"secs":1,"freq":440,"rate":8000}},
  "/leave": [{"verb":"leave"}]
}'
start_fs main SIP_LOOPS=2 DEFAULT_CALL_HOOK="$HOOK/call"

# the webhook answers by called number; the call_sid of one
sid_of() { json_get "$(hooks_log)" "d.find(r => r.path===\"/call\" && r.body.to===\"$1\").body.call_sid"; }
upd() { # SID BODY: prints the status and the message
	curl -sS -o "$WORK/resp" -w '%{http_code}' -X POST \
		-H 'Content-Type: application/json' --data-binary "$2" \
		"$FS_HTTP/v1/updateCall/$1"
	echo " $(json_get "$(cat "$WORK/resp")" 'd.msg' 2>/dev/null)"
}
post_conf() {
	curl -sS -o "$WORK/resp" -w '%{http_code}' -X POST \
		-H 'Content-Type: application/json' --data-binary "$2" \
		"$FS_HTTP/v1/conference/$1"
}
tone() { # NAME SECS LAW FREQ: a pcap, and the play action of it
	python3 "$E2E_ROOT/tests/tools/mkpcap.py" "$WORK/$1.pcap" "$2" "$3" "$4"
	echo "<nop><action><exec play_pcap_audio=\"$WORK/$1.pcap\"/></action></nop>"
}
count() { RTP_STATS=$1 rtp_stat "d.tones[$2]"; }
called() { [ "$(json_get "$(hooks_log)" "d.some(r => r.path===\"/call\" && r.body.to===\"$1\")")" = true ]; }
wait_calls() { wait_for 10 called "$1" || fail "the call to $1 did not reach the hook"; }

# --- startConferenceOnEnter false: wait with the waitHook, then in ------
RTPSINK_TONES=440,600,1000 start_rtpsink
SW=$RTP_STATS
w_scen=$(mkscen uac_answer ACTIONS="$(tone w 14 pcmu 1000)")
run_sipp waiter "$w_scen" 15552201001 &
W=$!
wait_calls 15552201001
wait_rtp 'd.tones[440] >= 40' 10 "$SW"
grep -q -- "waits for conf:.*:room2" "$WORK/main.log" || fail "the waiter did not wait"
WSID=$(sid_of 15552201001)
assert_eq "$(post_conf "$WSID" '{"event":"start"}')" "202" "POST /v1/conference for a waiting call"
wait_log "$WORK/main.log" "room2: told the conference started: still not started here" 5
assert_eq "$(post_conf 00000000-0000-4000-8000-000000000000 '{}')" "404" "POST /v1/conference for no call"
# a room of another instance: refused, with a clear line
assert_eq "$(post_conf "$WSID" '{"event":"start","conferenceSipAddress":"10.0.0.9:5070"}')" "202" "POST /v1/conference from another instance"
wait_log "$WORK/main.log" "room2: refused: the room started on another instance (10.0.0.9:5070); rooms are not shared between instances" 5
[ "$(count "$SW" 600)" -le 3 ] || fail "the waiter hears the room before it started"
# the waitHook asked again after its play (and 750 ms)
wait_hooks 'd.filter(r => r.path==="/wait").length >= 2'

RTPSINK_TONES=440,600,1000 start_rtpsink
SM=$RTP_STATS
run_sipp moderator "$(mkscen uac_bye CSEQ=2 ACTIONS="$(tone m 4 pcmu 600)$(x_pause 4500)")" 15552201002 || fail "moderator call failed"
wait "$W" || fail "the waiter's call did not end with its next verb (hangup)"
rtp_quiet "$SW"
w440=$(count "$SW" 440) w600=$(count "$SW" 600) m1000=$(count "$SM" 1000)
echo "waiter heard 440 Hz (waitHook) in $w440 packets, the moderator in $w600; the moderator heard the waiter in $m1000"
[ "$w600" -ge 150 ] || fail "the waiter did not hear the moderator ($w600)"
[ "$m1000" -ge 150 ] || fail "the moderator did not hear the waiter ($m1000)"
# once in, the waitHook stops: no 440 Hz while the moderator's tone is heard
assert_eq "$(RTP_STATS=$SW rtp_stat 'd.tonelog.filter(p => p[1].includes(440) && p[1].includes(600)).length')" "0" "the waitHook stopped once in"
grep -q -- "room2: started, joining" "$WORK/main.log" || fail "the waiter was not told the room started"
grep -q -- "room2: out (the room ended)" "$WORK/main.log" || fail "endConferenceOnExit did not end the room for the waiter"
wait_hooks 'd.filter(r => r.path==="/action-w").length === 1'

# --- maxParticipants 2: the third goes on with its next verbs -----------
x_scen=$(mkscen uac_bye CSEQ=2 ACTIONS="$(x_pause 12000)")
y_scen=$(mkscen uac_bye CSEQ=2 ACTIONS="$(x_pause 10000)")
z_scen=$(mkscen uac_answer)
run_sipp x "$x_scen" 15552201003 &
X=$!
wait_calls 15552201003
run_sipp y "$y_scen" 15552201004 &
Y=$!
wait_calls 15552201004
wait_log "$WORK/main.log" "joined conf:.*:room3 on loop . (2 members in)" 5
t0=$(date +%s%3N)
run_sipp z "$z_scen" 15552201005 || fail "the refused member's next verbs did not run"
echo "z: refused and hung up by its next verbs in $(($(date +%s%3N) - t0)) ms"
grep -q -- "conference 'room3' is full (maxParticipants): not joined" "$WORK/main.log" || fail "no log line for the full room"
wait "$X" || fail "x failed"
wait "$Y" || fail "y failed"
assert_eq "$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/action-z").length')" "0" "no actionHook for a refused member"

# --- joinMuted, conf_mute_status, conf_hold_status, participant action --
RTPSINK_TONES=440,600,1000 start_rtpsink
SM2=$RTP_STATS
# both stay until hung up by updateCall below, however slow the steps
m2_scen=$(mkscen uac_answer ACTIONS="$(tone m2 40 pcmu 600)")
p_scen=$(mkscen uac_answer ACTIONS="$(tone p 40 pcmu 1000)")
run_sipp m2 "$m2_scen" 15552201006 &
M2=$!
wait_calls 15552201006
RTP_PORT= run_sipp p "$p_scen" 15552201007 &
P=$!
wait_calls 15552201007
wait_log "$WORK/main.log" "joined conf:.*:room4 on loop . (2 members in)" 5
M2SID=$(sid_of 15552201006) PSID=$(sid_of 15552201007)
sleep 1.5
c1=$(count "$SM2" 1000)
echo "joinMuted: the moderator heard the muted member in $c1 packets"
[ "$c1" -le 3 ] || fail "joinMuted: heard in $c1 packets"
assert_eq "$(upd "$M2SID" '{"conf_mute_status":"loud"}')" "400 conf_mute_status must be mute or unmute" "a bad conf_mute_status"
assert_eq "$(upd "$M2SID" '{"conferenceParticipantAction":"kick"}')" "400 conferenceParticipantAction must be an object with an action" "a bad conferenceParticipantAction"
assert_eq "$(upd "$PSID" '{"conf_mute_status":"unmute"}')" "202 accepted" "conf_mute_status unmute"
sleep 1.5
c2=$(count "$SM2" 1000)
echo "unmuted: heard in $((c2 - c1)) packets of 1.5 s"
[ $((c2 - c1)) -ge 40 ] || fail "conf_mute_status unmute: heard in $((c2 - c1)) packets"
# sent to the moderator's call, it mutes the others (non-moderators)
assert_eq "$(upd "$M2SID" '{"conf_mute_status":"mute"}')" "202 accepted" "conf_mute_status mute"
sleep 0.3
c3=$(count "$SM2" 1000)
sleep 1.2
c4=$(count "$SM2" 1000)
[ $((c4 - c3)) -le 3 ] || fail "conf_mute_status mute: still heard in $((c4 - c3)) packets"
grep -q -- "room4: muting non-moderators" "$WORK/main.log" || fail "no mute log line"
# hold: the moderator hears nothing of the room, the wait_hook instead
assert_eq "$(upd "$M2SID" '{"conf_hold_status":"hold","wait_hook":"/hold"}')" "202 accepted" "conf_hold_status hold"
assert_eq "$(upd "$PSID" '{"conferenceParticipantAction":{"action":"unmute"}}')" "202 accepted" "participant action unmute"
wait_rtp 'd.tones[440] >= 25' 5 "$SM2"
h1=$(count "$SM2" 1000)
sleep 1
h2=$(count "$SM2" 1000)
[ $((h2 - h1)) -le 3 ] || fail "on hold, the moderator still hears the room ($((h2 - h1)))"
assert_eq "$(upd "$M2SID" '{"conf_hold_status":"unhold"}')" "202 accepted" "conf_hold_status unhold"
sleep 1.5
h3=$(count "$SM2" 1000)
echo "hold: $((h2 - h1)) packets of the room in 1 s on hold, $((h3 - h2)) in 1.5 s after"
[ $((h3 - h2)) -ge 40 ] || fail "off hold, the moderator does not hear the unmuted member ($((h3 - h2)))"
assert_eq "$(upd "$PSID" '{"call_status":"completed"}')" "202 accepted" "hang up p"
assert_eq "$(upd "$M2SID" '{"call_status":"completed"}')" "202 accepted" "hang up m2"
wait "$M2" || fail "m2 failed"
wait "$P" || fail "p failed"

# --- leave in the waitHook: out of the room, the actionHook, next verb --
run_sipp leave "$(mkscen uac_answer)" 15552201008 || fail "the member that left did not go on with its next verbs"
grep -q -- "room5: out (leave)" "$WORK/main.log" || fail "leave did not take the member out"
wait_hooks 'd.filter(r => r.path==="/action-l").length === 1'

# --- a call in no conference -------------------------------------------
run_sipp q "$(mkscen uac_bye CSEQ=2 ACTIONS="$(x_pause 2500)")" 15552201009 &
Q=$!
wait_calls 15552201009
sleep 0.3
QSID=$(sid_of 15552201009)
assert_eq "$(upd "$QSID" '{"conf_mute_status":"mute"}')" "202 accepted" "conf_mute_status for a call in no conference"
wait_log "$WORK/main.log" "$QSID: conf_mute_status: the call is not in a conference" 5
assert_eq "$(post_conf "$QSID" '{}')" "422" "POST /v1/conference for a call in no conference"
wait "$Q" || fail "q failed"

# --- distributeDtmf: the digits of one reach the other -----------------
# d sends its digit once e is in (both calls up by 5 s), e its own
d_scen=$(mkscen uac_bye CSEQ=2 ACTIONS="$(x_pause 5000)$(x_dtmf 5)$(x_pause 1500)")
e_scen=$(mkscen uac_bye CSEQ=2 ACTIONS="$(x_pause 1000)$(x_dtmf 7)$(x_pause 6500)")
start_rtpsink
SD=$RTP_STATS PD=$RTP_PORT
start_rtpsink
SE=$RTP_STATS PE=$RTP_PORT
RTP_PORT=$PD run_sipp d "$d_scen" 15552201011 &
D=$!
wait_calls 15552201011
RTP_PORT=$PE run_sipp e "$e_scen" 15552201012 &
E=$!
wait "$E" || fail "e failed"
wait "$D" || fail "d failed"
RTP_PORT=
rtp_quiet "$SD"
rtp_quiet "$SE"
echo "distributeDtmf: the other member got '$(RTP_STATS=$SE rtp_stat d.digits)', the distributing one '$(RTP_STATS=$SD rtp_stat d.digits)'"
assert_eq "$(RTP_STATS=$SE rtp_stat d.digits)" "5" "digits distributed (distributeDtmf)"
assert_eq "$(RTP_STATS=$SD rtp_stat d.digits)" "" "digits of a member without distributeDtmf"
# a member that only waited sends neither join nor leave
assert_eq "$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/status5").length')" "0" "statusHook of a member that only waited"
# the starter's statusHook serves the member that joined its room too
assert_eq "$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/status6").map(r => r.body.event + ":" + r.body.members).join()')" "join:1,join:2,leave:1,leave:0" "statusHook of room6's starter, for both"
assert_eq "$(json_get "$(hooks_log)" 'new Set(d.filter(r => r.path==="/status6").map(r => r.body.call_sid)).size')" "2" "room6's statusHook from both members"

# --- a conference without a name: the application is refused -----------
run_sipp noname "$(mkscen uac_reject CODE=480)" 15552201010 || fail "no 480 for a conference without a name"
grep -q "rejecting with 480: conference: missing value for name" "$WORK/main.log" || fail "no log line for the missing name"

wait_idle
server_alive
# nine joined or waited (the refused one never did), and all left
assert_eq "$(grep -c 'left conf:' "$WORK/main.log")" "9" "every member left"
echo "PASS"
