// The benchmark app's webhook: every call says a short (cached) phrase,
// then hangs up; with HOLD=1 it plays speech until the caller leaves;
// with DIAL=sip:... it bridges every caller to that URI.
'use strict';
const http = require('http');
const hold = process.env.HOLD === '1';
const dial = process.env.DIAL;
const verbs = JSON.stringify(dial
  ? [{verb: 'dial', target: [{type: 'sip', sipUri: dial}]}]
  : hold
  ? [{verb: 'say', text: 'This call is being held for a benchmark.', loop: 'forever'}]
  : [{verb: 'say', text: 'Hello.'}, {verb: 'hangup'}]);
const s = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.url.startsWith('/status')) { res.writeHead(204); return res.end(); }
    res.writeHead(200, {'Content-Type': 'application/json', 'Content-Length': verbs.length});
    res.end(verbs);
  });
});
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => console.log('PORT ' + s.address().port));
