#!/usr/bin/env node
// `gluu-cluster plan`: the offline review of ANY Pulumi program (an organisation's own, using these components)
// for one of its stack files: plan/ (resources.json, steps/, summary.md, firewalls.md, graph.dot, graph.svg) and,
// with --diff, what changes between two configurations (diff.txt). Our own `npm run plan` (src/plan.ts) is this
// command with the repository's program.
//
//   gluu-cluster plan [--stack <name or stack file>] [--out <dir>] [--diff <name or stack file>] [--full]
//                     [--project <Pulumi.yaml or its folder>] [--program <entry file>] [--secret <ns:key>]…

import * as fs from "fs";
import * as path from "path";
import { GluuMocks } from "./mocks";
import { RecordedResource } from "./record";
import { PLAN_MARKER, PlanResult, diffText, findProject, loadProgramConfig, runWithConfig, stackFile, writePlanFiles } from "./planTool";

export interface PlanArgs {
    stack: string;
    out: string;
    diff?: string;
    full: boolean;
    project?: string;
    program?: string;
    secrets: string[];
}

export const USAGE =
    "usage: gluu-cluster plan [--stack <name or stack file>] [--out <dir>] [--diff <name or stack file>] [--full]\n" +
    "                         [--project <Pulumi.yaml>] [--program <entry file>] [--secret <namespace:key>]...\n" +
    "  --stack    a stack name (Pulumi.<name>.yaml in the project's stackConfigDir) or a path to a stack file (default dev)\n" +
    "  --out      the plan folder (default plan/); a non-empty folder is refused unless an earlier plan wrote it\n" +
    "  --diff     compare with another stack or stack file (the baseline) and write diff.txt (always whole)\n" +
    "  --full     print long diff hunks whole (default: 12 lines per changed input on the terminal)\n" +
    "  --project  the Pulumi.yaml (default: found from the current folder upwards)\n" +
    "  --program  the program's entry file (default: Pulumi.yaml `main`, else index.ts/index.js)\n" +
    "  --secret   a secret the stack file leaves to `pulumi config set --secret`: the plan uses a stand-in";

/** Parse `plan` options; a flag's value may not look like a flag (`--stack --out x` is refused). */
export function parsePlanArgs(argv: string[]): PlanArgs {
    const out: PlanArgs = { stack: "dev", out: "plan", full: false, secrets: [] };
    const value = (i: number, flag: string): string => {
        const v = argv[i];
        if (v === undefined || v === "" || v.startsWith("-")) throw new Error(`${flag} needs a value\n${USAGE}`);
        return v;
    };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--stack" || a === "-s") out.stack = value(++i, a);
        else if (a === "--out" || a === "-o") out.out = value(++i, a);
        else if (a === "--diff" || a === "-d") out.diff = value(++i, a);
        else if (a === "--project") out.project = value(++i, a);
        else if (a === "--program") out.program = value(++i, a);
        else if (a === "--secret") out.secrets.push(value(++i, a));
        else if (a === "--full") out.full = true;
        else if (a === "--help" || a === "-h") throw Object.assign(new Error(USAGE), { help: true });
        else throw new Error(`unknown argument ${a}\n${USAGE}`);
    }
    return out;
}

/** What differs between our own program and any other: how a stack file becomes recorded resources. */
export interface PlanRunner {
    stacksDir: string;
    /** Record the program for a stack file, the mocked stack being `stack` (so two runs' URNs compare). */
    record(file: string, stack: string, mocks: GluuMocks): Promise<RecordedResource[]>;
    /** Notes for the last recorded run (stand-in secrets, …). */
    notes(): string[];
    /** Warnings for the last recorded run (placeholders in the config, …). */
    warnings?(): string[];
}

