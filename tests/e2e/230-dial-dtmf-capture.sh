#!/usr/bin/env bash
# dial's dtmfCapture: while bridged, the caller's digits (RFC 4733 and SIP
# INFO) matching parentCall's patterns post the dtmfHook with the
# caller's own fields, the callee's (SIP INFO and RFC 4733) matching
# childCall's post it with the child leg's call_sid and parent_call_sid;
# digits that match nothing, or the other party's patterns, post nothing.
# The caller then hangs up mid-bridge: the actionHook still goes
# (completed, the child's sid, no dial_sip_status, as jambonz sends it).
source "$(dirname "$0")/23x_lib.sh"

B=$(free_port)
start_hooks '{
  "/call": [{"verb":"dial","actionHook":"/action","dtmfHook":"/dtmf",
             "dtmfCapture":{"parentCall":["*1","47"],"childCall":["92","#8"]},
             "target":[{"type":"sip","sipUri":"sip:bob@127.0.0.1:'"$B"'"}]}],
  "/action": [{"verb":"hangup"}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status"

# bob: "5" (nothing), "9" "2" by INFO (childCall's "92"), "#" "8" by
# RFC 4733 (childCall's "#8"), "4" "7" by INFO (parentCall's only)
start_uas bob "$B" "$(ring_scen 200 "$(x_pause 1500)
$(x_uas_info 5 1)
$(x_pause 200)
$(x_uas_info 9 2)
$(x_pause 200)
$(x_uas_info 2 3)
$(x_pause 300)
$(x_dtmf '#8' 300)
$(x_uas_info 4 4)
$(x_pause 200)
$(x_uas_info 7 5)")"

# the caller: "3" (nothing), "*" "1" by RFC 4733 (parentCall's "*1"),
# "4" "7" by INFO (parentCall's "47"), "9" "2" (childCall's only); then BYE
caller=$(mkscen uac_bye CSEQ=6 ACTIONS="$(x_pause 4500; x_dtmf '3*1' 300)
$(x_info 4 2)
$(x_pause 200)
$(x_info 7 3)
$(x_pause 200)
$(x_info 9 4)
$(x_pause 200)
$(x_info 2 5)
$(x_pause 1000)")
run_sipp alice "$caller" 15551230230 || fail "caller failed"
wait_uas bob

wait_hooks 'd.some(r => r.path==="/action")'
wait_hooks 'd.filter(r => r.path==="/status" && r.body.parent_call_sid && r.body.call_status==="completed").length===1'
log=$(hooks_log)
act='d.find(r => r.path==="/action").body'
psid=$(json_get "$log" "$act.call_sid")
csid=$(json_get "$log" "$act.dial_call_sid")
[ -n "$csid" ] && [ "$csid" != "$psid" ] || fail "dial_call_sid '$csid' is not the child's"
assert_eq "$(json_get "$log" "$act.dial_call_status")" "completed" "actionHook after the caller's BYE"
assert_eq "$(json_get "$log" "$act.dial_sip_status === undefined")" "true" "no dial_sip_status, as jambonz"

dt='d.filter(r => r.path==="/dtmf").map(r => r.body)'
assert_eq "$(json_get "$log" "$dt.map(b => b.dtmf).sort().join(\",\")")" "#8,*1,47,92" "dtmfHook matches"
for m in '*1' 47; do
	assert_eq "$(json_get "$log" "$dt.find(b => b.dtmf===\"$m\").call_sid")" "$psid" "caller's $m: the caller's call_sid"
	assert_eq "$(json_get "$log" "$dt.find(b => b.dtmf===\"$m\").parent_call_sid === undefined")" "true" "caller's $m: no parent_call_sid"
	assert_eq "$(json_get "$log" "$dt.find(b => b.dtmf===\"$m\").direction")" "inbound" "caller's $m: direction"
done
for m in 92 '#8'; do
	assert_eq "$(json_get "$log" "$dt.find(b => b.dtmf===\"$m\").call_sid")" "$csid" "callee's $m: the child's call_sid"
	assert_eq "$(json_get "$log" "$dt.find(b => b.dtmf===\"$m\").parent_call_sid")" "$psid" "callee's $m: parent_call_sid"
	assert_eq "$(json_get "$log" "$dt.find(b => b.dtmf===\"$m\").direction")" "outbound" "callee's $m: direction"
done
grep -q "callee's digits match dtmfCapture '#8'" "$WORK/main.log" || fail "RFC 4733 digits of the callee not matched"
wait_idle 5
echo OK
