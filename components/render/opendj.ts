// OpenDJ replication between Gluu nodes (OpenDjReplication): preparation, joins, initialization,
// replication encryption, the shared OpenDJ keystore, and reading `dsreplication status`.
//
// Every script here runs the OpenDJ tools inside the Gluu container through `inContainer`. Passwords reach
// the tools only through password files (`--bindPasswordFile`, `--bindPasswordFile1/2`, `--adminPasswordFile`)
// that the inner script writes from its stdin into a 0700 directory under /root; its own trap removes them.
// Facts: ../../shared/reference/gluu-facts.md §2 and §4.
//
// `--trustAll` is used for the administration connector (port 4444) only: each node's admin connector presents
// its own self-signed certificate that no trust store on the node holds before replication registers it, and
// the OpenDJ tools have no other non-interactive way to accept it. LDAPS (1636) is verified (see ldapCache.ts).

import { GluuVersionProfile } from "../profiles";
import { containerService, inContainer } from "./container";
import { assertToken, pendingRestart, script, shq } from "./shell";

/** Where the OpenDJ tools live inside the Gluu container (both versions). */
export const OPENDJ_BIN = "/opt/opendj/bin";
/** OpenDJ's configuration directory inside the container (java.properties, keystores). */
export const OPENDJ_CONFIG = "/opt/opendj/config";
/** The Directory Manager DN Gluu's setup.py creates. */
export const DIRECTORY_MANAGER_DN = "cn=directory manager";
/**
 * File inside the primary's container that records which (base DN, server, DS ID) triples were initialized
 * from it. A member that is replaced keeps its address but gets a new DS ID, so it is initialized again.
 */
export const REPLICATION_INIT_MARKER = "/var/lib/gluu-cluster/replication-initialized.tsv";
/** Base DNs replicated by default: o=gluu (configuration, people, clients) and o=site (as cluster-mgr does). */
export const DEFAULT_BASE_DNS: readonly string[] = ["o=gluu", "o=site"];

// ---------------------------------------------------------------------------------------------------------
// Input validation (the second fence after shq: hostile values never reach a script at all)

/** A host name or IP address: a plain token that cannot be mistaken for a command-line option. */
export function assertHost(field: string, value: string): string {
    assertToken(`\`${field}\``, value);
    if (!/^[A-Za-z0-9][A-Za-z0-9.:-]*$/.test(value)) {
        throw new Error(
            `\`${field}\` must be a host name or IP address (letters, digits, . : -, not starting with -), got ${JSON.stringify(value)}`,
        );
    }
    return value;
}

/** A TCP port: an integer from 1 to 65535. */
export function assertPort(field: string, value: number): number {
    if (!Number.isInteger(value) || value < 1 || value > 65535) {
        throw new Error(`\`${field}\` must be an integer port from 1 to 65535, got ${JSON.stringify(value)}`);
    }
    return value;
}

/** A base DN such as `o=gluu` or `ou=people,o=gluu` (no spaces, quotes or escapes). */
export function assertBaseDn(field: string, value: string): string {
    const rdn = "[A-Za-z][A-Za-z0-9-]*=[A-Za-z0-9._-]+";
    if (!new RegExp(`^${rdn}(,${rdn})*$`).test(value)) {
        throw new Error(`\`${field}\` must be a plain base DN like o=gluu, got ${JSON.stringify(value)}`);
    }
    return value;
}

/** A replication admin user id (`-I/--adminUID`), e.g. `admin`. */
export function assertUid(field: string, value: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(value)) {
        throw new Error(`\`${field}\` must be a plain user id like admin, got ${JSON.stringify(value)}`);
    }
    return value;
}

/** One stdin line holding a secret: it must not be empty and must not contain a line break. */
export function secretLine(field: string, value: string): string {
    if (value === "" || /[\r\n]/.test(value)) {
        throw new Error(`\`${field}\` must be a non-empty single line (it is sent as one stdin line), check its value`);
    }
    return value + "\n";
}

/** Stdin of `replicationJoinScript`: line 1 Directory Manager password, line 2 replication admin password. */
export function replicationJoinStdin(directoryManagerPassword: string, replicationAdminPassword: string): string {
    return (
        secretLine("directoryManagerPassword", directoryManagerPassword) +
        secretLine("replicationAdminPassword", replicationAdminPassword)
    );
}

// ---------------------------------------------------------------------------------------------------------
// Shell building blocks used by the inner (in-container) scripts

/**
 * Shell text for an inner script: reads one stdin line per entry into a 0600 file inside a fresh 0700
 * directory under /root (registered for this script's cleanup trap) and sets `$<variable>` to the file's
 * path. Stale directories of killed runs (older than 12 h) are removed first.
 */
export function secretFilesFromStdin(entries: Array<{ variable: string; what: string }>): string {
    const lines = [
        `# Secrets arrive on stdin, one per line, and go straight into 0600 files (never onto a command line).`,
        `find /root -maxdepth 1 -name '.gluu-secrets.*' -mmin +720 -exec rm -rf -- {} + 2>/dev/null || true`,
        `secret_dir=$(mktemp -d /root/.gluu-secrets.XXXXXX)`,
        `cleanup_paths+=("$secret_dir")`,
        `chmod 0700 "$secret_dir"`,
        `secret_line_to_file() {`,
        `  local file="$1" what="$2" line=""`,
        `  IFS= read -r line || true`,
        `  if [ -z "$line" ]; then`,
        `    echo "stdin line for $what is missing or empty" >&2`,
        `    exit 1`,
        `  fi`,
        `  (umask 077 && printf '%s\\n' "$line" > "$file")`,
        `}`,
    ];
    for (const e of entries) {
        if (!/^[a-z_][a-z0-9_]*$/.test(e.variable)) {
            throw new Error(`secret variable name ${JSON.stringify(e.variable)} is not a plain shell name`);
        }
        lines.push(`${e.variable}="$secret_dir/${e.variable}"`, `secret_line_to_file "$${e.variable}" ${shq(e.what)}`);
    }
    return lines.join("\n");
}

