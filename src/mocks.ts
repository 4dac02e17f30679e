// Pulumi mocks for the offline plan and the tests: the providers' outputs emulated with real key material
// (Node's crypto), deterministic per resource name so two runs of the same program compare equal, and every
// secret value remembered with a label so that the plan can replace it by `[secret:<label>]` wherever it lands.

import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { assertProviderAccepts } from "./providerRules";

/**
 * The resource options the engine acts on, as the SDK puts them on the RegisterResourceRequest
 * (`@pulumi/pulumi@3.248.0` runtime/resource.js prepareResource/registerResource: setIgnorechangesList,
 * setAdditionalsecretoutputsList, setReplaceonchangesList, setProtect, setRetainondelete, setDeletebeforereplace).
 */
export interface EngineOptions {
    ignoreChanges: string[];
    additionalSecretOutputs: string[];
    replaceOnChanges: string[];
    protect: boolean;
    retainOnDelete: boolean;
    deleteBeforeReplace: boolean;
}

export interface Registration {
    type: string;
    name: string;
    custom: boolean;
    inputs: Record<string, any>;
    /** The options from the request (undefined only when registered through another monitor). */
    options?: EngineOptions;
}

const ALNUM_LOWER = "abcdefghijklmnopqrstuvwxyz";
const ALNUM_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DIGITS = "0123456789";

function seed(...parts: string[]): Buffer {
    return crypto.createHash("sha256").update(parts.join("\u0000")).digest();
}

function stream(label: string, length: number): Buffer {
    const out: Buffer[] = [];
    for (let i = 0; out.length * 32 < length; i++) {
        out.push(seed(label, String(i)));
    }
    return Buffer.concat(out).subarray(0, length);
}

/** A deterministic password over the alphabet RandomPassword would use. */
export function mockPassword(label: string, inputs: Record<string, any>): string {
    const length = Number(inputs.length ?? 16);
    let alphabet = "";
    if (inputs.lower !== false) alphabet += ALNUM_LOWER;
    if (inputs.upper !== false) alphabet += ALNUM_UPPER;
    if (inputs.numeric !== false && inputs.number !== false) alphabet += DIGITS;
    if (inputs.special !== false) alphabet += inputs.overrideSpecial ?? "!@#$%&*()-_=+[]{}<>:?";
    const bytes = stream(label, length);
    const chars = Array.from(bytes, (b) => alphabet[b % alphabet.length]);
    // Honour the minimums the way the provider does (some characters of each class).
    if (inputs.lower !== false && length > 3) chars[0] = ALNUM_LOWER[bytes[0] % 26];
    if (inputs.upper !== false && length > 3) chars[1] = ALNUM_UPPER[bytes[1] % 26];
    if (inputs.numeric !== false && length > 3) chars[2] = DIGITS[bytes[2] % 10];
    return chars.join("");
}

function sshString(b: Buffer | string): Buffer {
    const buf = typeof b === "string" ? Buffer.from(b) : b;
    const len = Buffer.alloc(4);
    len.writeUInt32BE(buf.length);
    return Buffer.concat([len, buf]);
}

