// `npm run plan [-- --stack <name> --out <dir> --diff <stack-or-file>]`: the real program evaluated offline under
// Pulumi's mock runtime, written out so a reviewer can read every resource, every script and what it gets on
// stdin, and the deployment graph (graph.svg). With --diff, also what changes against another config (diff.txt).
// No network, no credentials, no Pulumi CLI. Secret values are replaced in place by `[secret:<what>]`.

import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { GluuMocks, mockEd25519, mockPassword } from "./mocks";
import { REMOTE_COMMAND, RecordedResource, criticalPath, recordProgram, topologicalOrder } from "./record";
import { LoadedStackConfig, loadStackConfig, readStackFile, stackNameOf } from "./stackConfig";
import { graphDot, renderSvg } from "./graph";
import { diffPlans, renderDiff } from "./diff";
import { stepScript } from "../components/remoteStep";

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";

/**
 * The `gluu:*` values of a stack file as `pulumi up` hands them to the program: Pulumi.yaml's declarations
 * checked and its defaults merged with the CLI's semantics, then the program's own validation (src/stackConfig.ts).
 * `secure:` values become known stand-ins registered as secrets; so do the secrets the README leaves to
 * `pulumi config set --secret` (listed in `standIns`).
 */
export function loadPlanConfig(file: string, mocks: GluuMocks, stack: string = stackNameOf(file)): LoadedStackConfig {
    const values = readStackFile(file);
    standIns.length = 0;
    const has = (name: string) => values.has(`gluu:${name}`);
    // Secrets the README leaves to `pulumi config set --secret` are not in the file: the plan uses stand-ins
    // for exactly those the program requires, and says so.
    const needed: string[] = [];
    if (has("repoUser") && !has("repoPassword")) needed.push("repoPassword");
    const loginNeeded = has("existingNodeAddresses") || has("sshKeyFingerprints");
    if (loginNeeded && !has("sshPrivateKey") && !has("sshAgentSocketPath")) needed.push("sshPrivateKey");
    for (const name of needed) {
        values.set(`gluu:${name}`, { text: "(set with pulumi config set --secret)", secure: true, object: false });
        standIns.push(`gluu:${name}`);
    }
    const decrypt = (key: string): string => {
        const standIn = key === "gluu:sshPrivateKey" ? mockEd25519(`config ${key}`).privateKeyOpenssh : mockPassword(`config ${key}`, { length: 24, special: false });
        mocks.addSecret(standIn, `config ${key}`);
        return standIn;
    };
    return loadStackConfig({ stack, values, decrypt });
}

/** The raw `gluu:*` values of a stack file, loaded as `loadPlanConfig` does. */
export function stackFileConfig(file: string, mocks: GluuMocks): Record<string, string> {
    return loadPlanConfig(file, mocks).raw;
}

/** Secret config keys the last stackFileConfig call replaced by stand-ins (set with `pulumi config set --secret`). */
export const standIns: string[] = [];

/** Replace every known secret value in a text by `[secret:<what>]` (longest values first). */
export function redact(text: string, secrets: Map<string, string>): string {
    const values = [...secrets.keys()].sort((a, b) => b.length - a.length);
    let out = text;
    for (const v of values) {
        if (out.includes(v)) {
            out = out.split(v).join(`[secret:${secrets.get(v)}]`);
        }
    }
    return out;
}

/** Inputs with Pulumi's secret wrappers opened and every secret value inside replaced. */
export function redactValue(value: any, secrets: Map<string, string>): any {
    if (typeof value === "string") {
        return redact(value, secrets);
    }
    if (Array.isArray(value)) {
        return value.map((v) => redactValue(v, secrets));
    }
    if (value && typeof value === "object") {
        if (SECRET_SIG_KEY in value) {
            return redactValue(value.value, secrets);
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, secrets)]));
    }
    return value;
}

function unwrap(value: any): any {
    return value && typeof value === "object" && SECRET_SIG_KEY in value ? value.value : value;
}

export interface PlanResult {
    resources: RecordedResource[];
    steps: Array<{ host: string; file: string; resource: RecordedResource }>;
    criticalPath: RecordedResource[];
    outDir: string;
}

