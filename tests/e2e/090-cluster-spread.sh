#!/usr/bin/env bash
# e2e: solo (its instances take the fixed RTP bands 42000-44999)
# Scale-out: Kamailio's dispatcher in front of three instances that share
# a Redis call registry. Calls spread over all three (each instance's
# /metrics calls.total), in-dialog requests follow the record-route to
# the owner (the server's BYE reaches the caller through Kamailio), and
# every call's registry entry is written while it runs and gone after.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_cluster.sh"

start_hooks '{
  "/short": [{"verb":"say","text":"Hi."},{"verb":"hangup"}],
  "/hold": [{"verb":"say","text":"Hold on."},{"verb":"pause","length":30}]
}'
dir=$(write_directory 15550000001=short 15550000002=hold)
start_redis
base=42000
for n in a b c; do
	start_instance "$n" "$base" DIRECTORY_FILE="$dir"
	base=$((base + 1000))
done
start_kamailio "${INST_SIP[a]}" "${INST_SIP[b]}" "${INST_SIP[c]}"

N=30
kam_sipp spread uac_srv_bye_rr 15550000001 -m "$N" -r 10
wait "$SIPP_PID" || fail "calls through kamailio failed: $(cat "$WORK/spread.err" 2>/dev/null | head -20)"
read -r ok bad < <(sipp_counts spread)
echo "placed=$N completed=$ok failed=$bad"
assert_eq "$ok" "$N" "completed calls"
assert_eq "$bad" "0" "failed calls"

sum=0
for n in a b c; do
	t=$(calls_total "$n")
	echo "instance $n: calls.total=$t"
	[ "$t" -ge 5 ] || fail "instance $n took only $t of $N calls"
	sum=$((sum + t))
done
assert_eq "$sum" "$N" "calls over all instances"

# every call announced itself in Redis and removed its entry at the end
for n in a b c; do
	m=$(curl -fsS "${INST_HTTP[$n]}/metrics")
	assert_eq "$(json_get "$m" d.cluster.redis.up)" "1" "$n redis up"
	assert_eq "$(json_get "$m" d.cluster.redis.sets)" "$(calls_total "$n")" "$n registry sets"
	assert_eq "$(json_get "$m" 'd.cluster.redis.errors')" "0" "$n registry errors"
done
wait_dbsize 0

# while a call runs, its entry names its owner's REST URL with a TTL
kam_sipp held uac_srv_bye_rr 15550000002 -m 1
wait_dbsize 1
key=$(rcli --scan --pattern 'fs:call:*' | head -n1)
[ -n "$key" ] || fail "no registry entry for a running call"
owner=$(rcli GET "$key")
ttl=$(rcli TTL "$key")
echo "running call ${key#fs:call:} owned by $owner (ttl $ttl s)"
case " ${INST_HTTP[*]} " in *" $owner "*) ;; *) fail "owner '$owner' is no instance" ;; esac
[ "$ttl" -gt 3000 ] && [ "$ttl" -le 3600 ] || fail "ttl $ttl"
# end it through its owner's REST API
curl -fsS -X POST -H 'Content-Type: application/json' \
	-d '{"call_status":"completed"}' "$owner/v1/updateCall/${key#fs:call:}" >/dev/null ||
	fail "updateCall on the owner"
wait "$SIPP_PID" || fail "held call did not end cleanly"
for n in a b c; do
	FS_HTTP=${INST_HTTP[$n]} wait_idle 5
done
echo OK
