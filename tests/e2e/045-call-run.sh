#!/usr/bin/env bash
# A run of short calls: 200 over UDP (40 per second, so many overlap)
# and 50 over one TCP connection, each answered with speech and hung up
# by the server. No call fails, every call gets its own RTP stream, the
# status hook sees every call complete, and nothing is left afterwards.
# Then 30 calls (about 20 at once) each hung up by the caller mid-say:
# no listener or call is left either.
source "$(dirname "$0")/lib.sh"

# 250 short calls, then calls the caller hangs up in the middle of a long
# say (several at once)
short='[{"verb":"say","text":"Hi."},{"verb":"hangup"}]'
long='[{"verb":"say","text":"A long announcement that the caller will not wait for, because it goes on."},{"verb":"hangup"}]'
start_hooks "{\"/call\": {\"seq\": [$(printf "$short,%.0s" $(seq 250)) $long]}}"
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status"

succeeded() { # the cumulative "Successful call" figure of sipp's last screen
	grep "Successful call" "$WORK/$1.sipp.log" | tail -1 | awk -F'|' '{gsub(/ /,"",$3); print $3}'
}
failed() {
	grep "Failed call" "$WORK/$1.sipp.log" | tail -1 | awk -F'|' '{gsub(/ /,"",$3); print $3}'
}

start_rtpsink
t0=$(date +%s)
run_sipp udp uac_srv_bye 15551230101 -m 200 -r 40 -l 60 -timeout 50 ||
	fail "UDP run: $(failed udp) failed calls"
echo "UDP: 200 calls in $(($(date +%s) - t0)) s"
assert_eq "$(succeeded udp)" "200" "UDP successful calls"
assert_eq "$(failed udp)" "0" "UDP failed calls"
rtp_quiet
assert_eq "$(rtp_stat d.ssrcs.length)" "200" "RTP streams (one per call)"
assert_eq "$(rtp_stat 'Object.keys(d.pts).join()')" "0" "payload types"
wait_idle 5

start_rtpsink
run_sipp tcp uac_srv_bye 15551230102 -t t1 -m 50 -r 25 -l 40 -timeout 30 ||
	fail "TCP run: $(failed tcp) failed calls"
assert_eq "$(succeeded tcp)" "50" "TCP successful calls"
assert_eq "$(failed tcp)" "0" "TCP failed calls"
rtp_quiet
assert_eq "$(rtp_stat d.ssrcs.length)" "50" "TCP RTP streams"
wait_idle 5

wait_hooks 'd.filter(r => r.path==="/status" && r.body.call_status==="completed").length===250' 10
m=$(curl -fsS "$FS_HTTP/metrics")
assert_eq "$(json_get "$m" d.calls.total)" "250" "calls total"
assert_eq "$(json_get "$m" d.calls.active)" "0" "active calls"
assert_eq "$(json_get "$m" d.listeners.live)" "0" "live listeners"
assert_eq "$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/call").length')" "250" "session:new webhooks"

start_rtpsink
scen=$(mkscen uac_bye ACTIONS="$(x_pause 1500)" CSEQ=2)
run_sipp midsay "$scen" 15551230103 -m 30 -r 15 -l 30 -timeout 30 ||
	fail "mid-say hang-ups: $(failed midsay) failed calls"
assert_eq "$(succeeded midsay)" "30" "mid-say calls"
wait_idle 5
wait_hooks 'd.filter(r => r.path==="/status" && r.body.call_status==="completed").length===280' 10
assert_eq "$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/status" && r.body.call_status==="completed").slice(250).every(r => r.body.call_termination_by==="caller")')" \
	"true" "mid-say calls ended by the caller"
server_alive
echo OK
