#!/usr/bin/env bash
# Speech limits: a say whose texts together pass TTS_MAX_TEXT is not
# spoken (a log line says why) and the list goes on; with TTS_MAX_QUEUE
# 2, a say of four new texts (AUDIO_MAX_INFLIGHT 4 asks for all at once)
# has its third synthesis refused at once rather than queued: the say
# fails with a log line, the list goes on, and a later say speaks.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_hostile.sh"

start_hostile '{
  "/call": [
    {"verb":"say","text":"This sentence is far too long."},
    {"verb":"play","url":"@BASE@/tone.wav","actionHook":"/h/after-text"},
    {"verb":"say","text":["One.","Two.","Six.","Ten."]},
    {"verb":"play","url":"@BASE@/tone.wav","actionHook":"/h/after-queue"},
    {"verb":"say","text":"Fine."},
    {"verb":"play","url":"@BASE@/tone.wav","actionHook":"/h/end"}],
  "/tone.wav": {"wav":{"secs":0.2}}
}'
start_fs main DEFAULT_CALL_HOOK="$HX/call" TTS_MAX_TEXT=20 TTS_MAX_QUEUE=2 \
	AUDIO_MAX_INFLIGHT=4
start_rtpsink
run_sipp tts uac_srv_bye 15551470001 || fail "call"
log=$(hx_log)
for h in after-text after-queue end; do
	assert_eq "$(json_get "$log" "d.some(r => r.path===\"/h/$h\")")" "true" "verb after $h"
done
grep -q "say text is 30 bytes, more than 20 (TTS_MAX_TEXT): not spoken" "$WORK/main.log" ||
	fail "no line for TTS_MAX_TEXT"
grep -q "synthesis refused: 2 already queued (TTS_MAX_QUEUE)" "$WORK/main.log" ||
	fail "no line for TTS_MAX_QUEUE"
# "Fine." was spoken: loud packets between the second tone and the last
a=$(json_get "$log" 'd.find(r => r.path==="/h/after-queue").at')
b=$(json_get "$log" 'd.find(r => r.path==="/h/end").at')
loud=$(rtp_stat "d.log.filter(p => p[1] && p[0] > $a && p[0] < $b - 250).length")
echo "speech packets of the last say: $loud"
[ "$loud" -ge 10 ] || fail "the say after the refusals was not heard ($loud loud packets)"
wait_idle 5
assert_eq "$(metric d.tts.inflight)" "0" "syntheses in flight"
server_alive
echo OK
