#!/usr/bin/env bash
# The embedded directory (DIRECTORY_FILE): routing by called number (a
# leading + ignored) to a webhook application signed with its account's
# secret, to an app_json application (no webhook), X-Application-Sid
# choosing directly, unknown and inactive X-Account-Sid (503 with
# X-Reason), and no application (480 "no configured application").
source "$(dirname "$0")/lib.sh"

A=11111111-aaaa-4aaa-8aaa-000000000001
B=11111111-aaaa-4aaa-8aaa-000000000002
APP1=22222222-bbbb-4bbb-8bbb-000000000001
APP2=22222222-bbbb-4bbb-8bbb-000000000002
APP3=22222222-bbbb-4bbb-8bbb-000000000003
APP4=22222222-bbbb-4bbb-8bbb-000000000004
start_hooks '{
  "/app1": [{"verb":"sip:decline","status":486,"reason":"App One"}]
}' acct-secret
cat >"$WORK/directory.json" <<J
{
  "accounts": [
    {"account_sid": "$A", "name": "a", "is_active": true,
     "webhook_secret": "acct-secret"},
    {"account_sid": "$B", "name": "b", "is_active": false}
  ],
  "applications": [
    {"application_sid": "$APP1", "account_sid": "$A",
     "call_hook": {"url": "$HOOK/app1", "method": "POST"},
     "call_status_hook": "$HOOK/status1",
     "env_vars": {"greeting": "hello"}},
    {"application_sid": "$APP2", "account_sid": "$A",
     "call_status_hook": "$HOOK/status2",
     "app_json": "[{\"verb\":\"sip:decline\",\"status\":486,\"reason\":\"App Json\"}]"},
    {"application_sid": "$APP3", "account_sid": "$A",
     "app_json": [{"verb": "sip:decline", "status": 486, "reason": "App Three"}]},
    {"application_sid": "$APP4", "account_sid": "$A"}
  ],
  "phone_numbers": [
    {"number": "+15557770001", "account_sid": "$A", "application_sid": "$APP1"},
    {"number": "15557770002", "account_sid": "$A", "application_sid": "$APP2"},
    {"number": "15557770004", "account_sid": "$A", "application_sid": "$APP4"}
  ]
}
J
start_fs main DIRECTORY_FILE="$WORK/directory.json"

call() { # NAME NUMBER CODE [HEADER]
	local scen
	scen=$(mkscen uac_reject CODE="$3" HDRS="${4:-}")
	run_sipp "$1" "$scen" "$2" || fail "$1: no $3"
}
final() { # the final response's status line and X-Reason of a call
	awk '/^SIP\/2.0 [3-6][0-9][0-9] /,/^\r?$/' "$WORK/$1.msg" |
		grep -E '^(SIP/2.0|X-Reason:)' | tr -d '\r' | paste -sd'|'
}

# by number, with and without '+': the webhook application
call num1 +15557770001 486
assert_eq "$(final num1)" "SIP/2.0 486 App One|X-Reason: SIP Decline Verb" "number +15557770001"
call num1b 15557770001 486 "X-Account-Sid: $A"
assert_eq "$(final num1b)" "SIP/2.0 486 App One|X-Reason: SIP Decline Verb" "number 15557770001"
wait_hooks 'd.filter(r => r.path==="/app1").length===2'
log=$(hooks_log)
first='d.find(r => r.path==="/app1")'
assert_eq "$(json_get "$log" "$first.sig")" "ok" "signed with the account's secret"
assert_eq "$(json_get "$log" "$first.body.application_sid")" "$APP1" "application_sid"
assert_eq "$(json_get "$log" "$first.body.account_sid")" "$A" "account_sid"
assert_eq "$(json_get "$log" "$first.body.env_vars.greeting")" "hello" "env_vars"
wait_hooks 'd.filter(r => r.path==="/status1" && r.body.call_status==="failed").length===2'

# app_json: no webhook at all, the status hook still informed
call json 15557770002 486
assert_eq "$(final json)" "SIP/2.0 486 App Json|X-Reason: SIP Decline Verb" "app_json application"
wait_hooks 'd.some(r => r.path==="/status2" && r.body.call_status==="failed")'
assert_eq "$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/status2").map(r => r.body.call_status).join()')" \
	"trying,failed" "app_json statuses"
assert_eq "$(json_get "$(hooks_log)" "d.find(r => r.path===\"/status2\").body.application_sid")" "$APP2" "app_json application_sid"

# X-Application-Sid wins over the number
call bysid 15557770001 486 "X-Application-Sid: $APP3"
assert_eq "$(final bysid)" "SIP/2.0 486 App Three|X-Reason: SIP Decline Verb" "X-Application-Sid"

# nothing to run
call nonum 15557779999 480
assert_eq "$(final nonum)" "SIP/2.0 480 Temporarily Unavailable|X-Reason: no configured application" "unknown number"
call noapp 15557770004 480
assert_eq "$(final noapp)" "SIP/2.0 480 Temporarily Unavailable|X-Reason: no configured application" "application without hook or app_json"

# accounts
call noacct 15557770001 503 "X-Account-Sid: nosuch-account"
assert_eq "$(final noacct)" "SIP/2.0 503 Service Unavailable|X-Reason: No Account exists for sid nosuch-account" "unknown account"
call inactive 15557770001 503 "X-Account-Sid: $B"
assert_contains "$(final inactive)" "^SIP/2.0 503 .*|X-Reason: .*$B" "inactive account"

assert_eq "$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/app1").length')" "2" "webhooks for the numbered app"
wait_idle
server_alive
echo OK
