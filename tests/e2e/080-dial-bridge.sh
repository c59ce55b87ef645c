#!/usr/bin/env bash
# dial bridges the caller to a called party: RTP flows both ways through
# the server and is counted at each end, each side in its own codec (the
# caller offers only PCMA, the called party answers PCMU, so every
# packet is transcoded); the called party hangs up, the actionHook gets
# completed with the B leg's sid and Call-ID, and the verb list goes on.
source "$(dirname "$0")/lib_dial.sh"

B=$(free_port)
start_hooks '{
  "/call": [{"verb":"dial","actionHook":"/action",
             "target":[{"type":"sip","sipUri":"sip:bob@127.0.0.1:'"$B"'"}]}],
  "/action": [{"verb":"hangup"}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status"

python3 "$E2E_ROOT/tests/tools/mkpcap.py" "$WORK/tone.pcap" 3 pcmu 600

# the called party's media address is an RTP sink: what reaches bob
start_rtpsink
B_RTP=$RTP_PORT B_STATS=$RTP_STATS
UAS_RTP=$B_RTP start_uas bob "$B" "$(ring_scen 200 "$(x_play "$WORK/tone.pcap")
$(x_pause 2500)
$(x_uas_bye)")"

# the caller's: what reaches the caller
start_rtpsink
A_STATS=$RTP_STATS
sdp=${E2E_SDP/RTP\/AVP 0 8 101/RTP/AVP 8 101}
sdp=$(grep -v 'rtpmap:0 ' <<<"$sdp")
caller=$(mkscen uac_answer SDP="$sdp" \
	ACTIONS="$(x_play /usr/share/sip-tester/g711a.pcap)")
run_sipp alice "$caller" 15551234567 || fail "caller failed"
wait_uas bob

wait_hooks 'd.some(r => r.path==="/status" && r.body.call_status==="completed")'
log=$(hooks_log)
act='d.find(r => r.path==="/action").body'
assert_eq "$(json_get "$log" "$act.dial_call_status")" "completed" "dial_call_status"
assert_eq "$(json_get "$log" "$act.dial_sip_status")" "200" "dial_sip_status"
sid=$(json_get "$log" "$act.dial_call_sid")
[[ $sid =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] ||
	fail "dial_call_sid '$sid' is not a UUID"
[ "$sid" != "$(json_get "$log" "$act.call_sid")" ] || fail "B leg sid is the caller's"
bcid=$(msg_first bob '^INVITE ' | sed -n 's/^Call-ID: *//p' | tr -d '\r')
assert_eq "$(json_get "$log" "$act.dial_sbc_callid")" "$bcid" "dial_sbc_callid"
assert_eq "$(status_seq '!r.body.parent_call_sid')" "trying,in-progress,completed" "caller status sequence"

# both directions, each in its negotiated codec, and audible
rtp_quiet "$A_STATS"
rtp_quiet "$B_STATS"
RTP_STATS=$A_STATS
a_pkts=$(rtp_stat d.packets)
[ "$a_pkts" -ge 100 ] || fail "caller got $a_pkts RTP packets"
assert_eq "$(rtp_stat 'Object.keys(d.pts).join()')" "8" "caller payload types"
[ "$(rtp_stat d.nonsilent)" -ge 100 ] || fail "caller heard $(rtp_stat d.nonsilent) loud packets"
RTP_STATS=$B_STATS
b_pkts=$(rtp_stat d.packets)
[ "$b_pkts" -ge 60 ] || fail "called party got $b_pkts RTP packets"
assert_eq "$(rtp_stat 'Object.keys(d.pts).join()')" "0" "called party payload types"
[ "$(rtp_stat d.nonsilent)" -ge 60 ] || fail "called party heard $(rtp_stat d.nonsilent) loud packets"
assert_eq "$(rtp_stat d.ssrcs.length)" "1" "one SSRC toward the called party"
assert_eq "$(rtp_stat d.seq_faults)" "0" "sequence faults toward the called party"

# the B leg's own offer: PCMU, PCMA and telephone-event
assert_contains "$(msg_first bob '^INVITE ')" "m=audio [0-9]* RTP/AVP 0 8 101" "B leg offer"
wait_idle 5
echo OK
