// Redis cache host (SecureRedis): Redis with a password and its own TLS (client certificates from the cluster
// CA) on the cache's private address, no plain TCP port, a Unix socket for local administration. The nodes reach it
// through their stunnel client (plaintext on their loopback, mutual TLS out).
//
// Debian's /etc/redis/redis.conf stays the package's file; a managed block at its END includes our two
// files, so our settings win (Redis applies the last value it reads, "include as the last line" per the
// file's own comments). The password lives in a separate 0640 root:redis file that redis (which reads its
// configuration as user redis) can read and nobody else can; so does the TLS private key.
//
// Directives: redis/redis@7.0.15:redis.conf ("TLS/SSL" section: `port 0` + `tls-port`, `tls-cert-file`,
// `tls-key-file`, `tls-ca-cert-file`, `tls-auth-clients` (default yes: "clients ... are required to authenticate
// using valid client side certificates"), `tls-protocols`, `tls-session-caching`, `tls-session-cache-timeout`
// (default 300 s), `unixsocket`/`unixsocketperm`). Every tls-* directive exists only in a build with TLS
// (redis/redis@7.0.15:src/config.c and @6.0.16: inside `#ifdef USE_OPENSSL`; 5.0 has none).

import { APT_FUNCTIONS, PUT_FILE_FUNCTION, SERVICE_FUNCTIONS, pendingRestart, heredoc, managedBlock, script } from "./shell";
import { assertHost, assertPort } from "./stunnel";

/**
 * How Redis keeps data across restarts: `rdb` (snapshots), `aof` (append-only, fsync every second) or `none`.
 * A const object and its value type (not a bare literal union), so the component package schema has it as an enum.
 */
export const RedisPersistence = { Rdb: "rdb", Aof: "aof", None: "none" } as const;
/** How Redis keeps data across restarts: `rdb`, `aof` or `none`. */
export type RedisPersistence = (typeof RedisPersistence)[keyof typeof RedisPersistence];

/** Settings we manage in Redis. */
export interface RedisConfOptions {
    /**
     * The cache host's private address: the only address Redis listens on (its TLS port; no plain TCP port).
     * Never a wildcard.
     */
    bindAddress: string;
    /** Redis's TLS port on `bindAddress`. Default 16379 (where the nodes' stunnel clients connect; members only). */
    tlsPort?: number;
    /** `maxmemory` in MiB; unset = no limit (Redis default). */
    maxmemoryMb?: number;
    /** Eviction policy when `maxmemoryMb` is reached. Default `allkeys-lru` (a cache: evict rather than refuse writes). */
    maxmemoryPolicy?: "allkeys-lru" | "volatile-lru" | "allkeys-lfu" | "volatile-lfu" | "allkeys-random" | "volatile-random" | "volatile-ttl" | "noeviction";
    /**
     * Persistence, default `rdb`:
     * - `rdb`: snapshots (`save 3600 1 300 100 60 10000`, Redis' defaults), `appendonly no`;
     * - `aof`: append-only file fsynced every second (`appendonly yes`, `appendfsync everysec`), no snapshots;
     * - `none`: nothing on disk (`save ""`, `appendonly no`); a restart empties the cache (users log in again).
     * Every variant first writes `save ""`, because `save` lines accumulate across included files.
     */
    persistence?: RedisPersistence;
}

/** Files the Redis setup manages. */
export const REDIS_PATHS = Object.freeze({
    /** Debian's main file; only a managed block with two `include` lines is added at its end. */
    mainConf: "/etc/redis/redis.conf",
    /** Our settings (no secret). */
    managedConf: "/etc/redis/gluu-cluster.conf",
    /** `requirepass` only; 0640 root:redis. */
    authConf: "/etc/redis/gluu-cluster-auth.conf",
    /** The cache host's certificate (signed by the cluster CA; server name = the cache host's name). */
    tlsCert: "/etc/redis/gluu-cluster-tls.crt",
    /** Its private key; 0640 root:redis (Redis reads it as user redis). */
    tlsKey: "/etc/redis/gluu-cluster-tls.key",
    /** The cluster CA: client certificates must chain to it. */
    tlsCa: "/etc/redis/gluu-cluster-ca.crt",
    /**
     * Local administration (setup checks, the bench): Debian's own choice of path (its redis.conf comment); /run/redis
     * is made by the package's systemd unit (RuntimeDirectory) and init script. Mode 700: user redis, and root.
     */
    socket: "/run/redis/redis-server.sock",
});

