// The Pulumi program: read the stack's `gluu:*` config, validate all of it, build one GluuCluster.

import * as pulumi from "@pulumi/pulumi";
import { GluuCluster, GluuClusterArgs } from "../components";
import { ParseOptions, SECRET_KEYS, StackConfig, StackConfigError, parseStackConfig } from "./config";

/** The raw `gluu:*` values of the current stack, without the namespace. */
export function rawStackConfig(): Record<string, string> {
    const raw: Record<string, string> = {};
    for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (key.startsWith("gluu:")) {
            raw[key.slice("gluu:".length)] = value;
        }
    }
    return raw;
}

/**
 * Whether the stack holds `gluu:<name>` encrypted: the language host passes the secure keys in
 * PULUMI_CONFIG_SECRET_KEYS (pulumi/pulumi@v3.248.0:sdk/nodejs/cmd/pulumi-language-nodejs/main.go
 * constructConfigSecretKeys), read by `runtime.isConfigSecret` (@pulumi/pulumi 3.248.0 runtime/config.js; marked
 * internal, so not in the typings).
 */
export function isStackSecret(name: string): boolean {
    const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean }).isConfigSecret;
    if (typeof isConfigSecret !== "function") {
        throw new Error("@pulumi/pulumi has no runtime.isConfigSecret: the program cannot tell secret config from clear text (pinned @pulumi/pulumi 3.248.0 has it)");
    }
    return isConfigSecret(`gluu:${name}`);
}

/** Map the validated stack config onto GluuCluster's Args; secrets are wrapped as secrets. */
export function clusterArgs(c: StackConfig): GluuClusterArgs {
    const secret = (v: string | undefined) => (v === undefined ? undefined : pulumi.secret(v));
    return {
        hostname: c.hostname,
        version: c.version,
        orgName: c.orgName,
        city: c.city,
        state: c.state,
        countryCode: c.countryCode,
        adminEmail: c.adminEmail,
        nodeCount: c.nodeCount,
        existingNodes: c.existingNodes?.map((n) => ({ ...n, sshPort: c.sshPort })),
        region: c.existingNodes ? undefined : c.region,
        dropletSize: c.existingNodes ? undefined : c.dropletSize,
        dropletImage: c.dropletImage,
        vpcUuid: c.vpcUuid,
        vpcIpRange: c.vpcIpRange,
        tags: c.tags,
        monitoring: c.monitoring,
        backups: c.backups,
        userData: c.userData,
        adminCidrs: c.adminCidrs,
        sshKeyFingerprints: c.sshKeyFingerprints,
        sshPrivateKey: secret(c.sshPrivateKey),
        sshAgentSocketPath: c.sshAgentSocketPath,
        sshUser: c.sshUser,
        sshPort: c.existingNodes ? undefined : c.sshPort,
        ldapPassword: secret(c.ldapPassword),
        adminPassword: secret(c.adminPassword),
        repoUser: c.repoUser,
        repoPassword: secret(c.repoPassword),
        timeSync: c.timeSync,
        cache: c.cache,
        cacheHost: existingService(c, c.existingCacheAddress, c.existingCachePrivateAddress, c.existingCacheHostKey),
        cacheHosts: c.existingCaches?.map((h) => ({ ...h, sshPort: c.sshPort })),
        cacheHostCount: c.cacheHostCount,
        redisMinReplicasToWrite: c.redisMinReplicasToWrite,
        redisMinReplicasMaxLagSeconds: c.redisMinReplicasMaxLagSeconds,
        sentinelDownAfterMs: c.sentinelDownAfterMs,
        sentinelFailoverTimeoutMs: c.sentinelFailoverTimeoutMs,
        valkeySize: c.valkeySize,
        valkeyVersion: c.valkeyVersion,
        valkeyEvictionPolicy: c.valkeyEvictionPolicy,
        lbHost: existingService(c, c.existingLbAddress, c.existingLbPrivateAddress, c.existingLbHostKey),
        externalLoadBalancer: c.externalLoadBalancer,
        loadBalancer: c.loadBalancer,
        lbHosts: c.existingLbAddresses?.map((address, i) => ({
            address,
            privateAddress: c.existingLbPrivateAddresses?.[i] ?? address,
            hostKey: c.existingLbHostKeys![i],
            sshPort: c.sshPort,
        })),
        lbVirtualIp: c.lbVirtualIp,
        lbVirtualRouterId: c.lbVirtualRouterId,
        alertEmails: c.alertEmails,
        externalLbSourceCidrs: c.externalLbSourceCidrs,
        lbCertificatePem: c.lbCertificate,
        lbPrivateKeyPem: secret(c.lbPrivateKey),
        serviceDropletImage: c.serviceDropletImage,
        cacheDropletSize: c.cacheDropletSize,
        lbDropletSize: c.lbDropletSize,
        redisPassword: secret(c.redisPassword),
        // Pulumi.yaml's default reaches every stack; only the choices that run Redis themselves use it.
        redisPersistence: c.cache === "redis" || c.cache === "redis-ha" ? c.redisPersistence : undefined,
        redisMaxmemoryMb: c.redisMaxmemoryMb,
        csync2IntervalMinutes: c.csync2IntervalMinutes,
        cacheRefreshNode: c.cacheRefreshNode,
        primaryNode: c.primaryNode,
        rebuildNodes: c.rebuildNodes,
        protectDroplets: c.protectDroplets,
        retainDroplets: c.retainDroplets,
        ...backupArgs(c),
    };
}

