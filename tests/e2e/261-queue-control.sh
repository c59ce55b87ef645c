#!/usr/bin/env bash
# enqueue and dequeue, the other ways out: a waitHook's leave (queueResult
# leave, queue:status leave "abandoned"); a dequeue with a timeout on an
# empty queue (dequeueResult timeout, after about its timeout); a dequeue
# of a given callSid (a REST createCall's app_json) takes that caller and
# not the longest waiter, the caller hangs up mid-bridge: the agent's
# dequeueResult is complete and its call goes on (hung up by its empty
# list); the other caller hangs up while waiting (queueResult hangup).
# Bad input: no name (the webhook answer is refused), names with quotes
# and control characters, 200 characters: a clear, escaped log line, the
# verb fails and the list goes on. Nothing is left behind.
source "$(dirname "$0")/lib_dial.sh"
source "$(dirname "$0")/26x_lib.sh"

long=$(printf 'q%.0s' $(seq 1 200))
start_hooks '{
  "/call": {"to": {
    "15552610001": [{"verb":"enqueue","name":"line","waitHook":"/wl","actionHook":"/qaction"}],
    "15552610002": [{"verb":"dequeue","name":"empty","timeout":2,"actionHook":"/daction"}],
    "15552610003": [{"verb":"enqueue","name":"pick","actionHook":"/qaction"}],
    "15552610004": [{"verb":"enqueue","name":"pick","actionHook":"/qaction"}],
    "15552610005": [{"verb":"enqueue","name":"bad\"q\u0007\nname","actionHook":"/qaction"},
                    {"verb":"enqueue","name":"'"$long"'","actionHook":"/qaction"},
                    {"verb":"dequeue","name":"x\u0001y","actionHook":"/daction"},
                    {"verb":"hangup"}],
    "15552610006": [{"verb":"enqueue","actionHook":"/qaction"}]
  }},
  "/wl": [{"verb":"leave"}],
  "/qaction": [],
  "/daction": []
}'
start_fs main SIP_LOOPS=2 DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status"
python3 "$E2E_ROOT/tests/tools/mkpcap.py" "$WORK/tone.pcap" 18 pcmu 600
python3 "$E2E_ROOT/tests/tools/mkpcap.py" "$WORK/tone-g.pcap" 18 pcmu 1000

sid_of() { json_get "$(hooks_log)" "(d.find(r => r.path===\"/call\" && r.body.to===\"$1\") || {body:{}}).body.call_sid"; }
qres() { json_get "$(hooks_log)" "d.filter(r => r.path===\"/qaction\" && r.body.call_sid===\"$1\").map(r => r.body.queueResult).join()"; }

# 1. leave from the waitHook
run_sipp leave "$(q_scen_wait "$WORK/tone.pcap")" 15552610001 || fail "the leave call failed"
s=$(sid_of 15552610001)
assert_eq "$(qres "$s")" "leave" "queueResult of a leave"
assert_eq "$(json_get "$(hooks_log)" "d.filter(r => r.path===\"/status\" && r.body.event && r.body.call_sid===\"$s\").map(r => r.body.event + \":\" + (r.body.leaveReason||\"\") + \":\" + r.body.length).join(\" \")")" \
	"join::1 leave:abandoned:0" "queue:status of a leave"

# 2. dequeue timeout on an empty queue
t0=$(($(_now_us) / 1000))
run_sipp tmo "$(q_scen_wait "$WORK/tone.pcap")" 15552610002 || fail "the timeout call failed"
t1=$(($(_now_us) / 1000))
assert_eq "$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/daction").map(r => r.body.dequeueResult).join()')" "timeout" "dequeueResult on an empty queue"
[ $((t1 - t0)) -ge 2000 ] && [ $((t1 - t0)) -le 6000 ] || fail "the timeout call lasted $((t1 - t0)) ms"

# 3. dequeue of a given callSid; the taken caller hangs up mid-bridge
# the agent's side first: a loaded machine starts node and sipp slowly
RTPSINK_TONES=600,1000 start_rtpsink
sink_g=$RTP_STATS
B=$(free_port)
UAS_RTP=$RTP_PORT start_uas agent "$B" "$(ring_scen 100 "$(x_play "$WORK/tone-g.pcap")")"
run_sipp p1 "$(q_scen_bye "$WORK/tone.pcap" 16000)" 15552610003 -cid_str conf-a &
p1=$!
wait_hooks 'd.some(r => r.path==="/call" && r.body.to==="15552610003")'
sleep 0.3
run_sipp p2 "$(q_scen_bye "$WORK/tone.pcap" 10000)" 15552610004 -cid_str conf-b &
p2=$!
wait_hooks 'd.some(r => r.path==="/call" && r.body.to==="15552610004")'
s1=$(sid_of 15552610003)
s2=$(sid_of 15552610004)
acct=$(sed -n 's/.*joined queue:\([^:]*\):pick.*/\1/p' "$WORK/main.log" | head -1)
r=$(post /v1/createCall '{"to":{"type":"sip","sipUri":"sip:agent@127.0.0.1:'"$B"'"},"account_sid":"'"$acct"'",
  "app_json":[{"verb":"dequeue","name":"pick","callSid":"'"$s2"'","actionHook":"'"$HOOK"'/daction"}]}')
assert_eq "${r%% *}" "201" "createCall of the agent"
wait "$p2" || fail "the picked caller's call failed"
wait_uas agent 20
wait "$p1" || fail "the other caller's call failed"
rtp_quiet "$sink_g"
grep -q "dequeue: .*: took $s2" "$WORK/main.log" || fail "the agent did not take callSid $s2"
assert_eq "$(qres "$s2")" "bridged" "queueResult of the picked caller"
assert_eq "$(qres "$s1")" "hangup" "queueResult of the caller left waiting"
assert_eq "$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/daction").map(r => r.body.dequeueResult).join()')" "timeout,complete" \
	"dequeueResult after the caller hung up mid-bridge"
tg=$(RTP_STATS=$sink_g rtp_stat 'd.tones[600]')
[ "$tg" -ge 100 ] || fail "the agent heard the picked caller only in $tg packets"

# 4. bad names: each verb fails with a clear line, the list goes on
run_sipp bad uac_srv_bye 15552610005 || fail "the bad-names call failed"
grep -F 'cannot join queue '"'"'bad"q\x07\nname'"'"': Invalid argument' "$WORK/main.log" >/dev/null ||
	fail "no escaped log line for a name with quotes and control characters"
grep -q "cannot join queue 'q\{200\}': Invalid argument (a name of 1 to 128 characters" "$WORK/main.log" ||
	fail "no log line for a name too long"
grep -qF "invalid queue name 'x\\x01y'" "$WORK/main.log" || fail "no log line for a dequeue's bad name"
if LC_ALL=C grep -qP '[\x01-\x08\x0b-\x1f]' "$WORK/main.log"; then fail "a control character reached the log"; fi
# 5. no name at all: jambonz's spec requires it
run_sipp noname uac_reject 15552610006 || true
grep -q "enqueue: .*name" "$WORK/main.log" || fail "no log line for an enqueue without a name"

grep -E "(enqueue|dequeue|queue): " "$WORK/main.log" | sed 's/^/  /' | cut -c1-220
q_noleak
echo "PASS"
