// The load-balancer choices and the checks of their settings, shared by GluuCluster's Args validation and the
// stack config (src/config.ts). Pure: every function takes plain values and a formatter for the key names
// (`gluu:x` in the stack config, `` `x` `` in Args), so each problem names the setting it is about.

import * as crypto from "crypto";

/** How users reach the cluster. */
export const LoadBalancerKind = {
    /** One NGINX host (the default). */
    Nginx: "nginx",
    /** Two NGINX hosts holding a virtual IP with keepalived (existing hosts only). */
    NginxPair: "nginx-pair",
    /** A DigitalOcean managed load balancer (droplets only). */
    DigitalOcean: "digitalocean",
    /** Your own load balancer; the `loadBalancer` output says what it must do. */
    External: "external",
} as const;
export type LoadBalancerKind = (typeof LoadBalancerKind)[keyof typeof LoadBalancerKind];

export const LOAD_BALANCER_KINDS: readonly LoadBalancerKind[] = Object.values(LoadBalancerKind);

/** Names a setting in messages: `gluu:loadBalancer` or `` `loadBalancer` ``. */
export type KeyName = (field: string) => string;
export const argKey: KeyName = (f) => `\`${f}\``;
export const configKey: KeyName = (f) => `gluu:${f}`;

/**
 * The load-balancer choice from the new setting and the older boolean `externalLoadBalancer`, which keeps
 * working (it means `external`). Both set and contradicting each other is a problem naming both.
 * `externalLoadBalancer: false` says nothing (Pulumi.yaml gives every stack that default).
 */
export function resolveLoadBalancer(loadBalancer: unknown, externalLoadBalancer: boolean | undefined, key: KeyName): { kind: LoadBalancerKind; problems: string[] } {
    const problems: string[] = [];
    if (loadBalancer !== undefined && !LOAD_BALANCER_KINDS.includes(loadBalancer as LoadBalancerKind)) {
        problems.push(`${key("loadBalancer")} must be one of ${LOAD_BALANCER_KINDS.map((k) => `\`${k}\``).join(", ")}, got ${JSON.stringify(loadBalancer)}`);
        return { kind: externalLoadBalancer ? "external" : "nginx", problems };
    }
    if (externalLoadBalancer && loadBalancer !== undefined && loadBalancer !== "external") {
        problems.push(
            `${key("externalLoadBalancer")} is true but ${key("loadBalancer")} is \`${loadBalancer}\`: they contradict each other; remove ${key("externalLoadBalancer")} (it is the older spelling of ${key("loadBalancer")}: \`external\`)`,
        );
    }
    const kind = (loadBalancer as LoadBalancerKind | undefined) ?? (externalLoadBalancer ? "external" : "nginx");
    return { kind, problems };
}

const IPV4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function toInt(address: string): number {
    return address.split(".").reduce((n, o) => n * 256 + Number(o), 0) >>> 0;
}

/** Whether an IPv4 address lies in `network/prefix`. */
export function inNetwork(address: string, network: string, prefix: number): boolean {
    if (!IPV4.test(address) || !IPV4.test(network)) return false;
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    return ((toInt(address) & mask) >>> 0) === ((toInt(network) & mask) >>> 0);
}

/** A host whose address must not be the VIP (and, for the LB hosts, must be inside its network). */
export interface NamedAddress {
    /** The setting it comes from (already formatted, e.g. `gluu:existingLbPrivateAddresses[0]`). */
    key: string;
    address: string;
}

/**
 * Problems with the pair's virtual IP (each names its key): an IPv4 address with the prefix length of the network
 * the two load-balancer hosts share (`10.10.0.30/24`), both hosts' addresses inside that network (VRRP and ARP
 * work on one segment), not the network's or broadcast address, and not any host's own address.
 */
export function virtualIpProblems(key: string, vip: string, lbHosts: NamedAddress[], others: NamedAddress[]): string[] {
    const m = /^([^/]+)\/(\d{1,2})$/.exec(vip);
    if (!m || !IPV4.test(m[1]) || Number(m[2]) < 8 || Number(m[2]) > 30) {
        return [`${key} must be a free IPv4 address of the load-balancer hosts' network with that network's prefix length, e.g. \`10.10.0.30/24\`, got ${JSON.stringify(vip)}`];
    }
    const [address, prefix] = [m[1], Number(m[2])];
    const problems: string[] = [];
    const hostBits = (toInt(address) & ((1 << (32 - prefix)) - 1)) >>> 0;
    if (hostBits === 0 || hostBits === (2 ** (32 - prefix) - 1) >>> 0) {
        problems.push(`${key} ${address} is the network's or broadcast address of /${prefix}; choose a free host address`);
    }
    for (const h of lbHosts) {
        if (IPV4.test(h.address) && !inNetwork(h.address, address, prefix)) {
            problems.push(`${key} ${vip} is not in the network of ${h.key} ${h.address}: the virtual IP must be on the segment both load-balancer hosts share (VRRP and ARP do not cross routers)`);
        } else if (!IPV4.test(h.address)) {
            problems.push(`${h.key} must be an IPv4 address for ${key} (VRRP unicast peers are addresses), got ${JSON.stringify(h.address)}`);
        }
    }
    for (const h of [...lbHosts, ...others]) {
        if (h.address === address) {
            problems.push(`${key} ${address} is ${h.key}: the virtual IP must be an address no host has`);
        }
    }
    return problems;
}

const EMAIL = /^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

