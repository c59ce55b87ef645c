#!/usr/bin/env python3
"""Table-driven hostile and torture SIP messages (after RFC 4475).

Usage: siptorture.py TABLE HOST PORT [--loops N] [--only NAME] [--wait S]

TABLE holds cases, each a header line and the raw message under it:

  === NAME | OPTIONS | EXPECT [| HEADER-SUBSTRING ...]
  INVITE sip:{user}@{host}:{port} SIP/2.0
  Via: SIP/2.0/{tp} {lhost}:{lport};branch={branch};rport
  ...

  <body>

EXPECT is the status of the first final answer (100 Trying is skipped),
or "none": nothing at all may come back. Each HEADER-SUBSTRING must
appear in that answer. OPTIONS, comma separated: udp (default) or tcp;
src=ADDR (source address, e.g. 127.0.0.2); loop=K (pick a Call-ID that
the server's hash puts on loop K of --loops); lf (bare LF line ends);
raw (send the text as is, no line-end conversion, no CRLF added);
unterminated (no blank line after the headers);
victim (bind a second socket {vport} and fail if anything reaches it).

Placeholders: {host} {port} {lhost} {lport} {tp} {branch} {callid} {tag}
{user} {vport} {clen} (length of the body after substitution), {sdp}
(a PCMU offer), {NUL} {ESC} {CRLF} (those bytes), {REP:N:TEXT} (TEXT N times).
Lines starting with '#' between cases are comments. The message ends
at the next '===' line; trailing blank lines are dropped, and the blank
line that ends the headers is added when the case has no body.

Every final answer to an INVITE is ACKed. Prints one line per case and
exits 1 if any case failed.
"""
import random
import re
import socket
import sys
import time


def joaat(data):
    h = 0
    for b in data:
        h = (h + b) & 0xffffffff
        h = (h + (h << 10)) & 0xffffffff
        h ^= h >> 6
    h = (h + (h << 3)) & 0xffffffff
    h ^= h >> 11
    h = (h + (h << 15)) & 0xffffffff
    return h


SDP = ("v=0\r\no=t 1 1 IN IP4 {lhost}\r\ns=-\r\nc=IN IP4 {lhost}\r\n"
       "t=0 0\r\nm=audio {mport} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
       "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n")


def parse_table(path):
    cases, cur = [], None
    for line in open(path, encoding="utf-8").read().split("\n"):
        if line.startswith("==="):
            parts = [p.strip() for p in line[3:].split("|")]
            cur = {"name": parts[0], "opts": parts[1], "expect": parts[2],
                   "hdrs": parts[3:], "lines": []}
            cases.append(cur)
        elif cur is not None:
            cur["lines"].append(line)
        elif line.strip() and not line.startswith("#"):
            raise SystemExit(f"{path}: text before the first case: {line}")
    for c in cases:
        while c["lines"] and (not c["lines"][-1].strip() or
                              c["lines"][-1].startswith("#")):
            c["lines"].pop()
    return cases


def options(s):
    o = {"tp": "udp"}
    for item in [x.strip() for x in s.split(",") if x.strip()]:
        k, _, v = item.partition("=")
        if k in ("udp", "tcp"):
            o["tp"] = k
        else:
            o[k] = v if v else True
    return o


def expand(text, var):
    text = re.sub(r"\{REP:(\d+):([^}]*)\}",
                  lambda m: m.group(2) * int(m.group(1)), text)
    text = text.replace("{NUL}", "\x00").replace("{ESC}", "\x1b")
    text = text.replace("{CRLF}", "\r\n")
    for k, v in var.items():
        text = text.replace("{" + k + "}", str(v))
    return text


def build(case, var, o):
    lines = case["lines"]
    if o.get("raw"):
        return expand("\n".join(lines), var).encode("latin-1")
    if not lines:
        return b""
    try:
        blank = lines.index("")
        head, body = lines[:blank], lines[blank + 1:]
    except ValueError:
        head, body = lines, (None if o.get("unterminated") else [])
    eol = "\n" if o.get("lf") else "\r\n"
    btxt = ""
    if body is not None:
        btxt = expand(eol.join(body), var)
        if btxt and not btxt.endswith(eol) and "{sdp}" not in "".join(body):
            btxt += eol
    var = dict(var, clen=len(btxt.encode("latin-1")))
    htxt = expand(eol.join(head), var)
    if body is None:
        return (htxt + eol).encode("latin-1")   # no blank line: unterminated
    return (htxt + eol + eol + btxt).encode("latin-1")


def status_of(msg):
    first = msg.split(b"\r\n", 1)[0].decode("latin-1")
    m = re.match(r"SIP/2\.0 (\d{3})", first)
    return int(m.group(1)) if m else None


def hdr(msg, name):
    for line in msg.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        k, _, v = line.decode("latin-1").partition(":")
        if k.strip().lower() == name.lower():
            return v.strip()
    return ""


