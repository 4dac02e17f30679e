import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROFILES } from "../components/profiles";
import {
    CACHE_CONFIG_EDIT_PY,
    cacheConfigLdif,
    cacheConfigurationJson,
    configurationDn,
    decryptWithSalt,
    DEFAULT_CACHE_CONFIGURATION,
    encryptWithSalt,
    idpAuthenticationJson,
    ldapCacheConfigScript,
    ldapCacheConfigStdin,
} from "../components/render/ldapCache";
import { assertShellcheckClean } from "./helpers/shellcheck";
import { opendjArgGateBash, OpenDjTableVersion } from "./live/opendjOptions";

const P316 = PROFILES["3.1.6"];
const P45 = PROFILES["4.5"];
const SALT = "Y83EBo94vj9b4iyKDX2drmZk";
const INUM = "@!A5A8.4F8E.D7A8.C0B2!0002!6D2F.A3C1";
const DN316 = `inum=${INUM},ou=appliances,o=gluu`;

/** oxCacheConfiguration as 4.5 setup writes it (NATIVE_PERSISTENCE, defaultCleanupBatchSize), plus a stale decryptedPassword. */
const CACHE_45 =
    '{"cacheProviderType":"NATIVE_PERSISTENCE","memcachedConfiguration":{"servers":"localhost:11211","maxOperationQueueLength":100000,' +
    '"bufferSize":32768,"defaultPutExpiration":60,"connectionFactoryType":"DEFAULT"},"inMemoryConfiguration":{"defaultPutExpiration":60},' +
    '"redisConfiguration":{"redisProviderType":"STANDALONE","servers":"localhost:6379","defaultPutExpiration":60,"useSSL":false,' +
    '"decryptedPassword":"plain!","maxIdleConnections":10},"nativePersistenceConfiguration":{"defaultPutExpiration":60,"defaultCleanupBatchSize":10000}}';

/** oxIDPAuthentication of 3.1.6 (config is a JSON string) with a non-ASCII name to check encodings. */
const IDP_316 = JSON.stringify({
    type: "auth", name: "Gluü LDAP", level: 0, priority: 1, enabled: true, version: 0,
    config: JSON.stringify({
        configId: "auth_ldap_server", servers: ["localhost:1636"], maxConnections: 1000, bindDN: "cn=directory manager",
        bindPassword: "obscured==", useSSL: "true", baseDNs: ["o=gluu"], primaryKey: "uid", localPrimaryKey: "uid",
        useAnonymousBind: false, enabled: true,
    }),
});
/** A second oxIDPAuthentication value for an external directory: must stay untouched. */
const IDP_EXTERNAL = JSON.stringify({ type: "auth", name: "AD", config: JSON.stringify({ configId: "corp_ad", servers: ["ad.corp:636"] }) });
/** oxIDPAuthentication of 4.x (config is a nested object, disabled by default). */
const IDP_45 = JSON.stringify({
    type: "auth", name: null, level: 0, priority: 1, enabled: false, version: 0,
    config: { configId: "auth_ldap_server", servers: ["localhost:1636"], bindDN: "cn=directory manager", baseDNs: ["ou=people,o=gluu"], enabled: false },
});

/** A minimal LDIF reader for tests: dn plus attribute → values, `::` values base64-decoded, continuation lines joined. */
function readLdif(text: string): { dn: string; ops: Array<{ op: string; attr: string; values: string[] }> } {
    const lines: string[] = [];
    for (const l of text.split("\n")) {
        if (l.startsWith(" ") && lines.length) {
            lines[lines.length - 1] += l.slice(1);
        } else {
            lines.push(l);
        }
    }
    let dn = "";
    const ops: Array<{ op: string; attr: string; values: string[] }> = [];
    for (const l of lines.filter((x) => x !== "")) {
        const m = /^([A-Za-z-]+)(::?) ?(.*)$/.exec(l);
        if (l === "-" || !m) {
            continue;
        }
        const value = m[2] === "::" ? Buffer.from(m[3], "base64").toString("utf8") : m[3];
        if (m[1] === "dn") {
            dn = value;
        } else if (m[1] === "changetype") {
            assert.strictEqual(value, "modify");
        } else if (m[1] === "replace" || m[1] === "add" || m[1] === "delete") {
            ops.push({ op: m[1], attr: value, values: [] });
        } else {
            assert.strictEqual(m[1], ops[ops.length - 1].attr, "value lines belong to the current operation");
            ops[ops.length - 1].values.push(value);
        }
    }
    return { dn, ops };
}

