// The offline review tool for ANY Pulumi program that uses these components (`gluu-cluster plan`, src/cli.ts) and
// the file writer our own `npm run plan` (src/plan.ts) uses too: evaluate a program under Pulumi's mock runtime
// (src/mocks.ts), write every resource, every remote script, a summary, the firewall rules and the graph, and
// compare two configurations (src/diff.ts). No network, no credentials, no Pulumi CLI.
//
// Nothing here imports the repository's own program (src/program.ts, zod): the package's `bin` and the
// `gluu-cluster/testing` export need only the library's own dependencies (and, for graph.svg, the optional
// peer dependency @hpcc-js/wasm-graphviz).

import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { stepScript } from "../components/remoteStep";
import { diffPlans, renderDiff } from "./diff";
import { graphDot, renderSvg } from "./graph";
import { GluuMocks, mockEd25519, mockPassword } from "./mocks";
import { REMOTE_COMMAND, Recorder, RecordedResource, criticalPath, topologicalOrder } from "./record";
import { ProjectDeclaration, StackValue, applyProjectConfig, readProject, readStackFile, stackNameOf } from "./stackConfig";

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";

/**
 * The file that marks a folder as written by the plan. `--out` refuses a non-empty folder without it, and a
 * re-run deletes only the files this marker lists (those the previous plan wrote), so `--out .` or `--out ~`
 * can never delete anything of the user's.
 */
export const PLAN_MARKER = ".gluu-cluster-plan.json";

// --- addresses the mocks invent ------------------------------------------------------------------------------

/**
 * The addresses src/mocks.ts gives droplets (`addressFor`: public 203.0.113.10+, private 10.110.0.10+). They are
 * stand-ins: a real droplet's addresses are known only after `pulumi up`. Every plan output says so.
 */
export const MOCK_ADDRESS_RE = /\b(?:203\.0\.113|10\.110\.0)\.(?:1\d|[2-9]\d|1\d\d|2[0-4]\d|25[0-5])\b(?!\/)/g;
export const MOCK_ADDRESS_NOTE =
    "Addresses 203.0.113.x and 10.110.0.x (x ≥ 10) are invented by the offline plan's mocks for droplets; " +
    "the real addresses are known only after `pulumi up`.";

/** Whether a text holds an address the mocks invented. */
export function hasMockAddress(text: string): boolean {
    MOCK_ADDRESS_RE.lastIndex = 0;
    return MOCK_ADDRESS_RE.test(text);
}

/** RFC 5737 documentation ranges: the placeholders a shipped stack file carries, never a real admin network. */
const DOCUMENTATION_RANGES = [/^192\.0\.2\./, /^198\.51\.100\./, /^203\.0\.113\./];
export function isDocumentationAddress(cidr: string): boolean {
    return DOCUMENTATION_RANGES.some((r) => r.test(cidr.trim()));
}

// --- secrets -------------------------------------------------------------------------------------------------

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

/**
 * The plaintext the plan uses for a `secure:` stack value: derived from the key AND the ciphertext, so a value
 * re-encrypted with `pulumi config set --secret` (a rotated password) is a different stand-in and `--diff` shows
 * `[secret changed]`, while the same ciphertext twice compares equal. Registered with the mocks as a secret.
 */
export function secureStandIn(key: string, ciphertext: string, mocks: GluuMocks): string {
    const label = `config ${key}`;
    const salt = crypto.createHash("sha256").update(ciphertext).digest("hex").slice(0, 16);
    const value = /sshPrivateKey$|PrivateKey$/i.test(key) && !/Pem$/.test(key)
        ? mockEd25519(`${label} ${salt}`).privateKeyOpenssh
        : mockPassword(`${label} ${salt}`, { length: 24, special: false });
    mocks.addSecret(value, label);
    return value;
}

// --- the output folder ---------------------------------------------------------------------------------------

interface Marker {
    tool: "gluu-cluster plan";
    files: string[];
}

/**
 * Make `outDir` ready for a plan: create it, or accept it empty, or — when it holds the plan marker — delete
 * exactly the files the previous plan listed (and folders left empty by that). Refuses anything else.
 */
