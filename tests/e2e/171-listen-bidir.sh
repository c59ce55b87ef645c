#!/usr/bin/env bash
# listen, the server's side: audio streamed back as binary L16
# (bidirectionalAudio.streaming) heard by the caller, marks answered
# "playout" when the audio before them has played and "cleared" by
# clearMarks; killAudio cutting a playAudio short; hostile input (text
# that is not JSON, a playAudio that is not base64, an unknown type,
# binary audio when not streaming) logged, answered with an error and
# ignored while the stream goes on; a message over 128 KiB ending the
# verb but not the call; a refused handshake; the caller hanging up
# mid-stream; the silence timeout, with the caller hearing silence.
source "$(dirname "$0")/lib.sh"

node "$E2E_ROOT/tests/tools/listensrv.js" >"$WORK/ls.out" 2>"$WORK/ls.log" &
PIDS+=("$!")
wait_for 5 grep -q '^PORT ' "$WORK/ls.out" || fail "listen server did not start"
LS="ws://127.0.0.1:$(sed -n 's/^PORT //p' "$WORK/ls.out")"
lslog() { curl -fsS "http://${LS#ws://}/_log"; }
ls_true() { [ "$(json_get "$(lslog)" "$1")" = "true" ]; }
wait_ls() { wait_for "${2:-10}" ls_true "$1" || fail "listen server never saw: $1"; }
conn() { echo "d.find(c => c.name===\"$1\")"; }
texts() { echo "$(conn "$1").texts.map(t => t.msg)"; }

listen() { # URL-PATH [extra JSON properties]
	printf '{"verb":"listen","url":"%s/%s","actionHook":"/done"%s}' "$LS" "$1" "${2:+,$2}"
}
start_hooks '{
  "/call": {"seq": [
    ['"$(listen 'stream?stream=16000&disconnect=9500' '"bidirectionalAudio":{"enabled":true,"streaming":true,"sampleRate":16000}')"',
     {"verb":"hangup"}],
    ['"$(listen 'kill?kill=1000&disconnect=3000')"', {"verb":"hangup"}],
    ['"$(listen 'hostile?hostile=1&disconnect=2500')"', {"verb":"hangup"}],
    ['"$(listen 'huge?huge=1')"', {"verb":"pause","length":1}, {"verb":"hangup"}],
    ['"$(listen 'refused?refuse=1')"', {"verb":"hangup"}],
    ['"$(listen 'bye')"', {"verb":"hangup"}],
    ['"$(listen 'quiet' '"timeout":1.5')"', {"verb":"hangup"}]
  ]},
  "/done": []
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call"

# --- streamed audio and marks ------------------------------------------
start_rtpsink
run_sipp stream uac_srv_bye 15551240001 || fail "stream call failed"
wait_ls "$(conn stream).closed"
rtp_quiet
log=$(lslog)
t=$(texts stream)
echo "stream: server got $(json_get "$log" "JSON.stringify($t)")"
assert_eq "$(json_get "$log" "$t.filter(m => m.type===\"mark\").map(m => m.data.name + \":\" + m.data.event).join()")" \
	"m1:playout,m2:cleared" "marks"
c=$(conn stream)
# m1 follows 1 s of audio sent at once: it plays out about 1 s later
lag=$(json_get "$log" "$c.texts.find(t => t.msg.type===\"mark\").at - $c.at")
echo "stream: m1 played out $lag ms after the connection (sent at 500 ms with 1 s before it)"
[ "$lag" -ge 1300 ] && [ "$lag" -le 2300 ] || fail "mark m1 at $lag ms"
loud=$(rtp_stat d.nonsilent)
echo "stream: caller heard $loud loud packets"
[ "$loud" -ge 330 ] && [ "$loud" -le 365 ] || fail "stream: 7 s of streamed audio, $loud loud packets"
assert_eq "$(rtp_stat d.ts_faults)" "0" "stream: RTP timestamps"

