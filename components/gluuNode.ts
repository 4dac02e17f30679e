// GluuNode: one Gluu Server host, ready for clustering.

import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as digitalocean from "@pulumi/digitalocean";
import * as tls from "@pulumi/tls";
import { HostArgs, SshConnectionArgs } from "./host";
import { profileFor } from "./profiles";
import { remoteStep } from "./remoteStep";
import { GluuSetupSettings, baseScript, cloudInitUserData, gluuPackageScript, gluuSetupScript, readyScript, setupProperties } from "./render/node";
import { ArgsError, hostKeyProblems, isAddress, isHostName, isPort, known, versionProblems } from "./validation";

export interface GluuNodeArgs {
    /** Gluu version: `3.1.6` (default) or `4.5`. Unknown versions are rejected. */
    version?: pulumi.Input<string>;
    /**
     * The cluster's one source of truth for setup.py (host name = the load balancer's FQDN, salt, inums,
     * org fields, passwords). Identical for every node; only the node's `ip` is added. Secret.
     */
    setup: pulumi.Input<GluuSetupSettings>;

    // --- a new DigitalOcean droplet (default) ---
    /** Droplet region slug, e.g. `fra1`. Required for droplets. */
    region?: pulumi.Input<string>;
    /** Droplet size slug. Defaults to `s-4vcpu-8gb` (Gluu needs ≥ 8 GB RAM). Changing it resizes, never reinstalls. */
    dropletSize?: pulumi.Input<string>;
    /** Droplet image slug or custom image ID. Required for droplets (see the README for which image fits which version). */
    dropletImage?: pulumi.Input<string>;
    /** VPC the droplet joins (its private address is used between members). */
    vpcUuid?: pulumi.Input<string>;
    /** Droplet tags (the cluster's firewall selects members by tag). Defaults to none. */
    tags?: pulumi.Input<pulumi.Input<string>[]>;
    /** DigitalOcean SSH key IDs or fingerprints allowed to log in. Required for droplets. */
    sshKeyFingerprints?: pulumi.Input<pulumi.Input<string>[]>;
    /** DigitalOcean monitoring agent. Defaults to `true`. */
    monitoring?: pulumi.Input<boolean>;
    /** DigitalOcean weekly backups. Defaults to `false`. */
    backups?: pulumi.Input<boolean>;
    /** Extra cloud-config, merged after the library's own (it may add, never replace, the host key). */
    userData?: pulumi.Input<string>;

    // --- an existing host (set `existingAddress`) ---
    /** Address of an existing host to adopt instead of creating a droplet. */
    existingAddress?: pulumi.Input<string>;
    /** Its private address for cluster traffic. Defaults to `existingAddress`. */
    existingPrivateAddress?: pulumi.Input<string>;
    /** Its SSH host key (`ssh-ed25519 AAAA…`); required for existing hosts (`ssh-keyscan -t ed25519 <address>`). */
    hostKey?: pulumi.Input<string>;

    // --- SSH login ---
    /** Login user: `root` or a user with password-less sudo. Defaults to `root`. */
    sshUser?: pulumi.Input<string>;
    /** SSH port. Defaults to `22`. */
    sshPort?: pulumi.Input<number>;
    /** Private key for the login (secret). One of `sshPrivateKey` or `sshAgentSocketPath` is required. */
    sshPrivateKey?: pulumi.Input<string>;
    /** ssh-agent socket to log in with instead of a key. */
    sshAgentSocketPath?: pulumi.Input<string>;

    // --- packages ---
    /** Gluu repository user (4.5 needs support-contract credentials). */
    repoUser?: pulumi.Input<string>;
    /** Gluu repository password (secret; 4.5). */
    repoPassword?: pulumi.Input<string>;
    /** Keep the clock synchronised. Defaults to `true`. */
    timeSync?: pulumi.Input<boolean>;
}