export function prepareOutDir(outDir: string): void {
    if (!fs.existsSync(outDir)) {
        fs.mkdirSync(outDir, { recursive: true });
        return;
    }
    if (!fs.statSync(outDir).isDirectory()) throw new Error(`--out ${outDir}: not a folder`);
    const entries = fs.readdirSync(outDir);
    if (entries.length === 0) return;
    const markerFile = path.join(outDir, PLAN_MARKER);
    if (!entries.includes(PLAN_MARKER)) {
        throw new Error(
            `--out ${outDir}: the folder is not empty and was not written by the plan (no ${PLAN_MARKER}); ` +
                "nothing was deleted. Give a new or empty folder, or one an earlier plan wrote.",
        );
    }
    let marker: Marker;
    try {
        marker = JSON.parse(fs.readFileSync(markerFile, "utf8"));
    } catch {
        throw new Error(`--out ${outDir}: ${PLAN_MARKER} is not the plan's marker; nothing was deleted`);
    }
    const root = path.resolve(outDir);
    const dirs = new Set<string>();
    for (const rel of Array.isArray(marker.files) ? marker.files : []) {
        const file = path.resolve(root, String(rel));
        // Only files inside the folder, never through a symbolic link the user put there.
        if (!file.startsWith(root + path.sep)) continue;
        try {
            if (fs.lstatSync(file).isFile()) fs.unlinkSync(file);
        } catch {
            continue;
        }
        for (let d = path.dirname(file); d.startsWith(root + path.sep); d = path.dirname(d)) dirs.add(d);
    }
    for (const d of [...dirs].sort((a, b) => b.length - a.length)) {
        try {
            if (fs.readdirSync(d).length === 0) fs.rmdirSync(d);
        } catch {
            // kept: it holds something the plan did not write
        }
    }
    fs.unlinkSync(markerFile);
}

/** Writes files into the plan folder and remembers them for the marker. */
export class PlanWriter {
    public readonly files: string[] = [];
    constructor(public readonly outDir: string) {
        prepareOutDir(outDir);
        this.flush();
    }
    public write(rel: string, text: string): void {
        const file = path.join(this.outDir, rel);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text, { mode: 0o644 });
        if (!this.files.includes(rel)) this.files.push(rel);
    }
    /** Rewrite the marker with every file written so far. */
    public flush(): void {
        const marker: Marker = { tool: "gluu-cluster plan", files: this.files };
        fs.writeFileSync(path.join(this.outDir, PLAN_MARKER), JSON.stringify(marker, null, 1) + "\n");
    }
}

// --- writing a plan ------------------------------------------------------------------------------------------

export interface PlanResult {
    resources: RecordedResource[];
    steps: Array<{ host: string; file: string; resource: RecordedResource }>;
    criticalPath: RecordedResource[];
    outDir: string;
    /** Warnings a reviewer must see (placeholder admin networks, …), also in summary.md and firewalls.md. */
    warnings: string[];
}

const FIREWALL = "digitalocean:index/firewall:Firewall";
const DROPLET = "digitalocean:index/droplet:Droplet";

function list(v: any): string {
    const a = unwrap(v);
    if (a === undefined || a === null) return "";
    return (Array.isArray(a) ? a : [a]).map((x) => String(unwrap(x))).join(", ");
}

/** The placeholder warnings for a recorded program: SSH (22) open only from documentation-range addresses. */
export function placeholderWarnings(resources: RecordedResource[]): string[] {
    const out: string[] = [];
    for (const fw of resources.filter((r) => r.type === FIREWALL)) {
        for (const rule of (unwrap(fw.inputs.inboundRules) ?? []) as any[]) {
            const r = unwrap(rule) ?? {};
            const sources = ((unwrap(r.sourceAddresses) ?? []) as any[]).map((s) => String(unwrap(s)));
            const docs = sources.filter(isDocumentationAddress);
            if (docs.length) {
                out.push(
                    `firewall ${fw.name} allows ${r.protocol ?? "?"} ${r.portRange ?? ""} from ${docs.join(", ")}: a documentation-range ` +
                        "placeholder (RFC 5737), not a real network. Replace it (gluu:adminCidrs) by the networks of the machine or CI " +
                        "runner that runs `pulumi up` and of your administrators, or every SSH step will time out.",
                );
            }
        }
    }
    return [...new Set(out)];
}

