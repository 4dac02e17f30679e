// Stand-ins for what a Gluu node has and the bed hosts lack: the Gluu container root with its OpenDJ tools,
// and an LDAP server holding o=gluu. Contract tests of steps that enter the container reuse them.
//
// - `buildStandinContainer`: a chroot root at the profile's containerRoot on a bed host (the 3.1.6 packaging
//   enters its container with chroot). The host's /usr is bind-mounted read-only (bash, coreutils, OpenLDAP's
//   ldap-utils, openssl), with a JRE at /opt/jre (real keytool), a `python` interpreter, /dev, /proc, /tmp and
//   its own /root and /etc. The OpenDJ command-line tools are WRAPPERS (a contract, not OpenDJ): they accept
//   only the OpenDJ options the Gluu steps use, log each call, refuse to connect without --useSSL and a trust
//   store, and run OpenLDAP's ldapsearch/ldapmodify against the LDAPS server with certificate verification
//   against exactly the certificates of the given trust store (exported with the real keytool).
// - `startStandinSlapd`: OpenLDAP's slapd on the bed host, LDAPS only, on loopback, with a small test schema,
//   a suffix o=gluu, and `cn=directory manager` as an exact bind DN (its own one-entry database outside o=gluu,
//   like OpenDJ's root DN in cn=config), which o=gluu's ACL lets manage the tree.
// - `makeTestPki`: a test CA, a `localhost` server certificate it signs, and an unrelated CA's `localhost`
//   certificate (for refusal checks).
//
// Every mount lives in the bed host's own (private) mount namespace and goes with the host.

import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BedHost } from "./bed";
import { opendjArgGateBash, OpenDjTableVersion } from "./opendjOptions";

// ---------------------------------------------------------------------------------------------------------
// small helpers

