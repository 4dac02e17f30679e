// RedisHa: the `redis-ha` cache. A Redis primary and replicas on separate cache hosts, Sentinels with a quorum on
// three or more hosts, and on every Gluu node an HAProxy on 127.0.0.1:16379 that follows the primary. Every hop
// between hosts is Redis's own TLS with client certificates from the cluster CA (replication, Sentinel to Redis,
// Sentinel to Sentinel, HAProxy to Redis); oxAuth's plain connection never leaves its node's loopback.

import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as random from "@pulumi/random";
import { issueCertificate } from "./clusterCa";
import { HostArgs } from "./host";
import { remoteStep } from "./remoteStep";
import { haproxyInstallScript } from "./render/haproxy";
import { REDIS_HA_PORTS, redisHaHealthScript, redisHaSetupScript, writeLossBound } from "./render/redisHa";
import { RedisPersistence } from "./render/redis";
import { SENTINEL_TIMING_DEFAULTS, sentinelQuorum, sentinelQuorumScript, sentinelSetupScript } from "./render/sentinel";

export interface RedisHaArgs {
    /** The cache hosts (≥ 2, base setup done). The first is the primary of a new set; after that Sentinel decides. */
    cacheHosts: HostArgs[];
    /** The hosts that use the cache (the Gluu nodes): each gets HAProxy on 127.0.0.1:16379. */
    clients: HostArgs[];
    /**
     * Hosts that run a Sentinel (≥ 3, each a cache host or a client). Defaults to the cache hosts, then the first
     * clients until there are three.
     */
    sentinelHosts?: HostArgs[];
    /** PEM certificate of the cluster CA. */
    caCertPem: pulumi.Input<string>;
    /** PEM private key of the cluster CA (secret). */
    caPrivateKeyPem: pulumi.Input<string>;
    /** Redis password (secret; letters, digits, `._~-`). Defaults to a generated 32-character one; set a new value to rotate it. */
    password?: pulumi.Input<string>;
    /** Sentinel password (secret). Defaults to a generated 32-character one. */
    sentinelPassword?: pulumi.Input<string>;
    /** Persistence on each cache host: `rdb`, `aof` or `none`. Defaults to `rdb`. */
    persistence?: RedisPersistence;
    /** `maxmemory` in MiB on each cache host (allkeys-lru). Defaults to no limit. */
    maxmemoryMb?: number;
    /**
     * `min-replicas-to-write`: replicas that must be online for the primary to take a write. Must leave one
     * replica to spare (≤ replicas − 1) so losing a replica never stops writes. Defaults to `1` with ≥ 3 cache
     * hosts and `0` with 2 (then a partition has no bound; see the README).
     */
    minReplicasToWrite?: number;
    /** `min-replicas-max-lag` in seconds. Defaults to `10`. */
    minReplicasMaxLagSeconds?: number;
    /** Sentinel `down-after-milliseconds`. Defaults to `5000`. */
    downAfterMs?: number;
    /** Sentinel `failover-timeout` in milliseconds. Defaults to `60000`. */
    failoverTimeoutMs?: number;
    /** HAProxy's check interval in milliseconds. Defaults to `1000`. */
    checkIntervalMs?: number;
}

/** The Sentinel hosts for these Args: the given ones, else the cache hosts and then clients until three. */
export function defaultSentinelHosts(args: Pick<RedisHaArgs, "cacheHosts" | "clients" | "sentinelHosts">): HostArgs[] {
    if (args.sentinelHosts) return args.sentinelHosts;
    const hosts = [...args.cacheHosts];
    for (const c of args.clients) {
        if (hosts.length >= 3) break;
        hosts.push(c);
    }
    return hosts;
}

