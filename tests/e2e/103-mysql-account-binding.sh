#!/usr/bin/env bash
# The MySQL directory binds an application to its account: with
# X-Account-Sid of one account, neither X-Application-Sid nor the called
# number may select another account's application (403 with X-Reason,
# cached like any routing answer, counted in /metrics); each account's
# own applications still run.
source "$(dirname "$0")/lib.sh"

A=11111111-aaaa-4aaa-8aaa-000000000001
C=11111111-aaaa-4aaa-8aaa-000000000003
APP3=22222222-bbbb-4bbb-8bbb-000000000003
APPC=22222222-bbbb-4bbb-8bbb-00000000000c
SP=2708b1b3-2736-40ea-b502-c53d8396247f

start_mariadb
start_hooks '{
  "/app1": [{"verb":"sip:decline","status":486,"reason":"App One"}]
}' acct-secret
db_point_hooks "$HOOK"
db_sql "INSERT INTO accounts (account_sid, name, service_provider_sid, is_active, webhook_secret)
	VALUES ('$C', 'account C', '$SP', 1, 'c-secret');
	INSERT INTO applications (application_sid, name, account_sid, app_json)
	VALUES ('$APPC', 'appc', '$C', '[{\"verb\":\"sip:decline\",\"status\":486,\"reason\":\"App C\"}]');
	INSERT INTO phone_numbers (phone_number_sid, number, account_sid, application_sid)
	VALUES ('55555555-eeee-4eee-8eee-0000000000cc', '15557773000', '$C', '$APPC');"
start_fs main "${DB_CONF[@]}" JAMBONES_MYSQL_CACHE_TTL=60000

call() { # NAME NUMBER CODE [HEADERS, '|' between]
	local scen hdrs=${4:-}
	scen=$(mkscen uac_reject CODE="$3" HDRS="${hdrs//|/$'\n'}")
	# shellcheck disable=SC2086 # CALL_ARGS: extra sipp arguments
	run_sipp "$1" "$scen" "$2" ${CALL_ARGS:-} || fail "$1: no $3 ($(final "$1"))"
}
final() {
	awk '/^SIP\/2.0 [3-6][0-9][0-9] /,/^\r?$/' "$WORK/$1.msg" 2>/dev/null |
		grep -E '^(SIP/2.0|X-Reason:)' | tr -d '\r' | paste -sd'|'
}

# own applications
call own3 15557770001 486 "X-Account-Sid: $A|X-Application-Sid: $APP3"
assert_eq "$(final own3)" "SIP/2.0 486 App Three|X-Reason: SIP Decline Verb" "account A, its application"
call ownc 15557773000 486 "X-Account-Sid: $C"
assert_eq "$(final ownc)" "SIP/2.0 486 App C|X-Reason: SIP Decline Verb" "account C, its number"

# another account's, by sid and by number; twice (the second from the
# cache, which is per loop: one Call-ID puts both calls on one loop)
CALL_ARGS="-cid_str bysid-%u@127.0.0.1"
for i in 1 2; do
	call "bysid$i" 15557770001 403 "X-Account-Sid: $A|X-Application-Sid: $APPC"
	assert_eq "$(final "bysid$i")" "SIP/2.0 403 Forbidden|X-Reason: application $APPC does not belong to account $A" "X-Application-Sid of account C ($i)"
done
CALL_ARGS=
call bynum 15557770001 403 "X-Account-Sid: $C"
assert_eq "$(final bynum)" "SIP/2.0 403 Forbidden|X-Reason: application 22222222-bbbb-4bbb-8bbb-000000000001 does not belong to account $C" "number of account A"
call csid 15557773000 403 "X-Account-Sid: $C|X-Application-Sid: $APP3"
assert_eq "$(final csid)" "SIP/2.0 403 Forbidden|X-Reason: application $APP3 does not belong to account $C" "X-Application-Sid of account A"

assert_eq "$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/app1").length')" "0" "webhooks of a refused application"
m=$(curl -fsS "$FS_HTTP/metrics")
assert_eq "$(json_get "$m" d.sip.account_mismatch)" "4" "account mismatches counted"
[ "$(json_get "$m" d.directory.cache_hits)" -ge 1 ] || fail "refusal not cached: $m"
wait_idle
server_alive
echo OK
