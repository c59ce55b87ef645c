#!/usr/bin/env bash
# Reload (SIGHUP and POST /v1/reload): settings applied, restart-only
# ones named, a broken config refused with the old state kept; plugin
# folder rescanned: a changed .so serves new tasks while a running say
# keeps going, a broken replacement is refused, a removed one stops
# being offered.
source "$(dirname "$0")/lib.sh"

plugins="$WORK/plugins"
mkdir -p "$plugins"
cp "$FS_PLUGIN_DIR"/*.so "$plugins/"
FS_PLUGIN_DIR=$plugins

start_hooks '{
  "/call": [{"verb":"say","text":"This is a long sentence that keeps the call busy while the plugins are reloaded underneath it.","loop":2},
            {"verb":"hangup"}],
  "/tagcall": [{"verb":"tag","data":{"a":1}},{"verb":"hangup"}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" PRELOAD_TASKS=say,hangup,tag \
	HTTP_POOLSIZE=20
conf="$WORK/main.conf"

assert_eq "$(metric 'd.tasks.loaded.sort().join()')" "hangup,say,tag" "preloaded"

# settings: a new preload list and pool size apply; SIP_LISTEN needs a
# restart and says so
sed -i 's/^PRELOAD_TASKS=.*/PRELOAD_TASKS=say,hangup,tag,pause/' "$conf"
echo "HTTP_POOLSIZE=7" >>"$conf"
kill -HUP "$FS_PID"
wait_for 5 grep -q "reloaded:" "$WORK/main.log" || fail "SIGHUP did not reload"
assert_contains "$(metric 'd.tasks.loaded.join()')" "pause" "new preload"
assert_eq "$(metric d.connections.connections.poolsize)" "7" "pool size"

cp "$conf" "$WORK/good.conf"
echo "SIP_LISTEN=127.0.0.1:1" >>"$conf"
out=$(curl -fsS -XPOST "$FS_HTTP/v1/reload")
assert_contains "$out" "reloaded" "REST reload"
grep -q "SIP_LISTEN changed: needs a restart" "$WORK/main.log" ||
	fail "restart-only setting not named"
cp "$WORK/good.conf" "$conf"

# a broken file is refused and nothing changes
echo "HTTP_POOLSIZE=many" >>"$conf"
code=$(curl -s -o "$WORK/r.json" -w '%{http_code}' -XPOST "$FS_HTTP/v1/reload")
assert_eq "$code" "400" "broken reload status"
assert_contains "$(cat "$WORK/r.json")" "HTTP_POOLSIZE" "broken reload reason"
assert_eq "$(metric d.connections.connections.poolsize)" "7" "pool size kept"
cp "$WORK/good.conf" "$conf"

# a say is running while say.so is replaced: the call finishes normally
# on the old code, and the next call runs the new one
start_rtpsink
run_sipp long uac_srv_bye 15551234567 &
sipp_pid=$!
# the say is under way: half a second of speech has reached the caller
wait_rtp 'd.nonsilent >= 25'
cp "$plugins/say.so" "$WORK/say.new" && mv "$WORK/say.new" "$plugins/say.so"
out=$(curl -fsS -XPOST "$FS_HTTP/v1/reload")
assert_contains "$out" "1 reloaded" "say reloaded"
wait "$sipp_pid" || fail "the call running during the reload failed"
[ "$(rtp_stat d.nonsilent)" -ge 100 ] || fail "speech cut by the reload"
RTP_PORT=
run_sipp after uac_srv_bye 15551234567 || fail "call after reload failed"

# a broken replacement is refused; the running version stays
cp "$FS_TEST_PLUGIN_DIR/t_good.so" "$WORK/bad.so"
mv "$WORK/bad.so" "$plugins/say.so"
out=$(curl -fsS -XPOST "$FS_HTTP/v1/reload")
assert_contains "$out" "1 refused" "broken say refused"
run_sipp kept uac_srv_bye 15551234567 || fail "say broken by a bad file"

# a removed plugin stops being offered
rm "$plugins/tag.so"
out=$(curl -fsS -XPOST "$FS_HTTP/v1/reload")
assert_contains "$out" "1 removed" "tag removed"
json_get "$(curl -fsS "$FS_HTTP/metrics")" 'd.tasks.loaded.join()' |
	grep -qv "tag" || fail "tag still loaded"
echo OK
