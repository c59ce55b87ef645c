#!/usr/bin/env node
// Cloud TTS vendors on loopback, written from each vendor's public API
// documentation. Each route checks what the real endpoint checks (the
// key or the signature, the audio format asked for, the body's shape)
// and answers in the vendor's format with a tone, or with the vendor's
// error when a check fails.
//
//   node ttssim.js KEYS.json          prints "PORT <n>" when ready
//
// KEYS: {microsoft, google, deepgram, elevenlabs, openai, custom,
//        aws: {id, secret, region},
//        sts: {id, secret, region, role, issue: {id, secret, token}}
//        (STS: POST / Action=AssumeRole signed by id/secret for the
//        service "sts", RoleArn role, RoleSessionName Jambonz_Speech;
//        answers AssumeRoleResponse with the issue keys, which polly
//        then takes with their X-Amz-Security-Token; another role is
//        AccessDenied, 403, in STS's XML),
//        google_sa: {client_email, public_key}}   (a service account: its
//        JWT assertions are verified at POST /token, RFC 7523 as Google
//        has it, and the tokens issued are taken as Bearer by google)
// KEYS.delay_ms: every synthesis answered that long after its request.
// Behaviour by the text spoken: containing "SLOW" the answer waits 3 s,
// "E500" answers 500, "GARBAGE" answers 200 with bytes that are not the
// audio asked for (google: not JSON).
//
//   GET /_log     every request: {at, vendor, ok, why, path, query, headers, body}
'use strict';
const http = require('http');
const crypto = require('crypto');
const fs = require('fs');

const keys = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const log = [];
const issued = new Set();

function b64url(s) { return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64'); }

// Google's OAuth2 token endpoint for service accounts
function checkAssertion(form, port) {
  if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return 'grant_type';
  const parts = (form.get('assertion') || '').split('.');
  if (parts.length !== 3) return 'not a JWT';
  let hdr, claims;
  try { hdr = JSON.parse(b64url(parts[0])); claims = JSON.parse(b64url(parts[1])); } catch (e) { return 'JWT not JSON'; }
  if (hdr.alg !== 'RS256') return 'alg';
  const sa = keys.google_sa;
  if (!crypto.verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), sa.public_key, b64url(parts[2])))
    return 'bad signature';
  if (claims.iss !== sa.client_email) return 'iss';
  if (claims.aud !== `http://127.0.0.1:${port}/token`) return 'aud';
  if (!String(claims.scope).split(' ').includes('https://www.googleapis.com/auth/cloud-platform')) return 'scope';
  const now = Date.now() / 1000;
  if (Math.abs(now - claims.iat) > 300 || claims.exp - claims.iat > 3600 || claims.exp <= now) return 'times';
  return null;
}

function tone(rate, secs, freq) {
  const n = Math.round(rate * secs);
  const b = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++)
    b.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * freq * i) / rate)), 2 * i);
  return b;
}

function wav(pcm, rate) {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(36 + pcm.length, 4); h.write('WAVE', 8);
  h.write('fmt ', 12); h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22); h.writeUInt32LE(rate, 24); h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34); h.write('data', 36);
  h.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([h, pcm]);
}

// --- AWS Signature Version 4, checked as AWS does ---
function hmac(k, s) { return crypto.createHmac('sha256', k).update(s).digest(); }
function sha(s) { return crypto.createHash('sha256').update(s).digest('hex'); }

