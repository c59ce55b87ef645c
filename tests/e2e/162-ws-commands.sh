#!/usr/bin/env bash
# Commands of a WebSocket application (tests/tools/wsappsrv.js /cmd) on
# an answered call playing speech: mute:status mutes then unmutes the
# caller's audio; tag sets customerData; dtmf sends a SIP INFO
# (application/dtmf, Signal=5, Duration=400, X-Reason: Dtmf, as jambonz);
# sip:request sends an in-dialog NOTIFY with its headers (an injected one
# refused) and body, and a MESSAGE; bad commands each get jambonz:error;
# config turns notifyEvents on; dial places a new call (createCall) to a
# UAS whose call_hook /dialed, relative, is taken from the app's host;
# redirect to a call_hook sends session:redirect (hook /newapp, the call's
# data with customerData) whose verbs replace the say, with verb:status
# for each. A REST updateCall with a new call_hook sends session:redirect
# too, and so does a redirect verb's actionHook. The counters of
# jambonz:error in /metrics.
source "$(dirname "$0")/lib_dial.sh"

node "$E2E_ROOT/tests/tools/wsappsrv.js" >"$WORK/wsapp.out" 2>"$WORK/wsapp.log" &
PIDS+=("$!")
wait_for 5 grep -q '^PORT ' "$WORK/wsapp.out" || fail "ws app server did not start"
WSPORT=$(sed -n 's/^PORT //p' "$WORK/wsapp.out")
WS="ws://127.0.0.1:$WSPORT"
wslog() { curl -fsS "http://127.0.0.1:$WSPORT/_log"; }

B=$(free_port)
A=11111111-aaaa-4aaa-8aaa-000000000001
cat >"$WORK/directory.json" <<J
{
  "accounts": [{"account_sid": "$A", "name": "a", "is_active": true}],
  "applications": [{"application_sid": "22222222-bbbb-4bbb-8bbb-000000000001", "account_sid": "$A",
     "call_hook": {"url": "$WS/cmd?dial=sip:dave@127.0.0.1:$B"}},
    {"application_sid": "22222222-bbbb-4bbb-8bbb-000000000002", "account_sid": "$A",
     "call_hook": {"url": "$WS/upd"}}],
  "phone_numbers": [{"number": "15556660001", "account_sid": "$A",
     "application_sid": "22222222-bbbb-4bbb-8bbb-000000000001"},
    {"number": "15556660002", "account_sid": "$A",
     "application_sid": "22222222-bbbb-4bbb-8bbb-000000000002"}]
}
J
start_fs main DIRECTORY_FILE="$WORK/directory.json"

# the caller answers the server's INFO, NOTIFY and MESSAGE, then its BYE
ok200() {
	cat <<'X'
<send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
X
}
python3 - "$E2E_ROOT/tests/e2e/sipp/uac_srv_bye.xml" "$WORK/uac_cmd.xml" "$(
	echo '<recv request="INFO"/>'; ok200
	echo '<recv request="NOTIFY"/>'; ok200
	echo '<recv request="MESSAGE"/>'; ok200
)" <<'PY'
import sys
src, dst, extra = sys.argv[1:]
s = open(src).read()
s = s.replace('<recv request="BYE"/>', extra + '\n  <recv request="BYE"/>', 1)
open(dst, 'w').write(s)
PY

start_rtpsink
start_uas dave "$B" "$(ring_scen 100)"
run_sipp cmd "$WORK/uac_cmd.xml" 15556660001 || fail "command call failed: $(tail -n 20 "$WORK/cmd.err" 2>/dev/null)"
wait_uas dave
rtp_quiet
log=$(wslog)
in='d.filter(e => e.path==="/cmd" && !e.out && e.msg).map(e => e.msg)'
echo "received: $(json_get "$log" "$in.map(m => m.type).join()")"
mark() { json_get "$log" "d.find(e => e.path===\"/cmd\" && e.mark===\"$1\"$2).at"; }

# mute:status: silence between the mute and the unmute, speech around
t_mute=$(mark mute:status ' && e.data==="mute"')
t_unmute=$(mark mute:status ' && e.data.mute_status==="unmute"')
q() { rtp_stat "d.log.filter(p => p[0] > $1 && p[0] < $2)$3"; }
[ "$(q 0 "$t_mute" '.filter(p => p[1]).length')" -ge 10 ] || fail "no speech before the mute"
muted=$(q $((t_mute + 150)) "$t_unmute" '.length')
[ "$muted" -ge 40 ] || fail "only $muted packets while muted"
assert_eq "$(q $((t_mute + 150)) "$t_unmute" '.filter(p => p[1]).length')" "0" "loud packets while muted"
[ "$(q $((t_unmute + 100)) $((t_unmute + 1500)) '.filter(p => p[1]).length')" -ge 10 ] || fail "no speech after the unmute"

