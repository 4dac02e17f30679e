// NginxBalancer for real: the steps recorded from the component (under mocks, with real certificates from a
// ClusterCa) run over SSH on the `lb` test host; two stand-in backends (a plain nginx on gluu-1 and gluu-2, not
// from the component, serving HTTPS with the same certificate the load balancer uses) answer every path with
// their host name. Then the load balancer is probed from the lb host itself (curl --resolve to 127.0.0.1).
import * as assert from "assert";
import { execFileSync } from "child_process";
import { generateKeyPairSync } from "crypto";
import { ClusterCa } from "../../components/clusterCa";
import { NginxBalancer } from "../../components/nginxBalancer";
import { RecordedResource } from "../../src/record";
import { byName, recordComponent, unwrap } from "../helpers/program";
import { Bed, startBed } from "./bed";
import { assertNothingChanged, hostArgsOf, startStandinNginx, timings } from "./hosts";
import { RunReport, runSteps } from "./runner";

const BACKENDS = ["gluu-1", "gluu-2"];
const LB = "lb";
const HOSTNAME = "idp.example.org";
const WELL_KNOWN = "/oxauth/.well-known/openid-configuration";

/** The stand-in backend: HTTPS on 443 with the LB's certificate, every path answers with the host name. */
function backendConf(name: string): string {
    return [
        `worker_processes 1;`,
        `pid /run/backend-nginx.pid;`,
        `error_log /srv/backend/error.log warn;`,
        `events { worker_connections 64; }`,
        `http {`,
        `  access_log off;`,
        `  server {`,
        `    listen 443 ssl default_server;`,
        `    server_name ${HOSTNAME};`,
        `    ssl_certificate /srv/backend/cert.pem;`,
        `    ssl_certificate_key /srv/backend/key.pem;`,
        `    location = ${WELL_KNOWN} {`,
        `      default_type application/json;`,
        `      return 200 '{"issuer":"https://${HOSTNAME}","node":"${name}"}';`,
        `    }`,
        `    # An application error on every node (issue 15: must never take a node out).`,
        `    location = /oxauth/fail500 { return 500; }`,
        `    location / {`,
        `      default_type text/plain;`,
        `      return 200 "${name}\\n";`,
        `    }`,
        `  }`,
        `}`,
        ``,
    ].join("\n");
}

