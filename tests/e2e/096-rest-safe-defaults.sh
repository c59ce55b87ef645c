#!/usr/bin/env bash
# The REST API is safe by default: the listener is on loopback unless
# told otherwise; a non-loopback HTTP_ADDR without HTTP_API_KEY is
# refused (at start and by --check-config) unless HTTP_API_INSECURE=true,
# which is logged as a warning; with a key every /v1/ route needs it
# while /health and /metrics stay open; a reload cannot empty the key of
# an exposed listener; reloads free the settings they replace.
source "$(dirname "$0")/lib.sh"

conf="$WORK/bare.conf"
echo "PLUGIN_DIR=$FS_PLUGIN_DIR" >"$conf"

# 1. --check-config and start-up refuse an open API on the network
out=$(HTTP_ADDR=0.0.0.0 "$FS_BIN" -c "$conf" --check-config 2>&1) &&
	fail "check-config accepted 0.0.0.0 without a key: $out"
assert_contains "$out" "HTTP_API_KEY" "check-config reason"
assert_contains "$out" "HTTP_API_INSECURE" "check-config remedy"
HTTP_ADDR=0.0.0.0 HTTP_API_KEY=k "$FS_BIN" -c "$conf" --check-config >/dev/null ||
	fail "check-config refused 0.0.0.0 with a key"
HTTP_ADDR=0.0.0.0 HTTP_API_INSECURE=true "$FS_BIN" -c "$conf" --check-config >/dev/null ||
	fail "check-config refused HTTP_API_INSECURE=true"
out=$(HTTP_ADDR=not-an-ip "$FS_BIN" -c "$conf" --check-config 2>&1) &&
	fail "check-config accepted HTTP_ADDR=not-an-ip"
assert_contains "$out" "not an IPv4 or IPv6 address" "bad HTTP_ADDR reason"
rc=0
HTTP_ADDR=0.0.0.0 HTTP_PORT=$(free_port) SIP_LISTEN=127.0.0.1:$(free_port) \
	timeout 10 "$FS_BIN" -c "$conf" >"$WORK/refused.out" 2>&1 || rc=$?
assert_eq "$rc" "1" "exit status of an open API on 0.0.0.0"
assert_contains "$(cat "$WORK/refused.out")" "HTTP_API_KEY is empty" "start-up refusal"

# 2. the default address is loopback
grep -q '^HTTP_ADDR=127.0.0.1$' <("$FS_BIN" --print-config) ||
	fail "default HTTP_ADDR is not 127.0.0.1"

# 3. HTTP_API_INSECURE runs, with a warning
hp=$(free_port)
HTTP_ADDR=0.0.0.0 HTTP_PORT=$hp HTTP_API_INSECURE=true \
	SIP_LISTEN=127.0.0.1:$(free_port) "$FS_BIN" -c "$conf" \
	>"$WORK/insecure.log" 2>&1 &
FS_PID=$!
PIDS+=("$FS_PID")
FS_PIDS+=("$FS_PID")
wait_http "http://127.0.0.1:$hp/health" 10 || fail "insecure server did not start"
grep -q "WARN.*HTTP_API_INSECURE: the REST API on 0.0.0.0:$hp needs no key" \
	"$WORK/insecure.log" || fail "no warning for HTTP_API_INSECURE"
kill -TERM "$FS_PID"
wait "$FS_PID" || true

# 4. a key guards every /v1/ route, whatever the method or path
KEY=s3cr3t-key
start_fs keyed HTTP_ADDR=0.0.0.0 HTTP_API_KEY=$KEY SIP_LOOPS=2
code() { curl -sS -o /dev/null -w '%{http_code}' "$@"; }
for p in /v1/createCall /v1/updateCall/abc /v1/drain /v1/reload /v1/nosuch; do
	assert_eq "$(code -X POST -d '{"exit":true}' "$FS_HTTP$p")" "401" "POST $p without key"
	assert_eq "$(code "$FS_HTTP$p")" "401" "GET $p without key"
	assert_eq "$(code -X POST -H "Authorization: Bearer wrong" -d '{}' "$FS_HTTP$p")" \
		"401" "POST $p with a wrong key"
done
assert_eq "$(code "$FS_HTTP/health")" "200" "/health without key"
assert_eq "$(code "$FS_HTTP/metrics")" "200" "/metrics without key"
# the unauthenticated drain above did nothing
assert_eq "$(json_get "$(curl -sS "$FS_HTTP/health")" 'd.status||"up"')" "up" "not draining"
auth=(-H "Authorization: Bearer $KEY")
assert_eq "$(code -X POST "${auth[@]}" "$FS_HTTP/v1/nosuch")" "404" "unknown route with key"

# 5. reloads free what they replace (two loops acknowledge each one)
for ((i = 0; i < 20; i++)); do
	assert_eq "$(code -X POST "${auth[@]}" "$FS_HTTP/v1/reload")" "200" "reload $i"
done
assert_eq "$(metric d.config.reloads)" "20" "reloads counted"
wait_for 5 metric_is d.config.retained 0 || true
assert_eq "$(metric d.config.retained)" "0" "old settings retained after 20 reloads"

# 6. the key of an exposed listener cannot be reloaded away
sed -i "s/^HTTP_API_KEY=.*/HTTP_API_KEY=/" "$WORK/keyed.conf"
r=$(curl -sS -X POST "${auth[@]}" "$FS_HTTP/v1/reload")
assert_contains "$r" "refused" "reload emptying the key"
assert_eq "$(code -X POST "$FS_HTTP/v1/reload")" "401" "key still needed"
assert_eq "$(metric d.config.reloads)" "20" "refused reload not applied"
# and SIGHUP is refused the same way
kill -HUP "$FS_PID"
wait_for 5 grep -q "reload refused.*HTTP_API_KEY is empty" "$WORK/keyed.log" ||
	fail "SIGHUP reload emptying the key not refused"
# a file that now says loopback does not move the listener: still refused
sed -i "s/^HTTP_ADDR=.*/HTTP_ADDR=127.0.0.1/" "$WORK/keyed.conf"
r=$(curl -sS -X POST "${auth[@]}" "$FS_HTTP/v1/reload")
assert_contains "$r" "may not be emptied while the REST API listens on 0.0.0.0" \
	"reload to a loopback HTTP_ADDR without a key"
assert_eq "$(code -X POST "$FS_HTTP/v1/reload")" "401" "key still needed (2)"
server_alive
echo OK
