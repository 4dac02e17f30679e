// Runs the remote steps recorded from a mocked run of the real program (src/record.ts) over SSH, the way
// @pulumi/command 1.2.1 runs a `command:remote:Command` (the provider binary cannot be installed here: the Go
// module proxy refuses github.com/pulumi/pulumi-command/provider, so this follows its source; citations are
// pulumi/pulumi-command@v1.2.1:provider/pkg/provider/remote/<file>:<line>, "connection.go:94" for short).
// Steps start when every step they depend on has succeeded (dependsOn edges, through components and other
// resources), up to `concurrency` at a time. Per step, as the provider's CommandOutputs.run does:
//   - Dial (commandOutputs.go:31; connection.go:190-201): OpenSSH started as a ControlMaster with no command
//     (its control socket appears only once authenticated), with the host key pinned to exactly
//     `connection.hostKey` as ssh.ParseAuthorizedKey reads it (connection.go:89; a leading options or host
//     field is skipped), `HostKeyAlgorithms=<that key's type>` (connection.go:94: an `ssh-rsa` pin offers
//     only SHA-1 ssh-rsa and so fails against OpenSSH ≥ 8.8), `ConnectTimeout=perDialTimeout` (connection.go:104;
//     0 none). A failed dial is retried `dialErrorLimit` times (default 10, -1 unlimited; connection.go:32-33,
//     :150-187, :252-255) with retry.Until's waits (100 ms × 1.5ⁿ, at most 5 s; pulumi/pulumi@v3.224.0:
//     sdk/go/common/util/retry/until.go:40-42, :92-111); every kind of dial failure counts (refused, timeout,
//     host key, algorithm, authentication), and then the step's error is `after <n> failed attempts: <err>`.
//   - One session runs the step's `create` (or `delete`) text as its command, without a PTY, by the login user's shell (commandOutputs.go:36, :95); it is never retried. `stdin` is sent only when
//     set and non-empty, else the command reads EOF at once (commandOutputs.go:73-75). stdout and stderr are
//     captured whatever `logging` says, and a failed command's error carries both, interleaved
//     (commandOutputs.go:77-101; `remoteCommandError`). A create without `create` text dials nothing
//     (commandController.go:48-50); a delete runs the recorded (= old state's) text, stdin and connection
//     (commandController.go:86-91).
//
// What still differs from the real provider, and why:
//   - The SSH client is OpenSSH 9.x, not Go's golang.org/x/crypto/ssh (v0.48.0): the key exchange, cipher and
//     MAC lists offered differ (only the host key algorithm list is pinned to match), and so do the wire-level
//     details (channel window sizes, the exit status of a command killed by a signal: OpenSSH reports 255,
//     x/crypto an ExitError with the signal). Dial error texts are translated from OpenSSH's messages into the
//     Go errors for the usual cases (`goDialError`); other failures keep OpenSSH's text, marked `(OpenSSH)`.
//   - The session does not share the dialled connection: once the ControlMaster has connected, the command
//     runs over a second, direct OpenSSH connection with the same pin (through the master, OpenSSH's mux client
//     exits 0 for a command killed by a signal). A failure of that second handshake is not retried and shows
//     as exit code 255, not as a dial error.
//   - perDialTimeout: x/crypto's ClientConfig.Timeout bounds only the TCP connect (ssh/client.go:178), so a
//     server that accepts and then stalls can hold the provider's dial for ever; OpenSSH's ConnectTimeout also
//     bounds the banner exchange, and the runner's per-step `timeoutMs` bounds everything.
//   - No gRPC provider: no Check/Diff/preview, no secrets handling, no replaceOnChanges or triggers, no Update
//     (a second run re-runs `create`, as a replace would), no stack state (deletes use the recording), no
//     cancellation context; steps are ordered by the recorded dependsOn edges, not by the engine.
//   - Output is not streamed to a Pulumi log per `logging` (only `log` start/end lines); it is returned whole.
//   - PULUMI_COMMAND_STDOUT/STDERR are never sent (commandOutputs.go:51-71). The program always sets
//     `addPreviousOutputInEnv: false`; otherwise the provider would only set them with a previous output
//     (never on create) and only where sshd's AcceptEnv allows (the bed's does not). `environment` is refused.
//   - Not emulated (refused): no `hostKey` (the provider then accepts any key; the runner never does),
//     `password`/keyboard-interactive, `proxy` connections. With `privateKey` the agent is not offered
//     (the provider also tries SSH_AUTH_SOCK's agent, connection.go:131-145).

import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REMOTE_COMMAND, RecordedResource, topologicalOrder } from "../../src/record";
import { unwrap } from "../helpers/program";
import { runProcess, SshResult } from "./bed";