describe("live: NginxBalancer on test hosts (nginx on lb in front of two stand-in HTTPS backends)", function () {
    this.timeout(120000);
    let bed: Bed;
    let resources: RecordedResource[];
    let first: RunReport;
    const pems: { cert?: string; key?: string; ca?: string } = {};

    /** curl on the lb host through the load balancer; prints the body (or `FAIL <code>`) per request. */
    const throughLb = async (path: string, n: number, maxTime = 10): Promise<string[]> => {
        const out = await bed.host(LB).run(
            [
                `for i in $(seq 1 ${n}); do`,
                `  if body=$(curl -sS --fail --max-time ${maxTime} --resolve ${HOSTNAME}:443:127.0.0.1 --cacert /srv/test-ca.pem https://${HOSTNAME}${path} 2>&1); then`,
                `    echo "$body"`,
                `  else echo "FAIL $body" | tr '\\n' ' '; echo; fi`,
                `done`,
            ].join("\n"),
            { timeoutMs: (maxTime + 2) * n * 1000 },
        );
        return out.trim().split("\n");
    };
    const startBackend = (name: string) => bed.host(name).run("nginx -c /srv/backend/nginx.conf");
    const stopBackend = (name: string) => bed.host(name).run(`nginx -c /srv/backend/nginx.conf -s stop; for i in $(seq 1 50); do [ -e /run/backend-nginx.pid ] || break; sleep 0.1; done`);

    before(async function () {
        bed = await startBed({ hosts: [...BACKENDS, LB] });
        console.log(`      bed ${bed.subnet} up in ${bed.bringUpMs} ms`);
        resources = await recordComponent((opts) => {
            const ca = new ClusterCa("lb-ca", {}, opts);
            const cert = ca.issue("lb-web", { commonName: HOSTNAME, server: true, client: false }, ca);
            cert.certPem.apply((v) => (pems.cert = v));
            cert.privateKeyPem.apply((v) => (pems.key = v));
            ca.certPem.apply((v) => (pems.ca = v));
            return new NginxBalancer(
                LB,
                {
                    hostname: HOSTNAME,
                    version: "4.5",
                    backends: BACKENDS.map((n) => ({ name: n, address: bed.host(n).address })),
                    lbHost: hostArgsOf(bed, LB),
                    certificatePem: cert.certPem,
                    privateKeyPem: cert.privateKeyPem,
                    backendCaPem: ca.certPem,
                    healthAfter: [],
                },
                opts,
            );
        });
        // The recorded inputs carry the same PEMs: the key on the nginx step's stdin.
        const stdinKey = String(unwrap(byName(resources, `${LB}-nginx`).inputs.stdin).value);
        assert.ok(pems.cert && pems.key && pems.ca, "the certificate, key and CA were captured while recording");
        assert.strictEqual(stdinKey.trim(), pems.key!.trim(), "the nginx step's stdin is the certificate's key");
        // Stand-in backends, started before the run (the lb-health step needs them).
        await Promise.all(BACKENDS.map((n) => startStandinNginx(bed.host(n), backendConf(n), { certPem: pems.cert!, keyPem: pems.key! })));
        await bed.host(LB).run("cat > /srv/test-ca.pem", { stdin: pems.ca! });
    });

    after(async () => {
        await bed?.stop();
    });

    it("runs the nginx step, then the health step, on the lb host", async () => {
        first = await runSteps(resources);
        console.log(`      first run ${first.ms} ms\n${timings(first)}`);
        assert.ok(first.step(`${LB}-health`).startedAt >= first.step(`${LB}-nginx`).endedAt);
        assert.ok(first.step(`${LB}-nginx`).changed.length > 0, "the first run changes the lb host");
        assert.match(first.step(`${LB}-nginx`).stdout, /started nginx|reloaded nginx/);
    });

    it("the health step printed gluu-1 200, gluu-2 200 and lb 200", () => {
        const lines = first.step(`${LB}-health`).stdout.trim().split("\n").map((l) => l.trim());
        for (const want of ["gluu-1 200", "gluu-2 200", "lb 200"]) assert.ok(lines.includes(want), `${want} in ${JSON.stringify(lines)}`);
    });

    it("sends round-robin paths to both backends in turn", async () => {
        const bodies = await throughLb("/oxauth/authorize", 6);
        assert.ok(bodies.every((b) => BACKENDS.includes(b)), `every request answered by a backend: ${bodies.join(", ")}`);
        assert.deepStrictEqual([...new Set(bodies)].sort(), BACKENDS, "both backends served");
        for (let i = 1; i < bodies.length; i++) assert.notStrictEqual(bodies[i], bodies[i - 1], `round robin alternates: ${bodies.join(", ")}`);
        const wellKnown = await throughLb(WELL_KNOWN, 2);
        for (const b of wellKnown) assert.strictEqual(JSON.parse(b).issuer, `https://${HOSTNAME}`);
    });

    it("keeps /identity sticky: one client always reaches the same backend", async () => {
        const bodies = await throughLb("/identity/home.htm", 8);
        assert.ok(BACKENDS.includes(bodies[0]), bodies[0]);
        assert.deepStrictEqual(bodies, Array(8).fill(bodies[0]), `all on one backend: ${bodies.join(", ")}`);
    });

    it("redirects HTTP on port 80 to https://idp.example.org (path kept)", async () => {
        const out = await bed.host(LB).run(`curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' --max-time 5 --resolve ${HOSTNAME}:80:127.0.0.1 http://${HOSTNAME}/oxauth/x?y=1`);
        assert.strictEqual(out.trim(), `301 https://${HOSTNAME}/oxauth/x?y=1`);
    });

    it("a URL answering 500 causes 0 failures on other URLs (an application error takes no node out)", async () => {
        const errors = await throughLb("/oxauth/fail500", 4);
        assert.ok(errors.every((b) => /^FAIL .*500/.test(b)), `the 500 is passed through: ${errors.join(", ")}`);
        const bodies = await throughLb("/oxauth/x", 10);
        assert.deepStrictEqual(bodies.filter((b) => !BACKENDS.includes(b)), [], `0 failures after the 500s: ${bodies.join(", ")}`);
        assert.deepStrictEqual([...new Set(bodies)].sort(), BACKENDS, "both nodes still in rotation");
    });

    it("runs every step a second time successfully without changing anything", async () => {
        const second = await runSteps(resources);
        console.log(`      second run ${second.ms} ms`);
        assertNothingChanged(second);
        assert.doesNotMatch(second.step(`${LB}-nginx`).stdout, /reloaded|started/);
    });

    it("refuses a private key that does not belong to the certificate and keeps serving", async () => {
        const confBefore = await bed.host(LB).run("sha256sum /etc/nginx/nginx.conf /etc/nginx/ssl/gluu.key /etc/nginx/ssl/gluu.crt");
        const wrongKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
        const r = await runSteps(resources, { only: (x) => x.name === `${LB}-nginx`, stdin: () => wrongKey, throwOnFailure: false });
        const s = r.step(`${LB}-nginx`);
        assert.strictEqual(s.status, "failed");
        assert.match(s.stderr, /does not belong to the certificate/);
        assert.strictEqual(await bed.host(LB).run("sha256sum /etc/nginx/nginx.conf /etc/nginx/ssl/gluu.key /etc/nginx/ssl/gluu.crt"), confBefore, "files untouched");
        assert.ok((await throughLb("/oxauth/x", 2)).every((b) => BACKENDS.includes(b)), "nginx still answers");
    });

    it("refuses a configuration that fails nginx -t, keeps the working one and keeps serving", async () => {
        const step = byName(resources, `${LB}-nginx`);
        const text = String(unwrap(step.inputs.create).value);
        assert.ok(text.includes("    sendfile on;\n"));
        const broken: RecordedResource = { ...step, inputs: { ...step.inputs, create: text.replace("    sendfile on;\n", "    sendfile on;\n    no_such_directive on;\n") } };
        const confBefore = await bed.host(LB).run("sha256sum /etc/nginx/nginx.conf");
        const r = await runSteps([broken], { throwOnFailure: false });
        const s = r.step(`${LB}-nginx`);
        assert.strictEqual(s.status, "failed");
        assert.match(s.stderr, /nginx -t rejected the new configuration/);
        assert.match(s.stderr, /no_such_directive/);
        assert.strictEqual(await bed.host(LB).run("sha256sum /etc/nginx/nginx.conf"), confBefore, "nginx.conf left as it was");
        assert.doesNotMatch(await bed.host(LB).run("cat /etc/nginx/nginx.conf"), /no_such_directive/);
        assert.ok((await throughLb("/oxauth/x", 2)).every((b) => BACKENDS.includes(b)), "nginx still answers");
        assertNothingChanged(await runSteps(resources, { only: (x) => x.name === `${LB}-nginx` }));
    });

    it("with gluu-1's nginx stopped every request still succeeds (served by gluu-2)", async () => {
        await stopBackend("gluu-1");
        try {
            const bodies = await throughLb("/oxauth/x", 10);
            // A refused connection is retried on the next backend at once: no failover window to discount.
            const failures = bodies.filter((b) => b !== "gluu-2");
            assert.deepStrictEqual(failures, [], `every request answered by gluu-2: ${bodies.join(", ")}`);
            const sticky = await throughLb("/identity/x", 3);
            assert.deepStrictEqual(sticky, ["gluu-2", "gluu-2", "gluu-2"], "sticky paths fail over too");
        } finally {
            await startBackend("gluu-1");
        }
    });

    it("with gluu-1's link down requests still succeed within the timeout", async () => {
        const g1 = bed.host("gluu-1");
        // First gluu-1 back in rotation (its fail_timeout from the previous test over), so the link-down
        // really costs a connect attempt to it.
        const deadline = Date.now() + 20000;
        while (!(await throughLb("/oxauth/x", 2)).includes("gluu-1")) {
            assert.ok(Date.now() < deadline, "gluu-1 is back in rotation within 20 s");
            await new Promise((r) => setTimeout(r, 1000));
        }
        execFileSync("ip", ["-n", g1.netns, "link", "set", "dev", "eth0", "down"]);
        try {
            const t0 = Date.now();
            const bodies = await throughLb("/oxauth/x", 8, 8);
            const ms = Date.now() - t0;
            console.log(`      8 requests with gluu-1's link down: ${ms} ms (${bodies.join(", ")})`);
            assert.deepStrictEqual(bodies.filter((b) => b !== "gluu-2"), [], `every request answered by gluu-2: ${bodies.join(", ")}`);
            // proxy_connect_timeout is 2 s: at most a couple of requests wait for it before gluu-1 is skipped.
            assert.ok(ms < 15000, `answered within the connect timeout, not hanging (${ms} ms)`);
        } finally {
            execFileSync("ip", ["-n", g1.netns, "link", "set", "dev", "eth0", "up"]);
        }
    });
});
