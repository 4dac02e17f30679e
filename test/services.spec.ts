// The cluster services, each on its own under mocks (as an organisation would use one in its own program),
// then wired inside GluuCluster: steps, edges, stdin, and what reaches which host.
import * as assert from "assert";
import { CertificateDistribution, validateCertificateDistributionArgs } from "../components/certificateDistribution";
import { ClusterCa } from "../components/clusterCa";
import { Csync2Mesh, validateCsync2MeshArgs } from "../components/csync2Mesh";
import { LdapCacheConfig, validateLdapCacheConfigArgs } from "../components/ldapCacheConfig";
import { NginxBalancer, validateNginxBalancerArgs } from "../components/nginxBalancer";
import { OpenDjReplication, validateOpenDjReplicationArgs } from "../components/openDjReplication";
import { decryptWithSalt } from "../components/render/ldapCache";
import { nginxServersInclude } from "../components/render/nginx";
import { RecordedResource, criticalPath } from "../src/record";
import { byName, commands, mockHost as host, mocks, recordComponent, recordConfig, stackConfig, unwrap } from "./helpers/program";

const NODES = [host("gluu-1", "10.0.0.11"), host("gluu-2", "10.0.0.12"), host("gluu-3", "10.0.0.13")];

const text = (rs: RecordedResource[], name: string, field = "create") => String(unwrap(byName(rs, name).inputs[field]).value);
const deps = (rs: RecordedResource[], name: string) => byName(rs, name).dependsOn.map((u) => rs.find((r) => r.urn === u)?.name ?? u);
const stdinOf = (rs: RecordedResource[], name: string) => {
    const s = unwrap(byName(rs, name).inputs.stdin);
    assert.ok(s.secret, `${name}: stdin is secret`);
    assert.strictEqual(byName(rs, name).inputs.logging, "none", `${name}: logging off`);
    return String(s.value);
};

