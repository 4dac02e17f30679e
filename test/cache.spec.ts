// gluu:cache (issue 12): every choice through the real program under the mocks — resources, edges, firewalls,
// secrets — and the pure validation of Args and stack keys (no mocks).
import * as assert from "assert";
import { cacheProblems } from "../components/gluuCluster";
import { validateManagedValkeyArgs } from "../components/managedValkey";
import { defaultSentinelHosts, validateRedisHaArgs } from "../components/redisHa";
import { cacheConfigProblems, parseStackConfig, StackConfigError } from "../src/config";
import { checkDoDatabaseCluster, checkDoDatabaseFirewall } from "../src/providerRules";
import { REMOTE_COMMAND, RecordedResource } from "../src/record";
import { byName, commands, mockHost, recordConfig, stackConfig, strings, unwrap } from "./helpers/program";

const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

/** The dev stack (droplets, 2 nodes) with other keys. */
function dev(extra: Record<string, string>): Record<string, string> {
    return { ...stackConfig("dev"), ...extra };
}

function text(resources: RecordedResource[], name: string): string {
    return String(unwrap(byName(resources, name).inputs.create).value);
}

function edges(resources: RecordedResource[], name: string): string[] {
    const urns = new Map(resources.map((r) => [r.urn, r.name]));
    return byName(resources, name).dependsOn.map((u) => urns.get(u) ?? u);
}

