// SecureRedis: Redis on a cache host, bound to loopback with a password, reached by every Gluu node only
// through stunnel with mutual TLS (cluster CA). The seed's node stunnel had no `client = yes`; ours does.

import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as random from "@pulumi/random";
import { issueCertificate } from "./clusterCa";
import { HostArgs } from "./host";
import { remoteStep } from "./remoteStep";
import { RedisPersistence, redisHealthScript, redisSetupScript } from "./render/redis";
import { stunnelClientConf, stunnelInstallScript, stunnelServerConf } from "./render/stunnel";
import { isPort } from "./validation";

export interface SecureRedisArgs {
    /** The cache host (its base setup done). */
    cacheHost: HostArgs;
    /** The hosts that use the cache (the Gluu nodes): each gets an stunnel client on 127.0.0.1:`port`. */
    clients: HostArgs[];
    /** PEM certificate of the cluster CA that signs the tunnel certificates (`ClusterCa.certPem`). */
    caCertPem: pulumi.Input<string>;
    /** PEM private key of that CA (secret; `ClusterCa.privateKeyPem`). Leaf keys are made here, one per host. */
    caPrivateKeyPem: pulumi.Input<string>;
    /** Redis password (secret). Defaults to a generated 32-character one. */
    password?: pulumi.Input<string>;
    /** stunnel port, on the cache host's private address and on every client's loopback. Defaults to `16379`. */
    port?: number;
    /** Redis's own port on the cache host's loopback. Defaults to `6379`. */
    redisPort?: number;
    /**
     * Persistence: `rdb` (snapshots, Redis's defaults), `aof` (append-only, fsync every second) or `none`
     * (a restart empties the cache and users log in again). Defaults to `rdb`.
     */
    persistence?: RedisPersistence;
    /** `maxmemory` in MiB (evicting least recently used keys). Defaults to no limit. */
    maxmemoryMb?: number;
}

const PATHS = {
    ca: "/etc/stunnel/gluu-cluster-ca.crt",
    serverCert: "/etc/stunnel/redis-server.crt",
    serverKey: "/etc/stunnel/redis-server.key",
    clientCert: "/etc/stunnel/redis-client.crt",
    clientKey: "/etc/stunnel/redis-client.key",
};

/** Checks SecureRedis Args that are known now. Exported for tests. */
export function validateSecureRedisArgs(args: SecureRedisArgs): string[] {
    const problems: string[] = [];
    if (args.clients.length === 0) {
        problems.push("`clients` must list at least one host that uses the cache");
    }
    for (const [field, v] of [["port", args.port], ["redisPort", args.redisPort]] as const) {
        if (v !== undefined && !isPort(v)) {
            problems.push(`\`${field}\` must be an integer 1–65535, got ${JSON.stringify(v)}`);
        }
    }
    if (args.port !== undefined && args.port === args.redisPort) {
        problems.push("`port` and `redisPort` must differ: stunnel and Redis both listen on the cache host");
    }
    const names = args.clients.map((c) => c.name);
    if (names.includes(args.cacheHost.name)) {
        problems.push(`the cache host \`${args.cacheHost.name}\` is also a client; Redis needs its own host (the seed warns against sharing the LB's)`);
    }
    return problems;
}

/** Redis behind stunnel with mutual TLS (`gluu:index:SecureRedis`). */
export class SecureRedis extends pulumi.ComponentResource {
    /** What Gluu puts in `redisConfiguration.servers`: the local end of each node's tunnel. */
    public readonly address!: pulumi.Output<string>;
    /** The Redis password (secret). */
    public readonly password!: pulumi.Output<string>;
    /** PING through each client's tunnel: `{ "<client>": "PONG" }`. */
    public readonly health!: pulumi.Output<Record<string, string>>;
    /** Steps that must finish before Gluu may use the cache (the clients' health checks). */
    public readonly ready: command.remote.Command[] = [];

