// Stand-in Gluu 3.1.6 containers on bed hosts, for CONTRACT tests of the OpenDJ replication and certificate
// steps: a chroot root at /opt/gluu-server-3.1.6 whose /usr/{bin,sbin,lib,…} are read-only bind mounts of the
// host's (inside the host's private mount namespace, so nothing reaches the machine), with its own /etc
// (users ldap, jetty, group gluu), /root, /tmp, /var, OpenDJ config and key files (random bytes), /etc/certs
// (real self-signed certificates where tools parse them) and RECORDING stand-ins for the tools the scripts
// call: /opt/opendj/bin/{dsconfig,dsreplication,dsjavaproperties}, /opt/jre/bin/keytool and
// /usr/local/sbin/service (first in PATH inside the chroot). No real OpenDJ, JRE or Gluu runs here.
//
// The OpenDJ stand-ins are VERSION-FAITHFUL: they accept only the options and subcommands the version's real
// tool registers (test/live/opendjOptions.ts, read from upstream source) and exit 89 on anything else; 4.5 has
// no dsjavaproperties.
//
// Every stand-in appends one JSON line to /var/log/standin/calls.jsonl (inside the chroot): its argv and, for
// each password-file option, whether the file existed AT CALL TIME, its mode, owner, its directory's mode and
// the SHA-256 of its first line (never the content). State lives in /var/lib/standin: dsconfig properties,
// the replication topology (so `enable` changes what `status` shows next), the trust store's aliases.

import * as crypto from "crypto";
import { CertificateDistribution } from "../../components/certificateDistribution";
import { OpenDjReplication } from "../../components/openDjReplication";
import { GluuVersionProfile } from "../../components/profiles";
import { certsExportScript, httpdCertExportScript } from "../../components/render/certs";
import { opendjKeystoreExportScript } from "../../components/render/opendj";
import { RecordedResource } from "../../src/record";
import { mocks, recordComponent } from "../helpers/program";
import { Bed, BedHost } from "./bed";
import { hostArgsOf } from "./hosts";
import { compiledOptions, OPENDJ_ARGCHECK_FN_PY, OpenDjTableVersion, opendjTools } from "./opendjOptions";

/** The container root of Gluu 3.1.6 (profiles.ts). */
export const GLUU316_ROOT = "/opt/gluu-server-3.1.6";
/** Where the stand-ins log, inside the container. */
export const STANDIN_LOG = "/var/log/standin/calls.jsonl";
/** Ids of the container's service users (only meaningful inside the chroot). */
export const CONTAINER_IDS = { ldap: 990, jetty: 991, gluu: 992 };

/** One recorded call of a stand-in tool. */
export interface StandinCall {
    tool: string;
    argv: string[];
    pwfiles: Array<{ opt: string; path: string; exists: boolean; mode?: string; owner?: string; dirMode?: string; sha256?: string }>;
    t: number;
    /** `$SSH_CONNECTION` the tool saw (`client port server port`); null when not run under ssh. */
    ssh?: string | null;
    /** Why the version's tool would refuse these arguments (opendjOptions.ts); absent when it accepts them. */
    refused?: string;
}

export const sha256 = (s: string) => crypto.createHash("sha256").update(s).digest("hex");

/**
 * The one Python program behind every stand-in (dispatches on its own file name), for Gluu `version`. Its
 * OpenDJ tools (dsconfig, dsreplication and, 3.1.6 only, dsjavaproperties) first check their arguments against
 * that version's options table (opendjOptions.ts, read from the upstream source; OPENDJ_ARGCHECK_FN_PY): an
 * option or subcommand the version's tool does not register is refused with exit 89, as its argument parser
 * would refuse it, and logged with `refused`. `STANDIN_LOG`/`STANDIN_STATE` in the environment move the log and
 * the state (to run it outside a container).
 */
export function standinPy(version: OpenDjTableVersion): string {
    return STANDIN_PY_HEAD + `OPENDJ_VERSION = ${JSON.stringify(version)}\nOPENDJ_OPTIONS = json.loads(${JSON.stringify(JSON.stringify(compiledOptions(version)))})\n` +
        OPENDJ_ARGCHECK_FN_PY + STANDIN_PY_BODY;
}

const STANDIN_PY_HEAD = String.raw`#!/usr/bin/python3
# Recording stand-in for OpenDJ / JRE / service tools inside a stand-in Gluu container (contract tests).
import fcntl, grp, hashlib, json, os, pwd, random, sys, time
`;

