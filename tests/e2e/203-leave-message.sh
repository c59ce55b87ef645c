#!/usr/bin/env bash
# message: no SMS gateway here, so as jambonz without an SMPP gateway
# the actionHook gets {message_sid (a new UUID, or the verb's),
# message_status: "no carriers"}, a log line says so and the application
# goes on. leave outside a queue or conference waits, as jambonz's task
# does, until the call ends: the verbs after it never run, the caller's
# BYE ends the call.
source "$(dirname "$0")/lib.sh"

start_hooks '{
  "/call": {"seq": [
    [{"verb":"answer"},
     {"verb":"message","to":"+15551234567","from":"+15557654321","text":"hi\r\nthere",
      "actionHook":"/msg"}],
    [{"verb":"answer"},
     {"verb":"message","to":"+1555\r\nX","from":"+15557654321","message_sid":"my-sid-1"},
     {"verb":"pause","length":0.3},{"verb":"hangup"}]
  ]},
  "/msg": [{"verb":"leave"},{"verb":"hangup"}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status"

# 1: message's outcome, then leave holds the call until the caller's BYE
start_rtpsink
run_sipp leave "$(mkscen uac_bye ACTIONS="$(x_pause 2000)" CSEQ=2)" 15551232301 || fail "leave call failed"
wait_hooks 'd.some(r => r.path==="/msg")'
log=$(hooks_log)
m='d.find(r => r.path==="/msg").body'
assert_eq "$(json_get "$log" "$m.message_status")" "no carriers" "message_status"
[[ $(json_get "$log" "$m.message_sid") =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] ||
	fail "message_sid not a UUID: $(json_get "$log" "$m.message_sid")"
msgs=$(cat "$WORK/leave.msg")
grep -q "^BYE sip:15550001111\|^BYE sip:sipp" <<<"$msgs" && fail "the server hung up: the hangup after leave ran"
assert_contains "$(cat "$WORK/main.log")" "message: .*: SMS to '+15551234567' not sent: this server has no SMS (SMPP) gateway" "message log line"
assert_contains "$(cat "$WORK/main.log")" "leave: .*: not in a queue or conference" "leave log line"
wait_hooks 'd.filter(r => r.path==="/status" && r.body.call_status==="completed").length===1'
sid=$(json_get "$(hooks_log)" 'd.find(r => r.path==="/call").body.call_sid')
assert_contains "$(cat "$WORK/main.log")" "$sid: ended: completed (OK by caller)" "the caller ended it"

# 2: no actionHook: the list goes on; the verb's message_sid; the
# number logged escaped
run_sipp msg2 uac_srv_bye 15551232302 || fail "message without actionHook failed"
assert_contains "$(cat "$WORK/msg2.msg")" "^BYE sip:" "the hangup after message ran"
assert_contains "$(cat "$WORK/main.log")" "SMS to '+1555\\\\r\\\\nX' not sent: .*message_sid my-sid-1" "message_sid and escaped number"
wait_idle
server_alive
echo OK
