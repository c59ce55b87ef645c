#!/usr/bin/env node
// httpsrv.js: local HTTP server for the requestor's unit tests.
//
// Usage: node httpsrv.js [PORT [FILES_DIR]]   (0 or none = a free port)
// Prints "PORT <n>" on stdout once listening; exits when stdin closes or
// on SIGTERM, so a crashed test never leaves it behind.
//
// Behaviour is chosen by path (anything else is /echo):
//   /echo...            200, JSON: what the server saw (method, url,
//                       headers, body, conn id, signature check)
//   /slow?ms=N          answers after N ms (default 5000)
//   /status/NNN         answers NNN with a small JSON body
//   /garbage            writes non-HTTP bytes on the socket and closes
//   /huge?mb=N[&chunked=1]  streams N MB (default 50), with
//                       Content-Length unless chunked
//   /flaky/KEY/N        500 for the first N requests of KEY, then 200
//                       with {"attempt": n}
//   /files/NAME         the file NAME from FILES_DIR (argv[3] or env
//                       HTTPSRV_FILES), 404 when missing; NAME is a
//                       plain file name, no sub-directories
//   /_log               the recorded requests (JSON array), /_log?clear=1
//                       also clears the log
//   /_stats             {"connections": total, "open": now, "peak": max}
// The signature check uses HTTPSRV_SECRET (default "s3cret").
'use strict';

const http = require('http');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const SECRET = process.env.HTTPSRV_SECRET || 's3cret';
const port = parseInt(process.argv[2] || '0', 10);
const filesDir = process.argv[3] || process.env.HTTPSRV_FILES || '';

let log = [];
const flaky = new Map();
const conns = {total: 0, open: 0, peak: 0};

function sigCheck(hdr, body) {
  if (!hdr) return 'none';
  const m = /^t=(\d+),v1=([0-9a-f]+)$/.exec(hdr);
  if (!m) return 'malformed';
  const want = crypto.createHmac('sha256', SECRET)
    .update(`${m[1]}.${body}`).digest('hex');
  const skew = Math.abs(Date.now() / 1000 - parseInt(m[1], 10));
  if (skew > 300) return 'stale';
  return want === m[2] ? 'ok' : 'bad';
}

function json(res, status, obj) {
  const s = JSON.stringify(obj);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(s),
  });
  res.end(s);
}

function file(res, name) {
  const base = path.basename(decodeURIComponent(name));
  if (!filesDir || !base || base.startsWith('.')) {
    return json(res, 404, {status: '404'});
  }
  fs.readFile(path.join(filesDir, base), (err, data) => {
    if (err) return json(res, 404, {status: '404'});
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': data.length,
    });
    res.end(data);
  });
}

function huge(req, res, q) {
  const total = (parseInt(q.get('mb') || '50', 10)) * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const hdrs = {'Content-Type': 'application/octet-stream'};
  let sent = 0;

  if (!q.get('chunked')) hdrs['Content-Length'] = total;
  res.writeHead(200, hdrs);
  const pump = () => {
    while (sent < total) {
      sent += chunk.length;
      if (!res.write(chunk)) return res.once('drain', pump);
    }
    res.end();
  };
  res.on('close', () => { sent = total; });
  pump();
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const u = new URL(req.url, 'http://x');
    const q = u.searchParams;
    const rec = {
      method: req.method,
      url: req.url,
      headers: req.headers,
      body,
      conn: req.socket.connId,
      sig: sigCheck(req.headers['jambonz-signature'], body),
    };
    const p = u.pathname;

    if (p === '/_log') {
      const out = log;
      if (q.get('clear')) log = [];
      return json(res, 200, out);
    }
    if (p === '/_stats') return json(res, 200, conns);
    log.push(rec);
    if (log.length > 10000) log.shift();

    if (p === '/slow') {
      const t = setTimeout(() => json(res, 200, rec),
        parseInt(q.get('ms') || '5000', 10));
      res.on('close', () => clearTimeout(t));
      return;
    }
    let m = /^\/status\/(\d{3})$/.exec(p);
    if (m) return json(res, parseInt(m[1], 10), {status: m[1]});
    if (p === '/garbage') {
      req.socket.end('%%% this is not HTTP %%%\r\n\r\n\x00\x01\x02');
      return;
    }
    if (p === '/huge') return huge(req, res, q);
    if (p.startsWith('/files/')) return file(res, p.slice(7));
    m = /^\/flaky\/([^/]+)\/(\d+)$/.exec(p);
    if (m) {
      const n = (flaky.get(m[1]) || 0) + 1;
      flaky.set(m[1], n);
      rec.attempt = n;
      return json(res, n <= parseInt(m[2], 10) ? 500 : 200, rec);
    }
    return json(res, 200, rec);
  });
});

server.keepAliveTimeout = 60000;
server.headersTimeout = 65000;
server.on('connection', (sock) => {
  sock.connId = ++conns.total;
  conns.open++;
  if (conns.open > conns.peak) conns.peak = conns.open;
  sock.on('close', () => { conns.open--; });
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`PORT ${server.address().port}\n`);
});

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));
