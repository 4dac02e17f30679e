// Bed hosts as the components see them (HostArgs), and small checks the live specs share.
import * as assert from "assert";
import { HostArgs } from "../../components/host";
import { Bed, BedHost } from "./bed";
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

/**
 * Start an nginx of its own on a bed host as a stand-in HTTPS Gluu node: `certPem`/`keyPem` go (on stdin) to
 * /srv/backend/{cert,key}.pem, `conf` to /srv/backend/nginx.conf, which must pass `nginx -t` first. `before` are
 * extra shell lines run before nginx starts (e.g. files the configuration includes).
 */
export function startStandinNginx(host: BedHost, conf: string, pem: { certPem: string; keyPem: string }, before: string[] = []): Promise<string> {
    return host.run(
        [
            `install -d -m 0700 /srv/backend`,
            `cat > /srv/backend/all.pem`,
            `awk '/BEGIN CERTIFICATE/,/END CERTIFICATE/' /srv/backend/all.pem > /srv/backend/cert.pem`,
            `awk '/BEGIN .*PRIVATE KEY/,/END .*PRIVATE KEY/' /srv/backend/all.pem > /srv/backend/key.pem`,
            `rm /srv/backend/all.pem`,
            ...before,
            `cat > /srv/backend/nginx.conf <<'EOF'\n${conf}EOF`,
            `nginx -t -q -c /srv/backend/nginx.conf`,
            `nginx -c /srv/backend/nginx.conf`,
        ].join("\n"),
        { stdin: `${pem.certPem.trim()}\n${pem.keyPem.trim()}\n` },
    );
}
