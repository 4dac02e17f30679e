// The live runner itself, on one test host, with hand-made recordings: it must run a step the way
// @pulumi/command does, check the pinned host key, and respect the dependency edges.
import * as assert from "assert";
import { mockEd25519 } from "../../src/mocks";
import { REMOTE_COMMAND, RecordedResource } from "../../src/record";
import { Bed, startBed } from "./bed";
import { StepsFailed, runDeletes, runSteps, stepPrerequisites } from "./runner";

describe("live: the step runner (recorded remote commands over SSH, as @pulumi/command runs them)", function () {
    this.timeout(60000);
    let bed: Bed;
    let index = 0;

    before(async () => {
        bed = await startBed({ hosts: ["runner"] });
    });
    after(async () => {
        await bed?.stop();
    });

    const urn = (name: string, type = REMOTE_COMMAND) => `urn:pulumi:test::gluu::${type}::${name}`;
    /** A recorded remote step on the bed host. */
    const step = (name: string, create: string, extra: Partial<RecordedResource> & { stdin?: string; del?: string; hostKey?: string } = {}): RecordedResource => ({
        urn: urn(name),
        type: REMOTE_COMMAND,
        name,
        parent: extra.parent,
        dependsOn: extra.dependsOn ?? [],
        custom: true,
        host: "runner",
        index: ++index,
        inputs: {
            connection: {
                host: bed.host("runner").address,
                port: 22,
                user: "root",
                privateKey: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: bed.clientPrivateKey },
                hostKey: extra.hostKey ?? bed.host("runner").hostKey,
            },
            create,
            delete: extra.del,
            stdin: extra.stdin,
        },
    });
    const component = (name: string): RecordedResource => ({ urn: urn(name, "gluu:index:Thing"), type: "gluu:index:Thing", name, dependsOn: [], custom: false, inputs: {}, index: ++index });

    it("runs the step's text as one command of the login shell, stdin attached, without a terminal", async () => {
        const r = await runSteps([step("shape", `IFS= read -r x; echo "got $x"; if [ -t 0 ] || [ -t 1 ]; then echo tty; else echo no-tty; fi; echo "$0"; echo 'quoted "text" $HOME stays'`, { stdin: "secret-line\n" })]);
        assert.deepStrictEqual(r.step("shape").stdout.trim().split("\n"), ["got secret-line", "no-tty", "bash", `quoted "text" $HOME stays`]);
    });

    it("refuses a host whose key is not the pinned one (nothing runs there)", async () => {
        const wrongKey = mockEd25519("not the bed host").publicKeyOpenssh.trim();
        const r = await runSteps([step("pinned", "touch /root/should-not-exist", { hostKey: wrongKey })], { throwOnFailure: false });
        const s = r.step("pinned");
        assert.strictEqual(s.status, "failed");
        assert.strictEqual(s.code, 255);
        assert.match(s.stderr, /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/);
        assert.strictEqual((await bed.host("runner").ssh("test -e /root/should-not-exist")).code, 1);
    });

    it("starts a step only after everything it depends on (a component means all its children), two at a time", async () => {
        const k = component("k");
        const a = step("a", "sleep 0.6", { parent: k.urn });
        const b = step("b", "sleep 0.6", { parent: k.urn });
        const c = step("c", "sleep 0.6");
        const after = step("after-k", "true", { dependsOn: [k.urn] });
        const last = step("last", "true", { dependsOn: [after.urn] });
        const resources = [k, a, b, c, after, last];
        assert.deepStrictEqual([...stepPrerequisites(resources).get(after.urn)!].sort(), [a.urn, b.urn].sort());
        const r = await runSteps(resources, { concurrency: 2 });
        const s = (n: string) => r.step(n);
        assert.ok(s("after-k").startedAt >= Math.max(s("a").endedAt, s("b").endedAt), "after-k waits for both children of k");
        assert.ok(s("last").startedAt >= s("after-k").endedAt);
        assert.ok(s("b").startedAt < s("a").endedAt, "independent steps overlap");
        assert.ok(s("c").startedAt >= Math.min(s("a").endedAt, s("b").endedAt), "never more than two at a time");
    });

    it("reports a failed step by name, exit code and stderr tail, and does not run what depends on it", async () => {
        const bad = step("bad", "echo about to fail >&2; exit 3");
        const dependant = step("dependant", "touch /root/dependant-ran", { dependsOn: [bad.urn] });
        const other = step("other", "true");
        await assert.rejects(runSteps([bad, dependant, other]), (e: any) => {
            assert.ok(e instanceof StepsFailed);
            assert.match(e.message, /step bad on runner \(.*\) failed with exit code 3/);
            assert.match(e.message, /about to fail/);
            assert.match(e.message, /not run because of the failures: dependant/);
            assert.strictEqual(e.report.step("other").status, "ok");
            assert.deepStrictEqual(e.report.step("dependant").blockedBy, ["bad"]);
            return true;
        });
        assert.strictEqual((await bed.host("runner").ssh("test -e /root/dependant-ran")).code, 1);
    });

    it("runs delete scripts dependants first", async () => {
        const first = step("first", "true", { del: "date +%s%N > /root/deleted-first; sleep 0.2" });
        const second = step("second", "true", { dependsOn: [first.urn], del: "date +%s%N > /root/deleted-second; sleep 0.2" });
        const r = await runDeletes([first, second]);
        assert.ok(r.step("first").startedAt >= r.step("second").endedAt);
        const [f, s] = (await bed.host("runner").run("cat /root/deleted-first /root/deleted-second")).trim().split("\n").map(BigInt);
        assert.ok(s < f);
    });
});
