import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROFILES, GluuVersionProfile } from "../components/profiles";
import {
    cryptoManagerScript,
    opendjKeystoreExportScript,
    opendjKeystoreImportScript,
    opendjPrepScript,
    parseReplicationStatus,
    REPLICATION_PLAN_AWK,
    REPLICATION_STATUS_AWK,
    ReplicationStatusRow,
    replicationPruneScript,
    replicationInitScript,
    replicationJoinScript,
    replicationJoinStdin,
    replicationStatusScript,
    secretFilesFromStdin,
} from "../components/render/opendj";
import { script } from "../components/render/shell";
import { assertShellcheckClean } from "./helpers/shellcheck";
import { opendjArgGateBash, OpenDjTableVersion, opendjTools } from "./live/opendjOptions";

const P316 = PROFILES["3.1.6"];
const P45 = PROFILES["4.5"];

/** The in-container script that `inContainer` writes to the container (the first here-document). */
function innerOf(text: string): string {
    const m = /<<'(GLUU_EOF[_0-9]*)'\n([\s\S]*?)\n\1\n/.exec(text);
    assert.ok(m, "the script embeds an inner script");
    return m[2] + "\n";
}

/** Mimics OpenDJ's TextTablePrinter as dsreplication status uses it: padding 1, separator ":", last cell unpadded. */
function textTable(headers: string[], rows: string[][]): string {
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
    const line = (cells: string[]) =>
        cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join(" : ");
    const sep = widths
        .map((w, i) => "-".repeat(i === 0 || i === widths.length - 1 ? w + 1 : w + 2))
        .join(":");
    return [line(headers), sep, ...rows.map(line)].join("\n") + "\n";
}

/** Mimics TabSeparatedTablePrinter: no headings, trailing empty cells left out. */
function tabTable(rows: string[][]): string {
    return rows.map((r) => {
        const cells = [...r];
        while (cells.length > 0 && cells[cells.length - 1] === "") {
            cells.pop();
        }
        return cells.join("\t");
    }).join("\n") + "\n";
}

const HEADERS = ["Suffix DN", "Server", "Entries", "Replication enabled", "DS ID", "RS ID", "RS Port (1)", "M.C. (2)", "A.O.M.C. (3)", "Security (4)"];
const ROWS = [
    ["o=gluu", "10.0.0.11:4444", "1532", "true", "28451", "17216", "8989", "0", "", "true"],
    ["o=gluu", "10.0.0.12:4444", "1529", "true", "3312", "9544", "8989", "12", "Tue Mar 05 10:11:12 UTC 2024", "true"],
    ["o=gluu", "10.0.0.13:4444", "0", "true", "771", "(5)", "", "N/A", "", ""],
    ["o=site", "10.0.0.11:4444", "3", "true", "1127", "17216", "8989", "0", "", "false"],
    ["o=site", "10.0.0.12:4444", "--", "false", "", "", "", "", "", ""],
    ["o=metric", "10.0.0.11:4444", "5", ""],
    ["", "10.0.0.14:4444", "(6)", "true", "", "4444", "8989", "", "", "true"],
];
const EXPECTED: ReplicationStatusRow[] = [
    { baseDn: "o=gluu", server: "10.0.0.11:4444", entries: 1532, replicationEnabled: true, dsId: 28451, rsId: 17216, rsPort: 8989, missingChanges: 0, ageOfOldestMissingChange: undefined, security: true },
    { baseDn: "o=gluu", server: "10.0.0.12:4444", entries: 1529, replicationEnabled: true, dsId: 3312, rsId: 9544, rsPort: 8989, missingChanges: 12, ageOfOldestMissingChange: "Tue Mar 05 10:11:12 UTC 2024", security: true },
    { baseDn: "o=gluu", server: "10.0.0.13:4444", entries: 0, replicationEnabled: true, dsId: 771, rsId: undefined, rsPort: undefined, missingChanges: undefined, ageOfOldestMissingChange: undefined, security: undefined },
    { baseDn: "o=site", server: "10.0.0.11:4444", entries: 3, replicationEnabled: true, dsId: 1127, rsId: 17216, rsPort: 8989, missingChanges: 0, ageOfOldestMissingChange: undefined, security: false },
    { baseDn: "o=site", server: "10.0.0.12:4444", entries: undefined, replicationEnabled: false, dsId: undefined, rsId: undefined, rsPort: undefined, missingChanges: undefined, ageOfOldestMissingChange: undefined, security: undefined },
    { baseDn: "o=metric", server: "10.0.0.11:4444", entries: 5, replicationEnabled: undefined, dsId: undefined, rsId: undefined, rsPort: undefined, missingChanges: undefined, ageOfOldestMissingChange: undefined, security: undefined },
];

const LEGEND = `
[1] The port used to communicate between the servers whose contents are being
replicated.
[2] The number of changes that are still missing on this server (and that have
been applied to at least one of the other servers).
[3] Age of oldest missing change: the date on which the oldest change that has
not arrived on this server was generated.
[4] Whether the replication communication through the replication port is
encrypted or not.
[5] Server not configured as a replication server (no replication changelog).
[6] Server does not contain replicated data for the suffix.
`;

const TEXT_SAMPLE = "Establishing connections ..... Done.\n\n" + textTable(HEADERS, ROWS) + LEGEND;

const INDEPENDENT = `The following servers have a replication server (with changelog and a replication port) but are not linked to any server containing replicated data.
=========================================================================
${textTable(["Server", "RS Port (1)", "Security (4)"], [["10.0.0.15:4444", "8989", "true"]])}`;

function toTsv(rows: ReplicationStatusRow[]): string {
    const f = (v: unknown) => (v === undefined ? "" : String(v));
    return rows
        .map((r) => [r.baseDn, r.server, r.entries, r.replicationEnabled, r.dsId, r.rsId, r.rsPort, r.missingChanges, r.ageOfOldestMissingChange, r.security].map(f).join("\t"))
        .map((l) => l + "\n")
        .join("");
}

