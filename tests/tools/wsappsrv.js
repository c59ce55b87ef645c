#!/usr/bin/env node
// A WebSocket application for end-to-end tests, written with
// @jambonz/node-client-ws (the client jambonz users write apps with).
// It records every handshake and every message the feature server sends.
//
//   node wsappsrv.js                     prints "PORT <n>" when ready
//
// Services by path:
//   /app       session:new: three hostile messages first (not JSON, no
//              type, an unknown command), then a gather (2 digits, a
//              nested say, actionHook /digits); /digits answers say + hangup
//   /redirect  session:new answered with say + a long pause; 500 ms later a
//              redirect command (say + hangup) replaces it
//   /early     a redirect command (say + long pause) before the ack,
//              which comes 300 ms later with a hangup
//   /queue     long pause; a redirect with queueCommand (hangup) goes
//              after it
//   /hangup    long pause; 500 ms later the command call:status completed
//   /big       long pause; then a message over JAMBONES_WS_MAX_PAYLOAD
//   /drop      long pause; then the socket is cut
//   /noack     session:new never acked
//   anything else: the handshake is refused (404)
//
//   GET /_log  [{event:"upgrade", path, headers} | {path, msg, at, out}]
//              (out: sent by the app, else received)
'use strict';
const http = require('http');
const path = require('path');

const nm = path.join(__dirname, '..', 'node_modules');
const {createEndpoint} = require(path.join(nm, '@jambonz', 'node-client-ws'));

const log = [];
const server = http.createServer((req, res) => {
  if (req.url === '/_log') {
    const s = JSON.stringify(log);
    res.writeHead(200, {'Content-Type': 'application/json'});
    return res.end(s);
  }
  res.writeHead(404);
  res.end();
});

const record = (req, res, next) => {
  log.push({event: 'upgrade', path: req.url, headers: req.headers, at: Date.now()});
  next();
};
const makeService = createEndpoint({server, middlewares: [record]});

// every message from the feature server after session:new, as sent
function watch(p, session) {
  // session.data lacks the three status fields, which the session
  // keeps as its own properties
  const {sip_status, sip_reason, call_status} = session;
  log.push({path: p, at: Date.now(), msg: {
    type: 'session:new', msgid: session.msgid, call_sid: session.call_sid,
    data: {...session.data, sip_status, sip_reason, call_status}}});
  session.ws.on('message', (raw) => {
    let msg;
    try { msg = JSON.parse(raw); } catch (e) { msg = {unparsable: String(raw)}; }
    log.push({path: p, msg, at: Date.now()});
  });
  const send = session.ws.send.bind(session.ws);
  session.ws.send = (data, ...rest) => {
    let msg;
    try { msg = JSON.parse(data); } catch (e) { msg = {unparsable: String(data)}; }
    log.push({path: p, out: true, msg, at: Date.now()});
    return send(data, ...rest);
  };
  session.on('error', () => {});
}

makeService({path: '/app'}).on('session:new', (session) => {
  watch('/app', session);
  session.ws.send('this is not json {');
  session.ws.send(JSON.stringify({msgid: 'x1', data: {}}));
  session.ws.send(JSON.stringify({type: 'command', command: 'frobnicate', data: {}}));
  session
    .gather({input: ['digits'], numDigits: 2, timeout: 8, actionHook: '/digits',
      say: {text: 'Please press two keys.'}})
    .send();
  session.on('/digits', (evt) => {
    session.locals.digits = evt.digits;
    session.say({text: 'Thank you.'}).hangup().reply();
  });
});

// a redirect command before the ack of session:new; the ack's hangup
// then replaces what it started
makeService({path: '/early'}).on('session:new', (session) => {
  watch('/early', session);
  session.ws.send(JSON.stringify({type: 'command', command: 'redirect',
    data: [{verb: 'say', text: 'Early.'}, {verb: 'pause', length: 20}]}));
  setTimeout(() => session.hangup().send(), 300);
});

// never acks session:new
makeService({path: '/noack'}).on('session:new', (session) => watch('/noack', session));

const holding = (p, then) => {
  makeService({path: p}).on('session:new', (session) => {
    watch(p, session);
    session.say({text: 'Hold on.'}).pause({length: p === '/queue' ? 2 : 20}).send();
    setTimeout(() => then(session), 500);
  });
};
holding('/redirect', (session) => session.say({text: 'Redirected.'}).hangup().send());
holding('/queue', (session) => session.hangup().send({execImmediate: false}));
holding('/hangup', (session) => session.sendCommand('call:status', {call_status: 'completed'}));
holding('/big', (session) => session.ws.send(JSON.stringify({type: 'command',
  command: 'redirect', data: [{verb: 'say', text: 'x'.repeat(40000)}]})));
holding('/drop', (session) => session.ws.terminate());

server.listen(0, '127.0.0.1', () => {
  console.log('PORT ' + server.address().port);
});
