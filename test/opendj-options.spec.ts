// Every OpenDJ tool call in every rendered script uses only what that Gluu version's tool registers (the
// per-version tables in test/live/opendjOptions.ts, read from upstream source), and the stand-ins the contract
// tests run are held to the same tables: the 4.5 ldapsearch stand-in refuses 3.0's --dontWrap.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GluuVersionProfile, PROFILES } from "../components/profiles";
import { ldapCacheConfigScript } from "../components/render/ldapCache";
import {
    cryptoManagerScript,
    opendjKeystoreExportScript,
    opendjKeystoreImportScript,
    opendjPrepScript,
    replicationInitScript,
    replicationJoinScript,
    replicationPruneScript,
    replicationStatusScript,
} from "../components/render/opendj";
import { standinPy } from "./live/opendjStandins";
import { compiledOptions, OPENDJ_ARGCHECK_FN_PY, OPENDJ_OPTIONS, OpenDjTableVersion, opendjTools } from "./live/opendjOptions";
import { opendjToolStandin } from "./live/standins";

const VERSIONS: OpenDjTableVersion[] = ["3.1.6", "4.5"];
const TOOLS = /"\$dj_bin\/(dsconfig|dsreplication|ldapsearch|ldapmodify|dsjavaproperties)"/;

/** Every script the OpenDJ and LDAP-cache renderers make for a profile (with members, so every branch renders). */
function renderedScripts(p: GluuVersionProfile): Record<string, string> {
    const base = { profile: p, primaryAddress: "10.0.0.11" };
    return {
        prep: opendjPrepScript(p),
        join: replicationJoinScript({ ...base, memberAddress: "10.0.0.12" }),
        init: replicationInitScript({ ...base, members: ["10.0.0.12", "10.0.0.13"] }),
        prune: replicationPruneScript({ ...base, members: ["10.0.0.12"] }),
        crypto: cryptoManagerScript(p),
        keystoreExport: opendjKeystoreExportScript(p),
        keystoreImport: opendjKeystoreImportScript(p),
        status: replicationStatusScript(p, "10.0.0.11", { members: ["10.0.0.12"] }),
        ldapCache: ldapCacheConfigScript({
            profile: p,
            inumAppliance: "@!A5A8.4F8E.D7A8.C0B2!0002!6D2F.A3C1",
            idpServers: ["10.0.0.11:1636", "10.0.0.12:1636"],
            cacheRefreshServerIp: "10.0.0.11",
        }),
    };
}

/** Shell words of `text` up to the first operator/redirection (quotes removed, expansions kept as text). */
function words(text: string): string[] {
    const out: string[] = [];
    let i = 0;
    while (i < text.length) {
        while (i < text.length && /\s/.test(text[i])) i++;
        if (i >= text.length) break;
        if (/^(\d?>|<|\||;|&&|\)|then\b|do\b)/.test(text.slice(i))) break;
        let w = "";
        while (i < text.length && !/\s/.test(text[i])) {
            const c = text[i];
            if (c === "'") {
                const j = text.indexOf("'", i + 1);
                w += text.slice(i + 1, j);
                i = j + 1;
            } else if (c === '"') {
                let j = i + 1;
                while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
                w += text.slice(i + 1, j);
                i = j + 1;
            } else if (c === ")" || c === ";" || c === "|") {
                break;
            } else {
                w += c;
                i++;
            }
        }
        out.push(w);
    }
    return out;
}

interface Invocation {
    script: string;
    tool: string;
    argv: string[];
}