describe("OpenDjReplication (alone, under mocks)", () => {
    let rs: RecordedResource[];
    before(async () => {
        rs = await recordComponent((opts) => new OpenDjReplication("repl", { nodes: NODES, version: "3.1.6", directoryManagerPassword: "Dm-Secret-Pass-1" }, opts));
    });

    it("prepares OpenDJ on every node (java.properties, listeners on 0.0.0.0) with the password on stdin", () => {
        for (const n of NODES) {
            assert.match(text(rs, `${n.name}-opendj-prep`), /listen-address:0\.0\.0\.0/);
            assert.strictEqual(stdinOf(rs, `${n.name}-opendj-prep`), "Dm-Secret-Pass-1\n");
        }
    });

    it("joins each member from the primary, one after another, with password files and never -w", () => {
        const join2 = byName(rs, "gluu-2-repl-join");
        const join3 = byName(rs, "gluu-3-repl-join");
        assert.strictEqual(join2.host, "gluu-1");
        assert.strictEqual(join3.host, "gluu-1");
        assert.deepStrictEqual(deps(rs, "gluu-2-repl-join").sort(), ["gluu-1-opendj-prep", "gluu-1-repl-prune", "gluu-2-opendj-prep"]);
        assert.deepStrictEqual(deps(rs, "gluu-3-repl-join").sort(), ["gluu-1-opendj-prep", "gluu-2-repl-join", "gluu-3-opendj-prep"]);
        for (const j of ["gluu-2-repl-join", "gluu-3-repl-join"]) {
            const t = text(rs, j);
            assert.match(t, /--bindPasswordFile1 "\$dm_pw_file"/);
            assert.match(t, /--adminPasswordFile "\$admin_pw_file"/);
            assert.doesNotMatch(t, / -w /);
            assert.doesNotMatch(t, /Dm-Secret-Pass-1/);
            const [dm, admin] = stdinOf(rs, j).split("\n");
            assert.strictEqual(dm, "Dm-Secret-Pass-1");
            assert.ok(admin.length >= 24, "a generated replication admin password");
        }
        assert.match(text(rs, "gluu-3-repl-join"), /--host1 "\$primary"/);
        assert.match(text(rs, "gluu-3-repl-join"), /^member='?10\.0\.0\.13'?$/m);
    });

    it("keeps the topology equal to the member list: the primary removes former members before any join; joins have no delete", () => {
        const prune = text(rs, "gluu-1-repl-prune");
        assert.match(prune, /^keep='10\.0\.0\.11:4444 10\.0\.0\.12:4444 10\.0\.0\.13:4444'$/m);
        assert.match(prune, /dsreplication" disable --disableAll --hostname "\$\{server%:\*\}"/);
        assert.deepStrictEqual(deps(rs, "gluu-1-repl-prune"), ["gluu-1-opendj-prep"]);
        for (const j of ["gluu-2-repl-join", "gluu-3-repl-join"]) {
            assert.strictEqual(byName(rs, j).inputs.delete, undefined, `${j}: deleting a join (a node that became primary) disables nothing`);
        }
    });

    it("initializes once from the primary after every join; the topology is part of the step so scale-out re-runs it", () => {
        assert.deepStrictEqual(deps(rs, "gluu-1-repl-init").sort(), ["gluu-2-repl-join", "gluu-3-repl-join"]);
        const t = text(rs, "gluu-1-repl-init");
        assert.match(t, /# Topology when rendered: 10\.0\.0\.11 \(primary\), 10\.0\.0\.12, 10\.0\.0\.13/);
        assert.match(t, /initialize-all/);
        assert.match(t, /^keep='10\.0\.0\.12:4444 10\.0\.0\.13:4444'$/m, "only wanted members are initialized");
    });

    it("encrypts replication on every node and copies the primary's keystore to members only after initialization", () => {
        for (const n of NODES) assert.match(text(rs, `${n.name}-opendj-crypto`), /set-crypto-manager-prop --set ssl-encryption:true/);
        assert.ok(!rs.some((r) => r.name === "gluu-1-opendj-keys"), "the primary keeps its own keystore");
        const exp = byName(rs, "gluu-1-opendj-keys-export");
        assert.strictEqual(exp.inputs.logging, "none", "the export prints a private key: logging off");
        for (const n of NODES.slice(1)) {
            assert.deepStrictEqual(deps(rs, `${n.name}-opendj-keys`).sort(), ["gluu-1-opendj-keys-export", "gluu-1-repl-init", `${n.name}-opendj-crypto`].sort());
            assert.ok(stdinOf(rs, `${n.name}-opendj-keys`).length > 20, "the keystore archive arrives on stdin");
        }
    });

    it("reports `dsreplication status` parsed, after everything", () => {
        assert.deepStrictEqual(deps(rs, "gluu-1-repl-status").sort(), ["gluu-1-opendj-crypto", "gluu-1-repl-init", "gluu-2-opendj-keys", "gluu-3-opendj-keys"]);
    });

    it("refuses bad Args by field before creating anything", () => {
        const p = validateOpenDjReplicationArgs({ nodes: [NODES[0]], directoryManagerPassword: "x", adminPort: 0, version: "9" });
        assert.ok(p.some((m) => /`nodes` must list at least 2/.test(m)));
        assert.ok(p.some((m) => /`adminPort` must be an integer/.test(m)));
        assert.ok(p.some((m) => /`version`/.test(m)));
        assert.ok(validateOpenDjReplicationArgs({ nodes: [NODES[0], NODES[0]], directoryManagerPassword: "x" }).some((m) => /twice/.test(m)));
    });
});

describe("Csync2Mesh (alone, under mocks)", () => {
    let rs: RecordedResource[];
    before(async () => {
        rs = await recordComponent((opts) => {
            const ca = new ClusterCa("ca", {}, opts);
            return new Csync2Mesh("sync", { nodes: NODES, version: "4.5", ...ca.caArgs, intervalMinutes: 3 }, opts);
        });
    });

    it("renders one csync2.cfg with every node as a host csync2 can match (-N) and the node files excluded", () => {
        for (const n of NODES) {
            const t = text(rs, `${n.name}-csync2`);
            for (const m of NODES) assert.match(t, new RegExp(`^\\thost ${m.name}@127\\.30\\.86\\.\\d+;$`, "m"), `${n.name} knows ${m.name}`);
            assert.match(t, new RegExp(`csync2 -i -l -N ${n.name}`));
            assert.match(t, /exclude \/opt\/gluu-server\/etc\/gluu\/conf\/gluu-ldap\.properties;/);
            assert.match(t, /exclude \/opt\/gluu-server\/etc\/gluu\/conf\/salt;/);
            assert.match(t, /auto younger;/);
            assert.match(t, /nossl \* \*;/);
        }
    });

    it("sends the same generated key to every node on stdin, never in text", () => {
        const keys = NODES.map((n) => stdinOf(rs, `${n.name}-csync2`));
        assert.ok(keys.every((k) => k === keys[0] && /^[A-Za-z0-9]{64}\n$/.test(k)));
        for (const c of commands(rs)) assert.ok(!text(rs, c.name).includes(keys[0].trim()), `${c.name} has no key in its text`);
    });

    it("carries csync2 over stunnel with each node's own certificate: every private key reaches only its own host", () => {
        for (const n of NODES) {
            const key = stdinOf(rs, `${n.name}-csync2-transport`);
            const label = mocks.secrets.get(key.trim()) ?? mocks.secrets.get(key);
            assert.strictEqual(label, `${n.name}-csync2-tunnel-key.privateKey`);
            for (const other of commands(rs).filter((c) => c.host !== n.name)) {
                assert.ok(!String(unwrap(other.inputs.stdin).value ?? "").includes(key.trim()), `${other.name} never gets ${n.name}'s key`);
            }
            const conf = text(rs, `${n.name}-csync2-transport`);
            assert.match(conf, /^verifyChain = yes$/m);
            for (const m of NODES.filter((x) => x !== n)) assert.match(conf, new RegExp(`^checkHost = ${m.name}$`, "m"));
        }
    });

    it("syncs first on the primary (forced), then the other nodes one by one, then installs staggered cron jobs", () => {
        assert.match(text(rs, "gluu-1-csync2-first-sync"), /csync2 -N 'gluu-1' -fr|csync2 -N gluu-1 -fr/);
        for (const n of NODES.slice(1)) assert.doesNotMatch(text(rs, `${n.name}-csync2-sync`), / -fr /);
        assert.deepStrictEqual(deps(rs, "gluu-1-csync2-first-sync").sort(), NODES.map((n) => `${n.name}-csync2-transport`).sort());
        assert.deepStrictEqual(deps(rs, "gluu-2-csync2-sync"), ["gluu-1-csync2-first-sync"]);
        assert.deepStrictEqual(deps(rs, "gluu-3-csync2-sync"), ["gluu-2-csync2-sync"]);
        NODES.forEach((n, i) => {
            assert.deepStrictEqual(deps(rs, `${n.name}-csync2-cron`), ["gluu-3-csync2-sync"]);
            assert.match(text(rs, `${n.name}-csync2-cron`), new RegExp(`^${i % 3}-59/3 \\* \\* \\* \\* root flock -n \\S+ csync2 -N ${n.name} -x`, "m"));
        });
        assert.ok(!commands(rs).some((c) => / -fr \/( |$)/m.test(text(rs, c.name))), "never `csync2 -fr /`");
    });

    it("refuses bad Args by field", () => {
        const p = validateCsync2MeshArgs({ nodes: [NODES[0]], caCertPem: "", caPrivateKeyPem: "", intervalMinutes: 60, key: "short" });
        for (const re of [/`nodes` must list at least 2/, /`intervalMinutes` must be an integer 1–59/, /`key` must be one line/]) {
            assert.ok(p.some((m) => re.test(m)), String(re));
        }
    });
});

describe("NginxBalancer (alone, under mocks)", () => {
    it("with its own host: every node in both upstreams, TLS key on stdin only, health after the given steps", async () => {
        const rs = await recordComponent((opts) => {
            const ca = new ClusterCa("lbca", {}, opts);
            const cert = ca.issue("lb-web", { commonName: "idp.example.org", server: true, client: false }, ca);
            return new NginxBalancer(
                "lb",
                {
                    hostname: "idp.example.org",
                    version: "3.1.6",
                    backends: NODES.map((n) => ({ name: n.name, address: n.privateAddress })),
                    lbHost: host("lb", "10.0.0.30"),
                    certificatePem: cert.certPem,
                    privateKeyPem: cert.privateKeyPem,
                    backendCaPem: ca.certPem,
                    healthAfter: [],
                },
                opts,
            );
        });
        const conf = text(rs, "lb-nginx");
        // Both upstreams include one servers file (the active checker rewrites only its `down` marks).
        assert.strictEqual(conf.split("\n").filter((l) => /^\s+include \S+;$/.test(l) && !l.includes("mime")).length, 2, "both upstreams include the servers file");
        const include = nginxServersInclude({ backends: NODES.map((n) => ({ name: n.name, address: n.privateAddress as string })) });
        assert.ok(conf.includes(include), "the install writes the servers file with every node up");
        for (const n of NODES) {
            const lines = include.split("\n").filter((l) => l.includes(`server ${n.privateAddress}:443`));
            assert.strictEqual(lines.length, 1, `${n.name} once in the servers file both upstreams include`);
        }
        assert.match(conf, /listen 443 ssl/);
        assert.doesNotMatch(conf, /^\s*ssl on;/m);
        assert.match(conf, /hash \$remote_addr consistent;/, "sticky paths hash the whole client address");
        assert.match(conf, /proxy_ssl_verify\s+on;/);
        assert.match(stdinOf(rs, "lb-nginx"), /^-----BEGIN PRIVATE KEY-----/);
        assert.doesNotMatch(conf, /PRIVATE KEY/);
        assert.deepStrictEqual(deps(rs, "lb-health"), ["lb-nginx"]);
        for (const n of NODES) assert.match(text(rs, "lb-health"), new RegExp(`probe '?${n.name}'? '?${n.privateAddress.toString().replace(/\./g, "\\.")}'? 443`));
    });

    it("with an external load balancer: no host, no steps, the upstreams and sticky paths as an output", async () => {
        let description: any;
        const rs = await recordComponent((opts) => {
            const b = new NginxBalancer("ext", { hostname: "idp.example.org", version: "4.5", backends: NODES.map((n) => ({ name: n.name, address: n.privateAddress })), external: true }, opts);
            b.externalDescription!.apply((d) => (description = d));
            return b;
        });
        assert.strictEqual(commands(rs).length, 0);
        assert.deepStrictEqual(description.stickyPaths, ["/identity", "/idp", "/passport", "/casa"]);
        assert.deepStrictEqual(description.backends.map((b: any) => b.address), ["10.0.0.11", "10.0.0.12", "10.0.0.13"]);
    });

    it("refuses half a configuration by field", () => {
        const backends = [{ name: "gluu-1", address: "10.0.0.11" }];
        assert.ok(validateNginxBalancerArgs({ hostname: "idp.example.org", backends }).some((m) => /`lbHost` is required/.test(m)));
        assert.ok(validateNginxBalancerArgs({ hostname: "idp.example.org", backends, external: true, certificatePem: "x" }).some((m) => /`certificatePem` has no effect with `external: true`/.test(m)));
        assert.ok(validateNginxBalancerArgs({ hostname: "IDP", backends: [] }).some((m) => /`hostname`/.test(m)));
    });
});

describe("LdapCacheConfig (alone, under mocks)", () => {
    it("stores the Redis password encrypted with the salt (decrypts to the real one); no salt and no password leave the program in clear", async () => {
        const rs = await recordComponent(
            (opts) =>
                new LdapCacheConfig(
                    "cachecfg",
                    {
                        host: NODES[0],
                        version: "3.1.6",
                        directoryManagerPassword: "Dm-Secret-Pass-1",
                        redisPassword: "Redis-Secret-Pass-2",
                        encodeSalt: "Y83EBo94vj9b4iyKDX2drmZk",
                        inumAppliance: "@!1111.2222.3333.4444!0002!AAAA.BBBB",
                        idpServers: NODES.map((n) => `${n.privateAddress}:1636`),
                    },
                    opts,
                ),
        );
        const [dm, encrypted] = stdinOf(rs, "gluu-1-ldap-cache-config").split("\n");
        assert.strictEqual(dm, "Dm-Secret-Pass-1");
        assert.strictEqual(decryptWithSalt(encrypted, "Y83EBo94vj9b4iyKDX2drmZk"), "Redis-Secret-Pass-2");
        const t = text(rs, "gluu-1-ldap-cache-config");
        for (const secret of ["Dm-Secret-Pass-1", "Redis-Secret-Pass-2", "Y83EBo94vj9b4iyKDX2drmZk", encrypted]) assert.ok(!t.includes(secret));
        assert.match(t, /10\.0\.0\.13:1636/);
        assert.match(t, /inum=@!1111\.2222\.3333\.4444!0002!AAAA\.BBBB,ou=appliances,o=gluu/);
    });

    it("needs the appliance inum for 3.1.6 and names it", () => {
        const p = validateLdapCacheConfigArgs({ host: NODES[0], version: "3.1.6", directoryManagerPassword: "a", redisPassword: "b", encodeSalt: "c", idpServers: ["10.0.0.11:1636"] });
        assert.ok(p.some((m) => /`inumAppliance` is required for Gluu 3\.1\.6/.test(m)));
        assert.deepStrictEqual(validateLdapCacheConfigArgs({ host: NODES[0], version: "4.5", directoryManagerPassword: "a", redisPassword: "b", encodeSalt: "c", idpServers: ["x:1636"] }), []);
    });
});

describe("CertificateDistribution (alone, under mocks)", () => {
    const build = (revision: string) =>
        recordComponent((opts) => new CertificateDistribution("certs", { nodes: NODES, version: "3.1.6", hostname: "idp.example.org", restartRevision: [revision] }, opts));

    it("exports the primary's certificates once and imports them on the other nodes through stdin", async () => {
        const rs = await build("a");
        assert.ok(!rs.some((r) => r.name === "gluu-1-certs-import"));
        const exp = byName(rs, "gluu-1-certs-export");
        assert.strictEqual(exp.inputs.logging, "none");
        for (const n of NODES.slice(1)) {
            assert.deepStrictEqual(deps(rs, `${n.name}-certs-import`), ["gluu-1-certs-export"]);
            assert.ok(stdinOf(rs, `${n.name}-certs-import`).length > 20);
            assert.deepStrictEqual(deps(rs, `${n.name}-truststore`), [`${n.name}-certs-import`]);
            assert.match(text(rs, `${n.name}-truststore`), /^lb=idp\.example\.org$/m);
        }
        // Restarts come in two waves: the primary first, then the members, so some node always answers.
        assert.deepStrictEqual(deps(rs, "gluu-1-gluu-restart"), ["gluu-1-truststore"]);
        for (const n of NODES.slice(1)) assert.deepStrictEqual(deps(rs, `${n.name}-gluu-restart`), [`${n.name}-truststore`, "gluu-1-gluu-restart"]);
    });

    it("re-runs the restarts when what the services load changes (revision), and only then", async () => {
        const a = await build("a");
        const a2 = await build("a");
        const b = await build("b");
        for (const n of NODES) {
            assert.strictEqual(text(a, `${n.name}-gluu-restart`), text(a2, `${n.name}-gluu-restart`));
            assert.notStrictEqual(text(a, `${n.name}-gluu-restart`), text(b, `${n.name}-gluu-restart`));
        }
    });

    it("refuses a restart list that does not match the nodes", () => {
        const p = validateCertificateDistributionArgs({ nodes: NODES, hostname: "idp.example.org", nodeRestartAfter: [[]] });
        assert.ok(p.some((m) => /`nodeRestartAfter` must have one list per node \(3\)/.test(m)));
    });
});

describe("GluuCluster wiring (under mocks)", () => {
    let rs: RecordedResource[];
    before(async () => {
        rs = await recordConfig({ ...stackConfig("prod"), nodeCount: "3" });
    });

    it("brings up the cache and the load balancer while the nodes install (no edge to any install)", () => {
        const upstream = (name: string, seen = new Set<string>()): Set<string> => {
            for (const d of deps(rs, name)) {
                if (!seen.has(d)) {
                    seen.add(d);
                    if (rs.some((r) => r.name === d)) upstream(d, seen);
                }
            }
            return seen;
        };
        for (const step of ["gluu-cache-redis", "gluu-1-stunnel-client", "gluu-2-csync2-transport"]) {
            assert.ok(![...upstream(step)].some((d) => d.endsWith("-install")), `${step} does not wait for a Gluu install`);
        }
    });

    it("waits where it must: LDAP cache config after initialization, restarts after everything a node loads, health after all restarts", () => {
        assert.ok(deps(rs, "gluu-1-ldap-cache-config").includes("gluu-1-repl-init"));
        for (const i of [1, 2, 3]) {
            const d = deps(rs, `gluu-${i}-gluu-restart`);
            for (const need of [`gluu-${i}-truststore`, "gluu-1-ldap-cache-config", `gluu-${i}-redis-health`, i === 1 ? "gluu-1-csync2-first-sync" : `gluu-${i}-csync2-sync`]) {
                assert.ok(d.includes(need), `gluu-${i}-gluu-restart waits for ${need}`);
            }
            assert.ok(d.includes(i === 1 ? "gluu-1-opendj-crypto" : `gluu-${i}-opendj-keys`));
        }
        assert.deepStrictEqual(deps(rs, "gluu-lb-health").sort(), ["gluu-1-gluu-restart", "gluu-2-gluu-restart", "gluu-3-gluu-restart", "gluu-lb-base", "gluu-lb-nginx"]);
        assert.ok(deps(rs, "gluu-1-csync2-first-sync").includes("gluu-3-install"), "the first file sync waits for every install");
        assert.ok(deps(rs, "gluu-lb-nginx").includes("gluu-1-httpd-cert-export"));
    });

    it("gives the load balancer the primary's httpd certificate in its text and its key on stdin only", () => {
        const nginx = text(rs, "gluu-lb-nginx");
        assert.match(nginx, /-----BEGIN CERTIFICATE-----/);
        assert.doesNotMatch(nginx, /PRIVATE KEY/);
        assert.match(stdinOf(rs, "gluu-lb-nginx"), /-----BEGIN PRIVATE KEY-----/);
    });

    it("keeps the replication joins the only serial chain: the critical path grows by one step per node", async () => {
        const depth = async (n: number) => criticalPath(await recordConfig({ ...stackConfig("prod"), nodeCount: String(n) }));
        const [d2, d3, d4] = [await depth(2), await depth(3), await depth(4)];
        assert.strictEqual(d3.length, d2.length + 1);
        assert.strictEqual(d4.length, d2.length + 2);
        for (const path of [d2, d3, d4]) {
            assert.strictEqual(path.filter((s) => s.name.endsWith("-install")).length, 1, "exactly one install on the critical path");
        }
    });

    it("uses the cluster's own encode_salt for the Redis password in LDAP", () => {
        const [, encrypted] = String(unwrap(byName(rs, "gluu-1-ldap-cache-config").inputs.stdin).value).split("\n");
        const setup = String(unwrap(byName(rs, "gluu-1-install").inputs.stdin).value);
        const salt = /^encode_salt=(.*)$/m.exec(setup)![1];
        const redisPw = String(unwrap(byName(rs, "gluu-cache-redis").inputs.stdin).value).split("\n")[0].trim(); // line 1; the TLS key follows
        assert.strictEqual(decryptWithSalt(encrypted, salt), redisPw);
    });
});

describe("GluuCluster Args: the cache, the load balancer and SSH exposure", () => {
    const { validateGluuClusterArgs } = require("../components/gluuCluster") as typeof import("../components/gluuCluster");
    const base = { hostname: "idp.example.org", orgName: "o", city: "c", state: "s", countryCode: "US", adminEmail: "a@b.org" };
    const existing = (a: string) => ({ address: a, hostKey: NODES[0].ssh.hostKey as string });

    it("refuses SSH open to the world, whole or in halves, by field", () => {
        const p = validateGluuClusterArgs("gluu", { ...base, nodeCount: 2, region: "fra1", dropletImage: "ubuntu-22-04-x64", adminCidrs: ["0.0.0.0/1", "128.0.0.0/1", "10.0.0.0/33"] });
        assert.ok(p.some((m) => /`adminCidrs\[0\]` 0\.0\.0\.0\/1 is wider than \/8/.test(m)), p.join("\n"));
        assert.ok(p.some((m) => /`adminCidrs\[2\]` "10\.0\.0\.0\/33" must be an IPv4 CIDR/.test(m)), p.join("\n"));
    });

    it("needs a cache and an LB host with existing nodes, each on its own address", () => {
        const nodes = [existing("192.0.2.11"), existing("192.0.2.12")];
        const p = validateGluuClusterArgs("gluu", { ...base, existingNodes: nodes, sshPrivateKey: "k" });
        assert.ok(p.some((m) => /`cacheHost` is required with `existingNodes`/.test(m)));
        assert.ok(p.some((m) => /`lbHost` is required with `existingNodes`/.test(m)));
        const q = validateGluuClusterArgs("gluu", { ...base, existingNodes: nodes, sshPrivateKey: "k", cacheHost: existing("192.0.2.12"), lbHost: existing("192.0.2.12") });
        assert.ok(q.some((m) => /`cacheHost\.address` 192\.0\.2\.12 is also `existingNodes\[1\]\.address`/.test(m)));
        assert.ok(q.some((m) => /`cacheHost` and `lbHost` have the same address/.test(m)));
        const r = validateGluuClusterArgs("gluu", { ...base, existingNodes: nodes, sshPrivateKey: "k", cacheHost: existing("192.0.2.21"), externalLoadBalancer: true, lbCertificatePem: "x" });
        assert.ok(r.some((m) => /`lbCertificatePem` has no effect with `externalLoadBalancer`/.test(m)));
        assert.ok(!r.some((m) => /`lbHost` is required/.test(m)), "an external load balancer needs no LB host");
    });
});

describe("GluuCluster with your own load balancer (droplets)", () => {
    it("creates no LB host or LB firewall, opens the nodes' 443 only to the given sources, and says what the LB must do", async () => {
        const rs = await recordConfig({ ...stackConfig("dev"), externalLoadBalancer: "true", externalLbSourceCidrs: '["10.110.0.0/20"]' });
        assert.ok(!rs.some((r) => r.name.startsWith("gluu-lb-")), "no LB host steps");
        const fws = rs.filter((r) => r.type === "digitalocean:index/firewall:Firewall").map((r) => r.name).sort();
        assert.deepStrictEqual(fws, ["gluu-cache", "gluu-members"]);
        const https = byName(rs, "gluu-members").inputs.inboundRules.find((r: any) => r.portRange === "443");
        assert.deepStrictEqual(https.sourceAddresses, ["10.110.0.0/20"]);
        assert.strictEqual(https.sourceTags, undefined);
    });
});
