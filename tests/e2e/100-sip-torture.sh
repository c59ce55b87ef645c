#!/usr/bin/env bash
# RFC 3261 conformance and a table of hostile and torture messages
# (tests/e2e/sip-torture/table.txt, after RFC 4475), each with the answer
# it must get (or none), over UDP and TCP; with one event loop and with
# SIP_LOOPS=2 (messages whose Call-ID lands on loop 1 are forwarded, and
# forged relay traffic is dropped). After the table the server still
# serves a normal call (sipp), /health and /metrics, and counted what it
# refused.
source "$(dirname "$0")/lib.sh"

TABLE="$E2E_ROOT/tests/e2e/sip-torture/table.txt"
start_hooks '{
  "/call": [{"verb":"sip:decline","status":486,"reason":"Torture"}],
  "/ok": [{"verb":"say","text":"Still here."},{"verb":"hangup"}]
}'

# the table's calls run the default application (486); the normal call
# afterwards dials a number of its own
cat >"$WORK/directory.json" <<J
{"applications": [{"application_sid": "app-ok", "call_hook": "$HOOK/ok"}],
 "phone_numbers": [{"number": "15551234567", "application_sid": "app-ok"}]}
J

for loops in 1 2; do
	start_fs "loops$loops" SIP_LOOPS=$loops DEFAULT_CALL_HOOK="$HOOK/call" \
		DIRECTORY_FILE="$WORK/directory.json"
	python3 "$E2E_ROOT/tests/tools/siptorture.py" "$TABLE" 127.0.0.1 \
		"$FS_SIP_PORT" --loops "$loops" --wait 1 \
		>"$WORK/torture$loops.out" 2>&1 ||
		{ cat "$WORK/torture$loops.out"; fail "SIP_LOOPS=$loops: torture table"; }
	tail -n 1 "$WORK/torture$loops.out"
	server_alive

	m=$(curl -fsS "$FS_HTTP/metrics")
	for k in bad_request too_many_hops bad_extension \
		unsupported_media_type unsupported_uri_scheme dropped relay_spoofed \
		bad_sid_header; do
		[ "$(json_get "$m" "d.sip.$k")" -ge 1 ] || fail "SIP_LOOPS=$loops: sip.$k not counted: $m"
	done
	grep -q "sipcheck.*INVITE from 127.0.0.1:[0-9]*: 400 Bad Request (Call-ID missing)" \
		"$WORK/loops$loops.log" || fail "no log line for a missing Call-ID"
	if [ "$loops" = 2 ]; then
		grep -q "INVITE from .*loop 1)" "$WORK/loops2.log" ||
			fail "no table call reached loop 1"
		grep -q "sipfwd: 200 response with relay branch from 127.0.0.1:[0-9]* (not a loop): dropped" \
			"$WORK/loops2.log" || fail "forged relay response not dropped"
	fi
	# nothing from the table became a call that is still up
	wait_idle 10

	# the server still serves a normal call
	start_rtpsink
	run_sipp "ok$loops" uac_srv_bye 15551234567 -m 2 -r 2 || fail "SIP_LOOPS=$loops: normal call after the table"
	server_alive
	wait_idle 10
	kill -TERM "$FS_PID"
	wait "$FS_PID" 2>/dev/null || true
	FS_PIDS=()
done
echo OK
