// GluuNode's install renderers: setup.properties per Gluu version and the setup.py step.
// The CONTRACT tests parse the rendered file with the setup.py stand-ins' parsers (test/live/setupPyStandins.ts),
// which encode how each version's setup.py reads it (3.1.6 Properties.py, 4.5 jproperties).
import * as assert from "assert";
import { execFileSync } from "child_process";
import { validateGluuNodeArgs } from "../components/gluuNode";
import { PROFILES } from "../components/profiles";
import { GluuSetupSettings, SECRET_SETUP_KEYS, gluuSetupScript, setupProperties, setupSettingsProblems } from "../components/render/node";
import { shq } from "../components/render/shell";
import { assertShellcheckClean } from "./helpers/shellcheck";
import { SETUP_PY_316, SETUP_PY_45 } from "./live/setupPyStandins";

const P316 = PROFILES["3.1.6"];
const P45 = PROFILES["4.5"];

const SETTINGS: GluuSetupSettings = {
    hostname: "idp.example.org",
    orgName: "Example: Inc = #1!",
    city: "Austin",
    state: "TX",
    countryCode: "US",
    adminEmail: "admin@example.org",
    ldapPassword: "Ldap!Pass#1234",
    adminPassword: "AdminPass1234",
    encodeSalt: "abcdefghijklmnopqrstuvwx",
    openidKeystorePassword: "JksPass1234",
    ldapTruststorePassword: "TrustPass1234",
    baseInum: "@!1111.2222.3333.4444",
    inumOrg: "@!1111.2222.3333.4444!0001!AAAA.BBBB",
    inumAppliance: "@!1111.2222.3333.4444!0002!CCCC.DDDD",
};

/** setup.properties as the version's setup.py stand-in parses it (its own parser, run by python3). */
function parsedByStandin(version: "3.1.6" | "4.5", text: string): Record<string, string> {
    const src = version === "3.1.6" ? SETUP_PY_316 : SETUP_PY_45;
    const fn = version === "3.1.6" ? "load_properties_316" : "load_properties_java";
    const program = [
        "import json, sys",
        "src = sys.argv[1].replace('\\nmain()\\n', '\\n')",
        "g = {'__file__': '/nonexistent/setup.py', '__name__': 'standin'}",
        "exec(compile(src, 'setup.py', 'exec'), g)",
        `print(json.dumps(g['${fn}'](sys.stdin.read())))`,
    ].join("\n");
    return JSON.parse(execFileSync("python3", ["-c", program, src], { input: text, encoding: "utf8" }));
}

/** The inner (in-container) scripts of a step: bodies of quoted here-documents that start with #!. */
function innerScripts(text: string): string[] {
    const out: string[] = [];
    const re = /<<-?'([^']+)'\n(#![^\n]*\n[\s\S]*?)\n\1(\n|$)/g;
    for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[2] + "\n");
    return out;
}

