// NginxPair: the `nginx-pair` load-balancer choice. Two NGINX hosts, each set up exactly like the single NGINX
// load balancer (the same configuration, certificate and gluu-lb-check checker: one NginxBalancer per host), and
// keepalived holding a virtual IP that the hostname points at (components/render/keepalived.ts says why each
// keepalived setting is what it is).
//
// A change is applied one host at a time: host 1 (nginx, then keepalived), then a step on host 2 that checks
// host 1 serves HTTPS with its new configuration, then host 2. A configuration that breaks nginx stops at host 1
// (its `nginx -t` guard keeps the old one, and even a configuration that passes `nginx -t` but does not serve
// stops before host 2), so the pair never serves a broken configuration on both hosts.

import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { digest } from "./digest";
import { HostArgs } from "./host";
import { defaultVirtualRouterId, virtualIpProblems } from "./loadBalancing";
import { BalancerBackendArgs, NginxBalancer } from "./nginxBalancer";
import { remoteStep } from "./remoteStep";
import { keepalivedConf, keepalivedInstallScript, parseVirtualIp, peerServesScript } from "./render/keepalived";
import { ArgsError, isFqdn, known } from "./validation";

export interface NginxPairArgs {
    /** The cluster's FQDN (its DNS record points at `virtualIp`). */
    hostname: pulumi.Input<string>;
    /** Gluu version: `3.1.6` (default) or `4.5`. */
    version?: pulumi.Input<string>;
    /** The Gluu nodes. */
    backends: BalancerBackendArgs[];
    /** The two load-balancer hosts (base setup done), on one network segment; the first gets the higher VRRP priority. */
    lbHosts: HostArgs[];
    /** The virtual IP with the segment's prefix length, e.g. `10.10.0.30/24`: free, and inside the hosts' network. */
    virtualIp: pulumi.Input<string>;
    /** VRRP virtual router id (1–255), unique on the segment. Defaults to one derived from the hostname. */
    virtualRouterId?: number;
    /** VRRP password (secret, 1–8 letters or digits; keepalived's PASS authentication keeps 8). Required. */
    vrrpPassword: pulumi.Input<string>;
    /** Certificate (chain, PEM) both hosts present. */
    certificatePem: pulumi.Input<string>;
    /** Its private key (PEM, secret), on stdin to both hosts. */
    privateKeyPem: pulumi.Input<string>;
    /** Certificates that sign the nodes' HTTPS certificate. */
    backendCaPem: pulumi.Input<string>;
    /** Steps that must finish before the first host's NGINX is installed. Defaults to none. */
    installAfter?: command.remote.Command[];
    /** Steps after which each host checks the nodes through itself. Defaults to none: no health steps. */
    healthAfter?: command.remote.Command[];
}

/** Checks NginxPair Args that are known now. Exported for tests. */
export function validateNginxPairArgs(args: NginxPairArgs): string[] {
    const problems: string[] = [];
    if (known(args.hostname) && !isFqdn(args.hostname)) problems.push(`\`hostname\` ${JSON.stringify(args.hostname)} must be a lower-case FQDN`);
    if (args.lbHosts.length !== 2) problems.push(`\`lbHosts\` must list exactly 2 hosts (one VRRP pair), got ${args.lbHosts.length}`);
    else if (args.lbHosts[0].name === args.lbHosts[1].name) problems.push(`\`lbHosts\` names the host ${args.lbHosts[0].name} twice; the pair needs two hosts`);
    if (known(args.virtualIp)) {
        const hosts = args.lbHosts.map((h, i) => ({ key: `\`lbHosts[${i}].privateAddress\``, address: h.privateAddress })).filter((h): h is { key: string; address: string } => known(h.address));
        problems.push(...virtualIpProblems("`virtualIp`", args.virtualIp, hosts, []));
    }
    const vrid = args.virtualRouterId;
    if (vrid !== undefined && (!Number.isInteger(vrid) || vrid < 1 || vrid > 255)) problems.push(`\`virtualRouterId\` must be an integer 1–255, got ${JSON.stringify(vrid)}`);
    if (known(args.vrrpPassword) && !/^[A-Za-z0-9]{1,8}$/.test(args.vrrpPassword)) {
        problems.push("`vrrpPassword` must be 1–8 letters or digits: keepalived's PASS authentication keeps 8 characters and truncates the rest");
    }
    return problems;
}

