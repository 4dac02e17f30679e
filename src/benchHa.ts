// The `nginx-pair` failover on the live bed (issue 12), shared by test/live/nginxPair.live.spec.ts (which asserts
// the counts) and `npm run bench -- --live` (which reports the times; goal: the VIP answers from the other host
// within 5 s, 0 failed requests after the move).
//
// The bed: two stand-in Gluu nodes (nginx serving HTTPS with the cluster certificate, every path answering with
// the node's name), two load-balancer hosts set up by NginxPair's steps exactly as the component generates them
// (recorded under the mocks, run over SSH by the live runner), and a client host. The bed's hosts share one bridge
// (one L2 segment), so VRRP adverts and gratuitous ARP for the virtual IP work as on a LAN. The client sends a
// bounded loop of HTTPS requests through the virtual IP (curl, new connection each, 1 s timeout, every 100 ms)
// while (1) the active host's nginx is stopped, and later (2) the then-active host's link is cut. For each fault:
// requests, failures, the seconds from the fault to the first request answered again (from the other host), and
// failures after that.

import { execFileSync } from "child_process";
import { generateKeyPairSync } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { ClusterCa } from "../components/clusterCa";
import { NginxPair } from "../components/nginxPair";
import { KEEPALIVED_PATHS } from "../components/render/keepalived";
import { healthProbeText, parseHealthLine } from "../components/render/health";
import { GluuMocks } from "./mocks";
import { RecordedResource, recordProgram } from "./record";
import { Bed, BedHost, startBed } from "../test/live/bed";
import { hostArgsOf, startStandinNginx } from "../test/live/hosts";
import { RunReport, runSteps } from "../test/live/runner";

export const HA_HOSTNAME = "idp.example.org";
export const HA_NODES = ["gluu-1", "gluu-2"];
export const HA_LBS = ["lb-1", "lb-2"];
const CLIENT = "client";
/** A test-only VRRP password (the component's own comes from random.RandomPassword). */
const VRRP_PASSWORD = "Ab3dE6gH";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The stand-in node: HTTPS on 443 with the LB's certificate; every path answers with the node's name. */
function backendConf(name: string): string {
    return [
        `worker_processes 1;`,
        `pid /run/backend-nginx.pid;`,
        `error_log /srv/backend/error.log warn;`,
        `events { worker_connections 256; }`,
        `http {`,
        `  access_log off;`,
        `  server {`,
        `    listen 443 ssl default_server;`,
        `    server_name ${HA_HOSTNAME};`,
        `    ssl_certificate /srv/backend/cert.pem;`,
        `    ssl_certificate_key /srv/backend/key.pem;`,
        `    location / { default_type text/plain; return 200 "${name}\\n"; }`,
        `  }`,
        `}`,
        ``,
    ].join("\n");
}

/** One fault's figures. */
export interface FailoverRow {
    fault: string;
    /** The host that held the VIP before the fault, and the one after. */
    from: string;
    to: string;
    requests: number;
    failed: number;
    /** Seconds from the fault to the first request answered again after the first failure (0 when none failed). */
    recoverySeconds: number;
    /** Failed requests after that first answer (goal 0). */
    failedAfterMove: number;
    /** Seconds from the fault until the other host's keepalived reported MASTER (its notify script). */
    masterAfterSeconds?: number;
}

export interface HaBenchResult {
    bedMs: number;
    stepsMs: number;
    totalMs: number;
    /** Which host held the VIP after the steps ran (the first, priority 150). */
    initialMaster: string;
    /** The steps' report of the first run (for the spec's edges and order checks). */
    report: RunReport;
    /** The second run of the same steps (idempotence: nothing changed, nothing reloaded). */
    second: RunReport;
    /**
     * A bad change (the nginx step's key replaced by one that does not belong to the certificate): each step's
     * status, and the client's answers through the VIP right after it.
     */
    badChange: { statuses: Record<string, string>; answers: string[] };
    /** Both hosts' VRRP states once the first host's nginx is back after fault 1 (nopreempt: it stays BACKUP). */
    afterRecovery: Record<string, string>;
    /** `gluu-health` (the health output's probe) run on the client through the VIP, before the faults. */
    healthThroughVip: Record<string, string>;
    resources: RecordedResource[];
    rows: FailoverRow[];
}

/** The VRRP state a host's notify script last recorded (`MASTER`, `BACKUP`, `FAULT`), or `none`. */
async function stateOf(h: BedHost): Promise<string> {
    const r = await h.ssh(`cat ${KEEPALIVED_PATHS.state} 2>/dev/null || echo none`, { timeoutMs: 5000 });
    return r.code === 0 ? r.stdout.trim() : "unreachable";
}

/** Wait until `pred` holds (checked every 100 ms) or `ms` pass; returns the seconds it took, or undefined. */
async function waitFor(pred: () => Promise<boolean>, ms: number): Promise<number | undefined> {
    const t0 = Date.now();
    while (Date.now() - t0 < ms) {
        if (await pred()) return (Date.now() - t0) / 1000;
        await sleep(100);
    }
    return undefined;
}

