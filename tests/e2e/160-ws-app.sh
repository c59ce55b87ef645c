#!/usr/bin/env bash
# WebSocket applications (a ws:// call_hook), against an app written with
# @jambonz/node-client-ws: the handshake (subprotocol ws.jambonz.org,
# basic auth, User-Agent); session:new acked with a gather; its
# actionHook as verb:hook over the same socket, whose ack (say + hangup)
# ends the call; call:status over the socket; msgid and call_sid on
# every message, acks paired with them; hostile messages answered with
# jambonz:error without ending the call; the redirect (also with
# queueCommand, and before the first ack) and call:status commands; a
# message over JAMBONES_WS_MAX_PAYLOAD, and a cut socket whose reconnect
# is refused, ending the call; a refused handshake and an unacked
# session:new rejected with 480 and an X-Reason.
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
	  "call_hook": {"url": "%s%s", "username": "wsuser", "password": "wspass"}}' \
		"$1" "$A" "$WS" "$2"
}
num() { # N
	printf '{"number": "1555888000%s", "account_sid": "%s", "application_sid": "22222222-bbbb-4bbb-8bbb-00000000000%s"}' \
		"$1" "$A" "$1"
}
cat >"$WORK/directory.json" <<J
{
  "accounts": [{"account_sid": "$A", "name": "a", "is_active": true}],
  "applications": [$(app 1 /app), $(app 2 /redirect), $(app 3 /hangup),
                   $(app 4 /big), $(app 5 /drop), $(app 6 /nope),
                   $(app 7 /queue), $(app 8 /early), $(app 9 /noack)],
  "phone_numbers": [$(num 1), $(num 2), $(num 3), $(num 4), $(num 5), $(num 6), $(num 7), $(num 8), $(num 9)]
}
J
start_fs main DIRECTORY_FILE="$WORK/directory.json" \
	JAMBONES_WS_API_MSG_RESPONSE_TIMEOUT=1000

# say + gather, digits 1 2, the actionHook over the socket, say + hangup
start_rtpsink
scen=$(mkscen uac_answer ACTIONS="$(x_pause 1500; x_dtmf 12 300)")
run_sipp gather "$scen" 15558880001 || fail "gather call failed"
wait_ws 'd.some(e => e.path==="/app" && e.msg && e.msg.type==="call:status" && e.msg.data.call_status==="completed")'
log=$(wslog)
up='d.find(e => e.event==="upgrade" && e.path==="/app")'
assert_eq "$(json_get "$log" "$up.headers[\"sec-websocket-protocol\"]")" "ws.jambonz.org" "subprotocol"
assert_eq "$(json_get "$log" "$up.headers.authorization")" \
	"Basic $(printf 'wsuser:wspass' | base64)" "basic auth"
assert_eq "$(json_get "$log" "$up.headers[\"user-agent\"]")" "jambonz" "user agent"
in='d.filter(e => e.path==="/app" && !e.out && e.msg).map(e => e.msg)'
out='d.filter(e => e.path==="/app" && e.out).map(e => e.msg)'
echo "received: $(json_get "$log" "$in.map(m => m.type).join()")"
new="$in[0]"
assert_eq "$(json_get "$log" "$new.type")" "session:new" "first message"
assert_eq "$(json_get "$log" "$new.data.call_status")" "trying" "status in session:new"
sid=$(json_get "$log" "$new.call_sid")
[ -n "$sid" ] && [ "$sid" != "undefined" ] || fail "session:new without call_sid"
assert_eq "$(json_get "$log" "$new.data.call_sid === $new.call_sid")" "true" "data.call_sid"
for k in direction from to call_id account_sid application_sid sip defaults env_vars; do
	assert_eq "$(json_get "$log" "$new.data.$k !== undefined")" "true" "session:new data has $k"
done
assert_eq "$(json_get "$log" "$in.every(m => m.call_sid === \"$sid\" && typeof m.msgid === \"string\")")" \
	"true" "call_sid and msgid on every message"
assert_eq "$(json_get "$log" "$in.filter(m => m.type===\"jambonz:error\").length")" "3" "jambonz:error for each hostile message"
assert_eq "$(json_get "$log" "$in.filter(m => m.type===\"jambonz:error\").every(m => m.data.msg===\"InvalidMessage\")")" \
	"true" "jambonz:error data.msg"
