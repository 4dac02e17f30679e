// Stack configuration: the shipped stacks parse; every bad value is refused by key, all problems at once.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { cloudInitUserData } from "../components/render/node";
import { CLUSTER_NAME_MAX, USER_DATA_MAX_BYTES, hostKeyProblems, userDataBytes } from "../components/validation";
import { StackConfigError, clearTextSecretProblems, parseStackConfig, stackConfigSchema } from "../src/config";
import { mockEd25519 } from "../src/mocks";
import { loadPlanConfig, standIns } from "../src/plan";
import { gluuProgram, isStackSecret } from "../src/program";
import { CliConfigError, PROJECT_FILE, loadStackConfig, readProject, readStackFile, stackValue } from "../src/stackConfig";
import { opensslPair } from "./helpers/pki";
import { STACKS_DIR, commands, configProblems as problems, mocks, recordConfig, stackConfig, unwrap } from "./helpers/program";
import { connectionOf } from "../components/host";

const LB = opensslPair("idp-dev.example.org");


const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP6FIXqr58nUAjR0TV2k7vp4cup8ApYI1/rQ3xDoklDc";

describe("stack configuration", () => {
    for (const stack of ["dev", "prod", "byo", "ha", "byo-ha"]) {
        it(`accepts the shipped ${stack} stack`, () => {
            assert.deepStrictEqual(problems(stackConfig(stack)), []);
        });
    }

    const dev = () => stackConfig("dev");
    const byo = () => stackConfig("byo");
    const cases: Array<[string, () => Record<string, string>, RegExp]> = [
        ["one node", () => ({ ...dev(), nodeCount: "1" }), /^gluu:nodeCount must be an integer ≥ 2 \(a cluster needs two nodes\), got 1$/],
        ["a fractional node count", () => ({ ...dev(), nodeCount: "2.5" }), /^gluu:nodeCount must be an integer ≥ 2, got 2\.5$/],
        ["a node count that is text", () => ({ ...dev(), nodeCount: "three" }), /^gluu:nodeCount must be an integer ≥ 2/],
        ["no node count and no hosts", () => { const c = dev(); delete c.nodeCount; return c; }, /^gluu:nodeCount is required/],
        ["both node count and existing hosts", () => ({ ...byo(), nodeCount: "3" }), /^gluu:nodeCount and gluu:existingNodeAddresses are both set/],
        ["an unknown version", () => ({ ...dev(), version: "4.2" }), /^gluu:version must be a supported Gluu version: 3\.1\.6, 4\.5, got 4\.2$/],
        ["a hostname that is not an FQDN", () => ({ ...dev(), hostname: "localhost" }), /^gluu:hostname must be a lower-case FQDN/],
        ["a hostname with a shell metacharacter", () => ({ ...dev(), hostname: "idp.example.org;reboot" }), /^gluu:hostname must be a lower-case FQDN/],
        ["a missing hostname", () => { const c = dev(); delete c.hostname; return c; }, /^gluu:hostname is required/],
        ["a lower-case country code", () => ({ ...dev(), countryCode: "us" }), /^gluu:countryCode must be two upper-case letters/],
        ["a bad e-mail", () => ({ ...dev(), adminEmail: "nobody" }), /^gluu:adminEmail must be an e-mail address/],
        ["a misspelt key", () => ({ ...dev(), nodecount: "2" }), /^gluu:nodecount is not a setting this program knows/],
        ["SSH open to the world", () => ({ ...dev(), adminCidrs: '["0.0.0.0/0"]' }), /^gluu:adminCidrs must not contain 0\.0\.0\.0\/0/],
        ["SSH open to the world in two halves", () => ({ ...dev(), adminCidrs: '["0.0.0.0/1","128.0.0.0/1"]' }), /^gluu:adminCidrs must not hold a range wider than \/8/],
        ["a malformed CIDR", () => ({ ...dev(), adminCidrs: '["10.0.0.0/33"]' }), /^gluu:adminCidrs\[0\] must be a CIDR/],
        ["droplets without admin CIDRs", () => { const c = dev(); delete c.adminCidrs; return c; }, /^gluu:adminCidrs is required for droplets/],
        ["droplets without a region", () => { const c = dev(); delete c.region; return c; }, /^gluu:region is required for droplets/],
        ["3.1.6 on a public 22.04 image", () => ({ ...dev(), version: "3.1.6" }), /^gluu:dropletImage ubuntu-22-04-x64 is Ubuntu 22\.04, but Gluu 3\.1\.6 packages target Ubuntu 16\.04/],
        ["4.5 without repository credentials", () => { const c = dev(); delete c.repoUser; delete c.repoPassword; return c; }, /^gluu:repoUser and gluu:repoPassword are required for Gluu 4\.5/],
        ["a host key that is not one", () => ({ ...byo(), existingNodeHostKeys: JSON.stringify(["nope", HOST_KEY, HOST_KEY]) }), /^gluu:existingNodeHostKeys\[0\] must be an SSH public host key .*ssh-keyscan/],
        ["existing hosts without host keys", () => { const c = byo(); delete c.existingNodeHostKeys; return c; }, /^gluu:existingNodeHostKeys is required with gluu:existingNodeAddresses/],
        ["host keys for fewer hosts", () => ({ ...byo(), existingNodeHostKeys: JSON.stringify([HOST_KEY, HOST_KEY]) }), /^gluu:existingNodeHostKeys has 2 entries but gluu:existingNodeAddresses has 3/],
        ["two nodes on one address", () => ({ ...byo(), existingNodeAddresses: '["192.0.2.11","192.0.2.11","192.0.2.13"]' }), /^gluu:existingNodeAddresses\[1\] 192\.0\.2\.11 is also gluu:existingNodeAddresses\[0\]/],
        ["a node on the load balancer's name", () => ({ ...byo(), existingNodeAddresses: '["idp.example.org","192.0.2.12","192.0.2.13"]' }), /^gluu:existingNodeAddresses\[0\] equals gluu:hostname/],
        ["existing hosts with a droplet size", () => ({ ...byo(), dropletSize: "s-4vcpu-8gb" }), /^gluu:dropletSize is for droplets and has no effect with gluu:existingNodeAddresses/],
        ["existing hosts with a region", () => ({ ...byo(), region: "fra1" }), /^gluu:region is for droplets/],
        ["an address with a command in it", () => ({ ...byo(), existingNodeAddresses: '["192.0.2.11","$(reboot)","192.0.2.13"]' }), /^gluu:existingNodeAddresses\[1\] must be an IPv4 address or a host name, got "\$\(reboot\)"$/],
        ["duplicate node names", () => ({ ...byo(), existingNodeNames: '["a","a","b"]' }), /^gluu:existingNodeNames\[1\] a is used twice/],
        ["an upper-case node name", () => ({ ...byo(), existingNodeNames: '["Gluu-1","b","c"]' }), /^gluu:existingNodeNames\[0\] must be a lower-case host name/],
        ["existing hosts without a login", () => { const c = byo(); delete c.sshPrivateKey; return c; }, /^gluu:sshPrivateKey .* or gluu:sshAgentSocketPath is required to log in to existing hosts/],
        ["a port out of range", () => ({ ...byo(), sshPort: "70000" }), /^gluu:sshPort must be an integer 1–65535, got 70000$/],
        ["a password with a quote", () => ({ ...dev(), ldapPassword: "abc'def$ghi;jkl" }), /^gluu:ldapPassword must be 12–64 characters of letters, digits/],
        ["a non-boolean flag", () => ({ ...dev(), backups: "yes" }), /^gluu:backups must be true or false, got "yes"$/],
        ["a private key that is not one", () => ({ ...byo(), sshPrivateKey: "hunter2hunter2" }), /^gluu:sshPrivateKey must be a PEM\/OpenSSH private key$/],
        // The cache and the load balancer.
        ["existing nodes without a cache host", () => { const c = byo(); delete c.existingCacheAddress; delete c.existingCachePrivateAddress; delete c.existingCacheHostKey; return c; }, /^gluu:existingCacheAddress is required with gluu:existingNodeAddresses: an existing server for Redis$/],
        ["existing nodes without a load balancer", () => { const c = byo(); delete c.existingLbAddress; delete c.existingLbPrivateAddress; delete c.existingLbHostKey; return c; }, /^gluu:existingLbAddress is required .* \(or set gluu:loadBalancer to `nginx-pair` or `external`\)$/],
        ["a cache host without its host key", () => { const c = byo(); delete c.existingCacheHostKey; return c; }, /^gluu:existingCacheHostKey is required with gluu:existingCacheAddress \(`ssh-keyscan -t ed25519 192\.0\.2\.21`\)$/],
        ["the cache on a node's address", () => ({ ...byo(), existingCacheAddress: "192.0.2.12" }), /^gluu:existingCacheAddress 192\.0\.2\.12 is also gluu:existingNodeAddresses\[1\]; Redis needs its own host$/],
        ["the cache on the load balancer's host", () => ({ ...byo(), existingCacheAddress: "192.0.2.22" }), /^gluu:existingCacheAddress and gluu:existingLbAddress are the same host/],
        ["a cache address on droplets", () => ({ ...dev(), existingCacheAddress: "192.0.2.21" }), /^gluu:existingCacheAddress is for existing servers/],
        ["an external load balancer with an LB host", () => ({ ...byo(), externalLoadBalancer: "true" }), /^gluu:existingLbAddress has no effect with gluu:externalLoadBalancer/],
        ["an external load balancer with a certificate", () => ({ ...dev(), externalLoadBalancer: "true", lbCertificate: LB.cert, lbPrivateKey: LB.key }), /^gluu:lbCertificate has no effect with gluu:externalLoadBalancer/],
        ["an LB certificate without its key", () => ({ ...dev(), lbCertificate: LB.cert }), /^gluu:lbCertificate and gluu:lbPrivateKey \(secret\) go together/],
        ["a private key pasted as the LB certificate", () => ({ ...dev(), lbCertificate: "-----BEGIN CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\n" }), /^gluu:lbCertificate must be a PEM certificate \(chain\) and nothing else/],
        ["an external load balancer on droplets without its source addresses", () => ({ ...dev(), externalLoadBalancer: "true" }), /^gluu:externalLbSourceCidrs is required with gluu:externalLoadBalancer on droplets/],
        ["external LB sources without an external LB", () => ({ ...dev(), externalLbSourceCidrs: '["10.110.0.0/20"]' }), /^gluu:externalLbSourceCidrs is only for gluu:externalLoadBalancer/],
        ["an unknown Redis persistence", () => ({ ...dev(), redisPersistence: "disk" }), /^gluu:redisPersistence must be `rdb`, `aof` or `none`, got "disk"$/],
        ["a csync2 interval of an hour", () => ({ ...dev(), csync2IntervalMinutes: "60" }), /^gluu:csync2IntervalMinutes must be an integer 1–59, got 60$/],
        ["cache refresh on a node that does not exist", () => ({ ...dev(), cacheRefreshNode: "gluu-9" }), /^gluu:cacheRefreshNode gluu-9 is not a node; use one of gluu-1, gluu-2$/],
        ["a service droplet size on existing hosts", () => ({ ...byo(), cacheDropletSize: "s-1vcpu-2gb" }), /^gluu:cacheDropletSize is for droplets and has no effect with gluu:existingNodeAddresses/],
    ];
    for (const [what, make, expected] of cases) {
        it(`refuses ${what}, naming the key`, () => {
            const found = problems(make());
            assert.ok(found.some((p) => expected.test(p)), `expected a problem matching ${expected}, got:\n${found.join("\n")}`);
        });
    }

    it("reports several problems together", () => {
        const found = problems({ ...dev(), nodeCount: "1", countryCode: "usa", hostname: "x" });
        assert.ok(found.length >= 3, found.join("\n"));
    });

    it("never echoes a secret value in a message", () => {
        const secret = "hunter2'; rm -rf /";
        const found = problems({ ...dev(), ldapPassword: secret, adminPassword: secret, repoPassword: "a\nb" });
        assert.ok(found.length >= 2);
        for (const p of found) assert.ok(!p.includes("hunter2"), p);
    });
});