/** `wait_port HOST PORT SECONDS WHAT`: bounded wait until a TCP port accepts connections. */
export const WAIT_PORT_FUNCTION = `wait_port() {
  local host="$1" port="$2" seconds="$3" what="$4" waited=0
  # shellcheck disable=SC2016 # the inner bash expands $1/$2 (host, port passed as arguments)
  until timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$host" "$port" 2>/dev/null; do
    if [ "$waited" -ge "$seconds" ]; then
      echo "$what ($host:$port) did not answer within \${seconds}s" >&2
      return 1
    fi
    sleep 5
    waited=$((waited + 5))
  done
}`;

/**
 * `install_file SRC DST MODE OWNER`: put SRC's content at DST with MODE (as `stat -c %a` prints it, e.g. 600)
 * and OWNER (user:group), atomically (temporary file in DST's directory, renamed). Prints "changed DST" only
 * when content, mode or owner differ, and then sets `files_changed=1` for the caller. Unlike put_file it
 * never touches the parent directory's mode.
 */
export const INSTALL_FILE_FUNCTION = `install_file() {
  local src="$1" dst="$2" mode="$3" owner="$4" tmp
  if [ -f "$dst" ] && [ ! -L "$dst" ] && cmp -s "$src" "$dst" && [ "$(stat -c '%a %U:%G' "$dst")" = "$mode $owner" ]; then
    return 0
  fi
  tmp=$(mktemp "$dst.XXXXXX")
  cleanup_paths+=("$tmp")
  chmod 0600 "$tmp"
  cat "$src" > "$tmp"
  chown "$owner" "$tmp"
  chmod "$mode" "$tmp"
  mv -f "$tmp" "$dst"
  echo "changed $dst"
  files_changed=1
}
files_changed=0`;

/** Java home for the OpenDJ tools (cluster-mgr sets it the same way; /opt/jre exists in 3.1.6 and 4.x). */
const OPENDJ_ENV = [
    `dj_bin=${shq(OPENDJ_BIN)}`,
    `if [ -d /opt/jre ]; then export OPENDJ_JAVA_HOME=/opt/jre; fi`,
    `if [ ! -x "$dj_bin/dsconfig" ]; then echo "OpenDJ tools not found in $dj_bin: is Gluu set up on this node?" >&2; exit 1; fi`,
].join("\n");

/** `dj_config ARGS...`: dsconfig against this node's administration connector with the DM password file. */
function dsconfigFunction(adminPort: number): string {
    return [
        `dj_config() {`,
        `  "$dj_bin/dsconfig" --hostname localhost --port ${adminPort} --bindDN ${shq(DIRECTORY_MANAGER_DN)} \\`,
        `    --bindPasswordFile "$dm_pw_file" --trustAll --no-prompt "$@"`,
        `}`,
        `# dj_get ARGS...: print a get-* result; on failure show the tool's output and stop (not swallow it).`,
        `dj_get() {`,
        `  local out`,
        `  if ! out=$(dj_config "$@" --script-friendly 2>&1); then`,
        `    printf '%s\\n' "$out" >&2`,
        `    echo "dsconfig $1 failed (output above)" >&2`,
        `    exit 1`,
        `  fi`,
        `  printf '%s\\n' "$out"`,
        `}`,
    ].join("\n");
}

/**
 * awk program: `dsreplication status` output (the ` : ` text table or the tab-separated `--script-friendly`
 * form) → one tab-separated line per replica: baseDn, server, entries, replicationEnabled, dsId, rsId, rsPort,
 * missingChanges, ageOfOldestMissingChange, security. Unknown values (`--`, `N/A`, `(5)`, `(6)`, blank)
 * become empty fields; header, separator, legend and progress lines are skipped. Mirrors
 * `parseReplicationStatus` (tests check that both agree).
 */
export const REPLICATION_STATUS_AWK = `
function trim(s) { sub(/^[ \\t\\r]+/, "", s); sub(/[ \\t\\r]+$/, "", s); return s }
function clean(s) { s = trim(s); if (s == "--" || s == "N/A" || s == "n/a" || s == "(5)" || s == "(6)") return ""; return s }
function num(s) { s = clean(s); gsub(/,/, "", s); if (s ~ /^[0-9]+$/) return s + 0; return "" }
function bool(s) { s = tolower(clean(s)); if (s == "true" || s == "false") return s; return "" }
{
  line = $0
  sub(/\\r$/, "", line)
  if (index(line, "\\t") > 0) { n = split(line, c, "\\t") } else { n = split(line " ", c, / : /) }
  if (n < 3) next
  dn = clean(c[1]); server = clean(c[2])
  if (dn !~ /^[A-Za-z][A-Za-z0-9-]*=/ || server !~ /:[0-9]+$/) next
  printf "%s\\t%s\\t%s\\t%s\\t%s\\t%s\\t%s\\t%s\\t%s\\t%s\\n", dn, server, num(c[3]), bool(c[4]), num(c[5]), num(c[6]), num(c[7]), num(c[8]), clean(c[9]), bool(c[10])
}`;

/**
 * Shell functions for inner scripts that read the topology: `repl_status HOST` prints `dsreplication status`
 * (text table; exit status of the tool), `repl_status_tsv` turns status text on stdin into
 * REPLICATION_STATUS_AWK rows. Needs `$dj_bin` and `$admin_pw_file`.
 */
function replicationStatusFunctions(adminPort: number, adminUid: string): string {
    return [
        `repl_status() {`,
        `  "$dj_bin/dsreplication" status --hostname "$1" --port ${adminPort} --adminUID ${shq(adminUid)} \\`,
        `    --adminPasswordFile "$admin_pw_file" --trustAll --no-prompt 2>&1`,
        `}`,
        `repl_status_tsv() {`,
        `  awk ${shq(REPLICATION_STATUS_AWK)}`,
        `}`,
    ].join("\n");
}

/**
 * awk program deciding which members of one base DN need initialization from the primary. Input: rows from
 * REPLICATION_STATUS_AWK. Variables: `base`, `primary` (host:port as status shows it), `marker` (file of
 * initialized "base\\tserver\\tdsId" lines, may be missing), `min_entries` (refuse below; 0 = no minimum),
 * `max_mc` (missing changes above which a member is re-initialized). Output lines:
 * `refuse\\t<reason>` (then nothing may be done), `init\\t<server>\\t<dsId>\\t<reason>`, `ok\\t<server>`,
 * `skip\\t<server>` (replication not enabled there), and last `summary\\t<members>\\t<needing init>`.
 */