/** Checks GluuNode Args that are known now; every problem named by field. Exported for tests. */
export function validateGluuNodeArgs(name: string, args: GluuNodeArgs): string[] {
    const problems: string[] = [];
    if (!isHostName(name)) {
        problems.push(`the node name ${JSON.stringify(name)} must be a lower-case host name (letters, digits, '-'), e.g. \`gluu-1\``);
    }
    if (known(args.version)) {
        problems.push(...versionProblems("version", args.version));
    }
    const existing = args.existingAddress !== undefined;
    if (existing) {
        for (const f of ["region", "dropletSize", "dropletImage", "vpcUuid", "sshKeyFingerprints", "userData"] as const) {
            if (args[f] !== undefined) {
                problems.push(`\`${f}\` is for new droplets; remove it or remove \`existingAddress\` to create a droplet`);
            }
        }
        if (known(args.existingAddress) && !isAddress(args.existingAddress)) {
            problems.push(`\`existingAddress\` ${JSON.stringify(args.existingAddress)} is not an IPv4 address or host name`);
        }
        if (known(args.existingPrivateAddress) && !isAddress(args.existingPrivateAddress)) {
            problems.push(`\`existingPrivateAddress\` ${JSON.stringify(args.existingPrivateAddress)} is not an IPv4 address or host name`);
        }
        if (args.hostKey === undefined || known(args.hostKey)) {
            problems.push(...hostKeyProblems("hostKey", args.hostKey, args.existingAddress));
        }
    } else {
        if (args.hostKey !== undefined) {
            problems.push("`hostKey` is for existing hosts; a droplet's host key is generated and pinned by the library");
        }
        if (args.region === undefined) {
            problems.push("`region` is required for a droplet (e.g. `fra1`), or set `existingAddress` to adopt a host");
        }
        if (args.dropletImage === undefined) {
            problems.push("`dropletImage` is required for a droplet: an Ubuntu image the Gluu version supports (see the README)");
        }
        if (args.sshKeyFingerprints === undefined) {
            problems.push("`sshKeyFingerprints` is required for a droplet: the DigitalOcean key(s) matching `sshPrivateKey`");
        }
    }
    if (args.sshPrivateKey === undefined && args.sshAgentSocketPath === undefined) {
        problems.push("one of `sshPrivateKey` or `sshAgentSocketPath` is required to log in");
    }
    if (known(args.sshPort) && !isPort(args.sshPort)) {
        problems.push(`\`sshPort\` must be an integer 1–65535, got ${JSON.stringify(args.sshPort)}`);
    }
    return problems;
}

/** One Gluu Server host: a droplet or an existing server, its base setup and an unattended Gluu install. */
export class GluuNode extends pulumi.ComponentResource {
    /** Public IPv4 (or the existing host's address). */
    public readonly publicIp!: pulumi.Output<string>;
    /** Private IPv4 used between cluster members. */
    public readonly privateIp!: pulumi.Output<string>;
    /** The SSH host key every connection pins. */
    public readonly hostKey!: pulumi.Output<string>;
    /** The droplet, when one was created. */
    public readonly droplet?: digitalocean.Droplet;
    /** The host with its base setup done: for steps that need only the operating system. */
    public readonly host!: HostArgs;
    /** The host with Gluu installed: for steps that work on the Gluu container. */
    public readonly installedHost!: HostArgs;
    /** The setup.py step. */
    public readonly install!: command.remote.Command;

