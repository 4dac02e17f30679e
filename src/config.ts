// The stack's configuration: every `gluu:*` key, validated all at once before anything is created.
// Pure: takes the raw config strings Pulumi holds and returns typed values or every problem by key.

import { X509Certificate, createPrivateKey, createPublicKey } from "crypto";
import { z } from "zod";
import { LOAD_BALANCER_KINDS, LoadBalancerKind, alertSettingProblems, configKey, loadBalancerSettingProblems, resolveLoadBalancer, virtualIpProblems } from "../components/loadBalancing";
import { PROFILES, SUPPORTED_VERSIONS, normalizeVersion } from "../components/profiles";
import {
    CLUSTER_NAME_MAX,
    extraUserDataProblems,
    hostKeyIssue,
    isAddress,
    isFqdn,
    isHostName,
    isRoleTag,
    normalizeHostKey,
    rsaHostKeyAdvice,
    vpcIpRangeProblems,
} from "../components/validation";
import {
    SPACES_REGIONS,
    backupEndpointProblems,
    backupRegionProblems,
    backupScheduleProblems,
    bucketNameProblems,
    restoreFromProblems,
} from "../components/render/backup";

/** Keys whose values are secrets: never echoed in errors, wrapped as secrets by the program. */
export const SECRET_KEYS = ["sshPrivateKey", "ldapPassword", "adminPassword", "repoPassword", "lbPrivateKey", "redisPassword", "backupAccessKeyId", "backupSecretAccessKey"] as const;

const CIDR = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\/([0-9]|[12]\d|3[0-2])$/;
const SLUG = /^[a-z0-9][a-z0-9-]*$/;
const HOST_KEY_HINT = "must be an SSH public host key (`ssh-ed25519 AAAA…`); get it with `ssh-keyscan -t ed25519 <address>`";

