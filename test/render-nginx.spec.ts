import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    NGINX_DEFAULT_PATHS,
    NginxBackend,
    NginxConfOptions,
    externalLbDescription,
    nginxConf,
    nginxGuardFunction,
    nginxInstallScript,
    nginxServersInclude,
} from "../components/render/nginx";
import { lbCheckScript } from "../components/render/lbCheck";
import { PUT_FILE_FUNCTION, script } from "../components/render/shell";
import { PROFILES } from "../components/profiles";
import { assertShellcheckClean } from "./helpers/shellcheck";

// ---- a small nginx.conf parser, so the tests check directives and blocks, not substrings ----

interface Directive {
    name: string;
    args: string[];
    children?: Directive[];
}

function tokenize(text: string): string[] {
    const tokens: string[] = [];
    let i = 0;
    while (i < text.length) {
        const c = text[i];
        if (/\s/.test(c)) {
            i++;
        } else if (c === "#") {
            while (i < text.length && text[i] !== "\n") i++;
        } else if (c === "{" || c === "}" || c === ";") {
            tokens.push(c);
            i++;
        } else if (c === '"' || c === "'") {
            let j = i + 1;
            let s = "";
            while (j < text.length && text[j] !== c) {
                if (text[j] === "\\") {
                    s += text[j] + text[j + 1];
                    j += 2;
                } else {
                    s += text[j++];
                }
            }
            tokens.push(s);
            i = j + 1;
        } else {
            let j = i;
            while (j < text.length && !/[\s{};#]/.test(text[j])) j++;
            tokens.push(text.slice(i, j));
            i = j;
        }
    }
    return tokens;
}

function parseNginx(text: string): Directive[] {
    const tokens = tokenize(text);
    let pos = 0;
    function block(): Directive[] {
        const out: Directive[] = [];
        while (pos < tokens.length && tokens[pos] !== "}") {
            const words: string[] = [];
            while (pos < tokens.length && tokens[pos] !== ";" && tokens[pos] !== "{" && tokens[pos] !== "}") {
                words.push(tokens[pos++]);
            }
            assert.ok(words.length > 0 && pos < tokens.length && tokens[pos] !== "}", `unterminated directive near ${words.join(" ")}`);
            if (tokens[pos] === ";") {
                pos++;
                out.push({ name: words[0], args: words.slice(1) });
            } else {
                pos++;
                const children = block();
                assert.strictEqual(tokens[pos], "}", "unbalanced braces");
                pos++;
                out.push({ name: words[0], args: words.slice(1), children });
            }
        }
        return out;
    }
    const top = block();
    assert.strictEqual(pos, tokens.length, "unbalanced braces at the end");
    return top;
}

const all = (ds: Directive[] | undefined, name: string) => (ds ?? []).filter((d) => d.name === name);
function one(ds: Directive[] | undefined, name: string): Directive {
    const found = all(ds, name);
    assert.strictEqual(found.length, 1, `expected exactly one ${name}, found ${found.length}`);
    return found[0];
}
/** Every directive anywhere in the tree. */
function walk(ds: Directive[]): Directive[] {
    return ds.flatMap((d) => [d, ...walk(d.children ?? [])]);
}

// ---- fixtures ----

const BACKENDS: NginxBackend[] = [
    { name: "gluu-1", address: "10.231.0.11" },
    { name: "gluu-2", address: "10.231.0.12" },
    { name: "gluu-3", address: "gluu-3.internal.example.org", port: 8443 },
];

function confOptions(version: string, extra: Partial<NginxConfOptions> = {}): NginxConfOptions {
    const p = PROFILES[version];
    return {
        serverName: "idp.example.org",
        backends: BACKENDS,
        roundRobinPaths: p.lbPaths.roundRobin,
        stickyPaths: p.lbPaths.sticky,
        ...extra,
    };
}

function parsed(version: string, extra: Partial<NginxConfOptions> = {}) {
    const tree = parseNginx(nginxConf(confOptions(version, extra)));
    const http = one(tree, "http").children!;
    const opts = confOptions(version, extra);
    // The server lines live in the include both upstreams read; parsed here as nginx would splice them in.
    const included = parseNginx(nginxServersInclude({ backends: opts.backends, maxFails: opts.maxFails, failTimeoutSeconds: opts.failTimeoutSeconds }));
    const upstreams = new Map(
        all(http, "upstream").map((u) => [u.args[0], u.children!.flatMap((d) => (d.name === "include" && d.args[0] === NGINX_DEFAULT_PATHS.serversIncludePath ? included : [d]))]),
    );
    const servers = all(http, "server").map((s) => s.children!);
    const https = servers.filter((s) => all(s, "listen").some((l) => l.args[0] === "443"));
    const plain = servers.filter((s) => all(s, "listen").some((l) => l.args[0] === "80"));
    assert.strictEqual(https.length, 1, "one server on 443");
    assert.strictEqual(plain.length, 1, "one server on 80");
    return { tree, http, upstreams, https: https[0], plain: plain[0] };
}

/** location blocks of a server by their full match spec ("= /", "/oxauth"). */
function locations(server: Directive[]): Map<string, Directive[]> {
    return new Map(all(server, "location").map((l) => [l.args.join(" "), l.children!]));
}

/** nginx resolves upstream host names when it loads the config: real runs use addresses only. */
const IP_BACKENDS: NginxBackend[] = [
    { name: "gluu-1", address: "10.231.0.11" },
    { name: "gluu-2", address: "10.231.0.12", port: 8443 },
    { name: "gluu-3", address: "fd00::13" },
];

/** The upstream include and the active checker for these backends, as NginxBalancer passes them. */
function lbExtras(backends: NginxBackend[]): { serversText: string; checkScript: string } {
    return { serversText: nginxServersInclude({ backends }), checkScript: lbCheckScript({ serverName: "idp.example.org", backends }) };
}

function tmpDir(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "nginx-spec-"));
}

