// Construct through the component provider (issue 11): every component of the package schema, with inputs in the
// form the pulumi/pulumi v3.248.0 engine sends them (test/helpers/construct.ts says which upstream code each part
// follows), checked for its children, secrets never in clear, and the dependencies of its hosts on every remote
// step. Hosts take the three shapes the engine produces (hostWire below).
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import "./setup";
import { mocks } from "./setup";
import { mockEd25519 } from "../src/mocks";
import { opensslPair } from "./helpers/pki";
import { COMMAND, Constructed, Ref, Seen, callerStep, clearText, construct, engineInputs, isSecretValue, ov, promiseOf, provider, recordRegistrations, ref, secretSig, settle, waitForRPCs } from "./helpers/construct";

const LOGIN_KEY = mockEd25519("construct spec login").privateKeyOpenssh;
const dropletUrn = (name: string) => `urn:pulumi:test::gluu::digitalocean:index/droplet:Droplet::${name}-droplet`;

interface HostSpec {
    name: string;
    ip: string;
    base: Ref;
}
/**
 * The three shapes a host takes on the wire:
 * - `outputs`: what a Python or YAML program sends for a host built from a GluuNode's outputs and a secret key: its
 *   addresses and key are output values inside a plain object (the provider server passes it on as it is), and
 *   `readyAfter` holds the node's `install` output, an output value around a resource reference.
 * - `agent`: plain strings and an ssh-agent login; its only dependency is its `readyAfter` reference, so
 *   deserializeInputs hands the component ONE Output of the whole host.
 * - `whole`: the host as one secret output value (an `apply` result or YAML `fn::secret`): one secret Output.
 */
type Shape = "outputs" | "agent" | "whole";
function hostWire(h: HostSpec, shape: Shape): Record<string, unknown> {
    const hostKey = mockEd25519(`host ${h.name}`).publicKeyOpenssh.trim();
    const deps = [dropletUrn(h.name)];
    switch (shape) {
        case "outputs":
            return {
                name: h.name,
                publicAddress: ov(h.ip, { deps }),
                privateAddress: ov(h.ip, { deps }),
                ssh: { host: ov(h.ip, { deps }), user: "root", privateKey: ov(LOGIN_KEY, { secret: true }), hostKey },
                readyAfter: [ov(ref(h.base), { deps: [h.base.urn] })],
            };
        case "agent":
            return { name: h.name, publicAddress: h.ip, privateAddress: h.ip, ssh: { host: h.ip, agentSocketPath: "/run/ssh-agent.sock", hostKey }, readyAfter: [ref(h.base)] };
        case "whole":
            return ov(
                { name: h.name, publicAddress: h.ip, privateAddress: h.ip, ssh: { host: h.ip, user: "root", privateKey: LOGIN_KEY, hostKey }, readyAfter: [ref(h.base)] },
                { secret: true, deps },
            );
    }
}

/** Common checks: children under the component; the login key only ever inside a secret; key-based steps carry it as one. */
function checkChildrenAndKey(c: Constructed, type: string): void {
    assert.match(c.urn, new RegExp(`::gluu:index:${type}::`));
    const mine = c.seen.filter((s) => s.parent && s.type !== `gluu:index:${type}`);
    assert.ok(mine.length > 0, "the construct registered children");
    for (const s of c.seen.filter((x) => x.type !== `gluu:index:${type}`)) {
        assert.match(s.parent, new RegExp(`gluu:index:${type}`), `${s.type} ${s.name} is under the component`);
        assert.deepEqual(clearText(s.obj, LOGIN_KEY.split("\n")[1]), [], `${s.name}: the SSH private key never in clear`);
    }
    for (const [n, s] of c.steps) {
        const conn = connectionOf(s);
        if ("privateKey" in conn.value) {
            assert.ok(conn.secret, `${n}: the connection with the private key is secret`);
            assert.equal(conn.value.privateKey, LOGIN_KEY, `${n}: the key reaches the connection`);
        }
    }
}

