#!/usr/bin/env node
// A WebSocket application (@jambonz/node-client-ws) for the background
// listen's end-to-end test: config starts a listen beside the verbs, the
// app pauses and resumes it with the listen:status command.
//
//   node listenapp.js                  prints "PORT <n>" when ready
//
// /bg?ls=<listen server URL>: config {listen: enable, url, metadata},
// pause 2, config enabling it again (skipped), pause 2,
// config {listen: enable false}, pause 1, hangup. Commands: at 800 ms
// listen:status pause, at 1000 ms a bad listen:status, at 2300 ms
// stream:status resume.
//
//   GET /_log  [{path, msg, at, out}] (out: sent by the app)
'use strict';
const http = require('http');
const path = require('path');

const nm = path.join(__dirname, '..', 'node_modules');
const {createEndpoint} = require(path.join(nm, '@jambonz', 'node-client-ws'));

const log = [];
const server = http.createServer((req, res) => {
  if (req.url === '/_log') {
    res.writeHead(200, {'Content-Type': 'application/json'});
    return res.end(JSON.stringify(log));
  }
  res.writeHead(404);
  res.end();
});
const makeService = createEndpoint({server});

function watch(p, session) {
  log.push({path: p, at: Date.now(), msg: {type: 'session:new', call_sid: session.call_sid}});
  session.ws.on('message', (raw) => {
    let msg;
    try { msg = JSON.parse(raw); } catch (e) { msg = {unparsable: String(raw)}; }
    log.push({path: p, msg, at: Date.now()});
  });
  session.on('error', () => {});
}

makeService({path: '/bg'}).on('session:new', (session, p, req) => {
  watch('/bg', session);
  const ls = new URL(req.url, 'ws://x').searchParams.get('ls');
  const listen = {enable: true, url: ls, metadata: {bg: 1}};
  const cmd = (command, data, at) => setTimeout(() => {
    log.push({path: '/bg', out: true, at: Date.now(), msg: {command, data}});
    session.sendCommand(command, data);
  }, at);
  session
    .config({listen})
    .pause({length: 2})
    .config({listen: {...listen, url: ls.replace('/bg', '/second')}})
    .pause({length: 2})
    .config({listen: {enable: false}})
    .pause({length: 1})
    .hangup()
    .send();
  cmd('listen:status', {listen_status: 'pause'}, 800);
  cmd('listen:status', {listen_status: 'sleep'}, 1000);
  cmd('stream:status', {stream_status: 'resume'}, 2300);
});

server.listen(0, '127.0.0.1', () => {
  console.log('PORT ' + server.address().port);
});
