// CONTRACT tests of GluuNode's install step (setup.py) for Gluu 3.1.6 and 4.5 on two test hosts: the REAL step
// text and stdin, recorded from GluuNode under mocks, run over SSH (runner.ts) into stand-in container roots
// (opendjStandins.ts: 3.1.6 through chroot, 4.5 through ssh to the chrooted container sshd on port 60022)
// where setup.py is a stand-in (setupPyStandins.ts) that reads setup.properties with its version's semantics,
// writes files in upstream's order, logs where upstream logs and exits as upstream exits. No Gluu is installed:
// that the real setup.py behaves as the stand-ins do is the contract they encode (cited there), not proven here.
import * as assert from "assert";
import { GluuNode } from "../../components/gluuNode";
import { PROFILES } from "../../components/profiles";
import { GluuSetupSettings, SETUP_STATE_FILES, gluuSetupScript } from "../../components/render/node";
import { RecordedResource } from "../../src/record";
import { byName, recordComponent, unwrap } from "../helpers/program";
import { Bed, BedHost, startBed } from "./bed";
import { GLUU316_ROOT, GLUU45_ROOT, setupGluu45Standin, setupGluuStandin, sha256 } from "./opendjStandins";
import { RunOptions, RunReport, StepResult, runSteps } from "./runner";
import { SETUP_PY_316, SETUP_PY_45, SETUP_STANDIN_FILES } from "./setupPyStandins";

const SETUP: GluuSetupSettings = {
    hostname: "idp.example.org",
    orgName: "Example: Inc = #1",
    city: "Austin",
    state: "TX",
    countryCode: "US",
    adminEmail: "admin@example.org",
    ldapPassword: "Ldap-contract-Pw-8d1e",
    adminPassword: "Admin-contract-Pw-51ac",
    encodeSalt: "SaltContract0123456789ab",
    openidKeystorePassword: "Jks-contract-Pw-09fe",
    ldapTruststorePassword: "Trust-contract-Pw-7c3b",
    baseInum: "@!1111.2222.3333.4444",
    inumOrg: "@!1111.2222.3333.4444!0001!AAAA.BBBB",
    inumAppliance: "@!1111.2222.3333.4444!0002!CCCC.DDDD",
};
const SECRETS = [SETUP.ldapPassword, SETUP.adminPassword, SETUP.encodeSalt, SETUP.openidKeystorePassword, SETUP.ldapTruststorePassword!];
const SETUP_DIR = "/install/community-edition-setup";

interface Version {
    version: "3.1.6" | "4.5";
    host: string;
    root: string;
    standin: string;
}
const V316: Version = { version: "3.1.6", host: "g316", root: GLUU316_ROOT, standin: SETUP_PY_316 };
const V45: Version = { version: "4.5", host: "g45", root: GLUU45_ROOT, standin: SETUP_PY_45 };
const BOTH = [V316, V45];

