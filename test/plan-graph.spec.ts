// The plan's deployment graph (graph.dot, graph.svg) and `npm run plan -- --diff`: what a reviewer of a config
// change reads, computed the way `pulumi preview` decides create / update / replace / delete.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { diffPlans, renderDiff, ResourceDiff } from "../src/diff";
import { dotString, graphDot, renderSvg } from "../src/graph";
import { diffConfigFile, writePlan } from "../src/plan";
import { REMOTE_COMMAND, RecordedResource } from "../src/record";
import { STACKS_DIR, mocks, recordConfig, stackConfig } from "./helpers/program";

/** SVG text with XML character references decoded. */
function decode(svg: string): string {
    return svg
        .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
        .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(parseInt(n, 16)))
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&quot;/g, '"')
        .replace(/&apos;/g, "'")
        .replace(/&amp;/g, "&");
}

/** Graphviz's SVG groups: `<g id=… class="node|edge|cluster"><title>id</title>…</g>`, with their decoded texts. */
function groups(svg: string, kind: "node" | "edge" | "cluster") {
    const re = new RegExp(`<g id="[^"]*" class="${kind}">\\s*<title>([^<]*)</title>([\\s\\S]*?)</g>`, "g");
    return [...svg.matchAll(re)].map((m) => ({
        title: decode(m[1]),
        body: m[2],
        texts: [...m[2].matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((t) => decode(t[1])),
    }));
}

function resource(name: string, extra: Partial<RecordedResource> = {}): RecordedResource {
    return { urn: `urn:pulumi:test::gluu::x$${extra.type ?? REMOTE_COMMAND}::${name}`, type: REMOTE_COMMAND, name, dependsOn: [], inputs: {}, custom: true, index: 0, ...extra };
}

describe("npm run plan: graph.svg", () => {
    let out: string;
    let result: Awaited<ReturnType<typeof writePlan>>;
    let svg: string;
    before(async () => {
        out = fs.mkdtempSync(path.join(os.tmpdir(), "plan-graph-"));
        result = await writePlan({ stack: "dev", outDir: out, stacksDir: STACKS_DIR, mocks });
        svg = fs.readFileSync(path.join(out, "graph.svg"), "utf8");
    });
    after(() => fs.rmSync(out, { recursive: true, force: true }));

    it("writes graph.dot and a valid SVG next to the other plan files", () => {
        for (const f of ["resources.json", "summary.md", "graph.dot", "graph.svg"]) assert.ok(fs.existsSync(path.join(out, f)), f);
        assert.match(svg, /^(<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*)?<svg[\s>]/);
        assert.match(svg.trimEnd(), /<\/svg>$/);
        assert.match(fs.readFileSync(path.join(out, "graph.dot"), "utf8"), /^digraph plan \{/);
    });

    it("draws a box per host holding that host's steps", () => {
        const hosts = [...new Set(result.steps.map((s) => s.host))];
        for (const h of ["gluu-1", "gluu-2"]) assert.ok(hosts.includes(h), `the dev stack's node ${h} has steps`);
        const clusters = groups(svg, "cluster");
        const nodes = groups(svg, "node");
        for (const h of hosts) {
            assert.ok(clusters.some((c) => c.texts.includes(`host ${h}`)), `a box for host ${h}`);
            for (const s of result.steps.filter((x) => x.host === h)) {
                assert.ok(nodes.some((n) => n.texts.includes(s.resource.name)), `${s.resource.name} is drawn`);
            }
        }
        const dot = fs.readFileSync(path.join(out, "graph.dot"), "utf8");
        assert.strictEqual((dot.match(/subgraph cluster_/g) ?? []).length, hosts.length);
    });

    it("highlights every step on the critical path, and the edges between them, in red; nothing else", () => {
        assert.ok(result.criticalPath.length >= 4);
        const nodes = groups(svg, "node");
        const idOf = new Map<string, string>();
        for (const n of nodes) for (const t of n.texts) idOf.set(t, n.title);
        const critical = new Set(result.criticalPath.map((r) => r.name));
        for (const s of result.steps) {
            const n = nodes.find((x) => x.texts.includes(s.resource.name))!;
            assert.strictEqual(/stroke="red"/.test(n.body), critical.has(s.resource.name), `${s.resource.name}: red iff on the critical path`);
        }
        const edges = groups(svg, "edge");
        for (let i = 1; i < result.criticalPath.length; i++) {
            const title = `${idOf.get(result.criticalPath[i - 1].name)}->${idOf.get(result.criticalPath[i].name)}`;
            const e = edges.find((x) => x.title === title);
            assert.ok(e, `edge ${result.criticalPath[i - 1].name} → ${result.criticalPath[i].name}`);
            assert.match(e!.body, /stroke="red"/);
        }
        assert.strictEqual(edges.filter((e) => /stroke="red"/.test(e.body)).length, result.criticalPath.length - 1);
        assert.ok(decode(svg).includes(`critical path (bold red): ${result.criticalPath.length} steps`), "the title gives the path's length");
        assert.ok(decode(svg).includes("Stack dev"), "the title names the stack");
    });

    it("draws an edge for every dependsOn of every step (droplet → ready → base …), and no other solid edge", () => {
        const dot = fs.readFileSync(path.join(out, "graph.dot"), "utf8");
        const idOf = new Map<string, string>();
        for (const m of dot.matchAll(/^\s+(n\d+) \[label="([^"\\]*)(?:\\n[^"]*)?"/gm)) idOf.set(m[2], m[1]);
        const solid = new Set([...dot.matchAll(/^ {2}(n\d+) -> (n\d+)(?![\d]| \[style="dashed")/gm)].map((m) => `${m[1]}->${m[2]}`));
        const byUrn = new Map(result.resources.map((r) => [r.urn, r]));
        const expected = new Set<string>();
        for (const r of result.resources) {
            if (!idOf.has(r.name)) continue;
            for (const d of r.dependsOn) {
                const dep = byUrn.get(d)!;
                if (idOf.has(dep.name)) expected.add(`${idOf.get(dep.name)}->${idOf.get(r.name)}`);
            }
        }
        for (const step of result.resources.filter((r) => r.type === REMOTE_COMMAND)) {
            assert.ok(idOf.has(step.name), `${step.name} is drawn`);
            for (const d of step.dependsOn) assert.ok(idOf.has(byUrn.get(d)!.name), `${step.name} waits for ${byUrn.get(d)!.name}: drawn`);
        }
        assert.deepStrictEqual([...solid].sort(), [...expected].sort());
    });
});

describe("graph DOT escaping", () => {
    const hostile = [
        'quote"inside',
        "back\\slash",
        "trailing\\",
        "\\N\\G\\l escapes",
        'evil"]; n0 -> n1; x [label="',
        "<script>alert(1)</script> & --",
        "two\nlines",
        "tab\there",
    ];

    it("quotes and escapes every label so it shows literally", () => {
        assert.strictEqual(dotString('a"b\\c'), '"a\\"b\\\\c"');
        assert.strictEqual(dotString("x\ny"), '"x\\ny"');
        assert.strictEqual(dotString("trailing\\"), '"trailing\\\\"');
    });

    it("survives hostile resource and host names: as many nodes and edges as resources and dependsOn, names literal", async () => {
        const component = resource('comp"\\', { type: "gluu:index:Thing", custom: false, index: 0 });
        const steps = hostile.map((name, i) => resource(name, { host: i % 2 ? 'host"\\1' : "host--2 <b>", parent: component.urn, index: i + 1 }));
        for (let i = 1; i < steps.length; i++) steps[i].dependsOn = [steps[i - 1].urn];
        const all = [component, ...steps];
        const dot = graphDot(all, { stack: 'st"ack\\' });
        for (const name of hostile) assert.ok(dot.includes(dotString(name).slice(1, -1)), `label for ${JSON.stringify(name)} escaped`);
        const svg = await renderSvg(dot);
        const nodes = groups(svg, "node");
        assert.strictEqual(nodes.length, all.length, "no extra nodes from a name");
        assert.strictEqual(groups(svg, "edge").filter((e) => !/stroke-dasharray/.test(e.body)).length, steps.length - 1, "no extra edges from a name");
        const texts = nodes.flatMap((n) => n.texts);
        for (const name of hostile) {
            const shown = name.replace(/\t/g, " ").split("\n");
            for (const line of shown) assert.ok(texts.includes(line), `${JSON.stringify(line)} shown literally; have ${JSON.stringify(texts)}`);
        }
        const clusters = groups(svg, "cluster").flatMap((c) => c.texts);
        assert.ok(clusters.includes('host host"\\1') && clusters.includes("host host--2 <b>"), JSON.stringify(clusters));
        assert.ok(!svg.includes("<script>"), "markup in a name stays text");
        assert.ok(decode(svg).includes('Stack st"ack\\'), "the stack name in the title");
    });
});

describe("npm run plan -- --diff", () => {
    let dev: RecordedResource[];
    before(async () => {
        dev = await recordConfig(stackConfig("dev"));
    });

    const by = (d: ResourceDiff[], action: string) => d.filter((x) => x.action === action);

    it("the same config twice: every resource the same, nothing runs", async () => {
        const again = await recordConfig(stackConfig("dev"));
        const d = diffPlans(dev, again);
        assert.strictEqual(d.length, dev.length);
        assert.deepStrictEqual(d.filter((x) => x.action !== "same").map((x) => x.name), []);
        const text = renderDiff(d);
        assert.match(text, /0 changes\. 30 unchanged|0 changes\. \d+ unchanged/);
        assert.match(text, /Remote steps that will run:\n {4}none/);
    });

    it("gluu:nodeCount 2 → 3: creates the new node's resources, updates the fan-out steps, replaces nothing", async () => {
        const three = await recordConfig({ ...stackConfig("dev"), nodeCount: "3" });
        const d = diffPlans(dev, three);
        const created = by(d, "create");
        assert.ok(created.length >= 6, "the node, its key, droplet and steps");
        for (const c of created) assert.match(c.name, /^gluu-3(-|$)/, `${c.name} belongs to the new node`);
        assert.ok(created.some((c) => c.type === "digitalocean:index/droplet:Droplet"));
        assert.deepStrictEqual(by(d, "replace").map((x) => x.name), [], "nothing is replaced");
        assert.deepStrictEqual(by(d, "delete").map((x) => x.name), [], "nothing is deleted");
        const updated = by(d, "update");
        assert.ok(updated.length >= 2, "the existing nodes learn about the new one");
        for (const u of updated) {
            assert.strictEqual(u.type, REMOTE_COMMAND, `${u.name}: only fan-out steps change`);
            assert.ok(!u.name.endsWith("-install"), `${u.name}: no install re-runs`);
            assert.ok(!u.changedInputs.includes("triggers"), `${u.name}: no trigger change`);
        }
        for (const h of ["gluu-1", "gluu-2"]) assert.ok(updated.some((u) => u.host === h), `a step on ${h} updates`);
        const text = renderDiff(d);
        assert.match(text, new RegExp(`\\+ ${created.length} to create`));
        assert.match(text, /^ {4}on gluu-3:\n {6}\+ {2}gluu-3-ready {2}\(create: runs create\)$/m);
        assert.match(text, /^ {4}on gluu-1:\n( {6}.*\n)* {6}~ {2}gluu-1-hosts {2}\(update: runs create again\)$/m);
        assert.match(text, /^ {12}\+ \S+ gluu-3$/m, "the new /etc/hosts line is shown");
    });

    it("a droplet image change is ignored (ignoreChanges); a rebuilt droplet is replaced (and says what may re-run on it)", async () => {
        const other = await recordConfig({ ...stackConfig("dev"), dropletImage: "ubuntu-20-04-x64" });
        assert.deepStrictEqual(by(diffPlans(dev, other), "replace").map((x) => x.name), [], "the engine keeps the old image");
        // A droplet without the ignoreChanges list (MachineArgs.rebuild) is replaced with the new image.
        const rebuilt = other.map((r) => (r.type === "digitalocean:index/droplet:Droplet" ? { ...r, options: { ...r.options!, ignoreChanges: [] } } : r));
        const d = diffPlans(dev, rebuilt);
        const replaced = by(d, "replace");
        assert.deepStrictEqual(replaced.map((x) => x.name).sort(), ["gluu-1-droplet", "gluu-2-droplet"]);
        for (const r of replaced) assert.ok(r.changedInputs.includes("image"));
        const ready = d.find((x) => x.name === "gluu-1-ready")!;
        assert.deepStrictEqual(ready.afterReplaced, ["gluu-1-droplet"]);
        const text = renderDiff(d);
        assert.match(text, /\+- replace digitalocean:index\/droplet:Droplet\s+gluu-1-droplet {2}\[image\]/);
        assert.match(text, /image: "ubuntu-22-04-x64" → "ubuntu-20-04-x64" \(forces replacement\)/);
        assert.match(text, /\+-2 to replace/);
        assert.match(text, /Likely to re-run as well[^\n]*\n {4}on gluu-1:\n {9}gluu-1-ready {2}\(after gluu-1-droplet\)$/m);
    });

    it("monitoring is ForceNew on droplets (resource_droplet.go); the droplets ignore it unless rebuilt", () => {
        const droplet = dev.find((r) => r.type === "digitalocean:index/droplet:Droplet")!;
        const toggled = { ...droplet, inputs: { ...droplet.inputs, monitoring: !droplet.inputs.monitoring } };
        assert.strictEqual(diffPlans([droplet], [toggled])[0].action, "same");
        const rebuilt = { ...toggled, options: { ...toggled.options!, ignoreChanges: [] } };
        const d = diffPlans([droplet], [rebuilt])[0];
        assert.strictEqual(d.action, "replace");
        assert.deepStrictEqual(d.changes.map((c) => [c.input, c.replaces]), [["monitoring", true]]);
    });

    it("ignoreChanges paths follow the engine: nested keys reset, absent old values removed, replaceOnChanges replaces", () => {
        const step = dev.find((r) => r.name === "gluu-1-base")!;
        const base = { ...step, inputs: { create: "a", connection: { host: "h1", port: 22 } }, options: { ...step.options!, ignoreChanges: ["connection.host", "delete"] } };
        const next = { ...base, inputs: { create: "a", delete: "rm -rf x", connection: { host: "h2", port: 22 } } };
        const d = diffPlans([base], [next])[0];
        assert.strictEqual(d.action, "same");
        assert.deepStrictEqual(d.inputs, { create: "a", connection: { host: "h1", port: 22 } });
        assert.deepStrictEqual(d.ignoredChanges?.sort(), ["connection", "delete"]);
        const roc = { ...next, options: { ...next.options, ignoreChanges: [], replaceOnChanges: ["create"] }, inputs: { ...next.inputs, create: "b" } };
        assert.strictEqual(diffPlans([base], [roc])[0].action, "replace");
    });

    it("a droplet size change is an in-place update (a resize), a trigger change a replace", async () => {
        const bigger = await recordConfig({ ...stackConfig("dev"), dropletSize: "s-8vcpu-16gb" });
        const d = diffPlans(dev, bigger);
        assert.deepStrictEqual(by(d, "update").map((x) => x.name).sort(), ["gluu-1-droplet", "gluu-2-droplet"]);
        const step = dev.find((r) => r.name === "gluu-1-base")!;
        const touched = { ...step, inputs: { ...step.inputs, triggers: ["v2"] } };
        const t = diffPlans([step], [touched]);
        assert.strictEqual(t[0].action, "replace");
        const edited = { ...step, inputs: { ...step.inputs, create: "echo other" } };
        assert.strictEqual(diffPlans([step], [edited])[0].action, "update", "a changed script re-runs, it does not replace");
    });

    it("a secret change is reported without its value", async () => {
        const oldPw = "OldLdapPassw0rd42";
        const newPw = "NewLdapPassw0rd77";
        const a = await recordConfig({ ...stackConfig("dev"), ldapPassword: oldPw });
        const b = await recordConfig({ ...stackConfig("dev"), ldapPassword: newPw });
        const d = diffPlans(a, b);
        const install = d.find((x) => x.name === "gluu-1-install")!;
        assert.strictEqual(install.action, "update");
        assert.ok(install.changedInputs.includes("stdin"));
        for (const text of [renderDiff(d), renderDiff(d, { secrets: mocks.secrets })]) {
            assert.ok(!text.includes(oldPw) && !text.includes(newPw), "no secret value printed");
            assert.match(text, /stdin: \[secret changed\]/);
        }
    });

    it("takes a stack name or a config file, and writes diff.txt from the CLI", function () {
        this.timeout(120000);
        assert.strictEqual(diffConfigFile("prod", STACKS_DIR), path.join(STACKS_DIR, "Pulumi.prod.yaml"));
        assert.throws(() => diffConfigFile("no-such-stack", STACKS_DIR), /neither a stack/);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-"));
        try {
            const doc = YAML.parse(fs.readFileSync(path.join(STACKS_DIR, "Pulumi.dev.yaml"), "utf8"));
            doc.config["gluu:nodeCount"] = 3;
            const file = path.join(dir, "three-nodes.yaml");
            fs.writeFileSync(file, YAML.stringify(doc));
            const root = path.resolve(__dirname, "..");
            const stdout = execFileSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "src/plan.ts", "--diff", file, "--out", path.join(dir, "plan"), "--full"], { cwd: root, encoding: "utf8" });
            const diff = fs.readFileSync(path.join(dir, "plan", "diff.txt"), "utf8");
            assert.ok(stdout.includes(diff), "the diff is printed");
            // From 3 nodes (the baseline file) to the dev stack's 2: the third node goes.
            assert.match(diff, /^ {2}- {2}delete {2}command:remote:Command\s+gluu-3-install$/m);
            assert.match(diff, /- \d+ to delete/);
            assert.ok(fs.existsSync(path.join(dir, "plan", "graph.svg")));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
