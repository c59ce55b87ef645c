#!/usr/bin/env bash
# What `make run` starts: the shipped etc/feature-server.conf, SIP on the
# any address (every local interface), HTTP on loopback, the built-in
# demo. Only the ports are moved (environment overrides) so the case runs
# beside other servers. A call to 127.0.0.1 is answered and hears speech.
source "$(dirname "$0")/lib.sh"

sip=$(free_port)
http=$(free_port)
SIP_LISTEN=0.0.0.0:$sip HTTP_PORT=$http PLUGIN_DIR=$FS_PLUGIN_DIR \
	RTP_PORT_MIN=${E2E_RTP_MIN:-42000} RTP_PORT_MAX=${E2E_RTP_MAX:-42999} \
	"$FS_BIN" -c "$E2E_ROOT/etc/feature-server.conf" >"$WORK/run.log" 2>&1 &
FS_PID=$!
PIDS+=("$FS_PID")
FS_PIDS+=("$FS_PID")
FS_HTTP="http://127.0.0.1:$http"
FS_SIP_PORT=$sip
wait_http "$FS_HTTP/health" 10 || fail "server did not come up"
grep -q "built-in demo" "$WORK/run.log" || fail "demo not selected"

start_rtpsink
# the demo greets, then waits for digits: hang up after 4 s of speech
scen=$(mkscen uac_bye ACTIONS="$(x_pause 4000)" CSEQ=2)
run_sipp demo "$scen" 15551234567 || fail "demo call failed"
rtp_quiet
[ "$(rtp_stat d.nonsilent)" -ge 50 ] ||
	fail "demo speech not heard: $(rtp_stat d.nonsilent) loud packets"
assert_eq "$(json_get "$(curl -fsS "$FS_HTTP/metrics")" d.calls.total)" "1" \
	"calls"
echo OK
