#!/usr/bin/env bash
# gather and transcribe with Amazon Transcribe's streaming WebSocket
# against tests/tools/sttsim.js, which checks what the service checks:
# the presigned URL (SigV4 query authorization recomputed with the
# key's secret, the date, expiry, signed headers, service transcribe),
# language-code, media-encoding pcm and sample-rate, and every
# event-stream message strictly (lengths, prelude and message CRC32,
# string headers, AudioEvent of application/octet-stream), the empty
# AudioEvent at the end. A TranscriptEvent with IsPartial is interim,
# without it final, its confidence the pronunciations' mean. An
# exception, a message with a bad CRC, one whose length is wrong and a
# refused signature end the verb with reason error.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/19-stt-lib.sh"

TEXT="please transfer me to billing"
start_sttsim "$(cat <<JSON
{"AKIDOK": {"secret": "s3cr+t/ok", "transcript": "$TEXT", "confidence": 0.86, "language": "en-GB"},
 "AKIDTX": {"secret": "s3cr-tx", "transcript": "$TEXT", "confidence": 0.8},
 "AKIDERR": {"secret": "e", "transcript": "x", "mode": "error"},
 "AKIDGARB": {"secret": "g", "transcript": "x y", "mode": "garbage"},
 "AKIDMAL": {"secret": "m", "transcript": "x y", "mode": "malformed"},
 "AKIDBAD": {"secret": "the real one", "transcript": "x"}}
JSON
)"
row() { # LABEL KEY SECRET
	printf '{"vendor":"aws","label":"%s","use_for_stt":1,"credential":{"access_key_id":"%s","secret_access_key":"%s","aws_region":"us-east-1","base_url":"%s"}}' \
		"$1" "$2" "$3" "$SIM"
}
echo "[$(row "" AKIDOK s3cr+t/ok), $(row tx AKIDTX s3cr-tx), $(row error AKIDERR e), $(row garbage AKIDGARB g),
  $(row malformed AKIDMAL m), $(row bad AKIDBAD not-the-secret)]" >"$WORK/creds.json"

gather() { # NAME [LABEL]
	printf '{"verb":"gather","input":["speech"],"actionHook":"/result/%s","timeout":8,"recognizer":{"vendor":"aws","language":"en-US","altLanguages":["en-GB"],"awsOptions":{"vocabularyName":"billing words","piiEntityTypes":["NAME","ADDRESS"]}%s}}' \
		"$1" "${2:+,\"label\":\"$2\"}"
}
vendor_run 15551230196 '{"vendor":"aws","label":"tx","language":"en-US","interim":true}' malformed

r=$(result ok)
assert_eq "$(json_get "$log" "$r.body.reason")" "speechDetected" "ok: reason"
assert_eq "$(json_get "$log" "$r.body.speech.alternatives[0].transcript")" "$TEXT." "ok: transcript"
assert_eq "$(json_get "$log" "$r.body.speech.alternatives[0].confidence")" "0.86" "ok: the pronunciations' mean"
assert_eq "$(json_get "$log" "$r.body.speech.language_code")" "en-GB" "ok: the language identified"
assert_eq "$(json_get "$log" "$r.body.speech.vendor.name")" "aws" "ok: vendor.name"
assert_eq "$(json_get "$log" "$r.body.speech.vendor.evt.Transcript.Results[0].IsPartial")" "false" "ok: vendor.evt"
c='d.find(c => c.key==="AKIDOK")'
assert_eq "$(json_get "$sim" "$c.ok")" "true" "recognised: $(json_get "$sim" "String($c.why)")"
assert_eq "$(json_get "$sim" "$c.query['identify-language']")" "true" "altLanguages: identify-language"
assert_eq "$(json_get "$sim" "$c.query['language-options']")" "en-US,en-GB" "altLanguages: language-options"
assert_eq "$(json_get "$sim" "$c.query['media-encoding']")" "pcm" "media-encoding"
assert_eq "$(json_get "$sim" "$c.query['sample-rate']")" "8000" "sample-rate"
assert_eq "$(json_get "$sim" "$c.query['vocabulary-name']")" "billing words" "awsOptions.vocabularyName"
assert_eq "$(json_get "$sim" "$c.query['pii-entity-types']")" "NAME,ADDRESS" "awsOptions.piiEntityTypes"
assert_eq "$(json_get "$sim" "$c.query['X-Amz-Expires']")" "300" "X-Amz-Expires"
[ "$(json_get "$sim" "$c.min_ms >= 50 && $c.max_ms <= 200")" = "true" ] ||
	fail "audio events of $(json_get "$sim" "$c.min_ms")..$(json_get "$sim" "$c.max_ms") ms"
assert_eq "$(json_get "$sim" "$c.end_of_stream")" "true" "the empty AudioEvent at the end"
assert_eq "$(json_get "$sim" "$c.close_code")" "1000" "closed normally"

tx_results "$TEXT."
assert_eq "$(json_get "$sim" 'd.find(c => c.key==="AKIDTX").end_of_stream')" "true" \
	"transcribe: the empty AudioEvent at the caller's hang-up"

assert_eq "$(json_get "$log" "$(result error).body.details")" \
	"LimitExceededException: You have reached your limit of concurrent streams" "the service's exception"
assert_eq "$(json_get "$log" "$(result garbage).body.details")" \
	"an event-stream message whose CRC does not match" "a bad CRC"
assert_eq "$(json_get "$log" "$(result malformed).body.details")" \
	"a malformed event-stream message" "a malformed message"
assert_eq "$(json_get "$sim" 'd.find(c => c.key==="AKIDBAD").why')" "signature mismatch" "bad: the signature refused"
failed aws error garbage bad malformed
wait_idle
server_alive
echo OK
