// The test bed itself: hosts that look like separate servers, a network that goes nowhere else, and a
// teardown that leaves nothing behind.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import { Bed, ProcRef, alive, startBed } from "./bed";

describe("live: the test bed (hosts in network namespaces)", function () {
    this.timeout(60000);
    let bed: Bed;

    before(async () => {
        bed = await startBed({ hosts: ["one", "two"] });
        console.log(`      bed ${bed.subnet} up in ${bed.bringUpMs} ms`);
    });
    after(async () => {
        await bed?.stop();
    });

    it("gives each host its own name, address, host key, PID namespace and sshd as PID 1", async () => {
        assert.notStrictEqual(bed.host("one").hostKey, bed.host("two").hostKey);
        for (const h of bed.hosts) {
            assert.match(h.hostKey, /^ssh-ed25519 AAAA[A-Za-z0-9+/=]+$/);
            const [name, pid1, addr] = (await h.run("hostname; cat /proc/1/comm; ip -4 -o addr show dev eth0 | awk '{print $4}'")).trim().split("\n");
            assert.deepStrictEqual([name, pid1, addr], [h.name, "sshd", `${h.address}/24`]);
        }
    });

    it("gives each host its own /etc, /var, /root, /srv, /opt and /usr: a change stays on that host", async () => {
        const marker = `bed-marker-${process.pid}-${Date.now()}`;
        await bed.host("one").run(["/etc", "/var/lib", "/root", "/srv", "/opt", "/usr/local"].map((d) => `touch ${d}/${marker}`).join(" && "));
        assert.strictEqual((await bed.host("two").ssh(`ls /etc/${marker} /var/lib/${marker} /root/${marker} /srv/${marker} /opt/${marker} /usr/local/${marker} 2>/dev/null | wc -l`)).stdout.trim(), "0");
        for (const d of ["/etc", "/var/lib", "/root", "/srv", "/opt", "/usr/local"]) {
            assert.ok(!fs.existsSync(`${d}/${marker}`), `the machine's ${d} is untouched`);
        }
    });

    it("reaches the other hosts and nothing outside the bed network (no default route)", async () => {
        const out = await bed.host("one").run(
            `(exec 3<>/dev/tcp/${bed.host("two").address}/22) && echo peer-ok; ip route show default | wc -l; (exec 3<>/dev/tcp/192.0.2.1/80) 2>&1 | grep -q unreachable && echo outside-unreachable`,
        );
        assert.deepStrictEqual(out.trim().split("\n"), ["peer-ok", "0", "outside-unreachable"]);
    });

    it("stops without leaving processes, namespaces, links or files behind", async () => {
        const other = await startBed({ hosts: ["x", "y"] });
        assert.notStrictEqual(other.id, bed.id, "two beds never share a network");
        await other.host("x").run("true");
        const state = JSON.parse(fs.readFileSync(`${other.dir}/state.json`, "utf8"));
        await other.stop();
        const procs: ProcRef[] = [...state.hosts.flatMap((h: any) => [h.init, h.unshare]), ...(state.masters ?? [])];
        assert.ok(procs.length >= 5, "host PID 1s, unshare parents and the ssh master were recorded");
        for (const p of procs) assert.ok(!alive(p), `process ${p.pid} is gone`);
        assert.doesNotMatch(execFileSync("ip", ["netns", "list"], { encoding: "utf8" }), new RegExp(`^glb${other.id}-`, "m"));
        assert.doesNotMatch(execFileSync("ip", ["-o", "link"], { encoding: "utf8" }), new RegExp(`\\bglb${other.id}\\b`));
        assert.ok(!fs.existsSync(other.dir));
    });
});
