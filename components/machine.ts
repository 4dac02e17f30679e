// A machine the cluster runs on: a new DigitalOcean droplet or an existing server, reachable over SSH with a
// pinned host key, booted and given its base setup. GluuNode and ServiceHost (cache, load balancer) share it.

import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as digitalocean from "@pulumi/digitalocean";
import * as tls from "@pulumi/tls";
import { HostArgs, SshConnectionArgs } from "./host";
import { remoteStep } from "./remoteStep";
import { baseScript, cloudInitUserData, readyScript } from "./render/node";
import { retireArmedScript, retireScript } from "./render/retire";
import { extraUserDataProblems, hostKeyProblems, isAddress, isHostName, isPort, known } from "./validation";

/** Where a machine comes from and how to log in. Flat: every field is a scalar Input or a list of them. */
export interface MachineArgs {
    // --- a new DigitalOcean droplet (default) ---
    /** Droplet region slug, e.g. `fra1`. Required for droplets. */
    region?: pulumi.Input<string>;
    /**
     * Droplet size slug. Defaults to `s-4vcpu-8gb` for Gluu nodes (Gluu needs ≥ 8 GB RAM) and `s-1vcpu-2gb` for
     * the cache and load-balancer hosts. Changing it resizes, never reinstalls.
     */
    dropletSize?: pulumi.Input<string>;
    /** Droplet image slug or custom image ID. Required for droplets (see the README for which image fits which version). */
    dropletImage?: pulumi.Input<string>;
    /** VPC the droplet joins (its private address is used between cluster hosts). Defaults to the region's default VPC. */
    vpcUuid?: pulumi.Input<string>;
    /** Droplet tags (the cluster's firewalls select hosts by tag). Defaults to none. */
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
    /** Keep the clock synchronised (TLS, replication and tokens all need it). Defaults to `true`. */
    timeSync?: pulumi.Input<boolean>;
    /** `protect` the droplet: Pulumi refuses to delete or replace it until unprotected. Defaults to `false`. */
    protectDroplet?: boolean;
    /** Keep the droplet in DigitalOcean when it leaves the stack (`retainOnDelete`). Defaults to `false`. */
    retainDroplet?: boolean;
    /**
     * Let the next `up` rebuild the droplet from the current `dropletImage`, `userData`, `sshKeyFingerprints` and
     * `monitoring` (a new droplet: its disk is lost). Without it those are only read at creation: the engine keeps
     * their old values even on `pulumi up --replace`. Defaults to `false`.
     */
    rebuild?: boolean;
}

/**
 * Droplet inputs DigitalOcean only reads at creation; each forces a replacement
 * (digitalocean/terraform-provider-digitalocean@v2.99.1:digitalocean/droplet/resource_droplet.go, `ForceNew: true`
 * on image, user_data, ssh_keys, monitoring). Ignored unless `rebuild`: a newer image slug, edited user data,
 * another login key or the monitoring switch must not silently rebuild a node with its data. The engine applies
 * ignoreChanges before Diff, and also to the inputs of a `--replace` (pulumi/pulumi@v3.248.0:
 * pkg/resource/deploy/step_generator.go, processIgnoreChanges), so only dropping them from the list rebuilds.
 */
export const CREATION_ONLY_DROPLET_INPUTS = ["image", "userData", "sshKeys", "monitoring"];

/**
 * The SSH dial budget of a fresh droplet: pulumi-command retries a failed dial `dialErrorLimit` times through
 * pulumi's retry.Until, waiting 100 ms × 1.5ⁿ, at most 5 s, between dials
 * (pulumi/pulumi-command@v1.2.1:provider/pkg/provider/remote/connection.go dialWithRetry;
 * pulumi/pulumi@v3.224.0:sdk/go/common/util/retry/until.go DefaultDelay/DefaultBackoff/DefaultMaxDelay, the SDK
 * version pulumi-command v1.2.1's go.mod pins). 130 refused dials wait about ten minutes; dials that time out
 * (`perDialTimeout` 15 s each) stretch it further.
 */
export const DROPLET_DIAL = { dialErrorLimit: 130, perDialTimeout: 15 };

/** Seconds spent waiting between dials before the provider gives up, when every dial is refused at once. */
export function dialWaitSeconds(dialErrorLimit: number): number {
    let wait = 0;
    let delay = 0.1;
    // dials = tries + 1 and the provider stops when dials > dialErrorLimit: dialErrorLimit waits in between.
    for (let i = 0; i < dialErrorLimit; i++) {
        wait += Math.min(delay, 5);
        delay *= 1.5;
    }
    return wait;
}

