// The policy pack's rules (policy/rules.ts) on hand-built resources, the @pulumi/policy adapters
// (policy/policies.ts) under the engine's unknown-checking proxy, and the library's own resources for every
// shipped stack (plus SecureRedis with ClusterCa) under mocks: they must pass every rule.
import * as assert from "assert";
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { ClusterCa } from "../components/clusterCa";
import { MEMBER_PORTS } from "../components/gluuCluster";
import { HostArgs } from "../components/host";
import { SecureRedis } from "../components/secureRedis";
import { policies } from "../policy/policies";
import * as rules from "../policy/rules";
import { gluuProgram } from "../src/program";
import { mockEd25519 } from "../src/mocks";
import { RecordedResource, recordProgram } from "../src/record";
import { mocks, stackConfig } from "./helpers/program";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const proxy = require("@pulumi/policy/proxy");

const T = {
    key: rules.TLS_PRIVATE_KEY,
    self: rules.TLS_SELF_SIGNED_CERT,
    local: rules.TLS_LOCALLY_SIGNED_CERT,
    csr: rules.TLS_CERT_REQUEST,
    cmd: rules.REMOTE_COMMAND,
    copy: rules.REMOTE_COPY_TO_REMOTE,
    fw: rules.DO_FIREWALL,
    droplet: rules.DO_DROPLET,
};
const UNKNOWN_STRING: string = proxy.unknownStringValue;
const UNKNOWN_NUMBER: string = proxy.unknownNumberValue;
const UNKNOWN_OBJECT: string = proxy.unknownObjectValue;
const UNKNOWN_ARRAY: string = proxy.unknownArrayValue;
const SIG = "4dabf18193072939515e22adb298388d";
const wrapSecret = (value: any) => ({ [SIG]: "1b47061264138c4ac30d75fd1eb44270", value });

const HOST_KEY = mockEd25519("policy host").publicKeyOpenssh.trim();

/** Violations of one rule; asserts that each names the resource. */
function check(rule: rules.ResourceRule, type: string, props: Record<string, any>, opts?: rules.RuleResourceOptions): string[] {
    const out = rule.validate(type, props, "res-1", opts);
    for (const m of out) assert.match(m, /`res-1`/, `the message names the resource: ${m}`);
    return out;
}
function ok(rule: rules.ResourceRule, type: string, props: Record<string, any>, opts?: rules.RuleResourceOptions) {
    assert.deepStrictEqual(check(rule, type, props, opts), []);
}
function bad(rule: rules.ResourceRule, type: string, props: Record<string, any>, field: RegExp, opts?: rules.RuleResourceOptions) {
    const out = check(rule, type, props, opts);
    assert.ok(out.length > 0, `expected a violation for ${JSON.stringify(props)}`);
    assert.ok(out.some((m) => field.test(m)), `a message matches ${field}: ${out.join(" | ")}`);
}

const pem = (kp: crypto.KeyPairKeyObjectResult) => kp.privateKey.export({ format: "pem", type: "pkcs8" }) as string;
const RSA_2048 = pem(crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }));
const EC_P256 = pem(crypto.generateKeyPairSync("ec", { namedCurve: "P-256" }));
const EC_P224 = pem(crypto.generateKeyPairSync("ec", { namedCurve: "P-224" }));