/** firewalls.md: every firewall rule a reviewer must approve, and the droplets they apply to. */
export function firewallsMarkdown(stack: string, resources: RecordedResource[], warnings: string[]): string {
    const lines = [`# Firewall rules of stack \`${stack}\``, ""];
    const firewalls = resources.filter((r) => r.type === FIREWALL);
    if (!firewalls.length) lines.push("The program registers no DigitalOcean firewall.", "");
    for (const w of warnings) lines.push(`> **warning:** ${w}`, "");
    for (const fw of firewalls) {
        const i = fw.inputs;
        lines.push(`## ${fw.name} (\`${unwrap(i.name) ?? fw.name}\`)`, "");
        lines.push(`Applies to droplets tagged: ${list(i.tags) || "(none)"}${list(i.dropletIds) ? `; droplet IDs: ${list(i.dropletIds)}` : ""}`, "");
        lines.push("| direction | protocol | ports | from / to addresses | from / to tags | other |", "|---|---|---|---|---|---|");
        for (const [dir, key, pre] of [["inbound", "inboundRules", "source"], ["outbound", "outboundRules", "destination"]] as const) {
            for (const rule of (unwrap(i[key]) ?? []) as any[]) {
                const r = unwrap(rule) ?? {};
                const other = [
                    list(r[`${pre}DropletIds`]) && `droplets ${list(r[`${pre}DropletIds`])}`,
                    list(r[`${pre}LoadBalancerUids`]) && `load balancers ${list(r[`${pre}LoadBalancerUids`])}`,
                    list(r[`${pre}KubernetesIds`]) && `kubernetes ${list(r[`${pre}KubernetesIds`])}`,
                ].filter(Boolean).join("; ");
                lines.push(`| ${dir} | ${unwrap(r.protocol) ?? ""} | ${unwrap(r.portRange) ?? "all"} | ${list(r[`${pre}Addresses`])} | ${list(r[`${pre}Tags`])} | ${other} |`);
            }
        }
        lines.push("");
    }
    const droplets = resources.filter((r) => r.type === DROPLET);
    if (droplets.length) {
        lines.push("## Droplets", "", "| droplet | size | image | region | tags | backups | monitoring |", "|---|---|---|---|---|---|---|");
        for (const d of droplets) {
            const i = d.inputs;
            lines.push(`| ${d.name} | ${unwrap(i.size) ?? ""} | ${unwrap(i.image) ?? ""} | ${unwrap(i.region) ?? ""} | ${list(i.tags)} | ${unwrap(i.backups) ?? false} | ${unwrap(i.monitoring) ?? false} |`);
        }
        lines.push("");
    }
    return lines.join("\n");
}

/** A step script as written to steps/: the script itself, a note first when it holds an invented address. */
function stepFileText(text: string): string {
    if (!hasMockAddress(text)) return text;
    const note = `# plan note: ${MOCK_ADDRESS_NOTE}\n`;
    const m = /^#![^\n]*\n/.exec(text);
    return m ? m[0] + note + text.slice(m[0].length) : note + text;
}

/** Write the plan of recorded resources into `outDir` (refusing a folder the plan did not write). */
export async function writePlanFiles(
    resources: RecordedResource[],
    opts: { stack: string; outDir: string; secrets: Map<string, string>; notes?: string[]; warnings?: string[] },
): Promise<PlanResult> {
    const { outDir, secrets } = opts;
    const w = new PlanWriter(outDir);
    const json = resources.map((r) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        parent: r.parent,
        dependsOn: r.dependsOn,
        inputs: redactValue(r.inputs, secrets),
    }));
    w.write("resources.json", JSON.stringify(json, null, 2) + "\n");

    const order = topologicalOrder(resources).filter((r) => r.type === REMOTE_COMMAND);
    const perHost = new Map<string, number>();
    const steps: PlanResult["steps"] = [];
    for (const r of order) {
        const host = r.host ?? "unknown-host";
        const n = (perHost.get(host) ?? 0) + 1;
        perHost.set(host, n);
        const base = `${String(n).padStart(2, "0")}-${r.name}`;
        const create = unwrap(r.inputs.create);
        // The script itself, without the bash wrapper the SSH command puts around it (components/remoteStep.ts).
        w.write(path.join("steps", host, `${base}.sh`), stepFileText(redact(stepScript(String(create ?? "")), secrets)));
        const del = unwrap(r.inputs.delete);
        if (del) w.write(path.join("steps", host, `${base}.delete.sh`), stepFileText(redact(stepScript(String(del)), secrets)));
        const stdin = unwrap(r.inputs.stdin);
        if (stdin) w.write(path.join("steps", host, `${base}.stdin`), redact(String(stdin), secrets));
        steps.push({ host, file: path.join("steps", host, `${base}.sh`), resource: r });
    }
    const critical = criticalPath(resources);
    const warnings = [...(opts.warnings ?? []), ...placeholderWarnings(resources)];
    const mockAddresses = hasMockAddress(JSON.stringify(json));
    w.write("summary.md", summary(opts.stack, resources, steps, critical, { warnings, notes: opts.notes ?? [], mockAddresses }));
    w.write("firewalls.md", firewallsMarkdown(opts.stack, resources, warnings));
    const dot = graphDot(resources, { stack: opts.stack, critical });
    w.write("graph.dot", dot);
    try {
        w.write("graph.svg", await renderSvg(dot));
    } catch (e) {
        if (!/Cannot find module|MODULE_NOT_FOUND/.test(String((e as Error)?.message ?? e))) throw e;
        warnings.push("graph.svg not written: install the optional peer dependency `@hpcc-js/wasm-graphviz` (graph.dot is written)");
    }
    w.flush();
    return { resources, steps, criticalPath: critical, outDir, warnings };
}

