#!/usr/bin/env bash
# dial's onHoldHook: the bridged target's re-INVITE with a=sendonly puts
# the caller on hold: the hook gets the caller's fields and hold_detail
# {from, to} of that re-INVITE, and its play verb is heard by the held
# caller (as jambonz plays it to the held party); the target's next
# re-INVITE (sendrecv) stops it and gives the bridge back (its tone
# reaches the caller), and is not posted.
source "$(dirname "$0")/23x_lib.sh"

B=$(free_port)
start_hooks '{
  "/call": [{"verb":"dial","actionHook":"/action","onHoldHook":"/hold",
             "target":[{"type":"sip","sipUri":"sip:bob@127.0.0.1:'"$B"'"}]}],
  "/hold": [{"verb":"pause","length":1},{"verb":"play","url":"@BASE@/beep.wav"}],
  "/beep.wav": {"wav":{"secs":3,"freq":600,"rate":8000}},
  "/action": [{"verb":"hangup"}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status"
python3 "$E2E_ROOT/tests/tools/mkpcap.py" "$WORK/tone.pcap" 1 pcmu 450

start_uas bob "$B" "$(ring_scen 300 "$(x_pause 1000)
$(x_uas_reinvite sendonly 2)
$(x_pause 1500)
$(x_uas_reinvite sendrecv 3)
$(x_pause 1000)
$(x_play "$WORK/tone.pcap")
$(x_pause 1500)
$(x_uas_bye | sed 's/CSeq: 2 BYE/CSeq: 4 BYE/')")"
start_rtpsink
run_sipp alice uac_srv_bye 15551230235 || fail "caller failed"
wait_uas bob
wait_hooks 'd.some(r => r.path==="/action")'
rtp_quiet

log=$(hooks_log)
assert_eq "$(json_get "$log" 'd.filter(r => r.path==="/hold").length')" "1" "onHoldHook posted once (not on unhold)"
h='d.find(r => r.path==="/hold").body'
assert_eq "$(json_get "$log" "$h.call_sid")" "$(json_get "$log" 'd.find(r => r.path==="/call").body.call_sid')" "onHoldHook: the caller's fields"
assert_contains "$(json_get "$log" "$h.hold_detail.from")" "sip:bob@127.0.0.1:$B" "hold_detail.from: the re-INVITE's From"
assert_contains "$(json_get "$log" "$h.hold_detail.to")" "sip:15550001111@" "hold_detail.to: the re-INVITE's To"
re1=$(grep -n "a=sendonly" "$WORK/bob.msg" | head -1 | cut -d: -f1)
[ -n "$re1" ] || fail "no hold re-INVITE in bob's trace"
assert_contains "$(cat "$WORK/main.log")" "on hold by the far end" "hold seen"
assert_contains "$(cat "$WORK/main.log")" "onHoldHook verbs to the caller" "hold verbs played"
assert_contains "$(cat "$WORK/main.log")" "off hold by the far end" "unhold seen"
# the beep while held (about 0.5 s of it, the unhold cut it), none after
# the unhold until bob's tone, then the tone over the bridge
# the times of bob's two re-INVITEs (his trace's last two INVITEs)
t=$(python3 - "$WORK/bob.msg" <<'PY'
import datetime, re, sys
stamp, out = None, []
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"^-+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)", line)
    if m:
        stamp = m.group(1)
        continue
    if line.startswith("INVITE sip:") and stamp:
        t = datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f")
        out.append(str(int(t.timestamp() * 1000)))
        stamp = None
print(" ".join(out[-2:]))
PY
)
read -r hold unhold <<<"$t"
[ -n "$unhold" ] || fail "re-INVITE times not found ($t)"
during=$(rtp_stat "d.log.filter(p => p[1] && p[0] > $hold && p[0] < $unhold + 100).length")
after=$(rtp_stat "d.log.filter(p => p[1] && p[0] > $unhold + 200 && p[0] < $unhold + 900).length")
back=$(rtp_stat "d.log.filter(p => p[1] && p[0] > $unhold + 1000).length")
[ "$during" -ge 15 ] || fail "the held caller heard $during loud packets of the onHoldHook's play"
assert_eq "$after" "0" "the play stopped at the unhold"
[ "$back" -ge 20 ] || fail "bridge not back after the unhold: $back loud packets"
wait_idle 5
echo OK
