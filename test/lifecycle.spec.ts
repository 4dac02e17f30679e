// What a real engine and DigitalOcean do over a cluster's life that the first mocks did not show: account-wide
// names, creation-only droplet inputs, retained droplets, the SSH dial budget, secret exports that fail, and
// outputs the engine would store as secrets.
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { CLOUD_PREFIX_MAX, cloudNamePrefix, cloudNames, currentStackIdentity } from "../components/cloudNames";
import { GluuCluster, GluuClusterArgs, validateGluuClusterArgs } from "../components/gluuCluster";
import { CREATION_ONLY_DROPLET_INPUTS, DROPLET_DIAL, dialWaitSeconds } from "../components/machine";
import { profileFor } from "../components/profiles";
import { certsExportScript, httpdCertExportScript } from "../components/render/certs";
import { retireArmedScript, retireScript } from "../components/render/retire";
import { RecordedResource } from "../src/record";
import { loginShellCommand, stepScript } from "../components/remoteStep";
import { byName, commands, mocks, recordComponent, recordConfig, stackConfig, unwrap } from "./helpers/program";
import { assertShellcheckClean } from "./helpers/shellcheck";

const DROPLETS: GluuClusterArgs = {
    hostname: "idp.example.org",
    version: "4.5",
    orgName: "Example",
    city: "Austin",
    state: "TX",
    countryCode: "US",
    adminEmail: "admin@example.org",
    nodeCount: 3,
    region: "fra1",
    dropletImage: "ubuntu-22-04-x64",
    adminCidrs: ["203.0.113.0/24"],
    repoUser: "u",
    repoPassword: "repo-password-1",
};

/** Record a cluster and the resource options every child was registered with. */
async function recordWithOptions(args: GluuClusterArgs): Promise<{ rs: RecordedResource[]; opts: Map<string, pulumi.CustomResourceOptions> }> {
    const opts = new Map<string, pulumi.CustomResourceOptions>();
    const rs = await recordComponent(
        (o) =>
            new GluuCluster("gluu", args, {
                ...o,
                transformations: [
                    ...(o.transformations ?? []),
                    (t) => {
                        // Names repeat across types (`gluu-lb` is a tag, a firewall and a host): the first custom one wins.
                        if (!opts.has(t.name) || t.type.startsWith("digitalocean:index/tag")) opts.set(t.name, t.opts as pulumi.CustomResourceOptions);
                        return undefined;
                    },
                ],
            }),
    );
    return { rs, opts };
}

describe("account-wide DigitalOcean names", () => {
    const id = (stack: string, project = "gluu", organization = "acme") => ({ organization, project, stack });

    it("differ between stacks, also when cluster and stack names run together the same way", () => {
        assert.notStrictEqual(cloudNamePrefix("gluu", id("dev")), cloudNamePrefix("gluu", id("prod")));
        // The readable parts are equal here ("gluu-a-b"): only the hash tells them apart.
        const a = cloudNamePrefix("gluu", id("a-b"));
        const b = cloudNamePrefix("gluu-a", id("b"));
        assert.notStrictEqual(a, b);
        assert.notStrictEqual(cloudNamePrefix("gluu", id("Dev")), cloudNamePrefix("gluu", id("dev")), "stack names are case-sensitive");
        assert.notStrictEqual(cloudNamePrefix("gluu", id("dev", "other")), cloudNamePrefix("gluu", id("dev")), "another project");
        assert.notStrictEqual(cloudNamePrefix("gluu", id("dev", "gluu", "other-org")), cloudNamePrefix("gluu", id("dev")), "another organization");
        assert.strictEqual(cloudNamePrefix("gluu", id("dev")), cloudNamePrefix("gluu", id("dev")), "stable");
    });

    it("stay within DigitalOcean's character sets and a 63-character label, whatever the stack is called", () => {
        for (const stack of ["dev", "Prod_EU.1", "x".repeat(200), "---", "ä"]) {
            const prefix = cloudNamePrefix("gluu-cluster-with-a-long-name", id(stack));
            assert.ok(prefix.length <= CLOUD_PREFIX_MAX, `${prefix} fits`);
            for (const n of Object.values(cloudNames(prefix))) {
                assert.match(n, /^[a-z0-9][a-z0-9-]{0,62}$/, `${n}: letters, digits and dashes (VPC names, tags and firewalls all take those)`);
            }
        }
    });

    it("are what the program registers: the VPC, tags, firewalls and login key carry the stack; nothing is named plain `gluu-…`", async () => {
        const { rs } = await recordWithOptions(DROPLETS);
        const prefix = cloudNamePrefix("gluu", currentStackIdentity(pulumi.getOrganization, pulumi.getProject(), pulumi.getStack()));
        assert.match(prefix, /^gluu-test-[0-9a-f]{6}$/);
        const named = rs.filter((r) => /^digitalocean:index\/(vpc|tag|firewall|sshKey):/.test(r.type));
        assert.strictEqual(named.length, 1 + 3 + 3 + 1);
        for (const r of named) {
            assert.ok(String(r.inputs.name).startsWith(`${prefix}-`), `${r.type} ${r.inputs.name} carries the stack`);
        }
        const memberTag = `${prefix}-member`;
        assert.deepStrictEqual(byName(rs, "gluu-1-droplet").inputs.tags, [memberTag]);
        assert.deepStrictEqual(byName(rs, "gluu-members").inputs.tags, [memberTag]);
    });

    it("refuses an extra tag that looks like a cluster role tag (it could join another stack's firewall)", () => {
        const problems = validateGluuClusterArgs("gluu", { ...DROPLETS, tags: ["team-a", "gluu-prod-1a2b3c-member"] });
        assert.ok(problems.some((p) => p.includes("`tags[1]`") && p.includes("role tag")), problems.join("\n"));
        assert.ok(!problems.some((p) => p.includes("`tags[0]`")));
    });
});

