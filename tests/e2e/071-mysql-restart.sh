#!/usr/bin/env bash
# The MySQL directory when the database goes away: a restarted server
# leaves the pool's idle connection dead, and the lookup that finds it so
# runs again on a fresh connection (the call never notices); while the
# server is down calls get a clean 503 "database unavailable" and the
# feature server keeps running; when it is back on the same port and
# datadir, calls route again. No cache, so every call asks the database.
source "$(dirname "$0")/lib.sh"

A=11111111-aaaa-4aaa-8aaa-000000000001
start_mariadb
start_hooks '{
  "/app1": [{"verb":"sip:decline","status":486,"reason":"App One"}]
}' acct-secret
db_point_hooks "$HOOK"
start_fs main "${DB_CONF[@]}" JAMBONES_MYSQL_CACHE_TTL=0 \
	JAMBONES_MYSQL_QUERY_TIMEOUT=2000

call() { # NAME CODE
	local scen
	scen=$(mkscen uac_reject CODE="$2" HDRS="X-Account-Sid: $A")
	run_sipp "$1" "$scen" 15557770001 || fail "$1: no $2 ($(final "$1"))"
}
final() {
	awk '/^SIP\/2.0 [3-6][0-9][0-9] /,/^\r?$/' "$WORK/$1.msg" 2>/dev/null |
		grep -E '^(SIP/2.0|X-Reason:)' | tr -d '\r' | paste -sd'|'
}

call before 486
assert_eq "$(final before)" "SIP/2.0 486 App One|X-Reason: SIP Decline Verb" "before the restart"
assert_eq "$(metric d.directory.idle)" "1" "one idle connection"

# restart: the idle connection is dead, the retry on a fresh one works
stop_mariadb
mariadb_run
call restarted 486
assert_eq "$(final restarted)" "SIP/2.0 486 App One|X-Reason: SIP Decline Verb" "after a restart"
[ "$(metric d.directory.retries)" -ge 1 ] || fail "no retry counted"

# down: a clean error, quickly, and the server stays up
stop_mariadb
call down1 503
call down2 503
# from sipp's own traces: its start-up under load is not ours
ms=$(($(msg_span down1) + $(msg_span down2)))
assert_eq "$(final down1)" "SIP/2.0 503 Service Unavailable|X-Reason: database unavailable" "database down"
assert_eq "$(final down2)" "SIP/2.0 503 Service Unavailable|X-Reason: database unavailable" "still down"
[ "$ms" -lt 5000 ] || fail "rejecting two calls took $ms ms"
server_alive
assert_eq "$(metric d.directory.in_use)" "0" "no connection held while down"
assert_eq "$(metric d.directory.connections)" "0" "no connection left while down"
[ "$(metric d.directory.errors)" -ge 2 ] || fail "errors not counted"

# back: calls route again
mariadb_run
call back 486
assert_eq "$(final back)" "SIP/2.0 486 App One|X-Reason: SIP Decline Verb" "database back"
wait_hooks 'd.filter(r => r.path==="/app1").length===3'
wait_idle
server_alive
echo OK
