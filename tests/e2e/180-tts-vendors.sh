#!/usr/bin/env bash
# Cloud speech synthesis: each vendor's wire format against a simulator
# that checks it as the vendor would (tests/tools/ttssim.js: the key or
# the SigV4 signature, the audio format asked for, the body), the tone it
# answers heard by the caller; a refused credential falling back to
# another vendor; a vendor with no credential, a 500 and garbage ending
# the say while the list goes on (and a vendor too slow); a Google
# service account trading a signed JWT for a token, reused; a repeated text served from the cache,
# unless disableTtsCache (the verb's, or config's for the session).
source "$(dirname "$0")/lib.sh"

# a Google service account: its private key signs, the simulator verifies
node -e '
const {generateKeyPairSync} = require("crypto");
const {publicKey, privateKey} = generateKeyPairSync("rsa", {modulusLength: 2048});
require("fs").writeFileSync(process.argv[1], JSON.stringify({
  pub: publicKey.export({type: "spki", format: "pem"}),
  key: privateKey.export({type: "pkcs8", format: "pem"})}));
' "$WORK/sa.json"
node -e '
const sa = JSON.parse(require("fs").readFileSync(process.argv[1]));
process.stdout.write(JSON.stringify({microsoft: "ms-key-1", google: "g-key-1",
  deepgram: "dg-key-1", elevenlabs: "el-key-1", openai: "sk-test-1", custom: "cu-token-1",
  aws: {id: "AKIDEXAMPLE", secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", region: "eu-west-1"},
  google_sa: {client_email: "tts@fs-test.iam.gserviceaccount.com", public_key: sa.pub}}));
' "$WORK/sa.json" >"$WORK/keys.json"
node "$E2E_ROOT/tests/tools/ttssim.js" "$WORK/keys.json" >"$WORK/sim.out" 2>"$WORK/sim.log" &
PIDS+=("$!")
wait_for 5 grep -q '^PORT ' "$WORK/sim.out" || fail "vendor simulator did not start"
SIM="http://127.0.0.1:$(sed -n 's/^PORT //p' "$WORK/sim.out")"
sim_log() { curl -fsS "$SIM/_log"; }
sim_true() { [ "$(json_get "$(sim_log)" "$1")" = "true" ]; }

# the service key as jambonz stores it: JSON text, here in service_key
sa_cred=$(node -e '
const sa = JSON.parse(require("fs").readFileSync(process.argv[1]));
process.stdout.write(JSON.stringify({service_key: JSON.stringify({type: "service_account",
  client_email: "tts@fs-test.iam.gserviceaccount.com", private_key: sa.key,
  token_uri: process.argv[2] + "/token"}), base_url: process.argv[2]}));
' "$WORK/sa.json" "$SIM")
cat >"$WORK/creds.json" <<JSON
[{"vendor":"microsoft","credential":{"api_key":"ms-key-1","region":"westeurope","base_url":"$SIM"}},
 {"vendor":"microsoft","label":"stale","credential":{"api_key":"revoked","region":"westeurope","base_url":"$SIM"}},
 {"vendor":"google","credential":"{\"api_key\":\"g-key-1\",\"base_url\":\"$SIM\"}"},
 {"vendor":"google","label":"sa","credential":$sa_cred},
 {"vendor":"aws","credential":{"access_key_id":"AKIDEXAMPLE","secret_access_key":"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY","aws_region":"eu-west-1","base_url":"$SIM"}},
 {"vendor":"deepgram","use_for_tts":1,"credential":{"api_key":"dg-key-1","deepgram_tts_uri":"$SIM"}},
 {"vendor":"elevenlabs","credential":{"api_key":"el-key-1","model_id":"eleven_turbo_v2_5","api_uri":"$SIM"}},
 {"vendor":"whisper","credential":{"api_key":"sk-test-1","model_id":"tts-1","baseURL":"$SIM/v1"}},
 {"vendor":"custom:acme","credential":{"auth_token":"cu-token-1","custom_tts_url":"$SIM/custom-tts"}},
 {"vendor":"deepgram","label":"stt-only","use_for_tts":0,"credential":{"api_key":"dg-key-1","deepgram_tts_uri":"$SIM"}}]
JSON

say() { # VENDOR VOICE TEXT [EXTRA_SYNTH_JSON]
	printf '{"verb":"say","text":"%s","synthesizer":{"vendor":"%s","voice":"%s","language":"en-US"%s}}' \
		"$3" "$1" "$2" "${4:-}"
}
calls=(
	"[$(say microsoft en-US-JennyNeural 'Hello & welcome <to> Azure.'),{\"verb\":\"hangup\"}]"
	"[$(say google en-US-Wavenet-D 'Hello from Google.'),{\"verb\":\"hangup\"}]"
	"[$(say aws Joanna 'Hello from Polly.' ',"engine":"neural"'),{\"verb\":\"hangup\"}]"
	"[$(say deepgram aura-asteria-en 'Hello from Deepgram.'),{\"verb\":\"hangup\"}]"
	"[$(say elevenlabs 21m00Tcm4TlvDq8ikWAM 'Hello from ElevenLabs.'),{\"verb\":\"hangup\"}]"
	"[$(say whisper alloy 'Hello from OpenAI.'),{\"verb\":\"hangup\"}]"
	"[$(say custom:acme robo 'Hello from Acme.'),{\"verb\":\"hangup\"}]"
	"[$(say microsoft en-US-JennyNeural 'Refused key.' ',"label":"stale","fallbackVendor":"flite","fallbackVoice":"kal"'),{\"verb\":\"hangup\"}]"
	"[$(say deepgram aura-asteria-en 'No credential.' ',"label":"stt-only"'),$(say whisper alloy 'E500 now.'),$(say deepgram aura-asteria-en 'SLOW answer.'),$(say google en-US-Wavenet-D 'GARBAGE here.'),{\"verb\":\"say\",\"text\":\"After.\",\"synthesizer\":{\"vendor\":\"flite\"}},{\"verb\":\"hangup\"}]"
	"[$(say microsoft en-US-JennyNeural 'Hello & welcome <to> Azure.'),{\"verb\":\"hangup\"}]"
	"[$(say google en-GB-Neural2-A 'Service account one.' ',"label":"sa"'),$(say google en-GB-Neural2-A 'Service account two.' ',"label":"sa"'),{\"verb\":\"hangup\"}]"
	"[{\"verb\":\"say\",\"disableTtsCache\":true,\"text\":\"Hello from ElevenLabs.\",\"synthesizer\":{\"vendor\":\"elevenlabs\",\"voice\":\"21m00Tcm4TlvDq8ikWAM\",\"language\":\"en-US\"}},{\"verb\":\"config\",\"disableTtsCache\":true},$(say microsoft en-US-JennyNeural 'Hello & welcome <to> Azure.'),{\"verb\":\"hangup\"}]"
)
seq=$(IFS=,; echo "${calls[*]}")
start_hooks "{\"/call\": {\"seq\": [$seq]}}"
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status" \
	SPEECH_CREDENTIALS_FILE="$WORK/creds.json" TTS_VENDOR_TIMEOUT_MS=1500 \
	SIP_LOOPS=1 # the cache is per loop: the repeated text must meet it

names=(microsoft google aws deepgram elevenlabs whisper custom fallback errors cached service-account nocache)
for i in "${!names[@]}"; do
	start_rtpsink
	run_sipp "${names[i]}" uac_srv_bye 15551230180 || fail "${names[i]}: call failed"
	rtp_quiet
	loud=$(rtp_stat d.nonsilent)
	echo "${names[i]}: $loud loud packets"
	[ "$loud" -ge 15 ] || fail "${names[i]}: barely heard ($loud loud packets)"
done

# every vendor's request passed its checks, with the text asked for
for v in microsoft google aws deepgram elevenlabs openai custom; do
	sim_true "d.some(r => r.vendor===\"$v\" && r.ok)" ||
		fail "$v: no request passed the simulator's checks: $(sim_log)"
done
# a service account: one token (the second say reuses it), then Bearer
assert_eq "$(json_get "$(sim_log)" 'd.filter(r => r.vendor==="google-token" && r.ok).length')" "1" \
	"google tokens asked for"
sim_true 'd.filter(r => r.vendor==="google" && r.ok && /^Bearer ya29\./.test(r.headers.authorization||"")).length===2' ||
	fail "google: the service account's token not used: $(sim_log)"
sim_true 'd.filter(r => !r.ok).every(r => r.vendor==="microsoft" && r.why==="bad key")' ||
	fail "a request failed a check it should pass: $(sim_log)"
# the SSML wrapping escapes the text
sim_true 'd.some(r => r.vendor==="microsoft" && r.ok && r.text.includes("Hello &amp; welcome &lt;to&gt; Azure.") && r.text.includes("<voice name=\"en-US-JennyNeural\">"))' ||
	fail "microsoft: text not escaped into SSML: $(json_get "$(sim_log)" "d.filter(r => r.vendor===\"microsoft\").map(r => r.text)")"
sim_true 'd.some(r => r.vendor==="aws" && r.body.Engine==="neural" && r.body.VoiceId==="Joanna" && r.body.LanguageCode==="en-US")' ||
	fail "aws: engine, voice or language not sent"
sim_true 'd.some(r => r.vendor==="deepgram" && r.query.model==="aura-asteria-en")' ||
	fail "deepgram: the voice is not the model"
sim_true 'd.some(r => r.vendor==="elevenlabs" && r.path.endsWith("/21m00Tcm4TlvDq8ikWAM") && r.body.model_id==="eleven_turbo_v2_5")' ||
	fail "elevenlabs: voice id or model_id"
sim_true 'd.some(r => r.vendor==="custom" && r.body.voice==="robo" && r.body.type==="text" && r.body.language==="en-US")' ||
	fail "custom: body"
# the refused key: one 401, then flite spoke it
assert_eq "$(json_get "$(sim_log)" 'd.filter(r => r.why==="bad key").length')" "1" "refused requests"
grep -q 'microsoft: HTTP 401' "$WORK/main.log" || fail "no log line for the 401"
grep -q 'falling back to flite' "$WORK/main.log" || fail "no fallback log line"
# no credential for synthesis (the row is for recognition only): no request
grep -q "no credential for vendor 'deepgram' (label 'stt-only')" "$WORK/main.log" ||
	fail "no log line for the missing credential"
assert_eq "$(json_get "$(sim_log)" 'd.filter(r => r.vendor==="deepgram").length')" "2" \
	"deepgram requests (one call, one too slow; none without a credential)"
grep -q 'openai: HTTP 500' "$WORK/main.log" || fail "no log line for the 500"
grep -q 'deepgram synthesis failed: Connection timed out' "$WORK/main.log" ||
	fail "no log line for the vendor that answered too late"
grep -q 'google synthesis failed' "$WORK/main.log" || fail "no log line for google's garbage"
# the repeated text came from the cache; asked again with disableTtsCache,
# on the verb (elevenlabs) or by config for the session (microsoft)
assert_eq "$(json_get "$(sim_log)" 'd.filter(r => r.vendor==="microsoft" && r.ok).length')" "2" \
	"microsoft requests for one text said three times, the last uncached"
assert_eq "$(json_get "$(sim_log)" 'd.filter(r => r.vendor==="elevenlabs" && r.ok).length')" "2" \
	"elevenlabs requests for one text said twice, the second uncached"

m=$(curl -fsS "$FS_HTTP/metrics")
[ "$(json_get "$m" d.tts.hits)" -ge 1 ] || fail "no cache hit counted"
wait_hooks 'd.filter(r => r.path==="/status" && r.body.call_status==="completed").length===12'
wait_idle
server_alive

# a credentials file that is not rows of credentials stops the start
printf '{"vendor":"aws"}' >"$WORK/bad.json"
if SPEECH_CREDENTIALS_FILE="$WORK/bad.json" HTTP_PORT=$(free_port) \
	SIP_LISTEN=127.0.0.1:$(free_port) \
	timeout 10 "$FS_BIN" -c "$WORK/main.conf" \
	>"$WORK/bad.log" 2>&1; then
	fail "started with a credentials file that is not an array"
fi
grep -q "bad.json: not a JSON array" "$WORK/bad.log" || fail "no log line for the bad file"
echo OK