/** Quote one value for bash. */
export function bq(v: string): string {
    return `'${v.replace(/'/g, `'\\''`)}'`;
}

/** Write `content` to `file` on `host` (parent created), mode `mode`; the content travels on stdin. */
export async function putHostFile(host: BedHost, file: string, content: string, mode = "0644"): Promise<void> {
    await host.run(`set -e; install -d -m 0755 "$(dirname ${bq(file)})"; (umask 077; cat > ${bq(file)}); chmod ${mode} ${bq(file)}`, { stdin: content });
}

// ---------------------------------------------------------------------------------------------------------
// test PKI

export interface TestPki {
    /** The test CA (PEM). */
    caCert: string;
    /** Server certificate for `localhost` (SAN DNS:localhost, IP:127.0.0.1) signed by the CA (PEM). */
    serverCert: string;
    /** Its key (PEM). */
    serverKey: string;
    /** A `localhost` certificate of another, unrelated CA (PEM): what a server we must not trust presents. */
    strangerCert: string;
    /** Its key (PEM). */
    strangerKey: string;
}

/** Make the test certificates with the machine's openssl (EC P-256, 2 days); keys never leave files. */
export function makeTestPki(): TestPki {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gluu-live-pki-"));
    const p = (f: string) => path.join(dir, f);
    const ossl = (...args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
    try {
        fs.writeFileSync(p("leaf.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n");
        for (const who of ["ca", "stranger-ca"]) {
            ossl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", `/CN=gluu live ${who}`, "-days", "2",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-keyout", p(`${who}.key`), "-out", p(`${who}.crt`));
        }
        for (const [leaf, ca] of [["server", "ca"], ["stranger", "stranger-ca"]]) {
            ossl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost", "-keyout", p(`${leaf}.key`), "-out", p(`${leaf}.csr`));
            ossl("x509", "-req", "-in", p(`${leaf}.csr`), "-CA", p(`${ca}.crt`), "-CAkey", p(`${ca}.key`), "-set_serial", String(Date.now()), "-days", "2", "-extfile", p("leaf.ext"), "-out", p(`${leaf}.crt`));
        }
        const r = (f: string) => fs.readFileSync(p(f), "utf8");
        return { caCert: r("ca.crt"), serverCert: r("server.crt"), serverKey: r("server.key"), strangerCert: r("stranger.crt"), strangerKey: r("stranger.key") };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** SHA-256 fingerprint of a PEM certificate, `AA:BB:…` (as `openssl x509 -fingerprint -sha256` prints it). */
export function fingerprint(pem: string): string {
    return new crypto.X509Certificate(pem).fingerprint256;
}

// ---------------------------------------------------------------------------------------------------------
// the Gluu 3.1.6 appliance entry

/**
 * The appliance entry of Gluu 3.1.6's setup templates, verbatim from
 * `GluuFederation/community-edition-setup@version_3.1.6.sp1:templates/appliance.ldif` (its first entry; the
 * `%(name)s` placeholders are filled by `gluu316ApplianceLdif`). Multi-line values are LDIF continuation lines.
 */
export const GLUU_316_APPLIANCE_TEMPLATE = String.raw`dn: inum=%(inumAppliance)s,ou=appliances,o=gluu
objectClass: top
objectClass: gluuAppliance
inum: %(inumAppliance)s
gluuMaxLogSize: 200
gluuWhitePagesEnabled: disabled
gluuOrgProfileMgt: disabled
gluuManageIdentityPermission: enabled
gluuFederationHostingEnabled: disabled
gluuVdsCacheRefreshEnabled: disabled
gluuScimEnabled: disabled
oxAuthenticationMode: auth_ldap_server
oxTrustAuthenticationMode: auth_ldap_server
gluuPassportEnabled: disabled
oxCacheConfiguration: {"cacheProviderType": "IN_MEMORY", "memcachedConfiguration": {"servers":"localhost:11211", "maxOperationQueueLength":100000, "bufferSize":32768, "defaultPutExpiration":60, "connectionFactoryType": "DEFAULT"}, "inMemoryConfiguration": {"defaultPutExpiration":60}, "nativePersistenceConfiguration": {"defaultPutExpiration":60}, "redisConfiguration":{"servers":"localhost:6379", "defaultPutExpiration": 60}}
oxTrustStoreConf: {"useJreCertificates":true}
oxTrustCacheRefreshServerIpAddress: 255.255.255.255
oxIDPAuthentication: {"type": "auth",
  "name": null,
  "level": 0,
  "priority": 1,
  "enabled": true,
  "version": 0,
  "config": "{\"configId\": \"auth_ldap_server\",
            \"servers\": [\"%(ldap_hostname)s:%(ldaps_port)s\"],
            \"maxConnections\": 1000,
            \"bindDN\": \"%(ldap_binddn)s\",
            \"bindPassword\": \"%(encoded_ox_ldap_pw)s\",
            \"useSSL\": \"true\",
            \"baseDNs\": [\"o=gluu\"],
            \"primaryKey\": \"uid\",
            \"localPrimaryKey\": \"uid\",
            \"useAnonymousBind\": false,
            \"enabled\": true}"
  }
oxLogViewerConfig: {
  "log_template":[
    {
      "value1":"oxAuth logs",
      "value2":"%(jetty_base)s/oxauth/logs/*.log",
      "description":""
    },
    {
      "value1":"oxTrust logs",
      "value2":"%(jetty_base)s/identity/logs/*.log",
      "description":""
    }
  ]}
`;

/**
 * The first entry (`ou=configuration,o=gluu`) of Gluu 4.5's `templates/configuration.ldif`, verbatim, as test
 * fixture data: GluuFederation/community-edition-setup@version_4.5.5 (c424531)
 * `templates/configuration.ldif:1-57`. At 4.5.5: a nested IDP `config` object (`:27-37`),
 * `defaultCleanupBatchSize` (`:17`), no `gluuCibaEnabled`, literal `false` for gluuScimEnabled,
 * gluuPassportEnabled, gluuRadiusEnabled and gluuSamlEnabled (`:11,14-16`), and `oxSmtpConfiguration` (`:52-57`).
 */
export const GLUU_455_CONFIGURATION_LDIF = String.raw`dn: ou=configuration,o=gluu
objectClass: top
objectClass: gluuConfiguration
ou: configuration
gluuMaxLogSize: 200
gluuWhitePagesEnabled: disabled
gluuOrgProfileMgt: false
gluuManageIdentityPermission: true
gluuFederationHostingEnabled: disabled
gluuVdsCacheRefreshEnabled: false
gluuScimEnabled: false
oxAuthenticationMode: simple_password_auth
oxTrustAuthenticationMode: simple_password_auth
gluuPassportEnabled: false
gluuRadiusEnabled: false
gluuSamlEnabled: false
oxCacheConfiguration: {"cacheProviderType": "%(cache_provider_type)s", "memcachedConfiguration": {"servers":"localhost:11211", "maxOperationQueueLength":100000, "bufferSize":32768, "defaultPutExpiration":60, "connectionFactoryType": "DEFAULT"}, "inMemoryConfiguration": {"defaultPutExpiration":60}, "nativePersistenceConfiguration": {"defaultPutExpiration":60, "defaultCleanupBatchSize": 10000}, "redisConfiguration":{"servers":"localhost:6379", "defaultPutExpiration": 60}}
oxDocumentStoreConfiguration: {"documentStoreType":"LOCAL","localConfiguration":{"baseLocation":"/"},"jcaConfiguration":{"serverUrl":"http://localhost:8080/rmi","workspaceName":"default","connectionTimeout":15,"userId":"admin","password":""},"webDavConfiguration":null}
oxTrustStoreConf: {"useJreCertificates":true}
oxTrustCacheRefreshServerIpAddress: 255.255.255.255
oxIDPAuthentication: {"type": "auth",
  "name": null,
  "level": 0,
  "priority": 1,
  "enabled": false,
  "version": 0,
  "config": {"configId": "auth_ldap_server",
            "servers": ["%(ldap_hostname)s:%(ldaps_port)s"],
            "maxConnections": 1000,
            "bindDN": "%(ldap_binddn)s",
            "bindPassword": "%(encoded_ox_ldap_pw)s",
            "useSSL": "true",
            "baseDNs": ["ou=people,o=gluu"],
            "primaryKey": "uid",
            "localPrimaryKey": "uid",
            "useAnonymousBind": false,
            "enabled": false}
  }
oxLogViewerConfig: {
  "log_template":[
    {
      "value1":"oxAuth logs",
      "value2":"%(jetty_base)s/oxauth/logs/*.log",
      "description":""
    },
    {
      "value1":"oxTrust logs",
      "value2":"%(jetty_base)s/identity/logs/*.log",
      "description":""
    }
  ]}
oxSmtpConfiguration: {
    "key-store":"%(smtp_jks_fn)s",
    "key-store-password":"%(smtp_jks_pass_enc)s",
    "key-store-alias":"%(smtp_alias)s",
    "signing-algorithm":"%(smtp_signing_alg)s"
    }
`;

/**
 * setup.py 4.5.5's values for the SMTP placeholders of `oxSmtpConfiguration`, which the LDAP cache specs do not
 * care about: `smtp_jks_fn`, `smtp_alias`, `smtp_signing_alg` as CES-455 `setup_app/config.py:87,438-440` sets
 * them; `smtp_jks_pass_enc` is `obscure(<random password>)` (`setup_app/installers/gluu.py:123-126`), here a
 * fixed stand-in.
 */
export const GLUU_455_SMTP_VALUES = {
    smtp_jks_fn: "/etc/certs/smtp-keys.pkcs12",
    smtp_jks_pass_enc: "c210cC1zdGFuZC1pbg==",
    smtp_alias: "smtp_sig_ec256",
    smtp_signing_alg: "SHA256withECDSA",
};

/**
 * The configuration entry of Gluu 4.5's setup templates ({@link GLUU_455_CONFIGURATION_LDIF}, from
 * `version_4.5.5`) with its SMTP placeholders already filled ({@link GLUU_455_SMTP_VALUES}); the rest
 * (`cache_provider_type`, `ldap_hostname`, `ldaps_port`, `ldap_binddn`, `encoded_ox_ldap_pw`, `jetty_base`)
 * is filled by `fillTemplate`.
 */
export const GLUU_45_CONFIGURATION_TEMPLATE = GLUU_455_CONFIGURATION_LDIF.replace(
    /%\((smtp_\w+)\)s/g,
    (_, k: keyof typeof GLUU_455_SMTP_VALUES) => GLUU_455_SMTP_VALUES[k],
);

/** A setup template with its `%(name)s` placeholders filled (every placeholder must have a value). */
export function fillTemplate(template: string, values: Record<string, string | number>): string {
    return template.replace(/%\((\w+)\)s/g, (_, k: string) => {
        const value = values[k];
        if (value === undefined) throw new Error(`template placeholder ${k} has no value`);
        return String(value);
    });
}

/** Values for the template's placeholders (setup.py's names). */
export interface ApplianceValues {
    inumAppliance: string;
    /** setup.py's `ldap_hostname` (3.1.6: `localhost`). */
    ldap_hostname: string;
    ldaps_port: number;
    /** `cn=directory manager`. */
    ldap_binddn: string;
    /** `obscure(ldapPass)`: the Directory Manager password encrypted with encode_salt. */
    encoded_ox_ldap_pw: string;
    /** `/opt/gluu/jetty`. */
    jetty_base: string;
}

/** The template with its placeholders filled (every placeholder must have a value). */
export function gluu316ApplianceLdif(v: ApplianceValues): string {
    return GLUU_316_APPLIANCE_TEMPLATE.replace(/%\((\w+)\)s/g, (_, k: string) => {
        const value = (v as unknown as Record<string, unknown>)[k];
        if (value === undefined) throw new Error(`appliance template placeholder ${k} has no value`);
        return String(value);
    });
}

/** The attribute names of an LDIF entry (besides dn and objectClass), in order, without duplicates. */
export function ldifAttributeNames(ldif: string): string[] {
    const names: string[] = [];
    for (const line of ldif.split("\n")) {
        const m = /^([A-Za-z][A-Za-z0-9-]*):/.exec(line);
        if (!m || /^(dn|objectclass)$/i.test(m[1]) || names.includes(m[1])) continue;
        names.push(m[1]);
    }
    return names;
}

// ---------------------------------------------------------------------------------------------------------
// slapd

/** slapd.conf-style schema: every attribute a directory string (Gluu's own OIDs do not matter here). */
export function testSchema(objectClass: string, attributes: string[], must = "inum"): string {
    // A private test arc (1.3.6.1.4.1.99999 is not assigned to Gluu or anyone we talk to).
    const base = "1.3.6.1.4.1.99999.42";
    const lines = attributes.map(
        (a, i) =>
            `attributetype ( ${base}.1.${i + 1} NAME '${a}' EQUALITY ${a === "inum" ? "caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch" : "caseExactMatch"} ` +
            `SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 )`,
    );
    lines.push(`objectclass ( ${base}.2.1 NAME '${objectClass}' SUP top STRUCTURAL MUST ${must} MAY ( ${attributes.filter((a) => a !== must).join(" $ ")} ) )`);
    return lines.join("\n") + "\n";
}

/** `{SSHA}` hash of a password, as slappasswd makes it (computed here: the password never reaches a command line). */
export function sshaHash(password: string): string {
    const salt = crypto.randomBytes(8);
    const digest = crypto.createHash("sha1").update(Buffer.from(password, "utf8")).update(salt).digest();
    return `{SSHA}${Buffer.concat([digest, salt]).toString("base64")}`;
}

export interface StandinSlapdOptions {
    /** LDAPS port on loopback (only `ldaps://localhost:<port>/` is served). Default 1636. */
    port?: number;
    /** slapd.conf-style schema text (attributetype/objectclass lines). */
    schema: string;
    /** The exact bind DN with full rights over o=gluu. Default `cn=directory manager`. */
    managerDn?: string;
    /** Its password. */
    managerPassword: string;
    /** Entries loaded (slapadd) before slapd starts; the o=gluu and ou=appliances entries come first. */
    ldif: string;
    /** Server certificate and key (PEM). */
    cert: string;
    key: string;
    /** Where slapd keeps its files on the host. Default /var/lib/gluu-live-slapd. */
    dir?: string;
}

