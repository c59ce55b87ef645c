#!/usr/bin/env bash
# The rasa verb against a Rasa REST channel (tests/tools/rasasim.js checks
# the POST: application/json, exactly {sender, message}): the prompt said
# with the verb's tts (tests/tools/ttssim.js, Microsoft), the caller's
# speech (espeak-ng, sipp) recognised by Deepgram (tests/tools/sttsim.js)
# and posted with the call_sid as sender, the bot's texts joined and said,
# the eventHook's userMessage and botMessage, then the actionHook's
# rasaResult: timeout (the caller says nothing more, or nothing at all),
# webhookError (Rasa answers 500), caller hungup, redirect (the eventHook
# answers verbs, which run instead).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/19-stt-lib.sh"

TEXT="i would like to book a table for two"
start_sttsim "{\"dg-ok\": {\"transcript\": \"$TEXT\", \"confidence\": 0.95}}"
start_ttssim '{"microsoft": "ms-key-1"}'
printf '%s' "{\"default\": {\"$TEXT\": [\"Forget this.\", {\"image\": \"http://x/y.png\"}, \"Sure thing.\", \"At what time?\"]},
 \"err\": {\"*\": {\"status\": 500}}, \"notext\": {\"*\": [{\"image\": \"http://x/y.png\"}]}}" >"$WORK/rasa.json"
node "$E2E_ROOT/tests/tools/rasasim.js" "$WORK/rasa.json" >"$WORK/rasa.out" 2>"$WORK/rasa.log" &
PIDS+=("$!")
wait_for 5 grep -q '^PORT ' "$WORK/rasa.out" || fail "Rasa simulator did not start"
RASA="http://127.0.0.1:$(sed -n 's/^PORT //p' "$WORK/rasa.out")"

cat >"$WORK/creds.json" <<JSON
[{"vendor":"microsoft","use_for_tts":1,"use_for_stt":0,"credential":{"api_key":"ms-key-1","region":"westeurope","base_url":"$TSIM"}},
 {"vendor":"deepgram","use_for_tts":0,"use_for_stt":1,"credential":{"api_key":"dg-ok","base_url":"$SIM"}}]
JSON

