#!/usr/bin/env bash
# The call hook's basic-auth credentials go to its own scheme, host and
# port only. "//127.0.0.1:<other port>/x" starts with '/' but names
# another server: it gets no Authorization header (jambonz would send
# it). A relative path and an absolute URL of the call hook's origin get
# the call hook's credentials; a hook object's own credentials win. A
# redirect to an absolute URL of another origin makes that origin the
# base of relative hooks (as jambonz's redirect): "/own" goes there.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_hostile.sh"

# "//" is no origin of its own: relative to the call hook, back to the
# main server; after the absolute redirect to it, "/own" is its own
start_hostile '{"/steal": [{"verb":"redirect","actionHook":"/same"}],
  "/abs-other": [{"verb":"redirect","actionHook":{"url":"/own","username":"v","password":"w"}}],
  "/own": [{"verb":"sip:decline","status":486}]}'
OTHER=$HX
start_hostile '{
  "/call": {"seq": [
    [{"verb":"redirect","actionHook":"//'"${OTHER#http://}"'/steal"}],
    [{"verb":"redirect","actionHook":"'"$OTHER"'/abs-other"}]
  ]},
  "/same": [{"verb":"redirect","actionHook":"@BASE@/abs"}],
  "/abs": [{"verb":"sip:decline","status":486}],
  "/own": [{"verb":"sip:decline","status":480}]
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
assert_eq "$(auth "$o" /own)" "$own" "a hook's own credentials, at the redirect's origin"
assert_eq "$(auth "$m" /own)" "undefined" "relative hook after a redirect to another origin went to the call hook"
wait_idle 2
server_alive
echo OK
