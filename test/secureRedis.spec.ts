// SecureRedis on its own under mocks: Redis with a password and its own mutual TLS on the cache's private address
// (no plain port), an stunnel client on every node, each private key only to its own host.
import * as assert from "assert";
import { ClusterCa } from "../components/clusterCa";
import { SecureRedis, validateSecureRedisArgs } from "../components/secureRedis";
import { RecordedResource } from "../src/record";
import { byName, commands, mockHost as host, mocks, recordComponent, unwrap } from "./helpers/program";
import { assertShellcheckClean } from "./helpers/shellcheck";


describe("SecureRedis (alone, under mocks)", () => {
    let resources: RecordedResource[];
    const clients = [host("gluu-1", "10.0.0.11"), host("gluu-2", "10.0.0.12")];
    before(async () => {
        resources = await recordComponent((opts) => {
            const ca = new ClusterCa("cluster-ca", {}, opts);
            return new SecureRedis("cache", { cacheHost: host("cache", "10.0.0.20"), clients, ...ca.caArgs }, opts);
        });
    });

    const text = (name: string, field = "create") => String(unwrap(byName(resources, name).inputs[field]).value);
    const keyOf = (prefix: string) => {
        const k = [...mocks.secrets.entries()].find(([v, l]) => l === `${prefix}-key.privateKey` && v.includes("BEGIN"));
        assert.ok(k, `a key for ${prefix}`);
        return k![0];
    };

    it("installs Redis with its password on stdin only", () => {
        const redis = byName(resources, "cache-redis");
        assert.ok(unwrap(redis.inputs.stdin).secret);
        assert.strictEqual(redis.inputs.logging, "none");
        const pw = String(unwrap(redis.inputs.stdin).value).split("\n")[0];
        assert.ok(pw.length >= 32);
        for (const c of commands(resources)) assert.ok(!text(c.name).includes(pw), `${c.name} has no password in its text`);
    });

    it("Redis listens only with TLS on the cache's private address and requires client certificates; no stunnel server", () => {
        const redis = text("cache-redis");
        assert.match(redis, /^bind 10\.0\.0\.20$/m);
        assert.match(redis, /^port 0$/m);
        assert.match(redis, /^tls-port 16379$/m);
        assert.match(redis, /^tls-auth-clients yes$/m);
        assert.match(redis, /^tls-ca-cert-file \/etc\/redis\/gluu-cluster-ca\.crt$/m);
        assert.ok(!resources.some((r) => r.name === "cache-stunnel-server"), "no stunnel server step any more");
        // The cache's certificate and the CA (public) come in the script text; the key does not.
        assert.strictEqual((redis.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length, 2);
        assert.doesNotMatch(redis, /PRIVATE KEY-----\n/);
    });

    it("gives every node an stunnel client with `client = yes`, verifyChain and checkHost, on loopback", () => {
        for (const c of clients) {
            const conf = text(`${c.name}-stunnel-client`);
            assert.match(conf, /^client = yes$/m);
            assert.match(conf, /^accept = 127\.0\.0\.1:16379$/m);
            assert.match(conf, /^connect = 10\.0\.0\.20:16379$/m);
            assert.match(conf, /^verifyChain = yes$/m);
            assert.match(conf, /^checkHost = cache$/m);
        }
    });

    it("sends each private key to its own host only", () => {
        const own: Record<string, string> = { cache: keyOf("cache-redis-tunnel"), "gluu-1": keyOf("gluu-1-redis-tunnel"), "gluu-2": keyOf("gluu-2-redis-tunnel") };
        for (const step of commands(resources)) {
            const stdin = String(unwrap(step.inputs.stdin).value ?? "");
            for (const [owner, key] of Object.entries(own)) {
                if (stdin.includes(key)) assert.strictEqual(step.host, owner, `${owner}'s key goes only to ${owner}, not via ${step.name}`);
                assert.ok(!text(step.name).includes(key.split("\n")[1]), `${step.name}'s text holds no key`);
            }
        }
    });

    it("checks PING through each tunnel after both ends are up", () => {
        for (const c of clients) {
            const health = byName(resources, `${c.name}-redis-health`);
            assert.deepStrictEqual(health.dependsOn.sort(), [byName(resources, `${c.name}-stunnel-client`).urn, byName(resources, "cache-redis").urn].sort());
            assert.match(text(health.name), /16379/);
        }
    });

    it("renders shellcheck-clean scripts", () => {
        for (const c of commands(resources)) assertShellcheckClean(c.name, text(c.name));
    });

    it("sends the cache's key with the password on the Redis step's stdin (line 1 the password, then the key)", () => {
        const stdin = String(unwrap(byName(resources, "cache-redis").inputs.stdin).value);
        const [pw, ...rest] = stdin.split("\n");
        assert.ok(pw.length >= 32);
        assert.strictEqual(rest.join("\n").trim(), keyOf("cache-redis-tunnel").trim());
    });

    it("refuses a cache host that is also a client, and bad ports", () => {
        const problems = validateSecureRedisArgs({ cacheHost: clients[0], clients, caCertPem: "", caPrivateKeyPem: "", port: 0 });
        assert.ok(problems.some((p) => /`port` must be an integer/.test(p)));
        assert.ok(problems.some((p) => /also a client/.test(p)));
    });
});
