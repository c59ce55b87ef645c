#!/usr/bin/env bash
# What the fuzz targets found, on the real binary: an offer listing a
# static payload type without a=rtpmap (crashed the server), a webhook
# answer [null] (X-Reason from uninitialised memory), a verb name longer
# than the reason buffer (empty X-Reason), and a directory file whose
# account_sid is empty (crashed at the first lookup; now refused at
# start).
source "$(dirname "$0")/lib.sh"

long=$(printf 'x%.0s' $(seq 1 300))
start_hooks "{
  \"/decline\": [{\"verb\":\"sip:decline\",\"status\":486}],
  \"/null\": [null],
  \"/long\": [{\"$long\": {}}]
}"
cat >"$WORK/directory.json" <<J
{
  "applications": [
    {"application_sid": "app-decline", "call_hook": "$HOOK/decline"},
    {"application_sid": "app-null", "call_hook": "$HOOK/null"},
    {"application_sid": "app-long", "call_hook": "$HOOK/long"}
  ],
  "phone_numbers": [
    {"number": "15551230101", "application_sid": "app-decline"},
    {"number": "15551230102", "application_sid": "app-null"},
    {"number": "15551230103", "application_sid": "app-long"}
  ]
}
J
start_fs main DIRECTORY_FILE="$WORK/directory.json"
xreason() { sed -n 's/^X-Reason: //p' "$WORK/$1.msg" | head -1 | tr -d '\r'; }

# PCMU by payload type only (RFC 4566 makes rtpmap optional for it)
scen=$(mkscen uac_reject CODE=486 SDP='v=0
o=- 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [local_ip]
t=0 0
m=audio [rtpport] RTP/AVP 0 8
a=rtpmap:8 PCMA/8000')
run_sipp nortpmap "$scen" 15551230101 || fail "offer without rtpmap:0: no 486"
server_alive

scen=$(mkscen uac_reject CODE=480)
run_sipp null "$scen" 15551230102 || fail "[null] from the webhook: no 480"
assert_eq "$(xreason null)" \
	"malformed jambonz payload: must be array of objects" "[null] X-Reason"
run_sipp long "$scen" 15551230103 || fail "long verb name: no 480"
assert_eq "$(xreason long)" "invalid instruction: ${long:0:64}" \
	"long verb name X-Reason"
server_alive
wait_idle

# an empty account_sid: refused when the directory loads
printf '{"accounts":[{"account_sid":""}]}' >"$WORK/bad-dir.json"
if out=$(DIRECTORY_FILE="$WORK/bad-dir.json" HTTP_ADDR=127.0.0.1 \
	HTTP_PORT="$(free_port)" SIP_LISTEN="127.0.0.1:$(free_port)" \
	PLUGIN_DIR="$FS_PLUGIN_DIR" timeout 10 "$FS_BIN" 2>&1); then
	fail "a directory with an empty account_sid was accepted"
fi
assert_contains "$out" "account without account_sid" "empty account_sid"
echo OK