function checkSigV4(req, raw, aws, service0 = 'polly') {
  const auth = req.headers.authorization || '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return 'no SigV4 Authorization header';
  const [, id, date, region, service, signed, sig] = m;
  if (id !== aws.id) return 'unknown access key';
  if (region !== aws.region || service !== service0) return 'wrong scope';
  const amzDate = req.headers['x-amz-date'] || '';
  if (!amzDate.startsWith(date)) return 'x-amz-date does not match the scope';
  const t = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8),
    +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
  if (Math.abs(Date.now() - t) > 5 * 60 * 1000) return 'request time too skewed';
  const u = new URL(req.url, 'http://x');
  const q = [...u.searchParams].map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).sort().join('&');
  const hdrs = signed.split(';');
  if (!hdrs.includes('host') || !hdrs.includes('x-amz-date')) return 'host and x-amz-date must be signed';
  // temporary keys: their session token, signed
  if (aws.token && (req.headers['x-amz-security-token'] !== aws.token || !hdrs.includes('x-amz-security-token')))
    return 'session token missing or wrong';
  const canon = [req.method, u.pathname, q,
    hdrs.map((h) => `${h}:${(req.headers[h] || '').trim()}`).join('\n') + '\n',
    signed, sha(raw)].join('\n');
  const sts = ['AWS4-HMAC-SHA256', amzDate, `${date}/${region}/${service}/aws4_request`, sha(canon)].join('\n');
  let k = hmac('AWS4' + aws.secret, date);
  k = hmac(k, region); k = hmac(k, service); k = hmac(k, 'aws4_request');
  const want = crypto.createHmac('sha256', k).update(sts).digest('hex');
  return want === sig ? null : 'signature does not match';
}

function json(raw) { try { return JSON.parse(raw.toString()); } catch (e) { return null; } }

// Each vendor: check(req, raw, body) -> null or [status, why, errBody];
// answer(body) -> [ctype, bytes]; text(body) -> the text spoken
const vendors = {
  microsoft: {
    match: (u) => u.pathname === '/cognitiveservices/v1',
    check(req, raw) {
      if (req.headers['ocp-apim-subscription-key'] !== keys.microsoft) return [401, 'bad key', ''];
      if (!/^application\/ssml\+xml/.test(req.headers['content-type'] || '')) return [400, 'not SSML', ''];
      if (req.headers['x-microsoft-outputformat'] !== 'raw-8khz-16bit-mono-pcm') return [400, 'output format', ''];
      const s = raw.toString();
      if (!/^<speak version="1.0" [^>]*xml:lang="[^"]+"><voice name="[^"]+">[\s\S]*<\/voice><\/speak>$/.test(s) && !/^<speak [\s\S]*<\/speak>$/.test(s))
        return [400, 'malformed SSML', ''];
      return null;
    },
    text: (raw) => raw.toString(),
    answer: () => ['audio/x-wav', tone(8000, 0.6, 440)],
  },
  google: {
    match: (u) => u.pathname === '/v1/text:synthesize',
    check(req, raw, b) {
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization || '');
      if (req.headers['x-goog-api-key'] !== keys.google && !(bearer && issued.has(bearer[1])))
        return [403, 'bad key', JSON.stringify({error: {code: 403, message: 'API key not valid', status: 'PERMISSION_DENIED'}})];
      if (!b || !b.input || !(b.input.text || b.input.ssml) || !b.voice || !b.voice.languageCode) return [400, 'bad body', ''];
      if (!b.audioConfig || b.audioConfig.audioEncoding !== 'LINEAR16' || b.audioConfig.sampleRateHertz !== 8000)
        return [400, 'audioConfig', ''];
      return null;
    },
    text: (raw, b) => (b && b.input && (b.input.text || b.input.ssml)) || '',
    answer: () => ['application/json', Buffer.from(JSON.stringify({audioContent: wav(tone(8000, 0.6, 550), 8000).toString('base64')}))],
    garbage: () => ['application/json', Buffer.from('{"audioContent": 12')],
  },
  aws: {
    match: (u) => u.pathname === '/v1/speech',
    check(req, raw, b) {
      const temp = keys.sts && (req.headers.authorization || '').includes(`Credential=${keys.sts.issue.id}/`);
      const why = checkSigV4(req, raw, temp ? {...keys.sts.issue, region: keys.aws.region} : keys.aws);
      if (why) return [403, why, JSON.stringify({message: why})];
      if (!b || b.OutputFormat !== 'pcm' || b.SampleRate !== '8000' || !b.VoiceId || !b.Text) return [400, 'bad body', ''];
      if (b.TextType !== (b.Text.startsWith('<speak') ? 'ssml' : 'text')) return [400, 'TextType', ''];
      return null;
    },
    text: (raw, b) => (b && b.Text) || '',
    answer: () => ['audio/pcm', tone(8000, 0.6, 660)],
  },
  deepgram: {
    match: (u) => u.pathname === '/v1/speak',
    check(req, raw, b, u) {
      if (req.headers.authorization !== `Token ${keys.deepgram}`) return [401, 'bad key', JSON.stringify({err_code: 'INVALID_AUTH'})];
      const p = u.searchParams;
      if (!p.get('model') || p.get('encoding') !== 'linear16' || p.get('sample_rate') !== '8000' || p.get('container') !== 'none')
        return [400, 'query', ''];
      if (!b || typeof b.text !== 'string') return [400, 'body', ''];
      return null;
    },
    text: (raw, b) => (b && b.text) || '',
    answer: () => ['audio/l16', tone(8000, 0.6, 770)],
  },
  elevenlabs: {
    match: (u) => /^\/v1\/text-to-speech\/[^/]+$/.test(u.pathname),
    check(req, raw, b, u) {
      if (req.headers['xi-api-key'] !== keys.elevenlabs) return [401, 'bad key', JSON.stringify({detail: {status: 'invalid_api_key'}})];
      if (u.searchParams.get('output_format') !== 'pcm_16000') return [400, 'output_format', ''];
      if (!b || !b.text || !b.model_id || !b.voice_settings) return [400, 'body', ''];
      return null;
    },
    text: (raw, b) => (b && b.text) || '',
    answer: () => ['audio/pcm', tone(16000, 0.6, 880)],
  },
  openai: {
    match: (u) => u.pathname === '/v1/audio/speech',
    check(req, raw, b) {
      if (req.headers.authorization !== `Bearer ${keys.openai}`) return [401, 'bad key', JSON.stringify({error: {code: 'invalid_api_key'}})];
      if (!b || b.response_format !== 'pcm' || !b.model || !b.voice || !b.input) return [400, 'body', ''];
      return null;
    },
    text: (raw, b) => (b && b.input) || '',
    answer: () => ['audio/pcm', tone(24000, 0.6, 990)],
  },
  custom: {
    match: (u) => u.pathname === '/custom-tts',
    check(req, raw, b) {
      if (req.headers.authorization !== `Bearer ${keys.custom}`) return [401, 'bad token', ''];
      if (!b || !b.text || !['text', 'ssml'].includes(b.type) || typeof b.voice !== 'string' || !b.language)
        return [400, 'body', ''];
      return null;
    },
    text: (raw, b) => (b && b.text) || '',
    answer: () => ['audio/l16;rate=16000', tone(16000, 0.6, 1100)],
  },
};

