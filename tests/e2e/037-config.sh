#!/usr/bin/env bash
# config: its synthesizer becomes the default of later say verbs. With
# TTS_STRICT an unknown vendor makes those says fail (silence) while the
# built-in vendors speak, each with its own voice (different lengths).
source "$(dirname "$0")/lib.sh"

text="Testing the configured voice."
start_hooks '{
  "/call": {"seq": [
    [{"verb":"say","text":"'"$text"'"},{"verb":"hangup"}],
    [{"verb":"config","synthesizer":{"vendor":"espeak","language":"en-US"}},
     {"verb":"say","text":"'"$text"'"},{"verb":"hangup"}],
    [{"verb":"config","synthesizer":{"vendor":"acme-tts"}},
     {"verb":"say","text":"'"$text"'"},{"verb":"hangup"}]
  ]}
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status" TTS_STRICT=true

loud=()
for name in flite espeak acme; do
	start_rtpsink
	run_sipp "$name" uac_srv_bye 15551230023 || fail "$name: call failed"
	rtp_quiet
	loud+=("$(rtp_stat d.nonsilent)")
done
echo "loud packets: flite=${loud[0]} espeak=${loud[1]} acme=${loud[2]}"
[ "${loud[0]}" -ge 25 ] || fail "default voice not heard: ${loud[0]}"
[ "${loud[1]}" -ge 25 ] || fail "espeak (from config) not heard: ${loud[1]}"
[ "${loud[0]}" != "${loud[1]}" ] || fail "config changed nothing: same audio length"
assert_eq "${loud[2]}" "0" "speech with an unknown configured vendor (strict)"

log=$(hooks_log)
assert_eq "$(json_get "$log" 'd.find(r => r.path==="/call").body.defaults.synthesizer.vendor')" \
	"flite" "session:new defaults.synthesizer.vendor"
wait_hooks 'd.filter(r => r.path==="/status" && r.body.call_status==="completed").length===3'
wait_idle
echo OK
