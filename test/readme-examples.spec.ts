// Every ```ts example of the README compiles as written with `tsc --strict`, importing "gluu-cluster" (mapped
// here to the sources; test/package.spec.ts compiles them again against the packed, installed package).
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { readmeTsBlocks, writeReadmeBlocks } from "./helpers/readme";

const ROOT = path.resolve(__dirname, "..");

describe("README code examples", function () {
    this.timeout(120000);

    it("has the library examples (GluuCluster, GluuNode, the cluster services)", () => {
        const blocks = readmeTsBlocks().map((b) => b.code);
        assert.ok(blocks.length >= 4, `${blocks.length} ts blocks`);
        for (const name of ["GluuCluster", "GluuNode", "SecureRedis", "OpenDjReplication"]) assert.ok(blocks.some((b) => b.includes(`new ${name}(`)), name);
    });

    it("every ```ts block compiles as written under tsc --strict", () => {
        // Inside the repository, so @pulumi/* resolve from its node_modules as they would from an org's.
        const dir = fs.mkdtempSync(path.join(ROOT, ".tmp-readme-"));
        try {
            const files = writeReadmeBlocks(dir);
            fs.writeFileSync(
                path.join(dir, "tsconfig.json"),
                JSON.stringify({
                    compilerOptions: {
                        target: "ES2022", module: "commonjs", moduleResolution: "node", strict: true, noEmit: true, esModuleInterop: true,
                        skipLibCheck: true, types: ["node"], baseUrl: ".",
                        paths: { "gluu-cluster": ["../components/index.ts"], "gluu-cluster/testing": ["../src/testing.ts"] },
                    },
                    files,
                }),
            );
            const r = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", dir], { encoding: "utf8" });
            const lines = new Map(readmeTsBlocks().map((b) => [`readme-${b.line}.ts`, b.line]));
            // Name the README line of each error.
            const text = (r.stdout + r.stderr).replace(/readme-(\d+)\.ts\((\d+),(\d+)\)/g, (_m, l, row) => `README.md:${Number(lines.get(`readme-${l}.ts`)) + Number(row) - 1}`);
            assert.strictEqual(r.status, 0, text);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
