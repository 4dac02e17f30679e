// Csync2Mesh: the Gluu configuration directories kept equal on every node by csync2, carried between hosts
// over stunnel with certificates from the cluster CA (csync2's own TLS is broken against current GnuTLS,
// LINBIT/csync2#38). The seed's `csync2 -fr /` on every node is replaced by one forced push from the primary.

import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as random from "@pulumi/random";
import { issueCertificate } from "./clusterCa";
import { HostArgs } from "./host";
import { profileFor } from "./profiles";
import { remoteStep } from "./remoteStep";
import {
    csync2Cfg,
    csync2CronScript,
    csync2Excludes,
    csync2Includes,
    csync2InitialSyncScript,
    csync2KeyFile,
    csync2SetupScript,
    csync2TransportScript,
} from "./render/csync2";
import { ArgsError, known, versionProblems } from "./validation";

export interface Csync2MeshArgs {
    /** The Gluu nodes (their base setup done), at least two; the first is the primary, whose files win the first sync. */
    nodes: HostArgs[];
    /** Gluu version of the nodes (which directories exist): `3.1.6` (default) or `4.5`. */
    version?: pulumi.Input<string>;
    /** PEM certificate of the cluster CA that signs each node's tunnel certificate (server and client, name = node name). */
    caCertPem: pulumi.Input<string>;
    /** PEM private key of that CA (secret; `ClusterCa.privateKeyPem`). Leaf keys are made here, one per node. */
    caPrivateKeyPem: pulumi.Input<string>;
    /** The csync2 pre-shared key (secret): one line of ≥ 32 characters from `A-Za-z0-9._`. Defaults to a generated 64-character one. */
    key?: pulumi.Input<string>;
    /** Steps that must finish before the first sync, e.g. every node's Gluu install (the directories must exist). Defaults to none. */
    initialSyncAfter?: command.remote.Command[];
    /** Minutes between the cron runs of `csync2 -x` on each node, staggered by node index (1–59). Defaults to `2`. */
    intervalMinutes?: number;
    /** Paths to replicate (host paths). Defaults to the seed's Gluu directories under the container root. */
    includes?: string[];
    /** Paths never replicated. Defaults to the node-specific files (LDAP properties, salt, log rotation) and dot files. */
    excludes?: string[];
}

/** Checks Csync2Mesh Args that are known now. Exported for tests. */
export function validateCsync2MeshArgs(args: Csync2MeshArgs): string[] {
    const problems: string[] = [];
    if (args.nodes.length < 2) {
        problems.push(`\`nodes\` must list at least 2 hosts to synchronise, got ${args.nodes.length}`);
    }
    const names = args.nodes.map((n) => n.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) {
        problems.push(`\`nodes\` lists ${JSON.stringify(dup)} twice; csync2 names must be unique`);
    }
    if (known(args.version)) {
        problems.push(...versionProblems("version", args.version));
    }
    const interval = args.intervalMinutes;
    if (interval !== undefined && (!Number.isInteger(interval) || interval < 1 || interval > 59)) {
        problems.push(`\`intervalMinutes\` must be an integer 1–59, got ${JSON.stringify(interval)}`);
    }
    if (known(args.key) && !/^[A-Za-z0-9._]{32,1000}$/.test(args.key)) {
        problems.push("`key` must be one line of at least 32 characters from A-Z a-z 0-9 . _ (what `csync2 -k` makes)");
    }
    if (args.includes !== undefined && args.includes.length === 0) {
        problems.push("`includes` must list at least one path (or leave it unset for the Gluu directories)");
    }
    return problems;
}

/** csync2 between the Gluu nodes over mutually authenticated stunnel (`gluu:index:Csync2Mesh`). */
export class Csync2Mesh extends pulumi.ComponentResource {
    /** The csync2 key (secret). */
    public readonly key!: pulumi.Output<string>;
    /** Per node, in `nodes` order: its first sync (after which its files match the primary's). */
    public readonly synced: command.remote.Command[] = [];
    /** The csync2.cfg every node holds. */
    public readonly config!: pulumi.Output<string>;

    constructor(name: string, args: Csync2MeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gluu:index:Csync2Mesh", name, {}, opts);
        if (opts?.urn) {
            return;
        }
        const problems = validateCsync2MeshArgs(args);
        if (problems.length > 0) {
            throw new ArgsError(`Csync2Mesh \`${name}\``, problems);
        }
        const ca = { certPem: args.caCertPem, privateKeyPem: args.caPrivateKeyPem };
        const profile = pulumi.output(args.version ?? "3.1.6").apply((v) => profileFor(v));
        const key = pulumi.secret(args.key ?? new random.RandomPassword(`${name}-key`, { length: 64, special: false }, { parent: this }).result);
        const hosts = args.nodes.map((n) => n.name);
        const paths = profile.apply((p) => ({ includes: args.includes ?? csync2Includes(p), excludes: args.excludes ?? csync2Excludes(p) }));
        const meshNodes = pulumi.all(args.nodes.map((n) => n.privateAddress)).apply((addresses) => args.nodes.map((n, i) => ({ name: n.name, address: addresses[i] })));

        const transports = args.nodes.map((node) => {
            const setup = remoteStep(`${node.name}-csync2`, {
                host: node,
                create: paths.apply((p) => csync2SetupScript({ name: node.name, hosts, includes: p.includes, excludes: p.excludes })),
                secretStdin: key.apply(csync2KeyFile),
                dependsOn: [],
                parent: this,
            });
            // The node's tunnel certificate: its name for checkHost, its address for the listener; key to it alone.
            const cert = issueCertificate(`${node.name}-csync2-tunnel`, ca, { commonName: node.name, ipAddresses: [node.privateAddress], server: true, client: true }, this);
            return remoteStep(`${node.name}-csync2-transport`, {
                host: node,
                create: pulumi
                    .all([meshNodes, cert.certPem, args.caCertPem])
                    .apply(([nodes, certPem, caPem]) => csync2TransportScript({ self: node.name, nodes, certPem, caPem })),
                secretStdin: cert.privateKeyPem,
                dependsOn: [setup],
                parent: this,
            });
        });

        // The primary forces its files onto everyone, then each other node in turn records and pushes its own
        // (one at a time: concurrent pushes into the same peer's csync2 database make it report "locked").
        let previous: command.remote.Command | undefined;
        args.nodes.forEach((node, i) => {
            const sync = remoteStep(i === 0 ? `${node.name}-csync2-first-sync` : `${node.name}-csync2-sync`, {
                host: node,
                create: paths.apply((p) => csync2InitialSyncScript({ name: node.name, primary: i === 0, includes: p.includes, hosts })),
                dependsOn: i === 0 ? [...transports, ...(args.initialSyncAfter ?? [])] : [previous!],
                parent: this,
            });
            previous = sync;
            this.synced.push(sync);
        });
        // Cron only after every first sync: with `auto younger` an early run could let a fresh node's files win.
        args.nodes.forEach((node, i) => {
            remoteStep(`${node.name}-csync2-cron`, {
                host: node,
                create: csync2CronScript({ name: node.name, index: i, intervalMinutes: args.intervalMinutes }),
                dependsOn: [previous!],
                parent: this,
            });
        });

        this.key = key;
        this.config = paths.apply((p) => csync2Cfg({ hosts, includes: p.includes, excludes: p.excludes }));
        this.registerOutputs({ key: this.key, config: this.config });
    }
}