/** Problems with the machine fields of some Args; every problem named by field. */
export function machineProblems(name: string, args: MachineArgs): string[] {
    const problems: string[] = [];
    if (!isHostName(name)) {
        problems.push(`the host name ${JSON.stringify(name)} must be a lower-case host name (letters, digits, '-'), e.g. \`gluu-1\``);
    }
    if (args.existingAddress !== undefined) {
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
            problems.push("`dropletImage` is required for a droplet: an Ubuntu image (see the README)");
        }
        if (args.sshKeyFingerprints === undefined) {
            problems.push("`sshKeyFingerprints` is required for a droplet: the DigitalOcean key(s) matching `sshPrivateKey`");
        }
        if (known(args.userData)) {
            problems.push(...extraUserDataProblems(args.userData).map((p) => `\`userData\` ${p}`));
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

/** What `provisionMachine` made. */
export interface Machine {
    publicIp: pulumi.Output<string>;
    privateIp: pulumi.Output<string>;
    hostKey: pulumi.Output<string>;
    droplet?: digitalocean.Droplet;
    /** The host before its base setup (for the base steps themselves). */
    bare: HostArgs;
    /** First boot finished. */
    ready: command.remote.Command;
    /** Base setup (packages, time sync) done; the host keeps its own host name (csync2 and stunnel use `-N`/certificate names). */
    base: command.remote.Command;
    /** With `retainDroplet`: the step whose delete retires the kept droplet when it leaves the stack or is replaced. */
    retire?: command.remote.Command;
}

/**
 * Create (or adopt) the machine `name` as children of `parent`: `<name>-host-key` and `<name>-droplet` for
 * droplets, then the `<name>-ready` and `<name>-base` steps. Validate with `machineProblems` first.
 */
export function provisionMachine(name: string, args: MachineArgs, parent: pulumi.Resource, defaultSize: string): Machine {
    let publicIp: pulumi.Output<string>;
    let privateIp: pulumi.Output<string>;
    let hostKey: pulumi.Output<string>;
    let droplet: digitalocean.Droplet | undefined;
    if (args.existingAddress !== undefined) {
        publicIp = pulumi.output(args.existingAddress);
        privateIp = pulumi.output(args.existingPrivateAddress ?? args.existingAddress);
        hostKey = pulumi.output(args.hostKey!).apply((k) => k.trim());
    } else {
        // The host key is made here and installed by cloud-init, so even the first connection checks it.
        const key = new tls.PrivateKey(`${name}-host-key`, { algorithm: "ED25519" }, { parent });
        hostKey = key.publicKeyOpenssh.apply((k) => k.trim());
        const userData = pulumi
            .all([key.privateKeyOpenssh, key.publicKeyOpenssh, args.userData])
            .apply(([priv, pub, extra]) => cloudInitUserData({ hostKeyPrivateOpenssh: priv, hostKeyPublicOpenssh: pub, extraCloudConfig: extra }));
        droplet = new digitalocean.Droplet(
            `${name}-droplet`,
            {
                name,
                image: args.dropletImage!,
                size: args.dropletSize ?? defaultSize,
                region: args.region!,
                vpcUuid: args.vpcUuid,
                tags: args.tags,
                sshKeys: args.sshKeyFingerprints,
                monitoring: args.monitoring ?? true,
                backups: args.backups ?? false,
                userData: pulumi.secret(userData),
            },
            {
                parent,
                protect: args.protectDroplet ?? false,
                retainOnDelete: args.retainDroplet ?? false,
                ignoreChanges: args.rebuild ? [] : CREATION_ONLY_DROPLET_INPUTS,
            },
        );
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
        ...(droplet ? DROPLET_DIAL : {}),
    };
    const bare: HostArgs = { name, publicAddress: publicIp, privateAddress: privateIp, ssh };
    const ready = remoteStep(`${name}-ready`, { host: bare, create: readyScript(name), dependsOn: droplet ? [droplet] : [], parent });
    const base = remoteStep(`${name}-base`, {
        host: bare,
        create: pulumi.output(args.timeSync ?? true).apply((timeSync) => baseScript({ hostName: name, timeSync })),
        dependsOn: [ready],
        parent,
    });
    // A kept droplet leaves the cluster for real: the retire step's delete runs on it when the machine leaves the
    // stack (scale-in, destroy) or when its droplet is replaced (the trigger), with its last connection.
    const retire =
        droplet && args.retainDroplet
            ? remoteStep(`${name}-retire`, {
                  host: bare,
                  create: "echo retire-on-delete armed\n",
                  delete: retireScript(name),
                  triggers: [droplet.id],
                  dependsOn: [base],
                  parent,
              })
            : undefined;
    return { publicIp, privateIp, hostKey, droplet, bare, ready, base, retire };
}
