// Redis Sentinel for the `redis-ha` cache: a quorum of Sentinels on three or more hosts watches the primary over
// TLS and promotes a replica when it is gone.
//
// Upstream facts (redis/redis@7.0.15):
// - src/sentinel.c sentinelReconnectInstance: the command and pub/sub links to Redis and to other Sentinels
//   negotiate TLS when `server.tls_replication` is set (`tls-replication yes`), with the instance's
//   tls-cert-file/tls-key-file as client certificate; sentinelSendHello announces `tls-port` when
//   tls-replication and tls-port are set. So a Sentinel with `port 0`, `tls-port`, `tls-replication yes` and
//   `tls-auth-clients yes` speaks only mutually authenticated TLS, in and out.
// - sentinel.conf (7.0.15): `requirepass` protects a Sentinel; other Sentinels authenticate with
//   `sentinel sentinel-pass` (and `sentinel sentinel-user`) — "all the Sentinels in the same group with the same
//   requirepass password"; `sentinel auth-pass <master> <password>` is what a Sentinel sends to Redis;
//   `sentinel down-after-milliseconds <master> <ms>` (30000 in the example file), `sentinel failover-timeout
//   <master> <ms>` (180000), `sentinel parallel-syncs`. src/sentinel.c sentinelHandleConfiguration refuses a
//   second `sentinel monitor` of the same name ("Duplicate master name.") and a master option before its
//   `monitor` line ("No such master with specified name.").
// - Sentinel rewrites its configuration file constantly (known replicas and Sentinels, epochs, the current
//   primary): src/config.c rewriteConfig + rewriteConfigSentinelOption. As for Redis (render/redisHa.ts) the
//   main file is ours only as far as its include lines; a change of our files rebuilds it from the includes, the
//   current `monitor` address and Sentinel's state lines, and restarts Sentinel.

import { APT_FUNCTIONS, PUT_FILE_FUNCTION, SERVICE_FUNCTIONS, heredoc, pendingRestart, script, shq } from "./shell";
import { assertHost, assertPort } from "./stunnel";
import { REDIS_HA_MASTER_NAME, REDIS_HA_PATHS, REDIS_HA_PORTS, REDIS_QUOTE_FUNCTION, TLS_CLI_FUNCTION, redisTlsLines, startUntilPong, tlsFilesFromStdin } from "./redisHa";

/** Sentinel's files. Debian's redis-sentinel service runs /etc/redis/sentinel.conf. */
export const SENTINEL_PATHS = Object.freeze({
    /** Debian's main file, REPLACED: includes, the monitor line, then Sentinel's own state. */
    mainConf: "/etc/redis/sentinel.conf",
    /** Our settings (no secret); 0640 root:redis. */
    managedConf: "/etc/redis/gluu-sentinel.conf",
    /** The master's settings and the passwords (after the monitor line); 0640 root:redis. */
    masterConf: "/etc/redis/gluu-sentinel-master.conf",
});

export const SENTINEL_MAIN_MARKER = "# gluu-cluster redis-ha sentinel: our settings are the include lines and the monitor line; Sentinel keeps its state below";

/**
 * Timing of failure detection and failover. Production defaults: `downAfterMs` 5000 (Redis's example file says
 * 30000; 5 s keeps a primary loss well under the 30 s goal while a busy primary still answers PING in time),
 * `failoverTimeoutMs` 60000 (example 180000: the time before the same primary may be failed over again, and the
 * bound of a failover's replica reconfiguration), `parallelSyncs` 1.
 */
export interface SentinelTiming {
    /** `down-after-milliseconds`. Default 5000. */
    downAfterMs?: number;
    /** `failover-timeout`. Default 60000. */
    failoverTimeoutMs?: number;
    /** `parallel-syncs`. Default 1. */
    parallelSyncs?: number;
}

export const SENTINEL_TIMING_DEFAULTS: Readonly<Required<SentinelTiming>> = Object.freeze({ downAfterMs: 5000, failoverTimeoutMs: 60000, parallelSyncs: 1 });

/** Options of the Sentinel configuration. */
export interface SentinelConfOptions extends SentinelTiming {
    /** This host's private address (bound, announced). */
    address: string;
    /** Sentinel's TLS port. Default 26379. */
    port?: number;
}

/** The quorum for `sentinels` Sentinels: a majority. */
export function sentinelQuorum(sentinels: number): number {
    if (!Number.isInteger(sentinels) || sentinels < 3) {
        throw new Error(`Sentinel needs at least 3 Sentinels on separate hosts for a quorum that survives losing one, got ${sentinels}.`);
    }
    return Math.floor(sentinels / 2) + 1;
}

