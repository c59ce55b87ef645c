#!/usr/bin/env bash
# A first webhook that fails rejects the call with
# JAMBONES_WEBHOOK_ERROR_RETURN (480 by default) and an X-Reason naming
# the problem: HTTP 500, slower than JAMBONES_HTTP_TIMEOUT, invalid JSON,
# an unknown verb, not an array, verbs failing validation, 204 (no
# verbs); an empty array is a list that runs out: 603. Then a
# configured 503 with no webhook server at all. Status failed, and the
# server keeps serving calls.
source "$(dirname "$0")/lib.sh"

start_hooks '{
  "/call": {"seq": [
    {"status":500},
    {"delay":2500,"body":[{"verb":"hangup"}]},
    {"raw":"[{\"verb\":\"say\",\"text\":"},
    [{"verb":"frobnicate","x":1}],
    {"raw":"{\"verb\":\"say\",\"text\":\"hi\"}"},
    [{"verb":"pause"}],
    [{"verb":"say","text":42}],
    [{"verb":"say","text":"hi","volume":"loud"}],
    {"status":204},
    [],
    [{"verb":"sip:decline","status":486}]
  ]}
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status" JAMBONES_HTTP_TIMEOUT=1000

n=0
reject() { # NAME CODE X-REASON-REGEX
	local scen xr
	n=$((n + 1))
	scen=$(mkscen uac_reject CODE="$2")
	run_sipp "$1" "$scen" "1555123005$n" || fail "$1: no $2"
	# from sipp's own trace: its start-up under load is not ours
	DT=$(msg_span "$1")
	xr=$(awk "/^SIP\\/2.0 $2 /,/^\$/" "$WORK/$1.msg" | sed -n 's/^X-Reason: //p' | tr -d '\r')
	echo "$1: $2 X-Reason: $xr ($DT ms)"
	grep -Eqi -- "$3" <<<"$xr" || fail "$1: X-Reason '$xr' does not match '$3'"
	if grep -q "SIP/2.0 200 OK" "$WORK/$1.msg"; then fail "$1: call answered"; fi
}
reject http500 480 'webhook.*500'
reject slow 480 'time'
[ "$DT" -ge 900 ] && [ "$DT" -le 2200 ] || fail "1 s webhook timeout took $DT ms"
reject badjson 480 'invalid JSON'
reject unknownverb 480 'frobnicate'
reject notarray 480 'array'
reject missing 480 'pause.*length'
reject wrongtype 480 'say.*text'
reject badprop 480 'say.*volume'
reject nocontent 480 'no verbs'
# an empty array is a valid (empty) list: it runs out unanswered, 603
scen=$(mkscen uac_reject CODE=603)
run_sipp empty "$scen" 15551230058 || fail "empty verb list: no 603"
scen=$(mkscen uac_reject CODE=486)
run_sipp good "$scen" 15551230059 || fail "a good webhook after the failures"

wait_hooks 'd.filter(r => r.path==="/status" && r.body.call_status==="failed").length===11'
log=$(hooks_log)
assert_eq "$(json_get "$log" 'd.filter(r => r.path==="/status" && r.body.call_status==="failed").slice(0,9).every(r => r.body.sip_status===480)')" \
	"true" "failed statuses carry 480"
assert_eq "$(json_get "$log" 'd.filter(r => r.path==="/status").some(r => r.body.call_status==="in-progress")')" \
	"false" "a call was answered"
wait_idle 2
server_alive

# nobody listens at the webhook's address; a configured 503
dead=$(free_port)
kill "$FS_PID"
start_fs down DEFAULT_CALL_HOOK="http://127.0.0.1:$dead/call" \
	JAMBONES_WEBHOOK_ERROR_RETURN=503
reject down 503 'webhook'
assert_contains "$(cat "$WORK/down.msg")" "SIP/2.0 503 Service Unavailable" "503 reason phrase"
wait_idle 2
server_alive
echo OK