describe("policy rules", () => {
    it("use the same unknown sentinels as @pulumi/policy", () => {
        for (const k of ["unknownBooleanValue", "unknownNumberValue", "unknownStringValue", "unknownArrayValue", "unknownAssetValue", "unknownArchiveValue", "unknownObjectValue"]) {
            assert.ok(rules.UNKNOWN_SENTINELS.has(proxy[k]), `${k} is known to the rules`);
        }
        assert.strictEqual(rules.UNKNOWN_SENTINELS.size, 7);
    });

    it("watch every port the cluster firewall keeps to members (MEMBER_PORTS), plus Redis", () => {
        for (const p of [...MEMBER_PORTS, 6379]) assert.ok(rules.CLUSTER_PORTS.includes(p), `port ${p}`);
    });

    describe("tls-key-strength", () => {
        const r = rules.tlsKeyStrength;
        it("accepts ED25519, ECDSA P256/P384 and RSA ≥ 2048 (the provider's default size)", () => {
            ok(r, T.key, { algorithm: "ED25519" });
            ok(r, T.key, { algorithm: "ECDSA", ecdsaCurve: "P256" });
            ok(r, T.key, { algorithm: "ECDSA", ecdsa_curve: "P384" });
            ok(r, T.key, { algorithm: "RSA" });
            ok(r, T.key, { algorithm: "RSA", rsaBits: 4096 });
        });
        it("refuses RSA under 2048 bits, in either casing", () => {
            bad(r, T.key, { algorithm: "RSA", rsaBits: 1024 }, /`rsaBits` is 1024.*2048/);
            bad(r, T.key, { algorithm: "RSA", rsa_bits: 1024 }, /`rsaBits`/);
        });
        it("refuses ECDSA P224, including the unset curve (the provider's default)", () => {
            bad(r, T.key, { algorithm: "ECDSA", ecdsaCurve: "P224" }, /`ecdsaCurve` is P224.*P256/);
            bad(r, T.key, { algorithm: "ECDSA" }, /`ecdsaCurve` is not set, so the provider uses P224/);
        });
        it("does not judge unknown values or other types", () => {
            ok(r, T.key, { algorithm: "RSA", rsaBits: UNKNOWN_NUMBER });
            ok(r, T.key, { algorithm: UNKNOWN_STRING });
            ok(r, T.cmd, { algorithm: "RSA", rsaBits: 512 });
        });
    });

    describe("tls-ca-key-strength (stack)", () => {
        const run = (resources: rules.StackResource[]) => rules.tlsCaKeyStrength.validateStack(resources);
        const key = (urn: string, props: Record<string, any>): rules.StackResource => ({ type: T.key, name: urn, urn, props });

        it("finds a self-signed CA's key through property dependencies (preview: PEMs unknown) and refuses RSA < 3072", () => {
            const out = run([
                key("k", { algorithm: "RSA", rsaBits: 2048, privateKeyPem: UNKNOWN_STRING }),
                { type: T.self, name: "ca", urn: "c", props: { isCaCertificate: true, privateKeyPem: UNKNOWN_STRING }, propertyDependencies: { privateKeyPem: ["k"] } },
            ]);
            assert.strictEqual(out.length, 1);
            assert.strictEqual(out[0].urn, "k");
            assert.match(out[0].message, /tls\.PrivateKey `k`.*CA key.*tls\.SelfSignedCert `ca`.*`privateKeyPem`.*`rsaBits` 2048.*3072/);
        });
        it("finds it by PEM value too, and counts an unset rsaBits as 2048", () => {
            const out = run([key("k", { algorithm: "RSA", privateKeyPem: "PEM-A" }), { type: T.self, name: "ca", urn: "c", props: { isCaCertificate: true, privateKeyPem: "PEM-A" } }]);
            assert.strictEqual(out.length, 1);
            assert.match(out[0].message, /unset \(2048\)/);
        });
        it("accepts RSA 3072 and ECDSA CA keys, and RSA 2048 for leaf certificates", () => {
            assert.deepStrictEqual(
                run([key("k", { algorithm: "RSA", rsaBits: 3072, privateKeyPem: "A" }), { type: T.self, name: "ca", props: { isCaCertificate: true, privateKeyPem: "A" } }]),
                [],
            );
            assert.deepStrictEqual(
                run([key("k", { algorithm: "ECDSA", ecdsaCurve: "P256", privateKeyPem: "A" }), { type: T.self, name: "ca", props: { isCaCertificate: true, privateKeyPem: "A" } }]),
                [],
            );
            assert.deepStrictEqual(run([key("k", { algorithm: "RSA", privateKeyPem: "A" }), { type: T.self, name: "leaf", props: { isCaCertificate: false, privateKeyPem: "A" } }]), []);
        });
        it("treats the signing key of a LocallySignedCert as a CA key", () => {
            const out = run([key("k", { algorithm: "RSA", rsaBits: 2048, privateKeyPem: "A" }), { type: T.local, name: "leaf", urn: "l", props: { caPrivateKeyPem: "A" } }]);
            assert.strictEqual(out.length, 1);
            assert.match(out[0].message, /`caPrivateKeyPem`/);
        });
        it("treats the key behind an intermediate CA's request as a CA key", () => {
            const out = run([
                key("k", { algorithm: "RSA", rsaBits: 2048 }),
                { type: T.csr, name: "int-csr", urn: "r", props: { certRequestPem: "CSR" }, propertyDependencies: { privateKeyPem: ["k"] } },
                key("root", { algorithm: "ECDSA", ecdsaCurve: "P384", privateKeyPem: "ROOT" }),
                { type: T.local, name: "int", urn: "i", props: { isCaCertificate: true, certRequestPem: "CSR", caPrivateKeyPem: "ROOT" } },
            ]);
            assert.deepStrictEqual(out.map((v) => v.urn), ["k"]);
            assert.match(out[0].message, /tls\.CertRequest `int-csr`/);
        });
        it("measures a known PEM that belongs to no key in the stack", () => {
            const out = run([{ type: T.self, name: "ca", urn: "c", props: { isCaCertificate: true, privateKeyPem: RSA_2048 } }]);
            assert.strictEqual(out.length, 1);
            assert.match(out[0].message, /`privateKeyPem` is RSA 2048 bits/);
            assert.ok(!out[0].message.includes(RSA_2048.split("\n")[1]), "no key material in the message");
            assert.strictEqual(run([{ type: T.self, name: "ca", props: { isCaCertificate: true, privateKeyPem: EC_P224 } }]).length, 1);
            assert.deepStrictEqual(run([{ type: T.self, name: "ca", props: { isCaCertificate: true, privateKeyPem: EC_P256 } }]), []);
        });
        it("says nothing when neither the key nor its PEM is known", () => {
            assert.deepStrictEqual(run([{ type: T.self, name: "ca", props: { isCaCertificate: true, privateKeyPem: UNKNOWN_STRING } }]), []);
        });
    });

    describe("tls-certificate-validity", () => {
        const r = rules.tlsCertificateValidity;
        it("accepts the library's lifetimes: CA 10 years, leaf 1 year renewed 30 days early", () => {
            ok(r, T.self, { isCaCertificate: true, validityPeriodHours: 87600 });
            ok(r, T.local, { validityPeriodHours: 8760, earlyRenewalHours: 720 });
            ok(r, T.self, { validity_period_hours: 19800, early_renewal_hours: 24 });
        });
        it("requires validityPeriodHours and bounds it", () => {
            bad(r, T.self, { isCaCertificate: true }, /`validityPeriodHours` is not set/);
            bad(r, T.self, { isCaCertificate: true, validityPeriodHours: 87601 }, /`validityPeriodHours` is 87601.*CA certificate.*87600/);
            bad(r, T.local, { validityPeriodHours: 19801, earlyRenewalHours: 720 }, /leaf certificate.*19800/);
            bad(r, T.local, { validityPeriodHours: 0, earlyRenewalHours: 1 }, /positive/);
        });
        it("requires earlyRenewalHours on leaf certificates, below the lifetime", () => {
            bad(r, T.local, { validityPeriodHours: 8760 }, /`earlyRenewalHours` is not set/);
            bad(r, T.local, { validityPeriodHours: 8760, earlyRenewalHours: 0 }, /`earlyRenewalHours`/);
            bad(r, T.self, { validityPeriodHours: 720, earlyRenewalHours: 720 }, /not below `validityPeriodHours`/);
        });
        it("leaves unknown values alone", () => {
            ok(r, T.local, { validityPeriodHours: UNKNOWN_NUMBER, earlyRenewalHours: 720 });
            ok(r, T.self, { isCaCertificate: "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7" });
        });
    });

    describe("remote-host-key-pinned", () => {
        const r = rules.remoteHostKey;
        it("accepts a pinned host key, also behind a secret wrapper and on CopyToRemote", () => {
            ok(r, T.cmd, { connection: { host: "192.0.2.1", hostKey: HOST_KEY } });
            ok(r, T.cmd, { connection: wrapSecret({ host: "192.0.2.1", hostKey: HOST_KEY }) });
            ok(r, T.copy, { connection: { host: "192.0.2.1", host_key: HOST_KEY } });
        });
        it("refuses a missing, empty or malformed host key, and an unpinned bastion", () => {
            bad(r, T.cmd, { connection: { host: "192.0.2.1" } }, /`connection\.hostKey` is not set/);
            bad(r, T.cmd, { connection: wrapSecret({ host: "192.0.2.1", hostKey: "" }) }, /`connection\.hostKey` is not set/);
            bad(r, T.copy, { connection: { host: "192.0.2.1", hostKey: "192.0.2.1 fingerprint" } }, /`connection\.hostKey` is not an SSH public key/);
            bad(r, T.cmd, { connection: { host: "192.0.2.1", hostKey: HOST_KEY, proxy: { host: "bastion" } } }, /`connection\.proxy\.hostKey`/);
            bad(r, T.cmd, {}, /`connection` is missing/);
        });
        it("refuses an ssh-rsa host key: the provider would pin ssh-rsa (SHA-1), which OpenSSH 8.8+ refuses", () => {
            const rsa = `ssh-rsa ${Buffer.concat([Buffer.from([0, 0, 0, 7]), Buffer.from("ssh-rsa"), crypto.randomBytes(64)]).toString("base64")}`;
            bad(r, T.cmd, { connection: { host: "192.0.2.1", hostKey: rsa } }, /`connection\.hostKey` is an ssh-rsa key: .*pin the ed25519 \(or ecdsa\) key with `ssh-keyscan -t ed25519 <host>`/);
            bad(r, T.cmd, { connection: { host: "192.0.2.1", hostKey: `192.0.2.1 ${rsa}` } }, /`connection\.hostKey` is an ssh-rsa key/);
        });
        it("accepts an ssh-keyscan line (`ADDRESS ssh-ed25519 AAAA…`), which the provider's ParseAuthorizedKey accepts", () => {
            ok(r, T.cmd, { connection: { host: "192.0.2.1", hostKey: `192.0.2.1 ${HOST_KEY}` } });
            ok(r, T.cmd, { connection: { host: "192.0.2.1", hostKey: `[192.0.2.1]:2222 ${HOST_KEY}\n` } });
        });
        it("leaves an unknown connection or host key alone (preview of a new droplet)", () => {
            ok(r, T.cmd, { connection: UNKNOWN_OBJECT });
            ok(r, T.cmd, { connection: { host: UNKNOWN_STRING, hostKey: UNKNOWN_STRING } });
        });
    });

    describe("remote-secret-stdin-quiet", () => {
        const r = rules.remoteSecretStdin;
        const quiet = { additionalSecretOutputs: ["stdout", "stderr", "connection"] };
        it("accepts a quiet secret-bearing step and any step without stdin", () => {
            ok(r, T.cmd, { stdin: "pw\n", logging: "none" }, quiet);
            ok(r, T.cmd, { create: "true", logging: "stdoutAndStderr" }, { additionalSecretOutputs: [] });
        });
        it("refuses stdin with logging on (also when unset), and plain stdout/stderr", () => {
            bad(r, T.cmd, { stdin: wrapSecret("pw") }, /`logging` is not set.*`logging: "none"`/);
            bad(r, T.cmd, { stdin: UNKNOWN_STRING, logging: "stdoutAndStderr" }, /`logging` is "stdoutAndStderr"/);
            bad(r, T.cmd, { stdin: "pw", logging: "none" }, /`stdout` and `stderr`.*`additionalSecretOutputs`/, { additionalSecretOutputs: ["connection"] });
            bad(r, T.cmd, { stdin: "pw", logging: "none" }, /`stderr` are stored/, { additionalSecretOutputs: ["stdout"] });
        });
    });

    describe("remote-no-environment", () => {
        const r = rules.remoteNoEnvironment;
        it("refuses any environment, naming the keys and never the values", () => {
            const out = check(r, T.cmd, { environment: { DB_PASSWORD: "hunter2hunter2", LANG: "C" } });
            assert.strictEqual(out.length, 1);
            assert.match(out[0], /`environment` sets `DB_PASSWORD`, `LANG`/);
            assert.ok(!out[0].includes("hunter2"));
        });
        it("accepts none, an empty one, or an unknown one", () => {
            ok(r, T.cmd, {});
            ok(r, T.cmd, { environment: {} });
            ok(r, T.cmd, { environment: UNKNOWN_OBJECT });
        });
    });

    describe("remote-no-previous-output-env", () => {
        const r = rules.remoteNoPreviousOutput;
        it("requires addPreviousOutputInEnv: false (the default is true)", () => {
            ok(r, T.cmd, { addPreviousOutputInEnv: false });
            ok(r, T.cmd, { add_previous_output_in_env: false });
            bad(r, T.cmd, {}, /`addPreviousOutputInEnv` is not set \(default true\)/);
            bad(r, T.cmd, { addPreviousOutputInEnv: true }, /`addPreviousOutputInEnv` is true/);
        });
    });

    describe("remote-no-secrets-in-command-text", () => {
        const r = rules.remoteNoSecretsInText;
        const key = mockEd25519("policy key").privateKeyOpenssh;
        const badTexts: [string, RegExp][] = [
            ["/opt/opendj/bin/ldapsearch -h localhost -p 1636 -D 'cn=directory manager' -w s3cret -b o=gluu", /LDAP password after `-w`/],
            ["ldapmodify -Z -X \\\n  -D 'cn=directory manager' \\\n  -w 'pa ss' -f x.ldif", /LDAP password after `-w`/],
            ["dsreplication enable --bindPassword1 x --bindPasswordFile2 f", /OpenDJ password option/],
            ["dsconfig --adminPassword=secret set-global-configuration-prop", /OpenDJ password option/],
            ["redis-cli -h 127.0.0.1 -a hunter2 ping", /redis-cli command line/],
            ["redis-cli --pass hunter2 ping", /redis-cli command line/],
            ["redis-cli -u redis://default:hunter2@127.0.0.1:6379 ping", /redis:\/\/ URI/],
            ["echo 'requirepass hunter2' >> /etc/redis/redis.conf", /`requirepass`/],
            ["redis-cli CONFIG SET requirepass hunter2", /`requirepass`/],
            [`cat > /root/.ssh/id <<'EOF'\n${key}EOF`, /PEM private key/],
            [`printf '%s' '${RSA_2048}' > /etc/key.pem`, /PEM private key/],
        ];
        for (const [text, why] of badTexts) {
            it(`refuses: ${text.split("\n")[0].slice(0, 70)}`, () => {
                bad(r, T.cmd, { create: text }, new RegExp("`create` contains .*" + why.source));
            });
        }
        it("names the field: update and delete are checked too", () => {
            bad(r, T.cmd, { create: "true", delete: "redis-cli -a hunter2 shutdown" }, /`delete` contains/);
            bad(r, T.cmd, { update: "ldapdelete -w x cn=a" }, /`update` contains/);
        });
        const goodTexts = [
            'ldapsearch -D "cn=directory manager" -w "$dm_pw" -b o=gluu',
            'dsconfig --bindPasswordFile "$dm_pw_file" --trustAll --no-prompt',
            'dsreplication enable --bindPasswordFile1 "$f" --bindPasswordFile2 "$f" --adminPasswordFile "$f"',
            "printf 'requirepass \"%s\"\\n' \"$esc\"",
            "sed -i '/^requirepass /d' /etc/redis/redis.conf",
            'REDISCLI_AUTH="$redis_password" redis-cli --no-auth-warning -h 127.0.0.1 -p 6379 ping',
            "key_count=$(grep -c -- '-----BEGIN [A-Z ]*PRIVATE KEY-----' \"$key_tmp\" || true)",
            "nc -w 3 10.0.0.1 16379 </dev/null; curl -s -w '%{http_code}' https://x; cloud-init status --wait",
        ];
        for (const text of goodTexts) {
            it(`accepts: ${text.slice(0, 70)}`, () => ok(r, T.cmd, { create: text }));
        }
        it("leaves unknown text alone", () => ok(r, T.cmd, { create: UNKNOWN_STRING }));
    });

    describe("do-firewall-ingress", () => {
        const r = rules.doFirewallIngress;
        const fw = (inboundRules: any[], extra: Record<string, any> = {}) => ({ name: "fw", tags: ["gluu-member"], inboundRules, ...extra });
        it("accepts the library's member firewall", () => {
            ok(
                r,
                T.fw,
                fw([
                    { protocol: "tcp", portRange: "22", sourceAddresses: ["203.0.113.0/24"] },
                    { protocol: "tcp", portRange: "443", sourceTags: ["gluu-lb"] },
                    ...MEMBER_PORTS.map((p) => ({ protocol: "tcp", portRange: String(p), sourceTags: ["gluu-member"] })),
                    { protocol: "icmp", sourceTags: ["gluu-member", "gluu-lb"] },
                ]),
            );
        });
        it("refuses SSH from the world (IPv4, IPv6, or the internet in two halves)", () => {
            bad(r, T.fw, fw([{ protocol: "tcp", portRange: "22", sourceAddresses: ["0.0.0.0/0"] }]), /`inboundRules\[0\]` opens SSH.*0\.0\.0\.0\/0.*`sourceAddresses`/);
            bad(r, T.fw, fw([{ protocol: "tcp", portRange: "22", sourceAddresses: ["203.0.113.0/24", "::/0"] }]), /opens SSH.*::\/0/);
            bad(r, T.fw, fw([{ protocol: "tcp", portRange: "22", sourceAddresses: ["0.0.0.0/1", "128.0.0.0/1"] }]), /opens SSH/);
            bad(r, T.fw, fw([{ protocol: "udp", portRange: "20-30", sourceAddresses: ["0.0.0.0/0"] }]), /opens SSH \(udp 20-30\)/);
        });
        it("refuses cluster ports from the world or any public range; accepts private ranges", () => {
            bad(r, T.fw, fw([{ protocol: "tcp", portRange: "4444", sourceAddresses: ["0.0.0.0/0"] }]), /cluster port\(s\) 4444.*`sourceTags`/);
            bad(r, T.fw, fw([{ protocol: "tcp", portRange: "16379", sourceAddresses: ["203.0.113.0/24"] }]), /cluster port\(s\) 16379 to 203\.0\.113\.0\/24/);
            bad(r, T.fw, fw([{ protocol: "tcp", portRange: "1000-20000", sourceAddresses: ["198.51.100.7/32"] }]), /cluster port\(s\) 1636, 4444, 8989, 16379, 6379/);
            ok(r, T.fw, fw([{ protocol: "tcp", portRange: "16379", sourceAddresses: ["10.110.0.0/20", "fd00::/8"] }]));
        });
        it("refuses every port open to the world", () => {
            for (const portRange of ["1-65535", "all", undefined]) {
                bad(r, T.fw, fw([{ protocol: "tcp", portRange, sourceAddresses: ["::/0"] }]), /opens every port/);
            }
        });
        it("allows 80/443 from the world only on the load balancer's firewall (tags ending in -lb)", () => {
            const web = [
                { protocol: "tcp", portRange: "80", sourceAddresses: ["0.0.0.0/0", "::/0"] },
                { protocol: "tcp", portRange: "443", sourceAddresses: ["0.0.0.0/0", "::/0"] },
            ];
            ok(r, T.fw, fw(web, { tags: ["gluu-lb"] }));
            ok(r, T.fw, fw(web, { tags: UNKNOWN_ARRAY }));
            bad(r, T.fw, fw(web), /`inboundRules\[1\]` opens 443.*not the load balancer's firewall/);
            bad(r, T.fw, fw(web, { tags: ["gluu-lb"], dropletIds: [1] }), /not the load balancer's firewall/);
        });
        it("accepts ICMP from the world, unknown sources, and snake_case; refuses an unreadable port range", () => {
            ok(r, T.fw, fw([{ protocol: "icmp", sourceAddresses: ["0.0.0.0/0"] }]));
            ok(r, T.fw, fw([{ protocol: "tcp", portRange: "22", sourceAddresses: UNKNOWN_ARRAY }]));
            ok(r, T.fw, fw([{ protocol: "tcp", portRange: "22", sourceAddresses: [UNKNOWN_STRING] }]));
            bad(r, T.fw, { inbound_rules: [{ protocol: "tcp", port_range: "22", source_addresses: ["0.0.0.0/0"] }] }, /opens SSH/);
            bad(r, T.fw, fw([{ protocol: "tcp", portRange: "ssh", sourceAddresses: ["10.0.0.0/8"] }]), /`inboundRules\[0\]\.portRange` "ssh"/);
        });
    });

    describe("do-droplet-baseline", () => {
        const r = rules.doDropletBaseline;
        it("accepts a droplet with SSH keys and a VPC (either casing) or with unknown ones", () => {
            ok(r, T.droplet, { sshKeys: ["aa:bb"], vpcUuid: "0f9d6c3e-0000-4000-8000-000000000000" });
            ok(r, T.droplet, { ssh_keys: ["123"], vpc_uuid: "x" });
            ok(r, T.droplet, { sshKeys: UNKNOWN_ARRAY, vpcUuid: UNKNOWN_STRING });
        });
        it("refuses a droplet without SSH keys or without a VPC", () => {
            bad(r, T.droplet, { vpcUuid: "x" }, /`sshKeys` is empty/);
            bad(r, T.droplet, { sshKeys: [], vpcUuid: "x" }, /`sshKeys` is empty/);
            bad(r, T.droplet, { sshKeys: ["aa"] }, /`vpcUuid` is not set/);
        });
    });
});

describe("policy pack adapters (policy/policies.ts)", () => {
    const byName = (n: string) => policies.find((p) => p.name === n)!;

    it("has one policy per rule, unique names, all mandatory", () => {
        const names = policies.map((p) => p.name);
        assert.deepStrictEqual(names, [...rules.RESOURCE_RULES, ...rules.STACK_RULES].map((r) => r.name));
        assert.strictEqual(new Set(names).size, names.length);
        for (const p of policies) assert.strictEqual(p.enforcementLevel, "mandatory");
    });

    /** Call a resource policy the way the engine does: props behind the unknown-checking proxy. */
    function analyze(policyName: string, type: string, props: Record<string, any>, additionalSecretOutputs: string[] = []): string[] {
        const reports: string[] = [];
        const p = byName(policyName) as ResourceValidationPolicy;
        const args: any = { type, name: "res-1", urn: "urn:x", props: proxy.unknownCheckingProxy(props), opts: { additionalSecretOutputs } };
        const v = p.validateResource as (a: any, r: (m: string) => void) => void;
        v(args, (m) => reports.push(m));
        return reports;
    }

    it("reads past the unknown-checking proxy: an unknown connection is not an error, a missing host key is a violation", () => {
        const props = { connection: UNKNOWN_OBJECT, stdin: "pw", logging: "none", addPreviousOutputInEnv: false, create: "true" };
        assert.throws(() => proxy.unknownCheckingProxy(props).connection, proxy.UnknownValueError, "the proxy alone would throw");
        for (const p of policies.filter((x) => "validateResource" in x)) {
            assert.deepStrictEqual(analyze(p.name, T.cmd, props, ["stdout", "stderr"]), [], p.name);
        }
        const missingKey = analyze("remote-host-key-pinned", T.cmd, { connection: { host: "192.0.2.1", user: "root" } });
        assert.strictEqual(missingKey.length, 1);
        assert.match(missingKey[0], /`connection\.hostKey` is not set/);
    });

    it("passes the resource options on: plain stdout/stderr of a secret-bearing step are reported", () => {
        const out = analyze("remote-secret-stdin-quiet", T.cmd, { stdin: "pw", logging: "none" }, ["connection"]);
        assert.strictEqual(out.length, 1);
    });

    it("reports stack violations against the key's URN, linked by property dependencies", () => {
        const key: Partial<PolicyResource> = { type: T.key, name: "k", urn: "urn:k", props: proxy.unknownCheckingProxy({ algorithm: "RSA", rsaBits: 2048, privateKeyPem: UNKNOWN_STRING }), propertyDependencies: {} };
        const cert: Partial<PolicyResource> = {
            type: T.self,
            name: "ca",
            urn: "urn:c",
            props: proxy.unknownCheckingProxy({ isCaCertificate: true, validityPeriodHours: 1, privateKeyPem: UNKNOWN_STRING }),
            propertyDependencies: { privateKeyPem: [key as PolicyResource] },
        };
        const reports: [string, string | undefined][] = [];
        const p = byName("tls-ca-key-strength") as StackValidationPolicy;
        (p.validateStack as (a: any, r: (m: string, u?: string) => void) => void)({ resources: [key, cert] }, (m, u) => reports.push([m, u]));
        assert.strictEqual(reports.length, 1);
        assert.strictEqual(reports[0][1], "urn:k");
    });
});

// --- the library's own resources ---

/** Inputs with every secret wrapper opened (the engine hands policies plain values). */
function deepPlain(v: any): any {
    const u = rules.plain(v);
    if (Array.isArray(u)) return u.map(deepPlain);
    if (u && typeof u === "object") return Object.fromEntries(Object.entries(u).map(([k, x]) => [k, deepPlain(x)]));
    return u;
}

interface Checked {
    resources: RecordedResource[];
    secretOutputs: Map<string, string[] | undefined>;
}

/** Record a program, also capturing each resource's `additionalSecretOutputs` (a resource option). */
async function record(build: (opts: pulumi.ComponentResourceOptions) => pulumi.Resource): Promise<Checked> {
    const secretOutputs = new Map<string, string[] | undefined>();
    const capture: pulumi.ResourceTransformation = (t) => {
        secretOutputs.set(`${t.type}::${t.name}`, (t.opts as pulumi.CustomResourceOptions).additionalSecretOutputs as string[] | undefined);
        return undefined;
    };
    const resources = await recordProgram(mocks, (o) => build({ ...o, transformations: [...(o.transformations ?? []), capture] }));
    return { resources, secretOutputs };
}

function violations({ resources, secretOutputs }: Checked): string[] {
    const custom = resources.filter((r) => r.custom);
    const out: string[] = [];
    for (const r of custom) {
        out.push(...rules.validateResource(r.type, deepPlain(r.inputs), r.name, { additionalSecretOutputs: secretOutputs.get(`${r.type}::${r.name}`) ?? [] }));
    }
    out.push(...rules.validateStack(custom.map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: deepPlain(r.inputs) }))).map((v) => v.message));
    return out;
}

