#!/usr/bin/env node
// A WebSocket server for the listen verb's end-to-end tests: it takes
// the audio stream jambonz's listen sends (one JSON text message of
// metadata, then binary L16 frames), measures it, and talks back with
// what the query string asks for.
//
//   node listensrv.js                   prints "PORT <n>" when ready
//
// ws://127.0.0.1:PORT/NAME?opts: NAME labels the connection in the log.
// Options (all optional):
//   disconnect=MS   send {"type":"disconnect"} MS after the metadata
//   close=MS        close the socket (1000) MS after the metadata
//   play=raw|wav    500 ms in, a playAudio of 1 s of 1 kHz tone (raw L16
//                   at 8 kHz, or a 16 kHz WAV)
//   stream=RATE     500 ms in, 1 s of 1 kHz tone as binary L16 at RATE in
//                   20 ms messages, then a mark "m1"; a mark "m2" and a
//                   clearMarks follow a second stream of 6 s (300
//                   messages at once) 2.5 s in
//   kill=MS         500 ms in, a playAudio of 3 s of tone; a killAudio at MS
//   hostile=1       300 ms in: text that is not JSON, a playAudio whose
//                   audioContent is not base64, a message of unknown type
//                   and binary audio (refused unless streaming)
//   huge=1          300 ms in, a playAudio of 200 KB
//   refuse=1        the handshake is refused (403)
//   stall=MS        stop reading the socket for MS ms after the metadata
//                   (a server too slow for the audio)
//
//   GET /_log  [{name, query, headers, protocol, meta, texts, frames,
//               bytes, sizes, first_bin, last_bin, max_gap (longest ms
//               between binary messages), loud, loud_l, loud_r,
//               meta_first, closed, close_code, hz_l, hz_r (the tone
//               of each stereo channel's loud frames, by zero crossings)}]
'use strict';
const http = require('http');
const path = require('path');
const {WebSocketServer} = require(path.join(__dirname, '..', 'node_modules', 'ws'));

const conns = [];
const server = http.createServer((req, res) => {
  if (req.url === '/_log') {
    const s = JSON.stringify(conns);
    res.writeHead(200, {'Content-Type': 'application/json'});
    return res.end(s);
  }
  res.writeHead(404);
  res.end();
});

const wss = new WebSocketServer({
  noServer: true,
  maxPayload: 1 << 20,
  handleProtocols: (protocols) => (protocols.has('audio.jambonz.org') ? 'audio.jambonz.org' : false)
});

server.on('upgrade', (req, sock, head) => {
  const url = new URL(req.url, 'http://x');
  if (url.searchParams.get('refuse')) {
    sock.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, sock, head, (ws) => session(ws, req, url));
});

// n samples of a tone at rate, 16-bit little-endian
function tone(secs, rate, freq) {
  const n = Math.round(secs * rate), b = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++)
    b.writeInt16LE(Math.round(8000 * Math.sin(2 * Math.PI * freq * i / rate)), i * 2);
  return b;
}

function wavOf(pcm, rate) {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(36 + pcm.length, 4); h.write('WAVE', 8);
  h.write('fmt ', 12); h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22); h.writeUInt32LE(rate, 24); h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34); h.write('data', 36);
  h.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([h, pcm]);
}

function loudest(buf, off, stride) {
  let m = 0;
  for (let i = off; i + 1 < buf.length; i += stride) {
    const v = Math.abs(buf.readInt16LE(i));
    if (v > m) m = v;
  }
  return m;
}

// sign changes of one channel's samples, for a tone's frequency
function crossings(buf, off, stride) {
  let n = 0, prev = 0;
  for (let i = off; i + 1 < buf.length; i += stride) {
    const v = buf.readInt16LE(i);
    if ((v >= 0) !== (prev >= 0) && i !== off) n++;
    prev = v;
  }
  return n;
}

// a loud frame's crossings, counted to give the channel's tone in Hz
function addTone(c, ch, data, off, stride) {
  c.zc[ch] = (c.zc[ch] || 0) + crossings(data, off, stride);
  c.zn[ch] = (c.zn[ch] || 0) + Math.floor((data.length - off) / stride);
  const rate = (c.meta && c.meta.sampleRate) || 8000;
  c['hz_' + ch] = Math.round(c.zc[ch] * rate / 2 / c.zn[ch]);
}

