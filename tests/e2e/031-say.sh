#!/usr/bin/env bash
# say: a text array speaks every item in order, loop: 2 speaks it twice,
# measured as loud RTP against a single item on the same server.
source "$(dirname "$0")/lib.sh"

start_hooks '{
  "/call": {"seq": [
    [{"verb":"say","text":"Seven."},{"verb":"hangup"}],
    [{"verb":"say","text":["Seven.","Seven."]},{"verb":"hangup"}],
    [{"say":{"text":"Seven.","loop":2}},{"verb":"hangup"}]
  ]}
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status"

loud=()
for name in one array loop2; do
	start_rtpsink
	run_sipp "$name" uac_srv_bye 15551230000 || fail "$name: call failed"
	rtp_quiet
	loud+=("$(rtp_stat d.nonsilent)")
	assert_eq "$(rtp_stat 'Object.keys(d.pts).join()')" "0" "$name: payload type"
	assert_eq "$(rtp_stat d.seq_faults)" "0" "$name: sequence faults"
done
echo "loud packets: one=${loud[0]} array=${loud[1]} loop2=${loud[2]}"
[ "${loud[0]}" -ge 15 ] || fail "single say barely heard: ${loud[0]}"
# both items played: about twice one item (synthesis is deterministic)
for i in 1 2; do
	lo=$((loud[0] * 17 / 10)) hi=$((loud[0] * 23 / 10 + 5))
	[ "${loud[i]}" -ge "$lo" ] && [ "${loud[i]}" -le "$hi" ] ||
		fail "call $i: ${loud[i]} loud packets, want $lo..$hi (one item: ${loud[0]})"
done

wait_hooks 'd.filter(r => r.path==="/status" && r.body.call_status==="completed").length===3'
assert_eq "$(status_seq)" \
	"trying,in-progress,completed,trying,in-progress,completed,trying,in-progress,completed" \
	"status sequence"
wait_idle
echo OK
