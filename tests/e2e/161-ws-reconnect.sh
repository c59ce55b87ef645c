#!/usr/bin/env bash
# WebSocket applications whose socket drops (tests/tools/wsappsrv.js):
# reconnected after the back-off (500 ms), session:reconnect on the new
# socket with session:new's call data, verb:status (notifyEvents) sent
# while the socket was down delivered after it, a verb:hook over the new
# socket whose ack ends the call; a drop before session:new is acked,
# answered by the ack of session:reconnect; a server that never comes
# back (#rc=2&rp=4xx: three more refused handshakes, 0.5 + 1 + 2 s
# apart) and one allowing no reconnect (#rc=1): the call ends with a log
# line; a first connect refused is tried again before the 480; an app
# closing its socket with 1000 is not reconnected (the verbs left run,
# its actionHook gets nothing new, the call ends after them), one
# closing with 1001 is; the websocket counters of /metrics.
source "$(dirname "$0")/lib.sh"

node "$E2E_ROOT/tests/tools/wsappsrv.js" >"$WORK/wsapp.out" 2>"$WORK/wsapp.log" &
PIDS+=("$!")
wait_for 5 grep -q '^PORT ' "$WORK/wsapp.out" || fail "ws app server did not start"
WSPORT=$(sed -n 's/^PORT //p' "$WORK/wsapp.out")
WS="ws://127.0.0.1:$WSPORT"
wslog() { curl -fsS "http://127.0.0.1:$WSPORT/_log"; }
ws_true() { [ "$(json_get "$(wslog)" "$1")" = "true" ]; }
wait_ws() { wait_for "${2:-10}" ws_true "$1" || fail "ws app log never satisfied: $1"; }

A=11111111-aaaa-4aaa-8aaa-000000000001
app() { # N PATH
	printf '{"application_sid": "22222222-bbbb-4bbb-8bbb-00000000000%s", "account_sid": "%s",
	  "call_hook": {"url": "%s%s"}}' "$1" "$A" "$WS" "$2"
}
num() { # N
	printf '{"number": "1555777000%s", "account_sid": "%s", "application_sid": "22222222-bbbb-4bbb-8bbb-00000000000%s"}' \
		"$1" "$A" "$1"
}
cat >"$WORK/directory.json" <<J
{
  "accounts": [{"account_sid": "$A", "name": "a", "is_active": true}],
  "applications": [$(app 1 /rc), $(app 2 /rcnew), $(app 3 '/gone#rc=2&rp=4xx'),
                   $(app 4 '/gone1#rc=1'), $(app 6 /bye), $(app 7 /bye1001),
                   {"application_sid": "22222222-bbbb-4bbb-8bbb-000000000005", "account_sid": "$A",
                    "call_hook": {"url": "ws://127.0.0.1:$(free_port)/nobody#rc=1"}}],
  "phone_numbers": [$(num 1), $(num 2), $(num 3), $(num 4), $(num 5), $(num 6), $(num 7)]
}
J
start_fs main DIRECTORY_FILE="$WORK/directory.json"