/** ldapsearch -T style output of the entry: plain values where safe, base64 for the rest (wrapped to test joining). */
function searchLdif(dn: string, attrs: Array<[string, string]>): string {
    const out = [`dn: ${dn}`];
    for (const [a, v] of attrs) {
        if (/^[\x20-\x7e]*$/.test(v) && !v.startsWith(" ") && !v.startsWith(":")) {
            out.push(`${a}: ${v}`);
        } else {
            const b = Buffer.from(v, "utf8").toString("base64");
            out.push(`${a}:: ${b.slice(0, 60)}`, ...(b.slice(60).match(/.{1,76}/g) ?? []).map((x) => " " + x));
        }
    }
    return out.join("\n") + "\n\n";
}

function pythons(): Array<{ label: string; cmd: string; env: NodeJS.ProcessEnv }> {
    const candidates = [
        { label: "python3", cmd: "python3", env: { ...process.env } },
        { label: "python2.7", cmd: "python2", env: { ...process.env, PYENV_VERSION: "2.7.18" } },
    ];
    return candidates.filter((c) => spawnSync(c.cmd, ["-c", "import json"], { env: c.env }).status === 0);
}

describe("render/ldapCache", () => {
    describe("encryption with encodeSalt (3DES-ECB, PKCS5, base64)", () => {
        it("matches the known vector from setup.py obscure() / OpenSSL", () => {
            assert.strictEqual(encryptWithSalt("secret123", SALT), "Xy42apJx/k1CzqVeQEl+ww==");
        });
        it("decrypts what it encrypts, including non-ASCII and block-sized values", () => {
            for (const v of ["secret123", "pässwörd ✓", "12345678", "x".repeat(64)]) {
                assert.strictEqual(decryptWithSalt(encryptWithSalt(v, SALT), SALT), v);
            }
            assert.strictEqual(decryptWithSalt("Xy42apJx/k1CzqVeQEl+ww==", SALT), "secret123");
        });
        it("refuses a salt that is not 24 bytes, naming encodeSalt", () => {
            assert.throws(() => encryptWithSalt("x", "short"), /`encodeSalt` must be exactly 24 bytes/);
            assert.throws(() => decryptWithSalt("x", SALT + "x"), /`encodeSalt`/);
        });
    });

    describe("oxCacheConfiguration", () => {
        const enc = encryptWithSalt("redis-pw", SALT);

        it("3.1.6 template: REDIS, STANDALONE, servers and encrypted password; other sections kept", () => {
            const out = JSON.parse(cacheConfigurationJson(DEFAULT_CACHE_CONFIGURATION, { encryptedPassword: enc }));
            const before = JSON.parse(DEFAULT_CACHE_CONFIGURATION);
            assert.strictEqual(out.cacheProviderType, "REDIS");
            assert.deepStrictEqual(out.redisConfiguration, { servers: "localhost:16379", defaultPutExpiration: 60, redisProviderType: "STANDALONE", password: enc });
            assert.deepStrictEqual(out.memcachedConfiguration, before.memcachedConfiguration);
            assert.deepStrictEqual(out.inMemoryConfiguration, before.inMemoryConfiguration);
            assert.deepStrictEqual(Object.keys(out), Object.keys(before), "key order kept");
        });

        it("4.5 value: drops decryptedPassword, keeps unknown fields, sets defaultPutExpiration when asked", () => {
            const out = JSON.parse(cacheConfigurationJson(CACHE_45, { servers: "cache.internal:16379", encryptedPassword: enc, defaultPutExpiration: 300 }));
            assert.strictEqual(out.cacheProviderType, "REDIS");
            assert.strictEqual(out.redisConfiguration.decryptedPassword, undefined);
            assert.strictEqual(out.redisConfiguration.maxIdleConnections, 10);
            assert.strictEqual(out.redisConfiguration.useSSL, false);
            assert.strictEqual(out.redisConfiguration.defaultPutExpiration, 300);
            assert.strictEqual(out.redisConfiguration.servers, "cache.internal:16379");
            assert.strictEqual(out.nativePersistenceConfiguration.defaultCleanupBatchSize, 10000);
        });

        it("a missing attribute starts from the setup template; no password removes `password`", () => {
            const out = JSON.parse(cacheConfigurationJson(undefined, {}));
            assert.strictEqual(out.cacheProviderType, "REDIS");
            assert.ok(!("password" in out.redisConfiguration));
            assert.deepStrictEqual(out.inMemoryConfiguration, { defaultPutExpiration: 60 });
        });

        it("is stable: applying it to its own output gives the same text", () => {
            const once = cacheConfigurationJson(CACHE_45, { encryptedPassword: enc });
            assert.strictEqual(cacheConfigurationJson(once, { encryptedPassword: enc }), once);
        });

        it("refuses broken JSON, hostile servers and non-base64 passwords, naming the field", () => {
            assert.throws(() => cacheConfigurationJson("{oops", {}), /`oxCacheConfiguration` is not valid JSON/);
            assert.throws(() => cacheConfigurationJson("[]", {}), /`oxCacheConfiguration` must be a JSON object/);
            for (const s of ["localhost", "a b:1", "x:0", "x:70000", "$(id):1", "h:1,", "-h:1"]) {
                assert.throws(() => cacheConfigurationJson(undefined, { servers: s }), /`servers\[\d\]`/);
            }
            assert.throws(() => cacheConfigurationJson(undefined, { encryptedPassword: "not base64!" }), /`encryptedPassword`/);
            assert.throws(() => cacheConfigurationJson(undefined, { defaultPutExpiration: 0 }), /`defaultPutExpiration`/);
        });
    });

    describe("oxIDPAuthentication", () => {
        it("3.1.6: config stays a JSON string, with the new server list", () => {
            const out = JSON.parse(idpAuthenticationJson(IDP_316, ["10.0.0.11:1636", "10.0.0.12:1636"], P316));
            assert.strictEqual(typeof out.config, "string");
            const cfg = JSON.parse(out.config);
            assert.deepStrictEqual(cfg.servers, ["10.0.0.11:1636", "10.0.0.12:1636"]);
            assert.strictEqual(cfg.bindPassword, "obscured==");
            assert.strictEqual(out.name, "Gluü LDAP");
        });
        it("4.x: config stays a nested object", () => {
            const out = JSON.parse(idpAuthenticationJson(IDP_45, ["10.0.0.11:1636"], P45));
            assert.deepStrictEqual(out.config.servers, ["10.0.0.11:1636"]);
            assert.deepStrictEqual(out.config.baseDNs, ["ou=people,o=gluu"]);
        });
        it("leaves other directories (another configId) untouched", () => {
            assert.strictEqual(idpAuthenticationJson(IDP_EXTERNAL, ["10.0.0.11:1636"], P316), IDP_EXTERNAL);
        });
        it("refuses an empty or hostile server list", () => {
            assert.throws(() => idpAuthenticationJson(IDP_316, [], P316), /`idpServers`/);
            assert.throws(() => idpAuthenticationJson(IDP_316, ["10.0.0.1:1636", "a\"b:1"], P316), /`idpServers\[1\]`/);
        });
    });

    describe("the LDIF", () => {
        it("replaces each attribute with base64 JSON values that decode to the same JSON", () => {
            const cache = cacheConfigurationJson(undefined, { encryptedPassword: encryptWithSalt("p", SALT) });
            const idp = idpAuthenticationJson(IDP_316, ["10.0.0.11:1636"], P316);
            const text = cacheConfigLdif(DN316, cache, [idp, IDP_EXTERNAL], "10.0.0.11");
            assert.match(text, /^dn: inum=@!A5A8\.4F8E\.D7A8\.C0B2!0002!6D2F\.A3C1,ou=appliances,o=gluu\nchangetype: modify\n/);
            assert.match(text, /^oxCacheConfiguration:: [A-Za-z0-9+/=]+$/m);
            const parsed = readLdif(text);
            assert.strictEqual(parsed.dn, DN316);
            assert.deepStrictEqual(parsed.ops.map((o) => [o.op, o.attr]), [
                ["replace", "oxCacheConfiguration"], ["replace", "oxIDPAuthentication"], ["replace", "oxTrustCacheRefreshServerIpAddress"],
            ]);
            assert.deepStrictEqual(JSON.parse(parsed.ops[0].values[0]), JSON.parse(cache));
            assert.deepStrictEqual(parsed.ops[1].values, [idp, IDP_EXTERNAL]);
            assert.deepStrictEqual(parsed.ops[2].values, ["10.0.0.11"]);
        });
        it("leaves out what is not given, and is empty when nothing is", () => {
            assert.strictEqual(cacheConfigLdif("ou=configuration,o=gluu", undefined, undefined), "");
            assert.deepStrictEqual(readLdif(cacheConfigLdif("ou=configuration,o=gluu", "{}", undefined)).ops.map((o) => o.attr), ["oxCacheConfiguration"]);
        });
        it("refuses hostile DNs and IPs", () => {
            assert.throws(() => cacheConfigLdif("ou=x\ndn: o=evil", "{}", undefined), /`dn`/);
            assert.throws(() => cacheConfigLdif("ou=configuration,o=gluu", undefined, undefined, "1.2.3.4\n-"), /`cacheRefreshServerIp`/);
        });
        it("uses the profile's entry: the appliance inum for 3.1.6, ou=configuration for 4.x", () => {
            assert.strictEqual(configurationDn(P316, INUM), DN316);
            assert.strictEqual(configurationDn(P45), "ou=configuration,o=gluu");
            for (const bad of [undefined, "", "@!x,o=evil", "a b", "x'y"]) {
                assert.throws(() => configurationDn(P316, bad), /`inumAppliance`/);
            }
        });
    });

    describe("the in-container editor (Python 2 and 3) follows the TypeScript rules exactly", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ldapcache-py-"));
        after(() => fs.rmSync(dir, { recursive: true, force: true }));
        const edit = path.join(dir, "edit.py");
        fs.writeFileSync(edit, CACHE_CONFIG_EDIT_PY);
        const enc = encryptWithSalt("redis-pw", SALT);
        const pwFile = path.join(dir, "pw");
        fs.writeFileSync(pwFile, enc + "\n", { mode: 0o600 });

        function runPy(py: { cmd: string; env: NodeJS.ProcessEnv }, current: string, settings: object, pw = pwFile) {
            fs.writeFileSync(path.join(dir, "current.ldif"), current);
            fs.rmSync(path.join(dir, "change.ldif"), { force: true });
            const r = spawnSync(py.cmd, [edit, path.join(dir, "current.ldif"), path.join(dir, "change.ldif"), pw, JSON.stringify(settings)], { env: py.env, encoding: "utf8" });
            return { code: r.status, stdout: r.stdout, stderr: r.stderr, ldif: fs.existsSync(path.join(dir, "change.ldif")) ? fs.readFileSync(path.join(dir, "change.ldif"), "utf8") : "" };
        }

        for (const py of pythons()) {
            it(`${py.label}: 3.1.6 entry → the same LDIF as cacheConfigLdif; applying it makes a re-run a no-op`, () => {
                const settings = { dn: DN316, redisServers: "localhost:16379", idpServers: ["10.0.0.11:1636", "10.0.0.12:1636"], idpConfigIsString: true, cacheRefreshServerIp: "10.0.0.11", defaultPutExpiration: null };
                const current = searchLdif(DN316, [
                    ["oxCacheConfiguration", DEFAULT_CACHE_CONFIGURATION],
                    ["oxIDPAuthentication", IDP_316],
                    ["oxIDPAuthentication", IDP_EXTERNAL],
                    ["oxTrustCacheRefreshServerIpAddress", "255.255.255.255"],
                ]);
                const first = runPy(py, current, settings);
                assert.strictEqual(first.code, 0, first.stderr);
                const newCache = cacheConfigurationJson(DEFAULT_CACHE_CONFIGURATION, { servers: "localhost:16379", encryptedPassword: enc });
                const newIdp = [idpAuthenticationJson(IDP_316, settings.idpServers, P316), idpAuthenticationJson(IDP_EXTERNAL, settings.idpServers, P316)];
                assert.strictEqual(first.ldif, cacheConfigLdif(DN316, newCache, newIdp, "10.0.0.11"));
                assert.deepStrictEqual(first.stdout.trim().split("\n"), ["oxCacheConfiguration", "oxIDPAuthentication", "oxTrustCacheRefreshServerIpAddress"]);

                const applied = searchLdif(DN316, [
                    ["oxCacheConfiguration", newCache], ["oxIDPAuthentication", newIdp[0]], ["oxIDPAuthentication", newIdp[1]],
                    ["oxTrustCacheRefreshServerIpAddress", "10.0.0.11"],
                ]);
                const second = runPy(py, applied, settings);
                assert.strictEqual(second.code, 0, second.stderr);
                assert.strictEqual(second.ldif, "");
                assert.strictEqual(second.stdout, "");
            });

            it(`${py.label}: 4.5 entry (object config, stale decryptedPassword); only what differs is replaced`, () => {
                const settings = { dn: "ou=configuration,o=gluu", redisServers: "localhost:16379", idpServers: ["10.0.0.11:1636"], idpConfigIsString: false, cacheRefreshServerIp: null, defaultPutExpiration: 120 };
                const newIdp = idpAuthenticationJson(IDP_45, settings.idpServers, P45);
                // Same IDP value spelled with other whitespace and key order counts as equal.
                const respelled = JSON.stringify(JSON.parse(newIdp), null, 2).replace(/\n/g, " ");
                const current = searchLdif("ou=configuration,o=gluu", [["oxCacheConfiguration", CACHE_45], ["oxIDPAuthentication", respelled]]);
                const r = runPy(py, current, settings);
                assert.strictEqual(r.code, 0, r.stderr);
                assert.strictEqual(r.ldif, cacheConfigLdif("ou=configuration,o=gluu",
                    cacheConfigurationJson(CACHE_45, { servers: "localhost:16379", encryptedPassword: enc, defaultPutExpiration: 120 }), undefined));
            });

            it(`${py.label}: NATIVE_PERSISTENCE (the \`ldap\` choice): provider switched, nativePersistenceConfiguration kept or created, redisConfiguration untouched, no password read`, () => {
                // 4.5 starts from a cluster that used Redis before (setup's own value is already NATIVE_PERSISTENCE).
                for (const [dn, cache] of [[DN316, DEFAULT_CACHE_CONFIGURATION], ["ou=configuration,o=gluu", cacheConfigurationJson(CACHE_45, { encryptedPassword: enc })]] as const) {
                    const settings = { dn, provider: "NATIVE_PERSISTENCE", redisServers: "localhost:16379", idpServers: ["10.0.0.11:1636"], idpConfigIsString: dn === DN316, cacheRefreshServerIp: null, defaultPutExpiration: null };
                    const r = runPy(py, searchLdif(dn, [["oxCacheConfiguration", cache]]), settings, "/dev/null");
                    assert.strictEqual(r.code, 0, r.stderr);
                    const expected = cacheConfigurationJson(cache, { provider: "NATIVE_PERSISTENCE" });
                    assert.strictEqual(r.ldif, cacheConfigLdif(dn, expected, undefined));
                    const obj = JSON.parse(expected);
                    assert.strictEqual(obj.cacheProviderType, "NATIVE_PERSISTENCE");
                    assert.deepStrictEqual(obj.redisConfiguration, JSON.parse(cache).redisConfiguration);
                    const again = runPy(py, searchLdif(dn, [["oxCacheConfiguration", expected]]), settings, "/dev/null");
                    assert.strictEqual(again.ldif, "");
                }
                const bare = JSON.parse(cacheConfigurationJson('{"cacheProviderType":"REDIS"}', { provider: "NATIVE_PERSISTENCE", defaultPutExpiration: 90 }));
                assert.deepStrictEqual(bare.nativePersistenceConfiguration, { defaultPutExpiration: 90 });
            });

            it(`${py.label}: a missing oxCacheConfiguration starts from the template; bad input stops it`, () => {
                const settings = { dn: "ou=configuration,o=gluu", redisServers: "localhost:16379", idpServers: ["10.0.0.11:1636"], idpConfigIsString: false, cacheRefreshServerIp: null, defaultPutExpiration: null };
                const r = runPy(py, "dn: ou=configuration,o=gluu\n\n", settings);
                assert.strictEqual(r.code, 0, r.stderr);
                assert.strictEqual(r.ldif, cacheConfigLdif("ou=configuration,o=gluu", cacheConfigurationJson(undefined, { encryptedPassword: enc }), undefined));
                const missing = runPy(py, "", settings);
                assert.notStrictEqual(missing.code, 0);
                assert.match(missing.stderr, /entry was not found/);
                const badPw = path.join(dir, "badpw");
                fs.writeFileSync(badPw, "plain text!\n");
                const bad = runPy(py, "dn: ou=configuration,o=gluu\n", settings, badPw);
                assert.notStrictEqual(bad.code, 0);
                assert.match(bad.stderr, /not base64/);
                const broken = runPy(py, "dn: ou=configuration,o=gluu\noxCacheConfiguration: {oops\n", settings);
                assert.notStrictEqual(broken.code, 0);
            });
        }
    });

    describe("ldapCacheConfigScript", () => {
        const opts316 = { profile: P316, inumAppliance: INUM, idpServers: ["10.0.0.11:1636", "10.0.0.12:1636"], cacheRefreshServerIp: "10.0.0.11" };
        const opts45 = { profile: P45, idpServers: ["10.0.0.11:1636"] };

        for (const [label, o] of [["3.1.6", opts316], ["4.5", opts45]] as const) {
            it(`passes shellcheck outside and inside the container (Gluu ${label})`, () => {
                const text = ldapCacheConfigScript(o);
                assertShellcheckClean(`ldapCache ${label}`, text);
                const inner = /<<'(GLUU_EOF[_0-9]*)'\n([\s\S]*?)\n\1\n/.exec(text);
                assert.ok(inner);
                assertShellcheckClean(`ldapCache ${label} (inner)`, inner[2] + "\n");
            });

            it(`verifies LDAPS with a trust store, reads passwords from files, no -X/--trustAll/-w (Gluu ${label})`, () => {
                const text = ldapCacheConfigScript(o);
                const commands = text.replace(/\\\n\s*/g, " ").split("\n").filter((l) => /^\s*"\$dj_bin\/(ldapsearch|ldapmodify)" /.test(l));
                assert.strictEqual(commands.length, 2);
                for (const c of commands) {
                    assert.match(c, /--useSSL --trustStorePath "\$trust_store" --trustStorePasswordFile "\$trust_pin"/);
                    assert.match(c, /--bindPasswordFile "\$dm_pw_file"/);
                    assert.doesNotMatch(c, / -X | --trustAll| -w |--bindPassword /);
                }
                assert.ok(text.includes(CACHE_CONFIG_EDIT_PY.trimEnd()), "embeds the tested editor unchanged");
                assert.match(text, new RegExp(`^py=${o.profile.setupPython}$`, "m"));
            });
        }

        it("turns LDIF wrapping off with the option the version's ldapsearch has: 3.1.6 --dontWrap, 4.5 --wrapColumn 0 (4.x has no --dontWrap)", () => {
            const ldapsearchOf = (text: string) => {
                const c = text.replace(/\\\n\s*/g, " ").split("\n").filter((l) => /^\s*"\$dj_bin\/ldapsearch" /.test(l));
                assert.strictEqual(c.length, 1, "one ldapsearch call");
                return c[0];
            };
            const c316 = ldapsearchOf(ldapCacheConfigScript(opts316));
            const c45 = ldapsearchOf(ldapCacheConfigScript(opts45));
            assert.match(c316, / --dontWrap /);
            assert.doesNotMatch(c316, /--wrapColumn/, "OpenDJ 3.0's legacy ldapsearch has no --wrapColumn");
            assert.doesNotMatch(c45, /--dontwrap/i, "OpenDJ 4.x ldapsearch refuses --dontWrap (long options match case-insensitively)");
            assert.doesNotMatch(c45, / -T /, "nor its short form");
            assert.match(c45, / --wrapColumn 0 /);
        });

        it("stdin is the DM password and the already-encrypted Redis password: no salt, no plain Redis password", () => {
            const enc = encryptWithSalt("redis-pw", SALT);
            assert.strictEqual(ldapCacheConfigStdin("dm", enc), `dm\n${enc}\n`);
            assert.throws(() => ldapCacheConfigStdin("dm", "redis-pw plain"), /`encryptedRedisPassword`/);
            const text = ldapCacheConfigScript(opts316);
            assert.doesNotMatch(text, /encodeSalt|\/etc\/gluu\/conf\/salt/);
        });

        it("refuses hostile values, naming the field", () => {
            assert.throws(() => ldapCacheConfigScript({ ...opts316, inumAppliance: "x,o=evil" }), /`inumAppliance`/);
            assert.throws(() => ldapCacheConfigScript({ ...opts316, inumAppliance: undefined }), /`inumAppliance`/);
            assert.throws(() => ldapCacheConfigScript({ ...opts316, idpServers: ["$(id):1636"] }), /`idpServers\[0\]`/);
            assert.throws(() => ldapCacheConfigScript({ ...opts316, idpServers: [] }), /`idpServers`/);
            assert.throws(() => ldapCacheConfigScript({ ...opts316, redisServers: "localhost:16379;id" }), /`servers\[0\]`/);
            assert.throws(() => ldapCacheConfigScript({ ...opts316, cacheRefreshServerIp: "1.2.3.4 " }), /`cacheRefreshServerIp`/);
            assert.throws(() => ldapCacheConfigScript({ ...opts45, ldapsPort: 0 }), /`ldapsPort`/);
        });
    });
});