export const REPLICATION_PLAN_AWK = `
BEGIN {
  FS = "\\t"; lbase = tolower(base); lprimary = tolower(primary); n = 0; refused = ""
  if (marker != "") {
    while ((getline l < marker) > 0) { done[tolower(l)] = 1 }
    close(marker)
  }
}
tolower($1) == lbase {
  if (tolower($2) == lprimary) { pfound = 1; pe = $3; next }
  if (keep != "" && index(" " tolower(keep) " ", " " tolower($2) " ") == 0) { next }
  if ($4 != "true") { skipped[++ns] = $2; next }
  n++; srv[n] = $2; ent[n] = $3; ds[n] = $5; mc[n] = $8
}
END {
  if (!pfound) { print "refuse\\tthe primary " primary " does not replicate " base " (not in dsreplication status): run the replication join first"; exit }
  if (pe == "") { print "refuse\\tthe entry count of " base " on the primary " primary " is unknown: check dsreplication status"; exit }
  if (pe + 0 < min_entries + 0) { print "refuse\\tthe primary " primary " holds only " pe " entries in " base " (fewer than " min_entries "): it does not look like a populated Gluu directory, so it must not initialize other servers; fix the primary or choose a populated node as primary"; exit }
  margin = pe / 20; if (margin < 20) margin = 20
  need = 0
  for (i = 1; i <= n; i++) {
    reason = ""
    if (ent[i] == "") { print "refuse\\tthe entry count of " base " on " srv[i] " is unknown (is it reachable?): not initializing blindly"; exit }
    if (ent[i] + 0 == 0) reason = "it holds no entries"
    else if (ent[i] * 2 < pe + 0) reason = "it holds fewer than half of the primary's entries"
    else if (mc[i] != "" && mc[i] + 0 > max_mc + 0) reason = "it misses " mc[i] " changes"
    else if (!((lbase "\\t" tolower(srv[i]) "\\t" ds[i]) in done)) reason = "it was never initialized from this primary"
    if (reason == "") { out[i] = "ok\\t" srv[i]; continue }
    if (ent[i] + 0 > pe + margin) {
      print "refuse\\t" srv[i] " holds " ent[i] " entries in " base ", more than the primary " primary " (" pe "): initializing it would overwrite data; make the node with the real data the primary"
      exit
    }
    need++
    out[i] = "init\\t" srv[i] "\\t" ds[i] "\\t" reason
  }
  for (i = 1; i <= n; i++) print out[i]
  for (i = 1; i <= ns; i++) print "skip\\t" skipped[i]
  print "summary\\t" n "\\t" need
}`;

// ---------------------------------------------------------------------------------------------------------
// dsreplication status parsing (TypeScript side; the awk above is its in-container twin)

/** One replica row of `dsreplication status`; `undefined` where the tool shows nothing, `--` or `N/A`. */
export interface ReplicationStatusRow {
    /** Suffix DN, e.g. `o=gluu`. */
    baseDn: string;
    /** `host:adminPort` of the server as the topology registers it. */
    server: string;
    /** Number of entries in the base DN on that server. */
    entries: number | undefined;
    /** Replication enabled for the base DN on that server. */
    replicationEnabled: boolean | undefined;
    /** Directory server (replica) id. */
    dsId: number | undefined;
    /** Replication server id. */
    rsId: number | undefined;
    /** Replication port (8989 by default). */
    rsPort: number | undefined;
    /** Changes still missing on this server (M.C.). */
    missingChanges: number | undefined;
    /** Date of the oldest missing change (A.O.M.C.), as printed. */
    ageOfOldestMissingChange: string | undefined;
    /** Replication traffic encrypted. */
    security: boolean | undefined;
}

function cleanCell(s: string | undefined): string | undefined {
    if (s === undefined) {
        return undefined;
    }
    const t = s.replace(/^[ \t\r]+|[ \t\r]+$/g, "");
    return t === "" || t === "--" || t === "N/A" || t === "n/a" || t === "(5)" || t === "(6)" ? undefined : t;
}

function numCell(s: string | undefined): number | undefined {
    const t = cleanCell(s)?.replace(/,/g, "");
    return t !== undefined && /^[0-9]+$/.test(t) ? Number(t) : undefined;
}

function boolCell(s: string | undefined): boolean | undefined {
    const t = cleanCell(s)?.toLowerCase();
    return t === "true" ? true : t === "false" ? false : undefined;
}

/**
 * Parse `dsreplication status` output: the ` : `-separated text table (columns Suffix DN, Server, Entries,
 * Replication enabled, DS ID, RS ID, RS Port, M.C., A.O.M.C., Security) or the tab-separated
 * `--script-friendly` form (no header, trailing empty cells left out). Header, separator, legend, progress
 * and "independent replication server" lines are skipped.
 */
export function parseReplicationStatus(text: string): ReplicationStatusRow[] {
    const rows: ReplicationStatusRow[] = [];
    for (const raw of text.split("\n")) {
        const line = raw.replace(/\r$/, "");
        const c = line.includes("\t") ? line.split("\t") : (line + " ").split(" : ");
        if (c.length < 3) {
            continue;
        }
        const baseDn = cleanCell(c[0]);
        const server = cleanCell(c[1]);
        if (!baseDn || !server || !/^[A-Za-z][A-Za-z0-9-]*=/.test(baseDn) || !/:[0-9]+$/.test(server)) {
            continue;
        }
        rows.push({
            baseDn,
            server,
            entries: numCell(c[2]),
            replicationEnabled: boolCell(c[3]),
            dsId: numCell(c[4]),
            rsId: numCell(c[5]),
            rsPort: numCell(c[6]),
            missingChanges: numCell(c[7]),
            ageOfOldestMissingChange: cleanCell(c[8]),
            security: boolCell(c[9]),
        });
    }
    return rows;
}

// ---------------------------------------------------------------------------------------------------------
// Scripts

