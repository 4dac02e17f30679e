// Pure checks of component Args, run before any resource is created. Values that are still Outputs are
// checked where they are used; plain values are checked here, all problems reported together.

import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { normalizeVersion, SUPPORTED_VERSIONS } from "./profiles";
import { cloudInitUserData } from "./render/node";

/** An error listing every problem found in one set of Args. */
export class ArgsError extends Error {
    constructor(
        public readonly component: string,
        public readonly problems: string[],
    ) {
        super(`${component}: ${problems.length} problem(s) in its arguments:\n- ${problems.join("\n- ")}`);
        this.name = "ArgsError";
    }
}

/** A value that is known now (not an Output or a Promise). */
export function known<T>(value: pulumi.Input<T> | undefined): value is T {
    return value !== undefined && !pulumi.Output.isInstance(value) && !(value instanceof Promise);
}

const FQDN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const HOST_NAME = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const HOST_KEY = /^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa) [A-Za-z0-9+/]+={0,3}( .*)?$/;

export const patterns = { FQDN, HOST_NAME, IPV4, HOST_KEY };

export function isFqdn(v: string): boolean {
    return FQDN.test(v);
}
export function isHostName(v: string): boolean {
    return HOST_NAME.test(v);
}
export function isIpv4(v: string): boolean {
    return IPV4.test(v);
}
/** An address we connect to: IPv4 or a DNS name. */
export function isAddress(v: string): boolean {
    return IPV4.test(v) || FQDN.test(v) || HOST_NAME.test(v);
}
/**
 * A host key as `ssh-keyscan` prints it (`ADDRESS ssh-ed25519 AAAA…`) loses its leading host field; any other
 * text is only trimmed. The provider would accept the line as it is: `ssh.ParseAuthorizedKey` retries after a
 * leading field it takes for options (golang/crypto@v0.48.0:ssh/keys.go ParseAuthorizedKey), which is what
 * pulumi/pulumi-command@v1.2.1:provider/pkg/provider/remote/connection.go (line 89) calls with `hostKey`.
 */
export function normalizeHostKey(v: string): string {
    const t = v.trim();
    const m = /^(\S+)[ \t]+(\S+[ \t][\s\S]*)$/.exec(t);
    if (m && !KEY_TYPE.test(m[1]) && KEY_TYPE.test(m[2].split(/[ \t]/)[0])) {
        return m[2].trim();
    }
    return t;
}
const KEY_TYPE = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)$/;

/**
 * Why a host key cannot be pinned: `"rsa"` for an `ssh-rsa` key, `"invalid"` for anything that is not a key,
 * undefined when it is fine. pulumi-command pins exactly the key's own type
 * (`HostKeyAlgorithms = []string{publicKey.Type()}`, pulumi/pulumi-command@v1.2.1:provider/pkg/provider/remote/connection.go
 * line 94), which for RSA is `ssh-rsa`: SHA-1 signatures, which OpenSSH 8.8 and later no longer offer, so the
 * handshake fails ("no common algorithm for host key").
 */
export function hostKeyIssue(v: string): "rsa" | "invalid" | undefined {
    const t = normalizeHostKey(v);
    if (!HOST_KEY.test(t) || /[\r\n]/.test(t)) {
        return "invalid";
    }
    // The key blob starts with its own type name; an ed25519 blob is exactly 51 bytes.
    const [type, b64] = t.split(" ");
    const blob = Buffer.from(b64, "base64");
    if (blob.length < 4) return "invalid";
    const len = blob.readUInt32BE(0);
    if (blob.subarray(4, 4 + len).toString("latin1") !== type) return "invalid";
    if (type === "ssh-ed25519" && blob.length !== 51) return "invalid";
    return type === "ssh-rsa" ? "rsa" : undefined;
}
export function isHostKey(v: string): boolean {
    return hostKeyIssue(v) === undefined;
}
/** What to do about an `ssh-rsa` host key (completes "`<field>` is an ssh-rsa key: …"). */
export function rsaHostKeyAdvice(address?: string): string {
    return `pulumi-command pins exactly the key's type, ssh-rsa (SHA-1 signatures), which OpenSSH 8.8 and later refuse, so every connection would fail; pin the ed25519 (or ecdsa) key: \`ssh-keyscan -t ed25519 ${address ?? "<address>"}\``;
}
export function isPort(v: unknown): boolean {
    return typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 65535;
}