function summary(
    stack: string,
    resources: RecordedResource[],
    steps: PlanResult["steps"],
    critical: RecordedResource[],
    extra: { warnings: string[]; notes: string[]; mockAddresses: boolean },
): string {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const components = resources.filter((r) => !r.custom);
    const lines = [`# Plan for stack \`${stack}\``, "", `${resources.length} resources, ${steps.length} remote steps.`, ""];
    for (const w of extra.warnings) lines.push(`> **warning:** ${w}`, "");
    if (extra.mockAddresses) lines.push(`> **note:** ${MOCK_ADDRESS_NOTE} (in resources.json, steps/ and the .stdin files too)`, "");
    for (const n of extra.notes) lines.push(`> **note:** ${n}`, "");
    lines.push("Every firewall rule to approve, and the droplets' sizes and images: `firewalls.md`.", "", "## Resources per component", "");
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

/** The diff text, labelled when it shows addresses the mocks invented. */
export function diffText(before: RecordedResource[], after: RecordedResource[], opts: { secrets: Map<string, string>; before: string; after: string; full?: boolean }): string {
    const text = renderDiff(diffPlans(before, after), { secrets: opts.secrets, before: opts.before, after: opts.after, maxLines: opts.full ? Infinity : undefined });
    return hasMockAddress(text) ? `${text}\nnote: ${MOCK_ADDRESS_NOTE}\n` : text;
}

// --- any program ---------------------------------------------------------------------------------------------

/** An organisation's Pulumi project as the CLI finds it. */
export interface ProjectFiles {
    /** Pulumi.yaml (or .yml). */
    projectFile: string;
    project: ProjectDeclaration;
    /** Where stack files live: `stackConfigDir`, else the project's folder. */
    stacksDir: string;
    /** The program's entry file (`main`, else index.ts / index.js). */
    program: string;
}

/** Find Pulumi.yaml from `start` upwards, or take `projectFile`, and the program it names. */
export function findProject(opts: { projectFile?: string; start?: string; program?: string }): ProjectFiles {
    let projectFile = opts.projectFile ? path.resolve(opts.projectFile) : undefined;
    if (projectFile && fs.existsSync(projectFile) && fs.statSync(projectFile).isDirectory()) {
        projectFile = ["Pulumi.yaml", "Pulumi.yml"].map((f) => path.join(projectFile!, f)).find((f) => fs.existsSync(f));
    }
    for (let d = path.resolve(opts.start ?? process.cwd()); !projectFile; d = path.dirname(d)) {
        projectFile = ["Pulumi.yaml", "Pulumi.yml"].map((f) => path.join(d, f)).find((f) => fs.existsSync(f));
        if (path.dirname(d) === d) break;
    }
    if (!projectFile || !fs.existsSync(projectFile)) throw new Error("no Pulumi.yaml here or above; give --project <Pulumi.yaml>");
    const dir = path.dirname(projectFile);
    const doc = YAML.parse(fs.readFileSync(projectFile, "utf8")) ?? {};
    const project = readProject(projectFile);
    const stacksDir = path.resolve(dir, String(doc.stackConfigDir ?? "."));
    let program = opts.program ? path.resolve(opts.program) : path.resolve(dir, String(doc.main ?? "."));
    if (fs.existsSync(program) && fs.statSync(program).isDirectory()) {
        const found = ["index.ts", "index.js"].map((f) => path.join(program, f)).find((f) => fs.existsSync(f));
        if (!found) throw new Error(`no index.ts or index.js in ${program}; give --program <file>`);
        program = found;
    }
    if (!fs.existsSync(program)) throw new Error(`no program ${program}; give --program <file>`);
    return { projectFile, project, stacksDir, program };
}

/** `--stack` and `--diff`: a stack name (`<stacksDir>/Pulumi.<name>.yaml`) or a path to a stack file. */
export function stackFile(arg: string, stacksDir: string, flag = "--stack"): string {
    const named = path.join(stacksDir, `Pulumi.${arg}.yaml`);
    const looksLikePath = arg.includes("/") || arg.includes(path.sep) || /\.ya?ml$/.test(arg);
    if (!looksLikePath && fs.existsSync(named)) return named;
    if (looksLikePath && fs.existsSync(arg) && fs.statSync(arg).isFile()) return path.resolve(arg);
    throw new Error(`${flag} ${arg}: neither a stack (${path.relative(process.cwd(), named) || named}) nor a stack file`);
}

/**
 * A stack file's config as `pulumi up` hands it to the program (Pulumi.yaml's declarations and defaults with the
 * CLI's semantics, src/stackConfig.ts), `secure:` values as stand-ins (`secureStandIn`); `standIns` adds secret
 * keys the stack file leaves to `pulumi config set --secret`.
 */
export function loadProgramConfig(
    file: string,
    project: ProjectDeclaration,
    mocks: GluuMocks,
    opts: { stack?: string; standIns?: string[] } = {},
): { stack: string; config: Record<string, string>; secretKeys: string[] } {
    const stack = opts.stack ?? stackNameOf(file);
    const values: Map<string, StackValue> = readStackFile(file);
    for (const key of opts.standIns ?? []) {
        if (!values.has(key)) values.set(key, { text: "(set with pulumi config set --secret)", secure: true, object: false });
    }
    const decrypt = (key: string, ciphertext: string) => secureStandIn(key, ciphertext, mocks);
    const merged = applyProjectConfig(stack, project, values, decrypt);
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, v] of merged) {
        if (!v.secure) {
            config[key] = v.text;
            continue;
        }
        secretKeys.push(key);
        config[key] = v.object
            ? JSON.stringify(JSON.parse(v.text, (_k, x) => (x && typeof x === "object" && !Array.isArray(x) && Object.keys(x).length === 1 && typeof x.secure === "string" ? decrypt(key, x.secure) : x)))
            : decrypt(key, v.text);
    }
    return { stack, config, secretKeys };
}

