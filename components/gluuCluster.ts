// GluuCluster: the shared secrets, the nodes, the network around them, and the cluster services wired
// along explicit edges.

import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as digitalocean from "@pulumi/digitalocean";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { CertificateDistribution } from "./certificateDistribution";
import { ClusterAlerts } from "./clusterAlerts";
import { DirectoryBackup } from "./directoryBackup";
import { BackupStatus, backupEndpointProblems, backupRegionProblems, backupScheduleProblems, bucketNameProblems, integerProblems, restoreFromProblems, spacesEndpoint } from "./render/backup";
import { ClusterCa } from "./clusterCa";
import { cloudNamePrefix, cloudNames, currentStackIdentity } from "./cloudNames";
import { Csync2Mesh } from "./csync2Mesh";
import { GluuNode } from "./gluuNode";
import { HostArgs } from "./host";
import { LdapCacheConfig } from "./ldapCacheConfig";
import { LoadBalancerKind, alertSettingProblems, argKey, loadBalancerSettingProblems, resolveLoadBalancer, virtualIpProblems } from "./loadBalancing";
import { DigitalOceanBalancer } from "./managedBalancer";
import { NginxBalancer } from "./nginxBalancer";
import { NginxPair } from "./nginxPair";
import { OpenDjReplication } from "./openDjReplication";
import { profileFor } from "./profiles";
import { remoteStep } from "./remoteStep";
import { healthStepScript, parseHealthLine } from "./render/health";
import { ExternalLbDescription } from "./render/nginx";
import { ReplicationStatusRow } from "./render/opendj";
import { GluuSetupSettings, hostsScript } from "./render/node";
import { RedisPersistence } from "./render/redis";
import { SecureRedis } from "./secureRedis";
import { RedisHa, defaultSentinelHosts } from "./redisHa";
import { ManagedValkey, VALKEY_EVICTION_POLICIES } from "./managedValkey";
import { REDIS_HA_PORTS } from "./render/redisHa";
import { ServiceHost } from "./serviceHost";
import { ArgsError, adminCidrProblems, extraUserDataProblems, hostKeyProblems, isAddress, isFqdn, isHostName, isPort, isRoleTag, known, versionProblems, vpcIpRangeProblems } from "./validation";

/**
 * Which cache oxAuth uses (`gluu:cache`): `redis` one Redis host behind stunnel (default), `redis-ha` a Redis primary
 * and replicas with a Sentinel quorum and HAProxy on every node, `digitalocean` a managed Valkey cluster with a
 * standby (droplets only), `ldap` Gluu's NATIVE_PERSISTENCE cache in the replicated directory (no cache host).
 */
export const CacheKind = { Redis: "redis", RedisHa: "redis-ha", DigitalOcean: "digitalocean", Ldap: "ldap" } as const;
/** Which cache oxAuth uses: `redis`, `redis-ha`, `digitalocean` or `ldap`. */
export type CacheKind = (typeof CacheKind)[keyof typeof CacheKind];

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
    /**
     * oxTrust admin password (secret; 4.5). Defaults to a generated one. Gluu 3.1.6 has no separate admin password
     * (its setup.py makes the admin's password `ldapPassword`), so it is refused there.
     */
    adminPassword?: pulumi.Input<string>;
    /** Gluu repository user (4.5). */
    repoUser?: pulumi.Input<string>;
    /** Gluu repository password (secret; 4.5). */
    repoPassword?: pulumi.Input<string>;
    /** Keep clocks synchronised. Defaults to `true`. */
    timeSync?: pulumi.Input<boolean>;

    // --- the cache and the load balancer ---
    /** Which cache oxAuth uses: `redis` (default), `redis-ha`, `digitalocean` (droplets only) or `ldap`; see the README. */
    cache?: CacheKind;
    /** An existing server for Redis (`redis` with `existingNodes`; droplets get a `<name>-cache` droplet). */
    cacheHost?: ExistingHostArgs;
    /** `redis-ha` with `existingNodes`: the existing cache servers (≥ 2; the first is the initial primary). Droplets get `<name>-cache-1..n`. */
    cacheHosts?: ExistingHostArgs[];
    /** `redis-ha` on droplets: how many cache droplets (≥ 2). Defaults to `3` (a primary and two replicas). */
    cacheHostCount?: number;
    /**
     * `redis-ha`: `min-replicas-to-write`, the replicas that must be online for the primary to acknowledge a write; at
     * most replicas − 1, so losing a replica never stops writes. Defaults to `1` with ≥ 3 cache hosts, `0` with 2.
     */
    redisMinReplicasToWrite?: number;
    /** `redis-ha`: `min-replicas-max-lag` in seconds (the write-loss window, see the README). Defaults to `10`. */
    redisMinReplicasMaxLagSeconds?: number;
    /** `redis-ha`: Sentinel `down-after-milliseconds`. Defaults to `5000`. */
    sentinelDownAfterMs?: number;
    /** `redis-ha`: Sentinel `failover-timeout` in milliseconds. Defaults to `60000`. */
    sentinelFailoverTimeoutMs?: number;
    /** `digitalocean`: the database size slug. Defaults to `db-s-1vcpu-2gb`. */
    valkeySize?: pulumi.Input<string>;
    /** `digitalocean`: the Valkey major version. Defaults to `8`. */
    valkeyVersion?: pulumi.Input<string>;
    /** `digitalocean`: the eviction policy (DigitalOcean's spelling). Defaults to `allkeys_lru`. */
    valkeyEvictionPolicy?: pulumi.Input<string>;
    /**
     * How users reach the cluster: `nginx` (one NGINX host), `nginx-pair` (two NGINX hosts holding a virtual IP
     * with keepalived; existing hosts), `digitalocean` (a DigitalOcean managed load balancer; droplets) or
     * `external` (yours; the `loadBalancer` output says what it must do). Defaults to `nginx`, or `external` with
     * `externalLoadBalancer: true`.
     */
    loadBalancer?: LoadBalancerKind;
    /** An existing server for NGINX (required with `existingNodes` and `loadBalancer: nginx`; droplets get a `<name>-lb` droplet). */
    lbHost?: ExistingHostArgs;
    /** The two existing load-balancer hosts of `loadBalancer: nginx-pair`, on one network segment (names default to `<name>-lb-1`, `<name>-lb-2`). */
    lbHosts?: ExistingHostArgs[];
    /**
     * `nginx-pair`: the virtual IP with the hosts' network prefix length, e.g. `10.10.0.30/24` — a free address of
     * the segment both load-balancer hosts share; point the hostname's DNS record at it. Required then.
     */
    lbVirtualIp?: pulumi.Input<string>;
    /** `nginx-pair`: the VRRP virtual router id (1–255), unique on the segment. Defaults to one derived from `hostname`. */
    lbVirtualRouterId?: number;
    /** The older spelling of `loadBalancer: external` (still accepted; contradicting `loadBalancer` is refused). Defaults to `false`. */
    externalLoadBalancer?: boolean;
    /**
     * Droplets only: e-mail addresses DigitalOcean alerts when the public URL is down or its certificate nears
     * expiry (an uptime check) and when CPU, memory or disk of a member or service droplet stays high (monitor
     * alerts; needs `monitoring`). Defaults to none: no alerts.
     */
    alertEmails?: pulumi.Input<string>[];
    /** With `externalLoadBalancer` and droplets: the CIDRs your load balancer connects to the nodes from (their 443). Required then. */
    externalLbSourceCidrs?: pulumi.Input<string>[];
    /** Certificate (chain, PEM) the load balancer presents. Defaults to the primary's Gluu httpd certificate (self-signed by setup.py). */
    lbCertificatePem?: pulumi.Input<string>;
    /** Its private key (PEM, secret). Required with `lbCertificatePem`. */
    lbPrivateKeyPem?: pulumi.Input<string>;
    /** Droplet image of the cache and load-balancer droplets. Defaults to `ubuntu-24-04-x64`. */
    serviceDropletImage?: pulumi.Input<string>;
    /** Droplet size of the cache. Defaults to `s-1vcpu-2gb`. */
    cacheDropletSize?: pulumi.Input<string>;
    /** Droplet size of the load balancer. Defaults to `s-1vcpu-2gb`. */
    lbDropletSize?: pulumi.Input<string>;
    /** Redis password (secret). Defaults to a generated one; set a new value to rotate it. */
    redisPassword?: pulumi.Input<string>;
    /** Redis persistence: `rdb` (snapshots), `aof` (append-only) or `none`. Defaults to `rdb`. */
    redisPersistence?: RedisPersistence;
    /** Redis `maxmemory` in MiB (least recently used keys evicted). Defaults to no limit. */
    redisMaxmemoryMb?: number;
    /** Minutes between csync2 runs on each node (staggered by node). Defaults to `2`. */
    csync2IntervalMinutes?: number;
    /** Name of the ONE node that runs oxTrust Cache Refresh. Defaults to leaving the setting alone. */
    cacheRefreshNode?: string;

    // --- day-2 ---
    /**
     * Name of the primary: the node whose LDAP data, files and certificates the others receive. Defaults to the
     * first node. To replace the primary's host, first make a healthy member the primary (see the README).
     */
    primaryNode?: string;
    /** `protect` the droplets of the nodes and the cache (a scale-in then needs `pulumi state unprotect` first). Defaults to `false`. */
    protectDroplets?: boolean;
    /**
     * Keep the droplets of the nodes and the cache in DigitalOcean when they leave the stack (`retainOnDelete`); a
     * kept droplet is retired first (Gluu, csync2, stunnel and Redis stopped, its tunnel keys removed), and the VPC,
     * tags and firewalls are kept on destroy too, so kept droplets stay inside their firewall. Defaults to `false`.
     */
    retainDroplets?: boolean;
    /**
     * Names of nodes (or `<name>-cache` / `<name>-lb`) whose droplets the next `up` may rebuild from the current
     * `dropletImage`/`serviceDropletImage`, `userData`, login keys and `monitoring`. Those inputs are otherwise
     * only read at creation (even `pulumi up --replace` keeps their old values). A rebuilt node loses its disk and
     * rejoins from the primary; the primary itself cannot be rebuilt (make another node primary first). Remove
     * the names once rebuilt. Defaults to none.
     */
    rebuildNodes?: string[];

    // --- backups and restore (DirectoryBackup; `backups` above is DigitalOcean's droplet backups, another thing) ---
    /** Bucket for encrypted backups of the directory and the nodes' secrets; setting it turns the backup job on. Defaults to no backups. */
    backupBucket?: pulumi.Input<string>;
    /** Node that runs the backup job. Defaults to the primary. */
    backupNode?: string;
    /** When the job runs (`daily`, `hourly`, `weekly`, `HH:MM`, `Mon,Thu 02:30`, …). Defaults to `daily`. */
    backupSchedule?: pulumi.Input<string>;
    /** Backups kept on the backup node (1–100). Defaults to `7`. */
    backupKeepLocal?: pulumi.Input<number>;
    /** Days a backup is kept in the bucket (1–3650; also the Spaces lifecycle rule). Defaults to `30`. */
    backupKeepDays?: pulumi.Input<number>;
    /** S3 endpoint (`https://…`). Required with `existingNodes`; droplets default to a Spaces bucket in `backupRegion`. */
    backupEndpoint?: pulumi.Input<string>;
    /** Region of the bucket (a Spaces region on droplets). Defaults to `region` on droplets; required with `backupEndpoint`. */
    backupRegion?: pulumi.Input<string>;
    /** Access key id (secret). Required with `backupEndpoint`; droplets default to a Spaces key made for the bucket. */
    backupAccessKeyId?: pulumi.Input<string>;
    /** Secret access key (secret). Goes with `backupAccessKeyId`. */
    backupSecretAccessKey?: pulumi.Input<string>;
    /** A value whose change re-reads the job's status for `lastBackup` (the program passes the time of the run). Defaults to reading it on install only. */
    backupStatusRefresh?: pulumi.Input<string>;
    /** Name of a backup to restore onto the primary; the next `up` restores it once. Defaults to none. */
    restoreFrom?: pulumi.Input<string>;
    /** A restore refuses backups older than this many days unless `restoreForce`. Defaults to `7`. */
    restoreMaxAgeDays?: pulumi.Input<number>;
    /** Restore even an older backup. Defaults to `false`. */
    restoreForce?: pulumi.Input<boolean>;
}

