import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROFILES } from "../components/profiles";
import {
    CERTS_BACKUP_DIR,
    certsExportScript,
    certsImportScript,
    restartGluuServicesScript,
    truststoreImportInnerScript,
    truststoreImportScript,
} from "../components/render/certs";
import { assertShellcheckClean } from "./helpers/shellcheck";

const P316 = PROFILES["3.1.6"];
const P45 = PROFILES["4.5"];
const LB = "idp.example.org";

function innerOf(text: string): string {
    const m = /<<'(GLUU_EOF[_0-9]*)'\n([\s\S]*?)\n\1\n/.exec(text);
    assert.ok(m, "the script embeds an inner script");
    return m[2] + "\n";
}

function selfSigned(dir: string, name: string, cn: string, der = false): string {
    const pem = path.join(dir, `${name}.pem`);
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path.join(dir, `${name}.key`), "-out", pem, "-days", "2", "-subj", `/CN=${cn}`], { stdio: "ignore" });
    if (!der) {
        return pem;
    }
    const out = path.join(dir, `${name}.der`);
    execFileSync("openssl", ["x509", "-in", pem, "-outform", "DER", "-out", out]);
    return out;
}

function fingerprint(file: string): string {
    const args = ["x509", "-noout", "-fingerprint", "-sha256", "-in", file];
    let out: string;
    try {
        out = execFileSync("openssl", args, { encoding: "utf8", stdio: ["pipe", "pipe", "ignore"] });
    } catch {
        out = execFileSync("openssl", [...args.slice(0, 1), "-inform", "DER", ...args.slice(1)], { encoding: "utf8" });
    }
    return out.trim().replace(/^.*=/, "").replace(/:/g, "").toUpperCase();
}

const haveTools = () => spawnSync("bash", ["-c", "command -v keytool && command -v openssl"]).status === 0;