/** Problems with a Gluu version value, or none. */
export function versionProblems(field: string, version: unknown): string[] {
    if (version === undefined) {
        return [];
    }
    if (typeof version !== "string" || !normalizeVersion(version)) {
        return [`\`${field}\` is ${JSON.stringify(version)}: not a supported Gluu version; use one of ${SUPPORTED_VERSIONS.join(", ")}`];
    }
    return [];
}

/** Problems with an SSH host key value, or none; says how to obtain one. */
export function hostKeyProblems(field: string, hostKey: unknown, address?: unknown): string[] {
    const how = `get it with \`ssh-keyscan -t ed25519 ${typeof address === "string" ? address : "<address>"}\` and check its fingerprint out of band`;
    if (hostKey === undefined || hostKey === "") {
        return [`\`${field}\` is missing: every connection checks the host key; ${how}`];
    }
    if (typeof hostKey === "string" && hostKeyIssue(hostKey) === "rsa") {
        return [`\`${field}\` is an ssh-rsa key: ${rsaHostKeyAdvice(typeof address === "string" ? address : undefined)}`];
    }
    if (typeof hostKey !== "string" || !isHostKey(hostKey)) {
        return [`\`${field}\` is not an SSH public host key (\`ssh-ed25519 AAAA…\`); ${how}`];
    }
    return [];
}

/**
 * The library's own droplet role tags end in `-member`, `-lb` and `-cache`, and firewalls select droplets by
 * tag across the whole account: an extra tag that looks like one could put droplets under another cluster's
 * (or another stack's) firewall.
 */
export const ROLE_TAG_SUFFIX = /-(member|lb|cache)$/;
export function isRoleTag(tag: string): boolean {
    return ROLE_TAG_SUFFIX.test(tag.toLowerCase());
}

/**
 * Longest cluster name: machines are named `<clusterName>-<n>`, `<clusterName>-cache` and `<clusterName>-lb`, and a
 * droplet's name becomes its host name, one DNS label of at most 63 characters (RFC 1035 §2.3.4); `-cache` is the
 * longest suffix. DigitalOcean itself allows 255 (digitalocean/openapi@d26bc4ea:
 * specification/resources/droplets/models/droplet_single_create.yml, `maxLength: 255`) and the provider only refuses
 * an empty name (digitalocean/terraform-provider-digitalocean@v2.99.1:digitalocean/droplet/resource_droplet.go
 * `validation.NoZeroValues`).
 */
export const CLUSTER_NAME_MAX = 63 - "-cache".length;

/**
 * DigitalOcean's user-data limit: "It must be plain text and may not exceed 64 KiB in size"
 * (digitalocean/openapi:specification/resources/droplets/models/droplet_create.yml, `user_data`).
 */
export const USER_DATA_MAX_BYTES = 64 * 1024;

// Stand-ins of the real size for the program's own part: an ED25519 host key pair in OpenSSH form, as
// tls.PrivateKey makes it (a 5-line base64 body; test/config.spec.ts checks a real key is no longer).
const HOST_KEY_PRIVATE_STANDIN = ["-----BEGIN OPENSSH PRIVATE KEY-----", ...Array(4).fill("A".repeat(70)), "A".repeat(40), "-----END OPENSSH PRIVATE KEY-----", ""].join("\n");
const HOST_KEY_PUBLIC_STANDIN = `ssh-ed25519 ${"A".repeat(68)}`;

