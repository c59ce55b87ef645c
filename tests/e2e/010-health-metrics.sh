#!/usr/bin/env bash
# 010: /health, /metrics (JSON and Prometheus), unknown path, bad method,
# oversized body, on a server started with the default preload list.
source "$(dirname "$0")/lib.sh"

start_fs main

# health: no calls yet
body=$(curl -sS "$FS_HTTP/health")
assert_eq "$body" '{"calls":0}' "/health"
body=$(curl -sS "$FS_HTTP/")
assert_eq "$body" '{"calls":0}' "/"

# metrics JSON: every field with the right type
doc=$(curl -sS -H 'Accept: application/json' "$FS_HTTP/metrics")
check_type() {
	local expr=$1 want=$2 got
	got=$(json_get "$doc" "$expr")
	assert_eq "$got" "$want" "$expr"
}
for f in rss heapUsed heapTotal; do
	check_type "Number.isInteger(d.memory.$f) && d.memory.$f >= 0" true
done
check_type "d.memory.rss > 0" true
check_type "typeof d.connections === 'object' && !Array.isArray(d.connections)" true
check_type "typeof d.tasks === 'object' && Array.isArray(d.tasks.loaded)" true
for f in live peak timeouts refusals scopes; do
	check_type "Number.isInteger(d.listeners.$f)" true
done
check_type "d.listeners.live" 0
check_type "Number.isInteger(d.calls.active) && Number.isInteger(d.calls.total)" true
check_type "d.calls.active" 0
check_type "typeof d.uptime === 'number' && d.uptime >= 0" true

# the loader preloads the common verbs at start
for v in say gather dial hangup play; do
	check_type "d.tasks.loaded.includes('$v')" true
done

# Prometheus text, by Accept and by query
prom_check() {
	local text=$1 how=$2 v
	assert_contains "$text" '^# TYPE fs_memory_rss_bytes gauge$' "$how"
	assert_contains "$text" '^fs_memory_rss_bytes [0-9][0-9]*$' "$how"
	assert_contains "$text" '^# TYPE fs_calls_active gauge$' "$how"
	assert_contains "$text" '^fs_calls_active 0$' "$how"
	assert_contains "$text" '^# TYPE fs_calls_total counter$' "$how"
	assert_contains "$text" '^fs_listeners_live 0$' "$how"
	assert_contains "$text" '^fs_uptime_seconds [0-9][0-9]*$' "$how"
	assert_contains "$text" '^# TYPE fs_connections_latency_seconds summary$' "$how"
	assert_contains "$text" '^fs_tasks_plugins_running{verb="say"} 0$' "$how"
	assert_contains "$text" '^fs_loops_calls_active{loop="0"} 0$' "$how"
	for v in say gather dial hangup play; do
		assert_contains "$text" "^fs_tasks_loaded{verb=\"$v\"} 1\$" "$how"
	done
	# every sample line is well formed
	bad=$(grep -v '^#' <<<"$text" |
		grep -Ev '^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*")*\})? [-+0-9.eEaINnf]+$' ||
		true)
	assert_eq "$bad" "" "$how malformed lines"
}
ctype=$(curl -sS -o "$WORK/prom1" -w '%{content_type}' \
	-H 'Accept: text/plain' "$FS_HTTP/metrics")
assert_contains "$ctype" 'text/plain' "Accept content type"
prom_check "$(cat "$WORK/prom1")" "Accept: text/plain"
prom_check "$(curl -sS "$FS_HTTP/metrics?format=prometheus")" "?format=prometheus"

# Prometheus's own linter: HELP and TYPE everywhere, _total on counters,
# base units, no _count on gauges (docs/operations.md, metrics names)
promtool_check() {
	local out
	out=$(promtool check metrics <"$1" 2>&1) ||
		fail "promtool check metrics ($2): $out"
	assert_eq "$out" "" "promtool problems ($2)"
}
curl -sS "$FS_HTTP/metrics?format=prometheus" >"$WORK/prom2"
promtool_check "$WORK/prom2" "idle server"

# latency histograms: empty on an idle server, counted after a call (a
# webhook, an inbound answer, a flite synthesis), still lint-clean
prom=$(cat "$WORK/prom2")
assert_contains "$prom" '^# TYPE fs_webhook_duration_seconds histogram$' "webhook histogram"
assert_contains "$prom" '^fs_webhook_duration_seconds_count 0$' "no webhook yet"
assert_contains "$prom" '^fs_db_lookup_seconds_bucket{le="+Inf"} 0$' "no lookup yet"
start_hooks '{"/call": [{"verb":"say","text":"Histograms."},{"verb":"hangup"}]}'
start_fs hist DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status"
start_rtpsink
run_sipp call uac_srv_bye 15551230010 || fail "call failed"
wait_hooks 'd.some(r => r.path==="/status" && r.body.call_status==="completed")'
hist() { json_get "$(curl -fsS "$FS_HTTP/metrics")" "d.histograms.$1"; }
answered() { [ "$(hist 'invite_answer_seconds.direction.inbound.count')" = 1 ]; }
wait_for 5 answered || fail "no inbound answer counted: $(hist invite_answer_seconds)"
# the call hook, and the status hooks (trying, in-progress, completed)
hooks=$(hist webhook_duration_seconds.count)
[ "$hooks" -ge 3 ] || fail "webhooks counted: $hooks"
assert_eq "$(hist 'tts_synthesis_seconds.vendor.flite.count')" "1" "flite synthesis counted"
assert_eq "$(hist 'webhook_duration_seconds.buckets["+Inf"]')" "$hooks" "+Inf bucket is the count"
assert_eq "$(json_get "$(curl -fsS "$FS_HTTP/metrics")" 'Object.entries(d.histograms.webhook_duration_seconds.buckets).map(([k, v]) => [k === "+Inf" ? Infinity : Number(k), v]).sort((x, y) => x[0] - y[0]).every((e, i, a) => !i || e[1] >= a[i - 1][1])')" \
	"true" "cumulative buckets"
s=$(hist webhook_duration_seconds.sum)
assert_eq "$(json_get "$s" 'd > 0 && d < 10')" "true" "webhook seconds sum ($s)"
curl -sS "$FS_HTTP/metrics?format=prometheus" >"$WORK/prom3"
promtool_check "$WORK/prom3" "after a call"
prom=$(cat "$WORK/prom3")
prom_check "$prom" "after a call"
assert_contains "$prom" '^fs_invite_answer_seconds_count{direction="inbound"} 1$' "answer count"
assert_contains "$prom" '^fs_tts_synthesis_seconds_bucket{vendor="flite",le="+Inf"} 1$' "tts +Inf bucket"
assert_contains "$prom" "^fs_webhook_duration_seconds_bucket{le=\"+Inf\"} $hooks\$" "webhook +Inf bucket"
wait_idle

# errors
code=$(curl -sS -o "$WORK/404" -w '%{http_code}' "$FS_HTTP/no/such/path")
assert_eq "$code" 404 "unknown path status"
assert_eq "$(cat "$WORK/404")" '{"msg":"not found"}' "unknown path body"
code=$(curl -sS -o /dev/null -w '%{http_code}' -X DELETE "$FS_HTTP/health")
assert_eq "$code" 405 "DELETE /health"
head -c 2000000 /dev/zero >"$WORK/big"
code=$(curl -sS -o /dev/null -w '%{http_code}' --data-binary @"$WORK/big" \
	"$FS_HTTP/health")
assert_eq "$code" 413 "2 MB body"

# still serving after all that
body=$(curl -sS "$FS_HTTP/health")
assert_eq "$body" '{"calls":0}' "/health after errors"
echo "ok"