describe("droplet inputs read only at creation, and the rebuild opt-in", () => {
    it("ignores image, user data, login keys and monitoring (monitoring is ForceNew too) unless the node is named in `rebuildNodes`", async () => {
        assert.ok(CREATION_ONLY_DROPLET_INPUTS.includes("monitoring"));
        const { opts } = await recordWithOptions({ ...DROPLETS, rebuildNodes: ["gluu-2", "gluu-cache"] });
        assert.deepStrictEqual(opts.get("gluu-1-droplet")!.ignoreChanges, CREATION_ONLY_DROPLET_INPUTS);
        assert.deepStrictEqual(opts.get("gluu-3-droplet")!.ignoreChanges, CREATION_ONLY_DROPLET_INPUTS);
        assert.deepStrictEqual(opts.get("gluu-lb-droplet")!.ignoreChanges, CREATION_ONLY_DROPLET_INPUTS);
        assert.deepStrictEqual(opts.get("gluu-2-droplet")!.ignoreChanges, [], "gluu-2 takes the current image on the next up");
        assert.deepStrictEqual(opts.get("gluu-cache-droplet")!.ignoreChanges, []);
    });

    it("gluu:rebuildNodes in a stack reaches the droplets", async () => {
        const rs = await recordConfig({ ...stackConfig("dev"), rebuildNodes: '["gluu-2"]' });
        assert.deepStrictEqual(byName(rs, "gluu-2-droplet").options?.ignoreChanges ?? [], []);
        assert.deepStrictEqual(byName(rs, "gluu-1-droplet").options?.ignoreChanges, CREATION_ONLY_DROPLET_INPUTS);
    });

    it("refuses to rebuild the primary, an unknown machine, or existing hosts, by field", () => {
        const p = (extra: Partial<GluuClusterArgs>) => validateGluuClusterArgs("gluu", { ...DROPLETS, ...extra });
        assert.ok(p({ rebuildNodes: ["gluu-1"] }).some((x) => x.includes("`rebuildNodes[0]`") && x.includes("primary")));
        assert.deepStrictEqual(p({ rebuildNodes: ["gluu-1"], primaryNode: "gluu-2" }), []);
        assert.ok(p({ rebuildNodes: ["gluu-9"] }).some((x) => x.includes("`rebuildNodes[0]`") && x.includes("gluu-1, gluu-2, gluu-3, gluu-cache, gluu-lb")));
    });
});

describe("retained droplets leave the cluster for real", () => {
    it("with `retainDroplets`: each kept droplet has a retire step whose delete stops the services and removes its tunnel keys, re-armed by a new droplet; the VPC, tags and firewalls are kept too", async () => {
        const { rs, opts } = await recordWithOptions({ ...DROPLETS, retainDroplets: true });
        for (const host of ["gluu-1", "gluu-2", "gluu-3", "gluu-cache"]) {
            const step = byName(rs, `${host}-retire`);
            assert.strictEqual(stepScript(unwrap(step.inputs.delete).value), retireScript(host));
            assert.deepStrictEqual(step.inputs.triggers, [`${host}-droplet-id`], "a replaced droplet retires the old one");
            assert.ok(opts.get(`${host}-retire`)!.deleteBeforeReplace, "the old droplet is retired before the new one is armed");
            assert.strictEqual(opts.get(`${host}-droplet`)!.retainOnDelete, true);
        }
        assert.ok(!rs.some((r) => r.name === "gluu-lb-retire"), "the load balancer holds nothing worth keeping");
        for (const n of ["gluu-vpc", "gluu-member", "gluu-lb", "gluu-members"]) {
            assert.strictEqual(opts.get(n)!.retainOnDelete, true, `${n} outlives a destroy with the kept droplets in it`);
        }
    });

    it("without it: no retire step, and the network goes with the stack", async () => {
        const { rs, opts } = await recordWithOptions(DROPLETS);
        assert.ok(!commands(rs).some((r) => r.name.endsWith("-retire")));
        assert.ok(!opts.get("gluu-vpc")!.retainOnDelete);
    });

    it("the retire scripts pass shellcheck", () => {
        assertShellcheckClean("retire", retireScript("gluu-2"));
        assertShellcheckClean("retire armed", retireArmedScript("gluu-2"));
    });
});