// AWS STS AssumeRole (Query API, form body, SigV4 for "sts"), its XML
function sts(req, raw, res) {
  const f = new URLSearchParams(raw.toString());
  const rec = {at: Date.now(), vendor: 'sts', path: '/', body: Object.fromEntries(f), headers: req.headers};
  log.push(rec);
  const xmlErr = (status, code, msg) => {
    rec.ok = false; rec.why = msg;
    res.writeHead(status, {'Content-Type': 'text/xml'});
    res.end(`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>` +
      `<Code>${code}</Code><Message>${msg}</Message></Error><RequestId>${crypto.randomUUID()}</RequestId></ErrorResponse>`);
  };
  if (!/^application\/x-www-form-urlencoded/.test(req.headers['content-type'] || ''))
    return xmlErr(400, 'InvalidParameterValue', 'Content-Type');
  const why = checkSigV4(req, raw, keys.sts, 'sts');
  if (why) return xmlErr(403, 'SignatureDoesNotMatch', why);
  if (f.get('Action') !== 'AssumeRole' || f.get('Version') !== '2011-06-15')
    return xmlErr(400, 'InvalidAction', 'Action or Version');
  const dur = Number(f.get('DurationSeconds') || 3600);
  if (!(dur >= 900 && dur <= 43200)) return xmlErr(400, 'ValidationError', 'DurationSeconds');
  if (f.get('RoleSessionName') !== 'Jambonz_Speech') return xmlErr(400, 'ValidationError', 'RoleSessionName');
  if (f.get('RoleArn') !== keys.sts.role)
    return xmlErr(403, 'AccessDenied', `User: ${keys.sts.id} is not authorized to perform: sts:AssumeRole on resource: ${f.get('RoleArn')}`);
  rec.ok = true;
  const exp = new Date(Date.now() + dur * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  const i = keys.sts.issue;
  res.writeHead(200, {'Content-Type': 'text/xml'});
  res.end(`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n<AssumeRoleResult>\n` +
    `<AssumedRoleUser><AssumedRoleId>AROA3XFRBF535PLBIFPI4:Jambonz_Speech</AssumedRoleId>` +
    `<Arn>${keys.sts.role}/Jambonz_Speech</Arn></AssumedRoleUser>\n` +
    `<Credentials>\n<AccessKeyId>${i.id}</AccessKeyId>\n<SecretAccessKey>${i.secret}</SecretAccessKey>\n` +
    `<SessionToken>${i.token}</SessionToken>\n<Expiration>${exp}</Expiration>\n</Credentials>\n` +
    `</AssumeRoleResult>\n<ResponseMetadata><RequestId>${crypto.randomUUID()}</RequestId></ResponseMetadata>\n` +
    `</AssumeRoleResponse>\n`);
}

const srv = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    const u = new URL(req.url, 'http://x');
    if (req.method === 'GET' && u.pathname === '/_log') {
      res.writeHead(200, {'Content-Type': 'application/json'});
      res.end(JSON.stringify(log));
      return;
    }
    if (req.method === 'POST' && u.pathname === '/token') {
      const why = checkAssertion(new URLSearchParams(raw.toString()), srv.address().port);
      log.push({vendor: 'google-token', ok: !why, why, path: u.pathname, headers: req.headers});
      if (why) {
        res.writeHead(400, {'Content-Type': 'application/json'});
        res.end(JSON.stringify({error: 'invalid_grant', error_description: why}));
        return;
      }
      const tok = 'ya29.' + crypto.randomBytes(12).toString('hex');
      issued.add(tok);
      res.writeHead(200, {'Content-Type': 'application/json'});
      res.end(JSON.stringify({access_token: tok, expires_in: 3599, token_type: 'Bearer'}));
      return;
    }
    if (req.method === 'POST' && u.pathname === '/' && keys.sts) {
      sts(req, raw, res);
      return;
    }
    const name = Object.keys(vendors).find((n) => vendors[n].match(u));
    const v = vendors[name];
    const b = json(raw);
    const rec = {at: Date.now(), vendor: name || null, path: u.pathname, query: Object.fromEntries(u.searchParams),
      headers: req.headers, body: b || raw.toString()};
    log.push(rec);
    if (!v || req.method !== 'POST') {
      rec.ok = false; rec.why = 'unknown route';
      res.writeHead(404); res.end();
      return;
    }
    const bad = v.check(req, raw, b, u);
    if (bad) {
      rec.ok = false; rec.why = bad[1];
      res.writeHead(bad[0], {'Content-Type': 'application/json'});
      res.end(bad[2]);
      return;
    }
    const text = v.text(raw, b);
    rec.ok = true; rec.text = text;
    const send = () => {
      if (text.includes('E500')) { res.writeHead(500); res.end('{"error":"internal"}'); return; }
      const [ctype, bytes] = text.includes('GARBAGE')
        ? (v.garbage ? v.garbage() : ['audio/pcm', Buffer.from([1])]) : v.answer();
      res.writeHead(200, {'Content-Type': ctype, 'Content-Length': bytes.length});
      res.end(bytes);
    };
    // delay_ms: every answer that long after the request (a benchmark's
    // fixed vendor latency)
    const wait = (text.includes('SLOW') ? 3000 : 0) + (keys.delay_ms || 0);
    if (wait) setTimeout(send, wait); else send();
  });
});
srv.listen(0, '127.0.0.1', () => process.stdout.write(`PORT ${srv.address().port}\n`));
