// Redis primary + replicas for the `redis-ha` cache (RedisHa): Redis's own TLS on every hop, Sentinel moves the
// primary, HAProxy on each Gluu node follows it (render/sentinel.ts, render/haproxy.ts).
//
// Upstream facts (redis/redis@7.0.15, the version Debian 12 ships as 5:7.0.15-1~deb12u10):
// - redis.conf "TLS/SSL": `port 0` disables the plain port, `tls-port`, `tls-cert-file`/`tls-key-file` (also the
//   client certificate a replica presents to its primary, unless `tls-client-cert-file` is set),
//   `tls-ca-cert-file`; "By default, clients (including replica servers) on a TLS port are required to
//   authenticate using valid client side certificates" (`tls-auth-clients yes`); "By default, a Redis replica does
//   not attempt to establish a TLS connection with its master. Use the following directive to enable TLS on
//   replication links: tls-replication yes".
// - redis.conf "REPLICATION": `min-replicas-to-write N` / `min-replicas-max-lag M`: the primary refuses writes
//   unless N replicas are online with a lag ≤ M seconds, the lag being "calculated from the last ping received
//   from the replica, that is usually sent every second". "This option does not GUARANTEE that N replicas will
//   accept the write, but will limit the window of exposure for lost writes ... to the specified number of seconds."
// - src/config.c rewriteConfig (run by Sentinel's failover as CONFIG REWRITE): "Configuration parameters that are
//   at their default value, unless already explicitly included in the old configuration file, are not rewritten";
//   everything else that is not a line of the MAIN file is appended to it, `include` lines are kept
//   (rewriteConfigReadOldFile). Measured here on 7.0.15: after a rewrite the main file holds copies of every
//   non-default included option (requirepass and masterauth among them) plus `replicaof` and a `user default`
//   line. So the main file is ours only as far as its include lines: a change of our files rebuilds it from the
//   includes plus the one piece of state that matters (`replicaof`), and restarts Redis.

import { APT_FUNCTIONS, PUT_FILE_FUNCTION, SERVICE_FUNCTIONS, assertToken, heredoc, pendingRestart, script, shq } from "./shell";
import { assertHost, assertPort } from "./stunnel";

/** Ports of the `redis-ha` cache: Redis's TLS port on the cache hosts, Sentinel's TLS port, the local proxy. */
export const REDIS_HA_PORTS = Object.freeze({ redis: 16379, sentinel: 26379, local: 16379 });

/** The name Sentinel knows the primary by (`sentinel monitor <name> …`). */
export const REDIS_HA_MASTER_NAME = "gluu-cache";

/** Files on a cache host (and the TLS files on a sentinel host). Debian's /etc/redis is 2770 redis:redis. */
export const REDIS_HA_PATHS = Object.freeze({
    /** Debian's main file, REPLACED: our include lines, then what CONFIG REWRITE keeps there (the role). */
    mainConf: "/etc/redis/redis.conf",
    /** Our settings (no secret); 0640 root:redis. */
    managedConf: "/etc/redis/gluu-ha.conf",
    /** `requirepass` and `masterauth`; 0640 root:redis. */
    authConf: "/etc/redis/gluu-ha-auth.conf",
    /** This host's certificate (server and client use), signed by the cluster CA. */
    cert: "/etc/redis/tls/gluu-ha.crt",
    /** Its key: 0640 root:redis (Redis and Sentinel read it as user redis). */
    key: "/etc/redis/tls/gluu-ha.key",
    /** The cluster CA: the only issuer any hop accepts. */
    ca: "/etc/redis/tls/gluu-cluster-ca.crt",
});

/** First line of the main files we own; a file without it is the package's and is replaced. */
export const REDIS_HA_MAIN_MARKER = "# gluu-cluster redis-ha: our settings are the include lines; Redis (CONFIG REWRITE) keeps its state below them";

