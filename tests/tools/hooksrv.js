#!/usr/bin/env node
// A real webhook server for end-to-end tests. It answers scripted
// replies and records every request so tests can assert on payloads,
// headers and signatures.
//
//   node hooksrv.js SCRIPT.json [SECRET]     prints "PORT <n>" when ready
//
// SCRIPT maps a path to a reply, or to a list of replies used in turn
// (the last one repeats):
//   [verbs...]                           200 application/json
//   {"status":500}                       that status, empty body
//   {"delay":3000, "body":[...]}         answer after a delay
//   {"raw":"text", "ctype":"..."}        these bytes (@BASE@ replaced):
//                                        JSON that JSON.parse refuses
//   {"status":204}                       no content
//   {"wav":{"secs":1,"freq":440,"rate":16000}}  a generated WAV tone
//   {"to":{"<number>": reply, ...}}      the reply for the called number
//                                        (the body's `to`), else []
// Unknown paths answer 200 with an empty JSON array ([]). "@BASE@" in a
// JSON reply becomes this server's own base URL (http://127.0.0.1:PORT),
// so verbs can point at files it serves.
//
//   GET /_log                            every request recorded so far
// Each record: {method, path, query, headers, body, raw, sig}, where sig
// is "ok", "bad: <why>" or "none", checked with @jambonz/node-client's
// own verifier (it re-serialises the parsed body with JSON.stringify).
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');

const script = process.argv[2] ? JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) : {};
const secret = process.argv[3] || process.env.HOOK_SECRET || '';
let verify = null;
try {
  const nc = require(path.join(__dirname, '..', 'node_modules', '@jambonz', 'node-client'));
  if (secret) verify = nc.WebhookResponse.verifyJambonzSignature(secret);
} catch (e) {
  console.error('hooksrv: @jambonz/node-client not available:', e.message);
  process.exit(2);
}

const log = [];
const counts = {};

function checkSig(req, body) {
  if (!req.headers['jambonz-signature']) return 'none';
  if (!verify) return 'unchecked';
  const fake = {get: (h) => req.headers[h.toLowerCase()], body, url: req.url};
  try {
    let ok = false;
    verify(fake, {}, () => { ok = true; });
    return ok ? 'ok' : 'bad: next not called';
  } catch (e) {
    return 'bad: ' + e.message;
  }
}

function pick(p, body) {
  let r = script[p];
  if (r === undefined) return [];
  if (r && !Array.isArray(r) && r.to && typeof r.to === 'object') {
    r = r.to[body && body.to];
    if (r === undefined) return [];
  }
  if (r && !Array.isArray(r) && Array.isArray(r.seq)) {
    const i = counts[p] = (counts[p] || 0);
    counts[p]++;
    r = r.seq[Math.min(i, r.seq.length - 1)];
  }
  return r;
}

// A generated tone as 16-bit mono WAV: {"secs":1, "freq":440, "rate":16000}
function wav(o) {
  const rate = o.rate || 16000, n = Math.round((o.secs || 1) * rate);
  const b = Buffer.alloc(44 + n * 2);
  b.write('RIFF', 0); b.writeUInt32LE(36 + n * 2, 4); b.write('WAVE', 8);
  b.write('fmt ', 12); b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22); b.writeUInt32LE(rate, 24); b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34); b.write('data', 36);
  b.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++)
    b.writeInt16LE(Math.round(8000 * Math.sin(2 * Math.PI * (o.freq || 440) * i / rate)), 44 + i * 2);
  return b;
}

let base = '';

function reply(res, r) {
  if (Array.isArray(r)) {
    const s = JSON.stringify(r).split('@BASE@').join(base);
    res.writeHead(200, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(s)});
    return res.end(s);
  }
  if (r.wav) {
    const b = wav(r.wav);
    res.writeHead(200, {'Content-Type': 'audio/wav', 'Content-Length': b.length});
    return res.end(b);
  }
  if (r.raw !== undefined) {
    res.writeHead(r.status || 200, {'Content-Type': r.ctype || 'application/json'});
    return res.end(r.raw.split('@BASE@').join(base));
  }
  if (r.body !== undefined) {
    const s = JSON.stringify(r.body).split('@BASE@').join(base);
    res.writeHead(r.status || 200, {'Content-Type': 'application/json'});
    return res.end(s);
  }
  res.writeHead(r.status || 200);
  res.end();
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/_log') {
      const s = JSON.stringify(log);
      res.writeHead(200, {'Content-Type': 'application/json'});
      return res.end(s);
    }
    const raw = Buffer.concat(chunks).toString('utf8');
    let body = null;
    try { body = raw ? JSON.parse(raw) : null; } catch (e) { body = null; }
    log.push({
      method: req.method, path: url.pathname,
      query: Object.fromEntries(url.searchParams), headers: req.headers,
      body, raw, sig: checkSig(req, body), at: Date.now(),
    });
    const r = pick(url.pathname, body);
    if (r && !Array.isArray(r) && r.delay) setTimeout(() => reply(res, r), r.delay);
    else reply(res, r);
  });
});
server.keepAliveTimeout = 30000;
server.listen(0, '127.0.0.1', () => {
  base = 'http://127.0.0.1:' + server.address().port;
  console.log('PORT ' + server.address().port);
});
