# Helpers for the dial and REST call cases (080-089, also 095, 098, 121,
# 122): called parties played by sipp UAS processes on their own
# loopback ports, and the checks made on their message traces.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

declare -A UAS_PID

# The answer of a called party: PCMU (and telephone-event) on [rtpport]
# (an RTP sink when -key rtpport names one, else sipp's media port)
UAS_SDP='v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [rtpport] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000'

# start_uas NAME PORT SCENARIO [sipp args...]: one call's called party
# on 127.0.0.1:PORT, in the background; messages go to $WORK/NAME.msg;
# UAS_RTP sets the media port its answer gives (an RTP sink).
# Returns once the port is bound.
start_uas() {
	local name=$1 port=$2 scen=$3 mp
	shift 3
	[ -f "$scen" ] || scen="$E2E_ROOT/tests/e2e/sipp/$scen.xml"
	mp=$(free_port 4)
	timeout 60 sipp -sf "$scen" -i 127.0.0.1 -p "$port" -mp "$mp" -cp "$(free_port)" \
		-key rtpport "${UAS_RTP:-$mp}" -m 1 -nostdin -timeout 30 -timeout_error \
		-trace_msg -message_file "$WORK/$name.msg" \
		-trace_err -error_file "$WORK/$name.err" "$@" \
		>"$WORK/$name.sipp.log" 2>&1 &
	UAS_PID[$name]=$!
	PIDS+=("$!")
	wait_for 10 port_bound "$port" udp ||
		fail "called party $name did not bind port $port"
}

# wait_uas NAME [SECS]: until that sipp ends; fails when it failed
wait_uas() {
	local name=$1 secs=${2:-15} rc=0
	wait_for "$secs" gone "${UAS_PID[$name]}" ||
		fail "called party $name still running after ${secs}s"
	wait "${UAS_PID[$name]}" || rc=$?
	[ "$rc" -eq 0 ] || fail "called party $name failed ($rc): $(cat "$WORK/$name.err" 2>/dev/null | tail -n 20)"
}

# msg_count NAME REGEX: how many lines of NAME's message trace match
msg_count() {
	grep -cE -- "$2" "$WORK/$1.msg" 2>/dev/null || true
}

# msg_first NAME REGEX: the first SIP message (sent or received) of
# NAME's trace whose first line matches, headers and body
msg_first() {
	awk -v re="$2" '
		/^-+ [0-9]/ { if (hit) exit; inmsg = 1; first = 1; next }
		/^(UDP|TCP) message / { next }
		inmsg && first && NF { first = 0; if ($0 ~ re) hit = 1 }
		hit { print }' "$WORK/$1.msg"
}

# msg_time NAME REGEX: when the first message whose first line
# matches was sent or received, in ms since the epoch
msg_time() {
	python3 - "$WORK/$1.msg" "$2" <<'PY'
import datetime, re, sys
stamp = None
want = re.compile(sys.argv[2])
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"^-+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)", line)
    if m:
        stamp, first = m.group(1), True
        continue
    if re.match(r"^(UDP|TCP) message ", line):
        continue
    if stamp and line.strip():
        if want.search(line):
            t = datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f")
            print(int(t.timestamp() * 1000))
            sys.exit(0)
        stamp = None
sys.exit(1)
PY
}

# x_play PCAP: RTP from a pcap to the peer's media address
x_play() {
	echo "<nop><action><exec play_pcap_audio=\"$1\"/></action></nop>"
}

# x_uas_bye: the called party hangs up (needs uas_ring's variables)
x_uas_bye() {
	cat <<'X'
<send retrans="500"><![CDATA[
BYE [$ruri] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: [$to];tag=[pid]SIPpTag01[call_number]
To: [$from]
[last_Call-ID:]
CSeq: 2 BYE
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Max-Forwards: 70
Content-Length: 0

]]></send>
<recv response="200" next="9"/>
X
}

# ring_scen ANSWER_MS [ACTIONS]: a uas_ring scenario
ring_scen() {
	mkscen uas_ring ANSWER="$1" SDP="$UAS_SDP" ACTIONS="${2:-}"
}

# post PATH JSON [curl args]: a REST request to the server under test;
# prints "STATUS BODY"
post() {
	local p=$1 b=$2
	shift 2
	curl -sS -o "$WORK/resp" -w '%{http_code}' -X POST \
		-H 'Content-Type: application/json' --data-binary "$b" "$@" \
		"$FS_HTTP$p"
	echo " $(cat "$WORK/resp")"
}
