// The NGINX load balancer in front of the Gluu nodes: its complete nginx.conf, the script that installs it
// without ever replacing a working configuration by a broken one, and the same facts as data for users who
// bring their own load balancer (F5, DigitalOcean LB, ...).
//
// Differences from the seed procedure, on purpose: `listen 443 ssl` instead of the removed `ssl on`, the
// redirect goes to the real host name (the seed has `https://loadbalance.example.org`), backends are
// verified TLS peers (`proxy_ssl_verify on` with the fixed name in the Gluu httpd certificate; a name of
// `$upstream_addr` fails unless the certificate holds the IP), and the sticky upstream serves every path the
// profile marks sticky, as cluster-mgr does (`/identity`, `/idp`, `/passport`, `/casa`).

import { X509Certificate } from "crypto";
import { isIPv4, isIPv6 } from "net";
import { LB_CHECK_PATHS, lbCheckUnit } from "./lbCheck";
import { APT_FUNCTIONS, PUT_FILE_FUNCTION, SERVICE_FUNCTIONS, assertToken, heredoc, pendingRestart, script, shq } from "./shell";

/** One Gluu node as the load balancer reaches it. */
export interface NginxBackend {
    /** Short node name (`gluu-1`); written as a comment next to its `server` line. */
    name: string;
    /**
     * Address the load balancer connects to: an IPv4/IPv6 address (the private one preferred) or a host name.
     * nginx resolves host names once, when it loads the configuration: a name that does not resolve on the load
     * balancer then makes `nginx -t` fail, so addresses are the safer choice.
     */
    address: string;
    /** HTTPS port of the node's Apache. Defaults to `443`. */
    port?: number;
}

/** Everything `nginxConf` needs; the path and tuning fields have defaults that match the install script. */
export interface NginxConfOptions {
    /** The load balancer's FQDN, which is also the Gluu `hostname` (the name users type and certificates hold). */
    serverName: string;
    /** The Gluu nodes; each goes into both upstreams. At least one. */
    backends: NginxBackend[];
    /** Paths sent round robin to any node (`profile.lbPaths.roundRobin`); `/` becomes the exact `location = /`. */
    roundRobinPaths: string[];
    /** Paths whose sessions live on one node, sent by `hash $remote_addr consistent` (`profile.lbPaths.sticky`). */
    stickyPaths: string[];
    /** Certificate (chain) users see. Defaults to `/etc/nginx/ssl/gluu.crt`. */
    certPath?: string;
    /** Its private key. Defaults to `/etc/nginx/ssl/gluu.key`. */
    keyPath?: string;
    /** Certificates trusted for the nodes' HTTPS (the Gluu httpd cert itself when self-signed). Defaults to `/etc/nginx/ssl/gluu-backend-ca.crt`. */
    backendCaPath?: string;
    /** Name verified in each node's certificate and sent as SNI. Defaults to `serverName` (nodes carry the LB name). */
    backendTlsName?: string;
    /** Failed attempts before a node is skipped for `failTimeoutSeconds`. Defaults to `2`. */
    maxFails?: number;
    /** Seconds a failed node is skipped (and the window for counting failures). Defaults to `10`. */
    failTimeoutSeconds?: number;
    /** Seconds to wait for a node's TCP connect before trying the next. Defaults to `2`. */
    connectTimeoutSeconds?: number;
    /**
     * `proxy_read_timeout` / `proxy_send_timeout`: seconds a node may stay silent between two reads (writes) of one
     * response before the attempt counts as a failure. Defaults to `30` (nginx's own default is 60 s, which held a
     * hung node's requests for a minute; Gluu's slowest interactive pages answer well within 30 s).
     */
    readTimeoutSeconds?: number;
    /**
     * `proxy_read_timeout` / `proxy_send_timeout` of the round-robin paths (oxAuth's protocol endpoints, which
     * answer in milliseconds). Defaults to `6`: it must stay below `nextUpstreamTimeoutSeconds`, so a GET whose
     * reused keep-alive connection leads to a node that went silent (hung, link cut) is retried on another node
     * instead of failing. Sticky paths (oxTrust, IDP, Passport, Casa pages) keep `readTimeoutSeconds`.
     */
    apiReadTimeoutSeconds?: number;
    /**
     * `proxy_next_upstream_timeout`: the whole time one request may spend trying nodes, retries included; no retry
     * starts after it. Defaults to `10` (unbounded in nginx: one request spent 13.3 s on a cut link in issue 15).
     */
    nextUpstreamTimeoutSeconds?: number;
    /** `proxy_next_upstream_tries`: attempts per request, the first included. Defaults to `2` (one other node). */
    nextUpstreamTries?: number;
    /**
     * `keepalive`: idle TLS connections to the nodes each worker keeps per upstream, reused for the next requests
     * (with `proxy_http_version 1.1` and an empty `Connection` header). Defaults to `32`. Without it every request
     * paid a new TLS handshake to a node: 1.7 k req/s instead of 12 k (issue 15).
     */
    upstreamKeepalive?: number;
    /**
     * `keepalive_timeout` of those idle connections, in seconds. Defaults to `4`: below Apache's `KeepAliveTimeout`
     * (5 s in Debian/Ubuntu's apache2.conf and httpd's default), so nginx never sends a request on a connection the
     * node is closing — a POST that hits that race gets a 502, because nginx does not retry non-idempotent requests
     * (nginx docs, ngx_http_upstream_module `keepalive_timeout`, default 60 s, since 1.15.3).
     */
    upstreamKeepaliveTimeoutSeconds?: number;
    /**
     * File holding the `server` lines of both upstreams (`nginxServersInclude`), included by absolute path. The
     * active checker (`lbCheckScript`) rewrites it with `down` on a broken node and reloads. Defaults to
     * `/etc/nginx/gluu-lb/upstream-servers.conf`.
     */
    serversIncludePath?: string;
    /** `worker_connections`. Defaults to `6500` (cluster-mgr's value). */
    workerConnections?: number;
    /** Largest request body (oxTrust uploads metadata, logos, scripts). Defaults to `20m`. */
    clientMaxBodySize?: string;
    /** Path answered with 200 "ok" by NGINX itself, for health checks of the load balancer. Defaults to `/lb-health`. */
    healthPath?: string;
    /** Unix user of the worker processes. Defaults to `www-data` (Debian/Ubuntu). */
    user?: string;
    /** MIME types file, included by absolute path so a candidate file anywhere tests the same. Defaults to `/etc/nginx/mime.types`. */
    mimeTypesPath?: string;
    /** Directory of `access.log` and `error.log`. Defaults to `/var/log/nginx`. */
    logDir?: string;
    /** PID file; Debian's init script and systemd unit expect `/run/nginx.pid`. Defaults to `/run/nginx.pid`. */
    pidPath?: string;
}