function session(ws, req, url) {
  const q = Object.fromEntries(url.searchParams);
  const c = {name: url.pathname.slice(1), query: q, headers: req.headers,
    protocol: ws.protocol, meta: null, meta_first: null, texts: [], frames: 0,
    bytes: 0, sizes: {}, first_bin: 0, last_bin: 0, max_gap: 0, loud: 0, loud_l: 0,
    loud_r: 0, closed: false, close_code: 0, at: Date.now(), zc: {}, zn: {}};
  conns.push(c);
  const timers = [];
  const later = (ms, f) => timers.push(setTimeout(f, ms));
  const send = (o) => { if (ws.readyState === ws.OPEN) ws.send(typeof o === 'string' ? o : JSON.stringify(o)); };

  function start() {
    if (q.stall) {
      // below the stream: ws resumes a paused socket on its own, libuv
      // does not read until told to
      const h = ws._socket._handle;
      h.readStop();
      later(Number(q.stall), () => h.readStart());
    }
    if (q.disconnect) later(Number(q.disconnect), () => send({type: 'disconnect'}));
    if (q.close) later(Number(q.close), () => ws.close(1000));
    if (q.play === 'raw')
      later(500, () => send({type: 'playAudio', data: {audioContentType: 'raw', sampleRate: 8000,
        audioContent: tone(1, 8000, 1000).toString('base64'), id: 'p1'}}));
    if (q.play === 'wav')
      later(500, () => send({type: 'playAudio', data: {audioContentType: 'wav',
        audioContent: wavOf(tone(1, 16000, 1000), 16000).toString('base64'), id: 'p2'}}));
    if (q.stream) {
      const rate = Number(q.stream), per = rate / 50;
      const frames = (secs) => {
        const pcm = tone(secs, rate, 1000), out = [];
        for (let i = 0; i < pcm.length; i += per * 2) out.push(pcm.subarray(i, i + per * 2));
        return out;
      };
      later(500, () => {
        for (const f of frames(1)) ws.send(f);
        send({type: 'mark', data: {name: 'm1'}});
      });
      later(2500, () => {
        for (const f of frames(6)) ws.send(f);
        send({type: 'mark', data: {name: 'm2'}});
        later(300, () => send({type: 'clearMarks'}));
      });
    }
    if (q.kill) {
      later(500, () => send({type: 'playAudio', data: {audioContentType: 'raw', sampleRate: 8000,
        audioContent: tone(3, 8000, 1000).toString('base64'), id: 'k1'}}));
      later(Number(q.kill), () => send({type: 'killAudio'}));
    }
    if (q.hostile)
      later(300, () => {
        send('this is not json {');
        send({type: 'playAudio', data: {audioContentType: 'raw', sampleRate: 8000,
          audioContent: '!!!not base64!!!'}});
        send({type: 'frobnicate'});
        ws.send(tone(0.02, 8000, 1000));
      });
    if (q.huge)
      later(300, () => send({type: 'playAudio', data: {audioContentType: 'raw', sampleRate: 8000,
        audioContent: Buffer.alloc(150000, 0x11).toString('base64')}}));
  }

  ws.on('message', (data, isBinary) => {
    if (!isBinary) {
      let m;
      try { m = JSON.parse(String(data)); } catch (e) { m = {unparsable: String(data)}; }
      if (!c.meta) {
        c.meta = m;
        c.meta_first = c.frames === 0;
        start();
      } else {
        c.texts.push({at: Date.now(), msg: m});
      }
      return;
    }
    const now = Date.now();
    if (c.last_bin && now - c.last_bin > c.max_gap) c.max_gap = now - c.last_bin;
    if (!c.first_bin) c.first_bin = now;
    c.last_bin = now;
    c.frames++;
    c.bytes += data.length;
    c.sizes[data.length] = (c.sizes[data.length] || 0) + 1;
    const stereo = c.meta && c.meta.mixType === 'stereo';
    if (stereo) {
      if (loudest(data, 0, 4) > 1000) { c.loud_l++; addTone(c, 'l', data, 0, 4); }
      if (loudest(data, 2, 4) > 1000) { c.loud_r++; addTone(c, 'r', data, 2, 4); }
    }
    if (loudest(data, 0, 2) > 1000) c.loud++;
  });
  ws.on('close', (code) => {
    c.closed = true;
    c.close_code = code;
    c.closed_at = Date.now();
    timers.forEach(clearTimeout);
  });
  ws.on('error', () => {});
}

server.listen(0, '127.0.0.1', () => {
  console.log(`PORT ${server.address().port}`);
});