/** The size in bytes of the whole user data a droplet gets with this extra cloud-config. */
export function userDataBytes(extraCloudConfig: string | undefined): number {
    return Buffer.byteLength(cloudInitUserData({ hostKeyPrivateOpenssh: HOST_KEY_PRIVATE_STANDIN, hostKeyPublicOpenssh: HOST_KEY_PUBLIC_STANDIN, extraCloudConfig }), "utf8");
}

/**
 * Problems with extra user data (each completes "`<field>` …"): it is merged as a second cloud-config part, so it
 * must be a cloud-config mapping, and the whole user data must stay within DigitalOcean's 64 KiB.
 */
export function extraUserDataProblems(extra: string): string[] {
    const problems: string[] = [];
    if (!/^#cloud-config[ \t]*\r?\n/.test(extra + "\n")) {
        problems.push("must be cloud-config: its first line must be `#cloud-config` (it is merged into the library's own cloud-config, so scripts and other formats cannot be used)");
    } else {
        const docs = YAML.parseAllDocuments(extra);
        const doc = Array.isArray(docs) && docs.length === 1 ? docs[0] : undefined;
        if (!doc || doc.errors.length > 0 || !YAML.isMap(doc.contents)) {
            problems.push("must be a cloud-config mapping (`key: value` lines, one YAML document) after its `#cloud-config` line");
        }
    }
    const bytes = userDataBytes(extra);
    if (bytes > USER_DATA_MAX_BYTES) {
        problems.push(`makes the droplets' user data ${bytes} bytes, over DigitalOcean's limit of 64 KiB (${USER_DATA_MAX_BYTES} bytes); shorten it`);
    }
    return problems;
}

/**
 * Problems with a new VPC's range (each completes "`<field>` …"). DigitalOcean: "must be in range of private
 * addresses as defined in RFC1918. It may not be smaller than /28 nor larger than /16"
 * (docs.digitalocean.com/reference/ansible/reference/modules/vpc, digitalocean.cloud v1.2.1; older copies of
 * digitalocean/openapi:specification/resources/vpcs/models/vpc.yml say /24), and not overlap another VPC of the
 * account. The provider only checks that it is a CIDR
 * (digitalocean/terraform-provider-digitalocean:digitalocean/vpc/resource_vpc.go `ip_range`: validation.IsCIDR, ForceNew).
 */
export function vpcIpRangeProblems(cidr: string): string[] {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
    if (!m) return [];
    const [a, b] = [Number(m[1]), Number(m[2])];
    const prefix = Number(m[5]);
    const problems: string[] = [];
    const rfc1918 = a === 10 ? prefix >= 8 : a === 172 && b >= 16 && b <= 31 ? prefix >= 12 : a === 192 && b === 168 ? prefix >= 16 : false;
    if (!rfc1918) {
        problems.push("must be a private (RFC 1918) range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, e.g. `10.110.0.0/20`; DigitalOcean refuses other VPC ranges");
    }
    if (prefix < 16 || prefix > 28) {
        problems.push("must be between /16 and /28 (DigitalOcean's VPC sizes), e.g. `10.110.0.0/20`");
    }
    return problems;
}

/**
 * Problems with the CIDRs allowed to reach SSH: each must be an IPv4 CIDR no wider than /8 — `0.0.0.0/0`, or
 * halves like `0.0.0.0/1` + `128.0.0.0/1`, would open SSH to the world.
 */
export function adminCidrProblems(field: string, cidrs: unknown[]): string[] {
    const problems: string[] = [];
    cidrs.forEach((c, i) => {
        if (!known(c as any)) return;
        const m = typeof c === "string" ? /^(.+)\/(\d{1,2})$/.exec(c) : null;
        if (!m || !IPV4.test(m[1]) || Number(m[2]) > 32) {
            problems.push(`\`${field}[${i}]\` ${JSON.stringify(c)} must be an IPv4 CIDR like \`203.0.113.0/24\``);
        } else if (Number(m[2]) < 8) {
            problems.push(`\`${field}[${i}]\` ${c} is wider than /8: SSH would be open to much of the internet; list your admin networks`);
        }
    });
    return problems;
}
