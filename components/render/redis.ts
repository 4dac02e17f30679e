// Redis cache host (SecureRedis): Redis on loopback with a password, reached by the nodes through stunnel.
//
// Debian's /etc/redis/redis.conf stays the package's file; a managed block at its END includes our two
// files, so our settings win (Redis applies the last value it reads, "include as the last line" per the
// file's own comments). The password lives in a separate 0640 root:redis file that redis (which reads its
// configuration as user redis) can read and nobody else can.

import { APT_FUNCTIONS, PUT_FILE_FUNCTION, SERVICE_FUNCTIONS, pendingRestart, heredoc, managedBlock, script } from "./shell";
import { assertPort } from "./stunnel";

/**
 * How Redis keeps data across restarts: `rdb` (snapshots), `aof` (append-only, fsync every second) or `none`.
 * A const object and its value type (not a bare literal union), so the component package schema has it as an enum.
 */
export const RedisPersistence = { Rdb: "rdb", Aof: "aof", None: "none" } as const;
/** How Redis keeps data across restarts: `rdb`, `aof` or `none`. */
export type RedisPersistence = (typeof RedisPersistence)[keyof typeof RedisPersistence];

/** Settings we manage in Redis. */
export interface RedisConfOptions {
    /** TCP port on 127.0.0.1. Default 6379 (the stunnel server forwards to it). */
    port?: number;
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

/** The Redis directives we manage, one per line (no password: that is written from stdin). */
export function redisConf(o: RedisConfOptions = {}): string {
    const port = assertPort("port", o.port ?? 6379);
    const persistence = o.persistence ?? "rdb";
    const lines = [
        "# Managed by gluu-cluster (included at the end of redis.conf, so these values win).",
        "# Loopback only: other hosts reach Redis through the stunnel server (mutual TLS).",
        "bind 127.0.0.1",
        "protected-mode yes",
        `port ${port}`,
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

/** Shell text: `redis_ping` prints Redis' answer to PING on 127.0.0.1:PORT, authenticating via REDISCLI_AUTH. */
function redisPingFunction(port: number): string {
    return [
        `# The password reaches redis-cli in its environment (REDISCLI_AUTH), never on its command line.`,
        `redis_ping() { REDISCLI_AUTH="$redis_password" redis-cli --no-auth-warning -h 127.0.0.1 -p ${port} ping 2>&1 || true; }`,
    ].join("\n");
}

/**
 * Install redis-server and apply the managed settings idempotently: our file and the password file are
 * included by a managed block at the end of /etc/redis/redis.conf; Redis restarts only when one of the
 * three files changed; then PING must answer PONG with the password.
 *
 * `vm.overcommit_memory = 1` (`REDIS_SYSCTL`) goes to /etc/sysctl.d (idempotent). The running value is set with
 * `sysctl -w` only when PID 1 is the machine's init (`systemd` or `init`): vm.* is not namespaced, so a
 * container or a test host of the live bed (PID 1 is sshd in its own PID namespace) would change the whole
 * machine's setting; there the script prints a note and leaves the kernel alone.
 *
 * stdin: line 1 = the Redis password (`requirepass`; any printable characters).
 */
export function redisSetupScript(o: RedisConfOptions = {}): string {
    const port = assertPort("port", o.port ?? 6379);
    const conf = redisConf(o);
    const restart = pendingRestart("redis-server");
    return script(
        "Install Redis for the Gluu cache (stdin: line 1 = Redis password)",
        SERVICE_FUNCTIONS,
        APT_FUNCTIONS,
        PUT_FILE_FUNCTION,
        REDIS_AUTH_LINE_FUNCTION,
        [
            `redis_password=""`,
            `IFS= read -r redis_password || true`,
            `auth_line=$(redis_auth_line "$redis_password")`,
            `apt_install redis-server`,
            `changes=$(mktemp)`,
            `cleanup_paths+=("$changes")`,
            restart.begin,
            redisPingFunction(port),
        ].join("\n"),
        [
            `# put_file makes the directory 0755; /etc/redis is 2770 redis:redis in Debian: keep its mode.`,
            `redis_dir_mode=$(stat -c %a /etc/redis)`,
            heredoc(`put_file ${REDIS_PATHS.managedConf} 0640 root:redis >>"$changes"`, conf),
            `printf '%s\\n' "$auth_line" | put_file ${REDIS_PATHS.authConf} 0640 root:redis >>"$changes"`,
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
            `{`,
            managedBlock(REDIS_PATHS.mainConf, "gluu-cluster redis", [`include ${REDIS_PATHS.managedConf}`, `include ${REDIS_PATHS.authConf}`].join("\n")),
            `} >>"$changes"`,
            `cat "$changes"`,
        ].join("\n"),
        [
            `svc_enable redis-server`,
            `if [ -s "$changes" ]; then`,
            `  svc redis-server restart >/dev/null`,
            `  echo "changed restarted redis-server"`,
            `elif [ "$(redis_ping)" != PONG ]; then`,
            `  svc redis-server start >/dev/null`,
            `  echo "changed started redis-server"`,
            `fi`,
        ].join("\n"),
        [
            `# Bounded wait for Redis to answer with the new password.`,
            `answer=""`,
            `for _ in $(seq 1 30); do`,
            `  answer=$(redis_ping)`,
            `  [ "$answer" = PONG ] && break`,
            `  sleep 1`,
            `done`,
            `if [ "$answer" != PONG ]; then`,
            `  echo "Redis on 127.0.0.1:${port} did not answer PONG (last answer: $answer)" >&2`,
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