# 1. a drop mid-call: reconnected, the call goes on
t0=$(date +%s%3N)
run_sipp rc uac_srv_bye 15557770001 || fail "reconnected call: no BYE"
dt=$(($(date +%s%3N) - t0))
echo "rc: call lasted $dt ms"
log=$(wslog)
ups='d.filter(e => e.event==="upgrade" && e.path==="/rc")'
assert_eq "$(json_get "$log" "$ups.length")" "2" "handshakes on /rc"
in='d.filter(e => e.path==="/rc" && !e.out && e.msg).map(e => e.msg)'
echo "rc received: $(json_get "$log" "$in.map(m => m.type + (m.type===\"verb:status\" ? \":\" + m.data.event + \":\" + m.data.name : \"\")).join()")"
new="$in.find(m => m.type===\"session:new\")"
rc="$in.find(m => m.type===\"session:reconnect\")"
assert_eq "$(json_get "$log" "$rc !== undefined")" "true" "session:reconnect received"
assert_eq "$(json_get "$log" "$rc.call_sid === $new.call_sid")" "true" "session:reconnect call_sid"
assert_eq "$(json_get "$log" "$rc.msgid !== $new.msgid")" "true" "session:reconnect has its own msgid"
for k in call_sid direction from to call_id sip; do
	assert_eq "$(json_get "$log" "JSON.stringify($rc.data.$k) === JSON.stringify($new.data.$k)")" \
		"true" "session:reconnect data.$k as session:new's"
done
# the reconnect came after the 500 ms back-off and the held handshake
gap=$(json_get "$log" "$ups[1].at - d.find(e => e.path===\"/rc\" && e.msg && e.msg.type===\"session:new\").at")
echo "rc: second handshake $gap ms after session:new"
[ "$gap" -ge 900 ] && [ "$gap" -le 2500 ] || fail "reconnect after $gap ms"
# verb:status: config turned it on, the pause and gather carry their ids
vs="$in.filter(m => m.type===\"verb:status\").map(m => m.data.event + \":\" + m.data.name + \":\" + (m.data.id || \"\")).join()"
assert_contains "$(json_get "$log" "$vs")" \
	"finished:config:,starting:pause:p1,finished:pause:p1,starting:gather:g1,finished:gather:g1" "verb:status sequence"
# the pause ended while the socket was down: its verb:status waited,
# then went out after session:reconnect, on the new socket
at_rc=$(json_get "$log" "d.find(e => e.path===\"/rc\" && e.msg && e.msg.type===\"session:reconnect\").at")
at_fp=$(json_get "$log" "d.find(e => e.path===\"/rc\" && e.msg && e.msg.type===\"verb:status\" && e.msg.data.event===\"finished\" && e.msg.data.name===\"pause\").at")
[ "$at_fp" -ge "$at_rc" ] || fail "pause's verb:status ($at_fp) before session:reconnect ($at_rc)"
assert_eq "$(json_get "$log" "$in.filter(m => m.type===\"verb:status\" && m.data.event===\"finished\" && m.data.name===\"pause\").length")" \
	"1" "pause's verb:status once"
# the gather's actionHook over the new socket, acked with hangup
hook="$in.find(m => m.type===\"verb:hook\")"
assert_eq "$(json_get "$log" "$hook.hook")" "/after" "verb:hook after the reconnect"
assert_eq "$(json_get "$log" "$hook.data.reason")" "timeout" "verb:hook reason"
grep -q "websocket closed by the application; reconnecting in 500 ms" "$WORK/main.log" ||
	fail "drop not logged"
grep -q "connected to .*/rc again" "$WORK/main.log" || fail "reconnect not logged"

# 2. a drop before session:new is acked: session:reconnect's ack answers it
run_sipp rcnew uac_srv_bye 15557770002 || fail "reconnect before the ack: no BYE"
log=$(wslog)
in='d.filter(e => e.path==="/rcnew" && !e.out && e.msg).map(e => e.msg)'
out='d.filter(e => e.path==="/rcnew" && e.out).map(e => e.msg)'
assert_eq "$(json_get "$log" "$in.map(m => m.type).filter(t => t.startsWith(\"session\")).join()")" \
	"session:new,session:reconnect" "session messages on /rcnew"
assert_eq "$(json_get "$log" "$out.filter(m => m.type===\"ack\").map(m => m.msgid).join()")" \
	"$(json_get "$log" "$in.find(m => m.type===\"session:reconnect\").msgid")" "the ack answers session:reconnect"
assert_eq "$(json_get "$log" "$in.filter(m => m.type===\"call:status\").map(m => m.data.call_status).slice(0, 2).join()")" \
	"trying,in-progress" "call:status after the ack"

# 3. a server that never comes back: the call ends after the last attempt
run_sipp gone uac_srv_bye 15557770003 || fail "server gone: no BYE"
dt=$(msg_span gone)  # sipp's start-up under load is not ours
echo "gone: call ended after $dt ms"
log=$(wslog)
ups='d.filter(e => e.event==="upgrade" && e.path==="/gone")'
assert_eq "$(json_get "$log" "$ups.length")" "4" "handshakes on /gone (1 + 3 attempts)"
assert_eq "$(json_get "$log" "$ups[0].url")" "/gone" "URL fragment not sent"
d1=$(json_get "$log" "$ups[2].at - $ups[1].at")
d2=$(json_get "$log" "$ups[3].at - $ups[2].at")
echo "gone: retries $d1 ms and $d2 ms apart"
[ "$d1" -ge 900 ] && [ "$d1" -le 1600 ] || fail "second retry after $d1 ms"
[ "$d2" -ge 1900 ] && [ "$d2" -le 2700 ] || fail "third retry after $d2 ms"
[ "$dt" -ge 3500 ] && [ "$dt" -le 9000 ] || fail "gone: call lasted $dt ms"
grep -q "websocket handshake refused; reconnecting failed after 3 attempts: the call ends" "$WORK/main.log" ||
	fail "last attempt not logged"

# 4. #rc=1: no reconnect at all
run_sipp gone1 uac_srv_bye 15557770004 || fail "rc=1: no BYE"
assert_eq "$(json_get "$(wslog)" 'd.filter(e => e.event==="upgrade" && e.path==="/gone1").length')" "1" "handshakes on /gone1"
grep -q "websocket closed by the application; the call ends (no reconnect left)" "$WORK/main.log" ||
	fail "no reconnect left not logged"

# 5. the first connect is refused (nothing listens): tried once more
# 500 ms later (#rc=1, rp ct), then the call is rejected with 480
scen=$(mkscen uac_reject CODE=480)
run_sipp nobody "$scen" 15557770005 || fail "refused first connect: no 480"
dt=$(msg_span nobody)  # sipp's start-up under load is not ours
echo "nobody: rejected after $dt ms"
[ "$dt" -ge 450 ] && [ "$dt" -le 3000 ] || fail "refused first connect: rejected after $dt ms"
grep -q "/nobody#rc=1: websocket connect failed: .*try 2 of 2 in 500 ms" "$WORK/main.log" ||
	fail "retry of the first connect not logged"

# 6. the app closes with 1000: not reconnected; the pause, the gather
# (its actionHook answered by nothing) and the say run, then the BYE
t0=$(date +%s%3N)
run_sipp bye uac_srv_bye 15557770006 || fail "closed with 1000: no BYE"
dt=$(($(date +%s%3N) - t0))
echo "bye: call lasted $dt ms"
[ "$dt" -ge 2000 ] || fail "closed with 1000: the call ended after $dt ms, before its verbs"
assert_eq "$(json_get "$(wslog)" 'd.filter(e => e.event==="upgrade" && e.path==="/bye").length')" "1" "handshakes on /bye"
grep -q "/bye: the application closed the socket (1000): no reconnect" "$WORK/main.log" ||
	fail "close 1000 not logged"

# 7. closed with 1001: reconnected, session:reconnect acked
run_sipp bye1001 uac_srv_bye 15557770007 || fail "closed with 1001: no BYE"
log=$(wslog)
assert_eq "$(json_get "$log" 'd.filter(e => e.event==="upgrade" && e.path==="/bye1001").length')" "2" "handshakes on /bye1001"
assert_eq "$(json_get "$log" 'd.filter(e => e.path==="/bye1001" && !e.out && e.msg && e.msg.type==="session:reconnect").length')" \
	"1" "session:reconnect after 1001"

# the counters: 9 handshakes done, 3 of them reconnects, 5 failed
m=$(curl -fsS "$FS_HTTP/metrics")
echo "websocket: $(json_get "$m" 'JSON.stringify(d.websocket)')"
assert_eq "$(json_get "$m" d.websocket.opened_total)" "9" "opened_total"
assert_eq "$(json_get "$m" d.websocket.reconnects_total)" "3" "reconnects_total"
assert_eq "$(json_get "$m" d.websocket.handshake_failures_total)" "5" "handshake_failures_total"
assert_eq "$(json_get "$m" d.websocket.open)" "0" "open"
[ "$(json_get "$m" d.websocket.messages_in_total)" -ge 6 ] || fail "messages_in_total"
[ "$(json_get "$m" d.websocket.messages_out_total)" -ge 15 ] || fail "messages_out_total"
text=$(curl -fsS "$FS_HTTP/metrics?format=prometheus" 2>/dev/null || curl -fsS -H 'Accept: text/plain' "$FS_HTTP/metrics")
assert_contains "$text" "fs_websocket_reconnects_total 3" "prometheus reconnects"
server_alive || fail "server died"
wait_idle
echo OK