/** Ports cluster members use among themselves: LDAPS, OpenDJ admin and replication, csync2 (over stunnel). */
export const MEMBER_PORTS = [1636, 4444, 8989, 30865];
/** The cache host's Redis TLS port (client certificates required), open to members only. */
export const CACHE_PORT = 16379;

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
    if (known(args.version) && versionProblems("version", args.version).length === 0 && !profileFor(args.version).setupReadsAdminPassword && args.adminPassword !== undefined) {
        problems.push(
            `\`adminPassword\` has no effect with Gluu ${args.version}: its setup.py gives oxTrust's admin the Directory Manager password; set \`ldapPassword\` instead (or remove it to have one generated)`,
        );
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
        } else if (Array.isArray(args.adminCidrs)) {
            problems.push(...adminCidrProblems("adminCidrs", args.adminCidrs));
        }
        (Array.isArray(args.tags) ? args.tags : []).forEach((tag, i) => {
            if (known(tag) && isRoleTag(tag)) {
                problems.push(
                    `\`tags[${i}]\` ${JSON.stringify(tag)} ends like a cluster role tag (-member, -lb, -cache); tags are account-wide, so it could put these droplets into another cluster's firewall: choose another name`,
                );
            }
        });
        if (known(args.vpcIpRange)) {
            problems.push(...vpcIpRangeProblems(args.vpcIpRange).map((p) => `\`vpcIpRange\` ${p}`));
        }
        if (known(args.userData)) {
            problems.push(...extraUserDataProblems(args.userData).map((p) => `\`userData\` ${p}`));
        }
        if (args.sshKeyFingerprints !== undefined && args.sshPrivateKey === undefined && args.sshAgentSocketPath === undefined) {
            problems.push("with `sshKeyFingerprints` the program needs the matching `sshPrivateKey` (secret) or `sshAgentSocketPath`");
        }
    }
    problems.push(...serviceHostProblems(name, args, names));
    problems.push(...cacheProblems(name, args, names));
    problems.push(...backupProblems(args, names));
    return problems;
}

/** The names of the cache machines a choice creates or uses (droplets: `<name>-cache`, `<name>-cache-1..n`). */
export function cacheMachineNames(name: string, args: Pick<GluuClusterArgs, "cache" | "cacheHost" | "cacheHosts" | "cacheHostCount">): string[] {
    const kind = args.cache ?? "redis";
    if (kind === "redis") return [args.cacheHost?.name ?? `${name}-cache`];
    if (kind === "redis-ha") {
        if (args.cacheHosts) return args.cacheHosts.map((h, i) => h.name ?? `${name}-cache-${i + 1}`);
        return Array.from({ length: args.cacheHostCount ?? 3 }, (_, i) => `${name}-cache-${i + 1}`);
    }
    return [];
}

