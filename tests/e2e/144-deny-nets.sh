#!/usr/bin/env bash
# HTTP_DENY_NETS is checked on the address a name resolves to: with
# loopback denied, a call hook at http://localhost:<port>/ (a name, not
# an address) is never connected to; the call is rejected with 480 and
# an X-Reason naming the setting, and the log names the address. With
# only 127.0.0.2 denied, a play URL there fails (playFailed to the
# actionHook) and the list goes on. A bad list stops the server at
# start with a clear line.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_hostile.sh"

start_hostile '{
  "/call": [{"verb":"play","url":"http://127.0.0.2:9/x.wav","actionHook":"/playdone"},
            {"verb":"play","url":"@BASE@/after.wav"}],
  "/after.wav": {"wav":{"secs":0.2}}
}'
port=${HX##*:}
start_fs deny DEFAULT_CALL_HOOK="http://localhost:$port/call" \
	HTTP_DENY_NETS="127.0.0.0/8, ::1"
reject_call denied 480 'refused \(HTTP_DENY_NETS\)' 15551440001
grep -Eq "refused to connect to (127\.0\.0\.1|\[::1\]):$port: address is in HTTP_DENY_NETS" \
	"$WORK/deny.log" || fail "no log line naming the refused address"
assert_eq "$(json_get "$(hx_log)" 'd.length')" "0" "requests that reached the hook"
[ "$(metric d.connections.failures.denied)" -ge 1 ] || fail "denied not counted"
wait_idle 2
kill "$FS_PID"
wait "$FS_PID" 2>/dev/null || true

start_fs media DEFAULT_CALL_HOOK="$HX/call" HTTP_DENY_NETS=127.0.0.2/32
run_sipp play uac_srv_bye 15551440002 -key rtpport 9 || fail "call with a denied play URL"
log=$(hx_log)
assert_eq "$(json_get "$log" '(d.find(r => r.path==="/playdone") || {body:{}}).body.reason')" \
	"playFailed" "denied play URL"
assert_eq "$(json_get "$log" 'd.some(r => r.path==="/after.wav")')" "true" "the list went on"
grep -q "refused to connect to 127.0.0.2:9: address is in HTTP_DENY_NETS" "$WORK/media.log" ||
	fail "no log line for the denied play URL"
grep -q "address refused (HTTP_DENY_NETS)" "$WORK/media.log" ||
	fail "no audio log line for the denied play URL"
wait_idle 2

# a bad network: the server does not start, and says why
printf 'HTTP_ADDR=127.0.0.1\nHTTP_PORT=%s\nSIP_LISTEN=127.0.0.1:%s\nPLUGIN_DIR=%s\nHTTP_DENY_NETS=10.0.0.0/33\n' \
	"$(free_port)" "$(free_port)" "$FS_PLUGIN_DIR" >"$WORK/bad.conf"
rc=0
timeout 10 "$FS_BIN" -c "$WORK/bad.conf" >"$WORK/bad.out" 2>&1 || rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "bad HTTP_DENY_NETS: exit $rc"
grep -q "HTTP_DENY_NETS: bad network '10.0.0.0/33'" "$WORK/bad.out" ||
	fail "no line for the bad network: $(cat "$WORK/bad.out")"
echo OK
