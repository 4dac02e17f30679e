// The live test bed: K "test hosts" on this machine, each a network namespace with its own host name, PID
// namespace, /etc, /var, /root, /srv, /opt and /usr (overlayfs over the machine's), a tmpfs /run and /tmp,
// fresh SSH host keys and sshd as PID 1. They share a private /24 that exists only inside the bed: a
// bridge in the root namespace at .1, hosts at .11, .12, …; no default route and ip_forward untouched (0),
// so nothing they send can leave the range. Recipe: /work/shared/reference/test-hosts.md.
//
// Every process the bed starts is recorded (PID and start time) in /run/gluu-live-bed/<X>/state.json;
// teardown kills only those (never by name), deletes the namespaces, the bridge and the directory, and
// also runs on process exit and on SIGINT/SIGTERM/SIGHUP. Beds left by a crashed run of this code (owner
// process gone) are cleaned up by the next `startBed`.

import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";

/** Where every bed keeps its state; one directory per bed, named by its subnet's third octet. */
export const BED_ROOT = "/run/gluu-live-bed";
/** The bed subnets are 10.231.X.0/24 (X = the bed id). */
const NET_PREFIX = "10.231";
/** Directories each host gets its own copy of (overlayfs over the machine's). /usr too: a package a test
 *  host installs must never change the machine (the host's dpkg database is in its own /var). */
export const OVERLAID_DIRS = ["etc", "var", "root", "srv", "opt", "usr"];

export interface SshOptions {
    /** Text sent to the command's stdin (default: none, stdin is closed). */
    stdin?: string;
    /** Kill the local ssh client after this many milliseconds (default 60000). */
    timeoutMs?: number;
}

export interface SshResult {
    /** Exit code of the remote command (255: ssh itself failed; null: killed locally). */
    code: number | null;
    stdout: string;
    stderr: string;
    /** Wall-clock milliseconds. */
    ms: number;
}

/** One test host. */
export interface BedHost {
    /** The name components use; also its host name unless `bootHostname` gave it another to boot with. */
    name: string;
    /** Its address on the bed network (10.231.X.11, .12, …). */
    address: string;
    /** Its regenerated ED25519 host key, `ssh-ed25519 AAAA…` (no comment). */
    hostKey: string;
    /** Network namespace name. */
    netns: string;
    /** Run a command as root over SSH (host key checked); never rejects for a non-zero exit. */
    ssh(command: string, opts?: SshOptions): Promise<SshResult>;
    /** Like `ssh` but rejects unless the exit code is 0; resolves to stdout. */
    run(command: string, opts?: SshOptions): Promise<string>;
}

export interface Bed {
    /** The bed id X (its network is 10.231.X.0/24). */
    id: number;
    /** e.g. `10.231.7.0/24`. */
    subnet: string;
    /** Bridge in the root namespace (holds .1). */
    bridge: string;
    hosts: BedHost[];
    /** The host with this name (throws if none). */
    host(name: string): BedHost;
    /** The login key (ED25519, OpenSSH PEM) that every host's root accepts. */
    clientPrivateKey: string;
    /** Its public half (`ssh-ed25519 AAAA… gluu-live-bed`). */
    clientPublicKey: string;
    /** known_hosts file with every host's address and key. */
    knownHostsPath: string;
    /** Milliseconds from `startBed` to every host answering SSH. */
    bringUpMs: number;
    /** The bed's directory (state, host overlays, logs). */
    dir: string;
    /** Tear everything down (idempotent). */
    stop(): Promise<void>;
}

export interface BedOptions {
    /** Host names, lower-case (`gluu-1`, `cache`, `lb`); 1–40 hosts. */
    hosts: string[];
    /** Milliseconds to wait for every host's sshd. Default 20000. */
    readyTimeoutMs?: number;
    /**
     * The host name each host boots with (UTS, /etc/hostname, /etc/hosts). Default: its bed name. Give
     * another (e.g. a cloud image's default) to check that a step sets the name itself.
     */
    bootHostname?: (name: string) => string;
}

