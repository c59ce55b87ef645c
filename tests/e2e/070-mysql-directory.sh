#!/usr/bin/env bash
# The MySQL directory against a real MariaDB server with the jambonz
# tables (scripts/db-schema.sql, db-fixtures.sql): routing by called
# number (leading '+' stripped) to a webhook application signed with the
# account's webhook_secret, app_json, X-Application-Sid, the carrier's
# default application (also through X-Voip-Carrier-Sid), call_routes
# regexes by priority (a bad pattern skipped), the account checks
# (missing: 500, unknown and inactive: 503) and no application (480);
# the lookup cache and the pool figures in /metrics.
source "$(dirname "$0")/lib.sh"

A=11111111-aaaa-4aaa-8aaa-000000000001
B=11111111-aaaa-4aaa-8aaa-000000000002
APP1=22222222-bbbb-4bbb-8bbb-000000000001
APP3=22222222-bbbb-4bbb-8bbb-000000000003
APP5=22222222-bbbb-4bbb-8bbb-000000000005
C1=33333333-cccc-4ccc-8ccc-000000000001
C2=33333333-cccc-4ccc-8ccc-000000000002
C3=33333333-cccc-4ccc-8ccc-000000000003

start_mariadb
start_hooks '{
  "/app1": [{"verb":"sip:decline","status":486,"reason":"App One"}],
  "/carrier": [{"verb":"sip:decline","status":486,"reason":"Carrier Default"}],
  "/route": [{"verb":"sip:decline","status":486,"reason":"Route One"}]
}' acct-secret
db_point_hooks "$HOOK"
start_fs main "${DB_CONF[@]}" JAMBONES_MYSQL_CACHE_TTL=60000
# the client library is not linked: opened once, by the MySQL directory
assert_eq "$(grep -c 'mysql: client library loaded' "$WORK/main.log")" "1" \
	"MariaDB client opened at start"
[ "$(grep -c libmariadb "/proc/$FS_PID/maps")" -ge 1 ] ||
	fail "MariaDB client not mapped with a MySQL directory"

call() { # NAME NUMBER CODE [HEADERS, '|' between]
	local scen hdrs=${4:-}
	scen=$(mkscen uac_reject CODE="$3" HDRS="${hdrs//|/$'\n'}")
	# shellcheck disable=SC2086 # CALL_ARGS: extra sipp arguments
	run_sipp "$1" "$scen" "$2" ${CALL_ARGS:-} || fail "$1: no $3 ($(final "$1"))"
}
final() { # the final response's status line and X-Reason of a call
	awk '/^SIP\/2.0 [3-6][0-9][0-9] /,/^\r?$/' "$WORK/$1.msg" 2>/dev/null |
		grep -E '^(SIP/2.0|X-Reason:)' | tr -d '\r' | paste -sd'|'
}
acct="X-Account-Sid: $A"

# by number, '+' stripped: the webhook application, signed with the
# account's secret; the second call is answered from the cache (each
# loop has its own: one Call-ID puts both calls on one loop)
CALL_ARGS="-cid_str dircache-%u@127.0.0.1"
call num1 +15557770001 486 "$acct"
assert_eq "$(final num1)" "SIP/2.0 486 App One|X-Reason: SIP Decline Verb" "number +15557770001"
call num1b 15557770001 486 "$acct"
CALL_ARGS=
assert_eq "$(final num1b)" "SIP/2.0 486 App One|X-Reason: SIP Decline Verb" "number 15557770001"
wait_hooks 'd.filter(r => r.path==="/app1").length===2'
log=$(hooks_log)
first='d.find(r => r.path==="/app1")'
assert_eq "$(json_get "$log" "$first.sig")" "ok" "signed with the account's webhook_secret"
assert_eq "$(json_get "$log" "$first.method")" "POST" "call hook method"
assert_eq "$(json_get "$log" "$first.body.application_sid")" "$APP1" "application_sid"
assert_eq "$(json_get "$log" "$first.body.account_sid")" "$A" "account_sid"
assert_eq "$(json_get "$log" "$first.body.env_vars.greeting")" "hello" "env_vars"
wait_hooks 'd.filter(r => r.path==="/status1" && r.body.call_status!=="trying").length===2'
assert_eq "$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/status1").every(r => r.sig==="ok")')" \
	"true" "status hook signed"
