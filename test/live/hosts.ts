// Bed hosts as the components see them (HostArgs), and small checks the live specs share.
import * as assert from "assert";
import { HostArgs } from "../../components/host";
import { Bed } from "./bed";
import { RunReport } from "./runner";

/** The bed host `name` as an existing host: its bed address for both networks, root login with the bed's key. */
export function hostArgsOf(bed: Bed, name: string): HostArgs {
    const h = bed.host(name);
    return {
        name,
        publicAddress: h.address,
        privateAddress: h.address,
        ssh: { host: h.address, user: "root", privateKey: bed.clientPrivateKey, hostKey: h.hostKey },
    };
}

/** Assert that no step of a run printed a `changed …` line (an idempotent re-run). */
export function assertNothingChanged(report: RunReport): void {
    const changed = report.steps.filter((s) => s.changed.length > 0).map((s) => `${s.name}: ${s.changed.join("; ")}`);
    assert.deepStrictEqual(changed, [], `a second run changed something:\n${changed.join("\n")}`);
}

/** One line per step: name, duration, what it changed (for the spec's log). */
export function timings(report: RunReport): string {
    return report.steps.map((s) => `  ${s.name.padEnd(28)} ${String(s.ms).padStart(6)} ms  ${s.status}${s.changed.length ? `  (${s.changed.length} changed)` : ""}`).join("\n");
}
