// SecureRedis for real: the steps recorded from the component (under mocks, with real certificates) run
// over SSH on three test hosts (the cache and two Gluu nodes); then the path (node's stunnel client → Redis's own
// TLS) is probed from the nodes. A second bed migrates a deployment of the previous version (a cache-side stunnel
// server in front of Redis) to Redis's own TLS.
import * as assert from "assert";
import { ClusterCa } from "../../components/clusterCa";
import { SecureRedis } from "../../components/secureRedis";
import { REDIS_PATHS } from "../../components/render/redis";
import { retireScript } from "../../components/render/retire";
import { loadOldComponents } from "../../src/benchLoad";
import { RecordedResource } from "../../src/record";
import { byName, recordComponent, unwrap } from "../helpers/program";
import { Bed, startBed } from "./bed";
import { assertNothingChanged, hostArgsOf, timings } from "./hosts";
import { RunReport, runSteps } from "./runner";

const NODES = ["gluu-1", "gluu-2"];
const CACHE = "cache";
const PORT = 16379;

/** The last commit whose SecureRedis ran an stunnel server on the cache host (the deployment the migration starts from). */
const STUNNEL_SERVER_COMMIT = "c7c510c";

describe("live: SecureRedis on test hosts (Redis's own TLS on the cache host, an stunnel client on every node)", function () {
    this.timeout(120000);
    let bed: Bed;
    let resources: RecordedResource[];
    let password: string;
    let first: RunReport;
    const cacheAddress = () => bed.host(CACHE).address;
    /** redis-cli on a node through its tunnel; the password travels on ssh's stdin into REDISCLI_AUTH. */
    const cli = (node: string, pw: string | undefined, ...args: string[]) =>
        bed.host(node).ssh(
            `IFS= read -r pw || true; if [ -n "$pw" ]; then export REDISCLI_AUTH="$pw"; fi; redis-cli --no-auth-warning -h 127.0.0.1 -p ${PORT} ${args.join(" ")} 2>&1`,
            { stdin: pw === undefined ? "" : pw + "\n", timeoutMs: 15000 },
        );

    before(async function () {
        bed = await startBed({ hosts: [...NODES, CACHE] });
        console.log(`      bed ${bed.subnet} up in ${bed.bringUpMs} ms`);
        resources = await recordComponent((opts) => {
            const ca = new ClusterCa("cluster-ca", {}, opts);
            return new SecureRedis(CACHE, { cacheHost: hostArgsOf(bed, CACHE), clients: NODES.map((n) => hostArgsOf(bed, n)), ...ca.caArgs }, opts);
        });
        password = String(unwrap(byName(resources, `${CACHE}-redis`).inputs.stdin).value).split("\n")[0].trim(); // line 1; the TLS key follows
    });

    after(async () => {
        await bed?.stop();
    });

    it("runs every step in dependency order on fresh hosts: Redis with TLS and the clients in parallel, then the health checks", async () => {
        first = await runSteps(resources);
        console.log(`      first run ${first.ms} ms\n${timings(first)}`);
        const s = (n: string) => first.step(n);
        assert.ok(!resources.some((r) => r.name === `${CACHE}-stunnel-server`), "no stunnel server step");
        for (const n of NODES) {
            const health = s(`${n}-redis-health`);
            assert.ok(health.startedAt >= s(`${n}-stunnel-client`).endedAt && health.startedAt >= s(`${CACHE}-redis`).endedAt, `${n}'s health check waits for both ends`);
            assert.strictEqual(health.stdout.trim(), "PONG");
        }
        assert.ok(s(`${CACHE}-redis`).changed.length > 0, "the first run changes the cache host");
    });

    it("answers PING with PONG through every node's tunnel, with the password", async () => {
        for (const n of NODES) {
            const r = await cli(n, password, "ping");
            assert.strictEqual(r.stdout.trim(), "PONG", `${n}: ${r.stdout}${r.stderr}`);
        }
    });

    it("shares one cache: a value SET through gluu-1's tunnel is read through gluu-2's", async () => {
        const value = `v-${process.pid}-${Date.now()}`;
        assert.strictEqual((await cli("gluu-1", password, "set", "gluu-live-key", value)).stdout.trim(), "OK");
        assert.strictEqual((await cli("gluu-2", password, "get", "gluu-live-key")).stdout.trim(), value);
    });

    it("refuses a wrong password (WRONGPASS) and no password (NOAUTH)", async () => {
        const wrong = await cli("gluu-1", "not-the-password", "ping");
        assert.match(wrong.stdout, /WRONGPASS/);
        const none = await cli("gluu-2", undefined, "ping");
        assert.match(none.stdout, /NOAUTH/);
    });

    it("Redis has no plain TCP port: only its TLS port on the cache's private address (and its Unix socket); 6379 is refused from the nodes", async () => {
        const listening = await bed.host(CACHE).run("ss -Hltnp");
        assert.doesNotMatch(listening, /:6379\b/, "no plain port at all");
        assert.match(listening, new RegExp(`${cacheAddress().replace(/\./g, "\\.")}:${PORT}\\b.*redis-server`), "redis-server itself listens on the cache's private address");
        assert.doesNotMatch(listening, /stunnel/, "no stunnel on the cache host");
        assert.match(await bed.host(CACHE).run(`stat -c '%a %U' ${REDIS_PATHS.socket}`), /^700 redis$/m, "the socket: user redis (and root) only");
        for (const n of NODES) {
            const probe = (port: number) => bed.host(n).ssh(`timeout 3 bash -c 'exec 3<>/dev/tcp/${cacheAddress()}/${port}' 2>&1 && echo open || echo closed`);
            assert.match((await probe(6379)).stdout, /closed/, `${n} cannot reach the cache's 6379`);
            assert.match((await probe(PORT)).stdout, /open/, `${n} reaches the cache's ${PORT}`);
        }
    });

    it("lets in only clients with a certificate from the cluster CA (none or a self-made one gets no PONG)", async () => {
        // openssl s_client speaks to Redis's TLS port directly; the Redis commands (password included) on stdin.
        const probe = (certArgs: string) =>
            bed.host("gluu-1").ssh(
                [
                    `set -u; d=$(mktemp -d); trap 'rm -rf "$d"' EXIT`,
                    `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=gluu-1 -days 1 -keyout "$d/self.key" -out "$d/self.crt" 2>/dev/null`,
                    `{ cat; sleep 1; } | timeout 8 openssl s_client -quiet -no_ign_eof -connect ${cacheAddress()}:${PORT} -CAfile /etc/stunnel/gluu-cluster-ca.crt -verify_return_error ${certArgs} 2>"$d/err"; echo "exit=$?"; cat "$d/err" >&2`,
                ].join("\n"),
                { stdin: `AUTH ${password}\r\nPING\r\n`, timeoutMs: 20000 },
            );
        const [genuine, selfMade, none] = await Promise.all([
            probe(`-cert /etc/stunnel/redis-client.crt -key /etc/stunnel/redis-client.key`),
            probe(`-cert "$d/self.crt" -key "$d/self.key"`),
            probe(""),
        ]);
        assert.match(genuine.stdout, /\+PONG/, `the probe works with gluu-1's own certificate: ${genuine.stdout}${genuine.stderr}`);
        assert.doesNotMatch(selfMade.stdout, /\+PONG|\+OK/, `a self-made certificate is refused: ${selfMade.stdout}`);
        assert.doesNotMatch(none.stdout, /\+PONG|\+OK/, `no certificate is refused: ${none.stdout}`);
    });

    it("keeps each private key on its own host, 0600 root", async () => {
        assert.match(await bed.host(CACHE).run(`stat -c '%a %U:%G' ${REDIS_PATHS.tlsKey}`), /^640 root:redis$/m, "Redis reads its key as user redis");
        assert.match(await bed.host(CACHE).run("ls /etc/stunnel/redis-client.key 2>&1 || true"), /No such file/);
        for (const n of NODES) {
            assert.match(await bed.host(n).run("stat -c '%a %U' /etc/stunnel/redis-client.key"), /^600 root$/m);
            assert.match(await bed.host(n).run(`ls ${REDIS_PATHS.tlsKey} 2>&1 || true`), /No such file/);
        }
        assert.match(await bed.host(CACHE).run("stat -c '%a %U:%G' /etc/redis/gluu-cluster-auth.conf"), /^640 root:redis$/m);
    });

    it("runs every step a second time successfully without changing anything", async () => {
        const second = await runSteps(resources);
        console.log(`      second run ${second.ms} ms`);
        assertNothingChanged(second);
        for (const n of NODES) assert.strictEqual(second.step(`${n}-redis-health`).stdout.trim(), "PONG");
    });

    it("converges when the Redis step is killed half-way (at several points) and run again", async () => {
        const redisStep = (r: RecordedResource) => r.name === `${CACHE}-redis`;
        const fullMs = first.step(`${CACHE}-redis`).ms;
        for (const fraction of [0.3, 0.65]) {
            // Back to a host that has the package but not our settings, then a run that dies part way.
            await bed.host(CACHE).run("service redis-server stop >/dev/null 2>&1 || true; rm -f /etc/redis/gluu-cluster.conf /etc/redis/gluu-cluster-auth.conf");
            const killedAt = Math.round(fullMs * fraction);
            const killed = await runSteps(resources, { only: redisStep, interruptAfterMs: () => killedAt, throwOnFailure: false });
            const k = killed.step(`${CACHE}-redis`);
            const again = await runSteps(resources, { only: redisStep });
            assert.strictEqual(again.step(`${CACHE}-redis`).status, "ok", `re-run after a kill at ${killedAt} ms (exit ${k.code})`);
        }
        assertNothingChanged(await runSteps(resources, { only: redisStep }));
        const health = await runSteps(resources, { only: (r) => r.name.endsWith("-redis-health") });
        for (const n of NODES) assert.strictEqual(health.step(`${n}-redis-health`).stdout.trim(), "PONG");
    });

    it("converges when a password change is killed after the files are written, just before Redis restarts", async () => {
        const redisStep = (r: RecordedResource) => r.name === `${CACHE}-redis`;
        const rotated = `rotated${password.slice(0, 20)}`;
        // Line 1 the password, then the cache's key, as recorded.
        const key = String(unwrap(byName(resources, `${CACHE}-redis`).inputs.stdin).value).split("\n").slice(1).join("\n");
        await killBeforeRestart("redis-server", () => runSteps(resources, { only: redisStep, stdin: () => `${rotated}\n${key}`, throwOnFailure: false }));
        try {
            // Redis still runs with the old password; the files already hold the new one.
            const again = await runSteps(resources, { only: redisStep, stdin: () => `${rotated}\n${key}`, interruptAfterMs: () => 8000, throwOnFailure: false });
            const s = again.step(`${CACHE}-redis`);
            assert.strictEqual(
                s.status,
                "ok",
                `the re-run with the new password converges within 8 s (it was killed at 8 s: exit ${s.code}); ` +
                    `Redis still runs with the old password while the files already hold the new one, so the step sees no change and never restarts it. ` +
                    `stdout: ${s.stdout.trim() || "(none)"}`,
            );
            assert.strictEqual((await cli("gluu-1", rotated, "ping")).stdout.trim(), "PONG", "Redis answers with the new password");
        } finally {
            await runSteps(resources, { only: redisStep }); // back to the recorded password
        }
        assert.strictEqual((await cli("gluu-1", password, "ping")).stdout.trim(), "PONG");
    });

    it("new certificates (a CA rotation) are re-read without a restart; killed just before that, the re-run converges", async () => {
        // The same component with another CA: every certificate differs (as after a CA rotation).
        const rotated = await recordComponent((opts) => {
            const ca = new ClusterCa("cluster-ca-rotated", {}, opts);
            return new SecureRedis(CACHE, { cacheHost: hostArgsOf(bed, CACHE), clients: NODES.map((n) => hostArgsOf(bed, n)), ...ca.caArgs }, opts);
        });
        const redisStep = (r: RecordedResource) => r.name === `${CACHE}-redis`;
        const served = () =>
            bed.host("gluu-1").run(`timeout 5 openssl s_client -connect ${cacheAddress()}:${PORT} -cert /etc/stunnel/redis-client.crt -key /etc/stunnel/redis-client.key </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256`);
        const onDisk = () => bed.host(CACHE).run(`openssl x509 -in ${REDIS_PATHS.tlsCert} -noout -fingerprint -sha256`);
        const redisPid = () => bed.host(CACHE).run("cat /run/redis/redis-server.pid");
        // The reload is `redis-cli ... config set tls-cert-file`: a wrapper kills the whole step right there.
        await bed.host(CACHE).run(
            [
                `cat > /usr/local/bin/redis-cli <<'EOF'`,
                `#!/bin/sh`,
                `case "$*" in *"config set tls-cert-file"*) kill -KILL 0 ;; esac`,
                `exec /usr/bin/redis-cli "$@"`,
                `EOF`,
                `chmod 0755 /usr/local/bin/redis-cli`,
            ].join("\n"),
        );
        try {
            const killed = await runSteps(rotated, { only: redisStep, throwOnFailure: false });
            assert.strictEqual(killed.steps[0].status, "failed", "the step died at the reload");
        } finally {
            await bed.host(CACHE).run("rm -f /usr/local/bin/redis-cli");
        }
        try {
            const again = await runSteps(rotated, { only: redisStep, throwOnFailure: false });
            assert.strictEqual(again.step(`${CACHE}-redis`).status, "ok");
            assert.strictEqual(await served(), await onDisk(), "after the re-run Redis serves the certificate its files hold");
        } finally {
            // Back to the recorded certificates: only TLS files change, so this run reloads them in place.
            const pid = await redisPid();
            const back = await runSteps(resources, { only: redisStep });
            assert.match(back.step(`${CACHE}-redis`).stdout, /reloaded redis-server's TLS files/);
            assert.doesNotMatch(back.step(`${CACHE}-redis`).stdout, /restarted/);
            assert.strictEqual(await redisPid(), pid, "the same Redis process (no restart)");
        }
        assert.strictEqual(await served(), await onDisk());
        for (const n of NODES) assert.strictEqual((await cli(n, password, "ping")).stdout.trim(), "PONG");
    });

    it("retire (retained droplets): the kept cache host and node stop serving, lose their tunnel keys, and a second run converges", async () => {
        // The text GluuCluster puts in each kept droplet's `<host>-retire` delete (test/lifecycle.spec.ts checks that).
        for (const host of [CACHE, "gluu-1"]) {
            const out = await bed.host(host).run(retireScript(host));
            assert.match(out, new RegExp(`retired ${host}`));
        }
        const cacheListens = await bed.host(CACHE).run("ss -Hltn");
        assert.doesNotMatch(cacheListens, new RegExp(`:${PORT}\\b`), "Redis stopped");
        for (const host of [CACHE, "gluu-1"]) {
            assert.strictEqual((await bed.host(host).run(`ls /etc/stunnel/*.key ${REDIS_PATHS.tlsKey} 2>/dev/null | wc -l`)).trim(), "0", `${host}: no tunnel or Redis TLS key left`);
        }
        assert.notStrictEqual((await cli("gluu-2", password, "ping")).stdout.trim(), "PONG", "the cluster's cache is gone with the kept host");
        for (const host of [CACHE, "gluu-1"]) {
            assert.match(await bed.host(host).run(retireScript(host)), new RegExp(`retired ${host}`), "a second run (a re-tried delete) succeeds");
        }
    });

    /**
     * Run `steps` with the host's `service NAME restart|start` replaced by a kill of the whole script (its
     * process group): the state a step leaves when it dies after writing its files, before the restart.
     */
    async function killBeforeRestart(service: string, steps: () => Promise<RunReport>): Promise<void> {
        const cache = bed.host(CACHE);
        await cache.run(
            [
                `cat > /usr/local/sbin/service <<'EOF'`,
                `#!/bin/sh`,
                `if [ "$1" = ${service} ] && { [ "$2" = restart ] || [ "$2" = start ] || [ "$2" = reload ]; }; then kill -KILL 0; fi`,
                `exec /usr/sbin/service "$@"`,
                `EOF`,
                `chmod 0755 /usr/local/sbin/service`,
            ].join("\n"),
        );
        try {
            const r = await steps();
            const s = r.steps[0];
            assert.strictEqual(s.status, "failed", "the step died at its restart");
            assert.ok(s.changed.length > 0, "it had written its files");
        } finally {
            await cache.run("rm -f /usr/local/sbin/service");
        }
    }
});

describe("live: SecureRedis migration from a cache-side stunnel server (the previous version) to Redis's own TLS", function () {
    this.timeout(120000);
    let bed: Bed;
    const NODE = "gluu-1";
    const record = (C: { SecureRedis: any; ClusterCa: any }) =>
        recordComponent((opts) => {
            const ca = new ClusterCa("cluster-ca", {}, opts);
            return new C.SecureRedis(CACHE, { cacheHost: hostArgsOf(bed, CACHE), clients: [hostArgsOf(bed, NODE)], ...ca.caArgs }, opts);
        });
    const passwordOf = (r: RecordedResource[]) => String(unwrap(byName(r, `${CACHE}-redis`).inputs.stdin).value).split("\n")[0].trim();
    const ping = (pw: string) =>
        bed.host(NODE).ssh(`IFS= read -r pw; REDISCLI_AUTH="$pw" redis-cli --no-auth-warning -h 127.0.0.1 -p ${PORT} ping 2>&1`, { stdin: pw + "\n", timeoutMs: 15000 });

    before(async () => {
        bed = await startBed({ hosts: [CACHE, NODE] });
    });

    after(async () => {
        await bed?.stop();
    });

    it("today's steps over the previous version's: its stunnel server stopped and removed, Redis takes the port, PONG through the node; a second run changes nothing", async () => {
        const old = await record({ ...loadOldComponents(STUNNEL_SERVER_COMMIT), ClusterCa });
        assert.ok(old.some((r) => r.name === `${CACHE}-stunnel-server`), `${STUNNEL_SERVER_COMMIT}'s SecureRedis has the stunnel server`);
        await runSteps(old);
        assert.match(await bed.host(CACHE).run("ss -Hltnp"), new RegExp(`:${PORT}\\b.*stunnel`), "the previous version: stunnel on the cache's port");
        assert.strictEqual((await ping(passwordOf(old))).stdout.trim(), "PONG");

        const today = await record({ SecureRedis, ClusterCa });
        const first = await runSteps(today);
        console.log(`      migration run ${first.ms} ms\n${timings(first)}`);
        const out = first.step(`${CACHE}-redis`).stdout;
        assert.match(out, /stopped and removed the stunnel server of an earlier version/);
        assert.match(out, /restarted redis-server/);
        const cache = bed.host(CACHE);
        const listening = await cache.run("ss -Hltnp");
        assert.match(listening, new RegExp(`:${PORT}\\b.*redis-server`), "Redis listens on the port now");
        assert.doesNotMatch(listening, /stunnel/);
        assert.strictEqual((await cache.run("pgrep -c stunnel || true")).trim(), "0", "no stunnel process left on the cache");
        assert.strictEqual((await cache.run("ls /etc/stunnel/redis-server.conf /etc/stunnel/redis-server.key /etc/stunnel/redis-server.crt 2>/dev/null | wc -l")).trim(), "0", "its files are gone");
        assert.strictEqual((await ping(passwordOf(today))).stdout.trim(), "PONG", "the node's tunnel reaches Redis's own TLS");
        assertNothingChanged(await runSteps(today));
    });
});
