#!/usr/bin/env bash
# Limits at the SIP layer, each with its log line, answer and counter:
# MAX_CALLS (503 with Retry-After while the limit is reached, calls again
# once it is not), SIP_INVITE_RATE/SIP_INVITE_BURST per source address
# (503 with Retry-After beyond the burst, another source unaffected, the
# bucket refills), MAX_CALL_DURATION_SECS (an answered call gets our BYE
# with X-Reason, the status hook reports it completed).
source "$(dirname "$0")/lib.sh"

start_hooks '{
  "/slow": {"delay": 3000, "body": [{"verb":"sip:decline","status":486,"reason":"Slow"}]},
  "/fast": [{"verb":"sip:decline","status":486,"reason":"Fast"}],
  "/long": [{"verb":"say","text":"This call goes on."},{"verb":"pause","length":30}]
}'
invite() { # NAME OPTIONS EXPECT [HEADER-SUBSTRING]: one INVITE case
	printf '=== %s | %s | %s%s\n' "$1" "$2" "$3" "${4:+ | $4}"
	cat <<'T'
INVITE sip:15557000100@{host}:{port} SIP/2.0
Via: SIP/2.0/UDP {lhost}:{lport};branch={branch};rport
From: <sip:caller@{lhost}>;tag={tag}
To: <sip:15557000100@{host}>
Call-ID: {callid}
CSeq: 1 INVITE
Max-Forwards: 70
Content-Length: 0

T
}
torture() { # NAME: run $WORK/NAME.txt against the server
	python3 "$E2E_ROOT/tests/tools/siptorture.py" "$WORK/$1.txt" 127.0.0.1 \
		"$FS_SIP_PORT" --wait 2 >"$WORK/$1.out" 2>&1 ||
		{ cat "$WORK/$1.out"; fail "$1"; }
}
stop_fs() {
	kill -TERM "$FS_PID"
	wait "$FS_PID" 2>/dev/null || true
	FS_PIDS=()
}

# MAX_CALLS=2: two calls wait for a slow webhook, the third is refused
start_fs calls MAX_CALLS=2 DEFAULT_CALL_HOOK="$HOOK/slow"
scen=$(mkscen uac_reject CODE=486)
run_sipp held "$scen" 15557000100 -m 2 -l 2 -r 10 &
held=$!
wait_for 5 metric_is d.calls.active 2 || true
assert_eq "$(json_get "$(curl -fsS "$FS_HTTP/metrics")" d.calls.active)" "2" "calls held"
invite third udp 503 "Retry-After: 5" >"$WORK/third.txt"
torture third
# createCall is held to the same ceiling: 503, and nothing dialled
code=$(curl -sS -o "$WORK/cc.out" -w '%{http_code}' -X POST \
	-H 'Content-Type: application/json' \
	-d '{"to":{"type":"sip","sipUri":"sip:x@127.0.0.1:9"},"app_json":[{"verb":"hangup"}]}' \
	"$FS_HTTP/v1/createCall")
assert_eq "$code" "503" "createCall beyond MAX_CALLS"
assert_contains "$(cat "$WORK/cc.out")" "MAX_CALLS (2) reached" "createCall refusal reason"
wait "$held" || fail "held calls failed"
grep -q "WARN  call: INVITE from 127.0.0.1:[0-9]*: MAX_CALLS (2) reached: 503" "$WORK/calls.log" ||
	fail "no log line for MAX_CALLS"
assert_eq "$(json_get "$(curl -fsS "$FS_HTTP/metrics")" d.sip.max_calls_rejected)" "1" "MAX_CALLS refusals"
wait_idle 10
run_sipp after "$scen" 15557000100 || fail "no call after the limit cleared"
stop_fs

# SIP_INVITE_RATE=1/s with a burst of 3, per source address
start_fs rate SIP_INVITE_RATE=1 SIP_INVITE_BURST=3 DEFAULT_CALL_HOOK="$HOOK/fast"
{
	for i in 1 2 3; do invite "burst$i" udp 486; done
	invite over1 udp 503 "Retry-After: 1"
	invite over2 udp 503
	invite other-source udp,src=127.0.0.3 486
} >"$WORK/burst.txt"
torture burst
m=$(curl -fsS "$FS_HTTP/metrics")
assert_eq "$(json_get "$m" d.sip.invite_rate_limited)" "2" "rate-limited INVITEs"
assert_eq "$(json_get "$m" d.sip.rate_sources)" "2" "sources with a bucket"
grep -q "sipcheck: INVITE from 127.0.0.1:[0-9]*: 503 Service Unavailable (over SIP_INVITE_RATE)" \
	"$WORK/rate.log" || fail "no log line for the rate"
# OPTIONS and in-dialog requests are not counted; a second later the
# bucket holds a token again (a fixed delay: the refill)
sleep 1.5
invite refilled udp 486 >"$WORK/refill.txt"
torture refill
wait_idle 10
stop_fs

# MAX_CALL_DURATION_SECS=2: the answered call is hung up by us
start_fs dur MAX_CALL_DURATION_SECS=2 DEFAULT_CALL_HOOK="$HOOK/long" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status"
t0=$(date +%s)
run_sipp long uac_srv_bye 15557000100 || fail "long call failed"
secs=$(($(date +%s) - t0))
[ "$secs" -le 8 ] || fail "call lasted ${secs}s with MAX_CALL_DURATION_SECS=2"
grep -q "^X-Reason: max call duration" "$WORK/long.msg" || fail "BYE without X-Reason"
wait_hooks 'd.some(r => r.path==="/status" && r.body.call_status==="completed")'
last='d.filter(r => r.path==="/status").pop().body'
assert_eq "$(json_get "$(hooks_log)" "$last.sip_reason")" "Max Call Duration Reached" "status hook reason"
assert_eq "$(json_get "$(hooks_log)" "$last.call_termination_by")" "jambonz" "terminated by"
grep -q "WARN  call: .*: MAX_CALL_DURATION_SECS (2) reached: hanging up" "$WORK/dur.log" ||
	fail "no log line for the duration"
assert_eq "$(json_get "$(curl -fsS "$FS_HTTP/metrics")" d.sip.max_duration_ended)" "1" "calls ended by duration"
wait_idle 10
server_alive
echo OK