describe("gluu:cache under the mocks (every choice through the program)", function () {
    this.timeout(120000);

    describe("redis-ha on droplets", () => {
        let r: RecordedResource[];
        before(async () => {
            r = await recordConfig(dev({ cache: "redis-ha" }));
        });

        it("creates three cache droplets, each in the cache tag, and no single `<name>-cache`", () => {
            const droplets = r.filter((x) => x.type === "digitalocean:index/droplet:Droplet").map((x) => x.name.replace(/-droplet$/, ""));
            for (const n of ["gluu-cache-1", "gluu-cache-2", "gluu-cache-3"]) assert.ok(droplets.includes(n), `${n} in ${droplets}`);
            assert.ok(!droplets.includes("gluu-cache"));
        });

        it("opens replication (16379) between cache hosts and Sentinel (26379) to cache hosts and members only", () => {
            const fw = byName(r, "gluu-cache-ha").inputs;
            const rules = fw.inboundRules as any[];
            assert.deepStrictEqual(rules.map((x) => x.portRange), ["16379", "26379"]);
            assert.strictEqual(rules[0].sourceTags.length, 1);
            assert.ok(rules.every((x) => !x.sourceAddresses), "no rule by address: tags only");
            // Three cache droplets carry the three Sentinels: none on the nodes, so no member Sentinel firewall.
            assert.ok(!r.some((x) => x.name === "gluu-sentinel"));
        });

        it("chains Redis one host at a time from the initial primary; Sentinels after the last; HAProxy and health on every node", () => {
            assert.deepStrictEqual(edges(r, "gluu-cache-2-redis-ha").filter((e) => e.endsWith("redis-ha")), ["gluu-cache-1-redis-ha"]);
            assert.deepStrictEqual(edges(r, "gluu-cache-3-redis-ha").filter((e) => e.endsWith("redis-ha")), ["gluu-cache-2-redis-ha"]);
            for (const s of ["gluu-cache-1-sentinel", "gluu-cache-2-sentinel", "gluu-cache-3-sentinel"]) assert.ok(edges(r, s).includes("gluu-cache-3-redis-ha"), s);
            for (const n of ["gluu-1", "gluu-2"]) {
                assert.match(text(r, `${n}-haproxy`), /tcp-check expect string role:master/);
                const h = edges(r, `${n}-redis-ha-health`);
                assert.ok(h.includes(`${n}-haproxy`) && h.includes("gluu-cache-1-sentinel-quorum"), h.join());
                // oxAuth restarts only after its node's cache answers.
                assert.ok(edges(r, `${n}-gluu-restart`).includes(`${n}-redis-ha-health`) || r.some((x) => x.name.startsWith(n) && x.name.endsWith("restart") && edges(r, x.name).includes(`${n}-redis-ha-health`)), `${n} restarts after its cache health`);
            }
        });

        it("keeps the Redis and Sentinel passwords and every key on stdin only (secret, logging off)", () => {
            const steps = commands(r).filter((c) => /redis-ha|sentinel|haproxy/.test(c.name));
            assert.ok(steps.length >= 10);
            const pw = String(unwrap(byName(r, "gluu-1-redis-ha-health").inputs.stdin).value).trim();
            for (const c of steps) {
                assert.ok(unwrap(c.inputs.stdin).secret, `${c.name} stdin secret`);
                assert.strictEqual(c.inputs.logging, "none", c.name);
                assert.ok(!String(unwrap(c.inputs.create).value).includes(pw), `${c.name} text has no password`);
                assert.doesNotMatch(String(unwrap(c.inputs.create).value), /PRIVATE KEY-----\n[A-Za-z0-9+/]/, `${c.name} text has no key`);
            }
            const cfg = byName(r, "gluu-1-ldap-cache-config");
            assert.match(String(unwrap(cfg.inputs.create).value), /"provider": ?"REDIS"/);
        });
    });

    describe("redis-ha on existing servers (two cache hosts: a Sentinel on the first node)", () => {
        it("runs Sentinels on both cache hosts and gluu-1, with no droplet or firewall", async () => {
            const byo = stackConfig("byo");
            const raw = { ...byo, cache: "redis-ha", existingCacheAddresses: JSON.stringify(["192.0.2.31", "192.0.2.32"]), existingCacheHostKeys: JSON.stringify([HOST_KEY, HOST_KEY]) };
            for (const k of ["existingCacheAddress", "existingCachePrivateAddress", "existingCacheHostKey"]) delete (raw as any)[k];
            const r = await recordConfig(raw);
            assert.ok(!r.some((x) => x.type.startsWith("digitalocean:")));
            const sentinels = commands(r).filter((c) => c.name.endsWith("-sentinel")).map((c) => c.name).sort();
            assert.deepStrictEqual(sentinels, [`${byo.clusterName ?? "gluu"}-cache-1-sentinel`, `${byo.clusterName ?? "gluu"}-cache-2-sentinel`, sentinels.find((s) => !s.includes("cache"))].sort());
            assert.match(text(r, sentinels.find((s) => s.includes("cache-1"))!), /quorum 2 of 3/);
            assert.match(text(r, sentinels.find((s) => s.includes("cache-1"))!.replace("-sentinel", "-redis-ha")), /min-replicas-to-write 0/);
        });
    });

    describe("digitalocean (managed Valkey)", () => {
        let r: RecordedResource[];
        before(async () => {
            r = await recordConfig(dev({ cache: "digitalocean" }));
        });

        it("creates a Valkey cluster with a standby in the droplets' VPC and region, and no cache droplet", () => {
            const db = r.find((x) => x.type === "digitalocean:index/databaseCluster:DatabaseCluster")!;
            assert.ok(db);
            assert.strictEqual(db.inputs.engine, "valkey");
            assert.strictEqual(db.inputs.nodeCount, 2);
            assert.strictEqual(db.inputs.version, "8");
            assert.strictEqual(db.inputs.evictionPolicy, "allkeys_lru");
            assert.strictEqual(db.inputs.region, "fra1");
            assert.strictEqual(db.inputs.privateNetworkUuid, r.find((x) => x.type === "digitalocean:index/vpc:Vpc")!.urn ? db.inputs.privateNetworkUuid : undefined);
            assert.ok(!r.some((x) => x.type === "digitalocean:index/droplet:Droplet" && /cache/.test(x.name)));
        });

        it("admits only the member tag through the database firewall", () => {
            const fw = r.find((x) => x.type === "digitalocean:index/databaseFirewall:DatabaseFirewall")!;
            assert.deepStrictEqual(fw.inputs.rules.map((x: any) => x.type), ["tag"]);
            assert.match(String(fw.inputs.rules[0].value), /-member$/);
        });

        it("tunnels from every node to the private host with the server verified against DigitalOcean's CA, after the cluster and its firewall", () => {
            for (const n of ["gluu-1", "gluu-2"]) {
                const t = text(r, `${n}-stunnel-valkey`);
                assert.match(t, /^client = yes$/m);
                assert.match(t, /^accept = 127\.0\.0\.1:16379$/m);
                assert.match(t, /^connect = private-\S+:25061$/m);
                assert.match(t, /^checkHost = private-\S+$/m);
                assert.match(t, /^verifyChain = yes$/m);
                assert.match(t, /^CAfile = \/etc\/stunnel\/valkey-ca\.crt$/m);
                assert.match(t, /mock DigitalOcean project CA|BEGIN CERTIFICATE/);
                const e = edges(r, `${n}-stunnel-valkey`);
                assert.ok(e.some((x) => x.endsWith("-valkey")) && e.some((x) => x.endsWith("-valkey-firewall")), e.join());
            }
        });

        it("keeps DigitalOcean's password a secret: on stdin of the health check and the LDAP edit only", () => {
            const db = r.find((x) => x.type === "digitalocean:index/databaseCluster:DatabaseCluster")!;
            assert.ok((db.options?.additionalSecretOutputs ?? []).includes("password"));
            const pw = String(unwrap(byName(r, "gluu-1-valkey-health").inputs.stdin).value).trim();
            assert.ok(pw.length >= 16);
            for (const c of commands(r)) assert.ok(!String(unwrap(c.inputs.create).value).includes(pw), c.name);
        });
    });

    describe("ldap (NATIVE_PERSISTENCE)", () => {
        let r: RecordedResource[];
        before(async () => {
            r = await recordConfig(dev({ cache: "ldap" }));
        });

        it("has no cache host, no Redis, no tunnel: only the LDAP edit selecting NATIVE_PERSISTENCE, after replication is initialised", () => {
            assert.ok(!r.some((x) => x.type === "digitalocean:index/droplet:Droplet" && /cache/.test(x.name)));
            assert.ok(!commands(r).some((c) => /redis|stunnel-client|haproxy|sentinel|valkey/.test(c.name)), commands(r).map((c) => c.name).filter((n) => /redis|stunnel/.test(n)).join());
            const cfg = byName(r, "gluu-1-ldap-cache-config");
            assert.match(String(unwrap(cfg.inputs.create).value), /"provider": ?"NATIVE_PERSISTENCE"/);
            assert.strictEqual(String(unwrap(cfg.inputs.stdin).value).split("\n").filter(Boolean).length, 1, "only the Directory Manager password");
            assert.ok(edges(r, "gluu-1-ldap-cache-config").includes("gluu-1-repl-init"), edges(r, "gluu-1-ldap-cache-config").join());
            assert.doesNotMatch(text(r, "gluu-1-health"), /cache_ping/, "no local cache endpoint to probe");
        });
    });
});