/** Pulumi hands structured, numeric and boolean values over as JSON text. */
function fromJson(v: unknown): unknown {
    if (typeof v !== "string") {
        return v;
    }
    const t = v.trim();
    if (/^[[{]/.test(t) || /^-?\d+(\.\d+)?$/.test(t) || t === "true" || t === "false") {
        try {
            return JSON.parse(t);
        } catch {
            return v;
        }
    }
    return v;
}
const json = <T extends z.ZodTypeAny>(schema: T) => z.preprocess(fromJson, schema);

const text = (what: string) =>
    z
        .string({ error: `must be ${what}` })
        .min(1, `must be ${what}`)
        .refine((s) => !/[\r\n]/.test(s), "must be one line")
        // setup.py puts these into certificate subjects (where "/" starts a new field) and its templates.
        .refine((s) => !/["\\/$`<>]/.test(s), "must be plain text without \" \\ / $ ` < > (setup.py writes it into certificate subjects and templates)");

/**
 * Why a private key cannot be used: `"encrypted"` when it needs a passphrase, `"invalid"` when it does not parse.
 * PEM goes through Node's crypto; OpenSSH is read as far as its cipher name (openssh-key-v1: magic, then
 * string ciphername, which is "none" for a key without passphrase). The connection calls `ssh.ParsePrivateKey`
 * without a passphrase, as the library never sets `privateKeyPassword`
 * (pulumi/pulumi-command@v1.2.1:provider/pkg/provider/remote/connection.go line 112), and that returns a
 * PassphraseMissingError for an OpenSSH key whose cipher is not "none" and for a PEM block with
 * `Proc-Type: 4,ENCRYPTED` (golang/crypto@v0.48.0:ssh/keys.go ParsePrivateKey / parseOpenSSHPrivateKey).
 */
function privateKeyIssue(s: string): "encrypted" | "invalid" | undefined {
    const openssh = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(s);
    if (openssh) {
        const blob = Buffer.from(openssh[1].replace(/\s+/g, ""), "base64");
        if (blob.subarray(0, 15).toString("latin1") !== "openssh-key-v1\0" || blob.length < 19) return "invalid";
        const len = blob.readUInt32BE(15);
        if (blob.length < 19 + len) return "invalid";
        return blob.subarray(19, 19 + len).toString("latin1") === "none" ? undefined : "encrypted";
    }
    if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(s) || /^Proc-Type:\s*4,ENCRYPTED/m.test(s)) {
        return "encrypted";
    }
    try {
        createPrivateKey(s);
        return undefined;
    } catch {
        return "invalid";
    }
}
const ENCRYPTED_KEY = "is encrypted with a passphrase, which the program cannot pass on (it never sets the connection's privateKeyPassword), so every connection would fail: store a copy without passphrase (`ssh-keygen -p -N '' -f <copy>`) or use gluu:sshAgentSocketPath";

/** An SSH private key (OpenSSH or PEM) without passphrase. */
const loginKey = z.string().superRefine((v, ctx) => {
    const issue = privateKeyIssue(v);
    if (issue === "invalid") ctx.addIssue({ code: "custom", message: "must be a PEM/OpenSSH private key" });
    if (issue === "encrypted") ctx.addIssue({ code: "custom", message: ENCRYPTED_KEY });
});

/** An SSH host key to pin: ssh-keyscan's host field dropped, ssh-rsa refused. */
const hostKey = z
    .string()
    .superRefine((v, ctx) => {
        const issue = hostKeyIssue(v);
        if (issue === "rsa") ctx.addIssue({ code: "custom", message: `is an ssh-rsa key: ${rsaHostKeyAdvice()}` });
        if (issue === "invalid") ctx.addIssue({ code: "custom", message: HOST_KEY_HINT });
    })
    .transform(normalizeHostKey);

/** Every PEM block parses as an X.509 certificate, and there is at least one. */
function parsesAsCertificates(s: string): boolean {
    const blocks = s.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0 || /PRIVATE KEY/.test(s)) return false;
    try {
        blocks.forEach((b) => new X509Certificate(b));
        return true;
    } catch {
        return false;
    }
}
const port = json(z.number({ error: "must be an integer 1–65535" }).int("must be an integer 1–65535").min(1, "must be an integer 1–65535").max(65535, "must be an integer 1–65535"));

/** A components/render/backup.ts check (`\`key\` …` messages) as zod issues completing "gluu:<key> …". */
function issuesOf(check: (key: string, value: string) => string[]) {
    return (v: string, ctx: z.RefinementCtx) => check("k", v).forEach((m) => ctx.addIssue({ code: "custom", message: m.replace(/^`k` /, "") }));
}

/** The schema of the `gluu:` namespace. Each field's message completes "gluu:<key> …". */
export const stackConfigSchema = z
    .object({
        clusterName: z
            .string()
            .refine(isHostName, "must be a short lower-case name like `gluu` (it prefixes node names)")
            .refine((v) => v.length <= CLUSTER_NAME_MAX, `must be at most ${CLUSTER_NAME_MAX} characters: machines are named \`<clusterName>-<n>\` and \`<clusterName>-cache\`, and a droplet's name is its host name, one DNS label of at most 63 characters`)
            .default("gluu"),
        hostname: z
            .string({ error: "is required: the load balancer's FQDN, e.g. `idp.example.org`" })
            .refine(isFqdn, "must be a lower-case FQDN like `idp.example.org` (the load balancer's name, which every node is installed with)"),
        version: z
            .string()
            .refine((v) => normalizeVersion(v) !== undefined, `must be a supported Gluu version: ${SUPPORTED_VERSIONS.join(", ")}`)
            .default("3.1.6"),
        orgName: text("the organisation's name"),
        city: text("a city name"),
        state: text("a state or region name"),
        countryCode: z.string({ error: "is required: two upper-case letters, e.g. `US`" }).regex(/^[A-Z]{2}$/, "must be two upper-case letters (ISO 3166), e.g. `US`"),
        adminEmail: z.string({ error: "is required" }).regex(/^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, "must be an e-mail address"),

        nodeCount: json(z.number({ error: "must be an integer ≥ 2" }).int("must be an integer ≥ 2").min(2, "must be an integer ≥ 2 (a cluster needs two nodes)")).optional(),
        // Existing hosts as parallel lists: Pulumi's config schema has no object type, only lists of scalars.
        existingNodeAddresses: json(
            z.array(z.string().refine(isAddress, "must be an IPv4 address or a host name"), { error: "must be a list of addresses" }).min(2, "must list at least 2 hosts (a cluster needs two nodes)"),
        ).optional(),
        existingNodePrivateAddresses: json(z.array(z.string().refine(isAddress, "must be an IPv4 address or a host name"), { error: "must be a list of addresses" })).optional(),
        existingNodeHostKeys: json(
            z.array(
                hostKey,
                { error: "must be a list of SSH host keys" },
            ),
        ).optional(),
        existingNodeNames: json(z.array(z.string().refine(isHostName, "must be a lower-case host name like `gluu-1`"), { error: "must be a list of names" })).optional(),

        region: z.string().regex(/^[a-z]{3}[0-9]$/, "must be a DigitalOcean region slug like `fra1`").optional(),
        dropletSize: z.string().regex(SLUG, "must be a DigitalOcean size slug like `s-4vcpu-8gb`").default("s-4vcpu-8gb"),
        dropletImage: z.string().regex(/^([a-z0-9][a-z0-9.-]*|\d+)$/, "must be an image slug or a custom image ID").optional(),
        vpcUuid: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, "must be a VPC UUID").optional(),
        // Fixed once the VPC exists: ip_range is ForceNew (see vpcIpRangeProblems).
        vpcIpRange: z
            .string()
            .regex(CIDR, "must be a CIDR like `10.110.0.0/20`")
            .superRefine((v, ctx) => vpcIpRangeProblems(v).forEach((message) => ctx.addIssue({ code: "custom", message })))
            .optional(),
        tags: json(
            z.array(
                z
                    .string()
                    // DigitalOcean tag names: letters, digits, `:`, `-`, `_`, at most 255
                    // (digitalocean/terraform-provider-digitalocean@v2.99.1:digitalocean/tag/tags.go).
                    .regex(/^[a-z0-9:_-]+$/, "must be a DigitalOcean tag name")
                    .max(255, "must be at most 255 characters (DigitalOcean's limit for tag names)")
                    .refine((t) => !isRoleTag(t), "ends like one of the cluster's role tags (-member, -lb, -cache): tags are account-wide and firewalls select droplets by them, so it could put these droplets under another cluster's or stack's firewall; choose another name"),
            ),
        ).optional(),
        monitoring: json(z.boolean({ error: "must be true or false" })).default(true),
        backups: json(z.boolean({ error: "must be true or false" })).default(false),
        userData: z
            .string()
            .superRefine((v, ctx) => extraUserDataProblems(v).forEach((message) => ctx.addIssue({ code: "custom", message })))
            .optional(),
        adminCidrs: json(z.array(z.string().regex(CIDR, "must be a CIDR like `203.0.113.0/24`"), { error: "must be a list of CIDRs" }))
            .refine((l) => !l.some((c) => c === "0.0.0.0/0"), "must not contain 0.0.0.0/0: SSH stays closed to the world; list your admin networks")
            .refine((l) => !l.some((c) => Number(c.split("/")[1]) < 8), "must not hold a range wider than /8 (e.g. 0.0.0.0/1): SSH would be open to much of the internet; list your admin networks")
            .optional(),

        sshKeyFingerprints: json(z.array(z.string().regex(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$|^\d+$/, "must be an MD5 fingerprint `aa:bb:…` or a key ID"))).optional(),
        sshPrivateKey: loginKey.optional(),
        sshAgentSocketPath: z.string().regex(/^\/\S*$/, "must be an absolute path").optional(),
        sshUser: z.string().regex(/^[a-z_][a-z0-9_-]*$/, "must be a user name").default("root"),
        sshPort: port.default(22),

        ldapPassword: z.string().regex(/^[A-Za-z0-9._~-]{12,64}$/, "must be 12–64 characters of letters, digits and . _ ~ - (safe in LDIF and shell)").optional(),
        adminPassword: z.string().regex(/^[A-Za-z0-9._~-]{12,64}$/, "must be 12–64 characters of letters, digits and . _ ~ - (safe in LDIF and shell)").optional(),
        repoUser: z.string().regex(/^[^\s:]+$/, "must be a user name without spaces or ':'").optional(),
        // apt's auth.conf separates fields by white space.
        repoPassword: z.string().regex(/^\S+$/, "must be one line without spaces").optional(),
        timeSync: json(z.boolean({ error: "must be true or false" })).default(true),

        // The cache and the load balancer: droplets by default; existing servers with existingNodeAddresses.
        existingCacheAddress: z.string().refine(isAddress, "must be an IPv4 address or a host name").optional(),
        existingCachePrivateAddress: z.string().refine(isAddress, "must be an IPv4 address or a host name").optional(),
        existingCacheHostKey: hostKey.optional(),
        existingLbAddress: z.string().refine(isAddress, "must be an IPv4 address or a host name").optional(),
        existingLbPrivateAddress: z.string().refine(isAddress, "must be an IPv4 address or a host name").optional(),
        existingLbHostKey: hostKey.optional(),
        externalLoadBalancer: json(z.boolean({ error: "must be true or false" })).default(false),
        loadBalancer: z.enum(LOAD_BALANCER_KINDS as [LoadBalancerKind, ...LoadBalancerKind[]], { error: `must be one of ${LOAD_BALANCER_KINDS.map((k) => `\`${k}\``).join(", ")}` }).optional(),
        // The two hosts of `nginx-pair`, as parallel lists like gluu:existingNode*.
        existingLbAddresses: json(z.array(z.string().refine(isAddress, "must be an IPv4 address or a host name"), { error: "must be a list of addresses" })).optional(),
        existingLbPrivateAddresses: json(z.array(z.string().refine(isAddress, "must be an IPv4 address or a host name"), { error: "must be a list of addresses" })).optional(),
        existingLbHostKeys: json(z.array(hostKey, { error: "must be a list of SSH host keys" })).optional(),
        lbVirtualIp: z.string().optional(),
        lbVirtualRouterId: json(z.number({ error: "must be an integer 1–255" }).int("must be an integer 1–255").min(1, "must be an integer 1–255").max(255, "must be an integer 1–255")).optional(),
        alertEmails: json(z.array(z.string(), { error: "must be a list of e-mail addresses" })).optional(),
        externalLbSourceCidrs: json(z.array(z.string().regex(CIDR, "must be a CIDR like `10.110.0.0/20`"), { error: "must be a list of CIDRs" }))
            .refine((l) => !l.some((c) => Number(c.split("/")[1]) < 8), "must not hold a range wider than /8: the nodes answer only your load balancer")
            .optional(),
        lbCertificate: z.string().refine(parsesAsCertificates, "must be a PEM certificate (chain) and nothing else").optional(),
        lbPrivateKey: z
            .string()
            .superRefine((s, ctx) => {
                const issue = /OPENSSH/.test(s) ? "invalid" : privateKeyIssue(s);
                if (issue === "invalid") ctx.addIssue({ code: "custom", message: "must be a PEM private key" });
                // NGINX would ask for the passphrase on a terminal it does not have.
                if (issue === "encrypted") ctx.addIssue({ code: "custom", message: "is encrypted with a passphrase, which NGINX cannot be given: store the key without passphrase (`openssl pkey -in key.pem -out plain.pem`)" });
            })
            .optional(),
        serviceDropletImage: z.string().regex(/^([a-z0-9][a-z0-9.-]*|\d+)$/, "must be an image slug or a custom image ID").optional(),
        cacheDropletSize: z.string().regex(SLUG, "must be a DigitalOcean size slug like `s-1vcpu-2gb`").optional(),
        lbDropletSize: z.string().regex(SLUG, "must be a DigitalOcean size slug like `s-1vcpu-2gb`").optional(),
        redisPassword: z.string().regex(/^[A-Za-z0-9._~-]{16,128}$/, "must be 16–128 characters of letters, digits and . _ ~ - (safe in redis.conf and LDAP)").optional(),
        redisPersistence: z.enum(["rdb", "aof", "none"], { error: "must be `rdb`, `aof` or `none`" }).default("rdb"),
        redisMaxmemoryMb: json(z.number({ error: "must be an integer ≥ 16" }).int("must be an integer ≥ 16").min(16, "must be an integer ≥ 16")).optional(),
        // The cache choice (issue 12) and the keys of each choice.
        cache: z.enum(["redis", "redis-ha", "digitalocean", "ldap"], { error: "must be `redis`, `redis-ha`, `digitalocean` or `ldap`" }).default("redis"),
        // redis-ha on existing servers: parallel lists, as for the nodes.
        existingCacheAddresses: json(z.array(z.string().refine(isAddress, "must be an IPv4 address or a host name"), { error: "must be a list of addresses" })).optional(),
        existingCachePrivateAddresses: json(z.array(z.string().refine(isAddress, "must be an IPv4 address or a host name"), { error: "must be a list of addresses" })).optional(),
        existingCacheHostKeys: json(z.array(hostKey, { error: "must be a list of SSH host keys" })).optional(),
        existingCacheNames: json(z.array(z.string().refine(isHostName, "must be a lower-case host name like `gluu-cache-1`"), { error: "must be a list of names" })).optional(),
        cacheHostCount: json(z.number({ error: "must be an integer 2–9" }).int("must be an integer 2–9").min(2, "must be an integer 2–9 (a primary and at least one replica)").max(9, "must be an integer 2–9")).optional(),
        redisMinReplicasToWrite: json(z.number({ error: "must be an integer ≥ 0" }).int("must be an integer ≥ 0").min(0, "must be an integer ≥ 0")).optional(),
        redisMinReplicasMaxLagSeconds: json(z.number({ error: "must be an integer 1–3600" }).int("must be an integer 1–3600").min(1, "must be an integer 1–3600").max(3600, "must be an integer 1–3600")).optional(),
        sentinelDownAfterMs: json(z.number({ error: "must be an integer 500–600000" }).int("must be an integer 500–600000").min(500, "must be an integer 500–600000").max(600000, "must be an integer 500–600000")).optional(),
        sentinelFailoverTimeoutMs: json(z.number({ error: "must be an integer 1000–3600000" }).int("must be an integer 1000–3600000").min(1000, "must be an integer 1000–3600000").max(3600000, "must be an integer 1000–3600000")).optional(),
        valkeySize: z.string().regex(/^db-[a-z0-9-]+$/, "must be a DigitalOcean database size slug like `db-s-1vcpu-2gb`").optional(),
        valkeyVersion: z.string().regex(/^[0-9]+$/, "must be a Valkey major version like `8`").optional(),
        valkeyEvictionPolicy: z
            .enum(["noeviction", "allkeys_lru", "allkeys_random", "volatile_lru", "volatile_random", "volatile_ttl"], { error: "must be one of noeviction, allkeys_lru, allkeys_random, volatile_lru, volatile_random, volatile_ttl (DigitalOcean's spelling)" })
            .optional(),
        csync2IntervalMinutes: json(z.number({ error: "must be an integer 1–59" }).int("must be an integer 1–59").min(1, "must be an integer 1–59").max(59, "must be an integer 1–59")).default(2),
        cacheRefreshNode: z.string().refine(isHostName, "must be a node's name like `gluu-1`").optional(),
        primaryNode: z.string().refine(isHostName, "must be a node's name like `gluu-1`").optional(),
        protectDroplets: json(z.boolean({ error: "must be true or false" })).default(false),
        retainDroplets: json(z.boolean({ error: "must be true or false" })).default(false),
        rebuildNodes: json(z.array(z.string().refine(isHostName, "must be a machine's name like `gluu-2`"), { error: "must be a list of names" })).optional(),

        // --- backups and restore (issue 13; DirectoryBackup). `gluu:backups` above is DigitalOcean's own droplet
        // backups, a different thing: these are encrypted directory exports in object storage. ---
        backupBucket: z.string().superRefine(issuesOf(bucketNameProblems)).optional(),
        backupNode: z.string().refine(isHostName, "must be a node's name like `gluu-1`").optional(),
        backupSchedule: z.string().superRefine(issuesOf(backupScheduleProblems)).default("daily"),
        backupKeepLocal: json(z.number({ error: "must be an integer 1–100" }).int("must be an integer 1–100").min(1, "must be an integer 1–100").max(100, "must be an integer 1–100")).default(7),
        backupKeepDays: json(z.number({ error: "must be an integer 1–3650" }).int("must be an integer 1–3650").min(1, "must be an integer 1–3650").max(3650, "must be an integer 1–3650")).default(30),
        backupEndpoint: z.string().superRefine(issuesOf(backupEndpointProblems)).optional(),
        backupRegion: z.string().superRefine(issuesOf((k, v) => backupRegionProblems(k, v, false))).optional(),
        backupAccessKeyId: z.string().regex(/^\S+$/, "must be one word without spaces").optional(),
        backupSecretAccessKey: z.string().regex(/^\S+$/, "must be one word without spaces").optional(),
        restoreFrom: z.string().superRefine(issuesOf(restoreFromProblems)).optional(),
        restoreMaxAgeDays: json(z.number({ error: "must be an integer 1–3650" }).int("must be an integer 1–3650").min(1, "must be an integer 1–3650").max(3650, "must be an integer 1–3650")).default(7),
        restoreForce: json(z.boolean({ error: "must be true or false" })).default(false),
    })
    .strict();

type ParsedConfig = z.infer<typeof stackConfigSchema>;

/** One existing host, assembled from the parallel `gluu:existingNode*` lists. */
export interface ExistingNodeConfig {
    name: string;
    address: string;
    privateAddress: string;
    hostKey: string;
}

/** The validated configuration, with existing hosts assembled. */
export type StackConfig = ParsedConfig & { existingNodes?: ExistingNodeConfig[]; existingCaches?: ExistingNodeConfig[] };

/** Thrown when the stack's configuration has problems; lists all of them. */
export class StackConfigError extends Error {
    constructor(public readonly problems: string[]) {
        super(`The stack configuration has ${problems.length} problem(s):\n- ${problems.join("\n- ")}`);
        this.name = "StackConfigError";
    }
}

function keyOf(path: PropertyKey[]): string {
    let out = `gluu:${String(path[0])}`;
    for (const p of path.slice(1)) {
        out += typeof p === "number" ? `[${p}]` : `.${String(p)}`;
    }
    return out;
}

/** How parseStackConfig learns which values Pulumi holds encrypted. */
export interface ParseOptions {
    /**
     * Whether the stack holds `gluu:<name>` as a secret (`secure:`). With it, every SECRET_KEYS value must be one;
     * the program passes `pulumi.runtime.isConfigSecret`. Without it (values a caller assembled) nothing is checked.
     */
    isSecret?: (name: string) => boolean;
}

/**
 * Secret keys stored in clear text. Pulumi.yaml does not declare them (the CLI would make every declared key
 * without a default required: pulumi/pulumi@v3.248.0:sdk/go/common/workspace/config.go mergeConfig), so the CLI's
 * own "must be encrypted as it's secret" check (same file, validateStackConfigValue) does not apply; this does.
 */
export function clearTextSecretProblems(raw: Record<string, string>, isSecret: (name: string) => boolean): string[] {
    return SECRET_KEYS.filter((k) => raw[k] !== undefined && !isSecret(k)).map(
        (k) => `gluu:${k} is stored in clear text in the stack file, but it is a secret: remove it and set it with \`pulumi config set --secret gluu:${k}\``,
    );
}

