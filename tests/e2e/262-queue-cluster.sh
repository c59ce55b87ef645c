#!/usr/bin/env bash
# enqueue and dequeue across two instances sharing a real Redis: the
# queue is jambonz's sorted set "queue:<account>:support" with members
# "<ms>:<service url>/v1/enqueue/<call sid>" scored 999; a caller waiting
# on instance A and one on B see one queue (queuePosition 0 and 1); an
# agent on B takes the longest waiter, A's: B POSTs jambonz's "dequeue"
# to A's /v1/enqueue/<sid>, and the two calls are bridged between the
# instances (each hears the other's tone). The agent hangs up: A's
# caller gets queueResult bridged and goes on (hung up by its list).
# An agent on B takes a given callSid waiting on A (ZSCAN), which hangs
# up mid-bridge: the agent's dequeue ends with complete. The route
# refuses stale and hostile requests.
source "$(dirname "$0")/lib_dial.sh"
source "$(dirname "$0")/lib_cluster.sh"
source "$(dirname "$0")/26x_lib.sh"

start_redis
start_hooks '{
  "/call": {"to": {
    "15552620001": [{"verb":"enqueue","name":"support","waitHook":"/wait","actionHook":"/qaction"}],
    "15552620002": [{"verb":"enqueue","name":"support","waitHook":"/wait","actionHook":"/qaction"}],
    "15552620009": [{"verb":"dequeue","name":"support","actionHook":"/daction"}],
    "15552620003": [{"verb":"enqueue","name":"support","actionHook":"/qaction"}]
  }},
  "/wait": [{"verb":"pause","length":1}],
  "/qaction": [],
  "/daction": []
}'
lo=${E2E_RTP_MIN:-42000} hi=${E2E_RTP_MAX:-42999}
mid=$(((lo + hi) / 2))
E2E_RTP_MAX=$mid start_fs a DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status" \
	JAMBONES_REDIS_HOST=127.0.0.1 JAMBONES_REDIS_PORT="$REDIS_PORT"
SIP_A=$FS_SIP_PORT HTTP_A=$FS_HTTP
E2E_RTP_MIN=$((mid + 1)) start_fs b DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status" \
	JAMBONES_REDIS_HOST=127.0.0.1 JAMBONES_REDIS_PORT="$REDIS_PORT"
SIP_B=$FS_SIP_PORT HTTP_B=$FS_HTTP

python3 "$E2E_ROOT/tests/tools/mkpcap.py" "$WORK/tone-a.pcap" 25 pcmu 600
python3 "$E2E_ROOT/tests/tools/mkpcap.py" "$WORK/tone-g.pcap" 6 pcmu 1000
RTPSINK_TONES=600,1000 start_rtpsink
sink_a=$RTP_STATS port_a=$RTP_PORT
RTPSINK_TONES=600,1000 start_rtpsink
sink_g=$RTP_STATS port_g=$RTP_PORT

FS_SIP_PORT=$SIP_A RTP_PORT=$port_a run_sipp a "$(q_scen_wait "$WORK/tone-a.pcap")" 15552620001 &
pa=$!
wait_hooks 'd.some(r => r.path==="/wait" && r.body.to==="15552620001")'
key=$(rcli --scan --pattern 'queue:*:support' | head -1)
[ -n "$key" ] || fail "no queue in Redis"
m=$(rcli ZRANGE "$key" 0 -1 WITHSCORES | tr '\n' ' ')
echo "Redis $key: $m"
sid_a=$(json_get "$(hooks_log)" 'd.find(r => r.path==="/call" && r.body.to==="15552620001").body.call_sid')
[[ $m =~ ^[0-9]{13}:$HTTP_A/v1/enqueue/$sid_a\ 999\ $ ]] || fail "A's member in Redis is not jambonz's: $m"

FS_SIP_PORT=$SIP_B run_sipp b "$(q_scen_bye "$WORK/tone-a.pcap" 10000)" 15552620002 &
pb=$!
wait_hooks 'd.some(r => r.path==="/wait" && r.body.to==="15552620002")'
assert_eq "$(rcli ZCARD "$key")" "2" "members in Redis"
FS_SIP_PORT=$SIP_B RTP_PORT=$port_g run_sipp g "$(q_scen_bye "$WORK/tone-g.pcap" 6000)" 15552620009 &
pg=$!
wait "$pg" || fail "the agent's call failed"
wait "$pa" || fail "caller A's call failed (no BYE after the bridge?)"
wait "$pb" || fail "caller B's call failed"
rtp_quiet "$sink_a"
rtp_quiet "$sink_g"

for n in a b; do
	echo "--- $n"
	grep -E "(enqueue|dequeue|queue|rest): " "$WORK/$n.log" | sed 's/^/  /' | cut -c1-200
