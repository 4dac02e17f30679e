import * as assert from "assert";
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import {
    CSYNC2_CRON_PATH,
    INETD_CSYNC2_FUNCTION,
    csync2Cfg,
    csync2CronFile,
    csync2CronScript,
    csync2Excludes,
    csync2Identity,
    csync2InetdLine,
    csync2Includes,
    csync2InitialSyncScript,
    csync2KeyFile,
    csync2SetupScript,
    csync2StunnelConf,
    csync2TransportScript,
} from "../components/render/csync2";
import { stunnelConf, stunnelSection } from "../components/render/stunnel";
import { PROFILES } from "../components/profiles";
import { assertShellcheckClean } from "./helpers/shellcheck";

/** csync2.cfg as statements: root statements and, per block, its statements (each a list of words). */
interface Cfg {
    root: string[][];
    blocks: Array<{ head: string[]; body: string[][] }>;
}

function parseCfg(text: string): Cfg {
    const tokens = text
        .split("\n")
        .map((l) => l.replace(/#.*$/, ""))
        .join("\n")
        .split(/(\{|\}|;)|\s+/)
        .filter((t) => t !== undefined && t !== "");
    const cfg: Cfg = { root: [], blocks: [] };
    let words: string[] = [];
    let block: { head: string[]; body: string[][] } | undefined;
    for (const t of tokens) {
        if (t === "{") {
            block = { head: words, body: [] };
            words = [];
        } else if (t === "}") {
            assert.ok(block, "unbalanced }");
            assert.deepStrictEqual(words, [], "statement without ; before }");
            cfg.blocks.push(block!);
            block = undefined;
        } else if (t === ";") {
            (block ? block.body : cfg.root).push(words);
            words = [];
        } else {
            words.push(t);
        }
    }
    assert.strictEqual(block, undefined, "unclosed block");
    assert.deepStrictEqual(words, [], "trailing words without ;");
    return cfg;
}

function stmts(body: string[][], keyword: string): string[][] {
    return body.filter((s) => s[0] === keyword).map((s) => s.slice(1));
}

/** stunnel sections as name → [key, value][] (global options under ""). */
function parseStunnel(text: string): Map<string, Array<[string, string]>> {
    const out = new Map<string, Array<[string, string]>>([["", []]]);
    let current = "";
    for (const raw of text.split("\n")) {
        const line = raw.trim();
        if (line === "" || line.startsWith(";")) {
            continue;
        }
        const s = /^\[(.+)\]$/.exec(line);
        if (s) {
            current = s[1];
            assert.ok(!out.has(current), `section ${current} twice`);
            out.set(current, []);
            continue;
        }
        const kv = /^([A-Za-z]+) = (.+)$/.exec(line);
        assert.ok(kv, `bad stunnel line ${JSON.stringify(line)}`);
        out.get(current)!.push([kv![1], kv![2]]);
    }
    return out;
}

const get = (opts: Array<[string, string]>, key: string) => opts.filter(([k]) => k === key).map(([, v]) => v);

const HOSTS = ["node1.example.org", "node2.example.org", "node3.example.org"];
const NODES = HOSTS.map((name, i) => ({ name, address: `10.0.0.${11 + i}` }));
const PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ\n-----END CERTIFICATE-----\n";
const HOSTILE_NAMES = ["Node1.example.org", "node1;rm -rf /", "node 1", "$(id)", "`id`", "-N", "", "node1\nhost evil", "a@b", "node1.example.org.", "x".repeat(64)];

function have(cmd: string): boolean {
    return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

describe("render/csync2", () => {
    for (const profile of Object.values(PROFILES)) {
        describe(`Gluu ${profile.version}`, () => {
            const includes = csync2Includes(profile);
            const excludes = csync2Excludes(profile);
            const cfgText = csync2Cfg({ hosts: HOSTS, includes, excludes });

            it("csync2.cfg: nossl at the root, every host as name@identity, key, includes, excludes, backups, auto younger", () => {
                const cfg = parseCfg(cfgText);
                assert.deepStrictEqual(cfg.root, [["nossl", "*", "*"]]);
                assert.strictEqual(cfg.blocks.length, 1);
                const g = cfg.blocks[0];
                assert.deepStrictEqual(g.head, ["group", "gluucluster"]);
                const hosts = stmts(g.body, "host").map((s) => s.join(" "));
                assert.deepStrictEqual(hosts, HOSTS.map((h, i) => `${h}@127.30.86.${i + 1}`));
                for (const h of hosts) {
                    assert.strictEqual(h, h.toLowerCase(), "csync2 lower-cases names: only lower-case ones can match -N");
                }
                assert.deepStrictEqual(stmts(g.body, "key"), [["/etc/csync2.key"]]);
                assert.deepStrictEqual(stmts(g.body, "include").map((s) => s[0]), includes);
                assert.deepStrictEqual(stmts(g.body, "exclude").map((s) => s[0]), excludes);
                assert.deepStrictEqual(stmts(g.body, "auto"), [["younger"]]);
                assert.deepStrictEqual(stmts(g.body, "backup-directory"), [["/var/backups/csync2"]]);
                assert.deepStrictEqual(stmts(g.body, "backup-generations"), [["3"]]);
            });

            it("replicates the Gluu directories under the container root and never the per-node files", () => {
                const root = profile.containerRoot;
                for (const p of ["/opt/gluu/jetty/identity/conf/shibboleth3/idp", "/opt/gluu/jetty/identity/conf/shibboleth3/sp",
                    "/opt/shibboleth-idp/conf", "/opt/shibboleth-idp/metadata", "/opt/shibboleth-idp/sp", "/opt/shibboleth-idp/temp_metadata",
                    "/etc/gluu/conf", "/opt/gluu/jetty/oxauth/custom", "/opt/gluu/jetty/identity/custom"]) {
                    assert.ok(includes.includes(root + p), `includes ${root + p}`);
                }
                assert.ok(includes.every((p) => p.startsWith(root + "/")));
                assert.ok(!includes.includes("/"));
                assert.deepStrictEqual(excludes, [root + profile.ldapPropertiesFile, `${root}/etc/gluu/conf/salt`,
                    `${root}/etc/gluu/conf/oxTrustLogRotationConfiguration.xml`, "*~", ".*"]);
            });

            it("every script passes shellcheck", () => {
                const opts = { hosts: HOSTS, includes, excludes };
                assertShellcheckClean(`setup ${profile.version}`, csync2SetupScript({ ...opts, name: HOSTS[1] }));
                assertShellcheckClean(`transport ${profile.version}`, csync2TransportScript({ self: HOSTS[0], nodes: NODES, certPem: PEM, caPem: PEM }));
                assertShellcheckClean(`initial primary ${profile.version}`, csync2InitialSyncScript({ name: HOSTS[0], primary: true, includes }));
                assertShellcheckClean(`initial other ${profile.version}`, csync2InitialSyncScript({ name: HOSTS[2], primary: false, includes }));
                assertShellcheckClean(`cron ${profile.version}`, csync2CronScript({ name: HOSTS[2], index: 2 }));
            });

            it("initial sync: every command carries -N, only the primary forces, per include, never `-fr /`", () => {
                const primary = csync2InitialSyncScript({ name: HOSTS[0], primary: true, includes });
                const other = csync2InitialSyncScript({ name: HOSTS[1], primary: false, includes });
                for (const [text, name] of [[primary, HOSTS[0]], [other, HOSTS[1]]]) {
                    const calls = text.split("\n").filter((l) => /(^|[;(]\s*|\s)csync2 /.test(l) && !l.trim().startsWith("#"));
                    assert.ok(calls.length >= 3);
                    for (const c of calls) {
                        assert.match(c, new RegExp(`csync2 -N ${name.replace(/\./g, "\\.")} -`), c);
                    }
                    assert.doesNotMatch(text, /-fr \/(\s|$)/);
                    assert.match(text, / -x/);
                    for (const p of includes) {
                        assert.ok(text.includes(p), `checks ${p}`);
                    }
                }
                assert.match(primary, / -fr "\$\{paths\[@\]\}"/);
                assert.doesNotMatch(other, / -f/);
            });
        });
    }

    it("setup: key from stdin (0600), one daemon mechanism with -N on loopback, the other removed", () => {
        const text = csync2SetupScript({ name: HOSTS[0], hosts: HOSTS, includes: ["/srv/a"], excludes: [] });
        assert.match(text, /IFS= read -r csync2_key/);
        assert.match(text, /put_file \/etc\/csync2\.key 0600 root:root/);
        assert.match(text, /ListenStream=\nListenStream=127\.0\.0\.1:30866/);
        assert.match(text, /ExecStart=\nExecStart=\/usr\/sbin\/csync2 -i -l -N node1\.example\.org/);
        assert.match(text, /inetd_csync2 \/etc\/inetd\.conf '127\.0\.0\.1:30866\tstream\ttcp\tnowait\troot\t\/usr\/sbin\/csync2\tcsync2 -i -l -N node1\.example\.org'/);
        assert.match(text, /inetd_csync2 \/etc\/inetd\.conf ""/, "socket mode removes the inetd entry");
        assert.match(text, /systemctl disable --now csync2\.socket/, "inetd mode disables the socket");
        assert.match(text, /\/dev\/tcp\/127\.0\.0\.1\/30866/);
    });

    it("inetd_csync2 replaces the package's entries with ours once, and removes ours on request", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "inetd-spec-"));
        try {
            const conf = `${dir}/inetd.conf`;
            const others = "daytime\tstream\ttcp\tnowait\troot\tinternal\n# a note about csync2\n";
            fs.writeFileSync(conf, others + "csync2\t\tstream\ttcp\tnowait\troot\t/usr/sbin/csync2\tcsync2 -i -l\n#<off># csync2 stream tcp nowait root /usr/sbin/csync2 csync2 -i\n10.0.0.1:30865 stream tcp nowait root /usr/sbin/csync2 csync2 -i\n");
            const line = csync2InetdLine({ name: "node1.example.org" });
            const run = (l: string) => execFileSync("bash", ["-c", `set -euo pipefail\n${INETD_CSYNC2_FUNCTION}\ninetd_csync2 "$1" "$2"`, "x", conf, l], { encoding: "utf8" });
            assert.strictEqual(run(line), `changed ${conf}\n`);
            const text = fs.readFileSync(conf, "utf8");
            assert.ok(text.startsWith(others));
            const active = text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
            assert.deepStrictEqual(active, ["daytime\tstream\ttcp\tnowait\troot\tinternal", line]);
            assert.strictEqual(run(line), "", "a second run changes nothing");
            assert.strictEqual(run(csync2InetdLine({ name: "node1.example.org", daemonPort: 30999 })), `changed ${conf}\n`);
            assert.strictEqual(fs.readFileSync(conf, "utf8").split("\n").filter((l) => l.includes("/usr/sbin/csync2")).length, 1);
            run("");
            assert.strictEqual(fs.readFileSync(conf, "utf8"), others);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("stunnel transport: one server, one SNI service and one client per peer; verifyChain everywhere; client = yes only on clients", () => {
        const conf = parseStunnel(csync2StunnelConf({ self: HOSTS[0], nodes: NODES }));
        assert.deepStrictEqual(conf.get(""), [["pid", "/run/stunnel-csync2.pid"]]);
        const names = [...conf.keys()].filter((k) => k !== "");
        assert.deepStrictEqual(names, ["csync2-in", "csync2-in-node2.example.org", "csync2-in-node3.example.org", "csync2-to-node2.example.org", "csync2-to-node3.example.org"]);
        for (const n of names) {
            const o = conf.get(n)!;
            assert.deepStrictEqual(get(o, "verifyChain"), ["yes"], n);
            assert.deepStrictEqual(get(o, "sslVersionMin"), ["TLSv1.2"], n);
            assert.deepStrictEqual(get(o, "client"), n.startsWith("csync2-to-") ? ["yes"] : [], n);
            assert.deepStrictEqual(get(o, "connect").length, 1, n);
        }
        const server = conf.get("csync2-in")!;
        assert.deepStrictEqual(get(server, "accept"), ["10.0.0.11:30865"]);
        assert.deepStrictEqual(get(server, "connect"), ["127.0.0.1:30866"]);
        assert.deepStrictEqual(get(server, "checkHost"), ["no-csync2-peer.invalid"], "no SNI = no entry");
        for (const peer of NODES.slice(1)) {
            const identity = csync2Identity(HOSTS, peer.name);
            const inbound = conf.get(`csync2-in-${peer.name}`)!;
            assert.deepStrictEqual(get(inbound, "accept"), []);
            assert.deepStrictEqual(get(inbound, "sni"), [`csync2-in:${peer.name}`]);
            assert.deepStrictEqual(get(inbound, "checkHost"), [peer.name], "only that peer's certificate");
            assert.deepStrictEqual(get(inbound, "local"), [identity], "delivered from the peer's identity address");
            assert.deepStrictEqual(get(inbound, "requireCert"), ["yes"]);
            const outbound = conf.get(`csync2-to-${peer.name}`)!;
            assert.deepStrictEqual(get(outbound, "accept"), [`${identity}:30865`], "where csync2 dials the peer");
            assert.deepStrictEqual(get(outbound, "connect"), [`${peer.address}:30865`]);
            assert.deepStrictEqual(get(outbound, "sni"), [HOSTS[0]]);
            assert.deepStrictEqual(get(outbound, "checkHost"), [peer.name]);
        }
        // The identities in the stunnel file are the ones csync2.cfg names.
        const cfg = parseCfg(csync2Cfg({ hosts: HOSTS, includes: ["/srv/x"], excludes: [] }));
        assert.deepStrictEqual(stmts(cfg.blocks[0].body, "host").map((s) => s.join(" ")), HOSTS.map((h) => `${h}@${csync2Identity(HOSTS, h)}`));
    });

    it("cron: staggered by index mod interval, -N name -x, one run at a time", () => {
        const line = (text: string) => text.split("\n").find((l) => /^\d/.test(l))!;
        assert.strictEqual(line(csync2CronFile({ name: HOSTS[0], index: 0 })), `0-59/2 * * * * root flock -n /run/gluu-csync2.lock csync2 -N ${HOSTS[0]} -x 2>&1 | logger -t gluu-csync2`);
        assert.match(line(csync2CronFile({ name: HOSTS[1], index: 1 })), /^1-59\/2 \* \* \* \* root .*csync2 -N node2\.example\.org -x /);
        assert.match(line(csync2CronFile({ name: HOSTS[2], index: 2 })), /^0-59\/2 /);
        assert.match(line(csync2CronFile({ name: HOSTS[2], index: 7, intervalMinutes: 5 })), /^2-59\/5 /);
        assert.match(csync2CronScript({ name: HOSTS[0], index: 0 }), new RegExp(`put_file ${CSYNC2_CRON_PATH} 0644 root:root`));
        assert.doesNotMatch(CSYNC2_CRON_PATH.split("/").pop()!, /\./, "cron ignores /etc/cron.d names with dots");
        assert.throws(() => csync2CronFile({ name: HOSTS[0], index: 0, intervalMinutes: 60 }), /`intervalMinutes`/);
        assert.throws(() => csync2CronFile({ name: HOSTS[0], index: -1 }), /`index`/);
    });

    it("hostile or upper-case names, bad paths and bad keys are refused", () => {
        for (const bad of HOSTILE_NAMES) {
            assert.throws(() => csync2Cfg({ hosts: [HOSTS[0], bad], includes: ["/srv/x"], excludes: [] }), /`hosts\[1\]`/, JSON.stringify(bad));
            assert.throws(() => csync2CronFile({ name: bad, index: 0 }), /`name`/, JSON.stringify(bad));
            assert.throws(() => csync2InitialSyncScript({ name: bad, primary: true, includes: ["/srv/x"] }), /`name`/);
            assert.throws(() => csync2InetdLine({ name: bad }), /`name`/);
        }
        assert.throws(() => csync2Cfg({ hosts: ["Node1", "node2"], includes: ["/srv/x"], excludes: [] }), /use "node1"/);
        assert.throws(() => csync2Cfg({ hosts: [HOSTS[0], HOSTS[0]], includes: ["/srv/x"], excludes: [] }), /twice/);
        assert.throws(() => csync2Cfg({ hosts: [HOSTS[0]], includes: ["/srv/x"], excludes: [] }), /at least two/);
        for (const p of ["/srv/a b", "/srv/x;", "relative/path", "/", "/srv/\"x\"", "/srv/#x", "/srv/(x)", "/srv/a@b"]) {
            assert.throws(() => csync2Cfg({ hosts: HOSTS, includes: [p], excludes: [] }), /`includes\[0\]`/, p);
        }
        assert.throws(() => csync2Cfg({ hosts: HOSTS, includes: ["/srv/x"], excludes: ["a b"] }), /`excludes\[0\]`/);
        assert.throws(() => csync2InitialSyncScript({ name: HOSTS[0], primary: true, includes: ["/"] }), /must not be "\/"/);
        assert.throws(() => csync2Cfg({ hosts: HOSTS, includes: ["/srv/x"], excludes: [], identityNet: "127.0.0" }), /`identityNet`/);
        assert.throws(() => csync2Cfg({ hosts: HOSTS, includes: ["/srv/x"], excludes: [], identityNet: "10.1.2" }), /`identityNet`/);
        assert.throws(() => csync2Cfg({ hosts: HOSTS, includes: ["/srv/x"], excludes: [], auto: "newest" as never }), /`auto`/);
        assert.throws(() => csync2Cfg({ hosts: HOSTS, includes: ["/srv/x"], excludes: [], group: "g;x" }), /`group`/);
        assert.throws(() => csync2StunnelConf({ self: "node9.example.org", nodes: NODES }), /`self`/);
        assert.throws(() => csync2StunnelConf({ self: HOSTS[0], nodes: [NODES[0], { name: HOSTS[1], address: "10.0.0.1;x" }] }), /address/);
        assert.throws(() => csync2SetupScript({ name: "node9.example.org", hosts: HOSTS, includes: ["/srv/x"], excludes: [] }), /not one of/);
        assert.throws(() => csync2KeyFile("short"), /32/);
        assert.throws(() => csync2KeyFile("a".repeat(40) + "\n" + "b".repeat(40)), /32/);
        assert.throws(() => csync2InetdLine({ name: HOSTS[0], extraArgs: ["-D /x"] }), /`extraArgs\[0\]`/);
        assert.strictEqual(csync2KeyFile("a".repeat(64)), "a".repeat(64) + "\n");
    });

    describe("real csync2 2.0 over stunnel on loopback (skipped unless root with csync2, stunnel4, openssl, inetd)", function () {
        this.timeout(20000);
        const names = ["node-a", "node-b"];
        let dir = "";
        const pidFiles: string[] = [];
        const inetds: ChildProcess[] = [];
        const r = Math.floor(Math.random() * 99);
        const addr = [`127.0.0.${100 + r}`, `127.0.0.${101 + r}`];
        // A fresh identity net per run: sockets closed by an earlier run may still linger in TIME_WAIT.
        const identityNet = `127.${100 + Math.floor(Math.random() * 150)}.${Math.floor(Math.random() * 256)}`;
        const base = 20000 + Math.floor(Math.random() * 20000);
        const meshPort = base;
        const daemonPort = [base + 1, base + 2];
        const nodes = names.map((name, i) => ({ name, address: addr[i] }));

        before(function () {
            if (process.getuid?.() !== 0 || !have("csync2") || !have("stunnel4") || !have("openssl") || !fs.existsSync("/usr/sbin/inetd")) {
                this.skip();
            }
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "csync2-spec-"));
        });

        after(() => {
            for (const p of inetds) {
                p.kill("SIGTERM");
            }
            for (const f of pidFiles) {
                const pid = fs.existsSync(f) ? Number(fs.readFileSync(f, "utf8").trim()) : 0;
                if (pid > 0) {
                    try { process.kill(pid, "SIGTERM"); } catch { /* gone */ }
                }
            }
            if (dir) { fs.rmSync(dir, { recursive: true, force: true }); }
        });

        const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

        async function waitPort(host: string, port: number): Promise<void> {
            for (let i = 0; i < 100; i++) {
                const ok = await new Promise<boolean>((res) => {
                    const s = net.connect({ host, port }, () => { s.destroy(); res(true); });
                    s.on("error", () => res(false));
                });
                if (ok) { return; }
                await sleep(50);
            }
            assert.fail(`${host}:${port} never listened`);
        }

        function exchange(host: string, port: number, data: string, until: RegExp): Promise<string> {
            return new Promise((resolve) => {
                let got = "";
                const s = net.connect({ host, port }, () => s.write(data));
                const done = () => { clearTimeout(t); s.destroy(); resolve(got); };
                const t = setTimeout(done, 3000);
                s.on("data", (d) => { got += d.toString(); if (until.test(got)) { done(); } });
                s.on("error", done);
                s.on("close", done);
            });
        }

        async function startStunnel(name: string, conf: string): Promise<void> {
            const file = `${dir}/${name}.conf`;
            fs.writeFileSync(file, `output = ${dir}/${name}.log\n` + conf);
            const pidFile = /^pid = (.*)$/m.exec(conf)![1];
            pidFiles.push(pidFile);
            spawnSync("stunnel4", [file]);
            for (let i = 0; i < 100 && !fs.existsSync(pidFile); i++) { await sleep(50); }
            assert.ok(fs.existsSync(pidFile), `stunnel ${name} did not start: ${fs.existsSync(`${dir}/${name}.log`) ? fs.readFileSync(`${dir}/${name}.log`, "utf8") : ""}`);
        }

        /** Run a rendered script with `csync2` resolving to this node's wrapper (own config dir and database). */
        function runAs(i: number, text: string) {
            return spawnSync("bash", ["-c", text], { encoding: "utf8", env: { ...process.env, PATH: `${dir}/${names[i]}/bin:${process.env.PATH}` } });
        }

        it("files flow both ways, the primary wins the first sync, a second run changes nothing, impostors are refused", async () => {
            // PKI: one cluster CA, one certificate per node, and an impostor signed by the same CA.
            const q = { stdio: "pipe" as const };
            execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${dir}/ca.key`, "-out", `${dir}/ca.pem`, "-days", "2", "-subj", "/CN=cluster-ca"], q);
            for (const n of [...names, "node-x"]) {
                fs.writeFileSync(`${dir}/${n}.ext`, `subjectAltName=DNS:${n}\nextendedKeyUsage=serverAuth,clientAuth\n`);
                execFileSync("openssl", ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${dir}/${n}.key`, "-out", `${dir}/${n}.csr`, "-subj", `/CN=${n}`], q);
                execFileSync("openssl", ["x509", "-req", "-in", `${dir}/${n}.csr`, "-CA", `${dir}/ca.pem`, "-CAkey", `${dir}/ca.key`, "-CAcreateserial", "-out", `${dir}/${n}.pem`, "-days", "2", "-extfile", `${dir}/${n}.ext`], q);
            }
            const tlsOf = (n: string) => ({ certPath: `${dir}/${n}.pem`, keyPath: `${dir}/${n}.key`, caPath: `${dir}/ca.pem` });
            fs.writeFileSync(`${dir}/csync2.key`, csync2KeyFile(crypto.randomBytes(48).toString("base64").replace(/[+/=]/g, "_")), { mode: 0o600 });
            fs.mkdirSync(`${dir}/backup`);
            const cfg = csync2Cfg({
                hosts: names, keyPath: `${dir}/csync2.key`, includes: ["%data%"], excludes: ["*~", ".*"], backupDir: `${dir}/backup`, identityNet,
                prefixes: { data: Object.fromEntries(names.map((n) => [n, `${dir}/${n}/data`])) },
            });

            for (const [i, n] of names.entries()) {
                for (const sub of ["data", "db", "bin"]) { fs.mkdirSync(`${dir}/${n}/${sub}`, { recursive: true }); }
                fs.writeFileSync(`${dir}/${n}/csync2.cfg`, cfg);
                fs.writeFileSync(`${dir}/${n}/bin/csync2`, `#!/bin/sh\nCSYNC2_SYSTEM_DIR=${dir}/${n} exec /usr/sbin/csync2 -D ${dir}/${n}/db "$@"\n`, { mode: 0o755 });
                // The daemon: our inetd line, written by our inetd_csync2 function, run by a private inetd.
                const inetdConf = `${dir}/${n}/inetd.conf`;
                execFileSync("bash", ["-c", `set -euo pipefail\n${INETD_CSYNC2_FUNCTION}\ninetd_csync2 "$1" "$2" >/dev/null`, "x", inetdConf,
                    csync2InetdLine({ name: n, daemonPort: daemonPort[i], extraArgs: ["-D", `${dir}/${n}/db`] })]);
                const inetd = spawn("/usr/sbin/inetd", ["-d", "-E", inetdConf], { stdio: "ignore", env: { ...process.env, CSYNC2_SYSTEM_DIR: `${dir}/${n}` } });
                inetds.push(inetd);
                await startStunnel(`stunnel-${n}`, csync2StunnelConf({ self: n, nodes, meshPort, daemonPort: daemonPort[i], identityNet, pidPath: `${dir}/stunnel-${n}.pid`, ...tlsOf(n) }));
            }
            for (const [i] of names.entries()) {
                await waitPort("127.0.0.1", daemonPort[i]);
                await waitPort(addr[i], meshPort);
                await waitPort(csync2Identity(names, names[i], identityNet), 30865);
            }

            // Conflicting start: node-b's copy is younger; node-b also has a file of its own.
            const [a, b] = names.map((n) => `${dir}/${n}/data`);
            fs.writeFileSync(`${a}/conf`, "primary\n");
            fs.writeFileSync(`${a}/shared`, "shared\n");
            fs.writeFileSync(`${b}/conf`, "other\n");
            const later = new Date(Date.now() + 120000);
            fs.utimesSync(`${b}/conf`, later, later);
            fs.writeFileSync(`${b}/only-b`, "b\n");

            const first = runAs(0, csync2InitialSyncScript({ name: names[0], primary: true, includes: [a] }));
            assert.strictEqual(first.status, 0, first.stderr + first.stdout);
            assert.match(first.stdout, /^changed /m);
            assert.strictEqual(fs.readFileSync(`${b}/conf`, "utf8"), "primary\n", "the primary's file wins although the other is younger");
            assert.strictEqual(fs.readFileSync(`${b}/shared`, "utf8"), "shared\n");

            const second = runAs(1, csync2InitialSyncScript({ name: names[1], primary: false, includes: [b] }));
            assert.strictEqual(second.status, 0, second.stderr + second.stdout);
            assert.strictEqual(fs.readFileSync(`${a}/only-b`, "utf8"), "b\n", "the other node's own file reaches the primary");

            const again = runAs(0, csync2InitialSyncScript({ name: names[0], primary: true, includes: [a] }));
            assert.strictEqual(again.status, 0, again.stderr);
            assert.doesNotMatch(again.stdout, /changed/, "nothing left to do");

            // What cron runs: csync2 -N name -x.
            // csync2 notices changes by stat data (mtime, size), not content: make the edit visible like a real one.
            fs.writeFileSync(`${a}/shared`, "edited later\n");
            const edited = new Date(Date.now() + 5000);
            fs.utimesSync(`${a}/shared`, edited, edited);
            const cron = runAs(0, `csync2 -N ${names[0]} -x`);
            assert.strictEqual(cron.status, 0, cron.stderr);
            assert.strictEqual(fs.readFileSync(`${b}/shared`, "utf8"), "edited later\n");

            // Transport security: node-b's server delivers node-a only to the holder of node-a's certificate.
            const idA = csync2Identity(names, names[0], identityNet);
            const probe = (port: number) => exchange("127.0.0.1", port, `CONFIG \nHELLO ${idA}\nBYE\n`, /cu_later|failed/i);
            const probes = [base + 10, base + 11, base + 12];
            await startStunnel("probes", stunnelConf("probes", `${dir}/probes.pid`, [
                stunnelSection({ service: "real-a", mode: "client", accept: { host: "127.0.0.1", port: probes[0] }, connect: { host: addr[1], port: meshPort }, sni: names[0], checkHost: [names[1]], ...tlsOf(names[0]) }),
                stunnelSection({ service: "impostor", mode: "client", accept: { host: "127.0.0.1", port: probes[1] }, connect: { host: addr[1], port: meshPort }, sni: names[0], checkHost: [names[1]], ...tlsOf("node-x") }),
                // Without an sni option stunnel sends none for an IP literal (or the literal): no peer service matches.
                stunnelSection({ service: "no-sni", mode: "client", accept: { host: "127.0.0.1", port: probes[2] }, connect: { host: addr[1], port: meshPort }, checkHost: [names[1]], ...tlsOf(names[0]) }),
            ]));
            for (const p of probes) { await waitPort("127.0.0.1", p); }
            const realA = await probe(probes[0]);
            assert.match(realA, /OK \(cmd_finished\)/, `node-a's certificate gets node-a's identity; got ${JSON.stringify(realA)}; log: ${fs.readFileSync(`${dir}/probes.log`, "utf8").slice(-1500)}`);
            assert.strictEqual(await probe(probes[1]), "", "a cluster certificate with another name is refused");
            assert.strictEqual(await probe(probes[2]), "", "without a peer's SNI nobody gets in");
            assert.match(await probe(daemonPort[1]), /Identification failed/, "a plain local connection cannot claim a peer's identity");
        });
    });
});
