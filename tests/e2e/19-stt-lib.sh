# What the speech recognition cases (19x) share; sourced after lib.sh.

# start_sttsim KEYS_JSON: tests/tools/sttsim.js with those scripts. Sets
# SIMP (its port) and SIM (http://127.0.0.1:SIMP).
start_sttsim() {
	printf '%s' "$1" >"$WORK/keys.json"
	node "$E2E_ROOT/tests/tools/sttsim.js" "$WORK/keys.json" >"$WORK/sim.out" 2>"$WORK/sim.log" &
	PIDS+=("$!")
	wait_for 5 grep -q '^PORT ' "$WORK/sim.out" || fail "STT simulator did not start"
	SIMP=$(sed -n 's/^PORT //p' "$WORK/sim.out")
	SIM="http://127.0.0.1:$SIMP"
}
sim_log() { curl -fsS "$SIM/_log"; }

# speech_scen TEXT [LEAD] [TAIL]: a caller that says TEXT (espeak-ng,
# tests/tools/sttpcap.py) once answered. Sets SCEN.
speech_scen() {
	python3 "$E2E_ROOT/tests/tools/sttpcap.py" "$WORK/speech.pcap" "$1" "${2:-0.5}" "${3:-2.5}" \
		>/dev/null || fail "could not record the speech"
	SCEN=$(mkscen uac_answer ACTIONS="<nop><action><exec play_pcap_audio=\"$WORK/speech.pcap\"/></action></nop>")
}

# result NAME: the actionHook request of the call whose hook is /result/NAME
result() { echo "d.find(r => r.path===\"/result/$1\")"; }

# the failures end the verb list at once: sipp needs its BYE a little later
STT_BYE='{"verb":"pause","length":1}, {"verb":"hangup"}'

# call_all SERVICE NAME...: one call each, then wait for them to complete
call_all() {
	local svc=$1 n
	shift
	for n in "$@"; do
		run_sipp "$n" "$SCEN" "$svc" || fail "$n: call failed"
	done
	wait_hooks "d.filter(r => r.path===\"/status\" && r.body.call_status===\"completed\").length===$#" 20
}
