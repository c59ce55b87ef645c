#!/usr/bin/env bash
# The call hook's basic-auth credentials go to its own scheme, host and
# port only. "//127.0.0.1:<other port>/x" starts with '/' but names
# another server: it gets no Authorization header (jambonz would send
# it). A relative path and an absolute URL of the call hook's origin get
# the call hook's credentials; a hook object's own credentials win.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_hostile.sh"

# relative to the call hook: back to the main server
start_hostile '{"/steal": [{"verb":"redirect","actionHook":"/same"}],
  "/abs-other": [{"verb":"redirect","actionHook":{"url":"/own","username":"v","password":"w"}}]}'
OTHER=$HX
start_hostile '{
  "/call": {"seq": [
    [{"verb":"redirect","actionHook":"//'"${OTHER#http://}"'/steal"}],
    [{"verb":"redirect","actionHook":"'"$OTHER"'/abs-other"}]
  ]},
  "/same": [{"verb":"redirect","actionHook":"@BASE@/abs"}],
  "/abs": [{"verb":"sip:decline","status":486}],
  "/own": [{"verb":"sip:decline","status":486}]
}'
MAIN=$HX
start_fs main DEFAULT_CALL_HOOK="$MAIN/call" DEFAULT_CALL_HOOK_USERNAME=u \
	DEFAULT_CALL_HOOK_PASSWORD=p

reject_call creds 486 '' 15551430001
reject_call creds2 486 '' 15551430002
basic=$(printf 'Basic %s' "$(printf 'u:p' | base64)")
own=$(printf 'Basic %s' "$(printf 'v:w' | base64)")
m=$(hx_log "$MAIN")
o=$(hx_log "$OTHER")
auth() { json_get "$1" "String((d.find(r => r.path===\"$2\") || {}).auth)"; }
assert_eq "$(auth "$m" /call)" "$basic" "call hook"
assert_eq "$(auth "$o" /steal)" "null" "//other-host hook carried the call hook's credentials"
assert_eq "$(auth "$m" /same)" "$basic" "relative hook, same origin"
assert_eq "$(auth "$m" /abs)" "$basic" "absolute hook, same origin"
assert_eq "$(auth "$o" /abs-other)" "null" "absolute hook of another origin carried credentials"
assert_eq "$(auth "$m" /own)" "$own" "a hook's own credentials"
wait_idle 2
server_alive
echo OK
