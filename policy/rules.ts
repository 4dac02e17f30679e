// The policy pack's rules as pure functions over plain resource properties: no Pulumi import, nothing
// started, so mocha tests (and any other tool) can call them directly. `policies.ts` adapts them to
// @pulumi/policy and `index.ts` serves them as the `gluu-cluster-policies` pack.
//
// Conventions every rule follows:
// - Properties are read camelCase first, then snake_case (`vpcUuid`, then `vpc_uuid`).
// - A secret value may arrive wrapped (`{"4dabf18193072939515e22adb298388d": "1b47…", value}`, the SDK's
//   wire form, as the mocks record it); it is opened. The policy engine itself already hands over plain values.
// - An *unknown* value (preview: it depends on an output not created yet) is never a violation: the same
//   resource is validated again during `pulumi up`, when its inputs are known. A *missing* value is.
// - Messages name the resource and the field, say what to do, and never echo a secret value.

import * as crypto from "crypto";

/** Enforcement levels of @pulumi/policy (restated so this module needs no Pulumi import). */
export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

/** Options of the resource that a rule may look at (the engine passes them; tests may omit them). */
export interface RuleResourceOptions {
    /** Outputs the engine stores as secrets (`additionalSecretOutputs`). */
    additionalSecretOutputs?: string[];
}

/** A rule that looks at one resource at a time. */
export interface ResourceRule {
    /** Policy name, unique in the pack. */
    name: string;
    /** One sentence: what the rule requires. */
    description: string;
    /** Defaults to `mandatory`; the pack's config can lower it per rule. */
    enforcementLevel: EnforcementLevel;
    /** Resource types the rule applies to. */
    types: string[];
    /** Violations of one resource; empty when it complies or when the type is not one of `types`. */
    validate(type: string, props: Record<string, any>, name?: string, opts?: RuleResourceOptions): string[];
}

/** A resource as a stack rule sees it. */
export interface StackResource {
    type: string;
    name: string;
    urn?: string;
    /** Properties (inputs, or outputs after an update: the tls resources echo their inputs). */
    props: Record<string, any>;
    /** Property name → URNs of the resources that property's value came from (the engine knows these). */
    propertyDependencies?: Record<string, string[]>;
}

/** A violation found by a stack rule, attached to a resource where there is one. */
export interface StackViolation {
    message: string;
    urn?: string;
}

/** A rule that needs to see several resources together. */
export interface StackRule {
    name: string;
    description: string;
    enforcementLevel: EnforcementLevel;
    validateStack(resources: StackResource[]): StackViolation[];
}

// --- resource types ---

export const TLS_PRIVATE_KEY = "tls:index/privateKey:PrivateKey";
export const TLS_SELF_SIGNED_CERT = "tls:index/selfSignedCert:SelfSignedCert";
export const TLS_LOCALLY_SIGNED_CERT = "tls:index/locallySignedCert:LocallySignedCert";
export const TLS_CERT_REQUEST = "tls:index/certRequest:CertRequest";
export const REMOTE_COMMAND = "command:remote:Command";
export const REMOTE_COPY_TO_REMOTE = "command:remote:CopyToRemote";
export const REMOTE_COPY_FILE = "command:remote:CopyFile";
export const DO_FIREWALL = "digitalocean:index/firewall:Firewall";
export const DO_DROPLET = "digitalocean:index/droplet:Droplet";

/**
 * Ports cluster members use among themselves (LDAPS, OpenDJ admin and replication, stunnel to Redis, csync2)
 * plus Redis itself. Restated from `components/gluuCluster.ts` MEMBER_PORTS (a test keeps them in step) so
 * that the pack loads nothing of the library.
 */
export const CLUSTER_PORTS = [1636, 4444, 8989, 16379, 30865, 6379];

/** Limits. The CA limit equals the library's CA_VALIDITY_HOURS (10 × 365 days). */
export const MIN_RSA_BITS = 2048;
export const MIN_CA_RSA_BITS = 3072;
export const MAX_CA_VALIDITY_HOURS = 10 * 365 * 24;
/** The CA/Browser Forum's old ceiling for leaf certificates; the library issues one-year leaves. */
export const MAX_LEAF_VALIDITY_HOURS = 825 * 24;

// --- reading values ---

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";

/**
 * The sentinels @pulumi/policy puts where a value is unknown during preview (its `proxy.js`; a test checks
 * they still match). The pack reads properties past the library's unknown-checking proxy, so it sees them.
 */
