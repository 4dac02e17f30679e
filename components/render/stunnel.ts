// stunnel: mutual-TLS tunnels between cluster hosts: the client end of the Redis cache on every node (the cache
// itself terminates TLS in Redis, see render/redis.ts), and the csync2 mesh.
//
// One cluster CA signs every host certificate; the program creates them, these functions only place them.
// Every tunnel end checks the peer's chain against the cluster CA (`verifyChain`); clients also pin the
// server's name (`checkHost`), servers require a client certificate (`requireCert`).
// Facts: ../../shared/reference/gluu-facts.md §6 (packaging differences between Debian/Ubuntu releases).

import { APT_FUNCTIONS, PUT_FILE_FUNCTION, SERVICE_FUNCTIONS, assertToken, heredoc, pendingRestart, script, shq } from "./shell";

/** Where a host's TLS files live. The same node certificate serves every tunnel on that host. */
export interface StunnelTlsFiles {
    /** PEM certificate of this host, signed by the cluster CA. Default `/etc/stunnel/gluu-node.crt`. */
    certPath?: string;
    /** PEM private key of this host (0600 root). Default `/etc/stunnel/gluu-node.key`. */
    keyPath?: string;
    /** PEM certificate of the cluster CA. Default `/etc/stunnel/gluu-cluster-ca.crt`. */
    caPath?: string;
}

/** Default locations of the node certificate, its key and the cluster CA. */
export const STUNNEL_DEFAULT_TLS: Readonly<Required<StunnelTlsFiles>> = Object.freeze({
    certPath: "/etc/stunnel/gluu-node.crt",
    keyPath: "/etc/stunnel/gluu-node.key",
    caPath: "/etc/stunnel/gluu-cluster-ca.crt",
});

/** Lowest TLS version any tunnel end accepts. */
export const STUNNEL_TLS_MIN = "TLSv1.2";

/** Refuse anything but an integer port 1-65535; `field` names the option in the error. */
export function assertPort(field: string, port: number): number {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new Error(`\`${field}\` must be an integer port between 1 and 65535, got ${JSON.stringify(port)}.`);
    }
    return port;
}

/** Refuse a path that is not absolute or not a plain token. */
export function assertAbsolutePath(field: string, path: string): string {
    assertToken(`\`${field}\``, path);
    if (!path.startsWith("/") || path.includes("/../") || path.endsWith("/..")) {
        throw new Error(`\`${field}\` must be an absolute path without "..", got ${JSON.stringify(path)}.`);
    }
    return path;
}

/** Host names and addresses that may appear in a tunnel end: DNS names, IPv4, IPv6 without brackets. */
const HOST_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|[0-9A-Fa-f:.]+)$/;

/** Refuse a host name / address that is not a plain DNS name or IP literal. */
export function assertHost(field: string, host: string): string {
    if (typeof host !== "string" || host.length > 253 || !HOST_RE.test(host)) {
        throw new Error(`\`${field}\` must be a DNS name or an IP address, got ${JSON.stringify(host)}.`);
    }
    return host;
}

/** Refuse wildcard listen addresses: every tunnel listens on one interface only. */
function assertNotWildcard(field: string, host: string): string {
    if (host === "0.0.0.0" || host === "::" || host === "*") {
        throw new Error(`\`${field}\` must be one address (e.g. the host's private address), not the wildcard ${host}.`);
    }
    return host;
}

/** stunnel's `[host:]port` syntax; stunnel splits an IPv6 literal at its last colon. */
function endpoint(field: string, host: string, port: number): string {
    return `${assertHost(`${field}Host`, host)}:${assertPort(`${field}Port`, port)}`;
}

