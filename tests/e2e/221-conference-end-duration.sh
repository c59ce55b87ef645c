#!/usr/bin/env bash
# conference endConferenceDuration, as jambonz sets FreeSWITCH's
# endconference_grace_time: the room lives on that many seconds after
# its last endConferenceOnExit member left, then puts the others out
# (their actionHook, their next verb); the member leaving says "leave"
# and "end" at once (jambonz's final check). Without it, two
# endConferenceOnExit members: the room ends with the second, not the
# first (FreeSWITCH's end_count).
source "$(dirname "$0")/lib.sh"

conf() { printf '{"verb":"conference","name":"%s"%s}' "$1" "${2:+,$2}"; }
st='"statusHook":"/st","statusEvents":["join","leave","end"]'
start_hooks '{
  "/call": {"to": {
    "15552211001": ['"$(conf g1 '"endConferenceOnExit":true,"endConferenceDuration":3,'"$st")"'],
    "15552211002": ['"$(conf g1 '"actionHook":"/act-b",'"$st")"',{"verb":"hangup"}],
    "15552211003": ['"$(conf g2 '"endConferenceOnExit":true,'"$st")"'],
    "15552211004": ['"$(conf g2 '"endConferenceOnExit":true')"'],
    "15552211005": ['"$(conf g2 '"actionHook":"/act-p",'"$st")"',{"verb":"hangup"}]
  }}
}'
start_fs main SIP_LOOPS=2 DEFAULT_CALL_HOOK="$HOOK/call"

called() { [ "$(json_get "$(hooks_log)" "d.some(r => r.path===\"/call\" && r.body.to===\"$1\")")" = true ]; }
wait_calls() { wait_for 10 called "$1" || fail "the call to $1 did not reach the hook"; }
sid_of() { json_get "$(hooks_log)" "d.find(r => r.path===\"/call\" && r.body.to===\"$1\").body.call_sid"; }
# at PATH [SID] [EVENT]: when the first such hook came (ms)
at() {
	local s=${2:-} e=${3:-}
	json_get "$(hooks_log)" "(d.find(r => r.path===\"$1\" && (!\"$s\" || r.body.call_sid===\"$s\") && (!\"$e\" || r.body.event===\"$e\")) || {}).at || ''"
}

# --- g1: endConferenceDuration 3 (b starts the room, its statusHook) ----
run_sipp b "$(mkscen uac_answer)" 15552211002 &
B=$!
wait_calls 15552211002
run_sipp a "$(mkscen uac_bye CSEQ=2 ACTIONS="$(x_pause 2000)")" 15552211001 &
A=$!
# --- g2: two endConferenceOnExit members, no duration -------------------
run_sipp p "$(mkscen uac_answer)" 15552211005 &
P=$!
wait_calls 15552211005
# e2 in the room before e1 comes (e1 joins third)
run_sipp e2 "$(mkscen uac_bye CSEQ=2 ACTIONS="$(x_pause 7000)")" 15552211004 &
E2=$!
wait_calls 15552211004
e2sid=$(sid_of 15552211004)
wait_for 10 grep -Eq "$e2sid: joined conf:[^ ]*:g2 " "$WORK/main.log" || fail "e2 did not join g2"
run_sipp e1 "$(mkscen uac_bye CSEQ=2 ACTIONS="$(x_pause 1500)")" 15552211003 &
E1=$!

wait "$A" || fail "a failed"
wait "$B" || fail "b was not hung up by its next verb once the room ended"
wait "$E1" || fail "e1 failed"
wait "$E2" || fail "e2 failed"
wait "$P" || fail "p was not hung up by its next verb once the room ended"

ASID=$(sid_of 15552211001) BSID=$(sid_of 15552211002)
a_leave=$(at /st "$ASID" leave) b_act=$(at /act-b) b_leave=$(at /st "$BSID" leave)
echo "g1: a left at +0, b put out (actionHook) at +$((b_act - a_leave)) ms"
[ $((b_act - a_leave)) -ge 2700 ] || fail "the room ended before its endConferenceDuration ($((b_act - a_leave)) ms)"
[ $((b_act - a_leave)) -le 4500 ] || fail "the room ended late ($((b_act - a_leave)) ms after)"
[ -n "$(at /st "$ASID" end)" ] || fail "the endConferenceOnExit member did not say end"
[ $(($(at /st "$ASID" end) - a_leave)) -le 1000 ] || fail "its end was not at once"
[ $((b_leave - a_leave)) -ge 2700 ] || fail "b said leave before the room ended"
[ -n "$(at /st "$BSID" end)" ] || fail "b, put out by the room's end, did not say end"
grep -q -- "$BSID: g1: out (the room ended)" "$WORK/main.log" || fail "b was not put out by the room's end"

E1SID=$(sid_of 15552211003) E2SID=$(sid_of 15552211004)
e1_leave=$(at /st "$E1SID" leave) e2_leave=$(at /st "$E2SID" leave) p_act=$(at /act-p)
echo "g2: e1 left at +0, e2 at +$((e2_leave - e1_leave)) ms, p put out at +$((p_act - e1_leave)) ms"
[ $((p_act - e1_leave)) -ge 2500 ] || fail "the room ended with the first endConferenceOnExit member"
[ $((p_act - e2_leave)) -ge 0 ] && [ $((p_act - e2_leave)) -le 1500 ] ||
	fail "the room did not end with the last endConferenceOnExit member ($((p_act - e2_leave)) ms)"
# jambonz: each endConferenceOnExit member says end as it leaves
assert_eq "$(json_get "$(hooks_log)" "d.filter(r => r.path===\"/st\" && r.body.call_sid===\"$E1SID\").map(r => r.body.event + \":\" + r.body.members).join()")" "join:3,leave:2,end:2" "e1's events"
wait_idle
server_alive
echo PASS
