// OpenDjReplication: multi-master replication of o=gluu and o=site between the Gluu nodes' OpenDJ servers.
// Prep on every node; joins from the primary one after another (OpenDJ serializes topology changes); one
// status-driven initialization pushed from the primary; encrypted replication and the primary's keystore on
// every member; `dsreplication status` as an output. The topology follows the member list: a member that is
// removed (or a replaced node's old address) is taken out of replication by the primary before its host goes.

import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as random from "@pulumi/random";
import { HostArgs } from "./host";
import { profileFor } from "./profiles";
import { remoteStep } from "./remoteStep";
import {
    ReplicationStatusRow,
    cryptoManagerScript,
    opendjKeystoreExportScript,
    opendjKeystoreImportScript,
    opendjPrepScript,
    parseReplicationStatus,
    replicationInitScript,
    replicationJoinScript,
    replicationJoinStdin,
    replicationPruneScript,
    replicationStatusScript,
    secretLine,
} from "./render/opendj";
import { ArgsError, isPort, known, versionProblems } from "./validation";

export interface OpenDjReplicationArgs {
    /** The Gluu nodes with Gluu installed, at least two; the first is the primary, whose data the others receive. */
    nodes: HostArgs[];
    /** Gluu version of the nodes: `3.1.6` (default) or `4.5`. */
    version?: pulumi.Input<string>;
    /** Directory Manager password, the same on every node (secret). */
    directoryManagerPassword: pulumi.Input<string>;
    /** Password of the global replication administrator the first join creates (secret). Defaults to a generated one. */
    replicationAdminPassword?: pulumi.Input<string>;
    /** Base DNs to replicate. Defaults to `["o=gluu", "o=site"]`. */
    baseDns?: string[];
    /** OpenDJ administration connector port. Defaults to `4444`. */
    adminPort?: number;
    /** Replication port. Defaults to `8989`. */
    replicationPort?: number;
}

/** Checks OpenDjReplication Args that are known now. Exported for tests. */
export function validateOpenDjReplicationArgs(args: OpenDjReplicationArgs): string[] {
    const problems: string[] = [];
    if (args.nodes.length < 2) {
        problems.push(`\`nodes\` must list at least 2 Gluu nodes to replicate between, got ${args.nodes.length}`);
    }
    const names = args.nodes.map((n) => n.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) {
        problems.push(`\`nodes\` lists ${JSON.stringify(dup)} twice; each node joins once`);
    }
    if (known(args.version)) {
        problems.push(...versionProblems("version", args.version));
    }
    for (const [field, v] of [["adminPort", args.adminPort], ["replicationPort", args.replicationPort]] as const) {
        if (v !== undefined && !isPort(v)) {
            problems.push(`\`${field}\` must be an integer 1–65535, got ${JSON.stringify(v)}`);
        }
    }
    if (args.baseDns !== undefined && args.baseDns.length === 0) {
        problems.push("`baseDns` must list at least one base DN (default `o=gluu`, `o=site`)");
    }
    return problems;
}

/** OpenDJ multi-master replication across the Gluu nodes (`gluu:index:OpenDjReplication`). */
export class OpenDjReplication extends pulumi.ComponentResource {
    /** Parsed `dsreplication status` from the primary after the last change: entries and missing changes per server and base DN. */
    public readonly status!: pulumi.Output<ReplicationStatusRow[]>;
    /** The replication administrator's password (secret). */
    public readonly replicationAdminPassword!: pulumi.Output<string>;
    /** Per node, in `nodes` order: the step after which that node's OpenDJ is replicated, encrypted and holds the primary's keys. */
    public readonly nodeReady: command.remote.Command[] = [];
    /** The primary's initialization step (data is everywhere after it). */
    public readonly initialized!: command.remote.Command;

