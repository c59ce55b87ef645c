#!/usr/bin/env bash
# Speech credentials as a jambonz cluster keeps them: rows of the MySQL
# speech_credentials table, encrypted by the api-server's algorithm
# (made here with Node's crypto exactly as encrypt-decrypt.js does) and
# decrypted with ENCRYPTION_SECRET; the account's own row before its
# service provider's; a row encrypted under another secret skipped with a
# log line (the say ends, the list goes on). A cloud vendor's audio is
# cached per account: a second account saying the same text with the
# same provider credential asks the vendor again.
source "$(dirname "$0")/lib.sh"

A=11111111-aaaa-4aaa-8aaa-000000000001
APP5=22222222-bbbb-4bbb-8bbb-0000000000f5
B=11111111-aaaa-4aaa-8aaa-0000000000b2
APPB=22222222-bbbb-4bbb-8bbb-0000000000b2
SP=2708b1b3-2736-40ea-b502-c53d8396247f
SECRET='cluster-secret-181'

cat >"$WORK/keys.json" <<'JSON'
{"microsoft":"ms-account-key","deepgram":"dg-sp-key","elevenlabs":"never","google":"never",
 "openai":"never","custom":"never","aws":{"id":"x","secret":"y","region":"z"}}
JSON
node "$E2E_ROOT/tests/tools/ttssim.js" "$WORK/keys.json" >"$WORK/sim.out" 2>"$WORK/sim.log" &
PIDS+=("$!")
wait_for 5 grep -q '^PORT ' "$WORK/sim.out" || fail "vendor simulator did not start"
SIM="http://127.0.0.1:$(sed -n 's/^PORT //p' "$WORK/sim.out")"
sim_log() { curl -fsS "$SIM/_log"; }

# encrypt() of jambonz-api-server lib/utils/encrypt-decrypt.js
enc() { # SECRET PLAINTEXT
	node -e '
const crypto = require("crypto");
const key = crypto.createHash("sha256").update(process.argv[1]).digest("base64").substring(0, 32);
const iv = crypto.randomBytes(16);
const c = crypto.createCipheriv("aes-256-cbc", key, iv);
const e = Buffer.concat([c.update(process.argv[2]), c.final()]);
process.stdout.write(JSON.stringify({iv: iv.toString("hex"), content: e.toString("hex")}));
' "$1" "$2"
}
ms_acct=$(enc "$SECRET" "{\"api_key\":\"ms-account-key\",\"region\":\"eastus\",\"base_url\":\"$SIM\"}")
ms_sp=$(enc "$SECRET" "{\"api_key\":\"ms-sp-key-not-used\",\"region\":\"eastus\",\"base_url\":\"$SIM\"}")
dg_sp=$(enc "$SECRET" "{\"api_key\":\"dg-sp-key\",\"deepgram_tts_uri\":\"$SIM\"}")
el_bad=$(enc "another-secret" "{\"api_key\":\"x\",\"model_id\":\"m\",\"api_uri\":\"$SIM\"}")

start_mariadb
start_hooks '{}'
say() { printf '{\\"verb\\":\\"say\\",\\"text\\":\\"%s\\",\\"synthesizer\\":{\\"vendor\\":\\"%s\\",\\"voice\\":\\"%s\\"}}' "$3" "$1" "$2"; }
app_json="[$(say microsoft en-US-JennyNeural 'From the account.'),$(say deepgram aura-luna-en 'From the provider.'),$(say elevenlabs v1 'Undecryptable.'),$(say flite kal 'After.'),{\\\"verb\\\":\\\"hangup\\\"}]"
db_sql "INSERT INTO applications (application_sid, name, account_sid, app_json)
	VALUES ('$APP5', 'app5', '$A', '$app_json');
	INSERT INTO phone_numbers (phone_number_sid, number, account_sid, application_sid)
	VALUES ('55555555-eeee-4eee-8eee-0000000000f5', '15557775181', '$A', '$APP5');
	INSERT INTO speech_credentials (speech_credential_sid, service_provider_sid, account_sid, vendor, credential, created_at)
	VALUES ('66666666-ffff-4fff-8fff-000000000001', NULL, '$A', 'microsoft', '$ms_acct', '2024-01-02'),
	       ('66666666-ffff-4fff-8fff-000000000002', '$SP', NULL, 'microsoft', '$ms_sp', '2024-01-01'),
	       ('66666666-ffff-4fff-8fff-000000000003', '$SP', NULL, 'deepgram', '$dg_sp', '2024-01-01'),
	       ('66666666-ffff-4fff-8fff-000000000004', NULL, '$A', 'elevenlabs', '$el_bad', '2024-01-01');"