function count(resources: RecordedResource[], type: string): number {
    return resources.filter((r) => r.type === type).length;
}

describe("the library's own resources pass every policy rule", function () {
    // Whole programs under mocks (real key and certificate generation): seconds, not mocha's default 2 s.
    this.timeout(300000);
    for (const stack of ["dev", "prod", "byo", "ha", "byo-ha"]) {
        it(`the ${stack} stack`, async () => {
            const checked = await record((o) => gluuProgram(stackConfig(stack), o).cluster);
            assert.ok(count(checked.resources, T.cmd) >= 10, "the remote steps were checked");
            const expected = stack.startsWith("byo") ? [T.key] : [T.fw, T.droplet, T.key];
            for (const t of expected) assert.ok(count(checked.resources, t) > 0, `${t} was checked`);
            assert.deepStrictEqual(violations(checked), []);
        });
    }

    const host = (name: string, address: string): HostArgs => ({
        name,
        publicAddress: address,
        privateAddress: address,
        ssh: { host: address, privateKey: mockEd25519("login").privateKeyOpenssh, hostKey: mockEd25519(`host ${name}`).publicKeyOpenssh.trim() },
    });
    let redis: Checked;

    it("SecureRedis with ClusterCa on its own", async () => {
        redis = await record((o) => {
            const ca = new ClusterCa("cluster-ca", {}, o);
            return new SecureRedis("cache", { cacheHost: host("cache", "10.0.0.20"), clients: [host("gluu-1", "10.0.0.11"), host("gluu-2", "10.0.0.12")], ...ca.caArgs }, o);
        });
        for (const t of [T.self, T.local, T.key, T.cmd]) assert.ok(count(redis.resources, t) > 0, `${t} was checked`);
        assert.deepStrictEqual(violations(redis), []);
    });

    it("…and the CA check is not vacuous: an RSA 2048 CA key in the same stack is refused", () => {
        assert.ok(redis, "recorded above");
        const swapped = redis.resources.map((r) =>
            r.type === T.self ? { ...r, inputs: { ...r.inputs, privateKeyPem: RSA_2048 } } : r,
        );
        const found = violations({ ...redis, resources: swapped });
        assert.strictEqual(found.length, 1, found.join("\n"));
        assert.match(found[0], /tls\.SelfSignedCert `cluster-ca-cert`.*RSA 2048 bits/);
    });

    it("the config check and GluuCluster refuse SSH to the world in halves; a program that builds such a firewall itself is still caught", async () => {
        const raw = { ...stackConfig("dev"), adminCidrs: JSON.stringify(["0.0.0.0/1", "128.0.0.0/1"]) };
        assert.throws(() => gluuProgram(raw), /gluu:adminCidrs must not hold a range wider than \/8/);
        const checked = await record((o) => gluuProgram(stackConfig("dev"), o).cluster);
        const opened = {
            ...checked,
            resources: checked.resources.map((r) =>
                r.type === T.fw
                    ? { ...r, inputs: { ...r.inputs, inboundRules: r.inputs.inboundRules.map((x: any) => (x.portRange === "22" ? { ...x, sourceAddresses: ["0.0.0.0/1", "128.0.0.0/1"] } : x)) } }
                    : r,
            ),
        };
        const found = violations(opened);
        assert.ok(found.some((m) => /digitalocean\.Firewall `gluu-members`: `inboundRules\[0\]` opens SSH/.test(m)), found.join("\n"));
        // Every firewall that takes `adminCidrs` for SSH is reported, and nothing else.
        for (const m of found) assert.match(m, /^digitalocean\.Firewall `gluu-[a-z]+`: `inboundRules\[\d+\]` opens SSH \(tcp 22\) to 0\.0\.0\.0\/1, 128\.0\.0\.0\/1/);
    });
});