export interface ProcRef {
    pid: number;
    /** Field 22 of /proc/<pid>/stat: tells a PID from a later process that reuses it. */
    start: string;
}

interface HostState {
    name: string;
    netns: string;
    address: string;
    veth: string;
    /** The `ip netns exec … unshare` process (the PID namespace's parent). */
    unshare?: ProcRef;
    /** The host's PID 1 (sshd) as the root namespace sees it. */
    init?: ProcRef;
}

interface BedState {
    id: number;
    owner: ProcRef;
    bridge: string;
    hosts: HostState[];
    /** ssh ControlMaster processes of the bed's own `ssh()` helper (root namespace). */
    masters?: ProcRef[];
}

// ---------------------------------------------------------------------------------------------------------
// processes

function startTime(pid: number): string | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        // The command name (field 2) may contain spaces and parentheses: split after its closing parenthesis.
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        if (fields[0] === "Z" || fields[0] === "X") return undefined; // dead, not yet reaped
        return fields[19];
    } catch {
        return undefined;
    }
}

function procRef(pid: number): ProcRef | undefined {
    const start = startTime(pid);
    return start === undefined ? undefined : { pid, start };
}

/** Is this exact process (PID and start time, as recorded in a bed's state.json) still alive? */
export function alive(ref: ProcRef | undefined): boolean {
    return ref !== undefined && startTime(ref.pid) === ref.start;
}

function killRef(ref: ProcRef | undefined): void {
    if (alive(ref)) {
        try {
            process.kill(ref!.pid, "SIGKILL");
        } catch {
            /* gone meanwhile */
        }
    }
}