export type StepStatus = "ok" | "failed" | "blocked";

export interface StepResult {
    name: string;
    urn: string;
    /** The host name the step runs on (from the recording). */
    host?: string;
    /** `connection.host`. */
    address: string;
    status: StepStatus;
    /** Remote exit code (null when killed locally; undefined when blocked). */
    code?: number | null;
    stdout: string;
    stderr: string;
    /** The `changed <what>` lines the step printed (what it changed). */
    changed: string[];
    /** Wall-clock milliseconds (connection included). */
    ms: number;
    /** Milliseconds since the run began when the step started / ended. */
    startedAt: number;
    endedAt: number;
    /** For blocked steps: the failed step(s) that kept it from running. */
    blockedBy?: string[];
    /** stdout and stderr interleaved as they arrived (the provider's combined buffer). */
    output?: string;
    /** For failed steps: the error text pulumi-command would report (`remoteCommandError`, or the dial error). */
    error?: string;
    /** SSH connections attempted (dialErrorLimit + 1 at most; 0 when nothing was dialled). */
    dials?: number;
    /** True when no dial succeeded (nothing ran; `code` is then 255 and `stderr` OpenSSH's last message). */
    connectFailed?: boolean;
}

/**
 * Go's `%q` of a string (strconv.Quote): double quotes; \a \b \f \n \r \t \v \\ \" escaped; other control
 * characters and DEL as \xNN; C1 controls and the soft hyphen as \uNNNN; other Unicode kept (rarer
 * non-printables such as U+2028 are not special-cased; invalid UTF-8 cannot occur in a JS string).
 */
export function goQuote(s: string): string {
    const named: Record<string, string> = { "\u0007": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v", "\\": "\\\\", '"': '\\"' };
    let out = '"';
    for (const ch of s) {
        const c = ch.codePointAt(0)!;
        if (named[ch]) out += named[ch];
        else if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).padStart(2, "0");
        else if ((c >= 0x80 && c < 0xa0) || c === 0xad) out += "\\u" + c.toString(16).padStart(4, "0");
        else out += ch;
    }
    return out + '"';
}

/**
 * The error pulumi-command v1.2.1 returns when a remote command fails (and the CLI prints, and Pulumi Cloud keeps):
 * pulumi/pulumi-command@v1.2.1:provider/pkg/provider/remote/commandOutputs.go:101
 * `fmt.Errorf("%w: running %q:\n%s", err, cmd, stdouterrbuf.String())`, where stdouterrbuf receives stdout and
 * stderr as they arrive whatever `logging` says (:77-90), and err is x/crypto/ssh's ExitError
 * (golang.org/x/crypto ssh/session.go Waitmsg.String: `Process exited with status %v`, then ` from signal %v` and
 * `. Reason was: %v` when set).
 */
export function remoteCommandError(exitStatus: number, cmd: string, combinedOutput: string, signal?: string, reason?: string): string {
    let err = `Process exited with status ${exitStatus}`;
    if (signal) err += ` from signal ${signal}`;
    if (reason) err += `. Reason was: ${reason}`;
    return `${err}: running ${goQuote(cmd)}:\n${combinedOutput}`;
}

export interface RunReport {
    ok: boolean;
    /** Steps in the order they finished. */
    steps: StepResult[];
    /** The result of the step with this name (throws if it did not run). */
    step(name: string): StepResult;
    /** Wall-clock milliseconds of the whole run. */
    ms: number;
}

export interface RunOptions {
    /** Run only the steps this accepts (others count as already done). Default: every remote step. */
    only?: (r: RecordedResource) => boolean;
    /** Leave out the steps this accepts (they count as already done). */
    skip?: (r: RecordedResource) => boolean;
    /** Steps running at the same time. Default 4. */
    concurrency?: number;
    /** Per-step time limit in ms; the local ssh is killed after it. Default 300000. */
    timeoutMs?: number;
    /**
     * Kill chosen steps half-way: milliseconds after which the remote script and everything in its process
     * group get SIGKILL (the text runs under `timeout -s KILL`, as if the host lost power mid-step; no
     * cleanup trap runs). Such a step fails with code 255 (ssh's "remote command killed by a signal").
     */
    interruptAfterMs?: (r: RecordedResource) => number | undefined;
    /** Replace a step's stdin (e.g. a different password); return undefined to keep the recorded one. */
    stdin?: (r: RecordedResource) => string | undefined;
    /** Reject with a StepsFailed error when a step fails. Default true. */
    throwOnFailure?: boolean;
    /** Called with one line per step start and end (e.g. `console.log`). Default: silent unless LIVE_VERBOSE is set. */
    log?: (line: string) => void;
}

