// CONTRACT tests of OpenDjReplication and CertificateDistribution for Gluu 4.5 on two test hosts: the steps
// recorded from the REAL components run over SSH against stand-in Gluu 4.5 containers (opendjStandins.ts,
// `setupGluu45Standin`: a container root at /opt/gluu-server with recording stand-ins for dsconfig,
// dsreplication, keytool and systemctl, and an sshd CHROOTED into that root on 127.0.0.1:60022 that accepts
// the host's console key /etc/gluu/keys/gluu-console). What is proven beyond the 3.1.6 spec: the generated
// ssh wrapper (`inContainer` for `containerExec: "ssh"`) really enters the container through that sshd with
// the console key, pins the container's own host key (a replaced key stops the step before anything runs
// inside), forwards the step's stdin (the secrets reach the password files), and the 4.5 specifics:
// `systemctl <action> <service>`, no dsjavaproperties, the 4.5 JRE trust store and container paths.
// No real OpenDJ, JRE or Gluu runs here.
import * as assert from "assert";
import { PROFILES } from "../../components/profiles";
import { RecordedResource } from "../../src/record";
import { byName, unwrap } from "../helpers/program";
import { Bed, BedHost, startBed } from "./bed";
import { assertNothingChanged, timings } from "./hosts";
import {
    CONSOLE_KEY,
    CONSOLE_PORT,
    CONTAINER_SSHD_LOG,
    GLUU45_ROOT as R,
    inStandin,
    primaryExports,
    recordReplicationAndCerts,
    sha256,
    StandinCall,
    standinCalls,
    standinCertFiles,
    standinState,
    standinSums,
    setupGluu45Standin,
} from "./opendjStandins";
import { RunReport, runSteps } from "./runner";

const NODES = ["gluu-1", "gluu-2"];
const MEMBERS = NODES.slice(1);
const DM_PASSWORD = "Dm-contract45-Pw-2b8e61d7";
const HOSTNAME = "idp45.example.org";
const P45 = PROFILES["4.5"];
const BASES = ["o=gluu", "o=site"];
const KEY_FILES = ["keystore", "keystore.pin", "truststore"];
/** `$SSH_CONNECTION` of a session of the container's sshd: from and to 127.0.0.1, server port 60022. */
const CONTAINER_SSH = new RegExp(`^127\\.0\\.0\\.1 (\\d+) 127\\.0\\.0\\.1 ${CONSOLE_PORT}$`);

