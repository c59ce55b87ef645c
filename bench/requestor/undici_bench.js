// undici_bench.js: the peer client. N POSTs over an undici Pool of C
// connections, C in flight at once (what the jambonz feature server
// does), printing one JSON line like fsreq_bench.
// Usage: node undici_bench.js URL N C [BODY_BYTES] [SECRET]
'use strict';
const path = require('path');
const crypto = require('crypto');
const {Pool} = require(path.resolve(__dirname,
  '../../tests/node_modules/undici'));

const [url, nArg, cArg, bArg, secret] = process.argv.slice(2);
const n = parseInt(nArg, 10);
const c = parseInt(cArg, 10);
const blen = parseInt(bArg || '200', 10);
const u = new URL(url);
const body = '{"d":"' + 'x'.repeat(blen - 8) + '"}';
const pool = new Pool(u.origin, {connections: c});

let sent = 0;
let done = 0;
let errors = 0;
let non200 = 0;

async function worker() {
  while (sent < n) {
    sent++;
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'jambonz',
    };
    if (secret) {
      const t = Math.floor(Date.now() / 1000);
      const v1 = crypto.createHmac('sha256', secret)
        .update(`${t}.${body}`).digest('hex');
      headers['jambonz-signature'] = `t=${t},v1=${v1}`;
    }
    try {
      const res = await pool.request({
        path: u.pathname + u.search, method: 'POST', headers, body,
      });
      await res.body.text();
      if (res.statusCode !== 200) non200++;
    } catch (e) {
      errors++;
    }
    done++;
  }
}

(async () => {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  await Promise.all(Array.from({length: c}, worker));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cu = process.cpuUsage(c0);
  const cpu = (cu.user + cu.system) / 1e6;
  console.log(JSON.stringify({
    client: 'undici', n, c, done, errors, non200,
    secs: +secs.toFixed(3), rps: Math.round(done / secs),
    cpu: +cpu.toFixed(3),
  }));
  await pool.close();
  process.exit(errors ? 1 : 0);
})();