const pairBalancers = new WeakMap<object, NginxBalancer[]>();

/** Two NGINX hosts behind one virtual IP (`gluu:index:NginxPair`). */
export class NginxPair extends pulumi.ComponentResource {
    /** The cluster's URL. */
    public readonly url!: pulumi.Output<string>;
    /** The virtual IP (without its prefix length). */
    public readonly virtualIp!: pulumi.Output<string>;
    /** With `healthAfter`: per load-balancer host, HTTP status per node and through that host (`{ "lb-1": { "gluu-1": "200", lb: "200" } }`). */
    public readonly health?: pulumi.Output<Record<string, Record<string, string>>>;
    /** The keepalived steps, in apply order. */
    public readonly keepalived: command.remote.Command[] = [];
    /**
     * The two hosts' NGINX components, in apply order. (TypeScript only: a getter, not an output of the component
     * package, whose analyzer cannot publish this package's own components as outputs — see GluuCluster.)
     */
    public get balancers(): NginxBalancer[] {
        return pairBalancers.get(this) ?? [];
    }

    constructor(name: string, args: NginxPairArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gluu:index:NginxPair", name, {}, opts);
        if (opts?.urn) return;
        const problems = validateNginxPairArgs(args);
        if (problems.length > 0) throw new ArgsError(`NginxPair \`${name}\``, problems);
        const [h1, h2] = args.lbHosts;
        const vrid = args.virtualRouterId ?? (known(args.hostname) ? defaultVirtualRouterId(args.hostname) : 51);
        const balancer = (i: number, host: HostArgs, installAfter: command.remote.Command[]) =>
            new NginxBalancer(
                `${name}-${i + 1}`,
                {
                    hostname: args.hostname,
                    version: args.version,
                    backends: args.backends,
                    lbHost: host,
                    certificatePem: args.certificatePem,
                    privateKeyPem: args.privateKeyPem,
                    backendCaPem: args.backendCaPem,
                    installAfter,
                    healthAfter: args.healthAfter,
                },
                { parent: this },
            );
        const keepalived = (host: HostArgs, peer: HostArgs, priority: number, after: pulumi.Resource[]) =>
            remoteStep(`${host.name}-keepalived`, {
                host,
                create: pulumi.all([host.name, host.privateAddress, peer.privateAddress, args.virtualIp]).apply(([hostName, own, other, vip]) =>
                    keepalivedInstallScript({
                        confText: keepalivedConf({ hostName, ownAddress: own, peerAddress: other, virtualIp: vip, priority, virtualRouterId: vrid }),
                        ownAddress: own,
                    }),
                ),
                secretStdin: args.vrrpPassword,
                dependsOn: after,
                parent: this,
            });

        const b1 = balancer(0, h1, args.installAfter ?? []);
        const k1 = keepalived(h1, h2, 150, [b1.install!]);
        // Host 2 changes only once host 1 serves what it was just given (its nginx step's text names it).
        const peerServes = remoteStep(`${h2.name}-peer-serves`, {
            host: h2,
            create: pulumi
                .all([args.hostname, h1.privateAddress, b1.install!.create])
                .apply(([serverName, peerAddress, text]) => peerServesScript({ serverName, peerAddress, revision: digest(text ?? "") })),
            dependsOn: [b1.install!, k1],
            parent: this,
        });
        const b2 = balancer(1, h2, [peerServes]);
        const k2 = keepalived(h2, h1, 100, [b2.install!, k1]);
        pairBalancers.set(this, [b1, b2]);
        this.keepalived.push(k1, k2);

        this.url = pulumi.interpolate`https://${args.hostname}/`;
        this.virtualIp = pulumi.output(args.virtualIp).apply((v) => parseVirtualIp(v).address);
        if (args.healthAfter !== undefined) {
            this.health = pulumi.all([b1.health!, b2.health!]).apply(([a, b]) => ({ [h1.name]: a, [h2.name]: b }));
        }
        this.registerOutputs({ url: this.url, virtualIp: this.virtualIp, health: this.health });
    }
}
