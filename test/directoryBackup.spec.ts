// DirectoryBackup on its own under mocks: resources, names, parents, explicit edges, secrets (no secret in any
// command's text, argv or environment; the private key only in a secret output and in the restore's stdin), the
// restore keyed on its request, and bad Args refused by field before anything is created.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { DirectoryBackup, DirectoryBackupArgs, validateDirectoryBackupArgs } from "../components/directoryBackup";
import { ArgsError } from "../components/validation";
import * as rules from "../policy/rules";
import { RecordedResource, recordProgram } from "../src/record";
import { byName, commands, mockHost as host, mocks, recordComponent, strings, unwrap } from "./helpers/program";
import { assertShellcheckClean } from "./helpers/shellcheck";

const DM = "Dm-graph-Pw-5be21c07";
const SECRET = "graph-S3-secret-9a7f";
const ADMIN = "Repl-graph-Pw-77d1e0";

function args(more: Partial<DirectoryBackupArgs> = {}): DirectoryBackupArgs {
    return {
        host: host("gluu-1", "10.0.0.11"),
        version: "4.5",
        directoryManagerPassword: pulumi.secret(DM),
        bucket: "gluu-backups",
        endpoint: "https://fra1.digitaloceanspaces.com",
        region: "fra1",
        accessKeyId: pulumi.secret("AKIDGRAPH"),
        secretAccessKey: pulumi.secret(SECRET),
        prefix: "gluu/",
        ...more,
    };
}

