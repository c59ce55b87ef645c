#!/usr/bin/env python3
"""Write a pcap of G.711 mu-law RTP carrying speech that espeak-ng says
(libespeak-ng through ctypes, the library the server itself uses), for
sipp's play_pcap_audio: the recorded speech of the recognition tests.
Silence pads it before and after, as a caller pauses.

    sttpcap.py OUT.pcap TEXT [LEAD_SECS] [TAIL_SECS]

Also writes OUT.pcap.raw, the 8 kHz L16 it encoded.
"""
import ctypes
import ctypes.util
import struct
import sys

out, text = sys.argv[1], sys.argv[2]
lead = float(sys.argv[3]) if len(sys.argv) > 3 else 0.5
tail = float(sys.argv[4]) if len(sys.argv) > 4 else 2.0

lib = ctypes.CDLL(ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1")
pcm = []
CB = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                      ctypes.c_void_p)


@CB
def synth_cb(wav, n, events):
    if wav and n > 0:
        pcm.extend(wav[:n])
    return 0


AUDIO_OUTPUT_SYNCHRONOUS = 0x02
rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, None, 0)
if rate <= 0:
    sys.exit("espeak-ng did not initialise")
lib.espeak_SetSynthCallback(synth_cb)
lib.espeak_SetVoiceByName(b"en-us")
data = text.encode() + b"\0"
# espeakCHARS_UTF8 = 1, POS_CHARACTER = 1
if lib.espeak_Synth(data, len(data), 0, 1, 0, 1, None, None) != 0:
    sys.exit("espeak-ng synthesis failed")
lib.espeak_Synchronize()

# to 8 kHz: linear interpolation after a short moving average (the
# espeak voice has little above 4 kHz)
src = pcm
ratio = rate / 8000.0
res = []
i = 0.0
while int(i) + 1 < len(src):
    k = int(i)
    f = i - k
    res.append(int(src[k] * (1 - f) + src[k + 1] * f))
    i += ratio
peak = max(1, max(abs(s) for s in res))
res = [int(s * 20000 / peak) for s in res]
res = [0] * int(lead * 8000) + res + [0] * int(tail * 8000)
res += [0] * (-len(res) % 160)
with open(out + ".raw", "wb") as f:
    f.write(struct.pack("<%dh" % len(res), *res))


def ulaw(s):
    sign = 0x80 if s < 0 else 0
    s = min(abs(s), 32635) + 0x84
    exp = 7
    while exp and not s & (0x4000 >> (7 - exp)):
        exp -= 1
    return ~(sign | exp << 4 | (s >> (exp + 3)) & 0x0F) & 0xFF


f = open(out, "wb")
f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
for i in range(len(res) // 160):
    pay = bytes(ulaw(s) for s in res[i * 160:(i + 1) * 160])
    rtp = struct.pack("!BBHII", 0x80, (0x80 if i == 0 else 0), i & 0xFFFF,
                      i * 160, 0x12345678) + pay
    udp = struct.pack("!HHHH", 6000, 6002, 8 + len(rtp), 0) + rtp
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0,
                     64, 17, 0, bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
    eth = b"\x00" * 12 + b"\x08\x00" + ip + udp
    t = i * 0.02
    f.write(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(eth), len(eth)))
    f.write(eth)
f.close()
print("%.2f s of speech" % ((len(res) / 8000.0) - lead - tail))
