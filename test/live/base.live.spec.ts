// GluuNode's first two steps for real: `<node>-ready` and `<node>-base`, recorded from GluuNode in
// existing-host mode and run over SSH on test hosts. The Gluu package and setup.py steps need Gluu's
// repository and are not run here (no Gluu packages on this machine).
import * as assert from "assert";
import { GluuNode } from "../../components/gluuNode";
import { GluuSetupSettings } from "../../components/render/node";
import { RecordedResource } from "../../src/record";
import { recordComponent } from "../helpers/program";
import { Bed, startBed } from "./bed";
import { assertNothingChanged, timings } from "./hosts";
import { RunReport, runSteps } from "./runner";

const NODES = ["gluu-1", "gluu-2"];

const SETUP: GluuSetupSettings = {
    hostname: "idp.example.org",
    orgName: "Example Inc.",
    city: "Austin",
    state: "TX",
    countryCode: "US",
    adminEmail: "admin@example.org",
    ldapPassword: "ldapPassw0rd123",
    adminPassword: "adminPassw0rd123",
    encodeSalt: "abcdefghijklmnopqrstuvwx",
    openidKeystorePassword: "jksPassw0rd123",
    baseInum: "@!1111.2222.3333.4444",
    inumOrg: "@!1111.2222.3333.4444!0001!AAAA.BBBB",
    inumAppliance: "@!1111.2222.3333.4444!0002!CCCC.DDDD",
};

/** Only the steps that need no Gluu package. */
const baseSteps = (r: RecordedResource) => /-(ready|base)$/.test(r.name);

describe("live: GluuNode base steps on existing test hosts (ready, base: packages and time sync)", function () {
    this.timeout(120000);
    let bed: Bed;
    let resources: RecordedResource[];
    let first: RunReport;

    before(async () => {
        // Existing servers boot with whatever name their image gave them; the base step leaves it.
        bed = await startBed({ hosts: NODES, bootHostname: () => "ubuntu" });
        console.log(`      bed ${bed.subnet} up in ${bed.bringUpMs} ms`);
        resources = await recordComponent((opts) => {
            // Both nodes under one root so one recording holds both.
            const nodes = NODES.map(
                (n) => new GluuNode(n, { existingAddress: bed.host(n).address, hostKey: bed.host(n).hostKey, sshPrivateKey: bed.clientPrivateKey, setup: SETUP }, opts),
            );
            return nodes[0];
        });
    });

    after(async () => {
        await bed?.stop();
    });

    it("records ready → base for each node, nothing before ready on an existing host", () => {
        for (const n of NODES) {
            const ready = resources.find((r) => r.name === `${n}-ready`);
            const base = resources.find((r) => r.name === `${n}-base`);
            assert.ok(ready && base, `${n}-ready and ${n}-base are recorded`);
            assert.deepStrictEqual(ready.dependsOn, []);
            assert.deepStrictEqual(base.dependsOn, [ready.urn]);
        }
    });

    it("runs ready, then base, on every node", async () => {
        first = await runSteps(resources, { only: baseSteps });
        console.log(`      first run ${first.ms} ms\n${timings(first)}`);
        for (const n of NODES) {
            assert.ok(first.step(`${n}-base`).startedAt >= first.step(`${n}-ready`).endedAt);
        }
    });

    it("leaves the base packages installed (ca-certificates, curl, gnupg)", async () => {
        for (const n of NODES) {
            const out = await bed.host(n).run("dpkg-query -W -f='${Package} ${Status}\\n' ca-certificates curl gnupg");
            assert.strictEqual(out.trim().split("\n").filter((l) => / install ok installed$/.test(l)).length, 3, out);
        }
    });

    it("leaves the host's own name alone (csync2 uses -N, stunnel certificate names; Gluu gets the LB name from setup.properties)", async () => {
        for (const n of NODES) {
            assert.strictEqual((await bed.host(n).run("hostname")).trim(), "ubuntu", `${n} keeps the name its image gave it`);
        }
    });

    it("time sync without systemd: starts chrony and enables it at boot", async () => {
        for (const n of NODES) {
            const out = await bed.host(n).run("pgrep -x chronyd >/dev/null && echo running; ls /etc/rc2.d | grep -q '^S[0-9]*chrony$' && echo enabled; true");
            assert.deepStrictEqual(out.trim().split("\n"), ["running", "enabled"], n);
            assert.ok(first.step(`${n}-base`).changed.includes("changed time sync (chrony)"));
        }
    });

    it("time sync with systemd: turns on timesyncd's NTP (not checked here: the test hosts have no systemd)", function () {
        this.skip();
    });

    it("runs both steps a second time successfully without changing anything", async () => {
        assertNothingChanged(await runSteps(resources, { only: baseSteps }));
    });

    it("ready refuses a host that lacks a tool the steps need, naming it", async () => {
        const host = bed.host("gluu-2");
        // The host's /usr is its own (overlay): hiding mktemp there touches nothing else.
        await host.run("mv /usr/bin/mktemp /usr/bin/mktemp.hidden");
        try {
            const r = await runSteps(resources, { only: (x) => x.name === "gluu-2-ready", throwOnFailure: false });
            const s = r.step("gluu-2-ready");
            assert.strictEqual(s.status, "failed");
            assert.match(s.stderr, /this host lacks mktemp/);
        } finally {
            await host.run("mv /usr/bin/mktemp.hidden /usr/bin/mktemp");
        }
    });
});