export interface StandinSlapd {
    dir: string;
    port: number;
    /** slapd.conf path on the host. */
    conf: string;
    /** The entry `dn` as stored (slapcat: no network, no password), unwrapped LDIF. */
    entry(dn: string): Promise<string>;
}

/** The entries every o=gluu stand-in needs above the appliance. */
export const GLUU_SUFFIX_LDIF = `dn: o=gluu
objectClass: top
objectClass: organization
o: gluu

dn: ou=appliances,o=gluu
objectClass: top
objectClass: organizationalUnit
ou: appliances
`;

/** Configure, load and start slapd on `host` (LDAPS only, loopback); waits until the port answers. */
export async function startStandinSlapd(host: BedHost, o: StandinSlapdOptions): Promise<StandinSlapd> {
    const dir = o.dir ?? "/var/lib/gluu-live-slapd";
    const port = o.port ?? 1636;
    const managerDn = o.managerDn ?? "cn=directory manager";
    const conf = `${dir}/slapd.conf`;
    const slapdConf = [
        `include /etc/ldap/schema/core.schema`,
        `include ${dir}/gluu-test.schema`,
        `modulepath /usr/lib/ldap`,
        `moduleload back_mdb`,
        `moduleload back_null`,
        `pidfile ${dir}/slapd.pid`,
        `argsfile ${dir}/slapd.args`,
        `TLSCertificateFile ${dir}/server.crt`,
        `TLSCertificateKeyFile ${dir}/server.key`,
        ``,
        `# The Directory Manager: a bind DN outside o=gluu, as OpenDJ's root DN lives in cn=config.`,
        `database null`,
        `suffix "${managerDn}"`,
        `rootdn "${managerDn}"`,
        `rootpw ${sshaHash(o.managerPassword)}`,
        ``,
        `database mdb`,
        `suffix "o=gluu"`,
        `directory ${dir}/data`,
        `maxsize 16777216`,
        `access to * by dn.exact="${managerDn}" manage by * none`,
        ``,
    ].join("\n");
    await putHostFile(host, `${dir}/gluu-test.schema`, o.schema);
    await putHostFile(host, conf, slapdConf, "0600");
    await putHostFile(host, `${dir}/server.crt`, o.cert);
    await putHostFile(host, `${dir}/server.key`, o.key, "0600");
    await putHostFile(host, `${dir}/load.ldif`, o.ldif.replace(/\n*$/, "\n"), "0600");
    await host.run(
        [
            `set -e`,
            `rm -rf ${dir}/data && install -d -m 0700 ${dir}/data`,
            `slapadd -q -f ${conf} -b o=gluu -l ${dir}/load.ldif`,
            `slapd -f ${conf} -h 'ldaps://localhost:${port}/' </dev/null >${dir}/slapd.out 2>&1`,
            `for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null && exit 0; sleep 0.05; done`,
            `echo "slapd did not open ${port}" >&2; cat ${dir}/slapd.out >&2; exit 1`,
        ].join("\n"),
    );
    return {
        dir,
        port,
        conf,
        entry: async (dn: string) => {
            // slapcat's own `-s DN` aborts in slapd 2.5.13 here: read the suffix and pick the entry.
            const all = await host.run(`slapcat -f ${conf} -b o=gluu -o ldif-wrap=no`);
            const found = all.split(/\n\n+/).find((block) => block.split("\n")[0].toLowerCase() === `dn: ${dn}`.toLowerCase());
            if (!found) throw new Error(`slapd holds no entry ${dn}`);
            return found.trimEnd() + "\n";
        },
    };
}