export const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string (also the SDK's wire form of an unknown)
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
    "030794c1-ac77-496b-92df-f27374a8bd58", // asset
    "e48ece36-62e2-4504-bad9-02848725956a", // archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

/** True when a value is not known yet (preview). */
export function isUnknown(v: unknown): boolean {
    return typeof v === "string" && UNKNOWN_SENTINELS.has(v);
}

/** A value with a secret wrapper (the SDK's wire form) removed. */
export function plain(v: any): any {
    while (v !== null && typeof v === "object" && !Array.isArray(v) && SECRET_SIG_KEY in v) {
        v = v.value;
    }
    return v;
}

function snake(key: string): string {
    return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A property by its camelCase name, else its snake_case name; secret wrapper removed. */
export function prop(obj: any, key: string): any {
    const o = plain(obj);
    if (o === null || typeof o !== "object") {
        return undefined;
    }
    const v = o[key] !== undefined ? o[key] : o[snake(key)];
    return plain(v);
}

function missing(v: unknown): boolean {
    return v === undefined || v === null || v === "";
}

const SHORT_TYPE: Record<string, string> = {
    [TLS_PRIVATE_KEY]: "tls.PrivateKey",
    [TLS_SELF_SIGNED_CERT]: "tls.SelfSignedCert",
    [TLS_LOCALLY_SIGNED_CERT]: "tls.LocallySignedCert",
    [TLS_CERT_REQUEST]: "tls.CertRequest",
    [REMOTE_COMMAND]: "command.remote.Command",
    [REMOTE_COPY_TO_REMOTE]: "command.remote.CopyToRemote",
    [REMOTE_COPY_FILE]: "command.remote.CopyFile",
    [DO_FIREWALL]: "digitalocean.Firewall",
    [DO_DROPLET]: "digitalocean.Droplet",
};

function who(type: string, name?: string): string {
    return `${SHORT_TYPE[type] ?? type}${name ? ` \`${name}\`` : ""}`;
}

// --- 1. tls key sizes ---

/** The problem with a PrivateKey's algorithm and size, if any (`undefined` when fine or unknown). */
function keyProblem(props: Record<string, any>): string | undefined {
    const algorithm = prop(props, "algorithm");
    if (algorithm === "RSA") {
        const raw = prop(props, "rsaBits");
        if (isUnknown(raw)) return undefined;
        const bits = missing(raw) ? 2048 : Number(raw); // the provider's default
        if (!(bits >= MIN_RSA_BITS)) {
            return `\`rsaBits\` is ${raw}; RSA keys need at least ${MIN_RSA_BITS} bits: set \`rsaBits: 3072\` or use ECDSA P256 / ED25519`;
        }
    } else if (algorithm === "ECDSA") {
        const raw = prop(props, "ecdsaCurve");
        if (isUnknown(raw)) return undefined;
        if (missing(raw) || raw === "P224") {
            const why = missing(raw) ? "is not set, so the provider uses P224" : "is P224";
            return `\`ecdsaCurve\` ${why} (too weak, and it has no OpenSSH form): set \`ecdsaCurve: "P256"\` or "P384"`;
        }
    }
    return undefined;
}

/** Refuses RSA keys under 2048 bits and ECDSA P224 keys (the provider's default curve). */
export const tlsKeyStrength: ResourceRule = {
    name: "tls-key-strength",
    description: "tls.PrivateKey: RSA keys have at least 2048 bits; ECDSA keys use P256 or stronger (the provider defaults to P224).",
    enforcementLevel: "mandatory",
    types: [TLS_PRIVATE_KEY],
    validate(type, props, name) {
        if (type !== TLS_PRIVATE_KEY) return [];
        const problem = keyProblem(props);
        return problem ? [`${who(type, name)}: ${problem}`] : [];
    },
};

/** Size of a PEM private key read with Node's crypto: `undefined` when it is not a parseable key. */
function pemKeySize(pem: string): { type: string; bits?: number; curve?: string } | undefined {
    try {
        const key = crypto.createPrivateKey(pem);
        const d = key.asymmetricKeyDetails ?? {};
        return { type: String(key.asymmetricKeyType), bits: d.modulusLength, curve: d.namedCurve };
    } catch {
        return undefined;
    }
}

