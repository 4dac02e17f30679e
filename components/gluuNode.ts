// GluuNode: one Gluu Server host, ready for clustering.

import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as digitalocean from "@pulumi/digitalocean";
import { HostArgs } from "./host";
import { MachineArgs, machineProblems, provisionMachine } from "./machine";
import { profileFor } from "./profiles";
import { remoteStep } from "./remoteStep";
import { GluuSetupSettings, gluuPackageScript, gluuSetupScript, setupProperties, setupSettingsProblems } from "./render/node";
import { ArgsError, known, versionProblems } from "./validation";

export interface GluuNodeArgs extends MachineArgs {
    /** Gluu version: `3.1.6` (default) or `4.5`. Unknown versions are rejected. */
    version?: pulumi.Input<string>;
    /**
     * The cluster's one source of truth for setup.py (host name = the load balancer's FQDN, salt, inums,
     * org fields, passwords). Identical for every node; only the node's `ip` is added. Secret.
     */
    setup: pulumi.Input<GluuSetupSettings>;
    /** Gluu repository user (4.5 needs support-contract credentials). */
    repoUser?: pulumi.Input<string>;
    /** Gluu repository password (secret; 4.5). */
    repoPassword?: pulumi.Input<string>;
}

/** Checks GluuNode Args that are known now; every problem named by field. Exported for tests. */
export function validateGluuNodeArgs(name: string, args: GluuNodeArgs): string[] {
    const problems = machineProblems(name, args);
    if (known(args.version)) {
        problems.push(...versionProblems("version", args.version));
    }
    // setup.py's properties format differs by version (render/node.ts setupSettingsProblems): refuse values it
    // cannot carry before anything is created, when the settings are known now (else setupProperties refuses).
    const version = args.version === undefined ? "3.1.6" : args.version;
    if (known(version) && known(args.setup) && versionProblems("version", version).length === 0) {
        problems.push(...setupSettingsProblems(profileFor(version), args.setup).map((p) => `setup: ${p}`));
    }
    return problems;
}

const nodeHosts = new WeakMap<object, { host: HostArgs; installedHost: HostArgs }>();

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
    /** The base setup step (packages, time sync): what `readyAfter` of a host needs for OS-level steps. */
    public readonly base!: command.remote.Command;
    /** The setup.py step. */
    public readonly install!: command.remote.Command;

    // `host` and `installedHost` carry the SSH private key: getters over `nodeHosts`, not fields, so a component
    // package never publishes them as outputs (@pulumi/pulumi@3.248.0 provider/experimental/analyzer.js takes every
    // member with SymbolFlags.Property as an output; accessors are not). Other languages build HostArgs themselves
    // from `publicIp`, `privateIp`, `hostKey` and their own key, with `base` or `install` as `readyAfter`.

    /** The host with its base setup done: for steps that need only the operating system. (TypeScript only.) */
    public get host(): HostArgs {
        return nodeHosts.get(this)!.host;
    }
    /** The host with Gluu installed: for steps that work on the Gluu container. (TypeScript only.) */
    public get installedHost(): HostArgs {
        return nodeHosts.get(this)!.installedHost;
    }

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

        const machine = provisionMachine(name, args, this, "s-4vcpu-8gb");
        const { publicIp, privateIp, hostKey, bare, base } = machine;
        this.droplet = machine.droplet;

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
        this.base = base;
        nodeHosts.set(this, { host: { ...bare, readyAfter: [base] }, installedHost: { ...bare, readyAfter: [install] } });
        this.registerOutputs({ publicIp, privateIp, hostKey });
    }
}
