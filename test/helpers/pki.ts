// A real certificate and its key (openssl, ECDSA P-256), for tests of values that must parse.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** A self-signed certificate for `cn` and its unencrypted PKCS#8 key, both PEM. */
export function opensslPair(cn: string): { cert: string; key: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gluu-test-pair-"));
    try {
        execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "k.pem", "-out", "c.pem", "-subj", `/CN=${cn}`, "-days", "3"], { cwd: dir, stdio: "pipe" });
        return { cert: fs.readFileSync(path.join(dir, "c.pem"), "utf8"), key: fs.readFileSync(path.join(dir, "k.pem"), "utf8") };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
