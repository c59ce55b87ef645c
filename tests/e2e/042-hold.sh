#!/usr/bin/env bash
# Hold and unhold by re-INVITE during a say: a=sendonly from the caller is
# answered a=recvonly and no RTP leaves while on hold; a=sendrecv is
# answered sendrecv and the speech resumes (marker bit on the first
# packet, one SSRC, sequence unbroken).
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
sleep 0.3

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
wait_idle
echo OK