interface CaKeyUse {
    /** The certificate or request that uses the key as a CA key. */
    user: StackResource;
    /** The property holding the key (`privateKeyPem`, `caPrivateKeyPem`). */
    field: string;
}

const PEM_FIELDS = ["privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh"];

/**
 * Refuses RSA CA keys under 3072 bits. A CA key is the key of a self-signed CA certificate, the CA key a
 * LocallySignedCert is signed with, or the key behind the request of a LocallySignedCert that is itself a CA.
 * The key is found through the engine's property dependencies (works in preview), else by its PEM value;
 * when the PEM is known but belongs to no tls.PrivateKey in the stack, the PEM itself is measured.
 */
export const tlsCaKeyStrength: StackRule = {
    name: "tls-ca-key-strength",
    description: "Keys that sign certificates (CA keys) are RSA with at least 3072 bits, or ECDSA P256 or stronger.",
    enforcementLevel: "mandatory",
    validateStack(resources) {
        const byUrn = new Map(resources.filter((r) => r.urn).map((r) => [r.urn!, r]));
        const keys = resources.filter((r) => r.type === TLS_PRIVATE_KEY);
        const requests = resources.filter((r) => r.type === TLS_CERT_REQUEST);

        // Resources a property's value came from: the engine's edges first, then equal values.
        const sources = (user: StackResource, field: string, candidates: StackResource[], fields: string[]): StackResource[] => {
            const deps = (user.propertyDependencies?.[field] ?? []).map((u) => byUrn.get(u)).filter((r): r is StackResource => !!r && candidates.includes(r));
            if (deps.length > 0) return deps;
            const v = prop(user.props, field);
            if (typeof v !== "string" || missing(v) || isUnknown(v)) return [];
            return candidates.filter((c) => fields.some((f) => prop(c.props, f) === v));
        };

        const uses: CaKeyUse[] = [];
        for (const r of resources) {
            if (r.type === TLS_SELF_SIGNED_CERT && prop(r.props, "isCaCertificate") === true) {
                uses.push({ user: r, field: "privateKeyPem" });
            }
            if (r.type === TLS_LOCALLY_SIGNED_CERT) {
                uses.push({ user: r, field: "caPrivateKeyPem" });
                if (prop(r.props, "isCaCertificate") === true) {
                    for (const csr of sources(r, "certRequestPem", requests, ["certRequestPem"])) {
                        uses.push({ user: csr, field: "privateKeyPem" });
                    }
                }
            }
        }

        const out: StackViolation[] = [];
        const reported = new Set<string>();
        for (const use of uses) {
            const linked = sources(use.user, use.field, keys, PEM_FIELDS);
            const where = `used as a CA key by ${who(use.user.type, use.user.name)} (\`${use.field}\`)`;
            if (linked.length > 0) {
                for (const key of linked) {
                    const id = key.urn ?? key.name;
                    if (reported.has(id) || prop(key.props, "algorithm") !== "RSA") continue;
                    const raw = prop(key.props, "rsaBits");
                    if (isUnknown(raw)) continue;
                    const bits = missing(raw) ? 2048 : Number(raw);
                    if (!(bits >= MIN_CA_RSA_BITS)) {
                        reported.add(id);
                        out.push({
                            urn: key.urn,
                            message: `${who(key.type, key.name)} is ${where} with \`rsaBits\` ${missing(raw) ? "unset (2048)" : raw}; a CA key needs at least ${MIN_CA_RSA_BITS} bits: set \`rsaBits: 3072\` (or 4096), or use ECDSA P256/P384`,
                        });
                    }
                }
                continue;
            }
            const pem = prop(use.user.props, use.field);
            if (typeof pem !== "string" || missing(pem) || isUnknown(pem)) continue;
            const size = pemKeySize(pem);
            if (size?.type === "rsa" && size.bits !== undefined && size.bits < MIN_CA_RSA_BITS) {
                out.push({
                    urn: use.user.urn,
                    message: `${who(use.user.type, use.user.name)}: the key in \`${use.field}\` is RSA ${size.bits} bits; a CA key needs at least ${MIN_CA_RSA_BITS}: issue the CA from a key with \`rsaBits: 3072\` or ECDSA P256/P384`,
                });
            } else if (size?.type === "ec" && (size.curve === "secp224r1" || size.curve === "P-224")) {
                out.push({ urn: use.user.urn, message: `${who(use.user.type, use.user.name)}: the key in \`${use.field}\` is ECDSA P224; use P256 or P384` });
            }
        }
        return out;
    },
};

