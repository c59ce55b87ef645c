# Helpers of the 25x cases (behaviour matched with jambonz: gather's
# digits and prompt, redirect, failed actionHooks), on top of lib.sh.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# call NAME NUMBER ACTIONS: a call that answers, runs the scenario's
# actions and waits for the server's BYE
call() {
	local scen
	scen=$(mkscen uac_answer ACTIONS="$3")
	run_sipp "$1" "$scen" "$2" || fail "$1: call failed"
}

# hook PATH EXPR: EXPR over r, the first request to PATH
hook() {
	json_get "$(hooks_log)" "(r => $2)(d.find(r => r.path===\"$1\"))"
}

# took PATH: ms from the call's in-progress (status hook /status) to the
# first request to PATH
took() {
	local sid ans
	sid=$(hook "$1" r.body.call_sid)
	ans=$(json_get "$(hooks_log)" "d.find(r => r.path===\"/status\" && r.body.call_sid===\"$sid\" && r.body.call_status===\"in-progress\").at")
	echo $(($(hook "$1" r.at) - ans))
}

# within WHAT MS MIN MAX
within() {
	echo "$1: $2 ms"
	[ "$2" -ge "$3" ] && [ "$2" -le "$4" ] || fail "$1: after $2 ms, not $3..$4"
}

# byeh NAME HEADER: the header's value in the BYE the server sent to the
# call NAME, or ""
byeh() {
	awk '/^BYE /,/^$/' "$WORK/$1.msg" | sed -n "s/^$2: //p" | tr -d '\r'
}

# start_tool SCRIPT: run tests/tools/SCRIPT (a server printing "PORT n"
# when ready); sets TOOL_PORT
start_tool() {
	node "$E2E_ROOT/tests/tools/$1" >"$WORK/$1.out" 2>"$WORK/$1.log" &
	PIDS+=("$!")
	wait_for 5 grep -q '^PORT ' "$WORK/$1.out" || fail "$1 did not start"
	TOOL_PORT=$(sed -n 's/^PORT //p' "$WORK/$1.out")
}
