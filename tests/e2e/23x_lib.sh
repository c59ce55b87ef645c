# Helpers of the 23x cases (dial's options, updateCall of a bridge), on
# top of lib_dial.sh: requests a called party (uas_ring, once answered)
# sends in its dialog, and updateCall.
source "$(dirname "${BASH_SOURCE[0]}")/lib_dial.sh"

# x_uas_req METHOD CSEQ CTYPE BODY: a request of the called party in its
# dialog (uas_ring's variables), answered 200
x_uas_req() {
	cat <<X
<send retrans="500"><![CDATA[
$1 [\$ruri] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: [\$to];tag=[pid]SIPpTag01[call_number]
To: [\$from]
Call-ID: [call_id]
CSeq: $2 $1
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Max-Forwards: 70
Content-Type: $3
Content-Length: [len]

$4
]]></send>
<recv response="100" optional="true"/>
<recv response="200"/>
X
}

# x_ok200: 200 OK to the request sipp just received
x_ok200() {
	cat <<'X'
<send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
X
}

# x_uas_info DIGIT CSEQ: a SIP INFO digit (application/dtmf-relay)
x_uas_info() {
	x_uas_req INFO "$2" application/dtmf-relay "Signal=$1
Duration=160"
}

# x_uas_reinvite DIR CSEQ: a re-INVITE with a=DIR, answered and ACKed
x_uas_reinvite() {
	x_uas_req INVITE "$2" application/sdp "v=0
o=user1 53655765 235368764$2 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [rtpport] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=$1"
	cat <<X
<send><![CDATA[
ACK [\$ruri] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: [\$to];tag=[pid]SIPpTag01[call_number]
To: [\$from]
Call-ID: [call_id]
CSeq: $2 ACK
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Max-Forwards: 70
Content-Length: 0

]]></send>
X
}

# x_uas_refer CSEQ STATUS: the called party's REFER (Refer-To a phone
# number, Referred-By, User-Agent, an X- header), expecting STATUS
x_uas_refer() {
	cat <<X
<send retrans="500"><![CDATA[
REFER [\$ruri] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: [\$to];tag=[pid]SIPpTag01[call_number]
To: [\$from]
Call-ID: [call_id]
CSeq: $1 REFER
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Max-Forwards: 70
Refer-To: <sip:+15557778888@example.com>
Referred-By: <sip:bob@127.0.0.1>
User-Agent: sipp-bob
X-Transfer-Reason: busy line
Content-Length: 0

]]></send>
<recv response="$2"/>
X
}

# upd SID JSON: a REST updateCall; prints "STATUS MSG"
upd() {
	curl -sS -o "$WORK/resp" -w '%{http_code}' -X POST \
		-H 'Content-Type: application/json' --data-binary "$2" \
		"$FS_HTTP/v1/updateCall/$1"
	echo " $(json_get "$(cat "$WORK/resp")" 'd.msg' 2>/dev/null)"
}
