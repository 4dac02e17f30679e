// Csync2Mesh: csync2 file replication between Gluu nodes, carried by stunnel (mutual TLS).
//
// Why stunnel: csync2's own TLS fails against current GnuTLS (LINBIT/csync2#38), so csync2 runs with
// `nossl * *;` and never leaves the host in plaintext.
//
// How peers find and authenticate each other (verified with csync2 2.0-42 + stunnel 5.68 on loopback):
// - csync2.cfg lists `host <name>@<identity>;` where <identity> is a loopback address per node
//   (127.30.86.<index+1> by default). csync2 matches <name> against `-N <name>`; it connects to, and
//   introduces itself (HELLO) as, the <identity> part.
// - Outgoing: each node runs one stunnel CLIENT section per peer, accepting on <peer identity>:30865 (the
//   port csync2 always dials) and connecting with TLS to <peer private address>:30865, sending its OWN
//   name as SNI and requiring the peer's certificate name (`checkHost`).
// - Incoming: each node's stunnel SERVER accepts on <own private address>:30865. One SNI secondary service
//   per peer requires that peer's certificate name and connects to the local csync2 daemon
//   (127.0.0.1:30866) FROM the peer's identity address (`local =`). csync2's daemon checks that the HELLO
//   name resolves to the connection's source address: it therefore sees exactly the peer whose
//   certificate was verified. Connections without a known SNI fall to the primary service, whose
//   `checkHost` no certificate holds, and are refused.
// - The daemon listens on 127.0.0.1:30866 only, started by exactly one mechanism: systemd's csync2.socket
//   (with drop-ins) or an inetd line; both carry `-N <name>`.

import { GluuVersionProfile } from "../profiles";
import { APT_FUNCTIONS, PUT_FILE_FUNCTION, SERVICE_FUNCTIONS, heredoc, pendingRestart, script, shq } from "./shell";
import {
    StunnelTlsFiles,
    assertAbsolutePath,
    assertHost,
    assertPort,
    stunnelConf,
    stunnelInstallScript,
    stunnelSection,
} from "./stunnel";

/** Port csync2 dials (compiled-in default; we never pass `-p`). The stunnel clients accept on it. */
export const CSYNC2_PORT = 30865;
/** Default port of the local csync2 daemon (127.0.0.1 only). */
export const CSYNC2_DAEMON_PORT = 30866;
/** Default port of each node's stunnel server on its private address. */
export const CSYNC2_MESH_PORT = 30865;
/** Default first three octets of the loopback identity addresses (`<net>.<index+1>`). */
export const CSYNC2_IDENTITY_NET = "127.30.86";

/** csync2 conflict resolution methods (`auto`). */
export type Csync2Auto = "none" | "first" | "younger" | "older" | "bigger" | "smaller" | "left" | "right";

const NAME_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * Refuse a csync2 host name that is not a lower-case DNS name. csync2 lower-cases the names in its
 * configuration before comparing them with `-N`, so an upper-case name could never match.
 */
export function assertCsync2Name(field: string, name: string): string {
    if (typeof name !== "string" || name.length > 253 || !NAME_RE.test(name)) {
        const hint = typeof name === "string" && NAME_RE.test(name.toLowerCase()) ? ` (use ${JSON.stringify(name.toLowerCase())}: csync2 lower-cases names)` : "";
        throw new Error(`\`${field}\` must be a lower-case host name (letters, digits, "-", "."), got ${JSON.stringify(name)}${hint}.`);
    }
    return name;
}

function assertHosts(hosts: string[]): string[] {
    if (!Array.isArray(hosts) || hosts.length < 2) {
        throw new Error("`hosts` must list at least two csync2 node names.");
    }
    if (hosts.length > 254) {
        throw new Error("`hosts` may list at most 254 nodes (one loopback identity address each).");
    }
    hosts.forEach((h, i) => assertCsync2Name(`hosts[${i}]`, h));
    const dup = hosts.find((h, i) => hosts.indexOf(h) !== i);
    if (dup) {
        throw new Error(`\`hosts\` lists ${JSON.stringify(dup)} twice.`);
    }
    return hosts;
}