function armor(label: string, der: Buffer, width = 64): string {
    const b64 = der.toString("base64").match(new RegExp(`.{1,${width}}`, "g"))!.join("\n");
    return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** A real ED25519 key pair from a label, in the formats @pulumi/tls returns. */
export function mockEd25519(label: string) {
    const seed32 = seed("ed25519", label);
    const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed32]);
    const privateKey = crypto.createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
    const spki = crypto.createPublicKey(privateKey).export({ format: "der", type: "spki" }) as Buffer;
    const pub32 = spki.subarray(spki.length - 32);
    const pubBlob = Buffer.concat([sshString("ssh-ed25519"), sshString(pub32)]);
    const check = seed32.subarray(0, 4);
    let priv = Buffer.concat([check, check, sshString("ssh-ed25519"), sshString(pub32), sshString(Buffer.concat([seed32, pub32])), sshString("")]);
    const pad: number[] = [];
    for (let i = 1; (priv.length + pad.length) % 8 !== 0; i++) pad.push(i);
    priv = Buffer.concat([priv, Buffer.from(pad)]);
    const body = Buffer.concat([
        Buffer.from("openssh-key-v1\0"),
        sshString("none"),
        sshString("none"),
        sshString(""),
        Buffer.from([0, 0, 0, 1]),
        sshString(pubBlob),
        sshString(priv),
    ]);
    const md5 = crypto.createHash("md5").update(pubBlob).digest("hex").match(/../g)!.join(":");
    const sha256 = "SHA256:" + crypto.createHash("sha256").update(pubBlob).digest("base64").replace(/=+$/, "");
    return {
        privateKeyOpenssh: armor("OPENSSH PRIVATE KEY", body, 70),
        privateKeyPem: armor("PRIVATE KEY", pkcs8),
        privateKeyPemPkcs8: armor("PRIVATE KEY", pkcs8),
        publicKeyOpenssh: `ssh-ed25519 ${pubBlob.toString("base64")}\n`,
        publicKeyPem: armor("PUBLIC KEY", spki),
        publicKeyFingerprintMd5: md5,
        publicKeyFingerprintSha256: sha256,
    };
}

const keyCache = new Map<string, { privateKeyPem: string; publicKeyPem: string }>();

/** A real ECDSA or RSA key (generated once per label and process). */
function mockKeyPair(label: string, algorithm: string, inputs: Record<string, any>) {
    const cacheKey = `${algorithm}:${label}:${inputs.ecdsaCurve ?? ""}:${inputs.rsaBits ?? ""}`;
    let pair = keyCache.get(cacheKey);
    if (!pair) {
        const kp =
            algorithm === "RSA"
                ? crypto.generateKeyPairSync("rsa", { modulusLength: Number(inputs.rsaBits ?? 2048) })
                : crypto.generateKeyPairSync("ec", { namedCurve: ({ P224: "P-224", P256: "P-256", P384: "P-384", P521: "P-521" } as any)[inputs.ecdsaCurve ?? "P224"] });
        pair = {
            privateKeyPem: kp.privateKey.export({ format: "pem", type: "pkcs8" }) as string,
            publicKeyPem: kp.publicKey.export({ format: "pem", type: "spki" }) as string,
        };
        keyCache.set(cacheKey, pair);
    }
    return { privateKeyPem: pair.privateKeyPem, privateKeyPemPkcs8: pair.privateKeyPem, privateKeyOpenssh: pair.privateKeyPem, publicKeyPem: pair.publicKeyPem, publicKeyOpenssh: "" };
}

/** Documentation-range addresses (RFC 5737) for droplets, private ones for their VPC side. */
function addressFor(index: number) {
    return { ipv4Address: `203.0.113.${10 + index}`, ipv4AddressPrivate: `10.110.0.${10 + index}` };
}

/** Mocks that emulate the providers and remember every registration and every secret they produced. */
export class GluuMocks implements pulumi.runtime.Mocks {
    public registrations: Registration[] = [];
    /** secret value → what it is (`gluu-ldap-password`, `gluu-1-host-key.privateKeyOpenssh`, `config gluu:x`). */
    public secrets = new Map<string, string>();
    private dropletIndex = new Map<string, number>();
    /** Keys the tests replaced (`replaceKey`), by resource name: each generation yields a different key. */
    private keyGenerations = new Map<string, number>();

    /** Emulate `pulumi up --replace <the tls.PrivateKey named name>`: later runs get a new key for it. */
    public replaceKey(name: string): void {
        this.keyGenerations.set(name, (this.keyGenerations.get(name) ?? 0) + 1);
    }

    /** Forget registrations (between tests or program runs); secrets and addresses stay stable. */
    public reset(): void {
        this.registrations = [];
        this.checkErrors = [];
    }

