// Issue 15, counts only (the times go to `npm run bench -- --live`): NginxBalancer and SecureRedis as the components
// generate them today, their real steps run by the live runner on a bed of three stand-in Gluu nodes (HTTPS,
// oxAuth's paths, a POST-503 switch), the LB host, the cache host and two tunnel clients (src/benchLoad.ts). The
// reload counts: wrk (never resends) for 5xx/refused/timeouts, and a keep-alive client that resends like curl and
// Chromium (src/benchHttpClient.ts) for "0 failed".
import * as assert from "assert";
import { LB_SERVERS_INCLUDE, LoadBed, failBgsave, faults, redisLoad, restoreBgsave, rerunChanged, runLbScenario, startLoadBed } from "../../src/benchLoad";
import { mocks } from "../helpers/program";

describe("live: load and faults through NginxBalancer and SecureRedis (issue 15, counts)", function () {
    this.timeout(90000);
    let lb: LoadBed;

    before(async () => {
        lb = await startLoadBed(mocks, ["new"], (s) => console.log(`      ${s}`));
    });

    after(async () => {
        await lb?.stop();
    });

    it("a reload of the LB (its nginx step re-run with a change) loses 0 requests: no 5xx, no refused connection, no timeout", async () => {
        const lbHost = lb.lb("new");
        // New TLS connections through the reload (4 loops of curl), next to wrk's 32 keep-alive connections.
        const fresh = lbHost.run(
            `for k in 1 2 3 4; do ( end=$(( $(date +%s) + 4 )); while [ "$(date +%s)" -lt "$end" ]; do curl -sk -o /dev/null -w '%{http_code}\\n' --max-time 10 https://idp.example.org/oxauth/.well-known/openid-configuration; done ) & done; wait`,
            { timeoutMs: 30000 },
        );
        const row = await runLbScenario(lbHost, "new", {
            name: "reload",
            mode: "mix",
            seconds: 5,
            faultAtMs: 1500,
            inject: (h) => rerunChanged(h, "/etc/nginx/nginx.conf", lb.nginx.new, "lb-new-nginx"),
        });
        const codes = (await fresh).trim().split("\n");
        console.log(`      wrk: ${row.requests} requests, ${row.status5xx} 5xx, ${row.connectOrTimeout} connect/timeout, ${row.closedKeepAlive} keep-alive connections closed with a request on them; curl: ${codes.length} new connections`);
        assert.match(row.note ?? "", /reloaded nginx/, "the step reloaded nginx under load");
        assert.ok(row.requests > 0 && codes.length > 0);
        assert.strictEqual(row.status5xx, 0, "no 5xx through the reload");
        assert.strictEqual(row.connectOrTimeout, 0, "no refused connection or timeout through the reload");
        assert.deepStrictEqual(codes.filter((c) => c !== "200"), [], "every new connection answered 200");
    });

    it("a reload loses 0 requests for a keep-alive client that resends like curl/Chromium (a reused connection closed before any response byte)", async () => {
        const row = await runLbScenario(lb.lb("new"), "new", {
            name: "reload, retrying client",
            mode: "mix",
            client: "retrying",
            seconds: 5,
            faultAtMs: 1500,
            inject: (h) => rerunChanged(h, "/etc/nginx/nginx.conf", lb.nginx.new, "lb-new-nginx"),
        });
        console.log(`      retrying client: ${row.requests} requests, ${row.failures} failed, ${row.closedKeepAlive} closed before a response byte and resent (${row.postsRetried} POSTs); probe ${JSON.stringify(row.probe)}`);
        assert.match(row.note ?? "", /reloaded nginx/, "the step reloaded nginx under load");
        assert.ok(row.requests > 0);
        assert.strictEqual(row.failures, 0, "no request failed after the client's one resend");
        assert.strictEqual(row.probe?.failed, 0, "every new connection of the probe answered");
    });

    it("the cache's Redis step re-run with a changed TLS file under load: its files re-read in place, 0 failed operations through the tunnels", async () => {
        const cache = lb.cache("new");
        const pid = () => cache.run("cat /run/redis/redis-server.pid");
        const before = await pid();
        const loads = lb.clients("new").map((h) => redisLoad(h, { port: 16379, password: lb.password.new, durationMs: 4000 }));
        await new Promise((r) => setTimeout(r, 1000));
        const out = await rerunChanged(cache, "/etc/redis/gluu-cluster-tls.crt", lb.redis.new, "cache-new-redis");
        const results = await Promise.all(loads);
        console.log(`      ${results.map((r) => `${r.ops} ops, ${r.failures} failed, ${r.refused} refused`).join("; ")}`);
        assert.match(out, /reloaded redis-server's TLS files/);
        assert.strictEqual(await pid(), before, "the same Redis process");
        for (const r of results) {
            assert.ok(r.ops > 0);
            assert.strictEqual(r.failures + r.refused, 0);
        }
    });

    it("0 MISCONF: writes through a node's tunnel keep succeeding after a failed background save", async () => {
        const status = await failBgsave(lb.cache("new"), lb.password.new);
        try {
            assert.match(status, /bgsave status: err/, "the background save really failed");
            const w = await redisLoad(lb.clients("new")[0], { port: 16379, password: lb.password.new, durationMs: 1500, op: "set", conns: 4 });
            console.log(`      ${w.ops} SETs after the failed save, ${w.failures} failed, ${w.misconf} MISCONF`);
            assert.ok(w.ops > 0, "SETs went through");
            assert.strictEqual(w.misconf, 0);
            assert.strictEqual(w.failures, 0);
        } finally {
            await restoreBgsave(lb.cache("new"), lb.password.new);
        }
    });

    it("a node answering 503 to POSTs is taken out by the checker: `down` in the servers include, the others not", async () => {
        const lbHost = lb.lb("new");
        const include = () => lbHost.run(`cat ${LB_SERVERS_INCLUDE}`);
        const g1 = lb.bed.host("gluu-1");
        assert.doesNotMatch(await include(), / down;/, "no node down before the fault");
        await faults.post503(g1);
        let text = "";
        try {
            // A bound for the wait only (60 probe rounds), not a timing assertion.
            for (let i = 0; i < 120 && !/ down; # gluu-1$/m.test(text); i++) {
                text = await include();
                await new Promise((r) => setTimeout(r, 250));
            }
        } finally {
            await faults.post200(g1);
        }
        const lines = text.split("\n").filter((l) => l.startsWith("server "));
        assert.strictEqual(lines.length, 3, text);
        assert.match(lines.find((l) => l.endsWith("# gluu-1")) ?? "", / down; # gluu-1$/, `gluu-1 marked down:\n${text}`);
        for (const n of ["gluu-2", "gluu-3"]) assert.doesNotMatch(lines.find((l) => l.endsWith(`# ${n}`)) ?? "", / down;/, `${n} stays in rotation`);
    });
});