let tsRegistered = false;
/** TypeScript programs run through the project's own ts-node (transpile only), as Pulumi runs them. */
function registerTypeScript(program: string): void {
    if (tsRegistered || !/\.[cm]?tsx?$/.test(program)) return;
    let tsNode: string;
    try {
        tsNode = require.resolve("ts-node", { paths: [path.dirname(program), process.cwd(), __dirname] });
    } catch {
        throw new Error(`${program} is TypeScript: install ts-node and typescript in its project (npm install -D ts-node typescript), or give the compiled .js`);
    }
    const tsconfig = path.join(path.dirname(program), "tsconfig.json");
    require(tsNode).register({ transpileOnly: true, project: fs.existsSync(tsconfig) ? tsconfig : undefined, compilerOptions: { module: "commonjs" } });
    tsRegistered = true;
}

/**
 * Run a program module under the installed mocks as the language host does (`runInPulumiStack`, the module's
 * exports as stack outputs, an exported function called) and record every resource, with explicit edges, through
 * a stack transformation. Modules of the program's own folder are loaded afresh each run.
 */
export async function recordModule(mocks: GluuMocks, program: string): Promise<RecordedResource[]> {
    registerTypeScript(program);
    const dir = path.dirname(program);
    for (const id of Object.keys(require.cache)) {
        if (id.startsWith(dir + path.sep) && !id.includes(`${path.sep}node_modules${path.sep}`)) delete require.cache[id];
    }
    mocks.reset();
    const recorder = new Recorder();
    await pulumi.runtime.runInPulumiStack(async () => {
        pulumi.runtime.registerStackTransformation(recorder.transformation);
        const mod = require(program);
        const main = mod && typeof mod.default === "function" ? mod.default : typeof mod === "function" ? mod : undefined;
        return main ? await main() : mod;
    });
    const stack = pulumi.runtime.getStackResource();
    if (!stack) throw new Error("the program ran without a root stack resource");
    return recorder.collect(mocks, stack);
}

/** Install the mocks for a project and stack and set the stack's config, as the CLI would before the program. */
export async function runWithConfig(
    mocks: GluuMocks,
    project: string,
    loaded: { stack: string; config: Record<string, string>; secretKeys: string[] },
    program: string,
): Promise<RecordedResource[]> {
    await pulumi.runtime.setMocks(mocks, project, loaded.stack, false, "organization");
    pulumi.runtime.setAllConfig(loaded.config, loaded.secretKeys);
    return recordModule(mocks, program);
}
