// GluuCluster: the shared secrets, the nodes, the network around them, and the cluster services wired
// along explicit edges.

import * as pulumi from "@pulumi/pulumi";
import * as digitalocean from "@pulumi/digitalocean";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { GluuNode } from "./gluuNode";
import { HostArgs } from "./host";
import { profileFor } from "./profiles";
import { remoteStep } from "./remoteStep";
import { GluuSetupSettings, hostsScript } from "./render/node";
import { ArgsError, hostKeyProblems, isAddress, isFqdn, isHostName, isPort, known, versionProblems } from "./validation";

/** An existing server to use as a Gluu node. */
export interface ExistingHostArgs {
    /** Short lower-case name for the node. Defaults to `<cluster name>-<index>`. */
    name?: string;
    /** Address the program connects to. */
    address: pulumi.Input<string>;
    /** Address other members reach it on. Defaults to `address`. */
    privateAddress?: pulumi.Input<string>;
    /** SSH host key (`ssh-keyscan -t ed25519 <address>`). Required. */
    hostKey: pulumi.Input<string>;
    /** Login user. Defaults to the cluster's `sshUser`. */
    sshUser?: pulumi.Input<string>;
    /** SSH port. Defaults to `22`. */
    sshPort?: pulumi.Input<number>;
}

export interface GluuClusterArgs {
    /** The load balancer's FQDN, e.g. `idp.example.org`: the one host name every node is installed with. */
    hostname: pulumi.Input<string>;
    /** Gluu version: `3.1.6` (default) or `4.5`. */
    version?: pulumi.Input<string>;
    /** Organisation fields for the certificates setup.py makes. */
    orgName: pulumi.Input<string>;
    city: pulumi.Input<string>;
    state: pulumi.Input<string>;
    /** Two-letter country code. */
    countryCode: pulumi.Input<string>;
    adminEmail: pulumi.Input<string>;

    /** Number of droplets to create (≥ 2). Must be a plain number. Exclusive with `existingNodes`. */
    nodeCount?: number;
    /** Existing servers to use as nodes (≥ 2) instead of droplets. */
    existingNodes?: ExistingHostArgs[];

    /** Droplet region, e.g. `fra1`. Required for droplets. */
    region?: pulumi.Input<string>;
    /** Droplet size of the Gluu nodes. Defaults to `s-4vcpu-8gb`. */
    dropletSize?: pulumi.Input<string>;
    /** Droplet image (slug or custom image ID); see the README for which fits which version. Required for droplets. */
    dropletImage?: pulumi.Input<string>;
    /** Existing VPC for the droplets. Defaults to a new VPC. */
    vpcUuid?: pulumi.Input<string>;
    /** IP range of the new VPC, e.g. `10.110.0.0/20`. Defaults to DigitalOcean's choice. */
    vpcIpRange?: pulumi.Input<string>;
    /** Extra droplet tags. */
    tags?: pulumi.Input<string>[];
    /** DigitalOcean monitoring agent. Defaults to `true`. */
    monitoring?: pulumi.Input<boolean>;
    /** DigitalOcean backups of the nodes. Defaults to `false`. */
    backups?: pulumi.Input<boolean>;
    /** Extra cloud-config for the droplets. */
    userData?: pulumi.Input<string>;
    /** CIDRs allowed to reach SSH (22). Required for droplets; there is no open default. */
    adminCidrs?: pulumi.Input<string>[];

    /** Existing DigitalOcean SSH key fingerprints for the droplets; then `sshPrivateKey` or `sshAgentSocketPath` is required. Defaults to a generated ED25519 key. */
    sshKeyFingerprints?: pulumi.Input<string>[];
    /** Private key for the SSH login (secret). Generated for droplets when not given. */
    sshPrivateKey?: pulumi.Input<string>;
    /** ssh-agent socket instead of `sshPrivateKey`. */
    sshAgentSocketPath?: pulumi.Input<string>;
    /** Login user. Defaults to `root`. */
    sshUser?: pulumi.Input<string>;
    /** SSH port of the droplets. Defaults to `22`. */
    sshPort?: pulumi.Input<number>;

