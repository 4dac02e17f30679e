import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import {
    STUNNEL_DEFAULT_TLS,
    stunnelClientConf,
    stunnelConf,
    stunnelInstallScript,
    stunnelSection,
    stunnelServerConf,
} from "../components/render/stunnel";
import { PROFILES } from "../components/profiles";
import { assertShellcheckClean } from "./helpers/shellcheck";

/** A parsed stunnel configuration: global options and sections, each as [key, value] pairs in order. */
interface ParsedConf {
    global: Array<[string, string]>;
    sections: Array<{ name: string; options: Array<[string, string]> }>;
}

function parseStunnel(text: string): ParsedConf {
    const out: ParsedConf = { global: [], sections: [] };
    for (const raw of text.split("\n")) {
        const line = raw.trim();
        if (line === "" || line.startsWith(";") || line.startsWith("#")) {
            continue;
        }
        const section = /^\[([^\]]+)\]$/.exec(line);
        if (section) {
            out.sections.push({ name: section[1], options: [] });
            continue;
        }
        const kv = /^([A-Za-z]+)\s*=\s*(.*)$/.exec(line);
        assert.ok(kv, `not an stunnel option line: ${JSON.stringify(line)}`);
        (out.sections.length ? out.sections[out.sections.length - 1].options : out.global).push([kv![1], kv![2]]);
    }
    return out;
}

function values(options: Array<[string, string]>, key: string): string[] {
    return options.filter(([k]) => k === key).map(([, v]) => v);
}

const PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n";