/**
 * Run the whole failover scenario on a fresh bed: record NginxPair under `mocks`, run its steps, then both faults.
 * `log` gets progress lines. The bed is always torn down.
 */
export async function runNginxPairFailover(mocks: GluuMocks, log: (s: string) => void = () => undefined): Promise<HaBenchResult> {
    const t0 = Date.now();
    const bed: Bed = await startBed({ hosts: [...HA_NODES, ...HA_LBS, CLIENT] });
    const bedMs = bed.bringUpMs;
    try {
        const vip = bed.subnet.replace(/\.0\/24$/, ".200");
        const pems: { cert?: string; key?: string; ca?: string } = {};
        const resources = await recordProgram(mocks, (opts) => {
            const ca = new ClusterCa("ha-ca", {}, opts);
            const cert = ca.issue("ha-web", { commonName: HA_HOSTNAME, server: true, client: false }, ca);
            cert.certPem.apply((v) => (pems.cert = v));
            cert.privateKeyPem.apply((v) => (pems.key = v));
            ca.certPem.apply((v) => (pems.ca = v));
            return new NginxPair(
                "ha",
                {
                    hostname: HA_HOSTNAME,
                    version: "4.5",
                    backends: HA_NODES.map((n) => ({ name: n, address: bed.host(n).address })),
                    lbHosts: HA_LBS.map((n) => hostArgsOf(bed, n)),
                    virtualIp: `${vip}/24`,
                    vrrpPassword: pulumi.secret(VRRP_PASSWORD),
                    certificatePem: cert.certPem,
                    privateKeyPem: cert.privateKeyPem,
                    backendCaPem: ca.certPem,
                },
                opts,
            );
        });
        await Promise.all(HA_NODES.map((n) => startStandinNginx(bed.host(n), backendConf(n), { certPem: pems.cert!, keyPem: pems.key! })));
        await bed.host(CLIENT).run("cat > /srv/test-ca.pem", { stdin: pems.ca! });

        const s0 = Date.now();
        const report = await runSteps(resources);
        const stepsMs = Date.now() - s0;
        log(`  steps ran in ${stepsMs} ms`);
        // The first host (priority 150) takes the VIP after the master-down interval (≈ 3.4 s).
        let initialMaster = "none";
        await waitFor(async () => {
            const states = await Promise.all(HA_LBS.map((n) => stateOf(bed.host(n))));
            initialMaster = HA_LBS.find((_, i) => states[i] === "MASTER") ?? "none";
            return initialMaster !== "none";
        }, 15000);
        // The client reaches the VIP before any fault.
        await waitFor(async () => (await curlOnce(bed.host(CLIENT), vip)) !== "000", 10000);
        log(`  ${initialMaster} holds ${vip}`);
        const second = await runSteps(resources);
        const probe = await bed.host(CLIENT).ssh(`cat > /tmp/gluu-health && bash /tmp/gluu-health`, {
            stdin: healthProbeText({ serverName: HA_HOSTNAME, address: vip, paths: ["/oxauth/.well-known/openid-configuration", "/identity/"] }).replace(/curl -sk /, "curl -s --cacert /srv/test-ca.pem "),
            timeoutMs: 20000,
        });
        const healthThroughVip = parseHealthLine(probe.stdout);
        // A bad change: host 1's nginx step gets a key that does not match the certificate. It must fail there and
        // stop host 2's steps, while the VIP keeps serving the old configuration.
        const wrongKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }) as string;
        const bad = await runSteps(resources, { throwOnFailure: false, stdin: (x) => (x.name === "lb-1-nginx" ? wrongKey : undefined) });
        const statuses = Object.fromEntries(bad.steps.map((x) => [x.name, x.status]));
        const answers: string[] = [];
        for (let i = 0; i < 5; i++) answers.push(await curlOnce(bed.host(CLIENT), vip));
        log(`  bad change: ${JSON.stringify(statuses)}; through the VIP: ${answers.join(" ")}`);

        const rows: FailoverRow[] = [];
        const other = (n: string) => HA_LBS.find((x) => x !== n)!;

        // Fault 1: nginx on the active host stops (keepalived's check fails; FAULT gives the VIP away).
        const a = initialMaster;
        rows.push(
            await underLoad(bed, vip, `nginx stopped on the active host`, a, other(a), async () => {
                await bed.host(a).run("nginx -s stop 2>/dev/null || service nginx stop >/dev/null; true", { timeoutMs: 10000 });
            }),
        );
        log(`  ${rows[0].fault}: ${rows[0].failed}/${rows[0].requests} failed, answered again after ${rows[0].recoverySeconds} s`);
        // nginx back on the first host: its check rises, it becomes BACKUP and (nopreempt) leaves the VIP where it is.
        await bed.host(a).run("service nginx start >/dev/null 2>&1 || nginx; true", { timeoutMs: 10000 });
        await waitFor(async () => (await stateOf(bed.host(a))) === "BACKUP", 10000);
        await sleep(2000); // two more adverts: a preempting host would have taken the VIP back by now
        const afterRecovery = Object.fromEntries(await Promise.all(HA_LBS.map(async (n) => [n, await stateOf(bed.host(n))] as const)));

        // Fault 2: the link of the now active host is cut (from the root namespace: the host itself cannot undo it).
        const b = other(a);
        rows.push(
            await underLoad(bed, vip, `link of the active host cut`, b, a, async () => {
                execFileSync("ip", ["-n", bed.host(b).netns, "link", "set", "eth0", "down"]);
            }),
        );
        log(`  ${rows[1].fault}: ${rows[1].failed}/${rows[1].requests} failed, answered again after ${rows[1].recoverySeconds} s`);
        execFileSync("ip", ["-n", bed.host(b).netns, "link", "set", "eth0", "up"]);
        return { bedMs, stepsMs, totalMs: Date.now() - t0, initialMaster, report, second, badChange: { statuses, answers }, afterRecovery, healthThroughVip, resources, rows };
    } finally {
        await bed.stop();
    }
}

