#!/usr/bin/env bash
# Hostile play URLs: one that streams for ever (cut at the fetch
# timeout), 100 MB (cut at AUDIO_MAX_FILE_MB while it arrives), HTML
# sent as audio/wav, a WAV longer than AUDIO_MAX_SECS, two files over
# AUDIO_MAX_CALL_MB together. Each play ends with playFailed to its
# actionHook and a log line naming the limit, and the list goes on. Six
# slow files are fetched AUDIO_MAX_INFLIGHT (2) at a time and play.
# Resources are back at their baseline, the cut stream included.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_hostile.sh"

slow='{"delay":300,"wav":{"secs":0.1}}'
start_hostile '{
  "/call": {"seq": [
    [{"verb":"play","url":"@BASE@/ok.wav"},{"verb":"say","text":"Warm."}],
    [{"verb":"play","url":"@BASE@/forever.wav","actionHook":"/h/forever"},
     {"verb":"play","url":"@BASE@/huge.wav","actionHook":"/h/huge"},
     {"verb":"play","url":"@BASE@/html.wav","actionHook":"/h/html"},
     {"verb":"play","url":"@BASE@/long.wav","actionHook":"/h/long"},
     {"verb":"play","url":["@BASE@/a.wav","@BASE@/b.wav"],"actionHook":"/h/callmb"},
     {"verb":"play","url":["@BASE@/s1.wav","@BASE@/s2.wav","@BASE@/s3.wav",
       "@BASE@/s4.wav","@BASE@/s5.wav","@BASE@/s6.wav"],"actionHook":"/h/inflight"},
     {"verb":"play","url":"@BASE@/ok.wav","actionHook":"/h/ok"}]
  ]},
  "/ok.wav": {"wav":{"secs":0.2}},
  "/forever.wav": {"stream":{"rate":16000}},
  "/huge.wav": {"flood":{"bytes":100000000,"wav":true}},
  "/html.wav": {"raw":"<html><body>not audio</body></html>","ctype":"audio/wav"},
  "/long.wav": {"wav":{"secs":60}},
  "/a.wav": {"wav":{"secs":40}},
  "/b.wav": {"wav":{"secs":40}},
  "/s1.wav": '"$slow"', "/s2.wav": '"$slow"', "/s3.wav": '"$slow"',
  "/s4.wav": '"$slow"', "/s5.wav": '"$slow"', "/s6.wav": '"$slow"'
}'
start_fs main DEFAULT_CALL_HOOK="$HX/call" JAMBONES_HTTP_TIMEOUT=2000 \
	AUDIO_MAX_FILE_MB=2 AUDIO_MAX_SECS=50 AUDIO_MAX_CALL_MB=1 \
	AUDIO_MAX_INFLIGHT=2 JAMBONES_CONNECTION_POOL_CLEANUP_INTERVAL=500
timers_fresh

run_sipp warm uac_srv_bye 15551450000 -key rtpport 9 || fail "warm-up call"
baseline_take
t0=$(date +%s%3N)
run_sipp hostile uac_srv_bye 15551450001 -key rtpport 9 || fail "hostile media call"
echo "hostile media call took $(($(date +%s%3N) - t0)) ms"

log=$(hx_log)
reason() { json_get "$log" "(d.find(r => r.path===\"/h/$1\") || {body:{}}).body.reason"; }
for h in forever huge html long callmb; do
	assert_eq "$(reason $h)" "playFailed" "play $h"
done
assert_eq "$(reason inflight)" "playCompleted" "six slow files"
assert_eq "$(reason ok)" "playCompleted" "the play after the hostile ones"
ms=$(json_get "$log" 'd.find(r => r.path==="/h/inflight").body.playback_milliseconds')
[ "$ms" -ge 560 ] && [ "$ms" -le 640 ] || fail "six 100 ms files played $ms ms"
most=$(json_get "$(curl -fsS "$HX/_stats")" d.maxInflight)
echo "most answers in flight at once: $most"
assert_eq "$most" "2" "fetches in flight (AUDIO_MAX_INFLIGHT 2)"
sent=$(json_get "$log" 'd.find(r => r.path==="/huge.wav").sent')
echo "huge: the hostile server wrote $sent of 100000044 bytes"
[ "$sent" -lt 20000000 ] || fail "100 MB audio read to $sent bytes"
assert_eq "$(json_get "$log" 'd.find(r => r.path==="/forever.wav").closed')" "true" \
	"endless stream cut"

for w in "forever.wav: too slow: fetch timeout" "huge.wav: too large" \
	"html.wav: not audio" "long.wav: too large" \
	"audio is over 1 MB (AUDIO_MAX_CALL_MB): stopped"; do
	grep -q "$w" "$WORK/main.log" || fail "no log line '$w'"
done
baseline_check 40
server_alive
echo OK