/**
 * What an earlier version ran on the cache host in front of Redis: an stunnel server on the same port. The setup
 * stops it, disables it and removes its files (migration; nothing to do once the configuration file is gone).
 */
export const LEGACY_STUNNEL_SERVER = Object.freeze({
    conf: "/etc/stunnel/redis-server.conf",
    unit: "stunnel@redis-server.service",
    files: ["/etc/stunnel/redis-server.key", "/etc/stunnel/redis-server.crt"],
});

/**
 * A systemd drop-in for Debian's redis-server.service (whose unit starts `After=network.target` with `Restart=always`
 * and the default 100 ms between tries): Redis now binds the private address only, and network.target does not wait
 * for addresses; so it waits for network-online.target, and a start that failed anyway (an address that came late) is
 * retried every 2 s instead of hitting systemd's start limit (5 starts in 10 s) within a second. Written only where
 * systemd runs the host.
 */
export const REDIS_SYSTEMD_DROPIN = Object.freeze({
    path: "/etc/systemd/system/redis-server.service.d/gluu-cluster.conf",
    text: [
        "# Managed by gluu-cluster: Redis listens on the private address only.",
        "[Unit]",
        "Wants=network-online.target",
        "After=network-online.target",
        "",
        "[Service]",
        "RestartSec=2",
        "",
    ].join("\n"),
});

/** Redis's TLS settings (issue 15: Redis's own TLS instead of a second stunnel hop). */
export const REDIS_TLS = Object.freeze({
    /** TLS 1.2 is the lowest any tunnel end accepts (stunnel's `sslVersionMin` too). */
    protocols: "TLSv1.2 TLSv1.3",
    /** Session cache lifetime, s (Redis's default 300): a node's stunnel client resumes instead of a full handshake. */
    sessionCacheTimeoutSeconds: 3600,
    /** `tcp-keepalive`, s (Redis's default 300): a vanished node's connection is noticed within minutes. */
    tcpKeepaliveSeconds: 60,
});

const POLICIES = ["allkeys-lru", "volatile-lru", "allkeys-lfu", "volatile-lfu", "allkeys-random", "volatile-random", "volatile-ttl", "noeviction"];

/**
 * The kernel setting the cache host gets, in `/etc/sysctl.d/60-gluu-redis.conf`: `vm.overcommit_memory = 1`.
 * Redis's background save forks; with the kernel's heuristic overcommit (0) the fork of a large instance can be
 * refused, the save fails, and (with `stop-writes-on-bgsave-error yes`) every write after it (Redis's own
 * start-up warning and its administration docs, redis.io "Redis administration": "Make sure to set the Linux
 * kernel overcommit memory setting to 1"). Written always; applied to the running kernel only on a host that
 * owns its kernel settings (see `redisSetupScript`).
 */
export const REDIS_SYSCTL = Object.freeze({ path: "/etc/sysctl.d/60-gluu-redis.conf", text: "vm.overcommit_memory = 1\n" });

function assertBindAddress(address: string): string {
    assertHost("bindAddress", address);
    if (address === "0.0.0.0" || address === "::" || address === "*") {
        throw new Error(`\`bindAddress\` must be the cache host's private address, not the wildcard ${address}.`);
    }
    return address;
}

