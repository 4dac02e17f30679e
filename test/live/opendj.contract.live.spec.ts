// CONTRACT tests of OpenDjReplication and CertificateDistribution (Gluu 3.1.6) on three test hosts: the steps
// recorded from the REAL components run over SSH against stand-in Gluu containers (opendjStandins.ts: a chroot
// at /opt/gluu-server-3.1.6 with recording stand-ins for dsconfig, dsreplication, dsjavaproperties, keytool
// and service). What is proven: the order the steps run in, the tools' arguments, how passwords reach them
// (0600 files that exist during the call and are gone after, never argv), what lands on the members,
// idempotence, convergence after a join killed half-way, and the scale-in delete. No real OpenDJ runs here:
// that the real tools accept these arguments is the contract the stand-ins encode, not proven by them.
import * as assert from "assert";
import { OpenDjReplication } from "../../components/openDjReplication";
import { PROFILES } from "../../components/profiles";
import { parseReplicationStatus } from "../../components/render/opendj";
import { RecordedResource } from "../../src/record";
import { byName, recordComponent, unwrap } from "../helpers/program";
import { Bed, BedHost, startBed } from "./bed";
import { assertNothingChanged, hostArgsOf, timings } from "./hosts";
import {
    GLUU316_ROOT as R,
    inStandin,
    primaryExports,
    recordingWithExports,
    recordReplicationAndCerts,
    setStandinState,
    sha256,
    StandinCall,
    standinCalls,
    standinCertFiles,
    standinState,
    standinSums,
    setupGluuStandin,
} from "./opendjStandins";
import { RunReport, runDeletes, runSteps } from "./runner";

const NODES = ["gluu-1", "gluu-2", "gluu-3"];
const MEMBERS = NODES.slice(1);
const DM_PASSWORD = "Dm-contract-Pw-7f3a91c2";
const HOSTNAME = "idp.example.org";
const P316 = PROFILES["3.1.6"];
const BASES = ["o=gluu", "o=site"];
const KEY_FILES = ["keystore", "keystore.pin", "truststore"];

