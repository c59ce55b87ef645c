# Helpers for e2e cases: a private work dir, free loopback ports, a
# feature-server started from a temporary config, and assertions.
set -euo pipefail

: "${FS_BIN:=build/feature-server}"
: "${FS_PLUGIN_DIR:=build/plugins}"
E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FS_BIN=$(cd "$E2E_ROOT" && realpath "$FS_BIN")
FS_PLUGIN_DIR=$(cd "$E2E_ROOT" && realpath "$FS_PLUGIN_DIR")
WORK=$(mktemp -d /tmp/fs-e2e.XXXXXX)
PIDS=()

FS_PIDS=()

e2e_cleanup() {
	local rc=$? p f
	# servers first, gracefully: a sanitizer build reports leaks and
	# errors at exit, and any report fails the case
	for p in "${FS_PIDS[@]:-}"; do
		[ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${FS_PIDS[@]:-}"; do
		[ -n "$p" ] || continue
		if ! wait_for 5 gone "$p"; then
			echo "FAIL: server $p did not stop on SIGTERM" >&2
			kill -KILL "$p" 2>/dev/null || true
			rc=1
		fi
		wait "$p" 2>/dev/null || true
	done
	for f in "$WORK"/*.log; do
		[ -e "$f" ] || continue
		if grep -q "Sanitizer\|runtime error:" "$f"; then
			echo "FAIL: sanitizer report in $(basename "$f"):" >&2
			grep -A30 "Sanitizer\|runtime error:" "$f" | head -60 >&2
			rc=1
		fi
	done
	for p in "${PIDS[@]:-}"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]:-}"; do
		[ -n "$p" ] && wait "$p" 2>/dev/null || true
	done
	[ -n "${E2E_KEEP:-}" ] || rm -rf "$WORK"
}
trap e2e_cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	for f in "$WORK"/*.log; do
		[ -e "$f" ] || continue
		echo "--- $f" >&2
		tail -n 40 "$f" >&2
	done
	exit 1
}

# free_port: a port on 127.0.0.1 free for both TCP and UDP (the same
# number serves SIP on both, RTP sinks and sipp media on UDP, HTTP on
# TCP), outside the servers' RTP ports (42000-49999, where every case
# and every lane of run.sh puts its servers' RTP ranges, and
# E2E_RTP_MIN..E2E_RTP_MAX+1 for RTCP), and never one given before: each
# port handed out is noted in $E2E_PORTS (one file for a whole run.sh
# run, all lanes) or else $WORK/ports, so two calls cannot get the same
# number while the first one is not bound yet. free_port N: the first of
# N such ports in a row (sipp's media takes its -mp port and the next
# three: RTCP, and video's RTP and RTCP)
free_port() {
	python3 - "${E2E_PORTS:-$WORK/ports}" "${E2E_RTP_MIN:-42000}" "${E2E_RTP_MAX:-42999}" "${1:-1}" <<'PY'
import fcntl, socket, sys
path, lo, hi, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])


def free(p):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            return False
        finally:
            s.close()
    return True


bands = [(42000, 50000), (lo, hi + 1)]
with open(path, "a+") as f:
    fcntl.flock(f, fcntl.LOCK_EX)
    f.seek(0)
    given = {int(w) for w in f.read().split()}
    for _ in range(1000):
        t = socket.socket()
        t.bind(("127.0.0.1", 0))
        p = t.getsockname()[1]
        t.close()
        ps = range(p, p + n)
        if any(q in given or any(a <= q <= b for a, b in bands) for q in ps):
            continue
        if not all(free(q) for q in ps):
            continue
        f.write("".join("%d\n" % q for q in ps))
        f.flush()
        print(p)
        sys.exit(0)
sys.exit("free_port: no free port on 127.0.0.1 after 1000 tries")
PY
}

# --- waiting: poll a condition, bounded ------------------------------------
# Waits poll instead of pausing a fixed time: they return as soon as the
# condition holds and fail the case (with what was wanted) when it never
# does. A fixed delay is only for time that must pass on purpose.

# _usecs SECS: SECS (whole or decimal: 2, 0.5) in microseconds
_usecs() {
	local s=$1 int frac=
	int=${s%%.*}
	[[ $s == *.* ]] && frac=${s#*.}
	frac=${frac}000000
	echo $((10#${int:-0} * 1000000 + 10#${frac:0:6}))
}

_now_us() {
	local t=$EPOCHREALTIME
	echo "${t/[.,]/}"
}

# wait_for SECS CMD [ARGS...]: runs CMD every 0.05 s until it succeeds
# (returns 0) or SECS (whole or decimal) have passed (returns 1; CMD has
# run once more at the deadline). CMD's arguments are expanded once, by
# the caller: a condition that must be read again each round goes in a
# function.
wait_for() {
	local end
	end=$(($(_now_us) + $(_usecs "$1")))
	shift
	while true; do
		"$@" && return 0
		[ "$(_now_us)" -lt "$end" ] || return 1
		sleep 0.05
	done
}

# gone PID: the process has ended (or never was)
gone() {
	! kill -0 "$1" 2>/dev/null
}

# wait_exit PID [SECS] [WHAT]: until the process has ended (default 10 s)
wait_exit() {
	wait_for "${2:-10}" gone "$1" ||
		fail "${3:-process} (pid $1) still running after ${2:-10} s"
}

# wait_log FILE PATTERN [SECS]: until a line of FILE matches PATTERN (a
# grep regex; default 10 s)
wait_log() {
	wait_for "${3:-10}" grep -q -- "$2" "$1" 2>/dev/null ||
		fail "no line matching '$2' in $(basename "$1") after ${3:-10} s"
}

# wait_file FILE [SECS]: until FILE exists and is not empty (default 10 s)
wait_file() {
	wait_for "${2:-10}" test -s "$1" ||
		fail "$1 not written after ${2:-10} s"
}

# port_bound PORT [udp|tcp]: something listens on PORT (default udp)
port_bound() {
	local f=-Hlun
	[ "${2:-udp}" = tcp ] && f=-Hltn
	ss "$f" "sport = :$1" 2>/dev/null | grep -q .
}

# wait_port PORT [udp|tcp] [SECS]: until something listens on PORT
wait_port() {
	wait_for "${3:-10}" port_bound "$1" "${2:-udp}" ||
		fail "nothing listens on port $1/${2:-udp} after ${3:-10} s"
}

# metric EXPR [BASE]: EXPR (a JavaScript expression over `d`, as in
# json_get) of the /metrics document of BASE (default $FS_HTTP)
metric() {
	json_get "$(curl -fsS "${2:-$FS_HTTP}/metrics")" "$1"
}

# metric_is EXPR VALUE [BASE]: the /metrics document of BASE (default
# $FS_HTTP) gives VALUE for EXPR, a JavaScript expression over `d` as in
# json_get (d.calls.active)
metric_is() {
	local m
	m=$(curl -fsS "${3:-$FS_HTTP}/metrics" 2>/dev/null) || return 1
	[ "$(json_get "$m" "$1" 2>/dev/null)" = "$2" ]
}

# wait_metric EXPR VALUE [SECS] [BASE]: until metric_is (default 10 s)
wait_metric() {
	local base=${4:-$FS_HTTP}
	wait_for "${3:-10}" metric_is "$1" "$2" "$base" && return 0
	fail "$1 in $base/metrics is '$(json_get "$(curl -fsS "$base/metrics" 2>/dev/null)" "$1" 2>/dev/null)', wanted '$2' after ${3:-10} s"
}

# start_fs NAME [KEY=VALUE...]: writes $WORK/NAME.conf, starts the server,
# waits for /health. Sets FS_PID and FS_HTTP.
start_fs() {
	local name=$1
	shift
	local port
	port=$(free_port)
	FS_SIP_PORT=$(free_port)
	{
		echo "HTTP_ADDR=127.0.0.1"
		echo "HTTP_PORT=$port"
		echo "SIP_LISTEN=127.0.0.1:$FS_SIP_PORT"
		echo "RTP_PORT_MIN=${E2E_RTP_MIN:-42000}"
		echo "RTP_PORT_MAX=${E2E_RTP_MAX:-42999}"
		echo "PLUGIN_DIR=$FS_PLUGIN_DIR"
		for kv in "$@"; do echo "$kv"; done
	} >"$WORK/$name.conf"
	"$FS_BIN" -c "$WORK/$name.conf" >"$WORK/$name.log" 2>&1 &
	FS_PID=$!
	PIDS+=("$FS_PID")
	FS_PIDS+=("$FS_PID")
	FS_HTTP="http://127.0.0.1:$port"
	wait_http "$FS_HTTP/health" 10 || fail "server $name did not come up"
}

# http_ok URL: a GET of URL answers 2xx
http_ok() {
	curl -fsS -o /dev/null "$1" 2>/dev/null
}

# wait_http URL [SECS]: until URL answers 2xx; returns 1 after SECS
# (default 10)
wait_http() {
	wait_for "${2:-10}" http_ok "$1"
}

assert_eq() {
	[ "$1" == "$2" ] || fail "${3:-value}: expected '$2', got '$1'"
}

assert_contains() {
	grep -q -- "$2" <<<"$1" || fail "${3:-output} does not contain '$2': $1"
}

# json_get JSON EXPR: evaluates a JavaScript expression on the parsed doc `d`
json_get() {
	node -e 'const d=JSON.parse(require("fs").readFileSync(0,"utf8"));const v=('"$2"');process.stdout.write(typeof v==="string"?v:JSON.stringify(v))' <<<"$1"
}

# start_hooks SCRIPT_JSON [SECRET]: a recording webhook server (see
# tests/tools/hooksrv.js). Sets HOOK (base URL).
start_hooks() {
	printf '%s' "$1" >"$WORK/hooks.json"
	node "$E2E_ROOT/tests/tools/hooksrv.js" "$WORK/hooks.json" "${2:-}" \
		>"$WORK/hooks.out" 2>"$WORK/hooks.log" &
	PIDS+=("$!")
	wait_for 5 grep -q '^PORT ' "$WORK/hooks.out" ||
		fail "webhook server did not start"
	HOOK="http://127.0.0.1:$(sed -n 's/^PORT //p' "$WORK/hooks.out")"
}

# msg_at NAME REGEX [N]: when (epoch ms) sipp traced the Nth (1st)
# message of run NAME whose first line matches REGEX (awk): times taken
# from sipp's own trace leave out its start-up, which a loaded machine
# makes slow
# (the awk function both read a trace header's time with: epoch ms of
# "----- 2026-12-02 01:02:03.456789 ...")
_MSG_STAMP='function stamp(  t, cmd, day) { split($3, t, "[:.]"); cmd = "date -d " $2 " +%s"; cmd | getline day; close(cmd)
	return (day + t[1] * 3600 + t[2] * 60 + t[3]) * 1000 + int(substr(t[4], 1, 3)) }'
msg_at() {
	awk -v re="$2" -v want="${3:-1}" "$_MSG_STAMP"'
		/^-{20,} [0-9]{4}-/ { at = stamp(); next_first = 1; next }
		next_first && /^(SIP\/2\.0 [0-9]|[A-Z]+ [^ ]+ SIP\/2\.0)/ { next_first = 0; line = $0; sub(/\r$/, "", line)
			if (line ~ re && ++n == want) { print at; exit } }
	' "$WORK/$1.msg"
}

# msg_span NAME: ms from the first to the last message sipp traced in run
# NAME: how long its calls took, without sipp's start-up and exit
msg_span() {
	awk "$_MSG_STAMP"'
		/^-{20,} [0-9]{4}-/ { at = stamp(); if (first == "") first = at; last = at }
		END { if (first == "") exit 1; print last - first }
	' "$WORK/$1.msg"
}

# The requests the webhook server saw, as JSON
hooks_log() {
	curl -fsS "$HOOK/_log"
}

# wait_hooks JS_CONDITION [SECS]: until the log satisfies the condition
# (an expression over `d`, the array of requests)
hooks_true() {
	[ "$(json_get "$(hooks_log)" "$1")" = "true" ]
}

wait_hooks() {
	wait_for "${2:-10}" hooks_true "$1" ||
		fail "webhook log never satisfied: $1"
}

# start_rtpsink: counts RTP on a free port. Sets RTP_PORT, RTP_STATS.
start_rtpsink() {
	RTP_PORT=$(free_port)
	RTP_STATS="$WORK/rtp-$RTP_PORT.json"
	node "$E2E_ROOT/tests/tools/rtpsink.js" "$RTP_PORT" "$RTP_STATS" &
	PIDS+=("$!")
}

rtp_stat() {
	json_get "$(cat "$RTP_STATS" 2>/dev/null || echo '{}')" "$1"
}

# rtp_true JS_CONDITION [STATS]: the sink's figures satisfy the
# condition (an expression over `d`, as rtp_stat)
rtp_true() {
	[ "$(RTP_STATS=${2:-$RTP_STATS} rtp_stat "$1" 2>/dev/null)" = true ]
}

# wait_rtp JS_CONDITION [SECS] [STATS]: until the sink's figures (default
# $RTP_STATS) satisfy the condition (default 10 s)
wait_rtp() {
	wait_for "${2:-10}" rtp_true "$1" "${3:-$RTP_STATS}" ||
		fail "RTP sink $(basename "${3:-$RTP_STATS}") never satisfied: $1"
}

# rtp_settled T0_MS STATS: the sink wrote its figures at least 200 ms
# after its last packet and after T0_MS
rtp_settled() {
	local at last
	at=$(stat -c %.3Y "$2" 2>/dev/null) || return 1
	at=${at/./}
	last=$(RTP_STATS=$2 rtp_stat d.last_at 2>/dev/null) || return 1
	[ "$last" -gt "$1" ] || last=$1
	[ $((at - last)) -ge 200 ]
}

# rtp_quiet [STATS] [SECS]: until the sink (default $RTP_STATS) has seen
# no packet for 200 ms and written that out (it writes every 100 ms):
# after a call, its figures are then complete. Fails when RTP still
# arrives after SECS (default 5).
rtp_quiet() {
	local stats=${1:-$RTP_STATS} t0
	t0=$(($(_now_us) / 1000))
	wait_for "${2:-5}" rtp_settled "$t0" "$stats" ||
		fail "RTP sink $(basename "$stats") not quiet after ${2:-5} s (last packet at $(RTP_STATS=$stats rtp_stat d.last_at 2>/dev/null), now $(($(_now_us) / 1000)))"
}

# run_sipp NAME SCENARIO SERVICE [sipp args...]: one call against the
# server; the exit status is sipp's. Messages go to $WORK/NAME.msg.
run_sipp() {
	local name=$1 scen=$2 service=$3
	shift 3
	local scenario=$scen mp
	[ -f "$scenario" ] || scenario="$E2E_ROOT/tests/e2e/sipp/$scen.xml"
	mp=$(free_port 4)
	# the SDP offers [rtpport]: the RTP sink when one runs, else sipp's.
	# Its control port too: the default 8888 and the nine after it run out
	# when cases run side by side
	timeout 60 sipp -sf "$scenario" -s "$service" \
		"127.0.0.1:$FS_SIP_PORT" -i 127.0.0.1 -p "$(free_port)" \
		-mp "$mp" -key rtpport "${RTP_PORT:-$mp}" -cp "$(free_port)" \
		-m 1 -nostdin -timeout 30 \
		-timeout_error -trace_msg -message_file "$WORK/$name.msg" \
		-trace_err -error_file "$WORK/$name.err" "$@" \
		>"$WORK/$name.sipp.log" 2>&1
}

# --- calls: sipp scenario templates and media helpers ----------------------

# The default SDP offer: PCMU, PCMA and telephone-event on [rtpport]
E2E_SDP='v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [rtpport] RTP/AVP 0 8 101
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=sendrecv'

# mkscen TEMPLATE [KEY=VALUE...]: writes a scenario made from
# tests/e2e/sipp/TEMPLATE.xml with each @KEY@ replaced (SDP defaults to
# $E2E_SDP, anything else to ""); a line an empty value leaves blank goes,
# so optional headers vanish. Prints the new file's path.
mkscen() {
	local tmpl="$E2E_ROOT/tests/e2e/sipp/$1.xml" out
	shift
	out=$(mktemp -p "$WORK" --suffix=.xml scen-XXXXXX)
	E2E_SDP=$E2E_SDP python3 - "$tmpl" "$out" "$@" <<'PY'
import os, re, sys
tmpl, out = sys.argv[1], sys.argv[2]
kv = dict(a.split('=', 1) for a in sys.argv[3:])
kv.setdefault('SDP', os.environ['E2E_SDP'])
res, in_comment = [], False
for line in open(tmpl).read().split('\n'):
    if '<!--' in line:
        in_comment = True
    if in_comment:
        res.append(line)
        in_comment = '-->' not in line
        continue
    new = re.sub(r'@([A-Z]+)@', lambda m: kv.get(m.group(1), ''), line)
    if new != line and not new.strip():
        continue
    res.append(new)
open(out, 'w').write('\n'.join(res))
PY
	echo "$out"
}

# XML for a scenario's @ACTIONS@: a pause, RFC 4733 digits from sipp's
# pcaps (sent to the media address of the server's answer), a SIP INFO
# digit, a re-INVITE changing the direction. Each pcap carries a fixed
# RTP timestamp, so the same digit twice in a row is one event to the
# receiver (RFC 4733): tests never repeat a digit back to back.
x_pause() {
	echo "<pause milliseconds=\"$1\"/>"
}

x_dtmf() {
	local digits=$1 gap=${2:-300} d f i
	for ((i = 0; i < ${#digits}; i++)); do
		d=${digits:i:1}
		case "$d" in '#') f=pound ;; '*') f=star ;; *) f=$d ;; esac
		echo "<nop><action><exec play_pcap_audio=\"/usr/share/sip-tester/dtmf_2833_$f.pcap\"/></action></nop>"
		x_pause "$gap"
	done
}

# x_info DIGIT CSEQ
x_info() {
	cat <<X
<send retrans="500"><![CDATA[
INFO sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "sipp" <sip:15550001111@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: $2 INFO
Contact: sip:sipp@[local_ip]:[local_port]
Max-Forwards: 70
Content-Type: application/dtmf-relay
Content-Length: [len]

Signal=$1
Duration=160
]]></send>
<recv response="200"/>
X
}

# x_reinvite OFFER_DIR EXPECTED_ANSWER_DIR CSEQ [RTP_PORT]: the answer's
# SDP must carry a=EXPECTED_ANSWER_DIR or the call fails; RTP_PORT moves
# the caller's media (default: the port of the first offer)
x_reinvite() {
	cat <<X
<send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "sipp" <sip:15550001111@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: $3 INVITE
Contact: sip:sipp@[local_ip]:[local_port]
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 235368763$3 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio ${4:-[rtpport]} RTP/AVP 0 8 101
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=$1
]]></send>
<recv response="100" optional="true"/>
<recv response="200"><action>
<ereg regexp="a=$2" search_in="body" check_it="true" assign_to="dir$3"/>
</action></recv>
<Reference variables="dir$3"/>
<send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "sipp" <sip:15550001111@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: $3 ACK
Contact: sip:sipp@[local_ip]:[local_port]
Max-Forwards: 70
Content-Length: 0

]]></send>
X
}

# wait_idle [SECS]: until /metrics shows no call and no live listener,
# then asserts it
wait_idle() {
	local m
	wait_for "${1:-5}" metric_is 'd.calls.active===0 && d.listeners.live===0' \
		true && return 0
	m=$(curl -fsS "$FS_HTTP/metrics")
	assert_eq "$(json_get "$m" d.calls.active)" "0" "active calls"
	assert_eq "$(json_get "$m" d.listeners.live)" "0" "live listeners"
}

# status_seq [JS filter on r.body]: the call_status values the status
# hook received, comma-separated
status_seq() {
	json_get "$(hooks_log)" "d.filter(r => r.path===\"/status\" && (${1:-true})).map(r => r.body.call_status).join(\",\")"
}

# server_alive: the process still runs and answers /health
server_alive() {
	kill -0 "$FS_PID" 2>/dev/null || fail "server died"
	curl -fsS -o /dev/null "$FS_HTTP/health" || fail "server not answering"
}

# --- MariaDB: a private server for the MySQL directory ---------------------

# start_mariadb: a MariaDB server of its own (datadir under $WORK, a free
# port on 127.0.0.1, socket $WORK/mysql.sock; no system service, no
# config file read) with database "jambones" made by scripts/db-create:
# the jambonz schema and the test rows of scripts/db-fixtures.sql, for
# user fs / fs-pass. Sets DB_PORT, DB_PID and DB_CONF (settings for
# start_fs). The cleanup trap stops it.
start_mariadb() {
	local install
	DB_DIR=$WORK/mariadb
	DB_SOCK=$WORK/mysql.sock
	DB_PORT=$(free_port)
	mkdir -p "$DB_DIR"
	install=$(command -v mariadb-install-db || command -v mysql_install_db)
	"$install" --no-defaults --datadir="$DB_DIR/data" \
		--auth-root-authentication-method=normal --user="$(whoami)" \
		--skip-test-db >"$DB_DIR/install.out" 2>&1 ||
		fail "mariadb-install-db: $(tail -n 5 "$DB_DIR/install.out")"
	mariadb_run
	"$E2E_ROOT/scripts/db-create" -S "$DB_SOCK" -u root jambones fs fs-pass \
		>"$DB_DIR/create.out" 2>&1 ||
		fail "db-create: $(cat "$DB_DIR/create.out")"
	DB_CONF=("JAMBONES_MYSQL_HOST=127.0.0.1" "JAMBONES_MYSQL_PORT=$DB_PORT"
		"JAMBONES_MYSQL_USER=fs" "JAMBONES_MYSQL_PASSWORD=fs-pass"
		"JAMBONES_MYSQL_DATABASE=jambones")
}

# mariadb_run: start mariadbd on $DB_DIR/data and $DB_PORT (again, after
# stop_mariadb) and wait until it takes connections
mariadb_run() {
	mariadbd --no-defaults --datadir="$DB_DIR/data" --port="$DB_PORT" \
		--bind-address=127.0.0.1 --socket="$DB_SOCK" \
		--user="$(whoami)" --skip-log-bin --skip-name-resolve \
		--pid-file="$DB_DIR/mariadbd.pid" --innodb-buffer-pool-size=16M \
		--max-connections=500 >"$DB_DIR/mariadbd.out" 2>&1 &
	DB_PID=$!
	PIDS+=("$DB_PID")
	wait_for 30 mariadb_up ||
		fail "mariadbd did not start: $(tail -n 5 "$DB_DIR/mariadbd.out")"
}

# mariadb_up: the server takes connections; fails the case when it died
mariadb_up() {
	mariadb-admin --no-defaults -S "$DB_SOCK" -u root ping >/dev/null 2>&1 &&
		return 0
	kill -0 "$DB_PID" 2>/dev/null ||
		fail "mariadbd died: $(tail -n 5 "$DB_DIR/mariadbd.out")"
	return 1
}

# stop_mariadb: shut the server down cleanly and wait for it
stop_mariadb() {
	kill -TERM "$DB_PID" 2>/dev/null || true
	wait_exit "$DB_PID" 30 mariadbd
	wait "$DB_PID" 2>/dev/null || true
}

# db_sql SQL: run statements as root on database jambones
db_sql() {
	mariadb --no-defaults -S "$DB_SOCK" -u root -N -B jambones -e "$1"
}

# db_point_hooks BASE: webhook URLs of the fixtures to BASE
db_point_hooks() {
	db_sql "UPDATE webhooks SET url = REPLACE(url, 'http://127.0.0.1:3100', '$1')"
}
