#!/usr/bin/env bash
# Idle memory: the flite voices (1.5 to 4 MB each) are not mapped until a
# call speaks with them, and then only the voice asked for is; nor is the
# espeak-ng engine (and the audio stack it links) until a call speaks
# with it, nor libsndfile and its codecs until a file is played. The
# flite engine and the MariaDB client are not linked (opened on first
# use), nor libsystemd: readiness reaches the service manager through
# $NOTIFY_SOCKET, spoken here by a receiver that stands in for systemd.
source "$(dirname "$0")/lib.sh"

mapped() {
	grep -c "$1" "/proc/$FS_PID/maps" || true
}

espeak() {
	grep -c 'libespeak-ng' "/proc/$FS_PID/maps" || true
}

sndfile() {
	grep -c 'libsndfile' "/proc/$FS_PID/maps" || true
}

voices() {
	grep -o 'libflite_cmu_us_[a-z0-9]*' "/proc/$FS_PID/maps" | sort -u |
		tr '\n' ' ' || true
}

start_hooks '{
  "/call": {"seq": [
    [{"verb":"say","text":"Seven.",
      "synthesizer":{"vendor":"flite","voice":"slt"}},{"verb":"hangup"}],
    [{"verb":"say","text":"Seven.",
      "synthesizer":{"vendor":"flite","voice":"cmu_us_awb"}},
     {"verb":"say","text":"Seven.",
      "synthesizer":{"vendor":"flite","voice":"slt"}},{"verb":"hangup"}],
    [{"verb":"play","url":"@BASE@/tone.wav"},{"verb":"hangup"}],
    [{"verb":"say","text":"Sieben.",
      "synthesizer":{"vendor":"espeak","language":"de-DE"}},{"verb":"hangup"}]
  ]},
  "/tone.wav": {"wav":{"secs":0.5,"freq":440,"rate":8000}}
}'
# the service manager's end: one datagram per state line
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as f:
    while True:
        f.write(s.recv(4096).decode() + "\n")
        f.flush()
' "$WORK/notify.sock" "$WORK/notify.out" &
NOTIFY_PID=$!
PIDS+=("$NOTIFY_PID")
wait_for 5 test -S "$WORK/notify.sock" || fail "no notify socket"
NOTIFY_SOCKET="$WORK/notify.sock" start_fs main DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status" TTS_VENDOR=flite
wait_for 5 grep -qx 'READY=1' "$WORK/notify.out" ||
	fail "READY=1 not sent to \$NOTIFY_SOCKET"

assert_eq "$(mapped 'libflite\.so')" "0" "flite engine mapped by an idle server"
assert_eq "$(mapped libmariadb)" "0" "MariaDB client mapped without a MySQL directory"
assert_eq "$(mapped libsystemd)" "0" "libsystemd mapped"

assert_eq "$(voices)" "" "voices mapped by an idle server"
assert_eq "$(espeak)" "0" "espeak-ng mappings of an idle server"
assert_eq "$(sndfile)" "0" "libsndfile mappings of an idle server"
assert_eq "$(grep -c 'flite: voice' "$WORK/main.log" || true)" "0" \
	"voices loaded at start"

start_rtpsink
run_sipp slt uac_srv_bye 15551230065 || fail "slt call failed"
rtp_quiet
[ "$(rtp_stat d.nonsilent)" -ge 15 ] || fail "slt barely heard"
assert_eq "$(voices)" "libflite_cmu_us_slt " "after a call speaking slt"
[ "$(mapped 'libflite\.so')" -ge 1 ] || fail "flite engine not mapped after speaking"

start_rtpsink
run_sipp awb uac_srv_bye 15551230065 || fail "awb call failed"
rtp_quiet
[ "$(rtp_stat d.nonsilent)" -ge 30 ] || fail "awb and slt barely heard"
assert_eq "$(voices)" "libflite_cmu_us_awb libflite_cmu_us_slt " \
	"after a call speaking awb and slt"
# each voice is loaded once, however many calls use it
assert_eq "$(grep -c 'flite: voice slt loaded' "$WORK/main.log")" "1" \
	"slt loaded once"
assert_eq "$(grep -c 'flite: voice awb loaded' "$WORK/main.log")" "1" \
	"awb loaded once"
assert_eq "$(grep -c 'flite: engine loaded' "$WORK/main.log")" "1" \
	"flite engine loaded once"
assert_eq "$(espeak)" "0" "espeak-ng mappings after flite calls"
# (espeak-ng links libsndfile itself: checked before it is loaded)
assert_eq "$(sndfile)" "0" "libsndfile mappings after flite speech"

# the first file played maps libsndfile, and the tone is heard
start_rtpsink
run_sipp play uac_srv_bye 15551230065 || fail "play call failed"
rtp_quiet
[ "$(rtp_stat d.nonsilent)" -ge 15 ] || fail "the played tone barely heard"
[ "$(sndfile)" -ge 1 ] || fail "libsndfile not mapped after playing a file"
assert_eq "$(grep -c 'libsndfile loaded' "$WORK/main.log")" "1" "libsndfile loaded once"
assert_eq "$(espeak)" "0" "espeak-ng mappings after playing a file"

# the first espeak-ng call maps the engine, and it speaks
start_rtpsink
run_sipp espeak uac_srv_bye 15551230065 || fail "espeak call failed"
rtp_quiet
[ "$(rtp_stat d.nonsilent)" -ge 15 ] || fail "espeak-ng barely heard"
[ "$(espeak)" -ge 1 ] || fail "espeak-ng not mapped after speaking with it"
assert_eq "$(grep -c 'espeak-ng: engine loaded' "$WORK/main.log")" "1" \
	"espeak-ng loaded once"

wait_hooks 'd.filter(r => r.path==="/status" && r.body.call_status==="completed").length===4'
wait_idle
kill -TERM "$FS_PID"
wait_exit "$FS_PID" 15 "the server"
wait_for 5 grep -qx 'STOPPING=1' "$WORK/notify.out" ||
	fail "STOPPING=1 not sent to \$NOTIFY_SOCKET"
echo OK
