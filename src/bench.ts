// `npm run bench`: the performance figures of the deployment graph and the program, measured in one run on this
// machine under the same mocks as the plan. It runs the compiled program (no ts-node): under ts-node most of the
// evaluation time is source-map support formatting the stack traces Pulumi's runtime captures. `npm run bench -- --json` prints them as one JSON object on stdout;
// the table goes to stdout otherwise, and the JSON is always written to bench.json.

import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { diffPlans } from "./diff";
import { GluuMocks } from "./mocks";
import { stackFileConfig } from "./plan";
import { gluuProgram } from "./program";
import { REMOTE_COMMAND, RecordedResource, criticalPath, recordProgram } from "./record";
import { LoadBenchResult, renderLoadBench, runLoadBench } from "./benchLoad";
import { FailoverRow, renderHaBench, runNginxPairFailover } from "./benchHa";
import { CacheHaBenchResult, renderCacheHaBench, runCacheHaBench } from "./benchCacheHa";

// Run from src/ (ts-node) or from bin/src/ (compiled: what `npm run bench` measures, as `pulumi up` of a built program).
const STACKS_DIR = [path.resolve(__dirname, "../stacks"), path.resolve(__dirname, "../../stacks")].find((d) => fs.existsSync(d))!;

interface CriticalPathFigure {
    nodes: number;
    remoteSteps: number;
    depth: number;
    installsOnPath: number;
    /** depth(N) ≤ depth(2) + (N − 2) and exactly one install on the path. */
    withinGoal: boolean;
}

export interface BenchResult {
    machine: { node: string; cpus: number };
    criticalPath: CriticalPathFigure[];
    evaluation: { nodes: number; medianMs: number; runs: number }[];
    evaluationRatio: number;
    churn: { sameConfigChanged: number; scaleOutReplaced: number; scaleOutInstallsRerun: number; scaleOutCreated: number; scaleOutUpdated: number };
    /** With `--live` (root): the live bed for 2 nodes + cache + LB, from nothing to every non-Gluu step of the program run. */
    liveBed?: { hosts: number; bedMs: number; stepsMs: number; totalMs: number; steps: number };
    /** With `--live` (root): nginx-pair failover through the virtual IP (issue 12; src/benchHa.ts). */
    nginxPair?: { bedMs: number; stepsMs: number; totalMs: number; initialMaster: string; rows: FailoverRow[] };
    /** With `--live` (root): load and faults through NginxBalancer and SecureRedis, today's config (8dd326b) vs the new one (issue 15; src/benchLoad.ts). */
    loadFaults?: LoadBenchResult;
    /** With `--live` (root): the `redis-ha` cache under a killed primary and a cut replica link (issue 12; src/benchCacheHa.ts). */
    cacheFailover?: CacheHaBenchResult;
}

/** Run the live spec that brings the bed up and runs the real program's steps; returns its figure. */
function measureLiveBed(): BenchResult["liveBed"] {
    const root = path.resolve(STACKS_DIR, "..");
    const out = path.join(fs.mkdtempSync(path.join(require("os").tmpdir(), "gluu-bench-")), "live.json");
    execFileSync(
        path.join(root, "node_modules/.bin/mocha"),
        ["--no-config", "-r", "ts-node/register", "-r", "test/setup.ts", "--timeout", "240000", "test/live/program.live.spec.ts"],
        { cwd: root, env: { ...process.env, GLUU_BENCH_OUT: out }, stdio: ["ignore", "ignore", "inherit"] },
    );
    return JSON.parse(fs.readFileSync(out, "utf8"));
}

async function record(mocks: GluuMocks, raw: Record<string, string>): Promise<RecordedResource[]> {
    return recordProgram(mocks, (o) => gluuProgram(raw, o).cluster);
}

function median(values: number[]): number {
    const s = [...values].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
}

