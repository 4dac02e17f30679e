// The resource graph of the real program for the shipped stacks, under mocks: types, names, parents,
// explicit edges, one source of truth for setup.properties, and secrets kept secret.
import * as assert from "assert";
import { createHash } from "crypto";
import { RecordedResource } from "../src/record";
import { byName, commands, mocks, recordConfig, stackConfig, strings, unwrap } from "./helpers/program";
import * as pulumi from "@pulumi/pulumi";
import { cloudNamePrefix, currentStackIdentity } from "../components/cloudNames";

function secretValues(): string[] {
    return [...mocks.secrets.entries()].filter(([, label]) => label !== "key-format-header").map(([v]) => v);
}

function stepsOn(resources: RecordedResource[], host: string): RecordedResource[] {
    return commands(resources).filter((r) => r.host === host);
}

/** Every resource a resource waits for, transitively, along explicit edges. */
function ancestors(resources: RecordedResource[], r: RecordedResource): Set<string> {
    const byUrn = new Map(resources.map((x) => [x.urn, x]));
    const seen = new Set<string>();
    const walk = (x: RecordedResource) => {
        for (const d of x.dependsOn) {
            if (!seen.has(d)) {
                seen.add(d);
                const dep = byUrn.get(d);
                if (dep) walk(dep);
            }
        }
    };
    walk(r);
    return seen;
}

