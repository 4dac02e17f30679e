// HAProxy on each Gluu node for the `redis-ha` cache: oxAuth keeps talking plain Redis to 127.0.0.1:16379 on its
// own node (the address LdapCacheConfig writes, unchanged from the single-cache setup), and HAProxy carries each
// connection over mutually authenticated TLS to whichever cache host answers `role:master` right now.
//
// Why HAProxy and not a Sentinel-aware client: Gluu 3.1.6's oxCore has no SENTINEL provider at all
// (GluuFederation/oxCore@version_3.1.6 RedisProviderType: STANDALONE, CLUSTER, SHARDED), and 4.x's Jedis SENTINEL
// mode would mean Gluu settings that change with the topology and TLS from Jedis itself; a local proxy serves
// both versions with the same `localhost:16379` STANDALONE setting, and a failover changes nothing in Gluu.
//
// The directives used exist in every HAProxy the Gluu hosts ship (CentOS 7: 1.5.18; Ubuntu 16.04, Gluu 3.1.6's:
// 1.6.3; Ubuntu 20.04: 2.0; Ubuntu 22.04: 2.4; the bed's Debian 12: 2.6), hence no `hard-stop-after` (1.8+) and the
// server options on each server line: `mode tcp`, `option tcp-check` with `tcp-check send`/`expect string`/
// `expect rstring`, server `ssl verify required ca-file crt verifyhost check-ssl`, `on-marked-down
// shutdown-sessions` (HAProxy configuration manual, sections 4.2 and 5.2 of each of those versions). The
// health check is the HAProxy manual's own Redis example (`tcp-check send info\ replication\r\n`,
// `tcp-check expect string role:master`), preceded by AUTH because the cache requires a password.

import { APT_FUNCTIONS, PUT_FILE_FUNCTION, SERVICE_FUNCTIONS, assertToken, heredoc, pendingRestart, script } from "./shell";
import { assertHost, assertPort } from "./stunnel";
import { REDIS_HA_PORTS } from "./redisHa";

/** HAProxy's files on a Gluu node. */
export const HAPROXY_PATHS = Object.freeze({
    /** The whole configuration (Debian/Ubuntu's service reads only this file); 0600 root: the check holds the password. */
    conf: "/etc/haproxy/haproxy.cfg",
    /** This node's client certificate and key in one PEM (HAProxy's `crt`); 0600 root, read before HAProxy drops root. */
    clientPem: "/etc/haproxy/gluu-redis-client.pem",
    /** The cluster CA. */
    ca: "/etc/haproxy/gluu-cluster-ca.crt",
});

/** Marker the rendered configuration carries where the password goes (the script substitutes it from stdin). */
export const HAPROXY_PASSWORD_PLACEHOLDER = "@GLUU_REDIS_PASSWORD@";

/** A cache host as HAProxy sees it. */
export interface HaproxyRedisServer {
    /** Its name: also the name its certificate holds (`verifyhost`). */
    name: string;
    /** Its private address. */
    address: string;
}

/** Health-check timing and the write-safety coupling. */
export interface HaproxyCheckOptions {
    /** Milliseconds between checks of each server. Default 1000. */
    checkIntervalMs?: number;
    /** Failed checks before a server is out. Default 2. */
    fall?: number;
    /** Passed checks before a server is in. Default 2. */
    rise?: number;
    /**
     * Also require a connected replica (`connected_slaves:` ≥ 1) before sending traffic to a primary. Set when
     * `min-replicas-to-write` ≥ 1: such a primary refuses writes anyway, and a restarted old primary that still
     * calls itself master for the seconds before Sentinel demotes it gets no reads either. Default `false`.
     */
    requireReplica?: boolean;
}

/** Options of `haproxyRedisConf`. */
export interface HaproxyRedisConfOptions extends HaproxyCheckOptions {
    /** The cache hosts. */
    servers: HaproxyRedisServer[];
    /** Local port on 127.0.0.1 (what oxAuth uses). Default 16379. */
    localPort?: number;
    /** Redis's TLS port on the cache hosts. Default 16379. */
    redisPort?: number;
}

function int(field: string, v: number, min: number, max: number): number {
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`\`${field}\` must be an integer ${min}–${max}, got ${JSON.stringify(v)}.`);
    return v;
}

/**
 * The HAProxy configuration (with HAPROXY_PASSWORD_PLACEHOLDER where the check sends AUTH). Plain TCP on
 * 127.0.0.1 only; TLS to the servers with this node's certificate, the server's chain checked against the
 * cluster CA and its name against `verifyhost`. A server that stops being the primary is taken out and its
 * client connections cut (`on-marked-down shutdown-sessions`), so oxAuth's pool reconnects to the new one.
 */