/** Options shared by the replication scripts. */
export interface ReplicationOptions {
    /** Gluu version profile of the cluster. */
    profile: GluuVersionProfile;
    /** Address of the primary (node 1) as the replication topology knows it (IP or name). */
    primaryAddress: string;
    /** Base DNs to replicate. Default `["o=gluu", "o=site"]`. */
    baseDns?: string[];
    /** OpenDJ administration connector port. Default 4444. */
    adminPort?: number;
    /** Replication port. Default 8989. */
    replicationPort?: number;
    /** Global replication administrator created by the first `enable`. Default `admin`. */
    adminUid?: string;
}

function common(o: ReplicationOptions) {
    const baseDns = o.baseDns ?? [...DEFAULT_BASE_DNS];
    if (baseDns.length === 0) {
        throw new Error("`baseDns` must list at least one base DN, e.g. o=gluu");
    }
    baseDns.forEach((b, i) => assertBaseDn(`baseDns[${i}]`, b));
    return {
        profile: o.profile,
        primary: assertHost("primaryAddress", o.primaryAddress),
        baseDns,
        adminPort: assertPort("adminPort", o.adminPort ?? 4444),
        replicationPort: assertPort("replicationPort", o.replicationPort ?? 8989),
        adminUid: assertUid("adminUid", o.adminUid ?? "admin"),
    };
}

function restartOpendj(profile: GluuVersionProfile, adminPort: number): string {
    return [
        containerService(profile, profile.services.opendj, "restart"),
        `wait_port 127.0.0.1 ${adminPort} 300 "OpenDJ administration connector"`,
    ].join("\n");
}

/**
 * Prepare this node's OpenDJ for replication (run on every node, inside its container).
 * Adds `-Dcom.sun.jndi.ldap.object.disableEndpointIdentification=true` to `dsreplication.java-args` in
 * java.properties (only if missing) and applies it with `dsjavaproperties` where that exists; makes the
 * administration connector and the LDAPS handler listen on 0.0.0.0 (and enables LDAPS) only where needed;
 * restarts OpenDJ only when a listener changed.
 *
 * stdin: line 1 = Directory Manager password.
 */
export function opendjPrepScript(profile: GluuVersionProfile, opts: { adminPort?: number } = {}): string {
    const adminPort = assertPort("adminPort", opts.adminPort ?? 4444);
    const flag = "-Dcom.sun.jndi.ldap.object.disableEndpointIdentification=true";
    const jp = `${OPENDJ_CONFIG}/java.properties`;
    const javaProps = [
        `# LDAPS logins from dsreplication fail with endpoint identification on; the docs switch it off here.`,
        `java_props=${shq(jp)}`,
        `if [ ! -f "$java_props" ]; then echo "$java_props is missing: is OpenDJ set up?" >&2; exit 1; fi`,
        `if ! grep -q 'disableEndpointIdentification=true' "$java_props"; then`,
        `  if grep -q '^dsreplication\\.java-args=' "$java_props"; then`,
        `    sed -i 's/^dsreplication\\.java-args=.*/& ${flag}/' "$java_props"`,
        `  else`,
        `    printf '%s\\n' 'dsreplication.java-args=${flag}' >> "$java_props"`,
        `  fi`,
        `  echo "changed $java_props"`,
        `fi`,
    ];
    if (profile.hasDsJavaProperties) {
        javaProps.push(
            `# dsjavaproperties copies java.properties into lib/set-java-home, which the tools read; checking that`,
            `# file (not a flag of our own) also converges after a run killed between the two commands.`,
            `if ! grep -qs 'disableEndpointIdentification=true' /opt/opendj/lib/set-java-home; then`,
            `  "$dj_bin/dsjavaproperties" >/dev/null`,
            `  echo "changed /opt/opendj/lib/set-java-home (dsjavaproperties)"`,
            `fi`,
        );
    } else {
        javaProps.push(`# This OpenDJ has no dsjavaproperties: its tools read java.properties on every start.`);
    }
    const restart = pendingRestart("opendj", "opendj_changes");
    const inner = script(
        `Inside the Gluu ${profile.version} container: prepare OpenDJ for replication`,
        WAIT_PORT_FUNCTION,
        OPENDJ_ENV,
        secretFilesFromStdin([{ variable: "dm_pw_file", what: "the Directory Manager password" }]),
        dsconfigFunction(adminPort),
        javaProps.join("\n"),
        [
            `wait_port 127.0.0.1 ${adminPort} 300 "OpenDJ administration connector"`,
            `# Without 0.0.0.0 setup binds both listeners to 127.0.0.1 and peers get "Connection refused".`,
            `listen_all='(^|[^0-9.])0\\.0\\.0\\.0([^0-9.]|$)'`,
            `restart_needed=0`,
            `opendj_changes=$(mktemp)`,
            `cleanup_paths+=("$opendj_changes")`,
            restart.begin,
            `if [ -s "$opendj_changes" ]; then cat "$opendj_changes"; restart_needed=1; fi`,
            `admin_props=$(dj_get get-administration-connector-prop --property listen-address)`,
            `if ! printf '%s\\n' "$admin_props" | grep '^listen-address' | grep -Eq "$listen_all"; then`,
            `  dj_config set-administration-connector-prop --set listen-address:0.0.0.0 >/dev/null`,
            `  echo "changed OpenDJ administration connector listen-address to 0.0.0.0"`,
            `  restart_needed=1`,
            `fi`,
            `ldaps_props=$(dj_get get-connection-handler-prop --handler-name 'LDAPS Connection Handler' \\`,
            `  --property enabled --property listen-address)`,
            `if ! printf '%s\\n' "$ldaps_props" | grep -Eq '^enabled[[:space:]]+true' \\`,
            `  || ! printf '%s\\n' "$ldaps_props" | grep '^listen-address' | grep -Eq "$listen_all"; then`,
            `  dj_config set-connection-handler-prop --handler-name 'LDAPS Connection Handler' \\`,
            `    --set enabled:true --set listen-address:0.0.0.0 >/dev/null`,
            `  echo "changed OpenDJ LDAPS Connection Handler to enabled, listen-address 0.0.0.0"`,
            `  restart_needed=1`,
            `fi`,
            `if [ "$restart_needed" -eq 1 ]; then`,
            ...restartOpendj(profile, adminPort).split("\n").map((l) => `  ${l}`),
            `  echo "changed opendj restarted"`,
            `fi`,
            restart.end,
        ].join("\n"),
    );
    return script(`Prepare OpenDJ for replication (Gluu ${profile.version})`, inContainer(profile, inner));
}

