// SecureRedis: Redis on a cache host with a password and its own TLS (client certificates from the cluster CA
// required) on the cache's private address, no plain TCP port; every Gluu node reaches it through a local stunnel
// client (oxAuth talks plaintext to the node's loopback). One TLS hop per operation: the cache-side stunnel server
// of earlier versions (two hops, 0.19 of direct throughput, issue 15) is gone, and its setup removes it.
// The seed's node stunnel had no `client = yes`; ours does.

import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as random from "@pulumi/random";
import { issueCertificate } from "./clusterCa";
import { HostArgs } from "./host";
import { remoteStep } from "./remoteStep";
import { RedisPersistence, redisHealthScript, redisSetupScript } from "./render/redis";
import { stunnelClientConf, stunnelInstallScript } from "./render/stunnel";
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
    /**
     * Redis's TLS port on the cache host's private address, and the port of every client's stunnel on its loopback
     * (what Gluu connects to). Defaults to `16379`.
     */
    port?: number;
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
    clientCert: "/etc/stunnel/redis-client.crt",
    clientKey: "/etc/stunnel/redis-client.key",
};

/** Checks SecureRedis Args that are known now. Exported for tests. */
export function validateSecureRedisArgs(args: SecureRedisArgs): string[] {
    const problems: string[] = [];
    if (args.clients.length === 0) {
        problems.push("`clients` must list at least one host that uses the cache");
    }
    if (args.port !== undefined && !isPort(args.port)) {
        problems.push(`\`port\` must be an integer 1–65535, got ${JSON.stringify(args.port)}`);
    }
    const names = args.clients.map((c) => c.name);
    if (names.includes(args.cacheHost.name)) {
        problems.push(`the cache host \`${args.cacheHost.name}\` is also a client; Redis needs its own host (the seed warns against sharing the LB's)`);
    }
    return problems;
}

/** Redis with its own mutual TLS, reached through a local stunnel client on every node (`gluu:index:SecureRedis`). */
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
        const password = pulumi.secret(
            args.password ?? new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this }).result,
        );
        const cache = args.cacheHost;

        // The cache's certificate: the nodes' stunnel clients check its name (`checkHost` = the cache host's name).
        const server = issueCertificate(`${cache.name}-redis-tunnel`, ca, { commonName: cache.name, ipAddresses: [cache.privateAddress], server: true, client: false }, this);
        const redis = remoteStep(`${cache.name}-redis`, {
            host: cache,
            create: pulumi.all([cache.privateAddress, server.certPem, args.caCertPem]).apply(([address, certPem, caPem]) =>
                redisSetupScript({ bindAddress: address, tlsPort: port, certPem, caPem, persistence: args.persistence, maxmemoryMb: args.maxmemoryMb }),
            ),
            // Line 1 the password, then the cache's own key (made for it, sent to it alone).
            secretStdin: pulumi.interpolate`${password}\n${server.privateKeyPem}`,
            dependsOn: [],
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
                dependsOn: [clientTunnel, redis],
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