/** The Redis directives we manage, one per line (no password: that is written from stdin). */
export function redisConf(o: RedisConfOptions): string {
    const address = assertBindAddress(o?.bindAddress);
    const tlsPort = assertPort("tlsPort", o.tlsPort ?? 16379);
    const persistence = o.persistence ?? "rdb";
    const lines = [
        "# Managed by gluu-cluster (included at the end of redis.conf, so these values win).",
        "# No plain TCP port: the only TCP listener is TLS on the private address, and a client must present a",
        "# certificate from the cluster CA (the nodes' stunnel clients do). Local administration: the Unix socket.",
        `bind ${address}`,
        "protected-mode yes",
        "port 0",
        `unixsocket ${REDIS_PATHS.socket}`,
        "unixsocketperm 700",
        `tls-port ${tlsPort}`,
        `tls-cert-file ${REDIS_PATHS.tlsCert}`,
        `tls-key-file ${REDIS_PATHS.tlsKey}`,
        `tls-ca-cert-file ${REDIS_PATHS.tlsCa}`,
        "tls-auth-clients yes",
        `tls-protocols "${REDIS_TLS.protocols}"`,
        "tls-session-caching yes",
        `tls-session-cache-timeout ${REDIS_TLS.sessionCacheTimeoutSeconds}`,
        `tcp-keepalive ${REDIS_TLS.tcpKeepaliveSeconds}`,
        "# A cache keeps taking writes when a snapshot fails (disk full, fork refused): refusing them (MISCONF)",
        "# took login down for the length of the failure; the next successful save clears the state anyway.",
        "stop-writes-on-bgsave-error no",
        "# `save` lines add up across files: clear the package's list before setting ours.",
        'save ""',
    ];
    switch (persistence) {
        case "rdb":
            lines.push("save 3600 1 300 100 60 10000", "appendonly no");
            break;
        case "aof":
            lines.push("appendonly yes", "appendfsync everysec");
            break;
        case "none":
            lines.push("appendonly no");
            break;
        default:
            throw new Error(`\`persistence\` must be "rdb", "aof" or "none", got ${JSON.stringify(persistence)}.`);
    }
    if (o.maxmemoryMb !== undefined) {
        if (!Number.isInteger(o.maxmemoryMb) || o.maxmemoryMb < 1 || o.maxmemoryMb > 1048576) {
            throw new Error(`\`maxmemoryMb\` must be an integer number of MiB (1-1048576), got ${JSON.stringify(o.maxmemoryMb)}.`);
        }
        const policy = o.maxmemoryPolicy ?? "allkeys-lru";
        if (!POLICIES.includes(policy)) {
            throw new Error(`\`maxmemoryPolicy\` must be one of ${POLICIES.join(", ")}, got ${JSON.stringify(policy)}.`);
        }
        lines.push(`maxmemory ${o.maxmemoryMb}mb`, `maxmemory-policy ${policy}`);
    }
    return lines.join("\n") + "\n";
}

/**
 * Bash function `redis_auth_line PASSWORD`: prints `requirepass "<escaped>"` for redis.conf (backslash and
 * double quote escaped; Redis' config parser undoes that). Refuses empty passwords and control characters.
 * A shell builtin (printf) handles the value, so it never reaches any process's argv.
 */
export const REDIS_AUTH_LINE_FUNCTION = `redis_auth_line() {
  local pw="$1" esc
  if [ -z "$pw" ]; then echo "the Redis password on stdin is empty" >&2; return 1; fi
  case "$pw" in *[[:cntrl:]]*) echo "the Redis password contains control characters" >&2; return 1 ;; esac
  esc=\${pw//\\\\/\\\\\\\\}
  esc=\${esc//\\"/\\\\\\"}
  printf 'requirepass "%s"\\n' "$esc"
}`;

/**
 * Bash function `redis_tls_supported`: whether the installed redis-server understands `tls-port`. It parses a
 * three-line configuration from stdin whose last line is a bad directive, so it exits before serving anything:
 * a build with TLS complains about that last line, a build without (Ubuntu 20.04's 5.0; any build without
 * BUILD_TLS) about `tls-port` (its tls-* directives are compiled in only with USE_OPENSSL).
 */
export const REDIS_TLS_PROBE_FUNCTION = `redis_tls_supported() {
  local out
  out=$(printf 'port 0\\ntls-port 0\\ngluu-cluster-tls-probe yes\\n' | timeout 20 redis-server - 2>&1 || true)
  case "$out" in *"'gluu-cluster-tls-probe yes'"*) return 0 ;; esac
  return 1
}`;

/** Shell text: `redis_ping` prints Redis' answer to PING on 127.0.0.1:PORT, authenticating via REDISCLI_AUTH. */
function redisPingFunction(port: number): string {
    return [
        `# The password reaches redis-cli in its environment (REDISCLI_AUTH), never on its command line.`,
        `redis_ping() { REDISCLI_AUTH="$redis_password" redis-cli --no-auth-warning -h 127.0.0.1 -p ${port} ping 2>&1 || true; }`,
    ].join("\n");
}

