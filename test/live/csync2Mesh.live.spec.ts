// Csync2Mesh for real: the steps recorded from the component (under mocks, with real certificates from a
// ClusterCa) run over SSH on three test hosts; the replicated directories are stand-ins under /srv/gluu.
// Then files are changed on the nodes and `csync2 -x` run by hand (what the cron job does).
import * as assert from "assert";
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ClusterCa } from "../../components/clusterCa";
import { Csync2Mesh } from "../../components/csync2Mesh";
import { RecordedResource } from "../../src/record";
import { recordComponent } from "../helpers/program";
import { Bed, startBed } from "./bed";
import { assertNothingChanged, hostArgsOf, timings } from "./hosts";
import { RunReport, runSteps } from "./runner";

const NODES = ["gluu-1", "gluu-2", "gluu-3"];
const CONF = "/srv/gluu/conf";
const CUSTOM = "/srv/gluu/custom";
const REPLICATED = [`${CONF}/oxauth-config.json`, `${CONF}/shared.properties`, `${CUSTOM}/pages/login.xhtml`];
const NODE_SPECIFIC = [`${CONF}/salt`, `${CONF}/gluu-ldap.properties`];

/** test/ensure-packages.sh installs cron; without it on the machine the cron step's apt_install cannot work
 *  (the test hosts have no network), so the cron steps are left out. */
const CRON_INSTALLED = /install ok installed/.test(spawnSync("dpkg-query", ["-W", "-f=${Status}", "cron"], { encoding: "utf8" }).stdout ?? "");
const isCron = (r: RecordedResource) => r.name.endsWith("-csync2-cron");
const runnable = { skip: (r: RecordedResource) => !CRON_INSTALLED && isCron(r) };