/** What the primary demands before it accepts a write (redis.conf `min-replicas-*`). */
export interface WriteSafety {
    /** `min-replicas-to-write`: replicas that must be online. 0 disables the check. */
    minReplicasToWrite: number;
    /** `min-replicas-max-lag`: seconds since a replica's last ping for it to count. */
    minReplicasMaxLagSeconds: number;
}

/**
 * The bound on acknowledged writes a failover can lose, in words (the README and the TSDoc quote it): with
 * `min-replicas-to-write` ≥ 1 a primary cut off from its replicas stops acknowledging writes once its last replica
 * ping is older than `min-replicas-max-lag` s (pings come every second), so what a failover may lose is at most
 * the writes of that window plus those still in flight on the replication link; a primary that dies while
 * connected loses only the in-flight ones. With 0 there is no time bound on a partition.
 */
export function writeLossBound(o: WriteSafety): string {
    if (o.minReplicasToWrite === 0) {
        return "no bound on a network partition (min-replicas-to-write 0): a primary cut off from its replicas keeps acknowledging writes until it is demoted; a primary that dies loses only the writes still in flight on the replication link";
    }
    return `at most the writes acknowledged in the ${o.minReplicasMaxLagSeconds + 1} s before a partition (min-replicas-max-lag ${o.minReplicasMaxLagSeconds} s + the 1 s replica ping period), plus those in flight on the replication link; a primary that dies while connected loses only the in-flight ones`;
}

/** Options of the Redis part of `redis-ha`. */
export interface RedisHaConfOptions extends WriteSafety {
    /** This cache host's private address: Redis binds it (and loopback) and announces it to Sentinel. */
    address: string;
    /** Redis's TLS port. Default 16379. */
    port?: number;
    /** `maxmemory` in MiB (allkeys-lru). Unset: no limit. */
    maxmemoryMb?: number;
    /** `rdb` (Redis's snapshot defaults), `aof` (everysec) or `none`. Default `rdb`. */
    persistence?: "rdb" | "aof" | "none";
}

function assertWriteSafety(o: WriteSafety): void {
    if (!Number.isInteger(o.minReplicasToWrite) || o.minReplicasToWrite < 0 || o.minReplicasToWrite > 16) {
        throw new Error(`\`minReplicasToWrite\` must be an integer 0–16, got ${JSON.stringify(o.minReplicasToWrite)}.`);
    }
    if (!Number.isInteger(o.minReplicasMaxLagSeconds) || o.minReplicasMaxLagSeconds < 1 || o.minReplicasMaxLagSeconds > 3600) {
        throw new Error(`\`minReplicasMaxLagSeconds\` must be an integer 1–3600, got ${JSON.stringify(o.minReplicasMaxLagSeconds)}.`);
    }
}

/** TLS lines shared by Redis and Sentinel: the host's certificate is both its server and its client certificate. */
export function redisTlsLines(port: number): string[] {
    return [
        "# Redis's own TLS only: no plain port; every client, replica and Sentinel shows a cluster-CA certificate.",
        "port 0",
        `tls-port ${assertPort("port", port)}`,
        `tls-cert-file ${REDIS_HA_PATHS.cert}`,
        `tls-key-file ${REDIS_HA_PATHS.key}`,
        `tls-ca-cert-file ${REDIS_HA_PATHS.ca}`,
        "tls-auth-clients yes",
        "# Replication links (and, in Sentinel, its links to Redis and to other Sentinels) use TLS too.",
        "tls-replication yes",
        'tls-protocols "TLSv1.2 TLSv1.3"',
    ];
}

