// The listen streams' one consumer: a WebSocket server taking every
// stream (subprotocol audio.jambonz.org: a text message of metadata,
// then binary L16 frames), counting and discarding.
//   GET /_stats  {conns, open, frames, bytes, texts}
// It prints "PORT <n>" when ready.
'use strict';
const http = require('http');
const path = require('path');
const {WebSocketServer} = require(path.join(__dirname, '..', '..', 'tests', 'node_modules', 'ws'));

const st = {conns: 0, open: 0, frames: 0, bytes: 0, texts: 0};
const server = http.createServer((req, res) => {
  res.writeHead(200, {'Content-Type': 'application/json'});
  res.end(JSON.stringify(st));
});
const wss = new WebSocketServer({server, perMessageDeflate: false,
  handleProtocols: (p) => (p.has('audio.jambonz.org') ? 'audio.jambonz.org' : false)});
wss.on('connection', (ws) => {
  st.conns++;
  st.open++;
  ws.on('message', (data, bin) => {
    if (!bin) { st.texts++; return; }
    st.frames++;
    st.bytes += data.length;
  });
  ws.on('close', () => st.open--);
  ws.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => console.log('PORT ' + server.address().port));