/** Arguments of `replicationJoinScript`. */
export interface ReplicationMemberOptions extends ReplicationOptions {
    /** Address of the member joining the topology. */
    memberAddress: string;
}

/**
 * Join one member to the primary's replication topology (runs on the PRIMARY, inside its container).
 * For each base DN: skip when `dsreplication status` already shows the member replicating it; otherwise
 * `dsreplication enable` between primary and member (encrypted replication; "already replicated" /
 * ERR_NO_SUFFIXES_AVAILABLE counts as success). Joins must run one after another (OpenDJ serializes
 * topology changes). Data is NOT copied here: `replicationInitScript` does that.
 *
 * stdin: line 1 = Directory Manager password (the same on all nodes), line 2 = replication admin password
 * (see `replicationJoinStdin`).
 */
export function replicationJoinScript(o: ReplicationMemberOptions): string {
    const c = common(o);
    const member = assertHost("memberAddress", o.memberAddress);
    if (member === c.primary) {
        throw new Error("`memberAddress` must differ from `primaryAddress`: the primary does not join itself");
    }
    const inner = script(
        `Inside the Gluu ${c.profile.version} container of the primary: join ${member} to OpenDJ replication`,
        WAIT_PORT_FUNCTION,
        OPENDJ_ENV,
        secretFilesFromStdin([
            { variable: "dm_pw_file", what: "the Directory Manager password" },
            { variable: "admin_pw_file", what: "the replication admin password" },
        ]),
        replicationStatusFunctions(c.adminPort, c.adminUid),
        [
            `primary=${shq(c.primary)}`,
            `member=${shq(member)}`,
            `wait_port "$primary" ${c.adminPort} 300 "OpenDJ administration connector of the primary"`,
            `wait_port "$member" ${c.adminPort} 300 "OpenDJ administration connector of $member"`,
            `rows="$secret_dir/status.tsv"`,
            `# Before the first enable the admin user does not exist and status fails: then nothing replicates yet.`,
            `repl_status "$primary" | repl_status_tsv > "$rows" || true`,
            `for base_dn in ${c.baseDns.map(shq).join(" ")}; do`,
            `  if awk -F'\\t' -v b="$base_dn" -v s="$member:${c.adminPort}" \\`,
            `    'tolower($1) == tolower(b) && tolower($2) == tolower(s) && $4 == "true" { found = 1 } END { exit !found }' "$rows"; then`,
            `    echo "$member already replicates $base_dn"`,
            `    continue`,
            `  fi`,
            `  log="$secret_dir/enable.log"`,
            `  if "$dj_bin/dsreplication" enable \\`,
            `      --host1 "$primary" --port1 ${c.adminPort} --bindDN1 ${shq(DIRECTORY_MANAGER_DN)} \\`,
            `      --bindPasswordFile1 "$dm_pw_file" --replicationPort1 ${c.replicationPort} --secureReplication1 \\`,
            `      --host2 "$member" --port2 ${c.adminPort} --bindDN2 ${shq(DIRECTORY_MANAGER_DN)} \\`,
            `      --bindPasswordFile2 "$dm_pw_file" --replicationPort2 ${c.replicationPort} --secureReplication2 \\`,
            `      --adminUID ${shq(c.adminUid)} --adminPasswordFile "$admin_pw_file" --baseDN "$base_dn" \\`,
            `      --trustAll --no-prompt > "$log" 2>&1; then`,
            `    echo "changed replication of $base_dn enabled between $primary and $member"`,
            `  elif grep -Eq 'ERR_NO_SUFFIXES_AVAILABLE|no base DNs available to enable replication|already replicated' "$log"; then`,
            `    echo "$base_dn is already replicated between $primary and $member"`,
            `  else`,
            `    cat "$log" >&2`,
            `    echo "dsreplication enable of $base_dn between $primary and $member failed (output above)" >&2`,
            `    exit 1`,
            `  fi`,
            `done`,
        ].join("\n"),
    );
    return script(`Join ${member} to OpenDJ replication (Gluu ${c.profile.version})`, inContainer(c.profile, inner));
}

/** Arguments of `replicationInitScript`. */
export interface ReplicationInitOptions extends ReplicationOptions {
    /**
     * The primary must hold at least this many entries in o=gluu before it may initialize anyone.
     * Default 100 (a fresh Gluu o=gluu holds several hundred: attributes, scopes, scripts, clients).
     */
    minPrimaryEntries?: number;
    /** A member missing more changes than this is re-initialized. Default 10000. */
    maxMissingChanges?: number;
    /**
     * The members' addresses, written into the script as a comment so that a change of the topology changes
     * the step and Pulumi runs it again (the script itself decides from `dsreplication status`). Default none.
     */
    members?: string[];
}

/**
 * Copy the primary's data to the members that need it (runs on the PRIMARY, inside its container).
 * Status-driven, per base DN: a member needs initialization when it holds no entries, fewer than half of
 * the primary's, misses more than `maxMissingChanges` changes, or was never initialized from this primary
 * (its base DN, server and DS ID are not in REPLICATION_INIT_MARKER). When every member needs it,
 * `dsreplication initialize-all` runs once; otherwise `dsreplication initialize` runs for just those
 * members, so a scale-out does not overwrite healthy peers.
 *
 * RUNTIME GUARD: refuses (non-zero exit, message on stderr) when the primary's o=gluu holds fewer than
 * `minPrimaryEntries` entries, when an entry count is unknown, or when a member to be initialized holds
 * clearly more entries than the primary (a replaced primary must not wipe its peers).
 *
 * stdin: line 1 = replication admin password.
 */