/** Problems with `cache` and the keys of each choice; each names its Args field. Exported for tests. */
export function cacheProblems(name: string, args: GluuClusterArgs, nodeNameList: string[]): string[] {
    const problems: string[] = [];
    const kind = args.cache ?? "redis";
    const existing = args.existingNodes !== undefined;
    if (!(Object.values(CacheKind) as string[]).includes(kind)) {
        return [`\`cache\` must be one of ${Object.values(CacheKind).join(", ")}, got ${JSON.stringify(kind)}`];
    }
    const only = (fields: Array<keyof GluuClusterArgs>, choice: string) => {
        for (const f of fields) {
            if (args[f] !== undefined) problems.push(`\`${String(f)}\` is only for \`cache: ${choice}\`, not \`${kind}\`; remove it`);
        }
    };
    const haKeys: Array<keyof GluuClusterArgs> = ["cacheHosts", "cacheHostCount", "redisMinReplicasToWrite", "redisMinReplicasMaxLagSeconds", "sentinelDownAfterMs", "sentinelFailoverTimeoutMs"];
    const valkeyKeys: Array<keyof GluuClusterArgs> = ["valkeySize", "valkeyVersion", "valkeyEvictionPolicy"];
    if (kind !== "redis-ha") only(haKeys, "redis-ha");
    if (kind !== "digitalocean") only(valkeyKeys, "digitalocean");
    if (kind !== "redis" && args.cacheHost !== undefined) {
        problems.push(`\`cacheHost\` is the one Redis host of \`cache: redis\`; ${kind === "redis-ha" ? "list the cache servers in `cacheHosts`" : `\`cache: ${kind}\` has no cache host`}`);
    }
    if (kind === "digitalocean" || kind === "ldap") {
        for (const f of ["redisPassword", "redisPersistence", "redisMaxmemoryMb", "cacheDropletSize"] as const) {
            if (args[f] !== undefined) {
                problems.push(`\`${f}\` has no effect with \`cache: ${kind}\` (${kind === "ldap" ? "the directory is the cache" : "DigitalOcean runs Valkey and generates its password"}); remove it`);
            }
        }
    }
    if (kind === "digitalocean" && existing) {
        problems.push("`cache: digitalocean` (a managed Valkey cluster) is only for droplets: its firewall admits the member tag and its private host answers inside the droplets' VPC; with `existingNodes` use `redis-ha` or `ldap`");
    }
    if (kind === "digitalocean" && typeof args.valkeyEvictionPolicy === "string" && !(VALKEY_EVICTION_POLICIES as readonly string[]).includes(args.valkeyEvictionPolicy)) {
        problems.push(`\`valkeyEvictionPolicy\` must be one of ${VALKEY_EVICTION_POLICIES.join(", ")}, got ${JSON.stringify(args.valkeyEvictionPolicy)}`);
    }
    if (kind === "redis-ha") {
        let cacheCount: number;
        if (existing) {
            if (args.cacheHostCount !== undefined) problems.push("`cacheHostCount` is for droplets; with `existingNodes` list the servers in `cacheHosts`");
            const hosts = args.cacheHosts ?? [];
            if (hosts.length < 2) problems.push(`\`cacheHosts\` must list at least 2 existing servers for \`cache: redis-ha\` (a primary and a replica), got ${hosts.length}`);
            cacheCount = hosts.length;
            const seen: string[] = [];
            hosts.forEach((h, i) => {
                const hostName = h.name ?? `${name}-cache-${i + 1}`;
                if (!isHostName(hostName)) problems.push(`\`cacheHosts[${i}].name\` ${JSON.stringify(hostName)} must be a lower-case host name`);
                if (nodeNameList.includes(hostName)) problems.push(`\`cacheHosts[${i}].name\` ${hostName} is also a node's name; each Redis needs its own host`);
                if (known(h.address)) {
                    if (!isAddress(h.address)) problems.push(`\`cacheHosts[${i}].address\` ${JSON.stringify(h.address)} is not an IPv4 address or host name`);
                    if (seen.includes(h.address)) problems.push(`\`cacheHosts[${i}].address\` ${h.address} is listed twice; each Redis needs its own host`);
                    seen.push(h.address);
                    args.existingNodes?.forEach((n, k) => {
                        if (known(n.address) && n.address === h.address) problems.push(`\`cacheHosts[${i}].address\` ${h.address} is also \`existingNodes[${k}].address\`; each Redis needs its own host`);
                    });
                    if (args.lbHost && known(args.lbHost.address) && args.lbHost.address === h.address) problems.push(`\`cacheHosts[${i}].address\` ${h.address} is also \`lbHost.address\`; Redis must not share the load balancer's host`);
                }
                if (h.hostKey === undefined || known(h.hostKey)) problems.push(...hostKeyProblems(`cacheHosts[${i}].hostKey`, h.hostKey, h.address));
                if (known(h.sshPort) && !isPort(h.sshPort)) problems.push(`\`cacheHosts[${i}].sshPort\` must be an integer 1–65535, got ${JSON.stringify(h.sshPort)}`);
            });
        } else {
            if (args.cacheHosts !== undefined) problems.push("`cacheHosts` is for existing servers; with droplets set `cacheHostCount` (the library creates `<name>-cache-1..n`)");
            cacheCount = args.cacheHostCount ?? 3;
            if (!Number.isInteger(cacheCount) || cacheCount < 2 || cacheCount > 9) problems.push(`\`cacheHostCount\` must be an integer 2–9 (a primary and at least one replica), got ${JSON.stringify(args.cacheHostCount)}`);
        }
        // The Sentinels run on the cache hosts, then on the first nodes until there are three.
        const sentinels = Math.min(3, cacheCount) + Math.max(0, Math.min(nodeNameList.length, 3 - cacheCount));
        if (cacheCount >= 2 && sentinels < 3) {
            problems.push(`\`cache: redis-ha\` needs 3 hosts for the Sentinel quorum (a majority that survives losing one); the ${cacheCount} cache hosts and ${nodeNameList.length} node(s) give ${sentinels}`);
        }
        const replicas = cacheCount - 1;
        const m = args.redisMinReplicasToWrite;
        if (m !== undefined && (!Number.isInteger(m) || m < 0 || m > Math.max(0, replicas - 1))) {
            problems.push(`\`redisMinReplicasToWrite\` must be an integer 0–${Math.max(0, replicas - 1)} with ${cacheCount} cache hosts (${replicas} replica(s)): one replica must be spare, or losing it would stop every write; got ${JSON.stringify(m)}`);
        }
        const lag = args.redisMinReplicasMaxLagSeconds;
        if (lag !== undefined && (!Number.isInteger(lag) || lag < 1 || lag > 3600)) problems.push(`\`redisMinReplicasMaxLagSeconds\` must be an integer 1–3600, got ${JSON.stringify(lag)}`);
        const down = args.sentinelDownAfterMs;
        if (down !== undefined && (!Number.isInteger(down) || down < 500 || down > 600000)) problems.push(`\`sentinelDownAfterMs\` must be an integer 500–600000, got ${JSON.stringify(down)}`);
        const fo = args.sentinelFailoverTimeoutMs;
        if (fo !== undefined && (!Number.isInteger(fo) || fo < 1000 || fo > 3600000)) problems.push(`\`sentinelFailoverTimeoutMs\` must be an integer 1000–3600000, got ${JSON.stringify(fo)}`);
        if (typeof args.redisPassword === "string" && !/^[A-Za-z0-9._~-]+$/.test(args.redisPassword)) problems.push("`redisPassword` must be letters, digits and . _ ~ - with `cache: redis-ha` (HAProxy's health check sends it)");
    }
    return problems;
}


/** Problems with the backup settings (DirectoryBackup). */
function backupProblems(args: GluuClusterArgs, nodeNameList: string[]): string[] {
    const problems: string[] = [];
    const fields = ["backupNode", "backupSchedule", "backupKeepLocal", "backupKeepDays", "backupEndpoint", "backupRegion", "backupAccessKeyId", "backupSecretAccessKey", "backupStatusRefresh", "restoreFrom", "restoreMaxAgeDays", "restoreForce"] as const;
    if (args.backupBucket === undefined) {
        for (const f of fields) {
            if (args[f] !== undefined) problems.push(`\`${f}\` belongs with \`backupBucket\`, which is not set: set the bucket to turn backups on, or remove \`${f}\``);
        }
        return problems;
    }
    if (known(args.backupBucket)) problems.push(...bucketNameProblems("backupBucket", args.backupBucket));
    if (known(args.backupSchedule)) problems.push(...backupScheduleProblems("backupSchedule", args.backupSchedule));
    if (known(args.backupKeepLocal)) problems.push(...integerProblems("backupKeepLocal", args.backupKeepLocal, 1, 100, "backups kept on the node"));
    if (known(args.backupKeepDays)) problems.push(...integerProblems("backupKeepDays", args.backupKeepDays, 1, 3650, "days a backup stays in the bucket"));
    if (known(args.restoreMaxAgeDays)) problems.push(...integerProblems("restoreMaxAgeDays", args.restoreMaxAgeDays, 1, 3650, "the oldest backup a restore accepts unforced"));
    if (known(args.restoreFrom)) problems.push(...restoreFromProblems("restoreFrom", args.restoreFrom));
    if ((args.backupAccessKeyId === undefined) !== (args.backupSecretAccessKey === undefined)) {
        problems.push("set both `backupAccessKeyId` and `backupSecretAccessKey` (secrets), or neither (droplets: a Spaces key is made for the bucket)");
    }
    if (args.existingNodes !== undefined || args.backupEndpoint !== undefined) {
        if (args.backupEndpoint === undefined) problems.push("`backupEndpoint` is required with `existingNodes`: your S3 endpoint (`https://…`)");
        else if (known(args.backupEndpoint)) problems.push(...backupEndpointProblems("backupEndpoint", args.backupEndpoint));
        if (args.backupRegion === undefined) problems.push("`backupRegion` is required with `backupEndpoint`: the region the endpoint signs for");
        else if (known(args.backupRegion)) problems.push(...backupRegionProblems("backupRegion", args.backupRegion, false));
        if (args.backupAccessKeyId === undefined) problems.push("`backupAccessKeyId` and `backupSecretAccessKey` (secrets) are required with `backupEndpoint`");
    } else {
        const region = args.backupRegion ?? args.region;
        if (known(region)) problems.push(...backupRegionProblems(args.backupRegion === undefined ? "region" : "backupRegion", region, true));
    }
    const primary = args.primaryNode ?? nodeNameList[0];
    if (args.backupNode !== undefined && !nodeNameList.includes(args.backupNode)) {
        problems.push(`\`backupNode\` ${JSON.stringify(args.backupNode)} is not a node; use one of ${nodeNameList.join(", ")}`);
    }
    if (args.restoreFrom !== undefined && (args.backupNode ?? primary) !== primary) {
        problems.push(`\`restoreFrom\` restores onto the backup node, which must be the primary (${primary}): unset \`backupNode\` for the restore`);
    }
    return problems;
}