/** Checks RedisHa Args that are known now. Exported for tests. */
export function validateRedisHaArgs(args: RedisHaArgs): string[] {
    const problems: string[] = [];
    if (args.cacheHosts.length < 2) {
        problems.push(`\`cacheHosts\` must list at least 2 hosts (a primary and a replica), got ${args.cacheHosts.length}`);
    }
    if (args.clients.length === 0) {
        problems.push("`clients` must list at least one host that uses the cache");
    }
    const cacheNames = args.cacheHosts.map((h) => h.name);
    const clientNames = args.clients.map((h) => h.name);
    cacheNames.forEach((n, i) => {
        if (cacheNames.indexOf(n) !== i) problems.push(`\`cacheHosts[${i}]\` ${n} is listed twice; each Redis needs its own host`);
        if (clientNames.includes(n)) problems.push(`\`cacheHosts[${i}]\` ${n} is also a client; Redis needs its own host`);
    });
    const sentinels = defaultSentinelHosts(args);
    const sentinelNames = sentinels.map((h) => h.name);
    if (new Set(sentinelNames).size !== sentinelNames.length) {
        problems.push("`sentinelHosts` lists a host twice; the quorum counts hosts");
    }
    if (new Set(sentinelNames).size < 3) {
        problems.push(`Sentinel needs 3 hosts for a quorum that survives losing one; ${args.sentinelHosts ? "`sentinelHosts` lists" : "the cache hosts and clients give"} ${new Set(sentinelNames).size}`);
    }
    sentinelNames.forEach((n, i) => {
        if (!cacheNames.includes(n) && !clientNames.includes(n)) problems.push(`\`sentinelHosts[${i}]\` ${n} is neither a cache host nor a client`);
    });
    const replicas = args.cacheHosts.length - 1;
    const m = args.minReplicasToWrite;
    if (m !== undefined && (!Number.isInteger(m) || m < 0 || m > Math.max(0, replicas - 1))) {
        problems.push(
            `\`minReplicasToWrite\` must be an integer 0–${Math.max(0, replicas - 1)} with ${args.cacheHosts.length} cache hosts (${replicas} replica(s)): it must leave one replica to spare, or losing a replica would stop every write; got ${JSON.stringify(m)}`,
        );
    }
    const lag = args.minReplicasMaxLagSeconds;
    if (lag !== undefined && (!Number.isInteger(lag) || lag < 1 || lag > 3600)) {
        problems.push(`\`minReplicasMaxLagSeconds\` must be an integer 1–3600, got ${JSON.stringify(lag)}`);
    }
    const down = args.downAfterMs;
    if (down !== undefined && (!Number.isInteger(down) || down < 500 || down > 600000)) {
        problems.push(`\`downAfterMs\` must be an integer 500–600000, got ${JSON.stringify(down)}`);
    }
    const fo = args.failoverTimeoutMs;
    if (fo !== undefined && (!Number.isInteger(fo) || fo < 1000 || fo > 3600000)) {
        problems.push(`\`failoverTimeoutMs\` must be an integer 1000–3600000, got ${JSON.stringify(fo)}`);
    }
    return problems;
}

/** The `redis-ha` cache (`gluu:index:RedisHa`). */
export class RedisHa extends pulumi.ComponentResource {
    /** What Gluu puts in `redisConfiguration.servers`: each node's local HAProxy. */
    public readonly address!: pulumi.Output<string>;
    /** The Redis password (secret). */
    public readonly password!: pulumi.Output<string>;
    /** PING through each client's HAProxy: `{ "<client>": "PONG" }`. */
    public readonly health!: pulumi.Output<Record<string, string>>;
    /** The acknowledged-write loss a failover can cause with these settings, in words. */
    public readonly writeLossBound!: pulumi.Output<string>;
    /** Steps that must finish before Gluu may use the cache (the clients' health checks). */
    public readonly ready: command.remote.Command[] = [];

