import * as assert from "assert";
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { LEGACY_STUNNEL_SERVER, REDIS_AUTH_LINE_FUNCTION, REDIS_PATHS, REDIS_SYSTEMD_DROPIN, REDIS_TLS_PROBE_FUNCTION, redisConf, redisHealthScript, redisSetupScript } from "../components/render/redis";
import { stunnelClientConf } from "../components/render/stunnel";
import { PROFILES } from "../components/profiles";
import { assertShellcheckClean } from "./helpers/shellcheck";

/** Directive → list of argument strings, in file order (comments and blank lines dropped). */
function directives(text: string): Array<[string, string]> {
    return text
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "" && !l.startsWith("#"))
        .map((l) => {
            const m = /^(\S+)\s*(.*)$/.exec(l)!;
            return [m[1], m[2]] as [string, string];
        });
}

function args(text: string, name: string): string[] {
    return directives(text).filter(([k]) => k === name).map(([, v]) => v);
}

const HOSTILE_PASSWORDS = [`a"b`, "back\\slash", "sp ace", "$(touch /tmp/pwned)", "`id`", "it's", "\\x41\\\"", "ünï✓"];

function have(cmd: string): boolean {
    return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

describe("render/redis", () => {
    const A = { bindAddress: "10.0.0.20" };
    // Throwaway certificates, for the script text only (the live specs run it with certificates from ClusterCa).
    const CERT = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUX\n-----END CERTIFICATE-----\n";
    const S = { ...A, certPem: CERT, caPem: CERT };

    it("no plain TCP port: TLS only, on the private address, client certificates required; a Unix socket for local use", () => {
        const text = redisConf({ ...A, tlsPort: 16380 });
        assert.deepStrictEqual(args(text, "bind"), ["10.0.0.20"]);
        assert.deepStrictEqual(args(text, "protected-mode"), ["yes"]);
        assert.deepStrictEqual(args(text, "port"), ["0"]);
        assert.deepStrictEqual(args(text, "tls-port"), ["16380"]);
        assert.deepStrictEqual(args(text, "tls-auth-clients"), ["yes"]);
        assert.deepStrictEqual(args(text, "tls-cert-file"), [REDIS_PATHS.tlsCert]);
        assert.deepStrictEqual(args(text, "tls-key-file"), [REDIS_PATHS.tlsKey]);
        assert.deepStrictEqual(args(text, "tls-ca-cert-file"), [REDIS_PATHS.tlsCa]);
        assert.deepStrictEqual(args(text, "tls-protocols"), ['"TLSv1.2 TLSv1.3"']);
        assert.deepStrictEqual(args(text, "tls-session-caching"), ["yes"]);
        assert.deepStrictEqual(args(text, "tls-session-cache-timeout"), ["3600"]);
        assert.deepStrictEqual(args(text, "tcp-keepalive"), ["60"]);
        assert.deepStrictEqual(args(text, "unixsocket"), [REDIS_PATHS.socket]);
        assert.deepStrictEqual(args(text, "unixsocketperm"), ["700"]);
        assert.deepStrictEqual(args(text, "requirepass"), [], "the password never appears in the rendered settings");
        assert.deepStrictEqual(args(text, "maxmemory"), [], "no limit unless asked");
        assert.deepStrictEqual(args(redisConf(A), "tls-port"), ["16379"]);
    });

    it("persistence: rdb snapshots by default, aof or nothing on request; `save` is always reset first", () => {
        const rdb = redisConf(A);
        assert.deepStrictEqual(args(rdb, "save"), ['""', "3600 1 300 100 60 10000"]);
        assert.deepStrictEqual(args(rdb, "appendonly"), ["no"]);
        const aof = redisConf({ ...A, persistence: "aof" });
        assert.deepStrictEqual(args(aof, "save"), ['""']);
        assert.deepStrictEqual(args(aof, "appendonly"), ["yes"]);
        assert.deepStrictEqual(args(aof, "appendfsync"), ["everysec"]);
        const none = redisConf({ ...A, persistence: "none" });
        assert.deepStrictEqual(args(none, "save"), ['""']);
        assert.deepStrictEqual(args(none, "appendonly"), ["no"]);
    });

    it("maxmemory with an eviction policy", () => {
        const text = redisConf({ ...A, maxmemoryMb: 512 });
        assert.deepStrictEqual(args(text, "maxmemory"), ["512mb"]);
        assert.deepStrictEqual(args(text, "maxmemory-policy"), ["allkeys-lru"]);
        assert.deepStrictEqual(args(redisConf({ ...A, maxmemoryMb: 1, maxmemoryPolicy: "volatile-ttl" }), "maxmemory-policy"), ["volatile-ttl"]);
    });

    it("refuses bad addresses, ports, sizes, policies, persistence modes and certificates", () => {
        assert.throws(() => redisConf({ bindAddress: "0.0.0.0" }), /`bindAddress`.*wildcard/);
        assert.throws(() => redisConf({ bindAddress: "10.0.0.1 0.0.0.0" }), /`bindAddress`/);
        assert.throws(() => redisConf({ bindAddress: undefined as never }), /`bindAddress`/);
        assert.throws(() => redisConf({ ...A, tlsPort: 0 }), /`tlsPort`/);
        assert.throws(() => redisConf({ ...A, tlsPort: 65536 }), /`tlsPort`/);
        assert.throws(() => redisConf({ ...A, maxmemoryMb: -1 }), /`maxmemoryMb`/);
        assert.throws(() => redisConf({ ...A, maxmemoryMb: 1.5 }), /`maxmemoryMb`/);
        assert.throws(() => redisConf({ ...A, maxmemoryMb: 1, maxmemoryPolicy: "evict; rm" as never }), /`maxmemoryPolicy`/);
        assert.throws(() => redisConf({ ...A, persistence: "both" as never }), /`persistence`/);
        assert.throws(() => redisSetupScript({ ...S, tlsPort: "6379; flushall" as never }), /`tlsPort`/);
        assert.throws(() => redisSetupScript({ ...S, certPem: CERT + "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n" }), /`certPem` contains a private key/);
        assert.throws(() => redisSetupScript({ ...S, caPem: "not a pem" }), /`caPem` must be PEM/);
    });

    it("setup and health scripts pass shellcheck and keep the password and the key off every command line", () => {
        for (const p of Object.values(PROFILES)) {
            const setup = redisSetupScript({ ...S, maxmemoryMb: 256, persistence: "aof" });
            const health = redisHealthScript({ port: 16379 });
            assertShellcheckClean(`redis setup (${p.version})`, setup);
            assertShellcheckClean(`redis health (${p.version})`, health);
            for (const text of [setup, health]) {
                assert.match(text, /IFS= read -r redis_password/);
                assert.match(text, /REDISCLI_AUTH="\$redis_password" redis-cli/);
                assert.doesNotMatch(text, /redis-cli[^\n]* -a /, "never -a PASSWORD");
                assert.doesNotMatch(text, /export REDISCLI_AUTH/, "the password is in redis-cli's environment only");
            }
            assert.doesNotMatch(setup, /PRIVATE KEY-----\n/, "no key material in the script");
            assert.match(setup, new RegExp(`put_file ${REDIS_PATHS.authConf} 0640 root:redis`));
            assert.match(setup, new RegExp(`put_file ${REDIS_PATHS.managedConf} 0640 root:redis`));
            assert.match(setup, new RegExp(`put_file ${REDIS_PATHS.tlsKey} 0640 root:redis < "\\$key_tmp"`));
            assert.match(setup, new RegExp(`include ${REDIS_PATHS.managedConf}\\ninclude ${REDIS_PATHS.authConf}\\n# END`));
            assert.match(setup, /if \[ -s "\$changes" \]; then\n  svc redis-server restart/, "restart only when a setting changed");
            assert.match(setup, /elif \[ -s "\$tls_changes" \]; then[\s\S]*config set tls-cert-file/, "new TLS files are re-read without a restart");
            assert.match(setup, new RegExp(`-s ${REDIS_PATHS.socket} "\\$@"`), "local checks over the Unix socket");
            assert.match(setup, /\/dev\/tcp\/10\.0\.0\.20\/16379/, "waits for the TLS port");
            assert.match(health, /127\.0\.0\.1 -p 16379 ping/);
            // Under systemd Redis waits for network-online (it binds the private address only) and retries a failed start every 2 s.
            assert.ok(setup.includes(REDIS_SYSTEMD_DROPIN.text) && /After=network-online\.target/.test(REDIS_SYSTEMD_DROPIN.text) && /RestartSec=2/.test(REDIS_SYSTEMD_DROPIN.text));
            assert.match(setup, /if \[ -n "\$dropin_changed" \]; then systemctl daemon-reload/);
            // The TLS probe comes before anything is written or stopped.
            assert.ok(setup.indexOf("if ! redis_tls_supported") < setup.indexOf("put_file /etc/redis"));
            assert.ok(setup.indexOf("if ! redis_tls_supported") < setup.indexOf(`systemctl disable --now ${LEGACY_STUNNEL_SERVER.unit}`));
            // The old stunnel server is gone before Redis restarts to take its port.
            assert.ok(setup.indexOf(`rm -f ${LEGACY_STUNNEL_SERVER.files.join(" ")} ${LEGACY_STUNNEL_SERVER.conf}`) < setup.indexOf("svc redis-server restart"));
        }
    });

    it("redis_auth_line escapes any printable password and refuses empty or control characters", () => {
        const run = (pw: string) => spawnSync("bash", ["-c", `${REDIS_AUTH_LINE_FUNCTION}\nredis_auth_line "$1"`, "x", pw], { encoding: "utf8" });
        assert.strictEqual(run(`a"b\\c`).stdout, `requirepass "a\\"b\\\\c"\n`);
        assert.notStrictEqual(run("").status, 0);
        assert.notStrictEqual(run("a\tb").status, 0);
        assert.notStrictEqual(run("a\x1bb").status, 0);
    });

    it("redis_tls_supported: yes for this machine's redis-server (Debian's, built with TLS), no for a build that rejects tls-port", function () {
        if (!have("redis-server")) return this.skip();
        assert.strictEqual(spawnSync("bash", ["-c", `${REDIS_TLS_PROBE_FUNCTION}\nredis_tls_supported`]).status, 0);
        // A redis-server without TLS answers the probe as any build answers an unknown directive (5.0, or no BUILD_TLS):
        // stood in for by a wrapper that renames the directive before the real binary parses it.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-notls-"));
        try {
            fs.writeFileSync(`${dir}/redis-server`, `#!/bin/sh\nsed 's/^tls-port/tls-port-unknown-here/' | exec ${execFileSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim()} "$@"\n`, { mode: 0o755 });
            const r = spawnSync("bash", ["-c", `${REDIS_TLS_PROBE_FUNCTION}\nredis_tls_supported`], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
            assert.notStrictEqual(r.status, 0);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    describe("real redis-server 7 with its own TLS and a real stunnel client in front (skipped when redis-server/stunnel4/openssl are missing)", function () {
        this.timeout(30000);
        let dir = "";
        let server: ChildProcess | undefined;
        const tlsPort = 26000 + Math.floor(Math.random() * 10000);
        const tunnelPort = tlsPort + 1;
        const password = HOSTILE_PASSWORDS.join("");
        const socket = () => `${dir}/redis.sock`;
        const cli = (pw: string, ...a: string[]) =>
            spawnSync("redis-cli", ["--no-auth-warning", "-s", socket(), ...a], { encoding: "utf8", env: { ...process.env, REDISCLI_AUTH: pw } });
        const tlsCli = (cert: string[], ...a: string[]) =>
            spawnSync("redis-cli", ["--no-auth-warning", "-h", "127.0.0.1", "-p", String(tlsPort), "--tls", "--cacert", `${dir}/ca.pem`, "--sni", "cache", ...cert, ...a], {
                encoding: "utf8",
                env: { ...process.env, REDISCLI_AUTH: password },
                timeout: 5000,
            });

        before(async function () {
            if (!have("redis-server") || !have("redis-cli") || !have("stunnel4") || !have("openssl")) {
                this.skip();
            }
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-spec-"));
            const q = { stdio: "pipe" as const };
            const pki = (caName: string, names: Array<[string, string]>) => {
                execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${dir}/${caName}.key`, "-out", `${dir}/${caName}.pem`, "-days", "2", "-subj", `/CN=${caName}`], q);
                for (const [n, eku] of names) {
                    fs.writeFileSync(`${dir}/${n}.ext`, `subjectAltName=DNS:${n}\nextendedKeyUsage=${eku}\n`);
                    execFileSync("openssl", ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${dir}/${n}.key`, "-out", `${dir}/${n}.csr`, "-subj", `/CN=${n}`], q);
                    execFileSync("openssl", ["x509", "-req", "-in", `${dir}/${n}.csr`, "-CA", `${dir}/${caName}.pem`, "-CAkey", `${dir}/${caName}.key`, "-CAcreateserial", "-out", `${dir}/${n}.pem`, "-days", "2", "-extfile", `${dir}/${n}.ext`], q);
                }
            };
            // As ClusterCa issues them: the cache's certificate for servers only, each node's for clients only.
            pki("ca", [["cache", "serverAuth"], ["node1", "clientAuth"]]);
            pki("otherca", [["rogue", "clientAuth"]]);
            const authLine = execFileSync("bash", ["-c", `${REDIS_AUTH_LINE_FUNCTION}\nIFS= read -r pw; redis_auth_line "$pw"`], { input: password + "\n", encoding: "utf8" });
            // The rendered settings with this test's paths in place of /etc/redis and /run/redis (the live specs use them as they are).
            const managed = redisConf({ bindAddress: "127.0.0.1", tlsPort, maxmemoryMb: 64, persistence: "rdb" })
                .replace(REDIS_PATHS.tlsCert, `${dir}/cache.pem`)
                .replace(REDIS_PATHS.tlsKey, `${dir}/cache.key`)
                .replace(REDIS_PATHS.tlsCa, `${dir}/ca.pem`)
                .replace(REDIS_PATHS.socket, socket());
            fs.writeFileSync(`${dir}/managed.conf`, managed);
            fs.writeFileSync(`${dir}/auth.conf`, authLine);
            // Debian-like main file: the package's values first, our includes last (as the managed block puts them).
            fs.writeFileSync(`${dir}/redis.conf`, [
                "bind 127.0.0.1 -::1", "port 6379", "save 900 1", "appendonly yes", "daemonize no", `dir ${dir}`, "logfile \"\"",
                `include ${dir}/managed.conf`, `include ${dir}/auth.conf`, "",
            ].join("\n"));
            server = spawn("redis-server", [`${dir}/redis.conf`], { stdio: "ignore" });
            // The node's stunnel client exactly as SecureRedis renders it, with this test's files.
            const client = stunnelClientConf({ acceptPort: tunnelPort, connectHost: "127.0.0.1", connectPort: tlsPort, checkHost: "cache", certPath: `${dir}/node1.pem`, keyPath: `${dir}/node1.key`, caPath: `${dir}/ca.pem`, pidPath: `${dir}/client.pid` });
            fs.writeFileSync(`${dir}/client.conf`, `output = ${dir}/client.log\n` + client);
            execFileSync("stunnel4", [`${dir}/client.conf`], q);
            for (let i = 0; i < 100; i++) {
                if (fs.existsSync(socket()) && fs.existsSync(`${dir}/client.pid`) && cli(password, "ping").stdout.trim() === "PONG") { return; }
                await new Promise((res) => setTimeout(res, 50));
            }
            assert.fail("redis-server or the stunnel client did not start");
        });

        after(async () => {
            // Only what this test started: the stunnel client by its pid file, Redis by its child handle.
            const pidFile = `${dir}/client.pid`;
            if (dir && fs.existsSync(pidFile)) {
                try { process.kill(Number(fs.readFileSync(pidFile, "utf8").trim()), "SIGTERM"); } catch { /* gone */ }
            }
            // SIGTERM alone is not enough: Redis refuses to exit when its final RDB save fails. Stop it without
            // saving, wait for the exit, fall back to SIGKILL; only then remove its directory.
            if (server && server.exitCode === null && server.signalCode === null) {
                const exited = new Promise<void>((res) => server!.once("exit", () => res()));
                cli(password, "shutdown", "nosave");
                const timer = setTimeout(() => server?.kill("SIGKILL"), 5000);
                await exited;
                clearTimeout(timer);
            }
            if (dir) { fs.rmSync(dir, { recursive: true, force: true }); }
        });

        it("our included settings win over the package's values (no plain port, TLS on)", () => {
            const get = (k: string) => cli(password, "config", "get", k).stdout.trim().split("\n")[1];
            assert.strictEqual(get("bind"), "127.0.0.1");
            assert.strictEqual(get("port"), "0", "the package's port 6379 is gone");
            assert.strictEqual(get("tls-port"), String(tlsPort));
            assert.strictEqual(get("tls-auth-clients"), "yes");
            assert.strictEqual(get("tls-session-cache-timeout"), "3600");
            assert.strictEqual(get("protected-mode"), "yes");
            assert.strictEqual(get("save"), "3600 1 300 100 60 10000", "the package's save 900 1 is gone");
            assert.strictEqual(get("appendonly"), "no");
            assert.strictEqual(get("maxmemory"), String(64 * 1024 * 1024));
            assert.strictEqual(get("maxmemory-policy"), "allkeys-lru");
            const plain = spawnSync("redis-cli", ["-h", "127.0.0.1", "-p", "6379", "ping"], { encoding: "utf8", timeout: 5000 });
            assert.doesNotMatch(plain.stdout, /PONG|NOAUTH/, "nothing answers plain TCP on the package's port");
        });

        it("a hostile password works through REDISCLI_AUTH; a wrong one is refused", () => {
            assert.strictEqual(cli(password, "ping").stdout.trim(), "PONG");
            assert.match(cli("wrong", "ping").stdout + cli("wrong", "ping").stderr, /WRONGPASS|NOAUTH|invalid/i);
            assert.match(cli("", "ping").stdout, /NOAUTH/);
        });

        it("TLS: a client certificate of the cluster CA gets in; none, or another CA's, does not", () => {
            assert.strictEqual(tlsCli(["--cert", `${dir}/node1.pem`, "--key", `${dir}/node1.key`], "ping").stdout.trim(), "PONG");
            assert.notStrictEqual(tlsCli([], "ping").stdout.trim(), "PONG", "no client certificate");
            assert.notStrictEqual(tlsCli(["--cert", `${dir}/rogue.pem`, "--key", `${dir}/rogue.key`], "ping").stdout.trim(), "PONG", "another CA's certificate");
        });

        it("the node's path: the health script prints PONG through the stunnel client with the right password, and fails otherwise", () => {
            const ok = spawnSync("bash", ["-c", redisHealthScript({ port: tunnelPort })], { input: password + "\n", encoding: "utf8" });
            assert.strictEqual(ok.status, 0, ok.stderr + (fs.existsSync(`${dir}/client.log`) ? fs.readFileSync(`${dir}/client.log`, "utf8") : ""));
            assert.strictEqual(ok.stdout, "PONG\n");
            const bad = spawnSync("bash", ["-c", redisHealthScript({ port: tunnelPort })], { input: "wrong\n", encoding: "utf8" });
            assert.notStrictEqual(bad.status, 0);
            assert.doesNotMatch(bad.stdout, /^PONG$/m);
        });

        it("CONFIG SET tls-cert-file to the same path re-reads the certificate files (how the setup reloads new ones)", () => {
            const served = () => execFileSync("bash", ["-c", `timeout 5 openssl s_client -connect 127.0.0.1:${tlsPort} -cert ${dir}/node1.pem -key ${dir}/node1.key </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256`], { encoding: "utf8" });
            const before = served();
            // A new certificate for the same key, written over the old file.
            fs.writeFileSync(`${dir}/cache2.ext`, "subjectAltName=DNS:cache\nextendedKeyUsage=serverAuth\n");
            execFileSync("openssl", ["x509", "-req", "-in", `${dir}/cache.csr`, "-CA", `${dir}/ca.pem`, "-CAkey", `${dir}/ca.key`, "-CAcreateserial", "-out", `${dir}/cache.pem`, "-days", "3", "-extfile", `${dir}/cache2.ext`], { stdio: "pipe" });
            assert.strictEqual(served(), before, "Redis keeps serving what it loaded");
            assert.strictEqual(cli(password, "config", "set", "tls-cert-file", `${dir}/cache.pem`).stdout.trim(), "OK");
            assert.notStrictEqual(served(), before, "after the CONFIG SET the new certificate is served");
            assert.strictEqual(cli(password, "ping").stdout.trim(), "PONG");
        });
    });
    describe("cache persistence (issue 15)", () => {
        it("keeps taking writes after a failed background save, and sets vm.overcommit_memory=1 only where PID 1 is the machine's init", () => {
            assert.ok(redisConf(A).split("\n").includes("stop-writes-on-bgsave-error no"));
            const s = redisSetupScript(S);
            assert.match(s, /\/etc\/sysctl\.d\/60-gluu-redis\.conf/);
            assert.match(s, /vm\.overcommit_memory = 1/);
            assert.match(s, /systemd\|init\) sysctl -q -w vm\.overcommit_memory=1/);
            assertShellcheckClean("redis setup", s);
        });
    });
});
