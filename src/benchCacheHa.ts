// The `redis-ha` cache under faults, on the live bed (issue 12): RedisHa's real steps (recorded under the mocks)
// run on three cache hosts and two Gluu stand-in nodes; then clients on every node write and read through the
// node's localhost:16379 while (1) the Redis primary is killed and (2) a replica's link is cut. Counted: failed
// operations, acknowledged writes that are gone afterwards, and the longest window without a successful
// operation (the unavailability). test/live/redisHa.live.spec.ts asserts the counts; `npm run bench -- --live`
// reports the times (src/bench.ts).

import * as pulumi from "@pulumi/pulumi";
import { GluuMocks } from "./mocks";
import { RecordedResource, recordProgram } from "./record";
import { ClusterCa } from "../components/clusterCa";
import { RedisHa, RedisHaArgs } from "../components/redisHa";
import { REDIS_HA_PORTS } from "../components/render/redisHa";
import { Bed, BedHost, startBed } from "../test/live/bed";
import { hostArgsOf } from "../test/live/hosts";
import { runSteps } from "../test/live/runner";

export const HA_NODES = ["gluu-1", "gluu-2"];
export const HA_CACHES = ["cache-1", "cache-2", "cache-3"];

/** One fault scenario's figures. */
export interface HaScenarioResult {
    name: string;
    /** Operations (SET + GET on one connection) attempted on all nodes together. */
    operations: number;
    /** Of them, failed (error, refused, timed out). */
    failed: number;
    /** Writes acknowledged with OK. */
    acknowledged: number;
    /** Acknowledged writes missing when read back after the cluster settled. */
    lost: number;
    /** Writes acknowledged in the bound's window before the fault (what `min-replicas-*` allows to be lost). */
    boundWindowWrites: number;
    /** Longest time without a successful operation on any node, seconds (from the last success before a failure to the first after). */
    unavailableSeconds: number;
    /** The cache host that was primary before the fault, and after. */
    primaryBefore: string;
    primaryAfter: string;
}

export interface HaBench {
    bed: Bed;
    resources: RecordedResource[];
    password: string;
    /** Seconds: the bed's bring-up and the first run of every step. */
    setupSeconds: number;
    args: Pick<RedisHaArgs, "minReplicasMaxLagSeconds" | "downAfterMs">;
    stop(): Promise<void>;
}

/** Bring up the bed and run every RedisHa step on it. */
export async function startHaBench(mocks: GluuMocks, opts: { downAfterMs?: number; minReplicasMaxLagSeconds?: number; log?: (s: string) => void } = {}): Promise<HaBench> {
    const log = opts.log ?? (() => undefined);
    const started = Date.now();
    const bed = await startBed({ hosts: [...HA_CACHES, ...HA_NODES] });
    log(`bed ${bed.subnet}: ${HA_CACHES.length + HA_NODES.length} hosts up in ${bed.bringUpMs} ms`);
    try {
        const args = { downAfterMs: opts.downAfterMs, minReplicasMaxLagSeconds: opts.minReplicasMaxLagSeconds };
        const resources = await recordProgram(mocks, (o: pulumi.ComponentResourceOptions) => {
            const ca = new ClusterCa("ha-ca", {}, o);
            return new RedisHa("cache", { cacheHosts: HA_CACHES.map((n) => hostArgsOf(bed, n)), clients: HA_NODES.map((n) => hostArgsOf(bed, n)), ...ca.caArgs, ...args }, o);
        });
        const stdin = resources.find((r) => r.name === `${HA_NODES[0]}-redis-ha-health`)!.inputs.stdin;
        const password = String(stdin && typeof stdin === "object" && "value" in stdin ? stdin.value : stdin).trim();
        const report = await runSteps(resources, { concurrency: 5 });
        log(`every RedisHa step ran in ${report.ms} ms`);
        return { bed, resources, password, setupSeconds: (Date.now() - started) / 1000, args, stop: () => bed.stop() };
    } catch (e) {
        await bed.stop();
        throw e;
    }
}

