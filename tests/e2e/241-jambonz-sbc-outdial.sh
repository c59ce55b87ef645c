#!/usr/bin/env bash
# Outdials through two jambonz SBCs (tests/tools/sbcsim.py on each, as
# sbc-inbound, sbc-outbound and sbc-sip-sidecar share one address): the
# SBCs of JAMBONES_SBCS take createCall legs in turn; a dial leg goes
# back to the SBC its inbound call came from; a phone target's trunk is
# the account's carrier of that name (else its service provider's), in
# X-Requested-Carrier-Sid; a teams target is the number at the SBC with
# voicemail in the URI and the account's Teams FQDNs; a sip target goes
# through the SBC with its proxy in X-SIP-Proxy; a teams target of an
# account without Teams settings is refused. The latency histograms
# count the lookups and the answers.
source "$(dirname "$0")/lib_dial.sh"

A=11111111-aaaa-4aaa-8aaa-000000000001
SP=2708b1b3-2736-40ea-b502-c53d8396247f
APP_TRUNK=24100000-0000-4000-8000-000000000001
APP_TEAMS=24100000-0000-4000-8000-000000000002
APP_SPTRUNK=24100000-0000-4000-8000-000000000003
APP_SIP=24100000-0000-4000-8000-000000000004
APP_OUT=24100000-0000-4000-8000-000000000005
CA=24100000-0000-4000-8000-0000000000ca
CSP=24100000-0000-4000-8000-0000000000cb

SBC1=$(free_port)
SBC2=$(free_port)
start_mariadb
start_hooks '{
  "/trunk": [{"verb":"dial","timeLimit":1,"actionHook":"/act",
              "target":[{"type":"phone","number":"15551230001","trunk":"trunk-a"}]}],
  "/teams": [{"verb":"dial","timeLimit":1,"actionHook":"/act",
              "target":[{"type":"teams","number":"+4930111","vmail":true}]}],
  "/sptrunk": [{"verb":"dial","timeLimit":1,"actionHook":"/act",
                "target":[{"type":"phone","number":"15551230003","trunk":"trunk-sp"},
                          {"type":"phone","number":"15551230004","trunk":"no-such-trunk"}]}],
  "/sip": [{"verb":"dial","timeLimit":1,"actionHook":"/act",
            "target":[{"type":"sip","sipUri":"sip:carol@192.0.2.10:5060","proxy":"sip:192.0.2.20"}]}],
  "/act": [{"verb":"hangup"}],
  "/out": [{"verb":"pause","length":1},{"verb":"hangup"}]
}' acct-secret
hook_sid() { printf '24100000-0000-4000-8000-0000000000a%s' "$1"; }
# the Teams tables of a jambonz database (not in the minimal schema)
db_sql "$(cat "$E2E_ROOT/tests/e2e/241-teams-tables.sql")
INSERT INTO service_providers VALUES ('$SP', 'sp', 'sbc.teams.example.com');
INSERT INTO ms_teams_tenants VALUES ('24100000-0000-4000-8000-0000000000e1',
	'$SP', '$A', NULL, 'tenant-a.example.com');
INSERT INTO webhooks (webhook_sid, url, method) VALUES
	('$(hook_sid 1)', '$HOOK/trunk', 'POST'), ('$(hook_sid 2)', '$HOOK/teams', 'POST'),
	('$(hook_sid 3)', '$HOOK/sptrunk', 'POST'), ('$(hook_sid 4)', '$HOOK/sip', 'POST'),
	('$(hook_sid 5)', '$HOOK/out', 'POST');
INSERT INTO applications (application_sid, name, account_sid, call_hook_sid) VALUES
	('$APP_TRUNK', 'trunk', '$A', '$(hook_sid 1)'), ('$APP_TEAMS', 'teams', '$A', '$(hook_sid 2)'),
	('$APP_SPTRUNK', 'sptrunk', '$A', '$(hook_sid 3)'), ('$APP_SIP', 'sip', '$A', '$(hook_sid 4)'),
	('$APP_OUT', 'out', '$A', '$(hook_sid 5)');
INSERT INTO voip_carriers (voip_carrier_sid, name, account_sid, service_provider_sid, is_active) VALUES
	('$CA', 'trunk-a', '$A', NULL, 1),
	('$CSP', 'trunk-sp', NULL, '$SP', 1),
	('24100000-0000-4000-8000-0000000000cc', 'trunk-a', NULL, '$SP', 1);"

# the two SBCs, up before the server pings them
start_sbc() { # NAME PORT
	: >"$WORK/$1.calls"
	python3 "$E2E_ROOT/tests/tools/sbcsim.py" "$2" "$WORK/$1.jsonl" "$WORK/$1.calls" \
		>"$WORK/$1.out" 2>&1 &
	PIDS+=("$!")
	wait_for 10 port_bound "$2" udp || fail "SBC $1 did not bind $2"
}
start_sbc sbc1 "$SBC1"
start_sbc sbc2 "$SBC2"
start_fs main "${DB_CONF[@]}" JAMBONES_SBCS="127.0.0.1:$SBC1,127.0.0.1:$SBC2" \
	OPTIONS_PING_INTERVAL=600000
