// The `digitalocean` cache's node side for real: ManagedValkey's steps, recorded under the mocks (the cluster's
// private host, port and password, and the CA `getDatabaseCa` returns, as the mocks emulate the provider), run on a
// test node; a stand-in for the managed node (redis-server 7.0 with TLS only and no client-certificate demand, as a
// DigitalOcean Valkey/Redis cluster, its certificate signed by that CA for the private host name) answers on another
// test host, whose address the node resolves the private host to (/etc/hosts: DigitalOcean's DNS). CONTRACT: the
// server is not DigitalOcean's; that its certificate names `private_host` is the assumption the README states.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ClusterCa } from "../../components/clusterCa";
import { ManagedValkey } from "../../components/managedValkey";
import { mockDatabaseCa } from "../../src/mocks";
import { RecordedResource } from "../../src/record";
import { byName, recordComponent, unwrap } from "../helpers/program";
import { opensslPair } from "../helpers/pki";
import { Bed, startBed } from "./bed";
import { assertNothingChanged, hostArgsOf } from "./hosts";
import { runSteps } from "./runner";

const NODE = "gluu-1";
const SERVER = "valkey";

/** A certificate for `name` signed by `ca` (PEMs), made by openssl. */
function signed(name: string, ca: { certificate: string; privateKeyPem: string }): { cert: string; key: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gluu-valkey-"));
    try {
        fs.writeFileSync(path.join(dir, "ca.crt"), ca.certificate);
        fs.writeFileSync(path.join(dir, "ca.key"), ca.privateKeyPem, { mode: 0o600 });
        fs.writeFileSync(path.join(dir, "ext"), `subjectAltName=DNS:${name}\nextendedKeyUsage=serverAuth\n`);
        const run = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
        run(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "s.key", "-out", "s.csr", "-subj", `/CN=${name}`]);
        run(["x509", "-req", "-in", "s.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "ext", "-out", "s.crt"]);
        return { cert: fs.readFileSync(path.join(dir, "s.crt"), "utf8"), key: fs.readFileSync(path.join(dir, "s.key"), "utf8") };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("live: ManagedValkey's node side (stunnel client verifying DigitalOcean's CA) against a TLS-only stand-in server", function () {
    this.timeout(90000);
    let bed: Bed;
    let resources: RecordedResource[];
    let host: string;
    let port: number;
    let password: string;
    let ca: { certificate: string; privateKeyPem: string };

    /** Start (or restart) the stand-in with this certificate pair. */
    const serve = async (pair: { cert: string; key: string }) =>
        bed.host(SERVER).run(
            [
                `IFS= read -r pw`,
                `install -d -m 0700 /srv/valkey; cat > /srv/valkey/all.pem`,
                `awk '/BEGIN CERTIFICATE/,/END CERTIFICATE/' /srv/valkey/all.pem > /srv/valkey/s.crt`,
                `awk '/BEGIN .*PRIVATE KEY/,/END .*PRIVATE KEY/' /srv/valkey/all.pem > /srv/valkey/s.key`,
                `[ -s /srv/valkey/pid ] && kill "$(cat /srv/valkey/pid)" 2>/dev/null; sleep 0.3`,
                `printf 'port 0\\ntls-port ${port}\\nbind 0.0.0.0\\ntls-cert-file /srv/valkey/s.crt\\ntls-key-file /srv/valkey/s.key\\ntls-auth-clients no\\nrequirepass "%s"\\ndaemonize yes\\npidfile /srv/valkey/pid\\ndir /srv/valkey\\nsave ""\\n' "$pw" > /srv/valkey/r.conf`,
                `redis-server /srv/valkey/r.conf`,
                `for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null && exit 0; sleep 0.1; done; exit 1`,
            ].join("\n"),
            { stdin: `${password}\n${pair.cert.trim()}\n${pair.key.trim()}\n` },
        );
    const ping = () =>
        bed.host(NODE).ssh(`IFS= read -r pw; REDISCLI_AUTH="$pw" timeout 5 redis-cli --no-auth-warning -h 127.0.0.1 -p 16379 ping 2>&1`, { stdin: password + "\n", timeoutMs: 15000 });

    before(async () => {
        bed = await startBed({ hosts: [NODE, SERVER] });
        resources = await recordComponent((opts) => {
            const cca = new ClusterCa("cluster-ca", {}, opts);
            return new ManagedValkey("cache", { clusterName: "gluu-valkey", region: "fra1", vpcUuid: "vpc", memberTag: "gluu-member", clients: [hostArgsOf(bed, NODE)], ...cca.caArgs }, opts);
        });
        const db = resources.find((r) => r.type === "digitalocean:index/databaseCluster:DatabaseCluster")!;
        const conf = String(unwrap(byName(resources, `${NODE}-stunnel-valkey`).inputs.create).value);
        const m = /^connect = (\S+):(\d+)$/m.exec(conf)!;
        host = m[1];
        port = Number(m[2]);
        password = String(unwrap(byName(resources, `${NODE}-valkey-health`).inputs.stdin).value).trim();
        // The cluster id the mocks gave (uuidFor(name)) is what getDatabaseCa was asked for.
        ca = mockDatabaseCa(resources.find((r) => r.name === "cache-firewall")!.inputs.clusterId);
        assert.ok(db && /^private-/.test(host));
        // DigitalOcean's DNS: the node resolves the private host to the stand-in.
        await bed.host(NODE).run(`echo "${bed.host(SERVER).address} ${host}" >> /etc/hosts`);
        await serve(signed(host, ca));
    });

    after(async () => {
        await bed?.stop();
    });

    it("runs the tunnel and the health check: PONG through the node's localhost:16379 with DigitalOcean's password", async () => {
        const r = await runSteps(resources);
        assert.strictEqual(r.step(`${NODE}-valkey-health`).stdout.trim(), "PONG");
        assert.match(await bed.host(NODE).run("cat /etc/stunnel/valkey-client.conf"), /^CAfile = \/etc\/stunnel\/valkey-ca\.crt$/m);
        assert.strictEqual((await bed.host(NODE).run("cat /etc/stunnel/valkey-ca.crt")).trim(), ca.certificate.trim());
    });

    it("runs every step a second time without changing anything", async () => {
        assertNothingChanged(await runSteps(resources));
    });

    it("refuses a server whose certificate another CA signed (no PONG through the tunnel)", async () => {
        await serve(opensslPair(host));
        assert.doesNotMatch((await ping()).stdout, /PONG/);
    });

    it("refuses a certificate from DigitalOcean's CA for another name (checkHost)", async () => {
        await serve(signed("private-other-cluster.m.db.ondigitalocean.com", ca));
        assert.doesNotMatch((await ping()).stdout, /PONG/);
        await serve(signed(host, ca));
        assert.match((await ping()).stdout, /PONG/, "the right certificate again: PONG");
    });
});
