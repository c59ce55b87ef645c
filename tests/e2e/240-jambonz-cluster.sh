#!/usr/bin/env bash
# In a jambonz cluster: MariaDB with the jambonz tables (env_vars stored
# as the api-server encrypts them), a real Redis, and sipp playing the
# SBCs. sbc-inbound's INVITE (X-Account-Sid, X-CID, X-Forwarded-For,
# X-Originating-Carrier, X-Voip-Carrier-Sid) reaches the webhook payload;
# its dial leg and a createCall leg reach sbc-outbound with every header
# it reads (X-Jambonz-Routing, X-Account-Sid, X-Call-Sid, ...), and
# without them it answers 403 as sbc-outbound does; createCall signs
# with the account's webhook_secret and takes the application's hooks
# and env_vars from the directory; registered devices call app-,
# queue-, conference- and context- URIs; the portal's live-call hashes
# and the feature-server sets are where jambonz reads them; OPTIONS
# pings tell the SBC open, the calls in progress, and closed on drain.
source "$(dirname "$0")/lib_dial.sh"
source "$(dirname "$0")/lib_cluster.sh"

A=11111111-aaaa-4aaa-8aaa-000000000001
APP3=22222222-bbbb-4bbb-8bbb-000000000003
APP_IN=24000000-0000-4000-8000-000000000001
APP_OUT=24000000-0000-4000-8000-000000000002
APP_DEV=24000000-0000-4000-8000-000000000003
APP_USR=24000000-0000-4000-8000-000000000004
C9=24000000-0000-4000-8000-0000000000c9
ENC=cluster-enc-secret
UUID_RE='^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'

# env_vars as jambonz-api-server's encrypt() stores them
encrypt() {
	ENC="$ENC" node -e '
const crypto = require("crypto");
const key = crypto.createHash("sha256").update(process.env.ENC)
	.digest("base64").substring(0, 32);
const iv = crypto.randomBytes(16);
const c = crypto.createCipheriv("aes-256-cbc", key, iv);
const enc = Buffer.concat([c.update(process.argv[1]), c.final()]);
console.log(JSON.stringify({iv: iv.toString("hex"), content: enc.toString("hex")}));
' "$1"
}

SBC=$(free_port)
PING=$(free_port)
start_mariadb
start_redis
start_hooks '{
  "/in": [{"verb":"dial","timeLimit":2,"actionHook":"/in-action",
           "target":[{"type":"phone","number":"15551230000"}]}],
  "/in-action": [{"verb":"hangup"}],
  "/out": [{"verb":"pause","length":2.5},{"verb":"hangup"}],
  "/dev": [{"verb":"sip:decline","status":486,"reason":"Device App"}],
  "/user": [{"verb":"dial","timeLimit":1,"target":[{"type":"user","name":"bob"}]},
            {"verb":"hangup"}]
}' acct-secret
db_sql "
UPDATE accounts SET sip_realm = 'sip.example.com',
	device_calling_application_sid = '$APP_DEV' WHERE account_sid = '$A';
INSERT INTO webhooks (webhook_sid, url, method) VALUES
	('24000000-0000-4000-8000-0000000000a1', '$HOOK/in', 'POST'),
	('24000000-0000-4000-8000-0000000000a2', '$HOOK/st', 'POST'),
	('24000000-0000-4000-8000-0000000000a3', '$HOOK/out', 'POST'),
	('24000000-0000-4000-8000-0000000000a4', '$HOOK/dev', 'POST'),
	('24000000-0000-4000-8000-0000000000a5', '$HOOK/user', 'POST');
INSERT INTO applications (application_sid, name, account_sid, call_hook_sid,
	call_status_hook_sid, speech_synthesis_vendor,
	speech_synthesis_language, speech_synthesis_voice,
	speech_recognizer_vendor, speech_recognizer_language, env_vars) VALUES
	('$APP_IN', 'in', '$A', '24000000-0000-4000-8000-0000000000a1',
	 '24000000-0000-4000-8000-0000000000a2', 'flite', 'en-US', 'kal',
	 'google', 'en-GB', '$(encrypt '{"GREETING":"hej","LANG":"sv"}')'),
	('$APP_OUT', 'out', '$A', '24000000-0000-4000-8000-0000000000a3',
	 '24000000-0000-4000-8000-0000000000a2', 'flite', 'en-US', 'slt',
	 'google', 'de-DE', '$(encrypt '{"TOKEN":"t-42"}')'),
	('$APP_DEV', 'dev', '$A', '24000000-0000-4000-8000-0000000000a4',
	 NULL, 'flite', 'en-US', 'kal', 'google', 'en-US', NULL),
	('$APP_USR', 'user', '$A', '24000000-0000-4000-8000-0000000000a5',
	 NULL, 'flite', 'en-US', 'kal', 'google', 'en-US', NULL);
