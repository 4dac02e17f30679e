// `npm run bench -- --live` (root), issue 15: the load-and-fault bench. The NginxBalancer and SecureRedis steps
// exactly as the components generate them, for today's config (the components at commit 8dd326b, before issue
// 15: `git archive 8dd326b components`, transpiled into .tmp-bench-8dd326b/ and required; see `loadOldComponents`)
// and for the new one (the working tree), side by side in one run on one bed, run over SSH by the live runner.
//
// The bed: three stand-in Gluu nodes (nginx, HTTPS with a cluster certificate, answering oxAuth's OpenID
// configuration and token endpoint, a URL that answers 500, switches to answer 503 to POSTs or to hang), one LB host
// per config (`lb-old`, `lb-new`), one cache host per config and two tunnel clients per config. Load: wrk (32
// keep-alive connections, GET and POST) on the LB host through the LB's 443, and a small bounded Node Redis client
// through each client's tunnel; redis-benchmark for the throughput direct vs through the tunnel. Everything stays
// on the bed's private /24 and the hosts' loopback. Bounded: every scenario has a fixed length and every remote
// command a kill timeout.

import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { GluuMocks } from "./mocks";
import { RecordedResource, recordProgram } from "./record";
import { Bed, BedHost, startBed } from "../test/live/bed";
import { hostArgsOf, startStandinNginx } from "../test/live/hosts";
import { runSteps } from "../test/live/runner";
import { probeScript, retryingClientScript } from "./benchHttpClient";

/** Today's config: the components as of this commit (before issue 15). */
export const OLD_COMMIT = "8dd326b";
export const HOSTNAME = "idp.example.org";
export const NODES = ["gluu-1", "gluu-2", "gluu-3"];
const WELL_KNOWN = "/oxauth/.well-known/openid-configuration";
const TOKEN = "/oxauth/restv1/token";
const FAIL500 = "/oxauth/fail500";
/** The new config's upstream servers include (the checker marks nodes `down` in it). */
export const LB_SERVERS_INCLUDE = "/etc/nginx/gluu-lb/upstream-servers.conf";
const INCLUDE = LB_SERVERS_INCLUDE;
const TUNNEL_PORT = 16379;
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

export type Flavour = "old" | "new";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function repoRoot(): string {
    let d = __dirname;
    while (!fs.existsSync(path.join(d, "package.json")) || !fs.existsSync(path.join(d, "components"))) {
        const up = path.dirname(d);
        if (up === d) throw new Error("repository root not found");
        d = up;
    }
    return d;
}

/**
 * The components of commit `OLD_COMMIT`, as that commit generated steps: its whole components/ tree extracted
 * with `git archive` into `<repo>/.tmp-bench-<commit>/` (git-ignored), each file transpiled (typescript's
 * transpileModule, CommonJS) and required; @pulumi/* resolve to the repository's node_modules, so they register
 * under the same mocks as today's.
 */
