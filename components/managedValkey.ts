// ManagedValkey: the `digitalocean` cache. A DigitalOcean managed Valkey cluster with a standby node, reachable only
// from the cluster's members (database firewall by tag), reached from each node through a local stunnel client
// that verifies the server against the CA DigitalOcean publishes for the cluster. oxAuth keeps `localhost:16379`.
//
// Upstream (digitalocean/terraform-provider-digitalocean@v2.99.1, bridged by @pulumi/digitalocean 4.80.1):
// - digitalocean/database/resource_database_cluster.go: engine slugs include `valkey` (valkeyDBEngineSlug) and
//   `redis`, with a suppressed diff between the two; `version` required (CustomizeDiff); `node_count` Required (the
//   docs: "Number of nodes that will be included in the cluster", a standby per node beyond the first);
//   `eviction_policy` only for redis/valkey, values per docs/resources/database_cluster.md: noeviction, allkeys_lru,
//   allkeys_random, volatile_lru, volatile_random, volatile_ttl; `private_network_uuid` ForceNew; computed `host`,
//   `private_host` ("only accessible from resources within the account and in the same region"), `port`, `user`,
//   `password` and `uri`/`private_uri` (Sensitive). The docs' Valkey example: version "8", size "db-s-1vcpu-1gb".
// - digitalocean/database/resource_database_firewall.go: `rule { type, value }`, type one of ip_addr, droplet, k8s,
//   tag, app.
// - digitalocean/database/datasource_database_ca.go: `certificate` from the API's GetCA for `cluster_id`.

import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as digitalocean from "@pulumi/digitalocean";
import { issueCertificate } from "./clusterCa";
import { HostArgs } from "./host";
import { remoteStep } from "./remoteStep";
import { redisHaHealthScript } from "./render/redisHa";
import { stunnelConf, stunnelInstallScript, stunnelSection } from "./render/stunnel";

/** Eviction policies DigitalOcean accepts for Valkey (docs/resources/database_cluster.md, v2.99.1). */
export const VALKEY_EVICTION_POLICIES = ["noeviction", "allkeys_lru", "allkeys_random", "volatile_lru", "volatile_random", "volatile_ttl"] as const;

export interface ManagedValkeyArgs {
    /** Account-wide name of the database cluster. */
    clusterName: pulumi.Input<string>;
    /** Region, the same as the droplets' (the private host answers only inside it). */
    region: pulumi.Input<string>;
    /** The VPC of the droplets. */
    vpcUuid: pulumi.Input<string>;
    /** The member tag: the only source the database firewall lets in. */
    memberTag: pulumi.Input<string>;
    /** The Gluu nodes: each gets an stunnel client on 127.0.0.1:16379. */
    clients: HostArgs[];
    /** Cluster CA (for the nodes' tunnel certificates; DigitalOcean does not ask for one, so none is sent). */
    caCertPem: pulumi.Input<string>;
    caPrivateKeyPem: pulumi.Input<string>;
    /** Size slug. Defaults to `db-s-1vcpu-2gb`. */
    size?: pulumi.Input<string>;
    /** Valkey major version. Defaults to `8`. */
    version?: pulumi.Input<string>;
    /** Eviction policy. Defaults to `allkeys_lru` (a cache evicts rather than refusing writes). */
    evictionPolicy?: pulumi.Input<string>;
    /** Extra tags on the database cluster. */
    tags?: pulumi.Input<string>[];
    /** `retainOnDelete` for the cluster (its sessions outlive the stack). Defaults to `false`. */
    retainOnDelete?: boolean;
}

const PATHS = {
    ca: "/etc/stunnel/valkey-ca.crt",
    clientCert: "/etc/stunnel/valkey-client.crt",
    clientKey: "/etc/stunnel/valkey-client.key",
};

/** The local port every node's oxAuth uses (unchanged from the single-cache setup). */
export const VALKEY_LOCAL_PORT = 16379;

/** Checks ManagedValkey Args that are known now. Exported for tests. */
export function validateManagedValkeyArgs(args: ManagedValkeyArgs): string[] {
    const problems: string[] = [];
    if (args.clients.length === 0) problems.push("`clients` must list at least one host that uses the cache");
    if (typeof args.evictionPolicy === "string" && !(VALKEY_EVICTION_POLICIES as readonly string[]).includes(args.evictionPolicy)) {
        problems.push(`\`evictionPolicy\` must be one of ${VALKEY_EVICTION_POLICIES.join(", ")} (DigitalOcean's spelling, with underscores), got ${JSON.stringify(args.evictionPolicy)}`);
    }
    if (typeof args.size === "string" && !/^db-[a-z0-9-]+$/.test(args.size)) {
        problems.push(`\`size\` must be a DigitalOcean database size slug like \`db-s-1vcpu-2gb\`, got ${JSON.stringify(args.size)}`);
    }
    if (typeof args.version === "string" && !/^[0-9]+$/.test(args.version)) {
        problems.push(`\`version\` must be a Valkey major version like \`8\`, got ${JSON.stringify(args.version)}`);
    }
    return problems;
}

