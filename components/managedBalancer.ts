// DigitalOceanBalancer: the `digitalocean` load-balancer choice. A DigitalOcean managed load balancer (itself
// redundant, run by DigitalOcean) in front of the member droplets, selected by their tag: HTTPS 443 with a custom
// certificate to each node's 443, HTTP 80 redirected to HTTPS, cookie stickiness, and a health check on oxAuth's
// OpenID configuration. Facts about the resources: digitalocean/terraform-provider-digitalocean@v2.99.1
// (digitalocean/loadbalancer/resource_loadbalancer.go, digitalocean/certificate/resource_certificate.go), mirrored
// as Check rules in src/providerRules.ts.

import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as digitalocean from "@pulumi/digitalocean";
import { ArgsError, isFqdn, known } from "./validation";

export interface DigitalOceanBalancerArgs {
    /** The cluster's FQDN: users' URL; the certificate must be valid for it. */
    hostname: pulumi.Input<string>;
    /** Name of the load balancer and prefix of the certificate's name (account-wide names carry the stack). */
    cloudName: pulumi.Input<string>;
    /** Droplet region, e.g. `fra1` (the load balancer is regional). */
    region: pulumi.Input<string>;
    /** The VPC of the members: the load balancer reaches them on their private addresses. */
    vpcUuid: pulumi.Input<string>;
    /** The member tag: every droplet with it is a target (`droplet_tag`). */
    memberTag: pulumi.Input<string>;
    /** Certificate chain (PEM), server certificate first: the same source as the NGINX load balancer's. */
    certificatePem: pulumi.Input<string>;
    /** Its private key (PEM, secret). */
    privateKeyPem: pulumi.Input<string>;
    /** Health check path on each node (HTTPS 443). Defaults to `/oxauth/.well-known/openid-configuration`. */
    healthCheckPath?: pulumi.Input<string>;
    /**
     * Seconds a client stays on its node (sticky cookie). Defaults to `3600`. DigitalOcean's stickiness applies
     * to every path (it has no per-path rule): `/identity`, `/idp`, `/passport` and `/casa` keep server-side
     * session state on one node, and a cookie (unlike the client address) also separates users behind one NAT.
     */
    stickyCookieTtlSeconds?: number;
    /** Load balancer size units (1–200). Defaults to `1`. */
    sizeUnit?: number;
}

/** Problems with plain Args values. Exported for tests. */
export function validateDigitalOceanBalancerArgs(args: DigitalOceanBalancerArgs): string[] {
    const problems: string[] = [];
    if (known(args.hostname) && !isFqdn(args.hostname)) problems.push(`\`hostname\` ${JSON.stringify(args.hostname)} must be a lower-case FQDN`);
    const ttl = args.stickyCookieTtlSeconds;
    if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 1)) problems.push(`\`stickyCookieTtlSeconds\` must be a positive integer (the provider's IntAtLeast(1)), got ${JSON.stringify(ttl)}`);
    const su = args.sizeUnit;
    if (su !== undefined && (!Number.isInteger(su) || su < 1 || su > 200)) problems.push(`\`sizeUnit\` must be an integer 1–200 (the provider's IntBetween(1, 200)), got ${JSON.stringify(su)}`);
    return problems;
}

/** The chain split as DigitalOcean's certificate wants it: the leaf, and the rest (undefined when self-signed). */
export function splitCertificateChain(pem: string): { leaf: string; chain?: string } {
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) throw new Error("the load balancer's certificate holds no PEM certificate");
    return { leaf: blocks[0] + "\n", chain: blocks.length > 1 ? blocks.slice(1).join("\n") + "\n" : undefined };
}

/** The sticky cookie's name (2–40 characters upstream). */
export const STICKY_COOKIE = "gluu-lb";

/** The cluster's managed load balancer (`gluu:index:DigitalOceanBalancer`). */
export class DigitalOceanBalancer extends pulumi.ComponentResource {
    /** The cluster's URL. */
    public readonly url!: pulumi.Output<string>;
    /** The load balancer's public address (point the hostname's A record at it). */
    public readonly ip!: pulumi.Output<string>;
    /** Its id (the firewall opens the members' 443 to it). */
    public readonly loadBalancerId!: pulumi.Output<string>;
    /** The load balancer resource. */
    public readonly loadBalancer!: digitalocean.LoadBalancer;

    constructor(name: string, args: DigitalOceanBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gluu:index:DigitalOceanBalancer", name, {}, opts);
        if (opts?.urn) return;
        const problems = validateDigitalOceanBalancerArgs(args);
        if (problems.length > 0) throw new ArgsError(`DigitalOceanBalancer \`${name}\``, problems);

        const parts = pulumi.output(args.certificatePem).apply(splitCertificateChain);
        // Every field of a certificate is ForceNew and its name is unique in the account: a new certificate gets a
        // new name (from its leaf), so the replacement is created, the load balancer moved to it, then the old one
        // deleted.
        const certName = pulumi
            .all([args.cloudName, parts])
            .apply(([prefix, p]) => `${prefix}-${crypto.createHash("sha256").update(p.leaf).digest("hex").slice(0, 10)}`);
        const certificate = new digitalocean.Certificate(
            `${name}-cert`,
            {
                name: certName,
                type: "custom",
                privateKey: pulumi.secret(args.privateKeyPem),
                leafCertificate: parts.apply((p) => p.leaf),
                certificateChain: parts.apply((p) => p.chain),
            },
            { parent: this },
        );
        const lb = new digitalocean.LoadBalancer(
            `${name}-lb`,
            {
                name: args.cloudName,
                region: args.region,
                vpcUuid: args.vpcUuid,
                dropletTag: args.memberTag,
                sizeUnit: args.sizeUnit ?? 1,
                forwardingRules: [
                    { entryProtocol: "https", entryPort: 443, targetProtocol: "https", targetPort: 443, certificateName: certificate.name },
                    // Redirected before it is forwarded (redirectHttpToHttps); the target is the nodes' 443 all the same.
                    { entryProtocol: "http", entryPort: 80, targetProtocol: "https", targetPort: 443 },
                ],
                redirectHttpToHttps: true,
                healthcheck: {
                    protocol: "https",
                    port: 443,
                    path: args.healthCheckPath ?? "/oxauth/.well-known/openid-configuration",
                    // The provider's minimums (3 s, 2 failures): a node is out 6–9 s after it fails.
                    checkIntervalSeconds: 3,
                    responseTimeoutSeconds: 3,
                    unhealthyThreshold: 2,
                    healthyThreshold: 3,
                },
                stickySessions: { type: "cookies", cookieName: STICKY_COOKIE, cookieTtlSeconds: args.stickyCookieTtlSeconds ?? 3600 },
                // Connection reuse to the nodes (issue 15: a TLS handshake per request cost 6–7× the throughput).
                enableBackendKeepalive: true,
                httpIdleTimeoutSeconds: 60,
            },
            { parent: this },
        );
        this.loadBalancer = lb;
        this.url = pulumi.interpolate`https://${args.hostname}/`;
        this.ip = lb.ip;
        this.loadBalancerId = lb.id;
        this.registerOutputs({ url: this.url, ip: this.ip, loadBalancerId: this.loadBalancerId });
    }
}