/** Attribute → values of one LDIF entry (unwrapped or wrapped; `::` values decoded). */
export function parseLdifEntry(text: string): Map<string, string[]> {
    const lines: string[] = [];
    for (const l of text.split("\n")) {
        if (l.startsWith(" ") && lines.length) lines[lines.length - 1] += l.slice(1);
        else lines.push(l);
    }
    const out = new Map<string, string[]>();
    for (const l of lines) {
        const m = /^([A-Za-z][A-Za-z0-9-]*)(::?) ?(.*)$/.exec(l);
        if (!m) continue;
        const value = m[2] === "::" ? Buffer.from(m[3], "base64").toString("utf8") : m[3];
        const key = m[1].toLowerCase();
        out.set(key, [...(out.get(key) ?? []), value]);
    }
    return out;
}

// ---------------------------------------------------------------------------------------------------------
// the container root

/**
 * Inside the stand-in container: one tab-separated line per call of a stand-in (first field: `ldapsearch`,
 * `ldapmodify` with their options minus secrets and the trust store's fingerprints; `python` with its version
 * and script name).
 */
export const STANDIN_LOG = "/var/log/gluu-live-standin.log";

/**
 * The stand-in for /opt/opendj/bin/ldapsearch and ldapmodify of Gluu `version` (one script, two names). The
 * CONTRACT it holds the callers to, in two gates:
 * 1. VERSION-FAITHFUL: the arguments must be ones that version's real tool registers (opendjOptions.ts, checked
 *    with OPENDJ_ARGCHECK_PY: long options case-insensitive, `--name=value`, values, trailing words); anything
 *    else exits 89 as the tool's argument parser would refuse it. E.g. `--dontWrap` passes for 3.1.6 (OpenDJ 3.0's
 *    legacy LDAPSearch has `-T/--dontWrap`) and is refused for 4.5 (the SDK LDAPSearch has only `-t/--wrapColumn`).
 * 2. The translation to OpenLDAP's tools takes only `--hostname --port --useSSL --trustStorePath
 *    --trustStorePasswordFile --bindDN --bindPasswordFile`, plus `--baseDN --searchScope` and the version's
 *    no-wrap option for ldapsearch, `--filename` for ldapmodify; other registered options (e.g. `--trustAll`,
 *    short forms, passwords in argv) fail with exit 89 too; no connection without `--useSSL` and a trust store.
 * The trust store is read with the real keytool and OpenLDAP verifies the server certificate (and the name
 * `--hostname`) against exactly its certificates. The password files are read as OpenDJ does (the first line).
 * Wrapping follows the version's default: 3.0 wraps unless `--dontWrap`; 4.x does not wrap unless
 * `--wrapColumn N` (N > 0). The log (`GLUU_STANDIN_LOG`, default STANDIN_LOG) gets one line per call.
 */
