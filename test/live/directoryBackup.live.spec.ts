// LIVE tests of DirectoryBackup for Gluu 3.1.6 and 4.5 on test hosts: the steps recorded from the REAL component
// run over SSH; the backup job the install step puts in place runs FOR REAL the way cron runs it (the bed has no
// systemd, so the install step chose the /etc/cron.d entry; the command is taken from that entry): archive,
// encryption to the recipient certificate (openssl cms), checksum, upload with the SigV4 client to an S3 server
// that verifies every signature with botocore (s3Server.ts), local and remote retention, retries, failure status.
// The OpenDJ parts run BY CONTRACT against the version-faithful stand-ins (opendjStandins.ts: export-ldif and
// import-ldif accept exactly the options the version's tools register and run only as tasks, as the server's user).
// Then the restore path end to end on the stand-ins: a corrupted archive, one encrypted to another key and one
// older than restoreMaxAgeDays are refused before anything changes; a good one restores the files and the LDIF,
// re-initializes the member (initialize-all, recorded so that the cluster's status-driven initialization finds it
// initialized) and restarts its services; the
// same request does not restore twice. No real OpenDJ or Gluu runs here.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DirectoryBackup } from "../../components/directoryBackup";
import { PROFILES } from "../../components/profiles";
import { BACKUP_PATHS, parseBackupStatus } from "../../components/render/backup";
import { REPLICATION_INIT_MARKER, replicationInitScript } from "../../components/render/opendj";
import { RecordedResource } from "../../src/record";
import { byName, commands, recordComponent, strings, unwrap } from "../helpers/program";
import { Bed, BedHost, startBed } from "./bed";
import { hostArgsOf } from "./hosts";
import { GLUU316_ROOT, GLUU45_ROOT, setStandinState, setupGluu45Standin, setupGluuStandin, sha256, standinCalls, standinState } from "./opendjStandins";
import { runSteps } from "./runner";
import { S3_DATA, s3Keys, s3Requests, startS3Server } from "./s3Server";

const DM_PASSWORD = "Dm-backup-Pw-7c1e90ab";
const ADMIN_PASSWORD = "Repl-admin-Pw-3f08d2c4";
const S3 = { port: 9000, bucket: "gluu-backups", region: "us-east-1", accessKeyId: "AKIDGLUUBACKUPTEST", secretAccessKey: "s3-Secret/Key+With=Chars-51d0" };
const PYTHON2 = "/root/.pyenv/versions/2.7.18/bin/python2";

