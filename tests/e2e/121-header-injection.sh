#!/usr/bin/env bash
# Webhook text with CR/LF never becomes a SIP header, and no log line
# carries a raw control character or a URL's password. Checked on the
# wire (sipp's message traces) and in the server's log:
#  - a verb name and a property name with CRLF: 480 whose X-Reason is
#    one escaped line;
#  - sip:decline with a CRLF reason (standard phrase instead) and
#    headers with CRLF, bad names and a stack header (each refused);
#  - dial with a CRLF callerId (refused: dial fails), then dial with a
#    quoted callerName (escaped in From), CRLF headers and a CRLF target
#    URI: the called party gets only the good headers; a dial whose
#    digest user has CRLF and a quote (refused: dial fails);
#  - play of a URL with user:password: the log shows it redacted;
#  - hangup headers with CRLF; createCall with a CRLF from/callerName
#    or header name (400 or the header dropped).
source "$(dirname "$0")/lib_dial.sh"

B=$(free_port)
EVIL='\r\nContact: <sip:evil@10.6.6.6>'
start_hooks '{
  "/call": {"seq": [
    [{"verb":"x'"$EVIL"'"}],
    [{"verb":"say","text":"hi","x'"$EVIL"'":1}],
    [{"verb":"sip:decline","status":486,"reason":"Busy'"$EVIL"'",
      "headers":{"X-Ok":"1","X-Evil":"a'"$EVIL"'",
                 "X'"$EVIL"'":"v","Contact":"<sip:evil@10.6.6.6>"}}],
    [{"verb":"dial","actionHook":"/a4","callerId":"1'"$EVIL"'",
      "target":[{"type":"sip","sipUri":"sip:bob@127.0.0.1:'"$B"'"}]}],
    [{"verb":"dial","actionHook":"/a5","callerId":"+15557654321",
      "callerName":"Al \"the\" \\pal",
      "headers":{"X-Good":"g","X-Evil":"a'"$EVIL"'","Via":"SIP/2.0/UDP evil"},
      "target":[{"type":"sip","sipUri":"sip:bob@h'"$EVIL"'"},
                {"type":"sip","sipUri":"sip:bob@127.0.0.1:'"$B"'",
                 "headers":{"X-T\r\nContact":"<sip:evil@10.6.6.6>"}}]}],
    [{"verb":"play","url":"http://user:s3cretpw@127.0.0.1:9/a.wav"},
     {"verb":"hangup"}],
    [{"verb":"answer"},
     {"verb":"hangup","headers":{"X-Bye":"ok","X-Evil":"a'"$EVIL"'"}}],
    [{"verb":"dial","actionHook":"/a8",
      "target":[{"type":"sip","sipUri":"sip:bob@127.0.0.1:'"$B"'",
                 "auth":{"username":"u\"'"$EVIL"'","password":"p"}}]}]
  ]},
  "/a4": [{"verb":"hangup"}],
  "/a5": [{"verb":"hangup"}],
  "/a8": [{"verb":"hangup"}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call"

# no_evil NAME: no message of NAME's trace has the injected header
no_evil() {
	if grep -qiE '^(Contact|m): *<sip:evil' "$WORK/$1.msg"; then
		grep -n -iE -B3 '^(Contact|m): *<sip:evil' "$WORK/$1.msg" >&2
		fail "$1: injected header on the wire"
	fi
}

# --- a verb name, then a property name: 480 with one X-Reason line
for n in 1 2; do
	scen=$(mkscen uac_reject CODE=480)
	run_sipp inj$n "$scen" 1555120100$n || fail "inj$n: no 480"
	no_evil inj$n
	resp=$(msg_first inj$n '^SIP/2.0 480')
	xr=$(grep -i '^X-Reason:' <<<"$resp")
	assert_contains "$xr" 'x\\r\\nContact: <sip:evil@10.6.6.6>' "inj$n X-Reason"
done

# --- sip:decline: standard phrase, good header kept, the rest refused
scen=$(mkscen uac_reject CODE=486)
run_sipp decline "$scen" 15551201003 || fail "decline: no 486"
no_evil decline
resp=$(msg_first decline '^SIP/2.0 486')
assert_contains "$resp" $'^SIP/2.0 486 Busy Here\r' "decline status line"
assert_contains "$resp" $'X-Ok: 1\r' "decline good header"
assert_eq "$(grep -ci '^X-Evil:\|^X:' <<<"$resp")" "0" "decline refused headers"

# --- dial with a CRLF callerId: refused before any INVITE
scen=$(mkscen uac_answer)
run_sipp dial4 "$scen" 15551201004 || fail "dial4: call failed"
wait_hooks 'd.some(r => r.path==="/a4")'
assert_eq "$(json_get "$(hooks_log)" 'd.find(r => r.path==="/a4").body.dial_call_status')" \
	"failed" "dial4 dial_call_status"
no_evil dial4

# --- dial: a quoted callerName, CRLF headers and target URI
start_uas bob "$B" uas_answer
scen=$(mkscen uac_bye ACTIONS="$(x_pause 500)" CSEQ=2)
run_sipp dial5 "$scen" 15551201005 || fail "dial5: call failed"
wait_uas bob
assert_eq "$(msg_count bob '^INVITE sip:bob@')" "1" "INVITEs to the good target"
inv=$(msg_first bob '^INVITE sip:bob@')
assert_contains "$(grep -i '^From:' <<<"$inv")" \
	'"Al \\"the\\" \\\\pal" <sip:+15557654321@127.0.0.1' "From display name"
assert_contains "$inv" $'X-Good: g\r' "dial good header"
assert_eq "$(grep -ci '^X-Evil:\|^X-T' <<<"$inv")" "0" "dial refused headers"
assert_eq "$(grep -ci '^Via:' <<<"$inv")" "1" "one Via"
no_evil bob
no_evil dial5

# --- play of a URL with credentials
scen=$(mkscen uac_answer)
run_sipp play6 "$scen" 15551201006 || fail "play6: call failed"
wait_hooks 'd.filter(r => r.path==="/call").length===6'

# --- hangup (of an answered call: jambonz skips it on an unanswered
# one): the BYE has the good header only
scen=$(mkscen uac_answer)
run_sipp hangup7 "$scen" 15551201007 || fail "hangup7: call failed"
no_evil hangup7
resp=$(msg_first hangup7 '^BYE ')
assert_contains "$resp" $'X-Bye: ok\r' "hangup good header"
assert_eq "$(grep -ci '^X-Evil:' <<<"$resp")" "0" "hangup refused header"

# --- dial with a digest user that would break Authorization: refused
scen=$(mkscen uac_answer)
run_sipp dial8 "$scen" 15551201008 || fail "dial8: call failed"
wait_hooks 'd.some(r => r.path==="/a8")'
assert_eq "$(json_get "$(hooks_log)" 'd.find(r => r.path==="/a8").body.dial_call_status')" \
	"failed" "dial8 dial_call_status"
assert_eq "$(msg_count bob '^INVITE sip:bob@')" "1" "no INVITE for the refused digest user"

# --- createCall: a From that cannot be one is a bad request
for body in '"from":"1\r\nContact: <sip:evil@10.6.6.6>"' \
	'"callerName":"A\r\nContact: <sip:evil@10.6.6.6>"' \
	'"to":{"type":"sip","sipUri":"sip:bob@h\r\nContact: <sip:evil@10.6.6.6>"}'; do
	code=$(curl -sS -o "$WORK/cc.out" -w '%{http_code}' -X POST \
		-H 'Content-Type: application/json' \
		-d '{"to":{"type":"sip","sipUri":"sip:bob@127.0.0.1:'"$B"'"},
		     "app_json":[{"verb":"hangup"}],'"$body"'}' \
		"$FS_HTTP/v1/createCall")
	assert_eq "$code" "400" "createCall with $body: $(cat "$WORK/cc.out")"
done
wait_idle 5

# --- the log: every line is a log line, nothing raw, no password
log=$WORK/main.log
if grep -q $'\r\|\x1b' "$log"; then fail "raw CR or ESC in the log"; fi
bad=$(grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z (ERROR|WARN |INFO |DEBUG) ' "$log" || true)
assert_eq "$bad" "0" "log lines not from the logger (forged)"
grep -q 's3cretpw' "$log" && fail "password in the log"
# the audio module drops the credentials, the logger masks any left
assert_contains "$(cat "$log")" 'audio: http://\(\*\*\*@\)\{0,1\}127.0.0.1:9/a.wav' \
	"the URL without its credentials in the log"
assert_contains "$(cat "$log")" 'header .X-Evil. refused' "refused header logged"
assert_contains "$(cat "$log")" 'callerId .1\\r\\nContact' "refused callerId logged"
assert_contains "$(cat "$log")" 'auth username .u"\\r\\nContact' "refused digest user logged"
server_alive
echo OK