/** The `changed <what>` lines of a step's output. */
export function changedLines(stdout: string): string[] {
    return stdout.split("\n").filter((l) => /^changed /.test(l));
}

export class StepsFailed extends Error {
    constructor(public readonly report: RunReport) {
        super(describeFailures(report));
        this.name = "StepsFailed";
    }
}

function tailOf(text: string, lines = 15): string {
    return text.trimEnd().split("\n").slice(-lines).join("\n");
}

function describeFailures(report: RunReport): string {
    const failed = report.steps.filter((s) => s.status === "failed");
    const blocked = report.steps.filter((s) => s.status === "blocked");
    // Each failure: one header line, then exactly the provider's error text (what `pulumi up` would print).
    const parts = failed.map(
        (s) =>
            s.connectFailed
                ? `step ${s.name} on ${s.host ?? "?"} (${s.address}) could not connect (${s.dials} dials in ${(s.ms / 1000).toFixed(1)} s):\n${s.error}`
                : `step ${s.name} on ${s.host ?? "?"} (${s.address}) failed with exit code ${s.code} after ${(s.ms / 1000).toFixed(1)} s:\n${s.error ?? tailOf(s.stderr)}`,
    );
    if (blocked.length) parts.push(`not run because of the failures: ${blocked.map((s) => s.name).join(", ")}`);
    return parts.join("\n");
}

function indent(t: string): string {
    return t.replace(/^/gm, "    ");
}

// ---------------------------------------------------------------------------------------------------------
// the graph

/**
 * For every remote step: the remote steps it must wait for. A `dependsOn` edge to a remote step is that
 * step; to a component, every remote step below it; to any other resource, what that resource waits for.
 */
export function stepPrerequisites(resources: RecordedResource[]): Map<string, Set<string>> {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const children = new Map<string, RecordedResource[]>();
    for (const r of resources) {
        if (r.parent) {
            const list = children.get(r.parent) ?? [];
            list.push(r);
            children.set(r.parent, list);
        }
    }
    const memo = new Map<string, Set<string>>();
    /** The remote steps that must have succeeded for `urn` to count as done. */
    const doneMeans = (urn: string, visiting: Set<string>): Set<string> => {
        const cached = memo.get(urn);
        if (cached) return cached;
        const r = byUrn.get(urn);
        const out = new Set<string>();
        if (!r || visiting.has(urn)) return out;
        visiting.add(urn);
        if (r.type === REMOTE_COMMAND) {
            out.add(urn);
        } else {
            for (const d of r.dependsOn) doneMeans(d, visiting).forEach((u) => out.add(u));
            if (!r.custom) for (const c of children.get(urn) ?? []) doneMeans(c.urn, visiting).forEach((u) => out.add(u));
        }
        visiting.delete(urn);
        memo.set(urn, out);
        return out;
    };
    const prereqs = new Map<string, Set<string>>();
    for (const r of resources.filter((x) => x.type === REMOTE_COMMAND)) {
        const s = new Set<string>();
        for (const d of r.dependsOn) doneMeans(d, new Set()).forEach((u) => s.add(u));
        s.delete(r.urn);
        prereqs.set(r.urn, s);
    }
    return prereqs;
}

// ---------------------------------------------------------------------------------------------------------
// one step over ssh

interface Connection {
    host: string;
    port: number;
    user: string;
    privateKey?: string;
    agentSocketPath?: string;
    /** `connection.hostKey` as recorded. */
    hostKey: string;
    dialErrorLimit: number;
    perDialTimeout: number;
}

/** The key `hostKey` pins: its algorithm name (from the key blob) and the base64 blob. */
export interface PinnedKey {
    type: string;
    base64: string;
}

/** Key types x/crypto/ssh's ParsePublicKey knows (golang.org/x/crypto@v0.48.0 ssh/keys.go parsePubKey). */
const KNOWN_KEY_TYPES = new Set([
    "ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-ed25519",
    "sk-ecdsa-sha2-nistp256@openssh.com", "sk-ssh-ed25519@openssh.com",
    "ssh-rsa-cert-v01@openssh.com", "ssh-dss-cert-v01@openssh.com", "ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "ecdsa-sha2-nistp384-cert-v01@openssh.com", "ecdsa-sha2-nistp521-cert-v01@openssh.com", "ssh-ed25519-cert-v01@openssh.com",
    "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", "sk-ssh-ed25519-cert-v01@openssh.com",
]);

