#!/usr/bin/env bash
# createCall in a jambonz cluster reads its account before the INVITE
# leaves, as create-call.js: a phone target's trunk is the account's
# carrier (X-Requested-Carrier-Sid), a teams target gets the Teams FQDNs,
# a user target without a realm the account's sip_realm; a phone target
# without a trunk goes with the carrier of the caller ID's number
# (lookupCarrierByPhoneNumber: the account's number, else its service
# provider's), for createCall and dial; an unknown account is answered
# 500 {"msg":"invalid accountSid: ..."} and nothing is dialled, and so
# is a createCall while the directory is down, within its bound.
source "$(dirname "$0")/lib_dial.sh"

A=11111111-aaaa-4aaa-8aaa-000000000001
SP=2708b1b3-2736-40ea-b502-c53d8396247f
C1=33333333-cccc-4ccc-8ccc-000000000001 # 15557770001's (fixtures)
APP_OUT=24200000-0000-4000-8000-000000000001
APP_DIAL=24200000-0000-4000-8000-000000000002
CA=24200000-0000-4000-8000-0000000000ca
CSP=24200000-0000-4000-8000-0000000000cb

SBC=$(free_port)
start_mariadb
start_hooks '{
  "/out": [{"verb":"pause","length":1},{"verb":"hangup"}],
  "/dial": [{"verb":"dial","timeLimit":1,"actionHook":"/act",
             "target":[{"type":"phone","number":"15551239999"}]}],
  "/act": [{"verb":"hangup"}]
}' acct-secret
db_sql "$(cat "$E2E_ROOT/tests/e2e/241-teams-tables.sql")
INSERT INTO service_providers VALUES ('$SP', 'sp', 'sbc.teams.example.com');
INSERT INTO ms_teams_tenants VALUES ('24200000-0000-4000-8000-0000000000e1',
	'$SP', '$A', NULL, 'tenant-a.example.com');
UPDATE accounts SET sip_realm = 'realm-a.example.com' WHERE account_sid = '$A';
INSERT INTO webhooks (webhook_sid, url, method) VALUES
	('24200000-0000-4000-8000-0000000000a1', '$HOOK/out', 'POST'),
	('24200000-0000-4000-8000-0000000000a2', '$HOOK/dial', 'POST');
INSERT INTO applications (application_sid, name, account_sid, call_hook_sid) VALUES
	('$APP_OUT', 'out', '$A', '24200000-0000-4000-8000-0000000000a1'),
	('$APP_DIAL', 'dial', '$A', '24200000-0000-4000-8000-0000000000a2');
INSERT INTO voip_carriers (voip_carrier_sid, name, account_sid, service_provider_sid, is_active) VALUES
	('$CA', 'trunk-a', '$A', NULL, 1),
	('$CSP', 'trunk-sp', NULL, '$SP', 1);
INSERT INTO phone_numbers (phone_number_sid, number, voip_carrier_sid, account_sid,
	service_provider_sid) VALUES
	('24200000-0000-4000-8000-0000000000d1', '15557779999', '$CSP', NULL, '$SP');"

: >"$WORK/sbc.calls"
python3 "$E2E_ROOT/tests/tools/sbcsim.py" "$SBC" "$WORK/sbc.jsonl" "$WORK/sbc.calls" \
	>"$WORK/sbc.out" 2>&1 &
PIDS+=("$!")
wait_for 10 port_bound "$SBC" udp || fail "the SBC did not bind $SBC"
start_fs main "${DB_CONF[@]}" JAMBONES_SBCS="127.0.0.1:$SBC" OPTIONS_PING_INTERVAL=600000

invites() {
	python3 -c 'import json,sys; print(json.dumps([r for r in map(json.loads, open(sys.argv[1])) if r.get("method") == "INVITE"]))' \
		"$WORK/sbc.jsonl"
}
leg() { json_get "$(invites)" "d.find(r => r.ruri.includes('$1'))"; }
has_leg() { [ -n "$(leg "$1")" ]; }
hdr() { json_get "$1" "d.headers[\"$2\"] || \"none\""; }
create() { # FROM TO: createCall of the stored application
	post /v1/createCall '{"account_sid":"'"$A"'","application_sid":"'"$APP_OUT"'",
	  "from":"'"$1"'","to":'"$2"'}'
}