/** Certificates have a bounded lifetime, and leaf certificates are renewed before they expire. */
export const tlsCertificateValidity: ResourceRule = {
    name: "tls-certificate-validity",
    description: `tls certificates set validityPeriodHours (CA ≤ ${MAX_CA_VALIDITY_HOURS} h = 10 years, leaf ≤ ${MAX_LEAF_VALIDITY_HOURS} h = 825 days); leaf certificates set earlyRenewalHours.`,
    enforcementLevel: "mandatory",
    types: [TLS_SELF_SIGNED_CERT, TLS_LOCALLY_SIGNED_CERT],
    validate(type, props, name) {
        if (type !== TLS_SELF_SIGNED_CERT && type !== TLS_LOCALLY_SIGNED_CERT) return [];
        const out: string[] = [];
        const w = who(type, name);
        const isCaRaw = prop(props, "isCaCertificate");
        if (isUnknown(isCaRaw)) return [];
        const isCa = isCaRaw === true;
        const hoursRaw = prop(props, "validityPeriodHours");
        const hours = Number(hoursRaw);
        const max = isCa ? MAX_CA_VALIDITY_HOURS : MAX_LEAF_VALIDITY_HOURS;
        const kind = isCa ? "a CA certificate" : "a leaf certificate";
        if (missing(hoursRaw)) {
            out.push(`${w}: \`validityPeriodHours\` is not set; set it (at most ${max} for ${kind})`);
        } else if (!isUnknown(hoursRaw)) {
            if (!(hours > 0)) {
                out.push(`${w}: \`validityPeriodHours\` is ${hoursRaw}; set a positive number of hours (at most ${max} for ${kind})`);
            } else if (hours > max) {
                out.push(`${w}: \`validityPeriodHours\` is ${hours} (${Math.round(hours / 24)} days); ${kind} may be valid at most ${max} hours (${max / 24} days): lower it`);
            }
        }
        if (!isCa) {
            const earlyRaw = prop(props, "earlyRenewalHours");
            if (!isUnknown(earlyRaw)) {
                const early = Number(earlyRaw);
                if (missing(earlyRaw) || !(early > 0)) {
                    out.push(`${w}: \`earlyRenewalHours\` is not set; set it (e.g. 720 = 30 days) so that \`pulumi up\` replaces the certificate before it expires`);
                } else if (hours > 0 && !isUnknown(hoursRaw) && early >= hours) {
                    out.push(`${w}: \`earlyRenewalHours\` (${early}) is not below \`validityPeriodHours\` (${hours}); the certificate would be replaced on every update: lower it`);
                }
            }
        }
        return out;
    },
};

// --- 2. remote commands ---

const CONNECTED_TYPES = [REMOTE_COMMAND, REMOTE_COPY_TO_REMOTE, REMOTE_COPY_FILE];
const KEY_TYPE = "(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\\.com)";
const AUTHORIZED_KEY = new RegExp(`^${KEY_TYPE} [A-Za-z0-9+/]+={0,3}(\\s.*)?$`);
// ssh-keyscan's `ADDRESS TYPE KEY`: ssh.ParseAuthorizedKey takes the leading field for options and retries
// (golang/crypto@v0.48.0:ssh/keys.go), so the provider accepts it.
const KEYSCAN_LINE = new RegExp(`^(?!${KEY_TYPE}\\s)\\S+[ \\t]+(${KEY_TYPE}\\s[\\s\\S]*)$`);

function hostKeyProblem(conn: any, path: string): string | undefined {
    const key = prop(conn, "hostKey");
    if (isUnknown(key)) return undefined;
    const how = "pin the host's key (`ssh-keyscan -t ed25519 <host>`, fingerprint checked out of band)";
    if (missing(key) || (typeof key === "string" && key.trim() === "")) {
        return `\`${path}.hostKey\` is not set, so the provider accepts any host key (no host-key checking): ${how}`;
    }
    const line = typeof key === "string" ? key.trim().replace(KEYSCAN_LINE, "$5").trim() : undefined;
    if (line === undefined || !AUTHORIZED_KEY.test(line)) {
        return `\`${path}.hostKey\` is not an SSH public key in authorized_keys form (\`ssh-ed25519 AAAA…\`): ${how}`;
    }
    // pulumi/pulumi-command@v1.2.1:provider/pkg/provider/remote/connection.go:94 pins exactly the key's type
    // (`HostKeyAlgorithms = []string{publicKey.Type()}`): for RSA that is ssh-rsa with SHA-1, which OpenSSH 8.8+ refuses.
    if (line.startsWith("ssh-rsa ")) {
        return `\`${path}.hostKey\` is an ssh-rsa key: the provider pins exactly that algorithm (SHA-1 signatures), which OpenSSH 8.8 and later refuse, so the connection would fail; pin the ed25519 (or ecdsa) key with \`ssh-keyscan -t ed25519 <host>\``;
    }
    return undefined;
}