function assertIdentityNet(net: string): string {
    const m = /^127\.(\d{1,3})\.(\d{1,3})$/.exec(net);
    if (!m || Number(m[1]) > 255 || Number(m[2]) > 255 || (m[1] === "0" && m[2] === "0") || (m[1] === "0" && m[2] === "1")) {
        // 127.0.0.x holds 127.0.0.1 (every unbound local connection's source); Debian maps the host name to 127.0.1.1.
        throw new Error(`\`identityNet\` must be three octets "127.a.b" other than 127.0.0 and 127.0.1, got ${JSON.stringify(net)}.`);
    }
    return net;
}

/** The loopback address that stands for `name` in csync2's view (`<identityNet>.<index in hosts + 1>`). */
export function csync2Identity(hosts: string[], name: string, identityNet = CSYNC2_IDENTITY_NET): string {
    assertHosts(hosts);
    const i = hosts.indexOf(name);
    if (i < 0) {
        throw new Error(`\`name\` ${JSON.stringify(name)} is not one of \`hosts\` (${hosts.join(", ")}).`);
    }
    return `${assertIdentityNet(identityNet)}.${i + 1}`;
}

/** A csync2 pattern (include/exclude/prefix path): no whitespace or csync2 syntax characters. */
function assertPattern(field: string, p: string): string {
    if (typeof p !== "string" || !/^[A-Za-z0-9._\/*?\[\]%+,=:~-]+$/.test(p) || p.endsWith(":")) {
        throw new Error(`\`${field}\` must be a path or glob without spaces, quotes, ";", "#", "@" or parentheses, got ${JSON.stringify(p)}.`);
    }
    return p;
}

function assertInclude(field: string, p: string): string {
    assertPattern(field, p);
    if (!p.startsWith("/") && !/^%[A-Za-z0-9_]+%(\/|$)/.test(p)) {
        throw new Error(`\`${field}\` must be an absolute path (or start with a %prefix%), got ${JSON.stringify(p)}.`);
    }
    if (p === "/") {
        throw new Error(`\`${field}\` must not be "/": replicate the Gluu directories only.`);
    }
    return p;
}

/** Options of `csync2Cfg`. */
export interface Csync2CfgOptions {
    /** Group name. Default `gluucluster`. */
    group?: string;
    /** Every node's csync2 name (lower-case), in the same order on every node (the order fixes identities). */
    hosts: string[];
    /** Pre-shared key file (0600). Default `/etc/csync2.key`. */
    keyPath?: string;
    /** Directories/files to replicate (absolute, e.g. `csync2Includes(profile)`). */
    includes: string[];
    /** Paths or patterns never replicated (e.g. `csync2Excludes(profile)`). */
    excludes: string[];
    /** Where csync2 keeps replaced versions. Default `/var/backups/csync2`. */
    backupDir?: string;
    /** How many replaced versions to keep. Default 3. */
    backupGenerations?: number;
    /** Conflict resolution. Default `younger` (the newer file wins; the initial sync forces the primary's). */
    auto?: Csync2Auto;
    /** First three octets of the loopback identity addresses. Default `127.30.86`. */
    identityNet?: string;
    /**
     * csync2 `prefix` blocks: prefix name → node name → path, used as `%name%` in includes. Only for nodes
     * that keep the same files under different paths (e.g. a test running two nodes on one machine).
     */
    prefixes?: Record<string, Record<string, string>>;
}

const AUTO: Csync2Auto[] = ["none", "first", "younger", "older", "bigger", "smaller", "left", "right"];

/** Validated options with defaults applied. */
function cfgDefaults(o: Csync2CfgOptions) {
    const group = o.group ?? "gluucluster";
    if (!/^[A-Za-z0-9_-]+$/.test(group)) {
        throw new Error(`\`group\` must be letters, digits, "_" or "-", got ${JSON.stringify(group)}.`);
    }
    const backupGenerations = o.backupGenerations ?? 3;
    if (!Number.isInteger(backupGenerations) || backupGenerations < 0 || backupGenerations > 100) {
        throw new Error(`\`backupGenerations\` must be an integer 0-100, got ${JSON.stringify(backupGenerations)}.`);
    }
    const auto = o.auto ?? "younger";
    if (!AUTO.includes(auto)) {
        throw new Error(`\`auto\` must be one of ${AUTO.join(", ")}, got ${JSON.stringify(auto)}.`);
    }
    if (!Array.isArray(o.includes) || o.includes.length === 0) {
        throw new Error("`includes` must list at least one path to replicate.");
    }
    return {
        group,
        hosts: assertHosts(o.hosts),
        keyPath: assertAbsolutePath("keyPath", o.keyPath ?? "/etc/csync2.key"),
        includes: o.includes.map((p, i) => assertInclude(`includes[${i}]`, p)),
        excludes: (o.excludes ?? []).map((p, i) => assertPattern(`excludes[${i}]`, p)),
        backupDir: assertAbsolutePath("backupDir", o.backupDir ?? "/var/backups/csync2"),
        backupGenerations,
        auto,
        identityNet: assertIdentityNet(o.identityNet ?? CSYNC2_IDENTITY_NET),
        prefixes: o.prefixes ?? {},
    };
}

/**
 * csync2.cfg, identical on every node: `nossl * *;` (stunnel encrypts), one group whose hosts are
 * `name@identity`, the key, includes/excludes, backups and `auto`.
 */
export function csync2Cfg(o: Csync2CfgOptions): string {
    const c = cfgDefaults(o);
    const lines = [
        "# csync2 configuration of the Gluu cluster (rendered by gluu-cluster; identical on every node).",
        "# TLS is stunnel's job (csync2's own TLS fails against current GnuTLS): csync2 talks plaintext, on",
        "# loopback only. `host NAME@ADDRESS`: NAME matches `csync2 -N NAME`; ADDRESS is the loopback identity",
        "# through which the local stunnel reaches that node (outgoing) and from which it delivers that node's",
        "# connections (incoming).",
        "nossl * *;",
        "",
        `group ${c.group}`,
        "{",
        ...c.hosts.map((h, i) => `\thost ${h}@${c.identityNet}.${i + 1};`),
        "",
        `\tkey ${c.keyPath};`,
        "",
        ...c.includes.map((p) => `\tinclude ${p};`),
        ...c.excludes.map((p) => `\texclude ${p};`),
        "",
        `\tbackup-directory ${c.backupDir};`,
        `\tbackup-generations ${c.backupGenerations};`,
        `\tauto ${c.auto};`,
        "}",
    ];
    for (const [prefix, byHost] of Object.entries(c.prefixes)) {
        if (!/^[A-Za-z0-9_]+$/.test(prefix)) {
            throw new Error(`\`prefixes\` key must be letters, digits or "_", got ${JSON.stringify(prefix)}.`);
        }
        lines.push("", `prefix ${prefix}`, "{");
        for (const [host, path] of Object.entries(byHost)) {
            assertCsync2Name(`prefixes.${prefix} host`, host);
            lines.push(`\ton ${host}: ${assertAbsolutePath(`prefixes.${prefix}.${host}`, path)};`);
        }
        lines.push("}");
    }
    return lines.join("\n") + "\n";
}

/** Directories replicated between Gluu nodes, as host paths under the container root. */
export function csync2Includes(profile: GluuVersionProfile): string[] {
    const root = profile.containerRoot.replace(/\/+$/, "");
    return [
        "/opt/gluu/jetty/identity/conf/shibboleth3/idp",
        "/opt/gluu/jetty/identity/conf/shibboleth3/sp",
        "/opt/shibboleth-idp/conf",
        "/opt/shibboleth-idp/metadata",
        "/opt/shibboleth-idp/sp",
        "/opt/shibboleth-idp/temp_metadata",
        "/etc/gluu/conf",
        "/opt/gluu/jetty/oxauth/custom",
        "/opt/gluu/jetty/identity/custom",
    ].map((p) => root + p);
}

/**
 * Per-node files that must never be replicated (the LDAP connection file, the salt, the log rotation
 * file), under the container root, plus editor backups and dot files.
 */
export function csync2Excludes(profile: GluuVersionProfile): string[] {
    const root = profile.containerRoot.replace(/\/+$/, "");
    return [
        root + profile.ldapPropertiesFile,
        root + "/etc/gluu/conf/salt",
        root + "/etc/gluu/conf/oxTrustLogRotationConfiguration.xml",
        "*~",
        ".*",
    ];
}

/**
 * The text csync2 expects in its key file, for the setup script's stdin: one line of at least 32
 * characters from `A-Z a-z 0-9 . _` (what `csync2 -k` produces; csync2 refuses anything else).
 */
export function csync2KeyFile(key: string): string {
    if (typeof key !== "string" || !/^[A-Za-z0-9._]{32,1000}$/.test(key)) {
        throw new Error("`key` must be one line of at least 32 characters from A-Z a-z 0-9 . _ (as `csync2 -k` makes).");
    }
    return key + "\n";
}

/** A node of the csync2 mesh. */
export interface Csync2Node {
    /** csync2 name (lower-case); also the name in the node's certificate. */
    name: string;
    /** Private address the node's stunnel server listens on and peers connect to. */
    address: string;
}

/** Options of `csync2StunnelConf`. */
export interface Csync2StunnelOptions extends StunnelTlsFiles {
    /** This node's name. */
    self: string;
    /** Every node, in the same order as `hosts` in csync2.cfg (the order fixes identities). */
    nodes: Csync2Node[];
    /** Port of the stunnel servers on the private addresses. Default 30865. */
    meshPort?: number;
    /** Port of this node's csync2 daemon on 127.0.0.1. Default 30866. */
    daemonPort?: number;
    /** First three octets of the loopback identities. Default `127.30.86`. */
    identityNet?: string;
    /** Pid file of this configuration. Default `/run/stunnel-csync2.pid`. */
    pidPath?: string;
}

/** A name no certificate holds: connections that reach the SNI primary service are refused. */
const NO_PEER = "no-csync2-peer.invalid";

/** The stunnel configuration of one node's csync2 transport (server, per-peer SNI services, per-peer clients). */
export function csync2StunnelConf(o: Csync2StunnelOptions): string {
    const hosts = o.nodes.map((n) => n.name);
    const net = o.identityNet ?? CSYNC2_IDENTITY_NET;
    const self = o.nodes.find((n) => n.name === o.self);
    if (!self) {
        throw new Error(`\`self\` ${JSON.stringify(o.self)} is not one of \`nodes\`.`);
    }
    o.nodes.forEach((n, i) => assertHost(`nodes[${i}].address`, n.address));
    const meshPort = assertPort("meshPort", o.meshPort ?? CSYNC2_MESH_PORT);
    const daemonPort = assertPort("daemonPort", o.daemonPort ?? CSYNC2_DAEMON_PORT);
    const peers = o.nodes.filter((n) => n.name !== o.self);
    const tls: StunnelTlsFiles = { certPath: o.certPath, keyPath: o.keyPath, caPath: o.caPath };
    const sections = [
        stunnelSection({
            ...tls,
            service: "csync2-in",
            mode: "server",
            accept: { host: self.address, port: meshPort },
            connect: { host: "127.0.0.1", port: daemonPort },
            checkHost: [NO_PEER],
        }),
        ...peers.map((p) =>
            stunnelSection({
                ...tls,
                service: `csync2-in-${p.name}`,
                mode: "server",
                sni: `csync2-in:${p.name}`,
                connect: { host: "127.0.0.1", port: daemonPort },
                local: csync2Identity(hosts, p.name, net),
                checkHost: [p.name],
            }),
        ),
        ...peers.map((p) =>
            stunnelSection({
                ...tls,
                service: `csync2-to-${p.name}`,
                mode: "client",
                accept: { host: csync2Identity(hosts, p.name, net), port: CSYNC2_PORT },
                connect: { host: p.address, port: meshPort },
                sni: o.self,
                checkHost: [p.name],
            }),
        ),
    ];
    return stunnelConf(
        `csync2 transport of ${o.self}: server on ${self.address}:${meshPort} (one SNI service per peer), one client per peer`,
        o.pidPath ?? "/run/stunnel-csync2.pid",
        sections,
    );
}

/** Options of `csync2TransportScript`. */
export interface Csync2TransportOptions extends Csync2StunnelOptions {
    /** This node's certificate PEM (name = `self`; usable as server and client certificate). */
    certPem: string;
    /** The cluster CA PEM. */
    caPem: string;
}

/**
 * Install the csync2 stunnel transport on one node (`stunnelInstallScript` with confName `csync2`).
 * Run after `csync2SetupScript` (which frees port 30865 from the package's default inetd entry).
 *
 * stdin: this node's private key PEM only.
 */
export function csync2TransportScript(o: Csync2TransportOptions): string {
    const self = o.nodes.find((n) => n.name === o.self);
    if (!self) {
        throw new Error(`\`self\` ${JSON.stringify(o.self)} is not one of \`nodes\`.`);
    }
    return stunnelInstallScript({
        confName: "csync2",
        conf: csync2StunnelConf(o),
        certPem: o.certPem,
        caPem: o.caPem,
        certPath: o.certPath,
        keyPath: o.keyPath,
        caPath: o.caPath,
        acceptCheck: { host: self.address, port: o.meshPort ?? CSYNC2_MESH_PORT },
    });
}

/** Options of `csync2InetdLine`. */
export interface Csync2InetdOptions {
    /** This node's csync2 name (`-N`). */
    name: string;
    /** Port on 127.0.0.1. Default 30866. */
    daemonPort?: number;
    /** Extra csync2 arguments (e.g. `-D dir` in tests). Default none. */
    extraArgs?: string[];
}

/** The /etc/inetd.conf line that runs the csync2 daemon on 127.0.0.1 only, as `-N <name>`. */
export function csync2InetdLine(o: Csync2InetdOptions): string {
    const name = assertCsync2Name("name", o.name);
    const port = assertPort("daemonPort", o.daemonPort ?? CSYNC2_DAEMON_PORT);
    const extra = (o.extraArgs ?? []).map((a, i) => {
        if (!/^[A-Za-z0-9._\/:=,-]+$/.test(a)) {
            throw new Error(`\`extraArgs[${i}]\` must be a plain token, got ${JSON.stringify(a)}.`);
        }
        return a;
    });
    return ["127.0.0.1:" + port, "stream", "tcp", "nowait", "root", "/usr/sbin/csync2", ["csync2", "-i", "-l", "-N", name, ...extra].join(" ")].join("\t");
}

/** Marker comment above our inetd line, so a later run finds and replaces it. */
const INETD_MARKER = "# gluu-cluster: csync2 daemon on loopback for the stunnel mesh (managed; edits are overwritten)";

/**
 * Bash function `inetd_csync2 CONF LINE`: drop every csync2 entry from the inetd file CONF (ours under its
 * marker, the package's `csync2 ...` line, `#<off>#`-disabled ones, any `[addr:]30865` one), then append
 * LINE under our marker unless LINE is empty. Prints "changed CONF" only when the file changed.
 */
export const INETD_CSYNC2_FUNCTION = `inetd_csync2() {
  local conf="$1" line="$2" tmp
  [ -f "$conf" ] || { [ -z "$line" ] && return 0; touch "$conf"; }
  tmp=$(mktemp)
  awk -v marker=${shq(INETD_MARKER)} '
    $0 == marker { skip = 1; next }
    skip { skip = 0; if ($0 ~ /csync2/) next }
    { l = $0; sub(/^#<off>#[ \\t]*/, "", l); split(l, f, /[ \\t]+/) }
    f[1] ~ /^([^:]*:)?(csync2|${CSYNC2_PORT})$/ { next }
    { print }' "$conf" > "$tmp"
  if [ -n "$line" ]; then printf '%s\\n%s\\n' ${shq(INETD_MARKER)} "$line" >> "$tmp"; fi
  if ! cmp -s "$tmp" "$conf"; then cat "$tmp" > "$conf"; echo "changed $conf"; fi
  rm -f "$tmp"
}`;

/** Options of `csync2SetupScript`. */
export interface Csync2SetupOptions extends Csync2CfgOptions {
    /** This node's csync2 name (one of `hosts`). */
    name: string;
    /** Port of the local daemon on 127.0.0.1. Default 30866. */
    daemonPort?: number;
}

/**
 * Set up csync2 on one node: install it, write the key (stdin) and csync2.cfg, create the backup directory,
 * and run the daemon on 127.0.0.1:`daemonPort` as `-N <name>` by exactly one mechanism found on the host:
 * systemd's csync2.socket (drop-ins for the socket's address and the service's `-N`) when systemd runs and
 * the unit exists, else an inetd line (openbsd-inetd is installed if no inetd is). The other mechanism's
 * csync2 entries are removed/disabled, which also frees port 30865 for the stunnel server.
 *
 * Caveat: a csync2 package upgrade re-adds its default inetd line (all addresses, port 30865) when no line
 * starts with "csync2"; re-run this step after upgrading csync2 on inetd hosts.
 *
 * stdin: the csync2 key file content (one line, see `csync2KeyFile`).
 */
export function csync2SetupScript(o: Csync2SetupOptions): string {
    const c = cfgDefaults(o);
    const name = assertCsync2Name("name", o.name);
    if (!c.hosts.includes(name)) {
        throw new Error(`\`name\` ${JSON.stringify(name)} is not one of \`hosts\` (${c.hosts.join(", ")}).`);
    }
    const daemonPort = assertPort("daemonPort", o.daemonPort ?? CSYNC2_DAEMON_PORT);
    const cfg = csync2Cfg(o);
    const daemonRestart = pendingRestart("csync2-daemon", "daemon_changes");
    const inetdLine = csync2InetdLine({ name, daemonPort });
    const socketDropIn = ["[Socket]", "# Loopback only: peers arrive through the local stunnel server.", "ListenStream=", `ListenStream=127.0.0.1:${daemonPort}`, ""].join("\n");
    const serviceDropIn = ["[Service]", "ExecStart=", `ExecStart=/usr/sbin/csync2 -i -l -N ${name}`, ""].join("\n");

    return script(
        `Set up csync2 on ${name} (stdin: csync2 key file)`,
        SERVICE_FUNCTIONS,
        APT_FUNCTIONS,
        PUT_FILE_FUNCTION,
        [
            `csync2_key=""`,
            `IFS= read -r csync2_key || true`,
            `if ! [[ "$csync2_key" =~ ^[A-Za-z0-9._]{32,1000}$ ]]; then`,
            `  echo "stdin must be the csync2 key: one line of at least 32 characters from A-Z a-z 0-9 . _" >&2`,
            `  exit 1`,
            `fi`,
            `apt_install csync2`,
            `# The daemon runs per connection (-i) and reads csync2.cfg each time: no restart for cfg or key changes.`,
            `printf '%s\\n' "$csync2_key" | put_file ${shq(c.keyPath)} 0600 root:root`,
            heredoc(`put_file /etc/csync2.cfg 0644 root:root`, cfg),
            `if [ ! -d ${shq(c.backupDir)} ]; then install -d -m 0700 ${shq(c.backupDir)}; echo "changed ${c.backupDir}"; fi`,
        ].join("\n"),
        [
            INETD_CSYNC2_FUNCTION,
            `inetd_service() {`,
            `  local s`,
            `  for s in openbsd-inetd inetutils-inetd; do`,
            `    if [ -x "/etc/init.d/$s" ] || { command -v systemctl >/dev/null 2>&1 && systemctl cat "$s.service" >/dev/null 2>&1; }; then echo "$s"; return 0; fi`,
            `  done`,
            `  return 1`,
            `}`,
        ].join("\n"),
        [
            `# Exactly one mechanism starts the daemon: both would want the same port.`,
            `mode=inetd`,
            `if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then`,
            `  for unit_dir in /etc/systemd/system /lib/systemd/system /usr/lib/systemd/system; do`,
            `    if [ -f "$unit_dir/csync2.socket" ]; then mode=socket; fi`,
            `  done`,
            `fi`,
            `daemon_changes=$(mktemp)`,
            `cleanup_paths+=("$daemon_changes")`,
            daemonRestart.begin,
            `if [ "$mode" = socket ]; then`,
            heredoc(`  put_file /etc/systemd/system/csync2.socket.d/gluu-cluster.conf 0644 root:root >>"$daemon_changes"`, socketDropIn),
            heredoc(`  put_file /etc/systemd/system/csync2@.service.d/gluu-cluster.conf 0644 root:root >>"$daemon_changes"`, serviceDropIn),
            `  cat "$daemon_changes"`,
            `  if [ -s "$daemon_changes" ]; then`,
            `    systemctl daemon-reload`,
            `    systemctl enable csync2.socket >/dev/null 2>&1`,
            `    systemctl restart csync2.socket`,
            `    echo "changed restarted csync2.socket"`,
            `  elif ! systemctl is-active --quiet csync2.socket; then`,
            `    systemctl enable --now csync2.socket >/dev/null 2>&1`,
            `    echo "changed started csync2.socket"`,
            `  fi`,
            `  # The inetd entry would fight over the port: remove it and let inetd re-read its file.`,
            `  inetd_out=$(inetd_csync2 /etc/inetd.conf "")`,
            `  if [ -n "$inetd_out" ]; then`,
            `    echo "$inetd_out"`,
            `    if svc_name=$(inetd_service) && svc "$svc_name" status >/dev/null 2>&1; then svc "$svc_name" restart >/dev/null; fi`,
            `  fi`,
            `else`,
            `  if ! inetd_service >/dev/null; then apt_install openbsd-inetd; fi`,
            `  svc_name=$(inetd_service)`,
            `  inetd_csync2 /etc/inetd.conf ${shq(inetdLine)} >>"$daemon_changes"`,
            `  cat "$daemon_changes"`,
            `  svc_enable "$svc_name"`,
            `  if [ -s "$daemon_changes" ]; then`,
            `    svc "$svc_name" restart >/dev/null`,
            `    echo "changed restarted $svc_name"`,
            `  elif ! svc "$svc_name" status >/dev/null 2>&1; then`,
            `    svc "$svc_name" start >/dev/null`,
            `    echo "changed started $svc_name"`,
            `  fi`,
            `  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1 && systemctl is-enabled --quiet csync2.socket 2>/dev/null; then`,
            `    systemctl disable --now csync2.socket >/dev/null 2>&1`,
            `    echo "changed disabled csync2.socket"`,
            `  fi`,
            `fi`,
            daemonRestart.end,
            `# The package's standalone daemon (-ii, all addresses) must not run either.`,
            `if [ -s /run/csync2.pid ] && kill -0 "$(cat /run/csync2.pid)" 2>/dev/null; then`,
            `  svc csync2 stop >/dev/null`,
            `  echo "changed stopped the standalone csync2 daemon"`,
            `fi`,
        ].join("\n"),
        [
            `# Bounded wait until the daemon answers on loopback.`,
            `ready=0`,
            `for _ in $(seq 1 30); do`,
            `  if (exec 3<>/dev/tcp/127.0.0.1/${daemonPort}) 2>/dev/null; then ready=1; break; fi`,
            `  sleep 1`,
            `done`,
            `if [ "$ready" != 1 ]; then`,
            `  echo "the csync2 daemon is not listening on 127.0.0.1:${daemonPort} (mechanism: $mode)" >&2`,
            `  exit 1`,
            `fi`,
        ].join("\n"),
    );
}

/** Options of `csync2InitialSyncScript`. */
export interface Csync2InitialSyncOptions {
    /** This node's csync2 name. */
    name: string;
    /** The primary's files win every conflict of this first sync. */
    primary: boolean;
    /** The replicated paths (as in csync2.cfg); missing ones are skipped. */
    includes: string[];
    /**
     * Every node's name, written into the script as a comment so that a changed host list re-runs the
     * primary's sync (a new node then receives the primary's files, not the other way round). Default none.
     */
    hosts?: string[];
}

/**
 * First synchronisation. Run on the primary first, then on each other node, and only then install the
 * cron jobs (with `auto younger`, a non-primary node's newer files would otherwise win).
 * Every node records its files (`-cr` on each include); the primary then marks them as forced (`-fr` on
 * each include; `-f` only flags files already recorded, which is why the docs' bare `csync2 -fr /` on a
 * fresh database does nothing) and `-x` pushes them. Never `-fr /`. Fails if files stay dirty (a peer
 * could not be updated). Prints "changed" only when files were pending.
 *
 * stdin: nothing.
 */
export function csync2InitialSyncScript(o: Csync2InitialSyncOptions): string {
    const name = assertCsync2Name("name", o.name);
    if (!Array.isArray(o.includes) || o.includes.length === 0) {
        throw new Error("`includes` must list the replicated paths.");
    }
    const includes = o.includes.map((p, i) => assertInclude(`includes[${i}]`, p));
    const n = shq(name);
    const hosts = (o.hosts ?? []).map((h, i) => assertCsync2Name(`hosts[${i}]`, h));
    return script(
        `csync2 initial sync on ${name}${o.primary ? " (primary: its files win)" : ""}`,
        hosts.length > 0 ? `# Hosts when rendered: ${hosts.join(" ")}` : "",
        [
            `paths=()`,
            `for p in ${includes.map(shq).join(" ")}; do`,
            `  if [ -e "$p" ]; then paths+=("$p"); fi`,
            `done`,
            `if [ "\${#paths[@]}" -gt 0 ]; then`,
            `  csync2 -N ${n} -cr "\${paths[@]}"`,
            o.primary ? `  csync2 -N ${n} -fr "\${paths[@]}"` : "",
            `fi`,
            `# -M lists dirty entries; it exits 2 when there are none.`,
            `dirty() { local rc=0; csync2 -N ${n} -M || rc=$?; [ "$rc" = 0 ] || [ "$rc" = 2 ] || return "$rc"; }`,
            `pending=$(dirty)`,
            `sync_rc=0`,
            `csync2 -N ${n} -x || sync_rc=$?`,
            `left=$(dirty)`,
            `if [ -n "$left" ]; then`,
            `  echo "csync2 could not update every peer; still dirty:" >&2`,
            `  printf '%s\\n' "$left" >&2`,
            `  exit 1`,
            `fi`,
            `if [ "$sync_rc" != 0 ]; then echo "csync2 -x failed (exit $sync_rc)" >&2; exit 1; fi`,
            `if [ -n "$pending" ]; then echo "changed synchronised $(printf '%s\\n' "$pending" | wc -l) file entries from ${name}"; fi`,
        ]
            .filter((l) => l !== "")
            .join("\n"),
    );
}

/** Options of `csync2CronScript`. */
export interface Csync2CronOptions {
    /** This node's csync2 name. */
    name: string;
    /** This node's position (0-based); nodes start at different minutes (offset = index mod interval). */
    index: number;
    /** Minutes between runs, 1-59. Default 2. */
    intervalMinutes?: number;
}

/** The cron file that runs `csync2 -N <name> -x` every `intervalMinutes`, staggered by node index. */
export function csync2CronFile(o: Csync2CronOptions): string {
    const name = assertCsync2Name("name", o.name);
    const interval = o.intervalMinutes ?? 2;
    if (!Number.isInteger(interval) || interval < 1 || interval > 59) {
        throw new Error(`\`intervalMinutes\` must be an integer 1-59, got ${JSON.stringify(interval)}.`);
    }
    if (!Number.isInteger(o.index) || o.index < 0) {
        throw new Error(`\`index\` must be a non-negative integer, got ${JSON.stringify(o.index)}.`);
    }
    const offset = o.index % interval;
    return [
        `# csync2 replication of the Gluu cluster (managed by gluu-cluster): node ${name}, index ${o.index},`,
        `# every ${interval} min starting at minute ${offset}; flock skips a run while the previous one is busy.`,
        "SHELL=/bin/sh",
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        `${offset}-59/${interval} * * * * root flock -n /run/gluu-csync2.lock csync2 -N ${name} -x 2>&1 | logger -t gluu-csync2`,
        "",
    ].join("\n");
}

/** Path of the cron file (cron.d names may not contain dots). */
export const CSYNC2_CRON_PATH = "/etc/cron.d/gluu-csync2";

/** Install the staggered csync2 cron job (and cron itself if missing). stdin: nothing. */
export function csync2CronScript(o: Csync2CronOptions): string {
    const file = csync2CronFile(o);
    return script(
        `csync2 cron job on ${o.name}`,
        SERVICE_FUNCTIONS,
        APT_FUNCTIONS,
        PUT_FILE_FUNCTION,
        [
            `apt_install cron`,
            heredoc(`put_file ${CSYNC2_CRON_PATH} 0644 root:root`, file),
            `svc_enable cron`,
            `if ! svc cron status >/dev/null 2>&1; then svc cron start >/dev/null; echo "changed started cron"; fi`,
        ].join("\n"),
    );
}
