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

e2e_cleanup() {
	local p
	for p in "${PIDS[@]:-}"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]:-}"; do
		[ -n "$p" ] && wait "$p" 2>/dev/null || true
	done
	rm -rf "$WORK"
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

# A free TCP/UDP port on 127.0.0.1
free_port() {
	python3 - <<'PY'
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
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
	FS_HTTP="http://127.0.0.1:$port"
	wait_http "$FS_HTTP/health" 10 || fail "server $name did not come up"
}

wait_http() {
	local url=$1 secs=${2:-10} i
	for ((i = 0; i < secs * 20; i++)); do
		curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
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
	local i port=
	printf '%s' "$1" >"$WORK/hooks.json"
	node "$E2E_ROOT/tests/tools/hooksrv.js" "$WORK/hooks.json" "${2:-}" \
		>"$WORK/hooks.out" 2>"$WORK/hooks.log" &
	PIDS+=("$!")
	for ((i = 0; i < 100; i++)); do
		port=$(sed -n 's/^PORT //p' "$WORK/hooks.out" 2>/dev/null)
		[ -n "$port" ] && break
		sleep 0.05
	done
	[ -n "$port" ] || fail "webhook server did not start"
	HOOK="http://127.0.0.1:$port"
}

# The requests the webhook server saw, as JSON
hooks_log() {
	curl -fsS "$HOOK/_log"
}

# wait_hooks JS_CONDITION [SECS]: until the log satisfies the condition
# (an expression over `d`, the array of requests)
wait_hooks() {
	local i
	for ((i = 0; i < ${2:-10} * 10; i++)); do
		[ "$(json_get "$(hooks_log)" "$1")" = "true" ] && return 0
		sleep 0.1
	done
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

# run_sipp NAME SCENARIO SERVICE [sipp args...]: one call against the
# server; the exit status is sipp's. Messages go to $WORK/NAME.msg.
run_sipp() {
	local name=$1 scen=$2 service=$3
	shift 3
	local scenario=$scen mp
	[ -f "$scenario" ] || scenario="$E2E_ROOT/tests/e2e/sipp/$scen.xml"
	mp=$(free_port)
	# the SDP offers [rtpport]: the RTP sink when one runs, else sipp's
	timeout 60 sipp -sf "$scenario" -s "$service" \
		"127.0.0.1:$FS_SIP_PORT" -i 127.0.0.1 -p "$(free_port)" \
		-mp "$mp" -key rtpport "${RTP_PORT:-$mp}" \
		-m 1 -nostdin -timeout 30 \
		-timeout_error -trace_msg -message_file "$WORK/$name.msg" \
		-trace_err -error_file "$WORK/$name.err" "$@" \
		>"$WORK/$name.sipp.log" 2>&1
}