    /** Directory Manager password (secret). Defaults to a generated one. */
    ldapPassword?: pulumi.Input<string>;
    /** oxTrust admin password (secret). Defaults to a generated one. */
    adminPassword?: pulumi.Input<string>;
    /** Gluu repository user (4.5). */
    repoUser?: pulumi.Input<string>;
    /** Gluu repository password (secret; 4.5). */
    repoPassword?: pulumi.Input<string>;
    /** Keep clocks synchronised. Defaults to `true`. */
    timeSync?: pulumi.Input<boolean>;
}

/** Ports cluster members use among themselves: LDAPS, OpenDJ admin and replication, stunnel to Redis, csync2. */
export const MEMBER_PORTS = [1636, 4444, 8989, 16379, 30865];

/** Node names: the existing hosts' names or `<cluster>-<i>`. */
export function nodeNames(name: string, args: Pick<GluuClusterArgs, "nodeCount" | "existingNodes">): string[] {
    if (args.existingNodes) {
        return args.existingNodes.map((h, i) => h.name ?? `${name}-${i + 1}`);
    }
    return Array.from({ length: args.nodeCount ?? 0 }, (_, i) => `${name}-${i + 1}`);
}

/** Checks GluuCluster Args that are known now; every problem named by field. Exported for tests. */
export function validateGluuClusterArgs(name: string, args: GluuClusterArgs): string[] {
    const problems: string[] = [];
    if (!isHostName(name)) {
        problems.push(`the cluster name ${JSON.stringify(name)} must be a short lower-case name (it prefixes node names)`);
    }
    if (known(args.hostname) && !isFqdn(args.hostname)) {
        problems.push(`\`hostname\` ${JSON.stringify(args.hostname)} must be a lower-case FQDN like \`idp.example.org\` (the load balancer's name)`);
    }
    if (known(args.version)) {
        problems.push(...versionProblems("version", args.version));
    }
    if (known(args.countryCode) && !/^[A-Z]{2}$/.test(args.countryCode)) {
        problems.push(`\`countryCode\` must be two upper-case letters (ISO 3166), got ${JSON.stringify(args.countryCode)}`);
    }
    const existing = args.existingNodes !== undefined;
    if (existing && args.nodeCount !== undefined) {
        problems.push("set either `nodeCount` (new droplets) or `existingNodes` (your servers), not both");
    }
    const count = existing ? args.existingNodes!.length : args.nodeCount;
    if (count === undefined) {
        problems.push("set `nodeCount` (new droplets, ≥ 2) or `existingNodes` (≥ 2 servers)");
    } else if (!Number.isInteger(count) || count < 2) {
        problems.push(`${existing ? "`existingNodes` must list" : "`nodeCount` must be"} an integer ≥ 2 (a cluster needs two nodes), got ${count}`);
    }
    const names = nodeNames(name, args);
    names.forEach((n, i) => {
        if (!isHostName(n)) {
            problems.push(`\`existingNodes[${i}].name\` ${JSON.stringify(n)} must be a lower-case host name`);
        }
    });
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) {
        problems.push(`node name ${JSON.stringify(dup)} is used twice; names must be unique`);
    }
    if (existing) {
        const addresses: string[] = [];
        args.existingNodes!.forEach((h, i) => {
            if (known(h.address)) {
                if (!isAddress(h.address)) {
                    problems.push(`\`existingNodes[${i}].address\` ${JSON.stringify(h.address)} is not an IPv4 address or host name`);
                }
                if (addresses.includes(h.address)) {
                    problems.push(`\`existingNodes[${i}].address\` ${h.address} is used by another node; each node needs its own host`);
                }
                addresses.push(h.address);
            }
            if (known(h.privateAddress) && !isAddress(h.privateAddress)) {
                problems.push(`\`existingNodes[${i}].privateAddress\` ${JSON.stringify(h.privateAddress)} is not an IPv4 address or host name`);
            }
            if (h.hostKey === undefined || known(h.hostKey)) {
                problems.push(...hostKeyProblems(`existingNodes[${i}].hostKey`, h.hostKey, h.address));
            }
            if (known(h.sshPort) && !isPort(h.sshPort)) {
                problems.push(`\`existingNodes[${i}].sshPort\` must be an integer 1–65535, got ${JSON.stringify(h.sshPort)}`);
            }
            if (known(h.address) && known(args.hostname) && h.address === args.hostname) {
                problems.push(`\`existingNodes[${i}].address\` equals \`hostname\`: the cluster name belongs to the load balancer, not to a node`);
            }
        });
        for (const f of ["region", "dropletSize", "dropletImage", "vpcUuid", "vpcIpRange", "sshKeyFingerprints", "userData"] as const) {
            if (args[f] !== undefined) {
                problems.push(`\`${f}\` is for droplets and has no effect with \`existingNodes\`; remove it`);
            }
        }
        if (args.sshPrivateKey === undefined && args.sshAgentSocketPath === undefined) {
            problems.push("existing hosts need `sshPrivateKey` (secret) or `sshAgentSocketPath` to log in");
        }
    } else {
        if (args.region === undefined) {
            problems.push("`region` is required for droplets (e.g. `fra1`)");
        }
        if (args.dropletImage === undefined) {
            problems.push("`dropletImage` is required for droplets: an Ubuntu image the Gluu version supports (see the README)");
        }
        if (args.adminCidrs === undefined || (Array.isArray(args.adminCidrs) && args.adminCidrs.length === 0)) {
            problems.push("`adminCidrs` is required for droplets: the addresses allowed to reach SSH (e.g. your office `203.0.113.0/24`); nothing is open by default");
        }
        if (args.sshKeyFingerprints !== undefined && args.sshPrivateKey === undefined && args.sshAgentSocketPath === undefined) {
            problems.push("with `sshKeyFingerprints` the program needs the matching `sshPrivateKey` (secret) or `sshAgentSocketPath`");
        }
    }
    return problems;
}