/** `<base64> [comment]` → the key, or why not: the type is the blob's own algorithm name, the text field before it is not read. */
function keyFromBase64Field(s: string): PinnedKey | string {
    const b64 = s.trim().split(/[ \t]/)[0];
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) return "illegal base64 data";
    const blob = Buffer.from(b64, "base64");
    if (blob.length < 4) return "ssh: short read";
    const n = blob.readUInt32BE(0);
    if (blob.length < 4 + n) return "ssh: short read";
    const type = blob.subarray(4, 4 + n).toString("latin1");
    if (!KNOWN_KEY_TYPES.has(type)) return `ssh: unknown key algorithm: ${type}`;
    return { type, base64: b64 };
}

/**
 * What x/crypto/ssh's ParseAuthorizedKey makes of `hostKey` (the provider calls it:
 * pulumi/pulumi-command@v1.2.1:provider/pkg/provider/remote/connection.go:89): the first line that is neither
 * blank nor a `#` comment and holds `<anything> <base64 key blob> [comment]`, or else `<options> <anything>
 * <base64> …` (a leading options or host field is skipped; options may be double-quoted). Re-implemented
 * from the documented behaviour, not copied. A string is the error (`ssh: no key found…`).
 */
export function parsePinnedKey(hostKey: string): PinnedKey | string {
    let lastErr: string | undefined;
    for (let line of hostKey.split("\n")) {
        line = line.split("\r")[0].trim();
        if (line === "" || line.startsWith("#")) continue;
        const sp = line.search(/[ \t]/);
        if (sp < 0) continue;
        const direct = keyFromBase64Field(line.slice(sp));
        if (typeof direct !== "string") return direct;
        lastErr = direct;
        // Skip an options field (spaces inside double quotes do not end it).
        let i = 0;
        let quoted = false;
        for (; i < line.length; i++) {
            const ch = line[i];
            if (!quoted && (ch === " " || ch === "\t")) break;
            if (ch === '"' && (i === 0 || line[i - 1] !== "\\")) quoted = !quoted;
        }
        const rest = line.slice(i).trim();
        if (rest === "") continue;
        const sp2 = rest.search(/[ \t]/);
        if (sp2 < 0) continue;
        const after = keyFromBase64Field(rest.slice(sp2));
        if (typeof after !== "string") return after;
        lastErr = after;
    }
    return lastErr ? `ssh: no key found; last parsing error for ignored line: ${lastErr}` : "ssh: no key found";
}

function connectionOf(r: RecordedResource): Connection {
    const c = unwrap(r.inputs.connection).value ?? {};
    const v = (x: any) => unwrap(x).value;
    // Defaults as the provider's schema sets them: connection.go:57 (user root), :61 (port 22), :73
    // (dialErrorLimit 10), :78 (perDialTimeout 15).
    const conn: Connection = {
        host: String(v(c.host) ?? ""),
        port: Number(v(c.port) ?? 22),
        user: String(v(c.user) ?? "root"),
        privateKey: v(c.privateKey),
        agentSocketPath: v(c.agentSocketPath),
        hostKey: String(v(c.hostKey) ?? ""),
        dialErrorLimit: Math.trunc(Number(v(c.dialErrorLimit) ?? 10)),
        perDialTimeout: Math.trunc(Number(v(c.perDialTimeout) ?? 15)),
    };
    if (!conn.host) throw new Error(`step ${r.name} has no connection.host`);
    // The provider ignores the host key when none is given (connection.go:95-98); the runner refuses to.
    if (conn.hostKey.trim() === "") throw new Error(`step ${r.name} has no connection.hostKey: the runner never skips host-key checking`);
    if (v(c.password) !== undefined) throw new Error(`step ${r.name} sets connection.password: the runner does not emulate password logins`);
    if (v(c.proxy) !== undefined) throw new Error(`step ${r.name} sets connection.proxy: the runner does not emulate proxy dialling`);
    if (!conn.privateKey && !conn.agentSocketPath) throw new Error(`step ${r.name}: connection has neither privateKey nor agentSocketPath`);
    return conn;
}

/**
 * The waits between failed dials: retry.Until starts at 100 ms, multiplies by 1.5 after each wait and caps
 * at 5 s (pulumi/pulumi@v3.224.0:sdk/go/common/util/retry/until.go:40-42, :92-94, :110), and the provider
 * gives up when `dials > dialErrorLimit` (pulumi/pulumi-command@v1.2.1:provider/pkg/provider/remote/connection.go:159-160,
 * :252-255): `dialErrorLimit + 1` dials, `dialErrorLimit` waits. -1 (connection.go:33) never gives up.
 */