/** Evaluate the program for `stack` with `mocks` (already installed) and write the plan into `outDir`. */
export async function writePlan(opts: { stack: string; outDir: string; stacksDir: string; mocks: GluuMocks }): Promise<PlanResult> {
    const { mocks, outDir } = opts;
    const raw = stackFileConfig(path.join(opts.stacksDir, `Pulumi.${opts.stack}.yaml`), mocks);
    const { gluuProgram } = await import("./program");
    const resources = await recordProgram(mocks, (o) => gluuProgram(raw, o).cluster);

    fs.rmSync(outDir, { recursive: true, force: true });
    fs.mkdirSync(path.join(outDir, "steps"), { recursive: true });
    const secrets = mocks.secrets;
    const json = resources.map((r) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        parent: r.parent,
        dependsOn: r.dependsOn,
        inputs: redactValue(r.inputs, secrets),
    }));
    fs.writeFileSync(path.join(outDir, "resources.json"), JSON.stringify(json, null, 2) + "\n");

    const order = topologicalOrder(resources).filter((r) => r.type === REMOTE_COMMAND);
    const perHost = new Map<string, number>();
    const steps: PlanResult["steps"] = [];
    for (const r of order) {
        const host = r.host ?? "unknown-host";
        const n = (perHost.get(host) ?? 0) + 1;
        perHost.set(host, n);
        const dir = path.join(outDir, "steps", host);
        fs.mkdirSync(dir, { recursive: true });
        const base = `${String(n).padStart(2, "0")}-${r.name}`;
        const create = unwrap(r.inputs.create);
        // The script itself, without the bash wrapper the SSH command puts around it (components/remoteStep.ts).
        fs.writeFileSync(path.join(dir, `${base}.sh`), redact(stepScript(String(create ?? "")), secrets), { mode: 0o644 });
        const del = unwrap(r.inputs.delete);
        if (del) {
            fs.writeFileSync(path.join(dir, `${base}.delete.sh`), redact(stepScript(String(del)), secrets));
        }
        const stdin = unwrap(r.inputs.stdin);
        if (stdin) {
            fs.writeFileSync(path.join(dir, `${base}.stdin`), redact(String(stdin), secrets));
        }
        steps.push({ host, file: path.join("steps", host, `${base}.sh`), resource: r });
    }
    const critical = criticalPath(resources);
    fs.writeFileSync(path.join(outDir, "summary.md"), summary(opts.stack, resources, steps, critical));
    const dot = graphDot(resources, { stack: opts.stack, critical });
    fs.writeFileSync(path.join(outDir, "graph.dot"), dot);
    fs.writeFileSync(path.join(outDir, "graph.svg"), await renderSvg(dot));
    return { resources, steps, criticalPath: critical, outDir };
}

function summary(stack: string, resources: RecordedResource[], steps: PlanResult["steps"], critical: RecordedResource[]): string {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const components = resources.filter((r) => !r.custom);
    const lines = [`# Plan for stack \`${stack}\``, "", `${resources.length} resources, ${steps.length} remote steps.`, "", "## Resources per component", ""];
    lines.push("| component | type | direct children | remote steps |", "|---|---|---|---|");
    for (const c of components) {
        const children = resources.filter((r) => r.parent === c.urn);
        lines.push(`| ${c.name} | ${c.type} | ${children.length} | ${children.filter((r) => r.type === REMOTE_COMMAND).length} |`);
    }
    lines.push("", "## Steps per host (in a valid order)", "");
    const hosts = [...new Set(steps.map((s) => s.host))];
    for (const h of hosts) {
        lines.push(`### ${h}`, "");
        for (const s of steps.filter((x) => x.host === h)) {
            const deps = s.resource.dependsOn.map((d) => byUrn.get(d)?.name ?? d).join(", ");
            lines.push(`- \`${s.file}\` — after: ${deps || "(nothing: first step on an existing host)"}`);
        }
        lines.push("");
    }
    lines.push("## Critical path", "", `The longest chain of remote steps has **${critical.length}** steps:`, "");
    critical.forEach((r, i) => lines.push(`${i + 1}. \`${r.name}\` on ${r.host ?? "?"}`));
    lines.push("", "Everything off this chain runs in parallel with it.", "");
    return lines.join("\n");
}

