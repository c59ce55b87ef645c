#!/usr/bin/env bash
# e2e: solo (its instances take the fixed RTP bands 42000-44999)
# Scale-out drain: an instance told to drain (SIGUSR1) answers OPTIONS
# with 503, Kamailio's probe takes it out of the set, it receives no new
# call while it finishes its own (held with audio to their full length),
# and it keeps running afterwards. Its calls' registry entries stay
# until they end.
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
start_kamailio "${INST_SIP[a]}" "${INST_SIP[b]}"

# four held calls, two on each instance: 14 s of audio, then 1 s more
kam_sipp held uac_hold_rr 15550000002 -m 4 -r 10 -d 1000
held_pid=$SIPP_PID
wait_dbsize 4
assert_eq "$(calls_active a)" "2" "held calls on a"

kill -USR1 "${INST_PID[a]}"
ds_wait "${INST_SIP[a]}" I 5
echo "a draining: dispatcher flags $(ds_flags "${INST_SIP[a]}")"
code=$(curl -s -o /dev/null -w '%{http_code}' "${INST_HTTP[a]}/health")
assert_eq "$code" "503" "a's /health while draining"

a_before=$(calls_total a)
N=20
kam_sipp more uac_srv_bye_rr 15550000001 -m "$N" -r 10
wait "$SIPP_PID" || fail "calls during the drain failed: $(head -20 "$WORK/more.err" 2>/dev/null)"
read -r ok bad < <(sipp_counts more)
echo "new calls: placed=$N completed=$ok failed=$bad"
assert_eq "$ok" "$N" "new calls completed"
assert_eq "$(calls_total a)" "$a_before" "new calls on the draining instance"
assert_eq "$(calls_active a)" "2" "a still holds its calls"

wait "$held_pid" || fail "held calls failed: $(head -20 "$WORK/held.err" 2>/dev/null)"
read -r hok hbad < <(sipp_counts held)
echo "held calls: placed=4 completed=$hok failed=$hbad dropped=$((4 - hok))"
assert_eq "$hok" "4" "held calls completed"
FS_HTTP=${INST_HTTP[a]} wait_idle 5
kill -0 "${INST_PID[a]}" || fail "a exited; SIGUSR1 only drains"
wait_dbsize 0
echo OK