// ---------------------------------------------------------------------------------------------------------
// Contract test: the inner script runs for real with stand-in ldapsearch/ldapmodify (no OpenDJ here), the real
// keytool and the real Python (python2.7 for 3.1.6 when available), in a private mount namespace where /opt is
// a scratch directory and /etc and /root are overlays (nothing on this machine changes).

// Both fakes first hold the call to the Gluu version's options table (test/live/opendjOptions.ts; the version is
// read from the inner script's title): an option that version's OpenDJ tool does not register exits 89.
const FAKE_LDAPSEARCH = (v: OpenDjTableVersion) => `#!/bin/bash
${opendjArgGateBash(v)}
printf '%s\\n' "ldapsearch $*" >> /opt/calls.log
args=("$@")
for ((i = 0; i < \${#args[@]}; i++)); do
  case "\${args[i]}" in
    --trustStorePath) keytool -list -keystore "\${args[i+1]}" -storepass changeit -alias opendj >/dev/null || { echo "trust store lacks opendj" >&2; exit 91; } ;;
    --bindPasswordFile) printf '%s %s\\n' "$(stat -c %a "\${args[i+1]}")" "$(head -n1 "\${args[i+1]}")" >> /opt/pwfiles.log ;;
  esac
done
cat /opt/current.ldif
`;