/** `--diff` names a stack in `stacksDir` (`Pulumi.<name>.yaml`) or a config file. */
export function diffConfigFile(arg: string, stacksDir: string): string {
    const stackFile = path.join(stacksDir, `Pulumi.${arg}.yaml`);
    if (!arg.includes("/") && !/\.ya?ml$/.test(arg) && fs.existsSync(stackFile)) return stackFile;
    if (fs.existsSync(arg)) return path.resolve(arg);
    throw new Error(`--diff ${arg}: neither a stack (${path.relative(process.cwd(), stackFile)}) nor a config file`);
}

/** Record the program for the config in `file` (mocks installed; see stackFileConfig for secrets). */
export async function recordConfigFile(file: string, mocks: GluuMocks): Promise<RecordedResource[]> {
    const raw = stackFileConfig(file, mocks);
    const { gluuProgram } = await import("./program");
    return recordProgram(mocks, (o) => gluuProgram(raw, o).cluster);
}

function parseArgs(argv: string[]): { stack: string; out: string; diff?: string } {
    const out: { stack: string; out: string; diff?: string } = { stack: "dev", out: "plan" };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--stack" || a === "-s") {
            out.stack = argv[++i];
        } else if (a === "--out" || a === "-o") {
            out.out = argv[++i];
        } else if (a === "--diff" || a === "-d") {
            out.diff = argv[++i];
            if (!out.diff) throw new Error("--diff needs a stack name or a config file");
        } else if (a === "--help" || a === "-h") {
            console.log("usage: npm run plan [-- --stack <name>] [--out <dir>] [--diff <stack or config file>]   (defaults: dev, plan/)");
            process.exit(0);
        } else {
            throw new Error(`unknown argument ${a}; usage: npm run plan -- --stack <name> --out <dir> --diff <stack or file>`);
        }
    }
    if (!out.stack || !out.out) {
        throw new Error("--stack and --out need a value");
    }
    return out;
}

async function main(): Promise<void> {
    const args = parseArgs(process.argv.slice(2));
    const mocks = new GluuMocks();
    await pulumi.runtime.setMocks(mocks, "gluu", args.stack, false);
    const root = path.resolve(__dirname, "..");
    // The mocks are process-global: the baseline runs first, then the stack itself (same mocked stack name,
    // so the URNs compare).
    const baselineFile = args.diff ? diffConfigFile(args.diff, path.join(root, "stacks")) : undefined;
    const baseline = baselineFile ? await recordConfigFile(baselineFile, mocks) : undefined;
    const baselineStandIns = [...standIns];
    const result = await writePlan({ stack: args.stack, outDir: path.resolve(args.out), stacksDir: path.join(root, "stacks"), mocks });
    const rel = path.relative(process.cwd(), result.outDir) || ".";
    console.log(`Plan for stack '${args.stack}' written to ${rel}/`);
    console.log(`  ${rel}/resources.json   ${result.resources.length} resources`);
    console.log(`  ${rel}/steps/           ${result.steps.length} remote steps on ${new Set(result.steps.map((s) => s.host)).size} hosts`);
    console.log(`  ${rel}/summary.md       critical path: ${result.criticalPath.length} steps`);
    console.log(`  ${rel}/graph.svg        the deployment graph per host, critical path in red (source: graph.dot)`);
    if (baseline && baselineFile) {
        const text = renderDiff(diffPlans(baseline, result.resources), {
            secrets: mocks.secrets,
            before: path.relative(process.cwd(), baselineFile).startsWith("..") ? baselineFile : path.relative(process.cwd(), baselineFile),
            after: `stack ${args.stack}`,
        });
        fs.writeFileSync(path.join(result.outDir, "diff.txt"), text);
        console.log(`  ${rel}/diff.txt         the changes below`, "\n");
        process.stdout.write(text);
        for (const key of baselineStandIns.filter((k) => !standIns.includes(k))) {
            console.log(`  note: the baseline used a stand-in value for ${key}`);
        }
    }
    for (const key of standIns) {
        console.log(`  note: ${key} is set with \`pulumi config set --secret ${key}\`; the plan used a stand-in value`);
    }
}

if (require.main === module) {
    main().catch((err) => {
        console.error(err instanceof Error ? err.message : err);
        process.exit(1);
    });
}
