// ClusterAlerts: DigitalOcean tells people when the cluster fails. An uptime check of the public URL (oxAuth's
// OpenID configuration through the load balancer) with alerts when it is down and when its certificate nears
// expiry, and monitor alerts for CPU, memory and disk on every droplet with the given tags (members and service
// hosts). Facts: digitalocean/terraform-provider-digitalocean@v2.99.1 digitalocean/uptime/*.go and
// digitalocean/monitoring/resource_monitor_alert.go (Check rules in src/providerRules.ts).

import * as pulumi from "@pulumi/pulumi";
import * as digitalocean from "@pulumi/digitalocean";
import { alertEmailProblems } from "./loadBalancing";
import { ArgsError, isFqdn, known } from "./validation";

export interface ClusterAlertsArgs {
    /** The cluster's FQDN (the uptime check's target host). */
    hostname: pulumi.Input<string>;
    /** Names of the alerts start with it (e.g. the cluster's cloud name prefix). */
    cloudName: pulumi.Input<string>;
    /** Who gets the e-mails. */
    emails: pulumi.Input<string>[];
    /** Droplet tags the monitor alerts watch (the member tag and the service hosts' tags). */
    tags: pulumi.Input<string>[];
    /** Path checked through the load balancer. Defaults to `/oxauth/.well-known/openid-configuration`. */
    path?: string;
    /** CPU percentage over 5 minutes that alerts. Defaults to `85`. */
    cpuPercent?: number;
    /** Memory percentage over 5 minutes that alerts. Defaults to `90`. */
    memoryPercent?: number;
    /** Disk percentage over 5 minutes that alerts. Defaults to `85`. */
    diskPercent?: number;
    /** Days before the certificate expires that the uptime check alerts. Defaults to `14`. */
    certificateExpiryDays?: number;
}

/** Problems with plain Args values. Exported for tests. */
export function validateClusterAlertsArgs(args: ClusterAlertsArgs): string[] {
    const problems: string[] = [];
    if (known(args.hostname) && !isFqdn(args.hostname)) problems.push(`\`hostname\` ${JSON.stringify(args.hostname)} must be a lower-case FQDN`);
    if (args.emails.every((e) => known(e))) problems.push(...alertEmailProblems("`emails`", args.emails));
    if (args.tags.length === 0) problems.push("`tags` must name at least one droplet tag to watch");
    for (const f of ["cpuPercent", "memoryPercent", "diskPercent"] as const) {
        const v = args[f];
        if (v !== undefined && !(typeof v === "number" && v > 0 && v <= 100)) problems.push(`\`${f}\` must be a percentage above 0 and at most 100, got ${JSON.stringify(v)}`);
    }
    const d = args.certificateExpiryDays;
    if (d !== undefined && (!Number.isInteger(d) || d < 1)) problems.push(`\`certificateExpiryDays\` must be a positive integer, got ${JSON.stringify(d)}`);
    return problems;
}

/** Uptime and resource alerts for a cluster on droplets (`gluu:index:ClusterAlerts`). */
export class ClusterAlerts extends pulumi.ComponentResource {
    /** The uptime check's id. */
    public readonly uptimeCheckId!: pulumi.Output<string>;
    /** The monitor alert policies' ids (cpu, memory, disk). */
    public readonly monitorAlertIds!: pulumi.Output<string[]>;

    constructor(name: string, args: ClusterAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gluu:index:ClusterAlerts", name, {}, opts);
        if (opts?.urn) return;
        const problems = validateClusterAlertsArgs(args);
        if (problems.length > 0) throw new ArgsError(`ClusterAlerts \`${name}\``, problems);
        const path = args.path ?? "/oxauth/.well-known/openid-configuration";
        const check = new digitalocean.UptimeCheck(
            `${name}-uptime`,
            { name: pulumi.interpolate`${args.cloudName}-url`, type: "https", target: pulumi.interpolate`https://${args.hostname}${path}`, enabled: true },
            { parent: this },
        );
        const notifications = [{ emails: args.emails }];
        new digitalocean.UptimeAlert(
            `${name}-down`,
            // `down`: the check failed from the regions; period 2m, the shortest the provider takes.
            { name: pulumi.interpolate`${args.cloudName}-down`, checkId: check.id, type: "down", period: "2m", notifications },
            { parent: this },
        );
        new digitalocean.UptimeAlert(
            `${name}-cert-expiry`,
            { name: pulumi.interpolate`${args.cloudName}-cert-expiry`, checkId: check.id, type: "ssl_expiry", threshold: args.certificateExpiryDays ?? 14, notifications },
            { parent: this },
        );
        const alerts = [
            ["cpu", "v1/insights/droplet/cpu", args.cpuPercent ?? 85, "CPU"],
            ["memory", "v1/insights/droplet/memory_utilization_percent", args.memoryPercent ?? 90, "memory"],
            ["disk", "v1/insights/droplet/disk_utilization_percent", args.diskPercent ?? 85, "disk"],
        ] as const;
        const ids = alerts.map(
            ([role, type, value, what]) =>
                new digitalocean.MonitorAlert(
                    `${name}-${role}`,
                    {
                        type,
                        compare: "GreaterThan",
                        value,
                        window: "5m",
                        tags: args.tags,
                        description: pulumi.interpolate`${args.cloudName}: ${what} above ${value}% for 5 minutes`,
                        alerts: { emails: args.emails },
                        enabled: true,
                    },
                    { parent: this },
                ).id,
        );
        this.uptimeCheckId = check.id;
        this.monitorAlertIds = pulumi.all(ids);
        this.registerOutputs({ uptimeCheckId: this.uptimeCheckId, monitorAlertIds: this.monitorAlertIds });
    }
}
