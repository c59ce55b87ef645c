#!/usr/bin/env bash
# No audio into a bridge from a third party: while dial bridges the
# caller to a called party, a third UDP socket sends two seconds of loud
# audio to the caller's RTP port on the server (read from its answer).
# The caller's own short tone (which latches its source) reaches the
# called party; the injected audio does not, and is counted in
# media.packets_dropped_source.
source "$(dirname "$0")/lib_dial.sh"

B=$(free_port)
start_hooks '{
  "/call": [{"verb":"dial","actionHook":"/action",
             "target":[{"type":"sip","sipUri":"sip:bob@127.0.0.1:'"$B"'"}]}],
  "/action": [{"verb":"hangup"}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status"
python3 "$E2E_ROOT/tests/tools/mkpcap.py" "$WORK/tone.pcap" 0.2 pcmu 600

# the called party's media address is an RTP sink: what reaches bob
start_rtpsink
B_STATS=$RTP_STATS
UAS_RTP=$RTP_PORT start_uas bob "$B" "$(ring_scen 200 "$(x_pause 3500)
$(x_uas_bye)")"
unset RTP_PORT

python3 "$E2E_ROOT/tests/tools/rtpinject.py" "$WORK/alice.port" tone:100 1.0 \
	>"$WORK/inject.out" 2>&1 &
INJ=$!
PIDS+=("$INJ")
caller=$(mkscen uac_media_port PORTFILE="$WORK/alice.port" \
	ACTIONS="$(x_pause 300; x_play "$WORK/tone.pcap"; x_pause 2500)")
run_sipp alice "$caller" 15551220001 || fail "caller failed"
wait_uas bob
wait "$INJ" || fail "injector: $(cat "$WORK/inject.out")"
echo "injector: $(cat "$WORK/inject.out")"

wait_hooks 'd.some(r => r.path==="/status" && r.body.call_status==="completed")'
assert_eq "$(json_get "$(hooks_log)" 'd.find(r => r.path==="/action").body.dial_call_status')" \
	"completed" "dial_call_status"
rtp_quiet "$B_STATS"
RTP_STATS=$B_STATS
loud=$(rtp_stat d.nonsilent)
echo "called party: $(rtp_stat d.packets) packets, $loud loud"
[ "$loud" -ge 5 ] || fail "the caller's own tone did not reach the called party ($loud)"
[ "$loud" -le 30 ] || fail "injected audio reached the called party ($loud loud packets)"
d=$(json_get "$(curl -fsS "$FS_HTTP/metrics")" d.media.packets_dropped_source)
[ "$d" -ge 100 ] || fail "$d packets dropped, expected the 100 injected"
wait_idle 5
echo OK
