// The mocks hand out real key material, so what the components build can be verified for real.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { mockEd25519 } from "../src/mocks";
import "./setup";

const value = <T>(o: pulumi.Output<T>) => new Promise<T>((ok) => o.apply(ok));

describe("mocks", () => {
    it("make ED25519 keys that ssh-keygen reads, with the matching public key", () => {
        const k = mockEd25519("test");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "k-"));
        fs.writeFileSync(path.join(dir, "id"), k.privateKeyOpenssh, { mode: 0o600 });
        const pub = execFileSync("ssh-keygen", ["-y", "-f", path.join(dir, "id")], { encoding: "utf8" });
        fs.rmSync(dir, { recursive: true });
        assert.strictEqual(pub.trim().split(" ").slice(0, 2).join(" "), k.publicKeyOpenssh.trim());
    });

    it("sign a server certificate with a cluster CA that openssl verifies", async () => {
        const caKey = new tls.PrivateKey("t-ca-key", { algorithm: "ECDSA", ecdsaCurve: "P256" });
        const ca = new tls.SelfSignedCert("t-ca", { privateKeyPem: caKey.privateKeyPem, isCaCertificate: true, validityPeriodHours: 24, allowedUses: ["cert_signing", "crl_signing"], subject: { commonName: "Test CA" } });
        const key = new tls.PrivateKey("t-srv-key", { algorithm: "ECDSA", ecdsaCurve: "P256" });
        const csr = new tls.CertRequest("t-srv-csr", { privateKeyPem: key.privateKeyPem, subject: { commonName: "cache" }, dnsNames: ["cache"] });
        const cert = new tls.LocallySignedCert("t-srv", { certRequestPem: csr.certRequestPem, caCertPem: ca.certPem, caPrivateKeyPem: caKey.privateKeyPem, validityPeriodHours: 24, allowedUses: ["digital_signature", "server_auth"] });
        const [caPem, certPem] = await Promise.all([value(ca.certPem), value(cert.certPem)]);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "c-"));
        fs.writeFileSync(path.join(dir, "ca.pem"), caPem);
        fs.writeFileSync(path.join(dir, "cert.pem"), certPem);
        const out = execFileSync("openssl", ["verify", "-CAfile", path.join(dir, "ca.pem"), "-verify_hostname", "cache", path.join(dir, "cert.pem")], { encoding: "utf8" });
        fs.rmSync(dir, { recursive: true });
        assert.match(out, /: OK/);
    });
});