/** The Redis directives of a `redis-ha` cache host (no password: those are written from stdin). */
export function redisHaConf(o: RedisHaConfOptions): string {
    const address = assertHost("address", o.address);
    const port = assertPort("port", o.port ?? REDIS_HA_PORTS.redis);
    assertWriteSafety(o);
    const persistence = o.persistence ?? "rdb";
    const lines = [
        "# Managed by gluu-cluster (redis-ha); included from redis.conf.",
        "# Debian's service runs /etc/redis/redis.conf: its SysV script tracks this pid file; systemd's unit passes",
        "# --daemonize no on the command line, which wins.",
        "daemonize yes",
        "pidfile /run/redis/redis-server.pid",
        "logfile /var/log/redis/redis-server.log",
        "dir /var/lib/redis",
        `bind ${address} 127.0.0.1`,
        "protected-mode yes",
        ...redisTlsLines(port),
        "# Sentinel and the replicas see this host by its private address.",
        `replica-announce-ip ${address}`,
        "# Bound the acknowledged writes a failover can lose (see writeLossBound).",
        `min-replicas-to-write ${o.minReplicasToWrite}`,
        `min-replicas-max-lag ${o.minReplicasMaxLagSeconds}`,
        "# A cache keeps taking writes when a snapshot fails (issue 15).",
        "stop-writes-on-bgsave-error no",
        'save ""',
    ];
    if (persistence === "rdb") lines.push("save 3600 1 300 100 60 10000", "appendonly no");
    else if (persistence === "aof") lines.push("appendonly yes", "appendfsync everysec");
    else if (persistence === "none") lines.push("appendonly no");
    else throw new Error(`\`persistence\` must be "rdb", "aof" or "none", got ${JSON.stringify(persistence)}.`);
    if (o.maxmemoryMb !== undefined) {
        if (!Number.isInteger(o.maxmemoryMb) || o.maxmemoryMb < 1 || o.maxmemoryMb > 1048576) {
            throw new Error(`\`maxmemoryMb\` must be an integer number of MiB (1-1048576), got ${JSON.stringify(o.maxmemoryMb)}.`);
        }
        lines.push(`maxmemory ${o.maxmemoryMb}mb`, "maxmemory-policy allkeys-lru");
    }
    return lines.join("\n") + "\n";
}

/**
 * Bash function `redis_quote VALUE`: prints VALUE as one double-quoted redis.conf argument (backslash and double
 * quote escaped; Redis's sdssplitargs undoes that). Refuses empty values and control characters. printf is a
 * builtin: the value reaches no process's argv.
 */
export const REDIS_QUOTE_FUNCTION = `redis_quote() {
  local v="$1" esc
  if [ -z "$v" ]; then echo "a password on stdin is empty" >&2; return 1; fi
  case "$v" in *[[:cntrl:]]*) echo "a password on stdin contains control characters" >&2; return 1 ;; esac
  esc=\${v//\\\\/\\\\\\\\}
  esc=\${esc//\\"/\\\\\\"}
  printf '"%s"' "$esc"
}`;

/**
 * Bash lines that read this host's private key PEM (the rest of stdin) into "$key_tmp", check it is exactly one
 * key and belongs to the certificate at `certPath`, and install cert, key and CA (changes to "$changes").
 * Expects `cert_pem` and `ca_pem` variables holding the public PEMs.
 */
export function tlsFilesFromStdin(keyGroup: string): string {
    assertToken("key group", keyGroup);
    return [
        `install -d -m 0750 -o root -g ${keyGroup} /etc/redis/tls`,
        `key_tmp=$(mktemp /etc/redis/tls/.key.XXXXXX)`,
        `cleanup_paths+=("$key_tmp")`,
        `cat > "$key_tmp"`,
        `key_count=$(grep -c -- '-----BEGIN [A-Z ]*PRIVATE KEY-----' "$key_tmp" || true)`,
        `if [ "$key_count" != 1 ]; then echo "after the password lines, stdin must be exactly one PEM private key (this host's); found $key_count" >&2; exit 1; fi`,
        `if [ "$(openssl pkey -in "$key_tmp" -pubout 2>/dev/null)" != "$(printf '%s\\n' "$cert_pem" | openssl x509 -noout -pubkey 2>/dev/null)" ]; then`,
        `  echo "the private key on stdin does not belong to this host's certificate" >&2; exit 1`,
        `fi`,
        `{`,
        `  printf '%s\\n' "$cert_pem" | put_file ${REDIS_HA_PATHS.cert} 0644 root:root`,
        `  printf '%s\\n' "$ca_pem" | put_file ${REDIS_HA_PATHS.ca} 0644 root:root`,
        `  put_file ${REDIS_HA_PATHS.key} 0640 root:${keyGroup} < "$key_tmp"`,
        `} >>"$changes"`,
    ].join("\n");
}