const STANDIN_PY_BODY = String.raw`
TOOL = os.path.basename(sys.argv[0])
ARGS = sys.argv[1:]
STATE = os.environ.get("STANDIN_STATE", "/var/lib/standin")
LOG = os.environ.get("STANDIN_LOG", "/var/log/standin/calls.jsonl")
OPENDJ_TOOLS = ("dsconfig", "dsreplication", "dsjavaproperties", "ldapsearch", "ldapmodify", "export-ldif", "import-ldif")
PW_OPTS = ("--bindPasswordFile", "--bindPasswordFile1", "--bindPasswordFile2", "--adminPasswordFile", "-storepass:file")


def first_line_sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.readline().rstrip(b"\n")).hexdigest()


def name_of(fn, i):
    try:
        return fn(i)[0]
    except KeyError:
        return str(i)


def pwfiles():
    out = []
    for i, a in enumerate(ARGS):
        if a in PW_OPTS and i + 1 < len(ARGS):
            p = ARGS[i + 1]
            rec = {"opt": a, "path": p, "exists": os.path.isfile(p)}
            if rec["exists"]:
                st = os.stat(p)
                rec["mode"] = "%o" % (st.st_mode & 0o777)
                rec["owner"] = "%s:%s" % (name_of(pwd.getpwuid, st.st_uid), name_of(grp.getgrgid, st.st_gid))
                rec["dirMode"] = "%o" % (os.stat(os.path.dirname(p) or ".").st_mode & 0o777)
                rec["sha256"] = first_line_sha(p)
            out.append(rec)
    return out


def log(refused=None):
    # ssh: the SSH connection the tool runs under (client addr/port, server addr/port), None outside ssh.
    rec = {"tool": TOOL, "argv": ARGS, "pwfiles": pwfiles(), "t": time.time(), "ssh": os.environ.get("SSH_CONNECTION")}
    if refused:
        rec["refused"] = refused
    line = json.dumps(rec) + "\n"
    fd = os.open(LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def opt(name, default=None):
    for i, a in enumerate(ARGS):
        if a == name and i + 1 < len(ARGS):
            return ARGS[i + 1]
    return default


def opts(name):
    return [ARGS[i + 1] for i, a in enumerate(ARGS) if a == name and i + 1 < len(ARGS)]


def load(name, default):
    try:
        with open(os.path.join(STATE, name)) as f:
            return json.load(f)
    except FileNotFoundError:
        return default


def save(name, data):
    tmp = os.path.join(STATE, name + ".tmp")
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1)
    os.replace(tmp, os.path.join(STATE, name))


class Lock:
    def __enter__(self):
        self.f = open(os.path.join(STATE, "lock"), "a")
        fcntl.flock(self.f, fcntl.LOCK_EX)

    def __exit__(self, *a):
        self.f.close()


def fail(msg, code=1):
    print(msg, file=sys.stderr)
    sys.exit(code)


CFG = load("config.json", {})


def pw_ok(path, want):
    return bool(path) and bool(want) and os.path.isfile(path) and first_line_sha(path) == want


# ---- dsreplication -------------------------------------------------------------------------------
HEADERS = ["Suffix DN", "Server", "Entries", "Replication enabled", "DS ID", "RS ID", "RS Port (1)", "M.C. (2)", "A.O.M.C. (3)", "Security (4)"]
LEGEND = """
[1] The port used to communicate between the servers whose contents are being
replicated.
[2] The number of changes that are still missing on this server (and that have
been applied to at least one of the other servers).
[3] Age of oldest missing change: the date on which the oldest change that has
not arrived on this server was generated.
[4] Whether the replication communication through the replication port is
encrypted or not.
"""


def text_table(rows):
    # Like OpenDJ's TextTablePrinter as dsreplication status uses it (see test/render-opendj.spec.ts).
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(HEADERS)]
    def line(cells):
        return " : ".join(c if i == len(cells) - 1 else c.ljust(widths[i]) for i, c in enumerate(cells))
    sep = ":".join("-" * (w + 1 if i in (0, len(widths) - 1) else w + 2) for i, w in enumerate(widths))
    return "\n".join([line(HEADERS), sep] + [line(r) for r in rows]) + "\n"


def dsreplication():
    sub = ARGS[0] if ARGS else ""
    repl = load("repl.json", {"adminSha": None, "rows": []})

    def check_admin():
        if not pw_ok(opt("--adminPasswordFile"), repl["adminSha"]):
            fail("Error: Invalid Credentials: the global administrator could not authenticate (--adminPasswordFile)")

    if sub == "status":
        check_admin()
        rows = sorted(repl["rows"], key=lambda r: (r["base"], r["server"]))
        if not rows:
            print("No replication information found.")
            return
        cells = [[r["base"], r["server"], str(r["entries"]), "true", str(r["dsId"]), str(r["rsId"]), "8989", "0", "", "true" if r["secure"] else "false"] for r in rows]
        sys.stdout.write("Establishing connections ..... Done.\n\n" + text_table(cells) + LEGEND)
        return
    if sub == "enable":
        for o in ("--bindPasswordFile1", "--bindPasswordFile2"):
            if not pw_ok(opt(o), CFG.get("dmSha")):
                fail("Error: Invalid Credentials for %s (%s)" % (o, opt(o)))
        base = opt("--baseDN")
        hang = CFG.get("hangEnable", {}).get(base)
        if hang:
            time.sleep(hang)
        with Lock():
            repl = load("repl.json", {"adminSha": None, "rows": []})
            if repl["adminSha"] is None:
                if not opt("--adminPasswordFile"):
                    fail("Error: no --adminPasswordFile")
                repl["adminSha"] = first_line_sha(opt("--adminPasswordFile"))
            elif not pw_ok(opt("--adminPasswordFile"), repl["adminSha"]):
                fail("Error: Invalid Credentials of the global administrator")
            added = 0
            for n in ("1", "2"):
                server = "%s:%s" % (opt("--host" + n), opt("--port" + n, "4444"))
                if any(r["base"] == base and r["server"] == server for r in repl["rows"]):
                    continue
                own = opt("--host" + n) == CFG.get("self")
                entries = CFG.get("entries" if own else "memberEntries", {}).get(base, 0)
                repl["rows"].append({"base": base, "server": server, "entries": entries, "dsId": random.randint(1000, 32767),
                                     "rsId": random.randint(1000, 32767), "secure": ("--secureReplication" + n) in ARGS})
                added += 1
            if added == 0:
                print("There are no base DNs available to enable replication between the two servers.")
                print("The following base DNs are already replicated between the two servers:\n" + base)
                sys.exit(1)
            save("repl.json", repl)
        print("Establishing connections ..... Done.\nConfiguring Replication port on server ..... Done.\nUpdating replication configuration for baseDN %s ..... Done." % base)
        return
    if sub in ("initialize-all", "initialize", "disable"):
        check_admin()
        with Lock():
            repl = load("repl.json", repl)
            if sub == "initialize-all":
                base = opt("--baseDN")
                src = "%s:%s" % (opt("--hostname"), opt("--port"))
                have = [r for r in repl["rows"] if r["base"] == base and r["server"] == src]
                if not have:
                    fail("Error: %s does not replicate %s" % (src, base))
                for r in repl["rows"]:
                    if r["base"] == base:
                        r["entries"] = have[0]["entries"]
            elif sub == "initialize":
                base = opt("--baseDN")
                src = "%s:%s" % (opt("--hostSource"), opt("--portSource"))
                dst = "%s:%s" % (opt("--hostDestination"), opt("--portDestination"))
                s = [r for r in repl["rows"] if r["base"] == base and r["server"] == src]
                d = [r for r in repl["rows"] if r["base"] == base and r["server"] == dst]
                if not s or not d:
                    fail("Error: %s or %s does not replicate %s" % (src, dst, base))
                d[0]["entries"] = s[0]["entries"]
            else:
                server = "%s:%s" % (opt("--hostname"), opt("--port"))
                repl["rows"] = [r for r in repl["rows"] if r["server"] != server]
            save("repl.json", repl)
        print("%s ..... Done." % sub)
        return
    fail("stand-in dsreplication: unsupported subcommand %r" % sub)


# ---- dsconfig ------------------------------------------------------------------------------------
def dsconfig():
    sub = next((a for a in ARGS if a.startswith(("get-", "set-"))), None)
    if not pw_ok(opt("--bindPasswordFile"), CFG.get("dmSha")):
        fail("Invalid credentials (--bindPasswordFile)", 49)
    if sub is None:
        fail("stand-in dsconfig: no get-/set- subcommand")
    key = sub[4:] + ("/" + opt("--handler-name") if opt("--handler-name") else "")
    with Lock():
        state = load("dsconfig.json", {})
        props = state.setdefault(key, {})
        if sub.startswith("get-"):
            for p in opts("--property"):
                print("%s\t%s" % (p, props.get(p, "")))
            return
        for kv in opts("--set"):
            k, v = kv.split(":", 1)
            props[k] = v
        save("dsconfig.json", state)


# ---- export-ldif / import-ldif (DirectoryBackup) -------------------------------------------------
# Both are TaskTools (opendjOptions.ts): with connection arguments they schedule a task that the SERVER runs, as
# its own user (ldap), so the LDIF file's directory must belong to that user; without them they would run
# offline, which a running server refuses (its backends are locked). The stand-in's backends are Gluu's:
# userRoot = o=gluu, site = o=site (community-edition-setup setup.py / installers/opendj.py).
BACKENDS = {"userRoot": "o=gluu", "site": "o=site"}
LDAP_UID = 990


def task_common(tool):
    if not opt("--hostname") or not opt("--port"):
        fail("%s: the server is running, so an offline %s cannot lock backend %s (give the connection arguments to run it as a task)" % (tool, tool, opt("--backendID")), 1)
    if opt("--port") != "4444":
        fail("%s: could not connect to the administration connector at %s:%s" % (tool, opt("--hostname"), opt("--port")), 91)
    if "--trustAll" not in ARGS:
        fail("%s: the server certificate is not trusted (no --trustAll or trust store), and --no-prompt cannot ask" % tool, 91)
    if not pw_ok(opt("--bindPasswordFile"), CFG.get("dmSha")):
        fail("%s: Invalid Credentials (--bindPasswordFile)" % tool, 49)
    backend = opt("--backendID")
    if backend not in BACKENDS:
        fail("%s: there is no backend with ID %r" % (tool, backend), 1)
    base = BACKENDS[backend]
    for b in opts("--includeBranch"):
        if b.lower() != base and not b.lower().endswith("," + base):
            fail("%s: include branch %s is not within backend %s (%s)" % (tool, b, backend, base), 1)
    ldif = opt("--ldifFile")
    if not ldif:
        fail("%s: --ldifFile is required" % tool, 1)
    d = os.path.dirname(ldif)
    st = os.stat(d) if os.path.isdir(d) else None
    if st is None or st.st_uid != LDAP_UID:
        fail("%s: task failed: the server (user ldap) cannot write/read in %s" % (tool, d), 1)
    return backend, base, ldif


def ldif_state():
    return load("ldif.json", {})


def export_ldif():
    backend, base, ldif = task_common("export-ldif")
    state = ldif_state().get(base)
    if state:
        text = state["text"]
    else:
        n = CFG.get("entries", {}).get(base, 0)
        rdn = base.split("=", 1)[1]
        text = "dn: %s\nobjectClass: top\nobjectClass: organization\no: %s\ndescription: exported from %s\n\n" % (base, rdn, CFG.get("self"))
        text += "".join("dn: inum=%05d,ou=people,%s\nobjectClass: top\ninum: %05d\n\n" % (i, base, i) for i in range(1, n))
    with open(ldif, "w") as f:
        f.write(text)
    os.chown(ldif, LDAP_UID, LDAP_UID)
    os.chmod(ldif, 0o600)
    print("Export task %s scheduled to start immediately\n[%s] The LDIF export of backend %s completed successfully" % ("export-" + str(int(time.time())), time.strftime("%d/%b/%Y:%H:%M:%S"), backend))


def import_ldif():
    backend, base, ldif = task_common("import-ldif")
    if not os.path.isfile(ldif):
        fail("import-ldif: task failed: LDIF file %s does not exist" % ldif, 1)
    text = open(ldif).read()
    dns = [l[4:].strip() for l in text.split("\n") if l.startswith("dn: ")]
    outside = [d for d in dns if d.lower() != base and not d.lower().endswith("," + base)]
    if outside:
        fail("import-ldif: entry %s is not within backend %s" % (outside[0], backend), 1)
    with Lock():
        st = ldif_state()
        st[base] = {"text": text, "entries": len(dns), "clear": "--clearBackend" in ARGS}
        save("ldif.json", st)
        repl = load("repl.json", {"adminSha": None, "rows": []})
        for r in repl["rows"]:
            if r["base"] == base and r["server"].split(":")[0] == CFG.get("self"):
                r["entries"] = len(dns)
        save("repl.json", repl)
    print("Import task %s scheduled to start immediately\n[%s] Processed %d entries and rejected 0 (backend %s)" % ("import-" + str(int(time.time())), time.strftime("%d/%b/%Y:%H:%M:%S"), len(dns), backend))


# ---- keytool (JRE trust store) -------------------------------------------------------------------
def keytool():
    store = os.path.join(STATE, "keytool")
    os.makedirs(store, exist_ok=True)
    sp = opt("-storepass:file")
    if not sp or not os.path.isfile(sp) or open(sp).readline().rstrip("\n") != "changeit":
        fail("keytool error: java.io.IOException: Keystore was tampered with, or password was incorrect")
    if not os.path.isfile(opt("-keystore", "")):
        fail("keytool error: java.lang.Exception: Keystore file does not exist")
    alias = opt("-alias", "")
    path = os.path.join(store, alias + ".pem")
    if "-exportcert" in ARGS:
        if not os.path.isfile(path):
            fail("keytool error: java.lang.Exception: Alias <%s> does not exist" % alias)
        sys.stdout.write(open(path).read())
    elif "-delete" in ARGS:
        if not os.path.isfile(path):
            fail("keytool error: java.lang.Exception: Alias <%s> does not exist" % alias)
        os.remove(path)
    elif "-importcert" in ARGS:
        if os.path.isfile(path):
            fail("keytool error: java.lang.Exception: Certificate not imported, alias <%s> already exists" % alias)
        text = open(opt("-file")).read()
        if "BEGIN CERTIFICATE" not in text:
            fail("keytool error: java.lang.Exception: Input not an X.509 certificate")
        with open(path, "w") as f:
            f.write(text)
        print("Certificate was added to keystore")
    else:
        fail("stand-in keytool: unsupported command")


def main():
    if TOOL in OPENDJ_TOOLS:
        why = opendj_argcheck(OPENDJ_OPTIONS, TOOL, ARGS)
        if why:
            log(why)
            fail("%s (stand-in, Gluu %s): %s" % (TOOL, OPENDJ_VERSION, why), 89)
    log()
    if TOOL == "dsreplication":
        dsreplication()
    elif TOOL == "dsconfig":
        dsconfig()
    elif TOOL == "dsjavaproperties":
        os.makedirs("/opt/opendj/lib", exist_ok=True)
        with open("/opt/opendj/config/java.properties") as s, open("/opt/opendj/lib/set-java-home", "w") as d:
            d.write(s.read())
    elif TOOL == "keytool":
        keytool()
    elif TOOL == "export-ldif":
        export_ldif()
    elif TOOL == "import-ldif":
        import_ldif()
    elif TOOL == "service":
        if len(ARGS) != 2:
            fail("usage: service NAME ACTION")
    elif TOOL == "systemctl":
        if len(ARGS) != 2:
            fail("usage: systemctl ACTION NAME")
    else:
        fail("unknown stand-in %s" % TOOL)


main()
`;