export function loadOldComponents(commit = OLD_COMMIT): { NginxBalancer: any; SecureRedis: any; ClusterCa: any } {
    const root = repoRoot();
    const dir = path.join(root, `.tmp-bench-${commit}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const tar = execFileSync("git", ["-C", root, "archive", "--format=tar", commit, "components"]);
    execFileSync("tar", ["-x", "-C", dir], { input: tar });
    const ts = require("typescript");
    const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
    for (const f of walk(path.join(dir, "components")).filter((f) => f.endsWith(".ts"))) {
        const out = ts.transpileModule(fs.readFileSync(f, "utf8"), {
            compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        });
        fs.writeFileSync(f.replace(/\.ts$/, ".js"), out.outputText);
    }
    const req = (m: string) => require(path.join(dir, "components", m));
    return { NginxBalancer: req("nginxBalancer").NginxBalancer, SecureRedis: req("secureRedis").SecureRedis, ClusterCa: req("clusterCa").ClusterCa };
}

function newComponents(): { NginxBalancer: any; SecureRedis: any; ClusterCa: any } {
    return {
        NginxBalancer: require("../components/nginxBalancer").NginxBalancer,
        SecureRedis: require("../components/secureRedis").SecureRedis,
        ClusterCa: require("../components/clusterCa").ClusterCa,
    };
}

function unwrap(v: any): any {
    return v && typeof v === "object" && SECRET_SIG in v ? v.value : v;
}

// ---------------------------------------------------------------------------------------------------------
// stand-in nodes

/** The stand-in Gluu node: HTTPS on 443, oxAuth's two paths, a 500-ing URL, and the POST-503 switch (an include). */
export function standinNodeConf(name: string): string {
    return `worker_processes 1;
pid /run/backend-nginx.pid;
error_log /srv/backend/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  server {
    listen 443 ssl default_server;
    server_name ${HOSTNAME};
    ssl_certificate /srv/backend/cert.pem;
    ssl_certificate_key /srv/backend/key.pem;
    location = ${WELL_KNOWN} { default_type application/json; return 200 '{"issuer":"https://${HOSTNAME}","node":"${name}"}'; }
    location = ${TOKEN} {
      include /srv/backend/post-switch.conf;
      default_type application/json;
      return 200 '{"access_token":"x","node":"${name}"}';
    }
    location = ${FAIL500} { return 500; }
    location / { default_type text/plain; return 200 "${name}\\n"; }
  }
}
`;
}

/** The wrk script: GET/POST mix (or POSTs only), successes and 5xx per 100 ms bucket, latency percentiles. */
export const WRK_LUA = `local ffi = require("ffi")
ffi.cdef[[ typedef struct { long tv_sec; long tv_nsec; } bench_ts; int clock_gettime(int, bench_ts*); ]]
local ts = ffi.new("bench_ts")
local function now_ms() ffi.C.clock_gettime(0, ts); return tonumber(ts.tv_sec) * 1000 + math.floor(tonumber(ts.tv_nsec) / 1e6) end
local base = tonumber(os.getenv("WRK_BASE") or "0")
local mode = os.getenv("WRK_MODE") or "mix"
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  ok = {}; bad = {}; counter = 0
  getreq = wrk.format("GET", "${WELL_KNOWN}")
  postreq = wrk.format("POST", "${TOKEN}", { ["Content-Type"] = "application/x-www-form-urlencoded" }, "grant_type=client_credentials")
end
function request()
  counter = counter + 1
  if mode == "post" or (mode == "mix" and counter % 2 == 0) then return postreq end
  return getreq
end
function response(status, headers, body)
  local b = math.floor(now_ms() / 100) - base
  if status < 500 then ok[b] = (ok[b] or 0) + 1 else bad[b] = (bad[b] or 0) + 1 end
end
function done(summary, latency, requests)
  local okb, badb = {}, {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("ok")) do okb[k] = (okb[k] or 0) + v end
    for k, v in pairs(t:get("bad")) do badb[k] = (badb[k] or 0) + v end
  end
  local function enc(tab)
    local parts = {}
    for k, v in pairs(tab) do parts[#parts + 1] = string.format('"%.0f":%.0f', k, v) end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  local e = summary.errors
  io.write(string.format('BENCHJSON {"requests":%.0f,"durationUs":%.0f,"connect":%.0f,"read":%.0f,"write":%.0f,"timeout":%.0f,"p50":%.0f,"p99":%.0f,"max":%.0f,"ok":%s,"bad":%s}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, latency:percentile(50), latency:percentile(99), latency.max, enc(okb), enc(badb)))
end
`;

/**
 * A small bounded Redis client (node on the bed host, the script on stdin): CONNS connections, each one request at a
 * time (SET/GET alternating), reconnecting after an error; every failure and MISCONF counted, per 100 ms bucket.
 */
function redisClientScript(o: { port: number; password: string; conns: number; durationMs: number; base: number; op: "mix" | "set" }): string {
    return `const net = require("net");
const O = ${JSON.stringify(o)};
const t0 = Date.now(), deadline = t0 + O.durationMs;
const res = { ops: 0, failures: 0, refused: 0, misconf: 0, lat: [], bad: {} };
const enc = (a) => "*" + a.length + "\\r\\n" + a.map((x) => "$" + Buffer.byteLength(x) + "\\r\\n" + x + "\\r\\n").join("");
function parse(s) {
  const i = s.indexOf("\\r\\n"); if (i < 0) return undefined;
  const t = s[0], line = s.slice(1, i);
  if (t === "$") { const n = Number(line); if (n < 0) return { r: { t, v: null }, rest: s.slice(i + 2) };
    if (s.length < i + 2 + n + 2) return undefined; return { r: { t, v: s.slice(i + 2, i + 2 + n) }, rest: s.slice(i + 4 + n) }; }
  return { r: { t, v: line }, rest: s.slice(i + 2) };
}
function fail(msg) { res.failures++; const b = Math.floor(Date.now() / 100) - O.base; res.bad[b] = (res.bad[b] || 0) + 1; if (/^MISCONF/.test(msg || "")) res.misconf++; }
function worker(id) { return new Promise((done) => {
  let i = 0;
  const connect = () => {
    if (Date.now() >= deadline) return done();
    let buf = "", pending = null, timer = null, closed = false;
    const s = net.connect(O.port, "127.0.0.1"); s.setNoDelay(true); pending = { kind: "connect" };
    const send = (kind, a) => { pending = { kind, t: process.hrtime.bigint() }; timer = setTimeout(() => s.destroy(), 3000); s.write(enc(a)); };
    const next = () => {
      if (Date.now() >= deadline) { s.end(); return; }
      i++; const k = "bench:" + id + ":" + (i % 100);
      if (O.op === "set" || i % 2) send("op", ["SET", k, "v" + i]); else send("op", ["GET", k]);
    };
    s.on("connect", () => { pending = null; send("auth", ["AUTH", O.password]); });
    s.on("data", (d) => { buf += d.toString("latin1"); let p;
      while (pending && (p = parse(buf))) { buf = p.rest; clearTimeout(timer); const was = pending; pending = null;
        if (was.kind === "op") { if (p.r.t === "-") fail(p.r.v); else { res.ops++; res.lat.push(Number(process.hrtime.bigint() - was.t) / 1e6); } }
        else if (p.r.t === "-") { fail(p.r.v); s.destroy(); return; }
        next(); } });
    s.on("error", () => undefined);
    s.on("close", () => { if (closed) return; closed = true; clearTimeout(timer); if (pending && pending.kind === "op") fail("closed"); else if (pending) { res.refused++; const b = Math.floor(Date.now() / 100) - O.base; res.bad[b] = (res.bad[b] || 0) + 1; } setTimeout(connect, 20); });
  };
  connect();
}); }
Promise.all(Array.from({ length: O.conns }, (_, k) => worker(k))).then(() => {
  const l = res.lat.sort((a, b) => a - b), q = (x) => (l.length ? l[Math.min(l.length - 1, Math.floor(x * l.length))] : 0);
  process.stdout.write("BENCHJSON " + JSON.stringify({ ops: res.ops, failures: res.failures, refused: res.refused, misconf: res.misconf, p50: q(0.5), p99: q(0.99), bad: res.bad, ms: Date.now() - t0 }) + "\\n");
  process.exit(0);
});
`;
}

// ---------------------------------------------------------------------------------------------------------
// the bed

export interface LoadBed {
    bed: Bed;
    flavours: Flavour[];
    lb(f: Flavour): BedHost;
    cache(f: Flavour): BedHost;
    clients(f: Flavour): BedHost[];
    /** The recorded steps per flavour: the LB's and the cache's. */
    nginx: Record<string, RecordedResource[]>;
    redis: Record<string, RecordedResource[]>;
    password: Record<string, string>;
    stop(): Promise<void>;
}

/**
 * Bring up the bed for `flavours`, record the components (old from `OLD_COMMIT`, new from the working tree) under
 * `mocks`, start the stand-in nodes and run every recorded step with the live runner.
 */
export async function startLoadBed(mocks: GluuMocks, flavours: Flavour[], log: (s: string) => void = () => undefined): Promise<LoadBed> {
    const names = [...NODES];
    for (const f of flavours) names.push(`lb-${f}`, `cache-${f}`, `rc-${f}-1`, `rc-${f}-2`);
    const bed = await startBed({ hosts: names });
    log(`bed ${bed.subnet}: ${names.length} hosts up in ${bed.bringUpMs} ms`);
    try {
        const pems: { cert?: string; key?: string; ca?: string } = {};
        const cur = newComponents();
        await recordProgram(mocks, (opts) => {
            const ca = new cur.ClusterCa("bench-lb-ca", {}, opts);
            const cert = ca.issue("bench-lb-web", { commonName: HOSTNAME, server: true, client: false }, ca);
            cert.certPem.apply((v: string) => (pems.cert = v));
            cert.privateKeyPem.apply((v: string) => (pems.key = v));
            ca.certPem.apply((v: string) => (pems.ca = v));
            return ca;
        });
        if (!pems.cert || !pems.key || !pems.ca) throw new Error("the LB certificate was not captured while recording");
        const nginx: Record<string, RecordedResource[]> = {};
        const redis: Record<string, RecordedResource[]> = {};
        const password: Record<string, string> = {};
        for (const f of flavours) {
            const C = f === "old" ? loadOldComponents() : cur;
            nginx[f] = await recordProgram(mocks, (opts) =>
                new C.NginxBalancer(
                    `lb-${f}`,
                    {
                        hostname: HOSTNAME,
                        version: "4.5",
                        backends: NODES.map((n) => ({ name: n, address: bed.host(n).address })),
                        lbHost: hostArgsOf(bed, `lb-${f}`),
                        certificatePem: pems.cert!,
                        privateKeyPem: pulumi.secret(pems.key!),
                        backendCaPem: pems.ca!,
                    },
                    opts,
                ),
            );
            redis[f] = await recordProgram(mocks, (opts) => {
                // Today's ClusterCa for both: 8dd326b's registers allowedUses in camelCase, which the TLS provider
                // refuses (fixed since); the CA only signs the tunnel certificates, the steps are the flavour's own.
                const ca = new cur.ClusterCa(`bench-redis-ca-${f}`, {}, opts);
                // 8dd326b's SecureRedis takes the ClusterCa (`ca`, it calls `ca.issue`); today's takes `caCertPem`/`caPrivateKeyPem`.
                const caInputs = f === "old" ? { ca } : { ...ca.caArgs };
                return new C.SecureRedis(`cache-${f}`, { cacheHost: hostArgsOf(bed, `cache-${f}`), clients: [1, 2].map((i) => hostArgsOf(bed, `rc-${f}-${i}`)), ...caInputs }, opts);
            });
            const redisStep = redis[f].find((r) => r.name === `cache-${f}-redis`);
            // Line 1 (today's step reads the cache's TLS key after it).
            password[f] = String(unwrap(redisStep!.inputs.stdin)).split("\n")[0].trim();
        }
        // Stand-in nodes with the LB's certificate (verified by both LBs against the CA).
        await Promise.all(
            NODES.map((n) => startStandinNginx(bed.host(n), standinNodeConf(n), { certPem: pems.cert!, keyPem: pems.key! }, [`: > /srv/backend/post-switch.conf`])),
        );
        for (const f of flavours) {
            await bed.host(`lb-${f}`).run(`install -d /srv/bench && cat > /srv/bench/wrk.lua && echo '127.0.0.1 ${HOSTNAME}' >> /etc/hosts`, { stdin: WRK_LUA });
        }
        const t0 = Date.now();
        const report = await runSteps(flavours.flatMap((f) => [...nginx[f], ...redis[f]]), { concurrency: 8 });
        log(`components' steps (${flavours.join(" + ")}): ${report.steps.length} run in ${report.ms} ms (${Date.now() - t0} ms)`);
        return {
            bed,
            flavours,
            lb: (f) => bed.host(`lb-${f}`),
            cache: (f) => bed.host(`cache-${f}`),
            clients: (f) => [1, 2].map((i) => bed.host(`rc-${f}-${i}`)),
            nginx,
            redis,
            password,
            stop: () => bed.stop(),
        };
    } catch (e) {
        await bed.stop();
        throw e;
    }
}

// ---------------------------------------------------------------------------------------------------------
// faults on the nodes

const nodeNginx = "nginx -c /srv/backend/nginx.conf";
export const faults = {
    stopNginx: (h: BedHost) => h.run(`${nodeNginx} -s stop; for i in $(seq 1 50); do [ -e /run/backend-nginx.pid ] || break; sleep 0.1; done`),
    startNginx: (h: BedHost) => h.run(`[ -e /run/backend-nginx.pid ] || ${nodeNginx}`),
    linkDown: (h: BedHost) => execFileSync("ip", ["-n", h.netns, "link", "set", "dev", "eth0", "down"]),
    linkUp: (h: BedHost) => execFileSync("ip", ["-n", h.netns, "link", "set", "dev", "eth0", "up"]),
    /** Accepts, never answers: the node's nginx master and worker stopped (SIGSTOP), its listen socket open. */
    hang: (h: BedHost) => h.run(`m=$(cat /run/backend-nginx.pid); kill -STOP $(pgrep -P "$m") "$m"`),
    unhang: (h: BedHost) => h.run(`m=$(cat /run/backend-nginx.pid); kill -CONT "$m" $(pgrep -P "$m")`),
    post503: (h: BedHost) => h.run(`echo 'if ($request_method = POST) { return 503; }' > /srv/backend/post-switch.conf && ${nodeNginx} -s reload`),
    post200: (h: BedHost) => h.run(`: > /srv/backend/post-switch.conf && ${nodeNginx} -s reload`),
};

/** Re-run a recorded step after a change on its host made its file differ: the step itself rewrites and reloads. */
export async function rerunChanged(host: BedHost, file: string, steps: RecordedResource[], stepName: string): Promise<string> {
    await host.run(`echo '# changed by the bench' >> ${file}`);
    const r = await runSteps(steps, { only: (x) => x.name === stepName });
    return r.step(stepName).stdout;
}

// ---------------------------------------------------------------------------------------------------------
// LB scenarios

export interface LbRow {
    config: Flavour;
    scenario: string;
    requests: number;
    failures: number;
    /** Responses with a 5xx status (the LB's 502/503/504 or a node's 503), included in `failures`. */
    status5xx: number;
    /** wrk connect errors and timeouts (> 30 s), included in `failures`. */
    connectOrTimeout: number;
    /**
     * wrk read/write errors, included in `failures`: a keep-alive connection closed by the LB with a request on it
     * and no response byte (nginx closes idle client connections when a reload retires its old workers); clients
     * retry these for idempotent requests (RFC 9110 §9.2.2), wrk does not.
     */
    closedKeepAlive: number;
    rps: number;
    p50Ms: number;
    p99Ms: number;
    maxMs: number;
    /** From the first to the last 100 ms bucket with a failed response (5xx). */
    errorWindowMs: number;
    /** Longest run of 100 ms buckets with no successful response. */
    stallMs: number;
    /** New config: ms from the fault to the node marked `down` in the servers include (polled every 200 ms). */
    downAfterMs?: number;
    /** The retrying client only: POSTs it resent after such a close and then got answered (a client that retries idempotent requests only would have failed them). */
    postsRetried?: number;
    /** The new-connection probe (40/s from nine addresses) during a fault scenario: sent, failed, max ms. */
    probe?: { sent: number; failed: number; maxMs: number };
    note?: string;
}

export interface LbScenario {
    name: string;
    mode: "mix" | "post";
    /** The load client: wrk (default; never retries) or the keep-alive client that retries like curl/Chromium (src/benchHttpClient.ts). */
    client?: "wrk" | "retrying";
    seconds: number;
    faultAtMs?: number;
    restoreAtMs?: number;
    inject?: (lb: BedHost, f: Flavour) => Promise<unknown>;
    restore?: (lb: BedHost, f: Flavour) => Promise<unknown>;
}

function windows(ok: Record<string, number>, bad: Record<string, number>, fromBucket: number, toBucket: number): { errorWindowMs: number; stallMs: number } {
    const badKeys = Object.keys(bad).map(Number).filter((k) => bad[k] > 0).sort((a, b) => a - b);
    const errorWindowMs = badKeys.length ? (badKeys[badKeys.length - 1] - badKeys[0] + 1) * 100 : 0;
    let run = 0;
    let best = 0;
    for (let b = fromBucket; b < toBucket; b++) {
        run = (ok[b] ?? 0) > 0 ? 0 : run + 1;
        best = Math.max(best, run);
    }
    return { errorWindowMs, stallMs: best * 100 };
}

export async function runLbScenario(lb: BedHost, f: Flavour, sc: LbScenario): Promise<LbRow> {
    const start = Date.now() + 300; // wrk starts within ~300 ms of the ssh
    const base = Math.floor(Date.now() / 100);
    const retrying = sc.client === "retrying";
    const wrk = retrying
        ? lb.ssh(`timeout -s KILL ${sc.seconds + 20} node -`, {
              stdin: retryingClientScript({ host: "127.0.0.1", port: 443, hostname: HOSTNAME, getPath: WELL_KNOWN, postPath: TOKEN, mode: sc.mode, conns: 32, durationMs: sc.seconds * 1000, base }),
              timeoutMs: (sc.seconds + 25) * 1000,
          })
        : lb.ssh(`WRK_BASE=${base} WRK_MODE=${sc.mode} timeout -s KILL ${sc.seconds + 20} wrk -t2 -c32 -d${sc.seconds}s --timeout 30s -s /srv/bench/wrk.lua https://${HOSTNAME}/`, {
              timeoutMs: (sc.seconds + 25) * 1000,
          });
    // The issue's probe during every fault: 40 new TLS connections a second from nine client addresses.
    const probe = sc.inject
        ? lb.ssh(`timeout -s KILL ${sc.seconds + 40} node -`, {
              stdin: probeScript({ host: "127.0.0.1", port: 443, hostname: HOSTNAME, path: WELL_KNOWN, perSecond: 40, addresses: 9, durationMs: sc.seconds * 1000, timeoutMs: 30000 }),
              timeoutMs: (sc.seconds + 45) * 1000,
          })
        : undefined;
    let downAfterMs: number | undefined;
    let note: string | undefined;
    const side = (async () => {
        if (!sc.inject) return;
        await sleep(Math.max(0, start + (sc.faultAtMs ?? 1000) - Date.now()));
        const tFault = Date.now();
        const injected = sc.inject(lb, f).then((x) => (typeof x === "string" && x.trim() ? (note = x.trim().split("\n").filter((l) => /reload|restart|start|^\d{3}/.test(l)).join(", ") || x.trim().split("\n").pop()) : undefined));
        const restoreAt = start + (sc.restoreAtMs ?? sc.seconds * 1000 - 1000);
        if (f === "new") {
            while (Date.now() < restoreAt && downAfterMs === undefined) {
                const r = await lb.ssh(`grep -c ' down;' ${INCLUDE} || true`);
                if (Number(r.stdout.trim()) > 0) downAfterMs = Date.now() - tFault;
                else await sleep(200);
            }
        }
        await injected;
        await sleep(Math.max(0, restoreAt - Date.now()));
        if (sc.restore) await sc.restore(lb, f);
    })();
    const [r, p] = await Promise.all([wrk, probe, side]);
    const line = r.stdout.split("\n").find((l) => l.startsWith("BENCHJSON "));
    if (!line) throw new Error(`${retrying ? "the retrying client" : "wrk"} on ${lb.name} printed no result (exit ${r.code}): ${r.stderr.slice(-500)}${r.stdout.slice(-500)}`);
    const pline = p?.stdout.split("\n").find((l) => l.startsWith("BENCHJSON "));
    const pj = pline ? JSON.parse(pline.slice(10)) : undefined;
    const probeRow = pj ? { sent: pj.sent, failed: pj.failed, maxMs: pj.max } : undefined;
    if (retrying) {
        const k = JSON.parse(line.slice(10));
        const w = windows(k.okB, k.badB, Math.ceil((start - base * 100) / 100) + 3, Math.floor((start - base * 100) / 100) + sc.seconds * 10 - 2);
        return {
            config: f,
            scenario: sc.name,
            requests: k.requests,
            failures: k.failures,
            status5xx: k.status5xx,
            connectOrTimeout: k.connectErrors,
            closedKeepAlive: k.closedBeforeResponse.GET + k.closedBeforeResponse.POST,
            postsRetried: k.retriedOk.POST,
            rps: Math.round(k.requests / (k.ms / 1000)),
            p50Ms: Math.round(k.p50 * 10) / 10,
            p99Ms: Math.round(k.p99 * 10) / 10,
            maxMs: Math.round(k.max),
            ...w,
            downAfterMs,
            probe: probeRow,
            note,
        };
    }
    const j = JSON.parse(line.slice(10));
    const badTotal = Object.values(j.bad as Record<string, number>).reduce((a, b) => a + b, 0);
    const connectOrTimeout = j.connect + j.timeout;
    const closedKeepAlive = j.read + j.write;
    const w = windows(j.ok, j.bad, Math.ceil((start - base * 100) / 100) + 3, Math.floor((start - base * 100) / 100) + sc.seconds * 10 - 2);
    return {
        config: f,
        scenario: sc.name,
        requests: j.requests,
        failures: badTotal + connectOrTimeout + closedKeepAlive,
        status5xx: badTotal,
        connectOrTimeout,
        closedKeepAlive,
        rps: Math.round(j.requests / (j.durationUs / 1e6)),
        p50Ms: Math.round(j.p50 / 100) / 10,
        p99Ms: Math.round(j.p99 / 100) / 10,
        maxMs: Math.round(j.max / 1000),
        ...w,
        downAfterMs,
        probe: probeRow,
        note,
    };
}

/**
 * Before the next scenario: nginx's passive failure state (`fail_timeout`, 10 s in both configs) over since the
 * last fault ended, and for the new LB no node `down` in the include (the checker put it back), bounded.
 */
async function settle(lb: BedHost, f: Flavour, faultEndedAt: number): Promise<void> {
    await sleep(Math.max(0, faultEndedAt + 10500 - Date.now()));
    if (f === "old") return;
    const deadline = Date.now() + 12000;
    while (Date.now() < deadline) {
        const r = await lb.ssh(`grep -c ' down;' ${INCLUDE} || true`);
        if (Number(r.stdout.trim()) === 0) return;
        await sleep(300);
    }
}

export function lbScenarios(lb: LoadBed): LbScenario[] {
    const g1 = () => lb.bed.host("gluu-1");
    return [
        // Three rounds, old and new alternating: the machine is shared, one 5 s round of either varies up to 2×.
        ...[1, 2, 3].map((i): LbScenario => ({ name: `steady (GET+POST) #${i}`, mode: "mix", seconds: 4 })),
        { name: "gluu-1 nginx stopped", mode: "mix", seconds: 6, faultAtMs: 1000, restoreAtMs: 4500, inject: () => faults.stopNginx(g1()), restore: () => faults.startNginx(g1()) },
        { name: "gluu-1 link cut", mode: "mix", seconds: 6, faultAtMs: 1000, restoreAtMs: 4500, inject: async () => faults.linkDown(g1()), restore: async () => faults.linkUp(g1()) },
        { name: "gluu-1 hangs 9 s", mode: "mix", seconds: 11, faultAtMs: 1000, restoreAtMs: 10000, inject: () => faults.hang(g1()), restore: () => faults.unhang(g1()) },
        { name: "gluu-1 503 to POSTs (POST only)", mode: "post", seconds: 7, faultAtMs: 1000, restoreAtMs: 6000, inject: () => faults.post503(g1()), restore: () => faults.post200(g1()) },
        {
            name: "6 GETs of a URL answering 500",
            mode: "mix",
            seconds: 5,
            faultAtMs: 1000,
            inject: (h) => h.run(`for i in 1 2 3 4 5 6; do curl -sk -o /dev/null -w '%{http_code} ' --max-time 5 https://${HOSTNAME}${FAIL500}; done`),
        },
        {
            name: "LB reload (the nginx step re-run)",
            mode: "mix",
            seconds: 5,
            faultAtMs: 1500,
            inject: (h, f) => rerunChanged(h, "/etc/nginx/nginx.conf", lb.nginx[f], `lb-${f}-nginx`),
        },
        {
            name: "LB reload, client retrying like curl/Chromium",
            mode: "mix",
            client: "retrying",
            seconds: 5,
            faultAtMs: 1500,
            inject: (h, f) => rerunChanged(h, "/etc/nginx/nginx.conf", lb.nginx[f], `lb-${f}-nginx`),
        },
    ];
}

// ---------------------------------------------------------------------------------------------------------
// Redis scenarios

export interface RedisRow {
    config: Flavour;
    scenario: string;
    ops: number;
    failures: number;
    /** Connection attempts refused (a tunnel end not listening), retried after 20 ms each. */
    refused?: number;
    misconf?: number;
    rps?: number;
    /** CPU time of everything on the path (benchmark, stunnel, Redis) per operation, µs; median of the rounds. */
    cpuUsPerOp?: number;
    p50Ms?: number;
    p99Ms?: number;
    errorWindowMs?: number;
    note?: string;
}

/**
 * How redis-cli reaches a flavour's Redis on its cache host without any tunnel: today's config has a plain port on
 * loopback; the new one has none, only its Unix socket (and TLS on the private address).
 */
export function localRedisTarget(f: Flavour): string {
    return f === "old" ? "-h 127.0.0.1 -p 6379" : `-s ${REDIS_SOCKET}`;
}
const REDIS_SOCKET = "/run/redis/redis-server.sock";

/** redis-benchmark SET+GET on `host` against `target` (127.0.0.1:port, or `-h …`/`-s …`); returns the mean of the two rps figures. */
async function redisBenchmark(host: BedHost, target: number | string, password: string, extra: string, n: number): Promise<number> {
    return (await redisBenchmarkCpu(host, target, password, extra, n)).rps;
}

/** CPU seconds used so far by the Redis and stunnel daemons of a bed host (its own PID namespace and /proc). */
async function daemonCpuSeconds(h: BedHost): Promise<number> {
    const out = await h.run(`t=$(getconf CLK_TCK); for p in $(pgrep -x 'redis-server|stunnel4|stunnel' || true); do awk '{print $14+$15}' /proc/$p/stat 2>/dev/null; done | awk -v t="$t" '{s+=$1} END {printf "%.3f\\n", s/t}'`);
    return Number(out.trim());
}

/**
 * redis-benchmark as `redisBenchmark`, plus its own CPU time (bash `time`: user + system of it and its children):
 * `rps` and `benchCpuS`.
 */
async function redisBenchmarkCpu(host: BedHost, target: number | string, password: string, extra: string, n: number): Promise<{ rps: number; benchCpuS: number }> {
    const to = typeof target === "number" ? `-h 127.0.0.1 -p ${target}` : target;
    const r = await host.run(
        `IFS= read -r pw; exec 3>&1; cpu=$( { TIMEFORMAT='%U %S'; time REDISCLI_AUTH="$pw" timeout -s KILL 40 redis-benchmark ${to} -a "$pw" -c 16 -n ${n} -t set,get ${extra} --csv 2>/dev/null >&3; } 2>&1 ); echo "CPU $cpu"`,
        { stdin: password + "\n", timeoutMs: 45000 },
    );
    const rps = r
        .split("\n")
        .filter((l) => /^"(SET|GET)"/.test(l))
        .map((l) => Number(l.split(",")[1].replace(/"/g, "")));
    if (rps.length === 0) throw new Error(`redis-benchmark on ${host.name} printed nothing: ${r}`);
    const cpu = /^CPU (\S+) (\S+)$/m.exec(r);
    return { rps: Math.round(rps.reduce((a, b) => a + b, 0) / rps.length), benchCpuS: cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN };
}

/**
 * One redis-benchmark (SET+GET, `n` each) with the CPU time of everything on the path: the benchmark itself and the
 * Redis/stunnel daemons of `daemons` (their /proc counters before and after). `cpuUsPerOp` is robust to the shared
 * machine's load, where the throughput is not: it is what a CPU-bound host would see.
 */
async function redisBenchmarkPath(host: BedHost, target: number | string, password: string, n: number, daemons: BedHost[]): Promise<{ rps: number; cpuUsPerOp: number }> {
    const before = await Promise.all(daemons.map(daemonCpuSeconds));
    const b = await redisBenchmarkCpu(host, target, password, "", n);
    const after = await Promise.all(daemons.map(daemonCpuSeconds));
    const daemonS = after.reduce((acc, x, i) => acc + x - before[i], 0);
    return { rps: b.rps, cpuUsPerOp: Math.round(((daemonS + b.benchCpuS) * 1e6) / (2 * n)) };
}

export async function redisLoad(host: BedHost, o: { port: number; password: string; durationMs: number; op?: "mix" | "set"; conns?: number }): Promise<{ ops: number; failures: number; refused: number; misconf: number; p50: number; p99: number; errorWindowMs: number }> {
    const base = Math.floor(Date.now() / 100);
    const r = await host.ssh("timeout -s KILL 60 node -", {
        stdin: redisClientScript({ port: o.port, password: o.password, conns: o.conns ?? 8, durationMs: o.durationMs, base, op: o.op ?? "mix" }),
        timeoutMs: o.durationMs + 30000,
    });
    const line = r.stdout.split("\n").find((l) => l.startsWith("BENCHJSON "));
    if (!line) throw new Error(`the Redis client on ${host.name} printed no result (exit ${r.code}): ${r.stderr.slice(-800)}`);
    const j = JSON.parse(line.slice(10));
    const keys = Object.keys(j.bad).map(Number).sort((a, b) => a - b);
    return { ops: j.ops, failures: j.failures, refused: j.refused, misconf: j.misconf, p50: j.p50, p99: j.p99, errorWindowMs: keys.length ? (keys[keys.length - 1] - keys[0] + 1) * 100 : 0 };
}

/** A failed background save: the dump file's name taken by a non-empty directory, BGSAVE, wait for its error. */
export async function failBgsave(cache: BedHost, password: string, target = localRedisTarget("new")): Promise<string> {
    return cache.run(
        [
            `IFS= read -r pw; export REDISCLI_AUTH="$pw"`,
            `r() { redis-cli --no-auth-warning ${target} "$@"; }`,
            `dir=$(r config get dir | sed -n 2p); file=$(r config get dbfilename | sed -n 2p)`,
            `rm -f "$dir/$file"; mkdir -p "$dir/$file/blocker"`,
            `r set bench:before 1 >/dev/null; r bgsave >/dev/null`,
            `for i in $(seq 1 50); do s=$(r info persistence | tr -d '\\r' | sed -n 's/^rdb_last_bgsave_status://p'); p=$(r info persistence | tr -d '\\r' | sed -n 's/^rdb_bgsave_in_progress://p'); [ "$p" = 0 ] && [ "$s" = err ] && break; sleep 0.1; done`,
            `echo "bgsave status: $s"`,
        ].join("\n"),
        { stdin: password + "\n", timeoutMs: 20000 },
    );
}

export async function restoreBgsave(cache: BedHost, password: string, target = localRedisTarget("new")): Promise<void> {
    await cache.run(
        [
            `IFS= read -r pw; export REDISCLI_AUTH="$pw"`,
            `r() { redis-cli --no-auth-warning ${target} "$@"; }`,
            `dir=$(r config get dir | sed -n 2p); file=$(r config get dbfilename | sed -n 2p)`,
            `rm -rf "$dir/$file"; r bgsave >/dev/null`,
            `for i in $(seq 1 50); do [ "$(r info persistence | tr -d '\\r' | sed -n 's/^rdb_bgsave_in_progress://p')" = 0 ] && break; sleep 0.1; done`,
        ].join("\n"),
        { stdin: password + "\n", timeoutMs: 20000 },
    );
}

async function stunnelConfOf(host: BedHost): Promise<string> {
    return (await host.run("ls /etc/stunnel/*.conf | head -1")).trim();
}

/**
 * The plain-TCP baseline on the cache host. Today's config has Redis on 127.0.0.1:6379. The new one has no plain
 * port; for the measurement only, the bench opens one on the same Redis process (`CONFIG SET port 6379`; Redis 7.0
 * binds it at once on the configured address, redis/redis@7.0.15:src/config.c `updatePort`) and closes it again
 * right after (`CONFIG SET port 0`): the same transport as today's baseline, the same server.
 */
async function withPlainPort<T>(lb: LoadBed, f: Flavour, run: (target: string) => Promise<T>): Promise<T> {
    if (f === "old") return run("-h 127.0.0.1 -p 6379");
    const cache = lb.cache(f);
    const set = (port: number) =>
        cache.run(`IFS= read -r pw; REDISCLI_AUTH="$pw" redis-cli --no-auth-warning ${localRedisTarget(f)} config set port ${port}`, { stdin: lb.password[f] + "\n" });
    assert.strictEqual((await set(6379)).trim(), "OK");
    try {
        return await run(`-h ${cache.address} -p 6379`);
    } finally {
        assert.strictEqual((await set(0)).trim(), "OK");
    }
}

export async function runRedisScenarios(lb: LoadBed, f: Flavour): Promise<RedisRow[]> {
    const rows: RedisRow[] = [];
    const cache = lb.cache(f);
    const [c1, c2] = lb.clients(f);
    const pw = lb.password[f];
    // Three alternating rounds, medians: one round of either varies by up to 1.7× on a shared 2-CPU machine.
    const directs: number[] = [];
    const tunnels: number[] = [];
    const directCpu: number[] = [];
    const tunnelCpu: number[] = [];
    for (let i = 0; i < 3; i++) {
        const d = await withPlainPort(lb, f, (target) => redisBenchmarkPath(cache, target, pw, 20000, [cache]));
        const t = await redisBenchmarkPath(c1, TUNNEL_PORT, pw, 20000, [cache, c1]);
        directs.push(d.rps);
        directCpu.push(d.cpuUsPerOp);
        tunnels.push(t.rps);
        tunnelCpu.push(t.cpuUsPerOp);
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[1];
    const direct = med(directs);
    const tunnel = med(tunnels);
    rows.push({
        config: f,
        scenario: "redis-benchmark direct (cache host, plain TCP)",
        ops: 120000,
        failures: 0,
        rps: direct,
        cpuUsPerOp: med(directCpu),
        note: `median of ${directs.join(", ")}; CPU µs/op ${directCpu.join(", ")}${f === "new" ? "; a plain port opened for this measurement only" : ""}`,
    });
    if (f === "new") {
        const socket = await redisBenchmark(cache, localRedisTarget(f), pw, "", 20000);
        rows.push({ config: f, scenario: "redis-benchmark on the cache's Unix socket", ops: 40000, failures: 0, rps: socket, note: `tunnel/socket ${r2(tunnel / socket)}` });
    }
    const path = f === "old" ? "node stunnel client → cache stunnel server → Redis" : "node stunnel client → Redis's own TLS";
    rows.push({
        config: f,
        scenario: "redis-benchmark through rc-1's tunnel",
        ops: 120000,
        failures: 0,
        rps: tunnel,
        cpuUsPerOp: med(tunnelCpu),
        note: `${r2(tunnel / direct)} of direct (${path}); median of ${tunnels.join(", ")}; CPU µs/op ${tunnelCpu.join(", ")} (benchmark + stunnel + Redis)`,
    });
    const perConn = await redisBenchmark(c1, TUNNEL_PORT, pw, "-k 0", 300);
    rows.push({ config: f, scenario: "tunnel, new connection per request (-k 0)", ops: 600, failures: 0, rps: perConn });
    const steady = await redisLoad(c1, { port: TUNNEL_PORT, password: pw, durationMs: 3000 });
    rows.push({ config: f, scenario: "client through tunnel, steady 3 s (8 conns)", ops: steady.ops, failures: steady.failures, rps: Math.round(steady.ops / 3), p50Ms: r2(steady.p50), p99Ms: r2(steady.p99) });

    // The cache end's step re-run with a change (all clients' traffic through it), then one client's step. Today's
    // cache end is its stunnel server (a changed configuration: reload); the new one is Redis itself (a changed
    // certificate file: its TLS files re-read in place, no restart).
    const cacheEnd: readonly [string, BedHost, string, string, string] =
        f === "old"
            ? ["stunnel server step re-run under load (rc-1 + rc-2)", cache, await stunnelConfOf(cache), `cache-${f}-stunnel-server`, ""]
            : ["cache's Redis step re-run with a changed TLS file under load (rc-1 + rc-2)", cache, "/etc/redis/gluu-cluster-tls.crt", `cache-${f}-redis`, "/run/redis/redis-server.pid"];
    const clientConf = await stunnelConfOf(c1);
    for (const [label, host, conf, step, pidFile] of [cacheEnd, ["rc-1's stunnel client step re-run under load (rc-1 + rc-2)", c1, clientConf, `rc-${f}-1-stunnel-client`, ""]] as const) {
        const pids = () => host.run(pidFile ? `cat ${pidFile} 2>/dev/null | tr '\\n' ' '` : `cat $(sed -n 's/^ *pid *= *//p' ${conf}) 2>/dev/null | tr '\\n' ' '`);
        const before = await pids();
        const loads = [c1, c2].map((h) => redisLoad(h, { port: TUNNEL_PORT, password: pw, durationMs: 5000 }));
        await sleep(1500);
        const out = await rerunChanged(host, conf, lb.redis[f], step);
        const [a, b] = await Promise.all(loads);
        const after = await pids();
        rows.push({
            config: f,
            scenario: label,
            ops: a.ops + b.ops,
            failures: a.failures + b.failures,
            refused: a.refused + b.refused,
            p99Ms: r2(Math.max(a.p99, b.p99)),
            errorWindowMs: Math.max(a.errorWindowMs, b.errorWindowMs),
            note: `rc-1 ${a.failures}+${a.refused} / rc-2 ${b.failures}+${b.refused} failed+refused; step: ${out.trim().split("\n").filter((l) => /restart|reload/.test(l)).join(", ") || "?"}; ${pidFile ? "redis" : "stunnel"} pid ${before.trim()} → ${after.trim()}`,
        });
    }

    const status = (await failBgsave(cache, pw, localRedisTarget(f))).trim();
    const writes = await redisLoad(c1, { port: TUNNEL_PORT, password: pw, durationMs: 2000, op: "set", conns: 4 });
    rows.push({ config: f, scenario: "SETs for 2 s after a failed BGSAVE", ops: writes.ops, failures: writes.failures, misconf: writes.misconf, errorWindowMs: writes.errorWindowMs, note: status });
    await restoreBgsave(cache, pw, localRedisTarget(f));
    return rows;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

// ---------------------------------------------------------------------------------------------------------
// the whole bench

export interface LoadBenchResult {
    totalMs: number;
    commitOld: string;
    lb: LbRow[];
    redis: RedisRow[];
    /** `met` undefined: a figure reported next to the goals, not a goal. */
    goals: { goal: string; old: string; new: string; met?: boolean }[];
}

export async function runLoadBench(mocks: GluuMocks, log: (s: string) => void = (s) => process.stderr.write(s + "\n")): Promise<LoadBenchResult> {
    const t0 = Date.now();
    const lb = await startLoadBed(mocks, ["old", "new"], log);
    try {
        const lbRows: LbRow[] = [];
        const faultEnded: Record<Flavour, number> = { old: 0, new: 0 };
        for (const sc of lbScenarios(lb)) {
            // old, then new: the old LB's recovery overlaps the new LB's scenario.
            for (const f of ["old", "new"] as Flavour[]) {
                await settle(lb.lb(f), f, faultEnded[f]);
                const row = await runLbScenario(lb.lb(f), f, sc);
                log(`  ${f} ${sc.name}: ${row.requests} requests, ${row.failures} failed, ${row.rps}/s`);
                lbRows.push(row);
                if (sc.inject) faultEnded[f] = Date.now();
            }
        }
        const redisRows: RedisRow[] = [];
        for (const f of ["old", "new"] as Flavour[]) {
            const rows = await runRedisScenarios(lb, f);
            for (const r of rows) log(`  ${f} ${r.scenario}: ${r.ops} ops, ${r.failures} failed`);
            redisRows.push(...rows);
        }
        return { totalMs: Date.now() - t0, commitOld: OLD_COMMIT, lb: lbRows, redis: redisRows, goals: goals(lbRows, redisRows) };
    } finally {
        await lb.stop();
    }
}

function goals(lb: LbRow[], redis: RedisRow[]): LoadBenchResult["goals"] {
    const L = (f: Flavour, s: string) => lb.find((r) => r.config === f && r.scenario.startsWith(s))!;
    const R = (f: Flavour, s: string) => redis.find((r) => r.config === f && r.scenario.startsWith(s))!;
    const ratio = (f: Flavour) => R(f, "redis-benchmark through").rps! / R(f, "redis-benchmark direct").rps!;
    const out = (f: Flavour, s: string) => {
        const r = L(f, s);
        return r.downAfterMs !== undefined ? `down after ${r.downAfterMs} ms, ${r.failures} failed` : `never marked down, ${r.failures} failed, stall ${r.stallMs} ms`;
    };
    const g: LoadBenchResult["goals"] = [];
    const f500 = (f: Flavour) => L(f, "6 GETs").failures;
    g.push({ goal: "0 failures caused by a 500-ing URL", old: String(f500("old")), new: String(f500("new")), met: f500("new") === 0 });
    for (const s of ["gluu-1 hangs", "gluu-1 503"]) {
        const n = L("new", s);
        g.push({ goal: `${s}: out of rotation within 5 s`, old: out("old", s), new: out("new", s), met: n.downAfterMs !== undefined && n.downAfterMs <= 5000 });
    }
    const steady = (f: Flavour) => lb.filter((r) => r.config === f && r.scenario.startsWith("steady")).map((r) => r.rps).sort((a, b) => a - b);
    const mid = (xs: number[]) => xs[Math.floor(xs.length / 2)];
    const tp = mid(steady("new")) / mid(steady("old"));
    g.push({
        goal: "throughput ≥ 5× today's (steady, medians of 3 rounds)",
        old: `${mid(steady("old"))}/s (${steady("old").join(", ")})`,
        new: `${mid(steady("new"))}/s (${steady("new").join(", ")}), ${Math.round(tp * 10) / 10}×`,
        met: tp >= 5,
    });
    const rl = (f: Flavour) => {
        const r = L(f, "LB reload (");
        return `${r.status5xx + r.connectOrTimeout} 5xx/refused/timeout, ${r.closedKeepAlive} keep-alive closed with a request on it`;
    };
    const rn = L("new", "LB reload (");
    const rr = (f: Flavour) => L(f, "LB reload, client retrying");
    const rrText = (f: Flavour) => `${rr(f).failures} failed of ${rr(f).requests} (${rr(f).closedKeepAlive} closes before a response byte, each resent once)`;
    g.push({ goal: "LB reload: 0 failed requests for a client that retries like curl/Chromium", old: rrText("old"), new: rrText("new"), met: rr("new").failures === 0 });
    g.push({
        goal: "(not a goal) LB reload: failed requests for a client that resends idempotent requests only (the POSTs the retrying client resent)",
        old: `${rr("old").failures + (rr("old").postsRetried ?? 0)}`,
        new: `${rr("new").failures + (rr("new").postsRetried ?? 0)}`,
    });
    g.push({ goal: "(not a goal) LB reload: keep-alive connections closed under a request as wrk sees them (no resend; the HTTP/1.1 keep-alive race, no nginx setting removes it)", old: rl("old"), new: rl("new") });
    g.push({ goal: "LB reload: 0 5xx, refused or timed-out requests", old: rl("old"), new: rl("new"), met: rn.status5xx + rn.connectOrTimeout === 0 });
    g.push({
        goal: "Redis through the tunnel ≥ 0.4 of direct (plain TCP on the cache host)",
        old: `${r2(ratio("old"))} (${R("old", "redis-benchmark through").rps} vs ${R("old", "redis-benchmark direct").rps} ops/s)`,
        new: `${r2(ratio("new"))} (${R("new", "redis-benchmark through").rps} vs ${R("new", "redis-benchmark direct").rps} ops/s)`,
        met: ratio("new") >= 0.4,
    });
    const cpuRatio = (f: Flavour) => R(f, "redis-benchmark direct").cpuUsPerOp! / R(f, "redis-benchmark through").cpuUsPerOp!;
    g.push({
        goal: "(not a goal) Redis CPU per operation, direct / through the tunnel: what a CPU-bound host would get",
        old: `${r2(cpuRatio("old"))} (${R("old", "redis-benchmark direct").cpuUsPerOp} vs ${R("old", "redis-benchmark through").cpuUsPerOp} µs/op)`,
        new: `${r2(cpuRatio("new"))} (${R("new", "redis-benchmark direct").cpuUsPerOp} vs ${R("new", "redis-benchmark through").cpuUsPerOp} µs/op)`,
    });
    const mc = (f: Flavour) => R(f, "SETs for 2 s").misconf ?? 0;
    g.push({ goal: "0 refused writes after a failed save", old: `${mc("old")} MISCONF`, new: `${mc("new")} MISCONF`, met: mc("new") === 0 });
    return g;
}

export function renderLoadBench(r: LoadBenchResult): string {
    const lines = [
        `Load and faults (issue 15): today's config = components at ${r.commitOld}, new = working tree; one bed, one run (${Math.round(r.totalMs / 1000)} s)`,
        "wrk -t2 -c32 keep-alive HTTPS through the LB (GET openid-configuration + POST token), fault on gluu-1",
        "(the retrying client's row: failed = after its one resend; keep-alive closed = closes before a response byte, each resent once)",
        "probe: 40 new TLS connections a second from nine client addresses during each fault: sent / failed / max ms",
        "| scenario | config | requests | failed | of which 5xx / connect+timeout / keep-alive closed | req/s | p50 ms | p99 ms | max ms | 5xx window ms | longest stall ms | node down after ms | probe |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ...r.lb.map((x) => `| ${x.scenario} | ${x.config} | ${x.requests} | ${x.failures} | ${x.status5xx} / ${x.connectOrTimeout} / ${x.closedKeepAlive} | ${x.rps} | ${x.p50Ms} | ${x.p99Ms} | ${x.maxMs} | ${x.errorWindowMs} | ${x.stallMs} | ${x.downAfterMs ?? "—"} | ${x.probe ? `${x.probe.sent} / ${x.probe.failed} / ${x.probe.maxMs}` : "—"} |`),
        "",
        "Redis (SecureRedis: today's = node stunnel client → cache stunnel server → Redis; new = node stunnel client → Redis's own TLS)",
        "| scenario | config | ops | failed | refused connects | MISCONF | ops/s | CPU µs/op | p50 ms | p99 ms | error window ms | note |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ...r.redis.map((x) => `| ${x.scenario} | ${x.config} | ${x.ops} | ${x.failures} | ${x.refused ?? "—"} | ${x.misconf ?? "—"} | ${x.rps ?? "—"} | ${x.cpuUsPerOp ?? "—"} | ${x.p50Ms ?? "—"} | ${x.p99Ms ?? "—"} | ${x.errorWindowMs ?? "—"} | ${x.note ?? ""} |`),
        "",
        "Goals (same run)",
        "| goal | today's config | new config | met |",
        "|---|---|---|---|",
        ...r.goals.map((g) => `| ${g.goal} | ${g.old} | ${g.new} | ${g.met === undefined ? "—" : g.met ? "yes" : "**NO**"} |`),
    ];
    return lines.join("\n") + "\n";
}