/** Bash function `tls_cli HOST PORT ARGS...`: redis-cli over TLS with this host's certificate (password from `$cli_auth`, in REDISCLI_AUTH). */
export const TLS_CLI_FUNCTION = `tls_cli() {
  local host="$1" port="$2"; shift 2
  REDISCLI_AUTH="$cli_auth" timeout 5 redis-cli --no-auth-warning --tls --cert ${REDIS_HA_PATHS.cert} --key ${REDIS_HA_PATHS.key} --cacert ${REDIS_HA_PATHS.ca} -h "$host" -p "$port" "$@" 2>&1
}`;

/** Options of `redisHaSetupScript`. */
export interface RedisHaSetupOptions extends RedisHaConfOptions {
    /** This host's certificate PEM (public). */
    certPem: string;
    /** The cluster CA PEM (public). */
    caPem: string;
    /** Private address of the primary a brand-new set starts with. */
    initialPrimary: string;
    /** Sentinels to ask which host is primary now (private addresses), when this host has no role yet. */
    sentinels: string[];
    /** Sentinel's TLS port. Default 26379. */
    sentinelPort?: number;
    /** Seconds to wait for Redis to answer. Default 30. */
    waitSeconds?: number;
}

function assertCertPem(field: string, pem: string): void {
    if (/PRIVATE KEY/.test(pem) || !/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\s*$/.test(pem.trim() + "\n")) {
        throw new Error(`\`${field}\` must be PEM certificate text (never a key).`);
    }
}

/**
 * Shell text shared by the Redis and Sentinel steps: restart the service when this run changed its files (`$changes`
 * not empty), start it when it does not answer, then wait (bounded) until it answers PONG over TLS on loopback.
 * Needs `tls_cli` (TLS_CLI_FUNCTION) and, for Redis, `cli_auth` set before it.
 */
export function startUntilPong(o: { service: "redis-server" | "redis-sentinel"; label: string; port: number; waitSeconds: number }): string {
    assertPort("port", o.port);
    if (!Number.isInteger(o.waitSeconds) || o.waitSeconds < 1) throw new Error(`waitSeconds ${o.waitSeconds} must be a positive integer`);
    return [
        `ping() { tls_cli 127.0.0.1 ${o.port} ping | tail -n 1 || true; }`,
        `svc_enable ${o.service}`,
        `if [ -s "$changes" ]; then`,
        `  svc ${o.service} restart >/dev/null`,
        `  echo "changed restarted ${o.service}"`,
        `elif [ "$(ping)" != PONG ]; then`,
        `  svc ${o.service} start >/dev/null`,
        `  echo "changed started ${o.service}"`,
        `fi`,
        `answer=""`,
        `for _ in $(seq 1 ${o.waitSeconds}); do`,
        `  answer=$(ping)`,
        `  [ "$answer" = PONG ] && break`,
        `  sleep 1`,
        `done`,
        `if [ "$answer" != PONG ]; then echo "${o.label} on 127.0.0.1:${o.port} (TLS) did not answer PONG (last answer: $answer)" >&2; exit 1; fi`,
    ].join("\n");
}

/**
 * Install Redis as one member of the `redis-ha` set and converge it:
 * - the TLS files (key from stdin, 0640 root:redis), our settings and the password file;
 * - the main file: on a host that has none of ours yet, the includes plus the role — `replicaof` the primary the
 *   Sentinels name now (asked over TLS), or the initial primary when no Sentinel answers yet; on a change of our
 *   files, the includes plus the `replicaof` line Redis kept (so a re-run never undoes a failover);
 * - a restart only when something changed (or a restart is still owed), then PING over TLS must answer PONG.
 * Prints `role: master|slave` last.
 *
 * stdin: line 1 = the Redis password (requirepass and masterauth), line 2 = the Sentinel password, then this
 * host's private key PEM.
 */
