// Runs the remote steps recorded from a mocked run of the real program (src/record.ts) over SSH, the way
// @pulumi/command 1.2.1 runs a `command:remote:Command`: the step's `create` (or `delete`) text is the one
// remote command string, run by the login user's shell without a PTY; `stdin` is attached to its stdin;
// the connection is `inputs.connection` (host, port, user, privateKey or agentSocketPath) and the host key
// is checked against exactly `connection.hostKey`. Steps start when every step they depend on has
// succeeded (dependsOn edges, through components and other resources), up to `concurrency` at a time.

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
    /** For failed steps: the error text pulumi-command would report (see `remoteCommandError`). */
    error?: string;
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
        (s) => `step ${s.name} on ${s.host ?? "?"} (${s.address}) failed with exit code ${s.code} after ${(s.ms / 1000).toFixed(1)} s:\n${s.error ?? tailOf(s.stderr)}`,
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
    hostKey: string;
    dialErrorLimit: number;
    perDialTimeout: number;
}

function connectionOf(r: RecordedResource): Connection {
    const c = unwrap(r.inputs.connection).value ?? {};
    const v = (x: any) => unwrap(x).value;
    const conn: Connection = {
        host: String(v(c.host) ?? ""),
        port: Number(v(c.port) ?? 22),
        user: String(v(c.user) ?? "root"),
        privateKey: v(c.privateKey),
        agentSocketPath: v(c.agentSocketPath),
        hostKey: String(v(c.hostKey) ?? "").trim(),
        dialErrorLimit: Number(v(c.dialErrorLimit) ?? 10),
        perDialTimeout: Number(v(c.perDialTimeout) ?? 15),
    };
    if (!conn.host) throw new Error(`step ${r.name} has no connection.host`);
    if (!/^[a-z0-9-]+ [A-Za-z0-9+/=]+$/.test(conn.hostKey.split(/\s+/).slice(0, 2).join(" "))) {
        throw new Error(`step ${r.name} has no usable connection.hostKey (got ${JSON.stringify(conn.hostKey.slice(0, 40))}): the runner never skips host-key checking`);
    }
    if (!conn.privateKey && !conn.agentSocketPath) throw new Error(`step ${r.name}: connection has neither privateKey nor agentSocketPath`);
    return conn;
}

/** Temporary key and known_hosts files for one run (0600, removed afterwards). */
class Files {
    private dir = fs.mkdtempSync(path.join(os.tmpdir(), "gluu-live-runner-"));
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

    /** A known_hosts file holding exactly this host's pinned key. */
    knownHostsFile(c: Connection): string {
        const pattern = c.port === 22 ? c.host : `[${c.host}]:${c.port}`;
        const line = `${pattern} ${c.hostKey.split(/\s+/).slice(0, 2).join(" ")}\n`;
        let f = this.known.get(line);
        if (!f) {
            f = path.join(this.dir, `known_hosts-${++this.n}`);
            fs.writeFileSync(f, line, { mode: 0o600 });
            this.known.set(line, f);
        }
        return f;
    }

    remove(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

function shq(v: string): string {
    return `'${v.replace(/'/g, `'\\''`)}'`;
}

async function sshStep(files: Files, c: Connection, text: string, stdin: string, timeoutMs: number): Promise<SshResult & { output?: string }> {
    const args = [
        "-T",
        "-F", "/dev/null",
        "-p", String(c.port),
        "-o", "BatchMode=yes",
        "-o", "StrictHostKeyChecking=yes",
        "-o", `UserKnownHostsFile=${files.knownHostsFile(c)}`,
        "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", `ConnectTimeout=${c.perDialTimeout}`,
        "-o", "LogLevel=ERROR",
    ];
    if (c.privateKey) {
        args.push("-i", files.keyFile(c.privateKey), "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none");
    } else {
        args.push("-o", `IdentityAgent=${c.agentSocketPath}`);
    }
    args.push(`${c.user}@${c.host}`, "--", text);
    // The provider keeps dialling on connection errors (dialErrorLimit); a remote exit 255 is not a dial error.
    for (let attempt = 1; ; attempt++) {
        const combined: Buffer[] = [];
        const r: SshResult & { output?: string } = await runProcess("ssh", args, {
            stdin,
            timeoutMs,
            // The provider's stdouterrbuf: both streams into one buffer in arrival order.
            onSpawn: (child) => {
                child.stdout?.on("data", (d: Buffer) => combined.push(d));
                child.stderr?.on("data", (d: Buffer) => combined.push(d));
            },
        });
        r.output = Buffer.concat(combined).toString("utf8");
        const dialError = r.code === 255 && r.stdout === "" && /ssh: connect to host|Connection (refused|timed out|closed)|No route to host/.test(r.stderr);
        if (!dialError || (c.dialErrorLimit >= 0 && attempt >= c.dialErrorLimit)) return r;
        await new Promise((res) => setTimeout(res, 500));
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
        let text = String(unwrap(r.inputs[which]).value);
        const recordedText = text;
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
            status: res.code === 0 ? "ok" : "failed",
            code: res.code,
            stdout: res.stdout,
            stderr: res.stderr,
            changed: changedLines(res.stdout),
            ms: res.ms,
            startedAt,
            endedAt: Date.now() - t0,
            output: res.output,
        };
        if (result.status === "failed") {
            // ssh reports a remote signal as 255 and a local kill as null; the provider would see the real status.
            result.error = remoteCommandError(res.code ?? -1, recordedText, res.output ?? res.stdout + res.stderr);
        }
        log(`[live] ${result.status} ${r.name} (${res.code}) in ${res.ms} ms${result.changed.length ? `: ${result.changed.join("; ")}` : ""}`);
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
