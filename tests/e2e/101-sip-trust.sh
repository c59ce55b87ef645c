#!/usr/bin/env bash
# Who is believed. The embedded directory: an application runs only for
# its own account (X-Application-Sid or the called number of another
# account's application: 403 with X-Reason, counted); a malformed sid
# header gets 400. SBC_TRUSTED_NETS: a new INVITE from outside the list
# gets 403 (also for calls forwarded to loop 1), from inside it is
# routed, OPTIONS stay open; a list that does not parse stops the start.
source "$(dirname "$0")/lib.sh"

A=11111111-aaaa-4aaa-8aaa-000000000001
C=11111111-aaaa-4aaa-8aaa-000000000003
APPA=22222222-bbbb-4bbb-8bbb-00000000000a
APPC=22222222-bbbb-4bbb-8bbb-00000000000c
start_hooks '{
  "/a": [{"verb":"sip:decline","status":486,"reason":"App A"}],
  "/c": [{"verb":"sip:decline","status":486,"reason":"App C"}]
}'
cat >"$WORK/directory.json" <<J
{
  "accounts": [
    {"account_sid": "$A", "is_active": true},
    {"account_sid": "$C", "is_active": true}
  ],
  "applications": [
    {"application_sid": "$APPA", "account_sid": "$A", "call_hook": "$HOOK/a"},
    {"application_sid": "$APPC", "account_sid": "$C", "call_hook": "$HOOK/c"}
  ],
  "phone_numbers": [
    {"number": "15557771000", "account_sid": "$A", "application_sid": "$APPA"},
    {"number": "15557773000", "account_sid": "$C", "application_sid": "$APPC"}
  ]
}
J
start_fs main DIRECTORY_FILE="$WORK/directory.json"

call() { # NAME NUMBER CODE [HEADERS, '|' between]
	local scen hdrs=${4:-}
	scen=$(mkscen uac_reject CODE="$3" HDRS="${hdrs//|/$'\n'}")
	run_sipp "$1" "$scen" "$2" || fail "$1: no $3 ($(final "$1"))"
}
final() {
	awk '/^SIP\/2.0 [3-6][0-9][0-9] /,/^\r?$/' "$WORK/$1.msg" 2>/dev/null |
		grep -E '^(SIP/2.0|X-Reason:)' | tr -d '\r' | paste -sd'|'
}

# each account's own application runs
call own 15557771000 486 "X-Account-Sid: $A|X-Application-Sid: $APPA"
assert_eq "$(final own)" "SIP/2.0 486 App A|X-Reason: SIP Decline Verb" "own application"
call ownc 15557773000 486 "X-Account-Sid: $C"
assert_eq "$(final ownc)" "SIP/2.0 486 App C|X-Reason: SIP Decline Verb" "own number"
# no account header: the application's own account
call noacct 15557771000 486 "X-Application-Sid: $APPC"
assert_eq "$(final noacct)" "SIP/2.0 486 App C|X-Reason: SIP Decline Verb" "application without account header"

# another account's application, named or by number
call cross 15557771000 403 "X-Account-Sid: $A|X-Application-Sid: $APPC"
assert_eq "$(final cross)" "SIP/2.0 403 Forbidden|X-Reason: application $APPC does not belong to account $A" "X-Application-Sid of another account"
call crossnum 15557773000 403 "X-Account-Sid: $A"
assert_eq "$(final crossnum)" "SIP/2.0 403 Forbidden|X-Reason: application $APPC does not belong to account $A" "number of another account"
grep -q "WARN  call: .*: 403 application $APPC does not belong to account $A" "$WORK/main.log" ||
	fail "no log line for the refused application"
assert_eq "$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/c").length')" "2" "webhooks of account C's app"

# a sid that is not a token never reaches the directory
call badsid 15557771000 400 "X-Account-Sid: $A'--"
assert_eq "$(final badsid)" "SIP/2.0 400 Bad Request|X-Reason: malformed X-Account-Sid" "malformed sid"
m=$(curl -fsS "$FS_HTTP/metrics")
assert_eq "$(json_get "$m" d.sip.account_mismatch)" "2" "account mismatches counted"
assert_eq "$(json_get "$m" d.sip.bad_sid_header)" "1" "malformed sids counted"
wait_idle

# SBC_TRUSTED_NETS, with two loops: the check is made before forwarding
cat >"$WORK/trust.txt" <<'T'
=== untrusted-invite | udp,src=127.0.0.1 | 403
INVITE sip:15557771000@{host}:{port} SIP/2.0
Via: SIP/2.0/UDP {lhost}:{lport};branch={branch};rport
From: <sip:caller@{lhost}>;tag={tag}
To: <sip:15557771000@{host}>
Call-ID: {callid}
CSeq: 1 INVITE
Max-Forwards: 70
Content-Length: 0

=== untrusted-invite-loop1 | udp,src=127.0.0.1,loop=1 | 403
INVITE sip:15557771000@{host}:{port} SIP/2.0
Via: SIP/2.0/UDP {lhost}:{lport};branch={branch};rport
From: <sip:caller@{lhost}>;tag={tag}
To: <sip:15557771000@{host}>
Call-ID: {callid}
CSeq: 1 INVITE
Max-Forwards: 70
Content-Length: 0

