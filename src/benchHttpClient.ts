// Issue 15 bench: two small HTTPS clients run with `node -` on the LB host of the bed (the script text on stdin).
//
// 1. `retryingClientScript`: a keep-alive load client that behaves like curl and Chromium when a REUSED connection
//    closes (FIN or RST) before any byte of the response: it sends the request again, once, on a new connection.
//    curl: lib/transfer.c `Curl_retry_request` (no response bytes on a reused connection → "Connection died,
//    retrying a fresh connect", the body rewound, any HTTP method); Chromium: net/http/http_network_transaction.cc
//    `ShouldResendRequest` (`connection_is_proven && !has_received_headers`, no method check). RFC 9112 §9.3.1 /
//    RFC 9110 §9.2.2 allow automatic retries of idempotent requests; so the client also reports what a client that
//    retries only idempotent methods (GET) would have seen: the POSTs it retried count as failures there.
//    wrk never retries: each such close is one failed request in wrk's count.
// 2. `probeScript`: new TLS connections at a fixed rate (one request each, `Connection: close`) from several
//    client addresses (127.0.0.2 …: the whole 127/8 is local on Linux), as the probe; max latency and
//    failures.
//
// Both print one line `BENCHJSON {...}`: counts, latency percentiles, and successes / failures per 100 ms bucket
// since `base` (the same buckets as the wrk script's).

/** Options of `retryingClientScript`. */
export interface RetryingClientOptions {
    host: string;
    port: number;
    /** TLS SNI and Host header. */
    hostname: string;
    getPath: string;
    postPath: string;
    /** `mix`: GET and POST alternating per connection; `post`: POST only. */
    mode: "mix" | "post";
    conns: number;
    durationMs: number;
    /** Bucket 0 = this many 100 ms since the epoch. */
    base: number;
}

/** The keep-alive client with curl/Chromium-like retry (see the file comment). */
export function retryingClientScript(o: RetryingClientOptions): string {
    return `const tls = require("tls");
const O = ${JSON.stringify(o)};
const t0 = Date.now(), deadline = t0 + O.durationMs;
const r = { requests: 0, ok: 0, status5xx: 0, failures: 0, closedBeforeResponse: { GET: 0, POST: 0 }, retriedOk: { GET: 0, POST: 0 }, connectErrors: 0, lat: [], okB: {}, badB: {} };
const bucket = () => Math.floor(Date.now() / 100) - O.base;
const GET = "GET " + O.getPath + " HTTP/1.1\\r\\nHost: " + O.hostname + "\\r\\n\\r\\n";
const BODY = "grant_type=client_credentials";
const POST = "POST " + O.postPath + " HTTP/1.1\\r\\nHost: " + O.hostname + "\\r\\nContent-Type: application/x-www-form-urlencoded\\r\\nContent-Length: " + BODY.length + "\\r\\n\\r\\n" + BODY;
// One HTTP/1.1 connection: send(req) resolves { status, close } after the whole response, or rejects with
// { before: true } when the connection ended before any response byte, { before: false } after some.
function connection() {
  return new Promise((resolve) => {
    const s = tls.connect({ host: O.host, port: O.port, servername: O.hostname, rejectUnauthorized: false });
    s.setNoDelay(true);
    let pending = null, buf = Buffer.alloc(0), dead = false, reqs = 0;
    const fail = () => { if (dead) return; dead = true; if (pending) { const p = pending; pending = null; p.reject({ before: buf.length === 0 }); } };
    s.on("error", fail); s.on("close", fail); s.on("end", fail);
    s.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      if (!pending) return;
      const h = buf.indexOf("\\r\\n\\r\\n"); if (h < 0) return;
      const head = buf.slice(0, h).toString("latin1");
      const status = Number(head.split(" ")[1]);
      const cl = /\\r\\ncontent-length: *(\\d+)/i.exec(head);
      let end = -1;
      if (cl) { if (buf.length >= h + 4 + Number(cl[1])) end = h + 4 + Number(cl[1]); }
      else if (/\\r\\ntransfer-encoding: *chunked/i.test(head)) { const z = buf.indexOf("\\r\\n0\\r\\n\\r\\n", h); if (z >= 0) end = z + 7; }
      else end = h + 4;
      if (end < 0) return;
      buf = buf.slice(end);
      const p = pending; pending = null;
      p.resolve({ status, close: /\\r\\nconnection: *close/i.test(head) });
    });
    const api = {
      get reused() { return reqs > 0; },
      send(req) { return new Promise((res, rej) => { if (dead) return rej({ before: true }); reqs++; pending = { resolve: res, reject: rej }; buf = Buffer.alloc(0); s.write(req); }); },
      close() { dead = true; s.destroy(); },
    };
    s.once("secureConnect", () => resolve(api));
    s.once("error", () => resolve(null));
  });
}
async function worker(id) {
  let c = null, i = id;
  while (Date.now() < deadline) {
    const method = O.mode === "post" || i++ % 2 ? "POST" : "GET";
    const req = method === "POST" ? POST : GET;
    const t = process.hrtime.bigint();
    let res = null, retried = false;
    for (let attempt = 0; attempt < 2 && !res; attempt++) {
      if (!c) { c = await connection(); if (!c) { r.connectErrors++; break; } }
      const reused = c.reused;
      try { res = await c.send(req); }
      catch (e) {
        c.close(); c = null;
        // Retry once, only what curl and Chromium retry: a reused connection that ended before any response byte.
        if (!(reused && e.before && attempt === 0)) break;
        r.closedBeforeResponse[method]++; retried = true;
      }
    }
    r.requests++;
    if (!res) { r.failures++; r.badB[bucket()] = (r.badB[bucket()] || 0) + 1; if (c) { c.close(); c = null; } await new Promise((x) => setTimeout(x, 20)); continue; }
    if (retried) r.retriedOk[method]++;
    r.lat.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (res.status >= 500) { r.status5xx++; r.failures++; r.badB[bucket()] = (r.badB[bucket()] || 0) + 1; }
    else { r.ok++; r.okB[bucket()] = (r.okB[bucket()] || 0) + 1; }
    if (res.close) { c.close(); c = null; }
  }
  if (c) c.close();
}
Promise.all(Array.from({ length: O.conns }, (_, k) => worker(k))).then(() => {
  const l = r.lat.sort((a, b) => a - b), q = (x) => (l.length ? l[Math.min(l.length - 1, Math.floor(x * l.length))] : 0);
  process.stdout.write("BENCHJSON " + JSON.stringify({ requests: r.requests, ok: r.ok, status5xx: r.status5xx, failures: r.failures, connectErrors: r.connectErrors,
    closedBeforeResponse: r.closedBeforeResponse, retriedOk: r.retriedOk, p50: q(0.5), p99: q(0.99), max: l.length ? l[l.length - 1] : 0, okB: r.okB, badB: r.badB, ms: Date.now() - t0 }) + "\\n");
  process.exit(0);
});
`;
}