describe("live CONTRACT: OpenDjReplication + CertificateDistribution (3.1.6) against stand-in containers on test hosts", function () {
    this.timeout(180000);
    let bed: Bed;
    let repl: RecordedResource[];
    let adminPassword: string;
    let first: RunReport;
    /** Per host: sha256 of the files before the first run (to show what changed and the backups). */
    const before0 = new Map<string, Record<string, string>>();
    const h = (n: string): BedHost => bed.host(n);
    const addr = (n: string) => h(n).address;
    const isRestart = (r: RecordedResource) => r.name.endsWith("-gluu-restart");
    const join3 = (r: RecordedResource) => r.name === "gluu-3-repl-join";
    const calls = (n: string) => standinCalls(h(n));
    const dsrepl = (cs: StandinCall[], sub: string) => cs.filter((c) => c.tool === "dsreplication" && c.argv[0] === sub);
    const opt = (c: StandinCall, name: string) => c.argv[c.argv.indexOf(name) + 1];
    const sums = (n: string, rels: string[]) => standinSums(h(n), R, rels);
    const certFiles = (n: string) => standinCertFiles(h(n), R);
    let realExports: Record<string, string> = {};
    /** Record with the exports' real output (what the engine would hand the importing steps). */
    const recording = <T>(f: () => Promise<T>): Promise<T> => recordingWithExports(realExports, f);
    const record = (nodes: string[]) =>
        recording(() =>
            recordComponent((opts) => new OpenDjReplication("repl", { nodes: nodes.map((n) => hostArgsOf(bed, n)), version: "3.1.6", directoryManagerPassword: DM_PASSWORD }, opts)),
        );

    before(async function () {
        bed = await startBed({ hosts: NODES });
        const t0 = Date.now();
        await Promise.all(NODES.map((n) => setupGluuStandin(h(n), { self: addr(n), dmSha: sha256(DM_PASSWORD) })));
        for (const n of NODES) {
            before0.set(n, await sums(n, [...KEY_FILES.map((f) => `opt/opendj/config/${f}`), ...(await certFiles(n))]));
        }
        // The steps that print what other steps read (exports) get their real output while recording, as the
        // engine would pass it on; the live run then checks that the exports still print exactly that.
        realExports = await primaryExports(h("gluu-1"), P316);
        repl = await recordReplicationAndCerts(bed, NODES, "3.1.6", HOSTNAME, DM_PASSWORD, realExports);
        adminPassword = String(unwrap(byName(repl, "gluu-2-repl-join").inputs.stdin).value).split("\n")[1];
        assert.ok(adminPassword && adminPassword.length >= 16, "the generated replication admin password is on the join's stdin, line 2");
        console.log(`      bed ${bed.subnet} up in ${bed.bringUpMs} ms; stand-in containers in ${Date.now() - t0} ms`);
    });

    after(async () => {
        await bed?.stop();
    });

    it("CONTRACT: runs every step in dependency order (prep → prune → serial joins gluu-2, gluu-3 → init → member keys; certs → trust store → restart, primary first)", async () => {
        first = await runSteps(repl);
        console.log(`      first run ${first.ms} ms\n${timings(first)}`);
        const s = (n: string) => first.step(n);
        const after = (later: string, earlier: string) =>
            assert.ok(s(later).startedAt >= s(earlier).endedAt, `${later} (start ${s(later).startedAt}) after ${earlier} (end ${s(earlier).endedAt})`);
        for (const m of MEMBERS) {
            after(`${m}-repl-join`, "gluu-1-opendj-prep");
            after(`${m}-repl-join`, `${m}-opendj-prep`);
            after("gluu-1-repl-init", `${m}-repl-join`);
            after(`${m}-opendj-keys`, "gluu-1-repl-init");
            after(`${m}-opendj-keys`, "gluu-1-opendj-keys-export");
            after(`${m}-opendj-keys`, `${m}-opendj-crypto`);
            after(`${m}-truststore`, `${m}-certs-import`);
            after(`${m}-certs-import`, "gluu-1-certs-export");
        }
        after("gluu-3-repl-join", "gluu-2-repl-join");
        after("gluu-2-repl-join", "gluu-1-repl-prune");
        after("gluu-1-repl-prune", "gluu-1-opendj-prep");
        for (const m of MEMBERS) after(`${m}-gluu-restart`, "gluu-1-gluu-restart");
        assert.match(s("gluu-1-repl-prune").stdout, /no replication topology on .* yet: nothing to prune/);
        for (const n of NODES) {
            after(`${n}-opendj-crypto`, `${n}-opendj-prep`);
            after(`${n}-gluu-restart`, `${n}-truststore`);
            if (n !== "gluu-1") after(`${n}-gluu-restart`, `${n}-opendj-keys`);
        }
        after("gluu-1-repl-status", "gluu-1-repl-init");
        for (const m of MEMBERS) after("gluu-1-repl-status", `${m}-opendj-keys`);
        // The exports printed what was recorded as the members' stdin (deterministic archives).
        assert.strictEqual(s("gluu-1-opendj-keys-export").stdout, String(unwrap(byName(repl, "gluu-2-opendj-keys").inputs.stdin).value));
        assert.strictEqual(s("gluu-1-certs-export").stdout, String(unwrap(byName(repl, "gluu-3-certs-import").inputs.stdin).value));
    });

    it("CONTRACT: every dsconfig/dsreplication/dsjavaproperties call used only what OpenDJ 3.0 registers (the stand-ins check opendjOptions.ts; none was refused)", async () => {
        const all = (await Promise.all(NODES.map((n) => calls(n)))).flat();
        assert.ok(["dsreplication", "dsconfig", "dsjavaproperties"].every((t) => all.some((c) => c.tool === t)), "the OpenDJ tools were called");
        assert.deepStrictEqual(all.filter((c) => c.refused).map((c) => `${c.tool} ${c.argv.join(" ")}: ${c.refused}`), []);
    });

    it("CONTRACT: joins with `dsreplication enable` --host1 primary --host2 member, encrypted, for o=gluu and o=site; initialize-all once per base DN", async () => {
        const cs = await calls("gluu-1");
        const enables = dsrepl(cs, "enable");
        assert.deepStrictEqual(
            enables.map((c) => `${opt(c, "--host1")} ${opt(c, "--host2")} ${opt(c, "--baseDN")}`),
            MEMBERS.flatMap((m) => BASES.map((b) => `${addr("gluu-1")} ${addr(m)} ${b}`)),
            "gluu-2 joins first, then gluu-3, each for both base DNs",
        );
        for (const c of enables) {
            for (const flag of ["--secureReplication1", "--secureReplication2", "--trustAll", "--no-prompt"]) assert.ok(c.argv.includes(flag), `${flag} in ${c.argv.join(" ")}`);
            assert.deepStrictEqual([opt(c, "--port1"), opt(c, "--port2"), opt(c, "--replicationPort1"), opt(c, "--replicationPort2")], ["4444", "4444", "8989", "8989"]);
            assert.deepStrictEqual([opt(c, "--bindDN1"), opt(c, "--bindDN2"), opt(c, "--adminUID")], ["cn=directory manager", "cn=directory manager", "admin"]);
            assert.deepStrictEqual(c.pwfiles.map((p) => p.opt), ["--bindPasswordFile1", "--bindPasswordFile2", "--adminPasswordFile"]);
        }
        const inits = dsrepl(cs, "initialize-all");
        assert.deepStrictEqual(inits.map((c) => `${opt(c, "--hostname")}:${opt(c, "--port")} ${opt(c, "--baseDN")}`), BASES.map((b) => `${addr("gluu-1")}:4444 ${b}`));
        assert.strictEqual(dsrepl(cs, "initialize").length, 0, "no per-member initialize on a first deployment");
        assert.ok(Math.min(...inits.map((c) => c.t)) > Math.max(...enables.map((c) => c.t)), "initialization after every enable");
        // The status step's table (what the component's `status` output parses): every server, equal entries.
        const rows = parseReplicationStatus(first.step("gluu-1-repl-status").stdout);
        assert.deepStrictEqual(
            rows.map((r) => `${r.baseDn} ${r.server} ${r.entries} ${r.security}`).sort(),
            BASES.flatMap((b) => NODES.map((n) => `${b} ${addr(n)}:4444 ${b === "o=gluu" ? 1500 : 3} true`)).sort(),
        );
    });

    it("CONTRACT: prep patches java.properties, opens both listeners and restarts OpenDJ once; replication traffic is encrypted on every node", async () => {
        for (const n of NODES) {
            assert.match(await h(n).run(`cat ${R}/opt/opendj/config/java.properties`), /^dsreplication\.java-args=-Xms8m -client -Dcom\.sun\.jndi\.ldap\.object\.disableEndpointIdentification=true$/m);
            assert.match(await h(n).run(`cat ${R}/opt/opendj/lib/set-java-home`), /disableEndpointIdentification=true/, "dsjavaproperties applied it");
            const st = await standinState(h(n), "dsconfig.json");
            assert.deepStrictEqual(st, {
                "administration-connector-prop": { "listen-address": "0.0.0.0" },
                "connection-handler-prop/LDAPS Connection Handler": { enabled: "true", "listen-address": "0.0.0.0" },
                "crypto-manager-prop": { "ssl-encryption": "true" },
            });
            const cs = await calls(n);
            const restarts = cs.filter((c) => c.tool === "service" && c.argv.join(" ") === "opendj restart").length;
            assert.strictEqual(restarts, n === "gluu-1" ? 1 : 2, `${n}: OpenDJ restarted by prep${n === "gluu-1" ? "" : " and by the keystore import"}`);
        }
    });

    it("CONTRACT: every password file existed during the call as 0600 root:root in a 0700 directory, held the right password, and is gone afterwards", async () => {
        const expected: Record<string, string> = {
            "--bindPasswordFile": sha256(DM_PASSWORD),
            "--bindPasswordFile1": sha256(DM_PASSWORD),
            "--bindPasswordFile2": sha256(DM_PASSWORD),
            "--adminPasswordFile": sha256(adminPassword),
            "-storepass:file": sha256("changeit"),
        };
        let checked = 0;
        for (const n of NODES) {
            const cs = await calls(n);
            const paths = new Set<string>();
            for (const c of cs) {
                for (const p of c.pwfiles) {
                    const where = `${n}: ${c.tool} ${c.argv[0]} ${p.opt} ${p.path}`;
                    assert.strictEqual(p.exists, true, `${where} existed during the call`);
                    assert.strictEqual(p.sha256, expected[p.opt], `${where} held the right password`);
                    if (p.opt !== "-storepass:file") {
                        // ("changeit", the JRE's published default, is not a secret: its file is 0644 in a 0700 mktemp dir.)
                        assert.deepStrictEqual([p.mode, p.owner, p.dirMode], ["600", "root:root", "700"], where);
                        assert.match(p.path, /^\/root\/\.gluu-secrets\.[A-Za-z0-9]{6}\/[a-z_]+$/, where);
                    }
                    paths.add(p.path);
                    checked++;
                }
            }
            const left = await h(n).run(`for p in ${[...paths].join(" ")}; do [ -e "${R}$p" ] && echo "$p"; done; ls -A ${R}/root; true`);
            assert.strictEqual(left.trim(), "", `${n}: nothing left of the password files, secret dirs or inner scripts`);
        }
        assert.ok(checked >= 20, `checked ${checked} password-file arguments`);
    });

    it("CONTRACT: no password appears in any tool's argv, stand-in state, log or step output", async () => {
        for (const n of NODES) {
            const cs = await calls(n);
            const argv = cs.map((c) => c.argv.join(" ")).join("\n");
            for (const pw of [DM_PASSWORD, adminPassword]) assert.ok(!argv.includes(pw), `${n}: a password in a tool's argv`);
            // The whole container (but the host's bind-mounted /usr, /dev, /proc), patterns on stdin, not argv.
            const hits = await h(n).run(`grep -rlF -f - ${R}/root ${R}/tmp ${R}/var ${R}/opt ${R}/etc ${R}/install || true`, { stdin: `${DM_PASSWORD}\n${adminPassword}\n` });
            assert.strictEqual(hits.trim(), "", `${n}: files holding a password: ${hits}`);
        }
        for (const s of first.steps) {
            for (const pw of [DM_PASSWORD, adminPassword]) assert.ok(!s.stdout.includes(pw) && !s.stderr.includes(pw), `${s.name} printed a password`);
        }
    });

    it("CONTRACT: members hold the primary's OpenDJ keystore, keystore.pin and truststore (owner ldap:ldap, mode kept)", async () => {
        const rels = KEY_FILES.map((f) => `opt/opendj/config/${f}`);
        const primary = await sums("gluu-1", rels);
        for (const m of MEMBERS) {
            for (const r of rels) assert.notStrictEqual(before0.get(m)![r], primary[r], `${m}'s ${r} differed before`);
            assert.deepStrictEqual(await sums(m, rels), primary, `${m}'s key files equal the primary's`);
            const owners = await inStandin(h(m), `stat -c "%n %U:%G %a" ${KEY_FILES.map((f) => `/opt/opendj/config/${f}`).join(" ")}`);
            assert.deepStrictEqual(owners.trim().split("\n"), [
                "/opt/opendj/config/keystore ldap:ldap 600",
                "/opt/opendj/config/keystore.pin ldap:ldap 600",
                "/opt/opendj/config/truststore ldap:ldap 644",
            ]);
        }
        assert.deepStrictEqual(await sums("gluu-1", rels), Object.fromEntries(rels.map((r) => [r, before0.get("gluu-1")![r]])), "the primary's keys are untouched");
    });

    it("CONTRACT: members hold the primary's /etc/certs (owners jetty / gluu, own certs backed up), trust stores hold the cluster aliases, services restarted in order", async () => {
        const files = await certFiles("gluu-1");
        const extra = ["install/community-edition-setup/output/scim-rp.jks", "etc/gluu/conf/passport-config.json"];
        const primary = await sums("gluu-1", [...files, ...extra]);
        for (const m of MEMBERS) {
            assert.deepStrictEqual(await certFiles(m), files);
            assert.deepStrictEqual(await sums(m, [...files, ...extra]), primary, `${m}'s certificates equal the primary's`);
            const owners = await inStandin(h(m), `stat -c "%n %U:%G %a" /etc/certs/oxauth-keys.jks /etc/certs/httpd.key /etc/certs/httpd.crt /etc/gluu/conf/passport-config.json`);
            assert.deepStrictEqual(owners.trim().split("\n"), [
                "/etc/certs/oxauth-keys.jks jetty:jetty 600",
                "/etc/certs/httpd.key root:gluu 640",
                "/etc/certs/httpd.crt root:gluu 644",
                "/etc/gluu/conf/passport-config.json root:gluu 640",
            ]);
            const backup = await sums(m, ["etc/certs.before-gluu-cluster/httpd.crt"]);
            assert.strictEqual(backup["etc/certs.before-gluu-cluster/httpd.crt"], before0.get(m)!["etc/certs/httpd.crt"], `${m}'s own httpd.crt is backed up`);
        }
        const primaryPem = (f: string) => h("gluu-1").run(`cat ${R}/etc/certs/${f}`);
        for (const n of NODES) {
            const aliases = (await h(n).run(`ls ${R}/var/lib/standin/keytool`)).trim().split("\n");
            assert.deepStrictEqual(aliases, ["httpd", "opendj", "shibIDP"].map((s) => `${HOSTNAME}_${s}.pem`).sort());
            for (const s of ["httpd", "opendj", "shibIDP"]) {
                assert.strictEqual(await h(n).run(`cat ${R}/var/lib/standin/keytool/${HOSTNAME}_${s}.pem`), await primaryPem(`${s}.crt`), `${n} trusts the primary's ${s}.crt`);
            }
            const cs = await calls(n);
            const keytool = cs.filter((c) => c.tool === "keytool");
            assert.strictEqual(keytool.filter((c) => c.argv.includes("-importcert")).length, 3, `${n}: three imports`);
            assert.ok(keytool.every((c) => opt(c, "-keystore") === P316.jreTruststore), "the 3.1.6 JRE trust store");
            const svc = cs.filter((c) => c.tool === "service").map((c) => c.argv.join(" "));
            assert.deepStrictEqual(svc.slice(-4), ["apache2 reload", "identity stop", "oxauth restart", "identity start"], `${n}: ${svc.join(", ")}`);
            // The restart came after every trust-store change.
            const lastImport = Math.max(...keytool.map((c) => c.t));
            assert.ok(cs.filter((c) => c.tool === "service" && c.argv[0] === "oxauth")[0].t > lastImport);
        }
    });

    it("CONTRACT: every step but the (always-restarting) service restarts runs a second time without a change, enable or initialize", async () => {
        const count = async () => (await calls("gluu-1")).filter((c) => c.tool === "dsreplication" && c.argv[0] !== "status").length;
        const n0 = await count();
        const t0 = Date.now() / 1000;
        const second = await runSteps(repl, { skip: isRestart });
        console.log(`      second run ${second.ms} ms (restart steps left out: Pulumi re-runs them only when their inputs change)`);
        assertNothingChanged(second);
        assert.strictEqual(await count(), n0, "no dsreplication enable/initialize/disable on a re-run");
        for (const n of NODES) {
            const cs = await calls(n);
            const again = cs.filter((c) => c.t > t0);
            assert.ok(!again.some((c) => c.tool === "dsconfig" && c.argv.some((a) => a.startsWith("set-"))), `${n}: no dsconfig set-* on a re-run`);
            assert.ok(!again.some((c) => c.tool === "service" || c.argv.includes("-importcert") || c.tool === "dsjavaproperties"), `${n}: no restart, import or dsjavaproperties on a re-run`);
        }
    });

    it("CONTRACT: a join of gluu-3 killed half-way (during the o=gluu, then the o=site enable) converges on a re-run; then only gluu-3 is initialized", async () => {
        const primary = h("gluu-1");
        const g3 = `${addr("gluu-3")}:4444`;
        // As if gluu-3 had been replaced by a fresh node at the same address: the topology no longer has it.
        const topo = await standinState(primary, "repl.json");
        topo.rows = topo.rows.filter((r: any) => r.server !== g3);
        await setStandinState(primary, "repl.json", topo);
        const cfg = await standinState(primary, "config.json");
        const g3bases = async () => (await standinState(primary, "repl.json")).rows.filter((r: any) => r.server === g3).map((r: any) => r.base).sort();
        try {
            for (const [hang, enabledAfter] of [["o=gluu", []], ["o=site", ["o=gluu"]]] as const) {
                await setStandinState(primary, "config.json", { ...cfg, hangEnable: { [hang]: 60 } });
                const killed = await runSteps(repl, { only: join3, interruptAfterMs: () => 3000, throwOnFailure: false });
                const k = killed.step("gluu-3-repl-join");
                assert.strictEqual(k.status, "failed", `killed during the ${hang} enable`);
                assert.deepStrictEqual(await g3bases(), [...enabledAfter], `after the kill during ${hang}`);
                assert.strictEqual(dsrepl(await calls("gluu-1"), "enable").slice(-1)[0].argv.includes(hang), true, `the kill hit the ${hang} enable`);
            }
        } finally {
            await setStandinState(primary, "config.json", cfg);
        }
        const leftovers = (await primary.run(`cd ${R}/root && ls -A`)).trim().split("\n").filter(Boolean);
        console.log(`      left in the primary's container /root by the two SIGKILLed runs (no trap could run): ${leftovers.join(" ")}`);
        assert.ok(leftovers.every((l) => /^\.gluu-(secrets|step)\.[A-Za-z0-9]{6}$/.test(l)));
        assert.match(await primary.run(`stat -c %a ${R}/root ${leftovers.filter((l) => l.startsWith(".gluu-secrets")).map((l) => `${R}/root/${l}`).join(" ")} | sort -u`), /^700\n$/, "the leftovers stay root-only");

        const again = await runSteps(repl, { only: join3 });
        assert.deepStrictEqual(again.step("gluu-3-repl-join").changed, [`changed replication of o=site enabled between ${addr("gluu-1")} and ${addr("gluu-3")}`]);
        assert.match(again.step("gluu-3-repl-join").stdout, new RegExp(`${addr("gluu-3").replace(/\./g, "\\.")} already replicates o=gluu`));
        assert.deepStrictEqual(await g3bases(), BASES);
        assertNothingChanged(await runSteps(repl, { only: join3 }));

        // gluu-3 has new DS IDs and its own entries: the init step initializes only it, per base DN.
        const n0 = (await calls("gluu-1")).length;
        const init = await runSteps(repl, { only: (r) => r.name === "gluu-1-repl-init" });
        const newCalls = (await calls("gluu-1")).slice(n0).filter((c) => c.tool === "dsreplication" && c.argv[0] !== "status");
        assert.deepStrictEqual(
            newCalls.map((c) => `${c.argv[0]} ${opt(c, "--baseDN")} ${opt(c, "--hostSource")} -> ${opt(c, "--hostDestination")}:${opt(c, "--portDestination")}`),
            BASES.map((b) => `initialize ${b} ${addr("gluu-1")} -> ${g3}`),
        );
        assert.strictEqual(init.step("gluu-1-repl-init").changed.length, 2);
        assertNothingChanged(await runSteps(repl, { only: (r) => r.name === "gluu-1-repl-init" }));
    });

    it("CONTRACT: scale-in: with gluu-3 left out of `nodes`, the prune step runs `dsreplication disable` for gluu-3 with the admin password file and forgets it; nothing else changes", async () => {
        const primary = h("gluu-1");
        const g3 = `${addr("gluu-3")}:4444`;
        // A join has no delete of its own: a former member is removed by the primary's prune step.
        assert.strictEqual(unwrap(byName(repl, "gluu-3-repl-join").inputs.delete).value, undefined);
        assert.deepStrictEqual((await runDeletes(repl, { only: join3 })).steps, [], "deleting gluu-3's join runs nothing");
        const two = await record(["gluu-1", "gluu-2"]);
        assert.strictEqual(String(unwrap(byName(two, "gluu-2-repl-join").inputs.stdin).value).split("\n")[1], adminPassword, "the same admin password");
        const n0 = (await calls("gluu-1")).length;
        const run = await runSteps(two);
        console.log(`      scale-in run ${run.ms} ms`);
        const changed = run.steps.filter((x) => x.changed.length > 0).map((x) => `${x.name}: ${x.changed.join("; ")}`);
        assert.deepStrictEqual(changed, [`gluu-1-repl-prune: changed replication disabled on ${g3} (no longer a member)`]);
        const fresh = (await calls("gluu-1")).slice(n0).filter((c) => c.tool === "dsreplication" && c.argv[0] !== "status");
        assert.strictEqual(fresh.length, 1, fresh.map((c) => c.argv.join(" ")).join("\n"));
        const d = fresh[0];
        assert.strictEqual(d.argv[0], "disable");
        assert.deepStrictEqual([opt(d, "--hostname"), opt(d, "--port"), opt(d, "--adminUID")], [addr("gluu-3"), "4444", "admin"]);
        assert.ok(d.argv.includes("--disableAll"));
        assert.deepStrictEqual(d.pwfiles.map((p) => [p.opt, p.exists, p.mode, p.owner, p.sha256]), [["--adminPasswordFile", true, "600", "root:root", sha256(adminPassword)]]);
        assert.ok(!d.argv.join(" ").includes(adminPassword) && !d.argv.join(" ").includes(DM_PASSWORD));
        assert.ok(!(await standinState(primary, "repl.json")).rows.some((r: any) => r.server === g3), "gluu-3 left the topology");
        assert.doesNotMatch(await primary.run(`cat ${R}/var/lib/gluu-cluster/replication-initialized.tsv`), new RegExp(g3.replace(/\./g, "\\.")), "the init record forgot gluu-3");
        assert.deepStrictEqual(
            parseReplicationStatus(run.step("gluu-1-repl-status").stdout).map((r) => r.server).sort(),
            [addr("gluu-1"), addr("gluu-1"), addr("gluu-2"), addr("gluu-2")].map((a) => `${a}:4444`),
        );
        assertNothingChanged(await runSteps(two));
    });
});