/**
 * Parse and check the raw `gluu:*` values (without the namespace: `{ nodeCount: "2", … }`). Returns the typed
 * config, or throws a StackConfigError naming every bad key. Secret values never appear in messages.
 */
export function parseStackConfig(raw: Record<string, string>, opts: ParseOptions = {}): StackConfig {
    const problems: string[] = opts.isSecret ? clearTextSecretProblems(raw, opts.isSecret) : [];
    const result = stackConfigSchema.safeParse(raw);
    if (!result.success) {
        for (const issue of result.error.issues) {
            if (issue.code === "unrecognized_keys") {
                for (const k of issue.keys) {
                    problems.push(`${keyOf([...issue.path, k])} is not a setting this program knows; check its spelling (see the README's config reference)`);
                }
                continue;
            }
            const key = keyOf(issue.path);
            const secret = (SECRET_KEYS as readonly string[]).includes(String(issue.path[0]));
            const value = secret ? "" : valueAt(raw, issue.path);
            problems.push(`${key} ${issue.message}${value === undefined || value === "" ? "" : `, got ${value}`}`);
        }
        throw new StackConfigError(problems);
    }
    const c: StackConfig = result.data;
    const existing = c.existingNodeAddresses;
    // Combinations the schema cannot express.
    if (existing && c.nodeCount !== undefined) {
        problems.push("gluu:nodeCount and gluu:existingNodeAddresses are both set: use nodeCount for new droplets or existingNodeAddresses for your servers, not both");
    }
    if (!existing && c.nodeCount === undefined) {
        problems.push("gluu:nodeCount is required (an integer ≥ 2), or list your servers in gluu:existingNodeAddresses");
    }
    if (!existing) {
        for (const k of ["existingNodePrivateAddresses", "existingNodeHostKeys", "existingNodeNames"] as const) {
            if (c[k] !== undefined) {
                problems.push(`gluu:${k} belongs with gluu:existingNodeAddresses, which is not set; remove it or list the hosts`);
            }
        }
    }
    if (existing) {
        const n = existing.length;
        const lengths: Array<[string, unknown[] | undefined, boolean]> = [
            ["existingNodeHostKeys", c.existingNodeHostKeys, true],
            ["existingNodePrivateAddresses", c.existingNodePrivateAddresses, false],
            ["existingNodeNames", c.existingNodeNames, false],
        ];
        for (const [k, list, required] of lengths) {
            if (list === undefined && required) {
                problems.push(`gluu:${k} is required with gluu:existingNodeAddresses: one SSH host key per host, in the same order (\`ssh-keyscan -t ed25519 <address>\`)`);
            } else if (list !== undefined && list.length !== n) {
                problems.push(`gluu:${k} has ${list.length} entries but gluu:existingNodeAddresses has ${n}; give one per host, in the same order`);
            }
        }
        for (const k of ["region", "dropletImage", "vpcUuid", "vpcIpRange", "sshKeyFingerprints", "userData"] as const) {
            if (c[k] !== undefined) {
                problems.push(`gluu:${k} is for droplets and has no effect with gluu:existingNodeAddresses; remove it`);
            }
        }
        if (raw.dropletSize !== undefined) {
            problems.push("gluu:dropletSize is for droplets and has no effect with gluu:existingNodeAddresses; remove it");
        }
        if (!c.sshPrivateKey && !c.sshAgentSocketPath) {
            problems.push("gluu:sshPrivateKey (set it with `pulumi config set --secret gluu:sshPrivateKey < key`) or gluu:sshAgentSocketPath is required to log in to existing hosts");
        }
        const privates = c.existingNodePrivateAddresses ?? [];
        privates.forEach((a, i) => {
            if (privates.indexOf(a) !== i) {
                problems.push(`gluu:existingNodePrivateAddresses[${i}] ${a} is also gluu:existingNodePrivateAddresses[${privates.indexOf(a)}]; each node needs its own host`);
            }
            if (a === c.hostname) {
                problems.push(`gluu:existingNodePrivateAddresses[${i}] equals gluu:hostname; the cluster's name belongs to the load balancer, not to a node`);
            }
        });
        existing.forEach((a, i) => {
            if (existing.indexOf(a) !== i) {
                problems.push(`gluu:existingNodeAddresses[${i}] ${a} is also gluu:existingNodeAddresses[${existing.indexOf(a)}]; each node needs its own host`);
            }
            if (a === c.hostname) {
                problems.push(`gluu:existingNodeAddresses[${i}] equals gluu:hostname; the cluster's name belongs to the load balancer, not to a node`);
            }
        });
        const names = existing.map((_, i) => c.existingNodeNames?.[i] ?? `${c.clusterName}-${i + 1}`);
        names.forEach((name, i) => {
            if (names.indexOf(name) !== i) {
                problems.push(`gluu:existingNodeNames[${i}] ${name} is used twice; node names must be unique`);
            }
        });
        if (problems.length === 0) {
            c.existingNodes = existing.map((address, i) => ({
                name: names[i],
                address,
                privateAddress: c.existingNodePrivateAddresses?.[i] ?? address,
                hostKey: c.existingNodeHostKeys![i],
            }));
        }
    } else {
        if (!c.region) {
            problems.push("gluu:region is required for droplets, e.g. `fra1`");
        }
        if (!c.dropletImage) {
            problems.push("gluu:dropletImage is required for droplets: an Ubuntu image the Gluu version supports (see the README's image table)");
        }
        if (!c.adminCidrs || c.adminCidrs.length === 0) {
            problems.push("gluu:adminCidrs is required for droplets: the networks allowed to reach SSH, e.g. `[\"203.0.113.0/24\"]`; nothing is open by default");
        }
        if (c.sshKeyFingerprints && !c.sshPrivateKey && !c.sshAgentSocketPath) {
            problems.push("gluu:sshKeyFingerprints needs the matching gluu:sshPrivateKey (secret) or gluu:sshAgentSocketPath");
        }
    }
    problems.push(...serviceHostConfigProblems(c, raw));
    problems.push(...cacheConfigProblems(c, raw));
    problems.push(...backupConfigProblems(c, raw));
    const profile = normalizeVersion(c.version);
    const ubuntu = /^ubuntu-(\d\d)-(\d\d)-x64$/.exec(c.dropletImage ?? "");
    if (profile && ubuntu && !existing) {
        const release = `${ubuntu[1]}.${ubuntu[2]}`;
        const p = PROFILES[profile];
        if (!p.supportedUbuntu.includes(release)) {
            problems.push(`gluu:dropletImage ${c.dropletImage} is Ubuntu ${release}, but Gluu ${p.version} packages target Ubuntu ${p.supportedUbuntu.join("/")}. ${p.imageNote}`);
        }
    }
    if (profile === "4.5" && (!c.repoUser || !c.repoPassword)) {
        problems.push("gluu:repoUser and gluu:repoPassword are required for Gluu 4.5 (its packages need support-contract credentials)");
    }
    if (problems.length > 0) {
        throw new StackConfigError(problems);
    }
    return c;
}

