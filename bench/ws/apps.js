// The WebSocket benchmark's applications, in one Node process:
//   POST /call      webhook: say "Hello." + hangup
//   ws   /ws        the same application over the WebSocket API
//                   (@jambonz/node-client-ws)
//   POST /listen    webhook: a listen verb to LISTEN_URL (8 kHz mono)
//                   that lasts until the caller hangs up
//   POST /hold      webhook: the listen's peer, a gather for digits that
//                   lasts until the caller hangs up (answered, nothing sent)
// It prints "PORT <n>" when ready.
'use strict';
const http = require('http');
const path = require('path');
const nm = path.join(__dirname, '..', '..', 'tests', 'node_modules');
const {createEndpoint} = require(path.join(nm, '@jambonz', 'node-client-ws'));

const say = JSON.stringify([{verb: 'say', text: 'Hello.'}, {verb: 'hangup'}]);
const listen = JSON.stringify([{verb: 'listen', url: process.env.LISTEN_URL || 'ws://127.0.0.1:1/',
  sampleRate: 8000, mixType: 'mono'}]);
const hold = JSON.stringify([{verb: 'gather', input: ['digits'], numDigits: 30, timeout: 3600}]);
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.url.startsWith('/status')) { res.writeHead(204); return res.end(); }
    const body = req.url.startsWith('/listen') ? listen : req.url.startsWith('/hold') ? hold : say;
    res.writeHead(200, {'Content-Type': 'application/json', 'Content-Length': body.length});
    res.end(body);
  });
});
server.keepAliveTimeout = 60000;
const makeService = createEndpoint({server});
makeService({path: '/ws'}).on('session:new', (session) => {
  session.on('error', () => {});
  session.say({text: 'Hello.'}).hangup().send();
});
server.listen(0, '127.0.0.1', () => console.log('PORT ' + server.address().port));