/** Options of `setupGluuStandin`. */
export interface StandinOptions {
    /** This host's bed address (the stand-in knows which `--hostN` is itself). */
    self: string;
    /** SHA-256 of the Directory Manager password (the stand-ins accept password files holding it). */
    dmSha: string;
    /** Entries this node's OpenDJ holds per base DN (default o=gluu 1500, o=site 3). */
    entries?: Record<string, number>;
    /** Entries a member holds before it is initialized (default o=gluu 1400, o=site 1). */
    memberEntries?: Record<string, number>;
}

/**
 * Build the stand-in container on `host` and start listeners for the OpenDJ administration connector (4444),
 * oxAuth (8081, serving /oxauth/.well-known/openid-configuration) and identity (8082). Idempotent enough
 * for one use per bed host.
 */
export function setupGluuStandin(host: BedHost, o: StandinOptions): Promise<void> {
    return buildStandin(host, o, LAYOUT_316);
}

/** Where a stand-in container lives and how its services are controlled (differs by Gluu version). */
interface StandinLayout {
    /** Whose OpenDJ tools (options table; dsjavaproperties exists in 3.1.6 only). */
    version: OpenDjTableVersion;
    root: string;
    /** The service-control stand-in, in /usr/local/sbin (first in root's PATH). */
    serviceTool: "service" | "systemctl";
    /** The JRE trust store's path inside the container. */
    jreTruststore: string;
}

