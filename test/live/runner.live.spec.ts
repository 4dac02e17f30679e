// The live runner itself, on one test host, with hand-made recordings: it must run a step the way
// @pulumi/command does, check the pinned host key, and respect the dependency edges.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { hostKeyProblems } from "../../components/validation";
import { mockEd25519 } from "../../src/mocks";
import { REMOTE_COMMAND, RecordedResource } from "../../src/record";
import { Bed, runProcess, startBed } from "./bed";
import { StepsFailed, dialBackoffMs, dialWaitsMs, parsePinnedKey, runDeletes, runSteps, stepPrerequisites } from "./runner";

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
    type Extra = Partial<RecordedResource> & {
        stdin?: string;
        del?: string;
        hostKey?: string;
        port?: number;
        address?: string;
        dialErrorLimit?: number;
        perDialTimeout?: number;
        addPreviousOutputInEnv?: boolean;
    };
    const step = (name: string, create: string, extra: Extra = {}): RecordedResource => ({
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
                host: extra.address ?? bed.host("runner").address,
                port: extra.port ?? 22,
                user: "root",
                privateKey: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: bed.clientPrivateKey },
                hostKey: extra.hostKey ?? bed.host("runner").hostKey,
                dialErrorLimit: extra.dialErrorLimit,
                perDialTimeout: extra.perDialTimeout,
            },
            create,
            delete: extra.del,
            stdin: extra.stdin,
            addPreviousOutputInEnv: extra.addPreviousOutputInEnv,
        },
    });
    const component = (name: string): RecordedResource => ({ urn: urn(name, "gluu:index:Thing"), type: "gluu:index:Thing", name, dependsOn: [], custom: false, inputs: {}, index: ++index });

    it("runs the step's text as one command of the login shell, stdin attached, without a terminal", async () => {
        const r = await runSteps([step("shape", `IFS= read -r x; echo "got $x"; if [ -t 0 ] || [ -t 1 ]; then echo tty; else echo no-tty; fi; echo "$0"; echo 'quoted "text" $HOME stays'`, { stdin: "secret-line\n" })]);
        assert.deepStrictEqual(r.step("shape").stdout.trim().split("\n"), ["got secret-line", "no-tty", "bash", `quoted "text" $HOME stays`]);
    });

    it("refuses a host whose key is not the pinned one (nothing runs there), after the default 10 retries as the provider", async () => {
        // A host-key mismatch is a dial error like any other (connection.go:199-201): 11 dials, 10 waits (~11.2 s).
        const wrongKey = mockEd25519("not the bed host").publicKeyOpenssh.trim();
        const r = await runSteps([step("pinned", "touch /root/should-not-exist", { hostKey: wrongKey })], { throwOnFailure: false });
        const s = r.step("pinned");
        assert.strictEqual(s.status, "failed");
        assert.strictEqual(s.code, 255);
        assert.strictEqual(s.connectFailed, true);
        assert.strictEqual(s.dials, 11);
        assert.ok(s.ms >= dialBackoffMs(10), `${s.ms} ms`);
        assert.match(s.stderr, /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/);
        assert.strictEqual(s.error, "after 10 failed attempts: ssh: handshake failed: ssh: host key mismatch");
        assert.strictEqual((await bed.host("runner").ssh("test -e /root/should-not-exist")).code, 1);
    });

    /** Start another sshd on the runner host (after `delaySec`); its PID there, for `stopSshd`. */
    const extraSshds: number[] = [];
    const startSshd = async (port: number, hostKeys: string[], delaySec = 0): Promise<number> => {
        const keys = hostKeys.map((k) => `-o HostKey=${k}`).join(" ");
        const pid = Number(
            (
                await bed.host("runner").run(
                    `setsid bash -c 'sleep ${delaySec}; exec /usr/sbin/sshd -D -e -p ${port} -o ListenAddress=0.0.0.0 ${keys} -o PasswordAuthentication=no ` +
                        `-o KbdInteractiveAuthentication=no -o PermitRootLogin=prohibit-password -o UseDNS=no -o PidFile=/run/sshd-${port}.pid' ` +
                        `</dev/null >/tmp/sshd-${port}.log 2>&1 & echo $!`,
                )
            ).trim(),
        );
        assert.ok(pid > 1);
        extraSshds.push(pid);
        return pid;
    };
    const waitForPort = (port: number) =>
        bed.host("runner").run(`for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null && exit 0; sleep 0.05; done; cat /tmp/sshd-${port}.log; exit 1`);
    after(async () => {
        for (const pid of extraSshds) await bed?.host("runner").ssh(`kill ${pid} 2>/dev/null`);
    });

    it("pins the host key algorithm to the pinned key's type: an ssh-rsa pin fails against OpenSSH ≥ 8.8 where the host's ed25519 pin works (validation refuses it first)", async () => {
        const h = bed.host("runner");
        await h.run("[ -f /etc/ssh/ssh_host_rsa_key ] || ssh-keygen -q -t rsa -b 2048 -N '' -C root@runner -f /etc/ssh/ssh_host_rsa_key");
        const rsaPin = (await h.run("cat /etc/ssh/ssh_host_rsa_key.pub")).trim().split(/\s+/).slice(0, 2).join(" ");
        assert.match(rsaPin, /^ssh-rsa AAAA/);
        assert.strictEqual((parsePinnedKey(rsaPin) as any).type, "ssh-rsa");
        // The program never gets this far with it: validation names the problem first.
        const problems = hostKeyProblems("gluu:hostKeys[0]", rsaPin, h.address);
        assert.strictEqual(problems.length, 1);
        assert.match(problems[0], /is an ssh-rsa key: .*OpenSSH 8\.8 and later refuse/);
        assert.deepStrictEqual(hostKeyProblems("gluu:hostKeys[0]", h.hostKey, h.address), []);

        // An sshd on :2222 that holds both the RSA and the ED25519 host key.
        await startSshd(2222, ["/etc/ssh/ssh_host_ed25519_key", "/etc/ssh/ssh_host_rsa_key"]);
        await waitForPort(2222);
        // The host does have the RSA key: OpenSSH with its default algorithms verifies it (rsa-sha2-512) …
        const rsaKnownHosts = path.join(bed.dir, "known_hosts-rsa");
        fs.writeFileSync(rsaKnownHosts, `[${h.address}]:2222 ${rsaPin}\n`, { mode: 0o600 });
        const plain = await runProcess("ssh", [
            "-T", "-F", "/dev/null", "-p", "2222", "-i", path.join(bed.dir, "client_ed25519"), "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
            "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "GlobalKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
            "-o", `UserKnownHostsFile=${rsaKnownHosts}`, `root@${h.address}`, "--", "echo plain-ok",
        ], { timeoutMs: 10000 });
        assert.strictEqual(plain.stdout.trim(), "plain-ok", plain.stderr);
        // … but the provider offers only `ssh-rsa` (connection.go:94), which the server no longer accepts.
        const r = await runSteps([step("rsa-pin", "touch /root/rsa-pin-ran", { hostKey: rsaPin, port: 2222, dialErrorLimit: 1 })], { throwOnFailure: false });
        const s = r.step("rsa-pin");
        assert.strictEqual(s.status, "failed");
        assert.strictEqual(s.connectFailed, true);
        assert.strictEqual(s.dials, 2);
        assert.match(s.stderr, /no matching host key type found\. Their offer: .*rsa-sha2-512/);
        assert.match(s.error!, /^after 1 failed attempts: ssh: handshake failed: ssh: no common algorithm for host key; we offered: \[ssh-rsa\], peer offered: \[[^\]]*rsa-sha2-512[^\]]*\]$/);
        assert.strictEqual((await h.ssh("test -e /root/rsa-pin-ran")).code, 1);
        // The same sshd with the host's ed25519 pin, also with a leading host field as ParseAuthorizedKey allows.
        const ok = await runSteps([
            step("ed-pin", "echo ed-ok", { port: 2222, dialErrorLimit: 1 }),
            step("ed-pin-hostfield", "echo ed-ok", { hostKey: `${h.address} ${h.hostKey} root@runner`, port: 2222, dialErrorLimit: 1 }),
        ]);
        for (const n of ["ed-pin", "ed-pin-hostfield"]) {
            assert.strictEqual(ok.step(n).stdout, "ed-ok\n");
            assert.strictEqual(ok.step(n).dials, 1);
        }
    });

    it("keeps dialling a host whose sshd starts late (~2 s) within dialErrorLimit, with retry.Until's back-off", async () => {
        assert.deepStrictEqual(dialWaitsMs(8), [100, 150, 225, 337.5, 506.25, 759.375, 1139.0625, 1708.59375]);
        await startSshd(2223, ["/etc/ssh/ssh_host_ed25519_key"], 2);
        const r = await runSteps([step("late", "echo reached", { port: 2223, dialErrorLimit: 8, perDialTimeout: 2 })]);
        const s = r.step("late");
        assert.strictEqual(s.stdout, "reached\n");
        // Up after ~2 s: the 6th wait ends at 2078 ms (plus six dials), so the 7th dial (or the 8th) gets in.
        assert.ok(s.dials! >= 6 && s.dials! <= 8, `${s.dials} dials`);
        assert.ok(s.ms >= 1900 && s.ms < dialBackoffMs(8), `${s.ms} ms`);
    });

    it("fails a host that never answers once the dial budget is spent: dialErrorLimit + 1 dials, the waits in between", async () => {
        const addr = bed.host("runner").address;
        // Nothing listens on :2224: each dial is refused at once, so the step takes the back-off (812.5 ms) and a little.
        const r = await runSteps([step("never", "true", { port: 2224, dialErrorLimit: 4 })], { throwOnFailure: false });
        const s = r.step("never");
        assert.strictEqual(s.status, "failed");
        assert.strictEqual(s.dials, 5);
        assert.strictEqual(s.error, `after 4 failed attempts: dial tcp ${addr}:2224: connect: connection refused`);
        assert.ok(s.ms >= dialBackoffMs(4) && s.ms < dialBackoffMs(4) + 5 * 1000, `${s.ms} ms`);
        // An address where nothing answers at all: each dial ends after perDialTimeout (1 s); 2 dials, 100 ms between.
        const silent = addr.replace(/\.\d+$/, ".250");
        const t = await runSteps([step("silent", "true", { address: silent, dialErrorLimit: 1, perDialTimeout: 1 })], { throwOnFailure: false });
        const u = t.step("silent");
        assert.strictEqual(u.dials, 2);
        assert.match(u.error!, new RegExp(`^after 1 failed attempts: dial tcp ${silent.replace(/\./g, "\\.")}:22: (i/o timeout|connect: no route to host)$`));
        assert.ok(u.ms >= 2000 && u.ms < 2 * 1000 + 100 + 2000, `${u.ms} ms`);
    });

    it("sends stdin only when it is non-empty: otherwise the script reads EOF at once", async () => {
        const script = `if IFS= read -r x; then echo "line:$x"; else echo "eof:\${#x}"; fi; timeout 5 cat | wc -c`;
        const r = await runSteps([step("no-stdin", script), step("empty-stdin", script, { stdin: "" })]);
        for (const n of ["no-stdin", "empty-stdin"]) {
            assert.deepStrictEqual(r.step(n).stdout.trim().split("\n"), ["eof:0", "0"]);
            assert.ok(r.step(n).ms < 4000, `${n}: ${r.step(n).ms} ms (cat waited)`);
        }
    });

    it("runs a delete with the recorded (old state's) stdin and connection, and no PULUMI_COMMAND_* env", async () => {
        const s = step("del-state", "true", {
            stdin: "old-stdin\n",
            addPreviousOutputInEnv: false,
            del: `IFS= read -r x; echo "del-read:$x"; env | grep -c '^PULUMI_COMMAND_' || true`,
        });
        const r = await runDeletes([s]);
        assert.deepStrictEqual(r.step("del-state").stdout.trim().split("\n"), ["del-read:old-stdin", "0"]);
    });

    it("dials nothing for a step without create text (the provider returns at once)", async () => {
        const s = step("no-create", "unused", { address: "10.231.255.250", dialErrorLimit: 0, perDialTimeout: 1 });
        delete s.inputs.create;
        const r = await runSteps([s]);
        assert.strictEqual(r.step("no-create").status, "ok");
        assert.strictEqual(r.step("no-create").dials, 0);
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
