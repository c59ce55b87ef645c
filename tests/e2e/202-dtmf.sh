#!/usr/bin/env bash
# dtmf: on a call that negotiated telephone-event the digits go as RFC
# 4733 events on the call's RTP, which the caller's RTP sink decodes:
# one event per digit, in order, each with its first packet marked, one
# timestamp for all its packets, durations growing by 160 a packet to
# the full length, three end packets with that length, volume 10, no
# sequence gap; audio resumes between and after them. Without
# telephone-event in the offer, one SIP INFO a digit (application/
# dtmf-relay, Signal and Duration), the next after the previous was
# answered. The verb ends once the digits were sent (the hangup after it
# comes then). Bad digits: a log line, nothing sent, the list goes on.
source "$(dirname "$0")/20x_lib.sh"

start_hooks '{
  "/call": {"seq": [
    [{"verb":"dtmf","dtmf":"12#","duration":200},{"verb":"hangup"}],
    [{"verb":"dtmf","dtmf":"7*","duration":100},{"verb":"hangup"}],
    [{"verb":"dtmf","dtmf":"12x"},{"verb":"pause","length":0.3},{"verb":"hangup"}]
  ]}
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status"

# 1: RFC 4733
start_rtpsink
run_sipp rtp uac_srv_bye 15551232201 || fail "dtmf call failed"
rtp_quiet
assert_eq "$(rtp_stat d.digits)" "12#" "digits decoded"
assert_eq "$(rtp_stat d.dtmf)" "3" "events ended"
assert_eq "$(rtp_stat 'd.events.map(e => e.pt).join()')" "101,101,101" "telephone-event payload type"
assert_eq "$(rtp_stat 'd.events.map(e => e.markers).join()')" "1,1,1" "one marker per event"
assert_eq "$(rtp_stat 'd.events.map(e => e.volume).join()')" "10,10,10" "volume"
want=$(node -e 'const a=[];for(let d=160;d<1600;d+=160)a.push(d);a.push(1600,1600,1600);console.log(a.join())')
for i in 0 1 2; do
	assert_eq "$(rtp_stat "d.events[$i].durations.join()")" "$want" "event $i durations"
	assert_eq "$(rtp_stat "d.events[$i].ends.join()")" "0,0,0,0,0,0,0,0,0,1,1,1" "event $i end bits"
done
assert_eq "$(rtp_stat d.seq_faults)" "0" "sequence numbers across events and audio"
assert_eq "$(rtp_stat d.ssrcs.length)" "1" "one SSRC"
# the events' timestamps follow the clock: 12 packets and a 100 ms gap
# apart (1600 + 5 x 160 + 3 x 160 samples: ends and gap)
gaps=$(rtp_stat '[1,2].map(i => (d.events[i].ts - d.events[i-1].ts) >>> 0).join()')
assert_eq "$gaps" "2720,2720" "event timestamp spacing"
# the first frame after the answer is an event; audio (PCMU), 5 frames
# of it, between the events
pts=$(rtp_stat 'd.log.map(l => l[2] === 0 ? "a" : "e").join("")')
[[ $pts =~ ^e{12}a{5}e{12}a{5}e{12}a*$ ]] || fail "audio not between the events: ${pts:0:200}"
assert_contains "$(cat "$WORK/main.log")" "dtmf: 3 digits as RFC 4733 events, 200 ms each" "RFC 4733 log line"

# 2: no telephone-event: SIP INFO
sdp='v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [rtpport] RTP/AVP 0
a=rtpmap:0 PCMU/8000
a=sendrecv'
# the caller is slow to ACK: the first INFO waits for the ACK (a request
# ahead of it would be unexpected to sipp, and to many UAs)
scen=$(mkscen uac_answer SDP="$sdp" PREACK='<pause milliseconds="400"/>' ACTIONS="<recv request=\"INFO\"/>$(x_reply "200 OK")<recv request=\"INFO\"/>$(x_reply "200 OK")")
start_rtpsink
run_sipp info "$scen" 15551232202 || fail "dtmf by INFO failed"
infos=$(awk '/^INFO sip:/,/^Duration/' "$WORK/info.msg" | tr -d '\r')
assert_eq "$(grep -c '^INFO sip:' <<<"$infos")" "2" "two INFOs"
assert_eq "$(grep '^Content-Type:' <<<"$infos" | sort -u)" "Content-Type: application/dtmf-relay" "INFO content type"
assert_eq "$(grep '^Signal=' <<<"$infos" | tr '\n' ' ')" "Signal=7 Signal=* " "INFO digits"
assert_eq "$(grep '^Duration=' <<<"$infos" | sort -u)" "Duration=100" "INFO duration"
rtp_quiet
assert_eq "$(rtp_stat d.dtmf)" "0" "no RFC 4733 events without telephone-event"

# 3: a bad digit: nothing sent, the list goes on to the pause and hangup
start_rtpsink
run_sipp bad uac_srv_bye 15551232203 || fail "bad dtmf call failed"
rtp_quiet
assert_eq "$(rtp_stat d.events.length)" "0" "no events for bad digits"
assert_contains "$(cat "$WORK/main.log")" "dtmf: .*: '12x' not sent: digits must be" "bad digits logged"
wait_idle
server_alive
echo OK