/** The cache and load-balancer keys: which belong together, which need existing nodes, which exclude each other. */
function serviceHostConfigProblems(c: StackConfig, raw: Record<string, string>): string[] {
    const problems: string[] = [];
    const existing = c.existingNodeAddresses !== undefined;
    const lb = resolveLoadBalancer(c.loadBalancer, c.externalLoadBalancer, configKey);
    problems.push(...lb.problems);
    const kind = lb.kind;
    problems.push(
        ...loadBalancerSettingProblems(
            {
                kind,
                droplets: !existing,
                present: (f) => raw[f] !== undefined,
                lbHostCount: c.existingLbAddresses?.length,
                pairHostsField: "existingLbAddresses",
                singleHostField: "existingLbAddress",
                lbDropletSizeField: "lbDropletSize",
            },
            configKey,
        ),
    );
    problems.push(...alertSettingProblems({ droplets: !existing, emails: c.alertEmails, monitoring: c.monitoring }, configKey));
    problems.push(...lbPairConfigProblems(c, raw, kind));
    for (const [role, what, needed] of [["Cache", "Redis", c.cache === "redis"], ["Lb", "NGINX", kind === "nginx"]] as const) {
        const address = c[`existing${role}Address`];
        const keys = [`existing${role}PrivateAddress`, `existing${role}HostKey`] as const;
        if (!existing) {
            for (const k of [`existing${role}Address`, ...keys]) {
                if (raw[k] !== undefined) {
                    problems.push(`gluu:${k} is for existing servers (with gluu:existingNodeAddresses); with droplets the library creates the host, remove it`);
                }
            }
            continue;
        }
        if (address === undefined) {
            if (needed) {
                problems.push(`gluu:existing${role}Address is required with gluu:existingNodeAddresses: an existing server for ${what}${role === "Lb" ? " (or set gluu:loadBalancer to `nginx-pair` or `external`)" : ""}`);
            }
            for (const k of keys) {
                if (raw[k] !== undefined) {
                    problems.push(`gluu:${k} belongs with gluu:existing${role}Address, which is not set`);
                }
            }
            continue;
        }
        if (c[`existing${role}HostKey`] === undefined) {
            problems.push(`gluu:existing${role}HostKey is required with gluu:existing${role}Address (\`ssh-keyscan -t ed25519 ${address}\`)`);
        }
        c.existingNodeAddresses!.forEach((a, i) => {
            if (a === address) {
                problems.push(`gluu:existing${role}Address ${address} is also gluu:existingNodeAddresses[${i}]; ${what} needs its own host`);
            }
        });
    }
    if (c.existingCacheAddress !== undefined && c.existingCacheAddress === c.existingLbAddress) {
        problems.push("gluu:existingCacheAddress and gluu:existingLbAddress are the same host: Redis must not share the load balancer's host");
    }
    if (kind === "external" && !existing && (c.externalLbSourceCidrs ?? []).length === 0) {
        problems.push("gluu:externalLbSourceCidrs is required with gluu:externalLoadBalancer on droplets (gluu:loadBalancer: external): the addresses your load balancer reaches the nodes' 443 from");
    }
    if (kind === "external") {
        for (const k of ["existingLbAddress", "lbCertificate", "lbPrivateKey", "lbDropletSize"] as const) {
            if (raw[k] !== undefined) {
                problems.push(`gluu:${k} has no effect with gluu:externalLoadBalancer (your load balancer holds the certificate); remove it`);
            }
        }
    }
    if (c.lbCertificate !== undefined && c.lbPrivateKey !== undefined) {
        const leaf = new X509Certificate(c.lbCertificate.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/)![0]);
        const pub = (k: import("crypto").KeyObject) => k.export({ type: "spki", format: "der" }).toString("base64");
        if (pub(leaf.publicKey) !== pub(createPublicKey(createPrivateKey(c.lbPrivateKey)))) {
            problems.push("gluu:lbPrivateKey does not belong to gluu:lbCertificate (the first certificate must be the server's own)");
        }
    }
    if ((c.lbCertificate === undefined) !== (c.lbPrivateKey === undefined)) {
        problems.push("gluu:lbCertificate and gluu:lbPrivateKey (secret) go together; set both, or neither to use the Gluu httpd certificate");
    }
    if (existing) {
        for (const k of ["serviceDropletImage", "cacheDropletSize", "lbDropletSize"] as const) {
            if (raw[k] !== undefined) {
                problems.push(`gluu:${k} is for droplets and has no effect with gluu:existingNodeAddresses; remove it`);
            }
        }
    }
    const names = existing
        ? c.existingNodeAddresses!.map((_, i) => c.existingNodeNames?.[i] ?? `${c.clusterName}-${i + 1}`)
        : Array.from({ length: c.nodeCount ?? 0 }, (_, i) => `${c.clusterName}-${i + 1}`);
    for (const k of ["cacheRefreshNode", "primaryNode"] as const) {
        const v = c[k];
        if (v !== undefined && !names.includes(v)) {
            problems.push(`gluu:${k} ${v} is not a node; use one of ${names.join(", ")}`);
        }
    }
    const cacheMachines =
        c.cache === "redis" ? [`${c.clusterName}-cache`] : c.cache === "redis-ha" ? Array.from({ length: c.cacheHostCount ?? 3 }, (_, i) => `${c.clusterName}-cache-${i + 1}`) : [];
    const machines = [...names, ...cacheMachines, ...(kind === "nginx" ? [`${c.clusterName}-lb`] : [])];
    (c.rebuildNodes ?? []).forEach((n, i) => {
        if (existing) {
            problems.push("gluu:rebuildNodes is for droplets; rebuild an existing host yourself, then run `pulumi up`");
        } else if (!machines.includes(n)) {
            problems.push(`gluu:rebuildNodes[${i}] ${n} is not a machine of this cluster; use one of ${machines.join(", ")}`);
        } else if (n === (c.primaryNode ?? names[0])) {
            problems.push(`gluu:rebuildNodes[${i}] ${n} is the primary, whose data the others receive; set gluu:primaryNode to another node first`);
        }
    });
    const profile = PROFILES[normalizeVersion(c.version) ?? ""];
    if (profile && !profile.setupReadsAdminPassword && raw.adminPassword !== undefined) {
        problems.push(`gluu:adminPassword has no effect with Gluu ${profile.version}: its setup.py gives oxTrust's admin the Directory Manager password; remove it and set gluu:ldapPassword instead`);
    }
    if (existing && (c.protectDroplets || c.retainDroplets)) {
        problems.push("gluu:protectDroplets and gluu:retainDroplets are for droplets and have no effect with gluu:existingNodeAddresses; remove them");
    }
    return problems;
}