/** Problems with the cache / load-balancer settings. */
function serviceHostProblems(name: string, args: GluuClusterArgs, nodeNameList: string[]): string[] {
    const problems: string[] = [];
    const existing = args.existingNodes !== undefined;
    const lb = resolveLoadBalancer(args.loadBalancer, args.externalLoadBalancer, argKey);
    problems.push(...lb.problems);
    const kind = lb.kind;
    problems.push(
        ...loadBalancerSettingProblems(
            {
                kind,
                droplets: !existing,
                present: (f) => (args as unknown as Record<string, unknown>)[f] !== undefined,
                lbHostCount: args.lbHosts?.length,
                pairHostsField: "lbHosts",
                singleHostField: "lbHost",
                lbDropletSizeField: "lbDropletSize",
            },
            argKey,
        ),
    );
    problems.push(...alertSettingProblems({ droplets: !existing, emails: args.alertEmails, monitoring: known(args.monitoring) ? args.monitoring : undefined }, argKey));
    const pairHosts: Array<["lbHosts" | "cacheHost" | "lbHost", ExistingHostArgs | undefined, boolean, string]> =
        kind === "nginx-pair" && existing ? (args.lbHosts ?? []).map((h, i) => ["lbHosts", h, true, `lbHosts[${i}]`]) : [];
    const services: Array<["cacheHost" | "lbHost" | "lbHosts", ExistingHostArgs | undefined, boolean, string]> = [
        ["cacheHost", args.cacheHost, (args.cache ?? "redis") === "redis", "cacheHost"],
        ["lbHost", args.lbHost, kind === "nginx", "lbHost"],
        ...pairHosts,
    ];
    for (const [role, host, needed, field] of services) {
        if (host === undefined) {
            if (existing && needed) {
                problems.push(`\`${field}\` is required with \`existingNodes\`: an existing server for ${field === "cacheHost" ? "Redis" : "NGINX"} (or use droplets)`);
            }
            continue;
        }
        if (!existing) {
            problems.push(`\`${field}\` is for existing servers; with droplets the library creates it (remove \`${field}\`)`);
            continue;
        }
        if (field === "lbHost" && kind === "external") {
            problems.push("`lbHost` has no effect with `externalLoadBalancer`; remove one of them");
        }
        const hostName = host.name ?? (role === "lbHosts" ? `${name}-lb-${field === "lbHosts[0]" ? 1 : 2}` : `${name}-${field === "cacheHost" ? "cache" : "lb"}`);
        if (!isHostName(hostName)) {
            problems.push(`\`${field}.name\` ${JSON.stringify(hostName)} must be a lower-case host name`);
        }
        if (nodeNameList.includes(hostName)) {
            problems.push(`\`${field}.name\` ${hostName} is also a node's name; the ${field === "cacheHost" ? "cache" : "load balancer"} needs its own host`);
        }
        if (known(host.address)) {
            if (!isAddress(host.address)) {
                problems.push(`\`${field}.address\` ${JSON.stringify(host.address)} is not an IPv4 address or host name`);
            }
            args.existingNodes?.forEach((n, i) => {
                if (known(n.address) && n.address === host.address) {
                    problems.push(`\`${field}.address\` ${host.address} is also \`existingNodes[${i}].address\`; the ${field === "cacheHost" ? "cache" : "load balancer"} needs its own host`);
                }
            });
        }
        if (host.hostKey === undefined || known(host.hostKey)) {
            problems.push(...hostKeyProblems(`${field}.hostKey`, host.hostKey, host.address));
        }
        if (known(host.sshPort) && !isPort(host.sshPort)) {
            problems.push(`\`${field}.sshPort\` must be an integer 1–65535, got ${JSON.stringify(host.sshPort)}`);
        }
    }
    if (args.cacheHost && args.lbHost && known(args.cacheHost.address) && args.cacheHost.address === args.lbHost.address) {
        problems.push("`cacheHost` and `lbHost` have the same address: Redis must not share the load balancer's host (the seed warns against it)");
    }
    if (kind === "nginx-pair" && existing && args.lbHosts?.length === 2) {
        const [a, b] = args.lbHosts;
        if (known(a.address) && a.address === b.address) problems.push("`lbHosts[0].address` and `lbHosts[1].address` are the same host: the pair needs two hosts");
        if (args.cacheHost && known(args.cacheHost.address)) {
            args.lbHosts.forEach((h, i) => {
                if (h.address === args.cacheHost!.address) problems.push(`\`lbHosts[${i}].address\` is \`cacheHost.address\`: Redis must not share a load balancer's host`);
            });
        }
        if (known(args.lbVirtualIp)) {
            const priv = (h: ExistingHostArgs) => h.privateAddress ?? h.address;
            const lbAddrs = args.lbHosts.map((h, i) => ({ key: `\`lbHosts[${i}].${h.privateAddress === undefined ? "address" : "privateAddress"}\``, address: priv(h) }));
            const others = [
                ...(args.existingNodes ?? []).flatMap((h, i) => [{ key: `\`existingNodes[${i}].address\``, address: h.address }, { key: `\`existingNodes[${i}].privateAddress\``, address: h.privateAddress }]),
                ...(args.cacheHost ? [{ key: "`cacheHost.address`", address: args.cacheHost.address }, { key: "`cacheHost.privateAddress`", address: args.cacheHost.privateAddress }] : []),
                ...args.lbHosts.map((h, i) => ({ key: `\`lbHosts[${i}].address\``, address: h.address })),
            ].filter((h): h is { key: string; address: string } => known(h.address));
            if (lbAddrs.every((h) => known(h.address))) problems.push(...virtualIpProblems("`lbVirtualIp`", args.lbVirtualIp, lbAddrs as { key: string; address: string }[], others));
        }
    }
    const vrid = args.lbVirtualRouterId;
    if (vrid !== undefined && (!Number.isInteger(vrid) || vrid < 1 || vrid > 255)) {
        problems.push(`\`lbVirtualRouterId\` must be an integer 1–255 (VRRP's virtual router id), got ${JSON.stringify(vrid)}`);
    }
    if (kind === "external" && !existing && (args.externalLbSourceCidrs === undefined || (Array.isArray(args.externalLbSourceCidrs) && args.externalLbSourceCidrs.length === 0))) {
        problems.push("`externalLbSourceCidrs` is required with `externalLoadBalancer` on droplets: the addresses your load balancer reaches the nodes' 443 from");
    }
    if (kind === "external") {
        for (const f of ["lbCertificatePem", "lbPrivateKeyPem", "lbDropletSize"] as const) {
            if (args[f] !== undefined) {
                problems.push(`\`${f}\` has no effect with \`externalLoadBalancer\` (your load balancer holds the certificate); remove it`);
            }
        }
    }
    if ((args.lbCertificatePem === undefined) !== (args.lbPrivateKeyPem === undefined)) {
        problems.push("set both `lbCertificatePem` and `lbPrivateKeyPem`, or neither (then the Gluu httpd certificate is used)");
    }
    if (known(args.lbCertificatePem) && !/-----BEGIN CERTIFICATE-----/.test(args.lbCertificatePem)) {
        problems.push("`lbCertificatePem` must be a PEM certificate (chain)");
    }
    if (known(args.lbPrivateKeyPem) && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(args.lbPrivateKeyPem)) {
        problems.push("`lbPrivateKeyPem` must be a PEM private key");
    }
    if (args.redisPersistence !== undefined && !["rdb", "aof", "none"].includes(args.redisPersistence)) {
        problems.push(`\`redisPersistence\` must be \`rdb\`, \`aof\` or \`none\`, got ${JSON.stringify(args.redisPersistence)}`);
    }
    if (args.redisMaxmemoryMb !== undefined && (!Number.isInteger(args.redisMaxmemoryMb) || args.redisMaxmemoryMb < 16)) {
        problems.push(`\`redisMaxmemoryMb\` must be an integer ≥ 16, got ${JSON.stringify(args.redisMaxmemoryMb)}`);
    }
    const interval = args.csync2IntervalMinutes;
    if (interval !== undefined && (!Number.isInteger(interval) || interval < 1 || interval > 59)) {
        problems.push(`\`csync2IntervalMinutes\` must be an integer 1–59, got ${JSON.stringify(interval)}`);
    }
    if (args.primaryNode !== undefined && !nodeNameList.includes(args.primaryNode)) {
        problems.push(`\`primaryNode\` ${JSON.stringify(args.primaryNode)} is not a node; use one of ${nodeNameList.join(", ")}`);
    }
    const machineNames = [...nodeNameList, ...cacheMachineNames(name, args), ...(kind === "nginx" ? [args.lbHost?.name ?? `${name}-lb`] : [])];
    (args.rebuildNodes ?? []).forEach((n, i) => {
        if (args.existingNodes !== undefined) {
            problems.push(`\`rebuildNodes\` is for droplets; an existing host is rebuilt by you`);
        } else if (!machineNames.includes(n)) {
            problems.push(`\`rebuildNodes[${i}]\` ${JSON.stringify(n)} is not a machine of this cluster; use one of ${machineNames.join(", ")}`);
        } else if (n === (args.primaryNode ?? nodeNameList[0])) {
            problems.push(`\`rebuildNodes[${i}]\` ${JSON.stringify(n)} is the primary, whose data the others receive: make another node \`primaryNode\` first`);
        }
    });
    if (args.cacheRefreshNode !== undefined && !nodeNameList.includes(args.cacheRefreshNode)) {
        problems.push(`\`cacheRefreshNode\` ${JSON.stringify(args.cacheRefreshNode)} is not a node; use one of ${nodeNameList.join(", ")}`);
    }
    return problems;
}

const OUTBOUND_ANY = [
    { protocol: "tcp", portRange: "1-65535", destinationAddresses: ["0.0.0.0/0", "::/0"] },
    { protocol: "udp", portRange: "1-65535", destinationAddresses: ["0.0.0.0/0", "::/0"] },
    { protocol: "icmp", destinationAddresses: ["0.0.0.0/0", "::/0"] },
];