describe("the policy pack's package.json", () => {
    it("declares @pulumi/policy, @pulumi/pulumi, typescript and ts-node at the repository's versions (`pulumi policy publish` installs only these)", () => {
        const fs = require("fs") as typeof import("fs");
        const path = require("path") as typeof import("path");
        const root = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../package.json"), "utf8"));
        const pack = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../policy/package.json"), "utf8"));
        const all = { ...root.dependencies, ...root.devDependencies };
        for (const dep of ["@pulumi/policy", "@pulumi/pulumi", "typescript", "ts-node", "@types/node"]) {
            assert.strictEqual(pack.dependencies?.[dep], all[dep], `${dep} in policy/package.json`);
        }
        // Every package the pack's sources import is declared.
        const sources = fs.readdirSync(path.resolve(__dirname, "../policy")).filter((f) => f.endsWith(".ts"));
        for (const f of sources) {
            const text = fs.readFileSync(path.resolve(__dirname, "../policy", f), "utf8");
            for (const m of text.matchAll(/from "(@[^/"]+\/[^/"]+|[^./"][^/"]*)/g)) {
                if (["crypto", "fs", "path"].includes(m[1])) continue;
                assert.ok(pack.dependencies?.[m[1]], `policy/${f} imports ${m[1]}, which policy/package.json does not declare`);
            }
        }
    });
});