hook="$in.find(m => m.type===\"verb:hook\")"
assert_eq "$(json_get "$log" "$hook.hook")" "/digits" "verb:hook hook"
assert_eq "$(json_get "$log" "$hook.data.digits")" "12" "verb:hook digits"
assert_eq "$(json_get "$log" "$hook.data.reason")" "dtmfDetected" "verb:hook reason"
# each ack names the msgid of the message it answers
acks="$out.filter(m => m.type===\"ack\").map(m => m.msgid).join()"
assert_eq "$(json_get "$log" "$acks")" \
	"$(json_get "$log" "[$new.msgid, $hook.msgid].join()")" "acks pair with session:new and verb:hook"
assert_eq "$(json_get "$log" "$in.filter(m => m.type===\"call:status\").map(m => m.data.call_status).join()")" \
	"trying,in-progress,completed" "call:status over the socket"
rtp_quiet
[ "$(rtp_stat d.nonsilent)" -ge 25 ] || fail "speech not heard"

# a call the server hangs up, which must end within MIN..MAX ms
timed() { # NAME NUMBER MIN MAX WHAT
	local t0 dt
	t0=$(date +%s%3N)
	run_sipp "$1" uac_srv_bye "$2" || fail "$1: call failed"
	dt=$(($(date +%s%3N) - t0))
	echo "$1: $dt ms"
	[ "$dt" -ge "$3" ] && [ "$dt" -le "$4" ] || fail "$1: $5 ($dt ms)"
}
# redirect command: the 20 s pause is replaced at once
timed redirect 15558880002 0 8000 "the redirect did not replace the pause"
# redirect with queueCommand: the hangup waits for the 2 s pause
timed queue 15558880007 2000 8000 "the queued hangup did not wait for the pause"
# a redirect before the ack of session:new: the ack's hangup replaces it
timed early 15558880008 0 5000 "the ack after an early redirect did not replace its verbs"
# call:status completed: hung up at once
timed hangup 15558880003 0 5000 "call:status completed did not hang up"

# a message over JAMBONES_WS_MAX_PAYLOAD, then a cut socket: hung up
run_sipp big uac_srv_bye 15558880004 || fail "oversized message: no BYE"
grep -q "larger than JAMBONES_WS_MAX_PAYLOAD" "$WORK/main.log" ||
	fail "oversized message not logged"
run_sipp drop uac_srv_bye 15558880005 || fail "cut socket: no BYE"
grep -Eq "websocket (lost|closed)" "$WORK/main.log" || fail "cut socket not logged"

# refused handshake: 480 with X-Reason
scen=$(mkscen uac_reject CODE=480)
run_sipp refused "$scen" 15558880006 || fail "refused handshake: no 480"
xr=$(awk '/^SIP\/2.0 480 /,/^$/' "$WORK/refused.msg" | sed -n 's/^X-Reason: //p' | tr -d '\r')
echo "refused: X-Reason: $xr"
grep -qi "handshake refused" <<<"$xr" || fail "X-Reason '$xr'"

# session:new never acked: 480 once the handshake and ack time are up
run_sipp noack "$scen" 15558880009 || fail "unacked session:new: no 480"
# timed from sipp's own trace: its start-up under load is not ours
dt=$(($(msg_at noack '^SIP/2.0 480') - $(msg_at noack '^INVITE ')))
xr=$(awk '/^SIP\/2.0 480 /,/^$/' "$WORK/noack.msg" | sed -n 's/^X-Reason: //p' | tr -d '\r')
echo "noack: X-Reason: $xr ($dt ms)"
grep -q "JAMBONES_WS_API_MSG_RESPONSE_TIMEOUT" <<<"$xr" || fail "X-Reason '$xr'"
[ "$dt" -ge 900 ] && [ "$dt" -le 4000 ] || fail "no ack: rejected after $dt ms"

grep -q "invalid message from the application" "$WORK/main.log" ||
	fail "hostile messages not logged"
server_alive || fail "server died"
wait_idle
echo OK
