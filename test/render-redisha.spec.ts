// redis-ha renderers: Redis, Sentinel and HAProxy configurations and their install scripts. The configurations
// are checked by the real programs (redis-server --test-memory is not a config check; `redis-server` and
// `redis-sentinel` are started on a unix socket / loopback, `haproxy -c` parses), the scripts by shellcheck.
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HAPROXY_PASSWORD_PLACEHOLDER, haproxyInstallScript, haproxyRedisConf } from "../components/render/haproxy";
import { REDIS_HA_MASTER_NAME, redisHaConf, redisHaHealthScript, redisHaSetupScript, writeLossBound } from "../components/render/redisHa";
import { sentinelConf, sentinelMasterConf, sentinelQuorum, sentinelQuorumScript, sentinelSetupScript } from "../components/render/sentinel";
import { opensslPair } from "./helpers/pki";
import { assertShellcheckClean } from "./helpers/shellcheck";

const have = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const pair = opensslPair("gluu-cache-1");
const ca = opensslPair("cluster-ca");
const safety = { minReplicasToWrite: 1, minReplicasMaxLagSeconds: 10 };

describe("render: redis-ha Redis", () => {
    it("speaks TLS only, with client certificates, TLS replication, and the write-loss bound", () => {
        const conf = redisHaConf({ address: "10.0.0.5", ...safety });
        for (const line of ["port 0", "tls-port 16379", "tls-auth-clients yes", "tls-replication yes", "bind 10.0.0.5 127.0.0.1", "min-replicas-to-write 1", "min-replicas-max-lag 10", "replica-announce-ip 10.0.0.5", "stop-writes-on-bgsave-error no"]) {
            assert.ok(conf.split("\n").includes(line), `${line} in\n${conf}`);
        }
        assert.doesNotMatch(conf, /requirepass|masterauth|replicaof/, "no secret and no role in the managed file");
        assert.match(writeLossBound(safety), /11 s/);
        assert.match(writeLossBound({ minReplicasToWrite: 0, minReplicasMaxLagSeconds: 10 }), /no bound on a network partition/);
    });

    it("refuses bad values naming the field", () => {
        assert.throws(() => redisHaConf({ address: "10.0.0.5; rm -rf /", ...safety }), /`address`/);
        assert.throws(() => redisHaConf({ address: "10.0.0.5", minReplicasToWrite: -1, minReplicasMaxLagSeconds: 10 }), /`minReplicasToWrite`/);
        assert.throws(() => redisHaConf({ address: "10.0.0.5", minReplicasToWrite: 1, minReplicasMaxLagSeconds: 0 }), /`minReplicasMaxLagSeconds`/);
        assert.throws(() => redisHaSetupScript({ address: "10.0.0.5", ...safety, certPem: pair.key, caPem: ca.cert, initialPrimary: "10.0.0.5", sentinels: [] }), /`certPem`/);
    });

    it("is a configuration redis-server 7.0 starts with (TLS port on loopback, our certificate)", function () {
        if (!have("redis-server")) this.skip();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gluu-redisha-"));
        try {
            const conf = redisHaConf({ address: "127.0.0.1", port: 46379, ...safety })
                .replace(/\/etc\/redis\/tls\//g, `${dir}/`)
                .replace("daemonize yes", "daemonize no")
                .replace(/^(pidfile|logfile|dir) .*$/gm, "")
                .replace("bind 127.0.0.1 127.0.0.1", "bind 127.0.0.1");
            fs.writeFileSync(path.join(dir, "gluu-ha.crt"), pair.cert);
            fs.writeFileSync(path.join(dir, "gluu-ha.key"), pair.key);
            fs.writeFileSync(path.join(dir, "gluu-cluster-ca.crt"), pair.cert);
            fs.writeFileSync(path.join(dir, "r.conf"), conf + `dir ${dir}\n`);
            // --test: start, answer one PING over TLS, stop.
            const r = spawnSync("bash", ["-c", `redis-server r.conf & p=$!; for _ in $(seq 1 50); do redis-cli --tls --cert gluu-ha.crt --key gluu-ha.key --cacert gluu-ha.crt -p 46379 ping 2>/dev/null | grep -q PONG && { echo PONG; break; }; sleep 0.1; done; kill $p; wait $p`], { cwd: dir, encoding: "utf8" });
            assert.match(r.stdout, /PONG/, r.stderr);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("renders setup and health scripts that pass shellcheck and keep secrets out of the text", () => {
        const s = redisHaSetupScript({ address: "10.0.0.6", ...safety, certPem: pair.cert, caPem: ca.cert, initialPrimary: "10.0.0.5", sentinels: ["10.0.0.5", "10.0.0.6", "10.0.0.7"] });
        assertShellcheckClean("redisHaSetupScript", s);
        assertShellcheckClean("redisHaHealthScript", redisHaHealthScript());
        assert.doesNotMatch(s, /PRIVATE KEY-----\n/);
        assert.match(s, /sentinel get-master-addr-by-name gluu-cache/);
        assert.match(s, /replicaof \$primary 16379/);
    });
});

describe("render: redis-ha Sentinel", () => {
    it("needs three Sentinels and takes a majority as quorum", () => {
        assert.throws(() => sentinelQuorum(2), /at least 3 Sentinels/);
        assert.strictEqual(sentinelQuorum(3), 2);
        assert.strictEqual(sentinelQuorum(4), 3);
        assert.strictEqual(sentinelQuorum(5), 3);
    });

    it("speaks TLS only and uses the production timing by default", () => {
        const conf = sentinelConf({ address: "10.0.0.5" });
        for (const line of ["port 0", "tls-port 26379", "tls-replication yes", "tls-auth-clients yes", "sentinel announce-ip 10.0.0.5"]) {
            assert.ok(conf.split("\n").includes(line), line);
        }
        const master = sentinelMasterConf({});
        assert.match(master, new RegExp(`down-after-milliseconds ${REDIS_HA_MASTER_NAME} 5000`));
        assert.match(master, /failover-timeout gluu-cache 60000/);
        assert.match(sentinelMasterConf({ downAfterMs: 1500, failoverTimeoutMs: 6000 }), /down-after-milliseconds gluu-cache 1500\nsentinel failover-timeout gluu-cache 6000/);
        assert.throws(() => sentinelMasterConf({ downAfterMs: 10 }), /`downAfterMs`/);
    });

    it("renders scripts that pass shellcheck", () => {
        assertShellcheckClean("sentinelSetupScript", sentinelSetupScript({ address: "10.0.0.5", certPem: pair.cert, caPem: ca.cert, sentinelCount: 3, peers: ["10.0.0.6", "10.0.0.7"], initialPrimary: "10.0.0.5" }));
        assertShellcheckClean("sentinelQuorumScript", sentinelQuorumScript());
    });
});

describe("render: redis-ha HAProxy", () => {
    const servers = [
        { name: "gluu-cache-1", address: "10.0.0.5" },
        { name: "gluu-cache-2", address: "10.0.0.6" },
    ];

    it("listens on loopback, checks role:master over TLS with a client certificate, and cuts sessions of a demoted primary", () => {
        const conf = haproxyRedisConf({ servers, requireReplica: true });
        assert.match(conf, /bind 127\.0\.0\.1:16379/);
        assert.match(conf, /tcp-check expect string role:master/);
        assert.match(conf, /connected_slaves:\[1-9\]/);
        assert.match(conf, /server gluu-cache-2 10\.0\.0\.6:16379 check check-ssl inter 1000 fall 2 rise 2 on-marked-down shutdown-sessions ssl verify required ca-file \S+ crt \S+ verifyhost gluu-cache-2$/m);
        assert.doesNotMatch(conf, /default-server|hard-stop-after/, "HAProxy 1.5/1.6 (CentOS 7, Ubuntu 16.04) accept neither");
        assert.ok(conf.includes(HAPROXY_PASSWORD_PLACEHOLDER));
        assert.doesNotMatch(haproxyRedisConf({ servers }), /connected_slaves/);
        assert.throws(() => haproxyRedisConf({ servers: [{ name: "Bad Name", address: "10.0.0.5" }] }), /`servers\[0\]\.name`/);
    });

    it("is a configuration haproxy -c accepts", function () {
        if (!have("haproxy")) this.skip();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gluu-haproxy-"));
        try {
            fs.writeFileSync(path.join(dir, "client.pem"), pair.cert + pair.key);
            fs.writeFileSync(path.join(dir, "ca.crt"), ca.cert);
            const conf = haproxyRedisConf({ servers, requireReplica: true })
                .replace(HAPROXY_PASSWORD_PLACEHOLDER, "s3cret-Pass_word.1")
                .replace(/\/etc\/haproxy\/gluu-redis-client\.pem/g, path.join(dir, "client.pem"))
                .replace(/\/etc\/haproxy\/gluu-cluster-ca\.crt/g, path.join(dir, "ca.crt"))
                .replace(/^\s*(user|group|stats socket).*$/gm, "");
            fs.writeFileSync(path.join(dir, "h.cfg"), conf);
            execFileSync("haproxy", ["-c", "-q", "-f", path.join(dir, "h.cfg")], { stdio: "pipe" });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("renders an install script that passes shellcheck and holds no password", () => {
        const s = haproxyInstallScript({ servers, certPem: pair.cert, caPem: ca.cert });
        assertShellcheckClean("haproxyInstallScript", s);
        assert.doesNotMatch(s, /PRIVATE KEY-----\n/);
        assert.match(s, /haproxy -c -q -f/);
    });
});
