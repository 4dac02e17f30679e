// Version profiles: what differs between Gluu releases is data, and unknown versions are refused by name.
import * as assert from "assert";
import { PROFILES, normalizeVersion, profileFor } from "../components/profiles";
import { validateGluuNodeArgs } from "../components/gluuNode";
import { validateGluuClusterArgs } from "../components/gluuCluster";

describe("version profiles", () => {
    it("know 3.1.6 (chroot, ou=appliances, ox-ldap.properties) and 4.5 (ssh on 60022, ou=configuration, gluu-ldap.properties)", () => {
        const a = profileFor("3.1.6");
        assert.strictEqual(a.containerRoot, "/opt/gluu-server-3.1.6");
        assert.strictEqual(a.containerExec, "chroot");
        assert.match(a.configurationDn, /ou=appliances,o=gluu$/);
        assert.strictEqual(a.jreTruststore, "/opt/jre/jre/lib/security/cacerts");
        assert.ok(a.lbPaths.roundRobin.includes("/asimba"));
        const b = profileFor("4.5.5");
        assert.strictEqual(b.containerRoot, "/opt/gluu-server");
        assert.strictEqual(b.containerExec, "ssh");
        assert.strictEqual(b.consolePort, 60022);
        assert.strictEqual(b.configurationDn, "ou=configuration,o=gluu");
        assert.strictEqual(b.ldapPropertiesFile, "/etc/gluu/conf/gluu-ldap.properties");
        assert.ok(b.repoNeedsCredentials);
        assert.match(b.setupPropertiesLast, /\.enc$/);
        assert.ok(!b.lbPaths.roundRobin.includes("/asimba"));
    });

    it("accept version spellings that mean a profile and refuse others by field name", () => {
        assert.strictEqual(normalizeVersion("3.1.6.sp1"), "3.1.6");
        assert.strictEqual(normalizeVersion("4.5.3"), "4.5");
        assert.strictEqual(normalizeVersion("4.2"), undefined);
        assert.throws(() => profileFor("4.2", "gluu:version"), /`gluu:version` is "4\.2", which is not a Gluu version this library supports; use one of: 3\.1\.6, 4\.5/);
        assert.deepStrictEqual(Object.keys(PROFILES), ["3.1.6", "4.5"]);
    });
});

describe("component Args validation (pure, no mocks)", () => {
    it("GluuNode refuses an existing host without a host key and droplet fields on it, naming fields", () => {
        const p = validateGluuNodeArgs("gluu-1", { setup: {} as any, existingAddress: "192.0.2.1", region: "fra1", sshPrivateKey: "k" });
        assert.ok(p.some((x) => /^`region` is for new droplets/.test(x)), p.join("\n"));
        assert.ok(p.some((x) => /^`hostKey` is missing: .*ssh-keyscan -t ed25519 192\.0\.2\.1/.test(x)), p.join("\n"));
    });

    it("GluuNode refuses a droplet without region, image or login", () => {
        const p = validateGluuNodeArgs("Node_1", { setup: {} as any, version: "9.9" });
        for (const re of [/host name/, /`version`/, /`region` is required/, /`dropletImage` is required/, /`sshKeyFingerprints` is required/, /`sshPrivateKey` or `sshAgentSocketPath`/]) {
            assert.ok(p.some((x) => re.test(x)), `${re} in:\n${p.join("\n")}`);
        }
    });

    it("GluuCluster refuses one node, duplicate addresses and a node on the LB name", () => {
        const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP6FIXqr58nUAjR0TV2k7vp4cup8ApYI1/rQ3xDoklDc";
        const base = { hostname: "idp.example.org", orgName: "o", city: "c", state: "s", countryCode: "US", adminEmail: "a@b.c", sshPrivateKey: "k" };
        assert.ok(validateGluuClusterArgs("gluu", { ...base, nodeCount: 1, region: "fra1", dropletImage: "x", adminCidrs: ["10.0.0.0/8"] }).some((x) => /`nodeCount` must be an integer ≥ 2/.test(x)));
        const p = validateGluuClusterArgs("gluu", {
            ...base,
            existingNodes: [
                { address: "idp.example.org", hostKey: key },
                { address: "idp.example.org", hostKey: key },
            ],
        });
        assert.ok(p.some((x) => /is used by another node/.test(x)), p.join("\n"));
        assert.ok(p.some((x) => /equals `hostname`/.test(x)), p.join("\n"));
        assert.ok(validateGluuClusterArgs("gluu", { ...base, nodeCount: 2, region: "fra1", dropletImage: "x" }).some((x) => /`adminCidrs` is required/.test(x)));
    });
});