// ---------------------------------------------------------------------------------------------------------
// The stack as the Pulumi CLI (v3.248.0) hands it to the program: src/stackConfig.ts.

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), "gluu-stackcfg-"));
after(() => fs.rmSync(TMP, { recursive: true, force: true }));

/** Write a stack file `Pulumi.<stack>.yaml` with these `config:` values and return its path. */
function stackFile(stack: string, config: Record<string, unknown>): string {
    const file = path.join(TMP, `Pulumi.${stack}.yaml`);
    fs.writeFileSync(file, YAML.stringify({ config }));
    return file;
}
/** A shipped stack file's `config:` with changes (`undefined` removes a key). */
function shipped(stack: string, changes: Record<string, unknown> = {}): Record<string, unknown> {
    const config = { ...YAML.parse(fs.readFileSync(path.join(STACKS_DIR, `Pulumi.${stack}.yaml`), "utf8")).config, ...changes };
    for (const [k, v] of Object.entries(changes)) if (v === undefined) delete config[k];
    return config;
}
const load = (stack: string, config: Record<string, unknown>) => loadPlanConfig(stackFile(stack, config), mocks);
const SECURE = { secure: "v1:AAAAAAAAAAAAAAAA:ciphertext" };

describe("stack configuration with the CLI's semantics (src/stackConfig.ts)", () => {
    for (const stack of ["dev", "prod", "byo", "ha", "byo-ha"]) {
        it(`loads the shipped ${stack} stack with Pulumi.yaml's defaults merged and the program's checks passed`, () => {
            const loaded = loadPlanConfig(path.join(STACKS_DIR, `Pulumi.${stack}.yaml`), mocks);
            const project = readProject();
            for (const [key, decl] of Object.entries(project.config)) {
                if (decl.default !== undefined) assert.ok(loaded.raw[key.slice("gluu:".length)] !== undefined, `${key}'s default is merged in`);
            }
            assert.strictEqual(loaded.stack, stack);
            assert.ok(loaded.config.hostname);
        });
    }

    it("B3: the byo stack is refused when Pulumi.yaml gives gluu:dropletSize a default (as it did), and accepted as shipped", () => {
        const text = fs.readFileSync(PROJECT_FILE, "utf8") + "  gluu:dropletSize:\n    type: string\n    default: s-4vcpu-8gb\n";
        fs.writeFileSync(path.join(TMP, "Pulumi.yaml"), text);
        const values = new Map(Object.entries(shipped("byo")).map(([k, v]) => [k, stackValue(v)]));
        values.set("gluu:sshPrivateKey", { text: "x", secure: true, object: false });
        const decrypt = () => mockEd25519("config gluu:sshPrivateKey").privateKeyOpenssh;
        assert.throws(
            () => loadStackConfig({ stack: "byo", values, decrypt, project: readProject(path.join(TMP, "Pulumi.yaml")) }),
            (e: any) => e instanceof StackConfigError && e.problems.includes("gluu:dropletSize is for droplets and has no effect with gluu:existingNodeAddresses; remove it"),
        );
        assert.doesNotThrow(() => loadStackConfig({ stack: "byo", values, decrypt }));
    });

    it("reads Pulumi.yaml as the CLI does: the short form is a default (own keys) or a value (other namespaces); other namespaces take no default and need a value", () => {
        const base = fs.readFileSync(PROJECT_FILE, "utf8");
        const project = (extra: string) => {
            fs.writeFileSync(path.join(TMP, "Pulumi.yaml"), base + extra);
            return readProject(path.join(TMP, "Pulumi.yaml"));
        };
        const p = project("  gluu:cacheDropletSize: s-2vcpu-4gb\n  digitalocean:apiEndpoint: https://api.example\n");
        assert.deepStrictEqual(p.config["gluu:cacheDropletSize"], { default: "s-2vcpu-4gb" });
        assert.deepStrictEqual(p.config["digitalocean:apiEndpoint"], { value: "https://api.example" });
        assert.throws(() => project("  digitalocean:apiEndpoint:\n    default: https://api.example\n"), {
            message: "Configuration key 'digitalocean:apiEndpoint' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?",
        });
        assert.throws(() => project("  digitalocean:apiEndpoint:\n    description: where\n"), {
            message: "Configuration key 'digitalocean:apiEndpoint' is namespaced and must provide an attribute 'value'",
        });
    });

    it("B2: a declared key without a default is required on every stack, with the CLI's message (all missing keys at once, sorted)", () => {
        const text = fs.readFileSync(PROJECT_FILE, "utf8") + "  gluu:vpcUuid:\n    type: string\n  gluu:nodeCount:\n    type: integer\n";
        fs.writeFileSync(path.join(TMP, "Pulumi.yaml"), text);
        assert.throws(
            () => loadStackConfig({ stack: "byo", values: readStackFile(path.join(STACKS_DIR, "Pulumi.byo.yaml")), decrypt: () => "", project: readProject(path.join(TMP, "Pulumi.yaml")) }),
            { name: "CliConfigError", message: "Stack 'byo' is missing configuration values 'gluu:nodeCount' and 'gluu:vpcUuid'" },
        );
    });

    it("Pulumi.yaml declares only keys every stack sets or whose default fits every stack, and its defaults are the program's", () => {
        const project = readProject();
        const required = Object.entries(project.config).filter(([, d]) => d.default === undefined).map(([k]) => k).sort();
        assert.deepStrictEqual(required, ["gluu:adminEmail", "gluu:city", "gluu:countryCode", "gluu:hostname", "gluu:orgName", "gluu:state"]);
        for (const stack of ["dev", "prod", "byo", "ha", "byo-ha"]) {
            for (const key of required) assert.ok(key in shipped(stack), `${stack} sets ${key}`);
        }
        const zodDefaults = stackConfigSchema.parse({ hostname: "idp.example.org", orgName: "o", city: "c", state: "s", countryCode: "US", adminEmail: "a@example.org" }) as Record<string, unknown>;
        for (const [key, decl] of Object.entries(project.config)) {
            assert.ok(!decl.secret, `${key}: a declared secret would need a default or be required`);
            if (decl.default !== undefined) assert.deepStrictEqual(zodDefaults[key.slice("gluu:".length)], decl.default, `${key}'s default`);
        }
        assert.ok(!("gluu:dropletSize" in project.config), "dropletSize has no project default (it would reach byo)");
    });

    const cliCases: Array<[string, () => Record<string, unknown>, string]> = [
        ["a missing hostname", () => shipped("dev", { "gluu:hostname": undefined }), "Stack 'cli' is missing configuration value 'gluu:hostname'"],
        ["two missing keys", () => shipped("dev", { "gluu:state": undefined, "gluu:city": undefined }), "Stack 'cli' is missing configuration values 'gluu:city' and 'gluu:state'"],
        ["an SSH port that is a word", () => shipped("byo", { "gluu:sshPort": "twenty-two" }), "Stack 'cli' with configuration key 'gluu:sshPort' must be of type 'integer'"],
        ["a fractional SSH port", () => shipped("byo", { "gluu:sshPort": 22.5 }), "Stack 'cli' with configuration key 'gluu:sshPort' must be of type 'integer'"],
        ["monitoring: yes", () => shipped("dev", { "gluu:monitoring": "yes" }), "Stack 'cli' with configuration key 'gluu:monitoring' must be of type 'boolean'"],
        ["a hostname that is a list", () => shipped("dev", { "gluu:hostname": ["idp.example.org"] }), "Stack 'cli' with configuration key 'gluu:hostname' must be of type 'string'"],
    ];
    for (const [what, make, message] of cliCases) {
        it(`refuses ${what} with the CLI's own message`, () => {
            assert.throws(() => load("cli", make()), (e: any) => e instanceof CliConfigError && e.message === message);
        });
    }

    it("refuses a secret in clear text, naming the key and `pulumi config set --secret` (the CLI no longer checks it)", () => {
        assert.throws(
            () => load("clear", shipped("prod", { "gluu:ldapPassword": "abcdefghijklmnop" })),
            (e: any) => e instanceof StackConfigError && e.problems.includes("gluu:ldapPassword is stored in clear text in the stack file, but it is a secret: remove it and set it with `pulumi config set --secret gluu:ldapPassword`"),
        );
        assert.doesNotThrow(() => load("enc", shipped("prod", { "gluu:ldapPassword": SECURE })));
    });

    it("the program itself refuses a clear-text secret under `pulumi up` (runtime.isConfigSecret)", () => {
        const raw = stackConfig("prod");
        const config = (secretKeys: string[]) => {
            const c: Record<string, string> = { "gluu:ldapPassword": "abcdefghijklmnop" };
            for (const [k, v] of Object.entries(raw)) c[`gluu:${k}`] = v;
            pulumi.runtime.setAllConfig(c, secretKeys);
        };
        try {
            config(["gluu:repoPassword"]);
            assert.throws(() => gluuProgram(), /gluu:ldapPassword is stored in clear text .*`pulumi config set --secret gluu:ldapPassword`/);
            assert.strictEqual(isStackSecret("repoPassword"), true);
            config(["gluu:repoPassword", "gluu:ldapPassword"]);
            assert.deepStrictEqual(clearTextSecretProblems({ ...raw, ldapPassword: "abcdefghijklmnop" }, isStackSecret), []);
        } finally {
            pulumi.runtime.setAllConfig({}, []);
        }
    });

    it("loads a stack written from the README: required keys, droplet keys, arrays via --path, secrets via --secret", () => {
        const loaded = load("readme", {
            "digitalocean:token": SECURE,
            "gluu:hostname": "idp.example.net",
            "gluu:orgName": "Acme",
            "gluu:city": "Berlin",
            "gluu:state": "BE",
            "gluu:countryCode": "DE",
            "gluu:adminEmail": "ops@example.net",
            "gluu:version": "4.5",
            "gluu:nodeCount": 2,
            "gluu:region": "fra1",
            "gluu:dropletImage": "ubuntu-22-04-x64",
            "gluu:adminCidrs": ["198.51.100.0/24"],
            "gluu:repoUser": "acme",
            "gluu:repoPassword": SECURE,
        });
        assert.deepStrictEqual(loaded.secretKeys, ["repoPassword"]);
        assert.deepStrictEqual(loaded.config.adminCidrs, ["198.51.100.0/24"]);
        assert.strictEqual(loaded.config.dropletSize, "s-4vcpu-8gb");
        assert.deepStrictEqual(standIns, []);
    });

    it("`pulumi config set gluu:adminCidrs '[\"…\"]'` (a string, not --path) still reaches the program as a list", () => {
        const loaded = load("jsontext", shipped("dev", { "gluu:adminCidrs": '["198.51.100.0/24"]' }));
        assert.deepStrictEqual(loaded.config.adminCidrs, ["198.51.100.0/24"]);
    });

    it("still refuses a misspelt gluu: key (the CLI passes undeclared keys through)", () => {
        assert.throws(() => load("typo", shipped("dev", { "gluu:nodecount": 2 })), (e: any) => e instanceof StackConfigError && e.problems.some((p: string) => /^gluu:nodecount is not a setting/.test(p)));
    });
});