INSERT INTO voip_carriers (voip_carrier_sid, name, account_sid, is_active)
	VALUES ('$C9', 'carrier9', '$A', 1);
INSERT INTO phone_numbers (phone_number_sid, number, voip_carrier_sid,
	account_sid, application_sid) VALUES
	('24000000-0000-4000-8000-0000000000f1', '15559990001', '$C9', '$A',
	 '$APP_IN');"

# the SBC's OPTIONS handler, for the whole case
timeout 120 sipp -sf "$E2E_ROOT/tests/e2e/sipp/sbc_pings.xml" -i 127.0.0.1 \
	-p "$PING" -mp "$(free_port 4)" -cp "$(free_port)" -m 1000 -nostdin \
	-trace_msg -message_file "$WORK/pings.msg" \
	-trace_err -error_file "$WORK/pings.err" >"$WORK/pings.sipp.log" 2>&1 &
PING_PID=$!
PIDS+=("$PING_PID")
wait_for 10 port_bound "$PING" udp || fail "SBC pinged party did not bind"

start_fs main "${DB_CONF[@]}" ENCRYPTION_SECRET="$ENC" \
	JAMBONES_REDIS_HOST=127.0.0.1 JAMBONES_REDIS_PORT="$REDIS_PORT" \
	JAMBONES_SBCS="127.0.0.1:$PING" OPTIONS_PING_INTERVAL=1000 \
	SIP_OUTBOUND_PROXY="127.0.0.1:$SBC"
FS_SIP=127.0.0.1:$FS_SIP_PORT
MAIN_PID=$FS_PID

# --- the feature server where jambonz looks for it ---------------------
pinged() { grep -q "$1" "$WORK/pings.msg" 2>/dev/null; }
wait_for 5 pinged '^X-FS-Status: open' || fail "no open ping: $(tail -n 20 "$WORK/pings.msg" 2>/dev/null)"
assert_contains "$(cat "$WORK/pings.msg")" "X-FS-Calls: 0" "calls in the ping"
assert_contains "$(cat "$WORK/pings.msg")" "X-FS-ServiceUrl: $FS_HTTP" "service URL in the ping"
listed() { [ "$(rcli SISMEMBER default:active-fs "$FS_SIP")" = 1 ]; }
wait_for 5 listed || fail "not in default:active-fs: $(rcli SMEMBERS default:active-fs)"
assert_eq "$(rcli SISMEMBER default:fs-service-url "$FS_HTTP")" "1" "in default:fs-service-url"
assert_eq "$(rcli SCARD fsUUIDs)" "1" "one FS UUID"
FS_UUID=$(rcli SMEMBERS fsUUIDs)
[[ $FS_UUID =~ $UUID_RE ]] || fail "FS UUID '$FS_UUID'"

# --- sbc-inbound's call, bridged out through sbc-outbound --------------
start_uas sbc_in "$SBC" sbc_outbound
hdrs="X-Account-Sid: $A
X-CID: sbc-in-cid-1
X-Forwarded-For: 203.0.113.7
X-Originating-Carrier: carrier9
X-Voip-Carrier-Sid: $C9"
run_sipp alice "$(mkscen uac_answer HDRS="$hdrs")" 15559990001 ||
	fail "inbound caller failed: $(tail -n 5 "$WORK/alice.err" 2>/dev/null)"