/**
 * A step's connection as registered. pulumi-command makes the whole connection secret whatever it holds
 * (pulumi/pulumi-command@v1.2.1 sdk/nodejs/remote/command.ts: `resourceInputs["connection"] = pulumi.secret(...)`),
 * so whether a host field stays secret shows in the other inputs (`create`), not here.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const connectionOf = (s: Seen): { value: any; secret: boolean } =>
    isSecretValue(s.obj.connection) ? { value: s.obj.connection.value, secret: true } : { value: s.obj.connection ?? {}, secret: false };

/**
 * The steps on host `h` exist, wait for its `readyAfter` step and for what its addresses came from (an implicit
 * dependency through the connection), log in as the shape says, and keep only the real secrets secret: the script
 * of a step on a host sent as one secret value is not secret for it.
 */
function checkHostSteps(c: Constructed, h: HostSpec, shape: Shape, expected: string[]): void {
    for (const n of expected) {
        assert.ok(c.steps.has(n), `step ${n} (have ${[...c.steps.keys()].join(", ")})`);
    }
    const onHost = [...c.steps.values()].filter((s) => connectionOf(s).value.host === h.ip);
    assert.ok(onHost.length >= Math.max(1, expected.length), `steps connect to ${h.name}`);
    for (const s of onHost) {
        const conn = connectionOf(s);
        assert.ok(conn.secret, `${s.name}: the connection is secret`);
        assert.ok(s.deps.includes(h.base.urn), `${s.name} depends on ${h.name}'s readyAfter step`);
        assert.equal(conn.value.hostKey, mockEd25519(`host ${h.name}`).publicKeyOpenssh.trim());
        if (shape === "agent") {
            assert.equal(conn.value.agentSocketPath, "/run/ssh-agent.sock");
            assert.ok(!("privateKey" in conn.value), `${s.name}: an agent login sends no key`);
        } else {
            assert.equal(conn.value.privateKey, LOGIN_KEY);
            assert.ok(s.deps.includes(dropletUrn(h.name)), `${s.name} depends on ${h.name}'s droplet (${s.deps.join(", ")})`);
            assert.ok((s.propDeps.connection ?? []).includes(dropletUrn(h.name)), `${s.name}: its connection depends on the droplet`);
        }
        assert.ok(!isSecretValue(s.obj.create), `${s.name}: the script is not secret (only the real secrets are)`);
    }
}

