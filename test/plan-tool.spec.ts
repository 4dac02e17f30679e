// The review tool as an organisation uses it (`gluu-cluster plan`, src/cli.ts and src/planTool.ts): it never
// deletes what it did not write, takes stack files by path, sees a rotated `secure:` value, labels the addresses
// the mocks invent, lists every firewall rule, shows long hunks whole on request, and runs any program.
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { diffPlans } from "../src/diff";
import { writePlan } from "../src/plan";
import { MOCK_ADDRESS_NOTE, PLAN_MARKER, diffText, prepareOutDir, stackFile } from "../src/planTool";
import { parsePlanArgs } from "../src/cli";
import { STACKS_DIR, mocks, recordConfig } from "./helpers/program";
import { stackFileConfig } from "../src/plan";

const ROOT = path.resolve(__dirname, "..");
const TS_NODE = require.resolve("ts-node/dist/bin.js");

function tmp(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A copy of a shipped stack file with some config changed, in `dir`, named Pulumi.<name>.yaml. */
function variant(dir: string, from: string, name: string, change: Record<string, unknown>): string {
    const doc = YAML.parse(fs.readFileSync(path.join(STACKS_DIR, `Pulumi.${from}.yaml`), "utf8"));
    Object.assign(doc.config, change);
    const file = path.join(dir, `Pulumi.${name}.yaml`);
    fs.writeFileSync(file, YAML.stringify(doc));
    return file;
}

describe("gluu-cluster plan: --out never deletes what the plan did not write", () => {
    let dir: string;
    beforeEach(() => (dir = tmp("plan-out-")));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("refuses a non-empty folder without the plan's marker, and deletes nothing", async () => {
        fs.writeFileSync(path.join(dir, "notes.txt"), "important\n");
        fs.mkdirSync(path.join(dir, "sub"));
        fs.writeFileSync(path.join(dir, "sub", "y"), "x");
        await assert.rejects(writePlan({ stack: "dev", outDir: dir, stacksDir: STACKS_DIR, mocks }), /not empty and was not written by the plan.*nothing was deleted/s);
        assert.deepStrictEqual(fs.readdirSync(dir).sort(), ["notes.txt", "sub"]);
        assert.throws(() => prepareOutDir(ROOT), /not written by the plan/, "`--out .` in the repository is refused");
    });

    it("writes into a new or empty folder, and a re-run replaces only the files the plan listed", async () => {
        const out = path.join(dir, "plan");
        await writePlan({ stack: "dev", outDir: out, stacksDir: STACKS_DIR, mocks });
        const marker = JSON.parse(fs.readFileSync(path.join(out, PLAN_MARKER), "utf8"));
        for (const f of ["resources.json", "summary.md", "firewalls.md", "graph.dot", "graph.svg"]) assert.ok(marker.files.includes(f), f);
        fs.writeFileSync(path.join(out, "my-review-notes.md"), "keep me\n");
        fs.writeFileSync(path.join(out, "steps", "gluu-1", "mine.txt"), "keep me too\n");
        fs.writeFileSync(path.join(out, "steps", "gluu-1", "99-stale.sh"), "not listed\n");
        await writePlan({ stack: "byo", outDir: out, stacksDir: STACKS_DIR, mocks });
        assert.strictEqual(fs.readFileSync(path.join(out, "my-review-notes.md"), "utf8"), "keep me\n");
        assert.ok(fs.existsSync(path.join(out, "steps", "gluu-1", "mine.txt")));
        assert.ok(fs.existsSync(path.join(out, "steps", "gluu-1", "99-stale.sh")), "a file the marker does not list stays");
        assert.ok(!fs.existsSync(path.join(out, "steps", "gluu-lb")) || fs.readdirSync(path.join(out, "steps", "gluu-lb")).length > 0);
        assert.match(fs.readFileSync(path.join(out, "summary.md"), "utf8"), /# Plan for stack `byo`/);
    });

    it("a flag's value may not be another flag (`--stack --out x`)", () => {
        assert.throws(() => parsePlanArgs(["--stack", "--out", "x"]), /--stack needs a value/);
        assert.deepStrictEqual(parsePlanArgs(["--stack", "a/Pulumi.b.yaml", "--full"]).full, true);
    });
});

describe("gluu-cluster plan: stacks by name or path, and the two day-2 diffs of the review", () => {
    let dir: string;
    before(() => (dir = tmp("plan-stacks-")));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("--stack accepts a path to a stack file (and names the stack after it)", async () => {
        const file = variant(dir, "dev", "mine", {});
        assert.strictEqual(stackFile(file, STACKS_DIR), file);
        assert.strictEqual(stackFile("prod", STACKS_DIR), path.join(STACKS_DIR, "Pulumi.prod.yaml"));
        assert.throws(() => stackFile("nope", STACKS_DIR), /neither a stack/);
        const out = path.join(dir, "plan-mine");
        await writePlan({ stack: file, outDir: out, stacksDir: STACKS_DIR, mocks });
        assert.match(fs.readFileSync(path.join(out, "summary.md"), "utf8"), /# Plan for stack `mine`/);
    });

    it("rotating a Redis password that was already set (a new `secure:` ciphertext) updates every step that uses it", async () => {
        // Failed before: the stand-in was derived from the key's name only, so two ciphertexts compared equal.
        const one = variant(dir, "dev", "redis1", { "gluu:redisPassword": { secure: "AAABAMZ9first" } });
        const two = variant(dir, "dev", "redis2", { "gluu:redisPassword": { secure: "AAABAQ7ysecond" } });
        const a = await recordConfig(stackFileConfig(one, mocks));
        const again = await recordConfig(stackFileConfig(one, mocks));
        assert.deepStrictEqual(diffPlans(a, again).filter((d) => d.action !== "same").map((d) => d.name), [], "the same ciphertext twice: no change");
        const b = await recordConfig(stackFileConfig(two, mocks));
        const d = diffPlans(a, b);
        const updated = d.filter((x) => x.action === "update");
        assert.ok(updated.length >= 4, `steps update: ${updated.map((x) => x.name).join(", ")}`);
        assert.ok(updated.some((u) => u.changes.some((c) => c.input === "stdin" && c.secret)), "a step gets the new password on stdin");
        for (const h of ["gluu-cache", "gluu-1", "gluu-2"]) assert.ok(updated.some((u) => u.host === h), `a step on ${h} runs`);
        const text = diffText(a, b, { secrets: mocks.secrets, before: "redis1", after: "redis2" });
        assert.match(text, /\[secret changed\]/);
        assert.doesNotMatch(text, /0 changes\./);
    });

    it("a newer droplet image in a stack file replaces nothing (the droplets' ignoreChanges), as README Day-2 says", async () => {
        const image = variant(dir, "dev", "image", { "gluu:dropletImage": "ubuntu-20-04-x64" });
        const before = await recordConfig(stackFileConfig(path.join(STACKS_DIR, "Pulumi.dev.yaml"), mocks));
        const after = await recordConfig(stackFileConfig(image, mocks));
        const d = diffPlans(before, after);
        assert.deepStrictEqual(d.filter((x) => x.action === "replace").map((x) => x.name), []);
        assert.ok(d.filter((x) => x.type === "digitalocean:index/droplet:Droplet").every((x) => x.action === "same"));
        assert.ok(d.some((x) => x.ignoredChanges?.includes("image")), "the ignored image is reported");
        assert.doesNotMatch(diffText(before, after, { secrets: mocks.secrets, before: "dev", after: "image" }), /Likely to re-run/);
    });
});

describe("gluu-cluster plan: what a reviewer must see", () => {
    let out: string;
    let dir: string;
    before(async () => {
        dir = tmp("plan-review-");
        out = path.join(dir, "plan");
        await writePlan({ stack: "dev", outDir: out, stacksDir: STACKS_DIR, mocks });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("labels the addresses the mocks invent in summary.md, in every step script holding one, and in the diff", async () => {
        assert.ok(fs.readFileSync(path.join(out, "summary.md"), "utf8").includes(MOCK_ADDRESS_NOTE));
        const hosts = fs.readFileSync(path.join(out, "steps", "gluu-1", fs.readdirSync(path.join(out, "steps", "gluu-1")).find((f) => f.endsWith("-gluu-1-hosts.sh"))!), "utf8");
        assert.match(hosts, /203\.0\.113\.1\d|10\.110\.0\.1\d/);
        assert.ok(hosts.includes(`# plan note: ${MOCK_ADDRESS_NOTE}`));
        const dev = await recordConfig(stackFileConfig(path.join(STACKS_DIR, "Pulumi.dev.yaml"), mocks));
        const three = await recordConfig({ ...stackFileConfig(path.join(STACKS_DIR, "Pulumi.dev.yaml"), mocks), nodeCount: "3" });
        assert.ok(diffText(dev, three, { secrets: mocks.secrets, before: "dev", after: "three" }).includes(`note: ${MOCK_ADDRESS_NOTE}`));
    });

    it("firewalls.md lists every rule of every firewall, and the droplets' sizes and images", () => {
        const md = fs.readFileSync(path.join(out, "firewalls.md"), "utf8");
        const json = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8"));
        const firewalls = json.filter((r: any) => r.type === "digitalocean:index/firewall:Firewall");
        assert.strictEqual(firewalls.length, 3);
        const rules = firewalls.reduce((n: number, f: any) => n + (f.inputs.inboundRules?.length ?? 0) + (f.inputs.outboundRules?.length ?? 0), 0);
        assert.strictEqual((md.match(/^\| (inbound|outbound) \|/gm) ?? []).length, rules);
        assert.match(md, /\| inbound \| tcp \| 22 \| 203\.0\.113\.0\/24 \|/);
        assert.match(md, /\| gluu-1-droplet \| s-4vcpu-8gb \| ubuntu-22-04-x64 \| fra1 \|/);
    });

    it("warns when the shipped placeholder adminCidrs are still in place", () => {
        for (const f of ["summary.md", "firewalls.md"]) {
            assert.match(fs.readFileSync(path.join(out, f), "utf8"), /warning:\*\* gluu:adminCidrs still holds the shipped placeholder 203\.0\.113\.0\/24/);
        }
    });

    it("shows long hunks whole with --full (diff.txt always)", async () => {
        const dev = await recordConfig(stackFileConfig(path.join(STACKS_DIR, "Pulumi.dev.yaml"), mocks));
        const other = await recordConfig({ ...stackFileConfig(path.join(STACKS_DIR, "Pulumi.dev.yaml"), mocks), hostname: "idp-other.example.org" });
        const args = { secrets: mocks.secrets, before: "dev", after: "other" };
        assert.match(diffText(dev, other, args), /… \d+ more/);
        assert.doesNotMatch(diffText(dev, other, { ...args, full: true }), /… \d+ more/);
    });
});

describe("gluu-cluster plan on an organisation's own program", function () {
    this.timeout(180000);
    let proj: string;
    before(() => {
        // Inside the repository so that the program resolves @pulumi/* from its node_modules, as an org's would.
        proj = fs.mkdtempSync(path.join(ROOT, ".tmp-org-"));
        fs.writeFileSync(path.join(proj, "Pulumi.yaml"), "name: idp\nruntime: nodejs\nmain: index.ts\nconfig:\n  idp:hostname:\n    type: string\n    default: idp.example.org\n");
        fs.mkdirSync(path.join(proj, "stacks"));
        fs.writeFileSync(path.join(proj, "stacks", "Pulumi.dev.yaml"), "config:\n  idp:nodes: \"2\"\n  idp:repoPassword:\n    secure: AAABAMZ9one\n");
        fs.writeFileSync(path.join(proj, "Pulumi.rotated.yaml"), "config:\n  idp:nodes: \"2\"\n  idp:repoPassword:\n    secure: AAABAQ7ytwo\n");
        fs.writeFileSync(
            path.join(proj, "index.ts"),
            [
                'import * as pulumi from "@pulumi/pulumi";',
                'import { GluuCluster } from "../components";',
                "const cfg = new pulumi.Config();",
                'const cluster = new GluuCluster("gluu", {',
                '    hostname: cfg.require("hostname"), version: "4.5",',
                '    orgName: "Example Inc.", city: "Austin", state: "TX", countryCode: "US", adminEmail: "admin@example.org",',
                '    nodeCount: Number(cfg.require("nodes")), region: "fra1", dropletImage: "ubuntu-22-04-x64",',
                '    adminCidrs: ["198.18.0.0/24"], repoUser: "me", repoPassword: cfg.requireSecret("repoPassword"),',
                "});",
                "export const adminUrl = cluster.adminUrl;",
                "",
            ].join("\n"),
        );
        // stackConfigDir as an org would use it
        fs.appendFileSync(path.join(proj, "Pulumi.yaml"), "stackConfigDir: stacks\n");
    });
    after(() => fs.rmSync(proj, { recursive: true, force: true }));

    it("writes plan/, graph.svg, firewalls.md and a diff of its own stack files with its own Pulumi.yaml", () => {
        const cli = (...args: string[]) => spawnSync(process.execPath, [TS_NODE, "--transpile-only", path.join(ROOT, "src", "cli.ts"), "plan", ...args], { cwd: proj, encoding: "utf8" });
        const r = cli("--stack", "./Pulumi.rotated.yaml", "--diff", "dev", "--out", "plan");
        assert.strictEqual(r.status, 0, r.stderr);
        for (const f of ["resources.json", "summary.md", "firewalls.md", "graph.svg", "diff.txt", PLAN_MARKER]) assert.ok(fs.existsSync(path.join(proj, "plan", f)), f);
        const json = JSON.parse(fs.readFileSync(path.join(proj, "plan", "resources.json"), "utf8"));
        assert.ok(json.some((x: any) => x.type === "gluu:index:GluuCluster"));
        assert.ok(json.filter((x: any) => x.type === "command:remote:Command").length >= 40);
        const diff = fs.readFileSync(path.join(proj, "plan", "diff.txt"), "utf8");
        assert.match(diff, /gluu-1-gluu-package {2}\[stdin\]\n\s+stdin: \[secret changed\]/, "the rotated repoPassword");
        // The defaults of its own Pulumi.yaml reached the program.
        assert.match(fs.readFileSync(path.join(proj, "plan", "steps", "gluu-1", fs.readdirSync(path.join(proj, "plan", "steps", "gluu-1")).find((f) => f.endsWith("-install.stdin"))!), "utf8"), /^hostname=idp\.example\.org$/m);
        // A second run into a folder it did not write is refused.
        fs.writeFileSync(path.join(proj, "keep.txt"), "x");
        const refused = cli("--out", ".");
        assert.notStrictEqual(refused.status, 0);
        assert.match(refused.stderr, /not written by the plan/);
        assert.ok(fs.existsSync(path.join(proj, "index.ts")) && fs.existsSync(path.join(proj, "keep.txt")));
    });

    it("the CLI's help names every option", () => {
        const help = execFileSync(process.execPath, [TS_NODE, "--transpile-only", path.join(ROOT, "src", "cli.ts"), "plan", "--help"], { encoding: "utf8" });
        for (const o of ["--stack", "--out", "--diff", "--full", "--project", "--program", "--secret"]) assert.ok(help.includes(o), o);
    });
});