FS_SIP=127.0.0.1:$FS_SIP_PORT
MAIN_PID=$FS_PID

# reqs NAME METHOD: the requests an SBC saw, as a JSON array
reqs() {
	python3 -c 'import json,sys; print(json.dumps([r for r in map(json.loads, open(sys.argv[1])) if r.get("method") == sys.argv[2]]))' \
		"$WORK/$1.jsonl" "$2"
}
ninv() { json_get "$(reqs "$1" INVITE)" d.length; }
pinged() { [ "$(json_get "$(reqs "$1" OPTIONS)" d.length)" -ge 1 ]; }
wait_for 5 pinged sbc1 || fail "no OPTIONS at SBC 1"
wait_for 5 pinged sbc2 || fail "no OPTIONS at SBC 2"

# --- createCall: the SBCs in turn -------------------------------------
for n in 1 2; do
	r=$(post /v1/createCall '{"account_sid":"'"$A"'","application_sid":"'"$APP_OUT"'",
	  "from":"15550001234","to":{"type":"phone","number":"1555123100'"$n"'"}}')
	assert_eq "${r%% *}" "201" "createCall $n"
	two() { [ $(($(ninv sbc1) + $(ninv sbc2))) -ge "$n" ]; }
	wait_for 5 two || fail "createCall $n reached no SBC"
done
assert_eq "$(ninv sbc1) $(ninv sbc2)" "1 1" "one createCall leg at each SBC"
assert_eq "$(json_get "$(reqs sbc1 INVITE)" d[0].ruri)" "sip:15551231001@127.0.0.1:$SBC1" \
	"first createCall at the first SBC"
assert_eq "$(json_get "$(reqs sbc2 INVITE)" d[0].ruri)" "sip:15551231002@127.0.0.1:$SBC2" \
	"second createCall at the second SBC"
# a sip target goes through the next SBC (the first again), its URI kept
r=$(post /v1/createCall '{"account_sid":"'"$A"'","application_sid":"'"$APP_OUT"'",
  "to":{"type":"sip","sipUri":"sip:dave@192.0.2.30:5070","proxy":"sip:192.0.2.40"}}')
assert_eq "${r%% *}" "201" "createCall to a sip target"
at1() { [ "$(ninv sbc1)" -ge "$1" ]; }
wait_for 5 at1 2 || fail "the sip createCall did not reach SBC 1: $(reqs sbc2 INVITE)"
inv=$(reqs sbc1 INVITE)
assert_eq "$(json_get "$inv" d[1].ruri)" "sip:dave@192.0.2.30:5070" "sip target's URI through the SBC"
assert_eq "$(json_get "$inv" 'd[1].headers["x-jambonz-routing"]')" "sip" "sip X-Jambonz-Routing"
assert_eq "$(json_get "$inv" 'd[1].headers["x-sip-proxy"]')" "sip:192.0.2.40" "createCall X-SIP-Proxy"

# --- sbc-inbound's calls: each dial leg goes back to its SBC ------------
inbound() { # SBC APP NUMBER
	printf '{"dest":"%s","ruri":"sip:%s@%s","headers":["X-Account-Sid: %s","X-Application-Sid: %s","X-CID: in-%s"]}\n' \
		"$FS_SIP" "$3" "$FS_SIP" "$A" "$2" "$3" >>"$WORK/$1.calls"
}
leg() { # SBC NUMBER-OR-URI-PART: the dial leg's INVITE
	json_get "$(reqs "$1" INVITE)" "d.find(r => r.ruri.includes('$2'))"
}
has_leg() { [ -n "$(leg "$1" "$2")" ]; }
acts() { json_get "$(hooks_log)" 'd.filter(r => r.path==="/act").length'; }

inbound sbc1 "$APP_TRUNK" 15559991001
wait_for 10 has_leg sbc1 15551230001 || fail "the trunk dial did not come back to SBC 1: sbc1 $(reqs sbc1 INVITE) sbc2 $(reqs sbc2 INVITE)"
l=$(leg sbc1 15551230001)
assert_eq "$(json_get "$l" d.ruri)" "sip:15551230001@127.0.0.1:$SBC1" "trunk dial Request-URI"
assert_eq "$(json_get "$l" 'd.headers["x-requested-carrier-sid"]')" "$CA" "the account's carrier before its provider's"
assert_eq "$(json_get "$l" 'd.headers["x-jambonz-routing"]')" "phone" "trunk dial X-Jambonz-Routing"
assert_eq "$(json_get "$l" 'd.headers["x-account-sid"]')" "$A" "trunk dial X-Account-Sid"
assert_eq "$(json_get "$l" 'd.headers["x-cid"]')" "in-15559991001" "X-CID of the inbound call"