def ack_for(resp, req_line_uri, var):
    to = hdr(resp, "To") or hdr(resp, "t")
    via = hdr(resp, "Via") or hdr(resp, "v")
    return (f"ACK {req_line_uri} SIP/2.0\r\nVia: {via}\r\n"
            f"From: {hdr(resp, 'From') or hdr(resp, 'f')}\r\nTo: {to}\r\n"
            f"Call-ID: {hdr(resp, 'Call-ID') or hdr(resp, 'i')}\r\n"
            f"CSeq: {(hdr(resp, 'CSeq').split() or ['1'])[0]} ACK\r\n"
            f"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n").encode()


def tcp_split(buf):
    """Complete messages at the front of a TCP stream, and the rest"""
    out = []
    while True:
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            return out, buf
        m = re.search(rb"\r\n(?:Content-Length|l)\s*:\s*(\d+)",
                      buf[:end + 2], re.I)
        n = int(m.group(1)) if m else 0
        if len(buf) < end + 4 + n:
            return out, buf
        out.append(buf[:end + 4 + n])
        buf = buf[end + 4 + n:]


def run_case(case, host, port, nloops, wait):
    o = options(case["opts"])
    src = o.get("src", "127.0.0.1")
    tp = o["tp"]
    victim = None
    if o.get("victim"):
        victim = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        victim.bind(("127.0.0.1", 0))
        victim.setblocking(False)
    if tp == "udp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((src, 0))
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((src, 0))
        s.settimeout(2)
        s.connect((host, port))
    lport = s.getsockname()[1]
    tag = "%08x" % random.getrandbits(32)
    callid = "%016x@torture" % random.getrandbits(64)
    if "loop" in o:
        want = int(o["loop"])
        while joaat(callid.encode()) % nloops != want % nloops:
            callid = "%016x@torture" % random.getrandbits(64)
    var = {"host": host, "port": port, "lhost": src, "lport": lport,
           "tp": tp.upper(), "branch": "z9hG4bK" + tag + "t", "tag": tag,
           "callid": callid,
           "user": "15557000" + str(random.randrange(100, 999)),
           "vport": victim.getsockname()[1] if victim else 0,
           "mport": 9}
    var["sdp"] = SDP.format(**var)
    data = build(case, var, o)
    first_line = data.split(b"\r\n", 1)[0].split(b" ")
    ruri = first_line[1].decode("latin-1") if len(first_line) > 1 else ""
    is_invite = data.startswith(b"INVITE ")

    if tp == "udp":
        s.sendto(data, (host, port))
    else:
        s.sendall(data)
    got, final, buf = [], None, b""
    deadline = time.time() + wait
    while time.time() < deadline and final is None:
        s.settimeout(max(0.01, deadline - time.time()))
        try:
            if tp == "udp":
                msgs = [s.recv(65535)]
            else:
                chunk = s.recv(65535)
                if not chunk:
                    break
                msgs, buf = tcp_split(buf + chunk)
        except (socket.timeout, BlockingIOError):
            break
        except OSError:
            break
        for m in msgs:
            code = status_of(m)
            got.append(code)
            if code is not None and code >= 200:
                final = m
                break
    if final is not None and is_invite:
        ack = ack_for(final, ruri, var)
        if tp == "udp":
            s.sendto(ack, (host, port))
        else:
            s.sendall(ack)
    if final is None and case["expect"] == "none" and victim:
        time.sleep(0.2)

    why = ""
    exp = case["expect"]
    if exp == "none":
        ok = not got
        res = "none" if not got else ",".join(str(g) for g in got)
    else:
        res = str(status_of(final)) if final else (
            "none" if not got else ",".join(str(g) for g in got))
        ok = final is not None and res == exp
        for h in case["hdrs"]:
            if final is None or h.encode() not in final:
                ok = False
                why += f" (no '{h}' in the answer)"
    if victim:
        try:
            leak = victim.recv(65535)
            ok = False
            why += f" (victim socket received {len(leak)} bytes)"
        except (BlockingIOError, socket.timeout):
            pass
        victim.close()
    s.close()
    return ok, res, why


def main():
    args = sys.argv[1:]
    nloops, only, wait = 1, None, 1.5
    pos = []
    while args:
        a = args.pop(0)
        if a == "--loops":
            nloops = int(args.pop(0))
        elif a == "--only":
            only = args.pop(0)
        elif a == "--wait":
            wait = float(args.pop(0))
        else:
            pos.append(a)
    if len(pos) != 3:
        raise SystemExit(__doc__)
    table, host, port = pos[0], pos[1], int(pos[2])
    failed = 0
    n = 0
    for case in parse_table(table):
        if only and not re.search(only, case["name"]):
            continue
        n += 1
        ok, res, why = run_case(case, host, port, nloops, wait)
        print(f"{'PASS' if ok else 'FAIL'} {case['name']}: expected "
              f"{case['expect']}, got {res}{why}", flush=True)
        failed += not ok
    print(f"{n - failed} of {n} cases as expected")
    sys.exit(1 if failed or not n else 0)


if __name__ == "__main__":
    main()