function awk(program: string, input: string, vars: Record<string, string> = {}): string {
    const args = Object.entries(vars).flatMap(([k, v]) => ["-v", `${k}=${v}`]);
    return execFileSync("awk", [...args, program], { input, encoding: "utf8" });
}

const ALL_SCRIPTS = (p: GluuVersionProfile): Record<string, string> => ({
    prep: opendjPrepScript(p),
    join: replicationJoinScript({ profile: p, primaryAddress: "10.0.0.11", memberAddress: "10.0.0.12" }),
    prune: replicationPruneScript({ profile: p, primaryAddress: "10.0.0.11", members: ["10.0.0.12"] }),
    init: replicationInitScript({ profile: p, primaryAddress: "10.0.0.11" }),
    crypto: cryptoManagerScript(p),
    keystoreExport: opendjKeystoreExportScript(p),
    keystoreImport: opendjKeystoreImportScript(p),
    status: replicationStatusScript(p, "10.0.0.11"),
});

describe("render/opendj", () => {
    describe("reading dsreplication status", () => {
        it("parses the ` : ` table, skipping progress, header, separator, legend and replication-server-only rows", () => {
            assert.deepStrictEqual(parseReplicationStatus(TEXT_SAMPLE + "\n" + INDEPENDENT), EXPECTED);
        });

        it("parses the tab-separated --script-friendly form (no header, trailing empty cells omitted)", () => {
            const tabRows = ROWS.map((r) => r.map((c) => (c === "(5)" || c === "(6)" ? "" : c)));
            assert.deepStrictEqual(parseReplicationStatus(tabTable(tabRows)), EXPECTED);
        });

        it("tolerates CRLF line ends and returns nothing for 'No replication information found.'", () => {
            assert.deepStrictEqual(parseReplicationStatus(TEXT_SAMPLE.replace(/\n/g, "\r\n")), EXPECTED);
            assert.deepStrictEqual(parseReplicationStatus("No replication information found.\n"), []);
            assert.deepStrictEqual(parseReplicationStatus(""), []);
        });

        it("the in-container awk twin reads both forms exactly like parseReplicationStatus", () => {
            assert.strictEqual(awk(REPLICATION_STATUS_AWK, TEXT_SAMPLE + INDEPENDENT), toTsv(EXPECTED));
            assert.strictEqual(awk(REPLICATION_STATUS_AWK, tabTable(ROWS)), toTsv(parseReplicationStatus(tabTable(ROWS))));
        });
    });

    describe("deciding which members to initialize (status-driven, with the runtime guard)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "repl-plan-"));
        after(() => fs.rmSync(dir, { recursive: true, force: true }));
        const marker = path.join(dir, "marker");
        const row = (server: string, entries: string, dsId: string, enabled = "true", mc = "0") =>
            ["o=gluu", server, entries, enabled, dsId, "1", "8989", mc, "", "true"].join("\t") + "\n";
        const plan = (rows: string, markerText: string | undefined, min = "100", maxMc = "10000") => {
            if (markerText === undefined) {
                fs.rmSync(marker, { force: true });
            } else {
                fs.writeFileSync(marker, markerText);
            }
            return awk(REPLICATION_PLAN_AWK, rows, { base: "o=gluu", primary: "10.0.0.11:4444", marker, min_entries: min, max_mc: maxMc })
                .trim()
                .split("\n");
        };
        const primary = row("10.0.0.11:4444", "1500", "11");

        it("first deployment: every member was never initialized from this primary", () => {
            const out = plan(primary + row("10.0.0.12:4444", "1490", "12") + row("10.0.0.13:4444", "1495", "13"), undefined);
            assert.deepStrictEqual(out, [
                "init\t10.0.0.12:4444\t12\tit was never initialized from this primary",
                "init\t10.0.0.13:4444\t13\tit was never initialized from this primary",
                "summary\t2\t2",
            ]);
        });

        it("a re-run after initialization needs nothing", () => {
            const m = "o=gluu\t10.0.0.12:4444\t12\no=gluu\t10.0.0.13:4444\t13\n";
            const out = plan(primary + row("10.0.0.12:4444", "1490", "12") + row("10.0.0.13:4444", "1501", "13"), m);
            assert.deepStrictEqual(out, ["ok\t10.0.0.12:4444", "ok\t10.0.0.13:4444", "summary\t2\t0"]);
        });

        it("scale-out: only the new member is initialized", () => {
            const m = "o=gluu\t10.0.0.12:4444\t12\n";
            const out = plan(primary + row("10.0.0.12:4444", "1500", "12") + row("10.0.0.13:4444", "0", "13"), m);
            assert.deepStrictEqual(out, ["ok\t10.0.0.12:4444", "init\t10.0.0.13:4444\t13\tit holds no entries", "summary\t2\t1"]);
        });

        it("a member replaced at the same address (new DS ID), emptied, far behind or lagging is initialized", () => {
            const m = "o=gluu\t10.0.0.12:4444\t12\no=gluu\t10.0.0.13:4444\t13\no=gluu\t10.0.0.14:4444\t14\n";
            const out = plan(
                primary + row("10.0.0.12:4444", "1500", "99") + row("10.0.0.13:4444", "600", "13") + row("10.0.0.14:4444", "1500", "14", "true", "20000"),
                m,
            );
            assert.deepStrictEqual(out, [
                "init\t10.0.0.12:4444\t99\tit was never initialized from this primary",
                "init\t10.0.0.13:4444\t13\tit holds fewer than half of the primary's entries",
                "init\t10.0.0.14:4444\t14\tit misses 20000 changes",
                "summary\t3\t3",
            ]);
        });

        it("members without replication enabled are skipped, not initialized", () => {
            const out = plan(primary + row("10.0.0.12:4444", "1500", "", "false"), undefined);
            assert.deepStrictEqual(out, ["skip\t10.0.0.12:4444", "summary\t0\t0"]);
        });

        it("REFUSES when the primary's o=gluu holds too few entries (e.g. a fresh, empty replacement primary)", () => {
            const out = plan(row("10.0.0.11:4444", "12", "11") + row("10.0.0.12:4444", "0", "12"), undefined);
            assert.strictEqual(out.length, 1);
            assert.match(out[0], /^refuse\t.*holds only 12 entries in o=gluu \(fewer than 100\)/);
        });

        it("REFUSES when a member to be initialized holds clearly more entries than the primary", () => {
            const out = plan(row("10.0.0.11:4444", "400", "11") + row("10.0.0.12:4444", "25000", "12"), undefined);
            assert.strictEqual(out.length, 1);
            assert.match(out[0], /^refuse\t10\.0\.0\.12:4444 holds 25000 entries .* more than the primary/);
        });

        it("REFUSES when the primary is not in the status or an entry count is unknown", () => {
            assert.match(plan(row("10.0.0.12:4444", "1500", "12"), undefined)[0], /^refuse\tthe primary 10\.0\.0\.11:4444 does not replicate o=gluu/);
            assert.match(plan(primary + row("10.0.0.12:4444", "", "12"), undefined)[0], /^refuse\tthe entry count of o=gluu on 10\.0\.0\.12:4444 is unknown/);
        });
    });

    describe("scripts", () => {
        for (const p of [P316, P45]) {
            it(`every script passes shellcheck, outside and inside the container (Gluu ${p.version})`, () => {
                for (const [name, text] of Object.entries(ALL_SCRIPTS(p))) {
                    assertShellcheckClean(`${name} ${p.version}`, text);
                    if (name !== "keystoreExport") {
                        assertShellcheckClean(`${name} ${p.version} (inner)`, innerOf(text));
                    }
                }
            });

            it(`no password ever reaches a command line; --trustAll only for the admin connector tools (Gluu ${p.version})`, () => {
                for (const [name, text] of Object.entries(ALL_SCRIPTS(p))) {
                    assert.doesNotMatch(text, / -w /, name);
                    assert.doesNotMatch(text, /--bindPassword[12]? /, name);
                    assert.doesNotMatch(text, /--adminPassword /, name);
                    assert.doesNotMatch(text, /--bindPassword\b(?!File)/, name);
                    assert.doesNotMatch(text, /--adminPassword\b(?!File)/, name);
                    // Join the continuation lines, then check which commands use --trustAll.
                    const commands = text.replace(/\\\n\s*/g, " ").split("\n");
                    for (const c of commands.filter((l) => l.includes("--trustAll"))) {
                        assert.match(c, /dsconfig|dsreplication/, `${name}: --trustAll outside the admin connector tools: ${c}`);
                    }
                }
            });
        }

        it("tools read passwords from files made from stdin, in a 0700 directory the inner trap removes", () => {
            const join = innerOf(replicationJoinScript({ profile: P316, primaryAddress: "10.0.0.11", memberAddress: "10.0.0.12" }));
            assert.match(join, /--bindPasswordFile1 "\$dm_pw_file"/);
            assert.match(join, /--bindPasswordFile2 "\$dm_pw_file"/);
            assert.match(join, /--adminPasswordFile "\$admin_pw_file"/);
            assert.match(join, /^trap 'cleanup \|\| echo "warning: could not remove temporary files" >&2' EXIT$/m, "the inner script has its own header and trap");
            assert.match(join, /^cleanup_paths\+=\("\$secret_dir"\)$/m);
            const prep = innerOf(opendjPrepScript(P45));
            assert.match(prep, /--bindPasswordFile "\$dm_pw_file"/);
        });

        it("the stdin reader writes each line to a 0600 file, refuses a missing line and leaves nothing behind", function () {
            if (process.getuid?.() !== 0 || !fs.existsSync("/root")) {
                this.skip();
            }
            const body = script(
                "t",
                secretFilesFromStdin([
                    { variable: "dm_pw_file", what: "the Directory Manager password" },
                    { variable: "admin_pw_file", what: "the replication admin password" },
                ]),
                `stat -c %a "$dm_pw_file"; stat -c %a "$secret_dir"; cat "$dm_pw_file" "$admin_pw_file"; echo "$secret_dir"`,
            );
            const out = execFileSync("bash", ["-c", body], { input: replicationJoinStdin("dm pw $(x) 'q'", "adm\tpw"), encoding: "utf8" }).split("\n");
            assert.deepStrictEqual(out.slice(0, 4), ["600", "700", "dm pw $(x) 'q'", "adm\tpw"]);
            assert.ok(!fs.existsSync(out[4]), "the secret directory is removed on exit");
            assert.throws(
                () => execFileSync("bash", ["-c", body], { input: "only-one-line\n", encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }),
                /stdin line for the replication admin password is missing or empty/,
            );
            assert.throws(() => replicationJoinStdin("two\nlines", "x"), /`directoryManagerPassword`/);
        });

        it("prep: dsjavaproperties only where it exists; listeners changed and OpenDJ restarted only when needed", () => {
            const p316 = innerOf(opendjPrepScript(P316));
            const p45 = innerOf(opendjPrepScript(P45));
            assert.match(p316, /dsjavaproperties/);
            assert.doesNotMatch(p45.replace(/^#.*$/gm, ""), /dsjavaproperties/);
            for (const t of [p316, p45]) {
                assert.match(t, /get-administration-connector-prop --property listen-address/);
                assert.match(t, /get-connection-handler-prop --handler-name 'LDAPS Connection Handler'/);
                assert.match(t, /if ! grep -q 'disableEndpointIdentification=true'/);
                const restart = t.indexOf("restart opendj") >= 0 ? t.indexOf("restart opendj") : t.indexOf("opendj restart");
                assert.ok(restart > t.indexOf(`if [ "$restart_needed" -eq 1 ]; then`), "restart only inside the changed branch");
            }
            assert.match(p316, /^ {2}service opendj restart$/m);
            assert.match(p45, /^ {2}systemctl restart opendj$/m);
        });

        it("join: skips base DNs the member already replicates and accepts 'already replicated' as success", () => {
            const t = innerOf(replicationJoinScript({ profile: P45, primaryAddress: "10.0.0.11", memberAddress: "node-2.example.org", baseDns: ["o=gluu"] }));
            assert.match(t, /for base_dn in o=gluu; do/);
            assert.match(t, /already replicates \$base_dn/);
            assert.match(t, /ERR_NO_SUFFIXES_AVAILABLE\|no base DNs available to enable replication\|already replicated/);
            assert.match(t, /--secureReplication1/);
        });

        it("init: initialize-all when every member needs it, else initialize per member; refusals change nothing", () => {
            const t = innerOf(replicationInitScript({ profile: P316, primaryAddress: "10.0.0.11" }));
            assert.match(t, /initialize-all --hostname "\$primary" --port "\$admin_port" --baseDN "\$base_dn"/);
            assert.match(t, /dsreplication" initialize --baseDN "\$base_dn"/);
            assert.ok(t.indexOf("Refusing to initialize") < t.indexOf("initialize-all"), "all refusals are checked before any initialization");
            assert.match(t, /if \[ "\$base_dn" = o=gluu \]; then min=100; fi/);
        });

        it("crypto manager: set only when get-crypto-manager-prop does not say true", () => {
            const t = innerOf(cryptoManagerScript(P316));
            assert.ok(t.indexOf("get-crypto-manager-prop") < t.indexOf("set-crypto-manager-prop --set ssl-encryption:true"));
        });

        it("keystore export prints one deterministic base64 tar of keystore, keystore.pin and truststore", () => {
            const root = fs.mkdtempSync(path.join(os.tmpdir(), "gluu-root-"));
            try {
                const cfg = path.join(root, "opt/opendj/config");
                fs.mkdirSync(cfg, { recursive: true });
                for (const f of ["keystore", "keystore.pin", "truststore", "config.ldif"]) {
                    fs.writeFileSync(path.join(cfg, f), `content of ${f}\n`);
                }
                const text = opendjKeystoreExportScript({ ...P316, containerRoot: root });
                const out1 = execFileSync("bash", ["-c", text], { encoding: "utf8" });
                const out2 = execFileSync("bash", ["-c", text], { encoding: "utf8" });
                assert.strictEqual(out1, out2, "same files, same text");
                assert.match(out1, /^[A-Za-z0-9+/=]+$/, "one base64 line, printed by the last command (no echo after it)");
                const list = execFileSync("tar", ["-tf", "-"], { input: Buffer.from(out1.trim(), "base64"), encoding: "utf8" });
                assert.deepStrictEqual(list.trim().split("\n"), ["keystore", "keystore.pin", "truststore"]);
                fs.rmSync(path.join(cfg, "keystore.pin"));
                assert.throws(() => execFileSync("bash", ["-c", text], { stdio: ["pipe", "pipe", "pipe"] }), /keystore\.pin is missing/);
            } finally {
                fs.rmSync(root, { recursive: true, force: true });
            }
        });

        it("keystore export (W3): a tar failure prints nothing, the archive waits in a 0600 file, and nothing after the print can fail the step", () => {
            // The provider puts a failed step's whole stdout into its error (pulumi-command@v1.2.1
            // provider/pkg/provider/remote/commandOutputs.go:101), so no failure may follow any secret output.
            const root = fs.mkdtempSync(path.join(os.tmpdir(), "gluu-root-"));
            try {
                const cfg = path.join(root, "opt/opendj/config");
                const bin = path.join(root, "fakebin");
                fs.mkdirSync(cfg, { recursive: true });
                fs.mkdirSync(bin);
                for (const f of ["keystore", "keystore.pin", "truststore"]) fs.writeFileSync(path.join(cfg, f), `secret ${f}\n`);
                const text = opendjKeystoreExportScript({ ...P316, containerRoot: root });
                const run = (env: NodeJS.ProcessEnv) => spawnSync("bash", ["-c", text], { encoding: "utf8", env: { ...process.env, ...env } });
                const good = run({});
                assert.strictEqual(good.status, 0, good.stderr);
                const body = good.stdout;

                // tar archives part of the keys, then fails ("file changed as we read it" exits 1): nothing printed.
                fs.writeFileSync(path.join(bin, "tar"), `#!/bin/bash\n/bin/tar "$@"; echo "tar: keystore: file changed as we read it" >&2; exit 1\n`, { mode: 0o755 });
                const failed = run({ PATH: `${bin}:${process.env.PATH}` });
                assert.notStrictEqual(failed.status, 0, "a tar error fails the step");
                assert.strictEqual(failed.stdout, "", "and nothing of the archive reached stdout");
                assert.match(failed.stderr, /nothing exported/);

                // The archive file is 0600 in a 0700 directory while tar writes it, and gone afterwards.
                fs.writeFileSync(path.join(bin, "tar"), `#!/bin/bash\nf=""; prev=""; for a in "$@"; do [ "$prev" = -cf ] && f=$a; prev=$a; done\nstat -c '%a' "$f" "$(dirname "$f")" > ${JSON.stringify(path.join(root, "modes"))}\necho "$f" >> ${JSON.stringify(path.join(root, "modes"))}\nexec /bin/tar "$@"\n`, { mode: 0o755 });
                const watched = run({ PATH: `${bin}:${process.env.PATH}` });
                assert.strictEqual(watched.status, 0, watched.stderr);
                assert.strictEqual(watched.stdout, body);
                const [fileMode, dirMode, file] = fs.readFileSync(path.join(root, "modes"), "utf8").trim().split("\n");
                assert.deepStrictEqual([fileMode, dirMode], ["600", "700"]);
                assert.ok(!fs.existsSync(file), "the archive file is removed");

                // A cleanup that fails after the print does not turn the step into a failure (which would carry stdout).
                fs.writeFileSync(path.join(bin, "tar"), "#!/bin/bash\nexec /bin/tar \"$@\"\n", { mode: 0o755 });
                fs.writeFileSync(path.join(bin, "rm"), "#!/bin/bash\necho 'rm: cannot remove' >&2\nexit 1\n", { mode: 0o755 });
                const rmFails = run({ PATH: `${bin}:${process.env.PATH}` });
                assert.strictEqual(rmFails.status, 0, `a failing cleanup must not fail the step after the secret was printed: ${rmFails.stderr}`);
                assert.strictEqual(rmFails.stdout, body);
                const lines = text.trimEnd().split("\n");
                assert.strictEqual(lines[lines.length - 1], 'base64 -w0 "$tmp"', "printing is the very last command");
            } finally {
                fs.rmSync(root, { recursive: true, force: true });
            }
        });

        it("keystore import accepts only the three names as regular files and restarts OpenDJ only on change", () => {
            const t = innerOf(opendjKeystoreImportScript(P45));
            assert.match(t, /keystore\|keystore\.pin\|truststore\) ;;/);
            assert.match(t, /install_file "\$work\/x\/\$f" "\$dst" "\$mode" ldap:ldap/);
            assert.ok(t.indexOf("systemctl restart opendj") > t.indexOf(`if [ "$files_changed" -eq 1 ]; then`));
        });
    });

    describe("hostile inputs are refused before any script is rendered", () => {
        const bad = ["10.0.0.1; rm -rf /", "$(id)", "`id`", "--help", "a b", "x\ny", ""];
        it("addresses", () => {
            for (const v of bad) {
                assert.throws(() => replicationJoinScript({ profile: P316, primaryAddress: v, memberAddress: "10.0.0.2" }), /`primaryAddress`/);
                assert.throws(() => replicationJoinScript({ profile: P316, primaryAddress: "10.0.0.1", memberAddress: v }), /`memberAddress`/);
                assert.throws(() => replicationStatusScript(P45, v), /`primaryAddress`/);
            }
            assert.throws(() => replicationJoinScript({ profile: P316, primaryAddress: "10.0.0.1", memberAddress: "10.0.0.1" }), /must differ/);
        });
        it("base DNs, ports and the admin uid", () => {
            const base = { profile: P45, primaryAddress: "10.0.0.1" };
            assert.throws(() => replicationInitScript({ ...base, baseDns: ["o=gluu)(x"] }), /`baseDns\[0\]`/);
            assert.throws(() => replicationInitScript({ ...base, baseDns: ["o=gluu", "o=si te"] }), /`baseDns\[1\]`/);
            assert.throws(() => replicationInitScript({ ...base, baseDns: [] }), /`baseDns`/);
            for (const port of [0, 65536, 1.5, NaN]) {
                assert.throws(() => replicationInitScript({ ...base, adminPort: port }), /`adminPort`/);
                assert.throws(() => replicationJoinScript({ ...base, memberAddress: "10.0.0.2", replicationPort: port }), /`replicationPort`/);
                assert.throws(() => opendjPrepScript(P316, { adminPort: port }), /`adminPort`/);
            }
            assert.throws(() => replicationInitScript({ ...base, adminUid: "-x" }), /`adminUid`/);
            assert.throws(() => replicationInitScript({ ...base, adminUid: "ad min" }), /`adminUid`/);
            assert.throws(() => replicationInitScript({ ...base, minPrimaryEntries: -1 }), /`minPrimaryEntries`/);
        });
    });
});

// ---------------------------------------------------------------------------------------------------------
// Contract tests: the inner scripts run for real against stand-in OpenDJ tools (no OpenDJ here) inside a
// private mount, network and PID namespace (/opt, /var/lib and /root are bind-mounted scratch directories,
// a listener plays the administration connector on port 4444 of 127.0.0.0/8).

const FAKE_LOG_PASSWORD_FILES = `args=("$@")
for ((i = 0; i < \${#args[@]}; i++)); do
  case "\${args[i]}" in
    --adminPasswordFile|--bindPasswordFile|--bindPasswordFile1|--bindPasswordFile2)
      f=\${args[i+1]}
      printf '%s %s %s\\n' "\${args[i]}" "$(stat -c %a "$f")" "$(head -n1 "$f")" >> /opt/pwfiles.log ;;
  esac
done`;

// Each fake first holds the call to the Gluu version's options table (test/live/opendjOptions.ts): the script's
// version is read from its title, and an option the version's OpenDJ tool does not register exits 89.
const FAKE_DSREPLICATION = (v: OpenDjTableVersion) => `#!/bin/bash
${opendjArgGateBash(v)}
printf '%s\\n' "dsreplication $*" >> /opt/calls.log
${FAKE_LOG_PASSWORD_FILES}
case "$1" in
  status) cat /opt/status.txt; exit "$(cat /opt/status.rc 2>/dev/null || echo 0)" ;;
  enable) cat /opt/enable.out 2>/dev/null || true; exit "$(cat /opt/enable.rc 2>/dev/null || echo 0)" ;;
  *) echo done ;;
esac
`;

const FAKE_DSCONFIG = (v: OpenDjTableVersion) => `#!/bin/bash
${opendjArgGateBash(v)}
printf '%s\\n' "dsconfig $*" >> /opt/calls.log
${FAKE_LOG_PASSWORD_FILES}
for a in "$@"; do
  case "$a" in
    get-administration-connector-prop) cat /opt/admin.props; exit 0 ;;
    get-connection-handler-prop) cat /opt/ldaps.props; exit 0 ;;
    get-crypto-manager-prop) cat /opt/crypto.props; exit 0 ;;
    set-administration-connector-prop) printf 'listen-address\\t0.0.0.0\\n' > /opt/admin.props; exit 0 ;;
    set-connection-handler-prop) printf 'enabled\\ttrue\\nlisten-address\\t0.0.0.0\\n' > /opt/ldaps.props; exit 0 ;;
    set-crypto-manager-prop) printf 'ssl-encryption\\ttrue\\n' > /opt/crypto.props; exit 0 ;;
  esac
done
exit 1
`;

const FAKE_DSJAVAPROPERTIES = (v: OpenDjTableVersion) => `#!/bin/bash
${opendjArgGateBash(v)}
printf '%s\\n' "dsjavaproperties $*" >> /opt/calls.log
mkdir -p /opt/opendj/lib && cp /opt/opendj/config/java.properties /opt/opendj/lib/set-java-home
`;

const FAKE_SERVICE = `#!/bin/bash
printf '%s\\n' "$(basename "$0") $*" >> /opt/calls.log
`;

const SANDBOX = `set -e
ip link set lo up
mount --bind "$1/opt" /opt
mount --bind "$1/varlib" /var/lib
mount --bind "$1/root" /root
python3 -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 4444))
s.listen(50)
while True:
    c, _ = s.accept()
    c.close()
' &
for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/4444) 2>/dev/null && break; sleep 0.1; done
PATH="$1/fakebin:$PATH" bash "$1/inner.sh"
`;

function canSandbox(): boolean {
    if (process.getuid?.() !== 0) {
        return false;
    }
    try {
        execFileSync("unshare", ["--mount", "--net", "--pid", "--fork", "true"], { stdio: "ignore" });
        execFileSync("bash", ["-c", "command -v ip && command -v python3"], { stdio: "ignore" });
        return true;
    } catch {
        return false;
    }
}

class Sandbox {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "opendj-contract-"));
    constructor() {
        for (const d of ["opt/opendj/bin", "opt/opendj/config", "varlib", "root", "fakebin"]) {
            fs.mkdirSync(path.join(this.dir, d), { recursive: true });
        }
        this.tools("3.1.6");
        this.write("fakebin/service", FAKE_SERVICE, 0o755);
        this.write("fakebin/systemctl", FAKE_SERVICE, 0o755);
    }
    /** Tools a test replaced with its own script (left alone by `tools`). */
    private readonly custom = new Set<string>();
    /** The OpenDJ fakes of Gluu `v` (its options table; 4.5 has no dsjavaproperties). */
    tools(v: OpenDjTableVersion): void {
        const fakes: Array<[string, ((v: OpenDjTableVersion) => string) | undefined]> = [
            ["dsreplication", FAKE_DSREPLICATION],
            ["dsconfig", FAKE_DSCONFIG],
            ["dsjavaproperties", opendjTools(v).includes("dsjavaproperties") ? FAKE_DSJAVAPROPERTIES : undefined],
        ];
        for (const [tool, fake] of fakes) {
            const rel = `opt/opendj/bin/${tool}`;
            if (this.custom.has(rel)) continue;
            fs.rmSync(path.join(this.dir, rel), { force: true });
            if (fake) fs.writeFileSync(path.join(this.dir, rel), fake(v), { mode: 0o755 });
        }
    }
    write(rel: string, text: string, mode = 0o644): void {
        if (rel.startsWith("opt/opendj/bin/")) this.custom.add(rel);
        fs.writeFileSync(path.join(this.dir, rel), text, { mode });
    }
    read(rel: string): string {
        const p = path.join(this.dir, rel);
        return fs.existsSync(p) ? fs.readFileSync(p, "utf8") : "";
    }
    /** Run an inner script; returns exit code and output, and clears the call logs first. */
    run(inner: string, stdin: string): { code: number; stdout: string; stderr: string } {
        fs.rmSync(path.join(this.dir, "opt/calls.log"), { force: true });
        fs.rmSync(path.join(this.dir, "opt/pwfiles.log"), { force: true });
        const v = /^# Inside the Gluu (3\.1\.6|4\.5) container/m.exec(inner);
        assert.ok(v, "an inner script names its Gluu version");
        this.tools(v[1] as OpenDjTableVersion);
        this.write("inner.sh", inner);
        const r = require("child_process").spawnSync(
            "unshare",
            ["--mount", "--net", "--pid", "--fork", "bash", "-c", SANDBOX, "_", this.dir],
            { input: stdin, encoding: "utf8", timeout: 60000 },
        );
        assert.deepStrictEqual(fs.readdirSync(path.join(this.dir, "root")), [], "no secret file is left in /root");
        return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    }
    calls(): string[] {
        return this.read("opt/calls.log").split("\n").filter((l) => l !== "");
    }
    dispose(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

describe("render/opendj contract (stand-in OpenDJ tools in a private namespace; no real OpenDJ here)", function () {
    let sb: Sandbox;
    before(function () {
        if (!canSandbox()) {
            this.skip();
        }
    });
    beforeEach(() => {
        sb = new Sandbox();
    });
    afterEach(() => sb?.dispose());

    const statusOf = (rows: string[][]) => "Establishing connections ..... Done.\n\n" + textTable(HEADERS, rows) + LEGEND;
    const r = (base: string, server: string, entries: string, dsId: string) => [base, server, entries, "true", dsId, "1", "8989", "0", "", "true"];

    it("prep: patches java.properties, opens both listeners and restarts OpenDJ once; a re-run changes nothing", () => {
        sb.write("opt/opendj/config/java.properties", "start-ds.java-args=-server\ndsreplication.java-args=-Xms8m -client\n");
        sb.write("opt/admin.props", "listen-address\t127.0.0.1\n");
        sb.write("opt/ldaps.props", "enabled\tfalse\nlisten-address\t127.0.0.1\n");
        const inner = innerOf(opendjPrepScript(P316));
        const first = sb.run(inner, "DM secret\n");
        assert.strictEqual(first.code, 0, first.stderr);
        assert.match(first.stdout, /changed \/opt\/opendj\/config\/java\.properties/);
        assert.match(first.stdout, /changed OpenDJ administration connector listen-address to 0\.0\.0\.0/);
        assert.match(first.stdout, /changed OpenDJ LDAPS Connection Handler/);
        assert.match(sb.read("opt/opendj/config/java.properties"),
            /^dsreplication\.java-args=-Xms8m -client -Dcom\.sun\.jndi\.ldap\.object\.disableEndpointIdentification=true$/m);
        assert.deepStrictEqual(sb.calls().filter((c) => /^(service|dsjavaproperties)/.test(c)), ["dsjavaproperties ", "service opendj restart"]);
        assert.ok(sb.read("opt/pwfiles.log").split("\n").filter(Boolean).every((l) => l === "--bindPasswordFile 600 DM secret"));
        const second = sb.run(inner, "DM secret\n");
        assert.strictEqual(second.code, 0, second.stderr);
        assert.doesNotMatch(second.stdout, /changed/);
        assert.ok(!sb.calls().some((c) => /set-|restart|dsjavaproperties/.test(c)), "nothing set or restarted on a re-run");
    });

    it("prep on 4.5: no dsjavaproperties, systemctl restart, java-args line added when missing", () => {
        sb.write("opt/opendj/config/java.properties", "start-ds.java-args=-server\n");
        sb.write("opt/admin.props", "listen-address\t0.0.0.0\n");
        sb.write("opt/ldaps.props", "enabled\ttrue\nlisten-address\t127.0.0.1\n");
        const res = sb.run(innerOf(opendjPrepScript(P45)), "pw\n");
        assert.strictEqual(res.code, 0, res.stderr);
        assert.match(sb.read("opt/opendj/config/java.properties"), /^dsreplication\.java-args=-Dcom\.sun\.jndi\.ldap\.object\.disableEndpointIdentification=true$/m);
        assert.deepStrictEqual(sb.calls().filter((c) => /^(service|systemctl|dsjavaproperties)/.test(c)), ["systemctl restart opendj"]);
        assert.ok(!sb.calls().some((c) => c.includes("set-administration-connector-prop")));
    });

    it("join: enables only the base DNs the member does not replicate yet, with password files", () => {
        sb.write("opt/status.txt", statusOf([r("o=gluu", "127.0.0.1:4444", "1500", "1"), r("o=gluu", "127.0.0.2:4444", "1500", "2"), r("o=site", "127.0.0.1:4444", "3", "3")]));
        const inner = innerOf(replicationJoinScript({ profile: P316, primaryAddress: "127.0.0.1", memberAddress: "127.0.0.2" }));
        const res = sb.run(inner, "DM pw\nadmin pw\n");
        assert.strictEqual(res.code, 0, res.stderr);
        assert.match(res.stdout, /127\.0\.0\.2 already replicates o=gluu/);
        assert.match(res.stdout, /changed replication of o=site enabled between 127\.0\.0\.1 and 127\.0\.0\.2/);
        const enables = sb.calls().filter((c) => c.startsWith("dsreplication enable"));
        assert.strictEqual(enables.length, 1);
        assert.match(enables[0], /--baseDN o=site/);
        assert.match(enables[0], /--host1 127\.0\.0\.1 .*--host2 127\.0\.0\.2 /);
        const pw = sb.read("opt/pwfiles.log");
        assert.match(pw, /^--bindPasswordFile1 600 DM pw$/m);
        assert.match(pw, /^--bindPasswordFile2 600 DM pw$/m);
        assert.match(pw, /^--adminPasswordFile 600 admin pw$/m);
    });

    it("join: 'already replicated' from enable is success, any other failure stops the step", () => {
        sb.write("opt/status.txt", "");
        sb.write("opt/status.rc", "1");
        sb.write("opt/enable.rc", "1");
        sb.write("opt/enable.out", "There are no base DNs available to enable replication between the two servers.\nThe following base DNs are already replicated between the two servers:\no=gluu\n");
        const inner = innerOf(replicationJoinScript({ profile: P45, primaryAddress: "127.0.0.1", memberAddress: "127.0.0.2", baseDns: ["o=gluu"] }));
        const ok = sb.run(inner, "a\nb\n");
        assert.strictEqual(ok.code, 0, ok.stderr);
        assert.match(ok.stdout, /o=gluu is already replicated/);
        sb.write("opt/enable.out", "Error: connection refused\n");
        const bad = sb.run(inner, "a\nb\n");
        assert.notStrictEqual(bad.code, 0);
        assert.match(bad.stderr, /Error: connection refused[\s\S]*dsreplication enable of o=gluu .* failed/);
    });

    it("init: initialize-all once, a re-run does nothing, scale-out initializes only the new member, the guard refuses", () => {
        const inner = innerOf(replicationInitScript({ profile: P316, primaryAddress: "127.0.0.1" }));
        const base = [
            r("o=gluu", "127.0.0.1:4444", "1500", "11"), r("o=gluu", "127.0.0.2:4444", "1490", "12"), r("o=gluu", "127.0.0.3:4444", "1480", "13"),
            r("o=site", "127.0.0.1:4444", "3", "21"), r("o=site", "127.0.0.2:4444", "3", "22"), r("o=site", "127.0.0.3:4444", "3", "23"),
        ];
        sb.write("opt/status.txt", statusOf(base));
        const first = sb.run(inner, "admin pw\n");
        assert.strictEqual(first.code, 0, first.stderr);
        const inits = sb.calls().filter((c) => / initialize/.test(c));
        assert.deepStrictEqual(inits.map((c) => c.replace(/ --adminPasswordFile \S+/, "")), [
            "dsreplication initialize-all --hostname 127.0.0.1 --port 4444 --baseDN o=gluu --adminUID admin --trustAll --no-prompt",
            "dsreplication initialize-all --hostname 127.0.0.1 --port 4444 --baseDN o=site --adminUID admin --trustAll --no-prompt",
        ]);
        assert.match(sb.read("opt/pwfiles.log"), /^--adminPasswordFile 600 admin pw$/m);
        assert.deepStrictEqual(sb.read("varlib/gluu-cluster/replication-initialized.tsv").trim().split("\n").sort(), [
            "o=gluu\t127.0.0.2:4444\t12", "o=gluu\t127.0.0.3:4444\t13", "o=site\t127.0.0.2:4444\t22", "o=site\t127.0.0.3:4444\t23",
        ]);

        const again = sb.run(inner, "admin pw\n");
        assert.strictEqual(again.code, 0, again.stderr);
        assert.doesNotMatch(again.stdout, /changed/);
        assert.ok(!sb.calls().some((c) => / initialize/.test(c)));

        sb.write("opt/status.txt", statusOf([...base, r("o=gluu", "127.0.0.4:4444", "0", "14"), r("o=site", "127.0.0.4:4444", "0", "24")]));
        const scale = sb.run(inner, "admin pw\n");
        assert.strictEqual(scale.code, 0, scale.stderr);
        const scaleInits = sb.calls().filter((c) => / initialize/.test(c));
        assert.strictEqual(scaleInits.length, 2);
        for (const c of scaleInits) {
            assert.match(c, /^dsreplication initialize --baseDN o=(gluu|site) .*--hostSource 127\.0\.0\.1 --portSource 4444 --hostDestination 127\.0\.0\.4 --portDestination 4444 /);
        }
        assert.strictEqual(sb.read("varlib/gluu-cluster/replication-initialized.tsv").trim().split("\n").length, 6);

        sb.write("opt/status.txt", statusOf([r("o=gluu", "127.0.0.1:4444", "12", "31"), r("o=gluu", "127.0.0.2:4444", "1490", "12"), r("o=site", "127.0.0.1:4444", "0", "41")]));
        const refused = sb.run(inner, "admin pw\n");
        assert.notStrictEqual(refused.code, 0);
        assert.match(refused.stderr, /Refusing to initialize replication from 127\.0\.0\.1:\no=gluu: the primary 127\.0\.0\.1:4444 holds only 12 entries/);
        assert.ok(!sb.calls().some((c) => / initialize/.test(c)), "a refusal initializes nothing");
    });

    it("prune: removes only servers that are no longer members (a scaled-in node, a replaced node's old address)", () => {
        sb.write("opt/status.txt", statusOf([r("o=gluu", "127.0.0.1:4444", "1500", "11"), r("o=gluu", "127.0.0.2:4444", "1500", "12"), r("o=gluu", "127.0.0.9:4444", "1500", "19"), r("o=site", "127.0.0.9:4444", "3", "29")]));
        fs.mkdirSync(path.join(sb.dir, "varlib/gluu-cluster"), { recursive: true });
        sb.write("varlib/gluu-cluster/replication-initialized.tsv", "o=gluu\t127.0.0.2:4444\t12\no=gluu\t127.0.0.9:4444\t19\n");
        const res = sb.run(innerOf(replicationPruneScript({ profile: P316, primaryAddress: "127.0.0.1", members: ["127.0.0.2"] })), "admin pw\n");
        assert.strictEqual(res.code, 0, res.stderr);
        const disables = sb.calls().filter((c) => c.startsWith("dsreplication disable")).map((c) => c.replace(/ --adminPasswordFile \S+/, ""));
        assert.deepStrictEqual(disables, ["dsreplication disable --disableAll --hostname 127.0.0.9 --port 4444 --adminUID admin --trustAll --no-prompt"]);
        assert.match(res.stdout, /changed replication disabled on 127\.0\.0\.9:4444 \(no longer a member\)/);
        assert.strictEqual(sb.read("varlib/gluu-cluster/replication-initialized.tsv"), "o=gluu\t127.0.0.2:4444\t12\n");
        assert.match(sb.read("opt/pwfiles.log"), /^--adminPasswordFile 600 admin pw$/m);
    });

    it("prune: a failing status means 'no topology yet' on a fresh primary, but stops a primary that has initialized members", () => {
        sb.write("opt/opendj/bin/dsreplication", "#!/bin/bash\necho 'Invalid credentials' >&2\nexit 1\n", 0o755);
        fs.mkdirSync(path.join(sb.dir, "varlib/gluu-cluster"), { recursive: true });
        const inner = innerOf(replicationPruneScript({ profile: P316, primaryAddress: "127.0.0.1", members: ["127.0.0.2"] }));
        fs.rmSync(path.join(sb.dir, "varlib/gluu-cluster/replication-initialized.tsv"), { force: true });
        const fresh = sb.run(inner, "admin pw\n");
        assert.strictEqual(fresh.code, 0, fresh.stderr);
        assert.match(fresh.stdout, /nothing to prune/);
        sb.write("varlib/gluu-cluster/replication-initialized.tsv", "o=gluu\t127.0.0.2:4444\t12\n");
        const later = sb.run(inner, "admin pw\n");
        assert.notStrictEqual(later.code, 0);
        assert.match(later.stderr, /Invalid credentials[\s\S]*not pruning blindly/);
    });

    it("init with a member list ignores a replaced node's old address instead of refusing on it", () => {
        const rows = [r("o=gluu", "127.0.0.1:4444", "1500", "11"), r("o=gluu", "127.0.0.2:4444", "0", "12"), ["o=gluu", "127.0.0.9:4444", "", "true", "19", "1", "8989", "", "", "true"]];
        sb.write("opt/status.txt", statusOf(rows));
        const blind = sb.run(innerOf(replicationInitScript({ profile: P316, primaryAddress: "127.0.0.1", baseDns: ["o=gluu"] })), "admin pw\n");
        assert.notStrictEqual(blind.code, 0, "without the member list the unknown server blocks initialization");
        const res = sb.run(innerOf(replicationInitScript({ profile: P316, primaryAddress: "127.0.0.1", baseDns: ["o=gluu"], members: ["127.0.0.2"] })), "admin pw\n");
        assert.strictEqual(res.code, 0, res.stderr);
        assert.match(res.stdout, /changed o=gluu initialized on all members from 127\.0\.0\.1/);
    });

    it("crypto manager: sets ssl-encryption once; a re-run leaves it", () => {
        sb.write("opt/crypto.props", "ssl-encryption\tfalse\n");
        const inner = innerOf(cryptoManagerScript(P316));
        const first = sb.run(inner, "pw\n");
        assert.strictEqual(first.code, 0, first.stderr);
        assert.match(first.stdout, /changed OpenDJ crypto manager ssl-encryption to true/);
        const second = sb.run(inner, "pw\n");
        assert.match(second.stdout, /already encrypted/);
        assert.ok(!sb.calls().some((c) => c.includes("set-crypto-manager-prop")));
    });

    it("a failing dsconfig query stops the step and shows the tool's output instead of guessing", () => {
        sb.write("opt/opendj/bin/dsconfig", "#!/bin/bash\necho 'Invalid credentials' >&2\nexit 49\n", 0o755);
        const res = sb.run(innerOf(cryptoManagerScript(P45)), "wrong\n");
        assert.notStrictEqual(res.code, 0);
        assert.match(res.stderr, /Invalid credentials\ndsconfig get-crypto-manager-prop failed/);
        assert.doesNotMatch(res.stdout, /changed/);
    });
});