describe("live CONTRACT: OpenDjReplication + CertificateDistribution (4.5) through the container's sshd on test hosts", function () {
    this.timeout(180000);
    let bed: Bed;
    let repl: RecordedResource[];
    let adminPassword: string;
    let first: RunReport;
    const before0 = new Map<string, Record<string, string>>();
    const h = (n: string): BedHost => bed.host(n);
    const addr = (n: string) => h(n).address;
    const isRestart = (r: RecordedResource) => r.name.endsWith("-gluu-restart");
    const calls = (n: string) => standinCalls(h(n), R);
    const opt = (c: StandinCall, name: string) => c.argv[c.argv.indexOf(name) + 1];
    const textOf = (name: string) => String(unwrap(byName(repl, name).inputs.create).value);
    /** Steps whose script enters the container (the ssh wrapper of `inContainer`). */
    const entersContainer = (name: string) => textOf(name).includes("root@localhost /bin/bash");
    /** The container sshd's accepted logins: client port and key fingerprint. */
    const accepted = async (n: string) => {
        const log = await h(n).run(`cat ${R}${CONTAINER_SSHD_LOG}`);
        return [...log.matchAll(/Accepted publickey for root from 127\.0\.0\.1 port (\d+) ssh2: ED25519 (SHA256:\S+)/g)].map((m) => ({ port: m[1], fp: m[2] }));
    };
    const sums = (n: string, rels: string[]) => standinSums(h(n), R, rels);
    const certFiles = (n: string) => standinCertFiles(h(n), R);

    before(async function () {
        bed = await startBed({ hosts: NODES });
        const t0 = Date.now();
        await Promise.all(NODES.map((n) => setupGluu45Standin(h(n), { self: addr(n), dmSha: sha256(DM_PASSWORD) })));
        for (const n of NODES) {
            before0.set(n, await sums(n, [...KEY_FILES.map((f) => `opt/opendj/config/${f}`), ...(await certFiles(n))]));
        }
        repl = await recordReplicationAndCerts(bed, NODES, "4.5", HOSTNAME, DM_PASSWORD, await primaryExports(h("gluu-1"), P45));
        adminPassword = String(unwrap(byName(repl, "gluu-2-repl-join").inputs.stdin).value).split("\n")[1];
        assert.ok(adminPassword && adminPassword.length >= 16);
        console.log(`      bed ${bed.subnet} up in ${bed.bringUpMs} ms; stand-in 4.5 containers with chrooted sshd in ${Date.now() - t0} ms`);
    });

    after(async () => {
        await bed?.stop();
    });

    it("CONTRACT: runs every step in dependency order, the in-container ones through the container's sshd", async () => {
        first = await runSteps(repl);
        console.log(`      first run ${first.ms} ms\n${timings(first)}`);
        const s = (n: string) => first.step(n);
        const after = (later: string, earlier: string) => assert.ok(s(later).startedAt >= s(earlier).endedAt, `${later} after ${earlier}`);
        after("gluu-2-repl-join", "gluu-1-opendj-prep");
        after("gluu-2-repl-join", "gluu-2-opendj-prep");
        after("gluu-1-repl-init", "gluu-2-repl-join");
        after("gluu-2-opendj-keys", "gluu-1-repl-init");
        after("gluu-2-truststore", "gluu-2-certs-import");
        after("gluu-2-gluu-restart", "gluu-1-gluu-restart");
        assert.strictEqual(s("gluu-1-opendj-keys-export").stdout, String(unwrap(byName(repl, "gluu-2-opendj-keys").inputs.stdin).value));
        assert.strictEqual(s("gluu-1-certs-export").stdout, String(unwrap(byName(repl, "gluu-2-certs-import").inputs.stdin).value));
        const inside = first.steps.filter((x) => entersContainer(x.name)).map((x) => x.name);
        assert.ok(inside.length >= 10, `steps entering the container: ${inside.join(", ")}`);
    });

    it("CONTRACT: every in-container step logged in to 127.0.0.1:60022 as root with the console key; every tool ran in such a session", async () => {
        for (const n of NODES) {
            const fp = (await h(n).run(`ssh-keygen -lf ${CONSOLE_KEY}.pub`)).split(" ")[1];
            const logins = await accepted(n);
            const steps = first.steps.filter((x) => x.host === n && entersContainer(x.name));
            assert.strictEqual(logins.length, steps.length, `${n}: one container login per in-container step (${steps.map((x) => x.name).join(", ")})`);
            assert.ok(logins.every((l) => l.fp === fp), `${n}: every login used the console key ${fp}`);
            const ports = new Set(logins.map((l) => l.port));
            const cs = await calls(n);
            assert.ok(cs.length > 0);
            for (const c of cs) {
                const m = CONTAINER_SSH.exec(c.ssh ?? "");
                assert.ok(m, `${n}: ${c.tool} ${c.argv[0]} ran under SSH_CONNECTION=${c.ssh}, not the container's sshd`);
                assert.ok(ports.has(m[1]), `${n}: ${c.tool} ran in a session the container's sshd logged (port ${m[1]})`);
            }
            // The sshd that served them is chrooted: its root is the container root, not the host's.
            const pid = (await h(n).run(`cat ${R}/run/sshd-container.pid`)).trim();
            assert.strictEqual((await h(n).run(`readlink /proc/${pid}/root`)).trim(), R, `${n}: the container's sshd runs chrooted`);
            assert.match(await h(n).run(`cat ${R}${CONTAINER_SSHD_LOG}`), new RegExp(`Server listening on 127\\.0\\.0\\.1 port ${CONSOLE_PORT}`));
            assert.strictEqual((await h(n).run(`stat -c %a ${CONSOLE_KEY}`)).trim(), "600");
        }
        // The wrapper pins the container's host key (never switches host-key checking off).
        for (const name of first.steps.filter((x) => entersContainer(x.name)).map((x) => x.name)) {
            const t = textOf(name);
            assert.match(t, /-o StrictHostKeyChecking=yes -o UserKnownHostsFile="\$known_hosts"/, name);
            assert.doesNotMatch(t, /StrictHostKeyChecking=no|UserKnownHostsFile=\/dev\/null/, name);
            assert.ok(t.includes(`-o IdentityFile=${CONSOLE_KEY} -o Port=${CONSOLE_PORT}`), name);
        }
    });

    it("CONTRACT 4.5: no dsjavaproperties; `systemctl restart opendj` for OpenDJ restarts; `systemctl` for oxAuth/identity in order; the 4.5 JRE trust store and container root", async () => {
        for (const n of NODES) {
            const cs = await calls(n);
            assert.ok(!cs.some((c) => c.tool === "dsjavaproperties" || c.tool === "service"), `${n}: no dsjavaproperties or service calls`);
            assert.strictEqual((await h(n).run(`[ -e ${R}/opt/opendj/lib/set-java-home ] && echo yes || echo no`)).trim(), "no");
            assert.strictEqual((await h(n).run(`[ -e ${R}/opt/opendj/bin/dsjavaproperties ] && echo yes || echo no`)).trim(), "no", "OpenDJ 4.x ships no dsjavaproperties");
            const sys = cs.filter((c) => c.tool === "systemctl").map((c) => c.argv.join(" "));
            const restarts = sys.filter((a) => a === "restart opendj").length;
            assert.strictEqual(restarts, n === "gluu-1" ? 1 : 2, `${n}: OpenDJ restarted with systemctl by prep${n === "gluu-1" ? "" : " and by the keystore import"}: ${sys.join(", ")}`);
            assert.deepStrictEqual(sys.slice(-4), ["reload apache2", "stop identity", "restart oxauth", "start identity"], `${n}: ${sys.join(", ")}`);
            const keytool = cs.filter((c) => c.tool === "keytool");
            assert.strictEqual(keytool.filter((c) => c.argv.includes("-importcert")).length, 3, `${n}: three imports`);
            assert.ok(keytool.every((c) => opt(c, "-keystore") === "/opt/jre/lib/security/cacerts"), "the 4.5 JRE trust store");
            const aliases = (await h(n).run(`ls ${R}/var/lib/standin/keytool`)).trim().split("\n");
            assert.deepStrictEqual(aliases, ["httpd", "opendj", "shibIDP"].map((s) => `${HOSTNAME}_${s}.pem`).sort());
            assert.deepStrictEqual(await standinState(h(n), "dsconfig.json", R), {
                "administration-connector-prop": { "listen-address": "0.0.0.0" },
                "connection-handler-prop/LDAPS Connection Handler": { enabled: "true", "listen-address": "0.0.0.0" },
                "crypto-manager-prop": { "ssl-encryption": "true" },
            });
        }
        const enables = (await calls("gluu-1")).filter((c) => c.tool === "dsreplication" && c.argv[0] === "enable");
        assert.deepStrictEqual(enables.map((c) => `${opt(c, "--host1")} ${opt(c, "--host2")} ${opt(c, "--baseDN")}`), BASES.map((b) => `${addr("gluu-1")} ${addr("gluu-2")} ${b}`));
        // Every script works on /opt/gluu-server; none carries a 3.1.6 path or the 3.1.6 appliance DN.
        for (const r of repl.filter((x) => x.type === "command:remote:Command")) {
            const t = String(unwrap(r.inputs.create).value);
            for (const m of t.matchAll(/^(gluu_root|certs)=(.*)$/gm)) assert.match(m[2], /^'?\/opt\/gluu-server(\/etc\/certs)?'?$/, r.name);
            assert.doesNotMatch(t, /gluu-server-3\.1\.6|\/opt\/jre\/jre\/|ou=appliances|inumAppliance/, r.name);
        }
        // What landed: members hold the primary's OpenDJ keys and /opt/gluu-server/etc/certs.
        const rels = [...KEY_FILES.map((f) => `opt/opendj/config/${f}`), ...(await certFiles("gluu-1"))];
        const primary = await sums("gluu-1", rels);
        for (const m of MEMBERS) {
            assert.deepStrictEqual(await certFiles(m), await certFiles("gluu-1"));
            for (const r of rels.filter((x) => x.startsWith("opt/"))) assert.notStrictEqual(before0.get(m)![r], primary[r]);
            assert.deepStrictEqual(await sums(m, rels), primary, `${m} holds the primary's keys and certificates`);
            const owners = await inStandin(h(m), `stat -c "%n %U:%G %a" /opt/opendj/config/keystore /etc/certs/oxauth-keys.jks /etc/certs/httpd.key`, R);
            assert.deepStrictEqual(owners.trim().split("\n"), ["/opt/opendj/config/keystore ldap:ldap 600", "/etc/certs/oxauth-keys.jks jetty:jetty 600", "/etc/certs/httpd.key root:gluu 640"]);
        }
    });

    it("CONTRACT: every dsconfig/dsreplication call used only what OpenDJ 4.5.3 registers (the stand-ins check opendjOptions.ts; none was refused)", async () => {
        const all = (await Promise.all(NODES.map((n) => calls(n)))).flat();
        assert.ok(["dsreplication", "dsconfig"].every((t) => all.some((c) => c.tool === t)), "the OpenDJ tools were called");
        assert.deepStrictEqual(all.filter((c) => c.refused).map((c) => `${c.tool} ${c.argv.join(" ")}: ${c.refused}`), []);
    });

    it("CONTRACT: stdin crossed the ssh hop: every password file existed during the call as 0600 root:root in a 0700 directory, held the right password, and is gone afterwards", async () => {
        const expected: Record<string, string> = {
            "--bindPasswordFile": sha256(DM_PASSWORD),
            "--bindPasswordFile1": sha256(DM_PASSWORD),
            "--bindPasswordFile2": sha256(DM_PASSWORD),
            "--adminPasswordFile": sha256(adminPassword),
            "-storepass:file": sha256("changeit"),
        };
        let checked = 0;
        for (const n of NODES) {
            const paths = new Set<string>();
            for (const c of await calls(n)) {
                for (const p of c.pwfiles) {
                    const where = `${n}: ${c.tool} ${c.argv[0]} ${p.opt} ${p.path}`;
                    assert.strictEqual(p.exists, true, `${where} existed during the call`);
                    assert.strictEqual(p.sha256, expected[p.opt], `${where} held the right password`);
                    if (p.opt !== "-storepass:file") {
                        assert.deepStrictEqual([p.mode, p.owner, p.dirMode], ["600", "root:root", "700"], where);
                        assert.match(p.path, /^\/root\/\.gluu-secrets\.[A-Za-z0-9]{6}\/[a-z_]+$/, where);
                    }
                    paths.add(p.path);
                    checked++;
                }
            }
            const left = await h(n).run(`for p in ${[...paths].join(" ")}; do [ -e "${R}$p" ] && echo "$p"; done; ls -A ${R}/root | grep -vx .ssh; true`);
            assert.strictEqual(left.trim(), "", `${n}: nothing left of the password files, secret dirs or inner scripts`);
        }
        assert.ok(checked >= 10, `checked ${checked} password-file arguments`);
    });

    it("CONTRACT: no password in any tool's argv, the container (sshd log included) or step output", async () => {
        for (const n of NODES) {
            const argv = (await calls(n)).map((c) => c.argv.join(" ")).join("\n");
            for (const pw of [DM_PASSWORD, adminPassword]) assert.ok(!argv.includes(pw), `${n}: a password in a tool's argv`);
            const hits = await h(n).run(`grep -rlF -f - ${R}/root ${R}/tmp ${R}/var ${R}/opt ${R}/etc ${R}/install ${R}/run || true`, { stdin: `${DM_PASSWORD}\n${adminPassword}\n` });
            assert.strictEqual(hits.trim(), "", `${n}: files holding a password: ${hits}`);
        }
        for (const s of first.steps) {
            for (const pw of [DM_PASSWORD, adminPassword]) assert.ok(!s.stdout.includes(pw) && !s.stderr.includes(pw), `${s.name} printed a password`);
        }
    });

    it("CONTRACT: a second run (service restarts left out) changes nothing, and again enters the container through its sshd", async () => {
        const t0 = Date.now() / 1000;
        const logins0 = new Map<string, number>();
        for (const n of NODES) logins0.set(n, (await accepted(n)).length);
        const second = await runSteps(repl, { skip: isRestart });
        console.log(`      second run ${second.ms} ms`);
        assertNothingChanged(second);
        for (const n of NODES) {
            const again = (await calls(n)).filter((c) => c.t > t0);
            assert.ok(!again.some((c) => c.tool === "dsconfig" && c.argv.some((a) => a.startsWith("set-"))), `${n}: no dsconfig set-*`);
            assert.ok(!again.some((c) => c.tool === "systemctl" || c.argv.includes("-importcert") || (c.tool === "dsreplication" && c.argv[0] !== "status")), `${n}: no restart, import, enable or initialize`);
            assert.ok(again.every((c) => CONTAINER_SSH.test(c.ssh ?? "")));
            const steps = second.steps.filter((x) => x.host === n && entersContainer(x.name)).length;
            assert.strictEqual((await accepted(n)).length - logins0.get(n)!, steps, `${n}: one container login per in-container step`);
        }
    });

    it("CONTRACT: the container's host key is pinned: with its .pub file replaced the step fails on the host key and nothing runs inside", async () => {
        const g2 = h("gluu-2");
        const pub = `${R}/etc/ssh/ssh_host_ed25519_key.pub`;
        const step = "gluu-2-opendj-prep";
        const n0 = (await calls("gluu-2")).length;
        const logins0 = (await accepted("gluu-2")).length;
        await g2.run(`cp ${pub} /root/container-hostkey.pub.orig && rm -f /tmp/other-key /tmp/other-key.pub && ssh-keygen -q -t ed25519 -N '' -C impostor -f /tmp/other-key && cp /tmp/other-key.pub ${pub}`);
        try {
            const r = await runSteps(repl, { only: (x) => x.name === step, throwOnFailure: false });
            const s = r.step(step);
            assert.strictEqual(s.status, "failed");
            assert.strictEqual(s.code, 255, `ssh's exit code; stderr: ${s.stderr}`);
            assert.match(s.stderr, /Host key verification failed/);
            assert.doesNotMatch(s.stdout, /changed /);
            assert.strictEqual((await calls("gluu-2")).length, n0, "no tool ran inside the container");
            assert.strictEqual((await accepted("gluu-2")).length, logins0, "the container's sshd accepted no login");
            assert.strictEqual((await g2.run(`ls -A ${R}/root | grep -vx .ssh; true`)).trim(), "", "the inner script was removed by the trap");
        } finally {
            await g2.run(`cp /root/container-hostkey.pub.orig ${pub}`);
        }
        const ok = await runSteps(repl, { only: (x) => x.name === step });
        assertNothingChanged(ok);
        assert.strictEqual((await accepted("gluu-2")).length, logins0 + 1, "with the right key the step logs in again");
    });
});
