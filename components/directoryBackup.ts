// DirectoryBackup: scheduled, encrypted, off-cluster backups of the directory (o=gluu, o=site) and of the files a
// node cannot be rebuilt without, on one node; and the deliberate, tested restore onto the primary.
//
// The encryption key pair is made here (@pulumi/tls): only the recipient CERTIFICATE reaches the host; the private
// key stays in the Pulumi state (secret) and the `backupPrivateKeyPem` output, and goes to the primary's host only
// for a restore (stdin, a 0600 file removed afterwards). `openssl cms` to an X.509 recipient rather than age or
// gpg: age is not packaged for Ubuntu 16.04/18.04 or CentOS 7 (Gluu 3.1.6's hosts), a gpg key pair cannot be made
// by a Pulumi provider, and `openssl cms -encrypt -aes256` exists on every supported host.

import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as tls from "@pulumi/tls";
import { HostArgs } from "./host";
import { profileFor } from "./profiles";
import { remoteStep } from "./remoteStep";
import {
    BackupStatus,
    backupEndpointProblems,
    backupInstallScript,
    backupInstallStdin,
    backupRegionProblems,
    backupScheduleProblems,
    backupStatusScript,
    bucketNameProblems,
    integerProblems,
    parseBackupStatus,
    restartAfterRestoreScript,
    restoreFromProblems,
    restoreReinitScript,
    restoreScript,
    restoreStdin,
} from "./render/backup";
import { secretLine } from "./render/opendj";
import { ArgsError, known, versionProblems } from "./validation";

export interface DirectoryBackupArgs {
    /** The node the job runs on: a Gluu node with Gluu installed (the primary by default in GluuCluster). */
    host: HostArgs;
    /** Gluu version of the node: `3.1.6` (default) or `4.5`. */
    version?: pulumi.Input<string>;
    /** Directory Manager password (secret): the export and import tasks bind with it. */
    directoryManagerPassword: pulumi.Input<string>;
    /** When the job runs: `hourly`, `daily`, `weekly`, `HH:MM`, `*-*-* HH:MM`, `Mon,Thu 02:30`. Defaults to `daily`. */
    schedule?: pulumi.Input<string>;
    /** Backups kept on the node (1–100). Defaults to `7`. */
    keepLocal?: pulumi.Input<number>;
    /** Days a backup is kept in the bucket (1–3650). Defaults to `30`. */
    keepDays?: pulumi.Input<number>;
    /** Bucket name (S3 naming rules). Required. */
    bucket: pulumi.Input<string>;
    /** S3 endpoint, e.g. `https://fra1.digitaloceanspaces.com`. Required. */
    endpoint: pulumi.Input<string>;
    /** Signing region, e.g. `fra1` (Spaces) or `us-east-1`. Required. */
    region: pulumi.Input<string>;
    /** Access key id of the bucket (secret). Required. */
    accessKeyId: pulumi.Input<string>;
    /** Secret access key of the bucket (secret). Required. */
    secretAccessKey: pulumi.Input<string>;
    /** Object key prefix, e.g. `gluu/` (empty or ending in `/`). Defaults to none. */
    prefix?: pulumi.Input<string>;
    /** OpenDJ administration connector port. Defaults to `4444`. */
    adminPort?: number;
    /** What the job waits for before it is installed (e.g. the replication's initialization). Defaults to none. */
    after?: command.remote.Command[];
    /** A value whose change re-reads the job's status (`lastBackup`), e.g. the time of the `pulumi up`. Defaults to reading it on install only. */
    statusRefresh?: pulumi.Input<string>;

    /** Name of a backup to restore onto `host` (must be the primary), e.g. `gluu-backup-gluu-1-20260101T000000Z`. The restore runs once per value. Defaults to none. */
    restoreFrom?: pulumi.Input<string>;
    /** A restore refuses backups older than this many days (1–3650) unless `restoreForce`. Defaults to `7`. */
    restoreMaxAgeDays?: pulumi.Input<number>;
    /** Restore even a backup older than `restoreMaxAgeDays`. Defaults to `false`. */
    restoreForce?: pulumi.Input<boolean>;
    /** The other Gluu nodes: re-initialized from `host` and restarted after a restore. Defaults to none. */
    members?: HostArgs[];
    /** The replication administrator's password (secret); required with `members` and `restoreFrom`. */
    replicationAdminPassword?: pulumi.Input<string>;
}