    /** Remember a secret value so the plan can replace it; multi-line values also line by line. */
    /**
     * An EC private key's PEM ends with the public point (RFC 5915 `publicKey`), so its last base64 line can be public
     * key material only; when its alignment matches, that line appears verbatim in any certificate of the key. Such
     * lines (every byte of them inside the public key's DER) are not secrets: forget them.
     */
    private forgetPublicLines(privatePem: string | undefined, publicPem: string | undefined): void {
        if (!privatePem || !publicPem) return;
        const pub = Buffer.from(publicPem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
        for (const line of privatePem.split("\n").map((l) => l.trim())) {
            if (line.length < 16 || /^-----/.test(line) || line.length % 4 !== 0) continue;
            const bytes = Buffer.from(line, "base64");
            if (bytes.length >= 12 && pub.includes(bytes)) this.secrets.delete(line);
        }
    }

    public addSecret(value: string, label: string): void {
        if (!value || value.length < 6) {
            return;
        }
        this.secrets.set(value, label);
        const trimmed = value.trim();
        if (trimmed !== value) this.secrets.set(trimmed, label);
        for (const line of value.split("\n")) {
            const l = line.trim();
            if (l.length >= 16 && !/^-----(BEGIN|END) /.test(l)) {
                // A line two keys share (the OpenSSH header) says nothing about either key.
                const other = this.secrets.get(l);
                this.secrets.set(l, other === undefined || other === label ? label : "key-format-header");
            }
        }
    }

    /**
     * Set by the patched MockMonitor.registerResource (below) just before it calls newResource, which the SDK's
     * MockMonitor does synchronously: the options of the request being registered.
     */
    public pendingOptions?: EngineOptions;
    /** What the emulated providers' Check refused since the last reset (the registration fails with it too). */
    public checkErrors: Error[] = [];

    public newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, any> } {
        const options = this.pendingOptions;
        this.pendingOptions = undefined;
        this.registrations.push({ type: args.type, name: args.name, custom: args.custom ?? true, inputs: args.inputs, options });
        // Secret inputs arrive wrapped; the emulation works on their values.
        args = { ...args, inputs: openSecrets(args.inputs) };
        // The provider's Check: refuse what the real provider refuses (src/providerRules.ts cites each rule).
        if (args.custom !== false) {
            try {
                assertProviderAccepts(args.type, args.name, args.inputs);
            } catch (e) {
                this.checkErrors.push(e as Error);
                throw e;
            }
        }
        const state: Record<string, any> = { ...args.inputs };
        const label = args.name;
        switch (args.type) {
            case "random:index/randomPassword:RandomPassword": {
                state.result = mockPassword(label, args.inputs);
                state.bcryptHash = "$2a$10$" + seed("bcrypt", label).toString("base64").slice(0, 53);
                this.addSecret(state.result, label);
                break;
            }
            case "random:index/randomId:RandomId": {
                const bytes = stream(label, Number(args.inputs.byteLength ?? 8));
                state.hex = bytes.toString("hex");
                state.b64Std = bytes.toString("base64");
                state.b64Url = bytes.toString("base64url");
                state.dec = BigInt("0x" + state.hex).toString();
                break;
            }
            case "random:index/randomBytes:RandomBytes": {
                const bytes = stream(label, Number(args.inputs.length ?? 32));
                state.base64 = bytes.toString("base64");
                state.hex = bytes.toString("hex");
                this.addSecret(state.base64, label);
                this.addSecret(state.hex, label);
                break;
            }
            case "tls:index/privateKey:PrivateKey": {
                const algorithm = args.inputs.algorithm ?? "RSA";
                // A replaced key (`pulumi up --replace`) is a new key: its generation is part of what seeds it.
                const generation = this.keyGenerations.get(label) ?? 0;
                const keyLabel = generation === 0 ? label : `${label}#${generation}`;
                Object.assign(state, algorithm === "ED25519" ? mockEd25519(keyLabel) : mockKeyPair(keyLabel, algorithm, args.inputs));
                this.addSecret(state.privateKeyOpenssh, `${label}.privateKey`);
                this.addSecret(state.privateKeyPem, `${label}.privateKey`);
                this.forgetPublicLines(state.privateKeyPem, state.publicKeyPem);
                break;
            }
            case "digitalocean:index/droplet:Droplet": {
                if (!this.dropletIndex.has(label)) this.dropletIndex.set(label, this.dropletIndex.size);
                Object.assign(state, addressFor(this.dropletIndex.get(label)!), { status: "active", urn: `do:droplet:${label}` });
                break;
            }
            case "digitalocean:index/sshKey:SshKey": {
                const blob = Buffer.from(String(args.inputs.publicKey ?? "").split(" ")[1] ?? "", "base64");
                state.fingerprint = crypto.createHash("md5").update(blob).digest("hex").match(/../g)!.join(":");
                break;
            }
            case "digitalocean:index/databaseCluster:DatabaseCluster": {
                // What the provider sets from the API's connection info (resource_database_cluster.go
                // setDatabaseConnectionInfo): host, private_host, port, user, password (Sensitive), uri, private_uri.
                const host = `${label}-do-user-0-0.m.db.ondigitalocean.com`;
                state.password = mockPassword(`${label}.password`, { length: 24, special: false });
                this.addSecret(state.password, `${label}.password`);
                Object.assign(state, {
                    host,
                    privateHost: `private-${host}`,
                    port: 25061,
                    user: "default",
                    database: "",
                    uri: `rediss://default:${state.password}@${host}:25061`,
                    privateUri: `rediss://default:${state.password}@private-${host}:25061`,
                    urn: `do:dbaas:${label}`,
                    privateNetworkUuid: args.inputs.privateNetworkUuid ?? uuidFor("default-vpc"),
                });
                this.addSecret(state.uri, `${label}.uri`);
                this.addSecret(state.privateUri, `${label}.privateUri`);
                return { id: uuidFor(label), state };
            }
            case "digitalocean:index/vpc:Vpc": {
                state.ipRange = args.inputs.ipRange ?? "10.110.0.0/20";
                return { id: uuidFor(label), state };
            }
            case "tls:index/selfSignedCert:SelfSignedCert":
            case "tls:index/locallySignedCert:LocallySignedCert": {
                state.certPem = mockCertificate(label, args.type, args.inputs);
                state.validityStartTime = "2026-01-01T00:00:00Z";
                state.validityEndTime = "2036-01-01T00:00:00Z";
                state.readyForRenewal = false;
                break;
            }
            case "tls:index/certRequest:CertRequest": {
                state.certRequestPem = mockCertRequest(label, args.inputs);
                break;
            }
            // Spaces (DirectoryBackup): the key's computed access key and secret (digitalocean/terraform-provider-digitalocean@v2.99.1:
            // digitalocean/spaces/resource_spaces_key.go Create sets access_key, secret_key; the secret is Sensitive);
            // the bucket's computed endpoint and domain name (resource_spaces_bucket.go:115-126, region lower-cased).
            case "digitalocean:index/spacesKey:SpacesKey": {
                state.accessKey = "DO" + stream(`${label}.access`, 10).toString("hex").toUpperCase();
                state.secretKey = stream(`${label}.secret`, 32).toString("base64").replace(/=+$/, "");
                state.createdAt = "2026-01-01T00:00:00Z";
                this.addSecret(state.secretKey, `${label}.secretKey`);
                return { id: state.accessKey, state };
            }
            case "digitalocean:index/spacesBucket:SpacesBucket": {
                const region = String(args.inputs.region ?? "nyc3").toLowerCase();
                state.region = region;
                state.endpoint = `${region}.digitaloceanspaces.com`;
                state.bucketDomainName = `${args.inputs.name}.${region}.digitaloceanspaces.com`;
                state.urn = `do:space:${args.inputs.name}`;
                return { id: String(args.inputs.name), state };
            }
            case "command:remote:Command": {
                state.stdout = this.commandStdout(label);
                state.stderr = "";
                break;
            }
        }
        return { id: args.custom === false ? undefined : `${label}-id`, state };
    }

