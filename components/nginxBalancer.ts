// NginxBalancer: the load balancer users reach the cluster through. NGINX on its own host (TLS with the
// cluster's certificate, round robin plus a sticky upstream, backends verified over HTTPS, `nginx -t` before
// every reload), or, for users with their own load balancer, the same facts as an output.

import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { HostArgs } from "./host";
import { profileFor } from "./profiles";
import { remoteStep } from "./remoteStep";
import { lbCheckScript } from "./render/lbCheck";
import { ExternalLbDescription, externalLbDescription, lbHealthScript, nginxConf, nginxInstallScript, nginxServersInclude } from "./render/nginx";
import { ArgsError, isFqdn, isHostName, isPort, known, versionProblems } from "./validation";

/** A Gluu node as the load balancer reaches it. */
export interface BalancerBackendArgs {
    /** Node name (a comment in nginx.conf, a key of the health output). */
    name: string;
    /** Address the load balancer connects to (the node's private address). */
    address: pulumi.Input<string>;
    /** HTTPS port of the node's Apache. Defaults to `443`. */
    port?: number;
}

export interface NginxBalancerArgs {
    /** The cluster's FQDN (the Gluu hostname): users' URL, the certificate's name, the name verified on the nodes. */
    hostname: pulumi.Input<string>;
    /** Gluu version (which paths go to which upstream): `3.1.6` (default) or `4.5`. */
    version?: pulumi.Input<string>;
    /** The Gluu nodes. */
    backends: BalancerBackendArgs[];
    /** The load-balancer host (its base setup done). Required unless `external` is `true`. */
    lbHost?: HostArgs;
    /** You run your own load balancer (F5, DigitalOcean LB, …): no host is set up; `externalDescription` says what it must do. Defaults to `false`. */
    external?: boolean;
    /** Certificate (chain, PEM) users see; the nodes' Gluu httpd certificate by default in GluuCluster. Required unless `external`. */
    certificatePem?: pulumi.Input<string>;
    /** Its private key (PEM, secret), sent on stdin to the load balancer only. Required unless `external`. */
    privateKeyPem?: pulumi.Input<string>;
    /** Certificates that sign the nodes' HTTPS certificate (the Gluu httpd certificate itself when self-signed). Required unless `external`. */
    backendCaPem?: pulumi.Input<string>;
    /** Steps that must finish before NGINX is installed (e.g. the step that exported the certificate). Defaults to none. */
    installAfter?: command.remote.Command[];
    /** Steps that must finish before the health check through the load balancer (e.g. the nodes' restarts). Defaults to none: no health step. */
    healthAfter?: command.remote.Command[];
    /** Seconds a node is skipped after `maxFails` failures. Defaults to `10`. */
    failTimeoutSeconds?: number;
    /** Failed attempts before a node is skipped. Defaults to `2`. */
    maxFails?: number;
    /**
     * Seconds a node may stay silent while answering (`proxy_read_timeout`/`proxy_send_timeout`). Defaults to `30`.
     * Requests already on a node that hangs wait this long; new ones are kept off it by the active checker.
     */
    readTimeoutSeconds?: number;
    /** The whole time a request may spend trying nodes (`proxy_next_upstream_timeout`). Defaults to `10`. */
    nextUpstreamTimeoutSeconds?: number;
    /**
     * Seconds between the active checker's probe rounds (`gluu-lb-check` on the LB host: GET of oxAuth's OpenID
     * configuration and an unauthenticated POST to the token endpoint per node; a failed round marks the node
     * `down` and reloads nginx, so a node answering POSTs with 503 or hanging leaves the rotation for every
     * method within seconds). Defaults to `1`.
     */
    checkIntervalSeconds?: number;
    /** Seconds each probe of the active checker may take. Defaults to `2`. */
    checkTimeoutSeconds?: number;
}

/** Checks NginxBalancer Args that are known now. Exported for tests. */
export function validateNginxBalancerArgs(args: NginxBalancerArgs): string[] {
    const problems: string[] = [];
    if (known(args.hostname) && !isFqdn(args.hostname)) {
        problems.push(`\`hostname\` ${JSON.stringify(args.hostname)} must be a lower-case FQDN like \`idp.example.org\``);
    }
    if (known(args.version)) {
        problems.push(...versionProblems("version", args.version));
    }
    if (args.backends.length === 0) {
        problems.push("`backends` must list at least one Gluu node");
    }
    args.backends.forEach((b, i) => {
        if (!isHostName(b.name)) {
            problems.push(`\`backends[${i}].name\` ${JSON.stringify(b.name)} must be a lower-case host name`);
        }
        if (b.port !== undefined && !isPort(b.port)) {
            problems.push(`\`backends[${i}].port\` must be an integer 1–65535, got ${JSON.stringify(b.port)}`);
        }
    });
    if (args.external) {
        for (const f of ["lbHost", "certificatePem", "privateKeyPem", "backendCaPem", "healthAfter"] as const) {
            if (args[f] !== undefined) {
                problems.push(`\`${f}\` has no effect with \`external: true\` (your load balancer holds the certificate); remove it`);
            }
        }
    } else {
        for (const f of ["lbHost", "certificatePem", "privateKeyPem", "backendCaPem"] as const) {
            if (args[f] === undefined) {
                problems.push(`\`${f}\` is required for the NGINX load balancer (or set \`external: true\` to use your own)`);
            }
        }
    }
    if (args.maxFails !== undefined && (!Number.isInteger(args.maxFails) || args.maxFails < 1)) {
        problems.push(`\`maxFails\` must be a positive integer, got ${JSON.stringify(args.maxFails)}`);
    }
    for (const f of ["failTimeoutSeconds", "readTimeoutSeconds", "nextUpstreamTimeoutSeconds", "checkIntervalSeconds", "checkTimeoutSeconds"] as const) {
        const v = args[f];
        if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > 3600)) {
            problems.push(`\`${f}\` must be an integer from 1 to 3600, got ${JSON.stringify(v)}`);
        }
    }
    return problems;
}

