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

# gather_and_tx SERVICE NAME...: the call "ok" (a gather), "tx" (the
# caller speaks, stays 5 s and hangs up: a transcribe), then one call per
# NAME; waits for all of them to complete
gather_and_tx() {
	local svc=$1 n
	shift
	run_sipp ok "$SCEN" "$svc" || fail "ok: call failed"
	run_sipp tx "$(mkscen uac_bye CSEQ=2 ACTIONS="<nop><action><exec play_pcap_audio=\"$WORK/speech.pcap\"/></action></nop>$(x_pause 5000)")" \
		"$svc" || fail "tx: call failed"
	for n in "$@"; do
		run_sipp "$n" "$SCEN" "$svc" || fail "$n: call failed"
	done
	wait_hooks "d.filter(r => r.path===\"/status\" && r.body.call_status===\"completed\").length===$(($# + 2))" 20
}

# tx_results TRANSCRIPT: the transcribe's final results at /tx are
# TRANSCRIPT, and it had an interim one (needs $log)
tx_results() {
	assert_eq "$(json_get "$log" 'd.filter(r => r.path==="/tx" && r.body.speech.is_final).map(r => r.body.speech.alternatives[0].transcript).join()')" \
		"$1" "transcribe: the final transcript"
	[ "$(json_get "$log" 'd.filter(r => r.path==="/tx" && !r.body.speech.is_final).length')" -ge 1 ] ||
		fail "transcribe: no interim result"
}

# failed VENDOR NAME...: each NAME's gather ended with reason error, one
# log line each (needs $log)
failed() {
	local v=$1 n
	shift
	for n in "$@"; do
		assert_eq "$(json_get "$log" "$(result "$n").body.reason")" "error" "$n: reason"
	done
	assert_eq "$(grep -c "$v recognition failed" "$WORK/main.log")" "$#" "one log line per failure"
}

# vendor_run SERVICE TX_RECOGNIZER [NAME...]: the server with
# $WORK/creds.json and the hooks of gather_and_tx's calls (gather ok, a
# transcribe with TX_RECOGNIZER, the gathers error, garbage, bad and each
# NAME under those labels; the script's gather NAME [LABEL] gives the
# gathers), the caller saying $TEXT; runs the calls and sets log and sim
vendor_run() {
	local svc=$1 tx=$2 n seq
	shift 2
	seq='['"$(gather ok)"', {"verb":"hangup"}],
    [{"verb":"transcribe","transcriptionHook":"/tx","recognizer":'"$tx"'}]'
	for n in error garbage bad "$@"; do
		seq="$seq,
    [$(gather "$n" "$n"), $STT_BYE]"
	done
	start_hooks '{"/call": {"seq": ['"$seq"']}}'
	start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status" \
		SPEECH_CREDENTIALS_FILE="$WORK/creds.json"
	speech_scen "$TEXT"
	gather_and_tx "$svc" error garbage bad "$@"
	log=$(hooks_log)
	sim=$(sim_log)
}

# start_ttssim KEYS_JSON: tests/tools/ttssim.js (synthesis) beside the
# recognition simulator. Sets TSIM (its base URL).
start_ttssim() {
	printf '%s' "$1" >"$WORK/tkeys.json"
	node "$E2E_ROOT/tests/tools/ttssim.js" "$WORK/tkeys.json" >"$WORK/tsim.out" 2>"$WORK/tsim.log" &
	PIDS+=("$!")
	wait_for 5 grep -q '^PORT ' "$WORK/tsim.out" || fail "TTS simulator did not start"
	TSIM="http://127.0.0.1:$(sed -n 's/^PORT //p' "$WORK/tsim.out")"
}
tsim_log() { curl -fsS "$TSIM/_log"; }

# heard SERVICE NAME...: one call each to SERVICE, whose speech the
# caller must hear (15 loud packets at least)
heard() {
	local svc=$1 n loud
	shift
	for n in "$@"; do
		start_rtpsink
		run_sipp "$n" uac_srv_bye "$svc" || fail "$n: call failed"
		rtp_quiet
		loud=$(rtp_stat d.nonsilent)
		echo "$n: $loud loud packets"
		[ "$loud" -ge 15 ] || fail "$n: barely heard ($loud loud packets)"
	done
}