const PASSWORD = { length: 24, special: false, minLower: 2, minUpper: 2, minNumeric: 2 };

/** A Gluu cluster: N nodes installed in parallel from one source of truth, on droplets or existing hosts. */
export class GluuCluster extends pulumi.ComponentResource {
    /** The nodes, in order; the first is the initial primary. */
    public readonly nodes: GluuNode[] = [];
    /** Public addresses of the nodes. */
    public readonly nodeAddresses!: pulumi.Output<string[]>;
    /** Private addresses of the nodes. */
    public readonly nodePrivateAddresses!: pulumi.Output<string[]>;
    /** oxTrust URL through the load balancer. */
    public readonly adminUrl!: pulumi.Output<string>;
    /** Directory Manager password (secret). */
    public readonly ldapPassword!: pulumi.Output<string>;
    /** oxTrust `admin` password (secret). */
    public readonly adminPassword!: pulumi.Output<string>;
    /** The SSH login private key when the program generated one (secret). */
    public readonly sshPrivateKey?: pulumi.Output<string>;
    /** The settings every node's setup.properties is rendered from (secret). */
    public readonly setup!: pulumi.Output<GluuSetupSettings>;
    /** Tag on every member droplet (firewall rules select members by it). */
    public readonly memberTag?: pulumi.Output<string>;
    /** The VPC the droplets use. */
    public readonly vpcUuid?: pulumi.Output<string>;