export function replicationInitScript(o: ReplicationInitOptions): string {
    const c = common(o);
    const minEntries = o.minPrimaryEntries ?? 100;
    const maxMc = o.maxMissingChanges ?? 10000;
    if (!Number.isInteger(minEntries) || minEntries < 0) {
        throw new Error("`minPrimaryEntries` must be an integer >= 0");
    }
    if (!Number.isInteger(maxMc) || maxMc < 0) {
        throw new Error("`maxMissingChanges` must be an integer >= 0");
    }
    const members = (o.members ?? []).map((m, i) => assertHost(`members[${i}]`, m));
    const inner = script(
        `Inside the Gluu ${c.profile.version} container of the primary: initialize replicas that need it`,
        members.length > 0 ? `# Topology when rendered: ${c.primary} (primary), ${members.join(", ")}` : "",
        WAIT_PORT_FUNCTION,
        OPENDJ_ENV,
        secretFilesFromStdin([{ variable: "admin_pw_file", what: "the replication admin password" }]),
        replicationStatusFunctions(c.adminPort, c.adminUid),
        [
            `repl_plan() {`,
            `  awk -v base="$1" -v primary="$2" -v marker="$3" -v min_entries="$4" -v max_mc="$5" -v keep="$keep" ${shq(REPLICATION_PLAN_AWK)}`,
            `}`,
        ].join("\n"),
        [
            `primary=${shq(c.primary)}`,
            `admin_port=${c.adminPort}`,
            `# The wanted members; servers status still lists under other addresses (replaced hosts) are left out.`,
            `keep=${shq(members.map((m) => `${m}:${c.adminPort}`).join(" "))}`,
            `marker=${shq(REPLICATION_INIT_MARKER)}`,
            `install -d -m 0700 "$(dirname "$marker")"`,
            `touch "$marker"`,
            `wait_port "$primary" "$admin_port" 300 "OpenDJ administration connector of the primary"`,
            `status_text="$secret_dir/status.txt"`,
            `rows="$secret_dir/status.tsv"`,
            `if ! repl_status "$primary" > "$status_text"; then`,
            `  cat "$status_text" >&2`,
            `  echo "dsreplication status on $primary failed (output above): refusing to initialize anything" >&2`,
            `  exit 1`,
            `fi`,
            `repl_status_tsv < "$status_text" > "$rows"`,
            `# Decide for every base DN first, so that a refusal for one of them changes nothing at all.`,
            `plans="$secret_dir/plans"`,
            `: > "$plans"`,
            `for base_dn in ${c.baseDns.map(shq).join(" ")}; do`,
            `  min=0`,
            `  if [ "$base_dn" = o=gluu ]; then min=${minEntries}; fi`,
            `  repl_plan "$base_dn" "$primary:$admin_port" "$marker" "$min" ${maxMc} < "$rows" | sed "s|^|$base_dn\t|" >> "$plans"`,
            `done`,
            `if grep -q $'^[^\\t]*\\trefuse\\t' "$plans"; then`,
            `  echo "Refusing to initialize replication from $primary:" >&2`,
            `  grep $'^[^\\t]*\\trefuse\\t' "$plans" | cut -f1,3- | sed 's/\\t/: /' >&2`,
            `  exit 1`,
            `fi`,
            `for base_dn in ${c.baseDns.map(shq).join(" ")}; do`,
            `  members=$(awk -F'\\t' -v b="$base_dn" '$1 == b && $2 == "summary" { print $3 }' "$plans")`,
            `  needing=$(awk -F'\\t' -v b="$base_dn" '$1 == b && $2 == "summary" { print $4 }' "$plans")`,
            `  if [ "\${needing:-0}" -eq 0 ]; then`,
            `    echo "$base_dn: all \${members:-0} member(s) already initialized from $primary"`,
            `    continue`,
            `  fi`,
            `  awk -F'\\t' -v b="$base_dn" '$1 == b && $2 == "init" { print "initializing " $3 " (" b "): " $5 }' "$plans"`,
            `  log="$secret_dir/init.log"`,
            `  if [ "$needing" -eq "$members" ]; then`,
            `    if ! "$dj_bin/dsreplication" initialize-all --hostname "$primary" --port "$admin_port" --baseDN "$base_dn" \\`,
            `        --adminUID ${shq(c.adminUid)} --adminPasswordFile "$admin_pw_file" --trustAll --no-prompt > "$log" 2>&1; then`,
            `      cat "$log" >&2`,
            `      echo "dsreplication initialize-all of $base_dn from $primary failed (output above)" >&2`,
            `      exit 1`,
            `    fi`,
            `    echo "changed $base_dn initialized on all members from $primary"`,
            `  else`,
            `    awk -F'\\t' -v b="$base_dn" '$1 == b && $2 == "init" { print $3 }' "$plans" | while IFS= read -r server; do`,
            `      if ! "$dj_bin/dsreplication" initialize --baseDN "$base_dn" --adminUID ${shq(c.adminUid)} \\`,
            `          --adminPasswordFile "$admin_pw_file" --hostSource "$primary" --portSource "$admin_port" \\`,
            `          --hostDestination "\${server%:*}" --portDestination "\${server##*:}" --trustAll --no-prompt > "$log" 2>&1; then`,
            `        cat "$log" >&2`,
            `        echo "dsreplication initialize of $base_dn on $server from $primary failed (output above)" >&2`,
            `        exit 1`,
            `      fi`,
            `      echo "changed $base_dn initialized on $server from $primary"`,
            `    done`,
            `  fi`,
            `  # Record what was initialized: base DN, server and DS ID (a replaced member gets a new DS ID).`,
            `  { awk -F'\\t' -v b="$base_dn" 'FNR == NR { if ($1 == b && $2 == "init") drop[tolower($3)] = 1; next }`,
            `      !(tolower($1) == tolower(b) && (tolower($2) in drop))' "$plans" "$marker"`,
            `    awk -F'\\t' -v b="$base_dn" '$1 == b && $2 == "init" { print b "\\t" $3 "\\t" $4 }' "$plans"; } > "$marker.new"`,
            `  mv -f "$marker.new" "$marker"`,
            `done`,
        ].join("\n"),
    );
    return script(`Initialize OpenDJ replicas from ${c.primary} (Gluu ${c.profile.version})`, inContainer(c.profile, inner));
}

/** Arguments of `replicationPruneScript`. */
export interface ReplicationPruneOptions extends ReplicationOptions {
    /** Addresses of the members that stay (besides the primary). Every other server in the topology is removed. */
    members: string[];
}

