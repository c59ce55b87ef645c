#!/usr/bin/env bash
# Out-of-dialog SIP: OPTIONS (keep-alive pings from an SBC) get 200 with
# Allow; methods the server does not implement (MESSAGE, SUBSCRIBE) get
# 405 with Allow; a BYE for no dialog gets 481. Over UDP and TCP.
source "$(dirname "$0")/lib.sh"

start_fs main DEFAULT_CALL_HOOK="http://127.0.0.1:9/none"
for t in u1 t1; do
	run_sipp "options-$t" uac_options 15551230061 -t "$t" || fail "$t: OPTIONS/405 scenario failed"
	msgs=$(cat "$WORK/options-$t.msg")
	assert_contains "$msgs" "SIP/2.0 200 OK" "$t OPTIONS"
	assert_contains "$msgs" "^Allow: .*INVITE.*ACK.*BYE.*CANCEL.*OPTIONS" "$t Allow"
	assert_eq "$(grep -c "SIP/2.0 405 Method Not Allowed" "$WORK/options-$t.msg")" "2" "$t: 405 answers"
done

# a BYE outside any dialog
cat >"$WORK/bye481.xml" <<'X'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="bye481">
  <send retrans="500"><![CDATA[
BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "sipp" <sip:15550001111@[local_ip]:[local_port]>;tag=[pid]x
To: <sip:[service]@[remote_ip]:[remote_port]>;tag=nosuch
Call-ID: [call_id]
CSeq: 5 BYE
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="481"/>
</scenario>
X
run_sipp bye481 "$WORK/bye481.xml" 15551230061 || fail "stray BYE not answered 481"
m=$(curl -fsS "$FS_HTTP/metrics")
assert_eq "$(json_get "$m" d.calls.total)" "0" "calls created by out-of-dialog requests"
server_alive
echo OK
