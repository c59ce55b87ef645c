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
//   /drop      long pause; then the socket is cut, and a reconnect refused
//   /rc        config notifyEvents, pause 1 (id p1), gather (id g1, 1 s,
//              actionHook /after); the socket is cut 500 ms in and the
//              reconnect's handshake held 700 ms, so verb:status of the
//              pause's end waits for it; /after answers hangup
//   /rcnew     the socket is cut before session:new is acked; the ack of
//              session:reconnect (hangup) answers it
//   /gone      long pause; the socket is cut 300 ms in; every reconnect
//              refused (404)
//   /gone1     the same, for a URL allowing no reconnect (#rc=1)
//   /bye       pause 1, gather (1 s, actionHook /after), say; the app
//              closes its socket with 1000 500 ms in: no reconnect, the
//              list runs on without the socket and the call ends
//   /bye1001   say, pause 2, hangup; the socket closed with 1001 500 ms in:
//              reconnected, session:reconnect acked
//   /cmd       say forever; then commands: mute:status, tag, dtmf,
//              sip:request (NOTIFY, MESSAGE), bad ones, config
//              notifyEvents, dial (to ?dial=<sip uri>, call_hook /dialed),
//              redirect to the call_hook /newapp (pause 1 + hangup)
//   /dialed    the call the dial command placed: say + hangup
//   /upd       say forever, until a REST updateCall's call_hook /rest
//              (session:redirect) answers a redirect verb to /r2, whose
//              session:redirect answers say + hangup
//   /conf      a conference (room wsroom, statusHook /cstatus for join and
//              leave, actionHook /cdone); 1 s in the commands conf:mute-status
//              (a bad value first), conf:hold-status hold and unhold,
//              conf:participant-action mute, then kick; /cdone answers hangup
//   /handover  say, then a redirect whose actionHook is the absolute
//              http URL in ?to=: the session goes over to HTTP
//   /whisper   dial to ?dial=<sip uri> (actionHook /wdone: hangup); once
//              the child leg's call:status says in-progress, a whisper
//              command naming the child's callSid plays ?beep=<url>,
//              then a dtmf command (3) to it, one to a callSid unknown
//   /noack     session:new never acked
//   /badhook   gather (1 s, actionHook /g), redirect (/next), say: both
//              hooks are acked with an invalid verb (pause length "long")
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
// paths whose reconnects are refused, and by how long an upgrade waits
const refuseAgain = new Set(['/drop', '/gone', '/gone1']);
const holdAgain = {'/rc': 700};
const upgrades = {};
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
  const p = req.url.split('?')[0];
  const n = upgrades[p] = (upgrades[p] || 0) + 1;
  log.push({event: 'upgrade', path: p, url: req.url, headers: req.headers, at: Date.now(), n});
  if (n > 1 && refuseAgain.has(p)) {
    res.writeHead(404);
    res.end();
    return;
  }
  if (n > 1 && holdAgain[p]) return setTimeout(next, holdAgain[p]);
  next();
};
const makeService = createEndpoint({server, middlewares: [record]});