describe("gluu:cache validation (pure, no mocks)", () => {
    const base = (extra: Record<string, string>) => ({ ...stackConfig("dev"), ...extra });
    const problems = (raw: Record<string, string>) => {
        try {
            parseStackConfig(raw);
            return [];
        } catch (e) {
            if (e instanceof StackConfigError) return e.problems;
            throw e;
        }
    };

    it("refuses an unknown choice by key", () => {
        assert.ok(problems(base({ cache: "memcached" })).some((p) => /^gluu:cache must be `redis`, `redis-ha`, `digitalocean` or `ldap`/.test(p)));
    });

    it("redis-ha: the write bound must leave a replica to spare", () => {
        assert.ok(problems(base({ cache: "redis-ha", cacheHostCount: "2", redisMinReplicasToWrite: "1" })).some((p) => /^gluu:redisMinReplicasToWrite 1 is too high for 2 cache hosts/.test(p)));
        assert.deepStrictEqual(problems(base({ cache: "redis-ha", cacheHostCount: "3", redisMinReplicasToWrite: "1" })), []);
    });

    it("redis-ha with two cache hosts puts a Sentinel on a node: refused on images whose Redis has no TLS", () => {
        assert.ok(problems(base({ cache: "redis-ha", cacheHostCount: "2", dropletImage: "ubuntu-20-04-x64" })).some((p) => /^gluu:cacheHostCount 2 puts a Sentinel on a Gluu node, .*no TLS/.test(p)));
        assert.deepStrictEqual(problems(base({ cache: "redis-ha", cacheHostCount: "2", dropletImage: "ubuntu-22-04-x64" })), []);
    });

    it("redis-ha keys and Valkey keys only with their choice", () => {
        assert.ok(problems(base({ sentinelDownAfterMs: "2000" })).some((p) => /^gluu:sentinelDownAfterMs is only for gluu:cache redis-ha/.test(p)));
        assert.ok(problems(base({ cache: "ldap", valkeySize: "db-s-1vcpu-2gb" })).some((p) => /^gluu:valkeySize is only for gluu:cache digitalocean/.test(p)));
        assert.ok(problems(base({ cache: "ldap", redisPassword: "a-redis-password-123" })).some((p) => /^gluu:redisPassword has no effect with gluu:cache ldap/.test(p)));
    });

    it("digitalocean only on droplets; redis-ha on existing servers needs the list with host keys", () => {
        const byo = stackConfig("byo");
        const plain = { ...byo };
        for (const k of ["existingCacheAddress", "existingCachePrivateAddress", "existingCacheHostKey"]) delete (plain as any)[k];
        assert.ok(problems({ ...plain, cache: "digitalocean" }).some((p) => /^gluu:cache digitalocean .* only for droplets/.test(p)));
        assert.ok(problems({ ...plain, cache: "redis-ha" }).some((p) => /^gluu:existingCacheAddresses is required/.test(p)));
        assert.ok(problems({ ...plain, cache: "redis-ha", existingCacheAddresses: '["192.0.2.31","192.0.2.32"]' }).some((p) => /^gluu:existingCacheHostKeys is required/.test(p)));
        assert.ok(problems({ ...byo, cache: "ldap" }).some((p) => /^gluu:existingCacheAddress is the one Redis host of gluu:cache redis/.test(p)));
    });

    it("counts the Sentinel hosts (cache hosts, then nodes until three): two cache servers and one node make a quorum, two alone do not", () => {
        const ok: any = { cache: "redis-ha", existingNodeAddresses: ["192.0.2.11"], existingCacheAddresses: ["192.0.2.31", "192.0.2.32"], existingCacheHostKeys: [HOST_KEY, HOST_KEY], clusterName: "gluu" };
        assert.deepStrictEqual(cacheConfigProblems(ok, { cache: "redis-ha" }), []);
        const c: any = { cache: "redis-ha", existingNodeAddresses: [], existingCacheAddresses: ["192.0.2.31", "192.0.2.32"], existingCacheHostKeys: [HOST_KEY, HOST_KEY], clusterName: "gluu" };
        assert.ok(cacheConfigProblems(c, { cache: "redis-ha" }).some((p) => /needs 3 hosts for the Sentinel quorum .* 2 cache hosts and 0 node\(s\) give 2/.test(p)));
    });

    it("GluuCluster Args: each problem names its field", () => {
        const nodes = ["gluu-1", "gluu-2"];
        const args: any = { hostname: "idp.example.org", orgName: "o", city: "c", state: "s", countryCode: "US", adminEmail: "a@b.org" };
        assert.ok(cacheProblems("gluu", { ...args, cache: "nope" }, nodes)[0].startsWith("`cache` must be one of"));
        assert.ok(cacheProblems("gluu", { ...args, cache: "digitalocean", existingNodes: [] }, nodes).some((p) => p.startsWith("`cache: digitalocean`")));
        assert.ok(cacheProblems("gluu", { ...args, cache: "redis-ha", cacheHostCount: 1 }, nodes).some((p) => p.startsWith("`cacheHostCount` must be an integer 2–9")));
        assert.ok(cacheProblems("gluu", { ...args, cache: "redis-ha", redisMinReplicasToWrite: 2 }, nodes).some((p) => p.startsWith("`redisMinReplicasToWrite` must be an integer 0–1")));
        assert.ok(cacheProblems("gluu", { ...args, valkeySize: "db-s-1vcpu-2gb" }, nodes).some((p) => p.startsWith("`valkeySize` is only for `cache: digitalocean`")));
        assert.deepStrictEqual(cacheProblems("gluu", { ...args, cache: "redis-ha" }, nodes), []);
    });

    it("RedisHa and ManagedValkey Args", () => {
        const h = (n: string) => mockHost(n, "10.0.0.1");
        const base = { caCertPem: "x", caPrivateKeyPem: "y", clients: [h("gluu-1"), h("gluu-2")] };
        assert.ok(validateRedisHaArgs({ ...base, cacheHosts: [h("c1")] }).some((p) => p.startsWith("`cacheHosts` must list at least 2")));
        assert.ok(validateRedisHaArgs({ ...base, cacheHosts: [h("c1"), h("c2")], sentinelHosts: [h("c1"), h("c2")] }).some((p) => /Sentinel needs 3 hosts/.test(p)));
        assert.deepStrictEqual(defaultSentinelHosts({ ...base, cacheHosts: [h("c1"), h("c2")] }).map((x) => x.name), ["c1", "c2", "gluu-1"]);
        assert.ok(validateRedisHaArgs({ ...base, cacheHosts: [h("c1"), h("c2")], minReplicasToWrite: 1 }).some((p) => p.startsWith("`minReplicasToWrite` must be an integer 0–0")));
        assert.ok(validateManagedValkeyArgs({ clusterName: "x", region: "fra1", vpcUuid: "v", memberTag: "t", ...base, evictionPolicy: "allkeys-lru" }).some((p) => p.startsWith("`evictionPolicy` must be one of")));
    });

    it("the DigitalOcean provider's Check for the new resource types (v2.99.1)", () => {
        assert.deepStrictEqual(checkDoDatabaseCluster({ name: "c", engine: "valkey", version: "8", size: "db-s-1vcpu-2gb", region: "fra1", nodeCount: 2 }), []);
        assert.match(checkDoDatabaseCluster({ name: "c", engine: "valkey", size: "s", region: "fra1", nodeCount: 2 })[0].reason, /The argument "version" is required/);
        assert.match(checkDoDatabaseCluster({ name: "c", engine: "pg", version: "15", size: "s", region: "fra1", nodeCount: 1, evictionPolicy: "allkeys_lru" })[0].reason, /eviction_policy is only supported for Redis or Valkey/);
        assert.match(checkDoDatabaseCluster({ name: "c", engine: "valkey", version: "8", size: "s", region: "fra1", nodeCount: 0 })[0].reason, /node_count must not be zero/);
        assert.deepStrictEqual(checkDoDatabaseFirewall({ clusterId: "id", rules: [{ type: "tag", value: "t" }] }), []);
        assert.match(checkDoDatabaseFirewall({ clusterId: "id", rules: [{ type: "tags", value: "t" }] })[0].reason, /expected rule\.0\.type to be one of \["ip_addr" "droplet" "k8s" "tag" "app"\], got tags/);
        assert.match(checkDoDatabaseFirewall({ clusterId: "id" })[0].reason, /"rule" is required/);
    });

    it("no secret reaches a resource's inputs outside secret values (redis-ha, digitalocean)", async () => {
        for (const cache of ["redis-ha", "digitalocean"]) {
            const r = await recordConfig(base({ cache }));
            const pw = String(unwrap(r.find((x) => /-(redis-ha|valkey)-health$/.test(x.name))!.inputs.stdin).value).trim();
            for (const x of r) {
                if (x.type === REMOTE_COMMAND) continue;
                for (const [k, v] of Object.entries(x.inputs)) {
                    if (unwrap(v).secret) continue;
                    assert.ok(!strings(v).some((s) => s.includes(pw)), `${cache}: ${x.name}.${k} carries the password in clear`);
                }
            }
        }
    });
});