export function haproxyRedisConf(o: HaproxyRedisConfOptions): string {
    if (o.servers.length < 1) throw new Error("`servers` must list the cache hosts.");
    const local = assertPort("localPort", o.localPort ?? REDIS_HA_PORTS.local);
    const port = assertPort("redisPort", o.redisPort ?? REDIS_HA_PORTS.redis);
    const inter = int("checkIntervalMs", o.checkIntervalMs ?? 1000, 100, 60000);
    const fall = int("fall", o.fall ?? 2, 1, 10);
    const rise = int("rise", o.rise ?? 2, 1, 10);
    const names = new Set<string>();
    const servers = o.servers.map((s, i) => {
        if (!/^[a-z0-9][a-z0-9-]*$/.test(s.name)) throw new Error(`\`servers[${i}].name\` must be a lower-case host name, got ${JSON.stringify(s.name)}.`);
        if (names.has(s.name)) throw new Error(`\`servers[${i}].name\` ${s.name} is listed twice.`);
        names.add(s.name);
        // Every option on the server line: HAProxy 1.5/1.6 accept ssl, crt, ca-file and verify only there, not in
        // default-server (configuration manual 5.2, "Supported in default-server: No" before 1.8).
        return `    server ${s.name} ${assertHost(`servers[${i}].address`, s.address)}:${port} check check-ssl inter ${inter} fall ${fall} rise ${rise} on-marked-down shutdown-sessions ssl verify required ca-file ${HAPROXY_PATHS.ca} crt ${HAPROXY_PATHS.clientPem} verifyhost ${s.name}`;
    });
    return [
        "# Managed by gluu-cluster (redis-ha): the local Redis endpoint of this Gluu node.",
        "global",
        "    daemon",
        "    maxconn 4096",
        "    user haproxy",
        "    group haproxy",
        "    stats socket /run/haproxy/admin.sock mode 600 level admin",
        "",
        "defaults",
        "    mode tcp",
        "    timeout connect 2s",
        "    # oxAuth's Redis pool keeps connections open between requests (stunnel's TIMEOUTidle is 3600 s too).",
        "    timeout client 1h",
        "    timeout server 1h",
        "    timeout check 2s",
        "",
        "listen gluu-redis",
        `    bind 127.0.0.1:${local}`,
        "    mode tcp",
        "    balance first",
        "    option tcp-check",
        `    tcp-check send AUTH\\ ${HAPROXY_PASSWORD_PLACEHOLDER}\\r\\n`,
        "    tcp-check expect string +OK",
        "    tcp-check send PING\\r\\n",
        "    tcp-check expect string +PONG",
        "    tcp-check send info\\ replication\\r\\n",
        "    tcp-check expect string role:master",
        ...(o.requireReplica ? ["    tcp-check send info\\ replication\\r\\n", "    tcp-check expect rstring connected_slaves:[1-9]"] : []),
        "    tcp-check send QUIT\\r\\n",
        "    tcp-check expect string +OK",
        ...servers,
        "",
    ].join("\n");
}

/** Options of `haproxyInstallScript`. */
export interface HaproxyInstallOptions extends HaproxyRedisConfOptions {
    /** This node's certificate PEM (client use), signed by the cluster CA. */
    certPem: string;
    /** The cluster CA PEM. */
    caPem: string;
    /** Seconds to wait for the local port. Default 30. */
    waitSeconds?: number;
}

/**
 * Install HAProxy and this configuration on a Gluu node: the password (stdin line 1, letters, digits and
 * `._~-` only, as the check line carries it unquoted) goes into the 0600 configuration, the key (rest of
 * stdin) with the certificate into the 0600 PEM; `haproxy -c` must accept the file before it replaces the old
 * one; a running HAProxy is reloaded (its open connections are served by the old process), a stopped one started.
 *
 * stdin: line 1 = the Redis password, then this node's private key PEM.
 */
