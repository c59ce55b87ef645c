#!/usr/bin/env bash
# An INVITE without SDP (late offer): the server's 200 carries the offer
# (PCMU, PCMA, telephone-event), the caller's ACK the answer, and the
# speech then reaches the address of that answer.
source "$(dirname "$0")/lib.sh"

start_hooks '{"/call": [{"verb":"say","text":"Late offer works."},{"verb":"hangup"}]}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status"
start_rtpsink
scen=$(mkscen uac_late_offer SDP="$(sed 's/^a=rtpmap:8.*//; s/RTP\/AVP 0 8 101/RTP\/AVP 0 101/' <<<"$E2E_SDP" | grep -v '^$')")
run_sipp late "$scen" 15551230121 || fail "late-offer call failed"
wait_hooks 'd.some(r => r.path==="/status" && r.body.call_status==="completed")'
rtp_quiet
loud=$(rtp_stat d.nonsilent)
[ "$loud" -ge 25 ] || fail "speech not heard after a late offer: $loud loud packets"
assert_eq "$(rtp_stat 'Object.keys(d.pts).join()')" "0" "payload type of the answer"
assert_eq "$(status_seq)" "trying,in-progress,completed" "status sequence"
assert_eq "$(json_get "$(hooks_log)" 'd.find(r => r.path==="/call").body.sip.body === undefined || d.find(r => r.path==="/call").body.sip.body === ""')" \
	"true" "session:new sip.body of an INVITE without SDP"
wait_idle
echo OK
