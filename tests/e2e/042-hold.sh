#!/usr/bin/env bash
# Hold and unhold by re-INVITE during a say: a=sendonly from the caller is
# answered a=recvonly and no RTP leaves while on hold; a=sendrecv is
# answered sendrecv and the speech resumes (marker bit on the first
# packet, one SSRC, sequence unbroken). A re-INVITE moving the caller's
# media to another port: the speech follows it at once. A PCMA-only
# offer is served in PCMA.
source "$(dirname "$0")/lib.sh"

start_hooks '{
  "/call": [{"verb":"say","loop":"forever",
             "text":"This message repeats while the caller is on hold and after."}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status"
start_rtpsink
acts="$(x_pause 1200; x_reinvite sendonly recvonly 2; x_pause 1500; x_reinvite sendrecv sendrecv 3; x_pause 1500)"
scen=$(mkscen uac_bye ACTIONS="$acts" CSEQ=4)
run_sipp hold "$scen" 15551230071 || fail "hold/unhold call failed"
rtp_quiet

# the longest silence on the wire is the hold
gap=$(rtp_stat 'Math.max(...d.log.slice(1).map((p, i) => p[0] - d.log[i][0]))')
echo "longest RTP gap: $gap ms"
[ "$gap" -ge 1300 ] && [ "$gap" -le 2200 ] || fail "RTP gap during hold: $gap ms, want ~1500"
gapend=$(rtp_stat "(l => l[l.findIndex((p, i) => i && p[0] - l[i - 1][0] === $gap)][0])(d.log)")
resumed=$(rtp_stat "d.log.filter(p => p[1] && p[0] >= $gapend).length")
[ "$resumed" -ge 25 ] || fail "speech did not resume after unhold: $resumed loud packets"
assert_eq "$(rtp_stat d.ssrcs.length)" "1" "one SSRC"
assert_eq "$(rtp_stat d.seq_faults)" "0" "sequence faults"
[ "$(rtp_stat d.markers)" -ge 2 ] || fail "no marker bit on resuming"

log=$(hooks_log)
assert_eq "$(status_seq)" "trying,in-progress,completed" "status sequence"
assert_eq "$(json_get "$log" 'd.filter(r => r.path==="/status").pop().body.call_termination_by')" "caller" "termination by"

# media moves to another port mid-call
first_sink=$RTP_STATS
start_rtpsink
second_sink=$RTP_STATS second_port=$RTP_PORT
RTP_STATS=$first_sink
start_rtpsink
acts="$(x_pause 1000; x_reinvite sendrecv sendrecv 2 "$second_port"; x_pause 1500)"
scen=$(mkscen uac_bye ACTIONS="$acts" CSEQ=3)
run_sipp move "$scen" 15551230072 || fail "re-INVITE to a new port failed"
rtp_quiet
rtp_quiet "$second_sink"
moved=$(json_get "$(cat "$second_sink")" 'd.nonsilent')
first_last=$(rtp_stat 'd.last_at')
second_first=$(json_get "$(cat "$second_sink")" 'd.first_at')
echo "new port: $moved loud packets; old port last $first_last, new port first $second_first"
[ "$moved" -ge 25 ] || fail "speech did not follow the new port: $moved"
[ "$(rtp_stat d.packets)" -ge 30 ] || fail "nothing reached the first port"
[ "$first_last" -le $((second_first + 40)) ] || fail "RTP still went to the old port after the move"

# PCMA only
start_rtpsink
scen=$(mkscen uac_bye ACTIONS="$(x_pause 1500)" CSEQ=2 SDP="$(sed 's/RTP\/AVP 0 8 101/RTP\/AVP 8 101/; /rtpmap:0 /d' <<<"$E2E_SDP")")
run_sipp pcma "$scen" 15551230073 || fail "PCMA-only call failed"
rtp_quiet
assert_eq "$(rtp_stat 'Object.keys(d.pts).join()')" "8" "payload type for a PCMA-only offer"
[ "$(rtp_stat d.nonsilent)" -ge 25 ] || fail "PCMA speech not heard"
assert_contains "$(awk '/^SIP\/2.0 200 OK/,0' "$WORK/pcma.msg")" "^m=audio [0-9]* RTP/AVP 8" "PCMA answer"
wait_idle
echo OK
