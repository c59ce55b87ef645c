#!/usr/bin/env bash
# enqueue and dequeue on one instance: two callers wait in queue
# "support" (the waitHook hears queuePosition 0 and 1, from 0 as Redis's
# ZRANK that jambonz reads, and queueSize), an agent's dequeue takes the
# longest waiter and the two are bridged through the mixer: each hears
# the other's tone (a Goertzel measure of each RTP sink), on two SIP
# loops. The agent hangs up: the caller's actionHook gets queueResult
# bridged, the agent's dequeueResult complete. The second caller hangs up
# while waiting: queueResult hangup. queue:status join and leave
# (dequeued, abandoned) reach the status hook as jambonz sends them.
source "$(dirname "$0")/26x_lib.sh"

start_hooks '{
  "/call": {"to": {
    "15552600001": [{"verb":"enqueue","name":"support","waitHook":"/wait","actionHook":"/qaction"}],
    "15552600002": [{"verb":"enqueue","name":"support","waitHook":"/wait","actionHook":"/qaction"}],
    "15552600009": [{"verb":"dequeue","name":"support","beep":true,"actionHook":"/daction"}]
  }},
  "/wait": [{"verb":"pause","length":1}],
  "/qaction": [],
  "/daction": []
}'
start_fs main SIP_LOOPS=2 DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status"

python3 "$E2E_ROOT/tests/tools/mkpcap.py" "$WORK/tone-a.pcap" 25 pcmu 600
python3 "$E2E_ROOT/tests/tools/mkpcap.py" "$WORK/tone-g.pcap" 5 pcmu 1000
RTPSINK_TONES=600,1000 start_rtpsink
sink_a=$RTP_STATS port_a=$RTP_PORT
RTPSINK_TONES=600,1000 start_rtpsink
sink_g=$RTP_STATS port_g=$RTP_PORT

# caller A first, then B; the agent once both wait (Call-IDs on loops 0 and 1)
RTP_PORT=$port_a run_sipp a "$(q_scen_wait "$WORK/tone-a.pcap")" 15552600001 -cid_str conf-a &
pa=$!
wait_hooks 'd.some(r => r.path==="/wait")'
run_sipp b "$(q_scen_bye "$WORK/tone-a.pcap" 9000)" 15552600002 -cid_str conf-b &
pb=$!
wait_hooks 'd.some(r => r.path==="/wait" && r.body.queuePosition===1)'
RTP_PORT=$port_g run_sipp g "$(q_scen_bye "$WORK/tone-g.pcap" 5000)" 15552600009 -cid_str conf-c &
pg=$!
wait "$pg" || fail "the agent's call failed"
wait "$pa" || fail "caller A's call failed (no BYE after the bridge?)"
wait "$pb" || fail "caller B's call failed"
rtp_quiet "$sink_a"
rtp_quiet "$sink_g"

grep -E "(enqueue|dequeue|queue): " "$WORK/main.log" | sed 's/^/  /' | cut -c1-200
hl=$(hooks_log)
sid_a=$(json_get "$hl" 'd.find(r => r.path==="/call" && r.body.to==="15552600001").body.call_sid')
sid_b=$(json_get "$hl" 'd.find(r => r.path==="/call" && r.body.to==="15552600002").body.call_sid')
[ -n "$sid_a" ] && [ -n "$sid_b" ] || fail "no call sids"
w() { json_get "$hl" "d.filter(r => r.path===\"/wait\" && r.body.call_sid===\"$1\").map(r => r.body.queuePosition + \"/\" + r.body.queueSize)$2"; }
echo "A's waitHook: $(w "$sid_a" '.join(" ")'), B's: $(w "$sid_b" '.join(" ")')"
assert_eq "$(w "$sid_a" '[0]')" "0/1" "A's first waitHook: first of one"
assert_eq "$(w "$sid_b" '[0]')" "1/2" "B's first waitHook: second of two"
assert_eq "$(w "$sid_b" '.slice(-1)[0]')" "0/1" "B moves up once A is dequeued"
assert_eq "$(json_get "$hl" 'd.filter(r => r.path==="/wait").every(r => /^queue:.*:support$/.test(r.body.queueSid) && typeof r.body.queueTime==="number" && r.body.callSid===r.body.call_sid && r.body.callId)')" \
	"true" "waitHook payloads"

# the bridge: each hears the other
ta=$(RTP_STATS=$sink_a rtp_stat 'd.tones[1000]')
tg=$(RTP_STATS=$sink_g rtp_stat 'd.tones[600]')
echo "A heard 1000 Hz in $ta packets, the agent 600 Hz in $tg"
[ "$ta" -ge 120 ] || fail "caller A hears the agent only in $ta packets"
[ "$tg" -ge 120 ] || fail "the agent hears caller A only in $tg packets"
assert_eq "$(RTP_STATS=$sink_g rtp_stat 'd.tones[1000] <= 3')" "true" "the agent does not hear itself"

qa() { json_get "$hl" "d.filter(r => r.path===\"/qaction\" && r.body.call_sid===\"$1\").map(r => r.body.queueResult).join()"; }
assert_eq "$(qa "$sid_a")" "bridged" "A's queueResult"
assert_eq "$(qa "$sid_b")" "hangup" "B's queueResult (hung up while waiting)"
assert_eq "$(json_get "$hl" 'd.filter(r => r.path==="/qaction").every(r => /^queue:.*:support$/.test(r.body.queueSid) && typeof r.body.queueTime==="number" && r.body.queueTime >= 1)')" \
	"true" "actionHook queueSid and queueTime"
assert_eq "$(json_get "$hl" 'd.filter(r => r.path==="/daction").map(r => r.body.dequeueResult).join()')" "complete" "the agent's dequeueResult"

qs() { json_get "$hl" "d.filter(r => r.path===\"/status\" && r.body.event && r.body.call_sid===\"$1\").map(r => r.body.event + \":\" + (r.body.leaveReason || \"\") + \":\" + r.body.length).join(\" \")"; }
echo "queue:status of A: $(qs "$sid_a"); of B: $(qs "$sid_b")"
assert_eq "$(qs "$sid_a")" "join::1 leave:dequeued:1" "A's queue:status events"
assert_eq "$(qs "$sid_b")" "join::2 leave:abandoned:0" "B's queue:status events"
assert_eq "$(json_get "$hl" "d.find(r => r.path===\"/status\" && r.body.leaveReason===\"dequeued\").body.dequeuer.to")" \
	"15552600009" "the dequeuer's fields in the leave event"
assert_eq "$(json_get "$hl" 'd.filter(r => r.path==="/status" && r.body.event).every(r => r.body.queue==="support" && (r.body.event==="join" ? r.body.joinTime > 0 : r.body.leaveTime > 0))')" \
	"true" "queue:status payloads"
grep -q "dequeue: .*: took $sid_a" "$WORK/main.log" || fail "the agent did not take the longest waiter"

q_noleak
echo "PASS"