export function haproxyInstallScript(o: HaproxyInstallOptions): string {
    const conf = haproxyRedisConf(o);
    for (const [f, pem] of [["certPem", o.certPem], ["caPem", o.caPem]] as const) {
        if (/PRIVATE KEY/.test(pem) || !/-----BEGIN CERTIFICATE-----/.test(pem)) throw new Error(`\`${f}\` must be a PEM certificate (never a key).`);
    }
    const local = assertPort("localPort", o.localPort ?? REDIS_HA_PORTS.local);
    const wait = o.waitSeconds ?? 30;
    const restart = pendingRestart("haproxy");
    assertToken("placeholder", HAPROXY_PASSWORD_PLACEHOLDER);
    return script(
        "HAProxy: the local redis-ha endpoint on 127.0.0.1 follows the primary over mutual TLS (stdin: Redis password, node key)",
        SERVICE_FUNCTIONS,
        APT_FUNCTIONS,
        PUT_FILE_FUNCTION,
        [
            `redis_password=""`,
            `IFS= read -r redis_password || true`,
            `if ! [[ "$redis_password" =~ ^[A-Za-z0-9._~-]+$ ]]; then echo "the Redis password on stdin must be letters, digits and . _ ~ - (HAProxy's check line carries it)" >&2; exit 1; fi`,
            `apt_install haproxy redis-tools openssl`,
            `changes=$(mktemp)`,
            `cleanup_paths+=("$changes")`,
            restart.begin,
        ].join("\n"),
        [
            `install -d -m 0755 /etc/haproxy`,
            `pem_tmp=$(mktemp /etc/haproxy/.client.XXXXXX)`,
            `cleanup_paths+=("$pem_tmp")`,
            heredoc(`cat > "$pem_tmp"`, o.certPem.trim()),
            `key_tmp=$(mktemp /etc/haproxy/.key.XXXXXX)`,
            `cleanup_paths+=("$key_tmp")`,
            `cat > "$key_tmp"`,
            `key_count=$(grep -c -- '-----BEGIN [A-Z ]*PRIVATE KEY-----' "$key_tmp" || true)`,
            `if [ "$key_count" != 1 ]; then echo "after the password, stdin must be exactly one PEM private key (this node's); found $key_count" >&2; exit 1; fi`,
            `if [ "$(openssl pkey -in "$key_tmp" -pubout 2>/dev/null)" != "$(openssl x509 -in "$pem_tmp" -noout -pubkey 2>/dev/null)" ]; then echo "the private key on stdin does not belong to this node's certificate" >&2; exit 1; fi`,
            `cat "$key_tmp" >> "$pem_tmp"`,
            `put_file ${HAPROXY_PATHS.clientPem} 0600 root:root < "$pem_tmp" >>"$changes"`,
            heredoc(`put_file ${HAPROXY_PATHS.ca} 0644 root:root >>"$changes"`, o.caPem.trim()),
            `conf_tmp=$(mktemp /etc/haproxy/.cfg.XXXXXX)`,
            `cleanup_paths+=("$conf_tmp")`,
            `template=$(cat <<'GLUU_HAPROXY_EOF'\n${conf}GLUU_HAPROXY_EOF\n)`,
            `# Bash substitution (no sed, no argv): the password reaches only the 0600 file.`,
            `printf '%s\\n' "\${template//${HAPROXY_PASSWORD_PLACEHOLDER}/$redis_password}" > "$conf_tmp"`,
            `if ! haproxy -c -q -f "$conf_tmp" >/dev/null 2>&1; then echo "haproxy -c refused the rendered configuration:" >&2; haproxy -c -f "$conf_tmp" 2>&1 | grep -v AUTH >&2 || true; exit 1; fi`,
            `install -d -m 0755 /run/haproxy`,
            `put_file ${HAPROXY_PATHS.conf} 0600 root:root < "$conf_tmp" >>"$changes"`,
            `cat "$changes"`,
        ].join("\n"),
        [
            `running() { [ -s /run/haproxy.pid ] && kill -0 "$(head -n 1 /run/haproxy.pid)" 2>/dev/null; }`,
            `svc_enable haproxy`,
            `if [ -s "$changes" ] && running; then`,
            `  svc haproxy reload >/dev/null`,
            `  echo "changed reloaded haproxy"`,
            `elif ! running; then`,
            `  svc haproxy start >/dev/null`,
            `  echo "changed started haproxy"`,
            `fi`,
            `ready=0`,
            `for _ in $(seq 1 ${wait}); do`,
            `  if (exec 3<>/dev/tcp/127.0.0.1/${local}) 2>/dev/null; then ready=1; break; fi`,
            `  sleep 1`,
            `done`,
            `if [ "$ready" != 1 ]; then echo "HAProxy is not accepting on 127.0.0.1:${local} after ${wait} s" >&2; exit 1; fi`,
            restart.end,
        ].join("\n"),
    );
}
