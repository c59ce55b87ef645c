#!/usr/bin/env bash
# RTP is taken from the peer only. A third UDP socket sends RFC 4733
# digits to the call's RTP port (read from the server's answer) while a
# gather collects the caller's: its digits are dropped and counted
# (media.packets_dropped_source), the caller's are collected. Default
# (latch): the caller's first packet latches; RTP_SOURCE_CHECK=sdp: only
# the SDP address counts, before and after a re-INVITE that moves it.
source "$(dirname "$0")/lib.sh"

start_hooks '{
  "/call": [{"verb":"gather","actionHook":"/g","numDigits":3,"timeout":8},
            {"verb":"hangup"}],
  "/g": [{"verb":"pause","length":2},{"verb":"hangup"}]
}'

# call NAME ACTIONS [sipp args]: the caller, its RTP port file for the
# injector, and the gather's digits
call() {
	local scen
	scen=$(mkscen uac_media_port ACTIONS="$2" PORTFILE="$WORK/$1.port")
	run_sipp "$1" "$scen" 15551200001 "${@:3}" || fail "$1: call failed"
}
inject() { # NAME DIGITS DELAY [GAP BIND_PORT]: in the background, once
	# the port is known
	python3 "$E2E_ROOT/tests/tools/rtpinject.py" "$WORK/$1.port" "${@:2}" \
		>>"$WORK/$1.inject" 2>&1 &
	PIDS+=("$!")
	INJ_PID=$!
}
digits() { # NAME: the gather's digits of the Nth call
	json_get "$(hooks_log)" "d.filter(r => r.path==='/g')[$1].body.digits"
}
dropped() {
	json_get "$(curl -fsS "$FS_HTTP/metrics")" d.media.packets_dropped_source
}

# --- latch (the default): the caller's first digit latches its source;
# the injector's three digits come in the pause before the other two
start_fs latch DEFAULT_CALL_HOOK="$HOOK/call"
inject latch 987 0.8
call latch "$(x_pause 200; x_dtmf 1 300; x_pause 1500; x_dtmf 23 300)"
wait "$INJ_PID" || fail "injector: $(cat "$WORK/latch.inject")"
echo "injector: $(cat "$WORK/latch.inject")"
wait_hooks 'd.filter(r => r.path==="/g").length===1'
assert_eq "$(digits 0)" "123" "latch: digits collected"
d=$(dropped)
[ "$d" -ge 15 ] || fail "latch: $d packets dropped, expected the 15 injected"
m=$(curl -fsS "$FS_HTTP/metrics")
[ "$(json_get "$m" d.media.sources_latched)" -ge 1 ] || fail "latch: nothing latched"
assert_contains "$(cat "$WORK/latch.log")" 'media: port [0-9]*: RTP from 127.0.0.1:[0-9]* dropped: the peer is' \
	"latch: log line for the foreign source"
assert_eq "$(grep -c 'dropped: the peer' "$WORK/latch.log")" "1" "latch: one log line per stream"
wait_idle
kill -TERM "$FS_PID"
wait "$FS_PID" 2>/dev/null || true

# --- sdp: the caller's digits come from the port its SDP names (a
# socket of ours: sipp's pcaps leave from port 0); the injector goes
# first and is still ignored
start_fs sdp DEFAULT_CALL_HOOK="$HOOK/call" RTP_SOURCE_CHECK=sdp
P=$(free_port)
inject sdp 987 0.1
INJ1=$INJ_PID
inject sdp 123 1.4 0.15 "$P"
RTP_PORT=$P call sdp "$(x_pause 3000)"
wait "$INJ1" || fail "injector: $(cat "$WORK/sdp.inject")"
wait_hooks 'd.filter(r => r.path==="/g").length===2'
assert_eq "$(digits 1)" "123" "sdp: digits collected"
d=$(dropped)
[ "$d" -ge 15 ] || fail "sdp: $d packets dropped, expected the 15 injected"

# --- sdp, and a re-INVITE: the offer names a port nobody sends from, so
# the caller's first digit (from port P) is foreign until a re-INVITE
# moves the SDP address to P
Q=$(free_port)
P=$(free_port)
before=$(dropped)
inject reinvite '4----123' 0.3 0.15 "$P"
RTP_PORT=$Q call reinvite "$(x_pause 1000)
$(x_reinvite sendrecv sendrecv 2 "$P")
$(x_pause 3500)"
wait "$INJ_PID" || fail "caller: $(cat "$WORK/reinvite.inject")"
wait_hooks 'd.filter(r => r.path==="/g").length===3'
assert_eq "$(digits 2)" "123" "sdp re-INVITE: digits collected"
d=$(dropped)
[ "$((d - before))" -ge 5 ] || fail "sdp re-INVITE: the digit before it was not dropped"
wait_idle
server_alive
echo OK
