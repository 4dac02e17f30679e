import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import { shq, script, managedBlock, heredoc, pendingRestart, SERVICE_FUNCTIONS, APT_FUNCTIONS, PUT_FILE_FUNCTION, STATE_DIR } from "../components/render/shell";
import { inContainer, startContainer } from "../components/render/container";
import { PROFILES } from "../components/profiles";
import { assertShellcheckClean } from "./helpers/shellcheck";

const HOSTILE = ["a'b", "$(touch /tmp/pwned)", "`id`", "x\ny", "a;b", "é ü ✓", "\\", "--flag", "*", ""];

describe("render/shell", () => {
    it("shq makes every hostile string one literal word for bash", () => {
        for (const s of HOSTILE) {
            const out = execFileSync("bash", ["-c", `printf '%s' ${shq(s)}`], { encoding: "utf8" });
            assert.strictEqual(out, s);
        }
    });

    it("heredoc picks a delimiter that no content line can end early", () => {
        const content = "line\nGLUU_EOF\nmore";
        const out = execFileSync("bash", ["-c", heredoc("cat", content)], { encoding: "utf8" });
        assert.strictEqual(out, content + "\n");
    });

    it("managedBlock replaces its block and leaves the rest, twice with the same result", () => {
        const dir = execFileSync("mktemp", ["-d"], { encoding: "utf8" }).trim();
        const file = `${dir}/hosts`;
        execFileSync("bash", ["-c", `printf '127.0.0.1 localhost\\n' > ${file}`]);
        const s1 = script("test", managedBlock(file, "test", "10.0.0.1 a\n10.0.0.2 b"));
        const first = execFileSync("bash", ["-c", s1], { encoding: "utf8" });
        const second = execFileSync("bash", ["-c", s1], { encoding: "utf8" });
        assert.match(first, /changed/);
        assert.strictEqual(second, "", "a second run changes nothing");
        const s2 = script("test", managedBlock(file, "test", "10.0.0.3 c"));
        execFileSync("bash", ["-c", s2]);
        const text = execFileSync("cat", [file], { encoding: "utf8" });
        assert.match(text, /^127\.0\.0\.1 localhost$/m);
        assert.match(text, /^10\.0\.0\.3 c$/m);
        assert.doesNotMatch(text, /10\.0\.0\.1/);
        execFileSync("rm", ["-rf", dir]);
    });

    it("a restart owed by a run killed after writing its files is made by the next run, and only once", () => {
        const what = `spec-${process.pid}`;
        const marker = `${STATE_DIR}/${what}.restart-pending`;
        const r = pendingRestart(what);
        // FAIL=1 dies between "files written" and the restart, like a killed step.
        const text = script(
            "pending restart",
            `changes=$(mktemp)\ncleanup_paths+=("$changes")`,
            r.begin,
            `if [ -s "$changes" ]; then cat "$changes"; echo "restarted"; fi`,
            `if [ "\${FAIL:-0}" = 1 ]; then exit 1; fi`,
            r.end,
        );
        const run = (fail: string) => execFileSync("bash", ["-c", `${text}`], { encoding: "utf8", env: { ...process.env, FAIL: fail }, stdio: ["pipe", "pipe", "pipe"] });
        try {
            assert.throws(() => run("1"));
            assert.match(run("0"), /^changed pending restart of spec-\d+ .*\nrestarted$/m, "the next run restarts");
            assert.strictEqual(run("0"), "", "then nothing is owed");
            assertShellcheckClean("pending restart", text);
        } finally {
            execFileSync("rm", ["-f", marker]);
        }
    });

    it("shared functions and container wrappers pass shellcheck", () => {
        assertShellcheckClean("shared functions", script("functions", SERVICE_FUNCTIONS, APT_FUNCTIONS, PUT_FILE_FUNCTION, 'svc ssh status; apt_install curl; echo x | put_file /tmp/x 0600 root:root'));
        for (const p of Object.values(PROFILES)) {
            assertShellcheckClean(`container ${p.version}`, script("c", startContainer(p), inContainer(p, "#!/bin/bash\necho inside\n")));
        }
    });
});

describe("the EXIT trap of every script", () => {
    it("a cleanup that fails after the work is done only warns: the step still succeeds (a failure would print all its output)", () => {
        const text = script("cleanup fails", 'cleanup_paths+=(/proc/self/status)\necho "work done"');
        const r = spawnSync("bash", ["-c", text], { encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.strictEqual(r.stdout, "work done\n");
        assert.match(r.stderr, /warning: could not remove temporary files/);
    });

    it("a failing step keeps its own exit status", () => {
        const r = spawnSync("bash", ["-c", script("fails", "exit 7")], { encoding: "utf8" });
        assert.strictEqual(r.status, 7);
    });
});