/** Problems with the alert e-mail list (each names its key and index). */
export function alertEmailProblems(key: string, emails: unknown): string[] {
    if (!Array.isArray(emails) || emails.length === 0) {
        return [`${key} must be a list of one or more e-mail addresses, e.g. \`["ops@example.org"]\``];
    }
    const problems: string[] = [];
    emails.forEach((e, i) => {
        // An Output or Promise is judged where it resolves; here only plain values.
        if (e !== null && typeof e === "object") return;
        if (typeof e !== "string" || !EMAIL.test(e)) {
            problems.push(`${key}[${i}] must be an e-mail address, got ${JSON.stringify(e)}`);
        } else if (emails.indexOf(e) !== i) {
            problems.push(`${key}[${i}] ${e} is listed twice`);
        }
    });
    return problems;
}

/** The VRRP virtual router id when none is given: from the hostname, 1–255, so two clusters rarely share one. */
export function defaultVirtualRouterId(hostname: string): number {
    return (crypto.createHash("sha256").update(hostname).digest()[0] % 255) + 1;
}

/** The settings the load-balancer choice judges, as plain facts (names formatted by the caller). */
export interface LoadBalancerSettings {
    kind: LoadBalancerKind;
    /** Droplets (true) or existing hosts. */
    droplets: boolean;
    /** Which settings are present, by field name (`lbHost`, `lbHosts`, `lbVirtualIp`, `externalLbSourceCidrs`, ...). */
    present: (field: string) => boolean;
    /** How many load-balancer hosts `lbHosts` lists (undefined when not set). */
    lbHostCount?: number;
    /** The field that lists the pair's hosts (`lbHosts` in Args, `existingLbAddresses` in the stack config). */
    pairHostsField: string;
    /** The field of the single NGINX host (`lbHost` in Args, `existingLbAddress` in the stack config). */
    singleHostField: string;
    /** The field with the droplet size of the NGINX host. */
    lbDropletSizeField: string;
}

/**
 * Which settings each load-balancer choice needs and refuses. Problems name the keys through `key` and say what
 * to do. Managed (DigitalOcean) choices need droplets; `nginx-pair` needs existing hosts.
 */
export function loadBalancerSettingProblems(s: LoadBalancerSettings, key: KeyName): string[] {
    const problems: string[] = [];
    const lb = key("loadBalancer");
    const pairOnly = [s.pairHostsField, "lbVirtualIp", "lbVirtualRouterId"];
    if (s.kind !== "nginx-pair") {
        for (const f of pairOnly) {
            if (s.present(f)) problems.push(`${key(f)} is only for ${lb}: \`nginx-pair\`; remove it`);
        }
    }
    if (s.kind === "nginx-pair") {
        if (s.droplets) {
            problems.push(
                `${lb}: \`nginx-pair\` is for existing hosts: DigitalOcean does not move an address between droplets by VRRP/ARP (only a reserved IP reassigned through its API, which would put an account token on the internet-facing hosts); use ${lb}: \`digitalocean\` (a managed load balancer, itself redundant) with droplets`,
            );
        } else {
            if (s.lbHostCount === undefined) {
                problems.push(`${key(s.pairHostsField)} is required with ${lb}: \`nginx-pair\`: the two load-balancer hosts`);
            } else if (s.lbHostCount !== 2) {
                problems.push(`${key(s.pairHostsField)} must list exactly 2 hosts for ${lb}: \`nginx-pair\` (one VRRP pair), got ${s.lbHostCount}`);
            }
            if (!s.present("lbVirtualIp")) {
                problems.push(`${key("lbVirtualIp")} is required with ${lb}: \`nginx-pair\`: a free address of the load-balancer hosts' network with its prefix length, e.g. \`10.10.0.30/24\`, which your hostname's DNS record points at`);
            }
        }
        if (s.present(s.singleHostField)) {
            problems.push(`${key(s.singleHostField)} is for ${lb}: \`nginx\` (one host); with \`nginx-pair\` list both hosts in ${key(s.pairHostsField)}`);
        }
    }
    if (s.kind === "digitalocean") {
        if (!s.droplets) {
            problems.push(`${lb}: \`digitalocean\` (a DigitalOcean managed load balancer) needs droplets: it can only send traffic to droplets of its account; with existing hosts use \`nginx\`, \`nginx-pair\` or \`external\``);
        }
        for (const f of [s.singleHostField, s.lbDropletSizeField]) {
            if (s.present(f)) problems.push(`${key(f)} has no effect with ${lb}: \`digitalocean\` (no NGINX host); remove it`);
        }
    }
    if (s.kind !== "external" && s.present("externalLbSourceCidrs")) {
        problems.push(`${key("externalLbSourceCidrs")} is only for ${key("externalLoadBalancer")} (${lb}: \`external\`); remove it`);
    }
    return problems;
}

/** Problems with the alert settings: only on droplets (DigitalOcean's monitoring), which need the agent. */
export function alertSettingProblems(s: { droplets: boolean; emails?: unknown; monitoring?: boolean }, key: KeyName): string[] {
    if (s.emails === undefined) return [];
    const problems = alertEmailProblems(key("alertEmails"), s.emails);
    if (!s.droplets) {
        problems.push(`${key("alertEmails")} is for droplets (DigitalOcean uptime checks and monitor alerts); with existing hosts use your own monitoring on the \`health\` output and the README's check command; remove it`);
    } else if (s.monitoring === false) {
        problems.push(`${key("alertEmails")} needs ${key("monitoring")}: true: DigitalOcean's memory and disk alerts read the monitoring agent's metrics`);
    }
    return problems;
}
