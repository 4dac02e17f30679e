import * as assert from "assert";
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { REDIS_AUTH_LINE_FUNCTION, REDIS_PATHS, redisConf, redisHealthScript, redisSetupScript } from "../components/render/redis";
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
    it("manages loopback-only bind, protected mode and the port", () => {
        const text = redisConf({ port: 6380 });
        assert.deepStrictEqual(args(text, "bind"), ["127.0.0.1"]);
        assert.deepStrictEqual(args(text, "protected-mode"), ["yes"]);
        assert.deepStrictEqual(args(text, "port"), ["6380"]);
        assert.deepStrictEqual(args(text, "requirepass"), [], "the password never appears in the rendered settings");
        assert.deepStrictEqual(args(text, "maxmemory"), [], "no limit unless asked");
        assert.deepStrictEqual(args(redisConf(), "port"), ["6379"]);
    });

    it("persistence: rdb snapshots by default, aof or nothing on request; `save` is always reset first", () => {
        const rdb = redisConf();
        assert.deepStrictEqual(args(rdb, "save"), ['""', "3600 1 300 100 60 10000"]);
        assert.deepStrictEqual(args(rdb, "appendonly"), ["no"]);
        const aof = redisConf({ persistence: "aof" });
        assert.deepStrictEqual(args(aof, "save"), ['""']);
        assert.deepStrictEqual(args(aof, "appendonly"), ["yes"]);
        assert.deepStrictEqual(args(aof, "appendfsync"), ["everysec"]);
        const none = redisConf({ persistence: "none" });
        assert.deepStrictEqual(args(none, "save"), ['""']);
        assert.deepStrictEqual(args(none, "appendonly"), ["no"]);
    });

    it("maxmemory with an eviction policy", () => {
        const text = redisConf({ maxmemoryMb: 512 });
        assert.deepStrictEqual(args(text, "maxmemory"), ["512mb"]);
        assert.deepStrictEqual(args(text, "maxmemory-policy"), ["allkeys-lru"]);
        assert.deepStrictEqual(args(redisConf({ maxmemoryMb: 1, maxmemoryPolicy: "volatile-ttl" }), "maxmemory-policy"), ["volatile-ttl"]);
    });

    it("refuses bad ports, sizes, policies and persistence modes", () => {
        assert.throws(() => redisConf({ port: 0 }), /`port`/);
        assert.throws(() => redisConf({ port: 65536 }), /`port`/);
        assert.throws(() => redisConf({ maxmemoryMb: -1 }), /`maxmemoryMb`/);
        assert.throws(() => redisConf({ maxmemoryMb: 1.5 }), /`maxmemoryMb`/);
        assert.throws(() => redisConf({ maxmemoryMb: 1, maxmemoryPolicy: "evict; rm" as never }), /`maxmemoryPolicy`/);
        assert.throws(() => redisConf({ persistence: "both" as never }), /`persistence`/);
        assert.throws(() => redisSetupScript({ port: "6379; flushall" as never }), /`port`/);
    });

    it("setup and health scripts pass shellcheck and keep the password off every command line", () => {
        for (const p of Object.values(PROFILES)) {
            const setup = redisSetupScript({ maxmemoryMb: 256, persistence: "aof" });
            const health = redisHealthScript({ port: 16379 });
            assertShellcheckClean(`redis setup (${p.version})`, setup);
            assertShellcheckClean(`redis health (${p.version})`, health);
            for (const text of [setup, health]) {
                assert.match(text, /IFS= read -r redis_password/);
                assert.match(text, /REDISCLI_AUTH="\$redis_password" redis-cli/);
                assert.doesNotMatch(text, /redis-cli[^\n]* -a /, "never -a PASSWORD");
                assert.doesNotMatch(text, /export REDISCLI_AUTH/, "the password is in redis-cli's environment only");
            }
            assert.match(setup, new RegExp(`put_file ${REDIS_PATHS.authConf} 0640 root:redis`));
            assert.match(setup, new RegExp(`put_file ${REDIS_PATHS.managedConf} 0640 root:redis`));
            assert.match(setup, new RegExp(`include ${REDIS_PATHS.managedConf}\\ninclude ${REDIS_PATHS.authConf}\\n# END`));
            assert.match(setup, /if \[ -s "\$changes" \]; then\n  svc redis-server restart/, "restart only when a file changed");
            assert.match(health, /127\.0\.0\.1 -p 16379 ping/);
        }
    });

    it("redis_auth_line escapes any printable password and refuses empty or control characters", () => {
        const run = (pw: string) => spawnSync("bash", ["-c", `${REDIS_AUTH_LINE_FUNCTION}\nredis_auth_line "$1"`, "x", pw], { encoding: "utf8" });
        assert.strictEqual(run(`a"b\\c`).stdout, `requirepass "a\\"b\\\\c"\n`);
        assert.notStrictEqual(run("").status, 0);
        assert.notStrictEqual(run("a\tb").status, 0);
        assert.notStrictEqual(run("a\x1bb").status, 0);
    });

    describe("real redis-server 7 on loopback (skipped when redis-server/redis-cli are missing)", function () {
        this.timeout(20000);
        let dir = "";
        let server: ChildProcess | undefined;
        const port = 26000 + Math.floor(Math.random() * 10000);
        const password = HOSTILE_PASSWORDS.join("");
        const cli = (pw: string, ...a: string[]) =>
            spawnSync("redis-cli", ["--no-auth-warning", "-h", "127.0.0.1", "-p", String(port), ...a], { encoding: "utf8", env: { ...process.env, REDISCLI_AUTH: pw } });

        before(async function () {
            if (!have("redis-server") || !have("redis-cli")) {
                this.skip();
            }
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "redis-spec-"));
            const authLine = execFileSync("bash", ["-c", `${REDIS_AUTH_LINE_FUNCTION}\nIFS= read -r pw; redis_auth_line "$pw"`], { input: password + "\n", encoding: "utf8" });
            fs.writeFileSync(`${dir}/managed.conf`, redisConf({ port, maxmemoryMb: 64, persistence: "rdb" }));
            fs.writeFileSync(`${dir}/auth.conf`, authLine);
            // Debian-like main file: the package's values first, our includes last (as the managed block puts them).
            fs.writeFileSync(`${dir}/redis.conf`, [
                "bind 127.0.0.1 -::1", "port 0", "save 900 1", "appendonly yes", "daemonize no", `dir ${dir}`, "logfile \"\"",
                `include ${dir}/managed.conf`, `include ${dir}/auth.conf`, "",
            ].join("\n"));
            server = spawn("redis-server", [`${dir}/redis.conf`], { stdio: "ignore" });
            for (let i = 0; i < 100; i++) {
                const ok = await new Promise<boolean>((res) => {
                    const s = net.connect({ host: "127.0.0.1", port }, () => { s.destroy(); res(true); });
                    s.on("error", () => res(false));
                });
                if (ok) { return; }
                await new Promise((res) => setTimeout(res, 50));
            }
            assert.fail("redis-server did not start");
        });

        after(async () => {
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

        it("our included settings win over the package's values", () => {
            const get = (k: string) => cli(password, "config", "get", k).stdout.trim().split("\n")[1];
            assert.strictEqual(get("bind"), "127.0.0.1");
            assert.strictEqual(get("protected-mode"), "yes");
            assert.strictEqual(get("save"), "3600 1 300 100 60 10000", "the package's save 900 1 is gone");
            assert.strictEqual(get("appendonly"), "no");
            assert.strictEqual(get("maxmemory"), String(64 * 1024 * 1024));
            assert.strictEqual(get("maxmemory-policy"), "allkeys-lru");
        });

        it("a hostile password works through REDISCLI_AUTH; a wrong one is refused", () => {
            assert.strictEqual(cli(password, "ping").stdout.trim(), "PONG");
            assert.match(cli("wrong", "ping").stdout + cli("wrong", "ping").stderr, /WRONGPASS|NOAUTH|invalid/i);
            assert.match(cli("", "ping").stdout, /NOAUTH/);
        });

        it("the health script prints PONG with the right password on stdin and fails otherwise", () => {
            const ok = spawnSync("bash", ["-c", redisHealthScript({ port })], { input: password + "\n", encoding: "utf8" });
            assert.strictEqual(ok.status, 0, ok.stderr);
            assert.strictEqual(ok.stdout, "PONG\n");
            const bad = spawnSync("bash", ["-c", redisHealthScript({ port })], { input: "wrong\n", encoding: "utf8" });
            assert.notStrictEqual(bad.status, 0);
            assert.doesNotMatch(bad.stdout, /^PONG$/m);
        });
    });
    describe("cache persistence (issue 15)", () => {
        it("keeps taking writes after a failed background save, and sets vm.overcommit_memory=1 only where PID 1 is the machine's init", () => {
            assert.ok(redisConf().split("\n").includes("stop-writes-on-bgsave-error no"));
            const s = redisSetupScript();
            assert.match(s, /\/etc\/sysctl\.d\/60-gluu-redis\.conf/);
            assert.match(s, /vm\.overcommit_memory = 1/);
            assert.match(s, /systemd\|init\) sysctl -q -w vm\.overcommit_memory=1/);
            assertShellcheckClean("redis setup", s);
        });
    });
});
