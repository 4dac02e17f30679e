// Pure checks of component Args, run before any resource is created. Values that are still Outputs are
// checked where they are used; plain values are checked here, all problems reported together.

import * as pulumi from "@pulumi/pulumi";
import { normalizeVersion, SUPPORTED_VERSIONS } from "./profiles";

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
export function isHostKey(v: string): boolean {
    const t = v.trim();
    if (!HOST_KEY.test(t) || /[\r\n]/.test(t)) {
        return false;
    }
    // The key blob starts with its own type name; an ed25519 blob is exactly 51 bytes.
    const [type, b64] = t.split(" ");
    const blob = Buffer.from(b64, "base64");
    if (blob.length < 4) return false;
    const len = blob.readUInt32BE(0);
    if (blob.subarray(4, 4 + len).toString("latin1") !== type) return false;
    return type !== "ssh-ed25519" || blob.length === 51;
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
    if (typeof hostKey !== "string" || !isHostKey(hostKey)) {
        return [`\`${field}\` is not an SSH public host key (\`ssh-ed25519 AAAA…\`); ${how}`];
    }
    return [];
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