function sleepSync(ms: number): void {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ip(args: string[], input?: string): void {
    const r = spawnSync("ip", args, { input, encoding: "utf8" });
    if (r.status !== 0) {
        throw new Error(`ip ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
    }
}

function ipQuiet(args: string[]): void {
    spawnSync("ip", args, { stdio: "ignore" });
}

// ---------------------------------------------------------------------------------------------------------
// state, teardown and stale beds

const active = new Map<number, { state: BedState; dir: string }>();

function statePath(dir: string): string {
    return path.join(dir, "state.json");
}

function saveState(dir: string, state: BedState): void {
    const tmp = statePath(dir) + ".tmp";
    fs.writeFileSync(tmp, JSON.stringify(state, null, 2));
    fs.renameSync(tmp, statePath(dir));
}

/** Kill the recorded processes, delete namespaces, bridge and directory. Synchronous: it also runs on exit. */
function teardownSync(state: BedState, dir: string): void {
    // The host's PID 1 takes its whole PID namespace with it; the unshare parent ignores SIGTERM, so it
    // gets SIGKILL as a fallback once its child is gone.
    for (const m of state.masters ?? []) killRef(m);
    for (const h of state.hosts) killRef(h.init);
    const deadline = Date.now() + 3000;
    while (state.hosts.some((h) => alive(h.init)) && Date.now() < deadline) sleepSync(20);
    for (const h of state.hosts) killRef(h.unshare);
    while (state.hosts.some((h) => alive(h.unshare)) && Date.now() < deadline) sleepSync(20);
    for (const h of state.hosts) ipQuiet(["netns", "del", h.netns]);
    ipQuiet(["link", "del", state.bridge]);
    for (const h of state.hosts) ipQuiet(["link", "del", h.veth]); // normally gone with its namespace
    fs.rmSync(dir, { recursive: true, force: true });
}

function stopActiveSync(id: number): void {
    const a = active.get(id);
    if (!a) return;
    active.delete(id);
    teardownSync(a.state, a.dir);
}

let handlersInstalled = false;
function installExitHandlers(): void {
    if (handlersInstalled) return;
    handlersInstalled = true;
    process.on("exit", () => {
        for (const id of [...active.keys()]) stopActiveSync(id);
    });
    for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]] as const) {
        process.on(signal, () => {
            for (const id of [...active.keys()]) stopActiveSync(id);
            process.exit(code);
        });
    }
}

/** Remove beds whose owner process is gone (a crashed or killed earlier run of this code). */
export function cleanStaleBeds(): number[] {
    let entries: string[] = [];
    try {
        entries = fs.readdirSync(BED_ROOT);
    } catch {
        return [];
    }
    const cleaned: number[] = [];
    for (const e of entries) {
        if (!/^\d+$/.test(e)) continue;
        const dir = path.join(BED_ROOT, e);
        let state: BedState | undefined;
        try {
            state = JSON.parse(fs.readFileSync(statePath(dir), "utf8"));
        } catch {
            // No state yet: either a bed being created right now or one that died at its first step.
            // Only a directory older than a minute is taken for dead.
            try {
                if (Date.now() - fs.statSync(dir).mtimeMs > 60000) {
                    fs.rmSync(dir, { recursive: true, force: true });
                    cleaned.push(Number(e));
                }
            } catch {
                /* raced with its owner */
            }
            continue;
        }
        if (state && !alive(state.owner)) {
            teardownSync(state, dir);
            cleaned.push(state.id);
        }
    }
    return cleaned;
}

/** Claim a free id X: an atomic mkdir, and no address or namespace of ours already uses it. */
function claimId(): { id: number; dir: string } {
    fs.mkdirSync(BED_ROOT, { recursive: true, mode: 0o700 });
    const used = execFileSync("ip", ["-4", "-o", "addr", "show"], { encoding: "utf8" }) + execFileSync("ip", ["-4", "route", "show", "table", "all"], { encoding: "utf8" });
    const namespaces = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout ?? "";
    const startAt = 10 + (process.pid % 200);
    for (let k = 0; k < 240; k++) {
        const id = 10 + ((startAt - 10 + k) % 240);
        if (used.includes(`${NET_PREFIX}.${id}.`) || new RegExp(`^glb${id}-`, "m").test(namespaces)) continue;
        const dir = path.join(BED_ROOT, String(id));
        try {
            fs.mkdirSync(dir, { mode: 0o700 });
            return { id, dir };
        } catch {
            continue; // another bed holds it
        }
    }
    throw new Error(`no free bed network in ${NET_PREFIX}.10-249.0/24 (see ${BED_ROOT})`);
}

// ---------------------------------------------------------------------------------------------------------
// the host's PID 1

/**
 * Runs as PID 1 of the host's PID namespace (inside its own mount and UTS namespaces, in its network
 * namespace), makes the host's own file systems and identity, then becomes sshd.
 * Arguments: the host directory, the host name to boot with, the host's address.
 */
const INIT_SCRIPT = `#!/bin/bash
set -euo pipefail
dir=$1 name=$2 address=$3
for d in ${OVERLAID_DIRS.join(" ")}; do
  mkdir -p "$dir/$d.upper" "$dir/$d.work"
  mount -t overlay "bed-$d" -o "lowerdir=/$d,upperdir=$dir/$d.upper,workdir=$dir/$d.work" "/$d"
done
hostname "$name"
echo "$name" > /etc/hostname
cat > /etc/hosts <<EOF
127.0.0.1 localhost
127.0.1.1 $name
$address $name
::1 localhost ip6-localhost ip6-loopback
EOF
# Fresh host keys: the machine's copies must not be shared by every host.
rm -f /etc/ssh/ssh_host_*
ssh-keygen -q -t ed25519 -N '' -C "root@$name" -f /etc/ssh/ssh_host_ed25519_key
# Root's shell start-up files are a fresh Debian host's (/etc/skel), not this machine's: sshd runs every command
# through the login shell, which reads ~/.bashrc (Debian's bash sources it for commands run by sshd), and the
# machine's runs \`pyenv init\`, whose \`pyenv rehash\` holds a lock file (~/.pyenv/shims/.pyenv-shim) that a
# SIGKILL leaves behind: every later session to that host then waits 60 s (PYENV_REHASH_TIMEOUT) in its rc.
rm -f /root/.bash_profile /root/.bash_login
install -m 0644 /etc/skel/.bashrc /root/.bashrc
install -m 0644 /etc/skel/.profile /root/.profile
install -d -m 0700 /root/.ssh
install -m 0600 "$dir/authorized_keys" /root/.ssh/authorized_keys
# From here on $dir (under /run) is hidden by the host's own /run.
mount -t tmpfs -o mode=0755,nosuid,nodev bed-run /run
mount -t tmpfs -o mode=1777,nosuid,nodev bed-tmp /tmp
mkdir -p /run/sshd /run/lock
chmod 1777 /run/lock
cd /
exec /usr/sbin/sshd -D -e -o ListenAddress=0.0.0.0 -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no \\
  -o PermitRootLogin=prohibit-password -o HostKey=/etc/ssh/ssh_host_ed25519_key -o UseDNS=no
`;

/** Resolve when `address:22` sends an SSH banner. */
async function waitForSsh(address: string, deadline: number, failed: () => string | undefined): Promise<void> {
    for (;;) {
        const ok = await new Promise<boolean>((resolve) => {
            const s = net.connect({ host: address, port: 22 });
            const done = (v: boolean) => {
                s.destroy();
                resolve(v);
            };
            s.setTimeout(1000, () => done(false));
            s.once("data", (d) => done(d.toString().startsWith("SSH-")));
            s.once("error", () => done(false));
        });
        if (ok) return;
        const why = failed();
        if (why) throw new Error(why);
        if (Date.now() > deadline) throw new Error(`sshd on ${address} did not answer in time`);
        await sleep(40);
    }
}

// ---------------------------------------------------------------------------------------------------------
// ssh from the root namespace

function sshArgs(keyPath: string, knownHosts: string): string[] {
    return [
        "-T",
        "-F", "/dev/null",
        "-i", keyPath,
        "-o", "IdentitiesOnly=yes",
        "-o", "IdentityAgent=none",
        "-o", "BatchMode=yes",
        "-o", "StrictHostKeyChecking=yes",
        "-o", `UserKnownHostsFile=${knownHosts}`,
        "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "ConnectTimeout=5",
        "-o", "LogLevel=ERROR",
    ];
}

/**
 * The bed's own probes share one SSH connection per host (a ControlMaster the bed starts, records and
 * kills): a probe then costs a few milliseconds instead of a handshake. The runner does not use it: steps
 * connect the way the provider does, each with its own connection and the recorded host key.
 */
class Multiplexer {
    private masters = new Map<string, Promise<string>>();
    constructor(private dir: string, private base: string[], private state: BedState, private save: () => void) {}

    socketFor(address: string): Promise<string> {
        let p = this.masters.get(address);
        if (!p) {
            p = this.start(address);
            this.masters.set(address, p);
            p.catch(() => this.masters.delete(address));
        }
        return p;
    }

    private async start(address: string): Promise<string> {
        const sock = path.join(this.dir, `mux-${address}`);
        const child = spawn("ssh", [...this.base, "-M", "-S", sock, "-N", "-o", "ControlPersist=no", "-o", "ServerAliveInterval=5", `root@${address}`], {
            stdio: ["ignore", "ignore", "pipe"],
            detached: true,
        });
        let stderr = "";
        let exited = false;
        child.stderr!.on("data", (d) => (stderr += d));
        child.on("exit", () => (exited = true));
        child.unref();
        (child.stderr as any).unref?.();
        const ref = procRef(child.pid!);
        if (ref) {
            (this.state.masters ??= []).push(ref);
            this.save();
        }
        const deadline = Date.now() + 10000;
        while (!fs.existsSync(sock)) {
            if (exited || Date.now() > deadline) throw new Error(`ssh master to ${address} did not start: ${stderr}`);
            await sleep(10);
        }
        return sock;
    }
}

/** Spawn a process, feed stdin, collect output; kills it after `timeoutMs`. Exported for the runner. */
export function runProcess(file: string, args: string[], opts: SshOptions & { onSpawn?: (c: ChildProcess) => void } = {}): Promise<SshResult> {
    const t0 = Date.now();
    return new Promise((resolve, reject) => {
        const child = spawn(file, args, { stdio: ["pipe", "pipe", "pipe"] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (d) => out.push(d));
        child.stderr.on("data", (d) => err.push(d));
        child.stdin.on("error", () => undefined); // the command may exit without reading its stdin
        child.stdin.end(opts.stdin ?? "");
        const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60000);
        child.on("error", (e) => {
            clearTimeout(timer);
            reject(e);
        });
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8"), ms: Date.now() - t0 });
        });
        opts.onSpawn?.(child);
    });
}

// ---------------------------------------------------------------------------------------------------------
// bring-up

/** Bring up the bed; stop it with `bed.stop()` (also done on exit and on SIGINT/SIGTERM). */
export async function startBed(opts: BedOptions): Promise<Bed> {
    const t0 = Date.now();
    if (process.getuid?.() !== 0) throw new Error("the live test bed needs root (network namespaces, mounts)");
    const names = opts.hosts;
    if (names.length < 1 || names.length > 40) throw new Error("`hosts` must name 1–40 hosts");
    for (const n of names) {
        if (!/^[a-z][a-z0-9-]{0,30}$/.test(n)) throw new Error(`bed host name ${JSON.stringify(n)} must be lower-case letters, digits and '-'`);
    }
    if (new Set(names).size !== names.length) throw new Error("bed host names must differ");
    installExitHandlers();
    cleanStaleBeds();

    const { id, dir } = claimId();
    const bridge = `glb${id}`;
    const state: BedState = {
        id,
        owner: procRef(process.pid)!,
        bridge,
        hosts: names.map((name, i) => ({ name, netns: `glb${id}-${i + 1}`, address: `${NET_PREFIX}.${id}.${11 + i}`, veth: `glb${id}v${i + 1}` })),
    };
    saveState(dir, state);
    active.set(id, { state, dir });
    const children: ChildProcess[] = [];
    try {
        const keyPath = path.join(dir, "client_ed25519");
        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "gluu-live-bed", "-f", keyPath]);
        const clientPrivateKey = fs.readFileSync(keyPath, "utf8");
        const clientPublicKey = fs.readFileSync(keyPath + ".pub", "utf8").trim();

        // The network: the bridge and one veth pair per host, in one batch; then each host's side.
        const batch = [`link add ${bridge} type bridge`, `addr add ${NET_PREFIX}.${id}.1/24 dev ${bridge}`, `link set ${bridge} up`];
        for (const h of state.hosts) {
            batch.push(`netns add ${h.netns}`, `link add ${h.veth} type veth peer name eth0 netns ${h.netns}`, `link set ${h.veth} master ${bridge} up`);
        }
        ip(["-batch", "-"], batch.join("\n") + "\n");
        for (const h of state.hosts) {
            ip(["-n", h.netns, "-batch", "-"], [`link set lo up`, `addr add ${h.address}/24 dev eth0`, `link set eth0 up`].join("\n") + "\n");
        }

        const bootName = opts.bootHostname ?? ((n: string) => n);
        for (const n of names) {
            if (!/^[a-z0-9][a-z0-9.-]{0,62}$/.test(bootName(n))) throw new Error(`boot host name ${JSON.stringify(bootName(n))} of ${n} is not a host name`);
        }
        const deadline = Date.now() + (opts.readyTimeoutMs ?? 20000);
        await Promise.all(
            state.hosts.map(async (h) => {
                const hdir = path.join(dir, "hosts", h.name);
                fs.mkdirSync(hdir, { recursive: true, mode: 0o700 });
                fs.writeFileSync(path.join(hdir, "init.sh"), INIT_SCRIPT, { mode: 0o700 });
                fs.writeFileSync(path.join(hdir, "authorized_keys"), clientPublicKey + "\n", { mode: 0o600 });
                const log = fs.openSync(path.join(hdir, "init.log"), "a");
                const child = spawn(
                    "ip",
                    ["netns", "exec", h.netns, "unshare", "--mount", "--uts", "--pid", "--fork", "--kill-child", "--mount-proc", "--propagation", "private", "bash", path.join(hdir, "init.sh"), hdir, bootName(h.name), h.address],
                    { detached: true, stdio: ["ignore", log, log] },
                );
                fs.closeSync(log);
                children.push(child);
                let exited: string | undefined;
                child.on("exit", (code, sig) => (exited = `host ${h.name} exited during bring-up (${code ?? sig}); log: ${path.join(hdir, "init.log")}: ${tail(path.join(hdir, "init.log"))}`));
                child.unref();
                // `ip netns exec` execs unshare, so this PID is unshare's; its one child is the host's PID 1.
                h.unshare = procRef(child.pid!);
                while (!h.init) {
                    if (exited) throw new Error(exited);
                    const kids = readChildren(child.pid!);
                    if (kids.length > 0) h.init = procRef(kids[0]);
                    else await sleep(5);
                }
                saveState(dir, state);
                await waitForSsh(h.address, deadline, () => exited);
            }),
        );

        const hostKeys = new Map<string, string>();
        for (const h of state.hosts) {
            const pub = fs.readFileSync(path.join(dir, "hosts", h.name, "etc.upper", "ssh", "ssh_host_ed25519_key.pub"), "utf8").trim();
            hostKeys.set(h.name, pub.split(/\s+/).slice(0, 2).join(" "));
        }
        const knownHostsPath = path.join(dir, "known_hosts");
        fs.writeFileSync(knownHostsPath, state.hosts.map((h) => `${h.address} ${hostKeys.get(h.name)}\n`).join(""), { mode: 0o600 });

        const base = sshArgs(keyPath, knownHostsPath);
        const mux = new Multiplexer(dir, base, state, () => saveState(dir, state));
        const hosts: BedHost[] = state.hosts.map((h) => {
            const ssh = async (command: string, o?: SshOptions) =>
                runProcess("ssh", [...base, "-S", await mux.socketFor(h.address), "-o", "ControlMaster=no", `root@${h.address}`, "--", command], o);
            return {
                name: h.name,
                address: h.address,
                hostKey: hostKeys.get(h.name)!,
                netns: h.netns,
                ssh,
                run: async (command: string, o?: SshOptions) => {
                    const r = await ssh(command, o);
                    if (r.code !== 0) throw new Error(`on ${h.name}: \`${command.slice(0, 200)}\` exited ${r.code}: ${r.stderr.slice(-2000)}${r.stdout.slice(-500)}`);
                    return r.stdout;
                },
            };
        });
        const bed: Bed = {
            id,
            subnet: `${NET_PREFIX}.${id}.0/24`,
            bridge,
            hosts,
            host: (name) => {
                const h = hosts.find((x) => x.name === name);
                if (!h) throw new Error(`no bed host ${name}; have ${names.join(", ")}`);
                return h;
            },
            clientPrivateKey,
            clientPublicKey,
            knownHostsPath,
            bringUpMs: Date.now() - t0,
            dir,
            stop: async () => stopActiveSync(id),
        };
        return bed;
    } catch (e) {
        stopActiveSync(id);
        throw e;
    }
}

function readChildren(pid: number): number[] {
    try {
        return fs
            .readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
            .trim()
            .split(/\s+/)
            .filter(Boolean)
            .map(Number);
    } catch {
        return [];
    }
}

function tail(file: string, n = 1500): string {
    try {
        return fs.readFileSync(file, "utf8").slice(-n);
    } catch {
        return "";
    }
}