/** The `nginx-pair` host lists and virtual IP: parallel lists of one length, keys, own hosts, a free VIP on their network. */
function lbPairConfigProblems(c: StackConfig, raw: Record<string, string>, kind: LoadBalancerKind): string[] {
    const problems: string[] = [];
    const addresses = c.existingLbAddresses;
    for (const k of ["existingLbPrivateAddresses", "existingLbHostKeys"] as const) {
        if (raw[k] !== undefined && kind !== "nginx-pair") problems.push(`gluu:${k} is only for gluu:loadBalancer: nginx-pair; remove it`);
    }
    if (kind !== "nginx-pair" || addresses === undefined || c.existingNodeAddresses === undefined) return problems;
    if (c.existingLbHostKeys === undefined) {
        problems.push("gluu:existingLbHostKeys is required with gluu:existingLbAddresses: one SSH host key per load-balancer host, in the same order (`ssh-keyscan -t ed25519 <address>`)");
    } else if (c.existingLbHostKeys.length !== addresses.length) {
        problems.push(`gluu:existingLbHostKeys has ${c.existingLbHostKeys.length} entries but gluu:existingLbAddresses has ${addresses.length}; give one per host, in the same order`);
    }
    if (c.existingLbPrivateAddresses !== undefined && c.existingLbPrivateAddresses.length !== addresses.length) {
        problems.push(`gluu:existingLbPrivateAddresses has ${c.existingLbPrivateAddresses.length} entries but gluu:existingLbAddresses has ${addresses.length}; give one per host, in the same order`);
    }
    addresses.forEach((a, i) => {
        if (addresses.indexOf(a) !== i) problems.push(`gluu:existingLbAddresses[${i}] ${a} is also gluu:existingLbAddresses[${addresses.indexOf(a)}]; the pair needs two hosts`);
        c.existingNodeAddresses!.forEach((n, j) => {
            if (n === a) problems.push(`gluu:existingLbAddresses[${i}] ${a} is also gluu:existingNodeAddresses[${j}]; a load balancer needs its own host`);
        });
        if (a === c.existingCacheAddress) problems.push(`gluu:existingLbAddresses[${i}] ${a} is also gluu:existingCacheAddress: Redis must not share a load balancer's host`);
    });
    if (c.lbVirtualIp !== undefined && addresses.length === 2) {
        const priv = c.existingLbPrivateAddresses;
        const lbHosts = addresses.map((a, i) => (priv ? { key: `gluu:existingLbPrivateAddresses[${i}]`, address: priv[i] } : { key: `gluu:existingLbAddresses[${i}]`, address: a }));
        const others = [
            ...c.existingNodeAddresses.map((address, i) => ({ key: `gluu:existingNodeAddresses[${i}]`, address })),
            ...(c.existingNodePrivateAddresses ?? []).map((address, i) => ({ key: `gluu:existingNodePrivateAddresses[${i}]`, address })),
            ...(c.existingCacheAddress ? [{ key: "gluu:existingCacheAddress", address: c.existingCacheAddress }] : []),
            ...(c.existingCachePrivateAddress ? [{ key: "gluu:existingCachePrivateAddress", address: c.existingCachePrivateAddress }] : []),
            ...(priv ? addresses.map((address, i) => ({ key: `gluu:existingLbAddresses[${i}]`, address })) : []),
        ];
        problems.push(...virtualIpProblems("gluu:lbVirtualIp", c.lbVirtualIp, lbHosts, others));
    }
    return problems;
}