export function dialWaitsMs(dialErrorLimit: number): number[] {
    const waits: number[] = [];
    let delayNs = 100e6;
    for (let i = 0; i < dialErrorLimit; i++) {
        if (delayNs > 5e9) delayNs = 5e9;
        waits.push(delayNs / 1e6);
        delayNs = Math.trunc(delayNs * 1.5); // time.Duration(float64(delay) * backoff)
    }
    return waits;
}

/** Sum of `dialWaitsMs`: the back-off part of a dial budget (each dial adds its own time). */
export function dialBackoffMs(dialErrorLimit: number): number {
    return dialWaitsMs(dialErrorLimit).reduce((a, b) => a + b, 0);
}

function goJoinHostPort(host: string, port: number): string {
    return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The Go error x/crypto/ssh's Dial would return for what OpenSSH printed, for the usual cases (connection
 * refused / timed out / unreachable, host key algorithm not agreed, host key mismatch, authentication
 * refused); anything else keeps OpenSSH's own last line, marked as such.
 */
export function goDialError(stderr: string, c: { host: string; port: number }, pinnedType: string): string {
    const hp = goJoinHostPort(c.host, c.port);
    const hs = (e: string) => `ssh: handshake failed: ${e}`;
    let m: RegExpMatchArray | null;
    if (/port \d+: Connection refused/.test(stderr)) return `dial tcp ${hp}: connect: connection refused`;
    if (/port \d+: No route to host/.test(stderr)) return `dial tcp ${hp}: connect: no route to host`;
    if (/port \d+: Network is unreachable/.test(stderr)) return `dial tcp ${hp}: connect: network is unreachable`;
    if (/connect to host .* port \d+: Connection timed out/.test(stderr)) return `dial tcp ${hp}: i/o timeout`;
    if ((m = stderr.match(/no matching host key type found\. Their offer: (\S+)/))) {
        return hs(`ssh: no common algorithm for host key; we offered: [${pinnedType}], peer offered: [${m[1].split(",").join(" ")}]`);
    }
    if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|host key for .* has changed/i.test(stderr)) return hs("ssh: host key mismatch");
    if ((m = stderr.match(/Permission denied \(([^)]*)\)/))) {
        return hs("ssh: unable to authenticate, attempted methods [none publickey], no supported methods remain");
    }
    const last = stderr.trim().split("\n").pop() ?? "";
    return `(OpenSSH) ${last || "ssh exited without a connection"}`;
}

/** Temporary key, known_hosts and control-socket files for one run (0600, removed afterwards). */
class Files {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "gluu-live-runner-"));
    private keys = new Map<string, string>();
    private known = new Map<string, string>();
    private n = 0;

    keyFile(pem: string): string {
        let f = this.keys.get(pem);
        if (!f) {
            f = path.join(this.dir, `key-${++this.n}`);
            fs.writeFileSync(f, pem.endsWith("\n") ? pem : pem + "\n", { mode: 0o600 });
            this.keys.set(pem, f);
        }
        return f;
    }

    /** A known_hosts file holding exactly this host's pinned key (FixedHostKey: that key and no other). */
    knownHostsFile(c: Connection, key: PinnedKey): string {
        const pattern = c.port === 22 ? c.host : `[${c.host}]:${c.port}`;
        const line = `${pattern} ${key.type} ${key.base64}\n`;
        let f = this.known.get(line);
        if (!f) {
            f = path.join(this.dir, `known_hosts-${++this.n}`);
            fs.writeFileSync(f, line, { mode: 0o600 });
            this.known.set(line, f);
        }
        return f;
    }

    /** A fresh control-socket path (short: sun_path holds ~100 bytes). */
    socket(): string {
        return path.join(this.dir, `c${++this.n}`);
    }

    remove(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

function shq(v: string): string {
    return `'${v.replace(/'/g, `'\\''`)}'`;
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** An established SSH connection: an OpenSSH ControlMaster that this runner started (and stops, by its PID). */
interface Dialled {
    master: ChildProcess;
    socket: string;
    closed: Promise<void>;
}

/**
 * One dial, as x/crypto/ssh's Dial (connection.go:199-201): TCP connect, key exchange offering only the
 * pinned key's algorithm, host key check, authentication. OpenSSH does it as a ControlMaster with no
 * command (`-M -N`); it creates its control socket only once authenticated, so the socket appearing means
 * the dial succeeded and the master exiting means it failed.
 */
async function dialOnce(files: Files, base: string[], c: Connection, deadline: number): Promise<Dialled | { stderr: string }> {
    const socket = files.socket();
    const master = spawn("ssh", ["-M", "-N", "-S", socket, "-o", "ControlPersist=no", ...base], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    let exited = false;
    master.stderr!.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    const closed = new Promise<void>((res) => master.on("close", () => ((exited = true), res())));
    master.on("error", (e) => (stderr += String(e)));
    for (;;) {
        if (fs.existsSync(socket)) return { master, socket, closed };
        if (exited) return { stderr };
        if (Date.now() > deadline) {
            master.kill("SIGKILL");
            await closed;
            return { stderr: stderr + `\nthe runner's step time limit ended this dial` };
        }
        await sleep(5);
    }
}