    constructor(name: string, args: OpenDjReplicationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gluu:index:OpenDjReplication", name, {}, opts);
        if (opts?.urn) {
            return;
        }
        const problems = validateOpenDjReplicationArgs(args);
        if (problems.length > 0) {
            throw new ArgsError(`OpenDjReplication \`${name}\``, problems);
        }
        const profile = pulumi.output(args.version ?? "3.1.6").apply((v) => profileFor(v));
        const dmPassword = pulumi.secret(args.directoryManagerPassword);
        const adminPassword = pulumi.secret(
            args.replicationAdminPassword ??
                new random.RandomPassword(`${name}-admin-password`, { length: 24, special: false }, { parent: this }).result,
        );
        const common = { baseDns: args.baseDns, adminPort: args.adminPort, replicationPort: args.replicationPort };
        const adminPort = args.adminPort;
        const [primary, ...members] = args.nodes;
        const memberAddresses = pulumi.all(members.map((m) => m.privateAddress));
        const dmStdin = dmPassword.apply((pw) => secretLine("directoryManagerPassword", pw));
        const adminStdin = adminPassword.apply((pw) => secretLine("replicationAdminPassword", pw));

        // Every node: java.properties and listeners; independent, so all in parallel after each install.
        const prep = args.nodes.map((node) =>
            remoteStep(`${node.name}-opendj-prep`, {
                host: node,
                create: profile.apply((p) => opendjPrepScript(p, { adminPort })),
                secretStdin: dmStdin,
                dependsOn: [],
                parent: this,
            }),
        );

        // The topology follows the member list: servers that are no longer members (scaled in, or a replaced
        // node's old address) are removed first. A join has no delete of its own: deleting it would disable a
        // node that merely became the primary.
        const prune = remoteStep(`${primary.name}-repl-prune`, {
            host: primary,
            create: pulumi
                .all([profile, primary.privateAddress, memberAddresses])
                .apply(([p, primaryAddress, addresses]) => replicationPruneScript({ profile: p, primaryAddress, members: addresses, ...common })),
            secretStdin: adminStdin,
            dependsOn: [prep[0]],
            parent: this,
        });

        // Joins run on the primary one after another (OpenDJ serializes topology changes).
        let previous: command.remote.Command = prune;
        const joins = members.map((member, i) => {
            const options = pulumi.all([profile, primary.privateAddress, member.privateAddress]).apply(([p, primaryAddress, memberAddress]) => ({
                profile: p,
                primaryAddress,
                memberAddress,
                ...common,
            }));
            const join = remoteStep(`${member.name}-repl-join`, {
                host: primary,
                create: options.apply(replicationJoinScript),
                secretStdin: pulumi.all([dmPassword, adminPassword]).apply(([dm, admin]) => replicationJoinStdin(dm, admin)),
                dependsOn: [prep[0], prep[i + 1], previous],
                parent: this,
            });
            previous = join;
            return join;
        });

        // One push from the primary, only to members that need it (status-driven; refuses from an empty primary).
        const init = remoteStep(`${primary.name}-repl-init`, {
            host: primary,
            create: pulumi
                .all([profile, primary.privateAddress, memberAddresses])
                .apply(([p, primaryAddress, addresses]) => replicationInitScript({ profile: p, primaryAddress, members: addresses, ...common })),
            secretStdin: adminStdin,
            dependsOn: joins,
            parent: this,
        });

        // Encrypted replication traffic, per node. It waits for the joins that configure that server (the
        // primary takes part in every one), so no two configuration changes hit one OpenDJ at once; the key
        // import waits for initialization anyway, so this adds nothing to the critical path.
        const crypto = args.nodes.map((node, i) =>
            remoteStep(`${node.name}-opendj-crypto`, {
                host: node,
                create: profile.apply((p) => cryptoManagerScript(p, { adminPort })),
                secretStdin: dmStdin,
                dependsOn: [prep[i], i === 0 ? previous : joins[i - 1]],
                parent: this,
            }),
        );

        // The primary's keystore to every member (the LDAP data now references the primary's certificate).
        // Importing restarts OpenDJ, so it waits until initialization is over.
        const exportKeys = remoteStep(`${primary.name}-opendj-keys-export`, {
            host: primary,
            create: profile.apply(opendjKeystoreExportScript),
            secretOutput: true,
            dependsOn: [prep[0]],
            parent: this,
        });
        this.nodeReady.push(crypto[0]);
        members.forEach((member, i) => {
            const importKeys = remoteStep(`${member.name}-opendj-keys`, {
                host: member,
                create: profile.apply((p) => opendjKeystoreImportScript(p, { adminPort })),
                secretStdin: exportKeys.stdout,
                dependsOn: [exportKeys, init, crypto[i + 1]],
                parent: this,
            });
            this.nodeReady.push(importKeys);
        });

        const status = remoteStep(`${primary.name}-repl-status`, {
            host: primary,
            create: pulumi
                .all([profile, primary.privateAddress, memberAddresses])
                .apply(([p, address, addresses]) => replicationStatusScript(p, address, { adminPort, members: addresses })),
            secretStdin: adminStdin,
            dependsOn: [init, ...this.nodeReady],
            parent: this,
        });

        this.initialized = init;
        this.replicationAdminPassword = adminPassword;
        // The status table holds no secret; its stdout is marked secret only because the step reads one.
        this.status = pulumi.unsecret(status.stdout).apply(parseReplicationStatus);
        this.registerOutputs({ status: this.status, replicationAdminPassword: this.replicationAdminPassword });
    }
}