function selfSigned(dir: string, base: string, cn: string): { cert: string; key: string } {
    execFileSync(
        "openssl",
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=${cn}`, "-addext", `subjectAltName=DNS:${cn}`,
            "-keyout", path.join(dir, `${base}.key`), "-out", path.join(dir, `${base}.crt`)],
        { stdio: ["ignore", "ignore", "pipe"] },
    );
    return { cert: fs.readFileSync(path.join(dir, `${base}.crt`), "utf8"), key: fs.readFileSync(path.join(dir, `${base}.key`), "utf8") };
}

const NGINX = "/usr/sbin/nginx";
const have = (cmd: string) => spawnSync("bash", ["-c", `command -v ${cmd}`]).status === 0;
/** Real nginx runs happen in a private mount namespace so nginx -t's temp dirs and logs never touch this machine. */
function sandboxReason(): string | undefined {
    if (!fs.existsSync(NGINX)) return `nginx is not installed at ${NGINX} (apt-get install -y nginx)`;
    if (process.getuid?.() !== 0) return "needs root for a private mount namespace (unshare)";
    for (const c of ["unshare", "openssl", "curl", "ip", "service"]) {
        if (!have(c)) return `${c} is not installed`;
    }
    return undefined;
}

describe("render/nginx", () => {
    describe("nginxConf: the load balancer's nginx.conf", () => {
        for (const version of Object.keys(PROFILES)) {
            const profile = PROFILES[version];

            it(`${version}: is a complete nginx.conf (user, pid, worker_processes, events, http with mime types and logs)`, () => {
                const { tree, http } = parsed(version);
                assert.deepStrictEqual(one(tree, "user").args, ["www-data"]);
                assert.deepStrictEqual(one(tree, "pid").args, ["/run/nginx.pid"]);
                assert.deepStrictEqual(one(tree, "worker_processes").args, ["auto"]);
                assert.deepStrictEqual(one(one(tree, "events").children, "worker_connections").args, ["6500"]);
                assert.deepStrictEqual(one(http, "include").args, ["/etc/nginx/mime.types"]);
                assert.deepStrictEqual(one(http, "access_log").args, ["/var/log/nginx/access.log"]);
                assert.strictEqual(one(tree, "error_log").args[0], "/var/log/nginx/error.log");
                const includes = all(walk(tree), "include").map((d) => d.args[0]);
                assert.deepStrictEqual(includes, ["/etc/nginx/mime.types", NGINX_DEFAULT_PATHS.serversIncludePath, NGINX_DEFAULT_PATHS.serversIncludePath], "sites-enabled/conf.d are not included");
            });

            it(`${version}: puts every node in both upstreams (one include), hash on the whole client address only in the sticky one, zone and keepalive in both`, () => {
                const { upstreams } = parsed(version);
                assert.deepStrictEqual([...upstreams.keys()].sort(), ["backend", "backend_sticky"]);
                const expected = ["10.231.0.11:443", "10.231.0.12:443", "gluu-3.internal.example.org:8443"];
                for (const [name, body] of upstreams) {
                    const servers = all(body, "server");
                    assert.deepStrictEqual(servers.map((s) => s.args[0]), expected, `${name} lists every node`);
                    for (const s of servers) {
                        assert.deepStrictEqual(s.args.slice(1), ["max_fails=2", "fail_timeout=10s"], `${name} ${s.args[0]}`);
                    }
                }
                assert.deepStrictEqual(one(upstreams.get("backend_sticky"), "hash").args, ["$remote_addr", "consistent"]);
                assert.strictEqual(all(upstreams.get("backend"), "hash").length, 0);
                for (const [name, body] of upstreams) {
                    assert.strictEqual(all(body, "ip_hash").length, 0, "ip_hash keys on a /24");
                    assert.deepStrictEqual(one(body, "zone").args, [name, "64k"], `${name}: failure state shared by the workers`);
                    assert.deepStrictEqual(one(body, "keepalive").args, ["32"]);
                    assert.deepStrictEqual(one(body, "keepalive_timeout").args, ["4s"], "idle node connections close before Apache's 5 s KeepAliveTimeout");
                    const order = body.map((d) => d.name);
                    assert.ok(order.indexOf("keepalive") > order.indexOf("hash"), "the balancing method comes before keepalive");
                }
            });

            it(`${version}: gives every profile path one location on the right upstream, root as exact match, URI kept`, () => {
                const { https } = parsed(version);
                const locs = locations(https);
                const expect = (p: string, upstream: string) => {
                    const key = p === "/" ? "= /" : p;
                    const body = locs.get(key);
                    assert.ok(body, `location ${key} exists`);
                    // No URI part after the upstream name: nginx passes the request URI unchanged.
                    assert.deepStrictEqual(one(body, "proxy_pass").args, [`https://${upstream}`], key);
                    assert.strictEqual(all(body, "proxy_set_header").length, 0, `${key} inherits the server's headers`);
                };
                profile.lbPaths.roundRobin.forEach((p) => expect(p, "backend"));
                profile.lbPaths.sticky.forEach((p) => expect(p, "backend_sticky"));
                const proxied = [...locs.values()].filter((b) => all(b, "proxy_pass").length > 0);
                assert.strictEqual(proxied.length, profile.lbPaths.roundRobin.length + profile.lbPaths.sticky.length, "no other proxied location");
                assert.deepStrictEqual(one(locs.get("/"), "return").args, ["404"], "unlisted paths are not proxied");
            });

            it(`${version}: listens with \`listen 443 ssl\`, never \`ssl on\`, TLS 1.2/1.3 with server ciphers off`, () => {
                const { tree, https } = parsed(version);
                assert.deepStrictEqual(one(https, "listen").args, ["443", "ssl", "default_server"]);
                assert.strictEqual(all(walk(tree), "ssl").length, 0, "no `ssl on`");
                assert.deepStrictEqual(one(https, "ssl_protocols").args, ["TLSv1.2", "TLSv1.3"]);
                assert.deepStrictEqual(one(https, "ssl_prefer_server_ciphers").args, ["off"]);
                assert.doesNotMatch(one(https, "ssl_ciphers").args[0], /RC4|3DES|CBC|MD5|NULL|EXPORT/);
                assert.strictEqual(one(https, "ssl_session_cache").args[0].startsWith("shared:"), true);
                assert.deepStrictEqual(one(https, "ssl_certificate").args, [NGINX_DEFAULT_PATHS.certPath]);
                assert.deepStrictEqual(one(https, "ssl_certificate_key").args, [NGINX_DEFAULT_PATHS.keyPath]);
            });

            it(`${version}: redirects port 80 to exactly https://<serverName>$request_uri (not the seed's loadbalance. typo)`, () => {
                const { plain } = parsed(version);
                assert.deepStrictEqual(one(plain, "listen").args, ["80", "default_server"]);
                const locs = locations(plain);
                assert.deepStrictEqual(one(locs.get("/"), "return").args, ["301", "https://idp.example.org$request_uri"]);
            });

            it(`${version}: retries the next node only when it is broken (never on a 500, never a POST), every wait bounded, keep-alive to the nodes`, () => {
                const { https } = parsed(version);
                assert.deepStrictEqual(one(https, "proxy_next_upstream").args, ["error", "timeout", "invalid_header", "http_502", "http_503", "http_504"]);
                assert.deepStrictEqual(one(https, "proxy_connect_timeout").args, ["2s"]);
                assert.deepStrictEqual(one(https, "proxy_read_timeout").args, ["30s"]);
                assert.deepStrictEqual(one(https, "proxy_send_timeout").args, ["30s"]);
                assert.deepStrictEqual(one(https, "proxy_next_upstream_timeout").args, ["10s"]);
                assert.deepStrictEqual(one(https, "proxy_next_upstream_tries").args, ["2"]);
                assert.deepStrictEqual(one(https, "proxy_http_version").args, ["1.1"]);
                assert.deepStrictEqual(one(https, "proxy_ssl_session_reuse").args, ["on"]);
                const headers = new Map(all(https, "proxy_set_header").map((h) => [h.args[0], h.args.slice(1).join(" ")]));
                assert.deepStrictEqual(Object.fromEntries(headers), {
                    Host: "$host",
                    "X-Real-IP": "$remote_addr",
                    "X-Forwarded-For": "$proxy_add_x_forwarded_for",
                    "X-Forwarded-Proto": "$scheme",
                    Connection: "",
                });
            });

            it(`${version}: verifies the nodes' certificates against the CA with the fixed Gluu host name`, () => {
                const { https } = parsed(version);
                assert.deepStrictEqual(one(https, "proxy_ssl_verify").args, ["on"]);
                assert.deepStrictEqual(one(https, "proxy_ssl_trusted_certificate").args, [NGINX_DEFAULT_PATHS.backendCaPath]);
                assert.deepStrictEqual(one(https, "proxy_ssl_name").args, ["idp.example.org"], "not $upstream_addr");
                assert.deepStrictEqual(one(https, "proxy_ssl_server_name").args, ["on"]);
                assert.ok(Number(one(https, "proxy_ssl_verify_depth").args[0]) >= 1);
            });

            it(`${version}: answers /lb-health with 200 "ok" itself on both ports, without a backend`, () => {
                const { https, plain } = parsed(version);
                for (const server of [https, plain]) {
                    const body = locations(server).get("= /lb-health");
                    assert.ok(body);
                    assert.strictEqual(all(body, "proxy_pass").length, 0);
                    assert.deepStrictEqual(one(body, "return").args, ["200", "ok\\n"]);
                }
            });
        }

        it("uses the given names, paths and tuning values", () => {
            const { tree, https, upstreams } = parsed("4.5", {
                backendTlsName: "gluu-node.example.org",
                maxFails: 3,
                failTimeoutSeconds: 30,
                connectTimeoutSeconds: 5,
                workerConnections: 1024,
                certPath: "/srv/tls/lb.crt",
                healthPath: "/healthz",
            });
            assert.deepStrictEqual(one(https, "proxy_ssl_name").args, ["gluu-node.example.org"]);
            assert.deepStrictEqual(all(upstreams.get("backend"), "server")[0].args.slice(1), ["max_fails=3", "fail_timeout=30s"]);
            assert.deepStrictEqual(one(https, "proxy_connect_timeout").args, ["5s"]);
            assert.deepStrictEqual(one(one(tree, "events").children, "worker_connections").args, ["1024"]);
            assert.deepStrictEqual(one(https, "ssl_certificate").args, ["/srv/tls/lb.crt"]);
            assert.ok(locations(https).has("= /healthz"));
        });

        it("writes IPv6 backends in brackets", () => {
            const { upstreams } = parsed("4.5", { backends: [{ name: "v6", address: "fd00::11" }] });
            assert.deepStrictEqual(all(upstreams.get("backend"), "server")[0].args[0], "[fd00::11]:443");
            assert.match(nginxServersInclude({ backends: [{ name: "v6", address: "fd00::11" }], down: ["v6"] }), /^server \[fd00::11\]:443 max_fails=2 fail_timeout=10s down; # v6$/m);
            assert.throws(() => nginxServersInclude({ backends: BACKENDS, down: ["gluu-9"] }), /`down`/);
        });

        it("refuses hostile or malformed server names, backends and paths, naming the field", () => {
            const hostile = ["idp.example.org; include /etc/shadow", "a b", "x\ny", "$host", "*.example.org", "a'b", "", "-x.org", "10.0.0.1"];
            for (const serverName of hostile) {
                assert.throws(() => nginxConf(confOptions("4.5", { serverName })), /`serverName`/, JSON.stringify(serverName));
            }
            for (const address of ["10.0.0.1;", "10.0.0.1 backup", "x}y", "$(id)", "", "a/b"]) {
                assert.throws(() => nginxConf(confOptions("4.5", { backends: [{ name: "n", address }] })), /`backends\[0\]\.address`/, address);
            }
            assert.throws(() => nginxConf(confOptions("4.5", { backends: [{ name: "n\n}", address: "10.0.0.1" }] })), /`backends\[0\]\.name`/);
            for (const port of [0, 70000, 1.5, NaN]) {
                assert.throws(() => nginxConf(confOptions("4.5", { backends: [{ name: "n", address: "10.0.0.1", port }] })), /`backends\[0\]\.port`/);
            }
            assert.throws(() => nginxConf(confOptions("4.5", { backends: [] })), /`backends`/);
            assert.throws(() => nginxConf(confOptions("4.5", { backends: [BACKENDS[0], { ...BACKENDS[0], name: "again" }] })), /repeats/);
            for (const p of ["/a;b", "/a b", "oxauth", "/x{", "/$uri", "/a//b", "~ ^/"]) {
                assert.throws(() => nginxConf(confOptions("4.5", { roundRobinPaths: [p] })), /`roundRobinPaths`/, p);
            }
            assert.throws(() => nginxConf(confOptions("4.5", { stickyPaths: ["/oxauth"] })), /repeats \/oxauth/);
            assert.throws(() => nginxConf(confOptions("4.5", { roundRobinPaths: ["/lb-health"] })), /`healthPath`/);
            assert.throws(() => nginxConf(confOptions("4.5", { roundRobinPaths: [], stickyPaths: [] })), /both empty/);
            assert.throws(() => nginxConf(confOptions("4.5", { certPath: "/etc/x.crt; ssl off" })), /`certPath`/);
            assert.throws(() => nginxConf(confOptions("4.5", { keyPath: "relative/key" })), /`keyPath`/);
            assert.throws(() => nginxConf(confOptions("4.5", { backendTlsName: "$upstream_addr" })), /`backendTlsName`/);
            assert.throws(() => nginxConf(confOptions("4.5", { clientMaxBodySize: "1m; x" })), /`clientMaxBodySize`/);
            assert.throws(() => nginxConf(confOptions("4.5", { maxFails: 0 })), /`maxFails`/);
        });

        it("passes this machine's `nginx -t` (temp prefix, throwaway self-signed certificate)", function () {
            const why = sandboxReason();
            if (why) {
                console.log(`      skipped: ${why}`);
                this.skip();
            }
            const dir = tmpDir();
            try {
                const tls = selfSigned(dir, "lb", "idp.example.org");
                for (const version of Object.keys(PROFILES)) {
                    const conf = nginxConf(
                        confOptions(version, {
                            certPath: path.join(dir, "lb.crt"),
                            keyPath: path.join(dir, "lb.key"),
                            backendCaPath: path.join(dir, "lb.crt"),
                            logDir: dir,
                            backends: IP_BACKENDS,
                            serversIncludePath: path.join(dir, "servers.conf"),
                        }),
                    );
                    fs.writeFileSync(path.join(dir, "servers.conf"), nginxServersInclude({ backends: IP_BACKENDS, down: ["gluu-2"] }));
                    assert.ok(tls.cert);
                    const file = path.join(dir, `nginx-${version}.conf`);
                    fs.writeFileSync(file, conf);
                    const r = spawnSync(
                        "unshare",
                        ["--mount", "bash", "-c", `mount -t tmpfs tmpfs /var/lib/nginx && exec ${NGINX} -t -q -c "$1" -p "$2" -e "$2/error.log"`, "x", file, dir],
                        { encoding: "utf8" },
                    );
                    assert.strictEqual(r.status, 0, `nginx -t ${version}:\n${r.stdout}${r.stderr}`);
                    assert.doesNotMatch(r.stderr, /\[warn\]|\[emerg\]/, `no warnings for ${version}`);
                }
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe("nginxInstallScript: install and reload without ever breaking a working load balancer", () => {
        const dir = tmpDir();
        const lb = selfSigned(dir, "lb", "idp.example.org");
        after(() => fs.rmSync(dir, { recursive: true, force: true }));

        for (const version of Object.keys(PROFILES)) {
            it(`${version}: passes shellcheck and carries no private key`, () => {
                const s = nginxInstallScript({ confText: nginxConf(confOptions(version)), certPem: lb.cert, backendCaPem: lb.cert, ...lbExtras(BACKENDS) });
                assertShellcheckClean(`gluu-lb-check ${version}`, lbExtras(BACKENDS).checkScript);
                assertShellcheckClean(`nginx install ${version}`, s);
                assert.doesNotMatch(s, /PRIVATE KEY/);
                assert.ok(s.includes(lb.cert.trim().split("\n")[1]), "the public certificate is embedded");
                assert.match(s, /^# Install NGINX .*stdin: private key PEM/m);
            });
        }

        it("refuses a private key where a certificate belongs, garbage PEM, and paths the conf does not use", () => {
            const confText = nginxConf(confOptions("4.5"));
            assert.throws(() => nginxInstallScript({ confText, certPem: lb.cert + lb.key, backendCaPem: lb.cert }), /`certPem`.*stdin/);
            assert.throws(() => nginxInstallScript({ confText, certPem: lb.cert, backendCaPem: lb.key }), /`backendCaPem`/);
            assert.throws(() => nginxInstallScript({ confText, certPem: "not a cert", backendCaPem: lb.cert }), /`certPem`/);
            const broken = lb.cert.replace(/\n[A-Za-z0-9+/]{20}/, "\nAAAAAAAAAAAAAAAAAAAA");
            assert.throws(() => nginxInstallScript({ confText, certPem: broken, backendCaPem: lb.cert }), /`certPem`/);
            assert.throws(() => nginxInstallScript({ confText, certPem: lb.cert, backendCaPem: lb.cert, keyPath: "/etc/other.key" }), /`keyPath`.*not used/);
            assert.throws(() => nginxInstallScript({ confText: confText + lb.key, certPem: lb.cert, backendCaPem: lb.cert }), /private key/);
            assert.throws(() => nginxInstallScript({ confText: "events {}", certPem: lb.cert, backendCaPem: lb.cert }), /`confText`/);
            assert.throws(() => nginxInstallScript({ confText, certPem: lb.cert, backendCaPem: lb.cert, ...lbExtras(BACKENDS), serversText: nginxServersInclude({ backends: BACKENDS, down: ["gluu-1"] }) }), /`serversText`/);
            assert.throws(() => nginxInstallScript({ confText, certPem: lb.cert, backendCaPem: lb.cert, ...lbExtras(BACKENDS), checkScript: "#!/bin/sh\n" }), /`checkScript`/);
        });

        it("guard: a config that fails `nginx -t` never replaces the working one; a good one is installed once", function () {
            const why = sandboxReason();
            if (why) {
                console.log(`      skipped: ${why}`);
                this.skip();
            }
            const work = tmpDir();
            try {
                const target = path.join(work, "etc", "nginx.conf");
                fs.mkdirSync(path.dirname(target));
                const goodConf = nginxConf(
                    confOptions("4.5", {
                        certPath: path.join(dir, "lb.crt"),
                        keyPath: path.join(dir, "lb.key"),
                        backendCaPath: path.join(dir, "lb.crt"),
                        logDir: work,
                        backends: IP_BACKENDS,
                        serversIncludePath: path.join(work, "servers.conf"),
                    }),
                );
                fs.writeFileSync(path.join(work, "servers.conf"), nginxServersInclude({ backends: IP_BACKENDS }));
                fs.writeFileSync(path.join(work, "good.conf"), goodConf);
                fs.writeFileSync(path.join(work, "bad.conf"), goodConf.replace("proxy_ssl_verify on;", "proxy_ssl_verify maybe;"));
                // A node name the load balancer cannot resolve fails the test too (nginx resolves at load time).
                fs.writeFileSync(path.join(work, "unresolvable.conf"), goodConf.replace(`include ${path.join(work, "servers.conf")};`, "server gluu-1.invalid:443;"));
                const guard = script(
                    "guard test",
                    PUT_FILE_FUNCTION,
                    nginxGuardFunction({ nginxBin: NGINX, testArgs: ["-p", work, "-e", path.join(work, "error.log")] }),
                    'nginx_guarded_install "$1" "$2" "$3" || exit 1\necho "reload=$nginx_reload"',
                );
                assertShellcheckClean("guard", guard);
                const run = (conf: string, force = "0") =>
                    spawnSync("unshare", ["--mount", "bash", "-c", `mount -t tmpfs tmpfs /var/lib/nginx && exec bash -c "$1" guard "$2" "$3" "$4"`, "x", guard, path.join(work, conf), target, force], {
                        encoding: "utf8",
                    });

                const first = run("good.conf");
                assert.strictEqual(first.status, 0, first.stderr);
                assert.strictEqual(first.stdout, `changed ${target}\nreload=1\n`);
                assert.strictEqual(fs.readFileSync(target, "utf8"), goodConf);
                assert.strictEqual((fs.statSync(target).mode & 0o777).toString(8), "644");

                const again = run("good.conf");
                assert.strictEqual(again.stdout, "reload=0\n", "an unchanged config is neither tested nor reloaded");

                const forced = run("good.conf", "1");
                assert.strictEqual(forced.stdout, "reload=1\n", "changed TLS files force a test and a reload");

                const bad = run("bad.conf");
                assert.notStrictEqual(bad.status, 0);
                assert.match(bad.stderr, /nginx -t rejected the new configuration/);
                assert.match(bad.stderr, /proxy_ssl_verify/, "nginx's own message is shown");
                assert.strictEqual(fs.readFileSync(target, "utf8"), goodConf, "the working config is untouched");
                assert.deepStrictEqual(fs.readdirSync(path.dirname(target)), ["nginx.conf"], "no candidate file is left behind");

                const unresolvable = run("unresolvable.conf");
                assert.notStrictEqual(unresolvable.status, 0);
                assert.match(unresolvable.stderr, /host not found in upstream "gluu-1\.invalid:443"/);
                assert.strictEqual(fs.readFileSync(target, "utf8"), goodConf);
            } finally {
                fs.rmSync(work, { recursive: true, force: true });
            }
        });

        it("whole script in a sandbox: installs, proxies with verified TLS, keeps sessions sticky, re-runs silently, refuses bad input", function () {
            const why = sandboxReason();
            if (why) {
                console.log(`      skipped: ${why}`);
                this.skip();
            }
            this.timeout(120000);
            const work = tmpDir();
            try {
                // Two good nodes (127.0.0.2/.3) with the Gluu certificate and one impostor (127.0.0.4) whose
                // certificate has the right name but the wrong issuer: it must never answer through the LB.
                const impostor = selfSigned(work, "impostor", "idp.example.org");
                const other = selfSigned(work, "other", "idp.example.org");
                assert.ok(impostor.cert && other.cert);
                for (const [name, ip, tls] of [["b1", "127.0.0.2", "lb"], ["b2", "127.0.0.3", "lb"], ["bad", "127.0.0.4", "impostor"]]) {
                    const tlsDir = tls === "lb" ? dir : work;
                    fs.mkdirSync(path.join(work, name));
                    fs.writeFileSync(
                        path.join(work, name, "nginx.conf"),
                        `pid ${work}/${name}/nginx.pid;\nerror_log ${work}/${name}/error.log;\nevents {}\nhttp {\n  access_log off;\n` +
                            `  server {\n    listen ${ip}:8443 ssl;\n    ssl_certificate ${tlsDir}/${tls}.crt;\n    ssl_certificate_key ${tlsDir}/${tls}.key;\n` +
                            `    location / { return 200 "${name} $request_uri\\n"; }\n  }\n}\n`,
                    );
                }
                // Nodes on 8443: the LB's wildcard :443 cannot share a port with 127.0.0.x:443 listeners.
                const backends = [
                    { name: "b1", address: "127.0.0.2", port: 8443 },
                    { name: "b2", address: "127.0.0.3", port: 8443 },
                    { name: "bad", address: "127.0.0.4", port: 8443 },
                ];
                const conf = nginxConf({ ...confOptions("4.5"), backends });
                const good = nginxInstallScript({ confText: conf, certPem: lb.cert, backendCaPem: lb.cert, ...lbExtras(backends) });
                const broken = nginxInstallScript({ confText: conf.replace("proxy_ssl_verify on;", "proxy_ssl_verify maybe;"), certPem: other.cert, backendCaPem: lb.cert, ...lbExtras(backends) });
                fs.writeFileSync(path.join(work, "good.sh"), good);
                fs.writeFileSync(path.join(work, "broken.sh"), broken);
                const retuned = nginxConf({ ...confOptions("4.5"), backends, connectTimeoutSeconds: 3 });
                fs.writeFileSync(path.join(work, "retuned.sh"), nginxInstallScript({ confText: retuned, certPem: lb.cert, backendCaPem: lb.cert, ...lbExtras(backends) }));
                fs.writeFileSync(path.join(work, "conf.expected"), conf);

                const driver = `
set -uo pipefail
work="$1"; lbdir="$2"
# A private /run (no systemd here, so svc uses service), /etc/nginx, logs and temp dirs; loopback only.
mount -t tmpfs tmpfs /run
cp -a /etc/nginx "$work/etc-nginx"; mount --bind "$work/etc-nginx" /etc/nginx
mkdir -p "$work/log" "$work/lib" "$work/sbin" "$work/varlog"; mount --bind "$work/varlog" /var/log; mkdir -p /var/log/nginx
mount --bind "$work/log" /var/log/nginx; mount --bind "$work/lib" /var/lib/nginx; mount --bind "$work/sbin" /usr/local/sbin
ip link set lo up
for b in b1 b2 bad; do ${NGINX} -c "$work/$b/nginx.conf" -p "$work/$b" -e "$work/$b/error.log"; done
step() { local name="$1"; shift; "$@" > "$work/$name.out" 2> "$work/$name.err"; echo $? > "$work/$name.rc"; }
get() { curl -sS --max-time 10 --resolve idp.example.org:443:127.0.0.1 --cacert "$lbdir/lb.crt" "https://idp.example.org$1"; }
step run1 bash "$work/good.sh" < "$lbdir/lb.key"
step health get /lb-health
curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' --resolve idp.example.org:80:127.0.0.1 'http://idp.example.org/oxauth/a?b=c' > "$work/redirect.out"
for i in 1 2 3 4 5 6 7 8; do get "/oxauth/x?i=$i"; done > "$work/rr.out" 2>&1
for i in 1 2 3 4 5 6; do get "/identity/home.htm"; done > "$work/sticky.out" 2>&1
curl -sS -o /dev/null -w '%{http_code}' --resolve idp.example.org:443:127.0.0.1 --cacert "$lbdir/lb.crt" https://idp.example.org/not-gluu > "$work/unknown.out"
grep -c 'upstream SSL certificate verify error' /var/log/nginx/error.log > "$work/verify.out"
# The active checker marks the impostor (its certificate fails verification) down within a few seconds.
for _ in $(seq 1 50); do grep -q ' down; # bad$' /etc/nginx/gluu-lb/upstream-servers.conf && break; sleep 0.1; done
cp /etc/nginx/gluu-lb/upstream-servers.conf "$work/servers-after-check.out"
kill "$(cat "$work/b1/nginx.pid")"; sleep 0.5
for i in 1 2 3 4; do get "/oxauth/y"; done > "$work/failover.out" 2>&1
step run2 bash "$work/good.sh" < "$lbdir/lb.key"
step wrongkey bash "$work/good.sh" < "$work/other.key"
step broken bash "$work/broken.sh" < "$work/other.key"
cmp -s /etc/nginx/nginx.conf "$work/conf.expected"; echo $? > "$work/conf-kept.out"
cmp -s /etc/nginx/ssl/gluu.crt "$lbdir/lb.crt" && cmp -s /etc/nginx/ssl/gluu.key "$lbdir/lb.key"; echo $? > "$work/tls-kept.out"
stat -c '%a %U' /etc/nginx/ssl/gluu.key > "$work/keymode.out"
step healthafter get /lb-health
old_master=$(cat /run/nginx.pid)
step retuned bash "$work/retuned.sh" < "$lbdir/lb.key"
sleep 0.5
grep -c 'proxy_connect_timeout 3s;' /etc/nginx/nginx.conf > "$work/retuned-conf.out"
[ "$(cat /run/nginx.pid)" = "$old_master" ] && echo same-master > "$work/master.out"
step healthretuned get /lb-health
`;
                const r = spawnSync(
                    "unshare",
                    ["--mount", "--net", "--pid", "--fork", "--kill-child", "--mount-proc", "bash", "-c", driver, "driver", work, dir],
                    { encoding: "utf8", timeout: 110000 },
                );
                assert.strictEqual(r.status, 0, `driver: ${r.stdout}${r.stderr}`);
                const out = (name: string) => fs.readFileSync(path.join(work, name), "utf8");
                const diag = (step: string) => `${step}: rc=${out(`${step}.rc`)} stdout:\n${out(`${step}.out`)}\nstderr:\n${out(`${step}.err`)}`;

                assert.strictEqual(out("run1.rc").trim(), "0", diag("run1"));
                assert.deepStrictEqual(out("run1.out").trim().split("\n").sort(), [
                    "changed /etc/nginx/gluu-lb/upstream-servers.conf",
                    "changed /etc/nginx/nginx.conf",
                    "changed /etc/nginx/ssl/gluu-backend-ca.crt",
                    "changed /etc/nginx/ssl/gluu.crt",
                    "changed /etc/nginx/ssl/gluu.key",
                    "changed /usr/local/sbin/gluu-lb-check",
                    "changed started gluu-lb-check",
                    "started nginx",
                ]);
                const checked = out("servers-after-check.out");
                assert.match(checked, / down; # bad$/m, `the checker marked the impostor down:\n${checked}`);
                assert.doesNotMatch(checked, / down; # b[12]$/m, "and only it");
                assert.strictEqual(out("health.out"), "ok\n");
                assert.strictEqual(out("redirect.out"), "301 https://idp.example.org/oxauth/a?b=c");
                const rr = out("rr.out").trim().split("\n");
                assert.ok(rr.every((l) => /^b[12] \/oxauth\/x\?i=\d$/.test(l)), `round robin kept the URI and only good nodes answered:\n${rr.join("\n")}`);
                assert.deepStrictEqual(new Set(rr.map((l) => l.split(" ")[0])), new Set(["b1", "b2"]), "round robin uses both nodes");
                const sticky = out("sticky.out").trim().split("\n");
                assert.strictEqual(sticky.length, 6);
                assert.strictEqual(new Set(sticky.map((l) => l.split(" ")[0])).size, 1, `one client stays on one node:\n${sticky.join("\n")}`);
                assert.match(sticky[0], /^b[12] \/identity\/home\.htm$/);
                assert.strictEqual(out("unknown.out"), "404");
                assert.ok(Number(out("verify.out")) >= 1, "the impostor node was rejected by certificate verification");
                assert.deepStrictEqual(out("failover.out").trim().split("\n"), ["b2 /oxauth/y", "b2 /oxauth/y", "b2 /oxauth/y", "b2 /oxauth/y"]);

                assert.strictEqual(out("run2.rc").trim(), "0", diag("run2"));
                assert.strictEqual(out("run2.out"), "", "a second run changes nothing and does not reload");

                assert.notStrictEqual(out("wrongkey.rc").trim(), "0");
                assert.match(out("wrongkey.err"), /does not belong to the certificate/);

                assert.notStrictEqual(out("broken.rc").trim(), "0", diag("broken"));
                assert.match(out("broken.err"), /nginx -t rejected/);
                assert.match(out("broken.err"), /restored the previous TLS files/);
                assert.strictEqual(out("conf-kept.out").trim(), "0", "the working nginx.conf stays");
                assert.strictEqual(out("tls-kept.out").trim(), "0", "the working certificate and key are back");
                assert.strictEqual(out("keymode.out").trim(), "600 root");
                assert.strictEqual(out("healthafter.out"), "ok\n", "the load balancer still answers");

                assert.strictEqual(out("retuned.rc").trim(), "0", diag("retuned"));
                assert.strictEqual(out("retuned.out"), "changed /etc/nginx/nginx.conf\nreloaded nginx\n", "a changed config is reloaded, not restarted");
                assert.strictEqual(out("retuned-conf.out").trim(), "1");
                assert.strictEqual(out("master.out").trim(), "same-master", "reload keeps the master process");
                assert.strictEqual(out("healthretuned.out"), "ok\n");
            } finally {
                fs.rmSync(work, { recursive: true, force: true });
            }
        });
    });

    describe("externalLbDescription: for users with their own load balancer", () => {
        it("lists the upstream servers, the sticky paths and a node health check", () => {
            const d = externalLbDescription({
                serverName: "idp.example.org",
                backends: BACKENDS,
                roundRobinPaths: PROFILES["3.1.6"].lbPaths.roundRobin,
                stickyPaths: PROFILES["3.1.6"].lbPaths.sticky,
            });
            assert.strictEqual(d.hostname, "idp.example.org");
            assert.deepStrictEqual(d.backends.map((b) => `${b.address}:${b.port}`), ["10.231.0.11:443", "10.231.0.12:443", "gluu-3.internal.example.org:8443"]);
            assert.deepStrictEqual(d.stickyPaths, ["/identity", "/idp", "/passport", "/casa"]);
            assert.ok(d.roundRobinPaths.includes("/asimba"));
            assert.strictEqual(d.backendTlsName, "idp.example.org");
            assert.strictEqual(d.healthCheck.path, "/oxauth/.well-known/openid-configuration");
            assert.match(d.text, /^Sticky paths .*: \/identity \/idp \/passport \/casa$/m);
            assert.match(d.text, /^ {2}gluu-1 {2}10\.231\.0\.11:443$/m);
            assert.deepStrictEqual(JSON.parse(JSON.stringify(d)), d, "plain data, usable as a component output");
        });

        it("refuses the same hostile values as the NGINX renderer", () => {
            const base = { serverName: "idp.example.org", backends: BACKENDS, roundRobinPaths: ["/"], stickyPaths: ["/identity"] };
            assert.throws(() => externalLbDescription({ ...base, serverName: "a;b" }), /`serverName`/);
            assert.throws(() => externalLbDescription({ ...base, backends: [{ name: "x", address: "1.2.3.4 y" }] }), /address/);
            assert.throws(() => externalLbDescription({ ...base, stickyPaths: ["/"] }), /repeats/);
        });
    });
});
