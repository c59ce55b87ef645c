#!/usr/bin/env bash
# Thousands of calls leave nothing behind: zero calls, zero listeners,
# zero in-flight requests and RTP streams, and heap use back near its
# idle figure once libre's finished transactions have expired (they stay
# 32 s to absorb retransmissions: RFC 3261 timers J/H, RFC 6026 timer L).
source "$(dirname "$0")/lib.sh"

start_hooks '{
  "/call": [{"verb":"say","text":"Hi."},{"verb":"hangup"}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status" JAMBONES_LOGLEVEL=warn

heap0=$(metric d.memory.heapUsed)

run_sipp soak uac_srv_bye 15551234567 -m 2000 -r 100 -timeout 120 \
	-key rtpport 9 || fail "soak calls failed"
wait_for 10 metric_is d.calls.active 0 || true
m=$(curl -fsS "$FS_HTTP/metrics")
assert_eq "$(json_get "$m" d.calls.active)" "0" "active calls"
assert_eq "$(json_get "$m" d.calls.total)" "2000" "calls placed"
assert_eq "$(json_get "$m" d.listeners.live)" "0" "live listeners"
assert_eq "$(json_get "$m" d.listeners.scopes)" "0" "live scopes"
assert_eq "$(json_get "$m" d.media.streams)" "0" "RTP streams"
assert_eq "$(json_get "$m" d.connections.inflight)" "0" "requests in flight"

# under sanitizers malloc is replaced and the figure reads 0
if [ "$heap0" -gt 0 ]; then
	# fixed delay: the SIP transactions of the last calls keep their
	# timers 32 s (timer J/L); what the heap holds is read after that
	sleep "${SOAK_LINGER:-34}"
	heap1=$(metric d.memory.heapUsed)
	echo "heapUsed idle $heap0, 34 s after 2000 calls $heap1"
	# what may stay: the cached phrase, pooled connections, stats rings
	[ $((heap1 - heap0)) -lt 2097152 ] ||
		fail "heap grew by $((heap1 - heap0)) bytes over 2000 calls"
fi
echo OK