for (const [stack, nodes] of [["dev", 2], ["prod", 3], ["byo", 3], ["ha", 3], ["byo-ha", 3]] as const) {
    describe(`the ${stack} stack (${nodes} nodes) under mocks`, () => {
        let resources: RecordedResource[];
        before(async () => {
            resources = await recordConfig(stackConfig(stack));
        });

        it("builds one GluuCluster with a GluuNode per node, named gluu-1…", () => {
            const cluster = resources.filter((r) => r.type === "gluu:index:GluuCluster");
            assert.strictEqual(cluster.length, 1);
            const gluuNodes = resources.filter((r) => r.type === "gluu:index:GluuNode");
            assert.deepStrictEqual(gluuNodes.map((n) => n.name), Array.from({ length: nodes }, (_, i) => `gluu-${i + 1}`));
            for (const n of gluuNodes) {
                assert.strictEqual(n.parent, cluster[0].urn, `${n.name} is a child of the cluster`);
            }
        });

        it("gives each node its steps as children: ready, base, Gluu package, install", () => {
            for (let i = 1; i <= nodes; i++) {
                const node = byName(resources, `gluu-${i}`);
                for (const role of ["ready", "base", "gluu-package", "install"]) {
                    const step = byName(resources, `gluu-${i}-${role}`);
                    assert.strictEqual(step.type, "command:remote:Command");
                    assert.strictEqual(step.parent, node.urn, `gluu-${i}-${role} is a child of gluu-${i}`);
                    assert.strictEqual(step.host, `gluu-${i}`);
                }
            }
        });

        it("has no remote step without an explicit edge to its host's earlier work", () => {
            for (const step of commands(resources)) {
                const droplets = resources.filter((r) => r.name === `${step.host}-droplet`);
                if (step.name.endsWith("-ready")) {
                    // The first step waits for the droplet; on an existing host there is nothing before it.
                    assert.deepStrictEqual(step.dependsOn, droplets.map((d) => d.urn), `${step.name} waits for its droplet`);
                    continue;
                }
                assert.ok(step.dependsOn.length > 0, `${step.name} has explicit dependsOn`);
                const ready = byName(resources, `${step.host}-ready`);
                assert.ok(ancestors(resources, step).has(ready.urn), `${step.name} waits (transitively) for ${step.host}-ready`);
            }
        });

        it("runs the steps in a fixed chain per node: ready → base → package → install", () => {
            for (let i = 1; i <= nodes; i++) {
                const [ready, base, pkg, install] = ["ready", "base", "gluu-package", "install"].map((r) => byName(resources, `gluu-${i}-${r}`));
                assert.deepStrictEqual(base.dependsOn, [ready.urn]);
                assert.deepStrictEqual(pkg.dependsOn, [base.urn]);
                assert.deepStrictEqual(install.dependsOn, [pkg.urn]);
            }
        });

        it("installs all nodes in parallel: no install waits for another node", () => {
            for (let i = 1; i <= nodes; i++) {
                const install = byName(resources, `gluu-${i}-install`);
                for (const a of ancestors(resources, install)) {
                    const r = resources.find((x) => x.urn === a)!;
                    if (r.type === "command:remote:Command") {
                        assert.strictEqual(r.host, `gluu-${i}`, `gluu-${i}-install waits only for its own host, not ${r.name}`);
                    }
                }
            }
        });

        it("renders setup.properties from one source of truth: identical on every node except `ip`", () => {
            const props = Array.from({ length: nodes }, (_, i) => String(unwrap(byName(resources, `gluu-${i + 1}-install`).inputs.stdin).value));
            const withoutIp = props.map((p) => p.replace(/^ip=.*$/m, "ip=<node>"));
            for (const p of withoutIp) {
                assert.strictEqual(p, withoutIp[0]);
            }
            const ips = props.map((p) => /^ip=(.*)$/m.exec(p)![1]);
            assert.strictEqual(new Set(ips).size, nodes, "each node has its own ip");
            const hostname = /^hostname=(.*)$/m.exec(props[0])![1];
            assert.strictEqual(hostname, JSON.parse(JSON.stringify(stackConfig(stack).hostname)), "every node is installed with the load balancer's FQDN");
            assert.match(props[0], /^listenAllInterfaces=True$/m);
            assert.match(props[0], /^encode_salt=[A-Za-z0-9]{24}$/m);
        });

        it("sends setup.properties on stdin as a secret, with logging off and outputs secret", () => {
            for (let i = 1; i <= nodes; i++) {
                const install = byName(resources, `gluu-${i}-install`);
                assert.ok(unwrap(install.inputs.stdin).secret, "stdin is a secret");
                assert.strictEqual(install.inputs.logging, "none");
                assert.strictEqual(install.inputs.addPreviousOutputInEnv, false);
            }
        });

        it("pins the host key on every connection and never spreads unknown fields into it", () => {
            const allowed = new Set(["host", "port", "user", "privateKey", "agentSocketPath", "hostKey", "dialErrorLimit", "perDialTimeout"]);
            for (const step of commands(resources)) {
                const conn = unwrap(step.inputs.connection).value;
                assert.match(String(unwrap(conn.hostKey).value), /^ssh-ed25519 AAAA[A-Za-z0-9+/=]+$/, `${step.name} pins a host key`);
                for (const k of Object.keys(conn)) {
                    assert.ok(allowed.has(k), `${step.name}: unexpected connection field ${k}`);
                }
                assert.strictEqual(step.inputs.addPreviousOutputInEnv, false, `${step.name}: addPreviousOutputInEnv false`);
                assert.strictEqual(step.inputs.environment, undefined, `${step.name}: no environment`);
            }
        });

        it("keeps every secret value out of command text and out of every unmarked input", () => {
            const secrets = secretValues();
            assert.ok(secrets.length >= 4, "the mocks produced secrets to look for");
            for (const r of resources) {
                for (const [field, value] of Object.entries(r.inputs)) {
                    const { secret } = unwrap(value);
                    const texts = strings(value);
                    const mustBeClean = !secret || ["create", "delete", "update"].includes(field);
                    if (!mustBeClean) continue;
                    for (const t of texts) {
                        for (const s of secrets) {
                            assert.ok(!t.includes(s), `${r.name}.${field} contains the secret ${mocks.secrets.get(s)} in clear`);
                        }
                    }
                }
            }
        });

        it("writes cluster member names into every node's /etc/hosts after its base step", () => {
            for (let i = 1; i <= nodes; i++) {
                const hosts = byName(resources, `gluu-${i}-hosts`);
                assert.deepStrictEqual(hosts.dependsOn, [byName(resources, `gluu-${i}-base`).urn]);
                const text = String(unwrap(hosts.inputs.create).value);
                for (let j = 1; j <= nodes; j++) {
                    assert.match(text, new RegExp(`^\\S+ gluu-${j}$`, "m"), `gluu-${i}'s hosts block names gluu-${j}`);
                }
            }
        });
    });
}