/** Checks DirectoryBackup Args that are known now. Exported for tests. */
export function validateDirectoryBackupArgs(args: DirectoryBackupArgs): string[] {
    const p: string[] = [];
    if (known(args.version)) p.push(...versionProblems("version", args.version));
    if (known(args.schedule)) p.push(...backupScheduleProblems("schedule", args.schedule));
    if (args.keepLocal !== undefined && known(args.keepLocal)) p.push(...integerProblems("keepLocal", args.keepLocal, 1, 100, "backups kept on the node"));
    if (args.keepDays !== undefined && known(args.keepDays)) p.push(...integerProblems("keepDays", args.keepDays, 1, 3650, "days a backup stays in the bucket"));
    if (args.restoreMaxAgeDays !== undefined && known(args.restoreMaxAgeDays)) p.push(...integerProblems("restoreMaxAgeDays", args.restoreMaxAgeDays, 1, 3650, "the oldest backup a restore accepts unforced"));
    if (known(args.bucket)) p.push(...bucketNameProblems("bucket", args.bucket));
    if (known(args.endpoint)) p.push(...backupEndpointProblems("endpoint", args.endpoint));
    if (known(args.region)) p.push(...backupRegionProblems("region", args.region, known(args.endpoint) && /\.digitaloceanspaces\.com$/.test(new URL(args.endpoint, "https://x").hostname)));
    if (known(args.prefix) && !/^([A-Za-z0-9._-]+\/)*$/.test(args.prefix)) p.push(`\`prefix\` must be empty or path segments ending in / (e.g. \`gluu/\`), got ${JSON.stringify(args.prefix)}`);
    if (args.restoreFrom !== undefined && known(args.restoreFrom)) p.push(...restoreFromProblems("restoreFrom", args.restoreFrom));
    if (args.restoreFrom !== undefined && (args.members ?? []).length > 0 && args.replicationAdminPassword === undefined) {
        p.push("`replicationAdminPassword` is required with `members` and `restoreFrom`: the members are re-initialized from the restored node");
    }
    return p;
}

/** Scheduled encrypted backups to S3-compatible storage, and the restore (`gluu:index:DirectoryBackup`). */
export class DirectoryBackup extends pulumi.ComponentResource {
    /** The recipient certificate the archives are encrypted to (PEM; public). */
    public readonly recipientCertificatePem!: pulumi.Output<string>;
    /** The private key that decrypts the archives (PEM, secret): keep a copy outside the stack too. */
    public readonly privateKeyPem!: pulumi.Output<string>;
    /** The job's last success and failure as read from the node (see `statusRefresh`). */
    public readonly lastBackup!: pulumi.Output<BackupStatus>;
    /** The step that installs the job. */
    public readonly install!: command.remote.Command;
    /** The restore step (only with `restoreFrom`). */
    public readonly restore?: command.remote.Command;
    /** The steps after which the restore is complete everywhere (only with `restoreFrom`). */
    public readonly restored: command.remote.Command[] = [];

