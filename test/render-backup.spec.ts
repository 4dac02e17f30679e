// The backup renderers (components/render/backup.ts): pure validation of every backup setting (no mocks), every
// script through shellcheck, the S3 client compiled by python 3 (and python 2.7 where the machine has one), each
// OpenDJ call checked against the version's option table, and the schedule's OnCalendar checked by systemd itself.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROFILES } from "../components/profiles";
import {
    BACKUP_PATHS,
    S3_CLIENT_PY,
    backupCronLine,
    backupEndpointProblems,
    backupInstallScript,
    backupInstallStdin,
    backupJobScript,
    backupRegionProblems,
    backupScheduleProblems,
    backupStatusScript,
    backupUnits,
    bucketNameProblems,
    integerProblems,
    parseBackupSchedule,
    parseBackupStatus,
    restartAfterRestoreScript,
    restoreFromProblems,
    restoreReinitScript,
    restoreScript,
    restoreStdin,
} from "../components/render/backup";
import { OPENDJ_ARGCHECK_PY, OpenDjTableVersion, compiledOptions } from "./live/opendjOptions";
import { assertShellcheckClean } from "./helpers/shellcheck";

const CERT = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
const job = (v: string) => ({ profile: PROFILES[v], node: "gluu-1", keepLocal: 7, keepDays: 30, prefix: "gluu/", schedule: "Mon..Fri 02:30", recipientCertPem: CERT });
const PYTHON2 = "/root/.pyenv/versions/2.7.18/bin/python2";

/** The OpenDJ tool calls of a script: `"$dj_bin/<tool>" args… \` continued lines, up to the redirection. */
function opendjCalls(text: string): Array<{ tool: string; argv: string[] }> {
    const joined = text.replace(/\\\n\s*/g, " ");
    return [...joined.matchAll(/"\$dj_bin\/(export-ldif|import-ldif|dsreplication)" ((?:--|status |initialize-all )[^>\n]*)/g)].map((m) => ({
        tool: m[1],
        argv: (m[2].match(/'[^']*'|"[^"]*"|\S+/g) ?? []).map((w) => w.replace(/^['"]|['"]$/g, "")),
    }));
}

function argcheck(v: OpenDjTableVersion, tool: string, argv: string[]): string | undefined {
    try {
        execFileSync("python3", ["-c", OPENDJ_ARGCHECK_PY, JSON.stringify(compiledOptions(v)), tool, ...argv], { stdio: ["ignore", "pipe", "pipe"] });
        return undefined;
    } catch (e: any) {
        return String(e.stderr);
    }
}