# no timeout: the spec has none (jambonz's 10 s then)
rasa() { # NAME [BOT]
	printf '{"verb":"rasa","url":"%s/webhooks/rest/webhook%s","prompt":"Hello, this is the %s bot.","tts":{"vendor":"microsoft","language":"en-US","voice":"en-US-JennyNeural"},"recognizer":{"vendor":"deepgram","language":"en-US"},"eventHook":"/event/%s","actionHook":"/action/%s"}' \
		"$RASA" "${2:+?bot=$2}" "$1" "$1" "$1"
}
start_hooks '{
  "/call": {"seq": [
    ['"$(rasa talk)"', {"verb":"hangup"}],
    ['"$(rasa silent)"', {"verb":"hangup"}],
    ['"$(rasa err err)"', {"verb":"hangup"}],
    ['"$(rasa hup)"', {"verb":"hangup"}],
    ['"$(rasa redir)"', {"verb":"hangup"}],
    ['"$(rasa notext notext)"', {"verb":"hangup"}]
  ]},
  "/event/redir": [{"verb":"gather","input":["digits"],"timeout":1,"actionHook":"/after"}, {"verb":"hangup"}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" DEFAULT_CALL_STATUS_HOOK="$HOOK/status" \
	SPEECH_CREDENTIALS_FILE="$WORK/creds.json"

speech_scen "$TEXT"
run_sipp talk "$SCEN" 15551230205 || fail "talk: call failed"
run_sipp silent "$(mkscen uac_answer)" 15551230205 || fail "silent: call failed"
run_sipp err "$SCEN" 15551230205 || fail "err: call failed"
run_sipp hup "$(mkscen uac_bye CSEQ=2 ACTIONS="$(x_pause 2500)")" 15551230205 || fail "hup: call failed"
run_sipp redir "$SCEN" 15551230205 || fail "redir: call failed"
run_sipp notext "$SCEN" 15551230205 || fail "notext: call failed"
wait_hooks 'd.filter(r => r.path==="/status" && r.body.call_status==="completed").length===6' 20
wait_hooks 'd.some(r => r.path==="/action/hup")'
log=$(hooks_log)
rl=$(curl -fsS "$RASA/_log")
tl=$(tsim_log)
printf '%s' "$log" >"$WORK/hooks.json.log"
printf '%s' "$rl" >"$WORK/rasa.json.log"

act() { echo "d.find(r => r.path===\"/action/$1\")"; }
ev() { echo "d.filter(r => r.path===\"/event/$1\")"; }
sid() { json_get "$log" "$(act "$1").body.call_sid"; }

# --- a conversation: the caller's words to Rasa, the bot's answer said --
assert_eq "$(json_get "$rl" 'd.every(r => r.ok)')" "true" "Rasa's checks: $(json_get "$rl" 'd.map(r => r.why)')"
assert_eq "$(json_get "$rl" 'd.every(r => r.ctype.startsWith("application/json"))')" "true" "Content-Type JSON"
talk_sid=$(sid talk)
assert_eq "${#talk_sid}" "36" "talk: the actionHook has the call's fields"
assert_eq "$(json_get "$rl" "d.filter(r => r.body.sender===\"$talk_sid\").map(r => r.body.message).join('|')")" \
	"$TEXT" "talk: Rasa got the transcript, the call_sid as sender"
assert_eq "$(json_get "$log" "$(ev talk).map(r => r.body.event).join()")" "userMessage,botMessage" "talk: the events"
assert_eq "$(json_get "$log" "$(ev talk)[0].body.message")" "$TEXT" "talk: userMessage"
assert_eq "$(json_get "$log" "JSON.stringify($(ev talk)[1].body.message)")" \
	"[{\"recipient_id\":\"$talk_sid\",\"text\":\"Forget this.\"},{\"recipient_id\":\"$talk_sid\",\"image\":\"http://x/y.png\"},{\"recipient_id\":\"$talk_sid\",\"text\":\"Sure thing.\"},{\"recipient_id\":\"$talk_sid\",\"text\":\"At what time?\"}]" \
	"talk: botMessage is Rasa's answer"
assert_eq "$(json_get "$log" "$(ev talk)[1].body.call_sid")" "$talk_sid" "talk: the event's call fields"
ms='d.filter(r => r.vendor==="microsoft")'
assert_eq "$(json_get "$tl" "$ms.every(r => r.ok)")" "true" "the TTS simulator's checks"
assert_eq "$(json_get "$tl" "$ms.some(r => r.text.includes('Hello, this is the talk bot.') && r.text.includes('en-US-JennyNeural'))")" \
	"true" "talk: the prompt said with the verb's tts"
assert_eq "$(json_get "$tl" "$ms.some(r => r.text.includes(' Sure thing. At what time?'))")" \
	"true" "talk: the bot's answer said (jambonz's join)"
# jambonz's reduce: a message without text drops the texts before it
assert_eq "$(json_get "$tl" "$ms.some(r => r.text.includes('Forget this.'))")" "false" "talk: the text before the image not said"
# nothing said after the answer: the timeout
assert_eq "$(json_get "$log" "$(act talk).body.rasaResult")" "timeout" "talk: rasaResult"

# --- the caller says nothing ----------------------------------------------
assert_eq "$(json_get "$log" "$(act silent).body.rasaResult")" "timeout" "silent: rasaResult"
assert_eq "$(json_get "$log" "$(ev silent).length")" "0" "silent: no events"
assert_eq "$(json_get "$rl" "d.filter(r => r.body.sender===\"$(sid silent)\").length")" "0" "silent: nothing to Rasa"

# --- Rasa answers 500 -------------------------------------------------------
assert_eq "$(json_get "$log" "$(act err).body.rasaResult")" "webhookError" "err: rasaResult"
assert_eq "$(json_get "$rl" "d.filter(r => r.body.sender===\"$(sid err)\").map(r => r.body.message).join('|')")" \
	"$TEXT" "err: the transcript reached Rasa"
assert_eq "$(json_get "$log" "$(ev err).map(r => r.body.event).join()")" "userMessage" "err: no botMessage"
grep -q 'Rasa answered 500' "$WORK/main.log" || fail "err: no log line"

# --- the caller hangs up ------------------------------------------------------
assert_eq "$(json_get "$log" "$(act hup).body.rasaResult")" "caller hungup" "hup: rasaResult"
assert_eq "$(json_get "$log" "d.filter(r => r.path===\"/action/hup\").length")" "1" "hup: one actionHook"

# --- the eventHook redirects -------------------------------------------------
assert_eq "$(json_get "$log" "$(act redir).body.rasaResult")" "redirect" "redir: rasaResult"
assert_eq "$(json_get "$log" "d.filter(r => r.path===\"/action/redir\").length")" "1" "redir: one actionHook"
assert_eq "$(json_get "$log" "d.filter(r => r.path===\"/after\").length")" "1" "redir: the eventHook's verbs ran"
assert_eq "$(json_get "$log" "d.find(r => r.path===\"/after\").body.call_sid")" "$(sid redir)" "redir: on the same call"

# --- an answer without text: no botMessage, listening again ----------------
assert_eq "$(json_get "$log" "$(ev notext).map(r => r.body.event).join()")" "userMessage" "notext: no botMessage"
assert_eq "$(json_get "$log" "$(act notext).body.rasaResult")" "timeout" "notext: rasaResult"
assert_eq "$(grep -c 'no text from Rasa: listening again' "$WORK/main.log")" "1" "notext: listened again"
assert_eq "$(json_get "$rl" "d.length")" "4" "one post per transcript"

wait_idle
server_alive
echo OK