/** The backup keys (issue 13) onto GluuCluster's Args; nothing unless gluu:backupBucket is set. */
function backupArgs(c: StackConfig): Partial<GluuClusterArgs> {
    if (c.backupBucket === undefined) {
        return {};
    }
    return {
        backupBucket: c.backupBucket,
        backupNode: c.backupNode,
        backupSchedule: c.backupSchedule,
        backupKeepLocal: c.backupKeepLocal,
        backupKeepDays: c.backupKeepDays,
        backupEndpoint: c.backupEndpoint,
        backupRegion: c.backupRegion,
        backupAccessKeyId: c.backupAccessKeyId === undefined ? undefined : pulumi.secret(c.backupAccessKeyId),
        backupSecretAccessKey: c.backupSecretAccessKey === undefined ? undefined : pulumi.secret(c.backupSecretAccessKey),
        // The first `pulumi up` (or preview) of each UTC day reads the job's status again, so lastBackup stays current
        // with a daily job, and the other runs of that day show no change (a per-run value would show the status step
        // replaced in every preview, hiding real changes among noise).
        backupStatusRefresh: new Date().toISOString().slice(0, 10),
        restoreFrom: c.restoreFrom,
        restoreMaxAgeDays: c.restoreMaxAgeDays,
        restoreForce: c.restoreForce,
    };
}

function existingService(c: StackConfig, address?: string, privateAddress?: string, hostKey?: string) {
    return address === undefined ? undefined : { address, privateAddress: privateAddress ?? address, hostKey: hostKey!, sshPort: c.sshPort };
}

/**
 * Run the program; returns the stack outputs. Errors in the config stop it before any resource exists.
 * Without `raw` it reads the stack's config from Pulumi and requires every secret key to be a secret; with `raw`
 * (config the caller loaded, e.g. through src/stackConfig.ts) it checks secrets only if `parse.isSecret` says how.
 */
export function gluuProgram(raw?: Record<string, string>, opts?: pulumi.ComponentResourceOptions, parse: ParseOptions = {}) {
    if (raw === undefined) {
        raw = rawStackConfig();
        parse = { isSecret: isStackSecret, ...parse };
    }
    let config: StackConfig;
    try {
        config = parseStackConfig(raw, parse);
    } catch (err) {
        if (err instanceof StackConfigError) {
            // RunError prints the message without a stack trace: the message is the whole story.
            throw new pulumi.RunError(err.message);
        }
        throw err;
    }
    const cluster = new GluuCluster(config.clusterName, clusterArgs(config), opts);
    const outputs = {
        version: config.version,
        hostname: config.hostname,
        adminUrl: cluster.adminUrl,
        nodeAddresses: cluster.nodeAddresses,
        nodePrivateAddresses: cluster.nodePrivateAddresses,
        ldapPassword: cluster.ldapPassword,
        adminPassword: cluster.adminPassword,
        sshPrivateKey: cluster.sshPrivateKey,
        url: cluster.url,
        lbAddress: cluster.lbAddress,
        cacheAddress: cluster.cacheAddress,
        redisPassword: cluster.redisPassword,
        replicationStatus: cluster.replicationStatus,
        cacheHealth: cluster.cacheHealth,
        cacheWriteLossBound: cluster.cacheWriteLossBound,
        lbHealth: cluster.lbHealth,
        loadBalancer: cluster.loadBalancer,
        health: cluster.health,
        // Backups (issue 13): the private key that decrypts them is a secret output; keep a copy outside the stack.
        lastBackup: cluster.lastBackup,
        backupRecipientCertificate: cluster.backupRecipientCertificatePem,
        backupPrivateKey: cluster.backupPrivateKeyPem,
    };
    return { cluster, outputs };
}

export { SECRET_KEYS };
