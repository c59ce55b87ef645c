#!/usr/bin/env node
// Counts RTP arriving on a UDP port and writes what it saw to a JSON file
// every 100 ms: packets, payload types, SSRCs, sequence/timestamp faults,
// marker bits, and how many G.711 payloads were not silence. `log` is
// the timeline, one [arrival ms, loud 0/1, payload type] per packet
// (the first 30000), so tests can tell when audio stopped or resumed.
// RFC 4733 telephone-events (a 4-byte payload of another payload type
// than PCMU/PCMA) are decoded into `events`, one per SSRC and timestamp:
// its digit, payload type, volume, the marker bits, every packet's
// duration and E bit in order, and its first arrival; `dtmf` counts the
// events that ended and `digits` strings their digits.
//
// With RTPSINK_TONES=F1,F2,... (Hz) each G.711 packet is decoded and
// measured with a Goertzel filter per frequency: `tones[F]` counts the
// packets where F holds more than a fifth of the packet's energy (a
// pure tone is 1, one of two equal tones 0.5), `tonelog` is
// [arrival ms, [F present...]] per packet (the first 30000).
//
//   node rtpsink.js PORT OUT.json
'use strict';
const dgram = require('dgram');
const fs = require('fs');

const port = Number(process.argv[2]);
const out = process.argv[3];
const st = {packets: 0, pts: {}, ssrcs: [], markers: 0, seq_faults: 0,
  ts_faults: 0, nonsilent: 0, bytes: 0, first_at: 0, last_at: 0, dtmf: 0, log: [],
  events: [], digits: ''};
const DIGITS = '0123456789*#ABCD';

function telev(pt, marker, seq, ts, ssrc, p) {
  let ev = st.events.find((e) => e.ssrc === ssrc && e.ts === ts);
  if (!ev) {
    ev = {ssrc, ts, pt, event: p[0], digit: DIGITS[p[0]] || '', volume: p[1] & 0x3f,
      markers: 0, packets: 0, durations: [], ends: [], seqs: [], at: Date.now()};
    st.events.push(ev);
  }
  if (marker) ev.markers++;
  ev.packets++;
  ev.durations.push(p.readUInt16BE(2));
  ev.ends.push(p[1] >> 7);
  ev.seqs.push(seq);
  if ((p[1] >> 7) && ev.ends.filter((e) => e).length === 1) {
    st.dtmf++;
    st.digits += ev.digit;
  }
}
let last = null;

const FREQS = (process.env.RTPSINK_TONES || '').split(',').filter((f) => f).map(Number);
if (FREQS.length) {
  st.tones = {};
  st.tonelog = [];
  for (const f of FREQS) st.tones[f] = 0;
}

function ulaw2lin(u) {
  u = ~u & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return (u & 0x80) ? 0x84 - t : t - 0x84;
}

function alaw2lin(a) {
  a ^= 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else if (seg === 1) t += 0x108;
  else t = (t + 0x108) << (seg - 1);
  return (a & 0x80) ? t : -t;
}

// power of f relative to the packet's energy: 1 for a pure tone
function goertzel(x, f) {
  const w = 2 * Math.PI * f / 8000, c = 2 * Math.cos(w);
  let s1 = 0, s2 = 0, e = 0;
  for (const v of x) {
    const s0 = v + c * s1 - s2;
    s2 = s1;
    s1 = s0;
    e += v * v;
  }
  if (e < x.length * 100 * 100) return 0; /* silence */
  return (s1 * s1 + s2 * s2 - c * s1 * s2) / (x.length / 2 * e);
}

function measure(pt, p) {
  const x = Array.from(p, pt === 8 ? alaw2lin : ulaw2lin);
  const present = FREQS.filter((f) => goertzel(x, f) > 0.2);
  for (const f of present) st.tones[f]++;
  if (st.tonelog.length < 30000) st.tonelog.push([Date.now(), present]);
}

// 0xff/0x7f (PCMU) and 0xd5/0x55 (PCMA) are the encodings of zero
function silent(pt, p) {
  let loud = 0;
  for (const b of p) {
    if (pt === 0 && b !== 0xff && b !== 0x7f && b !== 0xfe && b !== 0x7e) loud++;
    if (pt === 8 && b !== 0xd5 && b !== 0x55 && b !== 0xd4 && b !== 0x54) loud++;
  }
  return loud < p.length / 4;
}

const sock = dgram.createSocket('udp4');
sock.on('message', (m) => {
  if (m.length < 12 || (m[0] >> 6) !== 2) return;
  const pt = m[1] & 0x7f, marker = m[1] >> 7;
  const seq = m.readUInt16BE(2), ts = m.readUInt32BE(4), ssrc = m.readUInt32BE(8);
  const payload = m.subarray(12);
  st.packets++;
  st.bytes += payload.length;
  st.pts[pt] = (st.pts[pt] || 0) + 1;
  if (!st.ssrcs.includes(ssrc)) st.ssrcs.push(ssrc);
  if (marker) st.markers++;
  if (!st.first_at) st.first_at = Date.now();
  st.last_at = Date.now();
  const loud = (pt === 0 || pt === 8) && !silent(pt, payload);
  if (loud) st.nonsilent++;
  if (st.log.length < 30000) st.log.push([st.last_at, loud ? 1 : 0, pt]);
  if (FREQS.length && (pt === 0 || pt === 8)) measure(pt, payload);
  if (pt !== 0 && pt !== 8 && payload.length === 4 && st.events.length < 1000)
    telev(pt, marker, seq, ts, ssrc, payload);
  if (last && last.ssrc === ssrc) {
    if (((last.seq + 1) & 0xffff) !== seq) st.seq_faults++;
    if (pt === last.pt && (pt === 0 || pt === 8) && ((last.ts + 160) >>> 0) !== ts) st.ts_faults++;
  }
  last = {seq, ts, ssrc, pt};
});
sock.bind(port, '127.0.0.1');
// replaced in one rename so a reader never sees a half-written file
setInterval(() => {
  fs.writeFileSync(out + '.tmp', JSON.stringify(st));
  fs.renameSync(out + '.tmp', out);
}, 100);