/** Shell text: `redis_local ARGS...` runs a command on the cache host's Redis through its Unix socket. */
function redisLocalFunction(): string {
    return [
        `# The password reaches redis-cli in its environment (REDISCLI_AUTH), never on its command line.`,
        `redis_local() { REDISCLI_AUTH="$redis_password" redis-cli --no-auth-warning -s ${REDIS_PATHS.socket} "$@" 2>&1 || true; }`,
    ].join("\n");
}

/** Options of `redisSetupScript`: the settings plus the public TLS material (the key comes on stdin). */
export interface RedisSetupOptions extends RedisConfOptions {
    /** The cache host's certificate PEM (public), signed by the cluster CA. */
    certPem: string;
    /** The cluster CA certificate PEM (public). */
    caPem: string;
}

function assertCertificatePem(field: string, pem: string): string {
    if (/PRIVATE KEY/.test(pem)) {
        throw new Error(`\`${field}\` contains a private key: keys never go into script text; the key goes on stdin.`);
    }
    if (!/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----$/.test(String(pem).trim())) {
        throw new Error(`\`${field}\` must be PEM certificate text (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----).`);
    }
    return pem.trim();
}

/**
 * Install redis-server and apply the managed settings idempotently: our file and the password file are
 * included by a managed block at the end of /etc/redis/redis.conf, the TLS files sit next to them.
 *
 * - Refuses, before changing anything, a redis-server built without TLS (`REDIS_TLS_PROBE_FUNCTION`): the cache
 *   host needs Redis ≥ 6 built with TLS (Debian 12, Ubuntu 24.04: 7.0); an earlier deployment keeps running as it was.
 * - Migration: the stunnel server an earlier version ran on this port (`LEGACY_STUNNEL_SERVER`) is stopped,
 *   disabled and removed, and its port freed, before Redis restarts to take the port over.
 * - Redis restarts only when a setting (or the password) changed; when only the certificate, key or CA changed,
 *   `CONFIG SET tls-cert-file` re-reads all three without a restart (tls-cert-file is a VOLATILE_CONFIG: setting
 *   it to the same path still applies it, redis/redis@7.0.15:src/config.c `stringConfigSet` + `applyTlsCfg`;
 *   6.0 applies every set, @6.0.16:src/config.c `stringConfigSet` + `updateTlsCfg`).
 * - Then PING over the socket must answer PONG with the password, and the TLS port must accept.
 *
 * `vm.overcommit_memory = 1` (`REDIS_SYSCTL`) goes to /etc/sysctl.d (idempotent). The running value is set with
 * `sysctl -w` only when PID 1 is the machine's init (`systemd` or `init`): vm.* is not namespaced, so a
 * container or a test host of the live bed (PID 1 is sshd in its own PID namespace) would change the whole
 * machine's setting; there the script prints a note and leaves the kernel alone.
 *
 * stdin: line 1 = the Redis password (`requirepass`; any printable characters), then the cache host's private key
 * PEM (exactly one key).
 */
