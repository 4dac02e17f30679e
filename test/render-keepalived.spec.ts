// The nginx-pair renderers (keepalived.conf, its check and notify scripts, the install and peer-check steps) and
// the health probe: their text, shellcheck, and keepalived 2.2.7's own parser (`keepalived --config-test`, the
// Debian package test/ensure-packages.sh installs) on the configuration as the install script would write it.
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AUTH_PASS_PLACEHOLDER, INTERFACE_PLACEHOLDER, KEEPALIVED_PATHS, keepalivedConf, keepalivedInstallScript, peerServesScript, vrrpCheckScript, vrrpNotifyScript } from "../components/render/keepalived";
import { healthProbeText, healthStepScript, parseHealthLine } from "../components/render/health";
import { assertShellcheckClean } from "./helpers/shellcheck";

const CONF = { hostName: "gluu-lb-1", ownAddress: "10.10.0.22", peerAddress: "10.10.0.23", virtualIp: "10.10.0.30/24", priority: 150, virtualRouterId: 42 };

function shellcheckSh(label: string, text: string) {
    // The check and notify scripts are POSIX sh (keepalived runs them often: no bash start-up cost).
    const r = spawnSync("shellcheck", ["--shell=sh", "--severity=style", "-"], { input: text, encoding: "utf8" });
    assert.strictEqual(r.status, 0, `shellcheck (sh) found problems in ${label}:\n${r.stdout}${r.stderr}`);
}