    constructor(name: string, args: RedisHaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gluu:index:RedisHa", name, {}, opts);
        if (opts?.urn) {
            return;
        }
        const problems = validateRedisHaArgs(args);
        if (problems.length > 0) {
            throw new Error(`RedisHa \`${name}\`: ${problems.join("; ")}`);
        }
        const ca = { certPem: args.caCertPem, privateKeyPem: args.caPrivateKeyPem };
        const generated = (role: string) => new random.RandomPassword(`${name}-${role}`, { length: 32, special: false }, { parent: this }).result;
        const password = pulumi.secret(args.password ?? generated("password"));
        const sentinelPassword = pulumi.secret(args.sentinelPassword ?? generated("sentinel-password"));
        const safety = {
            minReplicasToWrite: args.minReplicasToWrite ?? (args.cacheHosts.length >= 3 ? 1 : 0),
            minReplicasMaxLagSeconds: args.minReplicasMaxLagSeconds ?? 10,
        };
        const timing = { downAfterMs: args.downAfterMs ?? SENTINEL_TIMING_DEFAULTS.downAfterMs, failoverTimeoutMs: args.failoverTimeoutMs ?? SENTINEL_TIMING_DEFAULTS.failoverTimeoutMs };
        const sentinels = defaultSentinelHosts(args);
        sentinelQuorum(sentinels.length);
        const primary = args.cacheHosts[0];

        // One certificate per host for Redis and Sentinel (both read /etc/redis/tls): server and client use.
        const hostCerts = new Map<string, { certPem: pulumi.Output<string>; privateKeyPem: pulumi.Output<string> }>();
        for (const h of [...args.cacheHosts, ...sentinels]) {
            if (!hostCerts.has(h.name)) {
                hostCerts.set(h.name, issueCertificate(`${h.name}-redis-ha-tls`, ca, { commonName: h.name, ipAddresses: [h.privateAddress], server: true, client: true }, this));
            }
        }
        const stdinFor = (host: HostArgs) => pulumi.interpolate`${password}\n${sentinelPassword}\n${hostCerts.get(host.name)!.privateKeyPem}`;
        const sentinelAddresses = pulumi.all(sentinels.map((s) => s.privateAddress));

        // Redis, one host at a time (the initial primary first): a change restarts one member, never all of them.
        const redisSteps = new Map<string, command.remote.Command>();
        let previous: command.remote.Command | undefined;
        for (const h of args.cacheHosts) {
            const cert = hostCerts.get(h.name)!;
            const step = remoteStep(`${h.name}-redis-ha`, {
                host: h,
                create: pulumi.all([h.privateAddress, primary.privateAddress, sentinelAddresses, cert.certPem, args.caCertPem]).apply(([address, initial, sentinelIps, certPem, caPem]) =>
                    redisHaSetupScript({ address, initialPrimary: initial, sentinels: sentinelIps, certPem, caPem, persistence: args.persistence, maxmemoryMb: args.maxmemoryMb, ...safety }),
                ),
                secretStdin: stdinFor(h),
                dependsOn: previous ? [previous] : [],
                parent: this,
            });
            redisSteps.set(h.name, step);
            previous = step;
        }

        // Sentinels after the whole set is up, in parallel (a Sentinel restart does not touch the data path).
        const sentinelSteps: command.remote.Command[] = [];
        sentinels.forEach((h, i) => {
            const cert = hostCerts.get(h.name)!;
            const peers = pulumi.all(sentinels.filter((_, k) => k !== i).map((s) => s.privateAddress));
            const step = remoteStep(`${h.name}-sentinel`, {
                host: h,
                create: pulumi.all([h.privateAddress, primary.privateAddress, peers, cert.certPem, args.caCertPem]).apply(([address, initial, peerIps, certPem, caPem]) =>
                    sentinelSetupScript({ address, initialPrimary: initial, peers: peerIps, sentinelCount: sentinels.length, certPem, caPem, ...timing }),
                ),
                secretStdin: stdinFor(h),
                dependsOn: [previous!],
                parent: this,
            });
            sentinelSteps.push(step);
        });
        const quorum = remoteStep(`${sentinels[0].name}-sentinel-quorum`, {
            host: sentinels[0],
            create: sentinelQuorumScript(),
            secretStdin: pulumi.interpolate`${sentinelPassword}\n`,
            dependsOn: sentinelSteps,
            parent: this,
        });

        // HAProxy on every client: independent of the cache hosts (it waits for a primary by itself).
        const servers = pulumi.all(args.cacheHosts.map((h) => pulumi.all([h.privateAddress]).apply(([address]) => ({ name: h.name, address }))));
        const health: Record<string, pulumi.Output<string>> = {};
        for (const client of args.clients) {
            const cert = issueCertificate(`${client.name}-redis-ha-client`, ca, { commonName: client.name, server: false, client: true }, this);
            const proxy = remoteStep(`${client.name}-haproxy`, {
                host: client,
                create: pulumi.all([servers, cert.certPem, args.caCertPem]).apply(([list, certPem, caPem]) =>
                    haproxyInstallScript({ servers: list, certPem, caPem, requireReplica: safety.minReplicasToWrite >= 1, checkIntervalMs: args.checkIntervalMs }),
                ),
                secretStdin: pulumi.interpolate`${password}\n${cert.privateKeyPem}`,
                dependsOn: [],
                parent: this,
            });
            const check = remoteStep(`${client.name}-redis-ha-health`, {
                host: client,
                create: redisHaHealthScript(),
                secretStdin: pulumi.interpolate`${password}\n`,
                dependsOn: [proxy, quorum],
                parent: this,
            });
            this.ready.push(check);
            health[client.name] = pulumi.unsecret(check.stdout.apply((out) => (out.trim() === "PONG" ? "PONG" : "no PONG")));
        }

        this.address = pulumi.output(`localhost:${REDIS_HA_PORTS.local}`);
        this.password = password;
        this.health = pulumi.all(health);
        this.writeLossBound = pulumi.output(writeLossBound(safety));
        this.registerOutputs({ address: this.address, password: this.password, health: this.health, writeLossBound: this.writeLossBound });
    }
}
