#!/usr/bin/env bash
# redirect as jambonz's redirect task: an absolute actionHook on another
# origin becomes the base of the call's relative hooks (actionHooks, a
# later redirect's), which no longer carry the call hook's basic auth;
# one on the same origin changes nothing. Its statusHook replaces the
# call's status hook from then on (in-progress and completed go there).
source "$(dirname "$0")/25x_lib.sh"

# the application's second server, B
start_hooks '{
  "/start": [{"verb":"gather","actionHook":"/g","timeout":1},
             {"verb":"hangup","headers":{"X-Base":"b-after-gather"}}],
  "/g": [{"verb":"redirect","actionHook":"/r2"}],
  "/r2": [{"verb":"pause","length":0.5},
          {"verb":"hangup","headers":{"X-Base":"b"}}]
}' r3d1r
HOOK_B=$HOOK
# the call hook's server, A: the same paths answer differently
start_hooks '{
  "/call": {"seq": [
    [{"verb":"redirect","actionHook":"'"$HOOK_B"'/start",
      "statusHook":"'"$HOOK_B"'/st"},
     {"verb":"hangup","headers":{"X-Base":"a-after-redirect"}}],
    [{"verb":"redirect","actionHook":"@BASE@/same"}]
  ]},
  "/same": [{"verb":"gather","actionHook":"/g2","timeout":1},
            {"verb":"hangup"}],
  "/g2": [{"verb":"hangup","headers":{"X-Base":"a2"}}],
  "/g": [{"verb":"hangup","headers":{"X-Base":"a"}}],
  "/r2": [{"verb":"hangup","headers":{"X-Base":"a"}}]
}' r3d1r
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status" DEFAULT_WEBHOOK_SECRET=r3d1r \
	DEFAULT_CALL_HOOK_USERNAME=app DEFAULT_CALL_HOOK_PASSWORD=pw
basic="Basic $(printf 'app:pw' | base64)"
logb() { HOOK=$HOOK_B hooks_log; }

# 1. to B: the gather's relative actionHook and the relative redirect
#    after it go to B, without A's credentials
start_rtpsink
run_sipp other uac_srv_bye 15551252001 || fail "call to another origin failed"
wait_for 10 eval '[ "$(json_get "$(logb)" "d.some(r => r.path===\"/st\" && r.body.call_status===\"completed\")")" = true ]' ||
	fail "B's status hook never heard of the end of the call"
lb=$(logb)
assert_eq "$(json_get "$lb" 'd.map(r => r.path).filter(p => p !== "/st").join()')" "/start,/g,/r2" "requests to B"
assert_eq "$(json_get "$lb" 'd.find(r => r.path==="/g").body.reason')" "timeout" "gather result at B"
assert_eq "$(json_get "$lb" 'd.every(r => r.headers.authorization === undefined)')" "true" \
	"the call hook's credentials went to B"
assert_eq "$(json_get "$lb" 'd.every(r => r.sig === "ok")')" "true" "signatures at B"
assert_eq "$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/g" || r.path==="/r2").length')" "0" \
	"relative hooks went to the call hook's server"
assert_eq "$(byeh other X-Base)" "b" "BYE of B's list"
# statusHook: from the redirect on, the status goes to B's /st
assert_eq "$(json_get "$lb" 'd.filter(r => r.path==="/st").map(r => r.body.call_status).join()')" \
	"in-progress,completed" "status at the redirect's statusHook"
assert_eq "$(status_seq)" "trying" "status at the application's status hook"

# 2. an absolute redirect on the same origin: nothing changes, relative
#    hooks keep the call hook's credentials
start_rtpsink
run_sipp same uac_srv_bye 15551252002 || fail "same-origin call failed"
wait_hooks 'd.filter(r => r.path==="/status" && r.body.call_status==="completed").length===1'
assert_eq "$(hook /g2 r.headers.authorization)" "$basic" "relative hook auth after a same-origin redirect"
assert_eq "$(byeh same X-Base)" "a2" "BYE of the same-origin list"
wait_idle
echo OK