    /**
     * Output a step would print on its host, for steps whose output other steps consume. Tests (the live bed)
     * may set `stdoutOverride` to return what their hosts really hold. Secrets printed are remembered.
     */
    public stdoutOverride?: (name: string) => string | undefined;

    private commandStdout(name: string): string {
        const override = this.stdoutOverride?.(name);
        if (override !== undefined) {
            this.addSecret(override, `${name}.stdout`);
            return override;
        }
        let out = "";
        if (name.endsWith("-httpd-cert-export")) {
            // A real self-signed pair, as setup.py makes for Apache, so the load balancer's checks are real.
            const key = mockKeyPair(name, "RSA", { rsaBits: 2048 }).privateKeyPem;
            out = mockCertificate(name, "tls:index/selfSignedCert:SelfSignedCert", { privateKeyPem: key, subject: { commonName: "gluu-httpd.mock" }, validityPeriodHours: 8760, allowedUses: ["server_auth"] }) + key;
        } else if (name.endsWith("-certs-export") || name.endsWith("-opendj-keys-export")) {
            out = stream(name, 48).toString("base64");
        }
        if (name.endsWith("-httpd-cert-export")) {
            // The certificate part is public (the load balancer presents it); only the key is a secret.
            this.addSecret(out.slice(out.indexOf("-----BEGIN PRIVATE KEY-----")), `${name}.stdout (key)`);
        } else if (out) {
            this.addSecret(out, `${name}.stdout`);
        }
        return out;
    }