/** Default locations of the TLS files on the load balancer. */
export const NGINX_DEFAULT_PATHS = Object.freeze({
    certPath: "/etc/nginx/ssl/gluu.crt",
    keyPath: "/etc/nginx/ssl/gluu.key",
    backendCaPath: "/etc/nginx/ssl/gluu-backend-ca.crt",
    confPath: "/etc/nginx/nginx.conf",
    serversIncludePath: "/etc/nginx/gluu-lb/upstream-servers.conf",
});

/** Upstream names used in the rendered configuration. */
export const NGINX_UPSTREAMS = Object.freeze({ roundRobin: "backend", sticky: "backend_sticky" });

/** Mozilla "intermediate" TLS 1.2 suites (ECDHE only: the DHE ones need a dhparam file nobody maintains). */
const MOZILLA_INTERMEDIATE_CIPHERS = [
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-CHACHA20-POLY1305",
].join(":");

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const URL_PATH = /^\/[A-Za-z0-9._~\/-]*$/;
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const SIZE = /^[1-9][0-9]*[kKmMgG]?$/;

/** Refuse anything but a DNS host name (no wildcard, no IP): it is written into server_name and the redirect. */
function assertHostName(field: string, value: string): string {
    if (typeof value !== "string" || !HOST_NAME.test(value) || /^[0-9.]+$/.test(value)) {
        throw new Error(`\`${field}\` must be a DNS host name such as idp.example.org, got ${JSON.stringify(value)}`);
    }
    return value;
}

/** A backend address: IPv4, IPv6 or a host name. */
function assertAddress(field: string, value: string): string {
    if (typeof value === "string" && (isIPv4(value) || isIPv6(value) || (HOST_NAME.test(value) && !/^[0-9.]+$/.test(value)))) {
        return value;
    }
    throw new Error(`\`${field}\` must be an IP address or a host name, got ${JSON.stringify(value)}`);
}

