#!/usr/bin/env bash
# INVITEs the server cannot take: a garbage SDP body gets 400, an offer of
# only a codec it lacks (G.729) gets 488; no webhook is called for them,
# the server survives and serves the next call.
source "$(dirname "$0")/lib.sh"

start_hooks '{"/call": [{"verb":"sip:decline","status":486}]}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status"

scen=$(mkscen uac_reject CODE=400 SDP='this is { not an SDP ] body
at all =')
run_sipp garbage "$scen" 15551230091 || fail "garbage SDP: no 400"
scen=$(mkscen uac_reject CODE=400 SDP='v=0
o=- 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 999.1.2.3
t=0 0
m=audio notaport RTP/AVP 0')
run_sipp badaddr "$scen" 15551230092 || fail "SDP with bad address/port: no 400"
scen=$(mkscen uac_reject CODE=488 SDP='v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [rtpport] RTP/AVP 18
a=rtpmap:18 G729/8000
a=sendrecv')
run_sipp g729 "$scen" 15551230093 || fail "G.729 only: no 488"
server_alive
assert_eq "$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/call").length')" "0" "webhooks for unusable INVITEs"

scen=$(mkscen uac_reject CODE=486)
run_sipp next "$scen" 15551230094 || fail "next call not served"
wait_idle
echo OK