/** Every SSH connection (and its bastion) pins the host key. */
export const remoteHostKey: ResourceRule = {
    name: "remote-host-key-pinned",
    description: "command.remote resources set connection.hostKey (and proxy.hostKey): without it the provider skips host-key checking.",
    enforcementLevel: "mandatory",
    types: CONNECTED_TYPES,
    validate(type, props, name) {
        if (!CONNECTED_TYPES.includes(type)) return [];
        const conn = prop(props, "connection");
        if (isUnknown(conn)) return [];
        if (missing(conn)) return [`${who(type, name)}: \`connection\` is missing; set it with a pinned \`hostKey\``];
        const out: string[] = [];
        const p = hostKeyProblem(conn, "connection");
        if (p) out.push(`${who(type, name)}: ${p}`);
        const proxy = prop(conn, "proxy");
        if (!missing(proxy) && !isUnknown(proxy)) {
            const pp = hostKeyProblem(proxy, "connection.proxy");
            if (pp) out.push(`${who(type, name)}: ${pp}`);
        }
        return out;
    },
};

/** A command that receives secrets on stdin keeps its output out of logs and out of plain state. */
export const remoteSecretStdin: ResourceRule = {
    name: "remote-secret-stdin-quiet",
    description: 'command.remote.Command with `stdin` (secret-bearing) sets `logging: "none"` and keeps stdout/stderr secret.',
    enforcementLevel: "mandatory",
    types: [REMOTE_COMMAND],
    validate(type, props, name, opts) {
        if (type !== REMOTE_COMMAND) return [];
        const stdin = prop(props, "stdin");
        if (missing(stdin)) return [];
        const out: string[] = [];
        const logging = prop(props, "logging");
        if (!isUnknown(logging) && logging !== "none") {
            out.push(
                `${who(type, name)}: has \`stdin\` (secret data) but \`logging\` is ${missing(logging) ? "not set (default: stdout and stderr are logged)" : JSON.stringify(logging)}; set \`logging: "none"\``,
            );
        }
        const secretOuts = opts?.additionalSecretOutputs;
        if (Array.isArray(secretOuts)) {
            const lacking = ["stdout", "stderr"].filter((o) => !secretOuts.includes(o));
            if (lacking.length > 0) {
                out.push(`${who(type, name)}: has \`stdin\` (secret data) but ${lacking.map((o) => `\`${o}\``).join(" and ")} are stored in plain text; add them to the \`additionalSecretOutputs\` resource option`);
            }
        }
        return out;
    },
};

/**
 * No remote `environment` at all: the library never uses it, stock sshd refuses it without `AcceptEnv`, and
 * a value there is a secret's favourite hiding place. Only key names are reported, never values.
 */
export const remoteNoEnvironment: ResourceRule = {
    name: "remote-no-environment",
    description: "command.remote.Command sets no `environment` (needs AcceptEnv; secrets go on stdin instead).",
    enforcementLevel: "mandatory",
    types: [REMOTE_COMMAND],
    validate(type, props, name) {
        if (type !== REMOTE_COMMAND) return [];
        const env = prop(props, "environment");
        if (missing(env) || isUnknown(env) || typeof env !== "object") return [];
        const keys = Object.keys(env);
        if (keys.length === 0) return [];
        return [`${who(type, name)}: \`environment\` sets ${keys.map((k) => `\`${k}\``).join(", ")}; remove it: send values on \`stdin\` (secrets) or write \`export\` lines into the script`];
    },
};