function timing(o: SentinelTiming): Required<SentinelTiming> {
    const t = { ...SENTINEL_TIMING_DEFAULTS, ...Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined && k in SENTINEL_TIMING_DEFAULTS)) } as Required<SentinelTiming>;
    if (!Number.isInteger(t.downAfterMs) || t.downAfterMs < 500 || t.downAfterMs > 600000) throw new Error(`\`downAfterMs\` must be an integer 500–600000, got ${t.downAfterMs}.`);
    if (!Number.isInteger(t.failoverTimeoutMs) || t.failoverTimeoutMs < 1000 || t.failoverTimeoutMs > 3600000) throw new Error(`\`failoverTimeoutMs\` must be an integer 1000–3600000, got ${t.failoverTimeoutMs}.`);
    if (!Number.isInteger(t.parallelSyncs) || t.parallelSyncs < 1 || t.parallelSyncs > 16) throw new Error(`\`parallelSyncs\` must be an integer 1–16, got ${t.parallelSyncs}.`);
    return t;
}

/** Our Sentinel settings (no secret, no master). */
export function sentinelConf(o: SentinelConfOptions): string {
    const address = assertHost("address", o.address);
    const port = assertPort("port", o.port ?? REDIS_HA_PORTS.sentinel);
    return [
        "# Managed by gluu-cluster (redis-ha Sentinel); included from sentinel.conf.",
        "daemonize yes",
        "pidfile /run/sentinel/redis-sentinel.pid",
        "logfile /var/log/redis/redis-sentinel.log",
        "dir /var/lib/redis",
        `bind ${address} 127.0.0.1`,
        ...redisTlsLines(port),
        `sentinel announce-ip ${address}`,
        "sentinel resolve-hostnames no",
        "sentinel announce-hostnames no",
        "# No script may be changed at run time (CVE-class hardening in the example file).",
        "sentinel deny-scripts-reconfig yes",
    ].join("\n") + "\n";
}

/** The master's settings (after its `monitor` line); the passwords are appended from stdin by the script. */
export function sentinelMasterConf(o: SentinelTiming): string {
    const t = timing(o);
    return [
        `sentinel down-after-milliseconds ${REDIS_HA_MASTER_NAME} ${t.downAfterMs}`,
        `sentinel failover-timeout ${REDIS_HA_MASTER_NAME} ${t.failoverTimeoutMs}`,
        `sentinel parallel-syncs ${REDIS_HA_MASTER_NAME} ${t.parallelSyncs}`,
    ].join("\n") + "\n";
}

/** Options of `sentinelSetupScript`. */
export interface SentinelSetupOptions extends SentinelConfOptions {
    /** This host's certificate PEM (public). */
    certPem: string;
    /** The cluster CA PEM (public). */
    caPem: string;
    /** Number of Sentinels in the set (the quorum is a majority of them). */
    sentinelCount: number;
    /** The other Sentinels' private addresses (asked for the current primary when this one is new). */
    peers: string[];
    /** The set's initial primary (private address). */
    initialPrimary: string;
    /** Redis's TLS port on the cache hosts. Default 16379. */
    redisPort?: number;
    /** Seconds to wait for Sentinel to answer. Default 30. */
    waitSeconds?: number;
}

/**
 * Install and converge one Sentinel. A new Sentinel monitors the primary its peers name (or the initial one);
 * a change of our files keeps the current primary and Sentinel's state. Restarts only on a change, then waits
 * until `SENTINEL ckquorum` says the quorum is reachable (bounded) and prints the primary it sees.
 *
 * stdin: line 1 = the Redis password (auth-pass), line 2 = the Sentinel password (requirepass and
 * sentinel-pass), then this host's private key PEM.
 */
