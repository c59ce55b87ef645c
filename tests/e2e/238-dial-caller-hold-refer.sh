#!/usr/bin/env bash
# dial, the caller's side of the bridge, as jambonz's dial with an
# onHoldHook and a referHook: the caller's hold (a re-INVITE, sendonly)
# goes on to the callee (a re-INVITE offering sendonly), the onHoldHook
# gets the caller's fields and hold_detail, its play is heard by the
# held callee, and the caller's unhold takes the callee's hold back
# (sendrecv) and gives the bridge back; a REFER from the caller goes to
# the referHook (the caller's fields, referring_call_sid the caller's,
# referred_call_sid the callee's) and is answered 202 once it answered;
# a REFER of a caller in no dial still gets 501.
source "$(dirname "$0")/23x_lib.sh"

B=$(free_port) C=$(free_port)
start_hooks '{
  "/call": {"seq":[
    [{"verb":"dial","actionHook":"/action","onHoldHook":"/hold",
      "target":[{"type":"sip","sipUri":"sip:bob@127.0.0.1:'"$B"'"}]}],
    [{"verb":"dial","actionHook":"/action2","referHook":"/refer",
      "target":[{"type":"sip","sipUri":"sip:carol@127.0.0.1:'"$C"'"}]}],
    [{"verb":"answer"},{"verb":"pause","length":3}]]},
  "/hold": [{"verb":"play","url":"@BASE@/beep.wav"}],
  "/beep.wav": {"wav":{"secs":4,"freq":600,"rate":8000}},
  "/refer": {"delay":300, "body":[]},
  "/action": [{"verb":"hangup"}],
  "/action2": [{"verb":"hangup"}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call"

# x_uas_take_reinvite: the called party answers a re-INVITE (its SDP)
x_uas_take_reinvite() {
	echo '<recv request="INVITE"/>'
	x_ok200 | sed '/^Content-Length: 0$/,$d'
	printf '%s\n' 'Contact: <sip:[local_ip]:[local_port];transport=[transport]>' \
		'Content-Type: application/sdp' 'Content-Length: [len]' '' \
		"$UAS_SDP" ']]></send>' '<recv request="ACK"/>'
}
# x_refer CSEQ STATUS: the caller's REFER, expecting STATUS
x_refer() {
	cat <<X
<send retrans="500"><![CDATA[
REFER sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "sipp" <sip:15550001111@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: $1 REFER
Contact: sip:sipp@[local_ip]:[local_port]
Max-Forwards: 70
Refer-To: <sip:+15559990000@example.com>
Referred-By: <sip:alice@127.0.0.1>
X-Why: caller transfer
Content-Length: 0

]]></send>
<recv response="$2"/>
X
}

# 1. alice holds bob for 2 s, then takes it back
start_rtpsink
SB=$RTP_STATS
UAS_RTP=$RTP_PORT start_uas bob "$B" "$(ring_scen 200 "$(x_uas_take_reinvite)
$(x_uas_take_reinvite)")"
RTP_PORT=
run_sipp alice "$(mkscen uac_bye CSEQ=4 ACTIONS="$(x_pause 1500)$(x_reinvite sendonly recvonly 2)$(x_pause 2000)$(x_reinvite sendrecv sendrecv 3)$(x_pause 1000)")" 15551230238 ||
	fail "alice failed"
wait_uas bob
wait_hooks 'd.some(r => r.path==="/action")'
RTP_STATS=$SB rtp_quiet "$SB"
log=$(hooks_log)
asid=$(json_get "$log" 'd.find(r => r.path==="/call").body.call_sid')
assert_eq "$(json_get "$log" 'd.filter(r => r.path==="/hold").length')" "1" "onHoldHook posted once"
h='d.find(r => r.path==="/hold").body'
assert_eq "$(json_get "$log" "$h.call_sid")" "$asid" "onHoldHook: the caller's fields"
assert_contains "$(json_get "$log" "$h.hold_detail.from")" "sip:15550001111@" "hold_detail.from: the caller's re-INVITE"
inv=$(awk '/^INVITE sip:/{n++} n>=2' "$WORK/bob.msg")
assert_contains "$(awk '/^INVITE sip:/{n++} n==2' "$WORK/bob.msg")" "a=sendonly" "the hold went on to bob"
assert_contains "$(awk '/^INVITE sip:/{n++} n==3' "$WORK/bob.msg")" "a=sendrecv" "the unhold went on to bob"
[ -n "$inv" ] || fail "no re-INVITE reached bob"
grep -q -- "$asid: the caller's hold goes on to the callee" "$WORK/main.log" || fail "no log line for the hold passed on"
grep -q -- "$asid: onHoldHook verbs to the callee" "$WORK/main.log" || fail "the onHoldHook's verbs did not go to the callee"
# when the server sent bob the hold and the unhold (its log lines)
t_of() { date -d "$(grep -m1 -- "$1" "$WORK/main.log" | cut -d' ' -f1)" +%s%3N; }
hold=$(t_of ": hold re-INVITE sent") unhold=$(t_of ": unhold re-INVITE sent")
[ -n "$hold" ] && [ -n "$unhold" ] || fail "no hold and unhold re-INVITE logged"
during=$(RTP_STATS=$SB rtp_stat "d.log.filter(p => p[1] && p[0] > $hold && p[0] < $unhold).length")
after=$(RTP_STATS=$SB rtp_stat "d.log.filter(p => p[1] && p[0] > $unhold + 300).length")
echo "bob heard the onHoldHook's play in $during loud packets while held, $after after"
[ "$during" -ge 40 ] || fail "the held callee did not hear the onHoldHook's play ($during)"
assert_eq "$after" "0" "the play stopped at the caller's unhold"

# 2. alice refers carol's bridge elsewhere: the referHook, 202 after it
start_uas carol "$C" "$(ring_scen 200)"
run_sipp alice2 "$(mkscen uac_bye CSEQ=3 ACTIONS="$(x_pause 1200)$(x_refer 2 202)$(x_pause 300)")" 15551230238 ||
	fail "alice2 failed"
wait_uas carol
wait_hooks 'd.some(r => r.path==="/action2")'
log=$(hooks_log)
a2=$(json_get "$log" 'd.filter(r => r.path==="/call")[1].body.call_sid')
csid=$(json_get "$log" 'd.find(r => r.path==="/action2").body.dial_call_sid')
rf='d.find(r => r.path==="/refer").body'
assert_eq "$(json_get "$log" "$rf.call_sid")" "$a2" "referHook: the caller's fields"
assert_eq "$(json_get "$log" "$rf.refer_details.referring_call_sid")" "$a2" "referring_call_sid: the caller"
assert_eq "$(json_get "$log" "$rf.refer_details.referred_call_sid")" "$csid" "referred_call_sid: the callee"
assert_eq "$(json_get "$log" "$rf.refer_details.refer_to_user")" "+15559990000" "refer_to_user"
assert_eq "$(json_get "$log" "$rf.refer_details.referred_by_user")" "alice" "referred_by_user"
assert_eq "$(json_get "$log" "$rf.refer_details[\"X-Why\"]")" "caller transfer" "X- header"
t_ref=$(msg_time alice2 '^REFER ')
t_202=$(msg_time alice2 '^SIP/2.0 202')
[ $((t_202 - t_ref)) -ge 250 ] || fail "202 before the referHook answered ($((t_202 - t_ref)) ms)"

# 3. a caller in no dial: 501, as before
run_sipp alice3 "$(mkscen uac_bye CSEQ=3 ACTIONS="$(x_pause 800)$(x_refer 2 501)")" 15551230238 ||
	fail "alice3's REFER was not refused 501"
wait_idle 5
echo OK
