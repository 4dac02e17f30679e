// LdapCacheConfig for real, as far as this machine allows: the step recorded from the component (Gluu 3.1.6,
// host gluu-1) runs over SSH on a test host, enters a chroot stand-in of the 3.1.6 container the way the
// package does, and edits the Gluu appliance entry (loaded from setup's 3.1.6 template) in OpenLDAP's slapd
// over LDAPS with certificate verification. REAL: the host and inner scripts, chroot, bash, the embedded
// Python editor (Python 2.7 when the machine has it, as the 3.1.6 container), keytool building the JKS trust
// store from /etc/certs/opendj.crt, TLS verification of the server, the bind as exactly `cn=directory manager`,
// the LDAP reads and writes. CONTRACT: /opt/opendj/bin/ldapsearch and ldapmodify are wrappers
// (standins.ts) that take OpenDJ's options and run OpenLDAP's tools; OpenDJ itself is not here.
import * as assert from "assert";
import * as crypto from "crypto";
import { LdapCacheConfig } from "../../components/ldapCacheConfig";
import { PROFILES } from "../../components/profiles";
import { decryptWithSalt, encryptWithSalt } from "../../components/render/ldapCache";
import { RecordedResource } from "../../src/record";
import { byName, recordComponent, unwrap } from "../helpers/program";
import { Bed, startBed } from "./bed";
import { assertNothingChanged, hostArgsOf, timings } from "./hosts";
import { RunReport, runSteps } from "./runner";
import {
    buildStandinContainer,
    fingerprint,
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
const PROFILE = PROFILES["3.1.6"];
const ROOT = PROFILE.containerRoot;
const INUM = "@!A5A8.4F8E.D7A8.C0B2!0002!6D2F.A3C1";
const DN = `inum=${INUM},ou=appliances,o=gluu`;
const PY27 = pyenvPython27();

function randomText(n: number): string {
    const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    return Array.from(crypto.randomBytes(n), (b) => chars[b % chars.length]).join("");
}

describe(
    `live: LdapCacheConfig 3.1.6 on a test host — chroot stand-in container (python = ${PY27 ? "Python 2.7" : "python3"}, real keytool), ` +
        `slapd over LDAPS with the template's appliance entry; OpenDJ's ldapsearch/ldapmodify are wrappers over OpenLDAP's (contract)`,
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
            const appliance = gluu316ApplianceLdif({
                inumAppliance: INUM,
                ldap_hostname: "localhost",
                ldaps_port: 1636,
                ldap_binddn: "cn=directory manager",
                encoded_ox_ldap_pw: encodedLdapPw,
                jetty_base: "/opt/gluu/jetty",
            });
            const host = bed.host(HOST);
            const [s] = await Promise.all([
                startStandinSlapd(host, {
                    schema: testSchema("gluuAppliance", ldifAttributeNames(appliance)),
                    managerPassword: dmPassword,
                    ldif: `${GLUU_SUFFIX_LDIF}\n${appliance}`,
                    cert: pki.serverCert,
                    key: pki.serverKey,
                }),
                buildStandinContainer(host, { root: ROOT, pythonName: PROFILE.setupPython, pythonPrefix: PY27, opendjCert: pki.serverCert }),
            ]);
            slapd = s;
            initial = await entry();
            resources = await recordComponent(
                (opts) =>
                    new LdapCacheConfig(
                        "ldap-cache",
                        {
                            host: hostArgsOf(bed, HOST),
                            version: "3.1.6",
                            directoryManagerPassword: dmPassword,
                            redisPassword,
                            encodeSalt: salt,
                            inumAppliance: INUM,
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

        it("starts from setup's 3.1.6 appliance entry: IN_MEMORY cache, oxIDPAuthentication with localhost:1636, Cache Refresh 255.255.255.255", () => {
            assert.strictEqual(JSON.parse(one(initial, "oxCacheConfiguration")).cacheProviderType, "IN_MEMORY");
            assert.deepStrictEqual(JSON.parse(JSON.parse(one(initial, "oxIDPAuthentication")).config).servers, ["localhost:1636"]);
            assert.strictEqual(one(initial, "oxTrustCacheRefreshServerIpAddress"), "255.255.255.255");
        });

        it("runs the recorded step: chroot into the container, read over LDAPS, write the three attributes", async () => {
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

        it("sets oxIDPAuthentication's servers to every node, keeping config a JSON string and its bind settings", async () => {
            const before = JSON.parse(one(initial, "oxIDPAuthentication"));
            const after = JSON.parse(one(await entry(), "oxIDPAuthentication"));
            assert.strictEqual(typeof after.config, "string", "3.1.6: config stays a JSON string");
            const cfgBefore = JSON.parse(before.config);
            const cfg = JSON.parse(after.config);
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
            assert.strictEqual(log.python.length, 1, log.all);
            const [, version, editor] = log.python[0].split("\t");
            assert.strictEqual(editor, "edit.py");
            if (PY27) assert.strictEqual(version, "2.7", "the editor ran under Python 2.7, as in the 3.1.6 container");
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

        it("leaves no step script or secret file in the container's /root", async () => {
            assert.strictEqual((await bed.host(HOST).run(`ls -A ${ROOT}/root`)).trim(), "");
        });
    },
);
