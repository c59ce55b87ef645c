#!/usr/bin/env bash
# sip:refer. Accepted: the caller answers the REFER 202 and reports the
# transfer in NOTIFYs (message/sipfrag 100, then 200): each NOTIFY is
# answered 200, each status goes to the eventHook as {event:
# transfer-status, call_status}, and the final one ends the verb with
# actionHook {refer_status: 202, final_referred_call_status: 200}. A bare
# number becomes sip:N@<the caller's Contact host>, Referred-By defaults
# to the caller's number, the verb's headers go along (one with a line
# break refused). Rejected: 603 to the REFER gives {refer_status: 603}
# and no NOTIFY is awaited; a URI referTo is sent as given with
# X-Refer-To-Leave-Untouched. The caller's own REFER gets 501, as from
# jambonz without a referHook, and a NOTIFY outside a REFER 405. (A pause after the answer: the 200 goes
# back through the first loop, the REFER straight from the call's, and
# the caller must see the 200 first.)
source "$(dirname "$0")/20x_lib.sh"

start_hooks '{
  "/call": {"seq": [
    [{"verb":"answer"},{"verb":"pause","length":0.3},
     {"verb":"sip:refer","referTo":"+15557770001","actionHook":"/done","eventHook":"/ev",
      "headers":{"X-Transfer":"yes","X-Evil":"a\r\nContact: <sip:evil@10.6.6.6>"}}],
    [{"verb":"answer"},{"verb":"pause","length":0.3},
     {"verb":"sip:refer","referTo":"sip:bob@example.com","referredBy":"sip:alice@example.com",
      "actionHook":"/done"}],
    [{"verb":"answer"},{"verb":"pause","length":1},{"verb":"hangup"}]
  ]},
  "/done": [{"verb":"hangup"}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status"

# req METHOD CSEQ STATUS: the caller's request in the dialog, answered
req() {
	cat <<X
<send retrans="500"><![CDATA[
$1 sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "sipp" <sip:15550001111@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: $2 $1
Contact: sip:sipp@[local_ip]:[local_port]
Max-Forwards: 70
Refer-To: <sip:carol@example.com>
Event: refer
Content-Length: 0

]]></send>
<recv response="$3"/>
X
}
# notify CSEQ FRAG
notify() {
	cat <<X
<send retrans="500"><![CDATA[
NOTIFY sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "sipp" <sip:15550001111@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: $1 NOTIFY
Contact: sip:sipp@[local_ip]:[local_port]
Max-Forwards: 70
Event: refer
Subscription-State: $3
Content-Type: message/sipfrag;version=2.0
Content-Length: [len]

$2
]]></send>
<recv response="200"/>
X
}
acts="<recv request=\"REFER\"/>$(x_reply "202 Accepted")$(notify 2 "SIP/2.0 100 Trying" active)$(notify 3 "SIP/2.0 200 OK" terminated)"
start_rtpsink
run_sipp refer "$(mkscen uac_answer ACTIONS="$acts")" 15551232401 || fail "accepted REFER call failed"
refer=$(awk '/^REFER sip:/,/^Content-Length/' "$WORK/refer.msg" | tr -d '\r')
assert_contains "$refer" "^Refer-To: sip:+15557770001@127.0.0.1:[0-9]*$" "Refer-To of a bare number"
assert_contains "$refer" "^Referred-By: \"sipp\"<sip:15550001111@127.0.0.1:[0-9]*>$" "default Referred-By"
assert_contains "$refer" "^X-Transfer: yes" "verb header"
grep -q "evil\|X-Refer-To-Leave-Untouched" <<<"$refer" && fail "refused header or leave-untouched sent"
wait_hooks 'd.some(r => r.path==="/done")'
wait_hooks 'd.filter(r => r.path==="/ev").length===2'
log=$(hooks_log)
assert_eq "$(json_get "$log" 'd.filter(r => r.path==="/ev").map(r => r.body.event+":"+r.body.call_status).join()')" \
	"transfer-status:100,transfer-status:200" "eventHook"
assert_eq "$(json_get "$log" 'd.find(r => r.path==="/done").body.refer_status')" "202" "refer_status"
assert_eq "$(json_get "$log" 'd.find(r => r.path==="/done").body.final_referred_call_status')" "200" "final status"
assert_eq "$(json_get "$log" 'typeof d.find(r => r.path==="/ev").body.call_sid')" "string" "eventHook has the call fields"
assert_contains "$(cat "$WORK/main.log")" "sip:refer header 'X-Evil' refused" "refused header logged"

# 2: refused
acts="<recv request=\"REFER\"/>$(x_reply "603 Decline")"
run_sipp rejected "$(mkscen uac_answer ACTIONS="$acts")" 15551232402 || fail "rejected REFER call failed"
refer=$(awk '/^REFER sip:/,/^Content-Length/' "$WORK/rejected.msg" | tr -d '\r')
assert_contains "$refer" "^Refer-To: sip:bob@example.com$" "URI Refer-To as given"
assert_contains "$refer" "^Referred-By: sip:alice@example.com$" "Referred-By as given"
assert_contains "$refer" "^X-Refer-To-Leave-Untouched: true" "leave-untouched with a URI"
wait_hooks 'd.filter(r => r.path==="/done").length===2'
assert_eq "$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/done")[1].body.refer_status')" "603" "refer_status of a refusal"
assert_eq "$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/done")[1].body.final_referred_call_status === undefined')" "true" "no final status"

# 3: the caller's REFER and a NOTIFY of no REFER of ours
run_sipp inrefer "$(mkscen uac_answer ACTIONS="$(req REFER 2 501)$(req NOTIFY 3 405)")" 15551232403 ||
	fail "incoming REFER not answered 501, or NOTIFY not 405"
wait_idle
server_alive
echo OK