/** `addPreviousOutputInEnv` is explicitly false (its default, true, re-sends the last output via the environment). */
export const remoteNoPreviousOutput: ResourceRule = {
    name: "remote-no-previous-output-env",
    description: "command.remote.Command sets `addPreviousOutputInEnv: false` (the default true re-sends earlier output, which may hold secrets, and needs AcceptEnv).",
    enforcementLevel: "mandatory",
    types: [REMOTE_COMMAND],
    validate(type, props, name) {
        if (type !== REMOTE_COMMAND) return [];
        const v = prop(props, "addPreviousOutputInEnv");
        if (isUnknown(v) || v === false) return [];
        return [`${who(type, name)}: \`addPreviousOutputInEnv\` is ${missing(v) ? "not set (default true)" : JSON.stringify(v)}; set \`addPreviousOutputInEnv: false\``];
    },
};

/** A secret-looking construct in command text, by name. Each `test` sees the text with line continuations joined. */
interface SecretPattern {
    what: string;
    fix: string;
    test: RegExp;
}

/** Literal = not a shell expansion (`$X`, `"$X"`) and not a printf placeholder (`%s`). */
const LITERAL = String.raw`(?!["']?[$%])\S`;
const LDAP_TOOLS = String.raw`(?:^|[\s/;&|(])(?:ldap(?:search|modify|add|delete|passwd|whoami|compare|modrdn|exop)|dsconfig|dsreplication|import-ldif|export-ldif|manage-tasks|rebuild-index|verify-index|backup|restore|status|stop-ds|start-ds)\b`;

/** Patterns for secrets on argv or in the command text. Exported for tests and documentation. */
export const SECRET_PATTERNS: SecretPattern[] = [
    {
        what: "a PEM private key",
        fix: "send key material on `stdin` and install it from there",
        // A real key block (BEGIN line, optional headers, base64), not a grep pattern for one.
        test: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----[ \t]*\r?\n(?:[A-Za-z-]+:[^\n]*\n)*\s*[A-Za-z0-9+/]{16,}/,
    },
    {
        what: "an LDAP password after `-w`",
        fix: "use a password file (`-j`/`--bindPasswordFile`, `-y`) filled from `stdin`",
        test: new RegExp(String.raw`${LDAP_TOOLS}[^\n]*?\s-w\s+${LITERAL}`, "m"),
    },
    {
        what: "an OpenDJ password option without `File` (`--bindPassword`, `--adminPassword`, …)",
        fix: "use the `…PasswordFile` form with a file filled from `stdin`",
        test: /--(?:bindPassword[12]?|adminPassword|rootUserPassword|keyStorePassword|trustStorePassword)(?=[\s=])/,
    },
    {
        what: "a Redis password on the redis-cli command line (`-a`/`--pass`)",
        fix: "pass it in the environment of the call (`REDISCLI_AUTH=\"$pw\" redis-cli …`), read from `stdin`",
        test: new RegExp(String.raw`\bredis-cli\b[^\n]*?\s(?:-a|--pass)\s+${LITERAL}`, "m"),
    },
    {
        what: "a password in a redis:// URI",
        fix: "authenticate with `REDISCLI_AUTH` read from `stdin`",
        test: /\brediss?:\/\/[^\s:@/]*:(?![$%])[^\s@/]+@/,
    },
    {
        what: "a literal `requirepass`/`masterauth` value",
        fix: "write the line from a value read on `stdin` (`printf 'requirepass \"%s\"\\n' \"$pw\"`)",
        test: new RegExp(String.raw`(?:^|["']|config\s+set\s+)\s*(?:requirepass|masterauth)\s+${LITERAL}`, "im"),
    },
];

/** The first secret pattern a text matches, if any. */
export function secretPatternIn(text: string): SecretPattern | undefined {
    const joined = text.replace(/\\\r?\n/g, " ");
    return SECRET_PATTERNS.find((p) => p.test.test(joined));
}

/**
 * Command text (`create`, `update`, `delete`) holds no obvious secret: it lands in the state, in the diff, in
 * the CLI log and, on failure, in the provider's error message.
 */
export const remoteNoSecretsInText: ResourceRule = {
    name: "remote-no-secrets-in-command-text",
    description: "command.remote.Command create/update/delete carry no passwords or keys on argv or in the text (secrets go on stdin).",
    enforcementLevel: "mandatory",
    types: [REMOTE_COMMAND],
    validate(type, props, name) {
        if (type !== REMOTE_COMMAND) return [];
        const out: string[] = [];
        for (const field of ["create", "update", "delete"]) {
            const text = prop(props, field);
            if (typeof text !== "string" || isUnknown(text)) continue;
            const hit = secretPatternIn(text);
            if (hit) out.push(`${who(type, name)}: \`${field}\` contains ${hit.what}; ${hit.fix}`);
        }
        return out;
    },
};

