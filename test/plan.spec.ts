// The offline plan: the real program for a stack, written out for review with secrets replaced in place.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { writePlan } from "../src/plan";
import { REMOTE_COMMAND } from "../src/record";
import { STACKS_DIR, mocks } from "./helpers/program";
import { assertShellcheckClean } from "./helpers/shellcheck";

function walk(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

for (const stack of ["dev", "prod", "byo", "ha", "byo-ha"]) {
    describe(`npm run plan for the ${stack} stack`, () => {
        let out: string;
        let result: Awaited<ReturnType<typeof writePlan>>;
        before(async () => {
            out = fs.mkdtempSync(path.join(os.tmpdir(), `plan-${stack}-`));
            result = await writePlan({ stack, outDir: out, stacksDir: STACKS_DIR, mocks });
        });
        after(() => fs.rmSync(out, { recursive: true, force: true }));

        it("writes resources.json with urn, type, name, parent, dependsOn and inputs for every resource", () => {
            const json = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8"));
            assert.strictEqual(json.length, result.resources.length);
            for (const r of json) {
                assert.deepStrictEqual(Object.keys(r), ["urn", "type", "name", "parent", "dependsOn", "inputs"].filter((k) => k in r));
                for (const d of r.dependsOn) assert.ok(json.some((x: any) => x.urn === d), `${r.name} depends on a listed resource`);
            }
            const nodes = json.filter((r: any) => r.type === "gluu:index:GluuNode");
            assert.ok(nodes.length >= 2);
            for (const n of nodes) {
                assert.ok(json.some((r: any) => r.parent === n.urn && r.type === REMOTE_COMMAND && r.dependsOn.length > 0), `${n.name} has steps with explicit edges`);
            }
        });

        it("writes every remote step per host, numbered so each runs after what it depends on", () => {
            const byUrn = new Map(result.resources.map((r) => [r.urn, r]));
            const position = new Map(result.steps.map((s, i) => [s.resource.urn, i]));
            for (const s of result.steps) {
                assert.ok(fs.existsSync(path.join(out, s.file)), s.file);
                for (const d of s.resource.dependsOn) {
                    if (byUrn.get(d)?.type === REMOTE_COMMAND) {
                        assert.ok(position.get(d)! < position.get(s.resource.urn)!, `${s.resource.name} comes after ${byUrn.get(d)!.name}`);
                    }
                }
            }
            const numbers = result.steps.filter((s) => s.host === "gluu-1").map((s) => path.basename(s.file).slice(0, 2));
            assert.deepStrictEqual(numbers, numbers.map((_, i) => String(i + 1).padStart(2, "0")));
        });

        it("every step script passes shellcheck", () => {
            for (const s of result.steps) {
                assertShellcheckClean(s.file, fs.readFileSync(path.join(out, s.file), "utf8"));
            }
        });

        it("contains no secret value in clear anywhere, and shows where secrets go as [secret:<what>]", () => {
            const secrets = [...mocks.secrets.entries()].filter(([, l]) => l !== "key-format-header").map(([v]) => v);
            let marked = 0;
            for (const f of walk(out)) {
                const text = fs.readFileSync(f, "utf8");
                for (const v of secrets) assert.ok(!text.includes(v), `${path.relative(out, f)} contains the secret ${mocks.secrets.get(v)}`);
                marked += (text.match(/\[secret:[^\]]+\]/g) ?? []).length;
            }
            assert.ok(marked > 0, "secrets are shown by name");
            const stdin = fs.readFileSync(path.join(out, result.steps.find((s) => s.resource.name === "gluu-1-install")!.file.replace(/\.sh$/, ".stdin")), "utf8");
            assert.match(stdin, /^ldapPass=\[secret:[^\]]+\]$/m, "a reviewer reads setup.properties in full, secrets by name");
            assert.match(stdin, /^hostname=\S+$/m);
        });

        it("summarises resources per component, steps per host and the critical path", () => {
            const summary = fs.readFileSync(path.join(out, "summary.md"), "utf8");
            assert.match(summary, /## Resources per component/);
            assert.match(summary, /### gluu-1/);
            assert.match(summary, new RegExp(`longest chain of remote steps has \\*\\*${result.criticalPath.length}\\*\\* steps`));
            assert.ok(result.criticalPath.filter((r) => r.name.endsWith("-install")).length === 1, "exactly one install on the critical path");
        });
    });
}