    constructor(name: string, args: GluuNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gluu:index:GluuNode", name, {}, opts);
        if (opts?.urn) {
            return; // rehydrating: children exist already
        }
        const problems = validateGluuNodeArgs(name, args);
        if (problems.length > 0) {
            throw new ArgsError(`GluuNode \`${name}\``, problems);
        }
        const version = pulumi.output(args.version ?? "3.1.6");
        const profile = version.apply((v) => profileFor(v));

        let publicIp: pulumi.Output<string>;
        let privateIp: pulumi.Output<string>;
        let hostKey: pulumi.Output<string>;
        const first: pulumi.Resource[] = [];
        if (args.existingAddress !== undefined) {
            publicIp = pulumi.output(args.existingAddress);
            privateIp = pulumi.output(args.existingPrivateAddress ?? args.existingAddress);
            hostKey = pulumi.output(args.hostKey!).apply((k) => k.trim());
        } else {
            // The host key is made here and installed by cloud-init, so even the first connection checks it.
            const key = new tls.PrivateKey(`${name}-host-key`, { algorithm: "ED25519" }, { parent: this });
            hostKey = key.publicKeyOpenssh.apply((k) => k.trim());
            const userData = pulumi
                .all([key.privateKeyOpenssh, key.publicKeyOpenssh, args.userData])
                .apply(([priv, pub, extra]) => cloudInitUserData({ hostKeyPrivateOpenssh: priv, hostKeyPublicOpenssh: pub, extraCloudConfig: extra }));
            const droplet = new digitalocean.Droplet(
                `${name}-droplet`,
                {
                    name,
                    image: args.dropletImage!,
                    size: args.dropletSize ?? "s-4vcpu-8gb",
                    region: args.region!,
                    vpcUuid: args.vpcUuid,
                    tags: args.tags,
                    sshKeys: args.sshKeyFingerprints,
                    monitoring: args.monitoring ?? true,
                    backups: args.backups ?? false,
                    userData: pulumi.secret(userData),
                },
                { parent: this },
            );
            this.droplet = droplet;
            first.push(droplet);
            publicIp = droplet.ipv4Address;
            privateIp = droplet.ipv4AddressPrivate;
        }
        const ssh: SshConnectionArgs = {
            host: publicIp,
            port: args.sshPort,
            user: args.sshUser,
            privateKey: args.sshPrivateKey,
            agentSocketPath: args.sshAgentSocketPath,
            hostKey,
            // A fresh droplet takes a while to answer: keep dialling for about ten minutes.
            ...(this.droplet ? { dialErrorLimit: 40, perDialTimeout: 15 } : {}),
        };
        const bare: HostArgs = { name, publicAddress: publicIp, privateAddress: privateIp, ssh };

        const ready = remoteStep(`${name}-ready`, { host: bare, create: readyScript(name), dependsOn: first, parent: this });
        const base = remoteStep(`${name}-base`, {
            host: bare,
            create: pulumi.output(args.timeSync ?? true).apply((timeSync) => baseScript({ hostName: name, timeSync })),
            dependsOn: [ready],
            parent: this,
        });
        // Repository credentials travel on stdin, only for versions whose repository needs them.
        const needsCredentials = known(args.version) ? profileFor(args.version).repoNeedsCredentials : true;
        const credentials = pulumi.all([profile, args.repoUser, args.repoPassword]).apply(([p, u, pw]) => {
            if (p.repoNeedsCredentials && (!u || !pw)) {
                throw new pulumi.ResourceError(
                    `Gluu ${p.version} needs repository credentials: set \`repoUser\` and \`repoPassword\` (gluu:repoUser, gluu:repoPassword)`,
                    this,
                );
            }
            return p.repoNeedsCredentials ? `${u}\n${pw}\n` : "";
        });
        const pkg = remoteStep(`${name}-gluu-package`, {
            host: bare,
            create: profile.apply((p) => gluuPackageScript(p, name)),
            secretStdin: needsCredentials ? credentials : undefined,
            dependsOn: [base],
            parent: this,
        });
        const install = remoteStep(`${name}-install`, {
            host: bare,
            create: profile.apply((p) => gluuSetupScript(p, name)),
            secretStdin: pulumi.all([profile, args.setup, privateIp]).apply(([p, s, ip]) => setupProperties(p, s as GluuSetupSettings, ip)),
            dependsOn: [pkg],
            parent: this,
        });

        this.publicIp = publicIp;
        this.privateIp = privateIp;
        this.hostKey = hostKey;
        this.install = install;
        this.host = { ...bare, readyAfter: [base] };
        this.installedHost = { ...bare, readyAfter: [install] };
        this.registerOutputs({ publicIp, privateIp, hostKey });
    }
}
