// LDAP JSON edits for the cluster (LdapCacheConfig): oxCacheConfiguration → Redis behind the local stunnel,
// oxIDPAuthentication's LDAP server list, and the one Cache Refresh server.
//
// o=gluu is replicated, so the edit runs once, on the primary. The current values live in LDAP, so the
// transformation runs inside the container at apply time: a small Python program (the same rules as the pure
// TypeScript functions below; tests run both and compare) reads the entry with ldapsearch, computes the new
// JSON and applies an LDIF with ldapmodify only when something differs.
// Facts: ../../shared/reference/gluu-facts.md §3.

import * as crypto from "crypto";
import { GluuVersionProfile } from "../profiles";
import { inContainer } from "./container";
import { assertPort, DIRECTORY_MANAGER_DN, OPENDJ_BIN, OPENDJ_CONFIG, secretFilesFromStdin, secretLine } from "./opendj";
import { heredoc, script, shq } from "./shell";

// ---------------------------------------------------------------------------------------------------------
// Encryption with Gluu's encodeSalt (setup.py `obscure()`, Java StringEncrypter: DESede/ECB/PKCS5)

function saltKey(salt: string): Buffer {
    const key = Buffer.from(salt, "utf8");
    if (key.length !== 24) {
        throw new Error(
            `\`encodeSalt\` must be exactly 24 bytes (Gluu's /etc/gluu/conf/salt value), got ${key.length}: use the cluster's salt`,
        );
    }
    return key;
}

/**
 * Encrypt a value the way Gluu stores passwords in LDAP JSON (e.g. `redisConfiguration.password`):
 * 3DES-ECB with key = the 24-byte `encodeSalt`, PKCS5 padding, base64.
 */
export function encryptWithSalt(plain: string, salt: string): string {
    const cipher = crypto.createCipheriv("des-ede3", saltKey(salt), null);
    return Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]).toString("base64");
}

/** Inverse of `encryptWithSalt`. */
export function decryptWithSalt(encrypted: string, salt: string): string {
    const decipher = crypto.createDecipheriv("des-ede3", saltKey(salt), null);
    return Buffer.concat([decipher.update(Buffer.from(encrypted, "base64")), decipher.final()]).toString("utf8");
}

// ---------------------------------------------------------------------------------------------------------
// Pure JSON transformations

/** oxIDPAuthentication entries whose `config.configId` is this are Gluu's own LDAP; others are left alone. */
export const IDP_CONFIG_ID = "auth_ldap_server";

/** oxCacheConfiguration as setup.py writes it (3.1.6 template); used only when the attribute is missing. */
export const DEFAULT_CACHE_CONFIGURATION =
    '{"cacheProviderType":"IN_MEMORY",' +
    '"memcachedConfiguration":{"servers":"localhost:11211","maxOperationQueueLength":100000,"bufferSize":32768,' +
    '"defaultPutExpiration":60,"connectionFactoryType":"DEFAULT"},' +
    '"inMemoryConfiguration":{"defaultPutExpiration":60},' +
    '"nativePersistenceConfiguration":{"defaultPutExpiration":60},' +
    '"redisConfiguration":{"servers":"localhost:6379","defaultPutExpiration":60}}';

type JsonObject = { [k: string]: unknown };