// ---------------------------------------------------------------------------------------------------------
// What the upstream tools demand of single values.

const blob = (type: string, body: Buffer) => {
    const t = Buffer.from(type);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(t.length);
    return `${type} ${Buffer.concat([len, t, body]).toString("base64")}`;
};
const RSA_HOST_KEY = blob("ssh-rsa", crypto.randomBytes(270));
const ECDSA_HOST_KEY = blob("ecdsa-sha2-nistp256", Buffer.concat([Buffer.from([0, 0, 0, 8]), Buffer.from("nistp256"), crypto.randomBytes(69)]));

function sshKeygen(passphrase: string): string {
    const dir = fs.mkdtempSync(path.join(TMP, "key-"));
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-f", path.join(dir, "k")]);
    return fs.readFileSync(path.join(dir, "k"), "utf8");
}

describe("values the providers and DigitalOcean would refuse", () => {
    const dev = () => stackConfig("dev");
    const byo = () => stackConfig("byo");
    const keys = (first: string) => JSON.stringify([first, HOST_KEY, HOST_KEY]);
    const pemEncrypted = crypto.generateKeyPairSync("ed25519", { privateKeyEncoding: { type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "pw" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;
    const pemLegacyEncrypted = crypto.generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem", cipher: "aes-256-cbc", passphrase: "pw" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;
    const cases: Array<[string, () => Record<string, string>, RegExp]> = [
        // W6
        ["an ssh-rsa node host key", () => ({ ...byo(), existingNodeHostKeys: keys(RSA_HOST_KEY) }), /^gluu:existingNodeHostKeys\[0\] is an ssh-rsa key: .*OpenSSH 8\.8 .*pin the ed25519 \(or ecdsa\) key: `ssh-keyscan -t ed25519 <address>`/],
        ["an ssh-rsa cache host key", () => ({ ...byo(), existingCacheHostKey: RSA_HOST_KEY }), /^gluu:existingCacheHostKey is an ssh-rsa key: /],
        ["an ssh-rsa LB host key from ssh-keyscan", () => ({ ...byo(), existingLbHostKey: `192.0.2.22 ${RSA_HOST_KEY}` }), /^gluu:existingLbHostKey is an ssh-rsa key: /],
        // R6
        ["a login key with a passphrase (OpenSSH)", () => ({ ...byo(), sshPrivateKey: sshKeygen("secret passphrase") }), /^gluu:sshPrivateKey is encrypted with a passphrase, .*privateKeyPassword/],
        ["a login key with a passphrase (PKCS#8)", () => ({ ...byo(), sshPrivateKey: pemEncrypted }), /^gluu:sshPrivateKey is encrypted with a passphrase/],
        ["a login key with a passphrase (PEM Proc-Type)", () => ({ ...byo(), sshPrivateKey: pemLegacyEncrypted }), /^gluu:sshPrivateKey is encrypted with a passphrase/],
        // R7
        ["a public VPC range", () => ({ ...dev(), vpcIpRange: "203.0.113.0/24" }), /^gluu:vpcIpRange must be a private \(RFC 1918\) range/],
        ["a VPC range just outside 172.16.0.0/12", () => ({ ...dev(), vpcIpRange: "172.32.0.0/16" }), /^gluu:vpcIpRange must be a private \(RFC 1918\) range/],
        ["a VPC range larger than /16", () => ({ ...dev(), vpcIpRange: "10.0.0.0/8" }), /^gluu:vpcIpRange must be between \/16 and \/28/],
        ["a VPC range smaller than /28", () => ({ ...dev(), vpcIpRange: "10.110.0.0/29" }), /^gluu:vpcIpRange must be between \/16 and \/28/],
        // R12
        ["user data that is a script", () => ({ ...dev(), userData: "#!/bin/sh\necho hi\n" }), /^gluu:userData must be cloud-config: its first line must be `#cloud-config`/],
        ["user data without its #cloud-config line", () => ({ ...dev(), userData: "packages: [htop]\n" }), /^gluu:userData must be cloud-config/],
        ["cloud-config that is a list", () => ({ ...dev(), userData: "#cloud-config\n- htop\n" }), /^gluu:userData must be a cloud-config mapping/],
        ["cloud-config that does not parse", () => ({ ...dev(), userData: "#cloud-config\npackages: [htop\n" }), /^gluu:userData must be a cloud-config mapping/],
        ["user data over 64 KiB", () => ({ ...dev(), userData: `#cloud-config\nwrite_files:\n  - path: /etc/big\n    content: ${"a".repeat(USER_DATA_MAX_BYTES)}\n` }), /^gluu:userData makes the droplets' user data \d+ bytes, over DigitalOcean's limit of 64 KiB \(65536 bytes\)/],
        // B4
        ["a tag that is another stack's member tag", () => ({ ...dev(), tags: '["gluu-prod-1a2b3c-member"]' }), /^gluu:tags\[0\] ends like one of the cluster's role tags \(-member, -lb, -cache\)/],
        ["a tag ending in -lb", () => ({ ...dev(), tags: '["web","edge-lb"]' }), /^gluu:tags\[1\] ends like one of the cluster's role tags/],
        ["a tag ending in -cache", () => ({ ...dev(), tags: '["gluu-cache"]' }), /^gluu:tags\[0\] ends like one of the cluster's role tags/],
        ["a tag over DigitalOcean's 255 characters", () => ({ ...dev(), tags: JSON.stringify(["t".repeat(256)]) }), /^gluu:tags\[0\] must be at most 255 characters/],
        ["a cluster name too long for a droplet name", () => ({ ...dev(), clusterName: "a".repeat(CLUSTER_NAME_MAX + 1) }), new RegExp(`^gluu:clusterName must be at most ${CLUSTER_NAME_MAX} characters`)],
        // W1: rebuilds are explicit, and never of the primary
        ["a rebuild of the primary", () => ({ ...dev(), rebuildNodes: '["gluu-1"]' }), /^gluu:rebuildNodes\[0\] gluu-1 is the primary, .*gluu:primaryNode/],
        ["a rebuild of an unknown machine", () => ({ ...dev(), rebuildNodes: '["gluu-7"]' }), /^gluu:rebuildNodes\[0\] gluu-7 is not a machine of this cluster; use one of gluu-1, gluu-2, gluu-cache, gluu-lb/],
        ["a rebuild of existing hosts", () => ({ ...byo(), rebuildNodes: '["gluu-2"]' }), /^gluu:rebuildNodes is for droplets/],
        // 3.1.6 has no separate admin password
        ["an admin password with Gluu 3.1.6", () => ({ ...byo(), adminPassword: "Admin-Pass-123" }), /^gluu:adminPassword has no effect with Gluu 3\.1\.6: .*gluu:ldapPassword/],
    ];
    for (const [what, make, expected] of cases) {
        it(`refuses ${what}, naming the key`, () => {
            const found = problems(make());
            assert.ok(found.some((p) => expected.test(p)), `expected a problem matching ${expected}, got:\n${found.join("\n") || "(accepted)"}`);
        });
    }

    it("accepts what those rules allow: ecdsa host keys, unencrypted keys, a /20 and a /28 VPC, small cloud-config, ordinary tags, the longest cluster name", () => {
        assert.deepStrictEqual(problems({ ...byo(), existingNodeHostKeys: keys(ECDSA_HOST_KEY), sshPrivateKey: sshKeygen("") }), []);
        assert.deepStrictEqual(problems({ ...dev(), vpcIpRange: "10.110.0.0/20" }), []);
        assert.deepStrictEqual(problems({ ...dev(), vpcIpRange: "192.168.7.0/28" }), []);
        assert.deepStrictEqual(problems({ ...dev(), vpcIpRange: "172.31.0.0/16" }), []);
        assert.deepStrictEqual(problems({ ...dev(), userData: "#cloud-config\npackages: [htop]\n" }), []);
        assert.deepStrictEqual(problems({ ...dev(), tags: '["web","env:dev","members-only"]' }), []);
        assert.deepStrictEqual(problems({ ...dev(), clusterName: "a".repeat(CLUSTER_NAME_MAX) }), []);
    });

    it("R5: takes ssh-keyscan's `ADDRESS TYPE KEY` lines and pins the key without the address", () => {
        const c = parseStackConfig({ ...byo(), existingNodeHostKeys: JSON.stringify([`192.0.2.11 ${HOST_KEY}`, `[192.0.2.12]:22 ${HOST_KEY}\n`, HOST_KEY]), existingCacheHostKey: `192.0.2.21 ${HOST_KEY}` });
        assert.deepStrictEqual(c.existingNodes!.map((n) => n.hostKey), [HOST_KEY, HOST_KEY, HOST_KEY]);
        assert.strictEqual(c.existingCacheHostKey, HOST_KEY);
        assert.deepStrictEqual(hostKeyProblems("hostKey", `192.0.2.11 ${HOST_KEY}`), []);
        assert.match(hostKeyProblems("hostKey", RSA_HOST_KEY, "192.0.2.11")[0], /^`hostKey` is an ssh-rsa key: .*`ssh-keyscan -t ed25519 192\.0\.2\.11`$/);
    });

    it("R5: a GluuCluster given ssh-keyscan lines pins the bare keys in every connection (components/host.ts connectionOf)", async () => {
        const resources = await recordConfig({ ...byo(), existingNodeHostKeys: JSON.stringify([`192.0.2.11 ${HOST_KEY}`, HOST_KEY, HOST_KEY]) });
        const pinned = new Set(commands(resources).map((r) => unwrap(unwrap(r.inputs.connection).value.hostKey).value));
        assert.ok(pinned.has(HOST_KEY));
        for (const k of pinned) assert.match(String(k), /^ssh-ed25519 AAAA/);
        const direct = connectionOf({ host: "192.0.2.11", hostKey: `192.0.2.11 ${HOST_KEY}` });
        assert.strictEqual(direct.hostKey, HOST_KEY);
    });

    it("R12: the size check counts the program's own cloud-config at least as large as a real ED25519 host key makes it", () => {
        const real = mockEd25519("size check");
        for (const extra of [undefined, "#cloud-config\npackages: [htop]\n"]) {
            const actual = Buffer.byteLength(cloudInitUserData({ hostKeyPrivateOpenssh: real.privateKeyOpenssh, hostKeyPublicOpenssh: real.publicKeyOpenssh, extraCloudConfig: extra }));
            assert.ok(userDataBytes(extra) >= actual, `${userDataBytes(extra)} >= ${actual}`);
            assert.ok(userDataBytes(extra) - actual < 200, "and not much larger");
        }
    });
});