describe("the SSH dial budget of a fresh droplet", () => {
    it("waits about ten minutes of refused dials (the old limit of 40 gave up after under three)", () => {
        const budget = dialWaitSeconds(DROPLET_DIAL.dialErrorLimit);
        assert.ok(budget >= 9 * 60 && budget <= 11 * 60, `${budget} s`);
        assert.ok(dialWaitSeconds(40) < 170, "the review's 161 s for 40");
    });
});

describe("secret exports print nothing when they fail", () => {
    // A failed step's error text carries its whole stdout (pulumi/pulumi-command@v1.2.1:
    // provider/pkg/provider/remote/commandOutputs.go): a failure after the secret started streaming leaks it.
    function runWithFailingGzip(scriptText: string, root: string): { status: number | null; stdout: string } {
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "gluu-fake-bin-"));
        // gzip that writes part of its output and then fails, as a full disk or a killed pipe would.
        fs.writeFileSync(path.join(bin, "gzip"), "#!/bin/bash\nhead -c 64 | /bin/gzip -n\nexit 1\n", { mode: 0o755 });
        const file = path.join(bin, "step.sh");
        fs.writeFileSync(file, scriptText.replace(/^gluu_root=.*$/m, `gluu_root=${root}`));
        const r = spawnSync("bash", [file], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: "utf8" });
        fs.rmSync(bin, { recursive: true, force: true });
        return { status: r.status, stdout: r.stdout };
    }

    it("certs export: a failing archive exits non-zero with an empty stdout", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "gluu-root-"));
        fs.mkdirSync(path.join(root, "etc/certs"), { recursive: true });
        fs.writeFileSync(path.join(root, "etc/certs/httpd.key"), "-----BEGIN PRIVATE KEY-----\nsecret-key-material\n".repeat(50));
        const r = runWithFailingGzip(certsExportScript(profileFor("4.5")), root);
        fs.rmSync(root, { recursive: true, force: true });
        assert.notStrictEqual(r.status, 0);
        assert.strictEqual(r.stdout, "", "nothing of the archive reached stdout");
    });

    it("certs and httpd exports print their secret only as the last command of the script", () => {
        for (const text of [certsExportScript(profileFor("3.1.6")), httpdCertExportScript(profileFor("4.5"))]) {
            const last = text.trim().split("\n").pop()!;
            assert.match(last, /^(base64 -w0|cat) "\$out_dir\/[a-z.]+"$/, last);
        }
    });

    it("certs export still works: the archive holds the container's /etc/certs", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "gluu-root-"));
        fs.mkdirSync(path.join(root, "etc/certs"), { recursive: true });
        fs.writeFileSync(path.join(root, "etc/certs/httpd.crt"), "cert");
        const file = path.join(root, "step.sh");
        fs.writeFileSync(file, certsExportScript(profileFor("4.5")).replace(/^gluu_root=.*$/m, `gluu_root=${root}`));
        const out = execFileSync("bash", [file], { encoding: "utf8" });
        const listing = execFileSync("tar", ["-tzf", "-"], { input: Buffer.from(out, "base64"), encoding: "utf8" });
        fs.rmSync(root, { recursive: true, force: true });
        assert.match(listing, /^etc\/certs\/httpd\.crt$/m);
    });
});

describe("outputs the engine stores", () => {
    it("cacheHealth is plain PONG per node, although the health step reads the password (its stdout is secret)", async () => {
        mocks.stdoutOverride = (name) => (name.endsWith("-redis-health") ? "PONG\n" : undefined);
        try {
            let cluster: GluuCluster | undefined;
            await recordComponent((o) => (cluster = new GluuCluster("gluu", DROPLETS, o)));
            const health = cluster!.cacheHealth as any;
            assert.strictEqual(await health.isSecret, false);
            assert.deepStrictEqual(await health.promise(), { "gluu-1": "PONG", "gluu-2": "PONG", "gluu-3": "PONG" });
        } finally {
            mocks.stdoutOverride = undefined;
        }
    });
});