function assertInt(field: string, value: number, min: number, max: number): number {
    if (!Number.isInteger(value) || value < min || value > max) {
        throw new Error(`\`${field}\` must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    return value;
}

/** An absolute path that can stand unquoted in nginx and shell text. */
function assertAbsPath(field: string, value: string): string {
    assertToken(`\`${field}\``, value);
    if (!value.startsWith("/") || value.includes("..")) {
        throw new Error(`\`${field}\` must be an absolute path without "..", got ${JSON.stringify(value)}`);
    }
    return value;
}

/** Check the path lists: plain URL paths, no duplicates, none in both lists, at least one in all. */
function checkPaths(roundRobin: string[], sticky: string[], healthPath: string): void {
    const seen = new Map<string, string>();
    for (const [field, list] of [["roundRobinPaths", roundRobin], ["stickyPaths", sticky]] as const) {
        if (!Array.isArray(list)) {
            throw new Error(`\`${field}\` must be a list of URL paths such as ["/oxauth"]`);
        }
        for (const p of list) {
            if (typeof p !== "string" || !URL_PATH.test(p) || p.includes("//")) {
                throw new Error(`\`${field}\` entries must be URL paths like /oxauth (letters, digits, . _ ~ - /), got ${JSON.stringify(p)}`);
            }
            if (p === healthPath) {
                throw new Error(`\`${field}\` contains ${p}, which the load balancer answers itself (\`healthPath\`): choose another \`healthPath\``);
            }
            const before = seen.get(p);
            if (before !== undefined) {
                throw new Error(`\`${field}\` repeats ${p} (already in \`${before}\`): list each path once, in one list`);
            }
            seen.set(p, field);
        }
    }
    if (seen.size === 0) {
        throw new Error("`roundRobinPaths` and `stickyPaths` are both empty: the load balancer would proxy nothing");
    }
}

/** Resolved and validated backends (shared by the NGINX and the external-LB renderers). */
function checkBackends(backends: NginxBackend[]): Required<NginxBackend>[] {
    if (!Array.isArray(backends) || backends.length === 0) {
        throw new Error("`backends` is empty: give at least one Gluu node ({ name, address, port? })");
    }
    const seen = new Set<string>();
    return backends.map((b, i) => {
        if (typeof b.name !== "string" || !NODE_NAME.test(b.name)) {
            throw new Error(`\`backends[${i}].name\` must be a short name like gluu-1, got ${JSON.stringify(b.name)}`);
        }
        const address = assertAddress(`backends[${i}].address`, b.address);
        const port = assertInt(`backends[${i}].port`, b.port ?? 443, 1, 65535);
        const key = `${address.toLowerCase()}:${port}`;
        if (seen.has(key)) {
            throw new Error(`\`backends[${i}]\` repeats ${key}: list each node once`);
        }
        seen.add(key);
        return { name: b.name, address, port };
    });
}

/** `server` address for an upstream: IPv6 literals need brackets. */
function hostPort(address: string, port: number): string {
    return isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Options of `nginxServersInclude`. */
export interface NginxServersOptions {
    /** The Gluu nodes. */
    backends: NginxBackend[];
    /** `max_fails` of every node. Defaults to `2`. */
    maxFails?: number;
    /** `fail_timeout` of every node, seconds. Defaults to `10`. */
    failTimeoutSeconds?: number;
    /** Names of nodes to write with `down` (the active checker's verdict). Defaults to none. */
    down?: string[];
}

/**
 * The `server` lines both upstreams include (one per node, `max_fails`/`fail_timeout`, ` down` for the nodes in
 * `down`). The install script writes it with no node down; the active checker (`lbCheckScript`) rewrites only the
 * ` down` markers. A node marked `down` keeps its place on the consistent-hash ring, so the sticky clients of the
 * other nodes stay where they are (nginx docs, ngx_http_upstream_module `server … down`, `hash … consistent`).
 */
export function nginxServersInclude(opts: NginxServersOptions): string {
    const backends = checkBackends(opts.backends);
    const maxFails = assertInt("maxFails", opts.maxFails ?? 2, 1, 1000);
    const failTimeout = assertInt("failTimeoutSeconds", opts.failTimeoutSeconds ?? 10, 1, 3600);
    const down = new Set(opts.down ?? []);
    for (const d of down) {
        if (!backends.some((b) => b.name === d)) {
            throw new Error(`\`down\` names ${JSON.stringify(d)}, which is not one of the backends`);
        }
    }
    return (
        [
            `# Upstream servers of the Gluu load balancer: written by the install; gluu-lb-check only adds or removes "down".`,
            ...backends.map((b) => `server ${hostPort(b.address, b.port)} max_fails=${maxFails} fail_timeout=${failTimeout}s${down.has(b.name) ? " down" : ""}; # ${b.name}`),
        ].join("\n") + "\n"
    );
}

/**
 * The complete `/etc/nginx/nginx.conf` of the Gluu load balancer (it replaces Debian's file; sites-enabled is
 * not included, so the default site cannot claim port 80).
 *
 * - port 80: `= <healthPath>` answers 200, everything else `301 https://<serverName>$request_uri`;
 * - port 443 (`listen 443 ssl`, TLS 1.2/1.3, Mozilla intermediate): one location per path, `= /` for the
 *   root and a prefix location for the others, proxying with the request URI unchanged to
 *   `https://backend` (round robin) or `https://backend_sticky` (`hash $remote_addr consistent`); unknown paths
 *   get 404;
 * - every node in both upstreams (the `serversIncludePath` file, `nginxServersInclude`) with `max_fails`/
 *   `fail_timeout`; nodes are verified TLS peers.
 *
 * Failure handling (issue 15; nginx 1.22 docs of ngx_http_upstream_module and ngx_http_proxy_module):
 * - `proxy_next_upstream error timeout invalid_header http_502 http_503 http_504`: only what says "this node is
 *   broken" is retried and counted against the node (`max_fails`). No `http_500`: an application's 500 is an
 *   answer, and counting it marked every node failed (23 k × 502 from two GETs of one 500-ing URL). `error`,
 *   `timeout` and `invalid_header` count as failures even when not listed; `non_idempotent` is left out, so a
 *   POST/PATCH/LOCK that reached a node is never sent to a second one.
 * - bounded: `proxy_connect_timeout`, `proxy_read_timeout`/`proxy_send_timeout`, `proxy_next_upstream_timeout`,
 *   `proxy_next_upstream_tries`.
 * - what passive checks cannot see: a POST answered 503 is passed through and not counted (ngx_http_upstream.c,
 *   `ngx_http_upstream_test_next`: the non-idempotent mask stops the retry and the peer is freed as a success).
 *   The active checker on the LB host (`lbCheckScript`) probes every node with a GET and a POST and marks a
 *   broken node `down` for everyone within seconds.
 * - `zone` per upstream: failure counts and `down` state are shared by all workers, not counted per worker.
 * - upstream `keepalive` with `proxy_http_version 1.1` and `proxy_set_header Connection ""` (nginx docs: both
 *   needed for keep-alive to upstreams), `proxy_ssl_session_reuse on` for the connections that are new.
 * - stickiness on the whole client address, `hash $remote_addr consistent`: `ip_hash` keys on the first three
 *   octets, so every client of one /24 landed on one node (56 % of GETs). Not a cookie: nginx open source has
 *   no `sticky cookie` (nginx Plus only), and hashing oxTrust's own JSESSIONID fails on the first request (no
 *   cookie yet: the session is made on one node, the next request hashes elsewhere). Users behind one NAT
 *   address share a node, which keeps their sessions right; `consistent` (ketama) moves only ~1/N of the
 *   clients when a node joins or leaves.
 */
export function nginxConf(opts: NginxConfOptions): string {
    const serverName = assertHostName("serverName", opts.serverName);
    const backends = checkBackends(opts.backends);
    const healthPath = opts.healthPath ?? "/lb-health";
    if (!URL_PATH.test(healthPath) || healthPath === "/") {
        throw new Error(`\`healthPath\` must be a URL path other than / (like /lb-health), got ${JSON.stringify(healthPath)}`);
    }
    checkPaths(opts.roundRobinPaths, opts.stickyPaths, healthPath);
    const certPath = assertAbsPath("certPath", opts.certPath ?? NGINX_DEFAULT_PATHS.certPath);
    const keyPath = assertAbsPath("keyPath", opts.keyPath ?? NGINX_DEFAULT_PATHS.keyPath);
    const backendCaPath = assertAbsPath("backendCaPath", opts.backendCaPath ?? NGINX_DEFAULT_PATHS.backendCaPath);
    const backendTlsName = assertHostName("backendTlsName", opts.backendTlsName ?? serverName);
    const maxFails = assertInt("maxFails", opts.maxFails ?? 2, 1, 1000);
    const failTimeout = assertInt("failTimeoutSeconds", opts.failTimeoutSeconds ?? 10, 1, 3600);
    const connectTimeout = assertInt("connectTimeoutSeconds", opts.connectTimeoutSeconds ?? 2, 1, 75);
    const readTimeout = assertInt("readTimeoutSeconds", opts.readTimeoutSeconds ?? 30, 1, 3600);
    const apiReadTimeout = assertInt("apiReadTimeoutSeconds", opts.apiReadTimeoutSeconds ?? 6, 1, 3600);
    const nextTimeout = assertInt("nextUpstreamTimeoutSeconds", opts.nextUpstreamTimeoutSeconds ?? 10, 1, 3600);
    const nextTries = assertInt("nextUpstreamTries", opts.nextUpstreamTries ?? 2, 1, 100);
    const keepalive = assertInt("upstreamKeepalive", opts.upstreamKeepalive ?? 32, 1, 10000);
    const keepaliveTimeout = assertInt("upstreamKeepaliveTimeoutSeconds", opts.upstreamKeepaliveTimeoutSeconds ?? 4, 1, 3600);
    const serversInclude = assertAbsPath("serversIncludePath", opts.serversIncludePath ?? NGINX_DEFAULT_PATHS.serversIncludePath);
    const workerConnections = assertInt("workerConnections", opts.workerConnections ?? 6500, 16, 1000000);
    const bodySize = opts.clientMaxBodySize ?? "20m";
    if (!SIZE.test(bodySize)) {
        throw new Error(`\`clientMaxBodySize\` must be a size like 20m, got ${JSON.stringify(bodySize)}`);
    }
    const user = opts.user ?? "www-data";
    if (!NODE_NAME.test(user)) {
        throw new Error(`\`user\` must be a Unix user name, got ${JSON.stringify(user)}`);
    }
    const mimeTypes = assertAbsPath("mimeTypesPath", opts.mimeTypesPath ?? "/etc/nginx/mime.types");
    const logDir = assertAbsPath("logDir", opts.logDir ?? "/var/log/nginx");
    const pidPath = assertAbsPath("pidPath", opts.pidPath ?? "/run/nginx.pid");

    // The server lines themselves are in serversInclude (nginxServersInclude), so the checker can mark one down.
    const names = backends.map((b) => `${b.name} ${hostPort(b.address, b.port)}`).join(", ");
    const health = [
        `        location = ${healthPath} {`,
        `            access_log off;`,
        `            default_type text/plain;`,
        `            return 200 "ok\\n";`,
        `        }`,
    ];
    const location = (path: string, upstream: string) => [
        `        location ${path === "/" ? "= /" : path} {`,
        `            proxy_pass https://${upstream};`,
        ...(upstream === NGINX_UPSTREAMS.roundRobin && apiReadTimeout !== readTimeout
            ? [`            proxy_read_timeout ${apiReadTimeout}s;`, `            proxy_send_timeout ${apiReadTimeout}s;`]
            : []),
        `        }`,
    ];

    return [
        `# nginx.conf of the Gluu cluster load balancer ${serverName}.`,
        `# Rendered by gluu-cluster: edits here are overwritten on the next deployment.`,
        `user ${user};`,
        `worker_processes auto;`,
        `# Each proxied request holds two descriptors (client and node).`,
        `worker_rlimit_nofile ${workerConnections * 2};`,
        `pid ${pidPath};`,
        `error_log ${logDir}/error.log warn;`,
        ``,
        `events {`,
        `    worker_connections ${workerConnections};`,
        `}`,
        ``,
        `http {`,
        `    include ${mimeTypes};`,
        `    default_type application/octet-stream;`,
        `    sendfile on;`,
        `    server_tokens off;`,
        `    access_log ${logDir}/access.log;`,
        `    client_max_body_size ${bodySize};`,
        `    # SAML redirect-binding URLs and SSO cookies outgrow the 8k defaults.`,
        `    large_client_header_buffers 4 16k;`,
        ``,
        `    # Every node (${names}) is in both upstreams; a node failing ${maxFails} times is skipped for ${failTimeout}s.`,
        `    # zone: failures and down marks are shared by all workers. keepalive: idle TLS connections to the`,
        `    # nodes are reused (the balancing method must come before keepalive), and closed before the nodes'`,
        `    # Apache closes them (KeepAliveTimeout 5 s), so no request races a closing connection.`,
        `    upstream ${NGINX_UPSTREAMS.roundRobin} {`,
        `        zone ${NGINX_UPSTREAMS.roundRobin} 64k;`,
        `        include ${serversInclude};`,
        `        keepalive ${keepalive};`,
        `        keepalive_timeout ${keepaliveTimeout}s;`,
        `    }`,
        `    # Paths whose sessions live in one node's memory stay on that node: hashed on the whole client address.`,
        `    upstream ${NGINX_UPSTREAMS.sticky} {`,
        `        zone ${NGINX_UPSTREAMS.sticky} 64k;`,
        `        hash $remote_addr consistent;`,
        `        include ${serversInclude};`,
        `        keepalive ${keepalive};`,
        `        keepalive_timeout ${keepaliveTimeout}s;`,
        `    }`,
        ``,
        `    server {`,
        `        listen 80 default_server;`,
        `        server_name ${serverName};`,
        ...health,
        `        location / {`,
        `            return 301 https://${serverName}$request_uri;`,
        `        }`,
        `    }`,
        ``,
        `    server {`,
        `        listen 443 ssl default_server;`,
        `        server_name ${serverName};`,
        ``,
        `        ssl_certificate ${certPath};`,
        `        ssl_certificate_key ${keyPath};`,
        `        ssl_protocols TLSv1.2 TLSv1.3;`,
        `        ssl_ciphers ${MOZILLA_INTERMEDIATE_CIPHERS};`,
        `        ssl_prefer_server_ciphers off;`,
        `        ssl_session_cache shared:gluu_tls:10m;`,
        `        ssl_session_timeout 1d;`,
        `        ssl_session_tickets off;`,
        ``,
        `        # Proxy settings live here and are inherited by every location below; a location that set its`,
        `        # own proxy_set_header would silently lose all of these.`,
        `        proxy_redirect off;`,
        `        # Retry another node only when the node is broken; never on an application's 500, never a POST that`,
        `        # reached a node (no non_idempotent). Every wait is bounded, retries included.`,
        `        proxy_next_upstream error timeout invalid_header http_502 http_503 http_504;`,
        `        proxy_next_upstream_tries ${nextTries};`,
        `        proxy_next_upstream_timeout ${nextTimeout}s;`,
        `        proxy_connect_timeout ${connectTimeout}s;`,
        `        proxy_read_timeout ${readTimeout}s;`,
        `        proxy_send_timeout ${readTimeout}s;`,
        `        # Keep-alive to the nodes: HTTP/1.1 and no "Connection: close" from the client's request.`,
        `        proxy_http_version 1.1;`,
        `        proxy_set_header Connection "";`,
        `        proxy_set_header Host $host;`,
        `        proxy_set_header X-Real-IP $remote_addr;`,
        `        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`,
        `        proxy_set_header X-Forwarded-Proto $scheme;`,
        `        # Gluu's redirects and cookies outgrow the default 4k/8k response-header buffer (502 otherwise).`,
        `        proxy_buffer_size 16k;`,
        `        proxy_buffers 8 16k;`,
        `        proxy_busy_buffers_size 32k;`,
        `        # Nodes are verified: their certificate must chain to ${backendCaPath} and hold`,
        `        # ${backendTlsName} (a fixed name; $upstream_addr would need IPs in the certificate).`,
        `        proxy_ssl_verify on;`,
        `        proxy_ssl_trusted_certificate ${backendCaPath};`,
        `        proxy_ssl_verify_depth 2;`,
        `        proxy_ssl_name ${backendTlsName};`,
        `        proxy_ssl_server_name on;`,
        `        proxy_ssl_protocols TLSv1.2 TLSv1.3;`,
        `        proxy_ssl_session_reuse on;`,
        ``,
        ...health,
        ...opts.roundRobinPaths.flatMap((p) => location(p, NGINX_UPSTREAMS.roundRobin)),
        ...opts.stickyPaths.flatMap((p) => location(p, NGINX_UPSTREAMS.sticky)),
        `        # Anything not listed above is not proxied.`,
        `        location / {`,
        `            return 404;`,
        `        }`,
        `    }`,
        `}`,
        ``,
    ].join("\n");
}

/** Options of `nginxGuardFunction`. */
export interface NginxGuardOptions {
    /**
     * Extra arguments for the `nginx -t` test, e.g. `["-p", prefix, "-e", errorLog]` in unit tests. Defaults to
     * none (the host's compiled-in prefix).
     */
    testArgs?: string[];
    /** The nginx binary. Defaults to `nginx` (from PATH). */
    nginxBin?: string;
}

/**
 * Shell function text `nginx_guarded_install CANDIDATE TARGET FORCE` (needs `put_file` and the `script()`
 * header): if CANDIDATE differs from TARGET, or FORCE is 1 (files the configuration references changed), the
 * candidate is copied next to TARGET (so relative includes resolve as they will for TARGET) and tested with
 * `nginx -t -q -c`; only when the test passes it becomes TARGET (0644 root) and `nginx_reload=1` is set.
 * A failing test prints nginx's output on stderr, leaves TARGET untouched and returns 1.
 */
export function nginxGuardFunction(opts: NginxGuardOptions = {}): string {
    const nginxBin = opts.nginxBin ?? "nginx";
    if (!/^(\/[A-Za-z0-9._\/-]+|[a-z][a-z0-9._-]*)$/.test(nginxBin)) {
        throw new Error(`\`nginxBin\` must be a command name or an absolute path, got ${JSON.stringify(nginxBin)}`);
    }
    const bin = shq(nginxBin);
    const extra = (opts.testArgs ?? []).map(shq).join(" ");
    return `nginx_reload=0
nginx_guarded_install() {
  local candidate="$1" target="$2" force="$3" probe test_out
  if [ "$force" != 1 ] && [ -f "$target" ] && cmp -s "$candidate" "$target"; then
    return 0
  fi
  probe=$(mktemp "$(dirname "$target")/.$(basename "$target").candidate.XXXXXX") || return 1
  cleanup_paths+=("$probe")
  cat "$candidate" > "$probe" || return 1
  if ! test_out=$(${bin} -t -q -c "$probe"${extra ? " " + extra : ""} 2>&1); then
    rm -f "$probe"
    echo "nginx -t rejected the new configuration; $target was left as it was:" >&2
    printf '%s\\n' "$test_out" >&2
    return 1
  fi
  rm -f "$probe"
  put_file "$target" 0644 root:root < "$candidate" || return 1
  nginx_reload=1
}`;
}

/** Options of `nginxInstallScript`. */
export interface NginxInstallOptions {
    /** The configuration, from `nginxConf` (no secrets). */
    confText: string;
    /** Certificate (chain) users see, PEM; public, so it is embedded in the script. */
    certPem: string;
    /** Certificates that sign the nodes' HTTPS certificate, PEM (the Gluu httpd.crt itself when self-signed). */
    backendCaPem: string;
    /** Where nginx.conf goes. Defaults to `/etc/nginx/nginx.conf`. */
    confPath?: string;
    /** Must match `nginxConf`'s `certPath`. Defaults to `/etc/nginx/ssl/gluu.crt`. */
    certPath?: string;
    /** Must match `nginxConf`'s `keyPath`. Defaults to `/etc/nginx/ssl/gluu.key`. */
    keyPath?: string;
    /** Must match `nginxConf`'s `backendCaPath`. Defaults to `/etc/nginx/ssl/gluu-backend-ca.crt`. */
    backendCaPath?: string;
    /** Passed to `nginxGuardFunction` (tests only). Defaults to none. */
    guard?: NginxGuardOptions;
    /**
     * The upstream servers with no node down (`nginxServersInclude`), written to `serversIncludePath`. Defaults to
     * none: the include is left as it is (only for a `confText` whose include is managed otherwise).
     */
    serversText?: string;
    /** Must match `nginxConf`'s `serversIncludePath`. Defaults to `/etc/nginx/gluu-lb/upstream-servers.conf`. */
    serversIncludePath?: string;
    /**
     * The active checker daemon (`lbCheckScript`), installed as `/usr/local/sbin/gluu-lb-check` and kept running.
     * Defaults to none: no checker is installed or started.
     */
    checkScript?: string;
}

/** Refuse a PEM that is not certificates, and above all a private key pasted where a certificate belongs. */
function assertCertificatePem(field: string, pem: string): string {
    if (typeof pem !== "string" || /PRIVATE KEY/.test(pem)) {
        throw new Error(`\`${field}\` must hold certificates only; a private key goes on stdin, never into the script`);
    }
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
    const rest = pem.replace(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g, "").trim();
    if (blocks.length === 0 || rest !== "") {
        throw new Error(`\`${field}\` must be one or more PEM certificates (-----BEGIN CERTIFICATE----- ...) and nothing else`);
    }
    for (const b of blocks) {
        try {
            new X509Certificate(b);
        } catch (e) {
            throw new Error(`\`${field}\` holds a certificate that does not parse: ${(e as Error).message}`);
        }
    }
    return blocks.join("\n") + "\n";
}

/**
 * Install NGINX as the Gluu load balancer: packages, TLS files, the configuration (guarded by `nginx -t`),
 * then reload, or start when it is not running. Idempotent: a second run prints nothing and reloads nothing.
 * Prints `changed <path>` per file written and `reloaded nginx` / `started nginx`.
 *
 * The key/certificate pair is checked with openssl before anything is written; if the new configuration
 * fails `nginx -t`, the TLS files are put back as they were and the script exits non-zero with nginx's output,
 * so a working load balancer keeps its working setup.
 *
 * stdin: the load balancer's private key, PEM, unencrypted (the Gluu httpd.key), and nothing else.
 */
export function nginxInstallScript(opts: NginxInstallOptions): string {
    if (typeof opts.confText !== "string" || !/^\s*http\s*\{/m.test(opts.confText)) {
        throw new Error("`confText` must be a complete nginx.conf (render it with nginxConf)");
    }
    if (/PRIVATE KEY/.test(opts.confText)) {
        throw new Error("`confText` contains a private key: keys go on stdin, never into the script");
    }
    const certPem = assertCertificatePem("certPem", opts.certPem);
    const caPem = assertCertificatePem("backendCaPem", opts.backendCaPem);
    const confPath = assertAbsPath("confPath", opts.confPath ?? NGINX_DEFAULT_PATHS.confPath);
    // Start failures (a port in use) show only in nginx's error log, not in the init script's output.
    const errorLog = assertAbsPath("error_log in `confText`", /^error_log\s+([^\s;]+)/m.exec(opts.confText)?.[1] ?? "/var/log/nginx/error.log");
    const certPath = assertAbsPath("certPath", opts.certPath ?? NGINX_DEFAULT_PATHS.certPath);
    const keyPath = assertAbsPath("keyPath", opts.keyPath ?? NGINX_DEFAULT_PATHS.keyPath);
    const caPath = assertAbsPath("backendCaPath", opts.backendCaPath ?? NGINX_DEFAULT_PATHS.backendCaPath);
    const serversPath = assertAbsPath("serversIncludePath", opts.serversIncludePath ?? NGINX_DEFAULT_PATHS.serversIncludePath);
    if (opts.serversText !== undefined && (typeof opts.serversText !== "string" || !/^server /m.test(opts.serversText) || / down;/.test(opts.serversText))) {
        throw new Error("`serversText` must be the upstream server lines with no node down (render it with nginxServersInclude)");
    }
    if (opts.checkScript !== undefined && (typeof opts.checkScript !== "string" || !opts.checkScript.startsWith("#!/usr/bin/env bash\n# gluu-lb-check"))) {
        throw new Error("`checkScript` must be the gluu-lb-check daemon (render it with lbCheckScript)");
    }
    const paths = [["certPath", certPath], ["keyPath", keyPath], ["backendCaPath", caPath], ...(opts.serversText !== undefined ? [["serversIncludePath", serversPath]] : [])];
    for (const [field, p] of paths) {
        if (!opts.confText.includes(` ${p};`)) {
            throw new Error(`\`${field}\` ${p} is not used by \`confText\`: render the configuration with the same paths`);
        }
    }

    const restart = pendingRestart("nginx");
    return script(
        `Install NGINX as the Gluu load balancer (stdin: private key PEM)`,
        APT_FUNCTIONS,
        SERVICE_FUNCTIONS,
        PUT_FILE_FUNCTION,
        nginxGuardFunction(opts.guard),
        [
            `conf_path=${shq(confPath)}`,
            `cert_path=${shq(certPath)}`,
            `key_path=${shq(keyPath)}`,
            `ca_path=${shq(caPath)}`,
            `servers_path=${shq(serversPath)}`,
            `# Everything new is staged first; the key from stdin before any command could read stdin.`,
            `stage=$(mktemp -d)`,
            `cleanup_paths+=("$stage")`,
            `chmod 0700 "$stage"`,
            `(umask 077; cat > "$stage/key.pem")`,
            heredoc(`cat > "$stage/cert.pem"`, certPem),
            heredoc(`cat > "$stage/ca.pem"`, caPem),
            heredoc(`cat > "$stage/nginx.conf"`, opts.confText),
            ...(opts.serversText !== undefined ? [heredoc(`cat > "$stage/upstream-servers.conf"`, opts.serversText)] : []),
            ...(opts.checkScript !== undefined
                ? [heredoc(`cat > "$stage/gluu-lb-check"`, opts.checkScript), heredoc(`cat > "$stage/gluu-lb-check.service"`, lbCheckUnit())]
                : []),
        ].join("\n"),
        `apt_install nginx openssl`,
        [
            `# Check the TLS material before touching anything. An empty passphrase: nginx could not use an`,
            `# encrypted key without ssl_password_file anyway.`,
            `if ! key_pub=$(openssl pkey -in "$stage/key.pem" -passin pass: -pubout 2>/dev/null); then`,
            `  echo "stdin is not an unencrypted PEM private key" >&2; exit 1`,
            `fi`,
            `if ! cert_pub=$(openssl x509 -in "$stage/cert.pem" -noout -pubkey); then`,
            `  echo "the certificate does not parse" >&2; exit 1`,
            `fi`,
            `if [ "$key_pub" != "$cert_pub" ]; then`,
            `  echo "the private key on stdin does not belong to the certificate for $cert_path" >&2; exit 1`,
            `fi`,
            `openssl x509 -in "$stage/ca.pem" -noout`,
        ].join("\n"),
        [
            `# TLS files: the old ones are kept aside until the new configuration has passed nginx -t.`,
            `mkdir -m 0700 "$stage/old"`,
            `tls_changed=0`,
            `install_tls() {`,
            `  local src="$1" dst="$2" mode="$3" out`,
            `  if [ -f "$dst" ]; then cp -p "$dst" "$stage/old/$(basename "$dst")"; fi`,
            `  out=$(put_file "$dst" "$mode" root:root < "$src")`,
            `  if [ -n "$out" ]; then echo "$out"; tls_changed=1; fi`,
            `}`,
            `restore_tls() {`,
            `  local dst`,
            `  for dst in "$cert_path" "$key_path" "$ca_path" "$servers_path"; do`,
            `    if [ -f "$stage/old/$(basename "$dst")" ]; then cp -p "$stage/old/$(basename "$dst")" "$dst"; fi`,
            `  done`,
            `}`,
            `install_tls "$stage/key.pem" "$key_path" 0600`,
            `install_tls "$stage/cert.pem" "$cert_path" 0644`,
            `install_tls "$stage/ca.pem" "$ca_path" 0644`,
            ...(opts.serversText === undefined
                ? []
                : [
                      `# The upstream server list: gluu-lb-check only toggles " down" in it, so a list that differs only by`,
                      `# those marks is kept (no reload); a new node list replaces it (and is tested with the configuration).`,
                      `# The checker's writes and this install are serialised by one lock.`,
                      `[ -d /run/lock ] || install -d -m 1777 /run/lock`,
                      `exec 8>${LB_CHECK_PATHS.lock}`,
                      `if ! flock -w 120 8; then echo "gluu-lb-check has held ${LB_CHECK_PATHS.lock} for 2 minutes" >&2; exit 1; fi`,
                      `install -d -m 0755 "$(dirname "$servers_path")"`,
                      `if ! { [ -f "$servers_path" ] && sed 's/ down;/;/' "$servers_path" | cmp -s - "$stage/upstream-servers.conf"; }; then`,
                      `  install_tls "$stage/upstream-servers.conf" "$servers_path" 0644`,
                      `fi`,
                  ]),
        ].join("\n"),
        [
            `# A run killed after writing files but before the reload owes one: test and reload again.`,
            `changes=$(mktemp)`,
            `cleanup_paths+=("$changes")`,
            restart.begin,
            `if [ -s "$changes" ]; then cat "$changes"; tls_changed=1; fi`,
            `if ! nginx_guarded_install "$stage/nginx.conf" "$conf_path" "$tls_changed"; then`,
            `  if [ "$tls_changed" = 1 ]; then restore_tls; echo "restored the previous TLS files" >&2; fi`,
            `  ${restart.forget}`,
            `  exit 1`,
            `fi`,
            `svc_enable nginx`,
            `if svc nginx status >/dev/null 2>&1; then`,
            `  if [ "$nginx_reload" = 1 ]; then svc nginx reload >/dev/null 8>&-; echo "reloaded nginx"; fi`,
            `else`,
            `  # (8>&-: the daemon must not inherit the lock it would hold for as long as it runs)`,
            `  if ! svc nginx start >/dev/null 8>&-; then`,
            `    echo "nginx did not start; the end of its error log:" >&2`,
            `    tail -n 5 ${shq(errorLog)} >&2 || true`,
            `    exit 1`,
            `  fi`,
            `  echo "started nginx"`,
            `fi`,
            ...(opts.checkScript === undefined
                ? []
                : [
                      `# The active checker: restarted only when its text or unit changed; the lock is not passed on (8>&-).`,
                      `check_changed=$(put_file ${LB_CHECK_PATHS.bin} 0755 root:root < "$stage/gluu-lb-check")`,
                      `if [ -n "$check_changed" ]; then echo "$check_changed"; fi`,
                      `if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then`,
                      `  unit_changed=$(put_file ${LB_CHECK_PATHS.unit} 0644 root:root < "$stage/gluu-lb-check.service")`,
                      `  if [ -n "$unit_changed" ]; then echo "$unit_changed"; systemctl daemon-reload; fi`,
                      `  systemctl enable gluu-lb-check.service >/dev/null 2>&1`,
                      `  if [ -n "$check_changed$unit_changed" ]; then`,
                      `    systemctl restart gluu-lb-check.service 8>&-; echo "changed restarted gluu-lb-check"`,
                      `  elif ! systemctl is-active --quiet gluu-lb-check.service; then`,
                      `    systemctl start gluu-lb-check.service 8>&-; echo "changed started gluu-lb-check"`,
                      `  fi`,
                      `else`,
                      `  # No systemd (containers, the test bed): the daemon runs detached and keeps its own pid file.`,
                      `  check_pid=$(cat ${LB_CHECK_PATHS.pid} 2>/dev/null || true)`,
                      `  if [ -n "$check_pid" ] && kill -0 "$check_pid" 2>/dev/null && [ -n "$check_changed" ]; then`,
                      `    kill "$check_pid"`,
                      `    for _ in $(seq 1 50); do kill -0 "$check_pid" 2>/dev/null || break; sleep 0.1; done`,
                      `  fi`,
                      `  if [ -z "$check_pid" ] || ! kill -0 "$check_pid" 2>/dev/null; then`,
                      `    setsid -f ${LB_CHECK_PATHS.bin} </dev/null >>${LB_CHECK_PATHS.log} 2>&1 8>&- 9>&-`,
                      `    echo "changed started gluu-lb-check"`,
                      `  fi`,
                      `fi`,
                  ]),
            restart.end,
        ].join("\n"),
    );
}

/** The external LB's front end: HTTPS on `httpsPort` (443), HTTP on `httpRedirectPort` (80) redirected to `redirectTo`. */
export interface ExternalLbFrontend {
    /** Always 443. */
    httpsPort: number;
    /** Always 80. */
    httpRedirectPort: number;
    /** `https://<hostname>`. */
    redirectTo: string;
}

/** One Gluu node behind the external LB. */
export interface ExternalLbBackend {
    name: string;
    address: string;
    port: number;
    /** Always `https`. */
    protocol: string;
}

/** The per-node health check of the external LB. */
export interface ExternalLbHealthCheck {
    /** Always `https`. */
    protocol: string;
    path: string;
    /** Always 200. */
    expectStatus: number;
}

/** What an external load balancer (F5, DigitalOcean LB, ...) must do for the cluster, as data. */
export interface ExternalLbDescription {
    /** Name clients use; the LB's certificate must be valid for it (use the Gluu httpd certificate). */
    hostname: string;
    /** Front end: HTTPS on 443, HTTP on 80 redirected to https://hostname. */
    frontend: ExternalLbFrontend;
    /** The Gluu nodes, all HTTPS. */
    backends: ExternalLbBackend[];
    /** Name to verify in the nodes' certificate and to send as SNI/Host (the nodes carry the LB name). */
    backendTlsName: string;
    /** Paths any node may serve (round robin). */
    roundRobinPaths: string[];
    /** Paths that need session stickiness (same client → same node: source-IP or cookie affinity). */
    stickyPaths: string[];
    /** A per-node health check (on each backend's own port) that needs oxAuth to be up. */
    healthCheck: ExternalLbHealthCheck;
    /** Headers the LB must pass to the nodes. */
    forwardHeaders: string[];
    /** The same as readable text, one fact per line. */
    text: string;
}

/** Options of `externalLbDescription`: the same facts as `nginxConf`'s. */
export interface ExternalLbOptions {
    /** The LB FQDN = Gluu hostname. */
    serverName: string;
    /** The Gluu nodes. */
    backends: NginxBackend[];
    /** `profile.lbPaths.roundRobin`. */
    roundRobinPaths: string[];
    /** `profile.lbPaths.sticky`. */
    stickyPaths: string[];
    /** Name in the nodes' certificate. Defaults to `serverName`. */
    backendTlsName?: string;
    /** Health check path on the nodes. Defaults to `/oxauth/.well-known/openid-configuration`. */
    healthCheckPath?: string;
}

/**
 * For users with their own load balancer: the upstream servers, which paths need stickiness and how to check
 * node health, as a plain object (a component output) with a `text` rendering.
 */
export function externalLbDescription(opts: ExternalLbOptions): ExternalLbDescription {
    const hostname = assertHostName("serverName", opts.serverName);
    const backends = checkBackends(opts.backends).map((b) => ({ ...b, protocol: "https" as const }));
    checkPaths(opts.roundRobinPaths, opts.stickyPaths, "");
    const backendTlsName = assertHostName("backendTlsName", opts.backendTlsName ?? hostname);
    const healthPath = opts.healthCheckPath ?? "/oxauth/.well-known/openid-configuration";
    if (!URL_PATH.test(healthPath)) {
        throw new Error(`\`healthCheckPath\` must be a URL path, got ${JSON.stringify(healthPath)}`);
    }
    const forwardHeaders = ["Host (the client's, i.e. the hostname)", "X-Real-IP", "X-Forwarded-For", "X-Forwarded-Proto"];
    const text = [
        `Load balancer for https://${hostname}/ (certificate valid for ${hostname}; HTTP on port 80 redirects to https://${hostname}).`,
        `Backends (HTTPS; verify the certificate name ${backendTlsName}):`,
        ...backends.map((b) => `  ${b.name}  ${hostPort(b.address, b.port)}`),
        `Round robin paths: ${opts.roundRobinPaths.join(" ") || "(none)"}`,
        `Sticky paths (same client to the same node, source-IP or cookie affinity): ${opts.stickyPaths.join(" ") || "(none)"}`,
        `Other paths need not be exposed.`,
        `Health check per node: GET https://<node>:<port>${healthPath} expecting 200.`,
        `Forward headers: ${forwardHeaders.join(", ")}.`,
    ].join("\n");
    return {
        hostname,
        frontend: { httpsPort: 443, httpRedirectPort: 80, redirectTo: `https://${hostname}` },
        backends,
        backendTlsName,
        roundRobinPaths: [...opts.roundRobinPaths],
        stickyPaths: [...opts.stickyPaths],
        healthCheck: { protocol: "https", path: healthPath, expectStatus: 200 },
        forwardHeaders,
        text,
    };
}

/** Options of `lbHealthScript`. */
export interface LbHealthOptions {
    /** The load balancer's FQDN (the Gluu hostname). */
    serverName: string;
    /** The Gluu nodes, each checked directly (TLS verified against `backendCaPath`) besides the check through NGINX. */
    backends: NginxBackend[];
    /** Path that needs oxAuth up. Defaults to `/oxauth/.well-known/openid-configuration`. */
    path?: string;
    /** Certificates that sign the nodes' certificate. Defaults to `/etc/nginx/ssl/gluu-backend-ca.crt`. */
    backendCaPath?: string;
    /** The load balancer's own certificate, trusted when the system store does not (self-signed). Defaults to `/etc/nginx/ssl/gluu.crt`. */
    certPath?: string;
    /** Port NGINX listens on for HTTPS. Defaults to `443`. */
    httpsPort?: number;
    /** Seconds to keep trying before failing (oxAuth takes minutes after a restart). Defaults to `600`. */
    timeoutSeconds?: number;
}

/**
 * Health check of the whole path, run on the load balancer: every node answers `path` with 200 over TLS
 * verified for `serverName` (curl `--resolve` to the node's address), and so do `backends.length + 1`
 * requests through NGINX on this host. Retries until `timeoutSeconds`. Prints one `<node> 200` line per node
 * and `lb 200`; read-only, so a re-run changes nothing.
 *
 * stdin: none.
 */
export function lbHealthScript(opts: LbHealthOptions): string {
    const host = assertHostName("serverName", opts.serverName);
    const backends = checkBackends(opts.backends);
    const path = opts.path ?? "/oxauth/.well-known/openid-configuration";
    if (!URL_PATH.test(path)) {
        throw new Error(`\`path\` must be a URL path, got ${JSON.stringify(path)}`);
    }
    const caPath = assertAbsPath("backendCaPath", opts.backendCaPath ?? NGINX_DEFAULT_PATHS.backendCaPath);
    const certPath = assertAbsPath("certPath", opts.certPath ?? NGINX_DEFAULT_PATHS.certPath);
    const httpsPort = assertInt("httpsPort", opts.httpsPort ?? 443, 1, 65535);
    const timeout = opts.timeoutSeconds ?? 600;
    if (!Number.isInteger(timeout) || timeout < 1) {
        throw new Error(`\`timeoutSeconds\` must be a positive integer, got ${JSON.stringify(timeout)}`);
    }
    return script(
        `Health of https://${host}${path}: every node directly, then through NGINX`,
        APT_FUNCTIONS,
        `apt_install curl`,
        [
            `host=${shq(host)}`,
            `url_path=${shq(path)}`,
            `deadline=$(( $(date +%s) + ${timeout} ))`,
            `# probe NAME ADDRESS PORT CURL-TRUST-ARGS...: retry until 200 or the deadline.`,
            `probe() {`,
            `  local name="$1" address="$2" port="$3" code=""`,
            `  shift 3`,
            `  while :; do`,
            `    code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 15 "$@" \\`,
            `      --resolve "$host:$port:$address" "https://$host:$port$url_path" 2>/dev/null) || code="000"`,
            `    if [ "$code" = 200 ]; then echo "$name 200"; return 0; fi`,
            `    if [ "$(date +%s)" -ge "$deadline" ]; then`,
            `      echo "$name answered $code for https://$host:$port$url_path (via $address); giving up" >&2`,
            `      return 1`,
            `    fi`,
            `    sleep 5`,
            `  done`,
            `}`,
            `# A public certificate verifies with the system store; Gluu's self-signed one with itself.`,
            `lb_trust=()`,
            `if ! curl -sS -o /dev/null --max-time 15 --resolve "$host:${httpsPort}:127.0.0.1" "https://$host:${httpsPort}/" 2>/dev/null; then`,
            `  lb_trust=(--cacert ${shq(certPath)})`,
            `fi`,
            `failed=0`,
            ...backends.map((b) => `probe ${shq(b.name)} ${shq(b.address)} ${b.port} --cacert ${shq(caPath)} || failed=1`),
            `for _ in ${Array.from({ length: backends.length + 1 }, (_, i) => i + 1).join(" ")}; do`,
            `  # (the +-form keeps bash 4.3, Ubuntu 16.04's, happy with an empty array under set -u)`,
            `  probe lb 127.0.0.1 ${httpsPort} \${lb_trust[@]+"\${lb_trust[@]}"} >/dev/null || { failed=1; break; }`,
            `done`,
            `if [ "$failed" -ne 0 ]; then exit 1; fi`,
            `echo "lb 200"`,
        ].join("\n"),
    );
}
