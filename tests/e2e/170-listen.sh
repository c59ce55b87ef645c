#!/usr/bin/env bash
# listen: the caller's audio, live, to a WebSocket server (a real one in
# node, tests/tools/listensrv.js, which measures what it gets). The
# handshake (subprotocol audio.jambonz.org, basic auth from wsAuth); the
# metadata text message first (call fields, sampleRate, mixType, the
# verb's metadata merged in); then binary L16 at sampleRate: bytes per
# second as the rate says, 20 ms per message, audible while the caller
# (sipp) sends a tone; stereo twice the size with the far end's channel
# silent (not bridged); the server's disconnect ending the verb, whose
# actionHook gets dialCallDuration; playAudio (raw and WAV) heard by the
# caller and answered with playDone; passDtmf and finishOnKey; maxLength;
# the stream alias; playBeep before the socket opens.
source "$(dirname "$0")/lib.sh"

node "$E2E_ROOT/tests/tools/listensrv.js" >"$WORK/ls.out" 2>"$WORK/ls.log" &
PIDS+=("$!")
wait_for 5 grep -q '^PORT ' "$WORK/ls.out" || fail "listen server did not start"
LS="ws://127.0.0.1:$(sed -n 's/^PORT //p' "$WORK/ls.out")"
lslog() { curl -fsS "http://${LS#ws://}/_log"; }
ls_true() { [ "$(json_get "$(lslog)" "$1")" = "true" ]; }
wait_ls() { wait_for "${2:-10}" ls_true "$1" || fail "listen server never saw: $1"; }
conn() { echo "d.find(c => c.name===\"$1\")"; }

listen() { # URL-PATH [extra JSON properties]
	printf '{"verb":"listen","url":"%s/%s","actionHook":"/done"%s}' "$LS" "$1" "${2:+,$2}"
}
start_hooks '{
  "/call": {"seq": [
    ['"$(listen 'mono?disconnect=3000' '"wsAuth":{"username":"lu","password":"lp"},"metadata":{"foo":"bar","n":7}')"',
     {"verb":"hangup"}],
    ['"$(listen 'stereo?disconnect=3000' '"mixType":"stereo","sampleRate":16000')"', {"verb":"hangup"}],
    ['"$(listen 'play?play=raw&disconnect=2500')"', {"verb":"hangup"}],
    ['"$(listen 'wav?play=wav&disconnect=2500' '"bidirectionalAudio":{"enabled":true}')"', {"verb":"hangup"}],
    ['"$(listen 'dtmf' '"passDtmf":true,"finishOnKey":"#"')"', {"verb":"hangup"}],
    ['"$(listen 'maxlen' '"maxLength":2,"sampleRate":24000')"', {"verb":"hangup"}],
    [{"verb":"stream","url":"'"$LS"'/alias?disconnect=1500","actionHook":"/done","mixType":"mixed"},
     {"verb":"hangup"}],
    ['"$(listen 'beep?disconnect=1000' '"playBeep":true')"', {"verb":"hangup"}]
  ]},
  "/done": []
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call"

python3 "$E2E_ROOT/tests/tools/mkpcap.py" "$WORK/tone.pcap" 3 pcmu 600
caller() { mkscen uac_answer ACTIONS="<nop><action><exec play_pcap_audio=\"$WORK/tone.pcap\"/></action></nop>${1:-}"; }
done_nth() { echo "d.filter(r => r.path===\"/done\")[$1].body"; }

# --- mono, 8 kHz: metadata, auth, rate, loudness, disconnect ----------
start_rtpsink
run_sipp mono "$(caller)" 15551230001 || fail "mono call failed"
wait_ls "$(conn mono).closed"
log=$(lslog)
c=$(conn mono)
assert_eq "$(json_get "$log" "$c.protocol")" "audio.jambonz.org" "subprotocol"
assert_eq "$(json_get "$log" "$c.headers.authorization")" "Basic $(printf 'lu:lp' | base64)" "wsAuth"
assert_eq "$(json_get "$log" "$c.meta_first")" "true" "metadata before audio"
for k in callSid from to callId direction accountSid; do
	assert_eq "$(json_get "$log" "typeof $c.meta.$k")" "string" "metadata $k"
done
assert_eq "$(json_get "$log" "$c.meta.sampleRate")" "8000" "metadata sampleRate"
assert_eq "$(json_get "$log" "$c.meta.mixType")" "mono" "metadata mixType"
assert_eq "$(json_get "$log" "$c.meta.foo + $c.meta.n")" "bar7" "verb metadata merged"
assert_eq "$(json_get "$log" "$c.meta.to")" "15551230001" "metadata to"
assert_eq "$(json_get "$log" "Object.keys($c.sizes).join()")" "320" "20 ms of 8 kHz L16 per message"
bps=$(json_get "$log" "Math.round($c.bytes * 1000 / ($c.last_bin - $c.first_bin + 20))")
echo "mono: $(json_get "$log" "$c.frames") frames, $bps bytes/s, $(json_get "$log" "$c.loud") loud"
[ "$bps" -ge 14400 ] && [ "$bps" -le 17600 ] || fail "mono: $bps bytes/s, not 16000"
[ "$(json_get "$log" "$c.loud")" -ge 75 ] || fail "mono: the caller's tone was not heard"
[ "$(json_get "$log" "$c.frames")" -ge 130 ] || fail "mono: too few frames before the disconnect"
wait_hooks 'd.filter(r => r.path==="/done").length >= 1'
hk=$(hooks_log)
dur=$(json_get "$hk" "$(done_nth 0).dialCallDuration")
[ "$dur" -ge 2 ] && [ "$dur" -le 4 ] || fail "dialCallDuration $dur"
assert_eq "$(json_get "$hk" "$(done_nth 0).call_sid")" "$(json_get "$log" "$c.meta.callSid")" "actionHook call_sid"
grep -q "streaming to ws://127.0.0.1:[0-9]*/mono" "$WORK/main.log" || fail "no log line for the stream"

