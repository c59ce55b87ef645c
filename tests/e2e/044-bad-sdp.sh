#!/usr/bin/env bash
# INVITEs the server cannot take: a garbage SDP body gets 400; an offer of
# only a codec it lacks (G.729), an unusable connection address or a
# declined stream (port 0) get 488, each with an X-Reason saying which;
# no webhook is called for them, the server survives and serves the next
# call.
source "$(dirname "$0")/lib.sh"

start_hooks '{"/call": [{"verb":"sip:decline","status":486}]}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status"

scen=$(mkscen uac_reject CODE=400 SDP='this is { not an SDP ] body
at all =')
run_sipp garbage "$scen" 15551230091 || fail "garbage SDP: no 400"
scen=$(mkscen uac_reject CODE=488 SDP='v=0
o=- 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 999.1.2.3
t=0 0
m=audio [rtpport] RTP/AVP 0')
run_sipp badaddr "$scen" 15551230092 || fail "SDP with a bad address: no 488"
xreason() { sed -n 's/^X-Reason: //p' "$WORK/$1.msg" | head -1 | tr -d '\r'; }
assert_eq "$(xreason garbage)" "malformed SDP" "garbage X-Reason"
assert_contains "$(xreason badaddr)" "no usable audio stream" "bad address X-Reason"
# the only audio stream declined (port 0): nothing to answer with
scen=$(mkscen uac_reject CODE=488 SDP='v=0
o=- 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [local_ip]
t=0 0
m=audio 0 RTP/AVP 0')
run_sipp port0 "$scen" 15551230095 || fail "audio on port 0: no 488"
scen=$(mkscen uac_reject CODE=488 SDP='v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [rtpport] RTP/AVP 18
a=rtpmap:18 G729/8000
a=sendrecv')
run_sipp g729 "$scen" 15551230093 || fail "G.729 only: no 488"
assert_contains "$(xreason port0)" "no usable audio stream" "port 0 X-Reason"
assert_contains "$(xreason g729)" "no common codec" "G.729 X-Reason"
server_alive
assert_eq "$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/call").length')" "0" "webhooks for unusable INVITEs"

scen=$(mkscen uac_reject CODE=486)
run_sipp next "$scen" 15551230094 || fail "next call not served"
wait_idle
echo OK
