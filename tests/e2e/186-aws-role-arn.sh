#!/usr/bin/env bash
# aws with roleArn, as speech-utils: the server asks STS (AssumeRole,
# SigV4 for "sts" with its own AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,
# at AWS_ENDPOINT_URL_STS: the simulator in tests/tools/ttssim.js checks
# the signature and the form, and answers in STS's XML) and signs Polly
# and Transcribe with the temporary key, secret and session token
# (ttssim.js and sttsim.js check both, the token signed in); the keys are
# cached: two says and a gather ask STS once. A role STS refuses
# (AccessDenied) ends that say with one log line, and the list goes on.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/19-stt-lib.sh"

ROLE="arn:aws:iam::123456789012:role/jambonz-speech"
TMPID=ASIATEMPKEY0001
TMPSECRET="tmp/Secret+Key0001"
TMPTOKEN="FwoGZXIvYXdzEJr//////////wEaDtemp+session/token=="
TEXT="what are your opening hours"
start_sttsim "{\"$TMPID\": {\"secret\": \"$TMPSECRET\", \"token\": \"$TMPTOKEN\", \"transcript\": \"$TEXT\", \"confidence\": 0.9}}"
start_ttssim "$(cat <<JSON
{"aws": {"id": "AKIDNOTUSED", "secret": "x", "region": "eu-west-1"},
 "sts": {"id": "AKIDSERVER01", "secret": "server/Secret+01", "region": "eu-west-1", "role": "$ROLE",
         "issue": {"id": "$TMPID", "secret": "$TMPSECRET", "token": "$TMPTOKEN"}}}
JSON
)"
cat >"$WORK/creds.json" <<JSON
[{"vendor":"aws","label":"tts","use_for_tts":1,"credential":{"role_arn":"$ROLE","aws_region":"eu-west-1","base_url":"$TSIM"}},
 {"vendor":"aws","label":"stt","use_for_stt":1,"credential":{"roleArn":"$ROLE","region":"eu-west-1","base_url":"$SIM"}},
 {"vendor":"aws","label":"denied","use_for_tts":1,"credential":{"role_arn":"arn:aws:iam::123456789012:role/other","aws_region":"eu-west-1","base_url":"$TSIM"}}]
JSON
say() { # TEXT LABEL
	printf '{"verb":"say","text":"%s","synthesizer":{"vendor":"aws","voice":"Joanna","language":"en-US","label":"%s"}}' "$1" "$2"
}
start_hooks '{
  "/call": {"seq": [
    ['"$(say 'Hello from an assumed role.' tts)"', '"$(say 'And once more.' tts)"', {"verb":"hangup"}],
    [{"verb":"gather","input":["speech"],"actionHook":"/result/stt","timeout":8,
      "recognizer":{"vendor":"aws","language":"en-US","label":"stt"}}, {"verb":"hangup"}],
    ['"$(say 'Denied.' denied)"', {"verb":"say","text":"After.","synthesizer":{"vendor":"flite"}}, {"verb":"hangup"}]
  ]}
}'
AWS_ACCESS_KEY_ID=AKIDSERVER01 AWS_SECRET_ACCESS_KEY="server/Secret+01" AWS_ENDPOINT_URL_STS="$TSIM" \
	start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status" \
	SPEECH_CREDENTIALS_FILE="$WORK/creds.json" SIP_LOOPS=1 # the keys are cached per loop

heard 15551230186 polly
speech_scen "$TEXT"
run_sipp stt "$SCEN" 15551230186 || fail "stt: call failed"
heard 15551230186 denied
wait_hooks 'd.some(r => r.path==="/result/stt")'

tl=$(tsim_log)
assert_eq "$(json_get "$tl" 'd.filter(r => r.vendor==="sts").map(r => r.ok).join()')" "true,false" \
	"STS asked once for the role (the second say and the gather reuse its keys), once for the other"
assert_eq "$(json_get "$tl" 'd.find(r => r.vendor==="sts").body.RoleArn')" "$ROLE" "RoleArn"
assert_eq "$(json_get "$tl" 'd.find(r => r.vendor==="sts").body.RoleSessionName')" "Jambonz_Speech" "RoleSessionName"
assert_contains "$(json_get "$tl" 'd.find(r => r.vendor==="sts").headers.authorization')" \
	"Credential=AKIDSERVER01/[0-9]*/eu-west-1/sts/aws4_request" "STS signed with the server's key"
assert_eq "$(json_get "$tl" 'd.filter(r => r.vendor==="aws").length')" "2" "polly requests"
assert_eq "$(json_get "$tl" "d.filter(r => r.vendor===\"aws\").every(r => r.ok && r.headers.authorization.includes(\"Credential=$TMPID/\") && r.headers[\"x-amz-security-token\"]===\"$TMPTOKEN\")")" \
	"true" "polly signed with the temporary key and token: $(json_get "$tl" 'd.filter(r => r.vendor==="aws").map(r => r.why)')"
grep -q "token endpoint: HTTP 403" "$WORK/main.log" || fail "no log line for STS's refusal"
grep -q "is not authorized to perform: sts:AssumeRole" "$WORK/main.log" || fail "STS's words not logged"

hl=$(hooks_log)
assert_eq "$(json_get "$hl" "$(result stt).body.speech.alternatives[0].transcript.replace(/[.]$/, '')")" "$TEXT" "the transcript"
sim=$(sim_log)
assert_eq "$(json_get "$sim" 'd.length')" "1" "Transcribe streams"
assert_eq "$(json_get "$sim" 'd[0].ok && d[0].key')" "$TMPID" "Transcribe presigned with the temporary key"
assert_eq "$(json_get "$sim" 'd[0].query["X-Amz-Security-Token"]')" "$TMPTOKEN" "the session token in the presigned URL"
if grep -q "$TMPSECRET\|server/Secret" "$WORK/main.log"; then fail "a secret in the log"; fi
wait_hooks 'd.filter(r => r.path==="/status" && r.body.call_status==="completed").length===3'
wait_idle
server_alive
echo OK