describe("passwords Gluu really uses", () => {
    const EXISTING_316: GluuClusterArgs = {
        ...DROPLETS,
        version: "3.1.6",
        nodeCount: undefined,
        region: undefined,
        dropletImage: undefined,
        adminCidrs: undefined,
        repoUser: undefined,
        repoPassword: undefined,
        existingNodes: ["10.9.0.11", "10.9.0.12"].map((address, i) => ({ address, hostKey: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijkl"[i]}${"A".repeat(42)}` })),
        cacheHost: { address: "10.9.0.21", hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
        lbHost: { address: "10.9.0.22", hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB" },
        sshPrivateKey: "login-key-stand-in",
    };

    it("3.1.6: the admin password output is the Directory Manager password (setup.py never reads oxtrust_admin_password)", async () => {
        let cluster: GluuCluster | undefined;
        await recordComponent((o) => (cluster = new GluuCluster("gluu", { ...EXISTING_316, ldapPassword: "Dm-Pass-1234" }, o)));
        assert.strictEqual(await (cluster!.adminPassword as any).promise(), "Dm-Pass-1234");
        assert.strictEqual(await (cluster!.adminPassword as any).isSecret, true);
    });

    it("3.1.6: refuses `adminPassword` by field, and says to set `ldapPassword`", () => {
        const problems = validateGluuClusterArgs("gluu", { ...EXISTING_316, adminPassword: "Admin-Pass-1" });
        assert.ok(problems.some((p) => p.startsWith("`adminPassword` has no effect with Gluu 3.1.6") && p.includes("`ldapPassword`")), problems.join("\n"));
        assert.deepStrictEqual(validateGluuClusterArgs("gluu", { ...DROPLETS, adminPassword: "Admin-Pass-1" }), [], "4.5 uses it");
    });

    it("every node's setup gets the same LDAP truststore password (the primary's opendj.pkcs12 is copied to all), generated and secret", async () => {
        let cluster: GluuCluster | undefined;
        const rs = await recordComponent((o) => (cluster = new GluuCluster("gluu", DROPLETS, o)));
        assert.ok(rs.some((r) => r.name === "gluu-ldap-truststore-password" && r.type === "random:index/randomPassword:RandomPassword"));
        const setup = await (cluster!.setup as any).promise();
        assert.match(setup.ldapTruststorePassword, /^[A-Za-z0-9]{24}$/);
        assert.strictEqual(await (cluster!.setup as any).isSecret, true);
        for (const n of ["gluu-1", "gluu-2", "gluu-3"]) {
            assert.ok(String(unwrap(byName(rs, `${n}-install`).inputs.stdin).value).includes(`=${setup.ldapTruststorePassword}`), `${n} installs with it`);
        }
    });
});

describe("the command a step's SSH session runs", () => {
    // sshd runs the command with the login user's shell (`$SHELL -c`): dash or sh must run our bash scripts too.
    const body = [
        "#!/usr/bin/env bash",
        "set -euo pipefail",
        "words=(a 'b c')",
        'IFS= read -r secret',
        'printf "%s|%s|%s\\n" "${#words[@]}" "${BASH_VERSION:+bash}" "${#secret}"',
        "echo 'quotes \" and $(not run) stay literal'",
        "GLUU_EOF",
    ].join("\n").replace("GLUU_EOF", "# GLUU_EOF is not a delimiter here") + "\nGLUU_EOF_x=1; echo \"$GLUU_EOF_x\"\n";

    for (const shell of ["dash", "sh", "bash"]) {
        it(`runs the script under bash, stdin untouched, from a ${shell} login shell`, () => {
            const r = spawnSync(shell, ["-c", loginShellCommand("root", body)], { input: "s3cret\n", encoding: "utf8" });
            assert.strictEqual(r.status, 0, r.stderr);
            assert.strictEqual(r.stdout, "2|bash|6\nquotes \" and $(not run) stay literal\n1\n");
        });
    }

    it("keeps the script byte for byte (the plan shows it, shellcheck reads it), also for a sudo user", () => {
        for (const user of ["root", "deploy"]) {
            const command = loginShellCommand(user, body);
            assert.strictEqual(stepScript(command), body);
            assert.ok(command.includes(user === "root" ? '\nbash -c "$(cat' : '\nsudo -n -- bash -c "$(cat'));
        }
        const tricky = "echo x\nGLUU_EOF\necho y\n";
        assert.strictEqual(stepScript(loginShellCommand("root", tricky)), tricky, "a body line equal to the delimiter picks another");
    });
});
