#!/usr/bin/env node
// A hostile webhook and media server for end-to-end tests: it answers
// the way a broken or malicious application server might, and records
// what it saw and how much of each answer it managed to send.
//
//   node hostilesrv.js SCRIPT.json        prints "PORT <n>" when ready
//
// SCRIPT maps a path to a reply, or {"seq":[...]} of replies used in
// turn (the last one repeats). "@BASE@" in JSON becomes the server's own
// base URL. Replies:
//   [verbs...]                      200 application/json
//   {"status":500}                  that status, empty body
//   {"delay":ms, "body":[...]}      answer after a delay
//   {"drip":{"text":"[...]", "ms":1000}}
//                                   200 JSON, one byte every ms
//   {"flood":{"bytes":N, "ctype":"...", "wav":true}}
//                                   N bytes as fast as the peer reads:
//                                   a JSON array of pauses, or (wav) a
//                                   WAV header then silence
//   {"stream":{"rate":16000}}       a WAV (8 kHz, 16 bit) that never
//                                   ends, rate bytes a second
//   {"deep":N}                      an array nested N deep
//   {"many":{"n":N, "verb":{...}}}  an array of N copies of a verb
//   {"location":"/path"}            302 to that path
//   {"raw":"text", "ctype":"..."}   exactly these bytes
//   {"wav":{"secs":1,"freq":440,"rate":8000}}  a WAV tone
//
//   GET /_stats {inflight, maxInflight}: answers being written now,
//               and the most at once
//   GET /_log   every request: {method, path, auth, body, at, sent,
//               done, closed}: bytes of the answer written, whether it
//               was all written, whether the peer closed first
'use strict';
const http = require('http');
const fs = require('fs');

const script = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const log = [];
const counts = {};
let base = '';
let inflight = 0, maxInflight = 0;

function pick(p) {
  let r = script[p];
  if (r === undefined) return [];
  if (r && !Array.isArray(r) && Array.isArray(r.seq)) {
    const i = counts[p] = (counts[p] || 0);
    counts[p]++;
    r = r.seq[Math.min(i, r.seq.length - 1)];
  }
  return r;
}

function wavHeader(dataBytes, rate) {
  const b = Buffer.alloc(44);
  b.write('RIFF', 0); b.writeUInt32LE(Math.min(36 + dataBytes, 0xffffffff), 4);
  b.write('WAVE', 8); b.write('fmt ', 12); b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22); b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28); b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34);
  b.write('data', 36); b.writeUInt32LE(Math.min(dataBytes, 0xffffffff), 40);
  return b;
}

function wav(o) {
  const rate = o.rate || 8000, n = Math.round((o.secs || 1) * rate);
  const b = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++)
    b.writeInt16LE(Math.round(8000 * Math.sin(2 * Math.PI * (o.freq || 440) * i / rate)), i * 2);
  return Buffer.concat([wavHeader(n * 2, rate), b]);
}

function json(res, s, rec) {
  s = s.split('@BASE@').join(base);
  res.writeHead(200, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(s)});
  rec.sent = Buffer.byteLength(s);
  res.end(s, () => { rec.done = true; });
}

// Write chunks produced by next() until it returns null or the peer
// goes away; backpressure keeps a fast flood from filling our memory
function pump(res, rec, next, gapMs) {
  const step = () => {
    if (rec.closed) return;
    const c = next();
    if (c === null) return res.end(() => { rec.done = true; });
    rec.sent += c.length;
    const ok = res.write(c);
    if (gapMs) setTimeout(step, gapMs);
    else if (ok) setImmediate(step);
    else res.once('drain', step);
  };
  step();
}

function reply(req, res, r, rec) {
  res.on('close', () => { if (!rec.done) rec.closed = true; });
  if (Array.isArray(r)) return json(res, JSON.stringify(r), rec);
  if (r.drip) {
    const text = r.drip.text.split('@BASE@').join(base);
    let i = 0;
    res.writeHead(200, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text)});
    return pump(res, rec, () => (i < text.length ? Buffer.from(text[i++]) : null), r.drip.ms || 1000);
  }
  if (r.flood) {
    const f = r.flood, chunk = 65536;
    let left = f.bytes, first = true;
    const pause = Buffer.from('{"verb":"pause","length":1},'.repeat(chunk / 32));
    res.writeHead(200, {'Content-Type': f.ctype || (f.wav ? 'audio/wav' : 'application/json')});
    return pump(res, rec, () => {
      if (left <= 0) return null;
      let c;
      if (first && f.wav) c = wavHeader(f.bytes, 8000);
      else if (first) c = Buffer.from('[');
      else c = f.wav ? Buffer.alloc(Math.min(chunk, left)) : pause.subarray(0, Math.min(pause.length, left));
      first = false;
      left -= c.length;
      return c;
    });
  }
  if (r.stream) {
    const rate = r.stream.rate || 16000, tick = 100;
    let first = true;
    res.writeHead(200, {'Content-Type': 'audio/wav'});
    return pump(res, rec, () => {
      if (first) { first = false; return wavHeader(0xffffffff - 36, 8000); }
      return Buffer.alloc(Math.max(2, Math.round(rate * tick / 1000) & ~1));
    }, tick);
  }
  if (r.deep) return json(res, '['.repeat(r.deep) + ']'.repeat(r.deep), rec);
  if (r.many) {
    const one = JSON.stringify(r.many.verb);
    return json(res, '[' + new Array(r.many.n).fill(one).join(',') + ']', rec);
  }
  if (r.location) {
    res.writeHead(302, {'Location': r.location, 'Content-Length': 0});
    return res.end(() => { rec.done = true; });
  }
  if (r.wav) {
    const b = wav(r.wav);
    res.writeHead(200, {'Content-Type': 'audio/wav', 'Content-Length': b.length});
    rec.sent = b.length;
    return res.end(b, () => { rec.done = true; });
  }
  if (r.raw !== undefined) {
    res.writeHead(r.status || 200, {'Content-Type': r.ctype || 'application/json'});
    rec.sent = Buffer.byteLength(r.raw);
    return res.end(r.raw, () => { rec.done = true; });
  }
  if (r.body !== undefined) return json(res, JSON.stringify(r.body), rec);
  res.writeHead(r.status || 200, {'Content-Length': 0});
  res.end(() => { rec.done = true; });
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/_stats') {
      res.writeHead(200, {'Content-Type': 'application/json'});
      return res.end(JSON.stringify({inflight, maxInflight}));
    }
    if (url.pathname === '/_log') {
      const s = JSON.stringify(log);
      res.writeHead(200, {'Content-Type': 'application/json'});
      return res.end(s);
    }
    const raw = Buffer.concat(chunks).toString('utf8');
    let body = null;
    try { body = raw ? JSON.parse(raw) : null; } catch (e) { body = null; }
    const rec = {
      method: req.method, path: url.pathname, auth: req.headers.authorization || null,
      body, at: Date.now(), sent: 0, done: false, closed: false,
    };
    log.push(rec);
    inflight++;
    maxInflight = Math.max(maxInflight, inflight);
    res.on('close', () => { inflight--; });
    const r = pick(url.pathname);
    if (r && !Array.isArray(r) && r.delay) setTimeout(() => reply(req, res, r, rec), r.delay);
    else reply(req, res, r, rec);
  });
});
server.keepAliveTimeout = 30000;
server.listen(0, '127.0.0.1', () => {
  base = 'http://127.0.0.1:' + server.address().port;
  console.log('PORT ' + server.address().port);
});
