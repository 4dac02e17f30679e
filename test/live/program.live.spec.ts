// The real program, not a component alone: a stack whose hosts are the bed's (the existing-hosts mode), recorded
// under mocks and run over SSH in the order of its edges. Everything that needs no Gluu package runs for real:
// every host's ready/base, the nodes' /etc/hosts, Redis with its own TLS reached through every node's stunnel client, and csync2 with its stunnel
// transport. The Gluu steps (package, setup.py, OpenDJ) are left out here; the contract specs cover them.
import * as assert from "assert";
import { RecordedResource } from "../../src/record";
import { recordConfig, stackConfig, unwrap } from "../helpers/program";
import { Bed, startBed } from "./bed";
import { assertNothingChanged, timings } from "./hosts";
import { RunReport, runSteps } from "./runner";

const NODES = ["gluu-1", "gluu-2"];
const HOSTS = [...NODES, "gluu-cache", "gluu-lb"];
/** Steps that need no Gluu package (csync2's first sync waits for the installs, so it stays out). */
const NO_GLUU = /-(ready|base|hosts|redis|stunnel-client|redis-health|csync2|csync2-transport)$/;

describe("live: the real program for a stack of test hosts (2 nodes, cache, LB), the steps that need no Gluu", function () {
    this.timeout(240000);
    let bed: Bed;
    let resources: RecordedResource[];
    let first: RunReport;
    let startedAt: number;

    before(async () => {
        startedAt = Date.now();
        bed = await startBed({ hosts: HOSTS });
        const raw: Record<string, string> = {
            ...stackConfig("byo"),
            existingNodeAddresses: JSON.stringify(NODES.map((n) => bed.host(n).address)),
            existingNodePrivateAddresses: JSON.stringify(NODES.map((n) => bed.host(n).address)),
            existingNodeHostKeys: JSON.stringify(NODES.map((n) => bed.host(n).hostKey)),
            existingNodeNames: JSON.stringify(NODES),
            existingCacheAddress: bed.host("gluu-cache").address,
            existingCachePrivateAddress: bed.host("gluu-cache").address,
            existingCacheHostKey: bed.host("gluu-cache").hostKey,
            existingLbAddress: bed.host("gluu-lb").address,
            existingLbPrivateAddress: bed.host("gluu-lb").address,
            existingLbHostKey: bed.host("gluu-lb").hostKey,
            sshPrivateKey: bed.clientPrivateKey,
        };
        resources = await recordConfig(raw);
    });

    after(async () => {
        await bed?.stop();
    });

    it("connects every step to a bed host with that host's pinned key", () => {
        const steps = resources.filter((r) => r.type === "command:remote:Command");
        assert.ok(steps.length > 40);
        for (const s of steps) {
            const conn = unwrap(s.inputs.connection).value;
            const host = HOSTS.find((h) => bed.host(h).address === conn.host);
            assert.ok(host, `${s.name} goes to a bed host`);
            assert.strictEqual(conn.hostKey, bed.host(host!).hostKey, `${s.name} pins ${host}'s key`);
        }
    });

    it("runs every step that needs no Gluu, in the order of the recorded edges", async () => {
        first = await runSteps(resources, { only: (r) => NO_GLUU.test(r.name) });
        const total = Date.now() - startedAt;
        console.log(`      bring-up to all run: ${total} ms (bed ${bed.bringUpMs} ms, steps ${first.ms} ms)\n${timings(first)}`);
        if (process.env.GLUU_BENCH_OUT) {
            // `npm run bench -- --live` reads the figure from here.
            require("fs").writeFileSync(process.env.GLUU_BENCH_OUT, JSON.stringify({ hosts: HOSTS.length, bedMs: bed.bringUpMs, stepsMs: first.ms, totalMs: total, steps: first.steps.length }));
        }
        assert.ok(first.steps.length >= 18, `ran ${first.steps.length} steps`);
        for (const n of NODES) {
            assert.ok(first.step(`${n}-redis-health`).startedAt >= first.step("gluu-cache-redis").endedAt);
            assert.ok(first.step(`${n}-csync2-transport`).startedAt >= first.step(`${n}-csync2`).endedAt);
        }
    });

    it("every node reaches Redis through its tunnel and knows the other nodes by name", async () => {
        // Line 1 of the Redis step's stdin (the cache's TLS key follows it).
        const password = String(unwrap(resources.find((r) => r.name === "gluu-cache-redis")!.inputs.stdin).value).split("\n")[0].trim();
        for (const n of NODES) {
            const out = await bed.host(n).ssh("redis-cli --no-auth-warning -p 16379 -a \"$(cat)\" ping", { stdin: password + "\n" });
            assert.strictEqual(out.stdout.trim(), "PONG", `${n}: ${out.stderr}`);
            for (const m of NODES) {
                assert.match(await bed.host(n).run(`getent hosts ${m}`), new RegExp(`^${bed.host(m).address.replace(/\./g, "\\.")}\\s+${m}$`, "m"));
            }
        }
    });

    it("runs them all a second time without changing anything", async () => {
        assertNothingChanged(await runSteps(resources, { only: (r) => NO_GLUU.test(r.name) }));
    });
});