export function redisSetupScript(o: RedisSetupOptions): string {
    const conf = redisConf(o);
    const address = o.bindAddress;
    const tlsPort = o.tlsPort ?? 16379;
    const certPem = assertCertificatePem("certPem", o.certPem);
    const caPem = assertCertificatePem("caPem", o.caPem);
    const restart = pendingRestart("redis-server");
    const legacy = LEGACY_STUNNEL_SERVER;
    return script(
        "Install Redis for the Gluu cache with its own TLS (stdin: line 1 = Redis password, then the cache's private key)",
        SERVICE_FUNCTIONS,
        APT_FUNCTIONS,
        PUT_FILE_FUNCTION,
        REDIS_AUTH_LINE_FUNCTION,
        REDIS_TLS_PROBE_FUNCTION,
        [
            `redis_password=""`,
            `IFS= read -r redis_password || true`,
            `auth_line=$(redis_auth_line "$redis_password")`,
            `key_tmp=$(mktemp)`,
            `cleanup_paths+=("$key_tmp")`,
            `cat > "$key_tmp"`,
            `key_count=$(grep -c -- '-----BEGIN [A-Z ]*PRIVATE KEY-----' "$key_tmp" || true)`,
            `if [ "$key_count" != 1 ]; then`,
            `  echo "after the password line, stdin must be exactly one PEM private key (the cache host's); found $key_count" >&2`,
            `  exit 1`,
            `fi`,
            `apt_install redis-server`,
            `# Before any change: a Redis without TLS cannot replace the stunnel server (the old setup keeps running).`,
            `if ! redis_tls_supported; then`,
            `  echo "$(redis-server --version 2>/dev/null | head -n 1 || echo redis-server) on this host is built without TLS; the cache host needs Redis >= 6 built with TLS (Debian 12 / Ubuntu 24.04: redis 7.0; Ubuntu 20.04's 5.0 has none): use such a host for \\\`cacheHost\\\`" >&2`,
            `  exit 1`,
            `fi`,
            `changes=$(mktemp)`,
            `tls_changes=$(mktemp)`,
            `cleanup_paths+=("$changes" "$tls_changes")`,
            restart.begin,
            redisLocalFunction(),
        ].join("\n"),
        [
            `# put_file makes the directory 0755; /etc/redis is 2770 redis:redis in Debian: keep its mode.`,
            `redis_dir_mode=$(stat -c %a /etc/redis)`,
            heredoc(`put_file ${REDIS_PATHS.managedConf} 0640 root:redis >>"$changes"`, conf),
            `printf '%s\\n' "$auth_line" | put_file ${REDIS_PATHS.authConf} 0640 root:redis >>"$changes"`,
            `# TLS material: public certificates from the script text, the key only from stdin.`,
            heredoc(`put_file ${REDIS_PATHS.tlsCert} 0644 root:root >>"$tls_changes"`, certPem),
            heredoc(`put_file ${REDIS_PATHS.tlsCa} 0644 root:root >>"$tls_changes"`, caPem),
            `# The key must belong to the certificate, or Redis would refuse to (re)load it with a vaguer error.`,
            `if [ "$(openssl pkey -in "$key_tmp" -pubout 2>/dev/null)" != "$(openssl x509 -in ${REDIS_PATHS.tlsCert} -noout -pubkey 2>/dev/null)" ]; then`,
            `  echo "the private key on stdin does not belong to ${REDIS_PATHS.tlsCert}" >&2`,
            `  exit 1`,
            `fi`,
            `put_file ${REDIS_PATHS.tlsKey} 0640 root:redis < "$key_tmp" >>"$tls_changes"`,
            `chmod "$redis_dir_mode" /etc/redis`,
            "# (not a Redis change: printed, not added to the restart list)",
            heredoc(`put_file ${REDIS_SYSCTL.path} 0644 root:root`, REDIS_SYSCTL.text),
            `# vm.* is global to the machine: only a host whose PID 1 is its init applies it to the running kernel.`,
            `if [ "$(cat /proc/sys/vm/overcommit_memory)" != 1 ]; then`,
            `  case "$(cat /proc/1/comm 2>/dev/null)" in`,
            `    systemd|init) sysctl -q -w vm.overcommit_memory=1; echo "changed vm.overcommit_memory=1" ;;`,
            `    *) echo "note: vm.overcommit_memory left at $(cat /proc/sys/vm/overcommit_memory) (PID 1 is not this machine's init: a container or test host shares the kernel); ${REDIS_SYSCTL.path} applies at the next boot" >&2 ;;`,
            `  esac`,
            `fi`,
            `# Start order under systemd (not a Redis setting: a daemon-reload, no restart).`,
            `if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then`,
            `  dropin_changed=$(${heredoc(`put_file ${REDIS_SYSTEMD_DROPIN.path} 0644 root:root`, REDIS_SYSTEMD_DROPIN.text)}`,
            `)`,
            `  if [ -n "$dropin_changed" ]; then systemctl daemon-reload; echo "$dropin_changed"; fi`,
            `fi`,
            `{`,
            managedBlock(REDIS_PATHS.mainConf, "gluu-cluster redis", [`include ${REDIS_PATHS.managedConf}`, `include ${REDIS_PATHS.authConf}`].join("\n")),
            `} >>"$changes"`,
            `cat "$changes" "$tls_changes"`,
        ].join("\n"),
        [
            `# Migration: an earlier version ran an stunnel server in front of Redis on this port. Stop it for good`,
            `# (process gone, unit disabled), then remove its files; Redis restarts below and takes the port over.`,
            `if [ -e ${legacy.conf} ]; then`,
            `  legacy_pid_file=$(sed -n 's/^[[:space:]]*pid[[:space:]]*=[[:space:]]*//p' ${legacy.conf} | head -n 1)`,
            `  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then`,
            `    systemctl disable --now ${legacy.unit} >/dev/null 2>&1 || true`,
            `  fi`,
            `  if [ -n "$legacy_pid_file" ] && [ -s "$legacy_pid_file" ]; then`,
            `    legacy_pid=$(cat "$legacy_pid_file")`,
            `    # Only an stunnel process: a stale pid file must not make us kill whatever reuses the number.`,
            `    case "$(cat "/proc/$legacy_pid/comm" 2>/dev/null)" in`,
            `      stunnel*)`,
            `        kill "$legacy_pid" 2>/dev/null || true`,
            `        for _ in $(seq 1 100); do kill -0 "$legacy_pid" 2>/dev/null || break; sleep 0.1; done`,
            `        if kill -0 "$legacy_pid" 2>/dev/null; then kill -KILL "$legacy_pid" 2>/dev/null || true; sleep 0.2; fi`,
            `        ;;`,
            `    esac`,
            `    rm -f "$legacy_pid_file"`,
            `  fi`,
            `  rm -f ${[...legacy.files, legacy.conf].join(" ")}`,
            `  echo "changed stopped and removed the stunnel server of an earlier version (${legacy.conf})" | tee -a "$changes"`,
            `fi`,
        ].join("\n"),
        [
            `svc_enable redis-server`,
            `if [ -s "$changes" ]; then`,
            `  svc redis-server restart >/dev/null`,
            `  echo "changed restarted redis-server"`,
            `elif [ "$(redis_local ping)" != PONG ]; then`,
            `  svc redis-server start >/dev/null`,
            `  echo "changed started redis-server"`,
            `elif [ -s "$tls_changes" ]; then`,
            `  # Only the certificate, key or CA changed: re-read them in the running Redis (connections stay).`,
            `  answer=$(redis_local config set tls-cert-file ${REDIS_PATHS.tlsCert})`,
            `  if [ "$answer" != OK ]; then echo "Redis refused to reload its TLS files: $answer" >&2; exit 1; fi`,
            `  echo "changed reloaded redis-server's TLS files"`,
            `fi`,
        ].join("\n"),
        [
            `# Bounded wait for Redis to answer with the new password on its socket and to accept on its TLS port.`,
            `answer=""`,
            `for _ in $(seq 1 30); do`,
            `  answer=$(redis_local ping)`,
            `  if [ "$answer" = PONG ] && (exec 3<>/dev/tcp/${address}/${tlsPort}) 2>/dev/null; then break; fi`,
            `  answer="$answer (TLS port ${address}:${tlsPort} not accepting)"`,
            `  sleep 1`,
            `done`,
            `if [ "$answer" != PONG ]; then`,
            `  echo "Redis did not answer PONG on ${REDIS_PATHS.socket} and accept on ${address}:${tlsPort} (last answer: $answer); see /var/log/redis/redis-server.log" >&2`,
            `  exit 1`,
            `fi`,
            restart.end,
        ].join("\n"),
    );
}