export function opendjToolStandin(version: OpenDjTableVersion): string {
    const wrapDefault = version === "3.1.6" ? "on" : "off";
    const wrapCases =
        version === "3.1.6"
            ? `    --dontwrap) [ "$tool" = ldapsearch ] || fail "option $1 is ldapsearch's"; wrap=off; shift ;;`
            : [
                  `    --wrapcolumn) [ "$tool" = ldapsearch ] || fail "option $1 is ldapsearch's"`,
                  `      case "$2" in 0) wrap=off ;; [1-9]|[1-9][0-9]|[1-9][0-9][0-9]) wrap=$2 ;; *) fail "--wrapColumn needs a number, got $2" ;; esac`,
                  `      shift 2 ;;`,
              ].join("\n");
    const head = [
        `#!/bin/bash`,
        `# Stand-in for OpenDJ's $0 of Gluu ${version} (gluu live tests): OpenDJ options in, OpenLDAP's tool out. Not OpenDJ.`,
        `set -euo pipefail`,
        `tool=$(basename "$0")`,
        `log=\${GLUU_STANDIN_LOG:-${STANDIN_LOG}}`,
        `fail() { echo "$tool (stand-in, Gluu ${version}): $*" >&2; printf '%s\\tREFUSED\\t%s\\n' "$tool" "$*" >> "$log"; exit 89; }`,
        `refuse() { fail "$*"; }`,
        opendjArgGateBash(version),
        `# Gate 2: what the stand-in translates.`,
        `host="" port="" ssl=0 store="" store_pin="" bind_dn="" bind_pw="" wrap=${wrapDefault} base="" scope="" file=""`,
        `rest=()`,
        `while [ $# -gt 0 ]; do`,
        `  case "\${1,,}" in`,
        `    --hostname) host=$2; shift 2 ;;`,
        `    --port) port=$2; shift 2 ;;`,
        `    --usessl) ssl=1; shift ;;`,
        `    --truststorepath) store=$2; shift 2 ;;`,
        `    --truststorepasswordfile) store_pin=$2; shift 2 ;;`,
        `    --binddn) bind_dn=$2; shift 2 ;;`,
        `    --bindpasswordfile) bind_pw=$2; shift 2 ;;`,
        wrapCases,
        `    --basedn) [ "$tool" = ldapsearch ] || fail "option $1 is ldapsearch's"; base=$2; shift 2 ;;`,
        `    --searchscope) [ "$tool" = ldapsearch ] || fail "option $1 is ldapsearch's"; scope=$2; shift 2 ;;`,
        `    --filename) [ "$tool" = ldapmodify ] || fail "option $1 is ldapmodify's"; file=$2; shift 2 ;;`,
        `    -*) fail "option $1 is not in the contract (no --trustAll, no short options, no passwords on the command line)" ;;`,
        `    *) rest+=("$1"); shift ;;`,
        `  esac`,
        `done`,
    ].join("\n");
    return head + "\n" + OPENDJ_TOOL_STANDIN_BODY;
}