describe("live: Csync2Mesh on test hosts (csync2 over stunnel mutual TLS between three nodes)", function () {
    this.timeout(120000);
    let bed: Bed;
    let resources: RecordedResource[];
    let first: RunReport;
    const h = (n: string) => bed.host(n);
    const sync = (n: string) => h(n).ssh(`csync2 -N ${n} -x 2>&1`, { timeoutMs: 60000 });
    const sums = async (n: string, files: string[]) => (await h(n).run(`sha256sum ${files.join(" ")} 2>&1 || true`)).trim();
    const content = async (n: string, file: string) => (await h(n).ssh(`cat ${file} 2>/dev/null || echo MISSING`)).stdout.trim();

    before(async function () {
        bed = await startBed({ hosts: NODES });
        console.log(`      bed ${bed.subnet} up in ${bed.bringUpMs} ms`);
        resources = await recordComponent((opts) => {
            const ca = new ClusterCa("cluster-ca", {}, opts);
            return new Csync2Mesh(
                "sync",
                {
                    nodes: NODES.map((n) => hostArgsOf(bed, n)),
                    version: "4.5",
                    ...ca.caArgs,
                    includes: [CONF, CUSTOM],
                    excludes: NODE_SPECIFIC,
                    intervalMinutes: 2,
                },
                opts,
            );
        });
        // The primary holds the truth; the others an older, differing copy and their own node files.
        await Promise.all(
            NODES.map((n, i) =>
                h(n).run(
                    [
                        `set -e`,
                        `mkdir -p ${CONF} ${CUSTOM}/pages`,
                        `echo "salt of ${n}" > ${CONF}/salt`,
                        `echo "bindDN: cn=directory manager,o=${n}" > ${CONF}/gluu-ldap.properties`,
                        i === 0
                            ? [
                                  `echo '{"truth":"primary","version":2}' > ${CONF}/oxauth-config.json`,
                                  `echo "shared=from-primary" > ${CONF}/shared.properties`,
                                  `echo "<html>primary login</html>" > ${CUSTOM}/pages/login.xhtml`,
                              ].join("\n")
                            : [`echo '{"truth":"stale copy on ${n}","version":1}' > ${CONF}/oxauth-config.json`, `touch -d '2020-01-01 00:00' ${CONF}/oxauth-config.json`].join("\n"),
                    ].join("\n"),
                ),
            ),
        );
    });

    after(async () => {
        await bed?.stop();
    });

    it("runs every step: setup and transport on each node, the primary's forced sync, then the others one by one", async () => {
        first = await runSteps(resources, runnable);
        console.log(`      first run ${first.ms} ms\n${timings(first)}`);
        const s = (n: string) => first.step(n);
        assert.ok(NODES.every((n) => s("gluu-1-csync2-first-sync").startedAt >= s(`${n}-csync2-transport`).endedAt));
        assert.ok(s("gluu-2-csync2-sync").startedAt >= s("gluu-1-csync2-first-sync").endedAt);
        assert.ok(s("gluu-3-csync2-sync").startedAt >= s("gluu-2-csync2-sync").endedAt);
        assert.match(s("gluu-1-csync2-first-sync").stdout, /changed synchronised \d+ file entries from gluu-1/);
        if (CRON_INSTALLED) {
            // The cron step started cron in each host; the tests below run `csync2 -x` by hand and must not race it.
            for (const n of NODES) await h(n).run("service cron stop >/dev/null 2>&1 || true");
        }
    });

    it("after the first sync the primary's files are on every node, and each node keeps its own salt and LDAP properties", async () => {
        const truth = await sums("gluu-1", REPLICATED);
        assert.doesNotMatch(truth, /No such file/);
        for (const n of NODES.slice(1)) assert.strictEqual(await sums(n, REPLICATED), truth, `${n} holds the primary's files`);
        assert.match(await content("gluu-3", `${CONF}/oxauth-config.json`), /"truth":"primary"/);
        for (const n of NODES) {
            assert.strictEqual(await content(n, `${CONF}/salt`), `salt of ${n}`);
            assert.strictEqual(await content(n, `${CONF}/gluu-ldap.properties`), `bindDN: cn=directory manager,o=${n}`);
        }
    });

    it("a file written on gluu-2 reaches gluu-1 and gluu-3 after `csync2 -N gluu-2 -x` on gluu-2", async () => {
        const f = `${CUSTOM}/from-gluu-2-${process.pid}.txt`;
        await h("gluu-2").run(`echo "made on gluu-2" > ${f}`);
        const r = await sync("gluu-2");
        assert.strictEqual(r.code, 0, r.stdout + r.stderr);
        for (const n of ["gluu-1", "gluu-3"]) assert.strictEqual(await content(n, f), "made on gluu-2", n);
    });

    it("a change made on a non-primary node (gluu-3) propagates back to the primary", async () => {
        const f = `${CONF}/shared.properties`;
        await h("gluu-3").run(`echo "shared=edited-on-gluu-3" > ${f}`);
        const r = await sync("gluu-3");
        assert.strictEqual(r.code, 0, r.stdout + r.stderr);
        for (const n of ["gluu-1", "gluu-2"]) assert.strictEqual(await content(n, f), "shared=edited-on-gluu-3", n);
    });

    it("a node that was down (its link) catches up once it is back and a sync runs", async () => {
        const g3 = h("gluu-3");
        const f = `${CONF}/while-gluu-3-was-down.txt`;
        execFileSync("ip", ["-n", g3.netns, "link", "set", "dev", "eth0", "down"]);
        try {
            await h("gluu-1").run(`echo "written while gluu-3 was down" > ${f}`);
            const r = await sync("gluu-1");
            assert.notStrictEqual(r.code, 0, "csync2 -x reports that a peer was unreachable");
            assert.strictEqual(await content("gluu-2", f), "written while gluu-3 was down", "the reachable peer got it");
        } finally {
            execFileSync("ip", ["-n", g3.netns, "link", "set", "dev", "eth0", "up"]);
        }
        assert.strictEqual(await content("gluu-3", f), "MISSING", "gluu-3 missed it while down");
        const dirty = await h("gluu-1").ssh("csync2 -N gluu-1 -M");
        assert.match(dirty.stdout, /gluu-3/, "gluu-1 still lists the file as dirty for gluu-3");
        const again = await sync("gluu-1");
        assert.strictEqual(again.code, 0, again.stdout + again.stderr);
        assert.strictEqual(await content("gluu-3", f), "written while gluu-3 was down", "gluu-3 caught up");
    });

    it("carries csync2 traffic encrypted: a unique marker synced between the hosts never appears in a capture on the bridge", async function () {
        if (spawnSync("tcpdump", ["--version"]).status !== 0) {
            this.skip(); // tcpdump is not installed here (test/ensure-packages.sh does not list it)
        }
        const marker = `csync2-plaintext-marker-${process.pid}-${Date.now()}`;
        const f = `${CUSTOM}/${marker}.txt`;
        const pcap = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "csync2-capture-")), "mesh.pcap");
        // Frames the bridge forwards between two hosts never pass the bridge device itself (tcpdump -i <bridge>
        // sees only what the root namespace sends or receives): capture on every root-namespace interface
        // instead, i.e. the hosts' veth ends that are the bridge's ports. `-Z root`: Debian's tcpdump otherwise
        // drops to user tcpdump and cannot write into the 0700 temporary directory (a 24-byte, empty capture);
        // --immediate-mode: without it packets wait in the kernel's ring buffer and are lost at SIGINT.
        const dump: ChildProcess = spawn("tcpdump", ["-i", "any", "-Z", "root", "--immediate-mode", "-n", "-U", "-s", "0", "-w", pcap, `tcp port 30865 and net ${bed.subnet}`], { stdio: ["ignore", "ignore", "pipe"] });
        try {
            await new Promise<void>((resolve, reject) => {
                let err = "";
                const t = setTimeout(() => reject(new Error(`tcpdump did not start: ${err}`)), 10000);
                dump.stderr!.on("data", (d) => {
                    err += d;
                    if (/listening on/.test(err)) {
                        clearTimeout(t);
                        resolve();
                    }
                });
                dump.once("exit", (code) => reject(new Error(`tcpdump exited ${code}: ${err}`)));
            });
            await h("gluu-1").run(`printf '%s\\n' ${marker} ${marker} > ${f}`);
            const r = await sync("gluu-1");
            assert.strictEqual(r.code, 0, r.stdout + r.stderr);
            for (const n of ["gluu-2", "gluu-3"]) assert.strictEqual(await content(n, f), `${marker}\n${marker}`, `${n} got the marker file`);
        } finally {
            await new Promise((r) => setTimeout(r, 500));
            const exited = new Promise((r) => dump.once("exit", r));
            dump.kill("SIGINT");
            await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        }
        const bytes = fs.readFileSync(pcap);
        fs.rmSync(path.dirname(pcap), { recursive: true, force: true });
        console.log(`      captured ${bytes.length} bytes on the bed's veths (bridge ${bed.bridge} ports), port 30865`);
        assert.ok(bytes.length > 2000, `the capture holds the sync traffic (${bytes.length} bytes)`);
        assert.ok(!bytes.includes(Buffer.from(marker)), "the marker (file name and content) is not in the captured bytes");
        assert.ok(!bytes.includes(Buffer.from("gluucluster")), "no plaintext csync2 protocol (group name) either");
    });

    it("runs every step a second time successfully without changing anything", async () => {
        if (CRON_INSTALLED) {
            // Back to the state the first run left (cron running), which the tests above had paused.
            for (const n of NODES) await h(n).run("service cron start >/dev/null 2>&1 || true");
        }
        const second = await runSteps(resources, runnable);
        console.log(`      second run ${second.ms} ms`);
        assertNothingChanged(second);
    });

    it("installs a cron file on each node with staggered minutes", async function () {
        if (!CRON_INSTALLED) {
            // Not a component problem: cron is missing on this machine (test/ensure-packages.sh installs it as root).
            this.skip();
        }
        for (const [i, n] of NODES.entries()) {
            const cron = await h(n).run("cat /etc/cron.d/gluu-csync2");
            assert.match(cron, new RegExp(`^${i % 2}-59/2 \\* \\* \\* \\* root flock -n \\S+ csync2 -N ${n} -x`, "m"));
        }
    });
});
