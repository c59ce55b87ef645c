#!/usr/bin/env bash
# dial: a target its confirmHook declines is reported in the actionHook
# as jambonz reports it, with that leg's last status: in-progress (200),
# its call_sid and SBC Call-ID; one that hangs up during its confirmHook
# is completed, without dial_sip_status; a target failing after the
# declined one decides the outcome (busy 486), as jambonz's results
# follow the last status.
source "$(dirname "$0")/23x_lib.sh"

B=$(free_port) C=$(free_port) D=$(free_port) E=$(free_port)
start_hooks '{
  "/call": {"seq":[
    [{"verb":"dial","actionHook":"/action1","confirmHook":"/reject",
      "target":[{"type":"sip","sipUri":"sip:bob@127.0.0.1:'"$B"'"}]}],
    [{"verb":"dial","actionHook":"/action2","confirmHook":"/long",
      "target":[{"type":"sip","sipUri":"sip:carol@127.0.0.1:'"$C"'"}]}],
    [{"verb":"dial","actionHook":"/action3",
      "target":[{"type":"sip","sipUri":"sip:dave@127.0.0.1:'"$D"'","confirmHook":"/reject"},
                {"type":"sip","sipUri":"sip:erin@127.0.0.1:'"$E"'"}]}]]},
  "/reject": [{"verb":"hangup"}],
  "/long": [{"verb":"play","url":"@BASE@/beep.wav"}],
  "/beep.wav": {"wav":{"secs":5,"freq":600,"rate":8000}},
  "/action1": [{"verb":"hangup"}],
  "/action2": [{"verb":"hangup"}],
  "/action3": [{"verb":"hangup"}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call"
act() { json_get "$(hooks_log)" "JSON.stringify((({dial_call_status: s, dial_sip_status: c, dial_call_sid: i, dial_sbc_callid: b}) => [s, c, i, b])(d.find(r => r.path===\"$1\").body))"; }

# 1. the confirmHook answers hangup: in-progress 200, bob's leg
start_uas bob "$B" "$(ring_scen 200)"
run_sipp alice1 uac_srv_bye 15551230238 || fail "caller 1 failed"
wait_uas bob
wait_hooks 'd.some(r => r.path==="/action1")'
bsid=$(json_get "$(hooks_log)" 'd.find(r => r.path==="/reject").body.call_sid')
[ -n "$bsid" ] || fail "no confirmHook for bob"
assert_eq "$(act /action1)" '["in-progress",200,"'"$bsid"'","'"$(msg_first bob '^INVITE ' | sed -n 's/^Call-ID: *//p' | tr -d '\r')"'"]' "a declined target's outcome"
assert_eq "$(msg_count bob '^BYE sip:')" "1" "bob got a BYE"

# 2. carol hangs up while her confirmHook plays: completed, no status
start_uas carol "$C" "$(ring_scen 200 "$(x_pause 1000)
$(x_uas_bye)")"
run_sipp alice2 uac_srv_bye 15551230238 || fail "caller 2 failed"
wait_uas carol
wait_hooks 'd.some(r => r.path==="/action2")'
csid=$(json_get "$(hooks_log)" 'd.find(r => r.path==="/long").body.call_sid')
assert_eq "$(act /action2)" '["completed",null,"'"$csid"'","'"$(msg_first carol '^INVITE ' | sed -n 's/^Call-ID: *//p' | tr -d '\r')"'"]' "a target gone during its confirmHook"

# 3. dave declined at once, erin busy 1.5 s later: busy 486
cat >"$WORK/erin.xml" <<'X'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="late busy">
  <recv request="INVITE" crlf="true"/>
  <pause milliseconds="1500"/>
  <send><![CDATA[
SIP/2.0 486 Busy Here
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <recv request="ACK"/>
</scenario>
X
start_uas dave "$D" "$(ring_scen 200)"
start_uas erin "$E" "$WORK/erin.xml"
run_sipp alice3 uac_srv_bye 15551230238 || fail "caller 3 failed"
wait_uas dave
wait_uas erin
wait_hooks 'd.some(r => r.path==="/action3")'
assert_eq "$(json_get "$(hooks_log)" 'd.find(r => r.path==="/action3").body.dial_call_status')" "busy" "a later failure decides"
assert_eq "$(json_get "$(hooks_log)" 'd.find(r => r.path==="/action3").body.dial_sip_status')" "486" "its status"
wait_idle 5
echo OK
