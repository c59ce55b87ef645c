#!/usr/bin/env node
// Streaming speech-to-text vendors, simulated from their public
// documentation for the end-to-end tests: each checks what the vendor's
// endpoint checks (the key, the query, the audio's encoding and rate,
// the order of messages, the end of the stream) and answers in the
// vendor's format. It "recognises" by answering with the transcript the
// key's script holds, but only after real audio arrived: bytes at the
// rate asked for, loud enough to be speech, then a pause.
//
//   node sttsim.js KEYS.json     prints "PORT <n>" when ready
//
// KEYS.json: {"<api key>": {"transcript": "...", "confidence": 0.97,
//             "mode": "ok"|"429"|"slow"|"garbage"|"nofinal"|"drop"|"error"
//             |"malformed" (AWS: a frame whose length is wrong),
//             "language": "es-ES" (the one identified, with altLanguages),
//             "turns": true (Azure ends the turn after a phrase),
//             "secret": "..." (AWS: the key id's secret access key),
//             "token": "..." (AWS: temporary keys' X-Amz-Security-Token)}}
// (a key not listed is refused as the vendor refuses a bad key; for AWS
// the key is the access key id and a wrong signature is refused, 403)
//
// Deepgram (wss://api.deepgram.com/v1/listen): the key as
// "Authorization: Token <key>" or the subprotocol pair "token, <key>";
// encoding=linear16, sample_rate, channels=1, a model; binary audio,
// {"type":"KeepAlive"}, {"type":"CloseStream"} (then the last results,
// Metadata and a close 1000); Results {type, channel_index, duration,
// start, is_final, speech_final, channel {alternatives [{transcript,
// confidence, words}]}, metadata}.
//
// jambonz's custom STT API (ws://HOST/custom...): see customSession.
// Speechmatics (wss://eu2.rt.speechmatics.com/v2): see speechmaticsSession.
// AssemblyAI (wss://streaming.assemblyai.com/v3/ws): see assemblyaiSession.
// Azure Speech (wss://REGION.stt.speech.microsoft.com/speech/recognition/
// conversation/cognitiveservices/v1): see microsoftSession.
// Amazon Transcribe (wss://transcribestreaming.REGION.amazonaws.com:8443/
// stream-transcription-websocket): see awsSession.
// Soniox (wss://stt-rt.soniox.com/transcribe-websocket): see sonioxSession.
//
//   GET /_log  [{vendor, key, query, protocol, ok, why, bytes, rate,
//               loud_ms, quiet_lead_ms, max_gap_ms, texts, sent, close_code,
//               ended}]
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const {WebSocketServer} = require(path.join(__dirname, '..', 'node_modules', 'ws'));

const keys = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const conns = [];
const slow = [];

const server = http.createServer((req, res) => {
  if (req.url === '/_log') {
    res.writeHead(200, {'Content-Type': 'application/json'});
    return res.end(JSON.stringify(conns));
  }
  res.writeHead(404);
  res.end();
});

const wss = new WebSocketServer({
  noServer: true,
  maxPayload: 1 << 20,
  // Deepgram answers the pair "token, <key>" with "token"
  handleProtocols: (protocols) => (protocols.has('token') ? 'token' : false)
});