# --- stereo, 16 kHz: twice the size, far end silent ---------------------
run_sipp stereo "$(caller)" 15551230002 || fail "stereo call failed"
wait_ls "$(conn stereo).closed"
log=$(lslog)
c=$(conn stereo)
assert_eq "$(json_get "$log" "$c.meta.sampleRate + $c.meta.mixType")" "16000stereo" "stereo metadata"
assert_eq "$(json_get "$log" "Object.keys($c.sizes).sort((a,b)=>$c.sizes[b]-$c.sizes[a])[0]")" "1280" \
	"stereo 16 kHz: 20 ms is 1280 bytes"
bps=$(json_get "$log" "Math.round($c.bytes * 1000 / ($c.last_bin - $c.first_bin + 20))")
echo "stereo: $bps bytes/s, left loud $(json_get "$log" "$c.loud_l"), right loud $(json_get "$log" "$c.loud_r")"
[ "$bps" -ge 57600 ] && [ "$bps" -le 70400 ] || fail "stereo: $bps bytes/s, not 64000"
[ "$(json_get "$log" "$c.loud_l")" -ge 75 ] || fail "stereo: caller not in the left channel"
assert_eq "$(json_get "$log" "$c.loud_r")" "0" "stereo: right channel (no far end) silent"

# --- playAudio, raw 8 kHz and WAV 16 kHz: heard, playDone ---------------
for kind in play wav; do
	start_rtpsink
	run_sipp "$kind" "$(caller)" 1555123000$([ $kind = play ] && echo 3 || echo 4) || fail "$kind call failed"
	wait_ls "$(conn $kind).closed"
	rtp_quiet
	log=$(lslog)
	c=$(conn $kind)
	id=$([ $kind = play ] && echo p1 || echo p2)
	assert_eq "$(json_get "$log" "$c.texts.filter(t => t.msg.type===\"playDone\").map(t => t.msg.data.id).join()")" \
		"$id" "$kind: playDone"
	loud=$(rtp_stat d.nonsilent)
	echo "$kind: caller heard $loud loud packets"
	[ "$loud" -ge 40 ] && [ "$loud" -le 60 ] || fail "$kind: 1 s of audio should be about 50 loud packets, got $loud"
done

# --- passDtmf and finishOnKey ------------------------------------------
# the last digit has no pause after it: the BYE follows at once
run_sipp dtmf "$(caller "$(x_pause 1000; x_dtmf 5 400)<nop><action><exec play_pcap_audio=\"/usr/share/sip-tester/dtmf_2833_pound.pcap\"/></action></nop>")" 15551230005 || fail "dtmf call failed"
wait_ls "$(conn dtmf).closed"
log=$(lslog)
c=$(conn dtmf)
assert_eq "$(json_get "$log" "$c.texts.filter(t => t.msg.event===\"dtmf\").map(t => t.msg.dtmf).join()")" \
	"5,#" "passDtmf"
wait_hooks 'd.filter(r => r.path==="/done").length >= 5'
assert_eq "$(json_get "$(hooks_log)" "$(done_nth 4).digits")" "#" "finishOnKey digits"

# --- maxLength 2 s at 24 kHz --------------------------------------------
t0=$(date +%s%3N)
run_sipp maxlen "$(caller)" 15551230006 || fail "maxlen call failed"
dt=$(($(date +%s%3N) - t0))
wait_ls "$(conn maxlen).closed"
log=$(lslog)
c=$(conn maxlen)
span=$(json_get "$log" "$c.closed_at - $c.at")
echo "maxLength: socket open $span ms, call $dt ms"
[ "$span" -ge 1700 ] && [ "$span" -le 2600 ] || fail "maxLength 2: socket open $span ms"
assert_eq "$(json_get "$log" "Object.keys($c.sizes).sort((a,b)=>$c.sizes[b]-$c.sizes[a])[0]")" "960" \
	"24 kHz: 20 ms is 960 bytes"

# --- the stream alias, mixed -------------------------------------------
run_sipp alias "$(caller)" 15551230007 || fail "stream call failed"
wait_ls "$(conn alias).closed"
log=$(lslog)
c=$(conn alias)
assert_eq "$(json_get "$log" "$c.meta.mixType")" "mixed" "stream: mixType"
[ "$(json_get "$log" "$c.loud")" -ge 40 ] || fail "stream: the caller was not heard"

# --- playBeep: 500 ms of tone before the socket opens -------------------
start_rtpsink
t0=$(date +%s%3N)
run_sipp beep uac_srv_bye 15551230008 || fail "beep call failed"
rtp_quiet
log=$(lslog)
loud=$(rtp_stat d.nonsilent)
echo "beep: caller heard $loud loud packets"
[ "$loud" -ge 22 ] && [ "$loud" -le 28 ] || fail "playBeep: $loud loud packets, not 500 ms"
# the socket opened after the beep
first=$(rtp_stat 'd.log.find(p => p[1]===1)[0]')
opened=$(json_get "$log" "$(conn beep).at")
[ "$opened" -ge $((first + 400)) ] || fail "the socket opened $((opened - first)) ms after the beep began"

wait_idle
server_alive
echo "PASS"