// --- 3. DigitalOcean firewall ---

/** Parse an IPv4/IPv6 address or CIDR into its family and prefix length. */
function cidr(s: string): { v6: boolean; prefix: number; addr: string } | undefined {
    const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(s.trim());
    if (!m) return undefined;
    const v6 = m[1].includes(":");
    const prefix = m[2] === undefined ? (v6 ? 128 : 32) : Number(m[2]);
    return { v6, prefix, addr: m[1] };
}

/**
 * "The world": `0.0.0.0/0`, `::/0` and anything as broad as the internet. Prefixes shorter than /8 (IPv4) or
 * /16 (IPv6) count too, so `0.0.0.0/1` + `128.0.0.0/1` cannot stand in for `0.0.0.0/0`; bare `0.0.0.0`/`::`
 * count because tools read them as "any".
 */
export function isWorld(source: string): boolean {
    const c = cidr(source);
    if (!c) return false;
    if (c.addr === "0.0.0.0" || c.addr === "::") return true;
    return c.v6 ? c.prefix < 16 : c.prefix < 8;
}

/** RFC 1918, CGNAT (VPC-like), loopback, IPv6 ULA: the ranges cluster traffic may come from. */
export function isPrivate(source: string): boolean {
    const c = cidr(source);
    if (!c) return false;
    if (c.v6) return /^f[cd][0-9a-f]{0,2}:/i.test(c.addr) && c.prefix >= 7;
    const o = c.addr.split(".").map(Number);
    if (o.length !== 4 || o.some((x) => !(x >= 0 && x <= 255))) return false;
    return (
        (o[0] === 10 && c.prefix >= 8) ||
        (o[0] === 172 && o[1] >= 16 && o[1] <= 31 && c.prefix >= 12) ||
        (o[0] === 192 && o[1] === 168 && c.prefix >= 16) ||
        (o[0] === 100 && o[1] >= 64 && o[1] <= 127 && c.prefix >= 10) ||
        (o[0] === 127 && c.prefix >= 8)
    );
}

/** A port range as `[low, high]`; "all", "0", empty or absent mean every port. `undefined` when unreadable. */
function portRange(v: unknown): [number, number] | undefined {
    if (missing(v) || v === "all" || v === "0" || v === 0) return [1, 65535];
    const m = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5}))?\s*$/.exec(String(v));
    if (!m) return undefined;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    return [Math.min(lo, hi), Math.max(lo, hi)];
}

/**
 * The load balancer's firewall, by the library's convention: applied by tag only, every tag ending in `-lb`
 * (GluuCluster tags its load balancer `<cluster>-lb`). Only there may 80/443 be open to the world.
 */
export function looksLikeLbFirewall(props: Record<string, any>): boolean | undefined {
    const tags = prop(props, "tags");
    if (isUnknown(tags)) return undefined;
    if (!Array.isArray(tags) || tags.length === 0) return false;
    const ids = prop(props, "dropletIds");
    if (Array.isArray(ids) && ids.length > 0) return false;
    const values = tags.map(plain);
    if (values.some(isUnknown)) return undefined;
    return values.every((t) => typeof t === "string" && /-lb$/.test(t));
}