wait_uas sbc_in
wait_hooks 'd.some(r => r.path==="/st" && r.body.call_status==="completed" && r.body.direction==="inbound")'
log=$(hooks_log)
in='d.find(r => r.path==="/in")'
assert_eq "$(json_get "$log" "$in.sig")" "ok" "session:new signed with the account's secret"
assert_eq "$(json_get "$log" "$in.body.application_sid")" "$APP_IN" "application_sid"
assert_eq "$(json_get "$log" "$in.body.sbc_callid")" "sbc-in-cid-1" "sbc_callid (X-CID)"
assert_eq "$(json_get "$log" "$in.body.originating_sip_ip")" "203.0.113.7" "originating_sip_ip"
assert_eq "$(json_get "$log" "$in.body.originating_sip_trunk_name")" "carrier9" "originating_sip_trunk_name"
assert_eq "$(json_get "$log" "JSON.stringify($in.body.env_vars)")" '{"GREETING":"hej","LANG":"sv"}' "env_vars decrypted"
assert_eq "$(json_get "$log" "$in.body.defaults.recognizer.language")" "en-GB" "recognizer default"
assert_eq "$(json_get "$log" "$in.body.sip.headers['x-voip-carrier-sid']")" "$C9" "X-Voip-Carrier-Sid in sip.headers"
a_sid=$(json_get "$log" "$in.body.call_sid")
inv=$(msg_first sbc_in '^INVITE ')
hdr() { grep -m1 "^$1: " <<<"$inv" | cut -d' ' -f2- | tr -d '\r'; }
assert_contains "$inv" "^INVITE sip:15551230000@127.0.0.1:$SBC SIP/2.0" "dial Request-URI"
assert_eq "$(hdr X-Jambonz-Routing)" "phone" "dial X-Jambonz-Routing"
assert_eq "$(hdr X-Account-Sid)" "$A" "dial X-Account-Sid"
assert_eq "$(hdr X-Application-Sid)" "$APP_IN" "dial X-Application-Sid"
assert_eq "$(hdr X-CID)" "sbc-in-cid-1" "dial X-CID of the inbound call"
assert_eq "$(hdr X-Voip-Carrier-Sid)" "$C9" "dial X-Voip-Carrier-Sid"
assert_eq "$(hdr X-Jambonz-FS-UUID)" "$FS_UUID" "X-Jambonz-FS-UUID is the one in fsUUIDs"
b_sid=$(hdr X-Call-Sid)
[[ $b_sid =~ $UUID_RE ]] || fail "dial X-Call-Sid '$b_sid'"
[ "$b_sid" != "$a_sid" ] || fail "the B leg has the A leg's call sid"
act='d.find(r => r.path==="/in-action").body'
assert_eq "$(json_get "$(hooks_log)" "$act.dial_call_status")" "completed" "dial answered by the SBC"
# the portal's view of the inbound call
key="call:$A:$a_sid"
assert_eq "$(rcli HGET "$key" callStatus)" "completed" "inbound call status in Redis"
assert_eq "$(rcli HGET "$key" direction)" "inbound" "direction in Redis"
assert_eq "$(rcli HGET "$key" sbcCallid)" "sbc-in-cid-1" "sbcCallid in Redis"
assert_eq "$(rcli HGET "$key" originatingSipIp)" "203.0.113.7" "originatingSipIp in Redis"
assert_eq "$(rcli HGET "$key" applicationSid)" "$APP_IN" "applicationSid in Redis"
assert_eq "$(rcli HGET "$key" serviceUrl)" "$FS_HTTP" "serviceUrl with the first status"
[ -n "$(rcli ZSCORE active-call-sids "$key")" ] || fail "$key not in active-call-sids"
ttl=$(rcli TTL "$key")
[ "$ttl" -gt 3000 ] && [ "$ttl" -le 3600 ] || fail "completed call TTL $ttl"

# a user target gets the account's realm, and goes to the SBC
start_uas sbc_user "$SBC" sbc_outbound
run_sipp carol "$(mkscen uac_answer HDRS="X-Account-Sid: $A
X-Application-Sid: $APP_USR")" 15559990009 || fail "caller of the user dial failed"
wait_uas sbc_user
inv=$(msg_first sbc_user '^INVITE ')
assert_contains "$inv" "^INVITE sip:bob@sip.example.com SIP/2.0" "user target with the account's sip_realm"
assert_eq "$(hdr X-Jambonz-Routing)" "user" "user X-Jambonz-Routing"
assert_eq "$(hdr X-Application-Sid)" "$APP_USR" "user X-Application-Sid"

# --- createCall: the account's secret, the application's hooks ----------
start_uas sbc_out "$SBC" sbc_outbound
r=$(post /v1/createCall '{"account_sid":"'"$A"'","application_sid":"'"$APP_OUT"'",
  "from":"15550001234","fromHost":"fs.example.com",
  "to":{"type":"phone","number":"15551230002"}}')