/** The runner for an organisation's program: its Pulumi.yaml, its stack files, its entry module. */
export function programRunner(args: PlanArgs): PlanRunner {
    const p = findProject({ projectFile: args.project, program: args.program });
    let notes: string[] = [];
    return {
        stacksDir: p.stacksDir,
        async record(file, stack, mocks) {
            const loaded = loadProgramConfig(file, p.project, mocks, { stack, standIns: args.secrets });
            notes = args.secrets.map((k) => `${k}: the plan used a stand-in secret value (--secret)`);
            return runWithConfig(mocks, p.project.name, loaded, p.program);
        },
        notes: () => notes,
    };
}

/** Run `plan` with a runner; prints what it wrote (and the diff), returns the result. */
export async function runPlan(args: PlanArgs, runner: PlanRunner, mocks: GluuMocks = new GluuMocks()): Promise<PlanResult> {
    const file = stackFile(args.stack, runner.stacksDir, "--stack");
    const stack = path.basename(file).match(/^Pulumi\.(.+)\.ya?ml$/)?.[1] ?? args.stack.replace(/\.ya?ml$/, "").split(/[\\/]/).pop()!;
    // The baseline first, under the same stack name, so the URNs compare.
    const baselineFile = args.diff ? stackFile(args.diff, runner.stacksDir, "--diff") : undefined;
    const baseline = baselineFile ? await runner.record(baselineFile, stack, mocks) : undefined;
    const baselineNotes = runner.notes();
    const resources = await runner.record(file, stack, mocks);
    const notes = runner.notes();
    const warnings = runner.warnings?.() ?? [];
    const outDir = path.resolve(args.out);
    const result = await writePlanFiles(resources, { stack, outDir, secrets: mocks.secrets, notes, warnings });
    const rel = path.relative(process.cwd(), result.outDir) || ".";
    console.log(`Plan for stack '${stack}' written to ${rel}/`);
    console.log(`  ${rel}/resources.json   ${result.resources.length} resources`);
    console.log(`  ${rel}/steps/           ${result.steps.length} remote steps on ${new Set(result.steps.map((s) => s.host)).size} hosts`);
    console.log(`  ${rel}/summary.md       critical path: ${result.criticalPath.length} steps`);
    console.log(`  ${rel}/firewalls.md     every firewall rule to approve, the droplets' sizes and images`);
    console.log(`  ${rel}/graph.svg        the deployment graph per host, critical path in red (source: graph.dot)`);
    if (baseline && baselineFile) {
        const shown = path.relative(process.cwd(), baselineFile).startsWith("..") ? baselineFile : path.relative(process.cwd(), baselineFile);
        const common = { secrets: mocks.secrets, before: shown, after: `stack ${stack}` };
        fs.writeFileSync(path.join(result.outDir, "diff.txt"), diffText(baseline, resources, { ...common, full: true }));
        const marker = path.join(result.outDir, PLAN_MARKER);
        const m = JSON.parse(fs.readFileSync(marker, "utf8"));
        m.files.push("diff.txt");
        fs.writeFileSync(marker, JSON.stringify(m, null, 1) + "\n");
        console.log(`  ${rel}/diff.txt         the changes below (every hunk whole)`, "\n");
        process.stdout.write(diffText(baseline, resources, { ...common, full: args.full }));
        for (const n of baselineNotes.filter((x) => !notes.includes(x))) console.log(`  note (baseline): ${n}`);
    }
    for (const n of notes) console.log(`  note: ${n}`);
    for (const w of result.warnings) console.log(`  warning: ${w}`);
    return result;
}

/** `gluu-cluster <command> …` */
export async function main(argv: string[]): Promise<void> {
    const [command, ...rest] = argv;
    if (command === "--help" || command === "-h" || command === undefined) {
        console.log(USAGE);
        return;
    }
    if (command !== "plan") throw new Error(`unknown command ${command}\n${USAGE}`);
    const args = parsePlanArgs(rest);
    await runPlan(args, programRunner(args));
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((err) => {
        if ((err as any)?.help) {
            console.log(err.message);
            return;
        }
        console.error(err instanceof Error ? err.message : err);
        process.exit(1);
    });
}