done
hl=$(hooks_log)
sid_b=$(json_get "$hl" 'd.find(r => r.path==="/call" && r.body.to==="15552620002").body.call_sid')
w() { json_get "$hl" "d.filter(r => r.path===\"/wait\" && r.body.call_sid===\"$1\").map(r => r.body.queuePosition + \"/\" + r.body.queueSize)$2"; }
echo "A's waitHook: $(w "$sid_a" '.join(" ")'), B's: $(w "$sid_b" '.join(" ")')"
assert_eq "$(w "$sid_a" '[0]')" "0/1" "A's first waitHook"
assert_eq "$(w "$sid_b" '[0]')" "1/2" "B's first waitHook: second of the cluster's two"
assert_eq "$(w "$sid_b" '.slice(-1)[0]')" "0/1" "B moves up once A is dequeued"
grep -q "$sid_a: dequeued by an agent of another instance" "$WORK/a.log" || fail "A was not told by B"
ta=$(RTP_STATS=$sink_a rtp_stat 'd.tones[1000]')
tg=$(RTP_STATS=$sink_g rtp_stat 'd.tones[600]')
echo "A heard the agent's 1000 Hz in $ta packets, the agent A's 600 Hz in $tg"
[ "$ta" -ge 120 ] || fail "caller A hears the agent only in $ta packets"
[ "$tg" -ge 120 ] || fail "the agent hears caller A only in $tg packets"
qa() { json_get "$hl" "d.filter(r => r.path===\"/qaction\" && r.body.call_sid===\"$1\").map(r => r.body.queueResult).join()"; }
assert_eq "$(qa "$sid_a")" "bridged" "A's queueResult"
assert_eq "$(qa "$sid_b")" "hangup" "B's queueResult"
assert_eq "$(json_get "$hl" 'd.filter(r => r.path==="/daction").map(r => r.body.dequeueResult).join()')" "complete" "the agent's dequeueResult"
assert_eq "$(rcli EXISTS "$key")" "0" "the queue is gone from Redis"
# a given callSid waiting on A, taken by an agent on B (a createCall's
# app_json); the caller hangs up mid-bridge: the agent's verb ends
# (complete) and its call is hung up by its list's end
RTPSINK_TONES=600,1000 start_rtpsink
sink_2=$RTP_STATS
U=$(free_port)
UAS_RTP=$RTP_PORT start_uas agent2 "$U" "$(ring_scen 100 "$(x_play "$WORK/tone-g.pcap")")"
FS_SIP_PORT=$SIP_A run_sipp c "$(q_scen_bye "$WORK/tone-a.pcap" 9000)" 15552620003 &
pc=$!
wait_hooks 'd.some(r => r.path==="/call" && r.body.to==="15552620003")'
sid_c=$(json_get "$(hooks_log)" 'd.find(r => r.path==="/call" && r.body.to==="15552620003").body.call_sid')
acct=${key#queue:}
acct=${acct%%:*}
r=$(FS_HTTP=$HTTP_B post /v1/createCall '{"to":{"type":"sip","sipUri":"sip:agent2@127.0.0.1:'"$U"'"},"account_sid":"'"$acct"'",
  "app_json":[{"verb":"dequeue","name":"support","callSid":"'"$sid_c"'","actionHook":"'"$HOOK"'/daction"}]}')
assert_eq "${r%% *}" "201" "createCall of the second agent on B"
wait "$pc" || fail "caller C's call failed"
wait_uas agent2 20
rtp_quiet "$sink_2"
hl=$(hooks_log)
assert_eq "$(qa "$sid_c")" "bridged" "C's queueResult (hung up mid-bridge)"
assert_eq "$(json_get "$hl" 'd.filter(r => r.path==="/daction").map(r => r.body.dequeueResult).join()')" "complete,complete" \
	"the second agent's dequeueResult"
t2=$(RTP_STATS=$sink_2 rtp_stat 'd.tones[600]')
echo "the second agent heard C in $t2 packets"
[ "$t2" -ge 100 ] || fail "the second agent hears C only in $t2 packets"
grep -q "relay to the other instance stops (the other side left)" "$WORK/b.log" || fail "B's relay was not told C left"

# the route another instance posts to: hostile or stale requests
qpost() { curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary "$2" "$HTTP_A/v1/enqueue/$1"; }
assert_eq "$(qpost nosuch '{"event":"dequeue","mediaAddress":"127.0.0.1:9"}')" "404" "dequeue of a call not queued"
assert_eq "$(qpost "$sid_a" 'not json')" "400" "a body that is not JSON"
assert_eq "$(qpost "$sid_a" '{"event":"dequeue"}')" "400" "no mediaAddress"
assert_eq "$(qpost "$sid_a" '{"event":"dequeue","mediaAddress":"x\u0001y"}')" "400" "a mediaAddress that is no address"
assert_eq "$(qpost "$sid_a" '{"event":"hangup"}')" "202" "jambonz's hangup event"
for p in "${FS_PIDS[@]}"; do kill -0 "$p" || fail "an instance died"; done
FS_HTTP=$HTTP_A wait_idle
echo "PASS"