assert_eq "${r%% *}" "201" "createCall status"
sid=$(json_get "${r#* }" d.sid)
key="call:$A:$sid"
live() { [ "$(rcli HGET "$key" callStatus)" = in-progress ]; }
wait_for 5 live || fail "no in-progress call in Redis: $(rcli HGETALL "$key")"
assert_eq "$(rcli HGET "$key" direction)" "outbound" "createCall direction in Redis"
assert_eq "$(rcli HGET "$key" serviceUrl)" "$FS_HTTP" "createCall serviceUrl in Redis"
wait_for 3 pinged '^X-FS-Calls: 1' || fail "the ping did not count the call"
wait_uas sbc_out
wait_hooks 'd.some(r => r.path==="/st" && r.body.call_sid==="'"$sid"'" && r.body.call_status==="completed")'
log=$(hooks_log)
out='d.find(r => r.path==="/out")'
assert_eq "$(json_get "$log" "$out.sig")" "ok" "createCall signed with the account's secret"
assert_eq "$(json_get "$log" "$out.body.call_sid")" "$sid" "createCall call_sid"
assert_eq "$(json_get "$log" "$out.body.direction")" "outbound" "createCall direction"
assert_eq "$(json_get "$log" "JSON.stringify($out.body.env_vars)")" '{"TOKEN":"t-42"}' "createCall env_vars decrypted"
assert_eq "$(json_get "$log" "$out.body.defaults.synthesizer.voice")" "slt" "the application's voice"
assert_eq "$(json_get "$log" "$out.body.defaults.recognizer.language")" "de-DE" "the application's recognizer"
assert_eq "$(json_get "$log" 'd.filter(r => r.path==="/st" && r.body.call_sid==="'"$sid"'").every(r => r.sig==="ok")')" \
	"true" "createCall status hook signed"
assert_eq "$(rcli HGET "$key" callStatus)" "completed" "createCall completed in Redis"
inv=$(msg_first sbc_out '^INVITE ')
assert_contains "$inv" "^INVITE sip:15551230002@127.0.0.1:$SBC SIP/2.0" "createCall Request-URI"
assert_eq "$(hdr X-Jambonz-Routing)" "phone" "createCall X-Jambonz-Routing"
assert_eq "$(hdr X-Call-Sid)" "$sid" "createCall X-Call-Sid is the call's sid"
assert_eq "$(hdr X-Account-Sid)" "$A" "createCall X-Account-Sid"
assert_eq "$(hdr X-Application-Sid)" "$APP_OUT" "createCall X-Application-Sid"
assert_eq "$(hdr X-Preferred-From-Host)" "fs.example.com" "X-Preferred-From-Host"
assert_eq "$(hdr X-Jambonz-FS-UUID)" "$FS_UUID" "createCall X-Jambonz-FS-UUID"
assert_eq "$(hdr X-Trace-ID)" "$(json_get "$log" "$out.body.trace_id")" "X-Trace-ID is the call's trace"
[ -n "$(hdr X-Trace-ID)" ] || fail "no X-Trace-ID"

# sids reach queries and log lines: only sids are taken
r=$(post /v1/createCall '{"account_sid":"x\u0027 OR 1=1 --","application_sid":"'"$APP_OUT"'",
  "to":{"type":"phone","number":"15551230002"}}')
assert_eq "${r%% *}" "400" "createCall with a malformed account_sid"
assert_contains "$r" "must be sids" "createCall 400 reason"

# an account the directory does not know: answered as create-call.js
# does (lookupAccountDetails), before any INVITE
r=$(post /v1/createCall '{"account_sid":"nosuch-account","application_sid":"'"$APP_OUT"'",
  "to":{"type":"sip","sipUri":"sip:nobody@127.0.0.1:'"$(free_port)"'"}}')
assert_eq "$r" '500 {"msg":"invalid accountSid: nosuch-account"}' \
	"createCall of an unknown account"
idle() { [ "$(json_get "$(curl -fsS "$FS_HTTP/metrics")" d.calls.active)" = 0 ]; }
wait_for 5 idle || fail "the unknown account's call runs"

# --- registered devices: sbc-inbound's X-Authenticated-User and URIs ---
call() { # NAME SERVICE CODE HEADERS
	run_sipp "$1" "$(mkscen uac_reject CODE="$3" HDRS="$4")" "$2" ||
		fail "$1: no $3 ($(awk '/^SIP\/2.0 [3-6]/' "$WORK/$1.msg" | head -n 1))"
}
final() {
	awk '/^SIP\/2.0 [3-6][0-9][0-9] /,/^\r?$/' "$WORK/$1.msg" |
		grep -E '^(SIP/2.0|X-Reason:)' | tr -d '\r' | paste -sd'|'
}
dev="X-Account-Sid: $A
X-Authenticated-User: alice@sip.example.com"
call app "app-$APP3" 486 "$dev"
assert_eq "$(final app)" "SIP/2.0 486 App Three|X-Reason: SIP Decline Verb" "app- URI"
call devapp 15550000000 486 "$dev"
assert_eq "$(final devapp)" "SIP/2.0 486 Device App|X-Reason: SIP Decline Verb" "device calling application of the realm"
wait_hooks 'd.some(r => r.path==="/dev")'
# queue-<name>: a dequeue of that queue (timeout 5 s), nobody waiting in it
run_sipp queue "$(mkscen uac_answer HDRS="$dev")" queue-support ||
	fail "queue-: the call was not answered and hung up"