describe("render/backup: validation (pure, every message names its key)", () => {
    it("schedules: the OnCalendar subset that cron can express exactly", () => {
        const ok: Array<[string, string, string]> = [
            ["hourly", "hourly", "0 * * * *"],
            ["daily", "daily", "0 0 * * *"],
            ["weekly", "weekly", "0 0 * * 1"],
            ["02:30", "*-*-* 02:30:00", "30 2 * * *"],
            ["*-*-* 3:05:00", "*-*-* 03:05:00", "5 3 * * *"],
            ["Mon,Thu 02:30", "Mon,Thu 02:30:00", "30 2 * * 1,4"],
            ["Mon..Fri 23:59", "Mon..Fri 23:59:00", "59 23 * * 1,2,3,4,5"],
            ["Sat,Sun 00:00", "Sat,Sun 00:00:00", "0 0 * * 6,0"],
        ];
        for (const [input, cal, cron] of ok) {
            assert.deepStrictEqual(parseBackupSchedule(input), { onCalendar: cal, cron }, input);
            assert.deepStrictEqual(backupScheduleProblems("gluu:backupSchedule", input), []);
        }
        for (const bad of ["", "every day", "25:00", "02:60", "02:30:15", "Fri..Mon 01:00", "mon 01:00", "02:30 daily", "*-*-01 02:30", "Mon,,Thu 1:00"]) {
            const p = backupScheduleProblems("gluu:backupSchedule", bad);
            assert.strictEqual(p.length, 1, bad);
            assert.match(p[0], /^`gluu:backupSchedule` /, bad);
        }
    });

    it("schedules: systemd itself accepts every OnCalendar we render (systemd-analyze calendar)", function () {
        try {
            execFileSync("systemd-analyze", ["--version"], { stdio: "ignore" });
        } catch {
            this.skip();
        }
        for (const s of ["hourly", "daily", "weekly", "02:30", "Mon,Thu 02:30", "Mon..Fri 23:59", "Sat,Sun 00:00"]) {
            const r = parseBackupSchedule(s);
            assert.ok(typeof r !== "string");
            const out = execFileSync("systemd-analyze", ["calendar", r.onCalendar], { encoding: "utf8" });
            assert.match(out, /Next elapse:/, `${s} → ${r.onCalendar}`);
        }
    });

    it("retention numbers, bucket names, regions, endpoints, restore names: refused by key with what to do", () => {
        assert.deepStrictEqual(integerProblems("gluu:backupKeepLocal", 3, 1, 100, "x"), []);
        for (const bad of [0, 101, 2.5, -1, "3" as any]) assert.match(integerProblems("gluu:backupKeepLocal", bad, 1, 100, "backups kept")[0], /^`gluu:backupKeepLocal` must be an integer 1–100/);
        assert.deepStrictEqual(bucketNameProblems("gluu:backupBucket", "gluu-backups-1"), []);
        for (const bad of ["ab", "Gluu", "-gluu", "gluu-", "a".repeat(64), "gluu..x", "gluu.backups", "192.168.1.1", "xn--gluu", "gluu-s3alias", "gluu_backups"]) {
            const p = bucketNameProblems("gluu:backupBucket", bad);
            assert.ok(p.length >= 1, bad);
            assert.ok(p.every((x) => x.startsWith("`gluu:backupBucket` ")), bad);
        }
        assert.deepStrictEqual(backupRegionProblems("gluu:backupRegion", "fra1", true), []);
        assert.match(backupRegionProblems("gluu:backupRegion", "fra2", true)[0], /not a Spaces region; use one of ams3, atl1/);
        assert.deepStrictEqual(backupRegionProblems("gluu:backupRegion", "eu-central-1", false), []);
        assert.match(backupRegionProblems("gluu:backupRegion", "EU Central", false)[0], /^`gluu:backupRegion` /);
        for (const ok of ["https://fra1.digitaloceanspaces.com", "https://s3.example.org:9443", "http://10.0.0.5:9000", "http://192.168.1.9:9000"]) {
            assert.deepStrictEqual(backupEndpointProblems("gluu:backupEndpoint", ok), [], ok);
        }
        for (const bad of ["fra1.digitaloceanspaces.com", "http://s3.example.org", "http://8.8.8.8:9000", "https://k:s@s3.example.org", "https://s3.example.org/bucket", "ftp://x.example"]) {
            const p = backupEndpointProblems("gluu:backupEndpoint", bad);
            assert.ok(p.length >= 1 && p.every((x) => x.startsWith("`gluu:backupEndpoint` ")), bad);
        }
        assert.deepStrictEqual(restoreFromProblems("gluu:restoreFrom", "gluu-backup-gluu-1-20260101T023000Z"), []);
        for (const bad of ["latest", "gluu-backup-gluu-1-2026-01-01", "../etc/passwd", "gluu-backup-gluu-1-20260101T023000Z.tar.cms"]) {
            assert.match(restoreFromProblems("gluu:restoreFrom", bad)[0], /^`gluu:restoreFrom` .* must name a backup like/);
        }
    });

    it("stdin lines: refuses multi-line or empty secrets; the private key must be PEM", () => {
        const s3 = { endpoint: "https://fra1.digitaloceanspaces.com/", region: "fra1", bucket: "b-1", accessKeyId: "AK", secretAccessKey: "SK" };
        assert.strictEqual(backupInstallStdin("pw", s3), 'pw\n{"endpoint":"https://fra1.digitaloceanspaces.com","region":"fra1","bucket":"b-1","accessKeyId":"AK","secretAccessKey":"SK"}\n');
        assert.throws(() => backupInstallStdin("a\nb", s3), /single line/);
        assert.throws(() => backupInstallStdin("pw", { ...s3, secretAccessKey: "" }), /secretAccessKey/);
        assert.throws(() => restoreStdin("pw", "not a key"), /PEM private key/);
    });

    it("status output parses into times, the name and the failure reason", () => {
        assert.deepStrictEqual(parseBackupStatus('{"lastSuccess":"2026-01-01T02:30:05Z gluu-backup-gluu-1-20260101T023000Z","lastFailure":"2026-01-02T02:30:05Z gluu-backup-gluu-1-20260102T023000Z upload of x failed"}\n'), {
            lastSuccessTime: "2026-01-01T02:30:05Z",
            lastSuccessName: "gluu-backup-gluu-1-20260101T023000Z",
            lastFailureTime: "2026-01-02T02:30:05Z",
            lastFailureReason: "upload of x failed",
        });
        assert.deepStrictEqual(parseBackupStatus('{"lastSuccess":"","lastFailure":""}'), {});
        assert.deepStrictEqual(parseBackupStatus("garbage"), {});
    });
});

