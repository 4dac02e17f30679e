// The plan's deployment graph as Graphviz DOT (pure) and as SVG (Graphviz compiled to WebAssembly, no system
// Graphviz). What is drawn, and why:
// - nodes: every component (folder shape, outside the host boxes), every remote step (rounded box, inside the
//   box of the host it runs on: `subgraph cluster_<host>`), and those other resources that something drawn
//   waits for through an explicit `dependsOn` (droplets today). Passwords, keys, inums, VPC, tags and the
//   firewall flow into the steps as values, not as explicit edges: drawing them would add a dozen unconnected
//   boxes, so the title counts them instead. Such a waited-for resource sits in a host's box when every step
//   that waits for it runs on that host (a droplet and its steps).
// - edges: `A → B` means B waits for A (explicit `dependsOn`). A `dependsOn` on a component means "all of its
//   children"; it is drawn collapsed, as one edge from the component, labelled `all of`. Dashed grey lines
//   without arrow heads link a component to those of its drawn children nothing else leads to (ownership).
//   A component and the steps it owns (nearest component ancestor) share a fill colour, so a service spread
//   over several hosts (replication, csync2, the cache tunnels) reads as one colour without more lines.
// - the critical path (src/record.ts `criticalPath`): its steps and the edges between consecutive ones in bold
//   red; the title names the stack and the path's length.
// Every name is written as a quoted DOT string with `"` and `\` escaped (names come from config); node and
// cluster ids are generated, so no name ever becomes DOT syntax or an SVG comment.

import * as path from "path";
import { pathToFileURL } from "url";
import { REMOTE_COMMAND, RecordedResource, criticalPath } from "./record";

export interface GraphOptions {
    /** The stack's name, for the title. */
    stack: string;
    /** The critical path, when already computed (default: `criticalPath(resources)`). */
    critical?: RecordedResource[];
}

/** One line of text as the inside of a DOT quoted string: `\` and `"` escaped, control characters dropped. */
function escapeLine(s: string): string {
    return s
        .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "")
        .replace(/\t/g, " ")
        .replace(/\\/g, "\\\\")
        .replace(/"/g, '\\"');
}

/**
 * A DOT quoted string showing `text` literally. Backslashes are doubled (Graphviz reads `\N`, `\G`, `\l`, `\n`
 * in labels), quotes escaped, line breaks become centred `\n` breaks.
 */
export function dotString(text: string): string {
    return '"' + String(text).split(/\r\n|\r|\n/).map(escapeLine).join("\\n") + '"';
}

/** A DOT quoted string of several lines, centred, or left-justified (each line ends in `\l`). */
function dotLines(lines: string[], left = false): Quoted {
    if (!left) return { quoted: dotString(lines.join("\n")) };
    return { quoted: '"' + lines.flatMap((l) => l.split(/\r\n|\r|\n/)).map((l) => escapeLine(l) + "\\l").join("") + '"' };
}

/** `digitalocean:index/droplet:Droplet` → `Droplet`, `gluu:index:GluuNode` → `GluuNode`. */
export function shortType(type: string): string {
    return type.split(":").pop() || type;
}

/** DOT text already quoted and escaped (labels of several lines). */
interface Quoted {
    quoted: string;
}
type AttrValue = string | number | Quoted | undefined;