describe("keepalived renderers (nginx-pair)", () => {
    it("keepalived.conf: VRRPv2 unicast to the peer only, PASS authentication, nginx tracked with no weight, both BACKUP with nopreempt", () => {
        const c = keepalivedConf(CONF);
        for (const line of [
            "state BACKUP",
            "nopreempt",
            "virtual_router_id 42",
            "priority 150",
            "advert_int 1",
            "unicast_src_ip 10.10.0.22",
            "check_unicast_src",
            "auth_type PASS",
            `auth_pass ${AUTH_PASS_PLACEHOLDER}`,
            `10.10.0.30/24 dev ${INTERFACE_PLACEHOLDER}`,
            `script "${KEEPALIVED_PATHS.check}"`,
            "enable_script_security",
            "script_user root",
        ]) {
            assert.ok(c.split("\n").some((l) => l.trim() === line), `${line} in\n${c}`);
        }
        assert.match(c, /unicast_peer \{\n\s+10\.10\.0\.23\n\s+\}/);
        assert.doesNotMatch(c, /^\s*weight /m, "a failing check means FAULT (gives the VIP away), not a lower priority");
        assert.doesNotMatch(c, /vrrp_version 3/, "VRRPv3 drops authentication");
        assert.doesNotMatch(c, /state MASTER/, "keepalived clears nopreempt with state MASTER");
    });

    it("keepalived.conf refuses bad values, each naming its field", () => {
        assert.throws(() => keepalivedConf({ ...CONF, virtualIp: "10.10.0.30" }), /`virtualIp` must be an IPv4 address with its network's prefix length/);
        assert.throws(() => keepalivedConf({ ...CONF, peerAddress: "lb-2.example.org" }), /`peerAddress` must be an IPv4 address/);
        assert.throws(() => keepalivedConf({ ...CONF, peerAddress: CONF.ownAddress }), /must differ/);
        assert.throws(() => keepalivedConf({ ...CONF, priority: 255 }), /`priority` must be an integer from 1 to 254/);
        assert.throws(() => keepalivedConf({ ...CONF, virtualRouterId: 0 }), /`virtualRouterId` must be an integer from 1 to 255/);
        assert.throws(() => keepalivedConf({ ...CONF, hostName: "lb 1; rm" }), /plain token/);
    });

    it("keepalived 2.2.7 accepts the configuration as the install script writes it, and warns about nothing", function () {
        if (spawnSync("keepalived", ["--version"]).error) this.skip();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keepalived-"));
        try {
            // An interface of this machine that is not loopback (keepalived refuses lo for VRRP).
            const iface = execFileSync("ip", ["-o", "link", "show"], { encoding: "utf8" }).split("\n").map((l) => l.split(": ")[1]?.split("@")[0]).find((n) => n && n !== "lo");
            if (!iface) this.skip();
            const text = keepalivedConf(CONF).split(INTERFACE_PLACEHOLDER).join(iface!).split(AUTH_PASS_PLACEHOLDER).join("Ab3dE6gH");
            fs.writeFileSync(path.join(dir, "keepalived.conf"), text, { mode: 0o600 });
            const r = spawnSync("keepalived", ["--config-test", "-f", path.join(dir, "keepalived.conf")], { encoding: "utf8" });
            // The check script does not exist on this machine; keepalived reports exactly that and nothing else.
            const lines = (r.stdout + r.stderr).split("\n").filter((l) => l.trim() && !l.includes(KEEPALIVED_PATHS.check) && !l.includes(KEEPALIVED_PATHS.notify));
            assert.deepStrictEqual(lines.filter((l) => /error|unknown|truncat|ignor|warn/i.test(l)), [], `keepalived --config-test:\n${r.stdout}${r.stderr}`);
            // The same parser refuses a broken file (so the install script's guard works).
            fs.writeFileSync(path.join(dir, "bad.conf"), text.replace("advert_int 1", "advert_int"), { mode: 0o600 });
            const bad = spawnSync("keepalived", ["--config-test", "-f", path.join(dir, "bad.conf")], { encoding: "utf8" });
            assert.notStrictEqual(bad.status, 0, "a broken configuration fails --config-test");
            // A 9-character password is truncated by keepalived: why vrrpPassword is 8.
            fs.writeFileSync(path.join(dir, "long.conf"), text.replace("Ab3dE6gH", "Ab3dE6gHi"), { mode: 0o600 });
            const long = spawnSync("keepalived", ["--config-test", "-f", path.join(dir, "long.conf")], { encoding: "utf8" });
            assert.match(long.stdout + long.stderr, /Truncating auth_pass to 8 characters/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("the install step reads the password from stdin only, checks the new file with --config-test, reloads by SIGHUP; shellcheck-clean", () => {
        const s = keepalivedInstallScript({ confText: keepalivedConf(CONF), ownAddress: CONF.ownAddress });
        assertShellcheckClean("keepalived install", s);
        assert.match(s, /IFS= read -r auth_pass/);
        assert.match(s, /keepalived --config-test -f "\$stage\/keepalived.conf"/);
        assert.match(s, /kill -HUP "\$kpid"/);
        assert.ok(s.indexOf("--config-test") < s.indexOf(`put_file /etc/keepalived/keepalived.conf`), "tested before it replaces the old file");
        assert.throws(() => keepalivedInstallScript({ confText: "vrrp_instance x {}", ownAddress: CONF.ownAddress }), /keepalivedConf's text/);
        shellcheckSh("gluu-lb-vrrp-check", vrrpCheckScript());
        shellcheckSh("gluu-lb-vrrp-notify", vrrpNotifyScript());
    });

    it("the check script fails when nothing answers TLS on the port (its success is proven live)", function () {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vrrp-check-"));
        try {
            fs.writeFileSync(path.join(dir, "check"), vrrpCheckScript(1), { mode: 0o755 });
            const r = spawnSync("sh", [path.join(dir, "check")]);
            assert.notStrictEqual(r.status, 0, "port 1: nothing listens, the check fails");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("the peer check names the revision it waits for and is shellcheck-clean", () => {
        const s = peerServesScript({ serverName: "idp.example.org", peerAddress: "10.10.0.22", revision: "0123456789abcdef" });
        assertShellcheckClean("peer serves", s);
        assert.match(s, /revision 0123456789abcdef/);
        assert.match(s, /--resolve idp\.example\.org:443:10\.10\.0\.22/);
        assert.throws(() => peerServesScript({ serverName: "idp.example.org", peerAddress: "lb-1", revision: "x" }), /`peerAddress` must be an IPv4 address/);
    });
});

describe("health probe (gluu-health)", () => {
    const paths = ["/oxauth/.well-known/openid-configuration", "/identity/"];
    it("the probe program and the step are shellcheck-clean", () => {
        assertShellcheckClean("gluu-health", healthProbeText({ serverName: "idp.example.org", paths, cachePort: 16379 }));
        assertShellcheckClean("health step", healthStepScript({ serverName: "idp.example.org", paths, cachePort: 16379 }));
    });

    it("prints one JSON line saying what is down when nothing answers, and exits 1", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "health-"));
        try {
            // Port 1 on loopback: nothing listens, every probe fails fast.
            const text = healthProbeText({ serverName: "idp.example.org", paths, cachePort: 1, timeoutSeconds: 2 }).replace(/--resolve idp\.example\.org:443:127\.0\.0\.1/, "--resolve idp.example.org:443:127.0.0.1 --connect-to ::127.0.0.1:1");
            fs.writeFileSync(path.join(dir, "h"), text, { mode: 0o755 });
            const r = spawnSync("bash", [path.join(dir, "h")], { encoding: "utf8" });
            assert.strictEqual(r.status, 1);
            const parsed = JSON.parse(r.stdout.trim());
            assert.deepStrictEqual(Object.keys(parsed), [...paths, "cache"]);
            assert.deepStrictEqual(parseHealthLine(r.stdout), { [paths[0]]: "down (000)", [paths[1]]: "down (000)", cache: "down (none)" });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("parses an all-up line into status per path and `up` for the cache", () => {
        const line = JSON.stringify({ "/identity/": { status: "302", up: true }, cache: { reply: "-NOAUTH", up: true } });
        assert.deepStrictEqual(parseHealthLine(`noise\n${line}\n`), { "/identity/": "302", cache: "up" });
        assert.deepStrictEqual(parseHealthLine("not json"), {});
    });
});