export function redisHaSetupScript(o: RedisHaSetupOptions): string {
    const conf = redisHaConf(o);
    const address = assertHost("address", o.address);
    const port = assertPort("port", o.port ?? REDIS_HA_PORTS.redis);
    const sentinelPort = assertPort("sentinelPort", o.sentinelPort ?? REDIS_HA_PORTS.sentinel);
    const initial = assertHost("initialPrimary", o.initialPrimary);
    o.sentinels.forEach((s, i) => assertHost(`sentinels[${i}]`, s));
    assertCertPem("certPem", o.certPem);
    assertCertPem("caPem", o.caPem);
    const wait = o.waitSeconds ?? 30;
    const restart = pendingRestart("redis-ha");
    const main = (extra: string) => `{ printf '%s\\n' ${shq(REDIS_HA_MAIN_MARKER)} 'include ${REDIS_HA_PATHS.managedConf}' 'include ${REDIS_HA_PATHS.authConf}'; ${extra} }`;
    return script(
        `Redis (redis-ha member ${address}): TLS only, replication over TLS, role kept across re-runs (stdin: Redis password, Sentinel password, host key)`,
        SERVICE_FUNCTIONS,
        APT_FUNCTIONS,
        PUT_FILE_FUNCTION,
        REDIS_QUOTE_FUNCTION,
        TLS_CLI_FUNCTION,
        [
            `redis_password=""; sentinel_password=""`,
            `IFS= read -r redis_password || true`,
            `IFS= read -r sentinel_password || true`,
            `quoted=$(redis_quote "$redis_password")`,
            `redis_quote "$sentinel_password" >/dev/null`,
            `apt_install redis-server redis-tools openssl`,
            `changes=$(mktemp)`,
            `cleanup_paths+=("$changes")`,
            restart.begin,
            heredoc(`cert_pem=$(cat`, o.certPem.trim()) + "\n)",
            heredoc(`ca_pem=$(cat`, o.caPem.trim()) + "\n)",
        ].join("\n"),
        [
            `redis_dir_mode=$(stat -c %a /etc/redis)`,
            tlsFilesFromStdin("redis"),
            `{`,
            heredoc(`put_file ${REDIS_HA_PATHS.managedConf} 0640 root:redis`, conf),
            `printf 'requirepass %s\\nmasterauth %s\\n' "$quoted" "$quoted" | put_file ${REDIS_HA_PATHS.authConf} 0640 root:redis`,
            `} >>"$changes"`,
            `chmod "$redis_dir_mode" /etc/redis`,
        ].join("\n"),
        [
            `# The role: Redis's own (kept in the main file by CONFIG REWRITE) once it has one.`,
            `main=${REDIS_HA_PATHS.mainConf}`,
            `main_tmp=$(mktemp /etc/redis/.main.XXXXXX)`,
            `cleanup_paths+=("$main_tmp")`,
            `if [ "$(head -n 1 "$main" 2>/dev/null)" != ${shq(REDIS_HA_MAIN_MARKER)} ]; then`,
            `  # A new member: follow the primary the Sentinels name, if any answers; else the set's initial primary.`,
            `  primary=""`,
            `  cli_auth="$sentinel_password"`,
            `  for s in ${o.sentinels.map(shq).join(" ")}; do`,
            `    answer=$(tls_cli "$s" ${sentinelPort} sentinel get-master-addr-by-name ${REDIS_HA_MASTER_NAME} | head -n 1 || true)`,
            `    if [[ "$answer" =~ ^[0-9A-Za-z.:-]+$ ]]; then primary="$answer"; break; fi`,
            `  done`,
            `  [ -n "$primary" ] || primary=${shq(initial)}`,
            `  if [ "$primary" = ${shq(address)} ]; then`,
            `    ${main(":;")} > "$main_tmp"`,
            `  else`,
            `    ${main(`echo "replicaof $primary ${port}";`)} > "$main_tmp"`,
            `  fi`,
            `  put_file "$main" 0640 redis:redis < "$main_tmp" >>"$changes"`,
            `# (also when an earlier run was killed between writing our files and rebuilding this one: a restart is owed)`,
            `elif [ "$restart_owed" = 1 ] || grep -qE '^changed (${REDIS_HA_PATHS.managedConf}|${REDIS_HA_PATHS.authConf}|/etc/redis/tls/)' "$changes"; then`,
            `  # Our settings changed: drop the copies CONFIG REWRITE made of the old ones, keep the role.`,
            `  ${main(`grep -E '^replicaof ' "$main" | tail -n 1 || true;`)} > "$main_tmp"`,
            `  put_file "$main" 0640 redis:redis < "$main_tmp" >>"$changes"`,
            `fi`,
            `cat "$changes"`,
        ].join("\n"),
        [
            `cli_auth="$redis_password"`,
            startUntilPong({ service: "redis-server", label: "Redis", port, waitSeconds: wait }),
            restart.end,
            `echo "role: $(tls_cli 127.0.0.1 ${port} role | head -n 1)"`,
        ].join("\n"),
    );
}