inbound sbc1 "$APP_TEAMS" 15559991002
wait_for 10 has_leg sbc1 +4930111 || fail "the teams dial did not come back to SBC 1: $(reqs sbc2 INVITE)"
l=$(leg sbc1 +4930111)
assert_eq "$(json_get "$l" d.ruri)" "sip:+4930111@127.0.0.1:$SBC1;opaque=app:voicemail" "teams Request-URI with voicemail"
assert_eq "$(json_get "$l" 'd.headers["x-jambonz-routing"]')" "teams" "teams X-Jambonz-Routing"
assert_eq "$(json_get "$l" 'd.headers["x-ms-teams-fqdn"]')" "sbc.teams.example.com" "X-MS-Teams-FQDN of the provider"
assert_eq "$(json_get "$l" 'd.headers["x-ms-teams-tenant-fqdn"]')" "tenant-a.example.com" "X-MS-Teams-Tenant-FQDN of the account"

inbound sbc2 "$APP_SPTRUNK" 15559991003
wait_for 10 has_leg sbc2 15551230004 || fail "the provider-trunk dial did not come back to SBC 2: $(reqs sbc1 INVITE)"
l=$(leg sbc2 15551230003)
assert_eq "$(json_get "$l" 'd.headers["x-requested-carrier-sid"]')" "$CSP" "the service provider's carrier"
l=$(leg sbc2 15551230004)
assert_eq "$(json_get "$l" 'd.headers["x-requested-carrier-sid"] || "none"')" "none" "an unknown trunk names no carrier"

inbound sbc2 "$APP_SIP" 15559991004
wait_for 10 has_leg sbc2 carol@ || fail "the sip dial did not come back to SBC 2: $(reqs sbc1 INVITE)"
l=$(leg sbc2 carol@)
assert_eq "$(json_get "$l" d.ruri)" "sip:carol@192.0.2.10:5060" "sip dial Request-URI"
assert_eq "$(json_get "$l" 'd.headers["x-sip-proxy"]')" "sip:192.0.2.20" "sip dial X-SIP-Proxy"
assert_eq "$(json_get "$l" 'd.headers["x-jambonz-routing"]')" "sip" "sip dial X-Jambonz-Routing"

four() { [ "$(acts)" -ge 4 ]; }
wait_for 15 four || fail "dials not all ended: $(acts) action hooks"
assert_eq "$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/act").map(r => r.body.dial_call_status).sort().join()')" \
	"completed,completed,completed,completed" "every dial answered by its SBC"
# the application's headers cannot claim a Teams tenant either
assert_eq "$(grep -c 'X-MS-Teams' "$WORK/sbc2.jsonl" || true)" "0" "no Teams headers on other legs"

# --- the histograms saw the lookups and the answers ----------------------
m=$(curl -fsS "$FS_HTTP/metrics")
[ "$(json_get "$m" d.histograms.db_lookup_seconds.count)" -ge 5 ] ||
	fail "directory lookups not counted: $(json_get "$m" 'JSON.stringify(d.histograms.db_lookup_seconds)')"
[ "$(json_get "$m" 'd.histograms.invite_answer_seconds.direction.inbound.count')" -ge 4 ] ||
	fail "inbound answers not counted: $(json_get "$m" 'JSON.stringify(d.histograms.invite_answer_seconds)')"
# --- an account without Teams settings: the teams dial is refused -------
db_sql "UPDATE service_providers SET ms_teams_fqdn = NULL"
# a server of its own (no cached lookup) in place of the first
kill -TERM "$MAIN_PID"
wait_exit "$MAIN_PID" 10 main
start_fs fresh "${DB_CONF[@]}" JAMBONES_SBCS="127.0.0.1:$SBC1,127.0.0.1:$SBC2" \
	OPTIONS_PING_INTERVAL=600000
before=$(ninv sbc1)
printf '{"dest":"127.0.0.1:%s","ruri":"sip:15559991005@127.0.0.1:%s","headers":["X-Account-Sid: %s","X-Application-Sid: %s"]}\n' \
	"$FS_SIP_PORT" "$FS_SIP_PORT" "$A" "$APP_TEAMS" >>"$WORK/sbc1.calls"
five() { [ "$(acts)" -ge 5 ]; }
wait_for 10 five || fail "the refused teams dial did not end"
assert_eq "$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/act")[4].body.dial_call_status')" "failed" \
	"teams dial without Teams settings"
assert_contains "$(cat "$WORK/fresh.log")" "dial to ms teams not allowed" "refusal logged"
assert_eq "$(ninv sbc1)" "$before" "no teams leg reached the SBC"

echo OK
