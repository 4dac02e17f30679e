// Runs shellcheck on rendered script text. Every shell step the library generates goes through here.
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as assert from "assert";

/** Texts already found clean in this run: shellcheck is deterministic, and many steps repeat per node and stack. */
const clean = new Set<string>();

/** Assert that `text` passes `shellcheck` (bash dialect, all severities). `label` names it in failures. */
export function assertShellcheckClean(label: string, text: string): void {
    const digest = createHash("sha256").update(text).digest("hex");
    if (clean.has(digest)) {
        return;
    }
    try {
        execFileSync("shellcheck", ["--shell=bash", "--severity=style", "--format=gcc", "-"], {
            input: text,
            encoding: "utf8",
            stdio: ["pipe", "pipe", "pipe"],
        });
        clean.add(digest);
    } catch (err: any) {
        if (err.code === "ENOENT") {
            throw new Error("shellcheck is not installed: run `apt-get install -y shellcheck` (the test command does it)");
        }
        const numbered = text
            .split("\n")
            .map((l, i) => `${String(i + 1).padStart(4)}  ${l}`)
            .join("\n");
        assert.fail(`shellcheck found problems in ${label}:\n${err.stdout}${err.stderr}\n--- script ---\n${numbered}`);
    }
}
