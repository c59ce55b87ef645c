#!/usr/bin/env python3
"""One caller that measures how long after the answer speech is heard.

    firstaudio.py SERVER_IP:PORT SERVICE CALLS [TIMEOUT_S]

Places CALLS calls one after the other over UDP from its own SIP and RTP
sockets on 127.0.0.1, offering PCMU. For each: INVITE (retransmitted
from 500 ms, doubling), ACK of the 2xx, then the time from the 2xx to
the first RTP packet whose G.711 payload is not silence (the server
sends silence until something plays); the server's BYE is answered, or
ours sent after TIMEOUT_S (default 10). Prints one JSON line per call:
{"call": i, "answered": bool, "first_audio_ms": float or null}.
"""
import json
import random
import select
import socket
import sys
import time

target, service, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
limit = float(sys.argv[4]) if len(sys.argv) > 4 else 10.0
host, port = target.rsplit(":", 1)
dst = (host, int(port))


def ulaw_level(b):
    """Mean magnitude of a mu-law payload, 0 for digital silence."""
    tot = 0
    for x in b:
        x = ~x & 0xFF
        exp = (x >> 4) & 7
        mag = ((((x & 0x0F) << 3) + 0x84) << exp) - 0x84
        tot += mag
    return tot / max(1, len(b))


def one(i):
    sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sip.bind(("127.0.0.1", 0))
    rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rtp.bind(("127.0.0.1", 0))
    rtp.setblocking(False)
    lp, mp = sip.getsockname()[1], rtp.getsockname()[1]
    cid = "%x@bench" % random.getrandbits(64)
    tag = "%x" % random.getrandbits(32)
    sdp = ("v=0\r\no=b 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
           "t=0 0\r\nm=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n" % mp)
    frm = "<sip:15550001111@127.0.0.1:%d>;tag=%s" % (lp, tag)
    to = "<sip:%s@%s:%s>" % (service, host, port)
    ruri = "sip:%s@%s:%s" % (service, host, port)

    def req(method, cseq, branch, extra="", body=""):
        return ("%s %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=%s\r\n"
                "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d %s\r\n"
                "Contact: <sip:b@127.0.0.1:%d>\r\nMax-Forwards: 70\r\n%s"
                "Content-Length: %d\r\n\r\n%s" % (
                    method, ruri, lp, branch, frm, to, cid, cseq, method, lp,
                    extra, len(body), body)).encode()

    invite = req("INVITE", 1, "z9hG4bK" + tag + "i",
                 "Content-Type: application/sdp\r\n", sdp)
    sip.sendto(invite, dst)
    t_inv, rt, answered, to_hdr, t_ans = time.time(), 0.5, False, None, None
    first = None
    bye_sent = False
    while time.time() - t_inv < limit + 5:
        ready, _, _ = select.select([sip, rtp], [], [], 0.05)
        now = time.time()
        data = sip.recv(65535).decode(errors="replace") if sip in ready else None
        if data:
            line = data.split("\r\n", 1)[0]
            hdrs = {}
            for h in data.split("\r\n\r\n", 1)[0].split("\r\n")[1:]:
                if ":" in h:
                    k, v = h.split(":", 1)
                    hdrs.setdefault(k.strip().lower(), v.strip())
            if line.startswith("SIP/2.0 2") and "INVITE" in hdrs.get("cseq", ""):
                if not answered:
                    answered, t_ans, to_hdr = True, now, hdrs.get("to")
                ack = req("ACK", 1, "z9hG4bK" + tag + "a").replace(
                    ("To: " + to).encode(), ("To: " + to_hdr).encode())
                sip.sendto(ack, dst)
            elif line.startswith("SIP/2.0 ") and int(line.split()[1]) >= 300:
                break
            elif line.startswith("BYE "):
                resp = "SIP/2.0 200 OK\r\n" + "\r\n".join(
                    h for h in data.split("\r\n\r\n", 1)[0].split("\r\n")[1:]
                    if h.lower().split(":", 1)[0] in ("via", "from", "to", "call-id", "cseq")
                ) + "\r\nContent-Length: 0\r\n\r\n"
                sip.sendto(resp.encode(), dst)
                break
            elif bye_sent and line.startswith("SIP/2.0 ") and "BYE" in hdrs.get("cseq", ""):
                break
        elif not answered and now - t_inv > rt:
            sip.sendto(invite, dst)
            rt *= 2
        while answered and first is None:
            try:
                pkt = rtp.recv(2048)
            except BlockingIOError:
                break
            if len(pkt) > 12 and ulaw_level(pkt[12:]) > 60:
                first = (time.time() - t_ans) * 1000
        if answered and not bye_sent and (first is not None or now - t_ans > limit):
            bye = req("BYE", 2, "z9hG4bK" + tag + "b").replace(
                ("To: " + to).encode(), ("To: " + to_hdr).encode())
            sip.sendto(bye, dst)
            bye_sent = True
    sip.close()
    rtp.close()
    print(json.dumps({"call": i, "answered": answered,
                      "first_audio_ms": None if first is None else round(first, 1)}),
          flush=True)


for n in range(calls):
    one(n)
