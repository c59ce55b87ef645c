#!/usr/bin/env bash
# A say's SSML over JAMBONES_SAY_CHUNK_SIZE (900) is cut as jambonz's
# polly-ssml-split cuts it: between the children of <speak> only (an
# element such as <prosody> stays whole, a '>' in a quoted attribute is
# no tag end), each piece a <speak> document of its own with at most 885
# text bytes, synthesised on its own; the caller hears every piece.
# SSML that does not parse goes whole, as jambonz sends it when the
# package throws.
source "$(dirname "$0")/lib.sh"

printf '{"google":"g-key-1"}' >"$WORK/keys.json"
node "$E2E_ROOT/tests/tools/ttssim.js" "$WORK/keys.json" >"$WORK/sim.out" 2>"$WORK/sim.log" &
PIDS+=("$!")
wait_for 5 grep -q '^PORT ' "$WORK/sim.out" || fail "vendor simulator did not start"
SIM="http://127.0.0.1:$(sed -n 's/^PORT //p' "$WORK/sim.out")"
sim_log() { curl -fsS "$SIM/_log"; }
printf '[{"vendor":"google","credential":{"api_key":"g-key-1","base_url":"%s"}}]' \
	"$SIM" >"$WORK/creds.json"

sent() { local s=""; for i in $(seq -w 1 "$2"); do s+="$1 $i is said, and it ends. "; done; printf '%s' "$s"; }
elem="<prosody rate='slow'>$(sent Slow 6)<say-as interpret-as='characters' format='a>b'>xyz</say-as> &amp; done.</prosody>"
inner="$(sent Intro 16)$elem <break time='200ms'/>$(sent Then 24)"
ssml="<speak>$inner</speak>"
broken="<speak>$(sent Broken 30)<p>open</s></p></speak>"
# the verb's JSON: the texts as JSON strings
j() { node -e 'process.stdout.write(JSON.stringify(process.argv[1]))' "$1"; }
synth='"synthesizer":{"vendor":"google","voice":"en-US-Standard-C","language":"en-US"}'
start_hooks "{\"/call\": {\"seq\": [
  [{\"verb\":\"say\",\"text\":$(j "$ssml"),$synth},{\"verb\":\"hangup\"}],
  [{\"verb\":\"say\",\"text\":$(j "$broken"),$synth},{\"verb\":\"hangup\"}]
]}}"
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status" \
	SPEECH_CREDENTIALS_FILE="$WORK/creds.json" TTS_VENDOR_TIMEOUT_MS=6000

# 1. the SSML: cut into well-formed pieces within the size, all heard
start_rtpsink
run_sipp ssml uac_srv_bye 15551230187 || fail "SSML: call failed"
rtp_quiet
texts=$(json_get "$(sim_log)" 'JSON.stringify(d.filter(r => r.vendor==="google" && r.ok).map(r => r.text))')
n=$(json_get "$texts" d.length)
echo "SSML: $n pieces"
[ "$n" -ge 3 ] || fail "SSML in $n pieces: $texts"
# well-formed: every tag closed in order, a '>' in quotes inside its tag
bad=$(json_get "$texts" 'd.filter(s => {
  if (!s.startsWith("<speak>") || !s.endsWith("</speak>")) return true;
  const st = []; const re = /<(\/?)([a-z-]+)((?:[^>"\x27]|"[^"]*"|\x27[^\x27]*\x27)*?)(\/?)>/g; let m, last = 0, rest = "";
  while ((m = re.exec(s))) { rest += s.slice(last, m.index); last = re.lastIndex;
    if (m[1]) { if (st.pop() !== m[2]) return true; } else if (!m[4]) st.push(m[2]); }
  rest += s.slice(last);
  return st.length !== 0 || /[<>]/.test(rest.replace(/a>b/g, "")) || Buffer.byteLength(rest) > 885;
})')
assert_eq "$bad" "[]" "pieces not well-formed or over 885 text bytes"
[ "$(ELEM=$elem json_get "$texts" 'd.filter(s => s.includes(process.env.ELEM)).length')" = 1 ] ||
	fail "the prosody element was cut apart: $texts"
# asked for at once, so in any order: in the document's order their
# contents make it whole
whole=$(INNER=$inner json_get "$texts" 'd.map(s => s.slice(7, -8)).sort((a, b) => process.env.INNER.indexOf(a) - process.env.INNER.indexOf(b)).join("")')
assert_eq "$whole" "$inner" "the pieces make the document"
loud=$(rtp_stat d.nonsilent)
[ "$loud" -ge $((n * 25)) ] || fail "not every piece heard: $loud loud packets for $n pieces"

# 2. SSML that does not parse: said whole, with a log line
start_rtpsink
run_sipp broken uac_srv_bye 15551230187 || fail "broken SSML: call failed"
rtp_quiet
got=$(json_get "$(sim_log)" 'JSON.stringify(d.filter(r => r.vendor==="google" && r.ok && /Broken/.test(r.text)).map(r => r.text))')
assert_eq "$(BROKEN=$broken json_get "$got" 'd.length === 1 && d[0] === process.env.BROKEN')" "true" \
	"broken SSML not sent whole: $got"
wait_log "$WORK/main.log" "SSML not cut (Bad message): said whole" 5
[ "$(rtp_stat d.nonsilent)" -ge 25 ] || fail "broken SSML not heard"
wait_idle
server_alive
echo OK