function refuse(sock, status, text, body) {
  const b = JSON.stringify(body);
  sock.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(b)}\r\n\r\n${b}`);
}

function rms(buf) {
  let sum = 0;
  const n = buf.length >> 1;
  for (let i = 0; i < n; i++) {
    const s = buf.readInt16LE(i * 2);
    sum += s * s;
  }
  return n ? Math.sqrt(sum / n) : 0;
}

// What every vendor's stream measures of the audio
function meter(rec, rate) {
  return {
    t0: 0, bytes: 0, loud_ms: 0, quiet_ms: 0,
    add(buf) {
      const now = Date.now();
      if (!this.t0) this.t0 = now;
      // the longest time without audio (a pause, its keepalives)
      if (this.last) rec.max_gap_ms = Math.max(rec.max_gap_ms || 0, now - this.last);
      this.last = now;
      this.bytes += buf.length;
      const ms = (buf.length / 2) * 1000 / rate;
      if (rms(buf) > 500) {
        this.loud_ms += ms;
        this.quiet_ms = 0;
      } else {
        this.quiet_ms += ms;
        // the quiet audio that came before any speech
        if (!this.loud_ms) rec.quiet_lead_ms = Math.round((rec.quiet_lead_ms || 0) + ms);
      }
      rec.bytes = this.bytes;
      rec.loud_ms = Math.round(this.loud_ms);
      const secs = (now - this.t0) / 1000;
      if (secs >= 1) rec.rate = Math.round(this.bytes / 2 / secs);
    },
    // real audio, at the rate asked for (the pre-open buffer makes the
    // first second come faster: measured over the whole)
    rateOk() {
      return rec.rate && Math.abs(rec.rate - rate) / rate < 0.2;
    }
  };
}

const heardBy = new WeakMap();
function heard(rec) {
  if (!heardBy.has(rec)) heardBy.set(rec, {interim: false, finals: 0});
  return heardBy.get(rec);
}

// One binary message of audio: measure it, and answer as the script
// says once there is speech (an interim result) and then a pause (the
// final): io.interim(text), io.final(), io.garbage(), io.error()
function hear(ws, m, rec, script, data, io) {
  const st = heard(rec);
  const words = (script.transcript || '').split(' ').filter(Boolean);
  m.add(data);
  if (script.mode === 'drop' && m.loud_ms >= 300) {
    rec.why = 'dropped';
    ws.terminate();
    return;
  }
  if (!st.interim && m.loud_ms >= 300 && words.length) {
    st.interim = true;
    if (script.mode === 'garbage') return io.garbage();
    if (script.mode === 'error') return io.error();
    io.interim(words[0]);
    if (script.mode === 'nofinal') {
      const t = setInterval(() => io.interim(words.slice(0, 2).join(' ')), 400);
      ws.on('close', () => clearInterval(t));
    }
  }
  if (script.mode === 'nofinal' || st.finals || !st.interim) return;
  if (m.loud_ms >= 600 && m.quiet_ms >= 500) {
    st.finals++;
    io.final();
  }
}

// The key's script, or the refusal the vendor answers (rec.why says it)
function admit(rec, key, sock) {
  rec.key = key;
  const script = key && keys[key];
  if (!script) {
    rec.why = 'bad key';
    refuse(sock, 401, 'Unauthorized', {err_code: 'INVALID_AUTH',
      err_msg: 'Invalid credentials.', request_id: crypto.randomUUID()});
    return null;
  }
  if (script.mode === '429') {
    rec.why = 'rate limited';
    refuse(sock, 429, 'Too Many Requests', {err_code: 'TOO_MANY_REQUESTS',
      err_msg: 'Too many requests. Please try again later'});
    return null;
  }
  if (script.mode === 'slow') {
    rec.why = 'slow';
    slow.push(sock); // never answers the handshake
    return null;
  }
  return script;
}

// ---- jambonz custom STT API ---------------------------------------------
// Authorization: Bearer <key>; {type "start", language, format "raw",
// encoding "LINEAR16", interimResults, sampleRateHz, options} first, then
// binary L16 at sampleRateHz, {type "stop"} last, and the server closes.

function customUpgrade(req, sock, head, url) {
  const rec = {vendor: 'custom', path: url.pathname, authorization: req.headers.authorization || null,
    texts: [], sent: 0, ok: false};
  conns.push(rec);
  const auth = req.headers.authorization || '';
  const script = admit(rec, /^Bearer /.test(auth) ? auth.slice(7) : null, sock);
  if (!script) return;
  wss.handleUpgrade(req, sock, head, (ws) => customSession(ws, rec, script));
}

function customSession(ws, rec, script) {
  const words = (script.transcript || '').split(' ').filter(Boolean);
  let m = null, start = null;
  const send = (o) => { rec.sent++; ws.send(typeof o === 'string' ? o : JSON.stringify(o)); };
  const result = (text, isFinal) => send({type: 'transcription', is_final: isFinal,
    alternatives: [{transcript: text, confidence: script.confidence || 0.9}],
    channel: 1, language: start.language});
  const recognise = () => {
    if (!m.rateOk()) {
      rec.why = `audio at ${rec.rate} samples/s, not ${start.sampleRateHz}`;
      return result('', true);
    }
    rec.ok = true;
    result(words.join(' '), true);
  };
  ws.on('message', (data, isBinary) => {
    if (!isBinary) {
      const t = data.toString();
      rec.texts.push(t);
      let o;
      try { o = JSON.parse(t); } catch (e) { o = null; }
      if (o && o.type === 'start' && !start) {
        const bad = [];
        if (typeof o.language !== 'string') bad.push('language');
        if (o.format !== 'raw') bad.push('format');
        if (o.encoding !== 'LINEAR16') bad.push('encoding');
        if (!(o.sampleRateHz >= 8000)) bad.push('sampleRateHz');
        if (typeof o.interimResults !== 'boolean') bad.push('interimResults');
        if (bad.length) {
          rec.why = 'bad start: ' + bad.join(',');
          send({type: 'error', error: rec.why});
          return ws.close(1000);
        }
        start = o;
        rec.start = o;
        m = meter(rec, o.sampleRateHz);
        return;
      }
      if (o && o.type === 'stop' && start) {
        rec.stop = true;
        if (!heard(rec).finals && words.length && m.loud_ms >= 400) recognise();
        return ws.close(1000); // the server closes, as the API asks
      }
      rec.why = 'unexpected message';
      send({type: 'error', error: 'unexpected message'});
      return ws.close(1000);
    }
    if (!start) {
      rec.why = 'audio before start';
      send({type: 'error', error: 'audio before start'});
      return ws.close(1000);
    }
    hear(ws, m, rec, script, data, {
      interim: (text) => result(text, false),
      final: recognise,
      garbage: () => send('<html>502 Bad Gateway</html>'),
      error: () => send({type: 'error', error: 'upstream "vendor" unavailable'})
    });
  });
  ws.on('close', (code) => {
    rec.close_code = code;
    rec.ended = true;
  });
}

// ---- Speechmatics real-time API v2 -------------------------------------
// Authorization: Bearer <key>; StartRecognition {audio_format {raw,
// pcm_s16le, sample_rate}, transcription_config {language, ...}} first,
// answered by RecognitionStarted; audio only after that, each binary
// message answered by AudioAdded {seq_no}; EndOfStream {last_seq_no}
// (which must count the audio messages) answered by EndOfTranscript and
// a close. Results: AddPartialTranscript / AddTranscript {format,
// metadata {start_time, end_time, transcript}, results [{type "word",
// alternatives [{content, confidence}]}]}; EndOfUtterance after a pause.

function speechmaticsUpgrade(req, sock, head, url) {
  const rec = {vendor: 'speechmatics', path: url.pathname,
    authorization: req.headers.authorization || null, texts: [], sent: 0, ok: false, seq: 0};
  conns.push(rec);
  const auth = req.headers.authorization || '';
  const script = admit(rec, /^Bearer /.test(auth) ? auth.slice(7) : null, sock);
  if (!script) return;
  wss.handleUpgrade(req, sock, head, (ws) => speechmaticsSession(ws, rec, script));
}

function speechmaticsSession(ws, rec, script) {
  const words = (script.transcript || '').split(' ').filter(Boolean);
  let m = null, started = false, t = 0;
  const send = (o) => { rec.sent++; ws.send(typeof o === 'string' ? o : JSON.stringify(o)); };
  const error = (type, reason) => {
    rec.why = `${type}: ${reason}`;
    send({message: 'Error', type, reason});
    ws.close(1011);
  };
  const transcript = (list, final) => {
    const start = t;
    t = m.bytes / 2 / rec.start.audio_format.sample_rate;
    send({message: final ? 'AddTranscript' : 'AddPartialTranscript', format: '2.9',
      metadata: {start_time: start, end_time: t, transcript: list.join(' ')},
      results: list.map((w, i) => ({type: 'word', start_time: start + i * 0.3,
        end_time: start + i * 0.3 + 0.25,
        alternatives: [{content: w, confidence: script.confidence || 0.9, language: 'en'}]}))});
  };
  const recognise = () => {
    if (!m.rateOk()) {
      rec.why = `audio at ${rec.rate} samples/s, not ${rec.start.audio_format.sample_rate}`;
      return transcript([], true);
    }
    rec.ok = true;
    transcript(words, true);
    send({message: 'EndOfUtterance', metadata: {start_time: t, end_time: t}});
  };
  ws.on('message', (data, isBinary) => {
    if (!isBinary) {
      const txt = data.toString();
      rec.texts.push(txt);
      let o;
      try { o = JSON.parse(txt); } catch (e) { o = null; }
      if (o && o.message === 'StartRecognition' && !rec.start) {
        const af = o.audio_format || {}, tc = o.transcription_config || {};
        if (af.type !== 'raw' || af.encoding !== 'pcm_s16le' || !(af.sample_rate >= 8000))
          return error('invalid_audio_type', 'audio_format must be raw pcm_s16le with a sample_rate');
        if (typeof tc.language !== 'string' || /-/.test(tc.language))
          return error('invalid_model', `language ${tc.language} is not supported`);
        rec.start = o;
        m = meter(rec, af.sample_rate);
        // the service takes a moment to start
        setTimeout(() => { started = true; send({message: 'RecognitionStarted', id: crypto.randomUUID()}); }, 150);
        return;
      }
      if (o && o.message === 'EndOfStream' && rec.start) {
        rec.end_of_stream = o;
        if (o.last_seq_no !== rec.seq) rec.why = `last_seq_no ${o.last_seq_no}, ${rec.seq} sent`;
        if (!heard(rec).finals && words.length && m && m.loud_ms >= 400) recognise();
        send({message: 'EndOfTranscript'});
        return ws.close(1000);
      }
      return error('protocol_error', 'unexpected message');
    }
    if (!started) return error('protocol_error', 'audio before RecognitionStarted');
    rec.seq++;
    send({message: 'AudioAdded', seq_no: rec.seq});
    hear(ws, m, rec, script, data, {
      interim: (text) => transcript(text.split(' '), false),
      final: recognise,
      garbage: () => send('{"message": "AddTranscript", "metadata": '),
      error: () => error('quota_exceeded', 'Concurrent session limit reached')
    });
  });
  ws.on('close', (code) => {
    rec.close_code = code;
    rec.ended = true;
  });
}

// ---- AssemblyAI Universal Streaming (v3) -------------------------------
// /v3/ws?sample_rate=&encoding=pcm_s16le, "Authorization: <key>" (no
// scheme); Begin on connect; binary audio of 50 to 1000 ms a message
// (else the close 3007 "Input duration violation"); Turn {turn_order,
// turn_is_formatted, end_of_turn, transcript, end_of_turn_confidence,
// words}; {"type": "Terminate"} answered by Termination and a close.

function assemblyaiUpgrade(req, sock, head, url) {
  const rec = {vendor: 'assemblyai', query: Object.fromEntries(url.searchParams),
    authorization: req.headers.authorization || null, texts: [], sent: 0, ok: false,
    msgs: 0, min_ms: null, max_ms: null};
  conns.push(rec);
  const script = admit(rec, req.headers.authorization || null, sock);
  if (!script) return;
  const rate = Number(url.searchParams.get('sample_rate'));
  if (!(rate >= 8000) || url.searchParams.get('encoding') !== 'pcm_s16le') {
    rec.why = 'bad query';
    return refuse(sock, 400, 'Bad Request', {error: 'Invalid sample_rate or encoding'});
  }
  wss.handleUpgrade(req, sock, head, (ws) => assemblyaiSession(ws, rec, script, rate));
}

function assemblyaiSession(ws, rec, script, rate) {
  const words = (script.transcript || '').split(' ').filter(Boolean);
  const m = meter(rec, rate);
  let order = 0;
  const send = (o) => { rec.sent++; ws.send(typeof o === 'string' ? o : JSON.stringify(o)); };
  const turn = (list, end, formatted) => send({type: 'Turn', turn_order: order,
    turn_is_formatted: formatted, end_of_turn: end, transcript: list.join(' '),
    end_of_turn_confidence: end ? (script.confidence || 0.9) : 0.1,
    words: list.map((w, i) => ({start: i * 300, end: i * 300 + 250, text: w,
      confidence: script.confidence || 0.9, word_is_final: end}))});
  const recognise = () => {
    if (!m.rateOk()) {
      rec.why = `audio at ${rec.rate} samples/s, not ${rate}`;
      return turn([], true, false);
    }
    rec.ok = true;
    turn(words, true, false);
    turn(words, true, true);
    order++;
  };
  send({type: 'Begin', id: crypto.randomUUID(), expires_at: Math.floor(Date.now() / 1000) + 3600});
  ws.on('message', (data, isBinary) => {
    if (!isBinary) {
      const t = data.toString();
      rec.texts.push(t);
      let o;
      try { o = JSON.parse(t); } catch (e) { o = null; }
      if (o && o.type === 'Terminate') {
        rec.terminate = true;
        if (!heard(rec).finals && words.length && m.loud_ms >= 400) recognise();
        send({type: 'Termination', audio_duration_seconds: m.bytes / 2 / rate,
          session_duration_seconds: m.bytes / 2 / rate});
        return ws.close(1000);
      }
      rec.why = 'unexpected message';
      return ws.close(3005, 'Invalid Message');
    }
    const ms = data.length / 2 * 1000 / rate;
    rec.msgs++;
    rec.min_ms = rec.min_ms === null ? ms : Math.min(rec.min_ms, ms);
    rec.max_ms = Math.max(rec.max_ms || 0, ms);
    if (ms < 50 || ms > 1000) {
      rec.why = `Input duration violation: ${ms} ms`;
      return ws.close(3007, 'Input duration violation');
    }
    hear(ws, m, rec, script, data, {
      interim: (text) => turn(text.split(' '), false, false),
      final: recognise,
      garbage: () => send('{"type": "Turn", "transcr'),
      error: () => send({error: 'Too many concurrent sessions'})
    });
  });
  ws.on('close', (code) => {
    rec.close_code = code;
    rec.ended = true;
  });
}


// ---- Azure Speech (the Speech SDK's WebSocket protocol) ---------------
// /speech/recognition/conversation/cognitiveservices/v1?language=&format=,
// "Ocp-Apim-Subscription-Key: <key>" (else 401); every message has text
// headers Path, X-RequestId (32 hex digits), X-Timestamp: text ones
// "headers CRLF CRLF json", binary ones a 2-byte big-endian headers'
// length, the headers, the audio. speech.config first (once), then per
// turn speech.context and audio, the turn's first audio a RIFF/WAVE PCM
// mono 16-bit header (the rate taken from it; else the close 1007), an
// audio message without audio ending the turn. Answers turn.start,
// speech.startDetected, speech.hypothesis, speech.phrase (detailed:
// NBest when format=detailed), speech.endDetected, turn.end.

function msHeaders(text, where) {
  const h = {};
  for (const line of text.split('\r\n')) {
    if (!line) continue;
    const i = line.indexOf(':');
    if (i <= 0) throw new Error(`${where}: header line without ':'`);
    h[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  if (!h.path) throw new Error(`${where}: no Path`);
  if (!/^[0-9a-f]{32}$/i.test(h['x-requestid'] || '')) throw new Error(`${where}: bad X-RequestId`);
  if (!h['x-timestamp'] || isNaN(Date.parse(h['x-timestamp']))) throw new Error(`${where}: bad X-Timestamp`);
  return h;
}

function microsoftUpgrade(req, sock, head, url) {
  const rec = {vendor: 'microsoft', path: url.pathname, query: Object.fromEntries(url.searchParams),
    connection_id: req.headers['x-connectionid'] || null, texts: [], sent: 0, ok: false,
    paths: [], turns: 0, ended_turns: 0};
  conns.push(rec);
  const script = admit(rec, req.headers['ocp-apim-subscription-key'] || null, sock);
  if (!script) return;
  if (!url.searchParams.get('language')) {
    rec.why = 'no language';
    return refuse(sock, 400, 'Bad Request', {error: 'language is required'});
  }
  wss.handleUpgrade(req, sock, head, (ws) => microsoftSession(ws, rec, script, url.searchParams));
}

function microsoftSession(ws, rec, script, q) {
  const words = (script.transcript || '').split(' ').filter(Boolean);
  const detailed = q.get('format') === 'detailed';
  let m = null, config = false, rid = null, turnOpen = false, offset = 0;
  const send = (path, body) => {
    rec.sent++;
    ws.send(`X-RequestId: ${rid}\r\nContent-Type: application/json; charset=utf-8\r\nPath: ${path}\r\n\r\n` +
      JSON.stringify(body));
  };
  const protoErr = (why) => {
    rec.why = why;
    ws.close(1007, why.slice(0, 120));
  };
  const hypothesis = (text) => send('speech.hypothesis', {Text: text, Offset: offset, Duration: 5000000});
  const phrase = (text) => {
    const body = {RecognitionStatus: 'Success', Offset: offset, Duration: 15000000};
    if (detailed) {
      body.NBest = [{Confidence: script.confidence || 0.9, Lexical: text.toLowerCase(),
        ITN: text.toLowerCase(), MaskedITN: text.toLowerCase(), Display: text + '.'}];
    } else {
      body.DisplayText = text + '.';
    }
    if (rec.context && rec.context.languageId) body.PrimaryLanguage = {Language: script.language || rec.query.language, Confidence: 'High'};
    send('speech.phrase', body);
  };
  const recognise = () => {
    if (!m.rateOk()) {
      rec.why = `audio at ${rec.rate} samples/s, not ${rec.wav_rate}`;
      return send('speech.phrase', {RecognitionStatus: 'NoMatch', Offset: offset, Duration: 0});
    }
    rec.ok = true;
    phrase(words.join(' '));
    send('speech.endDetected', {Offset: offset + 15000000});
    // "turns": the service ends the turn after a phrase (as in its
    // interactive mode); audio goes on only in a new one
    if (script.turns && !rec.end_of_audio) {
      turnOpen = false;
      rec.ended_turns++;
      send('turn.end', {});
    }
  };
  ws.on('message', (data, isBinary) => {
    try {
      if (!isBinary) {
        const t = data.toString();
        rec.texts.push(t);
        const sep = t.indexOf('\r\n\r\n');
        if (sep < 0) return protoErr('text message without headers');
        const h = msHeaders(t.slice(0, sep), 'text message');
        rec.paths.push(h.path);
        if (!/^application\/json/.test(h['content-type'] || '')) return protoErr(`${h.path}: not application/json`);
        const body = JSON.parse(t.slice(sep + 4));
        if (h.path === 'speech.config') {
          if (config) return protoErr('speech.config twice');
          config = true;
          rec.config = body;
          return;
        }
        if (h.path === 'speech.context') {
          if (!config) return protoErr('speech.context before speech.config');
          if (turnOpen) return protoErr('speech.context within a turn');
          rid = h['x-requestid'];
          rec.context = body;
          rec.turns++;
          return;
        }
        return protoErr(`unknown path ${h.path}`);
      }
      if (data.length < 2) return protoErr('audio message shorter than its header length');
      const hl = data.readUInt16BE(0);
      if (2 + hl > data.length) return protoErr('audio header length past the message');
      const h = msHeaders(data.slice(2, 2 + hl).toString(), 'audio message');
      if (h.path !== 'audio') return protoErr(`binary message with Path ${h.path}`);
      if (!config) return protoErr('audio before speech.config');
      if (h['x-requestid'] !== rid) return protoErr('audio of an X-RequestId without its speech.context');
      let audio = data.slice(2 + hl);
      if (!turnOpen) {
        if (!audio.length) {
          // the audio ended before the turn began
          rec.end_of_audio = true;
          send('turn.end', {});
          return;
        }
        if (audio.length < 44 || audio.toString('latin1', 0, 4) !== 'RIFF' ||
            audio.toString('latin1', 8, 16) !== 'WAVEfmt ')
          return protoErr('the first audio of a turn is not a WAV header');
        const fmt = audio.readUInt16LE(20), ch = audio.readUInt16LE(22);
        const rate = audio.readUInt32LE(24), bits = audio.readUInt16LE(34);
        if (fmt !== 1 || ch !== 1 || bits !== 16 || ![8000, 16000].includes(rate))
          return protoErr(`unsupported audio format ${fmt}/${ch}/${rate}/${bits}`);
        if (!/^audio\/x-wav/.test(h['content-type'] || '')) return protoErr('first audio without Content-Type audio/x-wav');
        rec.wav_rate = rate;
        if (!m) m = meter(rec, rate);
        turnOpen = true;
        send('turn.start', {context: {serviceTag: crypto.randomUUID().replace(/-/g, '')}});
        audio = audio.slice(44);
        send('speech.startDetected', {Offset: offset});
        if (!audio.length) return;
      }
      if (!audio.length) {
        // the end of the audio
        rec.end_of_audio = true;
        if (!heard(rec).finals && words.length && m.loud_ms >= 400) recognise();
        turnOpen = false;
        rec.ended_turns++;
        send('turn.end', {});
        return;
      }
      hear(ws, m, rec, script, audio, {
        interim: (text) => hypothesis(text),
        final: recognise,
        garbage: () => { rec.sent++; ws.send('{"RecognitionStatus": "Success"}'); },
        error: () => { rec.why = 'quota'; ws.close(1008, 'Quota exceeded'); }
      });
    } catch (e) {
      protoErr(e.message);
    }
  });
  ws.on('close', (code) => {
    rec.close_code = code;
    rec.ended = true;
  });
}

// ---- Amazon Transcribe streaming over WebSocket ------------------------
// /stream-transcription-websocket, presigned: X-Amz-Algorithm
// AWS4-HMAC-SHA256, X-Amz-Credential <key id>/<date>/<region>/transcribe/
// aws4_request, X-Amz-Date within 5 minutes, X-Amz-Expires at most 300,
// X-Amz-SignedHeaders host, X-Amz-Signature recomputed with the key's
// "secret" (403 otherwise, as the service answers); language-code (or
// identify-language with language-options), media-encoding pcm,
// sample-rate. Both ways event-stream messages: total length, headers'
// length, prelude CRC32, headers (name length, name, type, value), the
// payload, the message CRC32, all checked; AudioEvent in, an empty one
// ending the stream (the service then closes); TranscriptEvent out
// {Transcript {Results [{ResultId, StartTime, EndTime, IsPartial,
// Alternatives [{Transcript, Items [{Type, Content, Confidence}]}]}]}};
// an exception message (:exception-type, {"Message"}) for what it refuses.

const crcTable = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();
function crc32(buf) {
  let c = 0xFFFFFFFF;
  for (const b of buf) c = crcTable[(c ^ b) & 0xFF] ^ (c >>> 8);
  return (c ^ 0xFFFFFFFF) >>> 0;
}

function evsEncode(headers, payload) {
  const hs = Object.entries(headers).map(([k, v]) => {
    const name = Buffer.from(k), val = Buffer.from(v);
    const h = Buffer.alloc(1 + name.length + 3 + val.length);
    h[0] = name.length;
    name.copy(h, 1);
    h[1 + name.length] = 7;
    h.writeUInt16BE(val.length, 2 + name.length);
    val.copy(h, 4 + name.length);
    return h;
  });
  const hb = Buffer.concat(hs);
  const total = 12 + hb.length + payload.length + 4;
  const pre = Buffer.alloc(12);
  pre.writeUInt32BE(total, 0);
  pre.writeUInt32BE(hb.length, 4);
  pre.writeUInt32BE(crc32(pre.slice(0, 8)), 8);
  const body = Buffer.concat([pre, hb, payload]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body), 0);
  return Buffer.concat([body, crc]);
}

function evsDecode(buf) {
  if (buf.length < 16) throw new Error('message shorter than its prelude');
  const total = buf.readUInt32BE(0), hlen = buf.readUInt32BE(4);
  if (total !== buf.length) throw new Error(`total length ${total}, message of ${buf.length}`);
  if (buf.readUInt32BE(8) !== crc32(buf.slice(0, 8))) throw new Error('prelude CRC mismatch');
  if (buf.readUInt32BE(total - 4) !== crc32(buf.slice(0, total - 4))) throw new Error('message CRC mismatch');
  if (hlen > total - 16) throw new Error('headers longer than the message');
  const headers = {};
  let p = 12;
  const end = 12 + hlen;
  while (p < end) {
    const nl = buf[p++];
    const name = buf.toString('utf8', p, p + nl);
    p += nl;
    const type = buf[p++];
    if (type !== 7) throw new Error(`header ${name} of type ${type}, not a string`);
    const vl = buf.readUInt16BE(p);
    p += 2;
    if (p + vl > end) throw new Error(`header ${name} past the headers`);
    headers[name] = buf.toString('utf8', p, p + vl);
    p += vl;
  }
  if (p !== end) throw new Error('headers do not end at their length');
  return {headers, payload: buf.slice(end, total - 4)};
}

const awsEnc = (v) => encodeURIComponent(v).replace(/[!'()*]/g,
  (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

function awsCheck(req, url) {
  const q = url.searchParams;
  if (q.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') return {why: 'X-Amz-Algorithm'};
  const cred = (q.get('X-Amz-Credential') || '').split('/');
  if (cred.length !== 5 || cred[3] !== 'transcribe' || cred[4] !== 'aws4_request')
    return {why: 'X-Amz-Credential'};
  const [id, date, region] = cred;
  const stamp = q.get('X-Amz-Date') || '';
  const m = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(stamp);
  if (!m || stamp.slice(0, 8) !== date) return {why: 'X-Amz-Date', id};
  const t = Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  if (Math.abs(Date.now() - t) > 300000) return {why: 'X-Amz-Date skewed', id};
  const exp = Number(q.get('X-Amz-Expires'));
  if (!(exp > 0 && exp <= 300)) return {why: 'X-Amz-Expires', id};
  if (q.get('X-Amz-SignedHeaders') !== 'host') return {why: 'X-Amz-SignedHeaders', id};
  const script = keys[id];
  if (!script || !script.secret) return {why: 'bad key', id};
  // temporary keys (STS): their session token, signed in the query
  if (script.token && q.get('X-Amz-Security-Token') !== script.token) return {why: 'session token', id};
  const pairs = [];
  for (const [k, v] of q) if (k !== 'X-Amz-Signature') pairs.push([awsEnc(k), awsEnc(v)]);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1));
  const canon = ['GET', url.pathname, pairs.map(([k, v]) => `${k}=${v}`).join('&'),
    `host:${req.headers.host}`, '', 'host', crypto.createHash('sha256').update('').digest('hex')].join('\n');
  const sts = ['AWS4-HMAC-SHA256', stamp, `${date}/${region}/transcribe/aws4_request`,
    crypto.createHash('sha256').update(canon).digest('hex')].join('\n');
  const hmac = (k, d) => crypto.createHmac('sha256', k).update(d).digest();
  let k = hmac('AWS4' + script.secret, date);
  k = hmac(hmac(hmac(k, region), 'transcribe'), 'aws4_request');
  const sig = crypto.createHmac('sha256', k).update(sts).digest('hex');
  if (sig !== q.get('X-Amz-Signature')) return {why: 'signature mismatch', id};
  return {id, region, script};
}

function awsUpgrade(req, sock, head, url) {
  const q = url.searchParams;
  const rec = {vendor: 'aws', path: url.pathname, query: Object.fromEntries(q), sent: 0, ok: false,
    events: 0, min_ms: null, max_ms: null};
  conns.push(rec);
  const c = awsCheck(req, url);
  rec.key = c.id || null;
  if (!c.script) {
    rec.why = c.why;
    return refuse(sock, 403, 'Forbidden', {message: 'The request signature we calculated does not match ' +
      'the signature you provided.'});
  }
  if (!admit(rec, c.id, sock)) return;
  const rate = Number(q.get('sample-rate'));
  if (q.get('media-encoding') !== 'pcm' || !(rate >= 8000 && rate <= 48000) ||
      !(q.get('language-code') || (q.get('identify-language') === 'true' && q.get('language-options')))) {
    rec.why = 'bad query';
    return refuse(sock, 400, 'Bad Request', {message: 'language-code, media-encoding or sample-rate'});
  }
  wss.handleUpgrade(req, sock, head, (ws) => awsSession(ws, rec, c.script, rate, q));
}

function awsSession(ws, rec, script, rate, q) {
  const words = (script.transcript || '').split(' ').filter(Boolean);
  const m = meter(rec, rate);
  const rid = crypto.randomUUID();
  let done = false;
  const event = (body) => {
    rec.sent++;
    ws.send(evsEncode({':event-type': 'TranscriptEvent', ':content-type': 'application/json',
      ':message-type': 'event'}, Buffer.from(JSON.stringify(body))));
  };
  const exception = (type, message) => {
    rec.why = `${type}: ${message}`;
    rec.sent++;
    ws.send(evsEncode({':exception-type': type, ':content-type': 'application/json',
      ':message-type': 'exception'}, Buffer.from(JSON.stringify({Message: message}))));
    ws.close(1000);
  };
  const result = (list, partial) => {
    const t = m.bytes / 2 / rate;
    const r = {ResultId: rid, StartTime: 0, EndTime: t, IsPartial: partial, ChannelId: 'ch_0',
      Alternatives: [{Transcript: list.join(' ') + (partial ? '' : '.'),
        Items: list.map((w, i) => ({Type: 'pronunciation', Content: w, StartTime: i * 0.3,
          EndTime: i * 0.3 + 0.25, Confidence: script.confidence || 0.9, VocabularyFilterMatch: false}))
          .concat(partial ? [] : [{Type: 'punctuation', Content: '.', StartTime: t, EndTime: t,
            VocabularyFilterMatch: false}])}]};
    if (q.get('identify-language') === 'true') r.LanguageCode = script.language || q.get('preferred-language');
    event({Transcript: {Results: [r]}});
  };
  const recognise = () => {
    if (!m.rateOk()) {
      rec.why = `audio at ${rec.rate} samples/s, not ${rate}`;
      return event({Transcript: {Results: []}});
    }
    rec.ok = true;
    result(words, false);
  };
  ws.on('message', (data, isBinary) => {
    if (done) return;
    if (!isBinary) return exception('BadRequestException', 'text message: the stream is event-stream encoded');
    let msg;
    try { msg = evsDecode(data); } catch (e) { return exception('BadRequestException', e.message); }
    const h = msg.headers;
    if (h[':message-type'] !== 'event' || h[':event-type'] !== 'AudioEvent' ||
        h[':content-type'] !== 'application/octet-stream')
      return exception('BadRequestException', 'not an AudioEvent');
    rec.events++;
    if (!msg.payload.length) {
      done = true;
      rec.end_of_stream = true;
      if (!heard(rec).finals && words.length && m.loud_ms >= 400) recognise();
      return ws.close(1000);
    }
    const ms = msg.payload.length / 2 * 1000 / rate;
    rec.min_ms = rec.min_ms === null ? ms : Math.min(rec.min_ms, ms);
    rec.max_ms = Math.max(rec.max_ms || 0, ms);
    if (rec.events % 10 === 1) event({Transcript: {Results: []}});
    hear(ws, m, rec, script, msg.payload, {
      interim: (text) => result(text.split(' '), true),
      final: recognise,
      garbage: () => {
        // a TranscriptEvent whose message CRC is off by one bit
        const b = evsEncode({':event-type': 'TranscriptEvent', ':message-type': 'event'},
          Buffer.from('{"Transcript":{"Results":[]}}'));
        b[b.length - 1] ^= 1;
        rec.sent++;
        ws.send(b);
      },
      error: () => exception('LimitExceededException', 'You have reached your limit of concurrent streams')
    });
    if (script.mode === 'malformed' && !rec.sent_bad && m.loud_ms >= 300) {
      // a total length past the message, its prelude CRC right
      rec.sent_bad = true;
      const b = evsEncode({':event-type': 'TranscriptEvent', ':message-type': 'event'}, Buffer.from('{}'));
      b.writeUInt32BE(b.length + 8, 0);
      b.writeUInt32BE(crc32(b.slice(0, 8)), 8);
      ws.send(b);
    }
  });
  ws.on('close', (code) => {
    rec.close_code = code;
    rec.ended = true;
  });
}

// ---- Soniox real-time WebSocket API ------------------------------------
// /transcribe-websocket, "Authorization: Bearer <key>" (an api_key in the
// configuration, if any, must be the same); the configuration first
// (model, audio_format pcm_s16le with sample_rate and num_channels 1,
// else {error_code 400}); binary audio; {"type": "keepalive"}; an empty
// text message ends the audio: the last tokens, {"finished": true} and a
// close. Responses {tokens [{text, start_ms, end_ms, confidence,
// is_final}], final_audio_proc_ms, total_audio_proc_ms}; a final "<end>"
// token at an endpoint (enable_endpoint_detection).

function sonioxUpgrade(req, sock, head, url) {
  const rec = {vendor: 'soniox', path: url.pathname, authorization: req.headers.authorization || null,
    texts: [], sent: 0, ok: false, keepalives: 0};
  conns.push(rec);
  const auth = req.headers.authorization || '';
  const script = admit(rec, /^Bearer /.test(auth) ? auth.slice(7) : null, sock);
  if (!script) return;
  wss.handleUpgrade(req, sock, head, (ws) => sonioxSession(ws, rec, script));
}

function sonioxSession(ws, rec, script) {
  const words = (script.transcript || '').split(' ').filter(Boolean);
  let m = null, cfg = null, ms = 0;
  const send = (o) => { rec.sent++; ws.send(typeof o === 'string' ? o : JSON.stringify(o)); };
  const error = (code, message) => {
    rec.why = `${code}: ${message}`;
    send({error_code: code, error_message: message});
    ws.close(1000);
  };
  const tokens = (list, fin) => list.map((w, i) => ({text: (i ? ' ' : '') + w, start_ms: ms + i * 300,
    end_ms: ms + i * 300 + 250, confidence: script.confidence || 0.9, is_final: fin}));
  const respond = (toks) => {
    ms = Math.round(m.bytes / 2 * 1000 / cfg.sample_rate);
    send({tokens: toks, final_audio_proc_ms: ms, total_audio_proc_ms: ms});
  };
  const recognise = () => {
    if (!m.rateOk()) {
      rec.why = `audio at ${rec.rate} samples/s, not ${cfg.sample_rate}`;
      return respond([]);
    }
    rec.ok = true;
    // the words final in two responses, then the endpoint
    const half = Math.ceil(words.length / 2);
    respond(tokens(words.slice(0, half), true));
    respond(tokens(words.slice(half), true).map((t) => ({...t, text: ' ' + t.text.trim()}))
      .concat([{text: '<end>', start_ms: ms, end_ms: ms, confidence: 1, is_final: true}]));
  };
  ws.on('message', (data, isBinary) => {
    if (!isBinary) {
      const t = data.toString();
      rec.texts.push(t);
      if (t === '' && cfg) {
        rec.end_of_audio = true;
        if (!heard(rec).finals && words.length && m.loud_ms >= 400) recognise();
        send({tokens: [], final_audio_proc_ms: ms, total_audio_proc_ms: ms, finished: true});
        return ws.close(1000);
      }
      let o;
      try { o = JSON.parse(t); } catch (e) { o = null; }
      if (o && o.type === 'keepalive' && cfg) { rec.keepalives++; return; }
      if (!o || cfg) return error(400, 'Invalid request.');
      if (o.api_key !== undefined && o.api_key !== rec.key) return error(401, 'Invalid API key.');
      if (typeof o.model !== 'string' || !o.model) return error(400, 'Missing model.');
      if (o.audio_format !== 'pcm_s16le' || !(o.sample_rate >= 8000) || o.num_channels !== 1)
        return error(400, 'Invalid audio format: pcm_s16le needs sample_rate and num_channels.');
      cfg = o;
      rec.config = o;
      m = meter(rec, o.sample_rate);
      return;
    }
    if (!cfg) return error(400, 'Audio before the configuration.');
    hear(ws, m, rec, script, data, {
      interim: (text) => respond(tokens(text.split(' '), false)),
      final: recognise,
      garbage: () => send('{"tokens": [{"text": "x"'),
      error: () => error(503, 'Service is temporarily unavailable.')
    });
  });
  ws.on('close', (code) => {
    rec.close_code = code;
    rec.ended = true;
  });
}

// ---- Deepgram ----------------------------------------------------------

function deepgramUpgrade(req, sock, head, url) {
  const rec = {vendor: 'deepgram', query: Object.fromEntries(url.searchParams),
    keywords: url.searchParams.getAll('keywords'),
    protocol: req.headers['sec-websocket-protocol'] || null,
    authorization: req.headers.authorization || null, texts: [], sent: 0, ok: false};
  conns.push(rec);
  let key = null;
  const auth = req.headers.authorization || '';
  const proto = (req.headers['sec-websocket-protocol'] || '').split(',').map((s) => s.trim());
  if (/^Token /.test(auth)) key = auth.slice(6);
  else if (proto[0] === 'token' && proto[1]) key = proto[1];
  const script = admit(rec, key, sock);
  if (!script) return;
  const q = url.searchParams;
  const bad = [];
  if (q.get('encoding') !== 'linear16') bad.push('encoding');
  const rate = Number(q.get('sample_rate'));
  if (!(rate >= 8000 && rate <= 48000)) bad.push('sample_rate');
  if ((q.get('channels') || '1') !== '1') bad.push('channels');
  if (!q.get('model')) bad.push('model');
  if (bad.length) {
    rec.why = 'bad query: ' + bad.join(',');
    return refuse(sock, 400, 'Bad Request', {err_code: 'Bad Request',
      err_msg: 'Bad Request: ' + rec.why});
  }
  wss.handleUpgrade(req, sock, head, (ws) => deepgramSession(ws, rec, script, rate, q));
}

function deepgramSession(ws, rec, script, rate, q) {
  const m = meter(rec, rate);
  const requestId = crypto.randomUUID();
  const words = (script.transcript || '').split(' ').filter(Boolean);
  let closing = false, pos = 0;

  const results = (text, isFinal, speechFinal) => {
    const start = pos;
    pos = m.bytes / 2 / rate;
    const msg = {type: 'Results', channel_index: [0, 1], duration: +(pos - start).toFixed(3),
      start: +start.toFixed(3), is_final: isFinal, speech_final: speechFinal,
      channel: {alternatives: [{transcript: text, confidence: script.confidence || 0.97,
        // a multilingual model names the language it detected
        ...(script.language && q.get('language') === 'multi' ? {languages: [script.language]} : {}),
        words: text.split(' ').filter(Boolean).map((w, i) => ({word: w.toLowerCase(),
          start: start + i * 0.3, end: start + i * 0.3 + 0.25,
          confidence: script.confidence || 0.97}))}]},
      metadata: {request_id: requestId, model_info: {name: q.get('model'), version: '2024-01-09',
        arch: q.get('model')}, model_uuid: crypto.randomUUID()},
      from_finalize: false};
    rec.sent++;
    ws.send(JSON.stringify(msg));
  };
  const recognise = () => {
    if (!m.rateOk()) {
      rec.why = `audio at ${rec.rate} samples/s, not ${rate}`;
      results('', true, true);
      return;
    }
    rec.ok = true;
    const half = Math.ceil(words.length / 2);
    results(words.slice(0, half).join(' '), true, false);
    results(words.slice(half).join(' '), true, true);
  };

  ws.on('message', (data, isBinary) => {
    if (closing) {
      rec.after_close = (rec.after_close || 0) + 1;
      return;
    }
    if (!isBinary) {
      const t = data.toString();
      rec.texts.push(t);
      let o;
      try { o = JSON.parse(t); } catch (e) { o = null; }
      if (!o || !['KeepAlive', 'CloseStream', 'Finalize'].includes(o.type)) {
        rec.why = 'unknown message';
        ws.close(1008, 'DATA-0000');
        return;
      }
      if (o.type === 'CloseStream') {
        closing = true;
        rec.close_stream = true;
        if (!heard(rec).finals && words.length && m.loud_ms >= 400) recognise();
        ws.send(JSON.stringify({type: 'Metadata', transaction_key: 'deprecated',
          request_id: requestId, sha256: crypto.createHash('sha256').update('x').digest('hex'),
          created: new Date().toISOString(), duration: m.bytes / 2 / rate, channels: 1}));
        ws.close(1000);
      }
      return;
    }
    hear(ws, m, rec, script, data, {
      interim: (text) => results(text, false, false),
      final: recognise,
      garbage: () => {
        rec.sent++;
        ws.send('{"type": "Results", "channel": {"alternatives": [{"transcr');
      },
      error: () => ws.close(1011, 'NET-0001')
    });
  });
  ws.on('close', (code) => {
    rec.close_code = code;
    rec.ended = true;
  });
}

server.on('upgrade', (req, sock, head) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/v1/listen') return deepgramUpgrade(req, sock, head, url);
  if (url.pathname.startsWith('/custom')) return customUpgrade(req, sock, head, url);
  if (url.pathname === '/v2') return speechmaticsUpgrade(req, sock, head, url);
  if (url.pathname === '/v3/ws') return assemblyaiUpgrade(req, sock, head, url);
  if (url.pathname === '/transcribe-websocket') return sonioxUpgrade(req, sock, head, url);
  if (url.pathname === '/stream-transcription-websocket') return awsUpgrade(req, sock, head, url);
  if (url.pathname === '/speech/recognition/conversation/cognitiveservices/v1')
    return microsoftUpgrade(req, sock, head, url);
  conns.push({vendor: 'unknown', path: url.pathname});
  refuse(sock, 404, 'Not Found', {error: 'not found'});
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`PORT ${server.address().port}\n`);
});
process.on('SIGTERM', () => {
  slow.forEach((s) => s.destroy());
  process.exit(0);
});
