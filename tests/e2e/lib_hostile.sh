# Helpers for the hostile webhook and media cases (140-159): the hostile
# server of tests/tools/hostilesrv.js, and a check that the server's
# resources are back where they were: gauges of /metrics at zero,
# descriptors and memory near their baseline.

# start_hostile SCRIPT_JSON: one more hostile server. Sets HX (its base
# URL); several may run at once.
start_hostile() {
	local n=$((${HX_N:-0} + 1))
	HX_N=$n
	printf '%s' "$1" >"$WORK/hostile$n.json"
	node "$E2E_ROOT/tests/tools/hostilesrv.js" "$WORK/hostile$n.json" \
		>"$WORK/hostile$n.out" 2>"$WORK/hostile$n.log" &
	PIDS+=("$!")
	wait_for 5 grep -q '^PORT ' "$WORK/hostile$n.out" ||
		fail "hostile server did not start"
	HX="http://127.0.0.1:$(sed -n 's/^PORT //p' "$WORK/hostile$n.out")"
}

# hx_log [BASE]: the requests a hostile server saw, as JSON
hx_log() {
	curl -fsS "${1:-$HX}/_log"
}

# hx_wait JS_CONDITION [SECS] [BASE]: until the log satisfies it
hx_true() {
	[ "$(json_get "$(hx_log "${2:-$HX}")" "$1")" = "true" ]
}

hx_wait() {
	wait_for "${2:-10}" hx_true "$1" "${3:-$HX}" ||
		fail "hostile server log never satisfied: $1"
}

# reject_call NAME CODE X-REASON-REGEX SERVICE: a call the server must
# refuse with CODE and a matching X-Reason. Sets DT (ms taken).
reject_call() {
	local scen xr
	scen=$(mkscen uac_reject CODE="$2")
	run_sipp "$1" "$scen" "$4" || fail "$1: no $2"
	# from sipp's own trace: its start-up under load is not ours
	DT=$(msg_span "$1")
	xr=$(awk "/^SIP\\/2.0 $2 /,/^\$/" "$WORK/$1.msg" | sed -n 's/^X-Reason: //p' | tr -d '\r')
	echo "$1: $2 X-Reason: $xr ($DT ms)"
	grep -Eqi -- "$3" <<<"$xr" || fail "$1: X-Reason '$xr' does not match '$3'"
}

fs_fds() {
	ls "/proc/$FS_PID/fd" | wc -l
}

fs_rss_kb() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$FS_PID/status"
}

# Every gauge that must read zero on an idle server
IDLE_EXPR='d.calls.active===0 && d.listeners.live===0 &&
 d.listeners.scopes===0 && d.media.streams===0 && d.media.sending===0 &&
 d.connections.inflight===0 && d.audio.inflight===0 &&
 d.tts.inflight===0 &&
 Object.values(d.tasks.plugins).every(p => p.running===0)'

# timers_fresh: the timers of a server that has had no call yet; the
# baseline's figure then (a warm-up call's SIP transactions keep timers
# for 32 s, which would hide new ones)
timers_fresh() {
	B_TIMERS0=$(metric d.timers)
}

# baseline_take: descriptors, timers, RSS and heap of the idle server now
baseline_take() {
	wait_idle 5
	B_FDS=$(fs_fds)
	B_RSS=$(fs_rss_kb)
	B_METRICS=$(curl -fsS "$FS_HTTP/metrics")
	B_HEAP=$(json_get "$B_METRICS" d.memory.heapUsed)
	B_TIMERS=${B_TIMERS0:-$(json_get "$B_METRICS" d.timers)}
	echo "baseline: $B_FDS fds, $B_TIMERS timers, RSS $B_RSS kB, heap $B_HEAP"
}

# baseline_check [SECS] [RSS_SLACK_KB]: waits (pooled connections close
# after JAMBONES_CONNECTION_POOL_CLEANUP_INTERVAL, streams end at their
# timeout, SIP transactions of an answered call keep their timers 32 s:
# RFC 3261 timer J, RFC 6026 timer L) until every gauge is zero and
# descriptors and timers are back at the baseline, then asserts it, that RSS grew by less than the slack
# (kB) and the heap, apart from what the caches hold, by under 2 MB
baseline_check() {
	local m fds rss heap cache timers slack=${2:-32768} t0=$SECONDS
	wait_for "${1:-40}" baseline_back || true
	rss=$(fs_rss_kb)
	heap=$(json_get "$m" d.memory.heapUsed)
	echo "after $((SECONDS - t0)) s: $fds fds, $timers timers, RSS $rss kB, heap $heap"
	[ "$(json_get "$m" "$IDLE_EXPR")" = true ] ||
		fail "gauges not back at zero: $(json_get "$m" '({calls: d.calls, listeners: d.listeners, media: d.media.streams, inflight: d.connections.inflight, audio: d.audio.inflight, tts: d.tts.inflight})')"
	[ "$timers" -le "$B_TIMERS" ] ||
		fail "timers: $timers, baseline $B_TIMERS"
	[ "$fds" -le "$B_FDS" ] ||
		fail "descriptors: $fds, baseline $B_FDS: $(ls -l /proc/$FS_PID/fd | tail -n +2 | awk '{print $NF}' | sort | uniq -c | sort -rn | head)"
	# under sanitizers malloc is replaced: the heap figure reads 0, and
	# RSS holds the quarantine of freed memory. What the audio and
	# speech caches took is theirs to keep (AUDIO_CACHE_MB, TTS_CACHE_MB)
	if [ "$B_HEAP" -gt 0 ]; then
		[ $((rss - B_RSS)) -lt "$slack" ] ||
			fail "RSS grew by $((rss - B_RSS)) kB (baseline $B_RSS kB)"
		cache=$(($(json_get "$m" 'd.audio.bytes + d.tts.bytes') -
			$(json_get "$B_METRICS" 'd.audio.bytes + d.tts.bytes')))
		echo "heap grew by $((heap - B_HEAP)) bytes, caches by $cache"
		[ $((heap - B_HEAP - cache)) -lt 2097152 ] ||
			fail "heap grew by $((heap - B_HEAP)) bytes, caches by $cache"
	fi
}

# baseline_back: every gauge at zero, descriptors and timers at the
# baseline; leaves the figures it read in m, fds and timers (those of
# baseline_check)
baseline_back() {
	m=$(curl -fsS "$FS_HTTP/metrics") || return 1
	fds=$(fs_fds)
	timers=$(json_get "$m" d.timers)
	[ "$(json_get "$m" "$IDLE_EXPR")" = true ] &&
		[ "$fds" -le "$B_FDS" ] && [ "$timers" -le "$B_TIMERS" ]
}

# counter_delta EXPR: how much a /metrics counter grew since the baseline
counter_delta() {
	echo $(($(metric "$1") - $(json_get "$B_METRICS" "$1")))
}