# dtmf: an INFO as jambonz sends it
info=$(msg_first cmd '^INFO ')
assert_contains "$info" "Content-Type: application/dtmf" "dtmf content type"
assert_contains "$info" "X-Reason: Dtmf" "dtmf X-Reason"
assert_contains "$info" "Signal=5" "dtmf signal"
assert_contains "$info" "Duration=400" "dtmf duration"
# sip:request: headers and body; the header with a line break refused
notify=$(msg_first cmd '^NOTIFY ')
assert_contains "$notify" "X-Test: one" "NOTIFY header"
assert_contains "$notify" "Event: foo" "NOTIFY Event"
assert_contains "$notify" "Content-Type: text/plain" "NOTIFY content type"
assert_contains "$notify" "hello" "NOTIFY body"
grep -q "X-Injected" <<<"$notify" && fail "header injected into the NOTIFY"
grep -q "X-Evil" <<<"$notify" && fail "header with a line break sent"
grep -q "sip:request header 'X-Evil' refused" "$WORK/main.log" || fail "refused header not logged"
grep -q '^X-Injected' "$WORK/main.log" && fail "header value reached the log unescaped"
message=$(msg_first cmd '^MESSAGE ')
assert_contains "$message" "hi there" "MESSAGE body"
grep -q "NOTIFY answered 200" "$WORK/main.log" || fail "NOTIFY's answer not logged"
grep -q "MESSAGE answered 200" "$WORK/main.log" || fail "MESSAGE's answer not logged"

# bad commands: a jambonz:error each, the call goes on
errs="$in.filter(m => m.type===\"jambonz:error\").map(m => m.data.details)"
echo "errors: $(json_get "$log" "$errs.join(\" | \")")"
assert_eq "$(json_get "$log" "$errs.length")" "6" "jambonz:error for each bad command"
assert_contains "$(json_get "$log" "$errs.join()")" "mute_status must be mute or unmute" "bad mute_status"
assert_contains "$(json_get "$log" "$errs.join()")" "method must be INFO, NOTIFY or MESSAGE" "bad method"
assert_contains "$(json_get "$log" "$errs.join()")" "whisper without whisper" "whisper"

# redirect to a call_hook: session:redirect, with the tag's customerData
red="$in.find(m => m.type===\"session:redirect\")"
assert_eq "$(json_get "$log" "$red.hook")" "/newapp" "session:redirect hook"
assert_eq "$(json_get "$log" "$red.data.customerData.order")" "42" "customerData after tag"
assert_eq "$(json_get "$log" "$red.data.call_sid === $in[0].call_sid")" "true" "session:redirect call_sid"
# config's notifyEvents: verb:status for the say it stopped and the new verbs
vs="$in.filter(m => m.type===\"verb:status\").map(m => m.data.event + \":\" + m.data.name + \":\" + (m.data.id || \"\")).join()"
echo "verb:status: $(json_get "$log" "$vs")"
assert_contains "$(json_get "$log" "$vs")" "finished:say:,starting:pause:p9,finished:pause:p9,starting:hangup:h9" "verb:status"

# dial: a new outbound call with its own socket to /dialed
dn='d.find(e => e.path==="/dialed" && e.msg && e.msg.type==="session:new")'
assert_eq "$(json_get "$log" "$dn.msg.data.direction")" "outbound" "dialed call direction"
assert_eq "$(json_get "$log" "$dn.msg.data.from")" "15550001234" "dialed call from"
assert_eq "$(json_get "$log" 'd.filter(e => e.event==="upgrade" && e.path==="/dialed").length')" "1" "dialed call's socket"
assert_eq "$(msg_count dave '^BYE sip:')" "1" "BYE to the dialed party"

# REST updateCall with a call_hook: session:redirect over the socket
run_sipp upd uac_srv_bye 15556660002 &
UP=$!
ws_new() { [ "$(json_get "$(wslog)" 'd.some(e => e.path==="/upd" && e.msg && e.msg.type==="session:new")')" = true ]; }
wait_for 10 ws_new || fail "no session:new on /upd"
sid=$(json_get "$(wslog)" 'd.find(e => e.path==="/upd" && e.msg && e.msg.type==="session:new").msg.call_sid')
sleep 0.5 # fixed delay: the say is playing
r=$(post "/v1/updateCall/$sid" '{"call_hook":"/rest"}')
assert_eq "${r%% *}" "202" "updateCall call_hook"
wait "$UP" || fail "updated call: no BYE"
log=$(wslog)
red='d.find(e => e.path==="/upd" && e.msg && e.msg.type==="session:redirect").msg'
assert_eq "$(json_get "$log" "$red.hook")" "/rest" "updateCall: session:redirect hook"
assert_eq "$(json_get "$log" "$red.call_sid")" "$sid" "updateCall: session:redirect call_sid"
# the redirect verb's actionHook is a session:redirect too
assert_eq "$(json_get "$log" 'd.filter(e => e.path==="/upd" && e.msg && e.msg.type==="session:redirect").map(e => e.msg.hook).join()')" \
	"/rest,/r2" "session:redirect for the update and the redirect verb"
assert_eq "$(json_get "$log" 'd.filter(e => e.path==="/upd" && e.msg && e.msg.type==="verb:hook").length')" "0" "no verb:hook on /upd"

m=$(curl -fsS "$FS_HTTP/metrics")
echo "websocket: $(json_get "$m" 'JSON.stringify(d.websocket)')"
assert_eq "$(json_get "$m" d.websocket.errors_sent_total)" "6" "errors_sent_total"
assert_eq "$(json_get "$m" d.websocket.opened_total)" "3" "opened_total"
server_alive || fail "server died"
wait_idle
echo OK