describe("render/node: setup.properties per Gluu version", () => {
    it("CONTRACT 3.1.6: the inums and every value reach setup.py (Properties.py) exactly, with no backslash", () => {
        const text = setupProperties(P316, SETTINGS, "10.0.0.11");
        assert.match(text, /^inumOrg=@!1111\.2222\.3333\.4444!0001!AAAA\.BBBB$/m);
        assert.doesNotMatch(text.split("\n").filter((l) => /^(baseInum|inumOrg|inumAppliance)=/.test(l)).join("\n"), /\\/);
        const parsed = parsedByStandin("3.1.6", text);
        const fields: Array<[string, keyof GluuSetupSettings]> = [["baseInum", "baseInum"], ["inumOrg", "inumOrg"], ["inumAppliance", "inumAppliance"], ["orgName", "orgName"], ["ldapPass", "ldapPassword"], ["opendj_p12_pass", "ldapTruststorePassword"]];
        for (const [key, field] of fields) {
            assert.strictEqual(parsed[key], SETTINGS[field], `${key} as 3.1.6 setup.py reads it`);
        }
        assert.strictEqual(parsed.ip, "10.0.0.11");
    });

    it("CONTRACT 4.5: every value reaches setup.py (jproperties) exactly, Java escaping kept", () => {
        const text = setupProperties(P45, { ...SETTINGS, adminPassword: " Admin!Pass#1" }, "10.0.0.11");
        assert.match(text, /^ldapPass=Ldap\\!Pass\\#1234$/m);
        const parsed = parsedByStandin("4.5", text);
        for (const [key, value] of <Array<[string, string | undefined]>>[["orgName", SETTINGS.orgName], ["ldapPass", SETTINGS.ldapPassword], ["oxtrust_admin_password", " Admin!Pass#1"], ["opendj_truststore_pass", SETTINGS.ldapTruststorePassword]]) {
            assert.strictEqual(parsed[key!], value, `${key} as 4.5 setup.py reads it`);
        }
    });

    it("CONTRACT 3.1.6: the Java escaping the 4.5 dialect uses would reach 3.1.6 setup.py with backslashes (why the dialects differ)", () => {
        const java = setupProperties(P45, SETTINGS, "10.0.0.11");
        assert.strictEqual(parsedByStandin("3.1.6", java).ldapPass, "Ldap\\!Pass\\#1234");
    });

    it("the cluster-wide LDAP truststore password: opendj_p12_pass (3.1.6), opendj_truststore_pass (4.5), both secret keys", () => {
        assert.match(setupProperties(P316, SETTINGS, "10.0.0.11"), /^opendj_p12_pass=TrustPass1234$/m);
        assert.doesNotMatch(setupProperties(P316, SETTINGS, "10.0.0.11"), /opendj_truststore_pass/);
        assert.match(setupProperties(P45, SETTINGS, "10.0.0.11"), /^opendj_truststore_pass=TrustPass1234$/m);
        assert.doesNotMatch(setupProperties(P45, SETTINGS, "10.0.0.11"), /opendj_p12_pass/);
        assert.ok(SECRET_SETUP_KEYS.includes("opendj_p12_pass") && SECRET_SETUP_KEYS.includes("opendj_truststore_pass"));
        // Without it (a lone node), setup.py picks its own: the key is left out rather than emitted empty.
        const { ldapTruststorePassword: _, ...lone } = SETTINGS;
        assert.doesNotMatch(setupProperties(P316, lone, "10.0.0.11"), /opendj_p12_pass/);
    });

    it("3.1.6 gets no oxtrust_admin_password (it never reads it: the admin password is ldapPass); 4.5 does", () => {
        assert.doesNotMatch(setupProperties(P316, SETTINGS, "10.0.0.11"), /oxtrust_admin_password/);
        assert.match(setupProperties(P45, SETTINGS, "10.0.0.11"), /^oxtrust_admin_password=AdminPass1234$/m);
    });

    it("3.1.6 refuses values Properties.py cannot carry, naming the field and key, never the value", () => {
        const cases: Array<[keyof GluuSetupSettings, string, RegExp]> = [
            ["ldapPassword", "Secret\\Value1", /`ldapPassword` \(setup.properties `ldapPass`\) cannot contain a backslash/],
            ["orgName", "Example Inc ", /`orgName` \(setup.properties `orgName`\) cannot start or end with white space/],
            ["city", " Austin", /`city` .*white space/],
            ["ldapTruststorePassword", "Trust\\", /`ldapTruststorePassword` \(setup.properties `opendj_p12_pass`\) cannot contain a backslash/],
            ["inumOrg", "@!1\\!2", /`inumOrg`.*backslash/],
            ["encodeSalt", "abcdefghijklmnopqrstuvw\n", /`encodeSalt`.*line break/],
        ];
        for (const [field, value, re] of cases) {
            const s = { ...SETTINGS, [field]: value };
            assert.throws(() => setupProperties(P316, s, "10.0.0.11"), (e: Error) => re.test(e.message) && !e.message.includes(value.trim()), `${field}=${JSON.stringify(value)}`);
            assert.ok(setupSettingsProblems(P316, s).some((p) => re.test(p)), `${field}: the pure check names it`);
        }
        // 4.5's Java escaping carries them.
        assert.deepStrictEqual(setupSettingsProblems(P45, { ...SETTINGS, ldapPassword: "Secret\\Value1", orgName: " Example" }), []);
        // The 3.1.6 admin password is not emitted, so it is not checked either.
        assert.deepStrictEqual(setupSettingsProblems(P316, { ...SETTINGS, adminPassword: "x\\y" }), []);
    });

    it("GluuNode refuses such settings before creating anything, naming the field", () => {
        const args = { existingAddress: "10.0.0.11", hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0R5zJAYBF0zpjdgJ0lHJk9KOzZg6cpZxPvPTQ3qUOv", sshPrivateKey: "k", version: "3.1.6", setup: { ...SETTINGS, ldapPassword: "a\\b" } };
        const problems = validateGluuNodeArgs("gluu-1", args);
        assert.ok(problems.some((p) => /`ldapPassword` \(setup.properties `ldapPass`\) cannot contain a backslash/.test(p)), problems.join("\n"));
        assert.ok(!validateGluuNodeArgs("gluu-1", { ...args, version: "4.5" }).some((p) => /ldapPassword/.test(p)));
    });
});

describe("render/node: the setup.py step", () => {
    const s316 = gluuSetupScript(P316, "gluu-1");
    const s45 = gluuSetupScript(P45, "gluu-1");

    it("is shellcheck-clean, outside and inside the container", () => {
        for (const [label, text] of [["3.1.6", s316], ["4.5", s45]]) {
            assertShellcheckClean(`install ${label}`, text);
            const inner = innerScripts(text);
            assert.strictEqual(inner.length, 1, `${label}: one inner script`);
            assertShellcheckClean(`install ${label} (inside)`, inner[0]);
        }
    });

    it("reads the version's setup_error.log: logs/ on 4.5, the install directory on 3.1.6", () => {
        assert.ok(s45.includes(`error_log="$gluu_root"${shq("/install/community-edition-setup/logs/setup_error.log")}\n`));
        assert.ok(s316.includes(`error_log="$gluu_root"${shq("/install/community-edition-setup/setup_error.log")}\n`));
        assert.match(s45, /grep -q Traceback "\$error_log"/);
    });

    it("succeeds only on exit 0 and a completion file newer than the run's stamp; the early marker decides nothing", () => {
        for (const [text, p] of [[s316, P316], [s45, P45]] as const) {
            assert.ok(text.includes(`done_file="$gluu_root"${shq(p.setupPropertiesLast)}\n`));
            assert.match(text, /\[ ! "\$done_file" -nt "\$stamp" \]/);
            assert.match(text, /setup\.py exited with status/);
            assert.ok(!text.includes(p.installedMarker), `${p.version}: ${p.installedMarker} is written early and must not be a success or skip test`);
        }
    });

    it("starts setup.py detached from the SSH session, with a lock, and waits with a heartbeat", () => {
        for (const text of [s316, s45]) {
            const inner = innerScripts(text)[0];
            assert.match(inner, /^setsid nohup bash -c '.*setup\.py -n -f setup\.properties --listen_all_interfaces.* 9>&- /m);
            assert.match(inner, /flock -n 9/);
            assert.match(text, /running\(\) \{ \[ -f "\$lock" \] && ! flock -n "\$lock" true; \}/);
            assert.match(text, /echo "setup\.py still running on gluu-1 \(\$waited s\)"/);
        }
        assert.match(innerScripts(s45)[0], /python3 setup\.py -n -f setup\.properties --listen_all_interfaces -c /);
        assert.match(innerScripts(s316)[0], /'rc=0; python setup\.py -n -f setup\.properties --listen_all_interfaces 9>&-/);
    });

    it("never prints what it reads on stdin: stdin goes to a private file, only the redacted log tails are printed", () => {
        for (const text of [s316, s45]) {
            const body = text.split("\n");
            assert.ok(body.includes(`cat > "$props"`));
            // Nothing echoes/cats the properties or the secrets list.
            assert.ok(!body.some((l) => /(echo|printf|cat|tail|head)\b[^|>]*"\$(props|secrets)"\s*$/.test(l) && !/^cat > /.test(l.trim())), "props or secrets printed");
            assert.match(text, /tail -n 40 "\$error_log" 2>\/dev\/null \| redact >&2/);
            assert.match(text, /tail -n 20 "\$console_log" 2>\/dev\/null \| redact >&2/);
        }
    });
});
