// RedisHa for real (issue 12): its steps, recorded from the component under the mocks, run on three cache hosts and
// two Gluu stand-in nodes (src/benchCacheHa.ts); clients on both nodes write and read through their localhost:16379
// while the primary is killed and while a replica's link is cut. Counts are asserted here; the seconds of
// unavailability go to `npm run bench -- --live`.
import * as assert from "assert";
import { execFileSync } from "child_process";
import { HA_CACHES, HA_NODES, HaBench, currentPrimary, cutReplica, killPrimary, roleOf, startHaBench } from "../../src/benchCacheHa";
import { mocks } from "../helpers/program";
import { assertNothingChanged } from "./hosts";
import { runSteps } from "./runner";

describe("live: RedisHa (Redis primary + replicas, Sentinel quorum, HAProxy on every node; native TLS on every hop)", function () {
    this.timeout(120000);
    let ha: HaBench;

    before(async () => {
        // Sentinel's down-after-milliseconds 2000 instead of the production 5000 keeps the spec short; the bench uses 5000.
        ha = await startHaBench(mocks, { downAfterMs: 2000, log: (s) => console.log(`      ${s}`) });
    });

    after(async () => {
        await ha?.stop();
    });

    it("comes up with cache-1 as primary, both replicas linked over TLS, and every node's proxy answering", async () => {
        assert.strictEqual(await currentPrimary(ha), "cache-1");
        const info = await ha.bed.host("cache-1").run(
            `IFS= read -r pw; REDISCLI_AUTH="$pw" redis-cli --no-auth-warning --tls --cert /etc/redis/tls/gluu-ha.crt --key /etc/redis/tls/gluu-ha.key --cacert /etc/redis/tls/gluu-cluster-ca.crt -h 127.0.0.1 -p 16379 info replication`,
            { stdin: ha.password + "\n" },
        );
        assert.match(info, /role:master/);
        assert.match(info, /connected_slaves:2/);
        for (const n of HA_NODES) {
            const health = ha.resources.find((r) => r.name === `${n}-redis-ha-health`)!;
            assert.ok(health);
        }
    });

    it("refuses plain connections and connections without a cluster-CA client certificate on every cache host", async () => {
        await Promise.all(
            HA_CACHES.map(async (name) => {
                const address = ha.bed.host(name).address;
                const plain = await ha.bed.host("gluu-1").ssh(`timeout 3 redis-cli -h ${address} -p 16379 ping 2>&1 || true`);
                assert.doesNotMatch(plain.stdout, /PONG|NOAUTH/, `${name} answers plain Redis: ${plain.stdout}`);
                const noCert = await ha.bed.host("gluu-1").ssh(`timeout 3 redis-cli --tls --cacert /etc/haproxy/gluu-cluster-ca.crt -h ${address} -p 16379 ping 2>&1 || true`);
                assert.doesNotMatch(noCert.stdout, /PONG|NOAUTH/, `${name} accepts TLS without a client certificate: ${noCert.stdout}`);
                const listening = await ha.bed.host(name).run("ss -Hltn");
                assert.doesNotMatch(listening, /:6379\b/, "no plain Redis port");
            }),
        );
    });

    it("keeps keys and passwords in 0600/0640 files only", async () => {
        for (const name of HA_CACHES) {
            assert.match(await ha.bed.host(name).run("stat -c '%a %U:%G' /etc/redis/tls/gluu-ha.key /etc/redis/gluu-ha-auth.conf /etc/redis/gluu-sentinel-master.conf"), /^640 root:redis\n640 root:redis\n640 root:redis\n$/);
        }
        for (const n of HA_NODES) {
            assert.match(await ha.bed.host(n).run("stat -c '%a %U' /etc/haproxy/haproxy.cfg /etc/haproxy/gluu-redis-client.pem"), /^600 root\n600 root\n$/);
            const ps = await ha.bed.host(n).run("ps -eo args");
            assert.ok(!ps.includes(ha.password), "no password in any process's arguments");
        }
    });

    it("primary killed: Sentinel promotes a replica, the proxies follow it; 0 acknowledged writes lost (bound: the min-replicas-max-lag window)", async () => {
        const r = await killPrimary(ha, 10);
        console.log(`      ${r.name}: ${r.operations} operations, ${r.failed} failed, ${r.acknowledged} acknowledged, ${r.lost} lost, ${r.unavailableSeconds} s without success; ${r.primaryBefore} → ${r.primaryAfter}`);
        assert.notStrictEqual(r.primaryAfter, r.primaryBefore, "a replica was promoted");
        assert.ok(r.acknowledged > 0 && r.operations > r.acknowledged, "writes went through, and some failed while there was no primary");
        assert.ok(r.lost <= r.boundWindowWrites, `lost ${r.lost} ≤ the writes acknowledged in the bound's window (${r.boundWindowWrites})`);
        assert.strictEqual(r.lost, 0, "a primary killed while its replicas were linked loses no acknowledged write here");
    });

    it("runs every step again after the failover without changing anything: the new primary stays, the old one is a replica", async () => {
        const before = await currentPrimary(ha);
        const again = await runSteps(ha.resources, { concurrency: 5 });
        assertNothingChanged(again);
        assert.strictEqual(await currentPrimary(ha), before);
        assert.strictEqual(await roleOf(ha, "cache-1"), "slave", "the killed and restarted primary (demoted by Sentinel) stays a replica");
    });

    it("converges when a replica's Redis step and a Sentinel step are killed half-way and run again (the role stays)", async () => {
        const primary = await currentPrimary(ha);
        const replica = HA_CACHES.find((n) => n !== primary)!;
        const names = [`${replica}-redis-ha`, `${replica}-sentinel`];
        const only = (r: { name: string }) => names.includes(r.name);
        let kills = 0;
        let again = await runSteps(ha.resources, { only, timeoutMs: 45000 });
        // Kill points inside the scripts (each takes about 0.3 s on the host once the session is up). Early kills
        // once hung every later session: the bed's hosts ran this machine's ~/.bashrc (pyenv init), whose lock
        // file a SIGKILL left behind (test/live/bed.ts now gives them a stock Debian root).
        for (const at of [80, 160, 240]) {
            const killed = await runSteps(ha.resources, { only, interruptAfterMs: () => at, throwOnFailure: false, timeoutMs: 45000 });
            kills += names.filter((n) => killed.step(n).status !== "ok").length;
            again = await runSteps(ha.resources, { only, timeoutMs: 45000 });
            for (const n of names) assert.strictEqual(again.step(n).status, "ok", `${n} re-run after a kill at ${at} ms`);
        }
        console.log(`      ${kills} of 6 step runs killed half-way (at 0.08, 0.16 and 0.24 s); each re-run converged`);
        assert.ok(kills > 0, "at least one run was really killed");
        assertNothingChanged(await runSteps(ha.resources, { only }));
        assert.strictEqual(await currentPrimary(ha), primary, "no failover from a replica's re-run");
        assert.match(again.step(`${replica}-redis-ha`).stdout, /role: slave/);
    });

    it("replica link cut: 0 failed operations and 0 lost writes (min-replicas-to-write 1 leaves one replica to spare)", async () => {
        const r = await cutReplica(ha, 7, async (cmd) => void execFileSync("bash", ["-c", cmd]));
        console.log(`      ${r.name}: ${r.operations} operations, ${r.failed} failed, ${r.lost} lost, ${r.unavailableSeconds} s without success`);
        assert.strictEqual(r.primaryAfter, r.primaryBefore, "no failover for a replica");
        assert.strictEqual(r.failed, 0);
        assert.strictEqual(r.lost, 0);
    });
});
