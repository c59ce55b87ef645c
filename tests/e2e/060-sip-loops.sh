#!/usr/bin/env bash
# SIP_LOOPS=2: one public SIP port, calls spread over both event loops by
# Call-ID (the second loop's calls are forwarded to its private port),
# every call completes, speech reaches the caller from either loop, TCP
# connections are spread over the loops too, and /metrics shows each
# loop's share.
source "$(dirname "$0")/lib.sh"

start_hooks '{
  "/call": [{"verb":"say","text":"Hi."},{"verb":"hangup"}]
}'
start_fs main SIP_LOOPS=2 DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status"

grep -q "loop 1: SIP on 127.0.0.1:" "$WORK/main.log" || fail "second loop not started"

run_sipp many uac_srv_bye 15551234567 -m 20 -r 10 || fail "calls failed"
n0=$(grep -c "INVITE from .*loop 0)" "$WORK/main.log" || true)
n1=$(grep -c "INVITE from .*loop 1)" "$WORK/main.log" || true)
[ "$n0" -gt 0 ] || fail "loop 0 took no calls"
[ "$n1" -gt 0 ] || fail "loop 1 took no calls"
assert_eq "$((n0 + n1))" "20" "calls seen"
wait_hooks 'd.filter(r => r.path==="/status" && r.body.call_status==="completed").length === 20'

# speech from both loops: each call's RTP reaches the sink
start_rtpsink
run_sipp audio uac_srv_bye 15551234567 -m 4 -r 4 || fail "audio calls failed"
rtp_quiet
[ "$(rtp_stat d.ssrcs.length)" -ge 4 ] || fail "RTP from $(rtp_stat d.ssrcs.length) calls"
[ "$(rtp_stat d.nonsilent)" -ge 20 ] || fail "speech not heard"

# TCP: every loop listens on the public port and the kernel spreads the
# connections; a call stays on the loop that holds its connection. sipp's
# -t tn opens one connection per call (20: all on one loop by chance
# would be 1 in 2^19)
b0=$(grep -c "INVITE from .*loop 0)" "$WORK/main.log" || true)
b1=$(grep -c "INVITE from .*loop 1)" "$WORK/main.log" || true)
grep -q "loop 1: SIP on .*, 127.0.0.1:$FS_SIP_PORT (TCP)" "$WORK/main.log" ||
	fail "loop 1 does not listen for TCP on the public port"
run_sipp tcp uac_srv_bye 15551234567 -t tn -max_socket 100 -m 20 -r 10 || fail "TCP calls failed"
t0=$(($(grep -c "INVITE from .*loop 0)" "$WORK/main.log" || true) - b0))
t1=$(($(grep -c "INVITE from .*loop 1)" "$WORK/main.log" || true) - b1))
assert_eq "$((t0 + t1))" "20" "TCP calls seen"
[ "$t0" -gt 0 ] || fail "loop 0 took no TCP connection"
[ "$t1" -gt 0 ] || fail "loop 1 took no TCP connection"
wait_hooks 'd.filter(r => r.path==="/status" && r.body.call_status==="completed").length === 44'

m=$(curl -fsS "$FS_HTTP/metrics")
assert_eq "$(json_get "$m" d.calls.active)" "0" "active calls"
assert_eq "$(json_get "$m" d.calls.total)" "44" "total calls"
# /metrics: each loop's share adds up to the whole
assert_eq "$(json_get "$m" 'd.loops.length')" "2" "loops in /metrics"
assert_eq "$(json_get "$m" 'd.loops[0].callsTotal + d.loops[1].callsTotal')" "44" "per-loop totals"
[ "$(json_get "$m" 'd.loops[1].callsTotal > 0 && d.loops[1].cpuSeconds > 0')" = true ] ||
	fail "loop 1's share not reported: $m"
echo OK