=== untrusted-options | udp,src=127.0.0.1 | 200
OPTIONS sip:{host}:{port} SIP/2.0
Via: SIP/2.0/UDP {lhost}:{lport};branch={branch};rport
From: <sip:probe@{lhost}>;tag={tag}
To: <sip:{host}:{port}>
Call-ID: {callid}
CSeq: 1 OPTIONS
Max-Forwards: 70
Content-Length: 0

=== trusted-host | udp,src=127.0.0.2,loop=1 | 486
INVITE sip:15557771000@{host}:{port} SIP/2.0
Via: SIP/2.0/UDP {lhost}:{lport};branch={branch};rport
From: <sip:caller@{lhost}>;tag={tag}
To: <sip:15557771000@{host}>
Call-ID: {callid}
CSeq: 1 INVITE
X-Account-Sid: 11111111-aaaa-4aaa-8aaa-000000000001
Max-Forwards: 70
Content-Length: 0

=== trusted-net | udp,src=127.0.1.9,loop=0 | 486
INVITE sip:15557771000@{host}:{port} SIP/2.0
Via: SIP/2.0/UDP {lhost}:{lport};branch={branch};rport
From: <sip:caller@{lhost}>;tag={tag}
To: <sip:15557771000@{host}>
Call-ID: {callid}
CSeq: 1 INVITE
Max-Forwards: 70
Content-Length: 0
T
kill -TERM "$FS_PID"
wait "$FS_PID" 2>/dev/null || true
FS_PIDS=()
start_fs trust SIP_LOOPS=2 DIRECTORY_FILE="$WORK/directory.json" \
	"SBC_TRUSTED_NETS=127.0.0.2, 127.0.1.0/24 ::1/128"
python3 "$E2E_ROOT/tests/tools/siptorture.py" "$WORK/trust.txt" 127.0.0.1 \
	"$FS_SIP_PORT" --loops 2 >"$WORK/trust.out" 2>&1 ||
	{ cat "$WORK/trust.out"; fail "SBC_TRUSTED_NETS"; }
grep -q "sipcheck: INVITE from 127.0.0.1:[0-9]*: 403 Forbidden (source not in SBC_TRUSTED_NETS)" \
	"$WORK/trust.log" || fail "no log line for an untrusted source"
grep -q "INVITE from caller .*loop 1)" "$WORK/trust.log" || fail "trusted call did not reach loop 1"
# loop 1's private port from outside: the same check, and a forged
# relay Via (which would skip it) is dropped
port1=$(sed -n 's/.*loop 1: SIP on 127.0.0.1:\([0-9]*\) (UDP).*/\1/p' "$WORK/trust.log")
[ -n "$port1" ] || fail "no port of loop 1"
cat >"$WORK/direct.txt" <<'T'
=== untrusted-direct | udp,src=127.0.0.1 | 403
INVITE sip:15557771000@{host}:{port} SIP/2.0
Via: SIP/2.0/UDP {lhost}:{lport};branch={branch};rport
From: <sip:caller@{lhost}>;tag={tag}
To: <sip:15557771000@{host}>
Call-ID: {callid}
CSeq: 1 INVITE
Max-Forwards: 70
Content-Length: 0

=== forged-relay-direct | udp,src=127.0.0.1 | none
INVITE sip:15557771000@{host}:{port} SIP/2.0
Via: SIP/2.0/UDP {lhost}:{lport};branch=z9hG4bKfsp0000000000000000
Via: SIP/2.0/UDP 127.0.0.2:5060;branch={branch};received=127.0.0.2;rport=5060
From: <sip:caller@{lhost}>;tag={tag}
To: <sip:15557771000@{host}>
Call-ID: {callid}
CSeq: 1 INVITE
Max-Forwards: 70
Content-Length: 0
T
python3 "$E2E_ROOT/tests/tools/siptorture.py" "$WORK/direct.txt" 127.0.0.1 \
	"$port1" >"$WORK/direct.out" 2>&1 ||
	{ cat "$WORK/direct.out"; fail "loop 1 reached directly"; }
m=$(curl -fsS "$FS_HTTP/metrics")
assert_eq "$(json_get "$m" d.sip.untrusted_source)" "3" "untrusted INVITEs counted"
assert_eq "$(json_get "$m" d.sip.relay_spoofed)" "1" "forged relay Via counted"
wait_idle
server_alive

# a list that does not parse: the server does not start
printf 'SBC_TRUSTED_NETS=10.0.0.0/33\n' >"$WORK/bad.conf"
if out=$("$FS_BIN" -c "$WORK/bad.conf" --check-config 2>&1); then
	fail "bad SBC_TRUSTED_NETS accepted: $out"
fi
assert_contains "$out" "SBC_TRUSTED_NETS: '/33' is not a prefix length of 10.0.0.0" "config error"
echo OK
