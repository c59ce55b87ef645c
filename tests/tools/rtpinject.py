#!/usr/bin/env python3
"""Send RFC 4733 digits to a call's RTP port from a UDP socket of our
own: a third party injecting digits (what an attacker who guessed or
scanned the port would send), or, bound to the port the caller's SDP
names, the caller itself (sipp's pcaps leave from source port 0).

    rtpinject.py PORTFILE DIGITS [DELAY_S] [GAP_S] [BIND_PORT]

Waits (at most 20 s) for PORTFILE to hold the server's RTP port, sleeps
DELAY_S, then sends each digit as an RFC 4733 event (start, update and
three end packets with one timestamp), GAP_S apart, to 127.0.0.1:PORT;
a '-' in DIGITS waits 0.5 s; DIGITS "tone:N" sends N 20 ms packets of a
loud PCMU tone instead. BIND_PORT: the source port (default any).
Prints the port and the number of packets sent.
"""
import os
import socket
import struct
import sys
import time

portfile, digits = sys.argv[1], sys.argv[2]
delay = float(sys.argv[3]) if len(sys.argv) > 3 else 0
gap = float(sys.argv[4]) if len(sys.argv) > 4 else 0.15
bind = int(sys.argv[5]) if len(sys.argv) > 5 else 0
pt = 101

port = None
for _ in range(400):
    try:
        txt = open(portfile).read().strip()
        if txt:
            port = int(txt)
            break
    except (OSError, ValueError):
        pass
    time.sleep(0.05)
if port is None:
    print("no port", flush=True)
    sys.exit(1)

time.sleep(delay)
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", bind))
codes = {"*": 10, "#": 11}
if digits.startswith("tone:"):
    seq, n = 0, int(digits[5:])
    pay = bytes([0x00, 0x80] * 80)  # full-scale square wave in u-law
    for i in range(n):
        rtp = struct.pack("!BBHII", 0x80, 0x80 if i == 0 else 0, i, i * 160,
                          0xBADC0DE) + pay
        sock.sendto(rtp, ("127.0.0.1", port))
        time.sleep(0.02)
    print("port %d sent %d" % (port, n), flush=True)
    sys.exit(0)
seq, sent = int.from_bytes(os.urandom(2), "big"), 0
for i, d in enumerate(digits):
    if d == "-":
        time.sleep(0.5)
        continue
    ev = codes.get(d, None)
    ev = int(d) if ev is None else ev
    ts = 50000 + i * 8000
    for k, (end, dur) in enumerate([(0, 160), (0, 320), (1, 480), (1, 480),
                                    (1, 480)]):
        pay = struct.pack("!BBH", ev, (0x80 if end else 0) | 10, dur)
        rtp = struct.pack("!BBHII", 0x80, (0x80 if k == 0 else 0) | pt,
                          seq & 0xFFFF, ts, 0xBADC0DE) + pay
        sock.sendto(rtp, ("127.0.0.1", port))
        seq += 1
        sent += 1
        time.sleep(0.02)
    time.sleep(gap)
print("port %d sent %d" % (port, sent), flush=True)
