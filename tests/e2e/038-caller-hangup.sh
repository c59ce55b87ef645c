#!/usr/bin/env bash
# The caller hangs up in the middle of a say, a play and a gather: the
# call ends at once (status completed, call_termination_by caller), no
# RTP leaves after the BYE, no actionHook or later verb runs, and the
# server holds no call or listener afterwards. Also a BYE while a gather's
# actionHook is still waiting for its answer: the late answer runs nothing.
source "$(dirname "$0")/lib.sh"

long="This sentence is long enough to keep the caller listening for many \
seconds, far longer than the caller is willing to wait before hanging up."
start_hooks '{
  "/call": {"seq": [
    [{"verb":"say","text":"'"$long"'"},{"verb":"redirect","actionHook":"/after"}],
    [{"verb":"play","url":"@BASE@/long.wav"},{"verb":"redirect","actionHook":"/after"}],
    [{"verb":"gather","actionHook":"/after","timeout":20,
      "say":{"text":"Please enter your account number."}},
     {"verb":"redirect","actionHook":"/after"}],
    [{"verb":"gather","actionHook":"/slow","timeout":1},
     {"verb":"redirect","actionHook":"/after"}]
  ]},
  "/slow": {"delay":2000,"body":[{"verb":"redirect","actionHook":"/after"}]},
  "/long.wav": {"wav":{"secs":10,"freq":300,"rate":8000}}
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status"

n=0
for verb in say play gather; do
	n=$((n + 1))
	start_rtpsink
	scen=$(mkscen uac_bye ACTIONS="$(x_pause 1500)" CSEQ=2)
	run_sipp "$verb" "$scen" "1555123003$n" || fail "$verb: call failed"
	# from sipp's trace: the BYE answered at once
	bye=$(msg_at "$verb" '^BYE ')
	ok=$(msg_at "$verb" '^SIP/2.0 200' 2)
	[ -n "$bye" ] && [ -n "$ok" ] && [ $((ok - bye)) -le 300 ] ||
		fail "$verb: BYE answered late ($((ok - bye)) ms)"
	wait_hooks "d.filter(r => r.path===\"/status\" && r.body.call_status===\"completed\").length===$n" 3
	log=$(hooks_log)
	sid=$(json_get "$log" "d.filter(r => r.path===\"/call\")[$((n - 1))].body.call_sid")
	assert_eq "$(status_seq "r.body.call_sid===\"$sid\"")" "trying,in-progress,completed" "$verb: statuses"
	end="d.find(r => r.path===\"/status\" && r.body.call_sid===\"$sid\" && r.body.call_status===\"completed\")"
	assert_eq "$(json_get "$log" "$end.body.call_termination_by")" "caller" "$verb: termination by"
	assert_eq "$(json_get "$log" "$end.body.duration")" "2" "$verb: duration"
	endat=$(json_get "$log" "$end.at")
	rtp_quiet
	loud=$(rtp_stat 'd.nonsilent')
	[ "$loud" -ge 40 ] || fail "$verb: audio not heard before the BYE: $loud"
	late=$(rtp_stat "d.log.filter(p => p[0] > $endat + 20).length")
	assert_eq "$late" "0" "$verb: RTP packets after the BYE"
	wait_idle 2
done
# hang up while the actionHook is in flight (gather times out at 1 s)
scen=$(mkscen uac_bye ACTIONS="$(x_pause 1600)" CSEQ=2)
run_sipp inflight "$scen" 15551230039 || fail "BYE during actionHook failed"
wait_hooks 'd.filter(r => r.path==="/status" && r.body.call_status==="completed").length===4' 3
wait_hooks 'd.some(r => r.path==="/slow")' 1
wait_idle 2
# fixed delay: /slow answers 2 s after its request; nothing may run
# once that late answer is in
sleep 1.5
assert_eq "$(json_get "$(hooks_log)" 'd.some(r => r.path==="/after")')" "false" \
	"a hook or verb ran after the caller hung up"
server_alive
echo OK