/**
 * Make the topology match the wanted members (runs on the PRIMARY, inside its container): every server that
 * `dsreplication status` lists but that is neither the primary nor one of `members` (a node scaled in, or a
 * replaced node's old address) gets `dsreplication disable --disableAll`, and is forgotten in the
 * initialization record. A server that cannot be reached (a destroyed droplet) is reported on stderr with what
 * to do, and skipped: the initialization ignores it, and it must not block the cluster's convergence. A failing
 * `dsreplication status` means "no topology yet" only while this primary has initialized nobody; after that it
 * stops the step.
 * The member list is part of the text, so a change of membership re-runs the step.
 *
 * stdin: line 1 = replication admin password.
 */
export function replicationPruneScript(o: ReplicationPruneOptions): string {
    const c = common(o);
    const members = o.members.map((m, i) => assertHost(`members[${i}]`, m));
    const keep = [c.primary, ...members].map((m) => `${m}:${c.adminPort}`);
    const inner = script(
        `Inside the Gluu ${c.profile.version} container of the primary: remove servers that are no longer members`,
        OPENDJ_ENV,
        secretFilesFromStdin([{ variable: "admin_pw_file", what: "the replication admin password" }]),
        replicationStatusFunctions(c.adminPort, c.adminUid),
        [
            `primary=${shq(c.primary)}`,
            `keep=${shq(keep.join(" "))}`,
            `marker=${shq(REPLICATION_INIT_MARKER)}`,
            `status_text="$secret_dir/status.txt"`,
            `# Before the first join the admin user does not exist and status fails: then there is nothing to prune.`,
            `# Once this primary has initialized members (its record is not empty), a failing status is an error.`,
            `if ! repl_status "$primary" > "$status_text"; then`,
            `  if [ -s "$marker" ]; then`,
            `    cat "$status_text" >&2`,
            `    echo "dsreplication status on $primary failed (output above), although it has initialized members: not pruning blindly" >&2`,
            `    exit 1`,
            `  fi`,
            `  echo "no replication topology on $primary yet: nothing to prune"`,
            `  exit 0`,
            `fi`,
            `repl_status_tsv < "$status_text" | cut -f2 | sort -u | while IFS= read -r server; do`,
            `  case " $keep " in *" $server "*) continue ;; esac`,
            `  log="$secret_dir/disable.log"`,
            `  if "$dj_bin/dsreplication" disable --disableAll --hostname "\${server%:*}" --port "\${server##*:}" \\`,
            `      --adminUID ${shq(c.adminUid)} --adminPasswordFile "$admin_pw_file" --trustAll --no-prompt > "$log" 2>&1; then`,
            `    echo "changed replication disabled on $server (no longer a member)"`,
            `  else`,
            `    cat "$log" >&2`,
            `    echo "warning: $server is no longer a member but could not be removed from replication (unreachable?);" >&2`,
            `    echo "  it is ignored from now on; if it comes back, run dsreplication disable --disableAll on it" >&2`,
            `  fi`,
            `  if [ -f "$marker" ]; then`,
            `    awk -F'\\t' -v s="$server" 'tolower($2) != tolower(s)' "$marker" > "$marker.new"`,
            `    if ! cmp -s "$marker.new" "$marker"; then mv -f "$marker.new" "$marker"; else rm -f "$marker.new"; fi`,
            `  fi`,
            `done`,
        ].join("\n"),
    );
    return script(`Remove former members from OpenDJ replication (Gluu ${c.profile.version})`, inContainer(c.profile, inner));
}

/**
 * Encrypt replication traffic on this node (runs on every node, inside its container):
 * `dsconfig set-crypto-manager-prop --set ssl-encryption:true`, only if `get-crypto-manager-prop` says false.
 *
 * stdin: line 1 = Directory Manager password.
 */
export function cryptoManagerScript(profile: GluuVersionProfile, opts: { adminPort?: number } = {}): string {
    const adminPort = assertPort("adminPort", opts.adminPort ?? 4444);
    const inner = script(
        `Inside the Gluu ${profile.version} container: encrypt OpenDJ replication traffic`,
        WAIT_PORT_FUNCTION,
        OPENDJ_ENV,
        secretFilesFromStdin([{ variable: "dm_pw_file", what: "the Directory Manager password" }]),
        dsconfigFunction(adminPort),
        [
            `wait_port 127.0.0.1 ${adminPort} 300 "OpenDJ administration connector"`,
            `crypto_props=$(dj_get get-crypto-manager-prop --property ssl-encryption)`,
            `if printf '%s\\n' "$crypto_props" | grep -Eq '^ssl-encryption[[:space:]]+true'; then`,
            `  echo "OpenDJ replication traffic is already encrypted"`,
            `else`,
            `  dj_config set-crypto-manager-prop --set ssl-encryption:true >/dev/null`,
            `  echo "changed OpenDJ crypto manager ssl-encryption to true"`,
            `fi`,
        ].join("\n"),
    );
    return script(`Encrypt OpenDJ replication traffic (Gluu ${profile.version})`, inContainer(profile, inner));
}

/** The OpenDJ key material copied from the primary to every member (docs step 5). */
export const OPENDJ_KEY_FILES: readonly string[] = ["keystore", "keystore.pin", "truststore"];

/**
 * Print the primary's OpenDJ key material as ONE line of base64 without a newline (a tar of keystore,
 * keystore.pin and, if present, truststore from /opt/opendj/config). Runs on the primary's HOST (the files are
 * read under the container root). SECRET-BEARING: its stdout holds the private key and its PIN; treat the
 * step's output as a secret. The archive is complete before anything is printed and the printing is the last
 * command, so a failing step's error (which carries stdout) never holds key material.
 * Deterministic (fixed owner and mtime) so that an unchanged keystore gives the same text.
 *
 * stdin: none.
 */
