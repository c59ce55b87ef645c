#!/usr/bin/env bash
# answerOnBridge: with true the caller hears 180 while the called party
# rings and gets its 200 only once the called party answers (1.5 s
# later); with false (the default) the caller is answered at once.
source "$(dirname "$0")/lib_dial.sh"

B1=$(free_port) B2=$(free_port)
tgt() { echo '[{"type":"sip","sipUri":"sip:bob@127.0.0.1:'"$1"'"}]'; }
start_hooks '{
  "/call": {"seq": [
    [{"verb":"dial","answerOnBridge":true,"target":'"$(tgt "$B1")"'}],
    [{"verb":"dial","answerOnBridge":false,"target":'"$(tgt "$B2")"'}]
  ]}
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" \
	DEFAULT_CALL_STATUS_HOOK="$HOOK/status"

# true: 180 first, 200 after the called party's answer
start_uas late1 "$B1" "$(ring_scen 1500 "$(x_pause 300)
$(x_uas_bye)")"
run_sipp aob uac_srv_bye 15551230001 || fail "caller failed (answerOnBridge true)"
wait_uas late1
assert_eq "$(msg_count aob '^SIP/2.0 180')" "1" "180 to the caller"
t_inv=$(msg_time aob '^INVITE ')
t_180=$(msg_time aob '^SIP/2.0 180')
t_200=$(msg_time aob '^SIP/2.0 200')
t_ans=$(msg_time late1 '^SIP/2.0 200')
[ $((t_180 - t_inv)) -le 500 ] || fail "180 came $((t_180 - t_inv)) ms after the INVITE"
[ $((t_200 - t_inv)) -ge 1400 ] || fail "caller answered after $((t_200 - t_inv)) ms, before the called party"
# two sipp processes stamp their own traces: a loaded machine may stamp
# the called party's 200 a little after it went out
[ "$t_200" -ge $((t_ans - 100)) ] || fail "caller answered $((t_ans - t_200)) ms before the called party"
[ $((t_200 - t_ans)) -le 300 ] || fail "caller answered $((t_200 - t_ans)) ms after the called party"
wait_hooks 'd.filter(r => r.path==="/status" && r.body.to==="15551230001" && r.body.call_status==="completed").length===1'
assert_eq "$(status_seq 'r.body.to==="15551230001"')" "trying,ringing,in-progress,completed" "status sequence (true)"

# false: the caller is answered at once, before the called party
start_uas late2 "$B2" "$(ring_scen 1500 "$(x_pause 300)
$(x_uas_bye)")"
run_sipp now uac_srv_bye 15551230002 || fail "caller failed (answerOnBridge false)"
wait_uas late2
assert_eq "$(msg_count now '^SIP/2.0 180')" "0" "180 to the caller"
t_inv=$(msg_time now '^INVITE ')
t_200=$(msg_time now '^SIP/2.0 200')
t_ans=$(msg_time late2 '^SIP/2.0 200')
[ $((t_200 - t_inv)) -le 500 ] || fail "caller answered after $((t_200 - t_inv)) ms"
[ $((t_ans - t_200)) -ge 1000 ] || fail "called party answered only $((t_ans - t_200)) ms after the caller"
wait_hooks 'd.filter(r => r.path==="/status" && r.body.to==="15551230002" && r.body.call_status==="completed").length===1'
assert_eq "$(status_seq 'r.body.to==="15551230002"')" "trying,in-progress,completed" "status sequence (false)"
wait_idle 5
echo OK