/**
 * The backup keys together (issue 13): everything belongs with gluu:backupBucket; existing hosts name their S3
 * endpoint, region and credentials; droplets without gluu:backupEndpoint get a Spaces bucket in gluu:backupRegion
 * (default gluu:region), which must be a Spaces region; a restore goes onto the backup node, which must be the primary.
 */
export function backupConfigProblems(c: StackConfig, raw: Record<string, string>): string[] {
    const problems: string[] = [];
    const keys = ["backupNode", "backupSchedule", "backupKeepLocal", "backupKeepDays", "backupEndpoint", "backupRegion", "backupAccessKeyId", "backupSecretAccessKey", "restoreFrom", "restoreMaxAgeDays", "restoreForce"];
    if (c.backupBucket === undefined) {
        for (const k of keys) {
            if (raw[k] !== undefined) problems.push(`gluu:${k} belongs with gluu:backupBucket, which is not set: set the bucket to turn backups on, or remove gluu:${k}`);
        }
        return problems;
    }
    const existing = c.existingNodeAddresses !== undefined;
    if ((c.backupAccessKeyId === undefined) !== (c.backupSecretAccessKey === undefined)) {
        problems.push("gluu:backupAccessKeyId and gluu:backupSecretAccessKey go together (both secrets): set both, or neither to have a Spaces key made for the bucket (droplets only)");
    }
    if (existing || c.backupEndpoint !== undefined) {
        const why = existing ? "with gluu:existingNodeAddresses" : "with gluu:backupEndpoint";
        if (c.backupEndpoint === undefined) problems.push(`gluu:backupEndpoint is required ${why}: your S3 endpoint, e.g. \`https://s3.eu-central-1.amazonaws.com\` or \`https://fra1.digitaloceanspaces.com\``);
        if (c.backupRegion === undefined) problems.push(`gluu:backupRegion is required ${why}: the region the endpoint signs for, e.g. \`eu-central-1\` (Spaces: the region slug)`);
        if (c.backupAccessKeyId === undefined && c.backupSecretAccessKey === undefined) problems.push(`gluu:backupAccessKeyId and gluu:backupSecretAccessKey (secrets) are required ${why}`);
    } else {
        const region = c.backupRegion ?? c.region;
        if (region !== undefined && !SPACES_REGIONS.includes(region)) {
            problems.push(`gluu:backupRegion ${JSON.stringify(region)}${c.backupRegion === undefined ? " (from gluu:region)" : ""} is not a Spaces region; set gluu:backupRegion to one of ${SPACES_REGIONS.join(", ")}`);
        }
    }
    const names = existing
        ? c.existingNodeAddresses!.map((_, i) => c.existingNodeNames?.[i] ?? `${c.clusterName}-${i + 1}`)
        : Array.from({ length: c.nodeCount ?? 0 }, (_, i) => `${c.clusterName}-${i + 1}`);
    const primary = c.primaryNode ?? names[0];
    if (c.backupNode !== undefined && !names.includes(c.backupNode)) {
        problems.push(`gluu:backupNode ${c.backupNode} is not a node; use one of ${names.join(", ")}`);
    }
    if (c.restoreFrom !== undefined && (c.backupNode ?? primary) !== primary) {
        problems.push(`gluu:restoreFrom restores onto the backup node, which must be the primary (${primary}): remove gluu:backupNode (or set it to ${primary}) for the restore`);
    }
    return problems;
}