export function opendjKeystoreExportScript(profile: GluuVersionProfile): string {
    return script(
        `Export the OpenDJ keystore of the primary (Gluu ${profile.version}); stdout is secret`,
        [
            `gluu_root=${shq(profile.containerRoot)}`,
            `config_dir="$gluu_root${OPENDJ_CONFIG}"`,
            `files=()`,
            `for f in ${OPENDJ_KEY_FILES.join(" ")}; do`,
            `  if [ -f "$config_dir/$f" ]; then`,
            `    files+=("$f")`,
            `  elif [ "$f" != truststore ]; then`,
            `    echo "$config_dir/$f is missing: this OpenDJ keeps its keys elsewhere, so the keystore copy does not apply" >&2`,
            `    exit 1`,
            `  fi`,
            `done`,
            // A failed step's error carries its whole stdout and stderr, whatever \`logging\` says
            // (pulumi/pulumi-command@v1.2.1:provider/pkg/provider/remote/commandOutputs.go:101, review W3). So the
            // archive goes to a 0600 file in a private directory first, any tar error stops the step before
            // anything is printed, and the secret is printed by the very last command.
            `out_dir=$(mktemp -d)`,
            `cleanup_paths+=("$out_dir")`,
            `tmp="$out_dir/opendj-keys.tar"`,
            `(umask 077 && : > "$tmp")`,
            `if ! tar -C "$config_dir" --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$tmp" -- "\${files[@]}"; then`,
            `  echo "tar could not archive the OpenDJ keys in $config_dir: nothing exported" >&2`,
            `  exit 1`,
            `fi`,
            `# After the secret is printed nothing may fail: the cleanup trap can no longer change the exit status.`,
            `trap 'cleanup || :' EXIT`,
            `base64 -w0 "$tmp"`,
        ].join("\n"),
    );
}

/**
 * Install the primary's OpenDJ key material on a member (inside its container): decodes the base64 tar
 * from stdin, accepts only keystore, keystore.pin and truststore as regular files, writes each one that
 * differs into /opt/opendj/config (owner ldap:ldap, keeping an existing file's mode, else 0600) and restarts
 * OpenDJ only if a file changed.
 *
 * stdin: the single base64 line printed by `opendjKeystoreExportScript` (secret).
 */
export function opendjKeystoreImportScript(profile: GluuVersionProfile, opts: { adminPort?: number } = {}): string {
    const adminPort = assertPort("adminPort", opts.adminPort ?? 4444);
    const restart = pendingRestart("opendj", "opendj_changes");
    const inner = script(
        `Inside the Gluu ${profile.version} container: install the primary's OpenDJ keystore`,
        WAIT_PORT_FUNCTION,
        INSTALL_FILE_FUNCTION,
        [
            `work=$(mktemp -d /root/.gluu-opendj-keys.XXXXXX)`,
            `cleanup_paths+=("$work")`,
            `chmod 0700 "$work"`,
            `if ! base64 -d > "$work/keys.tar" || [ ! -s "$work/keys.tar" ]; then`,
            `  echo "stdin is not the base64 keystore archive from the primary" >&2`,
            `  exit 1`,
            `fi`,
            `mkdir "$work/x"`,
            `# Only the three known names are accepted, and only as regular files.`,
            `while IFS= read -r name; do`,
            `  case "$name" in`,
            `    keystore|keystore.pin|truststore) ;;`,
            `    *) echo "unexpected member in the keystore archive: $name" >&2; exit 1 ;;`,
            `  esac`,
            `done < <(tar -tf "$work/keys.tar")`,
            `tar -xf "$work/keys.tar" -C "$work/x" --no-same-owner --no-same-permissions`,
            `for f in keystore keystore.pin; do`,
            `  if [ ! -f "$work/x/$f" ]; then echo "the keystore archive lacks $f" >&2; exit 1; fi`,
            `done`,
            `if find "$work/x" -mindepth 1 ! -type f | grep -q .; then echo "the keystore archive holds non-regular files" >&2; exit 1; fi`,
            `opendj_changes=$(mktemp)`,
            `cleanup_paths+=("$opendj_changes")`,
            restart.begin,
            `if [ -s "$opendj_changes" ]; then cat "$opendj_changes"; files_changed=1; fi`,
            `for f in ${OPENDJ_KEY_FILES.join(" ")}; do`,
            `  [ -f "$work/x/$f" ] || continue`,
            `  dst=${shq(OPENDJ_CONFIG)}/"$f"`,
            `  mode=$(stat -c %a "$dst" 2>/dev/null || echo 600)`,
            `  install_file "$work/x/$f" "$dst" "$mode" ldap:ldap`,
            `done`,
            `if [ "$files_changed" -eq 1 ]; then`,
            ...restartOpendj(profile, adminPort).split("\n").map((l) => `  ${l}`),
            `  echo "changed opendj restarted"`,
            `else`,
            `  echo "OpenDJ keystore already matches the primary's"`,
            `fi`,
            restart.end,
        ].join("\n"),
    );
    return script(`Install the primary's OpenDJ keystore (Gluu ${profile.version})`, inContainer(profile, inner));
}

/**
 * Print `dsreplication status` of the topology as seen from the primary (inside its container), the
 * ` : ` table that `parseReplicationStatus` reads. Read-only. `members` (addresses) only goes into a comment,
 * so that a changed topology changes the step and Pulumi runs it again.
 *
 * stdin: line 1 = replication admin password.
 */
export function replicationStatusScript(
    profile: GluuVersionProfile,
    primaryAddress: string,
    opts: { adminPort?: number; adminUid?: string; members?: string[] } = {},
): string {
    const primary = assertHost("primaryAddress", primaryAddress);
    const members = (opts.members ?? []).map((m, i) => assertHost(`members[${i}]`, m));
    const adminPort = assertPort("adminPort", opts.adminPort ?? 4444);
    const adminUid = assertUid("adminUid", opts.adminUid ?? "admin");
    const inner = script(
        `Inside the Gluu ${profile.version} container: show OpenDJ replication status`,
        OPENDJ_ENV,
        secretFilesFromStdin([{ variable: "admin_pw_file", what: "the replication admin password" }]),
        replicationStatusFunctions(adminPort, adminUid),
        // Part of the text so that a new topology re-runs the step (its output is the cluster's status).
        members.length > 0 ? `# Topology when rendered: ${primary} (primary), ${members.join(", ")}` : "",
        `repl_status ${shq(primary)}`,
    );
    return script(`Show OpenDJ replication status from ${primary} (Gluu ${profile.version})`, inContainer(profile, inner));
}
