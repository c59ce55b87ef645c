#!/usr/bin/env python3
"""Write a pcap of G.711 RTP for sipp's play_pcap_audio: a tone in 20 ms
packets (Ethernet/IPv4/UDP/RTP, the framing sipp replays), so a called
party can send real audio in its own codec.

    mkpcap.py OUT.pcap [SECS] [pcmu|pcma] [FREQ]
"""
import math
import struct
import sys

out = sys.argv[1]
secs = float(sys.argv[2]) if len(sys.argv) > 2 else 3
law = sys.argv[3] if len(sys.argv) > 3 else "pcmu"
freq = float(sys.argv[4]) if len(sys.argv) > 4 else 440


def ulaw(s):
    # ITU-T G.711 mu-law, from a 16-bit sample
    sign = 0x80 if s < 0 else 0
    s = min(abs(s), 32635) + 0x84
    exp = 7
    while exp and not s & (0x4000 >> (7 - exp)):
        exp -= 1
    return ~(sign | exp << 4 | (s >> (exp + 3)) & 0x0F) & 0xFF


def alaw(s):
    # ITU-T G.711 A-law, from a 16-bit sample
    sign = 0x80 if s >= 0 else 0
    s = min(abs(s), 32767) >> 3
    if s < 32:
        v = s >> 1
    else:
        exp = 1
        while s >= 64 and exp < 7:
            s >>= 1
            exp += 1
        v = exp << 4 | (s >> 1) & 0x0F
    return (sign | v) ^ 0x55


enc, pt = (alaw, 8) if law == "pcma" else (ulaw, 0)
n = int(secs * 50)
f = open(out, "wb")
f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
for i in range(n):
    pay = bytes(enc(int(8000 * math.sin(2 * math.pi * freq * (i * 160 + k) / 8000)))
                for k in range(160))
    rtp = struct.pack("!BBHII", 0x80, (0x80 if i == 0 else 0) | pt,
                      i & 0xFFFF, i * 160, 0x12345678) + pay
    udp = struct.pack("!HHHH", 6000, 6002, 8 + len(rtp), 0) + rtp
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0,
                     64, 17, 0, bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
    eth = b"\x00" * 12 + b"\x08\x00" + ip + udp
    t = i * 0.02
    f.write(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(eth), len(eth)))
    f.write(eth)
f.close()
