#!/usr/bin/env bash
# What the outbound INVITE carries: callerId and callerName in From, the
# verb's headers with the target's own on top (CR/LF in a value drops
# the header), and digest authentication: the called party challenges
# with 401 and the re-sent INVITE's Authorization is checked here
# against the password (RFC 2617 with qop=auth).
source "$(dirname "$0")/lib_dial.sh"

B=$(free_port)
start_hooks '{
  "/call": [{"verb":"dial",
             "callerId":"+15557654321","callerName":"Alice Smith",
             "headers":{"X-Verb-Hdr":"v1","X-Both":"verb",
                        "X-Evil":"a\r\nX-Injected: 1"},
             "target":[{"type":"sip","sipUri":"sip:bob@127.0.0.1:'"$B"'",
                        "headers":{"X-Target-Hdr":"t1","X-Both":"target"},
                        "auth":{"username":"alice","password":"s3cr3t"}}]}]
}'
start_fs main DEFAULT_CALL_HOOK="$HOOK/call"
start_uas bob "$B" uas_auth
caller=$(mkscen uac_bye ACTIONS="$(x_pause 500)" CSEQ=2)
run_sipp alice "$caller" 15551234567 || fail "caller failed"
wait_uas bob

assert_eq "$(msg_count bob '^INVITE sip:bob@')" "2" "INVITEs (challenged, then authorized)"
inv=$(awk '/^-+ [0-9]/{n=0} /^INVITE sip:bob@/{c++} c==2' "$WORK/bob.msg" | sed '/^-\{10,\}/q')
from=$(grep -i '^From:' <<<"$inv")
assert_contains "$from" '"Alice Smith" <sip:+15557654321@127.0.0.1' "From"
assert_contains "$inv" $'X-Verb-Hdr: v1\r' "verb header"
assert_contains "$inv" $'X-Target-Hdr: t1\r' "target header"
assert_contains "$inv" $'X-Both: target\r' "target header over the verb's"
assert_eq "$(grep -ci '^X-Both:' <<<"$inv")" "1" "X-Both once"
assert_eq "$(grep -ci '^X-Evil:\|^X-Injected:' <<<"$inv")" "0" "injected header"

# the digest response is right for alice / s3cr3t
auth=$(grep -i '^Authorization:' <<<"$inv" | tr -d '\r')
[ -n "$auth" ] || fail "no Authorization header"
python3 - "$auth" <<'PY' || fail "bad digest response: $auth"
import hashlib, re, sys
h = sys.argv[1]
p = dict((k, v1 or v2) for k, v1, v2 in
         re.findall(r'(\w+)=(?:"([^"]*)"|([^,\s]+))', h.split(" ", 2)[2]))
md5 = lambda s: hashlib.md5(s.encode()).hexdigest()
assert p["username"] == "alice" and p["realm"] == "fs-test", p
assert p["nonce"] == "4f1c2a7b9d3e", p
ha1 = md5("alice:fs-test:s3cr3t")
ha2 = md5("INVITE:" + p["uri"])
if p.get("qop"):
    want = md5(":".join([ha1, p["nonce"], p["nc"], p["cnonce"], p["qop"], ha2]))
else:
    want = md5(":".join([ha1, p["nonce"], ha2]))
assert p["response"] == want, (p["response"], want)
PY

# the caller's BYE ends the bridge: BYE to the called party
assert_eq "$(msg_count bob '^BYE sip:')" "1" "BYE to the called party"
wait_idle 5
echo OK