// every message from the feature server after session:new, as sent
function watch(p, session, type = 'session:new') {
  // session.data lacks the three status fields, which the session
  // keeps as its own properties
  const {sip_status, sip_reason, call_status} = session;
  log.push({path: p, at: Date.now(), msg: {
    type, msgid: session.msgid, call_sid: session.call_sid,
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
  session.ws.on('close', (code) => log.push({path: p, event: 'close', code, at: Date.now()}));
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

// both hooks acked with a verb that does not validate
makeService({path: '/badhook'}).on('session:new', (session) => {
  watch('/badhook', session);
  session.gather({input: ['digits'], timeout: 1, actionHook: '/g'})
    .redirect({actionHook: '/next'})
    .say({text: 'Not reached.'})
    .send();
  const bad = () => session.ws.send(JSON.stringify({type: 'ack',
    msgid: session.msgid, data: [{verb: 'pause', length: 'long'}]}));
  session.on('/g', bad);
  session.on('/next', bad);
});

makeService({path: '/handover'}).on('session:new', (session, p, req) => {
  watch('/handover', session);
  const to = new URL(req.url, 'ws://x').searchParams.get('to');
  session.say({text: 'Handing over.'}).redirect({actionHook: to}).send();
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
holding('/gone', (session) => session.ws.terminate());
holding('/gone1', (session) => session.ws.terminate());

// reconnects: each socket's messages are logged under its path
const rc = makeService({path: '/rc'});
rc.on('session:new', (session) => {
  watch('/rc', session);
  session
    .config({notifyEvents: true})
    .pause({length: 1, id: 'p1'})
    .gather({input: ['digits'], numDigits: 1, timeout: 1, actionHook: '/after', id: 'g1'})
    .send();
  setTimeout(() => session.ws.terminate(), 500);
});
rc.on('session:reconnect', (session) => {
  watch('/rc', session, 'session:reconnect');
  session.reply();
  session.on('/after', () => session.hangup({id: 'h1'}).reply());
});
makeService({path: '/bye'}).on('session:new', (session) => {
  watch('/bye', session);
  session
    .pause({length: 1})
    .gather({input: ['digits'], numDigits: 1, timeout: 1, actionHook: '/after'})
    .say({text: 'Goodbye.'})
    .send();
  setTimeout(() => session.ws.close(1000), 500);
});
const bye1001 = makeService({path: '/bye1001'});
bye1001.on('session:new', (session) => {
  watch('/bye1001', session);
  session.say({text: 'Hold on.'}).pause({length: 2}).hangup().send();
  setTimeout(() => session.ws.close(1001), 500);
});
bye1001.on('session:reconnect', (session) => {
  watch('/bye1001', session, 'session:reconnect');
  session.reply();
});
const rcnew = makeService({path: '/rcnew'});
rcnew.on('session:new', (session) => {
  watch('/rcnew', session);
  setTimeout(() => session.ws.terminate(), 100);
});
rcnew.on('session:reconnect', (session) => {
  watch('/rcnew', session, 'session:reconnect');
  session.say({text: 'Reconnected.'}).hangup().send();
});

// commands, one after the other
const after = (ms, f) => setTimeout(f, ms);
makeService({path: '/cmd'}).on('session:new', (session, p, req) => {
  watch('/cmd', session);
  const dialTo = new URL(req.url, 'ws://x').searchParams.get('dial');
  const cmd = (command, data, at) => after(at, () => {
    log.push({path: '/cmd', at: Date.now(), mark: command, data});
    session.sendCommand(command, data);
  });
  session.say({text: 'Please hold. One two three four five six seven.', loop: 'forever'}).send();
  cmd('mute:status', 'mute', 1500);
  cmd('mute:status', {mute_status: 'unmute'}, 2700);
  cmd('tag', {tag: {order: '42'}}, 2800);
  cmd('dtmf', {dtmf: {digit: '5', duration: 400}}, 2900);
  cmd('sip:request', {sip_request: {method: 'NOTIFY', content_type: 'text/plain',
    content: 'hello', headers: {'X-Test': 'one', 'Event': 'foo', 'X-Evil': 'a\r\nX-Injected: 1'}}}, 3000);
  cmd('sip:request', {sip_request: {method: 'message', content_type: 'text/plain', content: 'hi there'}}, 3100);
  // bad ones: each answered with jambonz:error
  cmd('mute:status', 'loud', 3200);
  cmd('sip:request', {sip_request: {method: 'BYE'}}, 3250);
  cmd('dtmf', {dtmf: {digit: 'x'}}, 3300);
  cmd('tag', {tag: 'x'}, 3350);
  cmd('redirect', {nothing: true}, 3400);
  cmd('whisper', {verb: 'say', text: 'x'}, 3450);
  cmd('config', {notifyEvents: true}, 3500);
  if (dialTo) {
    cmd('dial', {from: '15550001234', to: {type: 'sip', sipUri: dialTo}, call_hook: '/dialed'}, 3600);
  }
  cmd('redirect', {call_hook: {url: '/newapp'}}, 4500);
  session.on('/newapp', () => session
    .pause({length: 1, id: 'p9'})
    .hangup({id: 'h9'})
    .reply());
});
makeService({path: '/upd'}).on('session:new', (session) => {
  watch('/upd', session);
  session.say({text: 'Waiting for an update.', loop: 'forever'}).send();
  session.on('/rest', () => session.redirect({actionHook: '/r2'}).reply());
  session.on('/r2', () => session.say({text: 'Updated.'}).hangup().reply());
});
makeService({path: '/conf'}).on('session:new', (session) => {
  watch('/conf', session);
  session.conference({name: 'wsroom', statusHook: '/cstatus', statusEvents: ['join', 'leave'],
    actionHook: '/cdone'}).send();
  session.on('/cstatus', () => session.reply());
  session.on('/cdone', () => session.hangup().reply());
  setTimeout(() => {
    session.sendCommand('conf:mute-status', {conf_mute_status: 'loud'});
    session.sendCommand('conf:mute-status', {conf_mute_status: 'mute'});
    session.sendCommand('conf:hold-status', {conf_hold_status: 'hold'});
    session.sendCommand('conf:hold-status', {conf_hold_status: 'unhold'});
    session.sendCommand('conf:participant-action', {action: 'mute'});
    setTimeout(() => session.sendCommand('conf:participant-action', {action: 'kick'}), 300);
  }, 1000);
});
makeService({path: '/whisper'}).on('session:new', (session, p, req) => {
  watch('/whisper', session);
  const q = new URL(req.url, 'ws://x').searchParams;
  let sent = false;
  session.ws.on('message', (raw) => {
    let msg;
    try { msg = JSON.parse(raw); } catch (e) { return; }
    const d = msg.data || {};
    if (sent || msg.type !== 'call:status' || !d.parent_call_sid ||
        d.call_status !== 'in-progress') return;
    sent = true;
    after(300, () => session.ws.send(JSON.stringify({type: 'command',
      command: 'whisper', callSid: d.call_sid,
      data: {whisper: {verb: 'play', url: q.get('beep')}}})));
    after(1600, () => session.ws.send(JSON.stringify({type: 'command',
      command: 'dtmf', callSid: d.call_sid,
      data: {dtmf: {digit: '3', duration: 200}}})));
    after(1700, () => session.ws.send(JSON.stringify({type: 'command',
      command: 'dtmf', callSid: 'no-such-leg', data: {dtmf: {digit: '4'}}})));
  });
  session.dial({actionHook: '/wdone',
    target: [{type: 'sip', sipUri: q.get('dial')}]}).send();
  session.on('/wdone', () => session.hangup().reply());
});
makeService({path: '/dialed'}).on('session:new', (session) => {
  watch('/dialed', session);
  session.say({text: 'Dialed.'}).hangup().send();
});

server.listen(0, '127.0.0.1', () => {
  console.log('PORT ' + server.address().port);
});