async function curlOnce(client: BedHost, vip: string): Promise<string> {
    const r = await client.ssh(`curl -s -o /dev/null -w '%{http_code}' --max-time 1 --cacert /srv/test-ca.pem --resolve ${HA_HOSTNAME}:443:${vip} https://${HA_HOSTNAME}/oxauth/x || true`, { timeoutMs: 5000 });
    return r.stdout.trim() || "000";
}

/**
 * The client's loop: `seconds` of requests through the VIP, one every 100 ms, each on a new connection with a 1 s
 * timeout; the fault is injected 1 s in. Lines `<epoch seconds> <status>`.
 */
async function underLoad(bed: Bed, vip: string, fault: string, from: string, to: string, inject: () => Promise<void>, seconds = 9): Promise<FailoverRow> {
    const client = bed.host(CLIENT);
    const loop = client.run(
        [
            `end=$(( $(date +%s) + ${seconds} ))`,
            `while [ "$(date +%s)" -lt "$end" ]; do`,
            `  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 --cacert /srv/test-ca.pem --resolve ${HA_HOSTNAME}:443:${vip} https://${HA_HOSTNAME}/oxauth/x) || true`,
            `  echo "$(date +%s.%N) \${code:-000}"`,
            `  sleep 0.1`,
            `done`,
        ].join("\n"),
        { timeoutMs: (seconds + 10) * 1000 },
    );
    await sleep(1000);
    const faultAt = Date.now() / 1000;
    let masterAt: number | undefined;
    await inject();
    const watch = (async () => {
        const s = await waitFor(async () => (await stateOf(bed.host(to))) === "MASTER", (seconds - 1) * 1000);
        if (s !== undefined) masterAt = Date.now() / 1000;
    })();
    const out = await loop;
    await watch;
    const lines = out
        .trim()
        .split("\n")
        .map((l) => l.split(" "))
        .filter((p) => p.length === 2)
        .map(([t, c]) => ({ t: Number(t), ok: c === "200" }));
    // Requests already on their way when the fault hit may still be answered by the old host: the outage starts
    // at the first failure after the fault, and ends at the first answer after that (from the other host).
    const after = lines.filter((l) => l.t >= faultAt);
    const firstFail = after.find((l) => !l.ok);
    const firstOk = firstFail === undefined ? after.find((l) => l.ok) : after.find((l) => l.ok && l.t > firstFail.t);
    const recoverySeconds = firstOk ? Number((firstOk.t - faultAt).toFixed(2)) : Infinity;
    const failedAfterMove = firstOk ? after.filter((l) => l.t > firstOk.t && !l.ok).length : after.length;
    return {
        fault,
        from,
        to,
        requests: lines.length,
        failed: lines.filter((l) => !l.ok).length,
        recoverySeconds,
        failedAfterMove,
        masterAfterSeconds: masterAt === undefined ? undefined : Number((masterAt - faultAt).toFixed(2)),
    };
}

/** The bench's lines. */
export function renderHaBench(r: Pick<HaBenchResult, "bedMs" | "stepsMs" | "totalMs" | "rows">): string {
    const rows = r.rows.map(
        (x) =>
            `| ${x.fault} (${x.from} → ${x.to}) | ${x.requests} | ${x.failed} | ${x.recoverySeconds} s | ${x.masterAfterSeconds ?? "–"} s | ${x.failedAfterMove} | ${x.recoverySeconds <= 5 && x.failedAfterMove === 0 ? "met" : "NOT met"} |`,
    );
    return [
        `nginx-pair failover (keepalived, live bed: ${HA_NODES.length} stand-in nodes, 2 LB hosts, 1 client; bed ${r.bedMs} ms, steps ${r.stepsMs} ms, total ${r.totalMs} ms)`,
        `Goal: the VIP answers from the other host within 5 s, 0 failed requests after the move.`,
        `| fault | requests | failed | answered again after | other host MASTER after | failed after the move | goal |`,
        `|---|---|---|---|---|---|---|`,
        ...rows,
        ``,
    ].join("\n");
}