m=$(curl -fsS "$FS_HTTP/metrics")
assert_eq "$(json_get "$m" d.directory.backend)" "mysql" "directory backend"
[ "$(json_get "$m" d.directory.cache_hits)" -ge 1 ] || fail "no cache hit: $m"

# app_json: no webhook, the status hook still told
call json 15557770002 486 "$acct"
assert_eq "$(final json)" "SIP/2.0 486 App Json|X-Reason: SIP Decline Verb" "app_json application"

# X-Application-Sid wins over the number
call bysid 15557770001 486 "$acct|X-Application-Sid: $APP3"
assert_eq "$(final bysid)" "SIP/2.0 486 App Three|X-Reason: SIP Decline Verb" "X-Application-Sid"

# a number without application: its carrier's default application,
# whose hook is a GET with basic auth
call carrier 15557770005 486 "$acct"
assert_eq "$(final carrier)" "SIP/2.0 486 Carrier Default|X-Reason: SIP Decline Verb" "carrier default application"
wait_hooks 'd.some(r => r.path==="/carrier")'
c='d.find(r => r.path==="/carrier")'
assert_eq "$(json_get "$(hooks_log)" "$c.method")" "GET" "carrier hook method"
assert_eq "$(json_get "$(hooks_log)" "$c.headers.authorization")" \
	"Basic $(printf user5:pass5 | base64)" "carrier hook basic auth"

# X-Voip-Carrier-Sid narrows the number: its own carrier finds the
# number's app, another carrier's default applies, an inactive carrier
# has none
call narrow3 15557770006 486 "$acct|X-Voip-Carrier-Sid: $C3"
assert_eq "$(final narrow3)" "SIP/2.0 486 App Three|X-Reason: SIP Decline Verb" "number of carrier C3"
call narrow1 15557770006 486 "$acct|X-Voip-Carrier-Sid: $C1"
assert_eq "$(final narrow1)" "SIP/2.0 486 Carrier Default|X-Reason: SIP Decline Verb" "other carrier's default"
call narrow2 15557770006 480 "$acct|X-Voip-Carrier-Sid: $C2"
assert_eq "$(final narrow2)" "SIP/2.0 480 Temporarily Unavailable|X-Reason: no configured application" "inactive carrier"

# call_routes by priority: ^1666 (1) beats ^16665 (2); a pattern that
# does not compile (priority 0) is skipped
call route1 +16665551234 486 "$acct"
assert_eq "$(final route1)" "SIP/2.0 486 Route One|X-Reason: SIP Decline Verb" "call_routes priority 1"
call route7 17771234 486 "$acct"
assert_eq "$(final route7)" "SIP/2.0 486 Route Seven|X-Reason: SIP Decline Verb" "call_routes app_json"
call route0 1777123x 480 "$acct"
assert_eq "$(final route0)" "SIP/2.0 480 Temporarily Unavailable|X-Reason: no configured application" "no route matches"

# nothing to run
call nonum 15557779999 480 "$acct"
assert_eq "$(final nonum)" "SIP/2.0 480 Temporarily Unavailable|X-Reason: no configured application" "unknown number"
call noapp 15557770004 480 "$acct"
assert_eq "$(final noapp)" "SIP/2.0 480 Temporarily Unavailable|X-Reason: no configured application" "application without hook or app_json"

# accounts
call noheader 15557770001 500
assert_contains "$(final noheader)" "^SIP/2.0 500 .*|X-Reason: .*X-Account-Sid" "missing X-Account-Sid"
call noacct 15557770001 503 "X-Account-Sid: nosuch-account"
assert_eq "$(final noacct)" "SIP/2.0 503 Service Unavailable|X-Reason: No Account exists for sid nosuch-account" "unknown account"
call inactive 15557770001 503 "X-Account-Sid: $B"
assert_contains "$(final inactive)" "^SIP/2.0 503 .*|X-Reason: .*$B.*inactive" "inactive account"

# the pool: every connection back, queries counted, nothing failed
m=$(curl -fsS "$FS_HTTP/metrics")
assert_eq "$(json_get "$m" d.directory.in_use)" "0" "connections in use"
[ "$(json_get "$m" d.directory.idle)" -ge 1 ] || fail "no idle connection: $m"
[ "$(json_get "$m" d.directory.queries)" -ge 20 ] || fail "queries: $m"
assert_eq "$(json_get "$m" d.directory.timeouts)" "0" "acquire timeouts"
prom=$(curl -fsS "$FS_HTTP/metrics?format=prometheus" || true)
wait_idle
server_alive
echo OK