describe("render/certs", () => {
    describe("scripts", () => {
        for (const p of [P316, P45]) {
            it(`pass shellcheck outside and inside the container (Gluu ${p.version})`, () => {
                assertShellcheckClean(`certs export ${p.version}`, certsExportScript(p));
                for (const [name, text] of Object.entries({
                    certsImport: certsImportScript(p),
                    truststore: truststoreImportScript(p, LB),
                    restart: restartGluuServicesScript(p),
                })) {
                    assertShellcheckClean(`${name} ${p.version}`, text);
                    assertShellcheckClean(`${name} ${p.version} (inner)`, innerOf(text));
                }
            });
        }

        it("the trust store password goes through a file, never argv; the profile's trust store path is used", () => {
            for (const p of [P316, P45]) {
                const t = innerOf(truststoreImportScript(p, LB));
                assert.doesNotMatch(t, /-storepass (?!:)/);
                assert.doesNotMatch(t, /-storepass changeit/);
                assert.match(t, /-storepass:file "\$storepass"/);
                assert.ok(t.includes(`truststore=${p.jreTruststore}`));
            }
        });

        it("restart: stop identity, restart oxauth, start identity, then a bounded wait for oxAuth and identity", () => {
            const t316 = innerOf(restartGluuServicesScript(P316));
            const order = ["service identity stop", "service oxauth restart", "service identity start"].map((s) => t316.indexOf(s));
            assert.ok(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1])), "seed order");
            assert.match(t316, /http:\/\/localhost:8081\/oxauth\/\.well-known\/openid-configuration/);
            assert.match(t316, /if \[ "\$waited" -ge 600 \]/);
            assert.match(t316, /wait_port 127\.0\.0\.1 8082 600/);
            const t45 = innerOf(restartGluuServicesScript(P45));
            assert.match(t45, /^systemctl stop identity \|\| true$/m);
            assert.match(t45, /^systemctl restart oxauth$/m);
        });

        it("refuses a hostile load balancer name or trust store path, naming the field", () => {
            for (const v of ["x;y", "$(id)", "-x", "a b", "", "x\ny"]) {
                assert.throws(() => truststoreImportScript(P316, v), /`lbHostname`/);
            }
            assert.throws(() => truststoreImportInnerScript(P316, LB, { certsDir: "etc/certs" }), /`certsDir`/);
            assert.throws(() => truststoreImportInnerScript(P316, LB, { truststore: "/x y" }), /`truststore`/);
        });
    });

    describe("export from the primary (run against a stand-in container root)", () => {
        let root: string;
        beforeEach(() => {
            root = fs.mkdtempSync(path.join(os.tmpdir(), "gluu-root-"));
            fs.mkdirSync(path.join(root, "etc/certs"), { recursive: true });
            fs.mkdirSync(path.join(root, "install/community-edition-setup/output"), { recursive: true });
            fs.writeFileSync(path.join(root, "etc/certs/httpd.crt"), "CERT\n");
            fs.writeFileSync(path.join(root, "etc/certs/httpd.key"), "KEY\n", { mode: 0o640 });
            fs.writeFileSync(path.join(root, "etc/certs/oxauth-keys.jks"), "JKS\n");
            fs.writeFileSync(path.join(root, "install/community-edition-setup/output/scim-rp.jks"), "SCIM\n");
        });
        afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

        it("prints one deterministic base64 line: etc/certs plus the extra files that exist", () => {
            const text = certsExportScript({ ...P316, containerRoot: root });
            const out1 = execFileSync("bash", ["-c", text], { encoding: "utf8" });
            const out2 = execFileSync("bash", ["-c", text], { encoding: "utf8" });
            assert.strictEqual(out1, out2, "same files, same text");
            // No newline after it: the printing command is the script's last (nothing can fail after the secret).
            assert.match(out1, /^[A-Za-z0-9+/=]+$/);
            const list = execFileSync("tar", ["-tzf", "-"], { input: Buffer.from(out1.trim(), "base64"), encoding: "utf8" }).trim().split("\n");
            assert.deepStrictEqual(list, [
                "etc/certs/", "etc/certs/httpd.crt", "etc/certs/httpd.key", "etc/certs/oxauth-keys.jks",
                "install/community-edition-setup/output/scim-rp.jks",
            ]);
        });

        it("fails with a clear message when /etc/certs is missing", () => {
            fs.rmSync(path.join(root, "etc/certs"), { recursive: true });
            const r = spawnSync("bash", ["-c", certsExportScript({ ...P45, containerRoot: root })], { encoding: "utf8" });
            assert.notStrictEqual(r.status, 0);
            assert.match(r.stderr, /etc\/certs is missing/);
        });
    });

    describe("trust store import (contract: the real keytool and openssl on a stand-in trust store)", function () {
        let dir: string;
        let store: string;
        before(function () {
            if (!haveTools()) {
                this.skip();
            }
        });
        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "truststore-"));
            fs.mkdirSync(path.join(dir, "certs"));
            store = path.join(dir, "cacerts");
            fs.writeFileSync(path.join(dir, "pass"), "changeit\n");
            const seed = selfSigned(dir, "seed", "seed");
            execFileSync("keytool", ["-importcert", "-noprompt", "-alias", "seed", "-file", seed, "-keystore", store, "-storetype", "JKS", "-storepass:file", path.join(dir, "pass")], { stdio: "ignore" });
            fs.copyFileSync(selfSigned(dir, "httpd", LB), path.join(dir, "certs/httpd.crt"));
            fs.copyFileSync(selfSigned(dir, "opendj", "localhost"), path.join(dir, "certs/opendj.crt"));
            fs.copyFileSync(selfSigned(dir, "idpsig", LB, true), path.join(dir, "certs/idp-signing.crt"));
        });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        const run = () => {
            const text = truststoreImportInnerScript(P316, LB, { certsDir: path.join(dir, "certs"), truststore: store });
            return spawnSync("bash", ["-c", text], { encoding: "utf8" });
        };
        const aliasFp = (alias: string) => {
            const pem = execFileSync("keytool", ["-exportcert", "-rfc", "-alias", alias, "-keystore", store, "-storepass:file", path.join(dir, "pass")], { encoding: "utf8" });
            fs.writeFileSync(path.join(dir, "x.pem"), pem);
            return fingerprint(path.join(dir, "x.pem"));
        };

        it("imports <lb>_<suffix> for each certificate present (PEM or DER), skips missing ones, and a re-run changes nothing", () => {
            const first = run();
            assert.strictEqual(first.status, 0, first.stderr);
            assert.deepStrictEqual(first.stdout.trim().split("\n"), [
                `changed ${store} alias ${LB}_httpd`,
                `changed ${store} alias ${LB}_idp-signing`,
                `changed ${store} alias ${LB}_opendj`,
            ]);
            for (const s of ["httpd", "opendj", "idp-signing"]) {
                assert.strictEqual(aliasFp(`${LB}_${s}`), fingerprint(path.join(dir, `certs/${s}.crt`)));
            }
            assert.strictEqual(aliasFp("seed").length, 64, "other entries are kept");
            const second = run();
            assert.strictEqual(second.status, 0, second.stderr);
            assert.strictEqual(second.stdout, "");
        });

        it("replaces only the alias whose certificate changed", () => {
            assert.strictEqual(run().status, 0);
            fs.copyFileSync(selfSigned(dir, "httpd2", LB), path.join(dir, "certs/httpd.crt"));
            const r = run();
            assert.strictEqual(r.status, 0, r.stderr);
            assert.strictEqual(r.stdout, `changed ${store} alias ${LB}_httpd\n`);
            assert.strictEqual(aliasFp(`${LB}_httpd`), fingerprint(path.join(dir, "certs/httpd.crt")));
        });

        it("stops on a file that is not a certificate", () => {
            fs.writeFileSync(path.join(dir, "certs/asimba.crt"), "not a certificate\n");
            const r = run();
            assert.notStrictEqual(r.status, 0);
            assert.match(r.stderr, /asimba\.crt is not an X\.509 certificate/);
        });
    });
});

