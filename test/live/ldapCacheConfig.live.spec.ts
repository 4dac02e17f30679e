// LdapCacheConfig for real, as far as this machine allows, for Gluu 3.1.6 AND 4.5: the step recorded from the
// component (host gluu-1) runs over SSH on a test host, enters a stand-in of the version's container THE WAY THE
// PACKAGE DOES (3.1.6: chroot; 4.5: ssh to the container's sshd on 127.0.0.1:60022 with the console key and the
// container's pinned host key), and edits the entry setup's template creates (3.1.6: the appliance entry;
// 4.5: ou=configuration,o=gluu, objectClass gluuConfiguration, a nested IDP `config` object) in OpenLDAP's slapd
// over LDAPS with certificate verification. REAL: the host and inner scripts, chroot/ssh, bash, the embedded
// Python editor (Python 2.7 for 3.1.6 when the machine has it; python3 for 4.5), keytool building the JKS trust
// store from /etc/certs/opendj.crt, TLS verification of the server, the bind as exactly `cn=directory manager`,
// the LDAP reads and writes. CONTRACT: /opt/opendj/bin/ldapsearch and ldapmodify are wrappers (standins.ts)
// that accept exactly the options the VERSION's OpenDJ tool registers (opendjOptions.ts: 4.5 refuses
// --dontWrap) and run OpenLDAP's tools; OpenDJ itself is not here.
import * as assert from "assert";
import * as crypto from "crypto";
import { LdapCacheConfig } from "../../components/ldapCacheConfig";
import { GluuVersionProfile, PROFILES } from "../../components/profiles";
import { decryptWithSalt, encryptWithSalt } from "../../components/render/ldapCache";
import { RecordedResource } from "../../src/record";
import { byName, recordComponent, unwrap } from "../helpers/program";
import { Bed, startBed } from "./bed";
import { assertNothingChanged, hostArgsOf, timings } from "./hosts";
import { startContainerSshd } from "./opendjStandins";
import { RunReport, runSteps } from "./runner";
import {
    buildStandinContainer,
    fillTemplate,
    fingerprint,
    GLUU_45_CONFIGURATION_TEMPLATE,
    GLUU_SUFFIX_LDIF,
    gluu316ApplianceLdif,
    ldifAttributeNames,
    makeTestPki,
    STANDIN_LOG,
    parseLdifEntry,
    putHostFile,
    pyenvPython27,
    StandinSlapd,
    startStandinSlapd,
    testSchema,
    TestPki,
} from "./standins";

const HOST = "gluu-1";
const STEP = `${HOST}-ldap-cache-config`;
const INUM = "@!A5A8.4F8E.D7A8.C0B2!0002!6D2F.A3C1";
const PY27 = pyenvPython27();

/** What differs between the versions here: the entry setup's template makes, and the container's python. */
interface Flavour {
    profile: GluuVersionProfile;
    dn: string;
    pythonPrefix: string | undefined;
    /** The template entry, filled. */
    entryLdif: (encodedLdapPw: string) => string;
    /** The schema's MUST attribute (the RDN attribute: inum, or core's ou). */
    must: string;
    /** oxCacheConfiguration.cacheProviderType as setup writes it. */
    initialCacheProvider: string;
}

const FLAVOURS: Flavour[] = [
    {
        profile: PROFILES["3.1.6"],
        dn: `inum=${INUM},ou=appliances,o=gluu`,
        pythonPrefix: PY27,
        must: "inum",
        initialCacheProvider: "IN_MEMORY",
        entryLdif: (pw) =>
            gluu316ApplianceLdif({ inumAppliance: INUM, ldap_hostname: "localhost", ldaps_port: 1636, ldap_binddn: "cn=directory manager", encoded_ox_ldap_pw: pw, jetty_base: "/opt/gluu/jetty" }),
    },
    {
        profile: PROFILES["4.5"],
        dn: "ou=configuration,o=gluu",
        pythonPrefix: undefined,
        must: "ou",
        // setup.py 4.5 writes NATIVE_PERSISTENCE unless told otherwise (cache_provider_type).
        initialCacheProvider: "NATIVE_PERSISTENCE",
        entryLdif: (pw) =>
            fillTemplate(GLUU_45_CONFIGURATION_TEMPLATE, {
                gluuScimEnabled: "false", gluuPassportEnabled: "false", gluuRadiusEnabled: "false", gluuSamlEnabled: "false",
                cache_provider_type: "NATIVE_PERSISTENCE", ldap_hostname: "localhost", ldaps_port: 1636, ldap_binddn: "cn=directory manager",
                encoded_ox_ldap_pw: pw, jetty_base: "/opt/gluu/jetty",
            }),
    },
];

function randomText(n: number): string {
    const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    return Array.from(crypto.randomBytes(n), (b) => chars[b % chars.length]).join("");
}