const LAYOUT_316: StandinLayout = { version: "3.1.6", root: GLUU316_ROOT, serviceTool: "service", jreTruststore: "/opt/jre/jre/lib/security/cacerts" };

async function buildStandin(host: BedHost, o: StandinOptions, layout: StandinLayout): Promise<void> {
    const R = layout.root;
    const jreSecurity = layout.jreTruststore.replace(/\/[^/]+$/, "");
    const { ldap, jetty, gluu } = CONTAINER_IDS;
    const config = {
        self: o.self,
        dmSha: o.dmSha,
        entries: o.entries ?? { "o=gluu": 1500, "o=site": 3 },
        memberEntries: o.memberEntries ?? { "o=gluu": 1400, "o=site": 1 },
    };
    const dsconfigState = {
        "administration-connector-prop": { "listen-address": "127.0.0.1" },
        "connection-handler-prop/LDAPS Connection Handler": { enabled: "false", "listen-address": "127.0.0.1" },
        "crypto-manager-prop": { "ssl-encryption": "false" },
    };
    const cert = (name: string, cn: string) =>
        `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=${cn} -days 30 -keyout ${name}.key -out ${name}.crt 2>/dev/null`;
    await host.run(
        [
            `set -euo pipefail`,
            `R=${R}`,
            `mkdir -p $R/usr/local/sbin $R/dev $R/proc $R/root $R/tmp $R/etc/certs $R/etc/gluu/conf $R/var/lib/standin $R/var/log/standin \\`,
            `  $R/opt/opendj/bin $R/opt/opendj/config $R/opt/opendj/lib $R/opt/jre/bin $R${jreSecurity} \\`,
            `  $R/install/community-edition-setup/output`,
            `chmod 0700 $R/root; chmod 1777 $R/tmp`,
            `# The host's programs and libraries, read-only, inside the host's private mount namespace only.`,
            `for d in bin sbin lib lib64 libexec share; do`,
            `  [ -d /usr/$d ] || continue`,
            `  mkdir -p $R/usr/$d`,
            `  if ! mountpoint -q $R/usr/$d; then mount --bind /usr/$d $R/usr/$d; mount -o remount,bind,ro $R/usr/$d; fi`,
            `done`,
            `for l in bin sbin lib lib64; do ln -sfn usr/$l $R/$l; done`,
            `mountpoint -q $R/dev || mount --bind /dev $R/dev`,
            `mountpoint -q $R/proc || mount -t proc proc $R/proc`,
            `# The container's own users: ldap (OpenDJ), jetty (oxAuth), group gluu.`,
            `printf '%s\\n' 'root:x:0:0:root:/root:/bin/bash' 'ldap:x:${ldap}:${ldap}::/opt/opendj:/bin/false' 'jetty:x:${jetty}:${jetty}::/opt/jetty:/bin/false' > $R/etc/passwd`,
            `printf '%s\\n' 'root:x:0:' 'ldap:x:${ldap}:' 'jetty:x:${jetty}:' 'gluu:x:${gluu}:ldap,jetty' > $R/etc/group`,
            `printf '%s\\n' 'passwd: files' 'group: files' 'hosts: files' > $R/etc/nsswitch.conf`,
            `cp /etc/hosts $R/etc/hosts`,
            `# /usr/bin/awk and friends are links through /etc/alternatives, which a container has in its own /etc.`,
            `cp -a /etc/alternatives $R/etc/; cp /etc/ld.so.cache $R/etc/ 2>/dev/null || true`,
            `# Stand-in tools (one program, dispatching on its name).`,
            `cat > $R/opt/opendj/bin/dsreplication <<'STANDIN_EOF'\n${standinPy(layout.version)}STANDIN_EOF`,
            `chmod 0755 $R/opt/opendj/bin/dsreplication`,
            // OpenDJ 4.x has no dsjavaproperties (opendjOptions.ts): the 4.5 container has none either.
            `for t in opt/opendj/bin/dsconfig ${opendjTools(layout.version).includes("dsjavaproperties") ? "opt/opendj/bin/dsjavaproperties " : ""}opt/opendj/bin/export-ldif opt/opendj/bin/import-ldif opt/jre/bin/keytool usr/local/sbin/${layout.serviceTool}; do cp $R/opt/opendj/bin/dsreplication $R/$t; done`,
            `cat > $R/var/lib/standin/config.json <<'STANDIN_EOF'\n${JSON.stringify(config)}\nSTANDIN_EOF`,
            `cat > $R/var/lib/standin/dsconfig.json <<'STANDIN_EOF'\n${JSON.stringify(dsconfigState)}\nSTANDIN_EOF`,
            `# OpenDJ config and key material (random bytes: only copied, never parsed).`,
            `printf '%s\\n' 'start-ds.java-args=-server -Xms256m' 'dsreplication.java-args=-Xms8m -client' > $R/opt/opendj/config/java.properties`,
            `head -c 2048 /dev/urandom > $R/opt/opendj/config/keystore`,
            `head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n' > $R/opt/opendj/config/keystore.pin`,
            `head -c 1024 /dev/urandom > $R/opt/opendj/config/truststore`,
            `chown ${ldap}:${ldap} $R/opt/opendj/config/*; chmod 0600 $R/opt/opendj/config/keystore $R/opt/opendj/config/keystore.pin; chmod 0644 $R/opt/opendj/config/truststore`,
            `head -c 4096 /dev/urandom > $R${layout.jreTruststore}`,
            `# /etc/certs: real self-signed pairs where tools parse them, random bytes for the key stores.`,
            `cd $R/etc/certs`,
            cert("httpd", "$(hostname)-httpd"),
            cert("opendj", "$(hostname)-opendj"),
            cert("shibIDP", "$(hostname)-shib"),
            `head -c 1500 /dev/urandom > oxauth-keys.jks; head -c 900 /dev/urandom > opendj.pkcs12`,
            `chown 0:${gluu} ./*; chmod 0640 ./*.key opendj.pkcs12; chmod 0644 ./*.crt`,
            `chown ${jetty}:${jetty} oxauth-keys.jks; chmod 0600 oxauth-keys.jks`,
            `head -c 700 /dev/urandom > $R/install/community-edition-setup/output/scim-rp.jks`,
            `printf '{"node":"%s"}\\n' "$(hostname)" > $R/etc/gluu/conf/passport-config.json`,
            `chown 0:${gluu} $R/etc/gluu/conf/passport-config.json; chmod 0640 $R/etc/gluu/conf/passport-config.json`,
            `# Listeners: the OpenDJ administration connector, oxAuth (discovery document) and identity.`,
            `mkdir -p /srv/standin-www/oxauth/.well-known`,
            `echo '{"issuer":"https://idp.example.org"}' > /srv/standin-www/oxauth/.well-known/openid-configuration`,
            `for p in 4444 8081 8082; do`,
            `  setsid python3 -m http.server "$p" --bind 0.0.0.0 --directory /srv/standin-www >/dev/null 2>&1 </dev/null &`,
            `done`,
            `for p in 4444 8081 8082; do`,
            `  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && break; sleep 0.05; done`,
            `done`,
        ].join("\n"),
    );
}