/** Inbound rules of the cloud firewall keep SSH, cluster ports and whole port ranges away from the world. */
export const doFirewallIngress: ResourceRule = {
    name: "do-firewall-ingress",
    description:
        "digitalocean.Firewall: no inbound rule opens 22, the cluster ports (1636, 4444, 8989, 16379, 30865, 6379) or all ports to the world; cluster ports only from tags or private ranges; 80/443 from the world only on the load balancer's firewall (tags ending in -lb).",
    enforcementLevel: "mandatory",
    types: [DO_FIREWALL],
    validate(type, props, name) {
        if (type !== DO_FIREWALL) return [];
        const rules = prop(props, "inboundRules");
        if (!Array.isArray(rules)) return [];
        const w = who(type, name);
        const out: string[] = [];
        rules.forEach((rawRule, i) => {
            const rule = plain(rawRule);
            if (isUnknown(rule) || rule === null || typeof rule !== "object") return;
            const protocol = prop(rule, "protocol");
            if (protocol === "icmp" || isUnknown(protocol)) return;
            const range = prop(rule, "portRange");
            if (isUnknown(range)) return;
            const ports = portRange(range);
            const field = `inboundRules[${i}]`;
            if (!ports) {
                out.push(`${w}: \`${field}.portRange\` ${JSON.stringify(range)} is not a port or range like "22" or "8000-9000"`);
                return;
            }
            const sources = prop(rule, "sourceAddresses");
            if (!Array.isArray(sources)) return;
            const addresses = sources.map(plain).filter((s): s is string => typeof s === "string" && !isUnknown(s));
            const world = addresses.filter(isWorld);
            const publicOnes = addresses.filter((a) => !isPrivate(a));
            const covers = (p: number) => ports[0] <= p && p <= ports[1];
            const label = `${protocol ?? "tcp"} ${ports[0] === ports[1] ? ports[0] : `${ports[0]}-${ports[1]}`}`;
            if (world.length > 0 && ports[0] <= 1 && ports[1] >= 65535) {
                out.push(`${w}: \`${field}\` opens every port (${label}) to ${world.join(", ")} (\`sourceAddresses\`); open only the ports a service needs, to the sources that need them`);
                return;
            }
            if (world.length > 0 && covers(22)) {
                out.push(`${w}: \`${field}\` opens SSH (${label}) to ${world.join(", ")} (\`sourceAddresses\`); list your admin networks instead`);
            }
            const cluster = CLUSTER_PORTS.filter(covers);
            if (cluster.length > 0 && publicOnes.length > 0) {
                out.push(
                    `${w}: \`${field}\` opens cluster port(s) ${cluster.join(", ")} to ${publicOnes.join(", ")} (\`sourceAddresses\`); cluster ports take only \`sourceTags\` (the member tag) or private/VPC ranges`,
                );
            }
            if (world.length > 0 && (covers(80) || covers(443)) && looksLikeLbFirewall(props) === false) {
                out.push(
                    `${w}: \`${field}\` opens ${[80, 443].filter(covers).join("/")} to ${world.join(", ")} (\`sourceAddresses\`), but this is not the load balancer's firewall (tags ending in \`-lb\`); let backends accept only the load balancer (\`sourceTags\`)`,
                );
            }
        });
        return out;
    },
};

// --- 4. droplets ---

/**
 * Droplets log in by key and live in a chosen VPC. User data is not inspected: the library's own user data
 * carries the droplet's SSH host key by design, and password heuristics over free-form cloud-config would be
 * noise, not a control.
 */
export const doDropletBaseline: ResourceRule = {
    name: "do-droplet-baseline",
    description: "digitalocean.Droplet sets `sshKeys` (otherwise DigitalOcean mails a root password) and `vpcUuid` (cluster traffic on a VPC you chose).",
    enforcementLevel: "mandatory",
    types: [DO_DROPLET],
    validate(type, props, name) {
        if (type !== DO_DROPLET) return [];
        const w = who(type, name);
        const out: string[] = [];
        const keys = prop(props, "sshKeys");
        if (!isUnknown(keys) && (!Array.isArray(keys) || keys.length === 0)) {
            out.push(`${w}: \`sshKeys\` is empty; add the DigitalOcean SSH key(s) to log in with (without them DigitalOcean sets and mails a root password)`);
        }
        const vpc = prop(props, "vpcUuid");
        if (!isUnknown(vpc) && missing(vpc)) {
            out.push(`${w}: \`vpcUuid\` is not set; put the droplet in a VPC you chose so members talk over private addresses`);
        }
        return out;
    },
};

/** Every per-resource rule of the pack, in report order. */
export const RESOURCE_RULES: ResourceRule[] = [
    tlsKeyStrength,
    tlsCertificateValidity,
    remoteHostKey,
    remoteSecretStdin,
    remoteNoEnvironment,
    remoteNoPreviousOutput,
    remoteNoSecretsInText,
    doFirewallIngress,
    doDropletBaseline,
];

/** Every stack-level rule of the pack. */
export const STACK_RULES: StackRule[] = [tlsCaKeyStrength];

/** Run every resource rule on one resource (for tests and offline tools). */
export function validateResource(type: string, props: Record<string, any>, name?: string, opts?: RuleResourceOptions): string[] {
    return RESOURCE_RULES.flatMap((r) => r.validate(type, props, name, opts));
}

/** Run every stack rule on a set of resources. */
export function validateStack(resources: StackResource[]): StackViolation[] {
    return STACK_RULES.flatMap((r) => r.validateStack(resources));
}
