#!/usr/bin/env bash
# e2e: solo (its instances take the fixed RTP bands 42000-44999)
# Scale-out failover: an instance is killed (SIGKILL). New calls keep
# succeeding, the first ones by Kamailio trying the next instance when
# the dead one stays silent, then because its probe took it out of the
# set. An updateCall for a call it owned, sent to a survivor, answers
# 404 and clears the stale registry entry.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_cluster.sh"

start_hooks '{
  "/short": [{"verb":"say","text":"Hi."},{"verb":"hangup"}],
  "/hold": [{"verb":"say","text":"Please hold."},{"verb":"pause","length":60}]
}'
dir=$(write_directory 15550000001=short 15550000002=hold)
start_redis
start_instance a 42000 DIRECTORY_FILE="$dir"
start_instance b 43000 DIRECTORY_FILE="$dir"
start_instance c 44000 DIRECTORY_FILE="$dir"
start_kamailio "${INST_SIP[a]}" "${INST_SIP[b]}" "${INST_SIP[c]}"

# a call held on the instance that is about to die
kam_sipp lost uac_srv_bye_rr 15550000002 -m 1
lost_pid=$SIPP_PID
wait_dbsize 1
key=$(rcli --scan --pattern 'fs:call:*' | head -n1)
sid=${key#fs:call:}
owner=$(rcli GET "$key")
for n in a b c; do [ "${INST_HTTP[$n]}" = "$owner" ] && victim=$n; done
echo "killing instance $victim, owner of call $sid"
kill -KILL "${INST_PID[$victim]}"
wait "${INST_PID[$victim]}" 2>/dev/null || true
kill "$lost_pid" 2>/dev/null || true

# at once, before any probe noticed: silence makes Kamailio move on
N=30
kam_sipp after uac_srv_bye_rr 15550000001 -m "$N" -r 10
wait "$SIPP_PID" || fail "calls after the kill failed: $(head -20 "$WORK/after.err" 2>/dev/null)"
read -r ok bad < <(sipp_counts after)
echo "calls after the kill: placed=$N completed=$ok failed=$bad"
assert_eq "$ok" "$N" "calls completed"
ds_wait "${INST_SIP[$victim]}" I 5
echo "dispatcher: $victim is $(ds_flags "${INST_SIP[$victim]}")"
sum=0
for n in a b c; do
	[ "$n" = "$victim" ] && continue
	t=$(calls_total "$n")
	echo "instance $n: calls.total=$t"
	sum=$((sum + t))
done
assert_eq "$sum" "$N" "calls on the survivors"

# the dead owner's call: a survivor answers 404 and forgets the entry
via=$(other_instance "$owner")
code=$(curl -s -o "$WORK/upd.out" -w '%{http_code}' -X POST \
	-H 'Content-Type: application/json' -d '{"call_status":"completed"}' \
	"${INST_HTTP[$via]}/v1/updateCall/$sid")
echo "updateCall via $via for the dead owner's call: $code $(cat "$WORK/upd.out")"
assert_eq "$code" "404" "call of a dead instance"
wait_dbsize 0
m=$(curl -fsS "${INST_HTTP[$via]}/metrics")
assert_eq "$(json_get "$m" d.cluster.forwarded.unreachable)" "1" "unreachable owner"
echo OK
