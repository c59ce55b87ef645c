#!/usr/bin/env bash
# SIP_LOOPS=2: one public SIP port, calls spread over both event loops by
# Call-ID (the second loop's calls are forwarded to its private port),
# every call completes, speech reaches the caller from either loop, and
# calls over TCP stay on the first loop.
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

# TCP: the connection ends in loop 0, so do its calls
before=$(grep -c "INVITE from .*loop 0)" "$WORK/main.log" || true)
run_sipp tcp uac_srv_bye 15551234567 -t t1 -m 3 -r 3 || fail "TCP calls failed"
n0=$(grep -c "INVITE from .*loop 0)" "$WORK/main.log" || true)
assert_eq "$((n0 - before))" "3" "TCP calls on loop 0"

m=$(curl -fsS "$FS_HTTP/metrics")
assert_eq "$(json_get "$m" d.calls.active)" "0" "active calls"
assert_eq "$(json_get "$m" d.calls.total)" "27" "total calls"
echo OK
