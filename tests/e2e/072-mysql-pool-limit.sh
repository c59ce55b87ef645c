#!/usr/bin/env bash
# The pool limit and the acquire timeout under concurrent calls: with one
# connection and a 200 ms acquire timeout, a query held up by a table
# lock (LOCK TABLES phone_numbers WRITE from another session) keeps the
# only connection busy; the calls that arrive meanwhile are rejected in
# about the acquire timeout with 503 "database busy", the held call
# completes once the lock goes, and nothing blocks the event loop
# (OPTIONS keep being answered at once). Idle connections close after
# JAMBONES_MYSQL_IDLE_TIMEOUT.
source "$(dirname "$0")/lib.sh"

A=11111111-aaaa-4aaa-8aaa-000000000001
LOCK_SECS=12
start_mariadb
start_hooks '{
  "/app1": [{"verb":"sip:decline","status":486,"reason":"App One"}]
}' acct-secret
db_point_hooks "$HOOK"
start_fs main "${DB_CONF[@]}" JAMBONES_MYSQL_CACHE_TTL=0 \
	JAMBONES_MYSQL_CONNECTION_LIMIT_OPTIMIZED=1 \
	JAMBONES_MYSQL_ACQUIRE_TIMEOUT=200 JAMBONES_MYSQL_IDLE_TIMEOUT=1000 \
	JAMBONES_MYSQL_QUERY_TIMEOUT=20000

final() {
	awk '/^SIP\/2.0 [3-6][0-9][0-9] /,/^\r?$/' "$WORK/$1.msg" 2>/dev/null |
		grep -E '^(SIP/2.0|X-Reason:)' | tr -d '\r' | paste -sd'|'
}
ok=$(mkscen uac_reject CODE=486 HDRS="X-Account-Sid: $A")
busy=$(mkscen uac_reject CODE=503 HDRS="X-Account-Sid: $A")

run_sipp warm "$ok" 15557770001 || fail "warm-up call"
assert_eq "$(metric d.directory.connections)" "1" "one connection"

# hold the table; wait until the lock is taken
mariadb --no-defaults -S "$DB_SOCK" -u root jambones -e \
	"LOCK TABLES phone_numbers WRITE; SELECT SLEEP($LOCK_SECS); UNLOCK TABLES;" \
	>"$WORK/lock.out" 2>&1 &
lockpid=$!
PIDS+=("$lockpid")
locked() {
	[ -n "$(db_sql "SHOW OPEN TABLES FROM jambones WHERE In_use > 0 AND \`Table\` = 'phone_numbers'")" ]
}
wait_for 5 locked || fail "phone_numbers not locked"

# the held call takes the only connection
run_sipp held "$ok" 15557770001 &
heldpid=$!
wait_for 8 metric_is d.directory.in_use 1 || true
assert_eq "$(metric d.directory.in_use)" "1" "the held call has the connection"

# three calls at once: each waits 200 ms for the connection, then 503,
# long before the lock goes (timed from here: the wait above may be slow
# on a loaded machine)
t0=$(date +%s%N)
pids=()
for n in 1 2 3; do
	run_sipp "busy$n" "$busy" 15557770001 &
	pids+=("$!")
done
for p in "${pids[@]}"; do
	wait "$p" || fail "a call during the lock did not get 503 ($(final busy1))"
done
ms=$((($(date +%s%N) - t0) / 1000000))
for n in 1 2 3; do
	assert_eq "$(final "busy$n")" "SIP/2.0 503 Service Unavailable|X-Reason: database busy" "call $n during the lock"
done
# answered while the lock still holds: they did not wait for it
locked || fail "the busy calls took $ms ms: they waited for the lock"

# the loop stayed responsive while the query waited
run_sipp options uac_options 15557770001 || fail "OPTIONS during the lock"

wait "$heldpid" || fail "the held call failed after the lock ($(final held))"
assert_eq "$(final held)" "SIP/2.0 486 App One|X-Reason: SIP Decline Verb" "held call"
wait "$lockpid" || true

m=$(curl -fsS "$FS_HTTP/metrics")
[ "$(json_get "$m" d.directory.timeouts)" -ge 3 ] || fail "timeouts: $m"
[ "$(json_get "$m" d.directory.waits)" -ge 3 ] || fail "waits: $m"
assert_eq "$(json_get "$m" d.directory.limit)" "1" "limit"
assert_eq "$(json_get "$m" d.directory.in_use)" "0" "in use after"

# idle connections close after the idle timeout (1 s)
wait_for 4 metric_is d.directory.connections 0 || true
assert_eq "$(metric d.directory.connections)" "0" "idle connection closed"
run_sipp again "$ok" 15557770001 || fail "call after the idle close"
wait_idle
server_alive
echo OK