# --- the trunk's carrier and the Teams FQDNs on createCall ----------------
r=$(create 15550001234 '{"type":"phone","number":"15551240001","trunk":"trunk-a"}')
assert_eq "${r%% *}" "201" "createCall with a trunk"
assert_contains "$r" '"callId":"' "201 with the Call-ID"
wait_for 5 has_leg 15551240001 || fail "the trunk createCall reached no SBC: $(invites)"
l=$(leg 15551240001)
assert_eq "$(hdr "$l" x-requested-carrier-sid)" "$CA" "createCall: the trunk's carrier"
assert_eq "$(hdr "$l" x-account-sid)" "$A" "createCall X-Account-Sid"
assert_eq "$(hdr "$l" x-application-sid)" "$APP_OUT" "createCall X-Application-Sid"
assert_eq "$(hdr "$l" x-call-sid)" "$(json_get "${r#* }" d.sid)" "X-Call-Sid is the answered sid"

r=$(create 15550001234 '{"type":"teams","number":"+4930222"}')
assert_eq "${r%% *}" "201" "createCall to teams"
wait_for 5 has_leg +4930222 || fail "the teams createCall reached no SBC: $(invites)"
l=$(leg +4930222)
assert_eq "$(hdr "$l" x-jambonz-routing)" "teams" "teams X-Jambonz-Routing"
assert_eq "$(hdr "$l" x-ms-teams-fqdn)" "sbc.teams.example.com" "createCall X-MS-Teams-FQDN"
assert_eq "$(hdr "$l" x-ms-teams-tenant-fqdn)" "tenant-a.example.com" "createCall X-MS-Teams-Tenant-FQDN"
r=$(create 15550001234 '{"type":"teams","number":"+4930333","tenant":"t2.example.com"}')
wait_for 5 has_leg +4930333 || fail "the second teams createCall reached no SBC"
assert_eq "$(hdr "$(leg +4930333)" x-ms-teams-tenant-fqdn)" "t2.example.com" "the target's tenant first"

# --- a user target without a realm: the account's -------------------------
r=$(create 15550001234 '{"type":"user","name":"bob"}')
assert_eq "${r%% *}" "201" "createCall to a user"
wait_for 5 has_leg bob@ || fail "the user createCall reached no SBC: $(invites)"
assert_eq "$(json_get "$(leg bob@)" d.ruri)" "sip:bob@realm-a.example.com" "the account's sip_realm"

# --- no trunk: the carrier of the caller ID --------------------------------
r=$(create +15557770001 '{"type":"phone","number":"15551240002"}')
assert_eq "${r%% *}" "201" "createCall without a trunk"
wait_for 5 has_leg 15551240002 || fail "the createCall reached no SBC: $(invites)"
assert_eq "$(hdr "$(leg 15551240002)" x-requested-carrier-sid)" "$C1" "the account's number's carrier"
r=$(create 15557779999 '{"type":"phone","number":"15551240003"}')
wait_for 5 has_leg 15551240003 || fail "the createCall reached no SBC: $(invites)"
assert_eq "$(hdr "$(leg 15551240003)" x-requested-carrier-sid)" "$CSP" "the provider's number's carrier"
r=$(create 15550001234 '{"type":"phone","number":"15551240004"}')
wait_for 5 has_leg 15551240004 || fail "the createCall reached no SBC: $(invites)"
assert_eq "$(hdr "$(leg 15551240004)" x-requested-carrier-sid)" "none" "a number of no carrier: none"

# ... and for dial: the caller's number
printf '{"dest":"127.0.0.1:%s","ruri":"sip:15559992001@127.0.0.1:%s","from":"15557770001","headers":["X-Account-Sid: %s","X-Application-Sid: %s"]}\n' \
	"$FS_SIP_PORT" "$FS_SIP_PORT" "$A" "$APP_DIAL" >>"$WORK/sbc.calls"
wait_for 10 has_leg 15551239999 || fail "the dial leg reached no SBC: $(invites)"
assert_eq "$(hdr "$(leg 15551239999)" x-requested-carrier-sid)" "$C1" "dial: the caller's number's carrier"

# --- an unknown account: jambonz's 500, nothing dialled --------------------
n=$(json_get "$(invites)" d.length)
r=$(post /v1/createCall '{"account_sid":"24200000-0000-4000-8000-00000000dead",
  "call_hook":"'"$HOOK"'/out","to":{"type":"phone","number":"15551240009"}}')
assert_eq "$r" '500 {"msg":"invalid accountSid: 24200000-0000-4000-8000-00000000dead"}' \
	"unknown account answered as jambonz"
sleep 0.5
assert_eq "$(json_get "$(invites)" d.length)" "$n" "no INVITE for the unknown account"
# a teams target of an account without Teams settings: jambonz's message
db_sql "DELETE FROM ms_teams_tenants; UPDATE service_providers SET ms_teams_fqdn = NULL"
stop_fs() { kill -TERM "$FS_PID"; wait_exit "$FS_PID" 10 main; }
stop_fs
start_fs fresh "${DB_CONF[@]}" JAMBONES_SBCS="127.0.0.1:$SBC" OPTIONS_PING_INTERVAL=600000 \
	JAMBONES_MYSQL_ACQUIRE_TIMEOUT=3000
r=$(create 15550001234 '{"type":"teams","number":"+4930444"}')
assert_eq "$r" '500 {"msg":"dial to ms teams not allowed; account must first be configured with teams info"}' \
	"teams createCall without Teams settings"
assert_eq "$(json_get "$(invites)" d.length)" "$n" "no INVITE for that teams target"

# the directory down: a 500 within its bound (the acquire timeout), no call
stop_mariadb
t0=$(date +%s)
r=$(post /v1/createCall '{"account_sid":"'"$A"'","application_sid":"'"$APP_DIAL"'",
  "from":"15550001234","to":{"type":"phone","number":"15551240010"}}')
assert_eq "${r%% *}" "500" "createCall with the directory down"
assert_contains "$r" '"msg":"database' "the directory's reason"
[ $(($(date +%s) - t0)) -le 8 ] || fail "createCall waited $(($(date +%s) - t0)) s for the directory"
assert_eq "$(json_get "$(invites)" d.length)" "$n" "no INVITE without the directory"

echo OK