// ---------------------------------------------------------------------------------------------------------
// Gluu 4.5: the same stand-in tools at /opt/gluu-server, `systemctl` instead of `service`, the 4.5 JRE
// layout, and an sshd CHROOTED into the container root on 127.0.0.1:60022 that accepts the host's console
// key (/etc/gluu/keys/gluu-console) for root, so the steps enter the container the way Gluu 4.5's
// packaging lets them: ssh with that key and the container's pinned host key.

/** The container root of Gluu 4.5 (profiles.ts). */
export const GLUU45_ROOT = "/opt/gluu-server";
/** The console key on the host (profiles.ts `consoleKey`). */
export const CONSOLE_KEY = "/etc/gluu/keys/gluu-console";
/** The container sshd's port (profiles.ts `consolePort`). */
export const CONSOLE_PORT = 60022;
/** The container sshd's log (LogLevel VERBOSE), inside the container. */
export const CONTAINER_SSHD_LOG = "/var/log/sshd-container.log";
/** The container sshd's PID file, inside the container. */
export const CONTAINER_SSHD_PID = "/run/sshd-container.pid";

/**
 * Build the Gluu 4.5 stand-in container on `host` (as `setupGluuStandin`, at /opt/gluu-server, with a
 * recording `systemctl` in /usr/local/sbin) and start its sshd chrooted into the container root. The sshd
 * daemonizes inside the bed host's PID namespace and dies with the host.
 */
