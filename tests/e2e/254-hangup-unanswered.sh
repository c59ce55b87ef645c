#!/usr/bin/env bash
# hangup on a call not answered yet is skipped and the verbs after it
# run, as jambonz's hangup task (its precondition, an answered call,
# fails); a list that then runs out rejects the call with 603, without
# the hangup's headers. On an answered call it sends the BYE with them.
source "$(dirname "$0")/25x_lib.sh"

start_hooks '{
  "/call": {"seq": [
    [{"verb":"hangup","headers":{"X-Skipped":"1"}},
     {"verb":"tag","data":{"after":"hangup"}},
     {"verb":"answer"},
     {"verb":"hangup","headers":{"X-After":"answer"}}],
    [{"verb":"hangup","headers":{"X-Skipped":"2"}}]
  ]}
}' h4ng
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status" DEFAULT_WEBHOOK_SECRET=h4ng

# 1. the first hangup is skipped: tag and answer run, the second hangs up
run_sipp skipped uac_srv_bye 15551254001 || fail "skipped: call failed"
assert_eq "$(byeh skipped X-After)" "answer" "BYE of the second hangup"
assert_eq "$(grep -c '^X-Skipped' "$WORK/skipped.msg")" "0" "the skipped hangup's header was sent"
wait_hooks 'd.some(r => r.path==="/status" && r.body.call_status==="completed")'
assert_eq "$(json_get "$(hooks_log)" 'd.find(r => r.path==="/status" && r.body.call_status==="completed").body.customerData.after')" \
	"hangup" "the tag after the skipped hangup"
wait_log "$WORK/main.log" "call not answered: hangup skipped" 5

# 2. a list of one hangup runs out: 603, without its header
run_sipp alone "$(mkscen uac_reject CODE=603)" 15551254002 || fail "alone: no 603"
assert_eq "$(grep -c '^X-Skipped' "$WORK/alone.msg")" "0" "the skipped hangup's header on the 603"
wait_idle
echo OK