export function sentinelSetupScript(o: SentinelSetupOptions): string {
    const address = assertHost("address", o.address);
    const port = assertPort("port", o.port ?? REDIS_HA_PORTS.sentinel);
    const redisPort = assertPort("redisPort", o.redisPort ?? REDIS_HA_PORTS.redis);
    const quorum = sentinelQuorum(o.sentinelCount);
    const initial = assertHost("initialPrimary", o.initialPrimary);
    o.peers.forEach((p, i) => assertHost(`peers[${i}]`, p));
    const conf = sentinelConf(o);
    const master = sentinelMasterConf(o);
    const wait = o.waitSeconds ?? 30;
    const restart = pendingRestart("redis-sentinel");
    const m = REDIS_HA_MASTER_NAME;
    const head = `printf '%s\\n' ${shq(SENTINEL_MAIN_MARKER)} 'include ${SENTINEL_PATHS.managedConf}'`;
    const tail = `echo 'include ${SENTINEL_PATHS.masterConf}'`;
    return script(
        `Redis Sentinel (redis-ha, ${address}): TLS only, quorum ${quorum} of ${o.sentinelCount} (stdin: Redis password, Sentinel password, host key)`,
        SERVICE_FUNCTIONS,
        APT_FUNCTIONS,
        PUT_FILE_FUNCTION,
        REDIS_QUOTE_FUNCTION,
        TLS_CLI_FUNCTION,
        [
            `redis_password=""; sentinel_password=""`,
            `IFS= read -r redis_password || true`,
            `IFS= read -r sentinel_password || true`,
            `redis_quoted=$(redis_quote "$redis_password")`,
            `sentinel_quoted=$(redis_quote "$sentinel_password")`,
            `apt_install redis-sentinel redis-tools openssl`,
            `changes=$(mktemp)`,
            `cleanup_paths+=("$changes")`,
            restart.begin,
            heredoc(`cert_pem=$(cat`, o.certPem.trim()) + "\n)",
            heredoc(`ca_pem=$(cat`, o.caPem.trim()) + "\n)",
        ].join("\n"),
        [
            `redis_dir_mode=$(stat -c %a /etc/redis)`,
            tlsFilesFromStdin("redis"),
            heredoc(`put_file ${SENTINEL_PATHS.managedConf} 0640 root:redis >>"$changes"`, conf),
            `master_tmp=$(mktemp /etc/redis/.sentinel-master.XXXXXX)`,
            `cleanup_paths+=("$master_tmp")`,
            heredoc(`cat > "$master_tmp"`, master),
            `printf 'sentinel auth-pass ${m} %s\\nrequirepass %s\\nsentinel sentinel-pass %s\\n' "$redis_quoted" "$sentinel_quoted" "$sentinel_quoted" >> "$master_tmp"`,
            `put_file ${SENTINEL_PATHS.masterConf} 0640 root:redis < "$master_tmp" >>"$changes"`,
            `chmod "$redis_dir_mode" /etc/redis`,
        ].join("\n"),
        [
            `main=${SENTINEL_PATHS.mainConf}`,
            `main_tmp=$(mktemp /etc/redis/.sentinel-main.XXXXXX)`,
            `cleanup_paths+=("$main_tmp")`,
            `cli_auth="$sentinel_password"`,
            `if [ "$(head -n 1 "$main" 2>/dev/null)" != ${shq(SENTINEL_MAIN_MARKER)} ]; then`,
            `  # A new Sentinel: watch the primary its peers see, else the set's initial primary.`,
            `  primary=""`,
            `  for s in ${o.peers.map(shq).join(" ")}; do`,
            `    answer=$(tls_cli "$s" ${port} sentinel get-master-addr-by-name ${m} | head -n 1 || true)`,
            `    if [[ "$answer" =~ ^[0-9A-Za-z.:-]+$ ]]; then primary="$answer"; break; fi`,
            `  done`,
            `  [ -n "$primary" ] || primary=${shq(initial)}`,
            `  { ${head}; echo "sentinel monitor ${m} $primary ${redisPort} ${quorum}"; ${tail}; } > "$main_tmp"`,
            `  put_file "$main" 0640 redis:redis < "$main_tmp" >>"$changes"`,
            `elif [ "$restart_owed" = 1 ] || grep -qE '^changed (${SENTINEL_PATHS.managedConf}|${SENTINEL_PATHS.masterConf}|/etc/redis/tls/)' "$changes" || ! grep -qE '^sentinel monitor ${m} [^ ]+ [0-9]+ ${quorum}$' "$main"; then`,
            `  # Our settings (or the quorum) changed: keep the current primary and Sentinel's identity and epochs,`,
            `  # drop the copies of our old settings the rewrite made.`,
            `  current=$(awk '$1=="sentinel" && $2=="monitor" && $3=="${m}" {print $4; exit}' "$main")`,
            `  [ -n "$current" ] || current=${shq(initial)}`,
            `  {`,
            `    ${head}`,
            `    echo "sentinel monitor ${m} $current ${redisPort} ${quorum}"`,
            `    ${tail}`,
            `    grep -E '^sentinel (myid|current-epoch|config-epoch ${m}|leader-epoch ${m}|known-replica ${m}|known-sentinel ${m}) ' "$main" || true`,
            `  } > "$main_tmp"`,
            `  put_file "$main" 0640 redis:redis < "$main_tmp" >>"$changes"`,
            `fi`,
            `cat "$changes"`,
        ].join("\n"),
        [
            startUntilPong({ service: "redis-sentinel", label: "Sentinel", port, waitSeconds: wait }),
            restart.end,
            `echo "primary: $(tls_cli 127.0.0.1 ${port} sentinel get-master-addr-by-name ${m} | head -n 1)"`,
        ].join("\n"),
    );
}

/**
 * After every Sentinel is up: wait (bounded) until this one sees the quorum and enough Sentinels to authorize a
 * failover (`SENTINEL CKQUORUM`), and print its view. stdin: line 1 = the Sentinel password.
 */
export function sentinelQuorumScript(o: { port?: number; waitSeconds?: number } = {}): string {
    const port = assertPort("port", o.port ?? REDIS_HA_PORTS.sentinel);
    const wait = o.waitSeconds ?? 60;
    return script(
        "redis-ha: the Sentinels reach their quorum (stdin: line 1 = Sentinel password)",
        TLS_CLI_FUNCTION,
        [
            `cli_auth=""`,
            `IFS= read -r cli_auth || true`,
            `answer=""`,
            `for _ in $(seq 1 ${wait}); do`,
            `  answer=$(tls_cli 127.0.0.1 ${port} sentinel ckquorum ${REDIS_HA_MASTER_NAME} | head -n 1 || true)`,
            `  case "$answer" in OK*) break ;; esac`,
            `  sleep 1`,
            `done`,
            `printf '%s\\n' "$answer"`,
            `case "$answer" in OK*) ;; *) echo "Sentinel does not see its quorum: $answer" >&2; exit 1 ;; esac`,
        ].join("\n"),
    );
}