function have(cmd: string): boolean {
    return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

/** A throwaway CA and host certificates made with the openssl CLI (EC P-256, SAN = name, both EKUs). */
function makePki(dir: string, names: string[], caName = "ca"): void {
    const q = { stdio: "pipe" as const };
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", `${dir}/${caName}.key`, "-out", `${dir}/${caName}.pem`, "-days", "2", "-subj", `/CN=${caName}`], q);
    for (const n of names) {
        fs.writeFileSync(`${dir}/${n}.ext`, `subjectAltName=DNS:${n}\nextendedKeyUsage=serverAuth,clientAuth\n`);
        execFileSync("openssl", ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", `${dir}/${n}.key`, "-out", `${dir}/${n}.csr`, "-subj", `/CN=${n}`], q);
        execFileSync("openssl", ["x509", "-req", "-in", `${dir}/${n}.csr`, "-CA", `${dir}/${caName}.pem`, "-CAkey", `${dir}/${caName}.key`,
            "-CAcreateserial", "-out", `${dir}/${n}.pem`, "-days", "2", "-extfile", `${dir}/${n}.ext`], q);
    }
}

function waitForPort(host: string, port: number, ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    return new Promise((resolve) => {
        const attempt = () => {
            const s = net.connect({ host, port });
            s.once("connect", () => { s.destroy(); resolve(true); });
            s.once("error", () => {
                s.destroy();
                if (Date.now() > until) { resolve(false); } else { setTimeout(attempt, 50); }
            });
        };
        attempt();
    });
}

/** Send `data` and collect what comes back until `expect` arrives, the peer closes, or `ms` pass. */
function exchange(host: string, port: number, data: string, expect: string, ms = 3000): Promise<string> {
    return new Promise((resolve) => {
        let got = "";
        const s = net.connect({ host, port }, () => s.write(data));
        const done = () => { clearTimeout(timer); s.destroy(); resolve(got); };
        const timer = setTimeout(done, ms);
        s.on("data", (d) => { got += d.toString(); if (got.includes(expect)) { done(); } });
        s.on("error", done);
        s.on("close", done);
    });
}

describe("render/stunnel", () => {
    const tls = { certPath: "/etc/stunnel/n.crt", keyPath: "/etc/stunnel/n.key", caPath: "/etc/stunnel/ca.crt" };

    it("the Redis-side server requires a cluster-signed client certificate and is never a client", () => {
        const conf = parseStunnel(stunnelServerConf({ acceptAddress: "10.0.0.5", ...tls }));
        assert.deepStrictEqual(conf.global, [["pid", "/run/stunnel-redis-server.pid"]]);
        assert.strictEqual(conf.sections.length, 1);
        const s = conf.sections[0];
        assert.strictEqual(s.name, "redis");
        assert.deepStrictEqual(values(s.options, "client"), []);
        assert.deepStrictEqual(values(s.options, "accept"), ["10.0.0.5:16379"]);
        assert.deepStrictEqual(values(s.options, "connect"), ["127.0.0.1:6379"]);
        assert.deepStrictEqual(values(s.options, "verifyChain"), ["yes"]);
        assert.deepStrictEqual(values(s.options, "requireCert"), ["yes"]);
        assert.deepStrictEqual(values(s.options, "sslVersionMin"), ["TLSv1.2"]);
        assert.deepStrictEqual(values(s.options, "cert"), [tls.certPath]);
        assert.deepStrictEqual(values(s.options, "key"), [tls.keyPath]);
        assert.deepStrictEqual(values(s.options, "CAfile"), [tls.caPath]);
        assert.deepStrictEqual(values(s.options, "foreground"), [], "foreground is the install script's decision");
    });

    it("the server can restrict which client names get in", () => {
        const s = parseStunnel(stunnelServerConf({ acceptAddress: "10.0.0.5", allowedClients: ["node1.example.org", "node2.example.org"] })).sections[0];
        assert.deepStrictEqual(values(s.options, "checkHost"), ["node1.example.org", "node2.example.org"]);
    });

    it("a node-side client listens on loopback, is a client, and pins the server name", () => {
        const conf = parseStunnel(stunnelClientConf({ connectHost: "10.0.0.5", checkHost: "redis.example.org" }));
        assert.deepStrictEqual(conf.global, [["pid", "/run/stunnel-redis-client.pid"]]);
        const s = conf.sections[0];
        assert.deepStrictEqual(values(s.options, "client"), ["yes"]);
        assert.deepStrictEqual(values(s.options, "accept"), ["127.0.0.1:16379"]);
        assert.deepStrictEqual(values(s.options, "connect"), ["10.0.0.5:16379"]);
        assert.deepStrictEqual(values(s.options, "verifyChain"), ["yes"]);
        assert.deepStrictEqual(values(s.options, "checkHost"), ["redis.example.org"]);
        assert.deepStrictEqual(values(s.options, "cert"), [STUNNEL_DEFAULT_TLS.certPath]);
        assert.deepStrictEqual(values(s.options, "sslVersionMin"), ["TLSv1.2"]);
    });

    it("hostile or malformed values never reach a configuration", () => {
        const bad: Array<() => unknown> = [
            () => stunnelServerConf({ acceptAddress: "10.0.0.5\n[evil]" }),
            () => stunnelServerConf({ acceptAddress: "0.0.0.0" }),
            () => stunnelServerConf({ acceptAddress: "$(touch /tmp/pwned)" }),
            () => stunnelServerConf({ acceptAddress: "10.0.0.5", acceptPort: 0 }),
            () => stunnelServerConf({ acceptAddress: "10.0.0.5", connectPort: 70000 }),
            () => stunnelServerConf({ acceptAddress: "10.0.0.5", acceptPort: 1.5 }),
            () => stunnelServerConf({ acceptAddress: "10.0.0.5", certPath: "relative.crt" }),
            () => stunnelServerConf({ acceptAddress: "10.0.0.5", keyPath: "/etc/../x" }),
            () => stunnelServerConf({ acceptAddress: "10.0.0.5", allowedClients: ["a b"] }),
            () => stunnelClientConf({ connectHost: "redis;rm -rf /" }),
            () => stunnelClientConf({ connectHost: "10.0.0.5", checkHost: "x\ny" }),
            () => stunnelClientConf({ connectHost: "10.0.0.5", name: "re dis" }),
            () => stunnelSection({ service: "x", mode: "client", accept: { host: "127.0.0.1", port: 1 }, connect: { host: "h", port: 2 } }),
        ];
        for (const f of bad) {
            assert.throws(f, /`[A-Za-z.\[\]0-9 ()]+`|checkHost|service/);
        }
    });

    it("the install script takes the key on stdin only and passes shellcheck", () => {
        const conf = stunnelClientConf({ connectHost: "10.0.0.5", checkHost: "redis.example.org" });
        for (const p of Object.values(PROFILES)) {
            const text = stunnelInstallScript({ confName: "redis", conf, certPem: PEM, caPem: PEM, acceptCheck: { host: "127.0.0.1", port: 16379 } });
            assertShellcheckClean(`stunnel install (${p.version})`, text);
            assert.doesNotMatch(text, /PRIVATE KEY-----\n/, "no key material in the script");
            assert.match(text, /put_file \/etc\/stunnel\/gluu-node\.key 0600 root:root < "\$key_tmp"/);
            assert.match(text, /\/etc\/stunnel\/redis\.conf/);
            assert.match(text, /stunnel@redis\.service/);
            assert.match(text, /foreground = yes/, "added only for the systemd template unit");
            assert.match(text, /ENABLED=1/);
            assert.match(text, /\/dev\/tcp\/127\.0\.0\.1\/16379/);
        }
    });

    it("the install script refuses keys in its text, a foreground line, a missing pid line and odd names", () => {
        const conf = stunnelClientConf({ connectHost: "10.0.0.5" });
        const base = { confName: "redis", conf, certPem: PEM, caPem: PEM, acceptCheck: { host: "127.0.0.1", port: 16379 } };
        assert.throws(() => stunnelInstallScript({ ...base, certPem: PEM + KEY }), /private key/);
        assert.throws(() => stunnelInstallScript({ ...base, caPem: "not a pem" }), /PEM certificate/);
        assert.throws(() => stunnelInstallScript({ ...base, conf: "foreground = yes\n" + conf }), /foreground/);
        assert.throws(() => stunnelInstallScript({ ...base, conf: conf.replace(/^pid = .*$/m, "") }), /pid/);
        assert.throws(() => stunnelInstallScript({ ...base, conf: conf + KEY }), /private key/);
        assert.throws(() => stunnelInstallScript({ ...base, confName: "../x" }), /confName/);
        assert.throws(() => stunnelInstallScript({ ...base, confName: "a b" }), /confName/);
        assert.throws(() => stunnelInstallScript({ ...base, acceptCheck: { host: "$(id)", port: 1 } }), /acceptCheck/);
    });

    describe("real stunnel 5 on loopback (skipped when stunnel4/openssl are missing)", function () {
        this.timeout(20000);
        let dir = "";
        const pidFiles: string[] = [];
        let echo: net.Server | undefined;

        before(function () {
            if (!have("stunnel4") || !have("openssl")) {
                this.skip();
            }
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "stunnel-spec-"));
        });

        after(() => {
            // Only the processes this test started, by the pid each wrote (also after a failed assertion).
            for (const f of pidFiles) {
                const pid = fs.existsSync(f) ? Number(fs.readFileSync(f, "utf8").trim()) : 0;
                if (pid > 0) {
                    try { process.kill(pid, "SIGTERM"); } catch { /* already gone */ }
                }
            }
            echo?.close();
            if (dir) { fs.rmSync(dir, { recursive: true, force: true }); }
        });

        async function start(name: string, conf: string): Promise<void> {
            const file = `${dir}/${name}.conf`;
            // Test-only global: a log file to read when something fails.
            fs.writeFileSync(file, `output = ${dir}/${name}.log\n` + conf);
            const r = spawnSync("stunnel4", [file], { encoding: "utf8" });
            const pidFile = /^pid = (.*)$/m.exec(conf)![1];
            pidFiles.push(pidFile);
            // The daemon writes its pid file just after the launching process returns.
            for (let i = 0; i < 100 && !fs.existsSync(pidFile); i++) {
                await new Promise((res) => setTimeout(res, 50));
            }
            assert.ok(fs.existsSync(pidFile), `stunnel ${name} did not start: ${r.stderr}${fs.existsSync(`${dir}/${name}.log`) ? fs.readFileSync(`${dir}/${name}.log`, "utf8") : ""}`);
        }

        it("carries bytes with mutual TLS and refuses a wrong server name and a foreign CA", async () => {
            makePki(dir, ["redis-host", "node1"]);
            makePki(dir, ["rogue"], "otherca");
            echo = net.createServer((s) => s.pipe(s));
            await new Promise<void>((r) => echo!.listen(0, "127.0.0.1", () => r()));
            const echoPort = (echo.address() as net.AddressInfo).port;
            const serverIp = `127.0.0.${100 + Math.floor(Math.random() * 100)}`;
            const base = 20000 + Math.floor(Math.random() * 20000);
            const tlsOf = (n: string, ca = "ca") => ({ certPath: `${dir}/${n}.pem`, keyPath: `${dir}/${n}.key`, caPath: `${dir}/${ca}.pem` });

            await start("server", stunnelServerConf({ acceptAddress: serverIp, acceptPort: base, connectPort: echoPort, pidPath: `${dir}/server.pid`, ...tlsOf("redis-host") }));
            await start("client", stunnelClientConf({ acceptPort: base + 1, connectHost: serverIp, connectPort: base, checkHost: "redis-host", pidPath: `${dir}/client.pid`, ...tlsOf("node1") }));
            await start("bad", stunnelConf("negative cases", `${dir}/bad.pid`, [
                stunnelSection({ service: "wrong-name", mode: "client", accept: { host: "127.0.0.1", port: base + 2 }, connect: { host: serverIp, port: base }, checkHost: ["someone-else"], ...tlsOf("node1") }),
                stunnelSection({ service: "foreign-ca", mode: "client", accept: { host: "127.0.0.1", port: base + 3 }, connect: { host: serverIp, port: base }, checkHost: ["redis-host"], ...tlsOf("rogue") }),
            ]));
            for (const p of [base, base + 1, base + 2, base + 3]) {
                assert.ok(await waitForPort(p === base ? serverIp : "127.0.0.1", p, 5000), `port ${p} listens`);
            }
            assert.strictEqual(await exchange("127.0.0.1", base + 1, "hello\n", "hello\n"), "hello\n");
            assert.strictEqual(await exchange("127.0.0.1", base + 2, "hello\n", "hello\n"), "", "a server certificate without the expected name is refused");
            assert.strictEqual(await exchange("127.0.0.1", base + 3, "hello\n", "hello\n"), "", "a client certificate from another CA is refused");
        });
    });
    describe("connection tuning (issue 15)", () => {
        it("every end gets TIMEOUTidle, TCP keep-alive on both sockets and a TLS session cache, and the real stunnel accepts them", function () {
            const conf = stunnelClientConf({ connectHost: "10.0.0.5", checkHost: "cache" });
            for (const line of ["TIMEOUTidle = 3600", "socket = l:SO_KEEPALIVE=1", "socket = r:SO_KEEPALIVE=1", "socket = l:TCP_KEEPIDLE=60", "socket = r:TCP_KEEPIDLE=60", "sessionResume = yes", "sessionCacheSize = 1000", "sessionCacheTimeout = 3600"]) {
                assert.ok(conf.split("\n").includes(line), `${line} in\n${conf}`);
            }
            assert.throws(() => stunnelClientConf({ connectHost: "10.0.0.5", tuning: { idleTimeoutSeconds: 0 } } as never), /idleTimeoutSeconds/);
            if (spawnSync("bash", ["-c", "command -v stunnel4"]).status !== 0) return this.skip();
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stunnel-tuning-"));
            try {
                execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=x", "-days", "1", "-keyout", `${dir}/k.pem`, "-out", `${dir}/c.pem`], { stdio: "ignore" });
                const text = stunnelServerConf({ acceptAddress: "127.0.0.1", acceptPort: 1, certPath: `${dir}/c.pem`, keyPath: `${dir}/k.pem`, caPath: `${dir}/c.pem`, pidPath: `${dir}/s.pid` });
                fs.writeFileSync(`${dir}/s.conf`, "foreground = yes\n" + text.replace("accept = 127.0.0.1:1", `accept = 127.0.0.1:${20000 + (process.pid % 20000)}`));
                // In the foreground for 2 s: a good file logs "Configuration successful" before it is stopped.
                const r = spawnSync("timeout", ["2", "stunnel4", `${dir}/s.conf`], { encoding: "utf8", input: "" });
                assert.match(r.stdout + r.stderr, /Configuration successful/, r.stdout + r.stderr);
            } finally {
                spawnSync("bash", ["-c", `[ -s ${dir}/s.pid ] && kill "$(cat ${dir}/s.pid)"; rm -rf ${dir}`]);
            }
        });
    });
});
