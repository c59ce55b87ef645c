# Helpers for the scale-out cases (09x), sourced after lib.sh: a private
# Redis, Kamailio with the dispatcher in front of feature-server
# instances (etc/kamailio/kamailio.cfg), all on loopback, all stopped by
# the cleanup trap. Kamailio and Redis run as plain processes with their
# own folders under $WORK; no system service is touched.

declare -A INST_SIP INST_HTTP INST_PID INST_LOG

# start_redis: redis-server on a free port, no persistence. Sets
# REDIS_PORT.
start_redis() {
	REDIS_PORT=$(free_port)
	mkdir -p "$WORK/redis"
	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 \
		--dir "$WORK/redis" --save "" --appendonly no \
		--daemonize no --protected-mode no --loglevel warning \
		>"$WORK/redis.out" 2>&1 &
	PIDS+=("$!")
	wait_for 5 redis_up ||
		fail "redis-server did not start: $(tail -n 5 "$WORK/redis.out")"
}

redis_up() {
	redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG
}

rcli() {
	redis-cli -p "$REDIS_PORT" "$@"
}

# start_instance NAME RTP_BASE [KEY=VALUE...]: a feature-server that
# shares the Redis registry, RTP ports RTP_BASE..RTP_BASE+999. Records
# INST_SIP, INST_HTTP, INST_PID, INST_LOG for NAME.
start_instance() {
	local name=$1 base=$2
	shift 2
	E2E_RTP_MIN=$base E2E_RTP_MAX=$((base + 999)) start_fs "$name" \
		JAMBONES_REDIS_HOST=127.0.0.1 JAMBONES_REDIS_PORT="$REDIS_PORT" \
		"$@"
	INST_SIP[$name]=127.0.0.1:$FS_SIP_PORT
	INST_HTTP[$name]=$FS_HTTP
	INST_PID[$name]=$FS_PID
	INST_LOG[$name]=$WORK/$name.log
}

# ds_write DEST...: the dispatcher list (set 1) Kamailio reads
ds_write() {
	local d
	{
		echo "# dispatcher set 1, written by the test"
		for d in "$@"; do echo "1 sip:$d"; done
	} >"$DS_LIST.tmp"
	mv "$DS_LIST.tmp" "$DS_LIST"
}

kam() {
	kamcmd -s "$KAM_CTL" "$@"
}

# start_kamailio DEST...: Kamailio on a free UDP port dispatching to the
# given instances (host:port), probing every second. Sets KAM_PORT,
# KAM_CTL, DS_LIST, KAM_PID.
start_kamailio() {
	local d dir=$WORK/kamailio
	mkdir -p "$dir"
	KAM_PORT=$(free_port)
	KAM_CTL=unix:$dir/ctl
	DS_LIST=$dir/dispatcher.list
	ds_write "$@"
	kamailio -f "$E2E_ROOT/etc/kamailio/kamailio.cfg" -DD -E \
		-Y "$dir" -P "$dir/kamailio.pid" -m 64 -M 8 \
		-l "udp:127.0.0.1:$KAM_PORT" \
		-A "FS_DS_LIST=\"$DS_LIST\"" -A "FS_CTL=\"$KAM_CTL\"" \
		-A FS_PING_INTERVAL=1 -A FS_FR_TIMER=1000 -A FS_CHILDREN=2 \
		>"$WORK/kamailio.out" 2>&1 &
	KAM_PID=$!
	PIDS+=("$KAM_PID")
	wait_for 10 kam_up || fail "kamailio did not start"
	for d in "$@"; do ds_wait "$d" A; done
}

# kam_up: Kamailio answers on its control socket; fails the case when
# it died
kam_up() {
	kam core.uptime >/dev/null 2>&1 && return 0
	kill -0 "$KAM_PID" 2>/dev/null ||
		fail "kamailio died: $(tail -n 20 "$WORK/kamailio.out")"
	return 1
}