/** The cache host that is primary now, as Sentinel on cache-1..3 sees it (the first that answers). */
export async function currentPrimary(ha: HaBench): Promise<string> {
    for (const name of HA_CACHES) {
        const r = await ha.bed.host(name).ssh(
            `IFS= read -r pw; REDISCLI_AUTH="$pw" timeout 3 redis-cli --no-auth-warning --tls --cert /etc/redis/tls/gluu-ha.crt --key /etc/redis/tls/gluu-ha.key --cacert /etc/redis/tls/gluu-cluster-ca.crt -h 127.0.0.1 -p ${REDIS_HA_PORTS.sentinel} sentinel get-master-addr-by-name gluu-cache | head -n 1`,
            { stdin: sentinelPassword(ha) + "\n", timeoutMs: 10000 },
        );
        const ip = r.stdout.trim();
        const host = ha.bed.hosts.find((h) => h.address === ip);
        if (host) return host.name;
    }
    throw new Error("no Sentinel names a primary");
}

function sentinelPassword(ha: HaBench): string {
    const r = ha.resources.find((x) => x.name === `${HA_CACHES[0]}-sentinel-quorum`)!;
    const v = r.inputs.stdin;
    return String(v && typeof v === "object" && "value" in v ? v.value : v).trim();
}

/**
 * Client loop on a node: until `seconds` have passed, one connection per operation through 127.0.0.1:16379 with
 * `SET ha:<node>:<i> <i>` and `GET` of it; each line `<ms since epoch> ok|fail <i>`. Returns the command text.
 */
function clientLoop(node: string, seconds: number): string {
    return [
        `IFS= read -r pw; export REDISCLI_AUTH="$pw"`,
        `end=$(( $(date +%s%3N) + ${seconds * 1000} )); i=0`,
        `while [ "$(date +%s%3N)" -lt "$end" ]; do`,
        `  i=$((i + 1))`,
        `  out=$(printf 'SET ha:${node}:%s %s\\nGET ha:${node}:%s\\n' "$i" "$i" "$i" | timeout 2 redis-cli --no-auth-warning -h 127.0.0.1 -p ${REDIS_HA_PORTS.local} 2>&1 | tr '\\n' ' ')`,
        `  if [ "$out" = "OK $i " ]; then echo "$(date +%s%3N) ok $i"; else echo "$(date +%s%3N) fail $i"; sleep 0.05; fi`,
        `done`,
    ].join("\n");
}

interface Op {
    t: number;
    ok: boolean;
    i: number;
}

function parseOps(out: string): Op[] {
    return out
        .split("\n")
        .map((l) => /^(\d+) (ok|fail) (\d+)$/.exec(l.trim()))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => ({ t: Number(m[1]), ok: m[2] === "ok", i: Number(m[3]) }));
}

/** Longest stretch from the last success before a failure to the first success after it, ms. */
function longestOutageMs(ops: Op[]): number {
    let worst = 0;
    let lastOk: number | undefined;
    let failing = false;
    for (const op of ops) {
        if (op.ok) {
            if (failing && lastOk !== undefined) worst = Math.max(worst, op.t - lastOk);
            lastOk = op.t;
            failing = false;
        } else {
            failing = true;
        }
    }
    if (failing && lastOk !== undefined && ops.length) worst = Math.max(worst, ops[ops.length - 1].t - lastOk);
    return worst;
}

/** Wait until every node's proxy answers PING (bounded). */
async function settle(ha: HaBench, seconds = 60): Promise<void> {
    for (const n of HA_NODES) {
        await ha.bed.host(n).run(
            `IFS= read -r pw; export REDISCLI_AUTH="$pw"; for _ in $(seq 1 ${seconds * 2}); do [ "$(timeout 2 redis-cli --no-auth-warning -h 127.0.0.1 -p ${REDIS_HA_PORTS.local} ping 2>/dev/null)" = PONG ] && exit 0; sleep 0.5; done; exit 1`,
            { stdin: ha.password + "\n", timeoutMs: seconds * 1000 + 10000 },
        );
    }
}

