#!/usr/bin/env node
// A Rasa server's REST channel (POST /webhooks/rest/webhook) on loopback,
// as Rasa documents it: the body is JSON {sender, message} sent as
// application/json, the answer the bot's messages, an array of
// {recipient_id, text}. A request that fails the checks gets 400.
//
//   node rasasim.js SCRIPT.json        prints "PORT <n>" when ready
//
// SCRIPT: {"<bot>": {"<message>": reply, ..., "*": reply}}: the bot is
// the URL's ?bot= (several bots on one server; "default" without it), the
// reply the one for what the caller said (lower-cased), else "*", else
// []. A reply is
//   ["text", ...]        the bot's messages, one {recipient_id, text} each
//                        (an object instead of a text: {recipient_id, ...it},
//                        an image or buttons)
//   {"status": 500}      that status, an empty body
//   {"raw": <json>}      that JSON as it is (an element without text)
//
//   GET /_log   every request: {at, url, ctype, body, raw, ok, why}
'use strict';
const http = require('http');
const fs = require('fs');

const script = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const log = [];

function check(req, raw) {
  if (req.method !== 'POST') return {why: 'not a POST'};
  if (new URL(req.url, 'http://x').pathname !== '/webhooks/rest/webhook') return {why: 'not the REST channel'};
  if (!/^application\/json\b/.test(req.headers['content-type'] || '')) return {why: 'not JSON'};
  let body;
  try {
    body = JSON.parse(raw);
  } catch (e) {
    return {why: 'body is not JSON'};
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return {why: 'body is not an object', body};
  const keys = Object.keys(body).sort().join();
  if (keys !== 'message,sender') return {why: `keys ${keys}`, body};
  if (typeof body.sender !== 'string' || !body.sender) return {why: 'no sender', body};
  if (typeof body.message !== 'string') return {why: 'no message', body};
  return {ok: true, body};
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/_log') {
    res.writeHead(200, {'content-type': 'application/json'});
    res.end(JSON.stringify(log));
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    const c = check(req, raw);
    log.push({at: Date.now(), url: req.url, ctype: req.headers['content-type'] || '',
      body: c.body, raw, ok: !!c.ok, why: c.why || ''});
    if (!c.ok) {
      res.writeHead(400, {'content-type': 'application/json'});
      res.end(JSON.stringify({error: c.why}));
      return;
    }
    const bot = script[new URL(req.url, 'http://x').searchParams.get('bot') || 'default'] || {};
    const said = c.body.message.toLowerCase();
    const reply = bot[said] !== undefined ? bot[said] : (bot['*'] !== undefined ? bot['*'] : []);
    if (reply && reply.status) {
      res.writeHead(reply.status);
      res.end();
      return;
    }
    const out = reply && reply.raw !== undefined ? reply.raw :
      reply.map((m) => (typeof m === 'string' ? {recipient_id: c.body.sender, text: m} :
        {recipient_id: c.body.sender, ...m}));
    res.writeHead(200, {'content-type': 'application/json'});
    res.end(JSON.stringify(out));
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`PORT ${server.address().port}\n`);
});