/** Options of `redisHaHealthScript`. */
export interface RedisHaHealthOptions {
    /** The local proxy's port on 127.0.0.1. Default 16379. */
    port?: number;
    /** Seconds to wait for a PONG. Default 60 (the proxy marks the primary up after its checks pass). */
    waitSeconds?: number;
}

/**
 * On a Gluu node: AUTH and PING through the local endpoint (plain Redis on loopback, what oxAuth uses), spoken by
 * bash itself over /dev/tcp in RESP (so no redis-cli is needed: Ubuntu 16.04's is 3.0, without REDISCLI_AUTH, and
 * the password reaches no argv or environment); prints the PING answer and exits 0 only on PONG.
 * stdin: line 1 = the Redis password.
 */
export function redisHaHealthScript(o: RedisHaHealthOptions = {}): string {
    const port = assertPort("port", o.port ?? REDIS_HA_PORTS.local);
    const wait = o.waitSeconds ?? 60;
    return script(
        "Cache health through the node's local endpoint (stdin: line 1 = the cache password)",
        [
            `redis_password=""`,
            `IFS= read -r redis_password || true`,
            `export LC_ALL=C  # \${#…} counts bytes, as RESP lengths do`,
            `# One connection: AUTH then PING as RESP arrays; prints the two replies (without CR) on one line.`,
            `ping() {`,
            `  local a="" b=""`,
            `  exec 3<>/dev/tcp/127.0.0.1/${port} || return 0`,
            `  # shellcheck disable=SC2016 # RESP's $<length> markers are literal`,
            `  printf '*2\\r\\n$4\\r\\nAUTH\\r\\n$%s\\r\\n%s\\r\\n*1\\r\\n$4\\r\\nPING\\r\\n' "\${#redis_password}" "$redis_password" >&3 || true`,
            `  IFS= read -r -t 5 a <&3 || true`,
            `  IFS= read -r -t 5 b <&3 || true`,
            `  exec 3<&-`,
            `  printf '%s %s\\n' "\${a%$'\\r'}" "\${b%$'\\r'}"`,
            `}`,
            `answer=""`,
            `for _ in $(seq 1 ${wait}); do`,
            `  answer=$(ping 2>/dev/null)`,
            `  case "$answer" in "+OK +PONG"|*WRONGPASS*|*NOAUTH*|*invalid*) break ;; esac`,
            `  sleep 1`,
            `done`,
            `if [ "$answer" = "+OK +PONG" ]; then echo PONG; else printf 'no PONG: %s\\n' "\${answer:-no answer}"; false; fi`,
        ].join("\n"),
    );
}