# ds_flags DEST: the dispatcher's flags for sip:DEST (AP active, IP
# inactive, ...), empty when DEST is not in the set
ds_flags() {
	kam dispatcher.list 2>/dev/null | awk -v u="sip:$1" '
		$1 == "URI:" { hit = ($2 == u) }
		$1 == "FLAGS:" && hit { print $2; exit }'
}

# ds_wait DEST A|I|none [SECS]: until DEST is active, inactive, or gone
ds_wait() {
	wait_for "${3:-10}" ds_is "$1" "$2" ||
		fail "dispatcher: $1 is '$(ds_flags "$1")', wanted $2"
}

# ds_is DEST A|I|none: DEST is active, inactive, or not in the set
ds_is() {
	local f
	f=$(ds_flags "$1")
	case "$2" in
	none) [ -z "$f" ] ;;
	*) [ "${f:0:1}" = "$2" ] ;;
	esac
}

# calls_total NAME: the instance's /metrics calls.total
calls_total() {
	json_get "$(curl -fsS "${INST_HTTP[$1]}/metrics")" d.calls.total
}

calls_active() {
	json_get "$(curl -fsS "${INST_HTTP[$1]}/metrics")" d.calls.active
}

# kam_sipp NAME SCENARIO NUMBER [sipp args...]: sipp calling NUMBER
# through Kamailio, in the background; statistics in $WORK/NAME.csv,
# messages on failure in $WORK/NAME.err. Sets SIPP_PID.
kam_sipp() {
	local name=$1 scen=$2 number=$3
	shift 3
	sipp -sf "$E2E_ROOT/tests/e2e/sipp/$scen.xml" -s "$number" \
		"127.0.0.1:$KAM_PORT" -i 127.0.0.1 -p "$(free_port)" \
		-mp "$(free_port 4)" -cp "$(free_port)" -nostdin -timeout 100 -timeout_error \
		-max_recv_loops 100000 -l 10000 \
		-trace_stat -stf "$WORK/$name.csv" -fd 1 \
		-trace_err -error_file "$WORK/$name.err" "$@" \
		>"$WORK/$name.sipp.out" 2>&1 &
	SIPP_PID=$!
	PIDS+=("$SIPP_PID")
}

# sipp_counts NAME: "successful failed" from the last line of NAME.csv
sipp_counts() {
	awk -F';' 'NR==1{for(i=1;i<=NF;i++){if($i=="SuccessfulCall(C)")s=i;if($i=="FailedCall(C)")f=i}} END{print $s+0, $f+0}' \
		"$WORK/$1.csv"
}

# write_directory NUMBER=HOOK_PATH...: $WORK/directory.json, one
# application per number, its call hook $HOOK/HOOK_PATH and status hook
# $HOOK/status (the file goes to DIRECTORY_FILE)
write_directory() {
	python3 - "$WORK/directory.json" "$HOOK" "$@" <<'PY'
import json, sys, uuid
out, hook, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
acct = str(uuid.uuid4())
d = {"default_account_sid": acct,
     "accounts": [{"account_sid": acct, "name": "t", "is_active": True}],
     "applications": [], "phone_numbers": []}
for p in pairs:
    num, path = p.split("=", 1)
    app = str(uuid.uuid4())
    d["applications"].append({"application_sid": app, "account_sid": acct,
        "call_hook": hook + "/" + path,
        "call_status_hook": hook + "/status"})
    d["phone_numbers"].append({"number": num, "account_sid": acct,
                               "application_sid": app})
json.dump(d, open(out, "w"))
PY
	echo "$WORK/directory.json"
}

# wait_dbsize N [SECS]: until Redis holds N call entries
wait_dbsize() {
	wait_for "${2:-5}" dbsize_is "$1" ||
		fail "registry holds $(rcli DBSIZE) entries, wanted $1"
}

dbsize_is() {
	[ "$(rcli DBSIZE 2>/dev/null)" = "$1" ]
}

# other_instance URL: an instance whose REST URL is not URL
other_instance() {
	local n
	for n in "${!INST_HTTP[@]}"; do
		[ "${INST_HTTP[$n]}" != "$1" ] && { echo "$n"; return 0; }
	done
	return 1
}