describe("droplet stacks", () => {
    it("generate an ED25519 login key and a host key per droplet (nodes, cache, LB), installed by cloud-init", async () => {
        const resources = await recordConfig(stackConfig("dev"));
        const keys = resources.filter((r) => r.type === "tls:index/privateKey:PrivateKey" && r.inputs.algorithm === "ED25519");
        assert.deepStrictEqual(keys.map((k) => k.name).sort(), ["gluu-1-host-key", "gluu-2-host-key", "gluu-cache-host-key", "gluu-lb-host-key", "gluu-login-key"]);
        const others = resources.filter((r) => r.type === "tls:index/privateKey:PrivateKey" && r.inputs.algorithm !== "ED25519");
        for (const k of others) {
            assert.deepStrictEqual([k.inputs.algorithm, k.inputs.ecdsaCurve], ["ECDSA", "P256"], `${k.name}: tunnel and CA keys are ECDSA P-256`);
        }
        const droplet = byName(resources, "gluu-1-droplet");
        const userData = unwrap(droplet.inputs.userData);
        assert.ok(userData.secret, "user data carries a private key: secret");
        assert.match(String(userData.value), /ed25519_private: \|\n\s+-----BEGIN OPENSSH PRIVATE KEY-----/);
        const doKey = resources.find((r) => r.type === "digitalocean:index/sshKey:SshKey")!;
        const blob = Buffer.from(String(doKey.inputs.publicKey).split(" ")[1], "base64");
        const fingerprint = createHash("md5").update(blob).digest("hex").match(/../g)!.join(":");
        assert.deepStrictEqual(droplet.inputs.sshKeys, [fingerprint], "the droplet trusts the generated login key");
    });

    it("open SSH only to admin CIDRs, 443 on members only to the LB, cluster ports only between members, 16379 on the cache only to members, the world only to the LB's 80/443", async () => {
        const resources = await recordConfig(stackConfig("prod"));
        const fw = resources.filter((r) => r.type === "digitalocean:index/firewall:Firewall");
        // Account-wide names carry the stack (components/cloudNames.ts).
        const P = cloudNamePrefix("gluu", currentStackIdentity(pulumi.getOrganization, pulumi.getProject(), pulumi.getStack()));
        assert.deepStrictEqual(fw.map((f) => [f.name, f.inputs.name, f.inputs.tags]).sort(), [
            ["gluu-cache", `${P}-cache`, [`${P}-cache`]],
            ["gluu-lb", `${P}-lb`, [`${P}-lb`]],
            ["gluu-members", `${P}-members`, [`${P}-member`]],
        ]);
        const rulesOf = (n: string): any[] => byName(fw, n).inputs.inboundRules;
        for (const f of fw) {
            const ssh = rulesOf(f.name).find((r) => r.portRange === "22");
            assert.deepStrictEqual(ssh.sourceAddresses, ["203.0.113.0/24", "198.51.100.7/32"], `${f.name}: SSH from admins only`);
        }
        for (const r of [...rulesOf("gluu-members"), ...rulesOf("gluu-cache")]) {
            assert.ok(!(r.sourceAddresses ?? []).includes("0.0.0.0/0"), `inbound ${r.portRange} is not open to the world`);
        }
        for (const port of ["1636", "4444", "8989", "30865"]) {
            const rule = rulesOf("gluu-members").find((r) => r.portRange === port);
            assert.deepStrictEqual(rule.sourceTags, [`${P}-member`], `port ${port} only from members`);
        }
        assert.ok(!rulesOf("gluu-members").some((r) => r.portRange === "16379"), "members do not listen on 16379 (their tunnel end is loopback)");
        assert.deepStrictEqual(rulesOf("gluu-members").find((r) => r.portRange === "443").sourceTags, [`${P}-lb`]);
        assert.deepStrictEqual(rulesOf("gluu-cache").find((r) => r.portRange === "16379").sourceTags, [`${P}-member`]);
        const world = rulesOf("gluu-lb").filter((r) => (r.sourceAddresses ?? []).includes("0.0.0.0/0")).map((r) => r.portRange);
        assert.deepStrictEqual(world.sort(), ["443", "80"]);
    });

    it("re-running the same config registers identical inputs (no churn)", async () => {
        const a = await recordConfig(stackConfig("prod"));
        const b = await recordConfig(stackConfig("prod"));
        assert.deepStrictEqual(
            b.map((r) => [r.urn, r.inputs, r.dependsOn]),
            a.map((r) => [r.urn, r.inputs, r.dependsOn]),
        );
    });

    it("changing the droplet size changes only the droplet (the install does not re-run)", async () => {
        const before = await recordConfig(stackConfig("dev"));
        const after = await recordConfig({ ...stackConfig("dev"), dropletSize: "s-8vcpu-16gb" });
        const changed = after.filter((r) => JSON.stringify(r.inputs) !== JSON.stringify(before.find((x) => x.urn === r.urn)?.inputs)).map((r) => r.name);
        assert.deepStrictEqual(changed.sort(), ["gluu-1-droplet", "gluu-2-droplet"]);
    });
});