/**
 * `gluu:cache` and the keys of each choice. Pure; every problem names its key. `redis-ha` counts its Sentinel hosts
 * (the cache hosts, then the first nodes until three: a majority that survives losing one needs three); the
 * managed `digitalocean` choice exists only for droplets (its firewall admits the droplets' member tag and its
 * private host answers inside their VPC). Exported for tests.
 */
export function cacheConfigProblems(c: StackConfig, raw: Record<string, string>): string[] {
    const problems: string[] = [];
    const existing = c.existingNodeAddresses !== undefined;
    const only = (keys: string[], choice: string) => {
        for (const k of keys) {
            if (raw[k] !== undefined) problems.push(`gluu:${k} is only for gluu:cache ${choice}, but gluu:cache is ${c.cache}; remove it`);
        }
    };
    const listKeys = ["existingCacheAddresses", "existingCachePrivateAddresses", "existingCacheHostKeys", "existingCacheNames"];
    const haKeys = ["cacheHostCount", "redisMinReplicasToWrite", "redisMinReplicasMaxLagSeconds", "sentinelDownAfterMs", "sentinelFailoverTimeoutMs", ...listKeys];
    if (c.cache !== "redis-ha") only(haKeys, "redis-ha");
    if (c.cache !== "digitalocean") only(["valkeySize", "valkeyVersion", "valkeyEvictionPolicy"], "digitalocean");
    if (c.cache !== "redis") {
        for (const k of ["existingCacheAddress", "existingCachePrivateAddress", "existingCacheHostKey"]) {
            if (raw[k] !== undefined) {
                problems.push(`gluu:${k} is the one Redis host of gluu:cache redis; ${c.cache === "redis-ha" ? "list the cache servers in gluu:existingCacheAddresses" : `gluu:cache ${c.cache} has no cache host`}, remove it`);
            }
        }
    }
    if (c.cache === "digitalocean" || c.cache === "ldap") {
        for (const k of ["redisPassword", "redisMaxmemoryMb", "cacheDropletSize"]) {
            if (raw[k] !== undefined) {
                problems.push(`gluu:${k} has no effect with gluu:cache ${c.cache} (${c.cache === "ldap" ? "the directory is the cache" : "DigitalOcean runs Valkey and generates its password"}); remove it`);
            }
        }
    }
    if (c.cache === "digitalocean" && existing) {
        problems.push("gluu:cache digitalocean (a managed Valkey cluster) is only for droplets: its firewall admits the droplets' member tag and its private host answers inside their VPC; with existing servers use redis-ha or ldap");
    }
    if (c.cache !== "redis-ha") return problems;
    const nodes = existing ? c.existingNodeAddresses!.length : (c.nodeCount ?? 0);
    let cacheCount: number;
    if (existing) {
        if (c.cacheHostCount !== undefined) problems.push("gluu:cacheHostCount is for droplets; with existing servers list them in gluu:existingCacheAddresses");
        const list = c.existingCacheAddresses;
        if (!list || list.length < 2) {
            problems.push(`gluu:existingCacheAddresses is required with gluu:cache redis-ha and gluu:existingNodeAddresses: at least 2 existing servers (a primary and a replica), got ${list?.length ?? 0}`);
            return problems;
        }
        cacheCount = list.length;
        const lengths: Array<[string, unknown[] | undefined, boolean]> = [
            ["existingCacheHostKeys", c.existingCacheHostKeys, true],
            ["existingCachePrivateAddresses", c.existingCachePrivateAddresses, false],
            ["existingCacheNames", c.existingCacheNames, false],
        ];
        for (const [k, l, required] of lengths) {
            if (l === undefined && required) problems.push(`gluu:${k} is required with gluu:existingCacheAddresses: one SSH host key per cache server, in the same order (\`ssh-keyscan -t ed25519 <address>\`)`);
            else if (l !== undefined && l.length !== cacheCount) problems.push(`gluu:${k} has ${l.length} entries but gluu:existingCacheAddresses has ${cacheCount}; give one per server, in the same order`);
        }
        list.forEach((a, i) => {
            if (list.indexOf(a) !== i) problems.push(`gluu:existingCacheAddresses[${i}] ${a} is also gluu:existingCacheAddresses[${list.indexOf(a)}]; each Redis needs its own host`);
            const k = c.existingNodeAddresses!.indexOf(a);
            if (k >= 0) problems.push(`gluu:existingCacheAddresses[${i}] ${a} is also gluu:existingNodeAddresses[${k}]; each Redis needs its own host`);
            if (a === c.existingLbAddress) problems.push(`gluu:existingCacheAddresses[${i}] ${a} is also gluu:existingLbAddress; Redis must not share the load balancer's host`);
        });
        const names = list.map((_, i) => c.existingCacheNames?.[i] ?? `${c.clusterName}-cache-${i + 1}`);
        const nodeNames = c.existingNodeAddresses!.map((_, i) => c.existingNodeNames?.[i] ?? `${c.clusterName}-${i + 1}`);
        names.forEach((n, i) => {
            if (names.indexOf(n) !== i || nodeNames.includes(n)) problems.push(`gluu:existingCacheNames[${i}] ${n} is used twice (cache and node names must be unique)`);
        });
        if (problems.length === 0) {
            c.existingCaches = list.map((address, i) => ({ name: names[i], address, privateAddress: c.existingCachePrivateAddresses?.[i] ?? address, hostKey: c.existingCacheHostKeys![i] }));
        }
    } else {
        cacheCount = c.cacheHostCount ?? 3;
    }
    // Sentinels: every cache host, then the first nodes until there are three.
    const sentinels = cacheCount + Math.max(0, Math.min(nodes, 3 - cacheCount));
    if (sentinels < 3) {
        problems.push(`gluu:cache redis-ha needs 3 hosts for the Sentinel quorum (a majority that survives losing one); ${cacheCount} cache hosts and ${nodes} node(s) give ${sentinels}`);
    }
    // A Sentinel on a Gluu node speaks TLS only with Redis ≥ 6.0 (TLS came in 6.0): Ubuntu 16.04 ships 3.0, 20.04 5.0.
    const image = /^ubuntu-(\d\d)-(\d\d)-x64$/.exec(c.dropletImage ?? "");
    if (!existing && cacheCount < 3 && image && Number(image[1]) < 22) {
        problems.push(`gluu:cacheHostCount ${cacheCount} puts a Sentinel on a Gluu node, but ${c.dropletImage}'s redis-sentinel (${image[1] === "16" ? "3.0" : "5.0"}) has no TLS (Redis 6.0+): use 3 cache hosts`);
    }
    const replicas = cacheCount - 1;
    const m = c.redisMinReplicasToWrite;
    if (m !== undefined && m > replicas - 1) {
        problems.push(`gluu:redisMinReplicasToWrite ${m} is too high for ${cacheCount} cache hosts (${replicas} replica(s)): it must leave one replica to spare (at most ${Math.max(0, replicas - 1)}), or losing one replica would stop every write; lower it or add cache hosts`);
    }
    if (c.redisPassword !== undefined && !/^[A-Za-z0-9._~-]+$/.test(c.redisPassword)) {
        problems.push("gluu:redisPassword must be letters, digits and . _ ~ - with gluu:cache redis-ha (HAProxy's health check sends it)");
    }
    return problems;
}

function valueAt(raw: Record<string, string>, path: PropertyKey[]): string | undefined {
    let v: unknown = fromJson(raw[String(path[0])]);
    for (const p of path.slice(1)) {
        v = fromJson(v);
        if (v === null || typeof v !== "object") {
            return undefined;
        }
        v = (v as any)[p as any];
    }
    if (v === undefined) {
        return undefined;
    }
    if (typeof v !== "string") {
        const s = JSON.stringify(v);
        return s.length > 80 ? s.slice(0, 77) + "…" : s;
    }
    return JSON.stringify(v.length > 80 ? v.slice(0, 77) + "…" : v);
}