export async function setupGluu45Standin(host: BedHost, o: StandinOptions): Promise<void> {
    await buildStandin(host, o, { version: "4.5", root: GLUU45_ROOT, serviceTool: "systemctl", jreTruststore: "/opt/jre/lib/security/cacerts" });
    await startContainerSshd(host, GLUU45_ROOT);
}

/**
 * Start an sshd CHROOTED into the container root `R` on 127.0.0.1:60022 (the container's own host key; root
 * logs in with the host's console key), as Gluu 4.5's packaging lets steps in. Needs /usr/sbin/sshd and the
 * libraries under R (bind mounts of the host's).
 */
export async function startContainerSshd(host: BedHost, R: string): Promise<void> {
    await host.run(
        [
            `set -euo pipefail`,
            `R=${R}`,
            `mkdir -p $R/etc/ssh $R/root/.ssh $R/run/sshd $R/var/log /etc/gluu/keys`,
            `chmod 0755 $R/run $R/run/sshd; chmod 0700 $R/root/.ssh /etc/gluu/keys`,
            `# sshd's privilege-separation user (its chroot is /run/sshd) and a shadow entry that is not locked.`,
            `grep -q '^sshd:' $R/etc/passwd || echo 'sshd:x:993:65534::/run/sshd:/usr/sbin/nologin' >> $R/etc/passwd`,
            `grep -q '^nogroup:' $R/etc/group || echo 'nogroup:x:65534:' >> $R/etc/group`,
            `echo 'root:*:19000:0:99999:7:::' > $R/etc/shadow; chmod 0640 $R/etc/shadow`,
            `# The container's own host key (not the bed host's) and the host's console key for root.`,
            `rm -f $R/etc/ssh/ssh_host_*`,
            `ssh-keygen -q -t ed25519 -N '' -C root@gluu-container -f $R/etc/ssh/ssh_host_ed25519_key`,
            `[ -f ${CONSOLE_KEY} ] || ssh-keygen -q -t ed25519 -N '' -C gluu-console -f ${CONSOLE_KEY}`,
            `chmod 0600 ${CONSOLE_KEY}`,
            `install -m 0600 ${CONSOLE_KEY}.pub $R/root/.ssh/authorized_keys`,
            `cat > $R/etc/ssh/sshd_config <<'EOF'`,
            `Port ${CONSOLE_PORT}`,
            `ListenAddress 127.0.0.1`,
            `HostKey /etc/ssh/ssh_host_ed25519_key`,
            `PidFile ${CONTAINER_SSHD_PID}`,
            `PermitRootLogin prohibit-password`,
            `PubkeyAuthentication yes`,
            `AuthorizedKeysFile .ssh/authorized_keys`,
            `PasswordAuthentication no`,
            `KbdInteractiveAuthentication no`,
            `UsePAM no`,
            `UseDNS no`,
            `LogLevel VERBOSE`,
            `EOF`,
            `chroot $R /usr/sbin/sshd -t -f /etc/ssh/sshd_config`,
            `chroot $R /usr/sbin/sshd -f /etc/ssh/sshd_config -E ${CONTAINER_SSHD_LOG} </dev/null >/dev/null 2>&1`,
            `for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/${CONSOLE_PORT}) 2>/dev/null && exit 0; sleep 0.05; done`,
            `echo "the container's sshd did not listen on ${CONSOLE_PORT}:" >&2; cat $R${CONTAINER_SSHD_LOG} >&2; exit 1`,
        ].join("\n"),
    );
}

