// The component package (issue 11): Pulumi starts provider/ as a plugin the way the Node.js language host does
// (node @pulumi/pulumi/cmd/run-plugin <plugin dir>, cwd the plugin dir, ts-node registered by run-plugin), the plugin
// prints its gRPC port, and GetSchema over gRPC returns the schema other languages' SDKs are generated from.
import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const providerGrpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const providerPb = require("@pulumi/pulumi/proto/provider_pb");
import { SECRET_INPUTS, SECRET_OUTPUTS, SECRET_TYPE_PROPERTIES } from "../provider/secrets";
import { PackageSchema, SchemaProperty } from "./helpers/schema";

const ROOT = path.resolve(__dirname, "..");
const PLUGIN_DIR = path.join(ROOT, "provider");
const COMMAND = "/command/v1.2.1/schema.json#/resources/command:remote:Command";

type Prop = SchemaProperty;
type Schema = PackageSchema;

function startPlugin(): Promise<{ child: ChildProcess; port: number }> {
    const runPlugin = require.resolve("@pulumi/pulumi/cmd/run-plugin");
    // The plugin's environment as Pulumi gives it: without the switch other specs set to import the provider
    // in-process (with it, run-plugin would serve a plain ComponentProvider, not ours).
    const env = { ...process.env };
    delete env.GLUU_PROVIDER_NO_SERVE;
    const child = spawn(process.execPath, [runPlugin, "."], { cwd: PLUGIN_DIR, stdio: ["ignore", "pipe", "pipe"], env });
    return new Promise((resolve, reject) => {
        let out = "";
        let err = "";
        child.stdout!.on("data", (d) => {
            out += d;
            const m = /^(\d+)\s*$/m.exec(out);
            if (m) {
                resolve({ child, port: Number(m[1]) });
            }
        });
        child.stderr!.on("data", (d) => (err += d));
        child.on("exit", (code) => reject(new Error(`plugin exited ${code} before printing its port:\n${out}\n${err}`)));
    });
}

function getSchema(port: number): Promise<string> {
    const client = new providerGrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return new Promise((resolve, reject) => {
        client.getSchema(new providerPb.GetSchemaRequest(), (e: Error | null, res: { getSchema(): string }) => {
            client.close();
            return e ? reject(e) : resolve(res.getSchema());
        });
    });
}

describe("component package (provider/, GetSchema over gRPC)", function () {
    this.timeout(90_000);
    let plugin: ChildProcess | undefined;
    let raw = "";
    let schema: Schema;

    before(async () => {
        const started = await startPlugin();
        plugin = started.child;
        raw = await getSchema(started.port);
        schema = JSON.parse(raw);
    });
    after(() => {
        plugin?.kill();
    });

    const res = (n: string) => {
        const r = schema.resources[`gluu:index:${n}`];
        assert.ok(r, `resource gluu:index:${n}`);
        return r;
    };

    it("covers GluuCluster, the hosts and the six services as components", () => {
        assert.equal(schema.name, "gluu");
        for (const n of ["GluuCluster", "GluuNode", "ServiceHost", "ClusterCa", "SecureRedis", "OpenDjReplication", "Csync2Mesh", "NginxBalancer", "NginxPair", "DigitalOceanBalancer", "ClusterAlerts", "LdapCacheConfig", "CertificateDistribution"]) {
            assert.equal(res(n).isComponent, true, n);
        }
        assert.deepEqual(schema.types["gluu:index:RedisPersistence"].enum!.map((e) => String(e.value)).sort(), ["aof", "none", "rdb"]);
        assert.equal(res("NginxPair").inputProperties.vrrpPassword.secret, true, "the VRRP password is a secret input");
        assert.equal(res("DigitalOceanBalancer").inputProperties.privateKeyPem.secret, true);
        assert.equal(res("GluuCluster").inputProperties.loadBalancer !== undefined, true, "GluuCluster takes loadBalancer");
        assert.deepEqual((schema.dependencies ?? []).map((d) => `${d.name}@${d.version}`).sort(), ["command@1.2.1", "digitalocean@4.80.1"]);
    });

    it("has the dependency edges as resource references to command:remote:Command", () => {
        const edges: [string, string][] = [
            ["Csync2Mesh", "initialSyncAfter"],
            ["NginxBalancer", "installAfter"],
            ["NginxBalancer", "healthAfter"],
            ["LdapCacheConfig", "after"],
            ["CertificateDistribution", "restartAfter"],
        ];
        for (const [r, p] of edges) {
            assert.equal(res(r).inputProperties[p].items!.$ref, COMMAND, `${r}.${p}`);
        }
        assert.equal(res("CertificateDistribution").inputProperties.nodeRestartAfter.items!.items!.$ref, COMMAND);
        assert.equal(schema.types["gluu:index:HostArgs"].properties!.readyAfter.items!.$ref, COMMAND);
        assert.equal(res("SecureRedis").properties.ready.items!.$ref, COMMAND);
        assert.equal(res("GluuNode").properties.install.$ref, COMMAND);
        assert.equal(res("GluuNode").properties.base.$ref, COMMAND);
        assert.ok(!Object.keys(schema.types).some((t) => /:Resource$/.test(t)), "no {urn} object type for resources");
        assert.ok(!raw.includes("gluu:index:GluuNode\"}") && !/"\$ref":"#\/resources\/gluu/.test(raw), "no reference to a gluu component");
    });

    it("marks secret inputs and outputs", () => {
        for (const e of SECRET_INPUTS) {
            const [r, p] = e.split(".");
            assert.equal(res(r).inputProperties[p].secret, true, `input ${e}`);
        }
        for (const e of SECRET_OUTPUTS) {
            const [r, p] = e.split(".");
            assert.equal(res(r).properties[p].secret, true, `output ${e}`);
        }
        for (const e of SECRET_TYPE_PROPERTIES) {
            const [t, p] = e.split(".");
            assert.equal(schema.types[`gluu:index:${t}`].properties![p].secret, true, `type ${e}`);
        }
        // Spot checks independent of the list.
        assert.equal(res("SecureRedis").inputProperties.caPrivateKeyPem.secret, true);
        assert.equal(schema.types["gluu:index:SshConnectionArgs"].properties!.privateKey.secret, true);
    });

    it("publishes no CA private key, no SSH connection and no component as an output", () => {
        assert.deepEqual(Object.keys(res("ClusterCa").properties), ["certPem"]);
        for (const [name, r] of Object.entries(schema.resources)) {
            for (const [p, prop] of Object.entries(r.properties)) {
                const ref = prop.$ref ?? prop.items?.$ref ?? "";
                assert.ok(!/HostArgs|SshConnectionArgs/.test(ref), `${name}.${p} carries an SSH connection`);
                assert.ok(!/^#\/resources\//.test(ref), `${name}.${p} is a component`);
            }
        }
        const clusterOutputs = Object.keys(res("GluuCluster").properties);
        for (const hidden of ["nodes", "cache", "lb", "redis", "replication", "fileSync", "cacheConfig", "certificates", "balancer"]) {
            assert.ok(!clusterOutputs.includes(hidden), hidden);
        }
        for (const n of ["GluuNode", "ServiceHost"]) {
            assert.ok(!("host" in res(n).properties) && !("installedHost" in res(n).properties), n);
        }
    });
});
