#!/usr/bin/env bash
# A say's audio plays as it comes: the first text is heard while a later
# one is still being synthesised (the simulator holds any text with SLOW
# in it for 3 s), and a text over JAMBONES_SAY_CHUNK_SIZE (900) is cut
# at clause ends after 100 bytes into pieces of at most 885, each
# synthesised on its own, as jambonz's say does; the caller hears every
# piece in order.
source "$(dirname "$0")/lib.sh"

printf '{"microsoft":"ms-key-1"}' >"$WORK/keys.json"
node "$E2E_ROOT/tests/tools/ttssim.js" "$WORK/keys.json" >"$WORK/sim.out" 2>"$WORK/sim.log" &
PIDS+=("$!")
wait_for 5 grep -q '^PORT ' "$WORK/sim.out" || fail "vendor simulator did not start"
SIM="http://127.0.0.1:$(sed -n 's/^PORT //p' "$WORK/sim.out")"
sim_log() { curl -fsS "$SIM/_log"; }
printf '[{"vendor":"microsoft","credential":{"api_key":"ms-key-1","region":"westeurope","base_url":"%s"}}]' \
	"$SIM" >"$WORK/creds.json"

# 1300 bytes of sentences, the last one SLOW
long=""
for i in $(seq -w 1 31); do long+="Sentence $i has a clause, and it ends here. "; done
long+="The SLOW end."
synth='"synthesizer":{"vendor":"microsoft","voice":"en-US-JennyNeural","language":"en-US"}'
start_hooks "{\"/call\": {\"seq\": [
  [{\"verb\":\"say\",\"text\":[\"First comes quickly.\",\"Then a SLOW second.\"],$synth},{\"verb\":\"hangup\"}],
  [{\"verb\":\"say\",\"text\":\"$long\",$synth},{\"verb\":\"hangup\"}]
]}}"
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status" \
	SPEECH_CREDENTIALS_FILE="$WORK/creds.json" TTS_VENDOR_TIMEOUT_MS=6000

# the first loud packet, in ms before the SLOW text's answer (its request
# time, as the simulator logged it, plus the 3 s it holds it): positive
# when audio played while the slow one was still being made
first_loud() {
	local slow
	slow=$(json_get "$(sim_log)" "d.filter(r => r.vendor===\"microsoft\" && r.ok && /$1/.test(r.text)).pop().at + 3000")
	rtp_stat "$slow - (d.log.find(l => l[1]) || [Infinity])[0]"
}

# 1. two texts: the first is heard before the second is made
start_rtpsink
t0=$(date +%s%3N)
run_sipp two uac_srv_bye 15551230182 || fail "two texts: call failed"
rtp_quiet
dt=$(($(date +%s%3N) - t0))
fl=$(first_loud 'SLOW second')
echo "two texts: first audio $fl ms before the second text was in, call $dt ms"
[ "$fl" -ge 1000 ] || fail "the first text waited for the second ($fl ms)"
[ "$dt" -ge 3000 ] || fail "the second text was not waited for ($dt ms)"
[ "$(rtp_stat d.nonsilent)" -ge 50 ] || fail "both texts not heard"

# 2. the long text: cut into pieces, the first heard early, all heard
start_rtpsink
t0=$(date +%s%3N)
run_sipp long uac_srv_bye 15551230182 || fail "long text: call failed"
rtp_quiet
fl=$(first_loud 'SLOW end')
texts=$(json_get "$(sim_log)" 'JSON.stringify(d.filter(r => r.vendor==="microsoft" && r.ok).map(r => r.text.replace(/<[^>]*>/g, "").trim()).filter(t => !/^(First comes|Then a SLOW)/.test(t)))')
n=$(json_get "$texts" d.length)
echo "long text: $n pieces, first audio $fl ms before the slow piece was in"
[ "$n" -ge 3 ] || fail "long text in $n pieces: $texts"
[ "$(json_get "$texts" 'd.every(t => Buffer.byteLength(t) <= 885)')" = "true" ] || fail "a piece over 885 bytes"
[ "$(json_get "$texts" 'd.filter(t => !t.endsWith("SLOW end.")).every(t => t.length >= 100 && /[.,;!?]$/.test(t))')" = "true" ] ||
	fail "a piece not cut at a clause end after 100 bytes: $texts"
# asked for at once (several in flight), so in any order: in the text's
# order they make it whole
whole=$(LONG=$long json_get "$texts" 'd.sort((a, b) => process.env.LONG.indexOf(a) - process.env.LONG.indexOf(b)).join(" ")')
assert_eq "$whole" "$long" "the pieces make the text"
[ "$fl" -ge 1000 ] || fail "the first piece waited for the slow one ($fl ms)"
loud=$(rtp_stat d.nonsilent)
[ "$loud" -ge $((n * 25)) ] || fail "not every piece heard: $loud loud packets for $n pieces"
wait_idle
server_alive
echo OK
