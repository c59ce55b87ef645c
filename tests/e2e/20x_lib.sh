# Helpers of the 20x cases (the small verbs), on top of lib.sh.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# x_reply "STATUS REASON": XML for a scenario's @ACTIONS@ answering the
# request sipp just received
x_reply() {
	cat <<X
<send><![CDATA[
SIP/2.0 $1
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:sipp@[local_ip]:[local_port]>
Content-Length: 0

]]></send>
X
}