const PASSWORD = { length: 24, special: false, minLower: 2, minUpper: 2, minNumeric: 2 };

/** The component parts of a GluuCluster (see the getters). */
interface GluuClusterParts {
    nodes: GluuNode[];
    cache?: ServiceHost;
    cacheHosts?: ServiceHost[];
    redisHa?: RedisHa;
    valkey?: ManagedValkey;
    lb?: ServiceHost;
    redis?: SecureRedis;
    replication?: OpenDjReplication;
    fileSync?: Csync2Mesh;
    cacheConfig?: LdapCacheConfig;
    certificates?: CertificateDistribution;
    balancer?: NginxBalancer;
    lbPair?: ServiceHost[];
    pair?: NginxPair;
    managedBalancer?: DigitalOceanBalancer;
    alerts?: ClusterAlerts;
    backup?: DirectoryBackup;
}
const clusterParts = new WeakMap<object, GluuClusterParts>();
function partsOf(cluster: object): GluuClusterParts {
    let parts = clusterParts.get(cluster);
    if (!parts) {
        parts = { nodes: [] };
        clusterParts.set(cluster, parts);
    }
    return parts;
}

/** A Gluu cluster: N nodes installed in parallel from one source of truth, on droplets or existing hosts. */
export class GluuCluster extends pulumi.ComponentResource {
    /** Public addresses of the nodes. */
    public readonly nodeAddresses!: pulumi.Output<string[]>;
    /** Private addresses of the nodes. */
    public readonly nodePrivateAddresses!: pulumi.Output<string[]>;
    /** oxTrust URL through the load balancer. */
    public readonly adminUrl!: pulumi.Output<string>;
    /** Directory Manager password (secret). */
    public readonly ldapPassword!: pulumi.Output<string>;
    /** oxTrust `admin` password (secret): `ldapPassword` on 3.1.6, whose setup.py uses that for the admin. */
    public readonly adminPassword!: pulumi.Output<string>;
    /** The SSH login private key when the program generated one (secret). */
    public readonly sshPrivateKey?: pulumi.Output<string>;
    /** The settings every node's setup.properties is rendered from (secret). */
    public readonly setup!: pulumi.Output<GluuSetupSettings>;
    /** Tag on every member droplet (firewall rules select members by it). */
    public readonly memberTag?: pulumi.Output<string>;
    /** The VPC the droplets use. */
    public readonly vpcUuid?: pulumi.Output<string>;
    /** The cluster's URL. */
    public readonly url!: pulumi.Output<string>;
    /** Address users reach: the NGINX host's public address, `nginx-pair`'s virtual IP, the managed load balancer's address; undefined with `external`. */
    public readonly lbAddress?: pulumi.Output<string>;
    /** Private address(es) of the cache: the cache host, the `redis-ha` hosts (comma-separated), the Valkey private host; empty for `ldap`. */
    public readonly cacheAddress!: pulumi.Output<string>;
    /** The cache password (secret): Redis's, or the one DigitalOcean generated for Valkey; undefined for `ldap`. */
    public readonly redisPassword?: pulumi.Output<string>;
    /** `redis-ha`: the acknowledged writes a failover can lose with these settings, in words. */
    public readonly cacheWriteLossBound?: pulumi.Output<string>;
    /** `dsreplication status` after the last change: entries and missing changes per server and base DN. */
    public readonly replicationStatus!: pulumi.Output<ReplicationStatusRow[]>;
    /** PING through each node's tunnel to Redis: `{ "<node>": "PONG" }`. */
    public readonly cacheHealth!: pulumi.Output<Record<string, string>>;
    /** HTTP status of each node and of the load balancer after the restarts (NGINX only). */
    public readonly lbHealth?: pulumi.Output<Record<string, string>>;
    /** With `externalLoadBalancer`: what your load balancer must do. */
    public readonly loadBalancer?: pulumi.Output<ExternalLbDescription>;
    /**
     * What is up, per host and per probe, after the last change: each node's own oxAuth OpenID configuration,
     * `/identity/` and the other sticky paths (HTTP status, or `down (…)`) and its cache tunnel (`cache`); each NGINX
     * host's view of the nodes and of itself (`lb`); the managed load balancer's (`managed-lb`). Ask a node again
     * any time with `ssh root@<node> gluu-health`.
     */
    public readonly health!: pulumi.Output<Record<string, Record<string, string>>>;
    /** With `backupBucket`: the backup job's last success and failure, read from the backup node. */
    public readonly lastBackup?: pulumi.Output<BackupStatus>;
    /** With `backupBucket`: the certificate the backups are encrypted to (public). */
    public readonly backupRecipientCertificatePem?: pulumi.Output<string>;
    /** With `backupBucket`: the private key that decrypts the backups (secret). */
    public readonly backupPrivateKeyPem?: pulumi.Output<string>;

    // The parts below are getters over `clusterParts`, not fields: a component package publishes every field as an
    // output (@pulumi/pulumi@3.248.0 provider/experimental/analyzer.js analyzeComponent/analyzeSymbols take each
    // member with SymbolFlags.Property; accessors are not), and components of this package cannot be outputs there
    // (getResourceType resolves only classes of @pulumi/* packages). TypeScript programs use them as before.

    /** The nodes, in order; the first is the initial primary. (TypeScript only; not a component package output.) */
    public get nodes(): GluuNode[] {
        return partsOf(this).nodes;
    }
    /** The cache host of `cache: redis` (Redis with its own TLS); undefined for the other choices. (TypeScript only.) */
    public get cache(): ServiceHost | undefined {
        return partsOf(this).cache;
    }
    /** The cache hosts of `cache: redis-ha`. (TypeScript only.) */
    public get cacheHosts(): ServiceHost[] {
        return partsOf(this).cacheHosts ?? [];
    }
    /** The load-balancer host of `loadBalancer: nginx` (undefined otherwise). (TypeScript only.) */
    public get lb(): ServiceHost | undefined {
        return partsOf(this).lb;
    }
    /** The two load-balancer hosts of `loadBalancer: nginx-pair`. (TypeScript only.) */
    public get lbPair(): ServiceHost[] | undefined {
        return partsOf(this).lbPair;
    }
    /** The NGINX pair (`nginx-pair`). (TypeScript only.) */
    public get pair(): NginxPair | undefined {
        return partsOf(this).pair;
    }
    /** The DigitalOcean managed load balancer (`digitalocean`). (TypeScript only.) */
    public get managedBalancer(): DigitalOceanBalancer | undefined {
        return partsOf(this).managedBalancer;
    }
    /** The DigitalOcean alerts (droplets with `alertEmails`). (TypeScript only.) */
    public get alerts(): ClusterAlerts | undefined {
        return partsOf(this).alerts;
    }
    /** The cluster services, for programs that add their own steps after them. (TypeScript only.) */
    public get redis(): SecureRedis | undefined {
        return partsOf(this).redis;
    }
    public get redisHa(): RedisHa | undefined {
        return partsOf(this).redisHa;
    }
    public get valkey(): ManagedValkey | undefined {
        return partsOf(this).valkey;
    }
    public get replication(): OpenDjReplication {
        return partsOf(this).replication!;
    }
    public get fileSync(): Csync2Mesh {
        return partsOf(this).fileSync!;
    }
    public get cacheConfig(): LdapCacheConfig {
        return partsOf(this).cacheConfig!;
    }
    public get certificates(): CertificateDistribution {
        return partsOf(this).certificates!;
    }
    /** The NGINX load balancer of `nginx` and `external` (undefined for `nginx-pair` and `digitalocean`). */
    public get balancer(): NginxBalancer | undefined {
        return partsOf(this).balancer;
    }

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
        const lbKind = resolveLoadBalancer(args.loadBalancer, args.externalLoadBalancer, argKey).kind;

        // --- one source of truth: generated once, identical on every node ---
        const ldapPassword = args.ldapPassword
            ? pulumi.secret(args.ldapPassword)
            : new random.RandomPassword(`${name}-ldap-password`, PASSWORD, { parent: this }).result;
        const adminPassword = args.adminPassword
            ? pulumi.secret(args.adminPassword)
            : new random.RandomPassword(`${name}-admin-password`, PASSWORD, { parent: this }).result;
        const encodeSalt = new random.RandomPassword(`${name}-encode-salt`, PASSWORD, { parent: this }).result;
        const jksPassword = new random.RandomPassword(`${name}-openid-jks-password`, PASSWORD, { parent: this }).result;
        // One LDAP truststore password for the cluster: the primary's /etc/certs/opendj.pkcs12 is copied to every
        // node, and each node's LDAP properties open it with the pin setup.py derived from this value.
        const truststorePassword = new random.RandomPassword(`${name}-ldap-truststore-password`, PASSWORD, { parent: this }).result;
        const inumHex = (role: string, bytes: number) =>
            new random.RandomId(`${name}-${role}`, { byteLength: bytes }, { parent: this }).hex.apply((h) =>
                h.toUpperCase().match(/.{4}/g)!.join("."),
            );
        const baseInum = inumHex("base-inum", 8).apply((h) => `@!${h}`);
        const orgSuffix = inumHex("org-inum", 4);
        const applianceSuffix = inumHex("appliance-inum", 4);
        const setup: pulumi.Output<GluuSetupSettings> = pulumi.secret(
            pulumi
                .all([args.hostname, args.orgName, args.city, args.state, args.countryCode, args.adminEmail, ldapPassword, adminPassword, encodeSalt, jksPassword, truststorePassword, baseInum, orgSuffix, applianceSuffix])
                .apply(([hostname, orgName, city, state, countryCode, adminEmail, ldapPw, adminPw, salt, jks, truststore, base, org, appliance]) => ({
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
                    ldapTruststorePassword: truststore,
                    baseInum: base,
                    inumOrg: `${base}!0001!${org}`,
                    inumAppliance: `${base}!0002!${appliance}`,
                })),
        );