/** After the options are read: the connection checks and the translation (the same for both versions). */
const OPENDJ_TOOL_STANDIN_BODY = String.raw`[ "$ssl" = 1 ] || fail "refusing a connection without --useSSL"
if [ -z "$store" ] || [ -z "$store_pin" ]; then fail "refusing to connect without --trustStorePath and --trustStorePasswordFile"; fi
if [ -z "$host" ] || [ -z "$port" ]; then fail "--hostname and --port are required"; fi
if [ -z "$bind_dn" ] || [ -z "$bind_pw" ]; then fail "--bindDN and --bindPasswordFile are required"; fi
[ -f "$store" ] || fail "trust store $store does not exist"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The certificates of the caller's trust store, read by the real keytool: the only ones trusted.
keytool=/opt/jre/bin/keytool
"$keytool" -list -rfc -keystore "$store" -storepass:file "$store_pin" > "$work/list" 2>"$work/keytool.err" \
  || fail "keytool cannot read the trust store: $(cat "$work/keytool.err")"
sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' "$work/list" > "$work/trusted.pem"
[ -s "$work/trusted.pem" ] || fail "the trust store holds no certificate"
n=0
while IFS= read -r line; do
  if [ "$line" = "-----BEGIN CERTIFICATE-----" ]; then n=$((n + 1)); fi
  printf '%s\n' "$line" >> "$work/c$n.pem"
done < "$work/trusted.pem"
prints=$(for c in "$work"/c*.pem; do openssl x509 -in "$c" -noout -fingerprint -sha256 | sed 's/^.*=//'; done | paste -sd, -)
# OpenDJ reads the first line of a password file; OpenLDAP's -y takes the whole file.
(umask 077; head -n 1 "$bind_pw" | tr -d '\n' > "$work/pw")
export LDAPTLS_CACERT="$work/trusted.pem" LDAPTLS_REQCERT=demand
# libldap checks a server reached as "localhost" against this machine's own host name instead (its TLS
# code substitutes it), so loopback is addressed by number: the certificate must then hold IP:127.0.0.1.
connect_host=$host
if [ "$host" = localhost ]; then connect_host=127.0.0.1; fi
uri="ldaps://$connect_host:$port"
common=(-x -H "$uri" -D "$bind_dn" -y "$work/pw")
if [ "$tool" = ldapsearch ]; then
  printf '%s\thostname=%s\turi=%s\tbindDN=%s\tbase=%s\tscope=%s\twrap=%s\ttrusted=%s\targs=%s\n' "$tool" "$host" "$uri" "$bind_dn" "$base" "$scope" "$wrap" "$prints" "${"$"}{rest[*]}" >> "$log"
  opts=(-LLL)
  case "$wrap" in off) opts+=(-o ldif-wrap=no) ;; on) ;; *) opts+=(-o "ldif-wrap=$wrap") ;; esac
  [ -n "$base" ] && opts+=(-b "$base")
  [ -n "$scope" ] && opts+=(-s "$scope")
  exec /usr/bin/ldapsearch "${"$"}{common[@]}" "${"$"}{opts[@]}" "${"$"}{rest[@]}"
else
  [ -n "$file" ] || fail "--filename is required"
  [ "${"$"}{#rest[@]}" = 0 ] || fail "unexpected arguments: ${"$"}{rest[*]}"
  printf '%s\thostname=%s\turi=%s\tbindDN=%s\ttrusted=%s\tdns=%s\n' "$tool" "$host" "$uri" "$bind_dn" "$prints" "$(grep -i '^dn:' "$file" | paste -sd, -)" >> "$log"
  exec /usr/bin/ldapmodify "${"$"}{common[@]}" -f "$file"
fi
`;

