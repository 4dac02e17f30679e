// nginx-pair for real: NginxPair's steps (recorded under the mocks, run over SSH) on two bed hosts sharing one
// bridge, keepalived 2.2.7 moving the virtual IP; a client loops HTTPS requests through the VIP while the active
// host's nginx is stopped and later the then-active host's link is cut. The counts are asserted here; the times
// are the bench's (`npm run bench -- --live`, src/benchHa.ts).
import * as assert from "assert";
import { HA_LBS, HaBenchResult, renderHaBench, runNginxPairFailover } from "../../src/benchHa";
import { unwrap } from "../helpers/program";
import { assertNothingChanged } from "./hosts";
import { mocks } from "../setup";

describe("live: nginx-pair (two NGINX hosts, keepalived, a virtual IP) under faults", function () {
    this.timeout(120000);
    let r: HaBenchResult;

    before(async () => {
        r = await runNginxPairFailover(mocks, (s) => console.log(`    ${s}`));
        console.log(renderHaBench(r).replace(/^/gm, "      "));
    });

    it("applies one host at a time: lb-1 nginx, lb-1 keepalived, lb-2 checks lb-1 serves, lb-2 nginx, lb-2 keepalived", () => {
        const order = ["lb-1-nginx", "lb-1-keepalived", "lb-2-peer-serves", "lb-2-nginx", "lb-2-keepalived"];
        for (let i = 1; i < order.length; i++) {
            assert.ok(r.report.step(order[i]).startedAt >= r.report.step(order[i - 1]).endedAt, `${order[i]} starts after ${order[i - 1]} ended`);
        }
        assert.match(r.report.step("lb-2-peer-serves").stdout, /peer \S+ answers \(\d{3}\)/);
        for (const h of HA_LBS) assert.match(r.report.step(`${h}-keepalived`).stdout, /started keepalived/);
    });

    it("sends the VRRP password on stdin only, with logging off and the output secret", () => {
        for (const h of HA_LBS) {
            const step = r.resources.find((x) => x.name === `${h}-keepalived`)!;
            assert.strictEqual(unwrap(step.inputs.stdin).secret, true);
            assert.strictEqual(step.inputs.logging, "none");
            assert.ok(!JSON.stringify(step.inputs.create).includes("Ab3dE6gH"), "the password is not in the script");
        }
    });

    it("the first host (higher priority) holds the VIP after the steps", () => {
        assert.strictEqual(r.initialMaster, "lb-1");
    });

    it("a second run of every step changes nothing (no reload, the VIP stays)", () => {
        assertNothingChanged(r.second);
        for (const h of HA_LBS) assert.doesNotMatch(r.second.step(`${h}-keepalived`).stdout, /reloaded|started/);
    });

    it("a bad change (a key that does not fit the certificate) fails on host 1, never reaches host 2, and the VIP keeps serving", () => {
        const st = r.badChange.statuses;
        assert.strictEqual(st["lb-1-nginx"], "failed");
        for (const n of ["lb-1-keepalived", "lb-2-peer-serves", "lb-2-nginx", "lb-2-keepalived"]) assert.strictEqual(st[n], "blocked", `${n} did not run`);
        assert.deepStrictEqual(r.badChange.answers, ["200", "200", "200", "200", "200"]);
    });

    it("gluu-health through the VIP (the health output's probe, TLS verified) says every path is up", () => {
        assert.deepStrictEqual(r.healthThroughVip, { "/oxauth/.well-known/openid-configuration": "200", "/identity/": "200" });
    });

    it("nginx stopped on the active host: the VIP moves to the other host and 0 requests fail after the move", () => {
        const row = r.rows[0];
        assert.strictEqual(row.to, "lb-2");
        assert.ok(Number.isFinite(row.recoverySeconds), `the VIP answered again: ${JSON.stringify(row)}`);
        assert.strictEqual(row.failedAfterMove, 0, JSON.stringify(row));
        assert.ok(row.requests > 20, `the loop ran (${row.requests} requests)`);
    });

    it("the recovered first host stays BACKUP and leaves the VIP where it is (nopreempt)", () => {
        assert.deepStrictEqual(r.afterRecovery, { "lb-1": "BACKUP", "lb-2": "MASTER" });
    });

    it("link of the active host cut: the VIP moves back and 0 requests fail after the move", () => {
        const row = r.rows[1];
        assert.strictEqual(row.to, "lb-1");
        assert.ok(Number.isFinite(row.recoverySeconds), `the VIP answered again: ${JSON.stringify(row)}`);
        assert.strictEqual(row.failedAfterMove, 0, JSON.stringify(row));
    });
});