        // --- network (droplets only) ---
        let sshPrivateKey = args.sshPrivateKey;
        let fingerprints = args.sshKeyFingerprints;
        let memberTag: pulumi.Output<string> | undefined;
        let lbTag: pulumi.Output<string> | undefined;
        let cacheTag: pulumi.Output<string> | undefined;
        let vpcUuid: pulumi.Input<string> | undefined = args.vpcUuid;
        let cloud: ReturnType<typeof cloudNames> | undefined;
        // The members' firewall; with a managed load balancer it is made once that balancer exists (its 443 rule names it).
        let memberFirewall: ((https: digitalocean.types.input.FirewallInboundRule) => void) | undefined;
        if (droplets) {
            // Account-wide names carry the stack (two stacks in one account never share a VPC, tag or firewall).
            cloud = cloudNames(cloudNamePrefix(name, currentStackIdentity(pulumi.getOrganization, pulumi.getProject(), pulumi.getStack())));
            // Retained droplets outlive the stack: so do the VPC they sit in (DigitalOcean refuses to delete a VPC
            // with members), the tags that select them and the firewalls that protect them (deleting a tag would
            // untag them and leave them open).
            const keepNetwork = { retainOnDelete: args.retainDroplets ?? false };
            if (!fingerprints) {
                const login = new tls.PrivateKey(`${name}-login-key`, { algorithm: "ED25519" }, { parent: this });
                const doKey = new digitalocean.SshKey(`${name}-login-key`, { name: cloud.loginKey, publicKey: login.publicKeyOpenssh }, { parent: this });
                fingerprints = [doKey.fingerprint];
                sshPrivateKey = login.privateKeyOpenssh;
                this.sshPrivateKey = pulumi.secret(login.privateKeyOpenssh);
            }
            if (!vpcUuid) {
                const vpc = new digitalocean.Vpc(`${name}-vpc`, { name: cloud.vpc, region: args.region!, ipRange: args.vpcIpRange }, { parent: this, ...keepNetwork });
                vpcUuid = vpc.id;
            }
            memberTag = new digitalocean.Tag(`${name}-member`, { name: cloud.memberTag }, { parent: this, ...keepNetwork }).name;
            lbTag = new digitalocean.Tag(`${name}-lb`, { name: cloud.lbTag }, { parent: this, ...keepNetwork }).name;
            cacheTag = new digitalocean.Tag(`${name}-cache`, { name: cloud.cacheTag }, { parent: this, ...keepNetwork }).name;
            const [fwName, fwMemberTag, fwLbTag] = [cloud.memberFirewall, memberTag, lbTag];
            memberFirewall = (https) =>
                new digitalocean.Firewall(
                    `${name}-members`,
                    {
                        name: fwName,
                        tags: [fwMemberTag],
                        inboundRules: [
                            { protocol: "tcp", portRange: "22", sourceAddresses: args.adminCidrs! },
                            // Backends answer only the load balancer: ours (by tag or, managed, by its id), or yours
                            // from the addresses you give. Cluster ports only other members.
                            https,
                            ...MEMBER_PORTS.map((p) => ({ protocol: "tcp", portRange: String(p), sourceTags: [fwMemberTag] })),
                            { protocol: "icmp", sourceTags: [fwMemberTag, fwLbTag] },
                        ],
                        outboundRules: OUTBOUND_ANY,
                    },
                    { parent: this, ...keepNetwork },
                );
            if (lbKind === "external") {
                memberFirewall({ protocol: "tcp", portRange: "443", sourceAddresses: args.externalLbSourceCidrs! });
                memberFirewall = undefined;
            } else if (lbKind === "nginx") {
                memberFirewall({ protocol: "tcp", portRange: "443", sourceTags: [lbTag] });
                memberFirewall = undefined;
            }
            // Redis's TLS port answers members only; the load balancer answers the world on 80/443 only.
            new digitalocean.Firewall(
                `${name}-cache`,
                {
                    name: cloud.cacheFirewall,
                    tags: [cacheTag],
                    inboundRules: [
                        { protocol: "tcp", portRange: "22", sourceAddresses: args.adminCidrs! },
                        { protocol: "tcp", portRange: String(CACHE_PORT), sourceTags: [memberTag] },
                        { protocol: "icmp", sourceTags: [memberTag] },
                    ],
                    outboundRules: OUTBOUND_ANY,
                },
                { parent: this, ...keepNetwork },
            );
            if (lbKind === "nginx") {
                new digitalocean.Firewall(
                    `${name}-lb`,
                    {
                        name: cloud.lbFirewall,
                        tags: [lbTag],
                        inboundRules: [
                            { protocol: "tcp", portRange: "22", sourceAddresses: args.adminCidrs! },
                            { protocol: "tcp", portRange: "80", sourceAddresses: ["0.0.0.0/0", "::/0"] },
                            { protocol: "tcp", portRange: "443", sourceAddresses: ["0.0.0.0/0", "::/0"] },
                        ],
                        outboundRules: OUTBOUND_ANY,
                    },
                    { parent: this, ...keepNetwork },
                );
            }
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
                          protectDroplet: args.protectDroplets,
                          retainDroplet: args.retainDroplets,
                          rebuild: args.rebuildNodes?.includes(nodeName),
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

        // --- the cache and load-balancer hosts: no Gluu, so they come up while the nodes install ---
        const serviceHost = (role: "cache" | "lb", existing: ExistingHostArgs | undefined, size: pulumi.Input<string> | undefined, tag: pulumi.Output<string> | undefined, machine = `${name}-${role}`) =>
            new ServiceHost(
                existing?.name ?? machine,
                existing
                    ? {
                          existingAddress: existing.address,
                          existingPrivateAddress: existing.privateAddress,
                          hostKey: existing.hostKey,
                          sshUser: existing.sshUser ?? args.sshUser,
                          sshPort: existing.sshPort,
                          sshPrivateKey,
                          sshAgentSocketPath: args.sshAgentSocketPath,
                          timeSync: args.timeSync,
                      }
                    : {
                          region: args.region,
                          dropletSize: size,
                          dropletImage: args.serviceDropletImage ?? "ubuntu-24-04-x64",
                          vpcUuid,
                          tags: [tag!, ...(args.tags ?? [])],
                          sshKeyFingerprints: fingerprints,
                          monitoring: args.monitoring,
                          backups: args.backups,
                          sshUser: args.sshUser,
                          sshPort: args.sshPort,
                          sshPrivateKey,
                          sshAgentSocketPath: args.sshAgentSocketPath,
                          timeSync: args.timeSync,
                          // The cache holds sessions; the load balancer holds nothing worth keeping.
                          protectDroplet: role === "cache" ? args.protectDroplets : undefined,
                          retainDroplet: role === "cache" ? args.retainDroplets : undefined,
                          rebuild: args.rebuildNodes?.includes(machine),
                      },
                { parent: this },
            );
        const cacheKind = args.cache ?? "redis";
        if (cacheKind === "redis") {
            partsOf(this).cache = serviceHost("cache", args.cacheHost, args.cacheDropletSize, cacheTag);
        } else if (cacheKind === "redis-ha") {
            partsOf(this).cacheHosts = cacheMachineNames(name, args).map((machine, i) => serviceHost("cache", args.cacheHosts?.[i], args.cacheDropletSize, cacheTag, machine));
        }
        if (lbKind === "nginx") {
            partsOf(this).lb = serviceHost("lb", args.lbHost, args.lbDropletSize, lbTag);
        } else if (lbKind === "nginx-pair") {
            // Existing hosts only (validated): each named `<name>-lb-<n>` unless it has a name.
            partsOf(this).lbPair = args.lbHosts!.map((h, i) => serviceHost("lb", { ...h, name: h.name ?? `${name}-lb-${i + 1}` }, undefined, undefined));
        }

        // --- cluster services, wired along explicit edges ---
        const ca = new ClusterCa(`${name}-ca`, {}, { parent: this });
        // The primary (whose data, files and certificates the others receive) goes first for every service.
        const primaryIndex = args.primaryNode === undefined ? 0 : names.indexOf(args.primaryNode);
        const order = [primaryIndex, ...names.map((_, i) => i).filter((i) => i !== primaryIndex)];
        const ordered = order.map((i) => this.nodes[i]);
        const installed = ordered.map((n) => n.installedHost);
        // --- the cache: one self-contained block per choice; each gives what Gluu needs (the password, the steps
        // before oxAuth may use it, per node in `this.nodes` order) and what the stack reports ---
        let cachePassword: pulumi.Output<string> | undefined;
        let cacheReady: command.remote.Command[][] = this.nodes.map(() => []);
        let cacheHealth: pulumi.Output<Record<string, string>> = pulumi.output({} as Record<string, string>);
        let cacheAddress: pulumi.Output<string> = pulumi.output("");
        if (cacheKind === "redis") {
            partsOf(this).redis = new SecureRedis(
                `${name}-redis`,
                {
                    cacheHost: this.cache!.host,
                    clients: this.nodes.map((n) => n.host),
                    ...ca.caArgs,
                    password: args.redisPassword,
                    persistence: args.redisPersistence,
                    maxmemoryMb: args.redisMaxmemoryMb,
                },
                { parent: this },
            );
            cachePassword = this.redis!.password;
            cacheReady = this.redis!.ready.map((r) => [r]);
            cacheHealth = this.redis!.health;
            cacheAddress = this.cache!.privateIp;
        }
        if (cacheKind === "redis-ha") {
            const hosts = this.cacheHosts.map((h) => h.host);
            if (droplets) {
                // Replication and Sentinel between cache hosts, Sentinel from the nodes (HAProxy reaches 16379 through
                // the cache firewall's member rule); the nodes' Sentinels answer cache hosts and nodes.
                const ha = cloudNames(cloudNamePrefix(name, currentStackIdentity(pulumi.getOrganization, pulumi.getProject(), pulumi.getStack())));
                const keepNetwork = { retainOnDelete: args.retainDroplets ?? false };
                new digitalocean.Firewall(
                    `${name}-cache-ha`,
                    {
                        name: `${ha.cacheFirewall}-ha`,
                        tags: [cacheTag!],
                        inboundRules: [
                            { protocol: "tcp", portRange: String(REDIS_HA_PORTS.redis), sourceTags: [cacheTag!] },
                            { protocol: "tcp", portRange: String(REDIS_HA_PORTS.sentinel), sourceTags: [cacheTag!, memberTag!] },
                        ],
                    },
                    { parent: this, ...keepNetwork },
                );
                if (defaultSentinelHosts({ cacheHosts: hosts, clients: this.nodes.map((n) => n.host) }).some((h) => names.includes(h.name))) {
                    new digitalocean.Firewall(
                        `${name}-sentinel`,
                        {
                            name: `${ha.memberFirewall}-sentinel`,
                            tags: [memberTag!],
                            inboundRules: [{ protocol: "tcp", portRange: String(REDIS_HA_PORTS.sentinel), sourceTags: [cacheTag!, memberTag!] }],
                        },
                        { parent: this, ...keepNetwork },
                    );
                }
            }
            partsOf(this).redisHa = new RedisHa(
                `${name}-redis-ha`,
                {
                    cacheHosts: hosts,
                    clients: this.nodes.map((n) => n.host),
                    ...ca.caArgs,
                    password: args.redisPassword,
                    persistence: args.redisPersistence,
                    maxmemoryMb: args.redisMaxmemoryMb,
                    minReplicasToWrite: args.redisMinReplicasToWrite,
                    minReplicasMaxLagSeconds: args.redisMinReplicasMaxLagSeconds,
                    downAfterMs: args.sentinelDownAfterMs,
                    failoverTimeoutMs: args.sentinelFailoverTimeoutMs,
                },
                { parent: this },
            );
            cachePassword = this.redisHa!.password;
            cacheReady = this.redisHa!.ready.map((r) => [r]);
            cacheHealth = this.redisHa!.health;
            cacheAddress = pulumi.all(this.cacheHosts.map((h) => h.privateIp)).apply((ips) => ips.join(","));
        }
        if (cacheKind === "digitalocean") {
            const dbName = cloudNames(cloudNamePrefix(name, currentStackIdentity(pulumi.getOrganization, pulumi.getProject(), pulumi.getStack()))).cacheTag.replace(/-cache$/, "-valkey");
            partsOf(this).valkey = new ManagedValkey(
                `${name}-valkey`,
                {
                    clusterName: dbName,
                    region: args.region!,
                    vpcUuid: vpcUuid!,
                    memberTag: memberTag!,
                    clients: this.nodes.map((n) => n.host),
                    ...ca.caArgs,
                    size: args.valkeySize,
                    version: args.valkeyVersion,
                    evictionPolicy: args.valkeyEvictionPolicy,
                    tags: args.tags,
                    retainOnDelete: args.retainDroplets,
                },
                { parent: this },
            );
            cachePassword = this.valkey!.password;
            cacheReady = this.valkey!.ready.map((r) => [r]);
            cacheHealth = this.valkey!.health;
            cacheAddress = this.valkey!.privateHost;
        }
        // `ldap`: nothing to build; the LdapCacheConfig edit below selects NATIVE_PERSISTENCE.
        partsOf(this).replication = new OpenDjReplication(
            `${name}-replication`,
            { nodes: installed, version, directoryManagerPassword: ldapPassword },
            { parent: this },
        );
        partsOf(this).fileSync = new Csync2Mesh(
            `${name}-csync2`,
            {
                nodes: ordered.map((n) => n.host),
                version,
                ...ca.caArgs,
                initialSyncAfter: this.nodes.map((n) => n.install),
                intervalMinutes: args.csync2IntervalMinutes,
            },
            { parent: this },
        );
        const cacheRefreshIndex = args.cacheRefreshNode === undefined ? -1 : names.indexOf(args.cacheRefreshNode);
        partsOf(this).cacheConfig = new LdapCacheConfig(
            `${name}-cache-config`,
            {
                host: installed[0],
                version,
                directoryManagerPassword: ldapPassword,
                cacheProvider: cacheKind === "ldap" ? "NATIVE_PERSISTENCE" : "REDIS",
                redisPassword: cachePassword,
                encodeSalt,
                inumAppliance: pulumi.unsecret(setup.apply((s) => s.inumAppliance)),
                idpServers: this.nodes.map((n) => pulumi.interpolate`${n.privateIp}:1636`),
                cacheRefreshServerIp: cacheRefreshIndex >= 0 ? this.nodes[cacheRefreshIndex].privateIp : undefined,
                after: [this.replication.initialized],
            },
            { parent: this },
        );
        partsOf(this).certificates = new CertificateDistribution(
            `${name}-certs`,
            {
                nodes: installed,
                version,
                hostname: args.hostname,
                restartAfter: [this.cacheConfig.step],
                nodeRestartAfter: order.map((i, k) => [...cacheReady[i], this.replication.nodeReady[k], this.fileSync.synced[k]]),
                restartRevision: [this.cacheConfig.revision],
            },
            { parent: this },
        );
        const ownCertificate = args.lbCertificatePem !== undefined;
        const lbCertificatePem = ownCertificate ? pulumi.output(args.lbCertificatePem!) : this.certificates.httpdCertificatePem;
        const lbPrivateKeyPem = ownCertificate ? pulumi.secret(args.lbPrivateKeyPem!) : this.certificates.httpdPrivateKeyPem;
        const backends = this.nodes.map((n, i) => ({ name: names[i], address: n.privateIp }));
        if (lbKind === "nginx" || lbKind === "external") {
            partsOf(this).balancer = new NginxBalancer(
                `${name}-balancer`,
                {
                    hostname: args.hostname,
                    version,
                    backends,
                    external: lbKind === "external",
                    ...(this.lb
                        ? {
                              lbHost: this.lb.host,
                              certificatePem: lbCertificatePem,
                              privateKeyPem: lbPrivateKeyPem,
                              backendCaPem: this.certificates.httpdCertificatePem,
                              installAfter: [this.certificates.httpdExport],
                              healthAfter: this.certificates.restarts,
                          }
                        : {}),
                },
                { parent: this },
            );
        } else if (lbKind === "nginx-pair") {
            // VRRP's PASS authentication keeps 8 characters (components/render/keepalived.ts says what it is worth).
            const vrrpPassword = new random.RandomPassword(`${name}-vrrp-password`, { length: 8, special: false, minLower: 1, minUpper: 1, minNumeric: 1 }, { parent: this }).result;
            partsOf(this).pair = new NginxPair(
                `${name}-lb-pair`,
                {
                    hostname: args.hostname,
                    version,
                    backends,
                    lbHosts: this.lbPair!.map((h) => h.host),
                    virtualIp: args.lbVirtualIp!,
                    virtualRouterId: args.lbVirtualRouterId,
                    vrrpPassword,
                    certificatePem: lbCertificatePem,
                    privateKeyPem: lbPrivateKeyPem,
                    backendCaPem: this.certificates.httpdCertificatePem,
                    installAfter: [this.certificates.httpdExport],
                    healthAfter: this.certificates.restarts,
                },
                { parent: this },
            );
        } else {
            const managed = new DigitalOceanBalancer(
                `${name}-managed-lb`,
                {
                    hostname: args.hostname,
                    cloudName: cloud!.lbTag,
                    region: args.region!,
                    vpcUuid: vpcUuid!,
                    memberTag: memberTag!,
                    certificatePem: lbCertificatePem,
                    privateKeyPem: lbPrivateKeyPem,
                },
                { parent: this },
            );
            partsOf(this).managedBalancer = managed;
            // The members' 443 answers that load balancer only.
            memberFirewall!({ protocol: "tcp", portRange: "443", sourceLoadBalancerUids: [managed.loadBalancerId] });
        }
        if (droplets && args.alertEmails !== undefined) {
            partsOf(this).alerts = new ClusterAlerts(
                `${name}-alerts`,
                { hostname: args.hostname, cloudName: cloud!.lbTag.replace(/-lb$/, ""), emails: args.alertEmails, tags: [memberTag!, cacheTag!, lbTag!] },
                { parent: this },
            );
        }

        // --- health: every node probes its own oxAuth, oxTrust and cache tunnel once the restarts are done ---
        const healthPaths = pulumi.all([version]).apply(([v]) => ["/oxauth/.well-known/openid-configuration", "/identity/", ...profileFor(v).lbPaths.sticky.filter((p) => p !== "/identity").map((p) => `${p}/`)]);
        const nodeHealth = this.nodes.map((node, i) =>
            remoteStep(`${names[i]}-health`, {
                host: node.host,
                create: pulumi.all([args.hostname, healthPaths]).apply(([serverName, paths]) => healthStepScript({ serverName, paths, cachePort: cacheKind === "ldap" ? undefined : CACHE_PORT })),
                dependsOn: [...this.certificates.restarts, ...cacheReady.flat()],
                parent: this,
            }),
        );
        const lbHealth: pulumi.Input<Record<string, Record<string, string>>>[] = [];
        if (this.balancer?.health) lbHealth.push(this.balancer.health.apply((h) => ({ [this.lb!.host.name]: h })));
        if (this.pair?.health) lbHealth.push(this.pair.health);
        if (this.managedBalancer) {
            // Through the managed load balancer, from the primary (the hostname's DNS may not point at it yet).
            const probe = remoteStep(`${name}-managed-lb-health`, {
                host: ordered[0].host,
                create: pulumi
                    .all([args.hostname, this.managedBalancer.ip])
                    .apply(([serverName, address]) => healthStepScript({ serverName, address, paths: ["/oxauth/.well-known/openid-configuration", "/identity/"] })),
                dependsOn: [...this.certificates.restarts, this.managedBalancer.loadBalancer],
                parent: this,
            });
            lbHealth.push(probe.stdout.apply((out) => ({ "managed-lb": parseHealthLine(out) })));
        }
        this.health = pulumi
            .all([pulumi.all(nodeHealth.map((s) => s.stdout)), pulumi.all(lbHealth)])
            .apply(([outs, lbs]) => {
                const all: Record<string, Record<string, string>> = Object.fromEntries(outs.map((out, i) => [names[i], parseHealthLine(out)]));
                for (const l of lbs as Record<string, Record<string, string>>[]) Object.assign(all, l);
                return all;
            });

        // --- backups (issue 13): the job on the backup node once replication is initialised ---
        if (args.backupBucket !== undefined) {
            const backupIndex = args.backupNode === undefined ? primaryIndex : names.indexOf(args.backupNode);
            const keepDays = args.backupKeepDays ?? 30;
            const prefix = `${name}/`;
            let endpoint = args.backupEndpoint;
            let region = args.backupRegion;
            let accessKeyId = args.backupAccessKeyId;
            let secretAccessKey = args.backupSecretAccessKey;
            if (endpoint === undefined) {
                // Droplets: a Spaces bucket, versioned (a deleted or overwritten backup stays a noncurrent version), with
                // a lifecycle rule for keepDays. The provider needs Spaces credentials for it (digitalocean:spacesAccessId,
                // digitalocean:spacesSecretKey; terraform-provider-digitalocean@v2.99.1 digitalocean/config/config.go:42-46).
                // Kept when the stack goes: backups must outlive the cluster they restore.
                region = pulumi.output(args.backupRegion ?? args.region!).apply((r) => r.toLowerCase());
                const bucket = new digitalocean.SpacesBucket(
                    `${name}-backups`,
                    {
                        name: args.backupBucket,
                        region,
                        acl: "private",
                        versioning: { enabled: true },
                        lifecycleRules: [
                            {
                                id: "gluu-backup-retention",
                                enabled: true,
                                prefix,
                                expiration: { days: keepDays },
                                noncurrentVersionExpiration: { days: keepDays },
                                abortIncompleteMultipartUploadDays: 1,
                            },
                        ],
                    },
                    { parent: this, retainOnDelete: true },
                );
                endpoint = region.apply(spacesEndpoint);
                if (accessKeyId === undefined) {
                    // The host's own key: read and write on this bucket only.
                    const key = new digitalocean.SpacesKey(
                        `${name}-backup-key`,
                        { name: pulumi.interpolate`${args.backupBucket}-writer`, grants: [{ bucket: bucket.name, permission: "readwrite" }] },
                        { parent: this },
                    );
                    accessKeyId = key.accessKey;
                    secretAccessKey = key.secretKey;
                }
            }
            partsOf(this).backup = new DirectoryBackup(
                `${name}-backup`,
                {
                    host: this.nodes[backupIndex].installedHost,
                    version,
                    directoryManagerPassword: ldapPassword,
                    schedule: args.backupSchedule,
                    keepLocal: args.backupKeepLocal,
                    keepDays,
                    bucket: args.backupBucket,
                    endpoint: endpoint!,
                    region: region!,
                    accessKeyId: accessKeyId!,
                    secretAccessKey: secretAccessKey!,
                    prefix,
                    after: [this.replication.initialized],
                    statusRefresh: args.backupStatusRefresh,
                    restoreFrom: args.restoreFrom,
                    restoreMaxAgeDays: args.restoreMaxAgeDays,
                    restoreForce: args.restoreForce,
                    members: order.filter((i) => i !== backupIndex).map((i) => this.nodes[i].installedHost),
                    replicationAdminPassword: this.replication.replicationAdminPassword,
                },
                { parent: this },
            );
            this.lastBackup = partsOf(this).backup!.lastBackup;
            this.backupRecipientCertificatePem = partsOf(this).backup!.recipientCertificatePem;
            this.backupPrivateKeyPem = partsOf(this).backup!.privateKeyPem;
        }

        this.nodeAddresses = pulumi.all(this.nodes.map((n) => n.publicIp));
        this.nodePrivateAddresses = pulumi.all(this.nodes.map((n) => n.privateIp));
        this.adminUrl = pulumi.interpolate`https://${args.hostname}/identity`;
        this.ldapPassword = pulumi.secret(ldapPassword);
        // 3.1.6's setup.py never reads oxtrust_admin_password: oxTrust's admin logs in with the Directory Manager password.
        this.adminPassword = pulumi.secret(
            pulumi.all([version, ldapPassword, adminPassword]).apply(([v, ldapPw, adminPw]) => (profileFor(v).setupReadsAdminPassword ? adminPw : ldapPw)),
        );
        this.setup = setup;
        this.url = (this.balancer ?? this.pair ?? this.managedBalancer)!.url;
        this.lbAddress = this.lb?.publicIp ?? this.pair?.virtualIp ?? this.managedBalancer?.ip;
        this.cacheAddress = cacheAddress;
        this.redisPassword = cachePassword;
        this.cacheWriteLossBound = this.redisHa?.writeLossBound;
        this.replicationStatus = this.replication.status;
        this.cacheHealth = cacheHealth;
        this.lbHealth = this.balancer?.health;
        this.loadBalancer = this.balancer?.externalDescription;
        this.registerOutputs({
            url: this.url,
            lbAddress: this.lbAddress,
            cacheAddress: this.cacheAddress,
            redisPassword: this.redisPassword,
            cacheWriteLossBound: this.cacheWriteLossBound,
            replicationStatus: this.replicationStatus,
            cacheHealth: this.cacheHealth,
            lbHealth: this.lbHealth,
            loadBalancer: this.loadBalancer,
            health: this.health,
            nodeAddresses: this.nodeAddresses,
            nodePrivateAddresses: this.nodePrivateAddresses,
            adminUrl: this.adminUrl,
            ldapPassword: this.ldapPassword,
            adminPassword: this.adminPassword,
            sshPrivateKey: this.sshPrivateKey,
            lastBackup: this.lastBackup,
            backupRecipientCertificatePem: this.backupRecipientCertificatePem,
            backupPrivateKeyPem: this.backupPrivateKeyPem,
        });
    }

    /** The nodes as hosts with Gluu installed (for the cluster services). */
    public installedHosts(): HostArgs[] {
        return this.nodes.map((n) => n.installedHost);
    }
}
