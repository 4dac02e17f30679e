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

/** A CA as plain inputs: what SecureRedis and Csync2Mesh take (from a ClusterCa, or from your own CA). */
export interface CaKeyPair {
    /** PEM certificate of the CA. */
    certPem: pulumi.Input<string>;
    /** PEM private key of the CA (secret). */
    privateKeyPem: pulumi.Input<string>;
}

/**
 * Issue a key pair and a certificate signed by `ca`; the resources are children of `parent`, named
 * `<name>-key/-csr/-cert`. The private key is made here, for one host, and returned as a secret.
 */
export function issueCertificate(name: string, ca: CaKeyPair, args: IssueArgs, parent: pulumi.Resource): IssuedCertificate {
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
            caCertPem: ca.certPem,
            caPrivateKeyPem: pulumi.secret(ca.privateKeyPem),
            validityPeriodHours: LEAF_VALIDITY_HOURS,
            earlyRenewalHours: LEAF_EARLY_RENEWAL_HOURS,
            allowedUses: uses,
        },
        { parent },
    );
    return { privateKeyPem: pulumi.secret(key.privateKeyPem), certPem: cert.certPem };
}

// The CA's private key, kept off the class's fields: a component package publishes every field of a component
// as an output (@pulumi/pulumi@3.248.0 provider/experimental/analyzer.js analyzeComponent takes every Property
// member, `private` ones too), and this key must not be one.
const caKeys = new WeakMap<ClusterCa, tls.PrivateKey>();

/** The cluster CA (`gluu:index:ClusterCa`). Its only output is the CA certificate. */
export class ClusterCa extends pulumi.ComponentResource {
    /** PEM certificate of the CA: what every peer trusts. */
    public readonly certPem!: pulumi.Output<string>;

    constructor(name: string, args: ClusterCaArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("gluu:index:ClusterCa", name, {}, opts);
        if (opts?.urn) {
            return;
        }
        const key = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
        caKeys.set(this, key);
        const cert = new tls.SelfSignedCert(
            `${name}-cert`,
            {
                privateKeyPem: key.privateKeyPem,
                isCaCertificate: true,
                validityPeriodHours: CA_VALIDITY_HOURS,
                // snake_case as the provider accepts (resource_self_signed_cert.go allowed_uses validator; see issueCertificate()).
                allowedUses: ["cert_signing", "crl_signing"],
                subject: { commonName: `${name} cluster CA`, organization: args.organization ?? "Gluu cluster" },
            },
            { parent: this },
        );
        this.certPem = cert.certPem;
        this.registerOutputs({ certPem: this.certPem });
    }

    /** The CA's private key (secret), for the TypeScript program that made it; not an output of the component. */
    public get privateKeyPem(): pulumi.Output<string> {
        const key = caKeys.get(this);
        if (!key) {
            throw new Error("ClusterCa: no private key (a ClusterCa read by URN has none)");
        }
        return pulumi.secret(key.privateKeyPem);
    }

    /** The CA as SecureRedis and Csync2Mesh take it: `{ caCertPem, caPrivateKeyPem }`. */
    public get caArgs(): { caCertPem: pulumi.Output<string>; caPrivateKeyPem: pulumi.Output<string> } {
        return { caCertPem: this.certPem, caPrivateKeyPem: this.privateKeyPem };
    }

    /** Issue a key pair and certificate (see `issueCertificate`). */
    public issue(name: string, args: IssueArgs, parent: pulumi.Resource): IssuedCertificate {
        return issueCertificate(name, { certPem: this.certPem, privateKeyPem: this.privateKeyPem }, args, parent);
    }
}
