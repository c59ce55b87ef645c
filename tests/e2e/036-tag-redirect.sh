#!/usr/bin/env bash
# tag sets customerData in every later hook; redirect posts to its
# actionHook and the verbs it answers replace the rest of the list. The
# call hook has basic auth, which the relative actionHook inherits.
source "$(dirname "$0")/lib.sh"

start_hooks '{
  "/call": [{"verb":"tag","data":{"crm":"abc","n":5}},
            {"verb":"say","text":"One moment."},
            {"verb":"redirect","actionHook":"/redir"},
            {"verb":"hangup","headers":{"X-Orig":"1"}}],
  "/redir": [{"verb":"tag","data":{"crm":"xyz"}},
             {"verb":"pause","length":0.5},
             {"verb":"hangup","headers":{"X-From":"redirect"}}]
}' t4g
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status" DEFAULT_WEBHOOK_SECRET=t4g \
	DEFAULT_CALL_HOOK_USERNAME=app DEFAULT_CALL_HOOK_PASSWORD=pw:1
start_rtpsink
run_sipp redir uac_srv_bye 15551230022 || fail "call failed"
wait_hooks 'd.some(r => r.path==="/status" && r.body.call_status==="completed")'

log=$(hooks_log)
first='d.find(r => r.path==="/call").body'
redir='d.find(r => r.path==="/redir")'
assert_eq "$(json_get "$log" "$first.customerData === undefined")" "true" "no customerData before tag"
assert_eq "$(json_get "$log" "$redir !== undefined")" "true" "redirect hook called"
assert_eq "$(json_get "$log" "$redir.method")" "POST" "redirect method"
assert_eq "$(json_get "$log" "$redir.sig")" "ok" "redirect signature"
basic="Basic $(printf 'app:pw:1' | base64)"
assert_eq "$(json_get "$log" 'd.find(r => r.path==="/call").headers.authorization')" "$basic" "call hook auth"
assert_eq "$(json_get "$log" "$redir.headers.authorization")" "$basic" "relative actionHook auth"
assert_eq "$(json_get "$log" "$redir.body.customerData")" '{"crm":"abc","n":5}' "customerData in redirect"
assert_eq "$(json_get "$log" "$redir.body.call_sid === $first.call_sid")" "true" "redirect call_sid"
inprog='d.find(r => r.path==="/status" && r.body.call_status==="in-progress").body'
assert_eq "$(json_get "$log" "$inprog.customerData")" '{"crm":"abc","n":5}' "customerData in in-progress"
done_='d.find(r => r.path==="/status" && r.body.call_status==="completed").body'
assert_eq "$(json_get "$log" "$done_.customerData")" '{"crm":"xyz"}' "customerData in completed"

# the redirect's list ran, not the original hangup
bye=$(awk '/^BYE /,/^$/' "$WORK/redir.msg")
assert_contains "$bye" "^X-From: redirect" "BYE"
grep -q "X-Orig" <<<"$bye" && fail "the original list went on after redirect"
assert_eq "$(status_seq)" "trying,in-progress,completed" "status sequence"
wait_idle
echo OK
