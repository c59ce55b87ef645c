#!/usr/bin/env bash
# A hostile first webhook: each answer below rejects the call with
# JAMBONES_WEBHOOK_ERROR_RETURN (480) and an X-Reason naming it, within
# the timeout, and leaves nothing behind (gauges, descriptors, memory):
#   a byte a second (drip), an answer after the timeout, 100 MB while
#   HTTP_MAX_BODY is 4 MiB (cut while it arrives: the server manages to
#   write only a few MB), JSON nested 10,000 deep, 100,000 verbs, 1,001
#   verbs (MAX_VERBS_PER_DOC 1000), trailing garbage, an HTTP redirect
#   loop (redirects are not followed, as jambonz does not).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_hostile.sh"

start_hostile '{
  "/call": {"seq": [
    [{"verb":"sip:decline","status":486}],
    {"drip":{"text":"[{\"verb\":\"hangup\"}]","ms":1000}},
    {"delay":2500,"body":[{"verb":"hangup"}]},
    {"flood":{"bytes":100000000}},
    {"deep":10000},
    {"many":{"n":100000,"verb":{"verb":"hangup"}}},
    {"many":{"n":1001,"verb":{"verb":"hangup"}}},
    {"raw":"[{\"verb\":\"hangup\"}] trailing"},
    {"location":"/call"},
    [{"verb":"sip:decline","status":486}]
  ]}
}'
start_fs main DEFAULT_CALL_HOOK="$HX/call" JAMBONES_HTTP_TIMEOUT=1500 \
	HTTP_MAX_BODY=4194304 JAMBONES_CONNECTION_POOL_CLEANUP_INTERVAL=500
timers_fresh

# a first call warms up what stays (plugins, pooled structures)
reject_call warm 486 '' 15551400000
baseline_take

reject_call drip 480 'time' 15551400001
[ "$DT" -ge 1300 ] && [ "$DT" -le 3500 ] || fail "drip: took $DT ms, timeout 1500"
reject_call late 480 'time' 15551400002
[ "$DT" -le 3500 ] || fail "late: took $DT ms, timeout 1500"
reject_call flood 480 'larger than HTTP_MAX_BODY' 15551400003
reject_call deep 480 'nested deeper than 64' 15551400004
reject_call many 480 'MAX_VERBS_PER_DOC' 15551400005
reject_call many1001 480 '1001 verbs.*MAX_VERBS_PER_DOC' 15551400006
reject_call trailing 480 'invalid JSON' 15551400007
reject_call redirect 480 'webhook returned 302' 15551400008
reject_call good 486 '' 15551400009

log=$(hx_log)
flood='d.find(r => r.sent > 1e6)'
sent=$(json_get "$log" "$flood.sent")
echo "flood: the hostile server wrote $sent of 100000000 bytes"
[ "$sent" -lt 20000000 ] || fail "100 MB answer read to $sent bytes"
assert_eq "$(json_get "$log" "$flood.closed")" "true" "flood cut by the client"
assert_eq "$(json_get "$log" 'd.filter(r => r.path==="/call").length')" "10" \
	"one request per call (no redirect followed)"

assert_eq "$(counter_delta d.connections.failures.timeout)" "2" "timeouts counted"
assert_eq "$(counter_delta d.connections.failures.toolarge)" "1" "too large counted"
for w in "rejecting with 480: webhook timed out (JAMBONES_HTTP_TIMEOUT)" \
	"rejecting with 480: webhook answer larger than HTTP_MAX_BODY" \
	"rejecting with 480: webhook JSON nested deeper than 64 levels" \
	"rejecting with 480: webhook answer has 100000 verbs, more than 1000" \
	"rejecting with 480: webhook returned 302"; do
	grep -q "$w" "$WORK/main.log" || fail "no log line '$w'"
done

# the drip's connection was dropped; pooled ones close at the sweep
baseline_check 40
server_alive
echo OK