export interface StandinContainerOptions {
    /** The container root (the profile's `containerRoot`, e.g. /opt/gluu-server-3.1.6). */
    root: string;
    /** The name the steps call (the profile's `setupPython`, e.g. `python`). */
    pythonName: string;
    /**
     * The interpreter behind it: a directory holding bin/pythonX.Y and lib/ (e.g. pyenv's 2.7.18, as the
     * 3.1.6 container has Python 2 only), or undefined for the host's /usr/bin/python3.
     */
    pythonPrefix?: string;
    /** /etc/certs/opendj.crt inside the container (the certificate OpenDJ serves, as setup.py exports it). */
    opendjCert: string;
    /** Whose OpenDJ tools the stand-ins imitate (their options table). Default 3.1.6. */
    version?: OpenDjTableVersion;
}

/** What a 2.7 interpreter from pyenv looks like, when the machine has one (the 3.1.6 container's Python). */
export function pyenvPython27(): string | undefined {
    const dir = path.join(os.homedir(), ".pyenv", "versions", "2.7.18");
    return fs.existsSync(path.join(dir, "bin", "python2.7")) ? dir : undefined;
}

/** The JRE the stand-in mounts at /opt/jre (as Gluu's containers have it): the machine's default java home. */
export function machineJavaHome(): string {
    const keytool = fs.realpathSync("/usr/bin/keytool");
    return path.dirname(path.dirname(keytool));
}