/** Measure everything; `base` is a droplet stack's raw config (its nodeCount is varied). */
export async function runBench(mocks: GluuMocks, base: Record<string, string>, opts: { runs?: number } = {}): Promise<BenchResult> {
    const runs = opts.runs ?? 5;
    const withNodes = (n: number) => ({ ...base, nodeCount: String(n) });

    const paths: CriticalPathFigure[] = [];
    let depth2 = 0;
    for (const n of [2, 4, 8, 16]) {
        const rs = await record(mocks, withNodes(n));
        const cp = criticalPath(rs);
        if (n === 2) depth2 = cp.length;
        const installs = cp.filter((s) => s.name.endsWith("-install")).length;
        paths.push({
            nodes: n,
            remoteSteps: rs.filter((r) => r.type === REMOTE_COMMAND).length,
            depth: cp.length,
            installsOnPath: installs,
            withinGoal: cp.length <= depth2 + (n - 2) && installs === 1,
        });
    }

    const evaluation: BenchResult["evaluation"] = [];
    for (const n of [2, 16]) {
        await record(mocks, withNodes(n)); // warm caches (keys, certificates) so runs compare like for like
        const times: number[] = [];
        for (let i = 0; i < runs; i++) {
            const t0 = process.hrtime.bigint();
            await record(mocks, withNodes(n));
            times.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
        evaluation.push({ nodes: n, medianMs: Math.round(median(times)), runs });
    }

    const a = await record(mocks, withNodes(3));
    const b = await record(mocks, withNodes(3));
    const same = diffPlans(a, b).filter((d) => d.action !== "same").length;
    const out = diffPlans(a, await record(mocks, withNodes(4)));
    return {
        machine: { node: process.version, cpus: require("os").cpus().length },
        criticalPath: paths,
        evaluation,
        evaluationRatio: Math.round((evaluation[1].medianMs / evaluation[0].medianMs) * 100) / 100,
        churn: {
            sameConfigChanged: same,
            scaleOutReplaced: out.filter((d) => d.action === "replace").length,
            scaleOutInstallsRerun: out.filter((d) => d.name.endsWith("-install") && d.action !== "same" && d.action !== "create").length,
            scaleOutCreated: out.filter((d) => d.action === "create").length,
            scaleOutUpdated: out.filter((d) => d.action === "update").length,
        },
    };
}

export function renderBench(r: BenchResult): string {
    const lines = [
        `Benchmarks (Node ${r.machine.node}, ${r.machine.cpus} CPUs)`,
        "",
        "Critical path (remote steps on the longest dependency chain); goal: depth(N) ≤ depth(2) + (N−2), one install",
        "| nodes | remote steps | depth | installs on path | within goal |",
        "|---|---|---|---|---|",
        ...r.criticalPath.map((c) => `| ${c.nodes} | ${c.remoteSteps} | ${c.depth} | ${c.installsOnPath} | ${c.withinGoal ? "yes" : "NO"} |`),
        "",
        "Program evaluation under mocks (median); goal: ratio ≤ 2.5, N = 16 under 3 s",
        "| nodes | median ms | runs |",
        "|---|---|---|",
        ...r.evaluation.map((e) => `| ${e.nodes} | ${e.medianMs} | ${e.runs} |`),
        `ratio 16/2: ${r.evaluationRatio}`,
        "",
        "Churn",
        `- same config twice: ${r.churn.sameConfigChanged} resources changed (goal 0)`,
        `- scale out 3 → 4: ${r.churn.scaleOutReplaced} replaced, ${r.churn.scaleOutInstallsRerun} installs re-run (goal 0 and 0); ${r.churn.scaleOutCreated} created, ${r.churn.scaleOutUpdated} updated`,
        "",
        r.liveBed
            ? `Live bed (${r.liveBed.hosts} hosts): up in ${r.liveBed.bedMs} ms; every non-Gluu step of the program (${r.liveBed.steps}) run ${r.liveBed.totalMs} ms after start (goal ≤ 60 s)`
            : "Live bed: run `npm run bench -- --live` as root to measure bring-up to all steps run",
    ];
    return lines.join("\n") + "\n";
}

async function main(): Promise<void> {
    const json = process.argv.includes("--json");
    const mocks = new GluuMocks();
    await pulumi.runtime.setMocks(mocks, "gluu", "bench", false);
    const base = stackFileConfig(path.join(STACKS_DIR, "Pulumi.prod.yaml"), mocks);
    const result = await runBench(mocks, base);
    if (process.argv.includes("--live")) {
        result.liveBed = measureLiveBed();
        result.loadFaults = await runLoadBench(mocks);
        const ha = await runNginxPairFailover(mocks, (s) => process.stderr.write(s + "\n"));
        result.nginxPair = { bedMs: ha.bedMs, stepsMs: ha.stepsMs, totalMs: ha.totalMs, initialMaster: ha.initialMaster, rows: ha.rows };
        result.cacheFailover = await runCacheHaBench(mocks, (s) => process.stderr.write(s + "\n"));
    }
    fs.writeFileSync("bench.json", JSON.stringify(result, null, 2) + "\n");
    process.stdout.write(
        json
            ? JSON.stringify(result) + "\n"
            : renderBench(result) +
                  (result.loadFaults ? "\n" + renderLoadBench(result.loadFaults) : "") +
                  (result.nginxPair ? "\n" + renderHaBench(result.nginxPair) : "") +
                  (result.cacheFailover ? "\n" + renderCacheHaBench(result.cacheFailover) : ""),
    );
}

if (require.main === module) {
    main().catch((err) => {
        console.error(err instanceof Error ? err.message : err);
        process.exit(1);
    });
}
