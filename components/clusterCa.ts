// The cluster's own certificate authority: one CA (ECDSA P-256) signs the stunnel server and client
// certificates. Private keys are made per host and only ever reach their own host.

import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

/** Ten years for the CA, one year for leaf certificates, renewed (replaced) 30 days before they expire. */
export const CA_VALIDITY_HOURS = 10 * 365 * 24;
export const LEAF_VALIDITY_HOURS = 365 * 24;
export const LEAF_EARLY_RENEWAL_HOURS = 30 * 24;

export interface ClusterCaArgs {
    /** Organisation in the CA's subject. Defaults to `Gluu cluster`. */
    organization?: pulumi.Input<string>;
}

/** A key pair and certificate issued by the cluster CA. */
export interface IssuedCertificate {
    /** PEM private key (secret): send it on stdin to its own host only. */
    privateKeyPem: pulumi.Output<string>;
    /** PEM certificate. */
    certPem: pulumi.Output<string>;
}

export interface IssueArgs {
    /** Common name and first DNS name. */
    commonName: pulumi.Input<string>;
    /** Extra DNS names. */
    dnsNames?: pulumi.Input<string>[];
    /** IP addresses the certificate holds. */
    ipAddresses?: pulumi.Input<string>[];
    /** `server`, `client`, or both. */
    server: boolean;
    client: boolean;
}

/** The cluster CA (`gluu:index:ClusterCa`). */
export class ClusterCa extends pulumi.ComponentResource {
    /** PEM certificate of the CA: what every peer trusts. */
    public readonly certPem!: pulumi.Output<string>;
    private readonly key!: tls.PrivateKey;

    constructor(name: string, args: ClusterCaArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("gluu:index:ClusterCa", name, {}, opts);
        if (opts?.urn) {
            return;
        }
        this.key = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
        const cert = new tls.SelfSignedCert(
            `${name}-cert`,
            {
                privateKeyPem: this.key.privateKeyPem,
                isCaCertificate: true,
                validityPeriodHours: CA_VALIDITY_HOURS,
                // snake_case as the provider accepts (resource_self_signed_cert.go allowed_uses validator; see issue()).
                allowedUses: ["cert_signing", "crl_signing"],
                subject: { commonName: `${name} cluster CA`, organization: args.organization ?? "Gluu cluster" },
            },
            { parent: this },
        );
        this.certPem = cert.certPem;
        this.registerOutputs({ certPem: this.certPem });
    }

    /** Issue a key pair and certificate; the resources are children of `parent`, named `<name>-key/-csr/-cert`. */
    public issue(name: string, args: IssueArgs, parent: pulumi.Resource): IssuedCertificate {
        const key = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent });
        const csr = new tls.CertRequest(
            `${name}-csr`,
            {
                privateKeyPem: key.privateKeyPem,
                subject: { commonName: args.commonName },
                dnsNames: [args.commonName, ...(args.dnsNames ?? [])],
                ipAddresses: args.ipAddresses,
            },
            { parent },
        );
        // The provider's spellings: hashicorp/terraform-provider-tls@d72d90e:internal/provider/common_cert.go keyUsages and
        // extendedKeyUsages, enforced by resource_locally_signed_cert.go allowed_uses OneOf(supportedKeyUsagesStr()...).
        const uses = ["digital_signature", "key_encipherment", ...(args.server ? ["server_auth"] : []), ...(args.client ? ["client_auth"] : [])];
        const cert = new tls.LocallySignedCert(
            `${name}-cert`,
            {
                certRequestPem: csr.certRequestPem,
                caCertPem: this.certPem,
                caPrivateKeyPem: this.key.privateKeyPem,
                validityPeriodHours: LEAF_VALIDITY_HOURS,
                earlyRenewalHours: LEAF_EARLY_RENEWAL_HOURS,
                allowedUses: uses,
            },
            { parent },
        );
        return { privateKeyPem: pulumi.secret(key.privateKeyPem), certPem: cert.certPem };
    }
}