    constructor(name: string, args: GluuClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gluu:index:GluuCluster", name, {}, opts);
        if (opts?.urn) {
            return;
        }
        const problems = validateGluuClusterArgs(name, args);
        if (problems.length > 0) {
            throw new ArgsError(`GluuCluster \`${name}\``, problems);
        }
        const version = pulumi.output(args.version ?? "3.1.6").apply((v) => profileFor(v).version);
        const droplets = args.existingNodes === undefined;

        // --- one source of truth: generated once, identical on every node ---
        const ldapPassword = args.ldapPassword
            ? pulumi.secret(args.ldapPassword)
            : new random.RandomPassword(`${name}-ldap-password`, PASSWORD, { parent: this }).result;
        const adminPassword = args.adminPassword
            ? pulumi.secret(args.adminPassword)
            : new random.RandomPassword(`${name}-admin-password`, PASSWORD, { parent: this }).result;
        const encodeSalt = new random.RandomPassword(`${name}-encode-salt`, PASSWORD, { parent: this }).result;
        const jksPassword = new random.RandomPassword(`${name}-openid-jks-password`, PASSWORD, { parent: this }).result;
        const inumHex = (role: string, bytes: number) =>
            new random.RandomId(`${name}-${role}`, { byteLength: bytes }, { parent: this }).hex.apply((h) =>
                h.toUpperCase().match(/.{4}/g)!.join("."),
            );
        const baseInum = inumHex("base-inum", 8).apply((h) => `@!${h}`);
        const orgSuffix = inumHex("org-inum", 4);
        const applianceSuffix = inumHex("appliance-inum", 4);
        const setup: pulumi.Output<GluuSetupSettings> = pulumi.secret(
            pulumi
                .all([args.hostname, args.orgName, args.city, args.state, args.countryCode, args.adminEmail, ldapPassword, adminPassword, encodeSalt, jksPassword, baseInum, orgSuffix, applianceSuffix])
                .apply(([hostname, orgName, city, state, countryCode, adminEmail, ldapPw, adminPw, salt, jks, base, org, appliance]) => ({
                    hostname,
                    orgName,
                    city,
                    state,
                    countryCode,
                    adminEmail,
                    ldapPassword: ldapPw,
                    adminPassword: adminPw,
                    encodeSalt: salt,
                    openidKeystorePassword: jks,
                    baseInum: base,
                    inumOrg: `${base}!0001!${org}`,
                    inumAppliance: `${base}!0002!${appliance}`,
                })),
        );

        // --- network (droplets only) ---
        let sshPrivateKey = args.sshPrivateKey;
        let fingerprints = args.sshKeyFingerprints;
        let memberTag: pulumi.Output<string> | undefined;
        let vpcUuid: pulumi.Input<string> | undefined = args.vpcUuid;
        if (droplets) {
            if (!fingerprints) {
                const login = new tls.PrivateKey(`${name}-login-key`, { algorithm: "ED25519" }, { parent: this });
                const doKey = new digitalocean.SshKey(`${name}-login-key`, { name: `${name}-login`, publicKey: login.publicKeyOpenssh }, { parent: this });
                fingerprints = [doKey.fingerprint];
                sshPrivateKey = login.privateKeyOpenssh;
                this.sshPrivateKey = pulumi.secret(login.privateKeyOpenssh);
            }
            if (!vpcUuid) {
                const vpc = new digitalocean.Vpc(`${name}-vpc`, { name: `${name}-vpc`, region: args.region!, ipRange: args.vpcIpRange }, { parent: this });
                vpcUuid = vpc.id;
            }
            memberTag = new digitalocean.Tag(`${name}-member`, { name: `${name}-member` }, { parent: this }).name;
            const lbTag = new digitalocean.Tag(`${name}-lb`, { name: `${name}-lb` }, { parent: this }).name;
            new digitalocean.Firewall(
                `${name}-members`,
                {
                    name: `${name}-members`,
                    tags: [memberTag],
                    inboundRules: [
                        { protocol: "tcp", portRange: "22", sourceAddresses: args.adminCidrs! },
                        // Backends answer only the load balancer; cluster ports only other members.
                        { protocol: "tcp", portRange: "443", sourceTags: [lbTag] },
                        ...MEMBER_PORTS.map((p) => ({ protocol: "tcp", portRange: String(p), sourceTags: [memberTag!] })),
                        { protocol: "icmp", sourceTags: [memberTag, lbTag] },
                    ],
                    outboundRules: [
                        { protocol: "tcp", portRange: "1-65535", destinationAddresses: ["0.0.0.0/0", "::/0"] },
                        { protocol: "udp", portRange: "1-65535", destinationAddresses: ["0.0.0.0/0", "::/0"] },
                        { protocol: "icmp", destinationAddresses: ["0.0.0.0/0", "::/0"] },
                    ],
                },
                { parent: this },
            );
            this.memberTag = memberTag;
            this.vpcUuid = pulumi.output(vpcUuid);
        }

        // --- the nodes: nothing is copied between them, so all install in parallel ---
        const names = nodeNames(name, args);
        names.forEach((nodeName, i) => {
            const existing = args.existingNodes?.[i];
            const node = new GluuNode(
                nodeName,
                existing
                    ? {
                          version,
                          setup,
                          existingAddress: existing.address,
                          existingPrivateAddress: existing.privateAddress,
                          hostKey: existing.hostKey,
                          sshUser: existing.sshUser ?? args.sshUser,
                          sshPort: existing.sshPort,
                          sshPrivateKey,
                          sshAgentSocketPath: args.sshAgentSocketPath,
                          repoUser: args.repoUser,
                          repoPassword: args.repoPassword,
                          timeSync: args.timeSync,
                      }
                    : {
                          version,
                          setup,
                          region: args.region,
                          dropletSize: args.dropletSize,
                          dropletImage: args.dropletImage,
                          vpcUuid,
                          tags: [memberTag!, ...(args.tags ?? [])],
                          sshKeyFingerprints: fingerprints,
                          monitoring: args.monitoring,
                          backups: args.backups,
                          userData: args.userData,
                          sshUser: args.sshUser,
                          sshPort: args.sshPort,
                          sshPrivateKey,
                          sshAgentSocketPath: args.sshAgentSocketPath,
                          repoUser: args.repoUser,
                          repoPassword: args.repoPassword,
                          timeSync: args.timeSync,
                      },
                { parent: this },
            );
            this.nodes.push(node);
        });

        // --- every node knows every member by name (csync2 identities, replication peers) ---
        const entries = pulumi.all(this.nodes.map((n) => n.privateIp)).apply((ips) => ips.map((address, i) => ({ address, names: [names[i]] })));
        this.nodes.forEach((node, i) => {
            remoteStep(`${names[i]}-hosts`, {
                host: node.host,
                create: entries.apply((e) => hostsScript(names[i], e)),
                dependsOn: [],
                parent: this,
            });
        });

        this.nodeAddresses = pulumi.all(this.nodes.map((n) => n.publicIp));
        this.nodePrivateAddresses = pulumi.all(this.nodes.map((n) => n.privateIp));
        this.adminUrl = pulumi.interpolate`https://${args.hostname}/identity`;
        this.ldapPassword = pulumi.secret(ldapPassword);
        this.adminPassword = pulumi.secret(adminPassword);
        this.setup = setup;
        this.registerOutputs({
            nodeAddresses: this.nodeAddresses,
            nodePrivateAddresses: this.nodePrivateAddresses,
            adminUrl: this.adminUrl,
            ldapPassword: this.ldapPassword,
            adminPassword: this.adminPassword,
            sshPrivateKey: this.sshPrivateKey,
        });
    }

    /** The nodes as hosts with Gluu installed (for the cluster services). */
    public installedHosts(): HostArgs[] {
        return this.nodes.map((n) => n.installedHost);
    }
}