function tlsFiles(o: StunnelTlsFiles): Required<StunnelTlsFiles> {
    const t = { ...STUNNEL_DEFAULT_TLS, ...stripUndefined(o) };
    assertAbsolutePath("certPath", t.certPath);
    assertAbsolutePath("keyPath", t.keyPath);
    assertAbsolutePath("caPath", t.caPath);
    return t;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const SECTION_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** One `[section]` of an stunnel configuration. */
export interface StunnelSection extends StunnelTlsFiles {
    /** Section (service) name; letters, digits, `.`, `_`, `-`. */
    service: string;
    /** `server` terminates TLS from a peer; `client` originates TLS towards a peer (`client = yes`). */
    mode: "server" | "client";
    /** `accept = host:port`; omitted only for an SNI secondary service (which has no socket of its own). */
    accept?: { host: string; port: number };
    /** `connect = host:port`: where the plaintext (server) or TLS (client) side goes. */
    connect: { host: string; port: number };
    /**
     * Names the peer certificate must hold (`checkHost`, any one matches). Required on clients (the server's
     * name); on servers it restricts which client certificates are accepted (default: any cluster-signed one).
     */
    checkHost?: string[];
    /** Client: the TLS SNI value to send. Server: `primary:pattern` making this an SNI secondary service. */
    sni?: string;
    /** Source address for the outgoing `connect` (stunnel `local`). Default: chosen by the kernel. */
    local?: string;
    /** Connection tuning; every field has a default (`STUNNEL_TUNING`). */
    tuning?: StunnelTuning;
}

/**
 * Connection settings every tunnel end gets (issue 15; stunnel 5.68 stunnel(8), "SERVICE-LEVEL OPTIONS"):
 * - `TIMEOUTidle`: seconds an idle connection is kept. Default `3600`: long enough for a connection pool that
 *   is idle at night to stay open for hours of normal use, short enough that connections whose peer vanished
 *   without a FIN/RST are freed within the hour (stunnel's own default is 43200 s).
 * - TCP keep-alive on both sockets (`socket = l:SO_KEEPALIVE=1`, `socket = r:SO_KEEPALIVE=1`) with the first
 *   probe after `keepaliveIdleSeconds` (`TCP_KEEPIDLE`, default `60`): a dead peer (a rebooted node, a cut
 *   link) is noticed by both ends instead of holding a Redis client forever.
 * - TLS session cache: `sessionCacheSize` (default `1000`) and `sessionCacheTimeout` (default `3600` s;
 *   stunnel's default 300) with `sessionResume = yes`: a client that opens a new connection resumes its TLS
 *   session instead of a full handshake (the client end caches the session per service).
 */
export interface StunnelTuning {
    /** `TIMEOUTidle`, seconds. Defaults to `3600`. */
    idleTimeoutSeconds?: number;
    /** `TCP_KEEPIDLE` on both sockets, seconds. Defaults to `60`. */
    keepaliveIdleSeconds?: number;
    /** `sessionCacheSize`, entries. Defaults to `1000`. */
    sessionCacheSize?: number;
    /** `sessionCacheTimeout`, seconds. Defaults to `3600`. */
    sessionCacheTimeoutSeconds?: number;
}

/** Defaults of `StunnelTuning`. */
export const STUNNEL_TUNING: Readonly<Required<StunnelTuning>> = Object.freeze({
    idleTimeoutSeconds: 3600,
    keepaliveIdleSeconds: 60,
    sessionCacheSize: 1000,
    sessionCacheTimeoutSeconds: 3600,
});

function tuningLines(t: StunnelTuning = {}): string[] {
    const v = { ...STUNNEL_TUNING, ...stripUndefined(t) };
    const int = (field: string, n: number, min: number, max: number) => {
        if (!Number.isInteger(n) || n < min || n > max) {
            throw new Error(`\`tuning.${field}\` must be an integer from ${min} to ${max}, got ${JSON.stringify(n)}.`);
        }
        return n;
    };
    return [
        `TIMEOUTidle = ${int("idleTimeoutSeconds", v.idleTimeoutSeconds, 1, 86400 * 7)}`,
        "socket = l:SO_KEEPALIVE=1",
        "socket = r:SO_KEEPALIVE=1",
        `socket = l:TCP_KEEPIDLE=${int("keepaliveIdleSeconds", v.keepaliveIdleSeconds, 1, 86400)}`,
        `socket = r:TCP_KEEPIDLE=${v.keepaliveIdleSeconds}`,
        "sessionResume = yes",
        `sessionCacheSize = ${int("sessionCacheSize", v.sessionCacheSize, 1, 1000000)}`,
        `sessionCacheTimeout = ${int("sessionCacheTimeoutSeconds", v.sessionCacheTimeoutSeconds, 1, 86400 * 7)}`,
    ];
}

/** Render one section. Every section verifies the peer chain against the cluster CA. */
export function stunnelSection(s: StunnelSection): string {
    if (!SECTION_RE.test(s.service)) {
        throw new Error(`stunnel \`service\` must be letters, digits, ".", "_" or "-", got ${JSON.stringify(s.service)}.`);
    }
    const t = tlsFiles(s);
    const checkHost = s.checkHost ?? [];
    checkHost.forEach((h, i) => assertHost(`checkHost[${i}]`, h));
    if (s.mode === "client" && checkHost.length === 0) {
        throw new Error(`stunnel client \`${s.service}\` needs \`checkHost\` (the server certificate's name): without it any cluster certificate would be accepted as the server.`);
    }
    if (!s.accept && !(s.mode === "server" && s.sni)) {
        throw new Error(`stunnel \`${s.service}\` needs \`accept\` (only an SNI secondary server service has none).`);
    }
    const lines = [`[${s.service}]`];
    if (s.mode === "client") {
        lines.push("client = yes");
    }
    if (s.accept) {
        lines.push(`accept = ${endpoint("accept", assertNotWildcard("acceptHost", s.accept.host), s.accept.port)}`);
    }
    lines.push(`connect = ${endpoint("connect", s.connect.host, s.connect.port)}`);
    if (s.local !== undefined) {
        lines.push(`local = ${assertHost("local", s.local)}`);
    }
    if (s.sni !== undefined) {
        const sniRe = s.mode === "server" ? /^[A-Za-z0-9._-]+:[A-Za-z0-9.*_-]+$/ : /^[A-Za-z0-9._-]+$/;
        if (!sniRe.test(s.sni)) {
            throw new Error(`stunnel \`sni\` of \`${s.service}\` must be ${s.mode === "server" ? "`primary:pattern`" : "a host name"}, got ${JSON.stringify(s.sni)}.`);
        }
        lines.push(`sni = ${s.sni}`);
    }
    lines.push(`cert = ${t.certPath}`, `key = ${t.keyPath}`, `CAfile = ${t.caPath}`, "verifyChain = yes");
    if (s.mode === "server") {
        // verifyChain already implies it on a server; spelled out so nobody "simplifies" it away.
        lines.push("requireCert = yes");
    }
    for (const h of checkHost) {
        lines.push(`checkHost = ${h}`);
    }
    lines.push(`sslVersionMin = ${STUNNEL_TLS_MIN}`);
    lines.push(...tuningLines(s.tuning));
    return lines.join("\n");
}

/**
 * A whole stunnel configuration file: header comment, the global `pid =` line, then sections.
 * No `foreground` line: `stunnelInstallScript` adds `foreground = yes` when systemd's `stunnel@.service`
 * runs the file, and leaves stunnel's default (daemon) for the SysV init script.
 */
export function stunnelConf(title: string, pidPath: string, sections: string[]): string {
    assertAbsolutePath("pidPath", pidPath);
    return [
        `; ${title.replace(/\n/g, " ")}`,
        "; Rendered by gluu-cluster; edits here are overwritten. Certificates are signed by the cluster CA.",
        `pid = ${pidPath}`,
        "",
        sections.join("\n\n"),
        "",
    ].join("\n");
}

/**
 * Options of the server end of a tunnel (a service without TLS of its own behind it). The Redis cache no longer
 * uses one: Redis terminates TLS itself (render/redis.ts), one hop less per operation (issue 15).
 */
export interface StunnelServerOptions extends StunnelTlsFiles {
    /** Section name. Default `redis`. */
    name?: string;
    /** Address TLS clients connect to: the host's private address (never a wildcard). */
    acceptAddress: string;
    /** Port TLS clients connect to. Default 16379. */
    acceptPort?: number;
    /** Where the plaintext service listens. Default `127.0.0.1`. */
    connectHost?: string;
    /** Port of the plaintext service. Default 6379. */
    connectPort?: number;
    /** Names of the client certificates allowed in (`checkHost` lines). Default: any cluster-signed one. */
    allowedClients?: string[];
    /** This configuration's own pid file. Default `/run/stunnel-<name>-server.pid`. */
    pidPath?: string;
}

/** The server end: TLS in on `acceptAddress:acceptPort`, client certificate required, plaintext to a local port. */
export function stunnelServerConf(o: StunnelServerOptions): string {
    const name = o.name ?? "redis";
    const section = stunnelSection({
        ...o,
        service: name,
        mode: "server",
        accept: { host: o.acceptAddress, port: o.acceptPort ?? 16379 },
        connect: { host: o.connectHost ?? "127.0.0.1", port: o.connectPort ?? 6379 },
        checkHost: o.allowedClients,
    });
    return stunnelConf(`stunnel SERVER for ${name}: mutual TLS in, plaintext to the local service`, o.pidPath ?? `/run/stunnel-${name}-server.pid`, [section]);
}

/** Options of the client end of a tunnel (e.g. on every Gluu node, towards Redis's own TLS port on the cache). */
export interface StunnelClientOptions extends StunnelTlsFiles {
    /** Section name. Default `redis`. */
    name?: string;
    /** Local port the application connects to; always on 127.0.0.1. Default 16379. */
    acceptPort?: number;
    /** Server end's address (its private address or name). */
    connectHost: string;
    /** Server end's port. Default 16379. */
    connectPort?: number;
    /** Name the server certificate must hold. Default: `connectHost`. */
    checkHost?: string;
    /** This configuration's own pid file. Default `/run/stunnel-<name>-client.pid`. */
    pidPath?: string;
}

/** The client end: plaintext in on 127.0.0.1:`acceptPort`, TLS out with this host's certificate. */
export function stunnelClientConf(o: StunnelClientOptions): string {
    assertHost("connectHost", o.connectHost);
    const name = o.name ?? "redis";
    const section = stunnelSection({
        ...o,
        service: name,
        mode: "client",
        accept: { host: "127.0.0.1", port: o.acceptPort ?? 16379 },
        connect: { host: o.connectHost, port: o.connectPort ?? 16379 },
        checkHost: [o.checkHost ?? o.connectHost],
    });
    return stunnelConf(`stunnel CLIENT for ${name}: plaintext in on loopback, mutual TLS out`, o.pidPath ?? `/run/stunnel-${name}-client.pid`, [section]);
}

/** Options of `stunnelInstallScript`. */
export interface StunnelInstallOptions extends StunnelTlsFiles {
    /** Configuration name: the file is `/etc/stunnel/<confName>.conf`, the unit `stunnel@<confName>`. */
    confName: string;
    /** The configuration text (from `stunnelServerConf`, `stunnelClientConf` or `stunnelConf`); has a `pid =` line. */
    conf: string;
    /** This host's certificate PEM (public; written from the script text). */
    certPem: string;
    /** The cluster CA certificate PEM (public). */
    caPem: string;
    /** An address:port the configuration accepts on; the script waits until it answers. */
    acceptCheck: { host: string; port: number };
    /** How long to wait for the accept port, in seconds. Default 30. */
    waitSeconds?: number;
}

function assertCertificatePem(field: string, pem: string): void {
    if (/PRIVATE KEY/.test(pem)) {
        throw new Error(`\`${field}\` contains a private key: keys never go into script text; pass only the certificate, the key goes on stdin.`);
    }
    if (!/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\s*$/.test(pem.trim() + "\n")) {
        throw new Error(`\`${field}\` must be PEM certificate text (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----).`);
    }
}

/**
 * Install stunnel4 and one tunnel configuration on a host, the way its packaging runs it:
 * systemd with the `stunnel@.service` template (Debian ≥ 5.56+dfsg-7, Ubuntu 22.04): the file gets
 * `foreground = yes` and `stunnel@<confName>` is enabled; otherwise the SysV/`stunnel4` service (which starts
 * every `/etc/stunnel/*.conf` as a daemon) with `ENABLED=1` set in /etc/default/stunnel4 where that key
 * exists (Ubuntu ≤ 18.04). Restarts only when a file changed, then waits until the tunnel accepts.
 *
 * stdin: this host's private key PEM, nothing else (exactly one key; written 0600 root to `keyPath`).
 * The script never writes any other key.
 */
export function stunnelInstallScript(o: StunnelInstallOptions): string {
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(o.confName)) {
        throw new Error(`\`confName\` must be lower-case letters, digits, "_" or "-" (it names a file and a systemd unit), got ${JSON.stringify(o.confName)}.`);
    }
    const t = tlsFiles(o);
    assertCertificatePem("certPem", o.certPem);
    assertCertificatePem("caPem", o.caPem);
    if (/PRIVATE KEY/.test(o.conf)) {
        throw new Error("`conf` contains a private key: keys never go into script text.");
    }
    if (/^\s*foreground\s*=/im.test(o.conf)) {
        throw new Error("`conf` must not set `foreground`: the install script sets it for the service mechanism it finds on the host.");
    }
    const pid = /^\s*pid\s*=\s*(\S+)\s*$/m.exec(o.conf);
    if (!pid) {
        throw new Error("`conf` needs its own `pid =` line (stunnel ≥ 5.68 writes no pid file otherwise, and the init script tracks each file by it).");
    }
    const pidPath = assertAbsolutePath("pid (in conf)", pid[1]);
    const checkHost = assertHost("acceptCheck.host", o.acceptCheck.host);
    const checkPort = assertPort("acceptCheck.port", o.acceptCheck.port);
    const wait = o.waitSeconds ?? 30;
    if (!Number.isInteger(wait) || wait < 1 || wait > 600) {
        throw new Error("`waitSeconds` must be an integer between 1 and 600.");
    }
    const restart = pendingRestart(`stunnel-${o.confName}`);
    const confPath = `/etc/stunnel/${o.confName}.conf`;
    const unit = `stunnel@${o.confName}.service`;

    return script(
        `Install stunnel tunnel ${o.confName} (stdin: this host's private key PEM)`,
        SERVICE_FUNCTIONS,
        APT_FUNCTIONS,
        PUT_FILE_FUNCTION,
        [
            `# One tunnel install at a time per host: several components add tunnels, and stunnel4's SysV script`,
            `# restarts every tunnel of the host at once.`,
            `[ -d /run/lock ] || install -d -m 1777 /run/lock`,
            `# (the daemons started below get fd 9 closed, or they would hold the lock for as long as they run)`,
            `exec 9>/run/lock/gluu-cluster-stunnel.lock`,
            `if ! flock -w 600 9; then echo "another stunnel install on this host has held the lock for 10 minutes" >&2; exit 1; fi`,
            `apt_install stunnel4`,
            `changes=$(mktemp)`,
            `cleanup_paths+=("$changes")`,
            restart.begin,
            `pid_file=${shq(pidPath)}`,
            `tunnel_running() { [ -s "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; }`,
        ].join("\n"),
        [
            `# Public certificates come from the script text; the private key only from stdin.`,
            heredoc(`put_file ${shq(t.certPath)} 0644 root:root >>"$changes"`, o.certPem.trim()),
            heredoc(`put_file ${shq(t.caPath)} 0644 root:root >>"$changes"`, o.caPem.trim()),
            `key_dir=$(dirname ${shq(t.keyPath)})`,
            `install -d -m 0755 "$key_dir"`,
            `key_tmp=$(mktemp "$key_dir/.stunnel-key.XXXXXX")`,
            `cleanup_paths+=("$key_tmp")`,
            `cat > "$key_tmp"`,
            `key_count=$(grep -c -- '-----BEGIN [A-Z ]*PRIVATE KEY-----' "$key_tmp" || true)`,
            `if [ "$key_count" != 1 ]; then`,
            `  echo "stdin must be exactly one PEM private key (this host's); found $key_count" >&2`,
            `  exit 1`,
            `fi`,
            `# The key must belong to the certificate, or stunnel would refuse to start later with a vaguer error.`,
            `if command -v openssl >/dev/null 2>&1; then`,
            `  if [ "$(openssl pkey -in "$key_tmp" -pubout 2>/dev/null)" != "$(openssl x509 -in ${shq(t.certPath)} -noout -pubkey 2>/dev/null)" ]; then`,
            `    echo "the private key on stdin does not belong to ${t.certPath}" >&2`,
            `    exit 1`,
            `  fi`,
            `fi`,
            `put_file ${shq(t.keyPath)} 0600 root:root < "$key_tmp" >>"$changes"`,
        ].join("\n"),
        [
            `# Which mechanism runs stunnel here decides the foreground setting: the systemd template unit`,
            `# needs foreground = yes; the SysV init script starts every /etc/stunnel/*.conf as a daemon.`,
            `mode=sysv`,
            `if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then`,
            `  for unit_dir in /etc/systemd/system /lib/systemd/system /usr/lib/systemd/system; do`,
            `    if [ -f "$unit_dir/stunnel@.service" ]; then mode=template; fi`,
            `  done`,
            `fi`,
            `conf_tmp=$(mktemp)`,
            `cleanup_paths+=("$conf_tmp")`,
            `if [ "$mode" = template ]; then`,
            `  echo "foreground = yes" > "$conf_tmp"`,
            `else`,
            `  : > "$conf_tmp"`,
            `fi`,
            heredoc(`cat >> "$conf_tmp"`, o.conf),
            `put_file ${shq(confPath)} 0644 root:root < "$conf_tmp" >>"$changes"`,
            `# Ubuntu <= 18.04 ships ENABLED=0 in /etc/default/stunnel4; later packages dropped the key.`,
            `if [ "$mode" = sysv ] && [ -f /etc/default/stunnel4 ] && grep -q '^ENABLED=' /etc/default/stunnel4 && ! grep -qx 'ENABLED=1' /etc/default/stunnel4; then`,
            `  sed -i 's/^ENABLED=.*/ENABLED=1/' /etc/default/stunnel4`,
            `  echo "changed /etc/default/stunnel4" >>"$changes"`,
            `fi`,
            `cat "$changes"`,
        ].join("\n"),
        [
            `# A running tunnel whose files changed is reloaded (SIGHUP: stunnel re-reads its configuration, keys and`,
            `# certificates, keeps its connections, and keeps listening sockets whose address did not change; only`,
            `# chroot, foreground, pid, setuid and setgid are not re-read: stunnel(8), SIGNALS). A restart took 1.2-2 s`,
            `# of refused connections (issue 15). ENABLED=1 (SysV) and a first start still need the service itself.`,
            `reloadable=0`,
            `if [ -s "$changes" ] && tunnel_running && ! grep -qE '^changed (/etc/default/stunnel4|pending restart)' "$changes"; then reloadable=1; fi`,
            `if [ "$mode" = template ]; then`,
            `  if [ "$reloadable" = 1 ] && systemctl is-active --quiet ${shq(unit)}; then`,
            `    systemctl kill -s HUP --kill-who=main ${shq(unit)}`,
            `    echo "changed reloaded ${unit}"`,
            `  elif [ -s "$changes" ]; then`,
            `    systemctl enable ${shq(unit)} >/dev/null 2>&1`,
            `    systemctl restart ${shq(unit)}`,
            `    echo "changed restarted ${unit}"`,
            `  elif ! systemctl is-active --quiet ${shq(unit)}; then`,
            `    systemctl enable --now ${shq(unit)}`,
            `    echo "changed started ${unit}"`,
            `  else`,
            `    systemctl enable ${shq(unit)} >/dev/null 2>&1`,
            `  fi`,
            `  # The SysV wrapper would start this foreground file too and never return: warn if it is enabled.`,
            `  if systemctl is-enabled --quiet stunnel4.service 2>/dev/null; then`,
            `    echo "warning: stunnel4.service is enabled next to ${unit}; disable it (systemctl disable stunnel4)" >&2`,
            `  fi`,
            `else`,
            `  svc_enable stunnel4`,
            `  # The init script restarts every tunnel on the host; its exit status also reflects other files,`,
            `  # so this tunnel's own pid and port decide below.`,
            `  if [ "$reloadable" = 1 ]; then`,
            `    # The init script's reload sends SIGHUP to this instance only (stunnel4 reload <instance>).`,
            `    service stunnel4 reload ${shq(o.confName)} >/dev/null 9>&- || kill -HUP "$(cat "$pid_file")"`,
            `    echo "changed reloaded ${o.confName}"`,
            `  elif [ -s "$changes" ]; then`,
            `    svc stunnel4 restart >/dev/null 9>&- || echo "stunnel4 restart reported a failure; checking ${o.confName} itself" >&2`,
            `    echo "changed restarted stunnel4"`,
            `  fi`,
            `  if ! tunnel_running; then`,
            `    svc stunnel4 start >/dev/null 9>&- || echo "stunnel4 start reported a failure; checking ${o.confName} itself" >&2`,
            `    echo "changed started stunnel4"`,
            `  fi`,
            `fi`,
        ].join("\n"),
        [
            `# Wait (bounded) until this tunnel's process is alive and its port accepts connections.`,
            `ready=0`,
            `for _ in $(seq 1 ${wait}); do`,
            `  if tunnel_running && (exec 3<>/dev/tcp/${checkHost}/${checkPort}) 2>/dev/null; then ready=1; break; fi`,
            `  sleep 1`,
            `done`,
            `if [ "$ready" != 1 ]; then`,
            `  echo "stunnel ${o.confName} is not accepting on ${checkHost}:${checkPort} after ${wait} s (pid file ${pidPath}); see the system log (${unit} or stunnel4)" >&2`,
            `  exit 1`,
            `fi`,
            restart.end,
        ].join("\n"),
    );
}
