#!/usr/bin/env bash
# conference in a WebSocket application (tests/tools/wsappsrv.js /conf):
# the statusHook's join and leave and the actionHook go over the socket
# as verb:hook; the commands conf:mute-status (a bad value answered with
# jambonz:error), conf:hold-status and conf:participant-action reach
# the member, and a kick ends the verb, whose actionHook's answer
# (hangup) ends the call.
source "$(dirname "$0")/lib.sh"

node "$E2E_ROOT/tests/tools/wsappsrv.js" >"$WORK/wsapp.out" 2>"$WORK/wsapp.log" &
PIDS+=("$!")
wait_for 5 grep -q '^PORT ' "$WORK/wsapp.out" || fail "ws app server did not start"
WSPORT=$(sed -n 's/^PORT //p' "$WORK/wsapp.out")
wslog() { curl -fsS "http://127.0.0.1:$WSPORT/_log"; }
start_fs main DEFAULT_CALL_HOOK="ws://127.0.0.1:$WSPORT/conf"

run_sipp conf "$(mkscen uac_answer)" 15552202001 || fail "the call did not end after the kick"
log=$(wslog)
hooks() { json_get "$log" "d.filter(e => e.msg && e.msg.type===\"verb:hook\" && e.msg.hook===\"$1\")$2"; }
assert_eq "$(hooks /cstatus '.map(e => e.msg.data.event + ":" + e.msg.data.members).join()')" "join:1,leave:0" "statusHook over the socket"
assert_eq "$(hooks /cstatus '.every(e => e.msg.data.conferenceSid.endsWith(":wsroom") && e.msg.data.call_sid)')" "true" "statusHook payloads"
assert_eq "$(hooks /cdone '.length')" "1" "the actionHook after the kick"
assert_eq "$(json_get "$log" 'd.filter(e => e.msg && e.msg.type==="jambonz:error").length')" "1" "jambonz:error for the bad conf:mute-status"
for l in "conf:mute-status without conf_mute_status mute or unmute" \
	"conf:mute-status applied" "wsroom: muting non-moderators" \
	"conf:hold-status applied" "wsroom: on hold" "wsroom: off hold" \
	"conf:participant-action applied" "wsroom: out (kicked)"; do
	grep -q "$l" "$WORK/main.log" || fail "no log line: $l"
done
wait_idle
server_alive
echo "PASS"
