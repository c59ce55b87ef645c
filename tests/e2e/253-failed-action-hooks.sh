#!/usr/bin/env bash
# A failed actionHook, as jambonz: a status other than 200, 202 or 204
# (201 too), an unreachable server or JSON that does not parse is a
# failure; JSON that is not an array is no failure, the list goes on. A
# gather's failed hook is reported (call:status with error "invalid
# actionHook response" and a reason; over a WebSocket also jambonz:error)
# and the list goes on; a redirect's failed hook ends the call, over a
# WebSocket too (no waiting for commands).
source "$(dirname "$0")/25x_lib.sh"

dead="http://127.0.0.1:$(free_port)"
start_hooks '{
  "/call": {"seq": [
    [{"verb":"gather","actionHook":"/f500","timeout":1},
     {"verb":"hangup","headers":{"X-After":"gather"}}],
    [{"verb":"gather","actionHook":"/f201","timeout":1},
     {"verb":"hangup","headers":{"X-After":"gather"}}],
    [{"verb":"gather","actionHook":"/fbad","timeout":1},
     {"verb":"hangup","headers":{"X-After":"gather"}}],
    [{"verb":"gather","actionHook":"'"$dead"'/x","timeout":1},
     {"verb":"hangup","headers":{"X-After":"gather"}}],
    [{"verb":"answer"},{"verb":"redirect","actionHook":"/fobj"},
     {"verb":"hangup","headers":{"X-After":"redirect"}}],
    [{"verb":"answer"},{"verb":"redirect","actionHook":"/r500"},
     {"verb":"hangup","headers":{"X-After":"redirect"}}]
  ]},
  "/f500": {"status":500},
  "/f201": {"status":201,"body":[{"verb":"hangup","headers":{"X-From":"201"}}]},
  "/fbad": {"raw":"[{\"verb\":\"hangup\"","ctype":"application/json"},
  "/fobj": {"body":{"verb":"hangup","headers":{"X-From":"object"}}},
  "/r500": {"status":500}
}' f41l

start_tool wsappsrv.js
WSPORT=$TOOL_PORT
wslog() { curl -fsS "http://127.0.0.1:$WSPORT/_log"; }
A=11111111-aaaa-4aaa-8aaa-000000000253
APP=22222222-bbbb-4bbb-8bbb-00000000000
nums() { # 15551253001-006 run app 1 (HTTP), 007 app 2 (WebSocket)
	local i
	for i in 1 2 3 4 5 6 7; do
		printf '%s{"number": "1555125300%s", "account_sid": "%s", "application_sid": "%s%s"}' \
			"$([ $i = 1 ] || echo ,)" "$i" "$A" "$APP" "$([ $i = 7 ] && echo 2 || echo 1)"
	done
}
cat >"$WORK/directory.json" <<J
{
  "accounts": [{"account_sid": "$A", "name": "a", "is_active": true,
                "webhook_secret": "f41l"}],
  "applications": [
    {"application_sid": "22222222-bbbb-4bbb-8bbb-000000000001", "account_sid": "$A",
     "call_hook": {"url": "$HOOK/call"}, "call_status_hook": {"url": "$HOOK/status"}},
    {"application_sid": "22222222-bbbb-4bbb-8bbb-000000000002", "account_sid": "$A",
     "call_hook": {"url": "ws://127.0.0.1:$WSPORT/badhook"}}],
  "phone_numbers": [$(nums)]
}
J
start_fs main DIRECTORY_FILE="$WORK/directory.json"

errstatus() { # N EXPR: over the status hook's Nth error report
	json_get "$(hooks_log)" "(r => $2)(d.filter(r => r.path===\"/status\" && r.body.error)[$1].body)"
}

# 1-4. gather: 500, 201 with verbs, a truncated JSON body, nobody
#      listening: each reported, the verbs after the gather run
n=0
for c in 500:"answered 500" 201:"answered 201" bad:"invalid JSON" dead:"refused"; do
	name=${c%%:*}
	run_sipp "g$name" uac_srv_bye "1555125300$((n + 1))" || fail "g$name: call failed"
	wait_hooks "d.filter(r => r.path===\"/status\" && r.body.error).length > $n"
	assert_eq "$(errstatus $n r.error)" "invalid actionHook response" "g$name: error"
	assert_contains "$(errstatus $n r.reason)" "${c#*:}" "g$name: reason"
	assert_eq "$(errstatus $n r.call_status)" "in-progress" "g$name: call_status"
	assert_eq "$(byeh "g$name" X-After)" "gather" "g$name: the verb after the gather"
	assert_eq "$(byeh "g$name" X-From)" "" "g$name: the failed answer's verbs"
	n=$((n + 1))
done
assert_eq "$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/status" && r.body.error).length')" "4" \
	"error reports"

# 5. a redirect answered with a JSON object: ignored, the list goes on
run_sipp robj uac_srv_bye 15551253005 || fail "robj: call failed"
assert_eq "$(byeh robj X-After)" "redirect" "robj: the verb after the redirect"
assert_eq "$(byeh robj X-From)" "" "robj: the object's verb"

# 6. a redirect answered 500: the call ends there, the hangup after the
#    redirect does not run
run_sipp r500 uac_srv_bye 15551253006 || fail "r500: call failed"
assert_eq "$(byeh r500 X-After)" "" "r500: the verb after the redirect ran"
wait_log "$WORK/main.log" "redirect actionHook failed: answered 500; the call ends" 5

# 7. a WebSocket application: the gather's hook acked with a bad verb is
#    reported (jambonz:error, call:status with error) and the redirect
#    after it runs; its session:redirect acked the same way ends the
#    call rather than waiting for commands
start_rtpsink
run_sipp ws uac_srv_bye 15551253007 || fail "ws: call failed (not hung up?)"
wait_for 5 eval '[ "$(json_get "$(wslog)" "d.some(e => e.msg && e.msg.type===\"call:status\" && e.msg.data.call_status===\"completed\")")" = true ]' ||
	fail "ws: no completed call:status"
wl=$(wslog)
in='d.filter(e => e.path==="/badhook" && !e.out && e.msg).map(e => e.msg)'
echo "ws received: $(json_get "$wl" "$in.map(m => m.type + (m.hook ? \" \" + m.hook : \"\")).join()")"
assert_eq "$(json_get "$wl" "$in.find(m => m.type===\"jambonz:error\").data.msg")" \
	"invalid actionHook response" "ws: jambonz:error"
assert_eq "$(json_get "$wl" "$in.find(m => m.type===\"jambonz:error\").data.verb")" "gather" "ws: jambonz:error verb"
assert_eq "$(json_get "$wl" "$in.find(m => m.type===\"call:status\" && m.data.error).data.error")" \
	"invalid actionHook response" "ws: call:status error"
assert_eq "$(json_get "$wl" "$in.some(m => m.type===\"session:redirect\" && m.hook===\"/next\")")" "true" \
	"ws: the redirect after the gather ran"
wait_log "$WORK/main.log" "redirect actionHook failed: answer refused: .*; the call ends" 5
wait_idle
echo OK