/** Applies "replace" blocks of the change LDIF to /opt/current.ldif (enough LDAP for the test). */
const FAKE_LDAPMODIFY = (v: OpenDjTableVersion) => `#!/bin/bash
${opendjArgGateBash(v)}
printf '%s\\n' "ldapmodify $*" >> /opt/calls.log
args=("$@")
for ((i = 0; i < \${#args[@]}; i++)); do
  [ "\${args[i]}" = --filename ] && change=\${args[i+1]}
done
python3 - "$change" <<'PY'
import sys
cur = [l for l in open('/opt/current.ldif').read().split('\\n') if l]
blocks, attr, vals = [], None, []
for l in open(sys.argv[1]).read().split('\\n'):
    if l.startswith('replace: '):
        attr, vals = l[9:], []
    elif l == '-':
        blocks.append((attr, vals))
    elif attr and l.startswith(attr + ':'):
        vals.append(l)
for attr, vals in blocks:
    cur = [l for l in cur if not l.split(':', 1)[0].lower() == attr.lower()] + vals
open('/opt/current.ldif', 'w').write('\\n'.join(cur) + '\\n\\n')
PY
`;

const LDAP_SANDBOX = `set -e
mount --bind "$1/opt" /opt
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/etc.upper,workdir=$1/etc.work" /etc
mount -t overlay overlay -o "lowerdir=/root,upperdir=$1/root.upper,workdir=$1/root.work" /root
mkdir -p /etc/certs
cp "$1/opendj.crt" /etc/certs/opendj.crt
PATH="/opt/opendj/bin:$PATH" bash "$1/inner.sh"
`;

