# Helpers of the 26x cases (enqueue, dequeue), on top of lib.sh.
# lib.sh once: a second time would make a second work folder
declare -F wait_idle >/dev/null || source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# q_scen_wait PCAP: a caller scenario (the path printed) that is
# answered, sends PCAP's audio and waits (up to 40 s) for the server's
# BYE, which it answers
q_scen_wait() {
	local out
	out=$(mktemp -p "$WORK" --suffix=.xml qscen-XXXXXX)
	cat >"$out" <<X
<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="queue caller">
  <send retrans="500">
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "sipp" <sip:15550001111@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

$E2E_SDP
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: "sipp" <sip:15550001111@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <nop><action><exec play_pcap_audio="$1"/></action></nop>
  <recv request="BYE" timeout="40000"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
</scenario>
X
	echo "$out"
}

# q_scen_bye PCAP MS: a caller that sends PCAP's audio and hangs up
# after MS
q_scen_bye() {
	mkscen uac_bye CSEQ=2 ACTIONS="<nop><action><exec play_pcap_audio=\"$1\"/></action></nop>$(x_pause "$2")"
}

# q_hooks JS: the webhook log's requests to PATH filtered by JS over r
q_hooks() {
	json_get "$(hooks_log)" "$1"
}

# q_noleak: no queue, room, call or listener left
q_noleak() {
	wait_idle
	server_alive
}
