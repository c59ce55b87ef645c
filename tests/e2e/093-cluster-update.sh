#!/usr/bin/env bash
# e2e: solo (its instances take the fixed RTP bands 42000-44999)
# Scale-out: POST /v1/updateCall sent to an instance that does NOT own
# the call reaches the owner through the Redis registry: a hang-up and a
# redirect, with the REST API key required on every instance. Unknown
# calls answer 404 everywhere, a request already sent on once is never
# sent on again, and the answer of the owner comes back unchanged.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_cluster.sh"

KEY=k3y-for-all-instances
start_hooks '{
  "/hold": [{"verb":"say","text":"Hold on."},{"verb":"pause","length":30}],
  "/redirect": [{"verb":"say","text":"Redirected."},{"verb":"hangup"}]
}'
dir=$(write_directory 15550000002=hold)
start_redis
start_instance a 42000 DIRECTORY_FILE="$dir" HTTP_API_KEY="$KEY"
start_instance b 43000 DIRECTORY_FILE="$dir" HTTP_API_KEY="$KEY"
start_kamailio "${INST_SIP[a]}" "${INST_SIP[b]}"

api() { # api URL BODY [extra curl args]: prints "STATUS BODY"
	local url=$1 body=$2
	shift 2
	curl -sS -o "$WORK/api.out" -w '%{http_code}' -X POST \
		-H "Authorization: Bearer $KEY" \
		-H 'Content-Type: application/json' -d "$body" "$@" "$url"
	echo " $(cat "$WORK/api.out")"
}

# two held calls: round-robin puts one on each instance
kam_sipp held uac_srv_bye_rr 15550000002 -m 2 -r 10
wait_dbsize 2
mapfile -t keys < <(rcli --scan --pattern 'fs:call:*')
sid1=${keys[0]#fs:call:}
sid2=${keys[1]#fs:call:}
own1=$(rcli GET "fs:call:$sid1")
own2=$(rcli GET "fs:call:$sid2")
[ "$own1" != "$own2" ] || fail "both calls on $own1"
via1=$(other_instance "$own1")
via2=$(other_instance "$own2")
echo "call $sid1 owned by $own1, updated through instance $via1"
echo "call $sid2 owned by $own2, updated through instance $via2"
wait_hooks "d.filter(r => r.path===\"/status\" && r.body.call_status===\"in-progress\").length === 2"

# the non-owner has no such call locally...
out=$(api "${INST_HTTP[$via1]}/v1/updateCall/$sid1" '{"call_status":"completed"}' \
	-H "X-Fs-Forwarded-By: http://127.0.0.1:1")
assert_contains "$out" "^404 " "already forwarded once"
out=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -d '{}' \
	"${INST_HTTP[$via1]}/v1/updateCall/$sid1")
assert_eq "$out" "401" "no API key"

# ...but sends the request on to the owner
out=$(api "${INST_HTTP[$via2]}/v1/updateCall/$sid2" "{\"call_hook\":\"$HOOK/redirect\"}")
assert_contains "$out" "^202 " "redirect through the other instance"
out=$(api "${INST_HTTP[$via1]}/v1/updateCall/$sid1" '{"call_status":"completed"}')
assert_contains "$out" "^202 " "hang-up through the other instance"

wait "$SIPP_PID" || fail "held calls did not end cleanly: $(head -20 "$WORK/held.err" 2>/dev/null)"
read -r ok bad < <(sipp_counts held)
echo "placed=2 completed=$ok failed=$bad"
assert_eq "$ok" "2" "completed calls"
wait_hooks "d.some(r => r.path===\"/redirect\" && r.body.call_sid===\"$sid2\")"
wait_hooks "d.filter(r => r.path===\"/status\" && r.body.call_status===\"completed\").length === 2"
grep -q "$sid1: ended: completed" "$WORK/$( [ "$via1" = a ] && echo b || echo a).log" ||
	fail "owner of $sid1 did not hang up"
wait_dbsize 0

# an owner's own answer comes back: the call is over now
out=$(api "${INST_HTTP[a]}/v1/updateCall/$sid1" '{"call_status":"completed"}')
assert_contains "$out" "^404 " "ended call"
out=$(api "${INST_HTTP[b]}/v1/updateCall/nosuchcall" '{"call_status":"completed"}')
assert_contains "$out" "^404 " "unknown call"
out=$(api "${INST_HTTP[$via1]}/v1/updateCall/$sid1" 'not json')
assert_contains "$out" "^400 " "bad body"

for n in a b; do
	m=$(curl -fsS "${INST_HTTP[$n]}/metrics")
	echo "instance $n: forwarded $(json_get "$m" 'd.cluster.forwarded')"
	assert_eq "$(json_get "$m" d.cluster.forwarded.sent)" "1" "$n forwarded"
	assert_eq "$(json_get "$m" d.cluster.forwarded.answered)" "1" "$n answered"
	FS_HTTP=${INST_HTTP[$n]} wait_idle 5
done
echo OK
