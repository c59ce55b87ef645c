#!/usr/bin/env bash
# Drain: SIGUSR1 and POST /v1/drain make new INVITEs and OPTIONS get 503
# and /health report draining while running calls finish; SIGUSR2 (or
# {"exit":true}) ends the process once the last call is over.
source "$(dirname "$0")/lib.sh"

start_hooks '{
  "/call": [{"verb":"say","text":"Hi."},{"verb":"pause","length":3},
            {"verb":"hangup"}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call"
opt() { python3 "$E2E_ROOT/tests/tools/sipopt.py" 127.0.0.1 "$FS_SIP_PORT"; }
opt_is() { [ "$(opt)" = "$1" ]; }

assert_eq "$(opt)" "200" "OPTIONS before drain"
run_sipp running uac_srv_bye 15551234567 &
running=$!
# the call is up: its webhook was asked for the verbs
wait_hooks 'd.filter(r => r.path==="/call").length === 1'
kill -USR1 "$FS_PID"
wait_for 5 opt_is 503 || true
assert_eq "$(opt)" "503" "OPTIONS while draining"
code=$(curl -s -o "$WORK/h.json" -w '%{http_code}' "$FS_HTTP/health")
assert_eq "$code" "503" "/health while draining"
assert_contains "$(cat "$WORK/h.json")" "draining" "/health body"
if run_sipp refused uac_srv_bye 15551234567; then
	fail "a new call was accepted while draining"
fi
grep -q "SIP/2.0 503" "$WORK/refused.msg" || fail "new INVITE not answered 503"
wait "$running" || { cat "$WORK/running.err" "$WORK/running.sipp.log" | tail -40; fail "the running call did not finish normally"; }
kill -0 "$FS_PID" || fail "SIGUSR1 must not stop the server"

# exit when idle, through REST, with a call still up
start_fs two DEFAULT_CALL_HOOK="$HOOK/call"
run_sipp last uac_srv_bye 15551234567 &
last=$!
wait_hooks 'd.filter(r => r.path==="/call").length === 2'
code=$(curl -s -o /dev/null -w '%{http_code}' -XPOST -d '{"exit":true}' \
	"$FS_HTTP/v1/drain")
assert_eq "$code" "202" "POST /v1/drain"
# fixed delay: the call goes on for seconds; the server must still be
# there half a second after the request
sleep 0.5
kill -0 "$FS_PID" || fail "exited before its call ended"
wait "$last" || fail "the last call did not finish normally"
wait_exit "$FS_PID" 5 "a drained server with no call left"
rc=0
wait "$FS_PID" || rc=$?
assert_eq "$rc" "0" "exit status"
grep -q "drained: no calls left, exiting" "$WORK/two.log" || fail "no exit log"

# SIGUSR2 with no calls: exits at once
start_fs three
kill -USR2 "$FS_PID"
wait_exit "$FS_PID" 5 "an idle server after SIGUSR2"
echo OK
