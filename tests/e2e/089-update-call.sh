#!/usr/bin/env bash
# REST updateCall on live calls: bad bodies 400, unknown sids 404,
# no-answer on an answered call 422; mute/unmute (the caller's audio
# goes silent and comes back), tag (customerData in later hooks),
# call_hook (session:redirect: its verbs replace the running say), and
# call_status completed (BYE, status completed); on a ringing createCall
# completed is 422 and no-answer CANCELs. With SIP_LOOPS=2 updates reach
# the calls of either loop.
source "$(dirname "$0")/lib_dial.sh"

start_hooks '{
  "/call": [{"verb":"say","loop":"forever",
             "text":"Please hold. This call is being updated. One two three four five six seven."}],
  "/call2": [{"verb":"say","text":"Hold on.","loop":"forever"}],
  "/redirect": [{"verb":"say","text":"You have been redirected."},
                {"verb":"hangup"}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status"

# upd SID JSON: prints "STATUS MSG"
upd() {
	curl -sS -o "$WORK/resp" -w '%{http_code}' -X POST \
		-H 'Content-Type: application/json' --data-binary "$2" \
		"$FS_HTTP/v1/updateCall/$1"
	echo " $(json_get "$(cat "$WORK/resp")" 'd.msg' 2>/dev/null)"
}
now_ms() { date +%s%3N; }

# 1. one call through mute, tag and redirect
start_rtpsink
run_sipp a uac_srv_bye 15551230001 &
AP=$!
wait_hooks 'd.some(r => r.path==="/call")'
sid=$(json_get "$(hooks_log)" 'd.find(r => r.path==="/call").body.call_sid')

r=$(upd "$sid" 'not json');                 assert_eq "${r%% *}" 400 "not JSON"
r=$(upd "$sid" '{}');                       assert_eq "${r%% *}" 400 "empty body"
assert_contains "$r" "nothing to do" "empty body reason"
r=$(upd "$sid" '{"call_status":"ringing"}'); assert_eq "${r%% *}" 400 "bad call_status"
r=$(upd "$sid" '{"mute_status":"loud"}');   assert_eq "${r%% *}" 400 "bad mute_status"
r=$(upd "$sid" '{"tag":"x"}');              assert_eq "${r%% *}" 400 "bad tag"
r=$(upd "$sid" '{"call_status":"no-answer"}'); assert_eq "${r%% *}" 422 "no-answer when answered"
r=$(upd 00000000-0000-4000-8000-000000000000 '{"call_status":"completed"}')
assert_eq "${r%% *}" 404 "unknown sid"

# speech before the mute
wait_rtp 'd.nonsilent >= 15'
t0=$(now_ms)
r=$(upd "$sid" '{"mute_status":"mute"}');   assert_eq "${r%% *}" 202 "mute"
sleep 1.2 # fixed delay: the span muted
t1=$(now_ms)
r=$(upd "$sid" '{"mute_status":"unmute"}'); assert_eq "${r%% *}" 202 "unmute"
sleep 1.5 # fixed delay: the span unmuted, before the redirect
t2=$(now_ms)
r=$(upd "$sid" '{"tag":{"order":"42"}}');   assert_eq "${r%% *}" 202 "tag"
r=$(upd "$sid" '{"call_hook":"'"$HOOK"'/redirect"}'); assert_eq "${r%% *}" 202 "redirect"
wait "$AP" || fail "caller did not get the BYE after the redirect"

# silence (still 20 ms packets) while muted, speech around it
q() { rtp_stat "d.log.filter(p => p[0] > $1 && p[0] < $2)$3"; }
[ "$(q 0 "$t0" '.filter(p => p[1]).length')" -ge 10 ] || fail "no speech before mute"
muted=$(q $((t0 + 150)) "$t1" '.length')
[ "$muted" -ge 40 ] || fail "only $muted packets while muted"
assert_eq "$(q $((t0 + 150)) "$t1" '.filter(p => p[1]).length')" "0" "loud packets while muted"
[ "$(q $((t1 + 100)) "$t2" '.filter(p => p[1]).length')" -ge 10 ] || fail "no speech after unmute"

wait_hooks 'd.some(r => r.path==="/status" && r.body.call_status==="completed")'
log=$(hooks_log)
red='d.find(r => r.path==="/redirect").body'
assert_eq "$(json_get "$log" "$red.call_sid")" "$sid" "redirect call_sid"
assert_eq "$(json_get "$log" "$red.customerData.order")" "42" "customerData in the redirect"
assert_eq "$(json_get "$log" 'd.filter(r => r.path==="/status").pop().body.customerData.order')" "42" "customerData in the last status"
# the redirect's say ran before its hangup: speech after the redirect
[ "$(q "$t2" 99999999999999 '.filter(p => p[1]).length')" -ge 10 ] || fail "redirected say not heard"
r=$(upd "$sid" '{"call_status":"completed"}'); assert_eq "${r%% *}" 404 "ended call"

# 2. call_status completed hangs up
run_sipp b uac_srv_bye 15551230002 &
BP=$!
wait_hooks 'd.filter(r => r.path==="/call").length === 2'
sid=$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/call")[1].body.call_sid')
t0=$(now_ms)
r=$(upd "$sid" '{"call_status":"completed"}'); assert_eq "${r%% *}" 202 "completed"
wait "$BP" || fail "caller did not get the BYE"
t=$(($(msg_time b '^BYE ') - t0))
[ "$t" -le 500 ] || fail "BYE $t ms after updateCall"
wait_hooks "d.some(r => r.path===\"/status\" && r.body.call_sid===\"$sid\" && r.body.call_status===\"completed\")"
assert_eq "$(json_get "$(hooks_log)" "d.filter(r => r.path===\"/status\" && r.body.call_sid===\"$sid\").pop().body.call_termination_by")" "jambonz" "termination by"

# 3. a ringing outbound call: completed is 422, no-answer CANCELs it
B=$(free_port)
start_uas ringing "$B" "$(ring_scen 20000)"
curl -sS -o "$WORK/resp" -X POST -H 'Content-Type: application/json' \
	--data-binary '{"to":{"type":"sip","sipUri":"sip:bob@127.0.0.1:'"$B"'"},
	"app_json":[{"verb":"hangup"}],"call_status_hook":"'"$HOOK"'/ostatus"}' \
	"$FS_HTTP/v1/createCall"
