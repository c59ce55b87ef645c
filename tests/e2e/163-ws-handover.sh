#!/usr/bin/env bash
# A WebSocket application's redirect to an absolute http URL hands the
# session to HTTP, as jambonz's requestor does: the redirect's hook is a
# webhook (session:redirect's payload posted), the socket is closed with
# 1000, the new application's relative hooks go to the http server it
# came from, its status hook is not the closed socket, and the call ends
# as a webhook application's does when its verbs run out.
source "$(dirname "$0")/lib.sh"

node "$E2E_ROOT/tests/tools/wsappsrv.js" >"$WORK/wsapp.out" 2>"$WORK/wsapp.log" &
PIDS+=("$!")
wait_for 5 grep -q '^PORT ' "$WORK/wsapp.out" || fail "ws app server did not start"
WSPORT=$(sed -n 's/^PORT //p' "$WORK/wsapp.out")
wslog() { curl -fsS "http://127.0.0.1:$WSPORT/_log"; }

start_hooks '{
  "/http-app": [{"verb":"gather","input":["digits"],"numDigits":1,"timeout":1,"actionHook":"/next"}],
  "/next": [{"verb":"say","text":"Over HTTP now."}]
}'
A=11111111-aaaa-4aaa-8aaa-000000000001
cat >"$WORK/directory.json" <<J
{
  "accounts": [{"account_sid": "$A", "name": "a", "is_active": true}],
  "applications": [{"application_sid": "22222222-bbbb-4bbb-8bbb-000000000001", "account_sid": "$A",
     "call_hook": {"url": "ws://127.0.0.1:$WSPORT/handover?to=$HOOK/http-app"},
     "call_status_hook": {"url": "ws://127.0.0.1:$WSPORT/handover"}}],
  "phone_numbers": [{"number": "15556660163", "account_sid": "$A",
     "application_sid": "22222222-bbbb-4bbb-8bbb-000000000001"}]
}
J
start_fs main DIRECTORY_FILE="$WORK/directory.json"

run_sipp handover uac_srv_bye 15556660163 || fail "handover: no BYE"
log=$(hooks_log)
assert_eq "$(json_get "$log" 'd.map(r => r.path).join()')" "/http-app,/next" "webhooks after the handover"
red=$(json_get "$log" 'JSON.stringify(d[0].body)')
assert_eq "$(json_get "$red" 'd.direction + ":" + d.call_status')" "inbound:in-progress" "the redirect's payload"
assert_eq "$(json_get "$log" 'd[1].body.reason')" "timeout" "gather's actionHook over HTTP"
ws=$(wslog)
assert_eq "$(json_get "$ws" 'd.filter(e => e.event==="close" && e.path==="/handover").map(e => e.code).join()')" \
	"1000" "the socket closed with 1000"
assert_eq "$(json_get "$ws" 'd.filter(e => e.event==="upgrade").length')" "1" "no reconnect"
# nothing went over the socket after the redirect: no session:redirect,
# no verb:hook, no call:status once it was handed over
assert_eq "$(json_get "$ws" "d.filter(e => e.msg && !e.out && ['session:redirect','verb:hook'].includes(e.msg.type)).length")" \
	"0" "hooks over the socket"
grep -q "session:redirect to .*/http-app: the session goes on over HTTP" "$WORK/main.log" ||
	fail "handover not logged"
! grep -q "status hook: " "$WORK/main.log" || fail "a status went to the closed socket's URL: $(grep 'status hook: ' "$WORK/main.log")"
wait_idle
server_alive
echo OK