/** Build the stand-in container root on `host` (call once per fresh host) and check that it works. */
export async function buildStandinContainer(host: BedHost, o: StandinContainerOptions): Promise<void> {
    const r = o.root;
    const javaHome = machineJavaHome();
    const javaEtc = fs.readdirSync("/etc").filter((d) => /^java-\d+-openjdk$/.test(d));
    const usrLocal = `/var/lib/gluu-live-standin${r.replace(/\//g, "_")}-usr-local`;
    const interpreter =
        o.pythonPrefix === undefined
            ? "/usr/bin/python3"
            : `/opt/python/bin/${fs.readdirSync(path.join(o.pythonPrefix, "bin")).find((f) => /^python\d\.\d+$/.test(f)) ?? "python"}`;
    const pythonWrapper = [
        `#!/bin/sh`,
        `# The container's ${o.pythonName}: ${o.pythonPrefix === undefined ? "the host's python3" : "the interpreter mounted at /opt/python"}.`,
        o.pythonPrefix === undefined ? `` : `LD_LIBRARY_PATH=/opt/python/lib; export LD_LIBRARY_PATH`,
        `printf 'python\\t%s\\t%s\\n' "$(${interpreter} -c 'import sys; print("%d.%d" % sys.version_info[:2])')" "$(basename "\${1:-}")" >> ${STANDIN_LOG}`,
        `exec ${interpreter} "$@"`,
        ``,
    ].join("\n");
    const lines = [
        `set -euo pipefail`,
        `r=${bq(r)}`,
        `install -d -m 0755 "$r" "$r/usr" "$r/dev" "$r/proc" "$r/etc/certs" "$r/opt/opendj/bin" "$r/opt/jre" "$r/opt/python" "$r/var/log" "$r/var/lib"`,
        `install -d -m 0700 "$r/root"`,
        `install -d -m 1777 "$r/tmp"`,
        `for d in bin sbin lib lib64; do ln -sfn "usr/$d" "$r/$d"; done`,
        `# The host's programs, read-only; the container's own /usr/local (its python) over them.`,
        `mount --bind /usr "$r/usr" && mount -o remount,bind,ro "$r/usr"`,
        `install -d -m 0755 ${usrLocal}/bin`,
        `mount --bind ${usrLocal} "$r/usr/local"`,
        `mount --bind /dev "$r/dev"`,
        `mount -t proc proc "$r/proc"`,
        `mount --bind ${bq(javaHome)} "$r/opt/jre" && mount -o remount,bind,ro "$r/opt/jre"`,
        ...javaEtc.map((d) => `install -d "$r/etc/${d}" && mount --bind /etc/${d} "$r/etc/${d}" && mount -o remount,bind,ro "$r/etc/${d}"`),
        o.pythonPrefix === undefined ? `: python is the host python3` : `mount --bind ${bq(o.pythonPrefix)} "$r/opt/python" && mount -o remount,bind,ro "$r/opt/python"`,
        `cp /etc/passwd /etc/group /etc/hosts /etc/nsswitch.conf "$r/etc/"`,
        `: > "$r${STANDIN_LOG}"`,
    ];
    await host.run(lines.join("\n"));
    await putHostFile(host, `${usrLocal}/bin/${o.pythonName}`, pythonWrapper, "0755");
    await putHostFile(host, `${r}/opt/opendj/bin/ldapsearch`, opendjToolStandin(o.version ?? "3.1.6"), "0755");
    await host.run(`ln -sfn ldapsearch ${bq(`${r}/opt/opendj/bin/ldapmodify`)}`);
    await putHostFile(host, `${r}/etc/certs/opendj.crt`, o.opendjCert);
    // The container works: its bash, python (with json), keytool and OpenLDAP tools run inside the chroot.
    await host.run(
        `chroot ${bq(r)} /bin/bash -c ${bq(`set -e; command -v ${o.pythonName} >/dev/null; ${o.pythonName} -c 'import json, base64, collections'; /opt/jre/bin/keytool -help >/dev/null 2>&1; /usr/bin/ldapsearch -VV >/dev/null 2>&1`)} && : > ${bq(r + STANDIN_LOG)}`,
    );
}