/** DigitalOcean managed Valkey with a standby, reached through stunnel (`gluu:index:ManagedValkey`). */
export class ManagedValkey extends pulumi.ComponentResource {
    /** What Gluu puts in `redisConfiguration.servers`: the local end of each node's tunnel. */
    public readonly address!: pulumi.Output<string>;
    /** The password DigitalOcean generated for the `default` user (secret). */
    public readonly password!: pulumi.Output<string>;
    /** The private host name (VPC only). */
    public readonly privateHost!: pulumi.Output<string>;
    /** PING through each node's tunnel: `{ "<node>": "PONG" }`. */
    public readonly health!: pulumi.Output<Record<string, string>>;
    /** Steps that must finish before Gluu may use the cache. */
    public readonly ready: command.remote.Command[] = [];

    constructor(name: string, args: ManagedValkeyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gluu:index:ManagedValkey", name, {}, opts);
        if (opts?.urn) {
            return;
        }
        const problems = validateManagedValkeyArgs(args);
        if (problems.length > 0) {
            throw new Error(`ManagedValkey \`${name}\`: ${problems.join("; ")}`);
        }
        const cluster = new digitalocean.DatabaseCluster(
            name,
            {
                name: args.clusterName,
                engine: "valkey",
                version: args.version ?? "8",
                size: args.size ?? "db-s-1vcpu-2gb",
                region: args.region,
                // A primary and one standby: DigitalOcean fails over to the standby by itself.
                nodeCount: 2,
                privateNetworkUuid: args.vpcUuid,
                evictionPolicy: args.evictionPolicy ?? "allkeys_lru",
                tags: args.tags,
            },
            { parent: this, retainOnDelete: args.retainOnDelete ?? false, additionalSecretOutputs: ["password", "uri", "privateUri"] },
        );
        // Members only: the tag every Gluu node carries; nothing else (no ip_addr rule, so not the world).
        const firewall = new digitalocean.DatabaseFirewall(`${name}-firewall`, { clusterId: cluster.id, rules: [{ type: "tag", value: args.memberTag }] }, { parent: this });
        const caPem = digitalocean.getDatabaseCaOutput({ clusterId: cluster.id }, { parent: this }).certificate;
        const password = pulumi.secret(cluster.password);
        const ca = { certPem: args.caCertPem, privateKeyPem: args.caPrivateKeyPem };

        const health: Record<string, pulumi.Output<string>> = {};
        for (const client of args.clients) {
            const cert = issueCertificate(`${client.name}-valkey-tunnel`, ca, { commonName: client.name, server: false, client: true }, this);
            const tunnel = remoteStep(`${client.name}-stunnel-valkey`, {
                host: client,
                create: pulumi.all([cluster.privateHost, cluster.port, cert.certPem, caPem]).apply(([host, port, certPem, doCa]) =>
                    stunnelInstallScript({
                        confName: "valkey-client",
                        conf: stunnelConf("stunnel CLIENT for the managed Valkey: plaintext in on loopback, TLS out, server verified against DigitalOcean's CA", "/run/stunnel-valkey-client.pid", [
                            stunnelSection({
                                service: "valkey",
                                mode: "client",
                                accept: { host: "127.0.0.1", port: VALKEY_LOCAL_PORT },
                                connect: { host, port },
                                // The name the node connects to must be in DigitalOcean's server certificate.
                                checkHost: [host],
                                sni: host,
                                certPath: PATHS.clientCert,
                                keyPath: PATHS.clientKey,
                                caPath: PATHS.ca,
                            }),
                        ]),
                        certPem,
                        caPem: doCa,
                        certPath: PATHS.clientCert,
                        keyPath: PATHS.clientKey,
                        caPath: PATHS.ca,
                        acceptCheck: { host: "127.0.0.1", port: VALKEY_LOCAL_PORT },
                    }),
                ),
                secretStdin: cert.privateKeyPem,
                dependsOn: [cluster, firewall],
                parent: this,
            });
            const check = remoteStep(`${client.name}-valkey-health`, {
                host: client,
                create: redisHaHealthScript({ port: VALKEY_LOCAL_PORT }),
                secretStdin: pulumi.interpolate`${password}\n`,
                dependsOn: [tunnel],
                parent: this,
            });
            this.ready.push(check);
            health[client.name] = pulumi.unsecret(check.stdout.apply((out) => (out.trim() === "PONG" ? "PONG" : "no PONG")));
        }

        this.address = pulumi.output(`localhost:${VALKEY_LOCAL_PORT}`);
        this.password = password;
        this.privateHost = cluster.privateHost;
        this.health = pulumi.all(health);
        this.registerOutputs({ address: this.address, password: this.password, privateHost: this.privateHost, health: this.health });
    }
}
