// server.js: the benchmark's HTTP server, a fast keep-alive JSON responder.
// Usage: node server.js [PORT]  (prints "PORT <n>"; stops on SIGTERM or
// when stdin closes).
'use strict';
const http = require('http');

const reply = Buffer.from('{"ok":true}');
const server = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': reply.length,
    });
    res.end(reply);
  });
});
server.keepAliveTimeout = 60000;
server.listen(parseInt(process.argv[2] || '0', 10), '127.0.0.1', () => {
  process.stdout.write(`PORT ${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