for (const F of FLAVOURS) {
const PROFILE = F.profile;
const ROOT = PROFILE.containerRoot;
const DN = F.dn;
const V = PROFILE.version;
const viaSsh = PROFILE.containerExec === "ssh";
describe(
    `live: LdapCacheConfig ${V} on a test host — ${viaSsh ? "stand-in container entered over its chrooted sshd (port 60022, console key)" : "chroot stand-in container"} ` +
        `(python = ${F.pythonPrefix ? "Python 2.7" : "python3"}, real keytool), slapd over LDAPS with the template's ${viaSsh ? "configuration" : "appliance"} entry; ` +
        `OpenDJ ${V}'s ldapsearch/ldapmodify are wrappers over OpenLDAP's (contract)`,
    function () {
        this.timeout(120000);
        let bed: Bed;
        let pki: TestPki;
        let slapd: StandinSlapd;
        let resources: RecordedResource[];
        let first: RunReport;
        let initial: Map<string, string[]>;
        const salt = randomText(24);
        const dmPassword = `dm-${randomText(20)}`;
        const redisPassword = `redis-${randomText(24)}`;
        const encodedLdapPw = encryptWithSalt(dmPassword, salt);
        const idpServers = () => [`${bed.host(HOST).address}:1636`, `${bed.subnet.replace(/\.0\/24$/, ".12")}:1636`];
        const entry = async () => parseLdifEntry(await slapd.entry(DN));
        const one = (e: Map<string, string[]>, a: string) => {
            const v = e.get(a.toLowerCase()) ?? [];
            assert.strictEqual(v.length, 1, `${a} has exactly one value: ${JSON.stringify(v)}`);
            return v[0];
        };
        /** The stand-ins' log lines since the last call, by tool. */
        const standinLog = async () => {
            const lines = (await bed.host(HOST).run(`cat ${ROOT}${STANDIN_LOG}; : > ${ROOT}${STANDIN_LOG}`)).split("\n").filter(Boolean);
            return { ldap: lines.filter((l) => /^ldap(search|modify)\t/.test(l)), python: lines.filter((l) => l.startsWith("python\t")), all: lines.join("\n") };
        };

        before(async function () {
            const t0 = Date.now();
            bed = await startBed({ hosts: [HOST] });
            pki = makeTestPki();
            const appliance = F.entryLdif(encodedLdapPw);
            const host = bed.host(HOST);
            const [s] = await Promise.all([
                startStandinSlapd(host, {
                    schema: testSchema(PROFILE.configurationObjectClass, ldifAttributeNames(appliance).filter((a) => a !== "ou"), F.must),
                    managerPassword: dmPassword,
                    ldif: `${GLUU_SUFFIX_LDIF}\n${appliance}`,
                    cert: pki.serverCert,
                    key: pki.serverKey,
                }),
                buildStandinContainer(host, { root: ROOT, pythonName: PROFILE.setupPython, pythonPrefix: F.pythonPrefix, opendjCert: pki.serverCert, version: V as "3.1.6" | "4.5" }),
            ]);
            if (viaSsh) await startContainerSshd(host, ROOT);
            slapd = s;
            initial = await entry();
            resources = await recordComponent(
                (opts) =>
                    new LdapCacheConfig(
                        "ldap-cache",
                        {
                            host: hostArgsOf(bed, HOST),
                            version: V,
                            directoryManagerPassword: dmPassword,
                            redisPassword,
                            encodeSalt: salt,
                            inumAppliance: viaSsh ? undefined : INUM,
                            idpServers: idpServers(),
                            cacheRefreshServerIp: host.address,
                        },
                        opts,
                    ),
            );
            console.log(`      bed ${bed.subnet} up in ${bed.bringUpMs} ms; slapd, stand-in container and recording ready after ${Date.now() - t0} ms`);
        });

        after(async () => {
            await bed?.stop();
        });

        it(`starts from setup's ${V} entry (${DN}, objectClass ${PROFILE.configurationObjectClass}): ${F.initialCacheProvider} cache, oxIDPAuthentication with localhost:1636, Cache Refresh 255.255.255.255`, () => {
            assert.strictEqual(JSON.parse(one(initial, "oxCacheConfiguration")).cacheProviderType, F.initialCacheProvider);
            const idp = JSON.parse(one(initial, "oxIDPAuthentication"));
            assert.strictEqual(typeof idp.config, PROFILE.idpAuthConfigIsString ? "string" : "object");
            assert.deepStrictEqual((typeof idp.config === "string" ? JSON.parse(idp.config) : idp.config).servers, ["localhost:1636"]);
            assert.deepStrictEqual(initial.get("objectclass"), ["top", PROFILE.configurationObjectClass]);
            assert.strictEqual(one(initial, "oxTrustCacheRefreshServerIpAddress"), "255.255.255.255");
        });

        it(`runs the recorded step: ${viaSsh ? "ssh into the container's sshd" : "chroot into the container"}, read over LDAPS, write the three attributes`, async () => {
            const step = byName(resources, STEP);
            assert.ok(unwrap(step.inputs.stdin).secret, "the step's stdin is a secret");
            assert.ok(!String(unwrap(step.inputs.create).value).includes(redisPassword) && !String(unwrap(step.inputs.create).value).includes(salt));
            first = await runSteps(resources);
            console.log(`      first run ${first.ms} ms\n${timings(first)}`);
            assert.deepStrictEqual(first.step(STEP).changed.map((l) => l.split(" ")[1]).sort(), [
                "oxCacheConfiguration",
                "oxIDPAuthentication",
                "oxTrustCacheRefreshServerIpAddress",
            ]);
        });

        it("sets oxCacheConfiguration to REDIS STANDALONE at localhost:16379 and keeps the template's other sections", async () => {
            const before = JSON.parse(one(initial, "oxCacheConfiguration"));
            const after = JSON.parse(one(await entry(), "oxCacheConfiguration"));
            assert.strictEqual(after.cacheProviderType, "REDIS");
            assert.deepStrictEqual(Object.keys(after), Object.keys(before), "the same sections, in the same order");
            for (const k of ["memcachedConfiguration", "inMemoryConfiguration", "nativePersistenceConfiguration"]) assert.deepStrictEqual(after[k], before[k], k);
            const { password, ...rest } = after.redisConfiguration;
            assert.deepStrictEqual(rest, { servers: "localhost:16379", defaultPutExpiration: 60, redisProviderType: "STANDALONE" });
            assert.ok(!("decryptedPassword" in after.redisConfiguration), "no clear-text decryptedPassword");
            assert.notStrictEqual(password, redisPassword, "the password is not stored in clear");
            assert.strictEqual(decryptWithSalt(password, salt), redisPassword, "the stored password decrypts with encode_salt to the real Redis password");
        });

        it(`sets oxIDPAuthentication's servers to every node, keeping config ${PROFILE.idpAuthConfigIsString ? "a JSON string" : "a nested object"} and its bind settings`, async () => {
            const before = JSON.parse(one(initial, "oxIDPAuthentication"));
            const after = JSON.parse(one(await entry(), "oxIDPAuthentication"));
            assert.strictEqual(typeof after.config, PROFILE.idpAuthConfigIsString ? "string" : "object", `${V}: config keeps its form`);
            const cfgBefore = PROFILE.idpAuthConfigIsString ? JSON.parse(before.config) : before.config;
            const cfg = PROFILE.idpAuthConfigIsString ? JSON.parse(after.config) : after.config;
            assert.deepStrictEqual(cfg.servers, idpServers());
            assert.deepStrictEqual({ ...cfg, servers: undefined }, { ...cfgBefore, servers: undefined }, "configId, bindDN, bindPassword, baseDNs, useSSL… unchanged");
            assert.strictEqual(decryptWithSalt(cfg.bindPassword, salt), dmPassword);
            assert.deepStrictEqual({ ...after, config: undefined }, { ...before, config: undefined }, "type, level, priority, enabled… unchanged");
        });

        it("sets oxTrustCacheRefreshServerIpAddress to gluu-1 and leaves every other attribute of the entry as it was", async () => {
            const now = await entry();
            assert.strictEqual(one(now, "oxTrustCacheRefreshServerIpAddress"), bed.host(HOST).address);
            const edited = new Set(["oxcacheconfiguration", "oxidpauthentication", "oxtrustcacherefreshserveripaddress"]);
            const operational = /^(entrycsn|modifytimestamp|modifiersname|createtimestamp|creatorsname|entryuuid|structuralobjectclass)$/;
            for (const [k, v] of initial) {
                if (!edited.has(k) && !operational.test(k)) assert.deepStrictEqual(now.get(k), v, k);
            }
            assert.strictEqual(one(now, "modifiersName"), "cn=directory manager", "written as exactly cn=directory manager");
        });

        it("verified the server certificate: both tools got --useSSL and a trust store holding exactly /etc/certs/opendj.crt (keytool real; option translation by contract)", async () => {
            const log = await standinLog();
            const calls = log.ldap;
            assert.deepStrictEqual(calls.map((l) => l.split("\t")[0]), ["ldapsearch", "ldapmodify"], log.all);
            assert.doesNotMatch(log.all, /\tREFUSED\t/, "no call was refused by the version's options table");
            assert.strictEqual(log.python.length, 1, log.all);
            const [, version, editor] = log.python[0].split("\t");
            assert.strictEqual(editor, "edit.py");
            if (F.pythonPrefix) assert.strictEqual(version, "2.7", "the editor ran under Python 2.7, as in the 3.1.6 container");
            else assert.match(version, /^3\./);
            const fields = calls.map((c) => new Map(c.split("\t").slice(1).map((f) => [f.slice(0, f.indexOf("=")), f.slice(f.indexOf("=") + 1)] as [string, string])));
            for (const f of fields) {
                assert.strictEqual(f.get("hostname"), "localhost");
                assert.strictEqual(f.get("uri"), "ldaps://127.0.0.1:1636", "loopback by number (libldap would check the host's own name for \"localhost\")");
                assert.strictEqual(f.get("bindDN"), "cn=directory manager");
                assert.strictEqual(f.get("trusted"), fingerprint(pki.serverCert), "the trust store holds opendj.crt and nothing else");
            }
            assert.deepStrictEqual([fields[0].get("base"), fields[0].get("scope"), fields[0].get("wrap")], [DN, "base", "off"]);
            assert.strictEqual(fields[1].get("dns"), `dn: ${DN}`);
        });

        it("fails and writes nothing when /etc/certs/opendj.crt is not the certificate the server presents (another CA's localhost certificate)", async () => {
            const host = bed.host(HOST);
            const stored = await slapd.entry(DN);
            await putHostFile(host, `${ROOT}/etc/certs/opendj.crt`, pki.strangerCert);
            try {
                const r = await runSteps(resources, { throwOnFailure: false });
                const s = r.step(STEP);
                assert.strictEqual(s.status, "failed", `the step must fail: ${s.stdout}`);
                assert.deepStrictEqual(s.changed, []);
                assert.match(s.stderr, /Can't contact LDAP server|certificate|TLS/i, s.stderr);
                const log = await standinLog();
                assert.deepStrictEqual(log.ldap.map((l) => l.split("\t")[0]), ["ldapsearch"], "no ldapmodify");
                assert.match(log.ldap[0], new RegExp(`\ttrusted=${fingerprint(pki.strangerCert)}\t`), "the trust store held the replaced file's certificate");
                assert.strictEqual(await slapd.entry(DN), stored, "the entry is untouched");
            } finally {
                await putHostFile(host, `${ROOT}/etc/certs/opendj.crt`, pki.serverCert);
            }
        });

        it("changes nothing on a second run (no ldapmodify, entryCSN unchanged)", async () => {
            const stored = await slapd.entry(DN);
            const second = await runSteps(resources);
            console.log(`      second run ${second.ms} ms`);
            assertNothingChanged(second);
            assert.match(second.step(STEP).stdout, /unchanged/);
            assert.strictEqual(await slapd.entry(DN), stored);
            assert.deepStrictEqual((await standinLog()).ldap.map((l) => l.split("\t")[0]), ["ldapsearch"]);
        });

        it("switches the same entry to NATIVE_PERSISTENCE (the `ldap` cache choice): provider set, the other sections kept, only the Directory Manager password on stdin; a re-run changes nothing", async () => {
            const native = await recordComponent(
                (opts) =>
                    new LdapCacheConfig(
                        "ldap-cache",
                        {
                            host: hostArgsOf(bed, HOST),
                            version: V,
                            cacheProvider: "NATIVE_PERSISTENCE",
                            directoryManagerPassword: dmPassword,
                            encodeSalt: salt,
                            inumAppliance: viaSsh ? undefined : INUM,
                            idpServers: idpServers(),
                            cacheRefreshServerIp: bed.host(HOST).address,
                        },
                        opts,
                    ),
            );
            assert.deepStrictEqual(String(unwrap(byName(native, STEP).inputs.stdin).value).split("\n").filter(Boolean), [dmPassword]);
            const before = JSON.parse(one(await entry(), "oxCacheConfiguration"));
            const r = await runSteps(native);
            assert.deepStrictEqual(r.step(STEP).changed.map((l) => l.split(" ")[1]), ["oxCacheConfiguration"]);
            const after = JSON.parse(one(await entry(), "oxCacheConfiguration"));
            assert.strictEqual(after.cacheProviderType, "NATIVE_PERSISTENCE");
            for (const k of ["redisConfiguration", "nativePersistenceConfiguration", "memcachedConfiguration", "inMemoryConfiguration"]) assert.deepStrictEqual(after[k], before[k], k);
            assertNothingChanged(await runSteps(native));
            await standinLog();
        });

        it("leaves no step script or secret file in the container's /root", async () => {
            // (4.5: /root/.ssh holds the console key's authorized_keys, as in Gluu's container.)
            const left = (await bed.host(HOST).run(`ls -A ${ROOT}/root`)).split("\n").filter((f) => f !== "" && !(viaSsh && f === ".ssh"));
            assert.deepStrictEqual(left, []);
        });
    },
);
}