/**
 * Close the connection: the master is asked to exit over its control socket (`-O exit`; a SIGTERM to a busy
 * master was seen to go unanswered), and killed (by its PID) if it has not gone within 2 s.
 */
async function hangUp(d: Dialled): Promise<void> {
    const gone = () => d.master.exitCode !== null || d.master.signalCode !== null;
    if (!gone()) await runProcess("ssh", ["-F", "/dev/null", "-S", d.socket, "-O", "exit", "-o", "LogLevel=QUIET", "runner-master"], { timeoutMs: 2000 }).catch(() => undefined);
    const timer = new Promise<"late">((res) => setTimeout(() => res("late"), 2000).unref());
    if ((await Promise.race([d.closed.then(() => "closed" as const), timer])) === "late") {
        d.master.kill("SIGKILL");
        await d.closed;
    }
}

interface StepOutcome extends SshResult {
    output?: string;
    /** Dials made (1 when the first succeeded). */
    dials: number;
    /** The provider-style error when no dial succeeded. */
    dialError?: string;
}

async function sshStep(files: Files, c: Connection, text: string, stdin: string, timeoutMs: number): Promise<StepOutcome> {
    const t0 = Date.now();
    const deadline = t0 + timeoutMs;
    const key = parsePinnedKey(c.hostKey);
    if (typeof key === "string") {
        // SSHConfig fails before any dial (connection.go:89-92).
        const msg = `failed to parse host key: ${key}`;
        return { code: 255, stdout: "", stderr: msg, ms: Date.now() - t0, dials: 0, dialError: msg };
    }
    const base = [
        "-T",
        "-F", "/dev/null",
        "-p", String(c.port),
        "-o", "BatchMode=yes",
        "-o", "StrictHostKeyChecking=yes",
        // ssh.FixedHostKey(publicKey) (connection.go:93): exactly the pinned key is accepted.
        "-o", `UserKnownHostsFile=${files.knownHostsFile(c, key)}`,
        "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "CheckHostIP=no",
        "-o", "UpdateHostKeys=no",
        // HostKeyAlgorithms = []string{publicKey.Type()} (connection.go:94): an ssh-rsa pin offers ssh-rsa
        // (SHA-1) only, never rsa-sha2-256/512, so OpenSSH ≥ 8.8 servers (no ssh-rsa by default) refuse it.
        "-o", `HostKeyAlgorithms=${key.type}`,
        "-o", "ConnectionAttempts=1",
        // INFO: OpenSSH reports a failed algorithm negotiation ("Unable to negotiate …") at that level.
        "-o", "LogLevel=INFO",
    ];
    // Timeout: perDialTimeout seconds (connection.go:104), 0 = none (connection.go:76).
    if (c.perDialTimeout > 0) base.push("-o", `ConnectTimeout=${c.perDialTimeout}`);
    if (c.privateKey) {
        base.push("-i", files.keyFile(c.privateKey), "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none");
    } else {
        base.push("-o", `IdentityAgent=${c.agentSocketPath}`);
    }
    base.push(`${c.user}@${c.host}`);

    // dialWithRetry (connection.go:150-187) around the connection only: try 0, 1, … ; after a failed dial
    // the step fails once `try + 1 > dialErrorLimit` (unless -1) with `after <try> failed attempts: <err>`
    // (connection.go:159-162), else waits the retry.Until delay (until.go:103-111) and dials again.
    const waits = c.dialErrorLimit >= 0 ? dialWaitsMs(c.dialErrorLimit) : [];
    let dialled: Dialled | undefined;
    let lastStderr = "";
    let dials = 0;
    for (let attempt = 0; ; attempt++) {
        dials++;
        const d = await dialOnce(files, base, c, deadline);
        if ("master" in d) {
            dialled = d;
            break;
        }
        lastStderr = d.stderr;
        const limitReached = c.dialErrorLimit > -1 && attempt + 1 > c.dialErrorLimit;
        if (limitReached || Date.now() > deadline) {
            const dialError = `after ${attempt} failed attempts: ${goDialError(lastStderr, c, key.type)}`;
            return { code: 255, stdout: "", stderr: lastStderr, ms: Date.now() - t0, dials, dialError };
        }
        await sleep(c.dialErrorLimit >= 0 ? waits[attempt] : Math.min(100 * 1.5 ** attempt, 5000));
    }

    // One session on that connection (commandOutputs.go:36-40), the text run as its command (:95). Not retried.
    try {
        // Over its own OpenSSH connection (same options and pin), not the master's: a mux client does not
        // report a remote command killed by a signal as a failure, a direct client exits 255.
        const args = ["-o", "LogLevel=ERROR", ...base];
        args.pop(); // user@host, added below
        // session.Stdin only when stdin is set and non-empty (commandOutputs.go:73-75); otherwise x/crypto
        // sends no data, then EOF: `-n` (stdin from /dev/null) does the same.
        if (stdin.length === 0) args.push("-n");
        args.push(`${c.user}@${c.host}`, "--", text);
        const combined: Buffer[] = [];
        const r = await runProcess("ssh", args, {
            stdin: stdin.length > 0 ? stdin : undefined,
            timeoutMs: Math.max(1, deadline - Date.now()),
            // The provider's stdouterrbuf (commandOutputs.go:77-90): both streams into one buffer in arrival
            // order, whatever `logging` says.
            onSpawn: (child) => {
                child.stdout?.on("data", (d: Buffer) => combined.push(d));
                child.stderr?.on("data", (d: Buffer) => combined.push(d));
            },
        });
        return { ...r, ms: Date.now() - t0, output: Buffer.concat(combined).toString("utf8"), dials };
    } finally {
        await hangUp(dialled);
    }
}