app_b="[$(say deepgram aura-luna-en 'From the provider.'),{\\\"verb\\\":\\\"hangup\\\"}]"
db_sql "INSERT INTO accounts (account_sid, name, service_provider_sid, is_active, webhook_secret)
	VALUES ('$B', 'account B', '$SP', 1, 'b-secret');
	INSERT INTO applications (application_sid, name, account_sid, app_json)
	VALUES ('$APPB', 'appb', '$B', '$app_b');
	INSERT INTO phone_numbers (phone_number_sid, number, account_sid, application_sid)
	VALUES ('55555555-eeee-4eee-8eee-0000000000b2', '15557775182', '$B', '$APPB');"
# one loop: the cache is per loop, and the second account must meet it
start_fs main "${DB_CONF[@]}" ENCRYPTION_SECRET="$SECRET" SIP_LOOPS=1

# uac_srv_bye with the account header sbc-inbound would add
sed "0,/^\( *\)Contact: \(.*\)\$/s//\1Contact: \2\n\1X-Account-Sid: $A/" \
	"$E2E_ROOT/tests/e2e/sipp/uac_srv_bye.xml" >"$WORK/uac_acct.xml"
grep -q "X-Account-Sid: $A" "$WORK/uac_acct.xml" || fail "scenario not made"
start_rtpsink
run_sipp call "$WORK/uac_acct.xml" 15557775181 || fail "call failed"
rtp_quiet
loud=$(rtp_stat d.nonsilent)
echo "loud packets: $loud"
# two vendor tones (30 each) and flite's "After."
[ "$loud" -ge 70 ] || fail "barely heard: $loud loud packets"

log=$(sim_log)
assert_eq "$(json_get "$log" 'd.filter(r => r.vendor==="microsoft" && r.ok && r.headers["ocp-apim-subscription-key"]==="ms-account-key").length')" "1" \
	"microsoft asked with the account's key (not the provider's)"
assert_eq "$(json_get "$log" 'd.filter(r => r.vendor==="deepgram" && r.ok).length')" "1" \
	"deepgram asked with the provider's key"
assert_eq "$(json_get "$log" 'd.filter(r => r.vendor==="elevenlabs").length')" "0" \
	"requests with a credential that cannot be decrypted"
grep -q 'speech credential 66666666-ffff-4fff-8fff-000000000004 (elevenlabs) cannot be decrypted' "$WORK/main.log" ||
	fail "no log line for the undecryptable row"
grep -q "no credential for vendor 'elevenlabs'" "$WORK/main.log" ||
	fail "no log line for the say without a credential"
! grep -q "$SECRET\|ms-account-key\|dg-sp-key" "$WORK/main.log" ||
	fail "a secret reached the log"

# account B, the same text and provider credential: its own request
sed "s/X-Account-Sid: $A/X-Account-Sid: $B/" "$WORK/uac_acct.xml" >"$WORK/uac_b.xml"
start_rtpsink
run_sipp callb "$WORK/uac_b.xml" 15557775182 || fail "account B's call failed"
rtp_quiet
[ "$(rtp_stat d.nonsilent)" -ge 25 ] || fail "account B: barely heard"
assert_eq "$(json_get "$(sim_log)" 'd.filter(r => r.vendor==="deepgram" && r.ok).length')" "2" \
	"deepgram asked again for another account's say of the same text"
wait_idle
server_alive
echo OK
