#!/usr/bin/env bash
# e2e: solo (its instances take the fixed RTP bands 42000-44999)
# Zero-drop upgrade under load: sipp places short calls through Kamailio
# at a steady rate while other calls are held with live audio both ways;
# in the middle scripts/upgrade starts a new binary and plugin folder on
# fresh ports, adds it to the dispatcher, drains the old instance
# (SIGUSR2) and removes it once it exited. No call may fail and every
# held call must last its full time and end with its own BYE/200.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_cluster.sh"

start_hooks '{
  "/short": [{"verb":"say","text":"Hi."},{"verb":"hangup"}],
  "/hold": [{"verb":"say","text":"Please hold. This call stays up while the server is replaced."},{"verb":"pause","length":120}]
}'
dir=$(write_directory 15550000001=short 15550000002=hold)
start_redis
start_instance old 42000 DIRECTORY_FILE="$dir"
start_kamailio "${INST_SIP[old]}"

# the "new version": its own binary and plugin folder
mkdir -p "$WORK/new"
cp "$FS_BIN" "$WORK/new/feature-server"
cp -r "$FS_PLUGIN_DIR" "$WORK/new/plugins"
new_sip=127.0.0.1:$(free_port)
new_http=$(free_port)
cat >"$WORK/new.conf" <<CONF
SIP_LISTEN=$new_sip
HTTP_ADDR=127.0.0.1
HTTP_PORT=$new_http
RTP_PORT_MIN=43000
RTP_PORT_MAX=43999
DIRECTORY_FILE=$dir
JAMBONES_REDIS_HOST=127.0.0.1
JAMBONES_REDIS_PORT=$REDIS_PORT
CONF

HELD=10 STEADY=125
# held: 14 s of audio from the caller, then 4 s more, then its BYE
kam_sipp held uac_hold_rr 15550000002 -m "$HELD" -r 5 -d 4000
held_pid=$SIPP_PID
kam_sipp steady uac_srv_bye_rr 15550000001 -m "$STEADY" -r 5
steady_pid=$SIPP_PID
# every held call has reached the old instance
wait_hooks "d.filter(r => r.path===\"/hold\").length === $HELD"
active=$(calls_active old)
echo "before the upgrade: $active calls on the old instance"
[ "$active" -ge "$HELD" ] || fail "held calls not up: $active"

start=$(date +%s)
timeout 90 "$E2E_ROOT/scripts/upgrade" --old-pid "${INST_PID[old]}" \
	--old-sip "${INST_SIP[old]}" --config "$WORK/new.conf" \
	--ds-list "$DS_LIST" --ctl "$KAM_CTL" --bin "$WORK/new/feature-server" \
	--plugins "$WORK/new/plugins" --log "$WORK/new.log" \
	--pid-file "$WORK/new.pid" --drain-timeout 60 \
	>"$WORK/upgrade.out" 2>&1
rc=$?
new_pid=$(cat "$WORK/new.pid" 2>/dev/null || true)
[ -n "$new_pid" ] && PIDS+=("$new_pid") && FS_PIDS+=("$new_pid")
cat "$WORK/upgrade.out"
[ "$rc" = 0 ] || fail "scripts/upgrade exited $rc"
echo "upgrade took $(($(date +%s) - start)) s"
INST_HTTP[new]=http://127.0.0.1:$new_http

wait "${INST_PID[old]}" || fail "old instance exited with $?"
grep -q "sip:${INST_SIP[old]}" "$DS_LIST" && fail "old instance still listed"
grep -q "sip:$new_sip" "$DS_LIST" || fail "new instance not listed"
ds_wait "${INST_SIP[old]}" none 2

wait "$held_pid" || true
wait "$steady_pid" || true
read -r held_ok held_bad < <(sipp_counts held)
read -r st_ok st_bad < <(sipp_counts steady)
old_calls=$(grep -c "INVITE from" "$WORK/old.log" || true)
new_calls=$(calls_total new)
echo "held calls:   placed=$HELD completed=$held_ok failed=$held_bad dropped=$((HELD - held_ok))"
echo "steady calls: placed=$STEADY completed=$st_ok failed=$st_bad dropped=$((STEADY - st_ok))"
echo "calls taken: old instance $old_calls, new instance $new_calls"
[ "$held_bad" = 0 ] && [ "$st_bad" = 0 ] ||
	fail "failed calls: $(head -c 2000 "$WORK"/held.err "$WORK"/steady.err 2>/dev/null)"
assert_eq "$held_ok" "$HELD" "held calls completed"
assert_eq "$st_ok" "$STEADY" "steady calls completed"
assert_eq "$((old_calls + new_calls))" "$((HELD + STEADY))" "calls taken"
[ "$new_calls" -gt 0 ] || fail "the new instance took no call"
FS_HTTP=${INST_HTTP[new]} wait_idle 5
wait_dbsize 0
echo OK