function attrs(a: Record<string, AttrValue>): string {
    const parts = Object.entries(a)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${typeof v === "number" ? v : typeof v === "string" ? dotString(v) : v!.quoted}`);
    return parts.length ? ` [${parts.join(", ")}]` : "";
}

/** Pastel fills, one per component that owns drawn steps (cycled). */
const PALETTE = ["#dbeafe", "#dcfce7", "#fef3c7", "#fde2e4", "#ede9fe", "#ffedd5", "#cffafe", "#e0e7ff", "#fce7f3", "#ecfccb", "#f3e8ff", "#e7e5e4"];

/** The resources the graph draws (see the file comment), in declaration order. */
export function shownResources(resources: RecordedResource[]): RecordedResource[] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const shown = new Set(resources.filter((r) => !r.custom || r.type === REMOTE_COMMAND).map((r) => r.urn));
    // Close over explicit edges: whatever a drawn resource waits for is drawn too.
    let grew = true;
    while (grew) {
        grew = false;
        for (const r of resources) {
            if (!shown.has(r.urn)) continue;
            for (const d of r.dependsOn) {
                if (byUrn.has(d) && !shown.has(d)) {
                    shown.add(d);
                    grew = true;
                }
            }
        }
    }
    return resources.filter((r) => shown.has(r.urn));
}

/** The Graphviz DOT text of the plan's deployment graph. Pure: same resources, same text. */
export function graphDot(resources: RecordedResource[], opts: GraphOptions): string {
    const critical = opts.critical ?? criticalPath(resources);
    const shown = shownResources(resources);
    const shownUrns = new Set(shown.map((r) => r.urn));
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const id = new Map(shown.map((r, i) => [r.urn, `n${i}`]));
    const onPath = new Set(critical.map((r) => r.urn));
    const pathEdges = new Set<string>();
    for (let i = 1; i < critical.length; i++) pathEdges.add(`${critical[i - 1].urn}\u0000${critical[i].urn}`);

    // Which host box each drawn resource goes in.
    const hostOf = new Map<string, string>();
    for (const r of shown) {
        if (r.type === REMOTE_COMMAND && r.host) hostOf.set(r.urn, r.host);
    }
    for (const r of shown) {
        if (!r.custom || r.type === REMOTE_COMMAND) continue;
        const waiting = shown.filter((x) => x.dependsOn.includes(r.urn));
        const hosts = new Set(waiting.map((x) => hostOf.get(x.urn)));
        if (waiting.length > 0 && hosts.size === 1 && [...hosts][0] !== undefined) hostOf.set(r.urn, [...hosts][0]!);
    }
    // Fill colours: each component owning drawn resources (the root excepted) gets one; its resources share it.
    const owner = (r: RecordedResource): string | undefined => {
        for (let p = r.parent; p; p = byUrn.get(p)?.parent) {
            if (byUrn.get(p) && !byUrn.get(p)!.custom) return p;
        }
        return undefined;
    };
    const fill = new Map<string, string>();
    for (const r of shown) {
        const o = r.custom ? owner(r) : undefined;
        if (o && byUrn.get(o)!.parent && !fill.has(o)) fill.set(o, PALETTE[fill.size % PALETTE.length]);
    }
    const fillOf = (r: RecordedResource): string | undefined => (r.custom ? fill.get(owner(r) ?? "") : fill.get(r.urn));

    const hosts: string[] = [];
    for (const r of shown) {
        const h = hostOf.get(r.urn);
        if (h !== undefined && !hosts.includes(h)) hosts.push(h);
    }

    const steps = resources.filter((r) => r.type === REMOTE_COMMAND);
    const stepHosts = new Set(steps.map((r) => r.host ?? "?"));
    const hiddenTypes = new Map<string, number>();
    for (const r of resources) {
        if (!shownUrns.has(r.urn)) hiddenTypes.set(shortType(r.type), (hiddenTypes.get(shortType(r.type)) ?? 0) + 1);
    }
    const hidden = [...hiddenTypes].map(([t, n]) => `${n} ${t}`).join(", ");
    const title = [
        `Stack ${opts.stack}: ${resources.length} resources, ${steps.length} remote steps on ${stepHosts.size} hosts`,
        `critical path (bold red): ${critical.length} steps` + (critical.length ? ` — ${critical.map((r) => r.name).join(" → ")}` : ""),
        "A → B: B waits for A (explicit dependsOn).  Folder: component; dashed: owns; a step has its component's colour.  Rounded box: remote step; grey boxes: hosts.",
    ];
    if (hidden) title.push(`Not drawn (nothing waits for them explicitly; their values flow into the steps): ${hidden}.`);

    const node = (r: RecordedResource, indent: string): string => {
        const hot = onPath.has(r.urn);
        const parent = r.parent ? byUrn.get(r.parent)?.name : undefined;
        const tooltip = `${r.type} ${r.name}` + (parent ? ` (in ${parent})` : "") + (r.host ? ` on ${r.host}` : "");
        const common = { tooltip, color: hot ? "red" : undefined, fontcolor: hot ? "red" : undefined, penwidth: hot ? 2.5 : undefined };
        if (!r.custom) {
            return `${indent}${id.get(r.urn)}${attrs({ label: dotLines([r.name, shortType(r.type)]), shape: "folder", style: "filled", fillcolor: fillOf(r) ?? "white", ...common })};`;
        }
        if (r.type === REMOTE_COMMAND) {
            return `${indent}${id.get(r.urn)}${attrs({ label: r.name, shape: "box", style: hot ? "rounded,filled,bold" : "rounded,filled", fillcolor: fillOf(r) ?? "white", ...common })};`;
        }
        return `${indent}${id.get(r.urn)}${attrs({ label: dotLines([r.name, shortType(r.type)]), shape: "box3d", color: hot ? "red" : "grey40", fontcolor: hot ? "red" : "grey25", tooltip })};`;
    };

    const out: string[] = [];
    out.push("digraph plan {");
    out.push(`  graph${attrs({ rankdir: "LR", labelloc: "t", labeljust: "l", fontname: "Helvetica", fontsize: 12, nodesep: 0.25, ranksep: 0.45, label: dotLines(title, true) })};`);
    out.push(`  node${attrs({ fontname: "Helvetica", fontsize: 11 })};`);
    out.push(`  edge${attrs({ color: "grey30", arrowsize: 0.7 })};`);
    const usedClusterIds = new Set<string>();
    hosts.forEach((h, i) => {
        let cid = `cluster_${h.replace(/[^A-Za-z0-9_]/g, "_")}`;
        if (usedClusterIds.has(cid)) cid = `${cid}_${i}`;
        usedClusterIds.add(cid);
        out.push(`  subgraph ${cid} {`);
        out.push(`    graph${attrs({ label: `host ${h}`, style: "rounded,filled", fillcolor: "#f6f6f6", color: "grey60", fontsize: 11 })};`);
        for (const r of shown) {
            if (hostOf.get(r.urn) === h) out.push(node(r, "    "));
        }
        out.push("  }");
    });
    for (const r of shown) {
        if (!hostOf.has(r.urn)) out.push(node(r, "  "));
    }

    // Explicit edges between drawn resources (a component stands for all of its children).
    const incoming = new Set<string>();
    for (const r of shown) {
        for (const d of r.dependsOn) {
            if (!shownUrns.has(d)) continue;
            incoming.add(r.urn);
            const dep = byUrn.get(d)!;
            const hot = pathEdges.has(`${d}\u0000${r.urn}`);
            const a: Record<string, AttrValue> = hot ? { color: "red", penwidth: 2.5, style: "bold" } : {};
            if (!dep.custom) {
                a.label = "all of";
                a.fontsize = 9;
            }
            out.push(`  ${id.get(d)} -> ${id.get(r.urn)}${attrs(a)};`);
        }
    }
    // Ownership: a component to its drawn children that no edge leads to.
    for (const r of shown) {
        if (!r.parent || !shownUrns.has(r.parent) || incoming.has(r.urn)) continue;
        out.push(`  ${id.get(r.parent)} -> ${id.get(r.urn)}${attrs({ style: "dashed", color: "grey60", arrowhead: "none" })};`);
    }
    out.push("}");
    return out.join("\n") + "\n";
}

// --- rendering: @hpcc-js/wasm-graphviz is an ES module; this project compiles to CommonJS, where TypeScript
// would turn `import()` into `require()`. A dynamic import built at run time stays a real `import()`, and the
// package is located with require.resolve so it works from any working directory.

interface GraphvizWasm {
    dot(dotSource: string, outputFormat?: string): string;
    version(): string;
}

let graphviz: Promise<GraphvizWasm> | undefined;
const importEsm = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<any>;

function loadGraphviz(): Promise<GraphvizWasm> {
    if (!graphviz) {
        const entry = require.resolve("@hpcc-js/wasm-graphviz");
        graphviz = importEsm(pathToFileURL(path.resolve(entry)).href).then((m) => m.Graphviz.load());
        graphviz.catch(() => (graphviz = undefined));
    }
    return graphviz;
}

/** Lay out DOT text with Graphviz's `dot` engine (WebAssembly, loaded once per process) and return the SVG. */
export async function renderSvg(dot: string): Promise<string> {
    const g = await loadGraphviz();
    return g.dot(dot, "svg");
}
