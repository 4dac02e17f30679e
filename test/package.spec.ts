// The package as an organisation installs it: `npm pack` of a clean checkout (git archive HEAD; npm runs our
// `prepare`, tsconfig.lib.json) installed into a fresh project with the pinned @pulumi/* versions; a strict
// TypeScript program importing GluuCluster and gluu-cluster/testing compiles, the README's examples compile
// against it, there is one @pulumi/pulumi, and the `gluu-cluster plan` bin plans the project's own program.
// Then the same project installs the package from a git URL instead (`git+file://` of a clean repository holding
// HEAD: no git host, no internet): npm clones it and runs `prepare` in the clone after installing the package's
// devDependencies there (pacote lib/git.js #prepareDir: `npm install --force --include=dev` with the caller's
// `--cache`/`--prefer-offline`/`--offline`), then packs it, so the project gets dist/ and the .d.ts as from the
// tarball; the bin then writes graph.svg (with the optional peer) and a diff of the project's own stack files.
// Network: none when the npm cache holds every package of package-lock.json (as after `npm ci` here): the installs
// run with --prefer-offline and reach the registry only for what the cache lacks. Tests what is committed (HEAD),
// not the working tree.
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { writeReadmeBlocks } from "./helpers/readme";

const ROOT = path.resolve(__dirname, "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

function run(cmd: string, args: string[], cwd: string, timeout = 120000): string {
    const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout, env: { ...process.env, npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" } });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} (in ${cwd}) exited ${r.status ?? r.signal ?? r.error}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
}

describe("the package, packed from a clean checkout and installed into a fresh project", function () {
    this.timeout(240000);
    let work: string;
    let tarball: string;
    let org: string;
    before(function () {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "gluu-pack-"));
        const clean = path.join(work, "clean");
        fs.mkdirSync(clean);
        // A clean checkout of what is committed, built by npm's own `prepare` (the repo's node_modules lends tsc).
        execFileSync("bash", ["-c", `git -C "${ROOT}" archive HEAD | tar -x -C "${clean}"`]);
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(clean, "node_modules"));
        const packed = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", work], clean));
        tarball = path.join(work, packed[0].filename);
        (this as any).files = packed[0].files.map((f: any) => f.path);
    });
    after(() => fs.rmSync(work, { recursive: true, force: true }));

    it("ships the built library, its .d.ts, the tool and the README; no sources, tests, stacks or policy", function () {
        const files: string[] = (this as any).test.parent.ctx.files;
        for (const f of ["package.json", "README.md", "dist/components/index.js", "dist/components/index.d.ts", "dist/src/testing.js", "dist/src/testing.d.ts", "dist/src/cli.js"]) {
            assert.ok(files.includes(f), `${f} is in the tarball`);
        }
        const stray = files.filter((f) => /^(test|stacks|policy|src|components|bin)\//.test(f) || /\.ts$/.test(f) && !/\.d\.ts$/.test(f));
        assert.deepStrictEqual(stray, []);
        assert.notStrictEqual(pkg.private, true, "an internal registry publish is possible (npm refuses private packages: EPRIVATE)");
        for (const p of Object.keys(pkg.peerDependencies).filter((n) => n.startsWith("@pulumi/"))) {
            assert.ok(pkg.devDependencies[p] && /^\d+\.\d+\.\d+$/.test(pkg.devDependencies[p]), `${p}: tested version pinned exactly in devDependencies`);
            assert.ok(!pkg.dependencies?.[p], `${p} is not a regular dependency`);
        }
        for (const tool of ["@pulumi/policy", "zod", "@hpcc-js/wasm-graphviz"]) assert.ok(!pkg.dependencies?.[tool], `${tool} is not forced on consumers`);
    });

    it("installs with the pinned @pulumi/* versions, one @pulumi/pulumi, and a strict program (and the README examples) compiles", function () {
        org = path.join(work, "org");
        fs.mkdirSync(org);
        fs.writeFileSync(
            path.join(org, "package.json"),
            JSON.stringify({ name: "org-idp", version: "1.0.0", private: true, allowScripts: { "@pulumi/command": false, protobufjs: false } }, null, 2),
        );
        const pinned = ["@pulumi/pulumi", "@pulumi/command", "@pulumi/digitalocean", "@pulumi/random", "@pulumi/tls", "typescript", "@types/node"].map((p) => `${p}@${pkg.devDependencies[p]}`);
        run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball, ...pinned], org, 200000);
        const installed = path.join(org, "node_modules", "gluu-cluster");
        assert.ok(fs.existsSync(path.join(installed, "dist", "components", "index.d.ts")));
        const copies = execFileSync("bash", ["-c", "find node_modules -path '*/@pulumi/pulumi/package.json' | wc -l"], { cwd: org, encoding: "utf8" }).trim();
        assert.strictEqual(copies, "1", "the organisation's own @pulumi/pulumi is the one used");

        fs.writeFileSync(
            path.join(org, "index.ts"),
            [
                'import * as pulumi from "@pulumi/pulumi";',
                'import { GluuCluster, GluuClusterArgs } from "gluu-cluster";',
                'import { GluuMocks, recordProgram } from "gluu-cluster/testing";',
                "const cfg = new pulumi.Config();",
                "const args: GluuClusterArgs = {",
                '    hostname: "idp.example.org", version: "4.5", orgName: "Example Inc.", city: "Austin", state: "TX",',
                '    countryCode: "US", adminEmail: "admin@example.org", nodeCount: 2, region: "fra1", dropletImage: "ubuntu-22-04-x64",',
                '    adminCidrs: ["198.18.0.0/24"], repoUser: "me", repoPassword: cfg.requireSecret("repoPassword"),',
                "};",
                'const cluster = new GluuCluster("gluu", args);',
                "export const adminUrl: pulumi.Output<string> = cluster.adminUrl;",
                "export async function offline(): Promise<number> {",
                "    const mocks = new GluuMocks();",
                '    await pulumi.runtime.setMocks(mocks, "idp", "dev", false);',
                '    return (await recordProgram(mocks, (opts) => new GluuCluster("gluu", args, opts))).length;',
                "}",
                "",
            ].join("\n"),
        );
        const files = ["index.ts", ...writeReadmeBlocks(org)];
        const tsc = path.join(org, "node_modules", "typescript", "bin", "tsc");
        for (const resolution of [["--module", "commonjs", "--moduleResolution", "node"], ["--module", "node16", "--moduleResolution", "node16"]]) {
            run(process.execPath, [tsc, "--strict", "--noEmit", "--skipLibCheck", "false", "--target", "ES2022", "--types", "node", ...resolution, ...files], org);
        }
    });

    it("`gluu-cluster plan` (the package's bin) plans the project's own program and stack file", function () {
        assert.ok(org, "installed by the previous test");
        fs.writeFileSync(path.join(org, "Pulumi.yaml"), "name: idp\nruntime: nodejs\nmain: program.js\n");
        fs.writeFileSync(path.join(org, "Pulumi.dev.yaml"), "config:\n  idp:repoPassword:\n    secure: AAABAMZ9one\n");
        fs.writeFileSync(path.join(org, "Pulumi.next.yaml"), "config:\n  idp:nodeCount: \"3\"\n  idp:repoPassword:\n    secure: AAABAMZ9one\n");
        fs.writeFileSync(
            path.join(org, "program.js"),
            [
                'const pulumi = require("@pulumi/pulumi");',
                'const { GluuCluster } = require("gluu-cluster");',
                "const cfg = new pulumi.Config();",
                'const cluster = new GluuCluster("gluu", { hostname: "idp.example.org", version: "4.5", orgName: "Example Inc.", city: "Austin", state: "TX",',
                '    countryCode: "US", adminEmail: "admin@example.org", nodeCount: cfg.getNumber("nodeCount") ?? 2, region: "fra1", dropletImage: "ubuntu-22-04-x64",',
                '    adminCidrs: ["198.18.0.0/24"], repoUser: "me", repoPassword: cfg.requireSecret("repoPassword") });',
                "exports.adminUrl = cluster.adminUrl;",
                "",
            ].join("\n"),
        );
        const out = run(path.join(org, "node_modules", ".bin", "gluu-cluster"), ["plan", "--stack", "dev", "--out", "plan"], org, 120000);
        assert.match(out, /Plan for stack 'dev' written to plan\//);
        for (const f of ["resources.json", "summary.md", "firewalls.md", "graph.dot"]) assert.ok(fs.existsSync(path.join(org, "plan", f)), f);
        const json = JSON.parse(fs.readFileSync(path.join(org, "plan", "resources.json"), "utf8"));
        assert.ok(json.filter((r: any) => r.type === "command:remote:Command").length >= 40);
        // graph.svg needs the optional peer @hpcc-js/wasm-graphviz, which this project did not install: said so.
        assert.match(out, /graph\.svg not written: install the optional peer dependency `@hpcc-js\/wasm-graphviz`/);
    });

    it("installs from a git URL (git+file:// of a clean repository at HEAD): prepare builds dist/ and the .d.ts; the bin writes graph.svg and a diff", function () {
        assert.ok(org, "installed by the previous tests");
        if (spawnSync("git", ["--version"]).error) {
            console.log("    (git is not installed: the `npm install <git url>` case is skipped)");
            this.skip();
        }
        // A clean repository holding only HEAD's history, as a git host would serve it.
        const repo = path.join(work, "gluu-cluster.git");
        run("git", ["init", "-q", "--bare", repo], work);
        run("git", ["push", "-q", repo, "HEAD:refs/heads/main"], ROOT);
        // HEAD must name an existing branch: npm reads the remote's HEAD (pacote lib/git.js via `git ls-remote`).
        run("git", ["symbolic-ref", "HEAD", "refs/heads/main"], repo);
        const sha = run("git", ["rev-parse", "HEAD"], ROOT).trim();
        const url = `git+file://${repo}#${sha}`;
        // Over the tarball install: npm replaces the package (a changed spec) and relinks its bin.
        run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", url, `@hpcc-js/wasm-graphviz@${pkg.devDependencies["@hpcc-js/wasm-graphviz"]}`], org, 300000);

        const lock = JSON.parse(fs.readFileSync(path.join(org, "package-lock.json"), "utf8"));
        assert.strictEqual(lock.packages["node_modules/gluu-cluster"].resolved, url, "installed from the git URL, not the tarball");
        const installed = path.join(org, "node_modules", "gluu-cluster");
        assert.deepStrictEqual(fs.readdirSync(installed).sort(), ["README.md", "dist", "package.json"], "the `files` list applies to a git install too");
        for (const f of ["components/index.js", "components/index.d.ts", "components/gluuCluster.d.ts", "src/testing.d.ts", "src/cli.js"]) {
            assert.ok(fs.existsSync(path.join(installed, "dist", f)), `dist/${f} built by prepare`);
        }
        const copies = execFileSync("bash", ["-c", "find node_modules -path '*/@pulumi/pulumi/package.json' | wc -l"], { cwd: org, encoding: "utf8" }).trim();
        assert.strictEqual(copies, "1", "the prepare install's devDependencies stay in npm's clone");
        const tsc = path.join(org, "node_modules", "typescript", "bin", "tsc");
        run(process.execPath, [tsc, "--strict", "--noEmit", "--skipLibCheck", "false", "--target", "ES2022", "--types", "node", "--module", "commonjs", "--moduleResolution", "node", "index.ts"], org);

        fs.rmSync(path.join(org, "plan"), { recursive: true, force: true });
        const out = run(path.join(org, "node_modules", ".bin", "gluu-cluster"), ["plan", "--stack", "next", "--diff", "dev", "--out", "plan"], org, 180000);
        for (const f of ["resources.json", "summary.md", "firewalls.md", "graph.dot", "graph.svg", "diff.txt"]) assert.ok(fs.existsSync(path.join(org, "plan", f)), f);
        const svg = fs.readFileSync(path.join(org, "plan", "graph.svg"), "utf8");
        assert.ok(svg.includes("<svg") && svg.includes("gluu&#45;3&#45;install"), "graph.svg drawn, with the third node's steps");
        const diff = fs.readFileSync(path.join(org, "plan", "diff.txt"), "utf8");
        assert.match(diff, /\+ .*gluu-3/, "going from dev to next creates the third node");
        assert.match(out, /diff\.txt/);
    });
});
