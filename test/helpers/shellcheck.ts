// Runs shellcheck on rendered script text. Every shell step the library generates goes through here.
import { execFileSync } from "child_process";
import * as assert from "assert";

/** Assert that `text` passes `shellcheck` (bash dialect, all severities). `label` names it in failures. */
export function assertShellcheckClean(label: string, text: string): void {
    try {
        execFileSync("shellcheck", ["--shell=bash", "--severity=style", "--format=gcc", "-"], {
            input: text,
            encoding: "utf8",
            stdio: ["pipe", "pipe", "pipe"],
        });
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