    constructor(name: string, args: SecureRedisArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gluu:index:SecureRedis", name, {}, opts);
        if (opts?.urn) {
            return;
        }
        const problems = validateSecureRedisArgs(args);
        if (problems.length > 0) {
            throw new Error(`SecureRedis \`${name}\`: ${problems.join("; ")}`);
        }
        const ca = { certPem: args.caCertPem, privateKeyPem: args.caPrivateKeyPem };
        const port = args.port ?? 16379;
        const redisPort = args.redisPort ?? 6379;
        const password = pulumi.secret(
            args.password ?? new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this }).result,
        );
        const cache = args.cacheHost;

        const redis = remoteStep(`${cache.name}-redis`, {
            host: cache,
            create: redisSetupScript({ port: redisPort, persistence: args.persistence, maxmemoryMb: args.maxmemoryMb }),
            secretStdin: pulumi.interpolate`${password}\n`,
            dependsOn: [],
            parent: this,
        });

        const server = issueCertificate(`${cache.name}-redis-tunnel`, ca, { commonName: cache.name, ipAddresses: [cache.privateAddress], server: true, client: false }, this);
        const serverTunnel = remoteStep(`${cache.name}-stunnel-server`, {
            host: cache,
            create: pulumi.all([cache.privateAddress, server.certPem, args.caCertPem]).apply(([address, certPem, caPem]) =>
                stunnelInstallScript({
                    confName: "redis-server",
                    conf: stunnelServerConf({ acceptAddress: address, acceptPort: port, connectPort: redisPort, certPath: PATHS.serverCert, keyPath: PATHS.serverKey, caPath: PATHS.ca }),
                    certPem,
                    caPem,
                    certPath: PATHS.serverCert,
                    keyPath: PATHS.serverKey,
                    caPath: PATHS.ca,
                    acceptCheck: { host: address, port },
                }),
            ),
            secretStdin: server.privateKeyPem,
            dependsOn: [redis],
            parent: this,
        });

        const health: Record<string, pulumi.Output<string>> = {};
        for (const client of args.clients) {
            // Each client's key is made for it and sent to it alone.
            const cert = issueCertificate(`${client.name}-redis-tunnel`, ca, { commonName: client.name, server: false, client: true }, this);
            const clientTunnel = remoteStep(`${client.name}-stunnel-client`, {
                host: client,
                create: pulumi.all([cache.privateAddress, cert.certPem, args.caCertPem]).apply(([address, certPem, caPem]) =>
                    stunnelInstallScript({
                        confName: "redis-client",
                        conf: stunnelClientConf({ acceptPort: port, connectHost: address, connectPort: port, checkHost: cache.name, certPath: PATHS.clientCert, keyPath: PATHS.clientKey, caPath: PATHS.ca }),
                        certPem,
                        caPem,
                        certPath: PATHS.clientCert,
                        keyPath: PATHS.clientKey,
                        caPath: PATHS.ca,
                        acceptCheck: { host: "127.0.0.1", port },
                    }),
                ),
                secretStdin: cert.privateKeyPem,
                dependsOn: [],
                parent: this,
            });
            const check = remoteStep(`${client.name}-redis-health`, {
                host: client,
                create: redisHealthScript({ port }),
                secretStdin: pulumi.interpolate`${password}\n`,
                dependsOn: [clientTunnel, serverTunnel],
                parent: this,
            });
            this.ready.push(check);
            // The step reads the password, so the engine stores its stdout as a secret (additionalSecretOutputs);
            // the health output is only ever PONG (the step fails otherwise): published in clear, from a fixed word.
            health[client.name] = pulumi.unsecret(check.stdout.apply((out) => (out.trim() === "PONG" ? "PONG" : "no PONG")));
        }

        this.address = pulumi.output(`localhost:${port}`);
        this.password = password;
        this.health = pulumi.all(health);
        this.registerOutputs({ address: this.address, password: this.password, health: this.health });
    }
}