// ---------------------------------------------------------------------------------------------------------
// Contract test of the certificate import: the real inner script in a private mount namespace where /etc and
// /root are overlays (users jetty and group gluu exist only there); nothing on this machine changes.

const CERTS_SANDBOX = `set -e
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/etc.upper,workdir=$1/etc.work" /etc
mount -t overlay overlay -o "lowerdir=/root,upperdir=$1/root.upper,workdir=$1/root.work" /root
grep -q '^jetty:' /etc/passwd || {
  echo 'jetty:x:3990:3990::/nonexistent:/usr/sbin/nologin' >> /etc/passwd
  echo 'jetty:x:3990:' >> /etc/group
  echo 'gluu:x:3991:' >> /etc/group
}
if [ ! -d /etc/certs ]; then
  mkdir -p /etc/certs /etc/gluu/conf
  chmod 551 /etc/certs
  printf 'NODE OWN CERT\\n' > /etc/certs/httpd.crt
  printf 'NODE ONLY\\n' > /etc/certs/node-only.crt
  printf '{"node":1}\\n' > /etc/gluu/conf/passport-config.json
  chmod 600 /etc/gluu/conf/passport-config.json
fi
bash "$1/inner.sh"
`;

describe("render/certs contract: certificate import (private namespace, overlay /etc)", function () {
    let dir: string;
    before(function () {
        if (process.getuid?.() !== 0 || spawnSync("unshare", ["--mount", "true"]).status !== 0) {
            this.skip();
        }
    });
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "certs-contract-"));
        for (const d of ["etc.upper", "etc.work", "root.upper", "root.work", "primary/etc/certs", "primary/etc/gluu/conf"]) {
            fs.mkdirSync(path.join(dir, d), { recursive: true });
        }
        fs.writeFileSync(path.join(dir, "primary/etc/certs/httpd.crt"), "PRIMARY CERT\n", { mode: 0o644 });
        fs.writeFileSync(path.join(dir, "primary/etc/certs/httpd.key"), "PRIMARY KEY\n", { mode: 0o640 });
        fs.writeFileSync(path.join(dir, "primary/etc/certs/oxauth-keys.jks"), "JWKS\n", { mode: 0o640 });
        fs.writeFileSync(path.join(dir, "primary/etc/gluu/conf/passport-config.json"), '{"primary":1}\n', { mode: 0o644 });
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const exportArchive = () => execFileSync("bash", ["-c", certsExportScript({ ...P316, containerRoot: path.join(dir, "primary") })], { encoding: "utf8" });
    const run = (stdin: string) => {
        fs.writeFileSync(path.join(dir, "inner.sh"), innerOf(certsImportScript(P316)));
        const r = spawnSync("unshare", ["--mount", "bash", "-c", CERTS_SANDBOX, "_", dir], { input: stdin, encoding: "utf8", timeout: 60000 });
        assert.deepStrictEqual(fs.readdirSync(path.join(dir, "root.upper")).filter((f) => f.startsWith(".gluu-")), [], "no temporary files left in /root");
        return r;
    };
    const up = (rel: string) => path.join(dir, "etc.upper", rel);

    it("installs the primary's files with the right owners and modes, backs up once, and a re-run changes nothing", () => {
        const archive = exportArchive();
        const first = run(archive);
        assert.strictEqual(first.status, 0, first.stderr);
        assert.deepStrictEqual(first.stdout.trim().split("\n"), [
            `changed ${CERTS_BACKUP_DIR} (backup of this node's own /etc/certs)`,
            "changed /etc/certs/httpd.crt",
            "changed /etc/certs/httpd.key",
            "changed /etc/certs/oxauth-keys.jks",
            "changed /etc/gluu/conf/passport-config.json",
        ]);
        assert.strictEqual(fs.readFileSync(up("certs/httpd.crt"), "utf8"), "PRIMARY CERT\n");
        assert.strictEqual(fs.readFileSync(up("certs.before-gluu-cluster/httpd.crt"), "utf8"), "NODE OWN CERT\n");
        assert.strictEqual(fs.readFileSync(up("certs/node-only.crt"), "utf8"), "NODE ONLY\n", "files the archive lacks are left alone");
        const st = (rel: string) => fs.statSync(up(rel));
        assert.strictEqual(st("certs/httpd.key").mode & 0o7777, 0o640);
        assert.deepStrictEqual([st("certs/httpd.key").uid, st("certs/httpd.key").gid], [0, 3991], "root:gluu");
        assert.deepStrictEqual([st("certs/oxauth-keys.jks").uid, st("certs/oxauth-keys.jks").gid], [3990, 3990], "jetty:jetty");
        assert.strictEqual(st("gluu/conf/passport-config.json").mode & 0o7777, 0o600, "the node's mode is kept for extra files");
        assert.strictEqual(st("certs").mode & 0o7777, 0o551, "the directory's mode is untouched");

        const second = run(archive);
        assert.strictEqual(second.status, 0, second.stderr);
        assert.strictEqual(second.stdout, "certificates already match the primary's\n");
    });

    it("refuses archives with unexpected paths, traversal or links, changing nothing", () => {
        const bad = (build: string) => {
            const stage = fs.mkdtempSync(path.join(dir, "bad-"));
            return execFileSync("bash", ["-c", `cd ${stage} && ${build} | gzip -n | base64 -w0`], { encoding: "utf8" });
        };
        const cases: Array<[string, RegExp]> = [
            [`mkdir -p etc/cron.d && echo x > etc/cron.d/evil && tar -cf - etc/cron.d/evil`, /unexpected path/],
            [`mkdir -p etc/certs && echo x > etc/certs/a && tar -cf - --transform 's|^etc/certs/a|etc/certs/../../root/.ssh/authorized_keys|' etc/certs/a`, /unsafe path/],
            [`mkdir -p etc/certs && ln -s /etc/shadow etc/certs/link.crt && tar -cf - etc/certs`, /links or special files/],
            [`echo x > 'f' && tar -cf - f`, /unexpected path/],
        ];
        for (const [build, message] of cases) {
            const r = run(bad(build));
            assert.notStrictEqual(r.status, 0, build);
            assert.match(r.stderr, message, build);
            assert.ok(!fs.existsSync(up("certs.before-gluu-cluster")), "nothing was backed up or changed");
        }
        const garbage = run("this is not base64 !!!\n");
        assert.notStrictEqual(garbage.status, 0);
        assert.match(garbage.stderr, /not the base64 certificate archive/);
    });
});
