// DirectoryBackup constructed through the component provider (as another language's program would): the host as
// one secret value and the secrets as secret output values, as the engine sends them; `after` as references. Its
// steps are children of the component, wait for `after`, take every secret on secret stdin, and no secret appears
// in clear anywhere in what it registers; the key pair comes back as outputs (the schema marks the private key secret).
import { strict as assert } from "assert";
import "./setup";
import { mockEd25519 } from "../src/mocks";
import { callerStep, clearText, construct, isSecretValue, ov, ref } from "./helpers/construct";

const LOGIN_KEY = mockEd25519("backup construct login").privateKeyOpenssh;
const S3_SECRET = "construct-S3-secret-4e1b";
const DM = "construct-Dm-Pw-22c8";

describe("DirectoryBackup through the component provider (Construct)", function () {
    this.timeout(120000);

    it("plain and secret inputs as the engine sends them; steps under the component; no secret in clear; the key pair as outputs", async () => {
        const base = await callerStep("gluu-1-install-ext");
        const init = await callerStep("repl-init-ext");
        const hostKey = mockEd25519("host gluu-1").publicKeyOpenssh.trim();
        const c = await construct("DirectoryBackup", "backup", {
            host: ov({ name: "gluu-1", publicAddress: "192.0.2.11", privateAddress: "10.0.0.11", ssh: { host: "192.0.2.11", user: "root", privateKey: LOGIN_KEY, hostKey }, readyAfter: [ref(base)] }, { secret: true }),
            version: "4.5",
            directoryManagerPassword: ov(DM, { secret: true }),
            bucket: "gluu-backups",
            endpoint: "https://s3.eu-central-1.amazonaws.com",
            region: "eu-central-1",
            accessKeyId: ov("AKIDCONSTRUCT", { secret: true }),
            secretAccessKey: ov(S3_SECRET, { secret: true }),
            schedule: "Mon..Fri 02:30",
            keepLocal: 3,
            after: [ref(init)],
        });
        assert.match(c.urn, /::gluu:index:DirectoryBackup::backup$/);
        assert.deepEqual([...c.steps.keys()].sort(), ["backup-install", "backup-status"]);
        const install = c.steps.get("backup-install")!;
        assert.ok(isSecretValue(install.obj.stdin), "the secrets go on secret stdin");
        assert.ok(install.deps.includes(init.urn) && install.deps.includes(base.urn), `install waits for after and the host: ${install.deps.join(", ")}`);
        for (const s of c.seen) {
            for (const secret of [DM, S3_SECRET]) assert.deepEqual(clearText(s.obj, secret), [], `${s.name}: a secret in clear`);
        }
        // (settle() reads the values; the schema marks the output secret: provider/secrets.ts, checked by componentPackage.spec)
        assert.match(String(c.state.privateKeyPem), /BEGIN PRIVATE KEY/);
        assert.match(String(c.state.recipientCertificatePem), /BEGIN CERTIFICATE/);
    });
});
