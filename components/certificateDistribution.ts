// CertificateDistribution: the primary's /etc/certs (and scim-rp.jks, passport-config.json) to every other
// node through the program (secret stdin, never a copy between hosts), the shared certificates in every
// node's JRE trust store, then Apache reloaded and oxAuth/oxTrust restarted on each node once everything
// they load is in place: the primary first, then the members, so that the cluster keeps answering.

import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { digest } from "./digest";
import { HostArgs } from "./host";
import { profileFor } from "./profiles";
import { remoteStep } from "./remoteStep";
import { certsExportScript, certsImportScript, httpdCertExportScript, restartGluuServicesScript, splitHttpdExport, truststoreImportScript } from "./render/certs";
import { ArgsError, isFqdn, known, versionProblems } from "./validation";

export interface CertificateDistributionArgs {
    /** The Gluu nodes with Gluu installed, at least two; the first is the primary whose certificates everyone gets. */
    nodes: HostArgs[];
    /** Gluu version: `3.1.6` (default) or `4.5`. */
    version?: pulumi.Input<string>;
    /** The cluster's FQDN (trust store aliases are `<hostname>_<certificate>`). */
    hostname: pulumi.Input<string>;
    /** Steps every restart waits for (e.g. the LDAP cache configuration). Defaults to none. */
    restartAfter?: command.remote.Command[];
    /** Per node, in `nodes` order: steps that node's restart waits for (its cache tunnel, OpenDJ keys, first file sync). Defaults to none. */
    nodeRestartAfter?: command.remote.Command[][];
    /** Values whose change must restart the services again (e.g. the LDAP configuration's revision). Only a digest is used. Defaults to none. */
    restartRevision?: pulumi.Input<string>[];
}

/** Checks CertificateDistribution Args that are known now. Exported for tests. */
export function validateCertificateDistributionArgs(args: CertificateDistributionArgs): string[] {
    const problems: string[] = [];
    if (args.nodes.length < 2) {
        problems.push(`\`nodes\` must list at least 2 Gluu nodes, got ${args.nodes.length}`);
    }
    if (known(args.version)) {
        problems.push(...versionProblems("version", args.version));
    }
    if (known(args.hostname) && !isFqdn(args.hostname)) {
        problems.push(`\`hostname\` ${JSON.stringify(args.hostname)} must be a lower-case FQDN like \`idp.example.org\``);
    }
    if (args.nodeRestartAfter !== undefined && args.nodeRestartAfter.length !== args.nodes.length) {
        problems.push(`\`nodeRestartAfter\` must have one list per node (${args.nodes.length}), got ${args.nodeRestartAfter.length}`);
    }
    return problems;
}

/** The primary's certificates on every node, trusted, and the services restarted (`gluu:index:CertificateDistribution`). */
export class CertificateDistribution extends pulumi.ComponentResource {
    /** The primary's Apache certificate (PEM): what the load balancer presents and trusts on the nodes. */
    public readonly httpdCertificatePem!: pulumi.Output<string>;
    /** Its private key (PEM, secret), for the load balancer. */
    public readonly httpdPrivateKeyPem!: pulumi.Output<string>;
    /** The step that exported the httpd certificate (the load balancer waits for it). */
    public readonly httpdExport!: command.remote.Command;
    /** Per node, in `nodes` order: the restart step (oxAuth and oxTrust answer after it). */
    public readonly restarts: command.remote.Command[] = [];

    constructor(name: string, args: CertificateDistributionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("gluu:index:CertificateDistribution", name, {}, opts);
        if (opts?.urn) {
            return;
        }
        const problems = validateCertificateDistributionArgs(args);
        if (problems.length > 0) {
            throw new ArgsError(`CertificateDistribution \`${name}\``, problems);
        }
        const profile = pulumi.output(args.version ?? "3.1.6").apply((v) => profileFor(v));
        const [primary, ...members] = args.nodes;

        const exportCerts = remoteStep(`${primary.name}-certs-export`, {
            host: primary,
            create: profile.apply(certsExportScript),
            secretOutput: true,
            dependsOn: [],
            parent: this,
        });
        const httpdExport = remoteStep(`${primary.name}-httpd-cert-export`, {
            host: primary,
            create: profile.apply(httpdCertExportScript),
            secretOutput: true,
            dependsOn: [],
            parent: this,
        });
        const httpd = httpdExport.stdout.apply(splitHttpdExport);

        const trusted = args.nodes.map((node, i) => {
            const imported =
                i === 0
                    ? []
                    : [
                          remoteStep(`${node.name}-certs-import`, {
                              host: node,
                              create: profile.apply(certsImportScript),
                              secretStdin: exportCerts.stdout,
                              dependsOn: [exportCerts],
                              parent: this,
                          }),
                      ];
            return remoteStep(`${node.name}-truststore`, {
                host: node,
                create: pulumi.all([profile, args.hostname]).apply(([p, hostname]) => truststoreImportScript(p, hostname)),
                dependsOn: imported,
                parent: this,
            });
        });

        // What the services load: the certificate archive and whatever the caller names (LDAP JSON revision).
        const revision = pulumi.unsecret(
            pulumi.all([exportCerts.stdout, ...(args.restartRevision ?? [])]).apply((parts) => digest(...parts.map(String))),
        );
        // Two waves, so that some node always serves: the primary first while the members answer, then the
        // members (in parallel, keeping the critical path short) while the primary answers.
        args.nodes.forEach((node, i) => {
            this.restarts.push(
                remoteStep(`${node.name}-gluu-restart`, {
                    host: node,
                    create: pulumi.all([profile, revision]).apply(([p, r]) => restartGluuServicesScript(p, { revision: r })),
                    dependsOn: [trusted[i], ...(args.restartAfter ?? []), ...(args.nodeRestartAfter?.[i] ?? []), ...(i === 0 ? [] : [this.restarts[0]])],
                    parent: this,
                }),
            );
        });

        this.httpdExport = httpdExport;
        this.httpdCertificatePem = pulumi.unsecret(httpd.apply((h) => h.certPem));
        this.httpdPrivateKeyPem = pulumi.secret(httpd.apply((h) => h.keyPem));
        this.registerOutputs({ httpdCertificatePem: this.httpdCertificatePem, httpdPrivateKeyPem: this.httpdPrivateKeyPem });
    }
}