/** The cluster's load balancer (`gluu:index:NginxBalancer`). */
export class NginxBalancer extends pulumi.ComponentResource {
    /** The cluster's URL. */
    public readonly url!: pulumi.Output<string>;
    /** The upstream servers, `name address:port`. */
    public readonly upstreams!: pulumi.Output<string[]>;
    /** With `external: true`: what your load balancer must do (backends, sticky paths, health check). */
    public readonly externalDescription?: pulumi.Output<ExternalLbDescription>;
    /** With NGINX and `healthAfter`: HTTP status per node and through the load balancer (`{ "gluu-1": "200", lb: "200" }`). */
    public readonly health?: pulumi.Output<Record<string, string>>;
    /** The NGINX install step (undefined with `external: true`). */
    public readonly install?: command.remote.Command;

    constructor(name: string, args: NginxBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gluu:index:NginxBalancer", name, {}, opts);
        if (opts?.urn) {
            return;
        }
        const problems = validateNginxBalancerArgs(args);
        if (problems.length > 0) {
            throw new ArgsError(`NginxBalancer \`${name}\``, problems);
        }
        const profile = pulumi.output(args.version ?? "3.1.6").apply((v) => profileFor(v));
        const backends = pulumi
            .all(args.backends.map((b) => b.address))
            .apply((addresses) => args.backends.map((b, i) => ({ name: b.name, address: addresses[i], port: b.port ?? 443 })));
        const facts = pulumi.all([args.hostname, profile, backends]).apply(([serverName, p, list]) => ({
            serverName,
            backends: list,
            roundRobinPaths: p.lbPaths.roundRobin,
            stickyPaths: p.lbPaths.sticky,
        }));

        if (args.external) {
            this.externalDescription = facts.apply(externalLbDescription);
        } else {
            const lb = args.lbHost!;
            const install = remoteStep(`${lb.name}-nginx`, {
                host: lb,
                create: pulumi.all([facts, args.certificatePem!, args.backendCaPem!]).apply(([f, certPem, backendCaPem]) =>
                    nginxInstallScript({
                        confText: nginxConf({
                            ...f,
                            maxFails: args.maxFails,
                            failTimeoutSeconds: args.failTimeoutSeconds,
                            readTimeoutSeconds: args.readTimeoutSeconds,
                            nextUpstreamTimeoutSeconds: args.nextUpstreamTimeoutSeconds,
                        }),
                        serversText: nginxServersInclude({ backends: f.backends, maxFails: args.maxFails, failTimeoutSeconds: args.failTimeoutSeconds }),
                        checkScript: lbCheckScript({
                            serverName: f.serverName,
                            backends: f.backends,
                            maxFails: args.maxFails,
                            failTimeoutSeconds: args.failTimeoutSeconds,
                            intervalSeconds: args.checkIntervalSeconds,
                            timeoutSeconds: args.checkTimeoutSeconds,
                        }),
                        certPem,
                        backendCaPem,
                    }),
                ),
                secretStdin: args.privateKeyPem!,
                dependsOn: args.installAfter ?? [],
                parent: this,
            });
            this.install = install;
            if (args.healthAfter !== undefined) {
                const check = remoteStep(`${lb.name}-health`, {
                    host: lb,
                    create: facts.apply((f) => lbHealthScript({ serverName: f.serverName, backends: f.backends })),
                    dependsOn: [install, ...args.healthAfter],
                    parent: this,
                });
                this.health = check.stdout.apply((out) =>
                    Object.fromEntries(
                        out
                            .split("\n")
                            .map((l) => l.trim().split(/\s+/))
                            .filter((p) => p.length === 2 && /^\d{3}$/.test(p[1]))
                            .map(([k, v]) => [k, v]),
                    ),
                );
            }
        }
        this.url = pulumi.interpolate`https://${args.hostname}/`;
        this.upstreams = backends.apply((list) => list.map((b) => `${b.name} ${b.address}:${b.port}`));
        this.registerOutputs({ url: this.url, upstreams: this.upstreams, externalDescription: this.externalDescription, health: this.health });
    }
}