describe("render/backup: scripts", () => {
    for (const v of ["3.1.6", "4.5"] as const) {
        const scripts = () => ({
            job: backupJobScript(job(v)),
            install: backupInstallScript(job(v)),
            restore: restoreScript({ profile: PROFILES[v], name: "gluu-backup-gluu-1-20260101T023000Z", prefix: "gluu/", maxAgeDays: 7, force: false }),
            restoreForced: restoreScript({ profile: PROFILES[v], name: "gluu-backup-gluu-1-20260101T023000Z", prefix: "", maxAgeDays: 7, force: true }),
            restart: restartAfterRestoreScript(PROFILES[v]),
            reinit: restoreReinitScript(PROFILES[v], "10.0.0.11", { members: ["10.0.0.12", "10.0.0.13"] }),
            status: backupStatusScript(),
        });

        it(`${v}: every script passes shellcheck (the job also as the install step embeds it)`, () => {
            for (const [name, text] of Object.entries(scripts())) assertShellcheckClean(`${v} ${name}`, text);
        });

        it(`${v}: every export-ldif / import-ldif call is accepted by Gluu ${v}'s OpenDJ (option table from upstream) and runs as a task with a password file`, () => {
            const s = scripts();
            const calls = [...opendjCalls(s.job), ...opendjCalls(s.restore)];
            assert.deepStrictEqual(calls.map((c) => c.tool), ["export-ldif", "import-ldif", "import-ldif"]);
            const reinit = opendjCalls(s.reinit);
            assert.deepStrictEqual(reinit.map((c) => `${c.tool} ${c.argv[0]}`), ["dsreplication status", "dsreplication initialize-all"]);
            for (const c of reinit) {
                assert.strictEqual(argcheck(v, c.tool, c.argv), undefined, `${c.tool} ${c.argv.join(" ")}`);
                assert.ok(c.argv.includes("--adminPasswordFile") && !c.argv.includes("--adminPassword"));
            }
            for (const c of calls) {
                assert.strictEqual(argcheck(v, c.tool, c.argv), undefined, `${c.tool} ${c.argv.join(" ")}`);
                for (const o of ["--hostname", "--port", "--bindPasswordFile", "--trustAll", "--backendID", "--ldifFile"]) assert.ok(c.argv.includes(o), `${c.tool} has ${o}`);
                assert.ok(!c.argv.includes("--bindPassword"), "never a password on the command line");
            }
            // The checker is no rubber stamp: options the version does not register are refused.
            assert.match(argcheck(v, "export-ldif", ["--useSSL"]) ?? "", /not allowed/);
            if (v === "4.5") {
                assert.match(argcheck(v, "export-ldif", ["--configClass", "x"]) ?? "", /not allowed/);
                assert.match(argcheck(v, "import-ldif", ["--skipDNValidation"]) ?? "", /not allowed/);
            } else {
                assert.strictEqual(argcheck(v, "import-ldif", ["--skipDNValidation"]), undefined);
            }
        });

        it(`${v}: the job goes into the container the version's way and never holds a secret`, () => {
            const s = scripts();
            assert.ok(s.job.includes(v === "3.1.6" ? 'chroot "$gluu_root" /bin/bash' : "root@localhost /bin/bash"));
            assert.ok(s.job.includes(`} < ${BACKUP_PATHS.dmPassword}; then`), "the DM password reaches the container on stdin from its 0600 file");
            assert.match(s.job, /openssl cms -encrypt -binary -aes256 -outform DER/);
            assert.match(s.install, /put_secret \/etc\/gluu-backup\/directory-manager\.pw\nput_secret \/etc\/gluu-backup\/s3\.json/);
            assert.match(s.restore, /sha256sum --quiet -c "\$name\.tar\.cms\.sha256"[\s\S]*openssl cms -decrypt[\s\S]*sha256sum --quiet -c MANIFEST\.sha256[\s\S]*age_days[\s\S]*import-ldif/);
            assert.ok(!s.restoreForced.includes("restoreMaxAgeDays (7)"), "forced: no age refusal");
        });
    }

    it("units and cron line follow the schedule", () => {
        const s = parseBackupSchedule("Mon,Thu 02:30");
        assert.ok(typeof s !== "string");
        assert.match(backupUnits(s).timer, /^OnCalendar=Mon,Thu 02:30:00$/m);
        assert.match(backupUnits(s).service, /^ExecStart=\/usr\/local\/sbin\/gluu-backup$/m);
        assert.strictEqual(backupCronLine(s), "30 2 * * 1,4 root /usr/local/sbin/gluu-backup >/dev/null");
    });

    it("the S3 client compiles on python 3 and (where the machine has it) python 2.7; no python-3-only syntax", function () {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "s3py-"));
        try {
            const f = path.join(dir, "s3.py");
            fs.writeFileSync(f, S3_CLIENT_PY);
            execFileSync("python3", ["-m", "py_compile", f]);
            assert.doesNotMatch(S3_CLIENT_PY, /\bf"|\bf'|nonlocal |async |await |:=|print [^(]/, "no f-strings, nonlocal, async, walrus or print statements");
            if (fs.existsSync(PYTHON2)) {
                execFileSync(PYTHON2, ["-m", "py_compile", f]);
            } else {
                console.log("      (no python 2.7 on this machine: compiled with python 3 only)");
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
