#!/usr/bin/env bash
# e2e: solo (its instances take the fixed RTP bands 42000-44999)
# Stopping the server while REST requests wait: an updateCall sent on to
# another instance that never answers is finished with 503 when the
# server gets SIGTERM, the listener leaves no timer behind (the ASan
# build fails on one), and the process exits cleanly and promptly.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_cluster.sh"

# an "owner" that accepts connections and never says a word
hole=$(free_port)
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
held = []
t0 = time.time()
s.settimeout(0.5)
while time.time() - t0 < 60:
    try:
        held.append(s.accept()[0])
    except socket.timeout:
        pass
' "$hole" &
PIDS+=("$!")

start_redis
start_instance a 42000
sid=00000000-0000-4000-8000-00000000dead
rcli SET "fs:call:$sid" "http://127.0.0.1:$hole" >/dev/null

upds=()
for i in 1 2 3; do
	curl -sS -o "$WORK/upd$i.out" -w '%{http_code}' -X POST \
		-H 'Content-Type: application/json' -d '{"call_status":"completed"}' \
		"$FS_HTTP/v1/updateCall/$sid" >"$WORK/upd$i.code" 2>/dev/null &
	PIDS+=("$!")
	upds+=("$!")
done
# the requests are out to the silent owner
wait_for 5 metric_is d.cluster.forwarded.sent 3 || true
assert_eq "$(json_get "$(curl -fsS "$FS_HTTP/metrics")" d.cluster.forwarded.sent)" "3" "forwards pending"

t0=$(date +%s%N)
kill -TERM "$FS_PID"
rc=0
wait "$FS_PID" || rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
assert_eq "$rc" "0" "exit status"
[ "$ms" -lt 3000 ] || fail "shutdown took $ms ms"
for p in "${upds[@]}"; do wait_exit "$p" 5 "an updateCall request"; done
for i in 1 2 3; do
	c=$(cat "$WORK/upd$i.code" 2>/dev/null || true)
	# 503 when the answer went out before the socket closed, else the
	# client saw the connection end; never a hang or a 2xx
	case "$c" in 503 | 000 | "") ;; *) fail "updateCall $i answered $c" ;; esac
done
echo OK