osid=$(json_get "$(cat "$WORK/resp")" d.sid)
wait_hooks 'd.some(r => r.path==="/ostatus" && r.body.call_status==="ringing")'
r=$(upd "$osid" '{"call_status":"completed"}'); assert_eq "${r%% *}" 422 "completed while ringing"
r=$(upd "$osid" '{"call_status":"no-answer"}'); assert_eq "${r%% *}" 202 "no-answer while ringing"
wait_uas ringing
assert_eq "$(msg_count ringing '^CANCEL sip:bob@')" "1" "CANCEL to the called party"
wait_hooks 'd.some(r => r.path==="/ostatus" && r.body.call_status==="no-answer")'
wait_idle 5

# 4. SIP_LOOPS=2: every call reached, on either loop
start_fs loops SIP_LOOPS=2 DEFAULT_CALL_HOOK="$HOOK/call2" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status2"
RTP_PORT=
run_sipp many uac_srv_bye 15551230003 -m 8 -r 20 &
MP=$!
wait_hooks 'd.filter(r => r.path==="/call2").length === 8'
n1=$(grep -c "INVITE from .*loop 1)" "$WORK/loops.log" || true)
[ "$n1" -gt 0 ] && [ "$n1" -lt 8 ] || fail "$n1 of 8 calls on loop 1"
# every call answered before it is updated
wait_hooks 'd.filter(r => r.path==="/status2" && r.body.call_status==="in-progress").length === 8'
for s in $(json_get "$(hooks_log)" 'd.filter(r => r.path==="/call2").map(r => r.body.call_sid).join(" ")'); do
	r=$(upd "$s" '{"mute_status":"mute","tag":{"sid":"'"$s"'"}}')
	assert_eq "${r%% *}" 202 "mute and tag $s"
	r=$(upd "$s" '{"call_status":"completed"}')
	assert_eq "${r%% *}" 202 "completed $s"
done
wait "$MP" || fail "not every caller got the BYE"
wait_hooks 'd.filter(r => r.path==="/status2" && r.body.call_status==="completed").length === 8'
assert_eq "$(json_get "$(hooks_log)" 'd.filter(r => r.path==="/status2" && r.body.call_status==="completed").every(r => r.body.customerData && r.body.customerData.sid===r.body.call_sid)')" "true" "tags applied on both loops"
wait_idle 5
echo OK
