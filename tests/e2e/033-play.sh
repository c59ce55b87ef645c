#!/usr/bin/env bash
# play: two WAVs from the webhook server (a url array) are heard and the
# actionHook gets playCompleted with their total length; a URL answering
# 404 gives the actionHook status fail / playFailed and the call goes on
# to the next verb (speech heard after it). The status hook answers 500
# throughout, which must not disturb the call.
source "$(dirname "$0")/lib.sh"

start_hooks '{
  "/call": [{"verb":"play","url":["@BASE@/tone.wav","@BASE@/short.wav"],
             "actionHook":"/playdone"},
            {"verb":"play","url":"@BASE@/missing.wav","actionHook":"/playfail"},
            {"verb":"say","text":"Still here after the failure."},
            {"verb":"hangup"}],
  "/tone.wav": {"wav":{"secs":1.5,"freq":440,"rate":16000}},
  "/short.wav": {"wav":{"secs":0.5,"freq":600,"rate":8000}},
  "/status": {"status":500},
  "/missing.wav": {"status":404}
}' pl4y
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status" DEFAULT_WEBHOOK_SECRET=pl4y
start_rtpsink
run_sipp play uac_srv_bye 15551230003 || fail "call failed"
wait_hooks 'd.some(r => r.path==="/status" && r.body.call_status==="completed")'
rtp_quiet

log=$(hooks_log)
ok='d.find(r => r.path==="/playdone")'
assert_eq "$(json_get "$log" "$ok !== undefined")" "true" "playCompleted hook sent"
assert_eq "$(json_get "$log" "$ok.method")" "POST" "actionHook method"
assert_eq "$(json_get "$log" "$ok.sig")" "ok" "actionHook signature"
assert_eq "$(json_get "$log" "$ok.body.reason")" "playCompleted" "reason"
assert_eq "$(json_get "$log" "$ok.body.playback_seconds")" "2" "playback_seconds"
ms=$(json_get "$log" "$ok.body.playback_milliseconds")
[ "$ms" -ge 1960 ] && [ "$ms" -le 2040 ] || fail "playback_milliseconds $ms, want ~2000"
assert_eq "$(json_get "$log" "typeof $ok.body.playback_last_offset_pos")" "number" "last offset"
assert_eq "$(json_get "$log" "$ok.body.call_sid === d.find(r => r.path===\"/call\").body.call_sid")" "true" "call_sid"

bad='d.find(r => r.path==="/playfail")'
assert_eq "$(json_get "$log" "$bad !== undefined")" "true" "playFailed hook sent"
assert_eq "$(json_get "$log" "$bad.body.status")" "fail" "status"
assert_eq "$(json_get "$log" "$bad.body.reason")" "playFailed" "reason"
assert_eq "$(json_get "$log" 'd.filter(r => r.path==="/missing.wav").length >= 1')" "true" "404 URL fetched"

# the tone, then speech after the failed play
tone=$(rtp_stat 'd.log.filter(p => p[1]).length')
failat=$(json_get "$log" "$bad.at")
after=$(rtp_stat "d.log.filter(p => p[1] && p[0] > $failat).length")
[ "$tone" -ge 120 ] || fail "tone + speech: only $tone loud packets"
[ "$after" -ge 20 ] || fail "no speech after the failed play: $after loud packets"
assert_eq "$(status_seq)" "trying,in-progress,completed" "status sequence"
wait_idle
echo OK