    public call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        if (args.token === "digitalocean:index/getDatabaseCa:getDatabaseCa") {
            // datasource_database_ca.go: `certificate`, the cluster's CA (PEM) as the API returns it. A real CA here,
            // so the stunnel client's verification is real on the bed.
            return { clusterId: args.inputs.clusterId, certificate: mockDatabaseCa(args.inputs.clusterId).certificate, id: args.inputs.clusterId };
        }
        return args.inputs;
    }
}

/**
 * The CA the mocked `getDatabaseCa` returns for a database cluster id, with its key (which DigitalOcean keeps): live
 * tests sign a stand-in server's certificate with it. Deterministic per cluster id.
 */
export function mockDatabaseCa(clusterId: string): { certificate: string; privateKeyPem: string } {
    const label = `do-database-ca ${clusterId}`;
    const privateKeyPem = mockKeyPair(label, "ECDSA", { ecdsaCurve: "P256" }).privateKeyPem;
    const certificate = mockCertificate(label, "tls:index/selfSignedCert:SelfSignedCert", {
        privateKeyPem,
        subject: { commonName: "mock DigitalOcean project CA" },
        validityPeriodHours: 87600,
        isCaCertificate: true,
        allowedUses: ["cert_signing", "crl_signing"],
    });
    return { certificate, privateKeyPem };
}

