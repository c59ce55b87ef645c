#!/usr/bin/env bash
# LOG_FORMAT=json: one pino-shaped object a line (level 20/30/40/50, time
# in ms, msg; module, and callSid on the lines about a call), outside
# text escaped inside the JSON string; a reload (SIGHUP) switches the
# format and the level of the lines written after it.
source "$(dirname "$0")/lib.sh"

# a verb name from the webhook, with a quote, a newline and a backslash,
# is quoted in a warning (and the call refused: 480)
start_hooks '{
  "/call": {"seq": [
    [{"verb":"no\"such\nverb\\x"},{"verb":"hangup"}],
    [{"verb":"say","text":"Seven."},{"verb":"hangup"}]
  ]}
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call" LOG_FORMAT=json
run_sipp one uac_srv_bye 15551230000 && fail "the hostile verb was run"
assert_contains "$(cat "$WORK/one.err")" "480 Temporarily Unavailable" "refusal"
wait_idle
sid=$(json_get "$(hooks_log)" 'd.find(r => r.path==="/call").body.call_sid')
[ -n "$sid" ] || fail "no call_sid in the webhook"
t0=$(($(date +%s) * 1000 - 120000))

# every line parses, with pino's fields and types
node - "$WORK/main.log" "$sid" "$t0" <<'JS' || fail "json log lines: see above"
const [file, sid, t0] = process.argv.slice(2);
const lines = require('fs').readFileSync(file, 'utf8').split('\n').filter(Boolean);
let bad = 0, about = 0, hostile = 0;
for (const l of lines) {
  let o;
  try { o = JSON.parse(l); } catch (e) { console.error('not JSON: ' + l); bad++; continue; }
  const keys = Object.keys(o);
  if (![20, 30, 40, 50].includes(o.level) || !Number.isInteger(o.time) ||
      o.time < +t0 || typeof o.msg !== 'string' || typeof o.module !== 'string' ||
      o.pid !== undefined && !Number.isInteger(o.pid) ||
      keys[0] !== 'level' || keys[1] !== 'time' || keys[keys.length - 1] !== 'msg') {
    console.error('bad fields: ' + l); bad++;
  }
  if (o.callSid !== undefined) {
    if (o.callSid !== sid && !/^[0-9a-f-]{36}$/.test(o.callSid)) { console.error('bad callSid: ' + l); bad++; }
    if (o.msg.startsWith(o.callSid)) { console.error('callSid left in msg: ' + l); bad++; }
  }
  if (o.callSid === sid) about++;
  // the verb name arrives escaped as the plain format writes it: the
  // newline as the two characters \n, the quote and backslash as they came
  if (o.msg.includes('no"such\\nverb\\x')) hostile++;
}
if (lines.length < 5) { console.error('only ' + lines.length + ' lines'); bad++; }
if (!about) { console.error('no line with callSid ' + sid); bad++; }
if (!hostile) { console.error('the hostile verb name is not in any msg'); bad++; }
process.exit(bad ? 1 : 0);
JS

# reload: plain and debug from the next line on
n=$(wc -l <"$WORK/main.log")
sed -i 's/^LOG_FORMAT=json$/LOG_FORMAT=plain/' "$WORK/main.conf"
echo "JAMBONES_LOGLEVEL=debug" >>"$WORK/main.conf"
kill -HUP "$FS_PID"
wait_log "$WORK/main.log" '^[0-9-]*T[0-9:.]*Z INFO  life: reloaded' 5
run_sipp two uac_srv_bye 15551230000 || fail "second call failed"
wait_idle
after=$(tail -n +"$((n + 1))" "$WORK/main.log" | grep -v '^{"level":[0-9]*,"time"' || true)
json_after=$(tail -n +"$((n + 1))" "$WORK/main.log" | sed -n '/INFO  life: reloaded/,$p' | grep -c '^{' || true)
assert_eq "$json_after" "0" "json lines after the reload"
assert_contains "$after" '^[0-9-]*T[0-9:.]*Z DEBUG ' "debug lines after the reload"
assert_contains "$after" '^[0-9-]*T[0-9:.]*Z INFO  .*: [0-9a-f-]\{36\}: ' "plain call lines"

# and back to json at info: no DEBUG line after it
sed -i 's/^LOG_FORMAT=plain$/LOG_FORMAT=json/; s/^JAMBONES_LOGLEVEL=debug$/JAMBONES_LOGLEVEL=info/' "$WORK/main.conf"
n=$(wc -l <"$WORK/main.log")
kill -HUP "$FS_PID"
wait_log "$WORK/main.log" '^{"level":30,.*"module":"life".*"msg":"reloaded' 5
last=$(tail -n +"$((n + 1))" "$WORK/main.log" | sed -n '/"msg":"reloaded/,$p')
assert_eq "$(grep -vc '^{"level":' <<<"$last" || true)" "0" "plain lines after the second reload"

# a bad LOG_FORMAT is refused: the check names it
printf 'LOG_FORMAT=xml\n' >"$WORK/bad.conf"
out=$("$FS_BIN" --check-config -c "$WORK/bad.conf" 2>&1) && fail "LOG_FORMAT=xml accepted"
assert_contains "$out" "LOG_FORMAT: 'xml' is not one of plain, json" "bad format message"
echo OK