/** The OpenDJ tool calls of one script (outer and inner text; `dj_config`/`dj_get` expanded to dsconfig). */
function invocations(name: string, text: string): Invocation[] {
    const lines = text.replace(/\\\n\s*/g, " ").split("\n");
    const out: Invocation[] = [];
    let dsconfigBase: string[] | undefined;
    for (const l of lines) {
        const m = TOOLS.exec(l);
        if (!m || /^\s*(#|if \[ ! -x)/.test(l)) continue;
        const argv = words(l.slice(m.index + m[0].length));
        const at = argv.indexOf("$@");
        if (m[1] === "dsconfig" && at >= 0) {
            dsconfigBase = argv.slice(0, at);
            continue;
        }
        out.push({ script: name, tool: m[1], argv });
    }
    for (const l of lines) {
        const m = /\bdj_(config|get) (?!"\$@")/.exec(l);
        if (!m || /^\s*(#|dj_(config|get)\(\))/.test(l)) continue;
        assert.ok(dsconfigBase, `${name}: dj_${m[1]} is called, so the script defines it around "$dj_bin/dsconfig" … "$@"`);
        const args = words(l.slice(m.index + m[0].length));
        out.push({ script: name, tool: "dsconfig", argv: [...dsconfigBase, ...args, ...(m[1] === "get" ? ["--script-friendly"] : [])] });
    }
    return out;
}

/** The checker the stand-ins run, on many invocations at once: the reason per refused one. */
function check(version: OpenDjTableVersion, calls: Invocation[]): Array<{ call: Invocation; why: string }> {
    const program = `${OPENDJ_ARGCHECK_FN_PY}\nimport json as _j, sys as _s\nfor tool, argv in _j.load(_s.stdin):\n    print(_j.dumps(opendj_argcheck(_j.loads(_s.argv[1]), tool, argv)))\n`;
    const r = spawnSync("python3", ["-c", program, JSON.stringify(compiledOptions(version))], {
        input: JSON.stringify(calls.map((c) => [c.tool, c.argv])),
        encoding: "utf8",
    });
    assert.strictEqual(r.status, 0, r.stderr);
    const verdicts = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as string | null);
    assert.strictEqual(verdicts.length, calls.length);
    return calls.map((call, i) => ({ call, why: verdicts[i] ?? "" })).filter((v) => v.why !== "");
}

describe("OpenDJ tool options per Gluu version (tables read from upstream source: test/live/opendjOptions.ts)", () => {
    for (const v of VERSIONS) {
        const profile = PROFILES[v];

        it(`every OpenDJ call in every rendered script uses only options and subcommands Gluu ${v}'s tool registers`, () => {
            const calls = Object.entries(renderedScripts(profile)).flatMap(([name, text]) => invocations(name, text));
            const tools = [...new Set(calls.map((c) => c.tool))].sort();
            // The scripts do call all of these: an extraction that finds nothing cannot pass.
            assert.deepStrictEqual(tools, ["dsconfig", "dsreplication", ...(profile.hasDsJavaProperties ? ["dsjavaproperties"] : []), "ldapmodify", "ldapsearch"].sort());
            assert.ok(calls.length >= 14, `${calls.length} calls found`);
            const refused = check(v, calls);
            assert.deepStrictEqual(refused.map((r) => `${r.call.script}: ${r.call.tool} ${r.call.argv.join(" ")}\n  → ${r.why}`), []);
        });

        it(`the checker is not a rubber stamp: it refuses what Gluu ${v}'s tools do not register`, () => {
            const wrong: Invocation[] = [
                { script: "probe", tool: "ldapsearch", argv: ["--noSuchOption", "(objectClass=*)"] },
                { script: "probe", tool: "ldapsearch", argv: [v === "4.5" ? "--dontWrap" : "--wrapColumn", ...(v === "4.5" ? [] : ["0"]), "(objectClass=*)"] },
                { script: "probe", tool: "ldapmodify", argv: ["--filename"] },
                { script: "probe", tool: "dsreplication", argv: ["--baseDN", "o=gluu"] },
                { script: "probe", tool: "dsreplication", argv: ["enable", "--hostname", "x"] },
                { script: "probe", tool: "dsreplication", argv: ["rebuild"] },
                { script: "probe", tool: "dsconfig", argv: ["get-crypto-manager-prop", "--handler-name", "x"] },
                { script: "probe", tool: "dsconfig", argv: ["set-crypto-manager-prop", "--property", "ssl-encryption"] },
            ];
            if (v === "4.5") {
                wrong.push({ script: "probe", tool: "dsjavaproperties", argv: [] }, { script: "probe", tool: "dsreplication", argv: ["status", "--configClass", "x"] });
            }
            assert.deepStrictEqual(check(v, wrong).map((r) => r.call), wrong);
        });

        it(`Gluu ${v}: every table block cites repo@commit:path; dsjavaproperties exists exactly where the profile says`, () => {
            const blocks = Object.values(OPENDJ_OPTIONS[v]).flatMap((t) => [t.source, ...t.global.map((b) => b.source), ...Object.values(t.subcommands ?? {}).flat().map((b) => b.source)]);
            for (const s of blocks) assert.match(s, /^[A-Za-z0-9-]+\/[A-Za-z0-9.-]+@[0-9a-f]{7}:\S+/, s);
            assert.strictEqual(opendjTools(v).includes("dsjavaproperties"), profile.hasDsJavaProperties);
        });
    }

    it("3.1.6 and 4.5 differ where upstream differs: --dontWrap (3.0 only), --wrapColumn (4.x only), dsreplication disable's -a", () => {
        const t316 = compiledOptions("3.1.6");
        const t45 = compiledOptions("4.5");
        assert.strictEqual(t316.ldapsearch.long.dontwrap, false);
        assert.ok(!("dontwrap" in t45.ldapsearch.long));
        assert.strictEqual(t45.ldapsearch.long.wrapcolumn, true);
        assert.ok(!("wrapcolumn" in t316.ldapsearch.long));
        assert.strictEqual(t316.dsreplication.subcommands?.disable.short.a, false, "3.0: -a is --disableAll");
        assert.ok(t45.dsreplication.subcommands?.disable.long.disablereplicationserver === false && "a" in t45.dsreplication.subcommands.disable.short);
    });
});

describe("OpenDJ stand-ins are version-faithful (CONTRACT: the stand-in scripts themselves, run outside a bed)", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "opendj-standin-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Run the version's stand-in `tool` (file named after the tool, as in the containers). */
    function runStandin(v: OpenDjTableVersion, tool: string, argv: string[]) {
        const file = path.join(dir, v, tool);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, /^ldap(search|modify)$/.test(tool) ? opendjToolStandin(v) : standinPy(v), { mode: 0o755 });
        const env = { ...process.env, GLUU_STANDIN_LOG: path.join(dir, "bash.log"), STANDIN_LOG: path.join(dir, "calls.jsonl"), STANDIN_STATE: dir };
        return spawnSync(file, argv, { encoding: "utf8", env, timeout: 30000 });
    }

    // The ldapsearch call of the 3.1.6 step, as rendered (passwords are files; nothing connects here).
    const call316 = () => {
        const c = invocations("ldapCache", renderedScripts(PROFILES["3.1.6"]).ldapCache).find((i) => i.tool === "ldapsearch");
        assert.ok(c);
        return c.argv;
    };

    it("the 4.5 ldapsearch stand-in refuses --dontWrap (exit 89, the tool's argument error), any case, before connecting", () => {
        // (-T is no way out: in 4.x it is --trustStorePassword's short form, which the contract refuses anyway.)
        for (const opt of ["--dontWrap", "--dontwrap", "--DONTWRAP"]) {
            const argv = call316().map((a) => (a === "--dontWrap" ? opt : a));
            const r = runStandin("4.5", "ldapsearch", argv);
            assert.strictEqual(r.status, 89, `${opt}: ${r.stderr}`);
            assert.match(r.stderr, /OpenDJ \(Gluu 4\.5\) refuses: Argument "-/);
        }
        assert.match(fs.readFileSync(path.join(dir, "bash.log"), "utf8"), /^ldapsearch\tREFUSED\t.*dontWrap/m);
    });

    it("the 3.1.6 ldapsearch stand-in accepts the same call's options (its refusal, if any, is about connecting) and refuses 4.x's --wrapColumn", () => {
        const ok = runStandin("3.1.6", "ldapsearch", call316());
        assert.doesNotMatch(ok.stderr, /refuses/, ok.stderr);
        const r = runStandin("3.1.6", "ldapsearch", ["--wrapColumn", "0", ...call316().filter((a) => a !== "--dontWrap")]);
        assert.strictEqual(r.status, 89);
        assert.match(r.stderr, /OpenDJ \(Gluu 3\.1\.6\) refuses: Argument "--wrapColumn"/);
    });

    it("the Python stand-ins refuse unregistered options and subcommands per version, and 4.5 has no dsjavaproperties", () => {
        for (const v of VERSIONS) {
            const bad = runStandin(v, "dsreplication", ["status", "--hostname", "10.0.0.11", "--port", "4444", "--noSuchOption"]);
            assert.strictEqual(bad.status, 89, bad.stderr);
            const sub = runStandin(v, "dsconfig", ["--hostname", "localhost", "list-backends"]);
            assert.strictEqual(sub.status, 89, sub.stderr);
        }
        const js = runStandin("4.5", "dsjavaproperties", []);
        assert.strictEqual(js.status, 89);
        assert.match(js.stderr, /no such tool/);
        const cfgClass = runStandin("4.5", "dsreplication", ["status", "--configClass", "x"]);
        assert.strictEqual(cfgClass.status, 89, "--configClass is 3.0's only");
        const log = fs.readFileSync(path.join(dir, "calls.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
        assert.ok(log.every((c) => typeof c.refused === "string"), "refused calls are logged as refused");
    });
});