    constructor(name: string, args: DirectoryBackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gluu:index:DirectoryBackup", name, {}, opts);
        if (opts?.urn) {
            return;
        }
        const problems = validateDirectoryBackupArgs(args);
        if (problems.length > 0) {
            throw new ArgsError(`DirectoryBackup \`${name}\``, problems);
        }
        const profile = pulumi.output(args.version ?? "3.1.6").apply((v) => profileFor(v));
        const dmPassword = pulumi.secret(args.directoryManagerPassword);
        const adminPort = args.adminPort;

        // RSA 4096 recipient: `openssl cms -encrypt` wraps the AES-256 content key with RSA (key transport).
        const key = new tls.PrivateKey(`${name}-key`, { algorithm: "RSA", rsaBits: 4096 }, { parent: this });
        const cert = new tls.SelfSignedCert(
            `${name}-recipient`,
            {
                privateKeyPem: key.privateKeyPem,
                subject: { commonName: `${name} backup recipient`, organization: "gluu-cluster" },
                // The project's leaf-certificate bounds (policy/rules.ts): 825 days, renewed 30 days early. A renewed
                // certificate keeps the key, and the restore decrypts with the key alone (no -recip), so archives
                // encrypted to an older certificate stay readable.
                validityPeriodHours: 825 * 24,
                earlyRenewalHours: 720,
                allowedUses: ["key_encipherment", "data_encipherment"],
            },
            { parent: this },
        );

        const s3 = pulumi
            .all([args.endpoint, args.region, args.bucket, pulumi.secret(args.accessKeyId), pulumi.secret(args.secretAccessKey)])
            .apply(([endpoint, region, bucket, accessKeyId, secretAccessKey]) => ({ endpoint, region, bucket, accessKeyId, secretAccessKey }));
        const prefix = pulumi.output(args.prefix ?? "");
        const jobOptions = pulumi
            .all([profile, args.host.name, args.keepLocal ?? 7, args.keepDays ?? 30, prefix, args.schedule ?? "daily", cert.certPem])
            .apply(([p, node, keepLocal, keepDays, pre, schedule, certPem]) => {
                const bad = [
                    ...backupScheduleProblems("schedule", schedule),
                    ...integerProblems("keepLocal", keepLocal, 1, 100, "backups kept on the node"),
                    ...integerProblems("keepDays", keepDays, 1, 3650, "days a backup stays in the bucket"),
                ];
                if (bad.length) throw new ArgsError(`DirectoryBackup \`${name}\``, bad);
                return { profile: p, node, keepLocal, keepDays, prefix: pre, schedule, recipientCertPem: certPem, adminPort };
            });

        this.install = remoteStep(`${name}-install`, {
            host: args.host,
            create: jobOptions.apply(backupInstallScript),
            secretStdin: pulumi.all([dmPassword, s3]).apply(([dm, c]) => backupInstallStdin(dm, c)),
            dependsOn: [...(args.after ?? [])],
            parent: this,
        });

        const status = remoteStep(`${name}-status`, {
            host: args.host,
            create: backupStatusScript(),
            dependsOn: [this.install],
            triggers: args.statusRefresh === undefined ? undefined : [args.statusRefresh],
            parent: this,
        });

        if (args.restoreFrom !== undefined) {
            const restoreFrom = pulumi.output(args.restoreFrom);
            this.restore = remoteStep(`${name}-restore`, {
                host: args.host,
                create: pulumi
                    .all([profile, restoreFrom, prefix, args.restoreMaxAgeDays ?? 7, args.restoreForce ?? false])
                    .apply(([p, from, pre, maxAgeDays, force]) => restoreScript({ profile: p, name: from, prefix: pre, maxAgeDays, force, adminPort })),
                secretStdin: pulumi.all([dmPassword, key.privateKeyPem]).apply(([dm, pem]) => restoreStdin(dm, pem)),
                dependsOn: [this.install],
                // Keyed on the requested backup: the same value never restores twice; a new value restores again.
                triggers: [restoreFrom],
                parent: this,
            });
            this.restored.push(this.restore);
            const members = args.members ?? [];
            if (members.length > 0) {
                // Every member receives the restored data (initialize-all), and the primary's initialization record is
                // rewritten in the status-driven initialization's format, so the cluster's own repl-init finds them
                // initialized. Not the status-driven script itself: its guard refuses to overwrite members that hold
                // more entries than the primary, which is exactly what restoring after a bad import must do.
                const reinit = remoteStep(`${name}-restore-reinit`, {
                    host: args.host,
                    create: pulumi
                        .all([profile, args.host.privateAddress, pulumi.all(members.map((m) => m.privateAddress))])
                        .apply(([p, primaryAddress, addresses]) => restoreReinitScript(p, primaryAddress, { members: addresses, adminPort })),
                    secretStdin: pulumi.secret(args.replicationAdminPassword!).apply((pw) => secretLine("replicationAdminPassword", pw)),
                    dependsOn: [this.restore],
                    triggers: [restoreFrom],
                    parent: this,
                });
                // Members restart oxAuth and oxTrust on the restored data, one after another (the usual order).
                let previous: command.remote.Command = reinit;
                for (const m of members) {
                    previous = remoteStep(`${m.name}-restore-restart`, {
                        host: m,
                        create: profile.apply(restartAfterRestoreScript),
                        dependsOn: [previous],
                        triggers: [restoreFrom],
                        parent: this,
                    });
                    this.restored.push(previous);
                }
            }
        }

        this.recipientCertificatePem = cert.certPem;
        this.privateKeyPem = pulumi.secret(key.privateKeyPem);
        this.lastBackup = status.stdout.apply(parseBackupStatus);
        this.registerOutputs({ recipientCertificatePem: this.recipientCertificatePem, privateKeyPem: this.privateKeyPem, lastBackup: this.lastBackup });
    }
}