/** Options of `redisHealthScript`. */
export interface RedisHealthOptions {
    /** Port on 127.0.0.1 to ask: 6379 on the Redis host, the stunnel client's 16379 on a node. Default 6379. */
    port?: number;
}

/**
 * Ask Redis (or the local stunnel client in front of it) for PING; prints the answer, exits 0 only on PONG.
 *
 * stdin: line 1 = the Redis password.
 */
export function redisHealthScript(o: RedisHealthOptions = {}): string {
    const port = assertPort("port", o.port ?? 6379);
    return script(
        "Redis health check (stdin: line 1 = Redis password)",
        [
            `redis_password=""`,
            `IFS= read -r redis_password || true`,
            redisPingFunction(port),
            `# Bounded retries: a tunnel on this host may be restarting (stunnel4's SysV script restarts them all).`,
            `answer=""`,
            `for _ in $(seq 1 30); do`,
            `  answer=$(redis_ping)`,
            `  # An answer from Redis (PONG, or a refused password) is final; only no answer is worth waiting for.`,
            `  case "$answer" in PONG|*WRONGPASS*|*NOAUTH*|*ERR*) break ;; esac`,
            `  sleep 1`,
            `done`,
            `printf '%s\\n' "$answer"`,
            `[ "$answer" = PONG ]`,
        ].join("\n"),
    );
}