describe("live CONTRACT: GluuNode's install step (setup.py) for 3.1.6 and 4.5 against setup.py stand-ins", function () {
    this.timeout(240000);
    let bed: Bed;
    let resources: RecordedResource[];
    const h = (v: Version): BedHost => bed.host(v.host);
    const step = (v: Version) => `${v.host}-install`;
    const run = (vs: Version[], opts: RunOptions = {}, rs: RecordedResource[] = resources) =>
        runSteps(rs, { only: (r) => vs.some((v) => r.name === step(v)), throwOnFailure: false, ...opts });
    const runs = async (v: Version): Promise<Array<{ outcome: string; argv: string[] }>> =>
        (await h(v).run(`cat ${v.root}${SETUP_STANDIN_FILES.runs} 2>/dev/null || true`)).split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
    const parsed = async (v: Version) => JSON.parse(await h(v).run(`cat ${v.root}${SETUP_STANDIN_FILES.parsed}`));
    const exists = async (v: Version, path: string) => (await h(v).ssh(`test -e ${v.root}${path}`)).code === 0;
    /** The setup.py state of a fresh package: what `apt-get purge` and a reinstall would leave (emulated). */
    const fresh = (v: Version, modes: string[] = []) =>
        h(v).run(
            [
                `set -e; R=${v.root}; D=$R${SETUP_DIR}`,
                `rm -rf $R/etc/gluu/conf $D/logs $D/setup.log $D/setup_error.log $D/setup.properties $D/setup.properties.last $D/setup.properties.last.enc $D/${SETUP_STATE_FILES.console}`,
                `rm -f $D/${SETUP_STATE_FILES.stamp} $D/${SETUP_STATE_FILES.exit} $D/${SETUP_STATE_FILES.lock} $R${SETUP_STANDIN_FILES.runs} $R${SETUP_STANDIN_FILES.parsed}`,
                `printf '%s\\n' ${modes.map((m) => `'${m}'`).join(" ") || "''"} > $R${SETUP_STANDIN_FILES.mode}`,
            ].join("\n"),
        );
    const output = (s: StepResult) => s.stdout + s.stderr;
    const assertNoSecret = (s: StepResult) => {
        for (const secret of SECRETS) assert.ok(!output(s).includes(secret), `${s.name} printed a secret value:\n${output(s)}`);
    };

    before(async function () {
        bed = await startBed({ hosts: [V316.host, V45.host] });
        await Promise.all([
            setupGluuStandin(h(V316), { self: h(V316).address, dmSha: sha256(SETUP.ldapPassword) }),
            setupGluu45Standin(h(V45), { self: h(V45).address, dmSha: sha256(SETUP.ldapPassword) }),
        ]);
        for (const v of BOTH) {
            // Before setup.py: no /etc/gluu/conf. The container start scripts on the host are stand-ins too.
            await h(v).run(
                [
                    `set -e; R=${v.root}`,
                    `cat > $R${SETUP_DIR}/setup.py <<'STANDIN_EOF'\n${v.standin}STANDIN_EOF`,
                    `chmod 0755 $R${SETUP_DIR}/setup.py`,
                    // 3.1.6 calls `python` (Python 2 in the real container); the stand-in is Python 3.
                    `printf '#!/bin/sh\\nexec /usr/bin/python3 "$@"\\n' > $R/usr/local/sbin/python; chmod 0755 $R/usr/local/sbin/python`,
                    v.version === "3.1.6"
                        ? `printf '#!/bin/sh\\nexit 0\\n' > /etc/init.d/gluu-server-3.1.6; chmod 0755 /etc/init.d/gluu-server-3.1.6`
                        : `printf '#!/bin/sh\\nexit 0\\n' > /sbin/gluu-serverd; chmod 0755 /sbin/gluu-serverd`,
                ].join("\n"),
            );
            await fresh(v);
        }
        resources = await recordComponent((opts) => {
            const node = (v: Version) =>
                new GluuNode(v.host, { existingAddress: h(v).address, hostKey: h(v).hostKey, sshPrivateKey: bed.clientPrivateKey, version: v.version, setup: SETUP, repoUser: "u", repoPassword: "p" }, opts);
            node(V316);
            return node(V45);
        });
        console.log(`      bed ${bed.subnet} up in ${bed.bringUpMs} ms`);
    });

    after(async () => {
        await bed?.stop();
    });

    it("records the install step with setup.properties as secret stdin, the truststore key in it, 3.1.6 without oxtrust_admin_password", () => {
        for (const v of BOTH) {
            const stdin = unwrap(byName(resources, step(v)).inputs.stdin);
            assert.ok(stdin.secret, `${step(v)}: stdin is secret`);
            const key = PROFILES[v.version].truststorePasswordKey;
            assert.match(String(stdin.value), new RegExp(`^${key}=${SETUP.ldapTruststorePassword}$`, "m"));
            assert.strictEqual(/^oxtrust_admin_password=/m.test(String(stdin.value)), v.version === "4.5");
        }
    });

    it("CONTRACT success: setup.py runs once with the version's flags, the step reports the install and prints no secret", async () => {
        const r = await run(BOTH);
        for (const v of BOTH) {
            const s = r.step(step(v));
            assert.strictEqual(s.status, "ok", output(s));
            assert.deepStrictEqual(s.changed, [`changed installed Gluu ${v.version}`]);
            assertNoSecret(s);
            const rs = await runs(v);
            assert.deepStrictEqual(rs.map((x) => x.outcome), ["completed"]);
            assert.deepStrictEqual(rs[0].argv, ["-n", "-f", "setup.properties", "--listen_all_interfaces", ...PROFILES[v.version].setupExtraFlags]);
            const done = `${v.root}${PROFILES[v.version].setupPropertiesLast}`;
            assert.strictEqual((await h(v).run(`stat -c %a ${done}`)).trim(), "600", "the completion file holds secrets: 0600");
            assert.ok(!(await exists(v, `${SETUP_DIR}/setup.properties`)), "the plaintext setup.properties is gone");
        }
    });

    it("CONTRACT values: setup.py parsed what we meant (3.1.6 inums without backslashes; the truststore password is ours, not generated)", async () => {
        const p316 = await parsed(V316);
        for (const k of ["baseInum", "inumOrg", "inumAppliance"] as const) assert.strictEqual(p316.props[k], SETUP[k]);
        assert.strictEqual(p316.props.orgName, SETUP.orgName);
        assert.strictEqual(p316.props.ldapPass, SETUP.ldapPassword);
        assert.strictEqual(p316.props.opendj_p12_pass, SETUP.ldapTruststorePassword);
        assert.ok(!("oxtrust_admin_password" in p316.props));
        const p45 = await parsed(V45);
        assert.strictEqual(p45.props.orgName, SETUP.orgName);
        assert.strictEqual(p45.props.oxtrust_admin_password, SETUP.adminPassword);
        assert.strictEqual(p45.props.opendj_truststore_pass, SETUP.ldapTruststorePassword);
        for (const p of [p316, p45]) assert.deepStrictEqual(p.generated, []);
        // 4.5 leaves only the encrypted file, with the admin password as its key (as upstream): it holds our value.
        const dec = await h(V45).run(`openssl enc -d -aes-256-cbc -in ${GLUU45_ROOT}${SETUP_DIR}/setup.properties.last.enc -k ${SETUP.adminPassword} 2>/dev/null`);
        assert.match(dec, new RegExp(`^opendj_truststore_pass=${SETUP.ldapTruststorePassword}$`, "m"));
    });

    it("CONTRACT a re-run after success does nothing (setup.py is not started again)", async () => {
        const r = await run(BOTH);
        for (const v of BOTH) {
            const s = r.step(step(v));
            assert.strictEqual(s.status, "ok", output(s));
            assert.deepStrictEqual(s.changed, []);
            assert.match(s.stdout, /nothing to do/);
            assert.strictEqual((await runs(v)).length, 1);
        }
    });

    it("CONTRACT setup.py killed after its early marker: reported as failed, a re-run says how to converge, and after the purge it converges", async () => {
        for (const v of BOTH) await fresh(v, ["die-after-marker"]);
        const r1 = await run(BOTH);
        for (const v of BOTH) {
            const s = r1.step(step(v));
            assert.strictEqual(s.status, "failed", output(s));
            assert.ok(await exists(v, PROFILES[v.version].installedMarker), "the early marker exists: it must not count");
            assert.match(s.stderr, /setup\.py exited with status 137/);
            assert.match(s.stderr, /apt-get purge .* && rm -rf/);
            assertNoSecret(s);
        }
        const r2 = await run(BOTH);
        for (const v of BOTH) {
            const s = r2.step(step(v));
            assert.strictEqual(s.status, "failed", `a re-run must not take the half-made install for done:\n${output(s)}`);
            assert.match(s.stderr, /\(an earlier run\)/);
            assert.match(s.stderr, /apt-get purge/);
            assert.deepStrictEqual((await runs(v)).map((x) => x.outcome), ["killed"], "setup.py was not started over the half-made install");
        }
        // What the message says (purge the package, remove the root), emulated: a fresh container.
        for (const v of BOTH) await fresh(v);
        const r3 = await run(BOTH);
        for (const v of BOTH) {
            assert.strictEqual(r3.step(step(v)).status, "ok", output(r3.step(step(v))));
            assert.deepStrictEqual(r3.step(step(v)).changed, [`changed installed Gluu ${v.version}`]);
        }
    });

    it("CONTRACT 4.5: a FATAL setup.py (exit 1, gluu.properties already written) fails the step; the log tail has the secret blanked", async () => {
        await fresh(V45, ["fatal"]);
        const s = (await run([V45])).step(step(V45));
        assert.strictEqual(s.status, "failed", output(s));
        assert.ok(await exists(V45, "/etc/gluu/conf/gluu.properties"));
        assert.match(s.stderr, /setup\.py exited with status 1\b/);
        assert.match(s.stderr, /logs\/setup_error\.log/);
        assert.match(s.stderr, /Traceback/);
        assert.match(s.stderr, /keytool -storepass \[secret\]/);
        assertNoSecret(s);
    });

    it("CONTRACT 4.5: FATAL after save_properties (setup.properties.last.enc written, then post_install_tasks fails, exit 1) fails the step by its exit code, and a re-run says so", async () => {
        // CES-455 setup.py:377-392: post_install runs save_properties (the .enc) BEFORE post_install_tasks and
        // start_services; an exception in those still ends in logIt("FATAL", True, True) and exit 1 (:434-438).
        // The completion file alone would call this run done: the exit status is what fails it.
        await fresh(V45, ["fatal-after-save"]);
        const s = (await run([V45])).step(step(V45));
        assert.strictEqual(s.status, "failed", output(s));
        const done = `${GLUU45_ROOT}${PROFILES["4.5"].setupPropertiesLast}`;
        const stamp = `${GLUU45_ROOT}${SETUP_DIR}/${SETUP_STATE_FILES.stamp}`;
        assert.ok(await exists(V45, PROFILES["4.5"].setupPropertiesLast), "the completion file was written before the failure");
        assert.strictEqual((await h(V45).ssh(`test ${done} -nt ${stamp}`)).code, 0, "the completion file is newer than the run's stamp");
        assert.strictEqual((await h(V45).run(`cat ${GLUU45_ROOT}${SETUP_DIR}/${SETUP_STATE_FILES.exit}`)).trim(), "1");
        assert.match(s.stderr, /setup\.py exited with status 1\b/);
        assert.match(s.stderr, /post_install_tasks failed after save_properties/);
        assert.match(s.stderr, /ldap password \[secret\]/);
        assert.deepStrictEqual(s.changed, []);
        assertNoSecret(s);
        const r2 = (await run([V45])).step(step(V45));
        assert.strictEqual(r2.status, "failed", `a re-run must not take a run that exited 1 for done:\n${output(r2)}`);
        assert.match(r2.stderr, /setup\.py exited with status 1 \(an earlier run\)/);
        assert.doesNotMatch(r2.stdout, /nothing to do/);
        assert.deepStrictEqual((await runs(V45)).map((x) => x.outcome), ["fatal"], "setup.py was not started again");
        assertNoSecret(r2);
    });

    it("CONTRACT 3.1.6: an error setup.py caught and went on from (a Traceback in setup_error.log, exit 0, setup.properties.last written) is reported, secrets blanked, and the install counts as done", async () => {
        // Both versions log caught, non-fatal errors with their Traceback on installs that succeed; a fatal one
        // leaves no completion file (3.1.6) or exits 1 (4.5), which the other tests cover.
        await fresh(V316, ["traceback"]);
        const s = (await run([V316])).step(step(V316));
        assert.strictEqual(s.status, "ok", output(s));
        assert.ok(await exists(V316, `${SETUP_DIR}/setup.properties.last`));
        assert.strictEqual((await h(V316).run(`cat ${GLUU316_ROOT}${SETUP_DIR}/${SETUP_STATE_FILES.exit}`)).trim(), "0");
        assert.match(s.stdout, /warning: \/install\/community-edition-setup\/setup_error\.log holds errors setup\.py caught/);
        assert.match(s.stdout, /-deststorepass \[secret\]/);
        assert.deepStrictEqual(s.changed, ["changed installed Gluu 3.1.6"]);
        assertNoSecret(s);
    });

    it("CONTRACT a dropped SSH session does not kill setup.py; the re-run waits for it (heartbeat: every 30 s by default, 4 s rendered here) instead of starting another", async function () {
        this.timeout(300000);
        // The recorded steps are the renderer's default (30 s heartbeat); the same renderer with a 4 s heartbeat
        // runs here, so the heartbeat shows after seconds rather than half a minute (nothing else differs).
        const heartbeat = 4;
        const rendered = resources.map((r) => {
            const v = BOTH.find((x) => r.name === step(x));
            if (!v) return r;
            const recorded = String(unwrap(r.inputs.create).value);
            const byDefault = gluuSetupScript(PROFILES[v.version], v.host);
            assert.ok(recorded.includes(byDefault), `${r.name} carries the renderer's default text`);
            return { ...r, inputs: { ...r.inputs, create: recorded.replace(byDefault, () => gluuSetupScript(PROFILES[v.version], v.host, { heartbeatSeconds: heartbeat })) } };
        });
        // 3.1.6's setup.py outlasts the interrupted run by more than one heartbeat.
        await fresh(V316, [`sleep=${2 * heartbeat + 2}`]);
        await fresh(V45, ["sleep=6"]);
        // The step's whole process group is SIGKILLed 1.5 s in, as when sshd loses the connection.
        const r1 = await run(BOTH, { interruptAfterMs: () => 1500 }, rendered);
        for (const v of BOTH) assert.strictEqual(r1.step(step(v)).status, "failed");
        const r2 = await run(BOTH, {}, rendered);
        for (const v of BOTH) {
            const s = r2.step(step(v));
            assert.strictEqual(s.status, "ok", output(s));
            assert.match(s.stdout, /a setup\.py started earlier is still running on .*: waiting for it/);
            assert.deepStrictEqual(s.changed, [`changed installed Gluu ${v.version}`]);
            assert.deepStrictEqual((await runs(v)).map((x) => x.outcome), ["completed"], "one setup.py, not two");
            assertNoSecret(s);
        }
        assert.match(r2.step(step(V316)).stdout, /^setup\.py still running on g316 \(\d+ s\)$/m);
        const again = await run(BOTH, {}, rendered);
        for (const v of BOTH) assert.deepStrictEqual(again.step(step(v)).changed, []);
    });
});

export type { RunReport };