/** Count acknowledged keys of `node` that are gone (read through gluu-1's proxy after the cluster settled). */
async function countLost(ha: HaBench, node: string, acked: number[]): Promise<number> {
    if (acked.length === 0) return 0;
    const r = await ha.bed.host(HA_NODES[0]).run(
        `IFS= read -r pw; export REDISCLI_AUTH="$pw"; redis-cli --no-auth-warning -h 127.0.0.1 -p ${REDIS_HA_PORTS.local} | grep -c '^0$' || true`,
        { stdin: ha.password + "\n" + acked.map((i) => `EXISTS ha:${node}:${i}`).join("\n") + "\n", timeoutMs: 60000 },
    );
    return Number(r.trim());
}

/**
 * Run client loops on every node for `seconds`; `fault` is called `faultAtMs` after they start (and `heal` when
 * given, `healAtMs` after they start). Returns the figures.
 */
export async function runHaScenario(
    ha: HaBench,
    s: { name: string; seconds: number; faultAtMs: number; fault: (primary: BedHost) => Promise<unknown>; healAtMs?: number; heal?: () => Promise<unknown> },
): Promise<HaScenarioResult> {
    await settle(ha);
    const primaryBefore = await currentPrimary(ha);
    const loops = HA_NODES.map((n) => ha.bed.host(n).ssh(clientLoop(n, s.seconds), { stdin: ha.password + "\n", timeoutMs: (s.seconds + 30) * 1000 }));
    const start = Date.now();
    await new Promise((r) => setTimeout(r, s.faultAtMs));
    const faultAt = Date.now();
    await s.fault(ha.bed.host(primaryBefore));
    if (s.heal) {
        await new Promise((r) => setTimeout(r, Math.max(0, start + (s.healAtMs ?? s.seconds * 500) - Date.now())));
        await s.heal();
    }
    const outs = await Promise.all(loops);
    await settle(ha);
    const primaryAfter = await currentPrimary(ha);
    const lag = ha.args.minReplicasMaxLagSeconds ?? 10;
    let operations = 0;
    let failed = 0;
    let acknowledged = 0;
    let lost = 0;
    let boundWindowWrites = 0;
    let worst = 0;
    for (let k = 0; k < HA_NODES.length; k++) {
        const ops = parseOps(outs[k].stdout);
        operations += ops.length;
        failed += ops.filter((o) => !o.ok).length;
        const acked = ops.filter((o) => o.ok);
        acknowledged += acked.length;
        boundWindowWrites += acked.filter((o) => o.t >= faultAt - (lag + 1) * 1000 && o.t <= faultAt).length;
        lost += await countLost(ha, HA_NODES[k], acked.map((o) => o.i));
        worst = Math.max(worst, longestOutageMs(ops));
    }
    return { name: s.name, operations, failed, acknowledged, lost, boundWindowWrites, unavailableSeconds: worst / 1000, primaryBefore, primaryAfter };
}

/** The role a cache host's Redis reports (`master` / `slave`), over TLS with the host's own certificate. */
export async function roleOf(ha: HaBench, name: string): Promise<string> {
    const r = await ha.bed.host(name).ssh(
        `IFS= read -r pw; REDISCLI_AUTH="$pw" timeout 3 redis-cli --no-auth-warning --tls --cert /etc/redis/tls/gluu-ha.crt --key /etc/redis/tls/gluu-ha.key --cacert /etc/redis/tls/gluu-cluster-ca.crt -h 127.0.0.1 -p ${REDIS_HA_PORTS.redis} role | head -n 1`,
        { stdin: ha.password + "\n", timeoutMs: 10000 },
    );
    return r.stdout.trim();
}

/**
 * Wait (bounded) until `name` reports `role`; returns the seconds waited. Sentinel demotes a returning old primary
 * only after it has reported `master` for 4 × SENTINEL_PUBLISH_PERIOD = 8 s (redis/redis@7.0.15 src/sentinel.c
 * sentinelRefreshInstanceInfo, "+convert-to-slave").
 */
export async function waitRole(ha: HaBench, name: string, role: string, seconds = 40): Promise<number> {
    const start = Date.now();
    while (Date.now() - start < seconds * 1000) {
        if ((await roleOf(ha, name)) === role) return (Date.now() - start) / 1000;
        await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`${name} did not report role ${role} within ${seconds} s (it reports ${await roleOf(ha, name)})`);
}