describe("DirectoryBackup (alone, under mocks)", () => {
    let plain: RecordedResource[];
    let withRestore: RecordedResource[];
    let component: DirectoryBackup | undefined;
    const text = (rs: RecordedResource[], name: string) => String(unwrap(byName(rs, name).inputs.create).value);
    const urn = (rs: RecordedResource[], name: string) => byName(rs, name).urn;

    before(async () => {
        plain = await recordComponent((opts) => (component = new DirectoryBackup("backup", args({ statusRefresh: "2026-12-06T05:00:00Z" }), opts)));
        withRestore = await recordComponent(
            (opts) =>
                new DirectoryBackup(
                    "backup",
                    args({
                        restoreFrom: "gluu-backup-gluu-1-20261205T023000Z",
                        members: [host("gluu-2", "10.0.0.12"), host("gluu-3", "10.0.0.13")],
                        replicationAdminPassword: pulumi.secret(ADMIN),
                    }),
                    opts,
                ),
        );
    });

    it("makes an RSA-4096 key and a key-encipherment certificate, the install and status steps; no restore steps unless asked", () => {
        const key = byName(plain, "backup-key");
        assert.strictEqual(key.type, "tls:index/privateKey:PrivateKey");
        assert.deepStrictEqual([key.inputs.algorithm, key.inputs.rsaBits], ["RSA", 4096]);
        const cert = byName(plain, "backup-recipient");
        assert.deepStrictEqual(cert.inputs.allowedUses, ["key_encipherment", "data_encipherment"]);
        assert.deepStrictEqual(commands(plain).map((c) => c.name).sort(), ["backup-install", "backup-status"]);
        for (const r of plain.filter((x) => x.custom)) assert.ok(r.parent?.endsWith("DirectoryBackup::backup"), `${r.name} is a child of the component`);
        assert.deepStrictEqual(commands(withRestore).map((c) => c.name).sort(), ["backup-install", "backup-restore", "backup-restore-reinit", "backup-status", "gluu-2-restore-restart", "gluu-3-restore-restart"]);
    });

    it("explicit edges: status and restore after install; re-initialization after the restore; members restart one after another", () => {
        assert.ok(byName(plain, "backup-status").dependsOn.includes(urn(plain, "backup-install")));
        const w = withRestore;
        assert.ok(byName(w, "backup-restore").dependsOn.includes(urn(w, "backup-install")));
        assert.ok(byName(w, "backup-restore-reinit").dependsOn.includes(urn(w, "backup-restore")));
        assert.ok(byName(w, "gluu-2-restore-restart").dependsOn.includes(urn(w, "backup-restore-reinit")));
        assert.ok(byName(w, "gluu-3-restore-restart").dependsOn.includes(urn(w, "gluu-2-restore-restart")));
    });

    it("the restore is keyed on the requested backup (a trigger), and the status step on statusRefresh", () => {
        for (const n of ["backup-restore", "backup-restore-reinit", "gluu-2-restore-restart"]) {
            assert.deepStrictEqual(byName(withRestore, n).inputs.triggers, ["gluu-backup-gluu-1-20261205T023000Z"], n);
        }
        assert.deepStrictEqual(byName(plain, "backup-status").inputs.triggers, ["2026-12-06T05:00:00Z"]);
        assert.match(text(withRestore, "backup-restore"), /^name=gluu-backup-gluu-1-20261205T023000Z$/m);
    });

    it("secrets: on stdin only, secret-bearing steps log nothing and mark their output secret; no secret in any text or environment", () => {
        const all = [...plain, ...withRestore];
        const restoreStdin = String(unwrap(byName(withRestore, "backup-restore").inputs.stdin).value);
        const keyLine = restoreStdin.split("\n")[2];
        assert.match(restoreStdin, /^Dm-graph-Pw-5be21c07\n-----BEGIN PRIVATE KEY-----\n/);
        for (const [rs, n] of [[plain, "backup-install"], [withRestore, "backup-restore"], [withRestore, "backup-restore-reinit"]] as const) {
            const c = byName(rs, n);
            assert.ok(unwrap(c.inputs.stdin).secret, `${n} stdin is secret`);
            assert.strictEqual(c.inputs.logging, "none", n);
            assert.strictEqual(c.inputs.addPreviousOutputInEnv, false, n);
            assert.deepStrictEqual(c.options?.additionalSecretOutputs?.filter((o) => o !== "connection").sort(), ["stderr", "stdout"], n);
        }
        assert.match(String(unwrap(byName(plain, "backup-install").inputs.stdin).value), new RegExp(`^${DM}\\n\\{.*"secretAccessKey":"${SECRET}"\\}\\n$`));
        for (const c of commands(all)) {
            const t = [c.inputs.create, c.inputs.delete, c.inputs.environment, c.inputs.triggers].flatMap((x) => strings(x)).join("\n");
            for (const s of [DM, SECRET, ADMIN, keyLine]) assert.ok(!t.includes(s), `${c.name} holds a secret in its text`);
            assert.strictEqual(c.inputs.environment, undefined);
        }
    });

    it("outputs: the private key only as a secret; the certificate public", async () => {
        assert.ok(component);
        assert.strictEqual(await (component!.privateKeyPem as any).isSecret, true);
        assert.strictEqual(await (component!.recipientCertificatePem as any).isSecret, false);
        const cert = await new Promise<string>((r) => component!.recipientCertificatePem.apply((v) => r(v)));
        assert.match(cert, /BEGIN CERTIFICATE/);
        assert.ok(!text(plain, "backup-install").includes("PRIVATE KEY"), "only the certificate reaches the host");
        assert.ok(text(plain, "backup-install").includes(cert.trim().split("\n")[1]), "the certificate is installed");
    });

    it("every step passes shellcheck", () => {
        for (const c of commands([...plain, ...withRestore])) assertShellcheckClean(c.name, text([...plain, ...withRestore], c.name));
    });

    it("bad Args are refused by field before anything is created", () => {
        const p = validateDirectoryBackupArgs(
            args({ schedule: "sometimes", keepLocal: 0, keepDays: 99999, bucket: "No_Such", endpoint: "http://203.0.113.5", region: "Mars 1", prefix: "/x", restoreFrom: "latest", members: [host("gluu-2", "10.0.0.12")] }),
        );
        for (const f of ["schedule", "keepLocal", "keepDays", "bucket", "endpoint", "region", "prefix", "restoreFrom", "replicationAdminPassword"]) {
            assert.ok(p.some((x) => x.startsWith(`\`${f}\``)), `${f}: ${p.join("\n")}`);
        }
        assert.throws(() => new DirectoryBackup("bad", args({ keepLocal: 0 })), (e: any) => e instanceof ArgsError && /`keepLocal` must be an integer 1–100/.test(e.message));
    });

    it("passes every rule of the project's policy pack (key strength, certificate bounds, secret-bearing steps)", async () => {
        const secretOutputs = new Map<string, string[] | undefined>();
        const capture: pulumi.ResourceTransformation = (t) => {
            secretOutputs.set(`${t.type}::${t.name}`, (t.opts as pulumi.CustomResourceOptions).additionalSecretOutputs as string[] | undefined);
            return undefined;
        };
        const rs = await recordProgram(mocks, (o) =>
            new DirectoryBackup("backup", args({ restoreFrom: "gluu-backup-gluu-1-20261205T023000Z", members: [host("gluu-2", "10.0.0.12")], replicationAdminPassword: pulumi.secret(ADMIN) }), {
                ...o,
                transformations: [...(o.transformations ?? []), capture],
            }),
        );
        const deepPlain = (v: any): any => {
            const u = rules.plain(v);
            if (Array.isArray(u)) return u.map(deepPlain);
            if (u && typeof u === "object") return Object.fromEntries(Object.entries(u).map(([k, x]) => [k, deepPlain(x)]));
            return u;
        };
        const custom = rs.filter((r) => r.custom);
        const out: string[] = [];
        for (const r of custom) out.push(...rules.validateResource(r.type, deepPlain(r.inputs), r.name, { additionalSecretOutputs: secretOutputs.get(`${r.type}::${r.name}`) ?? [] }));
        out.push(...rules.validateStack(custom.map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: deepPlain(r.inputs) }))).map((v) => v.message));
        assert.deepStrictEqual(out, []);
        assert.ok(custom.some((r) => r.type === "tls:index/selfSignedCert:SelfSignedCert") && custom.filter((r) => r.type === "command:remote:Command").length >= 5);
    });
});
