#!/usr/bin/env python3
"""A jambonz SBC on one UDP address, as the feature server sees it:
sbc-inbound's INVITEs leave from it, sbc-outbound takes the server's
INVITEs on it, sbc-sip-sidecar answers the server's OPTIONS there.

  sbcsim.py PORT LOG [CALLS]

Every request received is one JSON line in LOG (method, Request-URI, the
headers by lower-case name, the source address). An INVITE is answered
with 180 (an X-CID of its own) and 200 with SDP, resent until the ACK;
OPTIONS, BYE, INFO and in-dialog INVITEs get 200, a CANCEL 200 and 487.
Each line appended to the file CALLS, {"dest": "host:port", "ruri":
..., "headers": ["Name: value", ...], "from": calling number (optional,
15550001111)}, places a call from PORT, as sbc-inbound does, and ACKs
its answer. It runs until killed.
"""
import json
import random
import select
import socket
import sys
import time


def parse(data):
    head, _, body = data.partition("\r\n\r\n")
    lines = head.split("\r\n")
    hdrs = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            hdrs.setdefault(name.strip().lower(), value.strip())
    return lines[0], hdrs, body


def main():
    port, logpath = int(sys.argv[1]), sys.argv[2]
    callpath = sys.argv[3] if len(sys.argv) > 3 else None
    ncall_lines = 0
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    media = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    media.bind(("127.0.0.1", 0))
    mport = media.getsockname()[1]
    log = open(logpath, "a")
    me = f"127.0.0.1:{port}"
    sdp = ("v=0\r\no=sbc 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
           "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
           f"m=audio {mport} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
           "a=rtpmap:101 telephone-event/8000\r\n")
    # (call-id, cseq) -> [last response, dest, resend deadline or None]
    sent = {}
    ncalls = 0

    def respond(hdrs, src, code, reason, more="", body="", key=None):
        to = hdrs.get("to", "")
        if code > 100 and ";tag=" not in to:
            to += f";tag=sbc{abs(hash(hdrs.get('call-id'))) % 100000}"
        msg = (f"SIP/2.0 {code} {reason}\r\nVia: {hdrs.get('via', '')}\r\n"
               f"From: {hdrs.get('from', '')}\r\nTo: {to}\r\n"
               f"Call-ID: {hdrs.get('call-id', '')}\r\n"
               f"CSeq: {hdrs.get('cseq', '')}\r\n{more}"
               f"Content-Length: {len(body)}\r\n\r\n{body}")
        s.sendto(msg.encode(), src)
        if key:
            resend = code == 200 and "INVITE" in hdrs.get("cseq", "")
            sent[key] = [msg, src, time.time() + 0.5 if resend else None]

    calls = {}  # our calls by Call-ID

    def place(c):
        host, cport = c["dest"].rsplit(":", 1)
        tag = random.randrange(1 << 30)
        cid = f"{tag}@sbcsim"
        ruri = c["ruri"]
        user = c.get("from", "15550001111")
        hdr_lines = "".join(h + "\r\n" for h in c.get("headers", []))
        invite = (f"INVITE {ruri} SIP/2.0\r\n"
                  f"Via: SIP/2.0/UDP {me};branch=z9hG4bK{tag}\r\n"
                  f"From: <sip:{user}@{me}>;tag={tag}\r\n"
                  f"To: <{ruri}>\r\nCall-ID: {cid}\r\nCSeq: 1 INVITE\r\n"
                  f"Contact: <sip:sbc@{me}>\r\nMax-Forwards: 70\r\n"
                  f"{hdr_lines}Content-Type: application/sdp\r\n"
                  f"Content-Length: {len(sdp)}\r\n\r\n{sdp}")
        dest = (host, int(cport))
        s.sendto(invite.encode(), dest)
        calls[cid] = {"tag": tag, "dest": dest, "ruri": ruri, "from": user,
                      "invite": invite, "next": time.time() + 0.5}

    while True:
        now = time.time()
        if callpath:
            try:
                lines = open(callpath).read().split("\n")
            except OSError:
                lines = []
            for line in lines[ncall_lines:]:
                if line.strip():
                    place(json.loads(line))
                    ncall_lines += 1
        for key, v in list(sent.items()):
            if v[2] and now >= v[2]:
                s.sendto(v[0].encode(), v[1])
                v[2] = now + 0.5
        for c in calls.values():
            if c["next"] and now >= c["next"]:
                s.sendto(c["invite"].encode(), c["dest"])
                c["next"] = now + 0.5
        r, _, _ = select.select([s, media], [], [], 0.1)
        if media in r:
            media.recv(4096)
        if s not in r:
            continue
        data, src = s.recvfrom(65535)
        first, hdrs, body = parse(data.decode(errors="replace"))
        if first.startswith("SIP/2.0 "):
            code = int(first.split(" ", 2)[1])
            c = calls.get(hdrs.get("call-id"))
            if c:
                c["next"] = None
                if code >= 200:
                    log.write(json.dumps({"response": code, "cseq":
                                          hdrs.get("cseq", "")}) + "\n")
                    log.flush()
                if code >= 200 and "INVITE" in hdrs.get("cseq", ""):
                    contact = hdrs.get("contact", "").strip("<>")
                    contact = contact.split(">")[0] if contact else c["ruri"]
                    ack = (f"ACK {contact if code < 300 else c['ruri']} "
                           f"SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch="
                           f"z9hG4bK{random.randrange(1 << 30)}\r\n"
                           f"From: <sip:{c['from']}@{me}>;tag="
                           f"{c['tag']}\r\nTo: {hdrs.get('to')}\r\n"
                           f"Call-ID: {hdrs.get('call-id')}\r\n"
                           f"CSeq: 1 ACK\r\nMax-Forwards: 70\r\n"
                           "Content-Length: 0\r\n\r\n")
                    s.sendto(ack.encode(), src)
            continue
        method, ruri = first.split(" ")[0], first.split(" ")[1]
        key = (hdrs.get("call-id"), hdrs.get("cseq"))
        if method != "ACK" and key in sent:
            s.sendto(sent[key][0].encode(), sent[key][1])
            continue
        log.write(json.dumps({"method": method, "ruri": ruri,
                              "headers": hdrs,
                              "src": f"{src[0]}:{src[1]}"}) + "\n")
        log.flush()
        if method == "ACK":
            for k, v in sent.items():
                if k[0] == hdrs.get("call-id"):
                    v[2] = None
        elif method == "INVITE" and ";tag=" not in hdrs.get("to", ""):
            ncalls += 1
            respond(hdrs, src, 100, "Trying")
            respond(hdrs, src, 180, "Ringing",
                    f"Contact: <sip:{me}>\r\nX-CID: sbc-out-{ncalls}\r\n")
            respond(hdrs, src, 200, "OK",
                    f"Contact: <sip:{me}>\r\nX-CID: sbc-out-{ncalls}\r\n"
                    "Content-Type: application/sdp\r\n", sdp, key)
        elif method == "INVITE":
            respond(hdrs, src, 200, "OK", f"Contact: <sip:{me}>\r\n"
                    "Content-Type: application/sdp\r\n", sdp, key)
        elif method == "CANCEL":
            respond(hdrs, src, 200, "OK", key=key)
            inv = (hdrs.get("call-id"),
                   hdrs.get("cseq", "").replace("CANCEL", "INVITE"))
            if inv in sent:
                sent[inv][2] = None
            respond(dict(hdrs, cseq=inv[1]), src, 487,
                    "Request Terminated")
        else:
            respond(hdrs, src, 200, "OK", key=key)


main()