# --- killAudio: 3 s of audio cut after about 0.5 s ---------------------
start_rtpsink
run_sipp kill uac_srv_bye 15551240002 || fail "kill call failed"
wait_ls "$(conn kill).closed"
rtp_quiet
log=$(lslog)
loud=$(rtp_stat d.nonsilent)
echo "kill: caller heard $loud loud packets"
[ "$loud" -ge 15 ] && [ "$loud" -le 40 ] || fail "killAudio: $loud loud packets (3 s queued, killed after 0.5 s)"
assert_eq "$(json_get "$log" "$(texts kill).filter(m => m.type===\"playDone\").map(m => m.data.id + \":\" + m.data.reason).join()")" \
	"k1:killed" "killed playDone"

# --- hostile input: logged, answered, ignored ---------------------------
run_sipp hostile uac_srv_bye 15551240003 || fail "hostile call failed"
wait_ls "$(conn hostile).closed"
log=$(lslog)
c=$(conn hostile)
assert_eq "$(json_get "$log" "$(texts hostile).filter(m => m.type===\"error\").length")" "4" "an error for each hostile message"
for w in "not a JSON object" "audioContent is not base64" "unknown message type" "binary audio ignored"; do
	grep -q "listen: .*: $w" "$WORK/main.log" || fail "no log line: $w"
done
grep -q "message 'this is not json {'" "$WORK/main.log" || fail "the hostile text is not quoted in the log"
[ "$(json_get "$log" "$c.frames")" -ge 110 ] || fail "the stream stopped after hostile input"
[ "$(json_get "$log" "$c.last_bin - $c.first_bin")" -ge 2000 ] || fail "the stream did not go on"

# --- a playAudio over 128 KiB: the socket ends (1009), the call goes on --
t0=$(date +%s%3N)
run_sipp huge uac_srv_bye 15551240004 || fail "huge call failed"
dt=$(($(date +%s%3N) - t0))
wait_ls "$(conn huge).closed"
assert_eq "$(json_get "$(lslog)" "$(conn huge).close_code")" "1009" "close code for a message too big"
grep -q "listen: .*huge.*: connection lost: " "$WORK/main.log" || fail "too big a message not logged"
# the pause after listen ran: the call lasted past it
[ "$dt" -ge 1000 ] || fail "the verbs after listen did not run ($dt ms)"

# --- a refused handshake: the verb ends, the next runs ------------------
run_sipp refused uac_srv_bye 15551240005 || fail "refused call failed"
grep -q "listen: .*refused.*: cannot connect: " "$WORK/main.log" || fail "refused handshake not logged"
wait_hooks 'd.filter(r => r.path==="/done").length >= 5'

# --- the caller hangs up while streaming --------------------------------
run_sipp bye "$(mkscen uac_bye ACTIONS="$(x_pause 1500)" CSEQ=2)" 15551240006 || fail "bye call failed"
wait_ls "$(conn bye).closed"
log=$(lslog)
[ "$(json_get "$log" "$(conn bye).frames")" -ge 50 ] || fail "bye: no audio before the hang-up"

# --- silence: timeout 1.5 s ends it; the caller hears only silence -------
start_rtpsink
run_sipp quiet uac_srv_bye 15551240007 || fail "quiet call failed"
dt=$(msg_span quiet)  # sipp's start-up under load is not ours
rtp_quiet
echo "quiet: call $dt ms, caller got $(rtp_stat d.packets) packets, $(rtp_stat d.nonsilent) loud"
[ "$dt" -ge 1400 ] && [ "$dt" -le 3500 ] || fail "silence timeout 1.5 s: call lasted $dt ms"
[ "$(rtp_stat d.packets)" -ge 50 ] || fail "quiet: the caller got no RTP"
assert_eq "$(rtp_stat d.nonsilent)" "0" "quiet: the caller hears silence"

wait_idle
server_alive
m=$(curl -fsS "$FS_HTTP/metrics")
echo "media: $(json_get "$m" 'JSON.stringify(d.media || d.loops)')" | cut -c1-400
echo "PASS"