describe("component package: Construct through the provider (mock monitor)", function () {
    this.timeout(120_000);
    beforeEach(() => mocks.reset());
    const ca = opensslPair("Gluu construct spec CA");

    it("GluuCluster on droplets: plain and secret inputs as the engine sends them; children under the component", async () => {
        const c = await construct("GluuCluster", "gluu", {
            hostname: "idp.example.org",
            version: "4.5",
            orgName: "Example Inc.",
            city: "Austin",
            state: "TX",
            countryCode: "US",
            adminEmail: "admin@example.org",
            nodeCount: 2,
            region: "fra1",
            dropletImage: "ubuntu-22-04-x64",
            adminCidrs: ["203.0.113.0/24"],
            sshKeyFingerprints: ["aa:bb"],
            sshPrivateKey: ov(LOGIN_KEY, { secret: true }),
            repoUser: "me",
            repoPassword: ov("repo-password-123", { secret: true }),
        });
        assert.equal(c.state.adminUrl, "https://idp.example.org/identity");
        assert.equal((c.state.nodeAddresses as string[]).length, 2);
        assert.ok(!("nodes" in c.state) && !("balancer" in c.state), "TypeScript-only getters are not outputs");
        const droplets = c.seen.filter((s) => s.type === "digitalocean:index/droplet:Droplet");
        assert.ok(droplets.length >= 3, "two nodes and the cache (and the LB)");
        checkChildrenAndKey(c, "GluuCluster");
        for (const s of c.seen) assert.deepEqual(clearText(s.obj, "repo-password-123"), [], `${s.name}: repo password never in clear`);
        assert.ok([...c.steps.values()].some((s) => s.deps.some((d) => /command:remote:Command::/.test(d))), "commands wait for commands");
    });

    it("GluuNode on an existing host: its address's dependencies and the secret key reach every step", async () => {
        const deps = [dropletUrn("gluu-1")];
        const setup = {
            hostname: "idp.example.org", orgName: "Example Inc.", city: "Austin", state: "TX", countryCode: "US", adminEmail: "admin@example.org",
            ldapPassword: "Ldap-pass-123", adminPassword: "Admin-pass-123", encodeSalt: "0123456789abcdefghijklmn", openidKeystorePassword: "Keystore-pass-1",
            baseInum: "@!1111.2222.3333.4444", inumOrg: "@!1111.2222.3333.4444!0001!AAAA", inumAppliance: "@!1111.2222.3333.4444!0002!BBBB",
        };
        const c = await construct("GluuNode", "gluu-1", {
            existingAddress: ov("192.0.2.11", { deps }),
            hostKey: mockEd25519("host gluu-1").publicKeyOpenssh.trim(),
            sshPrivateKey: ov(LOGIN_KEY, { secret: true }),
            setup: ov(setup, { secret: true }),
        });
        checkChildrenAndKey(c, "GluuNode");
        for (const n of ["gluu-1-ready", "gluu-1-base", "gluu-1-gluu-package", "gluu-1-install"]) {
            const s = c.steps.get(n);
            assert.ok(s, n);
            assert.ok(s.deps.includes(deps[0]), `${n} depends on the address's droplet`);
        }
        assert.ok(isSecretValue(c.steps.get("gluu-1-install")!.obj.stdin), "setup.properties on secret stdin");
        for (const s of c.seen) assert.deepEqual(clearText(s.obj, "Ldap-pass-123"), [], `${s.name}: the LDAP password never in clear`);
        assert.equal(c.state.publicIp, "192.0.2.11");
    });

    it("ServiceHost and ClusterCa", async () => {
        const sh = await construct("ServiceHost", "cache", {
            existingAddress: "192.0.2.20",
            hostKey: mockEd25519("host cache").publicKeyOpenssh.trim(),
            sshPrivateKey: ov(LOGIN_KEY, { secret: true }),
        });
        checkChildrenAndKey(sh, "ServiceHost");
        assert.deepEqual([...sh.steps.keys()].sort(), ["cache-base", "cache-ready"]);
        mocks.reset();
        const c = await construct("ClusterCa", "cluster-ca", { organization: "Example Inc." });
        assert.match(String(c.state.certPem), /BEGIN CERTIFICATE/);
        assert.deepEqual(Object.keys(c.state), ["certPem"], "no private key output");
        assert.ok(c.seen.some((s) => s.type === "tls:index/privateKey:PrivateKey"));
    });

    it("LdapCacheConfig: the host as one secret value, `after` as references; its step waits for both", async () => {
        const h = { name: "gluu-1", ip: "192.0.2.11", base: await callerStep("gluu-1-install-ext") };
        const before = await callerStep("repl-init-ext");
        const wire = {
            host: hostWire(h, "whole"),
            version: "4.5",
            directoryManagerPassword: ov("ldap-password-123", { secret: true }),
            redisPassword: ov("redis-password-123", { secret: true }),
            encodeSalt: ov("0123456789abcdefghijklmn", { secret: true }),
            idpServers: ["192.0.2.11:1636", ov("192.0.2.12:1636", { deps: [dropletUrn("gluu-2")] })],
            after: [ref(before)],
        };
        // What the component would get without the provider's adapter: the whole host as one secret Output, `after`
        // as one Output of the references (isResourceReference recognises a single reference only).
        const raw = await engineInputs(wire);
        assert.ok(pulumi.Output.isInstance(raw.host) && (await pulumi.isSecret(raw.host)), "host arrives as one secret Output");
        assert.ok(pulumi.Output.isInstance(raw.after), "after arrives as one Output");
        const afterValue = await promiseOf(raw.after);
        assert.ok(afterValue[0] instanceof command.remote.Command, "the reference is rehydrated as a command.remote.Command");

        const c = await construct("LdapCacheConfig", "ldap-cache", wire);
        checkChildrenAndKey(c, "LdapCacheConfig");
        checkHostSteps(c, h, "whole", ["gluu-1-ldap-cache-config"]);
        const step = c.steps.get("gluu-1-ldap-cache-config")!;
        assert.ok(step.deps.includes(before.urn), "the step depends on the `after` reference");
        assert.ok(!isSecretValue(step.obj.create), "the script (addresses only) is not secret");
        assert.match(String(step.obj.create), /192\.0\.2\.12:1636/);
        assert.ok(isSecretValue(step.obj.stdin));
        assert.match(String(c.state.revision), /^[0-9a-f]{16,}$/);
    });

    it("SecureRedis: cache host as one Output (agent login), clients as output values and as one secret value", async () => {
        const cache = { name: "cache", ip: "192.0.2.20", base: await callerStep("cache-base-ext") };
        const g1 = { name: "gluu-1", ip: "192.0.2.11", base: await callerStep("gluu-1-base-ext") };
        const g2 = { name: "gluu-2", ip: "192.0.2.12", base: await callerStep("gluu-2-base-ext") };
        const c = await construct("SecureRedis", "redis", {
            cacheHost: hostWire(cache, "agent"),
            clients: [hostWire(g1, "outputs"), hostWire(g2, "whole")],
            caCertPem: ca.cert,
            caPrivateKeyPem: ov(ca.key, { secret: true }),
            port: 16379,
        });
        checkChildrenAndKey(c, "SecureRedis");
        checkHostSteps(c, cache, "agent", ["cache-redis"]);
        checkHostSteps(c, g1, "outputs", ["gluu-1-stunnel-client", "gluu-1-redis-health"]);
        checkHostSteps(c, g2, "whole", ["gluu-2-stunnel-client", "gluu-2-redis-health"]);
        const caLine = ca.key.split("\n")[1];
        for (const s of c.seen) assert.deepEqual(clearText(s.obj, caLine), [], `${s.name}: the CA key never in clear`);
        assert.equal(c.state.address, "localhost:16379");
    });

    it("Csync2Mesh: nodes in all three shapes, initialSyncAfter references", async () => {
        const hosts = [
            { name: "gluu-1", ip: "192.0.2.11", base: await callerStep("gluu-1-base-ext") },
            { name: "gluu-2", ip: "192.0.2.12", base: await callerStep("gluu-2-base-ext") },
            { name: "gluu-3", ip: "192.0.2.13", base: await callerStep("gluu-3-base-ext") },
        ];
        const shapes: Shape[] = ["outputs", "agent", "whole"];
        const install = await callerStep("gluu-1-install-ext");
        const c = await construct("Csync2Mesh", "csync2", {
            nodes: hosts.map((h, i) => hostWire(h, shapes[i])),
            version: "4.5",
            caCertPem: ca.cert,
            caPrivateKeyPem: ov(ca.key, { secret: true }),
            initialSyncAfter: [ref(install)],
        });
        checkChildrenAndKey(c, "Csync2Mesh");
        hosts.forEach((h, i) => checkHostSteps(c, h, shapes[i], [`${h.name}-csync2`, `${h.name}-csync2-transport`, `${h.name}-csync2-cron`]));
        assert.ok(c.steps.get("gluu-1-csync2-first-sync")!.deps.includes(install.urn), "the first sync waits for initialSyncAfter");
        assert.match(String(c.state.config), /host gluu-1 gluu-2 gluu-3|host gluu-1/);
    });

    it("OpenDjReplication: a secret whole host and an output-value host", async () => {
        const hosts = [
            { name: "gluu-1", ip: "192.0.2.11", base: await callerStep("gluu-1-install-ext") },
            { name: "gluu-2", ip: "192.0.2.12", base: await callerStep("gluu-2-install-ext") },
        ];
        const c = await construct("OpenDjReplication", "replication", {
            nodes: [hostWire(hosts[0], "whole"), hostWire(hosts[1], "outputs")],
            version: "4.5",
            directoryManagerPassword: ov("ldap-password-123", { secret: true }),
        });
        checkChildrenAndKey(c, "OpenDjReplication");
        checkHostSteps(c, hosts[0], "whole", ["gluu-1-opendj-prep", "gluu-1-repl-init", "gluu-1-repl-status"]);
        checkHostSteps(c, hosts[1], "outputs", ["gluu-2-opendj-prep", "gluu-2-opendj-keys"]);
        for (const s of c.seen) assert.deepEqual(clearText(s.obj, "ldap-password-123"), [], `${s.name}: the password never in clear`);
    });

    it("NginxBalancer: the LB host as one Output, backends with output addresses, install/health edges", async () => {
        const lb = { name: "lb", ip: "192.0.2.30", base: await callerStep("lb-base-ext") };
        const exportStep = await callerStep("gluu-1-httpd-cert-export-ext");
        const restart = await callerStep("gluu-1-restart-ext");
        const pair = opensslPair("idp.example.org");
        const c = await construct("NginxBalancer", "balancer", {
            hostname: "idp.example.org",
            version: "4.5",
            backends: [
                { name: "gluu-1", address: ov("10.0.0.11", { deps: [dropletUrn("gluu-1")] }) },
                { name: "gluu-2", address: "10.0.0.12", port: 443 },
            ],
            lbHost: hostWire(lb, "agent"),
            certificatePem: pair.cert,
            privateKeyPem: ov(pair.key, { secret: true }),
            backendCaPem: pair.cert,
            installAfter: [ref(exportStep)],
            healthAfter: [ref(restart)],
        });
        checkChildrenAndKey(c, "NginxBalancer");
        checkHostSteps(c, lb, "agent", ["lb-nginx", "lb-health"]);
        const install = c.steps.get("lb-nginx")!;
        assert.ok(install.deps.includes(exportStep.urn), "install waits for installAfter");
        assert.ok(install.deps.includes(dropletUrn("gluu-1")), "install depends on a backend address's droplet");
        assert.ok(c.steps.get("lb-health")!.deps.includes(restart.urn), "health waits for healthAfter");
        assert.deepEqual(c.state.upstreams, ["gluu-1 10.0.0.11:443", "gluu-2 10.0.0.12:443"]);
        const keyLine = pair.key.split("\n")[1];
        for (const s of c.seen) assert.deepEqual(clearText(s.obj, keyLine), [], `${s.name}: the TLS key never in clear`);
    });

    it("CertificateDistribution: nodes, restartAfter and nodeRestartAfter (lists of lists) as references", async () => {
        const hosts = [
            { name: "gluu-1", ip: "192.0.2.11", base: await callerStep("gluu-1-install-ext") },
            { name: "gluu-2", ip: "192.0.2.12", base: await callerStep("gluu-2-install-ext") },
        ];
        const cacheConfig = await callerStep("ldap-cache-config-ext");
        const perNode = [await callerStep("gluu-1-tunnel-ext"), await callerStep("gluu-2-tunnel-ext")];
        const c = await construct("CertificateDistribution", "certificates", {
            nodes: [hostWire(hosts[0], "outputs"), hostWire(hosts[1], "agent")],
            version: "4.5",
            hostname: "idp.example.org",
            restartAfter: [ref(cacheConfig)],
            nodeRestartAfter: [[ref(perNode[0])], [ref(perNode[1])]],
        });
        checkChildrenAndKey(c, "CertificateDistribution");
        checkHostSteps(c, hosts[0], "outputs", ["gluu-1-certs-export", "gluu-1-httpd-cert-export"]);
        checkHostSteps(c, hosts[1], "agent", []);
        const restarts = [...c.steps.values()].filter((s) => /restart/.test(s.name));
        assert.equal(restarts.length, 2, `one restart per node (${[...c.steps.keys()].join(", ")})`);
        restarts.forEach((r, i) => {
            assert.ok(r.deps.includes(cacheConfig.urn), `${r.name} waits for restartAfter`);
            assert.ok(r.deps.includes(perNode[i].urn), `${r.name} waits for its nodeRestartAfter`);
        });
    });

    it("refuses a host name that is unknown (preview) with an error naming the field, before creating anything", async () => {
        const g1 = { name: "gluu-1", ip: "192.0.2.11", base: await callerStep("gluu-1-base-ext") };
        const cache = { name: "cache", ip: "192.0.2.20", base: await callerStep("cache-base-ext") };
        const rec = recordRegistrations();
        try {
            const client = { ...hostWire(g1, "outputs"), name: ov(undefined, { deps: [dropletUrn("gluu-1")] }) };
            const inputs = await engineInputs({ cacheHost: hostWire(cache, "agent"), clients: [client], caCertPem: ca.cert, caPrivateKeyPem: ov(ca.key, { secret: true }) });
            await assert.rejects(provider().construct("redis", "gluu:index:SecureRedis", inputs, {}), (e: Error) => {
                assert.match(e.message, /SecureRedis `redis`/);
                assert.match(e.message, /`clients\[0\]\.name` is not known yet/);
                return true;
            });
            // A whole host that is unknown is named as such.
            const unknownHost = await engineInputs({ host: ov(undefined, { deps: [dropletUrn("gluu-1")] }), directoryManagerPassword: "x", redisPassword: "y", encodeSalt: "z", idpServers: ["a:1636"] });
            await assert.rejects(provider().construct("ldap-cache", "gluu:index:LdapCacheConfig", unknownHost, {}), /`host` is not known yet/);
            assert.deepEqual(rec.seen.filter((s) => s.type !== COMMAND || !/-ext$/.test(s.name)), [], "nothing registered");
        } finally {
            rec.stop();
        }
    });

    it("a secret nested in the older form (a secret signature, not an output value) pushes the host up to one secret Output; it still constructs", async () => {
        const h = { name: "gluu-1", ip: "192.0.2.11", base: await callerStep("gluu-1-install-ext") };
        const host = { ...hostWire(h, "agent"), ssh: { host: h.ip, user: "root", privateKey: secretSig(LOGIN_KEY), hostKey: mockEd25519("host gluu-1").publicKeyOpenssh.trim() } };
        const wire = { host, directoryManagerPassword: secretSig("ldap-password-123"), redisPassword: secretSig("redis-password-123"), encodeSalt: secretSig("0123456789abcdefghijklmn"), idpServers: ["192.0.2.11:1636"], version: "4.5" };
        const raw = await engineInputs(wire);
        // sdk/nodejs/runtime/rpc.ts deserializeProperty: "push secretness up to the top level".
        assert.ok(pulumi.Output.isInstance(raw.host) && (await pulumi.isSecret(raw.host)));
        const c = await construct("LdapCacheConfig", "ldap-cache", wire);
        checkChildrenAndKey(c, "LdapCacheConfig");
        const step = c.steps.get("gluu-1-ldap-cache-config")!;
        assert.equal(connectionOf(step).value.privateKey, LOGIN_KEY);
        assert.ok(step.deps.includes(h.base.urn));
        assert.ok(!isSecretValue(step.obj.create), "only the key stays secret, not the script");
    });

    it("accepts a host whose name is known and whose address is not yet (preview of new droplets)", async () => {
        const h = { name: "gluu-1", ip: "192.0.2.11", base: await callerStep("gluu-1-install-ext") };
        const whole = hostWire(h, "whole") as { value: Record<string, unknown> };
        // The engine upgrades an unknown inside a value to an output value without `value` (rpc.go
        // unmarshalUnknownPropertyValue with UpgradeToOutputValues).
        const host = ov({ ...whole.value, publicAddress: ov(undefined, { deps: [dropletUrn("gluu-1")] }), ssh: { ...(whole.value.ssh as object), host: ov(undefined, { deps: [dropletUrn("gluu-1")] }) } }, { secret: true });
        const c = await construct("LdapCacheConfig", "ldap-cache", {
            host,
            version: "4.5",
            directoryManagerPassword: ov("ldap-password-123", { secret: true }),
            redisPassword: ov("redis-password-123", { secret: true }),
            encodeSalt: ov("0123456789abcdefghijklmn", { secret: true }),
            idpServers: ["192.0.2.11:1636"],
        });
        const step = c.steps.get("gluu-1-ldap-cache-config");
        assert.ok(step, "the step is registered although its connection's address is unknown");
        assert.ok(step.deps.includes(dropletUrn("gluu-1")) && step.deps.includes(h.base.urn));
    });

    it("a plain scalar with a dependency (nodeCount), which deserializeInputs wraps in an Output, is unwrapped too", async () => {
        // nodeCount with a dependency (e.g. computed from another stack's output) arrives as an Output.
        const inputs = await engineInputs({ hostname: "idp.example.org", orgName: "O", city: "C", state: "S", countryCode: "US", adminEmail: "a@example.org", nodeCount: ov(2, { deps: [dropletUrn("x")] }), region: "fra1", dropletImage: "ubuntu-22-04-x64", adminCidrs: ["203.0.113.0/24"], sshKeyFingerprints: ["aa"], sshPrivateKey: ov(LOGIN_KEY, { secret: true }), repoUser: "u", repoPassword: ov("p-123456", { secret: true }) });
        assert.ok(pulumi.Output.isInstance(inputs.nodeCount));
        const result = await provider().construct("gluu", "gluu:index:GluuCluster", inputs, {});
        const state = await settle(result.state);
        await waitForRPCs();
        assert.equal((state.nodeAddresses as string[]).length, 2);
    });
});