/**
 * Scenario 1: SIGKILL the primary's redis-server (by the pid in its own pid file), start it again at 70 %, and wait
 * until Sentinel has made it a replica (so the set is whole for what follows).
 */
export async function killPrimary(ha: HaBench, seconds: number): Promise<HaScenarioResult> {
    let victim: BedHost | undefined;
    const result = await runHaScenario(ha, {
        name: "primary killed",
        seconds,
        faultAtMs: 3000,
        fault: async (primary) => {
            victim = primary;
            await primary.run(`kill -KILL "$(cat /run/redis/redis-server.pid)"`);
        },
        healAtMs: Math.round(seconds * 1000 * 0.7),
        // The old primary comes back (as a master with no replica until Sentinel demotes it).
        heal: async () => victim!.run(`rm -f /run/redis/redis-server.pid; service redis-server start >/dev/null`),
    });
    await waitRole(ha, victim!.name, "slave");
    return result;
}

/** Scenario 2: cut the link of one replica (its veth inside its namespace goes down), later restore it. */
export function cutReplica(ha: HaBench, seconds: number, run: (cmd: string) => Promise<void>): Promise<HaScenarioResult> {
    let replica: BedHost | undefined;
    return runHaScenario(ha, {
        name: "replica link cut",
        seconds,
        faultAtMs: 3000,
        fault: async (primary) => {
            replica = ha.bed.hosts.find((h) => HA_CACHES.includes(h.name) && h.name !== primary.name)!;
            await run(`ip netns exec ${replica.netns} ip link set eth0 down`);
        },
        healAtMs: Math.round(seconds * 1000 * 0.75),
        heal: async () => run(`ip netns exec ${replica!.netns} ip link set eth0 up`),
    });
}

/** The bench's figures: both scenarios with the production Sentinel timing. */
export interface CacheHaBenchResult {
    setupSeconds: number;
    downAfterMs: number;
    scenarios: HaScenarioResult[];
}

/** Both scenarios, for the bench (production defaults: down-after-milliseconds 5000, min-replicas-max-lag 10). */
export async function runCacheHaBench(mocks: GluuMocks, log: (s: string) => void = () => undefined): Promise<CacheHaBenchResult> {
    const { execFileSync } = await import("child_process");
    const ha = await startHaBench(mocks, { log });
    try {
        const a = await killPrimary(ha, 24);
        log(`${a.name}: ${a.failed}/${a.operations} failed, ${a.lost} of ${a.acknowledged} acknowledged writes lost, ${a.unavailableSeconds} s unavailable (${a.primaryBefore} → ${a.primaryAfter})`);
        const b = await cutReplica(ha, 16, async (cmd) => void execFileSync("bash", ["-c", cmd]));
        log(`${b.name}: ${b.failed}/${b.operations} failed, ${b.lost} of ${b.acknowledged} lost, ${b.unavailableSeconds} s unavailable`);
        return { setupSeconds: ha.setupSeconds, downAfterMs: ha.args.downAfterMs ?? 5000, scenarios: [a, b] };
    } finally {
        await ha.stop();
    }
}

/** The bench's table; goal: ≤ 30 s of cache unavailability on primary loss, 0 acknowledged writes lost. */
export function renderCacheHaBench(r: CacheHaBenchResult): string {
    return [
        `redis-ha cache failover (3 cache hosts, 2 nodes, Sentinel down-after-milliseconds ${r.downAfterMs}; bed and first run ${r.setupSeconds.toFixed(1)} s)`,
        "goal: ≤ 30 s without a successful operation on primary loss; acknowledged writes lost within the min-replicas bound (0 here)",
        "| fault | operations | failed | acknowledged | lost | longest unavailability s | primary |",
        "|---|---|---|---|---|---|---|",
        ...r.scenarios.map((s) => `| ${s.name} | ${s.operations} | ${s.failed} | ${s.acknowledged} | ${s.lost} | ${s.unavailableSeconds.toFixed(2)} | ${s.primaryBefore} → ${s.primaryAfter} |`),
    ].join("\n") + "\n";
}