grep -q '^SIP/2.0 200' "$WORK/queue.msg" || fail "queue-: not answered"
span=$(msg_span queue)
[ "$span" -ge 4500 ] && [ "$span" -le 9000 ] ||
	fail "queue-: the dequeue (timeout 5 s) ended the call after $span ms"
call ctx context-abc123 480 "$dev"
assert_eq "$(final ctx)" "SIP/2.0 480 Temporarily Unavailable|X-Reason: no configured application" "context- URI"
call noauth "app-$APP3" 480 "X-Account-Sid: $A"
assert_eq "$(final noauth)" "SIP/2.0 480 Temporarily Unavailable|X-Reason: no configured application" "app- URI only for a registered device"
call badauth 15559990001 400 "X-Account-Sid: $A
X-Authenticated-User: nobody"
assert_eq "$(final badauth)" "SIP/2.0 400 Bad Request|X-Reason: malformed X-Authenticated-User" "malformed X-Authenticated-User"

# --- drain: closed to the SBCs, out of the sets ---------------------------
curl -fsS -X POST "$FS_HTTP/v1/drain" >/dev/null || fail "drain refused"
wait_for 3 pinged '^X-FS-Status: closed' || fail "no closed ping while draining"
unlisted() { [ "$(rcli SISMEMBER default:active-fs "$FS_SIP")" = 0 ]; }
wait_for 3 unlisted || fail "still in default:active-fs while draining"
assert_eq "$(rcli SISMEMBER default:fs-service-url "$FS_HTTP")" "0" "out of default:fs-service-url"
assert_eq "$(rcli SISMEMBER fsUUIDs "$FS_UUID")" "1" "the UUID stays while calls may still dial"
[ ! -s "$WORK/pings.err" ] || fail "a ping sbc-sip-sidecar would not read: $(head -n 20 "$WORK/pings.err")"
m=$(curl -fsS "$FS_HTTP/metrics")
[ "$(json_get "$m" d.cluster.sbc_pings.answered)" -ge 2 ] || fail "pings answered: $m"
kill -0 "$FS_PID" 2>/dev/null || fail "server died"

# --- without the jambonz headers sbc-outbound refuses the leg ------------
start_uas sbc_403 "$SBC" sbc_outbound
start_hooks '{
  "/call": [{"verb":"dial","actionHook":"/act403",
             "target":[{"type":"phone","number":"15551230003",
                        "headers":{"X-Account-Sid":"'"$A"'"}}]}],
  "/act403": [{"verb":"hangup"}]
}'
# the upper half of the case's RTP band, beside the first server
rtp_lo=${E2E_RTP_MIN:-42000} rtp_hi=${E2E_RTP_MAX:-42999}
E2E_RTP_MIN=$(((rtp_lo + rtp_hi) / 2 + 1)) E2E_RTP_MAX=$rtp_hi start_fs plain JAMBONZ_SBC_HEADERS=off \
	SIP_OUTBOUND_PROXY="127.0.0.1:$SBC" DEFAULT_CALL_HOOK="$HOOK/call"
run_sipp bob "$(mkscen uac_answer)" 15557000000 || fail "caller of the 403 dial failed"
wait_uas sbc_403
wait_hooks 'd.some(r => r.path==="/act403")'
assert_eq "$(json_get "$(hooks_log)" 'd.find(r => r.path==="/act403").body.dial_sip_status')" "403" \
	"sbc-outbound's 403 without X-Jambonz-Routing"
assert_contains "$(cat "$WORK/sbc_403.msg")" "X-Reason: missing required jambonz headers" "403 reason"
assert_eq "$(grep -c '^X-Jambonz-Routing' "$WORK/sbc_403.msg")" "0" "no jambonz headers when off"
# the drained server stops: its UUID leaves fsUUIDs
kill -TERM "$MAIN_PID"
wait_exit "$MAIN_PID" 10 main
gone_uuid() { [ "$(rcli SISMEMBER fsUUIDs "$FS_UUID")" = 0 ]; }
wait_for 3 gone_uuid || fail "FS UUID still in fsUUIDs after the stop"
echo OK