describe("live: DirectoryBackup (3.1.6 and 4.5) — the job for real against a SigV4-verifying S3 server; export/import and the restore BY CONTRACT on stand-ins", function () {
    this.timeout(180000);
    let bed: Bed;
    let endpoint: string;
    const h = (n: string): BedHost => bed.host(n);

    before(async function () {
        bed = await startBed({ hosts: ["gluu-1", "gluu-2", "s3"] });
        const t0 = Date.now();
        await Promise.all(["gluu-1", "gluu-2"].map(async (n) => {
            await setupGluuStandin(h(n), { self: h(n).address, dmSha: sha256(DM_PASSWORD) });
            await setupGluu45Standin(h(n), { self: h(n).address, dmSha: sha256(DM_PASSWORD) });
        }));
        endpoint = await startS3Server(h("s3"), S3);
        console.log(`      bed ${bed.subnet} up in ${bed.bringUpMs} ms; stand-ins (3.1.6 and 4.5 on each node) and the S3 server in ${Date.now() - t0} ms`);
    });

    after(async () => {
        await bed?.stop();
    });

    it("the S3 server really verifies signatures: a wrong secret is refused with SignatureDoesNotMatch, a wrong key id with InvalidAccessKeyId", async () => {
        const client = (await import("../../components/render/backup")).S3_CLIENT_PY;
        const conf = (secret: string, akid = S3.accessKeyId) => JSON.stringify({ endpoint, region: S3.region, bucket: S3.bucket, accessKeyId: akid, secretAccessKey: secret });
        const probe = (c: string) =>
            h("gluu-1").ssh(`set -e; d=$(mktemp -d); trap 'rm -rf "$d"' EXIT; cat > "$d/s3.py" <<'EOF'\n${client}EOF\n(umask 077; printf '%s\\n' '${c}' > "$d/c.json"); /usr/bin/python3 "$d/s3.py" "$d/c.json" list probe/`);
        const bad = await probe(conf("not-the-secret"));
        assert.strictEqual(bad.code, 1, bad.stderr);
        assert.match(bad.stderr, /HTTP 403 SignatureDoesNotMatch/);
        const badId = await probe(conf(S3.secretAccessKey, "AKIDSOMEONEELSE"));
        assert.match(badId.stderr, /HTTP 403 InvalidAccessKeyId/);
        const good = await probe(conf(S3.secretAccessKey));
        assert.strictEqual(good.code, 0, good.stderr);
        const log = await s3Requests(h("s3"));
        assert.deepStrictEqual(log.map((r) => r.code), ["SignatureDoesNotMatch", "InvalidAccessKeyId", ""]);
    });

    for (const v of ["3.1.6", "4.5"] as const) {
        const R = v === "3.1.6" ? GLUU316_ROOT : GLUU45_ROOT;
        /** Tests of host-side behaviour (no container involved) are registered for 3.1.6 only. */
        const onceIt = (title: string, fn: () => Promise<void>) => (v === "3.1.6" ? it(title, fn) : undefined);
        // One component name for both versions: the mocks make one RSA-4096 key per name (key generation is slow).
        const tag = "backup";
        const prefix = v === "3.1.6" ? "bk316/" : "bk45/";
        const record = (restoreFrom?: string, more: { restoreForce?: boolean } = {}) =>
            recordComponent(
                (opts) =>
                    new DirectoryBackup(
                        tag,
                        {
                            host: hostArgsOf(bed, "gluu-1"),
                            version: v,
                            directoryManagerPassword: DM_PASSWORD,
                            schedule: "02:30",
                            keepLocal: 2,
                            keepDays: 7,
                            bucket: S3.bucket,
                            endpoint,
                            region: S3.region,
                            accessKeyId: S3.accessKeyId,
                            secretAccessKey: S3.secretAccessKey,
                            prefix,
                            // A valid name, so that the recording carries the private key (the restore step's stdin).
                            restoreFrom: restoreFrom ?? "gluu-backup-gluu-1-20000101T000000Z",
                            restoreMaxAgeDays: 7,
                            members: [hostArgsOf(bed, "gluu-2")],
                            replicationAdminPassword: ADMIN_PASSWORD,
                            ...more,
                        },
                        opts,
                    ),
            );
        let rec: RecordedResource[];
        let privateKeyPem: string;
        const names: string[] = [];
        const cronJob = async () => {
            // What cron runs: the command of the /etc/cron.d entry (fields after the user), by /bin/sh -c.
            const line = (await h("gluu-1").run(`grep -v '^#' ${BACKUP_PATHS.cron}`)).trim();
            const cmd = line.split(/\s+/).slice(6).join(" ");
            return h("gluu-1").ssh(`sh -c ${JSON.stringify(cmd)}`, { timeoutMs: 60000 });
        };
        const jobOnce = async () => {
            const r = await h("gluu-1").ssh(`${BACKUP_PATHS.job}`, { timeoutMs: 60000 });
            assert.strictEqual(r.code, 0, r.stderr);
            return r.stdout.trim();
        };

        it(`${v}: install step (real) — cron entry for the schedule, 0600 secrets, no secret in any step's text`, async () => {
            rec = await record();
            privateKeyPem = String(unwrap(byName(rec, `${tag}-restore`).inputs.stdin).value).split("\n").slice(1).join("\n");
            assert.match(privateKeyPem, /BEGIN PRIVATE KEY/);
            const report = await runSteps(rec, { only: (r) => r.name === `${tag}-install` || r.name === `${tag}-status` });
            assert.ok(report.ok);
            const g = h("gluu-1");
            assert.strictEqual((await g.run(`cat ${BACKUP_PATHS.cron}`)).trim().split("\n").pop(), `30 2 * * * root ${BACKUP_PATHS.job} >/dev/null`);
            assert.strictEqual((await g.run(`stat -c '%a %U' ${BACKUP_PATHS.confDir} ${BACKUP_PATHS.s3Config} ${BACKUP_PATHS.dmPassword} ${BACKUP_PATHS.job} ${BACKUP_PATHS.recipient}`)).trim(), "700 root\n600 root\n600 root\n700 root\n644 root");
            assert.strictEqual((await g.run(`[ -e ${BACKUP_PATHS.unit} ] && echo unit || echo none`)).trim(), "none");
            // The secrets reach the host only on stdin: no command text holds them.
            for (const c of commands(rec)) {
                const texts = [c.inputs.create, c.inputs.delete].flatMap((t) => strings(t)).join("\n");
                for (const s of [DM_PASSWORD, S3.secretAccessKey, ADMIN_PASSWORD, privateKeyPem.split("\n")[1]]) assert.ok(!texts.includes(s), `${c.name}'s text holds a secret`);
                assert.strictEqual(c.inputs.environment, undefined, c.name);
            }
            // A second run of the install step changes nothing.
            const again = await runSteps(rec, { only: (r) => r.name === `${tag}-install` });
            assert.deepStrictEqual(again.step(`${tag}-install`).changed, []);
        });

        it(`${v}: the job runs as cron runs it — export-ldif tasks (by contract), encrypted archive, checksum, upload, retention; then decrypts with the stack's key`, async () => {
            const t0 = Date.now();
            const run = await cronJob();
            assert.strictEqual(run.code, 0, run.stderr);
            assert.strictEqual(run.stderr, "", "a good run prints nothing for cron to mail");
            console.log(`      one backup run (export, pack, encrypt, upload, prune) ${Date.now() - t0} ms`);
            const g = h("gluu-1");
            const last = (await g.run(`cat ${BACKUP_PATHS.lastSuccess}`)).trim().split(" ");
            names.push(last[1]);
            assert.match(last[1], /^gluu-backup-gluu-1-\d{8}T\d{6}Z$/);
            // export-ldif: a task on the admin connector with a 0600 password file that existed at call time.
            const ex = (await standinCalls(g, R)).filter((c) => c.tool === "export-ldif");
            assert.deepStrictEqual(ex.map((c) => c.argv[c.argv.indexOf("--backendID") + 1]), ["userRoot", "site"]);
            for (const c of ex) {
                assert.ok(!c.refused, c.refused);
                assert.strictEqual(c.argv[c.argv.indexOf("--port") + 1], "4444");
                assert.deepStrictEqual(c.pwfiles.map((p) => [p.opt, p.exists, p.mode, p.sha256]), [["--bindPasswordFile", true, "600", sha256(DM_PASSWORD)]]);
                assert.strictEqual(await g.run(`[ -e ${R}${c.pwfiles[0].path} ] && echo left || echo gone`), "gone\n");
            }
            assert.strictEqual((await g.run(`ls -A ${R}/root | grep -c '^.gluu-' || true`)).trim(), "0", "no password file or inner script left in the container");
            // In the bucket: the archive and its checksum; the local copy is byte-identical.
            const keys = await s3Keys(h("s3"), S3.bucket);
            assert.ok(keys.includes(`${prefix}${last[1]}.tar.cms`) && keys.includes(`${prefix}${last[1]}.tar.cms.sha256`), keys.join(", "));
            const remote = await h("s3").run(`sha256sum ${S3_DATA}/${S3.bucket}/${prefix}${last[1]}.tar.cms`);
            const sum = (await g.run(`cat ${BACKUP_PATHS.localDir}/${last[1]}.tar.cms.sha256`)).split(" ")[0];
            assert.strictEqual(remote.split(" ")[0], sum);
            // Decrypt with the private key from the stack (locally, as the README tells an operator to).
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gluu-backup-"));
            try {
                fs.writeFileSync(path.join(dir, "a.cms"), Buffer.from(await h("s3").run(`base64 -w0 ${S3_DATA}/${S3.bucket}/${prefix}${last[1]}.tar.cms`), "base64"));
                fs.writeFileSync(path.join(dir, "key.pem"), privateKeyPem, { mode: 0o600 });
                execFileSync("openssl", ["cms", "-decrypt", "-binary", "-inform", "DER", "-in", "a.cms", "-inkey", "key.pem", "-out", "a.tar"], { cwd: dir });
                execFileSync("tar", ["-xf", "a.tar"], { cwd: dir });
                execFileSync("sha256sum", ["--quiet", "-c", "MANIFEST.sha256"], { cwd: dir });
                const meta = JSON.parse(fs.readFileSync(path.join(dir, "backup.json"), "utf8"));
                assert.deepStrictEqual([meta.name, meta.node, meta.version], [last[1], "gluu-1", v]);
                const members = execFileSync("tar", ["-tf", "files.tar"], { cwd: dir, encoding: "utf8" });
                for (const f of ["etc/certs/httpd.key", "etc/gluu/conf/passport-config.json", "opt/opendj/config/keystore", "opt/opendj/config/keystore.pin", "opt/opendj/config/truststore"]) {
                    assert.ok(members.split("\n").includes(f), `${f} in files.tar`);
                }
                const ldif = fs.readFileSync(path.join(dir, "ldif/userRoot.ldif"), "utf8");
                assert.strictEqual((ldif.match(/^dn: /gm) ?? []).length, 1500);
                assert.match(fs.readFileSync(path.join(dir, "ldif/site.ldif"), "utf8"), /^dn: o=site$/m);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });

        // Host-side and the same for both versions (no container involved): run once, for 3.1.6.
        onceIt(`${v}: retention — the newest 2 kept locally; objects older than keepDays pruned from the bucket; a retry rides out a 503`, async () => {
            names.push(await jobOnce());
            // A refusal from the server (503 SlowDown): the client retries with backoff and the run still succeeds.
            await h("s3").run(`echo 1 > ${S3_DATA}/fail_next`);
            names.push(await jobOnce());
            const local = (await h("gluu-1").run(`ls ${BACKUP_PATHS.localDir} | grep '\\.tar\\.cms$' | sort`)).trim().split("\n");
            assert.deepStrictEqual(local, names.slice(-2).map((n) => `${n}.tar.cms`));
            // Back-date the first backup's objects by 10 days: the next run prunes them (keepDays 7).
            await h("s3").run(`touch -d '10 days ago' ${S3_DATA}/${S3.bucket}/${prefix}${names[0]}.tar.cms ${S3_DATA}/${S3.bucket}/${prefix}${names[0]}.tar.cms.sha256`);
            names.push(await jobOnce());
            const keys = (await s3Keys(h("s3"), S3.bucket)).filter((k) => k.startsWith(prefix));
            assert.ok(!keys.some((k) => k.includes(names[0])), `pruned: ${keys.join(", ")}`);
            for (const n of names.slice(1)) assert.ok(keys.includes(`${prefix}${n}.tar.cms`), n);
            assert.ok((await s3Requests(h("s3"))).some((r) => r.status === 503), "the server did refuse once");
        });

        // Host-side and the same for both versions (no container involved): run once, for 3.1.6.
        onceIt(`${v}: a failed upload is visible — non-zero exit and stderr for cron's mail, the failure file, the status step's output`, async () => {
            // The bucket refuses the credentials (a revoked key): not retried, the run fails at once.
            const conf = BACKUP_PATHS.s3Config;
            await h("gluu-1").run(`cp -p ${conf} ${conf}.keep && sed -i 's/"secretAccessKey": *"[^"]*"/"secretAccessKey":"revoked"/' ${conf}`);
            try {
                const r = await cronJob();
                assert.notStrictEqual(r.code, 0);
                assert.match(r.stderr, /s3\.py: put HTTP 403 SignatureDoesNotMatch/);
                assert.match(r.stderr, /gluu-backup: backup gluu-backup-gluu-1-\S+ FAILED: upload of/);
                assert.ok(!r.stderr.includes(S3.secretAccessKey));
            } finally {
                await h("gluu-1").run(`mv -f ${conf}.keep ${conf}`);
            }
            const status = await runSteps(rec, { only: (r) => r.name === `${tag}-status` });
            const parsed = parseBackupStatus(status.step(`${tag}-status`).stdout);
            assert.strictEqual(parsed.lastSuccessName, names[names.length - 1]);
            assert.match(parsed.lastFailureReason ?? "", /^upload of .* failed$/);
        });

        // Host-side and the same for both versions (no container involved): run once, for 3.1.6.
        onceIt(`${v}: restore refuses a corrupted archive, one encrypted to another key, and one older than restoreMaxAgeDays — before changing anything`, async () => {
            const g = h("gluu-1");
            const L = BACKUP_PATHS.localDir;
            const good = names[names.length - 1];
            const callsBefore = (await standinCalls(g, R)).length;
            const tryRestore = async (name: string, more: { restoreForce?: boolean } = {}) => {
                const r = await record(name, more);
                return runSteps(r, { only: (x) => x.name === `${tag}-restore`, throwOnFailure: false });
            };
            // Corrupted: one byte of a copy changed after its checksum was written.
            // (checksum and decryption are checked before the age, so these names' dates do not matter)
            const bad = "gluu-backup-gluu-1-20260101T000001Z";
            await g.run(`cp ${L}/${good}.tar.cms ${L}/${bad}.tar.cms && sed 's/${good}/${bad}/' ${L}/${good}.tar.cms.sha256 > ${L}/${bad}.tar.cms.sha256 && printf '\\x00' | dd of=${L}/${bad}.tar.cms bs=1 seek=500 conv=notrunc 2>/dev/null`);
            let r = await tryRestore(bad);
            assert.match(r.step(`${tag}-restore`).stderr, /REFUSED: backup \S+ fails its SHA-256 check/);
            // Encrypted to another key.
            const other = "gluu-backup-gluu-1-20260101T000002Z";
            await g.run(
                `d=$(mktemp -d); openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=other -keyout $d/k -out $d/c 2>/dev/null; head -c 999 /dev/urandom > $d/t; ` +
                    `openssl cms -encrypt -binary -aes256 -outform DER -in $d/t -out ${L}/${other}.tar.cms $d/c; rm -rf $d; cd ${L} && sha256sum ${other}.tar.cms > ${other}.tar.cms.sha256`,
            );
            r = await tryRestore(other);
            assert.match(r.step(`${tag}-restore`).stderr, /REFUSED: backup \S+ cannot be decrypted with this stack's backup key/);
            // Too old (the name's stamp says 2020): refused unless forced.
            const old = "gluu-backup-gluu-1-20200101T000000Z";
            await g.run(`cp ${L}/${good}.tar.cms ${L}/${old}.tar.cms && sed 's/${good}/${old}/' ${L}/${good}.tar.cms.sha256 > ${L}/${old}.tar.cms.sha256`);
            r = await tryRestore(old);
            assert.match(r.step(`${tag}-restore`).stderr, /REFUSED: backup \S+ is \d+ days old, more than gluu:restoreMaxAgeDays \(7\); set gluu:restoreForce true/);
            // Nothing happened inside the container: no service stopped, no import.
            const calls = (await standinCalls(g, R)).slice(callsBefore);
            assert.deepStrictEqual(calls.map((c) => c.tool), []);
            await g.run(`rm -f ${L}/${bad}.* ${L}/${other}.* ${L}/${old}.*`);
        });

        it(`${v}: restore end to end (from the bucket) — files and LDIF back, the member re-initialized and restarted; the same request does not restore twice`, async () => {
            const g = h("gluu-1");
            const good = names[names.length - 1];
            // The mistake that replicated everywhere: o=gluu down to 3 entries on both servers, a certificate replaced.
            const self = g.address;
            const repl = { adminSha: sha256(ADMIN_PASSWORD), rows: [] as any[] };
            for (const [i, server] of [self, h("gluu-2").address].entries()) {
                for (const base of ["o=gluu", "o=site"]) repl.rows.push({ base, server: `${server}:4444`, entries: 3, dsId: 100 + i, rsId: 200 + i, secure: true });
            }
            await setStandinState(g, "repl.json", repl, R);
            await setStandinState(g, "ldif.json", { "o=gluu": { text: "dn: o=gluu\n\n", entries: 3 } }, R);
            const certBefore = await g.run(`sha256sum < ${R}/etc/certs/httpd.crt`);
            await g.run(`echo broken > ${R}/etc/certs/httpd.crt`);
            // Only the bucket's copy: the restore downloads and verifies it.
            await g.run(`rm -f ${BACKUP_PATHS.localDir}/${good}.*`);
            const before1 = (await standinCalls(g, R)).length;
            const before2 = (await standinCalls(h("gluu-2"), R)).length;
            const rr = await record(good);
            const report = await runSteps(rr, { only: (x) => [`${tag}-restore`, `${tag}-restore-reinit`, "gluu-2-restore-restart"].includes(x.name) });
            const s = (n: string) => report.step(n);
            assert.ok(s(`${tag}-restore-reinit`).startedAt >= s(`${tag}-restore`).endedAt);
            assert.ok(s("gluu-2-restore-restart").startedAt >= s(`${tag}-restore-reinit`).endedAt);
            assert.strictEqual(await g.run(`sha256sum < ${R}/etc/certs/httpd.crt`), certBefore, "the certificate is back");
            const ldif = await standinState(g, "ldif.json", R);
            assert.strictEqual(ldif["o=gluu"].entries, 1500);
            assert.strictEqual(ldif["o=gluu"].clear, true);
            const after = await standinState(g, "repl.json", R);
            assert.deepStrictEqual(after.rows.filter((x: any) => x.base === "o=gluu").map((x: any) => x.entries), [1500, 1500], "the member holds the primary's restored entries");
            const c1 = (await standinCalls(g, R)).slice(before1);
            const svc = v === "3.1.6" ? (c: any) => `${c.argv[0]} ${c.argv[1]}` : (c: any) => `${c.argv[1]} ${c.argv[0]}`;
            const ctl = v === "3.1.6" ? "service" : "systemctl";
            assert.deepStrictEqual(
                c1.map((c) => (c.tool === ctl ? svc(c) : c.tool === "import-ldif" ? `import ${c.argv[c.argv.indexOf("--backendID") + 1]}` : c.tool === "dsreplication" ? `dsreplication ${c.argv[0]}` : c.tool)),
                ["oxauth stop", "identity stop", "opendj restart", "import userRoot", "import site", "oxauth start", "identity start", "dsreplication status", "dsreplication initialize-all", "dsreplication initialize-all", "dsreplication status"],
            );
            for (const c of c1.filter((x) => x.tool === "import-ldif")) {
                assert.ok(!c.refused, c.refused);
                assert.deepStrictEqual(c.pwfiles.map((p) => [p.exists, p.mode, p.sha256]), [[true, "600", sha256(DM_PASSWORD)]]);
            }
            // The record the cluster's status-driven initialization keeps now lists the member: its own repl-init step
            // (the very text OpenDjReplication renders) finds nothing to do afterwards.
            const marker = await g.run(`cat ${R}${REPLICATION_INIT_MARKER}`);
            assert.deepStrictEqual(marker.trim().split("\n").map((l) => l.split("\t").slice(0, 2).join(" ")), [`o=gluu ${h("gluu-2").address}:4444`, `o=site ${h("gluu-2").address}:4444`]);
            const clusterInit = await g.ssh(replicationInitScript({ profile: PROFILES[v], primaryAddress: g.address, members: [h("gluu-2").address] }), { stdin: ADMIN_PASSWORD + "\n" });
            assert.strictEqual(clusterInit.code, 0, clusterInit.stderr);
            assert.match(clusterInit.stdout, /o=gluu: all 1 member\(s\) already initialized/);
            assert.match(clusterInit.stdout, /o=site: all 1 member\(s\) already initialized/);
            const c2 = (await standinCalls(h("gluu-2"), R)).slice(before2).map((c) => svc(c));
            assert.deepStrictEqual(c2, ["oxauth restart", "identity restart"]);
            assert.strictEqual((await g.run(`ls ${BACKUP_PATHS.localDir} | grep -c '^.restore' || true`)).trim(), "0", "the key and the plaintext are gone");
            // The same request again (a later `up` with the same value would not even run it; if it runs, it does nothing).
            const again = await runSteps(rr, { only: (x) => x.name === `${tag}-restore` });
            assert.match(again.step(`${tag}-restore`).stdout, /already restored here/);
            assert.ok(!(await standinCalls(g, R)).slice(before1 + c1.length).some((c) => c.tool !== "dsreplication" || c.argv[0] !== "status"), "no restore and no initialization after the first");
        });
    }

    it("the client runs on python 2.7 too (Gluu 3.1.6's CentOS 7 hosts have no python3): list against the verifying server", async function () {
        const g = h("gluu-1");
        if ((await g.ssh(`[ -x ${PYTHON2} ]`)).code !== 0) {
            this.skip();
        }
        const r = await g.ssh(`${PYTHON2} ${BACKUP_PATHS.client} ${BACKUP_PATHS.s3Config} list bk45/`);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.match(r.stdout, /^bk45\/gluu-backup-gluu-1-\d{8}T\d{6}Z\.tar\.cms\t\d+\t\d+$/m);
    });
});