// ---------------------------------------------------------------------------------------------------------
// the scheduler

type Which = "create" | "delete";

async function execute(resources: RecordedResource[], which: Which, opts: RunOptions): Promise<RunReport> {
    const t0 = Date.now();
    const log = opts.log ?? (process.env.LIVE_VERBOSE ? (l: string) => console.log(l) : () => undefined);
    const order = topologicalOrder(resources).filter((r) => r.type === REMOTE_COMMAND);
    const rank = new Map(order.map((r, i) => [r.urn, i]));
    const forward = stepPrerequisites(resources);
    // Deletes run the other way round: a step's delete waits for the deletes of the steps that need it.
    let prereqs = forward;
    if (which === "delete") {
        prereqs = new Map(order.map((r) => [r.urn, new Set<string>()]));
        for (const [urn, deps] of forward) for (const d of deps) prereqs.get(d)?.add(urn);
    }
    const selected = new Set(
        order
            .filter((r) => (opts.only ? opts.only(r) : true) && !(opts.skip?.(r) ?? false))
            .filter((r) => which === "create" || unwrap(r.inputs.delete).value !== undefined)
            .map((r) => r.urn),
    );
    const byUrn = new Map(order.map((r) => [r.urn, r]));
    const results = new Map<string, StepResult>();
    const finished: StepResult[] = [];
    const running = new Set<string>();
    const concurrency = Math.max(1, opts.concurrency ?? 4);
    const files = new Files();

    const state = (urn: string): "done" | "failed" | "pending" => {
        if (!selected.has(urn)) return "done"; // not part of this run: taken as done before
        const r = results.get(urn);
        if (!r) return "pending";
        return r.status === "ok" ? "done" : "failed";
    };

    const runOne = async (r: RecordedResource): Promise<StepResult> => {
        const startedAt = Date.now() - t0;
        const c = connectionOf(r);
        const env = unwrap(r.inputs.environment).value;
        if (env && Object.keys(env).length > 0) {
            throw new Error(`step ${r.name} sets \`environment\`: the runner does not emulate it (the provider needs AcceptEnv on the host)`);
        }
        const textValue = unwrap(r.inputs[which]).value;
        if (textValue === undefined) {
            // Create with no `create` text returns without dialling (commandController.go:48-50).
            log(`[live] ${which} ${r.name}: no text, nothing runs`);
            return { name: r.name, urn: r.urn, host: r.host, address: c.host, status: "ok", code: 0, stdout: "", stderr: "", changed: [], ms: 0, startedAt, endedAt: Date.now() - t0, output: "", dials: 0 };
        }
        let text = String(textValue);
        const recordedText = text;
        // Delete runs with the old state's inputs (commandController.go:86-91: props.run with props.Stdin and
        // props.Connection): the recorded inputs are that state.
        const recordedStdin = unwrap(r.inputs.stdin).value;
        const stdin = opts.stdin?.(r) ?? (recordedStdin === undefined ? "" : String(recordedStdin));
        const interrupt = opts.interruptAfterMs?.(r);
        if (interrupt !== undefined) {
            text = `exec timeout -s KILL ${(interrupt / 1000).toFixed(3)} bash -c ${shq(text)}`;
        }
        log(`[live] start ${which} ${r.name} on ${r.host ?? c.host}${interrupt !== undefined ? ` (killed after ${interrupt} ms)` : ""}`);
        const res = await sshStep(files, c, text, stdin, opts.timeoutMs ?? 300000);
        const result: StepResult = {
            name: r.name,
            urn: r.urn,
            host: r.host,
            address: c.host,
            status: res.code === 0 && res.dialError === undefined ? "ok" : "failed",
            code: res.code,
            stdout: res.stdout,
            stderr: res.stderr,
            changed: changedLines(res.stdout),
            ms: res.ms,
            startedAt,
            endedAt: Date.now() - t0,
            output: res.output,
            dials: res.dials,
        };
        if (res.dialError !== undefined) {
            // Connection.Dial's error is the step's error as it is (commandOutputs.go:31-34).
            result.connectFailed = true;
            result.error = res.dialError;
        } else if (result.status === "failed") {
            // ssh reports a remote signal as 255 and a local kill as null; the provider would see the real status.
            result.error = remoteCommandError(res.code ?? -1, recordedText, res.output ?? res.stdout + res.stderr);
        }
        log(`[live] ${result.status} ${r.name} (${res.dialError ?? res.code}) in ${res.ms} ms after ${res.dials} dial(s)${result.changed.length ? `: ${result.changed.join("; ")}` : ""}`);
        return result;
    };

    try {
        await new Promise<void>((resolve, reject) => {
            const pump = () => {
                // Steps whose prerequisites failed are blocked, transitively.
                let progress = true;
                while (progress) {
                    progress = false;
                    for (const urn of selected) {
                        if (results.has(urn) || running.has(urn)) continue;
                        const bad = [...(prereqs.get(urn) ?? [])].filter((d) => state(d) === "failed");
                        if (bad.length) {
                            const r = byUrn.get(urn)!;
                            const res: StepResult = {
                                name: r.name, urn, host: r.host, address: "", status: "blocked", stdout: "", stderr: "", changed: [], ms: 0,
                                startedAt: Date.now() - t0, endedAt: Date.now() - t0, blockedBy: bad.map((d) => byUrn.get(d)?.name ?? d),
                            };
                            results.set(urn, res);
                            finished.push(res);
                            progress = true;
                        }
                    }
                }
                const ready = [...selected]
                    .filter((u) => !results.has(u) && !running.has(u) && [...(prereqs.get(u) ?? [])].every((d) => state(d) === "done"))
                    .sort((a, b) => rank.get(a)! - rank.get(b)!);
                for (const urn of ready) {
                    if (running.size >= concurrency) break;
                    running.add(urn);
                    runOne(byUrn.get(urn)!).then(
                        (res) => {
                            running.delete(urn);
                            results.set(urn, res);
                            finished.push(res);
                            pump();
                        },
                        (err) => reject(err),
                    );
                }
                if (running.size === 0) {
                    const left = [...selected].filter((u) => !results.has(u));
                    if (left.length) reject(new Error(`steps that can never start (a dependency cycle?): ${left.map((u) => byUrn.get(u)!.name).join(", ")}`));
                    else resolve();
                }
            };
            pump();
        });
    } finally {
        files.remove();
    }

    const report: RunReport = {
        ok: finished.every((s) => s.status === "ok"),
        steps: finished,
        ms: Date.now() - t0,
        step: (name) => {
            const s = finished.find((x) => x.name === name);
            if (!s) throw new Error(`step ${name} did not run; ran: ${finished.map((x) => x.name).join(", ")}`);
            return s;
        },
    };
    if (!report.ok && (opts.throwOnFailure ?? true)) throw new StepsFailed(report);
    return report;
}

/** Run the `create` text of the recorded remote steps, in dependency order. */
export function runSteps(resources: RecordedResource[], opts: RunOptions = {}): Promise<RunReport> {
    return execute(resources, "create", opts);
}

/** Run the steps twice (the second time to check idempotence); both reports. */
export async function runTwice(resources: RecordedResource[], opts: RunOptions = {}): Promise<[RunReport, RunReport]> {
    const first = await runSteps(resources, opts);
    const second = await runSteps(resources, opts);
    return [first, second];
}

/** Run the `delete` text of the steps that have one, dependants first. */
export function runDeletes(resources: RecordedResource[], opts: RunOptions = {}): Promise<RunReport> {
    return execute(resources, "delete", opts);
}
