#!/usr/bin/env bash
# sip:request: an INFO (method in lower case, sent upper) with the verb's
# body (a line end added, as jambonz) and headers, its Content-Type from
# them; a header with a line break and the stack's own Via are left out
# and logged escaped. The actionHook gets {result: success, sipStatus}
# for the 200 and for a NOTIFY the caller answers 489; a method that ends
# dialogs (BYE) is not sent: {result: failed, err}. On a call not
# answered the verb is skipped (jambonz's StableCall) and the list goes
# on to its sip:decline, without an INFO.
source "$(dirname "$0")/20x_lib.sh"

start_hooks '{
  "/call": {"seq": [
    [{"verb":"answer"},
     {"verb":"sip:request","method":"info","body":"hello=1",
      "headers":{"Content-Type":"application/x-test","X-Custom":"a b",
                 "X-Evil":"x\r\nContact: <sip:evil@10.6.6.6>","Via":"SIP/2.0/UDP 10.6.6.6"},
      "actionHook":"/r1"}],
    [{"verb":"sip:request","method":"INFO","actionHook":"/never"},
     {"verb":"sip:decline","status":486}]
  ]},
  "/r1": [{"verb":"sip:request","method":"NOTIFY","headers":{"Event":"test"},"actionHook":"/r2"}],
  "/r2": [{"verb":"sip:request","method":"BYE","actionHook":"/r3"}],
  "/r3": [{"verb":"hangup"}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status"

acts="<recv request=\"INFO\"/>$(x_reply "200 OK")<recv request=\"NOTIFY\"/>$(x_reply "489 Bad Event")"
start_rtpsink
run_sipp req "$(mkscen uac_answer ACTIONS="$acts")" 15551232101 || fail "sip:request call failed"
info=$(awk '/^INFO sip:/,/^hello/' "$WORK/req.msg" | tr -d '\r')
assert_contains "$info" "^Content-Type: application/x-test" "INFO Content-Type"
assert_contains "$info" "^X-Custom: a b" "INFO header"
assert_contains "$info" "^hello=1$" "INFO body"
assert_contains "$info" "^Content-Length: 8$" "body with its line end"
grep -q "evil" <<<"$info" && fail "a header with a line break went out"
assert_eq "$(grep -c '^Via:' <<<"$info")" "1" "one Via (the stack's)"
notify=$(awk '/^NOTIFY sip:/,/^Content-Length/' "$WORK/req.msg" | tr -d '\r')
assert_contains "$notify" "^Event: test" "NOTIFY header"
grep -q "^BYE sip:.*" <(awk '/^BYE sip:/' "$WORK/req.msg") || fail "no BYE from the hangup"
wait_hooks 'd.some(r => r.path==="/r3")'
log=$(hooks_log)
assert_eq "$(json_get "$log" 'd.find(r => r.path==="/r1").body.result')" "success" "/r1 result"
assert_eq "$(json_get "$log" 'd.find(r => r.path==="/r1").body.sipStatus')" "200" "/r1 sipStatus"
assert_eq "$(json_get "$log" 'd.find(r => r.path==="/r2").body.sipStatus')" "489" "/r2 sipStatus"
assert_eq "$(json_get "$log" 'd.find(r => r.path==="/r3").body.result')" "failed" "/r3 result"
assert_eq "$(json_get "$log" 'd.find(r => r.path==="/r3").body.err')" "invalid request" "/r3 err"
mlog=$(cat "$WORK/main.log")
assert_contains "$mlog" "sip:request header 'X-Evil' refused: .*'x\\\\r\\\\nContact: <sip:evil@10.6.6.6>'" "refused header logged escaped"
assert_contains "$mlog" "sip:request header 'Via' refused" "Via refused"
grep -q "BYE sent" <<<"$mlog" && fail "BYE sent as a sip:request"

# 2: not answered: skipped, the decline follows
run_sipp unanswered "$(mkscen uac_reject CODE=486)" 15551232102 || fail "unanswered call failed"
grep -q "^INFO sip:" "$WORK/unanswered.msg" && fail "INFO on a call not answered"
assert_contains "$(cat "$WORK/main.log")" "sip:request: .*: the call is not answered: skipped" "skip logged"
json_get "$(hooks_log)" 'd.some(r => r.path==="/never")' | grep -q true && fail "actionHook of a skipped sip:request"
wait_idle
server_alive
echo OK