function isObject(v: unknown): v is JsonObject {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parseObject(field: string, text: string): JsonObject {
    let v: unknown;
    try {
        v = JSON.parse(text);
    } catch (e) {
        throw new Error(`\`${field}\` is not valid JSON (${(e as Error).message}): fix the value in LDAP first`);
    }
    if (!isObject(v)) {
        throw new Error(`\`${field}\` must be a JSON object`);
    }
    return v;
}

/** `host:port` list entries: plain host names/addresses with a valid port. */
function assertServer(field: string, value: string): string {
    const m = /^([A-Za-z0-9][A-Za-z0-9.-]*):([0-9]+)$/.exec(value);
    if (!m) {
        throw new Error(`\`${field}\` must be host:port (e.g. localhost:16379), got ${JSON.stringify(value)}`);
    }
    assertPort(field, Number(m[2]));
    return value;
}

/**
 * Gluu's cache provider the edit selects: `REDIS` (a Redis reached through the node's localhost:16379) or
 * `NATIVE_PERSISTENCE` (tokens and sessions as entries under `ou=cache,<baseDn>` of the replicated directory; no
 * cache host). Both exist in both versions: GluuFederation/oxCore@version_3.1.6
 * oxService/src/main/java/org/xdi/service/cache/CacheProviderType.java and @version_4.5.3
 * core-cache/src/main/java/org/gluu/service/cache/CacheProviderType.java: `IN_MEMORY, MEMCACHED, REDIS,
 * NATIVE_PERSISTENCE`.
 */
export const CacheProvider = { Redis: "REDIS", NativePersistence: "NATIVE_PERSISTENCE" } as const;
export type CacheProvider = (typeof CacheProvider)[keyof typeof CacheProvider];

/**
 * `nativePersistenceConfiguration` when the entry has none: oxCore's NativePersistenceConfiguration fields
 * (3.1.6: `defaultPutExpiration` 60, `defaultCleanupBatchSize` 25; 4.5.3 adds `deleteExpiredOnGetRequest` false and
 * makes the batch 1000; `baseDn` is @JsonIgnore, set by oxAuth itself). Jackson keeps a class default for every
 * field the JSON leaves out (@JsonIgnoreProperties(ignoreUnknown = true)), so only the expiration is written.
 */
export const DEFAULT_NATIVE_PERSISTENCE = Object.freeze({ defaultPutExpiration: 60 });

/** Options of `cacheConfigurationJson`. */
export interface CacheConfigurationOptions {
    /** Provider to select. Default `REDIS`. With `NATIVE_PERSISTENCE`, `redisConfiguration` is left as it is. */
    provider?: CacheProvider;
    /** Redis `servers` as every node reaches it (the local stunnel client). Default `localhost:16379`. */
    servers?: string;
    /** Redis password already encrypted with `encryptWithSalt`; empty/undefined removes `password`. */
    encryptedPassword?: string;
    /** `redisConfiguration.defaultPutExpiration` in seconds; undefined keeps the current value. */
    defaultPutExpiration?: number;
}

/**
 * New oxCacheConfiguration JSON: `cacheProviderType` REDIS, `redisConfiguration.redisProviderType`
 * STANDALONE, `servers`, `password` (encrypted), no `decryptedPassword`; every other field is kept in place.
 * `current` undefined starts from DEFAULT_CACHE_CONFIGURATION. Compact JSON, key order preserved.
 */
export function cacheConfigurationJson(current: string | undefined, opts: CacheConfigurationOptions): string {
    const servers = opts.servers ?? "localhost:16379";
    servers.split(",").forEach((s, i) => assertServer(`servers[${i}]`, s));
    if (opts.encryptedPassword && !/^[A-Za-z0-9+/]+=*$/.test(opts.encryptedPassword)) {
        throw new Error("`encryptedPassword` must be the base64 text from encryptWithSalt");
    }
    if (opts.defaultPutExpiration !== undefined && (!Number.isInteger(opts.defaultPutExpiration) || opts.defaultPutExpiration < 1)) {
        throw new Error("`defaultPutExpiration` must be a positive integer (seconds)");
    }
    const obj = parseObject("oxCacheConfiguration", current ?? DEFAULT_CACHE_CONFIGURATION);
    const provider = opts.provider ?? "REDIS";
    if (provider === "NATIVE_PERSISTENCE") {
        obj.cacheProviderType = provider;
        if (!isObject(obj.nativePersistenceConfiguration)) {
            obj.nativePersistenceConfiguration = { ...DEFAULT_NATIVE_PERSISTENCE };
        }
        if (opts.defaultPutExpiration !== undefined) {
            (obj.nativePersistenceConfiguration as JsonObject).defaultPutExpiration = opts.defaultPutExpiration;
        }
        return JSON.stringify(obj);
    }
    if (provider !== "REDIS") {
        throw new Error(`\`provider\` must be "REDIS" or "NATIVE_PERSISTENCE", got ${JSON.stringify(provider)}`);
    }
    obj.cacheProviderType = "REDIS";
    let redis = obj.redisConfiguration;
    if (!isObject(redis)) {
        redis = {};
        obj.redisConfiguration = redis;
    }
    const r = redis as JsonObject;
    r.redisProviderType = "STANDALONE";
    r.servers = servers;
    if (opts.encryptedPassword) {
        r.password = opts.encryptedPassword;
    } else {
        delete r.password;
    }
    if (opts.defaultPutExpiration !== undefined) {
        r.defaultPutExpiration = opts.defaultPutExpiration;
    }
    delete r.decryptedPassword;
    return JSON.stringify(obj);
}

/**
 * New value of one oxIDPAuthentication entry with `config.servers` set to `servers` (each `host:port`).
 * `config` is written as a JSON string when `profile.idpAuthConfigIsString` (3.1.6) and as an object otherwise
 * (4.x); either form is read. Entries whose `config.configId` is not IDP_CONFIG_ID are returned unchanged.
 */
export function idpAuthenticationJson(current: string, servers: string[], profile: GluuVersionProfile): string {
    if (servers.length === 0) {
        throw new Error("`idpServers` must list at least one host:port (e.g. 10.0.0.11:1636)");
    }
    servers.forEach((s, i) => assertServer(`idpServers[${i}]`, s));
    const obj = parseObject("oxIDPAuthentication", current);
    const cfg = typeof obj.config === "string" ? parseObject("oxIDPAuthentication.config", obj.config) : obj.config;
    if (!isObject(cfg) || cfg.configId !== IDP_CONFIG_ID) {
        return current;
    }
    cfg.servers = [...servers];
    obj.config = profile.idpAuthConfigIsString ? JSON.stringify(cfg) : cfg;
    return JSON.stringify(obj);
}

/** The LDAP entry that holds the JSON attributes for this profile (`inumAppliance` is needed for 3.1.6). */
export function configurationDn(profile: GluuVersionProfile, inumAppliance?: string): string {
    if (!profile.configurationDn.includes("{inumAppliance}")) {
        return profile.configurationDn;
    }
    if (inumAppliance === undefined || !/^[A-Za-z0-9@!.]+$/.test(inumAppliance)) {
        throw new Error(
            `\`inumAppliance\` must be the appliance inum from setup.properties (letters, digits, @ ! .) for Gluu ${profile.version}, got ${JSON.stringify(inumAppliance)}`,
        );
    }
    return profile.configurationDn.replace("{inumAppliance}", inumAppliance);
}

/**
 * LDIF (changetype modify) that replaces the given attributes of `dn`: oxCacheConfiguration (one value),
 * oxIDPAuthentication (all values, in order), both base64 (`attr:: ...`), and
 * oxTrustCacheRefreshServerIpAddress (plain). Undefined parts are left out; "" when nothing is left.
 */
export function cacheConfigLdif(
    dn: string,
    cacheJson: string | undefined,
    idpJson: string | string[] | undefined,
    cacheRefreshServerIp?: string,
): string {
    if (!/^[A-Za-z][A-Za-z0-9-]*=[A-Za-z0-9@!.-]+(,[A-Za-z][A-Za-z0-9-]*=[A-Za-z0-9@!.-]+)*$/.test(dn)) {
        throw new Error(`\`dn\` must be a plain DN like ou=configuration,o=gluu, got ${JSON.stringify(dn)}`);
    }
    const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
    const out = [`dn: ${dn}`, "changetype: modify"];
    let any = false;
    if (cacheJson !== undefined) {
        out.push("replace: oxCacheConfiguration", `oxCacheConfiguration:: ${b64(cacheJson)}`, "-");
        any = true;
    }
    if (idpJson !== undefined) {
        const values = Array.isArray(idpJson) ? idpJson : [idpJson];
        out.push("replace: oxIDPAuthentication", ...values.map((v) => `oxIDPAuthentication:: ${b64(v)}`), "-");
        any = true;
    }
    if (cacheRefreshServerIp !== undefined) {
        if (!/^[A-Za-z0-9][A-Za-z0-9.:-]*$/.test(cacheRefreshServerIp)) {
            throw new Error(`\`cacheRefreshServerIp\` must be an IP address, got ${JSON.stringify(cacheRefreshServerIp)}`);
        }
        out.push(
            "replace: oxTrustCacheRefreshServerIpAddress",
            `oxTrustCacheRefreshServerIpAddress: ${cacheRefreshServerIp}`,
            "-",
        );
        any = true;
    }
    return any ? out.join("\n") + "\n" : "";
}

// ---------------------------------------------------------------------------------------------------------
// The in-container editor (Python 2 and 3: 3.1.6 containers have python2 only, 4.5 has python3; jq is not
// part of either container, while setup.py guarantees the profile's `setupPython`).

/**
 * Python program (2.7 and 3.x) run inside the container:
 * `edit.py CURRENT_LDIF CHANGE_LDIF REDIS_PASSWORD_FILE SETTINGS_JSON`. Reads the entry from CURRENT_LDIF
 * (ldapsearch output, `::` base64 values decoded), applies the same rules as `cacheConfigurationJson`,
 * `idpAuthenticationJson` and `cacheConfigLdif`, compares values as parsed JSON, and writes CHANGE_LDIF only
 * for attributes that differ (empty file when nothing does). Prints one changed attribute name per line.
 */
export const CACHE_CONFIG_EDIT_PY = String.raw`# -*- coding: utf-8 -*-
import base64
import collections
import json
import sys

TEXT = type(u'')
STRINGS = (str, TEXT)
DEFAULT_CACHE = ${JSON.stringify(DEFAULT_CACHE_CONFIGURATION)}
IDP_CONFIG_ID = '${IDP_CONFIG_ID}'
DEFAULT_NATIVE = ${JSON.stringify(Object.entries(DEFAULT_NATIVE_PERSISTENCE))}


def load(s):
    return json.loads(s, object_pairs_hook=collections.OrderedDict)


def dump(o):
    s = json.dumps(o, separators=(',', ':'), ensure_ascii=False)
    if not isinstance(s, TEXT):
        s = s.decode('utf-8')
    return s


def read_ldif(path):
    with open(path, 'rb') as f:
        text = f.read().decode('utf-8')
    lines = []
    for raw in text.split('\n'):
        raw = raw.rstrip('\r')
        if raw.startswith(' ') and lines:
            lines[-1] += raw[1:]
        else:
            lines.append(raw)
    values = {}
    found = False
    for line in lines:
        if not line or line.startswith('#') or ':' not in line:
            continue
        name, rest = line.split(':', 1)
        if name.lower() == 'dn':
            found = True
            continue
        if rest.startswith(':'):
            value = base64.b64decode(rest[1:].strip()).decode('utf-8')
        else:
            value = rest.lstrip(' ')
        values.setdefault(name.lower(), []).append(value)
    if not found:
        sys.stderr.write('the configuration entry was not found in LDAP\n')
        sys.exit(1)
    return values


def new_cache(current, settings, password):
    obj = load(current if current is not None else DEFAULT_CACHE)
    if not isinstance(obj, dict):
        raise ValueError('oxCacheConfiguration is not a JSON object')
    if settings.get('provider') == 'NATIVE_PERSISTENCE':
        obj['cacheProviderType'] = 'NATIVE_PERSISTENCE'
        native = obj.get('nativePersistenceConfiguration')
        if not isinstance(native, dict):
            native = collections.OrderedDict(DEFAULT_NATIVE)
            obj['nativePersistenceConfiguration'] = native
        if settings.get('defaultPutExpiration') is not None:
            native['defaultPutExpiration'] = settings['defaultPutExpiration']
        return obj
    obj['cacheProviderType'] = 'REDIS'
    redis = obj.get('redisConfiguration')
    if not isinstance(redis, dict):
        redis = collections.OrderedDict()
        obj['redisConfiguration'] = redis
    redis['redisProviderType'] = 'STANDALONE'
    redis['servers'] = settings['redisServers']
    if password:
        redis['password'] = password
    else:
        redis.pop('password', None)
    if settings.get('defaultPutExpiration') is not None:
        redis['defaultPutExpiration'] = settings['defaultPutExpiration']
    redis.pop('decryptedPassword', None)
    return obj


def new_idp(current, settings):
    obj = load(current)
    if not isinstance(obj, dict):
        raise ValueError('oxIDPAuthentication is not a JSON object')
    cfg = obj.get('config')
    if isinstance(cfg, STRINGS):
        cfg = load(cfg)
    if not isinstance(cfg, dict) or cfg.get('configId') != IDP_CONFIG_ID:
        return None
    cfg['servers'] = list(settings['idpServers'])
    obj['config'] = dump(cfg) if settings['idpConfigIsString'] else cfg
    return obj


def plain(obj):
    # Plain dicts compare by content; OrderedDicts would also compare key order.
    return json.loads(dump(obj))


def comparable(obj):
    # config may be a JSON string (3.1.6): compare what it means, not how it is spelled.
    obj = plain(obj)
    if isinstance(obj, dict) and isinstance(obj.get('config'), STRINGS):
        try:
            obj['config'] = json.loads(obj['config'])
        except ValueError:
            pass
    return obj


def b64(s):
    return base64.b64encode(s.encode('utf-8')).decode('ascii')


def main():
    current_path, change_path, password_path, settings_json = sys.argv[1:5]
    settings = json.loads(settings_json)
    with open(password_path, 'rb') as f:
        password = f.read().decode('utf-8').strip()
    b64chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/='
    if password and not all(c in b64chars for c in password):
        sys.stderr.write('the encrypted Redis password (stdin line 2) is not base64 text\n')
        sys.exit(1)
    values = read_ldif(current_path)
    out = ['dn: ' + settings['dn'], 'changetype: modify']
    changed = []

    caches = values.get('oxcacheconfiguration', [])
    current = caches[0] if caches else None
    cache = new_cache(current, settings, password)
    if current is None or len(caches) != 1 or plain(load(current)) != plain(cache):
        out += ['replace: oxCacheConfiguration', 'oxCacheConfiguration:: ' + b64(dump(cache)), '-']
        changed.append('oxCacheConfiguration')

    idps = values.get('oxidpauthentication', [])
    new_values = []
    idp_changed = False
    for value in idps:
        obj = new_idp(value, settings)
        if obj is None or comparable(load(value)) == comparable(obj):
            new_values.append(value)
        else:
            new_values.append(dump(obj))
            idp_changed = True
    if idp_changed:
        out.append('replace: oxIDPAuthentication')
        out += ['oxIDPAuthentication:: ' + b64(v) for v in new_values]
        out.append('-')
        changed.append('oxIDPAuthentication')

    ip = settings.get('cacheRefreshServerIp')
    if ip is not None and values.get('oxtrustcacherefreshserveripaddress', []) != [ip]:
        out += ['replace: oxTrustCacheRefreshServerIpAddress', 'oxTrustCacheRefreshServerIpAddress: ' + ip, '-']
        changed.append('oxTrustCacheRefreshServerIpAddress')

    with open(change_path, 'wb') as f:
        if changed:
            f.write(('\n'.join(out) + '\n').encode('utf-8'))
    for name in changed:
        sys.stdout.write(name + '\n')


if __name__ == '__main__':
    main()
`;

/** Arguments of `ldapCacheConfigScript`. */
export interface LdapCacheConfigOptions {
    /** Gluu version profile. */
    profile: GluuVersionProfile;
    /** Appliance inum (3.1.6 only: the entry is `inum=<inumAppliance>,ou=appliances,o=gluu`). */
    inumAppliance?: string;
    /** Cache provider to select. Default `REDIS`. */
    cacheProvider?: CacheProvider;
    /** redisConfiguration.servers (comma-separated host:port). Default `localhost:16379` (the node's stunnel). */
    redisServers?: string;
    /** oxIDPAuthentication config.servers, e.g. every node's `ip:1636`. */
    idpServers: string[];
    /** oxTrustCacheRefreshServerIpAddress: the ONE node that runs Cache Refresh. Unset leaves it alone. */
    cacheRefreshServerIp?: string;
    /** redisConfiguration.defaultPutExpiration in seconds; unset keeps the current value. */
    defaultPutExpiration?: number;
    /** LDAPS port of the local OpenDJ. Default 1636. */
    ldapsPort?: number;
}

/** Stdin of `ldapCacheConfigScript`: line 1 Directory Manager password, line 2 encrypted Redis password (none with NATIVE_PERSISTENCE). */
export function ldapCacheConfigStdin(directoryManagerPassword: string, encryptedRedisPassword: string | undefined): string {
    // undefined only for NATIVE_PERSISTENCE, which has no cache password: then stdin is the one Directory Manager line.
    if (encryptedRedisPassword === undefined) {
        return secretLine("directoryManagerPassword", directoryManagerPassword);
    }
    if (!/^[A-Za-z0-9+/]+=*$/.test(encryptedRedisPassword)) {
        throw new Error("`encryptedRedisPassword` must be the base64 text from encryptWithSalt(redisPassword, encodeSalt)");
    }
    return secretLine("directoryManagerPassword", directoryManagerPassword) + encryptedRedisPassword + "\n";
}

/**
 * Point Gluu's cache at Redis and its LDAP authentication at all nodes (runs on the primary's HOST; the work
 * happens inside the container). Reads oxCacheConfiguration, oxIDPAuthentication and
 * oxTrustCacheRefreshServerIpAddress with the container's ldapsearch over LDAPS on localhost, VERIFYING the
 * server certificate against /etc/certs/opendj.crt (the certificate setup.py exported from this OpenDJ; a
 * throw-away JKS trust store is built from it, because config/truststore is not present in every packaging),
 * computes the new values with CACHE_CONFIG_EDIT_PY, and applies a base64 LDIF with ldapmodify only when
 * something differs. A re-run prints "... unchanged". oxAuth and oxTrust read these values at startup only:
 * restart them afterwards (certs.ts `restartGluuServicesScript`).
 *
 * stdin: line 1 = Directory Manager password, line 2 = the Redis password already encrypted with the
 * cluster's encodeSalt (`encryptWithSalt`), so no salt reaches the host (see `ldapCacheConfigStdin`).
 */
export function ldapCacheConfigScript(o: LdapCacheConfigOptions): string {
    const profile = o.profile;
    const dn = configurationDn(profile, o.inumAppliance);
    const ldapsPort = assertPort("ldapsPort", o.ldapsPort ?? 1636);
    // Validate every value here (the errors name the field); the script itself only quotes them.
    const redisServers = o.redisServers ?? "localhost:16379";
    const provider = o.cacheProvider ?? "REDIS";
    cacheConfigurationJson(undefined, { provider, servers: redisServers, defaultPutExpiration: o.defaultPutExpiration });
    if (o.idpServers.length === 0) {
        throw new Error("`idpServers` must list at least one host:port (e.g. 10.0.0.11:1636)");
    }
    o.idpServers.forEach((s, i) => assertServer(`idpServers[${i}]`, s));
    cacheConfigLdif(dn, undefined, undefined, o.cacheRefreshServerIp);
    const settings = JSON.stringify({
        dn,
        provider,
        redisServers,
        idpServers: o.idpServers,
        idpConfigIsString: profile.idpAuthConfigIsString,
        cacheRefreshServerIp: o.cacheRefreshServerIp ?? null,
        defaultPutExpiration: o.defaultPutExpiration ?? null,
    });
    // Unwrapped LDIF: 3.0's legacy ldapsearch wraps at 80 columns unless -T/--dontWrap; 4.x's SDK ldapsearch has
    // no --dontWrap (unknown options end it) and -t/--wrapColumn 0 = no wrapping (profiles.ts
    // `ldapsearchNoWrapArgs`; sources in test/live/opendjOptions.ts). edit.py also unfolds continuation lines.
    const ldapArgs = [
        `--hostname localhost --port ${ldapsPort} --useSSL`,
        `--trustStorePath "$trust_store" --trustStorePasswordFile "$trust_pin"`,
        `--bindDN ${shq(DIRECTORY_MANAGER_DN)} --bindPasswordFile "$dm_pw_file"`,
    ].join(" ");
    const inner = script(
        `Inside the Gluu ${profile.version} container: set oxCacheConfiguration and oxIDPAuthentication`,
        [
            `dj_bin=${shq(OPENDJ_BIN)}`,
            `if [ -d /opt/jre ]; then export OPENDJ_JAVA_HOME=/opt/jre; fi`,
            `py=${shq(profile.setupPython)}`,
            `if ! command -v "$py" >/dev/null 2>&1; then echo "$py (setup.py's interpreter) is missing in the container" >&2; exit 1; fi`,
            `keytool_bin=/opt/jre/bin/keytool`,
            `[ -x "$keytool_bin" ] || keytool_bin=$(command -v keytool) || { echo "keytool not found in the container" >&2; exit 1; }`,
        ].join("\n"),
        provider === "NATIVE_PERSISTENCE"
            ? // No cache password: the editor reads an empty one and leaves redisConfiguration alone.
              secretFilesFromStdin([{ variable: "dm_pw_file", what: "the Directory Manager password" }]) + `\nredis_pw_file=/dev/null`
            : secretFilesFromStdin([
                  { variable: "dm_pw_file", what: "the Directory Manager password" },
                  { variable: "redis_pw_file", what: "the encrypted Redis password" },
              ]),
        [
            `work="$secret_dir"`,
            `# Trust exactly the certificate this OpenDJ serves. The store holds only that public certificate, so`,
            `# its password (a file, as keytool and ldapsearch accept) protects nothing and is not a secret.`,
            `trust_pin="$work/trust.pin"`,
            `printf '%s\\n' changeit > "$trust_pin"`,
            `if [ -f /etc/certs/opendj.crt ]; then`,
            `  trust_store="$work/ldaps-trust.jks"`,
            `  "$keytool_bin" -importcert -noprompt -alias opendj -file /etc/certs/opendj.crt -keystore "$trust_store" \\`,
            `    -storetype JKS -storepass:file "$trust_pin" >/dev/null 2>&1 \\`,
            `    || { echo "keytool could not read /etc/certs/opendj.crt into a trust store" >&2; exit 1; }`,
            `elif [ -f ${shq(OPENDJ_CONFIG)}/truststore ]; then`,
            `  trust_store=${shq(OPENDJ_CONFIG)}/truststore`,
            `  trust_pin=${shq(OPENDJ_CONFIG)}/keystore.pin`,
            `else`,
            `  echo "neither /etc/certs/opendj.crt nor ${OPENDJ_CONFIG}/truststore exists: cannot verify LDAPS" >&2`,
            `  exit 1`,
            `fi`,
            heredoc(`cat > "$work/edit.py"`, CACHE_CONFIG_EDIT_PY),
            `"$dj_bin/ldapsearch" ${ldapArgs} \\`,
            `  ${profile.ldapsearchNoWrapArgs.map(shq).join(" ")} --baseDN ${shq(dn)} --searchScope base '(objectClass=*)' \\`,
            `  oxCacheConfiguration oxIDPAuthentication oxTrustCacheRefreshServerIpAddress > "$work/current.ldif"`,
            `changed=$("$py" "$work/edit.py" "$work/current.ldif" "$work/change.ldif" "$redis_pw_file" ${shq(settings)})`,
            `if [ -s "$work/change.ldif" ]; then`,
            `  "$dj_bin/ldapmodify" ${ldapArgs} --filename "$work/change.ldif" >/dev/null`,
            `  while IFS= read -r name; do echo "changed $name on "${shq(dn)}; done <<< "$changed"`,
            `else`,
            `  echo "oxCacheConfiguration, oxIDPAuthentication and the Cache Refresh server are unchanged"`,
            `fi`,
        ].join("\n"),
    );
    return script(`Configure the ${provider} cache and LDAP servers in o=gluu (Gluu ${profile.version})`, inContainer(profile, inner));
}