function uuidFor(label: string): string {
    const h = seed("uuid", label).toString("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

// --- certificates: made by the openssl CLI, so stunnel, nginx and openssl verify them for real ---

const certCache = new Map<string, string>();

function openssl(args: string[], files: Record<string, string>, input?: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gluu-mock-"));
    try {
        for (const [name, content] of Object.entries(files)) {
            fs.writeFileSync(path.join(dir, name), content, { mode: 0o600 });
        }
        return execFileSync("openssl", args, { cwd: dir, input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function subjectArg(subject: any): string {
    const s = subject ?? {};
    const parts = [
        ["C", s.country],
        ["ST", s.province],
        ["L", s.locality],
        ["O", s.organization],
        ["OU", s.organizationalUnit],
        ["CN", s.commonName],
    ].filter(([, v]) => v);
    return parts.length ? "/" + parts.map(([k, v]) => `${k}=${String(v).replace(/\//g, "\\/")}`).join("/") : "/CN=mock";
}

// The provider's usage names (hashicorp/terraform-provider-tls@d72d90e:internal/provider/common_cert.go keyUsages,
// extendedKeyUsages) → openssl's x509v3_config names. Unknown names never get here: providerRules refuses them.
const USE_KEY: Record<string, string> = {
    digital_signature: "digitalSignature",
    content_commitment: "nonRepudiation",
    key_encipherment: "keyEncipherment",
    data_encipherment: "dataEncipherment",
    key_agreement: "keyAgreement",
    cert_signing: "keyCertSign",
    crl_signing: "cRLSign",
    encipher_only: "encipherOnly",
    decipher_only: "decipherOnly",
};
const USE_EXT: Record<string, string> = {
    any_extended: "anyExtendedKeyUsage",
    server_auth: "serverAuth",
    client_auth: "clientAuth",
    code_signing: "codeSigning",
    email_protection: "emailProtection",
    ipsec_end_system: "ipsecEndSystem",
    ipsec_tunnel: "ipsecTunnel",
    ipsec_user: "ipsecUser",
    timestamping: "timeStamping",
    ocsp_signing: "OCSPSigning",
    microsoft_server_gated_crypto: "msSGC",
    netscape_server_gated_crypto: "nsSGC",
    microsoft_commercial_code_signing: "msCodeCom",
    microsoft_kernel_code_signing: "1.3.6.1.4.1.311.61.1.1",
};

function extensions(inputs: Record<string, any>): string {
    const uses: string[] = inputs.allowedUses ?? [];
    const lines = [`basicConstraints = critical, CA:${inputs.isCaCertificate ? "TRUE" : "FALSE"}`];
    const ku = uses.map((u) => USE_KEY[u]).filter(Boolean);
    if (ku.length) lines.push(`keyUsage = critical, ${ku.join(", ")}`);
    const eku = uses.map((u) => USE_EXT[u]).filter(Boolean);
    if (eku.length) lines.push(`extendedKeyUsage = ${eku.join(", ")}`);
    const san = [...(inputs.dnsNames ?? []).map((d: string) => `DNS:${d}`), ...(inputs.ipAddresses ?? []).map((i: string) => `IP:${i}`)];
    if (san.length) lines.push(`subjectAltName = ${san.join(", ")}`);
    lines.push("subjectKeyIdentifier = hash");
    return lines.join("\n") + "\n";
}

const csrCache = new Map<string, string>();

/** A real CSR, cached per name and inputs: ECDSA signatures are randomized, and two runs must compare equal. */
function mockCertRequest(label: string, inputs: Record<string, any>): string {
    const cacheKey = crypto.createHash("sha256").update(label + JSON.stringify(inputs)).digest("hex");
    const cached = csrCache.get(cacheKey);
    if (cached) return cached;
    const key = String(inputs.privateKeyPem ?? "");
    const csr = openssl(["req", "-new", "-key", "key.pem", "-subj", subjectArg(inputs.subject)], { "key.pem": key });
    csrCache.set(cacheKey, csr);
    return csr;
}

/** A real certificate: self-signed, or signed by the CA in the inputs; cached per name and inputs. */
function mockCertificate(label: string, type: string, inputs: Record<string, any>): string {
    const cacheKey = crypto.createHash("sha256").update(label + JSON.stringify(inputs)).digest("hex");
    const cached = certCache.get(cacheKey);
    if (cached) return cached;
    const days = String(Math.max(1, Math.ceil(Number(inputs.validityPeriodHours ?? 8760) / 24)));
    let pem: string;
    if (type === "tls:index/selfSignedCert:SelfSignedCert") {
        pem = openssl(
            ["req", "-x509", "-new", "-key", "key.pem", "-subj", subjectArg(inputs.subject), "-days", days, "-config", "req.cnf", "-extensions", "ext"],
            { "key.pem": String(inputs.privateKeyPem ?? ""), "req.cnf": "[req]\ndistinguished_name = dn\n[dn]\n[ext]\n" + extensions(inputs) },
        );
    } else {
        pem = openssl(
            ["x509", "-req", "-in", "req.pem", "-CA", "ca.pem", "-CAkey", "cakey.pem", "-set_serial", "0x" + crypto.createHash("sha256").update(label).digest("hex").slice(0, 16), "-days", days, "-extfile", "ext.cnf"],
            { "req.pem": String(inputs.certRequestPem ?? ""), "ca.pem": String(inputs.caCertPem ?? ""), "cakey.pem": String(inputs.caPrivateKeyPem ?? ""), "ext.cnf": extensions(inputs) },
        );
    }
    certCache.set(cacheKey, pem);
    return pem;
}

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";

function openSecrets(v: any): any {
    if (Array.isArray(v)) return v.map(openSecrets);
    if (v && typeof v === "object") {
        if (SECRET_SIG_KEY in v) return openSecrets(v.value);
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, openSecrets(x)]));
    }
    return v;
}

// --- what the engine does with the request that the SDK's mock monitor leaves out ---

/** The wire form of a secret (`@pulumi/pulumi@3.248.0` runtime/rpc.js specialSigKey / specialSecretSig). */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Wrap the named top-level outputs of a serialized state as secrets (values already secret stay as they are). */
export function markSecretOutputs(state: Record<string, any>, names: string[]): Record<string, any> {
    const out = { ...state };
    for (const k of names) {
        if (!(k in out)) continue;
        const v = out[k];
        if (v && typeof v === "object" && v[SECRET_SIG_KEY] === SECRET_SIG) continue;
        out[k] = { [SECRET_SIG_KEY]: SECRET_SIG, value: v };
    }
    return out;
}

/**
 * `setMocks` builds the SDK's MockMonitor, whose registerResource (`@pulumi/pulumi@3.248.0` runtime/mocks.js
 * MockMonitor.registerResource) hands only type, name, inputs, provider, custom and id to `newResource` and
 * ignores every option on the request, although the SDK sets them there (runtime/resource.js:199 and :368-407).
 * The engine marks outputs secret before the response goes back (pulumi/pulumi@v3.248.0
 * pkg/resource/deploy/step_executor.go:522-570): every output named in `AdditionalSecretOutputs` (never `id`),
 * and every output whose input of the same name was a secret ("If an input secret is potentially leaked as an
 * output, preemptively mark it as secret"). This patch, applied once when this module loads, wraps
 * MockMonitor.registerResource for GluuMocks only: it hands the request's options to `newResource`
 * (`pendingOptions`) and marks the response's outputs secret by those two rules, as the engine does.
 */
function patchMockMonitor(): void {
    const proto = MockMonitor.prototype as any;
    if (proto.__gluuPatched) return;
    const original = proto.registerResource;
    proto.registerResource = function (this: any, req: any, callback: (err: any, res: any) => void) {
        if (!(this.mocks instanceof GluuMocks)) return original.call(this, req, callback);
        const options: EngineOptions = {
            ignoreChanges: req.getIgnorechangesList?.() ?? [],
            additionalSecretOutputs: req.getAdditionalsecretoutputsList?.() ?? [],
            replaceOnChanges: req.getReplaceonchangesList?.() ?? [],
            protect: !!req.getProtect?.(),
            retainOnDelete: !!req.getRetainondelete?.(),
            deleteBeforeReplace: !!req.getDeletebeforereplace?.(),
        };
        this.mocks.pendingOptions = options;
        try {
            return original.call(this, req, (err: any, res: any) => {
                if (!err && res && res.getObject()) {
                    const inputs = req.getObject()?.toJavaScript() ?? {};
                    const secretInputs = Object.keys(inputs).filter((k) => inputs[k] && typeof inputs[k] === "object" && inputs[k][SECRET_SIG_KEY] === SECRET_SIG);
                    const names = [...options.additionalSecretOutputs.filter((k) => k !== "id"), ...secretInputs];
                    if (names.length) {
                        const obj = res.getObject().toJavaScript();
                        res.setObject(res.getObject().constructor.fromJavaScript(markSecretOutputs(obj, names)));
                    }
                }
                callback(err, res);
            });
        } finally {
            this.mocks.pendingOptions = undefined;
        }
    };
    proto.__gluuPatched = true;
}

patchMockMonitor();
