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
	{
		echo "HTTP_ADDR=127.0.0.1"
		echo "HTTP_PORT=$port"
		echo "SIP_LISTEN=127.0.0.1:$(free_port)"
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