describe("render/ldapCache contract (stand-in ldapsearch/ldapmodify, real keytool and Python; no OpenDJ here)", function () {
    let dir: string;
    before(function () {
        const ok =
            process.getuid?.() === 0 &&
            spawnSync("unshare", ["--mount", "true"]).status === 0 &&
            spawnSync("bash", ["-c", "command -v keytool && command -v openssl && command -v python3"]).status === 0;
        if (!ok) {
            this.skip();
        }
    });
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "ldapcache-contract-"));
        for (const d of ["opt/opendj/bin", "etc.upper", "etc.work", "root.upper", "root.work"]) {
            fs.mkdirSync(path.join(dir, d), { recursive: true });
        }
        execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path.join(dir, "k.pem"), "-out", path.join(dir, "opendj.crt"), "-days", "2", "-subj", "/CN=localhost"], { stdio: "ignore" });
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    function run(text: string, stdin: string, env: NodeJS.ProcessEnv = process.env) {
        const inner = /<<'(GLUU_EOF[_0-9]*)'\n([\s\S]*?)\n\1\n/.exec(text);
        assert.ok(inner);
        fs.writeFileSync(path.join(dir, "inner.sh"), inner[2] + "\n");
        const v = /^# Inside the Gluu (3\.1\.6|4\.5) container/m.exec(inner[2]);
        assert.ok(v, "the inner script names its Gluu version");
        fs.writeFileSync(path.join(dir, "opt/opendj/bin/ldapsearch"), FAKE_LDAPSEARCH(v[1] as OpenDjTableVersion), { mode: 0o755 });
        fs.writeFileSync(path.join(dir, "opt/opendj/bin/ldapmodify"), FAKE_LDAPMODIFY(v[1] as OpenDjTableVersion), { mode: 0o755 });
        fs.rmSync(path.join(dir, "opt/calls.log"), { force: true });
        const r = spawnSync("unshare", ["--mount", "bash", "-c", LDAP_SANDBOX, "_", dir], { input: stdin, encoding: "utf8", env, timeout: 60000 });
        const leftovers = fs.readdirSync(path.join(dir, "root.upper")).filter((f) => f.startsWith(".gluu-"));
        assert.deepStrictEqual(leftovers, [], "no secret file is left in /root");
        return { code: r.status, stdout: r.stdout, stderr: r.stderr, calls: fs.existsSync(path.join(dir, "opt/calls.log")) ? fs.readFileSync(path.join(dir, "opt/calls.log"), "utf8") : "" };
    }

    it("3.1.6: edits the appliance entry once over verified LDAPS; a re-run changes nothing", function () {
        const py2 = { ...process.env, PYENV_VERSION: "2.7.18" };
        const env = spawnSync("python", ["-c", "import sys; assert sys.version_info[0] == 2"], { env: py2 }).status === 0 ? py2 : process.env;
        fs.writeFileSync(path.join(dir, "opt/current.ldif"), searchLdif(DN316, [
            ["oxCacheConfiguration", DEFAULT_CACHE_CONFIGURATION], ["oxIDPAuthentication", IDP_316], ["oxTrustCacheRefreshServerIpAddress", "255.255.255.255"],
        ]));
        const text = ldapCacheConfigScript({ profile: P316, inumAppliance: INUM, idpServers: ["10.0.0.11:1636", "10.0.0.12:1636"], cacheRefreshServerIp: "10.0.0.11" });
        const enc = encryptWithSalt("redis-pw", SALT);
        const first = run(text, ldapCacheConfigStdin("DM pw", enc), env);
        assert.strictEqual(first.code, 0, first.stderr);
        assert.deepStrictEqual(first.stdout.trim().split("\n"), [
            `changed oxCacheConfiguration on ${DN316}`, `changed oxIDPAuthentication on ${DN316}`, `changed oxTrustCacheRefreshServerIpAddress on ${DN316}`,
        ]);
        assert.match(first.calls, /^ldapsearch --hostname localhost --port 1636 --useSSL --trustStorePath \S+ldaps-trust\.jks /m);
        assert.match(first.calls, /^ldapmodify .*--filename /m);
        assert.match(fs.readFileSync(path.join(dir, "opt/pwfiles.log"), "utf8"), /^600 DM pw$/m);
        const stored = fs.readFileSync(path.join(dir, "opt/current.ldif"), "utf8");
        const cacheLine = /^oxCacheConfiguration:: (\S+)$/m.exec(stored);
        assert.ok(cacheLine, "oxCacheConfiguration was written base64-encoded");
        const cache = JSON.parse(Buffer.from(cacheLine[1], "base64").toString("utf8"));
        assert.strictEqual(cache.redisConfiguration.password, enc);
        assert.strictEqual(decryptWithSalt(cache.redisConfiguration.password, SALT), "redis-pw");

        const second = run(text, ldapCacheConfigStdin("DM pw", enc), env);
        assert.strictEqual(second.code, 0, second.stderr);
        assert.match(second.stdout, /unchanged/);
        assert.doesNotMatch(second.calls, /ldapmodify/);
    });

    it("4.5: a wrong entry (no dn in the search result) stops with a message", () => {
        fs.writeFileSync(path.join(dir, "opt/current.ldif"), "");
        const r = run(ldapCacheConfigScript({ profile: P45, idpServers: ["10.0.0.11:1636"] }), ldapCacheConfigStdin("pw", "QUJD"));
        assert.notStrictEqual(r.code, 0);
        assert.match(r.stderr, /entry was not found/);
        assert.doesNotMatch(r.calls, /ldapmodify/);
    });
});