/** The calls the stand-ins recorded on `host` (in order). */
export async function standinCalls(host: BedHost, root = GLUU316_ROOT): Promise<StandinCall[]> {
    const text = await host.run(`cat ${root}${STANDIN_LOG} 2>/dev/null || true`);
    return text
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as StandinCall);
}

/** Run `command` inside the stand-in container (bash -c in the chroot). */
export function inStandin(host: BedHost, command: string, root = GLUU316_ROOT): Promise<string> {
    return host.run(`chroot ${root} /bin/bash -c '${command.replace(/'/g, `'\\''`)}'`);
}

/** A stand-in state file (JSON) of `host`. */
export async function standinState<T = any>(host: BedHost, file: string, root = GLUU316_ROOT): Promise<T> {
    return JSON.parse(await host.run(`cat ${root}/var/lib/standin/${file}`)) as T;
}

/** Replace a stand-in state file (JSON) of `host`. */
export async function setStandinState(host: BedHost, file: string, value: unknown, root = GLUU316_ROOT): Promise<void> {
    await host.run(`cat > ${root}/var/lib/standin/${file}`, { stdin: JSON.stringify(value) });
}

// ---- shared by the contract specs -----------------------------------------------------------------

/** `sha256sum` of files under a container root: relative path → digest. */
export async function standinSums(host: BedHost, root: string, rels: string[]): Promise<Record<string, string>> {
    const out = await host.run(`cd ${root} && sha256sum ${rels.join(" ")}`);
    return Object.fromEntries(out.trim().split("\n").map((l) => { const [d, f] = l.split(/\s+/); return [f, d]; }));
}

/** The files under the container's /etc/certs, sorted, relative to the root. */
export async function standinCertFiles(host: BedHost, root: string): Promise<string[]> {
    return (await host.run(`cd ${root} && find etc/certs -type f | sort`)).trim().split("\n");
}

/** What the primary's export steps really print, by step name (the engine hands it to the importing steps). */
export async function primaryExports(primary: BedHost, profile: GluuVersionProfile): Promise<Record<string, string>> {
    const [keys, certsOut, httpd] = await Promise.all([
        primary.run(opendjKeystoreExportScript(profile)),
        primary.run(certsExportScript(profile)),
        primary.run(httpdCertExportScript(profile)),
    ]);
    return { [`${primary.name}-opendj-keys-export`]: keys, [`${primary.name}-certs-export`]: certsOut, [`${primary.name}-httpd-cert-export`]: httpd };
}

/** Record with the exports' real output in place of the mocks' stand-in output. */
export async function recordingWithExports<T>(exports: Record<string, string>, f: () => Promise<T>): Promise<T> {
    mocks.stdoutOverride = (name) => exports[name];
    try {
        return await f();
    } finally {
        mocks.stdoutOverride = undefined;
    }
}

/**
 * OpenDjReplication and CertificateDistribution for `nodes` in one program, wired as GluuCluster wires them:
 * a node's services restart only after its OpenDJ holds the primary's keys (nodeReady).
 */
export function recordReplicationAndCerts(bed: Bed, nodes: string[], version: string, hostname: string, directoryManagerPassword: string, exports: Record<string, string>): Promise<RecordedResource[]> {
    return recordingWithExports(exports, () =>
        recordComponent((opts) => {
            const hosts = nodes.map((n) => hostArgsOf(bed, n));
            const r = new OpenDjReplication("repl", { nodes: hosts, version, directoryManagerPassword }, opts);
            new CertificateDistribution("certs", { nodes: hosts, version, hostname, nodeRestartAfter: r.nodeReady.map((s) => [s]) }, opts);
            return r;
        }),
    );
}