/** Options of `probeScript`. */
export interface ProbeOptions {
    host: string;
    port: number;
    hostname: string;
    path: string;
    /** New connections a second. */
    perSecond: number;
    /** Client addresses 127.0.0.2 … 127.0.0.(1 + addresses). */
    addresses: number;
    durationMs: number;
    /** Give up on one request after this long (a failure). */
    timeoutMs: number;
}

/** The new-connection probe (see the file comment). */
export function probeScript(o: ProbeOptions): string {
    return `const tls = require("tls");
const O = ${JSON.stringify(o)};
const t0 = Date.now();
const r = { sent: 0, ok: 0, failed: 0, lat: [] };
const one = (k) => new Promise((done) => {
  const t = Date.now();
  let got = "", finished = false;
  const end = (ok) => { if (finished) return; finished = true; clearTimeout(timer); s.destroy(); if (ok) { r.ok++; r.lat.push(Date.now() - t); } else { r.failed++; r.lat.push(Date.now() - t); } done(); };
  const s = tls.connect({ host: O.host, port: O.port, servername: O.hostname, localAddress: "127.0.0." + (2 + (k % O.addresses)), rejectUnauthorized: false });
  const timer = setTimeout(() => end(false), O.timeoutMs);
  s.on("secureConnect", () => s.write("GET " + O.path + " HTTP/1.1\\r\\nHost: " + O.hostname + "\\r\\nConnection: close\\r\\n\\r\\n"));
  s.on("data", (d) => { got += d.toString("latin1"); });
  s.on("error", () => end(false));
  s.on("close", () => { const st = Number(got.split(" ")[1]); end(st > 0 && st < 500); });
});
const all = [];
let k = 0;
const tick = setInterval(() => {
  if (Date.now() - t0 >= O.durationMs) { clearInterval(tick); Promise.all(all).then(report); return; }
  r.sent++; all.push(one(k++));
}, Math.round(1000 / O.perSecond));
function report() {
  const l = r.lat.sort((a, b) => a - b);
  process.stdout.write("BENCHJSON " + JSON.stringify({ sent: r.sent, ok: r.ok, failed: r.failed, p50: l.length ? l[Math.floor(l.length / 2)] : 0, max: l.length ? l[l.length - 1] : 0 }) + "\\n");
  process.exit(0);
}
`;
}
